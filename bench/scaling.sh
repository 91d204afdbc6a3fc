#!/usr/bin/env bash
# bench/scaling.sh - polls/s per worker core, with 1 and 2 (and more,
# where the machine has the CPUs) worker lcores, against the device farm
# over memif (several queue pairs, no kernel in the path) and over
# af_xdp on a veth pair.  Writes the "scaling" section of
# docs/benchmarks.md (between its markers) unless --no-docs.
#
#   bench/scaling.sh [--build DIR] [--duration S] [--devices CIDR] [--max-workers N] [--no-docs]
#
# The farm runs as many lcores as argos has workers: memif connects
# only when both ends have the same number of queue pairs.  Addresses:
# 198.19.250.0/24 for the link, devices in 198.19.192.0/20 (4094),
# namespace argos-scale, veth argoss0/argoss1, memif socket
# /run/argos-scale.sock.  Every run is bounded by --duration.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
DURATION=10
DEVICES=198.19.192.0/20
MAX_WORKERS=2
DOCS=1
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$2; shift 2 ;;
	--duration) DURATION=$2; shift 2 ;;
	--devices) DEVICES=$2; shift 2 ;;
	--max-workers) MAX_WORKERS=$2; shift 2 ;;
	--no-docs) DOCS=0; shift ;;
	*) echo "usage: bench/scaling.sh [--build DIR] [--duration S] [--devices CIDR] [--max-workers N] [--no-docs]" >&2; exit 2 ;;
	esac
done
ARGOS=$BUILD/argos
FARM=$BUILD/argos-farm
[ -x "$ARGOS" ] && [ -x "$FARM" ] || { echo "scaling: build argos and argos-farm first (ninja -C $BUILD)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "scaling: must run as root" >&2; exit 1; }
WORK=$(mktemp -d /tmp/argos-scaling.XXXXXX)
NS=argos-scale
SOCK=/run/argos-scale.sock
FARM_PID=

cleanup() {
	[ -n "$FARM_PID" ] && kill -TERM "$FARM_PID" 2>/dev/null && wait "$FARM_PID" 2>/dev/null
	ip link del argoss0 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -f "$SOCK"
	rm -rf "$WORK"
}
trap cleanup EXIT

NCPU=$(nproc)
# lcore lists: the farm and argos share the machine's CPUs.  On 2 CPUs
# argos's main lcore shares CPU 0 with the farm; every worker has a CPU
# of its own only from 1 + 2 * workers CPUs up.
lcores() {   # lcores FIRST_LCORE COUNT: "0@c,1@c,..." spreading over the CPUs
	local out="" i
	for ((i = 0; i < $2; i++)); do out+="${out:+,}$i@$((($1 + i) % NCPU))"; done
	echo "$out"
}

farm_up() {   # farm_up VDEV W [netns]
	local pre=()
	[ -n "${3:-}" ] && pre=(ip netns exec "$3")
	"${pre[@]}" timeout -k 5 $((DURATION + 60)) "$FARM" --lcores="$(lcores 1 "$2")" \
		--file-prefix scfarm -m 512 --vdev "$1" -- --ip 198.19.250.2/24 --devices "$DEVICES" \
		--interfaces 8 --community public >"$WORK/farm.log" 2>&1 &
	FARM_PID=$!
	for _ in $(seq 300); do
		grep -q 'argos-farm: ready' "$WORK/farm.log" && return 0
		kill -0 "$FARM_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/farm.log" >&2
	return 1
}

farm_down() {
	kill -TERM "$FARM_PID" 2>/dev/null
	wait "$FARM_PID" 2>/dev/null
	FARM_PID=
}

# argos's lcores: main lcore 0 on CPU 0, workers 1..W on CPUs from 1 on.
argos_lcores() {
	local out="0@0" i
	for ((i = 1; i <= $1; i++)); do out+=",$i@$((i % NCPU))"; done
	echo "$out"
}
run_argos() {   # run_argos VDEV W OUT.json
	timeout -k 5 $((DURATION + 60)) "$ARGOS" --lcores="$(argos_lcores "$2")" \
		--file-prefix scargos -m 512 --vdev "$1" -- --ip 198.19.250.3/24 \
		--gateway 198.19.250.2 --devices-cidr "$DEVICES" --snmp-only \
		--oids 1.3.6.1.2.1.31.1.1.1 --duration "$DURATION" --summary-json "$3" \
		>"$WORK/argos.log" 2>&1
}

field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

ROWS=()
measure() {   # measure LINK W
	local link=$1 w=$2 out=$WORK/$1-$2.json
	case $link in
	memif)
		rm -f "$SOCK"
		farm_up "net_memif0,role=server,socket=$SOCK" "$w" || { echo "scaling: farm did not start on memif" >&2; return 1; }
		run_argos "net_memif0,role=client,socket=$SOCK" "$w" "$out"
		;;
	af_xdp)
		if [ "$w" -gt 1 ]; then
			# net_af_xdp takes its queues from the interface's combined
			# channels; a veth has separate RX and TX channels only.
			ROWS+=("| $link | $w | n/a: net_af_xdp needs combined channels, a veth has none (ethtool -l) | | | | |")
			echo "scaling: $link, $w workers: not possible on a veth"
			return 0
		fi
		ip link del argoss0 2>/dev/null; ip netns del "$NS" 2>/dev/null
		ip netns add "$NS"
		ip link add argoss0 numtxqueues "$w" numrxqueues "$w" type veth peer name argoss1 \
			numtxqueues "$w" numrxqueues "$w" netns "$NS"
		sysctl -q -w net.ipv6.conf.argoss0.disable_ipv6=1
		ip netns exec "$NS" sysctl -q -w net.ipv6.conf.argoss1.disable_ipv6=1
		ethtool -K argoss0 tx off rx off >/dev/null 2>&1
		ip netns exec "$NS" ethtool -K argoss1 tx off rx off >/dev/null 2>&1
		ip link set argoss0 up
		ip netns exec "$NS" ip link set argoss1 up
		farm_up "net_af_packet0,iface=argoss1,qpairs=$w,framecnt=8192" "$w" "$NS" ||
			{ echo "scaling: farm did not start on af_packet" >&2; return 1; }
		run_argos "net_af_xdp0,iface=argoss0,start_queue=0,queue_count=$w" "$w" "$out"
		;;
	esac
	local rc=$?
	farm_down
	if [ $rc -ne 0 ] || [ ! -s "$out" ]; then
		echo "scaling: argos failed on $link with $w worker(s):" >&2
		grep -v '^EAL' "$WORK/argos.log" | tail -5 >&2
		ROWS+=("| $link | $w | failed | | | |")
		return 1
	fi
	local polls pps matched
	polls=$(field "$out" snmp_polls_per_s)
	pps=$(field "$out" tx_pps)
	matched=$(field "$out" matched_ratio)
	eval "POLLS_${link}_$w=$polls"
	local base
	base=$(eval echo "\${POLLS_${link}_1:-$polls}")
	ROWS+=("| $link | $w | $polls | $(python3 -c "print(f'{$polls/$w:.0f}')") | $(python3 -c "print(f'{$polls/($base*$w):.2f}')") | $pps | $matched |")
	echo "scaling: $link, $w worker(s): $polls walks/s, tx $pps pps, matched $matched"
}

