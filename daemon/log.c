/* Logging to stderr; journald reads the "<N>" priority prefix when stderr is its stream. */
#include "log.h"
#include "buf.h"
#include "vis.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* A log line is one event: more than this of it is cut (at a character boundary) and marked "…". */
#define LOG_LINE_CAP 2000

static int log_verbose;
static int log_journal;

void log_init(int verbose)
{
	const char *dbg = getenv("TOVHOLDER_DEBUG");

	log_verbose = verbose || (dbg && *dbg && *dbg != '0');
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

/* Every message goes through vis_add as one line: a subject, UID or address in it can neither drive the
 * terminal nor start a journal line of its own ("\n<0>…" would be a second entry at emergency priority). */
void log_msg(enum log_level lvl, const char *fmt, ...)
{
	struct buf raw, line;
	va_list ap;

	if (lvl == LOG_LVL_DEBUG && !log_verbose)
		return;
	buf_init(&raw);
	buf_init(&line);
	va_start(ap, fmt);
	buf_vaddf(&raw, fmt, ap);
	va_end(ap);
	line.cap = LOG_LINE_CAP;
	if (vis_add(&line, raw.data, raw.len, VIS_LINE) < 0) {
		line.cap = 0;
		buf_adds(&line, "…");
	}
	if (log_journal)
		fprintf(stderr, "<%d>%s\n", (int)lvl, line.data);
	else
		fprintf(stderr, "tovholder: %s%s\n",
			lvl == LOG_LVL_ERROR ? "error: " : lvl == LOG_LVL_WARN ? "warning: " : "", line.data);
	buf_release(&raw);
	buf_release(&line);
}
