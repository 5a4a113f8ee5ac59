#!/usr/bin/env bash
test_description='fetch and run: the tovholder decides by moving mail (Afbud, Tilsagn, Ignorer) and imports a Teams report by moving it into Fremmøde (and is answered); a stranger goes back to review; nothing is lost'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"
. "$TOP/tests/lib/imapfolders.sh"

mailstack_start
group_write "$TEST_TMP/g"
ORGANIZER=tovholder@netvaerk.example
DB=$GROUP_DIR/state.db
AFTER=2027-03-05T13:30:00Z	# the meeting is 10.00-13.00 in Copenhagen
service_cleanup_on_exit

state_of() {
	local line
	line=$(th status "$2" | grep -F "$(sqlite3 "$DB" "SELECT name FROM invitation WHERE email = '$1' LIMIT 1") (")
	case "$line" in
	*"$3"*) return 0 ;;
	*) echo "$1 on $2: expected '$3', got: $line"; return 1 ;;
	esac
}

test_expect_success 'invitations out; questions, a chat and a stranger arrive' '
	th send >/dev/null && mailstack_wait_idle &&
	mail anne anne.dahl@faxe.example anne-1@faxe.example "SV: Moedet i marts" \
		"Hej Karin, jeg ved ikke om jeg kan nå det. Kan vi tale om det?" "$(our_msgid anne.dahl@faxe.example 2027-03-05)" &&
	mail bo bo.aagaard@greve.example bo-1@greve.example "Moedet den 7. maj 2027" \
		"Hej Karin, angående mødet den 7. maj 2027: kan jeg tage en kollega med?" &&
	mail dennis dennis.kragh@holbaek.example dennis-1@holbaek.example "Et spoergsmaal" \
		"Hej Karin, har du nummeret til Rammeaftalen?" &&
	mail frederik frederik.hald@koege.example frederik-1@koege.example "SV: Moedet i marts" \
		"Hvornår kommer dagsordenen?" "$(our_msgid frederik.hald@koege.example 2027-03-05)" &&
	mail lise lise.holm@koege.example lise-1@koege.example "SV: Moedet i marts" \
		"Jeg er måske forhindret. Hvem holder oplægget?" "$(our_msgid lise.holm@koege.example 2027-03-05)" &&
	mail stranger ukendt@andet.example stranger-1@andet.example "Afbud" \
		"Jeg melder afbud til mødet den 5. marts 2027." &&
	mailstack_wait_count $ORGANIZER 6
'

test_expect_success 'the first fetch creates the decision folders beside the processed and review folders' '
	th fetch >out 2>err && cat out err &&
	imap folders >folders && cat folders &&
	missing=$(for f in Behandlet "Til gennemsyn" Afbud Tilsagn Ignorer Fremmøde; do
		grep -qx "Tovholder/$f" folders || echo "Tovholder/$f"
	done) &&
	echo "missing: $missing" && test -z "$missing" &&
	th review >rev && cat rev &&
	test $(grep -c "^ *[0-9]\+  " rev) = 4 &&
	imap ids >ids.before && cat ids.before &&
	test $(wc -l <ids.before) = 6
'

test_expect_success 'mails moved into Afbud, Tilsagn and Ignorer are recorded as manuel, their review items cleared' '
	imap move anne-1@faxe.example Tovholder/Afbud &&
	imap move bo-1@greve.example Tovholder/Tilsagn &&
	imap move dennis-1@holbaek.example Tovholder/Tilsagn &&
	imap move frederik-1@koege.example Tovholder/Ignorer &&
	imap move stranger-1@andet.example Tovholder/Afbud &&
	th fetch >out 2>err && cat out err &&
	grep "^decided by folder: 3 answers, 1 ignored, 0 Teams reports, 1 back to review$" out &&
	state_of anne.dahl@faxe.example 2027-03-05 "afbud          manuel" &&
	state_of bo.aagaard@greve.example 2027-05-07 "tilsagn        manuel" &&
	state_of dennis.kragh@holbaek.example 2027-03-05 "tilsagn        manuel" &&
	state_of frederik.hald@koege.example 2027-03-05 "ikke svaret" &&
	state_of bo.aagaard@greve.example 2027-03-05 "ikke svaret" &&
	test "$(sqlite3 "$DB" "SELECT message_id FROM answer WHERE email = '\''anne.dahl@faxe.example'\''")" = anne-1@faxe.example
