/* Incoming mail: RFC 5322 + MIME (RFC 2045-2049, 2231, 2047) into a tree of parts, decoding to UTF-8, and the
 * checks the reply logic needs. No I/O: the raw message comes from the IMAP module, a test or a fuzzer. */
#include "inmail.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "util.h"

/* Decoded text can grow up to 3 octets per input octet (Windows-1252 → UTF-8). */
#define TEXT_CAP ((size_t)3 * INMAIL_MAX_SIZE)
#define MAX_BOUNDARY 200   /* RFC 2046 allows 70; some generators exceed that a little */
#define MAX_ADDRS 1000
#define MAX_IDS 256
#define MAX_RAW_PARAMS 256 /* before RFC 2231 continuations are joined */
#define MAX_WORD 1000      /* encoded text of one RFC 2047 word */

struct inmail_blob {
	struct inmail_blob *next;
	char data[];
};

/* ---- small helpers ---- */

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Appends unless the buffer already overflowed its cap, so a capped result is cut, never garbled. */
static void add(struct buf *b, const void *data, size_t len)
{
	if (!b->overflow)
		buf_add(b, data, len);
}

static void addch(struct buf *b, char c)
{
	add(b, &c, 1);
}

/* One line of [p, end): returns the start of the next line; *ret_len is the length without CR/LF. */
static const char *next_line(const char *p, const char *end, size_t *ret_len)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t len = (size_t)((nl ? nl : end) - p);

	if (len && p[len - 1] == '\r')
		len--;
	*ret_len = len;
	return nl ? nl + 1 : end;
}

/* Strips white space at both ends in place, in linear time (util_trim moves one octet at a time, which is
 * quadratic on a 64 KiB header of folds). Returns s. */
static char *trim(char *s)
{
	size_t start = 0, end = strlen(s);

	while (start < end && is_ws(s[start]))
		start++;
	while (end > start && is_ws(s[end - 1]))
		end--;
	memmove(s, s + start, end - start);
	s[end - start] = '\0';
	return s;
}

static int ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* ---- UTF-8 and charsets ---- */

static void put_cp(struct buf *b, uint32_t cp)
{
	if (!b->overflow)
		buf_add_utf8(b, cp);
}

/* Length (1-4) of the valid UTF-8 sequence at s, or 0: overlong forms, surrogates, > U+10FFFF, cut short. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		cp = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3;
		cp = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)))
		return 0;
	if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))
		return 0;
	return len;
}

static int utf8_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t l = utf8_len((const unsigned char *)s + i, n - i);
		if (!l)
			return 0;
		i += l;
	}
	return 1;
}

/* Copies UTF-8, replacing every invalid octet and NUL by U+FFFD. */
static void from_utf8(struct buf *b, const char *s, size_t n)
{
	size_t start = 0, i = 0;

	while (i < n) {
		size_t l = utf8_len((const unsigned char *)s + i, n - i);
		if (l && s[i]) {
			i += l;
			continue;
		}
		add(b, s + start, i - start);
		put_cp(b, 0xFFFD);
		start = ++i;
	}
	add(b, s + start, i - start);
}

/* 0x80-0x9F in Windows-1252. Mail labelled ISO-8859-1 uses these (Outlook's curly quotes, the euro sign):
 * they are never meant as C1 controls. The five holes map to the C1 code point, as the WHATWG table does. */
static const uint16_t cp1252_hi[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

uint32_t inmail_cp1252(unsigned char c)
{
	return c >= 0x80 && c <= 0x9F ? cp1252_hi[c - 0x80] : c;
}

/* ISO-8859-15 differs from ISO-8859-1 in eight places. */
static uint32_t latin9_cp(unsigned char c)
{
	static const struct { unsigned char c; uint16_t cp; } diff[] = {
		{ 0xA4, 0x20AC }, { 0xA6, 0x0160 }, { 0xA8, 0x0161 }, { 0xB4, 0x017D },
		{ 0xB8, 0x017E }, { 0xBC, 0x0152 }, { 0xBD, 0x0153 }, { 0xBE, 0x0178 },
	};

	for (size_t i = 0; i < sizeof(diff) / sizeof(diff[0]); i++)
		if (diff[i].c == c)
			return diff[i].cp;
	return c;
}

static void from_8bit(struct buf *b, const char *s, size_t n, int latin9)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c && c < 0x80)
			continue;
		add(b, s + start, i - start);
		if (c == 0)
			put_cp(b, 0xFFFD);
		else if (c < 0xA0)
			put_cp(b, cp1252_hi[c - 0x80]);
		else
			put_cp(b, latin9 ? latin9_cp(c) : c);
		start = i + 1;
	}
	add(b, s + start, n - start);
}

/* No (usable) charset: UTF-8 when it is valid UTF-8, else the usual Western default, Windows-1252. */
static void from_auto(struct buf *b, const char *s, size_t n)
{
	if (utf8_valid(s, n))
		from_utf8(b, s, n);
	else
		from_8bit(b, s, n, 0);
}

static void add_no_nul(struct buf *b, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i])
			continue;
		add(b, s + start, i - start);
		put_cp(b, 0xFFFD);
		start = i + 1;
	}
	add(b, s + start, n - start);
}

/* -1 when iconv does not know the charset (nothing appended). Bad input octets become U+FFFD. */
static int from_iconv(struct buf *b, const char *s, size_t n, const char *charset)
{
	iconv_t cd = iconv_open("UTF-8", charset);
	char out[4096];
	char *in = (char *)s;
	size_t inleft = n;

	if (cd == (iconv_t)-1)
		return -1;
	while (inleft && !b->overflow) {
		char *op = out;
		size_t oleft = sizeof(out);
		size_t r = iconv(cd, &in, &inleft, &op, &oleft);
		add_no_nul(b, out, (size_t)(op - out));
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		put_cp(b, 0xFFFD);
		if (errno != EILSEQ)
			break; /* EINVAL: a sequence cut at the end */
		in++;
		inleft--;
	}
	char *op = out;
	size_t oleft = sizeof(out);
	iconv(cd, NULL, NULL, &op, &oleft); /* the shift back of stateful charsets (ISO-2022-JP) */
	add_no_nul(b, out, (size_t)(op - out));
	iconv_close(cd);
	return 0;
}

enum cs_kind { CS_AUTO, CS_UTF8, CS_CP1252, CS_LATIN9, CS_ICONV };

static const struct {
	const char *name;
	enum cs_kind kind;
} charset_names[] = {
	{ "utf-8", CS_UTF8 }, { "utf8", CS_UTF8 },
	/* us-ascii labels are often wrong; 8-bit content is read like a missing charset */
	{ "us-ascii", CS_AUTO }, { "ascii", CS_AUTO }, { "ansi_x3.4-1968", CS_AUTO }, { "iso646-us", CS_AUTO },
	{ "iso-8859-1", CS_CP1252 }, { "iso8859-1", CS_CP1252 }, { "iso_8859-1", CS_CP1252 },
	{ "latin1", CS_CP1252 }, { "latin-1", CS_CP1252 }, { "l1", CS_CP1252 }, { "cp819", CS_CP1252 },
	{ "windows-1252", CS_CP1252 }, { "cp1252", CS_CP1252 }, { "x-cp1252", CS_CP1252 },
	{ "iso-8859-15", CS_LATIN9 }, { "iso8859-15", CS_LATIN9 }, { "iso_8859-15", CS_LATIN9 },
	{ "latin9", CS_LATIN9 }, { "latin-9", CS_LATIN9 },
};

