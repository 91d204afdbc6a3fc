#!/usr/bin/env bash
# db_snmpv3.sh - SNMPv3 devices from Postgres (migration 007, issue 13):
# rows with snmp_version '3' and horus's snmpv3_* columns are polled over
# USM against a net-snmp snmpd of this test (v3_agent.sh), and the JSON
# device API validates those columns and never answers a passphrase.
#
#   sha256  authPriv SHA-256 / AES-128      every varbind of the if-mib
#   md5     authNoPriv MD5                  profile equals snmpbulkwalk
#   cisco   authPriv SHA-512 / AES-256-C    -v3 with the same user
#   noauth  noAuthNoPriv
#   wrongpw p_sha256_aes, a wrong auth passphrase: reported as
#           wrong-digest, nothing emitted; then the passphrase is
#           corrected by SQL while argos runs, and its next claim polls
#   typo    a row written by hand with snmpv3_auth_proto 'SHA-999':
#           reported as bad-device naming the column, never polled
set -uo pipefail
TEST=db_snmpv3
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agent_ns.sh"
source "$(dirname "$0")/v3_agent.sh"
source "$(dirname "$0")/db/pg.sh"

NS=argos-v3db
SWPORT=v3db
ADDR=198.18.0.122
HTTP_PORT=19131
ROOTS="1.3.6.1.2.1.1 1.3.6.1.2.1.2.2.1 1.3.6.1.2.1.31.1.1.1"
GOOD="sha256:p_sha256_aes md5:a_md5 cisco:p_sha512_aes256c noauth:noauth"

cleanup_test() {
	agent_stop_all
	agent_ns_down "$NS" "$SWPORT"
	pg_cleanup
}
trap cleanup_test EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

need_root_and_argos
testbed_up
v3_agent_up "$NS" "$SWPORT" "$ADDR"
pg_up 55452
"$ARGOS" -- --dsn "$DSN" --migrate >"$WORK/migrate.log" 2>&1 ||
	{ cat "$WORK/migrate.log" >&2; die "argos --migrate failed"; }

# row HOST USER [AUTHPASS]: the INSERT values of a v3 device for a user of v3_agent.sh
row() {
	local name level auth apass priv ppass
	read -r name level auth apass priv ppass <<<"$(v3_user "$2")"
	[ "$auth" = - ] && auth= apass=
	[ "$priv" = - ] && priv= ppass=
	echo "('$1', '$ADDR', '', '3', 1, 1, 2, 0, '$level', '$name', '$auth', '${3:-$apass}', '$priv', '$ppass')"
}
values=
for g in $GOOD; do values+="$(row "${g%%:*}" "${g#*:}"),"; done
values+="$(row wrongpw p_sha256_aes not-the-passphrase),"
values+="('typo', '$ADDR', '', '3', 1, 1, 2, 0, 'authNoPriv', 'a_md5', 'SHA-999', 'whatever-pass', '', '')"
psql_q "INSERT INTO devices (hostname, ip_address, snmp_community, snmp_version, snmp_timeout,
		snmp_retries, polling_frequency, ping_frequency, snmpv3_security_level,
		snmpv3_auth_user, snmpv3_auth_proto, snmpv3_auth_passwd, snmpv3_privacy_proto,
		snmpv3_privacy_passwd) VALUES $values" >/dev/null ||
	die "cannot insert the v3 devices (is migration 007 applied?)"
id_of() { psql_q "SELECT id FROM devices WHERE hostname = '$1'"; }

for g in $GOOD; do
	# shellcheck disable=SC2086
	v3_walk "$NS" "$ADDR" "${g#*:}" $ROOTS >"$WORK/${g%%:*}.before" 2>"$WORK/walkerr" ||
		die "snmpbulkwalk -v3 as ${g#*:} failed: $(head -2 "$WORK/walkerr")"
done

TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077; echo "$TOKEN" >"$WORK/token")
timeout -k 5 90 "$ARGOS" -l 0,1 --file-prefix dbv3 -m 512 --no-pci --huge-unlink \
	--vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 --gateway 198.18.0.1 \
	--dsn "$DSN" --db-snmp-freq 0.5 --db-ping-freq 0 --db-write-lag 1 --output "$WORK/out.jsonl" \
	--listen 127.0.0.1:$HTTP_PORT --api-token-file "$WORK/token" --duration 14 \
	>"$WORK/argos.log" 2>&1 &
ARGOS_PID=$!
CHILDREN+=($ARGOS_PID)
wait_for_line "$WORK/argos.log" "argos: ready" 30 ||
	{ tail -5 "$WORK/argos.log" >&2; die "argos did not start in DB mode"; }

api() {   # api PATH [JSON]: the device API's answer and status
	curl -s -w '\n%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' -d "$2" "http://127.0.0.1:$HTTP_PORT$1"
}
api /d/create "{\"hostname\": \"bad\", \"ip_address\": \"$ADDR\", \"snmp_version\": \"3\",
	\"snmpv3_security_level\": \"authPriv\", \"snmpv3_auth_user\": \"u\",
	\"snmpv3_auth_proto\": \"SHA-256\", \"snmpv3_auth_passwd\": \"auth-secret-1\",
	\"snmpv3_privacy_proto\": \"BLOWFISH\", \"snmpv3_privacy_passwd\": \"priv-secret-1\",
	\"polling_frequency\": 0}" >"$WORK/bad.txt"
check "/d/create refuses an unknown privacy protocol with 400 naming the column" \
	holds '[ "$(tail -1 "$WORK/bad.txt")" = 400 ] && grep -q snmpv3_privacy_proto "$WORK/bad.txt"'
