#!/usr/bin/env bash
# harness_selftest.sh - the test harness can fail.  Small test scripts
# built on lib.sh are run, and what they print and how they exit is
# compared with what must happen:
#   - a false condition fails check and expect, and finish then exits 1;
#     a test with no check fails too;
#   - a compound condition (holds, bash -c, test -a) is evaluated in
#     full, and a check made in a subshell still counts;
#   - a refusal check rejects a crash (139), a timeout (124), a sanitizer
#     report, a wrong exit status and a wrong message, and accepts the
#     documented status with the documented message;
#   - a named deadline fails when it is passed (within_ms, wait_until),
#     absent fails on a missing file;
#   - lint_checks.py rejects `check "x" [ a ] && [ b ]` and its cousins,
#     accepts the right ways to write them, and finds nothing wrong in
#     any test script of tests/integration.
# Needs no root and no network; meson suite "harness".
#
# This script does not use lib.sh's check (it is what is under test):
# verdict below is its own, and it exits 1 on any mismatch.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/argos-harness.XXXXXX)
trap 'rm -rf "$T"' EXIT
N=0
BAD=0

verdict() {   # verdict "what must hold" command...
	local what=$1; shift
	N=$((N + 1))
	if "$@"; then
		echo "ok: $what"
	else
		BAD=$((BAD + 1))
		echo "FAIL: $what"
	fi
}

# child NAME BODY: run BODY as a test script on lib.sh, ending in finish;
# its output in $T/NAME.out, its exit status in $T/NAME.rc.
child() {
	local name=$1 body=$2
	{
		echo "TEST=$name"
		echo "source '$HERE/lib.sh'"
		echo 'trap cleanup EXIT'
		printf '%s\n' "$body"
		echo 'finish'
	} >"$T/$name.sh"
	bash "$T/$name.sh" >"$T/$name.out" 2>&1 </dev/null
	echo $? >"$T/$name.rc"
}
rc_of() { cat "$T/$1.rc"; }
# exits NAME STATUS: the child exited with exactly STATUS (shows its output if not)
exits() {
	[ "$(rc_of "$1")" = "$2" ] && return 0
	echo "  $1 exited $(rc_of "$1"), want $2; it printed:"
	sed 's/^/  | /' "$T/$1.out"
	return 1
}
# says NAME ERE: the child's output has a line matching ERE
says() {
	grep -qE -- "$2" "$T/$1.out" && return 0
	echo "  $1 did not print /$2/; it printed:"
	sed 's/^/  | /' "$T/$1.out"
	return 1
}

# --- check, expect and finish ------------------------------------------------
child false_check 'check "a false condition" false'
verdict "check of a false condition prints FAIL" says false_check '^FAIL: a false condition$'
verdict "finish exits 1 after a failed check" exits false_check 1
verdict "finish counts it: 1 checks, 1 failed" says false_check '^false_check: 1 checks, 1 failed$'

child false_expect 'expect "it holds" "it does not hold" false'
verdict "expect of a false condition prints its bad message" says false_expect '^FAIL: it does not hold$'
verdict "finish exits 1 after a failed expect" exits false_expect 1

child true_check 'check "a true condition" true
expect "it holds" "it does not" test 1 = 1'
verdict "true conditions pass, and finish exits 0" exits true_check 0
verdict "finish counts them: 2 checks, 0 failed" says true_check '^true_check: 2 checks, 0 failed$'

child one_of_two 'check "a true condition" true
check "a false condition" false
check "another true one" true'
verdict "one failure among passes still fails the test" exits one_of_two 1

child no_check ': nothing checked'
verdict "a test that checks nothing fails" exits no_check 1

child no_command 'check "a check without a command"'
verdict "a check that names no command fails" exits no_command 1

child status_kept 'if check "false" false; then echo "check returned 0"; else echo "check returned 1"; fi'
verdict "check returns its verdict" says status_kept '^check returned 1$'

# --- compound conditions -------------------------------------------------------
child compound_holds 'a=1 b=2
check "both hold" holds '"'"'[ "$a" = 1 ] && [ "$b" = 1 ]'"'"
verdict "holds evaluates the whole of [ A ] && [ B ]: the false second half fails it" \
	exits compound_holds 1

