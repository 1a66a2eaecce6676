#!/bin/sh
# bench/cluster.sh N RUNS: a fleet's events into a local two-shard ClickHouse cluster
# (tests/clickhouse-cluster.sh, under bench/out/cluster), each figure against a baseline
# taken in the same run, as the machines here are shared and noisy:
#
#   ingest   `casebook ingest --to URL` of N events (gen-events) vs `clickhouse-client --query
#            "INSERT ... FORMAT JSONEachRow"` of the same file: ClickHouse's own client parsing
#            every document and sending it (rate ratio, goal >= 0.5; medians of RUNS), with
#            casebook's peak RSS. That client keeps one field of each document; the second
#            baseline is clickhouse-client inserting the rows casebook stored (read back as
#            JSONEachRow) into the same Distributed table: the cluster's own cost of storing
#            them, so the ratio is what casebook's reading, hashing and checking adds. Beside
#            the wall times, the CPU seconds of each (the client's and both servers', from
#            /proc, merges included) for casebook and that baseline: on a shared machine a
#            wall time is mostly waiting for a core, and the CPU is what each costs.
#   detect   Elastic's macOS rules over those events, `detect --source URL`, vs one scan of
#            their documents (goal <= 2.0), with casebook's peak RSS.
#
# Skipped with a message when clickhouse-server is not installed. CASEBOOK names another
# casebook binary (an older build, to compare in the same conditions).
set -u
cd "$(dirname "$0")/.."
n=${1:-1000000}
runs=${2:-3}
casebook=${CASEBOOK:-build/release/casebook}
dir=$PWD/bench/out/cluster
mkdir -p bench/out

if ! command -v clickhouse-client >/dev/null 2>&1; then
	echo "cluster: skipped (clickhouse-client is not installed; make deps installs it)"
	exit 0
fi
sh tests/clickhouse-cluster.sh stop "$dir" >/dev/null 2>&1
rm -rf "$dir"
urls=$(sh tests/clickhouse-cluster.sh start "$dir")
rc=$?
if [ $rc = 2 ]; then
	echo "cluster: skipped (clickhouse-server is not installed; make deps installs it)"
	exit 0
elif [ $rc != 0 ]; then
	echo "cluster: the local cluster did not start" >&2
	exit 1
fi
trap 'sh tests/clickhouse-cluster.sh stop "$dir" >/dev/null 2>&1' EXIT INT TERM
. "$dir/cluster.env"
url1=$(echo "$urls" | awk '$1 == "shard1" { print $2 }')
url2=$(echo "$urls" | awk '$1 == "shard2" { print $2 }')
client() { clickhouse-client --port "$SHARD1_TCP" "$@"; }

file=bench/out/events-$n.ndjson
[ -s "$file" ] || build/release/gen-events --events "$n" >"$file"
bytes=$(wc -c <"$file")

# CPU seconds both servers have used so far (user and system).
tck=$(getconf CLK_TCK)
servers_cpu() {
	awk -v t="$tck" '{ s += $14 + $15 } END { printf "%.2f\n", s / t }' \
		"/proc/$(cat "$dir/shard1/pid")/stat" "/proc/$(cat "$dir/shard2/pid")/stat"
}

# Seconds (wall) of one command, its peak RSS in KiB, and the CPU seconds it and both servers
# used while it ran (the servers' background merges of its parts included).
timed() {
	before=$(servers_cpu)
	/usr/bin/time -f '%e %M %U %S' -o bench/out/cluster-time "$@" >/dev/null 2>bench/out/cluster-err || {
		echo "cluster: failed: $*" >&2
		sed -n '1,5p' bench/out/cluster-err >&2
		exit 1
	}
	after=$(servers_cpu)
	awk -v b="$before" -v a="$after" '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 + a - b }' bench/out/cluster-time
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int(NR / 2) + 1] }'; }

echo "a fleet's events into a local two-shard ClickHouse cluster, $n events ($bytes bytes):"
$casebook cluster init "$url1" "$url2" >/dev/null || exit 1
# the baseline's table: ClickHouse parses every document whole and keeps one field of it
client --query "CREATE TABLE IF NOT EXISTS default.bench_jsoneachrow (\`@timestamp\` String)
	ENGINE = MergeTree ORDER BY tuple()" || exit 1

