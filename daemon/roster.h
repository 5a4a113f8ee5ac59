/* The roster: roster.csv as Excel writes it (';' or ',', UTF-8 with/without BOM or Windows-1252, CRLF/LF, quotes). */
#ifndef TOVHOLDER_ROSTER_H
#define TOVHOLDER_ROSTER_H

#include <stddef.h>

#include "err.h"

enum role { ROLE_MEMBER, ROLE_SECRETARY, ROLE_GUEST };

struct person {
	char *name;   /* UTF-8 */
	char *org;    /* UTF-8, "" allowed */
	char *email;  /* lower-cased, valid */
	enum role role;
	int line;     /* line in the file, for messages */
};

struct roster {
	struct person *people; /* in file order */
	size_t n;
};

/* Parses the CSV text. Header "navn;organisation;email;rolle" in any order and case; roles "medlem",
 * "sekretær", "gæst" (any case; "sekretaer"/"gaest" accepted). Every problem goes into 'd' as
 * "filename:line: message". Returns 0 when there was none, else -1 (release the roster either way). */
int roster_parse_buf(struct roster *r, const char *buf, size_t len, const char *filename, struct diag *d);
int roster_load(struct roster *r, const char *path, struct diag *d);
void roster_release(struct roster *r);
/* By address, case-insensitive; NULL if absent. */
const struct person *roster_find(const struct roster *r, const char *email);
/* "medlem", "sekretær", "gæst". */
const char *roster_role_name(enum role role);

#endif
