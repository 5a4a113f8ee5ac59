#!/usr/bin/env bash
test_description='graph: check --online and fremmøde --teams-graph against the Microsoft Graph stand-in (the requests asserted)'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

MS_GRAPH=1 mailstack_start
group_write "$TEST_TMP/g"
G=$MS_DIR/graph
DB=$GROUP_DIR/state.db
AFTER=2027-03-05T15:00:00Z

group_graph

# requests METHOD PATH-PREFIX: how many requests of that kind the stand-in was sent
requests() {
	/usr/bin/python3 - "$G/requests.jsonl" "$1" "$2" <<-'EOF'
	import json, sys
	n = 0
	for l in open(sys.argv[1]):
	    r = json.loads(l)
	    n += r["method"] == sys.argv[2] and r["path"].startswith(sys.argv[3])
	print(n)
	EOF
}

# The meeting of 5 March has a Teams link written by hand: the stand-in holds that meeting, with two reports
# of that day (the meeting was restarted) and one of a meeting in February on the same recurring link.
write_meeting() {
	/usr/bin/python3 - "$G" <<-'EOF'
	import json, os, sys
	d = sys.argv[1]
	mid = "MSo-marts-0001"
	json.dump({mid: {"id": mid, "externalId": "by-hand", "subject": "Netværksgruppe Børn og Unge",
	                 "startDateTime": "2027-03-05T09:00:00Z", "endDateTime": "2027-03-05T12:00:00Z",
	                 "joinWebUrl": "https://teams.example/l/meetup-join/marts"}},
	          open(os.path.join(d, "meetings.json"), "w"))
	def rec(email, name, secs, join, role="Attendee"):
	    return {"emailAddress": email, "totalAttendanceInSeconds": secs, "role": role,
	            "identity": {"id": "id-" + name, "displayName": name, "tenantId": None},
	            "attendanceIntervals": [{"joinDateTime": join, "leaveDateTime": join, "durationInSeconds": secs}]}
	reports = [
	    {"id": "rep-feb", "meetingStartDateTime": "2027-02-05T09:00:00Z", "meetingEndDateTime": "2027-02-05T11:00:00Z",
	     "records": [rec("mette.ravn@odsherred.example", "Mette Ravn", 7000, "2027-02-05T09:00:00Z")]},
	    {"id": "rep-1", "meetingStartDateTime": "2027-03-05T08:58:00Z", "meetingEndDateTime": "2027-03-05T09:40:00Z",
	     "records": [rec("tovholder@netvaerk.example", "Karin Lund", 2500, "2027-03-05T08:58:00Z", "Organizer"),
	                 rec("anne.dahl@faxe.example", "Anne Mose Dahl", 2400, "2027-03-05T09:00:10Z"),
	                 rec("bo.aagaard@greve.example", "Bo Aagaard", 2300, "2027-03-05T09:01:00Z"),
	                 rec("", "Dennis Kragh", 2000, "2027-03-05T09:05:00Z")]},
	    {"id": "rep-2", "meetingStartDateTime": "2027-03-05T09:45:00Z", "meetingEndDateTime": "2027-03-05T12:00:00Z",
	     "records": [rec("anne.dahl@faxe.example", "Anne Mose Dahl", 8000, "2027-03-05T09:45:30Z"),
	                 rec("gaest@udvalg.example", "Gitte Gæst", 3600, "2027-03-05T10:00:00Z")]},
	]
	json.dump(reports, open(os.path.join(d, "reports", mid + ".json"), "w"))
	EOF
}

test_expect_success 'set-up: the invitations are sent' '
	th send >out 2>err && grep -q "^sent 33, waiting 0, refused 0$" out
'

test_expect_success 'check --online signs in to Graph (GET /me with the bearer token)' '
	th check --online >out 2>err &&
	grep "^graph: signed in to $MS_GRAPH_URL as tovholder@netvaerk.example$" out &&
	test "$(requests GET /v1.0/me)" = 1 &&
	/usr/bin/python3 -c "
