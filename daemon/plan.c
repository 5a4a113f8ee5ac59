/* Reconciliation of the desired meetings with what was sent. RFC 5546 §2.1.4: only the organizer bumps
 * SEQUENCE, and it does so for every change a calendar must apply; a person who never had the event gets it at
 * the current SEQUENCE. Each person's copy lists only that person as ATTENDEE, so adding or removing one person
 * never needs mail to the others. */
#include "plan.h"
#include "buf.h"
#include "dansk.h"
#include "tz.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static void add_change(struct plan_action *a, char *da, char *en)
{
	a->changes_da = xrealloc(a->changes_da, (a->n_changes + 1) * sizeof(char *));
	a->changes_en = xrealloc(a->changes_en, (a->n_changes + 1) * sizeof(char *));
	a->changes_da[a->n_changes] = da;
	a->changes_en[a->n_changes] = en;
	a->n_changes++;
}

static char *hhmm(int start, int end)
{
	return xasprintf("%02d:%02d-%02d:%02d", start / 60, start % 60, end / 60, end % 60);
}

static char *join_agenda(const struct meeting *m)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < m->n_agenda; i++) {
		if (i)
			buf_addch(&b, '\n');
		buf_adds(&b, m->agenda[i]);
	}
	return buf_detach(&b, NULL);
}

/* The stored form of the schedule's meeting, as it is to be sent now. */
static void desired_content(const struct config *cfg, const struct meeting *m, struct store_meeting *next)
{
	memcpy(next->date, m->date, sizeof(next->date));
	next->start_min = m->start_min;
	next->end_min = m->end_min;
	next->place = xstrdup(m->place);
	next->online_url = xstrdup(m->online_url ? m->online_url : "");
	next->agenda = join_agenda(m);
	next->organizer = xasprintf("%s <%s>", cfg->organizer_name, cfg->organizer_email);
	next->summary = xstrdup(cfg->group_name);
	next->cancelled = m->status == MEETING_CANCELLED;
}

static int is_online(const char *place)
{
	return strcasecmp(place, "online") == 0;
}

/* Compares what was sent with what is wanted; records each difference in both languages. */
static void describe_changes(const struct store_meeting *was, const struct store_meeting *now,
			     struct plan_action *a)
{
	if (strcmp(was->date, now->date) != 0) {
		int y, m, d;
		util_parse_date(now->date, &y, &m, &d);
		char *when = dansk_date_long(y, m, d);
		add_change(a, xasprintf("Mødet er flyttet til %s", when),
			   xasprintf("date %s -> %s", was->date, now->date));
		free(when);
	}
	if (was->start_min != now->start_min || was->end_min != now->end_min) {
		char *da = dansk_timespan(now->start_min, now->end_min);
		char *o = hhmm(was->start_min, was->end_min), *n = hhmm(now->start_min, now->end_min);
		add_change(a, xasprintf("Tidspunktet er ændret til kl. %s", da), xasprintf("time %s -> %s", o, n));
		free(da);
		free(o);
		free(n);
	}
	if (strcmp(was->place, now->place) != 0) {
		if (is_online(now->place))
			add_change(a, xstrdup("Mødet holdes nu online"), xasprintf("place -> online"));
		else if (is_online(was->place))
			add_change(a, xasprintf("Mødet holdes nu fysisk: %s", now->place),
				   xasprintf("place online -> '%s'", now->place));
		else
			add_change(a, xasprintf("Mødet holdes nu her: %s", now->place),
				   xasprintf("place '%s' -> '%s'", was->place, now->place));
	}
	if (strcmp(was->online_url, now->online_url) != 0)
		add_change(a, xstrdup(now->online_url[0] ? "Linket til mødet er ændret" : "Mødet har ikke længere et link"),
			   xstrdup("link changed"));
	if (strcmp(was->agenda, now->agenda) != 0)
		add_change(a, xstrdup("Dagsordenen er opdateret"), xstrdup("agenda changed"));
	if (strcmp(was->organizer, now->organizer) != 0)
		add_change(a, xasprintf("Ny tovholder: %s. Svar fremover til den nye tovholder", now->organizer),
			   xasprintf("organizer '%s' -> '%s'", was->organizer, now->organizer));
	if (strcmp(was->summary, now->summary) != 0)
		add_change(a, xasprintf("Mødets titel er nu: %s", now->summary), xstrdup("title changed"));
	if (was->cancelled && !now->cancelled)
		add_change(a, xstrdup("Mødet er ikke længere aflyst"), xstrdup("no longer cancelled"));
}

