#!/usr/bin/env bash
# hostile_fragments.sh - argos's reassembly against a sender of bad
# fragments: nothing crashes, no wrong value is emitted, the table never
# passes its bound, and each case is counted under its own name.
#
# hostile_frag_agent.py (in the XDP testbed's namespace, 198.18.6.11)
# answers argos's walk of three 3000-byte strings with replies of about
# 9 KB that it fragments itself through a raw socket; the device's
# community names how it misbehaves on the first attempt of a request
# (argos's retry, same request-id, gets the reply in order).  argos runs
# on net_af_xdp with its XDP program, where the fragments reach argos
# untouched (net_af_packet would have the kernel reassemble them first).
# One argos --once run per case:
#
#   inorder   control                     reassembled; values exact
#   reverse   last fragment first         reassembled; values exact
#   dup       every fragment twice        overlap counted; values exact
#   overlap   fragment over another's end overlap counted; values exact
#   missing   one fragment never sent     timed out after 1 s; values exact
#   toomany   23 fragments of 400 bytes   too-many (8) counted; values exact
#   toobig    a fragment past 65,535      too-big counted; values exact
#   badsum    one byte changed in flight  bad-checksum drop; values exact
#   flood     300 datagrams that never    table-full counted, the table held
#             complete, then the reply    256 at most; values exact
#   never     only ever a first fragment  the poll fails, no value, timed out
#
# "Values exact": the device's varbinds are exactly the three strings,
# each once, byte for byte.
set -uo pipefail
TEST=hostile_fragments
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/xdp_lib.sh"
HOSTILE_IP=198.18.6.11
AGENT_PID=
METRICS_PORT=19173

hf_cleanup() {
	if [ -n "$AGENT_PID" ]; then
		kill "$AGENT_PID" 2>/dev/null
		wait "$AGENT_PID" 2>/dev/null
	fi
	xnet_cleanup
}
trap hf_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
need_root_and_argos
command -v curl >/dev/null || die "curl is not installed (scripts/install-deps)"
xnet_up
ip -n "$XNS" addr add "$HOSTILE_IP/24" dev "$XPEER" || die "cannot add $HOSTILE_IP in $XNS"
ip netns exec "$XNS" python3 "$ROOT/tests/integration/hostile_frag_agent.py" \
	--address "$HOSTILE_IP" --size 3000 --flood 300 --max-seconds 300 \
	2>"$WORK/agent.log" &
AGENT_PID=$!
sleep 0.5
kill -0 "$AGENT_PID" 2>/dev/null || die "the hostile agent did not start: $(tail -3 "$WORK/agent.log")"

# summary_field LOG PATTERN: the number after PATTERN in the exit summary
summary_field() {
	sed -n '/argos summary/,$p' "$1" | grep -oE "$2 [0-9]+" | head -1 | grep -oE '[0-9]+$'
}

# values_exact JSONL: the three strings, each once, byte for byte, and nothing else
values_exact() {
	python3 - "$1" <<'EOF'
import json, sys
want = {f"1.3.6.1.4.1.99999.20.{i}": bytes((i * 37 + k * 11) & 0xFF for k in range(3000)).hex()
        for i in (1, 2, 3)}
got = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["kind"] != "snmp":
        continue
    if r["oid"] in got or r["oid"] not in want or r["type"] != "OctetString" or r["value"] != want[r["oid"]]:
        print(f"wrong or repeated varbind: {r['oid']} {r['type']} {str(r['value'])[:40]}...")
        sys.exit(1)
    got[r["oid"]] = 1
sys.exit(0 if len(got) == 3 else 1)
EOF
}

