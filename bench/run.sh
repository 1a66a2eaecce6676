#!/bin/sh
# make bench [BENCH_EVENTS=N]: generates N events (default 1,000,000) and measures ingest
# against cJSON parse-only on the same file, in the same run.
set -e
cd "$(dirname "$0")/.."
n=${1:-1000000}
mkdir -p bench/out
file=bench/out/events-$n.ndjson
[ -s "$file" ] || build/release/gen-events --events "$n" > "$file"
build/release/bench-ingest "$file" build/release/casebook 3