static struct store_invitation *inv_add(struct store_meeting *m, const struct person *p)
{
	struct store_invitation *inv;

	m->inv = xrealloc(m->inv, (m->n_inv + 1) * sizeof(*m->inv));
	inv = &m->inv[m->n_inv++];
	memset(inv, 0, sizeof(*inv));
	inv->email = xstrdup(p->email);
	inv->name = xstrdup(p->name);
	inv->org = xstrdup(p->org);
	inv->role = xstrdup(roster_role_name(p->role));
	return inv;
}

static void inv_copy(struct store_meeting *dst, const struct store_meeting *src)
{
	dst->inv = xcalloc(src->n_inv ? src->n_inv : 1, sizeof(*dst->inv));
	dst->n_inv = src->n_inv;
	for (size_t i = 0; i < src->n_inv; i++) {
		dst->inv[i] = src->inv[i];
		dst->inv[i].email = xstrdup(src->inv[i].email);
		dst->inv[i].name = xstrdup(src->inv[i].name);
		dst->inv[i].org = xstrdup(src->inv[i].org);
		dst->inv[i].role = xstrdup(src->inv[i].role);
	}
}

static void inv_refresh(struct store_invitation *inv, const struct person *p)
{
	free(inv->name);
	free(inv->org);
	free(inv->role);
	inv->name = xstrdup(p->name);
	inv->org = xstrdup(p->org);
	inv->role = xstrdup(roster_role_name(p->role));
}

static struct store_invitation *inv_find(struct store_meeting *m, const char *email)
{
	for (size_t i = 0; i < m->n_inv; i++)
		if (strcmp(m->inv[i].email, email) == 0)
			return &m->inv[i];
	return NULL;
}

/* The people a meeting is for: every member and secretary, and the guests that meeting names. */
static int wanted(const struct meeting *m, const struct person *p)
{
	if (p->role == ROLE_MEMBER || p->role == ROLE_SECRETARY)
		return 1;
	for (size_t i = 0; i < m->n_guests; i++)
		if (strcmp(m->guests[i], p->email) == 0)
			return 1;
	return 0;
}

/* Recipients are added after every invitation row exists, because 'who' points into next.inv. */
struct pending {
	size_t inv;
	enum plan_msg msg;
};

static void finish_recipients(struct plan_action *a, const struct pending *pend, size_t n)
{
	a->rcpt = xcalloc(n ? n : 1, sizeof(*a->rcpt));
	a->n_rcpt = n;
	for (size_t i = 0; i < n; i++) {
		a->rcpt[i].who = &a->next.inv[pend[i].inv];
		a->rcpt[i].msg = pend[i].msg;
	}
}

const struct store_online *plan_online_find(const struct store_snapshot *sent, const char *uid)
{
	for (size_t i = 0; i < sent->n_online; i++)
		if (strcmp(sent->online[i].uid, uid) == 0)
			return &sent->online[i];
	return NULL;
}

/* The UID reserved for a new "place = teams" meeting of this date (teamslink.c reserves it before Graph makes
 * the Teams meeting): a row of that date whose UID no stored meeting has yet. */
