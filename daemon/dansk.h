/* Danish forms: dates ("fredag den 5. marts 2027"), times ("kl. 10.00-13.00"), and the Danish alphabetical order. */
#ifndef TOVHOLDER_DANSK_H
#define TOVHOLDER_DANSK_H

#include <time.h>

/* "fredag den 5. marts 2027". Caller frees. */
char *dansk_date_long(int y, int m, int d);
/* "5. marts 2027". Caller frees. */
char *dansk_date(int y, int m, int d);
/* "10.00-13.00". Caller frees. */
char *dansk_timespan(int start_min, int end_min);
/* A period in the process's local time zone (the group's: ctx_load_config sets TZ): "fredag den 6. marts
 * 2027 kl. 09.30-10.30", "… kl. 09.30 til lørdag den 7. marts 2027 kl. 10.00", or "… kl. 09.30" when end is
 * not after start. Caller frees. */
char *dansk_period(time_t start, time_t end);
/* "marts" for 3, NULL outside 1-12. */
const char *dansk_month(int m);
/* "fredag" for ISO weekday 4 (0 = mandag). */
const char *dansk_weekday(int wd);
/* strcmp-like comparison of UTF-8 strings in Danish alphabetical order: case-insensitive, and
 * æ/ä, ø/ö, å/aa after z in that order (Ærø < Øster < Åbenrå). */
int dansk_collate(const char *a, const char *b);

#endif
