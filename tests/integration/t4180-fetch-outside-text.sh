#!/usr/bin/env bash
test_description='outside text is shown as text: ESC, C1 and newline+<0> in a Subject, a UID and a COMMENT reach neither review, status nor the service log (journald form) raw'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/g"
ORGANIZER=tovholder@netvaerk.example
DB=$GROUP_DIR/state.db
service_cleanup_on_exit

# hostile_reply OUT FROM UID PARTSTAT — a calendar REPLY whose Subject (RFC 2047, so the bytes survive any
# mail server), UID and COMMENT (base64 body) carry an ESC sequence that clears the screen, an OSC that sets
# the terminal title, the C1 CSI U+009B in UTF-8, a raw 8-bit C1 byte, an RLO and a newline followed by the
# journald priority "<0>". Plus æøå, which must pass.
hostile_reply() {
	/usr/bin/python3 - "$@" <<-'EOF'
	import base64, sys
	out, frm, uid, partstat = sys.argv[1:5]
	bad = "\x1b[2J\x1b[H\x1b]0;pwned\x07 \u009b31m \u202egnp.exe\n<0>emergency "
	subject = "Afvist: Netværksgruppe Børn og Unge " + bad + "æøå"
	def ical_text(s):   # RFC 5545 3.3.11: backslash, ';', ',' and newline escaped
	    return s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
	ics = "\r\n".join([
	    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Hostile//EN", "METHOD:REPLY", "BEGIN:VEVENT",
	    "UID:" + ical_text(uid),
	    "DTSTAMP:20261201T083000Z", "DTSTART;TZID=Europe/Copenhagen:20270305T100000",
	    "DTEND;TZID=Europe/Copenhagen:20270305T130000", "SEQUENCE:0",
	    "ORGANIZER:mailto:tovholder@netvaerk.example",
	    "ATTENDEE;PARTSTAT=%s:mailto:%s" % (partstat, frm),
	    "COMMENT:" + ical_text("Kan ikke " + bad + "æøå"),
	    "END:VEVENT", "END:VCALENDAR", ""]).encode("utf-8")
	ics = ics.replace(b"\xc2\x9b31m", b"\xc2\x9b31m \x9b32m")   # a raw C1 byte too (not UTF-8)
	head = "\r\n".join([
	    "From: <%s>" % frm, "To: <tovholder@netvaerk.example>",
	    "Subject: =?UTF-8?B?%s?=" % base64.b64encode(subject.encode()).decode(),
	    "Date: Tue, 01 Dec 2026 09:30:00 +0100",
	    "Message-ID: <%s@hostile.example>" % partstat.lower(),
	    "MIME-Version: 1.0",
	    "Content-Type: text/calendar; charset=UTF-8; method=REPLY",
	    "Content-Transfer-Encoding: base64", "", ""])
	open(out, "wb").write(head.encode() + base64.encodebytes(ics).replace(b"\n", b"\r\n"))
	EOF
}

# no_raw_controls FILE — no C0 byte but LF, no DEL, no C1 (raw or as UTF-8), no bidi override; the file is
# also shown with od when it fails.
no_raw_controls() {
	if LC_ALL=C grep -naP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]' "$1" ||
	   ! iconv -f UTF-8 -t UTF-8 "$1" >/dev/null; then
		od -c "$1" | head -n 60
		return 1
	fi
}

test_expect_success 'invitations out' '
	th send >/dev/null &&
	mailstack_wait_idle
'

test_expect_success 'two hostile replies arrive through the real mail stack' '
	uid=$(sqlite3 "$DB" "SELECT uid FROM meeting WHERE date = '\''2027-03-05'\''") &&
	hostile_reply decline.eml anne.dahl@faxe.example "$uid" DECLINED &&
	hostile_reply unknown.eml bo.aagaard@greve.example "$(printf "evil\033[2J\302\233\n<0>uid@hostile.example")" ACCEPTED &&
	mailstack_inject decline.eml $ORGANIZER &&
	mailstack_inject unknown.eml $ORGANIZER &&
	mailstack_wait_count $ORGANIZER 2
'

test_expect_success 'the service reads them; its log (journald form) has one line per event and no raw control' '
	JOURNAL_STREAM=8:1 TOVHOLDER_NOW=$GROUP_NOW "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" run \
		>>svc.log 2>&1 &
	SVC_PID=$! &&
	for i in $(seq 1 200); do
		test "$(mailstack_count $ORGANIZER "Tovholder/Til gennemsyn")" = 1 &&
		test "$(mailstack_count $ORGANIZER "Tovholder/Behandlet")" = 1 && break
		sleep 0.1
	done &&
	kill -TERM $SVC_PID && wait $SVC_PID && SVC_PID= &&
	cat svc.log &&
	no_raw_controls svc.log &&
	! grep -a "^<0>" svc.log &&
	grep -a "^<[0-7]>" svc.log >prio &&
	test_cmp svc.log prio &&
	grep -aF "for review: a calendar reply for a meeting we did not send (UID evil\\x1B[2J\\xC2\\x9B\\x0A<0>uid@hostile.example)" svc.log
'

test_expect_success 'review shows the subject and the UID as text' '
	th review >rev &&
	cat rev &&
	no_raw_controls rev &&
	grep -F "Afvist: Netværksgruppe Børn og Unge \\x1B[2J\\x1B[H\\x1B]0;pwned\\x07 \\xC2\\x9B31m \\xE2\\x80\\xAEgnp.exe\\x0A<0>emergency æøå" rev &&
	grep -F "(UID evil\\x1B[2J\\xC2\\x9B\\x0A<0>uid@hostile.example)" rev
'

test_expect_success 'status shows the comment as text: the DECLINED is recorded, æøå kept' '
	th status 2027-03-05 >st &&
	cat st &&
	no_raw_controls st &&
	grep -F "Anne Mose Dahl (Faxe)" st | grep -F "afbud" |
		grep -F "note: Kan ikke \\x1B[2J\\x1B[H\\x1B]0;pwned\\x07 \\xC2\\x9B31m" | grep -F "æøå"
'

test_done
