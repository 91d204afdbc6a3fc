#!/usr/bin/env bash
# sigterm_drains_under_load: SIGTERM while argos polls 40 devices of the
# testbed every second and 4 devices of the dead address (a poll of 4 s:
# 2 s x 2 attempts) every 5 s, with its remote-write receiver down.
#
# What must hold: argos says how many polls were in flight and finishes
# them (the dead devices' polls in flight end in their timeout, after
# the signal); every poll that started is in the JSON output, complete;
# what the receiver could not take within the 5 s wait is spilled, and
# argos exits 0.  Then a real Prometheus comes up, and the spill is sent
# (by rw_feed, the library argos uses, reading the same directory):
# every sysUpTime of the JSON output, and one argos_poll_up per poll, is
# in Prometheus.  Nothing is lost within the bounds.
TEST=sigterm_drains_under_load
source "$(dirname "$0")/lib.sh"
need_root_and_argos
FEED=${RW_FEED:-$ROOT/build/tests/integration/export/rw_feed}
[ -x "$FEED" ] || die "$FEED is not built: ninja -C build"
command -v prometheus >/dev/null || die "prometheus is not installed (scripts/install-deps --test)"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; cleanup' EXIT
testbed_up
# stop_argos PID SIGNAL: send it, wait for argos to exit (60 s at most,
# then SIGKILL); returns argos's exit status.  argos runs outside
# timeout(1) here: timeout would take the signal for itself (and kill
# argos 5 s after a SIGTERM, in the middle of its drain).
stop_argos() {
	kill -"$2" "$1"
	for _ in $(seq 600); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null
	wait "$1"
}

PORT=19139
{
	echo id,hostname,ip_address,snmp_community,snmp_version,snmp_timeout,snmp_retries,polling_frequency,ping_frequency
	i=0
	for ip in 198.18.0.11 198.18.0.12 198.18.0.13 198.18.1.10; do
		for _ in $(seq 10); do
			i=$((i + 1))
			echo "d$i,dev$i,$ip,public,2c,1,1,1,0"
		done
	done
	for s in 1 2 3 4; do echo "slow$s,slow$s,198.18.1.99,public,2c,2,1,5,0"; done
} >"$WORK/devices.csv"

"$ARGOS" -l 0,1 --file-prefix sigterm -m 512 \
	--vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 --gateway 198.18.0.1 \
	--devices "$WORK/devices.csv" --ping-count 0 --summary-json "$WORK/summary.json" \
	--remote-write "http://127.0.0.1:$PORT/api/v1/write" --rw-flush-ms 200 \
	--rw-queue-bytes 65536 --rw-spill-dir "$WORK/spill" --output "$WORK/out.jsonl" \
	>"$WORK/argos.log" 2>&1 &
ARGOS_PID=$!
PIDS+=($ARGOS_PID)
for _ in $(seq 300); do grep -q '^argos: ready:' "$WORK/argos.log" && break; sleep 0.1; done
grep -q '^argos: ready:' "$WORK/argos.log" || { tail -20 "$WORK/argos.log" >&2; die "argos did not start"; }
# The dead devices' polls start at 0, 5, 10 s and last 4 s: at 11 s one is in flight.
sleep 11
term_ms=$(date +%s%3N)
stop_argos "$ARGOS_PID" TERM
rc=$?
stop_ms=$(($(date +%s%3N) - term_ms))
check "argos exits 0 after SIGTERM (got $rc, $stop_ms ms after it)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || tail -20 "$WORK/argos.log"
inflight=$(sed -n 's/^argos: signal received: finishing the \([0-9]*\) polls in flight$/\1/p' "$WORK/argos.log")
check "argos says how many polls were in flight at the signal (${inflight:-none})" \
	bash -c "[ '${inflight:-0}' -gt 0 ]"
check "argos says they ended" grep -q '^argos: the polls in flight ended .* ms after the signal' "$WORK/argos.log"
check "the stop took less than the longest poll plus the 5 s export wait and a margin ($stop_ms ms)" \
	[ "$stop_ms" -lt 16000 ]
