#!/usr/bin/env bash
test_description='OAuth2: send, fetch and check --online with auth = xoauth2 and oauthbearer against Dovecot and
Postfix (Dovecot SASL) checking tokens at a local introspection endpoint; an expired token is fetched anew once;
a failing token_command stops before anything is sent; no token ever shows in logs, status, errors or state'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

MS_OAUTH2=1 mailstack_start
ADDR=tovholder@netvaerk.example
TOKEN=$TEST_TMP/token
mailstack_oauth2_token_command "$TOKEN" "$ADDR"
# debug lines too: a token must not show even there
export TOVHOLDER_DEBUG=1
ALL_ERR=$TEST_TMP/all-stderr
: >"$ALL_ERR"

# oauth_group NAME MECH [KEY VALUE]: a fresh group (own state: everything is sent again) whose [smtp] and
# [imap] log in with MECH and a token from KEY (default token_command = the test helper).
oauth_group() {
	group_write "$TEST_TMP/$1" &&
	sed -i '/^\[smtp\]/,$d' "$GROUP_DIR/tovholder.conf" &&
	for sec in smtp imap; do
		if [ $sec = smtp ]; then
			echo "[smtp]" && echo "url = smtp://localhost:$MS_SUBMISSION_PORT"
		else
			echo "[imap]" && echo "url = imap://localhost:$MS_IMAP_PORT"
		fi
		printf '%s\n' "ca_file = $MS_CA" "user = $ADDR" "auth = $2" "${3:-token_command} = ${4:-$TOKEN}" ""
	done >>"$GROUP_DIR/tovholder.conf"
}

# t CMD...: th with every stderr line kept for the final token check
t() {
	th "$@" 2>err
	local rc=$?
	cat err >>"$ALL_ERR"
	return $rc
}

# count PATTERN FILE: matching lines (0 is a count, not a failure)
count() {
	grep -c "$1" "$2" || true
}

sasl_logins() {
	count "sasl_method=$1, sasl_username=$ADDR" "$MS_DIR/log/postfix.log"
}

calls() {
	cat "$TOKEN.count" 2>/dev/null || echo 0
}

sent() {
	sqlite3 "$GROUP_DIR/state.db" "SELECT count(*) FROM outbox WHERE status = 'sent'"
}

cat >notours.eml <<'EOF'
From: Nyhedsbrev <nyt@forening.example>
To: tovholder@netvaerk.example
Subject: Nyhedsbrev for december
Date: Tue, 01 Dec 2026 08:00:00 +0100
Message-ID: <nyhed-1@forening.example>

Hej, her er nyt fra foreningen.
EOF

test_expect_success 'check --online with auth = xoauth2 names the mechanism and runs token_command' '
	oauth_group g1 xoauth2 &&
	t check --online >out &&
	cat out &&
	grep -x "smtp: logged in to smtp://localhost:$MS_SUBMISSION_PORT (XOAUTH2)" out &&
	grep -x "imap: logged in to imap://localhost:$MS_IMAP_PORT (XOAUTH2), mailbox .INBOX. opened" out &&
	test "$(calls)" = 2
'

test_expect_success 'send with auth = xoauth2: every invitation goes out, logged in with XOAUTH2' '
	before=$(sasl_logins XOAUTH2) &&
	t send >out &&
	grep "sent 33, waiting 0, refused 0" out &&
	for a in $GROUP_REGULARS; do mailstack_wait_count $a 4 || echo "$a" >>missing; done &&
	test ! -e missing &&
	test "$(sent)" = 33 &&
	test "$(sasl_logins XOAUTH2)" -gt "$before"
'

test_expect_success 'send with nothing left to send: the token is checked once, no SMTP session opened' '
	c0=$(calls) &&
	s0=$(mailstack_smtp_connections) &&
	t send >out &&
	grep -x "nothing to send" out &&
	test "$(calls)" = $((c0 + 1)) &&
	test "$(mailstack_smtp_connections)" = "$s0"
'

test_expect_success 'fetch with auth = xoauth2 reads the inbox' '
	mailstack_inject notours.eml &&
	t fetch >out &&
	grep "1 not ours" out &&
	grep "Login: user=<$ADDR>, method=XOAUTH2" "$MS_DIR/log/dovecot.log"
'

test_expect_success 'auth = oauthbearer: check, send and fetch' '
	oauth_group g2 oauthbearer &&
	before=$(sasl_logins OAUTHBEARER) &&
	t check --online >out &&
	grep -x "smtp: logged in to smtp://localhost:$MS_SUBMISSION_PORT (OAUTHBEARER)" out &&
	grep -x "imap: logged in to imap://localhost:$MS_IMAP_PORT (OAUTHBEARER), mailbox .INBOX. opened" out &&
	t send >out &&
	grep "sent 33, waiting 0, refused 0" out &&
	test "$(sent)" = 33 &&
	test "$(sasl_logins OAUTHBEARER)" -gt "$before" &&
	t fetch &&
	grep "Login: user=<$ADDR>, method=OAUTHBEARER" "$MS_DIR/log/dovecot.log"
'

test_expect_success 'SMTP: an expired token is refused, token_command runs again, the retry gets in' '
	oauth_group g3 xoauth2 &&
	mailstack_oauth2_expire_next &&
	failed=$(count "auth=0/1" "$MS_DIR/log/postfix.log") &&
	r0=$(mailstack_oauth2_requests) &&
	c0=$(calls) &&
	t send >out &&
	grep "sent 33, waiting 0, refused 0" out &&
	test ! -e "$MS_DIR/oauth/expire-next" &&
	# one token refused, one accepted
	test "$(mailstack_oauth2_requests)" = $((r0 + 2)) &&
	test "$(count "auth=0/1" "$MS_DIR/log/postfix.log")" = $((failed + 1)) &&
	test "$(sent)" = 33 &&
	# the check before queueing, the login, the new token after the refusal
	test "$(calls)" = $((c0 + 3)) &&
	grep "login with XOAUTH2 refused; asking for a new access token" err
