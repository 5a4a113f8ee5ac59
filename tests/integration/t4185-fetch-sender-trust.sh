#!/usr/bin/env bash
test_description='fetch: who may change an answer — the single From address, confirmed by the organizer'\''s own mail service'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

# The receiving service: Postfix itself adds Authentication-Results on top of chosen senders' mail, keyed by
# the envelope sender, as a server with OpenDKIM/OpenDMARC (or Exchange Online, or Gmail) does. A header the
# sender wrote into the mail stays below it. Three services' shapes: ours (authserv-id mx.test.example),
# Exchange Online's (no authserv-id; learn.microsoft.com "Anti-spam message headers") and Google's.
AR="PREPEND Authentication-Results:"
chmod o+x "$TEST_TMP"
cat >"$TEST_TMP/sender_access" <<EOF
anne.dahl@faxe.example	$AR mx.test.example; spf=pass smtp.mailfrom=anne.dahl@faxe.example; dkim=pass (2048-bit key; unprotected) header.d=faxe.example header.i=@faxe.example; dmarc=pass (p=reject dis=none) header.from=faxe.example
spoof@angriber.example	$AR mx.test.example; spf=pass smtp.mailfrom=spoof@angriber.example; dkim=none; dmarc=fail (p=reject dis=none) header.from=faxe.example
invitations-noreply@sky.borger.example	$AR mx.test.example; spf=pass smtp.mailfrom=invitations-noreply@sky.borger.example; dmarc=pass (p=none dis=none) header.from=sky.borger.example
lise.holm@koege.example	$AR spf=pass (sender IP is 192.0.2.20) smtp.mailfrom=koege.example; dkim=pass (signature was verified) header.d=koege.example;dmarc=pass action=none header.from=koege.example;compauth=pass reason=100
spoof-ms@angriber.example	$AR spf=pass (sender IP is 192.0.2.66) smtp.mailfrom=angriber.example; dkim=none (message not signed) header.d=none;dmarc=fail action=oreject header.from=koege.example;compauth=fail reason=000
dennis.kragh@holbaek.example	$AR mx.google.com; dkim=pass header.i=@holbaek.example header.s=sel1 header.b=Ab12Cd34; spf=pass (google.com: domain of dennis.kragh@holbaek.example designates 192.0.2.30 as permitted sender) smtp.mailfrom=dennis.kragh@holbaek.example; dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=holbaek.example
spoof-g@angriber.example	$AR mx.google.com; spf=pass (google.com: domain of spoof-g@angriber.example designates 192.0.2.66 as permitted sender) smtp.mailfrom=spoof-g@angriber.example; dmarc=fail (p=QUARANTINE sp=QUARANTINE dis=QUARANTINE) header.from=holbaek.example
EOF
chmod 644 "$TEST_TMP/sender_access"
MS_SENDER_ACCESS=$TEST_TMP/sender_access mailstack_start
group_write "$TEST_TMP/g"
# after every DTSTAMP below, so "newest" is judged on them alone
GROUP_NOW=2026-12-05T12:00:00Z
group_member "Ekstra Medlem 1;Stevns;ekstra1@stevns.example;medlem"
ORGANIZER=tovholder@netvaerk.example
DB=$GROUP_DIR/state.db
ATTACKER="Mallory <mallory@angriber.example>"

fixture() { group_fixture "$@"; }

# forge IN OUT HEADER… — IN with its From, Reply-To and Sender fields replaced by the HEADERs, on top.
forge() {
	/usr/bin/python3 - "$@" <<-'EOF'
	import re, sys
	src, out, new = sys.argv[1], sys.argv[2], sys.argv[3:]
	head, body = open(src, "rb").read().split(b"\r\n\r\n", 1)
	keep = [l for l in re.split(rb"\r\n(?![ \t])", head) if not re.match(rb"(?i)(from|reply-to|sender):", l)]
	open(out, "wb").write(b"\r\n".join([h.encode() for h in new] + keep) + b"\r\n\r\n" + body)
	EOF
}

# deliver FILE [ENVELOPE-SENDER] — into the organizer's inbox through Postfix, with a Message-ID of its own
# (a review item is kept once per Message-ID, and the fixtures reuse theirs).
DELIVERED=0
deliver() {
	DELIVERED=$((DELIVERED + 1))
	sed -i "s/^Message-ID: <[^>]*>/Message-ID: <t4185-$DELIVERED@test.example>/I" "$1" &&
	mailstack_inject "$1" "$ORGANIZER" "${2:-}"
}

