/* HTML → plain text, for reading the human text of a mail that has only an HTML part (Outlook on the web,
 * Gmail) and a bounce's HTML notice. No I/O. Split from inmail.c (STYLE: one concern a file). */
#include "html.h"
#include "buf.h"
#include "inmail.h"
#include "util.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Text can grow up to 3 octets per input octet (Windows-1252 → UTF-8), as in inmail_decode.c. */
#define TEXT_CAP ((size_t)3 * INMAIL_MAX_SIZE)

struct h2t {
	struct buf out;
	struct buf line;
	int quote;    /* blockquote depth */
	int pre;      /* inside <pre> */
	int space;    /* collapsed white space pending */
	int content;  /* the line has content (maybe just &nbsp;) */
	int blank;    /* empty lines in a row; starts at 1 so leading empty lines vanish */
	int head_open; /* a <head> without end was seen: do not search again (that would be quadratic) */
};

/* Ends the current line: "> " per quote level, trailing blanks trimmed, at most one empty line in a row. */
static void h2t_flush(struct h2t *h)
{
	size_t len = h->line.len;

	while (len && (h->line.data[len - 1] == ' ' || h->line.data[len - 1] == '\t'))
		len--;
	/* over the cap the text is cut here, never continued with a later, shorter line */
	if ((len == 0 && h->blank >= 1) || h->out.overflow)
		goto reset;
	h->blank = len ? 0 : h->blank + 1;
	for (int i = 0; i < h->quote; i++)
		if (buf_add(&h->out, len || i + 1 < h->quote ? "> " : ">", len || i + 1 < h->quote ? 2 : 1) < 0)
			goto reset;
	if (buf_add(&h->out, h->line.data, len) == 0)
		buf_addch(&h->out, '\n');
reset:
	buf_reset(&h->line);
	h->space = 0;
	h->content = 0;
}

/* A block boundary: ends the line if it has anything, without making empty lines. */
static void h2t_block(struct h2t *h)
{
	if (h->line.len || h->content)
		h2t_flush(h);
}

static void h2t_text(struct h2t *h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (h->pre) {
			if (c == '\n')
				h2t_flush(h);
			else if (c != '\r')
				buf_addch(&h->line, c);
			h->content = 1;
		} else if ((c == ' ' || c == '\t' || c == '\r' || c == '\n') || c == '\f') {
			h->space = 1;
		} else {
			if (h->space && h->line.len)
				buf_addch(&h->line, ' ');
			h->space = 0;
			buf_addch(&h->line, c);
			h->content = 1;
		}
	}
}

static void h2t_nbsp(struct h2t *h)
{
	if (h->space && h->line.len)
		buf_addch(&h->line, ' ');
	h->space = 0;
	buf_addch(&h->line, ' ');
	h->content = 1;
}

static const struct {
	const char *name;
	uint16_t cp;
} entities[] = {
	{ "aelig", 0xE6 }, { "oslash", 0xF8 }, { "aring", 0xE5 }, { "AElig", 0xC6 }, { "Oslash", 0xD8 },
	{ "Aring", 0xC5 }, { "nbsp", 0xA0 }, { "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "auml", 0xE4 }, { "ouml", 0xF6 }, { "uuml", 0xFC }, { "Auml", 0xC4 },
	{ "Ouml", 0xD6 }, { "Uuml", 0xDC }, { "szlig", 0xDF }, { "eacute", 0xE9 }, { "Eacute", 0xC9 },
	{ "egrave", 0xE8 }, { "aacute", 0xE1 }, { "oacute", 0xF3 }, { "uacute", 0xFA }, { "iacute", 0xED },
	{ "ccedil", 0xE7 }, { "copy", 0xA9 }, { "reg", 0xAE }, { "trade", 0x2122 }, { "euro", 0x20AC },
	{ "pound", 0xA3 }, { "sect", 0xA7 }, { "deg", 0xB0 }, { "para", 0xB6 }, { "middot", 0xB7 },
	{ "laquo", 0xAB }, { "raquo", 0xBB }, { "ndash", 0x2013 }, { "mdash", 0x2014 }, { "lsquo", 0x2018 },
	{ "rsquo", 0x2019 }, { "sbquo", 0x201A }, { "ldquo", 0x201C }, { "rdquo", 0x201D },
	{ "bdquo", 0x201E }, { "hellip", 0x2026 }, { "bull", 0x2022 }, { "times", 0xD7 }, { "divide", 0xF7 },
	{ "iexcl", 0xA1 }, { "iquest", 0xBF }, { "frac12", 0xBD }, { "ensp", 0x2002 }, { "emsp", 0x2003 },
	{ "thinsp", 0x2009 }, { "shy", 0 }, { "zwnj", 0 }, { "zwj", 0 }, { "lrm", 0 }, { "rlm", 0 },
};

/* p at '&'. Returns the position after the entity, or NULL when it is not one (then '&' is text). Known
 * names are accepted without the ';' too, as browsers do. cp 0: a character that shows nothing. */
static const char *parse_entity_ref(const char *p, uint32_t *ret_cp)
{
	char name[12];
	size_t n = 0;
	const char *q = p + 1;

	if (*q == '#') {
		int hex = q[1] == 'x' || q[1] == 'X';
		uint32_t v = 0;
		q += hex ? 2 : 1;
		for (; n < 8 && (hex ? util_hexval(*q) >= 0 : isdigit((unsigned char)*q)); q++, n++)
			v = v * (hex ? 16 : 10) + (uint32_t)util_hexval(*q);
		if (!n)
			return NULL;
		if (*q == ';')
			q++;
		/* HTML5: &#128;-&#159; are the Windows-1252 characters */
		*ret_cp = v >= 0x80 && v <= 0x9F ? inmail_cp1252((unsigned char)v) : (v ? v : 0xFFFD);
		return q;
	}
	while (n + 1 < sizeof(name) && isalnum((unsigned char)*q))
		name[n++] = *q++;
	name[n] = '\0';
	for (size_t i = 0; i < sizeof(entities) / sizeof(entities[0]); i++)
		if (strcmp(name, entities[i].name) == 0) {
			*ret_cp = entities[i].cp;
			return *q == ';' ? q + 1 : q;
		}
	return NULL;
}

static void h2t_entity(struct h2t *h, uint32_t cp)
{
	struct buf tmp;

	if (cp == 0xA0) {
		h2t_nbsp(h);
		return;
	}
	if (cp == 0)
		return;
	buf_init(&tmp);
	buf_add_utf8(&tmp, cp);
	h2t_text(h, tmp.data, tmp.len);
	buf_release(&tmp);
}

/* After the '>' of the tag starting at p (quoted attribute values may hold '>'), or the end. */
static const char *tag_end(const char *p)
{
	char quote = 0;

	for (p++; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '>') {
			return p + 1;
		}
	}
	return p;
}

