/* Unit tests for inmail: every reply fixture, then tables for the decoders and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "autoreply.h"
#include "bounce.h"
#include "buf.h"
#include "html.h"
#include "inmail.h"
#include "util.h"

#define ATTENDEE "birthe.lauridsen@borger.example"
#define MSGID "invitation-20270305-7c1e2a90.1@kommune.example"
#define FIXTURE_DATE ((time_t)1803287700) /* Mon, 22 Feb 2027 10:15:00 +0100 */

static char *read_fixture(const char *name, size_t *ret_len)
{
	const char *dir = getenv("TOVHOLDER_FIXTURES");
	char *path = xasprintf("%s/%s", dir && *dir ? dir : "tests/fixtures", name);
	struct err err;
	char *data = util_read_file(path, INMAIL_MAX_SIZE, ret_len, &err);

	if (!data)
		fail_msg("%s", err.msg);
	free(path);
	return data;
}

static void parse_fixture(const char *name, struct inmail *m)
{
	size_t len;
	char *raw = read_fixture(name, &len);
	struct err err;

	assert_int_equal(inmail_parse(m, raw, len, &err), 0);
	free(raw);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' not found in:\n%s", needle, hay);
}

/* ---- the fixtures ---- */

struct fixture_case {
	const char *file;
	const char *cal_section;  /* NULL: no calendar part */
	const char *cal_has;      /* in the decoded calendar */
	int text;                 /* 0 none, 1 text/plain, 2 text/html */
	const char *text_has;     /* in the decoded text (HTML converted) */
	const char *dsn_addr;     /* NULL: not a DSN */
	const char *auto_why;     /* NULL: not automatic */
	int tnef;
	unsigned flags;
	const char *from;
};

static const struct fixture_case fixtures[] = {
	{ "outlook-exchange-accept.eml", "3", "SUMMARY;LANGUAGE=da-DK:Accepteret: Bestyrelsesmøde", 1, NULL, NULL,
	  NULL, 0, 0, ATTENDEE },
	{ "outlook-exchange-decline.eml", "3", "COMMENT;LANGUAGE=da-DK:Jeg er desværre på kursus den dag.", 1,
	  "Jeg er desværre på kursus den dag.", NULL, NULL, 0, 0, ATTENDEE },
	{ "google-accept.eml", "1.3", "TRIGGER:-P0DT0H10M0S", 1, "has accepted this invitation", NULL,
	  "Auto-Submitted header", 0, 0, ATTENDEE },
	{ "google-counter.eml", "1.3", "METHOD:COUNTER", 1, "Kan vi rykke mødet en time?", NULL,
	  "Auto-Submitted header", 0, 0, ATTENDEE },
	{ "apple-ical-accept.eml", "2.2", "ORGANIZER;CN=\"Mødesekretariatet\":mailto:tovholder@kommune.example", 1,
	  "Event accepted.", NULL, NULL, 0, 0, ATTENDEE },
	{ "ios-tentative.eml", "2", "X-CALENDARSERVER-PRIVATE-COMMENT:Jeg kommer måske lidt senere.", 1,
	  "I may come a bit later.", NULL, NULL, 0, 0, ATTENDEE },
	{ "android-decline.eml", "2", "DESCRIPTION:Jeg kan desværre ikke deltage.", 1,
	  "Jeg kan desværre ikke deltage.", NULL, NULL, 0, 0, ATTENDEE },
	{ "thunderbird-accept.eml", "1.2", "ATTENDEE;CN=Birthe Lauridsen;PARTSTAT=ACCEPTED", 1,
	  "Birthe Lauridsen har accepteret din invitation til begivenheden: Bestyrelsesmøde", NULL, NULL, 0, 0,
	  ATTENDEE },
	{ "evolution-accept.eml", "", "ATTENDEE;CN=Birthe Lauridsen;LANGUAGE=da;PARTSTAT=ACCEPTED", 0, NULL, NULL,
	  NULL, 0, 0, ATTENDEE },
	{ "outlook-mac-decline.eml", "2", "CN=\"Birthe\r\n  Lauridsen\";PARTSTAT=DECLINED:MAILTO:", 2,
	  "Jeg er desværre forhindret – jeg sender en stedfortræder", NULL, NULL, 0, 0, ATTENDEE },
	{ "afbud-outlook-quoted.eml", NULL, NULL, 1, "Jeg må desværre melde afbud til mødet den 5. marts 2027",
	  NULL, NULL, 0, 0, ATTENDEE },
	{ "afbud-html-only.eml", NULL, NULL, 2, "Jeg kan desværre ikke komme til mødet den 5. marts 2027 – jeg er syg…",
	  NULL, NULL, 0, 0, ATTENDEE },
	{ "afbud-cp1252-base64.eml", NULL, NULL, 1,
	  "Jeg må melde afbud – jeg er på ferie i uge 9. “Beklager” det sene svar.", NULL, NULL, 0, 0, ATTENDEE },
	{ "tilsagn-plain.eml", NULL, NULL, 1, "Jeg deltager gerne.", NULL, NULL, 0, 0, ATTENDEE },
	{ "stedfortraeder.eml", NULL, NULL, 1,
	  "Min kollega Ulrik Hedegaard (ulrik.hedegaard@borger.example) deltager i stedet for mig.", NULL, NULL, 0,
	  0, ATTENDEE },
	{ "autoreply-outlook.eml", NULL, NULL, 1, "Jeg er på ferie til og med 1. marts", NULL,
	  "Auto-Submitted header", 0, 0, ATTENDEE },
	{ "autoreply-precedence.eml", NULL, NULL, 1, "Jeg er på barsel", NULL, "Precedence header", 0, 0,
	  ATTENDEE },
	{ "dsn-bounce.eml", NULL, NULL, 1, "This is the mail system", ATTENDEE, "Auto-Submitted header", 0, 0,
	  "mailer-daemon@mx.kommune.example" },
	{ "tnef-only.eml", NULL, NULL, 1, NULL, NULL, NULL, 1, 0, ATTENDEE },
	{ "forged-attendee.eml", "2", "ATTENDEE;CN=Preben Falk;PARTSTAT=DECLINED", 1,
	  "Preben Falk har afvist", NULL, NULL, 0, 0, ATTENDEE },
	{ "nextcloud-accept.eml", "2", "REQUEST-STATUS:2.0;Success", 1, "Birthe Lauridsen har accepteret din invitation",
	  NULL, NULL, 0, 0, "invitations-noreply@sky.borger.example" },
	{ "truncated.eml", "3", "METHOD:REPLY", 1, NULL, NULL, NULL, 0, INMAIL_TRUNCATED, ATTENDEE },
	{ "unrelated-newsletter.eml", NULL, NULL, 1, "Årets generalforsamling holdes i april.", NULL,
	  "Precedence header", 0, 0, "nyhedsbrev@forening.example" },
	{ "unrelated-colleague.eml", NULL, NULL, 1, "Kan du sende mig referatet fra sidste uges møde", NULL, NULL, 0,
	  0, "tove.ravnsborg@kommune.example" },
};

