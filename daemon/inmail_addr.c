/* Incoming mail, part of the module inmail (inmail.h): address lists (From, To, Reply-To ...), message ids
 * (Message-ID, In-Reply-To, References) and RFC 5322 dates. No I/O. */
#include "inmail.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "inmail_int.h"
#include "util.h"

#define MAX_ADDRS 1000
#define MAX_IDS 256

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
		l->v[l->n].name = l->names ? inmail_trim(inmail_decode_words(inmail_trim(name))) : NULL;
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
		inmail_addch(&st->phrase, ' ');
	st->space = 0;
	inmail_add(&st->phrase, s, n);
}

/* Outside quotes, comments and <...>, what ends a run of phrase characters. */
static int phrase_stop(char c)
{
	return c == '\0' || c == ',' || c == ';' || c == '"' || c == '(' || c == '<' || c == ':' || inmail_is_ws(c);
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
			p = inmail_read_quoted(p, &q);
			phrase_add(&st, q.data, q.len);
		} else if (c == '(') {
			buf_reset(&st.comment);
			p = inmail_skip_comment(p, &st.comment);
			st.space = 1;
		} else if (c == '<') {
			for (p++; *p && *p != '>';) {
				const char *run = p;

				while (*p && *p != '>' && !inmail_is_ws(*p))
					p++;
				inmail_add(&st.angle, run, (size_t)(p - run));
				while (inmail_is_ws(*p))
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
		} else if (inmail_is_ws(c)) {
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
			p = inmail_skip_comment(p, NULL);
		} else if (*p == '"') {
			p = inmail_read_quoted(p, NULL);
		} else if (*p == '<') {
			buf_reset(&id);
			for (p++; *p && *p != '>' && *p != '<'; p++)
				if (!inmail_is_ws(*p))
					inmail_addch(&id, *p);
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
			p = inmail_skip_comment(p, NULL);
			continue;
		}
		if (inmail_is_ws(*p) || *p == ',') {
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
