/* Unit tests for dansk.c: Danish dates, times and alphabetical order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dansk.h"

static void test_month_names(void **state)
{
	static const char *const want[] = { "januar", "februar", "marts", "april", "maj", "juni", "juli",
					    "august", "september", "oktober", "november", "december" };
	(void)state;
	for (int m = 1; m <= 12; m++)
		assert_string_equal(dansk_month(m), want[m - 1]);
	assert_null(dansk_month(0));
	assert_null(dansk_month(13));
	assert_null(dansk_month(-1));
}

static void test_weekday_names(void **state)
{
	static const char *const want[] = { "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag",
					    "søndag" };
	(void)state;
	for (int wd = 0; wd < 7; wd++)
		assert_string_equal(dansk_weekday(wd), want[wd]);
	assert_null(dansk_weekday(7));
	assert_null(dansk_weekday(-1));
}

static const struct {
	int y, m, d;
	const char *long_form;  /* NULL: invalid date */
	const char *short_form;
} date_cases[] = {
	{ 2027, 3, 5, "fredag den 5. marts 2027", "5. marts 2027" },
	{ 2025, 3, 7, "fredag den 7. marts 2025", "7. marts 2025" },
	{ 2025, 11, 14, "fredag den 14. november 2025", "14. november 2025" },
	{ 2024, 11, 29, "fredag den 29. november 2024", "29. november 2024" },
	{ 2026, 1, 1, "torsdag den 1. januar 2026", "1. januar 2026" },
	{ 2028, 2, 29, "tirsdag den 29. februar 2028", "29. februar 2028" },
	{ 2027, 5, 2, "søndag den 2. maj 2027", "2. maj 2027" },
	{ 2027, 12, 20, "mandag den 20. december 2027", "20. december 2027" },
	{ 2027, 2, 29, NULL, NULL },
	{ 2027, 4, 31, NULL, NULL },
	{ 2027, 13, 1, NULL, NULL },
	{ 2027, 0, 1, NULL, NULL },
	{ 2027, 1, 0, NULL, NULL },
};

static void test_dates(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(date_cases) / sizeof(date_cases[0]); i++) {
		char *l = dansk_date_long(date_cases[i].y, date_cases[i].m, date_cases[i].d);
		char *s = dansk_date(date_cases[i].y, date_cases[i].m, date_cases[i].d);
		if (date_cases[i].long_form) {
			assert_non_null(l);
			assert_string_equal(l, date_cases[i].long_form);
			assert_string_equal(s, date_cases[i].short_form);
		} else {
			assert_null(l);
			assert_null(s);
		}
		free(l);
		free(s);
	}
}

static const struct {
	int start, end;
	const char *want;  /* NULL: invalid */
} span_cases[] = {
	{ 600, 780, "10.00-13.00" },
	{ 665, 780, "11.05-13.00" },
	{ 0, 30, "00.00-00.30" },
	{ 1380, 1440, "23.00-24.00" },
	{ 545, 1005, "09.05-16.45" },
	{ 780, 600, NULL },
	{ 600, 600, NULL },
	{ -1, 600, NULL },
	{ 600, 1441, NULL },
	{ 1440, 1500, NULL },
};

static void test_timespan(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(span_cases) / sizeof(span_cases[0]); i++) {
		char *s = dansk_timespan(span_cases[i].start, span_cases[i].end);
		if (span_cases[i].want)
			assert_string_equal(s, span_cases[i].want);
		else
			assert_null(s);
		free(s);
	}
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* Pairs in order: a sorts before b (and so b after a, and each equals itself). */
static const struct {
	const char *a, *b;
} before_cases[] = {
	{ "Faxe", "Greve" },
	{ "Kalundborg", "Køge" },
	{ "Solrød", "Sorø" },
	{ "Zealand", "Ærø" },
	{ "Ærø", "Ølstykke" },
	{ "Ølstykke", "Århus" },
	{ "Zealand", "Aarhus" },       /* aa at the start of a word is å */
	{ "Ølstykke", "Aalborg" },
	{ "Abildgaard", "Ærø" },       /* aa inside a word is two a's */
	{ "Kontraalt", "Kontrabas" },
	{ "Åbenrå", "Åse" },
	{ "Zebra", "Äbler" },          /* ä files as æ */
	{ "Ærø", "Öland" },            /* ö files as ø */
	{ "Émile", "Emma" },           /* é files as e: "emi" < "emm" */
	{ "Ea", "Éb" },
	{ "Ebbe", "Élise" },
	{ "holbæk", "Holbæk X" },
	{ "Holbæk", "holbæk" },        /* equal letters: upper case first */
	{ "Eva", "Éva" },              /* equal letters: plain before accented */
	{ "Region 2", "Region A" },    /* digits before letters */
	{ "a b", "ab" },               /* a space sorts before letters */
	{ "Hansen", "Hansen-Berg" },
	{ "Ny", "Nyborg" },
	{ "Ødis", "Øster" },
	{ "Åbenrå", "Å\xff" },         /* invalid UTF-8 sorts last, without crashing */
	{ "", "A" },
};

