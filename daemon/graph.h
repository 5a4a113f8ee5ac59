/* Microsoft Graph for Teams meetings: the online meeting behind a scheduled meeting (made once, moved,
 * deleted) and its attendance reports. HTTPS with libcurl and JSON with json-c; the only file with json-c.
 * The access token comes from [graph] token_command / token_file (config_secret) and is asked for again once
 * when Graph answers 401. The token is never logged or put in an error message. */
#ifndef TOVHOLDER_GRAPH_H
#define TOVHOLDER_GRAPH_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "teams.h"

/* Caps on what Graph sends: a reply body, pages of a paged collection, attendance records of one meeting. */
#define GRAPH_MAX_BODY    (4u << 20)
#define GRAPH_MAX_PAGES   50
#define GRAPH_MAX_RECORDS 5000
#define GRAPH_MAX_REPORTS 20
#define GRAPH_ID_MAX      255  /* a meeting id: what a handover carries of a UID or Message-ID (store_handover.c) */
#define GRAPH_JSON_DEPTH  32

enum graph_result {
	GRAPH_OK,
	GRAPH_TEMPFAIL,    /* 429, 5xx, the network, a token command that asked for later: try again later */
	GRAPH_NOT_FOUND,   /* 404: no such meeting (or no report yet) */
	GRAPH_FORBIDDEN,   /* 403: a permission is missing (the message names it) */
	GRAPH_FAIL,        /* anything else: 400, 401 after a fresh token, a reply we cannot read */
};

struct graph_meeting {
	char *id;          /* Graph's id of the onlineMeeting */
	char *join_url;    /* joinWebUrl */
};

struct graph;

/* 'gc' is copied ([graph]: url, token_command / token_file, ca_file). No request is made yet. */
struct graph *graph_new(const struct server_config *gc, struct err *err);
void graph_free(struct graph *g);
/* After GRAPH_TEMPFAIL: the seconds the server asked us to wait (Retry-After), else 0. */
long graph_retry_after(const struct graph *g);
/* The HTTP status of the last reply, 0 when none came. */
long graph_last_status(const struct graph *g);

/* GET /me: the signed-in user's userPrincipalName (caller frees), for `check --online`. */
enum graph_result graph_me(struct graph *g, char **ret_upn, struct err *err);
/* POST /me/onlineMeetings/createOrGet: Graph makes the meeting once per external id and returns the same
 * meeting for the same id ever after. 'start'/'end' are UTC. Caller releases *ret (graph_meeting_release). */
enum graph_result graph_create_or_get(struct graph *g, const char *external_id, const char *subject, time_t start,
				      time_t end, struct graph_meeting *ret, struct err *err);
/* PATCH /me/onlineMeetings/{id}: a new subject or time. */
enum graph_result graph_update(struct graph *g, const char *id, const char *subject, time_t start, time_t end,
			       struct err *err);
/* DELETE /me/onlineMeetings/{id}. A meeting that is already gone is GRAPH_OK. */
enum graph_result graph_delete(struct graph *g, const char *id, struct err *err);
/* GET /me/onlineMeetings?$filter=JoinWebUrl eq '…': the meeting behind a join link written by hand. */
enum graph_result graph_find_by_join_url(struct graph *g, const char *join_url, struct graph_meeting *ret,
					 struct err *err);
/* The attendance reports of the meeting that began between 'from' and 'to' (a restarted meeting has several;
 * a recurring Teams link used for every meeting of the year has one per meeting, and only that day's count),
 * with all their records, following @odata.nextLink, joined into one report in the shape teams_parse gives
 * (one person per e-mail address or, without one, per name; durations summed; first_join the earliest join
 * in UTC, "2027-03-05T09:58:12Z"). GRAPH_NOT_FOUND when there is no such report yet. Caller releases *ret
 * with teams_report_release. */
enum graph_result graph_attendance(struct graph *g, const char *id, time_t from, time_t to, struct teams_report *ret,
				   struct err *err);

void graph_meeting_release(struct graph_meeting *m);

/* Pure, for the fuzzer and the tests: one page of attendanceRecords as Graph sends it ({"value": [...]}), its
 * records added to *r as graph_attendance adds them (r zeroed, or filled by earlier pages). 0, or -1 when the
 * body is not such a page or holds a record we cannot read; the records read before stay in *r either way. */
int graph_parse_records(const char *body, size_t len, struct teams_report *r);

/* Pure helpers, for the tests. The external id for a meeting's calendar UID (Graph takes any string; ours is
 * the UID itself, at most 128 characters, else its first 96 and a hash of the rest). Caller frees. */
char *graph_external_id(const char *uid);
/* UTC "2027-03-05T09:00:00Z" for a time_t, into out (at least 21 bytes). */
void graph_utc(time_t t, char *out, size_t outsz);

#endif
