/* tz: zone names, wall time → UTC, and VTIMEZONE text checked line by line and against libical's own
 * expansion of the rules (an independent reading of what we wrote). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tz.h"

/* The text between "BEGIN:<kind>\r\n" and "END:<kind>\r\n", or NULL. Caller frees. */
static char *block(const char *vtz, const char *kind)
{
	char open[32], close[32];
	const char *a, *b;

	snprintf(open, sizeof(open), "BEGIN:%s\r\n", kind);
	snprintf(close, sizeof(close), "END:%s\r\n", kind);
	a = strstr(vtz, open);
	if (!a)
		return NULL;
	a += strlen(open);
	b = strstr(a, close);
	if (!b)
		return NULL;
	return strndup(a, (size_t)(b - a));
}

static void assert_crlf_only(const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p == '\n')
			assert_true(p > s && p[-1] == '\r');
		if (*p == '\r')
			assert_int_equal(p[1], '\n');
	}
}

static const struct vtz_case {
	const char *zone;
	int from, to;
	const char *standard;   /* exact body of the STANDARD block */
	const char *daylight;   /* exact body of the DAYLIGHT block, NULL: none */
} vtz_cases[] = {
	{ "Europe/Copenhagen", 2024, 2030,
	  "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\n"
	  "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n",
	  "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\n"
	  "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n" },
	/* one year only: 28 March 2027 is both the 4th and the last Sunday; "last" is the real rule */
	{ "Europe/Copenhagen", 2027, 2027,
	  "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\n"
	  "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n",
	  "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\n"
	  "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n" },
	{ "America/New_York", 2024, 2030,
	  "TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST\r\nDTSTART:19701101T020000\r\n"
	  "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n",
	  "TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\nDTSTART:19700308T020000\r\n"
	  "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n" },
	/* southern hemisphere: daylight time starts in October and ends in April */
	{ "Australia/Sydney", 2025, 2029,
	  "TZOFFSETFROM:+1100\r\nTZOFFSETTO:+1000\r\nTZNAME:AEST\r\nDTSTART:19700405T030000\r\n"
	  "RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU\r\n",
	  "TZOFFSETFROM:+1000\r\nTZOFFSETTO:+1100\r\nTZNAME:AEDT\r\nDTSTART:19701004T020000\r\n"
	  "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU\r\n" },
	{ "Asia/Tokyo", 2024, 2030,
	  "TZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\nTZNAME:JST\r\nDTSTART:19700101T000000\r\n", NULL },
	{ "Asia/Kolkata", 2027, 2027,
	  "TZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\nTZNAME:IST\r\nDTSTART:19700101T000000\r\n", NULL },
};

/* libical's reading of our VTIMEZONE must give glibc's offset at every hour of the range. */
static void check_with_libical(const char *vtz, const char *zone, int from, int to)
{
	icalcomponent *comp = icalparser_parse_string(vtz);
	icaltimezone *z = icaltimezone_new();
	struct tm start = { .tm_year = from - 1900, .tm_mday = 1 }, end = { .tm_year = to + 1 - 1900, .tm_mday = 1 };
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	char tzval[80];
	int mismatches = 0;

	assert_non_null(comp);
	assert_int_equal(icalcomponent_isa(comp), ICAL_VTIMEZONE_COMPONENT);
	assert_true(icaltimezone_set_component(z, comp));
	assert_string_equal(icaltimezone_get_tzid(z), zone);
	snprintf(tzval, sizeof(tzval), ":%s", zone);
	setenv("TZ", tzval, 1);
	tzset();
	for (time_t t = timegm(&start); t < timegm(&end); t += 3600) {
		struct icaltimetype it = icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone());
		int is_dst = 0;
		struct tm lt;
		localtime_r(&t, &lt);
		if (icaltimezone_get_utc_offset_of_utc_time(z, &it, &is_dst) != lt.tm_gmtoff)
			mismatches++;
	}
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
	icaltimezone_free(z, 1);
	assert_int_equal(mismatches, 0);
}

