#!/usr/bin/env python3
"""make_session_seeds.py - write the seed corpus of fuzz_snmp_session
(tests/fuzz/corpus/snmp_session/).  The input format is described at the
top of fuzz_snmp_session.c; each seed here is one story of a job.

    python3 tests/fuzz/make_session_seeds.py   # rewrites the seeds
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "snmp_session")

V2C, GETNEXT, ANY_SOURCE, ALT, SLOW, NONINC = 1, 2, 4, 0x20, 0x40, 0x80


def cfg(flags=0, profile=0):
    return flags | (profile << 3)


def tlv(tag, body):
    n = len(body)
    if n < 128:
        return bytes([tag, n]) + body
    return bytes([tag, 0x82, n >> 8, n & 0xFF]) + body


def oid(arcs):
    out = bytes([40 * arcs[0] + arcs[1]])
    for a in arcs[2:]:
        enc = [a & 0x7F]
        a >>= 7
        while a:
            enc.insert(0, 0x80 | (a & 0x7F))
            a >>= 7
        out += bytes(enc)
    return tlv(0x06, out)


def integer(v, tag=0x02):
    b = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big", signed=False)
    return tlv(tag, b)


NULL = b"\x05\x00"
END_OF_MIB = b"\x82\x00"
NO_SUCH_OBJECT = b"\x80\x00"


def vb(arcs, value=NULL):
    return tlv(0x30, oid(arcs) + value)


def op(kind, session, body):
    return bytes([(session << 2) | kind]) + struct.pack(">H", len(body)) + body


def reply(body_vbs, es=0, ei=0, session=0):
    return op(0, session, bytes([es, ei]) + b"".join(body_vbs))


def wait(units=20, session=0):
    return op(2, session, bytes([units]))


def job(max_rep=0, profile=None):
    body = bytes([max_rep]) + (bytes([profile]) if profile is not None else b"")
    return op(3, 0, body)


SYS = [1, 3, 6, 1, 2, 1, 1]
IFTABLE = [1, 3, 6, 1, 2, 1, 2, 2]
IFX = [1, 3, 6, 1, 2, 1, 31, 1, 1]


def scalar(k):
    return SYS + [k, 0]


def seeds():
    s = {}
    # Profile 0 asks a GET of 16 scalars first: a reply with 17 varbinds
    # (the 16 asked for, then one more) once read idx[16] past the end
    # of get_reply_matches' stack array.
    s["get16_reply17"] = bytes([cfg(V2C), 10, 1]) + reply(
        [vb(scalar(k)) for k in range(1, 18)])
    # The whole job of profile 0 done right: GET 16, GET 4, bulk walk.
    s["get16_get4_walk_v2c"] = bytes([cfg(V2C), 3, 1]) + \
        reply([vb(scalar(k), integer(k)) for k in range(1, 17)]) + \
        reply([vb(scalar(k), tlv(0x04, b"x" * k)) for k in range(17, 21)]) + \
        reply([vb(IFTABLE + [1, 1, 1], integer(1)), vb(IFTABLE + [1, 1, 2], integer(2)),
               vb(IFTABLE + [1, 2, 1], tlv(0x04, b"eth0"))]) + \
        reply([vb(IFTABLE + [1, 10, 1], integer(123456, 0x41)), vb([1, 3, 6, 1, 2, 1, 3], NULL)])
    # A GET answered with fewer varbinds, with an exception, with tooBig.
    s["get_short_and_exceptions"] = bytes([cfg(V2C), 5, 2]) + \
        reply([vb(scalar(k)) for k in range(1, 9)]) + wait(20) + \
        reply([vb(scalar(k), NO_SUCH_OBJECT if k % 3 else b"\x81\x00") for k in range(1, 17)]) + \
        reply([], es=1, ei=0) + wait(200) + wait(200)
    # v1: noSuchName for the third name: that name is skipped, the GET asked again.
    s["v1_nosuchname"] = bytes([cfg(0), 0, 1]) + \
        reply([vb(scalar(k)) for k in range(1, 17)], es=2, ei=3) + \
        reply([vb(scalar(k), integer(7)) for k in [1, 2] + list(range(4, 18))]) + \
        reply([vb(scalar(k)) for k in range(18, 21)]) + \
        reply([vb(IFTABLE + [1, 1, 1], integer(1))]) + \
        reply([], es=2, ei=1)
    # GETNEXT walks (profile 1) that leave the subtree, then endOfMibView.
    s["v2c_getnext_walks"] = bytes([cfg(V2C | GETNEXT, 1), 0, 0]) + \
        reply([vb(IFTABLE + [1, 1, 1], integer(1))]) + \
        reply([vb(IFTABLE + [1, 1, 2], integer(2))]) + \
        reply([vb(IFX + [1, 1], tlv(0x04, b"lo"))]) + \
        reply([vb(IFX + [1, 1], tlv(0x04, b"lo"))]) + \
        reply([vb(IFX + [6, 1], integer(1 << 40, 0x46))]) + \
        reply([vb(IFX + [6, 2], END_OF_MIB)])
    # A bulk walk going backwards (allowed, the loop guard ends it).
    s["bulk_backwards_loop"] = bytes([cfg(V2C | NONINC, 2), 4, 0]) + \
        reply([vb(scalar(3), integer(99, 0x43))]) + \
        b"".join(reply([vb(IFTABLE + [1, 10, 2], integer(5, 0x41)),
                        vb(IFTABLE + [1, 10, 1], integer(6, 0x41))]) for _ in range(12))
    # Nothing answers: retries, a smaller max-repetitions, the alternate
    # community; a second and third job on other sessions.
    s["timeouts_alt_community"] = bytes([cfg(V2C | ALT, 1), 50, 2]) + \
        job(20, 2) + job(0, 3) + wait(30) + wait(30) + wait(30) + \
        reply([vb(IFTABLE + [1, 1, 1], integer(1))], session=1) + wait(60) + wait(60)
    # Replies that do not fit the session: wrong community, a request
    # instead of a response, garbage, a datagram from elsewhere.
    wrong = tlv(0x30, integer(1) + tlv(0x04, b"private") +
                tlv(0xA2, integer(0x01000000) + integer(0) + integer(0) +
                    tlv(0x30, vb(scalar(1)))))
    s["raw_mismatches"] = bytes([cfg(V2C | ANY_SOURCE), 1, 1]) + \
        op(1, 0, wrong) + op(1, 0, b"\x30\x03\x02\x01") + op(1, 0, b"") + \
        reply([vb(scalar(k)) for k in range(1, 17)]) + op(1, 0, wrong)
    # A slow control plane: every batch handed over stays unread, until
    # too few are free: replies are dropped for back-pressure and asked
    # again, no new job starts; then the reader catches up.
    def walk(r):
        return reply([vb(IFTABLE + [1, 2, 5 * r + i], tlv(0x04, b"A" * 20)) for i in range(1, 6)])
    s["slow_reader_backpressure"] = bytes([cfg(V2C | SLOW, 1), 5, 1]) + \
        b"".join(walk(r) + wait(0) for r in range(13)) + job(3, 1) + \
        walk(13) + walk(13) + op(2, 0, bytes([20, 0])) + walk(13) + op(2, 0, bytes([20, 1])) + \
        walk(14) + walk(15)
    return s


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        print("%s: %d bytes" % (name, len(data)))


if __name__ == "__main__":
    main()
