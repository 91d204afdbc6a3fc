#!/usr/bin/env bash
# bad_input.sh - bad input gets a clear error and loses nothing:
#   an unreachable gateway (every device errors arp-timeout, nothing
#   hangs), an interface that does not exist (the error names the vdev),
#   too little hugepage memory (the error names scripts/hugepages), a
#   malformed devices file (FILE:LINE: reason, nothing polled), a bad flag,
#   a malformed remote-write URL (refused) and a receiver that is down
#   (not refused: argos polls and spills).
set -uo pipefail
TEST=bad_input
source "$(dirname "$0")/lib.sh"
trap cleanup EXIT
need_root_and_argos
testbed_up

VDEV=(--vdev net_af_packet0,iface=argos0)
NET=(--ip 198.18.0.2/24 --gateway 198.18.0.1)

# 1. Unreachable gateway: every device is off-link behind 198.18.0.250,
#    which nobody answers.
cat >"$WORK/offlink.csv" <<CSV
id,hostname,ip_address,snmp_community,snmp_version,snmp_timeout,snmp_retries
far1,far1,198.18.1.10,public,2c,1,1
far2,far2,198.18.2.20,public,2c,1,1
far3,far3,198.18.3.30,public,1,1,1
CSV
start=$(date +%s)
run_argos argos-gw "${VDEV[@]}" -- --ip 198.18.0.2/24 --gateway 198.18.0.250 \
	--devices "$WORK/offlink.csv" --once --output "$WORK/gw.jsonl"
rc=$?
secs=$(( $(date +%s) - start ))
check "unreachable gateway: argos exits 0 after reporting (rc $rc)" [ "$rc" = 0 ]
check "unreachable gateway: argos does not hang (took ${secs}s, limit 30s)" [ "$secs" -le 30 ]
for d in far1 far2 far3; do
	check "unreachable gateway: $d's SNMP poll errors with arp-timeout" \
		grep -q "\"device_id\":\"$d\",.*\"error\":\"arp-timeout\",\"probe\":\"snmp\"" "$WORK/gw.jsonl"
	check "unreachable gateway: $d's ping errors with arp-timeout" \
		grep -q "\"device_id\":\"$d\",.*\"error\":\"arp-timeout\",\"probe\":\"icmp\"" "$WORK/gw.jsonl"
done

# Each refusal below must be exactly exit 1 (docs/argos.1.md, EXIT
# STATUS) with its message: a crash, a timeout or a sanitizer report is
# no refusal (lib.sh's expect_refusal).

# 2. An interface that does not exist.
expect_refusal "missing interface: argos exits 1 and the error names the vdev" \
	1 'argos: .*net_af_packet0,iface=argos-nope0' \
	argos_eal argos-noif --vdev net_af_packet0,iface=argos-nope0 -- "${NET[@]}" \
	--devices "$STATE/devices.csv" --once

# 3. Too little hugepage memory for what the EAL is asked to reserve.
expect_refusal "too few hugepages: argos exits 1 and the error names scripts/hugepages" \
	1 'argos: .*scripts/hugepages' \
	argos_eal argos-huge -m 262144 "${VDEV[@]}" -- "${NET[@]}" --devices "$STATE/devices.csv" --once

# 4. A malformed devices file: FILE:LINE: reason, and nothing polled.
#    What h1's agent received is read from its own counter, snmpInPkts.0:
#    one snmpget before argos and one after, so with nothing from argos
#    in between the second reads exactly one more than the first.
printf 'id,hostname,ip_address,snmp_community,snmp_version\nh1,argos-h1,198.18.0.11,public,2c\nh2,argos-h2,198.18.0.300,public,2c\n' \
	>"$WORK/bad.csv"
in_pkts() {   # snmpInPkts.0 of h1's agent, asked from argos-h2
	ip netns exec argos-h2 snmpget -v2c -c public -t 1 -r 1 -Oqv 198.18.0.11 1.3.6.1.2.1.11.1.0 2>/dev/null
}
pkts_before=$(in_pkts)
expect_refusal "malformed devices file: argos exits 1 and the error is FILE:LINE: reason" \
	1 "argos: $WORK/bad.csv:3: ip_address: '198.18.0.300' is not an IPv4 address" \
	argos_eal argos-csv "${VDEV[@]}" -- "${NET[@]}" --devices "$WORK/bad.csv" --once \
	--output "$WORK/csv.jsonl"
pkts_after=$(in_pkts)
check "malformed devices file: nothing was polled (no output written)" [ ! -s "$WORK/csv.jsonl" ]
expect "malformed devices file: the good line's agent saw no request (snmpInPkts $pkts_before, then $pkts_after for our own second snmpget)" \
	"malformed devices file: h1's agent counted packets besides our two snmpgets: snmpInPkts ${pkts_before:-unread}, then ${pkts_after:-unread}" \
	holds '[[ "$pkts_before" =~ ^[0-9]+$ && "$pkts_after" =~ ^[0-9]+$ ]] && [ "$pkts_after" = $((pkts_before + 1)) ]'

# 5. Malformed flags.
expect_refusal "--ip without a prefix length: argos exits 1 and says what is wanted" \
	1 "argos: --ip '198.18.0.2': want A.B.C.D/LEN" \
	argos_eal argos-flag "${VDEV[@]}" -- --ip 198.18.0.2 --devices "$STATE/devices.csv" --once
expect_refusal "--oids with a bad OID: argos exits 1 with the OID named" \
	1 "argos: --oids '1.3.6.x': not a dotted numeric OID" \
	argos_eal argos-oids "${VDEV[@]}" -- "${NET[@]}" --devices "$STATE/devices.csv" --once \
	--oids 1.3.6.x

# A malformed remote-write URL: a clear error at start, and nothing
# polled.  A receiver that is down is no bad input: argos starts, polls
# and spills (remote_write_down_at_start.sh sends it all afterwards).
expect_refusal "a malformed --remote-write URL: argos exits 1 and names it" \
	1 'argos: --remote-write:.*htp:/nowhere' \
	argos_eal argos-rwurl "${VDEV[@]}" -- "${NET[@]}" --devices "$STATE/devices.csv" --once \
	--remote-write 'htp:/nowhere'
check "a malformed --remote-write URL: argos did not start polling" absent 'argos: ready' "$REFUSAL_LOG"
run_argos argos-rwrefused "${VDEV[@]}" -- "${NET[@]}" --devices "$STATE/devices.csv" \
	--duration 2 --remote-write http://127.0.0.1:1/api/v1/write --rw-spill-dir "$WORK/rwspill"
rc=$?
RWLOG=$WORK/argos-rwrefused.log
expect "a refused --remote-write receiver: argos says so, starts, polls and spills; exit 0 (rc $rc)" \
	"a refused --remote-write receiver: rc $rc, said: $(grep -v '^EAL\|^TELEMETRY' "$RWLOG" | tail -3)" \
	holds '[ "$rc" = 0 ] && grep -q "argos: remote-write: cannot reach the remote-write receiver http://127.0.0.1:1/api/v1/write.*starting anyway" "$RWLOG" && grep -q "argos: ready" "$RWLOG" && grep -q "are in the spill directory" "$RWLOG" && ls "$WORK/rwspill" | grep -q "\.batch$"'
finish
