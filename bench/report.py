#!/usr/bin/python3
"""Turns the measurements of bench/run into the table and bench/results.json.

  report.py RAW.jsonl INFO.json RESULTS.json

RAW.jsonl: one measurement a line, {"row", "metric", "who", "value", "unit"}, one per run. INFO.json: the
set-up (machine, versions, mailbox sizes, runs). Each figure is the median of its runs, with min and max.
RESULTS.json is rewritten under its "bench" key only: other keys (the fuzzing records) are kept.
Standard library only.
"""

import json
import os
import statistics
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results_file  # noqa: E402


def load(path):
    series = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                m = json.loads(line)
                series.setdefault((m["row"], m["metric"], m["who"]), {"unit": m["unit"], "values": []})[
                    "values"].append(m["value"])
    return series


def stat(series, row, metric, who):
    s = series.get((row, metric, who))
    if not s or not s["values"]:
        return None
    v = s["values"]
    return {"median": statistics.median(v), "min": min(v), "max": max(v), "runs": len(v), "unit": s["unit"],
            "values": v}


def fmt(st):
    if st is None:
        return "n/a"
    unit = st["unit"]

    def one(x):
        if unit == "s":
            return "%.3f" % x if x < 10 else "%.1f" % x
        if unit == "bytes":
            return "%.2f MB" % (x / 1e6) if x >= 1e6 else "%.0f kB" % (x / 1e3)
        if unit == "kB":
            return "%.1f MB" % (x / 1024)
        if unit == "%":
            return "%.2f%%" % x
        return "%g" % x
    if st["runs"] == 1 or st["min"] == st["max"]:
        return "%s%s" % (one(st["median"]), "" if unit in ("bytes", "kB", "%") else " " + unit if unit else "")
    return "%s%s [%s–%s]" % (one(st["median"]), "" if unit in ("bytes", "kB", "%") else " " + unit if unit else "",
                              one(st["min"]), one(st["max"]))


# (key, label, tovholder (row, metric, who), peer (row, metric, who) or None, peer label,
#  target kind, target value, target text)
ROWS = [
    ("1.time_cold", "1 cold scan 10,000 mails: time (Dovecot cache cold)",
     ("1", "time", "tovholder"), ("1", "time", "mbsync"), "mbsync", "ratio_le", 0.15, "≤ 0.15× mbsync"),
    ("1.time_warm", "1 cold scan: time (Dovecot cache warm)",
     ("1", "time_warm", "tovholder"), ("1", "time", "mbsync"), "mbsync", "ratio_le", 0.15, "≤ 0.15× mbsync"),
    ("1.bytes", "1 cold scan: bytes read from the server",
     ("1", "bytes", "tovholder"), ("1", "bytes", "mbsync"), "mbsync", None, None, ""),
    ("1.bytes_share", "1 cold scan: bytes read / mailbox bytes",
     ("1", "bytes_share", "tovholder"), ("1", "bytes_share", "mbsync"), "mbsync", "value_le", 2.0, "≤ 2%"),
    ("1.rss", "1 cold scan: peak RSS",
     ("1", "rss", "tovholder"), ("1", "rss", "mbsync"), "mbsync", None, None, ""),
    ("1.floor", "1 (floor) bare UID FETCH 1:* (ENVELOPE BODYSTRUCTURE), cache cold",
     ("1", "floor_cold", "imaplib"), ("1", "time", "mbsync"), "mbsync", None, None, ""),
    ("1.floor_warm", "1 (floor) the same, cache warm",
     ("1", "floor_warm", "imaplib"), ("1", "time", "mbsync"), "mbsync", None, None, ""),
    ("2.incr", "2 fetch 10 new mails: on 100,000 vs on 10,000",
     ("2", "time", "on100k"), ("2", "time", "on10k"), "on 10,000", "ratio_le", 1.2, "ratio ≤ 1.2"),
    ("2.incr_cpu", "2 fetch 10 new mails: tovholder CPU, on 100,000 vs on 10,000",
     ("2", "cpu", "on100k"), ("2", "cpu", "on10k"), "on 10,000", None, None, ""),
    ("2.floor", "2 (floor) bare SELECT + FETCH of 10 new + 2 UID MOVEs: on 100,000 vs on 10,000",
     ("2", "floor", "on100k"), ("2", "floor", "on10k"), "on 10,000", None, None, ""),
    ("2.incr_mdbox", "2 the same on Dovecot mdbox: on 100,000 vs on 10,000",
     ("2", "time_mdbox", "on100k"), ("2", "time_mdbox", "on10k"), "on 10,000", "ratio_le", 1.2, "ratio ≤ 1.2"),
    ("2.incr_mdbox_cpu", "2 mdbox: tovholder CPU, on 100,000 vs on 10,000",
     ("2", "cpu_mdbox", "on100k"), ("2", "cpu_mdbox", "on10k"), "on 10,000", None, None, ""),
    ("2.floor_mdbox", "2 mdbox (floor) bare SELECT + FETCH + 2 UID MOVEs: on 100,000 vs on 10,000",
     ("2", "floor_mdbox", "on100k"), ("2", "floor_mdbox", "on10k"), "on 10,000", None, None, ""),
    ("2.cold100k", "2 (set-up) cold scan of 100,000 small mails",
     ("2", "cold100k", "tovholder"), None, "", None, None, ""),
    ("3.p50", "3 reply → answer row (IDLE): p50",
     ("3", "p50", "tovholder"), ("3", "p50", "idle-client"), "bare IDLE client", "value_le", 0.2, "≤ 0.2 s"),
    ("3.p99", "3 reply → answer row (IDLE): p99",
     ("3", "p99", "tovholder"), ("3", "p99", "idle-client"), "bare IDLE client", "value_le", 1.0, "≤ 1 s"),
    ("3.max", "3 reply → answer row (IDLE): max",
     ("3", "max", "tovholder"), ("3", "max", "idle-client"), "bare IDLE client", None, None, ""),
    ("4.msmtp", "4 send 200 invitations: vs msmtp once per message",
     ("4", "time", "tovholder"), ("4", "time", "msmtp"), "msmtp ×200", "ratio_le", 1 / 15, "≥ 15× faster"),
    ("4.smtp_source", "4 send 200 invitations: vs smtp-source, one connection",
     ("4", "time", "tovholder"), ("4", "time", "smtp-source"), "smtp-source", "ratio_le", 2.0,
     "≥ 50% of its rate"),
    ("4.smtp_source_F", "4 the same vs smtp-source -F: one of our invitations ×200",
     ("4", "time", "tovholder"), ("4", "time", "smtp-source-F"), "smtp-source -F", None, None, ""),
    ("5.rss", "5 idle service, 20-person group: RSS after start",
     ("5", "rss", "tovholder"), None, "", "value_le", 8 * 1024, "< 8 MB"),
    ("5.rss_anon", "5 idle service: of that, anonymous memory (the rest: shared-library pages)",
     ("5", "rss_anon", "tovholder"), None, "", None, None, ""),
    ("5.ctx", "5 idle service: context switches in 60 s idle",
     ("5", "ctx", "tovholder"), None, "", "value_le", 5, "about 0 (≤ 5)"),
]


