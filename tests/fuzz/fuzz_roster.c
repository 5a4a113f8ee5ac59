/* libFuzzer: roster.csv as Excel saves it (roster_parse_buf: BOM, Windows-1252, quotes, ';' or ','). */
#include <stdlib.h>

#include "fuzz.h"
#include "roster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct roster r;
	struct diag d;
	char *buf = xmalloc(size ? size : 1);

	if (size)
		memcpy(buf, data, size);
	diag_init(&d);
	roster_parse_buf(&r, buf, size, "roster.csv", &d);
	for (size_t i = 0; i < r.n; i++) {
		const struct person *p = &r.people[i];

		/* What the header promises: a valid address, found again by itself, and a known role. */
		if (!p->name || !p->org || !p->email || !util_email_valid(p->email))
			abort();
		if (!roster_find(&r, p->email))
			abort();
		(void)roster_role_name(p->role);
	}
	roster_release(&r);
	diag_release(&d);
	free(buf);
	return 0;
}
