/* Teams meetings made through Microsoft Graph for the "place = teams" meetings of the schedule: which to make,
 * move or delete (teamslink_plan, pure, what `plan` shows), doing it before any invitation is queued
 * (teamslink_sync), and fetching each held meeting's attendance report afterwards (teamslink_attendance). */
#ifndef TOVHOLDER_TEAMSLINK_H
#define TOVHOLDER_TEAMSLINK_H

#include <stddef.h>
#include <time.h>

#include "ctx.h"
#include "plan.h"

enum teamslink_kind { TEAMSLINK_CREATE, TEAMSLINK_UPDATE, TEAMSLINK_DELETE };

struct teamslink_action {
	enum teamslink_kind kind;
	const struct plan_action *a;      /* the meeting's plan action */
	const struct store_online *row;   /* its Teams meeting row, NULL before one was reserved */
	time_t start, end;                /* UTC (CREATE, UPDATE) */
};

/* What Graph must do for the plan: make the Teams meeting of a teams meeting that has none, move one whose
 * time or title changed, delete one whose meeting is cancelled, dropped or no longer on Teams. 0, or -1 with
 * err (an unknown time zone). Caller frees *ret. */
int teamslink_plan(const struct config *cfg, const struct plan *p, const struct store_snapshot *sent,
		   struct teamslink_action **ret, size_t *ret_n, struct err *err);
/* "make the Teams meeting of 2027-03-05 (Graph createOrGet)". Caller frees. */
char *teamslink_describe(const struct teamslink_action *t);

/* Does what teamslink_plan says, each step recorded as it is done: the UID of a new meeting is reserved in the
 * state before Graph is asked, so a crash between Graph's answer and our record makes no second meeting (the
 * same UID gives the same externalId, and createOrGet returns the meeting it made). The store must be open and
 * the group locked. Returns 0 when all went through (or nothing was to be done), 1 when something must be tried
 * again later (*ret_retry_after: seconds Graph asked for, else 0), -1 on a state error. Logs each step. */
int teamslink_sync(struct ctx *ctx, time_t now, long *ret_retry_after);

/* For the service: the attendance reports of the Teams meetings that have ended and are not recorded yet,
 * fetched and recorded as `fremmøde --teams-graph` does, with backoff while Teams has made none (for
 * [graph] attendance_for after the meeting). Sets *ret_next to when to look again (0: nothing left). 0, or -1
 * on a state error. */
int teamslink_attendance(struct ctx *ctx, time_t now, time_t *ret_next);

#endif
