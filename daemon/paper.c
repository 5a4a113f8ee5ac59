/* The paperwork by mail: which of the referat draft, the status mail and the confirmed attendance are due, and
 * the content they carry (the draft as `referat` makes it, the state of every invitee as `status` shows it). */
#include "paper.h"
#include "dansk.h"
#include "reason.h"
#include "referat.h"
#include "tz.h"
#include "util.h"
#include "vis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PAPER_OUTSIDE_MAX 200  /* bytes of a review item's sender or subject shown in the status mail */
#define PAPER_REASON_MAX 600   /* bytes of its reason: our Danish sentence (reason.c) with the detail in it */

static const char *const kind_names[] = { "draft", "status", "attendance" };

const char *paper_kind_name(enum paper_kind k)
{
	return kind_names[k];
}

int paper_draft_time(const struct config *cfg, const char *date, time_t *ret, struct err *err)
{
	int y, m, d, left = cfg->referat_mail_days;
	struct tm tm = { 0 };
	time_t day;

	if (util_parse_date(date, &y, &m, &d) < 0)
		return err_set(err, "bad meeting date '%s'", date);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	day = timegm(&tm);
	/* back one calendar day at a time, counting Monday to Friday only: the working day before a Monday
	 * meeting is the Friday */
	while (left > 0) {
		day -= 86400;
		gmtime_r(&day, &tm);
		if (tm.tm_wday >= 1 && tm.tm_wday <= 5)
			left--;
	}
	gmtime_r(&day, &tm);
	return tz_local_to_utc(cfg->timezone, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, cfg->referat_mail_min,
			       ret, err);
}

/* ---- the referat as it stands ---- */

/* The store's agenda ("a\nb\nc") as items; the strings are the caller's to free with the array. */
static char **split_agenda(const char *agenda, size_t *ret_n)
{
	char **v = NULL;
	size_t n = 0;

	for (const char *p = agenda ? agenda : ""; *p;) {
		size_t len = strcspn(p, "\n");
		if (len) {
			v = xrealloc(v, (n + 1) * sizeof(*v));
			v[n++] = xstrndup(p, len);
		}
		p += len + (p[len] == '\n');
	}
	*ret_n = n;
	return v;
}

/* The draft's meeting facts: the schedule's (what the coordinator maintains, and what guest_item numbers
 * count in), or what was last sent when the meeting has left the schedule. */
static void fill_doc(struct paper_doc *p, const struct ctx *ctx, const struct store_meeting *mt)
{
	const struct meeting *m = schedule_find(&ctx->sched, mt->date);
	struct referatdoc *d = &p->doc;
	int y = 0, mo = 0, dd = 0;

	util_parse_date(mt->date, &y, &mo, &dd);
	d->group = ctx->cfg.group_name;
	d->year = y;
	d->month = mo;
	d->day = dd;
	d->secretary = ctx->cfg.secretary;
	if (m) {
		d->start_min = m->start_min;
		d->end_min = m->end_min;
		d->place = m->place;
		d->online_url = m->online_url;
		d->agenda = (const char *const *)m->agenda;
		d->n_agenda = m->n_agenda;
		p->guests = xcalloc(m->n_guest_items + 1, sizeof(*p->guests));
		for (size_t i = 0; i < m->n_guest_items; i++)
			p->guests[i] = (struct referatdoc_guest){ m->guest_items[i].email, m->guest_items[i].item };
		d->guests = p->guests;
		d->n_guests = m->n_guest_items;
	} else {
		d->start_min = mt->start_min;
		d->end_min = mt->end_min;
		d->place = mt->place;
		d->online_url = mt->online_url;
		p->agenda = split_agenda(mt->agenda, &d->n_agenda);
		d->agenda = (const char *const *)p->agenda;
	}
	d->people = p->att.people;
	d->n_people = p->att.n;
}

int paper_doc_load(const struct ctx *ctx, const struct store_meeting *mt, struct paper_doc *ret, struct err *err)
{
	memset(ret, 0, sizeof(*ret));
	/* after the meeting, who was there (fremmøde); before it, who answered what */
	if (attendance_load(ctx->store, mt, &ret->att, err) < 0)
		return -1;
	fill_doc(ret, ctx, mt);
	return 0;
}

void paper_doc_release(struct paper_doc *p)
{
	if (p->agenda)
		for (size_t i = 0; i < p->doc.n_agenda; i++)
			free(p->agenda[i]);
	free(p->agenda);
	free(p->guests);
	attendance_release(&p->att);
	memset(p, 0, sizeof(*p));
}

