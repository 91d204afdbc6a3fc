#!/usr/bin/env bash
# secrets_never_shown: known secrets are planted in every input argos
# takes - the database password (in --dsn-file, PGPASSFILE and a service
# file, with scram auth so that it is really used), remote-write basic
# auth (--rw-password-file, to a real Prometheus that demands it) and a
# bearer token (--rw-bearer-token-file), SNMP communities (devices the
# testbed's agents answer with them, a dead one, rows argos must refuse,
# one written through the API) and the API token - then argos runs on
# the testbed and every place it writes is searched for them: its logs
# and standard output, the JSON Lines, /metrics, the health endpoints,
# every API reply, DPDK telemetry, the spill files (uncompressed), the
# reports it writes to the database, and /proc/PID/cmdline and environ.
# Zero hits is the only pass.
TEST=secrets_never_shown
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/db/pg.sh"
need_root_and_argos
command -v openssl >/dev/null || die "openssl is not installed"
command -v prometheus >/dev/null || die "prometheus is not installed (scripts/install-deps)"

testbed_up
pg_up 55451
HTTP_PORT=19131
PROM_PORT=19132
STUB_PORT=19133
OUT=$WORK/out        # everything argos writes, and nothing else
mkdir -p "$OUT/run1" "$OUT/run2" "$OUT/api"

r() { openssl rand -hex 8; }
PW_DB=PLANTdbpw$(r)
RW_PW=PLANTrwpw$(r)
RW_TOKEN=PLANTrwtok$(r)
API_TOKEN=PLANTapitok$(r)
COMM=PLANTcomm$(r)          # h1's second agent answers this one
ALT=PLANTalt$(r)
COMM_DEAD=PLANTdead$(r)     # a device that never answers
COMM_LOOP=PLANTloop$(r)     # a row at 127.0.0.1: refused at claim
COMM_WIDE=PLANTwide$(r)     # 63 characters, more than 63 bytes: refused
COMM_API=PLANTapi$(r)       # written through the API
COMM_LONG=PLANTlong$(r)$(printf 'x%.0s' $(seq 60))   # too long for the API
SECRETS=("$PW_DB" "$RW_PW" "$RW_TOKEN" "$API_TOKEN" "$COMM" "$ALT" "$COMM_DEAD" "$COMM_LOOP"
	 "$COMM_WIDE" "$COMM_API" "$COMM_LONG")
secret_file() { (umask 077; echo "$2" >"$WORK/$1"); }

# --- the database: a role that must give its password (scram) -----------
psql_q "CREATE ROLE argos_app LOGIN SUPERUSER PASSWORD '$PW_DB'" >/dev/null || die "cannot create the role"
sed -i "1i local all argos_app scram-sha-256" "$PGDATA_DIR/pg_hba.conf"
su postgres -c "$PGBIN/pg_ctl -D $PGDATA_DIR reload" >/dev/null || die "cannot reload Postgres"
sleep 0.5
APP="postgresql://argos_app@/argos?host=$PGRUN&port=$PGPORT_USED"
PGPASSWORD=wrong "$PGBIN/psql" "$APP" -XAtqc 'SELECT 1' >/dev/null 2>&1 &&
	die "Postgres let argos_app in with a wrong password: the test would prove nothing"
secret_file pgpass "*:*:*:argos_app:$PW_DB"
secret_file dsn "postgresql://argos_app:$PW_DB@/argos?host=$PGRUN&port=$PGPORT_USED"
secret_file pgservice "[argos]
host=$PGRUN
port=$PGPORT_USED
dbname=argos
user=argos_app
password=$PW_DB"
PGPASSFILE=$WORK/pgpass "$ARGOS" -- --dsn "$APP" --migrate >"$OUT/migrate-pgpass.log" 2>&1
expect "--migrate with the password in PGPASSFILE (libpq reads it)" \
	"--migrate with PGPASSFILE failed: $(tail -2 "$OUT/migrate-pgpass.log")" \
	grep -q "up to date" "$OUT/migrate-pgpass.log"
PGSERVICEFILE=$WORK/pgservice "$ARGOS" -- --dsn service=argos --migrate >"$OUT/migrate-service.log" 2>&1
expect "--migrate with a libpq service file (--dsn service=argos)" \
	"--migrate with PGSERVICEFILE failed: $(tail -2 "$OUT/migrate-service.log")" \
	grep -q "up to date" "$OUT/migrate-service.log"
"$ARGOS" -- --dsn "postgresql://argos_app:$PW_DB@/argos?host=$PGRUN" --migrate >"$OUT/argv-dsn.log" 2>&1
rc=$?
expect "a password in --dsn is refused, naming --dsn-file" "argos exited $rc: $(tail -1 "$OUT/argv-dsn.log")" \
	bash -c "[ $rc = 1 ] && grep -q -- '--dsn-file' '$OUT/argv-dsn.log'"
