/* libFuzzer: the handover file (tovholder modtag: store_import) into an in-memory state. What was imported must
 * export again, and that export must import (into a second state) and export to the same text: the next
 * coordinator hands the record on the same way. The two states are opened once (creating the schema is most
 * of the cost) and every import replaces the record, which is what 'replace' promises to do. */
#include <stdlib.h>

#include "fuzz.h"
#include "store.h"

static struct store *open_memory(void)
{
	struct err err = { "" };
	struct store *st = store_open(":memory:", &err);

	if (!st)
		abort();
	return st;
}

static struct store *st, *again;

/* So that a replay under valgrind ends with nothing allocated. */
static void close_stores(void)
{
	store_free(st);
	store_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err err = { "" };
	char *buf = xmalloc(size ? size : 1);

	if (!st) {
		st = open_memory();
		again = open_memory();
		atexit(close_stores);
	}
	if (size)
		memcpy(buf, data, size);
	if (store_import(st, buf, size, 1, &err) == 0) {
		size_t len1, len2;
		char *first = store_export(st, &len1, &err);

		if (!first)
			abort();
		if (store_import(again, first, len1, 1, &err) < 0)
			abort();   /* our own export refused */
		char *second = store_export(again, &len2, &err);
		if (!second || len1 != len2 || memcmp(first, second, len1) != 0)
			abort();
		free(second);
		free(first);
	}
	free(buf);
	return 0;
}
