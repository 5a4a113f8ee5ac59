#!/usr/bin/env bash
test_description='run: kill -9 while the referat draft, the status mail or the final lines go out: each arrives, at most one duplicate'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

# The meeting of 2027-03-05 (10:00 local = 09:00Z): its draft is due 2027-03-04T07:00Z, its status mail with
# the last reminder 2027-03-04T09:00Z; after it (13:00Z) fremmøde records who was there.
ORGANIZER=tovholder@netvaerk.example
REFERENT=jesper.vang@solroed.example
mailstack_start

service_cleanup_on_exit
sql() { sqlite3 "$GROUP_DIR/state.db" "$1" 2>/dev/null; }

teams_report() {
	printf '%s\r\n' '1. Summary,,,,,,,' 'Meeting title,Netværksgruppe Børn og Unge,,,,,,' \
		'Start time,"05/03/2027, 08:58:00",,,,,,' 'End time,"05/03/2027, 12:01:00",,,,,,' ',,,,,,,' \
		'2. Participants,,,,,,,' \
		'Name,First join (UTC),Last leave (UTC),In-meeting duration,Email,Participant ID (UPN),Role' \
		'Anne Mose Dahl,"05/03/2027, 08:59:30","05/03/2027, 12:00:05",3h 35s,anne.dahl@faxe.example,,Attendee' \
		'Jesper Vang,"05/03/2027, 08:59:00","05/03/2027, 12:00:00",3h 1m,jesper.vang@solroed.example,,Attendee'
}

# fresh KIND — a new group whose KIND mail is due at $DUE and not sent yet; its mailboxes emptied.
fresh() {
	mailstack_wait_idle
	rm -rf "$TEST_TMP/g" "$MS_DIR"/mail/*
	group_write "$TEST_TMP/g"
	th send >/dev/null || return 1
	case $1 in
	draft) DUE=2027-03-04T07:00:00Z SUBJECT="Referat til mødet" TO="$REFERENT $ORGANIZER" ;;
	status) DUE=2027-03-04T09:00:00Z SUBJECT="Status før mødet" TO=$ORGANIZER ;;
	attendance)
		DUE=2027-03-05T13:00:00Z SUBJECT="Fremmøde til referatet" TO=$REFERENT
		teams_report >teams.csv &&
		GROUP_NOW=$DUE th fremmøde 2027-03-05 --teams teams.csv >/dev/null || return 1
		;;
	esac
	mailstack_wait_idle
}
# delivered_once_or_twice — every recipient of the mail has it once, or twice (one duplicate) at most.
delivered_once_or_twice() {
	local a n
	for a in $TO; do
		mail_wait_subject "$a" "$SUBJECT" 1 30 || return 1
	done
	mailstack_wait_idle && sleep 1
	for a in $TO; do
		n=$(mail_count_subject "$a" "$SUBJECT")
		echo "$a: $n × $SUBJECT"
		[ "$n" -ge 1 ] && [ "$n" -le 2 ] || return 1
	done
}

for kind in draft status attendance; do
	test_expect_success "$kind: killed after it was recorded and before the server took it: it arrives, once" '
		fresh '$kind' &&
		mailstack_stop_postfix &&
		service_start $DUE &&
		for i in $(seq 200); do
			test "$(sql "SELECT count(*) FROM outbox WHERE kind = '\'''$kind''\'' AND status = '\''queued'\''")" -ge 1 && break
			sleep 0.05
		done &&
		test "$(sql "SELECT count(*) FROM outbox WHERE kind = '\'''$kind''\''")" -ge 1 &&
		service_kill &&
		mailstack_start_postfix &&
		service_start $DUE &&
		delivered_once_or_twice &&
		service_stop &&
		for a in $TO; do test "$(mail_count_subject $a "$SUBJECT")" = 1 || return 1; done &&
		test "$(sql "SELECT count(*) FROM paperwork WHERE kind = '\'''$kind''\''")" = 1
	'
	test_expect_success "$kind: kill -9 at moments during the send, then a restart: each arrives, at most one duplicate" '
		for delay in 0.05 0.2 0.4 0.8; do
			fresh '$kind' &&
			service_start $DUE &&
			sleep $delay &&
			service_kill &&
			echo "killed after $delay s: $(sql "SELECT status || '\'':'\'' || count(*) FROM outbox WHERE kind = '\'''$kind''\'' GROUP BY status")" &&
			service_start $DUE &&
			delivered_once_or_twice &&
			service_stop || return 1
		done
	'
done

test_done
