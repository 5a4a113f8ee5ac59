/* iTIP objects with libical: the REQUEST/CANCEL we send and the REPLY/COUNTER/REFRESH we receive. No I/O. */
#include "itip.h"

#include "buf.h"
#include "tz.h"
#include "util.h"
#include "version.h"

#include <libical/ical.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ITIP_PRODID "-//tovholder//tovholder " TOVHOLDER_VERSION "//DA"
#define ITIP_UID_MAX 255
#define ITIP_LINE_TEXT_MAX 1000      /* summary, location, names */
#define ITIP_URL_MAX 2000
#define ITIP_DESC_MAX (64 * 1024)
#define ITIP_ATTENDEES_MAX ITIP_PARSE_ATTENDEES_MAX     /* we send to at most this many; a reply has one */

static const char *const roles[] = { "REQ-PARTICIPANT", "OPT-PARTICIPANT", "NON-PARTICIPANT" };
static const icalparameter_role role_values[] = { ICAL_ROLE_REQPARTICIPANT, ICAL_ROLE_OPTPARTICIPANT,
						  ICAL_ROLE_NONPARTICIPANT };

/* Valid UTF-8 with no control characters except TAB (and LF/CR when 'multiline'): libical writes TEXT
 * values as given, and a stray control byte would end up in every attendee's calendar. */
static int text_ok(const char *s, size_t cap, int multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);

	if (len > cap)
		return 0;
	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
		if (n < 0 || (n == 1 && *p < 0xc2))
			return 0;
		if (n == 0 && (*p == 0x7f || (*p < 0x20 && *p != '\t' && !(multiline && (*p == '\n' || *p == '\r')))))
			return 0;
		for (int i = 1; i <= n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		p += n + 1;
	}
	return 1;
}

/* Printable ASCII without spaces: UIDs and URLs go out verbatim. */
static int token_ok(const char *s, size_t cap)
{
	size_t len = strlen(s);

	if (len == 0 || len > cap)
		return 0;
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f)
			return 0;
	return 1;
}

static int role_index(const char *role)
{
	if (!role)
		return 0;
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(role, roles[i]) == 0)
			return (int)i;
	return -1;
}

static int check_attendees(const struct itip_event *ev, struct err *err)
{
	if (ev->n_attendees == 0 || !ev->attendees)
		return err_set(err, "event '%s' has no attendees", ev->uid);
	if (ev->n_attendees > ITIP_ATTENDEES_MAX)
		return err_set(err, "event '%s' has more than %d attendees", ev->uid, ITIP_ATTENDEES_MAX);
	for (size_t i = 0; i < ev->n_attendees; i++) {
		const struct itip_attendee *a = &ev->attendees[i];
		if (!a->email || !util_email_valid(a->email))
			return err_set(err, "bad attendee address '%s'", a->email ? a->email : "");
		if (a->name && !text_ok(a->name, ITIP_LINE_TEXT_MAX, 0))
			return err_set(err, "bad attendee name for '%s'", a->email);
		if (role_index(a->role) < 0)
			return err_set(err, "bad role '%s' for '%s'", a->role, a->email);
	}
	return 0;
}

static int check_event(const struct itip_event *ev, struct err *err)
{
	if (ev->method != ITIP_REQUEST && ev->method != ITIP_CANCEL)
		return err_set(err, "can only build REQUEST or CANCEL");
	if (!ev->uid || !token_ok(ev->uid, ITIP_UID_MAX))
		return err_set(err, "bad event uid '%s'", ev->uid ? ev->uid : "");
	if (ev->sequence < 0)
		return err_set(err, "bad sequence %d for '%s'", ev->sequence, ev->uid);
	if (!ev->tzid || !tz_valid(ev->tzid))
		return err_set(err, "unknown time zone '%s'", ev->tzid ? ev->tzid : "");
	if (ev->year < 1970 || ev->year > 2199 || ev->month < 1 || ev->month > 12 || ev->day < 1 ||
	    ev->day > util_days_in_month(ev->year, ev->month))
		return err_set(err, "bad date %04d-%02d-%02d for '%s'", ev->year, ev->month, ev->day, ev->uid);
	if (ev->start_min < 0 || ev->start_min >= 24 * 60 || ev->end_min > 24 * 60 || ev->end_min <= ev->start_min)
		return err_set(err, "bad times %d-%d for '%s': the end must come after the start", ev->start_min,
			       ev->end_min, ev->uid);
	if (!ev->summary || !*ev->summary || !text_ok(ev->summary, ITIP_LINE_TEXT_MAX, 0))
		return err_set(err, "bad or empty summary for '%s'", ev->uid);
	if (ev->location && !text_ok(ev->location, ITIP_LINE_TEXT_MAX, 0))
		return err_set(err, "bad location for '%s'", ev->uid);
	if (ev->url && *ev->url && !token_ok(ev->url, ITIP_URL_MAX))
		return err_set(err, "bad url for '%s'", ev->uid);
	if (ev->description && !text_ok(ev->description, ITIP_DESC_MAX, 1))
		return err_set(err, "bad description for '%s'", ev->uid);
	if (!ev->organizer_email || !util_email_valid(ev->organizer_email))
		return err_set(err, "bad organizer address '%s'", ev->organizer_email ? ev->organizer_email : "");
	if (ev->organizer_name && !text_ok(ev->organizer_name, ITIP_LINE_TEXT_MAX, 0))
		return err_set(err, "bad organizer name");
	return check_attendees(ev, err);
}

