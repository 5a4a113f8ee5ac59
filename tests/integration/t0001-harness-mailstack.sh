#!/usr/bin/env bash
# The harness itself: the private Postfix + Dovecot stack delivers, refuses, serves IMAP over TLS with the
# test CA, survives restarts and leaves no daemon behind.
. "$(dirname "$0")/../lib/test-lib.sh"

# send_mail PORT RCPT [SUBJECT]: one SMTP session from python; prints the reply code of a refused RCPT.
send_mail() {
	"$PYTHON" - "$@" <<-'EOF'
	import smtplib, sys
	from email.message import EmailMessage
	port, rcpt = int(sys.argv[1]), sys.argv[2]
	m = EmailMessage()
	m["From"] = "tovholder@kommune.example"
	m["To"] = rcpt
	m["Subject"] = sys.argv[3] if len(sys.argv) > 3 else "Prøve"
	m.set_content("Hej,\n\ndette er en prøve.\n")
	with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
	    try:
	        s.send_message(m)
	    except smtplib.SMTPRecipientsRefused as e:
	        print(e.recipients[rcpt][0])
	        sys.exit(3)
	EOF
}

# imap_check MODE USER: logs in (MODE starttls|imaps|wronghost) and prints what the INBOX holds.
imap_check() {
	"$PYTHON" - "$@" <<-'EOF'
	import imaplib, os, ssl, sys
	mode, user = sys.argv[1], sys.argv[2]
	ctx = ssl.create_default_context(cafile=os.environ["MS_CA"])
	host = os.environ["MS_CERT_HOST"]
	if mode == "imaps":
	    c = imaplib.IMAP4_SSL(host, int(os.environ["MS_IMAPS_PORT"]), ssl_context=ctx)
	else:
	    if mode == "wronghost":
	        host = "127.0.0.1"  # not in the certificate: verification must fail
	    c = imaplib.IMAP4(host, int(os.environ["MS_IMAP_PORT"]))
	    assert "STARTTLS" in c.capabilities, c.capabilities
	    c.starttls(ssl_context=ctx)
	c.login(user, os.environ["MS_PASSWORD"])
	caps = c.capability()[1][0].decode().upper().split()
	for cap in ("IDLE", "MOVE", "UIDPLUS"):
	    assert cap in caps, (cap, caps)
	typ, data = c.select("INBOX")
	print("messages=%s" % data[0].decode())
	typ, data = c.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
	print(data[0][1].decode().strip())
	c.logout()
	EOF
}

# imap_folder USER: creates Tovholder/Behandlet, moves message 1 there, prints the folder list.
imap_folder() {
	"$PYTHON" - "$@" <<-'EOF'
	import imaplib, os, ssl, sys
	ctx = ssl.create_default_context(cafile=os.environ["MS_CA"])
	c = imaplib.IMAP4_SSL(os.environ["MS_CERT_HOST"], int(os.environ["MS_IMAPS_PORT"]), ssl_context=ctx)
	c.login(sys.argv[1], os.environ["MS_PASSWORD"])
	typ, _ = c.create("Tovholder/Behandlet")
	assert typ == "OK", typ
	c.select("INBOX")
	typ, data = c.uid("MOVE", "1", "Tovholder/Behandlet")
	assert typ == "OK", (typ, data)
	typ, data = c.list()
	for line in data:
	    print(line.decode())
	c.logout()
	EOF
}

# submit PORT MODE: authenticated submission (MODE starttls|smtps|noauth); prints the error code if refused.
submit() {
	"$PYTHON" - "$@" <<-'EOF'
	import os, smtplib, ssl, sys
	port, mode = int(sys.argv[1]), sys.argv[2]
	ctx = ssl.create_default_context(cafile=os.environ["MS_CA"])
	host = os.environ["MS_CERT_HOST"]
	msg = "From: t@kommune.example\r\nTo: sub@kommune.example\r\nSubject: submission\r\n\r\nhej\r\n"
	try:
	    if mode == "smtps":
	        s = smtplib.SMTP_SSL(host, port, context=ctx, timeout=30)
	    else:
	        s = smtplib.SMTP(host, port, timeout=30)
	        s.starttls(context=ctx)
	    if mode != "noauth":
	        s.login("t@kommune.example", os.environ["MS_PASSWORD"])
	    s.sendmail("t@kommune.example", ["sub@kommune.example"], msg)
	    s.quit()
	except smtplib.SMTPResponseException as e:
	    print(e.smtp_code)
	    sys.exit(3)
	except smtplib.SMTPRecipientsRefused as e:
	    print(list(e.recipients.values())[0][0])
	    sys.exit(3)
	EOF
}

