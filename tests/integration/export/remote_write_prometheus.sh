#!/usr/bin/env bash
# remote_write_prometheus.sh - the remote-write library against a real
# Prometheus 2.42 (--web.enable-remote-write-receiver), driven by
# rw_feed with synthetic result records:
#   - if-mib names, ifIndex/ifName/ifAlias/ifDescr labels, device tags,
#     Counter64 values exact up to 2^53, ping and poll series;
#   - a 12 s outage of Prometheus while feeding twice a second: no gap;
#   - batches spilled to disk by one run are sent by the next;
#   - a 400 is counted and dropped, never retried; a 429 is retried
#     after its Retry-After, with the bearer token sent and never logged;
#   - a malformed URL and a refused connection fail at start.
# Only 127.0.0.1 is used.  Prometheus and the stub receiver are stopped
# on exit, whatever happens.
set -uo pipefail
TEST=remote_write_prometheus
source "$(dirname "$0")/../lib.sh"
FEED=${RW_FEED:-$ROOT/build-export/tests/integration/export/rw_feed}
HERE=$(cd "$(dirname "$0")" && pwd)
PIDS=()

stop_all() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	cleanup
}
trap stop_all EXIT

[ -x "$FEED" ] || die "$FEED is not built: ninja -C build-export"
command -v prometheus >/dev/null || die "prometheus is not installed (scripts/install-deps)"
command -v curl >/dev/null || die "curl is not installed"

# wait_port PORT LOG: until the stub receiver listens there (30 s at most).
listens() {
	python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$1" \
		2>/dev/null
}
wait_port() {
	await_ready "the stub receiver on 127.0.0.1:$1" 30 "$2" listens "$1"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

PORT=$(free_port)
URL=http://127.0.0.1:$PORT/api/v1/write
printf 'global:\n  scrape_interval: 1h\n' >"$WORK/prom.yml"
PROM_PID=

prom_start() {
	prometheus --config.file="$WORK/prom.yml" --storage.tsdb.path="$WORK/tsdb" \
		--web.listen-address="127.0.0.1:$PORT" --web.enable-remote-write-receiver \
		>>"$WORK/prom.log" 2>&1 &
	PROM_PID=$!
	PIDS+=("$PROM_PID")
	await_ready "Prometheus on 127.0.0.1:$PORT" 90 "$WORK/prom.log" \
		curl -sf -o /dev/null "http://127.0.0.1:$PORT/-/ready"
}

prom_stop() {
	kill "$PROM_PID" 2>/dev/null
	wait "$PROM_PID" 2>/dev/null
}

# query EXPR: one line per series, "value" then the labels as k=v sorted.
query() {
	curl -sf "http://127.0.0.1:$PORT/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    m = r["metric"]
    print(r["value"][1], " ".join("%s=%s" % (k, m[k]) for k in sorted(m)))'
}
value() { query "$1" | head -1 | cut -d" " -f1; }
stat() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
eq() { [ "$1" = "$2" ]; }

prom_start

# --- names, labels and values ----------------------------------------------
HC=$((9007199254740992 - 4000))   # ifIndex 4 gets exactly 2^53
"$FEED" --url "$URL" --devices 2 --interfaces 4 --hc-base "$HC" --tag suite=names \
	--tag "bad-tag name=x" --ping >"$WORK/names.out" 2>"$WORK/names.err"
rc=$?
expect "one poll of 2 devices was delivered (exit 0)" \
	"the feeder exited $rc after one poll, not 0: $(tail -2 "$WORK/names.err")" eq "$rc" 0
for i in 1 2 3 4; do
	want=$((HC + i * 1000))
	got=$(value "ifHCInOctets{suite=\"names\",instance=\"dev0\",ifIndex=\"$i\"}")
	expect "ifHCInOctets of ifIndex $i is $want, exact" \
		"ifHCInOctets of ifIndex $i is '$got' in Prometheus, the device said $want" eq "$got" "$want"
	got=$(query "ifHCInOctets{suite=\"names\",instance=\"dev0\",ifIndex=\"$i\"}" | grep -o ' ifName=[^ ]*')
	expect "ifHCInOctets of ifIndex $i is labelled ifName=eth$i" \
		"ifHCInOctets of ifIndex $i has ifName '${got# }', not ifName=eth$i" eq "$got" " ifName=eth$i"
done
series=$(query "ifHCInOctets{suite=\"names\",instance=\"dev1\",ifIndex=\"2\"}" | cut -d" " -f2-)
expect "labels are __name__, bad_tag_name, ifAlias, ifDescr, ifIndex, ifName, instance, job, suite" \
	"the labels are: $series" eq "$series" \
	"__name__=ifHCInOctets bad_tag_name=x ifAlias=uplink 2 ifDescr=Ethernet interface 2 ifIndex=2 ifName=eth2 instance=dev1 job=snmp suite=names"
for m in sysUpTime ifOperStatus ifAdminStatus ifInOctets ifOutErrors ifMtu ifHCOutOctets \
	ifHighSpeed ifConnectorPresent ifCounterDiscontinuityTime argos_poll_up \
	argos_poll_duration_seconds argos_poll_varbinds ping_loss_ratio ping_avg_duration_seconds; do
	n=$(query "count($m{suite=\"names\"})" | cut -d" " -f1)
	want=8; case $m in sys*|argos*|ping*) want=2 ;; esac
	expect "$m has $want series" "$m has '${n:-no}' series in Prometheus, want $want" eq "${n:-0}" "$want"
