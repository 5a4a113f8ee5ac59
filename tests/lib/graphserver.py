#!/usr/bin/python3
"""A local stand-in for Microsoft Graph v1.0: the one stand-in in the test suite (tests/README.md says why).

It answers exactly the requests tovholder makes, in the shapes of Microsoft's Graph API reference:
  GET    /v1.0/me                                                  (user-get)
  POST   /v1.0/me/onlineMeetings/createOrGet                       (onlinemeeting-createorget: 201 new, 200 known)
  PATCH  /v1.0/me/onlineMeetings/{id}                              (onlinemeeting-update: 200 with the meeting)
  DELETE /v1.0/me/onlineMeetings/{id}                              (onlinemeeting-delete: 204)
  GET    /v1.0/me/onlineMeetings?$filter=JoinWebUrl eq '...'       (onlinemeeting-get by join url: {"value": [...]})
  GET    /v1.0/me/onlineMeetings/{id}/attendanceReports            (meetingattendancereport-list)
  GET    /v1.0/me/onlineMeetings/{id}/attendanceReports/{r}/attendanceRecords   (attendancerecord-list, paged
         with @odata.nextLink and $skiptoken)
Errors as Graph writes them: {"error": {"code": ..., "message": ..., "innerError": {...}}}; 429 and 503 with a
Retry-After header.

Usage: graphserver.py DIR PORT CERT KEY. State and control live in DIR:
  tokens           valid bearer tokens, one per line (anything else gets 401 InvalidAuthenticationToken)
  me.json          the user GET /me returns
  meetings.json    the online meetings it holds (written by the server; read by tests)
  reports/ID.json  the attendance reports of meeting ID: [{"id", "meetingStartDateTime", "meetingEndDateTime",
                   "records": [attendanceRecord, ...]}, ...] (written by tests)
  faults           lines "METHOD PATH-PREFIX STATUS [RETRY-AFTER]": the next matching request gets that
                   answer, once per line (consumed in order)
  forbid           lines "PATH-PREFIX": requests under it get 403 (a permission the app was not granted)
  page_size        records per page (default 2, so paging is always exercised)
  delay_after_create  seconds: the next createOrGet makes the meeting, then waits that long before it answers
  next_base        where @odata.nextLink points (default this server's https://localhost:PORT/v1.0)
  join_url         the joinWebUrl (and, on a second line, the id) of the meetings createOrGet makes from now
                   on, "%s" standing for a part of the usual id: a hostile or broken server (default a Teams link)
  requests.jsonl   every request, one JSON object a line: method, path, query, authorization, body
"""
import http.server
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse
import uuid

D, PORT, CERT, KEY = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
BASE = "https://localhost:%d/v1.0" % PORT
LOCK = threading.Lock()
CTX = "https://graph.microsoft.com/v1.0/$metadata"


def path(name):
    return os.path.join(D, name)


