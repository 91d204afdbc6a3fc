#!/usr/bin/env bash
# multicore.sh - two worker lcores share one port: argos on
# net_af_packet with qpairs=2 (the kernel's PACKET_FANOUT spreads flows
# over both queues, so replies really land on the wrong core) polls four
# snmpd agents and pings them once; every varbind must equal
# snmpbulkwalk, with no timeout, no loss and no drop, and replies must
# really have been passed between the cores.  A port with fewer or more
# queue pairs than worker lcores (af_packet qpairs=, a memif peer with
# one queue pair) is refused with a message that says what to do.
#
# Its own testbed, so it can run beside the argos0 tests:
#   host: argosm0 (no address)  <-veth->  argos-m1: eth0 198.18.8.10-13/24,
#   one snmpd per address.  argos is 198.18.8.2.
set -uo pipefail
TEST=multicore
source "$(dirname "$0")/lib.sh"

NS=argos-m1
HOST_IF=argosm0
PREFIX=mqargos
AGENTS=(198.18.8.10 198.18.8.11 198.18.8.12 198.18.8.13)
ROOTS="1.3.6.1.2.1.1 1.3.6.1.2.1.2.2.1 1.3.6.1.2.1.31.1.1.1"
LCORES=${ARGOS_MC_LCORES:-0@0,1@0,2@1}   # main and worker 0 share CPU 0

