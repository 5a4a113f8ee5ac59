/* Reading the organizer's inbox for a group: one pass reads each new mail as little as needed (a few header
 * fields first; the structure only of a mail they say can be ours (want); then only the parts that decide it),
 * records its meaning, and moves the mail to the processed or review folder; mail that is not ours stays in the
 * inbox untouched and unread. Nothing is deleted.
 *
 * Order, for crash safety: record (idempotent: newest wins, review keyed by Message-ID) → move → remember the
 * UID. A crash in between reads the same mail again next time and changes nothing twice. The steps go by groups
 * of up to INBOX_GROUP mails that are ours, not one by one: the records of a group are one transaction (one fsync), its mail
 * goes in one UID MOVE per folder, and the UID is remembered once. Measured on Dovecot with a 10,000-mail
 * Maildir (bench/): each MOVE costs a rescan of the mailbox (about 0.3 s, whatever the number of UIDs) and each
 * commit an fsync, which per mail made a first fetch take minutes. A crash now repeats at most one group.
 *
 * A crash that a mail causes must not repeat. Before the mail is read (planned, decided) its UID is written to
 * '<state>.reading' with an 'R'; after, the 'R' becomes a 'D'. A pass that finds an 'R' for a UID it has not
 * remembered yet knows that the last reader died on that mail (a crash, or the watchdog after it ran too long,
 * issue 15): the mail goes to review unread, and its group is ended at once, so that a second such mail in
 * the same group cannot make the first one be read again. The marks are plain writes without fsync: they
 * survive the death of the process, which is what they are for; a power cut may cost one more reading. */
#include "inbox.h"
#include "compose.h"
#include "log.h"
#include "readmark.h"
#include "reply.h"
#include "sender.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#define INBOX_GROUP 5000  /* mails moved per group: records, moves, remembered UID (see the top) */
#define INBOX_ROUNDS 8    /* looks for new mail per pass (see inbox_pass) */
#define INBOX_REFRESH_EVERY (24 * 3600)   /* one invitation sent again per person and meeting, at most */

/* Only these header fields are fetched for every new mail: what decides whether it is ours (reply_may_be_ours,
 * before anything else is fetched) and what it is. The automatic-reply markers (autoreply_header_fields), the
 * bounce fields (bounce_header_fields) and what reply_may_be_ours reads must be among them: test_reply checks
 * that. */
const char *const inbox_header_fields[] = {
	"From", "Reply-To", "Sender", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
	"Auto-Submitted", "X-Autoreply", "X-Autorespond", "Precedence", "X-Auto-Response-Suppress",
	"X-Apple-Action", "X-MS-Exchange-Inbox-Rules-Loop", "Return-Path", "X-Failed-Recipients",
	"X-MS-Exchange-Message-Is-Ndr", "Content-Type", "Content-Disposition", "MIME-Version",
	/* every one, in order: only the topmost from the organizer's mail service counts (reply.c, authres.c) */
	"Authentication-Results", NULL,
};

struct fetch_run {
	struct ctx *ctx;
	struct imap *imap;
	struct store_snapshot snap;
	struct compose *compose;
	struct reply_trust trust;  /* who may change an answer, from [imap] */
	unsigned long uidvalidity;
	const char *mailbox;
	time_t now;
	int (*stop)(void *arg);
	void *stop_arg;
	struct inbox_result *res;
	/* the group in progress */
	int in_tx;               /* its records are in an open transaction */
	uint32_t *moves[2];      /* UIDs for the processed [0] and review [1] folder, INBOX_GROUP each */
	size_t n_moves[2];
	size_t n_handled;        /* mails of the group to move (INBOX_GROUP at most) */
	uint32_t last_uid;       /* the highest UID handled */
	uint32_t saved_uid;      /* the highest UID remembered in the store */
	/* the reading mark (see the top) */
	int mark_fd;             /* -1: none (it could not be opened: logged once) */
	uint32_t poison_uid;     /* the last reader died on this UID: review it unread; 0 for none */
	int headers_first;       /* want() chooses whose structure is read (0: TOVHOLDER_READ_ALL=1, every mail's) */
	/* every address our outbox mailed (strcmp order), for reply_may_be_ours: read once per pass */
	char **mailed;
	size_t n_mailed;
};

long long inbox_thread_meeting(struct store *st, const struct inmail *m)
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
			if (store_thread_lookup(st, ids[i], &meeting_id, &email, &err) < 0)
				log_warn("%s", err.msg);
			free(email);
		}
		inmail_strv_free(ids, n);
	}
	return meeting_id;
}

