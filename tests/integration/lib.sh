# lib.sh - shared by the integration tests: checks that fail in an
# operator's words, refusals held to their documented exit status and
# message, deadlines that are really asserted, servers waited for with
# their log shown when they do not come up, the testbed taken up (and
# down again only if this test brought it up), and argos runs with their
# own EAL file prefix.  Sourced, not run.  README.md beside it says how
# to write a check; tests/integration/lint_checks.py rejects the ways a
# check can be written so that it cannot fail.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ARGOS=${ARGOS:-$ROOT/build/argos}
STATE=${ARGOS_TESTBED_DIR:-/run/argos-testbed}
CHECKS=0
FAILED=0
WORK=$(mktemp -d /tmp/argos-test.XXXXXX)
OWN_TESTBED=0
# Checks made in a subshell (a pipeline, $(...), a background job) cannot
# raise the counters above; they append "ok" or "FAIL" here instead and
# finish counts them too.
CHECK_LOG=$WORK/.subshell-checks
# What a sanitizer prints when it finds a bug (ASan, LSan, UBSan, TSan,
# MSan); UBSan's recoverable reports are "FILE:LINE:COL: runtime error:".
SANITIZER_RE='(Address|Leak|UndefinedBehavior|Thread|Memory)Sanitizer|: runtime error: '
# For argos and argos-farm built with the sanitizers (build-asan/, the
# "sanitize" suite): a report ends the process with status 66 (UBSan
# does not go on either), leaks are reported at exit, and the report
# stays in the process's own log, where finish looks for it.  A caller's
# own settings win.
export ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=66:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:exitcode=66}

# die "why": the test cannot go on; it fails, saying why (never a skip).
die() {
	echo "FAIL: $TEST cannot run: $*" >&2
	echo "$TEST: $((CHECKS + 1)) checks, $((FAILED + 1)) failed"
	exit 1
}

# check_result ok|FAIL MESSAGE: count one check and print its line.
check_result() {
	echo "$1: $2"
	if [ "$BASHPID" != "$$" ]; then
		echo "$1" >>"$CHECK_LOG"
		return
	fi
	CHECKS=$((CHECKS + 1))
	[ "$1" = ok ] || FAILED=$((FAILED + 1))
}