static void test_collate_pairs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(before_cases) / sizeof(before_cases[0]); i++) {
		const char *a = before_cases[i].a, *b = before_cases[i].b;
		if (dansk_collate(a, b) >= 0 || dansk_collate(b, a) <= 0)
			fail_msg("expected '%s' < '%s' (case %zu)", a, b, i);
		assert_int_equal(dansk_collate(a, a), 0);
		assert_int_equal(dansk_collate(b, b), 0);
	}
	assert_int_equal(sign(dansk_collate("Aarhus", "Århus")), -1);  /* same letters; bytes decide */
}

static int cmp_collate(const void *a, const void *b)
{
	return dansk_collate(*(const char *const *)a, *(const char *const *)b);
}

static void test_collate_municipalities(void **state)
{
	/* Region Sjælland's 17 municipalities in Danish order, plus the letters after z. */
	static const char *const want[] = {
		"Faxe", "Greve", "Guldborgsund", "Holbæk", "Kalundborg", "Køge", "Lejre", "Lolland", "Næstved",
		"Odsherred", "Ringsted", "Roskilde", "Slagelse", "Solrød", "Sorø", "Stevns", "Vordingborg",
		"Zealand", "Ærø", "Ølstykke", "Århus",
	};
	enum { N = sizeof(want) / sizeof(want[0]) };
	const char *got[N];

	(void)state;
	/* Several scrambles, so the result cannot come from the input order. */
	for (size_t shift = 1; shift < N; shift += 4) {
		for (size_t i = 0; i < N; i++)
			got[i] = want[(i * 5 + shift) % N];
		qsort(got, N, sizeof(got[0]), cmp_collate);
		for (size_t i = 0; i < N; i++)
			assert_string_equal(got[i], want[i]);
	}
	/* Lower case input sorts the same way. */
	assert_true(dansk_collate("køge", "Lejre") < 0);
	assert_true(dansk_collate("SORØ", "stevns") < 0);
	assert_true(dansk_collate("ærø", "ZEALAND") > 0);
}

/* A proposed period in the group's zone (TZ), as status and review show it: one day, two days, no end. */
static void test_period(void **state)
{
	static const struct {
		time_t start, end;
		const char *want;
	} cases[] = {
		{ 1804149000, 1804152600, "torsdag den 4. marts 2027 kl. 09.30-10.30" },              /* 08:30Z-09:30Z */
		{ 1804149000, 1804233600, "torsdag den 4. marts 2027 kl. 09.30 til fredag den 5. marts 2027 kl. 09.00" },
		{ 1804149000, 0, "torsdag den 4. marts 2027 kl. 09.30" },
		{ 1814954400, 1814958000, "onsdag den 7. juli 2027 kl. 12.00-13.00" },                /* summer: UTC+2 */
	};
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	(void)state;
	setenv("TZ", ":Europe/Copenhagen", 1);
	tzset();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = dansk_period(cases[i].start, cases[i].end);
		assert_string_equal(got, cases[i].want);
		free(got);
	}
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_month_names),
		cmocka_unit_test(test_weekday_names),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_timespan),
		cmocka_unit_test(test_period),
		cmocka_unit_test(test_collate_pairs),
		cmocka_unit_test(test_collate_municipalities),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
