#!/usr/bin/env bash
# large_replies.sh - replies larger than one frame are polled completely
# on net_af_packet, with one worker core and with two.
#
# Two net-snmp agents serve `extend` scripts whose outputs are several KB
# each, so a GETBULK over the nsExtend tables (1.3.6.1.4.1.8072.1.3.2,
# max-repetitions 10) brings replies of up to ~10 KB from one agent and
# up to ~28 KB from the other: 7 and 20 fragments at MTU 1500.  On
# net_af_packet the kernel reassembles them before argos (the PMD's
# fanout asks for it) and argos must take them whole: argos gives the
# vdev 32 KiB frames by itself, no flag.  argos polls the system group
# and the nsExtend tables of both agents --once; every varbind must equal
# snmpbulkwalk (-On -Oe -Ot -Ox) of the same agent, with no timeout, no
# error and no dropped reply.  Then the same with two workers on
# qpairs=2.  (net_af_xdp, where argos reassembles the fragments itself,
# is tests/integration/xdp/xdp_large_replies.sh.)
#
#   host: argosf0 (no address)  <-veth->  argos-frag: eth0 198.18.9.10, .11
#   one snmpd per address.  argos is 198.18.9.2.
set -uo pipefail
TEST=large_replies
source "$(dirname "$0")/lib.sh"

NS=argos-frag
HOST_IF=argosf0
PREFIX=frargos
ARGOS_IP=198.18.9.2
AGENTS=(198.18.9.10 198.18.9.11)
# Bytes of each extend script's output, per agent.
SIZES=("3800 2900 2400" "11000 9000 7000")
ROOTS="1.3.6.1.2.1.1 1.3.6.1.4.1.8072.1.3.2"
LCORES=${ARGOS_MC_LCORES:-0@0,1@0,2@1}   # main and worker 0 share CPU 0

