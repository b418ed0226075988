#!/bin/sh
# run.sh - run libFuzzer targets for FUZZ_SECONDS each (`make fuzz`), one
# after the other, niced, and print per target: executions, execs/s, the
# coverage (cov = edges, ft = features) at start and at the end, and the
# crashes found.
#
# Environment (from fuzz.mk): FUZZ_OUT (binaries, work corpora, logs),
# FUZZ_DIR (tests/fuzz), FUZZ_SECONDS, FUZZ_MAXLEN ("target=bytes ...").
# Arguments: target names (eth ipv6 ... pipeline config).
set -u
: "${FUZZ_OUT:=build/fuzz}" "${FUZZ_DIR:=tests/fuzz}" "${FUZZ_SECONDS:=60}" "${FUZZ_MAXLEN:=}"
total_exec=0 total_crash=0 start_all=$(date +%s)
printf '%-14s %12s %9s %14s %16s %8s\n' target executions exec/s "cov start>end" "ft start>end" crashes
for t in "$@"; do
	bin="$FUZZ_OUT/fuzz_$t"
	[ -x "$bin" ] || { echo "fuzz_$t: not built" >&2; continue; }
	maxlen=4096
	for kv in $FUZZ_MAXLEN; do
		case "$kv" in "$t="*) maxlen=${kv#*=} ;; esac
	done
	mkdir -p "$FUZZ_OUT/work/$t" "$FUZZ_OUT/crashes/$t" "$FUZZ_OUT/logs" "$FUZZ_OUT/seeds/$t" \
		"$FUZZ_DIR/corpus/$t" "$FUZZ_DIR/regress/$t"
	log="$FUZZ_OUT/logs/$t.log"
	before=$(ls "$FUZZ_OUT/crashes/$t" | wc -l)
	t0=$(date +%s)
	# -fork is not used: one process, so the machine's other work keeps its core.
	nice -n 10 "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$maxlen" -dict="$FUZZ_OUT/dict/$t.dict" -print_final_stats=1 \
		-artifact_prefix="$FUZZ_OUT/crashes/$t/" \
		"$FUZZ_OUT/work/$t" "$FUZZ_DIR/corpus/$t" "$FUZZ_DIR/regress/$t" "$FUZZ_OUT/seeds/$t" \
		>"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	[ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -1)
	[ -n "$execs" ] || execs=0
	c0=$(sed -n 's/.*INITED cov: \([0-9]*\) ft: \([0-9]*\).*/\1 \2/p' "$log" | head -1)
	c1=$(sed -n 's/^#[0-9]*.* cov: \([0-9]*\) ft: \([0-9]*\).*/\1 \2/p' "$log" | tail -1)
	cov0=${c0%% *} ft0=${c0##* } cov1=${c1%% *} ft1=${c1##* }
	after=$(ls "$FUZZ_OUT/crashes/$t" | wc -l)
	crashes=$((after - before))
	[ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes="rc=$rc"
	printf '%-14s %12s %9s %14s %16s %8s\n' "fuzz_$t" "$execs" "$((execs / (secs > 0 ? secs : 1)))" \
		"${cov0:-?}>${cov1:-?}" "${ft0:-?}>${ft1:-?}" "$crashes"
	total_exec=$((total_exec + execs))
	case "$crashes" in 0) ;; *)
		total_crash=$((total_crash + 1))
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -3 | sed 's/^/    /'
		ls "$FUZZ_OUT/crashes/$t" | tail -3 | sed "s|^|    $FUZZ_OUT/crashes/$t/|" ;;
	esac
done
echo "total: $total_exec executions in $(($(date +%s) - start_all)) s; targets with crashes: $total_crash"
echo "logs: $FUZZ_OUT/logs/  new inputs: $FUZZ_OUT/work/  (make fuzz-merge minimises them into $FUZZ_DIR/corpus/)"
[ "$total_crash" -eq 0 ]
