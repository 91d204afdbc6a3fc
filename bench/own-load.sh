#!/usr/bin/env bash
# bench/own-load.sh - own mode's control plane with a million devices,
# without the dataplane's share: how long one argos takes to own and
# load N devices from Postgres, its memory per device, what holding them
# costs the database in steady state, and how long a second appliance
# takes to receive its half.  The polls themselves are off
# (--db-snmp-freq 0 --db-ping-freq 0: devices are loaded and kept, no
# job starts), so the figures are the control plane's alone; bench/scale
# measures polling end to end.
#
#   1. N devices in a fresh Postgres 15 (temp dir, port OWN_LOAD_PORT);
#   2. argos a1 in own mode: seconds until /metrics shows all N devices
#      loaded, RSS before the load (at ready) and after, per device;
#   3. steady state (STEADY_S): statements/s (pg_stat_statements) and
#      rows written/s (pg_stat_database) with N devices held;
#   4. argos a2 joins: seconds until each holds 512 buckets and a2 has
#      loaded its half.
#
# usage: bench/own-load.sh [BUILD_DIR] (default build); root.
# env: OWN_LOAD_DEVICES (1000000), OWN_LOAD_STEADY_S (30), OWN_LOAD_PORT
#      (55446), OWN_LOAD_OUT (docs/benchmarks.md, section own-load;
#      "-": print only), OWN_LOAD_PERF (a path: perf record argos and its
#      Postgres backend for 8 s of the load into PATH.argos, PATH.pg)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ARGOS=$BUILD/argos
N=${OWN_LOAD_DEVICES:-1000000}
STEADY_S=${OWN_LOAD_STEADY_S:-30}
PORT=${OWN_LOAD_PORT:-55446}
OUT=${OWN_LOAD_OUT:-docs/benchmarks.md}
PGBIN=/usr/lib/postgresql/15/bin
[ -x "$ARGOS" ] || { echo "own-load: $ARGOS is not built"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "own-load: run as root"; exit 1; }
tmp=$(mktemp -d /tmp/own-load.XXXXXX)
chmod 755 "$tmp"
mkdir "$tmp/pg" && chown postgres "$tmp/pg"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	su postgres -c "$PGBIN/pg_ctl -D $tmp/pg/data -m immediate stop" >/dev/null 2>&1 || true
	ip link del ownl0 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

su postgres -c "$PGBIN/initdb -A trust -U postgres -D $tmp/pg/data" >/dev/null
su postgres -c "$PGBIN/pg_ctl -D $tmp/pg/data -l $tmp/pg/log -w -o \"-p $PORT -k $tmp/pg -c listen_addresses='' -c shared_buffers=1GB -c max_wal_size=4GB -c shared_preload_libraries=pg_stat_statements\" start" >/dev/null
psql() { "$PGBIN/psql" -h "$tmp/pg" -p "$PORT" -U postgres -XAtq "$@"; }
psql -c "CREATE DATABASE argos"
DSN="postgresql://postgres@/argos?host=$tmp/pg&port=$PORT"
q() { psql -d argos -c "$1"; }
"$ARGOS" -- --dsn "$DSN" --migrate >/dev/null
q "CREATE EXTENSION pg_stat_statements"
t0=$(date +%s%3N)
q "INSERT INTO devices (hostname, ip_address, polling_frequency, ping_frequency, tags,
	last_polled_at, last_pinged_at)
   SELECT 'dev' || g, '198.18.0.0'::inet + (g % 131000) + 1, 60, 10, '{\"site\":\"par1\"}',
	now() - (g % 60) * interval '1 second', now() - (g % 10) * interval '1 second'
   FROM generate_series(1, $N) g"
q "VACUUM ANALYZE devices"
echo "own-load: $N devices inserted in $(($(date +%s%3N) - t0)) ms"

# A link for the DPDK port; nothing is sent on it.
ip link add ownl0 type veth peer name ownl1
ip link set ownl0 up
ip link set ownl1 up

