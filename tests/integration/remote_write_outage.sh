#!/usr/bin/env bash
# remote_write_outage: argos polls a real snmpd every 2 s and sends to a
# real Prometheus.  Prometheus is stopped for 30 s, then started again
# on the same storage.  The samples argos queued meanwhile arrive in
# order afterwards: sysUpTime of the device has no gap wider than a few
# poll periods across the outage, and nothing was dropped or refused.
TEST=remote_write_outage
source "$(dirname "$0")/lib.sh"
need_root_and_argos
for t in prometheus curl python3; do
	command -v "$t" >/dev/null || die "$t is not installed (scripts/install-deps)"
done
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; cleanup' EXIT
PIDS=()
testbed_up

printf 'id,hostname,ip_address,snmp_community,snmp_version,polling_frequency,ping_frequency\n' \
	>"$WORK/devices.csv"
printf 'h1,argos-h1,198.18.0.11,public,2c,2,0\n' >>"$WORK/devices.csv"

PORT=19119
printf 'global:\n  scrape_interval: 1h\n' >"$WORK/prom.yml"
prom_start() {
	prometheus --config.file="$WORK/prom.yml" --storage.tsdb.path="$WORK/tsdb" \
		--web.listen-address="127.0.0.1:$PORT" --web.enable-remote-write-receiver \
		>>"$WORK/prom.log" 2>&1 &
	PROM_PID=$!
	PIDS+=($PROM_PID)
	await_ready "Prometheus on 127.0.0.1:$PORT" 90 "$WORK/prom.log" \
		curl -sf -o /dev/null "http://127.0.0.1:$PORT/-/ready"
}
prom_start

timeout -k 5 120 "$ARGOS" -l 0,1 --file-prefix rwoutage -m 512 \
	--vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 --gateway 198.18.0.1 \
	--devices "$WORK/devices.csv" --ping-count 0 --listen 127.0.0.1:19120 \
	--remote-write "http://127.0.0.1:$PORT/api/v1/write" --rw-flush-ms 200 \
	>"$WORK/argos.log" 2>&1 &
ARGOS_PID=$!
PIDS+=($ARGOS_PID)

series() {   # the raw sysUpTime samples of the last 5 minutes, "ts value" lines
	curl -sf "http://127.0.0.1:$PORT/api/v1/query" \
		--data-urlencode 'query=sysUpTime{instance="argos-h1",job="snmp"}[5m]' |
		python3 -c 'import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    for ts, v in r["values"]:
        print(ts, v)'
}
has_series() { [ -n "$(series)" ]; }
await_ready "argos's first sample in Prometheus" 60 "$WORK/argos.log" has_series
sleep 6

kill -TERM "$PROM_PID"; wait "$PROM_PID" 2>/dev/null
t_down=$(date +%s)
sleep 30
curl -s "http://127.0.0.1:19120/metrics" >"$WORK/metrics-outage.txt"
prom_start
t_up=$(date +%s)
sleep 12   # the sender's backoff is capped at 5 s
kill -TERM "$ARGOS_PID"
wait "$ARGOS_PID"
rc=$?
check "argos exits 0 after the outage (got $rc)" [ "$rc" = 0 ]
pending=$(sed -n 's/^argos_rw_samples_pending \([0-9]*\).*/\1/p' "$WORK/metrics-outage.txt")
expect "samples were held during the outage ($pending pending)" \
	"nothing was pending during the outage: argos did not queue" [ "${pending:-0}" -gt 0 ]

series >"$WORK/series.txt"
n=$(wc -l <"$WORK/series.txt")
gap=$(python3 -c '
import sys
ts = [float(l.split()[0]) for l in open(sys.argv[1])]
print(max(b - a for a, b in zip(ts, ts[1:])) if len(ts) > 1 else 999)' "$WORK/series.txt")
covered=$(python3 -c '
import sys
ts = [float(l.split()[0]) for l in open(sys.argv[1])]
d, u = int(sys.argv[2]), int(sys.argv[3])
print(sum(1 for t in ts if d <= t <= u))' "$WORK/series.txt" "$t_down" "$t_up")
expect "the samples polled during the 30 s outage reached Prometheus ($covered of them)" \
	"only $covered samples fall inside the outage: they were lost" [ "$covered" -ge 12 ]
expect "no gap in sysUpTime across the outage (widest $gap s between $n samples, polled every 2 s)" \
	"a gap of $gap s in sysUpTime: samples were lost" \
	python3 -c "import sys; sys.exit(not float('$gap') <= 5)"
check "argos's log reports no refused or dropped samples" absent 'refused or dropped' "$WORK/argos.log"
finish
