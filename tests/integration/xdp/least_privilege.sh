#!/usr/bin/env bash
# least_privilege.sh - argos runs as its own user (argos, made from
# scripts/systemd/argos.sysusers as the install steps make it) with
# exactly the capabilities argos.service documents for its port, and
# polls right; with one of them taken away it refuses to start, naming
# the one missing.
#
#   net_af_packet on the testbed (argos0): the results of h1..h4 equal
#   snmpbulkwalk's; without CAP_NET_RAW: exit 1, "needs CAP_NET_RAW".
#   net_af_xdp with argos's steering program (argosx0, xdp_lib.sh): the
#   results of x1 equal snmpbulkwalk's; without CAP_BPF: exit 1, "needs
#   CAP_BPF".
#
# The capability sets are read from argos.service's "caps PORT:" lines,
# the same lines the unit's AmbientCapabilities= is checked against, so
# the test runs what is documented.  setpriv gives them the way systemd
# does (ambient, inheritable and bounding set; no other capability
# left), with --in-memory and --no-pci as in argos.env, and
# XDG_RUNTIME_DIR pointing at a directory of the user's, as the unit's
# RuntimeDirectory= does.
set -uo pipefail
TEST=least_privilege
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/xdp_lib.sh"
UNIT=$ROOT/scripts/systemd/argos.service
SYSUSERS=$ROOT/scripts/systemd/argos.sysusers
MADE_USER=0
MAP=/sys/fs/bpf/argos_xdp_conf
teardown() {
	xnet_down
	rm -f "$MAP"        # argos's map, pinned by the user argos: the next run pins its own
	if [ "$MADE_USER" = 1 ]; then userdel argos 2>/dev/null; groupdel argos 2>/dev/null; fi
	cleanup
}
trap teardown EXIT
need_root_and_argos
for t in setpriv systemd-sysusers snmpbulkwalk; do
	command -v "$t" >/dev/null || die "$t is not installed (util-linux, systemd, snmp)"
done

# --- the user, as the install steps make it ---------------------------------
if ! id argos >/dev/null 2>&1; then
	systemd-sysusers "$SYSUSERS" || die "systemd-sysusers $SYSUSERS failed"
	MADE_USER=1
fi
check "the user argos exists, with no login shell" \
	bash -c "getent passwd argos | grep -q ':/usr/sbin/nologin\$'"

# --- the documented sets ------------------------------------------------------
caps_of() {   # caps_of PORT: the unit's set for PORT, as setpriv wants it (+net_raw,...)
	sed -n "s/^#   caps $1: *//p" "$UNIT" | tr ' ' '\n' | grep . |
		sed 's/^CAP_//' | tr 'A-Z' 'a-z' | sed 's/^/+/' | paste -sd, -
}
PKT_CAPS=$(caps_of net_af_packet)
XDP_CAPS=$(caps_of net_af_xdp)
echo "  documented: net_af_packet ${PKT_CAPS:-?}; net_af_xdp ${XDP_CAPS:-?}"
[ -n "$PKT_CAPS" ] && [ -n "$XDP_CAPS" ] || die "no 'caps PORT:' lines in $UNIT"
ambient=$(sed -n 's/^AmbientCapabilities=//p' "$UNIT" | tr ' ' '\n' | sed 's/^CAP_//' | tr 'A-Z' 'a-z' |
	sed 's/^/+/' | paste -sd, -)
bounding=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | tr ' ' '\n' | sed 's/^CAP_//' | tr 'A-Z' 'a-z' |
	sed 's/^/+/' | paste -sd, -)
check "the unit gives its net_af_xdp port exactly that set (AmbientCapabilities= and CapabilityBoundingSet=)" \
	bash -c "[ '$ambient' = '$XDP_CAPS' ] && [ '$bounding' = '$XDP_CAPS' ]"

# A directory of the user's for its files, under a $WORK it may cross.
chmod 711 "$WORK"
U=$WORK/argos
mkdir -p "$U/run"
chown -R argos:argos "$U"

# as_argos CAPS CMD...: run CMD as argos with exactly CAPS, as the unit
# does.  (The unit's LimitMEMLOCK=infinity cannot be given here: this
# root lacks CAP_SYS_RESOURCE, so the locked-memory limit stays 8 MiB and
# the sets below carry CAP_IPC_LOCK for it.)
as_argos() {
	local caps="-all,$1"
	shift
	setpriv --reuid=argos --regid=argos --init-groups --inh-caps="$caps" \
		--ambient-caps="$caps" --bounding-set="$caps" --no-new-privs \
		env XDG_RUNTIME_DIR="$U/run" "$@"
}
# cap_mask CAPS: the CapEff a process with CAPS must show
cap_mask() {
	python3 -c '
import sys
num = {"net_admin": 12, "net_raw": 13, "ipc_lock": 14, "sys_admin": 21, "perfmon": 38, "bpf": 39}
m = 0
for c in sys.argv[1].split(","):
    m |= 1 << num[c.lstrip("+")]
print("%016x" % m)' "$1"
}
CAPEFF=$(as_argos "$PKT_CAPS" sh -c 'grep ^CapEff /proc/self/status' | awk '{print $2}')
check "as argos with the net_af_packet set, a process has CapEff $(cap_mask "$PKT_CAPS") (got $CAPEFF) and uid $(id -u argos)" \
	bash -c "[ '$CAPEFF' = '$(cap_mask "$PKT_CAPS")' ] && [ \"\$(setpriv --reuid=argos --regid=argos --init-groups id -u)\" = '$(id -u argos)' ]"

# without CAPS DROP: CAPS less the one named DROP
without() { echo "$1" | tr ',' '\n' | grep -vx "+$2" | paste -sd, -; }

