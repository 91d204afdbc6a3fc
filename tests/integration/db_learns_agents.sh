#!/usr/bin/env bash
# db_learns_agents.sh - in DB mode, the columns of migration 005 drive
# the polls and hold what argos learnt, against scripted agents
# (bending_agent.py, namespace argos-dbag on the testbed's switch) and a
# Postgres of this test:
#
#   tb (tooBig above 4, snmp_max_repetitions 20): snmp_learnt_max_repetitions
#      is written back (2); the next claim reads it (set to 1 by hand
#      between polls, the next poll asks for 1); changing
#      snmp_max_repetitions resets it (trigger).
#   alt (answers only community "alt"; snmp_alternate_community 'alt'):
#      snmp_alternate_in_use becomes true; later polls ask alt first.
#   os / os-off (replies from another address): snmp_allow_other_source
#      polls; without it the report says wrong-source, and setting the
#      column through the device API (/d/update) makes the next poll good.
#   nb (no GETBULK; snmp_disable_bulk): polled with GETNEXT only.
#   ord (table out of order; snmp_allow_nonincreasing_oids), hole
#      (exceptions mid-table; snmp_walk_past_exceptions): polled well.
#
# Needs root, hugepages, build/argos, Postgres 15; brings the testbed up
# if it is not (and down again only then).
set -uo pipefail
TEST=db_learns_agents
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/db/pg.sh"
source "$(dirname "$0")/agent_ns.sh"

NS=argos-dbag
SWPORT=dbag
HTTP_PORT=19127

cleanup_test() {
	agent_stop_all
	agent_ns_down "$NS" "$SWPORT"
	pg_cleanup
}
trap cleanup_test EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

need_root_and_argos
command -v python3 >/dev/null || die "python3 is not installed"
testbed_up
pg_up 55441

agent_ns_up "$NS" "$SWPORT" 198.18.0.100 198.18.0.101 198.18.0.102 198.18.0.103 \
	198.18.0.104 198.18.0.105 198.18.0.106 198.18.0.107
# The if-mib profile walks system, ifTable, ifXTable: the table is ifTable.
agent_start agent ip netns exec "$NS" python3 "$ROOT/tests/integration/bending_agent.py" \
	--serve 198.18.0.101=toobig-above:4 --serve 198.18.0.102=alt-community:alt \
	--serve 198.18.0.103=other-source --serve 198.18.0.104=other-source \
	--serve 198.18.0.105=no-bulk --serve 198.18.0.106=unordered --serve 198.18.0.107=holes \
	--other-address 198.18.0.100 --root 1.3.6.1.2.1.2.2.1 --rows 12 \
	--max-seconds 80 --max-requests 20000
wait_for_line "$WORK/agent.log" "ready:" 5 ||
	die "bending_agent.py did not start: $(cat "$WORK/agent.log")"

"$ARGOS" -- --dsn "$DSN" --migrate >"$WORK/migrate.log" 2>&1 ||
	{ cat "$WORK/migrate.log" >&2; die "argos --migrate failed"; }
psql_q "INSERT INTO devices (hostname, ip_address, snmp_timeout, snmp_retries,
		snmp_max_repetitions, polling_frequency, snmp_alternate_community, snmp_disable_bulk,
		snmp_allow_other_source, snmp_allow_nonincreasing_oids, snmp_walk_past_exceptions)
	VALUES ('tb', '198.18.0.101', 1, 1, 20, 3, '', false, false, false, false),
	       ('alt', '198.18.0.102', 1, 1, 10, 3, 'alt', false, false, false, false),
	       ('os', '198.18.0.103', 1, 1, 10, 3, '', false, true, false, false),
	       ('os-off', '198.18.0.104', 1, 0, 10, 3, '', false, false, false, false),
	       ('nb', '198.18.0.105', 1, 1, 10, 3, '', true, false, false, false),
	       ('ord', '198.18.0.106', 1, 1, 10, 3, '', false, false, true, false),
	       ('hole', '198.18.0.107', 1, 1, 5, 3, '', false, false, false, true)" >/dev/null ||
	die "cannot insert the devices (is migration 005 applied?)"

(umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/token")
timeout -k 5 90 "$ARGOS" -l 0,1 --file-prefix dbag --no-pci --huge-unlink \
	--vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 --gateway 198.18.0.1 \
	--dsn "$DSN" --db-snmp-freq 0.5 --db-ping-freq 0 --db-write-lag 1 --listen "127.0.0.1:$HTTP_PORT" \
	--api-token-file "$WORK/token" --output "$WORK/out.jsonl" >"$WORK/argos.log" 2>&1 &
ARGOS_PID=$!
CHILDREN+=($ARGOS_PID)
wait_for_line "$WORK/argos.log" "argos: ready" 30 ||
	{ cat "$WORK/argos.log" >&2; die "argos did not start in DB mode"; }

col() {   # col HOST COLUMN: the column's value
	psql_q "SELECT $2 FROM devices WHERE hostname = '$1'"
}
wait_until() {   # wait_until S command...: poll a condition every 0.2 s
	local s=$1 i; shift
	for ((i = 0; i < s * 5; i++)); do "$@" && return 0; sleep 0.2; done
	return 1
}
is() { [ "$(col "$1" "$2")" = "$3" ]; }

expect "tb: snmp_learnt_max_repetitions is written back: 20 -> 10 -> 5 -> 2 on tooBig" \
	"tb: snmp_learnt_max_repetitions is '$(col tb snmp_learnt_max_repetitions)' after 10 s, want 2" \
	wait_until 10 is tb snmp_learnt_max_repetitions 2
# What argos learnt lives in its memory (own mode) and is written back;
# a new ceiling resets it (the table's trigger empties the column, and
# argos, told by NOTIFY, starts its next poll from the new ceiling).
seen=$(wc -l <"$WORK/agent.log")
after=$(psql_q "UPDATE devices SET snmp_max_repetitions = 15 WHERE hostname = 'tb'
	RETURNING coalesce(snmp_learnt_max_repetitions::text, 'NULL')")
expect "tb: a new snmp_max_repetitions resets what was learnt (trigger)" \
	"tb: snmp_learnt_max_repetitions is '$after' after snmp_max_repetitions changed, want NULL" \
	[ "$after" = NULL ]
asked_15() {   # a GETBULK of 15 since the update (the agent then halves it again)
	tail -n +"$((seen + 1))" "$WORK/agent.log" | grep 'to 198.18.0.101 .*GETBULK' | grep -q 'max-rep=15 '
}
expect "tb: the next poll starts from the new ceiling: it asks for 15" \
	"tb: no GETBULK of 15 repetitions after the ceiling was set to 15" wait_until 10 asked_15

expect "alt: snmp_alternate_in_use becomes true once the alternate answered" \
	"alt: snmp_alternate_in_use is '$(col alt snmp_alternate_in_use)'" \
	wait_until 10 is alt snmp_alternate_in_use t
two_polls() { [ "$(grep -c 'to 198.18.0.102 .*GETBULK .*community=alt max-rep=10 oid=1.3.6.1.2.1.1 ' "$WORK/agent.log")" -ge 2 ]; }
wait_until 10 two_polls
n_public=$(grep -c 'to 198.18.0.102 .*community=public' "$WORK/agent.log")
expect "alt: public was asked only by the first poll (2 attempts), later polls start with alt" \
	"alt: public was asked $n_public times, want 2" [ "$n_public" = 2 ]

for h in os nb ord hole; do
	expect "$h: polled well through its opt-in column" \
		"$h: last_poll_ok is '$(col $h last_poll_ok)', reports: $(psql_q "SELECT string_agg(poll_error, ',') FROM reports r JOIN devices d ON d.id = r.device_id WHERE d.hostname = '$h'")" \
		wait_until 10 is "$h" last_poll_ok t
done
n_bulk=$(grep -c 'to 198.18.0.105 .*GETBULK' "$WORK/agent.log")
expect "nb: snmp_disable_bulk: the agent saw no GETBULK" "nb: the agent saw $n_bulk GETBULKs" \
	[ "$n_bulk" = 0 ]
reported() { [ "$(psql_q "SELECT count(*) FROM reports r JOIN devices d ON d.id = r.device_id
	WHERE d.hostname = 'os-off' AND poll_error = 'wrong-source'")" -ge 1 ]; }
expect "os-off: without snmp_allow_other_source the report says wrong-source" \
	"os-off: no wrong-source report: $(psql_q "SELECT string_agg(poll_error, ',') FROM reports r JOIN devices d ON d.id = r.device_id WHERE d.hostname = 'os-off'")" \
	wait_until 10 reported
id=$(col os-off id)
curl -s -X POST -H 'Content-Type: application/json' \
	-H "Authorization: Bearer $(cat "$WORK/token")" -d "{\"id\": $id, \"snmp_allow_other_source\": true}" \
	"http://127.0.0.1:$HTTP_PORT/d/update" >"$WORK/update.json"
check "the device API sets snmp_allow_other_source ($(head -c 100 "$WORK/update.json"))" \
	is os-off snmp_allow_other_source t
expect "os-off: once set, its next poll is good" "os-off: still failing after the column was set" \
	wait_until 10 is os-off last_poll_ok t

kill -TERM "$ARGOS_PID"
wait "$ARGOS_PID"
rc=$?
expect "argos exits 0 on SIGTERM" "argos exited $rc (log: $(tail -3 "$WORK/argos.log" | tr '\n' ' '))" \
	[ "$rc" = 0 ]
finish