static void test_vtimezone_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vtz_cases) / sizeof(vtz_cases[0]); i++) {
		const struct vtz_case *c = &vtz_cases[i];
		struct err err = { "" };
		char head[128];
		char *vtz = tz_vtimezone(c->zone, c->from, c->to, &err);
		char *std, *dst;

		print_message("zone %s %d-%d\n", c->zone, c->from, c->to);
		assert_non_null(vtz);
		assert_crlf_only(vtz);
		snprintf(head, sizeof(head), "BEGIN:VTIMEZONE\r\nTZID:%s\r\nBEGIN:STANDARD\r\n", c->zone);
		assert_true(strncmp(vtz, head, strlen(head)) == 0);
		assert_true(strlen(vtz) > 15 && strcmp(vtz + strlen(vtz) - 15, "END:VTIMEZONE\r\n") == 0);
		assert_null(strstr(vtz, "freeassociation"));
		std = block(vtz, "STANDARD");
		assert_non_null(std);
		assert_string_equal(std, c->standard);
		dst = block(vtz, "DAYLIGHT");
		if (c->daylight) {
			assert_non_null(dst);
			assert_string_equal(dst, c->daylight);
		} else {
			assert_null(dst);
			assert_null(strstr(vtz, "RRULE"));
		}
		check_with_libical(vtz, c->zone, c->from, c->to);
		free(std);
		free(dst);
		free(vtz);
	}
}

static void test_vtimezone_refused(void **state)
{
	static const struct {
		const char *zone;
		int from, to;
		const char *in_err;
	} cases[] = {
		{ "Africa/Casablanca", 2024, 2026, "Africa/Casablanca" },   /* Ramadan: four changes a year */
		{ "America/Mexico_City", 2021, 2023, "daylight" },           /* DST abolished in late 2022 */
		{ "Europe/Copenhagen", 2030, 2024, "year range" },
		{ "Europe/Copenhagen", 1900, 1910, "year range" },
		{ "Nowhere/City", 2027, 2027, "unknown time zone" },
		{ "", 2027, 2027, "unknown time zone" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err err = { "" };
		print_message("refused %s %d-%d\n", cases[i].zone, cases[i].from, cases[i].to);
		assert_null(tz_vtimezone(cases[i].zone, cases[i].from, cases[i].to, &err));
		assert_non_null(strstr(err.msg, cases[i].in_err));
	}
}

static void test_valid(void **state)
{
	static const struct {
		const char *name;
		int valid;
	} cases[] = {
		{ "Europe/Copenhagen", 1 }, { "America/New_York", 1 }, { "UTC", 1 }, { "Asia/Tokyo", 1 },
		{ "", 0 }, { "../etc/passwd", 0 }, { "Europe/../Europe/Copenhagen", 0 },
		{ "/usr/share/zoneinfo/Europe/Copenhagen", 0 }, { "Europe/", 0 }, { "Europe//Copenhagen", 0 },
		{ "Europe", 0 },             /* a directory, not a zone */
		{ "Nowhere/City", 0 }, { "Europe/Copenhagen ", 0 }, { "europe/copenhagen", 0 },
		{ "Europe/Copenhagen\n", 0 }, { "./UTC", 0 },
	};

	(void)state;
	assert_false(tz_valid(NULL));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("valid '%s'\n", cases[i].name);
		assert_int_equal(tz_valid(cases[i].name), cases[i].valid);
	}
}

static time_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi };

	return timegm(&tm);
}

