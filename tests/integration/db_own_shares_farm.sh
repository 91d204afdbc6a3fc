#!/usr/bin/env bash
# db_own_shares_farm: own mode (--db-mode own) as the farm sees it.
# Three argos appliances share one devices table of farm devices by
# bucket leases; one is killed with -9, a fourth joins; devices are
# changed, added, deleted and made due now through the database.  What
# is checked comes from the farm's --poll-log (what each device
# received), not from argos's counters:
#   - no device is polled by two appliances at once (overlaps 0);
#   - every device is polled, and in every period (the longest gap
#     between two polls is a period plus the hand-over bound);
#   - the dead appliance's devices are polled again within 10 s;
#   - every bucket has a live owner at the end, fairly shared.
TEST=db_own_shares_farm
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/db/pg.sh"
source "$(dirname "$0")/farm/farm_lib.sh"
source "$(dirname "$0")/db/farm_db.sh"
need_root_and_argos
need_farm
trap 'farm_stop; farm_net_down; pg_cleanup' EXIT

N=3000
PERIOD=5
PLOG=$WORK/poll.log
FARM_DB_OPTS="--poll-log $PLOG" farm_db_up 55443 $N 1 1 $PERIOD
# The last 100 are pinged too, every 2 s.
psql_q "UPDATE devices SET ping_frequency = 2 WHERE id > $((N - 100))" >/dev/null
OWN=(--db-ping-freq 1 --max-inflight 4096)
for a in a1 a2 a3; do
	start_appliance $a "198.19.255.1${a#a}" "${OWN[@]}"
done
for a in a1 a2 a3; do
	wait_for_line "$WORK/$a.log" "argos: ready" 60 ||
		{ cat "$WORK/$a.log" >&2; die "appliance $a did not start"; }
done
owners() {   # "a1:342 a2:341 a3:341": who holds how many buckets
	psql_q "SELECT coalesce(owner, '-') || ':' || count(*) FROM device_buckets
		WHERE poller_group = 'default' GROUP BY owner ORDER BY owner" | tr '\n' ' '
}
shared3() {
	[ "$(psql_q "SELECT count(DISTINCT owner) FROM device_buckets WHERE owner IS NOT NULL")" = 3 ] &&
	[ "$(psql_q "SELECT count(*) FROM device_buckets WHERE owner IS NULL")" = 0 ] &&
	[ "$(psql_q "SELECT max(c) - min(c) FROM (SELECT count(*) c FROM device_buckets GROUP BY owner) x")" -le 1 ]
}
wait_until 20 shared3
rc=$?
expect "three appliances share the 1024 buckets fairly within 20 s ($(owners))" \
	"the buckets are not shared by three: $(owners)" [ "$rc" = 0 ]
sleep $((PERIOD * 3))

# Changes through the database, each at the device's next poll.
psql_q "UPDATE devices SET snmp_community = 'wrong' WHERE hostname = 'farm7'" >/dev/null
psql_q "DELETE FROM devices WHERE hostname = 'farm8'" >/dev/null
t_del=$(now_ms)
psql_q "INSERT INTO devices (hostname, ip_address, snmp_timeout, snmp_retries, polling_frequency,
	ping_frequency) VALUES ('newcomer', '198.19.20.1', 1, 1, $PERIOD, 0)" >/dev/null
psql_q "INSERT INTO devices (hostname, ip_address, snmp_timeout, snmp_retries, polling_frequency,
	ping_frequency) VALUES ('rare', '198.19.20.2', 1, 1, 3600, 0)" >/dev/null
wrong_reported() {
	[ "$(psql_q "SELECT count(*) FROM reports r JOIN devices d ON d.id = r.device_id
		WHERE d.hostname = 'farm7'")" -ge 1 ]
}
wait_until $((PERIOD + 5)) wrong_reported
rc=$?
expect "a community changed in the table fails farm7's next poll (a report within $((PERIOD + 5)) s)" \
	"farm7's wrong community never showed in reports" [ "$rc" = 0 ]
