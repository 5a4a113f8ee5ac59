/* tovholder review [--done ID|all]: the mails that wait for a person's decision, and clearing them. */
#include "cmd.h"
#include "dansk.h"
#include "log.h"
#include "util.h"
#include "vis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* The new time a mail proposed, in the group's time and Danish, with the person's comment (issue 16). */
static void print_proposal(const struct store_proposal *pr, size_t n, const char *message_id)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(pr[i].message_id, message_id) != 0)
			continue;
		char *when = dansk_period(pr[i].start, pr[i].end);
		vis_printf("       foreslår: %s%s%s%s\n", when, pr[i].comment ? " — \"" : "", pr[i].comment ? pr[i].comment : "",
			   pr[i].comment ? "\"" : "");
		free(when);
		return;
	}
}

int cmd_review(int argc, char **argv, struct ctx *ctx)
{
	struct store_proposal *pr = NULL;
	size_t n_pr = 0;
	struct store_snapshot snap = { 0 };
	struct store_review *v = NULL;
	struct err err = { "" };
	size_t n = 0;
	int rc;

	if (argc != 1 && !(argc == 3 && strcmp(argv[1], "--done") == 0)) {
		fprintf(stderr, "usage: tovholder review [--done ID|all]\n");
		return EX_USAGE;
	}
	if ((rc = ctx_open_record(ctx, &snap)))
		goto out;
	rc = EX_SOFTWARE;
	if (argc == 3) {
		char *end;
		long long id = strcmp(argv[2], "all") == 0 ? 0 : strtoll(argv[2], &end, 10);
		if (id < 0 || (id && *end)) {
			fprintf(stderr, "tovholder review: '%s' is not an item number or 'all'\n", argv[2]);
			rc = EX_USAGE;
			goto out;
		}
		int done = store_review_done(ctx->store, id, &err);
		if (done < 0) {
			log_error("%s", err.msg);
			goto out;
		}
		if (done == 0 && id) {
			log_error("there is no review item %lld (see 'tovholder review')", id);
			rc = EX_DATAERR;
			goto out;
		}
		printf("%d item%s cleared\n", done, done == 1 ? "" : "s");
		rc = 0;
		goto out;
	}
	if (store_reviews(ctx->store, &v, &n, &err) < 0 || store_proposals(ctx->store, NULL, &pr, &n_pr, &err) < 0) {
		log_error("%s", err.msg);
		goto out;
	}
	if (n == 0)
		printf("no mail waits for review\n");
	else
		vis_printf("%zu mail%s wait%s for review in IMAP folder '%s':\n", n, n == 1 ? "" : "s", n == 1 ? "s" : "",
		       ctx->cfg.imap.review ? ctx->cfg.imap.review : "?");
	for (size_t i = 0; i < n; i++) {
		char at[32];
		struct tm tm;
		localtime_r(&v[i].date, &tm);
		strftime(at, sizeof(at), "%d.%m.%Y %H:%M", &tm);
		vis_printf("%3lld  %s  from %s  \"%s\"\n       %s\n", v[i].id, at, v[i].sender, v[i].subject, v[i].reason);
		print_proposal(pr, n_pr, v[i].message_id);
	}
	if (n)
		printf("When you have decided, record the answer with 'tovholder set DATE EMAIL …' and clear the item\n"
		       "with 'tovholder review --done ID'.\n");
	rc = 0;
out:
	store_proposals_free(pr, n_pr);
	store_reviews_free(v, n);
	store_snapshot_release(&snap);
	return rc;
}
