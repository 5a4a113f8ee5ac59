/* Sending for a group: reconcile the schedule and roster with what was sent, queue the messages, deliver the
 * queue. Shared by `send` and the service. */
#ifndef TOVHOLDER_SENDER_H
#define TOVHOLDER_SENDER_H

#include <time.h>

#include "ctx.h"
#include "outbox.h"

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

#endif
