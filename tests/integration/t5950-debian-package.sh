#!/usr/bin/env bash
test_description='make deb: the Debian package from a clean clone, lintian, reproducible; install, run, upgrade, remove, purge'
# Three package builds (about 20 s each on an idle machine, minutes on a busy one) and two installs:
# run-all: timeout 600
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

# The package is installed on this machine for real (apt-get), then purged: whatever happens, the EXIT trap
# purges it and removes what the test made (/etc/tovholder, /var/lib/tovholder, the user, if they were not
# there before), so the machine is left as it was found. Everything runs /usr/bin/tovholder by its full
# path, so a `make install` to /usr/local (whose binary may come first on PATH) is neither used nor touched.

# One instance per machine: the package is a machine-wide thing, and other worktrees run this suite too.
[ "$(id -u)" = 0 ] || skip_all "needs root: it installs the package with apt-get"
case $TOVHOLDER in
*/build-san/*) skip_all "the package is built with Debian's flags, not the sanitizers': it is tested in the plain suite" ;;
esac
for cmd in dpkg-buildpackage lintian apt-get git systemd-analyze runuser flock; do
	command -v "$cmd" >/dev/null || skip_all "$cmd is missing (scripts/install-deps installs it)"
done
exec 9>/run/lock/tovholder-t5950.lock || skip_all "cannot open /run/lock/tovholder-t5950.lock"
flock -w 120 9 || skip_all "another run of t5950 has held the machine's package lock for 2 minutes"
case $(dpkg-query -W -f='${db:Status-Abbrev}' tovholder 2>/dev/null) in
"" | "un " | "pn ") ;;
*) skip_all "dpkg knows a tovholder package on this machine (installed or its config kept): not touching it" ;;
esac
for d in /etc/tovholder /var/lib/tovholder; do
	[ ! -e "$d" ] || skip_all "$d exists: this machine has a tovholder set-up of its own, not touching it"
done

had_user=
getent passwd tovholder >/dev/null && had_user=yes
installed=
ARCH=$(dpkg --print-architecture)
APT=(env DEBIAN_FRONTEND=noninteractive apt-get -y -q --no-install-recommends -o DPkg::Lock::Timeout=120)
CONF=/etc/tovholder/tovholder.conf
STATE=/var/lib/tovholder

deb_cleanup() {
	if [ -n "$installed" ] || dpkg-query -W tovholder >/dev/null 2>&1; then
		dpkg --purge tovholder >/dev/null 2>&1 || say "cleanup: dpkg --purge tovholder failed"
	fi
	installed=
	rm -rf /etc/tovholder "$STATE"
	if [ -z "$had_user" ] && getent passwd tovholder >/dev/null; then
		userdel tovholder || say "cleanup: userdel tovholder failed"
	fi
	if [ -z "$had_user" ] && getent group tovholder >/dev/null; then
		groupdel tovholder || say "cleanup: groupdel tovholder failed"
	fi
}
trap '_rc=$?; deb_cleanup; (exit $_rc); _test_cleanup' EXIT

# A make of our own: not the jobserver or the variables of a make that may be running this script.
# nocheck: the unit tests run in make check already; the package's own run of them is the same code.
mkdeb() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL DEB_BUILD_OPTIONS=nocheck make --no-print-directory -C "$@"
}

# The installed program, as the service's user, with the test group's clock and no test-suite settings.
inst() {
	runuser -u tovholder -- env -u TOVHOLDER_TEMPLATES -u TOVHOLDER_CONFIG TOVHOLDER_NOW="$GROUP_NOW" \
		/usr/bin/tovholder -c "$CONF" "$@"
}

# snapshot: every file below /etc/tovholder and /var/lib/tovholder with its mode, owner and checksum.
snapshot() {
	find /etc/tovholder "$STATE" -type f -printf '%m %u:%g %p\n' 2>/dev/null | sort -k3 |
		while read -r mode owner path; do
			echo "$mode $owner $(sha256sum <"$path" | cut -c1-64) $path"
		done
}

A=$TEST_TMP/a/tovholder
B=$TEST_TMP/another/path/tv
test_expect_success 'make deb builds the package from a clean clone of HEAD, lintian finds nothing' '
	git clone -q "$TOP" "$A" &&
	V=$(sed -n "1{s/^tovholder [(]//;s/[)].*//;p;}" "$A/debian/changelog") &&
	test -n "$V" &&
	DEB=$A/build/deb/tovholder_${V}_$ARCH.deb &&
	start=$(date +%s) &&
	mkdeb "$A" deb >"$TEST_TMP/build-a.log" 2>&1 || { tail -n 40 "$TEST_TMP/build-a.log"; false; } &&
	say "make deb: $(( $(date +%s) - start ))s" &&
	test -f "$DEB" &&
	grep -x "lintian --fail-on error,warning build/deb/\*.changes" "$TEST_TMP/build-a.log" &&
	sed -n "/^lintian --fail-on/,\$p" "$TEST_TMP/build-a.log" >lintian.out &&
	cat lintian.out &&
	! grep -E "^[EW]: " lintian.out &&
	test -z "$(ls -A "$TEST_TMP/a" | grep -vx tovholder)"
