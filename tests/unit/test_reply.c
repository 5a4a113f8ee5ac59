/* reply: what each client family's mail means, from the committed fixtures (tests/fixtures/README.md). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "autoreply.h"
#include "bounce.h"
#include "inbox.h"
#include "reply.h"
#include "buf.h"
#include "util.h"

/* The fixtures' default values (tests/fixtures/make-fixtures.py). */
#define UID       "tovholder-20270305-bestyrelse-7c1e2a90@kommune.example"
#define ATTENDEE  "birthe.lauridsen@borger.example"
#define MSGID     "invitation-20270305-7c1e2a90.1@kommune.example"

static struct store_invitation invitations[] = {
	{ ATTENDEE, "Birthe Lauridsen", "Køge", "medlem", 1, 0 },
};
static struct store_meeting meetings[] = {
	{ .id = 7, .uid = UID, .date = "2027-03-05", .sequence = 0, .place = "online", .online_url = "",
	  .agenda = "", .organizer = "Karin Lund <tovholder@kommune.example>", .summary = "Bestyrelsesmøde",
	  .inv = invitations, .n_inv = 1 },
};
static struct store_snapshot sent = { .meetings = meetings, .n = 1 };

struct reply_case {
	const char *fixture;
	enum reply_outcome outcome;
	const char *answer;      /* ANSWER: expected answer and source */
	const char *source;
	const char *reason_has;  /* REVIEW/AUTOREPLY: a part of the reason */
	const char *substitute;
};

static const struct reply_case cases[] = {
	{ "outlook-exchange-accept.eml", REPLY_ANSWER, "tilsagn", "kalender", NULL, NULL },
	{ "outlook-exchange-decline.eml", REPLY_ANSWER, "afbud", "kalender", NULL, NULL },
	{ "google-accept.eml", REPLY_ANSWER, "tilsagn", "kalender", NULL, NULL },
	{ "google-counter.eml", REPLY_REVIEW, NULL, NULL, "proposes a new time", NULL },
	{ "apple-ical-accept.eml", REPLY_ANSWER, "tilsagn", "kalender", NULL, NULL },
	{ "ios-tentative.eml", REPLY_ANSWER, "tentativ", "kalender", NULL, NULL },
	{ "android-decline.eml", REPLY_ANSWER, "afbud", "kalender", NULL, NULL },
	{ "thunderbird-accept.eml", REPLY_ANSWER, "tilsagn", "kalender", NULL, NULL },
	{ "evolution-accept.eml", REPLY_ANSWER, "tilsagn", "kalender", NULL, NULL },
	{ "outlook-mac-decline.eml", REPLY_ANSWER, "afbud", "kalender", NULL, NULL },
	{ "nextcloud-accept.eml", REPLY_ANSWER, "tilsagn", "kalender", NULL, NULL },
	{ "afbud-outlook-quoted.eml", REPLY_ANSWER, "afbud", "mail", NULL, NULL },
	{ "afbud-html-only.eml", REPLY_ANSWER, "afbud", "mail", NULL, NULL },
	{ "afbud-cp1252-base64.eml", REPLY_ANSWER, "afbud", "mail", NULL, NULL },
	{ "tilsagn-plain.eml", REPLY_ANSWER, "tilsagn", "mail", NULL, NULL },
	{ "stedfortraeder.eml", REPLY_ANSWER, "afbud", "mail", NULL, "Ulrik Hedegaard" },
	{ "autoreply-outlook.eml", REPLY_AUTOREPLY, NULL, NULL, "", NULL },
	{ "autoreply-precedence.eml", REPLY_AUTOREPLY, NULL, NULL, "", NULL },
	{ "dsn-bounce.eml", REPLY_BOUNCE, NULL, NULL, "returns our mail", NULL },
	{ "bounce-exim-text.eml", REPLY_BOUNCE, NULL, NULL, "returns our mail", NULL },
	{ "bounce-gmail-text.eml", REPLY_BOUNCE, NULL, NULL, "returns our mail", NULL },
	{ "bounce-gworkspace-empty.eml", REPLY_BOUNCE, NULL, NULL, "returns our mail", NULL },
	{ "bounce-o365-headers.eml", REPLY_BOUNCE, NULL, NULL, "returns our mail", NULL },
	{ "bounce-exchange-plain.eml", REPLY_BOUNCE, NULL, NULL, "returns our mail", NULL },
	{ "bounce-server-nohdr.eml", REPLY_BOUNCE, NULL, NULL, "a server's report", NULL },
	{ "bounce-delayed.eml", REPLY_DELAYED, NULL, NULL, "delayed", NULL },
	{ "bounce-forged.eml", REPLY_REVIEW, NULL, NULL, "names no mail of ours", NULL },
	{ "autoreply-icloud.eml", REPLY_AUTOREPLY, NULL, NULL, "X-Apple-Action", NULL },
	{ "autoreply-exchange-rule.eml", REPLY_AUTOREPLY, NULL, NULL, "Exchange inbox-rule", NULL },
	{ "autoreply-xautoreply.eml", REPLY_AUTOREPLY, NULL, NULL, "X-Autoreply", NULL },
	{ "autoreply-xautorespond.eml", REPLY_AUTOREPLY, NULL, NULL, "X-Autorespond", NULL },
	{ "autoreply-german.eml", REPLY_AUTOREPLY, NULL, NULL, "out-of-office subject", NULL },
	{ "autoreply-french.eml", REPLY_AUTOREPLY, NULL, NULL, "out-of-office subject", NULL },
	{ "autoreply-danish-absent.eml", REPLY_AUTOREPLY, NULL, NULL, "out-of-office subject", NULL },
	{ "tnef-only.eml", REPLY_REVIEW, NULL, NULL, "winmail.dat", NULL },
	{ "forged-attendee.eml", REPLY_REVIEW, NULL, NULL, "possible forgery", NULL },
	{ "truncated.eml", REPLY_REVIEW, NULL, NULL, "calendar part", NULL },
	{ "unrelated-newsletter.eml", REPLY_NOT_OURS, NULL, NULL, NULL, NULL },
	{ "unrelated-colleague.eml", REPLY_NOT_OURS, NULL, NULL, NULL, NULL },
};

