/* Absences and the annual report. The counting follows the network's own annual report ("Der er afholdt 4
 * møder i 2024 … (20 deltagere inkl. gæster)", and a figure of how many meetings each municipality came to):
 * only meetings that have taken place count; present means confirmed attendance where it was recorded, and an
 * accepted invitation (tilsagn) where it was not. */
#include "report.h"
#include "buf.h"
#include "csv.h"
#include "dansk.h"
#include "kommune.h"
#include "referat.h"
#include "util.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum state { ST_PRESENT, ST_AFBUD, ST_ABSENT };

static int is(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

static int has_org(const char *org)
{
	if (!org)
		return 0;
	for (; *org; org++)
		if (*org != ' ' && *org != '\t')
			return 1;
	return 0;
}

static int year_of(const char *date)
{
	int y, m, d;

	return date && util_parse_date(date, &y, &m, &d) == 0 ? y : -1;
}

static enum state person_state(const struct report_meeting *m, const struct report_invitee *p)
{
	if (m->recorded ? p->presence == REPORT_PRESENT : is(p->answer, "tilsagn"))
		return ST_PRESENT;
	if (is(p->answer, "afbud"))
		return ST_AFBUD;
	return ST_ABSENT;
}

/* Where nothing was recorded, a substitute named with an afbud is taken at their word: their organisation was
 * there. Recorded attendance lists substitutes itself (as extra participants). */
static int substitute_came(const struct report_meeting *m, const struct report_invitee *p)
{
	return !m->recorded && is(p->answer, "afbud") && p->substitute && *p->substitute;
}

static void tally_add(struct report_tally *t, enum state s, const struct report_meeting *m)
{
	t->invited++;
	if (s == ST_PRESENT) {
		t->present++;
		t->present_by_answer += !m->recorded;
	} else if (s == ST_AFBUD) {
		t->afbud++;
	} else {
		t->absent++;
	}
}

static int cmp_date(const void *pa, const void *pb)
{
	const struct report_meeting *a = *(const struct report_meeting *const *)pa;
	const struct report_meeting *b = *(const struct report_meeting *const *)pb;

	return strcmp(a->date, b->date);
}

static void count_people(struct report *r, const struct report_meeting *m)
{
	for (size_t i = 0; i < m->n_inv; i++) {
		const struct report_invitee *p = &m->inv[i];
		struct report_person *rp = NULL;

		if (!p->invited || !p->email)
			continue;
		for (size_t j = 0; j < r->n_people && !rp; j++)
			if (strcmp(r->people[j].email, p->email) == 0)
				rp = &r->people[j];
		if (!rp) {
			r->people = xrealloc(r->people, (r->n_people + 1) * sizeof(*r->people));
			rp = &r->people[r->n_people++];
			memset(rp, 0, sizeof(*rp));
			rp->email = xstrdup(p->email);
		}
		/* meetings come by date, so the latest name and organisation win */
		free(rp->name);
		free(rp->org);
		rp->name = xstrdup(p->name && *p->name ? p->name : p->email);
		rp->org = util_trim(xstrdup(p->org ? p->org : ""));
		tally_add(&rp->t, person_state(m, p), m);
	}
}

static struct report_org *org_get(struct report *r, const char *org)
{
	char *name;

	for (size_t i = 0; i < r->n_orgs; i++)
		if (referat_org_cmp(r->orgs[i].name, org) == 0)
			return &r->orgs[i];
	name = kommune_match(org) ? xstrdup(kommune_match(org)) : util_trim(xstrdup(org));
	r->orgs = xrealloc(r->orgs, (r->n_orgs + 1) * sizeof(*r->orgs));
	memset(&r->orgs[r->n_orgs], 0, sizeof(r->orgs[0]));
	r->orgs[r->n_orgs].name = name;
	r->orgs[r->n_orgs].is_kommune = kommune_match(org) != NULL;
	return &r->orgs[r->n_orgs++];
}

/* Whether anyone from 'org' took part in m: a person present, a substitute for one of its people, or an
 * extra participant from it. */
static int org_took_part(const struct report_meeting *m, const char *org)
{
	for (size_t i = 0; i < m->n_inv; i++) {
		const struct report_invitee *p = &m->inv[i];

		if (p->invited && has_org(p->org) && referat_org_cmp(p->org, org) == 0 &&
		    (person_state(m, p) == ST_PRESENT || substitute_came(m, p)))
			return 1;
	}
	for (size_t i = 0; m->recorded && i < m->n_extra; i++)
		if (has_org(m->extra[i].org) && referat_org_cmp(m->extra[i].org, org) == 0)
			return 1;
	return 0;
}

static int org_sent_afbud(const struct report_meeting *m, const char *org)
{
	for (size_t i = 0; i < m->n_inv; i++)
		if (m->inv[i].invited && has_org(m->inv[i].org) && referat_org_cmp(m->inv[i].org, org) == 0 &&
		    is(m->inv[i].answer, "afbud"))
			return 1;
	return 0;
}

/* Per organisation: one count per meeting, however many of its people were invited. */
static void count_orgs(struct report *r, const struct report_meeting *m)
{
	int *seen = xcalloc(r->n_orgs + m->n_inv + m->n_extra + 1, sizeof(*seen));

	for (size_t i = 0; i < m->n_inv; i++) {
		const struct report_invitee *p = &m->inv[i];
		struct report_org *o;
		enum state s;

		if (!p->invited || !has_org(p->org))
			continue;
		o = org_get(r, p->org);
		if (seen[o - r->orgs]++)
			continue;
		s = org_took_part(m, p->org) ? ST_PRESENT : org_sent_afbud(m, p->org) ? ST_AFBUD : ST_ABSENT;
		tally_add(&o->t, s, m);
		o->participated += s == ST_PRESENT;
	}
	/* an organisation that was not invited but came (a guest's employer) took part all the same */
	for (size_t i = 0; m->recorded && i < m->n_extra; i++) {
		struct report_org *o;

		if (!has_org(m->extra[i].org))
			continue;
		o = org_get(r, m->extra[i].org);
		if (!seen[o - r->orgs]++)
			o->participated++;
	}
	free(seen);
}

static void add_held(struct report *r, const struct report_meeting *m)
{
	struct report_held *h;

	r->held = xrealloc(r->held, (r->n_held + 1) * sizeof(*r->held));
	h = &r->held[r->n_held++];
	memset(h, 0, sizeof(*h));
	snprintf(h->date, sizeof(h->date), "%s", m->date);
	h->place = xstrdup(m->place ? m->place : "");
	h->recorded = m->recorded;
	for (size_t i = 0; i < m->n_inv; i++) {
		const struct report_invitee *p = &m->inv[i];

		if (!p->invited)
			continue;
		if (person_state(m, p) == ST_PRESENT) {
			h->head_count++;
			h->guests += p->is_guest;
		} else if (substitute_came(m, p)) {
			h->head_count++;
		}
	}
	for (size_t i = 0; m->recorded && i < m->n_extra; i++) {
		int colleague = 0;

		/* someone from an invited organisation is a colleague (often a substitute), not a guest */
		for (size_t j = 0; j < m->n_inv && !colleague; j++)
			colleague = m->inv[j].invited && has_org(m->extra[i].org) && has_org(m->inv[j].org) &&
				    referat_org_cmp(m->extra[i].org, m->inv[j].org) == 0;
		h->head_count++;
		h->guests += !colleague && !m->extra[i].organizer;
	}
}

static int in_list(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* The group's municipalities: those in the roster, those invited this year, and any that took part. Listed in
 * the table's Danish order, with the meetings each took part in (zero included). */
static void count_kommuner(struct report *r, const struct report_input *in, const struct report_meeting *const *ms,
			   size_t n)
{
	const char **members = xcalloc(in->n_orgs + r->n_orgs + 1, sizeof(*members));
	size_t n_members = 0;

	for (size_t i = 0; i < in->n_orgs; i++)
		if (in->orgs[i] && kommune_match(in->orgs[i]))
			members[n_members++] = kommune_match(in->orgs[i]);
	for (size_t i = 0; i < r->n_orgs; i++)
		if (r->orgs[i].is_kommune)
			members[n_members++] = kommune_match(r->orgs[i].name);
	for (size_t k = 0; k < kommune_count(); k++) {
		const char *name = kommune_name(k);
		struct report_kommune *rk;

		if (!in_list(members, n_members, name))
			continue;
		r->kommuner = xrealloc(r->kommuner, (r->n_kommuner + 1) * sizeof(*r->kommuner));
		rk = &r->kommuner[r->n_kommuner++];
		rk->name = name;
		rk->meetings = 0;
		for (size_t i = 0; i < n; i++)
			rk->meetings += org_took_part(ms[i], name);
	}
	free(members);
}

static int cmp_planned(const void *pa, const void *pb)
{
	return strcmp(((const struct report_planned *)pa)->date, ((const struct report_planned *)pb)->date);
}

static void add_planned(struct report *r, const struct report_input *in)
{
	for (size_t i = 0; i < in->n_planned; i++) {
		if (in->planned[i].cancelled || year_of(in->planned[i].date) != in->year + 1)
			continue;
		r->planned = xrealloc(r->planned, (r->n_planned + 1) * sizeof(*r->planned));
		r->planned[r->n_planned++] = in->planned[i];
	}
	if (r->n_planned)
		qsort(r->planned, r->n_planned, sizeof(*r->planned), cmp_planned);
}

void report_build(struct report *r, const struct report_input *in)
{
	const struct report_meeting **ms = xcalloc(in->n_meetings + 1, sizeof(*ms));
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	r->year = in->year;
	for (size_t i = 0; i < in->n_meetings; i++) {
		const struct report_meeting *m = &in->meetings[i];

		if (year_of(m->date) != in->year)
			continue;
		if (m->cancelled)
			r->n_cancelled++;
		else if (!m->held)
			r->n_upcoming++;
		else
			ms[n++] = m;
	}
	if (n)
		qsort(ms, n, sizeof(*ms), cmp_date);
	for (size_t i = 0; i < n; i++) {
		add_held(r, ms[i]);
		count_people(r, ms[i]);
		count_orgs(r, ms[i]);
	}
	count_kommuner(r, in, ms, n);
	add_planned(r, in);
	report_sort(r, REPORT_SORT_NAME);
	free(ms);
}

void report_release(struct report *r)
{
	for (size_t i = 0; i < r->n_people; i++) {
		free(r->people[i].email);
		free(r->people[i].name);
		free(r->people[i].org);
	}
	for (size_t i = 0; i < r->n_orgs; i++)
		free(r->orgs[i].name);
	for (size_t i = 0; i < r->n_held; i++)
		free(r->held[i].place);
	free(r->people);
	free(r->orgs);
	free(r->held);
	free(r->kommuner);
	free(r->planned);
	memset(r, 0, sizeof(*r));
}

/* ---- order ---- */

static const struct {
	const char *word;
	enum report_sort by;
} sort_words[] = {
	{ "navn", REPORT_SORT_NAME },
	{ "organisation", REPORT_SORT_ORG },
	{ "fravær", REPORT_SORT_ABSENCE },
	{ "fravaer", REPORT_SORT_ABSENCE },
};

int report_sort_parse(const char *s, enum report_sort *ret)
{
	for (size_t i = 0; s && i < sizeof(sort_words) / sizeof(sort_words[0]); i++)
		if (strcmp(s, sort_words[i].word) == 0) {
			*ret = sort_words[i].by;
			return 0;
		}
	return -1;
}

/* Most absent without afbud first, then most afbud: the people the coordinator may want to call. */
static int cmp_absence(const struct report_tally *a, const struct report_tally *b)
{
	if (a->absent != b->absent)
		return a->absent > b->absent ? -1 : 1;
	if (a->afbud != b->afbud)
		return a->afbud > b->afbud ? -1 : 1;
	return 0;
}

static int person_by_name(const void *pa, const void *pb)
{
	const struct report_person *a = pa, *b = pb;
	int c = dansk_collate(a->name, b->name);

	return c ? c : strcmp(a->email, b->email);
}

static int person_by_org(const void *pa, const void *pb)
{
	const struct report_person *a = pa, *b = pb;
	int c = referat_org_cmp(a->org, b->org);

	return c ? c : person_by_name(pa, pb);
}

static int person_by_absence(const void *pa, const void *pb)
{
	const struct report_person *a = pa, *b = pb;
	int c = cmp_absence(&a->t, &b->t);

	return c ? c : person_by_org(pa, pb);
}

static int org_by_name(const void *pa, const void *pb)
{
	return referat_org_cmp(((const struct report_org *)pa)->name, ((const struct report_org *)pb)->name);
}

static int org_by_absence(const void *pa, const void *pb)
{
	const struct report_org *a = pa, *b = pb;
	int c = cmp_absence(&a->t, &b->t);

	return c ? c : org_by_name(pa, pb);
}

void report_sort(struct report *r, enum report_sort by)
{
	static int (*const people_cmp[])(const void *, const void *) = {
		[REPORT_SORT_NAME] = person_by_name,
		[REPORT_SORT_ORG] = person_by_org,
		[REPORT_SORT_ABSENCE] = person_by_absence,
	};

	if (r->n_people)
		qsort(r->people, r->n_people, sizeof(*r->people), people_cmp[by]);
	if (r->n_orgs)
		qsort(r->orgs, r->n_orgs, sizeof(*r->orgs), by == REPORT_SORT_ABSENCE ? org_by_absence : org_by_name);
}

/* ---- Danish words ---- */

/* "Fredag d. 5. marts", as the annual report writes a meeting. Caller frees. */
static char *day_long(const char *date)
{
	int y, m, d;
	char *wd;

	if (util_parse_date(date, &y, &m, &d) < 0)
		return xstrdup(date);
	wd = xstrdup(dansk_weekday(util_weekday(y, m, d)));
	wd[0] = (char)(wd[0] - 'a' + 'A');   /* every Danish weekday starts with an ASCII letter */
	char *s = xasprintf("%s d. %d. %s", wd, d, dansk_month(m));
	free(wd);
	return s;
}

/* "5. marts" Caller frees. */
static char *day_short(const char *date)
{
	int y, m, d;

	if (util_parse_date(date, &y, &m, &d) < 0)
		return xstrdup(date);
	return xasprintf("%d. %s", d, dansk_month(m));
}

static int is_online(const char *place)
{
	return place && strcasecmp(place, "online") == 0;
}

static const char *plural(int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* ---- the absence overview (terminal) ---- */

static size_t width_of(const char *s)
{
	size_t chars = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		chars += (*p & 0xC0) != 0x80;
	return chars;
}

/* s left-aligned in 'width' characters, not UTF-8 bytes ("Holbæk" is 6 wide). */
static void add_col(struct buf *b, const char *s, size_t width)
{
	buf_adds(b, s);
	for (size_t w = width_of(s); w < width; w++)
		buf_addch(b, ' ');
}

static void add_tally_head(struct buf *b, const char *title, size_t width)
{
	buf_adds(b, "  ");
	add_col(b, title, width);
	buf_adds(b, "  Inviteret  Til stede  heraf tilsagn  Afbud  Uden afbud\n");
}

static void add_tally_row(struct buf *b, const char *label, size_t width, const struct report_tally *t)
{
	buf_adds(b, "  ");
	add_col(b, label, width);
	buf_addf(b, "  %9d  %9d  %13d  %5d  %10d\n", t->invited, t->present, t->present_by_answer, t->afbud,
		 t->absent);
}

static char *person_label(const struct report_person *p)
{
	return *p->org ? xasprintf("%s (%s)", p->name, p->org) : xstrdup(p->name);
}

static void add_meeting_lines(struct buf *b, const struct report *r)
{
	buf_addf(b, "Afholdte møder: %zu\n", r->n_held);
	for (size_t i = 0; i < r->n_held; i++) {
		char *day = day_long(r->held[i].date);

		buf_adds(b, "  ");
		add_col(b, day, 26);   /* "Torsdag d. 30. september" and a gap */
		buf_adds(b, r->held[i].recorded ? "til stede = registreret fremmøde\n"
						: "til stede = tilsagn (fremmødet er ikke registreret)\n");
		free(day);
	}
	if (r->n_upcoming)
		buf_addf(b, "%zu %s i %d er endnu ikke afholdt og tæller ikke med.\n", r->n_upcoming,
			 plural((int)r->n_upcoming, "møde", "møder"), r->year);
	if (r->n_cancelled)
		buf_addf(b, "%zu %s i %d er aflyst og tæller ikke med.\n", r->n_cancelled,
			 plural((int)r->n_cancelled, "møde", "møder"), r->year);
}

char *report_absence_text(const struct report *r, const char *group_name)
{
	struct buf b;
	size_t width = 28;
	char **labels = xcalloc(r->n_people + 1, sizeof(*labels));

	buf_init(&b);
	buf_addf(&b, "Fravær i %d — %s\n\n", r->year, group_name ? group_name : "");
	add_meeting_lines(&b, r);
	if (r->n_held == 0) {
		buf_addf(&b, "Der er ikke afholdt møder i %d: intet fravær at tælle.\n", r->year);
		free(labels);
		return buf_detach(&b, NULL);
	}
	for (size_t i = 0; i < r->n_people; i++) {
		labels[i] = person_label(&r->people[i]);
		if (width_of(labels[i]) > width)
			width = width_of(labels[i]);
	}
	for (size_t i = 0; i < r->n_orgs; i++)
		if (width_of(r->orgs[i].name) > width)
			width = width_of(r->orgs[i].name);
	buf_adds(&b, "\n");
	add_tally_head(&b, "Pr. person", width);
	for (size_t i = 0; i < r->n_people; i++)
		add_tally_row(&b, labels[i], width, &r->people[i].t);
	buf_adds(&b, "\n");
	add_tally_head(&b, "Pr. organisation", width);
	for (size_t i = 0; i < r->n_orgs; i++)
		if (r->orgs[i].t.invited)
			add_tally_row(&b, r->orgs[i].name, width, &r->orgs[i].t);
	buf_adds(&b, "\nEn organisation tæller én gang pr. møde: til stede, når mindst én derfra deltog (også en\n"
		     "stedfortræder), ellers afbud, når mindst én meldte afbud. \"heraf tilsagn\": talt som til stede ud\n"
		     "fra et tilsagn, fordi fremmødet ikke er registreret. Uden afbud: ikke svaret, måske, eller tilsagn\n"
		     "men ikke mødt.\n");
	for (size_t i = 0; i < r->n_people; i++)
		free(labels[i]);
	free(labels);
	return buf_detach(&b, NULL);
}

/* ---- CSV for Excel ---- */

/* Excel opens a .csv as UTF-8 only with the BOM; ';' is the list separator of a Danish Windows. */
static void csv_start(struct buf *b)
{
	buf_init(b);
	buf_adds(b, "\xEF\xBB\xBF");
}

/* One cell and what follows it: the delimiter, or the line end after the last. */
static void csv_put(struct buf *b, const char *s, int last)
{
	csv_cell(b, s);
	buf_adds(b, last ? "\r\n" : ";");
}

static void csv_int(struct buf *b, int v, int last)
{
	buf_addf(b, "%d%s", v, last ? "\r\n" : ";");
}

static void csv_tally(struct buf *b, const struct report_tally *t)
{
	csv_int(b, t->invited, 0);
	csv_int(b, t->present, 0);
	csv_int(b, t->present_by_answer, 0);
	csv_int(b, t->afbud, 0);
	csv_int(b, t->absent, 1);
}

static const char csv_tally_head[] =
	"Inviteret;Til stede;Heraf efter tilsagn (fremmøde ikke registreret);Afbud;Fravær uden afbud\r\n";

char *report_csv_people(const struct report *r)
{
	struct buf b;

	csv_start(&b);
	buf_adds(&b, "Navn;Organisation;E-mail;");
	buf_adds(&b, csv_tally_head);
	for (size_t i = 0; i < r->n_people; i++) {
		csv_put(&b, r->people[i].name, 0);
		csv_put(&b, r->people[i].org, 0);
		csv_put(&b, r->people[i].email, 0);
		csv_tally(&b, &r->people[i].t);
	}
	return buf_detach(&b, NULL);
}

char *report_csv_orgs(const struct report *r)
{
	struct buf b;

	csv_start(&b);
	buf_adds(&b, "Organisation;Kommune;Møder med deltagelse;");
	buf_adds(&b, csv_tally_head);
	for (size_t i = 0; i < r->n_orgs; i++) {
		csv_put(&b, r->orgs[i].name, 0);
		csv_put(&b, r->orgs[i].is_kommune ? "ja" : "nej", 0);
		csv_int(&b, r->orgs[i].participated, 0);
		csv_tally(&b, &r->orgs[i].t);
	}
	return buf_detach(&b, NULL);
}

static const char *place_word(const char *place)
{
	return is_online(place) ? "Virtuelt" : place;
}

char *report_csv_meetings(const struct report *r)
{
	struct buf b;

	csv_start(&b);
	buf_adds(&b, "Dato;Dag;Sted;Deltagere inkl. gæster;Heraf gæster;Grundlag\r\n");
	for (size_t i = 0; i < r->n_held; i++) {
		const struct report_held *h = &r->held[i];
		char *day = day_long(h->date);

		csv_put(&b, h->date, 0);
		csv_put(&b, day, 0);
		csv_put(&b, place_word(h->place), 0);
		csv_int(&b, h->head_count, 0);
		csv_int(&b, h->guests, 0);
		csv_put(&b, h->recorded ? "registreret fremmøde" : "tilsagn", 1);
		free(day);
	}
	return buf_detach(&b, NULL);
}

char *report_csv_kommuner(const struct report *r)
{
	struct buf b;

	csv_start(&b);
	buf_adds(&b, "Kommune;Region;Møder med deltagelse;Afholdte møder\r\n");
	for (size_t i = 0; i < r->n_kommuner; i++) {
		const char *region = kommune_region(r->kommuner[i].name);

		csv_put(&b, r->kommuner[i].name, 0);
		csv_put(&b, region ? region : "", 0);
		csv_int(&b, r->kommuner[i].meetings, 0);
		csv_int(&b, (int)r->n_held, 1);
	}
	return buf_detach(&b, NULL);
}

char *report_csv_planned(const struct report *r)
{
	struct buf b;

	csv_start(&b);
	buf_adds(&b, "Dato;Dag;Tid;Sted\r\n");
	for (size_t i = 0; i < r->n_planned; i++) {
		const struct report_planned *p = &r->planned[i];
		char *day = day_long(p->date), *span = dansk_timespan(p->start_min, p->end_min);

		csv_put(&b, p->date, 0);
		csv_put(&b, day, 0);
		csv_put(&b, span, 0);
		csv_put(&b, place_word(p->place), 1);
		free(day);
		free(span);
	}
	return buf_detach(&b, NULL);
}

/* ---- the annual report page ---- */

static void html_esc(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: buf_addch(b, *s);
		}
	}
}

/* Inline only: the page is mailed and printed, and must look the same with no network. */
static const char html_style[] =
	"body{font-family:Calibri,'Segoe UI',Arial,sans-serif;color:#222;max-width:820px;margin:2em auto;"
	"padding:0 1.2em;line-height:1.45;background:#fff}\n"
	"h1{font-size:1.55em;color:#1f4e66;border-bottom:2px solid #1f4e66;padding-bottom:.25em}\n"
	"h2{font-size:1.2em;color:#1f4e66;margin-top:1.8em}\n"
	"table{border-collapse:collapse;margin:.8em 0}\n"
	"th,td{border:1px solid #b8c4cc;padding:.25em .7em;text-align:left;vertical-align:top}\n"
	"th{background:#e6eef3}\n"
	"td:first-child{white-space:nowrap}\n"
	".n{text-align:right}\n"
	"svg{display:block;max-width:100%;height:auto;margin:.8em 0}\n"
	".note{color:#555;font-size:.9em}\n"
	"@page{size:A4;margin:16mm}\n"
	"@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,svg,ul{break-inside:avoid}"
	"th,rect{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

static void html_head(struct buf *b, const struct report *r, const char *group)
{
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"da\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
	html_esc(b, group);
	buf_addf(b, " – tal til årsrapporten %d</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", r->year,
		 html_style);
	html_esc(b, group);
	buf_addf(b, ": tal til årsrapporten %d</h1>\n", r->year);
}

/* "5. marts, 7. maj og 10. september": the held meetings whose attendance was (or was not) recorded. */
static void add_dates(struct buf *b, const struct report *r, int recorded)
{
	size_t n = 0, k = 0;

	for (size_t i = 0; i < r->n_held; i++)
		n += r->held[i].recorded == recorded;
	for (size_t i = 0; i < r->n_held; i++) {
		char *day;

		if (r->held[i].recorded != recorded)
			continue;
		day = day_short(r->held[i].date);
		buf_addf(b, "%s%s", k == 0 ? "" : k + 1 == n ? " og " : ", ", day);
		free(day);
		k++;
	}
}

static void html_basis(struct buf *b, const struct report *r)
{
	size_t rec = 0, online = 0;

	for (size_t i = 0; i < r->n_held; i++) {
		rec += r->held[i].recorded != 0;
		online += is_online(r->held[i].place);
	}
	buf_adds(b, "<p>");
	if (rec == r->n_held) {
		buf_adds(b, "Deltagerne er talt ud fra det registrerede fremmøde.");
	} else if (rec == 0) {
		buf_adds(b, "Fremmødet er ikke registreret: deltagerne er talt ud fra tilsagn til møderne.");
	} else {
		buf_adds(b, "Deltagerne er talt ud fra det registrerede fremmøde ved ");
		add_dates(b, r, 1);
		buf_adds(b, " og ud fra tilsagn ved ");
		add_dates(b, r, 0);
		buf_adds(b, ", hvor fremmødet ikke er registreret.");
	}
	if (online == r->n_held)
		buf_addf(b, " Alle møderne i %d er blevet afholdt virtuelt.", r->year);
	else if (online == 0)
		buf_addf(b, " Alle møderne i %d er blevet afholdt med fysisk fremmøde.", r->year);
	else
		buf_addf(b, " %zu af møderne i %d er blevet afholdt virtuelt, %zu med fysisk fremmøde.", online,
			 r->year, r->n_held - online);
	buf_adds(b, "</p>\n");
}

static void html_meeting_table(struct buf *b, const struct report *r)
{
	buf_adds(b, "<table id=\"moeder\">\n<thead><tr><th>Dato</th><th>Sted</th><th class=\"n\">Deltagere</th>"
		    "<th class=\"n\">Heraf gæster</th><th>Talt ud fra</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < r->n_held; i++) {
		const struct report_held *h = &r->held[i];
		char *day = day_long(h->date);

		buf_addf(b, "<tr><td><time datetime=\"%s\">%s</time></td><td>", h->date, day);
		html_esc(b, place_word(h->place));
		buf_addf(b, "</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td>%s</td></tr>\n", h->head_count,
			 h->guests, h->recorded ? "registreret fremmøde" : "tilsagn");
		free(day);
	}
	buf_adds(b, "</tbody>\n</table>\n");
}

static void html_meetings(struct buf *b, const struct report *r)
{
	buf_addf(b, "<h2>Møder i netværket i %d</h2>\n", r->year);
	if (r->n_held == 0) {
		buf_addf(b, "<p>Der er ikke afholdt møder i %d.</p>\n", r->year);
	} else {
		buf_addf(b, "<p>Der er afholdt %zu %s i %d:</p>\n<ul id=\"moedeliste\">\n", r->n_held,
			 plural((int)r->n_held, "møde", "møder"), r->year);
		for (size_t i = 0; i < r->n_held; i++) {
			const struct report_held *h = &r->held[i];
			char *day = day_long(h->date);

			buf_addf(b, "<li>%s (%d %s%s)</li>\n", day, h->head_count,
				 plural(h->head_count, "deltager", "deltagere"), h->guests ? " inkl. gæster" : "");
			free(day);
		}
		buf_adds(b, "</ul>\n");
		html_basis(b, r);
		html_meeting_table(b, r);
	}
	if (r->n_upcoming || r->n_cancelled) {
		buf_adds(b, "<p class=\"note\">");
		if (r->n_upcoming)
			buf_addf(b, "Desuden er %zu %s i %d endnu ikke afholdt. ", r->n_upcoming,
				 plural((int)r->n_upcoming, "møde", "møder"), r->year);
		if (r->n_cancelled)
			buf_addf(b, "%zu %s i %d er aflyst.", r->n_cancelled,
				 plural((int)r->n_cancelled, "møde", "møder"), r->year);
		buf_adds(b, "</p>\n");
	}
}

/* The bar chart: one bar per municipality, the scale 0 … the number of held meetings. */
static void html_chart(struct buf *b, const struct report *r)
{
	const int width = 720, label_w = 150, area = 520, top = 30, row = 26, bar_h = 16;
	const int height = top + (int)r->n_kommuner * row + 8;
	const int max = r->n_held ? (int)r->n_held : 1;
	const int step = max <= 10 ? 1 : (max + 9) / 10;

	buf_addf(b, "<svg id=\"diagram\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		    "viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"diagram-titel\" "
		    "font-family=\"Calibri, 'Segoe UI', Arial, sans-serif\" font-size=\"13\">\n"
		    "<title id=\"diagram-titel\">Antal møder i %d med deltagelse fra hver kommune</title>\n",
		 width, height, width, height, r->year);
	for (int t = 0; t <= max; t += step) {
		double x = label_w + (double)t * area / max;

		buf_addf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d5dde2\"/>"
			    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%d</text>\n",
			 x, top - 6, x, height - 4, x, top - 12, t);
	}
	for (size_t i = 0; i < r->n_kommuner; i++) {
		const struct report_kommune *k = &r->kommuner[i];
		int y = top + (int)i * row;
		double w = (double)k->meetings * area / max;

		buf_addf(b, "<g class=\"bjaelke\" data-kommune=\"%s\" data-moeder=\"%d\">"
			    "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
			 k->name, k->meetings, label_w - 8, y + row / 2 + 4, k->name);
		if (k->meetings)
			buf_addf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#2f6f8f\"/>", label_w,
				 y + (row - bar_h) / 2, w, bar_h);
		buf_addf(b, "<text class=\"tal\" x=\"%.1f\" y=\"%d\">%d</text></g>\n", label_w + w + 6,
			 y + row / 2 + 4, k->meetings);
	}
	buf_adds(b, "</svg>\n");
}

