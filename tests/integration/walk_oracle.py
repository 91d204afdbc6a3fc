#!/usr/bin/env python3
"""walk_oracle: compare what argos polled from one device with net-snmp's view.

Usage:
  walk_oracle.py --jsonl RESULTS.jsonl --device-id h1 \
                 --walk1 WALK_BEFORE.txt --walk2 WALK_AFTER.txt

WALK_BEFORE / WALK_AFTER are the (concatenated) outputs of
  snmpbulkwalk -v2c -c public -On -Oe -Ot -Ox ADDR ROOT
taken before and after argos polled the device. RESULTS.jsonl is argos's
JSON Lines output; only {"kind": "snmp"} lines of the given device count.

Rules:
  * The OIDs must be the same: every OID in both walks must come from argos
    ("missing"), and argos must not report an OID neither walk has ("extra").
    An OID present in only one of the walks (a row that came or went) may be
    present or absent in argos.
  * For each OID the type must be equal.
  * If walk1 and walk2 agree on the value, argos's value must be equal.
    Otherwise the value "moved" between the walks, and only OID and type are
    compared -- except Counter32/Counter64/TimeTicks, where argos's value must
    lie between walk1's and walk2's (if walk2 < walk1 the counter wrapped or
    was reset and only the type is checked).
  * If argos reported an OID several times, each report is checked.

Prints every mismatch in plain words, then
  walk_oracle: DEV: N varbinds compared, M moved, K mismatches
Exit status: 0 all good; 1 any mismatch or nothing compared; 2 bad input
(unreadable or unparseable walk file, bad arguments).

Standard library only.
"""

import argparse
import json
import re
import struct
import sys

TYPES = (
    "Integer", "OctetString", "ObjectIdentifier", "IpAddress", "Counter32",
    "Gauge32", "TimeTicks", "Opaque", "Counter64", "Null",
)
INT_TYPES = ("Integer", "Counter32", "Gauge32", "TimeTicks", "Counter64")
MONOTONIC = ("Counter32", "Counter64", "TimeTicks")

# A line that starts a varbind in -On output: ".1.3.6.1... = VALUE"
VARBIND_RE = re.compile(r"^\.?(\d+(?:\.\d+)*) = ?(.*)$")
HEX_BYTE_RE = re.compile(r"[0-9A-Fa-f]{2}")
# Values that may continue on following lines (16 hex bytes per line, or a
# quoted string holding newlines).
MULTILINE_OK = ("Hex-STRING:", "STRING:", '"', "BITS:", "OPAQUE:", "Opaque:")
# Answers that are not values: no varbind for this OID.
EXCEPTIONS = (
    "No Such Object available",
    "No Such Instance currently exists",
    "No more variables left in this MIB View",
)


class WalkError(Exception):
    """The walk file cannot be understood."""


class Value:
    """A typed SNMP value: type name from TYPES, canonical Python value.

    Canonical values: int for INT_TYPES, lowercase hex str for OctetString
    and raw Opaque, dotted str (no leading dot) for ObjectIdentifier and
    IpAddress, None for Null. A decoded Opaque (net-snmp prints
    "Opaque: Float: 0.41") is kept as ("Float", "0.410000") so that argos's
    raw bytes can be decoded and compared the same way.
    """

    __slots__ = ("type", "val")

    def __init__(self, typ, val):
        self.type = typ
        self.val = val

    def __eq__(self, other):
        return (self.type, self.val) == (other.type, other.val)

    def __hash__(self):
        return hash((self.type, self.val))

    def show(self):
        return f"{self.type} {show_val(self.type, self.val)}"


def show_val(typ, val):
    """The value as an operator wants to read it."""
    if val is None:
        return "(null)"
    if isinstance(val, tuple):
        return f"{val[0]} {val[1]}"
    if typ == "OctetString" and isinstance(val, str):
        if val == "":
            return '"" (empty)'
        try:
            text = bytes.fromhex(val).decode("ascii")
        except ValueError:
            text = None
        if text is not None and text.isprintable():
            return f'{val} ("{text}")'
        return val
    return str(val)


# --- snmpbulkwalk output ----------------------------------------------------

def _first_int(text, what):
    m = re.match(r"^\s*(-?\d+)", text)
    if not m:
        # INTEGER with an enum label when -Oe was not honoured: "up(1)"
        m = re.search(r"\((-?\d+)\)", text)
    if not m:
        raise WalkError(f"cannot read a number for {what} from {text!r}")
    return int(m.group(1))


