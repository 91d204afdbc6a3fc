#!/usr/bin/env bash
# db_two_appliances_share_10k_devices: two appliances on one database of
# 10,000 devices (polled every 5 s, claim rounds every 0.5 s): no device
# is ever held by both at once (the logged claim..done intervals never
# overlap), every device is polled, both share the work, and no lease
# is left behind when they stop.
TEST=db_two_appliances_share_10k_devices
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/pg.sh"
[ "$(id -u)" = 0 ] || die "must run as root (initdb runs as the postgres user)"
pg_up 55434
"$DB_APPLIANCE" --dsn "$DSN" --migrate >/dev/null 2>&1 || die "--migrate failed"
seed_devices 10000 5

common=(--dsn "$DSN" --db-snmp-freq 0.5 --db-ping-freq 0 --capacity 1500 --poll-ms 5:60
	--duration 12 --fail-pct 10)
spawn a1 --appliance-name a1 "${common[@]}"
spawn a2 --appliance-name a2 "${common[@]}"
wait "$PID_a1"; r1=$?
wait "$PID_a2"; r2=$?
expect "both appliances ran and stopped cleanly" \
	"an appliance failed (exit $r1/$r2): $(cat "$WORK/a1.err" "$WORK/a2.err" | tail -5)" \
	[ "$r1" = 0 -a "$r2" = 0 ]

python3 "$(dirname "$0")/check_intervals.py" 10000 "$WORK/a1.log" "$WORK/a2.log" >"$WORK/check.out"
rc=$?
cat "$WORK/check.out"
expect "no device was held by both appliances at once, and every device was polled" \
	"$(head -3 "$WORK/check.out")" [ "$rc" = 0 ]
c1=$(grep -c ' claim ' "$WORK/a1.log"); c2=$(grep -c ' claim ' "$WORK/a2.log")
expect "both appliances took a fair share ($c1 and $c2 claims)" \
	"one appliance starved the other: $c1 against $c2 claims" \
	[ $((c1 * 4)) -gt "$c2" -a $((c2 * 4)) -gt "$c1" ]
left=$(psql_q "SELECT count(*) FROM devices WHERE is_polling OR claim_owner IS NOT NULL")
expect "no lease is left after both stopped" "$left devices still leased after a clean stop" \
	[ "$left" = 0 ]
never=$(psql_q "SELECT count(*) FROM devices WHERE last_polled_at IS NULL")
expect "the database saw every device polled" "$never devices have no last_polled_at" \
	[ "$never" = 0 ]
fails=$(grep -c ' done snmp .* fail ' "$WORK/a1.log" "$WORK/a2.log" | awk -F: '{s+=$2} END {print s}')
reports=$(psql_q "SELECT count(*) FROM reports WHERE poll_error = 'timeout'")
expect "every failed poll is in reports ($reports)" \
	"$fails polls failed but reports holds $reports timeout rows" [ "$fails" = "$reports" ]
grep -h ' stats ' "$WORK/a1.log" "$WORK/a2.log"
finish
