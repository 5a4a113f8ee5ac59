/* tovholder fetch: one pass over the organizer's inbox. Each new mail is read as little as needed (headers and
 * structure first, then only the parts that decide it), its meaning recorded, and the mail moved to the
 * processed or review folder; mail that is not ours stays in the inbox untouched and unread. Nothing is deleted.
 *
 * Order per mail, for crash safety: record (idempotent: newest wins, review keyed by Message-ID) → move →
 * remember the UID. A crash in between reads the same mail again next time and changes nothing twice. */
#include "cmd.h"
#include "compose.h"
#include "imap.h"
#include "log.h"
#include "outbox.h"
#include "reply.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* Only these header fields are fetched for every new mail: what decides whether it is ours and what it is. */
static const char *const header_fields[] = {
	"From", "Reply-To", "Sender", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
	"Auto-Submitted", "X-Autoreply", "X-Autorespond", "Precedence", "X-Auto-Response-Suppress",
	"Content-Type", "MIME-Version", NULL,
};

struct fetch_run {
	struct ctx *ctx;
	struct imap *imap;
	struct store_snapshot snap;
	struct compose *compose;
	unsigned long uidvalidity;
	const char *mailbox;
	time_t now;
	int counts[6];           /* by enum reply_outcome */
	int refreshes;
	enum imap_result stop;   /* IMAP_OK, or why the pass stopped early */
	char stop_reason[256];
	int state_error;
};

/* The meeting our invitation was about, when the mail answers one of our messages. */
static long long thread_meeting(struct fetch_run *run, const struct inmail *m)
{
	static const char *const fields[] = { "In-Reply-To", "References" };
	long long meeting_id = 0;
	struct err err = { "" };

	for (size_t f = 0; f < 2 && !meeting_id; f++) {
		char **ids = NULL;
		size_t n = 0;
		inmail_parse_msgids(inmail_header(m, fields[f]), &ids, &n);
		/* the newest reference is last in References */
		for (size_t i = n; i-- > 0 && !meeting_id;) {
			char *email = NULL;
			if (store_thread_lookup(run->ctx->store, ids[i], &meeting_id, &email, &err) < 0)
				log_warn("%s", err.msg);
			free(email);
		}
		inmail_strv_free(ids, n);
	}
	return meeting_id;
}

static const struct store_meeting *meeting_by_id(const struct store_snapshot *snap, long long id)
{
	for (size_t i = 0; i < snap->n; i++)
		if (snap->meetings[i].id == id)
			return &snap->meetings[i];
	return NULL;
}

/* REFRESH (RFC 5546 §3.2.6): the invitation again, as it stands, to that person. */
static int queue_refresh(struct fetch_run *run, const struct reply_decision *d, struct err *err)
{
	const struct store_meeting *mt = meeting_by_id(&run->snap, d->meeting_id);
	struct store_outmsg m = { 0 };
	int rc;

	if (!mt)
		return err_set(err, "meeting %lld is gone", d->meeting_id);
	for (size_t i = 0; i < mt->n_inv; i++) {
		const struct store_invitation *inv = &mt->inv[i];
		if (strcmp(inv->email, d->email) != 0)
			continue;
		if (!run->compose && !(run->compose = compose_new(&run->ctx->cfg, err)))
			return -1;
		m.message = compose_meeting_mail(run->compose, mt, inv, inv->invited ? PLAN_MSG_INVITE : PLAN_MSG_CANCEL,
						 NULL, 0, run->now, &m.message_id, &m.len, err);
		if (!m.message)
			return -1;
		m.meeting_id = mt->id;
		m.email = inv->email;
		m.kind = "refresh";
		m.sequence = inv->sequence;
		rc = store_queue(run->ctx->store, &m, err);
		free(m.message);
		free(m.message_id);
		run->refreshes += rc == 0;
		return rc;
	}
	return err_set(err, "%s is not invited to %s", d->email, mt->date);
}

/* Records what the mail means. Returns the folder to move it to (NULL: leave it), or "" on a state error. */
static const char *record(struct fetch_run *run, const struct reply_decision *d)
{
	const struct config *cfg = &run->ctx->cfg;
	struct store *st = run->ctx->store;
	struct err err = { "" };
	int rc = 0;

	switch (d->outcome) {
	case REPLY_NOT_OURS:
		return NULL;
	case REPLY_ANSWER: {
		struct store_answer a = { d->meeting_id, d->email, d->answer, d->source, d->at, d->substitute,
					  d->note, d->message_id, 0 };
		rc = store_answer_put(st, &a, &err);
		if (rc == 0)
			log_info("an older answer changes nothing: %s %s (%s)", d->email, d->answer, d->message_id);
		if (rc >= 0 && d->review_too) {
			struct store_review r = { 0, d->message_id, d->sender ? d->sender : "", d->subject, d->at,
						  (char *)d->reason };
			rc = store_review_add(st, &r, &err);
			if (rc >= 0)
				return cfg->imap.review;
		}
		break;
	}
	case REPLY_AUTOREPLY:
		rc = store_autoreply_put(st, d->meeting_id, d->email, d->at, d->reason, &err);
		break;
	case REPLY_BOUNCE:
		for (size_t i = 0; i < d->n_bounced && rc >= 0; i++)
			rc = store_bounce_put(st, d->bounced[i], d->at, d->subject, &err);
		break;
	case REPLY_REFRESH:
		rc = queue_refresh(run, d, &err);
		break;
	case REPLY_REVIEW: {
		struct store_review r = { 0, d->message_id, d->sender ? d->sender : "", d->subject, d->at,
					  (char *)d->reason };
		if (store_review_add(st, &r, &err) < 0)
			break;
		return cfg->imap.review;
	}
	}
	if (rc < 0) {
		log_error("%s", err.msg);
		run->state_error = 1;
		return "";
	}
	return cfg->imap.processed;
}

