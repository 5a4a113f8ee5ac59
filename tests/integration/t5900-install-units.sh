#!/usr/bin/env bash
test_description='make install: the installed tree, the binary built for its PREFIX, and the hardened systemd units'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

# It builds and installs its own tree, whatever $TOVHOLDER is: in the sanitized suite it would only do the same
# work again.
case $TOVHOLDER in
*/build-san/*) skip_all "it builds its own tree with the shipping flags: it runs in the plain suite" ;;
esac

# No mail stack: nothing here sends or fetches. The build goes to its own directory so that the shared
# build/ (used by the other tests, maybe at the same time) is never rebuilt with another PREFIX.
B=$TEST_TMP/build
D=$TEST_TMP/root
UNITS="tovholder.service tovholder@.service"

# A make of our own: not the jobserver or the variables of a make that may be running this script.
tmake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -C "$TOP" -j"$(nproc)" BUILD="$B" "$@"
}

# exposure UNITFILE — prints the "Overall exposure level" of systemd-analyze security --offline=true.
exposure() {
	systemd-analyze security --offline=true "$1" >"$TEST_TMP/security.out" 2>&1 ||
		{ cat "$TEST_TMP/security.out"; return 1; }
	sed -n 's/^.*Overall exposure level for [^:]*: \([0-9][0-9]*\.[0-9]*\).*$/\1/p' "$TEST_TMP/security.out"
}

# at_most A B — A <= B for decimal numbers.
at_most() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }'
}

# verify UNITFILE BINARY [MANDIR] — systemd-analyze verify on a copy whose ExecStart names BINARY (verify
# checks that the program exists, and this machine has no tovholder in /usr/bin), with the installed man
# pages (MANDIR, default the PREFIX=/usr tree's) for Documentation=. verify exits 0 even for an unknown key,
# so any output at all is a failure.
verify() {
	local dir=$TEST_TMP/verify name mandir=${3:-$D/usr/share/man}
	name=$(basename "$1")
	mkdir -p "$dir" &&
	sed "s|^ExecStart=[^ ]*/bin/tovholder |ExecStart=$2 |" "$1" >"$dir/$name" &&
	grep -q "^ExecStart=$2 " "$dir/$name" &&
	if command -v man >/dev/null; then
		MANPATH=$mandir systemd-analyze verify "$dir/$name" >"$dir/out" 2>&1
	else
		say "no man(1) here: Documentation= not checked"
		systemd-analyze verify --man=no "$dir/$name" >"$dir/out" 2>&1
	fi
	local rc=$?
	cat "$dir/out"
	[ "$rc" = 0 ] && [ ! -s "$dir/out" ]
}

test_expect_success 'systemd-analyze is available (Debian package systemd)' '
	command -v systemd-analyze
'

test_expect_success 'a build for the default PREFIX is rebuilt by make install PREFIX=/usr' '
	tmake "$B/obj/compose.o" "$B/obj/main.o" &&
	grep -aq /usr/local/share/tovholder "$B/obj/compose.o" &&
	(umask 077 && tmake install DESTDIR="$D" PREFIX=/usr) &&
	grep -aq /usr/share/tovholder "$D/usr/bin/tovholder" &&
	! grep -aq /usr/local/share/tovholder "$D/usr/bin/tovholder"
'

test_expect_success 'the installed tree: every file, with its mode' '
	{
		for d in usr usr/bin usr/lib usr/lib/systemd usr/lib/systemd/system usr/lib/sysusers.d \
			usr/share usr/share/man usr/share/man/man1 usr/share/man/man5 usr/share/tovholder \
			usr/share/tovholder/examples usr/share/tovholder/templates; do
			echo "drwxr-xr-x $d"
		done
		echo "-rwxr-xr-x usr/bin/tovholder"
		for f in usr/lib/systemd/system/tovholder.service usr/lib/systemd/system/tovholder@.service \
			usr/lib/sysusers.d/tovholder.conf usr/share/man/man1/tovholder.1 \
			usr/share/man/man5/tovholder.conf.5 usr/share/tovholder/examples/tovholder.conf \
			usr/share/tovholder/examples/schedule.ini usr/share/tovholder/examples/roster.csv; do
			echo "-rw-r--r-- $f"
		done
		for f in "$TOP"/templates/*; do
			echo "-rw-r--r-- usr/share/tovholder/templates/${f##*/}"
		done
	} | sort -k2 >expect &&
	test -e "$D/usr/share/tovholder/templates/indkaldelse.txt" &&
	(cd "$D" && find . -mindepth 1 -printf "%M %P\n") | sort -k2 >actual &&
	test_cmp expect actual
