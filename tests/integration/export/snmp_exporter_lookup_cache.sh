#!/usr/bin/env bash
# snmp_exporter_lookup_cache.sh - label tables of snmp_exporter modules are
# walked on their own period, not at every poll (issue 15): argos polls the
# if_mib module every second from an snmpd with 24 interfaces (enough rows
# for the light plan to pay) with --lookup-refresh 10, and
#   - most polls leave ifDescr, ifName and ifAlias out (their varbinds are
#     not in the output) while the series keep those labels;
#   - an interface renamed with snmpset (ifAlias) carries its new name once
#     the period has passed;
#   - an interface added to the agent (ifTableLastChange and ifNumber
#     move) carries its ifName well before the period:
#     the light poll that saw the change makes the next one walk the labels;
#   - snmpd restarted (sysUpTime back to 0) counts one in
#     argos_agent_resets_total.
#
# Testbed of its own: namespace argos-sx2 (snmpd at 198.18.44.10, writable
# ifAlias of access-port-01a for the private community from 127.0.0.1), veth argossx2
# for argos at 198.18.44.2, Prometheus on the host.  All removed on exit.
set -uo pipefail
TEST=snmp_exporter_lookup_cache
source "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
NS=argos-sx2
IF=argossx2
AGENT=198.18.44.10
REFRESH=10
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
[ -n "${SX_KEEP:-}" ] && trap 'cp -r "$WORK" /tmp/sx-keep2; teardown' EXIT

need_root_and_argos
for t in prometheus snmpd snmpget snmpset curl ethtool python3; do
	command -v "$t" >/dev/null || die "$t is not installed (scripts/install-deps)"
done
ip netns list | grep -q "^$NS\b" && die "namespace $NS exists already: another run is going on, or remove it"

veth_ns_up "$NS" "$IF" "$AGENT"
# 22 interfaces more (veth pairs: this kernel has no dummy), 24 rows, with
# names and descriptions as long as a switch's: the light plan walks each
# column on its own, which pays when the label columns weigh.
for i in $(seq -w 1 11); do
	ip -n "$NS" link add "access-port-${i}a" type veth peer name "access-port-${i}b" ||
		die "cannot add veth access-port-${i}a"
	for e in a b; do
		ip -n "$NS" link set "access-port-$i$e" alias "customer circuit 100$i$e to building 7"
	done
