/* roster.csv as Excel saves it: the encoding, the delimiter and the quoting are guessed the way Excel writes them. */
#include "roster.h"
#include "buf.h"
#include "config.h"
#include "csv.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ROSTER_MAX_PEOPLE 5000

enum col { COL_NAME, COL_ORG, COL_EMAIL, COL_ROLE, N_COLS };

static const char *const col_names[N_COLS] = { "navn", "organisation", "email", "rolle" };

static const struct {
	const char *name;
	enum col col;
} header_names[] = {
	{ "navn", COL_NAME },         { "name", COL_NAME },
	{ "organisation", COL_ORG },  { "kommune", COL_ORG },  { "organization", COL_ORG },
	{ "email", COL_EMAIL },       { "e-mail", COL_EMAIL }, { "mail", COL_EMAIL },
	{ "rolle", COL_ROLE },        { "role", COL_ROLE },
};

static const struct {
	const char *name;
	enum role role;
} role_names[] = {
	{ "medlem", ROLE_MEMBER },      { "member", ROLE_MEMBER },
	{ "sekretær", ROLE_SECRETARY }, { "sekretaer", ROLE_SECRETARY }, { "referent", ROLE_SECRETARY },
	{ "secretary", ROLE_SECRETARY },
	{ "gæst", ROLE_GUEST },         { "gaest", ROLE_GUEST },         { "gast", ROLE_GUEST },
	{ "guest", ROLE_GUEST },
};

/* Windows-1252 0x80-0x9F; 0 marks the five bytes it leaves undefined. 0xA0-0xFF are Latin-1 = U+00A0-U+00FF. */
static const unsigned short cp1252_80[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,
	0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
	0x0153, 0, 0x017E, 0x0178,
};

struct csv {
	const char *p, *end;
	int line;    /* the physical line *p is on */
	char delim;
};

struct record {
	char **f;
	size_t n, alloc;
	int line;       /* where the record starts */
	int open_quote; /* the line of a quote never closed, or 0 */
	int too_long;
};

static void put_utf8(struct buf *b, unsigned cp)
{
	char u[3];

	if (cp < 0x80) {
		buf_addch(b, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, u, 2);
	} else {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, u, 3);
	}
}

/* Excel's plain "CSV" format writes the Windows code page (1252 in Denmark); "CSV UTF-8" writes UTF-8 with
 * a BOM. Text that is not valid UTF-8 is therefore read as Windows-1252. NULL (and d filled) when the
 * text is neither. */
static char *roster_text(const char *buf, size_t len, const char *file, struct diag *d, size_t *ret_len)
{
	struct buf out;
	int line = 1, bad = 0;

	if (len >= 2 && (memcmp(buf, "\xFF\xFE", 2) == 0 || memcmp(buf, "\xFE\xFF", 2) == 0)) {
		diag_add(d, file, 0, "the file is UTF-16 (Excel's 'Unicode text'): save it as 'CSV UTF-8'");
		return NULL;
	}
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	if (config_utf8_valid(buf, len)) {
		*ret_len = len;
		return xstrndup(buf, len);
	}
	buf_init(&out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c == '\n')
			line++;
		if (c == 0 || (c >= 0x80 && c < 0xA0 && !cp1252_80[c - 0x80])) {
			if (!bad)
				diag_add(d, file, line, "byte 0x%02X is neither UTF-8 nor Windows-1252 text: save the "
					 "file as 'CSV UTF-8'", c);
			bad = 1;
		} else if (c >= 0x80 && c < 0xA0) {
			put_utf8(&out, cp1252_80[c - 0x80]);
		} else {
			put_utf8(&out, c);
		}
	}
	if (bad) {
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out, ret_len);
}

/* Excel writes "sep=;" as the first line when asked to; it names the delimiter and is not the header. */
static char sep_line(struct csv *c)
{
	const char *p = c->p;
	char delim;

	if (c->end - p < 5 || strncasecmp(p, "sep=", 4) != 0 || !p[4] || !strchr(";,\t", p[4]))
		return 0;
	delim = p[4];
	p += 5;
	if (p < c->end && *p == '\r')
		p++;
	if (p < c->end && *p != '\n')
		return 0;
	c->p = p < c->end ? p + 1 : p;
	c->line++;
	return delim;
}

