#!/usr/bin/python3
"""Independent checks of the mail tovholder sends, for the integration tests.

Uses only Python's email package and python3-icalendar, never tovholder's own code, so a test compares
tovholder's output with a second reading of the same bytes. Run it with /usr/bin/python3 (a pyenv python3
on PATH may lack icalendar).

  mailcheck.py summary MAILDIR|FILE...   one line per message, sorted by Date then file name
  mailcheck.py json MAILDIR|FILE...      the same and much more, as a JSON list

A MAILDIR argument means the messages in its new/ and cur/ (a plain directory: every file in it).

json, per message: file to cc from subject date message_id; mime (the MIME tree: type, encoding,
params, disposition, filename, parts); crlf_only (every raw line ends in CRLF), max_line (longest raw line
in octets), defects; text_plain (also as text) and text_html, decoded, line ends as \n; calendar_parts;
from the first calendar part (text/calendar, else an .ics attachment): method, mime_method, ical_crlf,
ical_max_line (longest decoded line before unfolding, octets), ical_text, vtimezones (TZIDs defined),
vevent_count; and from its master VEVENT: uid seq organizer organizer_cn attendees (addresses)
attendee_params ([{addr, CN, ROLE, PARTSTAT, RSVP}], null where absent),
start end tzid tzids_used tzids_without_vtimezone utc_start utc_end utc_start_tzdb utc_end_tzdb summary
location url description dtstamp status.
Times: DTSTART/DTEND are shown as written (local time of their TZID) and converted to UTC with the
VTIMEZONE carried in the message itself; utc_start_tzdb is the same instant per the system tz database,
so a test can catch a wrong VTIMEZONE. Exits 2 with a message on anything it cannot parse.
"""

import datetime
import email
import email.policy
import email.utils
import json
import os
import re
import sys

try:
    import icalendar
except ImportError:
    sys.exit("mailcheck: python3-icalendar is missing (run with /usr/bin/python3, or scripts/install-deps)")

UTC = datetime.timezone.utc
CAL_TYPES = ("text/calendar", "application/ics")


class CheckError(Exception):
    pass


def message_files(args):
    files = []
    for arg in args:
        if os.path.isdir(arg):
            subdirs = [os.path.join(arg, d) for d in ("new", "cur") if os.path.isdir(os.path.join(arg, d))]
            for d in subdirs or [arg]:
                files += [os.path.join(d, f) for f in os.listdir(d) if os.path.isfile(os.path.join(d, f))]
        elif os.path.isfile(arg):
            files.append(arg)
        else:
            raise CheckError("%s: no such file or directory" % arg)
    return files


def addr(value):
    """'mailto:Bo@X.example' or 'Bo <bo@x.example>' -> 'bo@x.example'."""
    s = str(value).strip()
    if s.lower().startswith("mailto:"):
        s = s[7:]
    name, a = email.utils.parseaddr(s)
    return (a or s).lower()


def raw_checks(raw):
    lines = raw.split(b"\n")
    tail = lines.pop()  # after the last LF: empty when the file ends in a line break
    crlf = all(line.endswith(b"\r") for line in lines) and tail == b""
    lengths = [len(line[:-1] if line.endswith(b"\r") else line) for line in lines] + [len(tail)]
    return crlf, max(lengths) if lengths else 0


def mime_tree(part):
    node = {
        "type": part.get_content_type(),
        "encoding": (part.get("Content-Transfer-Encoding") or "7bit").strip().lower(),
    }
    params = {k.lower(): v for k, v in (part.get_params(header="content-type") or [])[1:]
              if k.lower() != "boundary"}
    if params:
        node["params"] = params
    disp = part.get_content_disposition()
    if disp:
        node["disposition"] = disp
    if part.get_filename():
        node["filename"] = part.get_filename()
    if part.is_multipart():
        node["parts"] = [mime_tree(p) for p in part.iter_parts()]
    return node


def decoded_text(part):
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "us-ascii"
    try:
        # Line ends are checked on the raw bytes (crlf_only); bodies are compared as text.
        return payload.decode(charset).replace("\r\n", "\n")
    except (LookupError, UnicodeDecodeError) as e:
        raise CheckError("%s part: cannot decode as %s: %s" % (part.get_content_type(), charset, e))