/* reply_env's ties of a bounce to our mail: the outbox's recipient of a Message-ID ... */
static char *outbox_to(void *arg, const char *id)
{
	struct fetch_run *run = arg;
	struct err err = { "" };
	long long meeting_id = 0;
	char *email = NULL;

	if (store_thread_lookup(run->ctx->store, id, &meeting_id, &email, &err) < 0)
		log_warn("%s", err.msg);
	return email;
}

/* ... and whether we sent mail to an address lately */
static int mailed_since(void *arg, const char *email, time_t since)
{
	struct fetch_run *run = arg;
	struct err err = { "" };
	int rc = store_mailed_since(run->ctx->store, email, since, &err);

	if (rc < 0)
		log_warn("%s", err.msg);
	return rc > 0;
}

/* ... and, for reply_may_be_ours, whether we ever mailed it */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int known(void *arg, const char *email)
{
	struct fetch_run *run = arg;

	return run->n_mailed && bsearch(&email, run->mailed, run->n_mailed, sizeof(char *), cmp_str) != NULL;
}

static const struct store_meeting *meeting_by_id(const struct store_snapshot *snap, long long id)
{
	for (size_t i = 0; i < snap->n; i++)
		if (snap->meetings[i].id == id)
			return &snap->meetings[i];
	return NULL;
}

/* REFRESH (RFC 5546 §3.2.6): the invitation again, as it stands, to that person; at most once a day per person
 * and meeting (INBOX_REFRESH_EVERY). Anyone can write a REFRESH in a member's name, and each one answered is
 * a mail from the organizer's own address: a stream of them must not make us send a stream (issue 15). The
 * rest are noted in the log, and the mail is filed as processed. */
static int queue_refresh(struct fetch_run *run, const struct reply_decision *d, struct err *err)
{
	const struct store_meeting *mt = meeting_by_id(&run->snap, d->meeting_id);
	struct store_outmsg m = { 0 };
	int rc, recent = 0;

	if (!mt)
		return err_set(err, "meeting %lld is gone", d->meeting_id);
	if (store_queued_since(run->ctx->store, mt->id, d->email, "refresh", run->now - INBOX_REFRESH_EVERY, &recent,
			       err) < 0)
		return -1;
	if (recent) {
		log_info("%s asked for the invitation to %s again, and was sent it within the last day: noted, "
			 "not sent again (%s)", d->email, mt->date, d->message_id);
		run->res->refreshes_noted++;
		return 0;
	}
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
		run->res->refreshes += rc == 0;
		return rc;
	}
	return err_set(err, "%s is not invited to %s", d->email, mt->date);
}

/* The review item of the decision, with its reason's code and detail (the mails say it in Danish). */
static int review_add(struct store *st, const struct reply_decision *d, struct err *err)
{
	char *args = reason_args_join(&d->why);
	struct store_review r = { 0, d->message_id, d->sender ? d->sender : "", d->subject, d->at, (char *)d->reason,
				  (char *)reason_key(d->why.code), args };
	int rc = store_review_add(st, &r, err);

	free(args);
	return rc;
}

/* Records what the mail means. Returns the folder to move it to (NULL: leave it), or "" on a state error. */
static const char *record(struct fetch_run *run, const struct reply_decision *d)
{
	const struct config *cfg = &run->ctx->cfg;
	struct store *st = run->ctx->store;
	struct err err = { "" };
	int rc = 0;

	if (d->outcome == REPLY_NOT_OURS)
		return NULL;
	if (!run->in_tx) {
		if (store_begin(st, &err) < 0) {
			log_error("%s", err.msg);
			run->res->state_error = 1;
			return "";
		}
		run->in_tx = 1;
	}
	switch (d->outcome) {
	case REPLY_NOT_OURS:
		return NULL;
	case REPLY_ANSWER: {
		struct store_answer a = { d->meeting_id, d->email, d->answer, d->source, d->at, d->substitute,
					  d->note, d->message_id, 0 };
		rc = store_answer_put(st, &a, &err);
		if (rc == 0)
			log_info("an older answer changes nothing: %s %s (%s)", d->email, d->answer, d->message_id);
		/* the person answered after the bounce: the address works (issue 15) */
		if (rc >= 0 && store_bounce_clear(st, d->email, d->at, &err) > 0)
			log_info("%s answered: the bounce noted for the address is cleared", d->email);
		if (rc >= 0 && d->review_too) {
			rc = review_add(st, d, &err);
			if (rc >= 0)
				return cfg->imap.review;
		}
		break;
	}
	case REPLY_AUTOREPLY:
		if (d->meeting_id)
			rc = store_autoreply_put(st, d->meeting_id, d->email, d->at, d->reason, &err);
		break;
	case REPLY_DELAYED:
		break;
	case REPLY_BOUNCE:
		for (size_t i = 0; i < d->n_bounced && rc >= 0; i++)
			rc = store_bounce_put(st, d->bounced[i], d->at, d->subject, &err);
		break;
	case REPLY_REFRESH:
		rc = queue_refresh(run, d, &err);
		break;
	case REPLY_REVIEW: {
		if (review_add(st, d, &err) < 0)
			break;
		return cfg->imap.review;
	}
	}
	if (rc < 0) {
		log_error("%s", err.msg);
		run->res->state_error = 1;
		return "";
	}
	return cfg->imap.processed;
}

