#!/usr/bin/env bash
# snmpv3_every_protocol.sh - argos polls one net-snmp snmpd over SNMPv3
# with a user for every security level, auth protocol and privacy
# protocol net-snmp offers (43 users: noAuthNoPriv; 6 authNoPriv; 36
# authPriv with DES, AES, AES-192, AES-256 and Cisco's AES-192-C and
# AES-256-C, v3_agent.sh), one device per user, and for each device
# every varbind of the if-mib profile (system, ifTable, ifXTable) must
# equal snmpbulkwalk -v3 of the same agent with the same user.  The
# first poll of each device discovers the engine (counted), nothing is
# reported as an error, and the summary counts 43 polls ok.  Then the
# same with two worker cores sharing the port, for 13 of the users.
set -uo pipefail
TEST=snmpv3_every_protocol
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agent_ns.sh"
source "$(dirname "$0")/v3_agent.sh"

NS=argos-v3p
SWPORT=v3p
ADDR=198.18.0.120
ROOTS="1.3.6.1.2.1.1 1.3.6.1.2.1.2.2.1 1.3.6.1.2.1.31.1.1.1"

cleanup_test() {
	agent_stop_all
	agent_ns_down "$NS" "$SWPORT"
	cleanup
}
trap cleanup_test EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

need_root_and_argos
testbed_up
ip link show argos0 >/dev/null 2>&1 ||
	die "the testbed has no interface argos0: run 'scripts/testbed down' and try again"
v3_agent_up "$NS" "$SWPORT" "$ADDR"
v3_devices_csv "$ADDR" >"$WORK/devices.csv"
NUSERS=$(echo "$V3_USERS" | wc -l)

for u in $(echo "$V3_USERS" | awk '{print $1}'); do
	# shellcheck disable=SC2086
	v3_walk "$NS" "$ADDR" "$u" $ROOTS >"$WORK/$u.before" 2>"$WORK/$u.walkerr" ||
		die "snmpbulkwalk -v3 as $u failed: $(head -2 "$WORK/$u.walkerr")"
done

run_argos v3p --vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 \
	--gateway 198.18.0.1 --devices "$WORK/devices.csv" --once --ping-count 0 \
	--output "$WORK/out.jsonl"
rc=$?
expect "argos --once exits 0" "argos exited with $(status_name "$rc"): $(tail -3 "$WORK/v3p.log" | tr '\n' ' ')" \
	[ "$rc" = 0 ]

for u in $(echo "$V3_USERS" | awk '{print $1}'); do
	# shellcheck disable=SC2086
	v3_walk "$NS" "$ADDR" "$u" $ROOTS >"$WORK/$u.after" 2>/dev/null ||
		die "snmpbulkwalk -v3 as $u failed after the poll"
	read -r _ level auth _ priv _ <<<"$(v3_user "$u")"
	check "$u ($level $auth $priv): every varbind equals snmpbulkwalk -v3 (OID, type, value)" \
		python3 "$ROOT/tests/integration/walk_oracle.py" --jsonl "$WORK/out.jsonl" \
		--device-id "$u" --walk1 "$WORK/$u.before" --walk2 "$WORK/$u.after"
done
check "no error is reported for any v3 device" absent '"kind":"error"' "$WORK/out.jsonl"
check "the summary counts $NUSERS SNMP polls ok, none failed" \
	grep -q "SNMP polls: $NUSERS ok, 0 failed" "$WORK/v3p.log"
check "no results lost" grep -q 'Results-lost: 0' "$WORK/v3p.log"

# Again with two worker cores (af_packet qpairs=2: the kernel spreads
# the replies, argos steers each to the core whose request it answers),
# on 13 of the users: noauth, every authNoPriv, and every privacy
# protocol under SHA-256 (the oracle's walks are most of this test's time).
USERS2=$(echo "$V3_USERS" | awk '$1 == "noauth" || $1 ~ /^a_/ || $1 ~ /^p_sha256_/ {print $1}')
NUSERS2=$(echo "$USERS2" | wc -l)
{ head -1 "$WORK/devices.csv"; grep -E "^($(echo $USERS2 | tr ' ' '|'))," "$WORK/devices.csv"; } \
	>"$WORK/devices2.csv"
timeout -k 5 "${ARGOS_TIMEOUT:-90}" "$ARGOS" --lcores=0@0,1@0,2@1 -m 512 --file-prefix v3p2 \
	--vdev net_af_packet0,iface=argos0,qpairs=2 -- --ip 198.18.0.2/24 \
	--gateway 198.18.0.1 --devices "$WORK/devices2.csv" --once --ping-count 0 \
	--output "$WORK/out2.jsonl" >"$WORK/v3p2.log" 2>&1
rc=$?
expect "argos --once with two workers exits 0" \
	"argos with two workers exited with $(status_name "$rc"): $(tail -3 "$WORK/v3p2.log" | tr '\n' ' ')" \
	[ "$rc" = 0 ]
check "two workers: the summary says 2 workers and counts $NUSERS2 SNMP polls ok, none failed" \
	holds 'grep -q "argos summary: 2 worker" "$WORK/v3p2.log" && grep -q "SNMP polls: $NUSERS2 ok, 0 failed" "$WORK/v3p2.log"'
for u in $USERS2; do
	# shellcheck disable=SC2086
	v3_walk "$NS" "$ADDR" "$u" $ROOTS >"$WORK/$u.after2" 2>/dev/null ||
		die "snmpbulkwalk -v3 as $u failed after the two-worker poll"
	check "two workers, $u: every varbind equals snmpbulkwalk -v3" \
		python3 "$ROOT/tests/integration/walk_oracle.py" --jsonl "$WORK/out2.jsonl" \
		--device-id "$u" --walk1 "$WORK/$u.after" --walk2 "$WORK/$u.after2"
done
check "two workers: no error is reported" absent '"kind":"error"' "$WORK/out2.jsonl"

if [ "$FAILED" -gt 0 ]; then
	echo "--- argos (last lines) ---"; grep -v '^EAL' "$WORK/v3p.log" | tail -25
	echo "--- argos, two workers (last lines) ---"; grep -v '^EAL' "$WORK/v3p2.log" | tail -25
	echo "--- snmpd (last lines) ---"; tail -10 "$WORK/$NS/snmpd.log"
fi
finish
