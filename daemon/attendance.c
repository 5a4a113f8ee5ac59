/* Confirmed attendance. A Teams report names people as Teams knows them: an address from another tenant, a
 * guest account with no address, "Efternavn, Fornavn", a name typed without æøå; so the address is tried
 * first and the name after, and whatever fits nobody (or several) is shown to a person, never guessed. */
#include "attendance.h"
#include "buf.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_organizer_role(const char *role)
{
	static const char *const words[] = { "organizer", "organiser", "arrangør", "organisator" };
	char *r = util_lower(util_trim(xstrdup(role)));
	int yes = 0;

	/* util_lower is ASCII only: "Arrangør" arrives as "arrangør" after it */
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		yes |= strcmp(r, words[i]) == 0;
	free(r);
	return yes;
}

static const struct store_invitation *by_address(const struct store_meeting *mt, const char *addr)
{
	if (!addr || !*addr)
		return NULL;
	for (size_t i = 0; i < mt->n_inv; i++)
		if (mt->inv[i].invited && strcasecmp(mt->inv[i].email, addr) == 0)
			return &mt->inv[i];
	return NULL;
}

/* The invitees the name fits best (score 2 before 1); *ret_n how many share that best score. */
static const struct store_invitation *by_name(const struct store_meeting *mt, const char *name, size_t *ret_n,
					      struct buf *who)
{
	const struct store_invitation *hit = NULL;
	int best = 0;

	*ret_n = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < mt->n_inv; i++) {
			int score;
			if (!mt->inv[i].invited || !*name || (score = teams_name_match(name, mt->inv[i].name)) == 0)
				continue;
			if (pass == 0 && score > best)
				best = score;
			else if (pass == 1 && score == best) {
				hit = &mt->inv[i];
				buf_addf(who, "%s%s <%s>", (*ret_n)++ ? " and " : "", mt->inv[i].name, mt->inv[i].email);
			}
		}
	}
	return hit;
}

static const struct person *roster_by_name(const struct roster *r, const char *name)
{
	const struct person *hit = NULL;

	if (!r || !*name)
		return NULL;
	for (size_t i = 0; i < r->n; i++)
		if (teams_name_match(name, r->people[i].name) == 2) {
			if (hit)
				return NULL;   /* two people of that name: do not pick one */
			hit = &r->people[i];
		}
	return hit;
}

static void match_one(const struct teams_participant *p, const struct store_meeting *mt,
		      const struct roster *roster, const char *organizer_email, struct attendance_match *m)
{
	struct buf who;
	size_t n;

	memset(m, 0, sizeof(*m));
	if ((m->inv = by_address(mt, p->email)) || (m->inv = by_address(mt, p->upn))) {
		m->how = ATTENDANCE_BY_EMAIL;
		return;
	}
	buf_init(&who);
	m->inv = by_name(mt, p->name, &n, &who);
	if (n == 1) {
		m->how = ATTENDANCE_BY_NAME;
	} else if (n > 1) {
		m->how = ATTENDANCE_AMBIGUOUS;
		m->inv = NULL;
		m->detail = xasprintf("the name fits %s", who.data);
	} else if ((organizer_email && *organizer_email && (strcasecmp(p->email, organizer_email) == 0 ||
							      strcasecmp(p->upn, organizer_email) == 0)) ||
		   is_organizer_role(p->role)) {
		m->how = ATTENDANCE_ORGANIZER;
	} else {
		m->how = ATTENDANCE_GUEST;
		if (roster && *p->email)
			m->person = roster_find(roster, p->email);
		if (roster && !m->person && *p->upn)
			m->person = roster_find(roster, p->upn);
		if (!m->person)
			m->person = roster_by_name(roster, p->name);
	}
	buf_release(&who);
}

void attendance_match(const struct teams_report *r, const struct store_meeting *mt, const struct roster *roster,
		      const char *organizer_email, struct attendance_match *ret)
{
	for (size_t i = 0; i < r->n; i++)
		match_one(&r->people[i], mt, roster, organizer_email, &ret[i]);
}

