/* tovholder status [DATE]: who has answered what for a meeting, and how many mails wait for review. */
#include "cmd.h"
#include "dansk.h"
#include "log.h"
#include "paper.h"
#include "sender.h"
#include "util.h"
#include "vis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* Prints s (made visible) left-aligned in 'width' columns, counting characters, not UTF-8 bytes ("Holbæk" is
 * 6 wide). */
static void print_col(const char *s, int width)
{
	char *v = vis_dup(s);
	int chars = 0;

	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		chars += (*p & 0xC0) != 0x80;
	fputs(v, stdout);
	for (; chars < width; chars++)
		putchar(' ');
	putchar(' ');
	free(v);
}

static void local_time(time_t t, char *out, size_t n)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, n, "%d.%m.%Y %H:%M", &tm);
}

/* New times proposed for the meeting (issue 16): who, when in the group's time, and their comment. */
static void print_proposals(const struct store_proposal *pr, size_t n, const struct store_meeting *mt)
{
	for (size_t i = 0; i < n; i++) {
		const char *name = pr[i].email;
		char *when = dansk_period(pr[i].start, pr[i].end);

		for (size_t j = 0; j < mt->n_inv; j++)
			if (strcmp(mt->inv[j].email, pr[i].email) == 0)
				name = mt->inv[j].name;
		if (i == 0)
			printf("Forslag til nyt tidspunkt:\n");
		vis_printf("  %s foreslår %s%s%s%s\n", name, when, pr[i].comment ? " — \"" : "",
			   pr[i].comment ? pr[i].comment : "", pr[i].comment ? "\"" : "");
		free(when);
	}
}

int cmd_status(int argc, char **argv, struct ctx *ctx)
{
	struct store_proposal *pr = NULL;
	size_t n_pr = 0;
	struct store_snapshot snap = { 0 };
	struct store_record rec = { 0 };
	struct err err = { "" };
	const struct store_meeting *mt;
	const struct store_invitation **inv = NULL;
	size_t n = 0;
	int rc, n_review = 0, counts[6] = { 0 };
	static const char *const words[] = { "tilsagn", "afbud", "tentativ", "autosvar", "adresse afvist",
					     "ikke svaret" };

	int mail = argc > 1 && strcmp(argv[argc - 1], "--mail") == 0;

	if (argc > 2 + mail || (argc == 2 + mail && argv[1][0] == '-')) {
		fprintf(stderr, "usage: tovholder status [DATE] [--mail]\n");
		return EX_USAGE;
	}
	if ((rc = ctx_open_record(ctx, &snap)))
		goto out;
	rc = EX_DATAERR;
	if (!(mt = ctx_pick_meeting(ctx, &snap, argc == 2 + mail ? argv[1] : NULL)))
		goto out;
	if (mail) {
		/* the status mail to the tovholder, now */
		rc = sender_paper_now(ctx, mt, PAPER_STATUS);
		goto out;
	}
	rc = EX_SOFTWARE;
	if (store_record_load(ctx->store, mt->id, &rec, &err) < 0 || store_review_count(ctx->store, &n_review, &err) < 0 ||
	    store_proposals(ctx->store, mt->uid, &pr, &n_pr, &err) < 0) {
		log_error("%s", err.msg);
		goto out;
	}
	int y, m, d;
	util_parse_date(mt->date, &y, &m, &d);
	char *when = dansk_date_long(y, m, d), *span = dansk_timespan(mt->start_min, mt->end_min);
	vis_printf("%s — %s kl. %s%s\n", mt->summary, when, span, mt->cancelled ? " (AFLYST)" : "");
	free(when);
	free(span);
	inv = paper_invitees(mt, &n);
	for (size_t i = 0; i < n; i++) {
		const struct store_person_record *p = paper_record_of(&rec, inv[i]->email);
		const char *source = "", *word = "ikke svaret";
		char who[256], at[32] = "";
		struct store_person_record none = { 0 };

		if (!p)
			p = &none;
		word = paper_state_word(p, &source);
		for (size_t w = 0; w < 6; w++)
			if (strcmp(word, words[w]) == 0)
				counts[w]++;
		if (p->answer && strcmp(word, p->answer) == 0)
			local_time(p->at, at, sizeof(at));
		else if (strcmp(word, "autosvar") == 0)
			local_time(p->autoreply_at, at, sizeof(at));
		snprintf(who, sizeof(who), "%s%s%s%s", inv[i]->name, inv[i]->org[0] ? " (" : "", inv[i]->org,
			 inv[i]->org[0] ? ")" : "");
		printf("  ");
		print_col(who, 40);
		print_col(word, 14);
		print_col(source, 8);
		printf("%s", at);
		if (p->substitute)
			vis_printf("  stedfortræder: %s", p->substitute);
		if (p->note)
			vis_printf("  note: %s", p->note);
		if (strcmp(word, "adresse afvist") == 0)
			vis_printf("  %s", p->bounce);
		printf("\n");
	}
	printf("I alt %zu inviterede: %d tilsagn, %d afbud, %d tentativ, %d autosvar, %d adresse afvist, "
	       "%d ikke svaret\n", n, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]);
	print_proposals(pr, n_pr, mt);
	if (n_review)
		printf("%d mail%s venter på gennemsyn: tovholder review\n", n_review, n_review == 1 ? "" : "s");
	if (ctx->cfg.imap.present) {
		const char *id, *label;
		if (config_sender_trust(&ctx->cfg.imap, &id, &label) == AUTHRES_SERVICE_NONE)
			printf("Bemærk: svarene er kun kontrolleret på afsenderens From-adresse, og den kan forfalskes "
			       "(se [imap] authserv_id i man 5 tovholder.conf)\n");
	}
	rc = 0;
out:
	store_proposals_free(pr, n_pr);
	free(inv);
	store_record_release(&rec);
	store_snapshot_release(&snap);
	return rc;
}
