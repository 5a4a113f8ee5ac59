#!/usr/bin/env bash
test_description='fremmøde: a Teams attendance report (UTF-16 and UTF-8) sets who was there; guests and rows nobody fits are listed; the referat after the meeting'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/g"
# a second Lise Holm: a name in the report can fit two people, and then a person decides
group_member "Lise Holm;Stevns;lise.holm@stevns.example;medlem"
DATE=2027-03-05
AFTER=2027-03-05T13:30:00Z	# the meeting is 10.00-13.00 in Copenhagen, 09.00-12.00 UTC

# report FILE ENCODING — the Teams attendance report of the meeting, as Teams writes it (UTF-16 LE with a
# BOM, TAB separated, CRLF), or re-saved by Excel as UTF-8 with commas (ENCODING utf-8-csv). Invented people.
report() {
	"$PYTHON" - "$1" "$2" <<-\EOF
	import sys
	rows = [
	    ["1. Summary"],
	    ["Meeting title", "Netværksgruppe Børn og Unge"],
	    ["Attended participants", "10"],
	    ["Start time", "3/5/27, 9:58:12 AM"],
	    ["End time", "3/5/27, 1:02:40 PM"],
	    ["Meeting duration", "3h 4m 28s"],
	    [],
	    ["2. Participants"],
	    ["Name", "First Join", "Last Leave", "In-Meeting Duration", "Email", "Participant ID (UPN)", "Role"],
	    ["Karin Lund", "3/5/27, 9:58:12 AM", "3/5/27, 1:02:40 PM", "3h 4m 28s", "tovholder@netvaerk.example",
	     "tovholder@netvaerk.example", "Organizer"],
	    ["Anne Mose Dahl", "3/5/27, 9:59:30 AM", "3/5/27, 1:00:05 PM", "3h 35s", "ANNE.DAHL@FAXE.EXAMPLE",
	     "anne.dahl@faxe.example", "Presenter"],
	    ["Kragh, Dennis", "3/5/27, 10:01:02 AM", "3/5/27, 12:15:00 PM", "2h 1m 58s", "", "", "Attendee"],
	    ["Soren Orsted (External)", "3/5/27, 10:05:00 AM", "3/5/27, 11:35:00 AM", "1h 30m", "", "", "Attendee"],
	    ["Lise Holm", "3/5/27, 10:00:00 AM", "3/5/27, 1:00:00 PM", "3h", "lise.holm@koege.example",
	     "lise.holm@koege.example", "Attendee"],
	    ["Lise Holm", "3/5/27, 10:03:00 AM", "3/5/27, 12:59:00 PM", "2h 56m", "lise.h@privat.example", "",
	     "Attendee"],
	    ["Jesper Vang", "3/5/27, 9:59:00 AM", "3/5/27, 1:01:00 PM", "3h 2m", "jesper.vang@solroed.example",
	     "jesper.vang@solroed.example", "Attendee"],
	    ["Ulrik Hedegaard (External)", "3/5/27, 10:00:30 AM", "3/5/27, 1:00:00 PM", "2h 59m 30s",
	     "ulrik.hedegaard@koege.example", "", "Attendee"],
	    ["Tue Bilde (External)", "3/5/27, 11:00:00 AM", "3/5/27, 11:45:00 AM", "45m", "tue.bilde@region.example", "",
	     "Attendee"],
	    ["Vera Konsulent (Unverified)", "3/5/27, 10:30:00 AM", "3/5/27, 11:15:45 AM", "45m 45s",
	     "vera@konsulent.example", "", "Attendee"],
	    [],
	    ["3. In-Meeting Activities"],
	    ["Name", "Join Time", "Leave Time", "Duration", "Email", "Role"],
	    ["Karin Lund", "3/5/27, 9:58:12 AM", "3/5/27, 1:02:40 PM", "3h 4m 28s", "tovholder@netvaerk.example",
	     "Organizer"],
	]
	path, enc = sys.argv[1], sys.argv[2]
	if enc == "utf-16":
	    text = "\r\n".join("\t".join(r) for r in rows) + "\r\n"
	    data = b"\xff\xfe" + text.encode("utf-16-le")
	else:
	    q = lambda c: '"%s"' % c if "," in c else c
	    text = "\r\n".join(",".join(q(c) for c in r + [""] * (7 - len(r))) for r in rows) + "\r\n"
	    data = b"\xef\xbb\xbf" + text.encode("utf-8")
	open(path, "wb").write(data)
	EOF
}