def _is_hex_tokens(text):
    return all(HEX_BYTE_RE.fullmatch(tok) for tok in text.split())


def _hex_tokens(text):
    """ "4C 69 6E \n75 " (any whitespace between bytes) -> "4c696e75" """
    if not _is_hex_tokens(text):
        raise WalkError(f"not hex bytes: {text.strip()!r}")
    return "".join(text.split()).lower()


def _quoted_string(text):
    """Body of a net-snmp STRING: "..." (may span lines) -> raw bytes hex."""
    if not (text.startswith('"') and text.endswith('"') and len(text) >= 2):
        raise WalkError(f"unterminated quoted string: {text!r}")
    body = text[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body) and body[i + 1] in '"\\':
            out.append(ord(body[i + 1]))
            i += 2
            continue
        out.append(ord(c))  # file read as latin-1: one char == one byte
        i += 1
    return out.hex()


def _opaque(rest):
    """net-snmp prints Opaque either decoded or as raw bytes."""
    for kind in ("Float", "Double"):
        if rest.startswith(kind + ":"):
            num = rest[len(kind) + 1:].split()[0]
            return Value("Opaque", (kind, "%f" % float(num)))
    for kind in ("Counter64", "UInt64", "Int64", "I64", "U64"):
        if rest.startswith(kind + ":"):
            canon = {"I64": "Int64", "U64": "UInt64"}.get(kind, kind)
            return Value("Opaque", (canon, str(_first_int(rest[len(kind) + 1:], kind))))
    if rest.startswith("Hex-STRING:"):
        rest = rest[len("Hex-STRING:"):]
    return Value("Opaque", _hex_tokens(rest))


def parse_value(text):
    """One varbind's value text (continuation lines joined with newlines)
    -> Value, or None for an exception (noSuchObject etc.)."""
    t = text.strip("\r\n")
    if t.startswith("Wrong Type (should be"):
        t = t.split("): ", 1)[1] if "): " in t else t
    for exc in EXCEPTIONS:
        if t.startswith(exc):
            return None
    if t.startswith("Hex-STRING:"):
        return Value("OctetString", _hex_tokens(t[len("Hex-STRING:"):]))
    if t.startswith("STRING:"):
        return Value("OctetString", _quoted_string(t[len("STRING:"):].strip(" ")))
    if t.startswith('"'):
        return Value("OctetString", _quoted_string(t))
    if t.startswith("BITS:"):
        # "BITS: 80 00 bitName(0)"
        toks = []
        for tok in t[len("BITS:"):].split():
            if HEX_BYTE_RE.fullmatch(tok):
                toks.append(tok)
            else:
                break
        return Value("OctetString", "".join(toks).lower())
    if t.startswith("INTEGER:"):
        return Value("Integer", _first_int(t[len("INTEGER:"):], "INTEGER"))
    for label, typ in (("Counter32:", "Counter32"), ("Counter:", "Counter32"),
                       ("Gauge32:", "Gauge32"), ("Gauge:", "Gauge32"),
                       ("UInteger32:", "Gauge32"), ("Unsigned32:", "Gauge32"),
                       ("Counter64:", "Counter64")):
        if t.startswith(label):
            return Value(typ, _first_int(t[len(label):], label[:-1]))
    if t.startswith("Timeticks:"):
        return Value("TimeTicks", _first_int(t[len("Timeticks:"):].lstrip(" ("), "Timeticks"))
    if re.fullmatch(r"\d+", t):
        # -Ot prints TimeTicks as a bare number with no type label.
        return Value("TimeTicks", int(t))
    if t.startswith("OID:"):
        return Value("ObjectIdentifier", t[len("OID:"):].strip().lstrip("."))
    if t.startswith("IpAddress:"):
        return Value("IpAddress", t[len("IpAddress:"):].strip())
    if t.startswith("Network Address:"):
        raw = t[len("Network Address:"):].strip().replace(":", " ")
        b = bytes.fromhex(_hex_tokens(raw))
        return Value("IpAddress", ".".join(str(x) for x in b))
    if t.startswith("Opaque:") or t.startswith("OPAQUE:"):
        return _opaque(t.split(":", 1)[1].strip())
    if t == "NULL" or t.startswith("NULL"):
        return Value("Null", None)
    raise WalkError(f"unknown value format {t!r}")


