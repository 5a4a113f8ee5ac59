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
#  target kind, target value, target text). Labels are formatted with the set-up: {idle} the idle window,
# {n5} row 5's instances, {n6} the region's groups, {r6} its replies, {s6} the seconds they come over.
# Target kinds: ratio_le (tovholder / peer ≤ value, medians), value_le (median ≤ value), max_le (every run ≤
# value), plus_le (median ≤ the peer's median + value: time above a floor).
KB_MB = 1024
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
    ("1.bodystructures", "1 cold scan: mails read in full (a BODYSTRUCTURE asked for)",
     ("1", "bodystructures_time", "tovholder"), None, "", None, None, ""),
    ("1.headers_only", "1 cold scan: mails read by their headers alone",
     ("1", "headers_only_time", "tovholder"), None, "", None, None, ""),
    ("1.floor", "1 (floor) bare UID FETCH 1:* (ENVELOPE BODYSTRUCTURE), cache cold",
     ("1", "floor_cold", "imaplib"), ("1", "time", "mbsync"), "mbsync", None, None, ""),
    ("1.floor_warm", "1 (floor) the same, cache warm",
     ("1", "floor_warm", "imaplib"), ("1", "time", "mbsync"), "mbsync", None, None, ""),
    ("1.floor_headers", "1 (floor) bare UID FETCH 1:* (UID RFC822.SIZE our header fields), cache cold",
     ("1", "floor_headers_cold", "imaplib"), ("1", "time", "mbsync"), "mbsync", None, None, ""),
    ("1.floor_headers_warm", "1 (floor) the same, cache warm",
     ("1", "floor_headers_warm", "imaplib"), ("1", "time", "mbsync"), "mbsync", None, None, ""),
    ("2.maildir_10k", "2 fetch 10 new mails on 10,000 (Maildir): time",
     ("2", "time", "on10k"), ("2", "floor", "on10k"), "floor", "plus_le", 0.020, "≤ floor + 20 ms"),
    ("2.maildir_100k", "2 fetch 10 new mails on 100,000 (Maildir): time",
     ("2", "time", "on100k"), ("2", "floor", "on100k"), "floor", "plus_le", 0.020, "≤ floor + 20 ms"),
    ("2.mdbox_10k", "2 fetch 10 new mails on 10,000 (mdbox): time",
     ("2", "time_mdbox", "on10k"), ("2", "floor_mdbox", "on10k"), "floor", "plus_le", 0.020, "≤ floor + 20 ms"),
    ("2.mdbox_100k", "2 fetch 10 new mails on 100,000 (mdbox): time",
     ("2", "time_mdbox", "on100k"), ("2", "floor_mdbox", "on100k"), "floor", "plus_le", 0.020,
     "≤ floor + 20 ms"),
    ("2.incr", "2 fetch 10 new mails (Maildir): on 100,000 vs on 10,000",
     ("2", "time", "on100k"), ("2", "time", "on10k"), "on 10,000", None, None, ""),
    ("2.incr_cpu", "2 fetch 10 new mails (Maildir): tovholder CPU, on 100,000 vs on 10,000",
     ("2", "cpu", "on100k"), ("2", "cpu", "on10k"), "on 10,000", None, None, ""),
    ("2.floor", "2 (floor) bare SELECT + FETCH of 10 new + 2 UID MOVEs (Maildir): on 100,000 vs on 10,000",
     ("2", "floor", "on100k"), ("2", "floor", "on10k"), "on 10,000", None, None, ""),
    ("2.incr_mdbox", "2 fetch 10 new mails (mdbox): on 100,000 vs on 10,000",
     ("2", "time_mdbox", "on100k"), ("2", "time_mdbox", "on10k"), "on 10,000", None, None, ""),
    ("2.incr_mdbox_cpu", "2 mdbox: tovholder CPU, on 100,000 vs on 10,000",
     ("2", "cpu_mdbox", "on100k"), ("2", "cpu_mdbox", "on10k"), "on 10,000", None, None, ""),
    ("2.floor_mdbox", "2 (floor) the same on mdbox: on 100,000 vs on 10,000",
     ("2", "floor_mdbox", "on100k"), ("2", "floor_mdbox", "on10k"), "on 10,000", None, None, ""),
    ("2.cold100k", "2 (set-up) cold scan of 100,000 small mails",
     ("2", "cold100k", "tovholder"), None, "", None, None, ""),
    ("3.p50", "3 reply → answer row (IDLE): p50",
     ("3", "p50", "tovholder"), ("3", "p50", "idle-client"), "bare IDLE client", "plus_le", 0.020,
     "≤ bare client's + 20 ms"),
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
    ("5.private", "5 idle service, 20-person group: private memory ({n5} running)",
     ("5", "private", "tovholder"), None, "", "value_le", 3 * KB_MB, "≤ 3 MB"),
    ("5.pss", "5 idle service: PSS ({n5} running)",
     ("5", "pss", "tovholder"), None, "", None, None, ""),
    ("5.rss", "5 idle service: RSS (shared-library pages counted in full)",
     ("5", "rss", "tovholder"), None, "", None, None, ""),
    ("5.rss_anon", "5 idle service: RssAnon (its anonymous pages)",
     ("5", "rss_anon", "tovholder"), None, "", None, None, ""),
    ("5.wake", "5 idle service: wakeups of ours in {idle} idle (timers, looks)",
     ("5", "wake_ours", "tovholder"), None, "", "max_le", 0, "0 (every instance)"),
    ("5.wake_server", "5 idle service: wakeups by the server (keepalives read and dropped)",
     ("5", "wake_server", "tovholder"), None, "", None, None, ""),
    ("6.p50", "6 region, {n6} groups: reply → answer row, {r6} replies in {s6} s: p50",
     ("6", "p50", "tovholder"), None, "", None, None, ""),
    ("6.p99", "6 region: reply → answer row: p99",
     ("6", "p99", "tovholder"), None, "", "value_le", 1.0, "≤ 1 s"),
    ("6.max", "6 region: reply → answer row: max",
     ("6", "max", "tovholder"), None, "", None, None, ""),
    ("6.missing", "6 region: replies not recorded within 10 s",
     ("6", "missing", "tovholder"), None, "", None, None, ""),
    ("6.private_total", "6 region: private memory of the {n6} services, idle",
     ("6", "private_total", "region"), None, "", "value_le", 150 * KB_MB, "≤ 150 MB"),
    ("6.pss_total", "6 region: PSS of the {n6} services, idle",
     ("6", "pss_total", "region"), None, "", None, None, ""),
    ("6.private", "6 region: private memory per service ({n6} running)",
     ("6", "private", "tovholder"), None, "", None, None, ""),
    ("6.pss", "6 region: PSS per service ({n6} running)",
     ("6", "pss", "tovholder"), None, "", None, None, ""),
    ("6.rss", "6 region: RSS per service",
     ("6", "rss", "tovholder"), None, "", None, None, ""),
    ("6.private_total_after", "6 region: private memory of the {n6} services after the replies",
     ("6", "private_total_after", "region"), None, "", None, None, ""),
    ("6.pss_total_after", "6 region: PSS of the {n6} services after the replies",
     ("6", "pss_total_after", "region"), None, "", None, None, ""),
    ("6.wake_total", "6 region: wakeups of ours of the {n6} services in {idle} idle",
     ("6", "wake_ours_total", "region"), None, "", "value_le", 0, "0"),
    ("6.wake_server_total", "6 region: wakeups by the server (keepalives) of the {n6} services",
     ("6", "wake_server_total", "region"), None, "", None, None, ""),
    ("6.span", "6 region: the replies were delivered over",
     ("6", "span", "region"), None, "", None, None, ""),
]


