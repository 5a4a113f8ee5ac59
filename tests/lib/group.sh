# A test group of invented people, written into a directory. Sourced by integration tests and the demo.
# Needs the mail stack's variables (MS_SMTP_PORT, MS_IMAP_PORT, MS_PASSWORD).
#
#   group_write DIR       tovholder.conf, schedule.ini, roster.csv, secret
#   group_conf ORGANIZER IMAP_USER   the tovholder.conf of group_write for another organizer and login
#   group_member LINE     appends a roster line (navn;organisation;email;rolle)
#   group_new_machine DIR the config of the tovholder who takes the group over (handover tests)
#   th ARGS…              runs tovholder with the group's config and a fixed clock
#   group_fixture NAME ATTENDEE [DATE]   tests/fixtures' NAME.eml as ATTENDEE's reply to our invitation for
#                         DATE (default 2027-03-05), written to $TEST_TMP/fx/NAME.eml (FX_DATE, FX_DTSTAMP)
#   mail_count_subject ADDR PREFIX          messages in ADDR's inbox whose subject starts with PREFIX
#   service_start NOW / service_stop / service_kill   `tovholder run` in the background (SVC_PID, SVC_LOG)
#   mail_wait_subject ADDR PREFIX N SECONDS until ADDR has N of them

GROUP_NOW=${GROUP_NOW:-2026-12-01T09:00:00Z}

# group_conf ORGANIZER IMAP_USER — the group's tovholder.conf on stdout: schedule.ini, roster.csv and state.db
# beside it, the mail stack's SMTP and IMAP (plain, loopback), the password in 'secret'. bench/lib.sh uses it.
group_conf() {
	cat <<CONF
[group]
name = Netværksgruppe Børn og Unge
organizer = $1
secretary = Jesper Vang (Solrød)
timezone = Europe/Copenhagen
schedule = schedule.ini
roster = roster.csv
state = state.db

[smtp]
url = smtp://127.0.0.1:${MS_SMTP_PORT:-25}
tls = none

[imap]
url = imap://127.0.0.1:${MS_IMAP_PORT:-143}
tls = none
user = $2
password_file = secret
; the Nextcloud fixtures send from this robot with the attendee in Reply-To (README "How answers are read")
trusted_relays = invitations-noreply@sky.borger.example
CONF
}

group_write() {
	GROUP_DIR=$1
	mkdir -p "$GROUP_DIR"
	printf '%s\n' "${MS_PASSWORD:-test}" >"$GROUP_DIR/secret"
	chmod 600 "$GROUP_DIR/secret"
	{
		echo '; test group — invented people only'
		group_conf 'Karin Lund <tovholder@netvaerk.example>' tovholder@netvaerk.example
	} >"$GROUP_DIR/tovholder.conf"
	cat >"$GROUP_DIR/schedule.ini" <<'SCHED'
[2027-03-05]
time = 10:00-13:00
place = online
online_url = https://teams.example/l/meetup-join/marts
agenda = Velkommen og godkendelse af dagsorden
agenda = Nyt fra Rammeaftale Sjælland
agenda = Eventuelt

[2027-05-07]
time = 10:00-13:00
place = Rådhuspladsen 1, 4700 Næstved
agenda = Velkommen
agenda = Oplæg om plejefamilier
guests = tue.bilde@region.example

[2027-09-10]
time = 10:00-13:00
place = online
online_url = https://teams.example/l/meetup-join/september
agenda = Velkommen
agenda = Årsrapport

[2027-11-12]
time = 10:00-13:00
place = online
online_url = https://teams.example/l/meetup-join/november
agenda = Velkommen
agenda = Møder i 2028
SCHED
	printf '%s\r\n' \
		'navn;organisation;email;rolle' \
		'Anne Mose Dahl;Faxe;anne.dahl@faxe.example;medlem' \
		'Bo Aagaard;Greve;bo.aagaard@greve.example;medlem' \
		'Dennis Kragh;Holbæk;dennis.kragh@holbaek.example;medlem' \
		'Frederik Hald;Køge;frederik.hald@koege.example;medlem' \
		'Lise Holm;Køge;lise.holm@koege.example;medlem' \
		'Mette Ravn;Odsherred;mette.ravn@odsherred.example;medlem' \
		'Søren Ørsted;Sorø;soeren.oersted@soroe.example;medlem' \
		'Jesper Vang;Solrød;jesper.vang@solroed.example;sekretær' \
		'Tue Bilde;Region Sjælland;tue.bilde@region.example;gæst' \
		>"$GROUP_DIR/roster.csv"
}

