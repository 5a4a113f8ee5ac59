#!/usr/bin/python3
"""Adds one fuzzing run of one target to the "fuzz" key of bench/results.json (the ledger of long runs).

  record.py RESULTS.json TARGET EXECUTIONS SECONDS CRASHES

Each target keeps its runs (date, commit, executions, seconds, crashes, sanitizers) and the totals over them.
The "bench" key, which bench/report.py writes, is left as it is. Standard library only.
"""

import datetime
import fcntl
import json
import os
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) != 6:
        sys.exit("usage: record.py RESULTS.json TARGET EXECUTIONS SECONDS CRASHES")
    path, target = sys.argv[1], sys.argv[2]
    execs, seconds, crashes = (int(a) for a in sys.argv[3:6])
    # Two fuzzing runs may end at once: the read-modify-replace holds a lock on the file's directory.
    lock = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        with open(path) as f:
            doc = json.load(f)
    except FileNotFoundError:
        doc = {}
    top = os.path.dirname(os.path.abspath(__file__))
    commit = subprocess.run(["git", "-C", top, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    fuzz = doc.setdefault("fuzz", {
        "about": "libFuzzer runs of tests/fuzz/fuzz_<target> built with clang -fsanitize=fuzzer,address,undefined "
                 "(make fuzz FUZZ_RECORD=1); executions include the corpus replay at the start of each run",
        "targets": {}})
    t = fuzz["targets"].setdefault(target, {"executions": 0, "seconds": 0, "crashes": 0, "runs": []})
    t["runs"].append({"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                      "commit": commit, "executions": execs, "seconds": seconds, "crashes": crashes})
    t["executions"] = sum(r["executions"] for r in t["runs"])
    t["seconds"] = sum(r["seconds"] for r in t["runs"])
    t["crashes"] = sum(r["crashes"] for r in t["runs"])
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".results.")
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)
    os.close(lock)


if __name__ == "__main__":
    main()
