#!/usr/bin/env bash
test_description='run: reminders at their offsets to the right people, once, also across a restart; late ones skipped'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

# The meeting of 2027-03-05 starts at 10:00 Copenhagen = 09:00Z. With reminders = 3d, 2h, 1h and the service
# started at 07:59:55Z, the 3d one (2027-03-02 09:00Z) is three days late and skipped, the 2h one (07:00Z) is
# an hour late and goes out at start, and the 1h one (08:00Z, the practical details) five seconds later.
# A meeting on Monday 2027-03-08 08:00 (07:00Z) has its 3d reminder an hour in the past at start, which would
# go out now (late by less than a day) — but the meeting is cancelled, so nothing may.
RUN_NOW=2027-03-05T07:59:55Z
ORGANIZER=tovholder@netvaerk.example
GUEST=tue.bilde@region.example
ANSWERED_YES=anne.dahl@faxe.example
ANSWERED_NO=bo.aagaard@greve.example
UNANSWERED="dennis.kragh@holbaek.example frederik.hald@koege.example lise.holm@koege.example
mette.ravn@odsherred.example soeren.oersted@soroe.example jesper.vang@solroed.example"
EVERYONE="$GROUP_REGULARS $GUEST $ORGANIZER"

mailstack_start
group_write "$TEST_TMP/g"
DB=$GROUP_DIR/state.db
cat >>"$GROUP_DIR/schedule.ini" <<'SCHED'

[2027-03-08]
time = 08:00-09:00
place = online
online_url = https://teams.example/l/meetup-join/ekstra
agenda = Ekstra møde
SCHED

SVC_PID=
SVC_LOG=$TEST_TMP/svc.log
start_service() { service_start "$RUN_NOW"; }
stop_service() { service_stop; }
# Our service first (it holds the state and talks to the stack), then test-lib's cleanup with the exit code.
service_cleanup_on_exit

# counts FILE — one line "ADDR N" per mailbox of EVERYONE (the INBOX: all that was delivered to them).
counts() {
	local a
	for a in $EVERYONE; do echo "$a $(mailstack_count "$a")"; done | sort >"$1"
}
# check_delta BEFORE AFTER — AFTER minus BEFORE per address must be as listed in the file delta.want.
check_delta() {
	join "$1" "$2" | awk '{ print $1, $3 - $2 }' >delta.got &&
	sort delta.want >delta.want.sorted && sort delta.got >delta.got.sorted &&
	test_cmp delta.want.sorted delta.got.sorted
}
# wait_for_more N SECONDS ADDR… — waits until each ADDR has N messages more than in the file "before".
# (A helper, not a loop in a test body: "return" there would leave test_expect_success itself.)
wait_for_more() {
	local n=$1 secs=$2 a
	shift 2
	for a in "$@"; do
		mailstack_wait_count "$a" $(( $(grep "^$a " before | cut -d" " -f2) + n )) "$secs" || return 1
	done
}
sql() { sqlite3 "$DB" "$1"; }
meeting_id() { sql "SELECT id FROM meeting WHERE date = '$1'"; }

test_expect_success 'invitations out, the extra meeting cancelled, two answers by hand, reminders configured' '
	th send >out && cat out &&
	sed -i "/^\[2027-03-08\]/a status = cancelled" "$GROUP_DIR/schedule.ini" &&
	th send >out 2>err && cat out err && grep "cancel 2027-03-08 for 8 people" err &&
	th set 2027-03-05 $ANSWERED_YES tilsagn &&
	th set 2027-03-05 $ANSWERED_NO afbud &&
	sed -i "/^state = /a reminders = 3d, 2h, 1h" "$GROUP_DIR/tovholder.conf" &&
	# this test counts the reminders alone: the referat draft and the status mail (t6500) are off
	sed -i "/^state = /a referat_mail = off\nstatus_mail = off" "$GROUP_DIR/tovholder.conf" &&
	th check &&
	mailstack_wait_idle &&
	test "$(sql "SELECT count(*) FROM outbox WHERE status <> '\''sent'\''")" = 0 &&
	test "$(sql "SELECT cancelled FROM meeting WHERE date = '\''2027-03-08'\''")" = 1 &&
	test "$(sql "SELECT count(*) FROM reminder")" = 0 &&
	counts before && total_delivered >total.before
'

test_expect_success 'the service starts; the 2h reminder goes out at once to those who have not answered' '
	start_service &&
	wait_for_more 1 10 $UNANSWERED &&
	test "$(sql "SELECT count(*) FROM outbox WHERE kind = '\''reminder'\''")" = 6 &&
	test -z "$(sql "SELECT email FROM outbox WHERE kind = '\''reminder'\'' AND email IN ('\''$ANSWERED_YES'\'', '\''$ANSWERED_NO'\'')")"
