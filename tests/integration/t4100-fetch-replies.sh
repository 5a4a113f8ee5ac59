#!/usr/bin/env bash
test_description='fetch: replies from every client family, Danish afbud mails, automatic mail, bounces and forgeries'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/g"
for n in $(seq 1 16); do
	group_member "Ekstra Medlem $n;Stevns;ekstra$n@stevns.example;medlem"
done
ORGANIZER=tovholder@netvaerk.example
DB=$GROUP_DIR/state.db

# fixture NAME ATTENDEE [DATE] — writes the fixture as a reply from ATTENDEE to our invitation for DATE
# (default 2027-03-05), and delivers it to the organizer's inbox through Postfix.
fixture() {
	group_fixture "$@" && mailstack_inject "$TEST_TMP/fx/$1.eml" "$ORGANIZER"
}

expect_state() {
	local email=$1 want=$2 line
	line=$(th status 2027-03-05 | grep -F "$(sqlite3 "$DB" "SELECT name FROM invitation WHERE email = '$email' LIMIT 1") (")
	case "$line" in
	*"$want"*) return 0 ;;
	*) echo "$email: expected '$want', got: $line"; return 1 ;;
	esac
}

test_expect_success 'invitations out' '
	th send >/dev/null &&
	mailstack_wait_idle
'

test_expect_success 'replies of every kind arrive in the organizer inbox' '
	fixture outlook-exchange-accept anne.dahl@faxe.example &&
	fixture outlook-exchange-decline bo.aagaard@greve.example &&
	fixture google-accept dennis.kragh@holbaek.example &&
	fixture google-counter frederik.hald@koege.example &&
	fixture apple-ical-accept lise.holm@koege.example &&
	fixture ios-tentative mette.ravn@odsherred.example &&
	fixture android-decline soeren.oersted@soroe.example &&
	fixture thunderbird-accept ekstra1@stevns.example &&
	fixture evolution-accept ekstra2@stevns.example &&
	fixture outlook-mac-decline ekstra3@stevns.example &&
	fixture nextcloud-accept ekstra4@stevns.example &&
	fixture afbud-outlook-quoted ekstra5@stevns.example &&
	fixture afbud-html-only ekstra6@stevns.example &&
	fixture afbud-cp1252-base64 ekstra7@stevns.example &&
	fixture tilsagn-plain ekstra8@stevns.example &&
	fixture stedfortraeder ekstra9@stevns.example &&
	fixture autoreply-outlook ekstra10@stevns.example &&
	fixture autoreply-precedence ekstra11@stevns.example &&
	fixture dsn-bounce ekstra12@stevns.example &&
	fixture tnef-only ekstra13@stevns.example &&
	fixture forged-attendee ekstra14@stevns.example &&
	fixture truncated ekstra15@stevns.example &&
	fixture unrelated-newsletter ekstra16@stevns.example &&
	fixture unrelated-colleague ekstra16@stevns.example &&
	mailstack_wait_count $ORGANIZER 24
'

test_expect_success 'fetch reads them all' '
	th fetch >out 2>err &&
	cat out &&
	grep "^15 answers, 2 automatic replies, 1 bounce, 0 resent, 4 for review, 2 not ours$" out
'

test_expect_success 'calendar answers from Outlook, Google, Apple, iOS, Android, Thunderbird, Evolution, Nextcloud' '
	expect_state anne.dahl@faxe.example "tilsagn        kalender" &&
	expect_state bo.aagaard@greve.example "afbud          kalender" &&
	expect_state dennis.kragh@holbaek.example "tilsagn        kalender" &&
	expect_state lise.holm@koege.example "tilsagn        kalender" &&
	expect_state mette.ravn@odsherred.example "tentativ       kalender" &&
	expect_state soeren.oersted@soroe.example "afbud          kalender" &&
	expect_state ekstra1@stevns.example "tilsagn        kalender" &&
	expect_state ekstra2@stevns.example "tilsagn        kalender" &&
	expect_state ekstra3@stevns.example "afbud          kalender" &&
	expect_state ekstra4@stevns.example "tilsagn        kalender"
'

test_expect_success 'Danish free-text mails: afbud, acceptance, a substitute' '
	expect_state ekstra5@stevns.example "afbud          mail" &&
	expect_state ekstra6@stevns.example "afbud          mail" &&
	expect_state ekstra7@stevns.example "afbud          mail" &&
	expect_state ekstra8@stevns.example "tilsagn        mail" &&
	expect_state ekstra9@stevns.example "stedfortræder: Ulrik Hedegaard"
'

test_expect_success 'automatic replies are autosvar, not afbud; a bounce marks the address' '
	expect_state ekstra10@stevns.example "autosvar" &&
	expect_state ekstra11@stevns.example "autosvar" &&
	expect_state ekstra12@stevns.example "adresse afvist"
'

test_expect_success 'COUNTER, TNEF, a forged ATTENDEE and a truncated mail change nothing and wait for review' '
	expect_state frederik.hald@koege.example "ikke svaret" &&
	expect_state ekstra13@stevns.example "ikke svaret" &&
	expect_state ekstra14@stevns.example "ikke svaret" &&
	expect_state ekstra15@stevns.example "ikke svaret" &&
	th review >rev &&
	cat rev &&
	grep "proposes a new time" rev &&
	grep "winmail.dat" rev &&
	grep "possible forgery" rev &&
	test $(grep -c "^ *[0-9]\+  " rev) = 4 &&
	th status 2027-03-05 | grep "4 mails venter på gennemsyn"
