#!/usr/bin/env python3
"""check_intervals.py - read db_appliance logs and prove that no device
was ever held by two appliances at once: for each device and kind, the
[claim, done] intervals of all logs, sorted, never overlap.

usage: check_intervals.py N_DEVICES LOG...
Prints one line per problem (at most 10) and a summary; exit 1 on any.
"""
import sys


def main():
    n_dev = int(sys.argv[1])
    spans = {}
    per_log = {}
    open_claims = {}
    for path in sys.argv[2:]:
        per_log[path] = 0
        with open(path) as f:
            for line in f:
                w = line.split()
                if len(w) < 4 or w[1] not in ("claim", "done"):
                    continue
                key = (w[2], int(w[3]))
                t = int(w[0])
                if w[1] == "claim":
                    open_claims[(path, key)] = t
                    per_log[path] += 1
                else:
                    start = open_claims.pop((path, key), None)
                    if start is None:
                        print("%s: device %s done without a claim" % (path, key))
                        continue
                    spans.setdefault(key, []).append((start, t, path))
    problems = 0
    for key, iv in spans.items():
        iv.sort()
        for a, b in zip(iv, iv[1:]):
            if b[0] < a[1]:
                problems += 1
                if problems <= 10:
                    print("%s device %d held twice: %s [%d,%d] and %s [%d,%d]"
                          % (key[0], key[1], a[2], a[0], a[1], b[2], b[0], b[1]))
    polled = {k[1] for k in spans if k[0] == "snmp"}
    missing = [i for i in range(1, n_dev + 1) if i not in polled]
    if missing:
        problems += 1
        print("%d devices were never polled, e.g. %s" % (len(missing), missing[:5]))
    for path, n in per_log.items():
        print("%s: %d claims" % (path, n))
    print("overlaps+missing: %d; polls: %d; devices polled: %d of %d"
          % (problems, sum(len(v) for v in spans.values()), len(polled), n_dev))
    sys.exit(1 if problems else 0)


main()
