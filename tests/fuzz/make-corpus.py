#!/usr/bin/python3
"""Seeds tests/fuzz/corpus/TARGET/ from the repository's own inputs: tests/fixtures/*.eml, config/*,
templates/*, and a few hand-made inputs that reach corners the fixtures do not (Windows-1252 rosters,
moved and cancelled meetings, nested template sections, quoted Danish replies). Seeds written here are
named seed-*; the rest is never touched: regression inputs (crash-*, named after the bug) and inputs made
another way (hand-*: corpus/handover/hand-record.txt is store_export of a small record with every table).

    tests/fuzz/make-corpus.py          # from the top of the repository
"""
import email
import email.policy
import glob
import os
import re

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(TOP, "tests", "fuzz", "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def read(path):
    with open(os.path.join(TOP, path), "rb") as f:
        return f.read()


def clear_seeds():
    for p in glob.glob(os.path.join(CORPUS, "*", "seed-*")):
        os.remove(p)


def mails():
    for path in sorted(glob.glob(os.path.join(TOP, "tests", "fixtures", "*.eml"))):
        name = os.path.basename(path)[:-4]
        raw = read(path)
        put("inmail", name, raw)
        put("reply", name, raw)
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        subject = str(msg.get("Subject", "")).replace("\n", " ")
        for i, part in enumerate(msg.walk()):
            ctype = part.get_content_type()
            body = part.get_payload(decode=True)
            if body is None:
                continue
            if ctype in ("text/calendar", "application/ics"):
                put("itip", "%s-%d" % (name, i), body)
                put("calendar", "%s-%d" % (name, i), body)
            elif ctype in ("text/plain", "text/html"):
                cs = part.get_content_charset() or "utf-8"
                try:
                    text = body.decode(cs, "replace")
                except LookupError:
                    text = body.decode("utf-8", "replace")
                put("afbud", "%s-%d" % (name, i), subject + "\n" + text)


def files():
    put("config", "tovholder.conf", read("config/tovholder.conf"))
    put("schedule", "schedule.ini", read("config/schedule.ini"))
    put("roster", "roster.csv", read("config/roster.csv"))
    for path in sorted(glob.glob(os.path.join(TOP, "tests", "fixtures", "teams", "*.csv"))):
        put("teams", os.path.basename(path), read(os.path.relpath(path, TOP)))
    for path in sorted(glob.glob(os.path.join(TOP, "templates", "*.txt")) +
                       glob.glob(os.path.join(TOP, "templates", "*.html"))):
        put("tmpl", os.path.basename(path), read(os.path.relpath(path, TOP)))


def hand_made():
    put("config", "minimal.conf",
        "[group]\nname = Gruppen\norganizer = Karin Lund <tovholder@netvaerk.example>\n"
        "secretary = Jesper Vang (Solrød)\n[smtp]\nurl = smtps://mail.example:465\ntls = implicit\n"
        "user = u\npassword_command = pass show \"tovholder smtp\"\n[imap]\nurl = imap://127.0.0.1:143\n"
        "tls = none\nuser = u\npassword_file = secret\nmailbox = INBOX\nreview = Tovholder/Til gennemsyn\n")
    put("config", "errors.conf",
        "key = before section\n[grupe]\nnamee = x\n[group\nno equals here\n[group]\ntimezone = Mars/Olympus\n"
        "name = a ; comment\r\norganizer = not an address\n\xff\xfe\n")
    put("schedule", "moved-cancelled.ini",
        "[2027-05-14]\nmoved_from = 2027-05-07\ntime = 09:30-12:00\nplace = Rådhuset, Torvet 1, 4600 Køge\n"
        "guests = a@region.example, b@region.example c@region.example\nguests = d@region.example\n"
        "[2027-02-29]\ntime = 25:00-10:00\nplace =\n[2027-12-10]\nstatus = aflyst\ntime = 10:00-24:00\n"
        "place = online\n[2027-12-10]\nstatus = maybe\n")
    put("roster", "cp1252-comma.csv",
        b"\"Navn\",\"E-mail\",\"Organisation\",\"Rolle\"\r\n\"Bo Ry\xe6\",bo@greve.example,Greve,Medlem\r\n"
        b"\"Lund, Karin\",\"karin@x.example\",\"K\xf8ge \"\"Nord\"\"\",sekret\xe6r\r\n,,,\r\n"
        b"Tue,tue@region.example,Region,g\xe6st\r\n")
    put("roster", "bom-quotes.csv",
        "\ufeffnavn;organisation;email;rolle\nAnne \"A\" Dahl;Faxe;ANNE@FAXE.EXAMPLE;medlem\n"
        "\"Multi\nline\";Lejre;m@lejre.example;gaest\nDup;X;anne@faxe.example;medlem\nbad;;bad;chef\n")
    put("tmpl", "sections.txt",
        "{{! comment }}\n{{#dagsorden}}\n{{nr}}. {{.}}\n{{/dagsorden}}\n{{^svarfrist}}ingen frist{{/svarfrist}}\n"
        "{{#link}}Link: {{link}}{{/link}}\n{{#aendringer}}{{#dagsorden}}{{.}}{{/dagsorden}}{{/aendringer}}\n"
        "{{ navn }} {{unknown}} {{#open}} {{/close}} {{\n")
    # Authentication-Results: "FROM-DOMAIN\nfield\nfield…", shapes of Google, Exchange Online, OpenDKIM,
    # OpenDMARC and RFC 8601 appendix B; a forged field below the service's own
    put("authres", "google.txt",
        "faxe.example\nmx.google.com;\r\n       dkim=pass header.i=@faxe.example header.s=sel header.b=Ab12;\r\n"
        "       spf=pass (google.com: domain of a@faxe.example designates 192.0.2.1 as permitted sender) "
        "smtp.mailfrom=a@faxe.example;\r\n       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=faxe.example\n")
    put("authres", "exchange.txt",
        "faxe.example\nspf=pass (sender IP is 192.0.2.1) smtp.mailfrom=faxe.example; dkim=pass (signature was "
        "verified) header.d=faxe.example;dmarc=pass action=none header.from=faxe.example;compauth=pass reason=100\n")
    put("authres", "opendkim-opendmarc.txt",
        "faxe.example\nmx.kommune.example; dmarc=fail (p=reject dis=none) header.from=faxe.example\n"
        "mx.kommune.example; dkim=pass (2048-bit key; unprotected) header.d=faxe.example header.i=@faxe.example "
        "header.a=rsa-sha256 header.s=sel1 header.b=AbCdEfGh; dkim-atps=neutral\n")
    put("authres", "forged-below.txt",
        "faxe.example\nmx.google.com; dmarc=fail (p=REJECT sp=REJECT dis=QUARANTINE) header.from=faxe.example\n"
        "mx.google.com; dmarc=pass header.from=faxe.example\n")
    put("authres", "rfc8601-b.txt",
        "example.net\nexample.org 1; none\nexample.com; spf=pass smtp.mailfrom=example.net; auth=pass (cram-md5) "
        "smtp.auth=sender@example.net; sender-id/1=pass header.from=example.net\n"
        "example.com; dkim=fail reason=\"signature did not verify\" header.d=\"example.net\" (c (nested) c)\n")
    put("afbud", "substitute.txt",
        "SV: Netværksmøde fredag d. 5. marts 2027\nHej Karin\n\nJeg må desværre melde afbud, men min kollega "
        "Birte Holm deltager i stedet.\n\nMvh\nBo\n\nFra: Karin Lund <karin@x.example>\nSendt: 1. marts 2027\n"
        "Til: Bo\nEmne: Netværksmøde\n\nHusk at melde afbud\n")
    put("afbud", "unclear.txt",
        "Re: Møde 7/3 og 2/10-2027\nJeg kan deltage til kl. 11, men ikke efter frokost? Kan jeg deltage online?\n"
        "\n> Kan du deltage?\n\nDen fre. 5. mar. 2027 kl. 10.00 skrev Karin Lund <k@x.example>:\n> tekst\n-- \nsig\n")
    put("itip", "counter.ics",
        "BEGIN:VCALENDAR\r\nMETHOD:COUNTER\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x@y.example\r\n"
        "DTSTART;TZID=Europe/Copenhagen:20270305T110000\r\nDTEND:20270305T130000Z\r\nSEQUENCE:3\r\n"
        "DTSTAMP:20270222T091500Z\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:a@x.example\r\n"
        "ATTENDEE;PARTSTAT=DECLINED;CN=\"B\":MAILTO:B@X.EXAMPLE\r\nCOMMENT:Kan ikke\\, desværre\r\n"
        "X-CALENDARSERVER-PRIVATE-COMMENT:privat\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")

    # Teams reports by shape: a Danish "kl." table with ';', an en-US table whose last row has no leave (a
    # narrow no-break space before PM), a join/leave log in words the parser has to learn.
    put("teams", "hand-da-kl.csv",
        "Navn;Første deltagelse;Sidste udtræden;Mail\r\n"
        "Bo Aagaard;05-03-2027 kl. 10.00;05-03-2027 kl. 11.30;bo.aagaard@greve.example\r\n")
    put("teams", "hand-open-interval.csv",
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\n"
        "Bo Aagaard\t3/5/27, 10:00:00 AM\t3/5/27, 11:00:00 AM\t1h\tbo@greve.example\n"
        "Lise Holm\t3/5/27, 12:30:00\u202fPM\t\t25h 3m\tlise@koege.example\n")
    put("teams", "hand-log-learned.csv",
        "Nama,Tindakan,Waktu\nAni,Masuk,05/03/2027 10.00\nAni,Keluar,05/03/2027 10.30\n"
        "Budi,Masuk lagi,05/03/2027 09.58\nBudi,Keluar,05/03/2027 12.58\nWati,Masuk,05/03/2027 12.30\n")


def vtimezone_bomb(tzid, rule, extra="", inside=False, method="REPLY"):
    """A reply whose times name a zone that libical would expand for hours (issue 15)."""
    vtz = ("BEGIN:VTIMEZONE\r\nTZID:%s\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n%s\r\n%s"
           "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n" % (tzid, rule, extra))
    return ("BEGIN:VCALENDAR\r\nMETHOD:%s\r\nVERSION:2.0\r\n%sBEGIN:VEVENT\r\n"
            "UID:tovholder-20270305-bestyrelse-7c1e2a90@kommune.example\r\n%s"
            "DTSTAMP;TZID=%s:20270222T091500\r\nDTSTART;TZID=\"%s\":20270305T100000\r\n"
            "DTEND;TZID=%s:20270305T120000\r\nRRULE:FREQ=SECONDLY\r\n"
            "ATTENDEE;PARTSTAT=ACCEPTED:mailto:birthe.lauridsen@borger.example\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n" % (method, "" if inside else vtz, vtz if inside else "", tzid, tzid, tzid))


def calendar_bombs():
    by = "BYMONTH=%s;BYHOUR=%s;BYMINUTE=%s;BYSECOND=%s" % (
        ",".join(str(i) for i in range(1, 13)), ",".join(str(i) for i in range(24)),
        ",".join(str(i) for i in range(60)), ",".join(str(i) for i in range(60)))
    put("calendar", "bomb-secondly.ics", vtimezone_bomb("Bomb", "RRULE:FREQ=SECONDLY"))
    put("calendar", "bomb-minutely.ics", vtimezone_bomb("Bomb", "RRULE:FREQ=MINUTELY", method="COUNTER"))
    put("calendar", "bomb-hourly.ics", vtimezone_bomb("Romance Standard Time", "RRULE:FREQ=HOURLY;INTERVAL=1"))
    put("calendar", "bomb-yearly-byhour.ics", vtimezone_bomb("Europe/Copenhagen", "RRULE:FREQ=YEARLY;" + by))
    put("calendar", "bomb-rdates.ics", vtimezone_bomb(
        "Bomb", "RRULE:FREQ=DAILY", "".join("RDATE:%04d%02d%02dT020000\r\n" % (1970 + d // 300, 1 + d % 12,
                                                                                 1 + d % 28) for d in range(500))))
    put("calendar", "bomb-inside-vevent.ics", vtimezone_bomb("Bomb", "RRULE:FREQ=SECONDLY", inside=True,
                                                             method="COUNTER"))


# What a hostile handover may try (issue 15): the import must refuse every one of these, and the fuzzer starts
# from them to look for a variant it takes.
OUTBOX = ("table\toutbox\tmeeting_id\temail\tkind\tsequence\tmessage_id\tmessage\tstatus\tattempts\t"
          "next_try\tlast_error\tcreated_at\tdone_at\n")
MEETING = ("table\tmeeting\tuid\tdate\tsequence\tcancelled\tstart_min\tend_min\tplace\tonline_url\tagenda\t"
           "organizer\tsummary\tupdated_at\nrow\ttu1@netvaerk.example\tt2027-05-07\ti1\ti0\ti600\ti780\t"
           "tonline\tthttps://teams.example/x\ttVelkommen\ttKarin Lund <tovholder@netvaerk.example>\t"
           "tNetv\u00e6rksgruppe\ti1795452461\n")


def hostile_handovers():
    head = "tovholder-record 1\nschema\t4\n" + MEETING + OUTBOX
    phish = "From: x\r\nTo: offer@angriber.example\r\nSubject: Ny adgangskode\r\n\r\nKlik her\r\n".encode().hex()
    put("handover", "queued-phishing.txt", head + "row\tmu1@netvaerk.example\ttoffer@angriber.example\ttupdate\t"
        "i2\ttp1@angriber.example\tb" + phish + "\ttqueued\ti0\ti0\tN\ti1\tN\n")
    put("handover", "sent-with-body.txt", head + "row\tmu1@netvaerk.example\ttoffer@angriber.example\ttupdate\t"
        "i2\ttp2@angriber.example\tb" + phish + "\ttsent\ti1\ti0\tN\ti1\ti2\n")
    put("handover", "crlf-recipient.txt", head + "row\tmu1@netvaerk.example\t"
        "tanne@faxe.example\\r\\nRCPT TO:<offer@angriber.example>\ttupdate\ti2\ttp3@netvaerk.example\tb\t"
        "tsent\ti1\ti0\tN\ti1\ti2\n")
    put("handover", "header-in-summary.txt", "tovholder-record 1\nschema\t4\n" + MEETING.replace(
        "tNetv\u00e6rksgruppe", "tM\\r\\nBcc: offer@angriber.example") +
        "table\tinvitation\tmeeting_id\temail\tname\torg\trole\tinvited\tsequence\n"
        "row\tmu1@netvaerk.example\ttOffer@Angriber.example\ttA\x1b[2J\ttX\ttmedlem\ti1\ti1\n")
    put("handover", "tables-off-the-list.txt", "tovholder-record 1\nschema\t4\n"
        "table\treview\tmessage_id\tsender\tsubject\tdate\treason\tcreated_at\n"
        "row\ttx@y.example\tta@y.example\ttS\ti1\ttunclear\ti1\n"
        "table\tmailbox\tname\tuidvalidity\tlast_uid\nrow\ttINBOX\ti1\ti99\n")


def main():
    clear_seeds()
    mails()
    files()
    hand_made()
    calendar_bombs()
    hostile_handovers()
    for t in sorted(os.listdir(CORPUS)):
        n = len(os.listdir(os.path.join(CORPUS, t)))
        size = sum(os.path.getsize(p) for p in glob.glob(os.path.join(CORPUS, t, "*")))
        print("%-10s %4d files %8d bytes" % (t, n, size))


if __name__ == "__main__":
    main()
