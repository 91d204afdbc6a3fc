#!/usr/bin/env python3
"""bending_agent.py - a scripted SNMP v2c agent that bends the rules in one
way per address, for argos's tests of agents that bend the rules
(agents_bend_rules.sh, failures_named.sh, maxrep_learnt.sh,
db_learns_agents.sh).

It binds UDP port 161 on each address given with --serve ADDR=MODE and
answers every request to that address the MODE's way.  Its MIB is
sysUpTime.0 (1.3.6.1.2.1.1.3.0, TimeTicks 4242) and a table of --rows
rows under --root (default 1.3.6.1.4.1.99999.1): ROOT.i = Integer i*10,
then ROOT's next sibling's .0 (Integer 9), so a walk of ROOT ends by
leaving the subtree, as on a real agent.  The request's community must
be --community (default public) unless the mode says otherwise; a
request with another community is ignored, as snmpd does.

  mode             answer
  normal           a correct agent (GETBULK: non-repeaters 0 assumed)
  toobig-above:N   error-status tooBig when a GETBULK asks for more than
                   N repetitions; correct otherwise
  no-bulk          GETBULK answered with genErr (error-index 1); GET and
                   GETNEXT correct
  other-source     correct replies, sent from --other-address instead
  alt-community:C  answers only community C; any other is ignored
  wrong-community  correct replies, with the community "evil"
  own-oid          a GETNEXT/GETBULK answered with the very OID asked
                   (Integer 1): the walk cannot advance
  unordered        the table kept in the order 3,1,2,6,4,5,...: each
                   GETNEXT/GETBULK answer follows that order (names go
                   backwards), then leaves the subtree
  loop             like unordered, but after its last row the table
                   starts over: a walk that never ends
  holes            GETBULK answers carry noSuchObject in place of row 4
                   and endOfMibView in place of row 8, and go on with
                   the rows after (exceptions in the middle of a table)
  more             GETBULK answers 3 varbinds more than max-repetitions
  fewer            GETBULK answers one varbind, whatever max-repetitions
  malformed        every answer is 12 bytes that are not SNMP
  silent           no answer

Every request is logged to stderr as one line: the address it came to,
the PDU, request-id, community, max-repetitions, first OID and mode.
Bounded: one datagram per request; exits after --max-seconds or
--max-requests.  Python 3 standard library only (with the BER helpers of
hostile_agent.py, in the same folder).
"""
import argparse
import ipaddress
import os
import select
import socket
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_agent import (PDU_GET, PDU_GETBULK, PDU_GETNEXT, PDU_NAMES,  # noqa: E402
                           PDU_RESPONSE, T_ENDOFMIBVIEW, T_INTEGER, T_NOSUCHOBJECT,
                           T_TIMETICKS, int_body, message, oid_str, parse_request,
                           uint_body, varbind)

ERR_TOOBIG, ERR_GENERR = 1, 5
SYSUPTIME = (1, 3, 6, 1, 2, 1, 1, 3, 0)
MAX_PAYLOAD = 1472
MAX_REPS_SERVED = 64


def parse_oid(s):
    return tuple(int(a) for a in s.strip(".").split("."))


class Mib:
    def __init__(self, root, rows):
        self.root = root
        self.rows = [(root + (i,), T_INTEGER, int_body(i * 10)) for i in range(1, rows + 1)]
        after = root[:-1] + (root[-1] + 1, 0)
        self.all = sorted([(SYSUPTIME, T_TIMETICKS, uint_body(4242))] + self.rows +
                          [(after, T_INTEGER, int_body(9))])

    def get(self, o):
        for row in self.all:
            if row[0] == o:
                return varbind(*row)
        return varbind(o, T_NOSUCHOBJECT, b"")

    def next_row(self, o):
        for row in self.all:
            if row[0] > o:
                return row
        return None

    def walk_rows(self, o, n):
        """The n (name, tag, body) after o, endOfMibView past the end."""
        out = []
        for _ in range(n):
            row = self.next_row(o)
            if row is None:
                out.append((o, T_ENDOFMIBVIEW, b""))
                break
            out.append(row)
            o = row[0]
        return out

    def walk(self, o, n):
        """n correct varbinds after o, encoded."""
        return [varbind(*row) for row in self.walk_rows(o, n)]

    def agent_order(self):
        """The table's rows in the order 3,1,2,6,4,5,...: names go back."""
        rows = list(self.rows)
        out = []
        for i in range(0, len(rows), 3):
            chunk = rows[i:i + 3]
            out += chunk[-1:] + chunk[:-1]
        return out

    def unordered_walk(self, o, n, cyclic):
        """n varbinds after o in agent order; a name not in the table
        (the root, or anything before) starts at the first row."""
        order = self.agent_order()
        names = [r[0] for r in order]
        pos = names.index(o) + 1 if o in names else 0
        out = []
        for _ in range(n):
            if pos >= len(order):
                if not cyclic:
                    row = self.next_row(self.root + (1 << 31,))
                    out.append(varbind(*row) if row else varbind(o, T_ENDOFMIBVIEW, b""))
                    break
                pos = 0
            out.append(varbind(*order[pos]))
            pos += 1
        return out


def fit(version, community, reqid, vbs):
    """Keep the varbinds that fit one frame (RFC 3416 4.2.3)."""
    kept = []
    for vb in vbs:
        if len(message(version, community, PDU_RESPONSE, reqid, 0, 0,
                       b"".join(kept + [vb]))) > MAX_PAYLOAD:
            break
        kept.append(vb)
    return kept