/* y-m-d plus minutes after midnight as a local (floating) time: the TZID parameter is added by hand, because
 * libical would give a zone-bound time its "/freeassociation.sourceforge.net/" prefix. */
static icalproperty *local_time_prop(const struct itip_event *ev, int minutes, int is_end)
{
	struct icaltimetype t = icaltime_null_time();
	icalproperty *p;

	t.year = ev->year;
	t.month = ev->month;
	t.day = ev->day;
	t.hour = minutes / 60;
	t.minute = minutes % 60;
	t = icaltime_normalize(t);   /* an end at 24:00 becomes 00:00 the next day */
	p = is_end ? icalproperty_new_dtend(t) : icalproperty_new_dtstart(t);
	icalproperty_add_parameter(p, icalparameter_new_tzid(ev->tzid));
	return p;
}

/* libical keeps CR as-is in TEXT; one LF per line break gives the "\n" escape every client reads. */
static char *normalize_newlines(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;

	for (; *s; s++) {
		if (*s == '\r') {
			*o++ = '\n';
			if (s[1] == '\n')
				s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static icalproperty *person_prop(int attendee, const char *name, const char *email, int role)
{
	char *uri = xasprintf("mailto:%s", email);
	icalproperty *p = attendee ? icalproperty_new_attendee(uri) : icalproperty_new_organizer(uri);

	free(uri);
	/* libical quotes CN values with , ; : (CN="Lund, Karin") and writes " as ^' (RFC 6868) */
	if (name && *name)
		icalproperty_add_parameter(p, icalparameter_new_cn(name));
	if (attendee) {
		/* check_attendees refused an unknown role before we got here; REQ-PARTICIPANT is RFC 5545's default */
		icalproperty_add_parameter(p, icalparameter_new_role(role_values[role < 0 ? 0 : role]));
		icalproperty_add_parameter(p, icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
		icalproperty_add_parameter(p, icalparameter_new_rsvp(ICAL_RSVP_TRUE));
		icalproperty_add_parameter(p, icalparameter_new_cutype(ICAL_CUTYPE_INDIVIDUAL));
	}
	return p;
}

static icalcomponent *build_vevent(const struct itip_event *ev)
{
	icalcomponent *e = icalcomponent_new_vevent();
	time_t stamp = ev->dtstamp ? ev->dtstamp : util_now();
	icalproperty *x;

	icalcomponent_add_property(e, icalproperty_new_uid(ev->uid));
	icalcomponent_add_property(e, icalproperty_new_sequence(ev->sequence));
	icalcomponent_add_property(e, icalproperty_new_dtstamp(
		icaltime_from_timet_with_zone(stamp, 0, icaltimezone_get_utc_timezone())));
	icalcomponent_add_property(e, local_time_prop(ev, ev->start_min, 0));
	icalcomponent_add_property(e, local_time_prop(ev, ev->end_min, 1));
	icalcomponent_add_property(e, icalproperty_new_summary(ev->summary));
	if (ev->location && *ev->location)
		icalcomponent_add_property(e, icalproperty_new_location(ev->location));
	if (ev->url && *ev->url)
		icalcomponent_add_property(e, icalproperty_new_url(ev->url));
	if (ev->description && *ev->description) {
		char *d = normalize_newlines(ev->description);
		icalcomponent_add_property(e, icalproperty_new_description(d));
		free(d);
	}
	icalcomponent_add_property(e, person_prop(0, ev->organizer_name, ev->organizer_email, 0));
	for (size_t i = 0; i < ev->n_attendees; i++)
		icalcomponent_add_property(e, person_prop(1, ev->attendees[i].name, ev->attendees[i].email,
							  role_index(ev->attendees[i].role)));
	icalcomponent_add_property(e, icalproperty_new_status(ev->method == ITIP_CANCEL ? ICAL_STATUS_CANCELLED
											 : ICAL_STATUS_CONFIRMED));
	icalcomponent_add_property(e, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
	icalcomponent_add_property(e, icalproperty_new_class(ICAL_CLASS_PUBLIC));
	/* Outlook shows the slot as free without it when the organizer's copy is not in Exchange */
	x = icalproperty_new_x("BUSY");
	icalproperty_set_x_name(x, "X-MICROSOFT-CDO-BUSYSTATUS");
	icalcomponent_add_property(e, x);
	return e;
}

char *itip_build(const struct itip_event *ev, struct err *err)
{
	icalcomponent *cal = NULL;
	char *vtz = NULL, *ical = NULL, *res = NULL;
	const char *at;
	struct buf b;

	buf_init(&b);
	if (check_event(ev, err) < 0)
		goto out;
	/* our own VTIMEZONE, spliced in as text: libical would reorder its RRULE parts and, for builtin zones,
	 * rewrite the TZID with its prefix */
	vtz = tz_vtimezone(ev->tzid, ev->year, ev->year, err);
	if (!vtz)
		goto out;
	cal = icalcomponent_new_vcalendar();
	icalcomponent_add_property(cal, icalproperty_new_method(ev->method == ITIP_CANCEL ? ICAL_METHOD_CANCEL
											 : ICAL_METHOD_REQUEST));
	icalcomponent_add_property(cal, icalproperty_new_prodid(ITIP_PRODID));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_component(cal, build_vevent(ev));
	/* libical writes CRLF and folds at 75 octets without splitting UTF-8 sequences (checked in test_itip) */
	ical = icalcomponent_as_ical_string_r(cal);
	at = ical ? strstr(ical, "\r\nBEGIN:VEVENT\r\n") : NULL;
	if (!at) {
		err_set(err, "libical could not write event '%s'", ev->uid);
		goto out;
	}
	buf_add(&b, ical, (size_t)(at - ical) + 2);
	buf_adds(&b, vtz);
	buf_adds(&b, at + 2);
	res = buf_detach(&b, NULL);
out:
	buf_release(&b);
	if (cal)
		icalcomponent_free(cal);
	free(ical);
	free(vtz);
	return res;
}

/* ---- parsing ---- */

static int memmem_ci(const char *s, size_t n, const char *word);
static int proposal_prop(const char *name, size_t n);

static const struct {
	const char *name;
	enum itip_method method;
} parse_methods[] = {
	{ "REPLY", ITIP_REPLY },
	{ "COUNTER", ITIP_COUNTER },
	{ "REFRESH", ITIP_REFRESH },
};

static enum itip_method method_of(icalcomponent *cal)
{
	icalproperty *p = cal ? icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY) : NULL;
	const char *v = p ? icalproperty_get_value_as_string(p) : NULL;

	if (!v)
		return ITIP_OTHER;
	for (size_t i = 0; i < sizeof(parse_methods) / sizeof(parse_methods[0]); i++)
		if (strcasecmp(v, parse_methods[i].name) == 0)
			return parse_methods[i].method;
	return ITIP_OTHER;
}

/* "PARTSTAT=Accepted" and X- values alike, upper-cased; NULL when absent. */
static char *partstat_of(icalproperty *att)
{
	icalparameter *p = icalproperty_get_first_parameter(att, ICAL_PARTSTAT_PARAMETER);
	const char *v = NULL;

	if (!p)
		return NULL;
	icalparameter_partstat ps = icalparameter_get_partstat(p);
	if (ps == ICAL_PARTSTAT_X || ps == ICAL_PARTSTAT_NONE)
		v = icalparameter_get_xvalue(p);
	else
		v = icalparameter_enum_to_string(ps);
	if (!v || !*v)
		return NULL;
	char *s = xstrdup(v);
	for (char *c = s; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	return s;
}

/* "MAILTO:Foo@X.example" or a bare address → "foo@x.example"; NULL when empty. */
static char *address_of(icalproperty *att)
{
	const char *v = icalproperty_get_attendee(att);
	char *s;

	if (!v)
		return NULL;
	while (*v == ' ' || *v == '\t')
		v++;
	if (util_istarts(v, "mailto:"))
		v += strlen("mailto:");
	s = util_lower(util_trim(xstrdup(v)));
	if (!*s) {
		free(s);
		return NULL;
	}
	return s;
}

/* The responder: the first ATTENDEE that answered (PARTSTAT other than NEEDS-ACTION), else the first one. */
static icalproperty *pick_attendee(icalcomponent *ev, struct itip_reply *r)
{
	icalproperty *chosen = NULL, *first = NULL;
	char *chosen_ps = NULL;

	for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY); p;
	     p = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY)) {
		r->n_attendees++;
		if (!first)
			first = p;
		if (chosen)
			continue;
		char *ps = partstat_of(p);
		if (ps && strcmp(ps, "NEEDS-ACTION") != 0) {
			chosen = p;
			chosen_ps = ps;
		} else {
			free(ps);
		}
	}
	if (!chosen) {
		chosen = first;
		chosen_ps = first ? partstat_of(first) : NULL;
	}
	if (chosen) {
		r->attendee = address_of(chosen);
		r->partstat = chosen_ps;
	}
	return chosen;
}

static char *nonempty_trimmed(const char *v)
{
	char *s;

	if (!v)
		return NULL;
	s = util_trim(xstrdup(v));
	if (*s)
		return s;
	free(s);
	return NULL;
}

/* COMMENT (Exchange, often just "\n") or iOS's X-CALENDARSERVER-PRIVATE-COMMENT. */
static char *comment_of(icalcomponent *ev)
{
	char *c;

	for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_COMMENT_PROPERTY); p;
	     p = icalcomponent_get_next_property(ev, ICAL_COMMENT_PROPERTY))
		if ((c = nonempty_trimmed(icalproperty_get_comment(p))))
			return c;
	for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_X_PROPERTY); p;
	     p = icalcomponent_get_next_property(ev, ICAL_X_PROPERTY)) {
		const char *name = icalproperty_get_x_name(p);
		if (name && strcasecmp(name, "X-CALENDARSERVER-PRIVATE-COMMENT") == 0 &&
		    (c = nonempty_trimmed(icalproperty_get_x(p))))
			return c;
	}
	return NULL;
}

