/* Reading replies. The rules come from imip-interop.md §0: take METHOD from the body, find the event by UID
 * and the person by ATTENDEE, never gate on iTIP restrictions; and from the coordinators' practice: a reply
 * counts only when the mail comes from the person it speaks for, and anything unclear goes to a human. */
#include "reply.h"
#include "afbud.h"
#include "autoreply.h"
#include "bounce.h"
#include "html.h"
#include "itip.h"
#include "reason.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void review(struct reply_decision *d, enum reason_code code, ...);
static void explain(struct reply_decision *d, enum reason_code code, ...);

static const struct store_meeting *meeting_by_id(const struct reply_env *env, long long id)
{
	for (size_t i = 0; i < env->sent->n; i++)
		if (env->sent->meetings[i].id == id)
			return &env->sent->meetings[i];
	return NULL;
}

static const struct store_meeting *meeting_by_uid(const struct reply_env *env, const char *uid)
{
	for (size_t i = 0; i < env->sent->n; i++)
		if (strcmp(env->sent->meetings[i].uid, uid) == 0)
			return &env->sent->meetings[i];
	return NULL;
}

static const struct store_invitation *invitation(const struct store_meeting *mt, const char *email)
{
	for (size_t i = 0; email && i < mt->n_inv; i++)
		if (strcmp(mt->inv[i].email, email) == 0)
			return &mt->inv[i];
	return NULL;
}

/* Was this address ever sent one of our invitations? */
static int invitee(const struct reply_env *env, const char *email)
{
	for (size_t i = 0; email && i < env->sent->n; i++)
		if (invitation(&env->sent->meetings[i], email))
			return 1;
	return 0;
}

/* Ours to read: in a thread of ours, or From (any of its addresses) or Reply-To names an invitee. Who may
 * change an answer is decided later (struct sender); a forgery that names a member is ours to put in review. */
static int relevant(const struct inmail *m, const struct reply_env *env)
{
	struct inmail_addr *from = NULL;
	size_t n_from = 0;
	char *reply_to = inmail_first_address(m, "Reply-To");
	int r = env->thread_meeting_id || invitee(env, reply_to);

	inmail_parse_address_list(inmail_header(m, "From"), &from, &n_from);
	for (size_t i = 0; i < n_from && !r; i++)
		r = invitee(env, from[i].addr);
	inmail_addrs_free(from, n_from);
	free(reply_to);
	return r;
}

/* ---- may it be ours? (from the header fields alone) ------------------------------------------------------ */

/* The top level as its Content-Type and Content-Disposition fields describe it: a calendar, a report, or the
 * shape of a bounce. A view of the mail whose root borrows m's header fields and takes its type from them,
 * without children, asks inmail_find_calendar and bounce_shape what they would say of a mail without parts
 * below the top; every Content-Type field is tried (a server may read another one than the first). */
static int top_level_hint(const struct inmail *m)
{
	const char *disposition = inmail_header(m, "Content-Disposition");
	struct inmail view;
	int r = 0, tried = 0;

	inmail_init(&view);
	view.root.headers = m->root.headers;
	view.root.n_headers = m->root.n_headers;
	for (size_t i = 0; i <= m->root.n_headers && !r; i++) {
		if (i < m->root.n_headers ? strcasecmp(m->root.headers[i].name, "Content-Type") != 0 : tried)
			continue;
		tried = 1;
		inmail_part_set_content_type(&view.root, i < m->root.n_headers ? m->root.headers[i].value : NULL);
		if (disposition)
			inmail_part_set_disposition(&view.root, disposition);
		r = inmail_find_calendar(&view) || inmail_part_is(&view.root, "multipart", "report") ||
		    bounce_shape(&view);
	}
	view.root.headers = NULL;   /* m's */
	view.root.n_headers = 0;
	inmail_release(&view);
	return r;
}

/* An address of header 'name' (every one) that is an invitee, or that our outbox mailed. */
static int known_address(const struct inmail *m, const struct reply_env *env, const char *name)
{
	struct inmail_addr *a = NULL;
	size_t n = 0;
	int r = 0;

	inmail_parse_address_list(inmail_header(m, name), &a, &n);
	for (size_t i = 0; i < n && !r; i++)
		r = invitee(env, a[i].addr) || (env->known && env->known(env->lookup_arg, a[i].addr));
	inmail_addrs_free(a, n);
	return r;
}

