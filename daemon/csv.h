/* CSV for Excel: the one cell writer of every CSV tovholder writes (fravær --csv, the rapport CSVs, the
 * handover's deltagerliste), and its inverse for roster.csv. Pure. */
#ifndef TOVHOLDER_CSV_H
#define TOVHOLDER_CSV_H

#include "buf.h"

/* Appends s as one cell for ';'-separated CSV: quoted (RFC 4180, "" for a quote) when it holds ';', '"', a line
 * break or edge blanks. A cell Excel would run as a formula (it starts with = + - @, TAB or CR: OWASP's "CSV
 * injection") gets a leading apostrophe, Excel's mark for "this is text", unless it is a plain number such as
 * -3 or +4,5; so does a cell that already starts with apostrophes before such a character, so that
 * csv_unguard gives back exactly s. */
void csv_cell(struct buf *b, const char *s);
/* Undoes csv_cell's apostrophe in place: one leading ' is removed when only apostrophes and then one of
 * = + - @ TAB CR follow it (what Excel shows, too). Returns s. */
char *csv_unguard(char *s);

#endif
