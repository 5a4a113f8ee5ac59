/* A year's record, read from the store for report_build. Meetings count once they have ended (in the group's
 * time zone); cancelled ones never. */
#include "annual.h"
#include "log.h"
#include "tz.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* What one meeting lends to report_build; freed after it. */
struct held_input {
	struct report_invitee *inv;
	struct report_extra *extra;
	struct store_record rec;
	struct store_attendance_list att;
};

static int year_of(const char *date)
{
	int y, m, d;

	return util_parse_date(date, &y, &m, &d) == 0 ? y : -1;
}

int annual_parse_year(const char *s)
{
	char *end;
	long y;

	if (!s || strlen(s) != 4)
		return -1;
	y = strtol(s, &end, 10);
	return *end || y < 1900 ? -1 : (int)y;
}

int annual_this_year(void)
{
	time_t now = util_now();
	struct tm tm;

	localtime_r(&now, &tm);
	return tm.tm_year + 1900;
}

/* Whether the meeting has ended by now, in the group's zone. */
static int has_ended(struct ctx *ctx, const struct store_meeting *mt)
{
	int y, m, d;
	time_t end;

	if (util_parse_date(mt->date, &y, &m, &d) < 0 ||
	    tz_local_to_utc(ctx->cfg.timezone, y, m, d, mt->end_min, &end, NULL) < 0)
		return 0;
	return end <= util_now();
}

static const struct store_person_record *record_of(const struct store_record *rec, const char *email)
{
	for (size_t i = 0; i < rec->n; i++)
		if (strcmp(rec->people[i].email, email) == 0)
			return &rec->people[i];
	return NULL;
}

static const struct store_attendance *attendance_of(const struct store_attendance_list *att, const char *email)
{
	for (size_t i = 0; i < att->n; i++)
		if (strcmp(att->people[i].email, email) == 0)
			return &att->people[i];
	return NULL;
}

/* The confirmed attendance, when any was recorded (a Teams report or by hand): then presence counts, not the
 * answers. Guests and the organizer are participants; a report row nobody could be matched to waits for the
 * coordinator ('fremmøde') and is not counted. */
static void add_attendance(struct held_input *h, const struct store_meeting *mt, struct report_meeting *ret)
{
	ret->recorded = h->att.n > 0 || h->att.n_extra > 0;
	if (!ret->recorded)
		return;
	for (size_t i = 0; i < mt->n_inv; i++) {
		const struct store_attendance *a = attendance_of(&h->att, mt->inv[i].email);

		h->inv[i].presence = !a ? REPORT_UNRECORDED : a->present ? REPORT_PRESENT : REPORT_ABSENT;
	}
	h->extra = xcalloc(h->att.n_extra + 1, sizeof(*h->extra));
	for (size_t i = 0; i < h->att.n_extra; i++) {
		const struct store_attendance_extra *x = &h->att.extra[i];
		int organizer = strcmp(x->kind, "organizer") == 0;

		if (!organizer && strcmp(x->kind, "guest") != 0)
			continue;
		h->extra[ret->n_extra++] = (struct report_extra){ x->name, x->org, organizer };
	}
	ret->extra = h->extra;
}

/* One stored meeting as report_build sees it. The answers are read for the year's meetings only. */
static int load_meeting(struct ctx *ctx, const struct store_meeting *mt, struct held_input *h,
			struct report_meeting *ret)
{
	struct err err = { "" };

	memset(ret, 0, sizeof(*ret));
	ret->date = mt->date;
	ret->place = mt->place;
	ret->cancelled = mt->cancelled;
	ret->held = !mt->cancelled && has_ended(ctx, mt);
	if (!ret->held)
		return 0;
	if (store_record_load(ctx->store, mt->id, &h->rec, &err) < 0 ||
	    store_attendance_load(ctx->store, mt->id, &h->att, &err) < 0) {
		log_error("%s", err.msg);
		return EX_SOFTWARE;
	}
	h->inv = xcalloc(mt->n_inv + 1, sizeof(*h->inv));
	for (size_t i = 0; i < mt->n_inv; i++) {
		const struct store_invitation *si = &mt->inv[i];
		const struct store_person_record *p = record_of(&h->rec, si->email);
		struct report_invitee *ri = &h->inv[i];

		ri->email = si->email;
		ri->name = si->name;
		ri->org = si->org;
		ri->is_guest = strcmp(si->role, "gæst") == 0;
		ri->invited = si->invited;
		ri->answer = p ? p->answer : NULL;
		ri->substitute = p ? p->substitute : NULL;
		ri->presence = REPORT_UNRECORDED;
	}
	ret->inv = h->inv;
	ret->n_inv = mt->n_inv;
	add_attendance(h, mt, ret);
	return 0;
}

int annual_build(struct ctx *ctx, const struct store_snapshot *snap, int year, struct report *ret)
{
	struct report_meeting *ms = xcalloc(snap->n + 1, sizeof(*ms));
	struct held_input *held = xcalloc(snap->n + 1, sizeof(*held));
	struct report_planned *planned = xcalloc(ctx->sched.n + 1, sizeof(*planned));
	const char **orgs = xcalloc(ctx->roster.n + 1, sizeof(*orgs));
	struct report_input in = { .year = year };
	int rc = 0;

	for (size_t i = 0; i < snap->n && !rc; i++) {
		if (year_of(snap->meetings[i].date) != year)
			continue;
		rc = load_meeting(ctx, &snap->meetings[i], &held[in.n_meetings], &ms[in.n_meetings]);
		in.n_meetings++;
	}
	for (size_t i = 0; i < ctx->roster.n; i++)
		orgs[i] = ctx->roster.people[i].org;
	for (size_t i = 0; i < ctx->sched.n; i++) {
		const struct meeting *m = &ctx->sched.meetings[i];

		planned[i] = (struct report_planned){ m->date, m->start_min, m->end_min, m->place,
						      m->status == MEETING_CANCELLED };
	}
	in.meetings = ms;
	in.orgs = orgs;
	in.n_orgs = ctx->roster.n;
	in.planned = planned;
	in.n_planned = ctx->sched.n;
	if (!rc)
		report_build(ret, &in);
	for (size_t i = 0; i < in.n_meetings; i++) {
		free(held[i].inv);
		free(held[i].extra);
		store_record_release(&held[i].rec);
		store_attendance_release(&held[i].att);
	}
	free(held);
	free(ms);
	free(planned);
	free(orgs);
	return rc;
}
