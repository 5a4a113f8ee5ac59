/* tovholder plan: what `send` would do, one line per action. Sends nothing and writes nothing. */
#include "cmd.h"
#include "log.h"
#include "paper.h"
#include "plan.h"
#include "teamslink.h"
#include "tz.h"
#include "util.h"
#include "vis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

static const char *const paper_what[] = { "referat draft", "status mail", "attendance lines" };

static void local_minute(time_t t, char *out, size_t n)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M", &tm);
}

/* The paperwork `send` would mail now, and with 'ahead' when each coming meeting's draft and status mail are
 * due. Returns the number of mails due now, or -1. */
static int plan_paperwork(struct ctx *ctx, const struct store_snapshot *snap, time_t now, int ahead)
{
	struct paper_due due[32];
	struct err err = { "" };
	time_t next;
	int n = paper_due(ctx, snap, now, due, sizeof(due) / sizeof(due[0]), &next, &err);

	if (n < 0) {
		log_error("%s", err.msg);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const struct store_invitation *ref = paper_referent(due[i].mt);
		const char *to = due[i].kind == PAPER_STATUS || !ref ? ctx->cfg.organizer_email : ref->email;
		if (due[i].baseline)
			continue;
		printf("mail %s %s to %s%s%s\n", paper_what[due[i].kind], due[i].mt->date, to,
		       due[i].kind == PAPER_DRAFT && ref ? ", copy to " : "",
		       due[i].kind == PAPER_DRAFT && ref ? ctx->cfg.organizer_email : "");
	}
	for (size_t i = 0; ahead && i < snap->n; i++) {
		const struct store_meeting *mt = &snap->meetings[i];
		time_t start, at[2];
		int y, m, d, on[2] = { ctx->cfg.referat_mail_days >= 0, config_status_offset(&ctx->cfg) > 0 };
		char when[32];

		if (mt->cancelled || util_parse_date(mt->date, &y, &m, &d) < 0 ||
		    tz_local_to_utc(ctx->cfg.timezone, y, m, d, mt->start_min, &start, NULL) < 0 || start <= now)
			continue;
		if (on[0] && paper_draft_time(&ctx->cfg, mt->date, &at[0], &err) < 0)
			on[0] = 0;
		at[1] = start - config_status_offset(&ctx->cfg);
		for (int k = 0; k < 2; k++) {
			if (!on[k] || at[k] <= now)
				continue;
			local_minute(at[k], when, sizeof(when));
			printf("later: %s %s at %s\n", paper_what[k], mt->date, when);
		}
	}
	return n;
}

int cmd_plan(int argc, char **argv, struct ctx *ctx)
{
	struct store_snapshot snap = { 0 };
	struct plan p = { 0 };
	struct err err = { "" };
	struct teamslink_action *tl = NULL;
	size_t n_tl = 0;
	int rc, queued = 0, failed = 0, papers = 0, ahead = argc == 2 && strcmp(argv[1], "--ahead") == 0;

	if (argc > 1 + ahead) {
		fprintf(stderr, "tovholder plan: unknown argument '%s'\n", argv[1]);
		return EX_USAGE;
	}
	if ((rc = ctx_load_all(ctx)))
		return rc;
	/* A group that never sent anything has no state file yet: plan must not create one. */
	if (access(ctx->cfg.state_path, F_OK) == 0) {
		if ((rc = ctx_open_store(ctx)))
			return rc;
		if (store_load(ctx->store, &snap, &err) < 0 ||
		    store_outbox_counts(ctx->store, &queued, &failed, &err) < 0) {
			log_error("%s", err.msg);
			store_snapshot_release(&snap);
			return EX_SOFTWARE;
		}
	}
	if (plan_make(&ctx->cfg, &ctx->sched, &ctx->roster, &snap, util_now(), &p, &err) < 0) {
		log_error("%s", err.msg);
		store_snapshot_release(&snap);
		return EX_CONFIG;
	}
	if (teamslink_plan(&ctx->cfg, &p, &snap, &tl, &n_tl, &err) < 0) {
		log_error("%s", err.msg);
		plan_release(&p);
		store_snapshot_release(&snap);
		return EX_CONFIG;
	}
	for (size_t i = 0; i < n_tl; i++) {
		char *line = teamslink_describe(&tl[i]);
		printf("%s\n", line);
		free(line);
	}
	free(tl);
	for (size_t i = 0; i < p.n; i++) {
		char *text = plan_describe(&p.actions[i]), *save = NULL;

		/* one action may take several lines (a change, then people added or removed): each its own line */
		for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			vis_printf("%s%s\n", line, p.actions[i].waiting_link ? " (once its Teams link is made)" : "");
		free(text);
	}
	if (ctx->store && (papers = plan_paperwork(ctx, &snap, util_now(), ahead)) < 0) {
		plan_release(&p);
		store_snapshot_release(&snap);
		return EX_SOFTWARE;
	}
	if (queued)
		printf("deliver %d message%s waiting in the outbox\n", queued, queued == 1 ? "" : "s");
	if (p.n == 0 && queued == 0 && n_tl == 0 && papers == 0)
		printf("nothing to do\n");
	plan_release(&p);
	store_snapshot_release(&snap);
	return 0;
}