def find_parts(msg):
    cal_parts, plain, html = [], None, None
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        is_ics = ctype in CAL_TYPES or (part.get_filename() or "").lower().endswith(".ics")
        if is_ics:
            cal_parts.append(part)
        elif ctype == "text/plain" and plain is None and part.get_content_disposition() != "attachment":
            plain = part
        elif ctype == "text/html" and html is None and part.get_content_disposition() != "attachment":
            html = part
    # The inline text/calendar is the one clients act on; an .ics attachment is the fallback.
    cal_parts.sort(key=lambda p: p.get_content_type() != "text/calendar")
    return cal_parts, plain, html


def fmt_local(dt):
    if isinstance(dt, datetime.datetime):
        s = dt.strftime("%Y-%m-%dT%H:%M")
        if dt.utcoffset() == datetime.timedelta(0) and getattr(dt.tzinfo, "zone", "UTC") in ("UTC", None):
            s += "Z"
        return s
    return dt.strftime("%Y-%m-%d")


def fmt_utc(dt):
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def to_utc(prop, vtimezones):
    """(utc via the message's VTIMEZONE, utc via tzdb) for a DTSTART/DTEND property; '-' where unknown."""
    if prop is None:
        return "-", "-"
    dt = prop.dt
    if not isinstance(dt, datetime.datetime):
        return "-", "-"
    tzid = prop.params.get("TZID")
    if not tzid:
        if dt.tzinfo is None:
            return "-", "-"  # floating time: no instant at all
        return fmt_utc(dt), fmt_utc(dt)
    naive = dt.replace(tzinfo=None)
    via_vtz = "-"
    if tzid in vtimezones:
        tz = vtimezones[tzid]
        local = tz.localize(naive) if hasattr(tz, "localize") else naive.replace(tzinfo=tz)
        via_vtz = fmt_utc(local)
    via_tzdb = fmt_utc(dt) if dt.tzinfo is not None else "-"
    return via_vtz, via_tzdb


def param(prop, name):
    v = prop.params.get(name)
    return str(v) if v is not None else None


def text(comp, name):
    v = comp.get(name)
    return str(v) if v is not None else None


def check_calendar(part):
    data = part.get_payload(decode=True) or b""
    crlf, longest = raw_checks(data if data.endswith(b"\n") else data + b"\r\n")
    try:
        cal = icalendar.Calendar.from_ical(data)
    except Exception as e:  # icalendar raises ValueError and friends
        raise CheckError("cannot parse the %s part: %s" % (part.get_content_type(), e))
    # icalendar is lenient: a property it cannot read is dropped and only noted in .errors.
    for comp in cal.walk():
        for prop, err in getattr(comp, "errors", []):
            raise CheckError("%s in the %s part: %s: %s" % (comp.name, part.get_content_type(), prop, err))
    vtimezones = {}
    for vtz in cal.walk("VTIMEZONE"):
        tzid = str(vtz.get("TZID"))
        try:
            vtimezones[tzid] = vtz.to_tz()
        except Exception as e:
            raise CheckError("VTIMEZONE %s cannot be used: %s" % (tzid, e))
    events = cal.walk("VEVENT")
    info = {
        "method": text(cal, "METHOD") or "-",
        "ical_crlf": crlf,
        "ical_max_line": longest,
        "vtimezones": sorted(vtimezones),
        "vevent_count": len(events),
        "ical_text": data.decode("utf-8", "replace"),
    }
    if not events:
        return info
    # The master event (no RECURRENCE-ID) carries the fields; overrides are only counted.
    ev = next((e for e in events if "RECURRENCE-ID" not in e), events[0])
    start, end = ev.get("DTSTART"), ev.get("DTEND")
    utc_start, utc_start_tzdb = to_utc(start, vtimezones)
    utc_end, utc_end_tzdb = to_utc(end, vtimezones)
    org = ev.get("ORGANIZER")
    atts = ev.get("ATTENDEE") or []
    if not isinstance(atts, list):
        atts = [atts]
    tzids = sorted({str(p.params["TZID"]) for e in events for p in (e.get("DTSTART"), e.get("DTEND"))
                    if p is not None and "TZID" in p.params})
    info.update({
        "uid": text(ev, "UID") or "-",
        "seq": str(int(ev.get("SEQUENCE"))) if ev.get("SEQUENCE") is not None else "-",
        "organizer": addr(org) if org is not None else "-",
        "organizer_cn": param(org, "CN") if org is not None else None,
        "attendees": [addr(a) for a in atts],
        "attendee_params": [{"addr": addr(a), "CN": param(a, "CN"), "ROLE": param(a, "ROLE"),
                             "PARTSTAT": param(a, "PARTSTAT"), "RSVP": param(a, "RSVP")} for a in atts],
        "start": fmt_local(start.dt) if start is not None else "-",
        "end": fmt_local(end.dt) if end is not None else "-",
        "tzid": str(start.params.get("TZID")) if start is not None and start.params.get("TZID") else "-",
        "tzids_used": tzids,
        "tzids_without_vtimezone": [t for t in tzids if t not in vtimezones],
        "utc_start": utc_start,
        "utc_end": utc_end,
        "utc_start_tzdb": utc_start_tzdb,
        "utc_end_tzdb": utc_end_tzdb,
        "summary": text(ev, "SUMMARY"),
        "location": text(ev, "LOCATION"),
        "url": text(ev, "URL"),
        "description": text(ev, "DESCRIPTION"),
        "dtstamp": fmt_utc(ev["DTSTAMP"].dt) if ev.get("DTSTAMP") is not None else None,
        "status": text(ev, "STATUS"),
    })
    return info