static void log_decision(struct fetch_run *run, uint32_t uid, const struct reply_decision *d)
{
	const char *from = d->sender ? d->sender : "?";
	const struct store_meeting *mt = meeting_by_id(&run->snap, d->meeting_id);
	const char *date = mt ? mt->date : "?";

	switch (d->outcome) {
	case REPLY_NOT_OURS:
		log_debug("uid %u from %s: not about our meetings, left in the inbox", uid, from);
		break;
	case REPLY_ANSWER:
		log_info("uid %u: %s answered %s for %s (%s)%s%s", uid, d->email, d->answer, date, d->source,
			 d->substitute ? ", substitute " : "", d->substitute ? d->substitute : "");
		break;
	case REPLY_AUTOREPLY:
		log_info("uid %u: automatic reply from %s about %s (%s)", uid, d->email, date, d->reason);
		break;
	case REPLY_BOUNCE:
		for (size_t i = 0; i < d->n_bounced; i++)
			log_warn("uid %u: mail to %s bounced", uid, d->bounced[i]);
		break;
	case REPLY_REFRESH:
		log_info("uid %u: %s asked for the invitation to %s again", uid, d->email, date);
		break;
	case REPLY_REVIEW:
		log_info("uid %u from %s: for review: %s", uid, from, d->reason);
		break;
	}
}

static int handle(struct imap_msg *msg, void *arg)
{
	struct fetch_run *run = arg;
	const struct inmail_part *parts[REPLY_MAX_PARTS];
	struct reply_decision d;
	struct err err = { "" };
	char fallback[128];
	const char *folder;
	int n;

	snprintf(fallback, sizeof(fallback), "imap-%lu-%u@%s", run->uidvalidity, msg->uid, run->mailbox);
	struct reply_env env = { &run->snap, thread_meeting(run, &msg->mail), msg->size, run->now, fallback };

	n = reply_parts_needed(&msg->mail, &env, parts);
	for (int i = 0; i < n; i++) {
		enum imap_result r = imap_fetch_part(run->imap, msg, (struct inmail_part *)parts[i], &err);
		if (r == IMAP_UNREACHABLE) {
			run->stop = r;
			snprintf(run->stop_reason, sizeof(run->stop_reason), "%s", err.msg);
			return 1;
		}
		/* a part that cannot be fetched leaves its body NULL: reply_decide sends the mail to review */
		if (r != IMAP_OK)
			log_warn("uid %u: cannot fetch part %s: %s", msg->uid, parts[i]->section, err.msg);
	}
	if (n < 0) {
		memset(&d, 0, sizeof(d));
		d.outcome = REPLY_NOT_OURS;
	} else {
		reply_decide(&msg->mail, &env, &d);
	}
	log_decision(run, msg->uid, &d);
	run->counts[d.outcome]++;
	folder = record(run, &d);
	reply_decision_release(&d);
	if (run->state_error)
		return 1;
	if (folder) {
		enum imap_result r = imap_move(run->imap, msg->uid, folder, &err);
		if (r != IMAP_OK) {
			run->stop = r;
			snprintf(run->stop_reason, sizeof(run->stop_reason), "cannot move uid %u to '%s': %s", msg->uid,
				 folder, err.msg);
			return 1;
		}
	}
	if (store_mailbox_set(run->ctx->store, run->mailbox, run->uidvalidity, msg->uid, &err) < 0) {
		log_error("%s", err.msg);
		run->state_error = 1;
		return 1;
	}
	return 0;
}

/* Sends the invitations that REFRESH requests queued; what cannot go now waits for the next send. */
static void deliver_refreshes(struct fetch_run *run)
{
	struct outbox_result res;
	struct err err = { "" };
	char *password = NULL;
	struct smtp *smtp;

	if (run->ctx->cfg.smtp.user && !(password = config_password(&run->ctx->cfg.smtp, &err))) {
		log_warn("[smtp] %s: the invitations asked for again wait for 'tovholder send'", err.msg);
		return;
	}
	smtp = smtp_new(&run->ctx->cfg.smtp, password, run->ctx->cfg.organizer_email, &err);
	free(password);
	if (smtp && outbox_deliver(run->ctx->store, smtp, run->now, 1, &res, &err) == 0 && res.stop != SMTP_OK)
		log_warn("%s: the invitations asked for again wait for 'tovholder send'", res.stop_reason);
	smtp_free(smtp);
}

