#!/usr/bin/env python3
"""v3_retry_ids.py - are argos's SNMPv3 retries fresh messages?

Reads a pcap (tcpdump -w, Ethernet) of the SNMPv3 requests argos sent
to one agent, decrypts each authPriv scopedPDU (AES-128 of RFC 3826,
the key localized to the agent's engine as RFC 3414 and RFC 7860 say),
and pairs each request with the next one that asks the same thing (same
PDU type, non-repeaters, max-repetitions and varbinds): that is a retry
of a request that got no answer in time.  It holds when

  - every request parses, and every encrypted one decrypts to a
    well-formed scopedPDU (so the key and the parser are right),
  - no msgID and no request-id is used twice across the capture,
  - there are at least --min-retries retries, and each has a msgID and
    a request-id other than its original's.

Prints one line per retry and a verdict; exit 0 when all of it holds,
1 when some does not, 2 when the capture cannot be read.
"""
import argparse
import hashlib
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
try:   # cryptography 43 and later keep CFB here
    from cryptography.hazmat.decrepit.ciphers.modes import CFB
except ImportError:
    from cryptography.hazmat.primitives.ciphers.modes import CFB


RETRY_WINDOW_S = 0.5   # the test's timeout is 0.1 s: a retry comes within this


class Bad(Exception):
    pass


def tlv(buf, pos):
    """One BER TLV at pos: (tag, value start, value end)."""
    if pos + 2 > len(buf):
        raise Bad("truncated TLV")
    tag, n = buf[pos], buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or pos + k > len(buf):
            raise Bad("bad BER length")
        n = int.from_bytes(buf[pos:pos + k], "big")
        pos += k
    if pos + n > len(buf):
        raise Bad("BER value past the end")
    return tag, pos, pos + n


def items(buf, start, end):
    """The TLVs inside a constructed value: [(tag, bytes)]."""
    out = []
    while start < end:
        tag, s, e = tlv(buf, start)
        out.append((tag, buf[s:e]))
        start = e
    return out


def integer(b):
    return int.from_bytes(b, "big", signed=True)


