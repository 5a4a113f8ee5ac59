/* Decisions by moving mail. Only the mailbox's own login can move mail into these folders, so the move is the
 * tovholder's word: it may record an answer whatever the mail's Authentication-Results say (the tovholder read
 * the mail, and its review reason, first). The mail itself is still outside text: it only names the person (its
 * single From address, who must be invited to the meeting) and the meeting (the thread, the calendar UID, a
 * date in it), never anything else; what it cannot name goes back to review with the reason (reason.h: in Danish
 * for the tovholder's mails). Nothing is deleted: every mail leaves a decision folder for the processed or review folder. */
#include "folders.h"
#include "afbud.h"
#include "attendance.h"
#include "buf.h"
#include "compose.h"
#include "inbox.h"
#include "itip.h"
#include "log.h"
#include "readmark.h"
#include "reason.h"
#include "reply.h"
#include "sender.h"
#include "teams.h"
#include "tmpl.h"
#include "tz.h"
#include "util.h"
#include "vis.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum folder_kind { FOLDER_DECLINE, FOLDER_ACCEPT, FOLDER_IGNORE, FOLDER_ATTENDANCE, N_FOLDERS };

struct folders_run {
	struct ctx *ctx;
	struct imap *imap;
	struct store_snapshot snap;
	time_t now;
	enum folder_kind kind;
	const char *folder;
	unsigned long uidvalidity;
	size_t seen;             /* mails handled in this folder */
	struct compose *compose; /* for the answers to Teams reports, made when first needed */
	int mark_fd;             /* '<state>.deciding' (readmark.h); -1: none */
	uint32_t poison_uid;     /* the last reader died on this UID of the folder: back to review unread; 0 none */
	int (*stop)(void *arg);
	void *stop_arg;
	struct folders_result *res;
};

/* One mail's facts, from its headers. */
struct folder_mail {
	char *message_id;        /* Message-ID, or a stand-in (folder, UIDVALIDITY, UID) */
	char *from;              /* the single address of the single From field, else NULL */
	char *subject;           /* decoded */
	time_t date;
	struct reason why;       /* back to review: why (REASON_NONE: no reason yet) */
	char reason[320];        /* the same in English, for the log and `tovholder review` */
};

/* Back to review with 'code' and as many strings as reason.c's table names for it. */
static void refuse(struct folder_mail *fm, enum reason_code code, ...)
{
	va_list ap;

	va_start(ap, code);
	reason_vexplain(&fm->why, fm->reason, sizeof(fm->reason), code, ap);
	va_end(ap);
}

static void refuse_clear(struct folder_mail *fm)
{
	fm->why.code = REASON_NONE;
	fm->reason[0] = '\0';
}

static const char *answer_of(enum folder_kind k)
{
	return k == FOLDER_DECLINE ? "afbud" : "tilsagn";
}

static const struct store_meeting *meeting_by_id(const struct store_snapshot *snap, long long id)
{
	for (size_t i = 0; i < snap->n; i++)
		if (snap->meetings[i].id == id)
			return &snap->meetings[i];
	return NULL;
}

static const struct store_invitation *invited(const struct store_meeting *mt, const char *email)
{
	for (size_t i = 0; email && i < mt->n_inv; i++)
		if (mt->inv[i].invited && strcmp(mt->inv[i].email, email) == 0)
			return &mt->inv[i];
	return NULL;
}

/* When the meeting begins (UTC); 0 when it cannot be worked out. */
static time_t meeting_start(const struct ctx *ctx, const struct store_meeting *mt)
{
	time_t start;
	int y, m, d;

	if (util_parse_date(mt->date, &y, &m, &d) < 0 ||
	    tz_local_to_utc(ctx->cfg.timezone, y, m, d, mt->start_min, &start, NULL) < 0)
		return 0;
	return start;
}

