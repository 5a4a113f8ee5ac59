/* Unit tests for report.c: a year of four held meetings (two with recorded attendance, two counted from answers),
 * plus a cancelled, an upcoming and last year's meeting that must not count, against numbers worked out by hand
 * in the comments. Every person here is invented. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

#define REC REPORT_UNRECORDED
#define HERE REPORT_PRESENT
#define AWAY REPORT_ABSENT

/* email, name, org, is_guest, invited, answer, substitute, presence */
#define ANNE(ans, pr) { "anne@faxe.example", "Anne Mose Dahl", "Faxe", 0, 1, ans, NULL, pr }
#define BO(ans, sub, pr) { "bo@greve.example", "Bo Aagaard", "Greve Kommune", 0, 1, ans, sub, pr }
#define FREDERIK(ans, pr) { "frederik@koege.example", "Frederik Hald", "Køge", 0, 1, ans, NULL, pr }
#define LISE(ans, pr) { "lise@koege.example", "Lise Holm", "KØGE", 0, 1, ans, NULL, pr }
#define SOEREN(ans, pr) { "soeren@soroe.example", "Søren Ørsted", "Sorø", 0, 1, ans, NULL, pr }
#define JESPER(ans, pr) { "jesper@solroed.example", "Jesper Vang", "Solrød Kommune", 0, 1, ans, NULL, pr }
#define TUE(ans, pr) { "tue@region.example", "Tue Bilde", "Region Sjælland", 1, 1, ans, NULL, pr }

/* 5 March, online, nothing recorded: present = tilsagn; Bo's substitute came for Greve.
 * Head count: Anne, Frederik, Jesper + Bo's substitute = 4. */
static const struct report_invitee m1[] = {
	ANNE("tilsagn", REC), BO("afbud", "Birte Holm", REC), FREDERIK("tilsagn", REC), LISE("afbud", REC),
	SOEREN(NULL, REC), JESPER("tilsagn", REC),
};
/* 7 May, in Næstved, recorded: Bo accepted but did not come (absent without afbud); Lise never answered but
 * came; Tue (guest) came; two extra participants: a guest from Socialtilsyn Øst and a colleague from Køge.
 * Head count: Anne, Lise, Jesper, Tue + 2 extra = 6, of which guests: Tue and the Socialtilsyn guest = 2. */
static const struct report_invitee m2[] = {
	ANNE("tilsagn", HERE), BO("tilsagn", NULL, AWAY), FREDERIK("afbud", AWAY), LISE(NULL, HERE),
	SOEREN("tentativ", AWAY), JESPER("tilsagn", HERE), TUE("tilsagn", HERE),
};
static const struct report_extra m2_extra[] = {
	{ "Gitte Gæst", "Socialtilsyn Øst", 0 },
	{ "Karl Kollega", "Køge Kommune", 0 },
};
/* 10 September, online, nothing recorded; Xenia's invitation was cancelled, so her tilsagn counts nowhere.
 * Head count: Bo, Frederik, Lise, Jesper = 4. */
static const struct report_invitee m3[] = {
	ANNE("afbud", REC), BO("tilsagn", NULL, REC), FREDERIK("tilsagn", REC), LISE("tilsagn", REC),
	SOEREN(NULL, REC), JESPER("tilsagn", REC),
	{ "xenia@faxe.example", "Xenia Lund", "Faxe", 0, 0, "tilsagn", NULL, REC },
};
/* 12 November, online, recorded: Frederik sent afbud but came; Lise accepted, is not recorded present: absent;
 * the organizer, not an invitee, was there. Head count: Anne, Frederik, Jesper and the organizer = 4, no guest. */
static const struct report_invitee m4[] = {
	ANNE("tilsagn", HERE), BO("afbud", NULL, REC), FREDERIK("afbud", HERE), LISE("tilsagn", REC),
	SOEREN("ukendt", REC), JESPER("tilsagn", HERE),
};
static const struct report_extra m4_extra[] = { { "Karin Lund", "", 1 } };
/* Must not count: upcoming, cancelled, and last year. */
static const struct report_invitee other[] = { ANNE("tilsagn", HERE), SOEREN("afbud", REC) };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* date, place, cancelled, held, recorded, inv, n_inv, extra, n_extra — deliberately out of order */
static const struct report_meeting meetings[] = {
	{ "2027-11-12", "online", 0, 1, 1, m4, N(m4), m4_extra, N(m4_extra) },
	{ "2027-12-10", "online", 0, 0, 0, other, N(other), NULL, 0 },
	{ "2027-03-05", "online", 0, 1, 0, m1, N(m1), NULL, 0 },
	{ "2027-06-18", "online", 1, 1, 0, other, N(other), NULL, 0 },
	{ "2027-05-07", "Rådhuspladsen 1, 4700 Næstved", 0, 1, 1, m2, N(m2), m2_extra, N(m2_extra) },
	{ "2026-11-13", "online", 0, 1, 1, other, N(other), NULL, 0 },
	{ "2027-09-10", "online", 0, 1, 0, m3, N(m3), NULL, 0 },
};

