#!/usr/bin/env bash
# farm_snmpv3_matches_v2c.sh - argos-farm answers SNMPv3 (USM, authPriv
# SHA-256/AES-128, one user from --v3-*) as it answers v2c:
#   - net-snmp's snmpbulkwalk -v3 of a device (engine discovery, then
#     authPriv) gives the same OIDs and types as -v2c, every value the
#     documented function;
#   - the RFC 3414 Reports: wrong auth passphrase (wrongDigests), unknown
#     user, a level the user does not have, wrong privacy passphrase
#     (decryptionErrors), unknown context;
#   - argos polls 200 devices once over v2c and once over v3 authPriv:
#     both equal the value function, and the two give the same varbinds
#     (OIDs and types, and the values of the columns that do not move).
set -uo pipefail
TEST=farm_snmpv3_matches_v2c
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/farm_lib.sh"
trap farm_cleanup EXIT
need_root_and_argos
need_farm
for t in snmpbulkwalk snmpget ethtool; do
	command -v $t >/dev/null || die "$t is missing: run scripts/install-deps"
done

ORACLE="python3 $(dirname "$0")/farm_oracle.py"
K=8            # interfaces per device
N=200
USER=argosv3
APASS=farm-auth-passphrase
PPASS=farm-priv-passphrase
V3FARM=(--v3-user $USER --v3-auth-proto SHA-256 --v3-auth-pass $APASS
	--v3-priv-proto AES --v3-priv-pass $PPASS)
export HOME=$WORK SNMP_PERSISTENT_DIR=$WORK/client MIBS=
V3=(-v3 -l authPriv -u $USER -a SHA-256 -A $APASS -x AES -X $PPASS -On -Oe -Ot -Ox -t 1 -r 1)

# 1. net-snmp's tools over the host route.
farm_net_up kernel
farm_start tools --interfaces $K "${V3FARM[@]}"
check "the farm names its SNMPv3 user at start" \
	grep -q "snmpv3: user $USER authPriv SHA-256/AES engine 80001f88046172676f732d6661726d boots 1" \
	"$FARM_LOG"
a=198.19.0.5
t0=$(date +%s)
snmpbulkwalk "${V3[@]}" -Cr25 $a 1.3.6.1.2.1 >"$WORK/v3walk.txt" 2>&1
rc=$?
t1=$(date +%s)
check "snmpbulkwalk -v3 authPriv SHA-256/AES of $a exits 0 (rc $rc)" [ $rc = 0 ]
expect "snmpbulkwalk -v3 authPriv of $a: every OID in MIB order, every value the documented function" \
	"snmpbulkwalk -v3 of $a differs from the documented MIB (see above)" \
	$ORACLE check-walk --ip $a --interfaces $K --t0 "$t0" --t1 "$t1" "$WORK/v3walk.txt"
snmpbulkwalk -v2c -c public -On -Oe -Ot -Ox -t 1 -r 1 -Cr25 $a 1.3.6.1.2.1 >"$WORK/v2walk.txt" 2>&1
# OID and type of each varbind line (-Ot prints sysUpTime as a bare number: no type, no value)
names() { grep '^\.' "$1" | sed -E 's/ = ([A-Za-z0-9-]+:)?.*/ = \1/'; }
check "the v3 walk has the v2c walk's OIDs and types, line for line ($(wc -l <"$WORK/v3walk.txt") lines)" \
	cmp -s <(names "$WORK/v3walk.txt") <(names "$WORK/v2walk.txt")

# The Reports of RFC 3414 3.2, as net-snmp's tools name them.
get3() {   # get3 OUT [snmpget options...]: sysName.0 of $a
	local out=$1; shift
	snmpget -v3 -On -t 1 -r 0 "$@" $a 1.3.6.1.2.1.1.5.0 >"$WORK/$out.txt" 2>&1
}
get3 wrongauth -l authPriv -u $USER -a SHA-256 -A wrong-passphrase -x AES -X $PPASS
check "a wrong auth passphrase gets the Report usmStatsWrongDigests (authentication failure)" \
	grep -qi 'authentication failure' "$WORK/wrongauth.txt"
get3 nouser -l authPriv -u nobody -a SHA-256 -A $APASS -x AES -X $PPASS
check "an unknown user gets the Report usmStatsUnknownUserNames" \
	grep -qi 'unknown user name' "$WORK/nouser.txt"
get3 level -l authNoPriv -u $USER -a SHA-256 -A $APASS
check "authNoPriv for an authPriv user gets the Report usmStatsUnsupportedSecLevels" \
	grep -qi 'unsupported security level' "$WORK/level.txt"
get3 wrongpriv -l authPriv -u $USER -a SHA-256 -A $APASS -x AES -X wrong-passphrase
check "a wrong privacy passphrase gets the Report usmStatsDecryptionErrors" \
	grep -qi "decryption error" "$WORK/wrongpriv.txt"
get3 ctx -n nosuchctx -l authPriv -u $USER -a SHA-256 -A $APASS -x AES -X $PPASS
check "an unknown context gets the Report snmpUnknownContexts" \
	grep -qiE 'bad context|unknown context' "$WORK/ctx.txt"
snmpget -v2c -c public -On -t 1 -r 0 $a 1.3.6.1.2.1.1.5.0 >"$WORK/v2get.txt" 2>&1
check "v2c still answers beside v3" grep -q 'STRING' "$WORK/v2get.txt"
farm_stop
J=$WORK/tools.json
check "the farm counted v3 requests" [ "$(farm_counter "$J" req_v3)" -ge 10 ]
check "the farm counted its Reports (discovery and the refusals above)" \
	[ "$(farm_counter "$J" rep_report)" -ge 5 ]
