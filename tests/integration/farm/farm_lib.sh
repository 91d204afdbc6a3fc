# farm_lib.sh - shared by the argos-farm tests: the link between the
# host and the namespace argos-farm, and the farm started inside it.
# Sourced after tests/integration/lib.sh, not run.
#
#   host: argosf0 [198.19.255.1/24 only when kernel tools need it]
#     |  veth
#   argos-farm: argosf1 (no kernel address)  <- argos-farm on net_af_packet
#
# The farm's own address is 198.19.255.2, its devices 198.19.0.0/17.

FARM=${FARM:-$ROOT/build/argos-farm}
FARM_NS=argos-farm
FARM_HOST_IF=argosf0
FARM_NS_IF=argosf1
FARM_IP=198.19.255.2
FARM_DEVICES=198.19.0.0/17
FARM_PID=
FARM_PREFIX=${FARM_PREFIX:-farm}   # the farm's EAL --file-prefix
# af_packet rings of 8192 frames on both ends: argos opens a poll of 1000
# devices with ~4000 requests at once, and the default 512-frame rings
# overflow (the kernel drops; SNMP recovers by retrying, pings do not).
FARM_FRAMES=8192

need_farm() {
	[ -x "$FARM" ] || die "$FARM is not built: run ninja -C build"
	command -v python3 >/dev/null || die "python3 is missing (the value oracle is Python)"
}

# farm_net_up [kernel]: the veth pair; with "kernel", the host end gets
# 198.19.255.1/24 and a route to the devices through the farm.
farm_net_up() {
	farm_net_down
	ip netns add "$FARM_NS" || die "cannot create namespace $FARM_NS"
	ip link add "$FARM_HOST_IF" type veth peer name "$FARM_NS_IF" netns "$FARM_NS" ||
		die "cannot create veth $FARM_HOST_IF/$FARM_NS_IF"
	sysctl -q -w "net.ipv6.conf.$FARM_HOST_IF.disable_ipv6=1"
	ip netns exec "$FARM_NS" sysctl -q -w "net.ipv6.conf.$FARM_NS_IF.disable_ipv6=1"
	ethtool -K "$FARM_HOST_IF" tx off rx off >/dev/null 2>&1
	ip netns exec "$FARM_NS" ethtool -K "$FARM_NS_IF" tx off rx off >/dev/null 2>&1
	ip link set "$FARM_HOST_IF" up
	ip netns exec "$FARM_NS" ip link set "$FARM_NS_IF" up
	ip netns exec "$FARM_NS" ip link set lo up
	if [ "${1:-}" = kernel ]; then
		ip addr add 198.19.255.1/24 dev "$FARM_HOST_IF" || die "cannot address $FARM_HOST_IF"
		ip route add "$FARM_DEVICES" via "$FARM_IP" dev "$FARM_HOST_IF" ||
			die "cannot route $FARM_DEVICES via $FARM_IP"
	fi
}

farm_net_down() {
	ip link del "$FARM_HOST_IF" 2>/dev/null || true
	ip netns del "$FARM_NS" 2>/dev/null || true
}

# farm_start NAME [farm options...]: the farm on argosf1 in the
# namespace, on lcore 0, until farm_stop.  Logs to $WORK/NAME.log,
# statistics JSON to $WORK/NAME.json.  Waits for the ready line.
farm_start() {
	local name=$1; shift
	ip netns exec "$FARM_NS" timeout -k 5 "${FARM_TIMEOUT:-240}" "$FARM" -l 0 \
		--file-prefix "$FARM_PREFIX" -m 256 --vdev "net_af_packet0,iface=$FARM_NS_IF,framecnt=$FARM_FRAMES" -- \
		--ip "$FARM_IP/24" --devices "$FARM_DEVICES" --stats-json "$WORK/$name.json" \
		"$@" >"$WORK/$name.log" 2>&1 &
	FARM_PID=$!
	FARM_LOG=$WORK/$name.log
	await_ready "argos-farm ($name)" 60 "$FARM_LOG" farm_ready
}

# farm_ready: the farm printed its ready line (125, to stop waiting, when it died)
farm_ready() {
	grep -q 'argos-farm: ready:' "$FARM_LOG" && return 0
	kill -0 "$FARM_PID" 2>/dev/null || { echo "(argos-farm exited)" >>"$FARM_LOG"; return 125; }
	return 1
}

# farm_signal SIG: send SIG to the farm itself.  FARM_PID is timeout(1),
# which dies of a signal it does not forward (SIGUSR1).
farm_signal() {
	local pid
	pid=$(pgrep -P "$FARM_PID" -x argos-farm | head -1)
	[ -n "$pid" ] || return 1
	kill -"$1" "$pid"
}

# farm_stop: SIGTERM, wait for the exit statistics.
farm_stop() {
	[ -n "$FARM_PID" ] || return 0
	kill -TERM "$FARM_PID" 2>/dev/null
	wait "$FARM_PID" 2>/dev/null
	FARM_PID=
}

farm_cleanup() {
	farm_stop
	farm_net_down
	cleanup
}

# farm_counter FILE NAME: one counter of the farm's --stats-json total.
farm_counter() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"][sys.argv[2]])' "$1" "$2"
}
