/* tovholder send: record what `plan` shows, then deliver it over one SMTP connection. */
#include "cmd.h"
#include "log.h"
#include "sender.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

int cmd_send(int argc, char **argv, struct ctx *ctx)
{
	int rc;
	time_t now = util_now();

	if (argc > 1) {
		fprintf(stderr, "tovholder send: unknown argument '%s'\n", argv[1]);
		return EX_USAGE;
	}
	struct outbox_result res;

	if ((rc = ctx_load_all(ctx)))
		return rc;
	/* A config that cannot log in is found before anything is recorded as waiting to be sent. */
	if (ctx->cfg.smtp.user) {
		struct err err = { "" };
		int temporary = 0;
		char *password = config_secret(&ctx->cfg.smtp, &temporary, &err);
		if (!password) {
			log_error("[smtp] %s", err.msg);
			return temporary ? EX_TEMPFAIL : EX_CONFIG;
		}
		explicit_bzero(password, strlen(password));
		free(password);
	}
	if ((rc = ctx_lock(ctx, 1)) || (rc = ctx_open_store(ctx)))
		return rc;
	time_t next_reminder, next_teams;

	if (sender_teams(ctx, now, 0, &next_teams) < 0 || sender_queue_changes(ctx, now) < 0 ||
	    sender_queue_reminders(ctx, now, &next_reminder) < 0 || sender_queue_paperwork(ctx, now, &next_reminder) < 0)
		return EX_SOFTWARE;
	if ((rc = sender_deliver(ctx, now, 1, NULL, NULL, &res)))
		return rc;
	return sender_report(ctx, &res);
}