/* A DATE-TIME property in UTC: 'Z' as is; a TZID through the system tz database or the Windows zone names
 * Outlook writes (tz_zone_of_tzid), never through a VTIMEZONE of the object (none reaches libical, see
 * filter_object); floating, or a zone we do not know, is taken as UTC. DTSTAMP is UTC by RFC 5545 §3.8.7.2
 * whatever it says ('as_utc'). 0 when absent or unusable. */
static time_t time_utc(struct icaltimetype t, const char *tzid, int as_utc)
{
	const char *zone;
	time_t ret;

	if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t))
		return 0;
	if (icaltime_is_utc(t) || t.is_date || as_utc)
		return icaltime_as_timet(t);
	zone = tzid ? tz_zone_of_tzid(tzid) : NULL;
	if (zone && tz_local_to_utc(zone, t.year, t.month, t.day, t.hour * 60 + t.minute, &ret, NULL) == 0)
		return ret + t.second;
	return icaltime_as_timet(t);
}

static time_t prop_utc(icalproperty *p, int as_utc)
{
	icalparameter *tzp;

	if (!p)
		return 0;
	tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	return time_utc(icalvalue_get_datetime(icalproperty_get_value(p)), tzp ? icalparameter_get_tzid(tzp) : NULL,
			as_utc);
}

