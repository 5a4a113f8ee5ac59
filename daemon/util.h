/* Small helpers: allocation that never returns NULL, strings, e-mail addresses, dates, files, the clock. */
#ifndef TOVHOLDER_UTIL_H
#define TOVHOLDER_UTIL_H

#include <stddef.h>
#include <time.h>

#include "err.h"

/* Allocation: on exhaustion these print one line and abort; a daemon that cannot allocate cannot keep its
 * crash-safety promises anyway, so every caller is spared a NULL check. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Strips leading and trailing ASCII white space in place; returns s. */
char *util_trim(char *s);
/* ASCII lower-casing in place; returns s. */
char *util_lower(char *s);
/* 1 when s starts with prefix, ASCII case-insensitive. */
int util_istarts(const char *s, const char *prefix);
/* The value of a hex digit (either case), or -1. */
int util_hexval(char c);

/* A plain mailbox address local@domain.tld (ASCII, no spaces, no display name). 1 = valid. */
int util_email_valid(const char *addr);
/* "Name <addr>" or "addr" → name (may be "") and lower-cased addr, both caller-owned. -1 if no valid address. */
int util_parse_mailbox(const char *s, char **ret_name, char **ret_addr);
/* The domain part of an address (pointer into addr), or "" */
const char *util_email_domain(const char *addr);

/* "YYYY-MM-DD", a real calendar date. Returns 0 and sets y/m/d, or -1. */
int util_parse_date(const char *s, int *y, int *m, int *d);
/* t's local date (the group's zone: ctx_load_config sets TZ) as "YYYY-MM-DD" into out. */
void util_local_date(time_t t, char out[11]);
/* "HH:MM-HH:MM" (also "HH.MM"), end after start. Minutes after midnight. Returns 0 or -1. */
int util_parse_timespan(const char *s, int *ret_start, int *ret_end);
/* 0 = Monday … 6 = Sunday (ISO). */
int util_weekday(int y, int m, int d);
int util_days_in_month(int y, int m);

/* The current time. TOVHOLDER_NOW ("YYYY-MM-DDTHH:MM:SSZ" or seconds since the epoch) sets the clock to that
 * instant when the process first asks, from where it runs on at the real pace: for tests only. */
time_t util_now(void);
/* "YYYY-MM-DDTHH:MM:SSZ" → time_t; -1 on a bad string. */
time_t util_parse_utc(const char *s);

/* n random bytes as 2n lower-case hex digits (getrandom). Caller frees. */
char *util_random_hex(size_t n);

/* Reads a whole file, at most 'cap' bytes (larger → error). Returns a NUL-terminated buffer to free, or NULL. */
char *util_read_file(const char *path, size_t cap, size_t *ret_len, struct err *err);
/* Writes a file atomically with the given mode (less the umask): util_write_temp, then rename over 'path' (a
 * symlink at 'path' is replaced, not followed). The one way tovholder writes an output file. */
int util_write_file(const char *path, const char *data, size_t len, int mode, struct err *err);
/* Its first half: a new file beside 'path' made by mkostemp (never a planted symlink or file), written, given
 * the mode and synced; its name in *ret_tmp (caller frees, and renames it over 'path' or unlinks it). */
int util_write_temp(const char *path, const char *data, size_t len, int mode, char **ret_tmp, struct err *err);
/* path relative to the directory 'base_dir' unless absolute. Caller frees. */
char *util_path_join(const char *base_dir, const char *path);
/* The directory part of path ("." if none). Caller frees. */
char *util_dirname(const char *path);

#endif