/* The roster's organisations: Stevns has just joined and was never invited, yet is listed with zero. */
static const char *const roster_orgs[] = { "Faxe", "Greve Kommune", "Køge", "Køge", "Sorø", "Solrød Kommune",
					    "Region Sjælland", "Stevns Kommune", "" };

static const struct report_planned planned[] = {
	{ "2028-05-05", 600, 780, "Rådhuspladsen 1; lokale \"Sal A\"", 0 },
	{ "2027-11-12", 600, 780, "online", 0 },
	{ "2028-09-08", 600, 780, "online", 1 },
	{ "2028-03-03", 600, 780, "online", 0 },
	{ "2029-03-02", 600, 780, "online", 0 },
};

static const struct report_input input = { 2027, meetings, N(meetings), roster_orgs, N(roster_orgs), planned,
					   N(planned) };

/* invited, present, present_by_answer, afbud, absent */
static const struct {
	const char *email;
	const char *org;
	struct report_tally t;
} want_people[] = {   /* by name, Danish order */
	{ "anne@faxe.example", "Faxe", { 4, 3, 1, 1, 0 } },          /* M1 tilsagn, M2, M4 here; M3 afbud */
	{ "bo@greve.example", "Greve Kommune", { 4, 1, 1, 2, 1 } },  /* M3 tilsagn; afbud M1, M4; M2 no-show */
	{ "frederik@koege.example", "Køge", { 4, 3, 2, 1, 0 } },    /* M1, M3 tilsagn; M4 came; M2 afbud */
	{ "jesper@solroed.example", "Solrød Kommune", { 4, 4, 2, 0, 0 } },
	{ "lise@koege.example", "KØGE", { 4, 2, 1, 1, 1 } },       /* M2 came; M3 tilsagn; M1 afbud; M4 no-show */
	{ "soeren@soroe.example", "Sorø", { 4, 0, 0, 0, 4 } },
	{ "tue@region.example", "Region Sjælland", { 1, 1, 0, 0, 0 } },
};

static const struct {
	const char *name;
	int is_kommune;
	int participated;
	struct report_tally t;
} want_orgs[] = {     /* municipalities in Danish order, then the others */
	{ "Faxe", 1, 3, { 4, 3, 1, 1, 0 } },
	{ "Greve", 1, 2, { 4, 2, 2, 1, 1 } },          /* M1 (substitute) and M3 by answer; M4 afbud; M2 none */
	{ "Køge", 1, 4, { 4, 4, 2, 0, 0 } },           /* two people, one count per meeting */
	{ "Solrød", 1, 4, { 4, 4, 2, 0, 0 } },
	{ "Sorø", 1, 0, { 4, 0, 0, 0, 4 } },
	{ "Region Sjælland", 0, 1, { 1, 1, 0, 0, 0 } },
	{ "Socialtilsyn Øst", 0, 1, { 0, 0, 0, 0, 0 } }, /* never invited, came once */
};

static const struct {
	const char *name;
	int meetings;
} want_kommuner[] = {
	{ "Faxe", 3 }, { "Greve", 2 }, { "Køge", 4 }, { "Solrød", 4 }, { "Sorø", 0 }, { "Stevns", 0 },
};

static const struct {
	const char *date;
	int head_count, guests, recorded;
} want_held[] = {
	{ "2027-03-05", 4, 0, 0 },
	{ "2027-05-07", 6, 2, 1 },
	{ "2027-09-10", 4, 0, 0 },
	{ "2027-11-12", 4, 0, 1 },
};

static void assert_tally(const struct report_tally *got, const struct report_tally *want, const char *who)
{
	if (memcmp(got, want, sizeof(*got)) != 0)
		fail_msg("%s: got %d/%d/%d/%d/%d, want %d/%d/%d/%d/%d", who, got->invited, got->present,
			 got->present_by_answer, got->afbud, got->absent, want->invited, want->present,
			 want->present_by_answer, want->afbud, want->absent);
	assert_int_equal(got->invited, got->present + got->afbud + got->absent);
}

