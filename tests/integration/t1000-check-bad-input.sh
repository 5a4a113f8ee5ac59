#!/usr/bin/env bash
test_description='check and send: bad input gives a clear error naming file and line, and nothing is sent'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/good"
GOOD=$GROUP_DIR

test_expect_success 'the good group passes check' '
	GROUP_DIR=$GOOD &&
	th check
'

test_expect_success 'the shipped example files pass check' '
	mkdir examples && cp "$TOP"/config/* examples/ &&
	printf "hemmelig\n" >examples/secret && chmod 600 examples/secret &&
	"$TOVHOLDER" -c examples/tovholder.conf check >out &&
	grep "ok" out
'

test_expect_success 'a missing required key' '
	fresh_group missing &&
	sed -i "/^secretary =/d" "$GROUP_DIR/tovholder.conf" &&
	refused 78 "tovholder.conf.*secretary"
'

test_expect_success 'a typo in a key names the line' '
	fresh_group typo &&
	sed -i "s/^organizer =/organiser =/" "$GROUP_DIR/tovholder.conf" &&
	refused 78 "tovholder.conf:4: .*organiser"
'

test_expect_success 'a date that does not exist' '
	fresh_group baddate &&
	sed -i "s/^\[2027-03-05\]/[2027-02-30]/" "$GROUP_DIR/schedule.ini" &&
	refused 65 "schedule.ini:1: .*2027-02-30"
'

test_expect_success 'a malformed time' '
	fresh_group badtime &&
	sed -i "0,/^time = .*/s//time = 10-13/" "$GROUP_DIR/schedule.ini" &&
	refused 65 "schedule.ini:2: .*10-13"
'

test_expect_success 'a bad address in the roster' '
	fresh_group badaddr &&
	sed -i "s/bo.aagaard@greve.example/bo.aagaard.greve.example/" "$GROUP_DIR/roster.csv" &&
	refused 65 "roster.csv:3: .*bo.aagaard.greve.example"
'

test_expect_success 'a duplicate roster row names both lines' '
	fresh_group dup &&
	group_member "Anne Mose Dahl;Faxe;Anne.Dahl@faxe.example;medlem" &&
	refused 65 "roster.csv:11: .*anne.dahl@faxe.example.*2"
'

test_expect_success 'a guest who is not in the roster' '
	fresh_group guest &&
	sed -i "s/^guests = .*/guests = ukendt@region.example/" "$GROUP_DIR/schedule.ini" &&
	refused 65 "schedule.ini:[0-9]+: .*ukendt@region.example"
'

test_expect_success 'a world-readable password file is refused' '
	fresh_group perm &&
	sed -i "/^\[smtp\]/a user = tovholder@netvaerk.example\npassword_file = secret" "$GROUP_DIR/tovholder.conf" &&
	chmod 644 "$GROUP_DIR/secret" &&
	refused 78 "secret.*chmod 600"
'

test_expect_success 'every problem is reported at once' '
	fresh_group many &&
	sed -i "s/^organizer =/organiser =/" "$GROUP_DIR/tovholder.conf" &&
	sed -i "s/^timezone = .*/timezone = Europe\/Atlantis/" "$GROUP_DIR/tovholder.conf" &&
	test_expect_code 78 th check 2>err &&
	grep "organiser" err &&
	grep "Atlantis" err
'

test_expect_success 'a Windows-1252 roster with æøå gives correct names' '
	fresh_group cp1252 &&
	printf "navn;organisation;email;rolle\r\nS\370ren \330rsted;Sor\370;soeren@soroe.example;medlem\r\n\346bele \305gaard;Holb\346k;aabel@holbaek.example;sekret\346r\r\n" \
		>"$GROUP_DIR/roster.csv" &&
	sed -i "/^guests =/d" "$GROUP_DIR/schedule.ini" &&
	th send &&
	mailstack_wait_count soeren@soroe.example 4 &&
	mailstack_wait_count aabel@holbaek.example 4 &&
	/usr/bin/python3 "$TOP/tests/lib/mailcheck.py" json "$(maildir_of soeren@soroe.example)" >j.json &&
	/usr/bin/python3 -c "
import json, sys
for m in json.load(open(\"j.json\")):
    assert m[\"attendee_params\"][0][\"CN\"] == \"Søren Ørsted\", m[\"attendee_params\"]
    assert \"Søren Ørsted\" in m[\"text_plain\"]
print(\"ok\")"
'

test_done