/* The decoded Subject names the title (SUMMARY) of a meeting we sent: "Accepteret: <title>", "Afbud: <title>",
 * "VS: <title>". */
static int names_our_title(const struct inmail *m, const struct reply_env *env)
{
	const char *subject = inmail_header(m, "Subject");
	const char *last = NULL;
	char *decoded, *lower;
	int r = 0;

	if (!subject)
		return 0;
	decoded = inmail_decode_words(subject);
	lower = afbud_lower(decoded);
	for (size_t i = 0; i < env->sent->n && !r; i++) {
		const char *title = env->sent->meetings[i].summary;
		char *t, *key;
		if (!title || (last && strcmp(last, title) == 0))
			continue;
		last = title;
		t = afbud_lower(title);
		key = util_trim(t);
		r = *key && strstr(lower, key);
		free(t);
	}
	free(lower);
	free(decoded);
	return r;
}

int reply_may_be_ours(const struct inmail *m, const struct reply_env *env)
{
	return relevant(m, env) || known_address(m, env, "From") || known_address(m, env, "Reply-To") ||
	       known_address(m, env, "Sender") || top_level_hint(m) || names_our_title(m, env);
}

/* ---- who the mail speaks for ------------------------------------------------------------------------------ */

/* Who may change an answer with this mail: the single address of its single From field (RFC 5322 §3.6.2: the
 * author), or behind a relay the organizer trusts (Nextcloud's invitations-noreply) the single Reply-To
 * address; and only when the organizer's mail service, if there is one to ask, confirms the From domain.
 * Reply-To alone and Sender are not evidence: anyone can write them (Google's calendar sets Sender to its own
 * robot, so a Sender unlike From is normal and ignored). */
struct sender {
	int n_from_fields;   /* From header fields in the mail */
	size_t n_from;       /* addresses in the first */
	char *from;          /* the single From address, else NULL */
	char *reply_to;      /* the single Reply-To address, else NULL */
	char *person;        /* from, or reply_to behind a trusted relay; NULL when there is none */
	int confirmed;       /* the service confirmed the From domain (or there is no service to ask) */
	struct reason why;   /* when !confirmed: why */
};

static int count_fields(const struct inmail *m, const char *name)
{
	int n = 0;

	for (size_t i = 0; i < m->root.n_headers; i++)
		n += strcasecmp(m->root.headers[i].name, name) == 0;
	return n;
}

static char *single_address(const struct inmail *m, const char *name, size_t *ret_n)
{
	struct inmail_addr *a = NULL;
	size_t n = 0;
	char *addr = NULL;

	inmail_parse_address_list(inmail_header(m, name), &a, &n);
	if (n == 1)
		addr = xstrdup(a[0].addr);
	if (ret_n)
		*ret_n = n;
	inmail_addrs_free(a, n);
	return addr;
}

/* Does the organizer's own mail service vouch for the From domain? Only the field it added counts
 * (authres_find); one the sender wrote sits below it and is never read. */
static void authenticate(const struct inmail *m, const struct reply_env *env, struct sender *s)
{
	const struct reply_trust *t = env->trust;
	const char *values[AUTHRES_MAX_FIELDS];
	const char *label = t && t->label ? t->label : "?";
	size_t nv = 0;
	struct authres *a;

	s->confirmed = 1;
	if (!t || t->service == AUTHRES_SERVICE_NONE || !s->from)
		return;
	for (size_t i = 0; i < m->root.n_headers && nv < AUTHRES_MAX_FIELDS; i++)
		if (strcasecmp(m->root.headers[i].name, "Authentication-Results") == 0)
			values[nv++] = m->root.headers[i].value;
	a = xmalloc(sizeof(*a));
	s->confirmed = 0;
	if (authres_find(values, nv, t->service, t->authserv_id, a) < 0) {
		reason_set(&s->why, REASON_AUTH_UNREADABLE, label);
	} else {
		const char *domain = util_email_domain(s->from);
		switch (authres_verdict(a, domain, NULL, 0)) {
		case AUTHRES_CONFIRMED:
			s->confirmed = 1;
			break;
		case AUTHRES_DMARC_FAIL:
			reason_set(&s->why, REASON_AUTH_DMARC_FAIL, label, domain);
			break;
		case AUTHRES_UNALIGNED:
			reason_set(&s->why, REASON_AUTH_UNALIGNED, label, domain);
			break;
		}
	}
	free(a);
}

