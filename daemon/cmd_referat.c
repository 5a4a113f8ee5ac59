/* tovholder referat DATE [--format txt|md|html|docx] [-o FILE]: the attendance lines of the referat ("Afbud: … /
 * Deltagere: … / Referat: …"), or with --format or -o the whole draft (heading, place, attendance, guests per
 * agenda item, the agenda with room for the minutes). */
#include "cmd.h"
#include "log.h"
#include "paper.h"
#include "referat.h"
#include "referatdoc.h"
#include "sender.h"
#include "util.h"
#include "vis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#define USAGE "usage: tovholder referat DATE [--format txt|md|html|docx] [-o FILE] | referat DATE --mail\n"

struct opts {
	const char *date;
	const char *out;
	int draft;                     /* --format or -o: the whole draft; else the attendance lines alone */
	int mail;                      /* --mail: mail the draft to the referent (and the tovholder) now */
	enum referatdoc_format format;
};

/* The format a file name asks for, by its extension. */
static int format_of_path(const char *path, enum referatdoc_format *ret)
{
	static const struct {
		const char *ext;
		enum referatdoc_format f;
	} exts[] = {
		{ ".txt", REFERATDOC_TXT }, { ".md", REFERATDOC_MD }, { ".html", REFERATDOC_HTML },
		{ ".htm", REFERATDOC_HTML }, { ".docx", REFERATDOC_DOCX },
	};
	size_t len = strlen(path);

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t el = strlen(exts[i].ext);
		if (len > el && strcasecmp(path + len - el, exts[i].ext) == 0) {
			*ret = exts[i].f;
			return 0;
		}
	}
	return -1;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	const char *format = NULL;

	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strncmp(argv[i], "--format=", 9) == 0)
			format = argv[i] + 9;
		else if (strcmp(argv[i], "--mail") == 0)
			o->mail = 1;
		else if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) && i + 1 < argc)
			o->out = argv[++i];
		else if (argv[i][0] != '-' && !o->date)
			o->date = argv[i];
		else
			goto usage;
	}
	if (!o->date || (o->mail && (format || o->out)))
		goto usage;
	if (format && referatdoc_format_parse(format, &o->format) < 0) {
		log_error("--format '%s': use txt, md, html or docx", format);
		return -1;
	}
	if (!format && o->out && format_of_path(o->out, &o->format) < 0) {
		log_error("cannot tell the format of '%s' from its name: add --format txt, md, html or docx", o->out);
		return -1;
	}
	o->draft = format || o->out;
	/* a ZIP on a terminal is noise and can upset it; said before anything is loaded */
	if (o->draft && o->format == REFERATDOC_DOCX && !o->out && isatty(STDOUT_FILENO)) {
		log_error("docx is not text: write it to a file with -o referat.docx");
		return -1;
	}
	return 0;
usage:
	fputs(USAGE, stderr);
	return -1;
}

/* A guest_item whose guest did not get the invitation (the schedule changed after the last send) would
 * silently be missing from "Samt under punkt …". */
static void warn_uninvited(const struct referatdoc *d, const char *date)
{
	for (size_t i = 0; i < d->n_guests; i++) {
		int found = 0;

		for (size_t j = 0; j < d->n_people && !found; j++)
			found = d->people[j].email && strcasecmp(d->people[j].email, d->guests[i].email) == 0;
		if (!found)
			log_warn("guest_item: '%s' has no invitation to %s yet, so the referat leaves them out: run "
				 "'tovholder send'", d->guests[i].email, date);
	}
}

static int write_out(const struct opts *o, const char *data, size_t len)
{
	struct err err = { "" };

	if (o->out) {
		if (util_write_file(o->out, data, len, 0644, &err) < 0) {
			log_error("%s", err.msg);
			return EX_CANTCREAT;
		}
		log_info("wrote '%s'", o->out);
		return 0;
	}
	/* Text on standard output may meet a terminal: names and agenda lines from outside are shown as text
	 * (a docx is bytes, and parse_opts keeps it off a terminal). */
	if (o->draft && o->format == REFERATDOC_DOCX ? fwrite(data, 1, len, stdout) != len :
	    vis_fputs(data, stdout) != 0) {
		log_error("cannot write the referat to standard output");
		return EX_IOERR;
	}
	if (fflush(stdout) != 0) {
		log_error("cannot write the referat to standard output");
		return EX_IOERR;
	}
	return 0;
}

int cmd_referat(int argc, char **argv, struct ctx *ctx)
{
	struct store_snapshot snap = { 0 };
	struct paper_doc pd = { 0 };
	struct err err = { "" };
	const struct store_meeting *mt;
	char *out = NULL;
	size_t len = 0;
	struct opts o;
	int rc;

	if (parse_opts(argc, argv, &o) < 0)
		return EX_USAGE;
	if ((rc = ctx_open_record(ctx, &snap)))
		goto out;
	rc = EX_DATAERR;
	if (!(mt = ctx_pick_meeting(ctx, &snap, o.date)))
		goto out;
	if (o.mail) {
		rc = sender_paper_now(ctx, mt, PAPER_DRAFT);
		goto out;
	}
	rc = EX_SOFTWARE;
	if (paper_doc_load(ctx, mt, &pd, &err) < 0) {
		log_error("%s", err.msg);
		goto out;
	}
	if (!o.draft) {
		/* the lines alone, in the form of the replies issue: scripts and the tests rely on them */
		out = referat_lines(ctx->cfg.secretary, pd.att.people, pd.att.n);
		len = strlen(out);
	} else {
		if (mt->cancelled)
			log_warn("the meeting on %s is cancelled", mt->date);
		warn_uninvited(&pd.doc, mt->date);
		if (referatdoc_render(&pd.doc, o.format, &out, &len, &err) < 0) {
			log_error("%s", err.msg);
			goto out;
		}
	}
	rc = write_out(&o, out, len);
out:
	free(out);
	paper_doc_release(&pd);
	store_snapshot_release(&snap);
	return rc;
}
