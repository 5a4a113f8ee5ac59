/* mime: outgoing messages checked by an independent walk written here (header unfolding, RFC 2047, QP and
 * base64 decoders of our own), never with mime.c's encoders. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "util.h"

#define SUBJECT_DA "Indkaldelse: Netværksgruppe Børn og Unge fredag den 5. marts 2027"

static const char ical_request[] =
	"BEGIN:VCALENDAR\r\n"
	"METHOD:REQUEST\r\n"
	"PRODID:-//tovholder//tovholder 1.0//DA\r\n"
	"VERSION:2.0\r\n"
	"BEGIN:VEVENT\r\n"
	"UID:20270305-netvaerk-7f3a@tovholder.example\r\n"
	"SUMMARY:Netværksgruppe Børn og Unge\r\n"
	"END:VEVENT\r\n"
	"END:VCALENDAR\r\n";

static struct mime_message base_message(void)
{
	struct mime_message m = {
		.from_name = "Tove Holder",
		.from_email = "tove@kommune.example",
		.to_name = "Lund, Karin",
		.to_email = "karin.lund@kommune.example",
		.subject = SUBJECT_DA,
		.message_id = "5f1c2a.tovholder@kommune.example",
		.in_reply_to = NULL,
		.date = 1800000000,   /* Fri, 15 Jan 2027 08:00:00 UTC */
		.text = "Kære Karin\n\nDu er inviteret til Netværksgruppe Børn og Unge.\n",
		.html = "<p>Kære Karin</p>\n<p>Du er inviteret.</p>\n",
		.ical = ical_request,
		.ical_method = "REQUEST",
	};
	return m;
}

/* ---- an independent reader ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Quoted-printable body → bytes (soft breaks removed, CRLF kept). Fails the test on a malformed escape. */
static char *qp_decode(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '=') {
			*o++ = s[i];
			continue;
		}
		if (i + 2 < len && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
			continue;
		}
		assert_true(i + 2 < len);
		int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
		assert_true(h >= 0 && l >= 0);
		*o++ = (char)(h * 16 + l);
		i += 2;
	}
	*o = '\0';
	return out;
}

static int b64val(char c)
{
	const char *digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(digits, c) : NULL;

	return p ? (int)(p - digits) : -1;
}

static char *b64_decode(const char *s, size_t len, size_t *ret_len)
{
	char *out = malloc(len + 1);
	unsigned acc = 0;
	int bits = 0;
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '=')
			continue;
		int v = b64val(s[i]);
		assert_true(v >= 0);
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)(acc >> bits & 0xff);
		}
	}
	out[n] = '\0';
	if (ret_len)
		*ret_len = n;
	return out;
}

static int utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		if (n == 0)
			return 0;
		for (size_t k = 1; k < n; k++)
			if ((p[k] & 0xc0) != 0x80)
				return 0;
		p += n;
	}
	return 1;
}

/* One encoded-word "=?UTF-8?Q?…?=" / "=?UTF-8?B?…?=" at s: decoded text appended to out; returns its length
 * in s, or 0 when s is not an encoded-word. Each word must be ≤ 75 characters and hold whole characters. */
static size_t decode_word(const char *s, char *out)
{
	const char *end;
	char *dec;

	if (strncmp(s, "=?UTF-8?", 8) != 0 || (s[8] != 'Q' && s[8] != 'B') || s[9] != '?')
		return 0;
	end = strstr(s + 10, "?=");
	assert_non_null(end);
	size_t wlen = (size_t)(end + 2 - s);
	if (wlen > 75)
		fail_msg("encoded-word of %zu characters: %.*s", wlen, (int)wlen, s);
	if (s[8] == 'B') {
		dec = b64_decode(s + 10, (size_t)(end - s - 10), NULL);
	} else {
		char *tmp = strndup(s + 10, (size_t)(end - s - 10));
		for (char *p = tmp; *p; p++)
			if (*p == '_')
				*p = ' ';
		dec = qp_decode(tmp, strlen(tmp));
		free(tmp);
	}
	assert_true(utf8_valid(dec));   /* no character split across two words */
	strcat(out, dec);
	free(dec);
	return wlen;
}