"$ARGOS" -- --ip 198.18.0.2/24 --devices /dev/null --remote-write "http://argos:$RW_PW@127.0.0.1:1/w" \
	>"$OUT/argv-rw.log" 2>&1
rc=$?
expect "a password in --remote-write is refused, naming --rw-password-file" \
	"argos exited $rc: $(tail -1 "$OUT/argv-rw.log")" \
	bash -c "[ $rc = 1 ] && grep -q -- '--rw-password-file' '$OUT/argv-rw.log'"
(umask 022; echo "$API_TOKEN" >"$WORK/open-token")
"$ARGOS" -- --ip 198.18.0.2/24 --devices /dev/null --listen 127.0.0.1:1 \
	--api-token-file "$WORK/open-token" >"$OUT/open-token.log" 2>&1
rc=$?
expect "a token file every user can read is refused" "argos exited $rc: $(tail -1 "$OUT/open-token.log")" \
	bash -c "[ $rc = 1 ] && grep -q 'chmod o-rwx' '$OUT/open-token.log'"

# --- devices: communities the agents answer, and rows argos refuses ---
WIDE="$COMM_WIDE$(python3 -c "print('é' * 38)")"   # 63 characters, 101 bytes
psql_q "INSERT INTO devices (hostname, ip_address, snmp_community, snmp_alternate_community,
		snmp_port, snmp_timeout, snmp_retries, polling_frequency, ping_frequency, tags)
	VALUES ('h1sec', '198.18.0.11', '$COMM', '$ALT', 1161, 1, 1, 3, 3, '{\"site\": \"sweep\"}'),
	       ('h2pub', '198.18.0.12', 'public', '', 161, 1, 1, 3, 3, '{}'),
	       ('deadsec', '198.18.1.99', '$COMM_DEAD', '', 161, 1, 0, 3, 0, '{}'),
	       ('loopsec', '127.0.0.1', '$COMM_LOOP', '', 161, 1, 0, 3, 0, '{}'),
	       ('widesec', '198.18.0.13', '$WIDE', '', 161, 1, 0, 3, 0, '{}')" >/dev/null ||
	die "cannot insert the devices"
# A second agent on h1 that answers the planted community, on port 1161.
printf 'rocommunity %s\nsysName h1sec\nsysLocation sweep\n' "$COMM" >"$WORK/snmpd-sec.conf"
ip netns exec argos-h1 snmpd -f -Lf "$WORK/snmpd-sec.log" -C -c "$WORK/snmpd-sec.conf" -I -smux \
	-p "$WORK/snmpd-sec.pid" udp:198.18.0.11:1161 &
CHILDREN+=($!)
for _ in $(seq 50); do
	ip netns exec argos-h1 snmpget -v2c -c "$COMM" -t 0.2 -r 0 198.18.0.11:1161 1.3.6.1.2.1.1.5.0 \
		>/dev/null 2>&1 && break
	sleep 0.2
done

# --- a real Prometheus that demands basic auth --------------------------
HASH=$(python3 -W ignore -c "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))" "$RW_PW")
printf 'basic_auth_users:\n  argos: %s\n' "$HASH" >"$WORK/web.yml"
printf 'global:\n  scrape_interval: 1h\n' >"$WORK/prom.yml"
prometheus --config.file="$WORK/prom.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-remote-write-receiver \
	--web.config.file="$WORK/web.yml" >"$WORK/prom.log" 2>&1 &
PROM_PID=$!
CHILDREN+=($PROM_PID)
for _ in $(seq 150); do
	curl -sf -u "argos:$RW_PW" "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null 2>&1 && break
	sleep 0.2
done
curl -sf -u "argos:$RW_PW" "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null || die "Prometheus did not become ready"
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PROM_PORT/-/ready" | grep -q 401 ||
	die "Prometheus does not demand its password: the test would prove nothing"
secret_file rw-password "$RW_PW"
secret_file rw-token "$RW_TOKEN"
secret_file api-token "$API_TOKEN"

# --- run 1: DB mode, everything on ------------------------------------
timeout -k 5 120 "$ARGOS" -l 0,1 --file-prefix secsweep -m 512 --vdev net_af_packet0,iface=argos0 -- \
	--ip 198.18.0.2/24 --gateway 198.18.0.1 --dsn-file "$WORK/dsn" --db-snmp-freq 1 --db-write-lag 1 \
	--db-ping-freq 1 --output "$OUT/run1/results.jsonl" --listen "127.0.0.1:$HTTP_PORT" \
	--api-token-file "$WORK/api-token" --remote-write "http://127.0.0.1:$PROM_PORT/api/v1/write" \
	--rw-basic-user argos --rw-password-file "$WORK/rw-password" --rw-spill-dir "$OUT/run1/spill" \
	--rw-flush-ms 200 --log "$OUT/run1" -d 2 --stats-period 2 \
	>"$OUT/run1/stdout" 2>"$OUT/run1/stderr" &
