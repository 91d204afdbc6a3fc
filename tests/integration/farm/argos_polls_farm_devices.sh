#!/usr/bin/env bash
# argos_polls_farm_devices.sh - argos (net_af_packet on argosf0) polls
# 1000 argos-farm devices (one in ten SNMPv1) once, four times:
#   clean:          every varbind of system, ifTable and ifXTable equals
#                   the farm's value function at the reply's time; pings
#                   all answered;
#   --loss 5:       argos's retries recover every poll, and the farm
#                   dropped about 5% of the requests;
#   --duplicate 10: argos drops the second copies as duplicates, values
#                   still exact;
#   --dead 1:       exactly the dead devices end in timeout errors.
set -uo pipefail
TEST=argos_polls_farm_devices
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/farm_lib.sh"
trap farm_cleanup EXIT
need_root_and_argos
need_farm

ORACLE="python3 $(dirname "$0")/farm_oracle.py"
K=8            # interfaces per device
N=1000

# devices.csv (controlplane/cp_devices.h): RETRIES and PING_FREQ vary per run.
devices() {   # devices RETRIES PING_FREQ > FILE
	echo "id,hostname,ip_address,snmp_community,snmp_version,snmp_port,snmp_timeout,snmp_retries,snmp_max_repetitions,polling_frequency,ping_frequency"
	for k in $(seq 0 $((N - 1))); do
		v=2c; [ $((k % 10)) = 7 ] && v=1
		printf 'd%04d,farm-d%04d,198.19.%d.%d,public,%s,161,1,%d,25,60,%d\n' \
			$k $k $((k / 200)) $((k % 200 + 10)) $v "$1" "$2"
	done
}

# poll NAME [farm options...]: farm up, argos --once, farm down.
poll() {
	local name=$1; shift
	# The farm shares CPU 0 with argos's control plane: let it sleep when idle.
	farm_start "farm-$name" --interfaces $K --idle-sleep-us 50 "$@"
	ARGOS_TIMEOUT=45 run_argos "${name}argos" --vdev "net_af_packet0,iface=$FARM_HOST_IF,framecnt=$FARM_FRAMES" -m 512 -- \
		--ip 198.19.255.3/24 --gateway $FARM_IP --devices "$WORK/$name.csv" --once \
		--output "$WORK/$name.jsonl"
	local rc=$?
	farm_stop
	expect "$name: argos --once exits 0" "$name: argos --once failed with status $rc (log below)" \
		[ $rc = 0 ]
	[ $rc = 0 ] || tail -30 "$WORK/${name}argos.log"
}

# Pings of live devices all answered, of dead ones all lost.
pings_ok() {   # pings_ok JSONL DEAD_PCT
	python3 - "$1" "$2" "$(dirname "$0")" <<'EOF'
import json, sys, ipaddress
sys.path.insert(0, sys.argv[3])
import farm_oracle as o
bad = n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["kind"] != "ping":
        continue
    n += 1
    k = int(r["device_id"][1:])
    ip = int(ipaddress.IPv4Address("198.19.%d.%d" % (k // 200, k % 200 + 10)))
    want = 1.0 if o.device_is(ip, o.SALT_DEAD, float(sys.argv[2])) else 0.0
    if r["loss_ratio"] != want:
        bad += 1
        print("ping of %s: loss %s, want %s" % (r["device_id"], r["loss_ratio"], want))
print("pings checked: %d, wrong: %d" % (n, bad))
sys.exit(0 if n > 0 and bad == 0 else 1)
EOF
}

farm_net_up

# 1. Clean.
devices 2 10 >"$WORK/clean.csv"
poll clean
expect "clean: every device's walks equal the farm's value function (OIDs, types, values)" \
	"clean: argos's values differ from the farm's value function (see above)" \
	$ORACLE check-jsonl --jsonl "$WORK/clean.jsonl" --devices "$WORK/clean.csv" --interfaces $K
expect "clean: every ping of every device was answered" "clean: pings were lost (see above)" \
	pings_ok "$WORK/clean.jsonl" 0
check "clean: argos's summary counts $N SNMP polls ok, 0 failed" \
	grep -q "SNMP polls: $N ok, 0 failed" "$WORK/cleanargos.log"

# 2. Loss: four retries make a lost poll (5%^5 per request) unlikely.
devices 4 0 >"$WORK/loss.csv"
poll loss --loss 5
expect "loss 5%: argos's retries recovered every poll, values exact" \
	"loss 5%: some polls failed or values are wrong despite retries (see above)" \
	$ORACLE check-jsonl --jsonl "$WORK/loss.jsonl" --devices "$WORK/loss.csv" --interfaces $K
J=$WORK/farm-loss.json
req=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["total"]; print(t["req_get"]+t["req_getnext"]+t["req_getbulk"])' "$J")
lost=$(farm_counter "$J" drop_loss)
pct=$(python3 -c "print('%.2f' % (100.0 * $lost / max($req, 1)))")
check "loss 5%: the farm dropped ${pct}% of $req SNMP requests (want 3..7%)" \
	python3 -c "import sys; sys.exit(0 if $req > 5000 and 3 <= $pct <= 7 else 1)"
retries=$(grep -oE 'Retries: *[0-9]+' "$WORK/lossargos.log" | tail -1 | grep -oE '[0-9]+')
check "loss 5%: argos retried ($retries retries for the farm's $lost drops)" \
	[ "${retries:-0}" -gt 0 ]

# 3. Duplicates.
devices 2 0 >"$WORK/dup.csv"
poll dup --duplicate 10
expect "duplicate 10%: values still exact" "duplicate 10%: values are wrong (see above)" \
	$ORACLE check-jsonl --jsonl "$WORK/dup.jsonl" --devices "$WORK/dup.csv" --interfaces $K
dups=$(farm_counter "$WORK/farm-dup.json" duplicates)
dropped=$(drop_count "$WORK/dupargos.log" duplicate)
check "duplicate 10%: argos dropped ${dropped:-none} duplicates of the farm's ${dups:-none} (90% to 100% of them)" \
	holds '[[ "$dropped" =~ ^[0-9]+$ && "$dups" =~ ^[0-9]+$ ]] && [ "$dropped" -gt 0 ] &&
		[ "$dropped" -le "$dups" ] && [ "$dropped" -ge $((dups * 9 / 10)) ]'

# 4. Dead devices.
devices 2 10 >"$WORK/dead.csv"
poll dead --dead 1
expect "dead 1%: exactly the dead devices time out, the others are exact" \
	"dead 1%: timeouts do not match the farm's dead devices (see above)" \
	$ORACLE check-jsonl --jsonl "$WORK/dead.jsonl" --devices "$WORK/dead.csv" --interfaces $K \
	--dead 1
expect "dead 1%: dead devices lose every ping, live ones none" \
	"dead 1%: ping results do not match the farm's dead devices (see above)" \
	pings_ok "$WORK/dead.jsonl" 1
finish
