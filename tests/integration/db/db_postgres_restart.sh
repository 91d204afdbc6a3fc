#!/usr/bin/env bash
# db_postgres_restart: Postgres restarts while an appliance polls: it
# does not crash, reconnects, claims again, and the results it buffered
# meanwhile are written afterwards: every failed poll is in reports and
# every device's last_polled_at is its last logged poll.
TEST=db_postgres_restart
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/pg.sh"
[ "$(id -u)" = 0 ] || die "must run as root (initdb runs as the postgres user)"
pg_up 55437
"$DB_APPLIANCE" --dsn "$DSN" --migrate >/dev/null 2>&1 || die "--migrate failed"
seed_devices 3000 2
LOG=$WORK/a1.log

spawn a1 --appliance-name a1 --dsn "$DSN" --db-snmp-freq 0.5 --db-ping-freq 0 --capacity 800 \
	--poll-ms 300:1500 --fail-pct 30 --duration 16 --stop-timeout 20000
wait_for_line "$LOG" " done " 10 || die "the appliance never polled: $(tail -3 "$WORK/a1.err")"
sleep 3
down=$(date +%s%3N)
pg_stop fast
sleep 3
pg_start
up=$(date +%s%3N)
echo "postgres down from $down to $up ($((up - down)) ms)"
wait "$PID_a1"; rc=$?
expect "the appliance survived the restart and stopped cleanly (exit $rc)" \
	"the appliance exited $rc: $(tail -5 "$WORK/a1.err")" [ "$rc" = 0 ]
expect "it reconnected" "no reconnection logged: $(tail -5 "$WORK/a1.err")" \
	grep -q "connected again" "$WORK/a1.err"
during=$(awk -v a="$down" -v b="$up" '$1 > a && $1 < b && $2 == "done"' "$LOG" | wc -l)
after=$(awk -v t="$up" '$1 > t && $2 == "claim"' "$LOG" | wc -l)
echo "polls ended while postgres was down: $during; claims after it came back: $after"
expect "polls ended while Postgres was down ($during)" "no poll ended during the outage" [ "$during" -gt 0 ]
expect "claims resumed after the restart ($after)" "no claim after Postgres came back" [ "$after" -gt 0 ]
fails=$(grep -c ' done snmp .* fail ' "$LOG")
reports=$(psql_q "SELECT count(*) FROM reports WHERE poll_error = 'timeout'")
expect "every failed poll is in reports, none lost, none twice ($fails)" \
	"$fails polls failed but reports holds $reports" [ "$fails" = "$reports" ]
awk '$2 == "done" { last[$4] = $6 } END { for (d in last) print d "," last[d] }' "$LOG" | sort -n >"$WORK/want.csv"
psql_q "SELECT id || ',' || round(extract(epoch FROM last_polled_at) * 1000)::bigint FROM devices
	WHERE last_polled_at IS NOT NULL ORDER BY id" >"$WORK/got.csv"
expect "every device's last_polled_at is its last logged poll ($(wc -l <"$WORK/want.csv") devices)" \
	"last_polled_at differs from the log: $(diff "$WORK/want.csv" "$WORK/got.csv" | head -4 | tr '\n' ' ')" \
	cmp -s "$WORK/want.csv" "$WORK/got.csv"
left=$(psql_q "SELECT count(*) FROM devices WHERE is_polling")
expect "no lease is left after the stop" "$left devices still leased" [ "$left" = 0 ]
finish
