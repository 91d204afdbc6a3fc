#!/usr/bin/env python3
"""hostile_agent.py - a deliberately broken SNMP v2c agent, for argos's
integration test tests/integration/hostile_replies.sh.

It runs inside a network namespace, binds UDP on its addresses, decodes
just enough BER of each request (version, community, PDU type,
request-id, non-repeaters / max-repetitions, the OIDs) and misbehaves
according to the subtree the request's first OID is in, so that one argos
run meets every behaviour.  It serves a tiny MIB under 1.3.6.1.4.1.99999
(see MIB below); GETBULK / GETNEXT / GET are answered from it like a real
agent (lexicographic order, crossing subtrees, endOfMibView at the end,
replies kept to one Ethernet frame: at most 1472 bytes of UDP payload).

  subtree  behaviour       what is sent for each request
  .1       good-twice      the correct reply, twice (the copy is a duplicate)
  .2       spoof           first: community "evil"; request-id + 1; the
                           reply from --spoof-address; the reply from port
                           --wrong-port; a GetRequest (0xA0) instead of a
                           response; then, --gap s later, the correct reply
  .3       late            the first copy of a request-id is ignored; later
                           copies (argos's retries) are answered after
                           --late-delay s (less than argos's timeout)
  .4       header-trunc    the correct reply cut short inside its first
                           varbind, lengths left as they were (so the
                           message header does not parse); --gap s later
                           the correct reply
  .5       varbind-trunc   the reply cut inside its first varbind, with the
                           message, PDU and varbind-list lengths rewritten
                           to fit (the header parses, the varbind does not)
  .6       big             normal (.6.1.0 is a 1400-byte OctetString)
  .7       backwards       varbinds .7.2.0 then .7.1.0 (the walk goes back)
  .8       toobig-then-ok  error-status tooBig while max-repetitions > 1,
                           normal answers at max-repetitions 1
  .9       generr          error-status genErr, error-index 1
  .10      silent          nothing
  .11      toobig-always   error-status tooBig, whatever max-repetitions
  other    normal

Every request to --silent-address is ignored, whatever its OID (argos
ends a device's whole job on a timeout, so the silent behaviour needs a
device of its own).  --mode NAME applies one behaviour to every request
instead (for trying one by hand).

Bounded: each request causes at most 6 datagrams; the agent exits after
--max-seconds or --max-requests, whichever comes first.  Every request
and every datagram sent is logged to stderr, one line each.

Python 3 standard library only.
"""
import argparse
import heapq
import ipaddress
import select
import socket
import sys
import time

ENT = (1, 3, 6, 1, 4, 1, 99999)

T_INTEGER, T_OCTETSTR, T_NULL, T_OID = 0x02, 0x04, 0x05, 0x06
T_SEQUENCE = 0x30
T_IPADDRESS, T_COUNTER32, T_GAUGE32, T_TIMETICKS = 0x40, 0x41, 0x42, 0x43
T_COUNTER64 = 0x46
T_NOSUCHOBJECT, T_ENDOFMIBVIEW = 0x80, 0x82

PDU_GET, PDU_GETNEXT, PDU_RESPONSE, PDU_GETBULK = 0xA0, 0xA1, 0xA2, 0xA5
PDU_NAMES = {0xA0: "GET", 0xA1: "GETNEXT", 0xA2: "RESPONSE", 0xA3: "SET",
             0xA5: "GETBULK", 0xA6: "INFORM", 0xA7: "TRAP2", 0xA8: "REPORT"}

ERR_TOOBIG, ERR_GENERR = 1, 5

MAX_PAYLOAD = 1472          # UDP payload of one 1500-byte Ethernet frame
MAX_REPS_SERVED = 64        # bound on the work of one GETBULK

BEHAVIOURS = {
    1: "good-twice", 2: "spoof", 3: "late", 4: "header-trunc",
    5: "varbind-trunc", 6: "big", 7: "backwards", 8: "toobig-then-ok",
    9: "generr", 10: "silent", 11: "toobig-always",
}
ALL_MODES = sorted(set(BEHAVIOURS.values()) | {"normal"})


# --- BER ------------------------------------------------------------------

def enc_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return bytes([tag]) + enc_len(len(content)) + content


