/* A year's record for `fravær` and `rapport`: the meetings sent, the answers and the confirmed attendance read
 * from the store, the roster's organisations and the schedule's next year, counted by report_build. */
#ifndef TOVHOLDER_ANNUAL_H
#define TOVHOLDER_ANNUAL_H

#include "ctx.h"
#include "report.h"

/* Counts 'year' from snap (store_load of ctx's store) as of util_now(). Returns 0, or a sysexits code with the
 * error printed; release *ret with report_release on success. *ret borrows strings from ctx->sched. */
int annual_build(struct ctx *ctx, const struct store_snapshot *snap, int year, struct report *ret);
/* The current year in the group's time zone (TZ is set by ctx_load_config). */
int annual_this_year(void);
/* "2027" → 2027 (1900 … 9999); -1 for anything else. */
int annual_parse_year(const char *s);

#endif
