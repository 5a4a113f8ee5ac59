/* Reading bounces. A bounce counts for an address only when it is tied to mail we sent (reply.c decides that
 * from what this file finds): the Message-ID of the returned mail is the strong tie, the addresses a server's
 * report names the weak one. The shapes, from the senders' documentation and RFCs:
 *   - RFC 3464 multipart/report: text, message/delivery-status (Action: failed | delayed | delivered …),
 *     the returned message/rfc822 or text/rfc822-headers (RFC 6522). Postfix, Exim 4, Gmail, Exchange.
 *   - Google Workspace: the same with an empty delivery-status part; only the text and the returned headers
 *     say anything.
 *   - Exim and Gmail's older text/plain bounces: X-Failed-Recipients names the addresses, and the returned
 *     message is quoted in the body after "------ This is a copy of the message, including all the headers."
 *   - Exchange/Office 365 NDRs: multipart/report with the returned message only as text/rfc822-headers, or
 *     not MIME at all, from postmaster, with "Original message headers:" quoted in the text.
 *   - Delay warnings: Action: delayed (Postfix "Delayed Mail (still being retried)", Exim "Warning: message
 *     … delayed", Gmail "(Delay)", Exchange "Delivery delayed:"), never a dead address. */
#include "bounce.h"
#include "html.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const bounce_header_fields[] = {
	"From", "Return-Path", "Subject", "X-Failed-Recipients", "X-MS-Exchange-Message-Is-Ndr", "In-Reply-To",
	"References", "Content-Type", NULL,
};

/* Senders of non-delivery reports: the RFC 5321 §4.5.1 postmaster, the traditional MAILER-DAEMON (Postfix,
 * Exim, Sendmail, Gmail's mailer-daemon@googlemail.com) and the system mailbox Exchange 2010 and later send
 * NDRs from (MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@domain, the same name in every organisation). */
static const char *const daemon_locals[] = { "mailer-daemon", "postmaster", "microsoftexchange329e71ec88ae4615bbc36ab6ce41109e" };

/* Signs of a warning, not a failure, for a report without a usable delivery-status part: lower-case text in
 * the subject or at the top of the notice. */
static const char *const delay_subject[] = {
	"delayed",             /* Postfix "Delayed Mail (still being retried)", Exim "Warning: message … delayed",
	                          Exchange "Delivery delayed:" */
	"(delay)",             /* Gmail and Google Workspace "Delivery Status Notification (Delay)" */
	"still being retried",
	"forsinket",           /* Danish Exchange "Levering forsinket:" */
	"verzögert",           /* German Exchange "Übermittlung verzögert:" */
};
static const char *const delay_text[] = {
	"still being retried", "will continue to try", "will keep trying", "will be retried", "still trying",
	"not yet been delivered", "this is a warning message only", "you do not need to resend",
	"delivery has been delayed", "delivery of your message has been delayed", "has been delayed",
};
#define DELAY_SCAN 4096 /* octets of the notice searched for delay wording: it says so at the top */

/* ---- small helpers ---- */

static void strv_add(char ***v, size_t *n, size_t max, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return;
	if (*n >= max)
		return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* 1 when the lower-cased 'hay' (n octets) holds one of the needles. */
static int contains_any(const char *hay, size_t n, const char *const *needles, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		size_t l = strlen(needles[i]);
		for (size_t j = 0; j + l <= n; j++)
			if (hay[j] == needles[i][0] && memcmp(hay + j, needles[i], l) == 0)
				return 1;
	}
	return 0;
}

/* ---- the shape ---- */

/* A part of the mail itself (never inside a message it encloses) of type/subtype; NULL if none. */
static const struct inmail_part *find_own(const struct inmail_part *p, const char *type, const char *subtype)
{
	if (!p)
		return NULL;
	if (inmail_part_is(p, type, subtype))
		return p;
	for (size_t i = 0; i < p->n_children; i++) {
		const struct inmail_part *r = find_own(&p->children[i], type, subtype);
		if (r)
			return r;
	}
	return NULL;
}

static int is_report(const struct inmail_part *p)
{
	const char *rt = inmail_part_param(p, "report-type");

	if (inmail_part_is(p, "multipart", "report") && rt &&
	    (strcasecmp(rt, "delivery-status") == 0 || strcasecmp(rt, "global-delivery-status") == 0))
		return 1;
	for (size_t i = 0; i < p->n_children; i++)
		if (is_report(&p->children[i]))
			return 1;
	return 0;
}