/* A proposed new time (issue 16), beside what record() did with the mail. 0, or -1 on a state error. */
static int record_proposal(struct fetch_run *run, const struct reply_decision *d)
{
	const struct store_meeting *mt = meeting_by_id(&run->snap, d->meeting_id);
	struct err err = { "" };

	if (!d->proposed_start || !mt || !d->email)
		return 0;
	struct store_proposal p = { mt->uid, d->email, d->proposed_start, d->proposed_end, d->note, d->message_id,
				    d->at };
	if (store_proposal_put(run->ctx->store, &p, &err) < 0) {
		log_error("%s", err.msg);
		run->res->state_error = 1;
		return -1;
	}
	return 0;
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
		if (d->meeting_id)
			log_info("uid %u: automatic reply from %s about %s (%s)", uid, d->email, date, d->reason);
		else
			log_info("uid %u: automatic reply from %s, no meeting ahead to note it on (%s)", uid, from,
				 d->reason);
		break;
	case REPLY_BOUNCE:
		for (size_t i = 0; i < d->n_bounced; i++)
			log_warn("uid %u: mail to %s bounced (%s)", uid, d->bounced[i], d->reason);
		break;
	case REPLY_DELAYED:
		for (size_t i = 0; i < d->n_bounced; i++)
			log_info("uid %u: mail to %s: %s", uid, d->bounced[i], d->reason);
		break;
	case REPLY_REFRESH:
		log_info("uid %u: %s asked for the invitation to %s again", uid, d->email, date);
		break;
	case REPLY_REVIEW:
		log_info("uid %u from %s: for review: %s", uid, from, d->reason);
		break;
	}
}

/* Forgets the group in progress: its records (if still open), its moves, its UIDs (read again next time). */
static void drop_group(struct fetch_run *run)
{
	if (run->in_tx)
		store_rollback(run->ctx->store);
	run->in_tx = 0;
	run->n_moves[0] = run->n_moves[1] = 0;
	run->n_handled = 0;
	run->last_uid = run->saved_uid;
}

/* Ends a group: its records committed (on disk before any of its mail leaves the inbox), its mail moved, its
 * last UID remembered. -1 when it stopped on the way (state error or server: in res); what was done stays
 * done, and the rest is read again next time. */
static int flush(struct fetch_run *run)
{
	const char *folders[2] = { run->ctx->cfg.imap.processed, run->ctx->cfg.imap.review };
	struct err err = { "" };

	if (run->res->state_error) {
		drop_group(run);
		return -1;
	}
	if (run->in_tx) {
		if (store_commit(run->ctx->store, &err) < 0) {
			log_error("%s", err.msg);
			run->res->state_error = 1;
			drop_group(run);
			return -1;
		}
		run->in_tx = 0;
	}
	for (int f = 0; f < 2; f++) {
		enum imap_result r;

		if (!run->n_moves[f])
			continue;
		r = imap_move_uids(run->imap, run->moves[f], run->n_moves[f], folders[f], &err);
		if (r != IMAP_OK) {
			run->res->stop = r;
			snprintf(run->res->stop_reason, sizeof(run->res->stop_reason),
				 "cannot move %zu message(s) (UIDs %u to %u) to '%s': %s", run->n_moves[f], run->moves[f][0],
				 run->moves[f][run->n_moves[f] - 1], folders[f], err.msg);
			drop_group(run);
			return -1;
		}
		run->n_moves[f] = 0;
	}
	run->n_handled = 0;
	if (run->last_uid > run->saved_uid) {
		if (store_mailbox_set(run->ctx->store, run->mailbox, run->uidvalidity, run->last_uid, &err) < 0) {
			log_error("%s", err.msg);
			run->res->state_error = 1;
			return -1;
		}
		run->saved_uid = run->last_uid;
	}
	return 0;
}