'

test_expect_success 'folders: handled mail moved, review mail moved, other mail untouched and unread; nothing lost' '
	test "$(mailstack_count $ORGANIZER "Tovholder/Behandlet")" = 18 &&
	test "$(mailstack_count $ORGANIZER "Tovholder/Til gennemsyn")" = 4 &&
	test "$(mailstack_count $ORGANIZER)" = 2 &&
	inbox=$(maildir_of $ORGANIZER) &&
	test -z "$(ls "$inbox/cur" 2>/dev/null | grep ":2,.*S")"
'

test_expect_success 'a second fetch changes nothing' '
	th status 2027-03-05 >before &&
	th fetch >out &&
	grep "no new mail" out &&
	th status 2027-03-05 >after &&
	test_cmp before after
'

test_expect_success 'newest wins: an older reply changes nothing, a newer one does' '
	FX_DTSTAMP=20261201T080000Z FX_DATE="Tue, 01 Dec 2026 09:00:00 +0100" \
		fixture outlook-exchange-decline anne.dahl@faxe.example &&
	mailstack_wait_count $ORGANIZER 3 &&
	th fetch &&
	expect_state anne.dahl@faxe.example "tilsagn        kalender" &&
	FX_DTSTAMP=20261203T080000Z FX_DATE="Thu, 03 Dec 2026 09:00:00 +0100" \
		fixture outlook-exchange-decline anne.dahl@faxe.example &&
	mailstack_wait_count $ORGANIZER 3 &&
	th fetch &&
	expect_state anne.dahl@faxe.example "afbud          kalender"
'

test_expect_success 'set records a phone call; it wins until a newer reply arrives' '
	GROUP_NOW=2026-12-04T09:00:00Z th set 2027-03-05 frederik.hald@koege.example afbud --note "ringede" &&
	expect_state frederik.hald@koege.example "afbud          manuel" &&
	FX_DTSTAMP=20261203T080000Z fixture google-accept frederik.hald@koege.example &&
	mailstack_wait_count $ORGANIZER 3 &&
	th fetch &&
	expect_state frederik.hald@koege.example "afbud          manuel" &&
	test_must_fail th set 2027-03-05 ukendt@andet.example afbud 2>err &&
	grep "not invited" err
'

test_expect_success 'REFRESH: the invitation is sent again, to that person only' '
	uid=$(sqlite3 "$DB" "SELECT uid FROM meeting WHERE date = '\''2027-03-05'\''") &&
	before=$(mailstack_count ekstra2@stevns.example) &&
	printf "%s\r\n" "From: Ekstra Medlem 2 <ekstra2@stevns.example>" "To: Karin Lund <$ORGANIZER>" \
		"Subject: Refresh" "Date: Thu, 03 Dec 2026 12:00:00 +0100" "Message-ID: <refresh-1@stevns.example>" \
		"MIME-Version: 1.0" "Content-Type: text/calendar; charset=UTF-8; method=REFRESH" "" \
		"BEGIN:VCALENDAR" "VERSION:2.0" "PRODID:-//Eksempel//DA" "METHOD:REFRESH" "BEGIN:VEVENT" \
		"UID:$uid" "DTSTAMP:20261203T110000Z" "ORGANIZER:mailto:$ORGANIZER" \
		"ATTENDEE:mailto:ekstra2@stevns.example" "END:VEVENT" "END:VCALENDAR" >refresh.eml &&
	mailstack_inject refresh.eml $ORGANIZER &&
	mailstack_wait_count $ORGANIZER 3 &&
	th fetch >out &&
	grep " 1 resent," out &&
	mailstack_wait_count ekstra2@stevns.example $((before + 1)) &&
	mail_summary ekstra2@stevns.example | tail -n 1 >last &&
	grep " method=REQUEST " last &&
	grep " uid=$uid " last
'

test_expect_success 'referat: the attendance lines in the seeds form' '
	th referat 2027-03-05 >ref &&
	cat >expect <<-\EOT &&
	Afbud: Anne Mose Dahl (Faxe), Bo Aagaard (Greve), Frederik Hald (Køge), Søren Ørsted (Sorø), Ekstra Medlem 3, Ekstra Medlem 5, Ekstra Medlem 6, Ekstra Medlem 7 og Ekstra Medlem 9 (Stevns)
	Deltagere: Dennis Kragh (Holbæk), Lise Holm (Køge), Ekstra Medlem 1, Ekstra Medlem 2, Ekstra Medlem 4 og Ekstra Medlem 8 (Stevns), Ulrik Hedegaard (Stevns) for Ekstra Medlem 9
	Referat: Jesper Vang (Solrød)
	Måske: Mette Ravn (Odsherred)
	Ikke svaret: Ekstra Medlem 10, Ekstra Medlem 11, Ekstra Medlem 12, Ekstra Medlem 13, Ekstra Medlem 14, Ekstra Medlem 15 og Ekstra Medlem 16 (Stevns)
	EOT
	test_cmp expect ref
'

test_done
