/* iTIP objects with libical: the REQUEST/CANCEL we send and the REPLY/COUNTER/REFRESH we receive. No I/O. */
#include "itip.h"

#include "buf.h"
#include "tz.h"
#include "util.h"

#include <libical/ical.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ITIP_PRODID "-//tovholder//tovholder 1.0//DA"
#define ITIP_UID_MAX 255
#define ITIP_LINE_TEXT_MAX 1000      /* summary, location, names */
#define ITIP_URL_MAX 2000
#define ITIP_DESC_MAX (64 * 1024)
#define ITIP_ATTENDEES_MAX 1000

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
static void pick_attendee(icalcomponent *ev, struct itip_reply *r)
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

/* A DATE-TIME property in UTC: 'Z' as is; TZID= through the VTIMEZONE in the object (Windows names like
 * "Romance Standard Time" only make sense that way), else through the system tz database; floating or an
 * unknown zone is taken as UTC. 0 when absent or unusable. */
static time_t prop_utc(icalcomponent *cal, icalproperty *p)
{
	struct icaltimetype t;
	icalparameter *tzp;
	const char *tzid;
	icaltimezone *zone = NULL;
	time_t ret;

	if (!p)
		return 0;
	t = icalvalue_get_datetime(icalproperty_get_value(p));
	if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t))
		return 0;
	if (icaltime_is_utc(t) || t.is_date)
		return icaltime_as_timet_with_zone(t, icaltimezone_get_utc_timezone());
	tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	tzid = tzp ? icalparameter_get_tzid(tzp) : NULL;
	if (tzid && cal)
		zone = icalcomponent_get_timezone(cal, tzid);
	if (zone)
		return icaltime_as_timet_with_zone(t, zone);
	if (tzid && tz_valid(tzid) &&
	    tz_local_to_utc(tzid, t.year, t.month, t.day, t.hour * 60 + t.minute, &ret, NULL) == 0)
		return ret + t.second;
	return icaltime_as_timet_with_zone(t, icaltimezone_get_utc_timezone());
}

/* DTEND, or DTSTART + DURATION. */
static time_t end_utc(icalcomponent *cal, icalcomponent *ev, time_t start)
{
	icalproperty *p = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);

	if (p)
		return prop_utc(cal, p);
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
	icalproperty *p;

	r->method = method_of(cal);
	r->uid = xstrdup(icalcomponent_get_uid(ev));
	pick_attendee(ev, r);
	r->comment = comment_of(ev);
	r->dtstamp = prop_utc(cal, icalcomponent_get_first_property(ev, ICAL_DTSTAMP_PROPERTY));
	p = icalcomponent_get_first_property(ev, ICAL_SEQUENCE_PROPERTY);
	r->sequence = p ? icalproperty_get_sequence(p) : 0;
	if (r->method == ITIP_COUNTER) {
		r->proposed_start = prop_utc(cal, icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY));
		r->proposed_end = end_utc(cal, ev, r->proposed_start);
	}
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
	copy = xstrndup(text, len);
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
