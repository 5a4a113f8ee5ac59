/* Unit tests for referat.c: the attendance lines, with exact expected text. Every person here is invented. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "referat.h"

#define YES REFERAT_ACCEPTED
#define NO REFERAT_DECLINED
#define MAYBE REFERAT_TENTATIVE
#define NONE REFERAT_NO_ANSWER
#define HERE REFERAT_PRESENT
#define AWAY REFERAT_ABSENT

/* name, org, email, is_secretary, is_guest, answer, substitute */
#define P(name, org, ans) { name, org, NULL, 0, 0, ans, NULL }
#define PM(name, org, email, ans) { name, org, email, 0, 0, ans, NULL }
#define SEC(name, org, ans) { name, org, NULL, 1, 0, ans, NULL }
#define SECM(name, org, email, ans) { name, org, email, 1, 0, ans, NULL }
#define GUEST(name, org, ans) { name, org, NULL, 0, 1, ans, NULL }
#define SUB(name, org, ans, sub) { name, org, NULL, 0, 0, ans, sub }
#define GSUB(name, org, ans, sub) { name, org, NULL, 0, 1, ans, sub }
#define ROSTER(...) \
	(const struct referat_person[]){ __VA_ARGS__ }, \
	sizeof((const struct referat_person[]){ __VA_ARGS__ }) / sizeof(struct referat_person)

