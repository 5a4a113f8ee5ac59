/* Reminders. */
#include "remind.h"
#include "tz.h"
#include "util.h"

#include <string.h>

int remind_due(const struct config *cfg, const struct store_snapshot *sent, time_t now,
	       int (*done)(long long meeting_id, long offset, void *arg), void *arg, struct remind_due *out,
	       size_t max, time_t *ret_next)
{
	size_t n = 0;
	time_t next = 0;

	for (size_t i = 0; i < sent->n; i++) {
		const struct store_meeting *mt = &sent->meetings[i];
		int y, m, d;
		time_t start;

		if (mt->cancelled || util_parse_date(mt->date, &y, &m, &d) < 0)
			continue;
		if (tz_local_to_utc(cfg->timezone, y, m, d, mt->start_min, &start, NULL) < 0)
			return -1;
		if (start <= now)
			continue;
		for (size_t k = 0; k < cfg->n_reminders; k++) {
			long offset = cfg->reminders[k];
			time_t when = start - offset;
			int is_done;

			/* the offsets are sorted, largest first; the same one twice ("1d, 24h") is one reminder,
			 * the later (it may be the last, practical one): both would be queued before either is marked */
			if (k + 1 < cfg->n_reminders && cfg->reminders[k + 1] == offset)
				continue;
			if (when > now) {
				if (!next || when < next)
					next = when;
				continue;
			}
			if ((is_done = done(mt->id, offset, arg)) < 0)
				return -1;
			if (is_done)
				continue;
			if (n == max) {
				/* no room this time: the caller comes back at once for the rest */
				next = now;
				continue;
			}
			out[n].mt = mt;
			out[n].offset = offset;
			out[n].last = k == cfg->n_reminders - 1;
			out[n].skip = now - when > REMIND_LATE_MAX;
			out[n].when = when;
			n++;
		}
	}
	*ret_next = next;
	return (int)n;
}

int remind_wanted(const struct remind_due *r, const struct store_invitation *inv,
		  const struct store_person_record *rec)
{
	const char *answer = rec && rec->answer && strcmp(rec->answer, "ukendt") != 0 ? rec->answer : NULL;

	if (!inv->invited || (rec && rec->bounce))
		return 0;
	if (r->last)
		return !answer || strcmp(answer, "afbud") != 0;
	return answer == NULL;
}
