#!/usr/bin/env bash
test_description='fravær and rapport: a year of four meetings counted against a hand-computed expectation; the CSV
is UTF-8 with BOM and ;, the HTML page renders in headless Chromium with the same numbers'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/g"

M1=2027-03-05 M2=2027-05-07 M3=2027-09-10 M4=2027-11-12

# The answers, by phone and by hand (meeting, address, answer, substitute). The expectation below is worked out
# from these by hand: present = tilsagn (no attendance recorded), a substitute counts for the organisation.
ANSWERS="
$M1 anne.dahl@faxe.example tilsagn
$M2 anne.dahl@faxe.example tilsagn
$M3 anne.dahl@faxe.example afbud
$M4 anne.dahl@faxe.example tilsagn
$M1 bo.aagaard@greve.example afbud Birte_Holm
$M2 bo.aagaard@greve.example tilsagn
$M3 bo.aagaard@greve.example tilsagn
$M4 bo.aagaard@greve.example afbud
$M1 dennis.kragh@holbaek.example tilsagn
$M2 dennis.kragh@holbaek.example tilsagn
$M3 dennis.kragh@holbaek.example tilsagn
$M4 dennis.kragh@holbaek.example tilsagn
$M1 frederik.hald@koege.example tilsagn
$M2 frederik.hald@koege.example afbud
$M3 frederik.hald@koege.example tilsagn
$M4 frederik.hald@koege.example afbud
$M1 lise.holm@koege.example afbud
$M2 lise.holm@koege.example afbud
$M3 lise.holm@koege.example tentativ
$M4 lise.holm@koege.example tilsagn
$M1 mette.ravn@odsherred.example tilsagn
$M1 jesper.vang@solroed.example tilsagn
$M2 jesper.vang@solroed.example tilsagn
$M3 jesper.vang@solroed.example tilsagn
$M4 jesper.vang@solroed.example tilsagn
$M2 tue.bilde@region.example tilsagn
"

# Per person, sorted by name: invited; present; of which by tilsagn; afbud; absent without afbud.
cat >want-people.csv <<'EOF'
Navn;Organisation;E-mail;Inviteret;Til stede;Heraf efter tilsagn (fremmøde ikke registreret);Afbud;Fravær uden afbud
Anne Mose Dahl;Faxe;anne.dahl@faxe.example;4;3;3;1;0
Bo Aagaard;Greve;bo.aagaard@greve.example;4;2;2;2;0
Dennis Kragh;Holbæk;dennis.kragh@holbaek.example;4;4;4;0;0
Frederik Hald;Køge;frederik.hald@koege.example;4;2;2;2;0
Jesper Vang;Solrød;jesper.vang@solroed.example;4;4;4;0;0
Lise Holm;Køge;lise.holm@koege.example;4;1;1;2;1
Mette Ravn;Odsherred;mette.ravn@odsherred.example;4;1;1;0;3
Søren Ørsted;Sorø;soeren.oersted@soroe.example;4;0;0;0;4
Tue Bilde;Region Sjælland;tue.bilde@region.example;1;1;1;0;0
EOF
# Per organisation, one count per meeting: Greve was there on 5 March through Bo's substitute; Køge sent afbud
# on 7 May (both of its people did); Sorø never came.
cat >want-orgs.csv <<'EOF'
Organisation;Kommune;Møder med deltagelse;Inviteret;Til stede;Heraf efter tilsagn (fremmøde ikke registreret);Afbud;Fravær uden afbud
Faxe;ja;3;4;3;3;1;0
Greve;ja;3;4;3;3;1;0
Holbæk;ja;4;4;4;4;0;0
Køge;ja;3;4;3;3;1;0
Odsherred;ja;1;4;1;1;0;3
Solrød;ja;4;4;4;4;0;0
Sorø;ja;0;4;0;0;0;4
Region Sjælland;nej;1;1;1;1;0;0
EOF
# Head counts: 5 March Anne, Birte Holm for Bo, Dennis, Frederik, Mette, Jesper; 7 May Anne, Bo, Dennis,
# Jesper and the guest Tue; 10 September Bo, Dennis, Frederik, Jesper; 12 November Anne, Dennis, Lise, Jesper.
cat >want-meetings.csv <<'EOF'
Dato;Dag;Sted;Deltagere inkl. gæster;Heraf gæster;Grundlag
2027-03-05;Fredag d. 5. marts;Virtuelt;6;0;tilsagn
2027-05-07;Fredag d. 7. maj;Rådhuspladsen 1, 4700 Næstved;5;1;tilsagn
2027-09-10;Fredag d. 10. september;Virtuelt;4;0;tilsagn
2027-11-12;Fredag d. 12. november;Virtuelt;4;0;tilsagn
EOF
cat >want-kommuner.csv <<'EOF'
Kommune;Region;Møder med deltagelse;Afholdte møder
Faxe;Region Sjælland;3;4
Greve;Region Sjælland;3;4
Holbæk;Region Sjælland;4;4
Køge;Region Sjælland;3;4
Odsherred;Region Sjælland;1;4
Solrød;Region Sjælland;4;4
Sorø;Region Sjælland;0;4
EOF
cat >want-planned.csv <<'EOF'
Dato;Dag;Tid;Sted
2028-03-03;Fredag d. 3. marts;10.00-13.00;Virtuelt
2028-05-05;Fredag d. 5. maj;10.00-13.00;Virtuelt
EOF

