#!/usr/bin/env bash
# db_polls_due_devices: argos in DB mode against a real Postgres 15 and
# the testbed's real snmpd hosts.  argos claims the due devices, polls
# them on its dataplane core, writes last_polled_at back and the errors
# into reports; a changed row takes effect without a restart; NOTIFY
# argos_poll_now polls a device at once; results reach a real
# Prometheus through remote-write with the device's tags as labels;
# /metrics, the JSON device API (with its token) and DPDK telemetry
# answer; a restart of Postgres mid-run is survived; SIGTERM leaves no
# device locked.  A database that cannot be reached at start is a clear
# error, and a password on the command line is refused.
TEST=db_polls_due_devices
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/db/pg.sh"
need_root_and_argos

testbed_up
pg_up 55440
HTTP_PORT=19117
# A password in the DSN (trust auth ignores it) must never be logged; it
# comes from a file, never from the command line.
DSN_PW="postgresql://postgres:s3cretpw@/argos?host=$PGRUN&port=$PGPORT_USED"
(umask 077; echo "$DSN_PW" >"$WORK/dsn")
"$ARGOS" -- --dsn "$DSN_PW" --migrate >"$WORK/argv.log" 2>&1
rc=$?
expect "a password in --dsn on the command line is refused, naming --dsn-file" \
	"argos exited $rc, saying: $(tail -1 "$WORK/argv.log")" \
	bash -c "[ $rc = 1 ] && grep -q -- '--dsn-file FILE' '$WORK/argv.log' && ! grep -q s3cretpw '$WORK/argv.log'"

"$ARGOS" -- --dsn-file "$WORK/dsn" --migrate >"$WORK/migrate.log" 2>&1 ||
	{ cat "$WORK/migrate.log" >&2; die "argos --migrate failed"; }
check "argos --migrate applies the schema" grep -q "up to date" "$WORK/migrate.log"

# h1..h3 answer, 198.18.1.99 (behind the router) is dead.
psql_q "INSERT INTO devices (hostname, ip_address, snmp_community, snmp_timeout, snmp_retries,
		polling_frequency, ping_frequency, tags)
	VALUES ('h1', '198.18.0.11', 'public', 1, 0, 600, 600, '{\"site\": \"par1\"}'),
	       ('h2', '198.18.0.12', 'public', 1, 0, 3, 600, '{}'),
	       ('h3', '198.18.0.13', 'public', 1, 0, 600, 600, '{}'),
	       ('dead', '198.18.1.99', 'public', 1, 0, 600, 0, '{}')" >/dev/null ||
	die "cannot insert the devices"

# A database that cannot be reached: a clear error, exit 1, no password.
(umask 077; echo "postgresql://postgres:s3cretpw@/argos?host=$WORK/nowhere&port=1" >"$WORK/nodsn")
"$ARGOS" -l 0,1 --file-prefix dbargos -m 512 --vdev net_af_packet0,iface=argos0 -- \
	--ip 198.18.0.2/24 --dsn-file "$WORK/nodsn" >"$WORK/nodb.log" 2>&1
rc=$?
expect "an unreachable database at start: exit 1 with a message naming it, password hidden" \
	"an unreachable database at start was not refused as documented (docs/argos.1.md: exit 1)" \
	is_refusal 1 'argos:.*postgresql://postgres:\*\*\*@' "$rc" "$WORK/nodb.log"

# A real Prometheus receives the results.
PROM_PORT=19118
printf 'global:\n  scrape_interval: 1h\n' >"$WORK/prom.yml"
prometheus --config.file="$WORK/prom.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-remote-write-receiver \
	>"$WORK/prom.log" 2>&1 &
CHILDREN+=($!)
await_ready "Prometheus on 127.0.0.1:$PROM_PORT" 90 "$WORK/prom.log" \
	curl -sf -o /dev/null "http://127.0.0.1:$PROM_PORT/-/ready"

TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077; echo "$TOKEN" >"$WORK/token")
timeout -k 5 90 "$ARGOS" -l 0,1 --file-prefix dbargos -m 512 \
	--vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 --gateway 198.18.0.1 \
	--dsn-file "$WORK/dsn" --db-snmp-freq 1 --db-ping-freq 1 --device-unlock-freq 5 --db-write-lag 1 \
	--output "$WORK/results.jsonl" --listen 127.0.0.1:$HTTP_PORT --api-token-file "$WORK/token" \
	--remote-write "http://127.0.0.1:$PROM_PORT/api/v1/write" --rw-flush-ms 200 \
	>"$WORK/argos.log" 2>&1 &
ARGOS_PID=$!
CHILDREN+=($ARGOS_PID)
wait_for_line "$WORK/argos.log" "argos: ready" 60 ||
	{ cat "$WORK/argos.log" >&2; die "argos did not start in DB mode"; }

polled() {   # polled HOST: last_polled_at is set
	[ "$(psql_q "SELECT count(*) FROM devices WHERE hostname = '$1' AND last_polled_at IS NOT NULL")" = 1 ]
}
reports_of() {   # reports_of HOST: error rows of that device
	psql_q "SELECT count(*) FROM reports r JOIN devices d ON d.id = r.device_id
		WHERE d.hostname = '$1'"
}
live_polled() { polled h1 && polled h2 && polled h3; }
dead_reported() { [ "$(reports_of dead)" -ge 1 ]; }
h2_reported() { [ "$(reports_of h2)" -ge 1 ]; }

expect "h1, h2 and h3 are claimed and polled within 10 s" "the live devices were not all polled within 10 s" \
	wait_until 10 live_polled
expect "the dead device's timeout is in reports within 10 s" "no error report for the dead 198.18.1.99 within 10 s" \
	wait_until 10 dead_reported
check "the report names the error" \
	[ -n "$(psql_q "SELECT poll_error FROM reports r JOIN devices d ON d.id = r.device_id
		WHERE d.hostname = 'dead' AND (poll_error LIKE 'timeout%' OR poll_error LIKE 'arp%') LIMIT 1")" ]
check "a successful poll is not stored in reports" \
	[ "$(psql_q "SELECT count(*) FROM reports r JOIN devices d ON d.id = r.device_id WHERE d.hostname IN ('h1', 'h3')")" = 0 ]
n_h1=$(grep -c '"hostname":"h1".*"kind":"snmp"\|"kind":"snmp".*"hostname":"h1"' "$WORK/results.jsonl" || true)
expect "h1's walk reached the output ($n_h1 varbinds)" "h1 gave only $n_h1 varbinds" [ "${n_h1:-0}" -ge 50 ]

# A changed row takes effect without a restart: h2 (polled every 3 s)
# gets a wrong community, so its next poll times out.
psql_q "UPDATE devices SET snmp_community = 'wrong' WHERE hostname = 'h2'" >/dev/null
expect "a changed community takes effect at h2's next poll, within 10 s" "h2 did not fail within 10 s of its community change" \
	wait_until 10 h2_reported

# Poll now: h3 is due again only in 10 minutes.
before=$(psql_q "SELECT extract(epoch FROM last_polled_at) FROM devices WHERE hostname = 'h3'")
id3=$(psql_q "SELECT id FROM devices WHERE hostname = 'h3'")
h3_again() {
	[ "$(psql_q "SELECT extract(epoch FROM last_polled_at) > $before FROM devices WHERE hostname = 'h3'")" = t ]
}
t0=$(now_ms)
psql_q "NOTIFY argos_poll_now, '$id3'" >/dev/null
wait_until 5 h3_again
again=$?
expect "NOTIFY argos_poll_now polls h3 within 5 s ($(($(now_ms) - t0)) ms)" \
	"h3 was not polled within 5 s of NOTIFY argos_poll_now" [ "$again" = 0 ]

prom_has() {   # prom_has QUERY: at least one series
	curl -sf "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
		grep -q '"result":\[{'
}
expect "h1's ifHCInOctets reach Prometheus, labelled with its tag site=par1" \
	"no ifHCInOctets{instance=\"h1\",site=\"par1\"} in Prometheus" \
	wait_until 10 prom_has 'ifHCInOctets{instance="h1",site="par1",job="snmp",ifName!=""}'

