#!/bin/sh
# make cluster-demo: the demo fleet in a local two-shard ClickHouse cluster, detected from a case
# attached to it. Two clickhouse-server processes under build/cluster-demo (tests/clickhouse-
# cluster.sh, no systemd), casebook's tables in them (cluster init), a fresh case attached to
# them, the demo fleet loaded into the cluster (plain ingest in an attached case) and the
# bundled rules run over the cluster's events (plain detect), which copies each alert's events
# into the case. `make cluster-demo-stop` (or this script with "stop") stops the servers.
set -e
cd "$(dirname "$0")/.."
dir=build/cluster-demo
db=$dir/casebook.db
if [ "${1:-}" = stop ]; then
	sh tests/clickhouse-cluster.sh stop "$dir"
	exit 0
fi
mkdir -p "$dir"
sh tests/clickhouse-cluster.sh stop "$dir" >/dev/null 2>&1 || : # a cluster this script left running
sh tests/clickhouse-cluster.sh start "$dir"
. "./$dir/cluster.env"
shard1=http://127.0.0.1:$SHARD1_HTTP/
shard2=http://127.0.0.1:$SHARD2_HTTP/
cb() { ./casebook --db "$db" "$@"; }
./casebook cluster init "$shard1" "$shard2"
rm -f "$db" "$db-wal" "$db-shm"
cb cluster attach "$shard1" "$shard2"
build/release/gen-events --events 2000 --hosts 8 >"$dir/demo.ndjson"
cb ingest "$dir/demo.ndjson"
cb detect
echo
cb alerts
echo
echo "The fleet's events are in the cluster; the case $db holds the alerts and their events."
echo "The console: ./casebook --db $db    The servers keep running: make cluster-demo-stop"