'

test_expect_success 'the 1h reminder (practical details) follows a few seconds later, to all but the afbud' '
	wait_for_more 1 15 $ANSWERED_YES &&
	wait_for_more 2 15 $UNANSWERED &&
	mailstack_wait_idle &&
	sleep 1 && mailstack_wait_idle &&
	counts after &&
	{ echo "$ANSWERED_YES 1"; echo "$ANSWERED_NO 0"; echo "$GUEST 0"; echo "$ORGANIZER 0";
	  for a in $UNANSWERED; do echo "$a 2"; done; } >delta.want &&
	check_delta before after &&
	test "$(total_delivered)" = $(( $(cat total.before) + 13 )) &&
	total_delivered >total.after &&
	test "$(sql "SELECT count(*) FROM outbox WHERE kind = '\''practical'\''")" = 7 &&
	test "$(sql "SELECT count(*) FROM outbox WHERE status <> '\''sent'\''")" = 0
'

test_expect_success 'the state: 3d skipped, 2h and 1h sent; the cancelled meeting has no reminder at all' '
	m=$(meeting_id 2027-03-05) && c=$(meeting_id 2027-03-08) &&
	sql "SELECT meeting_id, offset_s, status FROM reminder ORDER BY meeting_id, offset_s DESC" >got &&
	printf "%s\n" "$m|259200|skipped" "$m|7200|sent" "$m|3600|sent" >want &&
	test_cmp want got &&
	test "$(sql "SELECT count(*) FROM outbox WHERE meeting_id = $c AND kind IN ('\''reminder'\'','\''practical'\'')")" = 0 &&
	grep "skipped" "$SVC_LOG"
'

# mail.json: the new mails (reminders) of everyone, by the independent checker.
test_expect_success 'subjects and bodies carry the date, the link and (practical) the agenda; no calendar part' '
	dirs= && for a in $EVERYONE; do dirs="$dirs $(maildir_of $a)"; done &&
	mailcheck json $dirs >all.json &&
	"$PYTHON" - all.json "$ANSWERED_YES" "$UNANSWERED" <<-\PY
	import collections, json, sys
	msgs = json.load(open(sys.argv[1]))
	yes, unanswered = sys.argv[2], sys.argv[3].split()
	rem = [m for m in msgs if m["subject"].startswith("Påmindelse:")]
	pra = [m for m in msgs if m["subject"].startswith("Praktisk info:")]
	assert sorted(m["to"] for m in rem) == sorted(unanswered), [m["to"] for m in rem]
	assert sorted(m["to"] for m in pra) == sorted(unanswered + [yes]), [m["to"] for m in pra]
	for m in rem + pra:
	    who = (m["to"], m["subject"])
	    assert m["calendar_parts"] == 0 and m["method"] == "-", who
	    def types(node):
	        yield node["type"]
	        for p in node.get("parts") or []:
	            yield from types(p)
	    assert not any("calendar" in t or "ics" in t for t in types(m["mime"])), (who, list(types(m["mime"])))
	    assert m["from"] == "tovholder@netvaerk.example", who
	    assert "Netværksgruppe Børn og Unge" in m["subject"], who
	    assert "5. marts 2027" in m["subject"], who
	    body = m["text_plain"]
	    assert body and "5. marts 2027" in body, (who, body)
	    assert "kl. 10.00" in body or "kl. 10:00" in body, (who, body)
	    assert "https://teams.example/l/meetup-join/marts" in body, (who, body)
	    assert m["text_html"] and "https://teams.example/l/meetup-join/marts" in m["text_html"], who
	    assert m["crlf_only"] and not m["defects"], (who, m["defects"])
	for m in pra:
	    body = m["text_plain"]
	    for item in ("Velkommen og godkendelse af dagsorden", "Nyt fra Rammeaftale Sjælland", "Eventuelt"):
	        assert item in body, (m["to"], item, body)
	    assert body.index("Velkommen og godkendelse") < body.index("Nyt fra Rammeaftale") < body.index("Eventuelt")
	    assert "Jesper Vang" in body, (m["to"], "the referent", body)
	for m in rem:
	    assert "Vi mangler dit svar" in m["text_plain"], m["to"]
	# each at its time on the service clock (the Date it wrote): the 2h one from the start (07:59:55Z), the
	# 1h one at 08:00Z, not before (and not a minute late)
	from datetime import datetime, timezone
	def at(hms):
	    return datetime.fromisoformat("2027-03-05T%s+00:00" % hms)
	def dates(ms):
	    return sorted(datetime.fromisoformat(m["date"]).astimezone(timezone.utc) for m in ms)
	assert at("07:59:55") <= dates(rem)[0] and dates(rem)[-1] < at("08:00:30"), dates(rem)
	assert at("08:00:00") <= dates(pra)[0] and dates(pra)[-1] < at("08:01:00"), dates(pra)
	# nothing else without a calendar part: no reminder of another meeting (the cancelled one included)
	other = [(m["to"], m["subject"]) for m in msgs if m["calendar_parts"] == 0 and m not in rem + pra]
	assert not other, other
	print("ok: %d reminders, %d practical" % (len(rem), len(pra)))
	PY
