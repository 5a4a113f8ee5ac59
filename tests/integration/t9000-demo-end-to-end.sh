#!/usr/bin/env bash
test_description='make demo end to end: invitations out, replies in, the referat lines and files; and afterwards
no Postfix or Dovecot of the demo left running, no temporary files left behind'
. "$(dirname "$0")/../lib/test-lib.sh"

# The demo's own temporary directory goes here. A short path of its own: Dovecot's sockets live below it
# (60 characters at most, tests/lib/mailstack.sh), and what is left in it afterwards is what the demo left.
DEMO_TMP=$(mktemp -d /tmp/t9000.XXXXXX)
# but the lock on picking ports stays the one every other test's stack takes
export MS_LOCK

test_expect_success 'the demo runs the whole job' '
	TMPDIR=$DEMO_TMP DEMO_OUT=$TEST_TMP/out timeout 300 "$TOP/scripts/demo" "$TOVHOLDER" >demo.log 2>&1 ||
		{ tail -n 30 demo.log; false; } &&
	grep -x "sent 33, waiting 0, refused 0" demo.log &&
	grep -x "6 answers, 1 automatic reply, 0 bounces, 0 resent, 0 for review, 0 not ours" demo.log &&
	grep -x "Afbud: Bo Aagaard (Greve), Frederik Hald og Lise Holm (Køge)" demo.log &&
	grep -x "Deltagere: Anne Mose Dahl (Faxe), Dennis Kragh (Holbæk), Ulrik Hedegaard (Køge) for Lise Holm" demo.log &&
	grep -x "Referat: Jesper Vang (Solrød)" demo.log &&
	test -s out/referat-2027-03-05.docx &&
	test -s out/referat-2027-03-05.html &&
	test -s out/rapport-2027.html
'

# Until 2026-12, scripts/demo-replies (sourced by the demo) set its own EXIT trap, which replaced the demo's:
# every make demo left its Postfix and Dovecot running on 127.0.0.1 and its directory in /tmp.
# The processes with anything of theirs below DIR: command line, working directory or environment (Postfix's
# master shows only "master -w"; its MAIL_CONFIG and its cwd, the queue, say whose it is).
procs_below() {
	local p
	for p in /proc/[0-9]*; do
		{ tr '\0' ' ' <"$p/cmdline"; readlink "$p/cwd"; tr '\0' '\n' <"$p/environ"; } 2>/dev/null |
			grep -qF "$1/" && echo "${p#/proc/}"
	done
	return 0
}

test_expect_success 'afterwards: no daemon of the demo runs, and its temporary directory is gone' '
	left=$(procs_below "$DEMO_TMP") &&
	{ test -z "$left" || { ps -o pid,args -p $left; kill $left; false; }; } &&
	test -z "$(ls -A "$DEMO_TMP")"
'

rm -rf "$DEMO_TMP"
test_done