void paper_hash(const char *lines, char *out)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)lines; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	snprintf(out, PAPER_HASH_LEN + 1, "%016llx", h);
}

const struct store_invitation *paper_referent(const struct store_meeting *mt)
{
	for (size_t i = 0; i < mt->n_inv; i++)
		if (mt->inv[i].invited && strcmp(mt->inv[i].role, "sekretær") == 0)
			return &mt->inv[i];
	return NULL;
}

/* ---- which are due ---- */

/* A draft or status mail: due between 'when' and the start, once. 1 due, 0 not (*next updated), -1 error. */
static int timed_due(const struct ctx *ctx, const struct store_meeting *mt, enum paper_kind kind, time_t when,
		     time_t start, time_t now, time_t *next, struct err *err)
{
	int done;

	if (now >= start)
		return 0;
	if (when > now) {
		if (!*next || when < *next)
			*next = when;
		return 0;
	}
	if ((done = store_paper_get(ctx->store, mt->id, paper_kind_name(kind), NULL, NULL, err)) < 0)
		return -1;
	return !done;
}

/* The attendance mail of a meeting that has started: due when its confirmed lines differ from those sent. */
static int attendance_due(const struct ctx *ctx, const struct store_meeting *mt, struct paper_due *out,
			  struct err *err)
{
	struct paper_doc pd;
	char *status = NULL, *hash = NULL, *lines = NULL;
	int rc = -1, found;

	if (paper_doc_load(ctx, mt, &pd, err) < 0)
		goto out;
	rc = 0;
	if (!pd.att.confirmed)
		goto out;
	lines = referatdoc_lines(&pd.doc);
	paper_hash(lines, out->hash);
	if ((found = store_paper_get(ctx->store, mt->id, paper_kind_name(PAPER_ATTENDANCE), &status, &hash,
				     err)) < 0) {
		rc = -1;
		goto out;
	}
	if (found && strcmp(hash, out->hash) == 0)
		goto out;
	out->baseline = found && strcmp(status, "baseline") == 0 && !*hash;
	rc = 1;
out:
	free(lines);
	free(status);
	free(hash);
	paper_doc_release(&pd);
	return rc;
}

int paper_due(const struct ctx *ctx, const struct store_snapshot *snap, time_t now, struct paper_due *out,
	      size_t max, time_t *ret_next, struct err *err)
{
	const struct config *cfg = &ctx->cfg;
	long status_before = config_status_offset(cfg);
	time_t next = 0;
	size_t n = 0;

	for (size_t i = 0; i < snap->n; i++) {
		const struct store_meeting *mt = &snap->meetings[i];
		time_t start, when[2] = { 0, 0 };
		int y, m, d, on[2] = { cfg->referat_mail_days >= 0, status_before > 0 };

		if (mt->cancelled || util_parse_date(mt->date, &y, &m, &d) < 0)
			continue;
		if (tz_local_to_utc(cfg->timezone, y, m, d, mt->start_min, &start, err) < 0 ||
		    (on[0] && paper_draft_time(cfg, mt->date, &when[0], err) < 0))
			return -1;
		when[1] = start - status_before;
		for (int k = 0; k < 2; k++) {
			int due;
			if (!on[k])
				continue;
			if ((due = timed_due(ctx, mt, (enum paper_kind)k, when[k], start, now, &next, err)) < 0)
				return -1;
			if (!due)
				continue;
			if (n == max) {
				next = now;  /* no room this time: the caller comes back at once for the rest */
				continue;
			}
			memset(&out[n], 0, sizeof(out[n]));
			out[n].mt = mt;
			out[n].kind = (enum paper_kind)k;
			out[n].when = when[k];
			n++;
		}
		if (cfg->attendance_mail && now >= start && n < max) {
			int due;
			memset(&out[n], 0, sizeof(out[n]));
			if ((due = attendance_due(ctx, mt, &out[n], err)) < 0)
				return -1;
			if (due) {
				out[n].mt = mt;
				out[n].kind = PAPER_ATTENDANCE;
				n++;
			}
		} else if (cfg->attendance_mail && now >= start) {
			next = now;
		}
	}
	*ret_next = next;
	return (int)n;
}

/* ---- the status mail ---- */

const char *paper_state_word(const struct store_person_record *p, const char **ret_source)
{
	*ret_source = "";
	if (p->answer && strcmp(p->answer, "ukendt") != 0) {
		*ret_source = p->source;
		return p->answer;
	}
	if (p->bounce)
		return "adresse afvist";
	if (p->autoreply)
		return "autosvar";
	if (p->answer)
		*ret_source = p->source;
	return "ikke svaret";
}