static const char *reserved_uid(const struct store_snapshot *sent, const char *date)
{
	for (size_t i = 0; i < sent->n_online; i++) {
		const struct store_online *o = &sent->online[i];
		size_t j;

		if (strcmp(o->date, date) != 0 || o->deleted || !o->owned)
			continue;
		for (j = 0; j < sent->n && strcmp(sent->meetings[j].uid, o->uid) != 0; j++)
			;
		if (j == sent->n)
			return o->uid;
	}
	return NULL;
}

/* One meeting: fills 'a' and returns 1 when something is to be sent, else 0 (and 'a' is released). */
static int reconcile(const struct config *cfg, const struct meeting *m, const struct roster *roster,
		     const struct store_snapshot *sent, const struct store_meeting *was, struct plan_action *a)
{
	struct pending *pend = xcalloc(roster->n + (was ? was->n_inv : 0) + 1, sizeof(*pend));
	size_t np = 0;
	int changed, bump = 0;

	memset(a, 0, sizeof(*a));
	a->m = m;
	a->prev_sequence = was ? was->sequence : -1;
	if (was)
		memcpy(a->prev_date, was->date, sizeof(a->prev_date));
	desired_content(cfg, m, &a->next);
	a->next.id = was ? was->id : 0;
	if (was) {
		a->next.uid = xstrdup(was->uid);
	} else if (m->teams && reserved_uid(sent, m->date)) {
		a->next.uid = xstrdup(reserved_uid(sent, m->date));
	} else {
		/* random, not derived from the date or organizer: the UID must survive a move and a handover */
		char *hex = util_random_hex(16);
		a->next.uid = xasprintf("tovholder-%s@%s", hex, util_email_domain(cfg->organizer_email));
		free(hex);
	}
	if (was)
		inv_copy(&a->next, was);
	if (m->teams && m->status != MEETING_CANCELLED) {
		/* the link of the Teams meeting Graph made; without one the invitations wait for it */
		const struct store_online *o = plan_online_find(sent, a->next.uid);

		free(a->next.online_url);
		a->next.online_url = xstrdup(o && o->owned && o->graph_id && !o->deleted ? o->join_url : "");
		a->waiting_link = !a->next.online_url[0];
	}

	if (m->status == MEETING_CANCELLED) {
		if (!was || was->cancelled)
			goto none;
		a->why = PLAN_CANCELLED;
		a->next.sequence = was->sequence + 1;
		for (size_t i = 0; i < a->next.n_inv; i++) {
			if (!a->next.inv[i].invited)
				continue;
			a->next.inv[i].invited = 0;
			a->next.inv[i].sequence = a->next.sequence;
			pend[np++] = (struct pending){ i, PLAN_MSG_CANCEL };
		}
		goto done;
	}
	if (!was) {
		a->why = PLAN_NEW;
		a->next.sequence = 0;
		for (size_t i = 0; i < roster->n; i++) {
			if (!wanted(m, &roster->people[i]))
				continue;
			inv_add(&a->next, &roster->people[i])->invited = 1;
			pend[np++] = (struct pending){ a->next.n_inv - 1, PLAN_MSG_INVITE };
		}
		goto done;
	}

	describe_changes(was, &a->next, a);
	changed = a->n_changes > 0;
	bump = changed;
	/* A person dropped, or one coming back after a CANCEL, needs a SEQUENCE above what their calendar holds. */
	for (size_t i = 0; i < a->next.n_inv; i++) {
		const struct person *p = roster_find(roster, a->next.inv[i].email);
		int want = p && wanted(m, p);
		if (want != a->next.inv[i].invited)
			bump = 1;
	}
	a->next.sequence = was->sequence + (bump ? 1 : 0);
	for (size_t i = 0; i < a->next.n_inv; i++) {
		struct store_invitation *inv = &a->next.inv[i];
		const struct person *p = roster_find(roster, inv->email);
		int want = p && wanted(m, p);

		if (p)
			inv_refresh(inv, p);
		if (inv->invited && want && changed) {
			inv->sequence = a->next.sequence;
			pend[np++] = (struct pending){ i, PLAN_MSG_UPDATE };
		} else if (inv->invited && !want) {
			inv->invited = 0;
			inv->sequence = a->next.sequence;
			pend[np++] = (struct pending){ i, PLAN_MSG_REMOVE };
		} else if (!inv->invited && want) {
			inv->invited = 1;
			inv->sequence = a->next.sequence;
			pend[np++] = (struct pending){ i, PLAN_MSG_INVITE };
		}
	}
	for (size_t i = 0; i < roster->n; i++) {
		const struct person *p = &roster->people[i];
		if (!wanted(m, p) || inv_find(&a->next, p->email))
			continue;
		struct store_invitation *inv = inv_add(&a->next, p);
		inv->invited = 1;
		inv->sequence = a->next.sequence;
		pend[np++] = (struct pending){ a->next.n_inv - 1, PLAN_MSG_INVITE };
	}
	if (!changed && np == 0)
		goto none;
	a->why = changed ? PLAN_CHANGED : PLAN_PEOPLE;
done:
	finish_recipients(a, pend, np);
	free(pend);
	return 1;
none:
	free(pend);
	for (size_t i = 0; i < a->n_changes; i++) {
		free(a->changes_da[i]);
		free(a->changes_en[i]);
	}
	free(a->changes_da);
	free(a->changes_en);
	store_meeting_release(&a->next);
	return 0;
}

