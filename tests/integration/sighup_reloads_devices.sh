#!/usr/bin/env bash
# sighup_reloads_devices.sh - SIGHUP reloads the devices file and
# reopens the log and the --output file, while argos polls the testbed.
#
# Before the reload: keep (h1), chg (h2 with a wrong community: every
# poll times out), addr and gone (the dead address, 3 s x 2 attempts: a
# poll of 6 s).  The reload comes 2 s after start, while addr's and
# gone's first polls are in flight, with the log and the output renamed
# away as logrotate does.  After it: keep unchanged, chg with the right
# community, addr moved to h3 and renamed addr-new, gone removed, new
# added (h4).  Then a file with a bad line is sent, and must be refused
# with FILE:LINE while polling goes on with the table before it.
#
# What must hold: argos lives on; the new log file gets the lines after
# the HUP and the old one keeps those before; the new output file gets
# the results after it; the polls in flight at the reload end under the
# names they started with (gone's and addr-old's timeouts, after the
# reload), and no result ever carries a name another device had; each
# change takes effect at the device's next poll; keep is polled on its
# 2 s grid throughout; the broken file changes nothing.
set -uo pipefail
TEST=sighup_reloads_devices
source "$(dirname "$0")/lib.sh"
need_root_and_argos
ARGOS_PID=
trap '[ -n "$ARGOS_PID" ] && kill -KILL "$ARGOS_PID" 2>/dev/null; wait 2>/dev/null; cleanup' EXIT
testbed_up
# stop_argos PID SIGNAL: send it, wait for argos to exit (60 s at most,
# then SIGKILL); returns argos's exit status.  argos runs outside
# timeout(1) here: timeout would take the signal for itself (and kill
# argos 5 s after a SIGTERM, in the middle of its drain).
stop_argos() {
	kill -"$2" "$1"
	for _ in $(seq 600); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null
	wait "$1"
}

HDR=id,hostname,ip_address,snmp_community,snmp_version,snmp_port,snmp_timeout,snmp_retries,snmp_max_repetitions,polling_frequency,ping_frequency
KEEP=keep,argos-h1,198.18.0.11,public,2c,161,1,1,25,2,0
NEW=new,new-host,198.18.1.10,public,2c,161,1,1,25,2,0
DEV=$WORK/devices.csv
printf '%s\n' "$HDR" "$KEEP" \
	chg,chg-host,198.18.0.12,wrong,2c,161,0.5,0,25,2,0 \
	addr,addr-old,198.18.1.99,public,2c,161,3,1,25,8,0 \
	gone,gone-host,198.18.1.99,public,2c,161,3,1,25,8,0 >"$DEV"
mkdir -p "$WORK/log"
LOG=$WORK/log/argos.log
OUT=$WORK/out.jsonl

"$ARGOS" -l 0,1 --file-prefix hupreload -m 512 \
	--vdev net_af_packet0,iface=argos0 -- --ip 198.18.0.2/24 --gateway 198.18.0.1 \
	--devices "$DEV" --ping-count 0 --log "$WORK/log" --output "$OUT" >"$WORK/stdout" 2>&1 &
ARGOS_PID=$!
for _ in $(seq 300); do grep -q '^argos: ready:' "$LOG" 2>/dev/null && break; sleep 0.1; done
grep -q '^argos: ready:' "$LOG" 2>/dev/null || { tail -20 "$LOG" >&2; die "argos did not start (log above)"; }

