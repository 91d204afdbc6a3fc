#!/usr/bin/env bash
# farm_ports_are_devices.sh - argos-farm --ports 161-168 serves eight
# devices per address, one per UDP port, each with its own values
# (net-snmp's tools from the host, compared with the documented value
# function); a port outside the range gets nothing; one ping gets one
# reply, however many ports the address has; and --poll-log counts
# what each device saw: polls split by --poll-gap-ms, two sources at
# once as an overlap, ping rounds, the mark that SIGUSR1 sets and
# SIGUSR2 keeps.
set -uo pipefail
TEST=farm_ports_are_devices
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/farm_lib.sh"
trap farm_cleanup EXIT
[ "$(id -u)" = 0 ] || die "must run as root (namespaces, hugepages, af_packet)"
grep -q '^HugePages_Free: *[1-9]' /proc/meminfo || die "no free hugepages: run scripts/hugepages"
need_farm
for t in snmpbulkwalk snmpget ping ethtool; do
	command -v $t >/dev/null || die "$t is missing: run scripts/install-deps"
done

ORACLE="python3 $(dirname "$0")/farm_oracle.py"
K=4
A=198.19.0.5
SRC2=198.19.255.3     # a second poller: another address on the host end
PLOG=$WORK/poll.log
SNMP=(-c public -On -Oe -Ot -Ox -t 1 -r 0)

farm_net_up kernel
ip addr add $SRC2/24 dev "$FARM_HOST_IF" || die "cannot add $SRC2 to $FARM_HOST_IF"
farm_start ports --interfaces $K --ports 161-168 --poll-log "$PLOG" --poll-gap-ms 1000
check "the ready line names the port range" grep -q 'ports 161-168' "$FARM_LOG"

# Two ports of one address: each its own device, each the value function.
for p in 161 162 168; do
	t0=$(date +%s)
	snmpbulkwalk -v2c "${SNMP[@]}" -Cr25 "udp:$A:$p" 1.3.6.1.2.1 >"$WORK/walk-$p.txt" 2>&1
	t1=$(date +%s)
	expect "snmpbulkwalk of $A port $p: every value is the device's own (port index $((p - 161)))" \
		"the walk of $A port $p differs from the value function of that port (see above)" \
		$ORACLE check-walk --ip $A --ports 161-168 --port $p --interfaces $K \
		--t0 "$t0" --t1 "$t1" "$WORK/walk-$p.txt"
done
c161=$(grep '^\.1\.3\.6\.1\.2\.1\.2\.2\.1\.10\.1 ' "$WORK/walk-161.txt")
c162=$(grep '^\.1\.3\.6\.1\.2\.1\.2\.2\.1\.10\.1 ' "$WORK/walk-162.txt")
check "ports 161 and 162 of $A answer different ifInOctets.1 (${c161##* } vs ${c162##* })" \
	holds '[ -n "$c161" ] && [ "${c161##* }" != "${c162##* }" ]'
snmpget -v2c "${SNMP[@]}" "udp:$A:169" 1.3.6.1.2.1.1.5.0 >"$WORK/p169.txt" 2>&1
check "port 169, outside --ports 161-168, gets no reply" grep -q 'Timeout' "$WORK/p169.txt"

# One ping, one reply: the address is shared by eight devices.
ping -n -c 3 -i 0.2 -W 1 $A >"$WORK/ping.txt" 2>&1
check "3 pings to $A: 3 replies, no duplicates" \
	holds 'grep -q "3 packets transmitted, 3 received" "$WORK/ping.txt" && ! grep -q "DUP" "$WORK/ping.txt"'

