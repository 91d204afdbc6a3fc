#!/usr/bin/env bash
# remote_write_argos.sh - end to end: argos --once polls a real snmpd over
# net_af_packet and sends the results with --remote-write to a real
# Prometheus; every ifIndex's ifHCInOctets there matches snmpbulkwalk
# (the agent's counters may move between the walks, so the value must lie
# between a walk just before and one just after argos), with its ifName.
#
# Testbed of its own: namespace argos-rw1 with snmpd at 198.18.4.10/24,
# veth argosr0 (host end, no address) for argos at 198.18.4.2/24; EAL
# file prefix rwargos; Prometheus on 127.0.0.1.  All removed on exit.
set -uo pipefail
TEST=remote_write_argos
source "$(dirname "$0")/../lib.sh"
NS=argos-rw1
IF=argosr0
AGENT=198.18.4.10
PIDS=()

teardown() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -f "$WORK/snmpd.pid" ] && kill "$(cat "$WORK/snmpd.pid")" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip link del "$IF" 2>/dev/null
	cleanup
}
trap teardown EXIT
[ -n "${RW_KEEP:-}" ] && trap "cat \"$WORK/rwargos.log\" >&2; teardown" EXIT

need_root_and_argos
help=$("$ARGOS" --help 2>&1)
grep -q -- --remote-write <<<"$help" ||
	die "$ARGOS has no --remote-write option: it is not wired into argos yet"
for t in prometheus snmpd snmpbulkwalk curl ethtool; do
	command -v "$t" >/dev/null || die "$t is not installed (scripts/install-deps)"
done
ip netns list | grep -q "^$NS\b" && die "namespace $NS exists already: another run is going on, or remove it"

# --- the testbed: one namespace, one veth, one snmpd --------------------------
veth_ns_up "$NS" "$IF" "$AGENT"
printf 'rocommunity public\nsysName argos-rw1\n' >"$WORK/snmpd.conf"
ip netns exec "$NS" env MIBS= snmpd -f -Lf "$WORK/snmpd.log" -C -c "$WORK/snmpd.conf" -I -smux \
	-p "$WORK/snmpd.pid" "udp:$AGENT:161" </dev/null >/dev/null 2>&1 &
PIDS+=("$!")
agent_answers() { ip netns exec "$NS" snmpget -v2c -c public -t 0.5 -r 0 "$AGENT" 1.3.6.1.2.1.1.5.0 >/dev/null 2>&1; }
await_ready "snmpd in $NS at $AGENT" 30 "$WORK/snmpd.log" agent_answers
echo "id,hostname,ip_address,snmp_community,snmp_version" >"$WORK/devices.csv"
echo "rw1,argos-rw1,$AGENT,public,2c" >>"$WORK/devices.csv"

# --- Prometheus ---------------------------------------------------------------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'global:\n  scrape_interval: 1h\n' >"$WORK/prom.yml"
prometheus --config.file="$WORK/prom.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PORT" --web.enable-remote-write-receiver >"$WORK/prom.log" 2>&1 &
PIDS+=("$!")
await_ready "Prometheus on 127.0.0.1:$PORT" 90 "$WORK/prom.log" \
	curl -sf -o /dev/null "http://127.0.0.1:$PORT/-/ready"

walk() {   # walk OID: "index value" lines
	ip netns exec "$NS" snmpbulkwalk -v2c -c public -On -Oe -Ot -Oq "$AGENT" "$1" |
		sed -E "s/^\.?$1\.([0-9]+) (.*)$/\1 \2/; s/\"//g"
}
query() {
	curl -sf "http://127.0.0.1:$PORT/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    m = r["metric"]
    print(m.get("ifIndex", "-"), r["value"][1], m.get("ifName", "-"))'
}

# --- the run ------------------------------------------------------------------
walk 1.3.6.1.2.1.31.1.1.1.6 >"$WORK/before"
walk 1.3.6.1.2.1.31.1.1.1.1 >"$WORK/names"
run_argos rwargos -m 512 --vdev "net_af_packet0,iface=$IF" -- --ip 198.18.4.2/24 \
	--devices "$WORK/devices.csv" --once --remote-write "http://127.0.0.1:$PORT/api/v1/write"
rc=$?
walk 1.3.6.1.2.1.31.1.1.1.6 >"$WORK/after"
expect "argos --once --remote-write exits 0" \
	"argos exited $rc: $(grep -v '^EAL' "$WORK/rwargos.log" | tail -3 | tr '\n' ' ')" [ "$rc" = 0 ]
query "ifHCInOctets{instance=\"argos-rw1\",job=\"snmp\"}" | sort -n >"$WORK/prom"
n_walk=$(wc -l <"$WORK/before")
expect "Prometheus has ifHCInOctets for all $n_walk interfaces the walk shows" \
	"Prometheus has $(wc -l <"$WORK/prom") ifHCInOctets series of argos-rw1, the walk shows $n_walk" \
	[ "$(wc -l <"$WORK/prom")" = "$n_walk" -a "$n_walk" -gt 0 ]
while read -r idx lo; do
	hi=$(awk -v i="$idx" '$1 == i { print $2 }' "$WORK/after")
	name=$(awk -v i="$idx" '$1 == i { print $2 }' "$WORK/names")
	got=$(awk -v i="$idx" '$1 == i { print $2 }' "$WORK/prom")
	got_name=$(awk -v i="$idx" '$1 == i { print $3 }' "$WORK/prom")
	expect "ifHCInOctets of ifIndex $idx ($name) is $got, between the walks ($lo..$hi)" \
		"ifHCInOctets of ifIndex $idx is '$got' in Prometheus; snmpbulkwalk said $lo before and $hi after" \
		python3 -c "import sys; sys.exit(not ('$got'.isdigit() and $lo <= int('$got') <= $hi))"
	expect "ifIndex $idx is labelled ifName=$name" \
		"ifIndex $idx has ifName '$got_name' in Prometheus, the agent says '$name'" [ "$got_name" = "$name" ]
done <"$WORK/before"
up=$(query "argos_poll_up{instance=\"argos-rw1\"}" | awk '{print $2}')
expect "argos_poll_up of argos-rw1 is 1" "argos_poll_up of argos-rw1 is '${up:-absent}'" [ "$up" = 1 ]
sysup=$(query "sysUpTime{instance=\"argos-rw1\"}" | awk '{print $2}')
expect "sysUpTime of argos-rw1 is sent ($sysup)" "sysUpTime of argos-rw1 is absent" [ -n "$sysup" ]

finish
