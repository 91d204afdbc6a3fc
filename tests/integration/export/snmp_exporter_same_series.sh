#!/usr/bin/env bash
# snmp_exporter_same_series.sh - argos runs snmp_exporter's modules and
# writes the very same series (issue 15): the real prometheus-snmp-exporter
# (Debian's 0.21) and argos poll the same snmpd; every series snmp_exporter
# serves for the target, with its labels (instance and job aside) and its
# value, is in a real Prometheus from argos's remote-write, and argos wrote
# no other (sx_compare.py says how moving values are compared).
#
# The modules (snmp_exporter.d/): if_mib, system and ucd_la_table as
# snmp_exporter's generator wrote them, and argos_types, written in the same
# format for the index, lookup and value types those do not use.  argos
# reads them twice: in the layout before the auth split (the file 0.21
# reads, device community from the modules) and in the current one (auths:
# and modules:, the device naming its auth; its own community column is
# wrong on purpose, so only the auth can make the poll work).  Then both
# again over SNMPv3 (authPriv, SHA256 and AES as snmp_exporter spells
# them): the same modules with a v3 auth in each module, which a second
# snmp_exporter serves, and an auths: entry of version 3.
#
# Testbed of its own: namespace argos-sx1 (snmpd at 198.18.42.10 with a pass
# script, snmp_exporter on its 127.0.0.1:9116), veth argossx0 for argos at
# 198.18.42.2, Prometheus on the host's 127.0.0.1.  All removed on exit.
set -uo pipefail
TEST=snmp_exporter_same_series
source "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
D=$HERE/snmp_exporter.d
NS=argos-sx1
IF=argossx0
AGENT=198.18.42.10
MODULES="if_mib system ucd_la_table argos_types"
PIDS=()

teardown() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -f "$WORK/snmpd.pid" ] && kill "$(cat "$WORK/snmpd.pid")" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip link del "$IF" 2>/dev/null
	cleanup
}
trap teardown EXIT
[ -n "${SX_KEEP:-}" ] && trap 'cp -r "$WORK" /tmp/sx-keep; teardown' EXIT

need_root_and_argos
for t in prometheus prometheus-snmp-exporter snmpd snmpget curl ethtool python3; do
	command -v "$t" >/dev/null || die "$t is not installed (scripts/install-deps)"
done
help=$("$ARGOS" --help 2>&1)
grep -q -- --snmp-exporter-config <<<"$help" || die "$ARGOS has no --snmp-exporter-config option"
ip netns list | grep -q "^$NS\b" && die "namespace $NS exists already: another run is going on, or remove it"

# --- the agent ------------------------------------------------------------------
veth_ns_up "$NS" "$IF" "$AGENT"
V3AUTH='sx-v3-auth-passphrase'
V3PRIV='sx-v3-priv-passphrase'
cat >"$WORK/snmpd.conf" <<EOF
rocommunity public
createUser sxv3 SHA-256 "$V3AUTH" AES "$V3PRIV"
rouser sxv3 priv
sysName argos-sx1
sysLocation argos test, namespace $NS
extend hello /bin/echo hello world
extend t2 /bin/echo 42 degrees
pass .1.3.6.1.4.1.99999 /bin/sh $D/pass.sh
EOF
ip netns exec "$NS" env MIBS= snmpd -f -Lf "$WORK/snmpd.log" -C -c "$WORK/snmpd.conf" -I -smux \
	-p "$WORK/snmpd.pid" "udp:$AGENT:161" </dev/null >/dev/null 2>&1 &
PIDS+=("$!")
for _ in $(seq 50); do
	ip netns exec "$NS" snmpget -v2c -c public -t 1 -r 0 "$AGENT" 1.3.6.1.2.1.1.5.0 >/dev/null 2>&1 && break
	sleep 0.2
done
ip netns exec "$NS" snmpget -v2c -c public -t 1 -r 0 "$AGENT" 1.3.6.1.2.1.1.5.0 >/dev/null 2>&1 ||
	die "snmpd in $NS does not answer at $AGENT"

# --- the v3 module files: each module's auth, or an auths: entry ----------------
python3 - "$D" "$WORK" "$V3AUTH" "$V3PRIV" <<'PY'
import sys
d, w, ap, pp = sys.argv[1:]
v3 = ("  version: 3\n  auth:\n    security_level: authPriv\n    username: sxv3\n"
      f"    password: {ap}\n    auth_protocol: SHA256\n    priv_protocol: AES\n"
      f"    priv_password: {pp}\n")
old = open(f"{d}/snmp-modules.yml").read()
v2 = "  version: 2\n  auth:\n    community: public\n"
assert old.count(v2) == 4, "snmp-modules.yml: expected 4 modules with a v2 auth"
open(f"{w}/snmp-modules-v3.yml", "w").write(old.replace(v2, v3))
new = open(f"{d}/snmp-auths.yml").read()
entry = ("auths:\n  sx_v3:\n    version: 3\n    security_level: authPriv\n"
         f"    username: sxv3\n    password: {ap}\n    auth_protocol: SHA256\n"
         f"    priv_protocol: AES\n    priv_password: {pp}\n")