# csv_check FILE WANT: FILE is UTF-8 with BOM, CRLF lines, ';' separated, and (as Python's csv module reads
# it) the same table as WANT.
cat >csvcheck.py <<'EOF'
import csv, io, sys
raw = open(sys.argv[1], 'rb').read()
assert raw.startswith(b'\xef\xbb\xbf'), 'no UTF-8 BOM'
assert raw.endswith(b'\r\n') and raw.count(b'\n') == raw.count(b'\r\n'), 'lines do not all end in CRLF'
got = list(csv.reader(io.StringIO(raw.decode('utf-8-sig'), newline=''), delimiter=';'))
want = list(csv.reader(open(sys.argv[2], encoding='utf-8'), delimiter=';'))
if got != want:
    for row in got: print('got ', row)
    for row in want: print('want', row)
    sys.exit(1)
EOF
csv_check() {
	"$PYTHON" csvcheck.py "$1" "$2"
}

test_expect_success 'invitations out for the four meetings of 2027' '
	th send >send.out &&
	mailstack_wait_idle &&
	mailstack_wait_count soeren.oersted@soroe.example 4 &&
	mailstack_wait_count tue.bilde@region.example 1
'

test_expect_success 'the answers recorded by hand' '
	echo "$ANSWERS" | while read -r date who answer sub; do
		[ -n "$date" ] || continue
		if [ -n "$sub" ]; then
			th set "$date" "$who" "$answer" --stedfortræder "${sub//_/ }" >/dev/null || exit 1
		else
			th set "$date" "$who" "$answer" >/dev/null || exit 1
		fi
	done
'

test_expect_success 'the next year is planned in the schedule' '
	cat >>"$GROUP_DIR/schedule.ini" <<-EOF

	[2028-05-05]
	time = 10:00-13:00
	place = online
	agenda = Velkommen

	[2028-03-03]
	time = 10:00-13:00
	place = online
	agenda = Velkommen
	EOF
'

test_expect_success 'mid-September: three meetings held, the last not counted yet' '
	GROUP_NOW=2027-09-10T12:30:00Z th fravær 2027 >mid.out &&
	cat mid.out &&
	grep -x "Afholdte møder: 3" mid.out &&
	grep "^  Fredag d. 10. september  *til stede = tilsagn (fremmødet er ikke registreret)$" mid.out &&
	grep -x "1 møde i 2027 er endnu ikke afholdt og tæller ikke med." mid.out
'

