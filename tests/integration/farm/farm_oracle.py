#!/usr/bin/env python3
"""farm_oracle: argos-farm's value function, re-implemented from its man
page (docs/argos-farm.1.md), and the checks the farm tests make with it.

Usage:
  farm_oracle.py walk --ip A.B.C.D --interfaces K --time T [--v1]
      print the device's whole MIB at time T, one "OID TYPE VALUE" a line
      (walk and check-walk take --port P --ports A-B: the device on UDP
      port P of a farm run with --ports A-B; default the first port)
  farm_oracle.py check-walk --ip A.B.C.D --interfaces K --t0 T0 --t1 T1
                 [--v1] [--root OID] WALK.txt
      WALK.txt is snmpbulkwalk/snmpwalk -On -Oe -Ot -Ox output of the
      device under --root (default: the whole MIB).  Every OID must be
      the oracle's, in its order, none missing; every value must equal
      the oracle at some second in [T0, T1].  With --subset (snmpget
      output) the OIDs need only be the MIB's.
  farm_oracle.py check-jsonl --jsonl OUT.jsonl --devices DEVICES.csv
                 --interfaces K [--dead PCT]
      argos's JSON Lines output of one --once poll of the farm: every
      live device has exactly the varbinds of system, ifTable and
      ifXTable, each equal to the oracle within two seconds of its
      ts_ms; every device --dead PCT makes dead has a timeout error and
      no value; nothing else has an error.
  farm_oracle.py dead --devices CIDR --dead PCT
      print the addresses the farm makes dead.

Standard library only.  Exit status 0 when all holds, 1 otherwise.
"""

import argparse
import csv
import ipaddress
import json
import re
import sys

M64 = (1 << 64) - 1
UPTIME_EPOCH = 1700000000
SALT_DEAD = 1 << 40
SALT_SLOW = 2 << 40
# Rate ceiling per counter kind (units per second).
RATE_MAX = [0, 100000000, 100000, 1000, 10, 10, 10,
            100000000, 100000, 1000, 10, 10, 1000, 1000, 1000, 1000]


def mix64(x):
    x = (x + 0x9E3779B97F4A7C15) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


PORT_BASE = 161   # the farm's --ports A
PORT_INDEX = 0    # the device's port - A


def hkey(ip):
    """The device's bits of the value hash: address, port index."""
    return (ip << 32) | (PORT_INDEX << 21)


def devname(ip):
    """A.B.C.D, and :PORT after it for a port past the first."""
    return dotted(ip) + (":%d" % (PORT_BASE + PORT_INDEX) if PORT_INDEX else "")


def counter(ip, ifindex, kind, t):
    h = mix64(hkey(ip) | (ifindex << 8) | kind)
    return (h >> 20) + t * (h % RATE_MAX[kind])


def device_is(ip, salt, pct):
    ppm = int(pct * 10000 + 0.5)
    return ppm > 0 and mix64(ip | salt) % 1000000 < ppm


def dotted(ip):
    return str(ipaddress.IPv4Address(ip))


def hexs(s):
    return s.encode().hex()


# (prefix, type, value function(ip, i, t, n_if)); instance 0 for scalars.
def C(kind, bits):
    mask = (1 << bits) - 1
    return lambda ip, i, t, n: counter(ip, i, kind, t) & mask


def K(v):
    return lambda ip, i, t, n: v


