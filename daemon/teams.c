/* The Microsoft Teams attendance report. What Teams writes (checked against published exports and parsers):
 *   - "Download attendance list" / the Attendance tab: UTF-16 LE with a BOM, TAB separated, CRLF; a user who
 *     opens it in Excel and saves it again gets UTF-8 (with or without BOM) or Windows-1252, with ',' or ';'.
 *   - since 2021-22, three sections: "1. Summary" (Meeting title, Attended participants, Start time, End time,
 *     Meeting duration, …), "2. Participants" (Name, First Join, Last Leave, In-Meeting Duration, Email,
 *     Participant ID (UPN), Role, sometimes engagement columns after), "3. In-Meeting Activities" (one row per
 *     join, which section 2 already sums, so it is not read). Header case varies by version ("First join"),
 *     tenants in UTC add " (UTC)", and the words are translated to the organizer's language while the
 *     numbering stays: so sections are found by number and, in section 2, a column whose header we do not
 *     know is recognised by what its cells hold (addresses, durations, time stamps).
 *   - 2020-21: a "Meeting Summary" block (Total Number of Participants, Meeting Title, Meeting Start Time,
 *     Meeting End Time), a blank line, then Full Name, Join Time, Leave Time, Duration, Email, Role,
 *     Participant ID (UPN): one row per join, so a person who rejoined has several rows.
 *   - 2020: Full Name, User Action ("Joined", "Joined before", "Left"), Timestamp: one row per event, no
 *     addresses, no durations: the durations are worked out from the events.
 *   - Dates follow the organizer's locale: "3/5/27, 9:58:12 AM" (en-US), "05/03/27, 09:58:12" (en-GB),
 *     "05-03-2027 09.58.12" (Danish Windows); durations "2h 55m 3s", localised units ("2 t 55 min").
 *   - Names carry "(External)", "(Unverified)" or "(Guest)" for people outside the tenant, and can be written
 *     "Efternavn, Fornavn".
 * The Danish headers below ("Navn", "Varighed", …) are the words of Danish Teams' user interface; no Danish
 * export was available to check them against, which is why section 2 does not depend on them. */
#include "teams.h"
#include "buf.h"
#include "util.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_LINE 16384      /* bytes of one line */
#define MAX_FIELD 1024      /* bytes of one cell */
#define MAX_FIELDS 64       /* cells in one row (the report has 7, engagement columns add 8) */
#define MAX_SHOWN 300       /* bytes of a bad row kept for the report */
#define DAY 86400L

/* ---- bytes to UTF-8 text ---- */

static int utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned long cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			k = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 3, cp = c & 0x07;
		else
			return 0;
		if (i + k >= n)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		/* overlong forms, surrogates, beyond U+10FFFF */
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += k + 1;
	}
	return 1;
}

/* 'len' bytes in encoding 'from' → UTF-8. NULL with err on an invalid sequence. */
static char *convert(const char *from, const char *in, size_t len, size_t *ret_len, struct err *err)
{
	iconv_t cd = iconv_open("UTF-8", from);
	size_t cap = len * 3 + 4, left = cap, inleft = len;
	char *out, *op, *ip = (char *)in;

	if (cd == (iconv_t)-1) {
		err_set(err, "cannot convert from %s", from);
		return NULL;
	}
	out = op = xmalloc(cap + 1);
	if (iconv(cd, &ip, &inleft, &op, &left) == (size_t)-1) {
		err_set(err, "not valid %s at byte %zu", from, (size_t)(ip - in));
		iconv_close(cd);
		free(out);
		return NULL;
	}
	iconv_close(cd);
	*op = '\0';
	*ret_len = (size_t)(op - out);
	return out;
}

/* Which half of the first byte pairs is zero: a UTF-16 file without a BOM is mostly ASCII, so one half is. */
static const char *utf16_guess(const unsigned char *s, size_t len)
{
	size_t even = 0, odd = 0, pairs;

	if (len < 4 || len % 2)
		return NULL;
	pairs = len / 2 < 512 ? len / 2 : 512;
	for (size_t i = 0; i < pairs; i++) {
		even += s[2 * i] == 0;
		odd += s[2 * i + 1] == 0;
	}
	if (odd * 4 > pairs && even * 4 < odd)
		return "UTF-16LE";
	if (even * 4 > pairs && odd * 4 < even)
		return "UTF-16BE";
	return NULL;
}

static char *decode(const char *data, size_t len, size_t *ret_len, struct err *err)
{
	const unsigned char *s = (const unsigned char *)data;
	const char *enc;
	char *text;

	if (len >= 2 && s[0] == 0xFF && s[1] == 0xFE)
		text = convert("UTF-16LE", data + 2, len - 2, ret_len, err);
	else if (len >= 2 && s[0] == 0xFE && s[1] == 0xFF)
		text = convert("UTF-16BE", data + 2, len - 2, ret_len, err);
	else if ((enc = utf16_guess(s, len)))
		text = convert(enc, data, len, ret_len, err);
	else if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
		if (!utf8_valid(s + 3, len - 3)) {
			err_set(err, "not valid UTF-8 although it says so");
			return NULL;
		}
		text = xstrndup(data + 3, len - 3);
		*ret_len = len - 3;
	} else if (utf8_valid(s, len)) {
		text = xstrndup(data, len);
		*ret_len = len;
	} else {
		/* Excel's "CSV" on a Danish Windows */
		text = convert("WINDOWS-1252", data, len, ret_len, err);
	}
	if (text && strlen(text) != *ret_len) {
		err_set(err, "binary data, not a Teams attendance report");
		free(text);
		return NULL;
	}
	return text;
}

