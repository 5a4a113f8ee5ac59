#!/usr/bin/env bash
test_description='status --mail: the proposed new times (issue 16) and the review reasons in Danish, read by Python'"'"'s email parser'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"
. "$TOP/tests/lib/calmail.sh"

# Real mails through Postfix into the organizer's inbox (the proposal fixtures of t4180, written by
# calmail.py), read by `fetch`; then `status --mail` sends the status mail, and Python's email parser reads
# what Dovecot holds. The group's zone is Europe/Copenhagen: 2027-03-04 is in winter time (UTC+1).

mailstack_start
group_write "$TEST_TMP/g"
ORGANIZER=tovholder@netvaerk.example
DB=$GROUP_DIR/state.db

test_expect_success 'invitations out; a COUNTER, an iOS proposal and a forged COUNTER arrive and are read' '
	th send >/dev/null &&
	mailstack_wait_idle &&
	calmail counter dennis.kragh@holbaek.example counter@t6520.example --name "Dennis Kragh" \
		--start 20270304T093000 --end 20270304T103000 \
		--comment "$(printf "Kan vi flytte til <b>torsdag</b> & kl. 9.30?\033[31m")" &&
	calmail ios-proposal lise.holm@koege.example ios@t6520.example --name "Lise Holm" \
		--start 20270304T113000Z --end 20270304T123000Z --comment "Eftermiddagen passer bedre" &&
	calmail counter bo.aagaard@greve.example forged@t6520.example --attendee anne.dahl@faxe.example \
		--start 20270301T080000 --end 20270301T090000 --comment "Forfalsket" &&
	th fetch >out 2>err &&
	cat out &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM proposal")" = 2
'

# plain MAIL_ID FROM SUBJECT BODY — a plain-text mail to the organizer, written by Python's email package
plain() {
	"$PYTHON" - "$@" "$ORGANIZER" >"$TEST_TMP/$1.eml" <<-\PY &&
	import sys
	from email.message import EmailMessage
	msgid, frm, subject, body, to = sys.argv[1:6]
	m = EmailMessage()
	m["From"], m["To"], m["Subject"], m["Message-ID"] = frm, to, subject, "<%s>" % msgid
	m["Date"] = "Wed, 02 Dec 2026 10:15:00 +0100"
	m.set_content(body)
	sys.stdout.write(m.as_string())
	PY
	mailstack_inject "$TEST_TMP/$1.eml" "$ORGANIZER"
}
sql() { sqlite3 "$DB" "$1"; }

test_expect_success 'mails for review of several kinds arrive and are read; an item from before the codes is kept' '
	plain cond@t6520.example frederik.hald@koege.example "Mødet den 5. marts" \
		"Hej Karin. Hvis jeg kan nå det, kommer jeg den 5. marts. Hilsen Frederik" &&
	plain nodate@t6520.example mette.ravn@odsherred.example "Afbud" \
		"Jeg kan desværre ikke komme til mødet den 9. marts. Mette" &&
	plain two@t6520.example "anne.dahl@faxe.example, soeren.oersted@soroe.example" "Vi kommer" \
		"Vi kommer begge to til mødet den 5. marts." &&
	th fetch >out 2>err &&
	cat out err &&
	sql "INSERT INTO review (message_id, sender, subject, date, reason, created_at) VALUES (\"old@t6520.example\",
		\"jesper.vang@solroed.example\", \"Gammel\", 1796000000,
		\"unclear answer for 2027-03-05: no afbud or acceptance\", 1796000000)" &&
	sqlite3 -separator " | " "$DB" "SELECT message_id, reason_code, reason FROM review ORDER BY id" >rows &&
	cat rows &&
	test "$(wc -l <rows)" = 7 &&
	test "$(sql "SELECT count(*) FROM review WHERE coalesce(reason_code, \"\") = \"\"")" = 1 &&
	sql "SELECT reason FROM review WHERE reason_code <> \"\"" >english &&
	test "$(wc -l <english)" = 6
'

test_expect_success 'status --mail sends the status mail to the tovholder' '
	th status 2027-03-05 --mail >out 2>err &&
	mailstack_wait_idle &&
	mail_wait_subject $ORGANIZER "Status før mødet" 1 20 &&
	ls "$(maildir_of $ORGANIZER)"/new/* >files &&
	cat files
'

test_expect_success 'the status mail lists each proposal: Danish local time, the comment visible (text) and escaped (HTML)' '
	"$PYTHON" - $(cat files) <<-\PY
	import email, email.policy, sys
	msgs = [email.message_from_binary_file(open(f, "rb"), policy=email.policy.default) for f in sys.argv[1:]]
	st = [m for m in msgs if str(m["Subject"]).startswith("Status før mødet")]
	assert len(st) == 1, [str(m["Subject"]) for m in msgs]
	text = st[0].get_body(("plain",)).get_content()
	html = st[0].get_body(("html",)).get_content()
	print(text)
	assert "Forslag til nyt tidspunkt" in text and "Forslag til nyt tidspunkt" in html
	assert ("- Dennis Kragh foreslår torsdag den 4. marts 2027 kl. 09.30-10.30 – "
	        "\"Kan vi flytte til <b>torsdag</b> & kl. 9.30?\\x1B[31m\"") in text, text
	assert "- Lise Holm foreslår torsdag den 4. marts 2027 kl. 12.30-13.30 – \"Eftermiddagen passer bedre\"" in text
	assert "\x1b" not in text and "\x1b" not in html
	assert html.count("<tr data-proposal>") == 2, html
	assert "torsdag den 4. marts 2027 kl. 09.30-10.30" in html and "torsdag den 4. marts 2027 kl. 12.30-13.30" in html
	assert "Kan vi flytte til &lt;b&gt;torsdag&lt;/b&gt; &amp; kl. 9.30?" in html, html
	assert "<b>torsdag" not in html
	assert text.count("Har ikke svaret:") == 1 and html.count("Har ikke svaret:") == 1, "a heading once, not per item"
	assert html.count("<ul") == 1, html
	assert "Forfalsket" not in text and "1. marts 2027" not in text, "the forged proposal is no proposal"
	print("ok")
	PY
'

test_expect_success 'the status mail gives every review reason in Danish; no English reason of ours leaks; an old item keeps its text' '
	"$PYTHON" - english $(cat files) <<-\PY
	import email, email.policy, html as H, sys
	english = [l for l in open(sys.argv[1]).read().split("\n") if l]
	msgs = [email.message_from_binary_file(open(f, "rb"), policy=email.policy.default) for f in sys.argv[2:]]
	st = [m for m in msgs if str(m["Subject"]).startswith("Status før mødet")]
	assert len(st) == 1
	text = st[0].get_body(("plain",)).get_content()
	page = st[0].get_body(("html",)).get_content()
	shown = H.unescape(page)
	want = [
	    "Måske forfalsket: svaret gælder anne.dahl@faxe.example, men mailen kommer fra bo.aagaard@greve.example.",
	    "dennis.kragh@holbaek.example foreslår et nyt tidspunkt for mødet fredag den 5. marts 2027: fra 2027-03-04 09:30 til 2027-03-04 10:30.",
	    "Vi har noteret tentativ til mødet fredag den 5. marts 2027, og lise.holm@koege.example foreslår et nyt tidspunkt.",
	    "Svaret på mødet fredag den 5. marts 2027 er ikke klart: mailen siger hverken afbud eller tilsagn.",
	    "Mailen nævner den 9/3, men der er intet møde den dag.",
	    "Vi kunne ikke bekræfte afsenderen: mailen nævner 2 afsendere.",
	    "unclear answer for 2027-03-05: no afbud or acceptance",
	]
	for w in want:
	    assert w in text, (w, text)
	    assert w in shown, (w, page)
	assert page.count("<tr data-review>") == 7, page
	for e in english:
	    assert e not in text and e not in shown, ("English reason in the mail", e)
	for word in ("proposes", "possible forgery", "recorded", "names a date", "afsenderen kunne ikke bekræftes"):
	    assert word not in text and word not in shown, word
	print("ok: %d Danish reasons, %d English ones kept out" % (len(want) - 1, len(english)))
	PY
'

test_expect_success 'tovholder review keeps the English text (the CLI is English)' '
	th review >rev && cat rev &&
	grep "possible forgery: the reply is for anne.dahl@faxe.example but comes from bo.aagaard@greve.example" rev &&
	grep "the mail names a date with no meeting (9/3)" rev &&
	! grep "Måske forfalsket" rev
'

test_done