def verdict(kind, target, tov, peer):
    """("met"/"MISSED"/"n/a" with the margin where it says something, met or None)"""
    if kind is None or tov is None:
        return "", None
    if kind in ("ratio_le", "plus_le") and (peer is None or not peer["median"]):
        return "n/a", None
    extra = ""
    if kind == "ratio_le":
        ok = tov["median"] / peer["median"] <= target
    elif kind == "plus_le":
        over = tov["median"] - peer["median"]
        ok = over <= target
        extra = " (%+.0f ms)" % (over * 1000)
    elif kind == "max_le":
        ok = tov["max"] <= target
    else:
        ok = tov["median"] <= target
    return ("met" if ok else "MISSED") + extra, ok


def main():
    raw, info_path, out = sys.argv[1], sys.argv[2], sys.argv[3]
    series = load(raw)
    with open(info_path) as f:
        info = json.load(f)
    rows, lines = [], []
    idle = info.get("idle_seconds", 0)
    region = info.get("region", {})
    names = {"idle": "%d min" % (idle // 60) if idle and idle % 60 == 0 else "%d s" % idle,
             "n5": info.get("runs", "?"), "n6": region.get("groups", "?"),
             "r6": "{:,}".format(region.get("replies", 0)), "s6": region.get("seconds", "?")}
    for key, label, tk, pk, plabel, kind, target, ttext in ROWS:
        label = label.format(**names)
        tov = stat(series, *tk)
        peer = stat(series, *pk) if pk else None
        if tov is None and peer is None and key.split(".")[0] not in info.get("rows", key.split(".")[0]):
            continue  # a part of the bench was run (BENCH_ROWS), not this row
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