/* A stored meeting that is no longer in the schedule: CANCEL to everyone who holds it. */
static int drop(const struct store_meeting *was, struct plan_action *a)
{
	size_t np = 0;
	struct pending *pend = xcalloc(was->n_inv + 1, sizeof(*pend));

	memset(a, 0, sizeof(*a));
	a->why = PLAN_DROPPED;
	a->prev_sequence = was->sequence;
	memcpy(a->prev_date, was->date, sizeof(a->prev_date));
	a->next = *was;
	a->next.uid = xstrdup(was->uid);
	a->next.place = xstrdup(was->place);
	a->next.online_url = xstrdup(was->online_url);
	a->next.agenda = xstrdup(was->agenda);
	a->next.organizer = xstrdup(was->organizer);
	a->next.summary = xstrdup(was->summary);
	inv_copy(&a->next, was);
	a->next.cancelled = 1;
	a->next.sequence = was->sequence + 1;
	for (size_t i = 0; i < a->next.n_inv; i++) {
		if (!a->next.inv[i].invited)
			continue;
		a->next.inv[i].invited = 0;
		a->next.inv[i].sequence = a->next.sequence;
		pend[np++] = (struct pending){ i, PLAN_MSG_CANCEL };
	}
	finish_recipients(a, pend, np);
	free(pend);
	return 1;
}

static int starts_before(const char *tzid, const char *date, int start_min, time_t now, struct err *err)
{
	int y, m, d;
	time_t t;

	if (util_parse_date(date, &y, &m, &d) < 0)
		return 1;
	if (tz_local_to_utc(tzid, y, m, d, start_min, &t, err) < 0)
		return -1;
	return t <= now;
}

static int cmp_action(const void *pa, const void *pb)
{
	const struct plan_action *a = pa, *b = pb;

	return strcmp(a->next.date, b->next.date);
}

