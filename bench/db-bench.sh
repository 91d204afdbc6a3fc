#!/usr/bin/env bash
# bench/db-bench.sh - the Postgres control plane at scale, written into
# docs/benchmarks.md between the db-bench markers.
#
#   1. a devices table of 1M rows, all due: the time of one claim round
#      of 20k devices (goal <= 100 ms), five rounds, as cp_db measures
#      it (the statement's round trip, rows decoded);
#   2. steady state: 1M devices due every 60 s, spread evenly, one
#      appliance claiming every second for STEADY_S seconds: statements
#      and rows written per second (goal <= 10 statements/s), and the
#      backlog left (devices more than 5 s late);
#   3. the appliance's peak RSS per device.
#
# It starts its own Postgres 15 on port DB_BENCH_PORT (55439) in a temp
# dir (removed on exit).  DB_BENCH_BIN runs another db_appliance (an
# older build, say, to compare two schemas in the same conditions).  The appliance is tests/integration/db/db_appliance: the real
# cp_db library with a stand-in dataplane that completes each poll
# after 100-1000 ms.
#
# usage: bench/db-bench.sh [BUILD_DIR] (default build-db)
# env: DB_BENCH_DEVICES (1000000), DB_BENCH_STEADY_S (60), DB_BENCH_PORT,
#      DB_BENCH_BIN, DB_BENCH_OUT (the file whose db-bench section is
#      rewritten, docs/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-db}
BIN=${DB_BENCH_BIN:-$BUILD/tests/integration/db/db_appliance}
N=${DB_BENCH_DEVICES:-1000000}
STEADY_S=${DB_BENCH_STEADY_S:-60}
PORT=${DB_BENCH_PORT:-55439}
PGBIN=/usr/lib/postgresql/15/bin
OUT=${DB_BENCH_OUT:-docs/benchmarks.md}
[ -x "$BIN" ] || { echo "db-bench: $BIN is not built: ninja -C $BUILD"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "db-bench: run as root (initdb runs as the postgres user)"; exit 1; }
tmp=$(mktemp -d /tmp/db-bench.XXXXXX)
chmod 755 "$tmp"
mkdir "$tmp/pg" && chown postgres "$tmp/pg"
cleanup() {
	su postgres -c "$PGBIN/pg_ctl -D $tmp/pg/data -m immediate stop" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

PGCONF="-c shared_buffers=1GB -c max_wal_size=4GB -c checkpoint_timeout=30min"
su postgres -c "$PGBIN/initdb -A trust -U postgres -D $tmp/pg/data" >/dev/null
su postgres -c "$PGBIN/pg_ctl -D $tmp/pg/data -l $tmp/pg/log -w -o \"-p $PORT -k $tmp/pg -c listen_addresses='' $PGCONF\" start" >/dev/null
psql() { "$PGBIN/psql" -h "$tmp/pg" -p $PORT -U postgres -XAtq "$@"; }
psql -c "CREATE DATABASE argos"
DSN="postgresql://postgres@/argos?host=$tmp/pg&port=$PORT"
q() { psql -d argos -c "$1"; }
"$BIN" --dsn "$DSN" --migrate 2>/dev/null

t0=$(date +%s%3N)
q "INSERT INTO devices (hostname, ip_address, polling_frequency, tags)
   SELECT 'dev' || g, '198.18.0.0'::inet + g, 60, '{\"site\":\"par1\"}'
   FROM generate_series(1, $N) g"
q "VACUUM ANALYZE devices"
load_ms=$(($(date +%s%3N) - t0))
echo "db-bench: $N devices loaded in $load_ms ms"
q "EXPLAIN (ANALYZE, BUFFERS) WITH due AS (SELECT id FROM devices WHERE poller_group = 'default'
   AND active AND NOT is_polling AND polling_frequency > 0 AND argos_rank(snmp_due_at, priority) <= now()
   AND snmp_due_at <= now() ORDER BY argos_rank(snmp_due_at, priority) LIMIT 20000 FOR UPDATE SKIP LOCKED)
   SELECT count(*) FROM due" >"$tmp/plan"

# 1. Claim rounds of 20k on 1M due devices.  One round per run: the
# polls last longer than the run, so the capacity stays full; they are
# ended and written back at the stop, so each run claims 20k others.
stat() { q "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = 'argos'"; }
# Row updates of devices and how many of them were HOT (no index touched).
upd() { q "SELECT n_tup_upd || ' ' || n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'devices'"; }
hot_pct() { awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); u = y[1] - x[1];
	printf "%d updates, %.0f%% HOT", u, u ? 100 * (y[2] - x[2]) / u : 0 }'; }
upd0=$(upd)
rounds=()
for i in 1 2 3 4 5; do
	"$BIN" --dsn "$DSN" --appliance-name bench --capacity 20000 --db-snmp-freq 1000 --db-ping-freq 0 \
		--poll-ms 60000:60000 --duration 4 --log "$tmp/claim$i.log" 2>>"$tmp/claim.err"
	us=$(awk '$2 == "stats" { for (i = 3; i < NF; i++) if ($i == "claim_us_last") print $(i + 1) }' "$tmp/claim$i.log")
	n=$(grep -c ' claim ' "$tmp/claim$i.log" || true)
	[ "$n" = 20000 ] || { echo "db-bench: round $i claimed $n devices, not 20000"; tail -3 "$tmp/claim.err"; exit 1; }
	rounds+=("$us")
