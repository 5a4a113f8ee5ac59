#!/usr/bin/env bash
test_description='run: a keepalive in IDLE ("* OK Still here") leaves the service idle; new mail still wakes it'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

# Dovecot's keepalive comes every 2 minutes by default; here every second, so a few arrive in seconds.
MS_DOVECOT_EXTRA='imap_idle_notify_interval = 1 secs' mailstack_start
group_write "$TEST_TMP/g"
ORGANIZER=tovholder@netvaerk.example
DB=$GROUP_DIR/state.db
service_cleanup_on_exit

# grep -c prints 0 but fails when nothing matches: a count, not a test
looks() { grep -c "inbox: looking for new mail" "$TEST_TMP/svc.log" || true; }
keepalives() { grep -c "a keepalive in IDLE" "$TEST_TMP/svc.log" || true; }

test_expect_success 'the service sends its invitations and settles in IDLE' '
	service_start "$GROUP_NOW" -v &&
	for i in $(seq 1 200); do grep -q "connected to .*(IDLE)" "$TEST_TMP/svc.log" && break; sleep 0.1; done &&
	grep -q "connected to .*(IDLE)" "$TEST_TMP/svc.log" &&
	mailstack_wait_count anne.dahl@faxe.example 4 20
'

test_expect_success 'five seconds of keepalives: each read and dropped, no look at the inbox' '
	# settled: the first look is done and the first keepalive came while idling (a busy machine is slow)
	for i in $(seq 1 100); do test "$(keepalives)" -ge 1 && break; sleep 0.1; done &&
	test "$(looks)" -ge 1 &&
	l0=$(looks) && k0=$(keepalives) &&
	sleep 5 &&
	l1=$(looks) && k1=$(keepalives) &&
	echo "keepalives $k0 -> $k1, looks $l0 -> $l1" &&
	test $((k1 - k0)) -ge 3 &&
	test "$l1" = "$l0"
'

test_expect_success 'a reply after the keepalives is still recorded at once' '
	who=anne.dahl@faxe.example &&
	uid=$(sqlite3 "$DB" "SELECT uid FROM meeting WHERE date = '\''2027-03-05'\''") &&
	msgid=$(sqlite3 "$DB" "SELECT o.message_id FROM outbox o JOIN meeting m ON m.id = o.meeting_id
		WHERE m.date = '\''2027-03-05'\'' AND o.email = '\''$who'\'' AND o.kind = '\''request'\''") &&
	/usr/bin/python3 "$TOP/tests/fixtures/make-fixtures.py" --out fx --only google-accept.eml --uid "$uid" \
		--organizer $ORGANIZER --attendee "$who" --attendee-name "Anne Mose Dahl" --msgid "$msgid" \
		--dtstamp 20261201T091500Z >/dev/null &&
	mailstack_inject fx/google-accept.eml $ORGANIZER &&
	for i in $(seq 1 100); do
		test "$(sqlite3 "$DB" "SELECT answer FROM answer WHERE email = '\''$who'\''")" = tilsagn && break
		sleep 0.1
	done &&
	test "$(sqlite3 "$DB" "SELECT answer FROM answer WHERE email = '\''$who'\''")" = tilsagn
'

# The inbox stays selected between IDLEs: a look starts with a NOOP (the server takes in new mail), not a
# SELECT that reopens the mailbox (on a large Maildir that cost each reply some 10-17 ms: bench/, row 3).
test_expect_success 'the looks after the first do not reopen the inbox' '
	test "$(grep -c "imap: selected .INBOX." "$TEST_TMP/svc.log")" = 1 &&
	grep -q "imap: .INBOX. is still selected on .*: NOOP" "$TEST_TMP/svc.log"
'

test_expect_success 'the service stops cleanly' '
	kill -TERM $SVC_PID && wait $SVC_PID && SVC_PID=
'

test_done