static void check_fixture(const struct fixture_case *c)
{
	struct inmail m;
	const struct inmail_part *cal, *text;
	const char *why = NULL;
	char *from;
	int is_html = -1;
	struct err err;

	parse_fixture(c->file, &m);
	assert_int_equal(m.flags, c->flags);
	assert_true(inmail_parse_date(inmail_header(&m, "Date")) == FIXTURE_DATE);
	from = inmail_first_address(&m, "From");
	assert_non_null(from);
	assert_string_equal(from, c->from);
	free(from);

	cal = inmail_find_calendar(&m);
	if (c->cal_section) {
		assert_non_null(cal);
		assert_string_equal(cal->section, c->cal_section);
		char *ics = inmail_part_text(cal, &err);
		assert_non_null(ics);
		assert_true(strncmp(ics, "BEGIN:VCALENDAR\r\n", 17) == 0);
		assert_contains(ics, c->cal_has);
		if (c->flags & INMAIL_TRUNCATED)
			assert_null(strstr(ics, "END:VCALENDAR"));
		else
			assert_non_null(strstr(ics, "END:VCALENDAR\r\n"));
		free(ics);
	} else {
		assert_null(cal);
	}

	text = inmail_find_text(&m, &is_html);
	if (c->text) {
		assert_non_null(text);
		assert_int_equal(is_html, c->text == 2);
		char *t = inmail_part_text(text, &err);
		assert_non_null(t);
		if (c->text == 2) {
			char *plain = html_to_text(t);
			free(t);
			t = plain;
		}
		if (c->text_has)
			assert_contains(t, c->text_has);
		free(t);
	} else {
		assert_null(text);
	}

	if (c->dsn_addr) {
		struct bounce_info b;
		assert_int_equal(bounce_shape(&m), 1);
		bounce_read(&m, &b);
		assert_int_equal(b.kind, BOUNCE_FAILED);
		assert_int_equal(b.n_addrs, 1);
		assert_string_equal(b.addrs[0], c->dsn_addr);
		bounce_info_release(&b);
	} else {
		assert_int_equal(bounce_shape(&m), 0);
	}
	assert_int_equal(autoreply_detect(&m, &why), c->auto_why != NULL);
	if (c->auto_why)
		assert_string_equal(why, c->auto_why);
	assert_int_equal(inmail_has_tnef(&m), c->tnef);
	inmail_release(&m);
}

static void test_fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		print_message("fixture %s\n", fixtures[i].file);
		check_fixture(&fixtures[i]);
	}
}

static char *header_decoded(const struct inmail *m, const char *name)
{
	const char *v = inmail_header(m, name);

	assert_non_null(v);
	return inmail_decode_words(v);
}

/* The quirks each fixture was written to carry. */
static void test_fixture_quirks(void **state)
{
	struct inmail m;
	const struct inmail_part *p;
	struct err err;
	char *s, **ids;
	size_t n;

	(void)state;
	/* iOS: NBSP before the colon in a Q-encoded subject; parameters separated by ";<TAB>" */
	parse_fixture("ios-tentative.eml", &m);
	s = header_decoded(&m, "Subject");
	assert_string_equal(s, "Foreløbig\u00a0: Bestyrelsesmøde");
	free(s);
	p = inmail_find_calendar(&m);
	assert_string_equal(inmail_part_param(p, "method"), "REPLY");
	assert_string_equal(inmail_part_param(p, "name"), "meeting.ics");
	s = inmail_part_text(p, &err);
	assert_contains(s, "\r\nATTENDEE;CN=\"Birthe Lauridsen\";CUTYPE=INDIVIDUAL;PARTSTAT=TENTATIVE;"
			   "ROLE=REQ-PARTICIPANT:mailto:" ATTENDEE "\r\n");
	free(s);
	inmail_release(&m);

	/* Android: base64 calendar without charset, TAB fold inside the address, ISO-8859-1 Q subject */
	parse_fixture("android-decline.eml", &m);
	s = header_decoded(&m, "Subject");
	assert_string_equal(s, "Møde afvist\u00a0: Bestyrelsesmøde");
	free(s);
	p = inmail_find_calendar(&m);
	assert_string_equal(p->encoding, "base64");
	assert_null(inmail_part_param(p, "charset"));
	s = inmail_part_text(p, &err);
	assert_contains(s, "MAILTO:birthe.lauridse\r\n\tn@borger.example\r\n");
	free(s);
	inmail_release(&m);

	/* Apple iCal 3: no method parameter, QP with =0D=0A, an attachment in mixed inside alternative */
	parse_fixture("apple-ical-accept.eml", &m);
	p = inmail_find_calendar(&m);
	assert_null(inmail_part_param(p, "method"));
	assert_string_equal(p->disposition, "attachment");
	assert_string_equal(inmail_part_param(p, "filename"), "iCal-20270222-101500.ics");
	s = inmail_part_text(p, &err);
	assert_contains(s, "PARTSTAT=ACCEPTED;ROLE=REQ\r\n -PARTICIPANT:mailto:");
	free(s);
	inmail_release(&m);

	/* Evolution: the message body is the calendar; upper-case METHOD parameter */
	parse_fixture("evolution-accept.eml", &m);
	assert_ptr_equal(inmail_find_calendar(&m), &m.root);
	assert_string_equal(inmail_part_param(&m.root, "method"), "REPLY");
	assert_string_equal(m.root.encoding, "8bit");
	inmail_release(&m);

	/* Google COUNTER: the MIME label says REPLY, the body says COUNTER */
	parse_fixture("google-counter.eml", &m);
	p = inmail_find_calendar(&m);
	assert_string_equal(inmail_part_param(p, "method"), "REPLY");
	assert_string_equal(p->encoding, "quoted-printable");
	s = header_decoded(&m, "Sender");
	assert_string_equal(s, "Google Calendar <calendar-notification@google.com>");
	free(s);
	inmail_release(&m);

	/* Thunderbird and Google: the inline text/calendar wins over the invite.ics duplicate */
	parse_fixture("thunderbird-accept.eml", &m);
	assert_int_equal(m.root.n_children, 2);
	assert_true(inmail_part_is(&m.root.children[1], "application", "ics"));
	assert_string_equal(inmail_find_calendar(&m)->section, "1.2");
	s = header_decoded(&m, "Subject");
	assert_string_equal(s, "Accepteret: Bestyrelsesmøde");
	free(s);
	inmail_release(&m);

	/* Outlook Danish free text: In-Reply-To our invitation; the HTML keeps the quoted header block */
	parse_fixture("afbud-outlook-quoted.eml", &m);
	inmail_parse_msgids(inmail_header(&m, "In-Reply-To"), &ids, &n);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], MSGID);
	inmail_strv_free(ids, n);
	p = &m.root.children[1];
	assert_true(inmail_part_is(p, "text", "html"));
	s = inmail_part_text(p, &err);
	char *t = html_to_text(s);
	free(s);
	assert_contains(t, "Jeg må desværre melde afbud");
	assert_contains(t, "\n________________________________\nFra: Mødesekretariatet <tovholder@kommune.example>\n"
			   "Sendt: Mon, 22 Feb 2027 10:15:00 +0100\nTil: Birthe Lauridsen <" ATTENDEE ">\n"
			   "Emne: Invitation: Bestyrelsesmøde 5. marts 2027\n");
	assert_null(strstr(t, "margin-top")); /* the <style> is gone */
	free(t);
	inmail_release(&m);

	/* Nextcloud: From is a robot, Reply-To is the attendee */
	parse_fixture("nextcloud-accept.eml", &m);
	s = inmail_first_address(&m, "Reply-To");
	assert_string_equal(s, ATTENDEE);
	free(s);
	inmail_release(&m);

	/* DSN: the enclosed invitation is parsed (with its REQUEST calendar) but never taken as a reply */
	parse_fixture("dsn-bounce.eml", &m);
	assert_int_equal(m.root.n_children, 3);
	p = &m.root.children[2];
	assert_true(inmail_part_is(p, "message", "rfc822"));
	assert_non_null(p->message);
	assert_string_equal(p->message->section, "3");
	assert_int_equal(p->message->n_children, 2);
	assert_string_equal(p->message->children[1].section, "3.2");
	assert_true(inmail_part_is(&p->message->children[1], "text", "calendar"));
	s = inmail_part_text(&p->message->children[1], &err);
	assert_contains(s, "METHOD:REQUEST");
	free(s);
	inmail_parse_msgids(inmail_part_header(p->message, "Message-ID"), &ids, &n);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], MSGID);
	inmail_strv_free(ids, n);
	assert_null(inmail_find_calendar(&m));
	inmail_release(&m);

	/* TNEF: the attachment is named, the mail is no calendar reply */
	parse_fixture("tnef-only.eml", &m);
	assert_string_equal(inmail_part_param(&m.root.children[1], "filename"), "winmail.dat");
	assert_string_equal(inmail_part_param(&m.root.children[1], "size"), "339");
	inmail_release(&m);
}

