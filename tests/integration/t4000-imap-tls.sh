#!/usr/bin/env bash
test_description='imap: TLS and certificate checks, login, the part tree from BODYSTRUCTURE, part fetch, batches, moves'
. "$(dirname "$0")/../lib/test-lib.sh"

# every scratch file (out, err, expect, the mails) lives in the test's own directory
cd "$TEST_TMP" || exit 1
USER_ADDR=tovholder@netvaerk.example
BUILD_DIR=$(dirname "$TOVHOLDER")
PROBE=$TEST_TMP/imap-probe

# probe ARGS… — runs imap-probe as the organizer with the stack's password; output in 'out'
probe() {
	"$PROBE" --user "$USER_ADDR" --password-file "$TEST_TMP/secret" "$@" >out 2>err
}

# py_imap 'python lines using M (logged in, INBOX selected)' — an independent IMAP client (imaplib)
py_imap() {
	"$PYTHON" - "$MS_IMAP_PORT" "$USER_ADDR" "$MS_PASSWORD" "$1" <<-'EOF'
	import imaplib, sys
	M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
	M.login(sys.argv[2], sys.argv[3])
	M.select("INBOX")
	exec(sys.argv[4])
	M.logout()
	EOF
}

# The reference encoder for modified UTF-7 (RFC 3501 5.1.3), written apart from ours: UTF-16 + base64.
utf7() {
	"$PYTHON" - "$1" <<-'EOF'
	import base64, sys
	out, run = [], []
	def flush():
	    if run:
	        b = base64.b64encode("".join(run).encode("utf-16-be")).decode().rstrip("=").replace("/", ",")
	        out.append("&" + b + "-"); run.clear()
	for c in sys.argv[1]:
	    if 0x20 <= ord(c) <= 0x7E:
	        flush(); out.append("&-" if c == "&" else c)
	    else:
	        run.append(c)
	flush()
	print("".join(out))
	EOF
}

# fake_server MODE — a one-connection IMAP server on 127.0.0.1 for what Dovecot will not do; sets FAKE_PORT
fake_server() {
	# The background job truncates fake.port only once it runs: the loop below must not find the last
	# server's port there first (under load it did, and the probe met a closed port).
	rm -f "$TEST_TMP/fake.port"
	"$PYTHON" - "$1" >"$TEST_TMP/fake.port" <<-'EOF' &
	import socket, sys
	mode = sys.argv[1]
	s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
	print(s.getsockname()[1], flush=True)
	s.settimeout(30)
	c, _ = s.accept()
	c.settimeout(30)
	greet = {"hangup": b"* OK [CAPABILITY IMAP4rev1] fake\r\n",
	         "no-starttls": b"* OK [CAPABILITY IMAP4rev1] fake\r\n",
	         "inject": b"* OK [CAPABILITY IMAP4rev1 STARTTLS] fake\r\n",
	         "preauth": b"* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] fake\r\n"}[mode]
	c.sendall(greet)
	f = c.makefile("rb")
	while True:
	    line = f.readline()
	    if not line:
	        break
	    tag, cmd = line.split(b" ", 1)[0], line.split(b" ")[1].strip().upper()
	    if mode == "hangup" and cmd == b"LOGIN":
	        break
	    if cmd == b"STARTTLS" and mode == "inject":
	        # the answer and an injected response in one segment, before any TLS
	        c.sendall(tag + b" OK Begin TLS now\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n")
	        continue
	    if cmd == b"LOGOUT":
	        c.sendall(b"* BYE\r\n" + tag + b" OK bye\r\n")
	        break
	    c.sendall(tag + b" BAD not here\r\n")
	c.close()
	EOF
	FAKE_PID=$!
	local i
	for i in $(seq 100); do
		FAKE_PORT=$(cat "$TEST_TMP/fake.port" 2>/dev/null)
		[ -n "$FAKE_PORT" ] && return 0
		sleep 0.05
	done
	return 1
}

# Dovecot's login log lines so far: proof that a refused certificate never let the password go out.
auth_attempts() {
	grep -cE 'imap-login: .*(Login: user=<|auth failed|user=<[^>])' "$MS_DIR/log/dovecot.log"
}

# restart_dovecot_with 'imap_capability = …' — the same stack with fewer capabilities announced after login
restart_dovecot_with() {
	sed -i '/^imap_capability/d' "$MS_DIR/dovecot/dovecot.conf" &&
	echo "$1" >>"$MS_DIR/dovecot/dovecot.conf" &&
	mailstack_restart_dovecot
}

