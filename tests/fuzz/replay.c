/* A main() for the fuzz targets without libFuzzer: runs LLVMFuzzerTestOneInput once on each file named on the
 * command line (or -n N times each), so the corpus can be replayed by any compiler, under valgrind or the
 * sanitizer build, and a crash input debugged with gdb. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int main(int argc, char **argv)
{
	struct err err = { "" };
	long rounds = 1;
	int i = 1, files = 0;

	if (argc > 2 && strcmp(argv[1], "-n") == 0) {
		rounds = strtol(argv[2], NULL, 10);
		i = 3;
	}
	for (; i < argc; i++) {
		size_t len;
		char *data = util_read_file(argv[i], 64u * 1024 * 1024, &len, &err);

		if (!data) {
			fprintf(stderr, "replay: %s\n", err.msg);
			return 1;
		}
		for (long r = 0; r < rounds; r++)
			LLVMFuzzerTestOneInput((const uint8_t *)data, len);
		free(data);
		files++;
	}
	fprintf(stderr, "replay: %d inputs, %ld rounds each\n", files, rounds);
	return 0;
}
