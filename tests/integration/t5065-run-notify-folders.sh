#!/usr/bin/env bash
test_description='run: the decision folders wake the service only when mail lands there (IMAP NOTIFY); keepalives and poll_interval do not'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"
. "$TOP/tests/lib/imapfolders.sh"

# Dovecot's keepalive in IDLE comes every 2 minutes by default; here every second, so a few arrive in seconds.
# Dovecot 2.3 offers NOTIFY with its default mailbox_list_index = yes.
MS_DOVECOT_EXTRA='imap_idle_notify_interval = 1 secs' mailstack_start
group_write "$TEST_TMP/g"
ORGANIZER=tovholder@netvaerk.example
DB=$GROUP_DIR/state.db
service_cleanup_on_exit

# grep -c prints 0 but fails when nothing matches: a count, not a test
looks() { grep -c "decision folders: looking" "$TEST_TMP/svc.log" || true; }
keepalives() { grep -c "a keepalive in IDLE" "$TEST_TMP/svc.log" || true; }
armed() { grep -c "the decision folders: looked at when mail arrives there (NOTIFY)" "$TEST_TMP/svc.log" || true; }
# context switches of every thread of the service so far
switches() {
	cat /proc/"$SVC_PID"/task/*/status | awk '/^(non)?voluntary_ctxt_switches:/ { n += $2 } END { print n }'
}
source_of() { sqlite3 "$DB" "SELECT source FROM answer WHERE email = '$1'"; }
watches() { grep -c "decision folders: watching (NOTIFY)" "$TEST_TMP/svc.log" || true; }
# the process of Dovecot's that serves the latest login (mpid)
last_login_pid() {
	grep "imap-login: Info: Login: user=<tovholder@netvaerk.example>" "$MS_DIR/log/dovecot.log" | tail -1 |
		sed -n "s/.*mpid=\([0-9]*\).*/\1/p"
}

# run LOGMARK — the service, verbose, until it has made its first look into the folders (and, given a moment,
# has asked for NOTIFY: the tests say whether it did)
run() {
	local l0 a0
	echo "=== $1" >>"$TEST_TMP/svc.log"
	l0=$(looks) a0=$(armed)
	service_start "$GROUP_NOW" -v
	for i in $(seq 1 200); do test "$(looks)" -gt "$l0" && break; sleep 0.1; done
	for i in $(seq 1 20); do test "$(armed)" -gt "$a0" && break; sleep 0.1; done
	test "$(looks)" -gt "$l0"
}

test_expect_success 'poll_interval an hour: the service looks at the folders at start and waits for NOTIFY' '
	printf "poll_interval = 1h\n" >>"$GROUP_DIR/tovholder.conf" &&
	run "poll_interval = 1h" &&
	grep -q "connected to .*(IDLE)" "$TEST_TMP/svc.log" &&
	test "$(armed)" = 1 &&
	test "$(looks)" = 1 &&
	mailstack_wait_count anne.dahl@faxe.example 4 20
'

# With a watch, the folders' own connection is made for a look and closed after it: an idle service holds two
# connections to the server (the inbox in IDLE and the watch), each a Dovecot process.
test_expect_success 'idle, the service holds two IMAP connections: the inbox and the watch' '
	for i in $(seq 1 50); do
		n=$(ss -Htn state established "( dport = :$MS_IMAP_PORT or dport = :$MS_IMAPS_PORT )" -p |
			grep -c "pid=$SVC_PID,") && test "$n" = 2 && break
		sleep 0.1
	done &&
	echo "connections: $n" && test "$n" = 2
'

test_expect_success 'an unclear answer goes to review' '
	mail anne anne.dahl@faxe.example anne-1@faxe.example "SV: Moedet i marts" \
		"Hej Karin, jeg ved ikke om jeg kan nå det. Kan vi tale om det?" "$(our_msgid anne.dahl@faxe.example 2027-03-05)" &&
	for i in $(seq 1 100); do imap ids | grep -qx "Tovholder/Til gennemsyn	<anne-1@faxe.example>" && break; sleep 0.2; done &&
	imap ids | grep -x "Tovholder/Til gennemsyn	<anne-1@faxe.example>" &&
	test "$(source_of anne.dahl@faxe.example)" != manuel
'

test_expect_success 'moved into Afbud, it is decided within seconds though the next poll is an hour away' '
	l0=$(looks) &&
	imap move anne-1@faxe.example Tovholder/Afbud &&
	for i in $(seq 1 100); do test "$(source_of anne.dahl@faxe.example)" = manuel && break; sleep 0.1; done &&
	test "$(source_of anne.dahl@faxe.example)" = manuel &&
	for i in $(seq 1 50); do imap ids | grep -qx "Tovholder/Behandlet	<anne-1@faxe.example>" && break; sleep 0.1; done &&
	imap ids | grep -x "Tovholder/Behandlet	<anne-1@faxe.example>" &&
	grep "decision folders: news from the server" "$TEST_TMP/svc.log" &&
	# one pass for the move; the expunge it made itself (Afbud empty again) wakes none
	sleep 2 &&
	echo "looks $l0 -> $(looks)" &&
	test "$(looks)" = $((l0 + 1))
