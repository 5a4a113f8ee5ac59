#!/usr/bin/env bash
test_description='run: on a server without NOTIFY (or one that refuses it) the service looks into the decision folders every poll_interval, as before'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"
. "$TOP/tests/lib/imapfolders.sh"

# Dovecot offers NOTIFY only with its mailbox list index (mailbox_list_index = yes, the default of 2.3): without
# it Dovecot is a server without NOTIFY, as Exchange Online and Gmail are.
MS_DOVECOT_EXTRA='mailbox_list_index = no' mailstack_start
group_write "$TEST_TMP/g"
printf "poll_interval = 1s\n" >>"$GROUP_DIR/tovholder.conf"
ORGANIZER=tovholder@netvaerk.example
DB=$GROUP_DIR/state.db
: >"$TEST_TMP/svc.log"
service_cleanup_on_exit

looks() { grep -c "decision folders: looking" "$TEST_TMP/svc.log" || true; }
source_of() { sqlite3 "$DB" "SELECT source FROM answer WHERE email = '$1'"; }

# run — the service, verbose, until it has made its first look into the folders
run() {
	local l0
	l0=$(looks)
	service_start "$GROUP_NOW" -v
	for i in $(seq 1 200); do test "$(looks)" -gt "$l0" && break; sleep 0.1; done
	test "$(looks)" -gt "$l0"
}

# decided_by_move WHO MSGID — an unclear answer from WHO goes to review; moved into Afbud, it is recorded
decided_by_move() {
	mail "$2" "$1" "$2" "SV: Moedet i marts" "Hej Karin, jeg ved ikke om jeg kan nå det. Kan vi tale om det?" \
		"$(our_msgid "$1" 2027-03-05)" &&
	for i in $(seq 1 100); do imap ids | grep -qx "Tovholder/Til gennemsyn	<$2>" && break; sleep 0.2; done &&
	imap ids | grep -x "Tovholder/Til gennemsyn	<$2>" &&
	imap move "$2" Tovholder/Afbud &&
	for i in $(seq 1 100); do test "$(source_of "$1")" = manuel && break; sleep 0.1; done &&
	test "$(source_of "$1")" = manuel
}

test_expect_success 'a server without NOTIFY: the service polls the folders every poll_interval' '
	run &&
	grep "capabilities .* IDLE " "$TEST_TMP/svc.log" &&
	! grep "capabilities .*NOTIFY" "$TEST_TMP/svc.log" &&
	mailstack_wait_count anne.dahl@faxe.example 4 20 &&
	l0=$(looks) && sleep 3 && l1=$(looks) &&
	echo "looks $l0 -> $l1" &&
	test $((l1 - l0)) -ge 2 &&
	! grep "NOTIFY" "$TEST_TMP/svc.log"
'

test_expect_success 'and a mail moved into Afbud is decided at the next look' '
	decided_by_move anne.dahl@faxe.example anne-1@faxe.example
'

test_expect_success 'the service stops cleanly' '
	kill -TERM $SVC_PID && wait $SVC_PID && SVC_PID=
'

# A server that offers NOTIFY and then refuses it: Dovecot told to offer it without its list index answers
# "NO [NOTIFICATIONOVERFLOW] NOTIFY not supported for these mailboxes".
test_expect_success 'a server that refuses NOTIFY: said once in the log, and polled as before' '
	printf "imap_capability = +NOTIFY\n" >>"$MS_DIR/dovecot/dovecot.conf" &&
	mailstack_restart_dovecot &&
	run &&
	for i in $(seq 1 50); do grep -q "NOTIFY refused by" "$TEST_TMP/svc.log" && break; sleep 0.1; done &&
	grep "NOTIFY refused by .*looking into the decision folders every poll_interval instead" "$TEST_TMP/svc.log" &&
	l0=$(looks) && sleep 3 && l1=$(looks) &&
	echo "looks $l0 -> $l1" &&
	test $((l1 - l0)) -ge 2 &&
	test "$(grep -c "NOTIFY refused by" "$TEST_TMP/svc.log")" = 1 &&
	decided_by_move bo.aagaard@greve.example bo-1@greve.example
'

test_expect_success 'the service stops cleanly' '
	kill -TERM $SVC_PID && wait $SVC_PID && SVC_PID=
'

test_done