'

test_expect_success 'IMAP: an expired token is refused, token_command runs again, the retry gets in' '
	mailstack_oauth2_expire_next &&
	r0=$(mailstack_oauth2_requests) &&
	c0=$(calls) &&
	t fetch >out &&
	test ! -e "$MS_DIR/oauth/expire-next" &&
	test "$(mailstack_oauth2_requests)" = $((r0 + 2)) &&
	test "$(calls)" = $((c0 + 2)) &&
	grep "refused the access token; asking for a new one" err
'

test_expect_success 'check --online: an expired token is fetched anew for SMTP and IMAP alike' '
	mailstack_oauth2_expire_next &&
	t check --online >out &&
	grep "(XOAUTH2)" out | wc -l | grep -x 2 &&
	test ! -e "$MS_DIR/oauth/expire-next"
'

test_expect_success 'a failing token_command: send exits 78 with a clear error and records nothing' '
	oauth_group g4 xoauth2 &&
	echo 1 >"$TOKEN.fail" &&
	delivered=$(total_delivered) &&
	test_expect_code 78 t send >out &&
	grep "\[smtp\] token_command .$TOKEN. failed with exit status 1$" err &&
	{ test ! -e "$GROUP_DIR/state.db" || test "$(sent)" = 0; } &&
	test "$(total_delivered)" = "$delivered"
'

test_expect_success 'a token_command that cannot reach its provider (exit 75): send and fetch exit 75' '
	echo 75 >"$TOKEN.fail" &&
	test_expect_code 75 t send &&
	grep "token_command .$TOKEN. failed with exit status 75 (temporary failure)" err &&
	test_expect_code 75 t fetch &&
	grep "token_command .$TOKEN. failed with exit status 75" err &&
	test_expect_code 75 t check --online &&
	{ test ! -e "$GROUP_DIR/state.db" || test "$(sent)" = 0; }
'

test_expect_success 'the retry fails too (token_command broken after the first login): nothing marked sent' '
	echo "1 $(( $(calls) + 3 ))" >"$TOKEN.fail" &&
	mailstack_oauth2_expire_next &&
	test_expect_code 69 t send >out &&
	grep "refused the access token and no new one could be had: token_command .$TOKEN. failed with exit status 1" err &&
	test "$(sent)" = 0 &&
	test "$(sqlite3 "$GROUP_DIR/state.db" "SELECT count(*) FROM outbox WHERE status = '\''queued'\''")" = 33 &&
	rm -f "$TOKEN.fail" "$MS_DIR/oauth/expire-next" &&
	t send >out &&
	grep "sent 33, waiting 0, refused 0" out
'

test_expect_success 'servers that offer AUTH but not XOAUTH2: a clear error, no password tried' '
	oauth_group g5 xoauth2 &&
	(
		MS_OAUTH2=0 mailstack_start "$TEST_TMP/ms2" &&
		sed -i -e "s|localhost:[0-9]*$|localhost:$MS_SUBMISSION_PORT|" \
			-e "/^\[imap\]/,\$s|localhost:[0-9]*$|localhost:$MS_IMAP_PORT|" \
			-e "s|^ca_file = .*|ca_file = $MS_CA|" "$GROUP_DIR/tovholder.conf" &&
		grep -c "^url = .*localhost" "$GROUP_DIR/tovholder.conf" | grep -x 2 &&
		test_expect_code 69 t check --online
		rc=$?
		mailstack_stop
		exit $rc
	) &&
	grep "the server does not offer AUTH XOAUTH2 (it offers: PLAIN LOGIN)" err &&
	grep "localhost does not offer AUTH=XOAUTH2" err
'

test_expect_success 'token_file: read at each login, refused when others may read it' '
	oauth_group g6 oauthbearer token_file tok &&
	mailstack_oauth2_issue "$ADDR" >"$GROUP_DIR/tok" &&
	chmod 600 "$GROUP_DIR/tok" &&
	cat "$GROUP_DIR/tok" >>"$TOKEN.issued" &&
	t check --online >out &&
	grep "(OAUTHBEARER)" out | wc -l | grep -x 2 &&
	mailstack_oauth2_revoke "$(cat "$GROUP_DIR/tok")" &&
	test_expect_code 69 t check --online &&
	grep "refused the access token" err &&
	mailstack_oauth2_issue "$ADDR" >"$GROUP_DIR/tok" &&
	cat "$GROUP_DIR/tok" >>"$TOKEN.issued" &&
	t check --online &&
	chmod 640 "$GROUP_DIR/tok" &&
	test_expect_code 78 t check &&
	grep "is readable by others: run chmod 600" err
'

test_expect_success 'no token anywhere: logs (debug included), status, errors, state' '
	: >bad &&
	for g in g1 g2 g3 g4; do
		GROUP_DIR=$TEST_TMP/$g && th status >>"$ALL_ERR" 2>&1 || echo "status failed in $g" >>bad
	done &&
	test "$(wc -l <"$TOKEN.issued")" -ge 10 &&
	grep -c "imap: AUTHENTICATE XOAUTH2 as $ADDR" "$ALL_ERR" &&
	while read -r tok; do
		grep -rlaF --exclude=tok "$tok" "$ALL_ERR" "$TEST_TMP"/g* >>bad || :
	done <"$TOKEN.issued" &&
	cat bad &&
	test ! -s bad
'

test_done
