/* ZIP (APPNOTE 6.3.x) without compression: local header + data per entry, then the central directory and the
 * end record. Stored entries keep the writer small and are read by every ZIP reader, Word's included; a
 * referat is a few kilobytes, so compression would buy nothing. */
#include "zip.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define VERSION 20             /* 2.0: what Office and Python's zipfile write for stored entries */
#define FLAG_UTF8 0x0800       /* general purpose bit 11: the name is UTF-8 */
/* 1980-01-01 00:00, the first DOS date: a fixed stamp, so one record always gives the same bytes. */
#define DOS_TIME 0
#define DOS_DATE ((0 << 9) | (1 << 5) | 1)
#define LOCAL_LEN 30
#define CENTRAL_LEN 46
#define END_LEN 22
#define MAX_ENTRIES 0xFFFE     /* 0xFFFF means "see ZIP64" */
#define MAX_OFFSET 0xFFFFFFFEu

uint32_t zip_crc32(uint32_t crc, const void *data, size_t len)
{
	static uint32_t table[256];
	static int ready;
	const unsigned char *p = data;

	/* built on first use; the writer runs in one thread (a CLI command) */
	if (!ready) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		ready = 1;
	}
	crc = ~crc;
	for (size_t i = 0; i < len; i++)
		crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
	return ~crc;
}

static void put16(struct buf *b, unsigned v)
{
	unsigned char c[2] = { (unsigned char)(v & 0xFF), (unsigned char)((v >> 8) & 0xFF) };

	buf_add(b, c, sizeof(c));
}

static void put32(struct buf *b, uint32_t v)
{
	unsigned char c[4] = { (unsigned char)(v & 0xFF), (unsigned char)((v >> 8) & 0xFF),
			       (unsigned char)((v >> 16) & 0xFF), (unsigned char)((v >> 24) & 0xFF) };

	buf_add(b, c, sizeof(c));
}

static int ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

void zip_init(struct zip *z)
{
	memset(z, 0, sizeof(*z));
	buf_init(&z->out);
}

void zip_release(struct zip *z)
{
	for (size_t i = 0; i < z->n; i++)
		free(z->entries[i].name);
	free(z->entries);
	buf_release(&z->out);
	zip_init(z);
}

/* The fields the local and the central header share, from "version needed" to the extra field length. */
static void put_common(struct buf *b, const struct zip_entry *e)
{
	size_t name_len = strlen(e->name);

	put16(b, VERSION);
	put16(b, ascii(e->name) ? 0 : FLAG_UTF8);
	put16(b, 0);                  /* method: stored */
	put16(b, DOS_TIME);
	put16(b, DOS_DATE);
	put32(b, e->crc);
	put32(b, e->size);            /* compressed size = size: stored */
	put32(b, e->size);
	put16(b, (unsigned)name_len);
	put16(b, 0);                  /* extra field length */
}

int zip_add(struct zip *z, const char *name, const void *data, size_t len, struct err *err)
{
	size_t name_len = strlen(name);
	struct zip_entry *e;

	if (!name_len || name[0] == '/' || name_len > 0xFFFF)
		return err_set(err, "bad zip entry name '%.60s'", name);
	for (size_t i = 0; i < z->n; i++)
		if (strcmp(z->entries[i].name, name) == 0)
			return err_set(err, "zip entry '%.60s' added twice", name);
	/* room for this entry's local header and data, and for every central header and the end record: the
	 * offsets and sizes are 32-bit without ZIP64 */
	if (z->n >= MAX_ENTRIES || len > MAX_OFFSET ||
	    z->out.len + LOCAL_LEN + name_len + len + z->cd_len + CENTRAL_LEN + name_len + END_LEN > MAX_OFFSET)
		return err_set(err, "zip archive too large for entry '%.60s'", name);
	if (z->n == z->alloc) {
		z->alloc = z->alloc ? 2 * z->alloc : 8;
		z->entries = xrealloc(z->entries, z->alloc * sizeof(*z->entries));
	}
	e = &z->entries[z->n++];
	e->name = xstrdup(name);
	e->crc = zip_crc32(0, data, len);
	e->size = (uint32_t)len;
	e->offset = (uint32_t)z->out.len;
	z->cd_len += CENTRAL_LEN + name_len;
	put32(&z->out, SIG_LOCAL);
	put_common(&z->out, e);
	buf_add(&z->out, name, name_len);
	buf_add(&z->out, data, len);
	return 0;
}

char *zip_finish(struct zip *z, size_t *ret_len)
{
	size_t cd_start = z->out.len, cd_size;
	char *res;

	for (size_t i = 0; i < z->n; i++) {
		const struct zip_entry *e = &z->entries[i];

		put32(&z->out, SIG_CENTRAL);
		put16(&z->out, VERSION);      /* made by: MS-DOS, 2.0 (no Unix modes to carry) */
		put_common(&z->out, e);
		put16(&z->out, 0);            /* comment length */
		put16(&z->out, 0);            /* disk number start */
		put16(&z->out, 0);            /* internal attributes */
		put32(&z->out, 0);            /* external attributes */
		put32(&z->out, e->offset);
		buf_adds(&z->out, e->name);
	}
	cd_size = z->out.len - cd_start;
	put32(&z->out, SIG_END);
	put16(&z->out, 0);                    /* this disk */
	put16(&z->out, 0);                    /* the disk with the central directory */
	put16(&z->out, (unsigned)z->n);
	put16(&z->out, (unsigned)z->n);
	put32(&z->out, (uint32_t)cd_size);
	put32(&z->out, (uint32_t)cd_start);
	put16(&z->out, 0);                    /* comment length */
	res = buf_detach(&z->out, ret_len);
	zip_release(z);
	return res;
}