/* Elements whose content is not text: skipped up to their end tag. A <head> that never ends is taken to end
 * at <body>, or not at all (its text is then kept); other unclosed ones swallow the rest. */
static const char *skip_element(struct h2t *h, const char *p, const char *name)
{
	int head = strcmp(name, "head") == 0;
	char close[24];
	const char *e;

	if (head && h->head_open)
		return p;
	snprintf(close, sizeof(close), "</%s", name);
	e = strcasestr(p, close);
	if (!e && head)
		e = strcasestr(p, "<body");
	if (!e) {
		h->head_open = head;
		return head ? p : p + strlen(p);
	}
	return tag_end(e);
}

static int tag_in(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}

static const char *h2t_tag(struct h2t *h, const char *p)
{
	static const char *const blocks[] = {
		"p", "div", "tr", "li", "ul", "ol", "dl", "dt", "dd", "table", "tbody", "thead", "tfoot", "h1",
		"h2", "h3", "h4", "h5", "h6", "address", "article", "aside", "center", "fieldset", "figure",
		"figcaption", "footer", "form", "header", "main", "nav", "section", "caption", "body",
	};
	static const char *const skipped[] = { "head", "style", "script", "title", "xml" };
	char name[16];
	size_t n = 0;
	const char *q = p + 1;
	int closing = *q == '/';

	if (strncmp(p, "<!--", 4) == 0) {
		const char *e = strstr(p + 4, "-->");
		return e ? e + 3 : p + strlen(p);
	}
	if (*q == '!' || *q == '?')
		return tag_end(p);
	q += closing;
	while (n + 1 < sizeof(name) && (isalnum((unsigned char)*q) || *q == ':' || *q == '-'))
		name[n++] = (char)tolower((unsigned char)*q++);
	name[n] = '\0';
	if (!n || !isalpha((unsigned char)name[0]))
		return NULL;
	p = tag_end(p);
	if (!closing && tag_in(name, skipped, sizeof(skipped) / sizeof(skipped[0])))
		return skip_element(h, p, name);
	if (strcmp(name, "br") == 0) {
		h2t_flush(h);
	} else if (strcmp(name, "hr") == 0) {
		h2t_block(h);
		h2t_text(h, "________________________________", 32);
		h2t_flush(h);
	} else if (strcmp(name, "blockquote") == 0) {
		h2t_block(h);
		if (closing && h->quote > 0)
			h->quote--;
		else if (!closing && h->quote < 20)
			h->quote++;
	} else if (strcmp(name, "pre") == 0) {
		h2t_block(h);
		h->pre = !closing;
	} else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		h->space = 1;
	} else if (tag_in(name, blocks, sizeof(blocks) / sizeof(blocks[0]))) {
		h2t_block(h);
	}
	return p;
}

char *html_to_text(const char *html)
{
	struct h2t h;
	const char *p = html ? html : "";

	memset(&h, 0, sizeof(h));
	buf_init(&h.out);
	buf_init(&h.line);
	h.out.cap = TEXT_CAP;
	h.blank = 1;
	while (*p) {
		const char *next = NULL;
		uint32_t cp;
		size_t run;

		if (*p == '<')
			next = h2t_tag(&h, p);
		else if (*p == '&' && (next = parse_entity_ref(p, &cp)) != NULL)
			h2t_entity(&h, cp);
		if (next) {
			p = next;
			continue;
		}
		run = strcspn(p + 1, "<&") + 1;
		h2t_text(&h, p, run);
		p += run;
	}
	h2t_block(&h);
	while (h.out.len >= 2 && h.out.data[h.out.len - 1] == '\n' && h.out.data[h.out.len - 2] == '\n')
		h.out.data[--h.out.len] = '\0';
	buf_release(&h.line);
	return buf_detach(&h.out, NULL);
}
