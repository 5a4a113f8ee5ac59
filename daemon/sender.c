/* Sending for a group. */
#include "sender.h"
#include "compose.h"
#include "log.h"
#include "remind.h"
#include "teamslink.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

int sender_teams(struct ctx *ctx, time_t now, int attendance, time_t *ret_next)
{
	time_t next = 0;
	long retry_after = 0;
	int any = 0, r;

	*ret_next = 0;
	for (size_t i = 0; i < ctx->sched.n && !any; i++)
		any = ctx->sched.meetings[i].teams;
	if (!any && !ctx->cfg.graph.present)
		return 0;
	if ((r = teamslink_sync(ctx, now, &retry_after)) < 0)
		return -1;
	if (r > 0)
		next = now + (retry_after > 60 ? retry_after : 60);   /* the invitations of that meeting wait */
	if (attendance) {
		time_t att = 0;

		if (teamslink_attendance(ctx, now, &att) < 0)
			return -1;
		if (att && (!next || att < next))
			next = att;
	}
	*ret_next = next;
	return 0;
}

int sender_queue_changes(struct ctx *ctx, time_t now)
{
	struct store_snapshot snap = { 0 };
	struct plan p = { 0 };
	struct err err = { "" };
	struct compose *c = NULL;
	int n = -1;

	if (store_load(ctx->store, &snap, &err) < 0 ||
	    plan_make(&ctx->cfg, &ctx->sched, &ctx->roster, &snap, now, &p, &err) < 0)
		goto out;
	if (p.n && !(c = compose_new(&ctx->cfg, &err)))
		goto out;
	for (size_t i = 0; i < p.n; i++) {
		char *line = plan_describe(&p.actions[i]);
		log_info("%s%s", line, p.actions[i].waiting_link ? " — waits for its Teams link" : "");
		free(line);
	}
	n = outbox_queue_plan(ctx->store, c, &p, now, &err);
out:
	if (n < 0)
		log_error("%s", err.msg);
	compose_free(c);
	plan_release(&p);
	store_snapshot_release(&snap);
	return n;
}

int sender_deliver(struct ctx *ctx, time_t now, int all, int (*stop)(void *arg), void *arg,
		   struct outbox_result *res)
{
	struct err err = { "" };
	char *password = NULL;
	struct smtp *smtp;
	time_t next = 0;
	int rc, queued = 0, failed = 0, temporary = 0;

	memset(res, 0, sizeof(*res));
	/* Nothing due: no secret read, no token fetched, no SMTP session. Measured (bench/, row 5): the service's
	 * first pass made one anyway, and libcurl's global set-up (libssh2's OpenSSL engines) alone put 3 MB of
	 * libcrypto into the resident set of a service that had nothing to send. */
	if (store_outbox_counts(ctx->store, &queued, &failed, &err) < 0 ||
	    (queued && store_next_try(ctx->store, &next, &err) < 0)) {
		log_error("%s", err.msg);
		return EX_SOFTWARE;
	}
	if (!queued || (!all && next > now))
		return 0;
	/* the password, or a fresh OAuth2 access token (a token helper that cannot reach its provider now is a
	 * passing problem: EX_TEMPFAIL, and every message stays queued) */
	if (ctx->cfg.smtp.user && !(password = config_secret(&ctx->cfg.smtp, &temporary, &err))) {
		log_error("[smtp] %s", err.msg);
		return temporary ? EX_TEMPFAIL : EX_CONFIG;
	}
	smtp = smtp_new(&ctx->cfg.smtp, password, ctx->cfg.organizer_email, &err);
	if (password) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	if (!smtp) {
		log_error("[smtp] %s", err.msg);
		return EX_CONFIG;
	}
	smtp_set_stop(smtp, stop, arg);
	outbox_set_retry_for(ctx->cfg.smtp.retry_for);
	rc = outbox_deliver(ctx->store, smtp, now, all, stop, arg, res, &err);
	smtp_free(smtp);
	if (rc < 0) {
		log_error("%s", err.msg);
		return EX_SOFTWARE;
	}
	return 0;
}

