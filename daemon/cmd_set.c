/* tovholder set DATE EMAIL tilsagn|afbud|tentativ|ukendt [--stedfortræder NAME] [--note TEXT]: an answer given by
 * phone, or decided from a mail in review. It wins over automatic ones until a newer reply arrives, and clears a
 * bounce noted for the address. */
#include "cmd.h"
#include "log.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static const char *const answers[] = { "tilsagn", "afbud", "tentativ", "ukendt" };

static int usage(void)
{
	fprintf(stderr, "usage: tovholder set DATE EMAIL tilsagn|afbud|tentativ|ukendt [--stedfortræder NAME]"
			" [--note TEXT]\n");
	return EX_USAGE;
}

int cmd_set(int argc, char **argv, struct ctx *ctx)
{
	struct store_snapshot snap = { 0 };
	struct err err = { "" };
	const struct store_meeting *mt;
	const char *answer = NULL, *substitute = NULL, *note = NULL;
	char *email = NULL;
	int rc, cleared = 0;

	if (argc < 4)
		return usage();
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++)
		if (strcmp(argv[3], answers[i]) == 0)
			answer = answers[i];
	if (!answer) {
		fprintf(stderr, "tovholder set: '%s' is not an answer: use tilsagn, afbud, tentativ or ukendt\n", argv[3]);
		return EX_USAGE;
	}
	for (int i = 4; i < argc; i++) {
		if ((strcmp(argv[i], "--stedfortræder") == 0 || strcmp(argv[i], "--stedfortraeder") == 0 ||
		     strcmp(argv[i], "--substitute") == 0) && i + 1 < argc)
			substitute = argv[++i];
		else if (strcmp(argv[i], "--note") == 0 && i + 1 < argc)
			note = argv[++i];
		else
			return usage();
	}
	if (substitute && strcmp(answer, "afbud") != 0) {
		fprintf(stderr, "tovholder set: a substitute (--stedfortræder) goes with 'afbud'\n");
		return EX_USAGE;
	}
	email = util_lower(xstrdup(argv[2]));
	if ((rc = ctx_open_record(ctx, &snap)))
		goto out;
	rc = EX_DATAERR;
	if (!(mt = ctx_pick_meeting(ctx, &snap, argv[1])))
		goto out;
	size_t i;
	for (i = 0; i < mt->n_inv && strcmp(mt->inv[i].email, email) != 0; i++)
		;
	if (i == mt->n_inv) {
		log_error("%s is not invited to %s (see 'tovholder status %s')", email, mt->date, mt->date);
		goto out;
	}
	struct store_answer a = {
		.meeting_id = mt->id, .email = email, .answer = answer, .source = "manuel", .at = util_now(),
		.substitute = substitute, .note = note, .message_id = NULL, .force = 1,
	};
	if (store_answer_put(ctx->store, &a, &err) < 0 ||
	    (cleared = store_bounce_clear(ctx->store, email, (time_t)INT64_MAX, &err)) < 0) {
		log_error("%s", err.msg);
		rc = EX_SOFTWARE;
		goto out;
	}
	/* the coordinator has reached the person: the address is no longer taken for dead (issue 15) */
	if (cleared)
		printf("%s: the bounce noted for the address is cleared\n", email);
	ctx_nudge(ctx);
	printf("%s %s: %s%s%s\n", mt->date, email, answer, substitute ? ", stedfortræder " : "",
	       substitute ? substitute : "");
	rc = 0;
out:
	free(email);
	store_snapshot_release(&snap);
	return rc;
}