check "the farm dropped no v3 request as malformed" [ "$(farm_counter "$J" drop_malformed)" = 0 ]
farm_net_down

# 2. argos over v2c and over v3 authPriv, the same devices.
devices() {   # devices 2c|3 > FILE
	echo "id,hostname,ip_address,snmp_community,snmp_version,snmp_timeout,snmp_retries,snmp_max_repetitions,ping_frequency,snmpv3_security_level,snmpv3_auth_user,snmpv3_auth_proto,snmpv3_auth_passwd,snmpv3_privacy_proto,snmpv3_privacy_passwd"
	for k in $(seq 0 $((N - 1))); do
		if [ "$1" = 3 ]; then
			printf 'd%04d,farm-d%04d,198.19.%d.%d,,3,1,2,25,0,authPriv,%s,SHA-256,%s,AES,%s\n' \
				$k $k $((k / 200)) $((k % 200 + 10)) $USER $APASS $PPASS
		else
			printf 'd%04d,farm-d%04d,198.19.%d.%d,public,2c,1,2,25,0,,,,,,\n' \
				$k $k $((k / 200)) $((k % 200 + 10))
		fi
	done
}
farm_net_up
farm_start argosfarm --interfaces $K --idle-sleep-us 50 "${V3FARM[@]}"
for v in 2c 3; do
	devices $v >"$WORK/v$v.csv"
	ARGOS_TIMEOUT=45 run_argos "argos-v$v" --vdev "net_af_packet0,iface=$FARM_HOST_IF,framecnt=$FARM_FRAMES" -m 512 -- \
		--ip 198.19.255.3/24 --gateway $FARM_IP --devices "$WORK/v$v.csv" --once \
		--output "$WORK/v$v.jsonl"
	rc=$?
	expect "v$v: argos --once exits 0" "v$v: argos --once failed with status $rc (log below)" [ $rc = 0 ]
	[ $rc = 0 ] || tail -30 "$WORK/argos-v$v.log"
	check "v$v: argos's summary counts $N SNMP polls ok, 0 failed" \
		grep -q "SNMP polls: $N ok, 0 failed" "$WORK/argos-v$v.log"
	expect "v$v: every device's walks equal the farm's value function (OIDs, types, values)" \
		"v$v: argos's values differ from the farm's value function (see above)" \
		$ORACLE check-jsonl --jsonl "$WORK/v$v.jsonl" --devices "$WORK/v$v.csv" --interfaces $K
done
farm_stop
expect "argos's v3 authPriv varbinds equal its v2c varbinds: the same OIDs and types per device, the same values where they do not move with time" \
	"argos's v3 and v2c polls of the same devices differ (see above)" \
	python3 - "$WORK/v2c.jsonl" "$WORK/v3.jsonl" <<'EOF'
import json, sys
# Columns whose value does not depend on the time: system's strings and
# OIDs, ifIndex, ifDescr, ifType, ifMtu, ifSpeed, ifPhysAddress, ifName,
# ifHighSpeed, ifAlias, ifConnectorPresent...; the rest are counters and
# clocks, which the oracle checked in time.
STILL = ("1.3.6.1.2.1.2.2.1.1.", "1.3.6.1.2.1.2.2.1.2.", "1.3.6.1.2.1.2.2.1.3.",
         "1.3.6.1.2.1.2.2.1.4.", "1.3.6.1.2.1.2.2.1.5.", "1.3.6.1.2.1.2.2.1.6.",
         "1.3.6.1.2.1.31.1.1.1.1.", "1.3.6.1.2.1.31.1.1.1.15.", "1.3.6.1.2.1.31.1.1.1.18.",
         "1.3.6.1.2.1.1.1.", "1.3.6.1.2.1.1.2.", "1.3.6.1.2.1.1.5.")
def load(p):
    out = {}
    for ln in open(p):
        r = json.loads(ln)
        if r.get("kind") == "snmp":
            out[(r["device_id"], r["oid"])] = (r["type"], r["value"])
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
bad = 0
if a.keys() != b.keys():
    bad += 1
    print("v2c has %d varbinds, v3 %d; only in v2c: %s; only in v3: %s"
          % (len(a), len(b), sorted(a.keys() - b.keys())[:3], sorted(b.keys() - a.keys())[:3]))
still = 0
for k in a.keys() & b.keys():
    if a[k][0] != b[k][0]:
        bad += 1
        print("%s %s: type %s over v2c, %s over v3" % (k[0], k[1], a[k][0], b[k][0]))
    elif k[1].startswith(STILL):
        still += 1
        if a[k][1] != b[k][1]:
            bad += 1
            print("%s %s: %r over v2c, %r over v3" % (k[0], k[1], a[k][1], b[k][1]))
print("compared %d varbinds, %d values that do not move, %d differences" % (len(a), still, bad))
sys.exit(0 if a and still and bad == 0 else 1)
EOF
J=$WORK/argosfarm.json
check "the farm answered argos's v3 requests without a Report beyond discovery ($(farm_counter "$J" rep_report) Reports for $N devices)" \
	holds '[ "$(farm_counter "$J" rep_report)" -le $((2 * N)) ] && [ "$(farm_counter "$J" req_v3)" -gt $N ]'
check "the farm dropped no v3 request" [ "$(farm_counter "$J" drop_usm)" = 0 ]
finish
