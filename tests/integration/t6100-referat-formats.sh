#!/usr/bin/env bash
test_description='referat: the attendance lines unchanged, and the whole draft as txt, md, html and docx'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/g"
# Guests: Gitte speaks under item 2 and Hans under item 3; Tue comes for the whole meeting. The roster lists
# Tue first, so the lines without items (guests last, in the roster's order) name Tue, Gitte, Hans.
group_member 'Gitte Fog;Aalborg Universitet;gitte.fog@uni.example;gæst'
group_member 'Hans Lind;KL;hans.lind@kl.example;gæst'
write_schedule() {
	cat >"$GROUP_DIR/schedule.ini" <<-SCHED
	[2027-03-05]
	time = 10:00-13:00
	place = online
	online_url = https://teams.microsoft.com/l/meetup-join/19%3amarts
	agenda = Velkommen og godkendelse af dagsorden
	agenda = Digitale løsninger & AI på børneområdet
	agenda = Nyt fra Rammeaftale Sjælland
	agenda = Eventuelt
	guests = gitte.fog@uni.example, hans.lind@kl.example, tue.bilde@region.example
	${1:-guest_item = gitte.fog@uni.example 2}
	${2:-guest_item = hans.lind@kl.example 3}

	[2027-05-07]
	time = 10:00-13:00
	place = Rådhuspladsen 1, 4700 Næstved
	agenda = Velkommen
	SCHED
}
write_schedule
ORGANIZER=tovholder@netvaerk.example
DB=$GROUP_DIR/state.db

