#!/usr/bin/env bash
# xdp_shares_interface.sh - argos on net_af_xdp with its own steering
# program (xdp_prog=bpf/argos_xdp.o) shares argosx0 with the host's
# kernel: while argos polls snmpd (198.18.6.10) from 198.18.6.2, the
# kernel's own ping and snmpget from 198.18.6.1 keep working on the same
# interface, the namespace can ping both the kernel and argos, argos
# receives nothing that is not its own, and its results equal
# snmpbulkwalk.  After argos exits the program is gone and the
# interface still works for the kernel.
set -uo pipefail
TEST=xdp_shares_interface
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/xdp_lib.sh"
trap xnet_cleanup EXIT
need_root_and_argos
command -v bpftool >/dev/null || die "bpftool is not installed (apt-get install bpftool)"
xnet_up

ROOTS="1.3.6.1.2.1.1 1.3.6.1.2.1.2.2.1 1.3.6.1.2.1.31.1.1.1"
walk() {   # walk OUTFILE: the oracle, by the host's kernel over the shared link
	local r
	for r in $ROOTS; do
		snmpbulkwalk -v2c -c public -On -Oe -Ot -Ox -t 2 -r 1 "$XAGENT_IP" "$r" || return 1
	done >"$1"
}
xdp_counter() {   # xdp_counter INDEX: the steering program's counter, summed over CPUs
	bpftool -j map dump name argos_xdp_stats 2>/dev/null | python3 -c '
import json, sys
want = int(sys.argv[1])
total = 0
for e in json.load(sys.stdin):
    key = e["key"] if isinstance(e["key"], int) else int.from_bytes(bytes(int(b, 16) for b in e["key"]), "little")
    if key != want:
        continue
    for v in e.get("values", []):
        val = v["value"]
        total += val if isinstance(val, int) else int.from_bytes(bytes(int(b, 16) for b in val), "little")
print(total)' "$1"
}

check "before argos: the kernel pings $XAGENT_IP over $XIF" kernel_ping 3
walk "$WORK/walk.before" || die "snmpbulkwalk of $XAGENT_IP from the host failed"

# Poll every second for 8 s, so that the kernel's traffic below meets
# argos's on the wire.
echo "id,hostname,ip_address,snmp_community,snmp_version,snmp_port,snmp_timeout,snmp_retries,snmp_max_repetitions,polling_frequency,ping_frequency" \
	>"$WORK/devices.csv"
echo "x1,argos-x1,$XAGENT_IP,public,2c,161,1,2,25,1,1" >>"$WORK/devices.csv"

run_argos "$XPREFIX" -m 512 --vdev "net_af_xdp0,iface=$XIF,xdp_prog=$XDP_OBJ" -- \
	--ip "$XARGOS_IP/24" --devices "$WORK/devices.csv" --duration 8 \
	--ping-count 2 --ping-interval 200 --output "$WORK/out.jsonl" &
argos_pid=$!
if ! wait_ready "$WORK/$XPREFIX.log"; then
	tail -30 "$WORK/$XPREFIX.log"
	die "argos did not start on net_af_xdp (log above)"
fi

check "while argos runs: argos's program is attached to $XIF" xdp_attached
echo "  XDP mode on $XIF: $(ip -o link show "$XIF" | grep -oE ' xdp(generic|drv|offload)? ' | tr -d ' ')" \
	"(xdp: native, xdpgeneric: generic)"
check "while argos runs: argos says it configured the steering program" \
	grep -q "^argos: xdp: steering on $XIF" "$WORK/$XPREFIX.log"
check "while argos runs: the kernel still pings $XAGENT_IP over $XIF (20 of 20)" kernel_ping 20
check "while argos runs: the kernel's snmpget of $XAGENT_IP still answers" kernel_snmpget
check "while argos runs: the namespace pings the host kernel's $XHOST_IP" \
	ip netns exec "$XNS" fping -q -c 5 -p 100 -t 500 "$XHOST_IP" 2>/dev/null
check "while argos runs: the namespace pings argos's $XARGOS_IP (argos answers)" \
	ip netns exec "$XNS" fping -q -c 5 -p 100 -t 500 "$XARGOS_IP" 2>/dev/null
passed=$(xdp_counter 1)
steered_udp=$(xdp_counter 4)
check "while argos runs: the program passed the kernel's frames ($passed)" [ "${passed:-0}" -gt 0 ]
check "while argos runs: the program steered SNMP replies to argos ($steered_udp)" \
	[ "${steered_udp:-0}" -gt 0 ]

wait "$argos_pid"
rc=$?
check "argos exits 0 after --duration (got $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || tail -30 "$WORK/$XPREFIX.log"
grep -A12 'argos summary' "$WORK/$XPREFIX.log"
walk "$WORK/walk.after" || die "snmpbulkwalk of $XAGENT_IP from the host failed after argos"

check "argos's varbinds equal snmpbulkwalk's (OID, type, value)" \
	python3 "$ROOT/tests/integration/walk_oracle.py" --jsonl "$WORK/out.jsonl" \
	--device-id x1 --walk1 "$WORK/walk.before" --walk2 "$WORK/walk.after"
polls=$(grep -c '"kind":"ping","device_id":"x1"' "$WORK/out.jsonl")
check "argos pinged the agent several times ($polls ping results)" [ "$polls" -ge 3 ]
lossy=$(grep '"kind":"ping","device_id":"x1"' "$WORK/out.jsonl" | grep -Evc '"loss_ratio":0(\.0+)?[,}]')
check "argos lost no ping to the agent ($lossy of $polls ping results with a loss)" \
	test "$polls" -ge 1 -a "$lossy" = 0
check "no SNMP poll failed" bash -c "grep -q 'SNMP polls: [1-9][0-9]* ok, 0 failed' '$WORK/$XPREFIX.log'"
check "no results lost" grep -q 'Results-lost: 0' "$WORK/$XPREFIX.log"
check "argos received nothing that was not its own (not-for-us 0)" \
	grep -q 'not-for-us 0$' "$WORK/$XPREFIX.log"

check "after argos: no XDP program is left on $XIF" no_xdp_attached
check "after argos: the kernel pings $XAGENT_IP over $XIF" kernel_ping 5
check "after argos: the kernel's snmpget of $XAGENT_IP answers" kernel_snmpget
check "no DPDK process of this test is left" no_process "file-prefix $XPREFIX"
finish
