#!/usr/bin/python3
"""Reply-to-record latency of the running service (`tovholder run`, IMAP IDLE), of one group or many.

  latency.py --maildir DIR --state STATE.DB --count 200 [--seed N] [--min 0.05] [--max 0.45] [--timeout 10]
  latency.py --groups FILE --count 1000 --over 120 [--seed N] [--timeout 10]

Delivers COUNT replies into the organizer's Maildir at random moments, open loop (the next one does not
wait for the last to be recorded), the way a delivery agent does: written to tmp/, then renamed into new/.
The moments: gaps uniform between --min and --max seconds, or with --over S, COUNT moments drawn uniformly
over S seconds (a Poisson-like stream; each reply waits for its own moment on the clock, so a slow write
never delays the rest). The clock starts when the rename returns ("the file lands in the Maildir") and
stops when the answer row with that reply's Message-ID is in the group's state database, polled every 2 ms
on a read-only connection (WAL: never in the writer's way), for the groups with a reply still outstanding
only. Prints one JSON line: p50, p99 and max, the latencies in seconds, in order, how many never arrived
within --timeout, the seconds the deliveries took (span) and how far they fell behind their moments
(late_max).

Many groups (bench row 6, a region): --groups FILE, a line per group "MAILDIR<TAB>STATE.DB<TAB>ORGANIZER",
each with its own `tovholder run`; the COUNT replies are dealt out evenly over the groups, in random order.

The peer (--imap-port, --user, --password; one group only): a bare IMAP client idling on the same mailbox,
which notes when the server first says "* N EXISTS" after each file landed. That is when any IDLE client
can know of the mail (Dovecot waits 500 ms after its inotify event before it tells, NOTIFY_DELAY_MSECS), so
it is the floor of the service's latency; the difference is tovholder's own work.

The replies are of every client family whose reply is an answer (a calendar REPLY or a clear Danish mail),
each to another invitation of its group while there are (200 for the bench group), each newer than anything
recorded before (the newest answer wins).
"""

import argparse
import datetime
import json
import os
import random
import socket
import sqlite3
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mailgen  # noqa: E402

# Families that record an answer row (the others go to review, autosvar or bounces by design).
ANSWERING = ["outlook-exchange-accept.eml", "outlook-exchange-decline.eml", "google-accept.eml",
             "apple-ical-accept.eml", "ios-tentative.eml", "android-decline.eml", "thunderbird-accept.eml",
             "evolution-accept.eml", "outlook-mac-decline.eml", "nextcloud-accept.eml",
             "afbud-outlook-quoted.eml", "afbud-html-only.eml", "afbud-cp1252-base64.eml", "tilsagn-plain.eml",
             "stedfortraeder.eml"]


