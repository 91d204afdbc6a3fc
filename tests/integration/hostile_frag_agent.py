#!/usr/bin/env python3
"""hostile_frag_agent.py - an SNMP v2c agent whose replies are too large
for one frame and which sends them as IPv4 fragments of its own making,
well or badly, for tests/integration/hostile_fragments.sh.

It binds UDP on --address:161 to receive requests, and sends every reply
through a raw socket (IPPROTO_RAW: the agent writes the IPv4 header, so
the kernel neither fragments nor reassembles anything).  It serves one
small table: ROOT.1, ROOT.2, ROOT.3, OctetStrings of --size bytes
(byte k of string i is (i * 37 + k * 11) & 0xff), then NEXT (outside the
walked subtree: an INTEGER 0) and endOfMibView.  A GETBULK or GETNEXT is
answered from there; the reply to a GETBULK from ROOT is about 3 x size
bytes.

The community names the behaviour.  Unless said otherwise, only the
first attempt of a request-id misbehaves; argos's retry (same
request-id) gets the reply in order, in 1480-byte fragments.

  inorder   fragments in order (the control)
  reverse   fragments last first
  dup       every fragment sent twice
  overlap   the second fragment starts 8 bytes early, over the first's
            end, with garbage in those 8 bytes (and 8 bytes shorter)
  missing   the third fragment is never sent
  toomany   fragments of 400 bytes: more than 8
  toobig    first one fragment whose end lies past 65,535 bytes, then the
            reply in order
  badsum    the reply in order with one payload byte changed and the UDP
            checksum left as it was
  flood     first --flood first fragments of as many datagrams that never
            complete (distinct IP ids), then the reply in order
  never     always the first fragment only, on every attempt

Bounded: at most --max-requests requests, --max-seconds of life, and
--flood + 50 datagrams per request.  Each request and what was sent is
logged to stderr, one line each.

Python 3 standard library only.
"""
import argparse
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile_agent as ha  # noqa: E402  (BER helpers)

ROOT = (1, 3, 6, 1, 4, 1, 99999, 20)
NEXT = (1, 3, 6, 1, 4, 1, 99999, 21, 0)
MODES = ("inorder", "reverse", "dup", "overlap", "missing", "toomany", "toobig",
         "badsum", "flood", "never")


def value(i, size):
    return bytes((i * 37 + k * 11) & 0xFF for k in range(size))


def table(size):
    rows = [(ROOT + (i,), ha.T_OCTETSTR, value(i, size)) for i in (1, 2, 3)]
    return rows + [(NEXT, ha.T_INTEGER, ha.int_body(0))]


def answer(req, rows):
    """The varbinds of a GETBULK / GETNEXT / GET from the table."""
    out = []
    if req.pdu == ha.PDU_GET:
        for o in req.oids:
            row = next((r for r in rows if r[0] == o), None)
            out.append(ha.varbind(o, row[1], row[2]) if row else
                       ha.varbind(o, ha.T_NOSUCHOBJECT, b""))
        return out
    reps = max(1, min(req.b, 16)) if req.pdu == ha.PDU_GETBULK else 1
    cursor = req.oids[0]
    for _ in range(reps):
        row = next((r for r in rows if r[0] > cursor), None)
        if row is None:
            out.append(ha.varbind(cursor, ha.T_ENDOFMIBVIEW, b""))
            break
        out.append(ha.varbind(row[0], row[1], row[2]))
        cursor = row[0]
    return out


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_datagram(src, dst, sport, dport, payload):
    """UDP header and payload, checksum filled in."""
    length = 8 + len(payload)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, length)
    hdr = struct.pack("!HHHH", sport, dport, length, 0)
    c = csum(pseudo + hdr + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, c) + payload


