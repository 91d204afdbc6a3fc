# farm_db.sh - argos appliances in DB mode against the device farm.
# Sourced after tests/integration/lib.sh, db/pg.sh and farm/farm_lib.sh.

# farm_db_up PGPORT N TIMEOUT RETRIES FREQ: the farm (one interface per
# device), a migrated Postgres on PGPORT and N farm devices from
# 198.19.0.1 on, all due now, with that SNMP timeout (s), retries and
# polling frequency (s), never pinged.  FARM_DB_OPTS: more farm options.
farm_db_up() {
	farm_net_up
	farm_start farm --interfaces 1 --idle-sleep-us 50 ${FARM_DB_OPTS:-}
	pg_up "$1"
	"$ARGOS" -- --dsn "$DSN" --migrate >"$WORK/migrate.log" 2>&1 ||
		{ cat "$WORK/migrate.log" >&2; die "argos --migrate failed"; }
	psql_q "INSERT INTO devices (hostname, ip_address, snmp_timeout, snmp_retries,
			polling_frequency, ping_frequency)
		SELECT 'farm' || g, ('198.19.0.0'::inet + g)::inet, $3, $4, $5, 0
		FROM generate_series(1, $2) g" >/dev/null || die "cannot insert the devices"
}

# start_appliance NAME IP [argos options...]: argos in DB mode on the
# farm's link, owning IP, SNMP claims every second; its log in
# $WORK/NAME.log, its pid (timeout's) in PID_NAME.  Appliances share
# the host end of the link; each owns its address.
start_appliance() {
	local name=$1 ip=$2; shift 2
	timeout -k 5 120 "$ARGOS" --lcores=0@0,1@1 --file-prefix "db$name" -m 512 \
		--vdev "net_af_packet0,iface=$FARM_HOST_IF,framecnt=$FARM_FRAMES" -- \
		--ip "$ip/24" --gateway "$FARM_IP" --dsn "$DSN" --appliance-name "$name" \
		--db-snmp-freq 1 --db-ping-freq 0 --db-write-lag 1 "$@" >"$WORK/$name.log" 2>&1 &
	CHILDREN+=($!)
	eval "PID_$name=$!"
}