/* The local part of the From address, lower-cased ("mailer-daemon" of "Mail Delivery Subsystem
 * <MAILER-DAEMON>", which has no domain). Caller frees; NULL without From. */
static char *from_local(const struct inmail *m)
{
	const char *from = inmail_header(m, "From"), *lt;
	char *a = inmail_first_address(m, "From"), *local;

	if (a) {
		local = xstrndup(a, strcspn(a, "@"));
		free(a);
	} else if (from && (lt = strchr(from, '<'))) {
		local = xstrndup(lt + 1, strcspn(lt + 1, "@>"));
	} else if (from) {
		from += strspn(from, " \t");
		local = xstrndup(from, strcspn(from, " \t(<@"));
	} else {
		return NULL;
	}
	return util_lower(local);
}

static int from_daemon(const struct inmail *m)
{
	char *local = from_local(m);
	int yes = 0;

	for (size_t i = 0; local && i < sizeof(daemon_locals) / sizeof(daemon_locals[0]); i++)
		yes |= strcmp(local, daemon_locals[i]) == 0;
	free(local);
	return yes;
}

/* RFC 5321 §4.5.5: a report goes out with the null reverse-path, which the delivering server writes as
 * "Return-Path: <>" (the topmost one is the receiving server's). */
static int null_sender(const struct inmail *m)
{
	const char *rp = inmail_header(m, "Return-Path");
	size_t i = 0;

	if (!rp)
		return 0;
	rp += strspn(rp, " \t");
	if (rp[i] == '<')
		for (i = 1; rp[i] == ' ' || rp[i] == '\t'; i++)
			;
	return rp[i] == '\0' || (rp[0] == '<' && rp[i] == '>');
}

/* Sent by a mail server: the null reverse-path, or a MAILER-DAEMON/postmaster From on a mail that never had an
 * envelope (Exchange's own NDRs are made inside the mailbox server, with no Return-Path). A From alone is the
 * sender's to write: an ordinary sender calling itself MAILER-DAEMON arrives with its own Return-Path, which
 * the receiving server puts on top. */
static int from_server(const struct inmail *m)
{
	return null_sender(m) || (from_daemon(m) && !inmail_header(m, "Return-Path"));
}

/* X-Failed-Recipients: Exim and Gmail (the mailman Exim bouncer reads it); X-MS-Exchange-Message-Is-Ndr (an
 * empty field) is among Exchange's transport header names and on Exchange Online's NDRs (sisimai's Exchange
 * Online module keys on it). */
int bounce_shape(const struct inmail *m)
{
	return is_report(&m->root) || inmail_header(m, "X-Failed-Recipients") ||
	       inmail_header(m, "X-MS-Exchange-Message-Is-Ndr") || from_daemon(m);
}

/* ---- parts ---- */

static const struct inmail_part *status_part(const struct inmail *m)
{
	const struct inmail_part *p = find_own(&m->root, "message", "delivery-status");

	return p ? p : find_own(&m->root, "message", "global-delivery-status");
}

/* The returned mail: the message itself (RFC 3464 §2: Return-Content "full"), or only its header. */
static const struct inmail_part *returned_part(const struct inmail *m)
{
	static const char *const types[][2] = {
		{ "message", "rfc822" }, { "message", "global" }, { "text", "rfc822-headers" },
		{ "message", "global-headers" }, { "message", "rfc822-headers" },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const struct inmail_part *p = find_own(&m->root, types[i][0], types[i][1]);
		if (p)
			return p;
	}
	return NULL;
}

size_t bounce_parts(const struct inmail *m, const struct inmail_part **ret)
{
	const struct inmail_part *p;
	size_t n = 0;

	if ((p = status_part(m)))
		ret[n++] = p;
	if ((p = returned_part(m)))
		ret[n++] = p;
	if ((p = inmail_find_text(m, NULL)))
		ret[n++] = p;
	return n;
}

/* ---- reading ---- */

struct reading {
	char **failed, **delayed;
	size_t n_failed, n_delayed;
	int any_failed, any_delayed, any_other; /* blocks with Action failed, delayed, or another (delivered …) */
};