test_expect_success 'build the probe against libtovholder.a' '
	{ test -f "$BUILD_DIR/libtovholder.a" || make -C "$TOP" "${BUILD_DIR#$TOP/}/libtovholder.a"; } &&
	cc -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE ${CFLAGS:-} -I"$TOP/daemon" \
		$(pkg-config --cflags libetpan gnutls) -o "$PROBE" "$TOP/tests/integration/imap-probe.c" \
		"$BUILD_DIR/libtovholder.a" ${LDFLAGS:-} \
		$(pkg-config --libs libcurl libetpan libical sqlite3 inih libsystemd gnutls)
'

test_expect_success 'the mail stack starts' '
	mailstack_start &&
	printf "%s\n" "$MS_PASSWORD" >"$TEST_TMP/secret" &&
	test "$MS_CERT_HOST" = localhost
'

test_expect_success 'imaps:// with ca_file and the certificate name logs in with LOGIN' '
	probe --ca "$MS_CA" "imaps://$MS_CERT_HOST:$MS_IMAPS_PORT" &&
	grep -x "mechanism LOGIN" out &&
	grep "^capabilities .*IMAP4rev1" out &&
	grep "^selected INBOX uidvalidity=[1-9][0-9]* uidnext=1$" out &&
	tail -n 1 out | grep -x "result OK"
'

test_expect_success 'imaps:// without ca_file: not trusted, and no password was sent' '
	before=$(auth_attempts) &&
	test "$before" -gt 0 &&
	test_expect_code 3 probe "imaps://$MS_CERT_HOST:$MS_IMAPS_PORT" &&
	grep "^result REFUSED: certificate of localhost not trusted: .*(set ca_file?)" out &&
	! grep mechanism out &&
	sleep 0.3 && test "$(auth_attempts)" = "$before"
'

test_expect_success 'imaps://127.0.0.1: the certificate is for localhost only' '
	test_expect_code 3 probe --ca "$MS_CA" "imaps://127.0.0.1:$MS_IMAPS_PORT" &&
	grep -x "result REFUSED: certificate of 127.0.0.1 not valid for that name (it is for localhost)" out
'

test_expect_success 'imap:// with STARTTLS and ca_file logs in' '
	probe --ca "$MS_CA" --tls starttls "imap://$MS_CERT_HOST:$MS_IMAP_PORT" &&
	grep -x "mechanism LOGIN" out &&
	tail -n 1 out | grep -x "result OK"
'

test_expect_success 'STARTTLS is verified too: no ca_file, refused before the password' '
	before=$(auth_attempts) &&
	test "$before" -gt 1 &&
	test_expect_code 3 probe --tls starttls "imap://$MS_CERT_HOST:$MS_IMAP_PORT" &&
	grep "^result REFUSED: certificate of localhost not trusted" out &&
	test_expect_code 3 probe --ca "$MS_CA" --tls starttls "imap://127.0.0.1:$MS_IMAP_PORT" &&
	grep "^result REFUSED: certificate of 127.0.0.1 not valid for that name" out &&
	sleep 0.3 && test "$(auth_attempts)" = "$before"
'

test_expect_success 'tls = none talks in clear' '
	probe --tls none "imap://127.0.0.1:$MS_IMAP_PORT" &&
	tail -n 1 out | grep -x "result OK"
'

test_expect_success 'a wrong password is refused, with the server reason' '
	printf "forkert\n" >"$TEST_TMP/wrong" &&
	test_expect_code 3 "$PROBE" --user "$USER_ADDR" --password-file "$TEST_TMP/wrong" --ca "$MS_CA" \
		"imaps://$MS_CERT_HOST:$MS_IMAPS_PORT" >out &&
	grep "^result REFUSED: login as .$USER_ADDR. refused by localhost: .*failed" out &&
	! grep -F forkert out
'

test_expect_success 'nothing listening: unreachable' '
	port=$("$PYTHON" -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])") &&
	test_expect_code 2 probe --ca "$MS_CA" "imaps://127.0.0.1:$port" &&
	grep "^result UNREACHABLE: cannot connect to 127.0.0.1 port $port: Connection refused" out
'

