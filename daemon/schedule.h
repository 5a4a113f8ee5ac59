/* The planned meetings of a group: schedule.ini, one section per meeting date. Pure: parses from memory. */
#ifndef TOVHOLDER_SCHEDULE_H
#define TOVHOLDER_SCHEDULE_H

#include <stddef.h>

#include "err.h"

enum meeting_status { MEETING_PLANNED, MEETING_CANCELLED };

/* "guest_item = EMAIL N": a guest of the meeting who comes for agenda item N (the referat's "Samt under
 * punkt N …"). Repeatable; one guest may come for several items. */
struct meeting_guest_item {
	char *email;          /* lower-cased; one of the meeting's guests */
	size_t item;          /* 1..n_agenda */
	int line;
};

struct meeting {
	char date[11];        /* "YYYY-MM-DD", the section name */
	int year, month, day;
	int start_min, end_min; /* minutes after local midnight, from "time = 10:00-13:00" */
	char *place;          /* "online" or a street address; never NULL */
	char *online_url;     /* NULL when absent */
	int teams;            /* "place = teams": place is "online", the Teams link is made through Microsoft Graph */
	char **agenda;        /* repeatable "agenda =" lines, in order */
	size_t n_agenda;
	char **guests;        /* "guests =" addresses, lower-cased (comma/space separated, repeatable) */
	size_t n_guests;
	char moved_from[11];  /* "moved_from = YYYY-MM-DD" or "" */
	enum meeting_status status;
	int line;             /* line of the section header, for messages */
	struct meeting_guest_item *guest_items; /* in file order; only ones naming a guest and an agenda item */
	size_t n_guest_items;
};

struct schedule {
	struct meeting *meetings; /* sorted by date */
	size_t n;
};

/* Parses schedule.ini text. Every problem goes into 'd' as "filename:line: message"; returns 0 when there was
 * none, else -1 (the schedule then holds what could be read, and must still be released). */
int schedule_parse_buf(struct schedule *s, const char *buf, size_t len, const char *filename, struct diag *d);
/* Reads and parses a file (at most 1 MB). */
int schedule_load(struct schedule *s, const char *path, struct diag *d);
void schedule_release(struct schedule *s);
/* The meeting of that date, or NULL. */
const struct meeting *schedule_find(const struct schedule *s, const char *date);
/* 1 when place is the literal "online" (any case), as "place = teams" is too. */
int meeting_is_online(const struct meeting *m);
/* 1 when url is an http(s) link with a host and no blanks or quotes: it goes into the invitation as it is
 * (the schedule's online_url, and a handed-over meeting's). */
int schedule_url_valid(const char *url);
/* A Teams join link: https://teams.microsoft.com/…, visible ASCII only. It goes into the invitations we send,
 * so one from Microsoft Graph or a handover must pass it. */
int schedule_teams_url_valid(const char *url);

#endif