/* "20270306T093000Z" or a local time in tzid (may be NULL), as written in an X- property or parameter. */
static time_t text_utc(const char *v, const char *tzid)
{
	size_t n = v ? strspn(v, "0123456789TZ") : 0;

	if (n < 15 || n > 16 || v[n] != '\0')
		return 0;
	return time_utc(icaltime_from_string(v), tzid, 0);
}

/* 1 for START, 2 for END when 'name' is an X- name for a proposed time (see proposal_prop), else 0. */
static int proposal_kind(const char *name)
{
	if (!name || !proposal_prop(name, strlen(name)))
		return 0;
	return memmem_ci(name, strlen(name), "START") ? 1 : 2;
}

/* A REPLY that proposes another time (iOS, Outlook's "new time proposed"): X-…PROPOSED…START / END, as VEVENT
 * properties or as parameters of the answering ATTENDEE. The first of each counts. */
static void proposal_of(icalcomponent *ev, icalproperty *att, struct itip_reply *r)
{
	time_t *slot[3] = { NULL, &r->proposed_start, &r->proposed_end };

	for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_X_PROPERTY); p;
	     p = icalcomponent_get_next_property(ev, ICAL_X_PROPERTY)) {
		int k = proposal_kind(icalproperty_get_x_name(p));
		icalparameter *tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
		if (k && !*slot[k])
			*slot[k] = text_utc(icalproperty_get_x(p), tzp ? icalparameter_get_tzid(tzp) : NULL);
	}
	for (icalparameter *x = att ? icalproperty_get_first_parameter(att, ICAL_X_PARAMETER) : NULL; x;
	     x = icalproperty_get_next_parameter(att, ICAL_X_PARAMETER)) {
		int k = proposal_kind(icalparameter_get_xname(x));
		if (k && !*slot[k])
			*slot[k] = text_utc(icalparameter_get_xvalue(x), NULL);
	}
}

