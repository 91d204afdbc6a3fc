#!/usr/bin/env bash
# farm_answers_kernel_tools.sh - argos-farm (net_af_packet, in the
# namespace argos-farm) answers net-snmp's tools and fping from the
# host, through the host route 198.19.0.0/17 via the farm's address:
# walks equal the documented value function (v2c GETBULK and v1
# GETNEXT, which hides Counter64), GETs of present and missing objects,
# the end of the MIB, GETBULK replies within 1472 bytes, tooBig, wrong
# community, 100 live devices answer ping, --dead devices answer nothing.
set -uo pipefail
TEST=farm_answers_kernel_tools
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/farm_lib.sh"
trap farm_cleanup EXIT
[ "$(id -u)" = 0 ] || die "must run as root (namespaces, hugepages, af_packet)"
grep -q '^HugePages_Free: *[1-9]' /proc/meminfo || die "no free hugepages: run scripts/hugepages"
need_farm
for t in snmpbulkwalk snmpwalk snmpget snmpgetnext snmpbulkget fping ethtool; do
	command -v $t >/dev/null || die "$t is missing: run scripts/install-deps"
done

ORACLE="python3 $(dirname "$0")/farm_oracle.py"
K=64          # interfaces: enough for a GET that cannot fit 1472 bytes
DEAD=2        # percent of devices that never answer
SNMP=(-c public -On -Oe -Ot -Ox -t 1 -r 1)

farm_net_up kernel
farm_start kt --interfaces $K --dead $DEAD

# Live and dead addresses, as the farm's hash chooses them.
$ORACLE dead --devices 198.19.0.0/20 --dead $DEAD >"$WORK/dead.txt"
is_dead() { grep -qx "$1" "$WORK/dead.txt"; }
LIVE=()
for a in 198.19.0.5 198.19.3.200 198.19.15.254 198.19.7.1 198.19.9.9 198.19.12.34; do
	is_dead $a || LIVE+=($a)