/* Normalises a charset label into 'norm'. Labels with characters iconv would treat specially ("//TRANSLIT")
 * or absurd lengths count as missing. */
static enum cs_kind charset_kind(const char *charset, char *norm, size_t normsz)
{
	size_t n = 0;

	if (!charset)
		return CS_AUTO;
	while (*charset == ' ' || *charset == '"' || *charset == '\'')
		charset++;
	for (; *charset && *charset != '"' && *charset != '\'' && *charset != ' '; charset++) {
		char c = (char)tolower((unsigned char)*charset);
		if (!isalnum((unsigned char)c) && !strchr("-_.:+()", c))
			return CS_AUTO;
		if (n + 1 >= normsz)
			return CS_AUTO;
		norm[n++] = c;
	}
	norm[n] = '\0';
	if (!n)
		return CS_AUTO;
	for (size_t i = 0; i < sizeof(charset_names) / sizeof(charset_names[0]); i++)
		if (strcmp(norm, charset_names[i].name) == 0)
			return charset_names[i].kind;
	return CS_ICONV;
}

/* -1 for a charset iconv does not know (nothing appended); the caller picks the fallback. */
static int convert(struct buf *b, const char *s, size_t n, const char *charset)
{
	char norm[48];

	switch (charset_kind(charset, norm, sizeof(norm))) {
	case CS_UTF8:
		from_utf8(b, s, n);
		return 0;
	case CS_CP1252:
		from_8bit(b, s, n, 0);
		return 0;
	case CS_LATIN9:
		from_8bit(b, s, n, 1);
		return 0;
	case CS_ICONV:
		return from_iconv(b, s, n, norm);
	case CS_AUTO:
		break;
	}
	from_auto(b, s, n);
	return 0;
}

static int charset_known(const char *charset)
{
	char norm[48];
	iconv_t cd;

	if (charset_kind(charset, norm, sizeof(norm)) != CS_ICONV)
		return 1;
	cd = iconv_open("UTF-8", norm);
	if (cd == (iconv_t)-1)
		return 0;
	iconv_close(cd);
	return 1;
}

char *inmail_to_utf8(const char *in, size_t len, const char *charset, size_t *ret_len)
{
	struct buf b;

	buf_init(&b);
	b.cap = TEXT_CAP;
	if (convert(&b, in, len, charset) < 0)
		from_auto(&b, in, len);
	return buf_detach(&b, ret_len);
}

/* ---- structured header values: comments, quoted strings, parameters ---- */

/* p at '(': returns the position after the matching ')' (or the end); the text goes to 'text' if given. */
static const char *skip_comment(const char *p, struct buf *text)
{
	int depth = 0;

	for (; *p; p++) {
		char c = *p;
		if (c == '\\' && p[1]) {
			c = *++p;
		} else if (c == '(') {
			if (depth++ == 0)
				continue;
		} else if (c == ')') {
			if (--depth == 0)
				return p + 1;
		}
		if (text)
			addch(text, c);
	}
	return p;
}

static const char *skip_cfws(const char *p)
{
	for (;;) {
		while (is_ws(*p))
			p++;
		if (*p != '(')
			return p;
		p = skip_comment(p, NULL);
	}
}

/* p at '"': appends the unescaped content to 'out' (if given); returns the position after the closing '"'. */
static const char *read_quoted(const char *p, struct buf *out)
{
	for (p++; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		if (out)
			addch(out, *p);
	}
	return *p ? p + 1 : p;
}

/* The main value of a MIME header ("text/plain", "attachment", "base64") up to ';': comments, quotes and
 * white space dropped, lower-cased. Returns the position of the ';' (or the end). */
static const char *parse_main(const char *p, struct buf *out)
{
	while (*p && *p != ';') {
		if (*p == '(') {
			p = skip_comment(p, NULL);
			continue;
		}
		if (!is_ws(*p) && *p != '"')
			addch(out, (char)tolower((unsigned char)*p));
		p++;
	}
	return p;
}

struct plist {
	struct inmail_param *v;
	size_t n, alloc, max;
};

/* Takes ownership of name and value; drops them over the list's cap. */
static void plist_add(struct plist *l, char *name, char *value)
{
	if (l->n >= l->max) {
		free(name);
		free(value);
		return;
	}
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 8;
		l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
	}
	l->v[l->n].name = name;
	l->v[l->n].value = value;
	l->n++;
}

static void plist_release(struct plist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].value);
	}
	free(l->v);
}

/* ";name=value" pairs as written (names lower-cased). Lenient: unquoted values may hold spaces, junk between
 * parameters is skipped, a parameter without '=' is dropped. */
static void parse_params(const char *p, struct plist *raw)
{
	struct buf name, value;

	buf_init(&name);
	buf_init(&value);
	while (*p) {
		while (*p && *p != ';') {
			if (*p == '"')
				p = read_quoted(p, NULL);
			else if (*p == '(')
				p = skip_comment(p, NULL);
			else
				p++;
		}
		if (!*p)
			break;
		p = skip_cfws(p + 1);
		buf_reset(&name);
		buf_reset(&value);
		while (*p && *p != '=' && *p != ';' && *p != '"' && *p != '(' && !is_ws(*p))
			addch(&name, (char)tolower((unsigned char)*p++));
		p = skip_cfws(p);
		if (*p != '=' || !name.len)
			continue;
		p = skip_cfws(p + 1);
		if (*p == '"') {
			p = read_quoted(p, &value);
		} else {
			while (*p && *p != ';' && *p != '(')
				addch(&value, *p++);
			while (value.len && is_ws(value.data[value.len - 1]))
				value.data[--value.len] = '\0';
		}
		plist_add(raw, xstrdup(name.data), xstrdup(value.data));
	}
	buf_release(&name);
	buf_release(&value);
}

/* RFC 2231 name forms after the base name: "*" (one extended value, *idx = -1), "*N", "*N*". -1 otherwise. */
static int split_star(const char *rest, int *idx, int *ext)
{
	char *end;
	long v;

	if (*rest != '*')
		return -1;
	if (rest[1] == '\0') {
		*idx = -1;
		*ext = 1;
		return 0;
	}
	if (!isdigit((unsigned char)rest[1]))
		return -1;
	v = strtol(rest + 1, &end, 10);
	if (v > 99 || (*end && strcmp(end, "*") != 0))
		return -1;
	*idx = (int)v;
	*ext = *end == '*';
	return 0;
}

static void pct_decode(const char *s, struct buf *out)
{
	for (; *s; s++) {
		if (s[0] == '%' && util_hexval(s[1]) >= 0 && util_hexval(s[2]) >= 0) {
			addch(out, (char)(util_hexval(s[1]) << 4 | util_hexval(s[2])));
			s += 2;
		} else {
			addch(out, *s);
		}
	}
}

/* Finds raw parameter base*idx (idx -1: "base*") and whether it is extended. */
static const char *find_segment(const struct plist *raw, const char *base, size_t blen, int idx, int *ret_ext)
{
	for (size_t i = 0; i < raw->n; i++) {
		int j, ext;
		if (strncmp(raw->v[i].name, base, blen) != 0)
			continue;
		if (split_star(raw->v[i].name + blen, &j, &ext) == 0 && j == idx) {
			*ret_ext = ext;
			return raw->v[i].value;
		}
	}
	return NULL;
}