static void sender_read(const struct inmail *m, const struct reply_env *env, struct sender *s)
{
	memset(s, 0, sizeof(*s));
	s->n_from_fields = count_fields(m, "From");
	s->from = single_address(m, "From", &s->n_from);
	s->reply_to = single_address(m, "Reply-To", NULL);
	if (s->n_from_fields > 1) {
		free(s->from);
		s->from = NULL;
	}
	if (s->from) {
		s->person = s->from;
		for (size_t i = 0; env->trust && i < env->trust->n_relays; i++)
			if (strcmp(s->from, env->trust->relays[i]) == 0)
				s->person = s->reply_to;
	}
	authenticate(m, env, s);
}

static void sender_release(struct sender *s)
{
	free(s->from);
	free(s->reply_to);
	memset(s, 0, sizeof(*s));
}

/* 1 when the mail may change the answer of 'email' (an invitee), else 0 with d in review and the reason. */
static int speaks_for(const struct sender *s, const char *email, struct reply_decision *d)
{
	char n[24];

	if (s->n_from_fields > 1) {
		snprintf(n, sizeof(n), "%d", s->n_from_fields);
		review(d, REASON_FROM_FIELDS, n);
		return 0;
	}
	if (s->n_from > 1) {
		snprintf(n, sizeof(n), "%zu", s->n_from);
		review(d, REASON_FROM_ADDRESSES, n);
		return 0;
	}
	if (!s->person || strcmp(s->person, email) != 0) {
		if (s->reply_to && strcmp(s->reply_to, email) == 0)
			review(d, REASON_REPLY_TO_ONLY, email, s->from ? s->from : "ingen");
		else if (s->from)
			review(d, REASON_FORGERY, email, s->from);
		else
			review(d, REASON_FORGERY_NO_FROM, email);
		return 0;
	}
	if (!s->confirmed) {
		d->outcome = REPLY_REVIEW;
		d->why = s->why;
		reason_text(&d->why, 0, d->reason, sizeof(d->reason));
		return 0;
	}
	return 1;
}

/* 1 when 'email' holds the invitation to mt, else 0 with d in review: never invited, or invited no more. */
static int still_invited(const struct store_meeting *mt, const char *email, struct reply_decision *d)
{
	const struct store_invitation *inv = invitation(mt, email);

	if (!inv) {
		review(d, REASON_NOT_INVITED, email, mt->date);
		return 0;
	}
	if (!inv->invited) {
		review(d, REASON_NO_LONGER_INVITED, email, mt->date);
		return 0;
	}
	return 1;
}

int reply_parts_needed(const struct inmail *m, const struct reply_env *env, const struct inmail_part **ret_parts)
{
	_Static_assert(BOUNCE_MAX_PARTS <= REPLY_MAX_PARTS, "reply_parts_needed names every part bounce_read reads");
	const struct inmail_part *p;
	int is_html;

	if (!reply_may_be_ours(m, env))
		return -1;
	if ((p = inmail_find_calendar(m))) {
		ret_parts[0] = p;
		return env->size > INMAIL_MAX_SIZE ? 0 : 1;
	}
	/* a bounce is ours or for review, never left behind: tied to our mail or not, a human should see it */
	if (bounce_shape(m))
		return env->size > INMAIL_MAX_SIZE ? 0 : (int)bounce_parts(m, ret_parts);
	if (!relevant(m, env))
		return -1;
	if (env->size > INMAIL_MAX_SIZE || inmail_has_tnef(m) || autoreply_detect(m, NULL))
		return 0;
	if ((p = inmail_find_text(m, &is_html))) {
		ret_parts[0] = p;
		return 1;
	}
	return 0;
}

/* The reason (its code, detail and English text) without changing the outcome: an answer a human reads too. */
static void explain(struct reply_decision *d, enum reason_code code, ...)
{
	va_list ap;

	va_start(ap, code);
	reason_vexplain(&d->why, d->reason, sizeof(d->reason), code, ap);
	va_end(ap);
}

/* To review, with the reason: 'code' and as many strings as reason.c's table names for it. */
static void review(struct reply_decision *d, enum reason_code code, ...)
{
	va_list ap;

	d->outcome = REPLY_REVIEW;
	va_start(ap, code);
	reason_vexplain(&d->why, d->reason, sizeof(d->reason), code, ap);
	va_end(ap);
}