static void test_local_to_utc(void **state)
{
	const struct {
		const char *zone;
		int y, m, d, minutes;
		time_t want;
	} cases[] = {
		{ "Europe/Copenhagen", 2027, 3, 5, 600, utc(2027, 3, 5, 9, 0) },     /* winter: +0100 */
		{ "Europe/Copenhagen", 2027, 9, 10, 600, utc(2027, 9, 10, 8, 0) },   /* summer: +0200 */
		{ "Europe/Copenhagen", 2027, 3, 28, 180, utc(2027, 3, 28, 1, 0) },   /* just after the change */
		{ "Europe/Copenhagen", 2027, 12, 31, 1440, utc(2027, 12, 31, 23, 0) }, /* 24:00 = next midnight */
		{ "America/New_York", 2027, 7, 1, 540, utc(2027, 7, 1, 13, 0) },
		{ "America/New_York", 2027, 1, 15, 540, utc(2027, 1, 15, 14, 0) },
		{ "Asia/Tokyo", 2027, 1, 1, 0, utc(2026, 12, 31, 15, 0) },
		{ "Australia/Sydney", 2027, 1, 15, 600, utc(2027, 1, 14, 23, 0) },
		{ "Australia/Sydney", 2027, 7, 15, 600, utc(2027, 7, 15, 0, 0) },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err err = { "" };
		time_t t = 0;
		print_message("local %s %04d-%02d-%02d +%d\n", cases[i].zone, cases[i].y, cases[i].m, cases[i].d,
			      cases[i].minutes);
		assert_int_equal(tz_local_to_utc(cases[i].zone, cases[i].y, cases[i].m, cases[i].d, cases[i].minutes,
						 &t, &err), 0);
		assert_int_equal((long long)t, (long long)cases[i].want);
	}
}