# The poll log.  Port 163: two requests 0.2 s apart are one poll, a
# third 1.3 s later another.  Port 164: the host's two addresses within
# the gap, an overlap.  Port 165: polled after the SIGUSR1 mark.
get() { snmpget -v2c "${SNMP[@]}" "$@" 1.3.6.1.2.1.1.3.0 >/dev/null 2>&1; }
get "udp:$A:163"; sleep 0.2; get "udp:$A:163"; sleep 1.3; get "udp:$A:163"
get "udp:$A:164"; get --clientaddr=$SRC2 "udp:$A:164"
check "the farm takes SIGUSR1" farm_signal USR1
check "the poll log is written on SIGUSR1" wait_until 10 test -s "$PLOG"
cp "$PLOG" "$WORK/poll-usr1.log"
sleep 0.1
get "udp:$A:165"
check "the farm takes SIGUSR2" farm_signal USR2
check "the poll log is rewritten on SIGUSR2" wait_until 10 holds '! cmp -s "$PLOG" "$WORK/poll-usr1.log"'
cp "$PLOG" "$WORK/poll-usr2.log"
farm_stop
row() {   # row FILE PORT COLUMN: the value of COLUMN for $A:PORT
	awk -v a=$A -v p="$2" -v col="$3" 'NR == 2 { for (i = 1; i <= NF; i++) c[$i] = i }
		NR > 2 && $2 == a && $3 == p { print $c[col] }' "$1"
}
check "the poll log starts with the documented header" \
	holds 'sed -n 2p "$PLOG" | grep -qx "device ip port polls pings overlaps first_ms last_ms max_poll_gap_ms max_ping_gap_ms sources echoes last_source mark_poll_ms"'
check "device index of $A:162 is address index x 8 + 1 ($(row "$PLOG" 162 device))" \
	[ "$(row "$PLOG" 162 device)" = $((5 * 8 + 1)) ]
check "$A:163: three requests, two polls (0.2 s apart is one; 1.3 s later another): $(row "$PLOG" 163 polls)" \
	[ "$(row "$PLOG" 163 polls)" = 2 ]
gap=$(row "$PLOG" 163 max_poll_gap_ms)
check "$A:163: the gap between its polls is about 1.5 s ($gap ms)" \
	holds '[ "${gap:-0}" -ge 1400 ] && [ "${gap:-0}" -le 3000 ]'
check "$A:164: two sources within the gap: one overlap, two sources ($(row "$PLOG" 164 overlaps), $(row "$PLOG" 164 sources))" \
	holds '[ "$(row "$PLOG" 164 overlaps)" = 1 ] && [ "$(row "$PLOG" 164 sources)" = 2 ]'
check "$A:164's last source is $SRC2 ($(row "$PLOG" 164 last_source))" [ "$(row "$PLOG" 164 last_source)" = $SRC2 ]
check "$A:163 has no overlap ($(row "$PLOG" 163 overlaps))" [ "$(row "$PLOG" 163 overlaps)" = 0 ]
check "$A:161 holds the address's pings: 3 echo requests, one round ($(row "$PLOG" 161 echoes), $(row "$PLOG" 161 pings))" \
	holds '[ "$(row "$PLOG" 161 echoes)" = 3 ] && [ "$(row "$PLOG" 161 pings)" = 1 ]'
check "$A:162 counts no pings ($(row "$PLOG" 162 echoes))" [ "$(row "$PLOG" 162 echoes)" = 0 ]
check "the SIGUSR1 log does not know port 165 yet" holds '[ -z "$(row "$WORK/poll-usr1.log" 165 polls)" ]'
mark=$(sed -n 1p "$PLOG" | awk '{ for (i = 1; i < NF; i++) if ($i == "mark_ms") print $(i + 1) }')
mp=$(row "$PLOG" 165 mark_poll_ms)
check "$A:165's first poll after the mark ($mp ms) is after the mark ($mark ms)" \
	holds '[ "${mark:--1}" -ge 0 ] && [ "${mp:--1}" -ge "$mark" ]'
check "$A:163, polled only before the mark, has no poll after it ($(row "$PLOG" 163 mark_poll_ms))" \
	[ "$(row "$PLOG" 163 mark_poll_ms)" = -1 ]
mark2=$(sed -n 1p "$WORK/poll-usr2.log" | awk '{ for (i = 1; i < NF; i++) if ($i == "mark_ms") print $(i + 1) }')
check "SIGUSR2 and the exit leave the mark of SIGUSR1 where it was ($mark2, $mark ms)" [ "$mark2" = "$mark" ]
check "no device of another address is in the log" \
	holds '[ "$(awk -v a=$A "NR > 2 && \$2 != a" "$PLOG" | wc -l)" = 0 ]'
finish