/* DTEND, or DTSTART + DURATION. */
static time_t end_utc(icalcomponent *ev, time_t start)
{
	icalproperty *p = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);

	if (p)
		return prop_utc(p, 0);
	p = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY);
	if (p && start)
		return start + icaldurationtype_as_int(icalproperty_get_duration(p));
	return 0;
}

/* The VCALENDAR (NULL for a bare VEVENT) and the first VEVENT of what the parser returned. */
static void find_components(icalcomponent *root, icalcomponent **ret_cal, icalcomponent **ret_ev)
{
	icalcomponent *cal = root;

	*ret_cal = NULL;
	*ret_ev = NULL;
	if (icalcomponent_isa(root) == ICAL_VEVENT_COMPONENT) {
		*ret_ev = root;
		return;
	}
	if (icalcomponent_isa(root) == ICAL_XROOT_COMPONENT)   /* several top-level objects: take the first */
		cal = icalcomponent_get_first_component(root, ICAL_VCALENDAR_COMPONENT);
	if (!cal || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT)
		return;
	*ret_cal = cal;
	*ret_ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
}

static void fill_reply(icalcomponent *cal, icalcomponent *ev, struct itip_reply *r)
{
	icalproperty *p, *att;

	r->method = method_of(cal);
	r->uid = xstrdup(icalcomponent_get_uid(ev));
	att = pick_attendee(ev, r);
	r->comment = comment_of(ev);
	r->dtstamp = prop_utc(icalcomponent_get_first_property(ev, ICAL_DTSTAMP_PROPERTY), 1);
	p = icalcomponent_get_first_property(ev, ICAL_SEQUENCE_PROPERTY);
	r->sequence = p ? icalproperty_get_sequence(p) : 0;
	if (r->method == ITIP_COUNTER) {
		r->proposed_start = prop_utc(icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY), 0);
		r->proposed_end = end_utc(ev, r->proposed_start);
	} else if (r->method == ITIP_REPLY) {
		proposal_of(ev, att, r);
	}
}

/* ---- what libical may see of an incoming object ---- */

/* Only what we read goes to libical (imip-interop.md §0.8: the PARTSTAT of the ATTENDEE, the comment, for COUNTER
 * the proposed times): the first VCALENDAR's METHOD and its first VEVENT's properties below. Everything else —
 * VTIMEZONE, VALARM, other components, RRULE, RDATE, EXRULE, EXDATE — is dropped before parsing. A VTIMEZONE
 * whose STANDARD has RRULE:FREQ=SECONDLY made libical expand the zone for hours the first time a time was
 * converted in it (issue 15): the service's watchdog killed it, and it read the same mail again, forever. */
static const char *const event_props[] = {
	"UID", "DTSTAMP", "DTSTART", "DTEND", "DURATION", "SEQUENCE", "ATTENDEE", "COMMENT",
	"X-CALENDARSERVER-PRIVATE-COMMENT", NULL,
};
static const char *const calendar_props[] = { "METHOD", NULL };

