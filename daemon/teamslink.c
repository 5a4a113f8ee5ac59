/* Teams meetings through Microsoft Graph: planned from the plan (pure), done before invitations are queued,
 * and their attendance fetched after they were held. */
#include "teamslink.h"
#include "schedule.h"
#include "attendance.h"
#include "graph.h"
#include "log.h"
#include "tz.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATTENDANCE_FIRST  (10 * 60)       /* after the end: Teams makes the report within minutes */
#define ATTENDANCE_RETRY  (30 * 60)       /* then every half hour, doubling, */
#define ATTENDANCE_MAX    (6 * 3600)      /* at most every six hours, for [graph] attendance_for */

/* ---- planning (pure) ---- */

static int utc_span(const struct config *cfg, const struct store_meeting *m, time_t *start, time_t *end,
		    struct err *err)
{
	int y, mo, d;

	if (util_parse_date(m->date, &y, &mo, &d) < 0)
		return err_set(err, "bad date '%s'", m->date);
	if (tz_local_to_utc(cfg->timezone, y, mo, d, m->start_min, start, err) < 0 ||
	    tz_local_to_utc(cfg->timezone, y, mo, d, m->end_min, end, err) < 0)
		return -1;
	return 0;
}

int teamslink_plan(const struct config *cfg, const struct plan *p, const struct store_snapshot *sent,
		   struct teamslink_action **ret, size_t *ret_n, struct err *err)
{
	struct teamslink_action *v = xcalloc(p->n + 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct plan_action *a = &p->actions[i];
		const struct store_online *o = plan_online_find(sent, a->next.uid);
		int live = o && o->owned && o->graph_id && !o->deleted;
		struct teamslink_action t = { TEAMSLINK_CREATE, a, o, 0, 0 };

		if (a->m && a->m->teams && !a->next.cancelled) {
			if (utc_span(cfg, &a->next, &t.start, &t.end, err) < 0) {
				free(v);
				return -1;
			}
			if (!live)
				v[n++] = t;
			else if (o->start != t.start || o->end != t.end || strcmp(o->subject, a->next.summary) != 0)
				t.kind = TEAMSLINK_UPDATE, v[n++] = t;
		} else if (live) {
			/* cancelled, dropped from the schedule, or moved to a room */
			t.kind = TEAMSLINK_DELETE;
			v[n++] = t;
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

char *teamslink_describe(const struct teamslink_action *t)
{
	char when[32];

	switch (t->kind) {
	case TEAMSLINK_CREATE:
		return xasprintf("make the Teams meeting of %s in Microsoft Graph (its link goes in the invitations)",
				 t->a->next.date);
	case TEAMSLINK_UPDATE:
		graph_utc(t->start, when, sizeof(when));
		return xasprintf("move the Teams meeting of %s in Microsoft Graph (start %s)", t->a->next.date, when);
	case TEAMSLINK_DELETE:
		return xasprintf("delete the Teams meeting of %s in Microsoft Graph", t->a->next.date);
	}
	return xstrdup("");
}

/* ---- doing it ---- */

/* The row as it is in the state, as a copy to change and write back. */
static void row_from(struct store_online *row, const struct teamslink_action *t)
{
	memset(row, 0, sizeof(*row));
	row->owned = 1;
	row->uid = t->a->next.uid;
	memcpy(row->date, t->a->next.date, sizeof(row->date));
	if (t->row) {
		row->graph_id = t->row->graph_id;
		row->join_url = t->row->join_url;
		row->start = t->row->start;
		row->end = t->row->end;
		row->subject = t->row->subject;
		row->attendance_next = t->row->attendance_next;
		row->attendance_tries = t->row->attendance_tries;
		row->attendance_done = t->row->attendance_done;
	}
}

static int put(struct ctx *ctx, const struct store_online *row)
{
	struct err err = { "" };

	if (store_online_put(ctx->store, row, &err) < 0) {
		log_error("%s", err.msg);
		return -1;
	}
	return 0;
}

/* One step. 0 done, 1 try later, -1 state error. */
static int do_action(struct ctx *ctx, struct graph *g, const struct teamslink_action *t, long *retry_after)
{
	const struct plan_action *a = t->a;
	struct graph_meeting gm = { 0 };
	struct store_online row;
	struct err err = { "" };
	enum graph_result r = GRAPH_FAIL;
	char *ext;

	row_from(&row, t);
	switch (t->kind) {
	case TEAMSLINK_CREATE:
		/* the UID is written down first: whatever happens after, the next try asks with the same externalId */
		if (!t->row && put(ctx, &row) < 0)
			return -1;
		ext = graph_external_id(a->next.uid);
		r = graph_create_or_get(g, ext, a->next.summary, t->start, t->end, &gm, &err);
		free(ext);
		if (r != GRAPH_OK)
			break;
		row.graph_id = gm.id;
		row.join_url = gm.join_url;
		row.deleted = 0;
		row.start = t->start;
		row.end = t->end;
		row.subject = a->next.summary;
		if (put(ctx, &row) < 0) {
			graph_meeting_release(&gm);
			return -1;
		}
		log_info("[graph] made the Teams meeting of %s: %s", a->next.date, gm.join_url);
		graph_meeting_release(&gm);
		return 0;
	case TEAMSLINK_UPDATE:
		r = graph_update(g, t->row->graph_id, a->next.summary, t->start, t->end, &err);
		if (r != GRAPH_OK)
			break;
		row.start = t->start;
		row.end = t->end;
		row.subject = a->next.summary;
		if (put(ctx, &row) < 0)
			return -1;
		log_info("[graph] moved the Teams meeting of %s", a->next.date);
		return 0;
	case TEAMSLINK_DELETE:
		r = graph_delete(g, t->row->graph_id, &err);
		if (r != GRAPH_OK)
			break;
		row.deleted = 1;
		if (put(ctx, &row) < 0)
			return -1;
		log_info("[graph] deleted the Teams meeting of %s", a->next.date);
		return 0;
	}
	if (r == GRAPH_FORBIDDEN)
		log_error("[graph] %s; the other meetings are not held up", err.msg);
	else
		log_error("[graph] %s%s", err.msg, r == GRAPH_TEMPFAIL ? " (trying again later)" : "");
	if (graph_retry_after(g) > *retry_after)
		*retry_after = graph_retry_after(g);
	return 1;
}

int teamslink_sync(struct ctx *ctx, time_t now, long *ret_retry_after)
{
	struct store_snapshot snap = { 0 };
	struct plan p = { 0 };
	struct teamslink_action *v = NULL;
	struct err err = { "" };
	struct graph *g = NULL;
	size_t n = 0;
	int rc = -1, later = 0;

	*ret_retry_after = 0;
	if (store_load(ctx->store, &snap, &err) < 0 ||
	    plan_make(&ctx->cfg, &ctx->sched, &ctx->roster, &snap, now, &p, &err) < 0 ||
	    teamslink_plan(&ctx->cfg, &p, &snap, &v, &n, &err) < 0) {
		log_error("%s", err.msg);
		goto out;
	}
	rc = 0;
	if (n == 0)
		goto out;
	if (!ctx->cfg.graph.present) {
		/* check refuses "place = teams" without [graph]; a config changed under a running service lands here */
		log_error("the schedule has place = teams, but the config has no [graph] section: the invitations of "
			  "those meetings wait");
		rc = 1;
		goto out;
	}
	if (!(g = graph_new(&ctx->cfg.graph, &err))) {
		log_error("[graph] %s", err.msg);
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int r = do_action(ctx, g, &v[i], ret_retry_after);

		if (r < 0) {
			rc = -1;
			goto out;
		}
		later |= r;
	}
	rc = later;
out:
	graph_free(g);
	free(v);
	plan_release(&p);
	store_snapshot_release(&snap);
	return rc;
}

/* ---- attendance after the meeting ---- */

static const struct store_meeting *meeting_of(const struct store_snapshot *s, const char *uid)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->meetings[i].uid, uid) == 0)
			return &s->meetings[i];
	return NULL;
}