SYSTEM = [
    (1, "OctetString", K(hexs("argos-farm simulated device"))),
    (2, "ObjectIdentifier", K("1.3.6.1.4.1.8072.3.2.10")),
    (3, "TimeTicks", lambda ip, i, t, n:
        ((t + mix64(hkey(ip)) % 86400 - UPTIME_EPOCH) * 100) % (1 << 32)),
    (4, "OctetString", K(hexs("noc@farm.invalid"))),
    (5, "OctetString", lambda ip, i, t, n: hexs("dev-" + devname(ip))),
    (6, "OctetString", K(hexs("argos-farm"))),
    (7, "Integer", K(72)),
]
IF_TABLE = [
    (1, "Integer", lambda ip, i, t, n: i),
    (2, "OctetString", lambda ip, i, t, n: hexs("GigabitEthernet0/%d" % i)),
    (3, "Integer", K(6)),
    (4, "Integer", K(1500)),
    (5, "Gauge32", lambda ip, i, t, n: 4294967295 if i % 4 == 0 else 1000000000),
    (6, "OctetString", lambda ip, i, t, n: bytes(
        [2 | (PORT_INDEX & 0x3F) << 2, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255,
         (i >> 8) & 255, i & 255]).hex()),
    (7, "Integer", K(1)),
    (8, "Integer", K(1)),
    (9, "TimeTicks", K(0)),
] + [(10 + j, "Counter32", C(k, 32)) for j, k in enumerate(range(1, 12))] + [
    (21, "Gauge32", K(0)),
    (22, "ObjectIdentifier", K("0.0")),
]
IFX_TABLE = [
    (1, "OctetString", lambda ip, i, t, n: hexs("Gi0/%d" % i)),
    (2, "Counter32", C(12, 32)),
    (3, "Counter32", C(13, 32)),
    (4, "Counter32", C(14, 32)),
    (5, "Counter32", C(15, 32)),
    (6, "Counter64", C(1, 64)),
    (7, "Counter64", C(2, 64)),
    (8, "Counter64", C(12, 64)),
    (9, "Counter64", C(13, 64)),
    (10, "Counter64", C(7, 64)),
    (11, "Counter64", C(8, 64)),
    (12, "Counter64", C(14, 64)),
    (13, "Counter64", C(15, 64)),
    (14, "Integer", K(1)),
    (15, "Gauge32", lambda ip, i, t, n: 10000 if i % 4 == 0 else 1000),
    (16, "Integer", K(2)),
    (17, "Integer", K(1)),
    (18, "OctetString", lambda ip, i, t, n: alias(ip, i)),
    (19, "TimeTicks", K(0)),
]

ALIAS_BYTES = 0   # the farm's --alias-bytes (0: the short text)


def alias(ip, i):
    """ifAlias: "port i of dev-A.B.C.D", or with --alias-bytes N that text
    and a space, repeated to N bytes."""
    text = "port %d of dev-%s" % (i, devname(ip))
    if ALIAS_BYTES:
        unit = text + " "
        text = (unit * (ALIAS_BYTES // len(unit) + 1))[:ALIAS_BYTES]
    return hexs(text)


def objects(n_if, v1=False):
    """The MIB as (oid tuple, type, fn, ifindex), in lexicographic order."""
    out = [((1, 3, 6, 1, 2, 1, 1, c, 0), ty, fn, 0) for c, ty, fn in SYSTEM]
    out.append(((1, 3, 6, 1, 2, 1, 2, 1, 0), "Integer", lambda ip, i, t, n: n, 0))
    for base, table in (((1, 3, 6, 1, 2, 1, 2, 2, 1), IF_TABLE),
                        ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1), IFX_TABLE)):
        for c, ty, fn in table:
            if v1 and ty == "Counter64":
                continue
            out += [(base + (c, i), ty, fn, i) for i in range(1, n_if + 1)]
    assert out == sorted(out, key=lambda o: o[0])
    return out


def oid_str(o):
    return ".".join(map(str, o))


def under(oid, root):
    return len(oid) > len(root) and oid[:len(root)] == root


# ---- snmpwalk output ------------------------------------------------------

LINE_RE = re.compile(r"^\.?(\d+(?:\.\d+)*) = (.*)$")
TYPE_MAP = {"INTEGER": "Integer", "Hex-STRING": "OctetString", "STRING": "OctetString",
            "OID": "ObjectIdentifier", "Gauge32": "Gauge32", "Counter32": "Counter32",
            "Counter64": "Counter64", "Timeticks": "TimeTicks"}