test_expect_success 'a server that hangs up mid-session: unreachable, not a crash' '
	fake_server hangup &&
	test_expect_code 2 probe --tls none "imap://127.0.0.1:$FAKE_PORT" &&
	grep "^result UNREACHABLE: connection to 127.0.0.1 lost during LOGIN" out &&
	wait $FAKE_PID
'

test_expect_success 'STARTTLS not offered: refused, never a fallback to clear text' '
	fake_server no-starttls &&
	test_expect_code 3 probe --tls starttls "imap://127.0.0.1:$FAKE_PORT" &&
	grep "^result REFUSED: 127.0.0.1 does not offer STARTTLS" out &&
	wait $FAKE_PID
'

test_expect_success 'a response injected after the STARTTLS answer is refused' '
	fake_server inject &&
	test_expect_code 3 probe --tls starttls "imap://127.0.0.1:$FAKE_PORT" &&
	grep "^result REFUSED: 127.0.0.1 sent data after its STARTTLS answer" out &&
	! grep mechanism out &&
	wait $FAKE_PID
'

test_expect_success 'PREAUTH where STARTTLS is required is refused' '
	fake_server preauth &&
	test_expect_code 3 probe --tls starttls "imap://127.0.0.1:$FAKE_PORT" &&
	grep "^result REFUSED: 127.0.0.1 logged us in before STARTTLS (PREAUTH)" out &&
	wait $FAKE_PID
'

IMAPS="imaps://$MS_CERT_HOST:$MS_IMAPS_PORT"

test_expect_success 'three mails arrive: a calendar reply, a plain afbud, a forwarded message' '
	printf "%s\r\n" BEGIN:VCALENDAR VERSION:2.0 "PRODID:-//Eksempel//Kalender//DA" METHOD:REPLY \
		BEGIN:VEVENT "UID:netvaerk-2027-03-05@netvaerk.example" DTSTAMP:20270201T090000Z \
		"ATTENDEE;PARTSTAT=ACCEPTED;CN=Bente Kro:mailto:bente.kro@kommune.example" \
		"ORGANIZER:mailto:tovholder@netvaerk.example" END:VEVENT END:VCALENDAR >cal.ics &&
	base64 -w 76 cal.ics >cal.b64 &&
	{
		cat <<-\EOT &&
		From: =?utf-8?q?Bente_Kr=C3=B8?= <bente.kro@kommune.example>
		To: tovholder@netvaerk.example
		Subject: =?utf-8?q?Accepteret=3A_Netv=C3=A6rksm=C3=B8de?=
		Date: Mon, 01 Feb 2027 10:00:00 +0100
		Message-ID: <svar-1@kommune.example>
		MIME-Version: 1.0
		Content-Type: multipart/mixed; boundary="ydre"

		--ydre
		Content-Type: multipart/alternative; boundary="indre"

		--indre
		Content-Type: text/plain; charset="utf-8"
		Content-Transfer-Encoding: quoted-printable

		Jeg kommer gerne. Hilsen Bente =C3=A6=C3=B8=C3=A5
		--indre
		Content-Type: text/calendar; charset="utf-8"; method=REPLY
		Content-Transfer-Encoding: base64

		EOT
		cat cal.b64 &&
		printf "%s\n" "--indre--" "" "--ydre" "Content-Type: application/ics; name=\"invite.ics\"" \
			"Content-Disposition: attachment; filename=\"invite.ics\"" \
			"Content-Transfer-Encoding: base64" "" &&
		cat cal.b64 &&
		printf "%s\n" "--ydre--"
	} >reply.eml &&
	cat >afbud.eml <<-\EOT &&
	From: Ole Vang <ole.vang@kommune.example>
	To: tovholder@netvaerk.example
	Subject: Afbud
	Message-ID: <afbud-1@kommune.example>
	MIME-Version: 1.0
	Content-Type: text/plain; charset=utf-8
	Content-Transfer-Encoding: quoted-printable

	Jeg kan desv=C3=A6rre ikke komme.
	EOT
	cat >fwd.eml <<-\EOT &&
	From: Sekretariat <sekretariat@kommune.example>
	To: tovholder@netvaerk.example
	Subject: Fwd: Indlejret
	Message-ID: <fwd-1@kommune.example>
	MIME-Version: 1.0
	Content-Type: multipart/mixed; boundary="b1"

	--b1
	Content-Type: text/plain; charset=us-ascii

	Se den vedhaeftede besked.
	--b1
	Content-Type: message/rfc822

	From: Anne Holm <anne.holm@kommune.example>
	Subject: Indlejret
	Content-Type: text/plain; charset=us-ascii

	Indlejret besked.
	--b1--
	EOT
	mailstack_inject reply.eml "$USER_ADDR" &&
	mailstack_inject afbud.eml "$USER_ADDR" &&
	mailstack_inject fwd.eml "$USER_ADDR"
