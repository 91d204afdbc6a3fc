# pg.sh - a throwaway Postgres 15 cluster for one DB test, sourced after
# tests/integration/lib.sh.  pg_up PORT starts it (unix socket only, in
# $WORK), pg_down stops it; cleanup on EXIT removes it whatever happens.
# psql_q runs one query and prints the bare result.

PGBIN=/usr/lib/postgresql/15/bin
DB_APPLIANCE=${DB_APPLIANCE:-$ROOT/build-db/tests/integration/db/db_appliance}
PGPORT_USED=
PGDATA_DIR=
CHILDREN=()

# DB_TEST_PORT_SHIFT moves every test's port (pg_up PORT+SHIFT), so two
# people can run the suite side by side.
pg_up() {   # pg_up PORT
	PGPORT_USED=$(($1 + ${DB_TEST_PORT_SHIFT:-0}))
	PGRUN=$WORK/pgrun   # socket, log and data: the postgres user writes here
	PGDATA_DIR=$PGRUN/data
	[ -x "$PGBIN/initdb" ] || die "Postgres 15 is not installed ($PGBIN/initdb missing): run scripts/install-deps"
	[ -x "$DB_APPLIANCE" ] || die "$DB_APPLIANCE is not built: run ninja -C build-db"
	chmod 755 "$WORK"
	mkdir -p "$PGDATA_DIR" && chown -R postgres "$PGRUN"
	su postgres -c "$PGBIN/initdb -A trust -U postgres -D $PGDATA_DIR" >"$WORK/initdb.log" 2>&1 ||
		{ cat "$WORK/initdb.log" >&2; die "initdb failed"; }
	pg_start
	su postgres -c "$PGBIN/psql -h $PGRUN -p $PGPORT_USED -U postgres -qc 'CREATE DATABASE argos'" ||
		die "cannot create the argos database"
	DSN="postgresql://postgres@/argos?host=$PGRUN&port=$PGPORT_USED"
}

pg_start() {
	su postgres -c "$PGBIN/pg_ctl -D $PGDATA_DIR -l $PGRUN/pg.log -w -t 120 \
		-o \"-p $PGPORT_USED -k $PGRUN -c listen_addresses='' -c max_connections=50 -c fsync=off\" start" \
		>/dev/null || { tail -n 40 "$PGRUN/pg.log" >&2; die "postgres did not start on port $PGPORT_USED within 120 s (its log is above)"; }
}

pg_stop() {   # pg_stop [MODE]
	su postgres -c "$PGBIN/pg_ctl -D $PGDATA_DIR -m ${1:-fast} -w -t 30 stop" >/dev/null 2>&1
}

psql_q() {   # psql_q SQL: unaligned, tuples only
	"$PGBIN/psql" -h "$PGRUN" -p "$PGPORT_USED" -U postgres -d argos -XAtqc "$1"
}

# Run a driver in the background: spawn NAME args...; its log in $WORK/NAME.log.
spawn() {
	local name=$1; shift
	timeout -k 5 "${DB_TIMEOUT:-120}" "$DB_APPLIANCE" --log "$WORK/$name.log" "$@" \
		2>"$WORK/$name.err" &
	CHILDREN+=($!)
	eval "PID_$name=$!"
}

# Wait up to S seconds for a pattern in a file.
wait_for_line() {   # wait_for_line FILE PATTERN S
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

pg_cleanup() {
	local p
	for p in "${CHILDREN[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "$PGDATA_DIR" ] && pg_stop immediate
	cleanup
}
trap pg_cleanup EXIT

# N devices on 198.18.x.y, all due now, polled every FREQ seconds.
seed_devices() {   # seed_devices N FREQ [PING_FREQ]
	psql_q "INSERT INTO devices (hostname, ip_address, polling_frequency, ping_frequency)
		SELECT 'dev' || g, ('198.18.0.0'::inet + g)::inet, $2, ${3:-0}
		FROM generate_series(1, $1) g" >/dev/null
}