int plan_make(const struct config *cfg, const struct schedule *sched, const struct roster *roster,
	      const struct store_snapshot *sent, time_t now, struct plan *ret, struct err *err)
{
	struct plan p = { 0 };
	char *used = xcalloc(sent->n + 1, 1);
	int rc = -1;

	p.actions = xcalloc(sched->n + sent->n + 1, sizeof(*p.actions));
	for (size_t i = 0; i < sched->n; i++) {
		const struct meeting *m = &sched->meetings[i];
		const struct store_meeting *was = NULL;
		int past = starts_before(cfg->timezone, m->date, m->start_min, now, err);

		if (past < 0)
			goto out;
		for (size_t j = 0; j < sent->n && !was; j++)
			if (!used[j] && strcmp(sent->meetings[j].date, m->date) == 0)
				was = &sent->meetings[j], used[j] = 1;
		if (!was && m->moved_from[0])
			for (size_t j = 0; j < sent->n && !was; j++)
				if (!used[j] && strcmp(sent->meetings[j].date, m->moved_from) == 0)
					was = &sent->meetings[j], used[j] = 1;
		if (past)
			continue;
		if (reconcile(cfg, m, roster, sent, was, &p.actions[p.n]))
			p.n++;
	}
	for (size_t j = 0; j < sent->n; j++) {
		const struct store_meeting *was = &sent->meetings[j];
		int past;

		if (used[j] || was->cancelled)
			continue;
		past = starts_before(cfg->timezone, was->date, was->start_min, now, err);
		if (past < 0)
			goto out;
		if (!past && drop(was, &p.actions[p.n]))
			p.n++;
	}
	qsort(p.actions, p.n, sizeof(*p.actions), cmp_action);
	*ret = p;
	p.actions = NULL;
	p.n = 0;
	rc = 0;
out:
	plan_release(&p);
	free(used);
	return rc;
}

void plan_release(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct plan_action *a = &p->actions[i];
		for (size_t j = 0; j < a->n_changes; j++) {
			free(a->changes_da[j]);
			free(a->changes_en[j]);
		}
		free(a->changes_da);
		free(a->changes_en);
		free(a->rcpt);
		store_meeting_release(&a->next);
	}
	free(p->actions);
	p->actions = NULL;
	p->n = 0;
}

static size_t count_msg(const struct plan_action *a, enum plan_msg msg)
{
	size_t n = 0;

	for (size_t i = 0; i < a->n_rcpt; i++)
		n += a->rcpt[i].msg == msg;
	return n;
}

static const char *people(size_t n)
{
	return n == 1 ? "person" : "people";
}

char *plan_describe(const struct plan_action *a)
{
	struct buf b;
	size_t n;

	buf_init(&b);
	switch (a->why) {
	case PLAN_NEW: {
		char *t = hhmm(a->next.start_min, a->next.end_min);
		n = count_msg(a, PLAN_MSG_INVITE);
		buf_addf(&b, "invite %zu %s to %s (%s, %s)", n, people(n), a->next.date, t, a->next.place);
		free(t);
		return buf_detach(&b, NULL);
	}
	case PLAN_CANCELLED:
		buf_addf(&b, "cancel %s for %zu %s (status = cancelled)", a->next.date, a->n_rcpt, people(a->n_rcpt));
		return buf_detach(&b, NULL);
	case PLAN_DROPPED:
		buf_addf(&b, "cancel %s for %zu %s (removed from the schedule; if the meeting moved, add"
			 " 'moved_from = %s' to its new section instead)", a->next.date, a->n_rcpt, people(a->n_rcpt),
			 a->next.date);
		return buf_detach(&b, NULL);
	case PLAN_CHANGED:
		n = count_msg(a, PLAN_MSG_UPDATE);
		buf_addf(&b, "update %s for %zu %s: ", a->next.date, n, people(n));
		for (size_t i = 0; i < a->n_changes; i++)
			buf_addf(&b, "%s%s", i ? "; " : "", a->changes_en[i]);
		break;
	case PLAN_PEOPLE:
		break;
	}
	for (size_t i = 0; i < a->n_rcpt; i++) {
		const struct plan_recipient *r = &a->rcpt[i];
		if (r->msg == PLAN_MSG_INVITE)
			buf_addf(&b, "%sinvite %s to %s", b.len ? "\n" : "", r->who->email, a->next.date);
		else if (r->msg == PLAN_MSG_REMOVE)
			buf_addf(&b, "%scancel %s for %s (no longer invited)", b.len ? "\n" : "", a->next.date,
				 r->who->email);
	}
	return buf_detach(&b, NULL);
}
