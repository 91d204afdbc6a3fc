#!/usr/bin/env python3
"""hostile_v3_agent.py - a deliberately broken SNMPv3 agent, for
tests/integration/snmpv3_hostile_agent.sh.

One USM user (--user, authNoPriv, HMAC-SHA-96 with --auth-pass), one
engine (--engine, hex).  A request with no engine ID is a discovery: it
gets the Report usmStatsUnknownEngineIDs naming the engine, its boots
and time.  Every authenticated request then gets, in this order:

  bad-digest   the right response with one byte of its HMAC flipped
  truncated    the right response cut inside msgSecurityParameters
  wrong-engine an authentic response from another engine ID
  replayed     an authentic response whose engine time is 1000 s behind
               (a replay of an old message)
  right        the right response

so argos must drop the first four, each counted by its reason, and take
the fifth.  The MIB is the system group's sysDescr.0, sysObjectID.0,
sysUpTime.0, sysContact.0, sysName.0, sysLocation.0; a GET of any other
OID gets noSuchObject, a GETNEXT or GETBULK endOfMibView past the end.

Bounded: 5 datagrams per request; exits after --max-seconds or
--max-requests.  Each request is logged to stderr.  Standard library only.
"""
import argparse
import hashlib
import hmac
import socket
import sys
import time

USM_STATS_UNKNOWN_ENGINE = (1, 3, 6, 1, 6, 3, 15, 1, 1, 4, 0)
SYS = (1, 3, 6, 1, 2, 1, 1)


def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    elif n < 0x100:
        ln = bytes([0x81, n])
    else:
        ln = bytes([0x82, n >> 8, n & 0xFF])
    return bytes([tag]) + ln + body


def enc_int(v, tag=0x02):
    b = v.to_bytes(8, "big", signed=True)
    while len(b) > 1 and ((b[0] == 0 and b[1] < 0x80) or (b[0] == 0xFF and b[1] >= 0x80)):
        b = b[1:]
    return tlv(tag, b)


def enc_uint(v, tag):
    b = v.to_bytes(8, "big")
    while len(b) > 1 and b[0] == 0 and b[1] < 0x80:
        b = b[1:]
    return tlv(tag, b)


def enc_oid(o):
    out = bytes([40 * o[0] + o[1]])
    for x in o[2:]:
        enc = [x & 0x7F]
        x >>= 7
        while x:
            enc.insert(0, (x & 0x7F) | 0x80)
            x >>= 7
        out += bytes(enc)
    return tlv(0x06, out)


def seq(*parts):
    return tlv(0x30, b"".join(parts))


def dec(buf, off):
    """One TLV at off: (tag, value start, value end)."""
    tag = buf[off]
    n = buf[off + 1]
    off += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[off:off + k], "big")
        off += k
    if off + n > len(buf):
        raise ValueError("truncated")
    return tag, off, off + n


def dec_int(buf, s, e):
    return int.from_bytes(buf[s:e], "big", signed=True)


