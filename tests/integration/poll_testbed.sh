#!/usr/bin/env bash
# poll_testbed.sh - argos over net_af_packet polls the testbed's snmpd
# hosts (three on-link, one behind the router, one of them also with
# SNMPv1) and one dead address once; every varbind must equal
# snmpbulkwalk (snmpwalk -v1 for v1) of the same agent, ping loss must
# be 0 to live hosts and 1.0 to the dead one.  A second run GETs
# scalars with --oids and compares them with snmpget.
set -uo pipefail
TEST=poll_testbed
source "$(dirname "$0")/lib.sh"
trap cleanup EXIT
need_root_and_argos
testbed_up

ROOTS="1.3.6.1.2.1.1 1.3.6.1.2.1.2.2.1 1.3.6.1.2.1.31.1.1.1"
declare -A ADDR=([h1]=198.18.0.11 [h2]=198.18.0.12 [h3]=198.18.0.13 [h4]=198.18.1.10
	[h1v1]=198.18.0.11)

walk() {   # walk DEV OUTFILE: the oracle, from a namespace that reaches DEV
	local r cmd=(snmpbulkwalk -v2c)
	[ "$1" = h1v1 ] && cmd=(snmpwalk -v1)
	for r in $ROOTS; do
		ip netns exec argos-h2 "${cmd[@]}" -c public -On -Oe -Ot -Ox -t 2 -r 1 \
			"${ADDR[$1]}" "$r" || return 1
	done >"$2"
}

cp "$STATE/devices.csv" "$WORK/devices.csv"
echo "h1v1,argos-h1-v1,198.18.0.11,public,1,161,1,2,25,60,10" >>"$WORK/devices.csv"

for d in "${!ADDR[@]}"; do walk "$d" "$WORK/$d.before" || die "snmpbulkwalk of $d failed"; done

start=$(date +%s%N)
run_argos argos-poll --vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 \
	--gateway 198.18.0.1 --devices "$WORK/devices.csv" --once --stats-period 1 \
	--output "$WORK/out.jsonl"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "argos --once exits 0 (got $rc, see below)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || tail -30 "$WORK/argos-poll.log"
echo "argos --once took ${ms} ms"

for d in "${!ADDR[@]}"; do walk "$d" "$WORK/$d.after" || die "snmpbulkwalk of $d failed"; done

for d in h1 h2 h3 h4 h1v1; do
	check "$d: every varbind equals snmpbulkwalk or snmpwalk -v1 (OID, type, value)" \
		python3 "$ROOT/tests/integration/walk_oracle.py" --jsonl "$WORK/out.jsonl" \
		--device-id "$d" --walk1 "$WORK/$d.before" --walk2 "$WORK/$d.after"
done

ping_field() {   # ping_field DEV FIELD
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["kind"] == "ping" and r["device_id"] == sys.argv[2]:
        print(r[sys.argv[3]])' "$WORK/out.jsonl" "$1" "$2"
}
for d in h1 h2 h3 h4 h1v1; do
	check "$d: ping sent 3, loss 0 (loss $(ping_field $d loss_ratio))" \
		test "$(ping_field $d loss_ratio)" = 0.0 -a "$(ping_field $d sent)" = 3
done
check "dead1: ping loss is 1.0 (got $(ping_field dead1 loss_ratio))" \
	[ "$(ping_field dead1 loss_ratio)" = 1.0 ]
check "dead1: the SNMP poll reports a timeout" \
	grep -q '"kind":"error","device_id":"dead1","hostname":"dead1","error":"timeout","probe":"snmp"' "$WORK/out.jsonl"
check "no SNMP values from dead1" absent '"kind":"snmp","device_id":"dead1"' "$WORK/out.jsonl"
check "statistics were printed while polling (--stats-period 1)" grep -q 'Tx-pps:' "$WORK/argos-poll.log"
check "the exit summary counts 5 SNMP polls ok, 1 failed" \
	grep -q 'SNMP polls: 5 ok, 1 failed' "$WORK/argos-poll.log"
check "no results lost" grep -q 'Results-lost: 0' "$WORK/argos-poll.log"

# GET of scalars (OIDs ending in .0), mixed with a walk, v2c and v1.
SCALARS="1.3.6.1.2.1.1.1.0 1.3.6.1.2.1.1.4.0 1.3.6.1.2.1.1.5.0 1.3.6.1.2.1.1.6.0"
run_argos argos-get --vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 \
	--gateway 198.18.0.1 --devices "$WORK/devices.csv" --once --ping-count 0 \
	--oids "${SCALARS// /,},1.3.6.1.2.1.1.9.1.3,1.3.6.1.2.1.1.99.0" --output "$WORK/get.jsonl"
rc=$?
check "argos --once with --oids exits 0 (got $rc)" [ "$rc" = 0 ]
for d in h1 h3 h1v1; do
	v=2c; [ $d = h1v1 ] && v=1
	# shellcheck disable=SC2086
	ip netns exec argos-h2 snmpget -v$v -c public -On -Oe -Ot -Ox "${ADDR[$d]}" $SCALARS \
		>"$WORK/$d.get" 2>&1
	ip netns exec argos-h2 snmpbulkwalk -v2c -c public -On -Oe -Ot -Ox "${ADDR[$d]}" \
		1.3.6.1.2.1.1.9.1.3 >>"$WORK/$d.get"
	check "$d: GETs of scalars and a walk equal snmpget/snmpbulkwalk" \
		python3 "$ROOT/tests/integration/walk_oracle.py" --jsonl "$WORK/get.jsonl" \
		--device-id "$d" --walk1 "$WORK/$d.get" --walk2 "$WORK/$d.get"
done
check "h1: a GET of a missing scalar reports no-such-object (v2c)" \
	grep -q '"device_id":"h1",.*"error":"no-such-object","probe":"snmp","oid":"1.3.6.1.2.1.1.99.0"' "$WORK/get.jsonl"
check "h1v1: a GET of a missing scalar reports no-such-name (v1)" \
	grep -q '"device_id":"h1v1",.*"error":"no-such-name","probe":"snmp","oid":"1.3.6.1.2.1.1.99.0"' "$WORK/get.jsonl"
# --max-pps: the cores' send rate stays at the limit.  Ping-only jobs of
# one probe each, back to back, would send several thousand a second.
run_argos argos-pps --vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 \
	--gateway 198.18.0.1 --devices-cidr 198.18.0.8/29 --ping-only --ping-count 1 \
	--max-pps 300 --duration 4 --summary-json "$WORK/pps.json"
rc=$?
pps=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tx_pps"])' "$WORK/pps.json" 2>/dev/null)
expect "--max-pps 300 holds the send rate (${pps} pps)" \
	"--max-pps 300: the cores sent ${pps:-?} pps (argos: $(status_name "$rc"))" \
	python3 -c "import sys; sys.exit(not ($rc == 0 and 100 <= float('${pps:-0}') <= 330))"
finish