# expect "what holds, when it does" "what is wrong, when it does not" command...
#
# Runs ONE command, with its arguments as given: the check passes when it
# exits 0.  Bash ends the command at an unquoted && or ||, so
# `expect "a" "b" [ x ] && [ y ]` would check [ x ] only and run [ y ]
# after it, unchecked: write a compound condition as one command
# (holds '[ x ] && [ y ]', test X -a Y, or a python3 -c).  The lint in
# lint_checks.py rejects such call sites.  Returns the check's verdict.
expect() {
	local good=$1 bad=$2
	shift 2
	if [ $# -eq 0 ]; then
		check_result FAIL "$bad (the check names no command to run)"
		return 1
	fi
	if "$@"; then
		check_result ok "$good"
		return 0
	fi
	check_result FAIL "$bad"
	return 1
}

check() {   # check "what should hold" command...
	local what=$1; shift
	expect "$what" "$what" "$@"
}

# sanitizer_reports: list each file under $WORK that holds a sanitizer
# report, with the report's first lines.  Tests keep the logs of every
# argos, argos-farm and server they start in $WORK, so this sees every
# process the test started, whatever the test itself checked.  lib.sh's
# own scratch files are left out (they only repeat a log's lines).
# Returns 0 when it found a report (as grep does), 1 when there is none.
sanitizer_reports() {
	local f found=1
	while IFS= read -r f; do
		found=0
		echo "  in ${f#"$WORK"/}:"
		grep -m1 -A14 -E -- "$SANITIZER_RE" "$f" | cut -c1-200 | sed 's/^/  | /'
	done < <(grep -rlE -D skip --exclude=.absent --exclude=.pgrep --exclude=.subshell-checks \
		-- "$SANITIZER_RE" "$WORK" 2>/dev/null)
	return $found
}

# finish: the test's last word.  Exits 0 only when at least one check
# ran, none failed, and no log under $WORK holds a sanitizer report (a
# report is one more failed check).
finish() {
	local sub_ok=0 sub_failed=0 reports
	if [ -s "$CHECK_LOG" ]; then
		sub_ok=$(grep -c '^ok$' "$CHECK_LOG")
		sub_failed=$(grep -vc '^ok$' "$CHECK_LOG")
	fi
	CHECKS=$((CHECKS + sub_ok + sub_failed))
	FAILED=$((FAILED + sub_failed))
	if [ "$CHECKS" -eq 0 ]; then
		echo "FAIL: $TEST made no check at all: it proves nothing"
		CHECKS=1 FAILED=1
	fi
	if reports=$(sanitizer_reports); then
		echo "FAIL: a sanitizer reported a bug in a log of this test:"
		echo "$reports"
		CHECKS=$((CHECKS + 1)) FAILED=$((FAILED + 1))
	fi
	echo "$TEST: $CHECKS checks, $FAILED failed"
	[ "$FAILED" -eq 0 ] && exit 0
	exit 1
}

# --- predicates, for check/expect ---------------------------------------

# holds 'CONDITION': evaluate a shell condition, && and || included, in
# the test's own shell (its variables and functions are at hand):
#   check "the edit is heard within a second" holds '[ -n "$te" ] && [ $((te - t0)) -le 1000 ]'
holds() { eval "$1"; }

# within_ms LIMIT START END: END is at most LIMIT ms after START (all
# integers, in ms); says why not otherwise.  A missing END (the event
# never came) is a failure, not a zero.
within_ms() {
	local limit=$1 start=$2 end=$3
	if ! [[ "$start" =~ ^[0-9]+$ && "$end" =~ ^[0-9]+$ ]]; then
		echo "  (no time for the event: start '${start}', end '${end}')"
		return 1
	fi
	if [ $((end - start)) -lt 0 ] || [ $((end - start)) -gt "$limit" ]; then
		echo "  ($((end - start)) ms, the limit is $limit ms)"
		return 1
	fi
}

# absent ERE FILE...: every FILE exists and is readable, and none holds
# a line matching ERE.  (`! grep` alone passes when the file is missing.)
absent() {
	local re=$1 f rc
	shift
	[ $# -gt 0 ] || { echo "  (absent: no file named)"; return 1; }
	for f in "$@"; do
		[ -r "$f" ] || { echo "  ($f is missing or unreadable)"; return 1; }
	done
	grep -E -- "$re" "$@" >"$WORK/.absent" 2>&1
	rc=$?
	[ "$rc" = 1 ] && return 0
	if [ "$rc" = 0 ]; then head -5 "$WORK/.absent" | sed 's/^/  | /'; fi
	return 1
}

# no_process ERE: no process's command line matches ERE (pgrep -f says
# "none", not "cannot tell").
no_process() {
	local rc
	pgrep -af -- "$1" >"$WORK/.pgrep" 2>&1
	rc=$?
	[ "$rc" = 1 ] && return 0
	sed 's/^/  | /' "$WORK/.pgrep"
	return 1
}

# sanitizer_clean FILE...: no sanitizer report in any FILE (each must exist).
sanitizer_clean() {
	absent "$SANITIZER_RE" "$@"
}

# status_name RC: an exit status in words ("exit 1", "killed by SIGSEGV",
# "timed out").
status_name() {
	case $1 in
	124) echo "timed out (status 124)" ;;
	'') echo "no status" ;;
	*)
		if [ "$1" -gt 128 ] 2>/dev/null && [ "$1" -lt 160 ]; then
			echo "killed by SIG$(kill -l $(($1 - 128)) 2>/dev/null || echo $(($1 - 128))) (status $1)"
		else
			echo "exit $1"
		fi ;;
	esac
}

