#!/usr/bin/python3
"""Writes a benchmark mailbox straight into a Maildir: unrelated mail of realistic size and shape, and
replies of every client family (tests/fixtures/make-fixtures.py) to invitations a group really sent.

  mailgen.py --maildir DIR --state STATE.DB --unrelated 9000 --replies 1000 [--small] [--seed N]
             [--first N] [--into cur|new]

Writing the files directly (and letting Dovecot index them) takes seconds where pushing 10,000 mails through
SMTP would take minutes. Files go to cur/ (unread, no flags) or, with --into new, through tmp/ and a rename into
new/ as a delivery agent does. Names start with a timestamp that grows with --first + index, so Dovecot gives
them UIDs in the order written. Every file has CRLF line ends and its size in the name (",S=", ",W="), as
Dovecot's own deliveries do. Prints one JSON line: messages, bytes, replies, unrelated, families.

The replies answer the invitations in STATE.DB (meeting UID, invitee, Message-ID of our invitation), so
tovholder counts them as ours. Each gets its own Message-ID and a DTSTAMP/Date later than the one before.
--small: short unrelated mails only (the 100,000-mail mailbox of the incremental benchmark).
Standard library only; deterministic for a given seed.
"""

import argparse
import base64
import datetime
import importlib.util
import json
import os
import random
import re
import sqlite3
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location("make_fixtures",
                                               os.path.join(TOP, "tests", "fixtures", "make-fixtures.py"))
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)

# Every reply family, i.e. every fixture but the two unrelated ones (the unrelated mail is made here).
FAMILIES = [(n, fn) for n, fn in fixtures.FIXTURES if not n.startswith("unrelated-")]

DEFAULT_ORGANIZER = "tovholder@netvaerk.example"

MONTHS_DA = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
             "november", "december"]

WORDS = ("og i at det en den til er som på de med han af for ikke der var mig sig men et har om vi min havde "
         "ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv her alle vil blev kunne "
         "ind når være dog noget ville jo deres efter ned skulle denne end dette mit også under have dig anden "
         "hende mine alt meget sit sine vor mod disse hvis din nogle hos blive mange ad bliver hendes været "
         "thi jer sådan kommune møde borger sag bevilling skole daginstitution handleplan budget ansøgning "
         "udvalg byråd forvaltning sagsbehandler tilsyn kvalitetsrapport underretning familie barn unge "
         "indsats netværk kursus evaluering høring dagsorden referat bilag frist opfølgning").split()

FIRST = ["Anders", "Birgitte", "Carsten", "Dorthe", "Erik", "Fie", "Gorm", "Hanne", "Ib", "Jette", "Kasper",
         "Lone", "Mads", "Nanna", "Ole", "Pia", "Rasmus", "Signe", "Torben", "Ulla", "Vibeke", "Yrsa"]
LAST = ["Andersen", "Bech", "Christensen", "Dam", "Eriksen", "Frost", "Gade", "Holm", "Iversen", "Juhl",
        "Krogh", "Lund", "Mikkelsen", "Nygaard", "Olsen", "Poulsen", "Qvist", "Rasmussen", "Storm", "Thomsen"]
DOMAINS = ["kommune-a.example", "kommune-b.example", "region.example", "skole.example", "forening.example",
           "leverandoer.example", "ministerie.example", "nyhedsbrev.example"]