static void test_counts(void **state)
{
	struct report r;

	(void)state;
	report_build(&r, &input);
	assert_int_equal(r.year, 2027);
	assert_int_equal(r.n_upcoming, 1);
	assert_int_equal(r.n_cancelled, 1);
	assert_int_equal(r.n_held, N(want_held));
	for (size_t i = 0; i < N(want_held); i++) {
		assert_string_equal(r.held[i].date, want_held[i].date);
		assert_int_equal(r.held[i].head_count, want_held[i].head_count);
		assert_int_equal(r.held[i].guests, want_held[i].guests);
		assert_int_equal(r.held[i].recorded, want_held[i].recorded);
	}
	assert_string_equal(r.held[1].place, "Rådhuspladsen 1, 4700 Næstved");
	assert_int_equal(r.n_people, N(want_people));
	for (size_t i = 0; i < N(want_people); i++) {
		assert_string_equal(r.people[i].email, want_people[i].email);
		assert_string_equal(r.people[i].org, want_people[i].org);
		assert_tally(&r.people[i].t, &want_people[i].t, want_people[i].email);
	}
	assert_int_equal(r.n_orgs, N(want_orgs));
	for (size_t i = 0; i < N(want_orgs); i++) {
		assert_string_equal(r.orgs[i].name, want_orgs[i].name);
		assert_int_equal(r.orgs[i].is_kommune, want_orgs[i].is_kommune);
		assert_int_equal(r.orgs[i].participated, want_orgs[i].participated);
		assert_tally(&r.orgs[i].t, &want_orgs[i].t, want_orgs[i].name);
	}
	assert_int_equal(r.n_kommuner, N(want_kommuner));
	for (size_t i = 0; i < N(want_kommuner); i++) {
		assert_string_equal(r.kommuner[i].name, want_kommuner[i].name);
		assert_int_equal(r.kommuner[i].meetings, want_kommuner[i].meetings);
	}
	assert_int_equal(r.n_planned, 2);
	assert_string_equal(r.planned[0].date, "2028-03-03");
	assert_string_equal(r.planned[1].date, "2028-05-05");
	report_release(&r);
}

static const struct {
	const char *word;
	int ok;
	enum report_sort by;
	const char *order;   /* the people's e-mail local parts, joined by ' ' */
} sorts[] = {
	{ "navn", 0, REPORT_SORT_NAME, "anne bo frederik jesper lise soeren tue" },
	{ "organisation", 0, REPORT_SORT_ORG, "anne bo frederik lise jesper soeren tue" },
	/* most absent without afbud, then most afbud, then by organisation */
	{ "fravær", 0, REPORT_SORT_ABSENCE, "soeren bo lise anne frederik jesper tue" },
	{ "fravaer", 0, REPORT_SORT_ABSENCE, "soeren bo lise anne frederik jesper tue" },
	{ "Navn", -1, REPORT_SORT_NAME, NULL },
	{ "", -1, REPORT_SORT_NAME, NULL },
};

static void test_sort(void **state)
{
	struct report r;

	(void)state;
	report_build(&r, &input);
	for (size_t i = 0; i < N(sorts); i++) {
		enum report_sort by = REPORT_SORT_ORG;
		char got[256] = "";

		assert_int_equal(report_sort_parse(sorts[i].word, &by), sorts[i].ok);
		if (sorts[i].ok < 0)
			continue;
		assert_int_equal(by, sorts[i].by);
		report_sort(&r, by);
		for (size_t j = 0; j < r.n_people; j++) {
			size_t at = strlen(got);

			snprintf(got + at, sizeof(got) - at, "%s%.*s", j ? " " : "",
				 (int)strcspn(r.people[j].email, "@"), r.people[j].email);
		}
		assert_string_equal(got, sorts[i].order);
	}
	report_sort(&r, REPORT_SORT_ABSENCE);
	assert_string_equal(r.orgs[0].name, "Sorø");
	assert_string_equal(r.orgs[1].name, "Greve");
	report_release(&r);
}

