#!/usr/bin/env bash
# db_migrations: --migrate creates the schema on an empty database, a
# second --migrate changes nothing, two at once are safe, and an
# appliance started against an unmigrated database refuses clearly.
TEST=db_migrations
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/pg.sh"
[ "$(id -u)" = 0 ] || die "must run as root (initdb runs as the postgres user)"
pg_up 55432

# A refusal is exit 1 with the reason (db_appliance.c, as argos itself);
# --duration 1 makes an appliance that wrongly starts exit 0.
expect_refusal "an appliance refuses an unmigrated database and says to run --migrate" \
	1 'db_appliance: the database has no argos schema: run argos with --dsn \.\.\. --migrate first' \
	timeout 30 "$DB_APPLIANCE" --dsn "$DSN" --duration 1

"$DB_APPLIANCE" --dsn "$DSN" --migrate >"$WORK/m1.out" 2>&1 &
p1=$!
"$DB_APPLIANCE" --dsn "$DSN" --migrate >"$WORK/m2.out" 2>&1 &
p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
expect "two --migrate at once both succeed" \
	"concurrent --migrate failed ($r1/$r2): $(cat "$WORK/m1.out" "$WORK/m2.out")" \
	[ "$r1" -eq 0 -a "$r2" -eq 0 ]
want=$(ls "$ROOT"/controlplane/db/migrations/*.sql | wc -l)
got=$(psql_q "SELECT count(*) || ':' || max(version) FROM schema_migrations")
expect "each migration is recorded once" \
	"schema_migrations holds $got, expected $want:$want" [ "$got" = "$want:$want" ]

"$DB_APPLIANCE" --dsn "$DSN" --migrate >"$WORK/m3.out" 2>&1
rc=$?
expect "a second --migrate is a no-op (exit 0, 0 applied now)" \
	"a second --migrate failed ($(status_name "$rc")): $(cat "$WORK/m3.out")" \
	holds '[ "$rc" = 0 ] && grep -q "(0 applied now)" "$WORK/m3.out"'

oids=$(psql_q "SELECT string_agg(walk_oid, ' ' ORDER BY walk_oid) FROM measures m
	JOIN profile_measures pm ON pm.measure_id = m.id WHERE pm.profile_id = 1")
expect "the default profile walks what the built-in if-mib walks" \
	"profile 1 walks '$oids'" [ "$oids" = "1.3.6.1.2.1.1 1.3.6.1.2.1.2.2.1 1.3.6.1.2.1.31.1.1.1" ]
n=$(psql_q "SELECT count(*) FROM metrics WHERE name IN ('sysUpTime','ifDescr','ifName','ifAlias','ifHCInOctets')")
expect "snmp_exporter's if_mib metric names are seeded" "only $n of 5 if_mib names found" [ "$n" = 5 ]

timeout 30 "$DB_APPLIANCE" --dsn "$DSN" --duration 1 >"$WORK/ok.out" 2>&1
rc=$?
expect "an appliance starts on the migrated database and stops after --duration 1 (exit 0)" \
	"start after --migrate failed ($(status_name "$rc")): $(cat "$WORK/ok.out")" [ "$rc" = 0 ]

psql_q "INSERT INTO schema_migrations VALUES (999, 'from_the_future')"
expect_refusal "a schema newer than the binary is refused, saying to upgrade argos" \
	1 'db_appliance: the database schema is at version 999, newer than this argos .*: upgrade argos' \
	timeout 30 "$DB_APPLIANCE" --dsn "$DSN" --duration 1
finish