static void mail_read(struct folders_run *run, const struct imap_msg *msg, struct folder_mail *fm)
{
	struct inmail_addr *a = NULL;
	char **ids = NULL;
	size_t n = 0, n_from_fields = 0;
	const char *subject = inmail_header(&msg->mail, "Subject");

	memset(fm, 0, sizeof(*fm));
	inmail_parse_msgids(inmail_header(&msg->mail, "Message-ID"), &ids, &n);
	fm->message_id = n ? xstrdup(ids[0])
			   : xasprintf("imap-%lu-%u@%s", run->uidvalidity, msg->uid, run->folder);
	inmail_strv_free(ids, n);
	for (size_t i = 0; i < msg->mail.root.n_headers; i++)
		n_from_fields += strcasecmp(msg->mail.root.headers[i].name, "From") == 0;
	inmail_parse_address_list(inmail_header(&msg->mail, "From"), &a, &n);
	if (n_from_fields == 1 && n == 1)
		fm->from = xstrdup(a[0].addr);
	inmail_addrs_free(a, n);
	fm->subject = subject ? inmail_decode_words(subject) : xstrdup("");
	fm->date = inmail_parse_date(inmail_header(&msg->mail, "Date"));
	if (fm->date <= 0)
		fm->date = msg->received > 0 ? msg->received : run->now;
}

static void mail_release(struct folder_mail *fm)
{
	free(fm->message_id);
	free(fm->from);
	free(fm->subject);
}

/* The body of one part, decoded (transfer encoding only when !text), or NULL: the reason is in fm (a part that
 * cannot be fetched), or res->stop when the server went away. */
static char *part_body(struct folders_run *run, struct imap_msg *msg, const struct inmail_part *p, int text,
		       size_t *ret_len, struct folder_mail *fm)
{
	struct err err = { "" };
	enum imap_result r = imap_fetch_part(run->imap, msg, (struct inmail_part *)p, &err);
	char *body;

	if (r != IMAP_OK) {
		if (r == IMAP_UNREACHABLE) {
			run->res->stop = r;
			snprintf(run->res->stop_reason, sizeof(run->res->stop_reason), "%s", err.msg);
		}
		refuse(fm, REASON_FOLDER_PART_FETCH, err.msg);
		return NULL;
	}
	body = text ? inmail_part_text(p, &err) : inmail_part_decode(p, ret_len, &err);
	if (!body)
		refuse(fm, REASON_FOLDER_PART_READ, err.msg);
	else if (text && ret_len)
		*ret_len = strlen(body);
	return body;
}

/* ---- Afbud, Tilsagn ---- */

/* The meeting named by the calendar part's UID, if the mail has one we can read. */
static const struct store_meeting *calendar_meeting(struct folders_run *run, struct imap_msg *msg,
						    struct folder_mail *fm)
{
	const struct inmail_part *cal = inmail_find_calendar(&msg->mail);
	const struct store_meeting *mt = NULL;
	struct itip_reply r = { 0 };
	struct err err = { "" };
	char *text;

	if (!cal || !(text = part_body(run, msg, cal, 1, NULL, fm)))
		return NULL;
	if (itip_parse(text, strlen(text), &r, &err) == 0 && r.uid)
		for (size_t i = 0; i < run->snap.n && !mt; i++)
			if (strcmp(run->snap.meetings[i].uid, r.uid) == 0)
				mt = &run->snap.meetings[i];
	itip_reply_release(&r);
	free(text);
	refuse_clear(fm);   /* an unreadable calendar part only means: look further */
	return mt;
}

/* What the text says: the dates it names and, for an afbud, the colleague who comes instead. */
static void text_read(struct folders_run *run, struct imap_msg *msg, struct folder_mail *fm,
		      struct afbud_result *res)
{
	int is_html = 0;
	const struct inmail_part *p = inmail_find_text(&msg->mail, &is_html);
	char *text;

	memset(res, 0, sizeof(*res));
	if (!p || !(text = part_body(run, msg, p, 1, NULL, fm))) {
		refuse_clear(fm);
		afbud_classify(fm->subject, NULL, res);
		return;
	}
	reply_classify_text(fm->subject, text, is_html, res);
}

/* The one meeting the dates name; NULL with fm->reason when they name several, NULL alone when none. */
static const struct store_meeting *date_meeting(const struct folders_run *run, const struct afbud_result *res,
						struct folder_mail *fm)
{
	const struct store_meeting *found = NULL;
	int matches = 0;

	for (size_t i = 0; i < run->snap.n; i++) {
		const struct store_meeting *mt = &run->snap.meetings[i];
		int y, mo, d, hit = 0;

		if (util_parse_date(mt->date, &y, &mo, &d) < 0)
			continue;
		for (size_t j = 0; j < res->n_dates; j++)
			hit |= res->dates[j].day == d && res->dates[j].month == mo &&
			       (res->dates[j].year == 0 || res->dates[j].year == y);
		if (hit) {
			found = mt;
			matches++;
		}
	}
	if (matches > 1) {
		char n[24];
		snprintf(n, sizeof(n), "%d", matches);
		refuse(fm, REASON_DATES_SEVERAL, n);
		return NULL;
	}
	return found;
}