/* A Teams link written by hand (online_url on teams.microsoft.com): the attendance is fetched for it too, once
 * the meeting behind it is found by its join link. The row says owned 0, so it is never moved or deleted. */
static int is_teams_link(const char *url)
{
	return schedule_teams_url_valid(url);
}

static void backoff(struct graph *g, struct store_online *o, time_t now, long *ret_wait)
{
	long wait = (long)ATTENDANCE_RETRY << (o->attendance_tries < 4 ? o->attendance_tries : 4);

	if (wait > ATTENDANCE_MAX)
		wait = ATTENDANCE_MAX;
	if (graph_retry_after(g) > wait)
		wait = graph_retry_after(g);
	o->attendance_tries++;
	o->attendance_next = now + wait;
	*ret_wait = wait;
}

/* Looks up the meeting behind a hand-written link; the row is written either way. 0 found, 1 not yet, -1. */
static int find_hand_link(struct ctx *ctx, struct graph *g, const struct store_meeting *mt, struct store_online *o,
			  time_t now)
{
	struct graph_meeting gm = { 0 };
	struct err err = { "" };
	enum graph_result r = graph_find_by_join_url(g, mt->online_url, &gm, &err);
	long wait = 0;
	int rc = 1;

	if (r == GRAPH_OK) {
		free(o->graph_id);
		o->graph_id = gm.id;
		gm.id = NULL;
		rc = 0;
	} else {
		backoff(g, o, now, &wait);
		log_error("[graph] the Teams link of %s: %s (looking again in %ld minutes)", mt->date, err.msg, wait / 60);
	}
	graph_meeting_release(&gm);
	if (store_online_put(ctx->store, o, &err) < 0) {
		log_error("%s", err.msg);
		return -1;
	}
	return rc;
}