done
expect "ifHighSpeed is 10000" "ifHighSpeed is not 10000" \
	eq "$(value "ifHighSpeed{suite=\"names\",instance=\"dev0\",ifIndex=\"1\"}")" 10000
expect "sysName is an info series: sysName{sysName=\"device0\"} 1" "sysName of dev0 is not an info series" \
	eq "$(query "sysName{suite=\"names\",instance=\"dev0\"}" | grep -o 'sysName=device0')" "sysName=device0"
expect "ifPhysAddress is labelled 00:1A:2B:3C:4D:03 for ifIndex 3" "ifPhysAddress of ifIndex 3 is wrong" \
	eq "$(query "ifPhysAddress{suite=\"names\",instance=\"dev0\",ifIndex=\"3\"}" | grep -o 'ifPhysAddress=[^ ]*')" \
	"ifPhysAddress=00:1A:2B:3C:4D:03"
n=$(query "count({suite=\"names\",__name__=~\"ifName|ifAlias|ifDescr\"})" | cut -d" " -f1)
expect "ifName, ifAlias and ifDescr are labels only, never series" \
	"ifName/ifAlias/ifDescr became $n series of their own" eq "${n:-0}" 0
expect "ping_loss_ratio of 2 replies to 3 echoes is 1/3" "ping_loss_ratio is not 1/3" \
	python3 -c "import sys; sys.exit(abs(float('$(value "ping_loss_ratio{suite=\"names\",instance=\"dev0\"}")') - 1/3) > 1e-9)"

# --- a refused batch (400) is counted and dropped --------------------------
SPORT=$(free_port)
python3 "$HERE/stub_receiver.py" "$SPORT" "$WORK/stub400.log" 400 >"$WORK/stub400.out" 2>&1 &
PIDS+=("$!")
wait_port "$SPORT" "$WORK/stub400.out"
"$FEED" --url "http://127.0.0.1:$SPORT/api/v1/write" --interfaces 2 >"$WORK/r400.out" 2>"$WORK/r400.err"
rc=$?
expect "a 400 makes the flush report a loss (exit 1)" "the feeder exited $rc after a 400, want 1" eq "$rc" 1
expect "the refused samples are counted as failed" "samples_failed is $(stat "$WORK/r400.out" samples_failed) after a 400" \
	[ "$(stat "$WORK/r400.out" samples_failed)" -gt 0 ]
expect "a 400 is not retried (one POST)" "the receiver saw $(wc -l <"$WORK/stub400.log") POSTs for one batch answered 400" \
	eq "$(wc -l <"$WORK/stub400.log")" 1
expect "the refusal is logged with its status" "nothing on stderr names the HTTP 400" grep -q "HTTP 400" "$WORK/r400.err"

# --- a 429 is retried after Retry-After; headers; the token stays secret ---
SPORT=$(free_port)
python3 "$HERE/stub_receiver.py" "$SPORT" "$WORK/stub429.log" 429-once >"$WORK/stub429.out" 2>&1 &
PIDS+=("$!")
wait_port "$SPORT" "$WORK/stub429.out"
(umask 077; echo "s3cr3t-t0ken" >"$WORK/token")   # a secret file: not for every user
t0=$(date +%s%N)
"$FEED" --url "http://127.0.0.1:$SPORT/api/v1/write" --interfaces 2 \
	--bearer-token-file "$WORK/token" >"$WORK/r429.out" 2>"$WORK/r429.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