rare_polled() {
	[ "$(psql_q "SELECT count(*) FROM devices WHERE hostname = 'rare' AND last_polled_at IS NOT NULL")" = 1 ]
}
wait_until 10 rare_polled
rc=$?
expect "a device inserted in the table is polled within 10 s" "the inserted device 'rare' was not polled" [ "$rc" = 0 ]
rare_id=$(psql_q "SELECT id FROM devices WHERE hostname = 'rare'")
psql_q "NOTIFY argos_poll_now, '$rare_id'" >/dev/null
t_now=$(now_ms)

# Postgres restarts under the three: they pause once their leases cannot
# be renewed, keep their buckets when it is back (nobody else could take
# them), and write what they polled meanwhile.
before_restart=$(owners)
pg_stop fast
sleep 3
pg_start
t_back=$(psql_q "SELECT extract(epoch FROM clock_timestamp())")
all_written() {
	[ "$(psql_q "SELECT count(*) FROM devices WHERE polling_frequency = $PERIOD
		AND last_polled_at > to_timestamp($t_back)")" -ge $((N - 1)) ]
}
wait_until $((PERIOD * 3)) all_written
rc=$?
expect "after a Postgres restart every device's last_polled_at moves on again within $((PERIOD * 3)) s" \
	"after the restart only $(psql_q "SELECT count(*) FROM devices WHERE last_polled_at > to_timestamp($t_back)") devices were written" [ "$rc" = 0 ]
check "no appliance took another's buckets across the restart ($before_restart)" \
	holds '! grep -q "taken by other appliances" "$WORK"/a?.log'
check "the buckets stay where they were across the restart ($before_restart)" \
	holds '[ -n "$before_restart" ] && [ "$(owners)" = "$before_restart" ]'

# kill -9 one appliance; the farm marks who polled what at that instant.
argos_pid=$(pgrep -P "$PID_a3" -x argos)
[ -n "$argos_pid" ] || die "cannot find appliance a3's argos"
kill -9 "$argos_pid"
farm_signal USR1
t_kill=$(now_ms)
sleep 12
shared2() {
	[ "$(psql_q "SELECT count(*) FROM device_buckets WHERE owner IN ('a1', 'a2')")" = 1024 ]
}
expect "the survivors hold every bucket 12 s after the kill ($(owners))" \
	"after the kill: $(owners)" shared2
start_appliance a4 198.19.255.14 "${OWN[@]}"
wait_for_line "$WORK/a4.log" "argos: ready" 60 || { cat "$WORK/a4.log" >&2; die "a4 did not start"; }
t_join=$(now_ms)
joined() {
	[ "$(psql_q "SELECT count(*) FROM device_buckets WHERE owner = 'a4'")" -ge 340 ]
}
wait_until 10 joined
rc=$?
expect "a joining appliance takes its fair share within 10 s ($(owners))" \
	"a4 has not taken a third within 10 s: $(owners)" [ "$rc" = 0 ]
sleep $((PERIOD * 3))
final_owners=$(owners)
t_end=$(now_ms)
for a in a1 a2 a4; do kill -TERM "$(eval echo \$PID_$a)"; done
for a in a1 a2 a4; do wait "$(eval echo \$PID_$a)"; eval "rc_$a=$?"; done
check "the three appliances exit 0 on SIGTERM ($rc_a1 $rc_a2 $rc_a4)" \
	[ "$rc_a1" = 0 -a "$rc_a2" = 0 -a "$rc_a4" = 0 ]
check "after their exit every bucket is free again" \
	[ "$(psql_q "SELECT count(*) FROM device_buckets WHERE owner IS NOT NULL")" = 0 ]
farm_stop
[ -s "$PLOG" ] || die "the farm wrote no poll log"

# The farm's view.  Its clock starts with the farm; map ours onto it by
# the mark (SIGUSR1 at the kill).
python3 - "$PLOG" "$N" "$PERIOD" "$((t_join - t_kill))" "$((t_end - t_kill))" \
	"$((t_now - t_kill))" "$((t_del - t_kill))" >"$WORK/verdict" 2>"$WORK/overlapped" <<'PY'
