#!/usr/bin/env bash
# backpressure.sh - a control plane that falls behind loses no result:
# argos --once polls 400 argos-farm devices of 24 interfaces each
# (about 400k varbinds, twice the 16 MiB of result batches a core has),
# 100 at a time (--max-inflight, so that jobs wait for admission), while its JSON Lines output goes into a named pipe that a reader
# drains with long pauses, so the main thread blocks in write().  The
# cores must hold back new jobs and drop replies they have no room for
# (the requests are sent again, without using up a retry), and then:
#   argos finishes and exits 0, Results-lost is 0, the back-pressure
#   counters moved, every device has every varbind of system, ifTable
#   and ifXTable with the farm's values, no poll ended in an error, and
#   every device has its ping.
#
#   host: argosb0 (no kernel address)  <- argos on net_af_packet, 198.19.253.3
#     |  veth
#   argos-bp: argosb1                  <- argos-farm on net_af_packet,
#                                         198.19.253.2, devices 198.19.64.0/18
set -uo pipefail
TEST=backpressure
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/farm/farm_lib.sh"
# This test's own link and farm, so that it never meets argos-farm's.
FARM_NS=argos-bp
FARM_HOST_IF=argosb0
FARM_NS_IF=argosb1
FARM_IP=198.19.253.2
FARM_DEVICES=198.19.64.0/18
FARM_PREFIX=bpfarm   # "farm" belongs to argos-farm's own tests
ARGOS_IP=198.19.253.3
READER_PID=

bp_cleanup() {
	[ -n "$READER_PID" ] && kill "$READER_PID" 2>/dev/null
	farm_cleanup
}
trap bp_cleanup EXIT
need_root_and_argos
need_farm

ORACLE="python3 $(dirname "$0")/farm/farm_oracle.py"
K=24           # interfaces per device: 41 x 24 + 8 = 992 varbinds a device
N=400

# A slow consumer of argos's output: it waits until argos is ready, then
# 3 s more before reading a byte (argos's write blocks after the pipe and
# stdio buffers fill, ~1 MiB, while the cores go on producing), then reads
# 64 KiB every 5 ms for a second and pauses 2 s, again and again until
# argos closes the pipe.  Each pause is longer than the devices' timeout
# (1 s): a reply dropped for back-pressure must not end its poll in a
# timeout.  Why from "ready": the polls take about 1.5 s; counted from
# the reader's own start, the EAL's start-up (2-3 s, noisy) ate into the
# pause and the reader sometimes kept up, so nothing was held back.
slow_reader() {   # slow_reader FIFO OUT LOG
	python3 - "$1" "$2" "$3" <<'EOF'
import sys, time
with open(sys.argv[1], "rb") as f, open(sys.argv[2], "wb") as out:
    t_end = time.monotonic() + 60
    while time.monotonic() < t_end and b"argos: ready" not in open(sys.argv[3], "rb").read():
        time.sleep(0.05)
    time.sleep(3)
    while True:
        t_end = time.monotonic() + 1.0
        while time.monotonic() < t_end:
            b = f.read1(65536)
            if not b:
                sys.exit(0)
            out.write(b)
            time.sleep(0.005)
        time.sleep(2)
EOF
}

# devices.csv (controlplane/cp_devices.h): 198.19.64.10 on, all v2c,
# timeout 1 s, 2 retries, max-repetitions 25, pinged once.
{
	echo "id,hostname,ip_address,snmp_community,snmp_version,snmp_port,snmp_timeout,snmp_retries,snmp_max_repetitions,polling_frequency,ping_frequency"
	for k in $(seq 0 $((N - 1))); do
		printf 'b%04d,bp-b%04d,198.19.%d.%d,public,2c,161,1,2,25,60,10\n' \
			$k $k $((64 + k / 200)) $((k % 200 + 10))
	done
} >"$WORK/devices.csv"

farm_net_up
farm_start farm --interfaces $K --idle-sleep-us 50
mkfifo "$WORK/out.fifo" || die "cannot make the named pipe $WORK/out.fifo"
: >"$WORK/bpargos.log"   # run_argos writes argos's log here
slow_reader "$WORK/out.fifo" "$WORK/out.jsonl" "$WORK/bpargos.log" &
READER_PID=$!
start=$(date +%s)
# --ping-batch-count 1000: every job is in the core's ring from the first
# loop turn.  With 100 pings a turn, a main thread that blocked in write()
# within its first 8 turns kept the last pings back, the ring ran empty,
# and the core had nothing to hold back (held 0 in about half the runs).
ARGOS_TIMEOUT=60 run_argos bpargos --vdev "net_af_packet0,iface=$FARM_HOST_IF,framecnt=$FARM_FRAMES" \
	-m 512 -- --ip $ARGOS_IP/24 --gateway $FARM_IP --devices "$WORK/devices.csv" --once \
	--max-inflight 100 --ping-batch-count 1000 --output "$WORK/out.fifo"
rc=$?
secs=$(( $(date +%s) - start ))
wait "$READER_PID"
READER_PID=
farm_stop
LOG=$WORK/bpargos.log

expect "argos --once finished in ${secs} s behind a slow reader and exited 0" \
	"argos --once did not finish behind a slow reader (status $rc after ${secs} s; 124 means it hung; log below)" \
	[ "$rc" = 0 ]
[ "$rc" = 0 ] || tail -40 "$LOG"
lost=$(grep -oE 'Results-lost: *[0-9]+' "$LOG" | tail -1 | grep -oE '[0-9]+$')
check "no result was lost (Results-lost: ${lost:-missing})" [ "${lost:-x}" = 0 ]
bp_line=$(grep 'back-pressure:' "$LOG" | tail -1)
held=$(echo "$bp_line" | grep -oE 'held [0-9]+' | grep -oE '[0-9]+')
bp_drops=$(drop_count "$LOG" backpressure)
sed -n '/argos summary/,/RTT p50/p' "$LOG"
echo "${bp_line:-back-pressure: no line from the dataplane}"
expect "the core held back new jobs (${held:-0} turns) and dropped ${bp_drops:-0} replies for lack of room" \
	"the core was not held back both ways (held ${held:-0} turns, ${bp_drops:-0} replies dropped): the test did not exercise back-pressure (more devices, or a slower reader)" \
	[ "${held:-0}" -gt 0 ] && [ "${bp_drops:-0}" -gt 0 ]
varbinds=$(grep -c '"kind":"snmp"' "$WORK/out.jsonl")
check "the output holds more records than 255 batches can ($varbinds varbinds)" \
	[ "$varbinds" -gt 200000 ]
expect "every device has every varbind of system, ifTable and ifXTable, values exact, no error" \
	"some varbinds are missing, wrong, or polls ended in errors behind the slow reader (see above)" \
	$ORACLE check-jsonl --jsonl "$WORK/out.jsonl" --devices "$WORK/devices.csv" --interfaces $K
check "argos's summary counts $N SNMP polls ok, 0 failed, and $N ping jobs" \
	grep -qE "SNMP polls: $N ok, 0 failed; ping jobs: $N;" "$LOG"
pings=$(grep '"kind":"ping"' "$WORK/out.jsonl" | grep -c '"loss_ratio":0.0000')
check "every device's ping result is in the output, nothing lost ($pings of $N)" [ "$pings" = "$N" ]
finish