struct filter {
	struct buf out;
	int depth;        /* components open in the input */
	int skip_from;    /* > 0: dropping a component that opened at this depth */
	int cal, ev;      /* the kept VCALENDAR / VEVENT: 0 not yet seen, 1 open, 2 closed */
	int ev_depth;
	int vtz_from;     /* > 0: inside a (dropped) VTIMEZONE that opened at this depth */
	size_t kept;      /* content lines kept */
	size_t attendees;
};

/* 1 when the n bytes at s contain 'word' (ASCII, any case). */
static int memmem_ci(const char *s, size_t n, const char *word)
{
	size_t w = strlen(word);

	for (size_t i = 0; i + w <= n; i++)
		if (strncasecmp(s + i, word, w) == 0)
			return 1;
	return 0;
}

static int in_list(const char *const *list, const char *name, size_t n)
{
	for (; *list; list++)
		if (strlen(*list) == n && strncasecmp(*list, name, n) == 0)
			return 1;
	return 0;
}

/* An X- property that carries a proposed new time (X-…PROPOSED…START / END, as clients that propose a time
 * in a REPLY write it): read by proposal_of. */
static int proposal_prop(const char *name, size_t n)
{
	return n > 2 && strncasecmp(name, "X-", 2) == 0 && memmem_ci(name, n, "PROPOSED") &&
	       (memmem_ci(name, n, "START") || memmem_ci(name, n, "END"));
}

/* BEGIN:/END: with the component name; 0 for any other line. */
static int component_line(const char *line, size_t n, const char *what, const char *comp)
{
	size_t w = strlen(what), c = strlen(comp);

	if (n < w + 1 + c || strncasecmp(line, what, w) != 0 || line[w] != ':')
		return 0;
	line += w + 1;
	n -= w + 1;
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	return n == c && strncasecmp(line, comp, c) == 0;
}

static int filter_begin(struct filter *f, const char *line, size_t n)
{
	f->depth++;
	if (f->skip_from)
		return 0;
	if (!f->cal && !f->ev && f->depth == 1 && component_line(line, n, "BEGIN", "VCALENDAR")) {
		f->cal = 1;
		buf_adds(&f->out, "BEGIN:VCALENDAR\r\n");
	} else if (!f->ev && f->depth == (f->cal == 1 ? 2 : 1) && f->cal != 2 &&
		   component_line(line, n, "BEGIN", "VEVENT")) {
		f->ev = 1;
		f->ev_depth = f->depth;
		buf_adds(&f->out, "BEGIN:VEVENT\r\n");
	} else {
		f->skip_from = f->depth;
		if (component_line(line, n, "BEGIN", "VTIMEZONE"))
			f->vtz_from = f->depth;
	}
	return 0;
}

static void filter_end(struct filter *f)
{
	if (f->depth == 0)
		return;
	if (f->skip_from) {
		if (f->depth == f->skip_from)
			f->skip_from = f->vtz_from = 0;
	} else if (f->ev == 1 && f->depth == f->ev_depth) {
		buf_adds(&f->out, "END:VEVENT\r\n");
		f->ev = 2;
	} else if (f->cal == 1 && f->depth == 1) {
		buf_adds(&f->out, "END:VCALENDAR\r\n");
		f->cal = 2;
	}
	f->depth--;
}

/* A time zone's rule as clients write them (RFC 5545 §3.6.5; Outlook, Google, Apple, libical and tz.c all
 * write "FREQ=YEARLY;BYMONTH=m;BYDAY=…"): anything that repeats more often, or within a day, is made to cost
 * a reader CPU, not to describe a zone. Such an object is refused (the mail goes to review with the reason),
 * although we would never expand it. */
static int zone_rule_check(const char *line, size_t n, struct err *err)
{
	static const char *const bad[] = { "BYHOUR", "BYMINUTE", "BYSECOND" };
	const char *v = memchr(line, ':', n);

	if (!v)
		return 0;
	v++;
	n -= (size_t)(v - line);
	if (!memmem_ci(v, n, "FREQ=YEARLY"))
		return err_set(err, "a time zone in the calendar object repeats more often than yearly (%.*s): no "
			       "calendar program writes that", (int)(n > 40 ? 40 : n), v);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (memmem_ci(v, n, bad[i]))
			return err_set(err, "a time zone in the calendar object repeats within the day (%s): no calendar "
				       "program writes that", bad[i]);
	return 0;
}

