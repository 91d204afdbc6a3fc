#!/usr/bin/env bash
# db_reconnect_gives_back_leases.sh - a claim whose reply a lost
# Postgres session never delivered must not leave its device unpolled
# until the lease lapses (issue 12).  argos polls 'ghost' every 4 s; the
# test then writes, between two polls, what such a claim leaves behind
# (ghost leased to argos for 10 minutes, a poll argos knows nothing of)
# and kills argos's session with pg_terminate_backend.  After the
# reconnect argos must give back every lease under its name that no poll
# of its holds: ghost is polled again within one polling interval (plus
# the reconnect), and the devices argos does poll keep their leases.
set -uo pipefail
TEST=db_reconnect_gives_back_leases
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/db/pg.sh"
need_root_and_argos

testbed_up
pg_up 55449
"$ARGOS" -- --dsn "$DSN" --migrate >"$WORK/migrate.log" 2>&1 ||
	{ cat "$WORK/migrate.log" >&2; die "argos --migrate failed"; }
psql_q "INSERT INTO devices (hostname, ip_address, snmp_community, snmp_timeout, snmp_retries,
		polling_frequency, ping_frequency)
	VALUES ('ghost', '198.18.0.14', 'public', 1, 0, 4, 0),
	       ('h1', '198.18.0.11', 'public', 1, 0, 4, 0)" >/dev/null ||
	die "cannot insert the devices"

timeout -k 5 90 "$ARGOS" -l 0,1 --file-prefix dbrk -m 512 --no-pci --huge-unlink \
	--vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 --gateway 198.18.0.1 \
	--dsn "$DSN" --appliance-name rk --db-mode claim --db-snmp-freq 1 --db-ping-freq 0 \
	--output "$WORK/out.jsonl" >"$WORK/argos.log" 2>&1 &
ARGOS_PID=$!
CHILDREN+=($ARGOS_PID)
wait_for_line "$WORK/argos.log" "argos: ready" 30 ||
	{ tail -5 "$WORK/argos.log" >&2; die "argos did not start in DB mode"; }

polled_at() {   # polled_at HOST: last_polled_at in unix ms, 0: never
	psql_q "SELECT coalesce((extract(epoch FROM last_polled_at) * 1000)::bigint, 0)
		FROM devices WHERE hostname = '$1'"
}
ghost_idle() {   # polled once, and no claim in flight
	[ "$(polled_at ghost)" != 0 ] &&
		[ "$(psql_q "SELECT is_polling FROM devices WHERE hostname = 'ghost'")" = f ]
}
wait_until 20 ghost_idle || die "ghost was never polled, or never left its claim (log: $(tail -3 "$WORK/argos.log" | tr '\n' ' '))"

# What a claim committed just before the session died leaves: ghost
# leased to argos for 10 minutes, and argos never heard of it.
t0=$(polled_at ghost)
n=$(psql_q "UPDATE devices SET is_polling = true, claim_owner = 'rk',
		claim_until = now() + interval '10 minutes'
	WHERE hostname = 'ghost' AND NOT is_polling RETURNING 1" | grep -c 1)
[ "$n" = 1 ] || die "could not lease ghost as a lost claim would"
t_kill=$(now_ms)
k=$(psql_q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
	WHERE application_name = 'argos rk'")
check "argos's DB session was killed ($k)" [ "$k" -ge 1 ]

ghost_again() { [ "$(polled_at ghost)" -gt "$t0" ]; }
wait_until 20 ghost_again
t_again=$(polled_at ghost)
[ "$t_again" -gt "$t0" ] || t_again=none
expect "after the reconnect ghost is polled again within its interval (4 s) plus the reconnect (3 s)" \
	"ghost waited for its lease (log: $(grep 'argos:' "$WORK/argos.log" | tail -3 | tr '\n' ' '))" \
	within_ms 7000 "$t_kill" "$t_again"
check "argos says it gave back the lease no poll of its held" \
	grep -q "after the reconnect: gave back 1 leases" "$WORK/argos.log"
sleep 5
check "h1, which argos polls, was polled after the reconnect too" \
	[ "$(polled_at h1)" -gt "$t_kill" ]

kill -TERM $ARGOS_PID
wait $ARGOS_PID
rc=$?
check "argos exits 0 on SIGTERM (got $rc)" [ $rc = 0 ]
check "no device is left leased to argos" \
	[ "$(psql_q "SELECT count(*) FROM devices WHERE claim_owner = 'rk' OR is_polling")" = 0 ]
finish
