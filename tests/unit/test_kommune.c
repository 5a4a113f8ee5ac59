/* Unit tests for kommune.c: all 98 municipalities with their regions, and the spellings rosters use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dansk.h"
#include "kommune.h"

#define HOV "Region Hovedstaden"
#define SJA "Region Sjælland"
#define SYD "Region Syddanmark"
#define MID "Region Midtjylland"
#define NOR "Region Nordjylland"

/* Written out region by region (Danmarks Statistik's list), independently of the module's table order. */
static const struct {
	const char *name, *region;
} all[] = {
	{ "Albertslund", HOV }, { "Allerød", HOV }, { "Ballerup", HOV }, { "Bornholm", HOV },
	{ "Brøndby", HOV }, { "Dragør", HOV }, { "Egedal", HOV }, { "Fredensborg", HOV },
	{ "Frederiksberg", HOV }, { "Frederikssund", HOV }, { "Furesø", HOV }, { "Gentofte", HOV },
	{ "Gladsaxe", HOV }, { "Glostrup", HOV }, { "Gribskov", HOV }, { "Halsnæs", HOV },
	{ "Helsingør", HOV }, { "Herlev", HOV }, { "Hillerød", HOV }, { "Hvidovre", HOV },
	{ "Høje-Taastrup", HOV }, { "Hørsholm", HOV }, { "Ishøj", HOV }, { "København", HOV },
	{ "Lyngby-Taarbæk", HOV }, { "Rudersdal", HOV }, { "Rødovre", HOV }, { "Tårnby", HOV },
	{ "Vallensbæk", HOV },

	{ "Faxe", SJA }, { "Greve", SJA }, { "Guldborgsund", SJA }, { "Holbæk", SJA }, { "Kalundborg", SJA },
	{ "Køge", SJA }, { "Lejre", SJA }, { "Lolland", SJA }, { "Næstved", SJA }, { "Odsherred", SJA },
	{ "Ringsted", SJA }, { "Roskilde", SJA }, { "Slagelse", SJA }, { "Solrød", SJA }, { "Sorø", SJA },
	{ "Stevns", SJA }, { "Vordingborg", SJA },

	{ "Assens", SYD }, { "Billund", SYD }, { "Esbjerg", SYD }, { "Faaborg-Midtfyn", SYD }, { "Fanø", SYD },
	{ "Fredericia", SYD }, { "Haderslev", SYD }, { "Kerteminde", SYD }, { "Kolding", SYD },
	{ "Langeland", SYD }, { "Middelfart", SYD }, { "Nordfyns", SYD }, { "Nyborg", SYD }, { "Odense", SYD },
	{ "Svendborg", SYD }, { "Sønderborg", SYD }, { "Tønder", SYD }, { "Varde", SYD }, { "Vejen", SYD },
	{ "Vejle", SYD }, { "Ærø", SYD }, { "Aabenraa", SYD },

	{ "Favrskov", MID }, { "Hedensted", MID }, { "Herning", MID }, { "Holstebro", MID }, { "Horsens", MID },
	{ "Ikast-Brande", MID }, { "Lemvig", MID }, { "Norddjurs", MID }, { "Odder", MID }, { "Randers", MID },
	{ "Ringkøbing-Skjern", MID }, { "Samsø", MID }, { "Silkeborg", MID }, { "Skanderborg", MID },
	{ "Skive", MID }, { "Struer", MID }, { "Syddjurs", MID }, { "Viborg", MID }, { "Aarhus", MID },

	{ "Brønderslev", NOR }, { "Frederikshavn", NOR }, { "Hjørring", NOR }, { "Jammerbugt", NOR },
	{ "Læsø", NOR }, { "Mariagerfjord", NOR }, { "Morsø", NOR }, { "Rebild", NOR }, { "Thisted", NOR },
	{ "Vesthimmerlands", NOR }, { "Aalborg", NOR },
};
enum { N_ALL = sizeof(all) / sizeof(all[0]) };

/* Upper-cases ASCII and the Latin-1 letters in UTF-8 ("Køge" → "KØGE"). */
static void upper(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	for (const unsigned char *s = (const unsigned char *)in; *s && n + 2 < cap; s++) {
		unsigned char c = *s;
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		else if (n > 0 && (unsigned char)out[n - 1] == 0xC3 && c >= 0xA0 && c <= 0xBE && c != 0xB7)
			c -= 0x20;
		out[n++] = (char)c;
	}
	out[n] = '\0';
}

static void lower(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	for (const unsigned char *s = (const unsigned char *)in; *s && n + 2 < cap; s++) {
		unsigned char c = *s;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		else if (n > 0 && (unsigned char)out[n - 1] == 0xC3 && c >= 0x80 && c <= 0x9E && c != 0x97)
			c += 0x20;
		out[n++] = (char)c;
	}
	out[n] = '\0';
}

