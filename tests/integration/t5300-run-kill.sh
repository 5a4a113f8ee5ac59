#!/usr/bin/env bash
test_description='run: kill -9 at random moments while invitations go out and replies come in; nothing lost, nothing doubled'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

# 22 invitees (7 members, the secretary, 14 extra members) and a guest at one meeting: 89 invitations for the
# four meetings. While the service is started and killed (kill -9) again and again, 27 mails are delivered
# to the organizer's inbox: 24 answers from every client family (22 for 2027-03-05, 2 for 2027-05-07), a
# COUNTER (for review), an out-of-office reply and a newsletter (not ours). Then one clean run until all is
# quiet, SIGTERM, and the count: every invitation there (at most one duplicate per recipient and meeting),
# every answer recorded once and right, every mail still in the mailbox tree exactly once.
#
# KILL_SEED=N repeats a run's kill moments and reply order (the seed is printed).
KILL_SEED=${KILL_SEED:-$(( $$ % 32768 ))}
KILL_MIN=13            # restarts at least …
KILL_MAX=15            # … and at most, while replies are still being delivered
ORGANIZER=tovholder@netvaerk.example
GUEST=tue.bilde@region.example

mailstack_start
group_write "$TEST_TMP/g"
EXTRAS=
for n in $(seq 1 14); do
	group_member "Ekstra Medlem $n;Stevns;ekstra$n@stevns.example;medlem"
	EXTRAS="$EXTRAS ekstra$n@stevns.example"
done
INVITEES="$GROUP_REGULARS $EXTRAS"
DB=$GROUP_DIR/state.db
SVC_LOG=$TEST_TMP/svc.log
SVC_PID=
INJ_PID=
say "KILL_SEED=$KILL_SEED"
RANDOM=$KILL_SEED

start_service() {
	echo "=== $1" >>"$SVC_LOG"
	TOVHOLDER_NOW=$GROUP_NOW "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" run >>"$SVC_LOG" 2>&1 &
	SVC_PID=$!
}
# Every process we started goes first (the service holds the state and talks to the stack), then test-lib's
# cleanup with our exit code.
trap '_rc=$?; [ -n "$SVC_PID" ] && kill -9 "$SVC_PID" 2>/dev/null; [ -n "$INJ_PID" ] && kill "$INJ_PID" 2>/dev/null;
	(exit $_rc); _test_cleanup' EXIT

