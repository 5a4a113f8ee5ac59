#!/usr/bin/env bash
test_description='send: kill -9 in the middle of a run loses nothing and duplicates at most one message per invitee'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start

# A bigger group: 4 meetings x 12 invitees = 48 messages in one run.
setup_group() {
	rm -rf "$TEST_TMP/g" "$MS_DIR"/mail/*
	group_write "$TEST_TMP/g"
	for n in 1 2 3 4; do
		group_member "Ekstra Medlem $n;Stevns;ekstra$n@stevns.example;medlem"
	done
	ALL="$GROUP_REGULARS ekstra1@stevns.example ekstra2@stevns.example ekstra3@stevns.example ekstra4@stevns.example"
}

sent_rows() {
	sqlite3 "$GROUP_DIR/state.db" "SELECT count(*) FROM outbox WHERE status = 'sent'" 2>/dev/null || echo 0
}

test_expect_success 'kill -9 while sending, caught in the middle of the run' '
	caught= &&
	for try in 1 2 3 4 5 6 7 8; do
		mailstack_wait_idle
		setup_group
		# (a separate line: "a && b &" would run a and b in the background subshell too)
		TOVHOLDER_NOW=$GROUP_NOW "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" send >/dev/null 2>&1 &
		pid=$!
		for i in $(seq 1 4000); do
			test "$(sent_rows)" -ge $((try * 2)) && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.002
		done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		n=$(sent_rows)
		echo "try $try: killed after $n of 48 recorded as sent"
		if test "$n" -gt 0 && test "$n" -lt 48; then caught=yes; break; fi
	done &&
	test "$caught" = yes
'

test_expect_success 'send again: every invitee has every invitation, at most one duplicate each' '
	th send >out &&
	th send >out2 && grep "nothing to send" out2 &&
	mailstack_wait_idle && sleep 1 &&
	mail_summary $ALL >sum &&
	/usr/bin/python3 - sum "$ALL" <<-\PY
	import collections, sys
	lines = open(sys.argv[1]).read().split("\n")
	people = sys.argv[2].split()
	got = collections.Counter()
	for l in lines:
	    if not l: continue
	    f = dict(kv.split("=", 1) for kv in l.split(" ") if "=" in kv)
	    got[(f["to"], f["uid"])] += 1
	uids = {u for (_, u) in got}
	assert len(uids) == 4, uids
	for p in people:
	    counts = [got[(p, u)] for u in uids]
	    assert all(c >= 1 for c in counts), (p, counts)
	    assert sum(counts) - 4 <= 1, (p, counts)
	print("ok: %d messages for %d people" % (sum(got.values()), len(people)))
	PY
'

test_done
