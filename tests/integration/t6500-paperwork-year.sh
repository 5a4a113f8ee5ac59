#!/usr/bin/env bash
test_description='run: a year of paperwork by mail — the referat draft (docx) to the referent, the status to the tovholder, the final lines after fremmøde, each once'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

# The group of group.sh: four meetings in 2027, each a Friday 10:00-13:00 local. The service alone sends, at
# its clock (TOVHOLDER_NOW) moved to each moment:
#   the referat draft  the working day before, 08:00 local (referat_mail = 1 08:00, the default)
#   the status mail    with the last reminder (reminders = 7d, 1d: the day before, 10:00 local)
#   the final lines    when `fremmøde DATE --teams FILE` has recorded who was there
# DATE DRAFT(UTC) STATUS(UTC) AFTER(UTC) DD/MM/YYYY
MEETINGS="2027-03-05 2027-03-04T07:00:00Z 2027-03-04T09:00:00Z 2027-03-05T13:00:00Z 05/03/2027
2027-05-07 2027-05-06T06:00:00Z 2027-05-06T08:00:00Z 2027-05-07T12:00:00Z 07/05/2027
2027-09-10 2027-09-09T06:00:00Z 2027-09-09T08:00:00Z 2027-09-10T12:00:00Z 10/09/2027
2027-11-12 2027-11-11T07:00:00Z 2027-11-11T09:00:00Z 2027-11-12T13:00:00Z 12/11/2027"
ORGANIZER=tovholder@netvaerk.example
REFERENT=jesper.vang@solroed.example
DOCX=application/vnd.openxmlformats-officedocument.wordprocessingml.document

mailstack_start
group_write "$TEST_TMP/g"
DB=$GROUP_DIR/state.db
sql() { sqlite3 "$DB" "$1"; }

service_cleanup_on_exit

# teams_report DD/MM/YYYY — a Teams attendance report: the organizer, Anne, Dennis, the referent and Mette.
teams_report() {
	printf '%s\r\n' \
		'1. Summary,,,,,,,' \
		'Meeting title,Netværksgruppe Børn og Unge,,,,,,' \
		'Attended participants,5,,,,,,' \
		"Start time,\"$1, 08:58:00\",,,,,," \
		"End time,\"$1, 12:01:00\",,,,,," \
		',,,,,,,' \
		'2. Participants,,,,,,,' \
		'Name,First join (UTC),Last leave (UTC),In-meeting duration,Email,Participant ID (UPN),Role,Engagement: Camera On' \
		"Karin Lund,\"$1, 08:58:00\",\"$1, 12:01:00\",3h 3m,tovholder@netvaerk.example,tovholder@netvaerk.example,Organizer,1" \
		"\"Dahl, Anne Mose\",\"$1, 08:59:30\",\"$1, 12:00:05\",3h 35s,anne.dahl@faxe.example,anne.dahl@faxe.example,Presenter,1" \
		"Dennis Kragh,\"$1, 09:01:00\",\"$1, 12:00:00\",2h 59m,dennis.kragh@holbaek.example,dennis.kragh@holbaek.example,Attendee,0" \
		"Jesper Vang,\"$1, 08:59:00\",\"$1, 12:00:00\",3h 1m,jesper.vang@solroed.example,jesper.vang@solroed.example,Attendee,1" \
		"Mette Ravn,\"$1, 09:10:00\",\"$1, 12:00:00\",2h 50m,mette.ravn@odsherred.example,mette.ravn@odsherred.example,Attendee,0"
}

test_expect_success 'invitations out; answers by hand; a bounced address and a mail waiting for review' '
	th send >out && cat out &&
	mailstack_wait_idle &&
	for d in 2027-03-05 2027-05-07 2027-09-10 2027-11-12; do
		th set $d anne.dahl@faxe.example tilsagn >/dev/null &&
		th set $d bo.aagaard@greve.example afbud --stedfortræder "Ulla Berg" >/dev/null &&
		th set $d dennis.kragh@holbaek.example tilsagn >/dev/null || return 1
	done &&
	# what the inbox pass records for a bounce and an unclear mail (t4100 shows those paths)
	sql "INSERT INTO bounce (email, at, detail) VALUES ('\''lise.holm@koege.example'\'', 1796000000, '\''550 5.1.1 mailbox unknown'\'')" &&
	sql "INSERT INTO review (message_id, sender, subject, date, reason, created_at) VALUES ('\''q1@faxe.example'\'', '\''frederik.hald@koege.example'\'', '\''Re: mødet <i marts>'\'', 1796000000, '\''unclear answer for 2027-03-05: no afbud or acceptance'\'', 1796000000)" &&
	th plan --ahead >plan &&
	cat plan &&
	grep "^later: referat draft 2027-03-05 at 2027-03-04 08:00" plan &&
	grep "^later: status mail 2027-03-05 at 2027-03-04 10:00" plan