/* ---- tables ---- */

static void test_decode_words(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain ascii", "plain ascii" },
		{ "=?utf-8?Q?M=C3=B8de?=", "Møde" },
		{ "=?UTF-8?q?m=c3=b8de_i_morgen?=", "møde i morgen" },
		{ "=?utf-8?B?TcO4ZGU=?=", "Møde" },
		{ "=?utf-8?b?TcO4ZGU?=", "Møde" },                         /* padding missing */
		{ "=?iso-8859-1?q?R=E6kke?= =?iso-8859-1?q?f=F8lge?=", "Rækkefølge" }, /* joined */
		{ "=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab" },              /* folded between words */
		{ "=?utf-8?q?a?= b =?utf-8?q?c?=", "a b c" },             /* text between: spaces kept */
		{ "Re: =?utf-8?q?M=C3=B8de?= i dag", "Re: Møde i dag" },
		{ "=?utf-8?B?w6Y=?==?utf-8?B?w7g=?=", "æø" },
		{ "=?utf-8?B?w6bD?= =?utf-8?B?uA==?=", "æø" },            /* a character split across words */
		{ "=?windows-1252?Q?=93Hej=94?=", "“Hej”" },
		{ "=?iso-8859-15?q?=A4?=", "€" },
		{ "=?koi8-r?B?8NLJ18XU?=", "Привет" },                     /* any charset iconv knows */
		{ "=?utf-8*da?q?Hej?=", "Hej" },                           /* RFC 2231 language */
		{ "=?x-unknown-charset?q?abc?=", "=?x-unknown-charset?q?abc?=" },
		{ "=?utf-8?x?abc?=", "=?utf-8?x?abc?=" },                  /* bad encoding letter */
		{ "=?utf-8?q?no end", "=?utf-8?q?no end" },
		{ "=?utf-8?q?a b?=", "=?utf-8?q?a b?=" },                  /* space inside a word */
		{ "=??q?x?=", "=??q?x?=" },
		{ "=?utf-8?B?/w==?=", "\xEF\xBF\xBD" },                    /* bad UTF-8 → U+FFFD */
		{ "Caf\xE9", "Café" },                                     /* raw Latin-1 header */
		{ "Caf\xC3\xA9", "Café" },                                 /* raw UTF-8 header */
		{ "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = inmail_decode_words(cases[i].in);
		if (strcmp(s, cases[i].out) != 0)
			fail_msg("decode_words('%s') = '%s', want '%s'", cases[i].in, s, cases[i].out);
		free(s);
	}
}

