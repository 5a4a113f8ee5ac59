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

test_done
