/* The paperwork that comes to the referent and the tovholder by mail: the referat draft before each meeting,
 * the status mail before it, and the confirmed attendance after it. Which are due, and what they say. */
#ifndef TOVHOLDER_PAPER_H
#define TOVHOLDER_PAPER_H

#include <stddef.h>
#include <time.h>

#include "attendance.h"
#include "ctx.h"
#include "referatdoc.h"
#include "store.h"
#include "tmpl.h"

enum paper_kind { PAPER_DRAFT, PAPER_STATUS, PAPER_ATTENDANCE };

/* "draft", "status", "attendance": the outbox kind and the paperwork table's. */
const char *paper_kind_name(enum paper_kind k);

#define PAPER_HASH_LEN 16

/* One mail whose time has come. */
struct paper_due {
	const struct store_meeting *mt;
	enum paper_kind kind;
	time_t when;                     /* when it was due (ATTENDANCE: 0, due as soon as recorded) */
	char hash[PAPER_HASH_LEN + 1];   /* ATTENDANCE: the hash of the lines to send */
	int baseline;                    /* ATTENDANCE recorded before the upgrade: record the hash, send nothing */
};

/* When the referat draft of the meeting on 'date' is due: cfg->referat_mail_days working days (Monday to
 * Friday; holidays are not known) before the meeting's day, at cfg->referat_mail_min local time. 0 or -1. */
int paper_draft_time(const struct config *cfg, const char *date, time_t *ret, struct err *err);

/* The mails due at 'now' that were not sent yet, at most 'max' into out; *ret_next: the time of the next one
 * (0: none). The draft and the status mail go out between their time and the meeting's start (a draft the
 * service was down for is sent late, but never after the start); the attendance mail whenever the confirmed
 * attendance of a meeting that has started was recorded and its lines differ from those last sent. Cancelled
 * meetings get none; a kind switched off in [group] neither. Returns the number due, or -1 with err. */
int paper_due(const struct ctx *ctx, const struct store_snapshot *snap, time_t now, struct paper_due *out,
	      size_t max, time_t *ret_next, struct err *err);

/* The referat of one meeting as it stands, as `referat` shows it: before the meeting who answered what, after
 * it who was there. 'mt' and ctx must outlive it. Release with paper_doc_release (also after a failure). */
struct paper_doc {
	struct attendance att;
	struct referatdoc doc;
	char **agenda;                  /* owned when the meeting has left the schedule */
	struct referatdoc_guest *guests;
};
int paper_doc_load(const struct ctx *ctx, const struct store_meeting *mt, struct paper_doc *ret, struct err *err);
void paper_doc_release(struct paper_doc *p);
/* The hash of the attendance lines (FNV-1a 64 in hex: it only has to see a change, nobody chooses the lines to
 * collide), into out[PAPER_HASH_LEN + 1]. */
void paper_hash(const char *lines, char *out);

/* The referent of the meeting: the invitee with role sekretær who holds the invitation, or NULL. */
const struct store_invitation *paper_referent(const struct store_meeting *mt);

/* The one word the tovholder sees for a person's state ("tilsagn", "afbud", "tentativ", "adresse afvist",
 * "autosvar", "ikke svaret"): the answer first, then a bounced address, then an automatic reply. *ret_source:
 * the answer's source or "". */
const char *paper_state_word(const struct store_person_record *p, const char **ret_source);

/* The person's record in rec, or NULL (no answer, no automatic reply, no bounce). */
const struct store_person_record *paper_record_of(const struct store_record *rec, const char *email);
/* The meeting's invitees who hold the invitation, by organisation as the referat lists them, then by name in
 * Danish order; *ret_n of them. The array is the caller's to free; the entries point into mt. */
const struct store_invitation **paper_invitees(const struct store_meeting *mt, size_t *ret_n);

/* The status mail's variables for the meeting (tmpl_mail_vars: personer, gennemsyn, the totals, the folders):
 * every invitee with their state as `status` shows it, and the mails waiting for review. 0 or -1 with err. */
int paper_status_vars(const struct ctx *ctx, const struct store_meeting *mt, struct tmpl_vars *v,
		      struct err *err);

#endif
