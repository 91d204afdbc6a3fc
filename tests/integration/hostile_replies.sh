#!/usr/bin/env bash
# hostile_replies.sh - argos against a deliberately broken SNMP agent
# (hostile_agent.py) in a namespace of its own, argos-hostile, plugged
# into the testbed's switch.  One argos --once run meets every kind of
# bad reply; each must be dropped and counted for the right reason, or
# turned into the right per-device error record, and every good value
# must still come out exactly once, exactly right:
#
#   .1  every reply sent twice            -> drop duplicate; values once
#   .2  community "evil", request-id+1,   -> drops wrong-community,
#       from 198.18.0.15, from port 162,     unknown-request-id, wrong-source,
#       a GetRequest; then the good reply    wrong-port, not-response; values
#   .3  first attempt ignored, the retry  -> retries counted; values
#       answered late
#   .4  reply cut short (header broken),  -> drop malformed; values
#       then the good reply
#   .5  varbind cut short, header intact  -> error malformed (oid .5)
#   .6  a 1400-byte OctetString           -> delivered byte for byte
#   .7  OIDs going backwards              -> error oid-not-increasing
#   .8  tooBig until max-repetitions 1    -> argos halves 10,5,2,1; values
#   .9  genErr                            -> error gen-err
#   .11 tooBig always (at max-rep 1)      -> error too-big
#   a second device, 198.18.0.16, that never answers -> error timeout,
#   for that device only.
#
# Needs root, hugepages and build/argos; brings the testbed up if it is
# not (and down again at the end only then).  Ends with
# "hostile_replies: N checks, M failed"; exits 1 on any failure.
set -uo pipefail
TEST=hostile_replies
source "$(dirname "$0")/lib.sh"

NS=argos-hostile            # this test's namespace
SWPORT=hostile              # its veth peer, a port of br0 in argos-sw
SW=argos-sw
AGENT_IP=198.18.0.14        # the agent
SPOOF_IP=198.18.0.15        # source of the wrong-source reply
SILENT_IP=198.18.0.16       # the device that never answers
ARGOS_IP=198.18.0.2
ENT=1.3.6.1.4.1.99999
AGENT_PID=

cleanup_hostile() {
	local i
	if [ -n "$AGENT_PID" ]; then
		kill -TERM "$AGENT_PID" 2>/dev/null
		for ((i = 0; i < 20; i++)); do
			kill -0 "$AGENT_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$AGENT_PID" 2>/dev/null
		wait "$AGENT_PID" 2>/dev/null
	fi
	if [ -e "/run/netns/$NS" ]; then ip netns del "$NS" 2>/dev/null; fi
	cleanup
}
trap cleanup_hostile EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM   # bash runs the EXIT trap on a signal only when the signal is trapped

need_root_and_argos
command -v python3 >/dev/null || die "python3 is not installed (the hostile agent is a python3 script)"
command -v ethtool >/dev/null || die "ethtool is not installed: run scripts/install-deps"
testbed_up
ip -n "$SW" link show br0 >/dev/null 2>&1 ||
	die "the testbed has no bridge br0 in namespace $SW: run 'scripts/testbed down' and try again"
ip link show argos0 >/dev/null 2>&1 ||
	die "the testbed has no interface argos0: run 'scripts/testbed down' and try again"

