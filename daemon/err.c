/* Error reporting helpers. */
#include "err.h"
#include "util.h"
#include "vis.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int err_set(struct err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void diag_init(struct diag *d)
{
	d->msgs = NULL;
	d->n = d->alloc = 0;
}

void diag_release(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	diag_init(d);
}

void diag_add(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (d->n == d->alloc) {
		d->alloc = d->alloc ? 2 * d->alloc : 8;
		d->msgs = xrealloc(d->msgs, d->alloc * sizeof(*d->msgs));
	}
	if (line > 0)
		d->msgs[d->n++] = xasprintf("%s:%d: %s", file, line, text);
	else
		d->msgs[d->n++] = xasprintf("%s: %s", file, text);
}

void diag_print(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		vis_fprintf(stderr, "%s\n", d->msgs[i]);   /* they quote the files' own text */
}