# The replies: "fixture email date answer source" per line; the injector adds the Message-ID it gave each.
KINDS="outlook-exchange-accept:tilsagn:kalender outlook-exchange-decline:afbud:kalender
google-accept:tilsagn:kalender apple-ical-accept:tilsagn:kalender ios-tentative:tentativ:kalender
android-decline:afbud:kalender thunderbird-accept:tilsagn:kalender evolution-accept:tilsagn:kalender
outlook-mac-decline:afbud:kalender nextcloud-accept:tilsagn:kalender afbud-outlook-quoted:afbud:mail
afbud-html-only:afbud:mail afbud-cp1252-base64:afbud:mail tilsagn-plain:tilsagn:mail stedfortraeder:afbud:mail"
plan_replies() {
	local kinds=($KINDS) i=0 who k
	for who in $INVITEES; do
		k=${kinds[$((i % ${#kinds[@]}))]}
		i=$((i + 1))
		echo "${k%%:*} $who 2027-03-05 $(echo "$k" | cut -d: -f2) $(echo "$k" | cut -d: -f3)"
	done
	echo "afbud-outlook-quoted anne.dahl@faxe.example 2027-05-07 afbud mail"
	echo "tilsagn-plain bo.aagaard@greve.example 2027-05-07 tilsagn mail"
	echo "google-counter frederik.hald@koege.example 2027-05-07 - review"
	echo "autoreply-outlook dennis.kragh@holbaek.example 2027-05-07 - autosvar"
	echo "unrelated-newsletter - - - inbox"
}

# The injector: one python process that, for each planned reply in a shuffled order, waits until the state
# holds our invitation to that person (its UID and Message-ID are in the reply), writes the reply with
# tests/fixtures/make-fixtures.py's functions and a Message-ID of its own, submits it to Postfix and waits
# until it is in the organizer's mailbox tree (the service may already have moved it on). Writes
# "message-id fixture email date answer source" to the manifest after each delivery. Run it in the
# background only: it execs python, so that $! is the injector itself.
inject_replies() {
	exec "$PYTHON" - "$TOP" "$DB" "$MS_DIR" "$MS_SMTP_PORT" "$ORGANIZER" "$KILL_SEED" plan manifest <<-\PY
	import importlib.util, os, random, re, smtplib, sqlite3, sys, time
	top, db, msdir, port, organizer, seed, plan_path, manifest = sys.argv[1:]
	spec = importlib.util.spec_from_file_location("mkfx", top + "/tests/fixtures/make-fixtures.py")
	mk = importlib.util.module_from_spec(spec)
	spec.loader.exec_module(mk)
	fixtures = dict(mk.FIXTURES)
	local, _, domain = organizer.rpartition("@")
	tree = os.path.join(msdir, "mail", domain, local, "Maildir")
	rng = random.Random(int(seed))
	plan = [l.split() for l in open(plan_path) if l.strip()]
	rng.shuffle(plan)

	def query(sql, args):
	    while not os.path.exists(db):
	        time.sleep(0.05)
	    con = sqlite3.connect(db, timeout=10)
	    try:
	        return con.execute(sql, args).fetchone()
	    finally:
	        con.close()

	def invitation(date, who):
	    deadline = time.time() + 60
	    while time.time() < deadline:
	        try:
	            row = query("SELECT m.uid, o.message_id, i.name FROM meeting m JOIN outbox o ON o.meeting_id = m.id"
	                        " JOIN invitation i ON i.meeting_id = m.id AND i.email = o.email"
	                        " WHERE m.date = ? AND o.email = ? AND o.kind = 'invite' ORDER BY o.id LIMIT 1",
	                        (date, who))
	        except sqlite3.Error:
	            row = None
	        if row:
	            return row
	        time.sleep(0.05)
	    sys.exit("inject: no invitation to %s for %s in the state after 60 s" % (who, date))

	def in_tree(msgid):
	    for d, _, files in os.walk(tree):
	        if os.path.basename(d) not in ("new", "cur"):
	            continue
	        for f in files:
	            try:
	                with open(os.path.join(d, f), "rb") as fh:
	                    if msgid.encode() in fh.read(8192):
	                        return True
	            except FileNotFoundError:  # moved meanwhile
	                pass
	    return False

	for n, (fixture, who, date, answer, source) in enumerate(plan):
	    v = dict(mk.DEFAULTS)
	    v.update(organizer=organizer, organizer_name="Karin Lund", summary="Netværksgruppe Børn og Unge",
	             date="Tue, 01 Dec 2026 08:%02d:00 +0000" % n, dtstamp="20261201T08%02d00Z" % n)
	    if who != "-":
	        uid, inv_msgid, name = invitation(date, who)
	        day = date.replace("-", "")
	        v.update(uid=uid, msgid=inv_msgid.strip("<>"), attendee=who, attendee_name=name,
	                 dtstart=day + "T100000", dtend=day + "T130000",
	                 subject_date={"20270305": "5. marts 2027", "20270507": "7. maj 2027"}[day])
	    raw = fixtures[fixture + ".eml"](v).replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
	    head, sep, body = raw.partition(b"\r\n\r\n")
	    msgid = "<kill-%02d.%s@test.example>" % (n, fixture)
	    head, k = re.subn(rb"(?im)^Message-ID:[^\r\n]*", b"Message-ID: " + msgid.encode(), head, count=1)
	    assert k == 1, fixture
	    raw = head + sep + body
	    opts = ["BODY=8BITMIME"] if any(b > 127 for b in raw) else []
	    if any(b > 127 for b in head):
	        opts.append("SMTPUTF8")
	    frm = re.search(rb"(?im)^Return-Path: *<([^>]*)>", head)
	    frm = frm.group(1).decode() if frm else ""
	    with smtplib.SMTP("127.0.0.1", int(port), timeout=30) as s:
	        s.sendmail(frm, [organizer], raw, mail_options=opts)
	    deadline = time.time() + 20
	    while not in_tree(msgid):
	        if time.time() > deadline:
	            sys.exit("inject: %s not delivered within 20 s" % msgid)
	        time.sleep(0.02)
	    with open(manifest, "a") as m:
	        m.write("%s %s %s %s %s %s\n" % (msgid, fixture, who, date, answer, source))
	    time.sleep(rng.uniform(0.2, 1.0))
	PY
}

# db_count TABLE [WHERE] — rows in the state, "none" before the service made it (the sqlite3 shell would
# create an empty file).
db_count() {
	test -f "$DB" || { echo none; return; }
	sqlite3 -cmd ".timeout 5000" "$DB" "SELECT count(*) FROM $1 ${2:+WHERE $2}" 2>/dev/null || echo none
}

# The number of messages in a folder of the organizer's mailbox (INBOX, processed, review).
folder_count() { mailstack_count $ORGANIZER "$1"; }

# all_done — nothing waits to be sent, and only the newsletter is left in the inbox: the rest was moved.
all_done() {
	test "$(db_count outbox "status = 'queued'")" = 0 && test "$(folder_count INBOX)" = 1 &&
	test $(( $(folder_count Tovholder/Behandlet) + $(folder_count "Tovholder/Til gennemsyn") )) = 26
}

# wait_until SECONDS COMMAND… — runs COMMAND until it succeeds; fails when it still does not after SECONDS.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		if [ $SECONDS -ge $deadline ]; then
			echo "still not true after the wait: $*" >&2
			return 1
		fi
		sleep 0.1
	done
}

# run_log_has FROM PATTERN — the service log after line FROM (the current run) has a line matching PATTERN.
run_log_has() {
	tail -n +"$(( $1 + 1 ))" "$SVC_LOG" | grep -q -- "$2"
}

# Each run is killed a random 50-700 ms after a moment: every third run after its start (start-up, planning,
# queueing); the others, while invitations wait, after the first message it delivers (sending), and once
# all is sent, after its IMAP login (reading the replies that came in meanwhile). A run that does not reach
# its moment within 20 s is killed then. The replies arrive all the while.
test_expect_success "kill -9 at random moments ($KILL_MIN-$KILL_MAX restarts) while sending and while replies arrive" '
	plan_replies >plan && : >manifest && : >kills && : >"$SVC_LOG"
	# (its own list: "a && b &" would run a and b in the background too)
	inject_replies >inject.out 2>&1 &
	INJ_PID=$! &&
	test $(wc -l <plan) = 27 &&
	r=0 &&
	while :; do
		r=$((r + 1))
		ms=$((50 + RANDOM % 651))
		sent=$(db_count outbox "status = '\''sent'\'' AND kind = '\''invite'\''")
		if test $((r % 3)) = 1; then
			moment=start; pattern=
		elif test "$sent" = none || test "$sent" -lt 89; then
			moment="first message sent"; pattern="tovholder: sent "
		else
			moment="IMAP login"; pattern="\\[imap\\] connected"
		fi
		from=$(wc -l <"$SVC_LOG")
		start_service "run $r: killed $ms ms after $moment"
		t0=$(date +%s%N)
		if test -n "$pattern"; then
			deadline=$((SECONDS + 20))
			until run_log_has "$from" "$pattern"; do
				test $SECONDS -lt $deadline && kill -0 "$SVC_PID" 2>/dev/null || break
				sleep 0.02
			done
		fi
		sleep "$(printf "%d.%03d" $((ms / 1000)) $((ms % 1000)))"
		kill -9 "$SVC_PID"
		wait "$SVC_PID"
		rc=$?
		SVC_PID=
		echo "run $r: killed $ms ms after $moment ($(( ($(date +%s%N) - t0) / 1000000 )) ms after the start), exit $rc;" \
			"$(db_count outbox "status = '\''sent'\''") sent," \
			"$(wc -l <manifest) replies delivered," \
			"$(db_count answer) answers recorded" | tee -a kills
		test $r -ge $KILL_MAX && break
		test $r -ge $KILL_MIN && ! kill -0 "$INJ_PID" 2>/dev/null && break
	done &&
	# a run that ended by itself before its kill (a crash, an early exit) is a failure
	! grep -v "exit 137;" kills
'

sed "s/^/# /" kills

test_expect_success 'a clean run until all is quiet; SIGTERM: exit 0 within 5 s' '
	start_service "the final run" &&
	{ wait "$INJ_PID"; inj_rc=$?; INJ_PID=; cat inject.out; test $inj_rc = 0; } &&
	test $(wc -l <manifest) = 27 &&
	wait_until 30 all_done &&
	mailstack_wait_idle &&
	sleep 0.5 &&
	kill -TERM "$SVC_PID" &&
	for i in $(seq 50); do kill -0 "$SVC_PID" 2>/dev/null || break; sleep 0.1; done &&
	! kill -0 "$SVC_PID" 2>/dev/null &&
	{ wait "$SVC_PID"; rc=$?; SVC_PID=; test $rc = 0; } &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE status <> '\''sent'\''")" = 0
'

test_expect_success 'every invitee has every invitation, at most one duplicate per recipient and meeting' '
	sqlite3 "$DB" "SELECT date, uid FROM meeting ORDER BY date" >uids &&
	test $(wc -l <uids) = 4 &&
	mail_summary $INVITEES $GUEST >sum &&
	"$PYTHON" - sum uids "$INVITEES" "$GUEST" >invitations.txt <<-\PY
	import collections, sys
	got = collections.Counter()
	for l in open(sys.argv[1]):
	    f = dict(kv.split("=", 1) for kv in l.split(" ") if "=" in kv)
	    assert f["method"] == "REQUEST", l
	    got[(f["to"], f["uid"])] += 1
	uids = dict(l.strip().split("|") for l in open(sys.argv[2]))
	want = {(p, u): 1 for p in sys.argv[3].split() for u in uids.values()}
	want[(sys.argv[4], uids["2027-05-07"])] = 1
	assert set(got) == set(want), (set(got) ^ set(want))
	bad = {k: n for k, n in got.items() if n > 2}
	assert not bad, bad
	dups = sum(n - 1 for n in got.values())
	print("ok: %d invitations to %d recipient-meetings, %d duplicate(s)" % (sum(got.values()), len(want), dups))
	PY
'
sed "s/^/# /" invitations.txt 2>/dev/null

test_expect_success 'every answer recorded once, for the right meeting, with the right answer and source' '
	awk '\''$6 == "kalender" || $6 == "mail" { print $4, $3, $5, $6, substr($1, 2, length($1) - 2) }'\'' manifest |
		sort >want &&
	test $(wc -l <want) = 24 &&
	sqlite3 -separator " " "$DB" "SELECT m.date, a.email, a.answer, a.source, a.message_id
		FROM answer a JOIN meeting m ON m.id = a.meeting_id ORDER BY 1, 2" | sort >got &&
	test_cmp want got &&
	test "$(sqlite3 "$DB" "SELECT substitute FROM answer WHERE message_id LIKE '\''%stedfortraeder%'\''")" = "Ulrik Hedegaard" &&
	test "$(sqlite3 "$DB" "SELECT m.date || '\'' '\'' || a.email FROM autoreply a JOIN meeting m ON m.id = a.meeting_id")" = \
		"2027-05-07 dennis.kragh@holbaek.example" &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM review")" = 1 &&
	test "<$(sqlite3 "$DB" "SELECT message_id FROM review")>" = "$(awk '\''$2 == "google-counter" { print $1 }'\'' manifest)"
'

test_expect_success 'every injected mail is in the mailbox tree exactly once, in its folder' '
	test "$(folder_count INBOX)" = 1 &&
	test "$(folder_count Tovholder/Behandlet)" = 25 &&
	test "$(folder_count "Tovholder/Til gennemsyn")" = 1 &&
	md=$(maildir_of $ORGANIZER) &&
	"$PYTHON" - "$md" manifest <<-\PY
	import collections, email, email.policy, os, sys
	md, manifest = sys.argv[1:]
	where = collections.defaultdict(list)
	for folder in ("", ".Tovholder.Behandlet", ".Tovholder.Til gennemsyn"):
	    for sub in ("new", "cur"):
	        d = os.path.join(md, folder, sub)
	        for f in os.listdir(d) if os.path.isdir(d) else []:
	            with open(os.path.join(d, f), "rb") as fh:
	                m = email.message_from_binary_file(fh, policy=email.policy.compat32)
	            where[m["Message-ID"].strip()].append(folder or "INBOX")
	want = {}
	for l in open(manifest):
	    msgid, fixture, who, date, answer, source = l.split()
	    want[msgid] = {"inbox": "INBOX", "review": ".Tovholder.Til gennemsyn"}.get(source, ".Tovholder.Behandlet")
	assert set(where) == set(want), set(where) ^ set(want)
	for msgid, folders in where.items():
	    assert folders == [want[msgid]], (msgid, folders, want[msgid])
	print("ok: %d mails, each once, in its folder" % len(where))
	PY
'

say "$(grep -c "an older answer changes nothing" "$SVC_LOG") replies read a second time after a kill"

test_expect_success 'the service log shows no crash, and nothing left half done' '
	! grep -E "AddressSanitizer|LeakSanitizer|runtime error:|Assertion|Segmentation|double free|stack smashing" "$SVC_LOG" &&
	grep -c "^=== run" "$SVC_LOG" &&
	grep "SIGTERM: stopping" "$SVC_LOG" &&
	test "$(sqlite3 "$DB" "PRAGMA integrity_check")" = ok
'

test_done