# --- the hostile host: a namespace on br0, set up as scripts/testbed does ------
if [ -e "/run/netns/$NS" ]; then
	# Left over from an interrupted run of this test: end what runs in it.
	for pid in $(ip netns pids "$NS" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
	sleep 0.2
	ip netns del "$NS" || die "cannot remove the stale namespace $NS"
fi
ip -n "$SW" link del "$SWPORT" >/dev/null 2>&1 || true
ip netns add "$NS" || die "ip netns add $NS failed"
if [ -d /proc/sys/net/ipv6 ]; then
	ip netns exec "$NS" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || die "cannot disable IPv6 in $NS"
fi
ip netns exec "$NS" sysctl -q -w net.ipv4.icmp_ratelimit=0 || die "sysctl failed in $NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add eth0 type veth peer name "$SWPORT" netns "$SW" ||
	die "cannot create the veth $NS:eth0 <-> $SW:$SWPORT"
# Without this the kernel leaves UDP checksums partial on veth, and
# argos (net_af_packet) would drop every reply as bad-checksum.
ip netns exec "$NS" ethtool -K eth0 tx off rx off >/dev/null 2>&1 ||
	die "ethtool -K eth0 tx off rx off failed in $NS"
ip netns exec "$SW" ethtool -K "$SWPORT" tx off rx off >/dev/null 2>&1 ||
	die "ethtool -K $SWPORT tx off rx off failed in $SW"
ip -n "$SW" link set "$SWPORT" master br0 up || die "cannot plug $SWPORT into br0"
ip -n "$NS" link set eth0 up
for a in "$AGENT_IP" "$SPOOF_IP" "$SILENT_IP"; do
	ip -n "$NS" addr add "$a/24" dev eth0 || die "cannot add $a to $NS"
done

: >"$WORK/agent.log"
ip netns exec "$NS" python3 "$ROOT/tests/integration/hostile_agent.py" \
	--address "$AGENT_IP" --spoof-address "$SPOOF_IP" --silent-address "$SILENT_IP" \
	--late-delay 0.3 --gap 0.02 --max-seconds 60 --max-requests 300 \
	</dev/null >"$WORK/agent.out" 2>"$WORK/agent.log" &
AGENT_PID=$!
agent_ready() {   # its ready line (125, to stop waiting, when it died)
	grep -q 'ready:' "$WORK/agent.log" && return 0
	kill -0 "$AGENT_PID" 2>/dev/null || return 125
	return 1
}
await_ready "hostile_agent.py" 30 "$WORK/agent.log" agent_ready

# --- one argos run ------------------------------------------------------------
cat >"$WORK/devices.csv" <<CSV
id,hostname,ip_address,snmp_community,snmp_version,snmp_port,snmp_timeout,snmp_retries,snmp_max_repetitions,polling_frequency,ping_frequency
hostile,hostile-agent,$AGENT_IP,public,2c,161,1,2,10,60,10
silent,hostile-silent,$SILENT_IP,public,2c,161,0.5,1,10,60,10
CSV
OIDS=$ENT.1,$ENT.2,$ENT.3,$ENT.4,$ENT.5,$ENT.6,$ENT.7,$ENT.8,$ENT.9,$ENT.11

# --no-pci: argos0 is the only port, never a NIC of this machine.
# --huge-unlink: the hugepage files go away with argos (DPDK would leave
# them behind, holding the pages until the next EAL start).
start=$(date +%s%N)
timeout -k 5 60 "$ARGOS" -l 0,1 --file-prefix argos-hostile --no-pci --huge-unlink \
	--vdev net_af_packet0,iface=argos0 -- --ip "$ARGOS_IP/24" --gateway 198.18.0.1 \
	--devices "$WORK/devices.csv" --once --ping-count 0 --oids "$OIDS" \
	--output "$WORK/out.jsonl" >"$WORK/argos.out" 2>"$WORK/argos.err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
echo "argos --once took ${ms} ms (exit status $rc)"
touch "$WORK/out.jsonl"

expect "argos did not hang (ended within 60 s)" \
	"argos hung: still running after 60 s, killed by timeout (exit status $rc)" \
	[ "$rc" != 124 -a "$rc" != 137 ]
expect "argos did not crash" "argos crashed: killed by signal $((rc - 128))" \
	[ "$rc" -le 128 -o "$rc" = 137 ]
expect "argos exits 0" "argos exited with status $rc instead of 0 (its output is below)" \
	[ "$rc" = 0 ]
expect "argos said it was ready" "argos never printed 'argos: ready:' (did the worker start?)" \
	grep -q '^argos: ready:' "$WORK/argos.err"
expect "argos printed its exit summary" "argos printed no exit summary" \
	grep -q 'argos summary' "$WORK/argos.out"

# Dropped replies, by reason.
declare -A WHY=(
	[wrong-community]="replies with community 'evil' were not counted"
	[unknown-request-id]="replies with a request-id argos never sent were not counted"
	[wrong-source]="replies from $SPOOF_IP (not the device's address) were not counted"
	[wrong-port]="replies from UDP port 162 (not the device's port) were not counted"
	[not-response]="a GetRequest PDU sent to argos was not counted as not-response"
	[duplicate]="duplicate replies were not counted"
	[malformed]="a reply cut short in its header was not counted as malformed"
)
for reason in wrong-community unknown-request-id wrong-source wrong-port not-response \
	duplicate malformed; do
	n=$(drop_count "$WORK/argos.out" "$reason")
	expect "drop $reason = ${n:-missing} (>= 1)" "${WHY[$reason]}: drop $reason = ${n:-missing}" \
		[ "${n:-0}" -ge 1 ]
done
n=$(drop_count "$WORK/argos.out" bad-checksum)
expect "no reply dropped for a bad checksum" \
	"$n replies were dropped as bad-checksum: checksum offload is on somewhere on the path" \
	[ "${n:-1}" = 0 ]
expect "the summary counts 1 SNMP poll ok (hostile) and 1 failed (silent)" \
	"the summary does not say 'SNMP polls: 1 ok, 1 failed': $(grep -o 'SNMP polls:[^;]*' "$WORK/argos.out")" \
	grep -q 'SNMP polls: 1 ok, 1 failed' "$WORK/argos.out"
retries=$(grep -oE 'Retries: +[0-9]+' "$WORK/argos.out" | tail -1 | grep -oE '[0-9]+')
expect "argos retried (Retries: ${retries:-missing}, >= 2: the late .3 and the silent device)" \
	"argos did not retry the unanswered requests: Retries: ${retries:-missing} (want >= 2)" \
	[ "${retries:-0}" -ge 2 ]
expect "no results lost" "argos lost results: $(grep -o 'Results-lost: [0-9]*' "$WORK/argos.out")" \
	grep -q 'Results-lost: 0' "$WORK/argos.out"

# What the agent saw.
late_ignored=$(grep -c 'late: first copy of id' "$WORK/agent.log")
late_answered=$(grep -c 'sent late reply to a retry' "$WORK/agent.log")
expect "the agent ignored the first attempt of .3 and answered argos's retry" \
	"the late subtree .3 was not exercised: $late_ignored first attempts ignored, $late_answered retries answered" \
	[ "$late_ignored" -ge 1 -a "$late_answered" -ge 1 ]
maxreps=$(grep -F "oid=$ENT.8 -> toobig-then-ok" "$WORK/agent.log" |
	grep -oE 'max-rep=[0-9]+' | cut -d= -f2 | tr '\n' ' ' | sed 's/ $//')
expect "after tooBig argos halved max-repetitions: $maxreps" \
	"argos did not halve max-repetitions after tooBig: the agent saw GETBULK $ENT.8 with max-rep '$maxreps', want '10 5 2 1'" \
	[ "$maxreps" = "10 5 2 1" ]
silent_reqs=$(grep -c "to $SILENT_IP:161 .* -> silent" "$WORK/agent.log")
expect "the silent device was asked $silent_reqs times (1 + 1 retry) and never answered" \
	"the silent device $SILENT_IP saw $silent_reqs requests, want 2 (first attempt and one retry)" \
	[ "$silent_reqs" = 2 ]
expect "the agent ran to the end without a traceback" \
	"hostile_agent.py died: $(grep -m1 -A3 Traceback "$WORK/agent.log" | tr '\n' ' ')" \
	bash -c "kill -0 $AGENT_PID 2>/dev/null && ! grep -q Traceback '$WORK/agent.log'"

# What argos reported, record by record: one "ok:" or "FAIL:" line per check.
cat >"$WORK/check_output.py" <<'PY'
import json, sys

path, ent = sys.argv[1], sys.argv[2]
big = bytes(i % 256 for i in range(1400)).hex()
# oid suffix -> (type, value, what it is)
want = {
    "1.1.1": ("Counter64", 1, "good, Counter64 1"),
    "1.1.2": ("Counter64", 4294967296, "good, Counter64 2^32"),
    "1.1.3": ("Counter64", 18446744073709551615, "good, Counter64 2^64-1"),
    "1.2.0": ("Integer", -5, "good, Integer -5"),
    "1.3.0": ("OctetString", "", "good, empty OctetString"),
    "2.1.0": ("OctetString", b"right after wrong".hex(), "after the five bad replies"),
    "2.2.0": ("Counter32", 42, "after the five bad replies"),
    "3.1.0": ("Gauge32", 4294967295, "late reply to a retry"),
    "3.2.0": ("Integer", 2147483647, "late reply to a retry"),
    "4.1.0": ("Counter32", 4294967295, "after a truncated reply"),
    "4.2.0": ("IpAddress", "198.18.0.14", "after a truncated reply"),
    "6.1.0": ("OctetString", big, "1400-byte OctetString"),
    "8.1.0": ("ObjectIdentifier", ent + ".8.42", "after tooBig x3"),
    "8.2.0": ("TimeTicks", 8888, "after tooBig x3"),
}
# Values argos may or may not report: .7.2.0 comes before the step back.
maybe = {"7.2.0"}
errors_want = [
    ("malformed", ent + ".5", "the varbind cut short in .5"),
    ("oid-not-increasing", ent + ".7.1.0", "the walk of .7 going backwards"),
    ("gen-err", ent + ".9", "genErr on .9"),
    ("too-big", ent + ".11", "tooBig at max-repetitions 1 on .11"),
]

def ok(msg):
    print("ok: " + msg)

def fail(msg):
    print("FAIL: " + msg)

recs, bad_lines = [], 0
for n, line in enumerate(open(path), 1):
    try:
        recs.append(json.loads(line))
    except ValueError:
        bad_lines += 1
        fail("output line %d is not JSON: %s" % (n, line.strip()[:120]))
if bad_lines == 0:
    ok("every output line is JSON (%d records)" % len(recs))

snmp = [r for r in recs if r.get("kind") == "snmp" and r.get("device_id") == "hostile"]
for suffix, (typ, val, what) in want.items():
    oid = ent + "." + suffix
    got = [r for r in snmp if r.get("oid") == oid]
    shown = val if not isinstance(val, str) or len(val) < 40 else val[:24] + "...(%d hex digits)" % len(val)
    if not got:
        fail("%s (%s) is missing from argos's output: want %s %s" % (oid, what, typ, shown))
        continue
    if len(got) > 1:
        fail("%s (%s) was reported %d times, want once" % (oid, what, len(got)))
        continue
    r = got[0]
    v = r.get("value")
    exact = (type(v) is type(val)) and v == val
    if r.get("type") != typ or not exact:
        gv = v if not isinstance(v, str) or len(v) < 40 else v[:24] + "...(%d hex digits)" % len(v)
        fail("%s (%s): argos says %s %r, want %s %r" % (oid, what, r.get("type"), gv, typ, shown))
    else:
        ok("%s = %s %s, once (%s)" % (oid, typ, shown, what))

extra = sorted({r.get("oid") for r in snmp} - {ent + "." + s for s in list(want) + list(maybe)})
if extra:
    fail("argos reported values it should not have (from a broken reply or outside the walked subtree): %s"
         % ", ".join(map(str, extra)))
else:
    ok("no value from a broken reply or outside a walked subtree")

errs = [r for r in recs if r.get("kind") == "error" and r.get("device_id") == "hostile"]
for err, oid, what in errors_want:
    got = [r for r in errs if r.get("error") == err]
    if not got:
        fail("no error record '%s' for %s (hostile errors: %s)"
             % (err, what, [(r.get("error"), r.get("oid")) for r in errs]))
    elif len(got) > 1:
        fail("error '%s' (%s) reported %d times, want once" % (err, what, len(got)))
    elif got[0].get("oid") != oid or got[0].get("probe") != "snmp":
        fail("error '%s' (%s) names oid %s probe %s, want oid %s probe snmp"
             % (err, what, got[0].get("oid"), got[0].get("probe"), oid))
    else:
        ok("error %s at %s (%s)" % (err, oid, what))
other = [(r.get("error"), r.get("oid")) for r in errs
         if r.get("error") not in {e for e, _, _ in errors_want}]
if other:
    fail("unexpected error records for the hostile device (one timeout would have ended its job): %s" % other)
else:
    ok("no other error for the hostile device (no timeout, no stray malformed)")

silent = [r for r in recs if r.get("device_id") == "silent"]
kinds = [(r.get("kind"), r.get("error")) for r in silent]
if kinds == [("error", "timeout")] and silent[0].get("probe") == "snmp":
    ok("the silent device gets exactly one error: timeout")
else:
    fail("the silent device should get exactly one SNMP error 'timeout', got %s" % kinds)
strangers = sorted({r.get("device_id") for r in recs} - {"hostile", "silent"})
if strangers:
    fail("records for devices that are not in the devices file: %s" % strangers)
PY
while IFS= read -r line; do
	case $line in
	ok:*) check_result ok "${line#ok: }" ;;
	FAIL:*) check_result FAIL "${line#FAIL: }" ;;
	*) echo "$line" ;;
	esac
done < <(python3 "$WORK/check_output.py" "$WORK/out.jsonl" "$ENT" 2>&1 ||
	echo "FAIL: the output checker itself failed (see above)")

if [ "$FAILED" -gt 0 ]; then
	echo "--- argos stdout (summary) ---"
	tail -n 15 "$WORK/argos.out"
	echo "--- argos stderr (last lines) ---"
	tail -n 15 "$WORK/argos.err"
	echo "--- hostile_agent.py log ---"
	cut -c1-200 "$WORK/agent.log" | tail -n 60
fi
finish
