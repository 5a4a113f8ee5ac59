/* tovholder fravær [YEAR]: per person and per organisation, the held meetings of the year they were invited to,
 * present, afbud, and absent without afbud; as text, or as CSV for Excel. */
#include "annual.h"
#include "cmd.h"
#include "log.h"
#include "util.h"
#include "vis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define USAGE "usage: tovholder fravær [YEAR] [--sorter navn|organisation|fravær] [--csv [--organisationer]] " \
	      "[-o FILE]\n"

struct opts {
	int year;
	enum report_sort sort;
	int csv, orgs;
	const char *out;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	o->year = 0;
	o->sort = REPORT_SORT_NAME;
	o->csv = o->orgs = 0;
	o->out = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--csv") == 0) {
			o->csv = 1;
		} else if (strcmp(argv[i], "--organisationer") == 0) {
			o->orgs = 1;
		} else if (strcmp(argv[i], "--sorter") == 0 && i + 1 < argc) {
			if (report_sort_parse(argv[++i], &o->sort) < 0) {
				log_error("--sorter '%s': use navn, organisation or fravær", argv[i]);
				return -1;
			}
		} else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			o->out = argv[++i];
		} else if (argv[i][0] != '-' && !o->year) {
			if ((o->year = annual_parse_year(argv[i])) < 0) {
				log_error("'%s' is not a year: write it as e.g. 2027", argv[i]);
				return -1;
			}
		} else {
			fputs(USAGE, stderr);
			return -1;
		}
	}
	if (o->orgs && !o->csv) {
		log_error("--organisationer goes with --csv (the text shows both tables)");
		return -1;
	}
	return 0;
}

int cmd_fravaer(int argc, char **argv, struct ctx *ctx)
{
	struct store_snapshot snap = { 0 };
	struct report r = { 0 };
	struct err err = { "" };
	struct opts o;
	char *text = NULL;
	int rc;

	if (parse_opts(argc, argv, &o) < 0)
		return EX_USAGE;
	if ((rc = ctx_open_record(ctx, &snap)))
		goto out;
	if (!o.year)
		o.year = annual_this_year();
	if ((rc = annual_build(ctx, &snap, o.year, &r)))
		goto out;
	report_sort(&r, o.sort);
	if (o.csv)
		text = o.orgs ? report_csv_orgs(&r) : report_csv_people(&r);
	else
		text = report_absence_text(&r, ctx->cfg.group_name);
	if (o.out) {
		if (util_write_file(o.out, text, strlen(text), 0644, &err) < 0) {
			log_error("%s", err.msg);
			rc = EX_CANTCREAT;
			goto out;
		}
		log_info("wrote '%s'", o.out);
	} else {
		vis_fputs(text, stdout);
	}
	rc = 0;
out:
	free(text);
	report_release(&r);
	store_snapshot_release(&snap);
	return rc;
}