def check_message(path):
    with open(path, "rb") as f:
        raw = f.read()
    if not raw.strip():
        raise CheckError("empty file")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if not msg.keys():
        raise CheckError("no header found")
    crlf, longest = raw_checks(raw)
    try:
        date = email.utils.parsedate_to_datetime(msg["Date"]) if msg["Date"] else None
    except (TypeError, ValueError):
        raise CheckError("bad Date header %r" % str(msg["Date"]))
    if date is not None and date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    cal_parts, plain, html = find_parts(msg)
    ctype_cal = next((p for p in cal_parts if p.get_content_type() == "text/calendar"), None)
    info = {
        "file": path,
        "to": ",".join(addr(a) for _, a in email.utils.getaddresses([str(v) for v in msg.get_all("To", [])])),
        "cc": ",".join(addr(a) for _, a in email.utils.getaddresses([str(v) for v in msg.get_all("Cc", [])])),
        "from": ",".join(addr(a) for _, a in email.utils.getaddresses([str(v) for v in msg.get_all("From", [])])),
        "subject": str(msg["Subject"]) if msg["Subject"] is not None else "",
        "date": date.isoformat() if date else None,
        "message_id": str(msg["Message-ID"]).strip() if msg["Message-ID"] else None,
        "mime_method": (ctype_cal.get_param("method") or "-") if ctype_cal is not None else "-",
        "mime": mime_tree(msg),
        "crlf_only": crlf,
        "max_line": longest,
        "defects": [type(d).__name__ for p in msg.walk() for d in p.defects],
        "text_plain": decoded_text(plain) if plain is not None else None,
        "text": decoded_text(plain) if plain is not None else None,  # the same, under its short name
        "text_html": decoded_text(html) if html is not None else None,
        "calendar_parts": len(cal_parts),
        "method": "-",
    }
    if cal_parts:
        info.update(check_calendar(cal_parts[0]))
    info["_sort"] = (date.timestamp() if date else float("-inf"),) + delivery_order(path)
    return info


def delivery_order(path):
    """A Maildir file's delivery time from its name ("1733477000.M5123P789.host"): seconds, then
    microseconds as numbers. Dovecot does not pad the microseconds, so the names alone sort M999 after M1000
    and two mails of the same second came out in the wrong order."""
    name = os.path.basename(path)
    m = re.match(r"(\d+)\.M(\d+)P", name)
    return (int(m.group(1)), int(m.group(2)), name) if m else (0, 0, name)


SUMMARY_FIELDS = ("to", "method", "mime_method", "uid", "seq", "organizer", "attendees", "start", "end",
                  "tzid", "utc_start", "subject")


def summary_line(m):
    out = []
    for k in SUMMARY_FIELDS:
        v = m.get(k, "-")
        if isinstance(v, list):
            v = ",".join(v) or "-"
        out.append("%s=%s" % (k, v if v not in (None, "") else "-"))
    return " ".join(out)


def main(argv):
    if len(argv) < 3 or argv[1] not in ("summary", "json"):
        sys.stderr.write(__doc__)
        return 2
    try:
        files = message_files(argv[2:])
    except CheckError as e:
        print("mailcheck: %s" % e, file=sys.stderr)
        return 2
    msgs = []
    for path in files:
        try:
            msgs.append(check_message(path))
        except CheckError as e:
            print("mailcheck: %s: %s" % (path, e), file=sys.stderr)
            return 2
    msgs.sort(key=lambda m: m.pop("_sort"))
    if argv[1] == "summary":
        for m in msgs:
            print(summary_line(m))
    else:
        json.dump(msgs, sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
