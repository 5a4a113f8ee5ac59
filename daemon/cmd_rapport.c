/* tovholder rapport YEAR [-o DIR]: the numbers behind the annual report, as one self-contained HTML page and the
 * CSV files beside it. */
#include "annual.h"
#include "cmd.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

/* The CSV files, "rapport-YEAR-<what>.csv", each from one view of the report. ASCII names: they are mailed. */
static const struct {
	const char *what;
	char *(*make)(const struct report *r);
} csv_files[] = {
	{ "moeder", report_csv_meetings },
	{ "kommuner", report_csv_kommuner },
	{ "organisationer", report_csv_orgs },
	{ "planlagte-moeder", report_csv_planned },
};

static int write_one(const char *dir, const char *name, char *data, struct err *err)
{
	char *path = xasprintf("%s/%s", dir, name);
	int rc = util_write_file(path, data, strlen(data), 0644, err);

	if (rc == 0)
		printf("%s\n", path);
	free(path);
	free(data);
	return rc;
}

static int today(char *out, size_t n)
{
	time_t now = util_now();
	struct tm tm;

	localtime_r(&now, &tm);
	return strftime(out, n, "%Y-%m-%d", &tm) ? 0 : -1;
}

static int write_all(struct ctx *ctx, const struct report *r, const char *dir)
{
	struct err err = { "" };
	char name[64], made[16] = "";

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		log_error("cannot create directory '%s': %s", dir, strerror(errno));
		return EX_CANTCREAT;
	}
	today(made, sizeof(made));
	snprintf(name, sizeof(name), "rapport-%d.html", r->year);
	if (write_one(dir, name, report_html(r, ctx->cfg.group_name, made), &err) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(csv_files) / sizeof(csv_files[0]); i++) {
		snprintf(name, sizeof(name), "rapport-%d-%s.csv", r->year, csv_files[i].what);
		if (write_one(dir, name, csv_files[i].make(r), &err) < 0)
			goto fail;
	}
	return 0;
fail:
	log_error("%s", err.msg);
	return EX_CANTCREAT;
}

int cmd_rapport(int argc, char **argv, struct ctx *ctx)
{
	struct store_snapshot snap = { 0 };
	struct report r = { 0 };
	const char *dir = ".";
	int year = -1, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (year < 0 && argv[i][0] != '-') {
			if ((year = annual_parse_year(argv[i])) < 0) {
				log_error("'%s' is not a year: write it as e.g. 2027", argv[i]);
				return EX_USAGE;
			}
		} else {
			year = -1;
			break;
		}
	}
	if (year < 0) {
		fprintf(stderr, "usage: tovholder rapport YEAR [-o DIR]\n");
		return EX_USAGE;
	}
	if ((rc = ctx_open_record(ctx, &snap)))
		goto out;
	if ((rc = annual_build(ctx, &snap, year, &r)))
		goto out;
	rc = write_all(ctx, &r, dir);
	if (!rc)
		log_info("%d: %zu meetings held, %zu municipalities, %zu planned in %d", year, r.n_held,
			 r.n_kommuner, r.n_planned, year + 1);
out:
	report_release(&r);
	store_snapshot_release(&snap);
	return rc;
}
