#!/usr/bin/env bash
# fragments_timeout_named.sh - on net_af_xdp, where argos reassembles
# replies itself (dataplane/dp_frag.c), what argos makes of fragmented
# replies of an agent:
#
#   1. --avoid-fragments: a GETBULK reply that came in fragments shrinks
#      the device's max-repetitions to what fits one frame.  snmpd in
#      argos-x1 serves 13 extend scripts (one of 3,000 bytes, twelve of
#      300), so a GETBULK of nsExtendOutputFull at 10 repetitions brings
#      ~6 KB in 5 fragments.  Proven with the requests snmpd received
#      (tcpdump): the first asks 10, the next one of the same poll fewer,
#      later polls start below 10; every varbind equals snmpbulkwalk, no
#      poll fails, nothing is lost.
#   2. fragments-timeout: an nftables rule on the agent's side drops the
#      last fragment of every reply to argos, so argos holds the other
#      fragments until they time out (1 s).  A walk at 1 repetition (the
#      3,000-byte value first: 3 fragments every time) then ends with the
#      error fragments-timeout, not timeout: the agent answers, its
#      replies never complete.
#
# One worker: net_af_xdp takes its queues from the interface's channels,
# which a veth lacks.  With two workers, the note that crosses cores
# (dp_note_share) is proven over net_memif by
# farm/fragments_timeout_every_core.sh.
set -uo pipefail
TEST=fragments_timeout_named
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/xdp_lib.sh"
TCPDUMP_PID=
stop_tcpdump() {
	[ -n "$TCPDUMP_PID" ] && { kill -INT "$TCPDUMP_PID" 2>/dev/null; wait "$TCPDUMP_PID" 2>/dev/null; }
	TCPDUMP_PID=
}
trap 'stop_tcpdump; xnet_cleanup' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
need_root_and_argos
for t in nft tcpdump snmpbulkwalk python3; do
	command -v "$t" >/dev/null || die "$t is not installed: run scripts/install-deps"
done

COLUMN=1.3.6.1.4.1.8072.1.3.2.3.1.2   # nsExtendOutputFull
mkdir -p "$WORK/scripts"
python3 -c 'import sys; sys.stdout.write(("big value " * 400)[:3000])' >"$WORK/scripts/big.txt"
XSNMP_EXTRA="extend big /bin/cat $WORK/scripts/big.txt"
for i in $(seq -w 1 12); do
	python3 -c 'import sys; sys.stdout.write(("row %s " % sys.argv[1] * 60)[:300])' "$i" \
		>"$WORK/scripts/r$i.txt"
	XSNMP_EXTRA+=$'\n'"extend r$i /bin/cat $WORK/scripts/r$i.txt"
done
xnet_up
LOG=$WORK/$XPREFIX.log

walk() {   # walk OUTFILE: the oracle, by the host's kernel over the shared link
	snmpbulkwalk -v2c -c public -On -Oe -Ot -Ox -t 2 -r 1 "$XAGENT_IP" "$COLUMN" >"$1"
}
# frag_field NAME: a figure of the exit summary's fragment lines
frag_field() {
	sed -n '/argos summary/,$p' "$LOG" | grep -E '^  Fragments' | grep -oE "$1:? [0-9]+" |
		head -1 | grep -oE '[0-9]+$'
}
# start_tcpdump FILE: the requests snmpd receives, with their max-repetitions
start_tcpdump() {
	ip netns exec "$XNS" tcpdump -n -vv -l -i "$XPEER" \
		"udp dst port 161 and src host $XARGOS_IP" >"$1" 2>"$1.err" &
	TCPDUMP_PID=$!
	await_ready "tcpdump in $XNS" 10 "$1.err" grep -q 'listening on' "$1.err"
}

walk "$WORK/walk.before" || die "snmpbulkwalk of $XAGENT_IP from the host failed"
[ "$(grep -c "$COLUMN" "$WORK/walk.before")" = 13 ] ||
	die "snmpd's 13 extend rows are not there: $(head -3 "$WORK/walk.before")"

# --- 1. --avoid-fragments ------------------------------------------------------
{
	echo "id,hostname,ip_address,snmp_community,snmp_version,snmp_timeout,snmp_retries,snmp_max_repetitions,polling_frequency,ping_frequency"
	echo "av,avoid-agent,$XAGENT_IP,public,2c,2,1,10,2,0"
} >"$WORK/devices-avoid.csv"
start_tcpdump "$WORK/tcpdump-avoid.log"
run_argos "$XPREFIX" -m 512 --vdev "net_af_xdp0,iface=$XIF,xdp_prog=$XDP_OBJ" -- \
	--ip "$XARGOS_IP/24" --devices "$WORK/devices-avoid.csv" --oids "$COLUMN" --duration 5 \
	--ping-count 0 --avoid-fragments --output "$WORK/avoid.jsonl"
rc=$?
stop_tcpdump
cp "$LOG" "$WORK/avoid.log"
walk "$WORK/walk.after" || die "snmpbulkwalk of $XAGENT_IP from the host failed after argos"
expect "--avoid-fragments: argos exits 0 after --duration" \
	"--avoid-fragments: argos exited with status $rc: $(tail -5 "$LOG" | tr '\n' ' ')" [ "$rc" = 0 ]
