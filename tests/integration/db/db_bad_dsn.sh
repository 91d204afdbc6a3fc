#!/usr/bin/env bash
# db_bad_dsn: a DSN that does not parse, or a database that does not
# answer, stops the appliance at start with a clear message and exit
# status 1; the password written in the DSN appears in no output.
TEST=db_bad_dsn
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/pg.sh"
[ -x "$DB_APPLIANCE" ] || die "$DB_APPLIANCE is not built: run ninja -C build-db"
SECRET='Sw0rdf1shXq'

run_bad() {   # run_bad NAME DSN: exit code into $WORK/NAME.rc, output into NAME.out
	timeout 30 "$DB_APPLIANCE" --dsn "$2" --duration 1 >"$WORK/$1.out" 2>&1
	echo $? >"$WORK/$1.rc"
}

# refused NAME WHAT ERE: the run NAME was refused as documented (exit 1,
# as argos: db_appliance.c) with a message matching ERE, and without the
# password.
refused() {
	local rc; rc=$(cat "$WORK/$1.rc")
	expect "$2: refused at start with exit 1, saying /$3/" \
		"$2: not refused as documented: $(cat "$WORK/$1.out")" \
		is_refusal 1 "$3" "$rc" "$WORK/$1.out"
	expect "$2: the password is not shown" \
		"$2: the password appears in the output: $(cat "$WORK/$1.out")" \
		absent "$SECRET" "$WORK/$1.out"
}

run_bad url_garbage "postgresql://argos:$SECRET@[::1/argos"
refused url_garbage "a URL that does not parse" "db_appliance: --dsn .*: not a libpq URL"
run_bad kv_garbage "host=/tmp password=$SECRET dbname"
refused kv_garbage "a key=value string that does not parse" "db_appliance: --dsn .*: not a libpq URL"
run_bad kv_unknown "host=/tmp password='$SECRET' colour=blue"
refused kv_unknown "an unknown key" "db_appliance: --dsn .*colour"
# Nothing listens on 55439: connection refused at once.
run_bad refused "postgresql://argos:$SECRET@127.0.0.1:55439/argos"
refused refused "an unreachable database" "db_appliance: cannot connect to the database"
expect "the refusal names the database without its password" \
	"the redacted DSN is missing: $(cat "$WORK/refused.out")" \
	grep -q "postgresql://argos:\*\*\*@127.0.0.1:55439/argos" "$WORK/refused.out"

pg_up 55433
"$DB_APPLIANCE" --dsn "$DSN" --migrate >/dev/null 2>&1 || die "--migrate failed"
psql_q "ALTER USER postgres PASSWORD '$SECRET'" >/dev/null
run_bad wrong_db "postgresql://postgres:$SECRET@/nosuchdb?host=$PGRUN&port=$PGPORT_USED"
refused wrong_db "a database that does not exist" "db_appliance: cannot connect to the database .*nosuchdb"
run_bad wrong_lock "postgresql://postgres:$SECRET@/argos?host=$PGRUN&port=$PGPORT_USED&password=$SECRET"
expect "a good DSN with its password still starts" \
	"the appliance did not start with a good DSN: $(cat "$WORK/wrong_lock.out")" \
	[ "$(cat "$WORK/wrong_lock.rc")" = 0 ]
"$DB_APPLIANCE" --dsn "$DSN" --lock-id 7 --lock-dsn "postgresql://x:$SECRET@/argos?host=/nonexistent" \
	--duration 2 >"$WORK/lockdsn.out" 2>&1
expect "a lock session that cannot connect is logged without its password" \
	"the HA message shows the password or is missing: $(cat "$WORK/lockdsn.out")" \
	holds 'grep -q "HA lock session" "$WORK/lockdsn.out" && absent "$SECRET" "$WORK/lockdsn.out"'
finish