'

# Another path (the build path must not reach the binary) and files older than the commit, as a work tree
# has them (a clone's are all new, and dpkg-deb clamps only what is newer than SOURCE_DATE_EPOCH).
test_expect_success 'a second build, from another clone at another path, gives the same bytes' '
	git clone -q "$TOP" "$B" &&
	touch -d 2001-01-01 "$B/debian/README.Debian" "$B/config/roster.csv" &&
	start=$(date +%s) &&
	mkdeb "$B" deb DEB_LINTIAN=0 >"$TEST_TMP/build-b.log" 2>&1 || { tail -n 40 "$TEST_TMP/build-b.log"; false; } &&
	say "make deb without lintian: $(( $(date +%s) - start ))s" &&
	for f in tovholder tovholder-dbgsym; do
		cmp "$A/build/deb/${f}_${V}_$ARCH.deb" "$B/build/deb/${f}_${V}_$ARCH.deb" || return 1
	done &&
	cmp "$A/build/deb/tovholder-$V/build/tovholder" "$B/build/deb/tovholder-$V/build/tovholder" &&
	! grep -aq "$TEST_TMP" "$B/build/deb/tovholder-$V/debian/tovholder/usr/bin/tovholder"
'

test_expect_success 'the package: version of debian/changelog, dependencies from shlibs, no service started' '
	test "$(dpkg-deb -f "$DEB" Version)" = "$V" &&
	dpkg-deb -f "$DEB" Depends >depends &&
	grep -E "(^|, )libetpan20( |,|$)" depends &&
	grep -E "(^|, )libical3( |,|$)" depends &&
	grep "systemd-sysusers" depends &&
	! grep -E "libdb|liblockfile|libsasl" depends &&
	dpkg-deb -e "$DEB" ctl &&
	grep -F "systemd-sysusers" ctl/postinst &&
	grep -F "deb-systemd-invoke \$_dh_action '"'"'tovholder.service'"'"'" ctl/postinst &&
	grep -F "_dh_action=restart" ctl/postinst &&
	test "$(grep -c "deb-systemd-helper enable" ctl/postinst)" = 1 &&
	grep -B2 "deb-systemd-helper enable" ctl/postinst | grep "was-enabled"
'

test_expect_success 'apt-get installs it, its dependencies resolved by apt' '
	chmod 0755 "$TEST_TMP" &&
	installed=yes &&
	"${APT[@]}" install "$DEB" >apt.out 2>&1 || { cat apt.out; false; } &&
	dpkg-query -W -f="\${db:Status-Abbrev} \${Version}\n" tovholder >status &&
	grep -x "ii  $V" status &&
	dpkg -L tovholder | sort >"$TEST_TMP/dpkg-L"
'

test_expect_success 'the installed files, with their modes and owners' '
	{
		echo "drwxr-xr-x root:root /etc/tovholder"
		echo "-rwxr-xr-x root:root /usr/bin/tovholder"
		for f in /lib/systemd/system/tovholder.service /lib/systemd/system/tovholder@.service \
			/usr/lib/sysusers.d/tovholder.conf /usr/share/man/man1/tovholder.1.gz \
			/usr/share/man/man5/tovholder.conf.5.gz /usr/share/doc/tovholder/README.Debian \
			/usr/share/doc/tovholder/copyright /usr/share/doc/tovholder/changelog.gz \
			/usr/share/doc/tovholder/README.md.gz; do
			echo "-rw-r--r-- root:root $f"
		done
		for f in tovholder.conf schedule.ini roster.csv; do
			echo "-rw-r--r-- root:root /usr/share/doc/tovholder/examples/$f"
		done
		for f in "$A"/templates/*; do
			echo "-rw-r--r-- root:root /usr/share/tovholder/templates/${f##*/}"
		done
	} | sort -k3 >expect &&
	while read -r p; do
		[ -d "$p" ] && [ "$p" != /etc/tovholder ] && continue
		stat -c "%A %U:%G %n" "$p" || return 1
	done <"$TEST_TMP/dpkg-L" | sort -k3 >actual &&
	test_cmp expect actual &&
	test -z "$(ls -A /etc/tovholder)" &&
	(for f in tovholder.conf schedule.ini roster.csv; do
		cmp "$A/config/$f" "/usr/share/doc/tovholder/examples/$f" || exit 1
	done) &&
	cmp "$A/debian/README.Debian" /usr/share/doc/tovholder/README.Debian &&
	cmp "$A/systemd/tovholder.sysusers" /usr/lib/sysusers.d/tovholder.conf &&
	zcat /usr/share/man/man1/tovholder.1.gz | head -n 1 | grep -F "\"tovholder $V\"" &&
	test "$(/usr/bin/tovholder --version)" = "tovholder $V" &&
	grep -aq /usr/share/tovholder/templates /usr/bin/tovholder