static void test_transfer_decoding(void **state)
{
	static const struct {
		const char *enc, *in;
		size_t in_len;
		const char *out;
		size_t out_len;
	} cases[] = {
		{ "base64", "SGVq\r\nIGRlcg==\r\n", 0, "Hej der", 7 },
		{ "base64", "SGVqIGRlcg", 0, "Hej der", 7 },               /* no padding */
		{ "base64", " S G V q\tI G R l c g = = ", 0, "Hej der", 7 },
		{ "base64", "SGVq!!\x01IGRlcg==", 0, "Hej der", 7 },       /* junk skipped */
		{ "base64", "SGVq\r\n", 0, "Hej", 3 },
		{ "base64", "SA==SGVq", 0, "HHej", 4 },                    /* glued encodings */
		{ "base64", "AAEC", 0, "\0\1\2", 3 },
		{ "base64", "", 0, "", 0 },
		{ "quoted-printable", "M=C3=B8de", 0, "Møde", 5 },
		{ "quoted-printable", "m=c3=b8de", 0, "møde", 5 },          /* lower-case hex */
		{ "quoted-printable", "lang lin=\r\nje", 0, "lang linje", 10 },
		{ "quoted-printable", "lang lin=\nje", 0, "lang linje", 10 },
		{ "quoted-printable", "blød =  \r\nbreak", 0, "blød break", 11 },
		{ "quoted-printable", "a=0D=0Ab", 0, "a\r\nb", 4 },
		{ "quoted-printable", "a  \r\nb\t\r\n", 0, "a\r\nb\r\n", 6 },  /* padding before line ends */
		{ "quoted-printable", "1=2 and =ZZ and =", 0, "1=2 and =ZZ and ", 16 },
		{ "quoted-printable", "x=3D=\r\n", 0, "x=", 2 },
		{ "7bit", "as is\r\n", 0, "as is\r\n", 7 },
		{ "8bit", "r\xC3\xA5", 0, "r\xC3\xA5", 3 },
		{ "binary", "a\0b", 3, "a\0b", 3 },
	};
	struct err err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct inmail_part p;
		size_t n;
		char *out;

		memset(&p, 0, sizeof(p));
		p.encoding = (char *)cases[i].enc;
		p.body = cases[i].in;
		p.body_len = cases[i].in_len ? cases[i].in_len : strlen(cases[i].in);
		out = inmail_part_decode(&p, &n, &err);
		assert_non_null(out);
		if (n != cases[i].out_len || memcmp(out, cases[i].out, n) != 0)
			fail_msg("case %zu (%s '%s'): got %zu octets '%s'", i, cases[i].enc, cases[i].in, n, out);
		assert_int_equal(out[n], '\0');
		free(out);
	}

	/* failures: unknown encoding, body not fetched */
	struct inmail_part p;
	memset(&p, 0, sizeof(p));
	p.encoding = (char *)"x-uuencode";
	p.body = "begin 644 x";
	p.body_len = 11;
	strcpy(p.section, "2");
	assert_null(inmail_part_decode(&p, NULL, &err));
	assert_string_equal(err.msg, "part '2': unknown transfer encoding 'x-uuencode'");
	p.encoding = (char *)"base64";
	p.body = NULL;
	assert_null(inmail_part_decode(&p, NULL, &err));
	assert_string_equal(err.msg, "body of part '2' not fetched");
}

static void test_charsets(void **state)
{
	static const struct {
		const char *charset, *in, *out;
	} cases[] = {
		{ "utf-8", "bl\xC3\xA5", "blå" },
		{ "UTF8", "bl\xC3\xA5", "blå" },
		{ "utf-8", "bl\xE5 x", "bl\xEF\xBF\xBD x" },                /* a bad octet replaced */
		{ "utf-8", "\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD" },        /* overlong */
		{ "utf-8", "\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" }, /* surrogate */
		{ "us-ascii", "plain", "plain" },
		{ "us-ascii", "bl\xC3\xA5", "blå" },                         /* mislabelled UTF-8 */
		{ "iso-8859-1", "bl\xE5", "blå" },
		{ "ISO-8859-1", "\x93" "citat\x94 \x96 \x80", "“citat” – €" }, /* really Windows-1252 */
		{ "windows-1252", "\x85", "…" },
		{ "\"iso-8859-15\"", "\xA4 \xBD", "€ œ" },
		{ "latin1", "\xC6\xD8\xC5", "ÆØÅ" },
		{ "koi8-r", "\xF0\xD2\xC9\xD7\xC5\xD4", "Привет" },           /* via iconv */
		{ "utf-16le", "h\0i\0", "hi" },
		{ "shift_jis", "\x82\xA0", "あ" },
		{ NULL, "bl\xC3\xA5", "blå" },                              /* missing: UTF-8 if valid */
		{ NULL, "bl\xE5", "blå" },                                  /* else Windows-1252 */
		{ "", "\x93x\x94", "“x”" },
		{ "x-no-such-charset", "bl\xE5", "blå" },                   /* unknown: like missing */
		{ "utf-8//TRANSLIT", "bl\xC3\xA5", "blå" },                 /* no iconv tricks */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].in), n;
		if (cases[i].charset && strcmp(cases[i].charset, "utf-16le") == 0)
			len = 4;
		char *s = inmail_to_utf8(cases[i].in, len, cases[i].charset, &n);
		if (strcmp(s, cases[i].out) != 0)
			fail_msg("case %zu (%s): got '%s', want '%s'", i, cases[i].charset, s, cases[i].out);
		assert_int_equal(n, strlen(s));
		free(s);
	}
	/* NUL octets never reach a C string */
	size_t n;
	char *s = inmail_to_utf8("a\0b", 3, "utf-8", &n);
	assert_string_equal(s, "a\xEF\xBF\xBD" "b");
	free(s);
}

