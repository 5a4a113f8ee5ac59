/* tovholder fremmøde DATE [--teams FILE]… [--teams-graph] [--til-stede EMAIL…] [--fraværende EMAIL…] [--force]:
 * who was at a meeting, from the Teams attendance report (a file, or fetched from Microsoft Graph) or entered by
 * hand; without options, what is recorded. */
#include "attendance.h"
#include "buf.h"
#include "cmd.h"
#include "dansk.h"
#include "graph.h"
#include "log.h"
#include "referat.h"
#include "teams.h"
#include "tz.h"
#include "util.h"
#include "vis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

static int usage(void)
{
	fprintf(stderr, "usage: tovholder fremmøde DATE [--teams FILE]... [--teams-graph] [--til-stede EMAIL...] "
			"[--fraværende EMAIL...] [--force]\n");
	return EX_USAGE;
}

struct manual {
	char *email;
	int present;
};

struct opts {
	const char *date;
	const char **files;
	size_t n_files;
	struct manual *manual;
	size_t n_manual;
	int force;
	int graph;        /* --teams-graph: the reports are fetched from Microsoft Graph, as the last of 'files' */
};

#define GRAPH_SOURCE "Microsoft Graph"

static void opts_release(struct opts *o)
{
	for (size_t i = 0; i < o->n_manual; i++)
		free(o->manual[i].email);
	free(o->manual);
	free(o->files);
}

static int is_opt(const char *arg, const char *const *names)
{
	for (; *names; names++)
		if (strcmp(arg, *names) == 0)
			return 1;
	return 0;
}

static const char *const present_opts[] = { "--til-stede", "--tilstede", "--present", NULL };
static const char *const absent_opts[] = { "--fraværende", "--fravaerende", "--absent", NULL };

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int mode = -1;   /* after --til-stede 1, after --fraværende 0: the addresses that follow */

	if (argc < 2 || argv[1][0] == '-')
		return -1;
	o->date = argv[1];
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--teams") == 0 && i + 1 < argc) {
			o->files = xrealloc(o->files, (o->n_files + 1) * sizeof(*o->files));
			o->files[o->n_files++] = argv[++i];
			mode = -1;
		} else if (strcmp(argv[i], "--force") == 0) {
			o->force = 1;
		} else if (strcmp(argv[i], "--teams-graph") == 0 && !o->graph) {
			o->graph = 1;
			mode = -1;
		} else if (is_opt(argv[i], present_opts)) {
			mode = 1;
		} else if (is_opt(argv[i], absent_opts)) {
			mode = 0;
		} else if (argv[i][0] != '-' && mode >= 0) {
			o->manual = xrealloc(o->manual, (o->n_manual + 1) * sizeof(*o->manual));
			o->manual[o->n_manual].email = util_lower(util_trim(xstrdup(argv[i])));
			o->manual[o->n_manual++].present = mode;
		} else {
			return -1;
		}
	}
	if (o->graph) {
		o->files = xrealloc(o->files, (o->n_files + 1) * sizeof(*o->files));
		o->files[o->n_files++] = GRAPH_SOURCE;
	}
	return 0;
}

/* "2 t 55 min", "3 t", "45 min", "" when not known. */
static void format_duration(long s, char *out, size_t n)
{
	if (s < 0)
		snprintf(out, n, "%s", "");
	else if (s >= 3600 && s / 60 % 60 == 0)
		snprintf(out, n, "%ld t", s / 3600);
	else if (s >= 3600)
		snprintf(out, n, "%ld t %ld min", s / 3600, s / 60 % 60);
	else
		snprintf(out, n, "%ld min", (s + 30) / 60);
}

/* ---- recording ---- */

static int record(struct ctx *ctx, const struct store_meeting *mt, const struct opts *o, struct teams_report *rs,
		  struct err *err)
{
	int rc = -1;