/* The outbox of the fixed snapshot: our invitation to the attendee, sent lately. */
static char *outbox_to(void *arg, const char *id)
{
	(void)arg;
	return strcmp(id, MSGID) == 0 ? xstrdup(ATTENDEE) : NULL;
}

static int mailed_since(void *arg, const char *email, time_t since)
{
	(void)arg;
	(void)since;
	return strcmp(email, ATTENDEE) == 0;
}

static const char *fixture_dir(void)
{
	const char *d = getenv("TOVHOLDER_FIXTURES");

	return d && *d ? d : "tests/fixtures";
}

/* When the server received the mail, for decide_file (IMAP INTERNALDATE): after every fixture's DTSTAMP. */
static time_t received = 1803427200;   /* 2027-02-24T00:00:00Z */

/* Parses a fixture and decides it as fetch would: the thread is ours when In-Reply-To names our invitation. */
static void decide_file(const char *name, size_t size_override, struct reply_decision *d)
{
	char *path = xasprintf("%s/%s", fixture_dir(), name);
	struct err err = { "" };
	size_t len;
	char *raw = util_read_file(path, 30 * 1024 * 1024, &len, &err);
	struct inmail m;
	const struct inmail_part *parts[REPLY_MAX_PARTS];

	if (!raw)
		fail_msg("%s", err.msg);
	assert_int_equal(inmail_parse(&m, raw, len, &err), 0);
	const char *irt = inmail_header(&m, "In-Reply-To");
	struct reply_env env = { &sent, irt && strstr(irt, MSGID) ? 7 : 0, size_override ? size_override : len,
				 util_parse_utc("2027-02-20T12:00:00Z"), "imap-1-1@INBOX", outbox_to, mailed_since, NULL,
				 received };
	int n = reply_parts_needed(&m, &env, parts);
	if (n < 0) {
		memset(d, 0, sizeof(*d));
		d->outcome = REPLY_NOT_OURS;
	} else {
		reply_decide(&m, &env, d);
	}
	inmail_release(&m);
	free(raw);
	free(path);
}

static void test_fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct reply_case *c = &cases[i];
		struct reply_decision d;

		decide_file(c->fixture, 0, &d);
		if (d.outcome != c->outcome)
			fail_msg("%s: outcome %d, expected %d (%s)", c->fixture, d.outcome, c->outcome, d.reason);
		if (c->answer) {
			assert_string_equal(d.answer, c->answer);
			assert_string_equal(d.source, c->source);
			assert_int_equal(d.meeting_id, 7);
			assert_string_equal(d.email, ATTENDEE);
		}
		if (c->reason_has && !strstr(d.reason, c->reason_has))
			fail_msg("%s: reason '%s' lacks '%s'", c->fixture, d.reason, c->reason_has);
		if (c->substitute)
			assert_string_equal(d.substitute, c->substitute);
		else
			assert_null(d.substitute);
		if (c->outcome == REPLY_BOUNCE || c->outcome == REPLY_DELAYED) {
			assert_int_equal(d.n_bounced, 1);
			assert_string_equal(d.bounced[0], ATTENDEE);
		}
		reply_decision_release(&d);
	}
}

