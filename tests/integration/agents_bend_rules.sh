#!/usr/bin/env bash
# agents_bend_rules.sh - each leniency for agents that bend the rules
# (docs/argos.1.md, AGENTS THAT BEND THE RULES) against a scripted agent
# that does exactly that (bending_agent.py, one address per device, in
# namespace argos-bend on the testbed's switch): with the device's
# opt-in column the poll reads every value; without it the device
# reports the named error.
#
#   agent mode (address)        opt-in column                  without it
#   no-bulk (.70/.71)           snmp_disable_bulk              gen-err
#   other-source (.72/.73)      snmp_allow_other_source        wrong-source
#   alt-community:alt (.74/.75) snmp_alternate_community=alt   timeout
#   unordered (.76/.77)         snmp_allow_nonincreasing_oids  oid-not-increasing
#   loop (.78/.79)              snmp_allow_nonincreasing_oids  oid-not-increasing
#                               (with it: walk-loop, few requests)
#   holes (.80/.81)             snmp_walk_past_exceptions      exception-in-walk
#   more (.82), fewer (.83)     none: lenient by default       -
#
# Profile: GET sysUpTime.0, then the walk of the agent's 12-row table
# 1.3.6.1.4.1.99999.1.  Two polls, 3 s apart: the alternate community,
# once it answered, is tried first at the second poll.
#
# Needs root, hugepages, build/argos; brings the testbed up if it is not
# (and down again only then).
set -uo pipefail
TEST=agents_bend_rules
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agent_ns.sh"

NS=argos-bend
SWPORT=bend
OTHER_IP=198.18.0.69
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

# id, address, agent mode, max-repetitions, opt-in columns (bulk,other,alt,noninc,past)
DEVICES=(
	"nobulk-on   198.18.0.70 no-bulk           10 1,0,,0,0"
	"nobulk-off  198.18.0.71 no-bulk           10 0,0,,0,0"
	"vrrp-on     198.18.0.72 other-source      10 0,1,,0,0"
	"vrrp-off    198.18.0.73 other-source      10 0,0,,0,0"
	"alt-on      198.18.0.74 alt-community:alt 10 0,0,alt,0,0"
	"alt-off     198.18.0.75 alt-community:alt 10 0,0,,0,0"
	"order-on    198.18.0.76 unordered         10 0,0,,1,0"
	"order-off   198.18.0.77 unordered         10 0,0,,0,0"
	"loop-on     198.18.0.78 loop              10 0,0,,1,0"
	"loop-off    198.18.0.79 loop              10 0,0,,0,0"
	"holes-on    198.18.0.80 holes             5  0,0,,0,1"
	"holes-off   198.18.0.81 holes             5  0,0,,0,0"
	"more        198.18.0.82 more              4  0,0,,0,0"
	"fewer       198.18.0.83 fewer             10 0,0,,0,0"
)
addrs=("$OTHER_IP")
serve=()
echo "id,hostname,ip_address,snmp_community,snmp_version,snmp_timeout,snmp_retries,snmp_max_repetitions,polling_frequency,ping_frequency,snmp_disable_bulk,snmp_allow_other_source,snmp_alternate_community,snmp_allow_nonincreasing_oids,snmp_walk_past_exceptions" \
	>"$WORK/devices.csv"
for d in "${DEVICES[@]}"; do
	read -r id ip mode rep opt <<<"$d"
	addrs+=("$ip")
	serve+=(--serve "$ip=$mode")
	echo "$id,$id,$ip,public,2c,0.3,1,$rep,3,0,$opt" >>"$WORK/devices.csv"
done
agent_ns_up "$NS" "$SWPORT" "${addrs[@]}"
agent_start agent ip netns exec "$NS" python3 "$ROOT/tests/integration/bending_agent.py" \
	"${serve[@]}" --other-address "$OTHER_IP" --root "$ROOT_OID" --rows 12 \
	--max-seconds 60 --max-requests 3000
wait_for_line "$WORK/agent.log" "ready:" 5 ||
	die "bending_agent.py did not start: $(cat "$WORK/agent.log")"

timeout -k 5 60 "$ARGOS" -l 0,1 --file-prefix bend --no-pci --huge-unlink \
	--vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 --gateway 198.18.0.1 \
	--devices "$WORK/devices.csv" --oids "1.3.6.1.2.1.1.3.0,$ROOT_OID" --ping-count 0 \
	--duration 5 --output "$WORK/out.jsonl" >"$WORK/argos.out" 2>"$WORK/argos.err"
rc=$?
agent_stop_all
expect "argos ran its 5 s and exits 0" \
	"argos exited with status $rc (stderr ends: $(tail -3 "$WORK/argos.err" | tr '\n' ' '))" \
	[ "$rc" = 0 ]

