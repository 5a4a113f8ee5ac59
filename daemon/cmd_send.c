/* tovholder send: record what `plan` shows, then deliver it over one SMTP connection. */
#include "cmd.h"
#include "compose.h"
#include "log.h"
#include "outbox.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static int queue_changes(struct ctx *ctx, time_t now)
{
	struct store_snapshot snap = { 0 };
	struct plan p = { 0 };
	struct err err = { "" };
	struct compose *c = NULL;
	int rc = EX_SOFTWARE, n;

	if (store_load(ctx->store, &snap, &err) < 0)
		goto out;
	if (plan_make(&ctx->cfg, &ctx->sched, &ctx->roster, &snap, now, &p, &err) < 0) {
		rc = EX_CONFIG;
		goto out;
	}
	if (p.n && !(c = compose_new(&ctx->cfg, &err))) {
		rc = EX_CONFIG;
		goto out;
	}
	for (size_t i = 0; i < p.n; i++) {
		char *line = plan_describe(&p.actions[i]);
		log_info("%s", line);
		free(line);
	}
	if ((n = outbox_queue_plan(ctx->store, c, &p, now, &err)) < 0)
		goto out;
	rc = 0;
out:
	if (rc)
		log_error("%s", err.msg);
	compose_free(c);
	plan_release(&p);
	store_snapshot_release(&snap);
	return rc;
}

static int deliver(struct ctx *ctx, time_t now)
{
	struct outbox_result res;
	struct err err = { "" };
	char *password = NULL;
	struct smtp *smtp;
	int rc;

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
	rc = outbox_deliver(ctx->store, smtp, now, 1, &res, &err);
	smtp_free(smtp);
	if (rc < 0) {
		log_error("%s", err.msg);
		return EX_SOFTWARE;
	}
	if (res.sent || res.waiting || res.failed)
		printf("sent %d, waiting %d, refused %d\n", res.sent, res.waiting, res.failed);
	else
		printf("nothing to send\n");
	if (res.stop == SMTP_REFUSED) {
		log_error("%s refused us: %s (check [smtp] in the config)", ctx->cfg.smtp.url, res.stop_reason);
		return EX_UNAVAILABLE;
	}
	if (res.stop == SMTP_UNREACHABLE) {
		log_error("cannot reach %s: %s; %d message%s wait: run 'tovholder send' again later",
			  ctx->cfg.smtp.url, res.stop_reason, res.waiting, res.waiting == 1 ? "" : "s");
		return EX_TEMPFAIL;
	}
	if (res.waiting)
		return EX_TEMPFAIL;
	if (res.failed)
		return EX_UNAVAILABLE;
	return 0;
}

int cmd_send(int argc, char **argv, struct ctx *ctx)
{
	int rc;
	time_t now = util_now();

	if (argc > 1) {
		fprintf(stderr, "tovholder send: unknown argument '%s'\n", argv[1]);
		return EX_USAGE;
	}
	if ((rc = ctx_load_all(ctx)) || (rc = ctx_lock(ctx, 0)) || (rc = ctx_open_store(ctx)) ||
	    (rc = queue_changes(ctx, now)))
		return rc;
	return deliver(ctx, now);
}