/* The delimiter that occurs most often outside quotes on the first line with text: ';' (Danish Excel),
 * TAB or ','; ';' wins a tie. */
static char detect_delim(const char *p, const char *end)
{
	while (p < end) {
		size_t count[3] = { 0, 0, 0 };
		int text = 0, quoted = 0;

		for (; p < end && (quoted || (*p != '\n' && *p != '\r')); p++) {
			if (*p == '"')
				quoted = !quoted;
			else if (!quoted && *p == ';')
				count[0]++;
			else if (!quoted && *p == '\t')
				count[1]++;
			else if (!quoted && *p == ',')
				count[2]++;
			if (*p != ' ' && *p != ';' && *p != '\t' && *p != ',')
				text = 1;
		}
		if (text) {
			if (count[0] && count[0] >= count[1] && count[0] >= count[2])
				return ';';
			if (count[1] && count[1] >= count[2])
				return '\t';
			return count[2] ? ',' : ';';
		}
		p++;
	}
	return ';';
}

static void record_clear(struct record *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->f[i]);
	r->n = 0;
	r->open_quote = 0;
	r->too_long = 0;
}

static void record_push(struct record *r, struct buf *field)
{
	if (r->n == r->alloc) {
		r->alloc = r->alloc ? 2 * r->alloc : 8;
		r->f = xrealloc(r->f, r->alloc * sizeof(*r->f));
	}
	r->f[r->n++] = buf_detach(field, NULL);
	field->cap = CONFIG_LINE_MAX;
}

/* One record (RFC 4180: "..." fields with "" for a quote, delimiters and line breaks inside). CRLF, LF
 * or a lone CR ends it. Returns 0 at the end of the text. */
static int csv_next(struct csv *c, struct record *r)
{
	struct buf field;
	size_t bytes = 0;
	int quoted = 0, was_quoted = 0;

	record_clear(r);
	if (c->p >= c->end)
		return 0;
	r->line = c->line;
	buf_init(&field);
	field.cap = CONFIG_LINE_MAX;
	while (c->p < c->end) {
		char ch = *c->p++;

		if (++bytes > CONFIG_LINE_MAX)
			r->too_long = 1;
		if (quoted) {
			if (ch == '"' && c->p < c->end && *c->p == '"')
				c->p++;
			else if (ch == '"')
				quoted = 0;
			else if (ch == '\r' || ch == '\n') {
				if (ch == '\r' && c->p < c->end && *c->p == '\n')
					c->p++;
				c->line++;
				ch = '\n';
			}
			if (quoted)
				buf_addch(&field, ch);
		} else if (ch == '"' && field.len == 0 && !was_quoted) {
			quoted = was_quoted = 1;
			r->open_quote = c->line;
		} else if (ch == c->delim) {
			if (!r->too_long)
				record_push(r, &field);
			buf_reset(&field);
			was_quoted = 0;
		} else if (ch == '\r' || ch == '\n') {
			if (ch == '\r' && c->p < c->end && *c->p == '\n')
				c->p++;
			c->line++;
			break;
		} else {
			buf_addch(&field, ch);
		}
	}
	if (!quoted)
		r->open_quote = 0;
	record_push(r, &field);
	buf_release(&field);
	return 1;
}

/* Lower-cases ASCII and the Latin-1 capitals (Æ Ø Å É …: U+00C0-U+00DE but ×), in place. */
static char *lower_da(char *s)
{
	util_lower(s);
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		if (p[0] == 0xC3 && p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97)
			p[1] += 0x20;
	return s;
}

/* A copy with blanks, line breaks and no-break spaces (Excel keeps them from the web) as single spaces,
 * trimmed. */
static char *clean_text(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;
	int space = 0;

	while (*s) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' ||
		    ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)) {
			s += (unsigned char)*s == 0xC2 ? 2 : 1;
			space = 1;
			continue;
		}
		if (space && o > out)
			*o++ = ' ';
		space = 0;
		*o++ = *s++;
	}
	*o = '\0';
	return out;
}

static int record_blank(const struct record *r)
{
	for (size_t i = 0; i < r->n; i++) {
		char *t = clean_text(r->f[i]);
		int empty = !*t;
		free(t);
		if (!empty)
			return 0;
	}
	return 1;
}