/* A calendar answer counts at its DTSTAMP, not at the Date of the mail (newest wins is decided on it). */
static void test_calendar_time_is_dtstamp(void **state)
{
	struct reply_decision d;

	(void)state;
	decide_file("outlook-exchange-accept.eml", 0, &d);
	assert_int_equal(d.at, util_parse_utc("2027-02-22T09:15:00Z"));
	reply_decision_release(&d);
}

/* "Newest" is ours to judge (issue 15): a DTSTAMP (or Date) after the server received the mail counts as the
 * time it was received, so a reply dated 2999 cannot pin the answer; without INTERNALDATE, the time we read it. */
static void test_time_capped_at_receipt(void **state)
{
	struct reply_decision d;

	(void)state;
	received = util_parse_utc("2027-02-22T08:00:00Z");   /* DTSTAMP 09:15Z is an hour and a quarter later */
	decide_file("outlook-exchange-accept.eml", 0, &d);
	assert_int_equal(d.outcome, REPLY_ANSWER);
	assert_int_equal(d.at, received);
	reply_decision_release(&d);
	decide_file("tilsagn-plain.eml", 0, &d);   /* a Date header, no DTSTAMP */
	assert_int_equal(d.outcome, REPLY_ANSWER);
	assert_true(d.at <= received);
	reply_decision_release(&d);
	received = 0;   /* unknown: 'now' (2027-02-20T12:00Z) is the limit */
	decide_file("outlook-exchange-accept.eml", 0, &d);
	assert_int_equal(d.at, util_parse_utc("2027-02-20T12:00:00Z"));
	reply_decision_release(&d);
	received = 1803427200;
}

/* Too large to read: ours goes to review without a byte of body fetched; someone else's stays. */
static void test_oversized(void **state)
{
	struct reply_decision d;

	(void)state;
	decide_file("google-accept.eml", 26u * 1024 * 1024, &d);
	assert_int_equal(d.outcome, REPLY_REVIEW);
	assert_non_null(strstr(d.reason, "too large"));
	reply_decision_release(&d);
	decide_file("unrelated-newsletter.eml", 26u * 1024 * 1024, &d);
	assert_int_equal(d.outcome, REPLY_NOT_OURS);
	reply_decision_release(&d);
}

/* A reply for a meeting we did not send, and one from an invitee who was not invited to that meeting. */
static void test_unknown_meeting_and_person(void **state)
{
	struct store_invitation none[] = { { "someone@else.example", "Else", "", "medlem", 1, 0 } };
	struct reply_decision d;

	(void)state;
	meetings[0].uid = "another-uid@kommune.example";
	decide_file("outlook-exchange-accept.eml", 0, &d);
	meetings[0].uid = UID;
	assert_int_equal(d.outcome, REPLY_REVIEW);
	assert_non_null(strstr(d.reason, "did not send"));
	reply_decision_release(&d);

	meetings[0].inv = none;
	decide_file("outlook-exchange-accept.eml", 0, &d);
	meetings[0].inv = invitations;
	/* not an invitee anywhere: the calendar part still makes it ours, and a human looks */
	assert_int_equal(d.outcome, REPLY_REVIEW);
	assert_non_null(strstr(d.reason, "not invited"));
	reply_decision_release(&d);
}

/* Absurd nesting from an invitee: no crash, no guess. */
static void test_hostile_nesting(void **state)
{
	struct buf b;
	struct inmail m;
	struct err err = { "" };
	struct reply_decision d;
	const struct inmail_part *parts[REPLY_MAX_PARTS];

	(void)state;
	buf_init(&b);
	buf_adds(&b, "From: Birthe Lauridsen <" ATTENDEE ">\r\nSubject: afbud\r\nMIME-Version: 1.0\r\n"
		     "Content-Type: multipart/mixed; boundary=b0\r\n\r\n");
	for (int i = 1; i < 200; i++)
		buf_addf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i - 1, i);
	assert_int_equal(inmail_parse(&m, b.data, b.len, &err), 0);
	struct reply_env env = { &sent, 0, b.len, util_parse_utc("2027-02-20T12:00:00Z"), "imap-1-2@INBOX", NULL,
				 NULL, NULL, 0 };
	assert_true(reply_parts_needed(&m, &env, parts) >= 0);
	reply_decide(&m, &env, &d);
	assert_int_equal(d.outcome, REPLY_REVIEW);
	reply_decision_release(&d);
	inmail_release(&m);
	buf_release(&b);
}

