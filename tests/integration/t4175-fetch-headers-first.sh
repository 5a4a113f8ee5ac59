#!/usr/bin/env bash
test_description='fetch, headers first (issue 19): only mail that can be ours is read beyond its header, and every mail is decided as when every structure is read'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

# Two inboxes get the same mail: the organizer's, read headers first, and a copy read with TOVHOLDER_READ_ALL=1
# (every structure, as before issue 19) by the same group with the same state. Dovecot's raw log of each IMAP
# session says for which mails a BODYSTRUCTURE was asked, independently of what tovholder logs.
MS=$TEST_TMP/ms
mkdir -p "$MS/rawlog"
MS_DOVECOT_EXTRA="rawlog_dir = $MS/rawlog/%u" mailstack_start "$MS"
group_write "$TEST_TMP/a"
for n in $(seq 1 45); do
	group_member "Ekstra Medlem $n;Stevns;ekstra$n@stevns.example;medlem"
done
A=$GROUP_DIR B=$TEST_TMP/b
ORGANIZER=tovholder@netvaerk.example COPY=kopi@netvaerk.example
for u in $ORGANIZER $COPY; do
	mkdir -p "$MS/rawlog/$u" && chown 65534:65534 "$MS/rawlog/$u"
done

# deliver FILE… — each file in one SMTP transaction to both inboxes (bounce shapes with the null envelope
# sender), then waits until both hold all of them
deliver() {
	"$MS_PY" - "$MS_SMTP_PORT" "$(maildir_of $ORGANIZER)" "$(maildir_of $COPY)" "$@" <<-'EOF'
	import os, re, smtplib, sys, time
	from email import message_from_bytes, policy
	from email.utils import getaddresses
	port, mds, paths = int(sys.argv[1]), sys.argv[2:4], sys.argv[4:]
	def count(md):
	    return sum(len(os.listdir(os.path.join(md, d))) for d in ("new", "cur") if os.path.isdir(os.path.join(md, d)))
	want = [count(md) + len(paths) for md in mds]
	with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
	    for path in paths:
	        raw = re.sub(rb"\r?\n", b"\r\n", open(path, "rb").read())
	        m = message_from_bytes(raw, policy=policy.compat32)
	        frm = [a for _, a in getaddresses(m.get_all("From", [])) if a]
	        sender = frm[0] if frm else ""
	        if re.match(r"(mailer-daemon|postmaster)@", sender.lower()):
	            sender = ""
	        opts = ["BODY=8BITMIME"] if any(b > 127 for b in raw) else []
	        if any(b > 127 for b in raw.split(b"\r\n\r\n", 1)[0]):
	            opts.append("SMTPUTF8")
	        s.sendmail(sender, ["tovholder@netvaerk.example", "kopi@netvaerk.example"], raw, mail_options=opts)
	deadline = time.time() + 60
	while any(count(md) < w for md, w in zip(mds, want)):
	    if time.time() > deadline:
	        sys.exit("not delivered: %r, expected %r" % ([count(md) for md in mds], want))
	    time.sleep(0.1)
	EOF
}

# mailbox USER — every mail of every folder: "FOLDER<TAB>Message-ID (else Subject)<TAB>seen|unseen", sorted
mailbox() {
	"$PYTHON" - "$MS_IMAP_PORT" "$MS_PASSWORD" "$1" <<-\EOF
	import email, imaplib, re, sys
	from email.header import decode_header, make_header
	port, password, user = int(sys.argv[1]), sys.argv[2], sys.argv[3]
	M = imaplib.IMAP4("127.0.0.1", port)
	M.login(user, password)
	rows = []
	for line in M.list()[1]:
	    name = re.match(rb'\(.*?\) "(.)" "?(.*?)"?$', line).group(2).decode()
	    M.select('"%s"' % name, readonly=True)
	    uids = M.uid("SEARCH", None, "ALL")[1][0].split()
	    for uid in uids:
	        typ, d = M.uid("FETCH", uid, "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID SUBJECT)])")
	        flags = d[0][0].decode()
	        h = email.message_from_bytes(d[0][1])
	        key = h["Message-ID"] or "subject: %s" % make_header(decode_header(h["Subject"] or ""))
	        rows.append("%s\t%s\t%s" % (name, " ".join(str(key).split()), "seen" if "\\Seen" in flags else "unseen"))
	print("\n".join(sorted(rows)))
	EOF
}

