#!/usr/bin/python3
"""Reply-to-record latency of the running service (`tovholder run`, IMAP IDLE).

  latency.py --maildir DIR --state STATE.DB --count 200 [--seed N] [--min 0.05] [--max 0.45] [--timeout 10]

Delivers COUNT replies into the organizer's Maildir at random intervals (uniform between --min and --max
seconds, open loop: the next one does not wait for the last to be recorded), the way a delivery agent does:
written to tmp/, then renamed into new/. The clock starts when the rename returns ("the file lands in the
Maildir") and stops when the answer row with that reply's Message-ID is in the state database, polled every
2 ms on a read-only connection (WAL: never in the writer's way). Prints one JSON line: the latencies in
seconds, in order, and how many never arrived within --timeout.

The peer (--imap-port, --user, --password): a bare IMAP client idling on the same mailbox, which notes when
the server first says "* N EXISTS" after each file landed. That is when any IDLE client can know of the mail
(Dovecot waits 500 ms after its inotify event before it tells, NOTIFY_DELAY_MSECS), so it is the floor of
the service's latency; the difference is tovholder's own work.

The replies are of every client family whose reply is an answer (a calendar REPLY or a clear Danish mail),
each to another invitation in STATE.DB while there are (200 for the bench group), each newer than anything
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--state", required=True)
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

    rnd = random.Random(a.seed)
    fams = [(n, fn) for n, fn in mailgen.FAMILIES if n in ANSWERING]
    if len(fams) != len(ANSWERING):
        sys.exit("latency: fixture families changed: %s" % sorted(set(ANSWERING) - {n for n, _ in fams}))
    invs = mailgen.invitations(a.state)
    # each reply to another invitation while they last: a second answer of the same person to the same
    # meeting replaces the first row (newest wins), whose Message-ID would then never be seen
    pick = rnd.sample(range(len(invs)), len(invs))
    t0 = datetime.datetime.fromisoformat(a.since)
    md = os.path.join(a.maildir, "tmp"), os.path.join(a.maildir, "new")

    landed = {}   # Message-ID -> monotonic time its file landed
    seen = {}     # Message-ID -> monotonic time its answer row was seen
    lock = threading.Lock()
    done = threading.Event()

    def poll():
        con = sqlite3.connect("file:%s?mode=ro" % a.state, uri=True, timeout=5)
        while True:
            with lock:
                now = time.monotonic()
                want = [m for m in landed if m not in seen]
                waiting = [m for m in want if now - landed[m] < a.timeout]
            if done.is_set() and not waiting:
                break
            if want:
                rows = con.execute("SELECT message_id FROM answer WHERE message_id IN (%s)" %
                                   ",".join("?" * len(want)), want).fetchall()
                now = time.monotonic()
                with lock:
                    for (m,) in rows:
                        seen.setdefault(m, now)
            time.sleep(0.002)
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
    for i in range(a.count):
        time.sleep(rnd.uniform(a.min, a.max))
        seq = a.first + i
        name, fn = fams[i % len(fams)]
        inv = invs[pick[i % len(pick)]]
        data = mailgen.reply(inv, fn, seq, t0 + datetime.timedelta(seconds=60 * i), mailgen.DEFAULT_ORGANIZER)
        msgid = "bench-reply-%d@%s" % (seq, inv[6].split("@")[1])
        base = "%d.M%dP%d.bench,S=%d,W=%d" % (1800000000 + seq, seq, os.getpid(), len(data), len(data))
        tmp = os.path.join(md[0], base)
        with open(tmp, "wb") as f:
            f.write(data)
        os.chown(tmp, a.uid, a.uid)
        os.rename(tmp, os.path.join(md[1], base))
        with lock:
            landed[msgid] = time.monotonic()
        order.append((msgid, name))
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
    print(json.dumps({"latencies": [v for v in lat if v is not None], "missing": len(missing),
                      "missing_families": sorted(set(missing)), "idle_floor": floor}))


if __name__ == "__main__":
    main()