/* ---- lines to rows of cells ---- */

struct row {
	int line;
	char **f;           /* the cells, trimmed */
	size_t n;
	char *raw;          /* the line as written */
	const char *bad;    /* why the line could not be split into cells, else NULL */
};

struct rows {
	struct row *v;
	size_t n;
};

static void rows_release(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		for (size_t j = 0; j < rs->v[i].n; j++)
			free(rs->v[i].f[j]);
		free(rs->v[i].f);
		free(rs->v[i].raw);
	}
	free(rs->v);
}

static void add_cell(struct row *r, struct buf *b)
{
	r->f = xrealloc(r->f, (r->n + 1) * sizeof(*r->f));
	r->f[r->n++] = util_trim(buf_detach(b, NULL));
}

/* Splits one line at 'delim', with Excel's quoting ("a, b" and "" for a quote). A quote never spans lines:
 * Teams writes none, and a stray one must not swallow the rows after it. */
static void split_line(struct row *r, const char *p, char delim)
{
	struct buf b;

	buf_init(&b);
	b.cap = MAX_FIELD;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '"') {
			for (p++;; p++) {
				if (!*p) {
					r->bad = "unclosed quote";
					goto out;
				}
				if (*p == '"' && p[1] == '"')
					p++;
				else if (*p == '"')
					break;
				buf_addch(&b, *p);
			}
			for (p++; *p == ' ' || *p == '\r'; p++)
				;
			if (*p && *p != delim) {
				r->bad = "text after a closing quote";
				goto out;
			}
		} else {
			for (; *p && *p != delim; p++)
				buf_addch(&b, *p);
		}
		if (b.overflow) {
			r->bad = "a cell longer than 1024 bytes";
			goto out;
		}
		if (r->n == MAX_FIELDS) {
			r->bad = "more than 64 cells";
			goto out;
		}
		add_cell(r, &b);
		if (!*p)
			break;
		p++;
	}
out:
	buf_release(&b);
}

/* TAB when any line has one (what Teams writes); else ';' or ',' by which more lines hold. */
static char pick_delim(const char *text)
{
	size_t semi = 0, comma = 0;

	if (strchr(text, '\t'))
		return '\t';
	for (const char *l = text; *l;) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);

		semi += memchr(l, ';', n) != NULL;
		comma += memchr(l, ',', n) != NULL;
		l += n + (e != NULL);
	}
	return semi > comma ? ';' : ',';
}

static int split_rows(char *text, struct rows *rs, struct err *err)
{
	char delim = pick_delim(text);
	int line = 0;

	for (char *l = text; *l;) {
		char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);
		struct row *r;

		if (++line > TEAMS_MAX_LINES)
			return err_set(err, "more than %d lines: not a Teams attendance report", TEAMS_MAX_LINES);
		l[n] = '\0';
		if (n && l[n - 1] == '\r')
			l[--n] = '\0';
		rs->v = xrealloc(rs->v, (rs->n + 1) * sizeof(*rs->v));
		r = &rs->v[rs->n++];
		memset(r, 0, sizeof(*r));
		r->line = line;
		r->raw = xstrdup(l);
		if (n > MAX_LINE)
			r->bad = "a line longer than 16384 bytes";
		else
			split_line(r, l, delim);
		if (!e)
			break;
		l = e + 1;
	}
	return 0;
}

/* ---- words: headers, section names, actions ---- */

/* Lower case (ASCII and Latin-1 letters in UTF-8), inner white space as one space, trimmed, and a trailing
 * "(UTC)" (tenants that report in UTC) dropped. Caller frees. */
static char *fold_header(const char *in)
{
	const unsigned char *s = (const unsigned char *)in;
	char *out = xmalloc(strlen(in) + 1);
	size_t n = 0;
	int space = 0;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || (s[0] == 0xC2 && s[1] == 0xA0)) {
			space = n > 0;
			s += *s == 0xC2;
			continue;
		}
		if (space)
			out[n++] = ' ';
		space = 0;
		if (*s >= 'A' && *s <= 'Z')
			out[n++] = (char)(*s + 32);
		else if (n && (unsigned char)out[n - 1] == 0xC3 && *s >= 0x80 && *s <= 0x9E && *s != 0x97)
			out[n++] = (char)(*s + 32);
		else
			out[n++] = (char)*s;
	}
	out[n] = '\0';
	if (n >= 5 && strcmp(out + n - 5, "(utc)") == 0) {
		out[n - 5] = '\0';
		util_trim(out);
	}
	return out;
}

enum col { COL_NAME, COL_JOIN, COL_LEAVE, COL_DURATION, COL_EMAIL, COL_UPN, COL_ROLE, COL_ACTION, COL_STAMP,
	   COL_N };

