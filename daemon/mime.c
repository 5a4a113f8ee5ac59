/* Outgoing iMIP mail (RFC 6047): RFC 5322 headers with RFC 2047 encoded-words, quoted-printable text parts and
 * a base64 calendar part. No I/O. */
#include "mime.h"

#include "buf.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#define MIME_NAME_MAX 200            /* display names */
#define MIME_SUBJECT_MAX 1000
#define MIME_ID_MAX 250              /* Message-ID / In-Reply-To without brackets */
#define MIME_BODY_MAX (2 * 1024 * 1024)
#define MIME_ICAL_MAX (1024 * 1024)
#define MIME_ATTACH_MAX (8 * 1024 * 1024)
#define MIME_FILENAME_MAX 120
#define MIME_OUT_MAX (16 * 1024 * 1024)
#define MIME_LINE 76                 /* RFC 2045 6.7/6.8 and RFC 2047 2: encoded lines ≤ 76 characters */
#define MIME_HEADER_LINE 78          /* RFC 5322 2.1.1: SHOULD */

static const char hexdigits[] = "0123456789ABCDEF";

/* Length of the UTF-8 sequence starting at p, or 0 when it is malformed or cut short. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 && p[0] >= 0xc2 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3
		 : (p[0] & 0xf8) == 0xf0 && p[0] <= 0xf4 ? 4 : 0;

	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Valid UTF-8; with !allow_ctl also no control characters (header values), else CR, LF and TAB may occur. */
static int utf8_ok(const char *s, int allow_ctl)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_len(p);
		if (n == 0)
			return 0;
		if (n == 1 && (*p == 0x7f || (*p < 0x20 && !(allow_ctl && (*p == '\r' || *p == '\n' || *p == '\t')))))
			return 0;
		p += n;
	}
	return 1;
}

static int is_plain_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return 0;
	/* a literal "=?" would be read as the start of an encoded-word */
	return strstr(s, "=?") == NULL;
}

/* Fills out[0..2n] with n random bytes as hex. -1 when the kernel has no randomness for us. */
static int random_hex(char *out, size_t n)
{
	unsigned char raw[32];
	size_t got = 0;

	if (n > sizeof(raw))
		return -1;
	while (got < n) {
		ssize_t r = getrandom(raw + got, n - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = "0123456789abcdef"[raw[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[raw[i] & 15];
	}
	out[2 * n] = '\0';
	return 0;
}

char *mime_new_message_id(const char *domain)
{
	char hex[33];

	if (!domain || !*domain || strlen(domain) > 200)
		return NULL;
	for (const char *p = domain; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '-'))
			return NULL;
	if (random_hex(hex, 16) < 0)
		return NULL;
	return xasprintf("%s.tovholder@%s", hex, domain);
}

/* ---- RFC 2047 encoded-words ---- */

/* Q-encoding limited to the characters RFC 2047 5(3) allows in a phrase, so it fits Subject and From alike. */
static int q_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '!' || c == '*' ||
	       c == '+' || c == '-' || c == '/';
}

static size_t q_len(const unsigned char *p, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += q_safe(p[i]) || p[i] == ' ' ? 1 : 3;
	return len;
}

static void q_add(struct buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (q_safe(p[i]))
			buf_addch(b, (char)p[i]);
		else if (p[i] == ' ')
			buf_addch(b, '_');
		else
			buf_addf(b, "=%c%c", hexdigits[p[i] >> 4], hexdigits[p[i] & 15]);
	}
}

static const char b64digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_add(struct buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
		char q[4] = { b64digits[v >> 18 & 63], b64digits[v >> 12 & 63],
			      i + 1 < n ? b64digits[v >> 6 & 63] : '=', i + 2 < n ? b64digits[v & 63] : '=' };
		buf_add(b, q, 4);
	}
}

/* Appends s as encoded-words, each ≤ 75 characters and each holding whole UTF-8 characters (RFC 2047 5),
 * folded so that no line passes 76 characters; 'col' is where the first word starts. Returns the final column.
 * Q when most bytes are ASCII (readable in raw form), else B. s must be valid UTF-8. */