expect_state() {
	local email=$1 want=$2 line
	line=$(th status 2027-03-05 | grep -F "$(sqlite3 "$DB" "SELECT name FROM invitation WHERE email = '$email' LIMIT 1") (")
	case "$line" in
	*"$want"*) return 0 ;;
	*) echo "$email: expected '$want', got: $line"; return 1 ;;
	esac
}

# fetch_expect "N answers" "N for review" — one fetch, and what it says.
fetch_expect() {
	th fetch >out 2>err &&
	cat out &&
	grep "^$1, .* $2, " out
}

set_imap() {
	sed -i "/^authserv_id =/d; /^trusted_relays =/d" "$GROUP_DIR/tovholder.conf" &&
	for line in "$@"; do echo "$line" >>"$GROUP_DIR/tovholder.conf"; done
}

test_expect_success 'invitations out; genuine answers from Anne and Bo' '
	th send >/dev/null &&
	mailstack_wait_idle &&
	fixture outlook-exchange-accept anne.dahl@faxe.example &&
	deliver fx/outlook-exchange-accept.eml &&
	fixture tilsagn-plain bo.aagaard@greve.example &&
	deliver fx/tilsagn-plain.eml &&
	th check --online >out &&
	cat out &&
	grep "^senders: the newest mails carry Authentication-Results from .mx.test.example.: if that is your mail server, set \[imap\] authserv_id to that name" out &&
	fetch_expect "2 answers" "0 for review" &&
	expect_state anne.dahl@faxe.example "tilsagn        kalender" &&
	expect_state bo.aagaard@greve.example "tilsagn        mail"
'

test_expect_success 'no mail service named: check and status say plainly that From can be forged' '
	th check >out &&
	grep "^senders: From alone decides .* From can be forged" out &&
	th status 2027-03-05 >out &&
	grep "^Bemærk: .*From-adresse, og den kan forfalskes" out
'

test_expect_success 'Reply-To = member, From = attacker: a calendar DECLINED goes to review, the answer stays' '
	fixture outlook-exchange-decline anne.dahl@faxe.example &&
	forge fx/outlook-exchange-decline.eml replyto.eml "From: $ATTACKER" "Reply-To: Anne Mose Dahl <anne.dahl@faxe.example>" &&
	deliver replyto.eml &&
	fetch_expect "0 answers" "1 for review" &&
	expect_state anne.dahl@faxe.example "tilsagn        kalender" &&
	th review >rev &&
	grep "afsenderen kunne ikke bekræftes: svaret gælder anne.dahl@faxe.example, men er sendt fra mallory@angriber.example (Reply-To alene er ikke nok)" rev
'

test_expect_success 'Reply-To = member, From = attacker: a Danish afbud with a substitute goes to review' '
	printf "%s\r\n" "From: $ATTACKER" "Reply-To: Bo Aagaard <bo.aagaard@greve.example>" \
		"To: Karin Lund <$ORGANIZER>" "Subject: SV: =?utf-8?q?Netv=C3=A6rksgruppe_B=C3=B8rn_og_Unge?=" \
		"Date: Thu, 03 Dec 2026 09:00:00 +0100" "Message-ID: <afbud-forged-1@angriber.example>" \
		"MIME-Version: 1.0" "Content-Type: text/plain; charset=utf-8" "Content-Transfer-Encoding: 8bit" "" \
		"Hej Karin" "" \
		"Jeg må desværre melde afbud den 5. marts, men min kollega Ulrik Hedegaard deltager i stedet." "" \
		"Mvh Bo" >afbud.eml &&
	deliver afbud.eml &&
	fetch_expect "0 answers" "1 for review" &&
	expect_state bo.aagaard@greve.example "tilsagn        mail" &&
	! th status 2027-03-05 | grep "Ulrik Hedegaard" &&
	th review | grep "svaret gælder bo.aagaard@greve.example, men er sendt fra mallory@angriber.example"
'

