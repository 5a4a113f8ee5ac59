#!/usr/bin/python3
"""Adds one fuzzing run of one target to the "fuzz" key of bench/results.json (the ledger of long runs).
SECONDS are the fuzzer's CPU seconds (user + sys), so a run that shared the machine is not made to look slow.

  record.py RESULTS.json TARGET EXECUTIONS SECONDS CRASHES
  record.py --table RESULTS.json      the ledger as a Markdown table (for tests/fuzz/RESULTS.md)
  record.py --note RESULTS.json TARGET DATE TEXT
                                      says what a run's crash was (a bug and its fix, or not a bug: why);
                                      DATE is the run's date as in the ledger (a prefix will do if unique)

Each target keeps its runs (date, commit, executions, CPU seconds, crashes) and the totals over them.
The "bench" key, which bench/report.py writes, is left as it is. Standard library only.
"""

import datetime
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
import results_file  # noqa: E402


def table(path):
    """The ledger as a Markdown table: per target, the runs, executions, hours and crashes in all."""
    with open(path) as f:
        targets = json.load(f).get("fuzz", {}).get("targets", {})
    print("| target | runs | executions | CPU hours | exec/s | crashes |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in sorted(targets):
        t = targets[name]
        rate = t["executions"] / t["seconds"] if t["seconds"] else 0
        print("| %s | %d | %s | %.2f | %.0f | %d |" % (name, len(t["runs"]), format(t["executions"], ","),
                                                    t["seconds"] / 3600, rate, t["crashes"]))
    total = sum(t["executions"] for t in targets.values())
    print("| all | %d | %s | %.2f | | %d |" % (sum(len(t["runs"]) for t in targets.values()), format(total, ","),
                                             sum(t["seconds"] for t in targets.values()) / 3600,
                                             sum(t["crashes"] for t in targets.values())))
    notes = [(name, r) for name in sorted(targets) for r in targets[name]["runs"] if r.get("note")]
    if notes:
        print()
        for name, r in notes:
            print("- %s, run of %s (commit %s, %d crash%s): %s" % (name, r["date"], r["commit"], r["crashes"],
                                                                 "" if r["crashes"] == 1 else "es", r["note"]))
    unexplained = [(name, r["date"]) for name in sorted(targets) for r in targets[name]["runs"]
                   if r["crashes"] and not r.get("note")]
    for name, date in unexplained:
        print("- %s, run of %s: a crash not yet explained (record.py --note)" % (name, date))


def note(path, target, date, text):
    """Attaches TEXT to the run of TARGET whose date starts with DATE."""
    def change(doc):
        runs = doc.get("fuzz", {}).get("targets", {}).get(target, {}).get("runs", [])
        hits = [r for r in runs if r["date"].startswith(date)]
        if len(hits) != 1:
            sys.exit("record.py: %d runs of %s match the date '%s': give more of it" % (len(hits), target, date))
        hits[0]["note"] = text

    results_file.update(path, change)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--table":
        table(sys.argv[2])
        return
    if len(sys.argv) == 6 and sys.argv[1] == "--note":
        note(*sys.argv[2:6])
        return
    if len(sys.argv) != 6:
        sys.exit("usage: record.py RESULTS.json TARGET EXECUTIONS SECONDS CRASHES | record.py --table RESULTS.json |"
                 " record.py --note RESULTS.json TARGET DATE TEXT")
    path, target = sys.argv[1], sys.argv[2]
    execs, seconds, crashes = (int(a) for a in sys.argv[3:6])
    top = os.path.dirname(os.path.abspath(__file__))
    commit = subprocess.run(["git", "-C", top, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "unknown"

    def add_run(doc):
        fuzz = doc.setdefault("fuzz", {
            "about": "libFuzzer runs of tests/fuzz/fuzz_<target> built with clang -fsanitize=fuzzer,address,undefined; "
                     "seconds are CPU seconds (make fuzz FUZZ_RECORD=1); executions include the corpus replay at "
                     "the start of each run",
            "targets": {}})
        t = fuzz["targets"].setdefault(target, {"executions": 0, "seconds": 0, "crashes": 0, "runs": []})
        t["runs"].append({"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                          "commit": commit, "executions": execs, "seconds": seconds, "crashes": crashes})
        for key in ("executions", "seconds", "crashes"):
            t[key] = sum(r[key] for r in t["runs"])

    # two fuzzing runs, or a fuzzing run and make bench, may end at once: results_file locks
    results_file.update(path, add_run)


if __name__ == "__main__":
    main()