/* The row of 'label' in the text: the five numbers after it. */
static void text_row(const char *text, const char *label, int want[5])
{
	char needle[128];
	const char *p;
	int got[5];

	snprintf(needle, sizeof(needle), "\n  %s  ", label);
	p = strstr(text, needle);
	if (!p)
		fail_msg("no row '%s' in:\n%s", label, text);
	assert_int_equal(sscanf(p + strlen(needle), "%d %d %d %d %d", &got[0], &got[1], &got[2], &got[3], &got[4]),
			 5);
	assert_memory_equal(got, want, sizeof(got));
}

static void test_text(void **state)
{
	struct report r;
	char *t;

	(void)state;
	report_build(&r, &input);
	t = report_absence_text(&r, "Netværksgruppe Børn og Unge");
	assert_non_null(strstr(t, "Fravær i 2027 — Netværksgruppe Børn og Unge\n"));
	assert_non_null(strstr(t, "Afholdte møder: 4\n"));
	assert_non_null(strstr(t, "  Fredag d. 5. marts        til stede = tilsagn (fremmødet er ikke registreret)\n"));
	assert_non_null(strstr(t, "  Fredag d. 7. maj          til stede = registreret fremmøde\n"));
	assert_non_null(strstr(t, "1 møde i 2027 er endnu ikke afholdt og tæller ikke med.\n"));
	assert_non_null(strstr(t, "1 møde i 2027 er aflyst og tæller ikke med.\n"));
	text_row(t, "Anne Mose Dahl (Faxe)", (int[]){ 4, 3, 1, 1, 0 });
	text_row(t, "Lise Holm (KØGE)", (int[]){ 4, 2, 1, 1, 1 });
	text_row(t, "Søren Ørsted (Sorø)", (int[]){ 4, 0, 0, 0, 4 });
	text_row(t, "Greve", (int[]){ 4, 2, 2, 1, 1 });
	/* an organisation that was never invited has no absence row */
	assert_null(strstr(t, "Socialtilsyn"));
	free(t);
	report_release(&r);
}

static void test_csv(void **state)
{
	struct report r;
	char *c;

	(void)state;
	report_build(&r, &input);
	c = report_csv_people(&r);
	assert_memory_equal(c, "\xEF\xBB\xBFNavn;Organisation;E-mail;Inviteret;Til stede;", 43);
	assert_non_null(strstr(c, "\r\nAnne Mose Dahl;Faxe;anne@faxe.example;4;3;1;1;0\r\n"));
	assert_non_null(strstr(c, "\r\nSøren Ørsted;Sorø;soeren@soroe.example;4;0;0;0;4\r\n"));
	assert_null(strstr(c, "xenia"));
	free(c);
	c = report_csv_orgs(&r);
	assert_non_null(strstr(c, "\r\nGreve;ja;2;4;2;2;1;1\r\n"));
	assert_non_null(strstr(c, "\r\nSocialtilsyn Øst;nej;1;0;0;0;0;0\r\n"));
	free(c);
	c = report_csv_meetings(&r);
	assert_non_null(strstr(c, "\r\n2027-05-07;Fredag d. 7. maj;Rådhuspladsen 1, 4700 Næstved;6;2;registreret fremmøde\r\n"));
	assert_non_null(strstr(c, "\r\n2027-03-05;Fredag d. 5. marts;Virtuelt;4;0;tilsagn\r\n"));
	free(c);
	c = report_csv_kommuner(&r);
	assert_non_null(strstr(c, "\r\nSorø;Region Sjælland;0;4\r\nStevns;Region Sjælland;0;4\r\n"));
	free(c);
	c = report_csv_planned(&r);
	assert_string_equal(c, "\xEF\xBB\xBF" "Dato;Dag;Tid;Sted\r\n"
			       "2028-03-03;Fredag d. 3. marts;10.00-13.00;Virtuelt\r\n"
			       "2028-05-05;Fredag d. 5. maj;10.00-13.00;\"Rådhuspladsen 1; lokale \"\"Sal A\"\"\"\r\n");
	free(c);
	report_release(&r);
}

/* fravær --csv and the rapport CSVs: a name or organisation from the roster that Excel would run as a formula
 * gets Excel's text mark; the counts stay numbers. */