def parse_walk(path):
    """Parse snmpbulkwalk -On output. Returns {oid: Value}."""
    try:
        with open(path, encoding="latin-1") as f:
            lines = f.read().split("\n")
    except OSError as e:
        raise WalkError(f"cannot read {path}: {e.strerror}") from None
    records = []  # [lineno, oid, text]
    for n, line in enumerate(lines, 1):
        line = line.rstrip("\r")
        m = VARBIND_RE.match(line) if line.startswith(".") else None
        if m:
            records.append([n, m.group(1), m.group(2)])
        elif not records:
            if line.strip():
                raise WalkError(f"{path}:{n}: expected '.OID = value', got {line!r}")
        else:
            # Continuation of the previous value: more Hex-STRING bytes, or
            # a STRING value containing newlines.
            records[-1][2] += "\n" + line
    result = {}
    for n, oid, text in records:
        text = text.rstrip("\n")
        if text.startswith("Hex-STRING:") and not _is_hex_tokens(text[len("Hex-STRING:"):]):
            raise WalkError(f"{path}:{n}: {oid}: garbage after hex bytes "
                            f"(an error message mixed into the walk?): {text!r}")
        if "\n" in text and not text.startswith(MULTILINE_OK):
            raise WalkError(f"{path}:{n}: {oid}: unexpected line after a one-line value "
                            f"(an error message mixed into the walk?): {text!r}")
        try:
            v = parse_value(text)
        except (WalkError, ValueError, IndexError) as e:
            raise WalkError(f"{path}:{n}: {oid}: {e}") from None
        if v is None:
            continue
        if oid in result and result[oid] != v:
            raise WalkError(f"{path}:{n}: {oid} appears twice with different values")
        result[oid] = v
    return result


# --- argos JSON Lines -------------------------------------------------------

def decode_opaque(hexval):
    """argos's raw Opaque bytes -> the decoded form net-snmp would print,
    or None if they are not a net-snmp special Opaque type."""
    try:
        b = bytes.fromhex(hexval)
    except ValueError:
        return None
    if len(b) < 3 or b[0] != 0x9F or b[2] != len(b) - 3:
        return None
    tag, payload = b[1], b[3:]
    if tag == 0x78 and len(payload) == 4:
        return ("Float", "%f" % struct.unpack(">f", payload)[0])
    if tag == 0x79 and len(payload) == 8:
        return ("Double", "%f" % struct.unpack(">d", payload)[0])
    if tag in (0x76, 0x7B) and 0 < len(payload) <= 9:
        name = "Counter64" if tag == 0x76 else "UInt64"
        return (name, str(int.from_bytes(payload, "big") & (2**64 - 1)))
    if tag == 0x7A and 0 < len(payload) <= 8:
        return ("Int64", str(int.from_bytes(payload, "big", signed=True)))
    return None


def argos_value(rec):
    """One argos snmp record -> (Value, problem-or-None)."""
    typ = rec.get("type")
    val = rec.get("value")
    if typ not in TYPES:
        return None, f"unknown type {typ!r}"
    if typ in INT_TYPES:
        if not isinstance(val, int) or isinstance(val, bool):
            return None, f"{typ} value {val!r} is not a JSON integer"
        return Value(typ, val), None
    if typ in ("OctetString", "Opaque"):
        if not isinstance(val, str) or not re.fullmatch(r"(?:[0-9a-f]{2})*", val):
            return None, f"{typ} value {val!r} is not lowercase hex bytes"
        return Value(typ, val), None
    if typ == "ObjectIdentifier":
        if not isinstance(val, str) or not re.fullmatch(r"\d+(?:\.\d+)*", val):
            return None, f"ObjectIdentifier value {val!r} is not dotted without a leading dot"
        return Value(typ, val), None
    if typ == "IpAddress":
        if not isinstance(val, str) or not re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", val):
            return None, f"IpAddress value {val!r} is not a dotted quad"
        return Value(typ, val), None
    return Value("Null", None), None


def read_jsonl(path, device_id):
    """Returns ({oid: [Value, ...]}, {oid with a malformed record},
    [problem, ...], n_lines_for_device)."""
    got = {}
    bad = set()  # OIDs argos reported in a malformed way (already a problem)
    problems = []
    count = 0
    try:
        f = open(path, encoding="utf-8")
    except OSError as e:
        raise WalkError(f"cannot read {path}: {e.strerror}") from None
    with f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as e:
                problems.append(f"{path}:{n}: argos wrote a line that is not JSON ({e})")
                continue
            if not isinstance(rec, dict):
                problems.append(f"{path}:{n}: argos wrote a JSON line that is not an object")
                continue
            if rec.get("kind") != "snmp" or rec.get("device_id") != device_id:
                continue
            count += 1
            oid = rec.get("oid")
            if not isinstance(oid, str) or not re.fullmatch(r"\d+(?:\.\d+)*", oid):
                problems.append(f"{path}:{n}: oid {oid!r} is not dotted without a leading dot")
                continue
            v, problem = argos_value(rec)
            if problem:
                problems.append(f"{device_id} {oid}: {problem} (line {n})")
                bad.add(oid)
                continue
            got.setdefault(oid, []).append(v)
    return got, bad, problems, count


