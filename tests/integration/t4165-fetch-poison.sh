#!/usr/bin/env bash
test_description='fetch and run: a calendar bomb costs milliseconds, a mail that kills the reader is read once, never again (issue 15)'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"
. "$TOP/tests/lib/calmail.sh"

# The hostile mails are written by tests/lib/calmail.py: REPLYs whose DTSTAMP names a zone defined by a
# VTIMEZONE that repeats every second, every minute, or at every hour and minute of the year — libical expanded
# such a zone for minutes to hours, the watchdog killed the service, and it read the same mail again, forever.
# A second kind of poison stands for any mail that still kills the reader: die-on-poison.so (LD_PRELOAD) kills
# the process with SIGKILL when libical is handed an object whose UID starts with "poison-".

mailstack_start
group_write "$TEST_TMP/g"
for n in $(seq 1 8); do
	group_member "Ekstra Medlem $n;Stevns;ekstra$n@stevns.example;medlem"
done
ORGANIZER=tovholder@netvaerk.example
DB=$GROUP_DIR/state.db
service_cleanup_on_exit

reviews_of() { sqlite3 "$DB" "SELECT count(*) FROM review WHERE message_id = '$1'"; }
folder_count() { mailstack_count $ORGANIZER "$1"; }

test_expect_success 'invitations out; the shim builds' '
	th send >/dev/null &&
	mailstack_wait_idle &&
	poison_build
'

test_expect_success 'three VTIMEZONE bombs between two replies: fetch takes seconds, not hours' '
	calmail reply anne.dahl@faxe.example a1@t4165.example &&
	calmail bomb-secondly bo.aagaard@greve.example bomb1@t4165.example --partstat DECLINED &&
	calmail bomb-minutely dennis.kragh@holbaek.example bomb2@t4165.example &&
	calmail bomb-byhour lise.holm@koege.example bomb3@t4165.example &&
	calmail reply frederik.hald@koege.example a2@t4165.example --partstat DECLINED &&
	t0=$SECONDS &&
	timeout 60 "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" fetch >out 2>err &&
	cat out &&
	say "fetch took $((SECONDS - t0)) s" &&
	test $((SECONDS - t0)) -lt 30 &&
	grep "^2 answers, .* 3 for review" out
'

test_expect_success 'the replies around them are recorded; each bomb is in review once, with the reason' '
	test "$(answer_of anne.dahl@faxe.example)" = tilsagn &&
	test "$(answer_of frederik.hald@koege.example)" = afbud &&
	test -z "$(answer_of bo.aagaard@greve.example)" &&
	for m in bomb1 bomb2 bomb3; do
		test "$(reviews_of "$m@t4165.example")" = 1 || return 1
	done &&
	sqlite3 "$DB" "SELECT reason FROM review WHERE message_id = '\''bomb1@t4165.example'\''" >reason &&
	grep "repeats more often than yearly" reason &&
	sqlite3 "$DB" "SELECT reason FROM review WHERE message_id = '\''bomb3@t4165.example'\''" | grep "within the day" &&
	test "$(folder_count INBOX)" = 0 &&
	test "$(folder_count "Tovholder/Til gennemsyn")" = 3
'

test_expect_success 'a mail that kills the reader: the first fetch dies on it, the next sends it to review unread' '
	calmail reply mette.ravn@odsherred.example b1@t4165.example --partstat DECLINED &&
	calmail poison soeren.oersted@soroe.example poison1@t4165.example &&
	calmail reply jesper.vang@solroed.example b2@t4165.example &&
	LD_PRELOAD=$PRELOAD th fetch >out1 2>err1; rc=$? &&
	test "$rc" = 137 &&
	test -z "$(answer_of mette.ravn@odsherred.example)" &&
	test "$(cut -c1 "$GROUP_DIR/state.db.reading")" = R &&
	LD_PRELOAD=$PRELOAD th fetch >out2 2>err2 &&
	cat out2 err2 &&
	grep "^2 answers, .* 1 for review" out2 &&
	grep "the last reading of this mail stopped" err2 &&
	test "$(answer_of mette.ravn@odsherred.example)" = afbud &&
	test "$(answer_of jesper.vang@solroed.example)" = tilsagn &&
	test "$(reviews_of poison1@t4165.example)" = 1 &&
	sqlite3 "$DB" "SELECT reason FROM review WHERE message_id = '\''poison1@t4165.example'\''" |
		grep "reading this mail stopped tovholder last time" &&
	LD_PRELOAD=$PRELOAD th fetch >out3 2>err3 &&
	test "$(reviews_of poison1@t4165.example)" = 1 &&
	test "$(folder_count INBOX)" = 0 &&
	test "$(folder_count "Tovholder/Til gennemsyn")" = 4
