#!/bin/sh
# make bench [BENCH_EVENTS=N] [BENCH_RUNS=R]: generates N events (default 1,000,000) and measures, each
# against a baseline taken in the same run: ingest vs cJSON parse-only (gen-events' events, and
# small ECS events from gen-events --small); detect vs a full scan;
# then the console on that case (open, keystrokes, timeline queries), and a 150-rule pack against
# events --json (bench/gen-rules, bench/bench_pack.c). BENCH_BROAD=1 also measures
# the console with every network event alerted (about one alert in seven events).
# Then detection on real rules, over a case of BENCH_RULES_EVENTS events (default 100,000):
# Elastic's 97 macOS rules from $SHARED/rules/elastic-macos (SHARED defaults to ../shared; skipped
# with a message when absent), and a pack of the whole prebuilt ruleset's size and mix
# (gen-rules --whole: 2,068 rules of our own), each against `casebook events --json`.
# Last, ingest into a local two-shard ClickHouse cluster (bench/cluster.sh, BENCH_CLUSTER_EVENTS).
set -e
cd "$(dirname "$0")/.."
n=${1:-1000000}
runs=${2:-3}
mkdir -p bench/out
file=bench/out/events-$n.ndjson
[ -s "$file" ] || build/release/gen-events --events "$n" > "$file"
build/release/bench-ingest "$file" build/release/casebook "$runs"
echo
# the second shape: small ECS events (about 1.1 KB), where the cost per row weighs most
small=bench/out/events-small-$n.ndjson
[ -s "$small" ] || build/release/gen-events --events "$n" --small > "$small"
build/release/bench-ingest "$small" build/release/casebook "$runs"
echo
rm -f "bench/out/detect-$n.db" "bench/out/detect-$n.db-wal" "bench/out/detect-$n.db-shm"
build/release/bench-detect "$file" "bench/out/detect-$n.db" "$runs"
echo
[ -n "$BENCH_BROAD" ] || unset BENCH_BROAD
build/release/bench-tui "bench/out/detect-$n.db"
echo
# a whole ruleset: 150 rules shaped like Elastic's macOS rules, with the bundled pack
build/release/gen-rules --rules 150 > bench/out/rules-150.ndjson
rm -f "bench/out/pack-$n.db" "bench/out/pack-$n.db-wal" "bench/out/pack-$n.db-shm"
build/release/bench-pack "$file" "bench/out/pack-$n.db" bench/out/rules-150.ndjson "$runs"

echo
# real rules: Elastic's macOS rules (TOML, imported and enabled as an analyst does), and the
# whole prebuilt ruleset's shape, over the same case
rn=${BENCH_RULES_EVENTS:-100000}
rfile=bench/out/events-$rn.ndjson
[ -s "$rfile" ] || build/release/gen-events --events "$rn" > "$rfile"
shared=${SHARED:-../shared}
if [ -d "$shared/rules/elastic-macos" ]; then
	echo "Elastic's macOS rules ($shared/rules/elastic-macos), $rn events:"
	rm -f "bench/out/macos-$rn.db" "bench/out/macos-$rn.db-wal" "bench/out/macos-$rn.db-shm"
	build/release/bench-pack "$rfile" "bench/out/macos-$rn.db" "$shared/rules/elastic-macos" "$runs" \
		build/release/casebook
else
	echo "Elastic's macOS rules: skipped ($shared/rules/elastic-macos is not there; set SHARED=DIR)"
fi
echo
echo "the whole prebuilt ruleset's size and mix (gen-rules --whole, 2,068 rules), $rn events:"
build/release/gen-rules --whole > bench/out/rules-whole.ndjson
rm -f "bench/out/whole-$rn.db" "bench/out/whole-$rn.db-wal" "bench/out/whole-$rn.db-shm"
build/release/bench-pack "$rfile" "bench/out/whole-$rn.db" bench/out/rules-whole.ndjson "$runs" build/release/casebook

echo
# a fleet's events in a local two-shard ClickHouse cluster (bench/cluster.sh), over
# BENCH_CLUSTER_EVENTS events (default: the real rules' case size)
sh bench/cluster.sh "${BENCH_CLUSTER_EVENTS:-$rn}" "$runs"