/* The person's next meeting: not cancelled, not over, and they hold the invitation. */
static const struct store_meeting *next_meeting(const struct folders_run *run, const char *email)
{
	for (size_t i = 0; i < run->snap.n; i++) {
		const struct store_meeting *mt = &run->snap.meetings[i];
		time_t start = meeting_start(run->ctx, mt);

		if (!mt->cancelled && start && start + 86400 > run->now && invited(mt, email))
			return mt;
	}
	return NULL;
}

/* The meeting the mail answers: the thread of our invitation, else the calendar UID in it, else the one meeting
 * its dates name, else the sender's next meeting. NULL with fm->reason (or res->stop) when none. */
static const struct store_meeting *decision_meeting(struct folders_run *run, struct imap_msg *msg,
						    struct folder_mail *fm, struct afbud_result *text)
{
	const struct store_meeting *mt = meeting_by_id(&run->snap, inbox_thread_meeting(run->ctx->store, &msg->mail));

	if (!mt)
		mt = calendar_meeting(run, msg, fm);
	if (run->res->stop != IMAP_OK)
		return NULL;
	text_read(run, msg, fm, text);
	if (run->res->stop != IMAP_OK)
		return NULL;
	if (!mt && !(mt = date_meeting(run, text, fm)) && fm->reason[0])
		return NULL;
	if (!mt && !(mt = next_meeting(run, fm->from)))
		refuse(fm, REASON_FOLDER_NO_MEETING, fm->from);
	return mt;
}

static int invitee_anywhere(const struct folders_run *run, const char *email)
{
	for (size_t i = 0; i < run->snap.n; i++)
		if (invited(&run->snap.meetings[i], email))
			return 1;
	return 0;
}

/* Records the answer; 1 done, 0 back to review (fm->reason), -1 state error (in err). */
static int decide(struct folders_run *run, struct imap_msg *msg, struct folder_mail *fm, struct err *err)
{
	struct afbud_result text = { 0 };
	struct store_answer a = { 0 };
	const struct store_meeting *mt;
	int rc = 0;

	if (!fm->from) {
		refuse(fm, REASON_FOLDER_NO_SENDER, run->folder);
		return 0;
	}
	if (!invitee_anywhere(run, fm->from)) {
		refuse(fm, REASON_FOLDER_STRANGER, run->folder, fm->from);
		return 0;
	}
	if (!(mt = decision_meeting(run, msg, fm, &text)))
		goto out;
	if (mt->cancelled) {
		refuse(fm, REASON_FOLDER_CANCELLED, run->folder, mt->date);
		goto out;
	}
	if (!invited(mt, fm->from)) {
		refuse(fm, REASON_FOLDER_NOT_INVITED, run->folder, fm->from, mt->date);
		goto out;
	}
	a = (struct store_answer){ mt->id, fm->from, answer_of(run->kind), "manuel", run->now,
				  run->kind == FOLDER_DECLINE ? text.substitute : NULL, NULL, fm->message_id, 1 };
	rc = -1;
	if (store_answer_put(run->ctx->store, &a, err) < 0 ||
	    store_bounce_clear(run->ctx->store, fm->from, (time_t)INT64_MAX, err) < 0)
		goto out;
	log_info("'%s' uid %u: %s answered %s for %s (manuel, moved there by the tovholder)%s%s", run->folder,
		 msg->uid, fm->from, a.answer, mt->date, a.substitute ? ", substitute " : "",
		 a.substitute ? a.substitute : "");
	rc = 1;
out:
	afbud_result_release(&text);
	return rc;
}

/* ---- Fremmøde: the Teams attendance report ---- */

static int is_csv(const struct inmail_part *p)
{
	static const char *const names[] = { "filename", "name" };

	if (inmail_part_is(p, "text", "csv"))
		return 1;
	for (size_t i = 0; i < 2; i++) {
		const char *v = inmail_part_param(p, names[i]);
		size_t n = v ? strlen(v) : 0;

		if (n >= 4 && strcasecmp(v + n - 4, ".csv") == 0)
			return 1;
	}
	return 0;
}

