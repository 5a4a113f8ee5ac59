#!/usr/bin/env bash
test_description='run: state files private whatever the umask, password_command with a clean signal state, the service non-dumpable'
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/group.sh"

mailstack_start
group_write "$TEST_TMP/g"
DB=$GROUP_DIR/state.db
service_cleanup_on_exit

# The service runs as nobody, as a packaged service runs as its own user: a non-dumpable process's
# /proc/PID files belong to root rather than to its user, which is how it shows from outside.
chmod o+x "$TEST_TMP"
# nobody may not be able to enter the checkout (a clone in a 0700 dir, as mktemp -d makes, or in root's home):
# it runs a copy of the binary, with the templates beside it as in the source tree.
mkdir "$TEST_TMP/bin" && cp "$TOVHOLDER" "$TEST_TMP/bin/tovholder" && cp -r "$TOP/templates" "$TEST_TMP/templates" &&
	chmod -R o+rX "$TEST_TMP/bin" "$TEST_TMP/templates" || exit 1
NOBODY_TOVHOLDER=$TEST_TMP/bin/tovholder
# The password comes from a command that writes down the signal state it was given. Perl, because it leaves
# the mask and the dispositions as it found them (dash blocks signals for itself, Python ignores SIGPIPE).
cat >"$GROUP_DIR/pw.sh" <<'EOF'
#!/usr/bin/perl
use File::Basename;
my $dir = dirname($0);
open(my $st, "<", "/proc/self/status") or die;
open(my $out, ">", "$dir/child-signals") or die;
print $out grep { /^Sig(Blk|Ign):/ } <$st>;
open(my $pw, "<", "$dir/secret") or die;
print scalar <$pw>;
EOF
chmod 755 "$GROUP_DIR/pw.sh"
sed -i "s|^password_file = secret\$|password_command = $GROUP_DIR/pw.sh|" "$GROUP_DIR/tovholder.conf"
chown -R 65534:65534 "$GROUP_DIR"

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups env TOVHOLDER_NOW=$GROUP_NOW "$NOBODY_TOVHOLDER" \
		-c "$GROUP_DIR/tovholder.conf" "$@"
}

test_expect_success 'the password comes from password_command' '
	grep -x "password_command = $GROUP_DIR/pw.sh" "$GROUP_DIR/tovholder.conf"
'

# Started the way a shell may start it: SIGPIPE ignored (nohup does the same to SIGHUP). The service
# blocks SIGTERM, SIGINT and SIGHUP for its signalfd itself.
test_expect_success 'started under umask 022 with core dumps allowed and SIGPIPE ignored, the service sends and listens' '
	(umask 022 && ulimit -c unlimited && trap "" PIPE && exec setpriv --reuid=65534 --regid=65534 --clear-groups \
		env TOVHOLDER_NOW=$GROUP_NOW "$NOBODY_TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" run) >>svc.log 2>&1 &
	SVC_PID=$! &&
	for i in $(seq 1 300); do
		grep -q "connected to imap" svc.log && test -e "$DB-wal" && test -e "$DB-shm" && break
		sleep 0.1
	done &&
	cat svc.log &&
	grep -q "connected to imap" svc.log
'

test_expect_success 'state, -wal, -shm and the lock files are 0600' '
	stat -c "%a %U %n" "$DB" "$DB-wal" "$DB-shm" "$DB.run" &&
	for f in "$DB" "$DB-wal" "$DB-shm" "$DB.run"; do
		test "$(stat -c %a "$f")" = 600 || return 1
	done
'

test_expect_success 'password_command ran with nothing blocked and nothing ignored' '
	cat "$GROUP_DIR/child-signals" &&
	grep -xP "SigBlk:\t0{16}" "$GROUP_DIR/child-signals" &&
	ign=$(sed -n "s/^SigIgn:\t//p" "$GROUP_DIR/child-signals") &&
	# 0x80 (SIGFPE): perl ignores it itself (PERL_FPU_INIT); 0x180000000 (signals 32 and 33): the C library
	# keeps them for itself and refuses to set them, so what the launcher of the tests left there stays
	test $(( 0x$ign & ~0x180000080 )) = 0
'

test_expect_success 'the service is non-dumpable and has no core limit to dump into' '
	grep -P "^Uid:\t65534\t" /proc/$SVC_PID/status &&
	stat -c "%U %n" /proc/$SVC_PID/status &&
	test "$(stat -c %u /proc/$SVC_PID/status)" = 0 &&
	grep -E "^Max core file size +0 +0 " /proc/$SVC_PID/limits
'

test_expect_success 'it stops cleanly' '
	kill -TERM $SVC_PID && wait $SVC_PID && SVC_PID=
'

test_expect_success 'a state file others could read (made before this was so) is made private, with a warning' '
	chmod 644 "$DB" &&
	as_nobody status 2027-03-05 >out 2>err &&
	cat err &&
	grep -F "state '\''$DB'\'' could be read by everyone: it is now private to its owner (chmod 600)" err &&
	test "$(stat -c %a "$DB")" = 600 &&
	as_nobody status 2027-03-05 >out 2>err &&
	test ! -s err
'

test_expect_success 'a state made by a command in a root shell (umask 022) is 0600 too' '
	rm -f "$DB" "$DB-wal" "$DB-shm" &&
	(umask 022 && th send >/dev/null) &&
	stat -c "%a %n" "$DB" &&
	test "$(stat -c %a "$DB")" = 600
'

test_done