def localized_key(hname, password, engine_id):
    """RFC 3414 A.2 password-to-key, then localization (RFC 7860 for SHA-2)."""
    pw = password.encode()
    rep = (pw * (1048576 // len(pw) + 1))[:1048576]
    ku = hashlib.new(hname, rep).digest()
    return hashlib.new(hname, ku + engine_id + ku).digest()


def parse_request(msg, priv_key):
    """One SNMPv3 message -> (msgID, request-id, what it asks)."""
    tag, s, e = tlv(msg, 0)
    if tag != 0x30:
        raise Bad("not a SEQUENCE")
    top = items(msg, s, e)
    if len(top) != 4 or top[0] != (0x02, b"\x03"):
        raise Bad("not an SNMPv3 message")
    glob = items(top[1][1], 0, len(top[1][1]))
    msg_id, flags = integer(glob[0][1]), glob[2][1][0]
    sp = top[2][1]
    _, s, e = tlv(sp, 0)
    usm = items(sp, s, e)
    boots, etime, salt = integer(usm[1][1]), integer(usm[2][1]), usm[5][1]
    data_tag, data = top[3]
    if flags & 0x02:
        if data_tag != 0x04 or len(salt) != 8:
            raise Bad("authPriv flag without an encrypted PDU and an 8-byte salt")
        iv = struct.pack(">II", boots, etime) + salt
        dec = Cipher(algorithms.AES(priv_key), CFB(iv)).decryptor()
        data = dec.update(data) + dec.finalize()
        _, s, e = tlv(data, 0)       # the scopedPDU SEQUENCE
    else:
        if data_tag != 0x30:
            raise Bad("plaintext scopedPDU is not a SEQUENCE")
        s, e = 0, len(data)
    scoped = items(data, s, e)
    if len(scoped) != 3 or scoped[2][0] not in (0xA0, 0xA1, 0xA5):
        raise Bad("the scopedPDU holds no GET, GETNEXT or GETBULK (a wrong key?)")
    pdu_tag, pdu = scoped[2]
    fields = items(pdu, 0, len(pdu))
    req_id = integer(fields[0][1])
    vbs = tuple(vb for _, vb in items(fields[3][1], 0, len(fields[3][1])))
    return msg_id, req_id, (pdu_tag, fields[1][1], fields[2][1], vbs)


def requests(path, agent):
    """UDP payloads to agent:161 in a pcap: [(time, payload)]."""
    try:
        raw = open(path, "rb").read()
    except OSError as e:
        raise Bad(f"cannot read {path}: {e.strerror}") from None
    if len(raw) < 24:
        raise Bad(f"{path} is not a pcap (tcpdump wrote nothing?)")
    magic = raw[:4]
    end = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
           b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
    if end is None or struct.unpack(end + "I", raw[20:24])[0] != 1:
        raise Bad(f"{path} is not an Ethernet pcap")
    want = bytes(int(x) for x in agent.split("."))
    out, pos = [], 24
    while pos + 16 <= len(raw):
        sec, frac, caplen, _ = struct.unpack(end + "IIII", raw[pos:pos + 16])
        frame = raw[pos + 16:pos + 16 + caplen]
        pos += 16 + caplen
        if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
            continue
        ihl = (frame[14] & 0x0F) * 4
        if frame[30:34] != want or struct.unpack(">H", frame[20:22])[0] & 0x3FFF:
            continue   # another address, or a fragment
        udp = 14 + ihl
        if struct.unpack(">H", frame[udp + 2:udp + 4])[0] != 161:
            continue
        out.append((sec + frac / 1e6, frame[udp + 8:]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--agent", required=True, help="the agent's IPv4 address")
    ap.add_argument("--engine-id", required=True, help="the agent's engine ID, hex")
    ap.add_argument("--auth-hash", required=True, help="hashlib name: md5 sha1 sha256 ...")
    ap.add_argument("--priv-pass", required=True)
    ap.add_argument("--min-retries", type=int, required=True)
    a = ap.parse_args()
    engine = bytes.fromhex(a.engine_id.removeprefix("0x"))
    key = localized_key(a.auth_hash, a.priv_pass, engine)[:16]
    problems = []
    try:
        reqs = requests(a.pcap, a.agent)
    except Bad as e:
        print(f"v3_retry_ids: error: {e}")
        return 2
    parsed = []
    for n, (t, payload) in enumerate(reqs, 1):
        try:
            parsed.append((t,) + parse_request(payload, key))
        except (Bad, IndexError, ValueError) as e:
            problems.append(f"request {n}: cannot be read: {e}")
    seen_msg, seen_req = {}, {}
    for n, (_, mid, rid, _) in enumerate(parsed, 1):
        if mid in seen_msg:
            problems.append(f"msgID {mid} is used twice (requests {seen_msg[mid]} and {n})")
        if rid in seen_req:
            problems.append(f"request-id {rid} is used twice (requests {seen_req[rid]} and {n})")
        seen_msg.setdefault(mid, n)
        seen_req.setdefault(rid, n)
    # The next request asking the same thing within RETRY_WINDOW_S: with
    # two workers, or two sessions to the agent, another request may come
    # between a request and its retry.
    retries = 0
    paired = set()
    for i in range(len(parsed)):
        t0, mid0, rid0, what0 = parsed[i]
        j = next((k for k in range(i + 1, len(parsed))
                  if k not in paired and parsed[k][3] == what0
                  and parsed[k][0] - t0 <= RETRY_WINDOW_S), None)
        if j is None:
            continue
        paired.add(j)
        t1, mid1, rid1, _ = parsed[j]
        retries += 1
        print(f"retry after {1000 * (t1 - t0):.0f} ms: msgID {mid0} -> {mid1}, "
              f"request-id {rid0} -> {rid1}")
        if mid0 == mid1 or rid0 == rid1:
            problems.append(f"a retry kept its original's msgID or request-id "
                            f"({mid0} -> {mid1}, {rid0} -> {rid1})")
    if retries < a.min_retries:
        problems.append(f"only {retries} retries in the capture, at least "
                        f"{a.min_retries} expected")
    for p in problems:
        print(p)
    print(f"v3_retry_ids: {len(reqs)} requests to {a.agent}, {len(parsed)} read, "
          f"{retries} retries, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
