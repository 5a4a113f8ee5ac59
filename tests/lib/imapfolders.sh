# shellcheck shell=bash
# An independent IMAP client for the tests of the decision folders (t4190, t4195): Python's imaplib, logged in as
# the organizer, doing what Outlook does. Needs the mail stack ($MS_IMAP_PORT, $MS_PASSWORD) and test-lib's $PYTHON.
#
#   imap CMD ARGS
#   folders              every folder, decoded from modified UTF-7, one a line
#   ids                  "FOLDER<TAB>Message-ID" for every mail in every folder, sorted
#   move MSGID FOLDER    moves the mail with that Message-ID, wherever it is, into FOLDER (UTF-8, '/')
# And, with $ORGANIZER and $DB (the group's state) set:
#   mail NAME FROM MSGID SUBJECT TEXT [IN-REPLY-TO]   a plain mail from FROM to the organizer, through the stack
#   our_msgid EMAIL DATE                              the Message-ID of our latest mail to EMAIL for that meeting
imap() {
	"$PYTHON" - "$MS_IMAP_PORT" "$MS_PASSWORD" "$@" <<-\EOF
	import base64, imaplib, re, sys
	port, password, cmd, args = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
	def enc(s):
	    out, run = [], ""
	    def flush():
	        nonlocal run
	        if run:
	            out.append("&" + base64.b64encode(run.encode("utf-16-be")).decode().rstrip("=").replace("/", ",") + "-")
	            run = ""
	    for ch in s:
	        if 0x20 <= ord(ch) <= 0x7e:
	            flush()
	            out.append("&-" if ch == "&" else ch)
	        else:
	            run += ch
	    flush()
	    return "".join(out)
	def dec(s):
	    def one(m):
	        b = m.group(1).replace(",", "/")
	        return "&" if not b else base64.b64decode(b + "=" * (-len(b) % 4)).decode("utf-16-be")
	    return re.sub(r"&([^-]*)-", one, s)
	M = imaplib.IMAP4("127.0.0.1", port)
	M.login("tovholder@netvaerk.example", password)
	names = []
	for line in M.list()[1]:
	    m = re.match(rb'\(.*?\) "(.)" "?(.*?)"?$', line)
	    names.append(m.group(2).decode())
	def quote(n):
	    return '"' + n + '"'
	if cmd == "folders":
	    for n in sorted(names):
	        print(dec(n))
	elif cmd == "ids":
	    rows = []
	    for n in names:
	        M.select(quote(n), readonly=True)
	        typ, data = M.uid("SEARCH", None, "ALL")
	        for uid in data[0].split():
	            typ, d = M.uid("FETCH", uid, "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
	            mid = d[0][1].decode().split(":", 1)[1].strip()
	            rows.append("%s\t%s" % (dec(n), mid))
	    print("\n".join(sorted(rows)))
	elif cmd == "move":
	    want, dest = args[0], enc(args[1])
	    for n in names:
	        M.select(quote(n))
	        typ, data = M.uid("SEARCH", None, "HEADER", "Message-ID", want)
	        uids = data[0].split()
	        if uids:
	            typ, r = M.uid("MOVE", uids[0], quote(dest))
	            sys.exit(0 if typ == "OK" else "move refused: %r" % r)
	    sys.exit("no mail with Message-ID " + want)
	EOF
}

# mail NAME FROM MSGID SUBJECT TEXT [IN-REPLY-TO] — a plain mail from FROM to the organizer
mail() {
	mkdir -p "$TEST_TMP/mails"
	{
		printf 'From: %s\nTo: Karin Lund <%s>\nSubject: %s\nDate: Wed, 02 Dec 2026 10:15:00 +0100\n' "$2" "$ORGANIZER" "$4"
		printf 'Message-ID: <%s>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n' "$3"
		printf 'Content-Transfer-Encoding: 8bit\n'
		test -z "${6:-}" || printf 'In-Reply-To: <%s>\nReferences: <%s>\n' "$6" "$6"
		printf '\n%s\n' "$5"
	} >"$TEST_TMP/mails/$1.eml" &&
	mailstack_inject "$TEST_TMP/mails/$1.eml" "$ORGANIZER"
}

# our_msgid EMAIL DATE — the Message-ID of our latest mail to EMAIL for the meeting on DATE
our_msgid() {
	sqlite3 "$DB" "SELECT o.message_id FROM outbox o JOIN meeting m ON m.id = o.meeting_id
		WHERE m.date = '$2' AND o.email = '$1' ORDER BY o.id DESC LIMIT 1"
}
