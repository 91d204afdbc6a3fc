#!/usr/bin/env bash
# snmpv3_paths.sh - every way an SNMPv3 poll goes through the dataplane:
# GETBULK and GETNEXT walks, replies larger than one frame (kernel
# reassembly on net_af_packet, argos's own on net_af_xdp), retries with
# a fresh msgID and request-id, one worker core and two.
#
# One snmpd with two authPriv users (SHA-256/AES, SHA-512/AES-256-C)
# serves `extend` scripts of several KB, so a GETBULK of the nsExtend
# tables (max-repetitions 10) brings replies of 5 to 11.8 KB: up to 8
# IPv4 fragments at MTU 1500 (DPDK ip_frag's limit on net_af_xdp), and
# a GETNEXT of nsExtendOutputFull one of 3 to 5 KB.  Four devices:
#   bulk256, bulk512   GETBULK, one per user
#   next256            snmp_disable_bulk: the walk is GETNEXT
#   retry256           on the agent's second address, where nftables in
#                      the agent's namespace drops every other request
#                      from argos: each request is answered only when
#                      sent again (timeout 0.1 s, 3 retries)
# Each polls system, ifTable, ifXTable (the if-mib profile) and the
# nsExtend tables --once, and every varbind must equal snmpbulkwalk -v3
# of the same agent as the same user (walk_oracle.py).  Three runs:
# net_af_packet with one worker, with two workers (qpairs=2), and
# net_af_xdp with argos's steering program, where the fragments must
# reach argos, which reassembles, then decrypts them.  tcpdump in the
# agent's namespace sees every request to the second address, the
# dropped ones too; v3_retry_ids.py decrypts them and checks that each
# retry has its own msgID and request-id, and that none is used twice.
#
#   host: argosw0 (no address)  <-veth->  argos-v3w: eth0 198.18.77.10, .11
#   argos is 198.18.77.2.
set -uo pipefail
TEST=snmpv3_paths
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/v3_agent.sh"
source "$(dirname "$0")/xdp/xdp_lib.sh"   # XDP_OBJ, xdp_counter

NS=argos-v3w
HOST_IF=argosw0
PREFIX=v3wargos
ARGOS_IP=198.18.77.2
AGENT=198.18.77.10
LOSSY=198.18.77.11      # every other request from argos is dropped here
USERS="p_sha256_aes p_sha512_aes256c"
ROOTS="1.3.6.1.2.1.1 1.3.6.1.2.1.2.2.1 1.3.6.1.2.1.31.1.1.1 1.3.6.1.4.1.8072.1.3.2"
SIZES="4400 3400 2600"   # bytes of each extend script's output
LCORES=${ARGOS_MC_LCORES:-0@0,1@0,2@1}   # main and worker 0 share CPU 0
SNMPD=$WORK/snmpd
NDEV=4