static const char *answer_of_partstat(const char *partstat)
{
	static const struct {
		const char *partstat, *answer;
	} map[] = { { "ACCEPTED", "tilsagn" }, { "DECLINED", "afbud" }, { "TENTATIVE", "tentativ" } };

	for (size_t i = 0; partstat && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(partstat, map[i].partstat) == 0)
			return map[i].answer;
	return NULL;
}

/* The process's local time zone is the group's (ctx_load_config sets TZ). */
static void local_text(time_t t, char *out, size_t n)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M", &tm);
}

static void calendar_reply(const struct reply_env *env, const struct sender *s, const struct itip_reply *r,
			   struct reply_decision *d)
{
	const struct store_meeting *mt = meeting_by_uid(env, r->uid);
	const char *answer;

	if (!mt) {
		review(d, REASON_CAL_UNKNOWN_MEETING, r->uid);
		return;
	}
	if (!r->attendee) {
		review(d, REASON_CAL_NO_ATTENDEE, mt->date);
		return;
	}
	/* The calendar speaks for the ATTENDEE, but only the attendee's own mail may say so: a reply whose
	 * ATTENDEE is someone else than the sender is a possible forgery. */
	if (!speaks_for(s, r->attendee, d) || !still_invited(mt, r->attendee, d))
		return;
	if (!(answer = answer_of_partstat(r->partstat))) {
		review(d, REASON_CAL_PARTSTAT, r->partstat ? r->partstat : "without PARTSTAT", r->attendee, mt->date);
		return;
	}
	d->outcome = REPLY_ANSWER;
	d->meeting_id = mt->id;
	d->email = xstrdup(r->attendee);
	d->answer = answer;
	d->source = "kalender";
	if (r->dtstamp > 0)
		d->at = r->dtstamp;
	if (r->comment && *util_trim(r->comment))
		d->note = xstrdup(r->comment);
	/* a tentative answer that proposes another time (iOS, Outlook): recorded, and the time shown (issue 16) */
	d->proposed_start = r->proposed_start;
	d->proposed_end = r->proposed_start ? r->proposed_end : 0;
	if (d->proposed_start) {
		d->review_too = 1;
		explain(d, REASON_PROPOSAL_RECORDED, answer, mt->date, r->attendee);
	}
}

static void calendar(const struct reply_env *env, const struct sender *s, const struct inmail_part *cal,
		     struct reply_decision *d)
{
	struct itip_reply r = { 0 };
	struct err err = { "" };
	char *text = inmail_part_text(cal, &err);
	const struct store_meeting *mt;

	if (!text) {
		review(d, REASON_CAL_UNDECODABLE, err.msg);
		return;
	}
	if (itip_parse(text, strlen(text), &r, &err) < 0) {
		review(d, REASON_CAL_UNREADABLE, err.msg);
		free(text);
		return;
	}
	free(text);
	switch (r.method) {
	case ITIP_REPLY:
		calendar_reply(env, s, &r, d);
		break;
	case ITIP_COUNTER: {
		char from[32] = "?", to[32] = "?";
		mt = meeting_by_uid(env, r.uid);
		if (r.proposed_start)
			local_text(r.proposed_start, from, sizeof(from));
		if (r.proposed_end)
			local_text(r.proposed_end, to, sizeof(to));
		review(d, REASON_COUNTER, r.attendee ? r.attendee : d->sender, mt ? mt->date : r.uid, from, to);
		/* from the invitee it names: the proposal is kept for status and review (issue 16); the answer is
		 * not changed, and a human decides */
		if (mt && r.attendee && r.proposed_start && invitation(mt, r.attendee) && speaks_for(s, r.attendee, d)) {
			d->meeting_id = mt->id;
			d->email = xstrdup(r.attendee);
			d->proposed_start = r.proposed_start;
			d->proposed_end = r.proposed_end;
			if (r.comment)
				d->note = xstrdup(r.comment);
			if (r.dtstamp > 0)
				d->at = r.dtstamp;
		}
		break;
	}
	case ITIP_REFRESH:
		mt = meeting_by_uid(env, r.uid);
		if (!mt || !r.attendee || !invitation(mt, r.attendee)) {
			review(d, REASON_REFRESH_UNMATCHED, r.uid);
		} else if (speaks_for(s, r.attendee, d)) {
			d->outcome = REPLY_REFRESH;
			d->meeting_id = mt->id;
			d->email = xstrdup(r.attendee);
		}
		break;
	default:
		review(d, REASON_CAL_OTHER_METHOD);
		break;
	}
	itip_reply_release(&r);
}

