#!/usr/bin/env bash
test_description='graph: place = teams — the Teams meeting made once in Microsoft Graph, its link in every invitation, moved, deleted; attendance fetched by the service'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

MS_GRAPH=1 mailstack_start
group_write "$TEST_TMP/g"
G=$MS_DIR/graph
DB=$GROUP_DIR/state.db
service_cleanup_on_exit

group_graph
# March and September become Teams meetings whose link Graph makes
sed -i -e 's|^online_url = https://teams.example/l/meetup-join/marts$||' \
	-e 's|^online_url = https://teams.example/l/meetup-join/september$||' "$GROUP_DIR/schedule.ini"
/usr/bin/python3 - "$GROUP_DIR/schedule.ini" <<-'EOF'
import re, sys
p = sys.argv[1]
s = open(p).read()
for d in ("2027-03-05", "2027-09-10"):
    s = re.sub(r"(\[%s\]\ntime = [^\n]*\n)place = online" % d, r"\1place = teams", s)
open(p, "w").write(s)
EOF
# November keeps a Teams link written by hand: the service only fetches its attendance
HAND='https://teams.microsoft.com/l/meetup-join/19%3ameeting_haandlavet%40thread.v2/0'
sed -i "s|^online_url = https://teams.example/l/meetup-join/november\$|online_url = $HAND|" "$GROUP_DIR/schedule.ini"

# py EXPR over the requests the stand-in was sent (a list 'reqs') and the meetings it holds ('meetings')
graph_py() {
	/usr/bin/python3 - "$G" "$TOKEN" "$1" <<-'EOF'
	import json, os, sys
	d, token, code = sys.argv[1], sys.argv[2], sys.argv[3]
	reqs = [json.loads(l) for l in open(os.path.join(d, "requests.jsonl"))] if os.path.exists(os.path.join(d, "requests.jsonl")) else []
	meetings = json.load(open(os.path.join(d, "meetings.json"))) if os.path.exists(os.path.join(d, "meetings.json")) else {}
	exec(code)
	EOF
}
uid_of() { sqlite3 "$DB" "SELECT uid FROM meeting WHERE date = '$1'"; }
# start_service NOW LOG: the service with its clock at NOW, its log in LOG
start_service() {
	TOVHOLDER_NOW=$1 "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" run >"$2" 2>&1 &
	SVC_PID=$!
}

test_expect_success 'check knows place = teams' '
	th check >out 2>err
'

test_expect_success 'plan shows the Teams meetings to make, and that their invitations wait for the links; Graph is not asked' '
	th plan >out 2>err &&
	grep "^make the Teams meeting of 2027-03-05 in Microsoft Graph" out &&
	grep "^make the Teams meeting of 2027-09-10 in Microsoft Graph" out &&
	grep "^invite 8 people to 2027-03-05 (10:00-13:00, online) (once its Teams link is made)$" out &&
	! test -s "$G/requests.jsonl"
'

test_expect_success 'send makes each Teams meeting once (createOrGet with the UID as externalId, UTC times) and sends the link' '
	th send >out 2>err &&
	grep -q "^sent 33, waiting 0, refused 0$" out &&
	uid=$(uid_of 2027-03-05) && test -n "$uid" &&
	graph_py "