struct roster_parse {
	struct roster *r;
	size_t alloc;
	const char *file;
	struct diag *d;
	char delim;
	int cols[N_COLS];
	size_t n_header;
	int too_many;
};

static int roster_header(struct roster_parse *p, const struct record *rec)
{
	int ok = 1;

	for (int c = 0; c < N_COLS; c++)
		p->cols[c] = -1;
	p->n_header = rec->n;
	for (size_t i = 0; i < rec->n; i++) {
		char *name = lower_da(clean_text(rec->f[i]));
		for (size_t k = 0; k < sizeof(header_names) / sizeof(header_names[0]); k++) {
			enum col c = header_names[k].col;
			if (strcmp(name, header_names[k].name) != 0)
				continue;
			if (p->cols[c] >= 0) {
				diag_add(p->d, p->file, rec->line, "column '%s' appears twice in the header (columns %d "
					 "and %zu): remove one", col_names[c], p->cols[c] + 1, i + 1);
				ok = 0;
			} else {
				p->cols[c] = (int)i;
			}
		}
		free(name);
	}
	for (int c = 0; c < N_COLS; c++)
		if (p->cols[c] < 0) {
			diag_add(p->d, p->file, rec->line, "no column '%s' in the header: the first line must name "
				 "the columns navn, organisation, email and rolle", col_names[c]);
			ok = 0;
		}
	return ok ? 0 : -1;
}

