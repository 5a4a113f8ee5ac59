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

/* TAB when any line has one (what Teams writes); else ';' or ',' by which occurs more often: a ';' file that
 * Excel saved from an en-US report still has a comma in every date ("3/5/27, 9:58 AM"), but fewer of them. */
static char pick_delim(const char *text)
{
	size_t semi = 0, comma = 0;

	if (strchr(text, '\t'))
		return '\t';
	for (const char *p = text; *p; p++) {
		semi += *p == ';';
		comma += *p == ',';
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

/* Units of a duration as Teams writes them in the organizer's language: English and Danish, and the French
 * ("1 h 2 min 10 s", "heures", "secondes"), Portuguese ("horas", "minutos", "seg") and Indonesian ("jam", "menit",
 * "detik") words for hours, minutes and seconds. */
static const struct {
	const char *unit;
	long seconds;
} units[] = {
	{ "h", 3600 }, { "t", 3600 }, { "hr", 3600 }, { "hrs", 3600 }, { "hour", 3600 }, { "hours", 3600 },
	{ "time", 3600 }, { "timer", 3600 }, { "tim", 3600 }, { "heure", 3600 }, { "heures", 3600 },
	{ "hora", 3600 }, { "horas", 3600 }, { "j", 3600 }, { "jam", 3600 },
	{ "m", 60 }, { "min", 60 }, { "mins", 60 }, { "minute", 60 }, { "minutes", 60 }, { "minut", 60 },
	{ "minutter", 60 }, { "minuto", 60 }, { "minutos", 60 }, { "mnt", 60 }, { "menit", 60 },
	{ "s", 1 }, { "sec", 1 }, { "secs", 1 }, { "second", 1 }, { "seconds", 1 }, { "sek", 1 }, { "sekund", 1 },
	{ "sekunder", 1 }, { "seconde", 1 }, { "secondes", 1 }, { "seg", 1 }, { "segundo", 1 }, { "segundos", 1 },
	{ "dtk", 1 }, { "detik", 1 },
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Skips spaces, no-break spaces (U+00A0, French typography puts one between a number and its unit), narrow
 * no-break spaces (U+202F: ICU puts one before "PM", French before ":") and thin spaces (U+2009). */
static const char *skip_space(const char *s)
{
	for (;;) {
		const unsigned char *u = (const unsigned char *)s;
		if (*u == ' ')
			s++;
		else if (u[0] == 0xC2 && u[1] == 0xA0)
			s += 2;
		else if (u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0xAF || u[2] == 0x89))
			s += 3;
		else
			return s;
	}
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
	s = skip_space(s);
	if (*s || n < 2 || part[n - 1] > 59 || (n == 3 && part[1] > 59))
		return -1;
	return n == 3 ? part[0] * 3600 + part[1] * 60 + part[2] : part[0] * 60 + part[1];
}

long teams_duration(const char *in)
{
	const char *s = skip_space(in);
	long total = 0, last_unit = 0;
	int terms = 0;

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
		s = skip_space(s);
		for (; ((*s | 32) >= 'a' && (*s | 32) <= 'z') && wn < sizeof(word) - 1; s++)
			word[wn++] = (char)(*s | 32);
		word[wn] = '\0';
		if (*s == '.')
			s++;   /* "sek.", "seg." */
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && !unit; i++)
			if (strcmp(word, units[i].unit) == 0)
				unit = units[i].seconds;
		/* each unit once, largest first: "3s 2h" and "3h 3h" are not durations */
		if (!unit || (last_unit && unit >= last_unit))
			return -1;
		last_unit = unit;
		total += num * unit;
		terms++;
		for (s = skip_space(s); *s == ','; s = skip_space(s + 1))
			;
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
	int year_first;     /* "2027-03-05": a is the year */
	long tod;           /* seconds after midnight */
};

/* A word between the date and the time: "à" (French), "às" (Portuguese), "kl." (Danish), "um", "pukul", "at".
 * Letters (any UTF-8 letter byte), at most 8 bytes, an optional full stop, then a space. */
static const char *skip_connector(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = 0;

	while (n < 9 && skip_space(s + n) == s + n && (((u[n] | 32) >= 'a' && (u[n] | 32) <= 'z') || u[n] >= 0x80))
		n++;
	if (n == 0 || n > 8)
		return s;
	if (u[n] == '.')
		n++;
	if (skip_space(s + n) == s + n)
		return s;
	return skip_space(s + n);
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
		st->year_first = p - s > 3;
		if (digits(&p, 2, &st->b) && *p == sep && (p++, digits(&p, 4, &st->c))) {
			st->has_date = 1;
			s = p;
			if (*s == ',')
				s++;
			if (*s == 'T')
				s++;
			s = skip_space(s);
			for (int words = 0; words < 2; words++)
				s = skip_connector(s);
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

/* The ways a date can be read: the report does not say whether "05/03/27" is day-first (Europe) or month-first
 * (en-US); a year written first is always year-month-day. Two-digit years are 20xx. */
enum { READ_YMD = 1, READ_DMY = 2, READ_MDY = 4 };
static const int reading_order[] = { READ_DMY, READ_MDY, READ_YMD };

static int readings(const struct stamp *st)
{
	int year = st->c < 100 ? 2000 + st->c : st->c, r = 0;

	if (!st->has_date)
		return 0;
	if (st->year_first || st->a > 31)
		return valid_date(st->a, st->b, st->c) ? READ_YMD : 0;
	if (valid_date(year, st->b, st->a))
		r |= READ_DMY;
	if (valid_date(year, st->a, st->b))
		r |= READ_MDY;
	return r;
}

/* The date of a stamp read one way (a reading readings() allows). */
static void stamp_date(const struct stamp *st, int reading, int *y, int *m, int *d)
{
	int year = st->c < 100 ? 2000 + st->c : st->c;

	if (reading == READ_YMD)
		*y = st->a, *m = st->b, *d = st->c;
	else if (reading == READ_DMY)
		*y = year, *m = st->b, *d = st->a;
	else
		*y = year, *m = st->a, *d = st->b;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static long long days_from_civil(int y, int m, int d)
{
	long long era, yy = y - (m <= 2);
	unsigned yoe, doy, doe;

	era = (yy >= 0 ? yy : yy - 399) / 400;
	yoe = (unsigned)(yy - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

int teams_date_matches(const char *stamp, int y, int m, int d)
{
	struct stamp st;
	int r, hit = 0;

	if (parse_stamp(stamp, &st) < 0 || !(r = readings(&st)))
		return -1;
	for (size_t i = 0; i < sizeof(reading_order) / sizeof(reading_order[0]); i++) {
		int sy, sm, sd;
		if (!(r & reading_order[i]))
			continue;
		stamp_date(&st, reading_order[i], &sy, &sm, &sd);
		hit |= sy == y && sm == m && sd == d;
	}
	return hit;
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

#define MAX_SAMPLE 100       /* rows looked at to tell what a column holds */
#define MAX_CANDIDATES 32    /* rows tried as the header of the participants table, outside a section 2 */
#define MAX_VERBS 4          /* distinct actions of a join/leave log whose words we do not know */
#define MAX_QUOTED 60        /* bytes of a line quoted in an error */

/* A copy of outside text fit for an error message or the list of rows not understood: at most 'max' bytes
 * (whole UTF-8 characters), control characters as spaces (but TAB with 'keep_tab': a bad row is kept as
 * written). Caller frees. */
static char *shown(const char *s, size_t max, int keep_tab)
{
	size_t n = strlen(s);
	char *out;

	if (n > max) {
		n = max;
		while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	out = xstrndup(s, n);
	for (char *t = out; *t; t++)
		if (((unsigned char)*t < 0x20 && !(keep_tab && *t == '\t')) || *t == 0x7F)
			*t = ' ';
	return out;
}

/* Keeps a row that could not be read; takes ownership of 'reason'. */
static void add_bad(struct teams_report *r, const struct row *row, char *reason)
{
	struct teams_bad_row *b;

	r->bad = xrealloc(r->bad, (r->n_bad + 1) * sizeof(*r->bad));
	b = &r->bad[r->n_bad++];
	b->line = row->line;
	b->text = shown(row->raw, MAX_SHOWN, 1);
	b->reason = reason;
}

static const char *cell(const struct row *r, const int *col, enum col c)
{
	return col[c] >= 0 && (size_t)col[c] < r->n ? r->f[col[c]] : "";
}

/* The people of the report by their key (the address, else the name in any ASCII case), so that a report of
 * many rows costs a lookup per row rather than a look at everyone before it. */
struct people_index {
	size_t *slot;      /* index into r->people + 1; 0: empty. 'cap' of them, a power of two */
	size_t cap;
};

static size_t person_hash(const char *name, const char *email)
{
	size_t h = 2166136261u;
	const char *s = *email ? email : name;

	for (; *s; s++)
		h = (h ^ (unsigned char)(*email ? *s : (*s >= 'A' && *s <= 'Z' ? *s + 32 : *s))) * 16777619u;
	return *email ? h : ~h;
}

static int person_is(const struct teams_participant *p, const char *name, const char *email)
{
	return *email ? strcmp(p->email, email) == 0 : !p->email[0] && strcasecmp(p->name, name) == 0;
}

static void index_put(struct people_index *ix, const struct teams_report *r, size_t i)
{
	size_t h = person_hash(r->people[i].name, r->people[i].email) & (ix->cap - 1);

	while (ix->slot[h])
		h = (h + 1) & (ix->cap - 1);
	ix->slot[h] = i + 1;
}

/* The participant with this e-mail address (or, without one, this name), or a new one. */
static struct teams_participant *person_for(struct teams_report *r, struct people_index *ix, const char *name,
					    const char *email, int line, int *ret_new)
{
	struct teams_participant *p;
	size_t h;

	*ret_new = 0;
	if (ix->cap) {
		for (h = person_hash(name, email) & (ix->cap - 1); ix->slot[h]; h = (h + 1) & (ix->cap - 1))
			if (person_is(&r->people[ix->slot[h] - 1], name, email))
				return &r->people[ix->slot[h] - 1];
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
	if (r->n * 2 > ix->cap) {
		free(ix->slot);
		ix->cap = ix->cap ? ix->cap * 2 : 64;
		ix->slot = xcalloc(ix->cap, sizeof(*ix->slot));
		for (size_t i = 0; i < r->n; i++)
			index_put(ix, r, i);
	} else {
		index_put(ix, r, r->n - 1);
	}
	return &r->people[r->n - 1];
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

/* ---- the report's clock ---- */

/* How the report's times are read. Every date in one report is written the same way, so the order of day and
 * month is what all of them allow; when both orders fit every date, the meeting's date decides. */
struct clock {
	int reading;          /* READ_*: the order of the report's dates */
	long long base_day;   /* days since 1970 of a time written without a date */
	long long end;        /* where an interval without a leave ends, seconds since 1970 in the report's
			       * clock: the report's end time, else the meeting's end; -1 when neither is known */
};

/* A stamp in seconds since 1970 as if the report's clock were UTC (only differences are used); -1 when it is
 * not a time stamp. */
static long long stamp_abs(const char *s, const struct clock *ck)
{
	struct stamp st;
	int r, y, m, d, reading = 0;

	if (parse_stamp(s, &st) < 0)
		return -1;
	if (!st.has_date)
		return ck->base_day * DAY + st.tod;
	if (!(r = readings(&st)))
		return -1;
	for (size_t i = 0; i < sizeof(reading_order) / sizeof(reading_order[0]) && !reading; i++)
		if (r & reading_order[i])
			reading = reading_order[i];
	stamp_date(&st, r & ck->reading ? ck->reading : reading, &y, &m, &d);
	return days_from_civil(y, m, d) * DAY + st.tod;
}

/* Narrows the readings the dates seen so far allow by those of 's'; remembers the first dated stamp. */
static void clock_see(const char *s, int *mask, const char **ref)
{
	struct stamp st;
	int r;

	if (parse_stamp(s, &st) < 0 || !(r = readings(&st)))
		return;
	if (*mask & r)
		*mask &= r;   /* one odd stamp does not undo what the others agree on */
	if (!*ref)
		*ref = s;
}

static int first_reading(int mask)
{
	for (size_t i = 0; i < sizeof(reading_order) / sizeof(reading_order[0]); i++)
		if (mask & reading_order[i])
			return reading_order[i];
	return READ_DMY;
}

/* Sets the date order, r->day_ok and r->day_stamp from the summary's times and the table's, and where an open
 * interval ends. */
static void clock_init(struct teams_report *r, const struct rows *rs, size_t from, size_t to, const int *col,
		       const struct teams_meeting *mt, struct clock *ck)
{
	static const enum col dated[] = { COL_JOIN, COL_LEAVE, COL_STAMP };
	int mask = READ_YMD | READ_DMY | READ_MDY;
	const char *ref = NULL;
	long long mt_day = mt ? days_from_civil(mt->y, mt->m, mt->d) : 0;
	struct stamp st;

	clock_see(r->start, &mask, &ref);
	clock_see(r->end, &mask, &ref);
	for (size_t i = from; i < to; i++)
		for (size_t c = 0; c < sizeof(dated) / sizeof(dated[0]); c++)
			if (!rs->v[i].bad)
				clock_see(cell(&rs->v[i], col, dated[c]), &mask, &ref);
	ck->reading = first_reading(mask);
	ck->base_day = mt_day;
	ck->end = -1;
	r->day_ok = -1;
	set_str(&r->day_stamp, "");
	if (ref) {
		int cand, y, m, d;
		char *s = shown(ref, MAX_SHOWN, 0);

		set_str(&r->day_stamp, s);
		free(s);
		parse_stamp(ref, &st);
		cand = readings(&st) & mask ? readings(&st) & mask : readings(&st);
		ck->reading = first_reading(cand);
		if (mt) {
			r->day_ok = 0;
			for (size_t i = 0; i < sizeof(reading_order) / sizeof(reading_order[0]) && !r->day_ok; i++) {
				if (!(cand & reading_order[i]))
					continue;
				stamp_date(&st, reading_order[i], &y, &m, &d);
				if (y == mt->y && m == mt->m && d == mt->d) {
					ck->reading = reading_order[i];
					r->day_ok = 1;
				}
			}
		}
		/* the report's own day when it is not the meeting's (imported with --force) or none was given */
		if (r->day_ok != 1) {
			stamp_date(&st, ck->reading, &y, &m, &d);
			ck->base_day = days_from_civil(y, m, d);
		}
	}
	if (r->end && r->end[0] && (ck->end = stamp_abs(r->end, ck)) >= 0)
		return;
	if (mt && r->utc && mt->end_utc >= 0)
		ck->end = mt->end_utc + (ck->base_day - mt_day) * DAY;
	else if (mt && !r->utc && mt->end_tod >= 0)
		ck->end = ck->base_day * DAY + mt->end_tod;
}

/* ---- rows to people ---- */

/* One row of a participants table (not the event log). */
static void person_row(struct teams_report *r, struct people_index *ix, const struct row *row, const int *col,
		       const struct clock *ck)
{
	char *name = xstrdup(cell(row, col, COL_NAME)), *email = address(cell(row, col, COL_EMAIL));
	char *upn = address(cell(row, col, COL_UPN));
	const char *dur = cell(row, col, COL_DURATION), *join = cell(row, col, COL_JOIN);
	const char *leave = cell(row, col, COL_LEAVE);
	long secs = -1;
	long long j = *join ? stamp_abs(join, ck) : -1, l = *leave ? stamp_abs(leave, ck) : -1;
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
		add_bad(r, row, xasprintf("duration '%s' not understood (expected one like '1h 2m 3s' or '1:02:03')",
					  dur));
		goto out;
	}
	if (secs < 0 && j >= 0 && l >= j)
		secs = (long)(l - j);
	/* still in the meeting when the report was made: until its end, never later (Teams' own duration of an
	 * open interval runs on to when the report was downloaded) */
	if (col[COL_LEAVE] >= 0 && !*leave && j >= 0 && ck->end >= 0) {
		long open = ck->end > j ? (long)(ck->end - j) : 0;
		secs = secs < 0 || secs > open ? open : secs;
	}
	p = person_for(r, ix, name, email, row->line, &is_new);
	if (!p->upn[0] && *upn)
		set_str(&p->upn, upn);
	if (!p->role[0])
		set_str(&p->role, cell(row, col, COL_ROLE));
	if (!p->name[0] && *name)
		set_str(&p->name, name);
	/* a rejoin adds up; one row without a duration makes the total unknown */
	p->duration_s = is_new ? secs : p->duration_s < 0 || secs < 0 ? -1 : p->duration_s + secs;
	if (*join) {
		long long was = p->first_join[0] ? stamp_abs(p->first_join, ck) : -1;
		if (!p->first_join[0] || (j >= 0 && was >= 0 && j < was))
			set_str(&p->first_join, join);
	}
out:
	free(name);
	free(email);
	free(upn);
}

/* The actions of a join/leave log in a language we do not know: an action that is some person's first is a
 * join, the others are leaves. Only when none of the log's actions is a word we know. */
struct verbs {
	char *word[MAX_VERBS];
	int join[MAX_VERBS];
	size_t n;
};

static int verb_of(const struct verbs *vb, const char *folded)
{
	if (IN_LIST(folded, join_words))
		return 1;
	if (IN_LIST(folded, leave_words))
		return 2;
	for (size_t i = 0; i < vb->n; i++)
		if (strcmp(vb->word[i], folded) == 0)
			return vb->join[i] ? 1 : 2;
	return 0;
}

static void verbs_learn(struct verbs *vb, const struct rows *rs, size_t from, size_t to, const int *col)
{
	const char *names[MAX_SAMPLE];
	size_t n_names = 0;

	memset(vb, 0, sizeof(*vb));
	for (size_t i = from; i < to; i++) {
		const struct row *row = &rs->v[i];
		const char *name = cell(row, col, COL_NAME);
		char *f;
		size_t k, p;

		if (row->bad || row_empty(row))
			continue;
		f = fold_header(cell(row, col, COL_ACTION));
		if (IN_LIST(f, join_words) || IN_LIST(f, leave_words)) {
			free(f);
			goto fail;   /* words we know: what is not one of them is not understood */
		}
		for (k = 0; k < vb->n && strcmp(vb->word[k], f) != 0; k++)
			;
		if (k < vb->n || !*f) {
			free(f);
		} else if (vb->n == MAX_VERBS) {
			free(f);
			goto fail;
		} else {
			vb->word[vb->n++] = f;
		}
		if (k == vb->n || n_names == MAX_SAMPLE)
			continue;
		/* the first action of each person (of the first MAX_SAMPLE) is a join */
		for (p = 0; p < n_names && strcmp(names[p], name) != 0; p++)
			;
		if (p == n_names) {
			names[n_names++] = name;
			vb->join[k] = 1;
		}
	}
	return;
fail:
	for (size_t i = 0; i < vb->n; i++)
		free(vb->word[i]);
	vb->n = 0;
}

/* The 2020 log: who joined and left when. An open join ends at the report's or the meeting's end (else at the
 * last event), never before it began. */
static void action_rows(struct teams_report *r, struct people_index *ix, const struct rows *rs, size_t from,
			size_t to, const int *col, const struct clock *ck)
{
	long long *open = NULL;   /* per person of r: the time of the open join, -1 when not in the meeting */
	size_t n_open = 0;
	long long first = -1, last = -1, end;
	struct verbs vb;

	verbs_learn(&vb, rs, from, to, col);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = from; i < to; i++) {
			const struct row *row = &rs->v[i];
			const char *act, *when;
			char *name, *f;
			long long t;
			int verb, is_new;
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
			verb = verb_of(&vb, f);
			free(f);
			t = stamp_abs(when, ck);
			name = xstrdup(cell(row, col, COL_NAME));
			strip_marks(name);
			if (pass == 0) {
				if (!*name)
					add_bad(r, row, xstrdup("no name"));
				else if (!verb)
					add_bad(r, row, xasprintf("action '%s' not understood (expected joined or left)", act));
				else if (t < 0)
					add_bad(r, row, xasprintf("time '%s' not understood (expected a date and a time "
								  "like '3/5/27, 9:58:12 AM' or '05-03-2027 09.58.12')",
								  when));
				else {
					if (first < 0 && !r->start[0])
						set_str(&r->start, when);
					first = first < 0 || t < first ? t : first;
					last = t > last ? t : last;
				}
				free(name);
				continue;
			}
			if (!*name || !verb || t < 0) {
				free(name);
				continue;
			}
			p = person_for(r, ix, name, "", row->line, &is_new);
			free(name);
			size_t k = (size_t)(p - r->people);
			if (k >= n_open) {
				size_t want = r->n > k ? r->n : k + 1;
				open = xrealloc(open, want * sizeof(*open));
				while (n_open < want)
					open[n_open++] = -1;
			}
			long long *o = &open[k];
			if (verb == 1 && *o < 0) {
				*o = t;
				if (!p->first_join[0])
					set_str(&p->first_join, when);
			} else if (verb == 2) {
				/* a leave without a join: in the meeting since the list began */
				long long since = *o >= 0 ? *o : first;
				p->duration_s += t > since ? (long)(t - since) : 0;
				*o = -1;
			}
		}
	}
	end = ck->end >= 0 ? ck->end : last;
	for (size_t i = 0; i < n_open; i++)
		if (open[i] >= 0)
			r->people[i].duration_s += end > open[i] ? (long)(end - open[i]) : 0;
	free(open);
	for (size_t i = 0; i < vb.n; i++)
		free(vb.word[i]);
}

/* ---- finding the participants table ---- */

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

enum kind { K_EMPTY, K_EMAIL, K_STAMP, K_DURATION, K_NUMBER, K_TEXT, K_MIXED };

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
	if (strspn(s, "0123456789.,%") == strlen(s))
		return K_NUMBER;   /* a count, an engagement column */
	return K_TEXT;
}

/* What column k of the rows from..to holds: the kind of at least three quarters of its cells (the first
 * MAX_SAMPLE rows), K_MIXED when no kind is, K_EMPTY when it has none. */
static enum kind column_kind(const struct rows *rs, size_t from, size_t to, size_t k)
{
	size_t count[K_MIXED] = { 0 }, total = 0, seen = 0;

	for (size_t i = from; i < to && seen < MAX_SAMPLE; i++) {
		const struct row *row = &rs->v[i];
		enum kind kd;
		if (row->bad || row_empty(row))
			continue;
		seen++;
		if (k < row->n && (kd = kind_of(row->f[k])) != K_EMPTY) {
			count[kd]++;
			total++;
		}
	}
	if (!total)
		return K_EMPTY;
	for (int kd = K_EMAIL; kd < K_MIXED; kd++)
		if (count[kd] * 4 >= total * 3)
			return (enum kind)kd;
	return K_MIXED;
}

/* How many different values column k holds (folded), up to max + 1, in the first rows. */
static size_t distinct_values(const struct rows *rs, size_t from, size_t to, int k, size_t max)
{
	char *seen[MAX_VERBS + 1];
	size_t n = 0, rows = 0;

	for (size_t i = from; i < to && rows < MAX_SAMPLE && n <= max && n <= MAX_VERBS; i++) {
		const struct row *row = &rs->v[i];
		char *f;
		size_t j;
		if (row->bad || row_empty(row) || (size_t)k >= row->n)
			continue;
		rows++;
		f = fold_header(row->f[k]);
		for (j = 0; j < n && strcmp(seen[j], f) != 0; j++)
			;
		if (j == n)
			seen[n++] = f;
		else
			free(f);
	}
	for (size_t j = 0; j < n; j++)
		free(seen[j]);
	return n;
}

/* Whether the cells of a column agree with what its header says it is: a column of addresses is not a time
 * column, a column of time stamps is not the e-mail column. Text agrees with anything (a time Teams writes in
 * a way we cannot read yet is still the join time). */
static int agrees(enum col c, enum kind k)
{
	enum kind want = c == COL_EMAIL || c == COL_UPN ? K_EMAIL :
			 c == COL_JOIN || c == COL_LEAVE || c == COL_STAMP ? K_STAMP :
			 c == COL_DURATION ? K_DURATION : K_TEXT;

	if (k != K_EMAIL && k != K_STAMP && k != K_DURATION)
		return 1;
	return k == want || (c == COL_NAME && k == K_EMAIL);
}

/* Whether every value of column k in the first rows is a join or leave word we know. */
static int known_verbs(const struct rows *rs, size_t from, size_t to, size_t k)
{
	size_t seen = 0;
	int all = 1;

	for (size_t i = from; i < to && seen < MAX_SAMPLE && all; i++) {
		const struct row *row = &rs->v[i];
		char *f;
		if (row->bad || row_empty(row) || k >= row->n)
			continue;
		seen++;
		f = fold_header(row->f[k]);
		all = IN_LIST(f, join_words) || IN_LIST(f, leave_words);
		free(f);
	}
	return all && seen;
}

/* Reads row 'head' as the header of a table that runs to 'end': a column is what its header says where its
 * cells agree, else what its cells hold (addresses, time stamps, durations; the first text column is the
 * name). 1 when that makes a participants table: a name and addresses, join times, durations or a join/leave
 * log. 'strict' (a table not under a "2." heading) asks for more: a header of words, not data, with at least
 * three of them or words we know, and a row under it. */
static int evaluate(const struct rows *rs, size_t head, size_t end, int strict, int *col)
{
	const struct row *h = &rs->v[head];
	int hint[COL_N], used[MAX_FIELDS] = { 0 }, cells = 0;
	size_t width = h->n, data = 0;

	for (size_t i = 0; i < h->n; i++) {
		enum kind kd = kind_of(h->f[i]);
		if (kd == K_EMAIL || kd == K_STAMP || kd == K_DURATION)
			return 0;
		cells += kd != K_EMPTY;
	}
	map_header(h, hint);
	if (strict && cells < 3 && !header_known(hint))
		return 0;
	for (size_t i = head + 1; i < end && data < MAX_SAMPLE; i++)
		if (!rs->v[i].bad && !row_empty(&rs->v[i])) {
			data++;
			width = rs->v[i].n > width ? rs->v[i].n : width;
		}
	if (strict && !data && !header_known(hint))
		return 0;
	if (width > MAX_FIELDS)
		width = MAX_FIELDS;
	for (int c = 0; c < COL_N; c++)
		col[c] = -1;
	for (int c = 0; c < COL_N; c++)
		if (hint[c] >= 0 && !used[hint[c]] && agrees((enum col)c, column_kind(rs, head + 1, end, (size_t)hint[c]))) {
			col[c] = hint[c];
			used[hint[c]] = 1;
		}
	for (size_t k = 0; k < width; k++) {
		enum col c = COL_N;
		if (used[k])
			continue;
		switch (column_kind(rs, head + 1, end, k)) {
		case K_EMAIL:
			c = col[COL_EMAIL] < 0 ? COL_EMAIL : COL_UPN;
			break;
		case K_STAMP:
			c = col[COL_JOIN] < 0 && col[COL_STAMP] < 0 ? COL_JOIN : COL_LEAVE;
			break;
		case K_DURATION:
			c = COL_DURATION;
			break;
		case K_TEXT:
			c = col[COL_NAME] < 0 ? COL_NAME :
			    col[COL_ACTION] < 0 && known_verbs(rs, head + 1, end, k) ? COL_ACTION : COL_ROLE;
			break;
		default:
			break;
		}
		if (c != COL_N && col[c] < 0) {
			col[c] = (int)k;
			used[k] = 1;
		}
	}
	/* one time column, no addresses, no durations, and a text column of a few values repeated: a join/leave
	 * log in a language we do not know ("Full Name", "User Action", "Timestamp" translated) */
	if (col[COL_ACTION] < 0 && col[COL_ROLE] >= 0 && col[COL_JOIN] >= 0 && col[COL_LEAVE] < 0 &&
	    col[COL_EMAIL] < 0 && col[COL_UPN] < 0 && col[COL_DURATION] < 0) {
		size_t n = distinct_values(rs, head + 1, end, col[COL_ROLE], 3);
		if (n <= 3 && data > n) {
			col[COL_ACTION] = col[COL_ROLE];
			col[COL_ROLE] = -1;
		}
	}
	if (col[COL_ACTION] >= 0 && col[COL_STAMP] < 0) {
		col[COL_STAMP] = col[COL_JOIN];
		col[COL_JOIN] = -1;
	}
	if (!strict)
		return col[COL_NAME] >= 0 || col[COL_EMAIL] >= 0;
	return col[COL_NAME] >= 0 && ((col[COL_ACTION] >= 0 && col[COL_STAMP] >= 0) || col[COL_EMAIL] >= 0 ||
				      col[COL_UPN] >= 0 || col[COL_JOIN] >= 0 || col[COL_DURATION] >= 0);
}

/* Where the table starting at 'from' ends: at the next section heading or the end. */
static size_t table_end(const struct rows *rs, size_t from)
{
	size_t i = from;

	while (i < rs->n && !heading_number(&rs->v[i]))
		i++;
	return i;
}

struct table {
	size_t head, end;     /* the header row and one past the table's last row (indexes into the rows) */
	int col[COL_N];
};

/* The participants table: the one under "2." when the report has numbered sections (whatever the heading's
 * language), else the first table of the right shape outside numbered sections. */
static int find_table(const struct rows *rs, struct table *t, struct err *err)
{
	const struct row *first = NULL;
	size_t sec2 = rs->n, tried = 0;
	int section = 0, rc;
	char *q;

	for (size_t i = 0; i < rs->n && sec2 == rs->n; i++)
		if (heading_number(&rs->v[i]) == 2)
			sec2 = i;
	if (sec2 < rs->n) {
		t->end = table_end(rs, sec2 + 1);
		for (t->head = sec2 + 1; t->head < t->end; t->head++)
			if (!rs->v[t->head].bad && !row_empty(&rs->v[t->head]))
				break;
		if (t->head < t->end && evaluate(rs, t->head, t->end, 0, t->col))
			return 0;
		q = shown(rs->v[sec2].f[0], MAX_QUOTED, 0);
		if (t->head < t->end)
			rc = err_set(err, "no participants table: line %d under '%s' is not the header of one: expected the "
				     "names of its columns (name, e-mail, join and leave time, duration)", rs->v[t->head].line, q);
		else
			rc = err_set(err, "no participants table: nothing under '%s' (line %d): expected the names of its "
				     "columns and one row per person", q, rs->v[sec2].line);
		free(q);
		return rc;
	}
	for (size_t i = 0; i < rs->n && tried < MAX_CANDIDATES; i++) {
		const struct row *row = &rs->v[i];
		int num = heading_number(row);

		if (num) {
			section = num;
			continue;
		}
		if (section || row->bad || row_empty(row))
			continue;
		first = first ? first : row;
		tried++;
		t->head = i;
		t->end = table_end(rs, i + 1);
		if (evaluate(rs, i, t->end, 1, t->col))
			return 0;
	}
	if (!first)
		return err_set(err, "no participants table: the file has no lines of text");
	q = shown(first->raw, MAX_QUOTED, 0);
	rc = err_set(err, "no participants table: not a Teams attendance report (line %d is '%s'): expected a line "
		     "naming the columns, then one line per person with a name and an e-mail address, join and leave "
		     "times or a duration", first->line, q);
	free(q);
	return rc;
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

static void table_rows(struct teams_report *r, const struct rows *rs, const struct table *t,
		       const struct clock *ck)
{
	struct people_index ix = { NULL, 0 };

	if (t->col[COL_ACTION] >= 0 && t->col[COL_STAMP] >= 0) {
		r->format = TEAMS_ACTION_LOG;
		action_rows(r, &ix, rs, t->head + 1, t->end, t->col, ck);
	} else {
		for (size_t i = t->head + 1; i < t->end; i++) {
			const struct row *row = &rs->v[i];
			if (row->bad)
				add_bad(r, row, xstrdup(row->bad));
			else if (!row_empty(row))
				person_row(r, &ix, row, t->col, ck);
		}
	}
	free(ix.slot);
}

static int walk(struct teams_report *r, const struct rows *rs, const struct teams_meeting *mt, struct err *err)
{
	struct table t;
	struct clock ck;

	memset(&t, 0, sizeof(t));   /* find_table fills it; scan-build cannot follow every path that does */
	memset(&ck, 0, sizeof(ck));
	int numbered = 0, summary = 0, section = 0, n_stamps = 0;

	if (find_table(rs, &t, err) < 0)
		return -1;
	/* the summary: what comes before the table, outside the sections after 1 */
	for (size_t i = 0; i < rs->n; i++) {
		const struct row *row = &rs->v[i];
		int num = heading_number(row);

		if (num) {
			numbered = 1;
			section = num;
			summary |= num == 1;
		} else if (i < t.head && is_summary_heading(row)) {
			summary = 1;
		} else if (i < t.head && section <= 1 && !row_empty(row)) {
			summary_row(r, row, &n_stamps);
		}
	}
	for (size_t i = 0; t.head < rs->n && i < rs->v[t.head].n; i++)
		r->utc |= strcasestr(rs->v[t.head].f[i], "(utc)") != NULL;
	summary |= r->title[0] || r->start[0] || r->count >= 0;
	r->format = numbered ? TEAMS_SECTIONS : summary ? TEAMS_SUMMARY_TABLE : TEAMS_TABLE;
	clock_init(r, rs, t.head + 1, t.end, t.col, mt, &ck);
	table_rows(r, rs, &t, &ck);
	return 0;
}

int teams_parse(const char *data, size_t len, const struct teams_meeting *mt, struct teams_report *ret,
		struct err *err)
{
	struct rows rs = { 0 };
	char *text;
	size_t tlen;
	int rc = -1;

	memset(ret, 0, sizeof(*ret));
	ret->title = xstrdup("");
	ret->start = xstrdup("");
	ret->end = xstrdup("");
	ret->day_stamp = xstrdup("");
	ret->count = -1;
	ret->day_ok = -1;
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
		rc = walk(ret, &rs, mt, err);
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
	free(r->day_stamp);
	memset(r, 0, sizeof(*r));
}
