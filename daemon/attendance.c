/* Confirmed attendance. A Teams report names people as Teams knows them: an address from another tenant, a
 * guest account with no address, "Efternavn, Fornavn", a name typed without æøå; so the address is tried
 * first and the name after, and whatever fits nobody (or several) is shown to a person, never guessed. */
#include "attendance.h"
#include "buf.h"
#include "tz.h"
#include "util.h"
#include "vis.h"

#include <stdarg.h>
#include <stdio.h>
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

/* ---- importing reports ---- */

void attendance_teams_meeting(const char *zone, const struct store_meeting *mt, struct teams_meeting *ret)
{
	time_t end;

	memset(ret, 0, sizeof(*ret));
	ret->end_tod = mt->end_min * 60L;
	ret->end_utc = -1;
	util_parse_date(mt->date, &ret->y, &ret->m, &ret->d);
	if (tz_local_to_utc(zone, ret->y, ret->m, ret->d, mt->end_min, &end, NULL) == 0)
		ret->end_utc = (long long)end;
}

static void say(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What an import prints, when someone is there to read it; outside text made visible. */
static void say(FILE *out, const char *fmt, ...)
{
	va_list ap;

	if (!out)
		return;
	va_start(ap, fmt);
	vis_vfprintf(out, fmt, ap);
	va_end(ap);
}

static const char *who(const struct store_invitation *inv, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s%s", inv->name, inv->org[0] ? " (" : "", inv->org, inv->org[0] ? ")" : "");
	return buf;
}

/* One invitee's total over every participant and report that was placed on them. */
struct seen {
	const struct store_invitation *inv;
	long duration_s;
	long join_tod;
	const char *first_join;
	const char *report_name;
};

static struct seen *seen_for(struct seen **v, size_t *n, const struct store_invitation *inv)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].inv == inv)
			return &(*v)[i];
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n] = (struct seen){ inv, 0, -1, NULL, NULL };
	return &(*v)[(*n)++];
}

static void seen_add(struct seen *s, const struct teams_participant *p)
{
	long tod = teams_time_of_day(p->first_join);

	/* the same person on a laptop and a phone: the times add up; one unknown makes the total unknown */
	s->duration_s = s->duration_s < 0 || p->duration_s < 0 ? -1 : s->duration_s + p->duration_s;
	if (!s->report_name)
		s->report_name = p->name;
	if (p->first_join[0] && (!s->first_join || (tod >= 0 && (s->join_tod < 0 || tod < s->join_tod)))) {
		s->first_join = p->first_join;
		s->join_tod = tod;
	}
}

static const char *const how_words[] = {
	[ATTENDANCE_BY_EMAIL] = "by e-mail", [ATTENDANCE_BY_NAME] = "by name", [ATTENDANCE_ORGANIZER] = "organizer",
	[ATTENDANCE_GUEST] = "guest", [ATTENDANCE_AMBIGUOUS] = "unmatched",
};

/* Prints how each participant was placed and stores the extras; adds the invitees to 'seen'. */
static int record_report(struct store *st, const struct store_meeting *mt, const char *file,
			 const struct teams_report *r, const struct attendance_match *m, struct seen **seen,
			 size_t *n_seen, FILE *out, struct err *err)
{
	char buf[512];

	say(out, "%s: %zu participant%s, %zu row%s not understood\n", file, r->n, r->n == 1 ? "" : "s", r->n_bad,
	       r->n_bad == 1 ? "" : "s");
	for (size_t i = 0; i < r->n; i++) {
		const struct teams_participant *p = &r->people[i];
		struct store_attendance_extra x = { .source = "teams", .name = p->name, .org = "", .email = p->email,
						    .duration_s = p->duration_s, .first_join = p->first_join,
						    .line = p->line };

		say(out, "  %-10s %s", how_words[m[i].how], p->name[0] ? p->name : p->email);
		switch (m[i].how) {
		case ATTENDANCE_BY_EMAIL:
		case ATTENDANCE_BY_NAME:
			say(out, " → %s\n", who(m[i].inv, buf, sizeof(buf)));
			seen_add(seen_for(seen, n_seen, m[i].inv), p);
			continue;
		case ATTENDANCE_ORGANIZER:
			x.kind = "organizer";
			break;
		case ATTENDANCE_GUEST:
			x.kind = "guest";
			if (m[i].person) {
				x.name = m[i].person->name;
				x.org = m[i].person->org;
				say(out, " (on the roster: %s%s%s)", x.name, x.org[0] ? ", " : "", x.org);
			}
			break;
		case ATTENDANCE_AMBIGUOUS:
			x.kind = "unmatched";
			x.detail = m[i].detail;
			say(out, ": %s", m[i].detail);
			break;
		}
		if (p->email[0] && p->name[0])
			say(out, " <%s>", p->email);
		say(out, "\n");
		if (store_attendance_extra_add(st, mt->id, &x, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < r->n_bad; i++) {
		struct store_attendance_extra x = { .kind = "unmatched", .source = "teams", .name = r->bad[i].text,
						    .org = "", .email = "", .duration_s = -1, .line = r->bad[i].line,
						    .detail = r->bad[i].reason };
		say(out, "  %-10s line %d: %s: %s\n", "unmatched", r->bad[i].line, r->bad[i].text, r->bad[i].reason);
		if (store_attendance_extra_add(st, mt->id, &x, err) < 0)
			return -1;
	}
	return 0;
}

int attendance_import(struct store *st, const struct store_meeting *mt, const struct roster *roster,
		      const char *organizer_email, const char *const *names, const struct teams_report *rs, size_t n,
		      FILE *out, struct err *err)
{
	struct seen *seen = NULL;
	size_t n_seen = 0;
	int rc = -1;

	/* a report imported again replaces what the last one said; corrections by hand stay */
	if (n && store_attendance_clear(st, mt->id, "teams", err) < 0)
		goto out;
	for (size_t f = 0; f < n; f++) {
		struct attendance_match *m = xcalloc(rs[f].n + 1, sizeof(*m));
		int r;

		attendance_match(&rs[f], mt, roster, organizer_email, m);
		r = record_report(st, mt, names[f], &rs[f], m, &seen, &n_seen, out, err);
		attendance_matches_free(m, rs[f].n);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; i < n_seen; i++) {
		struct store_attendance a = { .email = seen[i].inv->email, .present = 1, .source = "teams",
					      .duration_s = seen[i].duration_s, .first_join = (char *)seen[i].first_join,
					      .report_name = (char *)seen[i].report_name };
		if (store_attendance_put(st, mt->id, &a, err) < 0)
			goto out;
	}
	rc = 0;
out:
	free(seen);
	return rc;
}
