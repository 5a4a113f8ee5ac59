/* Why a mail waits for review: a stable code, its English text (logs, `tovholder review`) and its Danish text
 * (the mails to the tovholder), and the variable detail (a date, an address). The one table is in reason.c. */
#ifndef TOVHOLDER_REASON_H
#define TOVHOLDER_REASON_H

#include <stdarg.h>
#include <stddef.h>

enum reason_code {
	REASON_NONE,               /* no code: a review item stored before the codes (its English text is all) */
	REASON_FROM_FIELDS,        /* sender trust (README "How answers are read") */
	REASON_FROM_ADDRESSES,
	REASON_REPLY_TO_ONLY,
	REASON_FORGERY,
	REASON_FORGERY_NO_FROM,
	REASON_AUTH_UNREADABLE,
	REASON_AUTH_DMARC_FAIL,
	REASON_AUTH_UNALIGNED,
	REASON_NOT_INVITED,        /* who may answer */
	REASON_NO_LONGER_INVITED,
	REASON_WROTE_NOT_INVITED,
	REASON_CAL_UNKNOWN_MEETING, /* calendar mail */
	REASON_CAL_NO_ATTENDEE,
	REASON_CAL_PARTSTAT,
	REASON_CAL_UNDECODABLE,
	REASON_CAL_UNREADABLE,     /* broken, or refused (a VTIMEZONE made to cost CPU, too large, …) */
	REASON_COUNTER,
	REASON_PROPOSAL_RECORDED,
	REASON_REFRESH_UNMATCHED,
	REASON_CAL_OTHER_METHOD,
	REASON_BOUNCE_FOREIGN_IDS, /* bounces tied to nothing we sent */
	REASON_BOUNCE_NOT_SERVER,
	REASON_BOUNCE_NOT_MAILED,
	REASON_BOUNCE_NO_ADDRESS,
	REASON_DATES_SEVERAL,      /* free text */
	REASON_DATE_NO_MEETING,
	REASON_NO_MEETING,
	REASON_NO_TEXT,
	REASON_TEXT_UNDECODABLE,
	REASON_UNCLEAR_QUESTION,   /* free text the afbud reader could not decide (afbud.c's reasons) */
	REASON_UNCLEAR_CONDITIONAL,
	REASON_UNCLEAR_BEHALF,
	REASON_UNCLEAR_UNNAMED,
	REASON_UNCLEAR_PARTIAL,
	REASON_UNCLEAR_DECLINE_ACCEPT,
	REASON_UNCLEAR_DECLINE_TENTATIVE,
	REASON_UNCLEAR_NO_REFERENCE,
	REASON_UNCLEAR_EMPTY,
	REASON_UNCLEAR_NO_WORDING,
	REASON_UNCLEAR_OTHER,
	REASON_ALSO_QUESTION,
	REASON_POISON,             /* the mail stopped the service last time */
	REASON_TOO_LARGE,
	REASON_TNEF,
	REASON_FOLDER_PART_FETCH,  /* a mail the tovholder moved into a decision folder (folders.c) */
	REASON_FOLDER_PART_READ,
	REASON_FOLDER_NO_MEETING,
	REASON_FOLDER_NO_SENDER,
	REASON_FOLDER_STRANGER,
	REASON_FOLDER_CANCELLED,
	REASON_FOLDER_NOT_INVITED,
	REASON_REPORT_NONE,
	REASON_REPORT_TOO_LARGE,
	REASON_REPORT_UNREADABLE,
	REASON_REPORT_WRONG_DAY,
	REASON_REPORT_AMBIGUOUS,
	REASON_REPORT_NO_MEETING_DAY,
	REASON_REPORT_NO_MEETING,
	REASON_REPORT_TOO_MANY,
	REASON_COUNT
};

#define REASON_MAX_ARGS 4
#define REASON_ARG_MAX 256

/* A reason with its detail. An argument is text, cut at REASON_ARG_MAX bytes; outside text stays as it came
 * (show it through vis.h). */
struct reason {
	enum reason_code code;
	char args[REASON_MAX_ARGS][REASON_ARG_MAX];
};

/* Sets r to 'code' with as many const char * arguments as the table names for it (NULL reads as "?"). */
void reason_set(struct reason *r, enum reason_code code, ...);
void reason_vset(struct reason *r, enum reason_code code, va_list ap);
/* reason_vset, and the English text into 'english' (cut to n): what a review carries for the log. */
void reason_vexplain(struct reason *r, char *english, size_t n, enum reason_code code, va_list ap);
/* The text in English ('danish' 0) or Danish (1) into out (cut to n). An argument written %Dn in the Danish
 * text and holding a date YYYY-MM-DD is shown as "fredag den 5. marts 2027". */
void reason_text(const struct reason *r, int danish, char *out, size_t n);
/* The stable name stored with a review item ("unclear-conditional"), and back (REASON_NONE when unknown). */
const char *reason_key(enum reason_code code);
enum reason_code reason_of_key(const char *key);
/* The reason for an unclear free-text answer, from afbud.c's English reason (NULL: none given). */
enum reason_code reason_unclear(const char *afbud_reason);
/* The arguments as stored (joined by line breaks; one inside an argument becomes a blank), and back. The
 * first is the caller's to free. */
char *reason_args_join(const struct reason *r);
void reason_args_split(struct reason *r, const char *joined);
/* The Danish text of a stored review item: from its code and arguments, or its English text when it has no
 * code (stored before there were codes, or by a newer version). The caller frees it. */
char *reason_danish(const char *key, const char *args, const char *english);
/* For the tests: the table's texts for 'code' (NULL when out of range), and how many arguments it takes. */
const char *reason_format(enum reason_code code, int danish);
int reason_nargs(enum reason_code code);

#endif
