#!/usr/bin/python3
"""Writes one calendar reply mail to stdout, for the integration tests of hostile and odd calendar objects
(t4165, t4170, t4180): a plain REPLY, the VTIMEZONE bombs of issue 15, a REFRESH, a COUNTER, a REPLY that
proposes another time. Invented people only. Written from RFC 5545/5546/6047, not copied from a client.

    calmail.py KIND --uid UID --from ADDR [--name NAME] --to ORGANIZER --msgid ID [--partstat P]
               [--dtstamp 20261202T091500Z] [--date 'Wed, 02 Dec 2026 10:15:00 +0100'] [--comment TEXT]
               [--start 20270306T093000] [--end 20270306T103000]

KIND: reply, bomb-secondly, bomb-minutely, bomb-byhour, poison (a REPLY whose UID starts with "poison-": the
test's LD_PRELOAD shim kills the reader when libical is handed it), refresh, counter, ios-proposal,
outlook-proposal.
"""
import argparse
import sys
from email.header import Header

p = argparse.ArgumentParser()
p.add_argument("kind")
p.add_argument("--uid", required=True)
p.add_argument("--from", dest="frm", required=True)
p.add_argument("--name", default="Et Medlem")
p.add_argument("--attendee", help="the ATTENDEE, when it is not the sender (a forgery)")
p.add_argument("--to", required=True)
p.add_argument("--msgid", required=True)
p.add_argument("--partstat", default="ACCEPTED")
p.add_argument("--dtstamp", default="20261202T091500Z")
p.add_argument("--date", default="Wed, 02 Dec 2026 10:15:00 +0100")
p.add_argument("--comment", default="")
p.add_argument("--start", default="20270306T093000")
p.add_argument("--end", default="20270306T103000")
a = p.parse_args()
who = a.attendee or a.frm

RULES = {
    "bomb-secondly": "RRULE:FREQ=SECONDLY",
    "bomb-minutely": "RRULE:FREQ=MINUTELY;INTERVAL=1",
    "bomb-byhour": "RRULE:FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYHOUR=" + ",".join(map(str, range(24)))
                   + ";BYMINUTE=" + ",".join(map(str, range(60))),
}

method = {"refresh": "REFRESH", "counter": "COUNTER"}.get(a.kind, "REPLY")
uid = ("poison-" + a.uid) if a.kind == "poison" else a.uid
lines = ["BEGIN:VCALENDAR", "PRODID:-//Testklient//calmail//DA", "VERSION:2.0", "METHOD:" + method]
tzid = None
if a.kind in RULES:
    # a zone that libical expands for hours the first time a time is converted in it (issue 15)
    tzid = "Romance Standard Time"
    lines += ["BEGIN:VTIMEZONE", "TZID:" + tzid, "BEGIN:STANDARD", "DTSTART:16010101T000000", RULES[a.kind],
              "TZOFFSETFROM:+0100", "TZOFFSETTO:+0100", "END:STANDARD", "END:VTIMEZONE"]
lines += ["BEGIN:VEVENT", "UID:" + uid, "SEQUENCE:0"]
lines.append("DTSTAMP;TZID=%s:%s" % (tzid, a.dtstamp.rstrip("Z")) if tzid else "DTSTAMP:" + a.dtstamp)
if method == "REFRESH":
    lines.append("ATTENDEE:mailto:" + who)
elif method == "COUNTER":
    lines += ["DTSTART;TZID=Europe/Copenhagen:" + a.start, "DTEND;TZID=Europe/Copenhagen:" + a.end,
              "ATTENDEE;PARTSTAT=TENTATIVE;CN=\"%s\":mailto:%s" % (a.name, who)]
elif a.kind == "ios-proposal":
    # a tentative answer with the proposed start and end as X- parameters of the ATTENDEE (issue 16)
    lines.append("ATTENDEE;CN=\"%s\";PARTSTAT=TENTATIVE;X-CALENDARSERVER-PROPOSED-START=%s;"
                 "X-CALENDARSERVER-PROPOSED-END=%s:mailto:%s" % (a.name, a.start, a.end, who))
elif a.kind == "outlook-proposal":
    # a tentative answer with the proposed times as X- properties in a Windows zone (issue 16)
    lines += ["ATTENDEE;CN=\"%s\";PARTSTAT=TENTATIVE:mailto:%s" % (a.name, who),
              "X-MS-OLK-PROPOSEDSTART;TZID=Romance Standard Time:" + a.start,
              "X-MS-OLK-PROPOSEDEND;TZID=Romance Standard Time:" + a.end]
else:
    if tzid:
        lines.append("DTSTART;TZID=\"%s\":20270305T100000" % tzid)
    lines.append("ATTENDEE;CN=\"%s\";PARTSTAT=%s:mailto:%s" % (a.name, a.partstat, who))
if a.comment:
    lines.append("COMMENT:" + a.comment.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;"))
lines += ["END:VEVENT", "END:VCALENDAR"]
ics = "\r\n".join(lines) + "\r\n"

subject = {"REFRESH": "Send invitationen igen", "COUNTER": "Nyt tidspunkt foreslået"}.get(method, "Svar")
mail = ("From: %s <%s>\r\nTo: <%s>\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/calendar; charset=UTF-8; method=%s\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s"
        % (Header(a.name, "utf-8").encode(), a.frm, a.to, Header(subject, "utf-8").encode(), a.date, a.msgid, method,
           ics))
sys.stdout.buffer.write(mail.encode("utf-8"))
