#!/usr/bin/env bash
test_description='fetch: a report that returns no mail of ours counts only from a mail server (the null envelope sender the receiving server writes in Return-Path), never because an ordinary sender calls itself MAILER-DAEMON or writes a Return-Path of its own'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/g"
ORGANIZER=tovholder@netvaerk.example
DB=$GROUP_DIR/state.db
VICTIM=anne.dahl@faxe.example
VICTIM2=bo.aagaard@greve.example

# report FILE FROM FAILED — a server's report that returns nothing of ours: the shape of
# bounce-server-nohdr (tests/fixtures), with a Return-Path: <> of the sender's own writing
report() {
	cat >"$1" <<-EML
	Return-Path: <>
	From: Mail Delivery System <$2>
	To: $ORGANIZER
	Subject: Undelivered Mail Returned to Sender
	Date: Mon, 30 Nov 2026 10:15:00 +0100
	Message-ID: <$(basename "$1" .eml)@angriber.example>
	MIME-Version: 1.0
	Content-Type: multipart/report; report-type=delivery-status; boundary="r1"
	X-Failed-Recipients: $3

	--r1
	Content-Type: text/plain

	Your message could not be delivered: the mailbox is disabled.
	--r1
	Content-Type: message/delivery-status

	Reporting-MTA: dns; mx.angriber.example

	Final-Recipient: rfc822; $3
	Action: failed
	Status: 5.2.1

	--r1--
	EML
}

bounced() {
	sqlite3 "$DB" "SELECT count(*) FROM bounce WHERE email = '$1'"
}

test_expect_success 'invitations out' '
	th send >/dev/null &&
	mailstack_wait_idle
'

test_expect_success 'an ordinary sender calling itself MAILER-DAEMON, or postmaster, marks nobody and waits for review' '
	report daemon.eml MAILER-DAEMON@angriber.example $VICTIM &&
	mailstack_inject daemon.eml $ORGANIZER offer@angriber.example &&
	report postmaster.eml postmaster@angriber.example $VICTIM2 &&
	mailstack_inject postmaster.eml $ORGANIZER offer@angriber.example &&
	th fetch >out 2>err &&
	cat out err &&
	test "$(bounced $VICTIM)" = 0 &&
	test "$(bounced $VICTIM2)" = 0 &&
	grep "^0 answers, 0 automatic replies, 0 bounces, 0 resent, 2 for review, 0 not ours$" out &&
	th review >review &&
	grep -c "names no mail of ours" review >n && test "$(cat n)" = 2
'

test_expect_success 'the same report from a mail server (null envelope sender) still counts: we mailed the address lately' '
	report server.eml MAILER-DAEMON@mx.faxe.example $VICTIM &&
	mailstack_inject server.eml $ORGANIZER "<>" &&
	th fetch >out 2>err &&
	cat out err &&
	test "$(bounced $VICTIM)" = 1
'

test_done