const struct store_person_record *paper_record_of(const struct store_record *rec, const char *email)
{
	for (size_t i = 0; i < rec->n; i++)
		if (strcmp(rec->people[i].email, email) == 0)
			return &rec->people[i];
	return NULL;
}

static int cmp_inv(const void *pa, const void *pb)
{
	const struct store_invitation *a = *(const struct store_invitation *const *)pa;
	const struct store_invitation *b = *(const struct store_invitation *const *)pb;
	int c = referat_org_cmp(a->org, b->org);

	return c ? c : dansk_collate(a->name, b->name);
}

const struct store_invitation **paper_invitees(const struct store_meeting *mt, size_t *ret_n)
{
	const struct store_invitation **inv = xcalloc(mt->n_inv + 1, sizeof(*inv));
	size_t n = 0;

	for (size_t i = 0; i < mt->n_inv; i++)
		if (mt->inv[i].invited)
			inv[n++] = &mt->inv[i];
	qsort(inv, n, sizeof(*inv), cmp_inv);
	*ret_n = n;
	return inv;
}

static char *local_time(time_t t)
{
	char out[32];
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, sizeof(out), "%d.%m.%Y %H:%M", &tm);
	return xstrdup(out);
}

/* Text from a mail, for the status mail: visible (no control reaches the text part) and at most 'cap' bytes,
 * cut at a character with "…". */
static char *outside_cap(const char *s, size_t cap)
{
	struct buf b;

	buf_init(&b);
	b.cap = cap;
	if (vis_add(&b, s ? s : "", strlen(s ? s : ""), VIS_LINE) < 0) {
		b.cap = 0;
		buf_adds(&b, "…");
	}
	return buf_detach(&b, NULL);
}

static char *outside(const char *s)
{
	return outside_cap(s, PAPER_OUTSIDE_MAX);
}

/* A growing list of strings, all owned. */
struct strv {
	char **v;
	size_t n;
};

static void strv_push(struct strv *s, char *owned)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = owned;
}

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static char *person_name(const struct store_invitation *inv)
{
	return inv->org[0] ? xasprintf("%s (%s)", inv->name, inv->org) : xstrdup(inv->name);
}

enum { COL_WHO, COL_ANSWER, COL_SOURCE, COL_AT, COL_NOTE, N_COLS };

/* One row of the table, and the lists a person belongs on. */
static void person_row(const struct store_invitation *inv, const struct store_person_record *p, struct strv *cells,
		       struct strv lists[3], int counts[6])
{
	static const char *const words[] = { "tilsagn", "afbud", "tentativ", "autosvar", "adresse afvist",
					     "ikke svaret" };
	const char *source = "", *word = paper_state_word(p, &source);
	char *who = person_name(inv), *at = xstrdup(""), *note, *sub = p->substitute ? outside(p->substitute) : NULL;

	for (size_t w = 0; w < 6; w++)
		if (strcmp(word, words[w]) == 0)
			counts[w]++;
	if (p->answer && strcmp(word, p->answer) == 0) {
		free(at);
		at = local_time(p->at);
	} else if (strcmp(word, "autosvar") == 0) {
		free(at);
		at = local_time(p->autoreply_at);
	}
	if (sub)
		note = xasprintf("stedfortræder: %s", sub);
	else if (strcmp(word, "adresse afvist") == 0)
		note = outside(p->bounce);
	else
		note = p->note ? outside(p->note) : xstrdup("");
	if (strcmp(word, "ikke svaret") == 0)
		strv_push(&lists[0], xstrdup(who));
	if (sub)
		strv_push(&lists[1], xasprintf("%s for %s", sub, who));
	if (strcmp(word, "adresse afvist") == 0)
		strv_push(&lists[2], xasprintf("%s <%s>: %s", who, inv->email, note));
	strv_push(cells, who);
	strv_push(cells, xstrdup(word));
	strv_push(cells, xstrdup(source));
	strv_push(cells, at);
	strv_push(cells, note);
	free(sub);
}

static void set_count(struct tmpl_vars *v, const char *name, long n)
{
	char s[24];

	snprintf(s, sizeof(s), "%ld", n);
	tmpl_set(v, name, s);
}