# records DB — what the mail changed in the state: answers, automatic replies, bounces, proposals, review items
# (a mail without Message-ID has a stand-in with the mailbox's UIDVALIDITY: its sender and subject count)
records() {
	sqlite3 -separator ' | ' "$1" "
		SELECT 'answer', meeting_id, email, answer, source, at, substitute, note, message_id FROM answer;
		SELECT 'autoreply', meeting_id, email, at, detail FROM autoreply;
		SELECT 'bounce', email, at, detail FROM bounce;
		SELECT 'proposal', uid, email, start_at, end_at, comment, message_id, at FROM proposal;
		SELECT 'review', CASE WHEN message_id LIKE 'imap-%' THEN '(none)' ELSE message_id END, sender, subject,
		       date, reason FROM review;" | sort
}

# bodystructures USER — the UIDs whose BODYSTRUCTURE the client asked for, by Dovecot's raw log of its sessions
bodystructures() {
	cat "$MS/rawlog/$1"/*.in | "$PYTHON" -c '
import re, sys
n = 0
for line in sys.stdin.read().splitlines():
    m = re.search(r"UID FETCH ([0-9:,*]+) \((.*)\)\s*$", line)
    if not m or "BODYSTRUCTURE" not in m.group(2).upper():
        continue
    for r in m.group(1).split(","):
        lo, _, hi = r.partition(":")
        n += int(hi or lo) - int(lo) + 1
print(n)'
}

test_expect_success 'invitations out; the copy is the same group reading the second inbox' '
	th send >/dev/null &&
	mailstack_wait_idle &&
	cp -a "$A" "$B" &&
	sed -i "s/^user = .*/user = $COPY/" "$B/tovholder.conf" &&
	grep -q "^user = $COPY" "$B/tovholder.conf"
'

test_expect_success 'the mail: every fixture as an invitee answer, and strangers of many shapes' '
	n=0 &&
	for f in "$TOP"/tests/fixtures/*.eml; do
		n=$((n + 1)) &&
		name=$(basename "$f" .eml) &&
		group_fixture "$name" ekstra$n@stevns.example || return 1
	done &&
	mkdir -p "$TEST_TMP/mails" &&
	cp "$TEST_TMP"/fx/*.eml "$TEST_TMP/mails/" &&
	"$PYTHON" - "$TEST_TMP/mails" <<-\EOF &&
	import base64, os, sys
	from email.message import EmailMessage
	from email.mime.multipart import MIMEMultipart
	from email.mime.text import MIMEText
	from email.mime.application import MIMEApplication
	from email.mime.base import MIMEBase
	out = sys.argv[1]
	TITLE = "Netværksgruppe Børn og Unge"
	def invitation(uid, summary):
	    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kommune//Outlook//DA\r\nMETHOD:REQUEST\r\n"
	            "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20261201T080000Z\r\nDTSTART:20270310T090000Z\r\n"
	            "DTEND:20270310T100000Z\r\nSUMMARY:%s\r\nORGANIZER:mailto:kollega@kommune.example\r\n"
	            "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:tovholder@netvaerk.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	            % (uid, summary))
	def head(m, name, frm, subject, to="tovholder@netvaerk.example"):
	    m["From"] = frm
	    m["To"] = to
	    m["Subject"] = subject
	    m["Date"] = "Wed, 02 Dec 2026 11:00:00 +0100"
	    m["Message-ID"] = "<%s@t4175.example>" % name
	    with open(os.path.join(out, name + ".eml"), "wb") as f:
	        f.write(m.as_bytes())
	def hidden_invitation(subject, summary, name):
	    alt = MIMEMultipart("alternative")
	    alt.attach(MIMEText("Du er inviteret til %s." % summary, "plain", "utf-8"))
	    cal = MIMEText(invitation(name + "-uid@kommune.example", summary), "calendar", "utf-8")
	    cal.set_param("method", "REQUEST")
	    alt.attach(cal)
	    m = MIMEMultipart("mixed")
	    m.attach(alt)
	    m.attach(MIMEApplication(b"%PDF-1.4 dagsorden", "pdf", Name="dagsorden.pdf"))
	    head(m, name, "Kollega Hansen <kollega@kommune.example>", subject)
	# not ours: x-*
	m = MIMEMultipart("alternative")
	m.attach(MIMEText("Ugens nyheder\n" * 200, "plain", "utf-8"))
	m.attach(MIMEText("<html><body>" + "<p>Ugens <b>nyheder</b></p>" * 400 + "</body></html>", "html", "utf-8"))
	head(m, "x-newsletter-html", "Nyhedsbrev <nyt@forlag.example>", "Ugens nyheder fra Forlaget")
	m = MIMEMultipart("mixed")
	m.attach(MIMEText("Hermed budgettet.", "plain", "utf-8"))
	a = MIMEApplication(os.urandom(150000), "pdf", Name="budget.pdf")
	a["Content-Disposition"] = "attachment; filename=\"budget.pdf\""
	m.attach(a)
	head(m, "x-attachment", "Økonomi <oekonomi@kommune.example>", "Budget 2027")
	hidden_invitation("Teammøde om budgettet", "Teammøde", "x-hidden-invitation")
	def raw(name, text):
	    with open(os.path.join(out, name + ".eml"), "wb") as f:
	        f.write(text.replace("\n", "\r\n").encode())
	REPORT = ("Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\n\n"
	          "--r\nContent-Type: text/plain\n\nYour message could not be delivered.\n"
	          "--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.andet.example\n\n"
	          "Final-Recipient: rfc822; nogen@andet.example\nAction: failed\nStatus: 5.1.1\n--r--\n")
	raw("x-hidden-report", "From: IT-support <it@kommune.example>\nTo: tovholder@netvaerk.example\n"
	    "Subject: VS: Undelivered Mail\nDate: Wed, 02 Dec 2026 11:00:00 +0100\n"
	    "Message-ID: <x-hidden-report@t4175.example>\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"m\"\n\n--m\nContent-Type: text/plain\n\n"
	    "Se den vedlagte fejlrapport.\n--m\n" + REPORT + "--m--\n")
	m = EmailMessage()
	m.set_content("Skal vi spise frokost kl. 12?")
	head(m, "x-colleague-plain", "Kollega Hansen <kollega@kommune.example>", "Frokost")
	m = EmailMessage()
	m.set_content("Tak for sidst.\n")
	m.add_alternative("<p>Tak for sidst.</p>", subtype="html")
	head(m, "x-encoded-subject", "=?utf-8?q?S=C3=B8ren_Udenfor?= <soeren@udenfor.example>",
	     "=?utf-8?q?M=C3=B8de_om_skolevejen?=")
	with open(os.path.join(out, "x-no-content-type.eml"), "wb") as f:
	    f.write(b"From: nogen@udenfor.example\r\nTo: tovholder@netvaerk.example\r\nSubject: Hej\r\n"
	            b"Message-ID: <x-no-content-type@t4175.example>\r\n\r\nHej med dig.\r\n")
	# can be ours: s-*
	hidden_invitation("VS: %s 5. marts 2027" % TITLE, TITLE, "s-title-invitation")
	m = MIMEText(invitation("s-top-calendar-uid@kommune.example", "Teammøde"), "calendar", "utf-8")
	m.set_param("method", "REQUEST")
	head(m, "s-top-calendar", "Kollega Hansen <kollega@kommune.example>", "Teammøde")
	m = MIMEApplication(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "octet-stream", Name="invite.ics")
	head(m, "s-top-ics-name", "Kollega Hansen <kollega@kommune.example>", "Kalender")
	m = EmailMessage()
	m.set_content("Jeg melder afbud.")
	head(m, "s-two-from", "Anne Mose Dahl <anne.dahl@faxe.example>, falsk@udenfor.example", "Afbud")
	m = EmailMessage()
	m.set_content("Hej, her er nyt fra foreningen.")
	m["Sender"] = "bo.aagaard@greve.example"
	head(m, "s-sender-invitee", "Foreningen <info@forening.example>", "Nyt fra foreningen")
	m = EmailMessage()
	m.set_content("Delivery to the following recipient failed permanently: nogen@andet.example")
	m["X-Failed-Recipients"] = "nogen@andet.example"
	head(m, "s-xfailed", "Nyhedsbrev <nyt@forlag.example>", "Delivery Status Notification (Failure)")
	raw("s-foreign-bounce", "From: MAILER-DAEMON@mx.andet.example\nTo: tovholder@netvaerk.example\n"
	    "Subject: Undelivered Mail Returned to Sender\nDate: Wed, 02 Dec 2026 11:00:00 +0100\n"
	    "Message-ID: <s-foreign-bounce@t4175.example>\nMIME-Version: 1.0\n" + REPORT)
	m = EmailMessage()
	m.set_content("Kan vi tale om dagsordenen?")
	head(m, "s-reply-to-invitee", "Kollega Hansen <kollega@kommune.example>", "Dagsorden")
	m.replace_header("From", "Sekretariatet <sekretariat@kommune.example>")
	m["Reply-To"] = "lise.holm@koege.example"
	with open(os.path.join(out, "s-reply-to-invitee.eml"), "wb") as f:
	    f.write(m.as_bytes())
	EOF
	ls "$TEST_TMP/mails" | sort >mail-list &&
	cat mail-list &&
	deliver $(sed "s|^|$TEST_TMP/mails/|" mail-list) &&
	test "$(mailstack_count $ORGANIZER)" = "$(wc -l <mail-list)" &&
	test "$(mailstack_count $COPY)" = "$(wc -l <mail-list)"
'

test_expect_success 'headers first in the organizer inbox; every structure in the copy' '
	th fetch >a.out 2>a.err &&
	GROUP_DIR=$B TOVHOLDER_READ_ALL=1 th fetch >b.out 2>b.err &&
	cat a.out a.err b.out
'

test_expect_success 'the same answers, automatic replies, bounces, proposals and review items, row by row' '
	records "$A/state.db" >a.records &&
	records "$B/state.db" >b.records &&
	cat a.records &&
	test_cmp b.records a.records &&
	test_cmp b.out a.out &&
	test "$(grep -c "^answer" a.records)" -ge 15 &&
	test "$(grep -c "^review" a.records)" -ge 10
'

test_expect_success 'every mail in the same folder, and the same ones left unread, mail by mail' '
	mailbox $ORGANIZER >a.mailbox &&
	mailbox $COPY >b.mailbox &&
	cat a.mailbox &&
	test_cmp b.mailbox a.mailbox &&
	test "$(wc -l <a.mailbox)" = "$(wc -l <mail-list)" &&
	! grep "^INBOX	.*	seen$" a.mailbox
'

test_expect_success 'a stranger hiding a calendar or a report stays in the inbox, unread; named our title, it is read' '
	grep "^INBOX	<x-hidden-invitation@t4175.example>	unseen$" a.mailbox &&
	grep "^INBOX	<x-hidden-report@t4175.example>	unseen$" a.mailbox &&
	grep "^Tovholder/Til gennemsyn	<s-title-invitation@t4175.example>	" a.mailbox &&
	grep "^Tovholder/Til gennemsyn	<s-top-calendar@t4175.example>	" a.mailbox &&
	grep "^Tovholder/Til gennemsyn	<s-foreign-bounce@t4175.example>	" a.mailbox &&
	grep "^Tovholder/Til gennemsyn	<s-two-from@t4175.example>	" a.mailbox &&
	for x in $(grep "^x-\|^unrelated-" mail-list); do
		id=$(grep -i -m1 "^Message-ID:" "$TEST_TMP/mails/$x" | cut -d" " -f2 | tr -d "\r") &&
		grep -qF "INBOX	$id	unseen" a.mailbox || { echo "$x ($id) is not in the inbox, unread"; return 1; }
	done &&
	grep "^INBOX	<s-sender-invitee@t4175.example>	unseen$" a.mailbox
'

test_expect_success 'structure asked for only of the mails that can be ours: our log and Dovecot agree' '
	total=$(wc -l <mail-list) &&
	strangers=$(grep -c "^x-\|^unrelated-" mail-list) &&
	ours=$((total - strangers)) &&
	grep "read $total new mail(s): $strangers by their headers alone, $ours in full$" a.err &&
	grep "read $total new mail(s): 0 by their headers alone, $total in full$" b.err &&
	test "$(bodystructures $ORGANIZER)" = "$ours" &&
	test "$(bodystructures $COPY)" = "$total"
'

test_done
