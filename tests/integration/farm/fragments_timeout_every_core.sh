#!/usr/bin/env bash
# fragments_timeout_every_core.sh - with two workers on one port, a
# poll whose replies never complete in reassembly ends with the error
# fragments-timeout whichever core held its fragments.
#
# argos-farm (memif server) answers GETBULKs of ifXTable's ifAlias
# column (values of 2,000 bytes) in IPv4 fragments and, with
# --drop-last-fragment, never sends the last one.  argos (two workers)
# holds the others until they time out (1 s).  A datagram is reassembled
# on the core picked by a hash of its source and IP id, which owns the
# request only half of the time; the sessions are on the owner, so that
# core must hear of the timeout from the other (a note frame on the
# redirect ring, dp_note_share).  Proven: all 62 polls fail, each with
# fragments-timeout and no plain timeout, while fragments were passed
# between the cores (steered) and timed out, and none is left held.
set -uo pipefail
TEST=fragments_timeout_every_core
source "$(dirname "$0")/../lib.sh"
FARM=${FARM:-$ROOT/build/argos-farm}
need_root_and_argos
[ -x "$FARM" ] || die "$FARM is not built: run ninja -C build"

SOCK=$WORK/memif.sock
DEVICES=198.19.208.0/26
FARM_IP=198.19.249.2
ARGOS_IP=198.19.249.3
COLUMN=1.3.6.1.2.1.31.1.1.1.18   # ifAlias
FARM_PID=
stop_farm() {
	if [ -n "$FARM_PID" ]; then
		kill -TERM "$FARM_PID" 2>/dev/null
		for _ in $(seq 1 30); do kill -0 "$FARM_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$FARM_PID" 2>/dev/null
		wait "$FARM_PID" 2>/dev/null
	fi
	FARM_PID=
}
trap 'stop_farm; cleanup' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# Timeout 1.5 s, one retry: the first attempt's fragments time out (1 s)
# while the request still waits.  5 repetitions: ~10 KB in 7 fragments;
# the last attempt asks 1 (snmp_timeout.c), ~2 KB in 2 fragments.
python3 - "$DEVICES" >"$WORK/devices.csv" <<'PY'
import ipaddress, sys
print("id,hostname,ip_address,snmp_community,snmp_version,snmp_timeout,snmp_retries,snmp_max_repetitions")
for i, a in enumerate(ipaddress.IPv4Network(sys.argv[1]).hosts()):
    print(f"d{i},dev-{a},{a},public,2c,1.5,1,5")
PY
summary_field() {   # summary_field PATTERN: the number after PATTERN in argos's exit summary
	sed -n '/argos summary/,$p' "$WORK/argos.log" | grep -oE "$1 [0-9]+" | head -1 | grep -oE '[0-9]+$'
}
farm_field() {   # farm_field NAME: a total of the farm's --stats-json
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"][sys.argv[2]])' \
		"$WORK/farm.json" "$1" 2>/dev/null
}

timeout -k 5 120 "$FARM" --lcores 0@1,1@1 --file-prefix ftfarm -m 256 --no-pci \
	--vdev "net_memif0,role=server,socket=$SOCK" -- --ip "$FARM_IP/24" \
	--devices "$DEVICES" --alias-bytes 2000 --max-reply 65507 --drop-last-fragment \
	--idle-sleep-us 100 --stats-json "$WORK/farm.json" >"$WORK/farm.log" 2>&1 &
FARM_PID=$!
await_ready "argos-farm on memif" 30 "$WORK/farm.log" \
	bash -c "grep -q 'argos-farm: ready:' '$WORK/farm.log' || { kill -0 $FARM_PID 2>/dev/null || exit 125; exit 1; }"
t0=$(now_ms)
timeout -k 5 90 "$ARGOS" --lcores 0@0,1@0,2@0 --file-prefix ftargos -m 512 --no-pci \
	--vdev "net_memif0,role=client,socket=$SOCK,rsize=12" -- --ip "$ARGOS_IP/24" \
	--gateway "$FARM_IP" --devices "$WORK/devices.csv" --oids "$COLUMN" --once \
	--ping-count 0 --output "$WORK/out.jsonl" >"$WORK/argos.log" 2>&1
rc=$?
t1=$(now_ms)
stop_farm
echo "argos ran $((t1 - t0)) ms; the farm kept back $(farm_field drop_last_fragment) last fragments"

expect "argos --once exits 0 (failed polls are results)" \
	"argos exited with status $rc: $(tail -5 "$WORK/argos.log" | tr '\n' ' ')" [ "$rc" = 0 ]
check "the farm kept back the last fragment of replies ($(farm_field drop_last_fragment))" \
	test "$(farm_field drop_last_fragment)" -ge 62
check "62 SNMP polls, every one failed" grep -q 'SNMP polls: 0 ok, 62 failed' "$WORK/argos.log"
expect "every device's poll ended with fragments-timeout, none with timeout" \
	"the polls' errors were not all fragments-timeout (counts above)" \
	python3 -c '
import collections, json, sys
errs = [json.loads(l) for l in open(sys.argv[1]) if "\"kind\":\"error\"" in l]
by = collections.Counter(e["error"] for e in errs)
print("  errors by name: %s, devices %d" % (dict(by), len({e["device_id"] for e in errs})))
sys.exit(0 if by == {"fragments-timeout": 62} and len({e["device_id"] for e in errs}) == 62 else 1)' \
	"$WORK/out.jsonl"
check "fragments were passed to the core that reassembles them (steered $(summary_field 'Steered:'))" \
	test "$(summary_field 'Steered:')" -gt 0
check "fragments timed out in reassembly ($(summary_field 'timed-out')), none left held ($(summary_field 'Held:'))" \
	test "$(summary_field 'timed-out')" -gt 0 -a "$(summary_field 'Held:')" = 0
echo "--- argos's exit summary"
sed -n '/argos summary/,$p' "$WORK/argos.log"
check "no DPDK process of this test is left running" \
	bash -c '! pgrep -f "file-prefix (ftfarm|ftargos)" >/dev/null'
finish