def ip_fragment(src, dst, ip_id, offset, data, more):
    """An IPv4 fragment: data at byte offset (a multiple of 8)."""
    flags = (offset // 8) | (0x2000 if more else 0)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(data), ip_id, flags, 64, 17, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + data


def cut(udp, piece):
    """[(offset, bytes, more)] of a UDP datagram cut every piece bytes."""
    out = []
    for off in range(0, len(udp), piece):
        out.append((off, udp[off:off + piece], off + piece < len(udp)))
    return out


class Agent:
    def __init__(self, args):
        self.a = args
        self.rows = table(args.size)
        self.rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rx.bind((args.address, 161))
        self.rx.settimeout(0.2)
        self.tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self.ip_id = 0x4000
        self.seen = set()       # (community, request-id) already answered once

    def log(self, msg):
        print(f"hostile_frag_agent: {msg}", file=sys.stderr, flush=True)

    def send(self, dst, frags, ip_id):
        for off, data, more in frags:
            try:
                self.tx.sendto(ip_fragment(self.a.address, dst, ip_id, off, data, more),
                               (dst, 0))
            except OSError as e:
                self.log(f"cannot send a fragment of {len(data)} bytes at {off}: {e}")

    def next_id(self):
        self.ip_id = (self.ip_id + 1) & 0xFFFF
        return self.ip_id

    def reply(self, dst, dport, req):
        mode = req.community.decode("ascii", "replace")
        msg = ha.message(req.version, req.community, ha.PDU_RESPONSE, req.reqid, 0, 0,
                         b"".join(answer(req, self.rows)))
        udp = udp_datagram(self.a.address, dst, 161, dport, msg)
        first = (mode, req.reqid) not in self.seen
        self.seen.add((mode, req.reqid))
        frags = cut(udp, 1480)
        ip_id = self.next_id()
        if len(frags) == 1 and mode != "never":
            self.send(dst, frags, ip_id)       # small: sent whole
            self.log(f"{mode}: reqid {req.reqid}: {len(udp)} bytes, whole")
            return
        what = "in order"
        if mode == "never":
            frags, what = frags[:1], "first fragment only"
        elif first and mode == "reverse":
            frags, what = list(reversed(frags)), "last first"
        elif first and mode == "dup":
            frags, what = [f for f in frags for _ in (0, 1)], "each twice"
        elif first and mode == "overlap":
            off, data, more = frags[1]
            frags = [frags[0], (off - 8, b"\xee" * 8 + data[:-8], more)] + frags[2:]
            what = "second fragment 8 bytes early, over garbage"
        elif first and mode == "missing":
            frags, what = frags[:2] + frags[3:], "third fragment missing"
        elif first and mode == "toomany":
            frags = cut(udp, 400)
            what = f"{len(frags)} fragments of 400 bytes"
        elif first and mode == "toobig":
            self.send(dst, [(65528, b"\0" * 16, False)], self.next_id())
            what = "in order, after a fragment past 65,535 bytes"
        elif first and mode == "badsum":
            off, data, more = frags[1]
            frags[1] = (off, data[:100] + bytes([data[100] ^ 0x20]) + data[101:], more)
            what = "one payload byte changed, checksum kept"
        elif first and mode == "flood":
            for _ in range(self.a.flood):
                self.send(dst, frags[:1], self.next_id())
            what = f"in order, after {self.a.flood} datagrams never completed"
        self.send(dst, frags, ip_id)
        self.log(f"{mode}: reqid {req.reqid} attempt {'1' if first else 'n'}: "
                 f"{len(udp)} bytes, {len(frags)} fragments, {what}")

    def run(self):
        end = time.monotonic() + self.a.max_seconds
        n = 0
        while time.monotonic() < end and n < self.a.max_requests:
            try:
                buf, (src, sport) = self.rx.recvfrom(65535)
            except socket.timeout:
                continue
            n += 1
            try:
                req = ha.parse_request(buf)
            except ValueError as e:
                self.log(f"unreadable request from {src}: {e}")
                continue
            self.reply(src, sport, req)
        self.log(f"done: {n} requests")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--address", required=True)
    ap.add_argument("--size", type=int, default=3000, help="bytes of each string")
    ap.add_argument("--flood", type=int, default=300)
    ap.add_argument("--max-requests", type=int, default=200)
    ap.add_argument("--max-seconds", type=float, default=120)
    Agent(ap.parse_args()).run()


if __name__ == "__main__":
    main()
