#!/usr/bin/env python3
"""make_frag_seeds.py - write the seed inputs of fuzz_frag_reply into
corpus/frag_reply/: an SNMP GetResponse of long strings and a plan of
fragments for it (the input format is described in fuzz_frag_reply.c).

Run from anywhere: python3 tests/fuzz/corpus/make_frag_seeds.py
"""
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "frag_reply")


def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        hdr = bytes([tag, n])
    elif n <= 0xFF:
        hdr = bytes([tag, 0x81, n])
    else:
        hdr = bytes([tag, 0x82, n >> 8, n & 0xFF])
    return hdr + content


def integer(v):
    return tlv(0x02, v.to_bytes(4, "big", signed=True).lstrip(b"\x00") or b"\x00")


def reply(n_strings, str_len):
    col = bytes([0x2B, 6, 1, 4, 1, 0xBF, 0x08, 1, 3, 2, 3, 1, 2])
    vbs = b""
    for i in range(n_strings):
        val = bytes((i * 31 + k * 7) & 0xFF for k in range(str_len))
        vbs += tlv(0x30, tlv(0x06, col + bytes([i + 1])) + tlv(0x04, val))
    pdu = tlv(0xA2, integer(0x01020304) + integer(0) + integer(0) + tlv(0x30, vbs))
    return tlv(0x30, integer(1) + tlv(0x04, b"public") + pdu)


def plan(frags):
    """frags: [(offset_bytes, length, flags)]"""
    out = bytes([len(frags)])
    for off, ln, flags in frags:
        out += struct.pack("<HHB", off // 8, ln, flags)
    return out


def cut(total, piece):
    """Fragments of a payload of total bytes (UDP header included)."""
    offs = list(range(0, total, piece))
    return [(o, min(piece, total - o), 1 if o + piece < total else 0) for o in offs]


def main():
    os.makedirs(HERE, exist_ok=True)
    msg = reply(3, 900)                  # ~2.8 KB: 2 fragments of 1480
    total = len(msg) + 8
    seeds = {
        "in_order_2.bin": cut(total, 1480),
        "reverse_4.bin": list(reversed(cut(total, 744))),
        "repeated.bin": cut(total, 1480) + cut(total, 1480)[:1],
        "overlap.bin": [(0, 1480, 1), (1472, 1480, 1)] + cut(total, 1480)[2:],
        "too_many_10.bin": cut(total, 296),
        "two_ids_interleaved.bin": [f[:2] + (f[2] | (2 if i % 2 else 0),)
                                    for i, f in enumerate(cut(total, 1480) * 2)],
        "missing_middle.bin": [f for i, f in enumerate(cut(total, 512)) if i != 2],
    }
    for name, frags in seeds.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(plan(frags) + msg)


if __name__ == "__main__":
    main()
