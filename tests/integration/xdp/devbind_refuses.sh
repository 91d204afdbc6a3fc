#!/usr/bin/env bash
# devbind_refuses.sh - scripts/devbind lists the NICs, and refuses to take
# from the kernel the interface that carries this machine's default route
# (by name or by PCI address, bind or unbind) unless --force, and says
# clearly that a veth is no PCI device, that a PCI address does not
# exist, and that unbind wants a PCI address.  Every bind and unbind
# here runs with --dry-run: even a broken refusal cannot cut the machine
# off.
set -uo pipefail
TEST=devbind_refuses
source "$(dirname "$0")/../lib.sh"
DEVBIND=$ROOT/scripts/devbind
VETH=argosx0
teardown() { ip link del "$VETH" 2>/dev/null; cleanup; }
trap teardown EXIT
[ "$(id -u)" = 0 ] || die "must run as root"
command -v dpdk-devbind.py >/dev/null || die "dpdk-devbind.py is missing: apt-get install dpdk"
DEF_IF=$(ip -4 route show default | awk '{for (i = 1; i < NF; i++) if ($i == "dev") {print $(i + 1); exit}}')
[ -n "$DEF_IF" ] || die "this machine has no IPv4 default route, so there is nothing to refuse"
dev=$(readlink -f "/sys/class/net/$DEF_IF/device" 2>/dev/null) ||
	die "$DEF_IF (the default route's interface) has no device behind it"
[ "$(basename "$(readlink -f "$dev/subsystem")")" = virtio ] && dev=$(dirname "$dev")
DEF_PCI=$(basename "$dev")
DEF_DRV=$(basename "$(readlink -f "$dev/driver")")
[[ "$DEF_PCI" =~ ^[0-9a-f]{4}: ]] || die "$DEF_IF is not on PCI ($DEF_PCI): cannot test the refusal here"

out() { "$@" >"$WORK/out" 2>&1; echo $? >"$WORK/rc"; }
rc() { cat "$WORK/rc"; }
said() { grep -qF -- "$1" "$WORK/out" || { sed 's/^/    | /' "$WORK/out"; return 1; }; }
# refused TEXT: the last run was refused as scripts/devbind documents it:
# exit status exactly 1, TEXT in its message, no crash or timeout.
refused() { is_refusal 1 "$(re_escape "$1")" "$(rc)" "$WORK/out"; }

out "$DEVBIND" status
check "status exits 0 (got $(rc))" [ "$(rc)" = 0 ]
check "status lists $DEF_IF ($DEF_PCI) with its driver" said "if=$DEF_IF"

out "$DEVBIND" bind "$DEF_IF" --dry-run
check "bind $DEF_IF (the default route's interface) is refused: exit 1, it carries the default route" \
	refused "carries the default route"
check "bind $DEF_IF: nothing would have run" absent 'would run' "$WORK/out"

out "$DEVBIND" bind "$DEF_PCI" --dry-run
check "bind $DEF_PCI (the same NIC by PCI address) is refused: exit 1, naming $DEF_IF" \
	refused "refusing to take $DEF_IF ($DEF_PCI)"

out "$DEVBIND" unbind "$DEF_PCI" --dry-run
check "unbind $DEF_PCI is refused too: exit 1, naming $DEF_IF" refused "refusing to take $DEF_IF ($DEF_PCI)"

out "$DEVBIND" bind "$DEF_IF" --force --dry-run
check "bind $DEF_IF --force goes on, with a warning (exit $(rc))" [ "$(rc)" = 0 ]
check "bind $DEF_IF --force --dry-run prints the dpdk-devbind.py command only" \
	said "would run: $(command -v dpdk-devbind.py) --bind=vfio-pci $DEF_PCI"

ip link add "$VETH" type veth peer name argosx1 || die "cannot create veth $VETH"
out "$DEVBIND" bind "$VETH" --dry-run
check "bind $VETH (a veth) fails: exit 1, saying it is not a PCI device" \
	refused "'$VETH' is not a PCI device"

out "$DEVBIND" bind 0000:ff:1f.7 --dry-run
check "bind of a PCI address that does not exist fails: exit 1, saying so" \
	refused "no PCI device 0000:ff:1f.7"
out "$DEVBIND" unbind "$DEF_IF" --dry-run
check "unbind by interface name fails: exit 1, asking for a PCI address" \
	refused "unbind wants a PCI address"
out "$DEVBIND" frobnicate
check "an unknown command prints the usage and exits 2" is_refusal 2 '^usage: ' "$(rc)" "$WORK/out"

check "$DEF_IF is still on its kernel driver $DEF_DRV" \
	[ "$(basename "$(readlink -f "/sys/bus/pci/devices/$DEF_PCI/driver")")" = "$DEF_DRV" ]
finish