test_expect_success 'two From fields, and From: member, attacker — review, the answer stays' '
	fixture outlook-exchange-decline anne.dahl@faxe.example &&
	forge fx/outlook-exchange-decline.eml two-from.eml "From: Anne Mose Dahl <anne.dahl@faxe.example>" \
		"From: $ATTACKER" &&
	deliver two-from.eml &&
	forge fx/outlook-exchange-decline.eml from-list.eml "From: Anne Mose Dahl <anne.dahl@faxe.example>, $ATTACKER" &&
	deliver from-list.eml &&
	fetch_expect "0 answers" "2 for review" &&
	expect_state anne.dahl@faxe.example "tilsagn        kalender" &&
	th review >rev &&
	grep "afsenderen kunne ikke bekræftes: mailen har 2 From-felter" rev &&
	grep "afsenderen kunne ikke bekræftes: From nævner 2 adresser$" rev
'

test_expect_success 'someone taken off the meeting answers: review' '
	sed -i "/^Ekstra Medlem 1;/d" "$GROUP_DIR/roster.csv" &&
	th send >/dev/null &&
	mailstack_wait_idle &&
	test "$(sqlite3 "$DB" "SELECT invited FROM invitation i JOIN meeting m ON m.id = i.meeting_id
		WHERE m.date = '\''2027-03-05'\'' AND email = '\''ekstra1@stevns.example'\''")" = 0 &&
	fixture outlook-exchange-accept ekstra1@stevns.example &&
	deliver fx/outlook-exchange-accept.eml &&
	fetch_expect "0 answers" "1 for review" &&
	test -z "$(sqlite3 "$DB" "SELECT answer FROM answer WHERE email = '\''ekstra1@stevns.example'\''")" &&
	th review | grep "ekstra1@stevns.example er ikke længere inviteret til mødet 2027-03-05"
'

