#!/usr/bin/env bash
# xdp_bad_input.sh - argos on net_af_xdp refuses, clearly and before it
# touches the interface, what would otherwise fail deep inside DPDK: an
# xdp_prog= file that does not exist, an XDP program already on the
# interface (net_af_xdp would fail, then detach that program), a
# configuration map pinned by another layout of the program; and says
# what is wrong when the interface does not exist or there are more
# worker lcores than queues.  After each refusal the kernel still uses
# the interface.
#
# Not tested here: bpffs not mounted at /sys/fs/bpf (unmounting it would
# break every other BPF user of the machine); argos then says
# "bpffs is not mounted at /sys/fs/bpf ... mount -t bpf bpf /sys/fs/bpf".
set -uo pipefail
TEST=xdp_bad_input
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/xdp_lib.sh"
CONF_PIN=/sys/fs/bpf/argos_xdp_conf
CONF_ASIDE=/sys/fs/bpf/argosx_conf_aside
restore_conf() {
	rm -f "$CONF_PIN"
	[ -e "$CONF_ASIDE" ] && mv "$CONF_ASIDE" "$CONF_PIN"
	xnet_cleanup
}
trap restore_conf EXIT
need_root_and_argos
command -v bpftool >/dev/null || die "bpftool is not installed (apt-get install bpftool)"
xnet_up
[ -e "$CONF_ASIDE" ] && die "$CONF_ASIDE exists: an earlier run of this test was killed; move it back to $CONF_PIN"

echo "id,hostname,ip_address,snmp_community,snmp_version" >"$WORK/devices.csv"
echo "x1,argos-x1,$XAGENT_IP,public,2c" >>"$WORK/devices.csv"
ARGS=(-- --ip "$XARGOS_IP/24" --devices "$WORK/devices.csv" --once --ping-count 1)
WIRED="(is cp_xdp_precheck() called from controlplane/main.c before rte_eal_init?)"

# run CASE LCORE-ARGS [EAL args...]: argos's exit status in $rc, its log in
# $WORK/CASE.log.  (lib.sh's run_argos always gives -l 0,1; one case here
# needs other lcores.)
run() {
	local case=$1
	shift
	timeout -k 5 60 "$ARGOS" --file-prefix "$XPREFIX" -m 512 "$@" "${ARGS[@]}" \
		>"$WORK/$case.log" 2>&1
	rc=$?
}
said() {   # said CASE TEXT: the log of CASE holds TEXT; shows the log when not
	grep -qF -- "$2" "$WORK/$1.log" && return 0
	sed 's/^/    | /' "$WORK/$1.log" | grep -v 'EAL:' | tail -8
	return 1
}
# refused CASE TEXT: CASE was refused as documented (docs/argos.1.md): exit
# status exactly 1, TEXT in its log, no crash, timeout or sanitizer report.
refused() { is_refusal 1 "$(re_escape "$2")" "$rc" "$WORK/$1.log"; }

run missing_prog -l 0,1 --vdev "net_af_xdp0,iface=$XIF,xdp_prog=$WORK/no-such-dir/argos_xdp.o"
expect "a missing xdp_prog file: argos exits 1, names the file and says to give argos_xdp.o's path" \
	"a missing xdp_prog file: argos did not exit 1 saying which file is missing and what to give $WIRED" \
	refused missing_prog "xdp_prog=$WORK/no-such-dir/argos_xdp.o: No such file or directory: give the path"
check "a missing xdp_prog file: the kernel still pings over $XIF" kernel_ping 3

run no_iface -l 0,1 --vdev "net_af_xdp0,iface=argosx9,xdp_prog=$XDP_OBJ"
check "an interface that does not exist: argos exits 1 and names it" refused no_iface "interface: argosx9"
check "an interface that does not exist: argos asks whether it exists" said no_iface "Does the interface exist"

run lcores --lcores 0@0,1@0,2@1 --vdev "net_af_xdp0,iface=$XIF,xdp_prog=$XDP_OBJ"
check "two workers on a one-queue veth: argos exits 1 and says the port has 1 queue and 2 are wanted" \
	is_refusal 1 'has 1 RX / 1 TX queues.* 2 ' "$rc" "$WORK/lcores.log"
check "two workers on a one-queue veth: no XDP program is left on $XIF" no_xdp_attached

bpftool prog load "$XDP_OBJ" /sys/fs/bpf/argosx_stale type xdp ||
	die "bpftool could not load $XDP_OBJ to play a left-over program"
bpftool net attach xdp pinned /sys/fs/bpf/argosx_stale dev "$XIF" ||
	die "bpftool could not attach the left-over program to $XIF"
run left_over -l 0,1 --vdev "net_af_xdp0,iface=$XIF,xdp_prog=$XDP_OBJ"
expect "an XDP program left on $XIF: argos exits 1, saying so and how to detach it" \
	"an XDP program left on $XIF: argos did not exit 1 saying that one is attached or how to detach it $WIRED" \
	refused left_over "already has an XDP program attached"
expect "an XDP program left on $XIF: argos did not detach a program it does not own" \
	"an XDP program left on $XIF: argos detached it (net_af_xdp does that when it fails) $WIRED" \
	xdp_attached
ip link set dev "$XIF" xdp off
check "ip link set dev $XIF xdp off (the advice) detaches it" no_xdp_attached
rm -f /sys/fs/bpf/argosx_stale

# A configuration map of another layout, pinned where argos's program
# expects its own.  The real one (if any) is put aside and back.
[ -e "$CONF_PIN" ] && mv "$CONF_PIN" "$CONF_ASIDE"
bpftool map create "$CONF_PIN" type hash key 4 value 8 entries 64 name argos_xdp_conf ||
	die "bpftool could not pin a map at $CONF_PIN"
run old_map -l 0,1 --vdev "net_af_xdp0,iface=$XIF,xdp_prog=$XDP_OBJ"
expect "a configuration map of another layout: argos exits 1 and says to remove it" \
	"a configuration map of another layout: argos did not exit 1 saying that $CONF_PIN must go $WIRED" \
	refused old_map "rm $CONF_PIN"
check "a configuration map of another layout: the kernel still pings over $XIF" kernel_ping 3
check "no DPDK process of this test is left" no_process "file-prefix $XPREFIX"
finish
