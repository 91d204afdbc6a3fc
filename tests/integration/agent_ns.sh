# agent_ns.sh - a network namespace of its own on the testbed's switch
# (br0 in argos-sw), for a scripted agent or a private snmpd, set up as
# scripts/testbed sets up its hosts.  Sourced after lib.sh; the caller
# calls agent_ns_down from its EXIT trap.
#
#   agent_ns_up NS SWPORT ADDR...   namespace NS, eth0 <-> SWPORT on br0,
#                                   each ADDR/24 on eth0
#   agent_ns_down NS SWPORT         end what runs in NS, remove NS
#   agent_start NAME CMD...         run CMD in the background (PIDs kept)
#   agent_stop_all                  TERM, then KILL, every agent_start'ed PID
#   wait_for_line FILE PATTERN S    a pattern in a file within S seconds

AGENT_PIDS=()

agent_ns_down() {   # agent_ns_down NS SWPORT
	local pid
	if [ -e "/run/netns/$1" ]; then
		for pid in $(ip netns pids "$1" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
		sleep 0.2
		ip netns del "$1" 2>/dev/null
	fi
	ip -n argos-sw link del "$2" >/dev/null 2>&1 || true
}

agent_ns_up() {   # agent_ns_up NS SWPORT ADDR...
	local ns=$1 swport=$2 a
	shift 2
	ip -n argos-sw link show br0 >/dev/null 2>&1 ||
		die "the testbed has no bridge br0 in namespace argos-sw: run 'scripts/testbed down' and try again"
	agent_ns_down "$ns" "$swport"   # left over from an interrupted run
	ip netns add "$ns" || die "ip netns add $ns failed"
	if [ -d /proc/sys/net/ipv6 ]; then
		ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || die "cannot disable IPv6 in $ns"
	fi
	ip netns exec "$ns" sysctl -q -w net.ipv4.icmp_ratelimit=0 || die "sysctl failed in $ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" link add eth0 type veth peer name "$swport" netns argos-sw ||
		die "cannot create the veth $ns:eth0 <-> argos-sw:$swport"
	# Without this the kernel leaves UDP checksums partial on veth, and
	# argos (net_af_packet) would drop every reply as bad-checksum.
	ip netns exec "$ns" ethtool -K eth0 tx off rx off >/dev/null 2>&1 ||
		die "ethtool -K eth0 tx off rx off failed in $ns"
	ip netns exec argos-sw ethtool -K "$swport" tx off rx off >/dev/null 2>&1 ||
		die "ethtool -K $swport tx off rx off failed in argos-sw"
	ip -n argos-sw link set "$swport" master br0 up || die "cannot plug $swport into br0"
	ip -n "$ns" link set eth0 up
	for a in "$@"; do
		ip -n "$ns" addr add "$a/24" dev eth0 || die "cannot add $a to $ns"
	done
}

agent_start() {   # agent_start NAME CMD...: stdout+stderr to $WORK/NAME.log
	local name=$1
	shift
	"$@" </dev/null >"$WORK/$name.log" 2>&1 &
	AGENT_PIDS+=($!)
}

agent_stop_all() {
	local pid i
	for pid in "${AGENT_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${AGENT_PIDS[@]}"; do
		for ((i = 0; i < 20; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	AGENT_PIDS=()
}

if ! declare -f wait_for_line >/dev/null; then
wait_for_line() {   # wait_for_line FILE PATTERN S
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
fi
