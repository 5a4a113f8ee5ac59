/* Microsoft Graph over HTTPS (libcurl) with JSON (json-c): onlineMeetings and their attendance reports.
 * Request and reply shapes are those of Microsoft's Graph v1.0 API reference: onlinemeeting-createorget,
 * onlinemeeting-update, onlinemeeting-delete, application-list-onlinemeetings ($filter=JoinWebUrl),
 * meetingattendancereport-list, attendancerecord-list, user-get; errors as in "Microsoft Graph error
 * responses and resource types" ({"error": {"code", "message"}}), throttling with Retry-After. */
#include "graph.h"
#include "schedule.h"
#include "buf.h"
#include "log.h"
#include "util.h"

#include <curl/curl.h>
#include <json-c/json.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GRAPH_DEFAULT_URL "https://graph.microsoft.com/v1.0"
#define EXTERNAL_ID_MAX   128

struct graph {
	char *base;                /* "https://host[:port]/v1.0", without a trailing '/' */
	char *origin;              /* "https://host[:port]/": where a nextLink may point */
	struct server_config sc;   /* token_file / token_command / ca_file (strings owned here) */
	char *token;
	CURL *curl;
	long status;
	long retry_after;
	char errbuf[CURL_ERROR_SIZE];
	struct buf body;
	int too_big;
};

/* ---- set-up ---- */

static char *origin_of(const char *url)
{
	const char *host = strstr(url, "://");
	const char *slash = host ? strchr(host + 3, '/') : NULL;

	return slash ? xstrndup(url, (size_t)(slash - url) + 1) : xasprintf("%s/", url);
}

struct graph *graph_new(const struct server_config *gc, struct err *err)
{
	static int curl_ready;
	const char *url = gc->url ? gc->url : GRAPH_DEFAULT_URL;
	struct graph *g;
	size_t n;

	if (strncasecmp(url, "https://", 8) != 0)
		return err_set(err, "[graph] url must start with https://"), NULL;
	if (!gc->token_file && !gc->token_command)
		return err_set(err, "[graph] needs token_command or token_file"), NULL;
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return err_set(err, "cannot initialise libcurl"), NULL;
		curl_ready = 1;
	}
	g = xcalloc(1, sizeof(*g));
	g->base = xstrdup(url);
	n = strlen(g->base);
	while (n > 8 && g->base[n - 1] == '/')
		g->base[--n] = '\0';
	g->origin = origin_of(g->base);
	g->sc.auth = CONFIG_AUTH_XOAUTH2;   /* a bearer token, from the same sources as for SMTP and IMAP */
	g->sc.token_file = gc->token_file ? xstrdup(gc->token_file) : NULL;
	g->sc.token_command = gc->token_command ? xstrdup(gc->token_command) : NULL;
	g->sc.ca_file = gc->ca_file ? xstrdup(gc->ca_file) : NULL;
	buf_init(&g->body);
	return g;
}

static void drop_token(struct graph *g)
{
	if (!g->token)
		return;
	explicit_bzero(g->token, strlen(g->token));
	free(g->token);
	g->token = NULL;
}

void graph_free(struct graph *g)
{
	if (!g)
		return;
	drop_token(g);
	if (g->curl)
		curl_easy_cleanup(g->curl);
	buf_release(&g->body);
	free(g->base);
	free(g->origin);
	free(g->sc.token_file);
	free(g->sc.token_command);
	free(g->sc.ca_file);
	free(g);
}

long graph_retry_after(const struct graph *g)
{
	return g->retry_after;
}

long graph_last_status(const struct graph *g)
{
	return g->status;
}

void graph_meeting_release(struct graph_meeting *m)
{
	free(m->id);
	free(m->join_url);
	m->id = m->join_url = NULL;
}

/* ---- pure helpers ---- */

