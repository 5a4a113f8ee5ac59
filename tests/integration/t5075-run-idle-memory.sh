#!/usr/bin/env bash
test_description='run: the private memory of an idle service stays small, and does not grow with the passes'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

# ASan's shadow memory and quarantine are most of such a process: the bound is for the shipping build.
case $TOVHOLDER in
*/build-san/*) skip_all "AddressSanitizer's shadow memory is not the service's: it runs in the plain suite" ;;
esac

# Private memory as the kernel counts it (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup, in kB): what
# one more group costs. Two services run, as on a server with several groups: a library page that only one
# process maps would count as private to it, and a lone service would carry some 6 MB of library code that
# way. Measured (bench/README.md, row 5): about 2.1 MB with plain IMAP, 2.6-2.8 MB with imaps, of which
# 1.5 MB are the libraries' relocated data; with imaps the heap kept the 4 MB high-water mark of the
# certificate check (6.4 MB, 8.2 MB for a service that sent its invitations itself) until the service gave
# its free pages back before it sleeps.
LIMIT_KB=4096
# Growth over five passes with new mail, after a first one has touched every code path: a pass that kept
# what it read (a leak, a cache kept for nothing) shows here; a few pages of heap that moved do not.
GROWTH_KB=256

mailstack_start
ORG1=tovholder@netvaerk.example
ORG2=tovholder2@netvaerk.example
SVC1='' SVC2=''
trap '_rc=$?; for p in $SVC1 $SVC2; do kill -9 $p 2>/dev/null; done; (exit $_rc); _test_cleanup' EXIT

# imaps with the stack's CA: the login's certificate check is the largest thing an idle service ever held.
tls_group() {
	group_write "$1" &&
	sed -i -e "s|^url = imap://127.0.0.1:$MS_IMAP_PORT|url = imaps://$MS_CERT_HOST:$MS_IMAPS_PORT|" \
		-e "/^\[imap\]/,\$ s|^tls = none|ca_file = $MS_CA|" "$1/tovholder.conf" &&
	grep -q "^url = imaps://" "$1/tovholder.conf" && grep -q "^ca_file = " "$1/tovholder.conf"
}

private_kb() {
	awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s + 0 }' "/proc/$1/smaps_rollup"
}

# The least of five looks a fifth of a second apart: a look in the middle of a pass sees what the pass holds
# while it runs, not what the service keeps.
settled_kb() {
	local i v min=
	for i in 1 2 3 4 5; do
		v=$(private_kb "$1") || return 1
		[ -z "$min" ] || [ "$v" -lt "$min" ] && min=$v
		sleep 0.2
	done
	echo "$min"
}

# svc N: the service for group N ($TEST_TMP/gN), with the group's clock, logging to svcN.log; SVCN its pid.
svc() {
	TOVHOLDER_NOW=$GROUP_NOW "$TOVHOLDER" -v -c "$TEST_TMP/g$1/tovholder.conf" run >>"$TEST_TMP/svc$1.log" 2>&1 &
	eval "SVC$1=$!"
}

wait_log() {
	local i
	for i in $(seq 1 300); do grep -q "$2" "$1" && return 0; sleep 0.1; done
	echo "no '$2' in $1:" && tail -n 20 "$1" && return 1
}

test_expect_success 'two services send their invitations over SMTP and settle in IDLE over imaps' '
	tls_group "$TEST_TMP/g2" &&
	sed -i -e "s|<$ORG1>|<$ORG2>|" -e "s|^user = $ORG1|user = $ORG2|" "$TEST_TMP/g2/tovholder.conf" &&
	grep -q "^user = $ORG2" "$TEST_TMP/g2/tovholder.conf" &&
	tls_group "$TEST_TMP/g1" &&
	svc 1 && svc 2 &&
	wait_log "$TEST_TMP/svc1.log" "connected to imaps://.*(IDLE)" &&
	wait_log "$TEST_TMP/svc2.log" "connected to imaps://.*(IDLE)" &&
	wait_log "$TEST_TMP/svc1.log" "decision folders: looking" &&
	wait_log "$TEST_TMP/svc2.log" "decision folders: looking" &&
	mailstack_wait_count anne.dahl@faxe.example 8 30
'

test_expect_success "each idle service holds at most $LIMIT_KB kB of private memory" '
	sleep 1 &&
	m1=$(settled_kb $SVC1) && m2=$(settled_kb $SVC2) &&
	say "private: $m1 kB and $m2 kB; PSS: $(awk "/^Pss:/ { print \$2 }" /proc/$SVC1/smaps_rollup) kB and $(awk "/^Pss:/ { print \$2 }" /proc/$SVC2/smaps_rollup) kB" &&
	test "$m1" -le $LIMIT_KB &&
	test "$m2" -le $LIMIT_KB
'

# reply N WHO: WHO accepts the March meeting of group 1 (Google Calendar's reply); waits until the service has
# recorded it and logged the pass that did.
reply() {
	local i
	GROUP_DIR=$TEST_TMP/g1
	group_fixture google-accept "$2" >/dev/null &&
	mailstack_inject "$TEST_TMP/fx/google-accept.eml" $ORG1 &&
	for i in $(seq 1 100); do
		test "$(sqlite3 "$GROUP_DIR/state.db" "SELECT answer FROM answer WHERE email = '$2'")" = tilsagn &&
		test "$(grep -c "inbox: 1 answers" "$TEST_TMP/svc1.log")" -ge "$1" && break
		sleep 0.1
	done &&
	test "$(grep -c "inbox: 1 answers" "$TEST_TMP/svc1.log")" -ge "$1"
}

test_expect_success "five passes with new mail after the first: growth at most $GROWTH_KB kB" '
	reply 1 anne.dahl@faxe.example &&
	first=$(settled_kb $SVC1) &&
	n=1 && peak=$first &&
	for who in bo.aagaard@greve.example dennis.kragh@holbaek.example frederik.hald@koege.example \
		lise.holm@koege.example mette.ravn@odsherred.example; do
		n=$((n + 1)) &&
		reply $n $who &&
		v=$(settled_kb $SVC1) &&
		say "after pass $n: $v kB" &&
		{ [ "$v" -le "$peak" ] || peak=$v; } || return 1
	done &&
	say "after the first pass $first kB, the most after five more $peak kB" &&
	test "$peak" -le $((first + GROWTH_KB)) &&
	test "$peak" -le $LIMIT_KB
'

test_expect_success 'both services stop cleanly' '
	kill -TERM $SVC1 $SVC2 && wait $SVC1 && wait $SVC2 && SVC1= SVC2=
'

test_done