'

test_expect_success 'the part tree comes from BODYSTRUCTURE, the header from HEADER.FIELDS' '
	calsize=$(( $(wc -c <cal.b64) + $(wc -l <cal.b64) - 2 )) &&
	probe --ca "$MS_CA" --list --fields From,Subject "$IMAPS" &&
	sed -n "/^msg uid=1 /,/^msg uid=2 /p" out | sed "\$d" | sed "s/ size=[0-9]*\( \|$\)/ size=N\1/;1s/ size=N / /" >tree1 &&
	cat >expect <<-EOT &&
	msg uid=1 headers=2 structure=1
	  from: Bente Krø <bente.kro@kommune.example>
	  subject: Accepteret: Netværksmøde
	  root section=- type=multipart/mixed
	    part section=1 type=multipart/alternative
	      part section=1.1 type=text/plain enc=quoted-printable size=N charset=utf-8
	      part section=1.2 type=text/calendar enc=base64 size=N charset=utf-8 method=REPLY
	    part section=2 type=application/ics enc=base64 size=N disp=attachment name=invite.ics filename=invite.ics
	  calendar: 1.2
	  text: 1.1
	EOT
	test_cmp expect tree1 &&
	grep -x "      part section=1.2 type=text/calendar enc=base64 size=$calsize charset=utf-8 method=REPLY" out &&
	grep -x "  root section=- type=text/plain enc=quoted-printable size=35 charset=utf-8" out &&
	sed -n "/^msg uid=3 /,\$p" out | grep -v "^  calendar\|^listed\|^result" | sed "s/ size=[0-9]*//g" >tree3 &&
	cat >expect <<-EOT &&
	msg uid=3 headers=2 structure=1
	  from: Sekretariat <sekretariat@kommune.example>
	  subject: Fwd: Indlejret
	  root section=- type=multipart/mixed
	    part section=1 type=text/plain enc=7bit charset=us-ascii
	    part section=2 type=message/rfc822 enc=7bit
	      root section=2 type=text/plain enc=7bit charset=us-ascii
	  text: 1
	EOT
	test_cmp expect tree3 &&
	grep -x "listed 3" out
'

test_expect_success 'the calendar part fetched alone decodes to the calendar' '
	probe --ca "$MS_CA" --fetch 1:1.2 --fetch 1:2 "$IMAPS" &&
	grep -A 12 "^fetched uid=1 section=1.2 " out >f1 &&
	grep -x "fetched uid=1 section=1.2 bytes=$calsize" f1 &&
	sed -n "3,13p" f1 | tr -d "\r" >got.ics &&
	tr -d "\r" <cal.ics >want.ics &&
	test_cmp want.ics got.ics &&
	head -n 3 f1 | tail -n 1 | grep -x "BEGIN:VCALENDAR.\?" &&
	grep -c "^BEGIN:VCALENDAR" out | grep -x 2
'

test_expect_success 'a single-part root is fetched as BODY[1]; an enclosed root as BODY[2.1]' '
	probe --ca "$MS_CA" --fetch 2:- --fetch 3:2m --fetch 3:2 "$IMAPS" &&
	tr -d "\r" <out >lf &&
	grep -A 2 "^fetched uid=2 section=- " lf | grep -x "Jeg kan desværre ikke komme." &&
	grep -A 2 "^fetched uid=3 section=2m " lf | grep -x "Indlejret besked." &&
	grep -A 4 "^fetched uid=3 section=2 " lf | grep -x "Subject: Indlejret"
'

test_expect_success 'UIDs after the last one: nothing, although "UID n:*" returns the last mail' '
	probe --ca "$MS_CA" --list --after 3 "$IMAPS" &&
	grep -x "listed 0" out &&
	probe --ca "$MS_CA" --list --after 2 "$IMAPS" &&
	grep -x "listed 1" out && grep "^msg uid=3 " out &&
	probe --ca "$MS_CA" --list --after 4000000000 "$IMAPS" &&
	grep -x "listed 0" out
'