void attendance_matches_free(struct attendance_match *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i].detail);
	free(v);
}

/* ---- who was there, for the referat ---- */

static enum referat_answer answer_of(const struct store_person_record *p)
{
	static const struct {
		const char *word;
		enum referat_answer answer;
	} answers[] = {
		{ "tilsagn", REFERAT_ACCEPTED }, { "afbud", REFERAT_DECLINED }, { "tentativ", REFERAT_TENTATIVE },
	};

	for (size_t i = 0; p && p->answer && i < sizeof(answers) / sizeof(answers[0]); i++)
		if (strcmp(p->answer, answers[i].word) == 0)
			return answers[i].answer;
	return REFERAT_NO_ANSWER;
}

static const struct store_person_record *record_of(const struct store_record *rec, const char *email)
{
	for (size_t i = 0; i < rec->n; i++)
		if (strcmp(rec->people[i].email, email) == 0)
			return &rec->people[i];
	return NULL;
}

int attendance_present(const struct attendance *a, const char *email)
{
	if (!a->confirmed)
		return -1;
	for (size_t i = 0; i < a->att.n; i++)
		if (strcmp(a->att.people[i].email, email) == 0)
			return a->att.people[i].present;
	return 0;
}

/* A guest in the report who is the colleague an afbud named: the referat already writes "X (Org) for Y". */
static int is_substitute(const struct attendance *a, size_t n_inv, const char *name)
{
	for (size_t i = 0; i < n_inv; i++)
		if (a->people[i].answer == REFERAT_DECLINED && a->people[i].substitute &&
		    teams_name_match(name, a->people[i].substitute) == 2)
			return 1;
	return 0;
}

int attendance_load(struct store *st, const struct store_meeting *mt, struct attendance *ret, struct err *err)
{
	size_t n_inv;

	memset(ret, 0, sizeof(*ret));
	if (store_record_load(st, mt->id, &ret->rec, err) < 0 || store_attendance_load(st, mt->id, &ret->att, err) < 0)
		return -1;
	ret->confirmed = ret->att.n > 0 || ret->att.n_extra > 0;
	ret->people = xcalloc(mt->n_inv + ret->att.n_extra + 1, sizeof(*ret->people));
	for (size_t i = 0; i < mt->n_inv; i++) {
		const struct store_invitation *inv = &mt->inv[i];
		const struct store_person_record *p = record_of(&ret->rec, inv->email);
		struct referat_person *rp = &ret->people[ret->n];

		if (!inv->invited)
			continue;
		rp->name = inv->name;
		rp->org = inv->org;
		rp->email = inv->email;
		rp->is_secretary = strcmp(inv->role, "sekretær") == 0;
		rp->is_guest = strcmp(inv->role, "gæst") == 0;
		rp->answer = answer_of(p);
		if (ret->confirmed && attendance_present(ret, inv->email) == 1)
			rp->answer = REFERAT_PRESENT;
		else if (ret->confirmed)
			rp->answer = rp->answer == REFERAT_DECLINED ? REFERAT_DECLINED : REFERAT_ABSENT;
		rp->substitute = p && rp->answer == REFERAT_DECLINED ? p->substitute : NULL;
		ret->n++;
	}
	n_inv = ret->n_invitees = ret->n;
	for (size_t i = 0; i < ret->att.n_extra; i++) {
		const struct store_attendance_extra *x = &ret->att.extra[i];
		struct referat_person *rp = &ret->people[ret->n];

		if (strcmp(x->kind, "guest") != 0 || is_substitute(ret, n_inv, x->name))
			continue;
		rp->name = *x->name ? x->name : x->email;
		rp->org = x->org;
		rp->email = x->email;
		rp->is_guest = 1;
		rp->answer = REFERAT_PRESENT;
		ret->n++;
	}
	return 0;
}

void attendance_release(struct attendance *a)
{
	free(a->people);
	store_record_release(&a->rec);
	store_attendance_release(&a->att);
	memset(a, 0, sizeof(*a));
}