'

test_expect_success 'the stranger goes back to review with the reason; the decided ones leave review' '
	th review >rev && cat rev &&
	test $(grep -c "^ *[0-9]\+  " rev) = 2 &&
	grep "ukendt@andet.example" rev &&
	grep "is not invited to any of the group.s meetings" rev &&
	grep "lise.holm@koege.example" rev &&
	! grep -e anne.dahl -e bo.aagaard -e frederik.hald rev
'

test_expect_success 'nothing is lost: every mail still in the tree exactly once, where it belongs' '
	imap ids >ids.after && cat ids.after &&
	cut -f2 ids.before | sort >a && cut -f2 ids.after | sort >b && test_cmp a b &&
	test -z "$(sort b | uniq -d)" &&
	grep -x "Tovholder/Behandlet	<anne-1@faxe.example>" ids.after &&
	grep -x "Tovholder/Behandlet	<bo-1@greve.example>" ids.after &&
	grep -x "Tovholder/Behandlet	<dennis-1@holbaek.example>" ids.after &&
	grep -x "Tovholder/Behandlet	<frederik-1@koege.example>" ids.after &&
	grep -x "Tovholder/Til gennemsyn	<stranger-1@andet.example>" ids.after &&
	! grep -e "Tovholder/Afbud" -e "Tovholder/Tilsagn" -e "Tovholder/Ignorer" ids.after
'

# answers — the answers to Teams reports in the organizer's inbox, read by the independent checker: their
# count, then the text of each
answers() {
	"$PYTHON" "$TOP/tests/lib/mailcheck.py" json "$(maildir_of $ORGANIZER)" | "$PYTHON" -c '
import json, sys
ms = [m for m in json.load(sys.stdin) if m["subject"].startswith("Teams-rapporten er indlæst: mødet fredag den 5. marts 2027")]
print(len(ms))
for m in ms:
    assert m["text_html"] and "<script" not in m["text_html"], "no html part"
    print(m["text_plain"])
'
}

# referent_mails — how many "Fremmøde til referatet" mails the referent received
referent_mails() {
	"$PYTHON" "$TOP/tests/lib/mailcheck.py" summary "$(maildir_of jesper.vang@solroed.example)" |
		grep -c "Fremmøde til referatet"
}

# report_mail NAME [N] — the Teams report of 5 March, as Teams writes it (UTF-16 LE with a BOM, TAB separated),
# attached N times (default once) to a draft with Message-ID <NAME@netvaerk.example>
report_mail() {
	"$PYTHON" - "$TEST_TMP/mails/$1.eml" "$1" "${2:-1}" <<-\EOF
	import sys
	from email.message import EmailMessage
	rows = [
	    ["1. Summary"],
	    ["Meeting title", "Netværksgruppe Børn og Unge"],
	    ["Start time", "3/5/27, 9:58:12 AM"],
	    ["End time", "3/5/27, 1:02:40 PM"],
	    [],
	    ["2. Participants"],
	    ["Name", "First Join", "Last Leave", "In-Meeting Duration", "Email", "Participant ID (UPN)", "Role"],
	    ["Karin Lund", "3/5/27, 9:58:12 AM", "3/5/27, 1:02:40 PM", "3h 4m 28s", "tovholder@netvaerk.example",
	     "tovholder@netvaerk.example", "Organizer"],
	    ["Lise Holm", "3/5/27, 10:00:00 AM", "3/5/27, 1:00:00 PM", "3h", "lise.holm@koege.example",
	     "lise.holm@koege.example", "Attendee"],
	    ["Kragh, Dennis", "3/5/27, 10:01:02 AM", "3/5/27, 12:15:00 PM", "2h 1m 58s", "", "", "Attendee"],
	    ["Vera Konsulent (Unverified)", "3/5/27, 10:30:00 AM", "3/5/27, 11:15:45 AM", "45m 45s",
	     "vera@konsulent.example", "", "Attendee"],
	    ["Per Ukendt", "3/5/27, 10:40:00 AM", "3/5/27, 11:00:00 AM", "lang tid", "", "", "Attendee"],
	]
	data = b"\xff\xfe" + ("\r\n".join("\t".join(r) for r in rows) + "\r\n").encode("utf-16-le")
	m = EmailMessage()
	m["From"] = "Karin Lund <tovholder@netvaerk.example>"
	m["To"] = "tovholder@netvaerk.example"
	m["Subject"] = "Fremmøde marts"
	m["Message-ID"] = "<%s@netvaerk.example>" % sys.argv[2]
	m.set_content("Rapporten fra Teams.\n")
	for i in range(int(sys.argv[3])):
	    m.add_attachment(data, maintype="text", subtype="csv",
	                     filename="Deltagerliste marts.csv" if i == 0 else "Deltagerliste marts %d.csv" % i)
	open(sys.argv[1], "wb").write(bytes(m))
	EOF
}