cat >"$WORK/check.py" <<'PY'
import json, re, sys
from collections import defaultdict

work, root = sys.argv[1], sys.argv[2]

def ok(m): print("ok: " + m)
def fail(m): print("FAIL: " + m)

recs = [json.loads(l) for l in open(work + "/out.jsonl")]
rows = {i: root + ".%d" % i for i in range(1, 13)}
vals = defaultdict(list)     # device -> [(oid, value)] of the table
errs = defaultdict(list)     # device -> [(error, oid)]
for r in recs:
    if r.get("kind") == "snmp" and r["oid"].startswith(root + "."):
        vals[r["device_id"]].append((r["oid"], r["value"]))
    elif r.get("kind") == "error":
        errs[r["device_id"]].append((r["error"], r.get("oid")))

def table(dev, skip=()):
    """Every row but skip, each with its value, in each of the 2 polls."""
    want = {rows[i]: i * 10 for i in rows if i not in skip}
    got = vals[dev]
    per = defaultdict(int)
    for o, v in got:
        per[o] += 1
    good = set(o for o, v in got if want.get(o) == v) == set(want) and \
        all(per[o] == 2 for o in want) and all(o in want for o in per)
    return good, "%d values, %d distinct of %d" % (len(got), len(per), len(want))

def clean_table(dev, what, skip=()):
    good, how = table(dev, skip)
    if good and not errs[dev]:
        ok("%s: %s: every row, once per poll, no error" % (dev, what))
    else:
        fail("%s: %s: %s; errors %s" % (dev, what, how, errs[dev]))

def named(dev, err, what, at=None):
    mine = errs[dev]
    names = set(e for e, _ in mine)
    if names == {err} and (at is None or all(o == at for _, o in mine)):
        ok("%s: %s: reports %s%s" % (dev, what, err, " at " + at if at else ""))
    else:
        fail("%s: %s: errors %s, want only %s%s" % (dev, what, mine, err,
                                                  " at " + at if at else ""))

# what the agent saw, per address
seen = defaultdict(list)     # address -> [(pdu, community, max-rep)]
for line in open(work + "/agent.log"):
    m = re.search(r"request #\d+ to (\S+) from \S+ (\S+) id=\d+ community=(\S*) max-rep=(\S+)", line)
    if m:
        seen[m.group(1)].append((m.group(2), m.group(3), m.group(4)))

clean_table("nobulk-on", "snmp_disable_bulk walks with GETNEXT")
pdus = set(p for p, _, _ in seen["198.18.0.70"])
if pdus == {"GET", "GETNEXT"}:
    ok("nobulk-on: the agent saw GET and GETNEXT only, never GETBULK")
else:
    fail("nobulk-on: the agent saw %s" % sorted(pdus))
named("nobulk-off", "gen-err", "without it the agent's genErr to GETBULK", root)

clean_table("vrrp-on", "snmp_allow_other_source takes replies from 198.18.0.69")
named("vrrp-off", "wrong-source", "without it every reply is dropped")

clean_table("alt-on", "snmp_alternate_community answers after public is ignored")
comm = [c for _, c, _ in seen["198.18.0.74"]]
if comm[:2] == ["public", "public"] and comm.count("public") == 2 and "alt" in comm:
    ok("alt-on: public asked twice (first poll only), then alt; the second poll starts with alt "
       "(%d requests with alt)" % comm.count("alt"))
else:
    fail("alt-on: communities asked, in order: %s" % comm)
named("alt-off", "timeout", "without it nothing answers")

clean_table("order-on", "snmp_allow_nonincreasing_oids reads a table kept out of order")
named("order-off", "oid-not-increasing", "without it", root + ".1")

named("loop-on", "walk-loop", "the loop guard ends a walk that comes back on itself")
n = len(seen["198.18.0.78"])
if n <= 2 * 25:
    ok("loop-on: the looping walk cost %d requests over 2 polls" % n)
else:
    fail("loop-on: the looping walk cost %d requests over 2 polls: the guard is slow" % n)
named("loop-off", "oid-not-increasing", "without it", root + ".1")

clean_table("holes-on", "snmp_walk_past_exceptions reads past noSuchObject and endOfMibView",
            skip=(4, 8))
named("holes-off", "exception-in-walk", "without it", root + ".4")
good, how = table("holes-off", skip=range(4, 13))
if good:
    ok("holes-off: rows 1 to 3, before the hole, are still put out")
else:
    fail("holes-off: rows before the hole: %s" % how)

clean_table("more", "more varbinds than max-repetitions (7 for 4) are taken by default")
clean_table("fewer", "one varbind per GETBULK of 10 is taken by default")
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
	echo "--- bending_agent.py (last lines) ---"; tail -n 40 "$WORK/agent.log"
fi
finish
