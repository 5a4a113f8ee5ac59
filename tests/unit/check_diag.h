/* check_diag for the unit tests of the parsers that collect every problem (config, schedule, roster):
 * the diagnostics must be exactly 'want' (NULL-terminated), in order; otherwise both lists are printed and
 * the test fails. Include after cmocka.h. */
#ifndef TOVHOLDER_TEST_CHECK_DIAG_H
#define TOVHOLDER_TEST_CHECK_DIAG_H

#include <string.h>

#include "err.h"

static void check_diag(const struct diag *d, const char *const *want, const char *label)
{
	size_t n = 0;
	int same;

	while (want[n])
		n++;
	same = d->n == n;
	for (size_t i = 0; same && i < n; i++)
		same = strcmp(d->msgs[i], want[i]) == 0;
	if (same)
		return;
	print_error("case '%s':\n", label);
	for (size_t i = 0; i < d->n; i++)
		print_error("  got:  %s\n", d->msgs[i]);
	for (size_t i = 0; i < n; i++)
		print_error("  want: %s\n", want[i]);
	fail();
}

#endif
