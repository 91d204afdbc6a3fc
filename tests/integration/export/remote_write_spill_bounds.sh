#!/usr/bin/env bash
# remote_write_spill_bounds.sh - the spill keeps its bound and says a
# full disk once per interval, with a receiver that is down (nothing
# listens on its port), driven by rw_feed:
#
#   1. a full disk: the spill directory is a 256 KiB tmpfs, the bound
#      100 MiB.  Every spill fails with ENOSPC after the first few; the
#      "cannot spill" line is logged at most once per 10 s, and the next
#      line counts the failures it did not log;
#   2. the bound at open, while running and at close: the directory
#      starts with an old .bad file and a damaged batch (renamed .bad at
#      open); --rw-spill-bytes 256 KiB.  Both .bad files are counted,
#      removed first (oldest first) when room is needed, then the oldest
#      batches; at close the batches still in memory are spilled within
#      the bound; what is left is the newest batches, and the samples
#      that are neither sent, spilled nor counted as dropped are none.
set -uo pipefail
TEST=remote_write_spill_bounds
source "$(dirname "$0")/../lib.sh"
FEED=${RW_FEED:-$ROOT/build/tests/integration/export/rw_feed}
FULL=$WORK/full
teardown() { mountpoint -q "$FULL" && umount "$FULL"; cleanup; }
trap teardown EXIT
[ "$(id -u)" = 0 ] || die "must run as root (it mounts a tmpfs)"
[ -x "$FEED" ] || die "$FEED is not built: ninja -C build"
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$DEAD/api/v1/write
val() { sed -n "s/^$2 //p" "$1"; }

# --- 1. a full disk ---------------------------------------------------------
mkdir -p "$FULL"
mount -t tmpfs -o size=256k,mode=0700 tmpfs "$FULL" || die "cannot mount a 256 KiB tmpfs on $FULL"
t0=$(date +%s)
"$FEED" --url "$URL" --no-check --spill "$FULL" --queue-bytes 65536 --spill-bytes 104857600 \
	--devices 20 --interfaces 24 --polls 22 --period-ms 1000 --flush-ms 200 \
	--flush-timeout-ms 500 >"$WORK/full.out" 2>"$WORK/full.err"
rc=$?
secs=$(($(date +%s) - t0))
lines=$(grep -c 'cannot spill a batch' "$WORK/full.err")
quiet=$(grep 'cannot spill a batch' "$WORK/full.err" | sed -n 's/.*(\([0-9]*\) more failed spills.*/\1/p' | tail -1)
echo "  $secs s of a full disk: $lines 'cannot spill' lines, the last counting ${quiet:-?} failures not logged"
grep -m2 'cannot spill a batch' "$WORK/full.err" | sed 's/^/  | /'
check "rw_feed ran to its end (exit 1 or 2: samples dropped or pending, got $rc)" \
	bash -c "[ $rc = 1 ] || [ $rc = 2 ]"
expect "the full disk is logged at most once per 10 s ($lines lines in $secs s)" \
	"$lines 'cannot spill' lines in $secs s: the message is not rate-limited" \
	bash -c "[ $lines -ge 2 ] && [ $lines -le $((secs / 10 + 1)) ]"
expect "a later line counts the failed spills it did not log one by one (${quiet:-none})" \
	"no 'cannot spill' line counts the failures it left out" bash -c "[ '${quiet:-0}' -gt 0 ]"
check "samples were dropped, and counted, when memory was full too ($(val "$WORK/full.out" samples_dropped))" \
	bash -c "[ '$(val "$WORK/full.out" samples_dropped)' -gt 0 ]"
umount "$FULL"

# --- 2. the bound, .bad files ---------------------------------------------
SP=$WORK/spill
BOUND=262144
mkdir -p "$SP"
head -c 100000 /dev/urandom >"$SP/rw-0000000000000001.batch.bad"
head -c 30000 /dev/urandom >"$SP/rw-0000000000000002.batch"    # not a batch: damaged
"$FEED" --url "$URL" --no-check --spill "$SP" --queue-bytes 65536 --spill-bytes "$BOUND" \
	--devices 10 --interfaces 24 --polls 8 --period-ms 250 --flush-ms 100 \
	--flush-timeout-ms 300 >"$WORK/b.out" 2>"$WORK/b.err"
rc=$?
bytes=$(find "$SP" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
echo "  spill directory after the run: $(ls "$SP" | wc -l) files, $bytes bytes (bound $BOUND)"
check "the damaged batch was set aside as .bad at open" \
	grep -q 'spill file rw-0000000000000002.batch is damaged' "$WORK/b.err"
removed=$(sed -n 's/.*removed the damaged spill file \(rw-[0-9a-f]*\.batch\.bad\).*/\1/p' "$WORK/b.err" | tr '\n' ' ')
expect "room was made by removing the .bad files, oldest first ($removed)" \
	"the .bad files were not removed first, oldest first: $removed" \
	bash -c "[ '$removed' = 'rw-0000000000000001.batch.bad rw-0000000000000002.batch.bad ' ] &&
		! ls '$SP' | grep -q '\.bad\$'"
expect "after the close the spill holds $bytes bytes, within --rw-spill-bytes $BOUND" \
	"the spill holds $bytes bytes after the close, above the bound $BOUND" [ "$bytes" -le "$BOUND" ]
spilled=$(val "$WORK/b.out" stop_spilled)
lost=$(val "$WORK/b.out" stop_lost)
pending=$(val "$WORK/b.out" samples_pending)
check "at close the pending samples were spilled or counted lost ($pending = $spilled + $lost)" \
	[ "$pending" = "$((spilled + lost))" ]
check "the bound was reached: the oldest samples were dropped, and counted" \
	bash -c "[ '$(val "$WORK/b.out" samples_dropped)' -gt 0 ] || [ '$lost' -gt 0 ]"
expect "what is left is the newest batches, one unbroken run of sequence numbers" \
	"the batches left are not the newest run: $(ls "$SP" | tr '\n' ' ')" python3 -c '
import os, sys
seqs = sorted(int(f[3:19], 16) for f in os.listdir(sys.argv[1]) if f.endswith(".batch"))
sys.exit(not (seqs and seqs == list(range(seqs[0], seqs[-1] + 1))))' "$SP"
"$FEED" --url "$URL" --no-check --spill "$SP" --spill-bytes "$BOUND" --polls 0 \
	--flush-timeout-ms 200 >"$WORK/c.out" 2>"$WORK/c.err"
check "a restart finds exactly what the close left ($spilled samples pending)" \
	[ "$(val "$WORK/c.out" samples_pending)" = "$spilled" ]
finish