'

test_expect_success 'the system user exists, without a login; the service was neither enabled nor started' '
	getent passwd tovholder >passwd &&
	grep -E "^tovholder:x:[0-9]+:[0-9]+:[^:]*:/var/lib/tovholder:/usr/sbin/nologin$" passwd &&
	uid=$(cut -d: -f3 passwd) && [ "$uid" -gt 0 ] && [ "$uid" -lt 1000 ] &&
	getent group tovholder &&
	test ! -e /etc/systemd/system/multi-user.target.wants/tovholder.service &&
	test ! -e "$STATE" &&
	! pgrep -u tovholder
'

# exposure UNITFILE — "Overall exposure level" of systemd-analyze security --offline=true (as in t5900).
exposure() {
	systemd-analyze security --offline=true "$1" >security.out 2>&1 || { cat security.out; return 1; }
	sed -n "s/^.*Overall exposure level for [^:]*: \([0-9][0-9]*\.[0-9]*\).*$/\1/p" security.out
}

test_expect_success 'the installed units pass systemd-analyze verify; exposure 2.0 or less' '
	cp /lib/systemd/system/tovholder@.service "$TEST_TMP/tovholder@boern-unge.service" &&
	for u in /lib/systemd/system/tovholder.service "$TEST_TMP/tovholder@boern-unge.service"; do
		systemd-analyze verify "$u" >verify.out 2>&1; rc=$?
		cat verify.out
		[ "$rc" = 0 ] && [ ! -s verify.out ] || return 1
	done &&
	for u in tovholder.service tovholder@.service; do
		e=$(exposure "/lib/systemd/system/$u") && say "$u: exposure $e" &&
		awk -v a="$e" "BEGIN { exit !(a != \"\" && a + 0 <= 2.0) }" || return 1
	done
'

test_expect_success 'without a config it prints the five steps of README.Debian, and exits 78' '
	test_expect_code 78 env -u TOVHOLDER_CONFIG /usr/bin/tovholder check 2>steps &&
	cat steps &&
	grep -E "^  [0-9]\. " steps >steps.bin &&
	grep -E "^  [0-9]\. " /usr/share/doc/tovholder/README.Debian >steps.readme &&
	test "$(wc -l <steps.bin)" = 5 &&
	test_cmp steps.readme steps.bin &&
	grep -Fx "/usr/share/doc/tovholder/README.Debian explains each step." steps &&
	test_expect_code 64 /usr/bin/tovholder 2>usage &&
	grep -Fx "  5. Start the service: systemctl enable --now tovholder" usage
'