done
[ ${#LIVE[@]} -ge 3 ] || die "fewer than 3 of the chosen addresses are alive"
mapfile -t DEADS < <(head -5 "$WORK/dead.txt")
[ ${#DEADS[@]} -ge 1 ] || die "--dead $DEAD made no device of 198.19.0.0/20 dead"

# Whole-MIB walks, compared with the value function over the walk's seconds.
for a in "${LIVE[@]:0:3}"; do
	t0=$(date +%s)
	snmpbulkwalk -v2c "${SNMP[@]}" -Cr25 "$a" 1.3.6.1.2.1 >"$WORK/bulk-$a.txt" 2>&1
	rc=$?
	t1=$(date +%s)
	check "snmpbulkwalk -v2c of $a exits 0 (rc $rc)" [ $rc = 0 ]
	expect "snmpbulkwalk -v2c of $a: every OID in MIB order, every value the documented function" \
		"snmpbulkwalk -v2c of $a differs from the documented MIB (see above)" \
		$ORACLE check-walk --ip "$a" --interfaces $K --t0 "$t0" --t1 "$t1" "$WORK/bulk-$a.txt"
done
a=${LIVE[0]}
t0=$(date +%s)
snmpwalk -v1 "${SNMP[@]}" "$a" 1.3.6.1.2.1.31 >"$WORK/v1.txt" 2>&1
t1=$(date +%s)
expect "snmpwalk -v1 (GETNEXT) of ifXTable: exact, and Counter64 columns are hidden from v1" \
	"snmpwalk -v1 of $a's ifXTable differs from the documented MIB (see above)" \
	$ORACLE check-walk --ip "$a" --interfaces $K --t0 "$t0" --t1 "$t1" --v1 \
	--root 1.3.6.1.2.1.31 "$WORK/v1.txt"

# GETs: v1 and v2c, present and missing.
t0=$(date +%s)
snmpget -v1 "${SNMP[@]}" "$a" 1.3.6.1.2.1.1.5.0 1.3.6.1.2.1.2.2.1.10.3 \
	1.3.6.1.2.1.1.3.0 >"$WORK/get1.txt" 2>&1
t1=$(date +%s)
expect "snmpget -v1 of sysName, ifInOctets.3, sysUpTime: the documented values" \
	"snmpget -v1 of $a gave other values than the value function (see above)" \
	$ORACLE check-walk --ip "$a" --interfaces $K --t0 "$t0" --t1 "$t1" --v1 \
	--subset "$WORK/get1.txt"
snmpget -v1 "${SNMP[@]}" "$a" 1.3.6.1.2.1.31.1.1.1.6.1 >"$WORK/get64.txt" 2>&1
check "snmpget -v1 of a Counter64 (ifHCInOctets.1) is noSuchName" \
	grep -q 'noSuchName' "$WORK/get64.txt"
snmpget -v2c "${SNMP[@]}" "$a" 1.3.6.1.2.1.2.2.1.10.$((K + 1)) 1.3.6.1.2.1.1.99.0 \
	>"$WORK/get2.txt" 2>&1
check "snmpget -v2c of ifInOctets.$((K + 1)) is noSuchInstance" \
	grep -q "2.2.1.10.$((K + 1)) = No Such Instance" "$WORK/get2.txt"
check "snmpget -v2c of 1.3.6.1.2.1.1.99.0 is noSuchObject" \
	grep -q "1.1.99.0 = No Such Object" "$WORK/get2.txt"

# The end of the MIB.
LAST=1.3.6.1.2.1.31.1.1.1.19.$K
snmpgetnext -v2c "${SNMP[@]}" "$a" $LAST >"$WORK/end2.txt" 2>&1
check "snmpgetnext -v2c past the last object is endOfMibView" \
	grep -q 'No more variables left in this MIB View' "$WORK/end2.txt"
snmpgetnext -v1 "${SNMP[@]}" "$a" $LAST >"$WORK/end1.txt" 2>&1
check "snmpgetnext -v1 past the last object is noSuchName" grep -q 'noSuchName' "$WORK/end1.txt"
snmpgetnext -v2c "${SNMP[@]}" "$a" 1.3.6.1.2.1.2.2.1.10.$K >"$WORK/next.txt" 2>&1
check "snmpgetnext -v2c after the last ifInOctets row is ifInUcastPkts.1" \
	grep -q '^.1.3.6.1.2.1.2.2.1.11.1 = Counter32' "$WORK/next.txt"

# GETBULK asking for 500 rows gets what fits 1472 bytes, cut at a varbind.
snmpbulkget -v2c "${SNMP[@]}" -Cn0 -Cr500 -d "$a" 1.3.6.1.2.1.31.1.1.1.18 >"$WORK/bulk.txt" 2>&1
size=$(grep -oE 'Received [0-9]+ byte packet' "$WORK/bulk.txt" | head -1 | awk '{print $2}')
n=$(grep -c '^\.1\.3\.6' "$WORK/bulk.txt")
check "a GETBULK of max-repetitions 500 is answered within 1472 bytes, and fills more than 1300 (got ${size:-no reply})" \
	holds '[[ "$size" =~ ^[0-9]+$ ]] && [ "$size" -le 1472 ] && [ "$size" -gt 1300 ]'
check "that GETBULK reply holds whole varbinds, fewer than 500 ($n)" [ "$n" -gt 10 -a "$n" -lt 500 ]

# A GET of 60 ifAlias values cannot fit: tooBig.
oids=$(for i in $(seq 1 60); do printf '1.3.6.1.2.1.31.1.1.1.18.%d ' $i; done)
# shellcheck disable=SC2086
snmpget -v2c "${SNMP[@]}" "$a" $oids >"$WORK/toobig.txt" 2>&1
check "a GET whose answer cannot fit 1472 bytes gets tooBig" grep -q 'tooBig' "$WORK/toobig.txt"

# Wrong community: silence.
snmpget -v2c -c private -On -t 0.5 -r 0 "$a" 1.3.6.1.2.1.1.5.0 >"$WORK/comm.txt" 2>&1
check "a request with the wrong community gets no reply" grep -q 'Timeout' "$WORK/comm.txt"

# Ping: 100 live devices, and the dead ones.
mapfile -t HUNDRED < <(python3 -c '
import ipaddress, sys
dead = set(open(sys.argv[1]).read().split())
n = 0
for a in ipaddress.IPv4Network("198.19.4.0/22").hosts():
    if str(a) not in dead and n < 100:
        print(a); n += 1' "$WORK/dead.txt")
alive=$(fping -a -r 2 -t 500 -i 5 "${HUNDRED[@]}" 2>/dev/null | wc -l)
check "fping: all 100 live devices answer (alive: $alive)" [ "$alive" = 100 ]
alive=$(fping -a -r 1 -t 300 "${DEADS[@]}" 2>/dev/null | wc -l)
check "fping: none of the ${#DEADS[@]} --dead devices answers (alive: $alive)" [ "$alive" = 0 ]
snmpget -v2c -c public -On -t 0.5 -r 0 "${DEADS[0]}" 1.3.6.1.2.1.1.5.0 >"$WORK/deadget.txt" 2>&1
check "a --dead device does not answer SNMP either" grep -q 'Timeout' "$WORK/deadget.txt"

farm_stop
J=$WORK/kt.json
check "the farm wrote its statistics at exit (--stats-json)" test -s "$J"
check "the farm counted the wrong community" [ "$(farm_counter "$J" drop_bad_community)" -ge 1 ]
check "the farm counted the requests to dead devices" [ "$(farm_counter "$J" drop_dead)" -ge ${#DEADS[@]} ]
check "the farm counted tooBig replies" [ "$(farm_counter "$J" rep_toobig)" -ge 1 ]
check "the farm answered at least 100 pings" [ "$(farm_counter "$J" rep_icmp)" -ge 100 ]
check "the exit statistics were printed" grep -q 'argos-farm summary' "$WORK/kt.log"
finish
