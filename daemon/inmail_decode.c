/* Incoming mail, part of the module inmail (inmail.h): text to UTF-8 from any charset, transfer decoding
 * (base64, quoted-printable) and RFC 2047 encoded-words. No I/O. */
#include "inmail.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "inmail_int.h"
#include "util.h"

/* Decoded text can grow up to 3 octets per input octet (Windows-1252 → UTF-8). */
#define TEXT_CAP ((size_t)3 * INMAIL_MAX_SIZE)
#define MAX_WORD 1000      /* encoded text of one RFC 2047 word */

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
		inmail_add(b, s + start, i - start);
		put_cp(b, 0xFFFD);
		start = ++i;
	}
	inmail_add(b, s + start, i - start);
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
		inmail_add(b, s + start, i - start);
		if (c == 0)
			put_cp(b, 0xFFFD);
		else if (c < 0xA0)
			put_cp(b, cp1252_hi[c - 0x80]);
		else
			put_cp(b, latin9 ? latin9_cp(c) : c);
		start = i + 1;
	}
	inmail_add(b, s + start, n - start);
}

/* No (usable) charset: UTF-8 when it is valid UTF-8, else the usual Western default, Windows-1252. */
void inmail_from_auto(struct buf *b, const char *s, size_t n)
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
		inmail_add(b, s + start, i - start);
		put_cp(b, 0xFFFD);
		start = i + 1;
	}
	inmail_add(b, s + start, n - start);
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
int inmail_convert(struct buf *b, const char *s, size_t n, const char *charset)
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
	inmail_from_auto(b, s, n);
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
	if (inmail_convert(&b, in, len, charset) < 0)
		inmail_from_auto(&b, in, len);
	return buf_detach(&b, ret_len);
}

/* ---- transfer decoding ---- */

int inmail_encoding_identity(const char *enc)
{
	return !enc || !*enc || strcmp(enc, "7bit") == 0 || strcmp(enc, "8bit") == 0 || strcmp(enc, "binary") == 0;
}

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
	if (inmail_encoding_identity(enc)) {
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

	while (*q && *q != '?' && !inmail_is_ws(*q) && n + 1 < cssz)
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
	while (*q && !(q[0] == '?' && q[1] == '=') && !inmail_is_ws(*q) && q - text < MAX_WORD)
		q++;
	if (q[0] != '?' || q[1] != '=' || !charset_known(cs))
		return -1;
	buf_reset(bytes);
	if (enc == 'b') {
		char *tmp = xmalloc((size_t)(q - text) + 1);
		inmail_add(bytes, tmp, b64_decode(text, (size_t)(q - text), tmp));
		free(tmp);
	} else {
		for (const char *s = text; s < q; s++) {
			if (*s == '_')
				inmail_addch(bytes, ' ');
			else if (*s == '=' && s + 2 < q && util_hexval(s[1]) >= 0 && util_hexval(s[2]) >= 0) {
				inmail_addch(bytes, (char)(util_hexval(s[1]) << 4 | util_hexval(s[2])));
				s += 2;
			} else
				inmail_addch(bytes, *s);
		}
	}
	*ret_after = q + 2;
	return 0;
}

static void flush_auto(struct buf *out, struct buf *pending)
{
	inmail_from_auto(out, pending->data, pending->len);
	buf_reset(pending);
}

static void flush_word(struct buf *out, struct buf *pending, const char *cs)
{
	if (inmail_convert(out, pending->data, pending->len, cs) < 0)
		inmail_from_auto(out, pending->data, pending->len);
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
			inmail_add(&word, bytes.data, bytes.len);
			ws = NULL;
			last_word = 1;
			p = after;
			continue;
		}
		if (inmail_is_ws(*p)) {
			const char *s = p;
			while (inmail_is_ws(*p))
				p++;
			if (last_word) {
				ws = s;
				ws_len = (size_t)(p - s);
			} else {
				inmail_add(&plain, s, (size_t)(p - s));
			}
			continue;
		}
		if (last_word) {
			flush_word(&out, &word, word_cs);
			if (ws)
				inmail_add(&plain, ws, ws_len);
			ws = NULL;
			last_word = 0;
		}
		inmail_addch(&plain, *p++);
	}
	if (last_word) {
		flush_word(&out, &word, word_cs);
		if (ws)
			inmail_add(&plain, ws, ws_len);
	}
	flush_auto(&out, &plain);
	buf_release(&plain);
	buf_release(&word);
	buf_release(&bytes);
	return buf_detach(&out, NULL);
}
