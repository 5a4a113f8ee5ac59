#!/usr/bin/python3
"""One bare IMAP FETCH over a whole mailbox, timed: the floor a header-and-structure scan cannot go below.

  imapfetch.py PORT USER PASSWORD 'ITEMS'          e.g. '(ENVELOPE BODYSTRUCTURE)'
  imapfetch.py PORT USER PASSWORD 'ITEMS' --new N  the floor of an incremental look (bench row 2)

Logs in (plain, loopback), SELECTs INBOX, sends UID FETCH 1:* ITEMS and prints one JSON line: seconds for
the FETCH alone, and the octets of its response. Also used to warm Dovecot's cache. With --new N: the
seconds from SELECT (which is where Dovecot takes in new mail) to the end of a FETCH ITEMS of the last N
messages: what any client pays to see N new mails. Standard library only.
"""

import imaplib
import json
import sys
import time


def main():
    port, user, password, items = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    new = int(sys.argv[6]) if len(sys.argv) == 7 and sys.argv[5] == "--new" else 0
    m = imaplib.IMAP4("127.0.0.1", port)
    m.login(user, password)
    if new:
        t = time.monotonic()
        typ, data = m.select("INBOX")
        exists = int(data[0])
        typ, data = m.fetch("%d:%d" % (max(1, exists - new + 1), exists), items)
    else:
        m.select("INBOX", readonly=True)
        t = time.monotonic()
        typ, data = m.uid("FETCH", "1:*", items)
    took = time.monotonic() - t
    if typ != "OK":
        sys.exit("imapfetch: %s %s" % (typ, data))
    octets = sum(len(d[0]) + len(d[1]) if isinstance(d, tuple) else len(d or b"") for d in data)
    m.logout()
    print(json.dumps({"seconds": round(took, 4), "octets": octets}))


if __name__ == "__main__":
    main()