static size_t encode_words(struct buf *b, const char *s, size_t col)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	int use_q = q_len(p, len) <= len + len / 2;
	const char *open = use_q ? "=?UTF-8?Q?" : "=?UTF-8?B?";
	const size_t overhead = strlen(open) + 2;

	if (len == 0)
		return col;
	if (col + overhead + 12 > MIME_LINE) {   /* no room for a useful first word on this line */
		buf_adds(b, "\r\n ");
		col = 1;
	}
	while (len > 0) {
		size_t room = MIME_LINE - col - overhead, take = 0;
		if (room > 75 - overhead)
			room = 75 - overhead;
		while (take < len) {
			size_t n = utf8_len(p + take);
			if (n == 0)
				n = 1;
			size_t enc = use_q ? q_len(p, take + n) : (take + n + 2) / 3 * 4;
			if (enc > room && take > 0)
				break;
			take += n;
		}
		buf_adds(b, open);
		if (use_q)
			q_add(b, p, take);
		else
			b64_add(b, p, take);
		buf_adds(b, "?=");
		col += overhead + (use_q ? q_len(p, take) : (take + 2) / 3 * 4);
		p += take;
		len -= take;
		if (len > 0) {
			buf_adds(b, "\r\n ");
			col = 1;
		}
	}
	return col;
}

/* Printable ASCII folded at spaces when the line would pass 78 characters. Returns the final column. */
static size_t fold_ascii(struct buf *b, const char *s, size_t col)
{
	while (*s) {
		const char *sp = strchr(s + 1, ' ');
		size_t n = sp ? (size_t)(sp - s) : strlen(s);   /* the next word with its leading space */
		if (col + n > MIME_HEADER_LINE && col > 1 && *s == ' ') {
			buf_adds(b, "\r\n");
			col = 0;
		}
		buf_add(b, s, n);
		col += n;
		s += n;
	}
	return col;
}

/* The longest space-free run: longer than this it cannot be folded and must be encoded instead. */
static size_t longest_word(const char *s)
{
	size_t best = 0, cur = 0;

	for (; *s; s++) {
		cur = *s == ' ' ? 0 : cur + 1;
		if (cur > best)
			best = cur;
	}
	return best;
}

/* An unstructured header (Subject) at column col. */
static void add_unstructured(struct buf *b, const char *s, size_t col)
{
	if (is_plain_ascii(s) && longest_word(s) < MIME_HEADER_LINE - col)
		fold_ascii(b, s, col);
	else
		encode_words(b, s, col);
}

char *mime_encode_header(const char *utf8)
{
	struct buf b;

	if (is_plain_ascii(utf8))
		return xstrdup(utf8);
	buf_init(&b);
	/* the caller puts it after a header name; assume one as long as "Subject: " */
	encode_words(&b, utf8, strlen("Subject: "));
	return buf_detach(&b, NULL);
}

/* RFC 5322 3.2.3 atext plus space: a display name made of these needs no quoting. */
static int phrase_plain(const char *s)
{
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr(" !#$%&'*+-/=?^_`{|}~", *p)))
			return 0;
	return strstr(s, "=?") == NULL;
}

/* "From: Name <addr>": the name as is, quoted (specials), or encoded (non-ASCII). */
static void add_mailbox(struct buf *b, const char *header, const char *name, const char *addr)
{
	size_t col = strlen(header) + 2;

	buf_addf(b, "%s: ", header);
	if (!name || !*name) {
		buf_addf(b, "%s\r\n", addr);
		return;
	}
	size_t quoted = strlen(name) + 2;
	for (const char *p = name; *p; p++)
		quoted += *p == '"' || *p == '\\';
	/* encoded-words also serve ASCII names too long to fit on a line in any other form */
	if (!is_plain_ascii(name) || (phrase_plain(name) ? longest_word(name) >= MIME_HEADER_LINE - col
							 : col + quoted > MIME_HEADER_LINE)) {
		col = encode_words(b, name, col);
	} else if (phrase_plain(name)) {
		col = fold_ascii(b, name, col);
	} else {
		buf_addch(b, '"');
		for (const char *p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_addch(b, '\\');
			buf_addch(b, *p);
		}
		buf_addch(b, '"');
		col += strlen(name) + 2;
	}
	if (col + 3 + strlen(addr) > MIME_HEADER_LINE)
		buf_addf(b, "\r\n <%s>\r\n", addr);
	else
		buf_addf(b, " <%s>\r\n", addr);
}

