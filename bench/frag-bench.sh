#!/usr/bin/env bash
# bench/frag-bench.sh [REPLIES] - what replies in IPv4 fragments cost,
# written into the "IPv4 reassembly" section of docs/benchmarks.md with
# the machine and the command:
#   1. build/bench/frag_bench: ns per reply on one core, a 10 KB reply in
#      7 fragments against a 1,400-byte reply in one frame (and the same
#      10 KB in one frame), three runs, the median by the 10 KB figure;
#      perf shows where the time of one run goes;
#   2. walks/s: argos (one worker) walks ifXTable's ifAlias column of
#      argos-farm's 1022 devices over net_memif for 10 s, once with
#      400-byte aliases whose replies (10.4 KB) come in 8 fragments and
#      once with the short default (1.2 KB replies, one frame); A B A B,
#      the ratio of the sums; then a fifth, fragmented run, not measured,
#      under perf record -a for where the CPUs went.
# Needs root, hugepages, the global lock (flock /run/argos-dev.lock), a
# built argos, argos-farm and frag_bench.  Timing on a shared 2-CPU
# machine is noisy: the ratios are what to read.
set -uo pipefail
TEST=frag-bench
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/tests/integration/lib.sh"
FARM=${FARM:-$ROOT/build/argos-farm}
BIN=$ROOT/build/bench/frag_bench
REPLIES=${1:-200000}
OUT=$ROOT/docs/benchmarks.md
need_root_and_argos
[ -x "$BIN" ] || die "$BIN is not built: ninja -C build"
[ -x "$FARM" ] || die "$FARM is not built: ninja -C build"
SOCK=$WORK/memif.sock
DEVICES=198.19.212.0/22
FARM_IP=198.19.248.2
FARM_PID=
stop_farm() {
	[ -n "$FARM_PID" ] && { kill -TERM "$FARM_PID" 2>/dev/null; wait "$FARM_PID" 2>/dev/null; }
	FARM_PID=
}
trap 'stop_farm; cleanup' EXIT

# --- 1. one core, no network --------------------------------------------
for i in 1 2 3; do "$BIN" "$REPLIES" 2>/dev/null >"$WORK/micro$i" || die "frag_bench failed"; done
val() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
median=$(for i in 1 2 3; do echo "$(val "$WORK/micro$i" frag_10k_ns) $i"; done | sort -n | sed -n 2p | cut -d' ' -f2)
M=$WORK/micro$median
cat "$M"
profile=
if command -v perf >/dev/null; then
	perf record -q -o "$WORK/perf.data" "$BIN" "$REPLIES" >/dev/null 2>&1
	profile=$(perf report -i "$WORK/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -8 |
		sed -E 's/^ +([0-9.]+)% +([^ ]+) +\[.\] +([^ ]+).*/| \1% | `\3` | \2 |/')
fi

# --- 2. walks/s over memif --------------------------------------------------
# walks NAME [farm options]: argos's walks of the ifAlias column per
# second; with PROFILE=1, perf samples every CPU for 4 s of the run.
walks() {
	local name=$1 apid; shift
	rm -f "$SOCK"
	timeout -k 5 60 "$FARM" --lcores 0@1 --file-prefix fbfarm -m 256 --no-pci \
		--vdev "net_memif0,role=server,socket=$SOCK" -- --ip "$FARM_IP/24" \
		--devices "$DEVICES" --interfaces 24 "$@" >"$WORK/farm-$name.log" 2>&1 &
	FARM_PID=$!
	for _ in $(seq 1 300); do
		grep -q 'argos-farm: ready:' "$WORK/farm-$name.log" && break
		sleep 0.1
	done
	timeout -k 5 60 "$ARGOS" --lcores 0@0,1@0 --file-prefix fbargos -m 512 --no-pci \
		--vdev "net_memif0,role=client,socket=$SOCK,rsize=14" -- --ip 198.19.248.3/24 \
		--gateway "$FARM_IP" --devices-cidr "$DEVICES" --snmp-only \
		--oids 1.3.6.1.2.1.31.1.1.1.18 --duration 10 --summary-json "$WORK/$name.json" \
		>"$WORK/argos-$name.log" 2>&1 &
	apid=$!
	if [ "${PROFILE:-0}" = 1 ] && command -v perf >/dev/null; then
		sleep 4
		perf record -q -a -o "$WORK/perf-$name.data" -- sleep 4 >/dev/null 2>&1
	fi
	wait "$apid" || die "argos failed ($name): $(tail -3 "$WORK/argos-$name.log")"
	stop_farm
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print("%.0f %.4f" % (j["snmp_polls_per_s"], j["matched_ratio"]))' \
		"$WORK/$name.json"
}
for round in 1 2; do
	read -r frag_w frag_m <<<"$(walks "frag$round" --alias-bytes 400 --max-reply 65507)"
	read -r whole_w whole_m <<<"$(walks "whole$round")"
	echo "round $round: fragmented $frag_w walks/s (matched $frag_m), one frame $whole_w walks/s (matched $whole_m)"
	eval "F$round=$frag_w W$round=$whole_w FM$round=$frag_m WM$round=$whole_m"
