#!/usr/bin/python3
"""Run a command and write its wall clock, user and system CPU time and peak RSS to a file.

  timed.py FILE COMMAND [ARG]...

FILE gets one line "WALL_S USER_S SYS_S MAXRSS_KB"; the command's stdio is untouched and its exit status is
ours (128 + N when a signal N ended it). What /usr/bin/time -v reports too, but at microseconds instead of
its hundredths of a second: the fetches of row 2 take 10 to 60 ms, and a ratio of two such times rounded to
hundredths (0.05 s / 0.04 s = 1.25) says more about the rounding than about the fetches. Wall is from just
before fork to just after wait4, so this script's own start-up is not in it. Standard library only.
"""

import os
import sys
import time


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: timed.py FILE COMMAND [ARG]...")
    out, argv = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        except OSError as e:
            print("timed.py: cannot run %s: %s" % (argv[0], e.strerror), file=sys.stderr)
        os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    with open(out, "w") as f:
        # ru_maxrss is in kilobytes on Linux
        f.write("%.6f %.6f %.6f %d\n" % (wall, ru.ru_utime, ru.ru_stime, ru.ru_maxrss))
    if os.WIFSIGNALED(status):
        sys.exit(128 + os.WTERMSIG(status))
    sys.exit(os.WEXITSTATUS(status))


if __name__ == "__main__":
    main()
