/* A minimal ZIP writer: stored (uncompressed) entries with CRC-32, enough for an OOXML package. Pure: in memory. */
#ifndef TOVHOLDER_ZIP_H
#define TOVHOLDER_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* The CRC-32 of ZIP and PNG (IEEE 802.3, reflected, polynomial 0xEDB88320). Start with crc 0; pass the result
 * back in to continue over the next piece. */
uint32_t zip_crc32(uint32_t crc, const void *data, size_t len);

struct zip_entry {
	char *name;
	uint32_t crc;
	uint32_t size;
	uint32_t offset;      /* of its local header in the archive */
};

struct zip {
	struct buf out;       /* local headers and data so far */
	struct zip_entry *entries;
	size_t n, alloc;
	size_t cd_len;        /* the central directory these entries will need */
};

void zip_init(struct zip *z);
void zip_release(struct zip *z);
/* Appends one stored entry; 'data' is copied. The name is a relative path with '/' (UTF-8, flagged as such).
 * Fails on an empty, absolute or duplicate name, or when the archive would need ZIP64 (4 GB, 65535 entries). */
int zip_add(struct zip *z, const char *name, const void *data, size_t len, struct err *err);
/* Writes the central directory and hands the archive to the caller (to free); z is left empty. */
char *zip_finish(struct zip *z, size_t *ret_len);

#endif
