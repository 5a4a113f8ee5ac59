/* Queue and deliver. The order of the two writes around each SMTP transaction is the crash-safety argument:
 * the message is in the store (queued) before the transaction starts, and marked sent only after the 250.
 * A crash between the 250 and the mark sends that one message again on the next run: at most one duplicate
 * per recipient, never a loss.
 *
 * The marks are cheap: the queued records are made durable (fsync) before the first transaction, but the mark
 * after each 250 is committed without an fsync of its own (SQLite WAL, synchronous=NORMAL). Such a commit
 * survives the death of the process, so the guarantee above holds as it is for a crash, a kill or an OOM.
 * Only a power cut (or a kernel crash) can lose marks: those since the last durable one. So every
 * OUTBOX_SYNC_EVERY-th mark, and any mark OUTBOX_SYNC_MS after the last durable one, is itself durable (its
 * fsync covers the earlier ones), and the run ends with store_sync. A power cut then resends at most that many
 * messages, each once, and each message has one recipient: still at most one duplicate per recipient and
 * message, never a loss. Measured on loopback Postfix (bench/): an fsync per mark cost about as much as the
 * server's own work per message, so this nearly halves the time of a 200-invitation send. */
#include "outbox.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OUTBOX_SYNC_EVERY 32    /* marks per durable mark, at most */
#define OUTBOX_SYNC_MS    1000  /* and at most this long after the last durable one */

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
		int n;

		if (p->actions[i].waiting_link)
			continue;   /* a Teams meeting without its link yet: the invitations wait for it */
		n = queue_action(st, c, &p->actions[i], now, err);
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

/* Which marks are durable (see the top of the file). */
struct marks {
	struct store *st;
	int durable;          /* the store's current mode */
	int unsynced;         /* marks written since the last durable one */
	long long synced_ms;  /* when that was */
};

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Before the marks of one message: durable when enough marks or time have passed without one. */
static int marks_prepare(struct marks *mk, struct err *err)
{
	int want = mk->unsynced + 1 >= OUTBOX_SYNC_EVERY || mono_ms() - mk->synced_ms >= OUTBOX_SYNC_MS;

	if (want != mk->durable && store_set_durable(mk->st, want, err) < 0)
		return -1;
	mk->durable = want;
	return 0;
}

static void marks_done(struct marks *mk)
{
	if (mk->durable) {
		mk->unsynced = 0;
		mk->synced_ms = mono_ms();
	} else {
		mk->unsynced++;
	}
}

/* Back to durable commits for everything after; the marks not yet durable are made so. */
static int marks_finish(struct marks *mk, struct err *err)
{
	if (!mk->durable && store_set_durable(mk->st, 1, err) < 0)
		return -1;
	mk->durable = 1;
	if (mk->unsynced && store_sync(mk->st, err) < 0)
		return -1;
	mk->unsynced = 0;
	return 0;
}

int outbox_deliver(struct store *st, struct smtp *smtp, time_t now, int all, int (*stop)(void *arg), void *arg,
		   struct outbox_result *res, struct err *err)
{
	struct store_outmsg *q = NULL;
	struct marks mk = { st, 1, 0, mono_ms() };
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
		if (marks_prepare(&mk, err) < 0) {
			rc = -1;
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
			for (size_t j = i; j < n && strcmp(serr.msg, "stopped") != 0; j++) {
				if (store_mark_retry(st, q[j].id, now + outbox_backoff(q[j].attempts), serr.msg, err) < 0) {
					rc = -1;
					goto out;
				}
				marks_done(&mk);
			}
			goto out;
		}
		marks_done(&mk);
	}
out:
	if (rc == 0) {
		if (marks_finish(&mk, err) < 0)
			rc = -1;
	} else {
		struct err later = { "" };  /* the first error is the one to report */
		marks_finish(&mk, &later);
	}
	store_outmsgs_free(q, n);
	return rc;
}