test_expect_success 'a Teams report moved into Fremmøde is imported for the meeting of its own date' '
	report_mail report-1 && mailstack_inject "$TEST_TMP/mails/report-1.eml" "$ORGANIZER" &&
	GROUP_NOW=$AFTER th fetch >out 2>err && cat out err &&
	imap move report-1@netvaerk.example Tovholder/Fremmøde &&
	GROUP_NOW=$AFTER th fetch >out 2>err && cat out err &&
	grep "^decided by folder: 0 answers, 0 ignored, 1 Teams report, 0 back to review$" out &&
	GROUP_NOW=$AFTER th fremmøde 2027-03-05 >att && cat att &&
	grep "Lise Holm (Køge) .*til stede *teams" att &&
	grep "Dennis Kragh (Holbæk) .*til stede *teams" att &&
	grep "Anne Mose Dahl (Faxe) .*afbud" att &&
	grep "gæst: Vera Konsulent" att &&
	GROUP_NOW=$AFTER th referat 2027-03-05 >ref && cat ref &&
	grep "^Deltagere:.*Dennis Kragh" ref &&
	grep "^Deltagere:.*Lise Holm" ref &&
	imap ids >ids.report &&
	grep -x "Tovholder/Behandlet	<report-1@netvaerk.example>" ids.report &&
	test -z "$(cut -f2 ids.report | sort | uniq -d)"
'

test_expect_success 'the tovholder is answered: whom each row was placed on, the guests, what could not be placed' '
	mailstack_wait_idle &&
	answers >ans && cat ans &&
	test "$(head -1 ans)" = 1 &&
	grep -F "Dennis Kragh (Holbæk) – i rapporten: Kragh, Dennis (fundet på navnet)" ans &&
	grep -F "Lise Holm (Køge) – i rapporten: Lise Holm (fundet på e-mailadressen)" ans &&
	grep -F "Karin Lund – arrangør" ans &&
	grep -F -- "- Vera Konsulent <vera@konsulent.example>" ans &&
	grep "^- linje [0-9]* kunne ikke læses: Per Ukendt" ans &&
	grep "^Deltagere: Dennis Kragh (Holbæk), Lise Holm (Køge), Vera Konsulent" ans &&
	GROUP_NOW=$AFTER th fetch >out 2>err && cat out err &&
	answers | head -1 | grep -x 1
'

