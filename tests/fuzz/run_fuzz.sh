#!/usr/bin/env bash
# run_fuzz.sh FUZZER SECONDS CORPUS DICT - a short libFuzzer run on the
# committed corpus.  New inputs go to a scratch directory (listed first,
# libFuzzer writes there), never into the source tree; crashes go to the
# build directory with their reproducer named in the log.
set -euo pipefail
fuzzer=$1 seconds=$2 corpus=$3 dict=$4
scratch=$(mktemp -d /tmp/argos-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
# libFuzzer's own exit status for a crash is 77, which meson reads as
# "skipped": a finding must fail the test.
# Not exec: the EXIT trap must still remove the scratch directory.
"$fuzzer" -max_total_time="$seconds" -rss_limit_mb=1024 -dict="$dict" \
	-error_exitcode=1 -timeout_exitcode=1 \
	-artifact_prefix="$(dirname "$fuzzer")/" "$scratch" "$corpus"