'

test_expect_success 'nothing under /etc or /var; examples, templates and man pages (with the version) are the sources' '
	test ! -e "$D/etc" && test ! -e "$D/var" &&
	(for f in tovholder.conf schedule.ini roster.csv; do
		cmp "$TOP/config/$f" "$D/usr/share/tovholder/examples/$f" || exit 1
	done) &&
	(for f in "$TOP"/templates/*; do
		cmp "$f" "$D/usr/share/tovholder/templates/${f##*/}" || exit 1
	done) &&
	v=$("$D/usr/bin/tovholder" --version) &&
	for m in man1/tovholder.1 man5/tovholder.conf.5; do
		sed 1d "$TOP/man/${m#*/}" >want && sed 1d "$D/usr/share/man/$m" >got && cmp want got &&
		head -n 1 "$D/usr/share/man/$m" | grep -F "\"$v\"" || return 1
	done
'

test_expect_success 'the installed binary runs --version and help' '
	"$D/usr/bin/tovholder" --version >out &&
	grep -E "^tovholder [0-9]" out &&
	"$D/usr/bin/tovholder" help >out &&
	grep "^usage: tovholder" out &&
	grep "/etc/tovholder/tovholder.conf" out
'

test_expect_success 'it reads the templates of the DESTDIR copy through TOVHOLDER_TEMPLATES' '
	TOVHOLDER=$D/usr/bin/tovholder &&
	group_write "$TEST_TMP/group" &&
	T=$D/usr/share/tovholder/templates &&
	TOVHOLDER_TEMPLATES=$T th check &&
	mv "$T/indkaldelse.txt" "$TEST_TMP/" &&
	test_expect_code 78 env TOVHOLDER_TEMPLATES="$T" TOVHOLDER_NOW="$GROUP_NOW" \
		"$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" check 2>err;
	rc=$?; mv "$TEST_TMP/indkaldelse.txt" "$T/" && [ "$rc" = 0 ] &&
	grep -F "$T/indkaldelse.txt" err
'

test_expect_success 'without TOVHOLDER_TEMPLATES it looks in PREFIX/share/tovholder/templates' '
	TOVHOLDER=$D/usr/bin/tovholder &&
	if [ -e /usr/share/tovholder/templates ]; then
		say "/usr/share/tovholder/templates exists on this machine: only the compiled-in string checked"
		grep -aq /usr/share/tovholder/templates "$TOVHOLDER"
	else
		test_expect_code 78 env -u TOVHOLDER_TEMPLATES TOVHOLDER_NOW="$GROUP_NOW" \
			"$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" check 2>err &&
		grep -F "looked in /usr/share/tovholder/templates" err
	fi
'

test_expect_success 'ExecStart of both units is the installed binary with the right config' '
	U=$D/usr/lib/systemd/system &&
	grep -x "ExecStart=/usr/bin/tovholder -c /etc/tovholder/tovholder.conf run" "$U/tovholder.service" &&
	grep -x "ExecStart=/usr/bin/tovholder -c /etc/tovholder/%i.conf run" "$U/tovholder@.service" &&
	grep -x "StateDirectory=tovholder" "$U/tovholder.service" &&
	grep -x "StateDirectory=tovholder/%i" "$U/tovholder@.service" &&
	test "$(grep -c "^ExecStart=" "$U/tovholder.service")" = 1 &&
	test "$(grep -c "^ExecStart=" "$U/tovholder@.service")" = 1
'

test_expect_success 'both units pass systemd-analyze verify' '
	(for u in $UNITS; do
		verify "$D/usr/lib/systemd/system/$u" "$D/usr/bin/tovholder" || exit 1
	done) &&
	cp "$D/usr/lib/systemd/system/tovholder@.service" "$TEST_TMP/tovholder@boern-unge.service" &&
	verify "$TEST_TMP/tovholder@boern-unge.service" "$D/usr/bin/tovholder"
'