test_expect_success 'invitations out, answers recorded' '
	th send >/dev/null &&
	mailstack_wait_idle &&
	test "$(mail_summary lise.holm@stevns.example | grep -c " method=REQUEST ")" = 4 &&
	th set $DATE anne.dahl@faxe.example tilsagn &&
	th set $DATE bo.aagaard@greve.example afbud &&
	th set $DATE frederik.hald@koege.example afbud --stedfortræder "Ulrik Hedegaard" &&
	th set $DATE lise.holm@koege.example tilsagn &&
	th set $DATE mette.ravn@odsherred.example tilsagn &&
	th set $DATE jesper.vang@solroed.example tilsagn &&
	report report.csv utf-16 &&
	report report-excel.csv utf-8-csv &&
	test "$(head -c 2 report.csv | od -An -tx1 | tr -d " ")" = fffe
'

test_expect_success 'before the meeting: no attendance yet, and none can be recorded' '
	th fremmøde $DATE >out &&
	grep "^no attendance recorded for $DATE" out &&
	test_must_fail th fremmøde $DATE --teams report.csv 2>err &&
	grep "has not begun" err &&
	th referat $DATE >ref &&
	cat >expect <<-\EOT &&
	Afbud: Bo Aagaard (Greve), Frederik Hald (Køge)
	Deltagere: Anne Mose Dahl (Faxe), Lise Holm (Køge), Ulrik Hedegaard (Køge) for Frederik Hald, Mette Ravn (Odsherred)
	Referat: Jesper Vang (Solrød)
	Ikke svaret: Dennis Kragh (Holbæk), Søren Ørsted (Sorø), Lise Holm (Stevns)
	EOT
	test_cmp expect ref
'

test_expect_success 'the Teams report (UTF-16): matched by e-mail and name, guests and the row nobody fits listed' '
	GROUP_NOW=$AFTER th fremmøde $DATE --teams report.csv >out &&
	cat out &&
	grep "^report.csv: 10 participants, 0 rows not understood$" out &&
	grep "^  by e-mail  Anne Mose Dahl → Anne Mose Dahl (Faxe)$" out &&
	grep "^  by name    Kragh, Dennis → Dennis Kragh (Holbæk)$" out &&
	grep "^  by name    Soren Orsted → Søren Ørsted (Sorø)$" out &&
	grep "^  by e-mail  Lise Holm → Lise Holm (Køge)$" out &&
	grep "^  organizer  Karin Lund <tovholder@netvaerk.example>$" out &&
	grep "^  guest      Tue Bilde (on the roster: Tue Bilde, Region Sjælland) <tue.bilde@region.example>$" out &&
	grep "^  guest      Vera Konsulent <vera@konsulent.example>$" out &&
	grep "^  unmatched  Lise Holm: the name fits Lise Holm <lise.holm@koege.example> and Lise Holm <lise.holm@stevns.example> <lise.h@privat.example>$" out &&
	grep "^  ikke placeret: linje 15: Lise Holm: the name fits" out &&
	grep "^  gæst: Vera Konsulent <vera@konsulent.example>  46 min$" out &&
	grep "^I alt 9 inviterede: 5 til stede, 2 afbud, 2 fraværende; 3 gæster; 1 række ikke placeret$" out
'

test_expect_success 'nothing is dropped: every report row is in the state' '
	DB=$GROUP_DIR/state.db &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM attendance WHERE present = 1 AND source = '\''teams'\''")" = 5 &&
	test "$(sqlite3 "$DB" "SELECT group_concat(x, '\'','\'') FROM (SELECT kind || '\'':'\'' || name AS x FROM attendance_extra ORDER BY id)")" = \
		"organizer:Karin Lund,unmatched:Lise Holm,guest:Ulrik Hedegaard,guest:Tue Bilde,guest:Vera Konsulent"
'

