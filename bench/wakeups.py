#!/usr/bin/python3
"""Who woke an idle service: reads `strace -tt -e trace=poll,ppoll,read,recvfrom,sendto,write,connect` of one
process over the idle window and prints one JSON line.

  wakeups.py STRACE_FILE

Every return from poll/ppoll is a wakeup. It is the server's when a descriptor was readable and the service then
sent nothing before it waited again (a keepalive read and dropped: Dovecot's "* OK Still here" in IDLE); it is
ours when poll timed out (a timer of ours ran out) or when the service sent or connected before it waited again
(a look, a renewal, a reconnect: work it chose to do, with or without a word from the server). Context switches
cannot tell the two apart, and a traced process's switches count ptrace's stops too, so this is what rows 5
and 6 count. Standard library only.
"""

import json
import re
import sys

POLL = re.compile(r"^\S+ (?:poll|ppoll)\(.*\) = (\d+)")
SENDS = re.compile(r"^\S+ (?:sendto|connect)\(|^\S+ write\((\d+),")
READS = re.compile(r"^\S+ (?:read|recvfrom)\(")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: wakeups.py STRACE_FILE")
    server = ours = timers = sent = 0
    pending = None  # the last poll return: "timer" or "data", until the next poll
    acted = False
    seen_poll = False

    def close():
        nonlocal server, ours, timers
        if pending is None:
            return
        if pending == "timer":
            timers += 1
            ours += 1
        elif acted:
            ours += 1
        else:
            server += 1

    with open(sys.argv[1], errors="replace") as f:
        for line in f:
            m = POLL.match(line)
            if m:
                seen_poll = True
                close()
                pending = "timer" if m.group(1) == "0" else "data"
                acted = False
                continue
            if pending is None and not seen_poll and READS.match(line):
                pending = "data"   # the poll it was blocked in at attach returned
                acted = False
            if pending is not None and SENDS.match(line):
                m = SENDS.match(line)
                # a write to stderr (fd 2: the log) is not a word with the server
                if m.group(1) is None or m.group(1) != "2":
                    acted = True
                    sent += 1
    close()
    print(json.dumps({"server": server, "ours": ours, "timers": timers, "commands": sent}))


if __name__ == "__main__":
    main()