done
sorted=$(printf '%s\n' "${rounds[@]}" | sort -n)
claim_med=$(echo "$sorted" | sed -n 3p); claim_min=$(echo "$sorted" | head -1); claim_max=$(echo "$sorted" | tail -1)
sleep 1   # the statistics collector reports within 500 ms
claim_hot=$(hot_pct "$upd0" "$(upd)")
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
echo "db-bench: 20k claim round: median $(ms "$claim_med") ms (min $(ms "$claim_min"), max $(ms "$claim_max"))"

# 2. Steady state: due times spread over the next 60 s, as after an hour
# of polling, then one appliance claiming every second.
q "UPDATE devices SET snmp_due_at = now() + (id % 60000) * interval '1 millisecond' * 1,
   last_polled_at = now() - interval '60 seconds' + (id % 60000) * interval '1 millisecond'"
q "VACUUM ANALYZE devices"
q "SELECT pg_stat_reset()"
before=$(stat)
upd0=$(upd)
"$BIN" --dsn "$DSN" --appliance-name steady --capacity 40000 --db-snmp-freq 1 --db-ping-freq 0 \
	--poll-ms 100:1000 --fail-pct 1 --duration "$STEADY_S" --log "$tmp/steady.log" 2>>"$tmp/steady.err"
sleep 1
after=$(stat)
steady_hot=$(hot_pct "$upd0" "$(upd)")
line=$(grep ' stats ' "$tmp/steady.log")
get() { echo "$line" | awk -v k="$1" '{ for (i = 2; i < NF; i++) if ($i == k) print $(i + 1) }'; }
polls=$(grep -c ' done ' "$tmp/steady.log" || true)
late=$(q "SELECT count(*) FROM devices WHERE NOT is_polling AND snmp_due_at < now() - interval '5 seconds'")
stmts=$(get statements); claimed=$(get claimed); written=$(get written); reports=$(get reports)
rss_kb=$(get peak_rss_kb)
per_s() { awk -v a="$1" -v s="$STEADY_S" 'BEGIN { printf "%.1f", a / s }'; }
srv_rows=$(awk -v a="${before#*|}" -v b="${after#*|}" -v s="$STEADY_S" 'BEGIN { printf "%.0f", (b - a) / s }')
srv_tx=$(awk -v a="${before%|*}" -v b="${after%|*}" -v s="$STEADY_S" 'BEGIN { printf "%.1f", (b - a) / s }')
echo "db-bench: steady: $(per_s "$stmts") statements/s, $polls polls in $STEADY_S s, $late devices late"
claim_avg_ms=$(awk -v s="$(get claim_us_sum)" -v r="$(get rounds)" 'BEGIN { printf "%.1f", s / r / 1000 }')
sizeof_claim=$(grep -m1 -o 'labels\[CP_DB_LABELS_MAX\]' controlplane/db/cp_db.h >/dev/null && echo "~1 KiB")

section=$(cat <<MD
## Postgres control plane at scale

- Date: $(date -u +%Y-%m-%d), load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other jobs may share the machine), machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/Mem:/ {print $2}') GiB, kernel $(uname -r), PostgreSQL $($PGBIN/postgres --version | awk '{print $3}') on the same machine (unix socket, $PGCONF, fsync on).
- Command: \`bench/db-bench.sh $BUILD\` ($N devices, steady state for $STEADY_S s; the appliance is \`db_appliance\`: the real cp_db library, a stand-in dataplane).
- Loading $N devices and VACUUM ANALYZE: $load_ms ms.

| figure | measured | goal |
|---|---|---|
| one claim round of 20k devices out of $N due (statement round trip + decoding), 5 runs | median $(ms "$claim_med") ms (min $(ms "$claim_min"), max $(ms "$claim_max")) | <= 100 ms |
| ... device row updates in those runs (claims, then write-backs at the stop) | $claim_hot | |
| steady state, $N devices every 60 s, claims every 1 s: statements/s by the appliance | $(per_s "$stmts") | <= 10 |
| ... polls completed / s | $(per_s "$polls") (expected $(awk -v n="$N" 'BEGIN { printf "%.1f", n / 60 }')) | |
| ... device rows claimed / s, results written / s, error reports / s | $(per_s "$claimed"), $(per_s "$written"), $(per_s "$reports") | |
| ... claim round, mean over the run | $claim_avg_ms ms | |
| ... device row updates (claims and write-backs) | $steady_hot | |
| ... server side: transactions / s, rows inserted+updated+deleted / s | $srv_tx, $srv_rows | |
| ... devices more than 5 s late at the end | $late | 0 |
| appliance peak RSS (library + stand-in, up to 40k polls in flight) | $((rss_kb / 1024)) MiB = $(awk -v k="$rss_kb" -v n="$N" 'BEGIN { printf "%.0f", k * 1024 / n }') bytes per device | |

Device state lives in Postgres, not in the appliance: its memory grows
with the claims in flight (one \`struct cp_db_claim\`, about 1 KiB, plus
one 152-byte result each), not with the number of devices.

Claim plan on $N rows (limit 20000):

\`\`\`
$(grep -E 'Index|Limit|LockRows|Execution|Planning' "$tmp/plan" | sed 's/^ *//' | head -8)
\`\`\`
MD
)

python3 - "$OUT" "$section" <<'PY'
import sys
path, section = sys.argv[1], sys.argv[2]
begin, end = "<!-- BEGIN db-bench -->", "<!-- END db-bench -->"
text = open(path).read()
if begin in text and end in text:
    head, rest = text.split(begin, 1)
    text = head + begin + "\n" + section + "\n" + end + rest.split(end, 1)[1]
else:
    text = text.rstrip("\n") + "\n\n" + begin + "\n" + section + "\n" + end + "\n"
open(path, "w").write(text)
PY
echo "db-bench: wrote $OUT"
cat "$tmp/plan"