'

test_expect_success 'two poison mails in one group: each goes to review once, neither is read twice' '
	calmail poison ekstra1@stevns.example poison2@t4165.example &&
	calmail reply ekstra2@stevns.example c1@t4165.example &&
	calmail poison ekstra3@stevns.example poison3@t4165.example &&
	calmail reply ekstra4@stevns.example c2@t4165.example &&
	deaths=0 &&
	for i in 1 2 3 4 5 6; do
		LD_PRELOAD=$PRELOAD th fetch >out 2>err && break
		deaths=$((deaths + 1))
	done &&
	say "the reader died $deaths time(s)" &&
	test $deaths = 2 &&
	test "$(reviews_of poison2@t4165.example)" = 1 &&
	test "$(reviews_of poison3@t4165.example)" = 1 &&
	test "$(answer_of ekstra2@stevns.example)" = tilsagn &&
	test "$(answer_of ekstra4@stevns.example)" = tilsagn &&
	test "$(folder_count INBOX)" = 0
'

# The service: kill -9 at random moments while the inbox holds a bomb, a poison mail and replies that keep
# coming; then one clean run until the inbox is empty. The poison kills the service once by itself.
SVC_LOG=$TEST_TMP/svc.log
KILL_SEED=${KILL_SEED:-$(( $$ % 32768 ))}
RANDOM=$KILL_SEED
say "KILL_SEED=$KILL_SEED"
start_service() {
	echo "=== $1" >>"$SVC_LOG"
	LD_PRELOAD=$PRELOAD TOVHOLDER_NOW=$GROUP_NOW "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" run >>"$SVC_LOG" 2>&1 &
	SVC_PID=$!
}

test_expect_success 'run: kill -9 again and again with a bomb and a poison mail in the inbox' '
	: >"$SVC_LOG" && : >kills &&
	calmail bomb-secondly ekstra5@stevns.example bomb4@t4165.example &&
	calmail poison ekstra6@stevns.example poison4@t4165.example &&
	calmail reply ekstra7@stevns.example d1@t4165.example --partstat DECLINED &&
	for r in 1 2 3 4 5 6; do
		start_service "run $r" &&
		ms=$((100 + RANDOM % 900)) &&
		sleep "$(printf "%d.%03d" $((ms / 1000)) $((ms % 1000)))" &&
		{ kill -9 "$SVC_PID" 2>/dev/null; wait "$SVC_PID"; echo "run $r: killed after $ms ms, exit $?" >>kills; } &&
		SVC_PID= &&
		case $r in
		2) calmail reply ekstra8@stevns.example d2@t4165.example ;;
		4) calmail reply anne.dahl@faxe.example d3@t4165.example --partstat DECLINED \
			--dtstamp 20261203T091500Z --date "Thu, 03 Dec 2026 10:15:00 +0100" ;;
		esac || return 1
	done &&
	cat kills &&
	start_service "the clean run" &&
	for i in $(seq 300); do
		test "$(folder_count INBOX)" = 0 && test "$(reviews_of bomb4@t4165.example)" = 1 &&
			test "$(answer_of anne.dahl@faxe.example)" = afbud && break
		kill -0 "$SVC_PID" 2>/dev/null || start_service "restarted after it died"
		sleep 0.1
	done &&
	grep -c "^=== " "$SVC_LOG" &&
	sleep 1 &&
	kill -TERM "$SVC_PID" && wait "$SVC_PID"; rc=$? && SVC_PID= &&
	{ test $rc = 0 || { echo "exit $rc"; tail -n 20 "$SVC_LOG"; false; }; }
'

test_expect_success 'run: the replies are recorded, the bomb and the poison are in review exactly once' '
	test "$(answer_of ekstra7@stevns.example)" = afbud &&
	test "$(answer_of ekstra8@stevns.example)" = tilsagn &&
	test "$(answer_of anne.dahl@faxe.example)" = afbud &&
	test "$(reviews_of bomb4@t4165.example)" = 1 &&
	test "$(reviews_of poison4@t4165.example)" = 1 &&
	test -z "$(answer_of ekstra5@stevns.example)" &&
	test -z "$(answer_of ekstra6@stevns.example)" &&
	test "$(folder_count INBOX)" = 0 &&
	md=$(maildir_of $ORGANIZER) &&
	test "$(grep -l "poison4@t4165.example" "$md"/.Tovholder.Til\ gennemsyn/*/* | wc -l)" = 1 &&
	test "$(grep -l "bomb4@t4165.example" "$md"/.Tovholder.Til\ gennemsyn/*/* | wc -l)" = 1 &&
	! grep -E "AddressSanitizer|runtime error:|Segmentation" "$SVC_LOG"
'

test_done
