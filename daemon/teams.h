/* The Microsoft Teams attendance report (the .csv Teams offers for download): who was in an online meeting and
 * for how long. Pure: no I/O, no locale, no clock. */
#ifndef TOVHOLDER_TEAMS_H
#define TOVHOLDER_TEAMS_H

#include <stddef.h>

#include "err.h"

/* Caps on outside input: a real report of a 40-person meeting is a few kilobytes. */
#define TEAMS_MAX_INPUT (8u << 20)   /* bytes of the file */
#define TEAMS_MAX_LINES 50000

enum teams_format {
	TEAMS_SECTIONS,        /* 2021-: "1. Summary", "2. Participants" (one row per person), "3. In-Meeting …" */
	TEAMS_SUMMARY_TABLE,   /* 2020-21: "Meeting Summary" block, then one row per join ("Full Name", "Join Time") */
	TEAMS_ACTION_LOG,      /* 2020: "Full Name", "User Action" (Joined/Left), "Timestamp": a row per join/leave */
	TEAMS_TABLE,           /* a participants table alone (a report cut down and re-saved in Excel) */
};

/* One person in the report; several rows of the same person (rejoins, the old formats) are summed into one. */
struct teams_participant {
	char *name;        /* as Teams shows it, without "(External)", "(Unverified)", "(Guest)"; may be "" */
	char *email;       /* lower-cased, a valid address, or "" (guests by link, phone, the 2020 log) */
	char *upn;         /* the "Participant ID (UPN)" when it is an address, lower-cased, else "" */
	char *role;        /* "Organizer", "Presenter", "Attendee", … as written, or "" */
	long duration_s;   /* time in the meeting over every join, seconds; -1 when the report does not say */
	char *first_join;  /* the earliest join as written ("3/5/27, 9:58:12 AM"), or "" */
	int line;          /* the report line the person first appears on (1-based) */
};

/* A row of the participants table that could not be read: kept so that nobody is silently dropped. */
struct teams_bad_row {
	int line;
	char *text;        /* the row as written (UTF-8, cut at 300 bytes) */
	char *reason;      /* "duration '…' not understood", "unclosed quote", … */
};

struct teams_report {
	enum teams_format format;
	char *title;       /* from the summary, as written; "" when there is none */
	char *start;       /* the meeting's start as written (the summary's, else the log's first time), or "" */
	char *end;         /* or "" */
	int count;         /* the summary's participant count, -1 when it has none */
	struct teams_participant *people;  /* in the order of the report */
	size_t n;
	struct teams_bad_row *bad;
	size_t n_bad;
	int utc;           /* the report's times are in UTC ("First join (UTC)") */
	int day_ok;        /* 1 the report is of the meeting's day, 0 of another day, -1 cannot tell (no meeting
			    * given, no date in the report) */
	char *day_stamp;   /* the time stamp the day was read from (the start, else the first), or "" */
};

/* What the caller knows of the meeting the report should be of. */
struct teams_meeting {
	int y, m, d;          /* its date */
	long end_tod;         /* its end, local time, seconds after midnight; -1 unknown */
	long long end_utc;    /* the same end in seconds since 1970, for a report in UTC; -1 unknown */
};

/* Parses a report: UTF-16 LE/BE (BOM or not), UTF-8 (BOM or not) or Windows-1252; TAB, ';' or ',' separated.
 * The participants table is found by its shape, in any language: the table under the "2." heading of a
 * sectioned report, else the first table whose header is a row of words and whose columns hold a name and
 * e-mail addresses, join/leave time stamps or durations; header words we know (English, Danish) are a hint
 * that the cells must agree with. A join/leave log's actions are read as words we know or, in another language,
 * as the first action of each person being a join. Section 3 is not read (section 2 sums it). Time stamps
 * M/D/Y with AM/PM, D/M/Y, Y-M-D, two-digit years, a word between date and time ("à", "kl."), no-break spaces;
 * the order of day and month is what all of the report's dates allow and, when both do, the one that gives
 * mt's date. An interval without a leave ends at the report's end time, else at mt's end, never later.
 * 'mt' may be NULL (then day_ok is -1). Returns 0, or -1 with err (naming the line and what was expected) when
 * the data is not a report with a participants table. Release *ret with teams_report_release either way. */
int teams_parse(const char *data, size_t len, const struct teams_meeting *mt, struct teams_report *ret,
		struct err *err);
void teams_report_release(struct teams_report *r);

/* "1h 2m 10s", "45m", "8s", "2 t 5 min", "1 time 3 sek.", "1 h 2 min" (no-break spaces), "1 jam 5 menit",
 * "1:02:10", "2:05" → seconds; -1 when not a duration. */
long teams_duration(const char *s);
/* The time of day of a report time stamp ("3/5/27, 9:58:12 AM", "05/03/27, 09:58:12", "05-03-2027 09.58.12",
 * "05/03/2027 à 09:58:12", "05-03-2027 kl. 09.58", "2027-03-05T09:58:12Z", "11:02:00 AM") in seconds after
 * midnight; -1 when there is none. */
long teams_time_of_day(const char *stamp);
/* Whether a time stamp's date is y-m-d, read day-first or month-first (one stamp does not say which):
 * 1 yes, 0 no, -1 the stamp has no date we can read. */
int teams_date_matches(const char *stamp, int y, int m, int d);

/* Whether two person names are the same person: 2 when they have the same words in any order ("Kragh,
 * Dennis" = "Dennis Kragh"), ignoring case, punctuation, initials ("K."), and Danish and other letters
 * written with or without their marks ("Søren Ørsted" = "Soren Orsted" = "Soeren Oersted"); 1 when the words
 * of one (at least two) are all in the other ("Anne Dahl" ~ "Anne Mose Dahl"); 0 otherwise. */
int teams_name_match(const char *a, const char *b);

#endif
