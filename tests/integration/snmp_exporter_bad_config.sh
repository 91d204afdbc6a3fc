#!/usr/bin/env bash
# snmp_exporter_bad_config.sh - a faulty snmp.yml, or devices that name
# what it does not hold, stop argos at start with "FILE:LINE: reason" and
# exit status 1, nothing polled (issue 15): one file per kind of line
# that can be wrong (YAML syntax, a key unknown at every level, a value of
# the wrong kind, an OID, a type, a regular expression, an auth), then the
# devices file's snmp_exporter_module and snmp_exporter_auth columns.
#
# The snmp.yml faults stop argos before the EAL starts.  The devices file
# is read after it: those runs use --no-huge and net_null0, no network.
set -uo pipefail
TEST=snmp_exporter_bad_config
source "$(dirname "$0")/lib.sh"
trap cleanup EXIT
need_root_and_argos

EAL=(-m 256 --no-huge --no-pci --vdev net_null0)
NET=(--ip 198.18.43.2/24)
printf 'id,hostname,ip_address,snmp_community,snmp_version\nd1,d1,198.18.43.10,public,2c\n' \
	>"$WORK/plain.csv"

# refused NAME LINE REASON [DEVICES]: the snmp.yml on stdin must be refused
# with "$WORK/NAME.yml:LINE: ...REASON", exit status 1, nothing polled.
refused() {
	local name=$1 line=$2 reason=$3 devs=${4:-$WORK/plain.csv} rc
	cat >"$WORK/$name.yml"
	run_argos "sxbad-$name" "${EAL[@]}" -- "${NET[@]}" --devices "$devs" --once \
		--snmp-exporter-config "$WORK/$name.yml" --output "$WORK/$name.jsonl"
	rc=$?
	expect "$name: refused with exit status 1 and $name.yml:$line: ...$reason" \
		"$name: exit status $rc, said: $(grep '^argos:' "$WORK/sxbad-$name.log" | head -2 | tr '\n' ' ')" \
		bash -c '[ "$1" = 1 ] && grep -qF -- "argos: $2:$3: " "$4" && grep -qF -- "$5" "$4"' _ \
		"$rc" "$WORK/$name.yml" "$line" "$WORK/sxbad-$name.log" "$reason"
	expect "$name: nothing polled" "$name: argos started polling" \
		bash -c '! grep -q "argos: ready" "$1" && ! [ -s "$2" ]' _ \
		"$WORK/sxbad-$name.log" "$WORK/$name.jsonl"
}