static const struct {
	const char *header;
	enum col col;
} headers[] = {
	{ "name", COL_NAME }, { "full name", COL_NAME }, { "navn", COL_NAME }, { "fulde navn", COL_NAME },
	{ "fuldt navn", COL_NAME }, { "deltagernavn", COL_NAME },
	{ "first join", COL_JOIN }, { "join time", COL_JOIN }, { "første deltagelse", COL_JOIN },
	{ "tidspunkt for deltagelse", COL_JOIN }, { "deltog", COL_JOIN },
	{ "last leave", COL_LEAVE }, { "leave time", COL_LEAVE }, { "sidste udtræden", COL_LEAVE },
	{ "sidste afgang", COL_LEAVE }, { "tidspunkt for udtræden", COL_LEAVE }, { "forlod", COL_LEAVE },
	{ "in-meeting duration", COL_DURATION }, { "duration", COL_DURATION }, { "varighed", COL_DURATION },
	{ "varighed i mødet", COL_DURATION }, { "varighed under mødet", COL_DURATION },
	{ "email", COL_EMAIL }, { "e-mail", COL_EMAIL }, { "mail", COL_EMAIL }, { "e-mail-adresse", COL_EMAIL },
	{ "mailadresse", COL_EMAIL }, { "e-mailadresse", COL_EMAIL },
	{ "participant id (upn)", COL_UPN }, { "deltager-id (upn)", COL_UPN }, { "upn", COL_UPN },
	{ "role", COL_ROLE }, { "rolle", COL_ROLE },
	{ "user action", COL_ACTION }, { "action", COL_ACTION }, { "handling", COL_ACTION },
	{ "brugerhandling", COL_ACTION },
	{ "timestamp", COL_STAMP }, { "tidsstempel", COL_STAMP },
};

enum summary_key { SUM_TITLE, SUM_START, SUM_END, SUM_COUNT, SUM_N };

static const struct {
	const char *key;
	enum summary_key which;
} summary_keys[] = {
	{ "meeting title", SUM_TITLE }, { "mødetitel", SUM_TITLE }, { "titel", SUM_TITLE },
	{ "start time", SUM_START }, { "meeting start time", SUM_START }, { "starttidspunkt", SUM_START },
	{ "mødets starttidspunkt", SUM_START },
	{ "end time", SUM_END }, { "meeting end time", SUM_END }, { "sluttidspunkt", SUM_END },
	{ "mødets sluttidspunkt", SUM_END },
	{ "attended participants", SUM_COUNT }, { "total number of participants", SUM_COUNT },
	{ "deltagere", SUM_COUNT }, { "antal deltagere", SUM_COUNT }, { "deltagende deltagere", SUM_COUNT },
	{ "samlet antal deltagere", SUM_COUNT },
};

/* The unnumbered heading of the 2020-21 summary. */
static const char *const summary_headings[] = { "meeting summary", "mødeoversigt", "oversigt", "summary",
						 "mødesammendrag" };

/* "(External)" and its kin after a name: Teams' marks for people outside the tenant. */
static const char *const name_marks[] = { "external", "unverified", "guest", "ext", "ekstern", "gæst",
					  "ikke bekræftet", "ubekræftet" };

static const char *const join_words[] = { "joined", "joined before", "deltog", "deltog før", "tilsluttet",
					  "tilsluttede", "tilsluttet før" };
static const char *const leave_words[] = { "left", "forlod", "gik" };

static int in_list(const char *folded, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(folded, list[i]) == 0)
			return 1;
	return 0;
}

#define IN_LIST(s, list) in_list((s), (list), sizeof(list) / sizeof((list)[0]))

static int row_empty(const struct row *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->f[i][0])
			return 0;
	return 1;
}

/* The number of a section heading ("2. Participants", "2. Deltagere"): one cell, the rest empty. 0: none. */
static int heading_number(const struct row *r)
{
	const char *s;
	int n = 0;

	if (r->bad || r->n == 0)
		return 0;
	for (size_t i = 1; i < r->n; i++)
		if (r->f[i][0])
			return 0;
	s = r->f[0];
	if (!(*s >= '1' && *s <= '9'))
		return 0;
	while (*s >= '0' && *s <= '9' && n < 100)
		n = n * 10 + (*s++ - '0');
	if (*s++ != '.')
		return 0;
	while (*s == ' ')
		s++;
	return (*s && !(*s >= '0' && *s <= '9')) ? n : 0;
}

static int is_summary_heading(const struct row *r)
{
	char *f;
	int yes;

	if (r->bad || r->n == 0 || !r->f[0][0])
		return 0;
	for (size_t i = 1; i < r->n; i++)
		if (r->f[i][0])
			return 0;
	f = fold_header(r->f[0]);
	yes = IN_LIST(f, summary_headings);
	free(f);
	return yes;
}

/* ---- durations and time stamps ---- */