static void review_rows(struct tmpl_vars *v, const struct store_review *r, size_t n)
{
	static const char *const cols[] = { "fra", "overskrift", "modtaget", "grund" };
	struct strv cells = { 0 };

	for (size_t i = 0; i < n; i++) {
		strv_push(&cells, outside(r[i].sender));
		strv_push(&cells, outside(r[i].subject));
		strv_push(&cells, local_time(r[i].date));
		char *danish = reason_danish(r[i].reason_code, r[i].reason_args, r[i].reason);
		strv_push(&cells, outside_cap(danish, PAPER_REASON_MAX));
		free(danish);
	}
	tmpl_set_rows(v, "gennemsyn", cols, 4, (const char *const *)cells.v, n);
	tmpl_set(v, "venter", n ? "ja" : NULL);
	set_count(v, "antal_gennemsyn", (long)n);
	strv_free(&cells);
}

/* The new times proposed for the meeting (issue 16): who, when in the group's time, and their comment (outside
 * text, made visible and capped like the rest). */
static void proposal_rows(struct tmpl_vars *v, const struct store_meeting *mt, const struct store_proposal *pr,
			  size_t n)
{
	static const char *const cols[] = { "deltager", "tidspunkt", "kommentar" };
	struct strv cells = { 0 };

	for (size_t i = 0; i < n; i++) {
		const char *name = NULL;
		for (size_t j = 0; j < mt->n_inv && !name; j++)
			if (strcmp(mt->inv[j].email, pr[i].email) == 0)
				name = mt->inv[j].name;
		strv_push(&cells, outside(name ? name : pr[i].email));
		strv_push(&cells, dansk_period(pr[i].start, pr[i].end));
		strv_push(&cells, pr[i].comment ? outside(pr[i].comment) : xstrdup(""));
	}
	tmpl_set_rows(v, "forslag", cols, 3, (const char *const *)cells.v, n);
	tmpl_set(v, "har_forslag", n ? "ja" : NULL);
	strv_free(&cells);
}

int paper_status_vars(const struct ctx *ctx, const struct store_meeting *mt, struct tmpl_vars *v,
		      struct err *err)
{
	static const char *const cols[N_COLS] = { "deltager", "svar", "kilde", "tidspunkt", "bemaerkning" };
	static const char *const list_names[3] = { "ikke_svaret", "stedfortraedere", "afviste" };
	static const char *const flag_names[3] = { "har_ikke_svaret", "har_stedfortraedere", "har_afviste" };
	static const char *const count_names[6] = { "antal_tilsagn", "antal_afbud", "antal_tentativ",
						    "antal_autosvar", "antal_afvist", "antal_ikke_svaret" };
	struct store_record rec = { 0 };
	struct store_review *reviews = NULL;
	struct store_proposal *proposals = NULL;
	size_t n, n_reviews = 0, n_proposals = 0;
	const struct store_invitation **inv = paper_invitees(mt, &n);
	struct strv cells = { 0 }, lists[3] = { { 0 } };
	int counts[6] = { 0 }, rc = -1;

	if (store_record_load(ctx->store, mt->id, &rec, err) < 0 ||
	    store_reviews(ctx->store, &reviews, &n_reviews, err) < 0 ||
	    store_proposals(ctx->store, mt->uid, &proposals, &n_proposals, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct store_person_record *p = paper_record_of(&rec, inv[i]->email);
		struct store_person_record none = { 0 };
		person_row(inv[i], p ? p : &none, &cells, lists, counts);
	}
	tmpl_set_rows(v, "personer", cols, N_COLS, (const char *const *)cells.v, n);
	for (int k = 0; k < 3; k++) {
		tmpl_set_list(v, list_names[k], (const char *const *)lists[k].v, lists[k].n);
		/* a list's section repeats per item: its heading has a flag of its own */
		tmpl_set(v, flag_names[k], lists[k].n ? "ja" : NULL);
	}
	set_count(v, "antal_inviterede", (long)n);
	for (int k = 0; k < 6; k++)
		set_count(v, count_names[k], counts[k]);
	review_rows(v, reviews, n_reviews);
	proposal_rows(v, mt, proposals, n_proposals);
	tmpl_set(v, "mappe_gennemsyn", ctx->cfg.imap.review);
	tmpl_set(v, "mappe_afbud", ctx->cfg.imap.decline);
	tmpl_set(v, "mappe_tilsagn", ctx->cfg.imap.accept);
	tmpl_set(v, "mappe_ignorer", ctx->cfg.imap.ignore);
	tmpl_set(v, "mappe_fremmoede", ctx->cfg.imap.attendance);
	rc = 0;
out:
	strv_free(&cells);
	for (int k = 0; k < 3; k++)
		strv_free(&lists[k]);
	store_reviews_free(reviews, n_reviews);
	store_proposals_free(proposals, n_proposals);
	store_record_release(&rec);
	free(inv);
	return rc;
}
