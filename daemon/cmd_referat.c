/* tovholder referat DATE: the attendance lines of the referat ("Afbud: … / Deltagere: … / Referat: …"). */
#include "cmd.h"
#include "log.h"
#include "referat.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static enum referat_answer answer_of(const struct store_person_record *p)
{
	if (!p || !p->answer)
		return REFERAT_NO_ANSWER;
	if (strcmp(p->answer, "tilsagn") == 0)
		return REFERAT_ACCEPTED;
	if (strcmp(p->answer, "afbud") == 0)
		return REFERAT_DECLINED;
	if (strcmp(p->answer, "tentativ") == 0)
		return REFERAT_TENTATIVE;
	return REFERAT_NO_ANSWER;
}

int cmd_referat(int argc, char **argv, struct ctx *ctx)
{
	struct store_snapshot snap = { 0 };
	struct store_record rec = { 0 };
	struct err err = { "" };
	struct referat_person *people = NULL;
	const struct store_meeting *mt;
	size_t n = 0;
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
	if (store_record_load(ctx->store, mt->id, &rec, &err) < 0) {
		log_error("%s", err.msg);
		goto out;
	}
	people = xcalloc(mt->n_inv + 1, sizeof(*people));
	for (size_t i = 0; i < mt->n_inv; i++) {
		const struct store_invitation *inv = &mt->inv[i];
		const struct store_person_record *p = NULL;

		if (!inv->invited)
			continue;
		for (size_t j = 0; j < rec.n && !p; j++)
			if (strcmp(rec.people[j].email, inv->email) == 0)
				p = &rec.people[j];
		people[n].name = inv->name;
		people[n].org = inv->org;
		people[n].email = inv->email;
		people[n].is_secretary = strcmp(inv->role, "sekretær") == 0;
		people[n].is_guest = strcmp(inv->role, "gæst") == 0;
		people[n].answer = answer_of(p);
		people[n].substitute = p ? p->substitute : NULL;
		n++;
	}
	lines = referat_lines(ctx->cfg.secretary, people, n);
	fputs(lines, stdout);
	rc = 0;
out:
	free(lines);
	free(people);
	store_record_release(&rec);
	store_snapshot_release(&snap);
	return rc;
}
