#!/usr/bin/env python3
# scale_selftest.py - bench/scale's arithmetic on made-up inputs: poll
# log differences, take-over time, histogram quantiles.  Exit 0 when
# every check holds.
import math
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale_calc as sc  # noqa: E402

HEAD = ("device ip port polls pings overlaps first_ms last_ms max_poll_gap_ms "
        "max_ping_gap_ms sources echoes last_source mark_poll_ms\n")
failed = 0


def check(what, ok):
    global failed
    print("%s: %s" % ("ok" if ok else "FAIL", what))
    failed += not ok


def log(text, now, mark):
    f = tempfile.NamedTemporaryFile("w", delete=False, suffix=".plog")
    f.write("# argos-farm poll-log now_ms %d mark_ms %d poll_gap_ms 1000 ping_gap_ms 1000 ports 161-162\n"
            % (now, mark))
    f.write(HEAD + text)
    f.close()
    return sc.PollLog(f.name)


a = log("0 198.18.0.1 161 3 1 0 10 990 300 0 1 3 198.19.255.10 -1\n"
        "1 198.18.0.1 162 2 0 0 20 980 300 0 1 0 198.19.255.11 -1\n", 1000, -1)
k = log("0 198.18.0.1 161 4 1 0 10 1990 300 0 1 3 198.19.255.10 -1\n"
        "1 198.18.0.1 162 3 0 0 20 1980 300 0 1 0 198.19.255.11 -1\n", 2000, -1)
b = log("0 198.18.0.1 161 6 2 1 10 3990 300 0 2 6 198.19.255.11 2500\n"
        "1 198.18.0.1 162 5 0 0 20 3980 300 0 1 0 198.19.255.11 2100\n", 4000, 2000)
s = sc.steady(a, b, range(3))
check("polls over the steady state are the differences (3 + 3): %d" % s["polls"], s["polls"] == 6)
check("a loaded device missing from both logs was never polled: %d" % s["never_polled"],
      s["never_polled"] == 1)
check("one device overlapped once: %d, %d" % (s["twice_devices"], s["twice_requests"]),
      s["twice_devices"] == 1 and s["twice_requests"] == 1)
check("ping rounds and echoes: %d, %d" % (s["pings"], s["echoes"]),
      s["pings"] == 1 and s["echoes"] == 3)
t, n, miss = sc.takeover(k, b, "198.19.255.10", range(3))
check("take-over: device 0 was the dead one's, polled again 0.5 s after the kill (%s, %d)"
      % (t, n), t == 0.5 and n == 1 and miss == 0)
b2 = log("0 198.18.0.1 161 4 1 0 10 1990 300 0 1 3 198.19.255.10 -1\n", 4000, 2000)
t, n, miss = sc.takeover(k, b2, "198.19.255.10", range(3))
check("take-over: a device never polled again gives None (%s, %d missing)" % (t, miss),
      t is None and miss == 1)

text = """# HELP x
argos_db_lateness_seconds_bucket{kind="snmp",le="0.1"} 50
argos_db_lateness_seconds_bucket{kind="snmp",le="1"} 90
argos_db_lateness_seconds_bucket{kind="snmp",le="+Inf"} 100
argos_db_lateness_seconds_count{kind="snmp"} 100
argos_db_lateness_seconds_bucket{kind="ping",le="0.1"} 10
argos_db_lateness_seconds_bucket{kind="ping",le="1"} 10
argos_db_lateness_seconds_bucket{kind="ping",le="+Inf"} 10
argos_ping_jobs_total 42
"""
m = sc.parse_metrics(text)
after = sc.buckets(m, "argos_db_lateness_seconds", kind="snmp")
before = {0.1: 0.0, 1.0: 0.0, math.inf: 0.0}
p50 = sc.quantile(0.5, before, after)
p99 = sc.quantile(0.99, before, after)
check("p50 of 50/90/100 in 0.1/1/+Inf is 0.1 (%s)" % p50, abs(p50 - 0.1) < 1e-9)
check("p99 falls in +Inf: the last finite bound, 1 (%s)" % p99, p99 == 1.0)
p = sc.quantile(0.7, before, after)
check("p70 interpolates inside (0.1, 1]: 0.55 (%s)" % p, abs(p - 0.55) < 1e-9)
both = sc.buckets(m, "argos_db_lateness_seconds")
check("buckets of both kinds add up (+Inf 110)", both[math.inf] == 110)
check("an absent histogram gives None",
      sc.quantile(0.5, {}, sc.buckets(m, "argos_nothing")) is None)
check("a counter without labels is read", sc.metric_sum(m, "argos_ping_jobs_total") == 42)
print("scale_selftest: %d failed" % failed)
sys.exit(1 if failed else 0)
