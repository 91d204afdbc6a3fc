#!/usr/bin/env bash
# farm-bench.sh [BUILD_DIR] - argos-farm's speed, written to the
# farm-bench section of docs/benchmarks.md:
#   1. farm-bench: SNMP answers per second of one core, no network;
#   2. argos (net_af_packet on argosf0) polls 5000 farm devices of 4
#      interfaces once (if-mib profile, output discarded); the farm's
#      answered requests per second over argos's poll time.  On this
#      2-core testbed the figure is bounded by argos and the veth, not
#      by the farm: (1) is the farm's own ceiling.
# Needs root, hugepages, a built argos and argos-farm.
set -uo pipefail
TEST=farm-bench
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build-farm}
ARGOS=$BUILD/argos
FARM=$BUILD/argos-farm
source "$ROOT/tests/integration/lib.sh"
source "$ROOT/tests/integration/farm/farm_lib.sh"
trap farm_cleanup EXIT
need_root_and_argos
need_farm
[ -x "$BUILD/bench/farm/farm-bench" ] || die "$BUILD/bench/farm/farm-bench is not built"

N=5000
K=4
micro=$("$BUILD/bench/farm/farm-bench" 2) || die "farm-bench failed"
echo "$micro"

{
	echo "id,hostname,ip_address,snmp_community,snmp_version,snmp_port,snmp_timeout,snmp_retries,snmp_max_repetitions,polling_frequency,ping_frequency"
	for k in $(seq 0 $((N - 1))); do
		printf 'b%05d,b%05d,198.19.%d.%d,public,2c,161,2,2,25,60,0\n' \
			$k $k $((k / 200)) $((k % 200 + 10))
	done
} >"$WORK/bench.csv"

farm_net_up
farm_start bench --interfaces $K --idle-sleep-us 50
ARGOS_TIMEOUT=60 run_argos farmargos --vdev "net_af_packet0,iface=$FARM_HOST_IF,framecnt=$FARM_FRAMES" \
	-m 512 -- --ip 198.19.255.3/24 --gateway $FARM_IP --devices "$WORK/bench.csv" --once \
	--output /dev/null
rc=$?
farm_stop
[ $rc = 0 ] || { tail -20 "$WORK/farmargos.log"; die "argos --once failed ($rc)"; }
secs=$(grep -oE 'argos summary: [0-9]+ worker\(s\), [0-9.]+ s' "$WORK/farmargos.log" | awk '{print $5}')
read -r req vbs rx tx <<<"$(python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["total"]
print(t["req_get"] + t["req_getnext"] + t["req_getbulk"], t["rep_varbinds"], t["rx_packets"], t["tx_packets"])' "$WORK/bench.json")"
e2e=$(python3 -c "print('%d SNMP requests and %d varbinds answered in argos\'s %s s poll: %.0f requests/s, %.0f varbinds/s (farm RX %d, TX %d packets)' % ($req, $vbs, $secs, $req / $secs, $vbs / $secs, $rx, $tx))")
echo "$e2e"
grep -E 'Timeouts|Retries' "$WORK/farmargos.log" | tail -1

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
cores=$(nproc)
section=$(cat <<EOF
## argos-farm (bench/farm/farm-bench.sh)

Machine: $cpu, $cores cores.  Command: \`bench/farm/farm-bench.sh $BUILD\` ($(date -u +%Y-%m-%d)).

One core, no network (\`farm-bench 2\`: \`farm_snmp_answer()\` over 1000 devices, 24 interfaces):

\`\`\`
$micro
\`\`\`

End to end: argos (1 worker, net_af_packet, framecnt=$FARM_FRAMES) polls $N farm devices
($K interfaces, if-mib profile, GETBULK max-repetitions 25) once; the farm on one lcore,
net_af_packet in a namespace, --idle-sleep-us 50, sharing the 2 CPUs with argos:

\`\`\`
$e2e
\`\`\`

The end-to-end figure is argos's and the veth's, not the farm's ceiling.
EOF
)
doc=$ROOT/docs/benchmarks.md
python3 - "$doc" "$section" <<'PY'
import sys
path, body = sys.argv[1], sys.argv[2]
begin, end = "<!-- BEGIN farm-bench -->", "<!-- END farm-bench -->"
try:
    text = open(path).read()
except FileNotFoundError:
    text = ""
if begin in text and end in text:
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    text = head + begin + "\n" + body + "\n" + end + tail
else:
    text = text.rstrip("\n") + "\n\n" + begin + "\n" + body + "\n" + end + "\n"
open(path, "w").write(text)
PY
echo "farm-bench: written to docs/benchmarks.md (farm-bench section)"
