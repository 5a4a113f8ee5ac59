/* Sending for a group. */
#include "sender.h"
#include "compose.h"
#include "log.h"
#include "remind.h"
#include "teamslink.h"
#include "util.h"
#include "vis.h"

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
		char *text = plan_describe(&p.actions[i]), *save = NULL;

		for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			log_info("%s%s", line, p.actions[i].waiting_link ? " — waits for its Teams link" : "");
		free(text);
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

int sender_report(struct ctx *ctx, const struct outbox_result *res)
{
	if (res->sent || res->waiting || res->failed)
		printf("sent %d, waiting %d, refused %d\n", res->sent, res->waiting, res->failed);
	else
		printf("nothing to send\n");
	if (res->stop == SMTP_REFUSED) {
		log_error("%s refused us: %s (check [smtp] in the config)", ctx->cfg.smtp.url, res->stop_reason);
		return EX_UNAVAILABLE;
	}
	if (res->stop == SMTP_UNREACHABLE) {
		log_error("cannot reach %s: %s; %d message%s wait: run 'tovholder send' again later",
			  ctx->cfg.smtp.url, res->stop_reason, res->waiting, res->waiting == 1 ? "" : "s");
		return EX_TEMPFAIL;
	}
	if (res->waiting)
		return EX_TEMPFAIL;
	if (res->failed)
		return EX_UNAVAILABLE;
	return 0;
}

/* ---- the paperwork: mails to the referent and the tovholder ---- */

static const char *const paper_templates[] = { "referat", "status", "fremmoede" };
static const char *const paper_what[] = { "referat draft", "status mail", "attendance lines" };

/* Composes one paperwork message and queues it to 'email'. Inside the caller's transaction. */
static int queue_one_paper(struct ctx *ctx, struct compose *c, const struct compose_paper *cp, struct tmpl_vars *v,
			   const char *kind, time_t now, struct err *err)
{
	struct store_outmsg m = { 0 };
	int rc;

	if (!(m.message = compose_paper_mail(c, cp, v, now, &m.message_id, &m.len, err)))
		return -1;
	m.meeting_id = cp->mt->id;
	m.email = (char *)cp->to_email;
	m.kind = (char *)kind;
	/* paperwork is no calendar state: it neither supersedes nor is superseded */
	m.keep_queued = 1;
	rc = store_queue(ctx->store, &m, err);
	free(m.message);
	free(m.message_id);
	return rc;
}

/* The lines as a list variable, one item per line; a name from a mail (a substitute) is outside text, so
 * each line is made visible (no control character reaches the message, which would refuse it). */
static void set_lines(struct tmpl_vars *v, const char *lines)
{
	char *items[32];
	char *copy = xstrdup(lines), *save = NULL;
	size_t n = 0;

	for (char *tok = strtok_r(copy, "\n", &save); tok && n < 32; tok = strtok_r(NULL, "\n", &save))
		items[n++] = vis_dup(tok);
	tmpl_set_list(v, "linjer", (const char *const *)items, n);
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(copy);
}

/* The referat draft or the attendance lines: to the referent (the tovholder when nobody is), with the whole
 * draft as .docx; the draft also as a copy to the tovholder. *ret_hash: the lines' hash. Returns the count. */
