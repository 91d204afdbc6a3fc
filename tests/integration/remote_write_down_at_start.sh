#!/usr/bin/env bash
# remote_write_down_at_start: argos starts while its remote-write
# receiver is down (nothing listens on its port), polls eight devices of
# the testbed every 2 s, queues what it cannot send (64 KiB in memory,
# the rest in the spill directory), and once a real Prometheus comes up
# 15 s later sends it all: every sysUpTime argos wrote to its JSON Lines
# output is in Prometheus, per device, and nothing was dropped.
#
# A malformed URL is still refused at start (bad_input.sh checks that).
TEST=remote_write_down_at_start
source "$(dirname "$0")/lib.sh"
need_root_and_argos
for t in prometheus curl python3; do
	command -v "$t" >/dev/null || die "$t is not installed (scripts/install-deps --test)"
done
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

PORT=19129
MPORT=19130
{
	echo id,hostname,ip_address,snmp_community,snmp_version,polling_frequency,ping_frequency
	i=0
	for ip in 198.18.0.11 198.18.0.12 198.18.0.13 198.18.1.10; do
		for k in a b; do
			i=$((i + 1))
			echo "d$i,dev$i,$ip,public,2c,2,0"
		done
	done
} >"$WORK/devices.csv"

"$ARGOS" -l 0,1 --file-prefix rwdown -m 512 \
	--vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 --gateway 198.18.0.1 \
	--devices "$WORK/devices.csv" --ping-count 0 --listen "127.0.0.1:$MPORT" \
	--remote-write "http://127.0.0.1:$PORT/api/v1/write" --rw-flush-ms 200 \
	--rw-queue-bytes 65536 --rw-spill-dir "$WORK/spill" --output "$WORK/out.jsonl" \
	>"$WORK/argos.log" 2>&1 &
ARGOS_PID=$!
PIDS+=($ARGOS_PID)
for _ in $(seq 300); do grep -q '^argos: ready:' "$WORK/argos.log" && break; sleep 0.1; done
check "argos starts although the receiver is down" grep -q '^argos: ready:' "$WORK/argos.log"
check "argos says the receiver cannot be reached and that it queues and spills" \
	grep -q "argos: remote-write: cannot reach the remote-write receiver http://127.0.0.1:$PORT/api/v1/write.*starting anyway: batches are queued and spilled until it answers" \
	"$WORK/argos.log"
grep -q '^argos: ready:' "$WORK/argos.log" || { tail -20 "$WORK/argos.log" >&2; die "argos did not start"; }

sleep 15
metric() { curl -sf "http://127.0.0.1:$MPORT/metrics" | sed -n "s/^$1 \([0-9]*\).*/\1/p"; }
pending=$(metric argos_rw_samples_pending)
spilled=$(metric argos_rw_spilled_batches_total)
files=$(ls "$WORK/spill" 2>/dev/null | grep -c '\.batch$')
echo "  after 15 s with the receiver down: $pending samples pending, $spilled batches spilled, $files files"
check "samples are held while the receiver is down ($pending pending)" [ "${pending:-0}" -gt 0 ]
check "beyond --rw-queue-bytes they are spilled to disk ($files batch files)" [ "$files" -gt 0 ]
check "argos is polling meanwhile" bash -c "grep -c '\"oid\":\"1.3.6.1.2.1.1.3.0\"' '$WORK/out.jsonl' | grep -qv '^0$'"

printf 'global:\n  scrape_interval: 1h\n' >"$WORK/prom.yml"
prometheus --config.file="$WORK/prom.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PORT" --web.enable-remote-write-receiver \
	>"$WORK/prom.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 150); do curl -sf "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/-/ready" >/dev/null || die "Prometheus did not become ready"
# The sender's backoff is capped at 5 s; then the backlog goes out.
for _ in $(seq 60); do
	p=$(metric argos_rw_samples_pending)
	f=$(ls "$WORK/spill" 2>/dev/null | grep -c '\.batch$')
	[ "${f:-1}" = 0 ] && [ "${p:-1}" -lt 3000 ] && break
	sleep 0.5
done
stop_argos "$ARGOS_PID" TERM
rc=$?
check "argos exits 0 after SIGTERM (got $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || tail -20 "$WORK/argos.log"
check "nothing was refused or dropped" bash -c "! grep -q 'refused or dropped\|were lost' '$WORK/argos.log'"
check "the spill directory is empty: the backlog was sent" \
	bash -c "[ \$(ls '$WORK/spill' | grep -c '\.batch\$') = 0 ]"

curl -sf "http://127.0.0.1:$PORT/api/v1/query" --data-urlencode \
	'query=count_over_time(sysUpTime{job="snmp"}[10m])' >"$WORK/prom.json"
python3 - "$WORK/out.jsonl" "$WORK/prom.json" >"$WORK/compare.txt" <<'PY'
import collections, json, sys
want = collections.Counter(json.loads(l)["hostname"] for l in open(sys.argv[1])
                           if '"1.3.6.1.2.1.1.3.0"' in l)
got = {r["metric"]["instance"]: int(r["value"][1]) for r in json.load(open(sys.argv[2]))["data"]["result"]}
print(" ".join("%s %d/%d" % (h, n, got.get(h, 0)) for h, n in sorted(want.items())))
sys.exit(not (len(want) == 8 and all(got.get(h) == n for h, n in want.items())))
PY
same=$?
echo "  sysUpTime samples per device, JSON output / Prometheus: $(cat "$WORK/compare.txt")"
expect "every sysUpTime in the JSON output is in Prometheus, device by device" \
	"Prometheus lacks samples the JSON output has (JSON/Prometheus): $(cat "$WORK/compare.txt")" \
	[ "$same" = 0 ]
finish
