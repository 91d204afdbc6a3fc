#!/usr/bin/env bash
# devbind_refuses_stacks.sh - scripts/devbind refuses an interface that
# does not carry the default route or the ssh session itself, but lies
# under a bond, a bridge or a VLAN that does.
#
# In a namespace of its own (argos-dbs), the test builds:
#
#   a0, a1 (veth) -> bond0 -> br0 -> br0.100   198.18.7.2/24, default via 198.18.7.1
#   v0 (veth)              -> br1               198.18.8.2/24, "ssh" from 198.18.8.9
#   d2 (veth), alone
#
# and runs scripts/devbind bind --dry-run inside it (ip netns exec), with
# SSH_CONNECTION set as sshd sets it for a session from 198.18.8.9.  The
# default route never leaves the namespace: it points at an address of
# the namespace's own bridge.
#
# A kernel without bonding or 802.1Q (CONFIG_BONDING, CONFIG_VLAN_8021Q)
# cannot build those two layers: then a0 and a1 are ports of br0
# directly, and a macvlan (mv100) stands on br0 for the VLAN.  The test
# says which stack it built; devbind walks the same sysfs upper_* links
# whatever their kind.
set -uo pipefail
TEST=devbind_refuses_stacks
source "$(dirname "$0")/../lib.sh"
DEVBIND=$ROOT/scripts/devbind
NS=argos-dbs
teardown() { ip netns del "$NS" 2>/dev/null; cleanup; }
trap teardown EXIT
[ "$(id -u)" = 0 ] || die "must run as root"
ip netns del "$NS" 2>/dev/null
ip netns add "$NS" || die "ip netns add $NS failed"
n() { ip -n "$NS" "$@" || die "ip -n $NS $* failed"; }
has_kind() { ip -n "$NS" link add probe0 "$@" 2>/dev/null && ip -n "$NS" link del probe0; }

n link add a0 type veth peer name a0p
n link add a1 type veth peer name a1p
n link add d2 type veth peer name d2p
n link add br0 type bridge
BOND=
if has_kind type bond mode active-backup; then
	n link add bond0 type bond mode active-backup
	n link set a0 master bond0
	n link set a1 master bond0
	n link set bond0 master br0
	BOND=bond0
	UNDER_A="bond0, br0"
	STACK="a0, a1 -> bond0 (bond) -> br0 (bridge)"
else
	n link set a0 master br0
	n link set a1 master br0
	UNDER_A="br0"
	STACK="a0, a1 -> br0 (bridge; this kernel has no bonding)"
fi
if has_kind link br0 type vlan id 99; then
	TOP=br0.100
	n link add link br0 name "$TOP" type vlan id 100
	STACK+=" -> $TOP (VLAN 100)"
else
	TOP=mv100
	n link add link br0 name "$TOP" type macvlan mode bridge
	STACK+=" -> $TOP (macvlan; this kernel has no 802.1Q VLAN)"
fi
n link add v0 type veth peer name v1
n link add br1 type bridge
n link set v0 master br1
for i in lo a0 a0p a1 a1p d2 d2p br0 "$TOP" v0 v1 br1 $BOND; do n link set "$i" up; done
n addr add 198.18.7.2/24 dev "$TOP"
n addr add 198.18.8.2/24 dev br1
n route add default via 198.18.7.1 dev "$TOP" onlink
echo "  stack with the default route: $STACK"
echo "  stack with the ssh session:   v0 -> br1 (bridge)"

out() {   # out IF [devbind args...]: run devbind in the namespace, keep output and status
	ip netns exec "$NS" env SSH_CONNECTION="198.18.8.9 40000 198.18.8.2 22" \
		"$DEVBIND" bind "$@" --dry-run >"$WORK/out" 2>&1
	echo $? >"$WORK/rc"
}
rc() { cat "$WORK/rc"; }
said() { grep -qF -- "$1" "$WORK/out" || { sed 's/^/    | /' "$WORK/out"; return 1; }; }
refused() {   # refused IF WHY...: exit 1, the refusal names IF and WHY, nothing would run
	local ifc=$1 why=$2
	out "$ifc"
	check "bind $ifc is refused with exit 1 (got $(rc))" [ "$(rc)" = 1 ]
	check "bind $ifc: says $why" said "refusing to take $ifc from the kernel: $why"
	check "bind $ifc: nothing would have run" bash -c "! grep -q 'would run' '$WORK/out'"
}

check "the namespace's default route is on $TOP (the stack is built)" \
	bash -c "ip -n $NS route show default | grep -q 'dev $TOP'"
check "sysfs links a0 up to br0 and br0 up to $TOP" \
	ip netns exec "$NS" bash -c "ls /sys/class/net/a0/upper_* >/dev/null && test -e /sys/class/net/br0/upper_$TOP"

ROUTE="carries the default route (default via 198.18.7.1 dev $TOP"
refused a0 "it is under $UNDER_A, $TOP, and $TOP $ROUTE"
refused a1 "it is under $UNDER_A, $TOP, and $TOP $ROUTE"
if [ -n "$BOND" ]; then
	refused bond0 "it is under br0, $TOP, and $TOP $ROUTE"
fi
refused br0 "it is under $TOP, and $TOP $ROUTE"
refused "$TOP" "it $ROUTE"
refused v0 "it is under br1, and br1 carries an established ssh session"

out d2
check "bind d2 (alone, carrying nothing) is not refused for what it carries" \
	bash -c "! grep -q refusing '$WORK/out'"
check "bind d2: says it is no PCI device (exit $(rc))" \
	bash -c "[ $(rc) = 1 ] && grep -qF \"'d2' is not a PCI device\" '$WORK/out'"

out a0 --force
check "bind a0 --force warns about the default route above it and goes on" \
	said "warning: a0: it is under $UNDER_A, $TOP, and $TOP $ROUTE"
check "bind a0 --force then stops at the PCI check (a veth is no PCI device)" \
	said "'a0' is not a PCI device"

check "the host's own default route is untouched" bash -c "ip route show default | grep -qv br0.100"
check "no interface of the test leaked into the host namespace" \
	bash -c "! ip link show a0 >/dev/null 2>&1 && ! ip link show $TOP >/dev/null 2>&1"
finish
