#!/usr/bin/env bash
# snmpv3_errors_named.sh - SNMPv3 failures carry USM's names, and an
# agent restart is followed without one.  One net-snmp snmpd with v3
# users (v3_agent.sh); argos polls it every 3 s with:
#   good        p_sha256_aes, right passphrases  -> varbinds, never an error
#   wrongauth   a_sha, a wrong auth passphrase   -> wrong-digest
#   wrongpriv   p_sha_aes, a wrong priv one      -> timeout: net-snmp 5.9.3
#               sends no Report (AES-CFB "decrypts" anything; the garbage
#               counts in its snmpInASNParseErrs), so argos cannot know
#   nouser      a user snmpd does not have       -> unknown-user
#   wronglevel  a_sha (authNoPriv) asked authPriv -> unsupported-sec-level
# A device that fails has its error on every poll and emits no varbind.
# Then snmpd is restarted on its saved state (snmpEngineBoots + 1): the
# next polls of good succeed without an error (argos's clock is behind
# the new boots: the agent's notInTimeWindow Report resynchronizes it).
set -uo pipefail
TEST=snmpv3_errors_named
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agent_ns.sh"
source "$(dirname "$0")/v3_agent.sh"

NS=argos-v3e
SWPORT=v3e
ADDR=198.18.0.121
ARGOS_PID=

cleanup_test() {
	[ -n "$ARGOS_PID" ] && kill -KILL "$ARGOS_PID" 2>/dev/null
	wait "$ARGOS_PID" 2>/dev/null
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
v3_agent_up "$NS" "$SWPORT" "$ADDR"

# the agent's snmpEngineBoots, as net-snmp's snmpget reads it
boots() {
	ip netns exec "$NS" env HOME="$WORK" SNMP_PERSISTENT_DIR="$WORK/client" MIBS= \
		snmpget -v2c -c public -t 1 -r 2 -Oqv "$ADDR" 1.3.6.1.6.3.10.2.1.2.0
}

H=id,hostname,ip_address,snmp_community,snmp_version,snmp_timeout,snmp_retries,polling_frequency,ping_frequency
H=$H,snmpv3_security_level,snmpv3_auth_user,snmpv3_auth_proto,snmpv3_auth_passwd
H=$H,snmpv3_privacy_proto,snmpv3_privacy_passwd
read -r _ _ _ GA _ GP <<<"$(v3_user p_sha256_aes)"
read -r _ _ _ PA _ _ <<<"$(v3_user p_sha_aes)"
read -r _ _ _ AA _ _ <<<"$(v3_user a_sha)"
DEV=$WORK/devices.csv
printf '%s\n' "$H" \
	"good,good,$ADDR,,3,2,2,3,0,authPriv,p_sha256_aes,SHA-256,$GA,AES,$GP" \
	"wrongauth,wrongauth,$ADDR,,3,1,1,3,0,authNoPriv,a_sha,SHA,not-the-passphrase,," \
	"wrongpriv,wrongpriv,$ADDR,,3,1,1,3,0,authPriv,p_sha_aes,SHA,$PA,AES,not-the-passphrase" \
	"nouser,nouser,$ADDR,,3,1,1,3,0,authNoPriv,nosuchuser,SHA,some-passphrase,," \
	"wronglevel,wronglevel,$ADDR,,3,1,1,3,0,authPriv,a_sha,SHA,$AA,AES,some-passphrase" \
	>"$DEV"
mkdir -p "$WORK/log"
LOG=$WORK/log/argos.log
OUT=$WORK/out.jsonl
BOOTS0=$(boots)

"$ARGOS" -l 0,1 --file-prefix v3errors -m 512 \
	--vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 --gateway 198.18.0.1 \
	--devices "$DEV" --ping-count 0 --log "$WORK/log" --output "$OUT" >"$WORK/stdout" 2>&1 &
ARGOS_PID=$!
await_ready "argos" 60 "$WORK/stdout" grep -qs '^argos: ready:' "$LOG"

# count KIND DEVICE [ERROR]: lines of that kind (and error name) for the device
count() {
	local pat="\"kind\":\"$1\",\"device_id\":\"$2\""
	[ -n "${3:-}" ] && pat="$pat.*\"error\":\"$3\""
	grep -c "$pat" "$OUT" 2>/dev/null
}
# at_least N KIND DEVICE [ERROR]
at_least() { [ "$(count "$2" "$3" "${4:-}")" -ge "$1" ]; }

check "good: its first poll (engine discovery, then authPriv SHA-256/AES) gives varbinds within 20 s" \
	wait_until 20 at_least 1 snmp good
for e in wrongauth:wrong-digest wrongpriv:timeout nouser:unknown-user \
	wronglevel:unsupported-sec-level; do
	check "${e%%:*}: two polls, each reported as ${e#*:}, within 20 s" \
		wait_until 20 at_least 2 error "${e%%:*}" "${e#*:}"
done

# The restart.  A poll of good in flight meanwhile is answered by a
# retry (snmp_timeout 2 s, 2 retries); snmpd restarts in under a second.
polls() {   # polls of good so far: one sysUpTime.0 in each
	grep -c '"device_id":"good".*"oid":"1.3.6.1.2.1.1.3.0"' "$OUT" 2>/dev/null
}
polls_at_least() { [ "$(polls)" -ge "$1" ]; }
v3_agent_stop "$NS"
v3_agent_start "$NS" "$ADDR"
BOOTS1=$(boots)
P1=$(polls)
check "snmpd came back with snmpEngineBoots + 1 ($BOOTS0 -> $BOOTS1)" \
	test "$BOOTS1" = $((BOOTS0 + 1))
check "good: two more polls after the restart within 20 s" \
	wait_until 20 polls_at_least $((P1 + 2))

# snmpd's own count of the messages it refused as out of its time
# window since the restart: argos's first request after it (old boots)
NITW=$(ip netns exec "$NS" env HOME="$WORK" SNMP_PERSISTENT_DIR="$WORK/client" MIBS= \
	snmpget -v2c -c public -t 1 -r 2 -Oqv "$ADDR" 1.3.6.1.6.3.15.1.1.2.0)
check "snmpd refused argos's old engine time after the restart and argos resynchronized ($NITW usmStatsNotInTimeWindows)" \
	test "${NITW:-0}" -ge 1

kill -TERM "$ARGOS_PID"
for _ in $(seq 300); do kill -0 "$ARGOS_PID" 2>/dev/null || break; sleep 0.1; done
wait "$ARGOS_PID"
rc=$?
ARGOS_PID=
expect "argos exits 0 after SIGTERM" "argos exited with $(status_name "$rc")" test "$rc" = 0
check "good: no error at all, before or after the agent's restart" \
	test "$(count error good)" = 0
for d in wrongauth wrongpriv nouser wronglevel; do
	check "$d: no varbind emitted" test "$(count snmp "$d")" = 0
done
check "the summary counts the v3 engines and keys" \
	grep -qE 'SNMPv3 engines discovered: [1-9]' "$WORK/stdout"
if [ "$FAILED" -gt 0 ]; then
	echo "--- errors by device ---"
	grep -o '"device_id":"[a-z]*".*"error":"[a-z-]*"' "$OUT" | sed 's/,"ts".*"error"/ /' | sort | uniq -c
	echo "--- argos (last lines) ---"; grep -v '^EAL' "$WORK/stdout" | tail -25
	echo "--- snmpd (last lines) ---"; tail -10 "$WORK/$NS/snmpd.log"
fi
finish