api /d/create "{\"hostname\": \"short\", \"ip_address\": \"$ADDR\", \"snmp_version\": \"3\",
	\"snmpv3_security_level\": \"authNoPriv\", \"snmpv3_auth_user\": \"u\",
	\"snmpv3_auth_proto\": \"SHA\", \"snmpv3_auth_passwd\": \"short\",
	\"polling_frequency\": 0}" >"$WORK/short.txt"
check "/d/create refuses a passphrase under 8 bytes with 400" \
	holds '[ "$(tail -1 "$WORK/short.txt")" = 400 ] && grep -q snmpv3_auth_passwd "$WORK/short.txt"'
check "no refused row was written" [ "$(psql_q "SELECT count(*) FROM devices WHERE hostname IN ('bad', 'short')")" = 0 ]
api /d/create "{\"hostname\": \"viaapi\", \"ip_address\": \"$ADDR\", \"snmp_version\": \"3\",
	\"snmpv3_security_level\": \"authPriv\", \"snmpv3_auth_user\": \"p_sha256_aes\",
	\"snmpv3_auth_proto\": \"SHA-256\", \"snmpv3_auth_passwd\": \"auth-sha256-aes-pass\",
	\"snmpv3_privacy_proto\": \"AES\", \"snmpv3_privacy_passwd\": \"priv-sha256-aes-pass\",
	\"polling_frequency\": 0}" >"$WORK/good.txt"
check "/d/create adds a v3 device (201) and shows its level and protocols" \
	holds '[ "$(tail -1 "$WORK/good.txt")" = 201 ] && grep -q "\"snmpv3_privacy_proto\" *: *\"AES\"" "$WORK/good.txt"'
curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$HTTP_PORT/d/list" >"$WORK/list.json"
check "/d/list lists the v3 devices" grep -q '"viaapi"' "$WORK/list.json"
SECRETS='auth-[a-z0-9-]+pass|priv-[a-z0-9-]+pass|not-the-passphrase|whatever-pass|auth-secret|priv-secret'
check "no API answer holds a passphrase" \
	absent "$SECRETS" "$WORK/list.json" "$WORK/good.txt" "$WORK/bad.txt" "$WORK/short.txt"
check "nor a passphrase column" absent '_passwd"' "$WORK/list.json" "$WORK/good.txt"

sleep 6
t_fix=$(now_ms)
psql_q "UPDATE devices SET snmpv3_auth_passwd = 'auth-sha256-aes-pass' WHERE hostname = 'wrongpw'" \
	>/dev/null || die "cannot correct wrongpw's passphrase"
wait "$ARGOS_PID"
rc=$?
expect "argos polls 14 s in DB mode and exits 0" \
	"argos exited with $(status_name "$rc"): $(tail -3 "$WORK/argos.log" | tr '\n' ' ')" [ "$rc" = 0 ]

for g in $GOOD; do
	# shellcheck disable=SC2086
	v3_walk "$NS" "$ADDR" "${g#*:}" $ROOTS >"$WORK/${g%%:*}.after" 2>/dev/null ||
		die "snmpbulkwalk -v3 as ${g#*:} failed after the polls"
	check "${g%%:*} (${g#*:}): every varbind equals snmpbulkwalk -v3 (OID, type, value)" \
		python3 "$ROOT/tests/integration/walk_oracle.py" --jsonl "$WORK/out.jsonl" \
		--device-id "$(id_of "${g%%:*}")" --walk1 "$WORK/${g%%:*}.before" \
		--walk2 "$WORK/${g%%:*}.after"
done
check "no error is reported for the good v3 devices" \
	[ "$(psql_q "SELECT count(*) FROM reports r JOIN devices d ON d.id = r.device_id
		WHERE d.hostname IN ('sha256', 'md5', 'cisco', 'noauth')")" = 0 ]

# varbinds HOST FROM TO: how many varbinds of HOST argos emitted in [FROM, TO) ms
varbinds() {
	python3 - "$WORK/out.jsonl" "$@" <<'PY'
import json, sys
path, dev, a, b = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
print(sum(1 for l in open(path) for r in [json.loads(l)]
          if r.get("device_id") == dev and "oid" in r and a <= r["ts_ms"] < b))
PY
}
wrong=$(psql_q "SELECT r.poll_error FROM reports r JOIN devices d ON d.id = r.device_id
	WHERE d.hostname = 'wrongpw' ORDER BY r.requested_at LIMIT 1")
check "a wrong passphrase is reported as wrong-digest (got '$wrong')" [ "$wrong" = wrong-digest ]
n=$(varbinds "$(id_of wrongpw)" 0 "$t_fix")
check "and nothing of it is emitted ($n varbinds)" [ "$n" = 0 ]
n=$(varbinds "$(id_of wrongpw)" $((t_fix + 1500)) 99999999999999)
check "its passphrase corrected by SQL, its next polls walk the agent ($n varbinds)" [ "$n" -gt 100 ]
typo=$(psql_q "SELECT r.poll_error || ': ' || r.poll_error_detail FROM reports r
	JOIN devices d ON d.id = r.device_id WHERE d.hostname = 'typo' LIMIT 1")
check "a row with an unknown auth protocol is reported bad-device naming the column ($typo)" \
	holds 'grep -q "^bad-device: snmpv3_auth_proto" <<<"$typo"'
check "and is never polled" [ "$(varbinds "$(id_of typo)" 0 99999999999999)" = 0 ]
check "no passphrase reaches argos's log" absent "$SECRETS" "$WORK/argos.log"
finish