/* Joins the RFC 2231 segments of 'base' and converts them to UTF-8; NULL when there are none. */
static char *join_2231(const struct plist *raw, const char *base, size_t blen)
{
	struct buf bytes, out;
	char charset[48] = "";
	int ext, found = 0;

	buf_init(&bytes);
	for (int idx = -1; idx <= 99; idx++) {
		const char *v = find_segment(raw, base, blen, idx, &ext);
		if (!v) {
			if (idx < 0)
				continue; /* no "base*": look for "base*0", "base*1", ... */
			break;
		}
		found = 1;
		if (ext && idx <= 0) {
			/* charset'language'value: only the first segment carries them */
			const char *q1 = strchr(v, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
			if (q2) {
				size_t cl = (size_t)(q1 - v) < sizeof(charset) ? (size_t)(q1 - v) : 0;
				memcpy(charset, v, cl);
				charset[cl] = '\0';
				v = q2 + 1;
			}
		}
		if (ext)
			pct_decode(v, &bytes);
		else
			add(&bytes, v, strlen(v));
		if (idx < 0)
			break; /* "base*" is the whole value */
	}
	if (!found) {
		buf_release(&bytes);
		return NULL;
	}
	buf_init(&out);
	out.cap = (size_t)INMAIL_MAX_HEADER_LEN * 3;
	if (convert(&out, bytes.data, bytes.len, charset) < 0)
		from_auto(&out, bytes.data, bytes.len);
	buf_release(&bytes);
	return buf_detach(&out, NULL);
}

static int plist_has(const struct plist *l, const char *name, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i].name) == len && strncmp(l->v[i].name, name, len) == 0)
			return 1;
	return 0;
}

/* Final parameters: one per base name, in order of first appearance; the RFC 2231 form wins over the plain
 * one (RFC 2231 section 4.1 lets senders give both). Plain values may carry RFC 2047 words (Outlook and
 * Gmail do this for file names), so those are decoded too. */
static void merge_params(const struct plist *raw, struct plist *out)
{
	for (size_t i = 0; i < raw->n; i++) {
		const char *name = raw->v[i].name;
		size_t blen = strcspn(name, "*");
		char *v;

		if (!blen || plist_has(out, name, blen))
			continue;
		v = join_2231(raw, name, blen);
		if (!v) {
			const char *plain = NULL;
			for (size_t j = 0; j < raw->n && !plain; j++)
				if (strlen(raw->v[j].name) == blen && strncmp(raw->v[j].name, name, blen) == 0)
					plain = raw->v[j].value;
			if (!plain)
				continue;
			v = inmail_decode_words(plain);
		}
		plist_add(out, xstrndup(name, blen), v);
	}
}

/* ---- parts: MIME fields ---- */

static void part_defaults(struct inmail_part *p)
{
	p->type = xstrdup("text");
	p->subtype = xstrdup("plain");
	p->encoding = xstrdup("7bit");
}

static void part_add_params(struct inmail_part *p, const char *rest)
{
	struct plist raw = { NULL, 0, 0, MAX_RAW_PARAMS };
	struct plist out = { p->params, p->n_params, p->n_params, INMAIL_MAX_PARAMS };

	parse_params(rest, &raw);
	merge_params(&raw, &out);
	plist_release(&raw);
	p->params = out.v;
	p->n_params = out.n;
}

static void part_free_params(struct inmail_part *p)
{
	for (size_t i = 0; i < p->n_params; i++) {
		free(p->params[i].name);
		free(p->params[i].value);
	}
	free(p->params);
	p->params = NULL;
	p->n_params = 0;
}

void inmail_part_set_content_type(struct inmail_part *p, const char *value)
{
	struct buf main;
	const char *rest, *slash;

	buf_init(&main);
	rest = parse_main(value ? value : "", &main);
	free(p->type);
	free(p->subtype);
	part_free_params(p);
	slash = strchr(main.data, '/');
	if (slash && slash != main.data && slash[1]) {
		p->type = xstrndup(main.data, (size_t)(slash - main.data));
		p->subtype = xstrdup(slash + 1);
	} else if (main.len && strcmp(main.data, "text") != 0) {
		/* RFC 2045 5.2 says an invalid type means text/plain, but a bare "application" is no text */
		p->type = xstrdup("application");
		p->subtype = xstrdup("octet-stream");
	} else {
		p->type = xstrdup("text");
		p->subtype = xstrdup("plain");
	}
	buf_release(&main);
	part_add_params(p, rest);
}

void inmail_part_set_disposition(struct inmail_part *p, const char *value)
{
	struct buf main;
	const char *rest;

	buf_init(&main);
	rest = parse_main(value ? value : "", &main);
	free(p->disposition);
	p->disposition = main.len ? xstrdup(main.data) : NULL;
	buf_release(&main);
	part_add_params(p, rest);
}

void inmail_part_set_encoding(struct inmail_part *p, const char *value)
{
	struct buf main;

	buf_init(&main);
	parse_main(value ? value : "", &main);
	free(p->encoding);
	p->encoding = xstrdup(main.len ? main.data : "7bit");
	buf_release(&main);
}

const char *inmail_part_param(const struct inmail_part *p, const char *name)
{
	for (size_t i = 0; i < p->n_params; i++)
		if (strcasecmp(p->params[i].name, name) == 0)
			return p->params[i].value;
	return NULL;
}

int inmail_part_is(const struct inmail_part *p, const char *type, const char *subtype)
{
	return p->type && p->subtype && strcmp(p->type, type) == 0 && strcmp(p->subtype, subtype) == 0;
}

const char *inmail_part_header(const struct inmail_part *p, const char *name)
{
	for (size_t i = 0; i < p->n_headers; i++)
		if (strcasecmp(p->headers[i].name, name) == 0)
			return p->headers[i].value;
	return NULL;
}

const char *inmail_header(const struct inmail *m, const char *name)
{
	return inmail_part_header(&m->root, name);
}

/* ---- header blocks ---- */

struct hlist {
	struct inmail_header *v;
	size_t n, alloc;
};

/* The field name length when the line starts "name:" (obsolete white space before the colon allowed, RFC 5322
 * 4.5.8), else 0. *ret_colon is the colon's offset. */
static size_t field_name_len(const char *s, size_t len, size_t *ret_colon)
{
	size_t i = 0, name_len;

	while (i < len && (unsigned char)s[i] > ' ' && (unsigned char)s[i] < 127 && s[i] != ':')
		i++;
	name_len = i;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (!name_len || i >= len || s[i] != ':')
		return 0;
	*ret_colon = i;
	return name_len;
}

/* Appends one physical line to the value being unfolded, within INMAIL_MAX_HEADER_LEN. */
static void value_append(struct buf *val, const char *s, size_t len, unsigned *flags)
{
	if (val->len + len > INMAIL_MAX_HEADER_LEN) {
		*flags |= INMAIL_LONG_HEADER;
		len = INMAIL_MAX_HEADER_LEN - val->len;
	}
	/* a NUL in a header becomes a space; the rest goes in whole runs (every header of every mail) */
	while (len) {
		const char *nul = memchr(s, '\0', len);
		size_t run = nul ? (size_t)(nul - s) : len;

		add(val, s, run);
		if (nul) {
			addch(val, ' ');
			run++;
		}
		s += run;
		len -= run;
	}
}