static void add_bounced(struct reply_decision *d, const char *email)
{
	for (size_t i = 0; i < d->n_bounced; i++)
		if (strcmp(d->bounced[i], email) == 0)
			return;
	d->bounced = xrealloc(d->bounced, (d->n_bounced + 1) * sizeof(char *));
	d->bounced[d->n_bounced++] = xstrdup(email);
}

/* Issue 15: a bounce counts only for our own mail. The strong tie is a Message-ID of ours that the bounce
 * returns: the outbox knows to whom it went, and nobody but that person (or their server) ever saw it. Only
 * when it returns no Message-ID at all, a server's report (null sender, MAILER-DAEMON/postmaster) may name an
 * address we mailed in the last REPLY_BOUNCE_DAYS days. Anything else that is clearly a bounce goes to a
 * human. */
static void bounce(const struct inmail *m, const struct reply_env *env, struct reply_decision *d)
{
	static const char *const kinds[] = { "bounce", "delay warning", "delivery report" };
	struct bounce_info b;
	int by_id = 0;

	bounce_read(m, &b);
	for (size_t i = 0; env->outbox_to && i < b.n_msgids; i++) {
		char *email = env->outbox_to(env->lookup_arg, b.msgids[i]);
		if (email) {
			add_bounced(d, email);
			by_id = 1;
		}
		free(email);
	}
	/* a report that returns someone else's Message-ID is about someone else's mail, whatever it names */
	for (size_t i = 0; !b.n_msgids && b.server && env->mailed_since && i < b.n_addrs; i++)
		if (env->mailed_since(env->lookup_arg, b.addrs[i], env->now - REPLY_BOUNCE_DAYS * 86400))
			add_bounced(d, b.addrs[i]);
	if (!d->n_bounced) {
		review(d, b.n_msgids ? REASON_BOUNCE_FOREIGN_IDS : !b.server ? REASON_BOUNCE_NOT_SERVER
			  : b.n_addrs ? REASON_BOUNCE_NOT_MAILED : REASON_BOUNCE_NO_ADDRESS, kinds[b.kind]);
	} else if (b.kind == BOUNCE_FAILED) {
		d->outcome = REPLY_BOUNCE;
		snprintf(d->reason, sizeof(d->reason), "%s", by_id ? "it returns our mail" : "a server's report");
	} else {
		d->outcome = REPLY_DELAYED;
		snprintf(d->reason, sizeof(d->reason), "%s",
			 b.kind == BOUNCE_DELAYED ? "delivery is delayed, the server still tries"
						  : "a delivery report without a failure");
	}
	bounce_info_release(&b);
}

/* The meeting a free-text mail is about: the thread, else the one date it names. */
static const struct store_meeting *text_meeting(const struct reply_env *env, const struct afbud_result *res,
						 struct reply_decision *d)
{
	const struct store_meeting *found = NULL;
	int matches = 0;

	if (env->thread_meeting_id)
		return meeting_by_id(env, env->thread_meeting_id);
	for (size_t i = 0; i < env->sent->n; i++) {
		const struct store_meeting *mt = &env->sent->meetings[i];
		int y, mo, dd, hit = 0;
		if (util_parse_date(mt->date, &y, &mo, &dd) < 0)
			continue;
		for (size_t j = 0; j < res->n_dates; j++)
			if (res->dates[j].day == dd && res->dates[j].month == mo &&
			    (res->dates[j].year == 0 || res->dates[j].year == y))
				hit = 1;
		if (hit) {
			found = mt;
			matches++;
		}
	}
	if (matches == 1)
		return found;
	char a[24], b[24];
	if (matches > 1) {
		snprintf(a, sizeof(a), "%d", matches);
		review(d, REASON_DATES_SEVERAL, a);
	} else if (res->n_dates) {
		snprintf(a, sizeof(a), "%d", res->dates[0].day);
		snprintf(b, sizeof(b), "%d", res->dates[0].month);
		review(d, REASON_DATE_NO_MEETING, a, b);
	} else {
		review(d, REASON_NO_MEETING);
	}
	return NULL;
}

