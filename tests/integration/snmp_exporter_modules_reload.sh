#!/usr/bin/env bash
# snmp_exporter_modules_reload.sh - SIGHUP reloads a devices file whose
# devices name snmp_exporter modules (issue 15 with the reload of main):
# the reloaded records are bound to their modules like those loaded at
# start, and a file that names a module snmp.yml does not have is
# refused as at start, the devices loaded before kept.
#
# argos polls argos-h1 of the testbed every 2 s with module `system`
# (it walks the system group only).  Then:
#   1. a file naming module `nope`: refused with FILE:LINE: reason, and
#      the device keeps polling `system`;
#   2. a file naming `if_mib`: the device changes, and its next poll
#      walks ifXTable (ifHCInOctets) - had the reload lost the binding,
#      it would poll the built-in if-mib profile, which also walks
#      ifXTable, so the check below also requires that the system group
#      beyond sysUpTime is no longer walked (if_mib does not walk it).
set -uo pipefail
TEST=snmp_exporter_modules_reload
source "$(dirname "$0")/lib.sh"
need_root_and_argos
ARGOS_PID=
trap '[ -n "$ARGOS_PID" ] && kill -KILL "$ARGOS_PID" 2>/dev/null; wait 2>/dev/null; cleanup' EXIT
YML=$(cd "$(dirname "$0")" && pwd)/export/snmp_exporter.d/snmp-modules.yml
[ -r "$YML" ] || die "the test's module file $YML is missing"
testbed_up

HDR=id,hostname,ip_address,snmp_community,snmp_version,snmp_timeout,snmp_retries,polling_frequency,ping_frequency,snmp_exporter_module
DEV=$WORK/devices.csv
printf '%s\n' "$HDR" 'sx,argos-h1,198.18.0.11,public,2c,1,1,2,0,system' >"$DEV"
mkdir -p "$WORK/log"
LOG=$WORK/log/argos.log
OUT=$WORK/out.jsonl

"$ARGOS" -l 0,1 --file-prefix sxreload -m 512 \
	--vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 --gateway 198.18.0.1 \
	--devices "$DEV" --snmp-exporter-config "$YML" --ping-count 0 --log "$WORK/log" \
	--output "$OUT" >"$WORK/stdout" 2>&1 &
ARGOS_PID=$!
for _ in $(seq 300); do grep -q '^argos: ready:' "$LOG" 2>/dev/null && break; sleep 0.1; done
grep -q '^argos: ready:' "$LOG" 2>/dev/null || { tail -20 "$LOG" >&2; die "argos did not start (log above)"; }

# count_since MS PREFIX: varbinds of sx under PREFIX at or after MS
count_since() {
	python3 - "$OUT" "$1" "$2" <<'PY'
import json, sys
path, since, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
n = 0
for line in open(path):
    r = json.loads(line)
    if r.get("device_id") == "sx" and r.get("kind") == "snmp" and r["ts_ms"] >= since \
       and r["oid"].startswith(prefix):
        n += 1
print(n)
PY
}
SYSDESCR=1.3.6.1.2.1.1.1.0
HCIN=1.3.6.1.2.1.31.1.1.1.6.

sleep 3
t_bad=$(date +%s%3N)
printf '%s\n' "$HDR" 'sx,argos-h1,198.18.0.11,public,2c,1,1,2,0,nope' >"$DEV.new"
mv "$DEV.new" "$DEV"
kill -HUP "$ARGOS_PID"
sleep 4
t_good=$(date +%s%3N)
printf '%s\n' "$HDR" 'sx,argos-h1,198.18.0.11,public,2c,1,1,2,0,if_mib' >"$DEV.new"
mv "$DEV.new" "$DEV"
kill -HUP "$ARGOS_PID"
sleep 5
alive=0
kill -0 "$ARGOS_PID" 2>/dev/null && alive=1
kill -TERM "$ARGOS_PID"
for _ in $(seq 600); do kill -0 "$ARGOS_PID" 2>/dev/null || break; sleep 0.1; done
kill -KILL "$ARGOS_PID" 2>/dev/null
wait "$ARGOS_PID"
rc=$?
ARGOS_PID=

check "argos is still running after both SIGHUPs" [ "$alive" = 1 ]
check "argos exits 0 after SIGTERM (got $rc)" [ "$rc" = 0 ]
grep '^argos: reload' "$LOG" | sed 's/^/    /'
before=$(count_since 0 "$SYSDESCR")
check "module system walks the system group before the reloads ($before sysDescr)" \
	[ "$before" -ge 1 ]
check "a file naming a module snmp.yml lacks is refused with FILE:LINE: reason, the old table kept" \
	grep -q "^argos: reload: $DEV:2: snmp_exporter_module: 'nope' is not a module of $YML; the devices loaded before are kept" "$LOG"
kept=$(python3 - "$OUT" "$t_bad" "$t_good" "$SYSDESCR" "$HCIN" <<'PY'
import json, sys
path, a, b, sysd, hc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rs = [json.loads(l) for l in open(path)]
win = [r for r in rs if r.get("device_id") == "sx" and r.get("kind") == "snmp" and a <= r["ts_ms"] < b]
print(sum(r["oid"] == sysd for r in win), sum(r["oid"].startswith(hc) for r in win))
PY
)
check "between the two reloads the device still runs module system (sysDescr, ifHCInOctets: $kept)" \
	bash -c '[ "${1% *}" -ge 1 ] && [ "${1#* }" = 0 ]' _ "$kept"
check "the good file changes the device" \
	grep -q "^argos: reload: $DEV: 1 devices: 0 added, 1 changed .* 0 unchanged" "$LOG"
after=$(python3 - "$OUT" "$t_good" "$SYSDESCR" "$HCIN" <<'PY'
import json, sys
path, a, sysd, hc = sys.argv[1], int(sys.argv[2]) + 2500, sys.argv[3], sys.argv[4]
rs = [json.loads(l) for l in open(path)]
win = [r for r in rs if r.get("device_id") == "sx" and r.get("kind") == "snmp" and r["ts_ms"] >= a]
print(sum(r["oid"].startswith(hc) for r in win), sum(r["oid"] == sysd for r in win))
PY
)
check "after it the device runs module if_mib: ifXTable walked, sysDescr no more (ifHCInOctets, sysDescr: $after)" \
	bash -c '[ "${1% *}" -ge 1 ] && [ "${1#* }" = 0 ]' _ "$after"
finish
