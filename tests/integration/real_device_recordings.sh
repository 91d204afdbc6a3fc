#!/usr/bin/env bash
# real_device_recordings.sh - argos polls twelve recordings of real
# switches and routers completely, with the default if-mib profile.
#
# snmpsim (snmpsimd) serves tests/integration/data/recordings/*.snmprec
# in a namespace of its own, one community per recording: the system
# group, ifTable and ifXTable of a Cisco Catalyst 3560 and Nexus 5000, a
# Juniper MX960, Huawei, HPE, Brocade, D-Link, H3C, ZTE, Aruba, Ubiquiti
# and Vyatta devices (data/recordings/README.md says where they come
# from and what makes each hard: strings of 500 bytes, hex strings with
# bytes that are not ASCII, CR LF inside sysDescr, a device with no
# ifXTable, hundreds of Counter64 values).  argos polls all twelve at
# once, as twelve devices on one address, and every varbind must equal
# what net-snmp's snmpbulkwalk reads from the same agent (OID, type and
# value; walk_oracle.py), with no error record, no timeout and no
# dropped reply.
#
#   host: argosrr0 (no address)  <-veth->  argos-rr: eth0 198.18.11.10/24,
#   snmpsimd on udp/161.  argos is 198.18.11.2.
set -uo pipefail
TEST=real_device_recordings
source "$(dirname "$0")/lib.sh"

NS=argos-rr
HOST_IF=argosrr0
PREFIX=rrargos
AGENT=198.18.11.10
ARGOS_IP=198.18.11.2
DATA=$ROOT/tests/integration/data/recordings
ROOTS="1.3.6.1.2.1.1 1.3.6.1.2.1.2.2.1 1.3.6.1.2.1.31.1.1.1"
SIM_PID=

rr_down() {
	if [ -n "$SIM_PID" ]; then
		kill "$SIM_PID" 2>/dev/null
		wait "$SIM_PID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	ip link del "$HOST_IF" 2>/dev/null
	cleanup
}
trap rr_down EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

need_root_and_argos
command -v snmpsimd >/dev/null || die "snmpsimd is missing: apt-get install snmpsim (scripts/install-deps --test)"
for t in snmpbulkwalk snmpget ethtool python3; do
	command -v "$t" >/dev/null || die "$t is missing: run scripts/install-deps --test"
done
mapfile -t RECS < <(cd "$DATA" && ls *.snmprec | sed 's/\.snmprec$//')
[ "${#RECS[@]}" = 12 ] || die "expected 12 recordings in $DATA, found ${#RECS[@]}"
ip netns del "$NS" 2>/dev/null
ip link del "$HOST_IF" 2>/dev/null

veth_ns_up "$NS" "$HOST_IF" "$AGENT"

# snmpsim: a recording's file name is its community.
mkdir -p "$WORK/data"
cp "$DATA"/*.snmprec "$WORK/data/"
snmpsim_up "$NS" "$AGENT" "${RECS[0]}"

walk() {   # walk COMMUNITY OUT: the oracle, from the agent's namespace
	local r
	for r in $ROOTS; do
		ip netns exec "$NS" snmpbulkwalk -v2c -c "$1" -On -Oe -Ot -Ox -t 5 -r 1 "$AGENT" "$r" ||
			return 1
	done >"$2"
}

echo "id,hostname,ip_address,snmp_community,snmp_version" >"$WORK/devices.csv"
for r in "${RECS[@]}"; do
	echo "$r,$r,$AGENT,$r,2c" >>"$WORK/devices.csv"
	walk "$r" "$WORK/$r.before" || die "snmpbulkwalk of the recording $r failed"
done
# The default profile, the default max-repetitions, and no flag but
# what any poll needs.
run_argos "$PREFIX" --vdev "net_af_packet0,iface=$HOST_IF" -- --ip "$ARGOS_IP/24" \
	--devices "$WORK/devices.csv" --once --output "$WORK/out.jsonl"
rc=$?
LOG=$WORK/$PREFIX.log
check "argos --once exits 0 (got $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || tail -30 "$LOG"

total=0
for r in "${RECS[@]}"; do
	walk "$r" "$WORK/$r.after" || die "snmpbulkwalk of the recording $r failed after argos"
	check "$r: every varbind of system, ifTable and ifXTable equals snmpbulkwalk (OID, type, value)" \
		python3 "$ROOT/tests/integration/walk_oracle.py" --jsonl "$WORK/out.jsonl" \
		--device-id "$r" --walk1 "$WORK/$r.before" --walk2 "$WORK/$r.after"
	n=$(grep -c "^{\"kind\":\"snmp\",\"device_id\":\"$r\"," "$WORK/out.jsonl")
	total=$((total + n))
done
echo "# $total varbinds of ${#RECS[@]} real devices"
check "some 17,000 varbinds came out in all ($total)" [ "$total" -ge 17000 ]
check "no error record: no timeout, no malformed reply, no walk cut short" \
	absent '"kind":"error"' "$WORK/out.jsonl"
check "all twelve polls ended ok (exit summary: $(grep -o 'SNMP polls: [0-9]* ok, [0-9]* failed' "$LOG"))" \
	grep -q "SNMP polls: ${#RECS[@]} ok, 0 failed" "$LOG"
for reason in malformed unknown-request-id duplicate wrong-community; do
	v=$(drop_count "$LOG" "$reason")
	check "no reply was dropped as $reason (${v:-missing})" [ "${v:-missing}" = 0 ]
done
finish
