/* Sending for a group. */
#include "sender.h"
#include "compose.h"
#include "log.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

int sender_queue_changes(struct ctx *ctx, time_t now)
{
	struct store_snapshot snap = { 0 };
	struct plan p = { 0 };
	struct err err = { "" };
	struct compose *c = NULL;
	int n = -1;

	if (store_load(ctx->store, &snap, &err) < 0 ||
	    plan_make(&ctx->cfg, &ctx->sched, &ctx->roster, &snap, now, &p, &err) < 0)
		goto out;
	if (p.n && !(c = compose_new(&ctx->cfg, &err)))
		goto out;
	for (size_t i = 0; i < p.n; i++) {
		char *line = plan_describe(&p.actions[i]);
		log_info("%s", line);
		free(line);
	}
	n = outbox_queue_plan(ctx->store, c, &p, now, &err);
out:
	if (n < 0)
		log_error("%s", err.msg);
	compose_free(c);
	plan_release(&p);
	store_snapshot_release(&snap);
	return n;
}

int sender_deliver(struct ctx *ctx, time_t now, int all, int (*stop)(void *arg), void *arg,
		   struct outbox_result *res)
{
	struct err err = { "" };
	char *password = NULL;
	struct smtp *smtp;
	int rc;

	memset(res, 0, sizeof(*res));
	if (ctx->cfg.smtp.user && !(password = config_password(&ctx->cfg.smtp, &err))) {
		log_error("[smtp] %s", err.msg);
		return EX_CONFIG;
	}
	smtp = smtp_new(&ctx->cfg.smtp, password, ctx->cfg.organizer_email, &err);
	if (password) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	if (!smtp) {
		log_error("[smtp] %s", err.msg);
		return EX_CONFIG;
	}
	smtp_set_stop(smtp, stop, arg);
	rc = outbox_deliver(ctx->store, smtp, now, all, stop, arg, res, &err);
	smtp_free(smtp);
	if (rc < 0) {
		log_error("%s", err.msg);
		return EX_SOFTWARE;
	}
	return 0;
}
