#!/usr/bin/env python3
"""spill_text.py - print what argos's remote-write spill files hold,
uncompressed, so that a test can grep it (secrets_never_shown.sh).

    spill_text.py FILE...

Each file is "ARGOSRW1", u32 samples, u32 reserved, u64 length, then a
snappy-compressed WriteRequest (controlplane/export/rw_queue.c).  The
protobuf is printed as it is: label names and values are plain bytes in
it.  Exits 1 on a file that is not a spill batch.
"""
import struct
import sys


def unsnappy(b):
    """Snappy's raw format: a varint length, then literals and copies."""
    n = shift = i = 0
    while True:
        c = b[i]
        i += 1
        n |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            break
    out = bytearray()
    while i < len(b):
        tag = b[i]
        i += 1
        kind = tag & 3
        if kind == 0:
            ln = tag >> 2
            if ln >= 60:
                nb = ln - 59
                ln = int.from_bytes(b[i:i + nb], "little")
                i += nb
            ln += 1
            out += b[i:i + ln]
            i += ln
            continue
        if kind == 1:
            ln, off = ((tag >> 2) & 7) + 4, ((tag >> 5) << 8) | b[i]
            i += 1
        elif kind == 2:
            ln, off = (tag >> 2) + 1, int.from_bytes(b[i:i + 2], "little")
            i += 2
        else:
            ln, off = (tag >> 2) + 1, int.from_bytes(b[i:i + 4], "little")
            i += 4
        for _ in range(ln):
            out.append(out[-off])
    if len(out) != n:
        raise ValueError("length %d, header says %d" % (len(out), n))
    return bytes(out)


rc = 0
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    if len(data) < 24 or data[:8] != b"ARGOSRW1":
        print("%s: not a spill batch" % path, file=sys.stderr)
        rc = 1
        continue
    length = struct.unpack_from("<Q", data, 16)[0]
    sys.stdout.buffer.write(unsnappy(data[24:24 + length]) + b"\n")
sys.exit(rc)