# raw_smtp PORT DATA: one SMTP transaction with DATA sent byte for byte; prints the final reply.
raw_smtp() {
	"$PYTHON" - "$@" <<-'EOF'
	import socket, sys
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
	f = s.makefile("rwb")
	def cmd(line):
	    if line is not None:
	        f.write(line)
	        f.flush()
	    while True:
	        reply = f.readline()
	        if reply[3:4] != b"-":
	            return reply.decode().strip()
	for c in (None, b"EHLO t0001\r\n", b"MAIL FROM:<a@kommune.example>\r\n", b"RCPT TO:<lf@kommune.example>\r\n",
	          b"DATA\r\n"):
	    cmd(c)
	print(cmd(sys.argv[2].encode().decode("unicode_escape").encode("latin-1") + b"\r\n.\r\n"))
	EOF
}

# make_invite FILE MONTH: an iMIP REQUEST as calendar clients send it, 10:00-13:00 Copenhagen time.
make_invite() {
	"$PYTHON" - "$@" <<-'EOF'
	import sys
	from email.message import EmailMessage
	path, month = sys.argv[1], int(sys.argv[2])
	ics = "\r\n".join([
	    "BEGIN:VCALENDAR", "PRODID:-//tovholder tests//EN", "VERSION:2.0", "METHOD:REQUEST",
	    "BEGIN:VTIMEZONE", "TZID:Europe/Copenhagen",
	    "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST", "DTSTART:19700329T020000",
	    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
	    "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET", "DTSTART:19701025T030000",
	    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD", "END:VTIMEZONE",
	    "BEGIN:VEVENT", "UID:t0001-%d@kommune.example" % month, "SEQUENCE:1", "DTSTAMP:20270101T120000Z",
	    "DTSTART;TZID=Europe/Copenhagen:2027%02d05T100000" % month,
	    "DTEND;TZID=Europe/Copenhagen:2027%02d05T130000" % month,
	    "SUMMARY:Møde i styregruppen", "LOCATION:Mødelokale 2",
	    "ORGANIZER;CN=Tovholder:mailto:tovholder@kommune.example",
	    "ATTENDEE;CN=Bo Berg;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bo@borger.example",
	    "END:VEVENT", "END:VCALENDAR", ""])
	m = EmailMessage()
	m["From"] = "Tovholder <tovholder@kommune.example>"
	m["To"] = "Bo Berg <bo@borger.example>"
	m["Subject"] = "Invitation: Møde i styregruppen"
	m["Date"] = "Fri, 01 Jan 2027 12:%02d:00 +0100" % month
	m.set_content("Hej Bo,\n\ndu er inviteret.\n")
	m.add_alternative(ics.encode(), maintype="text", subtype="calendar",
	                  params={"method": "REQUEST", "charset": "UTF-8"}, cte="base64")
	open(path, "wb").write(m.as_bytes(policy=m.policy.clone(linesep="\r\n")))
	EOF
}

stack_pids() {
	local m
	for m in "$MS_DIR/postfix/queue/pid/master.pid:master" "$MS_DIR/dovecot/run/master.pid:dovecot"; do
		m=$(_ms_master_pid "${m%%:*}" "${m##*:}") && echo "$m" && pgrep -P "$m"
	done
}

test_expect_success 'the stack starts and exports its settings' '
	mailstack_start &&
	test -d "$MS_DIR" &&
	test -s "$MS_CA" &&
	test "$MS_CERT_HOST" = localhost &&
	test -n "$MS_PASSWORD" &&
	for p in $MS_SMTP_PORT $MS_SUBMISSION_PORT $MS_SMTPS_PORT $MS_IMAP_PORT $MS_IMAPS_PORT $MS_LMTP_PORT; do
		_ms_listening $p || echo "nothing listens on $p"
	done > "$TEST_TMP/closed" &&
	test ! -s "$TEST_TMP/closed" &&
	test "$(mailstack_smtp_connections)" = 0
