/* libFuzzer: an incoming iCalendar object (itip_parse), as found in a reply's calendar part. */
#include <stdlib.h>

#include <libical/ical.h>

#include "fuzz.h"
#include "itip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct itip_reply r = { 0 };
	struct err err = { "" };
	char *buf = xmalloc(size ? size : 1);

	if (size)
		memcpy(buf, data, size);
	if (itip_parse(buf, size, &r, &err) == 0) {
		/* What reply.c relies on after a successful parse. */
		if (!r.uid)
			abort();
		itip_reply_release(&r);
	}
	free(buf);
	/* libical keeps its temporary strings in a ring that it frees only when the ring wraps. Emptied here,
	 * each input frees what it allocated, and libFuzzer's per-input leak check stays cheap. */
	icalmemory_free_ring();
	return 0;
}