TIMEOUT_PID=$!
CHILDREN+=($TIMEOUT_PID)
wait_for_line "$OUT/run1/argos.log" "argos: ready" 30 ||
	{ cat "$OUT/run1/argos.log" "$OUT/run1/stderr" >&2; die "argos did not start in DB mode"; }
ARGOS_PID=$(pgrep -P $TIMEOUT_PID)
tr '\0' ' ' </proc/$ARGOS_PID/cmdline >"$OUT/run1/cmdline"
tr '\0' '\n' </proc/$ARGOS_PID/environ >"$OUT/run1/environ"

wait_until() {   # wait_until S command...
	local s=$1 i; shift
	for ((i = 0; i < s * 5; i++)); do "$@" && return 0; sleep 0.2; done
	return 1
}
q() { psql_q "$1"; }
h1sec_ok() { [ "$(q "SELECT last_poll_ok FROM devices WHERE hostname = 'h1sec'")" = t ]; }
refused_reported() {
	[ "$(q "SELECT count(DISTINCT device_id) FROM reports WHERE poll_error = 'bad-device'")" = 2 ]
}
dead_reported() { [ "$(q "SELECT count(*) FROM reports r JOIN devices d ON d.id = r.device_id WHERE d.hostname = 'deadsec'")" -ge 1 ]; }
prom_has_h1sec() {
	curl -s -u "argos:$RW_PW" "http://127.0.0.1:$PROM_PORT/api/v1/query" \
		--data-urlencode 'query=sysName_info{instance="h1sec"} or {instance="h1sec",site="sweep"}' |
		grep -q '"result":\[{'
}
expect "h1sec is polled with the planted community" "h1sec was not polled OK within 20 s" \
	wait_until 20 h1sec_ok
expect "the two rows argos must refuse are reported as bad-device" \
	"no bad-device reports for 127.0.0.1 and the 63-character community: $(q "SELECT poll_error, poll_error_detail FROM reports")" \
	wait_until 15 refused_reported
check "the refusal says why, without the community" \
	bash -c "[ \"\$($PGBIN/psql -h $PGRUN -p $PGPORT_USED -U postgres -d argos -XAtqc \"SELECT count(*) FROM reports WHERE poll_error_detail LIKE '%longer than 63 bytes%'\")\" -ge 1 ]"
expect "the dead device's timeouts are reported" "no report for the dead device" wait_until 15 dead_reported
expect "h1sec's results reach Prometheus through basic auth" "no h1sec series in Prometheus" \
	wait_until 20 prom_has_h1sec

# Every reply of the API and the HTTP server.
A=(-H "Authorization: Bearer $API_TOKEN")
J=(-H "Content-Type: application/json")
api() {   # api NAME METHOD PATH [curl args]: the reply into $OUT/api/NAME
	local name=$1 method=$2 path=$3; shift 3
	curl -s -D "$OUT/api/$name.headers" -o "$OUT/api/$name" -X "$method" "$@" \
		"http://127.0.0.1:$HTTP_PORT$path"
}
ID1=$(q "SELECT id FROM devices WHERE hostname = 'h1sec'")
api list GET /d/list "${A[@]}"
check "/d/list lists the planted devices" grep -q h1sec "$OUT/api/list"
api list-id GET "/d/list?id=$ID1" "${A[@]}"
api create POST /d/create "${A[@]}" "${J[@]}" \
	--data "{\"hostname\":\"apisec\",\"ip_address\":\"198.18.0.13\",\"snmp_community\":\"$COMM_API\",\"poller_group\":\"other\"}"
NEW=$(q "SELECT id FROM devices WHERE hostname = 'apisec'")
check "/d/create stored the planted community" \
	[ "$(q "SELECT snmp_community FROM devices WHERE hostname = 'apisec'")" = "$COMM_API" ]
api update POST /d/update "${A[@]}" "${J[@]}" \
	--data "{\"id\":$NEW,\"snmp_alternate_community\":\"$COMM_API\"}"
api upsert POST /d/upsert "${A[@]}" "${J[@]}" \
	--data "{\"id\":$NEW,\"snmp_community\":\"$COMM_API\",\"snmp_port\":162}"