	if (store_begin(ctx->store, err) < 0)
		return -1;
	if (attendance_import(ctx->store, mt, &ctx->roster, ctx->cfg.organizer_email, o->files, rs, o->n_files,
			      stdout, err) < 0)
		goto out;
	for (size_t i = 0; i < o->n_manual; i++) {
		struct store_attendance a = { .email = o->manual[i].email, .present = o->manual[i].present,
					      .source = "manuel", .duration_s = -1 };
		if (store_attendance_put(ctx->store, mt->id, &a, err) < 0)
			goto out;
	}
	rc = store_commit(ctx->store, err);
out:
	if (rc < 0)
		store_rollback(ctx->store);
	return rc;
}

/* ---- showing ---- */

static const struct store_attendance *row_of(const struct attendance *a, const char *email)
{
	for (size_t i = 0; i < a->att.n; i++)
		if (strcmp(a->att.people[i].email, email) == 0)
			return &a->att.people[i];
	return NULL;
}

static int cmp_person(const void *pa, const void *pb)
{
	const struct referat_person *a = *(const struct referat_person *const *)pa;
	const struct referat_person *b = *(const struct referat_person *const *)pb;
	int c = referat_org_cmp(a->org, b->org);

	return c ? c : dansk_collate(a->name, b->name);
}

/* Appends s (made visible) left-aligned in 'width' columns, counting characters, not UTF-8 bytes ("Holbæk" is
 * 6 wide). */
static void add_col(struct buf *b, const char *s, int width)
{
	size_t from = b->len;
	int chars = 0;

	vis_add(b, s, strlen(s), VIS_LINE);
	for (const unsigned char *p = (const unsigned char *)b->data + from; *p; p++)
		chars += (*p & 0xC0) != 0x80;
	for (; chars <= width; chars++)
		buf_addch(b, ' ');
}

/* Prints the line without its trailing blanks. */
static void put_line(struct buf *b)
{
	while (b->len && b->data[b->len - 1] == ' ')
		b->data[--b->len] = '\0';
	puts(b->data);
	buf_reset(b);
}

static void show(const struct store_meeting *mt, const struct attendance *a)
{
	const struct referat_person **v = xcalloc(a->n + 1, sizeof(*v));
	struct buf line;
	size_t n = 0, counts[3] = { 0 }, guests = 0, unmatched = 0;
	int y, m, d;
	char *when;

	util_parse_date(mt->date, &y, &m, &d);
	buf_init(&line);
	when = dansk_date_long(y, m, d);
	vis_printf("Fremmøde %s — %s\n", mt->summary, when);
	free(when);
	for (n = 0; n < a->n_invitees; n++)
		v[n] = &a->people[n];
	qsort(v, n, sizeof(*v), cmp_person);
	for (size_t i = 0; i < n; i++) {
		const struct referat_person *p = v[i];
		const struct store_attendance *row = row_of(a, p->email);
		const char *word = p->answer == REFERAT_PRESENT ? "til stede" :
				   p->answer == REFERAT_DECLINED ? "afbud" : "fraværende";
		char name[300], dur[32];

		counts[p->answer == REFERAT_PRESENT ? 0 : p->answer == REFERAT_DECLINED ? 1 : 2]++;
		snprintf(name, sizeof(name), "%s%s%s%s", p->name, p->org && *p->org ? " (" : "", p->org ? p->org : "",
			 p->org && *p->org ? ")" : "");
		format_duration(row ? row->duration_s : -1, dur, sizeof(dur));
		buf_adds(&line, "  ");
		add_col(&line, name, 40);
		add_col(&line, word, 11);
		add_col(&line, row ? row->source : "", 7);
		add_col(&line, dur, 10);
		if (row && row->report_name && strcmp(row->report_name, p->name) != 0)
			vis_addf(&line, " i rapporten: %s", row->report_name);
		if (p->answer == REFERAT_DECLINED && p->substitute)
			vis_addf(&line, " stedfortræder: %s", p->substitute);
		put_line(&line);
	}
	for (size_t i = 0; i < a->att.n_extra; i++) {
		const struct store_attendance_extra *x = &a->att.extra[i];
		char dur[32];

		format_duration(x->duration_s, dur, sizeof(dur));
		if (strcmp(x->kind, "unmatched") == 0) {
			vis_printf("  ikke placeret: linje %d: %s: %s\n", x->line, x->name, x->detail ? x->detail : "");
			unmatched++;
			continue;
		}
		guests += strcmp(x->kind, "guest") == 0;
		vis_printf("  %s: %s%s%s%s", strcmp(x->kind, "guest") == 0 ? "gæst" : "arrangør", x->name[0] ? x->name : x->email,
		       x->org[0] ? " (" : "", x->org, x->org[0] ? ")" : "");
		if (x->email[0] && x->name[0])
			vis_printf(" <%s>", x->email);
		vis_printf("%s%s\n", dur[0] ? "  " : "", dur);
	}
	vis_printf("I alt %zu inviterede: %zu til stede, %zu afbud, %zu fraværende; %zu gæst%s; %zu række%s ikke placeret\n", n,
	       counts[0], counts[1], counts[2], guests, guests == 1 ? "" : "er", unmatched, unmatched == 1 ? "" : "r");
	buf_release(&line);
	free(v);
}

