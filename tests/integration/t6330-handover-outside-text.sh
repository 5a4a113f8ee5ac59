#!/usr/bin/env bash
test_description='handover: text from outside mail (a subject in review, a bounce'\''s subject) reaches the Danish letter and the deltagerliste only made visible: no escape sequence for the terminal the new tovholder reads them on'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/old"
ORGANIZER=tovholder@netvaerk.example
LATER=2027-04-01T08:00:00Z
HO=$TEST_TMP/overdragelse.tovholder
ESC=$(printf '\033')

test_expect_success 'setup: invitations out' '
	th send >/dev/null &&
	mailstack_wait_idle
'

test_expect_success 'a mail for review whose subject hides an escape sequence, and a server report whose subject has control characters' '
	cat >review.eml <<-EOF &&
	From: Anne Mose Dahl <anne.dahl@faxe.example>
	To: $ORGANIZER
	Subject: =?utf-8?q?Sp=C3=B8rgsm=C3=A5l_=1B]0;pwned=07=1B[2J?=
	Date: Wed, 02 Dec 2026 10:15:00 +0100
	Message-ID: <review-1@faxe.example>
	Content-Type: text/plain; charset=utf-8

	Hvad er dagsordenen den 5/3?
	EOF
	mailstack_inject review.eml $ORGANIZER &&
	cat >report.eml <<-EOF &&
	From: Mail Delivery System <MAILER-DAEMON@mx.greve.example>
	To: $ORGANIZER
	Subject: =?utf-8?q?Undelivered=1B[31m_mail=01?=
	Date: Wed, 02 Dec 2026 10:15:00 +0100
	Message-ID: <report-1@mx.greve.example>
	X-Failed-Recipients: bo.aagaard@greve.example

	The mailbox is disabled.
	EOF
	mailstack_inject report.eml $ORGANIZER "<>" &&
	th fetch >out 2>err &&
	cat out err &&
	grep "1 bounce, 0 resent, 1 for review" out
'

test_expect_success 'overdrag: the letter and the deltagerliste show them as text, without a raw control character' '
	GROUP_NOW=$LATER th overdrag -o "$HO" --til "Ole Sand" >out &&
	L="$TEST_TMP/overdragelse.txt" &&
	cat "$L" &&
	grep "Spørgsmål" "$L" &&
	! grep -q "[$ESC$(printf "\001\007")]" "$L" &&
	grep -F "\\x1B]0;pwned" "$L" &&
	# the deltagerliste (the roster section, read by an independent reader of the format)
	/usr/bin/python3 - "$HO" <<-\EOF
	import base64, re, sys
	text = open(sys.argv[1], encoding="utf-8").read()
	m = re.search(r"^section roster (\d+)\n(.*?)^(?:section|end) ", text, re.S | re.M)
	roster = base64.b64decode("".join(m.group(2).split())).decode("utf-8")
	bo = [l for l in roster.split("\r\n") if "bo.aagaard@greve.example" in l][0]
	assert "Adresse afvist: Undelivered\\x1B[31m mail\\x01" in bo, bo
	assert not re.search("[\x00-\x08\x0b-\x1f\x7f]", roster.replace("\r\n", "")), repr(roster)
	EOF
'

test_done