/* RFC 2047 decoding of a header value (unfolded first): whitespace between adjacent encoded-words is
 * dropped. */
static char *decode_header(const char *folded)
{
	char *unfolded = calloc(1, strlen(folded) + 1), *u = unfolded;
	char *out = calloc(1, strlen(folded) * 2 + 1);
	const char *v = unfolded;
	int prev_word = 0;

	for (const char *p = folded; *p; p++) {
		if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
			p++;
			continue;
		}
		*u++ = *p;
	}

	while (*v) {
		size_t n = decode_word(v, out);
		if (n) {
			v += n;
			prev_word = 1;
			continue;
		}
		if (prev_word && (*v == ' ' || *v == '\t')) {
			size_t ws = strspn(v, " \t");
			if (strncmp(v + ws, "=?", 2) == 0) {
				v += ws;
				continue;
			}
		}
		prev_word = 0;
		strncat(out, v, 1);
		v++;
	}
	free(unfolded);
	return out;
}

/* The raw header block, with CRLF kept (to measure folded lines), and the body. */
struct walk {
	char *headers;      /* up to and including the CRLF of the last header line */
	const char *body;
};

static void split_message(const char *msg, struct walk *w)
{
	const char *sep = strstr(msg, "\r\n\r\n");

	assert_non_null(sep);
	w->headers = strndup(msg, (size_t)(sep - msg) + 2);
	w->body = sep + 4;
}

/* The unfolded value of header 'name' in a raw header block, or NULL. Caller frees. */
static char *header(const char *block, const char *name)
{
	size_t n = strlen(name);

	for (const char *line = block; *line;) {
		const char *e = strstr(line, "\r\n");
		assert_non_null(e);
		if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
			const char *v = line + n + 1;
			char *out = calloc(1, strlen(v) + 1);
			while (*v == ' ')
				v++;
			for (;;) {
				strncat(out, v, (size_t)(e - v));
				if (e[2] != ' ' && e[2] != '\t')
					break;
				v = e + 2;
				e = strstr(v, "\r\n");
			}
			return out;
		}
		line = e + 2;
	}
	return NULL;
}

/* The raw lines of header 'name' (first line and continuations), for length checks. Caller frees. */
static char *header_raw(const char *block, const char *name)
{
	size_t n = strlen(name);
	const char *p = block;

	while (p && *p) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *e = p;
			do {
				e = strstr(e, "\r\n") + 2;
			} while (*e == ' ' || *e == '\t');
			return strndup(p, (size_t)(e - p));
		}
		p = strstr(p, "\r\n");
		if (p)
			p += 2;
	}
	return NULL;
}

/* Every line ends in CRLF (no bare CR or LF) and is at most 'max' octets without it. */
static void assert_lines(const char *s, size_t len, size_t max)
{
	const char *line = s, *end = s + len;

	while (line < end) {
		const char *e = line;
		while (e < end && *e != '\r' && *e != '\n')
			e++;
		if (!(e + 1 < end && e[0] == '\r' && e[1] == '\n'))
			fail_msg("line without CRLF: %.60s", line);
		if ((size_t)(e - line) > max)
			fail_msg("line of %zu octets (max %zu): %.60s…", (size_t)(e - line), max, line);
		line = e + 2;
	}
}

/* The parameter 'name' of a header value (quoted or not). Caller frees. */
static char *param(const char *value, const char *name)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "%s=", name);
	p = strstr(value, key);
	if (!p)
		return NULL;
	p += strlen(key);
	if (*p == '"')
		return strndup(p + 1, strcspn(p + 1, "\""));
	return strndup(p, strcspn(p, "; \t"));
}

struct part {
	char *headers;
	char *content;      /* raw content between the part header and the next delimiter */
};

/* Splits a multipart body at "--boundary" delimiters (RFC 2046 5.1.1: the CRLF before a delimiter belongs to
 * it). Checks the closing delimiter ends the message. Returns the number of parts. */