static int queue_referat(struct ctx *ctx, struct compose *c, const struct store_meeting *mt, enum paper_kind kind,
			 time_t now, char *ret_hash, struct err *err)
{
	const struct store_invitation *ref = paper_referent(mt);
	struct tmpl_vars *v = tmpl_vars_new();
	struct paper_doc pd;
	char *lines = NULL, *docx = NULL, *name = xasprintf("referat-%s.docx", mt->date);
	size_t docx_len = 0;
	int n = -1;

	if (paper_doc_load(ctx, mt, &pd, err) < 0 || referatdoc_render(&pd.doc, REFERATDOC_DOCX, &docx, &docx_len,
								       err) < 0)
		goto out;
	lines = referatdoc_lines(&pd.doc);
	paper_hash(lines, ret_hash);
	set_lines(v, lines);
	tmpl_set(v, "bilag", name);
	tmpl_set(v, "efter_moedet", kind == PAPER_ATTENDANCE ? "ja" : NULL);
	struct compose_paper cp = {
		.template = paper_templates[kind], .mt = mt,
		.to_name = ref ? ref->name : ctx->cfg.organizer_name,
		.to_email = ref ? ref->email : ctx->cfg.organizer_email,
		.attachment = docx, .attachment_len = docx_len, .attachment_name = name,
	};
	if (!ref)
		log_warn("%s: nobody with rolle sekretær holds the invitation to %s: the %s goes to the tovholder",
			 ctx->cfg.roster_path, mt->date, paper_what[kind]);
	if (ref && kind == PAPER_DRAFT) {
		cp.cc_name = ctx->cfg.organizer_name;
		cp.cc_email = ctx->cfg.organizer_email;
	}
	if (queue_one_paper(ctx, c, &cp, v, paper_kind_name(kind), now, err) < 0)
		goto out;
	n = 1;
	if (cp.cc_email) {
		/* the tovholder's copy: the same mail, its own Message-ID (one recipient per outbox message) */
		cp.to_name = cp.cc_name;
		cp.to_email = cp.cc_email;
		cp.cc_name = ref->name;
		cp.cc_email = ref->email;
		if (queue_one_paper(ctx, c, &cp, v, paper_kind_name(kind), now, err) < 0) {
			n = -1;
			goto out;
		}
		n = 2;
	}
	log_info("%s for %s: to %s%s%s", paper_what[kind], mt->date, cp.cc_email ? cp.cc_email : cp.to_email,
		 n == 2 ? ", copy to " : "", n == 2 ? ctx->cfg.organizer_email : "");
out:
	free(lines);
	free(docx);
	free(name);
	paper_doc_release(&pd);
	tmpl_vars_free(v);
	return n;
}

static int queue_status(struct ctx *ctx, struct compose *c, const struct store_meeting *mt, time_t now,
			struct err *err)
{
	struct tmpl_vars *v = tmpl_vars_new();
	struct compose_paper cp = {
		.template = paper_templates[PAPER_STATUS], .mt = mt,
		.to_name = ctx->cfg.organizer_name, .to_email = ctx->cfg.organizer_email,
	};
	int n = -1;

	if (paper_status_vars(ctx, mt, v, err) == 0 && queue_one_paper(ctx, c, &cp, v, paper_kind_name(PAPER_STATUS), now, err) == 0) {
		n = 1;
		log_info("status mail for %s: to %s", mt->date, cp.to_email);
	}
	tmpl_vars_free(v);
	return n;
}

int sender_queue_import(struct ctx *ctx, struct compose **c, const struct store_meeting *mt, const char *mail_id,
			struct tmpl_vars *v, time_t now, struct err *err)
{
	struct paper_doc pd;
	struct compose_paper cp = {
		.template = "teamsrapport", .mt = mt,
		.to_name = ctx->cfg.organizer_name, .to_email = ctx->cfg.organizer_email,
	};
	char *lines = NULL;
	int rc;

	if (!ctx->cfg.report_mail)
		return 0;   /* [group] report_mail = off: the import is all */
	rc = store_report_answered(ctx->store, mail_id, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;   /* 1: this very mail was answered, read again after a crash */
	rc = -1;
	if (paper_doc_load(ctx, mt, &pd, err) < 0)
		goto out;
	lines = referatdoc_lines(&pd.doc);
	set_lines(v, lines);
	tmpl_set(v, "mappe_fremmoede", ctx->cfg.imap.attendance);
	if ((!*c && !(*c = compose_new(&ctx->cfg, err))) ||
	    queue_one_paper(ctx, *c, &cp, v, "import", now, err) < 0 ||
	    store_report_answered_put(ctx->store, mail_id, mt->id, err) < 0)
		goto out;
	log_info("the answer to the Teams report for %s: to %s", mt->date, cp.to_email);
	rc = 1;
out:
	free(lines);
	paper_doc_release(&pd);
	return rc;
}

/* Queues one due mail and records it. Inside the caller's transaction. Returns the count or -1. */
static int queue_paper(struct ctx *ctx, struct compose **c, const struct paper_due *due, time_t now,
		       struct err *err)
{
	char hash[PAPER_HASH_LEN + 1] = "";
	int n;

