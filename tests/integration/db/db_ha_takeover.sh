#!/usr/bin/env bash
# db_ha_takeover: two appliances with the same --lock-id: the first is
# active, the second waits without polling; kill -9 the active and the
# passive's first claim follows within a few seconds (the figure is
# printed); kill the active's lock session (pg_terminate_backend) and it
# stops claiming at once.
TEST=db_ha_takeover
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/pg.sh"
[ "$(id -u)" = 0 ] || die "must run as root (initdb runs as the postgres user)"
pg_up 55436
"$DB_APPLIANCE" --dsn "$DSN" --migrate >/dev/null 2>&1 || die "--migrate failed"
seed_devices 2000 2

lag() {   # lag T0 T: "N ms", or "never" when T is empty
	if [ -n "$2" ]; then echo "$(($2 - $1)) ms"; else echo never; fi
}
db_ms() { psql_q "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint"; }
common=(--dsn "$DSN" --lock-id 4242 --lock-dsn "$DSN" --db-snmp-freq 0.5 --db-ping-freq 0
	--capacity 500 --poll-ms 5:50 --lease 5 --device-unlock-freq 1 --duration 60)
spawn a1 --appliance-name a1 "${common[@]}"
wait_for_line "$WORK/a1.log" " active$" 10 || die "the first appliance never became active: $(tail -3 "$WORK/a1.err")"
spawn a2 --appliance-name a2 "${common[@]}"
wait_for_line "$WORK/a2.log" " passive$" 10 || die "the second appliance did not start: $(tail -3 "$WORK/a2.err")"
sleep 3
expect "the second appliance waits without polling" \
	"the passive appliance claimed $(grep -c ' claim ' "$WORK/a2.log") devices" \
	absent ' claim ' "$WORK/a2.log"
expect "the first appliance polls" "the active appliance claimed nothing" grep -q ' claim ' "$WORK/a1.log"

t0=$(db_ms)
kill -9 "$(pgrep -P "$PID_a1")"   # the appliance itself, not its timeout wrapper
wait_for_line "$WORK/a2.log" " claim " 10
tc=$(awk '$2 == "claim" { print $1; exit }' "$WORK/a2.log")
echo "HA takeover: kill -9 of the active -> first claim of the passive after $(lag "$t0" "$tc")"
expect "the passive takes over within 3000 ms of the active's death ($(lag "$t0" "$tc"))" \
	"the passive's first claim came $(lag "$t0" "$tc") after the active died, want within 3000 ms" \
	within_ms 3000 "$t0" "$tc"
sleep 8   # a1's leases (5 s) expire and the unlocker frees them
orphans=$(psql_q "SELECT count(*) FROM devices WHERE claim_owner = 'a1'")
expect "the dead appliance's leases are released" "$orphans devices still leased by the dead a1" \
	[ "$orphans" = 0 ]
expired=$(psql_q "SELECT count(*) FROM reports WHERE poll_error = 'lease-expired' AND appliance = 'a1'")
echo "leases of the dead appliance reported as lease-expired: $expired"

t1=$(db_ms)
k=$(psql_q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'argos-lock a2'")
[ "$k" = 1 ] || die "found $k lock sessions of a2 to kill"
wait_for_line "$WORK/a2.err" "lost the lock session" 3
tp=$(awk -v t="$t1" '$1 >= t && $2 == "passive" { print $1; exit }' "$WORK/a2.log")
echo "HA: lock session killed -> passive after $(lag "$t1" "$tp")"
expect "an active whose lock session dies stops at once: within 500 ms ($(lag "$t1" "$tp"))" \
	"the active went passive $(lag "$t1" "$tp") after its lock session died, want within 500 ms" \
	within_ms 500 "$t1" "$tp"
ta=$(awk -v t="$tp" '$1 > t && $2 == "active" { print $1; exit }' "$WORK/a2.log")
n=$(awk -v a="$tp" -v b="${ta:-99999999999999}" '$1 > a && $1 < b && $2 == "claim"' "$WORK/a2.log" | wc -l)
expect "no claim while passive" "$n claims while the lock was lost" [ "$n" = 0 ]
wait_for_line "$WORK/a2.err" "took the advisory lock" 1
sleep 2
expect "it takes the lock again when nobody holds it" \
	"a2 did not become active again: $(tail -2 "$WORK/a2.err")" [ -n "$(awk -v t="$tp" '$1 > t && $2 == "active"' "$WORK/a2.log")" ]
kill -TERM "$PID_a2"; wait "$PID_a2"
expect "the survivor stops cleanly" "a2 did not stop cleanly: $(tail -3 "$WORK/a2.err")" \
	grep -q "stopped 0" "$WORK/a2.log"
finish