def int_body(v):
    """Minimal two's-complement contents of an INTEGER."""
    n = (v + (v < 0)).bit_length() // 8 + 1
    return v.to_bytes(n, "big", signed=True)


def uint_body(v):
    """Contents of an unsigned type (Counter32/64, Gauge32, TimeTicks):
    minimal, with a 0x00 pad when the top bit would be set."""
    return v.to_bytes(v.bit_length() // 8 + 1, "big")


def oid_body(o):
    out = bytearray()
    for i, arc in enumerate([40 * o[0] + o[1]] + list(o[2:])):
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)


def dec_tlv(buf, off, end):
    """(tag, contents start, contents end) of the TLV at off; raises
    ValueError when it does not fit before end."""
    if off + 2 > end:
        raise ValueError("TLV header beyond the end")
    tag, ln = buf[off], buf[off + 1]
    off += 2
    if ln & 0x80:
        n = ln & 0x7F
        if n == 0 or n > 4 or off + n > end:
            raise ValueError("bad long-form length")
        ln = int.from_bytes(buf[off:off + n], "big")
        off += n
    if off + ln > end:
        raise ValueError("TLV contents beyond the end")
    return tag, off, off + ln


def dec_int(buf, s, e):
    return int.from_bytes(buf[s:e], "big", signed=True)