class Agent:
    def __init__(self, args):
        self.args = args
        self.t0 = time.monotonic()
        self.requests = 0
        self.mib = Mib(parse_oid(args.root), args.rows)
        self.modes = {}
        self.socks = []
        for spec in args.serve:
            addr, _, mode = spec.partition("=")
            ipaddress.IPv4Address(addr)
            s = self.bind(addr)
            self.modes[s] = mode or "normal"
            self.socks.append(s)
        self.other = self.bind(args.other_address) if args.other_address else None

    @staticmethod
    def bind(addr):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, 161))
        s.setblocking(False)
        return s

    def log(self, msg):
        print("bending_agent: %7.3f %s" % (time.monotonic() - self.t0, msg),
              file=sys.stderr, flush=True)

    def answer(self, mode, req):
        """(community, error-status, error-index, varbinds) or None."""
        mib = self.mib
        name, _, arg = mode.partition(":")
        o = req.oids[0] if req.oids else SYSUPTIME
        bulk = req.pdu == PDU_GETBULK
        reps = max(1, min(req.b, MAX_REPS_SERVED)) if bulk else 1
        if req.pdu == PDU_GET:
            return req.community, 0, 0, [mib.get(x) for x in req.oids]
        if name == "toobig-above" and bulk and req.b > int(arg):
            return req.community, ERR_TOOBIG, 0, []
        if name == "no-bulk" and bulk:
            return req.community, ERR_GENERR, 1, [varbind(x, 0x05, b"") for x in req.oids]
        if name == "own-oid":
            return req.community, 0, 0, [varbind(o, T_INTEGER, int_body(1))]
        if name in ("unordered", "loop"):
            return req.community, 0, 0, mib.unordered_walk(o, reps, name == "loop")
        if name == "holes" and bulk:
            holes = {mib.root + (4,): T_NOSUCHOBJECT, mib.root + (8,): T_ENDOFMIBVIEW}
            return req.community, 0, 0, [
                varbind(r[0], holes[r[0]], b"") if r[0] in holes else varbind(*r)
                for r in mib.walk_rows(o, reps)]
        if name == "more" and bulk:
            return req.community, 0, 0, mib.walk(o, reps + 3)
        if name == "fewer" and bulk:
            return req.community, 0, 0, mib.walk(o, 1)
        return req.community, 0, 0, mib.walk(o, reps)

    def handle(self, sock, data, src):
        self.requests += 1
        here = sock.getsockname()
        mode = self.modes[sock]
        try:
            req = parse_request(data)
        except (ValueError, IndexError) as e:
            self.log("request #%d to %s from %s:%d: undecodable (%s), ignored" %
                     (self.requests, here[0], src[0], src[1], e))
            return
        self.log("request #%d to %s from %s:%d %s id=%d community=%s max-rep=%s oid=%s mode=%s" %
                 (self.requests, here[0], src[0], src[1], PDU_NAMES.get(req.pdu, hex(req.pdu)),
                  req.reqid, req.community.decode("latin-1"),
                  req.b if req.pdu == PDU_GETBULK else "-",
                  oid_str(req.oids[0]) if req.oids else "-", mode))
        if req.pdu not in (PDU_GET, PDU_GETNEXT, PDU_GETBULK) or mode == "silent":
            return
        want = mode.partition(":")[2] if mode.startswith("alt-community:") else self.args.community
        if req.community.decode("latin-1") != want:
            self.log("  community %r is not %r: ignored" % (req.community.decode("latin-1"), want))
            return
        if mode == "malformed":
            sock.sendto(b"not SNMP :-)", src)
            return
        community, status, index, vbs = self.answer(mode, req)
        if mode == "wrong-community":
            community = b"evil"
        if status == 0:
            vbs = fit(req.version, community, req.reqid, vbs)
        reply = message(req.version, community, PDU_RESPONSE, req.reqid, status, index,
                        b"".join(vbs))
        out = self.other if mode == "other-source" and self.other else sock
        out.sendto(reply, src)
        self.log("  answered: %d varbinds, error-status %d, %d bytes, from %s" %
                 (len(vbs), status, len(reply), out.getsockname()[0]))

    def run(self):
        deadline = self.t0 + self.args.max_seconds
        self.log("ready: %s" % ", ".join(self.args.serve))
        while time.monotonic() < deadline and self.requests < self.args.max_requests:
            ready, _, _ = select.select(self.socks, [], [], deadline - time.monotonic())
            for s in ready:
                try:
                    data, src = s.recvfrom(65535)
                except BlockingIOError:
                    continue
                self.handle(s, data, src)
        self.log("exiting: %d requests" % self.requests)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--serve", action="append", required=True, metavar="ADDR=MODE",
                    help="answer requests to ADDR:161 the MODE's way (repeatable)")
    ap.add_argument("--other-address", help="source of the other-source mode's replies")
    ap.add_argument("--community", default="public")
    ap.add_argument("--root", default="1.3.6.1.4.1.99999.1")
    ap.add_argument("--rows", type=int, default=12)
    ap.add_argument("--max-seconds", type=float, default=60.0)
    ap.add_argument("--max-requests", type=int, default=5000)
    args = ap.parse_args()
    try:
        agent = Agent(args)
    except (OSError, ValueError) as e:
        print("bending_agent: cannot start: %s" % e, file=sys.stderr)
        return 1
    agent.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