/* "7 af de 17 kommuner i Region Sjælland", when every member municipality is in one region. */
static void add_region(struct buf *b, const struct report *r)
{
	const char *region = kommune_region(r->kommuner[0].name);
	size_t in_region = 0;

	for (size_t i = 1; i < r->n_kommuner; i++)
		if (!region || !kommune_region(r->kommuner[i].name) ||
		    strcmp(region, kommune_region(r->kommuner[i].name)) != 0)
			return;
	for (size_t k = 0; region && k < kommune_count(); k++)
		in_region += is(kommune_region(kommune_name(k)), region);
	if (region)
		buf_addf(b, " (%zu af de %zu kommuner i %s)", r->n_kommuner, in_region, region);
}

static void html_others(struct buf *b, const struct report *r)
{
	int any = 0;

	for (size_t i = 0; i < r->n_orgs; i++) {
		const struct report_org *o = &r->orgs[i];

		if (o->is_kommune || !r->n_held)
			continue;
		buf_adds(b, any++ ? "" : "<div id=\"andre\">\n");
		buf_adds(b, "<p>");
		html_esc(b, o->name);
		if (o->participated == (int)r->n_held)
			buf_addf(b, " har været repræsenteret ved %s i %d.", r->n_held == 1 ? "mødet" : "alle møder",
				 r->year);
		else if (o->participated == 0)
			buf_addf(b, " har ikke været repræsenteret ved møderne i %d.", r->year);
		else
			buf_addf(b, " har været repræsenteret ved %d af de %zu møder i %d.", o->participated,
				 r->n_held, r->year);
		buf_adds(b, "</p>\n");
	}
	if (any)
		buf_adds(b, "</div>\n");
}

