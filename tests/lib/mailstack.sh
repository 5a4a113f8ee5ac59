# shellcheck shell=bash
# A private, real mail stack for tests and the demo: Postfix (SMTP) delivering over LMTP into Dovecot (IMAP),
# all on 127.0.0.1 with config and state under one directory, ports picked at run time. Source this file.
#
# Nothing under /etc is read or written for our instances except Postfix's own read-only meta files
# (/etc/postfix/postfix-files, dynamicmaps.cf); no system service is touched. Postfix can deliver only to
# our Dovecot: every other transport is an error transport.
#
# Exports after mailstack_start:
#   MS_DIR MS_SMTP_PORT MS_SUBMISSION_PORT MS_SMTPS_PORT MS_IMAP_PORT MS_IMAPS_PORT MS_LMTP_PORT
#   MS_CA MS_CERT_HOST MS_PASSWORD
# SMTP port: no auth needed from 127.0.0.1, STARTTLS offered. Submission (STARTTLS) and SMTPS ports: TLS
# and AUTH (any address, password $MS_PASSWORD) required. IMAP: STARTTLS offered; IMAPS.
# Functions: mailstack_start [DIR], mailstack_stop, mailstack_stop_all, mailstack_attach DIR,
#   mailstack_stop_postfix, mailstack_start_postfix, mailstack_stop_dovecot, mailstack_start_dovecot,
#   mailstack_restart_dovecot, maildir_of ADDR, mailstack_count ADDR [FOLDER],
#   mailstack_wait_count ADDR N [SECONDS], mailstack_wait_idle [SECONDS], mailstack_smtp_connections,
#   mailstack_inject FILE [ADDR [SENDER]].
# Mail storage, opt-in: MS_MAIL_LOCATION='mdbox:~/mdbox' mailstack_start (quoted: bash expands a ~ after
#   ':' in an assignment) keeps the mail in Dovecot's mdbox instead of a Maildir (bench/ compares the two; maildir_of, mailstack_count and mailstack_wait_count
#   read the Maildir and do not work with it).
# Dovecot settings of a test's own, opt-in: MS_DOVECOT_EXTRA='imap_idle_notify_interval = 1 secs' mailstack_start
#   appends that text to dovecot.conf.
# Microsoft Graph, opt-in: MS_GRAPH=1 mailstack_start also starts the Graph stand-in (tests/lib/graphserver.py)
#   on $MS_GRAPH_URL; mailstack_graph_token.
# Authentication-Results, opt-in: MS_SENDER_ACCESS=FILE mailstack_start makes Postfix look up each envelope
#   sender in FILE (texthash: "ADDRESS  ACTION" lines), e.g. "a@b.example  PREPEND Authentication-Results:
#   mx.test.example; dmarc=fail header.from=b.example": the receiving service adds the header on top, as a
#   real one with OpenDMARC does (mailstack_inject's SENDER picks the envelope sender).
# OAuth2, opt-in: MS_OAUTH2=1 mailstack_start also offers AUTH XOAUTH2 and OAUTHBEARER (IMAP and SMTP AUTH)
#   against a local token introspection endpoint (MS_OAUTH_PORT); mailstack_oauth2_issue ADDR,
#   mailstack_oauth2_revoke TOKEN, mailstack_oauth2_expire_next, mailstack_oauth2_requests,
#   mailstack_oauth2_token_command FILE ADDR.

_MS_STARTED=()	# every dir mailstack_start used in this shell, for mailstack_stop_all
_MS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)	# tests/lib: graphserver.py
MS_PY=/usr/bin/python3	# the system python: a pyenv 'python3' on PATH may lack modules we rely on
MS_LOCK=${MS_LOCK:-${TMPDIR:-/tmp}/.tovholder-mailstack.lock}	# one lock for every stack picking ports

_ms_die() { echo "mailstack: $*" >&2; return 1; }