static const struct {
	const char *unit;
	long seconds;
} units[] = {
	{ "h", 3600 }, { "t", 3600 }, { "hr", 3600 }, { "hrs", 3600 }, { "hour", 3600 }, { "hours", 3600 },
	{ "time", 3600 }, { "timer", 3600 }, { "tim", 3600 },
	{ "m", 60 }, { "min", 60 }, { "mins", 60 }, { "minute", 60 }, { "minutes", 60 }, { "minut", 60 },
	{ "minutter", 60 },
	{ "s", 1 }, { "sec", 1 }, { "secs", 1 }, { "second", 1 }, { "seconds", 1 }, { "sek", 1 }, { "sekund", 1 },
	{ "sekunder", 1 },
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "1:02:10" or "2:05" (minutes:seconds). */
static long colon_duration(const char *s)
{
	long part[3] = { 0 };
	int n = 0;

	for (;;) {
		int digits = 0;

		if (n == 3)
			return -1;
		for (; is_digit(*s) && digits < 6; s++, digits++)
			part[n] = part[n] * 10 + (*s - '0');
		if (!digits || (n > 0 && digits != 2))
			return -1;
		n++;
		if (*s != ':')
			break;
		s++;
	}
	if (*s || n < 2 || part[n - 1] > 59 || (n == 3 && part[1] > 59))
		return -1;
	return n == 3 ? part[0] * 3600 + part[1] * 60 + part[2] : part[0] * 60 + part[1];
}

long teams_duration(const char *in)
{
	const char *s = in;
	long total = 0, last_unit = 0;
	int terms = 0;

	while (*s == ' ')
		s++;
	if (strchr(s, ':'))
		return colon_duration(s);
	while (*s) {
		long num = 0, unit = 0;
		int digits = 0;
		char word[16];
		size_t wn = 0;

		for (; is_digit(*s); s++)
			if (++digits > 6)
				return -1;
			else
				num = num * 10 + (*s - '0');
		if (!digits)
			return -1;
		while (*s == ' ')
			s++;
		for (; ((*s | 32) >= 'a' && (*s | 32) <= 'z') && wn < sizeof(word) - 1; s++)
			word[wn++] = (char)(*s | 32);
		word[wn] = '\0';
		if (*s == '.')
			s++;   /* "sek.", "godz." */
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && !unit; i++)
			if (strcmp(word, units[i].unit) == 0)
				unit = units[i].seconds;
		/* each unit once, largest first: "3s 2h" and "3h 3h" are not durations */
		if (!unit || (last_unit && unit >= last_unit))
			return -1;
		last_unit = unit;
		total += num * unit;
		terms++;
		while (*s == ' ' || *s == ',')
			s++;
	}
	return terms && total < 1000L * 3600 ? total : -1;
}

/* Up to 'max' digits into *ret; returns the count. */
static int digits(const char **s, int max, int *ret)
{
	int n = 0, v = 0;

	while (is_digit(**s) && n < max) {
		v = v * 10 + (*(*s)++ - '0');
		n++;
	}
	if (is_digit(**s))
		return 0;
	*ret = v;
	return n;
}

struct stamp {
	int has_date;
	int a, b, c;        /* the date's numbers in the order written */
	long tod;           /* seconds after midnight */
};

/* Skips spaces, no-break spaces and Unicode narrow no-break spaces (ICU puts U+202F before "PM"). */
static const char *skip_space(const char *s)
{
	for (;;) {
		const unsigned char *u = (const unsigned char *)s;
		if (*u == ' ')
			s++;
		else if (u[0] == 0xC2 && u[1] == 0xA0)
			s += 2;
		else if (u[0] == 0xE2 && u[1] == 0x80 && u[2] == 0xAF)
			s += 3;
		else
			return s;
	}
}

static int parse_stamp(const char *s, struct stamp *st)
{
	int h, mi, se = 0;
	const char *p;

	memset(st, 0, sizeof(*st));
	s = skip_space(s);
	p = s;
	/* a date: three numbers with the same separator, "/" "." or "-" */
	if (digits(&p, 4, &st->a) && (*p == '/' || *p == '.' || *p == '-')) {
		char sep = *p++;
		if (digits(&p, 2, &st->b) && *p == sep && (p++, digits(&p, 4, &st->c))) {
			st->has_date = 1;
			s = p;
			if (*s == ',')
				s++;
			if (*s == 'T')
				s++;
			s = skip_space(s);
		}
	}
	p = s;
	if (!digits(&p, 2, &h) || (*p != ':' && *p != '.'))
		return -1;
	char tsep = *p++;
	if (digits(&p, 2, &mi) != 2)
		return -1;
	if (*p == tsep) {
		p++;
		if (digits(&p, 2, &se) != 2)
			return -1;
		if (*p == '.' || *p == ',')   /* fractions of a second */
			for (p++; is_digit(*p); p++)
				;
	}
	p = skip_space(p);
	if ((p[0] | 32) == 'a' || (p[0] | 32) == 'p') {
		int pm = (p[0] | 32) == 'p';
		p++;
		if (*p == '.')
			p++;
		if ((*p | 32) != 'm')
			return -1;
		p++;
		if (*p == '.')
			p++;
		if (h < 1 || h > 12)
			return -1;
		h = h % 12 + (pm ? 12 : 0);
	} else if (*p == 'Z') {
		p++;
	}
	p = skip_space(p);
	if (*p || h > 23 || mi > 59 || se > 59)
		return -1;
	st->tod = h * 3600L + mi * 60L + se;
	return 0;
}

long teams_time_of_day(const char *stamp)
{
	struct stamp st;

	return parse_stamp(stamp, &st) < 0 ? -1 : st.tod;
}

static int valid_date(int y, int m, int d)
{
	return y >= 1970 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= util_days_in_month(y, m);
}