test_expect_success 'verify catches a misspelt setting (the check above can fail)' '
	sed "s/^ProtectClock=/ProtecClock=/" "$D/usr/lib/systemd/system/tovholder.service" \
		>"$TEST_TMP/tovholder.service" &&
	! verify "$TEST_TMP/tovholder.service" "$D/usr/bin/tovholder" >out &&
	grep ProtecClock out
'

test_expect_success 'both units have an overall exposure of 2.0 or less' '
	(for u in $UNITS; do
		e=$(exposure "$D/usr/lib/systemd/system/$u") &&
		say "$u: exposure $e" &&
		at_most "$e" 2.0 || exit 1
	done)
'

test_expect_success 'the exposure check tells an unhardened unit from ours' '
	mkdir -p "$TEST_TMP/bare" &&
	printf "[Service]\nType=notify\nExecStart=/usr/bin/tovholder run\n" >"$TEST_TMP/bare/bare.service" &&
	e=$(exposure "$TEST_TMP/bare/bare.service") &&
	say "bare unit: exposure $e" &&
	! at_most "$e" 2.0
'

test_expect_success 'the units keep what the service needs' '
	(for u in $UNITS; do
		f=$D/usr/lib/systemd/system/$u
		grep -x "Type=notify" "$f" &&
		grep -x "NotifyAccess=main" "$f" &&
		grep -x "ExecReload=/bin/kill -HUP \$MAINPID" "$f" &&
		grep -x "Restart=on-failure" "$f" &&
		grep -x "TimeoutStopSec=10s" "$f" &&
		grep -E "^WatchdogSec=[0-9]+min$" "$f" &&
		grep -x "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" "$f" &&
		grep -x "CapabilityBoundingSet=" "$f" &&
		grep -x "UMask=0077" "$f" &&
		grep -x "LimitCORE=0" "$f" &&
		! grep -E "^(IPAddressDeny|PrivateNetwork)=" "$f" || exit 1
	done)
'

test_expect_success 'the sysusers.d entry creates a system user without a login' '
	mkdir -p "$TEST_TMP/sysroot/etc" &&
	systemd-sysusers --root="$TEST_TMP/sysroot" "$D/usr/lib/sysusers.d/tovholder.conf" &&
	grep -E "^tovholder:x:[0-9]+:[0-9]+:[^:]*:/var/lib/tovholder:/usr/sbin/nologin$" "$TEST_TMP/sysroot/etc/passwd" &&
	uid=$(awk -F: "\$1 == \"tovholder\" { print \$3 }" "$TEST_TMP/sysroot/etc/passwd") &&
	[ "$uid" -lt 1000 ] && [ "$uid" -gt 0 ]
'

# Another PREFIX and SYSCONFDIR: the rewriting of the units and the compiled-in paths, which PREFIX=/usr
# leaves unchanged and so cannot show.
D2=$TEST_TMP/root-opt
test_expect_success 'PREFIX=/opt/tovholder SYSCONFDIR=/etc/opt: units, binary and tree follow' '
	tmake install DESTDIR="$D2" PREFIX=/opt/tovholder SYSCONFDIR=/etc/opt &&
	U=$D2/opt/tovholder/lib/systemd/system &&
	grep -x "ExecStart=/opt/tovholder/bin/tovholder -c /etc/opt/tovholder/tovholder.conf run" \
		"$U/tovholder.service" &&
	grep -x "ExecStart=/opt/tovholder/bin/tovholder -c /etc/opt/tovholder/%i.conf run" \
		"$U/tovholder@.service" &&
	! grep -h "/etc/tovholder" "$U/tovholder.service" "$U/tovholder@.service" &&
	test -x "$D2/opt/tovholder/bin/tovholder" &&
	test -f "$D2/opt/tovholder/share/tovholder/templates/indkaldelse.txt" &&
	test -f "$D2/opt/tovholder/share/man/man5/tovholder.conf.5" &&
	test -f "$D2/opt/tovholder/lib/sysusers.d/tovholder.conf" &&
	test ! -e "$D2/etc" && test ! -e "$D2/usr" &&
	"$D2/opt/tovholder/bin/tovholder" help >out &&
	grep -F "/etc/opt/tovholder/tovholder.conf" out &&
	grep -aq /opt/tovholder/share/tovholder/templates "$D2/opt/tovholder/bin/tovholder" &&
	verify "$U/tovholder.service" "$D2/opt/tovholder/bin/tovholder" "$D2/opt/tovholder/share/man"
'

test_done