/* "" is a member: Excel users leave the cell empty for most people. */
static int parse_role(const char *s, enum role *ret)
{
	char *t = lower_da(clean_text(s));
	int rc = -1;

	if (!*t) {
		*ret = ROLE_MEMBER;
		rc = 0;
	}
	for (size_t i = 0; rc < 0 && i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (strcmp(t, role_names[i].name) == 0) {
			*ret = role_names[i].role;
			rc = 0;
		}
	free(t);
	return rc;
}

static void roster_row(struct roster_parse *p, const struct record *rec)
{
	struct roster *r = p->r;
	struct person who = { .line = rec->line };
	size_t need = 0;
	char shown[80];
	int ok = 1;

	for (int c = 0; c < N_COLS; c++)
		if ((size_t)p->cols[c] + 1 > need)
			need = (size_t)p->cols[c] + 1;
	if (rec->n < need) {
		diag_add(p->d, p->file, rec->line, "too few fields (%zu, the header has %zu): check the %s between "
			 "them", rec->n, p->n_header, p->delim == '\t' ? "tabs" : p->delim == ',' ? "commas" :
			 "semicolons");
		return;
	}
	/* TAB, CR and LF in a cell (Excel writes them into quoted cells) are blanks, folded by clean_text; any
	 * other control would pass check and then fail the whole send (a mail header refuses it). */
	for (int c = 0; c < N_COLS; c++) {
		const char *f = rec->f[p->cols[c]];
		long ctl = config_find_control(f, strlen(f), "\t\r\n");
		if (ctl >= 0) {
			diag_add(p->d, p->file, rec->line, "a control character (U+%04lX) in %s: delete it (Excel may "
				 "show it as nothing at all)", ctl, col_names[c]);
			return;
		}
	}
	/* the apostrophe csv_cell puts before a cell Excel would take for a formula (the handover's deltagerliste,
	 * a roster saved from one) is not part of the value */
	who.name = clean_text(csv_unguard(rec->f[p->cols[COL_NAME]]));
	who.org = clean_text(csv_unguard(rec->f[p->cols[COL_ORG]]));
	who.email = util_lower(clean_text(csv_unguard(rec->f[p->cols[COL_EMAIL]])));
	if (!*who.name) {
		diag_add(p->d, p->file, rec->line, "empty name: fill in navn");
		ok = 0;
	}
	if (!*who.email) {
		diag_add(p->d, p->file, rec->line, "no address for '%s': fill in email",
			 config_shorten(*who.name ? who.name : "this person", shown, sizeof(shown)));
		ok = 0;
	} else if (!util_email_valid(who.email)) {
		diag_add(p->d, p->file, rec->line, "bad address '%s': write one plain address such as "
			 "navn@kommune.dk", config_shorten(who.email, shown, sizeof(shown)));
		ok = 0;
	} else {
		for (size_t i = 0; i < r->n; i++)
			if (strcmp(r->people[i].email, who.email) == 0) {
				diag_add(p->d, p->file, rec->line, "address '%s' is already on line %d: each person "
					 "needs their own address", who.email, r->people[i].line);
				ok = 0;
				break;
			}
	}
	if (parse_role(rec->f[p->cols[COL_ROLE]], &who.role) < 0) {
		char *t = clean_text(rec->f[p->cols[COL_ROLE]]);
		diag_add(p->d, p->file, rec->line, "unknown role '%s': use medlem, sekretær or gæst",
			 config_shorten(t, shown, sizeof(shown)));
		free(t);
		ok = 0;
	}
	if (ok && r->n == ROSTER_MAX_PEOPLE) {
		if (!p->too_many)
			diag_add(p->d, p->file, rec->line, "more than %d people: the roster holds at most %d",
				 ROSTER_MAX_PEOPLE, ROSTER_MAX_PEOPLE);
		p->too_many = 1;
		ok = 0;
	}
	if (!ok) {
		free(who.name);
		free(who.org);
		free(who.email);
		return;
	}
	if (r->n == p->alloc) {
		p->alloc = p->alloc ? 2 * p->alloc : 16;
		r->people = xrealloc(r->people, p->alloc * sizeof(*r->people));
	}
	r->people[r->n++] = who;
}

int roster_parse_buf(struct roster *r, const char *buf, size_t len, const char *filename, struct diag *d)
{
	struct roster_parse p = { .r = r, .file = filename, .d = d };
	struct record rec = { 0 };
	size_t n_diag = d->n, tlen;
	struct csv c;
	int have_header = 0;
	char *text;

	r->people = NULL;
	r->n = 0;
	if (len > CONFIG_FILE_MAX) {
		diag_add(d, filename, 0, "the file is larger than %d bytes", CONFIG_FILE_MAX);
		return -1;
	}
	if (!(text = roster_text(buf, len, filename, d, &tlen)))
		return -1;
	c.p = text;
	c.end = text + tlen;
	c.line = 1;
	c.delim = sep_line(&c);
	if (!c.delim)
		c.delim = detect_delim(c.p, c.end);
	p.delim = c.delim;
	while (csv_next(&c, &rec)) {
		if (rec.open_quote) {
			diag_add(d, filename, rec.open_quote, "a quote (\") opened on this line is never closed: check "
				 "the quotes");
			break;
		}
		if (rec.too_long) {
			diag_add(d, filename, rec.line, "the row is longer than %d bytes", CONFIG_LINE_MAX);
			continue;
		}
		if (record_blank(&rec))
			continue; /* Excel writes ";;;" for rows it once saw */
		if (!have_header) {
			have_header = 1;
			if (roster_header(&p, &rec) < 0)
				break; /* without the columns no row can be read */
			continue;
		}
		roster_row(&p, &rec);
	}
	if (!have_header && d->n == n_diag)
		diag_add(d, filename, 0, "the file is empty: the first line must name the columns navn, "
			 "organisation, email and rolle");
	record_clear(&rec);
	free(rec.f);
	free(text);
	return d->n > n_diag ? -1 : 0;
}

int roster_load(struct roster *r, const char *path, struct diag *d)
{
	struct err err;
	size_t len;
	char *buf = util_read_file(path, CONFIG_FILE_MAX, &len, &err);
	int rc;

	if (!buf) {
		r->people = NULL;
		r->n = 0;
		diag_add(d, path, 0, "%s", err.msg);
		return -1;
	}
	rc = roster_parse_buf(r, buf, len, path, d);
	free(buf);
	return rc;
}

void roster_release(struct roster *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->people[i].name);
		free(r->people[i].org);
		free(r->people[i].email);
	}
	free(r->people);
	r->people = NULL;
	r->n = 0;
}

const struct person *roster_find(const struct roster *r, const char *email)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcasecmp(r->people[i].email, email) == 0)
			return &r->people[i];
	return NULL;
}

const char *roster_role_name(enum role role)
{
	switch (role) {
	case ROLE_SECRETARY:
		return "sekretær";
	case ROLE_GUEST:
		return "gæst";
	case ROLE_MEMBER:
		break;
	}
	return "medlem";
}