int teams_date_matches(const char *stamp, int y, int m, int d)
{
	struct stamp st;
	int any = 0, hit = 0;

	if (parse_stamp(stamp, &st) < 0 || !st.has_date)
		return -1;
	if (st.a > 31) {
		any = valid_date(st.a, st.b, st.c);
		hit = any && st.a == y && st.b == m && st.c == d;
	} else {
		int year = st.c < 100 ? 2000 + st.c : st.c;
		/* day-first (Europe) and month-first (en-US): the report does not say which */
		if (valid_date(year, st.b, st.a)) {
			any = 1;
			hit |= year == y && st.b == m && st.a == d;
		}
		if (valid_date(year, st.a, st.b)) {
			any = 1;
			hit |= year == y && st.a == m && st.b == d;
		}
	}
	return any ? hit : -1;
}

/* ---- names ---- */

/* Drops "(External)", "(Unverified)", "(Guest)" (any case, repeated) from the end of a name. */
static void strip_marks(char *name)
{
	for (;;) {
		size_t n = strlen(name);
		char *open, *inner;
		int mark;

		if (n < 3 || name[n - 1] != ')' || !(open = strrchr(name, '(')) || open == name)
			return;
		inner = xstrndup(open + 1, (size_t)(name + n - 1 - (open + 1)));
		char *f = fold_header(inner);
		mark = IN_LIST(f, name_marks);
		free(f);
		free(inner);
		if (!mark)
			return;
		*open = '\0';
		util_trim(name);
	}
}

/* Latin-1 letters U+00C0-U+00FF written out: [0] with their Danish/German spelling (æ ae, ø oe, å aa, ü ue),
 * [1] as the bare letter (æ a, ø o, å a). NULL: not a letter (×, ÷). */
static const char *const latin1[64][2] = {
	{ "a", "a" }, { "a", "a" }, { "a", "a" }, { "a", "a" }, { "ae", "a" }, { "aa", "a" }, { "ae", "a" },
	{ "c", "c" }, { "e", "e" }, { "e", "e" }, { "e", "e" }, { "e", "e" }, { "i", "i" }, { "i", "i" },
	{ "i", "i" }, { "i", "i" }, { "d", "d" }, { "n", "n" }, { "o", "o" }, { "o", "o" }, { "o", "o" },
	{ "o", "o" }, { "oe", "o" }, { NULL, NULL }, { "oe", "o" }, { "u", "u" }, { "u", "u" }, { "u", "u" },
	{ "ue", "u" }, { "y", "y" }, { "th", "th" }, { "ss", "ss" },
	{ "a", "a" }, { "a", "a" }, { "a", "a" }, { "a", "a" }, { "ae", "a" }, { "aa", "a" }, { "ae", "a" },
	{ "c", "c" }, { "e", "e" }, { "e", "e" }, { "e", "e" }, { "e", "e" }, { "i", "i" }, { "i", "i" },
	{ "i", "i" }, { "i", "i" }, { "d", "d" }, { "n", "n" }, { "o", "o" }, { "o", "o" }, { "o", "o" },
	{ "o", "o" }, { "oe", "o" }, { NULL, NULL }, { "oe", "o" }, { "u", "u" }, { "u", "u" }, { "u", "u" },
	{ "ue", "u" }, { "y", "y" }, { "th", "th" }, { "y", "y" },
};

#define MAX_TOKENS 16

struct tokens {
	char *v[MAX_TOKENS];
	size_t n;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void tokens_add(struct tokens *t, struct buf *b)
{
	/* one letter is an initial ("Rikke K. Laursen"): Teams names often leave it out */
	if (b->len > 1 && t->n < MAX_TOKENS)
		t->v[t->n++] = buf_detach(b, NULL);
	buf_reset(b);
}

/* The words of a name, folded ('spell': æ as "ae" rather than "a"), sorted. */
static void name_tokens(const char *name, int spell, struct tokens *t)
{
	const unsigned char *s = (const unsigned char *)name;
	struct buf b;

	buf_init(&b);
	t->n = 0;
	for (; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')) {
			buf_addch(&b, (char)*s);
		} else if (*s >= 'A' && *s <= 'Z') {
			buf_addch(&b, (char)(*s + 32));
		} else if (*s == 0xC3 && s[1] >= 0x80 && s[1] <= 0xBF) {
			const char *l = latin1[s[1] - 0x80][spell ? 0 : 1];
			if (l)
				buf_adds(&b, l);
			else
				tokens_add(t, &b);   /* × ÷ */
			s++;
		} else if (*s == 0xC2 && s[1]) {
			tokens_add(t, &b);           /* no-break space, «, », ·, … */
			s++;
		} else if (*s == 0xE2 && s[1] == 0x80 && s[2]) {
			tokens_add(t, &b);           /* dashes, quotes, narrow spaces (U+2000-U+203F) */
			s += 2;
		} else if (*s >= 0x80) {
			buf_addch(&b, (char)*s);     /* other scripts: kept as written */
		} else {
			tokens_add(t, &b);
		}
	}
	tokens_add(t, &b);
	buf_release(&b);
	qsort(t->v, t->n, sizeof(t->v[0]), cmp_str);
}

static void tokens_release(struct tokens *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	t->n = 0;
}

