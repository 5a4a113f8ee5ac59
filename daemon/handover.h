/* The handover file ("tovholder-overdragelse 1"): one mailable text file that carries a group from one tovholder
 * to the next, and the pieces that go into it (the config without secrets, the updated deltagerliste). Pure: no
 * I/O; the SHA-256 comes from GnuTLS.
 *
 * Format, version 1 (lines end in LF when written; a reader accepts CRLF, trailing blanks, text before the first
 * line and after the last, as mail clients add them):
 *   tovholder-overdragelse 1
 *   ; comment lines for a human who opens the file (not covered by the checksum)
 *   created 2027-01-10T12:00:00Z
 *   section NAME LENGTH           NAME in [a-z0-9_-], LENGTH the decoded size in bytes
 *   BASE64 lines of 76 characters  the section's bytes
 *   …more sections…
 *   end sha256 HEX                over "tovholder-overdragelse 1\ncreated TS\n" and, per section,
 *                                 "section NAME LENGTH\n" + the bytes + "\n"
 * Base64 because every byte then survives any mail transport (8-bit, line length, CRLF, "From " quoting); the
 * checksum is over the decoded bytes, so a re-wrapped or CRLF-converted file still reads, a changed one never. */
#ifndef TOVHOLDER_HANDOVER_H
#define TOVHOLDER_HANDOVER_H

#include <stddef.h>

#include "err.h"
#include "roster.h"

#define HANDOVER_VERSION 1
#define HANDOVER_MAX (16 * 1024 * 1024)  /* the largest file read; a group's record is a few hundred kB */
#define HANDOVER_MAX_SECTIONS 32

struct handover_section {
	char *name;
	char *data;          /* NUL-terminated for convenience; may hold NUL bytes */
	size_t len;
};

struct handover {
	char created[21];    /* "YYYY-MM-DDTHH:MM:SSZ" */
	struct handover_section *sec;
	size_t n;
};

void handover_init(struct handover *h);
void handover_release(struct handover *h);
/* Appends a section; data is copied. A name that is not [a-z0-9_-]{1,32}, a second section of that name, or
 * more than HANDOVER_MAX_SECTIONS is refused with -1. */
int handover_add(struct handover *h, const char *name, const char *data, size_t len, struct err *err);
/* The section of that name, or NULL. Points into h. */
const struct handover_section *handover_get(const struct handover *h, const char *name);

/* The file text (h->created must be set). Caller frees. -1 only when hashing fails. */
int handover_write(const struct handover *h, char **ret, size_t *ret_len, struct err *err);

enum handover_error {
	HANDOVER_OK,
	HANDOVER_NOT_OURS,   /* no "tovholder-overdragelse N" line */
	HANDOVER_FOREIGN,    /* another format version */
	HANDOVER_DAMAGED,    /* bad base64, wrong length, cut off, checksum mismatch, … */
};

/* Parses a handover file into h (which must be initialized; release it either way). Returns HANDOVER_OK, or
 * the kind of failure with the reason (and the line) in err. */
enum handover_error handover_read(struct handover *h, const char *buf, size_t len, struct err *err);

/* tovholder.conf as the new tovholder may see it: every key and comment line that names a password, a token or
 * a secret, and the state path of the old machine, replaced by a "; FILL IN: key = …" line; user:password@ cut
 * from URLs. Line ends become LF. Caller frees. */
char *handover_scrub_config(const char *text, size_t len);

/* The deltagerliste: roster.csv as Excel opens it (UTF-8 with BOM, ';', CRLF) with the columns navn,
 * organisation, email, rolle and bemærkning; remarks[i] (NULL or "" for none) is person i's bemærkning, e.g.
 * that mail to the address bounced. roster_parse_buf reads it back. Caller frees. */
char *handover_roster_csv(const struct roster *r, const char *const *remarks, size_t *ret_len);

#endif
