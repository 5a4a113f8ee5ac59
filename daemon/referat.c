/* The attendance lines of a referat, in the form the network's own minutes use:
 *   Afbud: Bo Aagaard (Greve), Frederik Hald (Køge)
 *   Deltagere: Anne Mose Dahl (Faxe), Dennis Kragh og Lise Holm (Holbæk), Tue Bilde (Region Sjælland)
 * Municipalities first in Danish order, then the region and the secretariat, then guests. */
#include "referat.h"
#include "buf.h"
#include "dansk.h"
#include "kommune.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The order of the groups on a line. */
enum org_class { ORG_KOMMUNE, ORG_OTHER, ORG_NONE };

struct org {
	enum org_class cls;
	char *key;    /* what groups and sorts: the canonical municipality, or the folded name */
	char *shown;  /* what is printed: the canonical municipality, or the name as written (trimmed) */
};

struct entry {
	const char *name;
	const char *member;     /* a substitute: the member they come instead of; else NULL */
	const struct org *org;
	int guest;
	size_t idx;             /* the position in 'people': guests keep it, and it makes the order total */
};

/* A whole line's worth of entries. */
struct line {
	struct entry *v;
	size_t n;
};

/* Lower case (ASCII and Latin-1 letters in UTF-8), trimmed, inner white space runs as one space: so
 * "Region Sjælland", "REGION SJÆLLAND" and "Region  Sjælland" are one organisation. Caller frees. */
static char *fold(const char *in)
{
	const unsigned char *s = (const unsigned char *)in;
	char *out = xmalloc(strlen(in) + 1);
	size_t n = 0;
	int space = 0;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
			space = n > 0;
			continue;
		}
		if (space)
			out[n++] = ' ';
		space = 0;
		if (*s >= 'A' && *s <= 'Z')
			out[n++] = (char)(*s + ('a' - 'A'));
		else if (n > 0 && (unsigned char)out[n - 1] == 0xC3 && *s >= 0x80 && *s <= 0x9E && *s != 0x97)
			out[n++] = (char)(*s + 0x20);   /* À-Þ → à-þ, not × */
		else
			out[n++] = (char)*s;
	}
	out[n] = '\0';
	return out;
}

static void org_init(struct org *o, const char *org)
{
	char *trimmed = util_trim(xstrdup(org ? org : ""));
	const char *canon = kommune_match(trimmed);

	if (canon) {
		o->cls = ORG_KOMMUNE;
		o->key = xstrdup(canon);
		o->shown = xstrdup(canon);
		free(trimmed);
	} else {
		o->cls = *trimmed ? ORG_OTHER : ORG_NONE;
		o->key = fold(trimmed);
		o->shown = trimmed;
	}
}

static void org_release(struct org *o)
{
	free(o->key);
	free(o->shown);
}

static int org_cmp(const struct org *a, const struct org *b)
{
	if (a->cls != b->cls)
		return a->cls < b->cls ? -1 : 1;
	return a->cls == ORG_NONE ? 0 : dansk_collate(a->key, b->key);
}

int referat_org_cmp(const char *a, const char *b)
{
	struct org oa, ob;
	int c;

	org_init(&oa, a);
	org_init(&ob, b);
	c = org_cmp(&oa, &ob);
	org_release(&oa);
	org_release(&ob);
	return c;
}

/* Guests after everyone, in the order given (the seeds list speakers in the order of the agenda); the others
 * by organisation, the members of one before those standing in for a member, then by name. */
