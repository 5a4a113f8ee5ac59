/* The send pipeline shared by `send` and the service: record the plan's messages as intent, then deliver the
 * queue over one SMTP connection, marking each message sent after the server's 250. */
#ifndef TOVHOLDER_OUTBOX_H
#define TOVHOLDER_OUTBOX_H

#include <time.h>

#include "compose.h"
#include "plan.h"
#include "smtp.h"
#include "store.h"

/* Composes every message of the plan and, in one transaction, queues them and records what each meeting and
 * invitation becomes. All or nothing: on error nothing is recorded. Returns the number queued, or -1. */
int outbox_queue_plan(struct store *st, struct compose *c, struct plan *p, time_t now, struct err *err);

struct outbox_result {
	int sent;
	int waiting;       /* temporary failures: left queued with a retry time */
	int failed;        /* permanent failures this run */
	enum smtp_result stop; /* SMTP_OK, or why delivery stopped early (UNREACHABLE, REFUSED) */
	int stopped;           /* the caller's stop hook ended it */
	char stop_reason[256];
};

/* Delivers the queued messages due at 'now' (all of them when 'all'), oldest first, until the queue is empty,
 * the server is unreachable or refuses us, or 'stop' (may be NULL) says so between messages. Logs one line per
 * message. -1 only on a state error. */
int outbox_deliver(struct store *st, struct smtp *smtp, time_t now, int all, int (*stop)(void *arg), void *arg,
		   struct outbox_result *res, struct err *err);
/* How long a message that keeps failing temporarily is retried before it is marked failed ([smtp] retry_for);
 * 0 (the default before this is called) means forever. */
void outbox_set_retry_for(long seconds);

/* The retry delay after 'attempts' failures: 1 minute doubling to 1 hour. */
time_t outbox_backoff(int attempts);

#endif