/* RFC 5322 3.3, always in UTC and with English names whatever the locale. */
static void add_date(struct buf *b, time_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	buf_addf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- bodies ---- */

/* One QP unit: a whole UTF-8 character (so soft breaks never cut one), or one byte. */
static size_t qp_unit(const unsigned char *p, int line_start, int at_eol, char *out)
{
	size_t n = utf8_len(p), len = 0;

	if (n == 0)
		n = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		/* '.' and "From " at a line start are escaped for the benefit of naive relays and mbox readers */
		int lit = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol);
		if (line_start && i == 0 && (c == '.' || (c == 'F' && strncmp((const char *)p, "From ", 5) == 0)))
			lit = 0;
		if (lit) {
			out[len++] = (char)c;
		} else {
			out[len++] = '=';
			out[len++] = hexdigits[c >> 4];
			out[len++] = hexdigits[c & 15];
		}
	}
	out[len] = '\0';
	return n;
}

/* Quoted-printable (RFC 2045 6.7): LF and CRLF become hard CRLF breaks, soft breaks keep lines ≤ 76. The
 * output ends with one extra CRLF, which belongs to the next boundary delimiter (RFC 2046 5.1.1), so a body
 * with or without a final newline comes back exactly. */
static void qp_encode(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t col = 0;

	while (*p) {
		if (*p == '\n' || (*p == '\r' && p[1] == '\n')) {
			p += *p == '\r' ? 2 : 1;
			buf_adds(b, "\r\n");
			col = 0;
			continue;
		}
		char unit[16];
		size_t n = utf8_len(p) ? utf8_len(p) : 1;
		int at_eol = p[n] == '\0' || p[n] == '\n' || (p[n] == '\r' && p[n + 1] == '\n');
		n = qp_unit(p, col == 0, at_eol, unit);
		size_t ulen = strlen(unit);
		if (col + ulen > MIME_LINE - 1) {   /* leave room for the '=' of the soft break */
			buf_adds(b, "=\r\n");
			col = 0;
			qp_unit(p, 1, at_eol, unit);
			ulen = strlen(unit);
		}
		buf_adds(b, unit);
		col += ulen;
		p += n;
	}
	buf_adds(b, "\r\n");
}

/* Base64 in lines of 76 characters (RFC 2045 6.8), each ending in CRLF. */
static void b64_encode(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t off = 0; off < len; off += 57) {   /* 57 bytes → 76 characters */
		b64_add(b, p + off, len - off < 57 ? len - off : 57);
		buf_adds(b, "\r\n");
	}
}

/* iCalendar lines must end in CRLF (RFC 5545 3.1); a bare LF is the classic cause of "not a meeting". */
static char *to_crlf(const char *s, size_t *ret_len)
{
	struct buf b;

	buf_init(&b);
	for (; *s; s++) {
		if (*s == '\n' && (b.len == 0 || b.data[b.len - 1] != '\r'))
			buf_addch(&b, '\r');
		buf_addch(&b, *s);
	}
	return buf_detach(&b, ret_len);
}

/* The value of the first "METHOD:" line (the VCALENDAR's), trimmed; NULL when there is none. */
static char *ical_body_method(const char *ical)
{
	const char *line = ical;

	while (line && *line) {
		if (strncasecmp(line, "METHOD:", 7) == 0)
			return util_trim(xstrndup(line + 7, strcspn(line + 7, "\r\n")));
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NULL;
}

/* iana-token (RFC 5545 3.1): what a bare MIME parameter value and a METHOD both accept. */
static int method_token_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 32)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return 0;
	return 1;
}

static int msgid_ok(const char *s)
{
	size_t len = s ? strlen(s) : 0;

	if (len == 0 || len > MIME_ID_MAX || !strchr(s, '@'))
		return 0;
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f || *s == '<' || *s == '>')
			return 0;
	return 1;
}

/* type/subtype of RFC 2045 token characters */
static int mime_type_ok(const char *s)
{
	int slash = 0;

	if (!s || !*s || strlen(s) > 127)
		return 0;
	for (; *s; s++) {
		if (*s == '/')
			slash++;
		else if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
			   strchr("!#$&^_.+-", *s)))
			return 0;
	}
	return slash == 1;
}

