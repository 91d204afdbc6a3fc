#!/usr/bin/env bash
# xdp_large_replies.sh - on net_af_xdp with argos's XDP program, replies
# larger than one frame reach argos as IPv4 fragments and argos puts
# them together itself (DPDK's ip_frag, dataplane/dp_frag.c), with one
# worker and with two workers on two queues.
#
# snmpd in argos-x1 serves extend scripts of several KB, so GETBULKs of
# the nsExtend tables (1.3.6.1.4.1.8072.1.3.2, max-repetitions 10) bring
# replies of 5 to 11 KB: up to 8 fragments at MTU 1500, DPDK's limit.
# The program must steer the fragments addressed to argos's address to
# argos and pass the rest (the host kernel's own walk of the same agent,
# whose fragments are addressed to the host) to the kernel.  Every
# varbind must equal snmpbulkwalk of the same agent; every fragment must
# be reassembled, none dropped, none left in the table.
#
# One queue only: net_af_xdp (22.11) takes as many queues as the
# interface's "combined" channels, and a veth has none (ethtool -l), so
# two workers cannot share a veth here.  Fragments passed between cores
# are tested on net_memif against the farm (farm_fragmented_replies).
set -uo pipefail
TEST=xdp_large_replies
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/xdp_lib.sh"
trap xnet_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
need_root_and_argos
command -v bpftool >/dev/null || die "bpftool is not installed (apt-get install bpftool)"

ROOTS="1.3.6.1.2.1.1 1.3.6.1.4.1.8072.1.3.2"
SIZES="4600 3600 2800"
mkdir -p "$WORK/scripts"
XSNMP_EXTRA=$(
	k=0
	for size in $SIZES; do
		k=$((k + 1))
		python3 -c '
import sys
size, k = int(sys.argv[1]), sys.argv[2]
lines = [(f"xdp big{k} line {n:04d} " + "0123456789abcdef" * 6)[:79] for n in range(1, size // 80 + 2)]
open(sys.argv[3], "w").write("\n".join(lines)[:size])' "$size" "$k" "$WORK/scripts/out$k.txt"
		echo "extend big$k /bin/cat $WORK/scripts/out$k.txt"
	done
)

walk() {   # walk OUTFILE: the oracle, by the host's kernel over the shared link
	local r
	for r in $ROOTS; do
		snmpbulkwalk -v2c -c public -On -Oe -Ot -Ox -t 2 -r 1 "$XAGENT_IP" "$r" || return 1
	done >"$1"
}

# frag_field LOG NAME: a figure of the exit summary's fragment lines
frag_field() {
	sed -n '/argos summary/,$p' "$1" | grep -E '^  Fragments' | grep -oE "$2:? [0-9]+" |
		head -1 | grep -oE '[0-9]+$'
}

# The agent, and four devices on it, polled every second for 4 s.
xnet_up
LOG=$WORK/$XPREFIX.log
largest=$(snmpbulkwalk -v2c -c public -Cr10 -d -t 2 -r 1 "$XAGENT_IP" 1.3.6.1.4.1.8072.1.3.2 \
	2>&1 >/dev/null | grep -oE '^Received [0-9]+ byte' | grep -oE '[0-9]+' | sort -n | tail -1)
check "the agent's largest reply is 5 to 11 KB, in 8 fragments at most (${largest:-none})" \
	test "${largest:-0}" -ge 5000 -a "${largest:-0}" -le 11800
{
	echo "id,hostname,ip_address,snmp_community,snmp_version,snmp_port,snmp_timeout,snmp_retries,snmp_max_repetitions,polling_frequency,ping_frequency"
	for i in 1 2 3 4; do echo "x$i,argos-x1-$i,$XAGENT_IP,public,2c,161,2,1,10,1,0"; done
} >"$WORK/devices.csv"
walk "$WORK/walk.before" || die "snmpbulkwalk of $XAGENT_IP from the host failed"
run_argos "$XPREFIX" -m 512 --vdev "net_af_xdp0,iface=$XIF,xdp_prog=$XDP_OBJ" -- \
	--ip "$XARGOS_IP/24" --devices "$WORK/devices.csv" --oids "${ROOTS// /,}" --duration 4 \
	--ping-count 0 --output "$WORK/out.jsonl" &
pid=$!
wait_ready "$LOG" || { tail -30 "$LOG"; die "argos did not start on net_af_xdp (log above)"; }
# The program's counters live as long as it is attached: sample them.
steered_xdp=0
while kill -0 "$pid" 2>/dev/null; do
	c=$(xdp_counter 5 2>/dev/null)
	[[ "$c" =~ ^[0-9]+$ ]] && [ "$c" -gt "$steered_xdp" ] && steered_xdp=$c
	sleep 0.2
done
wait "$pid"
rc=$?
check "argos exits 0 after --duration (got $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || tail -30 "$LOG"
walk "$WORK/walk.after" || die "snmpbulkwalk of $XAGENT_IP from the host failed after argos"
for i in 1 2 3 4; do
	check "x$i: every varbind equals snmpbulkwalk (OID, type, value)" \
		python3 "$ROOT/tests/integration/walk_oracle.py" --jsonl "$WORK/out.jsonl" \
		--device-id "x$i" --walk1 "$WORK/walk.before" --walk2 "$WORK/walk.after"
done
polls=$(sed -n '/argos summary/,$p' "$LOG" | grep -oE 'SNMP polls: [0-9]+ ok, 0 failed' | grep -oE '[0-9]+' | head -1)
check "every poll ended ok (${polls:-0} polls, 0 failed), no error record" \
	bash -c "[ '${polls:-0}' -ge 8 ] && ! grep -q '\"kind\":\"error\"' '$WORK/out.jsonl'"
check "the XDP program steered fragments to argos ($steered_xdp)" [ "$steered_xdp" -gt 0 ]
check "argos reassembled replies from fragments (fragments $(frag_field "$LOG" Fragments), reassembled $(frag_field "$LOG" Reassembled))" \
	test "$(frag_field "$LOG" Reassembled)" -gt 0 -a "$(frag_field "$LOG" Fragments)" -gt 0
expect "no fragment dropped, none left in the table" \
	"fragments were dropped or left: $(sed -n '/argos summary/,$p' "$LOG" | grep -E '^  Fragments' | tr '\n' ' ')" \
	bash -c "sed -n '/argos summary/,\$p' '$LOG' | grep -q 'Fragments dropped: timed-out 0, table-full 0, overlap 0, too-many 0, too-big 0' &&
		[ '$(frag_field "$LOG" Held)' = 0 ]"
expect "no reply dropped (other traffic aside)" \
	"replies were dropped: $(sed -n '/argos summary/,$p' "$LOG" | grep 'Dropped replies')" \
	bash -c "! sed -n '/argos summary/,\$p' '$LOG' | grep 'Dropped replies' | sed 's/not-for-us [0-9]*//' | grep -qE ' [1-9][0-9]*(,|$)'"
echo "--- the exit summary"
sed -n '/argos summary/,$p' "$LOG"
check "after argos: no XDP program is left on $XIF" bash -c '! ip -d link show '"$XIF"' | grep -q prog/xdp'
check "after argos: the kernel's snmpget of $XAGENT_IP answers" kernel_snmpget
check "no DPDK process of this test is left" bash -c "! pgrep -f 'file-prefix [${XPREFIX:0:1}]${XPREFIX:1}' >/dev/null"
finish