/* ---- the command ---- */

static int check_manual(const struct store_meeting *mt, const struct opts *o)
{
	for (size_t i = 0; i < o->n_manual; i++) {
		size_t k;
		for (k = 0; k < mt->n_inv && !(mt->inv[k].invited && strcmp(mt->inv[k].email, o->manual[i].email) == 0); k++)
			;
		if (k == mt->n_inv) {
			log_error("%s is not invited to %s (see 'tovholder status %s')", o->manual[i].email, mt->date, mt->date);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(o->manual[j].email, o->manual[i].email) == 0 && o->manual[j].present != o->manual[i].present) {
				log_error("%s is both present and absent", o->manual[i].email);
				return -1;
			}
	}
	return 0;
}

/* Reads and parses every report; refuses one that is of another day unless --force. */
static int read_reports(struct ctx *ctx, const struct store_meeting *mt, const struct opts *o,
			struct teams_report *rs)
{
	struct teams_meeting tm;

	attendance_teams_meeting(ctx->cfg.timezone, mt, &tm);
	for (size_t f = 0; f < o->n_files - (o->graph ? 1 : 0); f++) {
		struct err err = { "" };
		size_t len;
		char *data = util_read_file(o->files[f], TEAMS_MAX_INPUT, &len, &err);
		int rc = data ? teams_parse(data, len, &tm, &rs[f], &err) : -1;

		free(data);
		if (rc < 0) {
			log_error("%s: %s", o->files[f], err.msg);
			return -1;
		}
		if (rs[f].day_ok == 0 && !o->force) {
			log_error("%s: the report is of a meeting that started '%s', not of %s (--force imports it anyway)",
				  o->files[f], rs[f].day_stamp, mt->date);
			return -1;
		}
	}
	return 0;
}

/* When the meeting begins (UTC), 0 when the date cannot be read. */
static time_t meeting_start(struct ctx *ctx, const struct store_meeting *mt)
{
	int y, m, d;
	time_t start;

	if (util_parse_date(mt->date, &y, &m, &d) < 0 ||
	    tz_local_to_utc(ctx->cfg.timezone, y, m, d, mt->start_min, &start, NULL) < 0)
		return 0;
	return start;
}

/* The meeting's attendance reports from Microsoft Graph, into *ret. The online meeting is the one whose join
 * link the schedule gives (online_url). 0, or a sysexits code after saying why: 75 when trying later may help
 * (no report yet, throttled, the network), 69 when Graph refused (a permission, the token), 78 without
 * [graph]. */