	if (due->baseline) {
		/* attendance recorded before this version: its lines count as sent */
		return store_paper_put(ctx->store, due->mt->id, paper_kind_name(due->kind), "baseline", due->hash,
				       err) < 0 ? -1 : 0;
	}
	if (!*c && !(*c = compose_new(&ctx->cfg, err)))
		return -1;
	if (due->kind == PAPER_STATUS)
		n = queue_status(ctx, *c, due->mt, now, err);
	else
		n = queue_referat(ctx, *c, due->mt, due->kind, now, hash, err);
	if (n >= 0 && store_paper_put(ctx->store, due->mt->id, paper_kind_name(due->kind), "sent", hash, err) < 0)
		return -1;
	return n;
}

/* Queues the given mails in one transaction. Returns the number of messages, or -1 (logged). */
static int queue_papers(struct ctx *ctx, const struct paper_due *due, int n, time_t now)
{
	struct compose *c = NULL;
	struct err err = { "" };
	int total = 0;

	if (n <= 0)
		return n;
	if (store_begin(ctx->store, &err) < 0) {
		log_error("%s", err.msg);
		return -1;
	}
	for (int i = 0; i < n && total >= 0; i++) {
		int k = queue_paper(ctx, &c, &due[i], now, &err);
		total = k < 0 ? -1 : total + k;
	}
	if (total < 0 || store_commit(ctx->store, &err) < 0) {
		store_rollback(ctx->store);
		log_error("paperwork: %s", err.msg);
		total = -1;
	}
	compose_free(c);
	return total;
}

int sender_queue_paperwork(struct ctx *ctx, time_t now, time_t *ret_next)
{
	struct store_snapshot snap = { 0 };
	struct paper_due due[32];
	struct err err = { "" };
	int n;

	*ret_next = 0;
	if (store_load(ctx->store, &snap, &err) < 0 ||
	    (n = paper_due(ctx, &snap, now, due, sizeof(due) / sizeof(due[0]), ret_next, &err)) < 0) {
		log_error("%s", err.msg);
		store_snapshot_release(&snap);
		return -1;
	}
	n = queue_papers(ctx, due, n, now);
	store_snapshot_release(&snap);
	return n;
}

int sender_paper_now(struct ctx *ctx, const struct store_meeting *mt, enum paper_kind kind)
{
	struct paper_due due = { 0 };
	struct outbox_result res;
	struct err err = { "" };
	time_t now = util_now();
	int rc;

	due.mt = mt;
	due.kind = kind;
	if (kind == PAPER_DRAFT) {
		struct attendance att;
		/* after the meeting, once who was there is recorded, the draft is the final lines */
		if (attendance_load(ctx->store, mt, &att, &err) < 0) {
			log_error("%s", err.msg);
			attendance_release(&att);
			return EX_SOFTWARE;
		}
		if (att.confirmed)
			due.kind = PAPER_ATTENDANCE;
		attendance_release(&att);
	}
	if ((rc = ctx_lock(ctx, 1)))
		return rc;
	if (queue_papers(ctx, &due, 1, now) < 0) {
		ctx_unlock(ctx);
		return EX_SOFTWARE;
	}
	rc = sender_deliver(ctx, now, 1, NULL, NULL, &res);
	ctx_unlock(ctx);
	return rc ? rc : sender_report(ctx, &res);
}