void graph_utc(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *graph_external_id(const char *uid)
{
	unsigned long long h = 1469598103934665603ULL;   /* FNV-1a over the whole UID */
	size_t n = strlen(uid);

	if (n <= EXTERNAL_ID_MAX)
		return xstrdup(uid);
	for (const unsigned char *p = (const unsigned char *)uid; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return xasprintf("%.96s-%016llx", uid, h);
}

/* Text from Graph for a message: printable ASCII and UTF-8 kept, control characters as '?', cut. */
static void copy_text(char *out, size_t outsz, const char *in)
{
	size_t i = 0;

	for (; in && *in && i + 1 < outsz; in++)
		out[i++] = ((unsigned char)*in < 0x20 || *in == 0x7f) ? '?' : *in;
	out[i] = '\0';
}

/* ---- HTTP ---- */

static size_t write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct graph *g = arg;
	size_t n = size * nmemb;

	if (g->body.len + n > GRAPH_MAX_BODY) {
		g->too_big = 1;
		return 0;
	}
	buf_add(&g->body, data, n);
	return n;
}

static CURL *handle(struct graph *g)
{
	if (g->curl) {
		curl_easy_reset(g->curl);
	} else if (!(g->curl = curl_easy_init())) {
		return NULL;
	}
	/* https only, no redirects (a Location elsewhere must not get our token), certificates verified; an extra
	 * CA is added to the system's, not put in its place */
	curl_easy_setopt(g->curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(g->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(g->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(g->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (g->sc.ca_file) {
		curl_easy_setopt(g->curl, CURLOPT_CAINFO, g->sc.ca_file);
		curl_easy_setopt(g->curl, CURLOPT_CAPATH, "/etc/ssl/certs");
	}
	curl_easy_setopt(g->curl, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(g->curl, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(g->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(g->curl, CURLOPT_ERRORBUFFER, g->errbuf);
	curl_easy_setopt(g->curl, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(g->curl, CURLOPT_WRITEDATA, g);
	curl_easy_setopt(g->curl, CURLOPT_USERAGENT, "tovholder");
	return g->curl;
}

static enum graph_result get_token(struct graph *g, struct err *err)
{
	struct err why = { "" };
	int temporary = 0;

	if (g->token)
		return GRAPH_OK;
	if (!(g->token = config_secret(&g->sc, &temporary, &why))) {
		err_set(err, "no access token for Microsoft Graph: %s", why.msg);
		return temporary ? GRAPH_TEMPFAIL : GRAPH_FAIL;
	}
	return GRAPH_OK;
}

/* The JSON of a reply body; NULL when it is not JSON (or deeper than GRAPH_JSON_DEPTH). */
static json_object *parse_json(const char *s, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(GRAPH_JSON_DEPTH);
	json_object *o;

	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (o && json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The permission a 403 is about, for the message: the ones tovholder asks for. */
static const char *permission_for(const char *method, const char *url)
{
	if (strstr(url, "/attendanceReports"))
		return "OnlineMeetingArtifact.Read.All";
	if (strstr(url, "/onlineMeetings"))
		return strcmp(method, "GET") == 0 ? "OnlineMeetings.Read or OnlineMeetings.ReadWrite"
						   : "OnlineMeetings.ReadWrite";
	return "User.Read";
}

/* One request, with a fresh token and one more try on a 401. A 2xx reply's JSON goes to *ret_json (NULL for
 * an empty body). */
static enum graph_result request(struct graph *g, const char *method, const char *url, json_object *send,
				 json_object **ret_json, struct err *err)
{
	const char *payload = send ? json_object_to_json_string_ext(send, JSON_C_TO_STRING_PLAIN) : NULL;
	enum graph_result res;
	CURLcode rc;

	*ret_json = NULL;
	for (int attempt = 0;; attempt++) {
		struct curl_slist *hdr = NULL;
		char *auth;
		CURL *c;

		if ((res = get_token(g, err)) != GRAPH_OK)
			return res;
		if (!(c = handle(g)))
			return err_set(err, "cannot initialise libcurl"), GRAPH_FAIL;
		auth = xasprintf("Authorization: Bearer %s", g->token);
		hdr = curl_slist_append(hdr, auth);
		hdr = curl_slist_append(hdr, "Accept: application/json");
		if (payload)
			hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		if (payload)
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
		buf_reset(&g->body);
		g->too_big = 0;
		g->status = 0;
		g->retry_after = 0;
		g->errbuf[0] = '\0';
		log_debug("[graph] %s %s", method, url);
		rc = curl_easy_perform(c);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
		curl_slist_free_all(hdr);
		explicit_bzero(auth, strlen(auth));
		free(auth);
		if (rc != CURLE_OK) {
			if (g->too_big)
				return err_set(err, "%s %s: the reply is over %u bytes", method, url, GRAPH_MAX_BODY),
				       GRAPH_FAIL;
			err_set(err, "%s %s: %s", method, url, g->errbuf[0] ? g->errbuf : curl_easy_strerror(rc));
			return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ? GRAPH_FAIL
												   : GRAPH_TEMPFAIL;
		}
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &g->status);
		if (g->status == 401 && attempt == 0) {
			/* expired (an hour at Entra ID) or revoked: ask the token source once more */
			drop_token(g);
			continue;
		}
		break;
	}
	if (g->status >= 200 && g->status < 300) {
		if (g->body.len == 0)
			return GRAPH_OK;
		if (!(*ret_json = parse_json(g->body.data, g->body.len)))
			return err_set(err, "%s %s: the reply is not JSON Graph would send", method, url), GRAPH_FAIL;
		return GRAPH_OK;
	}
	{
		json_object *e = parse_json(g->body.data ? g->body.data : "", g->body.len), *inner = NULL;
		char msg[160], code[64];

		if (e)
			json_object_object_get_ex(e, "error", &inner);
		copy_text(code, sizeof(code), jstr(inner, "code"));
		copy_text(msg, sizeof(msg), jstr(inner, "message"));
		json_object_put(e);
		switch (g->status) {
		case 401:
			err_set(err, "%s %s: Graph refused the access token twice (%s): sign in again with the token "
				"helper", method, url, code[0] ? code : "401");
			return GRAPH_FAIL;
		case 403:
			err_set(err, "%s %s: Graph says the permission is missing (%s): grant %s to the app "
				"(delegated) and consent", method, url, code[0] ? code : "403", permission_for(method, url));
			return GRAPH_FORBIDDEN;
		case 404:
			err_set(err, "%s %s: not found (%s)", method, url, code[0] ? code : "404");
			return GRAPH_NOT_FOUND;
		default:
			break;
		}
		if (g->status == 429 || g->status >= 500) {
			curl_off_t ra = 0;

			if (curl_easy_getinfo(g->curl, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
				g->retry_after = ra > 86400 ? 86400 : (long)ra;
			err_set(err, "%s %s: Graph answered %ld%s%s, try again%s", method, url, g->status,
				code[0] ? " " : "", code, g->retry_after ? " after the time it asked for" : " later");
			return GRAPH_TEMPFAIL;
		}
		err_set(err, "%s %s: Graph answered %ld %s%s%s", method, url, g->status, code, msg[0] ? ": " : "", msg);
		return GRAPH_FAIL;
	}
}

static char *url_for(struct graph *g, const char *path)
{
	return xasprintf("%s%s", g->base, path);
}

/* An id from Graph as it goes into a path: letters, digits and the few marks its ids use, else escaped. A dot
 * too: an id "." or ".." would be a dot segment, which libcurl resolves, so a PATCH or DELETE of a meeting
 * would go to /me itself. */
static char *path_escape(const char *id)
{
	char *e = curl_easy_escape(NULL, id, 0);
	struct buf b;

	buf_init(&b);
	for (const char *p = e ? e : ""; *p; p++)
		if (*p == '.')
			buf_adds(&b, "%2E");
		else
			buf_addch(&b, *p);
	curl_free(e);
	return buf_detach(&b, NULL);
}

/* 'want_url': the join link we asked Graph to find (its answer must be that meeting), or NULL for a meeting
 * Graph made, whose link must be Teams' own. */
static enum graph_result read_meeting(json_object *o, struct graph_meeting *ret, const char *what,
				      const char *want_url, struct err *err)
{
	const char *id = jstr(o, "id"), *url = jstr(o, "joinWebUrl");

	/* the link goes into every invitation we send and the id into the state and the next handover: a server
	 * that is not Microsoft's, or a broken one, never chooses where members click (no link but Teams'), and
	 * never hands us an id a handover refuses (visible ASCII, as store_handover.c reads a UID or Message-ID) */
	if (!id || !*id || strlen(id) > GRAPH_ID_MAX || !url || strlen(url) > 2048)
		return err_set(err, "%s: the reply has no usable id and joinWebUrl", what), GRAPH_FAIL;
	for (const char *p = id; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return err_set(err, "%s: the reply's meeting id has a blank or a character no Graph id has", what),
			       GRAPH_FAIL;
	if (want_url && strcmp(url, want_url) != 0)
		return err_set(err, "%s: the reply is a meeting with another join link than the one asked for", what),
		       GRAPH_FAIL;
	if (!want_url && !schedule_teams_url_valid(url))
		return err_set(err, "%s: the reply's joinWebUrl is not a Teams link (https://teams.microsoft.com/...)",
			       what), GRAPH_FAIL;
	ret->id = xstrdup(id);
	ret->join_url = xstrdup(url);
	return GRAPH_OK;
}

static json_object *meeting_body(const char *subject, time_t start, time_t end)
{
	json_object *o = json_object_new_object();
	char s[32], e[32];

	graph_utc(start, s, sizeof(s));
	graph_utc(end, e, sizeof(e));
	json_object_object_add(o, "startDateTime", json_object_new_string(s));
	json_object_object_add(o, "endDateTime", json_object_new_string(e));
	json_object_object_add(o, "subject", json_object_new_string(subject));
	return o;
}

/* ---- the calls ---- */

enum graph_result graph_me(struct graph *g, char **ret_upn, struct err *err)
{
	char *url = url_for(g, "/me");
	json_object *o = NULL;
	enum graph_result r = request(g, "GET", url, NULL, &o, err);
	const char *upn = jstr(o, "userPrincipalName");

	if (r == GRAPH_OK) {
		if (upn) {
			char clean[256];

			copy_text(clean, sizeof(clean), upn);
			*ret_upn = xstrdup(clean);
		} else {
			r = GRAPH_FAIL;
			err_set(err, "GET %s: the reply has no userPrincipalName", url);
		}
	}
	json_object_put(o);
	free(url);
	return r;
}

enum graph_result graph_create_or_get(struct graph *g, const char *external_id, const char *subject, time_t start,
				      time_t end, struct graph_meeting *ret, struct err *err)
{
	char *url = url_for(g, "/me/onlineMeetings/createOrGet");
	json_object *body = meeting_body(subject, start, end), *o = NULL;
	enum graph_result r;

	json_object_object_add(body, "externalId", json_object_new_string(external_id));
	r = request(g, "POST", url, body, &o, err);
	if (r == GRAPH_OK)
		r = read_meeting(o, ret, "createOrGet", NULL, err);
	json_object_put(o);
	json_object_put(body);
	free(url);
	return r;
}

enum graph_result graph_update(struct graph *g, const char *id, const char *subject, time_t start, time_t end,
			       struct err *err)
{
	char *eid = path_escape(id), *path = xasprintf("/me/onlineMeetings/%s", eid), *url = url_for(g, path);
	json_object *body = meeting_body(subject, start, end), *o = NULL;
	enum graph_result r = request(g, "PATCH", url, body, &o, err);

	json_object_put(o);
	json_object_put(body);
	free(url);
	free(path);
	free(eid);
	return r;
}

enum graph_result graph_delete(struct graph *g, const char *id, struct err *err)
{
	char *eid = path_escape(id), *path = xasprintf("/me/onlineMeetings/%s", eid), *url = url_for(g, path);
	json_object *o = NULL;
	enum graph_result r = request(g, "DELETE", url, NULL, &o, err);

	if (r == GRAPH_NOT_FOUND)
		r = GRAPH_OK;   /* deleted already (by us before a crash, or by hand in Teams) */
	json_object_put(o);
	free(url);
	free(path);
	free(eid);
	return r;
}

enum graph_result graph_find_by_join_url(struct graph *g, const char *join_url, struct graph_meeting *ret,
					 struct err *err)
{
	struct buf q;
	char *enc, *url;
	json_object *o = NULL, *v = NULL;
	enum graph_result r;

	/* OData string literal: a quote is written twice */
	buf_init(&q);
	buf_adds(&q, "JoinWebUrl eq '");
	for (const char *p = join_url; *p; p++) {
		buf_addch(&q, *p);
		if (*p == '\'')
			buf_addch(&q, '\'');
	}
	buf_addch(&q, '\'');
	enc = curl_easy_escape(NULL, q.data, (int)q.len);
	url = xasprintf("%s/me/onlineMeetings?$filter=%s", g->base, enc ? enc : "");
	curl_free(enc);
	buf_release(&q);
	r = request(g, "GET", url, NULL, &o, err);
	if (r == GRAPH_OK) {
		if (!json_object_object_get_ex(o, "value", &v) || !json_object_is_type(v, json_type_array)) {
			r = GRAPH_FAIL;
			err_set(err, "GET onlineMeetings: the reply has no value list");
		} else if (json_object_array_length(v) == 0) {
			r = GRAPH_NOT_FOUND;
			err_set(err, "no Teams meeting of this mailbox has the join link '%.120s'", join_url);
		} else {
			r = read_meeting(json_object_array_get_idx(v, 0), ret, "GET onlineMeetings", join_url, err);
		}
	}
	json_object_put(o);
	free(url);
	return r;
}

/* ---- attendance ---- */

/* A collection, page by page. 'each' gets every element of every page's "value". A nextLink must stay on
 * the configured server: it is given our token. */
static enum graph_result each_page(struct graph *g, char *url, size_t *budget,
				   int (*each)(json_object *item, void *arg), void *arg, struct err *err)
{
	enum graph_result r = GRAPH_OK;

	for (int page = 0; url; page++) {
		json_object *o = NULL, *v = NULL;
		const char *next;

		if (page == GRAPH_MAX_PAGES) {
			r = GRAPH_FAIL;
			err_set(err, "more than %d pages of results: not read further", GRAPH_MAX_PAGES);
			break;
		}
		if ((r = request(g, "GET", url, NULL, &o, err)) != GRAPH_OK)
			break;
		if (!json_object_object_get_ex(o, "value", &v) || !json_object_is_type(v, json_type_array)) {
			json_object_put(o);
			r = GRAPH_FAIL;
			err_set(err, "GET %s: the reply has no value list", url);
			break;
		}
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			if (*budget == 0) {
				json_object_put(o);
				free(url);
				return err_set(err, "more than %d attendance records: not read further",
					       GRAPH_MAX_RECORDS), GRAPH_FAIL;
			}
			(*budget)--;
			if (each(json_object_array_get_idx(v, i), arg) < 0) {
				json_object_put(o);
				free(url);
				return err_set(err, "attendance record not understood"), GRAPH_FAIL;
			}
		}
		next = jstr(o, "@odata.nextLink");
		free(url);
		url = NULL;
		if (next) {
			if (strncmp(next, g->origin, strlen(g->origin)) != 0) {
				json_object_put(o);
				return err_set(err, "Graph's next page points to another server: not followed"), GRAPH_FAIL;
			}
			url = xstrdup(next);
		}
		json_object_put(o);
	}
	free(url);
	return r;
}

/* A join time we take from Graph: 2000 to 2100. Anything else (a year of 40 digits) is no meeting of ours, and
 * would not even print as the UTC stamp we store. */
static int plausible_time(time_t t)
{
	return t >= 946684800 && t < 4102444800;
}

struct reports {
	char *ids[GRAPH_MAX_REPORTS];
	size_t n;
	int over;
	time_t from, to;
	char start[32];   /* the earliest start of a report taken, UTC */
	char end[32];     /* the latest end */
};

static int add_report(json_object *item, void *arg)
{
	struct reports *rs = arg;
	const char *id = jstr(item, "id"), *start = jstr(item, "meetingStartDateTime");
	const char *end = jstr(item, "meetingEndDateTime");
	time_t t = start ? util_parse_utc(start) : -1;

	if (!id || !*id || strlen(id) > 1024)
		return -1;
	if (t <= 0 || t < rs->from || t > rs->to)
		return 0;   /* another day's meeting on the same link, or a report without a start */
	if (!rs->start[0] || strcmp(start, rs->start) < 0)
		graph_utc(t, rs->start, sizeof(rs->start));
	if (end && plausible_time(util_parse_utc(end))) {
		char e[32];

		graph_utc(util_parse_utc(end), e, sizeof(e));
		if (strcmp(e, rs->end) > 0)
			memcpy(rs->end, e, sizeof(e));
	}
	if (rs->n == GRAPH_MAX_REPORTS) {
		rs->over = 1;
		return 0;
	}
	rs->ids[rs->n++] = xstrdup(id);
	return 0;
}

static char *clean_dup(const char *s, size_t cap)
{
	char *out = xmalloc(cap + 1);

	copy_text(out, cap + 1, s ? s : "");
	return out;
}

/* Adds one attendanceRecord to the report: the same person (address, else name) in several reports of a
 * restarted meeting is one participant with the durations summed and the earliest join. */
static int add_record(json_object *item, void *arg)
{
	struct teams_report *r = arg;
	json_object *ident = NULL, *iv = NULL, *ts = NULL;
	const char *email = jstr(item, "emailAddress"), *name = NULL, *first = NULL;
	long secs = -1;
	char *addr = NULL;
	struct teams_participant *p = NULL;

	if (!json_object_is_type(item, json_type_object))
		return -1;
	if (json_object_object_get_ex(item, "identity", &ident))
		name = jstr(ident, "displayName");
	if (json_object_object_get_ex(item, "totalAttendanceInSeconds", &ts) && json_object_is_type(ts, json_type_int))
		secs = json_object_get_int64(ts) < 0 || json_object_get_int64(ts) > 7 * 86400
			       ? -1 : (long)json_object_get_int64(ts);
	if (json_object_object_get_ex(item, "attendanceIntervals", &iv) && json_object_is_type(iv, json_type_array))
		for (size_t i = 0; i < json_object_array_length(iv) && i < 1000; i++) {
			const char *j = jstr(json_object_array_get_idx(iv, i), "joinDateTime");

			if (j && plausible_time(util_parse_utc(j)) && (!first || strcmp(j, first) < 0))
				first = j;
		}
	if (email && *email) {
		addr = util_lower(clean_dup(email, 254));
		if (!util_email_valid(addr)) {
			free(addr);
			addr = NULL;
		}
	}
	for (size_t i = 0; i < r->n && !p; i++) {
		struct teams_participant *q = &r->people[i];

		if (addr ? strcmp(q->email, addr) == 0 : (!q->email[0] && name && strcmp(q->name, name) == 0))
			p = q;
	}
	if (!p) {
		r->people = xrealloc(r->people, (r->n + 1) * sizeof(*r->people));
		p = &r->people[r->n++];
		memset(p, 0, sizeof(*p));
		p->name = clean_dup(name, 200);
		p->email = addr ? addr : xstrdup("");
		p->upn = xstrdup(p->email);
		p->role = clean_dup(jstr(item, "role"), 40);
		p->duration_s = secs;
		p->first_join = xstrdup("");
		p->line = (int)r->n;
		addr = NULL;
	} else if (secs >= 0) {
		p->duration_s = p->duration_s < 0 ? secs : p->duration_s + secs;
	}
	free(addr);
	if (first) {
		char utc[32];

		graph_utc(util_parse_utc(first), utc, sizeof(utc));
		if (!p->first_join[0] || strcmp(utc, p->first_join) < 0) {
			free(p->first_join);
			p->first_join = xstrdup(utc);
		}
	}
	return 0;
}

int graph_parse_records(const char *body, size_t len, struct teams_report *r)
{
	json_object *o = parse_json(body, len), *v = NULL;
	int rc = 0;

	if (!o || !json_object_object_get_ex(o, "value", &v) || !json_object_is_type(v, json_type_array)) {
		json_object_put(o);
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(v) && i < GRAPH_MAX_RECORDS && rc == 0; i++)
		rc = add_record(json_object_array_get_idx(v, i), r);
	json_object_put(o);
	return rc;
}

enum graph_result graph_attendance(struct graph *g, const char *id, time_t from, time_t to, struct teams_report *ret,
				   struct err *err)
{
	char *eid = path_escape(id);
	struct reports rs;
	size_t budget = GRAPH_MAX_RECORDS;
	enum graph_result r;

	memset(&rs, 0, sizeof(rs));
	rs.from = from;
	rs.to = to;
	memset(ret, 0, sizeof(*ret));
	ret->format = TEAMS_TABLE;
	ret->title = xstrdup("");
	ret->day_stamp = xstrdup("");
	ret->count = -1;
	ret->day_ok = -1;   /* the reports asked for are the meeting's (from..to) */
	r = each_page(g, xasprintf("%s/me/onlineMeetings/%s/attendanceReports", g->base, eid), &budget, add_report,
		      &rs, err);
	ret->start = xstrdup(rs.start);
	ret->end = xstrdup(rs.end);
	if (r == GRAPH_OK && rs.n == 0) {
		r = GRAPH_NOT_FOUND;
		err_set(err, "no attendance report of this meeting yet");
	}
	if (rs.over)
		log_info("[graph] more than %d attendance reports for one meeting: the first %d read", GRAPH_MAX_REPORTS,
			 GRAPH_MAX_REPORTS);
	for (size_t i = 0; r == GRAPH_OK && i < rs.n; i++) {
		char *rid = path_escape(rs.ids[i]);

		budget = GRAPH_MAX_RECORDS;
		r = each_page(g, xasprintf("%s/me/onlineMeetings/%s/attendanceReports/%s/attendanceRecords", g->base, eid,
					   rid), &budget, add_record, ret, err);
		free(rid);
	}
	for (size_t i = 0; i < rs.n; i++)
		free(rs.ids[i]);
	free(eid);
	return r;
}