: >bench/out/cluster-ours
: >bench/out/cluster-theirs
: >bench/out/cluster-rss
: >bench/out/cluster-rows
: >bench/out/cluster-ours-cpu
: >bench/out/cluster-rows-cpu
r=0
while [ $r -lt "$runs" ]; do
	for port in "$SHARD1_TCP" "$SHARD2_TCP"; do # a retried batch is skipped: start empty
		clickhouse-client --port "$port" --query "TRUNCATE TABLE casebook.events_local" || exit 1
	done
	client --query "TRUNCATE TABLE default.bench_jsoneachrow" >/dev/null
	set -- $(timed $casebook ingest --to "$url1" "$file")
	echo "$1" >>bench/out/cluster-ours
	echo "$2" >>bench/out/cluster-rss
	echo "$3" >>bench/out/cluster-ours-cpu
	set -- $(timed sh -c "clickhouse-client --port $SHARD1_TCP --input_format_skip_unknown_fields=1 \
		--query 'INSERT INTO default.bench_jsoneachrow FORMAT JSONEachRow' < '$file'")
	echo "$1" >>bench/out/cluster-theirs
	stored=$(client --query "SELECT count() FROM casebook.events")
	client --query "SELECT * FROM casebook.events FORMAT JSONEachRow" >bench/out/cluster-rows.json
	for port in "$SHARD1_TCP" "$SHARD2_TCP"; do
		clickhouse-client --port "$port" --query "TRUNCATE TABLE casebook.events_local" || exit 1
	done
	set -- $(timed sh -c "clickhouse-client --port $SHARD1_TCP --insert_distributed_sync=1 \
		--query 'INSERT INTO casebook.events FORMAT JSONEachRow' < bench/out/cluster-rows.json")
	echo "$1" >>bench/out/cluster-rows
	echo "$3" >>bench/out/cluster-rows-cpu
	r=$((r + 1))
done
rm -f bench/out/cluster-rows.json
ours=$(median <bench/out/cluster-ours)
theirs=$(median <bench/out/cluster-theirs)
rows=$(median <bench/out/cluster-rows)
rss=$(sort -n bench/out/cluster-rss | tail -1)
ocpu=$(median <bench/out/cluster-ours-cpu)
wcpu=$(median <bench/out/cluster-rows-cpu)
awk -v n="$n" -v o="$ours" -v t="$theirs" -v w="$rows" -v rss="$rss" -v stored="$stored" \
	-v ocpu="$ocpu" -v wcpu="$wcpu" 'BEGIN {
	printf "  casebook ingest --to:              %8.0f events/s (%.2f s, median of runs), %d stored, peak RSS %.1f MiB\n", n / o, o, stored, rss / 1024
	printf "  clickhouse-client JSONEachRow:     %8.0f events/s (%.2f s)\n", n / t, t
	printf "  clickhouse-client, the rows casebook stored: %8.0f events/s (%.2f s)\n", n / w, w
	printf "  ingest into the cluster / clickhouse-client JSONEachRow of the file: %.2f (goal >= 0.5)\n", t / o
	printf "  ingest into the cluster / clickhouse-client storing the same rows:   %.2f\n", w / o
	printf "  CPU seconds, client and both servers: casebook %.2f, clickhouse-client storing the same rows %.2f: %.2f\n", ocpu, wcpu, wcpu / ocpu
}'

# Detection over the cluster: Elastic's macOS rules (SHARED/rules/elastic-macos, imported and
# enabled alone, as bench-pack does for a case) run by `detect --source URL` into a fresh case,
# against one scan of the documents (`SELECT doc FROM` the Distributed table into /dev/null):
# every rule's exact evaluation reads the document, so no detection can read less.
shared=${SHARED:-../shared}
if [ ! -d "$shared/rules/elastic-macos" ]; then
	echo "detection over the cluster: skipped ($shared/rules/elastic-macos is not there; set SHARED=DIR)"
	exit 0
fi
echo "Elastic's macOS rules over the cluster's $stored events (detect --source URL, a fresh case each run):"
: >bench/out/cluster-detect
: >bench/out/cluster-scan
: >bench/out/cluster-detect-rss
r=0
while [ $r -lt "$runs" ]; do
	db=bench/out/cluster-macos.db
	rm -f "$db" "$db-wal" "$db-shm"
	$casebook --db "$db" rules import "$shared/rules/elastic-macos" >/dev/null 2>&1 || exit 1
	$casebook --db "$db" rules enable --all >/dev/null || exit 1
	set -- $(timed $casebook --db "$db" detect --source "$url1")
	echo "$1" >>bench/out/cluster-detect
	echo "$2" >>bench/out/cluster-detect-rss
	alerts=$($casebook --db "$db" alerts --json | wc -l)
	set -- $(timed clickhouse-client --port "$SHARD1_TCP" --query "SELECT doc FROM casebook.events FORMAT TabSeparated")
	echo "$1" >>bench/out/cluster-scan
	r=$((r + 1))
done
d=$(median <bench/out/cluster-detect)
sc=$(median <bench/out/cluster-scan)
drss=$(sort -n bench/out/cluster-detect-rss | tail -1)
awk -v d="$d" -v sc="$sc" -v rss="$drss" -v alerts="$alerts" 'BEGIN {
	printf "  detect --source URL:               %8.2f s (median of runs), %d alerts, peak RSS %.1f MiB\n", d, alerts, rss / 1024
	printf "  SELECT doc FROM events (one scan): %8.2f s\n", sc
	printf "  detection over the cluster / one scan of the documents: %.2f (goal <= 2.0)\n", d / sc
}'
