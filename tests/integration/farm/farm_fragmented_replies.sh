#!/usr/bin/env bash
# farm_fragmented_replies.sh - argos reassembles replies that arrive in
# fragments over net_memif, with one worker and with two, where the
# fragments of a reply are passed to the core that reassembles them.
#
# argos-farm (memif server) gives its devices ifAlias values of 400
# bytes (--alias-bytes) and answers with replies of up to 65,507 bytes
# (--max-reply), cut into IPv4 fragments of 1480 bytes: a GETBULK of 25
# over ifXTable's ifAlias column is a reply of about 10.6 KB, 8
# fragments.  memif hands argos the fragments as they are (no kernel in
# between), so argos's own reassembly (DPDK's ip_frag) puts them back.
# argos polls 62 devices --once with the default if-mib profile; every
# value must equal the farm's value function (farm_oracle.py), with no
# error, no timeout, no fragment dropped and none left in the table.
# With two workers on two queue pairs the farm answers each request on
# the queue it came in on, so fragments reach the owner's core, and the
# core picked by the hash of source and IP id must get about half of the
# datagrams passed to it (steered), and send the whole datagrams back
# (redirected).
set -uo pipefail
TEST=farm_fragmented_replies
source "$(dirname "$0")/../lib.sh"
FARM=${FARM:-$ROOT/build/argos-farm}
need_root_and_argos
[ -x "$FARM" ] || die "$FARM is not built: run ninja -C build"
command -v python3 >/dev/null || die "python3 is missing (the value oracle is Python)"

SOCK=$WORK/memif.sock
DEVICES=198.19.208.0/26
FARM_IP=198.19.249.2
ARGOS_IP=198.19.249.3
K=24
ALIAS=400
FARM_PID=
ORACLE="python3 $ROOT/tests/integration/farm/farm_oracle.py"
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

python3 - "$DEVICES" >"$WORK/devices.csv" <<'EOF'
import ipaddress, sys
print("id,hostname,ip_address,snmp_community,snmp_version")
for i, a in enumerate(ipaddress.IPv4Network(sys.argv[1]).hosts()):
    print(f"d{i},dev-{a},{a},public,2c")
EOF

# summary_field LOG PATTERN: the number after PATTERN in argos's exit summary
summary_field() {
	sed -n '/argos summary/,$p' "$1" | grep -oE "$2 [0-9]+" | head -1 | grep -oE '[0-9]+$'
}
farm_field() {   # farm_field NAME: a total of the farm's --stats-json
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"][sys.argv[2]])' \
		"$WORK/farm.json" "$1" 2>/dev/null
}

# run NAME QUEUES ARGOS_LCORES FARM_LCORES
run() {
	local name=$1 q=$2 log="$WORK/argos-$1.log" rc n
	rm -f "$SOCK" "$WORK/farm.json"
	timeout -k 5 120 "$FARM" --lcores "$4" --file-prefix frfarm -m 256 --no-pci \
		--vdev "net_memif0,role=server,socket=$SOCK" -- --ip "$FARM_IP/24" \
		--devices "$DEVICES" --interfaces $K --alias-bytes $ALIAS --max-reply 65507 \
		--idle-sleep-us 100 --stats-json "$WORK/farm.json" >"$WORK/farm-$name.log" 2>&1 &
	FARM_PID=$!
	for _ in $(seq 1 300); do
		grep -q 'argos-farm: ready:' "$WORK/farm-$name.log" && break
		kill -0 "$FARM_PID" 2>/dev/null || break
		sleep 0.1
	done
	grep -q 'argos-farm: ready:' "$WORK/farm-$name.log" ||
		{ cat "$WORK/farm-$name.log" >&2; die "argos-farm did not get ready on memif (log above)"; }
	timeout -k 5 90 "$ARGOS" --lcores "$3" --file-prefix frargos -m 512 --no-pci \
		--vdev "net_memif0,role=client,socket=$SOCK,rsize=12" -- --ip "$ARGOS_IP/24" \
		--gateway "$FARM_IP" --devices "$WORK/devices.csv" --once --ping-count 0 \
		--output "$WORK/$name.jsonl" >"$log" 2>&1
	rc=$?
	stop_farm
	check "$name: argos --once exits 0 (got $rc)" [ "$rc" = 0 ]
	[ "$rc" = 0 ] || tail -20 "$log"
	n=$(farm_field rep_fragments)
	check "$name: the farm sent replies in fragments (${n:-0} fragments)" [ "${n:-0}" -gt 0 ]
	check "$name: every value of system, ifTable and ifXTable equals the farm's value function" \
		$ORACLE check-jsonl --jsonl "$WORK/$name.jsonl" --devices "$WORK/devices.csv" \
		--interfaces $K --alias-bytes $ALIAS
	check "$name: 62 SNMP polls ok, none failed" grep -q 'SNMP polls: 62 ok, 0 failed' "$log"
	check "$name: argos reassembled the replies ($(summary_field "$log" 'Reassembled:') datagrams from $(summary_field "$log" 'Fragments:') fragments)" \
		test "$(summary_field "$log" 'Reassembled:')" -ge 62
	expect "$name: no fragment dropped, none left in the table" \
		"$name: fragments were dropped or left: $(sed -n '/argos summary/,$p' "$log" | grep -E '^  Fragments' | tr '\n' ' ')" \
		bash -c "sed -n '/argos summary/,\$p' '$log' | grep -q 'Fragments dropped: timed-out 0, table-full 0, overlap 0, too-many 0, too-big 0' &&
			[ '$(summary_field "$log" 'Held:')' = 0 ]"
	expect "$name: no reply dropped" \
		"$name: replies were dropped: $(sed -n '/argos summary/,$p' "$log" | grep 'Dropped replies')" \
		bash -c "! sed -n '/argos summary/,\$p' '$log' | grep 'Dropped replies' | sed 's/not-for-us [0-9]*//' | grep -qE ' [1-9][0-9]*(,|$)'"
	echo "--- $name: argos's exit summary"
	sed -n '/argos summary/,$p' "$log"
}

run one-worker 1 0@0,1@0 0@1
check "one-worker: nothing is steered between cores ($(summary_field "$WORK/argos-one-worker.log" 'Steered:'))" \
	[ "$(summary_field "$WORK/argos-one-worker.log" 'Steered:')" = 0 ]

run two-workers 2 0@0,1@0,2@0 0@1,1@1
s=$(summary_field "$WORK/argos-two-workers.log" 'Steered:')
r=$(summary_field "$WORK/argos-two-workers.log" 'Redirected:')
check "two-workers: fragments went to the core that reassembles their datagram (steered ${s:-0})" \
	[ "${s:-0}" -gt 0 ]
check "two-workers: whole datagrams went back to the core that asked (redirected ${r:-0})" \
	[ "${r:-0}" -gt 0 ]
check "no DPDK process of this test is left running" \
	bash -c '! pgrep -f "file-prefix (frfarm|frargos)" >/dev/null'
finish