# refusal_problem STATUS ERE RC FILE...: why RC and the output in FILE...
# are not the documented refusal (exit exactly STATUS, a line matching
# ERE, no sanitizer report); prints nothing when they are.
refusal_problem() {
	local want=$1 re=$2 rc=$3 f
	shift 3
	for f in "$@"; do
		[ -r "$f" ] || { echo "its output $f is missing"; return; }
	done
	if { [ "$rc" = 124 ] || [ "$rc" = 137 ]; } && [ "$want" != "$rc" ]; then
		echo "it $(status_name "$rc"): a hang is no refusal"
	elif [[ "$rc" =~ ^[0-9]+$ ]] && [ "$rc" -gt 128 ] && [ "$want" != "$rc" ]; then
		echo "it crashed: $(status_name "$rc")"
	elif grep -qE -- "$SANITIZER_RE" "$@"; then
		echo "a sanitizer reported a bug: $(grep -hE -m1 -- "$SANITIZER_RE" "$@" | cut -c1-200)"
	elif [ "$rc" != "$want" ]; then
		echo "$(status_name "$rc"), the documented status is $want"
	elif ! grep -qE -- "$re" "$@"; then
		echo "exit $rc, but no line says /$re/"
	fi
}

# is_refusal STATUS ERE RC FILE...: a predicate for check when the test
# ran the command itself: exit status RC is exactly STATUS, some line of
# FILE... matches ERE, and no sanitizer report is there.  A signal
# (>128), a timeout (124) or a sanitizer report is never a refusal.
is_refusal() {
	local why
	why=$(refusal_problem "$@")
	[ -z "$why" ] && return 0
	echo "  ($why; the output ends:)"
	shift 3
	grep -hv '^EAL: \|^TELEMETRY: ' "$@" 2>/dev/null | tail -8 | sed 's/^/    | /'
	return 1
}

# re_escape TEXT: TEXT as an ERE that matches it literally.
re_escape() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }

# expect_refusal "what" STATUS ERE command...: run the command (its
# stdout and stderr captured in $REFUSAL_LOG) and check that it refuses
# as documented: exit status exactly STATUS, a line matching ERE (grep
# -E), and no sanitizer report.  On failure the output's last lines are
# shown.  For argos, use argos_eal PREFIX ... as the command.
REFUSAL_N=0
expect_refusal() {
	local what=$1 want=$2 re=$3 rc why
	shift 3
	REFUSAL_N=$((REFUSAL_N + 1))
	REFUSAL_LOG=$WORK/refusal-$REFUSAL_N.log
	"$@" >"$REFUSAL_LOG" 2>&1 </dev/null
	rc=$?
	REFUSAL_RC=$rc
	why=$(refusal_problem "$want" "$re" "$rc" "$REFUSAL_LOG")
	if [ -z "$why" ]; then
		check_result ok "$what (exit $rc)"
		return 0
	fi
	check_result FAIL "$what: $why"
	grep -v '^EAL: \|^TELEMETRY: ' "$REFUSAL_LOG" | tail -8 | sed 's/^/    | /'
	return 1
}

# --- waiting, with real deadlines ------------------------------------------

now_ms() { local t=$EPOCHREALTIME; echo $((${t/[.,]/} / 1000)); }

# wait_until SECONDS command...: run the command every 0.1 s until it
# succeeds; true only when it succeeded within SECONDS (measured, not
# counted in turns: a slow command does not stretch the deadline).  A
# command that exits 125 ends the wait at once, as a failure (say, the
# server it waits for has died).
wait_until() {
	local limit_ms t0 t rc
	limit_ms=$(awk -v s="$1" 'BEGIN { printf "%d", s * 1000 }')
	shift
	t0=$(now_ms)
	while :; do
		"$@"
		rc=$?
		if [ "$rc" = 0 ]; then
			t=$(now_ms)
			[ $((t - t0)) -le "$limit_ms" ] && return 0
			echo "  (it took $((t - t0)) ms, the limit is $limit_ms ms)"
			return 1
		fi
		[ "$rc" = 125 ] && return 1
		t=$(now_ms)
		[ $((t - t0)) -gt "$limit_ms" ] && return 1
		sleep 0.1
	done
}