# mkdtemp makes 0700 dirs; postfix, dovecot and nobody must walk down to their state.
_ms_traversable() {
	local d=$1 dirs=() mode name
	while [ -n "$d" ] && [ "$d" != / ]; do
		dirs+=("$d")
		d=${d%/*}
	done
	while read -r mode name; do
		[ $((0$mode & 01)) = 0 ] && { chmod o+x "$name" || return 1; }
	done < <(stat -c '%a %n' "${dirs[@]}")
	return 0
}

# Local ports of every TCP socket on the machine (any state), as " p1 p2 … ".
_ms_ports_in_use() {
	local sl laddr rest used=" "
	while read -r sl laddr rest; do
		[ "$sl" = sl ] && continue
		used+="$((16#${laddr##*:})) "
	done < <(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null)
	echo "$used"
}

# Ports of the other stacks still on disk, as " p1 p2 … ": a stack's daemon stopped for an outage test
# leaves its ports unused for seconds, and a stack starting then must not take them (its own Dovecot would
# then answer on the first stack's IMAP port, or receive its LMTP deliveries). Each stack writes its ports
# to $MS_LOCK.ports/ under the lock; a file whose dir is gone is stale and removed here.
_ms_ports_reserved() {
	local f dir ports reserved=" "
	for f in "$MS_LOCK.ports"/*; do
		[ -f "$f" ] || continue
		read -r dir ports < "$f" || continue
		if [ -d "$dir" ]; then
			[ "$dir" = "${MS_DIR:-}" ] || reserved+="$ports "
		else
			rm -f "$f"
		fi
	done
	echo "$reserved"
}

# The file in $MS_LOCK.ports/ that holds this stack's ports.
_ms_ports_file() { echo "$MS_LOCK.ports/${MS_DIR//\//_}"; }

# N free TCP ports below the ephemeral range (32768+), so no outgoing connection can take one between this
# check and the daemon's bind, and none another stack holds. Callers hold $MS_LOCK so two stacks starting at
# once never pick the same.
_ms_pick_ports() {
	local n=$1 used got=" " p
	used="$(_ms_ports_in_use)$(_ms_ports_reserved)"
	while [ "$n" -gt 0 ]; do
		p=$((20000 + RANDOM % 12000))
		case "$used$got" in *" $p "*) continue ;; esac
		got+="$p "
		n=$((n - 1))
	done
	echo $got
}

_ms_listening() {
	local hex
	printf -v hex '%04X' "$1"
	grep -q "^ *[0-9]*: 0100007F:$hex 00000000:0000 0A " /proc/net/tcp
}

# Waits up to $2 seconds (default 10) for $1 to be listening on 127.0.0.1.
_ms_wait_listen() {
	local port=$1 tries=$(( ${2:-10} * 20 ))
	while [ "$tries" -gt 0 ]; do
		_ms_listening "$port" && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	_ms_die "nothing listens on 127.0.0.1:$port"
}

# A pid counts as gone once it is a zombie: pid 1 here may take a second to reap a daemonized master.
_ms_alive() {
	local _pid _comm st
	read -r _pid _comm st _ 2>/dev/null < "/proc/$1/stat" || return 1
	[ "$st" != Z ]
}

# The master pid named by a pid file inside our dir, if it still runs the expected program ($2).
_ms_master_pid() {
	local pid comm
	[ -f "$1" ] || return 1
	pid=$(< "$1")
	pid=${pid//[!0-9]/}
	[ -n "$pid" ] && read -r comm 2>/dev/null < "/proc/$pid/comm" && [ "$comm" = "$2" ] && _ms_alive "$pid" &&
		echo "$pid"
}

# Stops the daemons named by pid files ("pidfile:program" pairs) and every child of theirs, all at once:
# TERM to all, up to 5 s for the whole tree to go, then KILL what is left. Only pids recorded
# in our own dir and their children are touched.
_ms_stop_masters() {
	local spec pid masters=() pids=() left i
	for spec in "$@"; do
		pid=$(_ms_master_pid "${spec%%:*}" "${spec##*:}") && masters+=("$pid")
		rm -f "${spec%%:*}"
	done
	[ "${#masters[@]}" -gt 0 ] || return 0
	pids=("${masters[@]}")
	# shellcheck disable=SC2207
	pids+=($(IFS=,; pgrep -P "${masters[*]}"))
	# The children too: dovecot's master alone waits about a second for its log process.
	kill -TERM "${pids[@]}" 2>/dev/null
	for i in $(seq 100); do
		left=()
		for pid in "${pids[@]}"; do _ms_alive "$pid" && left+=("$pid"); done
		[ "${#left[@]}" = 0 ] && return 0
		sleep 0.05
	done
	kill -KILL "${left[@]}" 2>/dev/null
	return 0
}

# Runs a daemon with stdio on /dev/null (or the given log) and no other inherited fd: dovecot keeps
# whatever it inherits, and our flock fd would then stay held for as long as it runs.
_ms_daemon() {
	local err=$1
	shift
	(
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-"
		done
		exec "$@" </dev/null >>"$err" 2>&1
	)
}

_ms_pf_spec() { echo "$MS_DIR/postfix/queue/pid/master.pid:master"; }
_ms_dc_spec() { echo "$MS_DIR/dovecot/run/master.pid:dovecot"; }

_ms_make_tls() {
	local t=$MS_DIR/tls
	mkdir -p "$t" && chmod 755 "$t"
	(
		cd "$t" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
			-keyout ca.key -out ca.pem -subj "/O=tovholder test/CN=tovholder test CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout server.key -out server.csr -subj "/O=tovholder test/CN=localhost" &&
		printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
			"extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost" > server.ext &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
			-extfile server.ext -out server.pem
	) >/dev/null 2>"$MS_DIR/log/openssl.err" || { cat "$MS_DIR/log/openssl.err" >&2; return 1; }
	chmod 644 "$t/ca.pem" "$t/server.pem"
	chmod 600 "$t/ca.key" "$t/server.key"
}

_ms_write_postfix() {
	local etc=$MS_DIR/postfix/etc
	mkdir -p "$etc" "$MS_DIR/postfix/queue" "$MS_DIR/postfix/data" || return 1
	chmod 755 "$MS_DIR/postfix" "$etc" "$MS_DIR/postfix/queue"
	chown postfix:postfix "$MS_DIR/postfix/data" && chmod 700 "$MS_DIR/postfix/data" || return 1
	cat > "$etc/recipient_access" <<-EOF
	afvist.example	550 5.1.1 Recipient rejected (test stack: afvist.example always refuses)
	udskudt.example	450 4.2.1 Try again later (test stack: udskudt.example always defers)
	EOF
	# accepted, then bounced by Postfix itself: a real DSN back to the envelope sender
	cat > "$etc/transport" <<-EOF
	bortfalden.example	error:5.1.1 mailbox unavailable (test stack: bortfalden.example accepts, then bounces)
	EOF
	cat > "$etc/main.cf" <<-EOF
	# Private test instance made by tests/lib/mailstack.sh. Delivers only to the test Dovecot over LMTP.
	compatibility_level = 3.6
	queue_directory = $MS_DIR/postfix/queue
	data_directory = $MS_DIR/postfix/data
	mail_owner = postfix
	syslog_name = postfix-mailstack
	maillog_file = $MS_DIR/log/postfix.log
	# Postfix refuses log files outside these prefixes (default /var, /dev/stdout).
	maillog_file_prefixes = $MS_DIR/log
	myhostname = mailstack.localdomain
	mydomain = localdomain
	myorigin = \$myhostname
	mydestination =
	relay_domains =
	local_recipient_maps =
	alias_maps =
	alias_database =
	inet_interfaces = 127.0.0.1
	inet_protocols = ipv4
	mynetworks = 127.0.0.0/8
	smtputf8_enable = yes
	# RFC 5321 lines end in CRLF. Postfix would silently repair a bare LF and the Maildir copy would hide
	# it, so refuse it here (loopback included) where a test sees the 5xx.
	smtpd_forbid_bare_newline = reject
	smtpd_forbid_bare_newline_exclusions =
	biff = no
	smtpd_peername_lookup = no
	smtpd_banner = \$myhostname ESMTP mailstack
	# Every address is a mailbox of ours; nothing may leave the machine.
	virtual_mailbox_domains = static:all
	virtual_mailbox_maps = static:all
	virtual_alias_maps =
	transport_maps = texthash:$etc/transport
	# the error transport of bortfalden.example bounces after the mail is accepted, not at RCPT time
	smtpd_reject_unlisted_recipient = no
	virtual_transport = lmtp:inet:[127.0.0.1]:$MS_LMTP_PORT
	default_transport = error:5.7.1 test stack delivers to its own Dovecot only
	relay_transport = error:5.7.1 test stack delivers to its own Dovecot only
	lmtp_dns_support_level = disabled
	smtp_dns_support_level = disabled
	smtpd_recipient_restrictions = check_recipient_access texthash:$etc/recipient_access, permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
	smtpd_sender_restrictions = ${MS_SENDER_ACCESS:+check_sender_access texthash:$MS_SENDER_ACCESS}
	smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
	# STARTTLS offered on the SMTP port; the submission and smtps ports demand TLS and AUTH (Dovecot SASL).
	smtpd_tls_security_level = may
	smtpd_tls_cert_file = $MS_DIR/tls/server.pem
	smtpd_tls_key_file = $MS_DIR/tls/server.key
	smtpd_sasl_type = dovecot
	smtpd_sasl_path = $MS_DIR/dovecot/run/auth-postfix
	smtpd_tls_auth_only = yes
	# Fast retries so outage tests see deferred mail delivered within seconds. transport_retry_time is the
	# queue manager's pause (default 60 s) after a delivery agent (lmtp) it could not use or that failed;
	# on a loaded machine that pause alone outlasts a test's wait.
	queue_run_delay = 1s
	minimal_backoff_time = 1s
	maximal_backoff_time = 2s
	transport_retry_time = 1s
	delay_warning_time = 0
	EOF
	cat > "$etc/master.cf" <<-EOF
	127.0.0.1:$MS_SMTP_PORT inet n - n - - smtpd
	127.0.0.1:$MS_SUBMISSION_PORT inet n - n - - smtpd -o syslog_name=postfix-mailstack/submission -o smtpd_tls_security_level=encrypt -o smtpd_sasl_auth_enable=yes -o smtpd_client_restrictions=permit_sasl_authenticated,reject
	127.0.0.1:$MS_SMTPS_PORT inet n - n - - smtpd -o syslog_name=postfix-mailstack/smtps -o smtpd_tls_wrappermode=yes -o smtpd_sasl_auth_enable=yes -o smtpd_client_restrictions=permit_sasl_authenticated,reject
	pickup    unix  n       -       n       60      1       pickup
	cleanup   unix  n       -       n       -       0       cleanup
	qmgr      unix  n       -       n       300     1       qmgr
	tlsmgr    unix  -       -       n       1000?   1       tlsmgr
	rewrite   unix  -       -       n       -       -       trivial-rewrite
	bounce    unix  -       -       n       -       0       bounce
	defer     unix  -       -       n       -       0       bounce
	trace     unix  -       -       n       -       0       bounce
	verify    unix  -       -       n       -       1       verify
	flush     unix  n       -       n       1000?   0       flush
	proxymap  unix  -       -       n       -       -       proxymap
	proxywrite unix -       -       n       -       1       proxymap
	showq     unix  n       -       n       -       -       showq
	error     unix  -       -       n       -       -       error
	retry     unix  -       -       n       -       -       error
	discard   unix  -       -       n       -       -       discard
	lmtp      unix  -       -       n       -       -       lmtp
	anvil     unix  -       -       n       -       1       anvil
	scache    unix  -       -       n       -       1       scache
	postlog   unix-dgram n  -       n       -       1       postlogd
	EOF
	# Postfix will not read a config file changed within the last second (it may be half written) and
	# sleeps until it is older: date ours back so the master starts at once.
	touch -d '-1 minute' "$etc"/*
}

_ms_write_dovecot() {
	local d=$MS_DIR/dovecot
	mkdir -p "$d/run" "$d/state" || return 1
	chmod 755 "$d" "$d/run" "$d/state"
	cat > "$d/dovecot.conf" <<-EOF
	# Private test instance made by tests/lib/mailstack.sh.
	instance_name = mailstack-$(basename "$MS_DIR")
	base_dir = $d/run
	state_dir = $d/state
	listen = 127.0.0.1
	protocols = imap lmtp
	log_path = $MS_DIR/log/dovecot.log
	info_log_path = $MS_DIR/log/dovecot.log
	default_login_user = dovenull
	default_internal_user = dovecot
	# No system users are made: every mailbox belongs to nobody/nogroup.
	mail_uid = 65534
	mail_gid = 65534
	first_valid_uid = 1
	first_valid_gid = 1
	mail_location = ${MS_MAIL_LOCATION:-maildir:~/Maildir}
	# Keep CRLF in the stored files, as on the wire, so mailcheck.py's raw checks see real line ends.
	mail_save_crlf = yes
	# Each address gets its own Maildir, "+detail" included.
	recipient_delimiter =
	lmtp_save_to_detail_mailbox = no
	auth_username_format = %Lu
	auth_mechanisms = plain login
	# Wrong-password tests must not slow every later login: no failure delay, no per-IP penalty.
	auth_failure_delay = 0
	disable_plaintext_auth = no
	ssl = yes
	ssl_cert = <$MS_DIR/tls/server.pem
	ssl_key = <$MS_DIR/tls/server.key
	ssl_min_protocol = TLSv1.2
	namespace inbox {
	  inbox = yes
	  separator = /
	  prefix =
	}
	passdb {
	  driver = static
	  args = password=$MS_PASSWORD
	}
	userdb {
	  driver = static
	  args = uid=65534 gid=65534 home=$MS_DIR/mail/%Ld/%Ln allow_all_users=yes
	}
	service imap-login {
	  inet_listener imap {
	    address = 127.0.0.1
	    port = $MS_IMAP_PORT
	  }
	  inet_listener imaps {
	    address = 127.0.0.1
	    port = $MS_IMAPS_PORT
	    ssl = yes
	  }
	}
	service lmtp {
	  inet_listener lmtp {
	    address = 127.0.0.1
	    port = $MS_LMTP_PORT
	  }
	}
	service anvil {
	  unix_listener anvil-auth-penalty {
	    mode = 0
	  }
	}
	service auth {
	  unix_listener auth-postfix {
	    mode = 0666
	  }
	}
	${MS_DOVECOT_EXTRA:-}
	EOF
}

_ms_start_dovecot() {
	: > "$MS_DIR/log/dovecot.err"
	_ms_daemon "$MS_DIR/log/dovecot.err" dovecot -c "$MS_DIR/dovecot/dovecot.conf" ||
		{ cat "$MS_DIR/log/dovecot.err" >&2; return 1; }
	_ms_wait_listen "$MS_IMAP_PORT" && _ms_wait_listen "$MS_IMAPS_PORT" && _ms_wait_listen "$MS_LMTP_PORT" &&
		_ms_greets "$MS_IMAP_PORT" '\* OK' || { tail -n 20 "$MS_DIR/log/dovecot.log" >&2; return 1; }
}

# Connects with bash's /dev/tcp (no process to spawn), reads the greeting and says goodbye politely.
_ms_greets() {
	local port=$1 want=$2 fd line i
	for i in $(seq 50); do
		if exec {fd}<>"/dev/tcp/127.0.0.1/$port"; then
			read -r -t 5 line <&"$fd"
			case "$want" in
			'\* OK') printf 'z LOGOUT\r\n' >&"$fd" ;;
			*) printf 'QUIT\r\n' >&"$fd" ;;
			esac
			while read -r -t 5 _ <&"$fd"; do :; done
			exec {fd}>&-
			[[ "$line" =~ ^$want ]] && return 0
		fi 2>/dev/null
		sleep 0.1
	done
	_ms_die "no greeting on 127.0.0.1:$port (last: '$line')"
}

# Connects and disconnects per smtpd session, counted from the log that postlogd writes a moment later.
_ms_smtp_sessions() {
	local log=$MS_DIR/log/postfix.log
	[ -f "$log" ] || { echo "0 0"; return; }
	awk '/smtpd\[[0-9]+\]: connect from /{c++} /smtpd\[[0-9]+\]: disconnect from /{d++} END{print c+0, d+0}' "$log"
}

# Waits (up to 5 s) until the log holds at least $1 connects and every connect has its disconnect, then
# prints the number of connects.
_ms_smtp_connects_settled() {
	local min=${1:-0} c d i
	for i in $(seq 100); do
		read -r c d < <(_ms_smtp_sessions)
		[ "$c" -ge "$min" ] && [ "$c" -le "$d" ] && break
		sleep 0.05
	done
	echo "$c"
}

# A real SMTP greeting proves smtpd runs; the probe's own session is left out of mailstack_smtp_connections.
_ms_smtp_probe() {
	local before probes
	before=$(_ms_smtp_connects_settled)
	_ms_greets "$MS_SMTP_PORT" 220 || return 1
	_ms_smtp_connects_settled $((before + 1)) > /dev/null
	probes=$(cat "$MS_DIR/smtp-probes" 2>/dev/null || echo 0)
	echo $((probes + 1)) > "$MS_DIR/smtp-probes"
}

# The queue tree as postfix-files(5) wants it. Made here rather than by "postfix start", whose
# postfix-script check-fatal/check-warn walk system dirs for about a second on every start.
_ms_make_queue() {
	local q=$MS_DIR/postfix/queue
	install -d -o root -g root -m 755 "$q/pid" &&
	install -d -o postfix -g root -m 700 "$q"/{active,bounce,corrupt,defer,deferred,flush,hold,incoming,private,saved,trace} &&
	install -d -o postfix -g postdrop -m 730 "$q/maildrop" &&
	install -d -o postfix -g postdrop -m 710 "$q/public"
}

# "master -w" is what "postfix start" runs last: it returns once the master daemon is up, or fails.
_ms_start_postfix() {
	: > "$MS_DIR/log/postfix.err"
	MAIL_CONFIG=$MS_DIR/postfix/etc _ms_daemon "$MS_DIR/log/postfix.err" /usr/lib/postfix/sbin/master -w ||
		{ cat "$MS_DIR/log/postfix.err" >&2; tail -n 20 "$MS_DIR/log/postfix.log" >&2; return 1; }
	_ms_wait_listen "$MS_SMTP_PORT" && _ms_wait_listen "$MS_SUBMISSION_PORT" &&
		_ms_wait_listen "$MS_SMTPS_PORT" && _ms_smtp_probe ||
		{ tail -n 20 "$MS_DIR/log/postfix.log" >&2; return 1; }
}

_ms_write_env() {
	local v
	: > "$MS_DIR/env"
	for v in MS_DIR MS_SMTP_PORT MS_SUBMISSION_PORT MS_SMTPS_PORT MS_IMAP_PORT MS_IMAPS_PORT MS_LMTP_PORT \
		MS_CA MS_CERT_HOST MS_PASSWORD; do
		printf 'export %s=%q\n' "$v" "${!v}" >> "$MS_DIR/env"
	done
	if [ "${MS_OAUTH2:-0}" = 1 ]; then
		printf 'export MS_OAUTH2=1 MS_OAUTH_PORT=%q\n' "$MS_OAUTH_PORT" >> "$MS_DIR/env"
	fi
	if [ "${MS_GRAPH:-0}" = 1 ]; then
		printf 'export MS_GRAPH=1 MS_GRAPH_PORT=%q MS_GRAPH_URL=%q\n' "$MS_GRAPH_PORT" "$MS_GRAPH_URL" >> "$MS_DIR/env"
	fi
}

_ms_kill_stale() {
	_ms_stop_masters "$(_ms_pf_spec)" "$(_ms_dc_spec)" "$(_ms_oa_spec)" "$(_ms_gr_spec)"
}

# mailstack_start [DIR]: makes and starts a fresh stack in DIR (default: a new temp dir). Stale daemons left
# in DIR by an earlier run are killed by their pid files first. Exports the MS_* variables.
mailstack_start() {
	local dir=${1:-} ports nports lockfd rc=0
	[ "$(id -u)" = 0 ] || { _ms_die "must run as root (postfix and dovecot drop privileges themselves)"; return 1; }
	if [ -z "$dir" ]; then
		dir=$(mktemp -d "${TMPDIR:-/tmp}/mailstack.XXXXXX") || return 1
	fi
	mkdir -p "$dir" && dir=$(cd "$dir" && pwd -P) || return 1
	# Dovecot's unix sockets live under DIR, and sun_path holds 107 bytes.
	[ "${#dir}" -le 60 ] || { _ms_die "'$dir' is too long for dovecot's sockets (60 characters at most)"; return 1; }
	export MS_DIR=$dir
	_MS_STARTED+=("$dir")
	_ms_kill_stale
	rm -rf "$dir/postfix" "$dir/dovecot" "$dir/mail" "$dir/log" "$dir/tls" "$dir/env" "$dir/smtp-probes" "$dir/oauth" \
		"$dir/graph"
	chmod 755 "$dir" && _ms_traversable "$dir" || return 1
	mkdir -p "$dir/log" "$dir/mail" && chmod 755 "$dir/log" && chown 65534:65534 "$dir/mail" || return 1

	export MS_CA=$dir/tls/ca.pem MS_CERT_HOST=localhost
	export MS_PASSWORD=${MS_PASSWORD:-mailstack-secret}
	_ms_make_tls || return 1

	exec {lockfd}>>"$MS_LOCK"
	flock -w 120 "$lockfd" || { exec {lockfd}>&-; _ms_die "another mail stack holds $MS_LOCK for too long"; return 1; }
	nports=8
	ports=$(_ms_pick_ports "$nports") || rc=1
	if [ "$rc" = 0 ]; then
		read -r MS_SMTP_PORT MS_SUBMISSION_PORT MS_SMTPS_PORT MS_IMAP_PORT MS_IMAPS_PORT MS_LMTP_PORT MS_OAUTH_PORT \
			MS_GRAPH_PORT <<< "$ports"
		mkdir -p "$MS_LOCK.ports" && echo "$MS_DIR $ports" > "$(_ms_ports_file)" || rc=1
		export MS_SMTP_PORT MS_SUBMISSION_PORT MS_SMTPS_PORT MS_IMAP_PORT MS_IMAPS_PORT MS_LMTP_PORT
		if [ "${MS_OAUTH2:-0}" = 1 ]; then
			export MS_OAUTH2 MS_OAUTH_PORT
		else
			unset MS_OAUTH_PORT
		fi
		if [ "${MS_GRAPH:-0}" = 1 ]; then
			export MS_GRAPH MS_GRAPH_PORT MS_GRAPH_URL=https://localhost:$MS_GRAPH_PORT/v1.0
			_ms_start_graph || rc=1
		else
			unset MS_GRAPH_PORT
		fi
		_ms_write_postfix && _ms_make_queue && _ms_write_dovecot && _ms_write_env || rc=1
		if [ "$rc" = 0 ] && [ "${MS_OAUTH2:-0}" = 1 ]; then
			_ms_write_oauth2 && _ms_start_oauth2 || rc=1
		fi
		[ "$rc" = 0 ] && _ms_start_dovecot && _ms_start_postfix || rc=1
	fi
	exec {lockfd}>&-
	if [ "$rc" != 0 ]; then
		_ms_die "could not start the mail stack in $dir (logs in $dir/log)"
		_ms_kill_stale
		return 1
	fi
}

# ---- Microsoft Graph (opt-in: MS_GRAPH=1 mailstack_start) ------------------------------------------------
# tests/lib/graphserver.py on https://localhost:$MS_GRAPH_PORT/v1.0 ($MS_GRAPH_URL), with the stack's test
# certificate (trusted through $MS_CA). Its state and control files are in $MS_DIR/graph (see the script's
# header): mailstack_graph_token prints a new valid bearer token; $MS_DIR/graph/requests.jsonl lists every
# request it was sent.
_ms_gr_spec() { echo "$MS_DIR/graph/pid:python3"; }

_ms_start_graph() {
	mkdir -p "$MS_DIR/graph" && chmod 755 "$MS_DIR/graph" && : > "$MS_DIR/graph/tokens" &&
		: > "$MS_DIR/log/graph.err" || return 1
	printf '{"displayName": "Karin Lund", "mail": "tovholder@netvaerk.example", ' > "$MS_DIR/graph/me.json"
	printf '"userPrincipalName": "tovholder@netvaerk.example", "id": "0a1b2c3d"}\n' >> "$MS_DIR/graph/me.json"
	_ms_daemon "$MS_DIR/log/graph.err" "$MS_PY" "$_MS_LIB/graphserver.py" "$MS_DIR/graph" "$MS_GRAPH_PORT" \
		"$MS_DIR/tls/server.pem" "$MS_DIR/tls/server.key" || { cat "$MS_DIR/log/graph.err" >&2; return 1; }
	_ms_wait_listen "$MS_GRAPH_PORT" || { cat "$MS_DIR/log/graph.err" >&2; return 1; }
}

# mailstack_graph_token: prints a new access token that the Graph stand-in accepts from now on.
mailstack_graph_token() {
	local tok
	tok="gr-at-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
	echo "$tok" >> "$MS_DIR/graph/tokens"
	echo "$tok"
}

# ---- OAuth2 (opt-in: MS_OAUTH2=1 mailstack_start) ---------------------------------------------------------
# Dovecot gets the oauth2 passdb for AUTH XOAUTH2 and OAUTHBEARER (IMAP, and SMTP AUTH through Postfix's
# Dovecot SASL), with RFC 7662 token introspection answered by a small python http.server on 127.0.0.1
# ($MS_OAUTH_PORT). A token is valid while it is listed in $MS_DIR/oauth/tokens ("TOKEN ADDRESS" lines);
# anything else is rejected. The server never logs a token. Password logins work as before.

# The introspection endpoint: POST token=... (Dovecot's introspection_mode = post). Every answer is counted
# in $MS_DIR/oauth/requests. When $MS_DIR/oauth/expire-next exists, the next valid token asked about is
# struck from the list and reported inactive, as an expired one would be.
_ms_write_oauth2_server() {
	cat > "$MS_DIR/oauth/introspect.py" <<-'PYEOF'
	import http.server, json, os, sys, urllib.parse
	d, port = sys.argv[1], int(sys.argv[2])
	tokens, flag, count = (os.path.join(d, n) for n in ("tokens", "expire-next", "requests"))

	def lines():
	    try:
	        with open(tokens) as f:
	            return [l.split() for l in f if len(l.split()) == 2]
	    except FileNotFoundError:
	        return []

	def bump():
	    try:
	        n = int(open(count).read() or 0)
	    except (FileNotFoundError, ValueError):
	        n = 0
	    with open(count + ".tmp", "w") as f:
	        f.write("%d\n" % (n + 1))
	    os.replace(count + ".tmp", count)

	class Introspect(http.server.BaseHTTPRequestHandler):
	    def do_POST(self):
	        n = int(self.headers.get("Content-Length") or 0)
	        form = urllib.parse.parse_qs(self.rfile.read(n).decode("ascii", "replace"))
	        tok = (form.get("token") or [""])[0]
	        valid = dict(lines())
	        user = valid.get(tok)
	        if user and os.path.exists(flag):
	            os.unlink(flag)
	            with open(tokens + ".tmp", "w") as f:
	                f.writelines("%s %s\n" % (t, u) for t, u in lines() if t != tok)
	            os.replace(tokens + ".tmp", tokens)
	            user = None
	        bump()
	        body = json.dumps({"active": True, "username": user} if user else {"active": False}).encode()
	        self.send_response(200)
	        self.send_header("Content-Type", "application/json")
	        self.send_header("Content-Length", str(len(body)))
	        self.end_headers()
	        self.wfile.write(body)

	    def log_message(self, *args):
	        pass  # requests carry tokens: nothing is logged

	srv = http.server.HTTPServer(("127.0.0.1", port), Introspect)
	# a daemon like the others: detach, then say who we are in the pid file _ms_stop_masters reads
	if os.fork():
	    os._exit(0)
	os.setsid()
	if os.fork():
	    os._exit(0)
	with open(os.path.join(d, "pid"), "w") as f:
	    f.write("%d\n" % os.getpid())
	srv.serve_forever()
	PYEOF
}

_ms_oa_spec() { echo "$MS_DIR/oauth/pid:python3"; }

_ms_write_oauth2() {
	local d=$MS_DIR/dovecot o=$MS_DIR/oauth
	mkdir -p "$o" && chmod 755 "$o" && : > "$o/tokens" || return 1
	_ms_write_oauth2_server || return 1
	cat > "$d/dovecot-oauth2.conf.ext" <<-EOF
	introspection_mode = post
	introspection_url = http://127.0.0.1:$MS_OAUTH_PORT/introspect
	force_introspection = yes
	username_attribute = username
	active_attribute = active
	active_value = true
	EOF
	# The static passdb answers passwords only; the oauth2 one tokens only.
	sed -i -e 's/^auth_mechanisms = plain login$/auth_mechanisms = plain login xoauth2 oauthbearer/' \
		-e '/^passdb {$/,/^}$/s/^  driver = static$/  driver = static\n  mechanisms = plain login/' \
		"$d/dovecot.conf" || return 1
	cat >> "$d/dovecot.conf" <<-EOF
	passdb {
	  driver = oauth2
	  mechanisms = xoauth2 oauthbearer
	  args = $d/dovecot-oauth2.conf.ext
	}
	EOF
}

_ms_start_oauth2() {
	: > "$MS_DIR/log/oauth.err"
	_ms_daemon "$MS_DIR/log/oauth.err" "$MS_PY" "$MS_DIR/oauth/introspect.py" "$MS_DIR/oauth" "$MS_OAUTH_PORT" ||
		{ cat "$MS_DIR/log/oauth.err" >&2; return 1; }
	_ms_wait_listen "$MS_OAUTH_PORT" || { cat "$MS_DIR/log/oauth.err" >&2; return 1; }
}

# mailstack_oauth2_issue ADDR: prints a new access token, valid for ADDR from now on.
mailstack_oauth2_issue() {
	local tok
	[ -f "$MS_DIR/oauth/tokens" ] || { _ms_die "no OAuth2 here: start the stack with MS_OAUTH2=1"; return 1; }
	tok="ms-at-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
	printf '%s %s\n' "$tok" "${1,,}" >> "$MS_DIR/oauth/tokens"
	echo "$tok"
}

# mailstack_oauth2_revoke TOKEN: the token is rejected from now on (as an expired one is).
mailstack_oauth2_revoke() {
	local t u out=$MS_DIR/oauth/tokens.tmp
	: > "$out"
	while read -r t u; do
		[ "$t" = "$1" ] || printf '%s %s\n' "$t" "$u" >> "$out"
	done < "$MS_DIR/oauth/tokens"
	mv "$out" "$MS_DIR/oauth/tokens"
}

# mailstack_oauth2_expire_next: the next valid token a login presents is rejected and struck off, as if it
# had expired on the way (the client must fetch a new one to get in).
mailstack_oauth2_expire_next() { : > "$MS_DIR/oauth/expire-next"; }

# mailstack_oauth2_requests: how many introspection requests Dovecot has made.
mailstack_oauth2_requests() { cat "$MS_DIR/oauth/requests" 2>/dev/null || echo 0; }

# mailstack_oauth2_token_command FILE ADDR: writes an executable token helper to FILE, for token_command: each
# run issues a fresh token for ADDR, prints it, counts itself in FILE.count and adds the token to
# FILE.issued. When FILE.fail holds "STATUS [FROM]" it exits with STATUS instead, printing nothing (a helper
# that cannot reach its provider): from its FROMth run on when FROM is given, else at once.
mailstack_oauth2_token_command() {
	local f=$1 addr=${2,,}
	cat > "$f" <<-EOF
	#!/bin/sh
	n=\$(( \$(cat '$f.count' 2>/dev/null || echo 0) + 1 ))
	echo \$n > '$f.count'
	if [ -f '$f.fail' ]; then
	    read -r st from < '$f.fail'
	    if [ -z "\$from" ] || [ "\$n" -ge "\$from" ]; then
	        echo "token helper: cannot reach the provider" >&2
	        exit "\$st"
	    fi
	fi
	tok="ms-at-\$(od -An -N12 -tx1 /dev/urandom | tr -d ' \\n')"
	printf '%s %s\\n' "\$tok" '$addr' >> '$MS_DIR/oauth/tokens'
	printf '%s\\n' "\$tok" >> '$f.issued'
	printf '%s\\n' "\$tok"
	EOF
	chmod 755 "$f"
}

# Makes this shell use a stack started elsewhere (e.g. by scripts/mailstack start DIR).
mailstack_attach() {
	[ -f "$1/env" ] || { _ms_die "no mail stack in '$1'"; return 1; }
	# shellcheck disable=SC1091
	. "$1/env"
}

# Stops Postfix; returns once it and its children are gone and its ports closed (an outage test connects
# right after).
mailstack_stop_postfix() {
	local i
	_ms_stop_masters "$(_ms_pf_spec)"
	for i in $(seq 100); do
		_ms_listening "$MS_SMTP_PORT" || return 0
		sleep 0.05
	done
	_ms_die "something still listens on 127.0.0.1:$MS_SMTP_PORT"
}

mailstack_start_postfix() { _ms_start_postfix; }

# Stops Dovecot (and its children); LMTP deliveries then wait in Postfix's queue.
mailstack_stop_dovecot() {
	local i
	_ms_stop_masters "$(_ms_dc_spec)"
	for i in $(seq 100); do
		_ms_listening "$MS_IMAP_PORT" || _ms_listening "$MS_IMAPS_PORT" || _ms_listening "$MS_LMTP_PORT" ||
			return 0
		sleep 0.05
	done
	_ms_die "something still listens on dovecot's ports"
}

mailstack_start_dovecot() { _ms_start_dovecot; }

# Stops Dovecot and starts it again on the same ports with the same mail.
mailstack_restart_dovecot() {
	mailstack_stop_dovecot && _ms_start_dovecot
}

# Stops both daemons (and their children); removes MS_DIR unless MS_KEEP=1. Safe to call twice.
mailstack_stop() {
	local port
	[ -n "${MS_DIR:-}" ] && [ -d "$MS_DIR" ] || return 0
	_ms_kill_stale
	for port in ${MS_SMTP_PORT:-} ${MS_IMAP_PORT:-} ${MS_LMTP_PORT:-}; do
		_ms_listening "$port" && echo "mailstack: warning: 127.0.0.1:$port still listens after stopping $MS_DIR" >&2
	done
	if [ "${MS_KEEP:-0}" = 1 ]; then
		echo "mailstack: kept $MS_DIR" >&2
	else
		rm -rf "$MS_DIR"
		rm -f "$(_ms_ports_file)"
	fi
}

# Stops every stack this shell started (a script may start more than one), then the current one.
mailstack_stop_all() {
	local d
	for d in "${_MS_STARTED[@]}"; do
		[ "$d" = "${MS_DIR:-}" ] || ( mailstack_attach "$d" 2>/dev/null || MS_DIR=$d; mailstack_stop )
	done
	mailstack_stop
	_MS_STARTED=()
}

# maildir_of ADDR: the Maildir Dovecot uses for ADDR (home $MS_DIR/mail/%Ld/%Ln).
maildir_of() {
	local a=${1,,}
	echo "$MS_DIR/mail/${a##*@}/${a%@*}/Maildir"
}

# Maildir++ on disk: folder "A/B" is ".A.B" (ASCII folder names only).
_ms_folder_dir() {
	local md=$1 folder=${2:-INBOX}
	if [ "$folder" = INBOX ]; then
		echo "$md"
	else
		echo "$md/.${folder//\//.}"
	fi
}

# mailstack_count ADDR [FOLDER]: messages in new/ and cur/ of INBOX or FOLDER.
mailstack_count() {
	local d n=0
	d=$(_ms_folder_dir "$(maildir_of "$1")" "${2:-INBOX}")
	if [ -d "$d" ]; then
		n=$(find "$d/new" "$d/cur" -maxdepth 1 -type f 2>/dev/null | wc -l)
	fi
	echo "$n"
}

# mailstack_wait_count ADDR N [SECONDS]: waits until ADDR's INBOX holds at least N messages.
mailstack_wait_count() {
	local addr=$1 want=$2 secs=${3:-20} n i
	for i in $(seq $((secs * 10))); do
		n=$(mailstack_count "$addr")
		[ "$n" -ge "$want" ] && return 0
		sleep 0.1
	done
	n=$(mailstack_count "$addr")
	[ "$n" -ge "$want" ] && return 0
	echo "mailstack: $addr has $n message(s) after ${secs}s, expected at least $want" >&2
	_ms_postfix_says "$addr" >&2
	return 1
}

# _ms_postfix_says ADDR: what Postfix last logged about ADDR and the queue, for a wait that timed out.
_ms_postfix_says() {
	local log=$MS_DIR/log/postfix.log
	[ -r "$log" ] || return 0
	echo "mailstack: postfix.log on $1 (last 5):"
	grep -F "<$1>" "$log" | tail -n 5 | sed 's/^/    /'
	echo "mailstack: postfix.log (last 8 lines):"
	tail -n 8 "$log" | sed 's/^/    /'
}

_ms_queue_size() {
	local q=$MS_DIR/postfix/queue
	find "$q"/maildrop "$q"/incoming "$q"/active "$q"/deferred "$q"/hold -type f 2>/dev/null | wc -l
}

# mailstack_wait_idle [SECONDS]: waits (default 20 s) until Postfix's queue is empty. The queue manager
# renames files between deferred/ and active/ while we scan one dir after the other, so a single empty
# scan can miss a file in flight: two empty scans in a row are needed.
mailstack_wait_idle() {
	local secs=${1:-20} i empty=0
	for i in $(seq $((secs * 10))); do
		if [ "$(_ms_queue_size)" = 0 ]; then
			empty=$((empty + 1))
			[ "$empty" -ge 2 ] && return 0
		else
			empty=0
		fi
		sleep 0.1
	done
	echo "mailstack: postfix queue still holds $(_ms_queue_size) file(s) after ${secs}s" >&2
	return 1
}

# mailstack_smtp_connections: SMTP sessions Postfix has seen since the stack started (our probes left out).
mailstack_smtp_connections() {
	local c p
	c=$(_ms_smtp_connects_settled)
	p=$(cat "$MS_DIR/smtp-probes" 2>/dev/null || echo 0)
	echo $((c - p))
}

# mailstack_inject FILE [ADDR [SENDER]]: submits a raw RFC 5322 message to Postfix on loopback, envelope
# recipient ADDR (default: the first To: address), envelope sender SENDER (default: the first From: address;
# "<>" for the null sender a bounce comes with), and waits (up to 20 s) until it is in ADDR's mailbox tree.
# Line ends are made CRLF first. One python process does it all: this runs many times per test script.
mailstack_inject() {
	[ -r "$1" ] || { _ms_die "cannot read '$1'"; return 1; }
	"$MS_PY" - "$MS_DIR" "$MS_SMTP_PORT" "$1" "${2:-}" "${3:-}" <<-'EOF'
	import os, re, smtplib, sys, time
	from email import message_from_bytes, policy
	from email.utils import getaddresses
	msdir, port, path, rcpt, sender = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
	raw = re.sub(rb"\r?\n", b"\r\n", open(path, "rb").read())
	head = raw.split(b"\r\n\r\n", 1)[0]
	m = message_from_bytes(raw, policy=policy.compat32)
	if not rcpt:
	    to = [a for _, a in getaddresses(m.get_all("To", [])) if a]
	    if not to:
	        sys.exit("mailstack: '%s' has no To: address; give one" % path)
	    rcpt = to[0]
	# maildir_of: home $MS_DIR/mail/%Ld/%Ln, Maildir under it
	local, _, domain = rcpt.lower().rpartition("@")
	md = os.path.join(msdir, "mail", domain, local, "Maildir")
	def count():
	    # every folder, not only INBOX: a running tovholder moves a reply out of INBOX within milliseconds,
	    # and a move never lowers the total
	    dirs = [md] + [os.path.join(md, f) for f in (os.listdir(md) if os.path.isdir(md) else []) if f.startswith(".")]
	    return sum(len(os.listdir(os.path.join(f, d))) for f in dirs for d in ("new", "cur")
	               if os.path.isdir(os.path.join(f, d)))
	before = count()
	frm = [a for _, a in getaddresses(m.get_all("From", [])) if a]
	opts = []
	if any(b > 127 for b in raw):
	    opts.append("BODY=8BITMIME")
	if any(b > 127 for b in head) or any(ord(c) > 127 for c in rcpt):
	    opts.append("SMTPUTF8")
	try:
	    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
	        env_from = ("" if sender == "<>" else sender) if sender else (frm[0] if frm else "")
	        s.sendmail(env_from, [rcpt], raw, mail_options=opts)
	except (smtplib.SMTPException, OSError) as e:
	    sys.exit("mailstack: inject to %s failed: %s" % (rcpt, e))
	deadline = time.time() + 20
	while count() <= before:
	    if time.time() > deadline:
	        sys.exit("mailstack: %s: not delivered to %s within 20s" % (path, rcpt))
	    time.sleep(0.05)
	EOF
}
