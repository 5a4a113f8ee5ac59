#!/usr/bin/python3
"""One bare IMAP FETCH over a whole mailbox, timed: the floor a header-and-structure scan cannot go below.

  imapfetch.py PORT USER PASSWORD 'ITEMS'          e.g. '(ENVELOPE BODYSTRUCTURE)'
  imapfetch.py PORT USER PASSWORD 'ITEMS' --new N [--move K FOLDER]...
                                                   the floor of an incremental look (bench row 2)

Logs in (plain, loopback), SELECTs INBOX, sends UID FETCH 1:* ITEMS and prints one JSON line: seconds for
the FETCH alone, and the octets of its response. Also used to warm Dovecot's cache. With --new N: the
seconds of a whole session that sees N new mails, as `tovholder fetch` is one: connect, greeting, LOGIN,
SELECT (which is where Dovecot takes in new mail), a FETCH ITEMS of the last N messages, and each --move K
FOLDER, which moves the next K of them to FOLDER with one UID MOVE, as tovholder moves what it handled (one
command per folder), and LOGOUT. What any client pays to look once; Dovecot's greeting alone (it starts a
login process per connection) is about 10 ms here. FOLDER is created first, in a session of its own, untimed,
when missing.
Standard library only.
"""

import imaplib
import json
import sys
import time


def usage():
    sys.exit("usage: imapfetch.py PORT USER PASSWORD ITEMS [--new N [--move K FOLDER]...]")


def main():
    if len(sys.argv) < 5:
        usage()
    port, user, password, items = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    new, moves, rest = 0, [], sys.argv[5:]
    while rest:
        if rest[0] == "--new" and len(rest) >= 2:
            new, rest = int(rest[1]), rest[2:]
        elif rest[0] == "--move" and len(rest) >= 3 and new:
            moves.append((int(rest[1]), rest[2]))
            rest = rest[3:]
        else:
            usage()
    if sum(k for k, _ in moves) > new:
        usage()
    if moves:
        m = imaplib.IMAP4("127.0.0.1", port)
        m.login(user, password)
        for _, folder in moves:
            m.create('"%s"' % folder)  # untimed; "already exists" is fine (tovholder makes its folders once, too)
        m.logout()
    t = time.monotonic()
    m = imaplib.IMAP4("127.0.0.1", port)
    m.login(user, password)
    if new:
        typ, data = m.select("INBOX")
        exists = int(data[0])
        first = max(1, exists - new + 1)
        inner = items.strip().strip("()")
        typ, data = m.fetch("%d:%d" % (first, exists), "(%s)" % (inner if inner.startswith("UID") else "UID " + inner))
        # each response starts "N (UID u ...", as bytes, or as the first of a tuple when a literal follows
        heads = [d[0] if isinstance(d, tuple) else d for d in data]
        uids = [int(h.split(b"(UID ", 1)[1].split()[0].rstrip(b")")) for h in heads if h and b"(UID " in h]
    else:
        m.select("INBOX", readonly=True)
        t = time.monotonic()
        typ, data = m.uid("FETCH", "1:*", items)
    if typ != "OK":
        sys.exit("imapfetch: %s %s" % (typ, data))
    octets = sum(len(d[0]) + len(d[1]) if isinstance(d, tuple) else len(d or b"") for d in data)
    for k, folder in moves:
        chosen, uids = uids[:k], uids[k:]
        typ, res = m.uid("MOVE", ",".join(str(u) for u in chosen), '"%s"' % folder)
        if typ != "OK":
            sys.exit("imapfetch: UID MOVE to %s: %s %s" % (folder, typ, res))
    if new:
        m.logout()
    took = time.monotonic() - t
    if not new:
        m.logout()
    print(json.dumps({"seconds": round(took, 4), "octets": octets}))


if __name__ == "__main__":
    main()