# --- comparison ---------------------------------------------------------------

def oid_key(oid):
    return tuple(int(x) for x in oid.split("."))


def same_value(want, have):
    """Is argos's Value `have` the value snmpbulkwalk printed as `want`?"""
    if want.type == "Opaque" and isinstance(want.val, tuple):
        return decode_opaque(have.val) == want.val
    return want.val == have.val


def compare(dev, walk1, walk2, argos, bad=frozenset()):
    """Returns (compared, moved, [mismatch messages]). OIDs in `bad` were
    reported malformed by argos (already counted) and are not "missing"."""
    out = []
    required = set(walk1) & set(walk2)
    allowed = set(walk1) | set(walk2)
    compared = 0
    moved = 0
    for oid in sorted(allowed | set(argos), key=oid_key):
        w1, w2 = walk1.get(oid), walk2.get(oid)
        ref = w1 or w2
        if oid not in argos:
            if oid in required and oid not in bad:
                out.append(f"{dev} {oid}: missing from argos (snmpbulkwalk says {ref.show()})")
            continue
        if oid not in allowed:
            for v in argos[oid]:
                out.append(f"{dev} {oid}: extra from argos ({v.show()}), "
                           "snmpbulkwalk has no such OID")
            continue
        compared += 1
        stable = w1 is not None and w2 is not None and w1 == w2
        if not stable:
            moved += 1
        want_types = {w.type for w in (w1, w2) if w is not None}
        for v in argos[oid]:
            if v.type not in want_types:
                out.append(f"{dev} {oid}: type {v.type} from argos, "
                           f"snmpbulkwalk says {' or '.join(sorted(want_types))}")
                continue
            if stable:
                if not same_value(w1, v):
                    mine = show_val(v.type, v.val)
                    if isinstance(w1.val, tuple):  # decoded Opaque
                        dec = decode_opaque(v.val)
                        mine += f" ({show_val(v.type, dec)})" if dec else " (not a float/int64 Opaque)"
                    out.append(f"{dev} {oid}: value {mine} from argos, "
                               f"snmpbulkwalk says {show_val(w1.type, w1.val)}")
                continue
            if (w1 is not None and w2 is not None and w1.type == w2.type == v.type
                    and v.type in MONOTONIC and w2.val >= w1.val):
                if not w1.val <= v.val <= w2.val:
                    out.append(f"{dev} {oid}: {v.type} {v.val} from argos is outside what "
                               f"snmpbulkwalk saw before ({w1.val}) and after ({w2.val})")
    return compared, moved, out


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Compare argos's SNMP results for one device with two snmpbulkwalks.")
    ap.add_argument("--jsonl", required=True, help="argos JSON Lines output")
    ap.add_argument("--device-id", required=True, help="device id as in the devices file")
    ap.add_argument("--walk1", required=True, help="snmpbulkwalk -On -Oe -Ot -Ox output, before")
    ap.add_argument("--walk2", required=True, help="snmpbulkwalk -On -Oe -Ot -Ox output, after")
    args = ap.parse_args(argv)
    dev = args.device_id
    try:
        walk1 = parse_walk(args.walk1)
        walk2 = parse_walk(args.walk2)
        argos, bad, problems, nlines = read_jsonl(args.jsonl, dev)
    except WalkError as e:
        print(f"walk_oracle: {dev}: error: {e}", file=sys.stderr)
        return 2
    if not walk1 and not walk2:
        print(f"walk_oracle: {dev}: both walks are empty: did snmpbulkwalk reach the device?")
    if nlines == 0:
        print(f"walk_oracle: {dev}: argos reported no snmp varbinds for device {dev!r}")
    compared, moved, mismatches = compare(dev, walk1, walk2, argos, bad)
    mismatches = problems + mismatches
    for m in mismatches:
        print(m)
    print(f"walk_oracle: {dev}: {compared} varbinds compared, {moved} moved, "
          f"{len(mismatches)} mismatches")
    return 1 if mismatches or compared == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
