#!/usr/bin/env bash
test_description='fetch: a reply dated 2999 never pins the answer; REFRESH is answered once a day per person and meeting (issue 15)'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"
. "$TOP/tests/lib/calmail.sh"

mailstack_start
group_write "$TEST_TMP/g"
ORGANIZER=tovholder@netvaerk.example
DB=$GROUP_DIR/state.db

# The invitations to 2027-03-05 in WHO's mailbox, read by the independent checker.
invitations_to() {
	local uid
	uid=$(sqlite3 "$DB" "SELECT uid FROM meeting WHERE date = '2027-03-05'") &&
	mail_summary "$1" | grep -c "uid=$uid"
}

test_expect_success 'invitations out' '
	th send >/dev/null &&
	mailstack_wait_idle &&
	test "$(invitations_to bo.aagaard@greve.example)" = 1
'

test_expect_success 'a decline dated 2999 is recorded, at the time it arrived' '
	calmail reply anne.dahl@faxe.example future@t4170.example --partstat DECLINED \
		--dtstamp 29991231T235959Z --date "Tue, 31 Dec 2999 23:59:59 +0000" &&
	th fetch >out 2>err &&
	grep "^1 answer," out &&
	test "$(answer_of anne.dahl@faxe.example)" = afbud &&
	at=$(sqlite3 "$DB" "SELECT at FROM answer WHERE email = '\''anne.dahl@faxe.example'\''") &&
	test "$at" -le "$(date +%s)" &&
	test "$at" -gt "$(( $(date +%s) - 3600 ))"
'

test_expect_success 'a genuine acceptance sent after it wins' '
	sleep 2 &&
	calmail reply anne.dahl@faxe.example later@t4170.example --partstat ACCEPTED \
		--dtstamp "$(date -u +%Y%m%dT%H%M%SZ)" --date "$(date -R)" &&
	th fetch >out 2>err &&
	cat out err &&
	grep "^1 answer," out &&
	test "$(answer_of anne.dahl@faxe.example)" = tilsagn &&
	test "$(sqlite3 "$DB" "SELECT message_id FROM answer WHERE email = '\''anne.dahl@faxe.example'\''")" = later@t4170.example
'

test_expect_success 'the two in one fetch: the genuine one still wins' '
	calmail reply dennis.kragh@holbaek.example future2@t4170.example --partstat DECLINED \
		--dtstamp 29991231T235959Z --date "Tue, 31 Dec 2999 23:59:59 +0000" &&
	sleep 2 &&
	calmail reply dennis.kragh@holbaek.example later2@t4170.example --partstat ACCEPTED \
		--dtstamp "$(date -u +%Y%m%dT%H%M%SZ)" --date "$(date -R)" &&
	th fetch >out 2>err &&
	test "$(answer_of dennis.kragh@holbaek.example)" = tilsagn
'

test_expect_success 'three REFRESH in a member'\''s name: one invitation is sent again, the rest are noted' '
	calmail refresh bo.aagaard@greve.example refresh1@t4170.example &&
	calmail refresh bo.aagaard@greve.example refresh2@t4170.example &&
	calmail refresh bo.aagaard@greve.example refresh3@t4170.example &&
	th fetch >out 2>err &&
	cat out err &&
	grep "^0 answers, .* 1 resent" out &&
	grep "^2 requests to resend an invitation noted, not answered" out &&
	test "$(grep -c "asked for the invitation to 2027-03-05 again, and was sent it within the last day" err)" = 2 &&
	mailstack_wait_idle &&
	test "$(invitations_to bo.aagaard@greve.example)" = 2
'

test_expect_success 'a fourth the same day: still not sent; every REFRESH mail is filed as processed' '
	calmail refresh bo.aagaard@greve.example refresh4@t4170.example &&
	th fetch >out 2>err &&
	grep "^0 answers, .* 0 resent" out &&
	mailstack_wait_idle &&
	test "$(invitations_to bo.aagaard@greve.example)" = 2 &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE kind = '\''refresh'\''")" = 1 &&
	test "$(mailstack_count $ORGANIZER INBOX)" = 0
'

test_expect_success 'the next day, one more is answered' '
	calmail refresh bo.aagaard@greve.example refresh5@t4170.example &&
	GROUP_NOW=2026-12-02T10:00:00Z th fetch >out 2>err &&
	grep "^0 answers, .* 1 resent" out &&
	mailstack_wait_idle &&
	test "$(invitations_to bo.aagaard@greve.example)" = 3
'

test_done