static int check_attachment(const struct mime_message *m, struct err *err)
{
	const char *n = m->attachment_name;

	if (m->attachment_len > MIME_ATTACH_MAX)
		return err_set(err, "attachment for '%s' is over %d bytes", m->to_email, MIME_ATTACH_MAX);
	if (!mime_type_ok(m->attachment_type))
		return err_set(err, "bad attachment type '%s'", m->attachment_type ? m->attachment_type : "");
	/* a file name is a name, never a path, and never breaks out of its quotes */
	if (!n || !*n || strlen(n) > MIME_FILENAME_MAX || !utf8_ok(n, 0) || strpbrk(n, "/\\\"") || n[0] == '.')
		return err_set(err, "bad attachment name '%s'", n ? n : "");
	return 0;
}

static int check_message(const struct mime_message *m, struct err *err)
{
	if (!m->from_email || !util_email_valid(m->from_email))
		return err_set(err, "bad sender address '%s'", m->from_email ? m->from_email : "");
	if (!m->to_email || !util_email_valid(m->to_email))
		return err_set(err, "bad recipient address '%s'", m->to_email ? m->to_email : "");
	if ((m->from_name && (strlen(m->from_name) > MIME_NAME_MAX || !utf8_ok(m->from_name, 0))) ||
	    (m->to_name && (strlen(m->to_name) > MIME_NAME_MAX || !utf8_ok(m->to_name, 0))))
		return err_set(err, "bad display name for '%s'", m->to_email);
	if (!m->subject || strlen(m->subject) > MIME_SUBJECT_MAX || !utf8_ok(m->subject, 0))
		return err_set(err, "bad subject for '%s'", m->to_email);
	if (!msgid_ok(m->message_id))
		return err_set(err, "bad message id '%s'", m->message_id ? m->message_id : "");
	if (m->in_reply_to && !msgid_ok(m->in_reply_to))
		return err_set(err, "bad in-reply-to id '%s'", m->in_reply_to);
	if (!m->text || strlen(m->text) > MIME_BODY_MAX || !utf8_ok(m->text, 1))
		return err_set(err, "missing, too long or non-UTF-8 text body for '%s'", m->to_email);
	if (m->html && (strlen(m->html) > MIME_BODY_MAX || !utf8_ok(m->html, 1)))
		return err_set(err, "too long or non-UTF-8 html body for '%s'", m->to_email);
	if (m->cc_email && (!util_email_valid(m->cc_email) ||
			    (m->cc_name && (strlen(m->cc_name) > MIME_NAME_MAX || !utf8_ok(m->cc_name, 0)))))
		return err_set(err, "bad copy address '%s'", m->cc_email);
	if (m->attachment && check_attachment(m, err) < 0)
		return -1;
	if (!m->ical)
		return 0;
	if (strlen(m->ical) > MIME_ICAL_MAX || !utf8_ok(m->ical, 1))
		return err_set(err, "too long or non-UTF-8 calendar part for '%s'", m->to_email);
	if (!method_token_ok(m->ical_method))
		return err_set(err, "bad calendar method '%s'", m->ical_method ? m->ical_method : "");
	/* Outlook rejects a part whose method= differs from the body ("Inbound Mime method and ICAL method
	 * mismatch"), so refuse to send one */
	char *body = ical_body_method(m->ical);
	int same = body && strcmp(body, m->ical_method) == 0;
	if (!same)
		err_set(err, "calendar METHOD '%s' differs from the MIME method '%s'", body ? body : "(none)",
			m->ical_method);
	free(body);
	return same ? 0 : -1;
}

static void add_text_part(struct buf *b, const char *type, const char *body)
{
	buf_addf(b, "Content-Type: %s; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", type);
	qp_encode(b, body);
}

static void add_ical_part(struct buf *b, const struct mime_message *m)
{
	size_t len;
	char *crlf = to_crlf(m->ical, &len);

	buf_addf(b, "Content-Type: text/calendar; charset=UTF-8; method=%s\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n", m->ical_method);
	b64_encode(b, crlf, len);
	free(crlf);
}

/* ' filename="x.docx"', or RFC 2231's ' filename*=UTF-8\'\'%C3%A6…' for a name that is not plain ASCII
 * (Outlook, Thunderbird, Apple Mail and Gmail read both; the name is at most MIME_FILENAME_MAX bytes, so the
 * line stays far below 998). */
