#!/usr/bin/env bash
test_description='check: tls = none only for a server on this machine; control characters in the roster and the schedule named by file:line before anything is sent'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/good"
GOOD=$GROUP_DIR

test_expect_success 'the good group (tls = none to 127.0.0.1) passes check' '
	GROUP_DIR=$GOOD &&
	grep -c "^tls = none" "$GROUP_DIR/tovholder.conf" | grep -x 2 &&
	th check
'

test_expect_success 'localhost and ::1 count as this machine too' '
	fresh_group local &&
	sed -i "s|^url = smtp://127.0.0.1:|url = smtp://localhost:|; s|^url = imap://127.0.0.1:|url = imap://[::1]:|" \
		"$GROUP_DIR/tovholder.conf" &&
	grep -F "url = imap://[::1]:" "$GROUP_DIR/tovholder.conf" &&
	th check
'

test_expect_success 'tls = none for an SMTP server elsewhere: 78, with the reason and the line' '
	fresh_group smtp-remote &&
	sed -i "s|^url = smtp://127.0.0.1:.*|url = smtp://mail.netvaerk.example:25|" "$GROUP_DIR/tovholder.conf" &&
	refused 78 "tovholder.conf:13: tls = none sends the login and the mail unencrypted, so it is only for a server on this machine \(localhost, 127.x.x.x or ::1\), not .mail.netvaerk.example.: remove the tls line to use STARTTLS"
'

test_expect_success 'tls = none for an IMAP server elsewhere, and a name that only looks local' '
	fresh_group imap-remote &&
	sed -i "s|^url = imap://127.0.0.1:.*|url = imap://localhost.netvaerk.example:143|" "$GROUP_DIR/tovholder.conf" &&
	refused 78 "tovholder.conf:17: tls = none .* not .localhost.netvaerk.example."
'

test_expect_success 'an ESC in a roster name: file:line and the column, nothing sent' '
	fresh_group roster-esc &&
	sed -i "s/^Bo Aagaard;/Bo \x1b[2JAagaard;/" "$GROUP_DIR/roster.csv" &&
	grep -c $(printf "\033") "$GROUP_DIR/roster.csv" &&
	refused 65 "roster.csv:3: a control character \(U\+001B\) in navn: delete it"
'

test_expect_success 'a C1 control (U+0085 in UTF-8) in a roster organisation' '
	fresh_group roster-c1 &&
	sed -i "s/^Lise Holm;Køge;/Lise Holm;Kø\xc2\x85ge;/" "$GROUP_DIR/roster.csv" &&
	refused 65 "roster.csv:6: a control character \(U\+0085\) in organisation"
'

test_expect_success 'a TAB in a roster cell is a blank: check passes' '
	fresh_group roster-tab &&
	sed -i "s/^Lise Holm;Køge;/\"Lise\tHolm\";Køge\t;/" "$GROUP_DIR/roster.csv" &&
	th check
'

test_expect_success 'a backspace in a schedule agenda line: file:line, nothing sent' '
	fresh_group schedule-bs &&
	sed -i "0,/^agenda = Eventuelt/s//agenda = Eventuelt\x08\x08\x08\x08rigtigt/" "$GROUP_DIR/schedule.ini" &&
	refused 65 "schedule.ini:7: a control character \(U\+0008\) on this line: delete it"
'

test_expect_success 'a TAB in a schedule value is a blank: check passes' '
	fresh_group schedule-tab &&
	sed -i "0,/^agenda = Eventuelt/s//agenda = Eventuelt\tog afslutning/" "$GROUP_DIR/schedule.ini" &&
	th check
'

test_done