void reply_classify_text(const char *subject, char *text, int is_html, struct afbud_result *ret)
{
	char *newest;

	if (is_html) {
		char *plain = html_to_text(text);
		free(text);
		text = plain;
	}
	newest = afbud_newest_text(text);
	free(text);
	afbud_classify(subject, newest, ret);
	free(newest);
}

static void free_text(const struct inmail *m, const struct reply_env *env, const struct sender *s,
		      struct reply_decision *d)
{
	struct afbud_result res = { 0 };
	struct err err = { "" };
	int is_html = 0;
	const struct inmail_part *p = inmail_find_text(m, &is_html);
	const struct store_meeting *mt;
	char *text;
	const char *who = NULL;

	if (!p) {
		review(d, REASON_NO_TEXT);
		goto out;
	}
	if (!(text = inmail_part_text(p, &err))) {
		review(d, REASON_TEXT_UNDECODABLE, err.msg);
		goto out;
	}
	reply_classify_text(d->subject, text, is_html, &res);
	/* A member writing about something else (no thread of ours, no attendance wording, no date) is not an
	 * answer: the mail stays in the inbox for the coordinator. */
	if (!env->thread_meeting_id && res.answer == AFBUD_UNCLEAR && !res.n_dates && !res.substitute &&
	    res.reason && (strcmp(res.reason, "no attendance wording") == 0 || strcmp(res.reason, "empty text") == 0)) {
		d->outcome = REPLY_NOT_OURS;
		goto out;
	}
	if (!(mt = text_meeting(env, &res, d)))
		goto out;
	/* the person is the sender, or the Reply-To that speaks_for refuses to take on its own word */
	if (s->person && invitation(mt, s->person))
		who = s->person;
	else if (s->reply_to && invitation(mt, s->reply_to))
		who = s->reply_to;
	else if (s->n_from > 1 || s->n_from_fields > 1)
		who = ""; /* several senders: speaks_for says so, whoever they are */
	if (!who || (*who && !invitation(mt, who))) {
		review(d, REASON_WROTE_NOT_INVITED, d->sender ? d->sender : "someone", mt->date);
		goto out;
	}
	if (!speaks_for(s, who, d) || !still_invited(mt, who, d))
		goto out;
	switch (res.answer) {
	case AFBUD_DECLINE:
		d->answer = "afbud";
		break;
	case AFBUD_ACCEPT:
		d->answer = "tilsagn";
		break;
	case AFBUD_TENTATIVE:
		d->answer = "tentativ";
		break;
	case AFBUD_UNCLEAR:
		review(d, reason_unclear(res.reason), mt->date, res.reason ? res.reason : "no afbud or acceptance");
		goto out;
	}
	d->outcome = REPLY_ANSWER;
	d->meeting_id = mt->id;
	d->email = xstrdup(who);
	d->source = "mail";
	if (res.substitute)
		d->substitute = xstrdup(res.substitute);
	if (res.question) {
		d->review_too = 1;
		explain(d, REASON_ALSO_QUESTION, d->answer, mt->date);
	}
out:
	afbud_result_release(&res);
}

