/* Local time in a named zone (tz database), and a compact VTIMEZONE that Outlook, Google and Apple accept. */
#ifndef TOVHOLDER_TZ_H
#define TOVHOLDER_TZ_H

#include <time.h>

#include "err.h"

/* tz_local_to_utc and tz_vtimezone switch the process TZ for the duration of the call and restore it after:
 * not thread-safe (the daemon is single-threaded). */

/* 1 when 'zone' ("Europe/Copenhagen") is a zone of the system tz database. */
int tz_valid(const char *zone);
/* Local wall time y-m-d + minutes after midnight in zone zone → UTC time_t. -1 with err on a bad zone. */
int tz_local_to_utc(const char *zone, int y, int m, int d, int minutes, time_t *ret, struct err *err);
/* A VTIMEZONE component as iCalendar text (CRLF lines, BEGIN:VTIMEZONE … END:VTIMEZONE), TZID exactly
 * 'zone' (no libical prefix), with one STANDARD and (if the zone has DST) one DAYLIGHT sub-component whose
 * yearly RRULE reproduces the zone's transitions for every year from year_from to year_to. NULL with err when
 * the zone is unknown or its rules cannot be written as a yearly rule. Caller frees. The last few are kept
 * (while the zone's file is unchanged), held for the life of the process. */
char *tz_vtimezone(const char *zone, int year_from, int year_to, struct err *err);

/* The tz database zone for a TZID found in an incoming calendar object: a tz database name (also behind a
 * "/vendor/…/" prefix), or a Windows zone name or Outlook display name from a fixed table (CLDR
 * windowsZones). NULL when unknown, or when tzid is over TZ_ID_MAX bytes. Never reads a VTIMEZONE: the
 * result points into tzid or into the table. */
#define TZ_ID_MAX 256
const char *tz_zone_of_tzid(const char *tzid);
/* The fixed table, for tests: entry i's zone (NULL past the end) and its Windows or display name. */
size_t tz_windows_count(void);
const char *tz_windows_zone(size_t i, const char **ret_name);

#endif