'

# Dovecot 2.3 finds "Fremmøde" only by its UTF-8 name, not by the modified UTF-7 one RFC 5465 asks for, and
# names it in a literal; and it tells nothing after a second NOTIFY SET on a session: this is the second mail on
# the same watch.
test_expect_success 'moved into Fremmøde, a name beyond ASCII, it is looked at at once too' '
	mail frederik frederik.hald@koege.example frederik-1@koege.example "SV: Moedet i marts" \
		"Hej Karin, jeg ved ikke om jeg kan nå det. Kan vi tale om det?" "$(our_msgid frederik.hald@koege.example 2027-03-05)" &&
	for i in $(seq 1 100); do imap ids | grep -qx "Tovholder/Til gennemsyn	<frederik-1@koege.example>" && break; sleep 0.2; done &&
	imap ids | grep -x "Tovholder/Til gennemsyn	<frederik-1@koege.example>" &&
	l0=$(looks) &&
	imap move frederik-1@koege.example Tovholder/Fremmøde &&
	for i in $(seq 1 100); do grep -q "1 back to review$" "$TEST_TMP/svc.log" && break; sleep 0.1; done &&
	grep "decided by folder: 0 answers, 0 ignored, 0 Teams reports, 1 back to review$" "$TEST_TMP/svc.log" &&
	for i in $(seq 1 50); do imap ids | grep -qx "Tovholder/Til gennemsyn	<frederik-1@koege.example>" && break; sleep 0.1; done &&
	imap ids | grep -x "Tovholder/Til gennemsyn	<frederik-1@koege.example>" &&
	# Dovecot names Fremmøde in a literal: "MESSAGES 0" after the pass is read as such, and wakes none
	sleep 2 &&
	echo "looks $l0 -> $(looks)" &&
	test "$(looks)" = $((l0 + 1))
'

test_expect_success 'the service stops cleanly' '
	kill -TERM $SVC_PID && wait $SVC_PID && SVC_PID=
'

test_expect_success 'poll_interval a second: keepalives come, yet no pass and few context switches' '
	sed -i "s/^poll_interval = 1h$/poll_interval = 1s/" "$GROUP_DIR/tovholder.conf" &&
	grep -x "poll_interval = 1s" "$GROUP_DIR/tovholder.conf" &&
	run "poll_interval = 1s" &&
	# the last login of the service is its watch (the test has logged in to nothing since it started)
	watch_pid=$(last_login_pid) && echo "the watch is served by $watch_pid" &&
	# settled: the first looks are done and the first keepalive came while idling (a busy machine is slow)
	k=$(keepalives) &&
	for i in $(seq 1 100); do test "$(keepalives)" -gt "$k" && break; sleep 0.1; done &&
	l0=$(looks) && k0=$(keepalives) && s0=$(switches) &&
	sleep 6 &&
	l1=$(looks) && k1=$(keepalives) && s1=$(switches) &&
	echo "keepalives $k0 -> $k1, looks $l0 -> $l1, context switches $s0 -> $s1" &&
	test $((k1 - k0)) -ge 3 &&
	test "$l1" = "$l0" &&
	# each keepalive wakes the service once (a read, dropped); a pass would be dozens of round trips
	test $((s1 - s0)) -le $((2 * (k1 - k0) + 8))
'

test_expect_success 'a decision after that is still made at once' '
	mail bo bo.aagaard@greve.example bo-1@greve.example "Moedet den 5. marts 2027" \
		"Hej Karin, angående mødet den 5. marts 2027: kan jeg tage en kollega med?" &&
	for i in $(seq 1 100); do imap ids | grep -qx "Tovholder/Til gennemsyn	<bo-1@greve.example>" && break; sleep 0.2; done &&
	imap move bo-1@greve.example Tovholder/Tilsagn &&
	for i in $(seq 1 100); do test "$(source_of bo.aagaard@greve.example)" = manuel && break; sleep 0.1; done &&
	test "$(source_of bo.aagaard@greve.example)" = manuel
'

# What Dovecot's autologout after 30 minutes would do to a watch the service had not renewed in time
test_expect_success 'the server ends the watch alone: no run of passes; a new watch after poll_interval' '
	test "$(ps -o comm= -p "$watch_pid")" = imap &&
	w0=$(watches) && l0=$(looks) &&
	kill -TERM "$watch_pid" &&
	for i in $(seq 1 50); do grep -q "the server closed the watch" "$TEST_TMP/svc.log" && break; sleep 0.1; done &&
	grep "the server closed the watch of the decision folders; looking again in 1 s" "$TEST_TMP/svc.log" &&
	for i in $(seq 1 50); do test "$(watches)" -gt "$w0" && break; sleep 0.1; done &&
	test "$(watches)" -gt "$w0" &&
	sleep 3 &&
	echo "looks $l0 -> $(looks), watches $w0 -> $(watches)" &&
	test $(($(looks) - l0)) -le 2 &&
	test "$(watches)" = $((w0 + 1))
'

test_expect_success 'the service stops cleanly' '
	kill -TERM $SVC_PID && wait $SVC_PID && SVC_PID=
'

test_done
