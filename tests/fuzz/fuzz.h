/* Shared by the libFuzzer targets in tests/fuzz/: the entry point's prototype and a NUL-terminated copy. */
#ifndef TOVHOLDER_FUZZ_H
#define TOVHOLDER_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a C string: the parsers that take a length get the exact bytes (so ASan sees any read past
 * them); the ones that take a string get this copy. Caller frees. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);

	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