check "the samples the receiver could not take are in the spill directory" \
	grep -q 'samples not yet accepted after the wait are in the spill directory' "$WORK/argos.log"
check "nothing was lost, refused or dropped at exit" \
	bash -c "! grep -q 'were lost\|refused or dropped\|still in flight when' '$WORK/argos.log'"

python3 - "$WORK/out.jsonl" "$WORK/summary.json" "$term_ms" >"$WORK/polls.txt" <<'PY'
import collections, json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
s = json.load(open(sys.argv[2]))
term = int(sys.argv[3])
up = [r for r in rs if r["kind"] == "snmp" and r["oid"] == "1.3.6.1.2.1.1.3.0"]
last_col = [r for r in rs if r["kind"] == "snmp" and r["oid"].startswith("1.3.6.1.2.1.31.1.1.1.18.")]
to = [r for r in rs if r["kind"] == "error" and r["error"] == "timeout"]
slow_after = [r for r in to if r["device_id"].startswith("slow") and r["ts_ms"] > term]
per_dev = collections.Counter(r["device_id"] for r in up)
walked = collections.Counter(r["device_id"] for r in last_col)
# A device's polls are whole when each has its sysUpTime and ifAlias rows
# in the same number (every interface walked to the end of ifXTable).
ifs = {d: walked[d] // max(per_dev[d], 1) for d in per_dev}
whole = all(walked[d] == ifs[d] * per_dev[d] and ifs[d] > 0 for d in per_dev)
ok = (len(up) == s["snmp_polls_ok"] and len(to) == s["snmp_polls_failed"] and slow_after and whole)
print("%d polls ok (summary %d), %d timeouts (summary %d), %d slow polls ended after the signal, "
      "every poll walked to its end: %s" % (len(up), s["snmp_polls_ok"], len(to),
      s["snmp_polls_failed"], len(slow_after), whole))
sys.exit(0 if ok else 1)
PY
whole=$?
echo "  $(cat "$WORK/polls.txt")"
expect "every poll that started is in the output, whole; the slow ones in flight ended in their timeout" \
	"polls are missing or cut short: $(cat "$WORK/polls.txt")" [ "$whole" = 0 ]

printf 'global:\n  scrape_interval: 1h\n' >"$WORK/prom.yml"
prometheus --config.file="$WORK/prom.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PORT" --web.enable-remote-write-receiver \
	>"$WORK/prom.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 150); do curl -sf "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
"$FEED" --url "http://127.0.0.1:$PORT/api/v1/write" --spill "$WORK/spill" --polls 0 \
	--flush-timeout-ms 30000 >"$WORK/feed.out" 2>"$WORK/feed.err"
frc=$?
check "the spill is sent once the receiver is up (exit $frc)" [ "$frc" = 0 ]
q() {
	curl -sf "http://127.0.0.1:$PORT/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)'
}
n_up=$(q 'count(count_over_time(sysUpTime{job="snmp"}[10m]))')
s_up=$(q 'sum(count_over_time(sysUpTime{job="snmp"}[10m]))')
s_poll=$(q 'sum(count_over_time(argos_poll_up{job="snmp"}[10m]))')
j_up=$(grep -c '"oid":"1.3.6.1.2.1.1.3.0"' "$WORK/out.jsonl")
j_poll=$(python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); print(s["snmp_polls_ok"] + s["snmp_polls_failed"])' "$WORK/summary.json")
expect "every sysUpTime of the output is in Prometheus ($s_up of $j_up, from $n_up devices)" \
	"Prometheus has $s_up sysUpTime samples, the output $j_up: samples were lost" \
	[ "$s_up" = "$j_up" ]
expect "one argos_poll_up per poll is in Prometheus ($s_poll of $j_poll)" \
	"Prometheus has $s_poll argos_poll_up samples for $j_poll polls" [ "$s_poll" = "$j_poll" ]
finish