echo /argos/stats | dpdk-telemetry.py -f dbargos >"$WORK/telemetry.json" 2>&1
check "DPDK telemetry answers /argos/stats" grep -q '"snmp_polls_ok"' "$WORK/telemetry.json"

api() {   # api PATH [JSON]: the device API's answer, to the token's holder
	if [ $# -gt 1 ]; then
		curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
			-d "$2" "http://127.0.0.1:$HTTP_PORT$1"
	else
		curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$HTTP_PORT$1"
	fi
}
check "without the token the device API answers 401" \
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/d/list")" = 401 ]
api /d/create '{"hostname": "h4", "ip_address": "198.18.1.10", "polling_frequency": 600}' >"$WORK/create.json"
check "/d/create adds a device row" [ "$(psql_q "SELECT count(*) FROM devices WHERE hostname = 'h4'")" = 1 ]
id4=$(psql_q "SELECT id FROM devices WHERE hostname = 'h4'")
check "/d/create answers the row as stored" grep -q "\"id\" *: *$id4" "$WORK/create.json"
api /d/update "{\"id\": $id4, \"snmp_community\": \"other\"}" >"$WORK/update.json"
check "/d/update changes it" [ "$(psql_q "SELECT snmp_community FROM devices WHERE id = $id4")" = other ]
check "/d/update's answer holds no community" absent '"other"' "$WORK/update.json"
api /d/create '{"hostname": "bad", "ip_address": "not-an-address"}' >"$WORK/bad.json"
no_bad_row() { [ "$(psql_q "SELECT count(*) FROM devices WHERE hostname = 'bad'")" = 0 ]; }
check "/d/create refuses a bad address with a JSON error, writing nothing" \
	holds 'grep -q error "$WORK/bad.json" && no_bad_row'
api "/d/delete?id=$id4" '' >/dev/null
check "/d/delete removes it" [ "$(psql_q "SELECT count(*) FROM devices WHERE id = $id4")" = 0 ]

# Postgres restarts under argos: no crash, and polling resumes (h2 is
# due every 3 s, and fails on its wrong community: reports grow).
pg_stop fast
sleep 2
pg_start
before_r=$(reports_of h2)
h2_more() { [ "$(reports_of h2)" -gt "$before_r" ]; }
expect "after a Postgres restart argos reconnects and writes results again" \
	"no new result for h2 within 15 s of the restart" wait_until 15 h2_more
check "argos survived the restart" kill -0 $ARGOS_PID

sleep 1.5   # /metrics is rendered once a second
curl -s "http://127.0.0.1:$HTTP_PORT/metrics" >"$WORK/metrics.txt"
check "/metrics shows the claim round time" grep -q '^argos_db_claim_round_seconds ' "$WORK/metrics.txt"
check "/metrics shows per-core packets" grep -q '^argos_core_tx_packets_total{core="0"}' "$WORK/metrics.txt"
check "/metrics shows the reconnect" grep -qE '^argos_db_reconnects_total [1-9]' "$WORK/metrics.txt"
check "/metrics shows remote-write samples sent" grep -qE '^argos_rw_samples_sent_total [1-9]' "$WORK/metrics.txt"
check "/d/list answers the devices in JSON" bash -c "curl -s -H 'Authorization: Bearer $TOKEN' http://127.0.0.1:$HTTP_PORT/d/list | grep -q '\"h1\"'"

kill -TERM $ARGOS_PID
wait $ARGOS_PID
rc=$?
expect "argos exits 0 on SIGTERM" "argos exited $rc on SIGTERM (log: $(grep -v "^EAL\|^TELEMETRY" "$WORK/argos.log" | grep "argos:" | tail -8 | tr '\n' ' '))" [ $rc = 0 ]
check "no device is left locked by argos" \
	[ "$(psql_q "SELECT count(*) FROM devices WHERE is_polling")" = 0 ]
check "the DSN's password never reaches the log" \
	absent s3cretpw "$WORK/argos.log" "$WORK/migrate.log" "$WORK/nodb.log"
finish
