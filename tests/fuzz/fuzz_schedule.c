/* libFuzzer: schedule.ini text (schedule_parse_buf), then the lookups the planner makes on the result. */
#include <stdlib.h>

#include "fuzz.h"
#include "schedule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct schedule s;
	struct diag d;
	char *buf = xmalloc(size ? size : 1);

	if (size)
		memcpy(buf, data, size);
	diag_init(&d);
	schedule_parse_buf(&s, buf, size, "schedule.ini", &d);
	for (size_t i = 0; i < s.n; i++) {
		const struct meeting *m = &s.meetings[i];

		/* Sorted by date, and every date found again by schedule_find: the planner relies on both. */
		if (i > 0 && strcmp(s.meetings[i - 1].date, m->date) > 0)
			abort();
		if (!schedule_find(&s, m->date))
			abort();
		(void)meeting_is_online(m);
		if (m->moved_from[0])
			(void)schedule_find(&s, m->moved_from);
	}
	schedule_release(&s);
	diag_release(&d);
	free(buf);
	return 0;
}