static int reminder_done(long long meeting_id, long offset, void *arg)
{
	struct ctx *ctx = arg;
	struct err err = { "" };
	int rc = store_reminder_status(ctx->store, meeting_id, offset, &err);

	if (rc < 0)
		log_error("%s", err.msg);
	return rc;
}

static const struct store_person_record *record_of(const struct store_record *rec, const char *email)
{
	for (size_t i = 0; i < rec->n; i++)
		if (strcmp(rec->people[i].email, email) == 0)
			return &rec->people[i];
	return NULL;
}

/* "3 d", "2 h" or "90 min": a reminder's offset as the config writes it, for the log. */
static const char *offset_text(long secs, char *buf, size_t size)
{
	if (secs % 86400 == 0)
		snprintf(buf, size, "%ld d", secs / 86400);
	else if (secs % 3600 == 0)
		snprintf(buf, size, "%ld h", secs / 3600);
	else
		snprintf(buf, size, "%ld min", secs / 60);
	return buf;
}

/* Queues one reminder's messages and marks it; inside the caller's transaction. Returns the count or -1. */
static int queue_reminder(struct ctx *ctx, struct compose **c, const struct remind_due *r, time_t now,
			  struct err *err)
{
	struct store_record rec = { 0 };
	char when[32];
	int n = 0;

	offset_text(r->offset, when, sizeof(when));
	if (r->skip) {
		log_warn("reminder %s before %s skipped: its time passed more than a day ago", when, r->mt->date);
		return store_reminder_mark(ctx->store, r->mt->id, r->offset, "skipped", err) < 0 ? -1 : 0;
	}
	if (store_record_load(ctx->store, r->mt->id, &rec, err) < 0)
		return -1;
	for (size_t i = 0; i < r->mt->n_inv && n >= 0; i++) {
		const struct store_invitation *inv = &r->mt->inv[i];
		struct store_outmsg m = { 0 };

		if (!remind_wanted(r, inv, record_of(&rec, inv->email)))
			continue;
		if (!*c && !(*c = compose_new(&ctx->cfg, err))) {
			n = -1;
			break;
		}
		m.message = compose_reminder_mail(*c, r->mt, inv, r->last, now, &m.message_id, &m.len, err);
		if (!m.message) {
			n = -1;
			break;
		}
		m.meeting_id = r->mt->id;
		m.email = inv->email;
		m.kind = r->last ? "practical" : "reminder";
		m.sequence = inv->sequence;
		/* a reminder is no newer calendar state: it must not supersede a queued invitation */
		m.keep_queued = 1;
		if (store_queue(ctx->store, &m, err) < 0)
			n = -1;
		else
			n++;
		free(m.message);
		free(m.message_id);
	}
	store_record_release(&rec);
	if (n >= 0 && store_reminder_mark(ctx->store, r->mt->id, r->offset, "sent", err) < 0)
		return -1;
	if (n >= 0)
		log_info("reminder%s %s before %s: %d message%s", r->last ? " (practical details)" : "", when,
			 r->mt->date, n, n == 1 ? "" : "s");
	return n;
}

int sender_queue_reminders(struct ctx *ctx, time_t now, time_t *ret_next)
{
	struct store_snapshot snap = { 0 };
	struct remind_due due[64];
	struct compose *c = NULL;
	struct err err = { "" };
	int n, total = 0;

	*ret_next = 0;
	if (ctx->cfg.n_reminders == 0)
		return 0;
	if (store_load(ctx->store, &snap, &err) < 0) {
		log_error("%s", err.msg);
		return -1;
	}
	n = remind_due(&ctx->cfg, &snap, now, reminder_done, ctx, due, sizeof(due) / sizeof(due[0]), ret_next);
	if (n > 0 && store_begin(ctx->store, &err) == 0) {
		for (int i = 0; i < n && total >= 0; i++) {
			int k = queue_reminder(ctx, &c, &due[i], now, &err);
			total = k < 0 ? -1 : total + k;
		}
		if (total < 0 || store_commit(ctx->store, &err) < 0) {
			store_rollback(ctx->store);
			log_error("reminders: %s", err.msg);
			total = -1;
		}
	} else if (n > 0) {
		log_error("%s", err.msg);
		total = -1;
	}
	if (n < 0)
		total = -1;
	compose_free(c);
	store_snapshot_release(&snap);
	return total;
}