fr_down() {
	local f pid
	for f in "$WORK"/snmpd-*.pid; do
		[ -r "$f" ] || continue
		pid=$(<"$f")
		[[ "$pid" =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	ip link del "$HOST_IF" 2>/dev/null
	cleanup
}
trap fr_down EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

need_root_and_argos
for t in snmpd snmpbulkwalk ethtool python3; do
	command -v "$t" >/dev/null || die "$t is missing: run scripts/install-deps"
done
if ip netns list | grep -q "^$NS\b" || ip link show "$HOST_IF" >/dev/null 2>&1; then
	ip netns del "$NS" 2>/dev/null
	ip link del "$HOST_IF" 2>/dev/null
fi

# --- the agents ----------------------------------------------------------
veth_ns_up "$NS" "$HOST_IF" "${AGENTS[@]}"

# script_output FILE BYTES NAME: lines of 80 printable bytes naming the line
script_output() {
	python3 - "$@" <<'EOF'
import sys
path, size, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
out, n = [], 0
while sum(len(l) + 1 for l in out) < size:
    n += 1
    head = f"{name} line {n:04d} "
    out.append((head + "abcdefghijklmnopqrstuvwxyz0123456789" * 3)[:79])
data = "\n".join(out)[:size]
open(path, "w").write(data)
EOF
}

i=0
for a in "${AGENTS[@]}"; do
	d="$WORK/snmpd-$a"
	mkdir -p "$d"
	printf 'rocommunity public\nsysName fr-%s\nsysLocation argos large replies test\n' "$a" \
		>"$d/snmpd.conf"
	k=0
	for size in ${SIZES[$i]}; do
		k=$((k + 1))
		script_output "$d/out$k.txt" "$size" "agent$i-big$k"
		echo "extend big$k /bin/cat $d/out$k.txt" >>"$d/snmpd.conf"
	done
	ip netns exec "$NS" env SNMP_PERSISTENT_DIR="$d" MIBS= \
		snmpd -f -Lf "$d/log" -C -c "$d/snmpd.conf" -I -smux "udp:$a:161" \
		</dev/null >/dev/null 2>&1 &
	echo $! >"$WORK/snmpd-$a.pid"
	i=$((i + 1))
done
for a in "${AGENTS[@]}"; do
	for _ in $(seq 50); do
		ip netns exec "$NS" snmpget -v2c -c public -t 0.2 -r 0 "$a" 1.3.6.1.2.1.1.5.0 \
			>/dev/null 2>&1 && break
		sleep 0.1
	done
	ip netns exec "$NS" snmpget -v2c -c public -t 1 -r 0 "$a" 1.3.6.1.2.1.1.5.0 >/dev/null 2>&1 ||
		die "snmpd on $a does not answer (log: $WORK/snmpd-$a/log)"
done

# The largest reply each agent sends to a GETBULK of max-repetitions 10
# over the nsExtend tables, as net-snmp's own walk receives them.
largest_reply() {   # largest_reply ADDR
	ip netns exec "$NS" snmpbulkwalk -v2c -c public -Cr10 -d -t 2 -r 1 "$1" \
		1.3.6.1.4.1.8072.1.3.2 2>&1 >/dev/null |
		grep -oE '^Received [0-9]+ byte' | grep -oE '[0-9]+' | sort -n | tail -1
}
small=$(largest_reply "${AGENTS[0]}")
big=$(largest_reply "${AGENTS[1]}")
check "agent ${AGENTS[0]} sends replies of 5 to 11 KB, fragments at MTU 1500 (largest ${small:-none})" \
	test "${small:-0}" -ge 5000 -a "${small:-0}" -le 11000
check "agent ${AGENTS[1]} sends replies of 20 to 30 KB, 14 fragments or more (largest ${big:-none})" \
	test "${big:-0}" -ge 20000 -a "${big:-0}" -le 30000

{
	echo "id,hostname,ip_address,snmp_community,snmp_version,snmp_port,snmp_timeout,snmp_retries,snmp_max_repetitions,polling_frequency,ping_frequency"
	i=0
	for a in "${AGENTS[@]}"; do
		i=$((i + 1))
		echo "f$i,fr-$a,$a,public,2c,161,2,1,10,60,0"
	done
} >"$WORK/devices.csv"

walk() {   # walk ADDR OUT: the oracle, from the agents' namespace
	local r
	for r in $ROOTS; do
		ip netns exec "$NS" snmpbulkwalk -v2c -c public -On -Oe -Ot -Ox -t 2 -r 1 "$1" "$r" ||
			return 1
	done >"$2"
}

# poll NAME LCORES VDEV: one argos --once run, checked against the walks
poll() {
	local name=$1 lcores=$2 vdev=$3 log rc summary i a
	log="$WORK/$PREFIX-$name.log"
	for a in "${AGENTS[@]}"; do walk "$a" "$WORK/$a.before" || die "snmpbulkwalk of $a failed"; done
	timeout -k 5 "${ARGOS_TIMEOUT:-90}" "$ARGOS" --lcores="$lcores" -m 1024 \
		--file-prefix "$PREFIX-$name" --vdev "$vdev" -- --ip "$ARGOS_IP/24" \
		--devices "$WORK/devices.csv" --oids "${ROOTS// /,}" --once --ping-count 0 \
		--output "$WORK/$name.jsonl" >"$log" 2>&1
	rc=$?
	check "$name: argos --once exits 0 (got $rc)" [ "$rc" = 0 ]
	[ "$rc" = 0 ] || tail -30 "$log"
	for a in "${AGENTS[@]}"; do walk "$a" "$WORK/$a.after" || die "snmpbulkwalk of $a failed"; done
	i=0
	for a in "${AGENTS[@]}"; do
		i=$((i + 1))
		check "$name: f$i ($a): every varbind equals snmpbulkwalk (OID, type, value)" \
			python3 "$ROOT/tests/integration/walk_oracle.py" --jsonl "$WORK/$name.jsonl" \
			--device-id "f$i" --walk1 "$WORK/$a.before" --walk2 "$WORK/$a.after"
	done
	summary=$(sed -n '/argos summary/,$p' "$log")
	check "$name: no error records" bash -c "! grep -q '\"kind\":\"error\"' '$WORK/$name.jsonl'"
	check "$name: the summary counts 2 SNMP polls ok, 0 failed" \
		grep -q 'SNMP polls: 2 ok, 0 failed' <<<"$summary"
	expect "$name: no SNMP timeouts" "$name: SNMP timeouts: $(grep -o 'Timeouts: [0-9]*' <<<"$summary")" \
		grep -q 'Timeouts: 0$' <<<"$summary"
	expect "$name: no reply dropped (other traffic aside)" \
		"$name: replies were dropped: $(grep 'Dropped replies' <<<"$summary")" \
		bash -c '! grep "Dropped replies" <<<"$1" | sed "s/not-for-us [0-9]*//" | grep -qE " [1-9][0-9]*(,|$)"' _ "$summary"
	echo "--- $name: the exit summary"
	echo "$summary"
}

poll one-core 0,1 "net_af_packet0,iface=$HOST_IF"
poll two-cores "$LCORES" "net_af_packet0,iface=$HOST_IF,qpairs=2"
check "two-cores: argos ran two workers" grep -q "argos: ready: .*2 worker(s)" \
	"$WORK/$PREFIX-two-cores.log"
finish