static void test_content_type_params(void **state)
{
	static const struct {
		const char *value, *type, *subtype, *param, *expect;
	} cases[] = {
		{ "text/calendar; charset=\"utf-8\"; method=REPLY", "text", "calendar", "method", "REPLY" },
		{ "TEXT/Calendar;\tCHARSET=UTF-8;\tMETHOD=REPLY", "text", "calendar", "charset", "UTF-8" },
		{ "text/plain; charset=us-ascii (Plain text)", "text", "plain", "charset", "us-ascii" },
		{ "text/plain (comment) ; format=flowed", "text", "plain", "format", "flowed" },
		{ "application/ics; name=\"a \\\"b\\\".ics\"", "application", "ics", "name", "a \"b\".ics" },
		{ "application/octet-stream; name=my file.ics", "application", "octet-stream", "name", "my file.ics" },
		{ "application/pdf; name*=utf-8''M%C3%B8de%20referat.pdf", "application", "pdf", "name",
		  "Møde referat.pdf" },
		{ "application/pdf; name*=iso-8859-1'da'M%F8de.pdf", "application", "pdf", "name", "Møde.pdf" },
		{ "application/pdf; name*0=\"lang\"; name*1=\"t navn\"; name*2=\".pdf\"", "application", "pdf", "name",
		  "langt navn.pdf" },
		{ "application/pdf; name*1*=%C3%B8de.pdf; name*0*=utf-8''M", "application", "pdf", "name",
		  "Møde.pdf" },
		{ "application/pdf; name=\"fallback.pdf\"; name*=utf-8''rigtig.pdf", "application", "pdf", "name",
		  "rigtig.pdf" },
		{ "application/pdf; name=\"=?utf-8?Q?M=C3=B8de.pdf?=\"", "application", "pdf", "name", "Møde.pdf" },
		{ "multipart/mixed; boundary=\"----=_Part_1\"", "multipart", "mixed", "boundary", "----=_Part_1" },
		{ "multipart/mixed;\r\n boundary=abc; ; junk; x", "multipart", "mixed", "boundary", "abc" },
		{ "text", "text", "plain", "charset", NULL },
		{ "", "text", "plain", "charset", NULL },
		{ "garbage", "application", "octet-stream", "charset", NULL },
		{ "text/plain; charset", "text", "plain", "charset", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct inmail m;
		const char *v;

		inmail_init(&m);
		inmail_part_set_content_type(&m.root, cases[i].value);
		assert_string_equal(m.root.type, cases[i].type);
		assert_string_equal(m.root.subtype, cases[i].subtype);
		v = inmail_part_param(&m.root, cases[i].param);
		if (cases[i].expect) {
			if (!v || strcmp(v, cases[i].expect) != 0)
				fail_msg("'%s': %s = '%s'", cases[i].value, cases[i].param, v ? v : "(null)");
		} else {
			assert_null(v);
		}
		inmail_release(&m);
	}
}

static void test_address_lists(void **state)
{
	static const struct {
		const char *in;
		size_t n;
		const char *addr[3], *name[3];
	} cases[] = {
		{ "anna@x.example", 1, { "anna@x.example" }, { "" } },
		{ "Anna Holm <Anna.Holm@X.Example>", 1, { "anna.holm@x.example" }, { "Anna Holm" } },
		{ "\"Holm, Anna\" <anna@x.example>, bo@y.example", 2, { "anna@x.example", "bo@y.example" },
		  { "Holm, Anna", "" } },
		{ "anna@x.example (Anna Holm)", 1, { "anna@x.example" }, { "Anna Holm" } },
		{ "Anna (privat) <anna@x.example>", 1, { "anna@x.example" }, { "Anna" } },
		{ "Udvalget: anna@x.example, Bo <bo@y.example>;, cc@z.example", 3,
		  { "anna@x.example", "bo@y.example", "cc@z.example" }, { "", "Bo", "" } },
		{ "undisclosed-recipients:;", 0, { NULL }, { NULL } },
		{ "=?utf-8?Q?S=C3=B8ren_=C3=85berg?= <soren@x.example>", 1, { "soren@x.example" }, { "Søren Åberg" } },
		{ "\"=?utf-8?Q?J=C3=B8rgen?=\" <j@x.example>", 1, { "j@x.example" }, { "Jørgen" } },
		{ "<@relay.example:anna@x.example>", 1, { "anna@x.example" }, { "" } },
		{ "Anna <anna@x.\r\n\texample>", 1, { "anna@x.example" }, { "Anna" } },
		{ "\"Birthe Lauridsen via Nextcloud\" <invitations-noreply@sky.example>", 1,
		  { "invitations-noreply@sky.example" }, { "Birthe Lauridsen via Nextcloud" } },
		{ "not an address, also@ , @nope", 0, { NULL }, { NULL } },
		{ "MAILER-DAEMON@mx.example (Mail Delivery System)", 1, { "mailer-daemon@mx.example" },
		  { "Mail Delivery System" } },
		{ "\"unterminated <a@x.example>", 0, { NULL }, { NULL } },
		{ "", 0, { NULL }, { NULL } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct inmail_addr *a;
		size_t n;

		assert_int_equal(inmail_parse_address_list(cases[i].in, &a, &n), 0);
		if (n != cases[i].n)
			fail_msg("'%s': %zu addresses, want %zu", cases[i].in, n, cases[i].n);
		for (size_t j = 0; j < n; j++) {
			assert_string_equal(a[j].addr, cases[i].addr[j]);
			assert_string_equal(a[j].name, cases[i].name[j]);
		}
		inmail_addrs_free(a, n);
	}
}

static void test_msgids(void **state)
{
	static const struct {
		const char *in;
		size_t n;
		const char *id[3];
	} cases[] = {
		{ "<" MSGID ">", 1, { MSGID } },
		{ "<a@x.example> <b@y.example>\r\n\t<c@z.example>", 3, { "a@x.example", "b@y.example", "c@z.example" } },
		{ "<a@x.example>(comment <no@no.example>) <b@y.example>", 2, { "a@x.example", "b@y.example" } },
		{ "Your message of \"Mon, 1 Mar\" <a@x.example>", 1, { "a@x.example" } },
		{ "<a@x.\r\n example>", 1, { "a@x.example" } },
		{ MSGID, 1, { MSGID } },                                   /* bare id */
		{ "a@x.example, b@y.example", 2, { "a@x.example", "b@y.example" } },
		{ "<>", 0, { NULL } },
		{ "<unterminated@x.example", 1, { "unterminated@x.example" } }, /* cut short: taken bare */
		{ "", 0, { NULL } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char **ids;
		size_t n;

		inmail_parse_msgids(cases[i].in, &ids, &n);
		if (n != cases[i].n)
			fail_msg("'%s': %zu ids, want %zu", cases[i].in, n, cases[i].n);
		for (size_t j = 0; j < n; j++)
			assert_string_equal(ids[j], cases[i].id[j]);
		inmail_strv_free(ids, n);
	}
}

static void test_dates(void **state)
{
	static const struct {
		const char *in;
		long long t;
	} cases[] = {
		{ "Mon, 22 Feb 2027 10:15:00 +0100", 1803287700 },
		{ "22 Feb 2027 10:15:00 +0100", 1803287700 },               /* no weekday */
		{ "Mon,22 Feb 2027 10:15 +0100", 1803287700 },              /* no seconds, no space */
		{ "Mon, 22 Feb 2027 09:15:00 GMT", 1803287700 },
		{ "Mon, 22 Feb 2027 09:15:00 UT", 1803287700 },
		{ "Mon, 22 Feb 2027 04:15:00 EST", 1803287700 },
		{ "Mon, 22 Feb 2027 10:15:00 +0100 (CET)", 1803287700 },
		{ "Mon, 22 FEB 2027 09:15:00 +0000", 1803287700 },
		{ "Tue, 1 Jul 2003 10:52:37 +0200", 1057049557 },
		{ "Tue, 1 Jul 03 10:52:37 +0200", 1057049557 },             /* two-digit year */
		{ "Fri, 21 Nov 97 09:55:06 -0600", 880127706 },
		{ "Fri, 21 Nov 097 09:55:06 -0600", 880127706 },            /* three-digit year */
		{ "21 Nov 1997 09:55:06 -06:00", 880127706 },
		{ "Mon, 22 Feb 2027 09:15:00 Z", 1803287700 },
		{ "Mon, 22 Feb 2027 09:15:00 A", 1803287700 },              /* military: unknown = UTC */
		{ "Mon, 22 Feb 2027 09:15:00", 1803287700 },                /* no zone */
		{ "Mon Feb 22 09:15:00 2027", 1803287700 },                 /* asctime */
		{ "Mon, 22 February 2027 10:15:00 +0100", 1803287700 },
		{ "Sat, 31 Dec 2016 23:59:60 +0000", 1483228799 },          /* leap second */
		{ "Mon, 30 Feb 2027 10:15:00 +0100", -1 },
		{ "Mon, 22 Foo 2027 10:15:00 +0100", -1 },
		{ "Mon, 22 Feb 2027 25:15:00 +0100", -1 },
		{ "Mon, 22 Feb 2027 10:15:00 +01", -1 },
		{ "Mon, 22 Feb 2027", -1 },
		{ "22 Feb 1969 10:00:00 +0000", -1 },
		{ "yesterday", -1 },
		{ "", -1 },
		{ NULL, -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long t = (long long)inmail_parse_date(cases[i].in);
		if (t != cases[i].t)
			fail_msg("'%s': %lld, want %lld", cases[i].in ? cases[i].in : "(null)", t, cases[i].t);
	}
}

/* ---- MIME structure from inline messages ---- */

static void test_structure(void **state)
{
	struct inmail m;
	struct err err;
	char *s;

	(void)state;
	/* LF line ends, preamble and epilogue, a boundary that is a prefix of the inner one */
	const char *lf = "Content-Type: multipart/mixed; boundary=b\n\npreamble\n--b\n"
			 "Content-Type: multipart/alternative; boundary=b2\n\n--b2\nContent-Type: text/plain\n\nA\n"
			 "--b2\nContent-Type: text/html\n\n<p>B</p>\n--b2--\n--b\nContent-Type: text/calendar\n\n"
			 "BEGIN:VCALENDAR\n--b--\nepilogue --b\n";
	assert_int_equal(inmail_parse(&m, lf, strlen(lf), &err), 0);
	assert_int_equal(m.flags, 0);
	assert_int_equal(m.n_parts, 5);
	assert_int_equal(m.root.n_children, 2);
	assert_int_equal(m.root.children[0].n_children, 2);
	assert_string_equal(m.root.children[0].children[1].section, "1.2");
	assert_int_equal(m.root.children[0].children[0].body_len, 1);
	assert_memory_equal(m.root.children[0].children[0].body, "A", 1);
	assert_string_equal(inmail_find_calendar(&m)->section, "2");
	inmail_release(&m);

	/* a part whose header forgot the blank line; a header without any colon line */
	const char *noblank = "Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n--x\r\n"
			      "Content-Type: text/plain; charset=utf-8\r\nJeg deltager.\r\n--x\r\nBare tekst\r\n--x--\r\n";
	assert_int_equal(inmail_parse(&m, noblank, strlen(noblank), &err), 0);
	assert_int_equal(m.root.n_children, 2);
	s = inmail_part_text(&m.root.children[0], &err);
	assert_string_equal(s, "Jeg deltager.");
	free(s);
	s = inmail_part_text(&m.root.children[1], &err);
	assert_string_equal(s, "Bare tekst");
	free(s);
	assert_int_equal(m.root.children[1].n_headers, 0);
	inmail_release(&m);

	/* headers only; folded headers; obsolete space before the colon; an mbox From line */
	const char *hdr = "From someone Mon Feb 22 10:00:00 2027\nSubject : a\n b\n\tc\nX-Empty:\nTo: x@y.example";
	assert_int_equal(inmail_parse(&m, hdr, strlen(hdr), &err), 0);
	assert_string_equal(inmail_header(&m, "subject"), "a b\tc");
	assert_string_equal(inmail_header(&m, "X-EMPTY"), "");
	assert_string_equal(inmail_header(&m, "to"), "x@y.example");
	assert_null(inmail_header(&m, "From"));
	assert_int_equal(m.root.body_len, 0);
	inmail_release(&m);

	/* multipart without boundary parameter or without any delimiter */
	const char *nob = "Content-Type: multipart/mixed\r\n\r\nbody\r\n";
	assert_int_equal(inmail_parse(&m, nob, strlen(nob), &err), 0);
	assert_int_equal(m.flags, INMAIL_MALFORMED);
	assert_int_equal(m.root.n_children, 0);
	inmail_release(&m);
	const char *nodelim = "Content-Type: multipart/mixed; boundary=q\r\n\r\nbody\r\n";
	assert_int_equal(inmail_parse(&m, nodelim, strlen(nodelim), &err), 0);
	assert_int_equal(m.flags, INMAIL_MALFORMED);
	inmail_release(&m);

	/* a single-part mail, and no headers at all */
	assert_int_equal(inmail_parse(&m, "\r\nonly body", 11, &err), 0);
	assert_string_equal(m.root.section, "");
	assert_true(inmail_part_is(&m.root, "text", "plain"));
	assert_string_equal(m.root.encoding, "7bit");
	assert_int_equal(m.root.body_len, 9);
	inmail_release(&m);
	assert_int_equal(inmail_parse(&m, "", 0, &err), 0);
	inmail_release(&m);

	/* multipart/digest: parts default to message/rfc822 */
	const char *dig = "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: inner\n\nhi\n--d--\n";
	assert_int_equal(inmail_parse(&m, dig, strlen(dig), &err), 0);
	assert_true(inmail_part_is(&m.root.children[0], "message", "rfc822"));
	assert_non_null(m.root.children[0].message);
	assert_string_equal(inmail_part_header(m.root.children[0].message, "Subject"), "inner");
	inmail_release(&m);

	/* base64-encoded message/global is decoded before it is parsed */
	const char *glob = "Content-Type: multipart/mixed; boundary=g\n\n--g\nContent-Type: message/global\n"
			   "Content-Transfer-Encoding: base64\n\nU3ViamVjdDogaW5kZQ0KDQpoZWo=\n--g--\n";
	assert_int_equal(inmail_parse(&m, glob, strlen(glob), &err), 0);
	assert_string_equal(inmail_part_header(m.root.children[0].message, "Subject"), "inde");
	assert_int_equal(m.root.children[0].message->body_len, 3);
	inmail_release(&m);

	/* calendar preferences: a duplicate .ics attachment first, then the inline part in alternative */
	const char *pref = "Content-Type: multipart/mixed; boundary=p\n\n"
			   "--p\nContent-Type: application/octet-stream; name=invite.ics\n\nX\n"
			   "--p\nContent-Type: text/calendar\nContent-Disposition: attachment\n\nY\n"
			   "--p\nContent-Type: multipart/alternative; boundary=q\n\n--q\nContent-Type: text/calendar\n"
			   "Content-Disposition: attachment\n\nZ\n--q--\n--p--\n";
	assert_int_equal(inmail_parse(&m, pref, strlen(pref), &err), 0);
	assert_string_equal(inmail_find_calendar(&m)->section, "3.1");
	inmail_release(&m);
	const char *pref2 = "Content-Type: multipart/mixed; boundary=p\n\n"
			    "--p\nContent-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\nnot me\n"
			    "--p\nContent-Type: application/octet-stream; name=\"INVITE.ICS\"\n\nX\n"
			    "--p\nContent-Type: text/html\n\n<b>me</b>\n--p--\n";
	int is_html = 0;
	assert_int_equal(inmail_parse(&m, pref2, strlen(pref2), &err), 0);
	assert_string_equal(inmail_find_calendar(&m)->section, "2");
	assert_string_equal(inmail_find_text(&m, &is_html)->section, "3");
	assert_int_equal(is_html, 1);
	inmail_release(&m);
}

/* The IMAP path: a tree built from BODYSTRUCTURE, bodies fetched later. */
static void test_imap_build(void **state)
{
	struct inmail m;
	struct inmail_part *kids, *inner, *encl;
	struct err err;
	char *s;
	static const char hdr[] = "From: \"Lauridsen, Birthe\" <" ATTENDEE ">\r\nSubject: =?utf-8?q?Accepteret?=\r\n\r\n";

	(void)state;
	inmail_init(&m);
	inmail_set_headers(&m, hdr, strlen(hdr));
	inmail_part_set_content_type(&m.root, "multipart/mixed; boundary=\"x\"");
	kids = inmail_part_add_children(&m, &m.root, 3);
	assert_non_null(kids);
	assert_null(inmail_part_add_children(&m, &m.root, 1)); /* once per part */
	inmail_part_set_content_type(&kids[0], "multipart/alternative");
	inner = inmail_part_add_children(&m, &kids[0], 2);
	inmail_part_set_content_type(&inner[1], "text/calendar; charset=\"utf-8\"; method=REPLY");
	inmail_part_set_encoding(&inner[1], "BASE64");
	inmail_part_set_content_type(&kids[1], "application/ms-tnef; name=winmail.dat");
	inmail_part_set_content_type(&kids[2], "message/rfc822");
	encl = inmail_part_add_message(&m, &kids[2]);
	assert_non_null(encl);
	inmail_part_set_content_type(encl, "text/calendar");
	assert_string_equal(inner[1].section, "1.2");
	assert_string_equal(encl->section, "3");
	assert_int_equal(m.n_parts, 7);

	assert_ptr_equal(inmail_find_calendar(&m), &inner[1]);
	assert_null(inmail_part_text(&inner[1], &err)); /* not fetched yet */
	assert_string_equal(err.msg, "body of part '1.2' not fetched");
	char *fetched = xstrdup("QkVHSU46VkNBTEVOREFSDQo=");
	inmail_part_set_body(&m, &inner[1], fetched, strlen(fetched));
	free(fetched); /* the body was copied */
	s = inmail_part_text(&inner[1], &err);
	assert_string_equal(s, "BEGIN:VCALENDAR\r\n");
	free(s);
	assert_int_equal(inmail_has_tnef(&m), 1);
	s = inmail_first_address(&m, "From");
	assert_string_equal(s, ATTENDEE);
	free(s);
	inmail_release(&m);

	/* caps */
	inmail_init(&m);
	assert_null(inmail_part_add_children(&m, &m.root, INMAIL_MAX_PARTS));
	assert_int_equal(m.flags, INMAIL_TOO_MANY_PARTS);
	struct inmail_part *p = &m.root;
	for (int d = 0; d < INMAIL_MAX_DEPTH; d++) {
		p = inmail_part_add_children(&m, p, 1);
		assert_non_null(p);
	}
	assert_null(inmail_part_add_children(&m, p, 1));
	assert_true(m.flags & INMAIL_TOO_DEEP);
	inmail_release(&m);
}

/* ---- hostile input: no crash, bounded work, sensible flags ---- */

static void test_hostile(void **state)
{
	struct inmail m;
	struct err err;
	struct buf b;
	char *s;

	(void)state;
	/* 10,000 nested multiparts */
	buf_init(&b);
	for (int i = 0; i < 10000; i++)
		buf_addf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i);
	buf_adds(&b, "Content-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\n");
	for (int i = 9999; i >= 0; i--)
		buf_addf(&b, "--b%d--\r\n", i);
	assert_int_equal(inmail_parse(&m, b.data, b.len, &err), 0);
	assert_true(m.flags & INMAIL_TOO_DEEP);
	assert_true(m.n_parts <= INMAIL_MAX_DEPTH + 1);
	assert_null(inmail_find_calendar(&m));
	inmail_release(&m);
	buf_release(&b);

	/* 10,000 nested enclosed messages */
	buf_init(&b);
	for (int i = 0; i < 10000; i++)
		buf_adds(&b, "Content-Type: message/rfc822\n\n");
	assert_int_equal(inmail_parse(&m, b.data, b.len, &err), 0);
	assert_true(m.flags & INMAIL_TOO_DEEP);
	inmail_release(&m);
	buf_release(&b);

	/* a boundary that never ends, and a part storm */
	buf_init(&b);
	buf_adds(&b, "Content-Type: multipart/mixed; boundary=z\n\n--z\nContent-Type: text/plain\n\n");
	for (int i = 0; i < 100000; i++)
		buf_adds(&b, "--zz not a delimiter\n");
	assert_int_equal(inmail_parse(&m, b.data, b.len, &err), 0);
	assert_int_equal(m.flags, INMAIL_TRUNCATED);
	assert_int_equal(m.root.n_children, 1);
	inmail_release(&m);
	buf_reset(&b);
	buf_adds(&b, "Content-Type: multipart/mixed; boundary=z\n\n");
	for (int i = 0; i < 5000; i++)
		buf_adds(&b, "--z\n\nx\n");
	assert_int_equal(inmail_parse(&m, b.data, b.len, &err), 0);
	assert_true(m.flags & INMAIL_TOO_MANY_PARTS);
	assert_int_equal(m.n_parts, INMAIL_MAX_PARTS);
	inmail_release(&m);
	buf_release(&b);

	/* a 1 MB header line, and a 1 MB header made of folds */
	buf_init(&b);
	buf_adds(&b, "Subject: ");
	for (int i = 0; i < (1 << 20); i++)
		buf_addch(&b, 'x');
	buf_adds(&b, "\r\nX-Folded: a");
	for (int i = 0; i < 200000; i++)
		buf_adds(&b, "\r\n b");
	buf_adds(&b, "\r\nTo: a@b.example\r\n\r\nbody");
	assert_int_equal(inmail_parse(&m, b.data, b.len, &err), 0);
	assert_int_equal(m.flags, INMAIL_LONG_HEADER);
	assert_int_equal(strlen(inmail_header(&m, "Subject")), INMAIL_MAX_HEADER_LEN);
	assert_true(strlen(inmail_header(&m, "X-Folded")) <= INMAIL_MAX_HEADER_LEN);
	assert_string_equal(inmail_header(&m, "To"), "a@b.example");
	assert_int_equal(m.root.body_len, 4);
	s = inmail_decode_words(inmail_header(&m, "Subject"));
	assert_int_equal(strlen(s), INMAIL_MAX_HEADER_LEN);
	free(s);
	inmail_release(&m);
	buf_release(&b);

	/* a header of nothing but folds (white space to trim) */
	buf_init(&b);
	buf_adds(&b, "Subject:");
	for (int i = 0; i < 100000; i++)
		buf_adds(&b, "\r\n  ");
	buf_adds(&b, "\r\n x\r\nFrom: a@b.example");
	for (int i = 0; i < 100000; i++)
		buf_adds(&b, "\r\n ");
	buf_adds(&b, "\r\n\r\n");
	assert_int_equal(inmail_parse(&m, b.data, b.len, &err), 0);
	assert_string_equal(inmail_header(&m, "Subject"), "");
	s = inmail_first_address(&m, "From");
	assert_string_equal(s, "a@b.example");
	free(s);
	inmail_release(&m);
	buf_release(&b);

	/* too many header fields */
	buf_init(&b);
	for (int i = 0; i < 3000; i++)
		buf_addf(&b, "X-H%d: v\n", i);
	buf_adds(&b, "\nbody");
	assert_int_equal(inmail_parse(&m, b.data, b.len, &err), 0);
	assert_int_equal(m.flags, INMAIL_TOO_MANY_HEADERS);
	assert_int_equal(m.root.n_headers, INMAIL_MAX_HEADERS);
	assert_int_equal(m.root.body_len, 4);
	inmail_release(&m);
	buf_release(&b);

	/* NUL octets everywhere */
	static const char nul[] = "Subject: a\0b\r\nContent-Type: multipart/mixed; boundary=\"n\"\r\n\r\n--n\r\n"
				  "Content-Type: text/plain; charset=utf-8\r\n\r\nx\0y\r\n--n\0--\r\n--n--\r\n";
	assert_int_equal(inmail_parse(&m, nul, sizeof(nul) - 1, &err), 0);
	assert_string_equal(inmail_header(&m, "Subject"), "a b");
	s = inmail_part_text(&m.root.children[0], &err);
	assert_string_equal(s, "x\xEF\xBF\xBDy\r\n--n\xEF\xBF\xBD--");
	free(s);
	inmail_release(&m);

	/* inputs that would take quadratic time in a naive decoder: these must finish at once */
	buf_init(&b);
	buf_adds(&b, "=?utf-8?q?");
	while (b.len < INMAIL_MAX_HEADER_LEN)
		buf_adds(&b, "x=?utf-8?q?");
	s = inmail_decode_words(b.data);
	assert_string_equal(s, b.data);
	free(s);
	buf_reset(&b);
	for (int i = 0; i < 200000; i++)
		buf_adds(&b, "<head><a &#x");
	s = html_to_text(b.data);
	assert_string_equal(s, "");
	free(s);
	buf_reset(&b);
	for (int i = 0; i < 200000; i++)
		buf_adds(&b, "<<((\"");
	free(inmail_decode_words(b.data));
	struct inmail_addr *al;
	size_t an;
	inmail_parse_address_list(b.data, &al, &an);
	inmail_addrs_free(al, an);
	char **ids;
	inmail_parse_msgids(b.data, &ids, &an);
	inmail_strv_free(ids, an);
	buf_release(&b);

	/* over the size cap: refused */
	size_t big = INMAIL_MAX_SIZE + 1;
	char *huge = xcalloc(1, big);
	assert_int_equal(inmail_parse(&m, huge, big, &err), -1);
	assert_string_equal(err.msg, "message too large (26214401 bytes, limit 26214400)");
	inmail_release(&m);
	free(huge);

	/* garbage: every byte value, random-ish structure */
	buf_init(&b);
	uint32_t x = 12345;
	static const char *const bits[] = { "Content-Type: multipart/mixed; boundary=q\r\n", "--q\r\n", "--q--\r\n",
					    "\r\n", "=?utf-8?B?", "?=", "Content-Transfer-Encoding: base64\r\n",
					    "message/rfc822", ":", " ", "\t", "\"", "(", "<", "&#x", ";" };
	for (int round = 0; round < 200; round++) {
		buf_reset(&b);
		for (int i = 0; i < 400; i++) {
			x = x * 1103515245u + 12345u;
			if ((x >> 16) % 3)
				buf_adds(&b, bits[(x >> 8) % (sizeof(bits) / sizeof(bits[0]))]);
			else
				buf_addch(&b, (char)(x >> 24));
		}
		assert_int_equal(inmail_parse(&m, b.data, b.len, &err), 0);
		const struct inmail_part *c = inmail_find_calendar(&m);
		int html;
		const struct inmail_part *t = inmail_find_text(&m, &html);
		char **addrs;
		size_t n;
		if (c)
			free(inmail_part_text(c, &err));
		if (t) {
			char *tx = inmail_part_text(t, &err);
			if (tx)
				free(html_to_text(tx));
			free(tx);
		}
		if (bounce_shape(&m)) {
			struct bounce_info bi;
			bounce_read(&m, &bi);
			bounce_info_release(&bi);
		}
		autoreply_detect(&m, NULL);
		inmail_has_tnef(&m);
		free(inmail_decode_words(b.data));
		free(html_to_text(b.data));
		inmail_parse_date(b.data);
		struct inmail_addr *a;
		inmail_parse_address_list(b.data, &a, &n);
		inmail_addrs_free(a, n);
		inmail_parse_msgids(b.data, &addrs, &n);
		inmail_strv_free(addrs, n);
		inmail_release(&m);
	}
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_fixture_quirks),
		cmocka_unit_test(test_decode_words),
		cmocka_unit_test(test_transfer_decoding),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_content_type_params),
		cmocka_unit_test(test_address_lists),
		cmocka_unit_test(test_msgids),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_imap_build),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