static void hlist_flush(struct hlist *h, char **name, struct buf *val)
{
	char *v;

	if (!*name)
		return;
	if (h->n == h->alloc) {
		h->alloc = h->alloc ? 2 * h->alloc : 16;
		h->v = xrealloc(h->v, h->alloc * sizeof(*h->v));
	}
	v = trim(xstrdup(val->data));
	h->v[h->n].name = *name;
	h->v[h->n].value = v;
	h->n++;
	*name = NULL;
	buf_reset(val);
}

/* Parses the header block at p into part->headers (appending). Returns where the body starts: after the blank
 * line, or at the first line that is neither a field nor a fold (generators that forget the blank line).
 * 'top': the message itself, where an mbox "From " line may come first. */
static const char *parse_headers(const char *p, const char *end, struct inmail_part *part, unsigned *flags,
				 int top)
{
	struct hlist h = { part->headers, part->n_headers, part->n_headers };
	struct buf val;
	char *name = NULL;
	size_t fields = 0;

	buf_init(&val);
	if (top && end - p >= 5 && memcmp(p, "From ", 5) == 0) {
		size_t len;
		p = next_line(p, end, &len);
	}
	while (p < end) {
		size_t len, colon, nl;
		const char *next = next_line(p, end, &len);

		if (len == 0) {
			p = next;
			break;
		}
		if (p[0] == ' ' || p[0] == '\t') {
			if (!name && !fields)
				break; /* no header at all: the body begins indented */
			if (name)
				value_append(&val, p, len, flags);
			p = next;
			continue;
		}
		nl = field_name_len(p, len, &colon);
		if (!nl)
			break;
		hlist_flush(&h, &name, &val);
		if (++fields > INMAIL_MAX_HEADERS) {
			*flags |= INMAIL_TOO_MANY_HEADERS; /* keep reading to find the body, store nothing */
		} else {
			size_t v = colon + 1;
			while (v < len && (p[v] == ' ' || p[v] == '\t'))
				v++;
			name = xstrndup(p, nl);
			value_append(&val, p + v, len - v, flags);
		}
		p = next;
	}
	hlist_flush(&h, &name, &val);
	buf_release(&val);
	part->headers = h.v;
	part->n_headers = h.n;
	return p;
}

static void free_headers(struct inmail_header *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	free(h);
}

const char *inmail_parse_header_block(const char *p, const char *end, struct inmail_part *ret)
{
	unsigned flags = 0;
	const char *q;

	memset(ret, 0, sizeof(*ret));
	q = parse_headers(p, end, ret, &flags, 0);
	if (q == p && p < end) {
		size_t len;
		q = next_line(p, end, &len);
	}
	return q;
}

void inmail_header_block_release(struct inmail_part *p)
{
	free_headers(p->headers, p->n_headers);
	p->headers = NULL;
	p->n_headers = 0;
}

/* ---- the part tree ---- */

static int encoding_identity(const char *enc)
{
	return !enc || !*enc || strcmp(enc, "7bit") == 0 || strcmp(enc, "8bit") == 0 || strcmp(enc, "binary") == 0;
}

/* Number of components in a section ("" 0, "2" 1, "2.1" 2): the nesting depth the IMAP path builds. */
static int section_depth(const char *s)
{
	int d = *s ? 1 : 0;

	for (; *s; s++)
		d += *s == '.';
	return d;
}