/* "rfc822; anna@x.example" → anna@x.example (RFC 3464 §2.3.2; RFC 6533 adds "utf-8"). */
static void add_recipient(char ***v, size_t *n, const char *field)
{
	const char *semi = field ? strchr(field, ';') : NULL;
	char *a;

	if (!field)
		return;
	if (semi) {
		char *type = util_trim(xstrndup(field, (size_t)(semi - field)));
		int ok = strcasecmp(type, "rfc822") == 0 || strcasecmp(type, "utf-8") == 0;
		free(type);
		if (!ok)
			return;
		field = semi + 1;
	}
	a = util_lower(util_trim(xstrdup(field)));
	if (a[0] == '<' && a[strlen(a) - 1] == '>') {
		memmove(a, a + 1, strlen(a));
		a[strlen(a) - 1] = '\0';
	}
	if (strchr(a, '@') && !strpbrk(a, " \t<>,;\"") && strlen(a) < 255)
		strv_add(v, n, BOUNCE_MAX_ADDRS, a);
	free(a);
}

/* The per-recipient blocks of a message/delivery-status body, split by empty lines; the first (per-message)
 * block has no Action and adds nothing. */
static void read_status(const struct inmail_part *status, struct reading *r)
{
	size_t len;
	char *data = inmail_part_decode(status, &len, NULL);
	const char *p, *end;

	if (!data)
		return;
	p = data;
	end = data + len;
	for (size_t blocks = 0; p < end && blocks < 4 * BOUNCE_MAX_ADDRS; blocks++) {
		struct inmail_part blk;
		const char *action;
		char ***v = NULL;
		size_t *n = NULL;

		p = inmail_parse_header_block(p, end, &blk);
		action = inmail_part_header(&blk, "Action");
		if (action)
			action += strspn(action, " \t");
		if (action && util_istarts(action, "failed")) {
			v = &r->failed;
			n = &r->n_failed;
			r->any_failed = 1;
		} else if (action && util_istarts(action, "delayed")) {
			v = &r->delayed;
			n = &r->n_delayed;
			r->any_delayed = 1;
		} else if (action && *action) {
			r->any_other = 1;
		}
		if (v) {
			add_recipient(v, n, inmail_part_header(&blk, "Original-Recipient"));
			add_recipient(v, n, inmail_part_header(&blk, "Final-Recipient"));
		}
		inmail_header_block_release(&blk);
	}
	free(data);
}

/* The first Message-ID of a header value that has an '@'. */
static void add_msgid(struct bounce_info *b, const char *value)
{
	char **ids = NULL;
	size_t n = 0;

	if (!value)
		return;
	inmail_parse_msgids(value, &ids, &n);
	for (size_t i = 0; i < n; i++)
		if (strchr(ids[i], '@'))
			strv_add(&b->msgids, &b->n_msgids, BOUNCE_MAX_IDS, ids[i]);
	inmail_strv_free(ids, n);
}

/* The Message-ID of a header block at the start of data. */
static void header_block_msgid(struct bounce_info *b, const char *data, size_t len)
{
	struct inmail_part blk;

	inmail_parse_header_block(data, data + len, &blk);
	add_msgid(b, inmail_part_header(&blk, "Message-ID"));
	inmail_header_block_release(&blk);
}

static void read_returned(const struct inmail_part *p, struct bounce_info *b)
{
	size_t len;
	char *data;

	if (p->message && p->message->n_headers) {
		add_msgid(b, inmail_part_header(p->message, "Message-ID"));
		return;
	}
	/* from IMAP: the enclosed message's header (S.HEADER), or the text/rfc822-headers body */
	if (!p->body || !(data = inmail_part_decode(p, &len, NULL)))
		return;
	header_block_msgid(b, data, len);
	free(data);
}

/* "Message-ID: <…>" lines quoted in a notice: indented, after "> ", or folded onto the next line (Exchange's
 * "Original message headers:"), case as written. Searched in the first BOUNCE_SCAN_MAX octets. */