assert new.count("auths:\n") == 1
open(f"{w}/snmp-auths-v3.yml", "w").write(new.replace("auths:\n", entry))
PY
[ -s "$WORK/snmp-auths-v3.yml" ] || die "cannot write the v3 module files"

# --- snmp_exporter, inside the namespace: it reaches the agent from there -------
# 9116 serves the v2c modules, 9117 the same modules over SNMPv3.
sx_up() {   # sx_up FILE PORT
	ip netns exec "$NS" prometheus-snmp-exporter --config.file="$1" \
		--web.listen-address=127.0.0.1:$2 >"$WORK/snmp_exporter.$2.log" 2>&1 &
	PIDS+=("$!")
	for _ in $(seq 100); do
		ip netns exec "$NS" curl -sf http://127.0.0.1:$2/ >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "snmp_exporter on $2 did not start: $(tail -3 "$WORK/snmp_exporter.$2.log" | tr '\n' ' ')"
}
sx_up "$D/snmp-modules.yml" 9116
sx_up "$WORK/snmp-modules-v3.yml" 9117
scrape() {   # scrape DIR [PORT]: one text-format file per module
	mkdir -p "$1"
	for m in $MODULES; do
		ip netns exec "$NS" curl -sf "http://127.0.0.1:${2:-9116}/snmp?target=$AGENT&module=$m" \
			>"$1/$m.prom" || return 1
	done
}

# --- Prometheus ----------------------------------------------------------------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'global:\n  scrape_interval: 1h\n' >"$WORK/prom.yml"
prometheus --config.file="$WORK/prom.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PORT" --web.enable-remote-write-receiver >"$WORK/prom.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 150); do curl -sf "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1 || die "Prometheus did not become ready"

# --- the runs ------------------------------------------------------------------
mods=$(echo "$MODULES" | tr ' ' ',')
# snmp_exporter's timeout and retries (5 s, 3): snmpd runs extend and pass
# commands on the first walks, slower than argos's default second
h=id,hostname,ip_address,snmp_community,snmp_version,snmp_timeout,snmp_retries,snmp_exporter_module
printf '%s\n' "$h" >"$WORK/old.csv"
printf 'sx1,argos-sx1,%s,public,2c,5,3,"%s"\n' "$AGENT" "$mods" >>"$WORK/old.csv"
printf '%s,snmp_exporter_auth\n' "$h" >"$WORK/new.csv"
printf 'sx1,argos-sx1,%s,not-the-community,1,5,3,"%s",public_v2\n' "$AGENT" "$mods" >>"$WORK/new.csv"
sed 's/,public_v2$/,sx_v3/' "$WORK/new.csv" >"$WORK/new-v3.csv"

run() {   # run LAYOUT_FILE DEVICES JOB [PORT]: argos --once, then compare
	local file=$1 devs=$2 job=$3 port=${4:-9116} rc
	scrape "$WORK/$job.before" "$port" || die "snmp_exporter did not answer a scrape"
	run_argos "sx$job" -m 512 --vdev "net_af_packet0,iface=$IF" -- --ip 198.18.42.2/24 \
		--devices "$devs" --once --ping-count 0 --snmp-exporter-config "$file" \
		--job "$job" --remote-write "http://127.0.0.1:$PORT/api/v1/write"
	rc=$?
	scrape "$WORK/$job.after" "$port" || die "snmp_exporter did not answer a scrape"
	expect "argos --once with $(basename "$file") exits 0" \
		"argos with $(basename "$file") exited $rc: $(grep -v '^EAL' "$WORK/sx$job.log" | tail -3 | tr '\n' ' ')" \
		[ "$rc" = 0 ]
	python3 "$HERE/sx_compare.py" "http://127.0.0.1:$PORT" "$job" "$WORK/$job.before" \
		"$WORK/$job.after" >"$WORK/$job.cmp" 2>&1
	rc=$?
	sed 's/^/    /' "$WORK/$job.cmp" | tail -25
	expect "every series snmp_exporter serves is in Prometheus from argos, same labels and values, none more ($(basename "$file"))" \
		"argos's series differ from snmp_exporter's with $(basename "$file"): $(tail -1 "$WORK/$job.cmp")" \
		[ "$rc" = 0 ]
}
run "$D/snmp-modules.yml" "$WORK/old.csv" sxold
run "$D/snmp-auths.yml" "$WORK/new.csv" sxnew
run "$WORK/snmp-modules-v3.yml" "$WORK/old.csv" sxoldv3 9117
run "$WORK/snmp-auths-v3.yml" "$WORK/new-v3.csv" sxnewv3 9117
# old.csv says v2c and the right community: only the summary shows v3 was used
for j in sxoldv3 sxnewv3; do
	check "$j polled over SNMPv3 (the summary counts an engine discovered)" \
		grep -qE "SNMPv3 engines discovered: [1-9]" "$WORK/sx$j.log"
done
check "no v3 passphrase reaches argos's logs" absent "$V3AUTH|$V3PRIV" "$WORK"/sx*v3.log

finish
