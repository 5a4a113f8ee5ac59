# shellcheck shell=bash
# Test library for tests/integration/tNNNN-area-what.sh, in the style of git's t/test-lib.sh. Source it first:
#
#   . "$(dirname "$0")/../lib/test-lib.sh"
#   test_expect_success 'the stack starts' 'mailstack_start'
#   test_done
#
# Each script runs inside its own temp dir $TEST_TMP (removed at exit), so relative file names are scratch.
# Options to a test script: -v/--verbose shows every test's output as it runs; -d/--debug keeps $TEST_TMP
# and the mail stack's dir (MS_KEEP=1) for a look afterwards; -i/--immediate stops at the first failure.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOVHOLDER=${TOVHOLDER:-$TOP/build/tovholder}
case "$TOVHOLDER" in /*) ;; *) TOVHOLDER=$PWD/$TOVHOLDER ;; esac	# we cd to $TEST_TMP below
# The system python: a pyenv 'python3' on PATH may lack python3-icalendar.
PYTHON=/usr/bin/python3
export TOP TOVHOLDER PYTHON

TEST_NAME=$(basename "$0" .sh)
test_count=0
test_passed=0
test_failed=0
test_verbose=${TEST_VERBOSE:-0}
test_debug=0
test_immediate=0
for _arg in "$@"; do
	case "$_arg" in
	-v|--verbose) test_verbose=1 ;;
	-d|--debug) test_debug=1; export MS_KEEP=1 ;;
	-i|--immediate) test_immediate=1 ;;
	*) echo "$TEST_NAME: unknown option '$_arg'" >&2; exit 1 ;;
	esac
done
unset _arg

# A stack attached in the caller's shell is not ours to stop.
unset MS_DIR MS_SMTP_PORT MS_SUBMISSION_PORT MS_SMTPS_PORT MS_IMAP_PORT MS_IMAPS_PORT MS_LMTP_PORT \
	MS_CA MS_CERT_HOST MS_PASSWORD

# shellcheck source=tests/lib/mailstack.sh
. "$TOP/tests/lib/mailstack.sh"

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/$TEST_NAME.XXXXXX") || exit 1
export TEST_TMP
# Like git's trash directory: tests write scratch files by relative name and never into the work tree.
cd "$TEST_TMP" || exit 1

_test_cleanup() {
	local rc=$?
	trap - EXIT
	mailstack_stop_all
	if [ "$test_debug" = 1 ]; then
		echo "# kept $TEST_TMP" >&2
	else
		rm -rf "$TEST_TMP"
	fi
	exit "$rc"
}
trap _test_cleanup EXIT
# Turn signals into a normal exit so the EXIT trap stops the daemons.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

say() { echo "# $*"; }

# The body runs inside a function, so a `return N` in it (e.g. `|| return 1` in a loop) ends the body with N
# instead of leaving test_expect_success itself, which would drop the test from the count unseen.
_test_eval() {
	eval "$1"
}

# test_expect_success 'description' 'commands': runs the commands in this shell (variables persist) and
# reports ok/not ok. The commands should be an &&-chain: the result is the exit status of the last one.
test_expect_success() {
	[ "$#" = 2 ] || { echo "bug in the test script: test_expect_success needs 2 arguments" >&2; exit 1; }
	local _desc=$1 _body=$2 _out _rc
	test_count=$((test_count + 1))
	_out=$TEST_TMP/.out.$test_count
	if [ "$test_verbose" = 1 ]; then
		echo "# running: $_desc"
		_test_eval "$_body" 2>&1
		_rc=$?
		: > "$_out"
	else
		_test_eval "$_body" > "$_out" 2>&1
		_rc=$?
	fi
	if [ "$_rc" = 0 ]; then
		test_passed=$((test_passed + 1))
		echo "ok $test_count - $_desc"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $_desc"
		printf '%s\n' "$_body" | sed 's/^/#	/'
		echo "#	-- exit status $_rc, output:"
		sed 's/^/#	/' "$_out"
		if [ "$test_immediate" = 1 ]; then
			test_done
		fi
	fi
	rm -f "$_out"
	return 0
}

# Prints the plan and "N passed, N failed"; exits 1 if any test failed.
# skip_all REASON: the script has nothing to test here (says why, and ends with the count so far).
skip_all() {
	say "skipped: $*"
	test_done
}

test_done() {
	echo "1..$test_count"
	echo "$test_passed passed, $test_failed failed"
	[ "$test_failed" = 0 ] && exit 0
	exit 1
}

test_cmp() {
	diff -u "$1" "$2"
}

# Fails if the command succeeds, is killed by a signal, or cannot be run at all.
test_must_fail() {
	"$@"
	local rc=$?
	if [ "$rc" = 0 ]; then
		echo "test_must_fail: command succeeded: $*" >&2
		return 1
	elif [ "$rc" -gt 128 ] && [ "$rc" -le 192 ]; then
		echo "test_must_fail: killed by signal $((rc - 128)): $*" >&2
		return 1
	elif [ "$rc" = 126 ] || [ "$rc" = 127 ]; then
		echo "test_must_fail: could not run: $*" >&2
		return 1
	fi
	return 0
}

# test_expect_code N cmd...: succeeds only if cmd exits with status N.
test_expect_code() {
	local want=$1 rc
	shift
	"$@"
	rc=$?
	[ "$rc" = "$want" ] && return 0
	echo "test_expect_code: expected exit $want, got $rc: $*" >&2
	return 1
}

# mailcheck SUBCOMMAND MAILDIR...: independent checks of sent mail (tests/lib/mailcheck.py).
mailcheck() {
	"$PYTHON" "$TOP/tests/lib/mailcheck.py" "$@"
}
