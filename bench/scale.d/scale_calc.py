# scale_calc.py - the arithmetic of bench/scale, apart from the processes
# so that it can be checked on its own (scale_selftest.py): argos-farm's
# --poll-log files and their differences over the steady state, the
# quantiles of a Prometheus histogram's bucket deltas, and the take-over
# time after an appliance is killed.  Standard library only.
import array
import math
import re

PLOG_COLUMNS = ["device", "ip", "port", "polls", "pings", "overlaps", "first_ms", "last_ms",
                "max_poll_gap_ms", "max_ping_gap_ms", "sources", "echoes", "last_source",
                "mark_poll_ms"]


NUMERIC = ["polls", "pings", "overlaps", "echoes", "mark_poll_ms"]


def _ip_int(s):
    a, b, c, d = (int(x) for x in s.split("."))
    return a << 24 | b << 16 | c << 8 | d


class PollLog:
    """One write of argos-farm's --poll-log: the comment's fields (now_ms,
    mark_ms, ...) in .meta, and the columns bench/scale reads, by device
    index.  Why arrays and not a dict per line: a log of a million
    devices is read three times in a run, and dicts would take gigabytes."""

    def __init__(self, path):
        self.meta = {}
        self.col = {c: array.array("q") for c in NUMERIC}
        self.src = array.array("L")
        self.pos = array.array("l")      # device index -> row + 1, 0: absent
        with open(path) as f:
            head = f.readline().split()
            if head[:3] != ["#", "argos-farm", "poll-log"]:
                raise ValueError("%s: not an argos-farm poll log (first line %r)" % (path, head))
            for k, v in zip(head[3::2], head[4::2]):
                self.meta[k] = int(v) if re.fullmatch(r"-?\d+", v) else v
            cols = f.readline().split()
            if cols[:len(PLOG_COLUMNS)] != PLOG_COLUMNS:
                raise ValueError("%s: unknown header %r" % (path, cols))
            at = {c: cols.index(c) for c in NUMERIC + ["device", "last_source"]}
            row = 0
            for line in f:
                v = line.split()
                if len(v) < len(cols):
                    continue
                dev = int(v[at["device"]])
                if dev >= len(self.pos):
                    self.pos.extend([0] * (dev + 1 - len(self.pos) + len(self.pos) // 2))
                row += 1
                self.pos[dev] = row
                for c in NUMERIC:
                    self.col[c].append(int(v[at[c]]))
                self.src.append(_ip_int(v[at["last_source"]]))

    def has(self, i):
        return i < len(self.pos) and self.pos[i] > 0

    def get(self, i, col, absent=0):
        """Column col of device i; absent when the device is not in the log."""
        return self.col[col][self.pos[i] - 1] if self.has(i) else absent

    def source(self, i):
        """The last SNMP source of device i as an integer, 0 when absent."""
        return self.src[self.pos[i] - 1] if self.has(i) else 0


def steady(before, after, devices):
    """What happened between two writes, for the devices the bench loaded
    (device indexes): polls, pings (ping rounds), echoes, the devices with
    no poll start, and the devices (and requests) polled twice at once."""
    polls = pings = echoes = never = twice = overlaps = 0
    for i in devices:
        p = after.get(i, "polls") - before.get(i, "polls")
        o = after.get(i, "overlaps") - before.get(i, "overlaps")
        polls += p
        pings += after.get(i, "pings") - before.get(i, "pings")
        echoes += after.get(i, "echoes") - before.get(i, "echoes")
        never += p == 0
        twice += o > 0
        overlaps += o
    return {"polls": polls, "pings": pings, "echoes": echoes, "never_polled": never,
            "twice_devices": twice, "twice_requests": overlaps}


def takeover(at_kill, after, dead_ip, devices):
    """The kill's take-over: the devices whose last SNMP request at the
    kill came from dead_ip (at_kill: the log written on the SIGUSR1 sent
    at the kill, whose instant became the mark), and when each was next
    polled (after: a later write without a new mark, SIGUSR2 or the
    exit, whose mark_poll_ms counts from the kill's mark).
    Returns (seconds until the last of them was polled again, or None
    when one never was; how many there were; how many were not)."""
    mark = after.meta.get("mark_ms", -1)
    if mark < 0:
        return None, 0, 0
    dead = _ip_int(dead_ip)
    owned = [i for i in devices if at_kill.source(i) == dead]
    worst, missing = 0, 0
    for i in owned:
        mp = after.get(i, "mark_poll_ms", -1)
        if mp < 0:
            missing += 1
        else:
            worst = max(worst, mp - mark)
    if missing:
        return None, len(owned), missing
    return worst / 1000.0, len(owned), 0


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Prometheus text format into [(name, {labels}, value)]."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            continue
        try:
            v = float(m.group(4))
        except ValueError:
            continue
        out.append((m.group(1), dict(_LABEL.findall(m.group(3) or "")), v))
    return out


def metric_sum(samples, name, **labels):
    """The sum of a metric's samples whose labels include labels; None when absent."""
    vals = [v for n, l, v in samples if n == name and all(l.get(k) == x for k, x in labels.items())]
    return sum(vals) if vals else None


def buckets(samples, name, **labels):
    """A histogram's cumulative buckets {le: count} (summed over the samples
    that match labels); {} when the histogram is absent."""
    b = {}
    for n, l, v in samples:
        if n == name + "_bucket" and all(l.get(k) == x for k, x in labels.items()) and "le" in l:
            le = math.inf if l["le"] in ("+Inf", "Inf") else float(l["le"])
            b[le] = b.get(le, 0.0) + v
    return b


def quantile(q, before, after):
    """histogram_quantile(q) of the bucket deltas after - before, as
    Prometheus computes it (linear inside a bucket, the lower bound of
    the first bucket 0, the last finite bound when q falls in +Inf).
    None when the histogram is absent or nothing was observed."""
    if not after:
        return None
    les = sorted(after)
    cum = [after[le] - before.get(le, 0.0) for le in les]
    total = cum[-1] if les[-1] == math.inf else None
    if not total or total <= 0:
        return None
    rank = q * total
    lo_le, lo_c = 0.0, 0.0
    for le, c in zip(les, cum):
        if c >= rank:
            if le == math.inf:
                return lo_le
            if c == lo_c:
                return le
            return lo_le + (le - lo_le) * (rank - lo_c) / (c - lo_c)
        lo_le, lo_c = le, c
    return lo_le
