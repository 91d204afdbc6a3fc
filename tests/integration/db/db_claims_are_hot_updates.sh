#!/usr/bin/env bash
# db_claims_are_hot_updates: a database deployed at schema 3 with
# devices in it upgrades to the current schema without losing a device, its tags become
# the claim's labels, and from then on a claim touches no index: every
# claimed row is a HOT update, the write-back is the one full update.
TEST=db_claims_are_hot_updates
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/pg.sh"
[ "$(id -u)" = 0 ] || die "must run as root (initdb runs as the postgres user)"
pg_up 55438
MIG=$ROOT/controlplane/db/migrations
N=2000

# A database as argos of schema 3 left it: 001-003 applied, recorded,
# devices with tags.
psql_q "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now())" >/dev/null || die "cannot create schema_migrations"
for f in 001_schema 002_if_mib_profile 003_notify; do
	"$PGBIN/psql" -h "$PGRUN" -p "$PGPORT_USED" -U postgres -d argos -XAtq -v ON_ERROR_STOP=1 \
		-1 -f "$MIG/$f.sql" >"$WORK/$f.out" 2>&1 || die "migration $f does not apply: $(cat "$WORK/$f.out")"
	psql_q "INSERT INTO schema_migrations VALUES (${f%%_*}, '${f#*_}')" >/dev/null
done
psql_q "INSERT INTO devices (hostname, ip_address, polling_frequency, tags)
	SELECT 'dev' || g, '198.18.0.0'::inet + g, 300,
	       CASE WHEN g % 2 = 0 THEN '{\"site\": \"par1\", \"rack\": \"r' || g || '\"}' ELSE '{}' END::jsonb
	FROM generate_series(1, $N) g" >/dev/null || die "cannot seed the schema-3 devices"

"$DB_APPLIANCE" --dsn "$DSN" --migrate >"$WORK/migrate.out" 2>&1
later=$(($(ls "$MIG"/*.sql | wc -l) - 3))   # 004 and every migration after it
expect "--migrate takes a schema-3 database with devices to the current schema ($later applied)" \
	"--migrate failed on a schema-3 database: $(cat "$WORK/migrate.out")" \
	grep -q "($later applied now)" "$WORK/migrate.out"
kept=$(psql_q "SELECT count(*) FROM devices")
expect "no device is lost by the upgrade" "$kept devices after the upgrade, $N before" [ "$kept" = "$N" ]
bad=$(psql_q "SELECT count(*) FROM devices WHERE labels IS DISTINCT FROM
	CASE WHEN id % 2 = 0 THEN 'rack' || E'\x1f' || 'r' || id || E'\x1e' || 'site' || E'\x1f' || 'par1'
	ELSE '' END")
expect "the upgrade turns every device's tags into its labels" \
	"$bad devices have labels that do not match their tags" [ "$bad" = 0 ]
psql_q "UPDATE devices SET tags = '{\"k\": \"v\"}' WHERE id = 1" >/dev/null
lab=$(psql_q "SELECT replace(labels, E'\x1f', '=') FROM devices WHERE id = 1")
expect "an operator's change of tags changes the labels" "tags set to {k: v} gave labels '$lab'" \
	[ "$lab" = "k=v" ]
ff=$(psql_q "SELECT array_to_string(reloptions, ',') FROM pg_class WHERE relname = 'devices'")
expect "devices keeps 60% of each page free for the claims' new row versions" \
	"devices has reloptions '$ff', not fillfactor=40" [ "$ff" = "fillfactor=40" ]

# Claims only (polls outlast the run), so each claim is one row update;
# the stop writes the results back.  The counters are read after the
# appliance's session ended, when Postgres has flushed them.
psql_q "SELECT pg_stat_reset()" >/dev/null
"$DB_APPLIANCE" --dsn "$DSN" --appliance-name hot --capacity "$N" --db-snmp-freq 0.5 --db-ping-freq 0 \
	--poll-ms 60000:60000 --duration 3 --log "$WORK/hot.log" 2>"$WORK/hot.err"
rc=$?
expect "the appliance claimed and stopped cleanly" "the appliance failed (exit $rc): $(tail -3 "$WORK/hot.err")" \
	[ "$rc" = 0 ]
claimed=$(grep -c ' claim snmp ' "$WORK/hot.log")
sleep 1
read -r upd hot <<<"$(psql_q "SELECT n_tup_upd || ' ' || n_tup_hot_upd FROM pg_stat_user_tables
	WHERE relname = 'devices'")"
expect "the appliance claimed every device ($claimed)" "$claimed of $N devices claimed" [ "$claimed" = "$N" ]
expect "every claim was a HOT update ($hot HOT of $upd row updates for $claimed claims)" \
	"only $hot of $upd row updates were HOT for $claimed claims: a claim touched an index" \
	[ "$hot" -ge "$claimed" ]
left=$(psql_q "SELECT count(*) FROM devices WHERE is_polling OR claim_owner IS NOT NULL")
expect "no lease is left after the stop" "$left devices still leased after a clean stop" [ "$left" = 0 ]
finish