/* The .csv parts, anywhere in the tree (a forwarded report sits inside the forwarded message): the first
 * FOLDERS_MAX_REPORTS into ret, all of them counted in *total (the MIME tree itself is capped by inmail). */
static void find_csv(const struct inmail_part *p, const struct inmail_part **ret, size_t *n, size_t *total)
{
	if (!p->n_children && !p->message && is_csv(p)) {
		if (*n < FOLDERS_MAX_REPORTS)
			ret[(*n)++] = p;
		(*total)++;
		return;
	}
	for (size_t i = 0; i < p->n_children; i++)
		find_csv(&p->children[i], ret, n, total);
	if (p->message)
		find_csv(p->message, ret, n, total);
}

/* The meeting a report is of: the one held on the report's own day, else (no day in it) the latest that has
 * begun. NULL with fm->reason when its day is no meeting's, or fits two (3/5 and 5/3). */
static const struct store_meeting *report_meeting(const struct folders_run *run, const struct teams_report *r,
						  struct folder_mail *fm)
{
	const struct store_meeting *found = NULL, *latest = NULL;
	int matches = 0, dated = 0;

	for (size_t i = 0; i < run->snap.n; i++) {
		const struct store_meeting *mt = &run->snap.meetings[i];
		time_t start = meeting_start(run->ctx, mt);
		int y, m, d, hit;

		if (mt->cancelled || !start || start > run->now || util_parse_date(mt->date, &y, &m, &d) < 0)
			continue;
		latest = mt;
		hit = r->day_stamp[0] ? teams_date_matches(r->day_stamp, y, m, d) : -1;
		dated |= hit >= 0;
		if (hit == 1) {
			found = mt;
			matches++;
		}
	}
	if (!dated && !found)
		found = latest;
	char n[24];
	snprintf(n, sizeof(n), "%d", matches);
	if (matches > 1)
		refuse(fm, REASON_REPORT_AMBIGUOUS, r->day_stamp, n);
	else if (!found && dated)
		refuse(fm, REASON_REPORT_NO_MEETING_DAY, r->day_stamp);
	else if (!found)
		refuse(fm, REASON_REPORT_NO_MEETING);
	return matches > 1 ? NULL : found;
}

struct reports {
	const struct inmail_part *parts[FOLDERS_MAX_REPORTS];
	char *data[FOLDERS_MAX_REPORTS];
	size_t len[FOLDERS_MAX_REPORTS];
	const char *names[FOLDERS_MAX_REPORTS];
	struct teams_report rs[FOLDERS_MAX_REPORTS];
	size_t n;
};

static void reports_release(struct reports *rp)
{
	for (size_t i = 0; i < rp->n; i++) {
		free(rp->data[i]);
		teams_report_release(&rp->rs[i]);
	}
}

/* Parses every report against mt (NULL: no meeting yet). 0, or -1 with fm->reason. */
static int reports_parse(struct folders_run *run, struct reports *rp, const struct store_meeting *mt,
			 struct folder_mail *fm)
{
	struct teams_meeting tm;

	if (mt)
		attendance_teams_meeting(run->ctx->cfg.timezone, mt, &tm);
	for (size_t i = 0; i < rp->n; i++) {
		struct err err = { "" };

		teams_report_release(&rp->rs[i]);
		if (teams_parse(rp->data[i], rp->len[i], mt ? &tm : NULL, &rp->rs[i], &err) < 0) {
			refuse(fm, REASON_REPORT_UNREADABLE, rp->names[i], err.msg);
			return -1;
		}
		if (mt && rp->rs[i].day_ok == 0) {
			refuse(fm, REASON_REPORT_WRONG_DAY, rp->names[i], rp->rs[i].day_stamp, mt->date);
			return -1;
		}
	}
	return 0;
}

/* ---- the answer to the tovholder: what each row of the report became ---- */

struct answer_lists {
	char **v[3];             /* fundet, gaester, ikke_placeret: made visible (outside text) */
	size_t n[3];
	size_t invitees;         /* of fundet, the invitees (not the organizer) */
};

enum { L_FOUND, L_GUESTS, L_UNPLACED };

static void list_add(struct answer_lists *l, int which, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void list_add(struct answer_lists *l, int which, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b);
	va_start(ap, fmt);
	vis_vaddf(&b, fmt, ap);
	va_end(ap);
	l->v[which] = xrealloc(l->v[which], (l->n[which] + 1) * sizeof(char *));
	l->v[which][l->n[which]++] = buf_detach(&b, NULL);
}