static void html_kommuner(struct buf *b, const struct report *r)
{
	buf_adds(b, "<h2>Repræsentation i netværket</h2>\n");
	if (r->n_kommuner == 0) {
		buf_adds(b, "<p>Ingen af organisationerne i deltagerlisten er en kommune.</p>\n");
		html_others(b, r);
		return;
	}
	buf_addf(b, "<p>%zu %s er med i netværket", r->n_kommuner, plural((int)r->n_kommuner, "kommune", "kommuner"));
	add_region(b, r);
	buf_adds(b, ".");
	if (r->n_held)
		buf_addf(b, " Figuren viser, hvor mange af de %zu %s i %d de enkelte kommuner har været repræsenteret "
			    "på.", r->n_held, plural((int)r->n_held, "møde", "møder"), r->year);
	buf_adds(b, "</p>\n");
	/* No map: tovholder ships no municipal boundaries, and a map drawn without them would be invented. */
	buf_adds(b, "<!-- Intet kort: tovholder har ingen kommunegrænser med, og et kort uden dem ville være opdigtet. "
		    "Søjlediagrammet viser de samme tal. (No map: we ship no geometry of the municipalities.) -->\n");
	if (r->n_held)
		html_chart(b, r);
	buf_addf(b, "<table id=\"kommuner\">\n<thead><tr><th>Kommune</th><th class=\"n\">Møder med deltagelse</th>"
		    "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < r->n_kommuner; i++)
		buf_addf(b, "<tr><td>%s</td><td class=\"n\">%d</td></tr>\n", r->kommuner[i].name,
			 r->kommuner[i].meetings);
	buf_adds(b, "</tbody>\n</table>\n");
	html_others(b, r);
}

static void html_planned(struct buf *b, const struct report *r)
{
	size_t online = 0;

	buf_addf(b, "<h2>Planlagte møder i %d</h2>\n", r->year + 1);
	if (r->n_planned == 0) {
		buf_addf(b, "<p>Der er endnu ikke planlagt møder i %d.</p>\n", r->year + 1);
		return;
	}
	for (size_t i = 0; i < r->n_planned; i++)
		online += is_online(r->planned[i].place);
	buf_adds(b, "<ul id=\"planlagte\">\n");
	for (size_t i = 0; i < r->n_planned; i++) {
		const struct report_planned *p = &r->planned[i];
		char *day = day_long(p->date), *span = dansk_timespan(p->start_min, p->end_min);

		buf_addf(b, "<li><time datetime=\"%s\">%s</time> kl. %s", p->date, day, span);
		if (online != r->n_planned) {
			buf_adds(b, ", ");
			html_esc(b, is_online(p->place) ? "virtuelt" : p->place);
		}
		buf_adds(b, "</li>\n");
		free(day);
		free(span);
	}
	buf_adds(b, "</ul>\n");
	if (online == r->n_planned)
		buf_adds(b, "<p>Alle møder afholdes som udgangspunkt virtuelt.</p>\n");
}

char *report_html(const struct report *r, const char *group_name, const char *made)
{
	struct buf b;
	int y, m, d;

	buf_init(&b);
	html_head(&b, r, group_name ? group_name : "");
	html_meetings(&b, r);
	html_kommuner(&b, r);
	html_planned(&b, r);
	buf_adds(&b, "<p class=\"note\">Udarbejdet af tovholder");
	if (made && util_parse_date(made, &y, &m, &d) == 0) {
		char *when = dansk_date(y, m, d);

		buf_addf(&b, " den %s", when);
		free(when);
	}
	buf_adds(&b, " ud fra invitationerne, svarene og det registrerede fremmøde. Deltagere tæller også gæster "
		     "og stedfortrædere.</p>\n</body>\n</html>\n");
	return buf_detach(&b, NULL);
}
