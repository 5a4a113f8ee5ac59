/* Confirmed attendance: placing a Teams report's participants on a meeting's invitees, and who was at a meeting
 * as the referat lists them (the confirmed attendance once recorded, else the answers). */
#ifndef TOVHOLDER_ATTENDANCE_H
#define TOVHOLDER_ATTENDANCE_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"
#include "referat.h"
#include "roster.h"
#include "store.h"
#include "teams.h"

enum attendance_how {
	ATTENDANCE_BY_EMAIL,     /* the report's e-mail or UPN is an invitee's address (any case) */
	ATTENDANCE_BY_NAME,      /* the name is one invitee's (teams_name_match) */
	ATTENDANCE_ORGANIZER,    /* the organizer, who is not an invitee */
	ATTENDANCE_GUEST,        /* not an invitee of the meeting */
	ATTENDANCE_AMBIGUOUS,    /* the name fits more than one invitee: left for a person to decide */
};

struct attendance_match {
	enum attendance_how how;
	const struct store_invitation *inv;   /* BY_EMAIL, BY_NAME: the invitee (points into the meeting) */
	const struct person *person;          /* GUEST whom the roster knows (by address or name), else NULL */
	char *detail;                         /* AMBIGUOUS: "the name fits A <a> and B <b>"; else NULL */
};

/* Places every participant of r, in order, into ret[0 … r->n - 1]: by e-mail or UPN among the meeting's
 * current invitees, else by name (the same words first, else one partial match: "Anne Dahl" for "Anne Mose
 * Dahl"); the organizer (organizer_email, or the report's role Organizer) when not an invitee; else a guest.
 * Pure. Free with attendance_matches_free. */
void attendance_match(const struct teams_report *r, const struct store_meeting *mt, const struct roster *roster,
		      const char *organizer_email, struct attendance_match *ret);
void attendance_matches_free(struct attendance_match *v, size_t n);

/* Records Teams reports rs[0..n) for the meeting (inside the caller's transaction): what the last import said is
 * replaced, rows set by hand stay and win. Each participant placed as attendance_match says; the organizer,
 * guests and every row nobody could be matched to are stored, never dropped; a person in several reports (a
 * restarted meeting) counts once, the times summed. With 'out', prints how each was placed (names[f] heads
 * each report's lines). 0, or -1 with err. */
int attendance_import(struct store *st, const struct store_meeting *mt, const struct roster *roster,
		      const char *organizer_email, const char *const *names, const struct teams_report *rs, size_t n,
		      FILE *out, struct err *err);

/* What teams_parse checks a report of mt against: its date and end ('zone': the group's, for a report in
 * UTC). */
void attendance_teams_meeting(const char *zone, const struct store_meeting *mt, struct teams_meeting *ret);

/* A meeting's people as referat_lines takes them. */
struct attendance {
	int confirmed;                 /* attendance was recorded: present/absent count, not the answers */
	struct referat_person *people; /* the current invitees in invitation order, then the report's guests */
	size_t n;
	size_t n_invitees;             /* people[0 … n_invitees - 1] are the invitees */
	struct store_record rec;       /* what the strings point into, with the meeting */
	struct store_attendance_list att;
};

/* Before attendance is recorded: ACCEPTED, DECLINED (with the substitute), TENTATIVE, NO_ANSWER from the
 * answers. After: PRESENT for those who were there; DECLINED (with the substitute) for those who sent afbud and
 * were not; ABSENT for the rest (the referat's "Fraværende"); the guests of the report follow as PRESENT with
 * is_guest, except a guest who is the substitute named in an afbud (already on the Deltagere line).
 * 'mt' must outlive *ret. Release with attendance_release (also after a failure). */
int attendance_load(struct store *st, const struct store_meeting *mt, struct attendance *ret, struct err *err);
void attendance_release(struct attendance *a);
/* For an invitee: 1 was there, 0 was not, -1 nothing recorded for the meeting. */
int attendance_present(const struct attendance *a, const char *email);

#endif