def dec_oid(b):
    arcs, v = [], 0
    for byte in b:
        v = (v << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(v)
            v = 0
    if not arcs:
        raise ValueError("empty OID")
    first = arcs[0]
    x = min(first // 40, 2)
    return tuple([x, first - 40 * x] + arcs[1:])


def oid_str(o):
    return ".".join(str(a) for a in o)


class Request:
    pass


def parse_request(buf):
    end = len(buf)
    tag, s, e = dec_tlv(buf, 0, end)
    if tag != T_SEQUENCE:
        raise ValueError("not a SEQUENCE")
    r = Request()
    tag, vs, ve = dec_tlv(buf, s, e)
    r.version = dec_int(buf, vs, ve)
    tag, cs, ce = dec_tlv(buf, ve, e)
    r.community = bytes(buf[cs:ce])
    r.pdu, ps, pe = dec_tlv(buf, ce, e)
    vals = []
    off = ps
    for _ in range(3):
        tag, xs, xe = dec_tlv(buf, off, pe)
        if tag != T_INTEGER:
            raise ValueError("PDU field is not an INTEGER")
        vals.append(dec_int(buf, xs, xe))
        off = xe
    r.reqid, r.a, r.b = vals     # a, b: non-repeaters, max-repetitions for GETBULK
    tag, ls, le = dec_tlv(buf, off, pe)
    r.oids = []
    off = ls
    while off < le and len(r.oids) < 64:
        tag, vbs, vbe = dec_tlv(buf, off, le)
        tag, os_, oe = dec_tlv(buf, vbs, vbe)
        r.oids.append(dec_oid(buf[os_:oe]))
        off = vbe
    return r


# --- the MIB -----------------------------------------------------------------

BIG_VALUE = bytes(i % 256 for i in range(1400))


def _mib():
    rows = [
        ((1, 1, 1), T_COUNTER64, uint_body(1)),
        ((1, 1, 2), T_COUNTER64, uint_body(4294967296)),
        ((1, 1, 3), T_COUNTER64, uint_body(18446744073709551615)),
        ((1, 2, 0), T_INTEGER, int_body(-5)),
        ((1, 3, 0), T_OCTETSTR, b""),
        ((2, 1, 0), T_OCTETSTR, b"right after wrong"),
        ((2, 2, 0), T_COUNTER32, uint_body(42)),
        ((3, 1, 0), T_GAUGE32, uint_body(4294967295)),
        ((3, 2, 0), T_INTEGER, int_body(2147483647)),
        ((4, 1, 0), T_COUNTER32, uint_body(4294967295)),
        ((4, 2, 0), T_IPADDRESS, bytes([198, 18, 0, 14])),
        ((5, 1, 0), T_INTEGER, int_body(5)),
        ((5, 2, 0), T_INTEGER, int_body(55)),
        ((6, 1, 0), T_OCTETSTR, BIG_VALUE),
        ((7, 1, 0), T_INTEGER, int_body(71)),
        ((7, 2, 0), T_INTEGER, int_body(72)),
        ((8, 1, 0), T_OID, oid_body(ENT + (8, 42))),
        ((8, 2, 0), T_TIMETICKS, uint_body(8888)),
        ((9, 1, 0), T_INTEGER, int_body(9)),
        ((10, 1, 0), T_INTEGER, int_body(10)),
        ((11, 1, 0), T_INTEGER, int_body(11)),
    ]
    return sorted((ENT + suffix, tag, body) for suffix, tag, body in rows)


MIB = _mib()


def varbind(o, tag, body):
    return tlv(T_SEQUENCE, tlv(T_OID, oid_body(o)) + tlv(tag, body))


def next_row(o):
    for row in MIB:
        if row[0] > o:
            return row
    return None


def get_row(o):
    for row in MIB:
        if row[0] == o:
            return row
    return None


def message(version, community, pdu, reqid, status, index, vbl):
    body = (tlv(T_INTEGER, int_body(reqid)) + tlv(T_INTEGER, int_body(status)) +
            tlv(T_INTEGER, int_body(index)) + tlv(T_SEQUENCE, vbl))
    return tlv(T_SEQUENCE, tlv(T_INTEGER, int_body(version)) +
               tlv(T_OCTETSTR, community) + tlv(pdu, body))


def echo_vbl(req):
    return b"".join(varbind(o, T_NULL, b"") for o in req.oids)


def normal_varbinds(req):
    """The varbinds a correct agent answers req with, as a list of
    encoded varbinds (kept to one frame), or None when even the first
    does not fit (the caller answers tooBig)."""
    vbs = []
    if req.pdu == PDU_GET:
        for o in req.oids:
            row = get_row(o)
            vbs.append(varbind(*row) if row else varbind(o, T_NOSUCHOBJECT, b""))
        return vbs
    if req.pdu == PDU_GETNEXT:
        for o in req.oids:
            row = next_row(o)
            vbs.append(varbind(*row) if row else varbind(o, T_ENDOFMIBVIEW, b""))
        return vbs
    # GETBULK: non-repeaters, then max-repetitions rounds of the rest.
    nonrep = max(0, min(req.a, len(req.oids)))
    maxrep = max(0, min(req.b, MAX_REPS_SERVED))
    candidates = []
    for o in req.oids[:nonrep]:
        row = next_row(o)
        candidates.append(varbind(*row) if row else varbind(o, T_ENDOFMIBVIEW, b""))
    cursors = list(req.oids[nonrep:])
    for _ in range(maxrep):
        if not cursors:
            break
        all_end = True
        for i, c in enumerate(cursors):
            row = next_row(c)
            if row:
                candidates.append(varbind(*row))
                cursors[i] = row[0]
                all_end = False
            else:
                candidates.append(varbind(c, T_ENDOFMIBVIEW, b""))
        if all_end:
            break
    # Keep what fits in one frame (RFC 3416 4.2.3 lets GETBULK answer
    # fewer repetitions than asked).
    for vb in candidates:
        if len(message(req.version, req.community, PDU_RESPONSE, req.reqid, 0, 0,
                       b"".join(vbs + [vb]))) > MAX_PAYLOAD:
            break
        vbs.append(vb)
    if candidates and not vbs:
        return None
    return vbs


# --- the agent -----------------------------------------------------------------

class Agent:
    def __init__(self, args):
        self.args = args
        self.t0 = time.monotonic()
        self.deadline = self.t0 + args.max_seconds
        self.pending = []          # heap of (due, seq, sock, data, dest, label)
        self.seq = 0
        self.requests = 0
        self.sent = 0
        self.late_seen = set()
        self.main = self.bind(args.address, args.port)
        self.spoof = self.bind(args.spoof_address, args.port)
        self.wrongport = self.bind(args.address, args.wrong_port)
        self.silent = self.bind(args.silent_address, args.port) if args.silent_address else None
        self.socks = [s for s in (self.main, self.spoof, self.wrongport, self.silent) if s]

    @staticmethod
    def bind(addr, port):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.setblocking(False)
        return s

    def log(self, msg):
        print("hostile_agent: %7.3f %s" % (time.monotonic() - self.t0, msg),
              file=sys.stderr, flush=True)

    def send(self, sock, data, dest, label, delay=0.0):
        self.seq += 1
        heapq.heappush(self.pending, (time.monotonic() + delay, self.seq, sock, data,
                                      dest, label))

    def flush(self):
        now = time.monotonic()
        while self.pending and self.pending[0][0] <= now:
            _, _, sock, data, dest, label = heapq.heappop(self.pending)
            try:
                sock.sendto(data, dest)
                self.sent += 1
                src = sock.getsockname()
                self.log("  sent %s: %d bytes %s:%d -> %s:%d" %
                         (label, len(data), src[0], src[1], dest[0], dest[1]))
            except OSError as e:
                self.log("  could not send %s: %s" % (label, e))

    def behaviour(self, sock, req):
        if sock is self.silent:
            return "silent"
        if self.args.mode:
            return self.args.mode
        o = req.oids[0] if req.oids else ()
        if len(o) > len(ENT) and o[:len(ENT)] == ENT:
            return BEHAVIOURS.get(o[len(ENT)], "normal")
        return "normal"

    def handle(self, sock, data, src):
        self.requests += 1
        here = sock.getsockname()
        try:
            req = parse_request(data)
        except (ValueError, IndexError) as e:
            self.log("request #%d from %s:%d to %s:%d: undecodable (%s), ignored" %
                     (self.requests, src[0], src[1], here[0], here[1], e))
            return
        beh = self.behaviour(sock, req)
        pdu = PDU_NAMES.get(req.pdu, "0x%02X" % req.pdu)
        extra = (" non-rep=%d max-rep=%d" % (req.a, req.b)) if req.pdu == PDU_GETBULK else ""
        self.log("request #%d from %s:%d to %s:%d %s id=%d community=%r%s oid=%s -> %s" %
                 (self.requests, src[0], src[1], here[0], here[1], pdu, req.reqid,
                  req.community.decode("latin-1"), extra,
                  oid_str(req.oids[0]) if req.oids else "-", beh))
        if req.pdu not in (PDU_GET, PDU_GETNEXT, PDU_GETBULK):
            self.log("  not a request PDU: ignored")
            return
        self.respond(sock, req, src, beh)

    def respond(self, sock, req, src, beh):
        a = self.args
        vbs = normal_varbinds(req)
        if vbs is None:
            good = message(req.version, req.community, PDU_RESPONSE, req.reqid,
                           ERR_TOOBIG, 0, b"")
        else:
            good = message(req.version, req.community, PDU_RESPONSE, req.reqid, 0, 0,
                           b"".join(vbs))

        def reply(community=req.community, pdu=PDU_RESPONSE, reqid=req.reqid,
                  status=0, index=0, vbl=None):
            return message(req.version, community, pdu, reqid, status, index,
                           b"".join(vbs or []) if vbl is None else vbl)

        if beh == "silent":
            self.log("  silent: no answer")
        elif beh == "normal" or beh == "big":
            self.send(sock, good, src, "reply")
        elif beh == "good-twice":
            self.send(sock, good, src, "reply")
            self.send(sock, good, src, "the same reply again (duplicate)")
        elif beh == "spoof":
            other_id = req.reqid + 1 if req.reqid < 0x7FFFFFFF else req.reqid - 1
            self.send(sock, reply(community=b"evil"), src, "reply with community 'evil'")
            self.send(sock, reply(reqid=other_id), src, "reply with request-id %d" % other_id)
            self.send(self.spoof, good, src, "reply from the wrong address")
            self.send(self.wrongport, good, src, "reply from the wrong port")
            self.send(sock, reply(pdu=PDU_GET), src, "GetRequest (0xA0) instead of a response")
            self.send(sock, good, src, "the correct reply", delay=a.gap)
        elif beh == "late":
            if req.reqid not in self.late_seen:
                self.late_seen.add(req.reqid)
                self.log("  late: first copy of id %d ignored" % req.reqid)
            else:
                self.send(sock, good, src, "late reply to a retry (after %.3f s)" % a.late_delay,
                          delay=a.late_delay)
        elif beh == "header-trunc":
            first = len(good) - sum(len(v) for v in vbs or []) if vbs else len(good) - 1
            cut = min(len(good) - 1, first + 5)
            self.send(sock, good[:cut], src,
                      "reply cut at byte %d of %d, lengths unchanged" % (cut, len(good)))
            self.send(sock, good, src, "the correct reply", delay=a.gap)
        elif beh == "varbind-trunc":
            if vbs:
                half = vbs[0][:max(2, len(vbs[0]) // 2)]
                self.send(sock, reply(vbl=half), src,
                          "reply whose first varbind is cut at byte %d of %d, "
                          "outer lengths consistent" % (len(half), len(vbs[0])))
            else:
                self.send(sock, good, src, "reply")
        elif beh == "backwards":
            o = req.oids[0]
            base = o[:len(ENT) + 1]
            vbl = (varbind(base + (2, 0), T_INTEGER, int_body(72)) +
                   varbind(base + (1, 0), T_INTEGER, int_body(71)))
            self.send(sock, reply(vbl=vbl), src, "reply whose OIDs go backwards")
        elif beh == "toobig-then-ok":
            if req.pdu == PDU_GETBULK and req.b > 1:
                self.send(sock, reply(status=ERR_TOOBIG, index=0, vbl=b""), src,
                          "tooBig (max-repetitions %d > 1)" % req.b)
            else:
                self.send(sock, good, src, "reply")
        elif beh == "toobig-always":
            self.send(sock, reply(status=ERR_TOOBIG, index=0, vbl=b""), src, "tooBig")
        elif beh == "generr":
            self.send(sock, reply(status=ERR_GENERR, index=1, vbl=echo_vbl(req)), src, "genErr")
        else:
            self.log("  unknown behaviour %r: no answer" % beh)

    def run(self):
        self.log("ready: %s:%d (main), %s:%d (wrong address), %s:%d (wrong port)%s; "
                 "exits after %g s or %d requests" %
                 (self.args.address, self.args.port, self.args.spoof_address,
                  self.args.port, self.args.address, self.args.wrong_port,
                  ", %s:%d (silent)" % (self.args.silent_address, self.args.port)
                  if self.silent else "",
                  self.args.max_seconds, self.args.max_requests))
        why = "time limit"
        while True:
            now = time.monotonic()
            if now >= self.deadline:
                break
            if self.requests >= self.args.max_requests and not self.pending:
                why = "request limit"
                break
            wait = self.deadline - now
            if self.pending:
                wait = min(wait, max(0.0, self.pending[0][0] - now))
            ready, _, _ = select.select(self.socks, [], [], wait)
            for s in ready:
                try:
                    data, src = s.recvfrom(65535)
                except BlockingIOError:
                    continue
                if self.requests >= self.args.max_requests:
                    continue
                self.handle(s, data, src)
            self.flush()
        self.log("exiting (%s): %d requests, %d datagrams sent" % (why, self.requests, self.sent))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--address", required=True, help="main agent address (UDP --port)")
    ap.add_argument("--spoof-address", required=True,
                    help="second local address: source of the wrong-source reply")
    ap.add_argument("--silent-address", help="third local address: requests to it are ignored")
    ap.add_argument("--port", type=int, default=161)
    ap.add_argument("--wrong-port", type=int, default=162,
                    help="source port of the wrong-port reply")
    ap.add_argument("--mode", choices=ALL_MODES,
                    help="one behaviour for every request, instead of one per subtree")
    ap.add_argument("--late-delay", type=float, default=0.3,
                    help="seconds before answering a retry in 'late' (keep it below "
                         "argos's timeout)")
    ap.add_argument("--gap", type=float, default=0.02,
                    help="seconds between the bad replies and the good one")
    ap.add_argument("--max-seconds", type=float, default=60.0)
    ap.add_argument("--max-requests", type=int, default=500)
    args = ap.parse_args()
    for a in (args.address, args.spoof_address, args.silent_address):
        if a is not None:
            ipaddress.IPv4Address(a)
    try:
        agent = Agent(args)
    except OSError as e:
        print("hostile_agent: cannot bind: %s" % e, file=sys.stderr)
        return 1
    agent.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