/* One unfolded content line. */
static int filter_line(struct filter *f, const char *line, size_t n, struct err *err)
{
	size_t name = strcspn(line, ";:");
	const char *const *keep = NULL;

	if (name > n)
		name = n;
	if (name == 5 && strncasecmp(line, "BEGIN", 5) == 0)
		return filter_begin(f, line, n);
	if (name == 3 && strncasecmp(line, "END", 3) == 0) {
		filter_end(f);
		return 0;
	}
	if (f->skip_from)
		return f->vtz_from && name == 5 && strncasecmp(line, "RRULE", 5) == 0 ? zone_rule_check(line, n, err) : 0;
	if (f->ev == 1 && f->depth == f->ev_depth)
		keep = event_props;
	else if (f->cal == 1 && f->depth == 1)
		keep = calendar_props;
	if (!keep || !(in_list(keep, line, name) || (keep == event_props && proposal_prop(line, name))))
		return 0;
	if (n > ITIP_LINE_MAX)
		return err_set(err, "a calendar line of %zu bytes is over the %d byte limit", n, ITIP_LINE_MAX);
	if (++f->kept > ITIP_LINES_MAX)
		return err_set(err, "calendar event has more than %d lines", ITIP_LINES_MAX);
	if (name == 8 && strncasecmp(line, "ATTENDEE", 8) == 0 && ++f->attendees > ITIP_ATTENDEES_MAX)
		return err_set(err, "calendar event has more than %d attendees", ITIP_ATTENDEES_MAX);
	buf_add(&f->out, line, n);
	buf_adds(&f->out, "\r\n");
	return 0;
}

/* The object as libical may see it (see event_props above), unfolded, CRLF lines; NULL with err when a kept
 * line or their number is over its cap. Linear in len. Caller frees. */
static char *filter_object(const char *text, size_t len, struct err *err)
{
	struct filter f = { .depth = 0 };
	struct buf line;
	const char *p = text, *end = text + len;
	char *res = NULL;

	buf_init(&f.out);
	buf_init(&line);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		size_t n = (size_t)(e - p);

		if (n && p[n - 1] == '\r')
			n--;
		if (n && (p[0] == ' ' || p[0] == '\t')) {
			buf_add(&line, p + 1, n - 1);   /* RFC 5545 §3.1: a folded line goes on */
		} else {
			if (line.len && filter_line(&f, line.data, line.len, err) < 0)
				goto out;
			buf_reset(&line);
			buf_add(&line, p, n);
		}
		p = nl ? nl + 1 : end;
	}
	if (line.len && filter_line(&f, line.data, line.len, err) < 0)
		goto out;
	if (f.ev == 1 || f.cal == 1) {
		err_set(err, "calendar object ends inside %s (truncated)", f.ev == 1 ? "its VEVENT" : "its VCALENDAR");
		goto out;
	}
	res = buf_detach(&f.out, NULL);
out:
	buf_release(&f.out);
	buf_release(&line);
	return res;
}

int itip_parse(const char *text, size_t len, struct itip_reply *ret, struct err *err)
{
	struct itip_reply r = { .method = ITIP_OTHER };
	icalcomponent *root = NULL, *cal, *ev;
	char *copy = NULL;
	const char *uid;
	int rc = -1;

	if (len > ITIP_PARSE_MAX) {
		err_set(err, "calendar object of %zu bytes is over the %d byte limit", len, ITIP_PARSE_MAX);
		goto out;
	}
	if (memchr(text, '\0', len)) {
		err_set(err, "calendar object contains a NUL byte");
		goto out;
	}
	if (!(copy = filter_object(text, len, err)))
		goto out;
	/* errors in hostile input must come back as X-LIC-ERROR properties, never abort() */
	icalerror_set_errors_are_fatal(0);
	root = icalparser_parse_string(copy);
	if (!root) {
		err_set(err, "not an iCalendar object");
		goto out;
	}
	find_components(root, &cal, &ev);
	if (!ev) {
		err_set(err, "calendar object has no VEVENT");
		goto out;
	}
	uid = icalcomponent_get_uid(ev);
	if (!uid || !*uid) {
		err_set(err, "calendar event has no UID");
		goto out;
	}
	fill_reply(cal, ev, &r);
	*ret = r;
	rc = 0;
out:
	if (rc < 0)
		itip_reply_release(&r);
	if (root)
		icalcomponent_free(root);
	free(copy);
	return rc;
}

void itip_reply_release(struct itip_reply *r)
{
	free(r->uid);
	free(r->attendee);
	free(r->partstat);
	free(r->comment);
	memset(r, 0, sizeof(*r));
}
