/* tovholder referat DATE: the attendance lines of the referat ("Afbud: … / Deltagere: … / Referat: …"). */
#include "attendance.h"
#include "cmd.h"
#include "log.h"
#include "referat.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

int cmd_referat(int argc, char **argv, struct ctx *ctx)
{
	struct store_snapshot snap = { 0 };
	struct attendance att = { 0 };
	struct err err = { "" };
	const struct store_meeting *mt;
	char *lines = NULL;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: tovholder referat DATE\n");
		return EX_USAGE;
	}
	if ((rc = ctx_open_record(ctx, &snap)))
		goto out;
	rc = EX_DATAERR;
	if (!(mt = ctx_pick_meeting(ctx, &snap, argv[1])))
		goto out;
	rc = EX_SOFTWARE;
	/* after the meeting, who was there (fremmøde); before it, who answered what */
	if (attendance_load(ctx->store, mt, &att, &err) < 0) {
		log_error("%s", err.msg);
		goto out;
	}
	lines = referat_lines(ctx->cfg.secretary, att.people, att.n);
	fputs(lines, stdout);
	rc = 0;
out:
	free(lines);
	attendance_release(&att);
	store_snapshot_release(&snap);
	return rc;
}