test_expect_success 'the referat after the meeting: Deltagere present, Afbud, Fraværende, guests last' '
	GROUP_NOW=$AFTER th referat $DATE >ref &&
	cat >expect <<-\EOT &&
	Afbud: Bo Aagaard (Greve), Frederik Hald (Køge)
	Deltagere: Anne Mose Dahl (Faxe), Dennis Kragh (Holbæk), Lise Holm (Køge), Ulrik Hedegaard (Køge) for Frederik Hald, Søren Ørsted (Sorø), Tue Bilde (Region Sjælland), Vera Konsulent
	Referat: Jesper Vang (Solrød)
	Fraværende: Mette Ravn (Odsherred), Lise Holm (Stevns)
	EOT
	test_cmp expect ref
'

test_expect_success 'the row nobody fits is decided by hand; the ASCII spelling works' '
	GROUP_NOW=$AFTER th fremmoede $DATE --til-stede lise.holm@stevns.example >out &&
	grep "^  Lise Holm (Stevns) *til stede *manuel" out &&
	GROUP_NOW=$AFTER th referat $DATE >ref &&
	grep "^Deltagere: Anne Mose Dahl (Faxe), Dennis Kragh (Holbæk), Lise Holm (Køge), Ulrik Hedegaard (Køge) for Frederik Hald, Søren Ørsted (Sorø), Lise Holm (Stevns), Tue Bilde (Region Sjælland), Vera Konsulent$" ref &&
	grep "^Fraværende: Mette Ravn (Odsherred)$" ref
'

test_expect_success 'a correction by hand wins over the report, also when it is imported again (UTF-8, commas)' '
	GROUP_NOW=$AFTER th fremmøde $DATE --fraværende dennis.kragh@holbaek.example >/dev/null &&
	GROUP_NOW=$AFTER th fremmøde $DATE --teams report-excel.csv >out &&
	grep "^report-excel.csv: 10 participants, 0 rows not understood$" out &&
	grep "^  by name    Kragh, Dennis → Dennis Kragh (Holbæk)$" out &&
	grep "^  Dennis Kragh (Holbæk) *fraværende *manuel" out &&
	test "$(sqlite3 "$GROUP_DIR/state.db" "SELECT count(*) FROM attendance_extra")" = 5 &&
	GROUP_NOW=$AFTER th referat $DATE >ref &&
	cat >expect <<-\EOT &&
	Afbud: Bo Aagaard (Greve), Frederik Hald (Køge)
	Deltagere: Anne Mose Dahl (Faxe), Lise Holm (Køge), Ulrik Hedegaard (Køge) for Frederik Hald, Søren Ørsted (Sorø), Lise Holm (Stevns), Tue Bilde (Region Sjælland), Vera Konsulent
	Referat: Jesper Vang (Solrød)
	Fraværende: Dennis Kragh (Holbæk), Mette Ravn (Odsherred)
	EOT
	test_cmp expect ref &&
	GROUP_NOW=$AFTER th fremmøde $DATE --til-stede dennis.kragh@holbaek.example >/dev/null &&
	GROUP_NOW=$AFTER th referat $DATE | grep "^Fraværende: Mette Ravn (Odsherred)$"
'

test_expect_success 'refused: a report of another day, garbage, an address not invited, both present and absent' '
	sed "s|3/5/27|3/6/27|g" <report-excel.csv >other-day.csv &&
	GROUP_NOW=$AFTER test_must_fail th fremmøde $DATE --teams other-day.csv 2>err &&
	grep "other-day.csv: the report is of a meeting that started .3/6/27, 9:58:12 AM., not of $DATE" err &&
	printf "<html><body>Sign in</body></html>\n" >page.csv &&
	GROUP_NOW=$AFTER test_must_fail th fremmøde $DATE --teams page.csv 2>err &&
	grep "page.csv: no participants table" err &&
	GROUP_NOW=$AFTER test_must_fail th fremmøde $DATE --til-stede vera@konsulent.example 2>err &&
	grep "not invited" err &&
	GROUP_NOW=$AFTER test_must_fail th fremmøde $DATE --til-stede bo.aagaard@greve.example \
		--fraværende bo.aagaard@greve.example 2>err &&
	grep "both present and absent" err &&
	GROUP_NOW=$AFTER th referat $DATE | grep "^Fraværende: Mette Ravn (Odsherred)$"
'

test_done