static size_t split_parts(const char *body, const char *boundary, struct part *parts, size_t max)
{
	char open[128], delim[128], close[128];
	const char *p;
	size_t n = 0;

	snprintf(open, sizeof(open), "--%s\r\n", boundary);
	snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	snprintf(close, sizeof(close), "\r\n--%s--\r\n", boundary);
	p = strstr(body, open);
	assert_non_null(p);
	p += strlen(open);
	for (;;) {
		const char *e = strstr(p, delim);
		assert_non_null(e);
		assert_true(n < max);
		struct walk w;
		char *whole = strndup(p, (size_t)(e - p));
		/* a part with an empty body has its blank line right before the delimiter */
		char *tmp = malloc(strlen(whole) + 3);
		sprintf(tmp, "%s\r\n", whole);
		split_message(tmp, &w);
		parts[n].headers = w.headers;
		parts[n].content = strndup(w.body, strlen(w.body) - 2);
		free(tmp);
		free(whole);
		n++;
		if (strcmp(e, close) == 0)
			return n;
		assert_true(strncmp(e + strlen(delim), "\r\n", 2) == 0);
		p = e + strlen(delim) + 2;
	}
}

static void free_parts(struct part *parts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(parts[i].headers);
		free(parts[i].content);
	}
}

/* LF → CRLF, leaving existing CRLF alone: what a text body should come back as. */
static char *crlf(const char *s)
{
	char *out = malloc(2 * strlen(s) + 1), *o = out;

	for (const char *p = s; *p; p++) {
		if (*p == '\n' && (p == s || p[-1] != '\r'))
			*o++ = '\r';
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

static void assert_header(const char *block, const char *name, const char *want)
{
	char *v = header(block, name);

	if (!v)
		fail_msg("no %s header", name);
	if (strcmp(v, want) != 0)
		fail_msg("%s: got '%s', want '%s'", name, v, want);
	free(v);
}

/* ---- tests ---- */

static void test_full_message(void **state)
{
	struct mime_message m = base_message();
	struct err err = { "" };
	struct part parts[4];
	struct walk w;
	size_t len, n;
	char *msg, *ct, *boundary, *subject, *dec, *want;

	(void)state;
	m.in_reply_to = "orig-123@kalender.example";
	m.text = "Kære Karin\n\nFrom nu af mødes vi på rådhuset.\n.\nLinje med mellemrum til sidst   \n"
		 "Tab\tinde i linjen\r\nCRLF-linje\nSidste linje uden linjeskift";
	msg = mime_build(&m, &len, &err);
	assert_non_null(msg);
	assert_int_equal(len, strlen(msg));
	assert_lines(msg, len, 998);
	split_message(msg, &w);
	assert_lines(w.headers, strlen(w.headers), 78);

	assert_header(w.headers, "From", "Tove Holder <tove@kommune.example>");
	assert_header(w.headers, "To", "\"Lund, Karin\" <karin.lund@kommune.example>");
	assert_header(w.headers, "Date", "Fri, 15 Jan 2027 08:00:00 +0000");
	assert_header(w.headers, "Message-ID", "<5f1c2a.tovholder@kommune.example>");
	assert_header(w.headers, "In-Reply-To", "<orig-123@kalender.example>");
	assert_header(w.headers, "References", "<orig-123@kalender.example>");
	assert_header(w.headers, "MIME-Version", "1.0");
	assert_header(w.headers, "Content-Class", "urn:content-classes:calendarmessage");
	for (const char *p = w.headers; *p; p++)
		assert_true((unsigned char)*p < 0x80);   /* headers are 7-bit */
	subject = header(w.headers, "Subject");
	dec = decode_header(subject);
	assert_string_equal(dec, SUBJECT_DA);
	free(dec);
	free(subject);

	ct = header(w.headers, "Content-Type");
	assert_true(strncmp(ct, "multipart/alternative;", 22) == 0);
	boundary = param(ct, "boundary");
	assert_non_null(boundary);
	assert_true(strlen(boundary) >= 20);
	/* the message ends with the closing delimiter and CRLF */
	char close[128];
	snprintf(close, sizeof(close), "\r\n--%s--\r\n", boundary);
	assert_true(len > strlen(close) && strcmp(msg + len - strlen(close), close) == 0);

	n = split_parts(w.body, boundary, parts, 4);
	assert_int_equal(n, 3);
	assert_header(parts[0].headers, "Content-Type", "text/plain; charset=UTF-8");
	assert_header(parts[0].headers, "Content-Transfer-Encoding", "quoted-printable");
	assert_header(parts[1].headers, "Content-Type", "text/html; charset=UTF-8");
	assert_header(parts[1].headers, "Content-Transfer-Encoding", "quoted-printable");
	assert_header(parts[2].headers, "Content-Type", "text/calendar; charset=UTF-8; method=REQUEST");
	assert_header(parts[2].headers, "Content-Transfer-Encoding", "base64");
	for (size_t i = 0; i < 3; i++) {
		size_t clen = strlen(parts[i].content);
		char *with_crlf = malloc(clen + 3);
		sprintf(with_crlf, "%s\r\n", parts[i].content);
		assert_lines(with_crlf, clen + 2, 76);   /* RFC 2045: QP and base64 lines ≤ 76 */
		free(with_crlf);
	}
	/* no line of the encoded text ends in white space (RFC 2045 6.7 rule 3) */
	assert_null(strstr(parts[0].content, " \r\n"));
	assert_null(strstr(parts[0].content, "\t\r\n"));
	/* "From " and a lone "." at a line start are escaped */
	assert_null(strstr(parts[0].content, "\r\nFrom "));
	assert_null(strstr(parts[0].content, "\r\n.\r\n"));

	dec = qp_decode(parts[0].content, strlen(parts[0].content));
	want = crlf(m.text);
	assert_string_equal(dec, want);
	free(dec);
	free(want);
	dec = qp_decode(parts[1].content, strlen(parts[1].content));
	want = crlf(m.html);
	assert_string_equal(dec, want);
	free(dec);
	free(want);
	size_t ilen;
	dec = b64_decode(parts[2].content, strlen(parts[2].content), &ilen);
	assert_int_equal(ilen, strlen(ical_request));
	assert_string_equal(dec, ical_request);
	free(dec);

	free_parts(parts, n);
	free(boundary);
	free(ct);
	free(w.headers);
	free(msg);
}

/* Subjects of every kind: each header line ≤ 76 (encoded) or ≤ 78 (plain), and they decode back exactly. */
static void test_subjects(void **state)
{
	char danish200[1024] = "", ascii_long[1024] = "";
	const char *cases[8];
	size_t nc = 0;

	(void)state;
	for (int i = 0; i < 40; i++)
		strcat(danish200, i % 3 ? "Børn og unge " : "æøå ÆØÅ ");
	for (int i = 0; i < 30; i++)
		strcat(ascii_long, "Meeting about things ");
	cases[nc++] = SUBJECT_DA;
	cases[nc++] = danish200;
	cases[nc++] = "Netværk";
	cases[nc++] = "æøåæøåæøåæøåæøåæøåæøåæøåæøåæøåæøåæøåæøåæøåæøåæøåæøåæøåæøåæøåæøåæøåæøåæøå"; /* B */
	cases[nc++] = "Plain ASCII subject";
	cases[nc++] = ascii_long;
	cases[nc++] = "Looks like =?UTF-8?Q?x?= but is not";
	cases[nc++] = "";
	for (size_t i = 0; i < nc; i++) {
		struct mime_message m = base_message();
		struct err err = { "" };
		struct walk w;
		char *msg, *raw, *v, *dec;
		int encoded;

		print_message("subject '%.40s'\n", cases[i]);
		m.subject = cases[i];
		msg = mime_build(&m, NULL, &err);
		assert_non_null(msg);
		split_message(msg, &w);
		raw = header_raw(w.headers, "Subject");
		assert_non_null(raw);
		encoded = strstr(raw, "=?UTF-8?") != NULL;
		assert_lines(raw, strlen(raw), encoded ? 76 : 78);
		for (const char *p = raw; *p; p++)
			assert_true((unsigned char)*p < 0x80);
		v = header(w.headers, "Subject");
		dec = decode_header(v);
		assert_string_equal(dec, cases[i]);
		if (strlen(cases[i]) > 100)
			assert_non_null(strstr(raw, "\r\n "));   /* long subjects are folded */
		free(dec);
		free(v);
		free(raw);
		free(w.headers);
		free(msg);
	}
}

static void test_encode_header(void **state)
{
	char *s, *dec;

	(void)state;
	s = mime_encode_header("Referat fra mødet");
	assert_true(strncmp(s, "=?UTF-8?", 8) == 0);
	for (const char *p = s; *p; p++)
		assert_true((unsigned char)*p < 0x80);
	dec = decode_header(s);
	assert_string_equal(dec, "Referat fra mødet");
	free(dec);
	free(s);
	s = mime_encode_header("Plain ASCII, no change");
	assert_string_equal(s, "Plain ASCII, no change");
	free(s);
	s = mime_encode_header(SUBJECT_DA);
	/* after a "Subject: " of 9 characters, no line passes 76 */
	char *line = xasprintf("Subject: %s\r\n", s);
	assert_lines(line, strlen(line), 76);
	dec = decode_header(s);
	assert_string_equal(dec, SUBJECT_DA);
	free(dec);
	free(line);
	free(s);
}

/* A single line of 200 Danish letters: soft breaks ≤ 76, none inside a character, exact round trip. */
static void test_qp_danish_line(void **state)
{
	static const char *const letters[] = { "æ", "ø", "å", "Æ", "Ø", "Å" };
	struct mime_message m = base_message();
	struct err err = { "" };
	struct part parts[4];
	struct walk w;
	char text[1024] = "", *msg, *ct, *boundary, *dec, *want;
	size_t n, soft = 0;

	(void)state;
	for (int i = 0; i < 200; i++)
		strcat(text, letters[i % 6]);
	strcat(text, "\nnæste linje\n");
	m.text = text;
	msg = mime_build(&m, NULL, &err);
	assert_non_null(msg);
	split_message(msg, &w);
	ct = header(w.headers, "Content-Type");
	boundary = param(ct, "boundary");
	n = split_parts(w.body, boundary, parts, 4);
	assert_int_equal(n, 3);
	/* every physical line decodes on its own to whole UTF-8 characters */
	for (const char *line = parts[0].content; *line;) {
		const char *e = strstr(line, "\r\n");
		size_t l = e ? (size_t)(e - line) : strlen(line);
		assert_true(l <= 76);
		int is_soft = l > 0 && line[l - 1] == '=';
		soft += (size_t)is_soft;
		char *piece = strndup(line, is_soft ? l - 1 : l);
		char *d = qp_decode(piece, strlen(piece));
		assert_true(utf8_valid(d));
		free(d);
		free(piece);
		line = e ? e + 2 : line + l;
	}
	assert_true(soft >= 200 * 6 / 75);   /* 1200 encoded octets need at least 16 soft breaks */
	dec = qp_decode(parts[0].content, strlen(parts[0].content));
	want = crlf(text);
	assert_string_equal(dec, want);
	free(dec);
	free(want);
	free_parts(parts, n);
	free(boundary);
	free(ct);
	free(w.headers);
	free(msg);
}

static void test_mailboxes(void **state)
{
	static const struct {
		const char *name, *want;   /* want NULL: encoded, checked by decoding */
	} cases[] = {
		{ "", "tove@kommune.example" },
		{ NULL, "tove@kommune.example" },
		{ "Tove Holder", "Tove Holder <tove@kommune.example>" },
		{ "Lund, Karin", "\"Lund, Karin\" <tove@kommune.example>" },
		{ "Karin \"Kaja\" Lund", "\"Karin \\\"Kaja\\\" Lund\" <tove@kommune.example>" },
		{ "Dr. Jens", "\"Dr. Jens\" <tove@kommune.example>" },
		{ "Sekretariatet for Netvaerksgrupper i Boerne og Ungeforvaltningen i Kommunen Nord",   /* folded */
		  "Sekretariatet for Netvaerksgrupper i Boerne og Ungeforvaltningen i Kommunen Nord "
		  "<tove@kommune.example>" },
		{ "Tove Hølder", NULL },
		/* too long to quote on one line: encoded instead */
		{ "Lund, Karin (Sekretariatet for Netvaerksgrupper i Boerne og Ungeforvaltningen)", NULL },
		{ "Børne- og Ungeforvaltningen, Sekretariatet for Netværksgrupper i Kommunen", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mime_message m = base_message();
		struct err err = { "" };
		struct walk w;
		char *msg, *v;

		m.from_name = cases[i].name;
		msg = mime_build(&m, NULL, &err);
		assert_non_null(msg);
		split_message(msg, &w);
		assert_lines(w.headers, strlen(w.headers), 78);
		v = header(w.headers, "From");
		if (cases[i].want) {
			assert_string_equal(v, cases[i].want);
		} else {
			char *dec = decode_header(v), *want = malloc(256);
			snprintf(want, 256, "%s <tove@kommune.example>", cases[i].name);
			assert_string_equal(dec, want);
			free(want);
			free(dec);
		}
		free(v);
		free(w.headers);
		free(msg);
	}
}

static void test_single_and_two_parts(void **state)
{
	struct mime_message m = base_message();
	struct err err = { "" };
	struct part parts[4];
	struct walk w;
	char *msg, *ct, *boundary, *dec, *want;
	size_t len;

	(void)state;
	/* text only: the message is the text/plain part itself */
	m.html = NULL;
	m.ical = NULL;
	m.ical_method = NULL;
	msg = mime_build(&m, &len, &err);
	assert_non_null(msg);
	assert_lines(msg, len, 998);
	split_message(msg, &w);
	assert_header(w.headers, "Content-Type", "text/plain; charset=UTF-8");
	assert_header(w.headers, "Content-Transfer-Encoding", "quoted-printable");
	assert_null(header(w.headers, "Content-Class"));
	dec = qp_decode(w.body, strlen(w.body));
	want = crlf(m.text);
	size_t wl = strlen(want);
	assert_true(strlen(dec) == wl + 2 && strncmp(dec, want, wl) == 0);   /* + the final CRLF */
	free(dec);
	free(want);
	free(w.headers);
	free(msg);

	/* text + calendar, no HTML */
	m = base_message();
	m.html = NULL;
	msg = mime_build(&m, &len, &err);
	assert_non_null(msg);
	split_message(msg, &w);
	ct = header(w.headers, "Content-Type");
	boundary = param(ct, "boundary");
	size_t n = split_parts(w.body, boundary, parts, 4);
	assert_int_equal(n, 2);
	assert_header(parts[1].headers, "Content-Type", "text/calendar; charset=UTF-8; method=REQUEST");
	free_parts(parts, n);
	free(boundary);
	free(ct);
	free(w.headers);
	free(msg);
}

static void test_cancel_and_lf_ical(void **state)
{
	struct mime_message m = base_message();
	struct err err = { "" };
	struct part parts[4];
	struct walk w;
	char *msg, *ct, *boundary, *dec;
	const char *lf_ical = "BEGIN:VCALENDAR\nMETHOD:CANCEL\nBEGIN:VEVENT\nUID:x@y.example\nEND:VEVENT\nEND:VCALENDAR\n";

	(void)state;
	m.ical = lf_ical;
	m.ical_method = "CANCEL";
	msg = mime_build(&m, NULL, &err);
	assert_non_null(msg);
	split_message(msg, &w);
	ct = header(w.headers, "Content-Type");
	boundary = param(ct, "boundary");
	size_t n = split_parts(w.body, boundary, parts, 4);
	assert_header(parts[2].headers, "Content-Type", "text/calendar; charset=UTF-8; method=CANCEL");
	dec = b64_decode(parts[2].content, strlen(parts[2].content), NULL);
	/* the calendar goes out with CRLF line ends even when handed LF */
	assert_string_equal(dec, "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nBEGIN:VEVENT\r\nUID:x@y.example\r\nEND:VEVENT\r\n"
				 "END:VCALENDAR\r\n");
	free(dec);
	free_parts(parts, n);
	free(boundary);
	free(ct);
	free(w.headers);
	free(msg);
}

static void test_refused(void **state)
{
	static const char *const what[] = {
		"method mismatch", "no METHOD in body", "no ical_method", "lower-case method", "bad sender",
		"bad recipient", "header injection in subject", "bracketed message id", "no message id",
		"space in in-reply-to", "no text", "latin-1 text", "control in name", "newline in name",
	};
	(void)state;
	for (size_t k = 0; k < sizeof(what) / sizeof(what[0]); k++) {
		struct mime_message m = base_message();
		struct err err = { "" };
		switch (k) {
		case 0: m.ical_method = "CANCEL"; break;
		case 1: m.ical = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"; break;
		case 2: m.ical_method = NULL; break;
		case 3: m.ical = "BEGIN:VCALENDAR\r\nMETHOD:request\r\nEND:VCALENDAR\r\n"; m.ical_method = "request"; break;
		case 4: m.from_email = "tove"; break;
		case 5: m.to_email = "karin@"; break;
		case 6: m.subject = "Hej\r\nBcc: alle@x.example"; break;
		case 7: m.message_id = "<a@b.example>"; break;
		case 8: m.message_id = NULL; break;
		case 9: m.in_reply_to = "a b@c.example"; break;
		case 10: m.text = NULL; break;
		case 11: m.text = "M\xf8" "de"; break;
		case 12: m.to_name = "Karin\x07"; break;
		case 13: m.from_name = "Tove\r\nBcc: x@y.example"; break;
		default: fail();
		}
		print_message("refused: %s\n", what[k]);
		assert_null(mime_build(&m, NULL, &err));
		assert_true(err.msg[0] != '\0');
		if (k == 0)
			assert_non_null(strstr(err.msg, "REQUEST"));
	}
}

#define DOCX_TYPE "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

/* The referat draft as an attachment: multipart/mixed of the text+HTML alternative and the file in base64,
 * with a Cc; an ASCII name quoted, a Danish one in RFC 2231 form; a bad name or type refused. */
static void test_attachment(void **state)
{
	unsigned char bytes[600];
	struct mime_message m = base_message();
	struct err err = { "" };
	struct part parts[4], inner[4];
	struct walk w;
	size_t len, n, blen;
	char *msg, *ct, *boundary, *b2, *dec;

	(void)state;
	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)(i * 7);
	m.ical = NULL;
	m.ical_method = NULL;
	m.cc_name = "Karin Lund";
	m.cc_email = "tovholder@netvaerk.example";
	m.attachment = (const char *)bytes;
	m.attachment_len = sizeof(bytes);
	m.attachment_type = DOCX_TYPE;
	m.attachment_name = "referat-2027-03-05.docx";
	msg = mime_build(&m, &len, &err);
	assert_non_null(msg);
	assert_lines(msg, len, 998);
	split_message(msg, &w);
	assert_header(w.headers, "Cc", "Karin Lund <tovholder@netvaerk.example>");
	ct = header(w.headers, "Content-Type");
	assert_true(strncmp(ct, "multipart/mixed;", 16) == 0);
	boundary = param(ct, "boundary");
	n = split_parts(w.body, boundary, parts, 4);
	assert_int_equal(n, 2);
	char *ct0 = header(parts[0].headers, "Content-Type");
	assert_true(strncmp(ct0, "multipart/alternative;", 22) == 0);
	b2 = param(ct0, "boundary");
	assert_true(strncmp(b2, boundary, strlen(b2)) != 0 && strncmp(boundary, b2, strlen(boundary)) != 0);
	char *body0 = xasprintf("%s\r\n", parts[0].content);  /* the CRLF before the outer delimiter */
	size_t n2 = split_parts(body0, b2, inner, 4);
	free(body0);
	assert_int_equal(n2, 2);
	assert_header(inner[1].headers, "Content-Type", "text/html; charset=UTF-8");
	assert_header(parts[1].headers, "Content-Type", DOCX_TYPE "; name=\"referat-2027-03-05.docx\"");
	assert_header(parts[1].headers, "Content-Disposition", "attachment; filename=\"referat-2027-03-05.docx\"");
	assert_header(parts[1].headers, "Content-Transfer-Encoding", "base64");
	dec = b64_decode(parts[1].content, strlen(parts[1].content), &blen);
	assert_int_equal(blen, sizeof(bytes));
	assert_memory_equal(dec, bytes, sizeof(bytes));
	free(dec);
	free_parts(inner, n2);
	free_parts(parts, n);
	free(b2);
	free(ct0);
	free(boundary);
	free(ct);
	free(w.headers);
	free(msg);

	/* a Danish name: RFC 2231, every byte outside attr-char percent-encoded */
	m.attachment_name = "Referat 5. marts – Næstved.docx";
	msg = mime_build(&m, &len, &err);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "filename*=UTF-8''Referat%205.%20marts%20%E2%80%93%20N%C3%A6stved.docx\r\n"));
	assert_non_null(strstr(msg, "name*=UTF-8''Referat%205.%20marts"));
	free(msg);

	static const char *const bad_names[] = { "../etc/passwd", "a\"b.docx", "a\r\nX: y.docx", "", ".docx" };
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		m.attachment_name = bad_names[i];
		assert_null(mime_build(&m, &len, &err));
	}
	m.attachment_name = "a.docx";
	m.attachment_type = "application/x; y=z";
	assert_null(mime_build(&m, &len, &err));
	m.attachment_type = DOCX_TYPE;
	m.cc_email = "not an address";
	assert_null(mime_build(&m, &len, &err));
}

