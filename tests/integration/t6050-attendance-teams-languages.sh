#!/usr/bin/env bash
test_description='fremmøde: Teams reports in French (Teams UTF-16, sections) and Brazilian Portuguese (2020-21 layout re-saved by Excel: Windows-1252, ";") read by the shape of their columns; dates checked against the meeting; an open interval ends at the end; the referat after'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/g"
FIX=$TOP/tests/fixtures/teams
MAR=2027-03-05
MAY=2027-05-07
AFTER_MAR=2027-03-05T13:30:00Z	# both meetings are 10.00-13.00 in Copenhagen
AFTER_MAY=2027-05-07T12:30:00Z

test_expect_success 'invitations out, answers recorded' '
	th send >/dev/null &&
	mailstack_wait_idle &&
	th set $MAR bo.aagaard@greve.example afbud &&
	th set $MAY anne.dahl@faxe.example afbud &&
	cp "$FIX/sections-fr.csv" fr.csv &&
	cp "$FIX/legacy-summary-pt-br-cp1252.csv" pt.csv &&
	test "$(head -c 2 fr.csv | od -An -tx1 | tr -d " ")" = fffe
'

test_expect_success 'French report: columns by what they hold, "à" in dates, the open interval ends at the report end' '
	GROUP_NOW=$AFTER_MAR th fremmøde $MAR --teams fr.csv >out &&
	cat out &&
	grep "^fr.csv: 5 participants, 0 rows not understood$" out &&
	grep "^  by e-mail  Anne Mose Dahl → Anne Mose Dahl (Faxe)$" out &&
	grep "^  by e-mail  Kragh, Dennis → Dennis Kragh (Holbæk)$" out &&
	grep "^  by e-mail  Mette Ravn → Mette Ravn (Odsherred)$" out &&
	grep "^  organizer  Karin Lund <tovholder@netvaerk.example>$" out &&
	grep "^  guest      Tue Bilde (on the roster: Tue Bilde, Region Sjælland) <tue.bilde@region.example>$" out &&
	grep "^  Anne Mose Dahl (Faxe) *til stede *teams *3 t$" out &&
	grep "^  Dennis Kragh (Holbæk) *til stede *teams *2 t 1 min *i rapporten: Kragh, Dennis$" out &&
	grep "^  Mette Ravn (Odsherred) *til stede *teams *2 t 32 min$" out &&
	grep "^  gæst: Tue Bilde (Region Sjælland) <tue.bilde@region.example>  45 min$" out
'

test_expect_success 'the referat of 5 March: who was there' '
	GROUP_NOW=$AFTER_MAR th referat $MAR >ref &&
	grep "^Deltagere: Anne Mose Dahl (Faxe), Dennis Kragh (Holbæk), Mette Ravn (Odsherred), Tue Bilde (Region Sjælland)$" ref &&
	grep "^Afbud: Bo Aagaard (Greve)$" ref
'

test_expect_success 'the French report is not of 7 May: refused, nothing recorded' '
	GROUP_NOW=$AFTER_MAY test_expect_code 65 th fremmøde $MAY --teams fr.csv 2>err &&
	grep "fr.csv: the report is of a meeting that started .05/03/27 à 09:58:12., not of $MAY" err &&
	GROUP_NOW=$AFTER_MAY th fremmøde $MAY >out &&
	grep "^no attendance recorded for $MAY" out
'

test_expect_success 'Portuguese report (Windows-1252, ";"): 07/05/2027 read as 7 May, a rejoin summed, the open visit ends at 13.00' '
	GROUP_NOW=$AFTER_MAY th fremmøde $MAY --teams pt.csv >out &&
	cat out &&
	grep "^pt.csv: 4 participants, 0 rows not understood$" out &&
	grep "^  by e-mail  Lise Holm → Lise Holm (Køge)$" out &&
	grep "^  by name    Ørsted, Søren → Søren Ørsted (Sorø)$" out &&
	grep "^  by e-mail  Bo Aagaard → Bo Aagaard (Greve)$" out &&
	grep "^  Lise Holm (Køge) *til stede *teams *2 t 48 min$" out &&
	grep "^  Søren Ørsted (Sorø) *til stede *teams *2 t 30 min *i rapporten: Ørsted, Søren$" out
'

test_expect_success 'the referat of 7 May: who was there' '
	GROUP_NOW=$AFTER_MAY th referat $MAY >ref &&
	cat ref &&
	grep "^Deltagere: Bo Aagaard (Greve), Lise Holm (Køge), Søren Ørsted (Sorø)$" ref &&
	grep "^Afbud: Anne Mose Dahl (Faxe)$" ref
'

test_expect_success 'a report nobody can read says which line and what was expected; nothing is half-imported' '
	printf "Nome\tCidade\tCor\nBo\tGreve\tazul\n" >colors.csv &&
	GROUP_NOW=$AFTER_MAY test_expect_code 65 th fremmøde $MAY --force --teams fr.csv --teams colors.csv 2>err &&
	grep "colors.csv: no participants table: not a Teams attendance report (line 1 is .Nome Cidade Cor.): expected a line naming the columns" err &&
	GROUP_NOW=$AFTER_MAY th referat $MAY | grep "^Deltagere: Bo Aagaard (Greve), Lise Holm (Køge), Søren Ørsted (Sorø)$"
'

test_expect_success '--force imports a report of another day; its open interval still ends at its own end time' '
	GROUP_NOW=$AFTER_MAY th fremmøde $MAY --teams fr.csv --force >out &&
	grep "^fr.csv: 5 participants, 0 rows not understood$" out &&
	grep "^  Mette Ravn (Odsherred) *til stede *teams *2 t 32 min$" out
'

test_done