# await_ready "WHAT" SECONDS LOG command...: wait up to SECONDS for a
# server (the command says whether it is ready); when it is not, print
# the last lines of its LOG and stop the test.  Give a generous bound:
# how fast a server starts is not what the tests measure.
await_ready() {
	local what=$1 secs=$2 log=$3
	shift 3
	wait_until "$secs" "$@" >/dev/null && return 0
	echo "--- the last lines of $log:" >&2
	tail -n 40 "$log" >&2 2>/dev/null || echo "(no log at $log)" >&2
	die "$what was not ready within $secs s (its log is above)"
}

# --- the testbed and argos ---------------------------------------------------

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

# argos_eal PREFIX [EAL args...] -- [argos args...]: argos on lcores 0,1
# with its own EAL file prefix, under a timeout (ARGOS_TIMEOUT, 90 s).
argos_eal() {
	local prefix=$1; shift
	timeout -k 5 "${ARGOS_TIMEOUT:-90}" "$ARGOS" -l 0,1 --file-prefix "$prefix" "$@"
}

# run_argos PREFIX [EAL args...] -- [argos args...]: stdout+stderr to $WORK/PREFIX.log
# veth_ns_up NS HOST_IF ADDR...: namespace NS joined to the host by the veth
# pair HOST_IF (host side, no address) - eth0 (in NS, each ADDR/24), IPv6
# off, ICMP not rate-limited, checksums in software on both ends (a veth
# leaves them to offload, and argos's af_packet port sees them unset).
veth_ns_up() {
	local ns=$1 hif=$2 a
	shift 2
	ip netns add "$ns" || die "ip netns add $ns failed"
	ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 net.ipv4.icmp_ratelimit=0
	ip -n "$ns" link set lo up
	ip link add "$hif" type veth peer name eth0 netns "$ns" || die "cannot create veth $hif"
	sysctl -q -w "net.ipv6.conf.$hif.disable_ipv6=1" 2>/dev/null
	ethtool -K "$hif" tx off rx off >/dev/null 2>&1 || die "ethtool -K $hif failed"
	ip netns exec "$ns" ethtool -K eth0 tx off rx off >/dev/null 2>&1 ||
		die "ethtool -K eth0 failed in $ns"
	for a in "$@"; do ip -n "$ns" addr add "$a/24" dev eth0 || die "cannot add $a in $ns"; done
	ip -n "$ns" link set eth0 up
	ip link set "$hif" up
}

# snmpsim_up NS AGENT COMMUNITY: snmpsimd in NS on AGENT:161 serving the
# recordings in $WORK/data (a file's name is its community), as nobody;
# waits up to 60 s until COMMUNITY answers.  SIM_PID is its pid; its log
# is $WORK/snmpsim.log.
snmpsim_up() {
	local ns=$1 agent=$2 community=$3
	mkdir -p "$WORK/cache"
	chmod -R a+rwX "$WORK/data" "$WORK/cache"
	chmod a+rx "$WORK"
	ip netns exec "$ns" snmpsimd --data-dir="$WORK/data" --cache-dir="$WORK/cache" \
		--agent-udpv4-endpoint="$agent:161" --process-user=nobody --process-group=nogroup \
		--logging-method=file:"$WORK/snmpsim.log" </dev/null >"$WORK/snmpsimd.out" 2>&1 &
	SIM_PID=$!
	await_ready "snmpsimd on $agent" 60 "$WORK/snmpsim.log" \
		ip netns exec "$ns" snmpget -v2c -c "$community" -t 0.5 -r 0 "$agent" 1.3.6.1.2.1.1.5.0
}

run_argos() {
	local prefix=$1
	argos_eal "$@" >"$WORK/$prefix.log" 2>&1
}

# The numeric value of one drop reason in the exit summary.
drop_count() {   # drop_count LOG REASON
	grep 'Dropped replies:' "$1" | tail -1 | grep -oE "$2 [0-9]+" | awk '{print $2}'
}
