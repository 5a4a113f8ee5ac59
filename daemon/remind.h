/* Reminders before each meeting: which are due, and who gets them. Pure: the caller records and sends. */
#ifndef TOVHOLDER_REMIND_H
#define TOVHOLDER_REMIND_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "store.h"

/* A reminder whose time has come. */
struct remind_due {
	const struct store_meeting *mt;
	long offset;          /* seconds before the start */
	int last;             /* the last reminder: the practical details, to everyone who has not sent afbud */
	int skip;             /* its time passed more than REMIND_LATE_MAX ago (the service was down): skip it */
	time_t when;
};

#define REMIND_LATE_MAX 86400   /* a reminder more than a day late is not sent late */

/* The reminders due at 'now' that are not done yet (done(meeting_id, offset, arg) says which are), at most
 * 'max' into out; *ret_next is the time of the next one to come (0: none). Meetings that were cancelled or
 * have started get none. Returns the number due, or -1 when done() fails or a time cannot be computed. */
int remind_due(const struct config *cfg, const struct store_snapshot *sent, time_t now,
	       int (*done)(long long meeting_id, long offset, void *arg), void *arg, struct remind_due *out,
	       size_t max, time_t *ret_next);

/* Whether this person gets this reminder, from their invitation and record (may be NULL: no answer):
 * a plain reminder goes to those who have not answered, the last one to all who have not sent afbud;
 * nobody whose address bounced. */
int remind_wanted(const struct remind_due *r, const struct store_invitation *inv,
		  const struct store_person_record *rec);

#endif
