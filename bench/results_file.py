"""bench/results.json, shared by bench/report.py (its "bench" key) and tests/fuzz/record.py (its "fuzz" key):
update(path, change) reads it, lets change(doc) edit the dict, and writes it back whole and atomically
(temporary file, rename), holding a lock on its directory so two writers do not lose each other's key.
Standard library only.
"""

import fcntl
import json
import os
import tempfile


def update(path, change):
    folder = os.path.dirname(os.path.abspath(path))
    lock = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError):
            doc = {}
        change(doc)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".results.")
        # mkstemp makes the file 0600: give it the mode a plain open() would (it is a report to be read)
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, path)
    finally:
        os.close(lock)
