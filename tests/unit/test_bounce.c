/* bounce: the shapes of bounces, what kind each is, which Message-IDs and addresses it gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bounce.h"
#include "buf.h"
#include "inmail.h"

struct bounce_case {
	const char *mail;
	int shape;
	enum bounce_kind kind;
	int server;
	const char *ids;    /* the Message-IDs, space-separated */
	const char *addrs;  /* the addresses, space-separated */
};

static const struct bounce_case cases[] = {
	/* a From of MAILER-DAEMON is the sender's to write: with the ordinary envelope sender the receiving server
	 * wrote on top (and a forged "<>" below it), it is no server's report; without any Return-Path (Exchange's
	 * own NDRs, made inside the mailbox server) it is */
	{ "Return-Path: <offer@angriber.example>\nReturn-Path: <>\nFrom: MAILER-DAEMON@angriber.example\n"
	  "X-Failed-Recipients: anna@x.example\n\nfailed\n", 1, BOUNCE_FAILED, 0, "", "anna@x.example" },
	{ "From: MAILER-DAEMON@mx.example\nX-Failed-Recipients: anna@x.example\n\nfailed\n", 1, BOUNCE_FAILED, 1, "",
	  "anna@x.example" },
	/* RFC 3464: two recipients, one failed, one delayed; Original-Recipient differs from Final-Recipient */
	{ "From: postmaster@mx.example\nContent-Type: multipart/report; report-type=\"Delivery-Status\"; "
	  "boundary=r\n\n--r\nContent-Type: text/plain\n\nsorry\n--r\nContent-Type: message/delivery-status\n\n"
	  "Reporting-MTA: dns; mx.example\n\nOriginal-Recipient: rfc822;Anna@Old.Example\n"
	  "Final-Recipient: RFC822; <anna@new.example>\nAction: Failed\nStatus: 5.0.0\n\n"
	  "Final-Recipient: rfc822; bo@y.example\nAction: delayed\nStatus: 4.0.0\n--r--\n",
	  1, BOUNCE_FAILED, 1, "", "anna@old.example anna@new.example" },
	/* only delayed: a warning; from an ordinary sender, so not a server's */
	{ "From: a@x.example\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\n\n--r\n"
	  "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
	  "Final-Recipient: rfc822; bo@y.example\nAction: delayed\n--r--\n", 1, BOUNCE_DELAYED, 0, "", "bo@y.example" },
	/* the status part base64-encoded, CRLF, duplicate addresses; the returned headers as text/rfc822-headers */
	{ "Return-Path: <>\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n--r\r\n"
	  "Content-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	  "RmluYWwtUmVjaXBpZW50OiByZmM4MjI7IGNAei5leGFtcGxlDQpPcmlnaW5hbC1SZWNpcGllbnQ6IHJmYzgyMjtjQHouZXhh"
	  "bXBsZQ0KQWN0aW9uOiBmYWlsZWQNCg==\r\n--r\r\nContent-Type: text/rfc822-headers\r\n\r\n"
	  "From: us@k.example\r\nMessage-ID:\r\n <inv-1@k.example>\r\nSubject: x\r\n--r--\r\n",
	  1, BOUNCE_FAILED, 1, "inv-1@k.example", "c@z.example" },
	/* Google Workspace: the delivery-status part is empty; the subject says Failure, the returned message
	 * carries our Message-ID */
	{ "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nSubject: Delivery Status Notification "
	  "(Failure)\nContent-Type: multipart/report; report-type=delivery-status; boundary=g\n\n--g\n"
	  "Content-Type: text/plain\n\nAddress not found\n--g\nContent-Type: message/delivery-status\n\n--g\n"
	  "Content-Type: message/rfc822\n\nFrom: us@k.example\nMessage-Id: <inv-2@k.example>\n\nbody\n--g--\n",
	  1, BOUNCE_FAILED, 1, "inv-2@k.example", "" },
	/* the same, a delay */
	{ "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nSubject: Delivery Status Notification "
	  "(Delay)\nContent-Type: multipart/report; report-type=delivery-status; boundary=g\n\n--g\n"
	  "Content-Type: text/plain\n\nThere was a temporary problem delivering your message\n--g\n"
	  "Content-Type: message/delivery-status\n\n--g--\n", 1, BOUNCE_DELAYED, 1, "", "" },
	/* Exim's text bounce: X-Failed-Recipients, the returned message quoted in the body, References */
	{ "Return-path: <>\nX-Failed-Recipients: anna@x.example, bo@y.example\nAuto-Submitted: auto-replied\n"
	  "From: Mail Delivery System <Mailer-Daemon@mx.example>\nReferences: <inv-3@k.example>\n"
	  "Subject: Mail delivery failed: returning message to sender\n\n"
	  "A message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent "
	  "error. The following address(es) failed:\n\n  anna@x.example\n\n"
	  "------ This is a copy of the message, including all the headers. ------\n\nReturn-path: <us@k.example>\n"
	  "Message-ID: <inv-3@k.example>\nMessage-ID: <inv-4@k.example>\n",
	  1, BOUNCE_FAILED, 1, "inv-3@k.example inv-4@k.example", "anna@x.example bo@y.example" },
	/* Exchange, not MIME, from postmaster: the original headers quoted, Message-ID folded and indented */
	{ "From: postmaster@contoso.example\nSubject: Undeliverable: Invitation\n\n"
	  "Delivery has failed to these recipients or groups:\n\nanna@x.example\n\n"
	  "Original message headers:\n\nReceived: from a by b\nMessage-ID:\n        <inv-5@k.example>\n"
	  "Subject: Invitation\n", 1, BOUNCE_FAILED, 1, "inv-5@k.example", "" },
	/* Exchange's system sender; a delay ("Delivery delayed:") without a status part */
	{ "From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.example>\n"
	  "Subject: Delivery delayed: Invitation\n\nDelivery is delayed to these recipients or groups:\n"
	  "anna@x.example\nThis message hasn't been delivered yet. Delivery will continue to try.\n",
	  1, BOUNCE_DELAYED, 1, "", "" },
	/* Postfix's delay warning text without a status part: the wording decides */
	{ "From: MAILER-DAEMON (Mail Delivery System)\nSubject: Delayed Mail (still being retried)\n\n"
	  "This is the mail system at host mx.example.\n\n####### THIS IS A WARNING ONLY.  YOU DO NOT NEED TO "
	  "RESEND YOUR MESSAGE. #######\n", 1, BOUNCE_DELAYED, 1, "", "" },
	/* a delivery report that says delivered */
	{ "Return-Path: <>\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\n\n--r\n"
	  "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; a@x.example\n"
	  "Action: delivered\n--r--\n", 1, BOUNCE_REPORT, 1, "", "" },
	/* Exchange Online's marker alone makes the shape */
	{ "From: a@x.example\nX-MS-Exchange-Message-Is-Ndr: \n\nno\n", 1, BOUNCE_FAILED, 0, "", "" },
	/* not bounces: a read receipt, a human, an auto-reply with a null sender (RFC 3834 §3.3) */
	{ "From: a@x.example\nContent-Type: multipart/report; report-type=disposition-notification; "
	  "boundary=r\n\n--r\n\nread\n--r--\n", 0, BOUNCE_FAILED, 0, NULL, NULL },
	{ "From: postmaster-fan@x.example\n\nhi\n", 0, BOUNCE_FAILED, 0, NULL, NULL },
	{ "Return-Path: <>\nFrom: anna@x.example\nAuto-Submitted: auto-replied\n\nferie\n", 0, BOUNCE_FAILED, 0, NULL,
	  NULL },
};