static int child_section(char *dst, size_t size, const char *parent, size_t idx)
{
	int n = *parent ? snprintf(dst, size, "%s.%zu", parent, idx) : snprintf(dst, size, "%zu", idx);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static void parse_entity(struct inmail *m, struct inmail_part *part, const char *p, const char *end, int depth,
			 int top, int digest);

/* 0: not a delimiter line, 1: "--boundary", 2: the close delimiter "--boundary--" (RFC 2046 5.1.1; trailing
 * white space allowed). A longer boundary that merely starts with ours is no match. */
static int delimiter(const char *s, size_t len, const char *b, size_t blen)
{
	size_t i = blen + 2;
	int close = 0;

	if (len < i || s[0] != '-' || s[1] != '-' || memcmp(s + 2, b, blen) != 0)
		return 0;
	if (len - i >= 2 && s[i] == '-' && s[i + 1] == '-') {
		close = 1;
		i += 2;
	}
	for (; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return close ? 2 : 1;
}

struct range {
	const char *s, *e;
};

/* Splits a multipart body at its delimiters; the preamble and epilogue are ignored. A missing close delimiter
 * flags TRUNCATED and the last part runs to the end. */
static void parse_multipart(struct inmail *m, struct inmail_part *part, int depth)
{
	const char *boundary = inmail_part_param(part, "boundary");
	const char *p = part->body, *end = part->body + part->body_len, *cur = NULL;
	struct range *r = NULL;
	size_t blen = boundary ? strlen(boundary) : 0, n = 0, alloc = 0;
	int closed = 0, digest = strcmp(part->subtype, "digest") == 0;

	if (!blen || blen > MAX_BOUNDARY) {
		m->flags |= INMAIL_MALFORMED;
		return;
	}
	if (depth >= INMAIL_MAX_DEPTH) {
		m->flags |= INMAIL_TOO_DEEP;
		return;
	}
	while (p < end) {
		size_t len;
		const char *next = next_line(p, end, &len);
		int kind = delimiter(p, len, boundary, blen);

		if (kind && cur) {
			const char *e = p; /* the line break before a delimiter belongs to it */
			if (e > cur && e[-1] == '\n')
				e--;
			if (e > cur && e[-1] == '\r')
				e--;
			if (m->n_parts + n >= INMAIL_MAX_PARTS) {
				m->flags |= INMAIL_TOO_MANY_PARTS;
				cur = NULL;
				closed = 1;
				break;
			}
			if (n == alloc) {
				alloc = alloc ? 2 * alloc : 8;
				r = xrealloc(r, alloc * sizeof(*r));
			}
			r[n].s = cur;
			r[n].e = e;
			n++;
		}
		if (kind == 2) {
			cur = NULL;
			closed = 1;
			break;
		}
		if (kind == 1)
			cur = next;
		p = next;
	}
	if (cur) {
		if (m->n_parts + n >= INMAIL_MAX_PARTS) {
			m->flags |= INMAIL_TOO_MANY_PARTS;
		} else {
			if (n == alloc)
				r = xrealloc(r, (alloc + 1) * sizeof(*r));
			r[n].s = cur;
			r[n].e = end;
			n++;
		}
	}
	if (!closed)
		m->flags |= n ? INMAIL_TRUNCATED : INMAIL_MALFORMED;
	if (n) {
		part->children = xcalloc(n, sizeof(*part->children));
		m->n_parts += n;
	}
	for (size_t i = 0; i < n; i++) {
		struct inmail_part *c = &part->children[i];
		if (child_section(c->section, sizeof(c->section), part->section, i + 1) < 0) {
			m->flags |= INMAIL_TOO_DEEP;
			break;
		}
		part->n_children = i + 1;
		parse_entity(m, c, r[i].s, r[i].e, depth + 1, 0, digest);
	}
	free(r);
}

static struct inmail_blob *blob_new(struct inmail *m, const char *data, size_t len)
{
	struct inmail_blob *b = xmalloc(sizeof(*b) + len + 1);

	memcpy(b->data, data, len);
	b->data[len] = '\0';
	b->next = m->blobs;
	m->blobs = b;
	return b;
}

/* message/rfc822 (DSNs carry the bounced mail) and message/global (RFC 6532). An encoded one (base64 is
 * legal for message/global) is decoded into a blob first, so the enclosed bodies point into that. */
static void parse_enclosed(struct inmail *m, struct inmail_part *part, int depth)
{
	const char *s = part->body;
	size_t len = part->body_len;

	if (depth >= INMAIL_MAX_DEPTH) {
		m->flags |= INMAIL_TOO_DEEP;
		return;
	}
	if (m->n_parts >= INMAIL_MAX_PARTS) {
		m->flags |= INMAIL_TOO_MANY_PARTS;
		return;
	}
	if (!encoding_identity(part->encoding)) {
		char *dec = inmail_part_decode(part, &len, NULL);
		if (!dec)
			return;
		s = blob_new(m, dec, len)->data;
		free(dec);
	}
	part->message = xcalloc(1, sizeof(*part->message));
	m->n_parts++;
	memcpy(part->message->section, part->section, sizeof(part->section));
	parse_entity(m, part->message, s, s + len, depth + 1, 0, 0);
}

/* One entity (a message or a body part) in [p, end). 'digest': inside multipart/digest, where the default
 * type is message/rfc822 (RFC 2046 5.1.5). */
static void parse_entity(struct inmail *m, struct inmail_part *part, const char *p, const char *end, int depth,
			 int top, int digest)
{
	const char *body = parse_headers(p, end, part, &m->flags, top);
	const char *v;

	if ((v = inmail_part_header(part, "Content-Type")) != NULL) {
		inmail_part_set_content_type(part, v);
	} else {
		free(part->type);
		free(part->subtype);
		part->type = xstrdup(digest ? "message" : "text");
		part->subtype = xstrdup(digest ? "rfc822" : "plain");
	}
	inmail_part_set_encoding(part, inmail_part_header(part, "Content-Transfer-Encoding"));
	if ((v = inmail_part_header(part, "Content-Disposition")) != NULL)
		inmail_part_set_disposition(part, v);
	part->body = body;
	part->body_len = part->size = (size_t)(end - body);
	if (strcmp(part->type, "multipart") == 0)
		parse_multipart(m, part, depth);
	else if (inmail_part_is(part, "message", "rfc822") || inmail_part_is(part, "message", "global"))
		parse_enclosed(m, part, depth);
}

void inmail_init(struct inmail *m)
{
	memset(m, 0, sizeof(*m));
	part_defaults(&m->root);
	m->n_parts = 1;
}

int inmail_parse(struct inmail *m, const char *raw, size_t len, struct err *err)
{
	inmail_init(m);
	if (len > INMAIL_MAX_SIZE)
		return err_set(err, "message too large (%zu bytes, limit %u)", len, INMAIL_MAX_SIZE);
	m->raw = xmalloc(len + 1);
	if (len)
		memcpy(m->raw, raw, len);
	m->raw[len] = '\0';
	m->raw_len = len;
	parse_entity(m, &m->root, m->raw, m->raw + len, 0, 1, 0);
	return 0;
}

static void part_release(struct inmail_part *p)
{
	free_headers(p->headers, p->n_headers);
	free(p->type);
	free(p->subtype);
	part_free_params(p);
	free(p->encoding);
	free(p->disposition);
	for (size_t i = 0; i < p->n_children; i++)
		part_release(&p->children[i]);
	free(p->children);
	if (p->message) {
		part_release(p->message);
		free(p->message);
	}
	memset(p, 0, sizeof(*p));
}

void inmail_release(struct inmail *m)
{
	part_release(&m->root);
	free(m->raw);
	while (m->blobs) {
		struct inmail_blob *b = m->blobs;
		m->blobs = b->next;
		free(b);
	}
	memset(m, 0, sizeof(*m));
}

/* ---- building from IMAP ---- */

void inmail_set_headers(struct inmail *m, const char *raw, size_t len)
{
	free_headers(m->root.headers, m->root.n_headers);
	m->root.headers = NULL;
	m->root.n_headers = 0;
	parse_headers(raw, raw + len, &m->root, &m->flags, 1);
}

struct inmail_part *inmail_part_add_children(struct inmail *m, struct inmail_part *p, size_t n)
{
	if (p->children || !n)
		return NULL;
	if (section_depth(p->section) >= INMAIL_MAX_DEPTH) {
		m->flags |= INMAIL_TOO_DEEP;
		return NULL;
	}
	if (n > INMAIL_MAX_PARTS - m->n_parts) {
		m->flags |= INMAIL_TOO_MANY_PARTS;
		return NULL;
	}
	p->children = xcalloc(n, sizeof(*p->children));
	for (size_t i = 0; i < n; i++) {
		struct inmail_part *c = &p->children[i];
		if (child_section(c->section, sizeof(c->section), p->section, i + 1) < 0) {
			free(p->children);
			p->children = NULL;
			m->flags |= INMAIL_TOO_DEEP;
			return NULL;
		}
		part_defaults(c);
	}
	p->n_children = n;
	m->n_parts += n;
	return p->children;
}

struct inmail_part *inmail_part_add_message(struct inmail *m, struct inmail_part *p)
{
	if (p->message)
		return NULL;
	if (section_depth(p->section) >= INMAIL_MAX_DEPTH) {
		m->flags |= INMAIL_TOO_DEEP;
		return NULL;
	}
	if (m->n_parts >= INMAIL_MAX_PARTS) {
		m->flags |= INMAIL_TOO_MANY_PARTS;
		return NULL;
	}
	p->message = xcalloc(1, sizeof(*p->message));
	part_defaults(p->message);
	memcpy(p->message->section, p->section, sizeof(p->section));
	m->n_parts++;
	return p->message;
}

void inmail_part_set_body(struct inmail *m, struct inmail_part *p, const char *data, size_t len)
{
	p->body = blob_new(m, len ? data : "", len)->data;
	p->body_len = p->size = len;
}

/* ---- transfer decoding ---- */

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Skips everything outside the alphabet (line breaks, spaces, junk). '=' ends a quantum and resets, so
 * missing padding works and so do several encodings glued together. out holds at least n octets. */
static size_t b64_decode(const char *in, size_t n, char *out)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int v = b64_value((unsigned char)in[i]);
		if (in[i] == '=') {
			acc = 0;
			bits = 0;
			continue;
		}
		if (v < 0)
			continue;
		acc = (acc << 6 | (uint32_t)v) & 0xFFFFFF;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits);
		}
	}
	return o;
}

/* RFC 2045 6.7: soft breaks ("=" before a line end, white space allowed between), =XX in either case, a stray
 * '=' kept as is, white space before a line end dropped (transport padding). out holds at least n octets. */
