/* Danish forms: dates ("fredag den 5. marts 2027"), times ("kl. 10.00-13.00"), and the Danish alphabetical order. */
#ifndef TOVHOLDER_DANSK_H
#define TOVHOLDER_DANSK_H

/* "fredag den 5. marts 2027". Caller frees. */
char *dansk_date_long(int y, int m, int d);
/* "5. marts 2027". Caller frees. */
char *dansk_date(int y, int m, int d);
/* "10.00-13.00". Caller frees. */
char *dansk_timespan(int start_min, int end_min);
/* "marts" for 3, NULL outside 1-12. */
const char *dansk_month(int m);
/* "fredag" for ISO weekday 4 (0 = mandag). */
const char *dansk_weekday(int wd);
/* strcmp-like comparison of UTF-8 strings in Danish alphabetical order: case-insensitive, and
 * æ/ä, ø/ö, å/aa after z in that order (Ærø < Øster < Åbenrå). */
int dansk_collate(const char *a, const char *b);

#endif