static const struct {
	const char *what;
	const char *secretary;
	const struct referat_person *people;
	size_t n;
	int order_free;    /* the same text for the roster in reverse: no guests, no two spellings of one org */
	const char *want;
} cases[] = {
	{ "empty roster", NULL, NULL, 0, 1,
	  "Deltagere: ingen\n"
	  "Referat: ingen\n" },
	{ "one person", NULL, ROSTER(P("Ida Smed", "Faxe", YES)), 1,
	  "Deltagere: Ida Smed (Faxe)\n"
	  "Referat: ingen\n" },
	{ "two of one municipality, by name", NULL,
	  ROSTER(P("Ole Brun", "Greve", YES), P("Ida Smed", "Greve", YES)), 1,
	  "Deltagere: Ida Smed og Ole Brun (Greve)\n"
	  "Referat: ingen\n" },
	{ "three of one municipality", NULL,
	  ROSTER(P("Mads Eg", "Lejre", YES), P("Berit Kok", "Lejre", HERE), P("Carl Vad", "Lejre", YES)), 1,
	  "Deltagere: Berit Kok, Carl Vad og Mads Eg (Lejre)\n"
	  "Referat: ingen\n" },
	{ "names in Danish order, æ ø å and aa last", NULL,
	  ROSTER(P("Åse Vinter", "Stevns", YES), P("Zenia Lund", "Stevns", YES), P("Aage Mørk", "Stevns", YES),
		 P("Øjvind Krog", "Stevns", YES), P("Aksel Bro", "Stevns", YES)), 1,
	  "Deltagere: Aksel Bro, Zenia Lund, Øjvind Krog, Aage Mørk og Åse Vinter (Stevns)\n"
	  "Referat: ingen\n" },
	{ "municipalities in Danish order", NULL,
	  ROSTER(P("Per Ask", "Aarhus", YES), P("Eva Ry", "Køge", YES), P("Lis Dam", "Ærø", YES),
		 P("Ib Holt", "Sorø", YES), P("Jan Ege", "Kalundborg", YES), P("Kaj Sand", "Solrød", YES),
		 P("Tina Bæk", "Holbæk", YES), P("Rut Lind", "Vordingborg", YES), P("Gry Ek", "Næstved", YES)), 1,
	  "Deltagere: Tina Bæk (Holbæk), Jan Ege (Kalundborg), Eva Ry (Køge), Gry Ek (Næstved), "
	  "Kaj Sand (Solrød), Ib Holt (Sorø), Rut Lind (Vordingborg), Lis Dam (Ærø), Per Ask (Aarhus)\n"
	  "Referat: ingen\n" },
	{ "municipality spellings group under the short name", NULL,
	  ROSTER(P("Eva Ry", "Køge Kommune", YES), P("Bo Lyng", "Køge", YES), P("Sif Ulv", " KØGE kommune ", YES),
		 P("Nis Toft", "Københavns Kommune", YES), P("Ane Ris", "Århus Kommune", YES)), 1,
	  "Deltagere: Nis Toft (København), Bo Lyng, Eva Ry og Sif Ulv (Køge), Ane Ris (Aarhus)\n"
	  "Referat: ingen\n" },
	{ "a substitute for an afbud", NULL,
	  ROSTER(SUB("Finn Hav", "Køge", NO, "Gitte Sø"), P("Alma Rønne", "Køge", YES), P("Dan Mose", "Faxe", YES)),
	  1,
	  "Afbud: Finn Hav (Køge)\n"
	  "Deltagere: Dan Mose (Faxe), Alma Rønne (Køge), Gitte Sø (Køge) for Finn Hav\n"
	  "Referat: ingen\n" },
	{ "region and secretariat after the municipalities, guests last in the order given", NULL,
	  ROSTER(P("Rie Vang", "Region Sjælland", YES), GUEST("Yrsa Kilde", "Universitet Syd", YES),
		 P("Pia Holm", "Rammeaftale Sjælland", YES), P("Ask Berg", "Rammeaftale Sjælland", YES),
		 GUEST("Hugo Fjeld", "Næstved Kommune", YES), P("Vera Dal", "Næstved", YES),
		 P("Ulla Kær", "Greve", YES)), 0,
	  "Deltagere: Ulla Kær (Greve), Vera Dal (Næstved), Ask Berg og Pia Holm (Rammeaftale Sjælland), "
	  "Rie Vang (Region Sjælland), Yrsa Kilde (Universitet Syd), Hugo Fjeld (Næstved)\n"
	  "Referat: ingen\n" },
	{ "nobody has answered", NULL,
	  ROSTER(P("Ole Brun", "Greve", NONE), P("Ida Smed", "Faxe", NONE), P("Sten Ager", "Greve", MAYBE)), 1,
	  "Deltagere: ingen\n"
	  "Referat: ingen\n"
	  "Måske: Sten Ager (Greve)\n"
	  "Ikke svaret: Ida Smed (Faxe), Ole Brun (Greve)\n" },
	{ "the secretary is never among Deltagere", NULL,
	  ROSTER(P("Ole Brun", "Greve", YES), SEC("Tove Skov", "Holbæk", YES), P("Lene Nør", "Holbæk", YES)), 1,
	  "Deltagere: Ole Brun (Greve), Lene Nør (Holbæk)\n"
	  "Referat: Tove Skov (Holbæk)\n" },
	{ "the secretary without an answer is not on Ikke svaret", NULL,
	  ROSTER(SEC("Tove Skov", "Holbæk", NONE), P("Ole Brun", "Greve", NONE)), 1,
	  "Deltagere: ingen\n"
	  "Referat: Tove Skov (Holbæk)\n"
	  "Ikke svaret: Ole Brun (Greve)\n" },
	{ "everyone declined", NULL,
	  ROSTER(P("Ole Brun", "Greve", NO), P("Ida Smed", "Faxe", NO), SEC("Tove Skov", "Holbæk", YES),
		 P("Rie Vang", "Region Sjælland", NO)), 1,
	  "Afbud: Ida Smed (Faxe), Ole Brun (Greve), Rie Vang (Region Sjælland)\n"
	  "Deltagere: ingen\n"
	  "Referat: Tove Skov (Holbæk)\n" },
	{ "every line, after the meeting", NULL,
	  ROSTER(P("Bent Fog", "Greve", NO), P("Nina Gran", "Køge", NO), P("Asta Lund", "Faxe", HERE),
		 P("Lise Høj", "Holbæk", HERE), P("Erik Bay", "Holbæk", HERE), P("Sune Rask", "Region Sjælland", HERE),
		 SEC("Jonna Vig", "Solrød", HERE), P("Hans Øst", "Odsherred", NONE), P("Karl Tang", "Lolland", AWAY),
		 P("Maja Frost", "Sorø", MAYBE)), 1,
	  "Afbud: Bent Fog (Greve), Nina Gran (Køge)\n"
	  "Deltagere: Asta Lund (Faxe), Erik Bay og Lise Høj (Holbæk), Sune Rask (Region Sjælland)\n"
	  "Referat: Jonna Vig (Solrød)\n"
	  "Fraværende: Karl Tang (Lolland)\n"
	  "Måske: Maja Frost (Sorø)\n"
	  "Ikke svaret: Hans Øst (Odsherred)\n" },
	{ "no organisation: the name alone, after the organisations, never joined", NULL,
	  ROSTER(P("Ulf Alm", "", YES), GUEST("Vibe Sol", NULL, YES), P("Tim Bro", NULL, YES),
		 P("Rie Vang", "Region Sjælland", YES), P("Ole Brun", "  ", YES)), 0,
	  "Deltagere: Rie Vang (Region Sjælland), Ole Brun, Tim Bro, Ulf Alm, Vibe Sol\n"
	  "Referat: ingen\n" },
	{ "the configured referent, as config.c has it", "Lene Nør (Holbæk Kommune)",
	  ROSTER(P("Lene Nør", "Holbæk", YES), P("Ole Brun", "Greve", YES)), 1,
	  "Deltagere: Ole Brun (Greve)\n"
	  "Referat: Lene Nør (Holbæk)\n" },
	{ "the configured referent by address, whatever their answer", "Lene.Nor@holbaek.example",
	  ROSTER(PM("Lene Nør", "Holbæk", "lene.nor@holbaek.example", NO), P("Ole Brun", "Greve", YES)), 1,
	  "Deltagere: Ole Brun (Greve)\n"
	  "Referat: Lene Nør (Holbæk)\n" },
	{ "the configured referent by name, any case and spacing", " lene  NØR ",
	  ROSTER(P("Lene Nør", "Holbæk", NONE), P("Ole Brun", "Greve", NONE)), 1,
	  "Deltagere: ingen\n"
	  "Referat: Lene Nør (Holbæk)\n"
	  "Ikke svaret: Ole Brun (Greve)\n" },
	{ "same name in another organisation is someone else", "Lene Nør (Greve)",
	  ROSTER(P("Lene Nør", "Holbæk", YES)), 1,
	  "Deltagere: Lene Nør (Holbæk)\n"
	  "Referat: Lene Nør (Greve)\n" },
	{ "a referent outside the roster is written as given", "Kim Fjord (Lejre)",
	  ROSTER(P("Ole Brun", "Greve", YES), P("Ida Smed", "Faxe", NO)), 1,
	  "Afbud: Ida Smed (Faxe)\n"
	  "Deltagere: Ole Brun (Greve)\n"
	  "Referat: Kim Fjord (Lejre)\n" },
	{ "the roster's secretary rather than a configured name it does not match", "Kim Fjord (Lejre)",
	  ROSTER(SEC("Tove Skov", "Holbæk", YES), P("Ole Brun", "Greve", YES)), 1,
	  "Deltagere: Ole Brun (Greve)\n"
	  "Referat: Tove Skov (Holbæk)\n" },
	{ "the roster's secretary and the configured referent", "Lene Nør (Holbæk)",
	  ROSTER(SEC("Tove Skov", "Holbæk", YES), P("Lene Nør", "Holbæk", YES), P("Ole Brun", "Greve", YES)), 1,
	  "Deltagere: Ole Brun (Greve)\n"
	  "Referat: Lene Nør og Tove Skov (Holbæk)\n" },
	{ "a configured referent that is no name matches nobody", "(Holbæk)",
	  ROSTER(PM("", "Holbæk", "sekr@holbaek.example", YES)), 1,
	  "Deltagere: sekr@holbaek.example (Holbæk)\n"
	  "Referat: (Holbæk)\n" },
	{ "an empty configured referent", "",
	  ROSTER(P("Ole Brun", "Greve", YES)), 1,
	  "Deltagere: Ole Brun (Greve)\n"
	  "Referat: ingen\n" },
	{ "two secretaries of one organisation", NULL,
	  ROSTER(SEC("Tove Skov", "Holbæk", YES), SEC("Dorte Ager", "Holbæk Kommune", NONE)), 1,
	  "Deltagere: ingen\n"
	  "Referat: Dorte Ager og Tove Skov (Holbæk)\n" },
	{ "one organisation written two ways: the first spelling", NULL,
	  ROSTER(P("Rie Vang", "Region Sjælland", YES), P("Aja Friis", "REGION  SJÆLLAND", YES),
		 P("Ole Brun", "Greve", YES)), 0,
	  "Deltagere: Ole Brun (Greve), Aja Friis og Rie Vang (Region Sjælland)\n"
	  "Referat: ingen\n" },
	{ "no name: the address; neither: left out", NULL,
	  ROSTER(PM(NULL, "Greve", "post@greve.example", YES), PM("", "Faxe", NULL, YES),
		 PM("", "Faxe", "info@faxe.example", NO)), 1,
	  "Afbud: info@faxe.example (Faxe)\n"
	  "Deltagere: post@greve.example (Greve)\n"
	  "Referat: ingen\n" },
	{ "a substitute for someone absent; substitutes of the others ignored", NULL,
	  ROSTER(SUB("Karl Tang", "Lolland", AWAY, "Mie Lys"), SUB("Ole Brun", "Greve", YES, "Kurt Hvid"),
		 SUB("Ida Smed", "Faxe", NONE, "Bjørn Kro"), SUB("Bent Fog", "Sorø", NO, "")), 1,
	  "Afbud: Bent Fog (Sorø)\n"
	  "Deltagere: Ole Brun (Greve), Mie Lys (Lolland) for Karl Tang\n"
	  "Referat: ingen\n"
	  "Fraværende: Karl Tang (Lolland)\n"
	  "Ikke svaret: Ida Smed (Faxe)\n" },
	{ "substitutes of one organisation by name, after its members", NULL,
	  ROSTER(SUB("Finn Hav", "Køge", NO, "Ulrik Sø"), SUB("Nina Gran", "Køge", NO, "Bo Lyng"),
		 P("Eva Ry", "Køge", YES), P("Ane Ris", "Køge", YES), P("Dan Mose", "Lejre", YES)), 1,
	  "Afbud: Finn Hav og Nina Gran (Køge)\n"
	  "Deltagere: Ane Ris og Eva Ry (Køge), Bo Lyng (Køge) for Nina Gran, Ulrik Sø (Køge) for Finn Hav, "
	  "Dan Mose (Lejre)\n"
	  "Referat: ingen\n" },
	{ "a guest's substitute stays with the guests", NULL,
	  ROSTER(GSUB("Yrsa Kilde", "Universitet Syd", NO, "Otto Kilde"), GUEST("Hugo Fjeld", "Konsulent", YES),
		 P("Ole Brun", "Greve", YES)), 0,
	  "Afbud: Yrsa Kilde (Universitet Syd)\n"
	  "Deltagere: Ole Brun (Greve), Otto Kilde (Universitet Syd) for Yrsa Kilde, Hugo Fjeld (Konsulent)\n"
	  "Referat: ingen\n" },
};

