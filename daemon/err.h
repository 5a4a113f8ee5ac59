/* Error reporting: one message for one failure (struct err), or a list of every problem found (struct diag). */
#ifndef TOVHOLDER_ERR_H
#define TOVHOLDER_ERR_H

#include <stddef.h>

struct err {
	char msg[256];
};

/* Sets err->msg from a printf format; err may be NULL. Always returns -1, so callers can `return err_set(...)`. */
int err_set(struct err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Collected problems, each "file:line: message" (line 0: "file: message"). */
struct diag {
	char **msgs;
	size_t n, alloc;
};

void diag_init(struct diag *d);
void diag_release(struct diag *d);
/* Adds one problem. Never fails: on memory exhaustion the process aborts (xmalloc policy). */
void diag_add(struct diag *d, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Writes every problem, one per line, to stderr. */
void diag_print(const struct diag *d);

#endif
