#!/bin/sh
# run.sh - run every test and end with "N passed, N failed".
#
# Each test is a program or script that prints TAP lines: "ok N - name",
# "not ok N - name", "ok N - name # SKIP reason". Unit-test binaries come
# from $BUILD/tests/, script tests from tests/*.sh and tests/*.py. A test
# that crashes or exits non-zero without a "not ok" line counts as one
# failure, so nothing fails silently. Set TESTS="pattern" to run a subset.
#
# Environment (set by `make test`): SPINETAP, GEN, BUILD, SANITIZE.
set -u
cd "$(dirname "$0")/.." || exit 2
: "${BUILD:=build}" "${SPINETAP:=$PWD/$BUILD/spinetap}" "${GEN:=$PWD/$BUILD/spinetap-gen}"
export SPINETAP GEN BUILD
export SHARED="${SHARED:-$(cd .. && pwd)/shared}"
export PYTHON="${PYTHON:-/usr/bin/python3}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TMPDIR="${TMPDIR:-/tmp}"
pattern="${TESTS:-}"

pass=0 fail=0 skip=0
failed_names=""
log=$(mktemp -d "$TMPDIR/spinetap-tests.XXXXXX")

run_one() { # name command...
	name=$1
	shift
	case "$name" in *"$pattern"*) ;; *) return ;; esac
	out="$log/$(echo "$name" | tr '/ ' '__').log"
	start=$(date +%s)
	"$@" >"$out" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	p=$(grep -c '^ok ' "$out" | tr -d ' ')
	s=$(grep -c '^ok .*# SKIP' "$out" | tr -d ' ')
	f=$(grep -c '^not ok ' "$out" | tr -d ' ')
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$out"
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	if [ "$f" -gt 0 ]; then
		failed_names="$failed_names $name"
		echo "FAIL $name ($p passed, $f failed, ${secs}s)"
		grep -E '^(not ok|#)' "$out" | head -40 | sed 's/^/    /'
		tail -5 "$out" | grep -v '^\(ok\|not ok\|#\)' | sed 's/^/    | /'
	else
		if [ "$s" -gt 0 ]; then echo "PASS $name ($p passed, $s skipped, ${secs}s)"; else echo "PASS $name ($p passed, ${secs}s)"; fi
		grep '# SKIP' "$out" | head -5 | sed 's/^/    /'
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] && run_one "unit/${t##*/}" "$t"
done
for t in tests/t_*.sh; do
	[ -f "$t" ] && run_one "${t#tests/}" sh "$t"
done
for t in tests/t_*.py; do
	[ -f "$t" ] && run_one "${t#tests/}" "$PYTHON" "$t"
done

echo
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "logs: $log"
[ "$skip" -gt 0 ] && echo "$skip skipped"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