def parse_walk(path):
    """[(oid tuple, type, value)] from -On -Oe -Ot -Ox output."""
    out = []
    for line in open(path):
        line = line.rstrip("\n")
        m = LINE_RE.match(line)
        if not m:
            if out and out[-1][1] == "OctetString" and re.fullmatch(r"[0-9A-Fa-f ]+", line):
                o, ty, v = out[-1]
                out[-1] = (o, ty, v + line.replace(" ", "").lower())
            continue
        oid = tuple(int(x) for x in m.group(1).split("."))
        rest = m.group(2)
        if rest.startswith("No more variables") or rest.startswith("No Such"):
            continue
        if ": " in rest or rest.endswith(":"):
            tname, _, val = rest.partition(":")
            val = val.strip()
        elif rest == '""':
            tname, val = "Hex-STRING", ""
        else:
            tname, val = "Timeticks", rest     # -Ot prints TimeTicks bare
        ty = TYPE_MAP.get(tname, tname)
        if ty == "OctetString":
            val = val.strip('"').replace(" ", "").lower() if tname == "Hex-STRING" \
                else val.strip('"').encode().hex()
        elif ty == "ObjectIdentifier":
            val = val.lstrip(".")
        else:
            val = int(val)
        out.append((oid, ty, val))
    return out


def matches(obj, ip, ty, val, times, n_if):
    o_oid, o_ty, fn, i = obj
    return o_ty == ty and any(fn(ip, i, t, n_if) == val for t in times)


def check_walk(a):
    ip = int(ipaddress.IPv4Address(a.ip))
    root = tuple(int(x) for x in a.root.split(".")) if a.root else ()
    want = [o for o in objects(a.interfaces, a.v1) if not root or under(o[0], root)]
    got = parse_walk(a.walk)
    times = range(a.t0, a.t1 + 1)
    bad = 0
    if not got:
        print("walk of %s: no varbinds in %s" % (a.ip, a.walk))
        bad += 1
    if a.subset:
        extra = [g[0] for g in got if g[0] not in {w[0] for w in want}]
        if extra:
            print("%s: %s is not in the farm's MIB" % (a.ip, oid_str(extra[0])))
            bad += 1
    elif [g[0] for g in got] != [w[0] for w in want]:
        gs, ws = {g[0] for g in got}, {w[0] for w in want}
        print("walk of %s: the OIDs differ from the farm's MIB: %d missing (first %s), "
              "%d extra (first %s), or out of order"
              % (a.ip, len(ws - gs), oid_str(min(ws - gs)) if ws - gs else "-",
                 len(gs - ws), oid_str(min(gs - ws)) if gs - ws else "-"))
        bad += 1
    by_oid = {w[0]: w for w in want}
    for oid, ty, val in got:
        w = by_oid.get(oid)
        if w and not matches(w, ip, ty, val, times, a.interfaces):
            bad += 1
            if bad < 10:
                print("walk of %s: %s is %s %r, the value function gives %s %r at t=%d"
                      % (a.ip, oid_str(oid), ty, val, w[1], w[2](ip, w[3], a.t0, a.interfaces),
                         a.t0))
    print("farm_oracle: walk of %s: %d varbinds compared, %d wrong" % (a.ip, len(got), bad))
    return bad == 0


