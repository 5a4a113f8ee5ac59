#!/usr/bin/env bash
test_description='fetch: every bounce shape placed on the right address, forged and delayed ones not, every auto-reply marker, nothing of ours left in the inbox'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/g"
for n in $(seq 1 20); do
	group_member "Medlem Nummer $n;Stevns;m$n@stevns.example;medlem"
done
# Postfix accepts mail for bortfalden.example and then bounces it itself (tests/lib/mailstack.sh)
group_member "Gitte Forsvundet;Stevns;gitte@bortfalden.example;medlem"
ORGANIZER=tovholder@netvaerk.example
DB=$GROUP_DIR/state.db
# the bounces are dated before the group's clock (GROUP_NOW), the answers that clear them after
BOUNCE_DATE="Mon, 30 Nov 2026 10:15:00 +0100"

# fixture NAME ATTENDEE [SENDER] — the fixture about our invitation for 2027-03-05 to ATTENDEE (group_fixture),
# dated BOUNCE_DATE unless FX_DATE says otherwise, delivered to the organizer's inbox with envelope sender
# SENDER ("<>" for a bounce; default the From address).
fixture() {
	FX_DATE=${FX_DATE:-$BOUNCE_DATE} FX_DTSTAMP=${FX_DTSTAMP:-20261130T091500Z} group_fixture "$1" "$2" &&
	mailstack_inject "$TEST_TMP/fx/$1.eml" "$ORGANIZER" "${3:-}"
}

state_of() {
	th status 2027-03-05 | grep -F "$(sqlite3 "$DB" "SELECT name FROM invitation WHERE email = '$1' LIMIT 1") ("
}

expect_state() {
	local line
	line=$(state_of "$1")
	case "$line" in
	*"$2"*) return 0 ;;
	*) echo "$1: expected '$2', got: $line"; return 1 ;;
	esac
}

bounced() {
	sqlite3 "$DB" "SELECT count(*) FROM bounce WHERE email = '$1'"
}

test_expect_success 'invitations out; Postfix bounces the four to bortfalden.example back to the organizer' '
	th send >/dev/null &&
	mailstack_wait_idle &&
	mailstack_wait_count $ORGANIZER 4 &&
	grep -l "^Content-Type: multipart/report" "$(maildir_of $ORGANIZER)"/new/* >postfix-dsn &&
	test $(wc -l <postfix-dsn) = 4 &&
	grep -q "^Final-Recipient: rfc822; gitte@bortfalden.example" $(cat postfix-dsn)
'

test_expect_success 'bounces of every shape, a delay warning, a forged bounce, auto-replies by every marker arrive' '
	fixture bounce-exim-text m1@stevns.example "<>" &&
	fixture bounce-gmail-text m2@stevns.example "<>" &&
	fixture bounce-gworkspace-empty m3@stevns.example "<>" &&
	fixture bounce-o365-headers m4@stevns.example "<>" &&
	fixture bounce-exchange-plain m5@stevns.example &&
	fixture bounce-server-nohdr m6@stevns.example "<>" &&
	fixture dsn-bounce m7@stevns.example "<>" &&
	fixture bounce-delayed m8@stevns.example "<>" &&
	fixture bounce-forged m9@stevns.example &&
	fixture autoreply-icloud m10@stevns.example &&
	fixture autoreply-exchange-rule m11@stevns.example &&
	fixture autoreply-xautoreply m12@stevns.example &&
	fixture autoreply-xautorespond m13@stevns.example &&
	fixture autoreply-german m14@stevns.example &&
	fixture autoreply-french m15@stevns.example &&
	fixture autoreply-danish-absent m16@stevns.example &&
	fixture autoreply-outlook m17@stevns.example &&
	fixture autoreply-precedence m18@stevns.example &&
	mailstack_wait_count $ORGANIZER 22
'

test_expect_success 'fetch places every one of them' '
	th fetch >out 2>err &&
	cat out err &&
	grep "^0 answers, 9 automatic replies, 11 bounces, 1 delay warning, 0 resent, 1 for review, 0 not ours$" out
'

test_expect_success 'each bounce marks the address our returned mail went to' '
	for who in m1 m2 m3 m4 m5 m6 m7; do
		expect_state $who@stevns.example "adresse afvist" || return 1
	done &&
	expect_state gitte@bortfalden.example "adresse afvist"
'

test_expect_success 'a delay warning is noted, never a dead address' '
	expect_state m8@stevns.example "ikke svaret" &&
	test "$(bounced m8@stevns.example)" = 0 &&
	grep "m8@stevns.example: delivery is delayed" err
'

test_expect_success 'a forged bounce from an ordinary sender marks nobody and waits for review' '
	expect_state m9@stevns.example "ikke svaret" &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM bounce")" = 8 &&
	th review >rev &&
	cat rev &&
	grep "names no mail of ours" rev &&
	grep "preben.falk@andet.example" rev
'

test_expect_success 'auto-replies by every marker are autosvar' '
	for who in m10 m11 m12 m13 m14 m15 m16 m17 m18; do
		expect_state $who@stevns.example "autosvar" || return 1
	done
'

test_expect_success 'nothing of ours is left in the inbox, unread or not' '
	test "$(mailstack_count $ORGANIZER)" = 0 &&
	test "$(mailstack_count $ORGANIZER "Tovholder/Behandlet")" = 21 &&
	test "$(mailstack_count $ORGANIZER "Tovholder/Til gennemsyn")" = 1
'

test_expect_success 'a later answer from the person clears the bounce' '
	FX_DATE="Tue, 01 Dec 2026 09:30:00 +0100" fixture tilsagn-plain m1@stevns.example &&
	th fetch >out &&
	cat out &&
	test "$(bounced m1@stevns.example)" = 0 &&
	expect_state m1@stevns.example "tilsagn        mail" &&
	test "$(bounced m2@stevns.example)" = 1
'

test_expect_success 'an answer older than the bounce leaves it' '
	FX_DATE="Sun, 29 Nov 2026 09:30:00 +0100" fixture tilsagn-plain m2@stevns.example &&
	th fetch >out &&
	test "$(bounced m2@stevns.example)" = 1
'

test_expect_success 'set clears the bounce' '
	th set 2027-03-05 m3@stevns.example tilsagn >out &&
	cat out &&
	grep "bounce noted for the address is cleared" out &&
	test "$(bounced m3@stevns.example)" = 0 &&
	th set 2027-03-05 gitte@bortfalden.example ukendt &&
	test "$(bounced gitte@bortfalden.example)" = 0 &&
	expect_state gitte@bortfalden.example "ikke svaret"
'

test_done
