/* schedule.ini: one [YYYY-MM-DD] section per meeting, read with the INI walker of config.c. */
#include "schedule.h"
#include "config.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SCHEDULE_MAX_MEETINGS 500

enum skey { S_TIME, S_PLACE, S_ONLINE_URL, S_AGENDA, S_GUESTS, S_MOVED_FROM, S_STATUS, S_GUEST_ITEM, N_SKEYS };

struct sched_parse {
	struct schedule *s;
	size_t alloc;
	const char *file;
	struct diag *d;
	long cur;                 /* index of the meeting being read; -1: skip keys (bad or repeated header) */
	int key_line[N_SKEYS];    /* where each key of the current meeting was set */
	int too_many;
};

static void set_time(struct sched_parse *p, struct meeting *m, const char *value, int line);
static void set_place(struct sched_parse *p, struct meeting *m, const char *value, int line);
int schedule_teams_url_valid(const char *url)
{
	if (strncmp(url, "https://teams.microsoft.com/", 28) != 0 || !schedule_url_valid(url))
		return 0;
	/* Teams writes its links percent-encoded: a byte outside visible ASCII is no link of Teams' */
	for (const char *q = url; *q; q++)
		if ((unsigned char)*q >= 0x7f || *q == '\\')
			return 0;
	return 1;
}

static void set_online_url(struct sched_parse *p, struct meeting *m, const char *value, int line);
static void add_agenda(struct sched_parse *p, struct meeting *m, const char *value, int line);
static void add_guests(struct sched_parse *p, struct meeting *m, const char *value, int line);
static void set_moved_from(struct sched_parse *p, struct meeting *m, const char *value, int line);
static void set_status(struct sched_parse *p, struct meeting *m, const char *value, int line);
static void add_guest_item(struct sched_parse *p, struct meeting *m, const char *value, int line);

static const struct {
	const char *name;
	int repeatable;
	void (*fn)(struct sched_parse *p, struct meeting *m, const char *value, int line);
} skeys[N_SKEYS] = {
	[S_TIME] = { "time", 0, set_time },
	[S_PLACE] = { "place", 0, set_place },
	[S_ONLINE_URL] = { "online_url", 0, set_online_url },
	[S_AGENDA] = { "agenda", 1, add_agenda },
	[S_GUESTS] = { "guests", 1, add_guests },
	[S_MOVED_FROM] = { "moved_from", 0, set_moved_from },
	[S_STATUS] = { "status", 0, set_status },
	[S_GUEST_ITEM] = { "guest_item", 1, add_guest_item },
};

static void set_time(struct sched_parse *p, struct meeting *m, const char *value, int line)
{
	char shown[80];

	if (util_parse_timespan(value, &m->start_min, &m->end_min) < 0)
		diag_add(p->d, p->file, line, "bad time '%s': write it as 10:00-13:00",
			 config_shorten(value, shown, sizeof(shown)));
}

/* "place = teams": an online meeting whose Teams link Microsoft Graph makes ([graph] in the config). From here
 * on it is an online meeting like any other; only where the link comes from differs. */
static void set_place(struct sched_parse *p, struct meeting *m, const char *value, int line)
{
	(void)p;
	(void)line;
	m->teams = strcasecmp(value, "teams") == 0;
	m->place = xstrdup(m->teams ? "online" : value);
}

int schedule_url_valid(const char *url)
{
	const char *host;

	if (util_istarts(url, "https://"))
		host = url + 8;
	else if (util_istarts(url, "http://"))
		host = url + 7;
	else
		return 0;
	if (!*host || *host == '/' || *host == ':' || *host == '?' || *host == '#')
		return 0;
	for (const char *q = url; *q; q++)
		if ((unsigned char)*q <= ' ' || *q == '"' || *q == '<' || *q == '>')
			return 0;
	return 1;
}

static void set_online_url(struct sched_parse *p, struct meeting *m, const char *value, int line)
{
	char shown[80];

	if (schedule_url_valid(value))
		m->online_url = xstrdup(value);
	else
		diag_add(p->d, p->file, line, "bad online_url '%s': write the whole link, starting with https://",
			 config_shorten(value, shown, sizeof(shown)));
}