for link in memif af_xdp; do
	for ((w = 1; w <= MAX_WORKERS; w++)); do
		measure "$link" "$w"
	done
done

CPU=$(lscpu | sed -n 's/^Model name: *//p')
TABLE=$(printf '%s\n' "| link | workers | ifXTable walks/s | walks/s per worker | efficiency | tx pps | matched |" \
	"|---|---|---|---|---|---|---|" "${ROWS[@]}")
echo "$TABLE"
[ "$DOCS" = 1 ] || exit 0
SECTION=$(cat <<EOF
## Scaling with worker cores

Measured $(date -u +%Y-%m-%d) on $CPU, $NCPU CPUs, kernel $(uname -r),
with \`bench/scaling.sh --duration $DURATION --devices $DEVICES --max-workers $MAX_WORKERS\`:
argos walks ifXTable of every device of $DEVICES (8 interfaces each),
back to back, for $DURATION s, against the farm with as many lcores as
argos has workers.  Efficiency is walks/s divided by (walks/s with one
worker × workers).

$TABLE

On this machine the farm and argos share 2 CPUs: argos's main lcore is
on CPU 0 and its workers on CPUs 1, 0, ...; the farm's lcores on CPUs 1,
0, ...  Each added worker comes with a farm lcore on the same CPUs, so
the efficiency here includes the cost of sharing CPUs and of the
software redirect between workers (net_memif has no rte_flow), not
only argos's own scaling; on a real appliance each worker has a core of
its own (docs/setup.md).  net_af_xdp takes its queues from the
interface's combined channels, which a veth does not have, so af_xdp
runs one worker here.
EOF
)
python3 - "$ROOT/docs/benchmarks.md" "$SECTION" <<'PY'
import sys
path, body = sys.argv[1], sys.argv[2]
begin, end = "<!-- BEGIN scaling -->", "<!-- END scaling -->"
text = open(path).read()
block = begin + "\n" + body.strip() + "\n" + end
if begin in text and end in text:
    text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(path, "w").write(text)
PY
echo "scaling: docs/benchmarks.md updated"