import sys
path, n, period = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) * 1000
join_ms, end_ms, now_ms, del_ms = (int(x) for x in sys.argv[4:8])
lines = open(path).read().splitlines()
head = lines[0].split()
mark = int(head[head.index("mark_ms") + 1])
cols = lines[1].split()
rows = {}
for l in lines[2:]:
    f = dict(zip(cols, l.split()))
    rows[f["ip"]] = f
def ip(i):   # farm device i of the table: 198.19.0.0 + i
    return "198.19.%d.%d" % (i >> 8, i & 255)
never = [i for i in range(1, n + 1) if i != 8 and int(rows.get(ip(i), {}).get("polls", 0)) == 0]
overlaps = sum(int(f["overlaps"]) for f in rows.values())
# The longest gap between two polls of a device: a period, plus at most
# the 10 s hand-over of a killed appliance and a period of spread.
bound = 2 * period + 10000
gaps = sorted((int(f["max_poll_gap_ms"]), f["ip"]) for ip_, f in rows.items()
              if ip_.startswith("198.19.") and not ip_.startswith("198.19.20."))
worst = gaps[-1] if gaps else (0, "-")
# Devices last polled by the dead appliance: their first poll after the kill.
after = [int(f["mark_poll_ms"]) - mark for f in rows.values()
         if f.get("mark_poll_ms", "-1") != "-1"]
missing_after = [f["ip"] for f in rows.values() if f.get("mark_poll_ms", "-1") == "-1"
                 and not f["ip"].startswith("198.19.20.") and f["ip"] != ip(8)]
deleted = rows.get(ip(8))
newcomer = rows.get("198.19.20.1")
rare = rows.get("198.19.20.2")
for f in rows.values():
    if int(f["overlaps"]):
        print("overlapped", " ".join(f[c] for c in cols), file=sys.stderr)
print("never", len(never))
print("overlaps", overlaps)
print("worst_gap_ms", worst[0], worst[1], "bound", bound)
print("repoll_after_kill_max_ms", max(after) if after else -1)
print("not_polled_after_kill", len(missing_after))
print("deleted_last_after_delete_ms", (int(deleted["last_ms"]) - mark - del_ms) if deleted else "none")
print("newcomer_polls", newcomer["polls"] if newcomer else 0)
print("rare_polls", rare["polls"] if rare else 0)
PY
cat "$WORK/verdict"
head -n 20 "$WORK/overlapped"
v() { awk -v k="$1" '$1 == k { print $2 }' "$WORK/verdict"; }
check "the farm saw every device polled (never polled: $(v never))" [ "$(v never)" = 0 ]
check "no device was polled by two appliances at once (overlaps: $(v overlaps))" [ "$(v overlaps)" = 0 ]
worst=$(v worst_gap_ms)
check "every device was polled in every period: the longest gap $worst ms is within a period, a spread and the 10 s hand-over" \
	[ "$worst" -le $((2 * PERIOD * 1000 + 10000)) ]
check "every device was polled again after the kill ($(v not_polled_after_kill) not)" \
	[ "$(v not_polled_after_kill)" = 0 ]
repoll=$(v repoll_after_kill_max_ms)
check "after kill -9 every device was polled again within 10 s ($repoll ms after the kill)" \
	[ "$repoll" -ge 0 -a "$repoll" -le 10000 ]
dl=$(v deleted_last_after_delete_ms)
check "a deleted device is polled no more after its next due time (last request $dl ms after the DELETE)" \
	holds '[ "$dl" = none ] || [ "$dl" -le $((PERIOD * 1000)) ]'
check "a device inserted in the table is polled ($(v newcomer_polls) polls)" [ "$(v newcomer_polls)" -ge 2 ]
check "NOTIFY argos_poll_now polled a device due in an hour ($(v rare_polls) polls)" [ "$(v rare_polls)" -ge 2 ]
echo "$TEST: owners before the stop: $final_owners"
finish
