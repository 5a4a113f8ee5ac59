#!/usr/bin/env bash
test_description='fetch, status, review: a proposed new time (COUNTER, iOS, Outlook) is shown in Danish local time with the comment (issue 16)'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"
. "$TOP/tests/lib/calmail.sh"

# The mails are written by tests/lib/calmail.py from RFC 5546 §3.2.7 (COUNTER: the proposed DTSTART/DTEND)
# and the shapes imip-interop.md and issue 16 describe: a tentative REPLY whose ATTENDEE carries the proposed
# start and end as X- parameters (iOS), and one with X- properties in a Windows zone (Outlook's "new time
# proposed"). The group's zone is Europe/Copenhagen: 2027-03-04 is in winter time (UTC+1).

mailstack_start
group_write "$TEST_TMP/g"
ORGANIZER=tovholder@netvaerk.example
DB=$GROUP_DIR/state.db

test_expect_success 'invitations out; three proposals and a forged one arrive' '
	th send >/dev/null &&
	mailstack_wait_idle &&
	calmail counter dennis.kragh@holbaek.example counter@t4180.example --name "Dennis Kragh" \
		--start 20270304T093000 --end 20270304T103000 --comment "Kan vi flytte mødet til torsdag kl. 9.30?" &&
	calmail ios-proposal lise.holm@koege.example ios@t4180.example --name "Lise Holm" \
		--start 20270304T113000Z --end 20270304T123000Z \
		--comment "$(printf "Can we move this event to tomorrow at 12:30?\033[2J\033[31m")" &&
	calmail outlook-proposal frederik.hald@koege.example outlook@t4180.example --name "Frederik Hald" \
		--start 20270304T140000 --end 20270304T150000 --comment "Om eftermiddagen passer bedre" &&
	calmail counter bo.aagaard@greve.example forged@t4180.example --attendee anne.dahl@faxe.example \
		--start 20270301T080000 --end 20270301T090000 --comment "Forfalsket" &&
	th fetch >out 2>err &&
	cat out &&
	grep "^2 answers, .* 2 for review" out &&
	test "$(mailstack_count $ORGANIZER "Tovholder/Til gennemsyn")" = 4
'

test_expect_success 'the proposing REPLYs are recorded as tentativ; the COUNTER changes no answer' '
	test "$(answer_of lise.holm@koege.example)" = tentativ &&
	test "$(answer_of frederik.hald@koege.example)" = tentativ &&
	test -z "$(answer_of dennis.kragh@holbaek.example)" &&
	test -z "$(answer_of anne.dahl@faxe.example)"
'

test_expect_success 'status shows each proposal in Danish local time with the comment, control characters made visible' '
	th status 2027-03-05 >status &&
	cat status &&
	grep "^Forslag til nyt tidspunkt:" status &&
	grep -F "Dennis Kragh foreslår torsdag den 4. marts 2027 kl. 09.30-10.30 — \"Kan vi flytte mødet til torsdag kl. 9.30?\"" status &&
	grep -F "Lise Holm foreslår torsdag den 4. marts 2027 kl. 12.30-13.30 — \"Can we move this event to tomorrow at 12:30?" status &&
	grep -F "Frederik Hald foreslår torsdag den 4. marts 2027 kl. 14.00-15.00 — \"Om eftermiddagen passer bedre\"" status &&
	! grep -q "$(printf "\033")" status &&
	! grep -F "Forfalsket" status &&
	! grep "1. marts 2027" status
'

test_expect_success 'review shows the proposed time and the comment under each proposing mail' '
	th review >review &&
	cat review &&
	test "$(grep -c "^       foreslår: " review)" = 3 &&
	grep -F "       foreslår: torsdag den 4. marts 2027 kl. 09.30-10.30 — \"Kan vi flytte mødet til torsdag kl. 9.30?\"" review &&
	grep -F "       foreslår: torsdag den 4. marts 2027 kl. 12.30-13.30" review &&
	grep -F "       foreslår: torsdag den 4. marts 2027 kl. 14.00-15.00 — \"Om eftermiddagen passer bedre\"" review &&
	! grep -q "$(printf "\033")" review &&
	grep "possible forgery\|proposes a new time" review >/dev/null
'

test_expect_success 'a newer proposal from the same person replaces the older one' '
	calmail counter dennis.kragh@holbaek.example counter2@t4180.example --name "Dennis Kragh" \
		--start 20270308T130000 --end 20270308T140000 --comment "Eller mandag?" \
		--dtstamp 20261203T091500Z &&
	th fetch >out 2>err &&
	th status 2027-03-05 >status &&
	grep -F "Dennis Kragh foreslår mandag den 8. marts 2027 kl. 13.00-14.00 — \"Eller mandag?\"" status &&
	! grep -F "torsdag den 4. marts 2027 kl. 09.30" status &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM proposal")" = 3
'

test_done