static size_t qp_decode(const char *in, size_t n, char *out)
{
	size_t o = 0, i = 0;

	while (i < n) {
		char c = in[i];
		if (c == '=') {
			size_t j = i + 1;
			while (j < n && (in[j] == ' ' || in[j] == '\t'))
				j++;
			if (j == n || in[j] == '\n' || (in[j] == '\r' && (j + 1 == n || in[j + 1] == '\n'))) {
				i = j == n ? n : j + (in[j] == '\r' && j + 1 < n ? 2 : 1);
				continue;
			}
			if (i + 2 < n && util_hexval(in[i + 1]) >= 0 && util_hexval(in[i + 2]) >= 0) {
				out[o++] = (char)(util_hexval(in[i + 1]) << 4 | util_hexval(in[i + 2]));
				i += 3;
				continue;
			}
			out[o++] = '=';
			i++;
		} else if (c == ' ' || c == '\t') {
			size_t j = i;
			while (j < n && (in[j] == ' ' || in[j] == '\t'))
				j++;
			if (!(j == n || in[j] == '\n' || (in[j] == '\r' && j + 1 < n && in[j + 1] == '\n'))) {
				memcpy(out + o, in + i, j - i);
				o += j - i;
			}
			i = j;
		} else {
			out[o++] = c;
			i++;
		}
	}
	return o;
}

char *inmail_part_decode(const struct inmail_part *p, size_t *ret_len, struct err *err)
{
	const char *enc = p->encoding ? p->encoding : "7bit";
	char *out;
	size_t n;

	if (!p->body) {
		err_set(err, "body of part '%s' not fetched", p->section);
		return NULL;
	}
	if (p->body_len > INMAIL_MAX_SIZE) {
		err_set(err, "part '%s' too large (%zu bytes)", p->section, p->body_len);
		return NULL;
	}
	out = xmalloc(p->body_len + 1);
	if (encoding_identity(enc)) {
		memcpy(out, p->body, p->body_len);
		n = p->body_len;
	} else if (strcmp(enc, "base64") == 0) {
		n = b64_decode(p->body, p->body_len, out);
	} else if (strcmp(enc, "quoted-printable") == 0) {
		n = qp_decode(p->body, p->body_len, out);
	} else {
		free(out);
		err_set(err, "part '%s': unknown transfer encoding '%.64s'", p->section, enc);
		return NULL;
	}
	out[n] = '\0';
	if (ret_len)
		*ret_len = n;
	return out;
}

char *inmail_part_text(const struct inmail_part *p, struct err *err)
{
	size_t n, off = 0;
	char *data = inmail_part_decode(p, &n, err), *text;

	if (!data)
		return NULL;
	text = inmail_to_utf8(data, n, inmail_part_param(p, "charset"), &n);
	free(data);
	if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		off = 3;
	if (off)
		memmove(text, text + off, n - off + 1);
	return text;
}

/* ---- RFC 2047 encoded-words ---- */

/* p at "=?": decodes one encoded-word's octets into 'bytes' and its charset (without an RFC 2231 "*lang")
 * into cs. -1 when it is malformed or iconv does not know the charset: then it stays as written. */
static int parse_word(const char *p, char *cs, size_t cssz, struct buf *bytes, const char **ret_after)
{
	const char *q = p + 2, *text;
	size_t n = 0;
	char enc;

	while (*q && *q != '?' && !is_ws(*q) && n + 1 < cssz)
		cs[n++] = *q++;
	if (*q != '?' || !n)
		return -1;
	cs[n] = '\0';
	cs[strcspn(cs, "*")] = '\0';
	enc = (char)tolower((unsigned char)q[1]);
	if ((enc != 'b' && enc != 'q') || q[2] != '?')
		return -1;
	text = q += 3;
	/* RFC 2047 allows 75 octets per word; a looser bound still keeps a hostile header linear */
	while (*q && !(q[0] == '?' && q[1] == '=') && !is_ws(*q) && q - text < MAX_WORD)
		q++;
	if (q[0] != '?' || q[1] != '=' || !charset_known(cs))
		return -1;
	buf_reset(bytes);
	if (enc == 'b') {
		char *tmp = xmalloc((size_t)(q - text) + 1);
		add(bytes, tmp, b64_decode(text, (size_t)(q - text), tmp));
		free(tmp);
	} else {
		for (const char *s = text; s < q; s++) {
			if (*s == '_')
				addch(bytes, ' ');
			else if (*s == '=' && s + 2 < q && util_hexval(s[1]) >= 0 && util_hexval(s[2]) >= 0) {
				addch(bytes, (char)(util_hexval(s[1]) << 4 | util_hexval(s[2])));
				s += 2;
			} else
				addch(bytes, *s);
		}
	}
	*ret_after = q + 2;
	return 0;
}

static void flush_auto(struct buf *out, struct buf *pending)
{
	from_auto(out, pending->data, pending->len);
	buf_reset(pending);
}

static void flush_word(struct buf *out, struct buf *pending, const char *cs)
{
	if (convert(out, pending->data, pending->len, cs) < 0)
		from_auto(out, pending->data, pending->len);
	buf_reset(pending);
}

/* 1 when s is ASCII without "=?" and within TEXT_CAP: inmail_decode_words would return it as it is. */
static int plain_ascii(const char *s)
{
	const char *p = s;

	for (; *p; p++)
		if ((unsigned char)*p >= 0x80 || (p[0] == '=' && p[1] == '?'))
			return 0;
	return (size_t)(p - s) <= TEXT_CAP;
}

/* Octets of adjacent words in the same charset are joined before conversion: encoders (Outlook among them)
 * split a multi-octet UTF-8 character across two words. */
char *inmail_decode_words(const char *value)
{
	struct buf out, plain, word, bytes;
	char cs[72], word_cs[72] = "";
	const char *p = value ? value : "", *ws = NULL, *after;
	size_t ws_len = 0;
	int last_word = 0;

	/* Most values (every parameter of every part, every display name) are plain ASCII with no encoded word:
	 * what the loop below would give is the value itself. */
	if (plain_ascii(p))
		return xstrdup(p);
	buf_init(&out);
	buf_init(&plain);
	buf_init(&word);
	buf_init(&bytes);
	out.cap = TEXT_CAP;
	while (*p) {
		if (p[0] == '=' && p[1] == '?' && parse_word(p, cs, sizeof(cs), &bytes, &after) == 0) {
			if (!last_word)
				flush_auto(&out, &plain);
			else if (strcasecmp(cs, word_cs) != 0)
				flush_word(&out, &word, word_cs); /* the white space between words is dropped */
			memcpy(word_cs, cs, sizeof(cs));
			add(&word, bytes.data, bytes.len);
			ws = NULL;
			last_word = 1;
			p = after;
			continue;
		}
		if (is_ws(*p)) {
			const char *s = p;
			while (is_ws(*p))
				p++;
			if (last_word) {
				ws = s;
				ws_len = (size_t)(p - s);
			} else {
				add(&plain, s, (size_t)(p - s));
			}
			continue;
		}
		if (last_word) {
			flush_word(&out, &word, word_cs);
			if (ws)
				add(&plain, ws, ws_len);
			ws = NULL;
			last_word = 0;
		}
		addch(&plain, *p++);
	}
	if (last_word) {
		flush_word(&out, &word, word_cs);
		if (ws)
			add(&plain, ws, ws_len);
	}
	flush_auto(&out, &plain);
	buf_release(&plain);
	buf_release(&word);
	buf_release(&bytes);
	return buf_detach(&out, NULL);
}

/* ---- addresses and ids ---- */

void inmail_addrs_free(struct inmail_addr *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].name);
		free(a[i].addr);
	}
	free(a);
}

