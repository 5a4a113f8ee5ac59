#!/usr/bin/env bash
test_description='fetch: a mail that kills the reader, moved by the tovholder from review into a decision folder, is read once there and goes back to review unread'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"
. "$TOP/tests/lib/calmail.sh"
. "$TOP/tests/lib/imapfolders.sh"

# die-on-poison.so (LD_PRELOAD) kills the process with SIGKILL when libical is handed an object whose UID starts
# with "poison-" (see t4165): it stands for any mail that still kills the reader. The inbox sends such a mail to
# review unread; a tovholder who then moves it into Tovholder/Afbud must not start a crash loop.

mailstack_start
group_write "$TEST_TMP/g"
ORGANIZER=tovholder@netvaerk.example
DB=$GROUP_DIR/state.db

reviews_of() { sqlite3 "$DB" "SELECT count(*) FROM review WHERE message_id = '$1'"; }

test_expect_success 'invitations out; the shim builds; the poison mail is in review, unread' '
	th send >/dev/null &&
	mailstack_wait_idle &&
	poison_build &&
	calmail poison soeren.oersted@soroe.example poison1@t4195.example &&
	calmail reply anne.dahl@faxe.example a1@t4195.example &&
	{ LD_PRELOAD=$PRELOAD th fetch >out1 2>err1; test $? = 137; } &&
	LD_PRELOAD=$PRELOAD th fetch >out2 2>err2 &&
	test "$(reviews_of poison1@t4195.example)" = 1 &&
	imap ids | grep -x "Tovholder/Til gennemsyn	<poison1@t4195.example>"
'

test_expect_success 'moved into Afbud: the next fetch dies on it once, the one after sends it back to review unread' '
	imap move poison1@t4195.example Tovholder/Afbud &&
	{ LD_PRELOAD=$PRELOAD th fetch >out3 2>err3; test $? = 137; } &&
	test "$(cut -c1 "$GROUP_DIR/state.db.deciding")" = R &&
	LD_PRELOAD=$PRELOAD th fetch >out4 2>err4 &&
	cat out4 err4 &&
	grep "the last reading of this mail stopped" err4 &&
	grep "^decided by folder: 0 answers, 0 ignored, 0 Teams reports, 1 back to review$" out4 &&
	test "$(reviews_of poison1@t4195.example)" = 1 &&
	sqlite3 "$DB" "SELECT reason FROM review WHERE message_id = '\''poison1@t4195.example'\''" |
		grep "reading this mail stopped tovholder last time" &&
	test -z "$(sqlite3 "$DB" "SELECT answer FROM answer WHERE email = '\''soeren.oersted@soroe.example'\''")" &&
	imap ids >ids && cat ids &&
	grep -x "Tovholder/Til gennemsyn	<poison1@t4195.example>" ids &&
	test -z "$(cut -f2 ids | sort | uniq -d)"
'

test_expect_success 'and it stays there: the next fetch runs clean' '
	LD_PRELOAD=$PRELOAD th fetch >out5 2>err5 &&
	test "$(reviews_of poison1@t4195.example)" = 1
'

test_done