def quantile(v, p):
    """The p-quantile of v (nearest rank), 0 for none."""
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))] if v else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--maildir", help="the one group's organizer Maildir")
    ap.add_argument("--state", help="the one group's state.db")
    ap.add_argument("--organizer", default=mailgen.DEFAULT_ORGANIZER, help="the one group's organizer")
    ap.add_argument("--groups", help="many groups: a file of MAILDIR<TAB>STATE.DB<TAB>ORGANIZER lines")
    ap.add_argument("--over", type=float, help="COUNT moments drawn uniformly over this many seconds")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min", type=float, default=0.05)
    ap.add_argument("--max", type=float, default=0.45)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--first", type=int, default=500000, help="sequence number for file names and dates")
    ap.add_argument("--since", default="2026-12-15T00:00:00", help="UTC time of the first reply's answer")
    ap.add_argument("--uid", type=int, default=65534, help="owner of the delivered files (Dovecot's mail_uid)")
    ap.add_argument("--imap-port", type=int, help="also run the bare IDLE client (the floor)")
    ap.add_argument("--user")
    ap.add_argument("--password")
    a = ap.parse_args()
    if a.groups:
        with open(a.groups) as f:
            groups = [tuple(line.rstrip("\n").split("\t")) for line in f if line.strip()]
        if not groups or any(len(g) != 3 for g in groups):
            sys.exit("latency: %s: want MAILDIR<TAB>STATE.DB<TAB>ORGANIZER lines" % a.groups)
        if a.imap_port:
            sys.exit("latency: the bare IDLE client watches one group's mailbox: not with --groups")
    elif a.maildir and a.state:
        groups = [(a.maildir, a.state, a.organizer)]
    else:
        sys.exit("latency: give --maildir and --state, or --groups")

    rnd = random.Random(a.seed)
    fams = [(n, fn) for n, fn in mailgen.FAMILIES if n in ANSWERING]
    if len(fams) != len(ANSWERING):
        sys.exit("latency: fixture families changed: %s" % sorted(set(ANSWERING) - {n for n, _ in fams}))
    invs = [mailgen.invitations(st) for _, st, _ in groups]
    # each reply to another invitation of its group while they last: a second answer of the same person to
    # the same meeting replaces the first row (newest wins), whose Message-ID would then never be seen
    picks = [rnd.sample(range(len(v)), len(v)) for v in invs]
    used = [0] * len(groups)
    # which group each reply goes to: evenly dealt, in random order
    to = [i % len(groups) for i in range(a.count)]
    rnd.shuffle(to)
    if a.over:
        at = sorted(rnd.uniform(0, a.over) for _ in range(a.count))
    else:
        at, t = [], 0.0
        for _ in range(a.count):
            t += rnd.uniform(a.min, a.max)
            at.append(t)
    t0 = datetime.datetime.fromisoformat(a.since)

    landed = {}   # Message-ID -> monotonic time its file landed
    seen = {}     # Message-ID -> monotonic time its answer row was seen
    pending = {}  # Message-ID -> index of its group: landed, not seen, not yet given up (--timeout)
    lock = threading.Lock()
    done = threading.Event()

    def poll():
        cons = {}
        while True:
            want = {}
            with lock:
                now = time.monotonic()
                for m in [m for m in pending if now - landed[m] >= a.timeout]:
                    del pending[m]
                if done.is_set() and not pending:
                    break
                for m, g in pending.items():
                    want.setdefault(g, []).append(m)
            for g, ms in want.items():
                if g not in cons:
                    cons[g] = sqlite3.connect("file:%s?mode=ro" % groups[g][1], uri=True, timeout=5)
                rows = cons[g].execute("SELECT message_id FROM answer WHERE message_id IN (%s)" %
                                       ",".join("?" * len(ms)), ms).fetchall()
                now = time.monotonic()
                with lock:
                    for (m,) in rows:
                        if m in pending:
                            seen[m] = now
                            del pending[m]
            time.sleep(0.002)
        for con in cons.values():
            con.close()

    exists = []   # monotonic times of the server's "* N EXISTS" lines to the bare IDLE client
    sock = None
    if a.imap_port:
        sock = socket.create_connection(("127.0.0.1", a.imap_port))
        rf = sock.makefile("rb")

        def cmd(tag, text):
            sock.sendall(b"%s %s\r\n" % (tag, text))
            while True:
                line = rf.readline()
                if not line or line.startswith(tag + b" "):
                    return line
        rf.readline()  # greeting
        cmd(b"a", b'LOGIN "%s" "%s"' % (a.user.encode(), a.password.encode()))
        cmd(b"b", b"SELECT INBOX")
        sock.sendall(b"c IDLE\r\n")
        rf.readline()  # "+ idling"

        def idle():
            while True:
                line = rf.readline()
                if not line:
                    return
                if line.startswith(b"* ") and line.rstrip().endswith(b" EXISTS"):
                    exists.append(time.monotonic())
        idler = threading.Thread(target=idle, daemon=True)
        idler.start()

    poller = threading.Thread(target=poll)
    poller.start()
    order = []
    late = 0.0    # how far the deliveries fell behind their moments (a busy machine; open loop says so)
    start = time.monotonic()
    for i in range(a.count):
        g = to[i]
        maildir, _, organizer = groups[g]
        md = os.path.join(maildir, "tmp"), os.path.join(maildir, "new")
        seq = a.first + i
        name, fn = fams[i % len(fams)]
        inv = invs[g][picks[g][used[g] % len(picks[g])]]
        used[g] += 1
        data = mailgen.reply(inv, fn, seq, t0 + datetime.timedelta(seconds=60 * i), organizer)
        msgid = "bench-reply-%d@%s" % (seq, inv[6].split("@")[1])
        wait = start + at[i] - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        else:
            late = max(late, -wait)
        base = "%d.M%dP%d.bench,S=%d,W=%d" % (1800000000 + seq, seq, os.getpid(), len(data), len(data))
        tmp = os.path.join(md[0], base)
        with open(tmp, "wb") as f:
            f.write(data)
        os.chown(tmp, a.uid, a.uid)
        os.rename(tmp, os.path.join(md[1], base))
        with lock:
            landed[msgid] = time.monotonic()
            pending[msgid] = g
        order.append((msgid, name))
    span = time.monotonic() - start
    done.set()
    poller.join()
    lat = [round(seen[m] - landed[m], 4) if m in seen else None for m, _ in order]
    missing = [n for (m, n), v in zip(order, lat) if v is None]
    # the floor: for each file, the first EXISTS after it landed (a notice may cover several files)
    floor = []
    if sock:
        try:
            sock.sendall(b"DONE\r\nd LOGOUT\r\n")
        except OSError:
            pass
        for m, _ in order:
            after = [t for t in exists if t >= landed[m]]
            if after:
                floor.append(round(after[0] - landed[m], 4))
        sock.close()
    got = [v for v in lat if v is not None]
    print(json.dumps({"p50": quantile(got, 0.5), "p99": quantile(got, 0.99), "max": max(got or [0]),
                      "floor_p50": quantile(floor, 0.5), "floor_p99": quantile(floor, 0.99),
                      "floor_max": max(floor or [0]), "missing": len(missing),
                      "missing_families": sorted(set(missing)), "groups": len(groups), "span": round(span, 3),
                      "late_max": round(late, 4), "latencies": got, "idle_floor": floor}))


if __name__ == "__main__":
    main()
