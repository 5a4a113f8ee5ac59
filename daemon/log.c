/* Logging to stderr; journald reads the "<N>" priority prefix when stderr is its stream. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int log_verbose;
static int log_journal;

void log_init(int verbose)
{
	const char *dbg = getenv("TOVHOLDER_DEBUG");

	log_verbose = verbose || (dbg && *dbg && *dbg != '0');
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (lvl == LOG_LVL_DEBUG && !log_verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_journal)
		fprintf(stderr, "<%d>%s\n", (int)lvl, line);
	else
		fprintf(stderr, "tovholder: %s%s\n",
			lvl == LOG_LVL_ERROR ? "error: " : lvl == LOG_LVL_WARN ? "warning: " : "", line);
}