'

# Each meeting: the draft at its time, the status at its time, the final lines after fremmøde.
k=0
while read -r date draft status after ddmm; do
	k=$((k + 1))
	test_expect_success "$date: the referat draft arrives at $draft, to the referent and a copy to the tovholder" '
		service_start "$(date -u -d "$draft - 3 seconds" +%Y-%m-%dT%H:%M:%SZ)" &&
		mail_wait_subject $REFERENT "Referat til mødet" '$k' 20 &&
		mail_wait_subject $ORGANIZER "Referat til mødet" '$k' 20 &&
		GROUP_NOW='$draft' th referat '$date' >lines-draft-'$date' &&
		service_stop
	'
	test_expect_success "$date: the status mail arrives at $status, its numbers those of status" '
		service_start "$(date -u -d "$status - 3 seconds" +%Y-%m-%dT%H:%M:%SZ)" &&
		mail_wait_subject $ORGANIZER "Status før mødet" '$k' 20 &&
		GROUP_NOW='$status' th status '$date' >status-'$date' &&
		service_stop
	'
	test_expect_success "$date: fremmøde --teams, and the referent gets the final lines once" '
		teams_report '$ddmm' >teams-'$date'.csv &&
		service_start '$after' &&
		sleep 2 &&
		GROUP_NOW='$after' th fremmøde '$date' --teams teams-'$date'.csv >/dev/null &&
		mail_wait_subject $REFERENT "Fremmøde til referatet" '$k' 20 &&
		GROUP_NOW='$after' th referat '$date' >lines-final-'$date' &&
		GROUP_NOW='$after' th fremmøde '$date' --teams teams-'$date'.csv >/dev/null &&
		sleep 4 &&
		test "$(mail_count_subject $REFERENT "Fremmøde til referatet")" = '$k' &&
		service_stop
	'
done <<<"$MEETINGS"

test_expect_success 'a correction by hand changes the lines: one more mail with the new lines' '
	service_start 2027-11-12T14:00:00Z &&
	sleep 2 &&
	GROUP_NOW=2027-11-12T14:00:00Z th fremmøde 2027-11-12 --fraværende mette.ravn@odsherred.example >/dev/null &&
	mail_wait_subject $REFERENT "Fremmøde til referatet" 5 20 &&
	GROUP_NOW=2027-11-12T14:00:00Z th referat 2027-11-12 >lines-corrected &&
	service_stop &&
	! grep "Mette Ravn" lines-corrected | grep -q Deltagere
'

test_expect_success 'a restart at the end of the year sends nothing again' '
	mailstack_wait_idle &&
	n_ref=$(mailstack_count $REFERENT) && n_org=$(mailstack_count $ORGANIZER) &&
	service_start 2027-12-20T10:00:00Z &&
	sleep 6 &&
	service_stop &&
	mailstack_wait_idle &&
	test "$(mailstack_count $REFERENT)" = "$n_ref" &&
	test "$(mailstack_count $ORGANIZER)" = "$n_org" &&
	sql "SELECT kind, count(*) FROM paperwork GROUP BY kind ORDER BY kind" >kinds &&
	printf "%s\n" "attendance|4" "draft|4" "status|4" >want && test_cmp want kinds &&
	test "$(sql "SELECT count(*) FROM outbox WHERE kind IN ('\''draft'\'','\''status'\'','\''attendance'\'') AND status <> '\''sent'\''")" = 0
'