static void add_filename_param(struct buf *b, const char *param, const char *name)
{
	if (is_plain_ascii(name) && !strpbrk(name, "\"\\")) {
		buf_addf(b, ";\r\n %s=\"%s\"", param, name);
		return;
	}
	buf_addf(b, ";\r\n %s*=UTF-8''", param);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		/* attr-char of RFC 2231 / 5987 */
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("!#$&+-.^_`|~", *p))
			buf_addch(b, (char)*p);
		else
			buf_addf(b, "%%%c%c", hexdigits[*p >> 4], hexdigits[*p & 15]);
	}
}

static void add_attachment_part(struct buf *b, const struct mime_message *m)
{
	buf_addf(b, "Content-Type: %s", m->attachment_type);
	add_filename_param(b, "name", m->attachment_name);
	buf_adds(b, "\r\nContent-Disposition: attachment");
	add_filename_param(b, "filename", m->attachment_name);
	buf_adds(b, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	b64_encode(b, m->attachment, m->attachment_len);
}

static void add_headers(struct buf *b, const struct mime_message *m)
{
	add_mailbox(b, "From", m->from_name, m->from_email);
	add_mailbox(b, "To", m->to_name, m->to_email);
	if (m->cc_email)
		add_mailbox(b, "Cc", m->cc_name, m->cc_email);
	buf_adds(b, "Subject: ");
	add_unstructured(b, m->subject, strlen("Subject: "));
	buf_adds(b, "\r\n");
	add_date(b, m->date ? m->date : util_now());
	buf_addf(b, "Message-ID: <%s>\r\n", m->message_id);
	if (m->in_reply_to)
		buf_addf(b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", m->in_reply_to, m->in_reply_to);
	buf_adds(b, "MIME-Version: 1.0\r\n");
	/* makes Exchange treat the mail as a meeting request even when a gateway rewrote the structure */
	if (m->ical)
		buf_adds(b, "Content-Class: urn:content-classes:calendarmessage\r\n");
}

char *mime_build(const struct mime_message *m, size_t *ret_len, struct err *err)
{
	char boundary[64], hex[33];
	char *res = NULL;
	struct buf b;

	buf_init(&b);
	b.cap = MIME_OUT_MAX;
	if (check_message(m, err) < 0)
		goto out;
	add_headers(&b, m);
	if (random_hex(hex, 16) < 0) {
		err_set(err, "no random bytes for a MIME boundary");
		goto out;
	}
	/* "=_" never occurs in quoted-printable or base64 text, so the boundary cannot clash with a body */
	snprintf(boundary, sizeof(boundary), "=_tovholder_%s", hex);
	if (m->attachment) {
		/* "=_tovholder_m_…": neither boundary is a prefix of the other (parsers that match prefixes) */
		buf_addf(&b, "Content-Type: multipart/mixed;\r\n boundary=\"=_tovholder_m_%s\"\r\n\r\n"
			     "This is a multi-part message in MIME format.\r\n--=_tovholder_m_%s\r\n", hex, hex);
	}
	if (!m->html && !m->ical) {
		add_text_part(&b, "text/plain", m->text);
	} else {
		buf_addf(&b, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n"
			     "This is a multi-part message in MIME format.\r\n", boundary);
		buf_addf(&b, "--%s\r\n", boundary);
		add_text_part(&b, "text/plain", m->text);
		if (m->html) {
			buf_addf(&b, "--%s\r\n", boundary);
			add_text_part(&b, "text/html", m->html);
		}
		if (m->ical) {
			buf_addf(&b, "--%s\r\n", boundary);
			add_ical_part(&b, m);
		}
		buf_addf(&b, "--%s--\r\n", boundary);
	}
	if (m->attachment) {
		buf_addf(&b, "--=_tovholder_m_%s\r\n", hex);
		add_attachment_part(&b, m);
		buf_addf(&b, "--=_tovholder_m_%s--\r\n", hex);
	}
	if (b.overflow) {
		err_set(err, "message to '%s' is over %d bytes", m->to_email, MIME_OUT_MAX);
		goto out;
	}
	res = buf_detach(&b, ret_len);
out:
	buf_release(&b);
	return res;
}
