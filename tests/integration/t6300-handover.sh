#!/usr/bin/env bash
test_description='handover: overdrag on the old machine, modtag on the new one; the next send updates every future calendar entry from the new organizer, and replies to them are recorded'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/old"
OLD=$GROUP_DIR
ORG1=tovholder@netvaerk.example
ORG2=ole.sand@solroed.example
# The handover happens after the March meeting: it is history, the other three are still to come.
LATER=2027-04-01T08:00:00Z
FUTURE="2027-05-07 2027-09-10 2027-11-12"
HO=$TEST_TMP/overdragelse.tovholder

# thn DIR ARGS… — tovholder on a new machine, at the time of the handover
thn() {
	local dir=$1
	shift
	TOVHOLDER_NOW=$LATER "$TOVHOLDER" -c "$dir/tovholder.conf" "$@"
}

# fixture NAME ATTENDEE DATE DB ORGANIZER ORGANIZER-NAME — a reply to the last message the state DB sent
# ATTENDEE about DATE, delivered to ORGANIZER's inbox through Postfix
fixture() {
	local name=$1 who=$2 date=$3 db=$4 org=$5 orgname=$6 uid msgid person
	uid=$(sqlite3 "$db" "SELECT uid FROM meeting WHERE date = '$date'") &&
	msgid=$(sqlite3 "$db" "SELECT o.message_id FROM outbox o JOIN meeting m ON m.id = o.meeting_id
		WHERE m.date = '$date' AND o.email = '$who' ORDER BY o.id DESC LIMIT 1") &&
	person=$(sqlite3 "$db" "SELECT name FROM invitation i JOIN meeting m ON m.id = i.meeting_id
		WHERE m.date = '$date' AND i.email = '$who'") &&
	test -n "$uid" && test -n "$msgid" &&
	mkdir -p "$TEST_TMP/fx" &&
	/usr/bin/python3 "$TOP/tests/fixtures/make-fixtures.py" --out "$TEST_TMP/fx" --only "$name.eml" \
		--uid "$uid" --organizer "$org" --organizer-name "$orgname" \
		--attendee "$who" --attendee-name "$person" --msgid "$msgid" \
		--date "$FX_DATE" --dtstamp "$FX_DTSTAMP" \
		--dtstart "${date//-/}T100000" --dtend "${date//-/}T130000" \
		--subject-date "$date" --summary "Netværksgruppe Børn og Unge" &&
	mailstack_inject "$TEST_TMP/fx/$name.eml" "$org"
}

# An independent reader of the handover format (Python, not tovholder's code): checks the SHA-256 and
# prints one section, or "ok".
cat >"$TEST_TMP/ho.py" <<-\PY
import base64, hashlib, sys
lines = [l.rstrip() for l in open(sys.argv[1], encoding="utf-8", newline="").read().replace("\r", "").split("\n")]
start = lines.index("tovholder-overdragelse 1")
canon, secs, cur = b"tovholder-overdragelse 1\n", {}, None
for l in lines[start + 1:]:
    if not l or l.startswith(";"):
        continue
    if l.startswith("created "):
        canon += (l + "\n").encode()
    elif l.startswith("section "):
        _, name, n = l.split(" ")
        cur = name
        secs[name] = [int(n), b""]
    elif l.startswith("end sha256 "):
        break
    else:
        secs[cur][1] += l.encode()
for name, (n, b64) in secs.items():
    data = base64.b64decode(b64, validate=True)
    assert len(data) == n, name
    secs[name] = data
    canon += b"section %s %d\n" % (name.encode(), n) + data + b"\n"
assert hashlib.sha256(canon).hexdigest() == l.split(" ")[2], "checksum"
sys.stdout.buffer.write(secs[sys.argv[2]] if len(sys.argv) > 2 else b"ok\n")
PY
ho() {
	/usr/bin/python3 "$TEST_TMP/ho.py" "$@"
}

test_expect_success 'organizer 1 sends the invitations' '
	th send >/dev/null &&
	for a in $GROUP_REGULARS; do mailstack_wait_count $a 4 || return 1; done &&
	mailstack_wait_count tue.bilde@region.example 1 &&
	mailstack_wait_idle
'

test_expect_success 'answers to organizer 1 are recorded: accept, afbud, a bounce, a mail for review' '
	FX_DATE="Wed, 02 Dec 2026 10:15:00 +0100" FX_DTSTAMP=20261202T091500Z &&
	fixture outlook-exchange-accept anne.dahl@faxe.example 2027-03-05 "$OLD/state.db" $ORG1 "Karin Lund" &&
	fixture afbud-outlook-quoted bo.aagaard@greve.example 2027-03-05 "$OLD/state.db" $ORG1 "Karin Lund" &&
	fixture google-accept dennis.kragh@holbaek.example 2027-09-10 "$OLD/state.db" $ORG1 "Karin Lund" &&
	fixture dsn-bounce mette.ravn@odsherred.example 2027-03-05 "$OLD/state.db" $ORG1 "Karin Lund" &&
	fixture google-counter frederik.hald@koege.example 2027-03-05 "$OLD/state.db" $ORG1 "Karin Lund" &&
	mailstack_wait_count $ORG1 5 &&
	th fetch >out &&
	cat out &&
	grep "^3 answers, 0 automatic replies, 1 bounce, 0 resent, 1 for review" out &&
	th status 2027-03-05 >old-status &&
	grep "Anne Mose Dahl (Faxe) .*tilsagn" old-status &&
	grep "Bo Aagaard (Greve) .*afbud" old-status &&
	grep "Mette Ravn (Odsherred) .*adresse afvist" old-status
'

test_expect_success 'after the March meeting organizer 1 records who was there' '
	GROUP_NOW=$LATER th fremmøde 2027-03-05 --til-stede anne.dahl@faxe.example dennis.kragh@holbaek.example \
		--fraværende lise.holm@koege.example >out &&
	GROUP_NOW=$LATER th referat 2027-03-05 >ref &&
	cat ref &&
	grep "^Fraværende: .*Lise Holm (Køge)" ref
'

test_expect_success 'overdrag writes one mailable file and a Danish letter beside it' '
	GROUP_NOW=$LATER th overdrag -o "$HO" --til "Ole Sand" >out &&
	cat out &&
	grep "^wrote the handover .*overdragelse.tovholder. (4 meetings, 9 people, 1 bounced address marked)" out &&
	test -f "$TEST_TMP/overdragelse.txt" &&
	head -n 1 "$HO" >first && echo "tovholder-overdragelse 1" >expect && test_cmp expect first &&
	# mail-safe: short lines, 7-bit outside the comments
	test "$(awk "length > 100" "$HO" | wc -l)" = 0 &&
	test "$(grep -v "^;" "$HO" | LC_ALL=C grep -c "[^ -~]")" = 0 &&
	ho "$HO" >ok && echo ok >expect && test_cmp expect ok
'

test_expect_success 'the file: the schedule as written, the deltagerliste with the bounce marked, the config without secrets' '
	ho "$HO" schedule >sched && test_cmp "$OLD/schedule.ini" sched &&
	ho "$HO" roster >roster &&
	grep "^.\?.\?.\?navn;organisation;email;rolle;bemærkning" roster &&
	grep "^Mette Ravn;Odsherred;mette.ravn@odsherred.example;medlem;\"\?Adresse afvist: " roster &&
	grep "^Anne Mose Dahl;Faxe;anne.dahl@faxe.example;medlem;.$" roster &&
	test "$(grep -c "@" roster)" = 9 &&
	ho "$HO" config >conf &&
	grep "^organizer = Karin Lund <tovholder@netvaerk.example>" conf &&
	grep "^secretary = Jesper Vang (Solrød)" conf &&
	grep "^; FILL IN: password_file = " conf &&
	grep "^; FILL IN: state = " conf &&
	! grep -i "^password_file\|^state *=\|= *secret" conf &&
	ho "$HO" record >record &&
	grep "^table	meeting	uid" record &&
	grep "^table	answer	" record &&
	grep "^table	attendance	meeting_id	email	present" record &&
	! grep "^table	review" record &&
	! grep "^table	mailbox" record
'

test_expect_success 'the letter: what is planned, who has not answered, the bounce, the review item, the steps' '
	L="$TEST_TMP/overdragelse.txt" &&
	cat "$L" &&
	grep "^Kære Ole Sand$" "$L" &&
	grep "^- fredag den 7. maj 2027 kl. 10.00-13.00, Rådhuspladsen 1, 4700 Næstved$" "$L" &&
	grep "^- fredag den 10. september 2027 kl. 10.00-13.00, online$" "$L" &&
	! grep "^- fredag den 5. marts 2027" "$L" &&
	# wrapped for mail: the September item over two lines, without Dennis (answered) and Mette (bounced)
	/usr/bin/python3 -c "import sys; sys.exit(any(len(l) > 77 and l[:4] != \"    \" for l in open(sys.argv[1], encoding=\"utf-8\")))" "$L" &&
	sed -n "/^- 10. september 2027: /,/^[^ ]/p" "$L" | sed "\$d" | tr "\n" " " | tr -s " " >sept &&
	grep "^- 10. september 2027: Anne Mose Dahl (Faxe), Bo Aagaard (Greve), Frederik Hald (Køge), Lise Holm (Køge), Søren Ørsted (Sorø), Jesper Vang (Solrød) $" sept &&
	grep "^- Mette Ravn (Odsherred), mette.ravn@odsherred.example$" "$L" &&
	grep "^Der ligger 1 mail i min mappe \"Tovholder/Til gennemsyn\"" "$L" &&
	grep "^- .* fra frederik.hald@koege.example: " "$L" &&
	grep "^     tovholder modtag overdragelse.tovholder$" "$L" &&
	grep "^     name = Netværksgruppe Børn og Unge$" "$L" &&
	grep "^Karin Lund$" "$L" &&
	! grep "password_file = secret" "$L"
'

test_expect_success 'modtag on the new machine: files where its config names them, the record in its state' '
	group_new_machine "$TEST_TMP/new" &&
	thn "$TEST_TMP/new" modtag "$HO" >out &&
	cat out &&
	grep "^took over the group .Netværksgruppe Børn og Unge. from Karin Lund <tovholder@netvaerk.example>: .*4 meetings, 33 invitations" out &&
	test_cmp "$OLD/schedule.ini" "$TEST_TMP/new/gruppe/moeder.ini" &&
	test_cmp roster "$TEST_TMP/new/gruppe/deltagere.csv" &&
	thn "$TEST_TMP/new" check >/dev/null
'

test_expect_success 'the history came along: the March record is the same on both machines' '
	# what belongs to the old mailbox stays there: the review item, and the new time Frederik proposed in it
	GROUP_NOW=$LATER th status 2027-03-05 >st.all &&
	grep "^Forslag til nyt tidspunkt:" st.all &&
	grep -v "venter på gennemsyn\|^Forslag til nyt tidspunkt:\|^  .* foreslår " st.all >st.old &&
	thn "$TEST_TMP/new" status 2027-03-05 >st.new &&
	test_cmp st.old st.new &&
	GROUP_NOW=$LATER th referat 2027-03-05 >ref.old &&
	thn "$TEST_TMP/new" referat 2027-03-05 >ref.new &&
	test_cmp ref.old ref.new &&
	grep "^Afbud: Bo Aagaard (Greve)" ref.new &&
	grep "^Fraværende: .*Lise Holm (Køge)" ref.new
'

test_expect_success 'plan on the new machine: one update per future meeting (the new organizer), no invitation' '
	thn "$TEST_TMP/new" plan >out &&
	cat out &&
	test "$(wc -l <out)" = 3 &&
	for d in $FUTURE; do
		grep "^update $d for [89] people: organizer .Karin Lund <$ORG1>. -> .Ole Sand <$ORG2>.$" out || return 1
	done &&
	! grep -i "invite" out
'

# handed_over ADDR DATE… — ADDR got exactly one message from organizer 2 per DATE: a REQUEST with the UID
# organizer 1 used for that date and a higher SEQUENCE; nothing else from organizer 2
handed_over() {
	local addr=$1 d l1 l2 uid s1 s2
	shift
	mail_summary "$addr" >sum || return 1
	if [ "$(grep -c " organizer=$ORG2 " sum)" != $# ]; then
		echo "$addr: $(grep -c " organizer=$ORG2 " sum) messages from $ORG2, expected $#"; cat sum; return 1
	fi
	for d in "$@"; do
		l1=$(grep " organizer=$ORG1 " sum | grep " start=${d}T" | head -n 1)
		uid=$(echo "$l1" | sed -n "s/.* uid=\([^ ]*\) .*/\1/p")
		s1=$(echo "$l1" | sed -n "s/.* seq=\([0-9]*\) .*/\1/p")
		l2=$(grep " organizer=$ORG2 " sum | grep -F " uid=$uid ")
		s2=$(echo "$l2" | sed -n "s/.* seq=\([0-9]*\) .*/\1/p")
		test -n "$uid" && test "$(echo "$l2" | grep -c .)" = 1 &&
			echo "$l2" | grep -q " method=REQUEST mime_method=REQUEST " &&
			echo "$l2" | grep -q " start=${d}T" &&
			test "$s2" -gt "$s1" || { echo "$addr $d: from 1: $l1"; echo "from 2: $l2"; return 1; }
	done
}

test_expect_success 'send from the new machine: each invitee gets one REQUEST per future meeting, same UID, ORGANIZER 2, higher SEQUENCE' '
	before=$(total_delivered) &&
	thn "$TEST_TMP/new" send >out &&
	for a in $GROUP_REGULARS; do mailstack_wait_count $a 7 || return 1; done &&
	mailstack_wait_count tue.bilde@region.example 2 &&
	mailstack_wait_idle && sleep 1 &&
	test $(( $(total_delivered) - before )) = 25 &&
	for a in $GROUP_REGULARS; do handed_over $a $FUTURE || return 1; done &&
	handed_over tue.bilde@region.example 2027-05-07 &&
	thn "$TEST_TMP/new" plan >out && echo "nothing to do" >expect && test_cmp expect out
'

test_expect_success 'replies to organizer 2 are recorded by the new machine' '
	FX_DATE="Fri, 02 Apr 2027 10:15:00 +0200" FX_DTSTAMP=20270402T081500Z &&
	NEWDB=$TEST_TMP/new/state.db &&
	fixture google-accept lise.holm@koege.example 2027-05-07 "$NEWDB" $ORG2 "Ole Sand" &&
	fixture afbud-outlook-quoted soeren.oersted@soroe.example 2027-05-07 "$NEWDB" $ORG2 "Ole Sand" &&
	fixture outlook-exchange-decline anne.dahl@faxe.example 2027-09-10 "$NEWDB" $ORG2 "Ole Sand" &&
	mailstack_wait_count $ORG2 3 &&
	thn "$TEST_TMP/new" fetch >out &&
	cat out &&
	grep "^3 answers, " out &&
	thn "$TEST_TMP/new" status 2027-05-07 >st &&
	grep "Lise Holm (Køge) .*tilsagn *kalender" st &&
	grep "Søren Ørsted (Sorø) .*afbud *mail" st &&
	thn "$TEST_TMP/new" status 2027-09-10 >st &&
	grep "Anne Mose Dahl (Faxe) .*afbud *kalender" st &&
	grep "Dennis Kragh (Holbæk) .*tilsagn *kalender" st
'

test_expect_success 'modtag again: refuses to replace the record, changes nothing' '
	sqlite3 "$TEST_TMP/new/state.db" "SELECT count(*) FROM outbox; SELECT count(*) FROM answer" >before &&
	test_expect_code 73 thn "$TEST_TMP/new" modtag "$HO" 2>err &&
	cat err &&
	grep "refusing to replace the record in .*state.db.: this machine already sent for a group" err &&
	grep "nothing was changed; .tovholder modtag --force FILE. replaces it" err &&
	sqlite3 "$TEST_TMP/new/state.db" "SELECT count(*) FROM outbox; SELECT count(*) FROM answer" >after &&
	test_cmp before after
'

test_expect_success 'modtag refuses schedule and roster files that differ, then takes over with --force' '
	group_new_machine "$TEST_TMP/third" &&
	printf "[2027-06-01]\ntime = 10:00-12:00\nplace = online\n" >"$TEST_TMP/third/gruppe/moeder.ini" &&
	cp "$TEST_TMP/third/gruppe/moeder.ini" mine &&
	printf "navn;organisation;email;rolle\r\nNina Berg;Lejre;nina.berg@lejre.example;medlem\r\n" \
		>"$TEST_TMP/third/gruppe/deltagere.csv" &&
	test_expect_code 73 thn "$TEST_TMP/third" modtag "$HO" 2>err &&
	cat err &&
	grep "refusing to overwrite the schedule .*gruppe/moeder.ini.: it differs from the handed-over one" err &&
	grep "refusing to overwrite the roster .*gruppe/deltagere.csv.: it differs from the handed-over one" err &&
	grep "replaces them" err &&
	test_cmp mine "$TEST_TMP/third/gruppe/moeder.ini" &&
	test ! -e "$TEST_TMP/third/state.db" && test ! -e "$TEST_TMP/third/state.db.lock" &&
	thn "$TEST_TMP/third" modtag --force "$HO" >out &&
	test_cmp "$OLD/schedule.ini" "$TEST_TMP/third/gruppe/moeder.ini" &&
	thn "$TEST_TMP/third" plan >out &&
	test "$(grep -c "^update .* organizer " out)" = 3
'

test_expect_success 'a handover that went through a mail client (CRLF, text around it) still reads' '
	{ printf "Hej Ole,\r\n\r\nher er filen.\r\n\r\n"; sed "s/\$/\r/" "$HO"; printf "\r\nVenlig hilsen\r\nKarin\r\n"; } >mailed &&
	group_new_machine "$TEST_TMP/fourth" &&
	thn "$TEST_TMP/fourth" modtag mailed >out &&
	grep "^took over the group" out
'

test_expect_success 'a damaged file is refused with exit 65 and nothing is written' '
	group_new_machine "$TEST_TMP/fifth" &&
	# one character of the schedule changed, the base64 still valid
	awk "/^section schedule / { n = NR + 1 } NR == n { c = substr(\$0, 1, 1); \$0 = (c == \"A\" ? \"B\" : \"A\") substr(\$0, 2) } { print }" \
		"$HO" >changed &&
	! cmp -s "$HO" changed &&
	test_expect_code 65 thn "$TEST_TMP/fifth" modtag changed 2>err &&
	cat err &&
	grep "changed.: the file is damaged: its content does not match its SHA-256 checksum" err &&
	head -c 3000 "$HO" >cut &&
	test_expect_code 65 thn "$TEST_TMP/fifth" modtag cut 2>err &&
	grep "the file is damaged: line [0-9]*: the file ends here, without its .end. line: it was cut off" err &&
	test ! -e "$TEST_TMP/fifth/gruppe/moeder.ini" &&
	test ! -e "$TEST_TMP/fifth/state.db"
'

test_expect_success 'a foreign version and a file that is no handover are refused with exit 65' '
	sed "1s/ 1\$/ 2/" "$HO" >v2 &&
	test_expect_code 65 thn "$TEST_TMP/fifth" modtag v2 2>err &&
	grep "the file is format 2 of the handover; this tovholder reads format 1: upgrade tovholder" err &&
	test_expect_code 65 thn "$TEST_TMP/fifth" modtag "$OLD/schedule.ini" 2>err &&
	grep "not a tovholder handover file" err &&
	test ! -e "$TEST_TMP/fifth/state.db"
'

test_done