def read_json(name, default):
    try:
        with open(path(name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def write_json(name, value):
    tmp = path(name + ".tmp")
    with open(tmp, "w") as f:
        json.dump(value, f, indent=1)
    os.replace(tmp, path(name))


def lines(name):
    try:
        with open(path(name)) as f:
            return [l.strip() for l in f if l.strip()]
    except OSError:
        return []


def error_body(code, message):
    return {"error": {"code": code, "message": message,
                      "innerError": {"date": "2027-03-05T09:00:00", "request-id": str(uuid.uuid4()),
                                     "client-request-id": str(uuid.uuid4())}}}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body=None, headers=()):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if body is not None:
            self.send_header("Content-Type", "application/json; odata.metadata=minimal; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = {"not-json": raw.decode("utf-8", "replace")}
        auth = self.headers.get("Authorization", "")
        with LOCK:
            with open(path("requests.jsonl"), "a") as f:
                f.write(json.dumps({"method": method, "path": url.path, "query": {k: v[0] for k, v in query.items()},
                                    "authorization": auth, "content_type": self.headers.get("Content-Type"),
                                    "body": body}) + "\n")
            tokens = lines("tokens")
            if not auth.startswith("Bearer ") or auth[7:] not in tokens:
                return self.reply(401, error_body("InvalidAuthenticationToken",
                                                  "Access token has expired or is not yet valid."))
            faults = lines("faults")
            for i, f in enumerate(faults):
                parts = f.split()
                if parts[0] == method and url.path.startswith(parts[1]):
                    del faults[i]
                    with open(path("faults"), "w") as fh:
                        fh.write("".join(l + "\n" for l in faults))
                    status = int(parts[2])
                    hdr = [("Retry-After", parts[3])] if len(parts) > 3 else []
                    code = {429: "TooManyRequests", 503: "ServiceUnavailable", 404: "NotFound",
                            403: "Forbidden", 500: "InternalServerError"}.get(status, "BadRequest")
                    return self.reply(status, error_body(code, "Injected by the test."), hdr)
            for prefix in lines("forbid"):
                if url.path.startswith(prefix):
                    return self.reply(403, error_body("Forbidden", "Forbidden"))
            return self.route(method, url.path, query, body)

    def route(self, method, p, query, body):
        meetings = read_json("meetings.json", {})
        seg = p.split("/")
        if p == "/v1.0/me" and method == "GET":
            me = read_json("me.json", {})
            return self.reply(200, dict({"@odata.context": CTX + "#users/$entity"}, **me))
        if p == "/v1.0/me/onlineMeetings/createOrGet" and method == "POST":
            ext = (body or {}).get("externalId")
            if not ext:
                return self.reply(400, error_body("BadRequest", "externalId is required."))
            for m in meetings.values():
                if m["externalId"] == ext and not m.get("deleted"):
                    return self.reply(200, self.meeting(m))
            mid = "MSo%s" % uuid.uuid4().hex
            join = lines("join_url") or ["https://teams.microsoft.com/l/meetup-join/19%%3ameeting_%s%%40thread.v2/0"]
            url = join[0] % mid[3:15] if "%s" in join[0] else join[0]
            if len(join) > 1:
                mid = join[1] % mid[3:15] if "%s" in join[1] else join[1]
            m = {"id": mid, "externalId": ext, "subject": body.get("subject"),
                 "startDateTime": body.get("startDateTime"), "endDateTime": body.get("endDateTime"),
                 "joinWebUrl": url}
            meetings[mid] = m
            write_json("meetings.json", meetings)
            delay = lines("delay_after_create")
            if delay:
                # made, but the answer is late: a client killed now never learns of it (consumed once)
                os.unlink(path("delay_after_create"))
                LOCK.release()
                try:
                    time.sleep(float(delay[0]))
                finally:
                    LOCK.acquire()
            return self.reply(201, self.meeting(m))
        if p == "/v1.0/me/onlineMeetings" and method == "GET":
            f = query.get("$filter", [""])[0]
            pre = "JoinWebUrl eq '"
            if not (f.startswith(pre) and f.endswith("'")):
                return self.reply(400, error_body("BadRequest", "Unsupported filter."))
            want = f[len(pre):-1].replace("''", "'")
            hits = [self.meeting(m) for m in meetings.values() if m["joinWebUrl"] == want and not m.get("deleted")]
            return self.reply(200, {"@odata.context": CTX + "#users('x')/onlineMeetings", "value": hits})
        if len(seg) >= 5 and seg[1:4] == ["v1.0", "me", "onlineMeetings"]:
            mid = urllib.parse.unquote(seg[4])
            m = meetings.get(mid)
            if not m or m.get("deleted"):
                return self.reply(404, error_body("NotFound", "The meeting was not found."))
            if len(seg) == 5 and method == "PATCH":
                for k in ("startDateTime", "endDateTime", "subject"):
                    if k in (body or {}):
                        m[k] = body[k]
                write_json("meetings.json", meetings)
                return self.reply(200, self.meeting(m))
            if len(seg) == 5 and method == "DELETE":
                m["deleted"] = True
                write_json("meetings.json", meetings)
                return self.reply(204)
            reports = read_json(os.path.join("reports", mid + ".json"), [])
            if len(seg) == 6 and seg[5] == "attendanceReports" and method == "GET":
                return self.reply(200, {"@odata.context": CTX + "#meetingAttendanceReports", "value": [
                    {"id": r["id"], "totalParticipantCount": len(r["records"]),
                     "meetingStartDateTime": r["meetingStartDateTime"],
                     "meetingEndDateTime": r["meetingEndDateTime"]} for r in reports]})
            if len(seg) == 8 and seg[5] == "attendanceReports" and seg[7] == "attendanceRecords" and method == "GET":
                rid = urllib.parse.unquote(seg[6])
                rep = [r for r in reports if r["id"] == rid]
                if not rep:
                    return self.reply(404, error_body("NotFound", "The report was not found."))
                size = int((lines("page_size") or ["2"])[0])
                skip = int(query.get("$skiptoken", ["0"])[0])
                recs = rep[0]["records"]
                out = {"@odata.context": CTX + "#attendanceRecords", "value": recs[skip:skip + size]}
                if skip + size < len(recs):
                    base = (lines("next_base") or [BASE])[0]
                    out["@odata.nextLink"] = "%s%s?$skiptoken=%d" % (base, p[len("/v1.0"):], skip + size)
                return self.reply(200, out)
        return self.reply(404, error_body("UnknownError", "No such resource here."))

    @staticmethod
    def meeting(m):
        out = {"@odata.context": CTX + "#onlineMeetings/$entity", "creationDateTime": "2026-12-01T09:00:00Z",
               "participants": {"organizer": {"upn": "tovholder@netvaerk.example"}, "attendees": []},
               "chatInfo": {"threadId": "19:meeting_x@thread.v2"}}
        out.update({k: m[k] for k in ("id", "externalId", "subject", "startDateTime", "endDateTime", "joinWebUrl")})
        return out

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_DELETE(self):
        self.handle_any("DELETE")


def main():
    os.makedirs(path("reports"), exist_ok=True)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    # a daemon, like Postfix and Dovecot: the harness's start returns once the port listens
    if os.fork():
        os._exit(0)
    os.setsid()
    if os.fork():
        os._exit(0)
    with open(path("pid"), "w") as f:
        f.write("%d\n" % os.getpid())
    srv.serve_forever()


if __name__ == "__main__":
    main()