static void check_case(size_t i, const struct referat_person *people, size_t n)
{
	char *got = referat_lines(cases[i].secretary, people, n);

	if (strcmp(got, cases[i].want)) {
		char msg[2048];
		snprintf(msg, sizeof(msg), "case '%s':\n--- want\n%s--- got\n%s", cases[i].what, cases[i].want, got);
		free(got);
		fail_msg("%s", msg);
	}
	free(got);
}

static void test_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(i, cases[i].people, cases[i].n);
}

/* The order comes from the names and organisations, not from the roster's order. */
static void test_lines_reversed(void **state)
{
	struct referat_person rev[16];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!cases[i].order_free)
			continue;
		assert_true(cases[i].n <= 16);
		for (size_t k = 0; k < cases[i].n; k++)
			rev[k] = cases[i].people[cases[i].n - 1 - k];
		check_case(i, rev, cases[i].n);
	}
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static const struct {
	const char *a, *b;
	int want;
} org_cases[] = {
	{ "Holbæk", "Kalundborg", -1 },
	{ "Kalundborg", "Køge", -1 },
	{ "Solrød", "Sorø", -1 },
	{ "Vordingborg", "Ærø", -1 },
	{ "Ærø", "Aarhus", -1 },
	{ "Køge", "Køge Kommune", 0 },
	{ "KØGE", "køge kommune", 0 },
	{ "Københavns Kommune", "København", 0 },
	{ "Århus", "Aarhus Kommune", 0 },
	{ "Aarhus", "Region Sjælland", -1 },
	{ "Ærø", "AAU", -1 },
	{ "Rammeaftale Sjælland", "Region Sjælland", -1 },
	{ "Region Sjælland", " region  sjælland ", 0 },
	{ "Region Sjælland", "Region Syddanmark", -1 },
	{ "KL", "Region Sjælland", -1 },
	{ "Region Sjælland", "", -1 },
	{ "Øresundsinstituttet", "", -1 },
	{ "", NULL, 0 },
	{ "  ", NULL, 0 },
	{ NULL, "Faxe", 1 },
};

static void test_org_cmp(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(org_cases) / sizeof(org_cases[0]); i++) {
		const char *a = org_cases[i].a, *b = org_cases[i].b;
		if (sign(referat_org_cmp(a, b)) != org_cases[i].want || sign(referat_org_cmp(b, a)) != -org_cases[i].want)
			fail_msg("case %zu: '%s' vs '%s': got %d, want %d", i, a ? a : "(null)", b ? b : "(null)",
				 referat_org_cmp(a, b), org_cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_lines_reversed),
		cmocka_unit_test(test_org_cmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