'

test_expect_success 'the certificate names localhost and not 127.0.0.1' '
	openssl x509 -in "$MS_DIR/tls/server.pem" -noout -ext subjectAltName > "$TEST_TMP/san" &&
	grep -q "DNS:localhost" "$TEST_TMP/san" &&
	! grep -q "IP Address" "$TEST_TMP/san" &&
	openssl verify -CAfile "$MS_CA" "$MS_DIR/tls/server.pem"
'

test_expect_success 'a mail sent over SMTP lands in the recipient'"'"'s Maildir' '
	send_mail $MS_SMTP_PORT a@kommune.example "Møde i styregruppen" &&
	mailstack_wait_count a@kommune.example 1 &&
	test "$(mailstack_count a@kommune.example)" = 1 &&
	test "$(maildir_of A@Kommune.example)" = "$MS_DIR/mail/kommune.example/a/Maildir" &&
	grep -l "^Subject: " "$(maildir_of a@kommune.example)"/new/* &&
	test "$(mailstack_count b@kommune.example)" = 0 &&
	mailstack_wait_idle 5
'

test_expect_success 'one SMTP session is counted as one connection' '
	before=$(mailstack_smtp_connections) &&
	send_mail $MS_SMTP_PORT b@kommune.example &&
	test "$(mailstack_smtp_connections)" = $((before + 1))
'

test_expect_success 'any domain is delivered locally, nothing leaves the machine' '
	send_mail $MS_SMTP_PORT someone@eksempel-kommune.example &&
	mailstack_wait_count someone@eksempel-kommune.example 1 &&
	! grep -E "status=(bounced|deferred)" "$MS_DIR/log/postfix.log"
'

test_expect_success '@afvist.example is refused with 5xx at RCPT' '
	test_expect_code 3 send_mail $MS_SMTP_PORT x@afvist.example > "$TEST_TMP/code" &&
	grep -q "^5[0-9][0-9]$" "$TEST_TMP/code"
'

test_expect_success '@udskudt.example is deferred with 4xx at RCPT' '
	test_expect_code 3 send_mail $MS_SMTP_PORT x@udskudt.example > "$TEST_TMP/code" &&
	grep -q "^4[0-9][0-9]$" "$TEST_TMP/code"
'

test_expect_success 'IMAP with STARTTLS and the test CA sees the message' '
	imap_check starttls a@kommune.example > "$TEST_TMP/imap" &&
	grep -q "^messages=1$" "$TEST_TMP/imap" &&
	grep -q "^Subject: =?utf-8?" "$TEST_TMP/imap"
'

test_expect_success 'IMAPS sees the message' '
	imap_check imaps a@kommune.example > "$TEST_TMP/imap" &&
	grep -q "^messages=1$" "$TEST_TMP/imap"
'

test_expect_success 'TLS to 127.0.0.1 fails: the certificate names localhost only' '
	test_must_fail imap_check wronghost a@kommune.example 2> "$TEST_TMP/err" &&
	grep -q "CERTIFICATE_VERIFY_FAILED" "$TEST_TMP/err"
'

test_expect_success 'a wrong password is refused' '
	MS_PASSWORD=wrong test_must_fail imap_check imaps a@kommune.example 2> "$TEST_TMP/err" &&
	grep -q "AUTHENTICATIONFAILED" "$TEST_TMP/err"
'

test_expect_success 'folder Tovholder/Behandlet can be made and a message moved there' '
	imap_folder a@kommune.example > "$TEST_TMP/list" &&
	grep -q "\"/\" \"\\?Tovholder/Behandlet\"\\?" "$TEST_TMP/list" &&
	test "$(mailstack_count a@kommune.example Tovholder/Behandlet)" = 1 &&
	test "$(mailstack_count a@kommune.example)" = 0
'

test_expect_success 'mailstack_inject delivers a raw file to its To: address' '
	printf "%s\n" "From: Bo Berg <bo@borger.example>" "To: Tovholder <tovholder@kommune.example>" \
		"Subject: =?utf-8?q?Afbud_til_m=C3=B8det?=" "Message-ID: <inject-1@borger.example>" \
		"MIME-Version: 1.0" "Content-Type: text/plain; charset=utf-8" \
		"Content-Transfer-Encoding: 8bit" "" "Jeg kan desværre ikke komme på torsdag." > "$TEST_TMP/afbud.eml" &&
	mailstack_inject "$TEST_TMP/afbud.eml" &&
	test "$(mailstack_count tovholder@kommune.example)" = 1 &&
	grep -q "desværre" "$(maildir_of tovholder@kommune.example)"/new/* &&
	mailstack_inject "$TEST_TMP/afbud.eml" other@kommune.example &&
	test "$(mailstack_count other@kommune.example)" = 1
'

test_expect_success 'submission and smtps demand TLS and AUTH' '
	submit $MS_SUBMISSION_PORT starttls &&
	submit $MS_SMTPS_PORT smtps &&
	mailstack_wait_count sub@kommune.example 2 &&
	test_expect_code 3 submit $MS_SUBMISSION_PORT noauth > "$TEST_TMP/code" &&
	grep -q "^5[0-9][0-9]$" "$TEST_TMP/code"
'

test_expect_success 'a bare LF in the message is refused (lines must end in CRLF)' '
	raw_smtp $MS_SMTP_PORT "Subject: lf\\r\\n\\r\\nbare\\nlf" > "$TEST_TMP/reply" &&
	grep -q "^550 .*bare <LF>" "$TEST_TMP/reply" &&
	raw_smtp $MS_SMTP_PORT "Subject: crlf\\r\\n\\r\\nall\\r\\ncrlf" > "$TEST_TMP/reply" &&
	grep -q "^250 " "$TEST_TMP/reply" &&
	mailstack_wait_count lf@kommune.example 1
'

test_expect_success 'mailcheck reads invitations delivered the real way' '
	make_invite "$TEST_TMP/march.eml" 3 &&
	make_invite "$TEST_TMP/september.eml" 9 &&
	mailstack_inject "$TEST_TMP/september.eml" &&
	mailstack_inject "$TEST_TMP/march.eml" &&
	mailcheck summary "$(maildir_of bo@borger.example)" > "$TEST_TMP/summary" &&
	cat > "$TEST_TMP/expect" <<-\EOF &&
	to=bo@borger.example method=REQUEST mime_method=REQUEST uid=t0001-3@kommune.example seq=1 organizer=tovholder@kommune.example attendees=bo@borger.example start=2027-03-05T10:00 end=2027-03-05T13:00 tzid=Europe/Copenhagen utc_start=2027-03-05T09:00Z subject=Invitation: Møde i styregruppen
	to=bo@borger.example method=REQUEST mime_method=REQUEST uid=t0001-9@kommune.example seq=1 organizer=tovholder@kommune.example attendees=bo@borger.example start=2027-09-05T10:00 end=2027-09-05T13:00 tzid=Europe/Copenhagen utc_start=2027-09-05T08:00Z subject=Invitation: Møde i styregruppen
	EOF
	test_cmp "$TEST_TMP/expect" "$TEST_TMP/summary" &&
	mailcheck json "$(maildir_of bo@borger.example)" > "$TEST_TMP/json" &&
	"$PYTHON" -c "
import json, sys
m = json.load(open(sys.argv[1]))[0]
assert m[\"crlf_only\"] and m[\"ical_crlf\"], m
assert m[\"max_line\"] <= 998 and m[\"vtimezones\"] == [\"Europe/Copenhagen\"], m
assert m[\"utc_start_tzdb\"] == m[\"utc_start\"] == \"2027-03-05T09:00Z\", m
assert m[\"attendees\"] == [\"bo@borger.example\"], m
assert m[\"attendee_params\"][0][\"PARTSTAT\"] == \"NEEDS-ACTION\", m
assert m[\"location\"] == \"Mødelokale 2\" and m[\"text_plain\"].startswith(\"Hej Bo\"), m
" "$TEST_TMP/json"
'

test_expect_success 'mailcheck fails clearly on a calendar it cannot parse' '
	printf "%s\\r\\n" "To: x@kommune.example" "Subject: broken" "Content-Type: text/calendar; method=REQUEST" "" \
		"BEGIN:VCALENDAR" "BEGIN:VEVENT" "DTSTART:not-a-date" "END:VEVENT" "END:VCALENDAR" > "$TEST_TMP/broken.eml" &&
	test_expect_code 2 mailcheck summary "$TEST_TMP/broken.eml" 2> "$TEST_TMP/err" &&
	grep -q "broken.eml: .*DTSTART" "$TEST_TMP/err"
'

test_expect_success 'postfix stop closes the port, start brings it back' '
	mailstack_stop_postfix &&
	! _ms_listening $MS_SMTP_PORT &&
	test_must_fail send_mail $MS_SMTP_PORT a@kommune.example 2> "$TEST_TMP/err" &&
	grep -q "ConnectionRefused" "$TEST_TMP/err" &&
	mailstack_start_postfix &&
	send_mail $MS_SMTP_PORT c@kommune.example &&
	mailstack_wait_count c@kommune.example 1
'

test_expect_success 'dovecot restart keeps the mail and serves IMAP again' '
	mailstack_restart_dovecot &&
	imap_check imaps c@kommune.example > "$TEST_TMP/imap" &&
	grep -q "^messages=1$" "$TEST_TMP/imap"
'

test_expect_success 'mail queued while dovecot is down arrives after it is back' '
	mailstack_stop_dovecot &&
	send_mail $MS_SMTP_PORT d@kommune.example &&
	sleep 1 &&
	n=$(mailstack_count d@kommune.example) &&
	{ test "$n" = 0 || { echo "delivered while dovecot was down: $n"; false; }; } &&
	test_must_fail mailstack_wait_idle 1 2> /dev/null &&
	mailstack_start_dovecot &&
	mailstack_wait_count d@kommune.example 1 &&
	mailstack_wait_idle
'

test_expect_success 'the ports of a stopped dovecot stay reserved: another stack cannot pick them' '
	mailstack_stop_dovecot &&
	reserved=$(MS_DIR=$TEST_TMP/other _ms_ports_reserved) &&
	for p in $MS_SMTP_PORT $MS_IMAP_PORT $MS_IMAPS_PORT $MS_LMTP_PORT; do
		case "$reserved" in *" $p "*) ;; *) echo "port $p not reserved: $reserved" ;; esac
	done > "$TEST_TMP/unreserved" &&
	test ! -s "$TEST_TMP/unreserved" &&
	picked=$(MS_DIR=$TEST_TMP/other _ms_pick_ports 8) &&
	for p in $picked; do
		case " $MS_SMTP_PORT $MS_IMAP_PORT $MS_IMAPS_PORT $MS_LMTP_PORT " in *" $p "*) echo "picked $p" ;; esac
	done > "$TEST_TMP/taken" &&
	test ! -s "$TEST_TMP/taken" &&
	mailstack_start_dovecot
'

test_expect_success 'a stale stack in the same dir is killed by its pid files' '
	stale=$TEST_TMP/stale &&
	MS_DIR= bash -c ". $TOP/tests/lib/mailstack.sh && mailstack_start $stale" &&
	old=$(_ms_master_pid $stale/dovecot/run/master.pid dovecot) &&
	test -n "$old" &&
	(mailstack_start "$stale" && mailstack_stop) &&
	! _ms_alive "$old" &&
	test ! -d "$stale"
'

test_expect_success 'mailstack_stop leaves no daemon and no dir behind' '
	pids=$(stack_pids) &&
	test "$(echo "$pids" | wc -l)" -ge 4 &&
	dir=$MS_DIR &&
	mailstack_stop &&
	for p in $pids; do
		! _ms_alive $p || echo "pid $p still runs"
	done > "$TEST_TMP/alive" &&
	test ! -s "$TEST_TMP/alive" &&
	! _ms_listening $MS_SMTP_PORT && ! _ms_listening $MS_IMAP_PORT && ! _ms_listening $MS_LMTP_PORT &&
	test ! -e "$dir" &&
	test ! -e "$(MS_DIR=$dir _ms_ports_file)"
'

test_done