static void add_agenda(struct sched_parse *p, struct meeting *m, const char *value, int line)
{
	(void)p;
	(void)line;
	m->agenda = xrealloc(m->agenda, (m->n_agenda + 1) * sizeof(*m->agenda));
	m->agenda[m->n_agenda++] = xstrdup(value);
}

/* "a@x.example, b@y.example c@z.example": commas, semicolons (as Outlook copies them) or blanks between. */
static void add_guests(struct sched_parse *p, struct meeting *m, const char *value, int line)
{
	static const char seps[] = ", ;\t";
	char shown[80];
	const char *q = value;

	while (*(q += strspn(q, seps))) {
		size_t n = strcspn(q, seps);
		char *addr = util_lower(xstrndup(q, n));
		int dup = 0;

		q += n;
		for (size_t i = 0; i < m->n_guests; i++)
			dup |= strcmp(m->guests[i], addr) == 0;
		if (!util_email_valid(addr)) {
			diag_add(p->d, p->file, line, "bad guest address '%s': write plain addresses separated by "
				 "commas", config_shorten(addr, shown, sizeof(shown)));
		} else if (dup) {
			diag_add(p->d, p->file, line, "guest '%s' is listed twice for [%s]: remove one", addr,
				 m->date);
		} else {
			m->guests = xrealloc(m->guests, (m->n_guests + 1) * sizeof(*m->guests));
			m->guests[m->n_guests++] = addr;
			addr = NULL;
		}
		free(addr);
	}
}

static void set_moved_from(struct sched_parse *p, struct meeting *m, const char *value, int line)
{
	char shown[80];
	int y, mo, d;

	if (util_parse_date(value, &y, &mo, &d) < 0)
		diag_add(p->d, p->file, line, "bad moved_from '%s': write the old date as YYYY-MM-DD",
			 config_shorten(value, shown, sizeof(shown)));
	else if (strcmp(value, m->date) == 0)
		diag_add(p->d, p->file, line, "moved_from is the meeting's own date %s: write the date it was "
			 "moved from, or remove the line", value);
	else
		memcpy(m->moved_from, value, sizeof(m->moved_from));
}

static void set_status(struct sched_parse *p, struct meeting *m, const char *value, int line)
{
	char shown[80];

	if (strcasecmp(value, "cancelled") == 0 || strcasecmp(value, "aflyst") == 0)
		m->status = MEETING_CANCELLED;
	else
		diag_add(p->d, p->file, line, "bad status '%s': the only status is cancelled (or aflyst); remove "
			 "the line for a planned meeting", config_shorten(value, shown, sizeof(shown)));
}

/* "EMAIL N" (blanks or a comma between). The address is checked against the meeting's guests and N against its
 * agenda when the section ends, so the lines may come in any order. */
static void add_guest_item(struct sched_parse *p, struct meeting *m, const char *value, int line)
{
	static const char seps[] = ", ;\t";
	char shown[80];
	size_t n = strcspn(value, seps);
	const char *num = value + n + strspn(value + n, seps);
	char *addr = util_lower(xstrndup(value, n)), *end = (char *)num;
	unsigned long item = 0;

	if (*num >= '0' && *num <= '9')
		item = strtoul(num, &end, 10);
	if (!util_email_valid(addr) || !item || item > 1000 || *end) {
		diag_add(p->d, p->file, line, "bad guest_item '%s': write the guest's address and the number of "
			 "the agenda item, as guest_item = navn@kommune.dk 2", config_shorten(value, shown,
			 sizeof(shown)));
		free(addr);
		return;
	}
	m->guest_items = xrealloc(m->guest_items, (m->n_guest_items + 1) * sizeof(*m->guest_items));
	m->guest_items[m->n_guest_items++] = (struct meeting_guest_item){ addr, (size_t)item, line };
}

/* Every guest_item must name one of the meeting's guests (who are checked against the roster when the group
 * is loaded) and one of its agenda items; the ones that do not are reported and dropped. */