done
IDX=$(ip -n "$NS" -o link show access-port-01a | cut -d: -f1)
cat >"$WORK/snmpd.conf" <<EOF
rocommunity public
rwcommunity private 127.0.0.1
sysName argos-sx2
override -rw 1.3.6.1.2.1.31.1.1.1.18.$IDX octet_str "before"
EOF
start_snmpd() {
	ip netns exec "$NS" env MIBS= snmpd -f -Lf "$WORK/snmpd.log" -C -c "$WORK/snmpd.conf" -I -smux \
		-p "$WORK/snmpd.pid" "udp:$AGENT:161,udp:127.0.0.1:161" </dev/null >/dev/null 2>&1 &
	PIDS+=("$!")
	for _ in $(seq 50); do
		ip netns exec "$NS" snmpget -v2c -c public -t 1 -r 0 "$AGENT" 1.3.6.1.2.1.1.5.0 \
			>/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
start_snmpd || die "snmpd in $NS does not answer at $AGENT"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'global:\n  scrape_interval: 1h\n' >"$WORK/prom.yml"
prometheus --config.file="$WORK/prom.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PORT" --web.enable-remote-write-receiver >"$WORK/prom.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 150); do curl -sf "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1 || die "Prometheus did not become ready"

h=id,hostname,ip_address,snmp_community,snmp_version,snmp_timeout,snmp_retries
printf '%s,snmp_max_repetitions,polling_frequency,ping_frequency,snmp_exporter_module\n' "$h" \
	>"$WORK/devices.csv"
printf 'c1,argos-sx2,%s,public,2c,2,2,30,1,0,if_mib\n' "$AGENT" >>"$WORK/devices.csv"

# --- the run: a rename, an interface added, a restart, while argos polls ------
MPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
( trap - EXIT   # the test's teardown is not this subshell's
  ARGOS_TIMEOUT=60 run_argos sxcache -m 512 --vdev "net_af_packet0,iface=$IF" -- \
	--ip 198.18.44.2/24 --devices "$WORK/devices.csv" --duration 26 \
	--snmp-exporter-config "$HERE/snmp_exporter.d/snmp-modules.yml" --lookup-refresh "$REFRESH" \
	--output "$WORK/out.jsonl" --remote-write "http://127.0.0.1:$PORT/api/v1/write" \
	--listen "127.0.0.1:$MPORT" --debug 2 ) &
ARGOS_PID=$!
for _ in $(seq 300); do grep -q "argos: ready" "$WORK/sxcache.log" 2>/dev/null && break; sleep 0.1; done
grep -q "argos: ready" "$WORK/sxcache.log" || die "argos did not start: $(tail -3 "$WORK/sxcache.log")"
t0=$(date +%s%3N)
sleep 3
ip netns exec "$NS" snmpset -v2c -c private 127.0.0.1 1.3.6.1.2.1.31.1.1.1.18.$IDX s "after" \
	>/dev/null || die "snmpset of ifAlias.$IDX failed"
t_rename=$(date +%s%3N)
sleep 9   # past the first period: the rename is walked by then
ip -n "$NS" link add access-port-23a type veth peer name access-port-23b
t_add=$(date +%s%3N)
IDX23=$(ip -n "$NS" -o link show access-port-23a | cut -d: -f1)
sleep 6
curl -s "http://127.0.0.1:$MPORT/metrics" | grep '^argos_sx' >"$WORK/sx_metrics"
pid=$(cat "$WORK/snmpd.pid")
t_kill=$(date +%s%3N)
kill "$pid"
for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
start_snmpd || die "snmpd did not come back"
t_restart=$(date +%s%3N)
wait "$ARGOS_PID"
rc=$?
expect "argos runs 26 s of 1 s polls and exits 0" \
	"argos exited $rc: $(grep -v '^EAL' "$WORK/sxcache.log" | tail -3 | tr '\n' ' ')" [ "$rc" = 0 ]

# --- what was walked, poll by poll ----------------------------------------------
python3 - "$WORK/out.jsonl" "$IDX" "$IDX23" "$t0" "$t_add" "$REFRESH" >"$WORK/polls" <<'PY'
import json, sys
path, idx, idx23, t0, t_add, refresh = sys.argv[1:7]
polls, full, name23 = [], [], []
for line in open(path):
    r = json.loads(line)
    if r.get("kind") != "snmp":
        continue
    if r["oid"] == "1.3.6.1.2.1.31.1.1.1.6." + idx:        # ifHCInOctets: every poll
        polls.append(r["ts_ms"])
    if r["oid"] == "1.3.6.1.2.1.31.1.1.1.1." + idx:        # ifName: label polls only
        full.append(r["ts_ms"])
    if r["oid"] == "1.3.6.1.2.1.31.1.1.1.1." + idx23:
        name23.append(r["ts_ms"])
gaps = [b - a for a, b in zip(full, full[1:])]
print(len(polls), len(full), ",".join("%.1f" % (g / 1000) for g in gaps) or "none",
      "%.1f" % ((name23[0] - int(t_add)) / 1000) if name23 else "never")
PY
read -r n_polls n_full gaps first23 <"$WORK/polls"
sed 's/^/    /' "$WORK/sx_metrics"
echo "    $n_polls polls, $n_full of them walked the label tables (gaps $gaps s); the added interface's ifName first walked ${first23} s after it came"
expect "most polls leave the label tables out ($n_polls polls, $n_full full)" \
	"$n_polls polls, $n_full walked the label tables: the lookup cache did not work" \
	bash -c '[ "$1" -ge 18 ] && [ "$2" -ge 3 ] && [ "$2" -le 6 ] && [ $(($1 - $2)) -ge 12 ]' _ \
	"$n_polls" "$n_full"
first_gap=${gaps%%,*}
expect "the label tables are walked again after --lookup-refresh $REFRESH s (first gap ${first_gap:-none} s)" \
	"the first two label walks are ${first_gap:-none} s apart, the period is $REFRESH s" \
	python3 -c "import sys; g = float('${first_gap:-0}'); sys.exit(not ($REFRESH - 1 <= g <= $REFRESH + 2.5))"
expect "an interface added is walked soon after, not a period later (${first23} s)" \
	"the new interface's ifName was walked ${first23} s after it was added (period $REFRESH s)" \
	python3 -c "import sys; sys.exit(not ('$first23' != 'never' and float('$first23') < $REFRESH - 3))"

# --- what Prometheus has -----------------------------------------------------------
query() {   # query PROMQL LABEL [TIME]: "label-value value" per series
	curl -sf "http://127.0.0.1:$PORT/api/v1/query" --data-urlencode "query=$1" \
		${3:+--data-urlencode "time=$3"} | python3 -c '
import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    print(r["metric"].get(sys.argv[1], "-"), r["value"][1])' "$2"
}
sel="instance=\"argos-sx2\",ifIndex=\"$IDX\""
# (before snmpd's restart, which sets the ifAlias of its config again)
alias_now=$(query "last_over_time(ifHCInOctets{$sel}[4s])" ifAlias \
	"$(python3 -c "print(($t_kill - 200) / 1000)")")
expect "the renamed interface carries its new ifAlias after the period ($alias_now)" \
	"ifIndex $IDX's series before snmpd's restart: '$alias_now'; snmpset made its ifAlias 'after'" \
	bash -c '[ "$(echo "$1" | wc -l)" = 1 ] && [ "$(echo "$1" | awk "{print \$1}")" = after ]' _ \
	"$alias_now"
at=$(python3 -c "print(($t_rename + 5000) / 1000)")
cached=$(query "count_over_time(ifHCInOctets{$sel,ifAlias=\"before\"}[3s])" ifIndex "$at" | awk '{print $2}')
expect "polls just after the rename kept the cached name (${cached:-0} samples 2 to 5 s after it)" \
	"no sample of ifIndex $IDX with the old ifAlias 2 to 5 s after the rename: labels were walked at every poll" \
	bash -c '[ "${1:-0}" -ge 2 ]' _ "$cached"
name23=$(query "last_over_time(ifHCInOctets{instance=\"argos-sx2\",ifIndex=\"$IDX23\",ifName=\"access-port-23a\"}[30s])" ifName)
expect "the added interface carries its ifName (${name23:-absent})" \
	"the added interface has no series with ifName access-port-23a" [ -n "$name23" ]
resets=$(query "argos_agent_resets_total{instance=\"argos-sx2\"}" instance | awk '{print $2}')
expect "the snmpd restart counts one in argos_agent_resets_total (${resets:-absent})" \
	"argos_agent_resets_total is '${resets:-absent}' after one restart of snmpd" [ "$resets" = 1 ]
finish
