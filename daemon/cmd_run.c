/* tovholder run: the service (loop.c does the work). */
#include "cmd.h"
#include "loop.h"

#include <stdio.h>
#include <sysexits.h>

int cmd_run(int argc, char **argv, struct ctx *ctx)
{
	if (argc > 1) {
		fprintf(stderr, "tovholder run: unknown argument '%s'\n", argv[1]);
		return EX_USAGE;
	}
	return loop_run(ctx->config_path, ctx->verbose);
}