# fixture NAME ATTENDEE — a calendar reply from ATTENDEE to the 5 March invitation, delivered to the organizer.
fixture() {
	local name=$1 who=$2 uid msgid person
	uid=$(sqlite3 "$DB" "SELECT uid FROM meeting WHERE date = '2027-03-05'") &&
	msgid=$(sqlite3 "$DB" "SELECT o.message_id FROM outbox o JOIN meeting m ON m.id = o.meeting_id
		WHERE m.date = '2027-03-05' AND o.email = '$who' ORDER BY o.id DESC LIMIT 1") &&
	person=$(sqlite3 "$DB" "SELECT name FROM invitation i JOIN meeting m ON m.id = i.meeting_id
		WHERE m.date = '2027-03-05' AND i.email = '$who'") &&
	test -n "$uid" && test -n "$msgid" &&
	mkdir -p "$TEST_TMP/fx" &&
	$PYTHON "$TOP/tests/fixtures/make-fixtures.py" --out "$TEST_TMP/fx" --only "$name.eml" \
		--uid "$uid" --organizer "$ORGANIZER" --organizer-name "Karin Lund" \
		--attendee "$who" --attendee-name "$person" --msgid "$msgid" \
		--date "Wed, 02 Dec 2026 10:15:00 +0100" --dtstamp "20261202T091500Z" \
		--dtstart "20270305T100000" --dtend "20270305T130000" \
		--subject-date "5. marts 2027" --summary "Netværksgruppe Børn og Unge" &&
	mailstack_inject "$TEST_TMP/fx/$name.eml" "$ORGANIZER"
}

HEADING='REFERAT - Netværksgruppe Børn og Unge den 5. marts 2027 kl. 10.00-13.00'

test_expect_success 'check: a guest_item must name a guest of the meeting and one of its items (file:line)' '
	write_schedule "guest_item = anne.dahl@faxe.example 2" "guest_item = hans.lind@kl.example 5" &&
	test_expect_code 65 th check 2>err &&
	grep -F "schedule.ini:10: guest_item: '\''anne.dahl@faxe.example'\'' is not a guest of [2027-03-05]: add them to its guests line" err &&
	grep -F "schedule.ini:11: guest_item: [2027-03-05] has no agenda item 5 (it has 4): count the agenda lines from 1" err &&
	write_schedule "guest_item = gitte.fog@uni.example to" &&
	test_expect_code 65 th check 2>err &&
	grep -F "schedule.ini:10: bad guest_item '\''gitte.fog@uni.example to'\''" err &&
	write_schedule &&
	th check >/dev/null
'

test_expect_success 'invitations go out, to the guests too' '
	th send >/dev/null &&
	mailstack_wait_idle &&
	mail_summary gitte.fog@uni.example >gitte.sum && grep " method=REQUEST .* start=2027-03-05T10:00" gitte.sum &&
	mail_summary hans.lind@kl.example >hans.sum && grep " method=REQUEST .* start=2027-03-05T10:00" hans.sum
'

test_expect_success 'answers: calendar replies read from the inbox, an afbud with a substitute by hand' '
	fixture outlook-exchange-accept anne.dahl@faxe.example &&
	fixture android-decline bo.aagaard@greve.example &&
	mailstack_wait_count $ORGANIZER 2 &&
	th fetch >out &&
	grep "^2 answers," out &&
	th set 2027-03-05 frederik.hald@koege.example afbud --stedfortræder "Ulla Berg" >/dev/null &&
	failed= &&
	for who in dennis.kragh@holbaek.example lise.holm@koege.example soeren.oersted@soroe.example \
		gitte.fog@uni.example hans.lind@kl.example tue.bilde@region.example; do
		th set 2027-03-05 $who tilsagn >/dev/null || failed="$failed $who"
	done &&
	test -z "$failed"
'

test_expect_success 'before the meeting: referat DATE prints the attendance lines alone, in their form' '
	th referat 2027-03-05 >lines &&
	cat >expect <<-\EOT &&
	Afbud: Bo Aagaard (Greve), Frederik Hald (Køge)
	Deltagere: Anne Mose Dahl (Faxe), Dennis Kragh (Holbæk), Lise Holm (Køge), Ulla Berg (Køge) for Frederik Hald, Søren Ørsted (Sorø), Tue Bilde (Region Sjælland), Gitte Fog (Aalborg Universitet), Hans Lind (KL)
	Referat: Jesper Vang (Solrød)
	Ikke svaret: Mette Ravn (Odsherred)
	EOT
	test_cmp expect lines
'

# After the meeting: Søren said yes but did not come, Mette never answered; both are Fraværende.
GROUP_NOW=2027-03-05T13:30:00Z

test_expect_success 'after the meeting: who was there' '
	th fremmøde 2027-03-05 --til-stede anne.dahl@faxe.example dennis.kragh@holbaek.example \
		lise.holm@koege.example jesper.vang@solroed.example gitte.fog@uni.example hans.lind@kl.example \
		tue.bilde@region.example >/dev/null
'

test_expect_success 'referat DATE: still the lines alone, now with Fraværende' '
	th referat 2027-03-05 >lines &&
	cat >expect <<-\EOT &&
	Afbud: Bo Aagaard (Greve), Frederik Hald (Køge)
	Deltagere: Anne Mose Dahl (Faxe), Dennis Kragh (Holbæk), Lise Holm (Køge), Ulla Berg (Køge) for Frederik Hald, Tue Bilde (Region Sjælland), Gitte Fog (Aalborg Universitet), Hans Lind (KL)
	Referat: Jesper Vang (Solrød)
	Fraværende: Mette Ravn (Odsherred), Søren Ørsted (Sorø)
	EOT
	test_cmp expect lines
'

test_expect_success '--format txt: the whole draft in the seeds form' '
	th referat 2027-03-05 --format txt >draft.txt &&
	cat >expect <<-\EOT &&
	REFERAT - Netværksgruppe Børn og Unge den 5. marts 2027 kl. 10.00-13.00

	Virtuelt møde i TEAMS

	Afbud: Bo Aagaard (Greve), Frederik Hald (Køge)

	Deltagere: Anne Mose Dahl (Faxe), Dennis Kragh (Holbæk), Lise Holm (Køge), Ulla Berg (Køge) for Frederik Hald, Tue Bilde (Region Sjælland)
	Samt under punkt 2 Gitte Fog (Aalborg Universitet) og under punkt 3 Hans Lind (KL)

	Referat: Jesper Vang (Solrød)

	Fraværende: Mette Ravn (Odsherred), Søren Ørsted (Sorø)

	Dagsorden og referat

	1. Velkommen og godkendelse af dagsorden



	2. Digitale løsninger & AI på børneområdet



	3. Nyt fra Rammeaftale Sjælland



	4. Eventuelt


	EOT
	test_cmp expect draft.txt &&
	# the lines that name no item guest are the very lines referat DATE prints
	failed= &&
	for label in Afbud Referat Fraværende; do
		grep "^$label: " lines >want && grep "^$label: " draft.txt >got && test_cmp want got ||
			failed="$failed $label"
	done &&
	test -z "$failed"
'

test_expect_success '-o FILE: the format from the name, the file written, nothing on stdout' '
	th referat 2027-03-05 -o draft2.txt >stdout 2>stderr &&
	test_cmp draft.txt draft2.txt &&
	test ! -s stdout &&
	grep -F "wrote '\''draft2.txt'\''" stderr
'

test_expect_success '--format md: plain Markdown' '
	th referat 2027-03-05 --format md >draft.md &&
	head -n 1 draft.md >first &&
	echo "# $HEADING" >expect && test_cmp expect first &&
	grep -Fx "**Afbud:** Bo Aagaard (Greve), Frederik Hald (Køge)" draft.md &&
	grep -Fx "Samt under punkt 2 Gitte Fog (Aalborg Universitet) og under punkt 3 Hans Lind (KL)" draft.md &&
	grep -Fx "**Fraværende:** Mette Ravn (Odsherred), Søren Ørsted (Sorø)" draft.md &&
	grep -Fx "## Dagsorden og referat" draft.md &&
	grep -Fx "### 2. Digitale løsninger \\& AI på børneområdet" draft.md &&
	test "$(grep -c "^### " draft.md)" = 4
'

test_expect_success '--format html: one self-contained page with the table, made for print' '
	th referat 2027-03-05 --format html >draft.html &&
	$PYTHON - draft.html <<-\PY
	import sys
	from html.parser import HTMLParser
	class P(HTMLParser):
	    def __init__(self):
	        super().__init__()
	        self.stack, self.rows, self.cell, self.cells, self.text = [], [], None, [], []
	        self.remote = []
	    def handle_starttag(self, tag, attrs):
	        a = dict(attrs)
	        if tag in ("script", "link", "img", "iframe") or "src" in a:
	            self.remote.append(tag)
	        if tag not in ("meta", "br"):
	            self.stack.append(tag)
	        if tag in ("td", "th"):
	            self.cell = ""
	    def handle_endtag(self, tag):
	        assert self.stack and self.stack[-1] == tag, (self.stack, tag)
	        self.stack.pop()
	        if tag in ("td", "th"):
	            self.cells.append(self.cell); self.cell = None
	        if tag == "tr":
	            self.rows.append(self.cells); self.cells = []
	    def handle_data(self, d):
	        if self.cell is not None:
	            self.cell += d
	        self.text.append(d)
	p = P()
	page = open(sys.argv[1], encoding="utf-8").read()
	p.feed(page); p.close()
	assert not p.stack, p.stack
	assert not p.remote, p.remote
	assert "@media print" in page and "@page" in page
	assert p.rows[0] == ["Dagsordenspunkt", "Referat"], p.rows[0]
	assert [r[0] for r in p.rows[1:]] == ["1. Velkommen og godkendelse af dagsorden",
	    "2. Digitale løsninger & AI på børneområdet", "3. Nyt fra Rammeaftale Sjælland", "4. Eventuelt"], p.rows
	assert all(r[1] == "" for r in p.rows[1:])
	text = "".join(p.text)
	for want in ("REFERAT - Netværksgruppe Børn og Unge den 5. marts 2027 kl. 10.00-13.00",
	             "Afbud: Bo Aagaard (Greve), Frederik Hald (Køge)",
	             "Samt under punkt 2 Gitte Fog (Aalborg Universitet) og under punkt 3 Hans Lind (KL)",
	             "Fraværende: Mette Ravn (Odsherred), Søren Ørsted (Sorø)"):
	    assert want in text, want
	PY
'

test_expect_success '--format html prints to PDF in headless Chromium (where installed)' '
	if ! command -v chromium >/dev/null; then
		say "skipped: chromium is not installed"
	else
		timeout 120 chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
			--user-data-dir="$TEST_TMP/chromium" --print-to-pdf="$TEST_TMP/html.pdf" \
			"file://$TEST_TMP/draft.html" >/dev/null 2>&1 &&
		head -c 5 html.pdf | grep -q "^%PDF-" &&
		test "$(wc -c <html.pdf)" -gt 5000
	fi
'

test_expect_success '--format docx: python-docx reads the heading, the lines and the table' '
	th referat 2027-03-05 -o draft.docx 2>/dev/null &&
	th referat 2027-03-05 --format docx >stdout.docx &&
	cmp draft.docx stdout.docx &&
	$PYTHON - draft.docx <<-\PY
	import sys, zipfile
	import docx
	z = zipfile.ZipFile(sys.argv[1])
	assert z.testzip() is None
	assert z.namelist()[0] == "[Content_Types].xml", z.namelist()
	d = docx.Document(sys.argv[1])
	paras = [p.text for p in d.paragraphs]
	assert paras[0] == "REFERAT - Netværksgruppe Børn og Unge den 5. marts 2027 kl. 10.00-13.00", paras
	assert d.paragraphs[0].style.name == "Title"
	assert paras[1] == "Virtuelt møde i TEAMS", paras
	assert paras[2] == "Afbud: Bo Aagaard (Greve), Frederik Hald (Køge)", paras
	assert paras[3] == ("Deltagere: Anne Mose Dahl (Faxe), Dennis Kragh (Holbæk), Lise Holm (Køge), Ulla Berg "
	    "(Køge) for Frederik Hald, Tue Bilde (Region Sjælland)\nSamt under punkt 2 Gitte Fog (Aalborg "
	    "Universitet) og under punkt 3 Hans Lind (KL)"), paras
	assert paras[4] == "Referat: Jesper Vang (Solrød)", paras
	assert paras[5] == "Fraværende: Mette Ravn (Odsherred), Søren Ørsted (Sorø)", paras
	assert d.paragraphs[2].runs[0].bold and d.paragraphs[2].runs[0].text == "Afbud: "
	assert len(d.tables) == 1
	t = d.tables[0]
	rows = [[c.text for c in r.cells] for r in t.rows]
	assert rows == [["Dagsordenspunkt", "Referat"], ["1. Velkommen og godkendelse af dagsorden", ""],
	    ["2. Digitale løsninger & AI på børneområdet", ""], ["3. Nyt fra Rammeaftale Sjælland", ""],
	    ["4. Eventuelt", ""]], rows
	s = d.sections[0]
	assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297), (s.page_width.mm, s.page_height.mm)
	PY
'

test_expect_success '--format docx converts with LibreOffice headless (where installed)' '
	lo=$(command -v soffice || command -v libreoffice || true)
	if [ -z "$lo" ]; then
		say "skipped: LibreOffice is not installed (not in install-deps: too large for CI)"
	else
		mkdir -p lo-home lo-out &&
		HOME=$TEST_TMP/lo-home timeout 300 "$lo" --headless --norestore \
			-env:UserInstallation=file://$TEST_TMP/lo-home/profile \
			--convert-to pdf --outdir lo-out draft.docx >lo.log 2>&1 &&
		head -c 5 lo-out/draft.pdf | grep -q "^%PDF-" &&
		HOME=$TEST_TMP/lo-home timeout 300 "$lo" --headless --norestore \
			-env:UserInstallation=file://$TEST_TMP/lo-home/profile \
			--convert-to "txt:Text (encoded):UTF8" --outdir lo-out draft.docx >>lo.log 2>&1 &&
		grep -F "$HEADING" lo-out/draft.txt &&
		grep -F "Samt under punkt 2 Gitte Fog (Aalborg Universitet)" lo-out/draft.txt &&
		grep -Fx "4. Eventuelt" lo-out/draft.txt
	fi
'

test_expect_success 'a physical meeting: the address, and the link host when it is not Teams' '
	th referat 2027-05-07 --format txt >may.txt &&
	sed -n 3p may.txt >got && echo "Adresse: Rådhuspladsen 1, 4700 Næstved" >expect && test_cmp expect got &&
	sed -i "s|^online_url = https://teams.microsoft.com/l/meetup-join/19%3amarts|online_url = https://meet.kommune.example/netvaerk|" "$GROUP_DIR/schedule.ini" &&
	th referat 2027-03-05 --format md >march.md &&
	grep -Fx "Virtuelt møde via meet.kommune.example" march.md &&
	write_schedule
'

test_expect_success 'refusals: an unknown format, a file name without a format, a date with no meeting' '
	test_expect_code 64 th referat 2027-03-05 --format pdf 2>err &&
	grep -F "use txt, md, html or docx" err &&
	test_expect_code 64 th referat 2027-03-05 -o referat.pdf 2>err &&
	grep -F "cannot tell the format of '\''referat.pdf'\''" err &&
	test ! -e referat.pdf &&
	test_expect_code 64 th referat --format md 2>err &&
	grep "^usage: tovholder referat DATE" err &&
	test_expect_code 65 th referat 2027-04-01 --format md 2>err
'

test_expect_success 'docx to a terminal is refused (script(1) gives the command one)' '
	if ! command -v script >/dev/null; then
		say "skipped: script(1) is not installed"
	else
		TOVHOLDER_NOW=$GROUP_NOW script -qec "\"$TOVHOLDER\" -c \"$GROUP_DIR/tovholder.conf\" referat 2027-03-05 --format docx" \
			/dev/null >tty.out </dev/null
		rc=$? &&
		test "$rc" = 64 &&
		grep -F "docx is not text: write it to a file with -o referat.docx" tty.out &&
		! grep -q "PK" tty.out
	fi
'

test_done
