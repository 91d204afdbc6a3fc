#!/bin/sh
# pass.sh - net-snmp `pass` script of argos's snmp_exporter test: a few
# objects of types snmpd has nowhere else, under 1.3.6.1.4.1.99999.
#   snmpd.conf:  pass .1.3.6.1.4.1.99999 /bin/sh .../pass.sh
# snmpd runs it with -g OID (GET) or -n OID (GETNEXT); it prints the OID,
# the type and the value, or nothing when there is no such object.
set -u
B=.1.3.6.1.4.1.99999
# The last two arcs of each object (its key: arcs zero-padded, so that
# text order is OID order), its type and its value, in OID order.
objects="0000000001.0000000000|1.0|counter64|18014398509481985
0000000002.0000000000|2.0|integer|-5
0000000003.0000000000|3.0|octet|A5 01
0000000004.0000000000|4.0|octet|00 FF 10
0000000005.0000000000|5.0|octet|00 1A 2B
0000000006.0000000001|6.1|gauge|10
0000000006.0000000002|6.2|gauge|20
0000000007.0000000001|7.1|string|uplink-1
0000000007.0000000002|7.2|string|"

# The asked OID as a key of its arcs after the base (none: before all).
want=$(echo "${2#$B}" | awk -F. '{ k = ""; for (i = 2; i <= NF; i++) k = k sprintf("%010d.", $i);
	print substr(k, 1, length(k) - 1) }')
echo "$objects" | while IFS='|' read -r key arcs type value; do
	if { [ "$1" = -g ] && [ "$key" = "$want" ]; } ||
	   { [ "$1" = -n ] && [ "$key" \> "$want" ]; }; then
		printf '%s\n%s\n%s\n' "$B.$arcs" "$type" "$value"
		break
	fi
done
