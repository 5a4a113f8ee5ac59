#!/usr/bin/env bash
test_description='graph: a hostile or broken Graph server never chooses what our invitations link to: a joinWebUrl that is not a Teams link, or with control characters, and an id a handover could not carry, are refused; the invitations wait and nothing of it reaches a mail or the log raw'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

MS_GRAPH=1 mailstack_start
G=$MS_DIR/graph
# fresh_group NAME — a group of its own (state, schedule) whose March meeting becomes a Teams meeting that
# Graph makes: each hostile reply is met by a meeting that has no link yet
fresh_group() {
	group_write "$TEST_TMP/$1" &&
	group_graph &&
	DB=$GROUP_DIR/state.db &&
	sed -i -e 's|^online_url = https://teams.example/l/meetup-join/marts$||' "$GROUP_DIR/schedule.ini" &&
	/usr/bin/python3 - "$GROUP_DIR/schedule.ini" <<-'EOF'
	import re, sys
	p = sys.argv[1]
	s = open(p).read()
	s = re.sub(r"(\[2027-03-05\]\ntime = [^\n]*\n)place = online", r"\1place = teams", s)
	open(p, "w").write(s)
	EOF
}

# no mail anywhere in the stack names the host
no_mail_names() {
	! grep -rl "$1" "$MS_DIR/mail" 2>/dev/null | grep -v dovecot
}

fresh_group g1
test_expect_success 'a joinWebUrl that is not a Teams link: refused, the invitations wait, no mail links to it' '
	echo "https://phish.example/l/meetup-join/%s" >"$G/join_url" &&
	th send >out 2>err;
	cat out err &&
	! grep "sent invite 2027-03-05" err &&
	grep "the reply.s joinWebUrl is not a Teams link" err &&
	no_mail_names phish.example &&
	test -z "$(sqlite3 "$DB" "SELECT online_url FROM meeting WHERE date = '\''2027-03-05'\''")" &&
	! sqlite3 "$DB" "SELECT join_url FROM online_meeting" | grep phish
'

fresh_group g2
test_expect_success 'a Teams link with an escape sequence in it: refused, and the log shows no raw control character' '
	printf "https://teams.microsoft.com/l/meetup-join/%%s\033]0;pwned\007\n" >"$G/join_url" &&
	th send >out 2>err;
	cat out err &&
	! grep "sent invite 2027-03-05" err &&
	! grep -q "$(printf "\033")" out err &&
	no_mail_names pwned &&
	! sqlite3 "$DB" "SELECT join_url FROM online_meeting" | grep -q "$(printf "\033")"
'

fresh_group g3
test_expect_success 'an id no handover could carry (a blank in it): refused, so the next overdrag stays readable' '
	printf "https://teams.microsoft.com/l/meetup-join/19%%%%3ameeting_%%s%%%%40thread.v2/0\nMSo %%s\n" >"$G/join_url" &&
	th send >out 2>err;
	cat out err &&
	! grep "sent invite 2027-03-05" err &&
	test "$(sqlite3 "$DB" "SELECT count(*) FROM online_meeting WHERE graph_id LIKE '\''% %'\''")" = 0
'

fresh_group g4
test_expect_success 'the genuine server again: the link goes out' '
	rm -f "$G/join_url" &&
	th send >out 2>err &&
	cat out &&
	test "$(grep -c "sent invite 2027-03-05" err)" = 8 &&
	url=$(sqlite3 "$DB" "SELECT online_url FROM meeting WHERE date = '\''2027-03-05'\''") &&
	case "$url" in https://teams.microsoft.com/l/meetup-join/*) ;; *) false ;; esac
'

fresh_group g5
test_expect_success 'an id that is a dot segment (".."): the meeting moved is PATCHed as itself, never /me' '
	printf "https://teams.microsoft.com/l/meetup-join/19%%%%3ameeting_%%s%%%%40thread.v2/0\n..\n" >"$G/join_url" &&
	th send >out 2>err &&
	rm -f "$G/join_url" &&
	: >"$G/requests.jsonl" &&
	/usr/bin/python3 - "$GROUP_DIR/schedule.ini" <<-\EOF &&
	import re, sys
	p = sys.argv[1]
	s = open(p).read()
	s = re.sub(r"(\[2027-03-05\]\ntime = )[^\n]*", r"\g<1>12:00-15:00", s)
	open(p, "w").write(s)
	EOF
	th send >out 2>err;
	cat out err &&
	/usr/bin/python3 - "$G/requests.jsonl" <<-\EOF
	import json, sys
	reqs = [json.loads(l) for l in open(sys.argv[1])]
	assert reqs, reqs
	assert all(r["path"].startswith("/v1.0/me/onlineMeetings") for r in reqs), reqs
	assert any(r["method"] == "PATCH" and r["path"] == "/v1.0/me/onlineMeetings/%2E%2E" for r in reqs), reqs
	EOF
'

test_done