/* Decides a raw mail (every body present) at 'now', outside any thread. */
static void decide_raw(const char *raw, size_t size, const char *now, struct reply_decision *d)
{
	struct inmail m;
	struct err err = { "" };
	const struct inmail_part *parts[REPLY_MAX_PARTS];
	struct reply_env env = { &sent, 0, size ? size : strlen(raw), util_parse_utc(now), "imap-1-3@INBOX", outbox_to,
				 mailed_since, NULL, 0 };

	assert_int_equal(inmail_parse(&m, raw, strlen(raw), &err), 0);
	if (reply_parts_needed(&m, &env, parts) < 0) {
		memset(d, 0, sizeof(*d));
		d->outcome = REPLY_NOT_OURS;
	} else {
		reply_decide(&m, &env, d);
	}
	inmail_release(&m);
}

/* Only a bounce about our own mail marks anyone (issue 15). */
static void test_bounce_ties(void **state)
{
	/* a server's report, but about someone else's mail (its Message-ID is not ours): nobody is marked,
	 * though it names the attendee and we mailed them lately */
	static const char foreign[] =
		"Return-Path: <>\nFrom: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail Returned to Sender\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n--r\n"
		"Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
		"Final-Recipient: rfc822; " ATTENDEE "\nAction: failed\n--r\nContent-Type: text/rfc822-headers\n\n"
		"From: privat@kommune.example\nMessage-ID: <private-1@kommune.example>\n--r--\n";
	/* the same without any Message-ID: the address we mailed lately counts */
	static const char bare[] =
		"Return-Path: <>\nFrom: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail Returned to Sender\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n--r\n"
		"Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
		"Final-Recipient: rfc822; " ATTENDEE "\nAction: failed\n--r--\n";
	/* a bounce too large to read is still a bounce: review, never left in the inbox */
	static const char big[] = "From: MAILER-DAEMON@mx.example\nSubject: Undelivered\n\nsorry\n";
	struct reply_decision d;

	(void)state;
	decide_raw(foreign, 0, "2027-02-20T12:00:00Z", &d);
	assert_int_equal(d.outcome, REPLY_REVIEW);
	assert_int_equal(d.n_bounced, 0);
	assert_non_null(strstr(d.reason, "none of the Message-IDs it returns is one we sent"));
	reply_decision_release(&d);
	decide_raw(bare, 0, "2027-02-20T12:00:00Z", &d);
	assert_int_equal(d.outcome, REPLY_BOUNCE);
	assert_int_equal(d.n_bounced, 1);
	assert_string_equal(d.bounced[0], ATTENDEE);
	reply_decision_release(&d);
	decide_raw(big, 26u * 1024 * 1024, "2027-02-20T12:00:00Z", &d);
	assert_int_equal(d.outcome, REPLY_REVIEW);
	reply_decision_release(&d);
}

/* An invitee's automatic reply outside a thread when no meeting lies ahead: ours all the same, moved out of
 * the inbox, noted on no meeting. */
static void test_autoreply_without_meeting(void **state)
{
	static const char raw[] = "From: Birthe Lauridsen <" ATTENDEE ">\nSubject: Ferie\nAuto-Submitted: auto-replied\n"
				  "\nJeg holder ferie.\n";
	struct reply_decision d;

	(void)state;
	decide_raw(raw, 0, "2027-02-20T12:00:00Z", &d);
	assert_int_equal(d.outcome, REPLY_AUTOREPLY);
	assert_int_equal(d.meeting_id, 7);
	reply_decision_release(&d);
	decide_raw(raw, 0, "2027-04-01T12:00:00Z", &d);
	assert_int_equal(d.outcome, REPLY_AUTOREPLY);
	assert_int_equal(d.meeting_id, 0);
	reply_decision_release(&d);
}

static int fetched(const char *field)
{
	for (size_t i = 0; inbox_header_fields[i]; i++)
		if (strcasecmp(inbox_header_fields[i], field) == 0)
			return 1;
	return 0;
}

/* fetch asks the server only for inbox_header_fields: every field the bounce and auto-reply tables read
 * must be among them, or a marker is never seen through IMAP. */
static void test_header_fields_fetched(void **state)
{
	(void)state;
	for (size_t i = 0; autoreply_header_fields[i]; i++)
		if (!fetched(autoreply_header_fields[i]))
			fail_msg("autoreply reads %s, which fetch does not ask for", autoreply_header_fields[i]);
	for (size_t i = 0; bounce_header_fields[i]; i++)
		if (!fetched(bounce_header_fields[i]))
			fail_msg("bounce reads %s, which fetch does not ask for", bounce_header_fields[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_calendar_time_is_dtstamp),
		cmocka_unit_test(test_time_capped_at_receipt),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_unknown_meeting_and_person),
		cmocka_unit_test(test_hostile_nesting),
		cmocka_unit_test(test_bounce_ties),
		cmocka_unit_test(test_autoreply_without_meeting),
		cmocka_unit_test(test_header_fields_fetched),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