/* Fetches and records one meeting's reports. 0 recorded, 1 not yet (try later), -1 state error. */
static int fetch_one(struct ctx *ctx, struct graph *g, const struct store_meeting *mt, struct store_online *o,
		     time_t now)
{
	static const char *const name[] = { "Microsoft Graph" };
	struct teams_report rep;
	struct err err = { "" };
	enum graph_result r = graph_attendance(g, o->graph_id, o->start - 12 * 3600, o->start + 12 * 3600, &rep, &err);
	long wait;

	if (r == GRAPH_OK) {
		if (store_begin(ctx->store, &err) < 0 ||
		    attendance_import(ctx->store, mt, &ctx->roster, ctx->cfg.organizer_email, name, &rep, 1, NULL,
				      &err) < 0) {
			store_rollback(ctx->store);
			teams_report_release(&rep);
			log_error("%s", err.msg);
			return -1;
		}
		o->attendance_done = 1;
		if (store_online_put(ctx->store, o, &err) < 0 || store_commit(ctx->store, &err) < 0) {
			store_rollback(ctx->store);
			teams_report_release(&rep);
			log_error("%s", err.msg);
			return -1;
		}
		log_info("[graph] attendance of %s recorded from Teams: %zu participants", mt->date, rep.n);
		teams_report_release(&rep);
		return 0;
	}
	teams_report_release(&rep);
	backoff(g, o, now, &wait);
	if (r == GRAPH_NOT_FOUND)
		log_info("[graph] no attendance report of %s yet: looking again in %ld minutes", mt->date, wait / 60);
	else
		log_error("[graph] attendance of %s: %s (looking again in %ld minutes)", mt->date, err.msg, wait / 60);
	if (store_online_put(ctx->store, o, &err) < 0) {
		log_error("%s", err.msg);
		return -1;
	}
	return 1;
}

int teamslink_attendance(struct ctx *ctx, time_t now, time_t *ret_next)
{
	struct store_snapshot snap = { 0 };
	struct err err = { "" };
	struct graph *g = NULL;
	time_t next = 0;
	int rc = 0, loaded_again = 0;

	*ret_next = 0;
	if (!ctx->cfg.graph.present)
		return 0;
	if (store_load(ctx->store, &snap, &err) < 0) {
		log_error("%s", err.msg);
		return -1;
	}
	/* hand-written Teams links of meetings that have ended get a row, so the loop below handles them */
	for (size_t i = 0; i < snap.n; i++) {
		const struct store_meeting *mt = &snap.meetings[i];
		struct store_online o = { 0 };

		if (mt->cancelled || !is_teams_link(mt->online_url) || plan_online_find(&snap, mt->uid) ||
		    utc_span(&ctx->cfg, mt, &o.start, &o.end, &err) < 0 || o.end > now ||
		    now > o.end + ctx->cfg.graph.retry_for)
			continue;
		o.uid = mt->uid;
		memcpy(o.date, mt->date, sizeof(o.date));
		o.join_url = mt->online_url;
		o.subject = mt->summary;
		if (store_online_put(ctx->store, &o, &err) < 0) {
			log_error("%s", err.msg);
			store_snapshot_release(&snap);
			return -1;
		}
		loaded_again = 1;
	}
	if (loaded_again) {
		store_snapshot_release(&snap);
		if (store_load(ctx->store, &snap, &err) < 0) {
			log_error("%s", err.msg);
			return -1;
		}
	}
	for (size_t i = 0; i < snap.n_online && rc >= 0; i++) {
		struct store_online *o = &snap.online[i];
		const struct store_meeting *mt = meeting_of(&snap, o->uid);
		time_t due = o->attendance_next ? o->attendance_next : o->end + ATTENDANCE_FIRST;

		if ((o->owned && !o->graph_id) || o->deleted || o->attendance_done || !mt || mt->cancelled ||
		    now > o->end + ctx->cfg.graph.retry_for)
			continue;
		if (due > now) {
			next = next && next < due ? next : due;
			continue;
		}
		if (!g && !(g = graph_new(&ctx->cfg.graph, &err))) {
			log_error("[graph] %s", err.msg);
			break;
		}
		rc = o->graph_id ? 0 : find_hand_link(ctx, g, mt, o, now);
		if (rc == 0)
			rc = fetch_one(ctx, g, mt, o, now);
		if (rc == 1) {
			next = next && next < o->attendance_next ? next : o->attendance_next;
			rc = 0;
		}
	}
	graph_free(g);
	store_snapshot_release(&snap);
	*ret_next = next;
	return rc < 0 ? -1 : 0;
}
