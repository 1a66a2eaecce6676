#!/bin/sh
# make demo: a fresh demo case from the deterministic generator, loaded into a new database.
# Later steps (detection, the console) join this script as they land.
set -e
cd "$(dirname "$0")/.."
dir=build/demo
db=$dir/casebook.db
mkdir -p "$dir"
rm -f "$db" "$db-wal" "$db-shm"
build/release/gen-events --events 2000 --hosts 8 > "$dir/demo.ndjson"
./casebook --db "$db" ingest "$dir/demo.ndjson"
echo
echo "The demo case is in $db. The story's events on the folder the seed rule watches:"
./casebook --db "$db" events | grep 'DirectoryServices/PlugIns' || true
echo
echo "Try:  ./casebook --db $db events --host mac-lisbon-01 --from 2026-11-20T08:05:00Z --to 2026-11-20T08:06:00Z"
