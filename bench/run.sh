#!/bin/sh
# run.sh - `make bench`: build the floor program, make the inputs (cached in
# bench/cache/, outside git), and run bench/bench.py, which prints the table
# and writes it to bench/latest.md. Set BENCH_REPEAT (default 5) for more
# runs per figure, BENCH_QUICK=1 for a fast smoke run with small inputs.
set -eu
cd "$(dirname "$0")"
: "${SPINETAP:=$PWD/../build/spinetap}" "${GEN:=$PWD/../build/spinetap-gen}"
export SPINETAP GEN
mkdir -p cache
cc -O2 -o cache/floor floor.c $(pkg-config --cflags --libs libpcap)
exec /usr/bin/python3 bench.py "$@"