ROOTS="1.3.6.1.2.1.1 1.3.6.1.2.1.2.2.1 1.3.6.1.2.1.31.1.1.1"

# --- net_af_packet -------------------------------------------------------------
testbed_up
cp "$STATE/devices.csv" "$U/devices.csv"
chown argos:argos "$U/devices.csv"
declare -A ADDR=([h1]=198.18.0.11 [h2]=198.18.0.12 [h3]=198.18.0.13 [h4]=198.18.1.10)
pwalk() {   # pwalk DEV OUTFILE: the oracle, from a namespace that reaches DEV
	local r
	for r in $ROOTS; do
		ip netns exec argos-h2 snmpbulkwalk -v2c -c public -On -Oe -Ot -Ox -t 2 -r 1 \
			"${ADDR[$1]}" "$r" || return 1
	done >"$2"
}
for d in h1 h2 h3 h4; do pwalk "$d" "$WORK/$d.before" || die "snmpbulkwalk of $d failed"; done
PKT_ARGS=(-l 0,1 --in-memory --no-pci --file-prefix lpkt --vdev net_af_packet0,iface=argos0 --
	--ip 198.18.0.2/24 --gateway 198.18.0.1 --devices "$U/devices.csv" --once)
as_argos "$PKT_CAPS" timeout -k 5 90 "$ARGOS" "${PKT_ARGS[@]}" --output "$U/pkt.jsonl" \
	>"$WORK/pkt.log" 2>&1
rc=$?
check "net_af_packet, as argos with $PKT_CAPS: argos --once exits 0 (got $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || tail -15 "$WORK/pkt.log"
for d in h1 h2 h3 h4; do pwalk "$d" "$WORK/$d.after" || die "snmpbulkwalk of $d failed"; done
for d in h1 h2 h3 h4; do
	check "net_af_packet as argos: $d's varbinds equal snmpbulkwalk's" \
		python3 "$ROOT/tests/integration/walk_oracle.py" --jsonl "$U/pkt.jsonl" \
		--device-id "$d" --walk1 "$WORK/$d.before" --walk2 "$WORK/$d.after"
done
check "net_af_packet as argos: the output file belongs to argos" \
	bash -c "[ \"\$(stat -c %U '$U/pkt.jsonl')\" = argos ]"

LESS=$(without "$PKT_CAPS" net_raw)
as_argos "$LESS" timeout -k 5 60 "$ARGOS" "${PKT_ARGS[@]}" >"$WORK/pkt-less.log" 2>&1
rc=$?
check "net_af_packet without CAP_NET_RAW ($LESS): exit 1, not a crash (got $rc)" [ "$rc" = 1 ]
check "net_af_packet without CAP_NET_RAW: the message names it and says where to give it" \
	grep -q "argos: net_af_packet0 needs CAP_NET_RAW for its packet socket, and argos runs without it (uid $(id -u argos)).*AmbientCapabilities=" \
	"$WORK/pkt-less.log"
"$ROOT/scripts/testbed" down >/dev/null 2>&1
OWN_TESTBED=0

# --- net_af_xdp ------------------------------------------------------------------
xnet_up
printf 'id,hostname,ip_address,snmp_community,snmp_version\nx1,argos-x1,%s,public,2c\n' \
	"$XAGENT_IP" >"$U/xdev.csv"
chown argos:argos "$U/xdev.csv"
xwalk() {
	local r
	for r in $ROOTS; do
		snmpbulkwalk -v2c -c public -On -Oe -Ot -Ox -t 2 -r 1 "$XAGENT_IP" "$r" || return 1
	done >"$1"
}
# The unit hands the pinned map to argos before start; do the same.
[ -e "$MAP" ] && chown argos:argos "$MAP"
xwalk "$WORK/x1.before" || die "snmpbulkwalk of $XAGENT_IP failed"
XDP_ARGS=(-l 0,1 --in-memory --no-pci --file-prefix "$XPREFIX"
	--vdev "net_af_xdp0,iface=$XIF,xdp_prog=$XDP_OBJ" --
	--ip "$XARGOS_IP/24" --devices "$U/xdev.csv" --once)
as_argos "$XDP_CAPS" timeout -k 5 90 "$ARGOS" "${XDP_ARGS[@]}" --output "$U/xdp.jsonl" \
	>"$WORK/xdp.log" 2>&1
rc=$?
check "net_af_xdp, as argos with $XDP_CAPS: argos --once exits 0 (got $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || tail -15 "$WORK/xdp.log"
xwalk "$WORK/x1.after" || die "snmpbulkwalk of $XAGENT_IP failed"
check "net_af_xdp as argos: x1's varbinds equal snmpbulkwalk's" \
	python3 "$ROOT/tests/integration/walk_oracle.py" --jsonl "$U/xdp.jsonl" \
	--device-id x1 --walk1 "$WORK/x1.before" --walk2 "$WORK/x1.after"
check "net_af_xdp as argos: argos configured its steering program" \
	grep -q "^argos: xdp: steering on $XIF" "$WORK/xdp.log"
not_attached() { ! xdp_attached; }
check "net_af_xdp as argos: the program is gone from $XIF after the run" not_attached

LESS=$(without "$XDP_CAPS" bpf)
as_argos "$LESS" timeout -k 5 60 "$ARGOS" "${XDP_ARGS[@]}" >"$WORK/xdp-less.log" 2>&1
rc=$?
check "net_af_xdp without CAP_BPF ($LESS): exit 1, not a crash (got $rc)" [ "$rc" = 1 ]
check "net_af_xdp without CAP_BPF: the message names it" \
	grep -q "argos: net_af_xdp0 needs CAP_BPF for loading the program and its maps, and argos runs without it" \
	"$WORK/xdp-less.log"
check "net_af_xdp without CAP_BPF: nothing was left on $XIF" not_attached
finish