static int fetch_graph(struct ctx *ctx, const struct store_meeting *mt, struct teams_report *ret)
{
	struct graph_meeting gm = { 0 };
	struct err err = { "" };
	enum graph_result r;
	struct graph *g;

	if (!ctx->cfg.graph.present) {
		log_error("--teams-graph needs a [graph] section in %s (man 5 tovholder.conf)", ctx->cfg.path);
		return EX_CONFIG;
	}
	if (!mt->online_url[0]) {
		log_error("the meeting on %s has no Teams link (online_url) to look up in Microsoft Graph", mt->date);
		return EX_DATAERR;
	}
	if (!(g = graph_new(&ctx->cfg.graph, &err))) {
		log_error("%s", err.msg);
		return EX_CONFIG;
	}
	r = graph_find_by_join_url(g, mt->online_url, &gm, &err);
	if (r == GRAPH_OK) {
		time_t start = meeting_start(ctx, mt);

		/* a report that began within half a day of the planned start: the meeting may start late or early,
		 * and one Teams link may serve every meeting of the year */
		r = graph_attendance(g, gm.id, start - 12 * 3600, start + 12 * 3600, ret, &err);
	}
	graph_meeting_release(&gm);
	graph_free(g);
	switch (r) {
	case GRAPH_OK:
		return 0;
	case GRAPH_NOT_FOUND:
		log_error("Microsoft Graph: %s (Teams makes the report a few minutes after the meeting ends: try again "
			  "later)", err.msg);
		return EX_TEMPFAIL;
	case GRAPH_TEMPFAIL:
		log_error("Microsoft Graph: %s", err.msg);
		return EX_TEMPFAIL;
	default:
		log_error("Microsoft Graph: %s", err.msg);
		return EX_UNAVAILABLE;
	}
}

/* Attendance is a fact after the meeting has begun; before that it would only be a guess. */
static int has_started(struct ctx *ctx, const struct store_meeting *mt)
{
	time_t start = meeting_start(ctx, mt);

	return start && start <= util_now();
}

int cmd_fremmoede(int argc, char **argv, struct ctx *ctx)
{
	struct store_snapshot snap = { 0 };
	struct attendance att = { 0 };
	struct opts o = { 0 };
	struct teams_report *rs = NULL;
	struct err err = { "" };
	const struct store_meeting *mt;
	int rc;

	if (parse_opts(argc, argv, &o) < 0) {
		opts_release(&o);
		return usage();
	}
	rs = xcalloc(o.n_files + 1, sizeof(*rs));
	if ((rc = ctx_open_record(ctx, &snap)))
		goto out;
	rc = EX_DATAERR;
	if (!(mt = ctx_pick_meeting(ctx, &snap, o.date)))
		goto out;
	if (o.n_files || o.n_manual) {
		if (mt->cancelled) {
			log_error("the meeting on %s was cancelled", mt->date);
			goto out;
		}
		if (!has_started(ctx, mt)) {
			log_error("the meeting on %s has not begun: attendance is recorded after it", mt->date);
			goto out;
		}
		if (check_manual(mt, &o) < 0 || read_reports(ctx, mt, &o, rs) < 0)
			goto out;
		if (o.graph && (rc = fetch_graph(ctx, mt, &rs[o.n_files - 1])))
			goto out;
		rc = EX_SOFTWARE;
		if (record(ctx, mt, &o, rs, &err) < 0) {
			log_error("%s", err.msg);
			goto out;
		}
		/* the referent gets the final lines: from the running service now, else with the next send */
		ctx_nudge(ctx);
	}
	rc = EX_SOFTWARE;
	if (attendance_load(ctx->store, mt, &att, &err) < 0) {
		log_error("%s", err.msg);
		goto out;
	}
	if (!att.confirmed)
		vis_printf("no attendance recorded for %s: import the Teams report with --teams FILE, or name who was "
		       "there with --til-stede EMAIL...\n", mt->date);
	else
		show(mt, &att);
	rc = 0;
out:
	for (size_t f = 0; f < o.n_files; f++)
		teams_report_release(&rs[f]);
	free(rs);
	attendance_release(&att);
	opts_release(&o);
	store_snapshot_release(&snap);
	return rc;
}