void inmail_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* An address good enough to compare: local@domain, no white space or controls, not absurdly long. */
static int addr_ok(const char *a)
{
	const char *at = strrchr(a, '@');

	if (!at || at == a || !at[1] || strlen(a) > 320)
		return 0;
	for (; *a; a++)
		if ((unsigned char)*a <= ' ' || *a == '<' || *a == '>' || *a == ',' || *a == ';')
			return 0;
	return 1;
}

struct alist {
	struct inmail_addr *v;
	size_t n, alloc;
	int names;           /* 0: only the addresses are wanted (name stays NULL, its RFC 2047 decoding saved) */
};

struct mbox_state {
	struct buf phrase;   /* display words (quoted strings unquoted), or a bare address */
	struct buf angle;    /* what was inside <...>, white space removed */
	struct buf comment;  /* the last comment: the name of "addr (Name)" */
	int have_angle, space;
};

static void mbox_finish(struct alist *l, struct mbox_state *st)
{
	char *addr, *name;
	const char *a = st->angle.data;

	if (st->have_angle) {
		if (a[0] == '@' && strchr(a, ':'))
			a = strchr(a, ':') + 1; /* obsolete source route: <@relay:user@host> */
		addr = xstrdup(a);
		name = xstrdup(st->phrase.len ? st->phrase.data : st->comment.data);
	} else {
		addr = xmalloc(st->phrase.len + 1);
		size_t k = 0;
		for (size_t i = 0; i < st->phrase.len; i++)
			if (st->phrase.data[i] != ' ')
				addr[k++] = st->phrase.data[i];
		addr[k] = '\0';
		name = xstrdup(st->comment.data);
	}
	util_lower(addr);
	if (addr_ok(addr) && l->n < MAX_ADDRS) {
		if (l->n == l->alloc) {
			l->alloc = l->alloc ? 2 * l->alloc : 4;
			l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
		}
		l->v[l->n].addr = addr;
		l->v[l->n].name = l->names ? trim(inmail_decode_words(trim(name))) : NULL;
		l->n++;
		addr = NULL;
	}
	free(addr);
	free(name);
	buf_reset(&st->phrase);
	buf_reset(&st->angle);
	buf_reset(&st->comment);
	st->have_angle = st->space = 0;
}

static void phrase_add(struct mbox_state *st, const char *s, size_t n)
{
	if (st->space && st->phrase.len)
		addch(&st->phrase, ' ');
	st->space = 0;
	add(&st->phrase, s, n);
}

/* Outside quotes, comments and <...>, what ends a run of phrase characters. */
static int phrase_stop(char c)
{
	return c == '\0' || c == ',' || c == ';' || c == '"' || c == '(' || c == '<' || c == ':' || is_ws(c);
}

static void parse_list(const char *value, int names, struct inmail_addr **ret, size_t *ret_n)
{
	struct alist l = { NULL, 0, 0, names };
	struct mbox_state st;
	struct buf q;
	const char *p = value ? value : "";

	memset(&st, 0, sizeof(st));
	buf_init(&st.phrase);
	buf_init(&st.angle);
	buf_init(&st.comment);
	buf_init(&q);
	for (;;) {
		char c = *p;
		if (c == '\0' || c == ',' || c == ';') {
			mbox_finish(&l, &st);
			if (!c)
				break;
			p++;
		} else if (c == '"') {
			buf_reset(&q);
			p = read_quoted(p, &q);
			phrase_add(&st, q.data, q.len);
		} else if (c == '(') {
			buf_reset(&st.comment);
			p = skip_comment(p, &st.comment);
			st.space = 1;
		} else if (c == '<') {
			for (p++; *p && *p != '>';) {
				const char *run = p;

				while (*p && *p != '>' && !is_ws(*p))
					p++;
				add(&st.angle, run, (size_t)(p - run));
				while (is_ws(*p))
					p++;
			}
			if (*p)
				p++;
			st.have_angle = 1;
		} else if (c == ':' && !st.have_angle) {
			/* "Group name: a, b;": the phrase so far named the group */
			buf_reset(&st.phrase);
			buf_reset(&st.comment);
			st.space = 0;
			p++;
		} else if (is_ws(c)) {
			st.space = 1;
			p++;
		} else {
			/* a run at once, not a character at a time (a fetch parses two lists per mail); at least
			 * one character, so a ':' inside an address after <...> is taken as it is */
			const char *run = p++;

			while (!phrase_stop(*p))
				p++;
			phrase_add(&st, run, (size_t)(p - run));
		}
	}
	buf_release(&st.phrase);
	buf_release(&st.angle);
	buf_release(&st.comment);
	buf_release(&q);
	*ret = l.v;
	*ret_n = l.n;
}

int inmail_parse_address_list(const char *value, struct inmail_addr **ret, size_t *ret_n)
{
	parse_list(value, 1, ret, ret_n);
	return 0;
}

char *inmail_first_address(const struct inmail *m, const char *name)
{
	struct inmail_addr *a;
	size_t n;
	char *addr = NULL;

	parse_list(inmail_header(m, name), 0, &a, &n);
	if (n)
		addr = xstrdup(a[0].addr);
	inmail_addrs_free(a, n);
	return addr;
}

static void strv_add(char ***v, size_t *n, size_t *alloc, char *s)
{
	if (*n == *alloc) {
		*alloc = *alloc ? 2 * *alloc : 4;
		*v = xrealloc(*v, *alloc * sizeof(**v));
	}
	(*v)[(*n)++] = s;
}

int inmail_parse_msgids(const char *value, char ***ret_ids, size_t *ret_n)
{
	char **v = NULL;
	size_t n = 0, alloc = 0;
	const char *p = value ? value : "";
	struct buf id;

	buf_init(&id);
	while (*p && n < MAX_IDS) {
		if (*p == '(') {
			p = skip_comment(p, NULL);
		} else if (*p == '"') {
			p = read_quoted(p, NULL);
		} else if (*p == '<') {
			buf_reset(&id);
			for (p++; *p && *p != '>' && *p != '<'; p++)
				if (!is_ws(*p))
					addch(&id, *p);
			if (*p == '>' && id.len)
				strv_add(&v, &n, &alloc, xstrdup(id.data));
			if (*p == '>')
				p++;
		} else {
			p++;
		}
	}
	/* no <id> at all: some clients write the bare id */
	int bare = n == 0;
	for (p = value ? value : ""; bare && *p && n < MAX_IDS;) {
		size_t len = strcspn(p, " \t\r\n,");
		if (len && memchr(p, '@', len) && len < 1000) {
			char *s = xstrndup(p, len);
			char *t = s + strspn(s, "<");
			t[strcspn(t, ">")] = '\0';
			if (*t)
				strv_add(&v, &n, &alloc, xstrdup(t));
			free(s);
		}
		p += len;
		p += strspn(p, " \t\r\n,");
	}
	buf_release(&id);
	*ret_ids = v;
	*ret_n = n;
	return 0;
}

/* ---- dates ---- */

static int name_index(const char *tok, const char *const *names, int n)
{
	if (strlen(tok) < 3)
		return -1;
	for (int i = 0; i < n; i++)
		if (strncasecmp(tok, names[i], 3) == 0)
			return i;
	return -1;
}