test_expect_success 'the callback can stop the walk' '
	probe --ca "$MS_CA" --list --stop-after 2 "$IMAPS" &&
	grep -x "listed 2" out && ! grep "^msg uid=3" out
'

MD=$(maildir_of "$USER_ADDR")

test_expect_success 'move makes Tovholder/Behandlet (parents too, subscribed) and the mail leaves INBOX' '
	TOVHOLDER_DEBUG=1 probe --ca "$MS_CA" --move 1:Tovholder/Behandlet --move 2:Tovholder/Behandlet "$IMAPS" &&
	grep -x "moved uid=1 to Tovholder/Behandlet" out &&
	grep -x "moved uid=2 to Tovholder/Behandlet" out &&
	test "$(grep -c "creating folder .Tovholder. on" err)" = 1 &&
	test "$(grep -c "creating folder .Tovholder/Behandlet." err)" = 1 &&
	test "$(mailstack_count "$USER_ADDR" Tovholder/Behandlet)" = 2 &&
	test "$(mailstack_count "$USER_ADDR")" = 1 &&
	py_imap "print(M.lsub()[1])" >lsub &&
	grep "Tovholder/Behandlet" lsub
'

test_expect_success 'a later run reuses the folder' '
	TOVHOLDER_DEBUG=1 probe --ca "$MS_CA" --move 3:Tovholder/Behandlet "$IMAPS" &&
	! grep "creating folder" err &&
	test "$(mailstack_count "$USER_ADDR" Tovholder/Behandlet)" = 3 &&
	test "$(mailstack_count "$USER_ADDR")" = 0
'

REVIEW="Tovholder/Til gennemsyn – æøå"

test_expect_success 'a non-ASCII folder name goes over the wire in modified UTF-7' '
	mailstack_inject afbud.eml "$USER_ADDR" &&
	wire=$(utf7 "$REVIEW") &&
	test "$wire" = "Tovholder/Til gennemsyn &IBM- &AOYA+ADl-" &&
	probe --ca "$MS_CA" --move "4:$REVIEW" "$IMAPS" &&
	grep -x "moved uid=4 to $REVIEW" out &&
	test -d "$MD/.Tovholder.Til gennemsyn &IBM- &AOYA+ADl-" &&
	test "$(mailstack_count "$USER_ADDR" "$wire")" = 1 &&
	py_imap "print(M.list(chr(34) * 2, \"Tovholder/*\")[1])" >list &&
	grep -F "\"Tovholder/Til gennemsyn &IBM- &AOYA+ADl-\"" list
'

test_expect_success 'bad folder names are refused before anything is created' '
	mailstack_inject afbud.eml "$USER_ADDR" &&
	test_expect_code 3 probe --ca "$MS_CA" --move "5:Tovholder//Dobbelt" "$IMAPS" &&
	grep "^result REFUSED: folder name .Tovholder//Dobbelt. has an empty level" out &&
	! test -d "$MD/.Tovholder.Dobbelt"
'

test_expect_success 'moving from inside the walk, while its FETCH results are held' '
	mailstack_inject reply.eml "$USER_ADDR" &&
	probe --ca "$MS_CA" --move-listed Tovholder/Behandlet --fetch 6:1.2 --after 4 "$IMAPS" &&
	grep -x "moved uid=5 to Tovholder/Behandlet" out &&
	grep -x "moved uid=6 to Tovholder/Behandlet" out &&
	grep -x "fetched uid=6 section=1.2 bytes=$calsize" out &&
	test "$(mailstack_count "$USER_ADDR")" = 0 &&
	test "$(mailstack_count "$USER_ADDR" Tovholder/Behandlet)" = 5
'

test_expect_success 'without MOVE but with UIDPLUS: COPY, \Deleted and UID EXPUNGE of that mail only' '
	restart_dovecot_with "imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS CHILDREN" &&
	mailstack_inject afbud.eml "$USER_ADDR" &&
	mailstack_inject fwd.eml "$USER_ADDR" &&
	py_imap "M.uid(\"STORE\", \"8\", \"+FLAGS\", \"(\\\\Deleted)\")" &&
	probe --ca "$MS_CA" --move 7:Tovholder/Behandlet "$IMAPS" &&
	! grep "^capabilities .*MOVE" out &&
	grep "^capabilities .*UIDPLUS" out &&
	grep -x "moved uid=7 to Tovholder/Behandlet" out &&
	test "$(mailstack_count "$USER_ADDR" Tovholder/Behandlet)" = 6 &&
	py_imap "print(M.uid(\"SEARCH\", \"ALL\")[1])" >left &&
	grep -x "\[b.8.\]" left
