/* itip: the REQUEST/CANCEL text we send (exact lines, CRLF, folding, libical round trip) and a table of
 * replies written from the client facts in docs/imip-interop.md. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "itip.h"
#include "util.h"
#include "version.h"

static time_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s };

	return timegm(&tm);
}

static const struct itip_attendee attendees[] = {
	{ "Lund, Karin", "karin.lund@kommune.example", "REQ-PARTICIPANT" },
	{ "Bo Ærø", "bo.aero@forening.example", "OPT-PARTICIPANT" },
	{ "Ida: ekstern", "ida@firma.example", NULL },
};

static struct itip_event base_event(void)
{
	struct itip_event ev = {
		.method = ITIP_REQUEST,
		.uid = "20270305-netvaerk-7f3a@tovholder.example",
		.sequence = 2,
		.dtstamp = utc(2027, 2, 1, 8, 30, 0),
		.tzid = "Europe/Copenhagen",
		.year = 2027, .month = 3, .day = 5,
		.start_min = 10 * 60, .end_min = 12 * 60,
		.summary = "Netværksgruppe Børn og Unge",
		.location = "Rådhuset, mødelokale 3",
		.url = "https://intra.kommune.example/moeder/42",
		.description = "Kære alle\nVi mødes på rådhuset.",
		.organizer_name = "Tove Holder",
		.organizer_email = "tove@kommune.example",
		.attendees = attendees,
		.n_attendees = 3,
	};
	return ev;
}

/* Removes RFC 5545 folding (CRLF + one space or tab). Caller frees. */
static char *unfold(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	for (const char *p = s; *p; p++) {
		if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
			p += 2;
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

/* 1 when 'line' + CRLF is a whole line of the unfolded text. */
static int has_line(const char *unfolded, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = unfolded; (p = strstr(p, line)); p++)
		if ((p == unfolded || p[-1] == '\n') && strncmp(p + n, "\r\n", 2) == 0)
			return 1;
	return 0;
}

static int utf8_valid_n(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t n = p[i] < 0x80 ? 1 : (p[i] & 0xe0) == 0xc0 ? 2 : (p[i] & 0xf0) == 0xe0 ? 3
			 : (p[i] & 0xf8) == 0xf0 ? 4 : 0;
		if (n == 0 || i + n > len)
			return 0;
		for (size_t k = 1; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		i += n;
	}
	return 1;
}

/* CRLF only; each physical line ≤ 75 octets and valid UTF-8 on its own (so no fold split a character). */
static void assert_wire_format(const char *s)
{
	const char *line = s;

	assert_true(strlen(s) >= 2 && strcmp(s + strlen(s) - 2, "\r\n") == 0);
	while (*line) {
		const char *e = strstr(line, "\r\n");
		assert_non_null(e);
		for (const char *p = line; p < e; p++)
			assert_true(*p != '\r' && *p != '\n');
		if ((size_t)(e - line) > 75)
			fail_msg("line over 75 octets: %.*s", (int)(e - line), line);
		assert_true(utf8_valid_n((const unsigned char *)line, (size_t)(e - line)));
		line = e + 2;
	}
}

static void test_build_request(void **state)
{
	struct itip_event ev = base_event();
	struct err err = { "" };
	char *s, *u;
	static const char *const lines[] = {
		"METHOD:REQUEST",
		"PRODID:-//tovholder//tovholder " TOVHOLDER_VERSION "//DA",
		"VERSION:2.0",
		"CALSCALE:GREGORIAN",
		"TZID:Europe/Copenhagen",
		"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
		"UID:20270305-netvaerk-7f3a@tovholder.example",
		"SEQUENCE:2",
		"DTSTAMP:20270201T083000Z",
		"DTSTART;TZID=Europe/Copenhagen:20270305T100000",
		"DTEND;TZID=Europe/Copenhagen:20270305T120000",
		"SUMMARY:Netværksgruppe Børn og Unge",
		"LOCATION:Rådhuset\\, mødelokale 3",
		"URL:https://intra.kommune.example/moeder/42",
		"DESCRIPTION:Kære alle\\nVi mødes på rådhuset.",
		"ORGANIZER;CN=Tove Holder:mailto:tove@kommune.example",
		"ATTENDEE;CN=\"Lund, Karin\";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;"
		"CUTYPE=INDIVIDUAL:mailto:karin.lund@kommune.example",
		"ATTENDEE;CN=Bo Ærø;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;"
		"CUTYPE=INDIVIDUAL:mailto:bo.aero@forening.example",
		"ATTENDEE;CN=\"Ida: ekstern\";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;"
		"CUTYPE=INDIVIDUAL:mailto:ida@firma.example",
		"STATUS:CONFIRMED",
		"TRANSP:OPAQUE",
		"CLASS:PUBLIC",
		"X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
	};

	(void)state;
	s = itip_build(&ev, &err);
	assert_non_null(s);
	assert_wire_format(s);
	u = unfold(s);
	assert_true(strncmp(u, "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\n", 33) == 0);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (!has_line(u, lines[i]))
			fail_msg("missing line: %s", lines[i]);
	assert_null(strstr(u, "freeassociation"));
	assert_null(strstr(u, "STATUS:CANCELLED"));
	/* VTIMEZONE before the VEVENT that refers to it, and exactly one of each */
	assert_true(strstr(u, "BEGIN:VTIMEZONE") < strstr(u, "BEGIN:VEVENT"));
	assert_null(strstr(strstr(u, "BEGIN:VEVENT") + 1, "BEGIN:VEVENT"));
	assert_true(strcmp(u + strlen(u) - 27, "END:VEVENT\r\nEND:VCALENDAR\r\n") == 0);
	free(u);
	free(s);
}

static void test_build_cancel(void **state)
{
	struct itip_event ev = base_event();
	struct err err = { "" };
	char *s, *u;

	(void)state;
	ev.method = ITIP_CANCEL;
	ev.sequence = 3;
	ev.location = NULL;
	ev.url = NULL;
	ev.description = NULL;
	s = itip_build(&ev, &err);
	assert_non_null(s);
	assert_wire_format(s);
	u = unfold(s);
	assert_true(has_line(u, "METHOD:CANCEL"));
	assert_true(has_line(u, "STATUS:CANCELLED"));
	assert_true(has_line(u, "SEQUENCE:3"));
	assert_true(has_line(u, "DTSTART;TZID=Europe/Copenhagen:20270305T100000"));
	assert_false(has_line(u, "STATUS:CONFIRMED"));
	assert_false(has_line(u, "METHOD:REQUEST"));
	assert_null(strstr(u, "\r\nLOCATION"));
	assert_null(strstr(u, "\r\nURL"));
	assert_null(strstr(u, "\r\nDESCRIPTION"));
	free(u);
	free(s);
}

/* A description whose æ/ø/å land on every position around the 75-octet boundary, each time. */
static void test_fold_danish(void **state)
{
	(void)state;
	for (int pad = 55; pad < 80; pad++) {
		struct itip_event ev = base_event();
		struct err err = { "" };
		char desc[512], want[600];
		char *s, *u;

		memset(desc, 'a', (size_t)pad);
		strcpy(desc + pad, "æøåÆØÅ æøå Børne- og Ungeforvaltningen mødes i Rådhusets sal på første sal. "
				   "Dagsorden: Økonomi, årsplan og evaluering.");
		ev.description = desc;
		s = itip_build(&ev, &err);
		assert_non_null(s);
		assert_wire_format(s);
		u = unfold(s);
		snprintf(want, sizeof(want), "DESCRIPTION:%.*sæøåÆØÅ æøå Børne- og Ungeforvaltningen mødes i "
			 "Rådhusets sal på første sal. Dagsorden: Økonomi\\, årsplan og evaluering.", pad, desc);
		if (!has_line(u, want))
			fail_msg("pad %d: description did not survive folding", pad);
		free(u);
		free(s);
	}
}

/* libical reads back what we wrote, and its own reading of our VTIMEZONE gives the right UTC times. */
static void test_round_trip(void **state)
{
	static const struct {
		int month, day, start, end;
	} cases[] = {
		{ 3, 5, 600, 720 },     /* winter: 09:00Z-11:00Z */
		{ 9, 10, 600, 690 },    /* summer: 08:00Z-09:30Z */
		{ 12, 31, 1380, 1440 }, /* until midnight: DTEND is 00:00 the next day */
	};
	const time_t want[][2] = {
		{ utc(2027, 3, 5, 9, 0, 0), utc(2027, 3, 5, 11, 0, 0) },
		{ utc(2027, 9, 10, 8, 0, 0), utc(2027, 9, 10, 9, 30, 0) },
		{ utc(2027, 12, 31, 22, 0, 0), utc(2027, 12, 31, 23, 0, 0) },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct itip_event ev = base_event();
		struct err err = { "" };
		struct itip_reply r;
		char *s;

		ev.month = cases[i].month;
		ev.day = cases[i].day;
		ev.start_min = cases[i].start;
		ev.end_min = cases[i].end;
		ev.description = "Linje 1\r\nLinje 2; med komma, og \"citat\"";
		s = itip_build(&ev, &err);
		assert_non_null(s);

		icalcomponent *cal = icalparser_parse_string(s);
		assert_non_null(cal);
		assert_int_equal(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
		assert_int_equal(icalproperty_get_method(icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY)),
				 ICAL_METHOD_REQUEST);
		assert_null(icalcomponent_get_first_property(cal, ICAL_XLICERROR_PROPERTY));
		icalcomponent *vev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
		assert_non_null(vev);
		assert_null(icalcomponent_get_first_property(vev, ICAL_XLICERROR_PROPERTY));
		assert_string_equal(icalcomponent_get_uid(vev), ev.uid);
		assert_string_equal(icalcomponent_get_summary(vev), ev.summary);
		assert_string_equal(icalcomponent_get_description(vev), "Linje 1\nLinje 2; med komma, og \"citat\"");
		assert_int_equal(icalcomponent_count_properties(vev, ICAL_ATTENDEE_PROPERTY), 3);
		icalproperty *att = icalcomponent_get_first_property(vev, ICAL_ATTENDEE_PROPERTY);
		assert_string_equal(icalparameter_get_cn(icalproperty_get_first_parameter(att, ICAL_CN_PARAMETER)),
				    "Lund, Karin");
		icalproperty *ds = icalcomponent_get_first_property(vev, ICAL_DTSTART_PROPERTY);
		icalproperty *de = icalcomponent_get_first_property(vev, ICAL_DTEND_PROPERTY);
		const char *tzid = icalparameter_get_tzid(icalproperty_get_first_parameter(ds, ICAL_TZID_PARAMETER));
		assert_string_equal(tzid, "Europe/Copenhagen");
		icaltimezone *z = icalcomponent_get_timezone(cal, tzid);
		assert_non_null(z);
		assert_int_equal((long long)icaltime_as_timet_with_zone(icalproperty_get_dtstart(ds), z),
				 (long long)want[i][0]);
		assert_int_equal((long long)icaltime_as_timet_with_zone(icalproperty_get_dtend(de), z),
				 (long long)want[i][1]);
		icalcomponent_free(cal);

		/* our own parser takes it too; a REQUEST is not a reply */
		assert_int_equal(itip_parse(s, strlen(s), &r, &err), 0);
		assert_int_equal(r.method, ITIP_OTHER);
		assert_string_equal(r.uid, ev.uid);
		assert_int_equal(r.n_attendees, 3);
		assert_int_equal(r.sequence, 2);
		assert_int_equal((long long)r.dtstamp, (long long)ev.dtstamp);
		itip_reply_release(&r);
		free(s);
	}
}

static const char *const refused_cases[] = {
	"bad date", "bad month", "bad tzid", "empty tzid", "end before start", "end equals start",
	"start at midnight", "bad organizer", "bad attendee", "no attendees", "method reply", "bad role",
	"newline in name", "empty summary", "control in summary", "uid with space", "negative sequence",
	"url with space", "latin-1 summary",
};

/* base_event() spoiled in one way, chosen by index into refused_cases. */
static struct itip_event spoiled_event(size_t k)
{
	static const struct itip_attendee bad_addr[] = { { "X", "not-an-address", NULL } };
	static const struct itip_attendee bad_role[] = { { "X", "x@y.example", "CHAIR" } };
	static const struct itip_attendee bad_name[] = { { "X\nBCC", "x@y.example", NULL } };
	struct itip_event ev = base_event();

	switch (k) {
	case 0: ev.month = 2; ev.day = 30; break;
	case 1: ev.month = 13; break;
	case 2: ev.tzid = "Mars/Olympus_Mons"; break;
	case 3: ev.tzid = ""; break;
	case 4: ev.end_min = 9 * 60; break;
	case 5: ev.end_min = 10 * 60; break;
	case 6: ev.start_min = 24 * 60; ev.end_min = 24 * 60 + 30; break;
	case 7: ev.organizer_email = "tove@"; break;
	case 8: ev.attendees = bad_addr; ev.n_attendees = 1; break;
	case 9: ev.n_attendees = 0; break;
	case 10: ev.method = ITIP_REPLY; break;
	case 11: ev.attendees = bad_role; ev.n_attendees = 1; break;
	case 12: ev.attendees = bad_name; ev.n_attendees = 1; break;
	case 13: ev.summary = ""; break;
	case 14: ev.summary = "M\xc3\xb8" "de\x01"; break;
	case 15: ev.uid = "a b@x.example"; break;
	case 16: ev.sequence = -1; break;
	case 17: ev.url = "https://x.example/a b"; break;
	case 18: ev.summary = "M\xf8" "de"; break;   /* Latin-1 ø: not UTF-8 */
	default: fail();
	}
	return ev;
}

static void test_build_refused(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(refused_cases) / sizeof(refused_cases[0]); k++) {
		struct itip_event ev = spoiled_event(k);
		struct err err = { "" };
		print_message("refused: %s\n", refused_cases[k]);
		assert_null(itip_build(&ev, &err));
		assert_true(err.msg[0] != '\0');
	}
	/* and the unspoiled event is fine, so each refusal above is down to its one change */
	struct itip_event ok = base_event();
	struct err err = { "" };
	char *s = itip_build(&ok, &err);
	assert_non_null(s);
	free(s);
}