def dec_oid(b):
    o = [b[0] // 40, b[0] % 40]
    x = 0
    for c in b[1:]:
        x = (x << 7) | (c & 0x7F)
        if not c & 0x80:
            o.append(x)
            x = 0
    return tuple(o)


def localized_key(password, engine):
    """RFC 3414 A.2.2: Ku from the passphrase, localized to engine (SHA)."""
    pw = password.encode()
    rep = (pw * (1048576 // len(pw) + 1))[:1048576]
    ku = hashlib.sha1(rep).digest()
    return hashlib.sha1(ku + engine + ku).digest()


class Agent:
    def __init__(self, a):
        self.a = a
        self.engine = bytes.fromhex(a.engine)
        self.other = bytes(reversed(self.engine))
        self.user = a.user.encode()
        self.key = localized_key(a.auth_pass, self.engine)
        self.other_key = localized_key(a.auth_pass, self.other)
        self.start = time.monotonic()
        self.boots = 7
        descr = b"argos hostile SNMPv3 agent"
        self.mib = sorted([
            (SYS + (1, 0), tlv(0x04, descr)),
            (SYS + (2, 0), enc_oid((1, 3, 6, 1, 4, 1, 99999))),
            (SYS + (3, 0), enc_uint(4242, 0x43)),
            (SYS + (4, 0), tlv(0x04, b"nobody")),
            (SYS + (5, 0), tlv(0x04, a.sys_name.encode())),
            (SYS + (6, 0), tlv(0x04, b"nowhere")),
        ])

    def etime(self):
        return int(time.monotonic() - self.start) + 1000

    def message(self, msg_id, flags, engine, boots, etime, key, scoped, cut=None,
                flip=False):
        """A response message; HMAC over it when key is given."""
        mac = bytes(12) if key else b""
        hdr = seq(enc_int(msg_id), enc_int(65507), tlv(0x04, bytes([flags])), enc_int(3))

        def build(m):
            sp = seq(tlv(0x04, engine), enc_int(boots), enc_int(etime), tlv(0x04, self.user),
                     tlv(0x04, m), tlv(0x04, b""))
            return seq(enc_int(3), hdr, tlv(0x04, sp), scoped)

        msg = build(mac)
        if key:
            digest = hmac.new(key, msg, hashlib.sha1).digest()[:12]
            if flip:
                digest = bytes([digest[0] ^ 0x55]) + digest[1:]
            msg = build(digest)
        if cut is not None:
            msg = msg[:cut]
        return msg

    def answer(self, pdu_type, vbs, nonrep, maxrep):
        out = []
        if pdu_type == 0xA0:
            for o in vbs:
                v = dict(self.mib).get(o, tlv(0x80, b""))
                out.append(seq(enc_oid(o), v))
            return out
        reps = maxrep if pdu_type == 0xA5 else 1
        for o in vbs:
            cur = o
            for _ in range(max(reps, 1)):
                nxt = next((m for m in self.mib if m[0] > cur), None)
                if nxt is None:
                    out.append(seq(enc_oid(cur), tlv(0x82, b"")))
                    break
                out.append(seq(enc_oid(nxt[0]), nxt[1]))
                cur = nxt[0]
        return out

    def handle(self, pkt):
        """Parse a request; return the datagrams to send back."""
        _, s, _ = dec(pkt, 0)
        _, vs, ve = dec(pkt, s)
        if dec_int(pkt, vs, ve) != 3:
            return []
        _, hs, he = dec(pkt, ve)
        _, i1, i2 = dec(pkt, hs)
        msg_id = dec_int(pkt, i1, i2)
        _, m1, m2 = dec(pkt, i2)
        _, f1, f2 = dec(pkt, m2)
        flags = pkt[f1]
        _, ss, se = dec(pkt, he)
        _, us, _ = dec(pkt, ss)
        _, e1, e2 = dec(pkt, us)
        engine = pkt[e1:e2]
        _, so, sc_end = dec(pkt, se)
        # the scoped PDU: contextEngineID, contextName, PDU
        _, c1, c2 = dec(pkt, so)
        _, n1, n2 = dec(pkt, c2)
        ptype, p1, p2 = dec(pkt, n2)
        _, r1, r2 = dec(pkt, p1)
        req_id = dec_int(pkt, r1, r2)
        _, a1, a2 = dec(pkt, r2)
        nonrep = dec_int(pkt, a1, a2)
        _, b1, b2 = dec(pkt, a2)
        maxrep = dec_int(pkt, b1, b2)
        _, l1, l2 = dec(pkt, b2)
        vbs = []
        off = l1
        while off < l2:
            _, v1, v2 = dec(pkt, off)
            _, o1, o2 = dec(pkt, v1)
            vbs.append(dec_oid(pkt[o1:o2]))
            off = v2
        log("request msgID %d flags %d engine %s pdu %#x vbs %d" %
            (msg_id, flags, engine.hex(), ptype, len(vbs)))

        if not engine or not flags & 1:
            report = tlv(0xA8, enc_int(req_id) + enc_int(0) + enc_int(0) +
                         seq(seq(enc_oid(USM_STATS_UNKNOWN_ENGINE), enc_uint(1, 0x41))))
            scoped = seq(tlv(0x04, self.engine), tlv(0x04, b""), report)
            return [self.message(msg_id, 0, self.engine, self.boots, self.etime(), None,
                                 scoped)]

        def scoped_for(eng):
            resp = tlv(0xA2, enc_int(req_id) + enc_int(0) + enc_int(0) +
                       seq(*self.answer(ptype, vbs, nonrep, maxrep)))
            return seq(tlv(0x04, eng), tlv(0x04, b""), resp)

        right = scoped_for(self.engine)
        t = self.etime()
        good = self.message(msg_id, 1, self.engine, self.boots, t, self.key, right)
        return [
            self.message(msg_id, 1, self.engine, self.boots, t, self.key, right, flip=True),
            good[:30],   # inside msgSecurityParameters
            self.message(msg_id, 1, self.other, self.boots, t, self.other_key,
                         scoped_for(self.other)),
            self.message(msg_id, 1, self.engine, self.boots, t - 1000, self.key, right),
            good,
        ]


def log(s):
    print("hostile_v3_agent: " + s, file=sys.stderr, flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--address", required=True)
    p.add_argument("--engine", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--auth-pass", required=True)
    p.add_argument("--sys-name", default="hostile-v3")
    p.add_argument("--max-seconds", type=float, default=120)
    p.add_argument("--max-requests", type=int, default=2000)
    a = p.parse_args()
    agent = Agent(a)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.address, 161))
    s.settimeout(0.5)
    log("ready on %s:161" % a.address)
    end = time.monotonic() + a.max_seconds
    n = 0
    while time.monotonic() < end and n < a.max_requests:
        try:
            pkt, peer = s.recvfrom(65535)
        except socket.timeout:
            continue
        n += 1
        try:
            out = agent.handle(pkt)
        except (ValueError, IndexError) as e:
            log("unparsable request (%s)" % e)
            continue
        for d in out:
            s.sendto(d, peer)
    log("done after %d requests" % n)


if __name__ == "__main__":
    main()
