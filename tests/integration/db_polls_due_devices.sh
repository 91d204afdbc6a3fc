#!/usr/bin/env bash
# db_polls_due_devices: argos in DB mode against a real Postgres 15 and
# the testbed's real snmpd hosts.  argos claims the due devices, polls
# them on its dataplane core, writes last_polled_at back and the errors
# into reports; a changed row takes effect without a restart; NOTIFY
# argos_poll_now polls a device at once; /metrics shows the claim
# rounds; SIGTERM leaves no device locked.
TEST=db_polls_due_devices
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/db/pg.sh"
need_root_and_argos

testbed_up
pg_up 55440
HTTP_PORT=19117
# A password in the DSN (trust auth ignores it) must never be logged.
DSN_PW="postgresql://postgres:s3cretpw@/argos?host=$PGRUN&port=$PGPORT_USED"

"$ARGOS" -- --dsn "$DSN_PW" --migrate >"$WORK/migrate.log" 2>&1 ||
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

timeout -k 5 60 "$ARGOS" -l 0,1 --file-prefix dbargos -m 512 \
	--vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 --gateway 198.18.0.1 \
	--dsn "$DSN_PW" --db-snmp-freq 1 --db-ping-freq 1 --device-unlock-freq 5 \
	--output "$WORK/results.jsonl" --listen 127.0.0.1:$HTTP_PORT \
	>"$WORK/argos.log" 2>&1 &
ARGOS_PID=$!
CHILDREN+=($ARGOS_PID)
wait_for_line "$WORK/argos.log" "argos: ready" 20 ||
	{ cat "$WORK/argos.log" >&2; die "argos did not start in DB mode"; }

polled() {   # polled HOST: last_polled_at is set
	[ "$(psql_q "SELECT count(*) FROM devices WHERE hostname = '$1' AND last_polled_at IS NOT NULL")" = 1 ]
}
wait_until() {   # wait_until S command...: poll a condition every 0.2 s
	local s=$1 i; shift
	for ((i = 0; i < s * 5; i++)); do "$@" && return 0; sleep 0.2; done
	return 1
}

reports_of() {   # reports_of HOST: error rows of that device
	psql_q "SELECT count(*) FROM reports r JOIN devices d ON d.id = r.device_id
		WHERE d.hostname = '$1'"
}
live_polled() { polled h1 && polled h2 && polled h3; }
dead_reported() { [ "$(reports_of dead)" -ge 1 ]; }
h2_reported() { [ "$(reports_of h2)" -ge 1 ]; }

expect "h1, h2 and h3 are claimed and polled" "the live devices were not all polled within 10 s" \
	wait_until 10 live_polled
expect "the dead device's timeout is in reports" "no error report for the dead 198.18.1.99" \
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
expect "a changed community takes effect at h2's next poll" "h2 never failed after its community changed" \
	wait_until 10 h2_reported

# Poll now: h3 is due again only in 10 minutes.
before=$(psql_q "SELECT extract(epoch FROM last_polled_at) FROM devices WHERE hostname = 'h3'")
id3=$(psql_q "SELECT id FROM devices WHERE hostname = 'h3'")
t0=$(date +%s.%N)
psql_q "NOTIFY argos_poll_now, '$id3'" >/dev/null
h3_again() {
	[ "$(psql_q "SELECT extract(epoch FROM last_polled_at) > $before FROM devices WHERE hostname = 'h3'")" = t ]
}
if wait_until 5 h3_again; then
	t1=$(date +%s.%N)
	check "NOTIFY argos_poll_now polls h3 at once ($(echo "$t1 - $t0" | bc | cut -c1-4) s)" true
else
	check "NOTIFY argos_poll_now polls h3 at once" false
fi

curl -s "http://127.0.0.1:$HTTP_PORT/metrics" >"$WORK/metrics.txt"
check "/metrics shows the claim round time" grep -q '^argos_db_claim_round_seconds ' "$WORK/metrics.txt"
check "/metrics shows per-core packets" grep -q '^argos_core_tx_packets_total{core="0"}' "$WORK/metrics.txt"
check "/d/list answers the devices in JSON" bash -c "curl -s http://127.0.0.1:$HTTP_PORT/d/list | grep -q '\"h1\"'"

kill -TERM $ARGOS_PID
wait $ARGOS_PID
rc=$?
expect "argos exits 0 on SIGTERM" "argos exited $rc on SIGTERM (log: $(tail -3 "$WORK/argos.log" | tr '\n' ' '))" [ $rc = 0 ]
check "no device is left locked by argos" \
	[ "$(psql_q "SELECT count(*) FROM devices WHERE is_polling")" = 0 ]
check "the DSN's password never reaches the log" bash -c "! grep -q s3cretpw '$WORK/argos.log' '$WORK/migrate.log'"
finish
