/* libFuzzer: the Microsoft Teams attendance report (teams_parse: UTF-16/UTF-8/Windows-1252, three layouts),
 * then the helpers the attendance matching calls on what it read: durations, time stamps and name matching
 * against a fixed roster name. */
#include <stdlib.h>

#include "fuzz.h"
#include "teams.h"

static void check_person(const struct teams_participant *p)
{
	/* What the header promises: never NULL, a lower-cased address or "", a duration >= -1. */
	if (!p->name || !p->email || !p->upn || !p->role || !p->first_join || p->duration_s < -1)
		abort();
	if (*p->email && !util_email_valid(p->email))
		abort();
	(void)teams_time_of_day(p->first_join);
	(void)teams_date_matches(p->first_join, 2027, 3, 5);
	int a = teams_name_match(p->name, "Anne Mose Dahl");
	int b = teams_name_match("Anne Mose Dahl", p->name);
	if (a < 0 || a > 2 || b < 0 || b > 2)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct teams_report r;
	struct err err = { "" };
	char *buf = xmalloc(size ? size : 1);

	if (size)
		memcpy(buf, data, size);
	memset(&r, 0, sizeof(r));
	/* with the meeting's date and end and without: the two ways the clock is set */
	const struct teams_meeting mt = { 2027, 3, 5, 13 * 3600L, 1804248000LL };
	if (teams_parse(buf, size, size % 2 ? &mt : NULL, &r, &err) == 0) {
		for (size_t i = 0; i < r.n; i++)
			check_person(&r.people[i]);
		if (r.start)
			(void)teams_time_of_day(r.start);
		if (!r.day_stamp || r.day_ok < -1 || r.day_ok > 1)
			abort();
	}
	teams_report_release(&r);
	/* The small parsers on the raw input as a string, too. */
	char *s = fuzz_cstr(data, size < 256 ? size : 256);
	(void)teams_duration(s);
	(void)teams_time_of_day(s);
	(void)teams_date_matches(s, 2027, 3, 5);
	(void)teams_name_match(s, s);
	free(s);
	free(buf);
	return 0;
}
