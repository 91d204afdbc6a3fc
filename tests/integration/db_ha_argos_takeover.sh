#!/usr/bin/env bash
# db_ha_argos_takeover: two argos appliances with the same --lock-id.
# The first is active and polls; the second waits.  kill -9 the active:
# the passive takes the advisory lock and its first poll follows within
# a few seconds (the figure is printed).  The devices the dead one held
# are released when their lease ends (--lease), not lost.
TEST=db_ha_argos_takeover
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/db/pg.sh"
source "$(dirname "$0")/farm/farm_lib.sh"
source "$(dirname "$0")/db/farm_db.sh"
need_root_and_argos
need_farm
trap 'farm_stop; farm_net_down; pg_cleanup' EXIT

N=1000
farm_db_up 55442 $N 1 1 2
HA=(--lock-id 4242 --lease 10 --device-unlock-freq 2)
start_appliance active 198.19.255.3 "${HA[@]}"
wait_for_line "$WORK/active.log" "argos: ready" 60 || { cat "$WORK/active.log" >&2; die "the first appliance did not start"; }
polled_any() { [ "$(psql_q "SELECT count(*) FROM devices WHERE last_polled_at IS NOT NULL")" -gt 0 ]; }
check "the first appliance is active and polls within 10 s" wait_until 10 polled_any
start_appliance passive 198.19.255.4 "${HA[@]}"
wait_for_line "$WORK/passive.log" "argos: ready" 60 || { cat "$WORK/passive.log" >&2; die "the second appliance did not start"; }
sleep 3
check "the second appliance waits: it has claimed nothing" \
	[ "$(psql_q "SELECT count(*) FROM devices WHERE claim_owner = 'passive'")" = 0 ]

# The appliance itself, not the timeout(1) wrapper around it.
argos_pid=$(pgrep -P "$PID_active" -x argos)
[ -n "$argos_pid" ] || die "cannot find the active argos process"
kill -9 "$argos_pid"
t_kill=$(psql_q "SELECT extract(epoch FROM clock_timestamp())")
since_kill() { psql_q "SELECT round((extract(epoch FROM clock_timestamp()) - $t_kill)::numeric, 2)"; }
freed=
survivor_polls() {   # also notes when the advisory lock was freed
	if [ -z "$freed" ] &&
		[ "$(psql_q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" = 0 ]; then
		freed=$(since_kill)
	fi
	[ "$(psql_q "SELECT count(*) FROM devices WHERE claim_owner = 'passive'
		OR last_polled_at > to_timestamp($t_kill)")" -gt 0 ]
}
took=
if wait_until 15 survivor_polls; then took=$(since_kill); fi
expect "after kill -9 of the active, the passive polls within 15 s (${took:-?} s)" \
	"the passive did not poll within 15 s of the active's death" [ -n "$took" ]
echo "$TEST: after kill -9: lock free in ${freed:-?} s, first poll of the survivor in ${took:-none} s"
# The dead appliance's leases end after 10 s; then every device is
# polled again by the survivor.
fresh() {
	[ "$(psql_q "SELECT count(*) FROM devices WHERE last_polled_at > to_timestamp($t_kill)")" = "$N" ]
}
wait_until 40 fresh
all_fresh=$?
expect "every device is polled again within 40 s of the takeover, the dead one's too" \
	"$(psql_q "SELECT count(*) FROM devices WHERE last_polled_at > to_timestamp($t_kill)") of $N devices polled in the 40 s since the takeover" \
	[ "$all_fresh" = 0 ]
kill -TERM "$PID_passive"
wait "$PID_passive"
rc=$?
check "the survivor exits 0 on SIGTERM (got $rc)" [ "$rc" = 0 ]
finish