/* ---- replies ---- */

struct reply_case {
	const char *name;
	int lf_only;             /* keep the LF line ends as written; else they become CRLF */
	const char *text;
	enum itip_method method;
	const char *uid, *attendee, *partstat, *comment;
	const char *dtstamp;     /* "YYYY-MM-DDTHH:MM:SSZ" or NULL for 0 */
	int sequence;
	size_t n_attendees;
	const char *start, *end; /* proposed, or NULL for 0 */
};

/* Exchange / Outlook.com (imip-interop 1.2.2): METHOD before PRODID, Windows TZID, ATTENDEE first, no
 * ORGANIZER, COMMENT;LANGUAGE=, "Accepted: " inside SUMMARY, X-MICROSOFT-CDO-*. */
#define EXCHANGE_VTIMEZONE \
	"BEGIN:VTIMEZONE\n" \
	"TZID:Romance Standard Time\n" \
	"BEGIN:STANDARD\n" \
	"DTSTART:16010101T030000\n" \
	"TZOFFSETFROM:+0200\n" \
	"TZOFFSETTO:+0100\n" \
	"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\n" \
	"END:STANDARD\n" \
	"BEGIN:DAYLIGHT\n" \
	"DTSTART:16010101T020000\n" \
	"TZOFFSETFROM:+0100\n" \
	"TZOFFSETTO:+0200\n" \
	"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\n" \
	"END:DAYLIGHT\n" \
	"END:VTIMEZONE\n"

