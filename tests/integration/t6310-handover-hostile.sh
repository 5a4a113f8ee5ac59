#!/usr/bin/env bash
test_description='handover from a hostile hand: a re-checksummed file with a queued phishing mail, a CR/LF recipient or a bad row is refused with exit 65, leaves nothing behind, and nothing of it is ever delivered by send or the service'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/old"
ORG2=ole.sand@solroed.example
LATER=2027-04-01T08:00:00Z
HO=$TEST_TMP/overdragelse.tovholder
ATTACKER=offer@angriber.example
ATTACKER2=offer2@angriber.example
service_cleanup_on_exit

thn() {
	local dir=$1
	shift
	TOVHOLDER_NOW=$LATER "$TOVHOLDER" -c "$dir/tovholder.conf" "$@"
}

# service_once DIR — the service on DIR for a few seconds (long enough to send a queue), then stopped
service_once() {
	TOVHOLDER_NOW=$LATER "$TOVHOLDER" -c "$1/tovholder.conf" run >>"$TEST_TMP/svc.log" 2>&1 &
	SVC_PID=$!
	sleep 4
	kill -TERM "$SVC_PID" 2>/dev/null
	wait "$SVC_PID"
	SVC_PID=
}

# nothing_left DIR — a refused modtag wrote no file and no state
nothing_left() {
	test ! -e "$1/gruppe/moeder.ini" && test ! -e "$1/gruppe/deltagere.csv" &&
	test ! -e "$1/state.db" && test ! -e "$1/state.db-wal" && test ! -e "$1/state.db.lock" &&
	test -z "$(ls -A "$1/gruppe")"
}

# attacker_got_nothing — no mail in the attacker's mailboxes, and Postfix never saw a RCPT for that domain
attacker_got_nothing() {
	test "$(mailstack_count $ATTACKER)" = 0 && test "$(mailstack_count $ATTACKER2)" = 0 &&
	! grep -i "angriber" "$MS_DIR/log/postfix.log"
}

# craft IN OUT PYTHON — rewrites the record section of a handover with the Python statements given (on
# 'rec', a str), and writes the file again with a new, correct SHA-256: what anyone can do with a text editor
# and sha256sum. An independent writer of the format (Python, not tovholder's code).
cat >"$TEST_TMP/craft.py" <<-\PY
import base64, hashlib, sys
src, dst, code = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(src, encoding="utf-8").read().split("\n")
created, secs, cur = None, [], None
for l in lines[lines.index("tovholder-overdragelse 1") + 1:]:
    if not l or l.startswith(";"):
        continue
    if l.startswith("created "):
        created = l[8:]
    elif l.startswith("section "):
        cur = [l.split(" ")[1], ""]
        secs.append(cur)
    elif l.startswith("end "):
        break
    else:
        cur[1] += l
secs = [[n, base64.b64decode(b)] for n, b in secs]
for s in secs:
    if s[0] == "record":
        rec = s[1].decode("utf-8")
        exec(code)
        s[1] = rec.encode("utf-8")
canon = b"tovholder-overdragelse 1\ncreated %s\n" % created.encode()
out = "tovholder-overdragelse 1\ncreated %s\n" % created
for n, data in secs:
    canon += b"section %s %d\n" % (n.encode(), len(data)) + data + b"\n"
    b64 = base64.b64encode(data).decode()
    out += "section %s %d\n" % (n, len(data)) + "".join(b64[i:i + 76] + "\n" for i in range(0, len(b64), 76))
out += "end sha256 %s\n" % hashlib.sha256(canon).hexdigest()
open(dst, "w", encoding="utf-8").write(out)
PY
craft() {
	/usr/bin/python3 "$TEST_TMP/craft.py" "$@"
}

OUTBOX_COLS='table\toutbox\tmeeting_id\temail\tkind\tsequence\tmessage_id\tmessage\tstatus\tattempts\tnext_try\tlast_error\tcreated_at\tdone_at\n'

test_expect_success 'setup: organizer 1 sends the invitations and writes a handover' '
	th send >/dev/null &&
	for a in $GROUP_REGULARS; do mailstack_wait_count $a 4 || return 1; done &&
	mailstack_wait_idle &&
	GROUP_NOW=$LATER th overdrag -o "$HO" --til "Ole Sand" >out &&
	uid=$(sqlite3 "$TEST_TMP/old/state.db" "SELECT uid FROM meeting WHERE date = '\''2027-05-07'\''") &&
	test -n "$uid" && echo "$uid" >uid
'