/* 1 when every word of 'small' is in 'big' (both sorted; a word counts once). */
static int tokens_within(const struct tokens *small, const struct tokens *big)
{
	size_t j = 0;

	for (size_t i = 0; i < small->n; i++) {
		while (j < big->n && strcmp(big->v[j], small->v[i]) < 0)
			j++;
		if (j == big->n || strcmp(big->v[j], small->v[i]) != 0)
			return 0;
		j++;
	}
	return 1;
}

int teams_name_match(const char *a, const char *b)
{
	int best = 0;

	for (int spell = 0; spell < 2 && best < 2; spell++) {
		struct tokens ta, tb;
		name_tokens(a, spell, &ta);
		name_tokens(b, spell, &tb);
		if (ta.n && ta.n == tb.n && tokens_within(&ta, &tb))
			best = 2;
		else if (ta.n >= 2 && tb.n >= 2 && (ta.n < tb.n ? tokens_within(&ta, &tb) : tokens_within(&tb, &ta)))
			best = 1;
		tokens_release(&ta);
		tokens_release(&tb);
	}
	return best;
}

/* ---- the report ---- */

/* Keeps a row that could not be read; takes ownership of 'reason'. */
static void add_bad(struct teams_report *r, const struct row *row, char *reason)
{
	struct teams_bad_row *b;
	size_t n = strlen(row->raw);

	if (n > MAX_SHOWN) {
		n = MAX_SHOWN;
		while (n && ((unsigned char)row->raw[n] & 0xC0) == 0x80)
			n--;
	}
	r->bad = xrealloc(r->bad, (r->n_bad + 1) * sizeof(*r->bad));
	b = &r->bad[r->n_bad++];
	b->line = row->line;
	b->text = xstrndup(row->raw, n);
	for (char *t = b->text; *t; t++)
		if ((unsigned char)*t < 0x20 && *t != '\t')
			*t = ' ';
	b->reason = reason;
}

static const char *cell(const struct row *r, const int *col, enum col c)
{
	return col[c] >= 0 && (size_t)col[c] < r->n ? r->f[col[c]] : "";
}

/* The participant with this e-mail address (or, without one, this name), or a new one. */
static struct teams_participant *person_for(struct teams_report *r, const char *name, const char *email,
					    int line, int *ret_new)
{
	struct teams_participant *p;

	*ret_new = 0;
	for (size_t i = 0; i < r->n; i++) {
		p = &r->people[i];
		if (*email ? strcmp(p->email, email) == 0 : (!p->email[0] && strcasecmp(p->name, name) == 0))
			return p;
	}
	*ret_new = 1;
	r->people = xrealloc(r->people, (r->n + 1) * sizeof(*r->people));
	p = &r->people[r->n++];
	memset(p, 0, sizeof(*p));
	p->name = xstrdup(name);
	p->email = xstrdup(email);
	p->upn = xstrdup("");
	p->role = xstrdup("");
	p->first_join = xstrdup("");
	p->duration_s = 0;
	p->line = line;
	return p;
}

static void set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = xstrdup(src);
}

/* An address cell: lower-cased when valid, else "". */
static char *address(const char *s)
{
	char *a = util_lower(xstrdup(s));

	if (!util_email_valid(a))
		a[0] = '\0';
	return a;
}

/* One row of a participants table (not the event log). */
static void person_row(struct teams_report *r, const struct row *row, const int *col)
{
	char *name = xstrdup(cell(row, col, COL_NAME)), *email = address(cell(row, col, COL_EMAIL));
	char *upn = address(cell(row, col, COL_UPN));
	const char *dur = cell(row, col, COL_DURATION), *join = cell(row, col, COL_JOIN);
	long secs = -1;
	int is_new;
	struct teams_participant *p;

	strip_marks(name);
	if (!*email && *upn && strlen(upn) < 200)
		set_str(&email, upn);
	if (!*name && !*email) {
		add_bad(r, row, xstrdup("no name and no e-mail address"));
		goto out;
	}
	if (col[COL_DURATION] >= 0 && *dur && (secs = teams_duration(dur)) < 0) {
		add_bad(r, row, xasprintf("duration '%s' not understood", dur));
		goto out;
	}
	p = person_for(r, name, email, row->line, &is_new);
	if (!p->upn[0] && *upn)
		set_str(&p->upn, upn);
	if (!p->role[0])
		set_str(&p->role, cell(row, col, COL_ROLE));
	if (!p->name[0] && *name)
		set_str(&p->name, name);
	/* a rejoin adds up; one row without a duration makes the total unknown */
	p->duration_s = is_new ? secs : p->duration_s < 0 || secs < 0 ? -1 : p->duration_s + secs;
	if (*join) {
		long t = teams_time_of_day(join), was = teams_time_of_day(p->first_join);
		if (!p->first_join[0] || (t >= 0 && was >= 0 && t < was))
			set_str(&p->first_join, join);
	}
out:
	free(name);
	free(email);
	free(upn);
}

/* The 2020 log: who joined and left when. Open joins are counted to the meeting's end. */
struct event_state {
	long open;          /* time of day of the open join, -1 when not in the meeting */
};

