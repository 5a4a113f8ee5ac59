/* Incoming mail: RFC 5322 + MIME (RFC 2045-2049, 2231, 2047) into a tree of parts, decoding to UTF-8, and the
 * checks the reply logic needs. No I/O: the raw message comes from the IMAP module, a test or a fuzzer.
 * This file: header blocks, the part tree (parsed, or built from IMAP) and the decisions over it; charsets and
 * decoding are in inmail_decode.c, structured field values and MIME fields in inmail_field.c, addresses, ids
 * and dates in inmail_addr.c (private helpers shared between them: inmail_int.h). */
#include "inmail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "inmail_int.h"
#include "util.h"

#define MAX_BOUNDARY 200   /* RFC 2046 allows 70; some generators exceed that a little */

struct inmail_blob {
	struct inmail_blob *next;
	char data[];
};

/* ---- small helpers ---- */

int inmail_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Appends unless the buffer already overflowed its cap, so a capped result is cut, never garbled. */
void inmail_add(struct buf *b, const void *data, size_t len)
{
	if (!b->overflow)
		buf_add(b, data, len);
}

void inmail_addch(struct buf *b, char c)
{
	inmail_add(b, &c, 1);
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
char *inmail_trim(char *s)
{
	size_t start = 0, end = strlen(s);

	while (start < end && inmail_is_ws(s[start]))
		start++;
	while (end > start && inmail_is_ws(s[end - 1]))
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

		inmail_add(val, s, run);
		if (nul) {
			inmail_addch(val, ' ');
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
	v = inmail_trim(xstrdup(val->data));
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
	if (!inmail_encoding_identity(part->encoding)) {
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
	inmail_part_defaults(&m->root);
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
	inmail_part_free_params(p);
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
		inmail_part_defaults(c);
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
	inmail_part_defaults(p->message);
	memcpy(p->message->section, p->section, sizeof(p->section));
	m->n_parts++;
	return p->message;
}

void inmail_part_set_body(struct inmail *m, struct inmail_part *p, const char *data, size_t len)
{
	p->body = blob_new(m, len ? data : "", len)->data;
	p->body_len = p->size = len;
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