/* The next meeting the person holds an invitation to, for an automatic reply outside a thread. */
static const struct store_meeting *next_meeting_of(const struct reply_env *env, const char *email)
{
	char today[11];
	struct tm tm;

	gmtime_r(&env->now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	for (size_t i = 0; i < env->sent->n; i++) {
		const struct store_meeting *mt = &env->sent->meetings[i];
		const struct store_invitation *inv = invitation(mt, email);
		if (inv && inv->invited && !mt->cancelled && strcmp(mt->date, today) >= 0)
			return mt;
	}
	return NULL;
}

static void automatic(const struct reply_env *env, const struct sender *s, const char *why,
		      struct reply_decision *d)
{
	const char *who = s->person ? s->person : d->sender;
	const struct store_meeting *mt = env->thread_meeting_id ? meeting_by_id(env, env->thread_meeting_id)
							      : next_meeting_of(env, who);
	int noted = mt && who && invitation(mt, who);

	/* "autosvar" is noted on the person's answer: only their own, confirmed mail may do that */
	if (noted && !speaks_for(s, who, d))
		return;
	/* the mail is from an invitee or in a thread of ours (relevant): an automatic reply to our mail, moved
	 * out of the inbox whether or not there is a meeting to note it on */
	d->outcome = REPLY_AUTOREPLY;
	d->email = xstrdup(who ? who : "");
	if (noted)
		d->meeting_id = mt->id;
	snprintf(d->reason, sizeof(d->reason), "%s", why ? why : "automatic reply");
}

/* What every decision carries: sender, subject, Message-ID, and when. Reads the headers only. */
static void decision_init(const struct inmail *m, const struct reply_env *env, struct reply_decision *d)
{
	char **ids = NULL;
	size_t n_ids = 0;
	const char *subject = inmail_header(m, "Subject");
	time_t date = inmail_parse_date(inmail_header(m, "Date"));

	memset(d, 0, sizeof(*d));
	d->sender = inmail_first_address(m, "From");
	d->subject = subject ? inmail_decode_words(subject) : xstrdup("");
	inmail_parse_msgids(inmail_header(m, "Message-ID"), &ids, &n_ids);
	d->message_id = xstrdup(n_ids ? ids[0] : env->fallback_message_id ? env->fallback_message_id : "");
	inmail_strv_free(ids, n_ids);
	d->at = date > 0 ? date : env->now;
}

/* "Newest" is ours to judge (issue 15): an answer's time is what the mail says (DTSTAMP, Date), but never after
 * the server received it. A reply dated 2999 would otherwise pin the answer against every later genuine one;
 * capped, it counts as sent when it arrived. A client clock a little fast loses nothing by this: only the
 * order of one person's answers matters, and that is the order of arrival at worst. */
static void cap_time(const struct reply_env *env, struct reply_decision *d)
{
	time_t limit = env->received > 0 ? env->received : env->now;

	if (limit > 0 && d->at > limit)
		d->at = limit;
}

void reply_unread(const struct inmail *m, const struct reply_env *env, enum reason_code code,
		  struct reply_decision *d)
{
	decision_init(m, env, d);
	review(d, code);
	cap_time(env, d);
}

static void decide(const struct inmail *m, const struct reply_env *env, struct reply_decision *d);

void reply_decide(const struct inmail *m, const struct reply_env *env, struct reply_decision *d)
{
	decide(m, env, d);
	cap_time(env, d);
}

static void decide(const struct inmail *m, const struct reply_env *env, struct reply_decision *d)
{
	const struct inmail_part *cal;
	const char *why = NULL;
	struct sender s;

	decision_init(m, env, d);

	/* first, so that a mail whose structure was never fetched (inbox.c) is decided as it would be with it */
	if (!reply_may_be_ours(m, env)) {
		d->outcome = REPLY_NOT_OURS;
		return;
	}
	if (env->size > INMAIL_MAX_SIZE) {
		char mb[24];
		snprintf(mb, sizeof(mb), "%zu", env->size / (1024 * 1024));
		if (inmail_find_calendar(m) || bounce_shape(m) || relevant(m, env))
			review(d, REASON_TOO_LARGE, mb);
		else
			d->outcome = REPLY_NOT_OURS;
		return;
	}
	/* A calendar answer counts whatever the automatic-mail headers say: Google marks the replies its
	 * calendar sends "Auto-Submitted: auto-generated". */
	if ((cal = inmail_find_calendar(m))) {
		sender_read(m, env, &s);
		calendar(env, &s, cal, d);
		sender_release(&s);
		return;
	}
	if (bounce_shape(m)) {
		bounce(m, env, d);
		return;
	}
	if (!relevant(m, env)) {
		d->outcome = REPLY_NOT_OURS;
		return;
	}
	if (inmail_has_tnef(m)) {
		review(d, REASON_TNEF);
		return;
	}
	sender_read(m, env, &s);
	if (autoreply_detect(m, &why))
		automatic(env, &s, why, d);
	else
		free_text(m, env, &s, d);
	sender_release(&s);
}

void reply_decision_release(struct reply_decision *d)
{
	free(d->email);
	free(d->substitute);
	free(d->note);
	for (size_t i = 0; i < d->n_bounced; i++)
		free(d->bounced[i]);
	free(d->bounced);
	free(d->sender);
	free(d->subject);
	free(d->message_id);
	memset(d, 0, sizeof(*d));
}