child compound_holds_or 'check "either holds" holds '"'"'[ 1 = 2 ] || [ 3 = 4 ]'"'"
verdict "holds evaluates the whole of [ A ] || [ B ]" exits compound_holds_or 1

child compound_true 'a=1 b=2
check "both hold" holds '"'"'[ "$a" = 1 ] && [ "$b" = 2 ]'"'"'
check "test -a" test 1 = 1 -a 2 = 2
check "bash -c" bash -c "[ 1 = 1 ] && [ 2 = 2 ]"'
verdict "compound conditions that hold pass" exits compound_true 0

child compound_bash 'check "both hold" bash -c "[ 1 = 1 ] && [ 1 = 2 ]"'
verdict "bash -c '[ A ] && [ B ]' fails when B is false" exits compound_bash 1

child compound_test 'check "both hold" test 1 = 1 -a 1 = 2'
verdict "test A -a B fails when B is false" exits compound_test 1

child subshell '( check "a false check in a subshell" false )
echo x | check "a false check in a pipeline" false
check "a true check" true'
verdict "checks made in subshells count: 3 checks, 2 failed" \
	says subshell '^subshell: 3 checks, 2 failed$'
verdict "a failure in a subshell fails the test" exits subshell 1

# --- refusals --------------------------------------------------------------------
refusal() {   # refusal NAME SHELL-CODE: expect_refusal of status 1 and /bad flag/
	child "$1" "expect_refusal \"the program refuses a bad flag\" 1 'prog: .*bad flag' sh -c '$2'"
}
refusal ref_ok 'echo "prog: a bad flag, want --x" >&2; exit 1'
verdict "a refusal with the documented status and message passes" exits ref_ok 0

refusal ref_segv 'echo "prog: a bad flag" >&2; kill -SEGV $$'
verdict "a refusal check rejects a crash (139)" exits ref_segv 1
verdict "and says it crashed, by which signal" says ref_segv '^FAIL: .*crashed: killed by SIGSEGV \(status 139\)'

child ref_timeout "expect_refusal 'the program refuses' 1 'bad flag' timeout 0.2 sh -c 'echo prog: bad flag; sleep 5'"
verdict "a refusal check rejects a timeout (124)" exits ref_timeout 1
verdict "and says it timed out" says ref_timeout '^FAIL: .*timed out \(status 124\)'

refusal ref_asan 'echo "prog: a bad flag" >&2; echo "==42==ERROR: AddressSanitizer: stack-buffer-overflow on address 0x7ff" >&2; exit 1'
verdict "a refusal check rejects an AddressSanitizer report, even with status 1" exits ref_asan 1
verdict "and says a sanitizer reported a bug" says ref_asan '^FAIL: .*a sanitizer reported a bug: .*AddressSanitizer'

refusal ref_ubsan 'echo "snmp_reply.c:89:12: runtime error: index 17 out of bounds for type uint16_t[16]" >&2; echo "prog: a bad flag" >&2; exit 1'
verdict "a refusal check rejects a UBSan runtime error" exits ref_ubsan 1

# finish looks through every log the test left in $WORK: a sanitizer
# report there fails the test even when every check passed.
child swept_asan 'printf "argos: polling\n==7==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020\n" >"$WORK/argos.log"
check "a true condition" true'
verdict "finish fails a test whose log holds an ASan report, all checks passed" exits swept_asan 1
verdict "and names the log and the report" says swept_asan '^  \| ==7==ERROR: AddressSanitizer: heap-use-after-free'
child swept_ubsan 'mkdir "$WORK/farm"; echo "farm_snmp.c:12:3: runtime error: load of misaligned address" >"$WORK/farm/farm.log"
check "a true condition" true'
verdict "finish fails a test whose log (in a folder) holds a UBSan report" exits swept_ubsan 1
verdict "and counts it as a failed check" says swept_ubsan '^swept_ubsan: 2 checks, 1 failed$'
child swept_clean 'echo "argos: a clean run" >"$WORK/argos.log"; mkfifo "$WORK/out.fifo"
check "a true condition" true'
verdict "finish passes a test whose logs are clean (a FIFO there is skipped)" exits swept_clean 0