/* All digits, 1..maxd of them. */
static int number(const char *s, size_t maxd, int *ret)
{
	size_t n = strlen(s);
	int v = 0;

	if (!n || n > maxd)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + s[i] - '0';
	}
	*ret = v;
	return 0;
}

static int parse_clock(const char *s, int *h, int *mi, int *sec)
{
	char a[8], b[8], c[8] = "0";
	int n = sscanf(s, "%7[0-9]:%7[0-9]:%7[0-9]", a, b, c);

	if (n < 2 || strspn(s, "0123456789:") != strlen(s) || number(a, 2, h) < 0 || number(b, 2, mi) < 0 ||
	    number(c, 2, sec) < 0)
		return -1;
	return *h <= 23 && *mi <= 59 && *sec <= 60 ? 0 : -1;
}

/* Offset east of UTC in minutes. RFC 5322 4.3: military zones mean "unknown" (-0000), as do names we do not
 * know (CET, CEST…): those count as UTC. */
static int parse_zone(const char *s, int *ret_min)
{
	static const struct { const char *name; int hours; } zones[] = {
		{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 }, { "EST", -5 }, { "EDT", -4 },
		{ "CST", -6 }, { "CDT", -5 }, { "MST", -7 }, { "MDT", -6 }, { "PST", -8 }, { "PDT", -7 },
	};
	char digits[8];
	size_t k = 0;

	if (*s == '+' || *s == '-') {
		for (const char *p = s + 1; *p && k < 5; p++)
			if (*p != ':')
				digits[k++] = *p;
		digits[k] = '\0';
		int v;
		if (k != 4 || number(digits, 4, &v) < 0 || v % 100 > 59)
			return -1;
		*ret_min = (*s == '-' ? -1 : 1) * (v / 100 * 60 + v % 100);
		return 0;
	}
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (strcasecmp(s, zones[i].name) == 0) {
			*ret_min = zones[i].hours * 60;
			return 0;
		}
	for (const char *p = s; *p; p++)
		if (!isalpha((unsigned char)*p))
			return -1;
	*ret_min = 0;
	return 0;
}

time_t inmail_parse_date(const char *value)
{
	static const char *const months[] = { "jan", "feb", "mar", "apr", "may", "jun",
					      "jul", "aug", "sep", "oct", "nov", "dec" };
	static const char *const wdays[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
	char tok[8][32];
	int nt = 0, i = 0, day, mon, year, h, mi, sec, zone = 0;
	const char *p = value ? value : "", *ytok;
	struct tm tm;
	time_t t;

	while (*p && nt < 8) {
		if (*p == '(') {
			p = skip_comment(p, NULL);
			continue;
		}
		if (is_ws(*p) || *p == ',') {
			p++;
			continue;
		}
		size_t len = strcspn(p, " \t\r\n,(");
		if (len >= sizeof(tok[0]))
			return -1;
		memcpy(tok[nt], p, len);
		tok[nt++][len] = '\0';
		p += len;
	}
	if (nt && isalpha((unsigned char)tok[0][0]) && name_index(tok[0], wdays, 7) >= 0 &&
	    (nt < 2 || !isalpha((unsigned char)tok[1][0]) || name_index(tok[1], months, 12) >= 0))
		i = 1;
	if (nt - i < 4)
		return -1;
	if (number(tok[i], 2, &day) == 0) {
		/* RFC 5322: day month year time [zone] */
		mon = name_index(tok[i + 1], months, 12);
		ytok = tok[i + 2];
		if (mon < 0 || parse_clock(tok[i + 3], &h, &mi, &sec) < 0)
			return -1;
	} else {
		/* asctime, seen from broken scripts: month day time year [zone] */
		mon = name_index(tok[i], months, 12);
		ytok = tok[i + 3];
		if (mon < 0 || number(tok[i + 1], 2, &day) < 0 || parse_clock(tok[i + 2], &h, &mi, &sec) < 0)
			return -1;
	}
	i += 4;
	if (number(ytok, 4, &year) < 0)
		return -1;
	if (i < nt && parse_zone(tok[i], &zone) < 0)
		return -1;
	if (strlen(ytok) <= 2)
		year += year < 50 ? 2000 : 1900; /* RFC 5322 4.3 */
	else if (strlen(ytok) == 3)
		year += 1900;
	if (year < 1970 || year > 9999 || day < 1 || day > util_days_in_month(year, mon + 1))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = day;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec == 60 ? 59 : sec; /* a leap second */
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	return t - (time_t)zone * 60;
}

/* ---- decisions over the tree ---- */

struct walk {
	const struct inmail_part *best;
	int rank;
	const struct inmail_part *plain, *html;
};

static int is_attachment(const struct inmail_part *p)
{
	return p->disposition && strcmp(p->disposition, "attachment") == 0;
}

static const char *part_filename(const struct inmail_part *p)
{
	const char *f = inmail_part_param(p, "filename");

	return f ? f : inmail_part_param(p, "name");
}

/* Lower is better; -1: no calendar. */
static int calendar_rank(const struct inmail_part *p, const struct inmail_part *parent)
{
	const char *f;

	if (!strcmp(p->type, "multipart") || !strcmp(p->type, "message"))
		return -1;
	if (inmail_part_is(p, "text", "calendar")) {
		if (!is_attachment(p) || (parent && inmail_part_is(parent, "multipart", "alternative")))
			return 0;
		return 1;
	}
	if (inmail_part_is(p, "application", "ics") || inmail_part_is(p, "text", "x-vcalendar"))
		return 2;
	f = part_filename(p);
	return f && ends_with_ci(f, ".ics") ? 3 : -1;
}

/* Depth-first in document order. An enclosed message (p->message) is never entered: it is somebody else's
 * mail, like the invitation a bounce quotes. */
static void walk_tree(const struct inmail_part *p, const struct inmail_part *parent, struct walk *w)
{
	int r = calendar_rank(p, parent);

	if (r >= 0 && (!w->best || r < w->rank)) {
		w->best = p;
		w->rank = r;
	}
	if (!is_attachment(p)) {
		if (!w->plain && inmail_part_is(p, "text", "plain"))
			w->plain = p;
		if (!w->html && inmail_part_is(p, "text", "html"))
			w->html = p;
	}
	for (size_t i = 0; i < p->n_children; i++)
		walk_tree(&p->children[i], p, w);
}

const struct inmail_part *inmail_find_calendar(const struct inmail *m)
{
	struct walk w;

	memset(&w, 0, sizeof(w));
	walk_tree(&m->root, NULL, &w);
	return w.best;
}

const struct inmail_part *inmail_find_text(const struct inmail *m, int *ret_is_html)
{
	struct walk w;

	memset(&w, 0, sizeof(w));
	walk_tree(&m->root, NULL, &w);
	if (ret_is_html)
		*ret_is_html = !w.plain && w.html;
	return w.plain ? w.plain : w.html;
}

static int tnef_in(const struct inmail_part *p)
{
	const char *f = part_filename(p);

	if (inmail_part_is(p, "application", "ms-tnef") || inmail_part_is(p, "application", "vnd.ms-tnef") ||
	    (f && strcasecmp(f, "winmail.dat") == 0))
		return 1;
	for (size_t i = 0; i < p->n_children; i++)
		if (tnef_in(&p->children[i]))
			return 1;
	return 0;
}

int inmail_has_tnef(const struct inmail *m)
{
	return tnef_in(&m->root);
}
