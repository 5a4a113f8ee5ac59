/* Queue and deliver. The order of the two writes around each SMTP transaction is the crash-safety argument:
 * the message is in the store (queued) before the transaction starts, and marked sent only after the 250.
 * A crash between the 250 and the mark sends that one message again on the next run: at most one duplicate
 * per recipient, never a loss. */
#include "outbox.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *kind_name(enum plan_msg msg)
{
	switch (msg) {
	case PLAN_MSG_INVITE:
		return "invite";
	case PLAN_MSG_UPDATE:
		return "update";
	case PLAN_MSG_CANCEL:
		return "cancel";
	case PLAN_MSG_REMOVE:
		return "remove";
	}
	return "?";
}

static int queue_action(struct store *st, struct compose *c, struct plan_action *a, time_t now, struct err *err)
{
	int n = 0;

	if (store_put_meeting(st, &a->next, err) < 0)
		return -1;
	for (size_t i = 0; i < a->next.n_inv; i++)
		if (store_put_invitation(st, a->next.id, &a->next.inv[i], err) < 0)
			return -1;
	for (size_t i = 0; i < a->n_rcpt; i++) {
		const struct plan_recipient *r = &a->rcpt[i];
		struct store_outmsg m = { 0 };

		m.message = compose_meeting_mail(c, &a->next, r->who, r->msg, a->changes_da, a->n_changes, now,
						 &m.message_id, &m.len, err);
		if (!m.message)
			return -1;
		m.meeting_id = a->next.id;
		m.email = r->who->email;
		m.kind = (char *)kind_name(r->msg);
		m.sequence = r->who->sequence;
		int rc = store_queue(st, &m, err);
		free(m.message);
		free(m.message_id);
		if (rc < 0)
			return -1;
		n++;
	}
	return n;
}

int outbox_queue_plan(struct store *st, struct compose *c, struct plan *p, time_t now, struct err *err)
{
	int total = 0;

	if (p->n == 0)
		return 0;
	if (store_begin(st, err) < 0)
		return -1;
	for (size_t i = 0; i < p->n; i++) {
		int n = queue_action(st, c, &p->actions[i], now, err);
		if (n < 0) {
			store_rollback(st);
			return -1;
		}
		total += n;
	}
	if (store_commit(st, err) < 0) {
		store_rollback(st);
		return -1;
	}
	return total;
}

static long retry_for;

void outbox_set_retry_for(long seconds)
{
	retry_for = seconds;
}

time_t outbox_backoff(int attempts)
{
	/* TOVHOLDER_RETRY_BASE: seconds of the first retry, for tests only (the outage tests would wait minutes) */
	const char *base = getenv("TOVHOLDER_RETRY_BASE");
	time_t delay = base && atoi(base) > 0 ? atoi(base) : 60;

	for (int i = 0; i < attempts && delay < 3600; i++)
		delay *= 2;
	return delay > 3600 ? 3600 : delay;
}

int outbox_deliver(struct store *st, struct smtp *smtp, time_t now, int all, int (*stop)(void *arg), void *arg,
		   struct outbox_result *res, struct err *err)
{
	struct store_outmsg *q = NULL;
	size_t n = 0;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	if (store_queued(st, all ? -1 : now, &q, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct store_outmsg *m = &q[i];
		struct err serr = { "" };
		enum smtp_result r;

		if (stop && stop(arg)) {
			res->stopped = 1;
			res->waiting += (int)(n - i);
			goto out;
		}
		r = smtp_send(smtp, m->email, m->message, m->len, &serr);

		switch (r) {
		case SMTP_OK:
			if (store_mark_sent(st, m->id, util_now(), err) < 0) {
				rc = -1;
				goto out;
			}
			res->sent++;
			log_info("sent %s %s seq %d to %s <%s>", m->kind, m->date, m->sequence, m->email, m->message_id);
			break;
		case SMTP_TEMPFAIL:
			if (retry_for > 0 && m->created_at && now - m->created_at >= retry_for) {
				char why[300];
				snprintf(why, sizeof(why), "gave up after %ld hours: %s", retry_for / 3600, serr.msg);
				if (store_mark_failed(st, m->id, why, err) < 0) {
					rc = -1;
					goto out;
				}
				res->failed++;
				log_error("gave up %s %s to %s: %s", m->kind, m->date, m->email, why);
				break;
			}
			if (store_mark_retry(st, m->id, now + outbox_backoff(m->attempts), serr.msg, err) < 0) {
				rc = -1;
				goto out;
			}
			res->waiting++;
			log_warn("deferred %s %s to %s: %s", m->kind, m->date, m->email, serr.msg);
			break;
		case SMTP_PERMFAIL:
			if (store_mark_failed(st, m->id, serr.msg, err) < 0) {
				rc = -1;
				goto out;
			}
			res->failed++;
			log_error("refused %s %s to %s: %s", m->kind, m->date, m->email, serr.msg);
			break;
		case SMTP_UNREACHABLE:
		case SMTP_REFUSED:
			/* nothing else can go out now: this and the rest stay queued, each with its next retry */
			res->stop = r;
			snprintf(res->stop_reason, sizeof(res->stop_reason), "%s", serr.msg);
			res->waiting += (int)(n - i);
			for (size_t j = i; j < n && strcmp(serr.msg, "stopped") != 0; j++)
				if (store_mark_retry(st, q[j].id, now + outbox_backoff(q[j].attempts), serr.msg, err) < 0) {
					rc = -1;
					goto out;
				}
			goto out;
		}
	}
out:
	store_outmsgs_free(q, n);
	return rc;
}