refusal ref_msg 'echo "prog: something else went wrong" >&2; exit 1'
verdict "a refusal check rejects the wrong message" exits ref_msg 1
verdict "and names the message it wanted" says ref_msg '^FAIL: .*no line says /prog: \.\*bad flag/'

refusal ref_status 'echo "prog: a bad flag" >&2; exit 2'
verdict "a refusal check rejects another exit status (2 for 1)" exits ref_status 1
verdict "and says which status is documented" says ref_status '^FAIL: .*exit 2, the documented status is 1'

refusal ref_zero 'echo "prog: a bad flag" >&2; exit 0'
verdict "a refusal check rejects a run that succeeded" exits ref_zero 1

child ref_pred 'printf "prog: a bad flag\n" >"$WORK/o"
check "is_refusal accepts status 1 and the message" is_refusal 1 "bad flag" 1 "$WORK/o"
check "is_refusal rejects 139" is_refusal 1 "bad flag" 139 "$WORK/o"
check "is_refusal rejects 124" is_refusal 1 "bad flag" 124 "$WORK/o"
check "is_refusal rejects a missing output file" is_refusal 1 "bad flag" 1 "$WORK/nothing"'
verdict "is_refusal: the good refusal passes, a crash, a timeout and a missing log fail" \
	says ref_pred '^ref_pred: 4 checks, 3 failed$'

# --- deadlines and absences ----------------------------------------------------------
child within 'check "1000 ms within 1000 ms" within_ms 1000 5000 6000
check "1001 ms within 1000 ms" within_ms 1000 5000 6001
check "an event that never came" within_ms 1000 5000 ""
check "an event before its cause" within_ms 1000 5000 4000'
verdict "within_ms fails past its limit, on a missing time and on a negative one" \
	says within '^within: 4 checks, 3 failed$'
verdict "within_ms passes at its limit" says within '^ok: 1000 ms within 1000 ms$'

child waits '( sleep 0.2; touch "$WORK/soon" ) &
check "a file made after 0.2 s appears within 3 s" wait_until 3 test -e "$WORK/soon"
( sleep 1; touch "$WORK/late" ) &
check "a file made after 1 s appears within 0.3 s" wait_until 0.3 test -e "$WORK/late"
check "a condition that takes 0.5 s to say yes holds within 0.2 s" wait_until 0.2 sh -c "sleep 0.5"
wait'
verdict "wait_until fails past its deadline, even when the command itself is slow" \
	says waits '^waits: 3 checks, 2 failed$'
verdict "wait_until passes when the condition comes in time" \
	says waits '^ok: a file made after 0.2 s appears within 3 s$'

child giveup 't0=$(now_ms)
check "a server that died is not waited for" wait_until 10 sh -c "exit 125"
check "the wait ended at once ($(($(now_ms) - t0)) ms)" within_ms 2000 "$t0" "$(now_ms)"'
verdict "wait_until stops at once when the command says 125 (the server died)" \
	says giveup '^giveup: 2 checks, 1 failed$'

child procs 'sleep 30 &
pid=$!
check "no process sleeps 30 s" no_process "^sleep 30$"
kill "$pid"
wait "$pid" 2>/dev/null
check "no process sleeps 31 s" no_process "^sleep 31$"'
verdict "no_process fails while a matching process runs" says procs '^procs: 2 checks, 1 failed$'

child escape 'printf "%s\n" "argos: --ip '"'"'1.2.3.4'"'"': want A.B.C.D/LEN" >"$WORK/o"
check "re_escape matches the text literally" grep -qE -- "$(re_escape "--ip '"'"'1.2.3.4'"'"': want A.B.C.D/LEN")" "$WORK/o"
check "and nothing else" grep -qE "$(re_escape "1.2.3.4x")" "$WORK/o"'
verdict "re_escape makes an ERE of a fixed text" says escape '^escape: 2 checks, 1 failed$'

