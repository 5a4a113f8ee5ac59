/* Reconciliation: what the schedule, roster and config ask for, against what was sent (the store).
 * Pure: no I/O; the result says which messages to queue and what the store becomes. */
#ifndef TOVHOLDER_PLAN_H
#define TOVHOLDER_PLAN_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "roster.h"
#include "schedule.h"
#include "store.h"

/* Which mail a person gets; each maps to a template. */
enum plan_msg {
	PLAN_MSG_INVITE,   /* indkaldelse: a REQUEST to someone who has not had this meeting before */
	PLAN_MSG_UPDATE,   /* opdatering: a REQUEST with a higher SEQUENCE */
	PLAN_MSG_CANCEL,   /* aflysning: the meeting is cancelled */
	PLAN_MSG_REMOVE,   /* fjernet: the meeting goes on, but without this person */
};

/* Why a meeting has an action. */
enum plan_why {
	PLAN_NEW,          /* never invited */
	PLAN_CHANGED,      /* time, date, place, link, agenda, title or organizer changed, or un-cancelled */
	PLAN_CANCELLED,    /* status = cancelled */
	PLAN_DROPPED,      /* removed from the schedule */
	PLAN_PEOPLE,       /* only people added or removed */
};

struct plan_recipient {
	const struct store_invitation *who; /* points into the action's 'next' */
	enum plan_msg msg;
};

struct plan_action {
	enum plan_why why;
	const struct meeting *m;     /* the schedule's meeting; NULL when dropped from the schedule */
	struct store_meeting next;   /* what the stored meeting becomes: content, SEQUENCE, every invitation */
	int prev_sequence;           /* -1 for a new meeting */
	char prev_date[11];          /* the stored date before this action ("" for new) */
	char **changes_da;           /* for the opdatering template: "Tidspunktet er ændret til kl. 12.00-15.00" */
	char **changes_en;           /* for `plan`: "time 10:00-13:00 -> 12:00-15:00" */
	size_t n_changes;
	struct plan_recipient *rcpt;
	size_t n_rcpt;
	int waiting_link;            /* a "place = teams" meeting whose Teams link Graph has not made yet: its mail
				        waits (teamslink.c makes the link first) */
};

struct plan {
	struct plan_action *actions; /* by date */
	size_t n;
};

/* Computes the actions. Meetings that start before 'now' are never touched. Returns 0, or -1 with err (an
 * unknown time zone). */
int plan_make(const struct config *cfg, const struct schedule *sched, const struct roster *roster,
	      const struct store_snapshot *sent, time_t now, struct plan *ret, struct err *err);
void plan_release(struct plan *p);
/* The Teams meeting row of a calendar UID in the snapshot, or NULL. */
const struct store_online *plan_online_find(const struct store_snapshot *sent, const char *uid);
/* One line per action (English), e.g. "invite 17 people to 2027-03-05". Caller frees. */
char *plan_describe(const struct plan_action *a);

#endif
