/* tovholder plan: what `send` would do, one line per action. Sends nothing and writes nothing. */
#include "cmd.h"
#include "log.h"
#include "plan.h"
#include "teamslink.h"
#include "util.h"
#include "vis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

int cmd_plan(int argc, char **argv, struct ctx *ctx)
{
	struct store_snapshot snap = { 0 };
	struct plan p = { 0 };
	struct err err = { "" };
	struct teamslink_action *tl = NULL;
	size_t n_tl = 0;
	int rc, queued = 0, failed = 0;

	if (argc > 1) {
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
		char *line = plan_describe(&p.actions[i]);
		vis_printf("%s%s\n", line, p.actions[i].waiting_link ? " (once its Teams link is made)" : "");
		free(line);
	}
	if (queued)
		printf("deliver %d message%s waiting in the outbox\n", queued, queued == 1 ? "" : "s");
	if (p.n == 0 && queued == 0 && n_tl == 0)
		printf("nothing to do\n");
	plan_release(&p);
	store_snapshot_release(&snap);
	return 0;
}