/* ---- the reading mark: a mail that stopped the reader is never read again ---- */

/* Opens '<state>.reading' and finds the UID the last reader died on, if it is above the remembered one in this
 * mailbox and UIDVALIDITY. */
static void mark_open(struct fetch_run *run)
{
	run->mark_fd = readmark_open(run->ctx->cfg.state_path, ".reading");
	run->poison_uid = readmark_dead(run->mark_fd, run->uidvalidity, run->saved_uid, run->mailbox);
}

/* 'R' before reading a mail (set), 'D' after (!set). */
static void mark(struct fetch_run *run, uint32_t uid, int set)
{
	readmark_mark(run->mark_fd, run->uidvalidity, uid, run->mailbox, set);
}

/* What reply.c judges msg with: the meeting its thread names is 'thread'; 'fallback' stands in for a missing
 * Message-ID (NULL where nothing is recorded). */
static struct reply_env env_of(struct fetch_run *run, const struct imap_msg *msg, long long thread,
			       const char *fallback)
{
	return (struct reply_env){ .sent = &run->snap, .thread_meeting_id = thread, .size = msg->size,
				   .now = run->now, .fallback_message_id = fallback, .outbox_to = outbox_to,
				   .mailed_since = mailed_since, .lookup_arg = run, .received = msg->received,
				   .trust = &run->trust, .known = known };
}

/* Headers first (issue 19): given a new mail's header fields and size only, whether its structure (and then
 * its parts) is read at all. Asking for a structure makes the server read and MIME-parse the whole mail;
 * measured on the bench's 10,000-mail inbox, 9,000 of them newsletters and colleagues' mail, that was 534 MB
 * for nothing. reply_may_be_ours answers from the headers alone, and reply_decide asks it first too, so a mail
 * it refuses is decided the same with or without its structure (TOVHOLDER_READ_ALL=1 shows that). The meeting
 * the thread names is kept in plan_note for plan and handle. */
static int want(struct imap_msg *msg, void *arg)
{
	struct fetch_run *run = arg;
	struct reply_env env = env_of(run, msg, inbox_thread_meeting(run->ctx->store, &msg->mail), NULL);
	int r;

	msg->plan_note = env.thread_meeting_id;
	if (msg->uid == run->poison_uid)
		return 0;   /* handle sends it to review unread */
	mark(run, msg->uid, 1);
	r = reply_may_be_ours(&msg->mail, &env);
	mark(run, msg->uid, 0);
	return r;
}

/* Before the mails of a batch are handled: the parts handle will fetch, so they come in a few commands. What
 * it found (the parts, and the meeting the thread names, in plan_note) stays in msg for handle: measured on a
 * first fetch of 10,000 mails (bench/, row 1), working both out again in handle was 10 % of the CPU. */
static int plan(struct imap_msg *msg, void *arg, const struct inmail_part **ret_parts)
{
	_Static_assert(REPLY_MAX_PARTS <= IMAP_AHEAD_PARTS, "a plan names every part reply_decide needs");
	_Static_assert(REPLY_OUTCOMES == sizeof(((struct inbox_result *)0)->counts) / sizeof(int),
		       "a count per outcome");
	struct fetch_run *run = arg;
	int n;

	if (!run->headers_first)
		msg->plan_note = inbox_thread_meeting(run->ctx->store, &msg->mail);
	if (!msg->structure)
		return 0;   /* not ours (want said so): handle needs nothing */
	struct reply_env env = env_of(run, msg, msg->plan_note, NULL);
	if (msg->uid == run->poison_uid)
		return 0;   /* handle sends it to review unread */
	mark(run, msg->uid, 1);
	n = reply_parts_needed(&msg->mail, &env, ret_parts);
	mark(run, msg->uid, 0);
	return n;
}

/* Records a decision (and releases it), queues the mail's move, and ends the group when it is full or 'now'.
 * Returns handle's result: 1 to stop. */
