#!/usr/bin/env python3
"""stub_receiver.py - a remote-write receiver that answers as told, for
the tests of what argos does with a refusal or a throttle (the sender's
behaviour is under test, not this stub's).

    stub_receiver.py PORT LOG MODE
      MODE 400        every POST: 400 "out of bounds"
      MODE 429-once   first POST: 429 with Retry-After: 2, then 204
      MODE bearer:T   204 to a POST with "Authorization: Bearer T", else 401
Each request is logged to LOG as one JSON line: its method, path,
headers, body length and the status answered.
"""
import http.server
import json
import sys

port, log, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
seen = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global seen
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        seen += 1
        extra = {}
        if mode.startswith("bearer:"):
            ok = self.headers.get("Authorization", "") == "Bearer " + mode[7:]
            status, text = (204, b"") if ok else (401, b"unauthorized")
        elif mode == "400":
            status, text = 400, b"out of bounds"
        elif mode == "429-once" and seen == 1:
            status, text = 429, b"slow down"
            extra["Retry-After"] = "2"
        else:
            status, text = 204, b""
        with open(log, "a") as f:
            f.write(json.dumps({"method": "POST", "path": self.path, "status": status,
                                "headers": dict(self.headers), "body_len": len(body)}) + "\n")
        self.send_response(status)
        for k, v in extra.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
