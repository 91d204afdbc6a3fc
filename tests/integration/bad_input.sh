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

# 2. An interface that does not exist.
run_argos argos-noif --vdev net_af_packet0,iface=argos-nope0 -- "${NET[@]}" \
	--devices "$STATE/devices.csv" --once
rc=$?
check "missing interface: argos fails (rc $rc)" [ "$rc" != 0 ]
check "missing interface: the error names the vdev" \
	grep -q "argos: .*net_af_packet0,iface=argos-nope0" "$WORK/argos-noif.log"

# 3. Too little hugepage memory for what the EAL is asked to reserve.
run_argos argos-huge -m 262144 "${VDEV[@]}" -- "${NET[@]}" --devices "$STATE/devices.csv" --once
rc=$?
check "too few hugepages: argos fails (rc $rc)" [ "$rc" != 0 ]
check "too few hugepages: the error names scripts/hugepages" \
	grep -q "argos: .*scripts/hugepages" "$WORK/argos-huge.log"

# 4. A malformed devices file: FILE:LINE: reason, and nothing polled.
printf 'id,hostname,ip_address,snmp_community,snmp_version\nh1,argos-h1,198.18.0.11,public,2c\nh2,argos-h2,198.18.0.300,public,2c\n' \
	>"$WORK/bad.csv"
log_before=$(wc -l <"$STATE/h1/snmpd.log" 2>/dev/null || echo 0)
run_argos argos-csv "${VDEV[@]}" -- "${NET[@]}" --devices "$WORK/bad.csv" --once \
	--output "$WORK/csv.jsonl"
rc=$?
check "malformed devices file: argos fails (rc $rc)" [ "$rc" != 0 ]
check "malformed devices file: the error is FILE:LINE: reason" \
	grep -q "argos: $WORK/bad.csv:3: ip_address: '198.18.0.300' is not an IPv4 address" \
	"$WORK/argos-csv.log"
check "malformed devices file: nothing was polled (no output written)" [ ! -s "$WORK/csv.jsonl" ]
check "malformed devices file: the good line's agent saw no request" \
	[ "$(wc -l <"$STATE/h1/snmpd.log" 2>/dev/null || echo 0)" = "$log_before" ]

# 5. Malformed flags.
run_argos argos-flag "${VDEV[@]}" -- --ip 198.18.0.2 --devices "$STATE/devices.csv" --once
rc=$?
check "--ip without a prefix length: argos fails (rc $rc)" [ "$rc" != 0 ]
check "--ip without a prefix length: the error says what is wanted" \
	grep -q "argos: --ip '198.18.0.2': want A.B.C.D/LEN" "$WORK/argos-flag.log"
run_argos argos-oids "${VDEV[@]}" -- "${NET[@]}" --devices "$STATE/devices.csv" --once \
	--oids 1.3.6.x
rc=$?
check "--oids with a bad OID: argos fails with the OID named (rc $rc)" \
	grep -q "argos: --oids '1.3.6.x': not a dotted numeric OID" "$WORK/argos-oids.log"

# A malformed remote-write URL: a clear error at start, and nothing
# polled.  A receiver that is down is no bad input: argos starts, polls
# and spills (remote_write_down_at_start.sh sends it all afterwards).
run_argos argos-rwurl "${VDEV[@]}" -- "${NET[@]}" --devices "$STATE/devices.csv" --once \
	--remote-write 'htp:/nowhere'
rc=$?
expect "a malformed --remote-write URL: argos exits 1 and names it (rc $rc)" \
	"a malformed --remote-write URL: rc $rc, said: $(grep -v '^EAL\|^TELEMETRY' "$WORK/argos-rwurl.log" | tail -1)" \
	bash -c "[ $rc = 1 ] && grep -q 'argos: --remote-write:.*htp:/nowhere' '$WORK/argos-rwurl.log' && ! grep -q 'argos: ready' '$WORK/argos-rwurl.log'"
run_argos argos-rwrefused "${VDEV[@]}" -- "${NET[@]}" --devices "$STATE/devices.csv" \
	--duration 2 --remote-write http://127.0.0.1:1/api/v1/write --rw-spill-dir "$WORK/rwspill"
rc=$?
expect "a refused --remote-write receiver: argos says so, starts, polls and spills; exit 0 (rc $rc)" \
	"a refused --remote-write receiver: rc $rc, said: $(grep -v '^EAL\|^TELEMETRY' "$WORK/argos-rwrefused.log" | tail -3)" \
	bash -c "[ $rc = 0 ] && grep -q 'argos: remote-write: cannot reach the remote-write receiver http://127.0.0.1:1/api/v1/write.*starting anyway' '$WORK/argos-rwrefused.log' && grep -q 'argos: ready' '$WORK/argos-rwrefused.log' && grep -q 'are in the spill directory' '$WORK/argos-rwrefused.log' && ls '$WORK/rwspill' | grep -q '\.batch\$'"
finish