# run MODE: one argos --once run against the agent behaving as MODE
run() {
	local mode=$1 log="$WORK/$XPREFIX-$1.log" rc pid peak=0 v
	echo "id,hostname,ip_address,snmp_community,snmp_version,snmp_port,snmp_timeout,snmp_retries,snmp_max_repetitions,polling_frequency,ping_frequency" \
		>"$WORK/devices.csv"
	echo "h,hostile-$mode,$HOSTILE_IP,$mode,2c,161,2,2,10,60,0" >>"$WORK/devices.csv"
	timeout -k 5 60 "$ARGOS" -l 0,1 -m 512 --file-prefix "$XPREFIX" \
		--vdev "net_af_xdp0,iface=$XIF,xdp_prog=$XDP_OBJ" -- --ip "$XARGOS_IP/24" \
		--devices "$WORK/devices.csv" --oids 1.3.6.1.4.1.99999.20 --once --ping-count 0 \
		--listen "127.0.0.1:$METRICS_PORT" --output "$WORK/$mode.jsonl" >"$log" 2>&1 &
	pid=$!
	# The gauge of held fragments, as /metrics shows it while argos runs.
	while kill -0 "$pid" 2>/dev/null; do
		v=$(curl -s -m 1 "http://127.0.0.1:$METRICS_PORT/metrics" 2>/dev/null |
			grep -E '^argos_core_frag_held\{' | grep -oE '[0-9]+$' | head -1)
		[[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -gt "$peak" ] && peak=$v
		sleep 0.1
	done
	wait "$pid"
	rc=$?
	RC=$rc
	PEAK=$peak
	check "$mode: argos --once exits 0 (got $rc): nothing crashed" [ "$rc" = 0 ]
	[ "$rc" = 0 ] || tail -20 "$log"
	check "$mode: no fragment is left in the table at exit" [ "$(summary_field "$log" 'Held:')" = 0 ]
	check "$mode: the table never held more than 256 x 8 fragments (peak seen $peak)" \
		[ "$peak" -le 2048 ]
	echo "  $mode: $(grep -E '^  Fragments' "$log" | tail -2 | tr -s ' ' | tr '\n' ';')"
}

ok_values() {   # ok_values MODE
	check "$1: the three strings came out exactly, each once, nothing else" \
		values_exact "$WORK/$1.jsonl"
	check "$1: the poll ended ok" grep -q 'SNMP polls: 1 ok, 0 failed' "$WORK/$XPREFIX-$1.log"
}

run inorder
ok_values inorder
check "inorder: reassembled, nothing dropped" bash -c "[ '$(summary_field "$WORK/$XPREFIX-inorder.log" 'Reassembled:')' -ge 1 ] &&
	grep -q 'Fragments dropped: timed-out 0, table-full 0, overlap 0, too-many 0, too-big 0' '$WORK/$XPREFIX-inorder.log'"

run reverse
ok_values reverse
check "reverse: reassembled from the last fragment first, nothing dropped" bash -c "[ '$(summary_field "$WORK/$XPREFIX-reverse.log" 'Reassembled:')' -ge 1 ] &&
	grep -q 'Fragments dropped: timed-out 0, table-full 0, overlap 0, too-many 0, too-big 0' '$WORK/$XPREFIX-reverse.log'"

for mode in dup overlap; do
	run "$mode"
	ok_values "$mode"
	n=$(summary_field "$WORK/$XPREFIX-$mode.log" overlap)
	check "$mode: the refused set is counted as overlap ($n fragments)" [ "${n:-0}" -ge 2 ]
done

run missing
ok_values missing
n=$(summary_field "$WORK/$XPREFIX-missing.log" timed-out)
check "missing: the six fragments of the datagram that never completed timed out ($n)" [ "${n:-0}" -ge 6 ]

run toomany
ok_values toomany
n=$(summary_field "$WORK/$XPREFIX-toomany.log" too-many)
check "toomany: a full set of 8 fragments is counted as too many ($n)" [ "${n:-0}" -ge 8 ]

run toobig
ok_values toobig
n=$(summary_field "$WORK/$XPREFIX-toobig.log" too-big)
check "toobig: the fragment past 65,535 bytes is counted as too big ($n)" [ "${n:-0}" = 1 ]

run badsum
ok_values badsum
n=$(summary_field "$WORK/$XPREFIX-badsum.log" bad-checksum)
check "badsum: the reassembled datagram with a changed byte is dropped as bad-checksum ($n)" \
	[ "${n:-0}" -ge 1 ]

run flood
ok_values flood
n=$(summary_field "$WORK/$XPREFIX-flood.log" table-full)
check "flood: 300 datagrams in flight against a table of 256: the rest counted as table-full ($n)" \
	[ "${n:-0}" -ge 44 ]
t=$(summary_field "$WORK/$XPREFIX-flood.log" timed-out)
check "flood: the 256 held ones timed out ($t)" [ "${t:-0}" -ge 256 ]

run never
check "never: the poll fails" grep -q 'SNMP polls: 0 ok, 1 failed' "$WORK/$XPREFIX-never.log"
check "never: no value came out" bash -c "! grep -q '\"kind\":\"snmp\"' '$WORK/never.jsonl'"
n=$(summary_field "$WORK/$XPREFIX-never.log" timed-out)
check "never: each attempt's lone fragment timed out ($n)" [ "${n:-0}" -ge 3 ]

kill -0 "$AGENT_PID" 2>/dev/null || echo "note: the hostile agent ended early: $(tail -2 "$WORK/agent.log")"
echo "--- what the agent sent (first attempts)"
grep -E 'attempt 1' "$WORK/agent.log" | sed 's/^hostile_frag_agent: /  /' | sort -u -t: -k2,2 | head -12
check "no DPDK process of this test is left" bash -c "! pgrep -f 'file-prefix [${XPREFIX:0:1}]${XPREFIX:1}' >/dev/null"
finish