mc_down() {
	local f pid
	for f in "$WORK"/snmpd-*.pid "$WORK/testpmd.pid"; do
		[ -r "$f" ] || continue
		pid=$(<"$f")
		[[ "$pid" =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null   # snmpd and testpmd gone before their logs are removed
	ip netns del "$NS" 2>/dev/null
	ip link del "$HOST_IF" 2>/dev/null
	cleanup
}
trap mc_down EXIT

need_root_and_argos
for t in snmpd snmpbulkwalk ethtool python3; do
	command -v "$t" >/dev/null || die "$t is missing: run scripts/install-deps"
done
if ip netns list | grep -q "^$NS\b" || ip link show "$HOST_IF" >/dev/null 2>&1; then
	die "namespace $NS or link $HOST_IF exists: another multicore run, or a crashed one " \
		"(remove them with: ip netns del $NS; ip link del $HOST_IF)"
fi

# --- the testbed --------------------------------------------------------
veth_ns_up "$NS" "$HOST_IF" "${AGENTS[@]}"

for a in "${AGENTS[@]}"; do
	mkdir -p "$WORK/snmpd-$a"
	printf 'rocommunity public\nsysName mc-%s\nsysLocation argos multicore test\n' "$a" \
		>"$WORK/snmpd-$a/snmpd.conf"
	ip netns exec "$NS" env SNMP_PERSISTENT_DIR="$WORK/snmpd-$a" MIBS= \
		snmpd -f -Lf "$WORK/snmpd-$a/log" -C -c "$WORK/snmpd-$a/snmpd.conf" -I -smux \
		"udp:$a:161" </dev/null >/dev/null 2>&1 &
	echo $! >"$WORK/snmpd-$a.pid"
done
agent_answers() {   # agent_answers ADDR: its snmpd answers sysName.0
	ip netns exec "$NS" snmpget -v2c -c public -t 0.5 -r 0 "$1" 1.3.6.1.2.1.1.5.0 >/dev/null 2>&1
}
for a in "${AGENTS[@]}"; do
	await_ready "snmpd on $a" 30 "$WORK/snmpd-$a/log" agent_answers "$a"
done

{
	echo "id,hostname,ip_address,snmp_community,snmp_version,snmp_port,snmp_timeout,snmp_retries,snmp_max_repetitions,polling_frequency,ping_frequency"
	i=0
	for a in "${AGENTS[@]}"; do
		i=$((i + 1))
		echo "m$i,mc-$a,$a,public,2c,161,2,2,10,60,10"
	done
} >"$WORK/devices.csv"

walk() {   # walk ADDR OUT: the oracle, from the agents' namespace
	local r
	for r in $ROOTS; do
		ip netns exec "$NS" snmpbulkwalk -v2c -c public -On -Oe -Ot -Ox -t 2 -r 1 "$1" "$r" ||
			return 1
	done >"$2"
}

# mc_eal PREFIX [EAL args...] -- [argos args...]: lib.sh's argos_eal,
# with two worker lcores; run_mc logs to $WORK/PREFIX.log
mc_eal() {
	local prefix=$1; shift
	timeout -k 5 "${ARGOS_TIMEOUT:-90}" "$ARGOS" --lcores="$LCORES" -m 512 \
		--file-prefix "$prefix" "$@"
}
run_mc() {
	local prefix=$1
	mc_eal "$@" >"$WORK/$prefix.log" 2>&1
}

NET=(--ip 198.18.8.2/24 --devices "$WORK/devices.csv")

# --- bad input: queue pairs and worker lcores do not match ---------------
# A refusal is exactly exit 1 with its message (docs/argos.1.md); a crash,
# a timeout or a sanitizer report is no refusal.
expect_refusal "two workers on a port with one queue pair: argos exits 1 and says to give the vdev qpairs=2" \
	1 'argos: .*has 1 RX / 1 TX queues.*qpairs=2' \
	mc_eal "$PREFIX-q1" --vdev "net_af_packet0,iface=$HOST_IF" -- "${NET[@]}" --once

expect_refusal "one worker on a port with two queue pairs: argos exits 1 and says unpolled pairs would lose replies" \
	1 'argos: .*2 queue pairs, but 1 worker lcores.*would be lost.*qpairs=1' \
	argos_eal "$PREFIX-q3" -m 512 --vdev "net_af_packet0,iface=$HOST_IF,qpairs=2" -- \
	"${NET[@]}" --once

# A memif peer with one queue pair refuses a client that wants two: the
# link never comes up, and argos must say so rather than drop every frame.
if command -v dpdk-testpmd >/dev/null; then
	timeout -k 2 60 dpdk-testpmd -l 0,1 -m 256 --file-prefix "$PREFIX-peer" \
		--vdev "net_memif0,role=server,socket=$WORK/memif.sock" -- --forward-mode=icmpecho \
		--rxq=1 --txq=1 --auto-start --stats-period 10 </dev/null >"$WORK/testpmd.log" 2>&1 &
	echo $! >"$WORK/testpmd.pid"
	# DPDK's memif listens on an abstract socket by default (no file):
	# /proc/net/unix lists it as @PATH.
	memif_listens() { grep -qE "@?$WORK/memif\.sock\$" /proc/net/unix; }
	await_ready "dpdk-testpmd (the memif peer with one queue pair)" 60 "$WORK/testpmd.log" \
		memif_listens
	expect_refusal "two workers on a memif whose peer has one queue pair: argos exits 1 and says the peer must offer 2 queue pairs" \
		1 'argos: .*memif link is still down.*offer 2 queue pairs' \
		mc_eal "$PREFIX-memif" --vdev "net_memif0,role=client,socket=$WORK/memif.sock" -- \
		"${NET[@]}" --once
	kill "$(<"$WORK/testpmd.pid")" 2>/dev/null
	wait "$(<"$WORK/testpmd.pid")" 2>/dev/null
else
	check "dpdk-testpmd (package dpdk-dev) is installed, for the memif peer" false
fi

# --- two workers poll --------------------------------------------------
for a in "${AGENTS[@]}"; do walk "$a" "$WORK/$a.before" || die "snmpbulkwalk of $a failed"; done
run_mc "$PREFIX" --vdev "net_af_packet0,iface=$HOST_IF,qpairs=2" -- "${NET[@]}" --once \
	--ping-count 3 --stats-period 1 --output "$WORK/out.jsonl"
rc=$?
LOG=$WORK/$PREFIX.log
check "argos with two workers --once exits 0 (got $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || tail -30 "$LOG"
for a in "${AGENTS[@]}"; do walk "$a" "$WORK/$a.after" || die "snmpbulkwalk of $a failed"; done

check "the ready line says 2 workers" grep -q "argos: ready: .*2 worker(s)" "$LOG"
for w in 0 1; do
	check "worker $w runs on its own queue, with replies redirected in software" \
		grep -q "dataplane: worker $w on lcore [0-9]*: queue $w, UDP source port $((40161 + w)), replies from other queues by redirect (SNMP) and redirect (ICMP)" "$LOG"
done

i=0
for a in "${AGENTS[@]}"; do
	i=$((i + 1))
	check "m$i ($a): every varbind equals snmpbulkwalk (OID, type, value)" \
		python3 "$ROOT/tests/integration/walk_oracle.py" --jsonl "$WORK/out.jsonl" \
		--device-id "m$i" --walk1 "$WORK/$a.before" --walk2 "$WORK/$a.after"
done

ping_field() {   # ping_field DEV FIELD
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["kind"] == "ping" and r["device_id"] == sys.argv[2]:
        print(r[sys.argv[3]])' "$WORK/out.jsonl" "$1" "$2"
}
for i in 1 2 3 4; do
	check "m$i: ping sent 3, loss 0 (sent $(ping_field m$i sent), loss $(ping_field m$i loss_ratio))" \
		test "$(ping_field m$i loss_ratio)" = 0.0 -a "$(ping_field m$i sent)" = 3
done
check "no error records at all" absent '"kind":"error"' "$WORK/out.jsonl"
check "the exit summary counts 4 SNMP polls ok, 0 failed" grep -q 'SNMP polls: 4 ok, 0 failed' "$LOG"
summary=$(sed -n '/argos summary/,$p' "$LOG")
expect "no SNMP timeouts" "SNMP timeouts: $(grep -o 'Timeouts: [0-9]*' <<<"$summary")" \
	grep -q 'Timeouts: 0$' <<<"$summary"
# not-for-us counts other traffic on the wire (a neighbour's ARP, say),
# not replies: every reason but that one must stay 0.
# The drop line must be there and name every reason: a missing line is
# not "no drops".
drops=$(grep 'Dropped replies:' <<<"$summary" | tail -1 | sed 's/^ *//')
expect "no replies dropped (other traffic aside): $drops" \
	"replies were dropped, or the summary has no drop line: '${drops:-no Dropped replies line}'" \
	python3 -c '
import re, sys
pairs = re.findall(r"([a-z-]+) ([0-9]+)", sys.argv[1].partition("Dropped replies:")[2])
names = {k for k, _ in pairs}
sys.exit(0 if {"duplicate", "backpressure", "not-for-us"} <= names
         and all(v == "0" for k, v in pairs if k != "not-for-us") else 1)' "$drops"
check "no results lost" grep -qE 'Results-lost: 0$' <<<"$summary"

# worker_figure W NAME: one figure of worker W's "redirected ..." line, or nothing.
worker_figure() {
	grep "dataplane: worker $1: redirected" "$LOG" | tail -1 | grep -oE "$2 [0-9]+" | head -1 | grep -oE '[0-9]+$'
}
redirected=0; full=0; shared=0; bad_rtt=0; missing=
for w in 0 1; do
	for f in redirected redirect-full arp-shared matched 'RTT samples'; do
		[ -n "$(worker_figure $w "$f")" ] || missing+=" worker $w: $f;"
	done
	redirected=$((redirected + $(worker_figure $w redirected || echo 0)))
	full=$((full + $(worker_figure $w redirect-full || echo 0)))
	shared=$((shared + $(worker_figure $w arp-shared || echo 0)))
	m=$(worker_figure $w matched)
	r=$(worker_figure $w 'RTT samples')
	if ! { [ -n "$m" ] && [ "$m" = "$r" ] && [ "$m" -gt 0 ]; }; then bad_rtt=1; fi
done
expect "both workers reported their redirect and RTT figures" \
	"figures missing from the workers' exit lines:$missing" [ -z "$missing" ]
check "replies that landed on the other core were passed to it (redirected $redirected)" \
	[ "$redirected" -gt 0 ]
check "no redirect ring overflowed (redirect-full $full)" [ "$full" = 0 ]
check "ARP answers were shared between the cores (arp-shared $shared)" [ "$shared" -gt 0 ]
expect "each worker counted every matched reply once in its RTT histogram" \
	"a worker's RTT samples differ from its matched replies: $(grep 'RTT samples' "$LOG" | tr '\n' ' ')" \
	[ "$bad_rtt" = 0 ]
echo "--- what the two workers said, and the exit summary:"
grep -E 'dataplane: worker' "$LOG"
echo "$summary"
finish