# wait_log FILE PATTERN: until FILE has a line matching PATTERN (10 s)
wait_log() {
	for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

sleep 2
printf '%s\n' "$HDR" "$KEEP" \
	chg,chg-host,198.18.0.12,public,2c,161,0.5,0,25,2,0 \
	addr,addr-new,198.18.0.13,public,2c,161,3,1,25,8,0 \
	"$NEW" >"$DEV.new"
mv "$DEV.new" "$DEV"
mv "$LOG" "$LOG.1"
mv "$OUT" "$OUT.1"
hup1=$(date +%s%3N)
kill -HUP "$ARGOS_PID"
wait_log "$LOG" '^argos: reload:' || { cat "$LOG.1" "$LOG" >&2 2>/dev/null; die "no reload line in the new log 10 s after SIGHUP"; }
sleep 10

printf '%s\n' "$HDR" "$KEEP" "$NEW" 'broken,b-host,nope,public,2c,161,1,1,25,2,0' >"$DEV.new"
mv "$DEV.new" "$DEV"
hup2=$(date +%s%3N)
kill -HUP "$ARGOS_PID"
wait_log "$LOG" "reload: $DEV:4:" || true
sleep 5
alive=0
kill -0 "$ARGOS_PID" 2>/dev/null && alive=1
stop_argos "$ARGOS_PID" TERM
rc=$?
ARGOS_PID=
end=$(date +%s%3N)

check "argos is still running after two SIGHUPs" [ "$alive" = 1 ]
check "argos exits 0 after SIGTERM (got $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || tail -20 "$LOG"
echo "  reload: $(grep -m1 '^argos: reload:' "$LOG")"
check "the first reload applies: 1 added, 2 changed, 1 removed, 1 unchanged" \
	grep -q "^argos: reload: $DEV: 4 devices: 1 added, 2 changed (.*), 1 removed, 1 unchanged" "$LOG"
check "log reopen: the lines before the HUP stay in the renamed log (argos: ready)" \
	grep -q '^argos: ready:' "$LOG.1"
check "log reopen: no line after the HUP went to the renamed log" \
	bash -c "! grep -q 'SIGHUP\|reload:' '$LOG.1'"
check "log reopen: the new log says what SIGHUP did" \
	grep -q '^argos: SIGHUP: log reopened; --output reopened; reloading the devices file' "$LOG"
check "the broken file is refused with FILE:LINE: reason, and the old table kept" \
	grep -q "^argos: reload: $DEV:4: ip_address: 'nope' is not an IPv4 address; the devices loaded before are kept" "$LOG"
check "the renamed output holds the results before the HUP" [ -s "$OUT.1" ]
check "the reopened output holds the results after it" [ -s "$OUT" ]

cat "$OUT.1" "$OUT" >"$WORK/all.jsonl"
# verdict WHAT: one python check over every result, with the HUP times
verdict() {
	python3 - "$WORK/all.jsonl" "$hup1" "$hup2" "$end" "$1" <<'PY'
import json, sys
path, hup1, hup2, end, what = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rs = [json.loads(l) for l in open(path)]
def of(dev, **kw):
    return [r for r in rs if r["device_id"] == dev and all(r.get(k) == v for k, v in kw.items())]
sysname = "1.3.6.1.2.1.1.5.0"
def name_is(r, host):
    return r["oid"] == sysname and bytes.fromhex(r["value"]).decode() == host
ok, msg = True, ""
if what == "names":
    allowed = {"keep": {"argos-h1"}, "chg": {"chg-host"}, "addr": {"addr-old", "addr-new"},
               "gone": {"gone-host"}, "new": {"new-host"}}
    bad = [r for r in rs if r["hostname"] not in allowed.get(r["device_id"], set())]
    ok, msg = not bad, "results with a name no such device had: %s" % bad[:3]
elif what == "gone":
    e = of("gone", kind="error")
    ok = len(e) == 1 and e[0]["error"] == "timeout" and e[0]["ts_ms"] > hup1 and not of("gone", kind="snmp")
    msg = "gone: its poll in flight at the reload must end in one timeout after the HUP, then nothing: %s" % e
elif what == "addr-old":
    e = of("addr", kind="error")
    ok = len(e) == 1 and e[0]["hostname"] == "addr-old" and e[0]["ts_ms"] > hup1
    msg = "addr: its poll in flight at the reload must end in one timeout named addr-old, after the HUP: %s" % e
elif what == "addr-new":
    v = of("addr", kind="snmp")
    ok = bool(v) and all(r["hostname"] == "addr-new" for r in v) and any(name_is(r, "argos-h3") for r in v)
    msg = "addr: its next poll must reach h3 under the name addr-new (%d varbinds)" % len(v)
elif what == "chg":
    before = [r for r in of("chg") if r["ts_ms"] < hup1]
    after = of("chg", kind="snmp")
    ok = before and all(r["kind"] == "error" for r in before) and any(name_is(r, "argos-h2") for r in after)
    msg = "chg: timeouts with the wrong community before, varbinds of h2 after (%d before, %d after)" % (len(before), len(after))
elif what == "new":
    v = [r for r in of("new", kind="snmp") if name_is(r, "argos-h4")]
    ok = bool(v) and min(r["ts_ms"] for r in v) - hup1 < 4000 and any(r["ts_ms"] > hup2 for r in v)
    msg = "new: polled within 4 s of the reload and after the broken one (%s)" % [r["ts_ms"] - hup1 for r in v]
elif what == "keep":
    ts = sorted(r["ts_ms"] for r in of("keep", kind="snmp") if r["oid"] == "1.3.6.1.2.1.1.3.0")
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    ok = len(ts) >= 8 and max(gaps) < 3500 and ts[-1] > hup2
    msg = "keep: polled every 2 s throughout (%d polls, widest gap %s ms)" % (len(ts), max(gaps) if gaps else None)
print(msg)
sys.exit(0 if ok else 1)
PY
}
expect "no result carries a name its device never had" "$(verdict names)" verdict names
expect "gone: removed while its poll was in flight; that poll ends in its own timeout, then no more" \
	"$(verdict gone)" verdict gone
expect "addr: changed while in flight; the poll in flight ends under its old name addr-old" \
	"$(verdict addr-old)" verdict addr-old
expect "addr: the change (address, hostname) takes effect at its next poll" \
	"$(verdict addr-new)" verdict addr-new
expect "chg: the changed community takes effect" "$(verdict chg)" verdict chg
expect "new: added, polled within 4 s, and still after the refused file" "$(verdict new)" verdict new
expect "keep: unchanged, polled on its grid across both reloads" "$(verdict keep)" verdict keep
finish
