/* Sending for a group: reconcile the schedule and roster with what was sent, queue the messages, deliver the
 * queue. Shared by `send` and the service. */
#ifndef TOVHOLDER_SENDER_H
#define TOVHOLDER_SENDER_H

#include <time.h>

#include "ctx.h"
#include "outbox.h"
#include "paper.h"

struct compose;

/* Plans and queues every change (logged one line per action). Returns the number of messages queued, or -1
 * (logged) on a state or template error. */
int sender_queue_changes(struct ctx *ctx, time_t now);
/* The Teams meetings of "place = teams" meetings, made, moved or deleted in Microsoft Graph before the
 * invitations are queued (teamslink.c); with 'attendance' (the service) also the attendance reports of the
 * Teams meetings held. *ret_next: when to come back (a Graph step to try again, a report to look for), 0 for
 * nothing. Without [graph] and without teams meetings it does nothing. 0, or -1 (logged) on a state error. */
int sender_teams(struct ctx *ctx, time_t now, int attendance, time_t *ret_next);
/* Queues the reminders that are due (and records each as sent, or as skipped when its time passed more than a
 * day ago), in one transaction. *ret_next: when the next reminder is due (0: none). Returns the number of
 * messages queued, or -1 (logged). */
int sender_queue_reminders(struct ctx *ctx, time_t now, time_t *ret_next);
/* Delivers the queued messages due at 'now' (all when 'all') over one SMTP connection. 'stop', when not NULL,
 * is asked between messages and during a transfer whether to stop (a SIGTERM). 0, or a sysexits code (logged)
 * for a config or state problem. */
int sender_deliver(struct ctx *ctx, time_t now, int all, int (*stop)(void *arg), void *arg,
		   struct outbox_result *res);

/* Queues the paperwork mails that are due (paper_due: the referat draft, the status mail, the confirmed
 * attendance), each recorded as sent in the same transaction. *ret_next: when the next is due (0: none).
 * Returns the number of messages queued, or -1 (logged). */
int sender_queue_paperwork(struct ctx *ctx, time_t now, time_t *ret_next);
/* For `referat DATE --mail` and `status DATE --mail`: queues that mail for the meeting now, whatever its time
 * (PAPER_DRAFT: after the meeting, once its attendance is recorded, the final lines instead), and delivers the
 * queue. Takes the lock and prints the outcome; returns 0 or a sysexits code. */
int sender_paper_now(struct ctx *ctx, const struct store_meeting *mt, enum paper_kind kind);
/* Prints what a delivery did ("sent N, waiting N, refused N") and returns the exit code for it. */
int sender_report(struct ctx *ctx, const struct outbox_result *res);

/* The answer to a Teams report the tovholder moved into the attendance folder (folders.c): to the tovholder,
 * template teamsrapport with what the caller set in v (rapport, fundet, gaester, ikke_placeret and their counts)
 * and the referat's lines as they now stand. Inside the caller's transaction, so it is in the outbox with the
 * import; once per report mail ('mail_id', its Message-ID): a crash before the mail is moved on reads it again
 * and queues nothing twice. *c is made when NULL (the caller frees it). 1 queued, 0 answered before, -1 err. */
int sender_queue_import(struct ctx *ctx, struct compose **c, const struct store_meeting *mt, const char *mail_id,
			struct tmpl_vars *v, time_t now, struct err *err);

#endif
