#!/usr/bin/env bash
test_description='run: the service rides out a stopped Postfix and a restarted Dovecot, losing and doubling nothing'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/g"
ORGANIZER=tovholder@netvaerk.example
DB=$GROUP_DIR/state.db
SVC_PID=
# our trap must keep test-lib's cleanup (it stops the mail stack and removes TEST_TMP)
service_cleanup_on_exit

reply() { # reply FIXTURE WHO — a calendar reply from WHO to the March invitation
	local uid msgid name
	uid=$(sqlite3 "$DB" "SELECT uid FROM meeting WHERE date = '2027-03-05'")
	msgid=$(sqlite3 "$DB" "SELECT o.message_id FROM outbox o JOIN meeting m ON m.id = o.meeting_id
		WHERE m.date = '2027-03-05' AND o.email = '$2' ORDER BY o.id LIMIT 1")
	name=$(sqlite3 "$DB" "SELECT name FROM invitation WHERE email = '$2' LIMIT 1")
	/usr/bin/python3 "$TOP/tests/fixtures/make-fixtures.py" --out fx --only "$1.eml" --uid "$uid" \
		--organizer $ORGANIZER --attendee "$2" --attendee-name "$name" --msgid "$msgid" >/dev/null
}

test_expect_success 'Postfix stopped when the service starts: the invitations wait' '
	mailstack_stop_postfix
	# (its own line: "a && b &" would put a and b in a background subshell, and $! would not be the service)
	TOVHOLDER_RETRY_BASE=1 TOVHOLDER_NOW=$GROUP_NOW "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" run \
		>svc.log 2>&1 &
	SVC_PID=$! &&
	sleep 3 &&
	kill -0 $SVC_PID &&
	grep "retrying later" svc.log &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE status = '\''queued'\''")" = 33 &&
	test "$(total_delivered)" = 0
'

test_expect_success 'Postfix back: every invitation goes out by itself, none lost, none doubled' '
	mailstack_start_postfix &&
	for a in $GROUP_REGULARS; do mailstack_wait_count $a 4 30 || return 1; done &&
	mailstack_wait_count tue.bilde@region.example 1 &&
	sleep 2 &&
	test "$(total_delivered)" = 33 &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE status = '\''sent'\''")" = 33
'

test_expect_success 'Dovecot restarted: the service reconnects and reads the mail that came meanwhile' '
	mailstack_stop_dovecot &&
	reply outlook-exchange-accept anne.dahl@faxe.example &&
	cp fx/outlook-exchange-accept.eml anne.eml &&
	reply android-decline bo.aagaard@greve.example &&
	/usr/bin/python3 - <<-PY &&
	import smtplib
	s = smtplib.SMTP("127.0.0.1", $MS_SMTP_PORT)
	for f, who in (("anne.eml", "anne"), ("fx/android-decline.eml", "bo")):
	    raw = open(f, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
	    s.sendmail("$ORGANIZER", ["$ORGANIZER"], raw)
	s.quit()
	PY
	sleep 2 &&
	mailstack_start_dovecot &&
	for i in $(seq 1 200); do
		test "$(sqlite3 "$DB" "SELECT count(*) FROM answer")" = 2 && break
		sleep 0.2
	done &&
	test "$(sqlite3 "$DB" "SELECT answer FROM answer WHERE email = '\''anne.dahl@faxe.example'\''")" = tilsagn &&
	test "$(sqlite3 "$DB" "SELECT answer FROM answer WHERE email = '\''bo.aagaard@greve.example'\''")" = afbud &&
	grep "reconnecting" svc.log &&
	test "$(mailstack_count $ORGANIZER Tovholder/Behandlet)" = 2
'

test_expect_success 'SIGTERM after the outages: exit 0' '
	kill -TERM $SVC_PID && wait $SVC_PID && SVC_PID=
'

test_done