'

test_expect_success 'without UIDPLUS: COPY and \Seen; the original stays, no EXPUNGE at all' '
	restart_dovecot_with "imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE CHILDREN" &&
	mailstack_inject afbud.eml "$USER_ADDR" &&
	probe --ca "$MS_CA" --move 9:Tovholder/Behandlet "$IMAPS" &&
	! grep "^capabilities .*UIDPLUS" out &&
	grep -x "moved uid=9 to Tovholder/Behandlet" out &&
	test "$(mailstack_count "$USER_ADDR" Tovholder/Behandlet)" = 7 &&
	py_imap "print(M.uid(\"FETCH\", \"8:9\", \"(FLAGS)\")[1])" >flags &&
	grep "UID 9 FLAGS (.*\\\\Seen" flags &&
	grep "UID 8 FLAGS (.*\\\\Deleted" flags &&
	restart_dovecot_with ""
'

test_expect_success 'without MOVE, several at once: one COPY and one UID EXPUNGE of exactly those UIDs' '
	restart_dovecot_with "imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS CHILDREN" &&
	mailstack_inject afbud.eml "$USER_ADDR" && mailstack_inject afbud.eml "$USER_ADDR" &&
	mailstack_inject afbud.eml "$USER_ADDR" && mailstack_inject afbud.eml "$USER_ADDR" &&
	py_imap "M.uid(\"STORE\", \"12\", \"+FLAGS\", \"(\\\\Deleted)\")" &&
	before=$(mailstack_count "$USER_ADDR" Tovholder/Behandlet) &&
	probe --ca "$MS_CA" --move 13,10,11,10:Tovholder/Behandlet "$IMAPS" &&
	grep -x "moved uids=13,10,11,10 to Tovholder/Behandlet" out &&
	test "$(mailstack_count "$USER_ADDR" Tovholder/Behandlet)" = $((before + 3)) &&
	py_imap "print(M.uid(\"SEARCH\", \"ALL\")[1])" >left &&
	grep -x "\[b.8 9 12.\]" left &&
	restart_dovecot_with ""
'

test_expect_success '1100 new mails come in UID order, in batches of 500' '
	masse=masse@netvaerk.example &&
	md=$(maildir_of $masse) &&
	mkdir -p "$md/new" "$md/cur" "$md/tmp" &&
	for i in $(seq 1 1100); do
		printf "From: Afsender %s <a%s@kommune.example>\nSubject: Besked %s\n\nTekst %s\n" $i $i $i $i \
			>"$md/new/1700000000.M${i}P1.test"
	done &&
	chown -R 65534:65534 "$(dirname "$md")" &&
	TOVHOLDER_DEBUG=1 "$PROBE" --user $masse --password-file "$TEST_TMP/secret" --ca "$MS_CA" --list \
		--fields Subject "$IMAPS" >out 2>err &&
	grep -x "listed 1100" out &&
	test "$(grep -c "UID FETCH of" err)" = 3 &&
	grep -c "UID FETCH of the headers of 500 message(s), UIDs 1 to 500, with their structure" err &&
	grep -c "UID FETCH of the headers of 100 message(s), UIDs 1001 to 1100, with their structure" err &&
	sed -n "s/^msg uid=\([0-9]*\) .*/\1/p" out >uids &&
	seq 1 1100 >want &&
	test_cmp want uids &&
	test "$(grep "^  subject: Besked " out | sort -u | wc -l)" = 1100
'

# The same 1100 mails, headers first: only the messages want() names get a BODYSTRUCTURE, in one command a batch.
test_expect_success 'headers first: the structure of only the messages asked for' '
	TOVHOLDER_DEBUG=1 "$PROBE" --user $masse --password-file "$TEST_TMP/secret" --ca "$MS_CA" --want-every 100 \
		--fields Subject "$IMAPS" >out 2>err &&
	grep -x "listed 1100" out &&
	grep -c "UID FETCH of the headers of 500 message(s), UIDs 1 to 500\$" err &&
	grep -c "UID FETCH of the structure of 5 of 500 message(s)" err &&
	grep -c "UID FETCH of the structure of 1 of 100 message(s)" err &&
	test "$(grep -c "^msg uid=.* structure=1\$" out)" = 11 &&
	test "$(grep -c "^msg uid=.* structure=0\$" out)" = 1089 &&
	grep -A3 "^msg uid=700 " out | grep -x "  root section=- type=text/plain enc=7bit size=[0-9]* charset=us-ascii" &&
	grep -A3 "^msg uid=701 " out | grep -x "  subject: Besked 701" &&
	grep -A3 "^msg uid=701 " out | grep -x "  root section=- type=text/plain enc=7bit size=0" &&
	sed -n "s/^msg uid=\([0-9]*\) .*/\1/p" out >uids &&
	test_cmp want uids