'

test_expect_success 'SIGTERM: exit 0' '
	stop_service &&
	grep "SIGTERM" "$SVC_LOG"
'

test_expect_success 'a restart with the same clock sends nothing new (every mailbox counted)' '
	start_service &&
	sleep 8 &&
	mailstack_wait_idle &&
	stop_service &&
	counts again &&
	test_cmp after again &&
	test "$(total_delivered)" = "$(cat total.after)" &&
	test "$(sql "SELECT count(*) FROM outbox WHERE kind IN ('\''reminder'\'','\''practical'\'')")" = 13 &&
	test "$(sql "SELECT count(*) FROM reminder")" = 3
'

# newest_text KIND — the text/plain part of the newest queued or sent message of that kind, decoded.
newest_text() {
	sql "SELECT writefile('$TEST_TMP/newest.eml', message) FROM outbox WHERE kind = '$1' ORDER BY id DESC LIMIT 1" \
		>/dev/null &&
	"$PYTHON" -c 'import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
for p in m.walk():
    if p.get_content_type() == "text/plain":
        print(p.get_payload(decode=True).decode(p.get_content_charset() or "utf-8"))' "$TEST_TMP/newest.eml"
}
send_at() { TOVHOLDER_NOW=$1 "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" send; }

# The meeting moves from 10:00 to 14:00 (13:00Z) after its 2h and 1h reminders went out: those were for the
# old start, so both are due again, at 11:00Z and 12:00Z, and say the new time.
test_expect_success 'the meeting moves to 14:00: the update goes out, the reminders wait for their new times' '
	sed -i "0,/^time = 10:00-13:00/s//time = 14:00-17:00/" "$GROUP_DIR/schedule.ini" &&
	send_at 2027-03-05T08:00:30Z >out 2>err && cat out err &&
	m=$(meeting_id 2027-03-05) &&
	test "$(sql "SELECT count(*) FROM outbox WHERE kind = '\''update'\'' AND meeting_id = $m")" -gt 0 &&
	test "$(sql "SELECT count(*) FROM outbox WHERE kind IN ('\''reminder'\'','\''practical'\'')")" = 13 &&
	sql "SELECT offset_s, status FROM reminder WHERE meeting_id = $m ORDER BY offset_s DESC" >got &&
	echo "259200|skipped" >want &&
	test_cmp want got
'

test_expect_success 'two hours before the new start the reminder goes out again with the new time, then the 1h one' '
	m=$(meeting_id 2027-03-05) &&
	send_at 2027-03-05T10:59:55Z >out 2>err && cat out err &&
	test "$(sql "SELECT count(*) FROM outbox WHERE kind = '\''reminder'\''")" = 6 &&
	send_at 2027-03-05T11:00:05Z >out 2>err && cat out err &&
	test "$(sql "SELECT count(*) FROM outbox WHERE kind = '\''reminder'\''")" -gt 6 &&
	newest_text reminder >r.txt && cat r.txt &&
	grep "kl\. 14" r.txt &&
	send_at 2027-03-05T12:00:05Z >out 2>err && cat out err &&
	test "$(sql "SELECT count(*) FROM outbox WHERE kind = '\''practical'\''")" -gt 7 &&
	newest_text practical >p.txt && grep "kl\. 14" p.txt &&
	sql "SELECT offset_s, status FROM reminder WHERE meeting_id = $m ORDER BY offset_s DESC" >got &&
	printf "%s\n" "259200|skipped" "7200|sent" "3600|sent" >want &&
	test_cmp want got &&
	n=$(sql "SELECT count(*) FROM outbox WHERE kind IN ('\''reminder'\'','\''practical'\'')") &&
	send_at 2027-03-05T12:30:00Z >out 2>err &&
	test "$(sql "SELECT count(*) FROM outbox WHERE kind IN ('\''reminder'\'','\''practical'\'')")" = "$n"
'

test_expect_success 'the service log has no crash' '
	! grep -E "AddressSanitizer|LeakSanitizer|runtime error:|Assertion|Segmentation|double free" "$SVC_LOG"
'

test_done
