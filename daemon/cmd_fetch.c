/* tovholder fetch: one pass over the decision folders (folders.c) and the organizer's inbox (inbox.c). */
#include "cmd.h"
#include "folders.h"
#include "inbox.h"
#include "log.h"
#include "reply.h"
#include "sender.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

int cmd_fetch(int argc, char **argv, struct ctx *ctx)
{
	struct inbox_result res;
	struct folders_result fres;
	struct imap *imap = NULL;
	struct err err = { "" };
	int rc;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: tovholder fetch\n");
		return EX_USAGE;
	}
	if ((rc = ctx_load_all(ctx)) || (rc = ctx_lock(ctx, 1)) || (rc = ctx_open_store(ctx)))
		return rc;
	if ((rc = inbox_connect(ctx, &imap, &err))) {
		log_error("[imap] %s: %s%s", ctx->cfg.imap.url ? ctx->cfg.imap.url : "", err.msg,
			  rc == EX_TEMPFAIL ? ": try again later" : "");
		return rc;
	}
	/* the folders first: the inbox pass selects the inbox last, as the service's IDLE needs */
	if (folders_pass(ctx, imap, util_now(), NULL, NULL, &fres) < 0 ||
	    inbox_pass(ctx, imap, util_now(), NULL, NULL, &res) < 0) {
		imap_free(imap);
		return EX_SOFTWARE;
	}
	imap_free(imap);
	if (fres.reports) {
		struct outbox_result ores;

		/* the answers to the Teams reports, queued with their import */
		if (sender_deliver(ctx, util_now(), 0, NULL, NULL, &ores) == 0 && ores.stop != SMTP_OK)
			log_warn("%s: the answer to the Teams report waits for the next send", ores.stop_reason);
	}
	if (fres.answers || fres.ignored || fres.reports || fres.returned)
		printf("decided by folder: %d answer%s, %d ignored, %d Teams report%s, %d back to review\n",
		       fres.answers, fres.answers == 1 ? "" : "s", fres.ignored, fres.reports,
		       fres.reports == 1 ? "" : "s", fres.returned);
	if (fres.stop != IMAP_OK)
		log_error("[imap] %s%s", fres.stop_reason, fres.stop == IMAP_UNREACHABLE ? ": try again later" : "");
	if (res.no_new) {
		printf("no new mail\n");
	} else {
		char delayed[64] = "";

		/* delay warnings only when there are some: the line stays as it was for everyone else */
		if (res.counts[REPLY_DELAYED])
			snprintf(delayed, sizeof(delayed), ", %d delay warning%s", res.counts[REPLY_DELAYED],
				 res.counts[REPLY_DELAYED] == 1 ? "" : "s");
		printf("%d answer%s, %d automatic repl%s, %d bounce%s%s, %d resent, %d for review, %d not ours\n",
		       res.counts[REPLY_ANSWER], res.counts[REPLY_ANSWER] == 1 ? "" : "s", res.counts[REPLY_AUTOREPLY],
		       res.counts[REPLY_AUTOREPLY] == 1 ? "y" : "ies", res.counts[REPLY_BOUNCE],
		       res.counts[REPLY_BOUNCE] == 1 ? "" : "s", delayed, res.refreshes,
		       res.counts[REPLY_REVIEW], res.counts[REPLY_NOT_OURS]);
		if (res.refreshes_noted)
			printf("%d request%s to resend an invitation noted, not answered: one a day per person and "
			       "meeting\n", res.refreshes_noted, res.refreshes_noted == 1 ? "" : "s");
	}
	if (res.stop == IMAP_OK && fres.stop != IMAP_OK)
		return fres.stop == IMAP_UNREACHABLE ? EX_TEMPFAIL : EX_UNAVAILABLE;
	if (res.stop != IMAP_OK) {
		log_error("[imap] %s%s", res.stop_reason, res.stop == IMAP_UNREACHABLE ? ": try again later" : "");
		return res.stop == IMAP_UNREACHABLE ? EX_TEMPFAIL : EX_UNAVAILABLE;
	}
	return 0;
}