static void action_rows(struct teams_report *r, const struct rows *rs, size_t from, size_t to, const int *col,
			long end_tod)
{
	struct event_state *st = NULL;   /* one per person of r, st_n of them */
	size_t st_n = 0;
	long first_tod = -1, last_tod = -1;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = from; i < to; i++) {
			const struct row *row = &rs->v[i];
			const char *act, *when;
			char *name, *f;
			long tod;
			int join, leave;
			struct teams_participant *p;

			if (row_empty(row))
				continue;
			if (row->bad) {
				if (pass == 0)
					add_bad(r, row, xstrdup(row->bad));
				continue;
			}
			act = cell(row, col, COL_ACTION);
			when = cell(row, col, COL_STAMP);
			f = fold_header(act);
			join = IN_LIST(f, join_words);
			leave = IN_LIST(f, leave_words);
			free(f);
			tod = teams_time_of_day(when);
			name = xstrdup(cell(row, col, COL_NAME));
			strip_marks(name);
			if (pass == 0) {
				if (!*name)
					add_bad(r, row, xstrdup("no name"));
				else if (!join && !leave)
					add_bad(r, row, xasprintf("action '%s' not understood", act));
				else if (tod < 0)
					add_bad(r, row, xasprintf("time '%s' not understood", when));
				else {
					if (first_tod < 0) {
						first_tod = tod;
						if (!r->start[0])
							set_str(&r->start, when);
					}
					last_tod = tod;
				}
				free(name);
				continue;
			}
			if (!*name || (!join && !leave) || tod < 0) {
				free(name);
				continue;
			}
			int is_new;
			p = person_for(r, name, "", row->line, &is_new);
			if (st_n < r->n) {
				st = xrealloc(st, r->n * sizeof(*st));
				while (st_n < r->n)
					st[st_n++].open = -1;
			}
			struct event_state *e = &st[p - r->people];
			if (join && e->open < 0) {
				e->open = tod;
				if (!p->first_join[0])
					set_str(&p->first_join, when);
			} else if (leave) {
				/* a leave without a join: in the meeting since the list began */
				long since = e->open >= 0 ? e->open : first_tod;
				p->duration_s += (tod - since + DAY) % DAY;
				e->open = -1;
			}
			free(name);
		}
	}
	long end = end_tod >= 0 ? end_tod : last_tod;
	for (size_t i = 0; i < st_n; i++)
		if (st[i].open >= 0)
			r->people[i].duration_s += (end - st[i].open + DAY) % DAY;
	free(st);
}

/* Maps header cells to columns by name. */
static void map_header(const struct row *row, int *col)
{
	for (int c = 0; c < COL_N; c++)
		col[c] = -1;
	for (size_t i = 0; i < row->n; i++) {
		char *f = fold_header(row->f[i]);
		size_t n = strlen(f);
		for (size_t h = 0; h < sizeof(headers) / sizeof(headers[0]); h++)
			if (strcmp(f, headers[h].header) == 0 && col[headers[h].col] < 0)
				col[headers[h].col] = (int)i;
		if (n > 5 && strcmp(f + n - 5, "(upn)") == 0 && col[COL_UPN] < 0)
			col[COL_UPN] = (int)i;
		free(f);
	}
}

static int header_known(const int *col)
{
	return col[COL_NAME] >= 0 && ((col[COL_ACTION] >= 0 && col[COL_STAMP] >= 0) || col[COL_EMAIL] >= 0 ||
				      col[COL_DURATION] >= 0 || col[COL_JOIN] >= 0 || col[COL_UPN] >= 0);
}

enum kind { K_EMPTY, K_EMAIL, K_STAMP, K_DURATION, K_TEXT };

static enum kind kind_of(const char *s)
{
	struct stamp st;

	if (!*s)
		return K_EMPTY;
	if (util_email_valid(s))
		return K_EMAIL;
	if (parse_stamp(s, &st) == 0 && st.has_date)
		return K_STAMP;
	if (teams_duration(s) >= 0)
		return K_DURATION;
	return K_TEXT;
}

/* Section 2 with headers we do not know (another language, another version): a column is addresses,
 * durations or time stamps when all its cells are; the name is the first column of text. */
static void infer_columns(const struct rows *rs, size_t from, size_t to, int *col)
{
	int used[MAX_FIELDS] = { 0 };
	size_t width = 0;

	for (int c = 0; c < COL_N; c++)
		if (col[c] >= 0 && col[c] < MAX_FIELDS)
			used[col[c]] = 1;
	for (size_t i = from; i < to; i++)
		if (!rs->v[i].bad && rs->v[i].n > width)
			width = rs->v[i].n;
	for (size_t k = 0; k < width && k < MAX_FIELDS; k++) {
		enum kind all = K_EMPTY;
		if (used[k])
			continue;
		for (size_t i = from; i < to && all != K_TEXT; i++) {
			const struct row *row = &rs->v[i];
			enum kind kd;
			if (row->bad || k >= row->n || (kd = kind_of(row->f[k])) == K_EMPTY)
				continue;
			all = all == K_EMPTY || all == kd ? kd : K_TEXT;
		}
		enum col c = all == K_EMAIL ? (col[COL_EMAIL] < 0 ? COL_EMAIL : COL_UPN) :
			     all == K_DURATION ? COL_DURATION :
			     all == K_STAMP ? (col[COL_JOIN] < 0 ? COL_JOIN : COL_LEAVE) :
			     all == K_TEXT ? (col[COL_NAME] < 0 ? COL_NAME : COL_ROLE) : COL_N;
		if (c != COL_N && col[c] < 0)
			col[c] = (int)k;
	}
}

