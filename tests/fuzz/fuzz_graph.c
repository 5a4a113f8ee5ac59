/* libFuzzer: a page of Microsoft Graph attendanceRecords (JSON, json-c with a nesting limit) read into the shape
 * teams_parse gives; the input is also read as a second page of the same meeting (a restarted meeting's records
 * join the first ones). */
#include <stdlib.h>

#include "fuzz.h"
#include "graph.h"

static void check(const struct teams_report *r)
{
	/* what the header promises: never NULL, a lower-cased valid address or "", a duration >= -1, a join in UTC */
	for (size_t i = 0; i < r->n; i++) {
		const struct teams_participant *p = &r->people[i];

		if (!p->name || !p->email || !p->upn || !p->role || !p->first_join || p->duration_s < -1)
			abort();
		if (*p->email && !util_email_valid(p->email))
			abort();
		if (*p->first_join && util_parse_utc(p->first_join) <= 0)
			abort();
		for (size_t j = 0; j < i; j++)
			if (*p->email && strcmp(p->email, r->people[j].email) == 0)
				abort();   /* one person per address */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct teams_report r;

	memset(&r, 0, sizeof(r));
	(void)graph_parse_records((const char *)data, size, &r);
	(void)graph_parse_records((const char *)data, size, &r);
	check(&r);
	teams_report_release(&r);
	return 0;
}