v3w_down() {
	local pid
	for pid in "${TCPDUMP_PID:-}" "${SNMPD_PID:-}"; do
		[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	ip link del "$HOST_IF" 2>/dev/null
	cleanup
}
trap v3w_down EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

need_root_and_argos
for t in snmpd snmpbulkwalk ethtool python3 nft tcpdump bpftool; do
	command -v "$t" >/dev/null || die "$t is missing: run scripts/install-deps"
done
/usr/bin/python3 -c 'import cryptography' 2>/dev/null ||
	die "/usr/bin/python3 has no cryptography module (apt-get install python3-cryptography)"
[ -r "$XDP_OBJ" ] || die "$XDP_OBJ is not built: is clang installed? (ninja builds bpf/argos_xdp.o)"
[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] ||
	die "bpffs is not mounted at /sys/fs/bpf: run scripts/hugepages (or mount -t bpf bpf /sys/fs/bpf)"
if ip netns list | grep -q "^$NS\b" || ip link show "$HOST_IF" >/dev/null 2>&1; then
	ip netns del "$NS" 2>/dev/null
	ip link del "$HOST_IF" 2>/dev/null
fi

# --- the link and the agent --------------------------------------------------
veth_ns_up "$NS" "$HOST_IF" "$AGENT" "$LOSSY"

mkdir -p "$SNMPD/persist"
{
	echo "agentAddress udp:$AGENT:161,udp:$LOSSY:161"
	echo "exactEngineID $V3_ENGINE"
	echo "sysName argos-v3w"
	echo "sysLocation argos testbed, SNMPv3 paths"
	for u in $USERS; do
		read -r name _ auth apass priv ppass <<<"$(v3_user "$u")"
		[ -n "$name" ] || die "v3_agent.sh has no user $u"
		echo "createUser $name $auth \"$apass\" $priv \"$ppass\""
		echo "rouser $name priv"
	done
	k=0
	for size in $SIZES; do
		k=$((k + 1))
		python3 -c '
import sys
size, k = int(sys.argv[1]), sys.argv[2]
lines = [(f"v3 big{k} line {n:04d} " + "0123456789abcdef" * 6)[:79] for n in range(1, size // 80 + 2)]
open(sys.argv[3], "w").write("\n".join(lines)[:size])' "$size" "$k" "$SNMPD/out$k.txt"
		echo "extend big$k /bin/cat $SNMPD/out$k.txt"
	done
} >"$SNMPD/snmpd.conf"
ip netns exec "$NS" env SNMP_PERSISTENT_DIR="$SNMPD/persist" SNMPCONFPATH="$SNMPD/persist" MIBS= \
	snmpd -f -Lf "$SNMPD/snmpd.log" -c "$SNMPD/snmpd.conf" -I -smux \
	</dev/null >"$SNMPD/stdout" 2>&1 &
SNMPD_PID=$!

v3get() {   # v3get ADDR: sysName.0 as p_sha256_aes, from the agent's namespace
	# shellcheck disable=SC2046
	ip netns exec "$NS" env HOME="$WORK" SNMP_PERSISTENT_DIR="$WORK/client" MIBS= \
		snmpget $(v3_client_args p_sha256_aes) -t 0.5 -r 0 -Oqv "$1" 1.3.6.1.2.1.1.5.0 |
		grep -qx '"argos-v3w"'
}
await_ready "snmpd with SNMPv3 users on $AGENT" 15 "$SNMPD/snmpd.log" v3get "$AGENT"
await_ready "snmpd with SNMPv3 users on $LOSSY" 5 "$SNMPD/snmpd.log" v3get "$LOSSY"

# The largest reply to a v3 GETBULK of max-repetitions 10 of the
# nsExtend tables, as net-snmp's own walk receives it.
# shellcheck disable=SC2046
largest=$(ip netns exec "$NS" env HOME="$WORK" SNMP_PERSISTENT_DIR="$WORK/client" MIBS= \
	snmpbulkwalk $(v3_client_args p_sha256_aes) -Cr10 -d -t 2 -r 1 "$AGENT" \
	1.3.6.1.4.1.8072.1.3.2 2>&1 >/dev/null | grep -oE '^Received [0-9]+ byte' |
	grep -oE '[0-9]+' | sort -n | tail -1)
check "the agent's largest v3 reply is 5 to 11.8 KB: 4 to 8 fragments at MTU 1500 (${largest:-none})" \
	test "${largest:-0}" -ge 5000 -a "${largest:-0}" -le 11800

# Every other request from argos to the second address is dropped
# (numgen counts only the packets that got this far in the rule).
ip netns exec "$NS" nft -f - <<EOF 2>"$WORK/nft.err" || die "nft in $NS failed: $(cat "$WORK/nft.err")"
table inet argos_v3w {
	chain in {
		type filter hook input priority 0; policy accept;
		ip saddr $ARGOS_IP ip daddr $LOSSY udp dport 161 numgen inc mod 2 == 0 counter drop
	}
}
EOF
nft_drops() {
	ip netns exec "$NS" nft list chain inet argos_v3w in | grep -oE 'counter packets [0-9]+' |
		grep -oE '[0-9]+$'
}
[ "$(nft_drops)" = 0 ] || die "the drop rule in $NS does not show a counter at 0: $(nft_drops)"

# Every request from argos to the lossy address, as it reaches the
# namespace (before nftables drops it).
ip netns exec "$NS" tcpdump -i eth0 -n -U -s 0 -w "$WORK/lossy.pcap" \
	"udp and src host $ARGOS_IP and dst host $LOSSY and dst port 161" \
	>"$WORK/tcpdump.log" 2>&1 &
TCPDUMP_PID=$!
await_ready "tcpdump in $NS" 10 "$WORK/tcpdump.log" grep -q 'listening on' "$WORK/tcpdump.log"

# --- the devices ---------------------------------------------------------------
dev_line() {   # dev_line ID ADDR USER TIMEOUT RETRIES DISABLE_BULK
	local name level auth apass priv ppass
	read -r name level auth apass priv ppass <<<"$(v3_user "$3")"
	echo "$1,$1,$2,,3,161,$4,$5,10,$6,60,0,$level,$name,$auth,$apass,$priv,$ppass"
}
{
	echo "id,hostname,ip_address,snmp_community,snmp_version,snmp_port,snmp_timeout,snmp_retries,snmp_max_repetitions,snmp_disable_bulk,polling_frequency,ping_frequency,snmpv3_security_level,snmpv3_auth_user,snmpv3_auth_proto,snmpv3_auth_passwd,snmpv3_privacy_proto,snmpv3_privacy_passwd"
	dev_line bulk256 "$AGENT" p_sha256_aes 1 2 no
	dev_line bulk512 "$AGENT" p_sha512_aes256c 1 2 no
	dev_line next256 "$AGENT" p_sha256_aes 1 2 yes
	dev_line retry256 "$LOSSY" p_sha256_aes 0.1 3 no
} >"$WORK/devices.csv"
declare -A DEV_USER=([bulk256]=p_sha256_aes [bulk512]=p_sha512_aes256c [next256]=p_sha256_aes
	[retry256]=p_sha256_aes)

no_xdp_on() {   # no_xdp_on IF: the interface is there, with no XDP program on it
	local out
	out=$(ip -d link show "$1" 2>&1) || { echo "  ($1 is gone: $out)"; return 1; }
	! grep -q 'prog/xdp' <<<"$out"
}

# frag_field LOG NAME: a figure of the exit summary's fragment lines
frag_field() {
	sed -n '/argos summary/,$p' "$1" | grep -E '^  Fragments' | grep -oE "$2:? [0-9]+" |
		head -1 | grep -oE '[0-9]+$'
}

# poll NAME LCORES VDEV: one argos --once run, checked against the walks
STEERED_FRAGS=0
UNMATCHED=0
poll() {
	local name=$1 lcores=$2 vdev=$3 log rc summary u d c drops0 drops retries
	log="$WORK/$PREFIX-$name.log"
	for u in $USERS; do
		# shellcheck disable=SC2086
		v3_walk "$NS" "$AGENT" "$u" $ROOTS >"$WORK/$u.before" 2>"$WORK/walk.err" ||
			die "snmpbulkwalk -v3 as $u failed: $(head -2 "$WORK/walk.err")"
	done
	drops0=$(nft_drops)
	timeout -k 5 "${ARGOS_TIMEOUT:-90}" "$ARGOS" --lcores="$lcores" -m 512 \
		--file-prefix "$PREFIX-$name" --vdev "$vdev" -- --ip "$ARGOS_IP/24" \
		--devices "$WORK/devices.csv" --oids "${ROOTS// /,}" --once --ping-count 0 \
		--output "$WORK/$name.jsonl" >"$log" 2>&1 &
	local pid=$!
	# net_af_xdp: the program's counters live as long as it is attached
	STEERED_FRAGS=0
	while kill -0 "$pid" 2>/dev/null; do
		if [[ "$vdev" == net_af_xdp* ]]; then
			c=$(xdp_counter 5 2>/dev/null)
			[[ "$c" =~ ^[0-9]+$ ]] && [ "$c" -gt "$STEERED_FRAGS" ] && STEERED_FRAGS=$c
		fi
		sleep 0.2
	done
	wait "$pid"
	rc=$?
	drops=$(($(nft_drops) - drops0))
	expect "$name: argos --once exits 0" \
		"$name: argos exited with $(status_name "$rc"): $(grep -v '^EAL' "$log" | tail -3 | tr '\n' ' ')" \
		[ "$rc" = 0 ]
	for u in $USERS; do
		# shellcheck disable=SC2086
		v3_walk "$NS" "$AGENT" "$u" $ROOTS >"$WORK/$u.after" 2>"$WORK/walk.err" ||
			die "snmpbulkwalk -v3 as $u failed after argos: $(head -2 "$WORK/walk.err")"
	done
	for d in bulk256 bulk512 next256 retry256; do
		u=${DEV_USER[$d]}
		check "$name: $d ($u): every varbind equals snmpbulkwalk -v3 (OID, type, value)" \
			python3 "$ROOT/tests/integration/walk_oracle.py" --jsonl "$WORK/$name.jsonl" \
			--device-id "$d" --walk1 "$WORK/$u.before" --walk2 "$WORK/$u.after"
	done
	summary=$(sed -n '/argos summary/,$p' "$log")
	check "$name: no error record" absent '"kind":"error"' "$WORK/$name.jsonl"
	check "$name: the summary counts $NDEV SNMP polls ok, 0 failed" \
		grep -q "SNMP polls: $NDEV ok, 0 failed" <<<"$summary"
	expect "$name: no reply dropped (other traffic aside)" \
		"$name: replies were dropped: $(grep 'Dropped replies' <<<"$summary")" \
		bash -c '! grep "Dropped replies" <<<"$1" | sed "s/not-for-us [0-9]*//" | grep -qE " [1-9][0-9]*(,|$)"' _ "$summary"
	retries=$(grep -oE 'Retries: [0-9]+' <<<"$summary" | tail -1 | grep -oE '[0-9]+')
	# A request left unanswered when its job ended for the v3 keys (the
	# same poll goes on in a new job, after a discovery) is neither
	# matched nor retried: SNMP requests - Matched of the summary.
	unmatched=$(grep -E 'SNMP requests: [0-9]+ +Matched: [0-9]+' <<<"$summary" | tail -1 |
		sed -E 's/.*SNMP requests: ([0-9]+) +Matched: ([0-9]+).*/\1 - \2/')
	unmatched=$((${unmatched:-999}))
	UNMATCHED=$((UNMATCHED + unmatched))
	check "$name: nftables dropped requests to $LOSSY ($drops) and argos sent each again (retries ${retries:-none}, $unmatched left by a job that ended for its keys)" \
		test "$drops" -ge 10 -a "${retries:-0}" -ge "$((drops - unmatched))" -a "$unmatched" -le 2
	echo "--- $name: the exit summary"
	echo "$summary"
}

poll one-core 0,1 "net_af_packet0,iface=$HOST_IF"
poll two-cores "$LCORES" "net_af_packet0,iface=$HOST_IF,qpairs=2"
check "two-cores: argos ran two workers" grep -q "argos: ready: .*2 worker(s)" \
	"$WORK/$PREFIX-two-cores.log"

poll af-xdp 0,1 "net_af_xdp0,iface=$HOST_IF,xdp_prog=$XDP_OBJ"
LOG=$WORK/$PREFIX-af-xdp.log
check "af-xdp: the XDP program steered fragments to argos ($STEERED_FRAGS)" [ "$STEERED_FRAGS" -gt 0 ]
check "af-xdp: argos reassembled replies from fragments (fragments $(frag_field "$LOG" Fragments), reassembled $(frag_field "$LOG" Reassembled))" \
	test "$(frag_field "$LOG" Reassembled)" -gt 0 -a "$(frag_field "$LOG" Fragments)" -gt 0
expect "af-xdp: no fragment dropped, none left in the table" \
	"af-xdp: fragments were dropped or left: $(sed -n '/argos summary/,$p' "$LOG" | grep -E '^  Fragments' | tr '\n' ' ')" \
	holds "sed -n '/argos summary/,\$p' '$LOG' | grep -q 'Fragments dropped: timed-out 0, table-full 0, overlap 0, too-many 0, too-big 0' && [ '$(frag_field "$LOG" Held)' = 0 ]"
check "af-xdp: no XDP program is left on $HOST_IF" no_xdp_on "$HOST_IF"

# The retries, as the agent's namespace saw them (the dropped ones too).
kill -INT "$TCPDUMP_PID" 2>/dev/null
wait "$TCPDUMP_PID" 2>/dev/null
TCPDUMP_PID=
priv_pass=$(v3_user p_sha256_aes | awk '{print $6}')
drops=$(nft_drops)
check "each of the $drops requests nftables dropped ($UNMATCHED left by jobs that ended for their keys) was sent again with a fresh msgID and request-id (decrypted), none used twice" \
	/usr/bin/python3 "$ROOT/tests/integration/v3_retry_ids.py" --pcap "$WORK/lossy.pcap" --agent "$LOSSY" \
	--engine-id "$V3_ENGINE" --auth-hash sha256 --priv-pass "$priv_pass" --min-retries "$((drops - UNMATCHED))"

if [ "$FAILED" -gt 0 ]; then
	echo "--- snmpd (last lines) ---"; tail -10 "$SNMPD/snmpd.log"
	for f in "$WORK/$PREFIX"-*.log; do
		echo "--- ${f##*/} (last lines) ---"; grep -v '^EAL' "$f" | tail -15
	done
fi
finish
