#!/usr/bin/env bash
# db_change_and_poll_now: an edited device row takes effect without a
# restart (its next claim carries the new community, its new frequency
# makes it due), the appliance hears of edits, deletions and profile
# changes within a second, and NOTIFY argos_poll_now polls a device that
# is not due within a second.
TEST=db_change_and_poll_now
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/pg.sh"
[ "$(id -u)" = 0 ] || die "must run as root (initdb runs as the postgres user)"
pg_up 55435
"$DB_APPLIANCE" --dsn "$DSN" --migrate >/dev/null 2>&1 || die "--migrate failed"
seed_devices 20 3600
LOG=$WORK/a1.log

db_ms() { psql_q "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint"; }
first_after() {   # first_after PATTERN MS: the time of the first matching line at or after MS
	awk -v t="$2" -v p="$1" '$1 >= t && $0 ~ p { print $1; exit }' "$LOG"
}
wait_after() {   # wait_after PATTERN MS S: wait up to S s for a matching line at or after MS
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[ -n "$(first_after "$1" "$2")" ] && return 0
		sleep 0.1
	done
	return 1
}

lag() {   # lag T0 T: "N ms", or "never" when T is empty
	if [ -n "$2" ]; then echo "$(($2 - $1)) ms"; else echo never; fi
}
polled_20() { [ "$(grep -c ' done snmp ' "$LOG" 2>/dev/null)" -ge 20 ]; }

spawn a1 --appliance-name a1 --dsn "$DSN" --db-snmp-freq 1 --db-ping-freq 0 --duration 40
wait_until 10 polled_20
all_polled=$?
expect "all 20 devices were polled once within 10 s of the start" \
	"only $(grep -c ' done snmp ' "$LOG" 2>/dev/null) of 20 devices polled in 10 s" \
	[ "$all_polled" = 0 ]

t0=$(db_ms)
psql_q "UPDATE devices SET snmp_community = 'changed5', polling_frequency = 2 WHERE id = 5"
expect "an edited device is polled with its new community within 8 s" \
	"device 5 was not claimed with its new community within 8 s" \
	wait_until 8 grep -q " claim snmp 5 changed5 " "$LOG"
wait_after "event device-changed 5" "$t0" 2
te=$(first_after "event device-changed 5" "$t0")
expect "the edit is heard within 1000 ms ($(lag "$t0" "$te"))" \
	"the edit of device 5 was heard after $(lag "$t0" "$te"), want within 1000 ms" \
	within_ms 1000 "$t0" "$te"

t0=$(db_ms)
psql_q "NOTIFY argos_poll_now, '7'"
wait_for_line "$LOG" " claim snmp 7 " 3
tc=$(awk -v t="$t0" '$1 >= t && $2 == "claim" && $4 == 7 { print $1; exit }' "$LOG")
echo "argos_poll_now 7 -> claim after $(lag "$t0" "$tc")"
expect "NOTIFY argos_poll_now polls a device that is not due within 1000 ms ($(lag "$t0" "$tc"))" \
	"device 7 was claimed after $(lag "$t0" "$tc") after argos_poll_now, want within 1000 ms" \
	within_ms 1000 "$t0" "$tc"

psql_q "UPDATE devices SET active = false WHERE id = 5"
wait_for_line "$LOG" "event device-changed 5" 2
sleep 1
t0=$(db_ms)
sleep 4
n=$(awk -v t="$t0" '$1 >= t && $2 == "claim" && $4 == 5' "$LOG" | wc -l)
expect "a device made inactive is no longer polled" "device 5 was claimed $n times after active=false" \
	[ "$n" = 0 ]

t0=$(db_ms)
psql_q "DELETE FROM devices WHERE id = 9"
wait_after "event device-deleted 9" "$t0" 2
te=$(first_after "event device-deleted 9" "$t0")
expect "a deletion is heard within 1000 ms ($(lag "$t0" "$te"))" \
	"the deletion of device 9 was heard after $(lag "$t0" "$te"), want within 1000 ms" \
	within_ms 1000 "$t0" "$te"

t0=$(db_ms)
psql_q "UPDATE metrics SET description = 'the interface alias' WHERE name = 'ifAlias'"
wait_after "event profiles-changed" "$t0" 2
te=$(first_after "event profiles-changed" "$t0")
expect "a profile change is heard within 1000 ms ($(lag "$t0" "$te"))" \
	"the profile change was heard after $(lag "$t0" "$te"), want within 1000 ms" \
	within_ms 1000 "$t0" "$te"

t0=$(db_ms)
psql_q "NOTIFY argos_poll_now, 'not-a-number'"
sleep 0.5
expect "a malformed argos_poll_now is logged and ignored" \
	"the bad argos_poll_now payload was not reported: $(tail -3 "$WORK/a1.err")" \
	grep -q "argos_poll_now 'not-a-number'" "$WORK/a1.err"
kill -TERM "$PID_a1"; wait "$PID_a1"
expect "the appliance stops cleanly" "the appliance did not stop cleanly: $(tail -3 "$WORK/a1.err")" \
	grep -q "stopped 0" "$LOG"
finish
