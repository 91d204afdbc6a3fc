#!/usr/bin/env bash
# farm_answers_every_memif_request.sh - argos-farm as a memif server
# answers every request of argos (memif client) polling 4094 devices in
# benchmark mode, ICMP then ifXTable walks, each for 5 s:
#   - argos matches at least 99.9% of its requests in both runs;
#   - the farm drops nothing (tx_dropped, queue_full, peer_gone all 0)
#     and answers every request it counted;
#   - the farm outlives the first poller's departure (memif unmaps the
#     rings under it) and serves the second one;
#   - SIGTERM ends the farm within 5 s, with its --stats-json written.
# No namespace: memif is a socket and shared memory.  The farm polls on
# CPU 1, argos's two lcores share CPU 0 (as in bench/compare).
set -uo pipefail
TEST=farm_answers_every_memif_request
source "$(dirname "$0")/../lib.sh"
FARM=${FARM:-$ROOT/build/argos-farm}
need_root_and_argos
[ -x "$FARM" ] || die "$FARM is not built: run ninja -C build"
command -v python3 >/dev/null || die "python3 is missing (the JSON checks are Python)"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs: the farm polls on CPU 1, argos on CPU 0"

SOCK=$WORK/memif.sock
DEVICES=198.19.160.0/20
FARM_IP=198.19.252.2
FARM_PID=
stop_farm() {
	[ -n "$FARM_PID" ] && kill -KILL "$FARM_PID" 2>/dev/null
	FARM_PID=
	cleanup
}
trap stop_farm EXIT

# Why rsize=14: over memif the client chooses the ring size, and argos
# opens a round with one request per device at once; 1024 slots (the
# default) overflow on a loaded host before the farm is scheduled again.
timeout -k 5 120 "$FARM" --lcores 0@1 --file-prefix fffarm -m 256 --no-pci \
	--vdev "net_memif0,role=server,socket=$SOCK" -- --ip $FARM_IP/24 --devices $DEVICES \
	--interfaces 24 --stats-json "$WORK/farm.json" >"$WORK/farm.log" 2>&1 &
FARM_PID=$!
farm_ready() {   # the ready line, or stop waiting when the farm died
	grep -q 'argos-farm: ready:' "$WORK/farm.log" && return 0
	kill -0 "$FARM_PID" 2>/dev/null || { echo "(argos-farm exited)" >>"$WORK/farm.log"; return 125; }
	return 1
}
await_ready "argos-farm on memif" 60 "$WORK/farm.log" farm_ready

# field FILE KEY: one number of a JSON object (dotted path).
field() {
	python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$1" "$2" 2>/dev/null
}

for mode in icmp snmp; do
	case $mode in
	icmp) poll=(--ping-only --ping-count 1); what="pings" ;;
	snmp) poll=(--snmp-only --oids 1.3.6.1.2.1.31.1.1.1); what="ifXTable walk requests" ;;
	esac
	# lib.sh's run_argos pins with -l 0,1; this test wants both lcores on CPU 0.
	timeout -k 5 60 "$ARGOS" --lcores 0@0,1@0 --file-prefix ffargos -m 512 --no-pci \
		--vdev "net_memif0,role=client,socket=$SOCK,rsize=14" -- --ip 198.19.252.3/24 \
		--gateway $FARM_IP --devices-cidr $DEVICES --duration 5 \
		--summary-json "$WORK/argos-$mode.json" "${poll[@]}" >"$WORK/ffargos.log" 2>&1
	rc=$?
	expect "argos polled the farm's 4094 devices over memif for 5 s ($mode)" \
		"argos ($mode) exited with status $rc: $(grep 'argos:' "$WORK/ffargos.log" | tail -2)" \
		[ $rc = 0 ]
	cp "$WORK/ffargos.log" "$WORK/argos-$mode.log"
	m=$(field "$WORK/argos-$mode.json" matched_ratio)
	expect "argos matched $m of its $what (>= 0.999)" \
		"argos matched only ${m:-nothing} of its $what over memif, want at least 99.9%: the farm or the link lost requests" \
		python3 -c "import sys; sys.exit(0 if '$m' and float('$m') >= 0.999 else 1)"
	expect "the farm is still serving after the $mode poller left" \
		"argos-farm died when the $mode poller disconnected: $(tail -3 "$WORK/farm.log")" \
		kill -0 "$FARM_PID"
done

farm_gone() { ! kill -0 "$FARM_PID" 2>/dev/null; }
kill -TERM "$FARM_PID" 2>/dev/null
t0=$(now_ms)
wait_until 5 farm_gone
gone=$?
ms=$(($(now_ms) - t0))
expect "SIGTERM ended the farm within 5 s ($ms ms)" "argos-farm was still running 5 s after SIGTERM" \
	[ "$gone" = 0 ]
wait "$FARM_PID" 2>/dev/null
FARM_PID=
check "the farm wrote its statistics at exit (--stats-json)" test -s "$WORK/farm.json"
for c in tx_dropped drop_queue_full drop_peer_gone drop_malformed; do
	v=$(field "$WORK/farm.json" "total.$c")
	expect "the farm's $c is 0" "the farm counted $c = ${v:-nothing}, want 0 (a request or reply was lost)" \
		[ "${v:-x}" = 0 ]
done
req=$(($(field "$WORK/farm.json" total.req_icmp) + $(field "$WORK/farm.json" total.req_getbulk)))
rep=$(($(field "$WORK/farm.json" total.rep_icmp) + $(field "$WORK/farm.json" total.rep_snmp)))
expect "the farm answered all $req requests it counted" \
	"the farm counted $req requests but $rep replies" test "$req" -gt 0 -a "$req" = "$rep"
check "no DPDK process of this test is left running" \
	no_process 'file-prefix (fffarm|ffargos)'
finish