static void lists_of(const struct store_meeting *mt, const struct ctx *ctx, const struct teams_report *r,
		     struct answer_lists *l)
{
	struct attendance_match *m = xcalloc(r->n + 1, sizeof(*m));

	attendance_match(r, mt, &ctx->roster, ctx->cfg.organizer_email, m);
	for (size_t i = 0; i < r->n; i++) {
		const struct teams_participant *p = &r->people[i];
		const char *name = p->name[0] ? p->name : p->email;

		switch (m[i].how) {
		case ATTENDANCE_BY_EMAIL:
		case ATTENDANCE_BY_NAME:
			l->invitees++;
			list_add(l, L_FOUND, "%s%s%s%s – i rapporten: %s (%s)", m[i].inv->name, m[i].inv->org[0] ? " (" : "",
				 m[i].inv->org, m[i].inv->org[0] ? ")" : "", name,
				 m[i].how == ATTENDANCE_BY_EMAIL ? "fundet på e-mailadressen" : "fundet på navnet");
			break;
		case ATTENDANCE_ORGANIZER:
			list_add(l, L_FOUND, "%s – arrangør", name);
			break;
		case ATTENDANCE_GUEST:
			list_add(l, L_GUESTS, "%s%s%s%s", name, p->email[0] && p->name[0] ? " <" : "",
				 p->email[0] && p->name[0] ? p->email : "", p->email[0] && p->name[0] ? ">" : "");
			break;
		case ATTENDANCE_AMBIGUOUS:
			list_add(l, L_UNPLACED, "linje %d: %s – navnet passer på flere af de inviterede", p->line, name);
			break;
		}
	}
	for (size_t i = 0; i < r->n_bad; i++) {
		/* the row as written, its TAB-separated cells (Teams' own format) as a reader sees them */
		char *row = xstrdup(r->bad[i].text);

		for (char *t = row; (t = strchr(t, '\t'));)
			*t = ';';
		list_add(l, L_UNPLACED, "linje %d kunne ikke læses: %s", r->bad[i].line, row);
		free(row);
	}
	attendance_matches_free(m, r->n);
}

/* Queues the answer with the import (the caller's transaction). 0, or -1 with err. */
static int answer(struct folders_run *run, const struct store_meeting *mt, const struct reports *rp,
		  const struct folder_mail *fm, struct err *err)
{
	static const char *const names[3] = { "fundet", "gaester", "ikke_placeret" };
	struct answer_lists l = { 0 };
	struct tmpl_vars *v = tmpl_vars_new();
	struct buf files;
	char count[24];
	int rc;

	buf_init(&files);
	for (size_t i = 0; i < rp->n; i++) {
		lists_of(mt, run->ctx, &rp->rs[i], &l);
		vis_addf(&files, "%s%s", i ? ", " : "", rp->names[i]);
	}
	for (int k = 0; k < 3; k++)
		tmpl_set_list(v, names[k], (const char *const *)l.v[k], l.n[k]);
	/* a heading once: a list's own section repeats per item */
	tmpl_set(v, "har_gaester", l.n[L_GUESTS] ? "ja" : NULL);
	tmpl_set(v, "har_ikke_placeret", l.n[L_UNPLACED] ? "ja" : NULL);
	tmpl_set(v, "rapport", files.data);
	snprintf(count, sizeof(count), "%zu", l.invitees);
	tmpl_set(v, "antal_fundet", count);
	snprintf(count, sizeof(count), "%zu", l.n[L_UNPLACED]);
	tmpl_set(v, "antal_ikke_placeret", count);
	rc = sender_queue_import(run->ctx, &run->compose, mt, fm->message_id, v, run->now, err);
	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < l.n[k]; i++)
			free(l.v[k][i]);
		free(l.v[k]);
	}
	buf_release(&files);
	tmpl_vars_free(v);
	return rc < 0 ? -1 : 0;
}

