/* Incoming mail, part of the module inmail (inmail.h): structured header field values (comments, quoted
 * strings, MIME parameters with RFC 2231 continuations and charsets) and a part's MIME fields (Content-Type,
 * Content-Disposition, Content-Transfer-Encoding) and header look-up. No I/O. */
#include "inmail.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "inmail_int.h"
#include "util.h"

#define MAX_RAW_PARAMS 256 /* before RFC 2231 continuations are joined */

/* ---- structured header values: comments, quoted strings, parameters ---- */

/* p at '(': returns the position after the matching ')' (or the end); the text goes to 'text' if given. */
const char *inmail_skip_comment(const char *p, struct buf *text)
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
			inmail_addch(text, c);
	}
	return p;
}

static const char *skip_cfws(const char *p)
{
	for (;;) {
		while (inmail_is_ws(*p))
			p++;
		if (*p != '(')
			return p;
		p = inmail_skip_comment(p, NULL);
	}
}

/* p at '"': appends the unescaped content to 'out' (if given); returns the position after the closing '"'. */
const char *inmail_read_quoted(const char *p, struct buf *out)
{
	for (p++; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		if (out)
			inmail_addch(out, *p);
	}
	return *p ? p + 1 : p;
}

/* The main value of a MIME header ("text/plain", "attachment", "base64") up to ';': comments, quotes and
 * white space dropped, lower-cased. Returns the position of the ';' (or the end). */
static const char *parse_main(const char *p, struct buf *out)
{
	while (*p && *p != ';') {
		if (*p == '(') {
			p = inmail_skip_comment(p, NULL);
			continue;
		}
		if (!inmail_is_ws(*p) && *p != '"')
			inmail_addch(out, (char)tolower((unsigned char)*p));
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
				p = inmail_read_quoted(p, NULL);
			else if (*p == '(')
				p = inmail_skip_comment(p, NULL);
			else
				p++;
		}
		if (!*p)
			break;
		p = skip_cfws(p + 1);
		buf_reset(&name);
		buf_reset(&value);
		while (*p && *p != '=' && *p != ';' && *p != '"' && *p != '(' && !inmail_is_ws(*p))
			inmail_addch(&name, (char)tolower((unsigned char)*p++));
		p = skip_cfws(p);
		if (*p != '=' || !name.len)
			continue;
		p = skip_cfws(p + 1);
		if (*p == '"') {
			p = inmail_read_quoted(p, &value);
		} else {
			while (*p && *p != ';' && *p != '(')
				inmail_addch(&value, *p++);
			while (value.len && inmail_is_ws(value.data[value.len - 1]))
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
			inmail_addch(out, (char)(util_hexval(s[1]) << 4 | util_hexval(s[2])));
			s += 2;
		} else {
			inmail_addch(out, *s);
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
			inmail_add(&bytes, v, strlen(v));
		if (idx < 0)
			break; /* "base*" is the whole value */
	}
	if (!found) {
		buf_release(&bytes);
		return NULL;
	}
	buf_init(&out);
	out.cap = (size_t)INMAIL_MAX_HEADER_LEN * 3;
	if (inmail_convert(&out, bytes.data, bytes.len, charset) < 0)
		inmail_from_auto(&out, bytes.data, bytes.len);
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

void inmail_part_defaults(struct inmail_part *p)
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

void inmail_part_free_params(struct inmail_part *p)
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
	inmail_part_free_params(p);
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
