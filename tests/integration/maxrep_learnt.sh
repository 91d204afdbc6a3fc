#!/usr/bin/env bash
# maxrep_learnt.sh - argos learns each device's GETBULK max-repetitions
# and starts the next poll from it, against two real agents in a
# namespace of this test (argos-mrep, on the testbed's switch):
#
#   198.18.0.61  net-snmp snmpd with 12 extend scripts of 600 bytes of
#                output each; an nftables rule on the namespace's eth0
#                (netdev egress) drops every outgoing IPv4 fragment, so a
#                GETBULK of nsExtendOutputFull (1.3.6.1.4.1.8072.1.3.2.3.1.2)
#                is lost at 5 repetitions (3 kB) and comes back at 2
#                (1.3 kB).  Device snmp_max_repetitions 10.
#   198.18.0.62  bending_agent.py, tooBig above 4 repetitions.
#                Device snmp_max_repetitions 20.
#
# argos polls both every 3 s for 9 s (profile: sysUpTime.0, then the
# walk of the extend column).  Proven: the first poll of each completes
# (every value, no error) after shrinking 10 -> 5 -> 2 (lost replies:
# two timeouts at each size; with snmp_retries 1, so shrinking used up
# no retry) and 20 -> 10 -> 5 -> 2
# (tooBig); the later polls ask for 2 from their first request; DPDK
# telemetry shows max_repetitions 2 and too_large 5 for both.  Large
# replies are dropped in the agent's namespace, so this holds whether
# argos reassembles fragments or not.
#
# Needs root, hugepages, build/argos, snmpd, nft, tcpdump; brings the
# testbed up if it is not (and down again only then).
set -uo pipefail
TEST=maxrep_learnt
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agent_ns.sh"

NS=argos-mrep
SWPORT=mrep
SNMPD_IP=198.18.0.61
TB_IP=198.18.0.62
PREFIX=maxrep
EXTEND_ROOT=1.3.6.1.4.1.8072.1.3.2.3.1.2
ARGOS_PID=

cleanup_test() {
	[ -n "$ARGOS_PID" ] && kill -TERM "$ARGOS_PID" 2>/dev/null && wait "$ARGOS_PID" 2>/dev/null
	agent_stop_all
	agent_ns_down "$NS" "$SWPORT"
	cleanup
}
trap cleanup_test EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

need_root_and_argos
for t in snmpd snmpget nft tcpdump ethtool python3 dpdk-telemetry.py; do
	command -v "$t" >/dev/null || die "$t is not installed: run scripts/install-deps"
done
testbed_up
ip link show argos0 >/dev/null 2>&1 ||
	die "the testbed has no interface argos0: run 'scripts/testbed down' and try again"
agent_ns_up "$NS" "$SWPORT" "$SNMPD_IP" "$TB_IP"

# --- snmpd with large extend outputs; fragments dropped on the way out --------
mkdir -p "$WORK/snmpd/persist"
chmod 755 "$WORK" "$WORK/snmpd"
{
	echo "rocommunity public"
	for i in $(seq -w 1 12); do
		python3 -c "import sys; sys.stdout.write(('extend $i ' * 60)[:600])" >"$WORK/snmpd/e$i.txt"
		echo "extend e$i /bin/cat $WORK/snmpd/e$i.txt"
	done
} >"$WORK/snmpd/snmpd.conf"
agent_start snmpd ip netns exec "$NS" env SNMP_PERSISTENT_DIR="$WORK/snmpd/persist" MIBS= \
	snmpd -f -Lf "$WORK/snmpd/snmpd.log" -C -c "$WORK/snmpd/snmpd.conf" -I -smux \
	"udp:$SNMPD_IP:161"
ip netns exec "$NS" nft -f - <<NFT || die "nft could not load the fragment-dropping rule"
table netdev mrep {
	chain out {
		type filter hook egress device eth0 priority 0;
		ip frag-off & 0x3fff != 0 counter drop
	}
}
NFT
agent_start tb ip netns exec "$NS" python3 "$ROOT/tests/integration/bending_agent.py" \
	--serve "$TB_IP=toobig-above:4" --root "$EXTEND_ROOT" --rows 30 --max-seconds 60

