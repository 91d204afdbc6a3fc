#!/usr/bin/env bash
# bench/codec-bench.sh - the SNMP codec micro-benchmark, written into
# docs/benchmarks.md with the machine and the command.
#
# Runs build/bench/codec_bench three times (the median run by parse time
# is reported) and once under callgrind, whose instruction counts do not
# depend on the machine's load, to show where the time goes.  The peer
# is net-snmp's own snmp_pdu_parse on the same bytes, in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
ITER=${1:-2000000}
BIN=build/bench/codec_bench
[ -x "$BIN" ] || { echo "codec-bench: $BIN is not built: ninja -C build"; exit 1; }
OUT=docs/benchmarks.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for i in 1 2 3; do "$BIN" "$ITER" >"$tmp/run$i"; done
val() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
median=$(for i in 1 2 3; do echo "$(val "$tmp/run$i" parse_25vb_ns) $i"; done | sort -n | sed -n 2p | cut -d' ' -f2)
R=$tmp/run$median

valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$BIN" 20000 >/dev/null 2>&1
callgrind_annotate "$tmp/cg" 2>/dev/null | grep -E '^ *[0-9,]+ +\([ 0-9.]+%\)' | grep -v 'PROGRAM TOTALS' |
	sed -n 1,10p | sed -E 's/^ *([0-9,]+) +\( *([0-9.]+)%\) +(.*)$/| \2% | `\3` |/; s#/work/[^ ]*/##; s# \[[^]]*\]##' >"$tmp/profile"

section=$(cat <<MD
## SNMP codec micro-benchmark

- Date: $(date -u +%Y-%m-%d), machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB, kernel $(uname -r), $(cc --version | head -1), net-snmp $(pkg-config --modversion netsnmp).
- Command: \`bench/codec-bench.sh $ITER\` (runs \`$BIN $ITER\` three times, median by parse time, then callgrind on 20000 iterations).

| figure | argos codec | net-snmp snmp_pdu_parse (peer, same run) | ratio |
|---|---|---|---|
| GETBULK request encode + request-id patch | $(val "$R" encode_getbulk_ns) ns ($(val "$R" encode_getbulk_per_core_per_s) /s per core) | | |
| 25-varbind GetResponse parse ($(val "$R" reply_bytes) bytes) | $(val "$R" parse_25vb_ns) ns ($(val "$R" parse_25vb_per_core_per_s) replies/s per core) | $(val "$R" netsnmp_pdu_parse_25vb_ns) ns | $(val "$R" parse_speedup_vs_netsnmp_pdu_parse)x |
| per varbind | $(val "$R" parse_per_varbind_ns) ns | | |

Where the instructions go (callgrind over the whole run: encode, argos parse and the peer's parse):

| share | function |
|---|---|
$(cat "$tmp/profile")
MD
)

python3 - "$OUT" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
try:
    text = open(path).read()
except FileNotFoundError:
    text = "# argos benchmarks\n\nEvery figure here was written by the benchmark that measured it.\n"
pat = re.compile(r"## SNMP codec micro-benchmark\n.*?(?=\n## |\Z)", re.S)
text = pat.sub(lambda m: section + "\n", text) if pat.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
echo "codec-bench: wrote $OUT"
cat "$R"
