#!/usr/bin/env bash
# bench_compare_quick.sh - bench/compare --quick works: in one run it
# measures testpmd's I/O limit on af_packet and memif, argos ICMP at full
# blast against testpmd icmpecho on both, argos ICMP and fping with the
# same probes per device, argos ifXTable walks, braa and snmp_exporter,
# and argos over memif against the farm, each figure a number; every peer
# it reports completed its work (fping answered for every probe, braa
# walked every device to the end, every snmp_exporter scrape was whole);
# argos matches at least 99% of its requests and the farm loses nothing.
# It writes no docs (--no-docs): CI must not rewrite docs/benchmarks.md.
# Speed targets are reported by the benchmark, not checked here.
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

# Every figure and condition below is a Python expression over the run's
# JSON (r; h = the headline point; b = braa's run), evaluated in ONE
# python3 pass into $F ("name<TAB>value"): on this shared machine a
# python3 start costs seconds, and forty of them cost the test a minute.
# A number is printed as is, a condition as 1 or 0, a missing figure as
# nothing (so its check fails).
EXPRS=$WORK/exprs.txt F=$WORK/figures.tsv
: >"$EXPRS"
want() { printf '%s\t%s\n' "$1" "$2" >>"$EXPRS"; }   # want NAME EXPRESSION
fig() { awk -F'\t' -v n="$1" '$1 == n { print $2 }' "$F"; }
# positive WHAT NAME: the figure NAME is a number > 0 (awk compares it).
positive() {
	local v
	v=$(fig "$2")
	expect "$1: ${v}" "$1 was not measured (no number in the run's JSON)" \
		awk -v v="$v" 'BEGIN { exit !(v != "" && v + 0 > 0) }'
}
# true_in_run WHAT BAD NAME: the condition NAME held in the run.
true_in_run() { expect "$1" "$2" test "$(fig "$3")" = 1; }

B='r["points"][str(r["braa_devices"])]["braa"]'
while IFS='|' read -r name expr; do want "$name" "$expr"; done <<EOF
tp_tx|r["testpmd"]["tx_pps"]
tp_rx|r["testpmd"]["rx_pps"]
tp_memif|r["testpmd_memif"]["tx_pps"]
blast_af|r["blast_af_packet"]["icmp_probes_per_s"]
blast_memif|r["blast_memif"]["icmp_probes_per_s"]
icmp|h["argos_icmp"]["icmp_probes_per_s"]
fping|h["fping"]["probes_per_s"]
fping_cpu|h["fping"]["cpu_s_per_1k"]
snmp|h["argos_snmp"]["snmp_polls_per_s"]
braa|$B["walks_per_s"]
braa_cpu|$B["cpu_s_per_1k"]
braa_complete|$B["complete"]
braa_walks|$B["walks"]
exp|h["exporter"]["walks_per_s"]
exp_cpu|h["exporter"]["cpu_s_per_1k"]
exp_whole|h["exporter"]["walks"]
exp_asked|h["exporter"]["asked"]
memif_icmp|r["memif_icmp"]["icmp_probes_per_s"]
memif_snmp|r["memif_snmp"]["snmp_polls_per_s"]
heap|h["argos_snmp"]["heap_alloc_bytes"]
rss|h["argos_snmp"]["rss_kib"]
probes|r["probes_per_device"]
same_probes|h["fping"]["sent"] == h["argos_icmp"]["ping_sent"] == r["probes_per_device"] * h["argos_icmp"]["devices"]
fping_done|h["fping"]["sent"] > 0 and h["fping"]["matched_ratio"] >= 0.99
braa_done|b["complete"] == b["walks"] == r["braa_devices"] and b["walks_per_s"] > 0
exp_done|0 < h["exporter"]["walks"] == h["exporter"]["asked"]
m_icmp|h["argos_icmp"]["matched_ratio"]
m_blast_af|r["blast_af_packet"]["matched_ratio"]
m_blast_memif|r["blast_memif"]["matched_ratio"]
m_snmp|h["argos_snmp"]["matched_ratio"]
m_memif_icmp|r["memif_icmp"]["matched_ratio"]
m_memif_snmp|r["memif_snmp"]["matched_ratio"]
loss_af_packet|r["farm_loss_af_packet"]
loss_memif|r["farm_loss_memif"]
EOF
python3 - "$R" "$EXPRS" >"$F" <<'EOF'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    r = {}
env = {"r": r}
for k, path in (("h", 'r["points"][str(r["headline"])]'),
                ("b", 'r["points"][str(r["braa_devices"])]["braa"]')):
    try:
        env[k] = eval(path, env)
    except Exception:
        pass