polls=$(sed -n '/argos summary/,$p' "$LOG" | grep -oE 'SNMP polls: [0-9]+ ok, [0-9]+ failed' | head -1)
expect "--avoid-fragments: every poll ended ok ($polls), no error record" \
	"--avoid-fragments: polls failed or errors were written ($polls): $(grep '"kind":"error"' "$WORK/avoid.jsonl" | head -2)" \
	holds "echo '$polls' | grep -qE 'SNMP polls: [2-9] ok, 0 failed' && ! grep -q '\"kind\":\"error\"' '$WORK/avoid.jsonl'"
check "--avoid-fragments: every varbind equals snmpbulkwalk (OID, type, value)" \
	python3 "$ROOT/tests/integration/walk_oracle.py" --jsonl "$WORK/avoid.jsonl" \
	--device-id av --walk1 "$WORK/walk.before" --walk2 "$WORK/walk.after"
check "--avoid-fragments: argos reassembled the fragmented replies itself (reassembled $(frag_field Reassembled))" \
	test "$(frag_field Reassembled)" -gt 0
# tcpdump -vv: '{ GetBulk(33) R=123 N=0 M=10 ...'
cat >"$WORK/reps.py" <<'PY'
import re, sys
reps = [int(m.group(1)) for line in open(sys.argv[1])
        for m in [re.search(r"GetBulk\(\d+\) .*M=(\d+)", line)] if m]
print("GETBULK max-repetitions in order: %s" % reps)
if len(reps) < 4:
    sys.exit("too few GETBULKs seen: %d" % len(reps))
if reps[0] != 10:
    sys.exit("the first GETBULK asked %d repetitions, not the configured 10" % reps[0])
if not 1 <= reps[1] < 10:
    sys.exit("the GETBULK after the first fragmented reply asked %d, not fewer than 10" % reps[1])
if max(reps[1:]) >= 10:
    sys.exit("a later GETBULK asked 10 again: the shrink did not hold")
PY
check "--avoid-fragments: after the first reply in fragments, argos asks fewer than 10 repetitions, in that poll and the next ones" \
	python3 "$WORK/reps.py" "$WORK/tcpdump-avoid.log"

# --- 2. fragments-timeout ------------------------------------------------------
ip netns exec "$XNS" nft -f - <<NFT || die "nft could not load the rule that drops last fragments"
table netdev fragloss {
	chain out {
		type filter hook egress device $XPEER priority 0;
		ip daddr $XARGOS_IP ip frag-off & 0x2000 == 0 ip frag-off & 0x1fff != 0 counter drop
	}
}
NFT
{
	echo "id,hostname,ip_address,snmp_community,snmp_version,snmp_timeout,snmp_retries,snmp_max_repetitions,polling_frequency,ping_frequency"
	echo "lost,lost-agent,$XAGENT_IP,public,2c,1.5,1,1,60,0"
} >"$WORK/devices-lost.csv"
t0=$(now_ms)
run_argos "$XPREFIX" -m 512 --vdev "net_af_xdp0,iface=$XIF,xdp_prog=$XDP_OBJ" -- \
	--ip "$XARGOS_IP/24" --devices "$WORK/devices-lost.csv" --oids "$COLUMN" --once \
	--ping-count 0 --output "$WORK/lost.jsonl"
rc=$?
t1=$(now_ms)
dropped=$(ip netns exec "$XNS" nft list table netdev fragloss | grep -oE 'packets [0-9]+' | awk '{print $2}')
ip netns exec "$XNS" nft delete table netdev fragloss
echo "fragments-timeout: argos ran $((t1 - t0)) ms, nft dropped ${dropped:-0} last fragments"
expect "fragments-timeout: argos --once exits 0 (a failed poll is a result)" \
	"fragments-timeout: argos exited with status $rc: $(tail -5 "$LOG" | tr '\n' ' ')" [ "$rc" = 0 ]
check "fragments-timeout: the agent's last fragments were dropped on the way (${dropped:-0}, one per attempt)" \
	test "${dropped:-0}" -ge 2
check "fragments-timeout: argos timed fragments out in reassembly (timed-out $(frag_field timed-out)), none left held ($(frag_field Held))" \
	test "$(frag_field timed-out)" -gt 0 -a "$(frag_field Held)" = 0
expect "fragments-timeout: the poll's error is fragments-timeout" \
	"fragments-timeout: the error records are: $(grep '"kind":"error"' "$WORK/lost.jsonl" | head -3)" \
	python3 -c '
import json, sys
errs = [json.loads(l) for l in open(sys.argv[1]) if "\"kind\":\"error\"" in l]
sys.exit(0 if [(e["device_id"], e["error"]) for e in errs] == [("lost", "fragments-timeout")] else 1)' \
	"$WORK/lost.jsonl"
echo "--- the exit summary of the second run"
sed -n '/argos summary/,$p' "$LOG"
check "after argos: no XDP program is left on $XIF" no_xdp_attached
check "after argos: the kernel's snmpget of $XAGENT_IP answers" kernel_snmpget
finish