def crlf(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


class B64Pool:
    """Base64 lines (CRLF) of random bytes, sliced for attachments: fast, and incompressible like real files."""

    LINE = 78  # 76 characters and CRLF

    def __init__(self, rnd, mbytes):
        raw = rnd.randbytes(mbytes * 1024 * 1024 * 3 // 4)
        self.data = base64.encodebytes(raw).replace(b"\n", b"\r\n")
        self.lines = len(self.data) // self.LINE

    def slice(self, rnd, size):
        n = max(1, size // self.LINE)
        if n >= self.lines:
            return self.data
        start = rnd.randrange(0, self.lines - n)
        return self.data[start * self.LINE:(start + n) * self.LINE]


class Gen:
    def __init__(self, seed, small, organizer):
        self.rnd = random.Random(seed)
        self.small = small
        self.organizer = organizer
        self.pool = None if small else B64Pool(self.rnd, 12)

    def person(self):
        f, l = self.rnd.choice(FIRST), self.rnd.choice(LAST)
        return "%s %s" % (f, l), "%s.%s@%s" % (f.lower(), l.lower(), self.rnd.choice(DOMAINS))

    def text(self, nbytes):
        out, n, line = [], 0, []
        while n < nbytes:
            sentence = " ".join(self.rnd.choice(WORDS) for _ in range(self.rnd.randint(5, 16)))
            sentence = sentence[0].upper() + sentence[1:] + ". "
            line.append(sentence)
            n += len(sentence)
            if len(" ".join(line)) > 60:
                out.append("".join(line).rstrip())
                line = []
                if self.rnd.random() < 0.25:
                    out.append("")
        out.append("".join(line).rstrip())
        return "\n".join(out) + "\n"

    def received(self, when):
        hops = []
        for i in range(self.rnd.randint(2, 5)):
            hops.append(("Received", "from mx%d.%s (mx%d.%s [192.0.2.%d])\n\tby mail.netvaerk.example (Postfix) "
                         "with ESMTPS id %08X\n\tfor <%s>; %s" % (i, self.rnd.choice(DOMAINS), i,
                                                                  self.rnd.choice(DOMAINS),
                                                                  self.rnd.randint(1, 254),
                                                                  self.rnd.getrandbits(32), self.organizer,
                                                                  when)))
        return hops

    def headers(self, idx, when, frm, subject, extra):
        h = [("Return-Path", "<%s>" % frm[1])]
        h += self.received(when)
        h += [("DKIM-Signature", "v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=s1;\n\th=from:to:subject:date:"
               "message-id; bh=%s;\n\tb=%s" % (frm[1].split("@")[1],
                                               base64.b64encode(self.rnd.randbytes(32)).decode(),
                                               base64.b64encode(self.rnd.randbytes(128)).decode())),
              ("Authentication-Results", "mail.netvaerk.example; dkim=pass; spf=pass smtp.mailfrom=%s" % frm[1]),
              ("From", "%s <%s>" % frm),
              ("To", self.organizer),
              ("Subject", subject),
              ("Date", when),
              ("Message-ID", "<bench-%d.%08x@%s>" % (idx, self.rnd.getrandbits(32), frm[1].split("@")[1])),
              ("MIME-Version", "1.0")]
        return h + extra

    def unrelated(self, idx, when):
        """One of: a short plain mail, an HTML newsletter, a mail with an attachment (some of several MB)."""
        frm = self.person()
        subject = " ".join(self.rnd.choice(WORDS) for _ in range(self.rnd.randint(3, 8))).capitalize()
        r = self.rnd.random()
        if self.small or r < 0.55:
            body = self.text(self.rnd.randint(300, 1500) if self.small else self.rnd.randint(800, 6000))
            h = self.headers(idx, when, frm, subject, [("Content-Type", "text/plain; charset=utf-8"),
                                                        ("Content-Transfer-Encoding", "8bit")])
            return [crlf(fixtures.entity(h, body))]
        if r < 0.95:
            text = self.text(self.rnd.randint(2000, 12000))
            html = "<html><body>%s</body></html>\n" % "".join(
                "<p style=\"margin:0 0 12px;font-family:Arial\">%s</p>\n" % p for p in text.split("\n") if p)
            b = "==bench_alt_%d==" % idx
            body = fixtures.multipart(b, [
                fixtures.entity([("Content-Type", "text/plain; charset=utf-8"),
                                 ("Content-Transfer-Encoding", "8bit")], text),
                fixtures.entity([("Content-Type", "text/html; charset=utf-8"),
                                 ("Content-Transfer-Encoding", "8bit")], html),
            ])
            h = self.headers(idx, when, frm, subject, [
                ("List-Id", "<liste.%s>" % frm[1].split("@")[1]),
                ("List-Unsubscribe", "<mailto:afmeld@%s>" % frm[1].split("@")[1]),
                ("Content-Type", 'multipart/alternative; boundary="%s"' % b)])
            return [crlf(fixtures.entity(h, body))]
        # 5 % carry an attachment; 1 in 12 of those is several MB (2-8 MB)
        if self.rnd.random() < 0.08:
            size = self.rnd.randint(2 * 1024 * 1024, 8 * 1024 * 1024)
        else:
            size = self.rnd.randint(80 * 1024, 900 * 1024)
        name, ctype = self.rnd.choice([("bilag.pdf", "application/pdf"), ("referat.docx",
                                       "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                                       ("budget.xlsx", "application/vnd.openxmlformats-officedocument."
                                        "spreadsheetml.sheet"), ("foto.jpg", "image/jpeg")])
        b = "==bench_mix_%d==" % idx
        head = "--%s\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n" \
               "--%s\nContent-Type: %s; name=\"%s\"\nContent-Disposition: attachment; filename=\"%s\"\n" \
               "Content-Transfer-Encoding: base64\n\n" % (b, self.text(self.rnd.randint(300, 2000)), b, ctype,
                                                           name, name)
        h = self.headers(idx, when, frm, subject, [("Content-Type", 'multipart/mixed; boundary="%s"' % b)])
        return [crlf(fixtures.entity(h, "")), crlf(head), self.pool.slice(self.rnd, size), crlf("--%s--\n" % b)]


def invitations(db):
    """(meeting uid, date, start_min, end_min, summary, place, email, name, our Message-ID) per invitation."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    rows = con.execute(
        "SELECT m.uid, m.date, m.start_min, m.end_min, m.summary, m.place, i.email, i.name, o.message_id"
        " FROM meeting m JOIN invitation i ON i.meeting_id = m.id"
        " JOIN outbox o ON o.meeting_id = m.id AND o.email = i.email AND o.kind = 'invite'"
        " WHERE i.invited = 1 ORDER BY m.date, i.email").fetchall()
    con.close()
    if not rows:
        sys.exit("mailgen: %s holds no sent invitations" % db)
    return rows


def reply(inv, family_fn, idx, at, organizer):
    """One reply of a client family to invitation inv, written at 'at' (UTC datetime)."""
    uid, date, smin, emin, summary, place, email, name, msgid = inv
    d = datetime.date.fromisoformat(date)
    local = at + datetime.timedelta(hours=1)
    v = dict(fixtures.DEFAULTS)
    v.update(uid=uid, organizer=organizer, organizer_name="Karin Lund", attendee=email, attendee_name=name,
             msgid=msgid, date=local.strftime("%a, %d %b %Y %H:%M:%S +0100"),
             dtstamp=at.strftime("%Y%m%dT%H%M%SZ"),
             dtstart="%sT%02d%02d00" % (d.strftime("%Y%m%d"), smin // 60, smin % 60),
             dtend="%sT%02d%02d00" % (d.strftime("%Y%m%d"), emin // 60, emin % 60),
             subject_date="%d. %s %d" % (d.day, MONTHS_DA[d.month - 1], d.year), summary=summary,
             location=place)
    text = family_fn(v)
    head, sep, body = text.partition("\n\n")
    head = re.sub(r"(?mi)^(Message-ID): <[^>]*>", r"\1: <bench-reply-%d@%s>" % (idx, email.split("@")[1]),
                  head, count=1)
    return crlf(head + sep + body)


class Maildir:
    def __init__(self, path, into):
        self.path, self.into = path, into
        for d in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(path, d), exist_ok=True)
        self.count = self.bytes = 0

    def write(self, seq, chunks):
        size = sum(len(c) for c in chunks)
        base = "%d.M%dP%d.bench,S=%d,W=%d" % (1700000000 + seq, seq % 1000000, os.getpid(), size, size)
        if self.into == "cur":
            path = os.path.join(self.path, "cur", base + ":2,")
        else:
            path = os.path.join(self.path, "tmp", base)
        with open(path, "wb") as f:
            for c in chunks:
                f.write(c)
        if self.into == "new":
            os.rename(path, os.path.join(self.path, "new", base))
        self.count += 1
        self.bytes += size
        return size


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--state", help="the group's state.db (needed for --replies)")
    ap.add_argument("--unrelated", type=int, default=0)
    ap.add_argument("--replies", type=int, default=0)
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--first", type=int, default=0, help="sequence number of the first file (names, dates)")
    ap.add_argument("--into", choices=("cur", "new"), default="cur")
    ap.add_argument("--organizer", default=DEFAULT_ORGANIZER)
    ap.add_argument("--since", default="2026-12-01T10:00:00", help="UTC time of the first reply")
    a = ap.parse_args()

    gen = Gen(a.seed, a.small, a.organizer)
    invs = invitations(a.state) if a.replies else []
    md = Maildir(a.maildir, a.into)
    total = a.unrelated + a.replies
    # where the replies go among the unrelated mail
    reply_at = set(gen.rnd.sample(range(total), a.replies)) if a.replies else set()
    t0 = datetime.datetime.fromisoformat(a.since)
    families = {}
    r = 0
    for i in range(total):
        seq = a.first + i
        at = t0 + datetime.timedelta(seconds=37 * i)
        if i in reply_at:
            name, fn = FAMILIES[(r + a.seed) % len(FAMILIES)]
            inv = invs[gen.rnd.randrange(len(invs))]
            md.write(seq, [reply(inv, fn, seq, at, a.organizer)])
            families[name] = families.get(name, 0) + 1
            r += 1
        else:
            when = (at + datetime.timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S +0100")
            md.write(seq, gen.unrelated(seq, when))
    print(json.dumps({"messages": md.count, "bytes": md.bytes, "replies": r, "unrelated": total - r,
                      "families": families}))


if __name__ == "__main__":
    main()