# Python's email parser and python-docx read what arrived; the lines are those `referat` printed then.
test_expect_success 'the drafts: once each, at their time, Cc the tovholder, the docx with heading, lines and agenda' '
	mailcheck json "$(maildir_of $REFERENT)" "$(maildir_of $ORGANIZER)" >all.json &&
	"$PYTHON" - all.json "$MEETINGS" "$(maildir_of $REFERENT)" <<-\PY
	import email, email.policy, io, json, os, sys
	from datetime import datetime, timezone, timedelta
	import docx
	msgs = json.load(open(sys.argv[1]))
	meetings = [l.split() for l in sys.argv[2].splitlines()]
	months = {"03": "marts", "05": "maj", "09": "september", "11": "november"}
	agendas = {"2027-03-05": ["Velkommen og godkendelse af dagsorden", "Nyt fra Rammeaftale Sjælland", "Eventuelt"],
	           "2027-05-07": ["Velkommen", "Oplæg om plejefamilier"], "2027-09-10": ["Velkommen", "Årsrapport"],
	           "2027-11-12": ["Velkommen", "Møder i 2028"]}
	def walk(m):
	    yield m
	    for p in m.get("parts") or []:
	        yield from walk(p)
	for date, draft, status, after, ddmm in meetings:
	    day = "%d. %s 2027" % (int(date[8:]), months[date[5:7]])
	    subj = "Referat til mødet fredag den %s" % day
	    got = [m for m in msgs if m["subject"].startswith(subj)]
	    to_ref = [m for m in got if m["to"] == "jesper.vang@solroed.example"]
	    to_org = [m for m in got if m["to"] == "tovholder@netvaerk.example"]
	    assert len(to_ref) == 1 and len(to_org) == 1, (date, [(m["to"], m["file"]) for m in got])
	    m = to_ref[0]
	    assert m["cc"] == "tovholder@netvaerk.example", m["cc"]
	    assert to_org[0]["cc"] == "jesper.vang@solroed.example", to_org[0]["cc"]
	    when = datetime.fromisoformat(draft.replace("Z", "+00:00"))
	    sent = datetime.fromisoformat(m["date"]).astimezone(timezone.utc)
	    assert when <= sent < when + timedelta(seconds=60), (date, sent, when)
	    assert m["crlf_only"] and not m["defects"], m["defects"]
	    assert m["mime"]["type"] == "multipart/mixed", m["mime"]["type"]
	    att = [p for p in walk(m["mime"]) if p.get("disposition") == "attachment"]
	    assert len(att) == 1 and att[0]["type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document", att
	    assert att[0]["filename"] == "referat-%s.docx" % date, att[0]
	    lines = open("lines-draft-%s" % date).read().strip().split("\n")
	    body = m["text_plain"]
	    for l in lines:
	        assert l in body, (date, l, body)
	    for item in agendas[date]:
	        assert item in body and item in m["text_html"], (date, item)
	    raw = email.message_from_binary_file(open(m["file"], "rb"), policy=email.policy.default)
	    part = next(p for p in raw.iter_attachments())
	    d = docx.Document(io.BytesIO(part.get_content()))
	    paras = [p.text for p in d.paragraphs]
	    assert paras[0] == "REFERAT - Netværksgruppe Børn og Unge den %s kl. 10.00-13.00" % day, paras[0]
	    for l in lines:
	        assert l in paras, (date, l, paras)
	    rows = [[c.text for c in r.cells] for r in d.tables[0].rows]
	    assert rows[0] == ["Dagsordenspunkt", "Referat"], rows
	    assert [r[0] for r in rows[1:]] == ["%d. %s" % (i + 1, a) for i, a in enumerate(agendas[date])], rows
	print("ok: 4 drafts, each once with its copy")
	PY
'

test_expect_success 'the final lines: once per change, equal to referat after fremmøde, with an updated docx' '
	"$PYTHON" - all.json "$MEETINGS" <<-\PY
	import email, email.policy, io, json, sys
	import docx
	msgs = json.load(open(sys.argv[1]))
	meetings = [l.split() for l in sys.argv[2].splitlines()]
	fin = [m for m in msgs if m["subject"].startswith("Fremmøde til referatet")]
	assert all(m["to"] == "jesper.vang@solroed.example" for m in fin), [m["to"] for m in fin]
	assert len(fin) == 5, [m["subject"] for m in fin]
	months = {"03": "marts", "05": "maj", "09": "september", "11": "november"}
	for date, draft, status, after, ddmm in meetings:
	    day = "fredag den %d. %s 2027 –" % (int(date[8:]), months[date[5:7]])
	    mine = sorted((m for m in fin if day in m["subject"]), key=lambda m: m["date"])
	    assert len(mine) == (2 if date == "2027-11-12" else 1), (date, [m["subject"] for m in mine])
	    lines = open("lines-final-%s" % date).read().strip().split("\n")
	    assert any(l.startswith("Fraværende:") or l.startswith("Afbud:") for l in lines), lines
	    first = [m for m in mine if all(l in m["text_plain"] for l in lines)]
	    assert first, (date, lines, [m["text_plain"] for m in mine])
	    raw = email.message_from_binary_file(open(first[0]["file"], "rb"), policy=email.policy.default)
	    d = docx.Document(io.BytesIO(next(raw.iter_attachments()).get_content()))
	    paras = [p.text for p in d.paragraphs]
	    for l in lines:
	        assert l in paras, (date, l, paras)
	corrected = open("lines-corrected").read().strip().split("\n")
	last = max(fin, key=lambda m: m["date"])
	assert all(l in last["text_plain"] for l in corrected), (corrected, last["text_plain"])
	print("ok: %d attendance mails" % len(fin))
	PY
'

# The status mails: Chromium renders the HTML part; the sentence of totals it shows equals status's last line.
test_expect_success 'the status mails: one per meeting, rendered by Chromium, the numbers equal status' '
	"$PYTHON" - all.json "$MEETINGS" <<-\PY &&
	import json, sys
	msgs = json.load(open(sys.argv[1]))
	meetings = [l.split() for l in sys.argv[2].splitlines()]
	st = [m for m in msgs if m["subject"].startswith("Status før mødet")]
	assert len(st) == 4 and all(m["to"] == "tovholder@netvaerk.example" for m in st), [m["subject"] for m in st]
	for (date, *_), m in zip(meetings, sorted(st, key=lambda m: m["date"])):
	    open("status-%s.html" % date, "w").write(m["text_html"])
	    open("status-%s.txt" % date, "w").write(m["text_plain"])
	    html = m["text_html"]
	    for bad in ("<script", "<img", "<link", "<style", "src=", "url("):
	        assert bad not in html.lower(), bad
	    assert "<table" in html and "Tovholder/Afbud" in html and "Tovholder/Tilsagn" in html
	    assert "Tovholder/Ignorer" in html and "Tovholder/Fremmøde" in html
	    assert "frederik.hald@koege.example" in m["text_plain"] and "unclear answer" in m["text_plain"]
	    assert "Re: mødet &lt;i marts&gt;" in html, "the subject of the mail waiting, escaped"
	    assert "lise.holm@koege.example" in m["text_plain"] and "550 5.1.1" in m["text_plain"], "the bounce"
	    assert "Ulla Berg for Bo Aagaard (Greve)" in m["text_plain"], "the substitute"
	print("ok")
	PY
	for f in status-2027-*.html; do
		d=${f%.html} &&
		profile=$(mktemp -d) &&
		timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
			--disable-background-networking --disable-component-update --disable-sync \
			--user-data-dir="$profile" --dump-dom "file://$TEST_TMP/$f" >"$d.dom" 2>chromium.log;
		rm -rf "$profile";
		test -s "$d.dom" || { cat chromium.log; return 1; }
		date=${d#status-} &&
		"$PYTHON" - "$d.dom" "status-$date" <<-\PY || return 1
	import re, sys
	from html.parser import HTMLParser
	class Text(HTMLParser):
	    def __init__(self):
	        super().__init__()
	        self.out, self.rows, self.in_row = [], 0, False
	    def handle_starttag(self, tag, attrs):
	        if tag == "tr" and any(a == "data-person" for a, _ in attrs):
	            self.rows += 1
	    def handle_data(self, data):
	        self.out.append(data)
	t = Text()
	t.feed(open(sys.argv[1]).read())
	text = re.sub(r"\s+", " ", "".join(t.out))
	status = open(sys.argv[2]).read().strip().split("\n")
	total = [l for l in status if l.startswith("I alt ")][0]
	assert total in text, (total, text[:500])
	people = [l for l in status[1:status.index(total)] if l.startswith("  ")]
	assert t.rows == len(people), (t.rows, len(people))
	for l in people:
	    who = re.split(r"\s{2,}", l.strip())[0]
	    assert who in text, (who, text[:300])
	print("ok:", total)
	PY
	done
'

test_done
