#!/usr/bin/env bash
# run-all: alone (it measures the time from delivery to referat)
test_description='run: the service sends by itself, records replies within a second, reloads, and stops cleanly'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/g"
for n in $(seq 1 16); do
	group_member "Ekstra Medlem $n;Stevns;ekstra$n@stevns.example;medlem"
done
ORGANIZER=tovholder@netvaerk.example
DB=$GROUP_DIR/state.db
SVC_PID=

start_service() {
	TOVHOLDER_NOW=$GROUP_NOW "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" run >>"$TEST_TMP/svc.log" 2>&1 &
	SVC_PID=$!
}
stop_service() {
	test -n "$SVC_PID" && kill -TERM "$SVC_PID" 2>/dev/null && wait "$SVC_PID"
	local rc=$?
	SVC_PID=
	return $rc
}
# our trap must keep test-lib's cleanup (it stops the mail stack and removes TEST_TMP)
service_cleanup_on_exit

test_expect_success 'started on a new group, the service sends every invitation by itself within seconds' '
	start_service &&
	for a in $GROUP_REGULARS ekstra16@stevns.example; do mailstack_wait_count $a 4 15 || return 1; done &&
	mailstack_wait_count tue.bilde@region.example 1 &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE status = '\''sent'\''")" = 97
'

test_expect_success 'the CLI works beside it: plan has nothing to do, send sends nothing' '
	th plan >out && echo "nothing to do" >expect && test_cmp expect out &&
	th send >out && grep "nothing to send" out
'

test_expect_success 'a second service for the same group is refused' '
	test_expect_code 75 th run 2>err &&
	grep "already running" err
'

test_expect_success 'each reply is in tovholder referat within 1 s of its delivery (20 replies)' '
	: >lat &&
	for n in $(seq 1 20); do
		if test $n -le 16; then who=ekstra$n@stevns.example; else
			set -- $GROUP_REGULARS; shift $((n - 17)); who=$1; fi
		name=$(sqlite3 "$DB" "SELECT name FROM invitation WHERE email = '\''$who'\'' LIMIT 1") &&
		uid=$(sqlite3 "$DB" "SELECT uid FROM meeting WHERE date = '\''2027-03-05'\''") &&
		msgid=$(sqlite3 "$DB" "SELECT o.message_id FROM outbox o JOIN meeting m ON m.id = o.meeting_id
			WHERE m.date = '\''2027-03-05'\'' AND o.email = '\''$who'\''") &&
		/usr/bin/python3 "$TOP/tests/fixtures/make-fixtures.py" --out fx --only google-accept.eml --uid "$uid" \
			--organizer $ORGANIZER --attendee "$who" --attendee-name "$name" --msgid "$msgid" \
			--dtstamp 20261202T0915$(printf %02d $n)Z >/dev/null &&
		before=$(( $(mailstack_count $ORGANIZER) + $(mailstack_count $ORGANIZER Tovholder/Behandlet) )) &&
		mailstack_inject fx/google-accept.eml $ORGANIZER &&
		for i in $(seq 1 2000); do
			test $(( $(mailstack_count $ORGANIZER) + $(mailstack_count $ORGANIZER Tovholder/Behandlet) )) -gt $before && break
			sleep 0.002
		done &&
		t0=$(date +%s%N) &&
		for i in $(seq 1 300); do
			th referat 2027-03-05 2>/dev/null | grep "^Deltagere:" | grep -q "$name" && break
			sleep 0.01
		done &&
		t1=$(date +%s%N) &&
		th referat 2027-03-05 | grep "^Deltagere:" | grep -q "$name" &&
		echo $(( (t1 - t0) / 1000000 )) >>lat || return 1
	done &&
	sort -n lat >lat.sorted &&
	p50=$(sed -n 10p lat.sorted) && max=$(tail -n 1 lat.sorted) &&
	echo "reply to referat latency over 20 replies: p50 ${p50} ms, max ${max} ms" &&
	test "$max" -le 1000
'

test_expect_success 'a moved meeting in the schedule: the running service sends the update' '
	before=$(mailstack_count anne.dahl@faxe.example) &&
	sed -i "/^\[2027-09-10\]/,/^\[/ s/^time = .*/time = 12:00-15:00/" "$GROUP_DIR/schedule.ini" &&
	mailstack_wait_count anne.dahl@faxe.example $((before + 1)) 10 &&
	mail_summary anne.dahl@faxe.example | tail -n 1 | grep " seq=1 .* start=2027-09-10T12:00 "
'

test_expect_success 'a broken edit is refused; the service keeps running with the old schedule' '
	before=$(total_delivered) &&
	sed -i "s/^time = 12:00-15:00/time = 12-15/" "$GROUP_DIR/schedule.ini" &&
	sleep 2 &&
	kill -0 $SVC_PID &&
	grep "schedule.ini:[0-9]*: .*12-15" "$TEST_TMP/svc.log" &&
	grep "still running with the previous ones" "$TEST_TMP/svc.log" &&
	test "$(total_delivered)" = "$before" &&
	sed -i "s/^time = 12-15/time = 12:00-15:00/" "$GROUP_DIR/schedule.ini" &&
	sleep 1 && kill -0 $SVC_PID && test "$(total_delivered)" = "$before"
'

test_expect_success 'SIGHUP reloads: a roster change made with inotify out of the picture is sent' '
	group_member "Nina Berg;Lejre;nina.berg@lejre.example;medlem" &&
	kill -HUP $SVC_PID &&
	mailstack_wait_count nina.berg@lejre.example 4 10 &&
	grep "SIGHUP: reloading" "$TEST_TMP/svc.log"
'

test_expect_success 'SIGTERM: exit 0 within 5 s' '
	t0=$(date +%s%N) &&
	stop_service &&
	t1=$(date +%s%N) &&
	echo "stopped in $(( (t1 - t0) / 1000000 )) ms" &&
	test $(( (t1 - t0) / 1000000 )) -lt 5000 &&
	grep "^tovholder: stopped$" "$TEST_TMP/svc.log"
'

test_expect_success 'SIGTERM in the middle of sending: exit 0 within 5 s, nothing lost after a restart' '
	for n in $(seq 1 40); do group_member "Ny Person $n;Lejre;ny$n@lejre.example;medlem"; done &&
	start_service &&
	for i in $(seq 1 500); do
		test "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE email LIKE '\''ny%'\'' AND status = '\''sent'\''" 2>/dev/null)" -gt 5 && break
		sleep 0.005
	done &&
	t0=$(date +%s%N) &&
	stop_service &&
	t1=$(date +%s%N) &&
	echo "stopped in $(( (t1 - t0) / 1000000 )) ms" &&
	test $(( (t1 - t0) / 1000000 )) -lt 5000 &&
	start_service &&
	for n in $(seq 1 40); do mailstack_wait_count ny$n@lejre.example 4 20 || return 1; done &&
	stop_service &&
	mail_summary $(for n in $(seq 1 40); do echo ny$n@lejre.example; done) >sum &&
	test $(cut -d" " -f1,5 sum | sort | uniq -d | wc -l) -le 40
'

test_done