static void check_guest_items(struct sched_parse *p, struct meeting *m)
{
	size_t kept = 0;

	for (size_t i = 0; i < m->n_guest_items; i++) {
		struct meeting_guest_item *g = &m->guest_items[i];
		int guest = 0, dup = 0;

		for (size_t j = 0; j < m->n_guests; j++)
			guest |= strcmp(m->guests[j], g->email) == 0;
		for (size_t j = 0; j < kept; j++)
			dup |= strcmp(m->guest_items[j].email, g->email) == 0 && m->guest_items[j].item == g->item;
		if (!guest)
			diag_add(p->d, p->file, g->line, "guest_item: '%s' is not a guest of [%s]: add them to its "
				 "guests line", g->email, m->date);
		else if (g->item > m->n_agenda)
			diag_add(p->d, p->file, g->line, "guest_item: [%s] has no agenda item %zu (it has %zu): "
				 "count the agenda lines from 1", m->date, g->item, m->n_agenda);
		else if (dup)
			diag_add(p->d, p->file, g->line, "guest_item: '%s' is already under item %zu: remove one",
				 g->email, g->item);
		if (!guest || g->item > m->n_agenda || dup) {
			free(g->email);
			continue;
		}
		m->guest_items[kept++] = *g;
	}
	m->n_guest_items = kept;
}

/* At the end of a meeting's section: the keys it must have. */
static void sched_end_meeting(struct sched_parse *p)
{
	struct meeting *m;

	if (p->cur < 0)
		return;
	m = &p->s->meetings[p->cur];
	check_guest_items(p, m);
	if (!p->key_line[S_TIME])
		diag_add(p->d, p->file, m->line, "meeting [%s] has no time: add time = 10:00-13:00", m->date);
	if (!p->key_line[S_PLACE])
		diag_add(p->d, p->file, m->line, "meeting [%s] has no place: add place = online, or the address",
			 m->date);
	if (m->teams && m->online_url)
		diag_add(p->d, p->file, p->key_line[S_ONLINE_URL], "meeting [%s] has place = teams, which makes its "
			 "link in Microsoft Graph, and an online_url: remove online_url, or write place = online to "
			 "keep your own link", m->date);
	p->cur = -1;
}

static void sched_section(void *user, const char *name, int line)
{
	struct sched_parse *p = user;
	struct schedule *s = p->s;
	struct meeting *m;
	char shown[80];
	int y, mo, d;

	sched_end_meeting(p);
	memset(p->key_line, 0, sizeof(p->key_line));
	if (util_parse_date(name, &y, &mo, &d) < 0) {
		diag_add(p->d, p->file, line, "bad meeting date [%s]: write the section name as YYYY-MM-DD, a real "
			 "date", config_shorten(name, shown, sizeof(shown)));
		return;
	}
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->meetings[i].date, name) == 0) {
			diag_add(p->d, p->file, line, "meeting [%s] is already at line %d: merge the two sections",
				 name, s->meetings[i].line);
			return;
		}
	if (s->n == SCHEDULE_MAX_MEETINGS) {
		if (!p->too_many)
			diag_add(p->d, p->file, line, "more than %d meetings: remove old ones", SCHEDULE_MAX_MEETINGS);
		p->too_many = 1;
		return;
	}
	if (s->n == p->alloc) {
		p->alloc = p->alloc ? 2 * p->alloc : 16;
		s->meetings = xrealloc(s->meetings, p->alloc * sizeof(*s->meetings));
	}
	m = &s->meetings[s->n];
	memset(m, 0, sizeof(*m));
	memcpy(m->date, name, sizeof(m->date));
	m->year = y;
	m->month = mo;
	m->day = d;
	m->status = MEETING_PLANNED;
	m->line = line;
	p->cur = (long)s->n++;
}