static int entry_cmp(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	int c;

	if (a->guest != b->guest)
		return a->guest ? 1 : -1;
	if (!a->guest) {
		if ((c = org_cmp(a->org, b->org)))
			return c;
		if (!a->member != !b->member)
			return a->member ? 1 : -1;
		if ((c = dansk_collate(a->name, b->name)))
			return c;
	}
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Is e the start of a run "A, B og C (Org)"? Guests, substitutes and people without an organisation stand
 * alone: a guest's place is their position, and "for MEMBER" belongs to one name. */
static int joinable(const struct entry *e)
{
	return !e->member && !e->guest && e->org->cls != ORG_NONE;
}

/* Appends the entries, sorted, joined by ", ". */
static void add_entries(struct buf *b, struct line *l)
{
	struct entry *v = l->v;
	size_t i, j, k;

	qsort(v, l->n, sizeof(v[0]), entry_cmp);
	for (i = 0; i < l->n; i = j) {
		const struct org *org = v[i].org;
		size_t first = v[i].idx;

		j = i + 1;
		if (joinable(&v[i]))
			while (j < l->n && joinable(&v[j]) && !org_cmp(v[i].org, v[j].org))
				j++;
		if (i)
			buf_adds(b, ", ");
		for (k = i; k < j; k++) {
			if (k > i)
				buf_adds(b, k == j - 1 ? " og " : ", ");
			buf_adds(b, v[k].name);
			/* One organisation written two ways ("Region Sjælland", "region sjælland"): the spelling of
			 * whoever comes first in the roster. */
			if (v[k].idx < first) {
				first = v[k].idx;
				org = v[k].org;
			}
		}
		if (*org->shown)
			buf_addf(b, " (%s)", org->shown);
		if (v[i].member)
			buf_addf(b, " for %s", v[i].member);
	}
}

static void add_line(struct buf *b, const char *label, struct line *l, int always)
{
	if (!l->n && !always)
		return;
	buf_addf(b, "%s: ", label);
	if (l->n)
		add_entries(b, l);
	else
		buf_adds(b, "ingen");
	buf_addch(b, '\n');
}

static void push(struct line *l, const char *name, const char *member, const struct org *org, int guest,
		 size_t idx)
{
	l->v[l->n++] = (struct entry){ .name = name, .member = member, .org = org, .guest = guest, .idx = idx };
}

static const char *shown_name(const struct referat_person *p)
{
	if (p->name && *p->name)
		return p->name;
	return p->email && *p->email ? p->email : NULL;
}

static int same_name(const char *a, const char *b)
{
	char *fa = fold(a), *fb = fold(b);
	int same = !strcmp(fa, fb);

	free(fa);
	free(fb);
	return same;
}

/* Does 'secretary' name p: by address, by name, or as "Name (Organisation)" the way config.c asks for it?
 * Case and spacing aside, so the configured text finds the roster's row. */
static int names_person(const char *secretary, const struct referat_person *p, const struct org *org)
{
	const char *paren = strrchr(secretary, '(');
	size_t len = strlen(secretary);
	char *name, *org_text;
	struct org o;
	int same;

	if (p->email && !strcasecmp(p->email, secretary))
		return 1;
	if (!p->name || !*p->name)
		return 0;
	if (same_name(secretary, p->name))
		return 1;
	if (!paren || secretary[len - 1] != ')')
		return 0;
	name = xstrndup(secretary, (size_t)(paren - secretary));
	org_text = xstrndup(paren + 1, (size_t)(secretary + len - 1 - (paren + 1)));
	org_init(&o, org_text);
	same = same_name(name, p->name) && !org_cmp(&o, org);
	org_release(&o);
	free(org_text);
	free(name);
	return same;
}

enum { L_AFBUD, L_DELTAGERE, L_REFERAT, L_FRAVAER, L_MAASKE, L_IKKE, N_LINES };

static const struct {
	const char *label;
	int always;
} line_info[N_LINES] = {
	[L_AFBUD] = { "Afbud", 0 },
	[L_DELTAGERE] = { "Deltagere", 1 },
	[L_REFERAT] = { "Referat", 1 },
	[L_FRAVAER] = { "Fraværende", 0 },
	[L_MAASKE] = { "Måske", 0 },
	[L_IKKE] = { "Ikke svaret", 0 },
};

/* Where an answer puts a person; a substitute also goes on Deltagere. */
static int line_of(enum referat_answer a)
{
	switch (a) {
	case REFERAT_ACCEPTED:
	case REFERAT_PRESENT:
		return L_DELTAGERE;
	case REFERAT_DECLINED:
		return L_AFBUD;
	case REFERAT_ABSENT:
		return L_FRAVAER;
	case REFERAT_TENTATIVE:
		return L_MAASKE;
	case REFERAT_NO_ANSWER:
		break;
	}
	return L_IKKE;
}

/* The output grows with the roster, which roster.c caps (people and field lengths); no cap of its own. */
char *referat_lines(const char *secretary, const struct referat_person *people, size_t n)
{
	struct org *orgs = xcalloc(n + 1, sizeof(orgs[0]));
	struct line lines[N_LINES];
	struct buf b;
	int named = secretary && *secretary;

	for (int l = 0; l < N_LINES; l++) {
		/* Deltagere may hold everyone once and every substitute once. */
		lines[l].v = xcalloc(l == L_DELTAGERE ? 2 * n + 1 : n + 1, sizeof(struct entry));
		lines[l].n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		const struct referat_person *p = &people[i];
		const char *name = shown_name(p);
		int l;

		org_init(&orgs[i], p->org);
		if (!name)
			continue;   /* nothing to write for a nameless, addressless row */
		if (p->is_secretary || (named && names_person(secretary, p, &orgs[i]))) {
			push(&lines[L_REFERAT], name, NULL, &orgs[i], 0, i);
			continue;
		}
		l = line_of(p->answer);
		push(&lines[l], name, NULL, &orgs[i], p->is_guest, i);
		if ((l == L_AFBUD || l == L_FRAVAER) && p->substitute && *p->substitute)
			push(&lines[L_DELTAGERE], p->substitute, name, &orgs[i], p->is_guest, i);
	}

	buf_init(&b);
	for (int l = 0; l < N_LINES; l++) {
		if (l == L_REFERAT && named && !lines[l].n)
			buf_addf(&b, "%s: %s\n", line_info[l].label, secretary);
		else
			add_line(&b, line_info[l].label, &lines[l], line_info[l].always);
		free(lines[l].v);
	}
	for (size_t i = 0; i < n; i++)
		org_release(&orgs[i]);
	free(orgs);
	return buf_detach(&b, NULL);
}