refused yaml_syntax 3 "YAML syntax" <<'EOF'
if_mib:
  walk: [1.3.6.1.2.1.2
  get: []
EOF
refused empty_file 1 "no module in the file" </dev/null
refused top_key 4 "unknown key 'modulez'" <<'EOF'
auths:
  public_v2: {community: public}
modules: {m: {walk: [1.3.6.1.2.1.2]}}
modulez: {}
EOF
refused module_key 3 "unknown key 'wlak' in module 'if_mib'" <<'EOF'
if_mib:
  walk: [1.3.6.1.2.1.2]
  wlak: [1.3.6.1.2.1.31]
EOF
refused walk_oid 4 "'1.3.6.1.2.one' is not a numeric OID" <<'EOF'
if_mib:
  walk:
  - 1.3.6.1.2.1.2
  - 1.3.6.1.2.one
EOF
refused get_oid 3 "'.1..3' is not a numeric OID" <<'EOF'
if_mib:
  get:
  - .1..3
EOF
refused version 2 "SNMP version must be 1, 2 or 3" <<'EOF'
if_mib:
  version: 5
EOF
refused auth_key 4 "unknown key 'comunity'" <<'EOF'
if_mib:
  version: 2
  auth:
    comunity: public
EOF
refused auth_v3 4 "priv_protocol must be" <<'EOF'
if_mib:
  version: 3
  auth:
    username: u
    security_level: authPriv
    password: secret1
    auth_protocol: SHA
    priv_password: secret2
    priv_protocol: ROT13
EOF
refused timeout 2 "'five' is not a duration" <<'EOF'
if_mib:
  timeout: five
EOF
refused max_repetitions 2 "wants a whole number" <<'EOF'
if_mib:
  max_repetitions: 2.5
EOF
refused metric_key 7 "unknown key 'indices' in metric 'ifMtu'" <<'EOF'
if_mib:
  walk: [1.3.6.1.2.1.2]
  metrics:
  - name: ifMtu
    oid: 1.3.6.1.2.1.2.2.1.4
    type: gauge
    indices: []
EOF
refused metric_type 6 "'integer' is not a metric type" <<'EOF'
if_mib:
  walk: [1.3.6.1.2.1.2]
  metrics:
  - name: ifMtu
    oid: 1.3.6.1.2.1.2.2.1.4
    type: integer
EOF
refused metric_oid 5 "is not a numeric OID" <<'EOF'
if_mib:
  walk: [1.3.6.1.2.1.2]
  metrics:
  - name: ifMtu
    oid: ifMtu
    type: gauge
EOF
refused index_type 9 "'Float' is not an index type" <<'EOF'
if_mib:
  walk: [1.3.6.1.2.1.2]
  metrics:
  - name: ifMtu
    oid: 1.3.6.1.2.1.2.2.1.4
    type: gauge
    indexes:
    - labelname: ifIndex
      type: Float
EOF
refused index_fixed_size 10 "fixed_size wants a whole number" <<'EOF'
if_mib:
  walk: [1.3.6.1.2.1.2]
  metrics:
  - name: ifMtu
    oid: 1.3.6.1.2.1.2.2.1.4
    type: gauge
    indexes:
    - labelname: ifIndex
      type: OctetString
      fixed_size: eight
EOF
refused index_implied 10 "implied wants true or false" <<'EOF'
if_mib:
  walk: [1.3.6.1.2.1.2]
  metrics:
  - name: ifMtu
    oid: 1.3.6.1.2.1.2.2.1.4
    type: gauge
    indexes:
    - labelname: ifIndex
      type: OctetString
      implied: perhaps
EOF
refused lookup_key 11 "unknown key 'label_name'" <<'EOF'
if_mib:
  walk: [1.3.6.1.2.1.2]
  metrics:
  - name: ifMtu
    oid: 1.3.6.1.2.1.2.2.1.4
    type: gauge
    indexes: [{labelname: ifIndex, type: gauge}]
    lookups:
    - labels: [ifIndex]
      oid: 1.3.6.1.2.1.2.2.1.2
      label_name: ifDescr
EOF
refused lookup_oid 9 "needs the oid" <<'EOF'
if_mib:
  walk: [1.3.6.1.2.1.2]
  metrics:
  - name: ifMtu
    oid: 1.3.6.1.2.1.2.2.1.4
    type: gauge
    indexes: [{labelname: ifIndex, type: gauge}]
    lookups:
    - labels: [ifIndex]
      labelname: ifDescr
EOF
refused regex 9 "regular expression '(\d+': missing closing parenthesis" <<'EOF'
sys:
  walk: [1.3.6.1.2.1.1]
  metrics:
  - name: sysDescr
    oid: 1.3.6.1.2.1.1.1
    type: DisplayString
    regex_extracts:
      Version:
      - regex: (\d+
EOF
refused enum_values 8 "enum_values wants a whole number, not 'up'" <<'EOF'
if_mib:
  walk: [1.3.6.1.2.1.2]
  metrics:
  - name: ifOperStatus
    oid: 1.3.6.1.2.1.2.2.1.8
    type: gauge
    enum_values:
      up: 1
EOF
refused scale 7 "scale wants a number, not 'tenth'" <<'EOF'
if_mib:
  walk: [1.3.6.1.2.1.2]
  metrics:
  - name: ifSpeed
    oid: 1.3.6.1.2.1.2.2.1.5
    type: gauge
    scale: tenth
EOF
refused filter_regex 6 "filter values: regular expression" <<'EOF'
if_mib:
  walk: [1.3.6.1.2.1.2]
  filters:
  - oid: 1.3.6.1.2.1.2.2.1.7
    targets: [1.3.6.1.2.1.2.2.1.8]
    values: ["(1"]
EOF
refused auths_entry 2 "auth 'v3': username is missing" <<'EOF'
auths:
  v3:
    version: 3
modules:
  m: {walk: [1.3.6.1.2.1.2]}
EOF

# The devices file against the modules: after the EAL, the same rules.
cat >"$WORK/good.yml" <<'EOF'
if_mib:
  walk: [1.3.6.1.2.1.2]
EOF
cat >"$WORK/split.yml" <<'EOF'
auths:
  public_v2: {community: public, version: 2}
modules:
  if_mib: {walk: [1.3.6.1.2.1.2]}
EOF
# devices NAME REASON LINE CONFIG FLAGS... : the devices file on stdin is refused.
devices() {
	local name=$1 reason=$2 line=$3 cfg=$4 rc
	shift 4
	cat >"$WORK/$name.csv"
	run_argos "sxbad-$name" "${EAL[@]}" -- "${NET[@]}" --devices "$WORK/$name.csv" --once \
		--output "$WORK/$name.jsonl" ${cfg:+--snmp-exporter-config "$cfg"} "$@"
	rc=$?
	expect "$name: refused with exit status 1 and $name.csv:$line: ...$reason" \
		"$name: exit status $rc, said: $(grep '^argos:' "$WORK/sxbad-$name.log" | head -2 | tr '\n' ' ')" \
		bash -c '[ "$1" = 1 ] && grep -qF -- "argos: $2:$3: " "$4" && grep -qF -- "$5" "$4"' _ \
		"$rc" "$WORK/$name.csv" "$line" "$WORK/sxbad-$name.log" "$reason"
	expect "$name: nothing polled" "$name: argos started polling" \
		bash -c '! grep -q "argos: ready" "$1" && ! [ -s "$2" ]' _ \
		"$WORK/sxbad-$name.log" "$WORK/$name.jsonl"
}
H=id,hostname,ip_address,snmp_community,snmp_version,snmp_exporter_module
devices unknown_module "'if_mb' is not a module of $WORK/good.yml" 3 "$WORK/good.yml" <<EOF
$H
d1,d1,198.18.43.10,public,2c,if_mib
d2,d2,198.18.43.11,public,2c,"if_mib, if_mb"
EOF
devices module_twice "'if_mib' is named twice" 2 "$WORK/good.yml" <<EOF
$H
d1,d1,198.18.43.10,public,2c,"if_mib,if_mib"
EOF
devices empty_module_name "has an empty module name" 2 "$WORK/good.yml" <<EOF
$H
d1,d1,198.18.43.10,public,2c,"if_mib,"
EOF
devices unknown_auth "'public_v3' is not an auth of $WORK/split.yml" 2 "$WORK/split.yml" <<EOF
$H,snmp_exporter_auth
d1,d1,198.18.43.10,public,2c,if_mib,public_v3
EOF
devices auth_old_layout "it has no auths:" 2 "$WORK/good.yml" <<EOF
$H,snmp_exporter_auth
d1,d1,198.18.43.10,public,2c,if_mib,public_v2
EOF
devices no_config "snmp_exporter_module needs --snmp-exporter-config" 2 "" <<EOF
$H
d1,d1,198.18.43.10,public,2c,if_mib
EOF

finish