# The set-up itself, seen from testbed host h1 with net-snmp's tools: a
# small GETBULK passes, a large one is lost.
ask() {   # ask REPETITIONS: snmpbulkget of the extend column from h1
	ip netns exec argos-h1 snmpbulkget -v2c -c public -t 1 -r 0 -Cr"$1" -On \
		"$SNMPD_IP" "$EXTEND_ROOT"
}
for ((i = 0; i < 50; i++)); do ask 1 >/dev/null 2>&1 && break; sleep 0.1; done
ask 2 >"$WORK/ask2.txt" 2>&1 ||
	die "snmpd on $SNMPD_IP does not answer a GETBULK of 2 repetitions: $(tail -2 "$WORK/ask2.txt"; tail -3 "$WORK/snmpd/snmpd.log")"
[ "$(grep -c "$EXTEND_ROOT" "$WORK/ask2.txt")" = 2 ] ||
	die "snmpd's extend column is not there: $(head -3 "$WORK/ask2.txt")"
ask 5 >"$WORK/ask5.txt" 2>&1 && die "a GETBULK of 5 repetitions came back: fragments are not dropped"
dropped=$(ip netns exec "$NS" nft list table netdev mrep | grep -oE 'packets [0-9]+' | awk '{print $2}')
[ "${dropped:-0}" -ge 1 ] || die "the nftables rule dropped no fragment of the large reply"
wait_for_line "$WORK/tb.log" "ready:" 5 || die "bending_agent.py did not start: $(cat "$WORK/tb.log")"
echo "set-up: snmpd answers 2 repetitions, loses 5 ($dropped fragments dropped); tooBig agent ready"

agent_start tcpdump ip netns exec "$NS" tcpdump -n -vv -l -i eth0 "udp dst port 161 and dst host $SNMPD_IP"
sleep 1

# --- argos: three polls of each ---------------------------------------------------
cat >"$WORK/devices.csv" <<CSV
id,hostname,ip_address,snmp_community,snmp_version,snmp_timeout,snmp_retries,snmp_max_repetitions,polling_frequency,ping_frequency
frag,frag-agent,$SNMPD_IP,public,2c,0.4,1,10,3,0
tb,toobig-agent,$TB_IP,public,2c,0.5,1,20,3,0
CSV
timeout -k 5 60 "$ARGOS" -l 0,1 --file-prefix "$PREFIX" --no-pci --huge-unlink \
	--vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 --gateway 198.18.0.1 \
	--devices "$WORK/devices.csv" --oids "1.3.6.1.2.1.1.3.0,$EXTEND_ROOT" --ping-count 0 \
	--duration 9 --output "$WORK/out.jsonl" >"$WORK/argos.out" 2>"$WORK/argos.err" &
ARGOS_PID=$!
wait_for_line "$WORK/argos.err" "argos: ready" 30 ||
	{ cat "$WORK/argos.err" >&2; die "argos did not start"; }
sleep 5   # after the second poll (t = 3 s) ended
for d in frag tb; do
	echo "/argos/device,$d" | dpdk-telemetry.py -f "$PREFIX" >"$WORK/tel-$d.json" 2>&1
done
wait "$ARGOS_PID"
rc=$?
ARGOS_PID=
agent_stop_all
echo "argos exited with status $rc"

expect "argos ran to its end and exits 0" "argos exited with status $rc (its stderr ends: $(tail -3 "$WORK/argos.err" | tr '\n' ' '))" \
	[ "$rc" = 0 ]
polls=$(grep -oE 'SNMP polls: [0-9]+ ok, [0-9]+ failed' "$WORK/argos.out" | tail -1)
expect "every poll ended well ($polls)" "some polls failed: '$polls'" \
	bash -c "echo '$polls' | grep -qE 'SNMP polls: ([4-9]|[1-9][0-9]+) ok, 0 failed'"

# What argos put out, and what it asked for, poll by poll.
cat >"$WORK/check.py" <<'PY'
import json, re, sys

work, root = sys.argv[1], sys.argv[2]

def ok(m): print("ok: " + m)
def fail(m): print("FAIL: " + m)

recs = [json.loads(l) for l in open(work + "/out.jsonl")]
errs = [r for r in recs if r.get("kind") == "error"]
if errs:
    fail("error records: %s" % [(r["device_id"], r["error"], r.get("oid")) for r in errs])
else:
    ok("no error record: every poll completed")
want = {}
for i in range(1, 13):
    name = "e%02d" % i
    idx = ".".join([str(len(name))] + [str(ord(c)) for c in name])
    text = (("extend %02d " % i) * 60)[:600]
    want[root + "." + idx] = text.encode().hex()
got = {}
for r in recs:
    if r.get("kind") == "snmp" and r["device_id"] == "frag" and r["oid"].startswith(root + "."):
        got.setdefault(r["oid"], set()).add(r["value"])