static const struct reply_case replies[] = {
	{ "exchange accept", 0,
	  "BEGIN:VCALENDAR\n"
	  "METHOD:REPLY\n"
	  "PRODID:Microsoft Exchange Server 2010\n"
	  "VERSION:2.0\n"
	  EXCHANGE_VTIMEZONE
	  "BEGIN:VEVENT\n"
	  "ATTENDEE;PARTSTAT=ACCEPTED;CN=Karin Lund:MAILTO:Karin.Lund@kommune.example\n"
	  "COMMENT;LANGUAGE=en-US:Jeg kommer gerne\\, men går kl. 11\\n\n"
	  "SUMMARY;LANGUAGE=en-US:Accepted: Netværksgruppe Børn og Unge\n"
	  "DTSTART;TZID=Romance Standard Time:20270305T100000\n"
	  "DTEND;TZID=Romance Standard Time:20270305T120000\n"
	  "UID:20270305-netvaerk-7f3a@tovholder.example\n"
	  "CLASS:PUBLIC\n"
	  "PRIORITY:5\n"
	  "DTSTAMP:20270301T101500Z\n"
	  "TRANSP:OPAQUE\n"
	  "STATUS:CONFIRMED\n"
	  "SEQUENCE:2\n"
	  "LOCATION;LANGUAGE=da-DK:Rådhuset\n"
	  "X-MICROSOFT-CDO-APPT-SEQUENCE:2\n"
	  "X-MICROSOFT-CDO-BUSYSTATUS:BUSY\n"
	  "X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY\n"
	  "X-MICROSOFT-CDO-ALLDAYEVENT:FALSE\n"
	  "X-MICROSOFT-CDO-IMPORTANCE:1\n"
	  "X-MICROSOFT-CDO-INSTTYPE:0\n"
	  "X-MICROSOFT-DISALLOW-COUNTER:FALSE\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_REPLY, "20270305-netvaerk-7f3a@tovholder.example", "karin.lund@kommune.example", "ACCEPTED",
	  "Jeg kommer gerne, men går kl. 11", "2027-03-01T10:15:00Z", 2, 1, NULL, NULL },
	{ "exchange decline, empty comment", 0,
	  "BEGIN:VCALENDAR\n"
	  "METHOD:REPLY\n"
	  "PRODID:Microsoft Exchange Server 2010\n"
	  "VERSION:2.0\n"
	  "BEGIN:VEVENT\n"
	  "ATTENDEE;PARTSTAT=DECLINED;CN=Ole Berg:MAILTO:ole.berg@kommune.example\n"
	  "COMMENT;LANGUAGE=en-US:\\n\n"
	  "SUMMARY;LANGUAGE=en-US:Declined: Netværksgruppe\n"
	  "UID:uid-exchange-2\n"
	  "DTSTAMP:20270302T070000Z\n"
	  "SEQUENCE:0\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_REPLY, "uid-exchange-2", "ole.berg@kommune.example", "DECLINED", NULL, "2027-03-02T07:00:00Z", 0, 1,
	  NULL, NULL },
	/* Google (1.2.3): UTC times, no VTIMEZONE, X-NUM-GUESTS, a VALARM that icalrestriction_check would refuse */
	{ "google decline with valarm", 0,
	  "BEGIN:VCALENDAR\n"
	  "PRODID:-//Google Inc//Google Calendar 70.9054//EN\n"
	  "VERSION:2.0\n"
	  "CALSCALE:GREGORIAN\n"
	  "METHOD:REPLY\n"
	  "BEGIN:VEVENT\n"
	  "DTSTART:20270305T090000Z\n"
	  "DTEND:20270305T110000Z\n"
	  "DTSTAMP:20270303T121314Z\n"
	  "ORGANIZER;CN=Tove Holder:mailto:tove@kommune.example\n"
	  "UID:20270305-netvaerk-7f3a@tovholder.example\n"
	  "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=DECLINED;CN=Bo Hansen;X-NUM-GUESTS=0:mailto:bo.h\n"
	  " ansen@gmail.example\n"
	  "CREATED:20270201T083000Z\n"
	  "DESCRIPTION:\n"
	  "LAST-MODIFIED:20270303T121314Z\n"
	  "LOCATION:Rådhuset\n"
	  "SEQUENCE:2\n"
	  "STATUS:CONFIRMED\n"
	  "SUMMARY:Netværksgruppe Børn og Unge\n"
	  "TRANSP:OPAQUE\n"
	  "BEGIN:VALARM\n"
	  "ACTION:DISPLAY\n"
	  "DESCRIPTION:This is an event reminder\n"
	  "TRIGGER:-P0DT0H10M0S\n"
	  "END:VALARM\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_REPLY, "20270305-netvaerk-7f3a@tovholder.example", "bo.hansen@gmail.example", "DECLINED", NULL,
	  "2027-03-03T12:13:14Z", 2, 1, NULL, NULL },
	/* Google COUNTER: junk ATTACH, echoed X-MOZ-LASTACK, lower-case "false"; proposal in UTC */
	{ "google counter", 0,
	  "BEGIN:VCALENDAR\n"
	  "PRODID:-//Google Inc//Google Calendar 70.9054//EN\n"
	  "VERSION:2.0\n"
	  "CALSCALE:GREGORIAN\n"
	  "METHOD:COUNTER\n"
	  "BEGIN:VEVENT\n"
	  "DTSTART:20270305T130000Z\n"
	  "DTEND:20270305T143000Z\n"
	  "DTSTAMP:20270303T090000Z\n"
	  "ORGANIZER;CN=Tove Holder:mailto:tove@kommune.example\n"
	  "UID:20270305-netvaerk-7f3a@tovholder.example\n"
	  "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=TENTATIVE;CN=Bo Hansen;X-NUM-GUESTS=0:mailto:b\n"
	  " o.hansen@gmail.example\n"
	  "ATTACH;FILENAME=invite.ics:?view=att&th=17a2b3c4d5e6f708&attid=0.1\n"
	  "X-MOZ-LASTACK:20270302T080000Z\n"
	  "X-MICROSOFT-DISALLOW-COUNTER:false\n"
	  "SEQUENCE:2\n"
	  "SUMMARY:Netværksgruppe Børn og Unge\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_COUNTER, "20270305-netvaerk-7f3a@tovholder.example", "bo.hansen@gmail.example", "TENTATIVE", NULL,
	  "2027-03-03T09:00:00Z", 2, 1, "2027-03-05T13:00:00Z", "2027-03-05T14:30:00Z" },
	/* a COUNTER in a Windows zone (quoted TZID): converted through the object's own VTIMEZONE, summer time */
	{ "counter windows tzid", 0,
	  "BEGIN:VCALENDAR\n"
	  "METHOD:COUNTER\n"
	  "PRODID:Microsoft Exchange Server 2010\n"
	  "VERSION:2.0\n"
	  EXCHANGE_VTIMEZONE
	  "BEGIN:VEVENT\n"
	  "ATTENDEE;PARTSTAT=TENTATIVE;CN=Karin Lund:MAILTO:karin.lund@kommune.example\n"
	  "COMMENT;LANGUAGE=da-DK:Kan vi rykke til eftermiddagen?\n"
	  "DTSTART;TZID=\"Romance Standard Time\":20270910T140000\n"
	  "DTEND;TZID=\"Romance Standard Time\":20270910T153000\n"
	  "UID:uid-counter-win\n"
	  "DTSTAMP:20270901T060000Z\n"
	  "SEQUENCE:4\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_COUNTER, "uid-counter-win", "karin.lund@kommune.example", "TENTATIVE",
	  "Kan vi rykke til eftermiddagen?", "2027-09-01T06:00:00Z", 4, 1, "2027-09-10T12:00:00Z",
	  "2027-09-10T13:30:00Z" },
	/* an Olson TZID without VTIMEZONE falls back to the tz database; DURATION instead of DTEND */
	{ "counter olson tzid with duration", 0,
	  "BEGIN:VCALENDAR\n"
	  "METHOD:COUNTER\n"
	  "VERSION:2.0\n"
	  "BEGIN:VEVENT\n"
	  "UID:uid-counter-olson\n"
	  "ATTENDEE;PARTSTAT=TENTATIVE:mailto:lis@evo.example\n"
	  "DTSTART;TZID=Europe/Copenhagen:20270305T100000\n"
	  "DURATION:PT1H30M\n"
	  "DTSTAMP:20270301T000000Z\n"
	  "SEQUENCE:1\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_COUNTER, "uid-counter-olson", "lis@evo.example", "TENTATIVE", NULL, "2027-03-01T00:00:00Z", 1, 1,
	  "2027-03-05T09:00:00Z", "2027-03-05T10:30:00Z" },
	/* Apple iCal 3 (1.2.4): the MIME part has no method= but the body has METHOD:REPLY; plus-token organizer */
	{ "apple ical 3", 0,
	  "BEGIN:VCALENDAR\n"
	  "PRODID:-//Apple Inc.//iCal 3.0//EN\n"
	  "CALSCALE:GREGORIAN\n"
	  "VERSION:2.0\n"
	  "METHOD:REPLY\n"
	  "BEGIN:VTIMEZONE\n"
	  "TZID:US/Pacific\n"
	  "BEGIN:DAYLIGHT\n"
	  "TZOFFSETFROM:-0800\n"
	  "TZOFFSETTO:-0700\n"
	  "DTSTART:20070311T020000\n"
	  "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\n"
	  "TZNAME:PDT\n"
	  "END:DAYLIGHT\n"
	  "BEGIN:STANDARD\n"
	  "TZOFFSETFROM:-0700\n"
	  "TZOFFSETTO:-0800\n"
	  "DTSTART:20071104T020000\n"
	  "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\n"
	  "TZNAME:PST\n"
	  "END:STANDARD\n"
	  "END:VTIMEZONE\n"
	  "BEGIN:VEVENT\n"
	  "SEQUENCE:7\n"
	  "DTSTART;TZID=US/Pacific:20270305T010000\n"
	  "UID:7D0F2B1C-3E4A-4B5C-8D9E-0F1A2B3C4D5E\n"
	  "ORGANIZER;CN=\"Tove Holder\":mailto:tove+7d0f2b1c@kommune.example\n"
	  "DTSTAMP:20270302T131911Z\n"
	  "SUMMARY:Netværksgruppe\n"
	  "ATTENDEE;CN=\"Jens Jensen\";CUTYPE=INDIVIDUAL;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:jens@mac.example\n"
	  "CREATED:20270301T100000Z\n"
	  "DTEND;TZID=US/Pacific:20270305T030000\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_REPLY, "7D0F2B1C-3E4A-4B5C-8D9E-0F1A2B3C4D5E", "jens@mac.example", "ACCEPTED", NULL,
	  "2027-03-02T13:19:11Z", 7, 1, NULL, NULL },
	/* iOS (1.2.5): fold in the middle of a parameter, X-CALENDARSERVER-PRIVATE-COMMENT holds the note */
	{ "ios tentative with private comment", 0,
	  "BEGIN:VCALENDAR\n"
	  "CALSCALE:GREGORIAN\n"
	  "METHOD:REPLY\n"
	  "PRODID:-//Apple Inc.//iPhone 3.0//EN\n"
	  "VERSION:2.0\n"
	  "BEGIN:VEVENT\n"
	  "ATTENDEE;CN=\"Mette Ørsted\";CUTYPE=INDIVIDUAL;PARTSTAT=TENTATIVE;ROLE=REQ-P\n"
	  " ARTICIPANT:mailto:mette@icloud.example\n"
	  "CREATED:20270301T100000Z\n"
	  "DTEND;TZID=Europe/Berlin:20270305T120000\n"
	  "DTSTAMP:20270304T200000Z\n"
	  "DTSTART;TZID=Europe/Berlin:20270305T100000\n"
	  "LAST-MODIFIED:20270304T200000Z\n"
	  "ORGANIZER;CN=\"Tove Holder\":mailto:tove@kommune.example\n"
	  "SEQUENCE:2\n"
	  "STATUS:CONFIRMED\n"
	  "SUMMARY:Netværksgruppe\n"
	  "TRANSP:OPAQUE\n"
	  "UID:uid-ios-1\n"
	  "X-CALENDARSERVER-PRIVATE-COMMENT:Jeg kommer måske lidt senere\\, beklager\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_REPLY, "uid-ios-1", "mette@icloud.example", "TENTATIVE", "Jeg kommer måske lidt senere, beklager",
	  "2027-03-04T20:00:00Z", 2, 1, NULL, NULL },
	/* Android AOSP (1.2.6): a TAB fold in the middle of the address, MAILTO: upper case */
	{ "android accept", 0,
	  "BEGIN:VCALENDAR\n"
	  "METHOD:REPLY\n"
	  "PRODID:AndroidEmail\n"
	  "VERSION:2.0\n"
	  "BEGIN:VEVENT\n"
	  "UID:040000008200E00074C5B7101A82E00800000000A1B2C3D4\n"
	  "DTSTAMP:20270303T101010Z\n"
	  "DTSTART:20270305T090000Z\n"
	  "DTEND:20270305T110000Z\n"
	  "LOCATION:Rådhuset\n"
	  "SUMMARY:Invitation: Netværksgruppe\n"
	  "DESCRIPTION:Netværksgruppe\n"
	  "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:MAILTO:anna.sv\n"
	  "\tendsen@android.example\n"
	  "ORGANIZER:MAILTO:tove@kommune.example\n"
	  "CLASS:PUBLIC\n"
	  "STATUS:CONFIRMED\n"
	  "TRANSP:OPAQUE\n"
	  "PRIORITY:5\n"
	  "SEQUENCE:1\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_REPLY, "040000008200E00074C5B7101A82E00800000000A1B2C3D4", "anna.svendsen@android.example", "ACCEPTED",
	  NULL, "2027-03-03T10:10:10Z", 1, 1, NULL, NULL },
	/* Thunderbird (1.2.7): RSVP removed from the attendee */
	{ "thunderbird decline", 0,
	  "BEGIN:VCALENDAR\n"
	  "PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN\n"
	  "VERSION:2.0\n"
	  "METHOD:REPLY\n"
	  "BEGIN:VEVENT\n"
	  "CREATED:20270301T100000Z\n"
	  "LAST-MODIFIED:20270303T080000Z\n"
	  "DTSTAMP:20270303T080000Z\n"
	  "UID:uid-tb-1\n"
	  "SUMMARY:Netværksgruppe\n"
	  "ORGANIZER;CN=Tove Holder:mailto:tove@kommune.example\n"
	  "ATTENDEE;CN=Peter Møller;PARTSTAT=DECLINED;ROLE=REQ-PARTICIPANT:mailto:peter@tb.example\n"
	  "DTSTART;TZID=Europe/Copenhagen:20270305T100000\n"
	  "DTEND;TZID=Europe/Copenhagen:20270305T120000\n"
	  "SEQUENCE:2\n"
	  "X-MOZ-SEND-INVITATIONS:TRUE\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_REPLY, "uid-tb-1", "peter@tb.example", "DECLINED", NULL, "2027-03-03T08:00:00Z", 2, 1, NULL, NULL },
	/* Evolution (1.2.8): prefixed libical TZID, SENT-BY, LANGUAGE on ATTENDEE, lower-case partstat value */
	{ "evolution accept", 0,
	  "BEGIN:VCALENDAR\n"
	  "PRODID:-//Ximian//NONSGML Evolution Calendar//EN\n"
	  "VERSION:2.0\n"
	  "METHOD:REPLY\n"
	  "BEGIN:VTIMEZONE\n"
	  "TZID:/freeassociation.sourceforge.net/Tzfile/Europe/Copenhagen\n"
	  "X-LIC-LOCATION:Europe/Copenhagen\n"
	  "BEGIN:STANDARD\n"
	  "TZNAME:CET\n"
	  "DTSTART:19701025T030000\n"
	  "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\n"
	  "TZOFFSETFROM:+0200\n"
	  "TZOFFSETTO:+0100\n"
	  "END:STANDARD\n"
	  "END:VTIMEZONE\n"
	  "BEGIN:VEVENT\n"
	  "UID:uid-evo-1\n"
	  "DTSTAMP:20270303T111111Z\n"
	  "DTSTART;TZID=/freeassociation.sourceforge.net/Tzfile/Europe/Copenhagen:20270305T100000\n"
	  "ORGANIZER;SENT-BY=\"MAILTO:sekretariat@kommune.example\":MAILTO:tove@kommune.example\n"
	  "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=accepted;RSVP=TRUE;CN=Lis Nør;LANGUAGE=en:MAILTO:\n"
	  " lis@evo.example\n"
	  "SEQUENCE:2\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_REPLY, "uid-evo-1", "lis@evo.example", "ACCEPTED", NULL, "2027-03-03T11:11:11Z", 2, 1, NULL, NULL },
	/* BlueMind MAPI (1.2.10): VTIMEZONE after the VEVENT, VERSION inside it, no ORGANIZER, no SEQUENCE */
	{ "bluemind mapi", 0,
	  "BEGIN:VCALENDAR\n"
	  "METHOD:REPLY\n"
	  "PRODID:-//BlueMind//BlueMind Calendar//FR\n"
	  "BEGIN:VEVENT\n"
	  "VERSION:2.0\n"
	  "UID:uid-bm-1\n"
	  "DTSTAMP:20270303T141500Z\n"
	  "ATTENDEE;PARTSTAT=ACCEPTED;DIR=\"bm://kommune.example/users/42\":MAILTO:svend@blue-mind.example\n"
	  "DESCRIPTION:Vi ses\n"
	  "X-ALT-DESC;FMTTYPE=text/html:<html><body><p>Vi ses</p></body></html>\n"
	  "DTSTART;TZID=Romance Standard Time:20270305T100000\n"
	  "END:VEVENT\n"
	  EXCHANGE_VTIMEZONE
	  "END:VCALENDAR\n",
	  ITIP_REPLY, "uid-bm-1", "svend@blue-mind.example", "ACCEPTED", NULL, "2027-03-03T14:15:00Z", 0, 1, NULL,
	  NULL },
	/* LF-only, no VERSION, an upper-case MAILTO with a mixed-case address */
	{ "lf only, no version", 1,
	  "BEGIN:VCALENDAR\n"
	  "METHOD:REPLY\n"
	  "BEGIN:VEVENT\n"
	  "UID:uid-lf-1\n"
	  "DTSTAMP:20270303T010203Z\n"
	  "ATTENDEE;PARTSTAT=Accepted:MAILTO:Karin.Lund@Kommune.EXAMPLE\n"
	  "X-SOMETHING-NEW;X-PARAM=1:whatever\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_REPLY, "uid-lf-1", "karin.lund@kommune.example", "ACCEPTED", NULL, "2027-03-03T01:02:03Z", 0, 1, NULL,
	  NULL },
	/* an address without the mailto: scheme */
	{ "bare address", 0,
	  "BEGIN:VCALENDAR\n"
	  "METHOD:REPLY\n"
	  "VERSION:2.0\n"
	  "BEGIN:VEVENT\n"
	  "UID:uid-bare\n"
	  "ATTENDEE;PARTSTAT=TENTATIVE:ole@x.example\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_REPLY, "uid-bare", "ole@x.example", "TENTATIVE", NULL, NULL, 0, 1, NULL, NULL },
	/* several ATTENDEEs: the one that answered counts, whatever its position */
	{ "several attendees", 0,
	  "BEGIN:VCALENDAR\n"
	  "METHOD:REPLY\n"
	  "VERSION:2.0\n"
	  "BEGIN:VEVENT\n"
	  "UID:uid-many\n"
	  "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:a@x.example\n"
	  "ATTENDEE;CN=B:mailto:b@x.example\n"
	  "ATTENDEE;PARTSTAT=DECLINED:mailto:c@x.example\n"
	  "ATTENDEE;PARTSTAT=ACCEPTED:mailto:d@x.example\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_REPLY, "uid-many", "c@x.example", "DECLINED", NULL, NULL, 0, 4, NULL, NULL },
	/* nobody answered: the first one, as is */
	{ "no answer yet", 0,
	  "BEGIN:VCALENDAR\n"
	  "METHOD:REPLY\n"
	  "BEGIN:VEVENT\n"
	  "UID:uid-none\n"
	  "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:a@x.example\n"
	  "ATTENDEE:mailto:b@x.example\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_REPLY, "uid-none", "a@x.example", "NEEDS-ACTION", NULL, NULL, 0, 2, NULL, NULL },
	/* no METHOD at all; no ATTENDEE (resource auto-replies, gromox #347) */
	{ "no method, no attendee", 0,
	  "BEGIN:VCALENDAR\n"
	  "VERSION:2.0\n"
	  "BEGIN:VEVENT\n"
	  "UID:uid-nomethod\n"
	  "SEQUENCE:5\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_OTHER, "uid-nomethod", NULL, NULL, NULL, NULL, 5, 0, NULL, NULL },
	{ "refresh", 0,
	  "BEGIN:VCALENDAR\n"
	  "METHOD:REFRESH\n"
	  "VERSION:2.0\n"
	  "BEGIN:VEVENT\n"
	  "UID:uid-refresh\n"
	  "ATTENDEE:mailto:a@x.example\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_REFRESH, "uid-refresh", "a@x.example", NULL, NULL, NULL, 0, 1, NULL, NULL },
	/* a REPLY that proposes another time (issue 16): X- properties, in a zone, or parameters of the ATTENDEE */
	{ "reply with proposed time (properties)", 0,
	  "BEGIN:VCALENDAR\n"
	  "METHOD:REPLY\n"
	  "BEGIN:VEVENT\n"
	  "UID:uid-prop\n"
	  "DTSTAMP:20270222T091500Z\n"
	  "ATTENDEE;PARTSTAT=TENTATIVE:mailto:a@x.example\n"
	  "X-APPLE-PROPOSED-START;TZID=Europe/Copenhagen:20270306T093000\n"
	  "X-APPLE-PROPOSED-END:20270306T103000Z\n"
	  "COMMENT:Kan vi flytte til i morgen kl. 9.30?\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_REPLY, "uid-prop", "a@x.example", "TENTATIVE", "Kan vi flytte til i morgen kl. 9.30?",
	  "2027-02-22T09:15:00Z", 0, 1, "2027-03-06T08:30:00Z", "2027-03-06T10:30:00Z" },
	{ "reply with proposed time (parameters)", 0,
	  "BEGIN:VCALENDAR\n"
	  "METHOD:REPLY\n"
	  "BEGIN:VEVENT\n"
	  "UID:uid-prop2\n"
	  "ATTENDEE;PARTSTAT=TENTATIVE;X-PROPOSED-START=20270306T083000Z;X-PROPOSED-END=20270306T0930\n"
	  " 00Z:mailto:b@x.example\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_REPLY, "uid-prop2", "b@x.example", "TENTATIVE", NULL, NULL, 0, 1, "2027-03-06T08:30:00Z",
	  "2027-03-06T09:30:00Z" },
	{ "publish is other", 0,
	  "BEGIN:VCALENDAR\n"
	  "METHOD:PUBLISH\n"
	  "BEGIN:VEVENT\n"
	  "UID:uid-publish\n"
	  "END:VEVENT\n"
	  "END:VCALENDAR\n",
	  ITIP_OTHER, "uid-publish", NULL, NULL, NULL, NULL, 0, 0, NULL, NULL },
};

/* LF → CRLF, except for continuation lines written as "\n " (they stay folds: CRLF + space). */
static char *to_crlf(const char *s)
{
	char *out = malloc(2 * strlen(s) + 1), *o = out;

	for (; *s; s++) {
		if (*s == '\n')
			*o++ = '\r';
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

static void assert_opt_string(const char *got, const char *want, const char *what)
{
	if (!want) {
		if (got)
			fail_msg("%s: expected NULL, got '%s'", what, got);
		return;
	}
	if (!got)
		fail_msg("%s: expected '%s', got NULL", what, want);
	if (strcmp(got, want) != 0)
		fail_msg("%s: expected '%s', got '%s'", what, want, got);
}

static time_t parse_utc(const char *s)
{
	struct tm tm = { 0 };

	if (!s)
		return 0;
	assert_non_null(strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm));
	return timegm(&tm);
}

static void test_parse_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		const struct reply_case *c = &replies[i];
		char *text = c->lf_only ? strdup(c->text) : to_crlf(c->text);
		struct itip_reply r;
		struct err err = { "" };

		print_message("reply: %s\n", c->name);
		if (itip_parse(text, strlen(text), &r, &err) != 0)
			fail_msg("%s: %s", c->name, err.msg);
		assert_int_equal(r.method, c->method);
		assert_opt_string(r.uid, c->uid, "uid");
		assert_opt_string(r.attendee, c->attendee, "attendee");
		assert_opt_string(r.partstat, c->partstat, "partstat");
		assert_opt_string(r.comment, c->comment, "comment");
		assert_int_equal((long long)r.dtstamp, (long long)parse_utc(c->dtstamp));
		assert_int_equal(r.sequence, c->sequence);
		assert_int_equal(r.n_attendees, c->n_attendees);
		assert_int_equal((long long)r.proposed_start, (long long)parse_utc(c->start));
		assert_int_equal((long long)r.proposed_end, (long long)parse_utc(c->end));
		itip_reply_release(&r);
		assert_null(r.uid);
		free(text);
	}
}

static void test_parse_refused(void **state)
{
	static const struct {
		const char *name, *text;
	} cases[] = {
		{ "garbage", "Hej Tove, jeg kan desværre ikke komme. Mvh Karin\r\n" },
		{ "empty", "" },
		{ "no vevent", "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n" },
		{ "no uid", "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:a@x.example\r\n"
			    "END:VEVENT\r\nEND:VCALENDAR\r\n" },
		{ "truncated", "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\n" },
		{ "vtodo only", "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VTODO\r\nUID:x\r\nEND:VTODO\r\nEND:VCALENDAR\r\n" },
	};
	struct itip_reply r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err err = { "" };
		memset(&r, 0x5a, sizeof(r));
		print_message("refused: %s\n", cases[i].name);
		assert_int_equal(itip_parse(cases[i].text, strlen(cases[i].text), &r, &err), -1);
		assert_true(err.msg[0] != '\0');
		assert_int_equal(((unsigned char *)&r)[0], 0x5a);   /* output untouched on failure */
	}
}

static void test_parse_caps(void **state)
{
	const char *head = "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:big\r\nDESCRIPTION:";
	const char *tail = "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
	size_t len = ITIP_PARSE_MAX + 1;
	char *big = malloc(len + 1);
	struct itip_reply r;
	struct err err = { "" };

	(void)state;
	memset(big, 'x', len);
	memcpy(big, head, strlen(head));
	memcpy(big + len - strlen(tail), tail, strlen(tail));
	big[len] = '\0';
	assert_int_equal(itip_parse(big, len, &r, &err), -1);
	assert_non_null(strstr(err.msg, "limit"));
	/* the same object one byte shorter is accepted */
	memmove(big + len - strlen(tail) - 1, tail, strlen(tail) + 1);
	assert_int_equal(itip_parse(big, len - 1, &r, &err), 0);
	assert_string_equal(r.uid, "big");
	itip_reply_release(&r);
	/* a NUL inside the given length */
	char withnul[] = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\0b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
	assert_int_equal(itip_parse(withnul, sizeof(withnul) - 1, &r, &err), -1);
	free(big);
}

/* ---- objects that cost libical hours (issue 15) ---- */

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A REPLY (or COUNTER) whose times name TZID 'tzid', defined by a VTIMEZONE whose STANDARD part repeats by
 * 'rule' (and 'extra' lines), before the VEVENT or 'inside' it. The VEVENT has an RRULE, RDATE and EXDATE too. */
static char *bomb(const char *method, const char *tzid, const char *rule, const char *extra, int inside)
{
	char *vtz = xasprintf("BEGIN:VTIMEZONE\r\nTZID:%s\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n%s\r\n%s"
			      "TZOFFSETFROM:+0500\r\nTZOFFSETTO:+0500\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n", tzid, rule,
			      extra);
	char *s = xasprintf("BEGIN:VCALENDAR\r\nMETHOD:%s\r\nVERSION:2.0\r\n%sBEGIN:VEVENT\r\nUID:bomb@x.example\r\n"
			    "%sDTSTAMP;TZID=%s:20270222T091500\r\nDTSTART;TZID=\"%s\":20270305T100000\r\n"
			    "DTEND;TZID=%s:20270305T120000\r\nRRULE:FREQ=SECONDLY;COUNT=100000000\r\n"
			    "RDATE;TZID=%s:20270305T100000,20270306T100000\r\nEXDATE;TZID=%s:20270306T100000\r\n"
			    "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@x.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
			    method, inside ? "" : vtz, inside ? vtz : "", tzid, tzid, tzid, tzid, tzid);
	free(vtz);
	return s;
}

#define YEARLY "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"

/* Issue 15: a zone that repeats every second (minute, hour, or a yearly rule at every hour) made libical
 * expand it for hours. Such an object is refused at once; a legal zone (even with 20,000 RDATEs) is never
 * expanded, and a TZID is read by the tz database or the Windows table whatever the object defines. */
static void test_parse_bombs(void **state)
{
	static const struct {
		const char *name, *method, *tzid, *rule;
		int many_rdates, inside;
		const char *refused;                 /* a word of the reason, or NULL: parsed */
		const char *dtstamp, *start, *end;   /* what must come out (UTC) */
	} cases[] = {
		{ "secondly", "REPLY", "Bomb", "RRULE:FREQ=SECONDLY", 0, 0, "more often than yearly", NULL, NULL, NULL },
		{ "minutely", "COUNTER", "Bomb", "RRULE:FREQ=MINUTELY", 0, 0, "more often than yearly", NULL, NULL, NULL },
		{ "hourly", "COUNTER", "Bomb", "RRULE:INTERVAL=1;FREQ=HOURLY", 0, 0, "more often", NULL, NULL, NULL },
		{ "daily", "REPLY", "Romance Standard Time", "RRULE:FREQ=DAILY", 0, 0, "more often", NULL, NULL, NULL },
		{ "yearly by hour", "COUNTER", "Bomb",
		  "RRULE:FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,"
		  "17,18,19,20,21,22,23;BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55;BYSECOND=0,10,20,30,40,50", 0, 0,
		  "within the day", NULL, NULL, NULL },
		{ "folded", "COUNTER", "Bomb", "RRULE:FREQ=YEA\r\n RLY;BYH\r\n\tOUR=1,2,3", 0, 0, "BYHOUR", NULL, NULL, NULL },
		{ "inside the event", "COUNTER", "Bomb", "RRULE:FREQ=SECONDLY", 0, 1, "more often", NULL, NULL, NULL },
		{ "rdates", "COUNTER", "Bomb", YEARLY, 1, 0, NULL, "2027-02-22T09:15:00Z", "2027-03-05T10:00:00Z",
		  "2027-03-05T12:00:00Z" },
		/* a real zone's name, redefined (+05:00): the tz database decides, never the object (CET in winter) */
		{ "a real name redefined", "COUNTER", "Europe/Copenhagen", YEARLY, 0, 0, NULL, "2027-02-22T09:15:00Z",
		  "2027-03-05T09:00:00Z", "2027-03-05T11:00:00Z" },
		{ "a Windows name redefined", "COUNTER", "Romance Standard Time", YEARLY, 0, 0, NULL,
		  "2027-02-22T09:15:00Z", "2027-03-05T09:00:00Z", "2027-03-05T11:00:00Z" },
	};

	(void)state;
	alarm(60);   /* today's libical would take hours: end the test instead of the machine's afternoon */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf extra;
		struct itip_reply r;
		struct err err = { "" };
		double t0, spent;
		char *text;
		int rc;

		buf_init(&extra);
		for (int d = 0; cases[i].many_rdates && d < 20000; d++)
			buf_addf(&extra, "RDATE:%04d%02d%02dT020000\r\n", 1970 + d / 300, 1 + d % 12, 1 + d % 28);
		text = bomb(cases[i].method, cases[i].tzid, cases[i].rule, extra.data, cases[i].inside);
		print_message("bomb: %s (%zu bytes)\n", cases[i].name, strlen(text));
		t0 = cpu_seconds();
		rc = itip_parse(text, strlen(text), &r, &err);
		spent = cpu_seconds() - t0;
		if (spent > 0.5)
			fail_msg("%s: %.2f CPU seconds", cases[i].name, spent);
		if (cases[i].refused) {
			if (rc != -1 || !strstr(err.msg, cases[i].refused))
				fail_msg("%s: expected a refusal with '%s', got %d '%s'", cases[i].name, cases[i].refused, rc,
					 err.msg);
		} else {
			if (rc != 0)
				fail_msg("%s: %s", cases[i].name, err.msg);
			assert_string_equal(r.partstat, "ACCEPTED");
			assert_int_equal((long long)r.dtstamp, (long long)parse_utc(cases[i].dtstamp));
			assert_int_equal((long long)r.proposed_start, (long long)parse_utc(cases[i].start));
			assert_int_equal((long long)r.proposed_end, (long long)parse_utc(cases[i].end));
			itip_reply_release(&r);
		}
		buf_release(&extra);
		free(text);
	}
	alarm(0);
}

/* Each cap on what libical is given, at its edge: within it parses, over it is refused with a reason. A line
 * we do not read may be as long as the object. */
static void test_parse_line_caps(void **state)
{
	struct itip_reply r;
	struct err err = { "" };
	struct buf b;
	char *pad = malloc(ITIP_LINE_MAX + 1);

	(void)state;
	for (int over = 0; over <= 1; over++) {
		buf_init(&b);
		buf_adds(&b, "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:caps\r\n");
		for (int i = 0; i < ITIP_PARSE_ATTENDEES_MAX + over; i++)
			buf_addf(&b, "ATTENDEE;PARTSTAT=%s:mailto:p%d@x.example\r\n", i ? "ACCEPTED" : "DECLINED", i);
		buf_adds(&b, "END:VEVENT\r\nEND:VCALENDAR\r\n");
		memset(&err, 0, sizeof(err));
		assert_int_equal(itip_parse(b.data, b.len, &r, &err), over ? -1 : 0);
		if (over) {
			assert_non_null(strstr(err.msg, "attendees"));
		} else {
			assert_int_equal(r.n_attendees, ITIP_PARSE_ATTENDEES_MAX);
			assert_string_equal(r.attendee, "p0@x.example");
			itip_reply_release(&r);
		}
		buf_release(&b);

		/* a COMMENT of exactly ITIP_LINE_MAX bytes (name included), folded at 75 octets; one more is refused */
		buf_init(&b);
		buf_adds(&b, "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:caps\r\n");
		memset(pad, 'k', ITIP_LINE_MAX + 1);   /* the byte past the cap is read when 'over' */
		memcpy(pad, "COMMENT:", 8);
		for (size_t at = 0, n = ITIP_LINE_MAX + (size_t)over; at < n; at += 74) {
			if (at)
				buf_addch(&b, ' ');
			buf_add(&b, pad + at, n - at < 74 ? n - at : 74);
			buf_adds(&b, "\r\n");
		}
		buf_adds(&b, "X-ALT-DESC;FMTTYPE=text/html:");
		for (int i = 0; i < 4 * ITIP_LINE_MAX; i++)
			buf_addch(&b, 'h');
		buf_adds(&b, "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
		memset(&err, 0, sizeof(err));
		assert_int_equal(itip_parse(b.data, b.len, &r, &err), over ? -1 : 0);
		if (over) {
			assert_non_null(strstr(err.msg, "limit"));
		} else {
			assert_int_equal(strlen(r.comment), ITIP_LINE_MAX - 8);
			itip_reply_release(&r);
		}
		buf_release(&b);
	}
	free(pad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_request),
		cmocka_unit_test(test_build_cancel),
		cmocka_unit_test(test_fold_danish),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_build_refused),
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_parse_caps),
		cmocka_unit_test(test_parse_bombs),
		cmocka_unit_test(test_parse_line_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
