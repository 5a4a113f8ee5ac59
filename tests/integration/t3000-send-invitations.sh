#!/usr/bin/env bash
test_description='send: every invitee gets a real iTIP REQUEST, checked by an independent parser'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/g"

test_expect_success 'check accepts the test group' '
	th check >out &&
	grep "ok" out
'

test_expect_success 'plan lists one invitation per meeting and writes nothing' '
	th plan >out &&
	cat >expect <<-\EOT &&
	invite 8 people to 2027-03-05 (10:00-13:00, online)
	invite 9 people to 2027-05-07 (10:00-13:00, Rådhuspladsen 1, 4700 Næstved)
	invite 8 people to 2027-09-10 (10:00-13:00, online)
	invite 8 people to 2027-11-12 (10:00-13:00, online)
	EOT
	test_cmp expect out &&
	test ! -e "$GROUP_DIR/state.db"
'

test_expect_success 'send delivers one REQUEST per invitee per meeting' '
	th send >out &&
	grep "sent 33, waiting 0, refused 0" out &&
	for a in $GROUP_REGULARS; do mailstack_wait_count $a 4 || return 1; done &&
	mailstack_wait_count tue.bilde@region.example 1 &&
	mailstack_wait_idle
'

test_expect_success 'all 33 went over one SMTP connection' '
	test "$(mailstack_smtp_connections)" = 1
'

test_expect_success 'independent parse: METHOD, MIME method, organizer, the recipient as only attendee' '
	mail_summary $GROUP_REGULARS tue.bilde@region.example >sum &&
	test $(wc -l <sum) = 33 &&
	! grep -v " method=REQUEST mime_method=REQUEST " sum &&
	! grep -v " organizer=tovholder@netvaerk.example " sum &&
	! grep -v " tzid=Europe/Copenhagen " sum &&
	! grep -v " seq=0 " sum &&
	while read -r line; do
		to=${line#to=}; to=${to%% *}
		case "$line" in *" attendees=$to "*) ;; *) echo "bad attendees: $line"; return 1;; esac
	done <sum
'

test_expect_success 'one UID per meeting, the same for every invitee' '
	sed -n "s/.* uid=\([^ ]*\) .* start=\([0-9-]*\)T.*/\2 \1/p" sum | sort -u >uids &&
	test $(wc -l <uids) = 4 &&
	test $(cut -d" " -f1 uids | sort -u | wc -l) = 4
'

test_expect_success '10:00-13:00 Copenhagen time in winter (UTC+1) and summer (UTC+2)' '
	grep " start=2027-03-05T10:00 end=2027-03-05T13:00 .* utc_start=2027-03-05T09:00Z" sum >march &&
	test $(wc -l <march) = 8 &&
	grep " start=2027-09-10T10:00 end=2027-09-10T13:00 .* utc_start=2027-09-10T08:00Z" sum >sept &&
	test $(wc -l <sept) = 8
'

test_expect_success 'the guest gets only the meeting that names them; the secretary gets every one' '
	mail_summary tue.bilde@region.example >guest &&
	test $(wc -l <guest) = 1 &&
	grep "start=2027-05-07T10:00" guest &&
	mail_summary jesper.vang@solroed.example >sec &&
	test $(wc -l <sec) = 4
'

test_expect_success 'wire format: CRLF only, lines within limits, RSVP, VTIMEZONE, Danish subject' '
	/usr/bin/python3 "$TOP/tests/lib/mailcheck.py" json "$(maildir_of anne.dahl@faxe.example)" >j.json &&
	/usr/bin/python3 - j.json <<-\PY
	import json, sys
	msgs = json.load(open(sys.argv[1]))
	assert len(msgs) == 4, len(msgs)
	for m in msgs:
	    assert m["crlf_only"], "bare LF in message"
	    assert m["max_line"] <= 998, m["max_line"]
	    assert m["ical_crlf"], "bare LF in calendar"
	    assert m["ical_max_line"] <= 75, m["ical_max_line"]
	    assert "Europe/Copenhagen" in m["vtimezones"], m["vtimezones"]
	    assert m["attendees"] == ["anne.dahl@faxe.example"], m["attendees"]
	    p = m["attendee_params"][0]
	    assert p.get("RSVP") == "TRUE" and p.get("PARTSTAT") == "NEEDS-ACTION", p
	    assert p.get("CN") == "Anne Mose Dahl" and p.get("ROLE") == "REQ-PARTICIPANT", p
	    assert m["organizer_cn"] == "Karin Lund", m["organizer_cn"]
	    assert m["subject"].startswith("Indkaldelse: Netværksgruppe Børn og Unge"), m["subject"]
	    assert "Kære Anne Mose Dahl" in m["text_plain"], "greeting missing"
	    assert "Anne Mose Dahl" in m["text_html"], "greeting missing in HTML"
	    assert m["tzids_without_vtimezone"] == [], m["tzids_without_vtimezone"]
	    assert m["utc_start"] == m["utc_start_tzdb"], (m["utc_start"], m["utc_start_tzdb"])
	    assert m["summary"] == "Netværksgruppe Børn og Unge", m["summary"]
	    assert m["dtstamp"], "no DTSTAMP"
	print("ok")
	PY
'

test_expect_success 'a second send sends nothing and plan has nothing to do' '
	before=$(total_delivered) &&
	th send >out &&
	grep "nothing to send" out &&
	th plan >out &&
	echo "nothing to do" >expect &&
	test_cmp expect out &&
	sleep 1 &&
	test "$(total_delivered)" = "$before"
'

test_done