test_expect_success 'fravær as text: the hand-computed rows, and which basis each meeting has' '
	GROUP_NOW=2028-01-14T09:00:00Z th fravær 2027 >text.out &&
	cat text.out &&
	grep -x "Fravær i 2027 — Netværksgruppe Børn og Unge" text.out &&
	grep -x "Afholdte møder: 4" text.out &&
	test "$(grep -c "til stede = tilsagn (fremmødet er ikke registreret)" text.out)" = 4 &&
	grep -E "^  Lise Holm \(Køge\) +4 +1 +1 +2 +1$" text.out &&
	grep -E "^  Søren Ørsted \(Sorø\) +4 +0 +0 +0 +4$" text.out &&
	grep -E "^  Greve +4 +3 +3 +1 +0$" text.out &&
	grep -E "^  Sorø +4 +0 +0 +0 +4$" text.out
'

test_expect_success 'the default year is the current one; fravaer is the same command' '
	GROUP_NOW=2027-12-01T09:00:00Z th fravær >now.out &&
	GROUP_NOW=2027-12-01T09:00:00Z th fravaer >now-ascii.out &&
	test_cmp now.out now-ascii.out &&
	grep -x "Fravær i 2027 — Netværksgruppe Børn og Unge" now.out &&
	GROUP_NOW=2028-01-14T09:00:00Z th fravær >next.out &&
	grep -x "Fravær i 2028 — Netværksgruppe Børn og Unge" next.out &&
	grep "Der er ikke afholdt møder i 2028" next.out
'

test_expect_success 'fravær --csv: people and organisations equal the expectation, for Excel' '
	GROUP_NOW=2028-01-14T09:00:00Z th fravær 2027 --csv >people.csv &&
	csv_check people.csv want-people.csv &&
	GROUP_NOW=2028-01-14T09:00:00Z th fravaer 2027 --csv --organisationer -o orgs.csv &&
	csv_check orgs.csv want-orgs.csv
'

test_expect_success 'fravær --sorter fravær: most absent without afbud first' '
	GROUP_NOW=2028-01-14T09:00:00Z th fravær 2027 --csv --sorter fravær >by-absence.csv &&
	"$PYTHON" -c "