if set(got) == set(want) and all(got[o] == {want[o]} for o in want):
    ok("frag: all 12 extend outputs of 600 bytes, byte for byte, in every poll")
else:
    fail("frag: extend outputs wrong or missing: have %d OIDs of 12, %d with the right value"
         % (len(got), sum(1 for o in want if got.get(o) == {want[o]})))
tb = sorted(r["oid"] for r in recs if r.get("kind") == "snmp" and r["device_id"] == "tb"
            and r["oid"].startswith(root + "."))
if len(set(tb)) == 30 and len(tb) % 30 == 0 and len(tb) >= 60:
    ok("tb: all 30 rows in each of its %d polls" % (len(tb) // 30))
else:
    fail("tb: %d row values (%d distinct), want 30 per poll over at least 2 polls"
         % (len(tb), len(set(tb))))

def polls(seq):
    """Split a list of ('GET'|M) into polls: each starts with its GET."""
    out = []
    for x in seq:
        if x == "GET":
            out.append([])
        elif out:
            out[-1].append(x)
    return out

def judge(who, ps, first):
    if len(ps) < 2:
        fail("%s: %d polls seen, want at least 2" % (who, len(ps)))
        return
    shown = " | ".join(",".join(map(str, p)) for p in ps)
    if ps[0][:len(first)] == first:
        ok("%s: the first poll shrank max-repetitions %s (all polls: %s)"
           % (who, " -> ".join(map(str, sorted(set(first), reverse=True))), shown))
    else:
        fail("%s: the first poll asked %s, want it to start %s" % (who, ps[0], first))
    if all(p and set(p) == {2} for p in ps[1:]):
        ok("%s: the %d later polls ask for the learnt 2 from their first GETBULK"
           % (who, len(ps) - 1))
    else:
        fail("%s: later polls did not start from the learnt 2: %s" % (who, shown))

# tcpdump -vv: '{ GetRequest(28) R=...' and '{ GetBulk(33) R=... N=0 M=10 ...'
seq = []
for line in open(work + "/tcpdump.log"):
    if "GetRequest" in line:
        seq.append("GET")
    m = re.search(r"GetBulk\(\d+\) .*M=(\d+)", line)
    if m:
        seq.append(int(m.group(1)))
judge("frag (lost fragments)", polls(seq), [10, 10, 5, 5, 2])

seq = []
for line in open(work + "/tb.log"):
    m = re.search(r" (GET|GETBULK) id=\d+ community=\S+ max-rep=(\S+)", line)
    if m:
        seq.append("GET" if m.group(1) == "GET" else int(m.group(2)))
judge("tb (tooBig above 4)", polls(seq), [20, 10, 5, 2])

for dev in ("frag", "tb"):
    text = open(work + "/tel-%s.json" % dev).read()
    t = None
    for line in text.splitlines():
        if '"/argos/device"' in line:
            try:
                t = json.loads(line[line.index("{"):])["/argos/device"]
            except (ValueError, KeyError):
                pass
    if not isinstance(t, dict):
        fail("%s: no telemetry answer: %s" % (dev, text[:200]))
        continue
    if t.get("max_repetitions") == 2 and t.get("max_repetitions_too_large") == 5:
        ok("%s: telemetry shows max_repetitions 2 (configured %s), too large at 5"
           % (dev, t.get("max_repetitions_configured")))
    else:
        fail("%s: telemetry shows max_repetitions %s, too_large %s; want 2 and 5"
             % (dev, t.get("max_repetitions"), t.get("max_repetitions_too_large")))
PY
while IFS= read -r line; do
	case $line in
	ok:*) CHECKS=$((CHECKS + 1)) ;;
	FAIL:*) CHECKS=$((CHECKS + 1)) FAILED=$((FAILED + 1)) ;;
	esac
	echo "$line"
done < <(python3 "$WORK/check.py" "$WORK" "$EXTEND_ROOT" 2>&1 ||
	echo "FAIL: the output checker itself failed (see above)")

if [ "$FAILED" -gt 0 ]; then
	echo "--- argos stdout (summary) ---"; tail -n 20 "$WORK/argos.out"
	echo "--- argos stderr ---"; tail -n 10 "$WORK/argos.err"
	echo "--- requests seen by snmpd ---"; grep -oE '(GetRequest|GetBulk)[^.]*' "$WORK/tcpdump.log" | head -40
	echo "--- bending_agent ---"; tail -n 20 "$WORK/tb.log"
fi
finish