done
reass=$(sed -n '/argos summary/,$p' "$WORK/argos-frag2.log" | grep -E '^  Fragments' | tr -s ' ' | tr '\n' ' ')
# A fifth, fragmented run only for the profile: perf perturbs what it
# samples, so no measured run is profiled.
walk_profile=
PROFILE=1 walks fragprof --alias-bytes 400 --max-reply 65507 >/dev/null
if [ -s "$WORK/perf-fragprof.data" ]; then
	walk_profile=$( {
		perf report -i "$WORK/perf-fragprof.data" --no-children --sort comm --stdio 2>/dev/null |
			grep -E '^ +[0-9.]+%' | head -4 | sed -E 's/^ +([0-9.]+)% +([^ ]+) *$/| \1% | \2 (all its code) |/'
		perf report -i "$WORK/perf-fragprof.data" --no-children --comm rte-worker-1 \
			--sort symbol --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | head -6 |
			sed -E 's/^ +([0-9.]+)% +\[.\] +([^ ]+).*/| \1% | argos worker: `\2` |/'
	} )
fi
ratio=$(python3 -c "import sys; f=sorted([$F1,$F2]); w=sorted([$W1,$W2]); print('%.2f' % ((f[0]+f[1])/(w[0]+w[1])))")

section=$(cat <<MD
## IPv4 reassembly (bench/frag-bench.sh)

- Date: $(date -u +%Y-%m-%d), machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r), DPDK $(pkg-config --modversion libdpdk), shared with other work (figures move by 30% from run to run; the ratios, measured in the same run, are what to read).
- Command: \`flock /run/argos-dev.lock bench/frag-bench.sh $REPLIES\`.

One core, no network (\`build/bench/frag_bench $REPLIES\`, median of three runs by the 10 KB figure): from received frames to decoded varbinds, checksums included (classify() verifies the UDP checksum in software on every port without the offload).

| reply | ns per reply | ratio |
|---|---|---|
| 1,400 bytes, one frame, 3 strings | $(val "$M" whole_1400_ns) | 1 |
| 10 KB, $(val "$M" frag_10k_fragments) fragments, 3 strings | $(val "$M" frag_10k_ns) | $(val "$M" ratio_frag_10k_to_whole_1400) |
| 10 KB, one frame (net_af_packet after the kernel's reassembly) | $(val "$M" whole_10k_ns) | |
| 1,400 bytes, one frame, 25 strings of 40 bytes | $(val "$M" whole_1400_25_ns) | 1 |
| 10 KB, $(val "$M" frag_10k_25_fragments) fragments, 25 strings of 400 bytes (a sysORDescr list) | $(val "$M" frag_10k_25_ns) | $(val "$M" ratio_frag_10k_25_to_whole_1400_25) |

Reassembly itself (fragmented 10 KB minus the same 10 KB in one frame) is $(val "$M" reassembly_ns_per_fragment) ns per fragment; a fragmented 10 KB reply costs $(val "$M" ratio_frag_10k_to_whole_10k)x the same reply in one frame.

Where one run's time goes (\`perf record\`, the frames' building included):

| share | symbol | object |
|---|---|---|
$profile

Walks per second of ifXTable's ifAlias column (24 rows) of 1022 argos-farm devices over net_memif, argos with one worker, 10 s each, A B A B:

| table | reply | walks/s (runs) | matched |
|---|---|---|---|
| ifAlias of 400 bytes (\`--alias-bytes 400 --max-reply 65507\`) | ~10.4 KB in 8 fragments | $F1, $F2 | $FM1, $FM2 |
| ifAlias of ~30 bytes (default) | ~1.2 KB, one frame | $W1, $W2 | $WM1, $WM2 |

Fragmented / one frame: **$ratio** (sums of both runs).  argos's summary of the last fragmented run: $reass

Where the CPUs went during 4 s of a fifth, fragmented run that is not measured (\`perf record -a\`, every process on the machine; two CPUs, so 50% is one CPU; the farm polls on CPU 1, argos's worker (rte-worker-1) and main lcore share CPU 0; the argos worker's rows are shares of the whole):

| share | what |
|---|---|
$walk_profile
MD
)

python3 - "$OUT" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
pat = re.compile(r"## IPv4 reassembly \(bench/frag-bench.sh\)\n.*?(?=\n## |\Z)", re.S)
text = pat.sub(lambda m: section + "\n", text) if pat.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
echo "frag-bench: wrote $OUT"