test_expect_success 'steps 1 to 4 with the installed examples: tovholder check passes as the service user' '
	mkdir -p /etc/tovholder && cp /usr/share/doc/tovholder/examples/* /etc/tovholder/ &&
	sed -i "s|^state = .*|state = /var/lib/tovholder/state.db|" "$CONF" &&
	printf "%s\n" not-the-real-password >/etc/tovholder/secret &&
	(cd /etc/tovholder && chown tovholder: secret && chmod 600 secret) &&
	inst check >check.out 2>&1 || { cat check.out; false; } &&
	cat check.out
'

# The test group of tests/lib/group.sh in /etc/tovholder, against the test mail stack, its state where the
# service keeps it (systemd makes the directory at the service's start; here the test does).
test_expect_success 'the installed program sends the invitations and fetches an answer' '
	mailstack_start &&
	rm -f /etc/tovholder/* &&
	group_write /etc/tovholder &&
	sed -i "s|^state = .*|state = $STATE/state.db|" "$CONF" &&
	chown tovholder: /etc/tovholder/secret &&
	install -d -o tovholder -g tovholder -m 0700 "$STATE" &&
	inst send >send.out 2>&1 || { cat send.out; false; } &&
	mailstack_wait_idle &&
	mail_summary anne.dahl@faxe.example >anne &&
	grep "REQUEST" anne &&
	GROUP_DIR=$STATE group_fixture outlook-exchange-decline bo.aagaard@greve.example &&
	mailstack_inject "$TEST_TMP/fx/outlook-exchange-decline.eml" tovholder@netvaerk.example &&
	inst fetch >fetch.out 2>&1 || { cat fetch.out; false; } &&
	inst status 2027-03-05 >status.out &&
	cat status.out &&
	grep -E "Bo Aagaard .*afbud" status.out
'

test_expect_success 'upgrade to a rebuilt package of a higher version: config and state kept, byte for byte' '
	V2=$V+t5950 &&
	{
		printf "tovholder (%s) bookworm; urgency=medium\n\n  * t5950: the upgrade.\n\n" "$V2" &&
		printf " -- t5950 <t5950@tovholder.example>  %s\n\n" "$(date -R -d @1800000000)" &&
		cat "$A/debian/changelog"
	} >changelog.new && mv changelog.new "$A/debian/changelog" &&
	mkdeb "$A" deb DEB_LINTIAN=0 >"$TEST_TMP/build-2.log" 2>&1 || { tail -n 40 "$TEST_TMP/build-2.log"; false; } &&
	DEB2=$A/build/deb/tovholder_${V2}_$ARCH.deb &&
	test -f "$DEB2" &&
	snapshot >before &&
	grep -F " $STATE/state.db" before && grep -F " $CONF" before &&
	"${APT[@]}" install "$DEB2" >apt2.out 2>&1 || { cat apt2.out; false; } &&
	grep -F "Unpacking tovholder ($V2) over ($V)" apt2.out &&
	test "$(/usr/bin/tovholder --version)" = "tovholder $V2" &&
	zcat /usr/share/man/man5/tovholder.conf.5.gz | head -n 1 | grep -F "\"tovholder $V2\"" &&
	snapshot >after &&
	test_cmp before after &&
	inst status 2027-03-05 | grep -E "Bo Aagaard .*afbud" &&
	dpkg -L tovholder | sort >"$TEST_TMP/dpkg-L"
'

test_expect_success 'remove: the program goes, config, state and user stay' '
	snapshot >before &&
	"${APT[@]}" remove tovholder >remove.out 2>&1 || { cat remove.out; false; } &&
	test ! -e /usr/bin/tovholder &&
	test ! -e /lib/systemd/system/tovholder.service &&
	dpkg-query -W -f="\${db:Status-Abbrev}\n" tovholder | grep -x "rc " &&
	snapshot >after &&
	test_cmp before after &&
	getent passwd tovholder
'

test_expect_success 'purge: nothing of the package is left but the admin files, the state and the user' '
	"${APT[@]}" purge tovholder >purge.out 2>&1 || { cat purge.out; false; } &&
	installed= &&
	st=$(dpkg-query -W -f="\${db:Status-Abbrev}" tovholder 2>/dev/null || true) &&
	case "$st" in "" | "un " | "pn ") ;; *) echo "dpkg status after purge: $st"; false ;; esac &&
	while read -r p; do
		case $p in
		/etc/tovholder) ;;
		/. | /etc | /lib | /lib/systemd | /lib/systemd/system | /usr | /usr/bin | /usr/lib | \
		/usr/lib/sysusers.d | /usr/share | /usr/share/doc | /usr/share/man | /usr/share/man/man1 | \
		/usr/share/man/man5) ;;
		*) if [ -e "$p" ] || [ -L "$p" ]; then echo "left behind: $p"; fi ;;
		esac
	done <"$TEST_TMP/dpkg-L" >left &&
	test_cmp /dev/null left &&
	(cd /etc/tovholder && ls -A) >admin &&
	printf "%s\n" roster.csv schedule.ini secret tovholder.conf >want &&
	test_cmp want admin &&
	test -f "$STATE/state.db" &&
	! ls /var/lib/systemd/deb-systemd-helper-enabled 2>/dev/null | grep tovholder &&
	! ls /var/lib/systemd/deb-systemd-helper-masked 2>/dev/null | grep tovholder &&
	getent passwd tovholder
'

test_expect_success 'the test leaves the machine as it found it' '
	mailstack_stop_all &&
	deb_cleanup &&
	test ! -e /etc/tovholder && test ! -e "$STATE" &&
	! dpkg-query -W tovholder 2>/dev/null &&
	if [ -z "$had_user" ]; then ! getent passwd tovholder && ! getent group tovholder; fi
'

test_done
