# xdp_lib.sh - shared by the XDP tests: the one-link testbed where argos
# and the host's kernel share the interface argosx0.  Sourced after
# ../lib.sh, not run.
#
#   host:      argosx0  198.18.6.1/24 (the kernel's)  + argos 198.18.6.2 via net_af_xdp
#   argos-x1:  argosx1  198.18.6.10/24, snmpd udp/161
#
# Checksum offload is off on both ends (TESTBED-FACTS).  No XDP program
# is needed on argosx1: a native XDP program on argosx0 turns on
# argosx0's NAPI, which is what veth needs to run XDP on receive.

XNS=argos-x1
XIF=argosx0
XPEER=argosx1
XHOST_IP=198.18.6.1
XAGENT_IP=198.18.6.10
XARGOS_IP=198.18.6.2
XPREFIX=xdpargos
XDP_OBJ=${ARGOS_XDP_OBJ:-$(dirname "$ARGOS")/bpf/argos_xdp.o}
XSNMP=$WORK/snmpd

xnet_down() {
	local pid
	if [ -r "$XSNMP/snmpd.pid" ]; then
		pid=$(cat "$XSNMP/snmpd.pid")
		kill "$pid" 2>/dev/null
	fi
	ip netns del "$XNS" 2>/dev/null
	ip link del "$XIF" 2>/dev/null
	rm -f /sys/fs/bpf/argosx_* 2>/dev/null
	return 0
}

xnet_cleanup() {
	xnet_down
	cleanup
}

xnet_up() {
	command -v fping >/dev/null || die "fping is not installed (scripts/install-deps)"
	command -v snmpd >/dev/null || die "snmpd is not installed (scripts/install-deps)"
	[ -r "$XDP_OBJ" ] || die "$XDP_OBJ is not built: is clang installed? (ninja builds bpf/argos_xdp.o)"
	[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] ||
		die "bpffs is not mounted at /sys/fs/bpf: run scripts/hugepages (or mount -t bpf bpf /sys/fs/bpf)"
	if ip netns list | grep -q "^$XNS\b" || ip link show "$XIF" >/dev/null 2>&1; then
		xnet_down
	fi
	ip netns add "$XNS" || die "ip netns add $XNS failed"
	ip link add "$XIF" type veth peer name "$XPEER" netns "$XNS" || die "cannot create veth $XIF"
	if [ -e "/proc/sys/net/ipv6/conf/$XIF/disable_ipv6" ]; then
		sysctl -q -w "net.ipv6.conf.$XIF.disable_ipv6=1"
	fi
	ip netns exec "$XNS" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv4.icmp_ratelimit=0 || die "sysctl in $XNS failed"
	ethtool -K "$XIF" tx off rx off >/dev/null || die "ethtool -K $XIF tx off rx off failed"
	ip netns exec "$XNS" ethtool -K "$XPEER" tx off rx off >/dev/null ||
		die "ethtool -K $XPEER tx off rx off failed"
	ip addr add "$XHOST_IP/24" dev "$XIF"
	ip link set "$XIF" up
	ip -n "$XNS" link set lo up
	ip -n "$XNS" addr add "$XAGENT_IP/24" dev "$XPEER"
	ip -n "$XNS" link set "$XPEER" up

	mkdir -p "$XSNMP"
	printf 'rocommunity public\nsysName argos-x1\nsysLocation argos xdp test\n' \
		>"$XSNMP/snmpd.conf"
	ip netns exec "$XNS" env MIBS= SNMP_PERSISTENT_DIR="$XSNMP" setsid snmpd -f \
		-Lf "$XSNMP/snmpd.log" -C -c "$XSNMP/snmpd.conf" -I -smux -p "$XSNMP/snmpd.pid" \
		"udp:$XAGENT_IP:161" </dev/null >/dev/null 2>&1 &
	local i
	for i in $(seq 1 50); do
		kernel_snmpget >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	die "snmpd in $XNS ($XAGENT_IP) did not answer the host's snmpget within 10 s"
}

# The host kernel's own tools, from 198.18.6.1 on the shared interface.
kernel_ping() {   # kernel_ping COUNT: all COUNT echo requests answered
	fping -q -c "$1" -p 100 -t 500 "$XAGENT_IP" 2>&1 | grep -q "xmt/rcv/%loss = $1/$1/0%"
}
kernel_snmpget() {
	snmpget -v2c -c public -t 1 -r 1 -Oqv "$XAGENT_IP" 1.3.6.1.2.1.1.5.0 | grep -qx '"argos-x1"'
}
xdp_attached() {   # xdp_attached: some XDP program is on the interface
	ip -d link show "$XIF" | grep -q 'prog/xdp'
}
no_xdp_attached() {   # no_xdp_attached: the interface is there, with no XDP program on it
	local out
	out=$(ip -d link show "$XIF" 2>&1) || { echo "  ($XIF is gone: $out)"; return 1; }
	! grep -q 'prog/xdp' <<<"$out"
}

# wait_ready LOG: until argos logs its ready line (or exits, or 60 s pass)
wait_ready() {
	local i
	for i in $(seq 1 600); do
		grep -q '^argos: ready:' "$1" 2>/dev/null && return 0
		jobs -r | grep -q . || return 1
		sleep 0.1
	done
	return 1
}