import json, sys
r = [json.loads(l) for l in open(\"$G/requests.jsonl\")][-1]
assert r[\"authorization\"] == \"Bearer $TOKEN\", r
assert r[\"body\"] is None and r[\"query\"] == {}, r
"
'

test_expect_success 'a permission missing on /me: check --online names it and exits 69' '
	echo /v1.0/me >"$G/forbid" &&
	test_expect_code 69 th check --online >out 2>err &&
	grep "Graph says the permission is missing (Forbidden): grant User.Read" err &&
	rm "$G/forbid"
'

test_expect_success 'fremmøde --teams-graph: the meeting found by its join link, both reports of the day read, paged' '
	write_meeting &&
	: >"$G/requests.jsonl" &&
	TOVHOLDER_NOW=$AFTER "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" fremmøde 2027-03-05 --teams-graph >out 2>err &&
	cat out &&
	grep "Microsoft Graph: 5 participants, 0 rows not understood" out &&
	grep "by e-mail  Anne Mose Dahl → Anne Mose Dahl (Faxe)" out &&
	grep "by name    Dennis Kragh → Dennis Kragh (Holbæk)" out &&
	grep "guest      Gitte Gæst <gaest@udvalg.example>" out &&
	grep "organizer  Karin Lund" out &&
	! grep "→ Mette Ravn" out &&
	/usr/bin/python3 - "$G/requests.jsonl" "$TOKEN" <<-\EOF
	import json, sys
	reqs = [json.loads(l) for l in open(sys.argv[1])]
	assert all(r["authorization"] == "Bearer " + sys.argv[2] for r in reqs), reqs
	assert all(r["method"] == "GET" and r["body"] is None for r in reqs), reqs
	first = reqs[0]
	assert first["path"] == "/v1.0/me/onlineMeetings", first
	assert first["query"] == {"$filter": "JoinWebUrl eq '\''https://teams.example/l/meetup-join/marts'\''"}, first
	assert reqs[1]["path"] == "/v1.0/me/onlineMeetings/MSo-marts-0001/attendanceReports", reqs[1]
	recs = [r for r in reqs if r["path"].endswith("/attendanceRecords")]
	# rep-1 has 4 records in pages of 2 (one nextLink), rep-2 has 2; the February report is not read
	assert [(r["path"].split("/")[6], r["query"].get("$skiptoken")) for r in recs] == \
	    [("rep-1", None), ("rep-1", "2"), ("rep-2", None)], recs
	EOF
'

test_expect_success 'the restarted meeting counts once: Anne 2400 + 8000 s; the referat has the lines' '
	test "$(sqlite3 "$DB" "SELECT duration_s FROM attendance WHERE email = '\''anne.dahl@faxe.example'\''")" = 10400 &&
	TOVHOLDER_NOW=$AFTER "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" referat 2027-03-05 >ref &&
	grep "^Deltagere:" ref | grep "Anne Mose Dahl" | grep "Bo Aagaard" | grep "Dennis Kragh" | grep -q "Gitte Gæst" &&
	grep "^Fraværende:" ref | grep -q "Mette Ravn"
'

test_expect_success 'an expired token: the token is read again once, and the fetch goes through' '
	NEW=$(mailstack_graph_token) &&
	sed -i "/^$TOKEN\$/d" "$G/tokens" &&
	: >"$G/requests.jsonl" &&
	( sleep 0; printf "%s\n" "$NEW" >"$GROUP_DIR/graph-token.new" ) &&
	cp "$GROUP_DIR/graph-token.new" "$GROUP_DIR/graph-token" && chmod 600 "$GROUP_DIR/graph-token" &&
	TOVHOLDER_NOW=$AFTER "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" fremmøde 2027-03-05 --teams-graph >out 2>err &&
	grep "Microsoft Graph: 5 participants" out
'

test_expect_success 'a token command whose first token was revoked: 401, asked once more, then accepted' '
	OLD=gr-at-revoked-000 &&
	GOOD=$(mailstack_graph_token) &&
	printf "%s\n" "#!/bin/sh" "n=\$(cat $TEST_TMP/calls 2>/dev/null || echo 0); echo \$((n + 1)) >$TEST_TMP/calls" \
		"if [ \$n = 0 ]; then echo $OLD; else echo $GOOD; fi" >"$TEST_TMP/tok.sh" && chmod 755 "$TEST_TMP/tok.sh" &&
	sed -i "s|^token_file = graph-token\$|token_command = $TEST_TMP/tok.sh|" "$GROUP_DIR/tovholder.conf" &&
	: >"$G/requests.jsonl" &&
	TOVHOLDER_NOW=$AFTER "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" fremmøde 2027-03-05 --teams-graph >out 2>err &&
	test "$(cat $TEST_TMP/calls)" = 2 &&
	head -n 1 "$G/requests.jsonl" | grep -q "Bearer $OLD" &&
	sed -n 2p "$G/requests.jsonl" | grep -q "Bearer $GOOD"
'

test_expect_success 'throttled (429 with Retry-After): exit 75, nothing recorded anew' '
	before=$(sqlite3 "$DB" "SELECT count(*) FROM attendance") &&
	echo "GET /v1.0/me/onlineMeetings/MSo-marts-0001/attendanceReports 429 30" >"$G/faults" &&
	test_expect_code 75 env TOVHOLDER_NOW=$AFTER "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" \
		fremmøde 2027-03-05 --teams-graph >out 2>err &&
	grep "Graph answered 429 TooManyRequests, try again after the time it asked for" err &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM attendance")" = "$before"
'

test_expect_success 'no report yet (404 on the records of a new meeting): exit 75 with "try again later"' '
	echo "[]" >"$G/reports/MSo-marts-0001.json" &&
	test_expect_code 75 env TOVHOLDER_NOW=$AFTER "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" \
		fremmøde 2027-03-05 --teams-graph >out 2>err &&
	grep "no attendance report of this meeting yet" err && grep -q "try again later" err
'

test_expect_success 'the attendance permission missing: exit 69, the permission named' '
	write_meeting &&
	echo /v1.0/me/onlineMeetings/MSo-marts-0001/attendanceReports >"$G/forbid" &&
	test_expect_code 69 env TOVHOLDER_NOW=$AFTER "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" \
		fremmøde 2027-03-05 --teams-graph >out 2>err &&
	grep -q "grant OnlineMeetingArtifact.Read.All" err &&
	rm "$G/forbid"
'

test_expect_success 'a nextLink to another server is not followed (our token would go with it)' '
	echo https://graph.evil.example/v1.0 >"$G/next_base" &&
	test_expect_code 69 env TOVHOLDER_NOW=$AFTER "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" \
		fremmøde 2027-03-05 --teams-graph >out 2>err &&
	grep -q "next page points to another server: not followed" err &&
	rm "$G/next_base"
'

test_expect_success 'the token is in no output, log or state' '
	for t in $(cat "$G/tokens") gr-at-revoked-000; do
		! grep -r -F "$t" out err "$GROUP_DIR/state.db" "$GROUP_DIR"/*.log 2>/dev/null || return 1
	done
'

test_done