for line in open(sys.argv[2]):
    name, expr = line.rstrip("\n").split("\t", 1)
    try:
        v = eval(expr, dict(env))
    except Exception:
        v = None
    if isinstance(v, bool):
        v = int(v)
    elif not isinstance(v, (int, float)) or v != v:
        v = ""
    print("%s\t%s" % (name, v))
EOF

positive "testpmd txonly pps on af_packet" tp_tx
positive "testpmd rxonly pps on af_packet" tp_rx
positive "testpmd txonly pps on memif" tp_memif
positive "argos ICMP probes per second at full blast on af_packet" blast_af
positive "argos ICMP probes per second at full blast on memif" blast_memif
positive "argos ICMP probes per second against the farm (af_packet)" icmp
positive "fping probes per second" fping
positive "fping CPU seconds per 1k probes" fping_cpu
positive "argos ifXTable walks per second (af_packet)" snmp
positive "braa walks per second" braa
positive "braa CPU seconds per 1k walks" braa_cpu
positive "snmp_exporter walks per second" exp
positive "snmp_exporter CPU seconds per 1k walks" exp_cpu
positive "argos ICMP probes per second over memif" memif_icmp
positive "argos ifXTable walks per second over memif" memif_snmp
positive "argos's DPDK heap in use (dpdk-telemetry)" heap
positive "argos's resident memory" rss

# Every peer the benchmark reports completed its work, and the ICMP
# comparison gave both sides the same probes per device.
true_in_run "argos and fping sent the same probes per device ($(fig probes) each)" \
	"argos and fping did not send the same number of probes per device" same_probes
true_in_run "fping reported every probe of every address" "fping did not complete its sweeps" \
	fping_done
true_in_run "braa walked every device to the end ($(fig braa_complete) of $(fig braa_walks))" \
	"braa did not complete its walks: $(fig braa_complete) of $(fig braa_walks)" braa_done
true_in_run "every snmp_exporter scrape returned the whole ifXTable ($(fig exp_whole) of $(fig exp_asked))" \
	"snmp_exporter did not complete its scrapes" exp_done
# The report prints a ratio only against a peer that completed: the same
# figures with one braa walk and one snmp_exporter scrape short give none.
# It also names the limits argos ran under and each figure's exact command.
expect "the report gives no ratio against a peer that did not complete, and names its limits and commands" \
	"the report broke a rule (no ratio against a peer that did not complete; limits and commands named): cmp_selftest says which above" \
	python3 "$ROOT/bench/compare.d/cmp_selftest.py" "$R"

for pair in 'ICMP against the farm over af_packet|m_icmp' \
	'ICMP at full blast over af_packet|m_blast_af' \
	'ICMP at full blast over memif|m_blast_memif' \
	'ifXTable walks over af_packet|m_snmp' 'ICMP over memif|m_memif_icmp' \
	'ifXTable walks over memif|m_memif_snmp'; do
	what=${pair%%|*}
	m=$(fig "${pair#*|}")
	expect "argos $what matched ${m} of its requests (>= 0.99)" \
		"argos $what matched only ${m:-nothing} of its requests, want at least 99%" \
		awk -v v="$m" 'BEGIN { exit !(v != "" && v + 0 >= 0.99) }'
done
for link in af_packet memif; do
	l=$(fig "loss_$link")
	check "the farm lost no request or reply on $link (lost: ${l:-not counted})" [ "${l:-x}" = 0 ]
done
check "no DPDK process of the benchmark is left running" \
	no_process 'file-prefix (cmpfarm|cmpargos|cmptestpmd)'
check "the benchmark's namespace argos-cmp is gone" bash -c '! ip netns list | grep -q "^argos-cmp"'
finish
