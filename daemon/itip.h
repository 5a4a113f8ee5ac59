/* iTIP (RFC 5546) objects with libical: REQUEST/CANCEL building, REPLY/COUNTER/REFRESH parsing. No I/O. */
#ifndef TOVHOLDER_ITIP_H
#define TOVHOLDER_ITIP_H

#include <stddef.h>
#include <time.h>

#include "err.h"

enum itip_method { ITIP_REQUEST, ITIP_CANCEL, ITIP_REPLY, ITIP_COUNTER, ITIP_REFRESH, ITIP_OTHER };

struct itip_attendee {
	const char *name;
	const char *email;
	const char *role;     /* "REQ-PARTICIPANT", "OPT-PARTICIPANT" or "NON-PARTICIPANT" */
};

struct itip_event {
	enum itip_method method;   /* ITIP_REQUEST or ITIP_CANCEL */
	const char *uid;
	int sequence;
	time_t dtstamp;
	const char *tzid;          /* "Europe/Copenhagen" */
	int year, month, day;
	int start_min, end_min;    /* local wall time, minutes after midnight */
	const char *summary;
	const char *location;      /* may be NULL */
	const char *url;           /* may be NULL */
	const char *description;   /* plain text, may be NULL */
	const char *organizer_name;
	const char *organizer_email;
	const struct itip_attendee *attendees;
	size_t n_attendees;
};

/* The whole VCALENDAR as text: METHOD, PRODID, VERSION, a VTIMEZONE for tzid, one VEVENT with UID, SEQUENCE,
 * DTSTAMP, DTSTART/DTEND;TZID=, SUMMARY, LOCATION, URL, DESCRIPTION, ORGANIZER;CN=, each ATTENDEE with CN,
 * ROLE, PARTSTAT=NEEDS-ACTION, RSVP=TRUE, CUTYPE=INDIVIDUAL, STATUS:CONFIRMED (CANCEL: STATUS:CANCELLED),
 * TRANSP, CLASS, X-MICROSOFT-CDO-BUSYSTATUS. The VTIMEZONE is tz_vtimezone(tzid, year, year) and the TZID has
 * no libical prefix. dtstamp 0 means now; end_min may be 1440 (midnight). CRLF line ends, folded at 75 octets
 * on UTF-8 character boundaries. NULL with err on bad input (date, zone, end ≤ start, address, role,
 * non-UTF-8 text, no attendees). Caller frees. */
char *itip_build(const struct itip_event *ev, struct err *err);

/* What an incoming calendar object says (filled by itip_parse, issue "replies"). */
struct itip_reply {
	enum itip_method method;   /* from the body's METHOD, not the MIME parameter */
	char *uid;
	char *attendee;            /* lower-cased, mailto: stripped; NULL if none */
	char *partstat;            /* "ACCEPTED", "DECLINED", "TENTATIVE", … upper-cased; NULL if none */
	char *comment;             /* COMMENT / X-CALENDARSERVER-PRIVATE-COMMENT, or NULL */
	time_t dtstamp;            /* 0 if absent */
	int sequence;
	time_t proposed_start;     /* COUNTER: the proposed DTSTART/DTEND in UTC; REPLY: a proposed time in
				      X-…PROPOSED…START/END (property, or parameter of the ATTENDEE); else 0 */
	time_t proposed_end;
	size_t n_attendees;        /* ATTENDEE lines in the VEVENT (a reply should have one) */
};

#define ITIP_PARSE_MAX (1024 * 1024)   /* itip_parse refuses larger objects */
#define ITIP_PARSE_ATTENDEES_MAX 1000  /* … events with more ATTENDEE lines */
#define ITIP_LINE_MAX (16 * 1024)      /* … a line it reads (unfolded) over this many bytes */
#define ITIP_LINES_MAX (ITIP_PARSE_ATTENDEES_MAX + 64)   /* … more lines it reads than this */

/* Parses an incoming VCALENDAR (CRLF or LF lines). libical sees only the first VEVENT's UID, DTSTAMP, DTSTART,
 * DTEND, DURATION, SEQUENCE, ATTENDEE and comments and the METHOD: never a VTIMEZONE, RRULE or other component,
 * so no object costs more than its length. A TZID is read by tz_zone_of_tzid, else the time is taken as UTC;
 * DTSTAMP is always UTC. Lenient on purpose: no iTIP restriction check, since Exchange
 * replies have no ORGANIZER and Google's carry a VALARM. With several ATTENDEEs the first whose PARTSTAT is not
 * NEEDS-ACTION is reported. Fills *ret (release with itip_reply_release) and returns 0; -1 with err on garbage,
 * a missing VEVENT or UID, more than ITIP_PARSE_MAX bytes, or a cap above exceeded. */
int itip_parse(const char *text, size_t len, struct itip_reply *ret, struct err *err);
/* Frees the strings of r and zeroes it; r may be zeroed already. */
void itip_reply_release(struct itip_reply *r);

#endif