/* Imports the mail's reports; 1 done, 0 back to review (fm->reason), -1 state error (in err). */
static int import(struct folders_run *run, struct imap_msg *msg, struct folder_mail *fm, struct err *err)
{
	struct reports rp;
	const struct store_meeting *mt = NULL;
	size_t people = 0, bad = 0, total = 0;
	int rc = 0;

	memset(&rp, 0, sizeof(rp));
	find_csv(&msg->mail.root, rp.parts, &rp.n, &total);
	if (!rp.n) {
		refuse(fm, REASON_REPORT_NONE, run->folder);
		return 0;
	}
	if (total > FOLDERS_MAX_REPORTS) {
		char max[16];

		snprintf(max, sizeof(max), "%d", FOLDERS_MAX_REPORTS);
		refuse(fm, REASON_REPORT_TOO_MANY, run->folder, max);
		return 0;
	}
	for (size_t i = 0; i < rp.n; i++) {
		const char *name = inmail_part_param(rp.parts[i], "filename");

		rp.names[i] = name ? name : inmail_part_param(rp.parts[i], "name") ? inmail_part_param(rp.parts[i], "name")
										  : "rapport.csv";
		if (rp.parts[i]->size > TEAMS_MAX_INPUT * 2) {
			char mb[24];
			snprintf(mb, sizeof(mb), "%zu", rp.parts[i]->size >> 20);
			refuse(fm, REASON_REPORT_TOO_LARGE, rp.names[i], mb);
			goto out;
		}
		if (!(rp.data[i] = part_body(run, msg, rp.parts[i], 0, &rp.len[i], fm)))
			goto out;
	}
	/* first without a meeting, for the report's own day; then against the meeting it is of */
	if (reports_parse(run, &rp, NULL, fm) < 0 || !(mt = report_meeting(run, &rp.rs[0], fm)) ||
	    reports_parse(run, &rp, mt, fm) < 0)
		goto out;
	rc = -1;
	if (attendance_import(run->ctx->store, mt, &run->ctx->roster, run->ctx->cfg.organizer_email, rp.names, rp.rs,
			      rp.n, NULL, err) < 0 || answer(run, mt, &rp, fm, err) < 0)
		goto out;
	for (size_t i = 0; i < rp.n; i++) {
		people += rp.rs[i].n;
		bad += rp.rs[i].n_bad;
	}
	log_info("'%s' uid %u: Teams report%s imported for %s: %zu participant%s, %zu row%s not understood "
		 "(see 'tovholder fremmøde %s')", run->folder, msg->uid, rp.n == 1 ? "" : "s", mt->date, people,
		 people == 1 ? "" : "s", bad, bad == 1 ? "" : "s", mt->date);
	rc = 1;
out:
	reports_release(&rp);
	return rc;
}

/* ---- the pass ---- */

static const char *const folder_words[N_FOLDERS] = { "afbud", "tilsagn", "ignore", "attendance" };

/* Records what the mail comes to (one transaction) and moves it. 0 to go on, 1 to stop. */
static int handle(struct imap_msg *msg, void *arg)
{
	struct folders_run *run = arg;
	const struct config *cfg = &run->ctx->cfg;
	struct store *st = run->ctx->store;
	struct folder_mail fm;
	struct err err = { "" };
	const char *to = cfg->imap.processed;
	enum imap_result r;
	int done = 1;

	if ((run->stop && run->stop(run->stop_arg)) || run->seen++ >= FOLDERS_PER_PASS)
		return 1;
	mail_read(run, msg, &fm);
	if (store_begin(st, &err) < 0)
		goto state;
	if (msg->uid == run->poison_uid && run->kind != FOLDER_IGNORE) {
		/* a mail that stops the reader is read once: the tovholder may have moved it here from review */
		log_warn("'%s' uid %u: the last reading of this mail stopped (a crash, or too long): back to review, "
			 "unread", run->folder, msg->uid);
		refuse(&fm, REASON_POISON);
		done = 0;
	} else if (run->kind != FOLDER_IGNORE) {
		readmark_mark(run->mark_fd, run->uidvalidity, msg->uid, run->folder, 1);
		done = run->kind == FOLDER_ATTENDANCE ? import(run, msg, &fm, &err) : decide(run, msg, &fm, &err);
		readmark_mark(run->mark_fd, run->uidvalidity, msg->uid, run->folder, 0);
	}
	if (run->res->stop != IMAP_OK) {
		store_rollback(st);
		mail_release(&fm);
		return 1;
	}
	if (done < 0 || store_review_forget(st, fm.message_id, &err) < 0)
		goto state;
	if (done == 0) {
		char *args = reason_args_join(&fm.why);
		struct store_review rv = { 0, fm.message_id, fm.from ? fm.from : "", fm.subject, fm.date, fm.reason,
					   (char *)reason_key(fm.why.code), args };
		int added = store_review_add(st, &rv, &err);

		free(args);
		if (added < 0)
			goto state;
		to = cfg->imap.review;
		log_info("'%s' uid %u from %s: back to review: %s", run->folder, msg->uid, fm.from ? fm.from : "?",
			 fm.reason);
	} else if (run->kind == FOLDER_IGNORE) {
		log_info("'%s' uid %u from %s: ignored by the tovholder (%s)", run->folder, msg->uid,
			 fm.from ? fm.from : "?", fm.message_id);
	}
	if (store_commit(st, &err) < 0)
		goto state;
	r = imap_move(run->imap, msg->uid, to, &err);
	if (r != IMAP_OK) {
		run->res->stop = r;
		snprintf(run->res->stop_reason, sizeof(run->res->stop_reason), "cannot move uid %u from '%s' to '%s': %s",
			 msg->uid, run->folder, to, err.msg);
		mail_release(&fm);
		return 1;
	}
	if (done == 0)
		run->res->returned++;
	else if (run->kind == FOLDER_ATTENDANCE)
		run->res->reports++;
	else if (run->kind == FOLDER_IGNORE)
		run->res->ignored++;
	else
		run->res->answers++;
	mail_release(&fm);
	return 0;
state:
	store_rollback(st);
	log_error("'%s' uid %u (%s): %s", run->folder, msg->uid, folder_words[run->kind], err.msg);
	run->res->state_error = 1;
	mail_release(&fm);
	return 1;
}