test_expect_success 'a queued phishing mail to an outside address is refused: exit 65, naming the line' '
	# a whole RFC 5322 message, as the outbox keeps it, sent by the next "send" as it stands
	printf "From: Ole Sand <%s>\r\nTo: <%s>\r\nSubject: Ny adgangskode\r\n\r\nLog ind her: https://phish.example/\r\n" \
		$ORG2 $ATTACKER | od -An -tx1 | tr -d " \n" >body.hex &&
	craft "$HO" phish.tovholder "rec += \"$OUTBOX_COLS\" + \"row\\tm$(cat uid)\\tt$ATTACKER\\ttupdate\\ti9\\ttphish-1@netvaerk.example\\tb$(cat body.hex)\\ttqueued\\ti0\\ti0\\tN\\ti1796000000\\tN\\n\"" &&
	group_new_machine "$TEST_TMP/p" &&
	test_expect_code 65 thn "$TEST_TMP/p" modtag phish.tovholder 2>err &&
	cat err &&
	grep "phish.tovholder.: the handover.s record is refused: line [0-9]*: outbox.message .(a message). is mail to send: a handover carries only the history" err &&
	grep "nothing was written" err &&
	nothing_left "$TEST_TMP/p"
'

test_expect_success 'a recipient with CR/LF (extra SMTP commands) is refused the same way' '
	craft "$HO" crlf.tovholder "rec += \"$OUTBOX_COLS\" + \"row\\tm$(cat uid)\\ttanne.dahl@faxe.example\\\\r\\\\nRCPT TO:<$ATTACKER2>\\ttupdate\\ti9\\ttx-2@netvaerk.example\\tb\\ttqueued\\ti0\\ti0\\tN\\ti1796000000\\tN\\n\"" &&
	group_new_machine "$TEST_TMP/c" &&
	test_expect_code 65 thn "$TEST_TMP/c" modtag crlf.tovholder 2>err &&
	cat err &&
	grep "line [0-9]*: outbox.email .anne.dahl@faxe.example.x0D.x0ARCPT TO:<offer2@angriber.example>. is not one plain address such as navn@kommune.dk, as roster.csv holds them" err &&
	nothing_left "$TEST_TMP/c"
'

test_expect_success 'the same hidden in a sent row (never sent, yet refused: no address roster.csv would refuse)' '
	craft "$HO" crlf-sent.tovholder "rec += \"$OUTBOX_COLS\" + \"row\\tm$(cat uid)\\ttanne.dahl@faxe.example\\\\r\\\\nRCPT TO:<$ATTACKER2>\\ttupdate\\ti9\\ttx-3@netvaerk.example\\tb\\ttsent\\ti1\\ti0\\tN\\ti1796000000\\ti1796000000\\n\"" &&
	test_expect_code 65 thn "$TEST_TMP/c" modtag crlf-sent.tovholder 2>err &&
	grep "outbox.email .anne.dahl@faxe.example.x0D.x0ARCPT TO:<offer2@angriber.example>. is not one plain address" err &&
	nothing_left "$TEST_TMP/c"
'

test_expect_success 'send and the service on those machines deliver nothing to the attacker' '
	test_must_fail thn "$TEST_TMP/p" send 2>/dev/null &&
	test_must_fail thn "$TEST_TMP/c" send 2>/dev/null &&
	service_once "$TEST_TMP/p" &&
	mailstack_wait_idle &&
	attacker_got_nothing
'

test_expect_success 'the genuine file then takes over; send and the service deliver the updates, still nothing to the attacker' '
	before=$(total_delivered) &&
	thn "$TEST_TMP/p" modtag "$HO" >out &&
	grep "^took over the group" out &&
	test "$(sqlite3 "$TEST_TMP/p/state.db" "SELECT count(*) FROM outbox WHERE status = '\''queued'\''")" = 0 &&
	thn "$TEST_TMP/p" send >out &&
	cat out &&
	for a in $GROUP_REGULARS; do mailstack_wait_count $a 7 || return 1; done &&
	service_once "$TEST_TMP/p" &&
	mailstack_wait_idle && sleep 1 &&
	test $(( $(total_delivered) - before )) = 25 &&
	attacker_got_nothing
'

test_expect_success 'all or nothing: a bad row last in the record leaves no schedule, roster or state; plan invites nobody' '
	craft "$HO" badrow.tovholder "rec += \"table\\treminder\\tmeeting_id\\toffset_s\\tstatus\\tat\\nrow\\tm$(cat uid)\\ti60\\ttmaybe\\ti1\\n\"" &&
	group_new_machine "$TEST_TMP/b" &&
	test_expect_code 65 thn "$TEST_TMP/b" modtag badrow.tovholder 2>err &&
	cat err &&
	grep "line [0-9]*: reminder.status .maybe. is not one of the values it can have" err &&
	nothing_left "$TEST_TMP/b" &&
	test_must_fail thn "$TEST_TMP/b" plan >out 2>&1 &&
	! grep -i "^invite" out &&
	# once the right file comes, it is a takeover: updates only, the old UIDs
	thn "$TEST_TMP/b" modtag "$HO" >/dev/null &&
	thn "$TEST_TMP/b" plan >out &&
	test "$(grep -c "^update .* organizer " out)" = 3 &&
	! grep -i "invite" out
'