api toolong POST /d/update "${A[@]}" "${J[@]}" --data "{\"id\":$NEW,\"snmp_community\":\"$COMM_LONG\"}"
check "a community too long is refused (400)" grep -q "^HTTP/1.1 400" "$OUT/api/toolong.headers"
api badip POST /d/update "${A[@]}" "${J[@]}" --data "{\"id\":$NEW,\"ip_address\":\"127.0.0.1\"}"
api badjson POST /d/update "${A[@]}" "${J[@]}" --data "{\"id\":$NEW,\"snmp_community\":$COMM_API}"
api wrongtoken GET /d/list -H "Authorization: Bearer ${API_TOKEN}0"
api notoken POST /d/update "${J[@]}" --data "{\"id\":$NEW,\"snmp_community\":\"$COMM_API\"}"
api debug3 POST "/-/debug?level=3" "${A[@]}"
sleep 2
api debug1 POST "/-/debug?level=1" "${A[@]}"
api metrics GET /metrics
api healthy GET /-/healthy
api ready GET /-/ready
api delete DELETE "/d/delete?id=$NEW" "${A[@]}"
check "/metrics shows remote-write samples sent" grep -qE '^argos_rw_samples_sent_total [1-9]' "$OUT/api/metrics"

# DPDK telemetry, every command argos adds and the EAL's own about argv.
{
	echo /argos/stats; echo /argos/cores
	for id in $(q "SELECT id FROM devices"); do echo "/argos/device,$id"; done
	echo /eal/app_params; echo /eal/params
} | dpdk-telemetry.py -f secsweep >"$OUT/run1/telemetry.json" 2>&1
check "DPDK telemetry answered" grep -q '"snmp_polls_ok"' "$OUT/run1/telemetry.json"

# The receiver goes away: what argos cannot send is spilled at exit.
kill $PROM_PID
sleep 4
kill -TERM $ARGOS_PID
wait $TIMEOUT_PID
rc=$?
# Exit 1 is expected: the receiver is gone and samples are left pending.
check "argos exits after SIGTERM (rc $rc)" [ "$rc" -le 1 ]
ls "$OUT/run1/spill"/*.batch >/dev/null 2>&1 && python3 "$ROOT/tests/integration/spill_text.py" \
	"$OUT/run1/spill"/*.batch >"$OUT/run1/spill.txt"
expect "batches were spilled, and they decode" \
	"no spilled batch to search (spill dir: $(ls "$OUT/run1/spill" 2>&1 | tr '\n' ' '))" \
	test -s "$OUT/run1/spill.txt"
# What argos wrote into the database.
q "SELECT * FROM reports" >"$OUT/run1/db-reports.txt"
q "SELECT * FROM appliances" >"$OUT/run1/db-appliances.txt"

# --- run 2: a devices file, remote-write with a bearer token ------------
python3 "$ROOT/tests/integration/export/stub_receiver.py" $STUB_PORT "$WORK/stub.log" \
	"bearer:$RW_TOKEN" &
CHILDREN+=($!)
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$STUB_PORT) 2>/dev/null && break; sleep 0.1; done
(umask 077; printf 'id,hostname,ip_address,snmp_community,snmp_version,snmp_port\nh1sec,h1sec,198.18.0.11,%s,2c,1161\nh2,h2,198.18.0.12,public,2c,161\n' \
	"$COMM" >"$WORK/devices.csv")
timeout -k 5 60 "$ARGOS" -l 0,1 --file-prefix secsweep2 -m 512 --vdev net_af_packet0,iface=argos0 -- \
	--ip 198.18.0.2/24 --gateway 198.18.0.1 --devices "$WORK/devices.csv" --once \
	--output "$OUT/run2/results.jsonl" --remote-write "http://127.0.0.1:$STUB_PORT/api/v1/write" \
	--rw-bearer-token-file "$WORK/rw-token" --log "$OUT/run2" -d 3 --stats-period 1 \
	>"$OUT/run2/stdout" 2>"$OUT/run2/stderr"
rc=$?
check "run 2 (devices file, bearer token) exits 0 (rc $rc)" [ "$rc" = 0 ]
check "the receiver accepted argos's bearer token" grep -q '"status": 204' "$WORK/stub.log"
check "h1sec answered run 2 with the planted community" grep -q '"hostname":"h1sec".*"kind":"snmp"\|"kind":"snmp".*"hostname":"h1sec"' "$OUT/run2/results.jsonl"

# --- the search ---------------------------------------------------------
files=$(find "$OUT" -type f | wc -l)
bytes=$(du -sb "$OUT" | cut -f1)
hits=0
for s in "${SECRETS[@]}"; do
	found=$(grep -raFl -- "$s" "$OUT" 2>/dev/null)
	if [ -n "$found" ]; then
		hits=$((hits + 1))
		echo "secret ${s:0:9}... found in: $found"
	fi
done
check "no sanitizer report in argos's logs" bash -c "! grep -rq 'runtime error\|AddressSanitizer' '$OUT'"
expect "none of ${#SECRETS[@]} planted secrets is in any of $files files ($bytes bytes) argos wrote or answered" \
	"$hits planted secrets were found in argos's output (see above)" [ "$hits" = 0 ]
finish