static int open_imap(struct fetch_run *run, struct err *err)
{
	const struct server_config *sc = &run->ctx->cfg.imap;
	char *password = NULL;
	enum imap_result r;

	if (sc->user && !(password = config_password(sc, err)))
		return EX_CONFIG;
	run->imap = imap_new(sc, password, err);
	if (password) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	if (!run->imap)
		return EX_CONFIG;
	r = imap_connect(run->imap, err);
	return r == IMAP_OK ? 0 : r == IMAP_UNREACHABLE ? EX_TEMPFAIL : EX_UNAVAILABLE;
}

int cmd_fetch(int argc, char **argv, struct ctx *ctx)
{
	struct fetch_run run = { 0 };
	struct err err = { "" };
	unsigned long stored_validity = 0, last_uid = 0;
	uint32_t uidvalidity = 0, uidnext = 0;
	enum imap_result r;
	int rc;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: tovholder fetch\n");
		return EX_USAGE;
	}
	run.ctx = ctx;
	run.now = util_now();
	if ((rc = ctx_load_all(ctx)))
		return rc;
	if (!ctx->cfg.imap.present) {
		log_error("%s has no [imap] section: tovholder cannot read replies without it", ctx->config_path);
		return EX_CONFIG;
	}
	run.mailbox = ctx->cfg.imap.mailbox;
	if ((rc = ctx_lock(ctx, 1)) || (rc = ctx_open_store(ctx)))
		return rc;
	if (store_load(ctx->store, &run.snap, &err) < 0 ||
	    store_mailbox_get(ctx->store, run.mailbox, &stored_validity, &last_uid, &err) < 0) {
		log_error("%s", err.msg);
		rc = EX_SOFTWARE;
		goto out;
	}
	if ((rc = open_imap(&run, &err))) {
		log_error("[imap] %s: %s%s", ctx->cfg.imap.url, err.msg,
			  rc == EX_TEMPFAIL ? ": try again later" : "");
		goto out;
	}
	r = imap_select(run.imap, run.mailbox, &uidvalidity, &uidnext, &err);
	if (r != IMAP_OK) {
		log_error("[imap] cannot open mailbox '%s': %s", run.mailbox, err.msg);
		rc = r == IMAP_UNREACHABLE ? EX_TEMPFAIL : EX_UNAVAILABLE;
		goto out;
	}
	run.uidvalidity = uidvalidity;
	/* RFC 3501 §2.3.1.1: a new UIDVALIDITY means the old UIDs mean nothing; read the mailbox again (what was
	 * recorded is recorded once: answers keep the newest, review items their Message-ID). */
	if (stored_validity != uidvalidity) {
		if (stored_validity)
			log_warn("mailbox '%s' has a new UIDVALIDITY (%lu, was %lu): reading it again", run.mailbox,
				 (unsigned long)uidvalidity, stored_validity);
		last_uid = 0;
	}
	if (uidnext && uidnext - 1 <= last_uid) {
		printf("no new mail\n");
		rc = 0;
		goto out;
	}
	r = imap_fetch_new(run.imap, (uint32_t)last_uid, header_fields, handle, &run, &err);
	if (r != IMAP_OK && run.stop == IMAP_OK) {
		run.stop = r;
		snprintf(run.stop_reason, sizeof(run.stop_reason), "%s", err.msg);
	}
	printf("%d answer%s, %d automatic repl%s, %d bounce%s, %d resent, %d for review, %d not ours\n",
	       run.counts[REPLY_ANSWER], run.counts[REPLY_ANSWER] == 1 ? "" : "s", run.counts[REPLY_AUTOREPLY],
	       run.counts[REPLY_AUTOREPLY] == 1 ? "y" : "ies", run.counts[REPLY_BOUNCE],
	       run.counts[REPLY_BOUNCE] == 1 ? "" : "s", run.counts[REPLY_REFRESH], run.counts[REPLY_REVIEW],
	       run.counts[REPLY_NOT_OURS]);
	if (run.refreshes)
		deliver_refreshes(&run);
	if (run.state_error) {
		rc = EX_SOFTWARE;
	} else if (run.stop != IMAP_OK) {
		log_error("[imap] %s%s", run.stop_reason, run.stop == IMAP_UNREACHABLE ? ": try again later" : "");
		rc = run.stop == IMAP_UNREACHABLE ? EX_TEMPFAIL : EX_UNAVAILABLE;
	} else {
		rc = 0;
	}
out:
	compose_free(run.compose);
	imap_free(run.imap);
	store_snapshot_release(&run.snap);
	return rc;
}