posts = [r for r in reqs if r[\"method\"] == \"POST\"]
assert len(posts) == 2, posts
mar = [r for r in posts if r[\"body\"][\"startDateTime\"].startswith(\"2027-03-05\")][0]
assert mar[\"path\"] == \"/v1.0/me/onlineMeetings/createOrGet\", mar
assert mar[\"content_type\"] == \"application/json\", mar
assert mar[\"authorization\"] == \"Bearer \" + token, mar
assert mar[\"body\"] == {\"externalId\": \"$uid\", \"subject\": \"Netværksgruppe Børn og Unge\",
                       \"startDateTime\": \"2027-03-05T09:00:00Z\", \"endDateTime\": \"2027-03-05T12:00:00Z\"}, mar
sep = [r for r in posts if r[\"body\"][\"startDateTime\"].startswith(\"2027-09-10\")][0]
assert sep[\"body\"][\"startDateTime\"] == \"2027-09-10T08:00:00Z\", sep   # summer time
assert len(meetings) == 2, meetings
" &&
	url=$(sqlite3 "$DB" "SELECT join_url FROM online_meeting WHERE uid = '\''$uid'\''") &&
	case "$url" in https://teams.microsoft.com/l/meetup-join/*) ;; *) false ;; esac &&
	test "$(sqlite3 "$DB" "SELECT online_url FROM meeting WHERE uid = '\''$uid'\''")" = "$url" &&
	/usr/bin/python3 - "$(maildir_of anne.dahl@faxe.example)" "$uid" "$url" <<-\EOF
	# the invitation as a calendar reads it (python3-icalendar), not as we wrote it
	import email, os, sys
	from icalendar import Calendar
	d, uid, url = sys.argv[1:]
	found = 0
	for sub in ("new", "cur"):
	    for f in os.listdir(os.path.join(d, sub)):
	        msg = email.message_from_binary_file(open(os.path.join(d, sub, f), "rb"))
	        for part in msg.walk():
	            if part.get_content_type() == "text/calendar":
	                ev = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]
	                if str(ev["UID"]) == uid:
	                    assert str(ev.get("URL")) == url, ev.get("URL")
	                    assert url in str(ev.get("LOCATION")) or url in str(ev.get("DESCRIPTION")), ev
	                    found += 1
	assert found == 1, found
	EOF
'

test_expect_success 'send again: Graph is not asked to make anything, nothing is sent' '
	: >"$G/requests.jsonl" &&
	th send >out 2>err && grep -q "nothing to send" out &&
	graph_py "assert not [r for r in reqs if r[\"method\"] != \"GET\"], reqs; assert len(meetings) == 2"
'

test_expect_success 'the March meeting moves to 12:00-15:00: the Teams meeting is moved (PATCH), the update keeps the link' '
	sed -i "/^\[2027-03-05\]/,/^\[/ s/^time = 10:00-13:00/time = 12:00-15:00/" "$GROUP_DIR/schedule.ini" &&
	th plan >out 2>err &&
	grep "^move the Teams meeting of 2027-03-05 in Microsoft Graph (start 2027-03-05T11:00:00Z)" out &&
	: >"$G/requests.jsonl" &&
	th send >out 2>err && grep -q "^sent 8," out &&
	uid=$(uid_of 2027-03-05) &&
	gid=$(sqlite3 "$DB" "SELECT graph_id FROM online_meeting WHERE uid = '\''$uid'\''") &&
	graph_py "
p = [r for r in reqs if r[\"method\"] == \"PATCH\"]
assert len(p) == 1 and p[0][\"path\"] == \"/v1.0/me/onlineMeetings/$gid\", p
assert p[0][\"body\"] == {\"startDateTime\": \"2027-03-05T11:00:00Z\", \"endDateTime\": \"2027-03-05T14:00:00Z\",
                        \"subject\": \"Netværksgruppe Børn og Unge\"}, p
assert meetings[\"$gid\"][\"startDateTime\"] == \"2027-03-05T11:00:00Z\"
assert not [r for r in reqs if r[\"method\"] == \"POST\"]
assert len(meetings) == 2
" &&
	test "$(sqlite3 "$DB" "SELECT online_url FROM meeting WHERE uid = '\''$uid'\''")" = \
		"$(sqlite3 "$DB" "SELECT join_url FROM online_meeting WHERE uid = '\''$uid'\''")"
'

test_expect_success 'September is cancelled: the Teams meeting is deleted, the CANCEL goes out' '
	sed -i "/^\[2027-09-10\]/a status = cancelled" "$GROUP_DIR/schedule.ini" &&
	th plan >out 2>err && grep "^delete the Teams meeting of 2027-09-10 in Microsoft Graph" out &&
	: >"$G/requests.jsonl" &&
	th send >out 2>err && grep -q "^sent 8," out &&
	uid=$(uid_of 2027-09-10) &&
	gid=$(sqlite3 "$DB" "SELECT graph_id FROM online_meeting WHERE uid = '\''$uid'\''") &&
	graph_py "
d = [r for r in reqs if r[\"method\"] == \"DELETE\"]
assert len(d) == 1 and d[0][\"path\"] == \"/v1.0/me/onlineMeetings/$gid\" and d[0][\"body\"] is None, d
assert meetings[\"$gid\"].get(\"deleted\") is True
" &&
	test "$(sqlite3 "$DB" "SELECT deleted FROM online_meeting WHERE uid = '\''$uid'\''")" = 1
'

test_expect_success 'Graph unreachable: the new Teams meeting waits, its invitations wait, the others go out; then all goes through' '
	cat >>"$GROUP_DIR/schedule.ini" <<-\EOF &&

	[2027-12-03]
	time = 10:00-12:00
	place = teams
	agenda = Julemøde
	EOF
	echo "POST /v1.0/me/onlineMeetings/createOrGet 503 2" >"$G/faults" &&
	th send >out 2>err &&
	grep -q "Graph answered 503 ServiceUnavailable, try again after the time it asked for (trying again later)" err &&
	grep -q "nothing to send" out &&
	test -z "$(sqlite3 "$DB" "SELECT 1 FROM meeting WHERE date = '\''2027-12-03'\''")" &&
	reserved=$(sqlite3 "$DB" "SELECT uid FROM online_meeting WHERE date = '\''2027-12-03'\'' AND graph_id IS NULL") &&
	test -n "$reserved" &&
	th send >out 2>err && grep -q "^sent 8," out &&
	test "$(uid_of 2027-12-03)" = "$reserved" &&
	graph_py "assert len([m for m in meetings.values() if m[\"externalId\"] == \"$reserved\"]) == 1"
'

test_expect_success 'kill -9 after Graph made the meeting but before we recorded it: the next send finds the same one' '
	cat >>"$GROUP_DIR/schedule.ini" <<-\EOF &&

	[2027-12-17]
	time = 10:00-12:00
	place = teams
	agenda = Ekstra møde
	EOF
	echo 3 >"$G/delay_after_create" &&
	{ TOVHOLDER_NOW=$GROUP_NOW "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" send >out 2>err & pid=$!; } &&
	for i in $(seq 1 100); do
		graph_py "import sys; sys.exit(0 if any(m[\"startDateTime\"].startswith(\"2027-12-17\") for m in meetings.values()) else 1)" && break
		sleep 0.05
	done &&
	kill -9 $pid && { wait $pid; true; } &&
	test -z "$(sqlite3 "$DB" "SELECT graph_id FROM online_meeting WHERE date = '\''2027-12-17'\'' AND graph_id IS NOT NULL")" &&
	th send >out 2>err && grep -q "^sent 8," out &&
	graph_py "
made = [m for m in meetings.values() if m[\"startDateTime\"].startswith(\"2027-12-17\")]
assert len(made) == 1, made
" &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM online_meeting WHERE date = '\''2027-12-17'\''")" = 1
'

test_expect_success 'a handover carries the Teams meetings: the new tovholder plans no second one' '
	th overdrag -o "$TEST_TMP/ho.tovholder" >/dev/null 2>&1 &&
	N=$TEST_TMP/new && mkdir -p "$N" &&
	cp "$GROUP_DIR/secret" "$GROUP_DIR/graph-token" "$N/" &&
	sed -e "s|^organizer = .*|organizer = Ole Sand <ole.sand@netvaerk.example>|" "$GROUP_DIR/tovholder.conf" >"$N/tovholder.conf" &&
	TOVHOLDER_NOW=$GROUP_NOW "$TOVHOLDER" -c "$N/tovholder.conf" modtag "$TEST_TMP/ho.tovholder" >out 2>err &&
	test "$(sqlite3 "$N/state.db" "SELECT uid, graph_id, join_url, deleted FROM online_meeting ORDER BY uid")" = \
		"$(sqlite3 "$DB" "SELECT uid, graph_id, join_url, deleted FROM online_meeting ORDER BY uid")" &&
	TOVHOLDER_NOW=$GROUP_NOW "$TOVHOLDER" -c "$N/tovholder.conf" plan >out 2>err &&
	cat out &&
	! grep "Teams meeting" out && ! grep "invite" out
'

test_expect_success 'after the March meeting the service fetches its attendance by itself; the referat has the lines' '
	uid=$(uid_of 2027-03-05) &&
	gid=$(sqlite3 "$DB" "SELECT graph_id FROM online_meeting WHERE uid = '\''$uid'\''") &&
	/usr/bin/python3 - "$G" "$gid" <<-\EOF &&
	import json, os, sys
	d, gid = sys.argv[1:]
	def rec(email, name, secs, join):
	    return {"emailAddress": email, "totalAttendanceInSeconds": secs, "role": "Attendee",
	            "identity": {"id": "x", "displayName": name, "tenantId": None},
	            "attendanceIntervals": [{"joinDateTime": join, "leaveDateTime": join, "durationInSeconds": secs}]}
	# the meeting was restarted: two reports, Lise in both
	json.dump([{"id": "r1", "meetingStartDateTime": "2027-03-05T11:01:00Z", "meetingEndDateTime": "2027-03-05T12:00:00Z",
	            "records": [rec("lise.holm@koege.example", "Lise Holm", 3000, "2027-03-05T11:01:00Z"),
	                        rec("", "Mette Ravn", 3000, "2027-03-05T11:05:00Z")]},
	           {"id": "r2", "meetingStartDateTime": "2027-03-05T12:05:00Z", "meetingEndDateTime": "2027-03-05T14:00:00Z",
	            "records": [rec("lise.holm@koege.example", "Lise Holm", 6000, "2027-03-05T12:05:00Z"),
	                        rec("ukendt@andet.example", "Ulla Udefra", 600, "2027-03-05T12:30:00Z")]}],
	          open(os.path.join(d, "reports", gid + ".json"), "w"))
	EOF
	start_service 2027-03-05T15:00:00Z "$TEST_TMP/svc.log" &&
	for i in $(seq 1 100); do grep -q "attendance of 2027-03-05 recorded from Teams" "$TEST_TMP/svc.log" && break; sleep 0.1; done &&
	kill -TERM $SVC_PID && wait $SVC_PID && SVC_PID= &&
	grep "attendance of 2027-03-05 recorded from Teams: 3 participants" "$TEST_TMP/svc.log" &&
	TOVHOLDER_NOW=2027-03-05T16:00:00Z "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" referat 2027-03-05 >ref &&
	grep "^Deltagere:" ref | grep "Lise Holm" | grep "Mette Ravn" | grep -q "Ulla Udefra" &&
	grep "^Fraværende:" ref | grep "Anne Mose Dahl" | grep -q "Søren Ørsted" &&
	test "$(sqlite3 "$DB" "SELECT duration_s FROM attendance WHERE email = '\''lise.holm@koege.example'\''")" = 9000 &&
	test "$(sqlite3 "$DB" "SELECT attendance_done FROM online_meeting WHERE uid = '\''$uid'\''")" = 1
'

test_expect_success 'no report yet for a held meeting: the service says so and looks again later (backoff in the state)' '
	uid=$(uid_of 2027-12-03) &&
	start_service 2027-12-03T12:00:00Z "$TEST_TMP/svc2.log" &&
	for i in $(seq 1 100); do grep -q "no attendance report of 2027-12-03 yet" "$TEST_TMP/svc2.log" && break; sleep 0.1; done &&
	kill -TERM $SVC_PID && wait $SVC_PID && SVC_PID= &&
	grep -q "no attendance report of 2027-12-03 yet: looking again in 30 minutes" "$TEST_TMP/svc2.log" &&
	test "$(sqlite3 "$DB" "SELECT attendance_tries FROM online_meeting WHERE uid = '\''$uid'\''")" = 1
'

test_expect_success 'a Teams link written by hand: never moved or deleted, but its attendance is fetched after the meeting' '
	/usr/bin/python3 - "$G" "$HAND" <<-\EOF &&
	import json, os, sys
	d, url = sys.argv[1:]
	p = os.path.join(d, "meetings.json")
	m = json.load(open(p))
	m["MSo-hand-1"] = {"id": "MSo-hand-1", "externalId": "made-in-teams", "subject": "Netværksgruppe",
	                   "startDateTime": "2027-11-12T09:00:00Z", "endDateTime": "2027-11-12T12:00:00Z", "joinWebUrl": url}
	json.dump(m, open(p + ".t", "w")); os.replace(p + ".t", p)
	rec = {"emailAddress": "frederik.hald@koege.example", "totalAttendanceInSeconds": 10000, "role": "Attendee",
	       "identity": {"id": "f", "displayName": "Frederik Hald", "tenantId": None},
	       "attendanceIntervals": [{"joinDateTime": "2027-11-12T09:00:00Z", "leaveDateTime": "2027-11-12T11:46:40Z",
	                                "durationInSeconds": 10000}]}
	json.dump([{"id": "h1", "meetingStartDateTime": "2027-11-12T09:00:00Z", "meetingEndDateTime": "2027-11-12T12:00:00Z",
	            "records": [rec]}], open(os.path.join(d, "reports", "MSo-hand-1.json"), "w"))
	EOF
	th plan >out 2>err && ! grep "2027-11-12 in Microsoft Graph" out &&
	: >"$G/requests.jsonl" &&
	start_service 2027-11-12T15:00:00Z "$TEST_TMP/svc3.log" &&
	for i in $(seq 1 100); do grep -q "attendance of 2027-11-12 recorded from Teams" "$TEST_TMP/svc3.log" && break; sleep 0.1; done &&
	kill -TERM $SVC_PID && wait $SVC_PID && SVC_PID= &&
	grep -q "attendance of 2027-11-12 recorded from Teams: 1 participants" "$TEST_TMP/svc3.log" &&
	graph_py "
assert not [r for r in reqs if r[\"method\"] in (\"PATCH\", \"DELETE\", \"POST\")], reqs
looked = [r for r in reqs if r[\"path\"] == \"/v1.0/me/onlineMeetings\"]
assert looked and looked[0][\"query\"] == {\"\$filter\": \"JoinWebUrl eq \x27$HAND\x27\"}, looked
" &&
	test "$(sqlite3 "$DB" "SELECT owned, graph_id FROM online_meeting WHERE date = '\''2027-11-12'\''")" = "0|MSo-hand-1" &&
	TOVHOLDER_NOW=2027-11-12T16:00:00Z "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" referat 2027-11-12 >ref &&
	grep "^Deltagere: Frederik Hald (Køge)$" ref
'

test_expect_success 'the token is in no output, log or state' '
	! grep -r -F "$TOKEN" out err "$TEST_TMP"/svc*.log "$DB"
'

test_done
