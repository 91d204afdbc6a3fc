#!/usr/bin/env bash
# db_snmp_exporter_modules.sh - in DB mode, devices.snmp_exporter_module
# (migration 006) picks the modules of --snmp-exporter-config a device
# runs, at each claim (issue 15), against the testbed's snmpd hosts and
# a Postgres of this test:
#
#   sx    (argos-h1, module system): its polls walk the system group and
#         nothing of ifXTable;
#   plain (argos-h2, no module): the built-in if-mib profile, ifXTable;
#   bad   (argos-h3, module nope): never polled; its report names the
#         module snmp.yml does not have;
#   then sx is set to if_mib by SQL while argos runs: its next claim
#   walks ifXTable and no longer the system group.
set -uo pipefail
TEST=db_snmp_exporter_modules
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/db/pg.sh"
trap pg_cleanup EXIT
need_root_and_argos
YML=$ROOT/tests/integration/export/snmp_exporter.d/snmp-modules.yml
[ -r "$YML" ] || die "the test's module file $YML is missing"
testbed_up
pg_up 55447

"$ARGOS" -- --dsn "$DSN" --migrate >"$WORK/migrate.log" 2>&1 ||
	{ cat "$WORK/migrate.log" >&2; die "argos --migrate failed"; }
psql_q "INSERT INTO devices (hostname, ip_address, snmp_timeout, snmp_retries,
		polling_frequency, ping_frequency, snmp_exporter_module)
	VALUES ('sx', '198.18.0.11', 1, 1, 2, 0, 'system'),
	       ('plain', '198.18.0.12', 1, 1, 2, 0, ''),
	       ('bad', '198.18.0.13', 1, 1, 2, 0, 'nope')" >/dev/null ||
	die "cannot insert the devices (is migration 006 applied?)"

timeout -k 5 90 "$ARGOS" -l 0,1 --file-prefix dbsx --no-pci --huge-unlink \
	--vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 --gateway 198.18.0.1 \
	--dsn "$DSN" --db-snmp-freq 0.5 --db-ping-freq 0 --db-write-lag 1 --snmp-exporter-config "$YML" \
	--output "$WORK/out.jsonl" --duration 16 >"$WORK/argos.log" 2>&1 &
ARGOS_PID=$!
CHILDREN+=($ARGOS_PID)
wait_for_line "$WORK/argos.log" "argos: ready" 30 ||
	{ tail -5 "$WORK/argos.log" >&2; die "argos did not start in DB mode"; }
sleep 7
t_change=$(now_ms)
psql_q "UPDATE devices SET snmp_exporter_module = 'if_mib' WHERE hostname = 'sx'" >/dev/null ||
	die "cannot change sx's module"
wait "$ARGOS_PID"
rc=$?
check "argos runs 16 s in DB mode and exits 0 (got $rc)" [ "$rc" = 0 ]

# counts HOST FROM TO: sysDescr and ifHCInOctets varbinds of HOST in [FROM, TO) ms
counts() {
	python3 - "$WORK/out.jsonl" "$@" <<'PY'
import json, sys
path, host, a, b = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rs = [json.loads(l) for l in open(path)]
w = [r for r in rs if r.get("hostname") == host and r.get("kind") == "snmp" and a <= r["ts_ms"] < b]
print(sum(r["oid"] == "1.3.6.1.2.1.1.1.0" for r in w),
      sum(r["oid"].startswith("1.3.6.1.2.1.31.1.1.1.6.") for r in w))
PY
}
before=$(counts sx 0 "$t_change")
check "sx runs module system: the system group, no ifXTable (sysDescr, ifHCInOctets: $before)" \
	bash -c '[ "${1% *}" -ge 2 ] && [ "${1#* }" = 0 ]' _ "$before"
after=$(counts sx $((t_change + 3000)) 99999999999999)
check "after the SQL change sx runs if_mib: ifXTable, no sysDescr (sysDescr, ifHCInOctets: $after)" \
	bash -c '[ "${1% *}" = 0 ] && [ "${1#* }" -ge 1 ]' _ "$after"
plain=$(counts plain 0 99999999999999)
check "a device without a module polls the built-in if-mib profile (sysDescr, ifHCInOctets: $plain)" \
	bash -c '[ "${1% *}" -ge 1 ] && [ "${1#* }" -ge 1 ]' _ "$plain"
bad=$(counts bad 0 99999999999999)
check "the device whose module snmp.yml lacks is not polled (varbinds: $bad)" [ "$bad" = "0 0" ]
why=$(psql_q "SELECT r.poll_error_detail FROM reports r JOIN devices d ON d.id = r.device_id
	WHERE d.hostname = 'bad' ORDER BY r.report_received_at DESC LIMIT 1")
echo "    bad's report: $why"
# (the report's text is bounded: the end of a long path may be cut)
check "its report names the module snmp.yml lacks" \
	bash -c 'grep -qF -- "$1" <<<"$2"' _ "snmp_exporter_module: 'nope' is not a module of /" "$why"
finish
