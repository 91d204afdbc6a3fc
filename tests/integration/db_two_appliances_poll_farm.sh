#!/usr/bin/env bash
# db_two_appliances_poll_farm: two argos appliances, one Postgres, 10k
# devices of the device farm.  Both claim from the same devices table
# at once; every device must be polled, and none twice (each is due
# once in the run: polling_frequency is an hour), so the two
# appliances' poll counts add up to exactly 10k and every row has
# last_polled_at.  The dataplanes are argos's own, on the farm's link.
TEST=db_two_appliances_poll_farm
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/db/pg.sh"
source "$(dirname "$0")/farm/farm_lib.sh"
source "$(dirname "$0")/db/farm_db.sh"
need_root_and_argos
need_farm
trap 'farm_stop; farm_net_down; pg_cleanup' EXIT

N=10000
# 10k farm devices, due now, then not for an hour.
farm_db_up 55441 $N 2 2 3600
start_appliance a1 198.19.255.3 --max-inflight 2048
start_appliance a2 198.19.255.4 --max-inflight 2048
for a in a1 a2; do
	wait_for_line "$WORK/$a.log" "argos: ready" 60 ||
		{ cat "$WORK/$a.log" >&2; die "appliance $a did not start"; }
done

all_polled() {
	[ "$(psql_q "SELECT count(*) FROM devices WHERE last_polled_at IS NOT NULL")" = "$N" ]
}
t0=$(now_ms)
wait_until 90 all_polled
all=$?
done_s=$((($(now_ms) - t0) / 1000))
expect "every one of the $N devices was polled within 90 s (in $done_s s)" \
	"only $(psql_q "SELECT count(*) FROM devices WHERE last_polled_at IS NOT NULL") of $N devices were polled in 90 s" \
	[ "$all" = 0 ]
sleep 2   # the last results are written back
kill -TERM $PID_a1 $PID_a2
wait $PID_a1; rc1=$?
wait $PID_a2; rc2=$?
check "both appliances exit 0 on SIGTERM ($rc1, $rc2)" [ $rc1 = 0 -a $rc2 = 0 ]

polls() {   # polls NAME: "ok failed" from the exit summary
	sed -nE 's/.*SNMP polls: ([0-9]+) ok, ([0-9]+) failed.*/\1 \2/p' "$WORK/$1.log" | tail -1
}
read -r ok1 bad1 <<<"$(polls a1)"
read -r ok2 bad2 <<<"$(polls a2)"
total=$((${ok1:-0} + ${bad1:-0} + ${ok2:-0} + ${bad2:-0}))
expect "the two appliances polled $N devices between them, none twice ($ok1+$bad1 and $ok2+$bad2)" \
	"the appliances ran $total polls for $N devices ($ok1+$bad1 and $ok2+$bad2)" [ "$total" = "$N" ]
expect "both appliances took a share of the work" "one appliance did everything ($ok1, $ok2)" \
	[ "${ok1:-0}" -gt 0 -a "${ok2:-0}" -gt 0 ]
check "no poll failed against the farm" [ "${bad1:-1}" = 0 -a "${bad2:-1}" = 0 ]
check "no device is left locked" [ "$(psql_q "SELECT count(*) FROM devices WHERE is_polling")" = 0 ]
finish