static void quoted_msgids(const char *text, size_t len, struct bounce_info *b)
{
	const char *p = text, *end = text + (len > BOUNCE_SCAN_MAX ? BOUNCE_SCAN_MAX : len);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *q = p;
		const char *next = eol ? eol + 1 : end;

		if (!eol)
			eol = end;
		while (q < eol && (*q == ' ' || *q == '\t' || *q == '>'))
			q++;
		if (eol - q >= 11 && strncasecmp(q, "message-id", 10) == 0) {
			q += 10;
			while (q < eol && (*q == ' ' || *q == '\t'))
				q++;
			if (q < eol && *q == ':') {
				const char *vend = eol;
				char *value;

				/* a folded value: the continuation lines begin with white space */
				while (vend < end && vend + 1 < end && (vend[1] == ' ' || vend[1] == '\t') &&
				       vend - q < 1000) {
					const char *nl = memchr(vend + 1, '\n', (size_t)(end - vend - 1));
					vend = nl ? nl : end;
				}
				value = xstrndup(q + 1, (size_t)(vend - q - 1));
				for (char *c = value; *c; c++)
					if (*c == '\r' || *c == '\n')
						*c = ' ';
				add_msgid(b, value);
				free(value);
				next = vend < end ? vend + 1 : end;
			}
		}
		p = next;
	}
}

/* The notice a human reads, as UTF-8 text (HTML made text), or NULL. */
static char *notice_text(const struct inmail *m, size_t *ret_len)
{
	int is_html = 0;
	const struct inmail_part *p = inmail_find_text(m, &is_html);
	char *text;

	if (!p || !p->body || !(text = inmail_part_text(p, NULL)))
		return NULL;
	if (is_html) {
		char *plain = html_to_text(text);
		free(text);
		text = plain;
	}
	*ret_len = strlen(text);
	return text;
}

static int says_delayed(const struct inmail *m, const char *text, size_t len)
{
	const char *subject = inmail_header(m, "Subject");
	char top[DELAY_SCAN] = { 0 };   /* filled up to n below; cppcheck cannot see that */
	int yes = 0;

	if (subject) {
		char *s = inmail_decode_words(subject);
		util_lower(s);
		yes = contains_any(s, strlen(s), delay_subject, sizeof(delay_subject) / sizeof(delay_subject[0]));
		free(s);
	}
	if (!yes && text) {
		size_t n = len < sizeof(top) ? len : sizeof(top);
		for (size_t i = 0; i < n; i++)
			top[i] = (char)tolower((unsigned char)text[i]);
		yes = contains_any(top, n, delay_text, sizeof(delay_text) / sizeof(delay_text[0]));
	}
	return yes;
}

static void take(struct bounce_info *b, enum bounce_kind kind, char **v, size_t n)
{
	b->kind = kind;
	for (size_t i = 0; i < n; i++)
		strv_add(&b->addrs, &b->n_addrs, BOUNCE_MAX_ADDRS, v[i]);
}

void bounce_read(const struct inmail *m, struct bounce_info *b)
{
	struct reading r = { 0 };
	const struct inmail_part *p;
	struct inmail_addr *xf = NULL;
	size_t n_xf = 0, len = 0;
	char *text;

	memset(b, 0, sizeof(*b));
	b->server = from_server(m);
	if ((p = status_part(m)) && p->body)
		read_status(p, &r);
	if ((p = returned_part(m)))
		read_returned(p, b);
	text = notice_text(m, &len);
	if (text)
		quoted_msgids(text, len, b);
	add_msgid(b, inmail_header(m, "In-Reply-To"));
	add_msgid(b, inmail_header(m, "References"));
	inmail_parse_address_list(inmail_header(m, "X-Failed-Recipients"), &xf, &n_xf);
	for (size_t i = 0; i < n_xf; i++) {
		strv_add(&r.failed, &r.n_failed, BOUNCE_MAX_ADDRS, xf[i].addr);
		r.any_failed = 1;
	}
	inmail_addrs_free(xf, n_xf);
	/* a failure anywhere wins; then what the status part says; without one, the wording decides */
	if (r.any_failed)
		take(b, BOUNCE_FAILED, r.failed, r.n_failed);
	else if (r.any_delayed)
		take(b, BOUNCE_DELAYED, r.delayed, r.n_delayed);
	else if (r.any_other)
		take(b, BOUNCE_REPORT, NULL, 0);
	else
		b->kind = says_delayed(m, text, len) ? BOUNCE_DELAYED : BOUNCE_FAILED;
	free(text);
	strv_free(r.failed, r.n_failed);
	strv_free(r.delayed, r.n_delayed);
}

void bounce_info_release(struct bounce_info *b)
{
	strv_free(b->msgids, b->n_msgids);
	strv_free(b->addrs, b->n_addrs);
	memset(b, 0, sizeof(*b));
}
