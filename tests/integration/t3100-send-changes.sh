#!/usr/bin/env bash
test_description='send: updates, moves, cancellations, roster changes and a new organizer reuse the same calendar entry'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/g"
SCHED=$GROUP_DIR/schedule.ini

# uid_of ADDR DATE — the UID of the first message ADDR got for the meeting on DATE
uid_of() {
	mail_summary "$1" | sed -n "s/.* uid=\([^ ]*\) .* start=$2T.*/\1/p" | head -n 1
}

# wait_all N ADDR… — each address has N messages, and the queue is empty
wait_all() {
	local n=$1 a
	shift
	for a in "$@"; do mailstack_wait_count "$a" "$n" || return 1; done
	mailstack_wait_idle
}

test_expect_success 'initial invitations' '
	th send &&
	wait_all 4 $GROUP_REGULARS &&
	wait_all 1 tue.bilde@region.example &&
	UID_SEPT=$(uid_of anne.dahl@faxe.example 2027-09-10) &&
	UID_NOV=$(uid_of anne.dahl@faxe.example 2027-11-12) &&
	UID_MAR=$(uid_of anne.dahl@faxe.example 2027-03-05) &&
	UID_MAY=$(uid_of anne.dahl@faxe.example 2027-05-07) &&
	test -n "$UID_SEPT" && test -n "$UID_NOV"
'

test_expect_success 'a new time: plan says what changed' '
	sed -i "/^\[2027-09-10\]/,/^\[/ s/^time = .*/time = 12:00-15:00/" "$SCHED" &&
	th plan >out &&
	echo "update 2027-09-10 for 8 people: time 10:00-13:00 -> 12:00-15:00" >expect &&
	test_cmp expect out
'

test_expect_success 'the update goes to that meeting'"'"'s invitees only, same UID, higher SEQUENCE' '
	before=$(total_delivered) &&
	th send &&
	wait_all 5 $GROUP_REGULARS &&
	sleep 1 &&
	test $(( $(total_delivered) - before )) = 8 &&
	test "$(mailstack_count tue.bilde@region.example)" = 1 &&
	mail_summary anne.dahl@faxe.example | tail -n 1 >last &&
	grep " uid=$UID_SEPT " last &&
	grep " seq=1 " last &&
	grep " method=REQUEST " last &&
	grep " start=2027-09-10T12:00 end=2027-09-10T15:00 " last &&
	grep "subject=Opdateret: " last
'

test_expect_success 'moved to another date with moved_from: an update, not a new entry' '
	sed -i "s/^\[2027-11-12\]/[2027-11-19]\nmoved_from = 2027-11-12/" "$SCHED" &&
	th plan >out &&
	echo "update 2027-11-19 for 8 people: date 2027-11-12 -> 2027-11-19" >expect &&
	test_cmp expect out &&
	th send &&
	wait_all 6 $GROUP_REGULARS &&
	mail_summary bo.aagaard@greve.example | tail -n 1 >last &&
	grep " uid=$UID_NOV " last &&
	grep " seq=1 " last &&
	grep " start=2027-11-19T10:00 " last
'

test_expect_success 'status = cancelled sends CANCEL with the same UID' '
	sed -i "/^\[2027-03-05\]/a status = cancelled" "$SCHED" &&
	th plan >out &&
	echo "cancel 2027-03-05 for 8 people (status = cancelled)" >expect &&
	test_cmp expect out &&
	th send &&
	wait_all 7 $GROUP_REGULARS &&
	mail_summary dennis.kragh@holbaek.example | tail -n 1 >last &&
	grep " method=CANCEL mime_method=CANCEL " last &&
	grep " uid=$UID_MAR " last &&
	grep " seq=1 " last &&
	grep "subject=Aflyst: " last &&
	test "$(mailstack_count tue.bilde@region.example)" = 1
'

test_expect_success 'a meeting removed from the schedule is cancelled for everyone who had it, the guest too' '
	/usr/bin/python3 - "$SCHED" <<-\PY &&
	import re, sys
	p = sys.argv[1]; s = open(p, encoding="utf-8").read()
	s = re.sub(r"\[2027-05-07\].*?(?=\n\[)", "", s, flags=re.S)
	open(p, "w", encoding="utf-8").write(s)
	PY
	th plan >out &&
	grep "^cancel 2027-05-07 for 9 people (removed from the schedule" out &&
	th send &&
	wait_all 8 $GROUP_REGULARS &&
	wait_all 2 tue.bilde@region.example &&
	mail_summary tue.bilde@region.example | tail -n 1 >last &&
	grep " method=CANCEL " last &&
	grep " uid=$UID_MAY " last
'

test_expect_success 'roster: a new member gets every future meeting, a removed one gets CANCELs, nobody else is mailed' '
	group_member "Nina Berg;Lejre;nina.berg@lejre.example;medlem" &&
	sed -i "/mette.ravn@odsherred.example/d" "$GROUP_DIR/roster.csv" &&
	th plan >out &&
	cat >expect <<-\EOT &&
	cancel 2027-09-10 for mette.ravn@odsherred.example (no longer invited)
	invite nina.berg@lejre.example to 2027-09-10
	cancel 2027-11-19 for mette.ravn@odsherred.example (no longer invited)
	invite nina.berg@lejre.example to 2027-11-19
	EOT
	test_cmp expect out &&
	before=$(total_delivered) &&
	th send &&
	mailstack_wait_count nina.berg@lejre.example 2 &&
	mailstack_wait_count mette.ravn@odsherred.example 10 &&
	mailstack_wait_idle && sleep 1 &&
	test $(( $(total_delivered) - before )) = 4 &&
	mail_summary nina.berg@lejre.example >nina &&
	grep -c " method=REQUEST .* uid=$UID_SEPT " nina &&
	grep " uid=$UID_NOV " nina | grep " start=2027-11-19T10:00 " &&
	mail_summary mette.ravn@odsherred.example | tail -n 2 >mette &&
	test $(grep -c " method=CANCEL " mette) = 2
'

test_expect_success 'a new organizer (the handover): one REQUEST per future meeting, same UID, new ORGANIZER, higher SEQUENCE' '
	sed -i "s/^organizer = .*/organizer = Ole Sand <ny.tovholder@netvaerk.example>/" "$GROUP_DIR/tovholder.conf" &&
	th plan >out &&
	grep -c "^update .*organizer" out >n && echo 2 >expect && test_cmp expect n &&
	before=$(total_delivered) &&
	th send &&
	mailstack_wait_count anne.dahl@faxe.example 10 &&
	mailstack_wait_idle && sleep 1 &&
	test $(( $(total_delivered) - before )) = 16 &&
	mail_summary anne.dahl@faxe.example | tail -n 2 >last &&
	! grep -v " organizer=ny.tovholder@netvaerk.example " last &&
	# SEQUENCE 3: the new time (1), the roster change (2, a person removed), and now the organizer
	grep " uid=$UID_SEPT seq=3 " last &&
	grep " uid=$UID_NOV seq=3 " last &&
	th plan >out && echo "nothing to do" >expect && test_cmp expect out
'

test_expect_success 'meetings in the past are never touched' '
	sed -i "s/^agenda = Årsrapport/agenda = Årsrapport 2027/" "$SCHED" &&
	th plan >out &&
	grep "^update 2027-09-10 for 8 people: agenda changed" out &&
	GROUP_NOW=2027-09-10T10:30:00Z th plan >out &&
	echo "nothing to do" >expect &&
	test_cmp expect out
'

test_done