static void check_list(const char *what, size_t i, char **v, size_t n, const char *want)
{
	struct buf b;

	buf_init(&b);
	for (size_t j = 0; j < n; j++)
		buf_addf(&b, "%s%s", j ? " " : "", v[j]);
	if (strcmp(b.data ? b.data : "", want) != 0)
		fail_msg("case %zu: %s '%s', expected '%s'", i, what, b.data ? b.data : "", want);
	buf_release(&b);
}

static void test_shapes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bounce_case *c = &cases[i];
		const struct inmail_part *parts[BOUNCE_MAX_PARTS];
		struct bounce_info b;
		struct inmail m;
		struct err err;

		assert_int_equal(inmail_parse(&m, c->mail, strlen(c->mail), &err), 0);
		if (bounce_shape(&m) != c->shape)
			fail_msg("case %zu: shape %d", i, !c->shape);
		assert_true(bounce_parts(&m, parts) <= BOUNCE_MAX_PARTS);
		if (c->shape) {
			bounce_read(&m, &b);
			if (b.kind != c->kind || b.server != c->server)
				fail_msg("case %zu: kind %d server %d", i, b.kind, b.server);
			check_list("ids", i, b.msgids, b.n_msgids, c->ids);
			check_list("addrs", i, b.addrs, b.n_addrs, c->addrs);
			bounce_info_release(&b);
		}
		inmail_release(&m);
	}
}

/* The caps: thousands of recipient blocks and quoted Message-IDs keep at most the caps. */
static void test_caps(void **state)
{
	struct buf b;
	struct inmail m;
	struct err err;
	struct bounce_info bi;

	(void)state;
	buf_init(&b);
	buf_adds(&b, "From: postmaster@x.example\nContent-Type: multipart/report; report-type=delivery-status; "
		     "boundary=r\n\n--r\nContent-Type: text/plain\n\n");
	for (int i = 0; i < 5000; i++)
		buf_addf(&b, "Message-ID: <id%d@k.example>\n", i);
	buf_adds(&b, "--r\nContent-Type: message/delivery-status\n\n");
	for (int i = 0; i < 5000; i++)
		buf_addf(&b, "Final-Recipient: rfc822; a%d@x.example\nAction: failed\n\n", i);
	buf_adds(&b, "--r--\n");
	assert_int_equal(inmail_parse(&m, b.data, b.len, &err), 0);
	bounce_read(&m, &bi);
	assert_int_equal(bi.n_msgids, BOUNCE_MAX_IDS);
	assert_int_equal(bi.n_addrs, BOUNCE_MAX_ADDRS);
	assert_int_equal(bi.kind, BOUNCE_FAILED);
	bounce_info_release(&bi);
	inmail_release(&m);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