static void test_csv_formulas(void **state)
{
	struct report_person p = { "x@angriber.example", "=HYPERLINK(\"https://x.example\";\"klik\")", "@Greve",
				   { 4, 3, 1, 1, 0 } };
	struct report_org o = { "-Køge", 0, { 4, 3, 1, 1, 0 }, 2 };
	struct report r = { 0 };
	char *c;

	(void)state;
	r.people = &p;
	r.n_people = 1;
	r.orgs = &o;
	r.n_orgs = 1;
	c = report_csv_people(&r);
	assert_non_null(strstr(c, "\r\n\"'=HYPERLINK(\"\"https://x.example\"\";\"\"klik\"\")\";'@Greve;"
				  "x@angriber.example;4;3;1;1;0\r\n"));
	free(c);
	c = report_csv_orgs(&r);
	assert_non_null(strstr(c, "\r\n'-Køge;nej;2;4;3;1;1;0\r\n"));
	free(c);
}

static const char *const html_want[] = {
	"<html lang=\"da\">",
	"<h1>Gruppe &lt;Børn &amp; Unge&gt;: tal til årsrapporten 2027</h1>",
	"<h2>Møder i netværket i 2027</h2>",
	"<p>Der er afholdt 4 møder i 2027:</p>",
	"<li>Fredag d. 5. marts (4 deltagere)</li>",
	"<li>Fredag d. 7. maj (6 deltagere inkl. gæster)</li>",
	"<li>Fredag d. 12. november (4 deltagere)</li>",
	"Deltagerne er talt ud fra det registrerede fremmøde ved 7. maj og 12. november og ud fra tilsagn ved "
	"5. marts og 10. september, hvor fremmødet ikke er registreret.",
	"3 af møderne i 2027 er blevet afholdt virtuelt, 1 med fysisk fremmøde.",
	"Desuden er 1 møde i 2027 endnu ikke afholdt. 1 møde i 2027 er aflyst.",
	"<p>6 kommuner er med i netværket (6 af de 17 kommuner i Region Sjælland).",
	"data-kommune=\"Køge\" data-moeder=\"4\"",
	"data-kommune=\"Stevns\" data-moeder=\"0\"",
	"<tr><td>Sorø</td><td class=\"n\">0</td></tr>",
	"<p>Region Sjælland har været repræsenteret ved 1 af de 4 møder i 2027.</p>",
	"<p>Socialtilsyn Øst har været repræsenteret ved 1 af de 4 møder i 2027.</p>",
	"<h2>Planlagte møder i 2028</h2>",
	"<li><time datetime=\"2028-05-05\">Fredag d. 5. maj</time> kl. 10.00-13.00, Rådhuspladsen 1; lokale "
	"&quot;Sal A&quot;</li>",
	"Udarbejdet af tovholder den 14. januar 2028",
	"<!-- Intet kort",
};

/* Anything that would fetch from outside: the page must be whole by itself. */
static const char *const html_never[] = { "src=", "href=", "url(", "@import", "http://www.w3.org/1999", "<script",
					  "Xenia", "2029" };

static void test_html(void **state)
{
	struct report r;
	char *h;

	(void)state;
	report_build(&r, &input);
	h = report_html(&r, "Gruppe <Børn & Unge>", "2028-01-14");
	for (size_t i = 0; i < N(html_want); i++)
		if (!strstr(h, html_want[i]))
			fail_msg("missing: %s", html_want[i]);
	for (size_t i = 0; i < N(html_never); i++)
		if (strstr(h, html_never[i]))
			fail_msg("must not contain: %s", html_never[i]);
	/* one bar per municipality with meetings, none for the zeros */
	size_t bars = 0;
	for (const char *p = h; (p = strstr(p, "<rect ")); p++)
		bars++;
	assert_int_equal(bars, 4);
	free(h);
	report_release(&r);
}

static void test_empty_year(void **state)
{
	struct report_input in = input;
	struct report r;
	char *h, *t;

	(void)state;
	in.year = 2025;
	report_build(&r, &in);
	assert_int_equal(r.n_held, 0);
	assert_int_equal(r.n_people, 0);
	assert_int_equal(r.n_kommuner, 6);   /* the roster's, every one with zero */
	for (size_t i = 0; i < r.n_kommuner; i++)
		assert_int_equal(r.kommuner[i].meetings, 0);
	h = report_html(&r, "G", NULL);
	assert_non_null(strstr(h, "<p>Der er ikke afholdt møder i 2025.</p>"));
	assert_non_null(strstr(h, "<p>Der er endnu ikke planlagt møder i 2026.</p>"));
	assert_null(strstr(h, "<svg"));
	t = report_absence_text(&r, "G");
	assert_non_null(strstr(t, "Der er ikke afholdt møder i 2025"));
	free(h);
	free(t);
	report_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_formulas),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_empty_year),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