test_expect_success 'authserv_id = mx.test.example: check says so; a genuine answer counts' '
	set_imap "authserv_id = mx.test.example" &&
	th check >out &&
	grep "^senders: an answer counts when it has a single From address and the topmost Authentication-Results header from .mx.test.example. confirms its domain" out &&
	! grep "can be forged" out &&
	th status 2027-03-05 >out && ! grep "kan forfalskes" out &&
	FX_DTSTAMP=20261203T080000Z fixture outlook-exchange-decline anne.dahl@faxe.example &&
	deliver fx/outlook-exchange-decline.eml &&
	fetch_expect "1 answers*" "0 for review" &&
	expect_state anne.dahl@faxe.example "afbud          kalender" &&
	cat "$(maildir_of $ORGANIZER)"/.Tovholder.Behandlet/*/* |
		grep "^Authentication-Results: mx.test.example; spf=pass smtp.mailfrom=anne.dahl@faxe.example"
'

test_expect_success 'DMARC fails at the trusted service: review "afsenderen kunne ikke bekræftes", the answer stays' '
	FX_DTSTAMP=20261204T080000Z fixture outlook-exchange-accept anne.dahl@faxe.example &&
	deliver fx/outlook-exchange-accept.eml spoof@angriber.example &&
	th check --online >out &&
	grep "^senders: 1 of the 1 newest mails in .INBOX. carry an Authentication-Results header from mx.test.example$" out &&
	set_imap "authserv_id = mx.tset.example" &&
	th check --online >out &&
	grep "^senders: 0 of the 1 newest mails in .INBOX. carry an Authentication-Results header from mx.tset.example: check \[imap\] authserv_id; the topmost ones are from .mx.test.example.$" out &&
	set_imap "authserv_id = mx.test.example" &&
	fetch_expect "0 answers" "1 for review" &&
	expect_state anne.dahl@faxe.example "afbud          kalender" &&
	th review | grep "afsenderen kunne ikke bekræftes: mx.test.example siger dmarc=fail for faxe.example"
'

test_expect_success 'a forged Authentication-Results with the trusted id, written by the sender below the service'\''s own, is not trusted' '
	FX_DTSTAMP=20261205T080000Z fixture outlook-exchange-accept anne.dahl@faxe.example &&
	forge fx/outlook-exchange-accept.eml forged-ar.eml \
		"Authentication-Results: mx.test.example; spf=pass smtp.mailfrom=anne.dahl@faxe.example; dkim=pass header.d=faxe.example; dmarc=pass (p=reject dis=none) header.from=faxe.example" \
		"From: Anne Mose Dahl <anne.dahl@faxe.example>" &&
	deliver forged-ar.eml spoof@angriber.example &&
	stored=$(ls "$(maildir_of $ORGANIZER)"/new/* | head -n 1) &&
	grep -n "^Authentication-Results:" "$stored" >ar &&
	cat ar &&
	head -n 1 ar | grep "dmarc=fail" && tail -n 1 ar | grep "dmarc=pass" &&
	fetch_expect "0 answers" "1 for review" &&
	expect_state anne.dahl@faxe.example "afbud          kalender" &&
	th review | grep -c "mx.test.example siger dmarc=fail for faxe.example" | grep -x 2
'

test_expect_success 'a mail the service added nothing to goes to review' '
	fixture outlook-exchange-accept mette.ravn@odsherred.example &&
	deliver fx/outlook-exchange-accept.eml &&
	fetch_expect "0 answers" "1 for review" &&
	expect_state mette.ravn@odsherred.example "ikke svaret" &&
	th review | grep "afsenderen kunne ikke bekræftes: mailen har intet læsbart Authentication-Results-felt fra mx.test.example"
'

test_expect_success 'a Nextcloud-style mail (noreply From, attendee in Reply-To): review, then counted with trusted_relays' '
	fixture nextcloud-accept frederik.hald@koege.example &&
	deliver fx/nextcloud-accept.eml &&
	fetch_expect "0 answers" "1 for review" &&
	expect_state frederik.hald@koege.example "ikke svaret" &&
	th review | grep "svaret gælder frederik.hald@koege.example, men er sendt fra invitations-noreply@sky.borger.example (Reply-To alene er ikke nok)" &&
	set_imap "authserv_id = mx.test.example" "trusted_relays = invitations-noreply@sky.borger.example" &&
	th check | grep "^senders: mail from invitations-noreply@sky.borger.example speaks for the person its Reply-To names" &&
	FX_DTSTAMP=20261204T100000Z fixture nextcloud-accept frederik.hald@koege.example &&
	deliver fx/nextcloud-accept.eml &&
	fetch_expect "1 answers*" "0 for review" &&
	expect_state frederik.hald@koege.example "tilsagn        kalender"
'

test_expect_success 'Exchange Online-style header (no authserv-id): a pass counts, a DMARC fail goes to review' '
	set_imap "authserv_id = exchange-online" &&
	th check | grep "Exchange Online.s Authentication-Results header confirms its domain" &&
	fixture outlook-exchange-accept lise.holm@koege.example &&
	deliver fx/outlook-exchange-accept.eml &&
	fetch_expect "1 answers*" "0 for review" &&
	expect_state lise.holm@koege.example "tilsagn        kalender" &&
	FX_DTSTAMP=20261203T080000Z fixture outlook-exchange-decline lise.holm@koege.example &&
	deliver fx/outlook-exchange-decline.eml spoof-ms@angriber.example &&
	fetch_expect "0 answers" "1 for review" &&
	expect_state lise.holm@koege.example "tilsagn        kalender" &&
	th review | grep "afsenderen kunne ikke bekræftes: Exchange Online siger dmarc=fail for koege.example"
'

test_expect_success 'Google-style header (mx.google.com): a pass counts, a DMARC fail goes to review' '
	set_imap "authserv_id = mx.google.com" &&
	fixture google-accept dennis.kragh@holbaek.example &&
	deliver fx/google-accept.eml &&
	fetch_expect "1 answers*" "0 for review" &&
	expect_state dennis.kragh@holbaek.example "tilsagn        kalender" &&
	FX_DTSTAMP=20261203T080000Z fixture outlook-exchange-decline dennis.kragh@holbaek.example &&
	deliver fx/outlook-exchange-decline.eml spoof-g@angriber.example &&
	fetch_expect "0 answers" "1 for review" &&
	expect_state dennis.kragh@holbaek.example "tilsagn        kalender" &&
	th review | grep "afsenderen kunne ikke bekræftes: mx.google.com siger dmarc=fail for holbaek.example"
'

test_expect_success 'every forgery is in the review folder, none in Behandlet; nothing left in the inbox' '
	test "$(mailstack_count $ORGANIZER "Tovholder/Til gennemsyn")" = 11 &&
	test "$(mailstack_count $ORGANIZER "Tovholder/Behandlet")" = 6 &&
	test "$(mailstack_count $ORGANIZER)" = 0 &&
	test "$(th review | grep -c "^ *[0-9]\+  ")" = 11 &&
	test "$(ls "$(maildir_of $ORGANIZER)"/.Tovholder.Behandlet/*/* | wc -l)" = 6 &&
	! grep -l "angriber.example" "$(maildir_of $ORGANIZER)"/.Tovholder.Behandlet/*/*
'

test_done