static void sched_key(void *user, const char *name, const char *value, int line)
{
	struct sched_parse *p = user;
	const char *names[N_SKEYS], *hint;
	char shown[80];
	struct meeting *m;
	int k;

	if (p->cur < 0)
		return; /* the header was reported */
	m = &p->s->meetings[p->cur];
	for (k = 0; k < N_SKEYS; k++) {
		names[k] = skeys[k].name;
		if (strcasecmp(name, skeys[k].name) == 0)
			break;
	}
	if (k == N_SKEYS) {
		name = config_shorten(name, shown, sizeof(shown));
		hint = config_suggest(name, names, N_SKEYS);
		if (hint)
			diag_add(p->d, p->file, line, "unknown key '%s' in [%s]: did you mean '%s'?", name, m->date,
				 hint);
		else
			diag_add(p->d, p->file, line, "unknown key '%s' in [%s]: the keys are time, place, "
				 "online_url, agenda, guests, guest_item, moved_from and status", name, m->date);
		return;
	}
	if (!skeys[k].repeatable && p->key_line[k]) {
		diag_add(p->d, p->file, line, "'%s' is already set at line %d: keep one of them", skeys[k].name,
			 p->key_line[k]);
		return;
	}
	p->key_line[k] = line;
	if (!*value) {
		diag_add(p->d, p->file, line, "'%s' is empty: give it a value or remove the line", skeys[k].name);
		return;
	}
	skeys[k].fn(p, m, value, line);
}

/* Checks that need every meeting: moves that point at a meeting still planned, or twice at one date. */
static void sched_finish(struct sched_parse *p)
{
	struct schedule *s = p->s;

	sched_end_meeting(p);
	for (size_t i = 0; i < s->n; i++) {
		struct meeting *m = &s->meetings[i];

		if (!m->place)
			m->place = xstrdup(""); /* the header promises never NULL, even in a failed parse */
		if (!m->moved_from[0])
			continue;
		for (size_t j = 0; j < s->n; j++) {
			const struct meeting *o = &s->meetings[j];
			/* the moved meeting inherits the old one's calendar entry: two claims would share it */
			if (strcmp(o->date, m->moved_from) == 0)
				diag_add(p->d, p->file, m->line, "[%s] is moved from %s, but [%s] is still at line %d: "
					 "remove that section", m->date, m->moved_from, o->date, o->line);
			else if (j < i && strcmp(o->moved_from, m->moved_from) == 0)
				diag_add(p->d, p->file, m->line, "[%s] and [%s] (line %d) are both moved from %s: only "
					 "one meeting can take its place", m->date, o->date, o->line, m->moved_from);
		}
	}
}

static int meeting_cmp(const void *a, const void *b)
{
	return strcmp(((const struct meeting *)a)->date, ((const struct meeting *)b)->date);
}

int schedule_parse_buf(struct schedule *s, const char *buf, size_t len, const char *filename, struct diag *d)
{
	static const struct config_ini_ops ops = { sched_section, sched_key };
	struct sched_parse p = { .s = s, .file = filename, .d = d, .cur = -1 };
	size_t n_diag = d->n;

	s->meetings = NULL;
	s->n = 0;
	config_ini_parse(buf, len, filename, d, &ops, &p);
	sched_finish(&p);
	if (s->n > 1)
		qsort(s->meetings, s->n, sizeof(*s->meetings), meeting_cmp);
	return d->n > n_diag ? -1 : 0;
}

int schedule_load(struct schedule *s, const char *path, struct diag *d)
{
	struct err err;
	size_t len;
	char *buf = util_read_file(path, CONFIG_FILE_MAX, &len, &err);
	int rc;

	if (!buf) {
		s->meetings = NULL;
		s->n = 0;
		diag_add(d, path, 0, "%s", err.msg);
		return -1;
	}
	rc = schedule_parse_buf(s, buf, len, path, d);
	free(buf);
	return rc;
}

void schedule_release(struct schedule *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		struct meeting *m = &s->meetings[i];
		free(m->place);
		free(m->online_url);
		for (size_t j = 0; j < m->n_agenda; j++)
			free(m->agenda[j]);
		free(m->agenda);
		for (size_t j = 0; j < m->n_guests; j++)
			free(m->guests[j]);
		free(m->guests);
		for (size_t j = 0; j < m->n_guest_items; j++)
			free(m->guest_items[j].email);
		free(m->guest_items);
	}
	free(s->meetings);
	s->meetings = NULL;
	s->n = 0;
}

const struct meeting *schedule_find(const struct schedule *s, const char *date)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->meetings[i].date, date) == 0)
			return &s->meetings[i];
	return NULL;
}

int meeting_is_online(const struct meeting *m)
{
	return m->place && strcasecmp(m->place, "online") == 0;
}
