/* libFuzzer: tovholder.conf text (config_parse_buf), the file the coordinator and the IT person edit. */
#include <stdlib.h>

#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct diag d;

	diag_init(&d);
	/* The exact bytes with no NUL after them: the parser must honour 'len'. */
	char *buf = xmalloc(size ? size : 1);
	if (size)
		memcpy(buf, data, size);
	config_parse_buf(&cfg, buf, size, "/etc/tovholder/tovholder.conf", &d);
	config_release(&cfg);
	diag_release(&d);
	free(buf);
	return 0;
}