expect "after a 429 the batch is delivered (exit 0)" "the feeder exited $rc after 429 then 204" eq "$rc" 0
expect "the 429 counts one retry" "retries is $(stat "$WORK/r429.out" retries), want 1" eq "$(stat "$WORK/r429.out" retries)" 1
expect "Retry-After: 2 is honoured (took ${ms} ms)" "the retry came after ${ms} ms, before Retry-After's 2 s" [ "$ms" -ge 2000 ]
hdrs=$(python3 -c '
import json, sys
h = json.loads(open(sys.argv[1]).readline())["headers"]
print(h.get("Content-Encoding"), h.get("Content-Type"), h.get("X-Prometheus-Remote-Write-Version"),
      h.get("User-Agent", "").split("/")[0], h.get("Authorization"))' "$WORK/stub429.log")
expect "the POST carries snappy, x-protobuf, version 0.1.0, a User-Agent and the bearer token" \
	"the POST headers are: $hdrs" eq "$hdrs" "snappy application/x-protobuf 0.1.0 argos Bearer s3cr3t-t0ken"
expect "the token never appears in the log" "the bearer token was printed" \
	absent s3cr3t "$WORK/r429.err" "$WORK/r429.out"

# --- start-up errors -------------------------------------------------------
"$FEED" --url "http//127.0.0.1:$PORT/api/v1/write" >/dev/null 2>"$WORK/bad.err"
rc=$?
expect "a malformed URL fails at start: $(head -1 "$WORK/bad.err")" \
	"a malformed URL gave exit $rc and '$(head -1 "$WORK/bad.err")'" \
	bash -c "[ $rc = 3 ] && grep -q 'is not a URL' \"$WORK/bad.err\""
DEAD=$(free_port)
"$FEED" --url "http://127.0.0.1:$DEAD/api/v1/write" >/dev/null 2>"$WORK/refused.err"
rc=$?
expect "a refused connection fails at start: $(head -1 "$WORK/refused.err")" \
	"a receiver that is not there gave exit $rc and '$(head -1 "$WORK/refused.err")'" \
	bash -c "[ $rc = 3 ] && grep -q 'cannot reach' \"$WORK/refused.err\""

# --- spill: one run leaves batches on disk, the next sends them ------------
prom_stop
"$FEED" --url "$URL" --no-check --spill "$WORK/spill" --queue-bytes 1 --tag suite=spill \
	--interfaces 2 --polls 3 --period-ms 200 --flush-timeout-ms 1500 >"$WORK/s1.out" 2>"$WORK/s1.err"
rc=$?
files=$(ls "$WORK/spill" 2>/dev/null | grep -c '\.batch$')
expect "with the receiver down the run ends with samples pending (exit 2)" \
	"the run with the receiver down exited $rc, want 2" eq "$rc" 2
expect "its batches are left in the spill directory ($files files)" \
	"no batch file was left in the spill directory" [ "$files" -ge 1 ]
prom_start
"$FEED" --url "$URL" --spill "$WORK/spill" --polls 0 >"$WORK/s2.out" 2>"$WORK/s2.err"
rc=$?
expect "the next run sends what was spilled (exit 0)" "the next run exited $rc: $(tail -1 "$WORK/s2.err")" eq "$rc" 0
n=$(query "count_over_time(ifHCInOctets{suite=\"spill\",instance=\"dev0\",ifIndex=\"1\"}[10m])" | cut -d" " -f1)
expect "all 3 polls of the first run are in Prometheus" "Prometheus has ${n:-0} of the 3 spilled polls" eq "${n:-0}" 3
left=$(ls "$WORK/spill" | grep -c '\.batch$')
expect "the spill directory is empty once sent" "$left batch files are still in the spill directory" eq "$left" 0

# --- outage: Prometheus down for 12 s while feeding twice a second ---------
# (longer than the feeder's 2 s backoff ceiling several times over)
POLLS=${RW_OUTAGE_POLLS:-40}
"$FEED" --url "$URL" --tag suite=outage --interfaces 2 --polls "$POLLS" --period-ms 500 \
	--max-backoff-ms 2000 --flush-timeout-ms 30000 >"$WORK/out.out" 2>"$WORK/out.err" &
FEED_PID=$!
PIDS+=("$FEED_PID")
sleep 4
prom_stop
sleep 12
prom_start
wait "$FEED_PID"
rc=$?
n=$(query "count_over_time(ifHCInOctets{suite=\"outage\",instance=\"dev0\",ifIndex=\"1\"}[10m])" | cut -d" " -f1)
expect "everything fed across the outage was delivered (exit 0)" \
	"the feeder exited $rc across the outage: $(tail -1 "$WORK/out.err")" eq "$rc" 0
expect "no gap: all $POLLS polls are in Prometheus after a 12 s outage" \
	"Prometheus has ${n:-0} of $POLLS polls after the outage" eq "${n:-0}" "$POLLS"
expect "the outage was retried ($(stat "$WORK/out.out" retries) retries), nothing dropped" \
	"retries $(stat "$WORK/out.out" retries), dropped $(stat "$WORK/out.out" samples_dropped)" \
	bash -c "[ $(stat "$WORK/out.out" retries) -gt 0 ] && [ $(stat "$WORK/out.out" samples_dropped) = 0 ]"

finish