start() {   # start NAME CORE HTTP_PORT
	timeout -k 5 900 "$ARGOS" --lcores="0@0,1@1" --file-prefix "ownl$1" -m 512 --no-pci \
		--vdev "net_af_packet$2,iface=ownl$(($2 - 1))" -- --ip "198.19.255.$((100 + $2))/24" \
		--dsn "$DSN" --appliance-name "$1" --db-snmp-freq 0 --db-ping-freq 0 \
		--listen "127.0.0.1:$3" >"$tmp/$1.log" 2>&1 &
	pids+=($!)
}
metric() {   # metric PORT NAME: its value on /metrics
	curl -s "http://127.0.0.1:$1/metrics" | awk -v k="$2" '$1 == k { print $2 }'
}
pid_of() { pgrep -P "$1" -x argos | head -1; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
cp_ticks() {   # cp_ticks PID: CPU ticks of every thread but the DPDK workers
	local t sum=0
	for t in /proc/"$1"/task/*; do
		grep -q '^lcore-worker\|^rte-worker' "$t/comm" && continue
		sum=$((sum + $(awk '{ print $14 + $15 }' "$t/stat")))
	done
	echo "$sum"
}
wait_ready() {   # wait_ready LOG S
	for ((i = 0; i < $2 * 10; i++)); do
		grep -q "argos: ready" "$1" && return 0
		sleep 0.1
	done
	echo "own-load: argos did not start:"; tail -5 "$1"; exit 1
}
wait_metric() {   # wait_metric PORT NAME VALUE S: until NAME >= VALUE
	for ((i = 0; i < $4 * 10; i++)); do
		v=$(metric "$1" "$2")
		[ -n "$v" ] && [ "${v%.*}" -ge "$3" ] && return 0
		sleep 0.1
	done
	echo "own-load: $2 reached only ${v:-nothing} (want $3) in $4 s"; exit 1
}

start a1 1 19180
t_start=$(date +%s%3N)
wait_ready "$tmp/a1.log" 60
p1=$(pid_of "${pids[0]}")
rss0=$(rss_kb "$p1")
if [ -n "${OWN_LOAD_PERF:-}" ]; then   # where the load's time goes: argos and its Postgres backend
	perf record -q -g -o "$OWN_LOAD_PERF.argos" -p "$p1" -- sleep 8 >/dev/null 2>&1 &
	be=$(psql -d argos -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'argos a1'
		AND query LIKE '%bucket%' OR query LIKE '%d.poller_group = \$1 AND d.active%' LIMIT 1")
	[ -n "$be" ] && perf record -q -g -o "$OWN_LOAD_PERF.pg" -p "$be" -- sleep 8 >/dev/null 2>&1 &
fi
lt0=$(cp_ticks "$p1")
wait_metric 19180 argos_db_devices "$N" 600
load_ms=$(($(date +%s%3N) - t_start))
load_us=$(awk -v a="$lt0" -v b="$(cp_ticks "$p1")" -v n="$N" -v hz="$(getconf CLK_TCK)" \
	'BEGIN { printf "%.1f", (b - a) / hz * 1e6 / n }')
sleep 2
rss1=$(rss_kb "$p1")
per_dev=$(( (rss1 - rss0) * 1024 / N ))
echo "own-load: a1 owns and holds $N devices $load_ms ms after its start, $load_us us of argos CPU a device (main lcore and DB thread; Postgres's backend and the busy worker share this machine's 2 CPUs); RSS $rss0 -> $rss1 KiB ($per_dev bytes a device)"

stat() { q "SELECT (SELECT sum(calls) FROM pg_stat_statements) || ' ' ||
	(SELECT tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = 'argos')"; }
q "SELECT pg_stat_statements_reset()" >/dev/null
sleep 1
read -r c0 w0 <<<"$(stat)"
cpu0=$(cp_ticks "$p1")
sleep "$STEADY_S"
read -r c1 w1 <<<"$(stat)"
cpu1=$(cp_ticks "$p1")
stmts=$(awk -v a="$c0" -v b="$c1" -v s="$STEADY_S" 'BEGIN { printf "%.1f", (b - a - 2) / s }')
rows=$(awk -v a="$w0" -v b="$w1" -v s="$STEADY_S" 'BEGIN { printf "%.1f", (b - a) / s }')
cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v s="$STEADY_S" -v hz="$(getconf CLK_TCK)" \
	'BEGIN { printf "%.3f", (b - a) / hz / s }')
echo "own-load: steady, $N devices held: $stmts statements/s, $rows rows written/s, argos $cpu CPU s/s (its main lcore loop and threads; one worker core polls on its own)"

start a2 2 19181
t_join=$(date +%s%3N)
wait_ready "$tmp/a2.log" 60
wait_metric 19181 argos_db_buckets_owned 512 120
wait_metric 19181 argos_db_devices $((N / 2 - N / 100)) 600
join_ms=$(($(date +%s%3N) - t_join))
echo "own-load: a2 joins: holds 512 buckets and $(metric 19181 argos_db_devices) devices $join_ms ms after its start; a1 holds $(metric 19180 argos_db_devices)"

if [ "$OUT" != - ]; then
	cmd="OWN_LOAD_DEVICES=$N OWN_LOAD_STEADY_S=$STEADY_S bench/own-load.sh $BUILD"
	section=$(cat <<EOF
<!-- own-load:begin -->
### Own mode's control plane with $N devices (bench/own-load.sh)

$(date -u +%Y-%m-%d), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), Postgres 15 in a temp dir, no polls (\`--db-snmp-freq 0 --db-ping-freq 0\`: the control plane's share only).
Command: \`$cmd\`

| | |
|---|---|
| one appliance owns and loads $N devices | $(awk -v m="$load_ms" 'BEGIN { printf "%.1f s", m / 1000 }') after its start |
| argos CPU to load a device (main lcore + DB thread) | $load_us us |
| its memory per device | $per_dev bytes (RSS $rss0 -> $rss1 KiB) |
| steady state, $N devices held: statements/s | $stmts |
| rows written/s (pg_stat_database) | $rows |
| argos CPU (main lcore and threads, not the worker) | $cpu CPU s/s |
| a second appliance joins: 512 buckets and its half loaded | $(awk -v m="$join_ms" 'BEGIN { printf "%.1f s", m / 1000 }') after its start |
<!-- own-load:end -->
EOF
)
	python3 - "$OUT" "$section" <<'PY'
import re, sys
path, sec = sys.argv[1], sys.argv[2]
text = open(path).read()
pat = re.compile(r"<!-- own-load:begin -->.*?<!-- own-load:end -->", re.S)
text = pat.sub(lambda m: sec, text) if pat.search(text) else text.rstrip("\n") + "\n\n" + sec + "\n"
open(path, "w").write(text)
PY
	echo "own-load: written to $OUT"
fi