test_expect_success 'all or nothing with --force: a refused file changes neither the record nor the files' '
	cp "$TEST_TMP/b/gruppe/moeder.ini" sched.before &&
	sqlite3 "$TEST_TMP/b/state.db" "SELECT count(*) FROM meeting; SELECT count(*) FROM invitation; SELECT count(*) FROM outbox" >db.before &&
	craft "$HO" badsched.tovholder "rec += \"$OUTBOX_COLS\" + \"row\\tN\\tt$ATTACKER\\ttupdate\\ti0\\ttx-4@netvaerk.example\\tb\\ttqueued\\ti0\\ti0\\tN\\ti1\\tN\\n\"" &&
	test_expect_code 65 thn "$TEST_TMP/b" modtag --force badsched.tovholder 2>err &&
	grep "outbox.status .queued. is mail to send" err &&
	test_cmp sched.before "$TEST_TMP/b/gruppe/moeder.ini" &&
	sqlite3 "$TEST_TMP/b/state.db" "SELECT count(*) FROM meeting; SELECT count(*) FROM invitation; SELECT count(*) FROM outbox" >db.after &&
	test_cmp db.before db.after &&
	test -z "$(ls "$TEST_TMP/b/gruppe" | grep tmp)"
'

# A record that is all valid data, yet names people roster.csv does not: a meeting the schedule no longer has
# (plan cancels it to everyone it names) and an extra invitation to a planned meeting (plan removes it with a
# CANCEL). The record is history: it never chooses whom the new tovholder's server mails, nor what it says.
MEETING_COLS='table\tmeeting\tuid\tdate\tsequence\tcancelled\tstart_min\tend_min\tplace\tonline_url\tagenda\torganizer\tsummary\tupdated_at\n'
INV_COLS='table\tinvitation\tmeeting_id\temail\tname\torg\trole\tinvited\tsequence\n'

test_expect_success 'a meeting the schedule does not have, and an invitation roster.csv does not name, mail nobody outside' '
	craft "$HO" ghost.tovholder "rec += \"$MEETING_COLS\" + \"row\\ttghost-1@netvaerk.example\\tt2027-06-10\\ti0\\ti0\\ti600\\ti780\\ttRådhuset\\tt\\ttLog ind her: https://phish.example/\\ttOle Sand <$ORG2>\\ttNy adgangskode til Netværksgruppen\\ti1796000000\\n\" + \"$INV_COLS\" + \"row\\tmghost-1@netvaerk.example\\tt$ATTACKER\\ttOffer\\ttAngriber\\ttmedlem\\ti1\\ti0\\n\" + \"row\\tm$(cat uid)\\tt$ATTACKER2\\ttOffer To\\ttAngriber\\ttmedlem\\ti1\\ti0\\n\"" &&
	group_new_machine "$TEST_TMP/g" &&
	test_expect_code 65 thn "$TEST_TMP/g" modtag ghost.tovholder 2>err &&
	cat err &&
	grep "ghost.tovholder.: the handover.s record is refused: the meeting 2027-05-07 invites .offer2@angriber.example., whom the handed-over roster does not name" err &&
	grep "nothing was written" err &&
	nothing_left "$TEST_TMP/g" &&
	test_must_fail thn "$TEST_TMP/g" send 2>/dev/null &&
	service_once "$TEST_TMP/g" &&
	mailstack_wait_idle &&
	attacker_got_nothing
'

test_expect_success 'the meeting the schedule does not have alone is refused the same way' '
	craft "$HO" ghost2.tovholder "rec += \"$MEETING_COLS\" + \"row\\ttghost-2@netvaerk.example\\tt2027-06-10\\ti0\\ti0\\ti600\\ti780\\ttRådhuset\\tt\\ttLog ind her: https://phish.example/\\ttOle Sand <$ORG2>\\ttNy adgangskode til Netværksgruppen\\ti1796000000\\n\" + \"$INV_COLS\" + \"row\\tmghost-2@netvaerk.example\\tt$ATTACKER\\ttOffer\\ttAngriber\\ttmedlem\\ti1\\ti0\\n\"" &&
	test_expect_code 65 thn "$TEST_TMP/g" modtag ghost2.tovholder 2>err &&
	grep "the meeting 2027-06-10 invites .offer@angriber.example., whom the handed-over roster does not name" err &&
	nothing_left "$TEST_TMP/g"
'

test_expect_success 'a past meeting may name people no longer on the roster: history, which plan never mails' '
	craft "$HO" past.tovholder "rec += \"$MEETING_COLS\" + \"row\\ttpast-1@netvaerk.example\\tt2026-10-02\\ti0\\ti0\\ti600\\ti780\\ttRådhuset\\tt\\tt\\ttOle Sand <$ORG2>\\ttNetværksgruppe Børn og Unge\\ti1790000000\\n\" + \"$INV_COLS\" + \"row\\tmpast-1@netvaerk.example\\ttfhv.medlem@faxe.example\\ttTidligere Medlem\\ttFaxe\\ttmedlem\\ti1\\ti0\\n\"" &&
	group_new_machine "$TEST_TMP/h" &&
	thn "$TEST_TMP/h" modtag past.tovholder >out &&
	grep "^took over the group" out &&
	thn "$TEST_TMP/h" plan >out &&
	! grep "fhv.medlem" out
'

test_done