'

# The next batch's FETCH goes out before the callback sees this batch: the server reads headers while we decide.
# Commands the callback sends meanwhile (a part fetch, a move) first read that answer; a walk that stops early
# reads it too, so the next command is in step.
test_expect_success 'the next batch is asked for before this one is decided; commands in between stay in step' '
	TOVHOLDER_DEBUG=1 "$PROBE" --user $masse --password-file "$TEST_TMP/secret" --ca "$MS_CA" \
		--want-every 100 --fields Subject --fetch 200:- --fetch 300:- --stop-after 700 --move 1:Tovholder/Behandlet \
		"$IMAPS" >both 2>&1 &&
	grep -x "fetched uid=200 section=- bytes=[0-9]*" both &&
	grep -x "fetched uid=300 section=- bytes=[0-9]*" both &&
	grep -x "listed 700" both &&
	grep -x "moved uid=1 to Tovholder/Behandlet" both &&
	grep -x "result OK" both &&
	ahead=$(grep -n "headers of 500 message(s), UIDs 501 to 1000" both | cut -d: -f1) &&
	first=$(grep -n "^msg uid=1 " both | cut -d: -f1) &&
	third=$(grep -n "headers of 99 message(s), UIDs 1001 to 1100\|headers of 100 message(s), UIDs 1001 to 1100" both | cut -d: -f1) &&
	last=$(grep -n "^msg uid=700 " both | cut -d: -f1) &&
	test "$ahead" -lt "$first" && test "$third" -lt "$last" &&
	! grep "^msg uid=701 " both &&
	"$PROBE" --user $masse --password-file "$TEST_TMP/secret" --ca "$MS_CA" --list --fields Subject "$IMAPS" >out &&
	grep -x "listed 1099" out && ! grep "^msg uid=1 " out
'

# The next batch's headers are asked for as soon as this batch's are read, before the structures and parts of this
# batch: the server reads them while we choose. Their answer is read once, when this batch's next command needs
# the line, and kept for the next batch; a part fetched ahead is then handed over without a word with the server.
test_expect_success 'the next batch is asked for before this one is chosen; its answer is read once' '
	TOVHOLDER_DEBUG=1 "$PROBE" --user $masse --password-file "$TEST_TMP/secret" --ca "$MS_CA" \
		--want-every 100 --plan-fetch --fetch 200:- --fetch 400:- --fields Subject "$IMAPS" >both 2>&1 &&
	grep -x "listed 1099" both &&
	grep -x "fetched uid=400 section=- bytes=[0-9]*" both &&
	test "$(grep -c "UID FETCH of part 1 of 2 message(s) ahead" both)" = 1 &&
	test "$(grep -c "UID FETCH of part" both)" = 1 &&
	test "$(grep -c "reading the answer for the headers of UIDs 502 to 1001" both)" = 1 &&
	sent=$(grep -n "headers of 500 message(s), UIDs 502 to 1001" both | cut -d: -f1) &&
	structure=$(grep -n "UID FETCH of the structure of 5 of 500 message(s)" both | head -n 1 | cut -d: -f1) &&
	read=$(grep -n "reading the answer for the headers of UIDs 502 to 1001" both | cut -d: -f1) &&
	first=$(grep -n "^msg uid=2 " both | cut -d: -f1) &&
	test "$sent" -lt "$structure" && test "$read" -lt "$structure" && test "$structure" -lt "$first"
'

test_expect_success 'a header field name that is not an IMAP atom is refused, not sent' '
	test_expect_code 3 "$PROBE" --user $masse --password-file "$TEST_TMP/secret" --ca "$MS_CA" --list \
		--fields "Subject,X-A)(B" "$IMAPS" >out &&
	grep "^result REFUSED: bad header field name .X-A)(B." out
'

test_done