def verdict(kind, target, tov, peer):
    if kind is None or tov is None:
        return "", None
    if kind == "ratio_le":
        if peer is None or not peer["median"]:
            return "n/a", None
        ok = tov["median"] / peer["median"] <= target
    else:
        ok = tov["median"] <= target
    return ("met" if ok else "MISSED"), ok


def main():
    raw, info_path, out = sys.argv[1], sys.argv[2], sys.argv[3]
    series = load(raw)
    with open(info_path) as f:
        info = json.load(f)
    rows, lines = [], []
    for key, label, tk, pk, plabel, kind, target, ttext in ROWS:
        tov = stat(series, *tk)
        peer = stat(series, *pk) if pk else None
        ratio = tov["median"] / peer["median"] if tov and peer and peer["median"] else None
        v, ok = verdict(kind, target, tov, peer)
        rows.append({"key": key, "metric": label, "tovholder": tov, "peer_name": plabel, "peer": peer,
                     "ratio": round(ratio, 4) if ratio is not None else None, "target": ttext, "met": ok})
        lines.append((label, fmt(tov), ("%s: %s" % (plabel, fmt(peer))) if peer else "",
                      ("%.3f" % ratio) if ratio is not None else "", ("%s %s" % (ttext, v)).strip()))

    w = [max(len(x[i]) for x in lines + [("metric", "tovholder", "peer", "ratio", "target")])
         for i in range(5)]
    head = ("metric", "tovholder", "peer", "ratio", "target")
    print("  ".join(h.ljust(w[i]) for i, h in enumerate(head)))
    print("  ".join("-" * w[i] for i in range(5)))
    for x in lines:
        print("  ".join(x[i].ljust(w[i]) for i in range(5)))
    print("(median of the runs [min–max]; ratio = tovholder / peer, medians)")

    def set_bench(doc):
        doc["bench"] = {"setup": info, "rows": rows}

    # tests/fuzz/record.py may be adding a fuzzing run to the same file: results_file locks
    results_file.update(out, set_bench)

if __name__ == "__main__":
    main()