static void test_message_id(void **state)
{
	char *a, *b;

	(void)state;
	a = mime_new_message_id("kommune.example");
	b = mime_new_message_id("kommune.example");
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(strlen(a), 32 + strlen(".tovholder@kommune.example"));
	for (int i = 0; i < 32; i++)
		assert_true((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f'));
	assert_string_equal(a + 32, ".tovholder@kommune.example");
	assert_string_not_equal(a, b);
	free(a);
	free(b);
	assert_null(mime_new_message_id(""));
	assert_null(mime_new_message_id(NULL));
	assert_null(mime_new_message_id("a b.example"));
	assert_null(mime_new_message_id("x@y.example"));
	assert_null(mime_new_message_id("<kommune.example>"));
}

/* Two builds of the same message differ only in the boundary, which is random. */
static void test_boundary_random(void **state)
{
	struct mime_message m = base_message();
	struct err err = { "" };
	struct walk w1, w2;
	char *a, *b, *c1, *c2, *b1, *b2;

	(void)state;
	a = mime_build(&m, NULL, &err);
	b = mime_build(&m, NULL, &err);
	split_message(a, &w1);
	split_message(b, &w2);
	c1 = header(w1.headers, "Content-Type");
	c2 = header(w2.headers, "Content-Type");
	b1 = param(c1, "boundary");
	b2 = param(c2, "boundary");
	assert_string_not_equal(b1, b2);
	assert_null(strstr(a, b2));
	free(b1);
	free(b2);
	free(c1);
	free(c2);
	free(w1.headers);
	free(w2.headers);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_message),
		cmocka_unit_test(test_subjects),
		cmocka_unit_test(test_encode_header),
		cmocka_unit_test(test_qp_danish_line),
		cmocka_unit_test(test_mailboxes),
		cmocka_unit_test(test_single_and_two_parts),
		cmocka_unit_test(test_cancel_and_lf_ical),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_attachment),
		cmocka_unit_test(test_message_id),
		cmocka_unit_test(test_boundary_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
