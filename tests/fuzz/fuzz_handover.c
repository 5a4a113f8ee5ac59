/* libFuzzer: the handover file (tovholder modtag: store_import) into an in-memory state. An import yields data,
 * never an action: nothing queued to send, no message text, every invitee a plain lower-case address; and
 * store_check_record (modtag's check before it writes anything) says yes exactly when the import does. What was
 * imported must export again, and that export must import (into a second state) and export to the same text: the next
 * coordinator hands the record on the same way. Importing the same file once more must give the same record:
 * 'replace' (modtag --force) replaces whatever the state holds. The two states are opened once (creating the
 * schema is most of the cost) and every import replaces the record, so a leftover of an earlier input that
 * 'replace' missed shows up too. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "store.h"
#include "util.h"

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

/* What the whitelist promises of an imported record: abort() the moment one of them fails. */
static void check_data_only(struct store *s, const char *text, size_t len)
{
	struct store_snapshot snap = { 0 };
	struct store_outmsg *q = NULL;
	struct err err = { "" };
	int queued = -1, failed = -1;
	size_t n = 0;

	if (store_outbox_counts(s, &queued, &failed, &err) < 0 || queued != 0)
		fail("an import yielded a message to send", &err, text, len);
	if (store_queued(s, -1, &q, &n, &err) < 0 || n != 0)
		fail("an import yielded a message to send", &err, text, len);
	store_outmsgs_free(q, n);
	if (store_load(s, &snap, &err) < 0)
		fail("an imported record does not load", &err, text, len);
	for (size_t i = 0; i < snap.n; i++)
		for (size_t k = 0; k < snap.meetings[i].n_inv; k++) {
			const char *a = snap.meetings[i].inv[k].email;
			for (const char *p = a; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					fail("an import yielded an address roster.csv would not hold", &err, text, len);
			if (!util_email_valid(a))
				fail("an import yielded an address roster.csv would not hold", &err, text, len);
		}
	store_snapshot_release(&snap);
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
	/* store_check_record builds a fresh schema in memory, four times the cost of the rest: one input in eight
	 * (by length) is checked, both ways, so that the search stays fast */
	if (store_import(st, buf, size, 1, &err) == 0) {
		size_t len1, len2, len3;
		char *first, *second, *third;

		check_data_only(st, buf, size);
		if (size % 8 == 0 && store_check_record(buf, size, &err) < 0)
			fail("store_check_record refused what store_import took", &err, buf, size);
		first = store_export(st, &len1, &err);
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
	} else if (size % 8 == 0 && store_check_record(buf, size, &err) == 0) {
		fail("store_check_record took what store_import refused", &err, buf, size);
	}
	free(buf);
	return 0;
}
