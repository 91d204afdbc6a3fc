#!/usr/bin/env bash
# switch_recording.sh - argos polls a recording of a 16-port Cisco
# switch completely, with the default if-mib profile and no flag.
#
# snmpsim (snmpsimd) serves tests/integration/data/cisco-c2960x-16port.snmprec
# in a namespace of its own: a Catalyst 2960-X system group whose
# sysORTable has 50 rows with sysORDescr strings of 370 to 500 bytes,
# and a 16-port ifTable and ifXTable.  With the devices file's default
# max-repetitions (25), one GETBULK reply of the system group carries
# 25 sysORDescr strings, about 10 KB, so the agent's kernel sends it in
# 8 fragments.  Before argos reassembled replies, the walk of the
# system group stopped there and the device was reported as `timeout`
# with no interface data at all.  Now every varbind of system, ifTable
# and ifXTable must come out, equal to snmpbulkwalk of the same agent,
# with no error, no timeout and no dropped reply.
#
#   host: argosc0 (no address)  <-veth->  argos-c16: eth0 198.18.10.10/24,
#   snmpsimd on udp/161, community public.  argos is 198.18.10.2.
set -uo pipefail
TEST=switch_recording
source "$(dirname "$0")/lib.sh"

NS=argos-c16
HOST_IF=argosc0
PREFIX=c16argos
AGENT=198.18.10.10
ARGOS_IP=198.18.10.2
RECORDING=$ROOT/tests/integration/data/cisco-c2960x-16port.snmprec
ROOTS="1.3.6.1.2.1.1 1.3.6.1.2.1.2.2.1 1.3.6.1.2.1.31.1.1.1"
SIM_PID=

c16_down() {
	if [ -n "$SIM_PID" ]; then
		kill "$SIM_PID" 2>/dev/null
		wait "$SIM_PID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	ip link del "$HOST_IF" 2>/dev/null
	cleanup
}
trap c16_down EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

need_root_and_argos
command -v snmpsimd >/dev/null || die "snmpsimd is missing: apt-get install snmpsim (scripts/install-deps)"
for t in snmpbulkwalk ethtool python3; do
	command -v "$t" >/dev/null || die "$t is missing: run scripts/install-deps"
done
[ -r "$RECORDING" ] || die "the recording $RECORDING is missing"
if ip netns list | grep -q "^$NS\b" || ip link show "$HOST_IF" >/dev/null 2>&1; then
	ip netns del "$NS" 2>/dev/null
	ip link del "$HOST_IF" 2>/dev/null
fi

veth_ns_up "$NS" "$HOST_IF" "$AGENT"

# snmpsim: the community is the data file's name.
mkdir -p "$WORK/data"
cp "$RECORDING" "$WORK/data/public.snmprec"
snmpsim_up "$NS" "$AGENT" public

walk() {   # walk OUT: the oracle, from the agent's namespace
	local r
	for r in $ROOTS; do
		ip netns exec "$NS" snmpbulkwalk -v2c -c public -On -Oe -Ot -Ox -t 3 -r 1 "$AGENT" "$r" ||
			return 1
	done >"$1"
}

largest=$(ip netns exec "$NS" snmpbulkwalk -v2c -c public -Cr25 -d -t 3 -r 1 "$AGENT" \
	1.3.6.1.2.1.1 2>&1 >/dev/null | grep -oE '^Received [0-9]+ byte' | grep -oE '[0-9]+' |
	sort -n | tail -1)
check "the recording's system group, walked 25 at a time, brings a reply of about 10 KB (${largest:-none} bytes): 7 fragments or more" \
	test "${largest:-0}" -ge 9000 -a "${largest:-0}" -le 11800

echo "id,hostname,ip_address,snmp_community,snmp_version" >"$WORK/devices.csv"
echo "c16,acc-sw-16,$AGENT,public,2c" >>"$WORK/devices.csv"
walk "$WORK/walk.before" || die "snmpbulkwalk of $AGENT failed"
# The default profile, the default max-repetitions, and no flag but
# what any poll needs.
run_argos "$PREFIX" --vdev "net_af_packet0,iface=$HOST_IF" -- --ip "$ARGOS_IP/24" \
	--devices "$WORK/devices.csv" --once --output "$WORK/out.jsonl"
rc=$?
LOG=$WORK/$PREFIX.log
check "argos --once exits 0 (got $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || tail -30 "$LOG"
walk "$WORK/walk.after" || die "snmpbulkwalk of $AGENT failed after argos"

check "every varbind of system, ifTable and ifXTable equals snmpbulkwalk (OID, type, value)" \
	python3 "$ROOT/tests/integration/walk_oracle.py" --jsonl "$WORK/out.jsonl" --device-id c16 \
	--walk1 "$WORK/walk.before" --walk2 "$WORK/walk.after"
count() {   # count PREFIX: argos's varbinds under an OID prefix
	grep -c "\"oid\":\"$1\\." "$WORK/out.jsonl"
}
check "all 50 sysORDescr strings came out ($(count 1.3.6.1.2.1.1.9.1.3))" \
	[ "$(count 1.3.6.1.2.1.1.9.1.3)" = 50 ]
check "the whole ifTable came out: 16 ports x 22 columns ($(count 1.3.6.1.2.1.2.2.1))" \
	[ "$(count 1.3.6.1.2.1.2.2.1)" = 352 ]
check "the whole ifXTable came out: 16 ports x 19 columns ($(count 1.3.6.1.2.1.31.1.1.1))" \
	[ "$(count 1.3.6.1.2.1.31.1.1.1)" = 304 ]
check "no error record (no timeout)" bash -c "! grep -q '\"kind\":\"error\"' '$WORK/out.jsonl'"
summary=$(sed -n '/argos summary/,$p' "$LOG")
check "the summary counts 1 SNMP poll ok, 0 failed" grep -q 'SNMP polls: 1 ok, 0 failed' <<<"$summary"
expect "no SNMP timeouts" "SNMP timeouts: $(grep -o 'Timeouts: [0-9]*' <<<"$summary")" \
	grep -q 'Timeouts: 0$' <<<"$summary"
expect "no reply dropped (other traffic aside)" "replies were dropped: $(grep 'Dropped replies' <<<"$summary")" \
	bash -c '! grep "Dropped replies" <<<"$1" | sed "s/not-for-us [0-9]*//" | grep -qE " [1-9][0-9]*(,|$)"' _ "$summary"
echo "--- the exit summary"
echo "$summary"
finish