static void test_local_to_utc_refused(void **state)
{
	const struct {
		const char *zone;
		int y, m, d, minutes;
	} cases[] = {
		{ "Nowhere/City", 2027, 3, 5, 600 }, { "", 2027, 3, 5, 600 }, { "../x", 2027, 3, 5, 600 },
		{ "Europe/Copenhagen", 2027, 2, 29, 600 }, { "Europe/Copenhagen", 2027, 13, 1, 600 },
		{ "Europe/Copenhagen", 2027, 3, 0, 600 }, { "Europe/Copenhagen", 2027, 3, 5, -1 },
		{ "Europe/Copenhagen", 2027, 3, 5, 1441 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err err = { "" };
		time_t t = 12345;
		assert_int_equal(tz_local_to_utc(cases[i].zone, cases[i].y, cases[i].m, cases[i].d, cases[i].minutes,
						 &t, &err), -1);
		assert_int_equal((long long)t, 12345);   /* untouched on failure */
		assert_true(err.msg[0] != '\0');
	}
}

/* The caller's TZ (set or unset) survives every call, including failing ones. */
static void test_tz_restored(void **state)
{
	struct err err;
	time_t t;
	char *v;

	(void)state;
	setenv("TZ", "America/New_York", 1);
	tzset();
	assert_int_equal(tz_local_to_utc("Asia/Tokyo", 2027, 1, 1, 0, &t, &err), 0);
	v = tz_vtimezone("Europe/Copenhagen", 2027, 2027, &err);
	free(v);
	assert_null(tz_vtimezone("Africa/Casablanca", 2024, 2026, &err));
	assert_string_equal(getenv("TZ"), "America/New_York");
	unsetenv("TZ");
	tzset();
	assert_int_equal(tz_local_to_utc("Asia/Tokyo", 2027, 1, 1, 0, &t, &err), 0);
	assert_null(getenv("TZ"));
}

static void copy_file(const char *from, const char *to)
{
	char tmp[4096], buf[8192];
	FILE *in = fopen(from, "rb"), *out;
	size_t n;

	snprintf(tmp, sizeof(tmp), "%s.new", to);
	assert_non_null(in);
	assert_non_null(out = fopen(tmp, "wb"));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(rename(tmp, to), 0);   /* a new file, as a tzdata update installs it */
}

/* A VTIMEZONE is made once per zone and years, and made again when the zone's file changes (tzdata
 * updated under a running service). */
static void test_vtimezone_cache(void **state)
{
	char dir[] = "/tmp/test_tz.XXXXXX", sub[4096], zone[4096];
	struct err err = { "" };
	char *a, *b, *c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/Test", dir);
	snprintf(zone, sizeof(zone), "%s/Test/Zone", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	copy_file("/usr/share/zoneinfo/Europe/Copenhagen", zone);
	setenv("TZDIR", dir, 1);

	assert_non_null(a = tz_vtimezone("Test/Zone", 2027, 2027, &err));
	assert_non_null(b = tz_vtimezone("Test/Zone", 2027, 2027, &err));
	assert_string_equal(a, b);
	assert_ptr_not_equal(a, b);                 /* each caller owns its copy */
	assert_non_null(strstr(a, "TZOFFSETTO:+0200"));

	copy_file("/usr/share/zoneinfo/America/New_York", zone);
	assert_non_null(c = tz_vtimezone("Test/Zone", 2027, 2027, &err));
	assert_non_null(strstr(c, "TZOFFSETTO:-0400"));
	assert_null(strstr(c, "+0200"));

	unsetenv("TZDIR");
	free(a);
	free(b);
	free(c);
	unlink(zone);
	rmdir(sub);
	rmdir(dir);
}

/* The Windows zone table (CLDR windowsZones): every zone exists here, names are unique, and TZIDs as clients
 * write them find their zone; nothing else does. */
static void test_zone_of_tzid(void **state)
{
	static const struct {
		const char *tzid, *zone;
	} cases[] = {
		{ "Europe/Copenhagen", "Europe/Copenhagen" },
		{ "Romance Standard Time", "Europe/Copenhagen" },
		{ "romance standard time", "Europe/Copenhagen" },
		{ "W. Europe Standard Time", "Europe/Berlin" },
		{ "GMT Standard Time", "Europe/London" },
		{ "FLE Standard Time", "Europe/Kyiv" },
		{ "Greenland Standard Time", "America/Nuuk" },
		{ "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris", "Europe/Copenhagen" },
		{ "Sarajevo, Skopje, Warsaw, Zagreb", "Europe/Warsaw" },
		{ "/freeassociation.sourceforge.net/Europe/Oslo", "Europe/Oslo" },
		{ "/mozilla.org/20050126_1/Europe/Copenhagen", "Europe/Copenhagen" },
		{ "Mars/Olympus", NULL },
		{ "Bomb", NULL },
		{ "../../../etc/passwd", NULL },
		{ "", NULL },
		{ NULL, NULL },
	};
	char long_id[TZ_ID_MAX + 2];

	(void)state;
	for (size_t i = 0; i < tz_windows_count(); i++) {
		const char *name = NULL, *zone = tz_windows_zone(i, &name);
		if (!tz_valid(zone))
			fail_msg("'%s' maps to '%s', not in the tz database", name, zone);
		for (size_t j = 0; j < i; j++) {
			const char *other = NULL;
			tz_windows_zone(j, &other);
			if (strcasecmp(name, other) == 0)
				fail_msg("'%s' twice in the table", name);
		}
		assert_string_equal(tz_zone_of_tzid(name), zone);
	}
	assert_null(tz_windows_zone(tz_windows_count(), NULL));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = tz_zone_of_tzid(cases[i].tzid);
		if (cases[i].zone ? !got || strcmp(got, cases[i].zone) != 0 : got != NULL)
			fail_msg("'%s': expected %s, got %s", cases[i].tzid ? cases[i].tzid : "(null)",
				 cases[i].zone ? cases[i].zone : "NULL", got ? got : "NULL");
	}
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	memcpy(long_id + sizeof(long_id) - 1 - strlen("/Europe/Oslo"), "/Europe/Oslo", strlen("/Europe/Oslo"));
	assert_null(tz_zone_of_tzid(long_id));   /* over TZ_ID_MAX */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vtimezone_table),
		cmocka_unit_test(test_vtimezone_refused),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_local_to_utc),
		cmocka_unit_test(test_local_to_utc_refused),
		cmocka_unit_test(test_tz_restored),
		cmocka_unit_test(test_vtimezone_cache),
		cmocka_unit_test(test_zone_of_tzid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
