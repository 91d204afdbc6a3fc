#!/usr/bin/env bash
# snmpv3_hostile_agent.sh - a hostile SNMPv3 agent (hostile_v3_agent.py)
# answers each authenticated request of argos with a bad digest, a
# message cut inside its security parameters, an authentic message from
# another engine, a replay 1000 s old, and only then the right response.
# argos must drop the first four, each counted by its reason
# (wrong-digest, malformed, unknown-engine-id, not-in-time-window), take
# the fifth, and poll the device without an error: its six system
# scalars, sysName.0 as the agent sets it.
set -uo pipefail
TEST=snmpv3_hostile_agent
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agent_ns.sh"

NS=argos-v3h
SWPORT=v3h
ADDR=198.18.0.122
ENGINE=80001f8880feedfacecafe0001
PASS=hostile-auth-pass

cleanup_test() {
	agent_stop_all
	agent_ns_down "$NS" "$SWPORT"
	cleanup
}
trap cleanup_test EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

need_root_and_argos
testbed_up
ip link show argos0 >/dev/null 2>&1 ||
	die "the testbed has no interface argos0: run 'scripts/testbed down' and try again"
agent_ns_up "$NS" "$SWPORT" "$ADDR"
agent_start agent ip netns exec "$NS" python3 "$ROOT/tests/integration/hostile_v3_agent.py" \
	--address "$ADDR" --engine "$ENGINE" --user argos --auth-pass "$PASS" \
	--sys-name hostile-v3 --max-seconds 100
await_ready "hostile_v3_agent.py" 30 "$WORK/agent.log" grep -qs 'ready on' "$WORK/agent.log"

printf '%s\n' \
	id,hostname,ip_address,snmp_community,snmp_version,snmp_timeout,snmp_retries,snmpv3_security_level,snmpv3_auth_user,snmpv3_auth_proto,snmpv3_auth_passwd \
	"hostile,hostile,$ADDR,,3,2,2,authNoPriv,argos,SHA,$PASS" >"$WORK/devices.csv"
run_argos v3h --vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 \
	--gateway 198.18.0.1 --devices "$WORK/devices.csv" --once --ping-count 0 \
	--output "$WORK/out.jsonl"
rc=$?
expect "argos --once exits 0" "argos exited with $(status_name "$rc"): $(tail -3 "$WORK/v3h.log" | tr '\n' ' ')" \
	test "$rc" = 0

NREQ=$(grep -c 'flags 5 ' "$WORK/agent.log")
check "the agent saw the discovery and at least one authenticated request ($NREQ)" \
	holds '[ "$(grep -c "flags 4 engine  " "$WORK/agent.log")" -ge 1 ] && [ "$NREQ" -ge 1 ]'
for reason in wrong-digest malformed unknown-engine-id not-in-time-window; do
	n=$(drop_count "$WORK/v3h.log" "$reason")
	check "each authenticated request's $reason copy is dropped and counted ($n of $NREQ)" \
		test "${n:-0}" -ge "$NREQ"
done
check "the poll is ok, none failed" grep -q 'SNMP polls: 1 ok, 0 failed' "$WORK/v3h.log"
check "no error is reported" absent '"kind":"error"' "$WORK/out.jsonl"
check "sysName.0 is the agent's (hostile-v3, in hex), from the right response" \
	grep -q '"oid":"1.3.6.1.2.1.1.5.0".*"value":"686f7374696c652d7633"' "$WORK/out.jsonl"
check "the six system scalars are output" \
	test "$(grep -c '"oid":"1.3.6.1.2.1.1.[1-6].0"' "$WORK/out.jsonl")" = 6
if [ "$FAILED" -gt 0 ]; then
	echo "--- argos (last lines) ---"; grep -v '^EAL' "$WORK/v3h.log" | tail -20
	echo "--- agent (last lines) ---"; tail -10 "$WORK/agent.log"
	echo "--- output ---"; head -10 "$WORK/out.jsonl"
fi
finish
