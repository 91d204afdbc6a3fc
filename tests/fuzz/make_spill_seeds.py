#!/usr/bin/env python3
"""make_spill_seeds.py - write the seed corpus of fuzz_rw_spill
(tests/fuzz/corpus/rw_spill/).  The input format is described at the top
of fuzz_rw_spill.c: [disk KiB - 1][memory / 64] then files, each
[kind][seq][len, 2 bytes big-endian][bytes].

    python3 tests/fuzz/make_spill_seeds.py   # rewrites the seeds
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "rw_spill")
BATCH, BAD, TMP, STRANGER, HEADER, LONG = 0, 1, 2, 3, 4, 8


def f(kind, seq, body):
    return bytes([kind, seq]) + struct.pack(">H", len(body)) + body


def raw_header(samples, length):
    return b"ARGOSRW1" + struct.pack("<IIQ", samples, 0, length)


def seeds():
    payload = bytes(range(200))
    return {
        # Three good batches, out of order, and nothing else.
        "three_good": bytes([63, 4]) + f(BATCH | HEADER, 3, payload) +
        f(BATCH | HEADER, 1, payload[:50]) + f(BATCH | HEADER, 2, b""),
        # A crash's leftovers: a .tmp, a batch cut short, a stranger.
        "crash_leftovers": bytes([63, 4]) + f(TMP, 4, payload) +
        f(BATCH | HEADER | LONG, 5, payload) + f(STRANGER, 6, payload) +
        f(BATCH | HEADER, 7, payload),
        # Damaged files: a wrong magic, a header alone, a huge length, .bad ones.
        "damaged": bytes([63, 0]) + f(BATCH, 1, b"ARGOSRW0" + bytes(16) + payload) +
        f(BATCH, 2, raw_header(5, 0)) + f(BATCH, 3, raw_header(5, 1 << 62) + payload) +
        f(BAD, 4, payload) + f(BAD, 0, b"") + f(BATCH | HEADER, 9, payload),
        # More on disk than the bound: the oldest go at open, .bad first.
        "over_the_bound": bytes([0, 0]) + f(BAD, 1, payload * 3) +
        b"".join(f(BATCH | HEADER, s, payload * 2) for s in range(2, 8)),
        # An empty directory (qsort of nothing).
        "empty": bytes([7, 1]),
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(OUT, name), "wb") as fh:
            fh.write(data)
        print("%s: %d bytes" % (name, len(data)))


if __name__ == "__main__":
    main()
