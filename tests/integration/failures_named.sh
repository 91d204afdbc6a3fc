#!/usr/bin/env bash
# failures_named.sh - a device whose agent answers, but whose every
# answer argos must drop or refuse, reports what happened, never
# "timeout" and never a silent, empty success.  Scripted agents
# (bending_agent.py, namespace argos-fnam on the testbed's switch):
#
#   198.18.0.90  every reply carries the community "evil"  -> wrong-community
#   198.18.0.91  a walk answered with the very OID asked   -> oid-not-increasing
#                (at the walk's root), no value from the walk, the GET's
#                value still out
#   198.18.0.92  every reply is 12 bytes that are not SNMP -> malformed
#   198.18.0.93  no answer at all                          -> timeout
#   198.18.0.91 again, with snmp_allow_nonincreasing_oids   -> walk-loop
#
# The drops themselves are counted by reason, as before.  Needs root,
# hugepages, build/argos; brings the testbed up if it is not.
set -uo pipefail
TEST=failures_named
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agent_ns.sh"

NS=argos-fnam
SWPORT=fnam
ROOT_OID=1.3.6.1.4.1.99999.1

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
command -v python3 >/dev/null || die "python3 is not installed"
testbed_up
ip link show argos0 >/dev/null 2>&1 ||
	die "the testbed has no interface argos0: run 'scripts/testbed down' and try again"
agent_ns_up "$NS" "$SWPORT" 198.18.0.90 198.18.0.91 198.18.0.92 198.18.0.93
agent_start agent ip netns exec "$NS" python3 "$ROOT/tests/integration/bending_agent.py" \
	--serve 198.18.0.90=wrong-community --serve 198.18.0.91=own-oid \
	--serve 198.18.0.92=malformed --serve 198.18.0.93=silent \
	--root "$ROOT_OID" --max-seconds 60 --max-requests 500
wait_for_line "$WORK/agent.log" "ready:" 5 ||
	die "bending_agent.py did not start: $(cat "$WORK/agent.log")"

cat >"$WORK/devices.csv" <<CSV
id,hostname,ip_address,snmp_community,snmp_version,snmp_timeout,snmp_retries,snmp_max_repetitions,snmp_allow_nonincreasing_oids
evil,evil,198.18.0.90,public,2c,0.3,1,10,0
ownoid,ownoid,198.18.0.91,public,2c,0.3,1,10,0
garbage,garbage,198.18.0.92,public,2c,0.3,1,10,0
silent,silent,198.18.0.93,public,2c,0.3,1,10,0
ownoid-lenient,ownoid-lenient,198.18.0.91,public,2c,0.3,1,10,1
CSV
timeout -k 5 60 "$ARGOS" -l 0,1 --file-prefix fnam --no-pci --huge-unlink \
	--vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 --gateway 198.18.0.1 \
	--devices "$WORK/devices.csv" --oids "1.3.6.1.2.1.1.3.0,$ROOT_OID" --ping-count 0 \
	--once --output "$WORK/out.jsonl" >"$WORK/argos.out" 2>"$WORK/argos.err"
rc=$?
agent_stop_all
expect "argos --once exits 0" \
	"argos exited with status $rc (stderr ends: $(tail -3 "$WORK/argos.err" | tr '\n' ' '))" \
	[ "$rc" = 0 ]
for reason in wrong-community malformed; do
	n=$(drop_count "$WORK/argos.out" "$reason")
	expect "the dropped replies are counted: $reason $n" \
		"no reply counted as dropped for $reason (${n:-missing})" [ "${n:-0}" -ge 2 ]
done

cat >"$WORK/check.py" <<'PY'
import json, sys
from collections import defaultdict

work, root = sys.argv[1], sys.argv[2]

def ok(m): print("ok: " + m)
def fail(m): print("FAIL: " + m)

recs = [json.loads(l) for l in open(work + "/out.jsonl")]
by = defaultdict(list)
for r in recs:
    by[r["device_id"]].append(r)

def only_error(dev, err, what, at=None, values=()):
    rs = by[dev]
    errs = [(r["error"], r.get("oid")) for r in rs if r["kind"] == "error"]
    got = sorted(r["oid"] for r in rs if r["kind"] == "snmp")
    if errs == [(err, at)] and got == sorted(values):
        ok("%s: %s: reports %s%s and nothing else" % (dev, what, err, " at " + at if at else ""))
    else:
        fail("%s: %s: errors %s and values %s; want [%s%s] and values %s"
             % (dev, what, errs, got, err, " at " + at if at else "", list(values)))

only_error("evil", "wrong-community", "every reply has the community 'evil'")
only_error("ownoid", "oid-not-increasing", "the walk is answered with its own OID", root,
           ["1.3.6.1.2.1.1.3.0"])
only_error("garbage", "malformed", "every reply is not SNMP")
only_error("silent", "timeout", "nothing answers")
only_error("ownoid-lenient", "walk-loop", "with non-increasing OIDs allowed, the walk that "
           "cannot advance", root, ["1.3.6.1.2.1.1.3.0"])
PY
while IFS= read -r line; do
	case $line in
	ok:*) CHECKS=$((CHECKS + 1)) ;;
	FAIL:*) CHECKS=$((CHECKS + 1)) FAILED=$((FAILED + 1)) ;;
	esac
	echo "$line"
done < <(python3 "$WORK/check.py" "$WORK" "$ROOT_OID" 2>&1 ||
	echo "FAIL: the output checker itself failed (see above)")

if [ "$FAILED" -gt 0 ]; then
	echo "--- argos stdout (summary) ---"; tail -n 20 "$WORK/argos.out"
	echo "--- argos stderr ---"; tail -n 10 "$WORK/argos.err"
	echo "--- bending_agent.py (last lines) ---"; tail -n 30 "$WORK/agent.log"
fi
finish
