#!/usr/bin/env python3
"""sx_compare.py - compare the series snmp_exporter served with those argos
wrote to Prometheus (snmp_exporter_same_series.sh).

  sx_compare.py PROM_URL JOB BEFORE_DIR AFTER_DIR

BEFORE_DIR and AFTER_DIR hold one text-format scrape of snmp_exporter per
module (MODULE.prom), taken just before and just after argos polled the
same agent.  A series is its name and labels, less instance and job (and
labels with an empty value, which Prometheus drops).  Every series
snmp_exporter served must be in Prometheus under job JOB, and argos must
have written no other series (its own argos_* series aside).  Values must
be equal, except for series whose value moved between the two scrapes
(counters, clocks, durations): those are compared by name and labels only.

snmp_exporter scrapes one module at a time and labels its snmp_scrape_*
series with nothing; argos polls a device's modules at once and labels them
with module="NAME" when it runs several, as snmp_exporter does for a scrape
of several modules since 0.24: the module label is added to the scrape's
snmp_scrape_* series here.  snmp_scrape_packets_sent and _retried are not
written by argos (its cores do not count packets per device): they are left
out and said so.

Exit 0 when everything matches; 1 with one line per difference.
"""
import json
import math
import os
import re
import sys
import urllib.parse
import urllib.request

NOT_WRITTEN = {"snmp_scrape_packets_sent", "snmp_scrape_packets_retried"}
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$')


def labels_of(text):
    """Parse a text-format label set ('a="x",b="y"') with its escapes."""
    out, i = {}, 0
    while i < len(text):
        eq = text.index("=", i)
        name = text[i:eq].strip().lstrip(",").strip()
        i = eq + 2      # past ="
        val = []
        while text[i] != '"':
            if text[i] == "\\":
                nxt = text[i + 1]
                val.append({"n": "\n", "\\": "\\", '"': '"'}.get(nxt, "\\" + nxt))
                i += 2
            else:
                val.append(text[i])
                i += 1
        i += 1
        if i < len(text) and text[i] == ",":
            i += 1
        out[name] = "".join(val)
    return out


def scrape(path, module, n_modules):
    series = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            m = LINE.match(line)
            if not m:
                raise SystemExit("cannot parse snmp_exporter's line: %r" % line)
            name, lbl, value = m.group(1), labels_of(m.group(3) or ""), float(m.group(4))
            if name in NOT_WRITTEN:
                continue
            if name.startswith("snmp_scrape_") and n_modules > 1:
                lbl["module"] = module
            key = (name, tuple(sorted((k, v) for k, v in lbl.items()
                                      if v != "" and k not in ("instance", "job"))))
            series[key] = value
    return series


def prometheus(url, job):
    q = urllib.parse.urlencode({"query": '{job="%s"}' % job})
    with urllib.request.urlopen("%s/api/v1/query?%s" % (url, q), timeout=30) as r:
        data = json.load(r)
    out = {}
    for s in data["data"]["result"]:
        m = dict(s["metric"])
        name = m.pop("__name__")
        if name.startswith("argos_"):
            continue
        key = (name, tuple(sorted((k, v) for k, v in m.items() if k not in ("instance", "job"))))
        out[key] = float(s["value"][1])
    return out


def same(a, b):
    return a == b or (math.isnan(a) and math.isnan(b))


def show(key):
    return "%s{%s}" % (key[0], ",".join('%s="%s"' % kv for kv in key[1]))


def main():
    url, job, before_dir, after_dir = sys.argv[1:5]
    modules = sorted(f[:-5] for f in os.listdir(before_dir) if f.endswith(".prom"))
    before, after = {}, {}
    for m in modules:
        before.update(scrape(os.path.join(before_dir, m + ".prom"), m, len(modules)))
        after.update(scrape(os.path.join(after_dir, m + ".prom"), m, len(modules)))
    got = prometheus(url, job)
    bad = 0
    moved = 0
    for key, v in sorted(after.items()):
        if key not in got:
            print("missing: snmp_exporter served %s %r, argos wrote no such series" % (show(key), v))
            bad += 1
            continue
        if key not in before or not same(before[key], v):
            moved += 1      # moved between the scrapes: name and labels only
            continue
        if not same(got[key], v):
            print("value: %s is %r from argos, %r from snmp_exporter" % (show(key), got[key], v))
            bad += 1
    for key in sorted(set(got) - set(after)):
        print("extra: argos wrote %s %r, snmp_exporter served no such series" % (show(key), got[key]))
        bad += 1
    print("%s: %d series from snmp_exporter (%d modules), %d in Prometheus, %d compared by "
          "value, %d moved (name and labels only), %d differences"
          % (job, len(after), len(modules), len(got), len(after) - moved, moved, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
