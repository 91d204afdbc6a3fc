#!/usr/bin/env bash
# bench_compare_quick.sh - bench/compare --quick works: in one run it
# measures testpmd's I/O limit, argos ICMP and fping, argos ifXTable
# walks, braa and snmp_exporter, and argos over memif, each figure a
# number; argos matches at least 99% of its probes and the farm loses
# nothing.  It writes no docs (--no-docs): CI must not rewrite
# docs/benchmarks.md.  Speed targets are reported by the benchmark, not
# checked here.
set -uo pipefail
TEST=bench_compare_quick
source "$(dirname "$0")/lib.sh"
trap cleanup EXIT
FARM=${FARM:-$ROOT/build/argos-farm}
export ARGOS FARM
need_root_and_argos
[ -x "$FARM" ] || die "$FARM is not built: run ninja -C build"
command -v python3 >/dev/null || die "python3 is missing (bench/compare is Python)"

R=$WORK/compare.json
start=$(date +%s)
"$ROOT/bench/compare" --quick --no-docs --json "$R" >"$WORK/compare.log" 2>&1
rc=$?
took=$(($(date +%s) - start))
expect "bench/compare --quick exits 0" \
	"bench/compare --quick failed with status $rc: $(grep 'cannot measure' "$WORK/compare.log")" \
	[ $rc = 0 ]
[ $rc = 0 ] || tail -20 "$WORK/compare.log"
check "bench/compare --quick wrote its figures as JSON" test -s "$R"
check "bench/compare --quick took ${took} s (a smoke run must stay under 60 s; CI allows 90)" [ "$took" -le 60 ]

# figure NAME PATH: the number at PATH (a Python expression over r), or nothing.
figure() {
	python3 - "$R" "$2" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
try:
    v = eval(sys.argv[2], {"r": r, "h": r["points"][str(r["headline"])]})
except Exception:
    sys.exit(0)
if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v:
    print(v)
EOF
}

positive() {   # positive WHAT PATH
	local v
	v=$(figure "$1" "$2")
	expect "$1: ${v}" "$1 was not measured (no number in the run's JSON)" \
		python3 -c "import sys; sys.exit(0 if '$v' and float('$v') > 0 else 1)"
}

positive "testpmd txonly pps" 'r["testpmd"]["tx_pps"]'
positive "testpmd rxonly pps" 'r["testpmd"]["rx_pps"]'
positive "argos ICMP probes per second (af_packet)" 'h["argos_icmp"]["icmp_probes_per_s"]'
positive "fping probes per second" 'h["fping"]["probes_per_s"]'
positive "fping CPU seconds per 1k probes" 'h["fping"]["cpu_s_per_1k"]'
positive "argos ifXTable walks per second (af_packet)" 'h["argos_snmp"]["snmp_polls_per_s"]'
positive "braa walks per second" 'h["braa"]["walks_per_s"]'
positive "braa CPU seconds per 1k walks" 'h["braa"]["cpu_s_per_1k"]'
positive "snmp_exporter walks per second" 'h["exporter"]["walks_per_s"]'
positive "snmp_exporter CPU seconds per 1k walks" 'h["exporter"]["cpu_s_per_1k"]'
positive "argos ICMP probes per second over memif" 'r["memif_icmp"]["icmp_probes_per_s"]'
positive "argos ifXTable walks per second over memif" 'r["memif_snmp"]["snmp_polls_per_s"]'
positive "argos's DPDK heap in use (dpdk-telemetry)" 'h["argos_snmp"]["heap_alloc_bytes"]'
positive "argos's resident memory" 'h["argos_snmp"]["rss_kib"]'

for pair in 'ICMP over af_packet|h["argos_icmp"]' 'ifXTable walks over af_packet|h["argos_snmp"]' \
	'ICMP over memif|r["memif_icmp"]' 'ifXTable walks over memif|r["memif_snmp"]'; do
	what=${pair%%|*}
	m=$(figure matched "${pair#*|}[\"matched_ratio\"]")
	expect "argos $what matched ${m} of its requests (>= 0.99)" \
		"argos $what matched only ${m:-nothing} of its requests, want at least 99%" \
		python3 -c "import sys; sys.exit(0 if '$m' and float('$m') >= 0.99 else 1)"
done
for link in af_packet memif; do
	l=$(figure loss "r[\"farm_loss_$link\"]")
	check "the farm lost no request or reply on $link (lost: ${l:-not counted})" [ "${l:-x}" = 0 ]
done
check "no DPDK process of the benchmark is left running" \
	no_process 'file-prefix (cmpfarm|cmpargos|cmptestpmd)'
check "the benchmark's namespace argos-cmp is gone" bash -c '! ip netns list | grep -q "^argos-cmp"'
finish