static void test_all_98(void **state)
{
	char v[300], u[256];

	(void)state;
	assert_int_equal(N_ALL, 98);
	assert_int_equal(kommune_count(), 98);
	for (size_t i = 0; i < N_ALL; i++) {
		const char *name = all[i].name;
		const char *got = kommune_match(name);
		if (!got || strcmp(got, name))
			fail_msg("'%s' matched '%s'", name, got ? got : "(null)");
		assert_string_equal(kommune_region(name), all[i].region);

		/* The same name in every form a roster may write it. */
		static const char *const forms[][2] = {
			{ "", " Kommune" }, { "", " kommune" }, { "Kommune ", "" }, { "  ", "  " }, { "", " KOMMUNE" },
		};
		for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
			snprintf(v, sizeof(v), "%s%s%s", forms[f][0], name, forms[f][1]);
			got = kommune_match(v);
			if (!got || strcmp(got, name))
				fail_msg("'%s' matched '%s'", v, got ? got : "(null)");
			assert_string_equal(kommune_region(v), all[i].region);
		}
		upper(name, u, sizeof(u));
		assert_string_equal(kommune_match(u), name);
		lower(name, u, sizeof(u));
		assert_string_equal(kommune_match(u), name);
		snprintf(v, sizeof(v), "%s Kommune", u);
		assert_string_equal(kommune_match(v), name);
	}
	/* Every table entry is one of the 98 above: none missing, none twice. */
	for (size_t i = 0; i < kommune_count(); i++) {
		size_t hits = 0;
		for (size_t j = 0; j < N_ALL; j++)
			hits += !strcmp(kommune_name(i), all[j].name);
		if (hits != 1)
			fail_msg("table entry '%s' found %zu times", kommune_name(i), hits);
	}
	assert_null(kommune_name(98));
}

static void test_region_counts(void **state)
{
	static const struct {
		const char *region;
		int n;
	} want[] = { { HOV, 29 }, { SJA, 17 }, { SYD, 22 }, { MID, 19 }, { NOR, 11 } };

	(void)state;
	for (size_t r = 0; r < sizeof(want) / sizeof(want[0]); r++) {
		int n = 0;
		for (size_t i = 0; i < kommune_count(); i++)
			n += !strcmp(kommune_region(kommune_name(i)), want[r].region);
		assert_int_equal(n, want[r].n);
	}
}

static void test_table_order(void **state)
{
	(void)state;
	for (size_t i = 1; i < kommune_count(); i++)
		if (dansk_collate(kommune_name(i - 1), kommune_name(i)) >= 0)
			fail_msg("'%s' before '%s'", kommune_name(i - 1), kommune_name(i));
	assert_string_equal(kommune_name(0), "Albertslund");
	assert_string_equal(kommune_name(97), "Aarhus");
}

static const struct {
	const char *in;
	const char *want; /* NULL: not a municipality */
} variant_cases[] = {
	{ "Københavns Kommune", "København" },
	{ "københavns kommune", "København" },
	{ "KØBENHAVNS KOMMUNE", "København" },
	{ "Bornholms Regionskommune", "Bornholm" },
	{ "Bornholms Kommune", "Bornholm" },
	{ "Århus", "Aarhus" },
	{ "Århus Kommune", "Aarhus" },
	{ "ÅRHUS", "Aarhus" },
	{ "Åbenrå", "Aabenraa" },
	{ "Tårnby", "Tårnby" },
	{ "Taarnby Kommune", "Tårnby" },
	{ "Høje Taastrup", "Høje-Taastrup" },
	{ "Høje-Tåstrup Kommune", "Høje-Taastrup" },
	{ "Lyngby - Taarbæk", "Lyngby-Taarbæk" },
	{ "Lyngby-Tårbæk Kommune", "Lyngby-Taarbæk" },
	{ "Høje\xc2\xa0Taastrup", "Høje-Taastrup" },            /* NBSP */
	{ "Ikast\xe2\x80\x93" "Brande", "Ikast-Brande" },         /* en dash */
	{ "Nordfyn", "Nordfyns" },
	{ "Nordfyns Kommune", "Nordfyns" },
	{ "Vesthimmerland Kommune", "Vesthimmerlands" },
	{ "Køge  Kommune", "Køge" },
	{ "\tSorø Kommune ", "Sorø" },
	{ "Region Sjælland", NULL },
	{ "Region Hovedstaden", NULL },
	{ "Rammeaftale Sjælland", NULL },
	{ "KL", NULL },
	{ "Kommune", NULL },
	{ "Kommune ", NULL },
	{ " kommune", NULL },
	{ "", NULL },
	{ "Køge Kommune Kommune", NULL },
	{ "Kommune Køge Kommune", NULL },
	{ "Køgekommune", NULL },
	{ "Køge Kommune, PPR", NULL },
	{ "Sjælland", NULL },
	{ "Koge", NULL },
	{ "Københavnske", NULL },
	{ "AAU", NULL },
	{ "Regionskommune", NULL },
	{ "Holbæks Kommune", NULL },
};

static void test_variants(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(variant_cases) / sizeof(variant_cases[0]); i++) {
		const char *got = kommune_match(variant_cases[i].in);
		const char *want = variant_cases[i].want;
		if (want ? !got || strcmp(got, want) : got != NULL)
			fail_msg("'%s': got '%s', want '%s'", variant_cases[i].in, got ? got : "(null)",
				 want ? want : "(null)");
		if (!want)
			assert_null(kommune_region(variant_cases[i].in));
	}
	assert_null(kommune_match(NULL));
	assert_null(kommune_region(NULL));
	assert_string_equal(kommune_region("Københavns Kommune"), HOV);
	assert_string_equal(kommune_region("Århus"), MID);
	assert_string_equal(kommune_region("Bornholms Regionskommune"), HOV);
}

static void test_long_input(void **state)
{
	char v[400];

	(void)state;
	/* Far over the cap: not a name, and no overflow (valgrind watches). */
	memset(v, 'a', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	assert_null(kommune_match(v));
	/* "Køge" followed by 100 spaces and "Kommune" is still a name within the cap. */
	snprintf(v, sizeof(v), "Køge%100sKommune", "");
	assert_string_equal(kommune_match(v), "Køge");
	/* Å folds to two bytes per two: a name of many å's must not overrun the folding buffer. */
	v[0] = '\0';
	for (int i = 0; i < 64; i++)
		strcat(v, "å");
	assert_null(kommune_match(v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_98),
		cmocka_unit_test(test_region_counts),
		cmocka_unit_test(test_table_order),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_long_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