# The invitees of every meeting (members and the secretary).
GROUP_REGULARS="anne.dahl@faxe.example bo.aagaard@greve.example dennis.kragh@holbaek.example
frederik.hald@koege.example lise.holm@koege.example mette.ravn@odsherred.example
soeren.oersted@soroe.example jesper.vang@solroed.example"

group_member() {
	printf '%s\r\n' "$1" >>"$GROUP_DIR/roster.csv"
}

# group_graph — the group's [graph] section for the Graph stand-in (MS_GRAPH=1 mailstack_start), with a valid
# token in graph-token; TOKEN is that token.
group_graph() {
	TOKEN=$(mailstack_graph_token)
	printf '%s\n' "$TOKEN" >"$GROUP_DIR/graph-token" && chmod 600 "$GROUP_DIR/graph-token"
	printf '\n[graph]\nurl = %s\nca_file = %s\ntoken_file = graph-token\n' "$MS_GRAPH_URL" "$MS_CA" \
		>>"$GROUP_DIR/tovholder.conf"
}

th() {
	TOVHOLDER_NOW=$GROUP_NOW "$TOVHOLDER" -c "$GROUP_DIR/tovholder.conf" "$@"
}

group_fixture() {
	local name=$1 who=$2 date=${3:-2027-03-05} db=$GROUP_DIR/state.db uid msgid person
	uid=$(sqlite3 "$db" "SELECT uid FROM meeting WHERE date = '$date'") &&
	msgid=$(sqlite3 "$db" "SELECT o.message_id FROM outbox o JOIN meeting m ON m.id = o.meeting_id
		WHERE m.date = '$date' AND o.email = '$who' ORDER BY o.id DESC LIMIT 1") &&
	person=$(sqlite3 "$db" "SELECT name FROM invitation i JOIN meeting m ON m.id = i.meeting_id
		WHERE m.date = '$date' AND i.email = '$who'") &&
	test -n "$uid" && test -n "$msgid" &&
	mkdir -p "$TEST_TMP/fx" &&
	/usr/bin/python3 "$TOP/tests/fixtures/make-fixtures.py" --out "$TEST_TMP/fx" --only "$name.eml" \
		--uid "$uid" --organizer tovholder@netvaerk.example --organizer-name "Karin Lund" \
		--attendee "$who" --attendee-name "$person" --msgid "$msgid" \
		--date "${FX_DATE:-Wed, 02 Dec 2026 10:15:00 +0100}" --dtstamp "${FX_DTSTAMP:-20261202T091500Z}" \
		--dtstart "${date//-/}T100000" --dtend "${date//-/}T130000" \
		--subject-date "5. marts 2027" --summary "Netværksgruppe Børn og Unge"
}

# mail_summary ADDR… — one line per message received, from the independent checker.
mail_summary() {
	local dirs=() a
	for a in "$@"; do
		dirs+=("$(maildir_of "$a")")
	done
	/usr/bin/python3 "$TOP/tests/lib/mailcheck.py" summary "${dirs[@]}"
}

# total_delivered — messages in every mailbox of the stack.
total_delivered() {
	find "$MS_DIR/mail" -path '*/new/*' -type f -o -path '*/cur/*' -type f 2>/dev/null | wc -l
}

# fresh_group NAME — a copy of the group in $GOOD (written by group_write) in $TEST_TMP/NAME, without state,
# to break; GROUP_DIR points at it.
fresh_group() {
	GROUP_DIR=$TEST_TMP/$1
	rm -rf "$GROUP_DIR"
	cp -a "$GOOD" "$GROUP_DIR"
	rm -f "$GROUP_DIR"/state.db*
}

# refused CODE PATTERN — check and send both exit CODE with PATTERN (grep -E) on stderr; nothing sent, no
# state written.
refused() {
	test_expect_code "$1" th check 2>err &&
	grep -E "$2" err &&
	test_expect_code "$1" th send 2>err2 &&
	grep -E "$2" err2 &&
	test ! -e "$GROUP_DIR/state.db" &&
	test "$(total_delivered)" = 0
}

# group_new_machine DIR [ORGANIZER] — the new tovholder's own config after a handover (t6300, t6310): their
# name and address (default Ole Sand <ole.sand@solroed.example>), their mailbox, the files in a subfolder
# under other names than the old machine used. Nothing else.
group_new_machine() {
	local org=${2:-ole.sand@solroed.example}
	mkdir -p "$1/gruppe" &&
	printf '%s\n' "$MS_PASSWORD" >"$1/secret" &&
	chmod 600 "$1/secret" &&
	cat >"$1/tovholder.conf" <<-CONF
	[group]
	name = Netværksgruppe Børn og Unge
	organizer = Ole Sand <$org>
	secretary = Jesper Vang (Solrød)
	schedule = gruppe/moeder.ini
	roster = gruppe/deltagere.csv
	state = state.db

	[smtp]
	url = smtp://127.0.0.1:$MS_SMTP_PORT
	tls = none

	[imap]
	url = imap://127.0.0.1:$MS_IMAP_PORT
	tls = none
	user = $org
	password_file = secret
	CONF
}

# mail_count_subject ADDR PREFIX — messages in ADDR's inbox whose subject (as Python's email parser decodes
# it) starts with PREFIX; 0 when ADDR has no mailbox yet.
mail_count_subject() {
	[ -d "$(maildir_of "$1")" ] || { echo 0; return; }
	/usr/bin/python3 "$TOP/tests/lib/mailcheck.py" json "$(maildir_of "$1")" |
		/usr/bin/python3 -c 'import json, sys; print(sum(1 for m in json.load(sys.stdin) if m["subject"].startswith(sys.argv[1])))' "$2"
}

# mail_wait_subject ADDR PREFIX N SECONDS — waits until ADDR has N such messages; fails (saying how many)
# after SECONDS.
mail_wait_subject() {
	local i
	for i in $(seq $(($4 * 4))); do
		[ "$(mail_count_subject "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.25
	done
	echo "$1: $(mail_count_subject "$1" "$2") message(s) '$2…' after $4 s, want $3" >&2
	return 1
}

# service_start NOW [OPTION…] — `tovholder [OPTION…] run` (e.g. -v) in the background with its clock at NOW
# (TOVHOLDER_NOW); its pid in SVC_PID, its log appended to $SVC_LOG (default $TEST_TMP/svc.log). A script that
# uses it calls service_cleanup_on_exit first.
service_start() {
	SVC_LOG=${SVC_LOG:-$TEST_TMP/svc.log}
	echo "=== run at $1" >>"$SVC_LOG"
	TOVHOLDER_NOW=$1 "$TOVHOLDER" "${@:2}" -c "$GROUP_DIR/tovholder.conf" run >>"$SVC_LOG" 2>&1 &
	SVC_PID=$!
}

# service_cleanup_on_exit — the EXIT trap of a script that runs the service: a service still running ($SVC_PID)
# is killed, then test-lib's own cleanup runs with the script's exit status kept.
service_cleanup_on_exit() {
	SVC_PID=
	trap '_rc=$?; [ -n "$SVC_PID" ] && kill -9 "$SVC_PID" 2>/dev/null; (exit $_rc); _test_cleanup' EXIT
}

# service_stop — SIGTERM; fails unless the service exits 0 within 5 s.
service_stop() {
	local i rc
	[ -n "$SVC_PID" ] || return 1
	kill -TERM "$SVC_PID" || return 1
	for i in $(seq 50); do
		kill -0 "$SVC_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SVC_PID" 2>/dev/null; then
		echo "the service did not stop within 5 s of SIGTERM" >&2
		kill -9 "$SVC_PID"
	fi
	wait "$SVC_PID"
	rc=$?
	SVC_PID=
	[ "$rc" = 0 ] || echo "the service exited $rc after SIGTERM" >&2
	return "$rc"
}

# service_kill — kill -9, as a crash would.
service_kill() {
	kill -9 "$SVC_PID" 2>/dev/null
	wait "$SVC_PID" 2>/dev/null
	SVC_PID=
}
