# shellcheck shell=bash
# Calendar mails for the integration tests of hostile and odd calendar objects (t4165, t4170, t4180). Needs
# group.sh's group and the mail stack, and DB and ORGANIZER set by the test.
#
#   calmail KIND WHO MSGID [calmail.py options…]   a calendar mail from WHO about 2027-03-05 (the meeting's UID
#                                                  from the state), written by calmail.py and delivered to the
#                                                  organizer's inbox through Postfix
#   answer_of EMAIL                                the answer recorded for EMAIL for 2027-03-05, or nothing
#   poison_build                                   builds die-on-poison.so as $SHIM; LD_PRELOAD=$PRELOAD loads it

# die-on-poison.so, the reader that dies on one mail (tests/integration/die-on-poison.c). The sanitized build
# wants AddressSanitizer's runtime first among the preloaded libraries, or it will not start.
SHIM=$TEST_TMP/die-on-poison.so
case $TOVHOLDER in
*/build-san/*) PRELOAD="$(cc -print-file-name=libasan.so) $SHIM" ;;
*) PRELOAD=$SHIM ;;
esac

poison_build() {
	cc -shared -fPIC -o "$SHIM" "$TOP/tests/integration/die-on-poison.c" -ldl
}

calmail() {
	local kind=$1 who=$2 msgid=$3 uid
	shift 3
	uid=$(sqlite3 "$DB" "SELECT uid FROM meeting WHERE date = '2027-03-05'") && test -n "$uid" &&
	"$PYTHON" "$TOP/tests/lib/calmail.py" "$kind" --uid "$uid" --from "$who" --to "$ORGANIZER" \
		--msgid "$msgid" "$@" >"$TEST_TMP/$msgid.eml" &&
	mailstack_inject "$TEST_TMP/$msgid.eml" "$ORGANIZER"
}

answer_of() {
	sqlite3 "$DB" "SELECT a.answer FROM answer a JOIN meeting m ON m.id = a.meeting_id
		WHERE m.date = '2027-03-05' AND a.email = '$1'"
}
