# shellcheck shell=bash
# Helpers for bench/run. Needs the mail stack's variables (tests/lib/mailstack.sh, mailstack_start).

BENCH_ORGANIZER=tovholder@netvaerk.example
BENCH_PY=/usr/bin/python3
# shellcheck source=tests/lib/group.sh
. "$TOP/tests/lib/group.sh"	# group_conf

# bench_group DIR IMAP_USER [ORGANIZER]: a group of 20 invitees (19 members and the secretary, invented people)
# and 10 meetings in 2027, so one `send` is 10 x 20 = 200 invitations. The organizer's address is
# $BENCH_ORGANIZER unless given; the IMAP login may differ from it (Dovecot's static passdb takes any user),
# which gives each mailbox of the bench its own group directory. The config is tests/lib/group.sh's.
bench_group() {
	local dir=$1 user=$2 org=${3:-$BENCH_ORGANIZER} i
	local orgs=(Faxe Greve Holbæk Køge Lejre Odsherred Ringsted Roskilde Slagelse Solrød Sorø Stevns
		Vordingborg Næstved Kalundborg Lolland Guldborgsund "Region Sjælland" Bornholm)
	mkdir -p "$dir"
	printf '%s\n' "$MS_PASSWORD" >"$dir/secret"
	chmod 600 "$dir/secret"
	{
		echo '; bench group — invented people only'
		group_conf "Karin Lund <$org>" "$user"
	} >"$dir/tovholder.conf"
	: >"$dir/schedule.ini"
	for i in 01 02 03 04 05 06 08 09 10 11; do
		cat >>"$dir/schedule.ini" <<-SCHED
		[2027-$i-05]
		time = 10:00-13:00
		place = online
		online_url = https://teams.example/l/meetup-join/bench-$i
		agenda = Velkommen og godkendelse af dagsorden
		agenda = Nyt fra kommunerne
		agenda = Eventuelt

		SCHED
	done
	{
		printf '%s\r\n' 'navn;organisation;email;rolle'
		for i in $(seq 1 19); do
			printf 'Medlem Nummer%d;%s;medlem%d@kommune%d.example;medlem\r\n' "$i" "${orgs[i - 1]}" "$i" "$i"
		done
		printf '%s\r\n' 'Jesper Vang;Solrød;jesper.vang@solroed.example;sekretær'
	} >"$dir/roster.csv"
}

now_ns() { date +%s%N; }

# calc EXPR: arithmetic with decimals (awk), 4 places.
calc() { awk "BEGIN { printf \"%.4f\n\", $1 }"; }

# ms_since NS: milliseconds since a now_ns value.
ms_since() { echo $(( ($(now_ns) - $1) / 1000000 )); }

# snap_copy SRC DST: a copy of a Maildir tree in a moment. The mail files are hard links (Dovecot never
# changes one in place: flags are renames, moves are links and unlinks); Dovecot's own files (index, cache,
# uidlist, some appended to in place) are real copies.
snap_copy() {
	local src=$1 dst=$2 f
	rm -rf "$dst"
	cp -al "$src" "$dst" || return 1
	while IFS= read -r -d '' f; do
		rm -f "$dst/$f" && cp -p "$src/$f" "$dst/$f" || return 1
	done < <(cd "$src" && find . -type f ! -path '*/cur/*' ! -path '*/new/*' ! -path '*/tmp/*' -print0)
}

# The Dovecot log position, then the session totals logged after it: "IN OUT" bytes of every IMAP session
# of USER that logged out since (Dovecot logs "Logged out in=N out=N" at the end of each session; the log
# process writes it a moment later, so wait for it).
dovecot_log_pos() { stat -c %s "$MS_DIR/log/dovecot.log"; }
dovecot_bytes_since() {
	local pos=$1 user=$2 i line
	for i in $(seq 100); do
		line=$(tail -c +$((pos + 1)) "$MS_DIR/log/dovecot.log" |
			awk -v u="imap($user)" 'index($0, u) && /Logged out in=/ {
				for (i = 1; i <= NF; i++) { if ($i ~ /^in=/) a += substr($i, 4); if ($i ~ /^out=/) b += substr($i, 5) }
				n++ } END { if (n) print a, b }')
		[ -n "$line" ] && { echo "$line"; return 0; }
		sleep 0.05
	done
	echo "bench: no 'Logged out' line for $user in the Dovecot log" >&2
	echo "0 0"
	return 1
}

# timed FILE COMMAND...: run COMMAND; FILE gets "WALL_S USER_S SYS_S MAXRSS_KB" (bench/timed.py, at
# microseconds: /usr/bin/time -v has hundredths of a second, too coarse for row 2's fetches of 10-60 ms).
# Put timeout inside, after FILE, so that a timeout stops the command itself.
timed() { local f=$1; shift; "$BENCH_PY" "$TOP/bench/timed.py" "$f" "$@"; }

# raw ROW METRIC WHO VALUE [UNIT]: one measurement, a JSON line in $RAW.
raw() {
	printf '{"row": "%s", "metric": "%s", "who": "%s", "value": %s, "unit": "%s"}\n' "$1" "$2" "$3" "$4" "${5:-}" >>"$RAW"
}

note() { printf 'bench: %s\n' "$*" >&2; }

# proc_mem PID: "PRIVATE PSS RSS RSS_ANON" in kB. PRIVATE is Private_Clean + Private_Dirty of
# /proc/PID/smaps_rollup: the pages only this process maps, what one more of it costs. PSS is its
# proportional share of every page it maps (a page shared by N processes counts 1/N), so it depends on how
# many others map the same libraries. VmRSS and RssAnon (from status) for comparison with earlier runs.
proc_mem() {
	local priv pss
	read -r priv pss < <(awk '/^Private_(Clean|Dirty):/ { p += $2 } /^Pss:/ { s = $2 }
		END { print p + 0, s + 0 }' "/proc/$1/smaps_rollup") || return 1
	echo "$priv $pss $(awk '/^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 } END { print r + 0, a + 0 }' "/proc/$1/status")"
}