child ready 'echo "listening failed: port in use" >"$WORK/server.log"
await_ready "the server" 0.3 "$WORK/server.log" false
check "never reached" true'
verdict "await_ready stops the test when the server is not ready" exits ready 1
verdict "and prints the server's log" says ready '^listening failed: port in use$'
verdict "and says what was not ready" says ready 'the server was not ready within 0.3 s'

child absence 'printf "a\nb\n" >"$WORK/f"
check "no c in f" absent c "$WORK/f"
check "no b in f" absent b "$WORK/f"
check "no c in a missing file" absent c "$WORK/missing"'
verdict "absent passes on a file without the line, fails on a match and on a missing file" \
	says absence '^absence: 3 checks, 2 failed$'

# --- the lint ------------------------------------------------------------------------
LINT=$HERE/lint_checks.py
lint_case() {   # lint_case NAME WANT TEXT: the lint exits WANT on TEXT
	printf '%s\n' "$3" >"$T/$1.sh"
	python3 "$LINT" "$T/$1.sh" >"$T/$1.lint" 2>&1
	local rc=$?
	[ "$rc" = "$2" ] && return 0
	echo "  the lint exited $rc on this, want $2:"
	sed 's/^/  > /' "$T/$1.sh"
	sed 's/^/  | /' "$T/$1.lint"
	return 1
}
verdict "the lint rejects check \"x\" [ a ] && [ b ]" \
	lint_case and 1 'check "x" [ "$a" = 1 ] && [ "$b" = 2 ]'
verdict "the lint names the line" grep -q "and.sh:1: check is joined" "$T/and.lint"
verdict "the lint rejects expect ... || over a continued line" \
	lint_case or 1 'true
expect "good" "bad" \
	[ "$a" = 1 ] ||
	[ "$b" = 2 ]'
verdict "the lint names the line where the expect starts" grep -q "or.sh:2: expect is joined" "$T/or.lint"
verdict "the lint rejects a check in a pipeline" lint_case pipe 1 'check "x" grep -q a f | tee log'
verdict "the lint rejects a check after &&" lint_case after 1 '[ -n "$x" ] && check "x" true'
verdict "the lint rejects a check in the background" lint_case bg 1 'check "x" sleep 1 &'
verdict "the lint rejects \$? among a check's arguments" \
	lint_case status 1 'cmd; expect "ok" "failed: $(cat log)" [ $? -eq 0 ]'
verdict "the lint rejects expect_refusal joined by &&" \
	lint_case refusal 1 'expect_refusal "x" 1 "bad" prog --bad && grep -q y log'
verdict "the lint rejects a chained check inside a function and a loop" \
	lint_case nested 1 'f() {
	for i in 1 2; do
		check "x $i" [ "$i" -gt 0 ] && [ "$i" -lt 3 ]
	done
}'
verdict "the lint accepts holds, bash -c, test -a, redirections and quoted operators" \
	lint_case good 0 'check "x" holds '"'"'[ "$a" = 1 ] && [ "$b" = 2 ]'"'"'
check "x" bash -c "[ 1 = 1 ] && [ 2 = 2 ] || false"
check "x" test 1 = 1 -a 2 = 2
check "x ($(grep -c a f || echo 0) lines)" grep -q a f 2>&1
expect "g" "b: $(tail -1 log | tr "&" "|")" python3 -c "import sys; sys.exit(0 if 1 and 2 else 1)"
check "x" grep -q a <<<"$v"
rc=$?; check "rc is 0" [ "$rc" = 0 ]
if check "x" true; then :; fi
check() { expect "$1" "$1" "$@"; }
f() { return 0; } && g || h'
verdict "the lint skips here-documents (Python with && in it)" \
	lint_case heredoc 0 'python3 - <<EOF
check "x" a && b
EOF
cat <<-'"'"'END'"'"'
	expect "a" "b" c || d
	END
check "y" true'
verdict "and reads on after them" lint_case heredoc_after 1 'cat <<EOF
text
EOF
check "y" [ a ] && [ b ]'

verdict "no test script in tests/integration has a check that cannot fail as written" \
	python3 "$LINT" "$HERE"

echo "harness_selftest: $N checks, $BAD failed"
[ "$BAD" -eq 0 ]
