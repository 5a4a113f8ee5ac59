/* libFuzzer: the handover file (tovholder modtag: store_import) into an in-memory state. What was imported must
 * export again, and that export must import (into a second state) and export to the same text: the next
 * coordinator hands the record on the same way. Importing the same file once more must give the same record:
 * 'replace' (modtag --force) replaces whatever the state holds. The two states are opened once (creating the
 * schema is most of the cost) and every import replaces the record, so a leftover of an earlier input that
 * 'replace' missed shows up too. */
#include <stdio.h>
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

/* Something that must not happen: says what, shows the text, and stops (libFuzzer keeps the input). */
static void fail(const char *what, const struct err *err, const char *text, size_t len)
{
	fprintf(stderr, "%s: %s\n", what, err->msg);
	if (text)
		fwrite(text, 1, len, stderr);
	abort();
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
		size_t len1, len2, len3;
		char *first = store_export(st, &len1, &err), *second, *third;

		if (!first)
			fail("export failed", &err, NULL, 0);
		if (store_import(again, first, len1, 1, &err) < 0)
			fail("our own export refused", &err, first, len1);
		second = store_export(again, &len2, &err);
		if (!second || len1 != len2 || memcmp(first, second, len1) != 0)
			fail("the export of the export differs", &err, second, second ? len2 : 0);
		if (store_import(st, buf, size, 1, &err) < 0)
			fail("the same file imported again, with replace, refused", &err, first, len1);
		third = store_export(st, &len3, &err);
		if (!third || len1 != len3 || memcmp(first, third, len1) != 0)
			fail("the same file imported again gives another record", &err, third, third ? len3 : 0);
		free(third);
		free(second);
		free(first);
	}
	free(buf);
	return 0;
}