static void summary_row(struct teams_report *r, const struct row *row, int *n_stamps)
{
	char *key;
	const char *val;
	int which = -1;

	if (row->bad || row->n < 2 || !row->f[0][0])
		return;
	val = row->f[1];
	key = fold_header(row->f[0]);
	for (size_t i = 0; i < sizeof(summary_keys) / sizeof(summary_keys[0]); i++)
		if (strcmp(key, summary_keys[i].key) == 0)
			which = (int)summary_keys[i].which;
	free(key);
	/* in a language we do not know: the first two time stamps are the start and the end */
	if (which < 0 && kind_of(val) == K_STAMP)
		which = (*n_stamps)++ == 0 ? SUM_START : SUM_END;
	if (which == SUM_TITLE && !r->title[0])
		set_str(&r->title, val);
	else if (which == SUM_START) {
		set_str(&r->start, val);
		*n_stamps = 1;
	} else if (which == SUM_END) {
		set_str(&r->end, val);
		*n_stamps = 2;
	} else if (which == SUM_COUNT) {
		char *e;
		long n = strtol(val, &e, 10);
		if (e != val && !*e && n >= 0 && n < 100000)
			r->count = (int)n;
	}
}

/* Where the table starting at 'from' ends: at the next section heading or the end. */
static size_t table_end(const struct rows *rs, size_t from)
{
	size_t i = from;

	while (i < rs->n && !heading_number(&rs->v[i]))
		i++;
	return i;
}

static void table_rows(struct teams_report *r, const struct rows *rs, size_t from, size_t to, const int *col)
{
	if (col[COL_ACTION] >= 0 && col[COL_STAMP] >= 0) {
		r->format = TEAMS_ACTION_LOG;
		action_rows(r, rs, from, to, col, r->end[0] ? teams_time_of_day(r->end) : -1);
		return;
	}
	for (size_t i = from; i < to; i++) {
		const struct row *row = &rs->v[i];
		if (row->bad)
			add_bad(r, row, xstrdup(row->bad));
		else if (!row_empty(row))
			person_row(r, row, col);
	}
}

enum state { S_NONE, S_SUMMARY, S_EXPECT_HEADER, S_SKIP };

static int walk(struct teams_report *r, const struct rows *rs, struct err *err)
{
	enum state state = S_NONE;
	int col[COL_N], found = 0, numbered = 0, summary = 0, n_stamps = 0;

	for (size_t i = 0; i < rs->n; i++) {
		const struct row *row = &rs->v[i];
		int num = heading_number(row);

		if (num) {
			numbered = 1;
			state = num == 1 ? S_SUMMARY : num == 2 && !found ? S_EXPECT_HEADER : S_SKIP;
			summary |= num == 1;
			continue;
		}
		if (is_summary_heading(row)) {
			state = S_SUMMARY;
			summary = 1;
			continue;
		}
		if (row->bad || row_empty(row)) {
			if (state == S_SUMMARY && !row->bad)
				state = S_NONE;
			continue;
		}
		if (state == S_SKIP || found)
			continue;
		map_header(row, col);
		if (state == S_EXPECT_HEADER || header_known(col)) {
			size_t end = table_end(rs, i + 1);
			if (state == S_EXPECT_HEADER)
				infer_columns(rs, i + 1, end, col);
			r->format = numbered ? TEAMS_SECTIONS : summary ? TEAMS_SUMMARY_TABLE : TEAMS_TABLE;
			table_rows(r, rs, i + 1, end, col);
			found = 1;
			i = end - 1;
			state = S_SKIP;
			continue;
		}
		if (state == S_SUMMARY)
			summary_row(r, row, &n_stamps);
	}
	if (!found)
		return err_set(err, "no participants table: not a Teams attendance report");
	return 0;
}

int teams_parse(const char *data, size_t len, struct teams_report *ret, struct err *err)
{
	struct rows rs = { 0 };
	char *text;
	size_t tlen;
	int rc = -1;

	memset(ret, 0, sizeof(*ret));
	ret->title = xstrdup("");
	ret->start = xstrdup("");
	ret->end = xstrdup("");
	ret->count = -1;
	if (len > TEAMS_MAX_INPUT)
		return err_set(err, "larger than %u bytes: not a Teams attendance report", TEAMS_MAX_INPUT);
	if (len == 0)
		return err_set(err, "empty file");
	if (!(text = decode(data, len, &tlen, err)))
		return -1;
	/* a BOM that survived conversion (UTF-16 with a BOM read as UTF-16 again) */
	char *t = text;
	while (strncmp(t, "\xEF\xBB\xBF", 3) == 0)
		t += 3;
	if (split_rows(t, &rs, err) == 0)
		rc = walk(ret, &rs, err);
	rows_release(&rs);
	free(text);
	return rc;
}

void teams_report_release(struct teams_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->people[i].name);
		free(r->people[i].email);
		free(r->people[i].upn);
		free(r->people[i].role);
		free(r->people[i].first_join);
	}
	for (size_t i = 0; i < r->n_bad; i++) {
		free(r->bad[i].text);
		free(r->bad[i].reason);
	}
	free(r->people);
	free(r->bad);
	free(r->title);
	free(r->start);
	free(r->end);
	memset(r, 0, sizeof(*r));
}