import csv, io, sys
rows = list(csv.reader(io.StringIO(open(\"by-absence.csv\", encoding=\"utf-8-sig\").read()), delimiter=\";\"))
got = [r[2].split(\"@\")[0] for r in rows[1:]]
want = \"soeren.oersted mette.ravn lise.holm bo.aagaard frederik.hald anne.dahl dennis.kragh jesper.vang tue.bilde\".split()
print(got); sys.exit(got != want)" &&
	GROUP_NOW=2028-01-14T09:00:00Z th fravær 2027 --sorter organisation >by-org.out &&
	sed -n "/^  Pr. person/,/^\$/p" by-org.out | sed -n "s/^  \([^(]*\) (.*/\1/p" >by-org.names &&
	printf "%s\n" "Anne Mose Dahl" "Bo Aagaard" "Dennis Kragh" "Frederik Hald" "Lise Holm" "Mette Ravn" \
		"Jesper Vang" "Søren Ørsted" "Tue Bilde" >by-org.want &&
	test_cmp by-org.want by-org.names &&
	test_expect_code 64 th fravær 2027 --sorter alder &&
	test_expect_code 64 th fravær 27
'

test_expect_success 'rapport 2027 -o DIR: the page and the CSV files' '
	GROUP_NOW=2028-01-14T09:00:00Z th rapport 2027 -o out >rapport.out &&
	cat rapport.out &&
	for f in rapport-2027.html rapport-2027-moeder.csv rapport-2027-kommuner.csv \
		rapport-2027-organisationer.csv rapport-2027-planlagte-moeder.csv; do
		grep -qx "out/$f" rapport.out && test -s "out/$f" || exit 1
	done &&
	csv_check out/rapport-2027-moeder.csv want-meetings.csv &&
	csv_check out/rapport-2027-kommuner.csv want-kommuner.csv &&
	csv_check out/rapport-2027-organisationer.csv want-orgs.csv &&
	csv_check out/rapport-2027-planlagte-moeder.csv want-planned.csv &&
	test_expect_code 64 th rapport
'

# The page read back with html.parser: every number a reader sees must equal the record.
cat >pagecheck.py <<'EOF'
import sys
from html.parser import HTMLParser

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.tables, self.lists, self.bars, self.paras, self.text = [], {}, {}, {}, [], []
        self.table = self.list = None
        self.cell = self.row = None
        self.external = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ('src', 'href'):
            if k in a: self.external.append((tag, a[k]))
        if tag in ('link', 'script', 'img', 'iframe', 'object'): self.external.append((tag, a))
        if tag == 'table': self.table = self.tables.setdefault(a.get('id'), [])
        elif tag == 'tr' and self.table is not None: self.row = []; self.table.append(self.row)
        elif tag in ('td', 'th') and self.row is not None: self.cell = []
        elif tag == 'ul': self.list = self.lists.setdefault(a.get('id'), [])
        elif tag == 'li' and self.list is not None: self.cell = []
        elif tag == 'p': self.cell = []
        elif tag == 'g' and 'data-kommune' in a: self.bars[a['data-kommune']] = int(a['data-moeder'])
    def handle_endtag(self, tag):
        if tag in ('td', 'th') and self.row is not None: self.row.append(''.join(self.cell).strip()); self.cell = None
        elif tag == 'li' and self.list is not None: self.list.append(''.join(self.cell).strip()); self.cell = None
        elif tag == 'p' and self.cell is not None: self.paras.append(' '.join(''.join(self.cell).split())); self.cell = None
        elif tag == 'table': self.table = None; self.row = None
        elif tag == 'ul': self.list = None
    def handle_data(self, data):
        if self.cell is not None: self.cell.append(data)
        self.text.append(data)

p = Page()
p.feed(open(sys.argv[1], encoding='utf-8').read())
fails = []
def want(what, got, exp):
    if got != exp: fails.append('%s: got %r, want %r' % (what, got, exp))

want('external resources', p.external, [])
phase = sys.argv[2]
if phase == 'answers':
    heads = [('6', '0'), ('5', '1'), ('4', '0'), ('4', '0')]
    kommuner = {'Faxe': 3, 'Greve': 3, 'Holbæk': 4, 'Køge': 3, 'Odsherred': 1, 'Solrød': 4, 'Sorø': 0}
    basis = 'Fremmødet er ikke registreret: deltagerne er talt ud fra tilsagn til møderne.'
else:
    heads = [('6', '0'), ('5', '1'), ('4', '0'), ('6', '1')]
    kommuner = {'Faxe': 3, 'Greve': 3, 'Holbæk': 3, 'Køge': 3, 'Odsherred': 2, 'Solrød': 4, 'Sorø': 0}
    basis = ('Deltagerne er talt ud fra det registrerede fremmøde ved 7. maj og 12. november og ud fra tilsagn '
             'ved 5. marts og 10. september, hvor fremmødet ikke er registreret.')
days = ['Fredag d. 5. marts', 'Fredag d. 7. maj', 'Fredag d. 10. september', 'Fredag d. 12. november']
want('meeting list', p.lists.get('moedeliste'),
     ['%s (%s deltagere%s)' % (d, h, ' inkl. gæster' if g != '0' else '') for d, (h, g) in zip(days, heads)])
want('meeting table', [tuple(r[2:4]) for r in p.tables.get('moeder', [])[1:]], heads)
want('meeting places', [r[1] for r in p.tables.get('moeder', [])[1:]],
     ['Virtuelt', 'Rådhuspladsen 1, 4700 Næstved', 'Virtuelt', 'Virtuelt'])
want('chart', p.bars, kommuner)
want('chart order', list(p.bars), list(kommuner))
want('kommune table', {r[0]: int(r[1]) for r in p.tables.get('kommuner', [])[1:]}, kommuner)
want('planned', p.lists.get('planlagte'), ['Fredag d. 3. marts kl. 10.00-13.00', 'Fredag d. 5. maj kl. 10.00-13.00'])
for sentence in ['Der er afholdt 4 møder i 2027:',
                 'Region Sjælland har været repræsenteret ved 1 af de 4 møder i 2027.',
                 'Alle møder afholdes som udgangspunkt virtuelt.']:
    if sentence not in p.paras: fails.append('no paragraph %r in %r' % (sentence, p.paras))
for part in ['7 kommuner er med i netværket (7 af de 17 kommuner i Region Sjælland).',
             '3 af møderne i 2027 er blevet afholdt virtuelt, 1 med fysisk fremmøde.',
             basis,
             'Udarbejdet af tovholder den 14. januar 2028']:
    if not any(part in q for q in p.paras): fails.append('no %r in %r' % (part, p.paras))
for f in fails: print(f)
sys.exit(1 if fails else 0)
EOF

test_expect_success 'the page: its numbers equal the record, nothing external, and it says why there is no map' '
	"$PYTHON" pagecheck.py out/rapport-2027.html answers &&
	grep -q "<h2>Møder i netværket i 2027</h2>" out/rapport-2027.html &&
	grep -q "<!-- Intet kort: " out/rapport-2027.html
'

# The screenshot is not blank: many colours, enough ink, and the bars' own colour present.
cat >shotcheck.py <<'EOF'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert('RGB')
px = list(im.getdata())
colours = len(set(px))
ink = sum(1 for r, g, b in px if r + g + b < 600) / len(px)
bars = sum(1 for c in px if c == (0x2f, 0x6f, 0x8f))
print('size %dx%d, %d colours, %.1f%% ink, %d bar pixels' % (im.width, im.height, colours, 100 * ink, bars))
sys.exit(0 if colours >= 20 and ink >= 0.01 and bars >= 500 else 1)
EOF

test_expect_success 'the page renders in headless Chromium (screenshot not blank, bars drawn)' '
	profile=$(mktemp -d) &&
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --screenshot="$TEST_TMP/shot.png" --window-size=1200,1600 \
		"file://$TEST_TMP/out/rapport-2027.html" >chromium.log 2>&1;
	rm -rf "$profile";
	test -s shot.png || { cat chromium.log; false; } &&
	"$PYTHON" shotcheck.py shot.png &&
	if [ -n "${T6200_KEEP_SHOT:-}" ]; then cp shot.png "$T6200_KEEP_SHOT"; fi
'

# Now who was actually there. 7 May, in a room, by hand: Mette came without answering, Dennis accepted but
# did not come. 12 November, a Teams report: Frederik (by name only) came after all despite his afbud, Lise
# accepted but is not in the report, the organizer and a guest from outside the roster were there.
printf '%s\r\n' \
	'1. Summary,,,,,,,' \
	'Meeting title,Netværksgruppe Børn og Unge,,,,,,' \
	'Attended participants,6,,,,,,' \
	'Start time,"12/11/2027, 08:58:00",,,,,,' \
	'End time,"12/11/2027, 12:01:00",,,,,,' \
	',,,,,,,' \
	'2. Participants,,,,,,,' \
	'Name,First join (UTC),Last leave (UTC),In-meeting duration,Email,Participant ID (UPN),Role,Engagement: Camera On' \
	'Karin Lund,"12/11/2027, 08:58:00","12/11/2027, 12:01:00",3h 3m,tovholder@netvaerk.example,tovholder@netvaerk.example,Organizer,1' \
	'"Dahl, Anne Mose","12/11/2027, 08:59:30","12/11/2027, 12:00:05",3h 35s,anne.dahl@faxe.example,anne.dahl@faxe.example,Presenter,1' \
	'Dennis Kragh,"12/11/2027, 09:01:00","12/11/2027, 12:00:00",2h 59m,dennis.kragh@holbaek.example,dennis.kragh@holbaek.example,Attendee,0' \
	'"Hald, Frederik","12/11/2027, 09:05:00","12/11/2027, 12:00:00",2h 55m,,,Attendee,0' \
	'Jesper Vang,"12/11/2027, 08:59:00","12/11/2027, 12:00:00",3h 1m,jesper.vang@solroed.example,jesper.vang@solroed.example,Attendee,1' \
	'Gitte Gæst (External),"12/11/2027, 10:00:00","12/11/2027, 10:45:00",45m,gitte@tilsyn.example,,Attendee,0' \
	>teams-november.csv

cat >want-people-2.csv <<'EOF'
Navn;Organisation;E-mail;Inviteret;Til stede;Heraf efter tilsagn (fremmøde ikke registreret);Afbud;Fravær uden afbud
Anne Mose Dahl;Faxe;anne.dahl@faxe.example;4;3;1;1;0
Bo Aagaard;Greve;bo.aagaard@greve.example;4;2;1;2;0
Dennis Kragh;Holbæk;dennis.kragh@holbaek.example;4;3;2;0;1
Frederik Hald;Køge;frederik.hald@koege.example;4;3;2;1;0
Jesper Vang;Solrød;jesper.vang@solroed.example;4;4;2;0;0
Lise Holm;Køge;lise.holm@koege.example;4;0;0;2;2
Mette Ravn;Odsherred;mette.ravn@odsherred.example;4;2;1;0;2
Søren Ørsted;Sorø;soeren.oersted@soroe.example;4;0;0;0;4
Tue Bilde;Region Sjælland;tue.bilde@region.example;1;1;0;0;0
EOF
cat >want-orgs-2.csv <<'EOF'
Organisation;Kommune;Møder med deltagelse;Inviteret;Til stede;Heraf efter tilsagn (fremmøde ikke registreret);Afbud;Fravær uden afbud
Faxe;ja;3;4;3;1;1;0
Greve;ja;3;4;3;2;1;0
Holbæk;ja;3;4;3;2;0;1
Køge;ja;3;4;3;2;1;0
Odsherred;ja;2;4;2;1;0;2
Solrød;ja;4;4;4;2;0;0
Sorø;ja;0;4;0;0;0;4
Region Sjælland;nej;1;1;1;0;0;0
EOF
# 12 November: Anne, Dennis, Frederik, Jesper, the organizer and the guest Gitte.
cat >want-meetings-2.csv <<'EOF'
Dato;Dag;Sted;Deltagere inkl. gæster;Heraf gæster;Grundlag
2027-03-05;Fredag d. 5. marts;Virtuelt;6;0;tilsagn
2027-05-07;Fredag d. 7. maj;Rådhuspladsen 1, 4700 Næstved;5;1;registreret fremmøde
2027-09-10;Fredag d. 10. september;Virtuelt;4;0;tilsagn
2027-11-12;Fredag d. 12. november;Virtuelt;6;1;registreret fremmøde
EOF

test_expect_success 'attendance recorded: 7 May by hand, 12 November from the Teams report' '
	GROUP_NOW=2027-05-07T12:30:00Z th fremmøde 2027-05-07 \
		--til-stede anne.dahl@faxe.example bo.aagaard@greve.example jesper.vang@solroed.example \
			tue.bilde@region.example mette.ravn@odsherred.example \
		--fraværende dennis.kragh@holbaek.example >may.out &&
	GROUP_NOW=2027-11-12T12:30:00Z th fremmøde 2027-11-12 --teams teams-november.csv >november.out &&
	cat november.out
'

test_expect_success 'fravær counts confirmed attendance where recorded, tilsagn elsewhere, and says which' '
	GROUP_NOW=2028-01-14T09:00:00Z th fravær 2027 >text-2.out &&
	cat text-2.out &&
	grep "^  Fredag d. 7. maj  *til stede = registreret fremmøde$" text-2.out &&
	grep "^  Fredag d. 12. november  *til stede = registreret fremmøde$" text-2.out &&
	grep "^  Fredag d. 10. september  *til stede = tilsagn (fremmødet er ikke registreret)$" text-2.out &&
	GROUP_NOW=2028-01-14T09:00:00Z th fravær 2027 --csv >people-2.csv &&
	csv_check people-2.csv want-people-2.csv &&
	GROUP_NOW=2028-01-14T09:00:00Z th fravær 2027 --csv --organisationer >orgs-2.csv &&
	csv_check orgs-2.csv want-orgs-2.csv
'

test_expect_success 'rapport with confirmed attendance: head counts with the organizer and the guest' '
	GROUP_NOW=2028-01-14T09:00:00Z th rapport 2027 -o out2 >/dev/null &&
	csv_check out2/rapport-2027-moeder.csv want-meetings-2.csv &&
	csv_check out2/rapport-2027-organisationer.csv want-orgs-2.csv &&
	"$PYTHON" pagecheck.py out2/rapport-2027.html confirmed
'

test_done
