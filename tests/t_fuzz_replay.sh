#!/bin/sh
# t_fuzz_replay.sh - replay every committed fuzz corpus and every saved
# crash reproducer through the plain replay programs (tests/fuzz/driver.c,
# no libFuzzer), as SQLite replays its fuzz corpora (STYLE.md habit 11).
#
# The programs are built by `make test` (fuzz.mk adds fuzz-replay to it)
# with the normal compiler and flags, so under SANITIZE=address,undefined
# every input also runs under the sanitizers. One TAP line per target and
# directory: ok when every input ran to its end with exit status 0 and no
# sanitizer report. On a failure the input being replayed is named.
#
# Environment (tests/run.sh): BUILD, SANITIZE.
set -u
cd "$(dirname "$0")/.." || exit 2
: "${BUILD:=build}" "${SANITIZE:=}"
targets="eth sll null ipv4 ipv6 usid udp grh pfc pipeline config"
n=0 failed=0

missing=0
for t in $targets; do [ -x "$BUILD/fuzz/replay_$t" ] || missing=1; done
if [ "$missing" -eq 1 ]; then
	echo "# building the replay programs: make fuzz-replay SANITIZE=$SANITIZE"
	make -s fuzz-replay SANITIZE="$SANITIZE" >/dev/null 2>&1
fi

log=$(mktemp "${TMPDIR:-/tmp}/fuzz-replay.XXXXXX")
trap 'rm -f "$log"' EXIT
for t in $targets; do
	bin="$BUILD/fuzz/replay_$t"
	for kind in corpus regress; do
		dir="tests/fuzz/$kind/$t"
		[ -d "$dir" ] || continue
		count=$(find "$dir" -type f | wc -l | tr -d ' ')
		[ "$count" -gt 0 ] || continue
		n=$((n + 1))
		if [ ! -x "$bin" ]; then
			echo "not ok $n - $kind/$t: no replay program $bin (make fuzz-replay)"
			failed=$((failed + 1))
			continue
		fi
		# -v names each input on stderr before running it: the last one named is the culprit.
		timeout 300 "$bin" -v "$dir" >"$log" 2>&1
		rc=$?
		if [ "$rc" -eq 0 ] && ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error|UndefinedBehaviorSanitizer' "$log"; then
			echo "ok $n - $kind/$t: $count inputs replayed${SANITIZE:+ under $SANITIZE}"
		else
			failed=$((failed + 1))
			last=$(grep '^replay: ' "$log" | tail -1 | sed 's/^replay: //')
			echo "not ok $n - $kind/$t: exit status $rc while replaying $last"
			grep -E 'ERROR|SUMMARY|runtime error|#[0-9]+ ' "$log" | head -15 | sed 's/^/#   /'
		fi
	done
done
if [ "$n" -eq 0 ]; then
	echo "ok 1 - fuzz replay # SKIP no corpus under tests/fuzz/"
	n=1
fi
echo "1..$n"
[ "$failed" -eq 0 ]