static int finish(struct fetch_run *run, const struct imap_msg *msg, struct reply_decision *d, int now)
{
	const char *folder;

	log_decision(run, msg->uid, d);
	run->res->counts[d->outcome]++;
	folder = record(run, d);
	if (folder && *folder)
		record_proposal(run, d);
	reply_decision_release(d);
	if (run->res->state_error)
		return 1;
	if (folder) {
		int f = strcmp(folder, run->ctx->cfg.imap.processed) != 0;

		/* at most one per mail handled, and a group ends after INBOX_GROUP of them */
		run->moves[f][run->n_moves[f]++] = msg->uid;
		run->n_handled++;
	}
	run->last_uid = msg->uid;
	/* Only mail that is ours counts: mail left in the inbox was read by its header fields alone, and reading
	 * those again after a crash costs little. Measured (bench/, row 1): counting every mail ended a first fetch
	 * of 10,000 in two groups, each with its own UID MOVEs, which on a 10,000-mail Maildir cost about 0.1 s each. */
	if (run->n_handled >= INBOX_GROUP || now)
		return flush(run) < 0;
	return 0;
}

static int handle(struct imap_msg *msg, void *arg)
{
	struct fetch_run *run = arg;
	const struct inmail_part *own[REPLY_MAX_PARTS];
	const struct inmail_part *const *parts = own;
	struct reply_decision d;
	struct err err = { "" };
	char fallback[128];
	int n;

	if (run->stop && run->stop(run->stop_arg))
		return 1;
	snprintf(fallback, sizeof(fallback), "imap-%lu-%u@%s", run->uidvalidity, msg->uid, run->mailbox);
	struct reply_env env = env_of(run, msg, msg->planned || run->headers_first ? msg->plan_note
				      : inbox_thread_meeting(run->ctx->store, &msg->mail), fallback);

	run->res->structures += msg->structure != 0;
	if (msg->uid == run->poison_uid) {
		log_warn("uid %u: the last reading of this mail stopped (a crash, or too long): to review, unread",
			 msg->uid);
		reply_unread(&msg->mail, &env, REASON_POISON, &d);
		return finish(run, msg, &d, 1);
	}
	/* refused by its headers (want): not ours, as reply_decide would say of it with its structure */
	if (!msg->structure) {
		memset(&d, 0, sizeof(d));
		d.outcome = REPLY_NOT_OURS;
		return finish(run, msg, &d, 0);
	}
	if (msg->planned) {
		n = msg->n_plan;
		parts = msg->plan_parts;
	} else {
		mark(run, msg->uid, 1);
		n = reply_parts_needed(&msg->mail, &env, own);
		mark(run, msg->uid, 0);
	}
	for (int i = 0; i < n; i++) {
		enum imap_result r = imap_fetch_part(run->imap, msg, (struct inmail_part *)parts[i], &err);
		if (r == IMAP_UNREACHABLE) {
			run->res->stop = r;
			snprintf(run->res->stop_reason, sizeof(run->res->stop_reason), "%s", err.msg);
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
		mark(run, msg->uid, 1);
		reply_decide(&msg->mail, &env, &d);
		mark(run, msg->uid, 0);
	}
	return finish(run, msg, &d, 0);
}

/* Sends the invitations that REFRESH requests queued; what cannot go now waits for the next send. */
static void deliver_refreshes(struct fetch_run *run)
{
	struct outbox_result res;

	if (sender_deliver(run->ctx, run->now, 0, run->stop, run->stop_arg, &res) == 0 && res.stop != SMTP_OK)
		log_warn("%s: the invitations asked for again wait for the next send", res.stop_reason);
}

void inbox_trust(const struct config *cfg, struct reply_trust *ret)
{
	const char *label;

	memset(ret, 0, sizeof(*ret));
	ret->service = config_sender_trust(&cfg->imap, &ret->authserv_id, &label);
	ret->label = ret->service == AUTHRES_SERVICE_ID ? ret->authserv_id : label;
	ret->relays = cfg->imap.trusted_relays;
	ret->n_relays = cfg->imap.n_trusted_relays;
}

int inbox_connect(struct ctx *ctx, struct imap **ret, struct err *err)
{
	const struct server_config *sc = &ctx->cfg.imap;
	char *password = NULL;
	struct imap *im;
	enum imap_result r;
	int temporary = 0;

	if (!sc->present)
		return err_set(err, "%s has no [imap] section: answers cannot be read without it", ctx->config_path),
		       EX_CONFIG;
	if (sc->user && !(password = config_secret(sc, &temporary, err)))
		return temporary ? EX_TEMPFAIL : EX_CONFIG;
	im = imap_new(sc, password, err);
	if (password) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	if (!im)
		return EX_CONFIG;
	r = imap_connect(im, err);
	if (r != IMAP_OK) {
		imap_free(im);
		return r == IMAP_UNREACHABLE ? EX_TEMPFAIL : EX_UNAVAILABLE;
	}
	*ret = im;
	return 0;
}

int inbox_pass(struct ctx *ctx, struct imap *imap, time_t now, int (*stop)(void *arg), void *arg,
	       struct inbox_result *res)
{
	struct fetch_run run = { .mark_fd = -1 };
	struct err err = { "" };
	unsigned long stored_validity = 0, last_uid = 0;
	const char *read_all;
	uint32_t uidvalidity = 0, uidnext = 0;
	enum imap_result r;
	int rc = 0, n_read;

	memset(res, 0, sizeof(*res));
	run.ctx = ctx;
	run.imap = imap;
	run.now = now;
	run.stop = stop;
	run.stop_arg = arg;
	run.res = res;
	run.mailbox = ctx->cfg.imap.mailbox;
	inbox_trust(&ctx->cfg, &run.trust);
	/* for comparing: every new mail's structure read, as before issue 19 (the decisions are the same) */
	read_all = getenv("TOVHOLDER_READ_ALL");
	run.headers_first = !(read_all && strcmp(read_all, "1") == 0);
	if (store_load(ctx->store, &run.snap, &err) < 0 ||
	    store_mailed_addresses(ctx->store, &run.mailed, &run.n_mailed, &err) < 0 ||
	    store_mailbox_get(ctx->store, run.mailbox, &stored_validity, &last_uid, &err) < 0) {
		log_error("%s", err.msg);
		res->state_error = 1;
		rc = -1;
		goto out;
	}
	r = imap_select(imap, run.mailbox, &uidvalidity, &uidnext, &err);
	if (r != IMAP_OK) {
		res->stop = r;
		snprintf(res->stop_reason, sizeof(res->stop_reason), "cannot open mailbox '%s': %s", run.mailbox,
			 err.msg);
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
		res->no_new = 1;
		goto out;
	}
	run.saved_uid = run.last_uid = (uint32_t)last_uid;
	mark_open(&run);
	run.moves[0] = xmalloc(sizeof(*run.moves[0]) * INBOX_GROUP);
	run.moves[1] = xmalloc(sizeof(*run.moves[1]) * INBOX_GROUP);
	/* Mail that lands while a pass runs is announced in the server's replies to our commands (EXISTS), and
	 * not again by the IDLE that follows: so look again until a look finds nothing new. Measured (bench/,
	 * row 3): without this, a reply that landed during a pass waited for the next mail, or for the IDLE
	 * renewal 25 minutes later. A normal pass pays one UID SEARCH more. */
	for (int round = 0; round < INBOX_ROUNDS; round++) {
		uint32_t before = run.saved_uid;

		r = imap_fetch_new_planned(imap, before, inbox_header_fields, run.headers_first ? want : NULL,
					   plan, handle, &run, &err);
		if (r != IMAP_OK && res->stop == IMAP_OK) {
			res->stop = r;
			snprintf(res->stop_reason, sizeof(res->stop_reason), "%s", err.msg);
		}
		/* the last group; when the server went away its records are kept and its mail is read again */
		if (res->stop == IMAP_UNREACHABLE) {
			struct err cerr = { "" };

			if (run.in_tx && store_commit(ctx->store, &cerr) < 0) {
				log_error("%s", cerr.msg);
				res->state_error = 1;
			}
			drop_group(&run);
		} else {
			flush(&run);
		}
		if (res->stop != IMAP_OK || res->state_error || run.saved_uid == before ||
		    (run.stop && run.stop(run.stop_arg)))
			break;
	}
	n_read = 0;
	for (int i = 0; i < REPLY_OUTCOMES; i++)
		n_read += res->counts[i];
	if (n_read)
		log_info("read %d new mail(s): %d by their headers alone, %d in full", n_read, n_read - res->structures,
			 res->structures);
	if (res->refreshes)
		deliver_refreshes(&run);
	if (res->state_error)
		rc = -1;
out:
	if (run.mark_fd >= 0)
		close(run.mark_fd);
	free(run.moves[0]);
	free(run.moves[1]);
	compose_free(run.compose);
	store_snapshot_release(&run.snap);
	inmail_strv_free(run.mailed, run.n_mailed);
	return rc;
}