static void stopped(struct folders_result *res, enum imap_result r, const char *what, const char *folder,
		    const struct err *err)
{
	res->stop = r;
	snprintf(res->stop_reason, sizeof(res->stop_reason), "cannot %s folder '%s': %s", what, folder, err->msg);
}

int folders_pass(struct ctx *ctx, struct imap *imap, time_t now, int (*stop)(void *arg), void *arg,
		 struct folders_result *res)
{
	const struct server_config *sc = &ctx->cfg.imap;
	const char *const decision[N_FOLDERS] = { sc->decline, sc->accept, sc->ignore, sc->attendance };
	const char *const tree[] = { sc->processed, sc->review, sc->decline, sc->accept, sc->ignore, sc->attendance };
	struct folders_run run = { 0 };
	struct err err = { "" };
	enum imap_result r = IMAP_OK;

	memset(res, 0, sizeof(*res));
	if (store_load(ctx->store, &run.snap, &err) < 0) {
		log_error("%s", err.msg);
		res->state_error = 1;
		return -1;
	}
	run.ctx = ctx;
	run.imap = imap;
	run.mark_fd = readmark_open(ctx->cfg.state_path, ".deciding");
	run.now = now;
	run.stop = stop;
	run.stop_arg = arg;
	run.res = res;
	/* the whole tree at once, so the tovholder finds every folder from the first start (one LIST when they
	 * share a parent) */
	if ((r = imap_ensure_folders(imap, tree, sizeof(tree) / sizeof(tree[0]), &err)) != IMAP_OK)
		stopped(res, r, "create", sc->processed, &err);   /* err names the folder that failed */
	for (int k = 0; k < N_FOLDERS && res->stop == IMAP_OK && !res->state_error; k++) {
		uint32_t uidvalidity = 0, uidnext = 0;

		if ((r = imap_select(imap, decision[k], &uidvalidity, &uidnext, &err)) != IMAP_OK) {
			stopped(res, r, "open", decision[k], &err);
			break;
		}
		/* an empty folder has nothing to decide: no search */
		if (!imap_selected_exists(imap))
			continue;
		run.poison_uid = readmark_dead(run.mark_fd, uidvalidity, 0, decision[k]);
		run.kind = (enum folder_kind)k;
		run.folder = decision[k];
		run.uidvalidity = uidvalidity;
		run.seen = 0;
		/* every mail there: each leaves the folder once handled, so there is no position to keep */
		r = imap_fetch_new(imap, 0, inbox_header_fields, handle, &run, &err);
		if (r != IMAP_OK && res->stop == IMAP_OK)
			stopped(res, r, "read", decision[k], &err);
		if (stop && stop(arg))
			break;
	}
	if (run.mark_fd >= 0)
		close(run.mark_fd);
	compose_free(run.compose);
	store_snapshot_release(&run.snap);
	return res->state_error ? -1 : 0;
}