test_expect_success 'report_mail = off: a report is imported all the same, and nobody is answered' '
	sed -i "s/^state = state.db$/state = state.db\nreport_mail = off/" "$GROUP_DIR/tovholder.conf" &&
	grep -q "^report_mail = off$" "$GROUP_DIR/tovholder.conf" &&
	report_mail report-quiet && mailstack_inject "$TEST_TMP/mails/report-quiet.eml" "$ORGANIZER" &&
	GROUP_NOW=$AFTER th fetch >/dev/null 2>&1 &&
	imap move report-quiet@netvaerk.example Tovholder/Fremmøde &&
	GROUP_NOW=$AFTER th fetch >out 2>err && cat out err &&
	grep "^decided by folder: 0 answers, 0 ignored, 1 Teams report, 0 back to review$" out &&
	imap ids | grep -x "Tovholder/Behandlet	<report-quiet@netvaerk.example>" &&
	mailstack_wait_idle &&
	answers | head -1 | grep -x 1 &&
	sed -i "/^report_mail = off$/d" "$GROUP_DIR/tovholder.conf"
'

test_expect_success 'a mail in Fremmøde without a report goes back to review with the reason' '
	mail noreport tovholder@netvaerk.example noreport-1@netvaerk.example "Fremmoede" "Glemte rapporten" &&
	GROUP_NOW=$AFTER th fetch >/dev/null 2>&1 &&
	imap move noreport-1@netvaerk.example Tovholder/Fremmøde &&
	GROUP_NOW=$AFTER th fetch >out 2>err && cat out err &&
	th review >rev && grep "no Teams report (.csv)" rev &&
	imap ids | grep -x "Tovholder/Til gennemsyn	<noreport-1@netvaerk.example>"
'

test_expect_success 'a mail with more .csv files than a mail may hold goes back to review, nothing imported' '
	report_mail many-1 5 && mailstack_inject "$TEST_TMP/mails/many-1.eml" "$ORGANIZER" &&
	GROUP_NOW=$AFTER th fetch >/dev/null 2>&1 &&
	imap move many-1@netvaerk.example Tovholder/Fremmøde &&
	GROUP_NOW=$AFTER th fetch >out 2>err && cat out err &&
	grep "^decided by folder: 0 answers, 0 ignored, 0 Teams reports, 1 back to review$" out &&
	th review >rev && grep "more than 4 .csv files" rev &&
	imap ids | grep -x "Tovholder/Til gennemsyn	<many-1@netvaerk.example>" &&
	answers | head -1 | grep -x 1 &&
	printf "poll_interval = 1s\n" >>"$GROUP_DIR/tovholder.conf"
'

test_expect_success 'the service looks into the folders by itself: a mail moved into Afbud is recorded' '
	TOVHOLDER_NOW=$AFTER "$TOVHOLDER" -v -c "$GROUP_DIR/tovholder.conf" run >>"$TEST_TMP/svc.log" 2>&1 &
	SVC_PID=$! &&
	for i in $(seq 1 200); do grep -q "connected to .*(IDLE)" "$TEST_TMP/svc.log" && break; sleep 0.1; done &&
	imap move lise-1@koege.example Tovholder/Afbud &&
	for i in $(seq 1 100); do
		test "$(sqlite3 "$DB" "SELECT source FROM answer WHERE email = '\''lise.holm@koege.example'\''")" = manuel && break
		sleep 0.1
	done &&
	state_of lise.holm@koege.example 2027-03-05 "afbud          manuel" &&
	for i in $(seq 1 50); do imap ids | grep -qx "Tovholder/Behandlet	<lise-1@koege.example>" && break; sleep 0.1; done &&
	imap ids | grep -x "Tovholder/Behandlet	<lise-1@koege.example>"
'

test_expect_success 'the service imports a report moved into Fremmøde and answers; the referent has the lines once' '
	report_mail report-2 && mailstack_inject "$TEST_TMP/mails/report-2.eml" "$ORGANIZER" &&
	imap move report-2@netvaerk.example Tovholder/Fremmøde &&
	for i in $(seq 1 100); do
		test "$(answers | head -1)" = 2 && break
		sleep 0.2
	done &&
	answers | head -1 | grep -x 2 &&
	imap ids | grep -x "Tovholder/Behandlet	<report-2@netvaerk.example>" &&
	mailstack_wait_idle &&
	test "$(referent_mails)" = 1 &&
	kill -TERM $SVC_PID && wait $SVC_PID && SVC_PID=
'

test_done
