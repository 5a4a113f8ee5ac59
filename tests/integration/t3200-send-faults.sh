#!/usr/bin/env bash
test_description='send: an unreachable server loses nothing; a refused recipient does not stop the others'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/g"

outbox() {
	sqlite3 "$GROUP_DIR/state.db" "SELECT count(*) FROM outbox WHERE $1"
}

test_expect_success 'Postfix stopped: send exits 75 and marks nothing sent' '
	mailstack_stop_postfix &&
	test_expect_code 75 th send 2>err &&
	grep "run .tovholder send. again later" err &&
	test "$(outbox "status = '\''sent'\''")" = 0 &&
	test "$(outbox "status = '\''queued'\''")" = 33
'

test_expect_success 'plan shows the waiting messages' '
	th plan >out &&
	echo "deliver 33 messages waiting in the outbox" >expect &&
	test_cmp expect out
'

test_expect_success 'Postfix back: send delivers every waiting message, once' '
	mailstack_start_postfix &&
	th send >out &&
	grep "sent 33, waiting 0, refused 0" out &&
	for a in $GROUP_REGULARS; do mailstack_wait_count $a 4 || return 1; done &&
	mailstack_wait_idle && sleep 1 &&
	test "$(total_delivered)" = 33 &&
	th send >out && grep "nothing to send" out
'

test_expect_success 'a 5xx recipient is marked failed with the reply, a 4xx one waits, the rest go out' '
	group_member "Kim Holt;Lejre;kim.holt@afvist.example;medlem" &&
	group_member "Ulla Lind;Stevns;ulla.lind@udskudt.example;medlem" &&
	group_member "Nina Berg;Lejre;nina.berg@lejre.example;medlem" &&
	test_expect_code 75 th send >out 2>err &&
	grep "sent 4, waiting 4, refused 4" out &&
	cat err &&
	grep "refused invite 2027-03-05 to kim.holt@afvist.example: 5[0-9][0-9]" err &&
	grep "deferred invite 2027-03-05 to ulla.lind@udskudt.example: 4[0-9][0-9]" err &&
	mailstack_wait_count nina.berg@lejre.example 4 &&
	test "$(outbox "status = '\''failed'\'' AND email = '\''kim.holt@afvist.example'\'' AND last_error LIKE '\''5%'\''")" = 4 &&
	test "$(outbox "status = '\''queued'\'' AND email = '\''ulla.lind@udskudt.example'\'' AND last_error LIKE '\''4%'\''")" = 4
'

test_expect_success 'the refused recipient is not retried; the deferred one is' '
	test_expect_code 75 th send >out 2>err &&
	grep "sent 0, waiting 4, refused 0" out &&
	! grep kim.holt err
'

test_done
