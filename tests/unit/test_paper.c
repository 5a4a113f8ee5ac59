/* paper: when the referat draft is due (working days back, local time across DST), and the hash of the
 * attendance lines that decides whether the referent is mailed again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "paper.h"
#include "util.h"

static const struct draft_case {
	const char *date;     /* the meeting */
	int days, min;        /* referat_mail */
	const char *want;     /* the draft's time, UTC */
} draft_cases[] = {
	/* the default: the working day before at 08:00 Copenhagen (CET = UTC+1) */
	{ "2027-03-05", 1, 480, "2027-03-04T07:00:00Z" },     /* Friday: Thursday */
	{ "2027-03-08", 1, 480, "2027-03-05T07:00:00Z" },     /* Monday: the Friday before */
	{ "2027-03-09", 2, 480, "2027-03-05T07:00:00Z" },     /* Tuesday, two working days: Friday */
	{ "2027-03-07", 1, 480, "2027-03-05T07:00:00Z" },     /* a Sunday meeting: Friday */
	{ "2027-03-05", 0, 450, "2027-03-05T06:30:00Z" },     /* the day itself, 07:30 */
	{ "2027-05-07", 1, 480, "2027-05-06T06:00:00Z" },     /* summer time (CEST = UTC+2) */
	{ "2027-03-29", 1, 480, "2027-03-26T07:00:00Z" },     /* Monday after the switch: Friday still CET */
	{ "2027-11-01", 1, 480, "2027-10-29T06:00:00Z" },     /* Monday after the switch back: Friday CEST */
	{ "2027-03-05", 10, 480, "2027-02-19T07:00:00Z" },    /* the most: two weeks of working days */
};

static void test_draft_time(void **state)
{
	struct config cfg = { 0 };

	(void)state;
	cfg.timezone = "Europe/Copenhagen";
	for (size_t i = 0; i < sizeof(draft_cases) / sizeof(draft_cases[0]); i++) {
		const struct draft_case *c = &draft_cases[i];
		struct err err = { "" };
		char got[32];
		time_t t;
		struct tm tm;

		cfg.referat_mail_days = c->days;
		cfg.referat_mail_min = c->min;
		assert_int_equal(paper_draft_time(&cfg, c->date, &t, &err), 0);
		gmtime_r(&t, &tm);
		strftime(got, sizeof(got), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (strcmp(got, c->want) != 0)
			fail_msg("%s with %d %d: got %s, want %s", c->date, c->days, c->min, got, c->want);
	}
	struct err err = { "" };
	time_t t;
	assert_int_equal(paper_draft_time(&cfg, "2027-13-01", &t, &err), -1);
	assert_non_null(strstr(err.msg, "2027-13-01"));
}

/* The hash sees any change of the lines, and only a change. */
static void test_hash(void **state)
{
	char a[PAPER_HASH_LEN + 1], b[PAPER_HASH_LEN + 1], c[PAPER_HASH_LEN + 1];

	(void)state;
	paper_hash("Afbud: Bo Aagaard (Greve)\nDeltagere: Anne Mose Dahl (Faxe)\n", a);
	paper_hash("Afbud: Bo Aagaard (Greve)\nDeltagere: Anne Mose Dahl (Faxe)\n", b);
	paper_hash("Afbud: Bo Aagaard (Greve)\nDeltagere: Anne Mose Dahl (Faxe), Mette Ravn (Odsherred)\n", c);
	assert_int_equal(strlen(a), PAPER_HASH_LEN);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	paper_hash("", c);
	assert_string_equal(c, "cbf29ce484222325");  /* FNV-1a 64 of nothing: its offset basis */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draft_time),
		cmocka_unit_test(test_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