def check_jsonl(a):
    devs = {}
    with open(a.devices) as f:
        for row in csv.DictReader(f):
            devs[row["id"]] = (int(ipaddress.IPv4Address(row["ip_address"])),
                               row["snmp_version"] in ("1", "v1"))
    roots = [(1, 3, 6, 1, 2, 1, 1), (1, 3, 6, 1, 2, 1, 2, 2, 1), (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)]
    mibs = {v1: {o[0]: o for o in objects(a.interfaces, v1) if any(under(o[0], r) for r in roots)}
            for v1 in (False, True)}
    seen = {d: {} for d in devs}
    errors = {d: [] for d in devs}
    bad = 0

    def fail(msg):
        nonlocal bad
        bad += 1
        if bad <= 15:
            print(msg)

    for line in open(a.jsonl):
        r = json.loads(line)
        d = r.get("device_id")
        if d not in devs:
            fail("argos reported a device that is not in the devices file: %r" % d)
            continue
        ip, v1 = devs[d]
        if r["kind"] == "error":
            errors[d].append(r)
        elif r["kind"] == "snmp":
            oid = tuple(int(x) for x in r["oid"].split("."))
            obj = mibs[v1].get(oid)
            if obj is None:
                fail("%s: argos reported %s, which the farm's MIB does not have" % (d, r["oid"]))
                continue
            if oid in seen[d]:
                fail("%s: %s reported twice" % (d, r["oid"]))
            seen[d][oid] = 1
            sec = r["ts_ms"] // 1000
            if not matches(obj, ip, r["type"], r["value"], range(sec - 2, sec + 2),
                           a.interfaces):
                fail("%s: %s is %s %r at ts %d, the value function gives %s %r"
                     % (d, r["oid"], r["type"], r["value"], r["ts_ms"], obj[1],
                        obj[2](ip, obj[3], sec, a.interfaces)))
    n_dead = n_live = 0
    for d, (ip, v1) in devs.items():
        if device_is(ip, SALT_DEAD, a.dead):
            n_dead += 1
            if seen[d]:
                fail("%s (%s) is dead in the farm, yet argos has %d values from it"
                     % (d, dotted(ip), len(seen[d])))
            if not any(e["error"] == "timeout" and e["probe"] == "snmp" for e in errors[d]):
                fail("%s (%s) is dead in the farm, but its poll did not end in a timeout: %s"
                     % (d, dotted(ip), errors[d]))
            continue
        n_live += 1
        if errors[d]:
            fail("%s (%s) is alive in the farm, but argos reports errors: %s"
                 % (d, dotted(ip), errors[d][:2]))
        if len(seen[d]) != len(mibs[v1]):
            fail("%s (%s): argos has %d of the %d varbinds of system, ifTable and ifXTable"
                 % (d, dotted(ip), len(seen[d]), len(mibs[v1])))
    print("farm_oracle: %d live devices, %d dead, %d varbinds checked, %d problems"
          % (n_live, n_dead, sum(len(s) for s in seen.values()), bad))
    return bad == 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("walk")
    w.add_argument("--ip", required=True)
    w.add_argument("--interfaces", type=int, required=True)
    w.add_argument("--time", type=int, required=True)
    w.add_argument("--v1", action="store_true")
    c = sub.add_parser("check-walk")
    c.add_argument("--ip", required=True)
    c.add_argument("--interfaces", type=int, required=True)
    c.add_argument("--t0", type=int, required=True)
    c.add_argument("--t1", type=int, required=True)
    c.add_argument("--v1", action="store_true")
    c.add_argument("--root")
    c.add_argument("--subset", action="store_true",
                   help="the file holds some of the OIDs (snmpget), in any order")
    c.add_argument("walk")
    j = sub.add_parser("check-jsonl")
    j.add_argument("--jsonl", required=True)
    j.add_argument("--devices", required=True)
    j.add_argument("--interfaces", type=int, required=True)
    j.add_argument("--dead", type=float, default=0.0)
    d = sub.add_parser("dead")
    d.add_argument("--devices", required=True)
    d.add_argument("--dead", type=float, required=True)
    for sp in (w, c, j):
        sp.add_argument("--alias-bytes", type=int, default=0,
                        help="the farm's --alias-bytes (ifAlias length)")
    for sp in (w, c):
        sp.add_argument("--ports", default="161-161", help="the farm's --ports A-B")
        sp.add_argument("--port", type=int, help="the device's UDP port (default A)")
    a = p.parse_args()
    global ALIAS_BYTES, PORT_BASE, PORT_INDEX
    ALIAS_BYTES = getattr(a, "alias_bytes", 0)
    if getattr(a, "ports", None):
        lo, _, hi = a.ports.partition("-")
        PORT_BASE = int(lo)
        port = a.port if a.port is not None else PORT_BASE
        if not PORT_BASE <= port <= int(hi or lo):
            p.error("--port %d is outside --ports %s" % (port, a.ports))
        PORT_INDEX = port - PORT_BASE

    if a.cmd == "walk":
        ip = int(ipaddress.IPv4Address(a.ip))
        for oid, ty, fn, i in objects(a.interfaces, a.v1):
            print(oid_str(oid), ty, fn(ip, i, a.time, a.interfaces))
        return 0
    if a.cmd == "check-walk":
        return 0 if check_walk(a) else 1
    if a.cmd == "check-jsonl":
        return 0 if check_jsonl(a) else 1
    net = ipaddress.IPv4Network(a.devices)
    for addr in net:
        if device_is(int(addr), SALT_DEAD, a.dead):
            print(addr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
