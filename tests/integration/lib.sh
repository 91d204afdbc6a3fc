# lib.sh - shared by the integration tests: checks that fail in an
# operator's words, the testbed taken up (and down again only if this
# test brought it up), and argos runs with their own EAL file prefix.
# Sourced, not run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ARGOS=${ARGOS:-$ROOT/build/argos}
STATE=${ARGOS_TESTBED_DIR:-/run/argos-testbed}
CHECKS=0
FAILED=0
WORK=$(mktemp -d /tmp/argos-test.XXXXXX)
OWN_TESTBED=0

die() { echo "$TEST: cannot run: $*" >&2; echo "$TEST: 0 checks, 1 failed"; exit 1; }

# expect "what holds, when it does" "what is wrong, when it does not" command...
expect() {
	local good=$1 bad=$2
	shift 2
	CHECKS=$((CHECKS + 1))
	if "$@"; then
		echo "ok: $good"
	else
		FAILED=$((FAILED + 1))
		echo "FAIL: $bad"
	fi
}

check() {   # check "what should hold" command...
	local what=$1; shift
	expect "$what" "$what" "$@"
}

finish() {
	echo "$TEST: $CHECKS checks, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}

cleanup() {
	if [ "$OWN_TESTBED" = 1 ]; then "$ROOT/scripts/testbed" down >/dev/null 2>&1 || true; fi
	rm -rf "$WORK"
}

need_root_and_argos() {
	[ "$(id -u)" = 0 ] || die "must run as root (namespaces, hugepages, af_packet)"
	[ -x "$ARGOS" ] || die "$ARGOS is not built: run ninja -C build"
	grep -q '^HugePages_Free: *[1-9]' /proc/meminfo || die "no free hugepages: run scripts/hugepages"
}

testbed_up() {
	if ! ip netns list | grep -q '^argos-h1'; then
		"$ROOT/scripts/testbed" up >"$WORK/testbed.log" 2>&1 ||
			{ cat "$WORK/testbed.log" >&2; die "scripts/testbed up failed"; }
		OWN_TESTBED=1
	fi
}

# run_argos PREFIX [EAL args...] -- [argos args...]: stdout+stderr to $WORK/PREFIX.log
run_argos() {
	local prefix=$1; shift
	timeout -k 5 "${ARGOS_TIMEOUT:-90}" "$ARGOS" -l 0,1 --file-prefix "$prefix" "$@" \
		>"$WORK/$prefix.log" 2>&1
}

# The numeric value of one drop reason in the exit summary.
drop_count() {   # drop_count LOG REASON
	grep 'Dropped replies:' "$1" | tail -1 | grep -oE "$2 [0-9]+" | awk '{print $2}'
}
