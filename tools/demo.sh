#!/bin/sh
# make demo: a fresh demo case from the deterministic generator, loaded into a new database,
# with the bundled rules run over it; the queue and the attack's alert are printed, and on a
# terminal the console opens on the queue.
set -e
cd "$(dirname "$0")/.."
dir=build/demo
db=$dir/casebook.db
mkdir -p "$dir"
cb() { ./casebook --db "$db" "$@"; }
# a demo case someone has triaged is never replaced without asking
work=0
[ -f "$db" ] && work=$(./casebook --db "$db" audit --head 2>/dev/null | cut -d: -f1)
if [ "${work:-0}" != 0 ]; then
	if [ -t 0 ] && [ -t 1 ]; then
		printf '%s holds triage work (%s audit entries). Replace it with a fresh demo case? [y/N] ' "$db" "$work"
		read -r answer
	else
		answer=n
	fi
	case "$answer" in
	y | Y) ;;
	*)
		echo "Kept $db and its triage work; the console: ./casebook --db $db"
		[ -t 0 ] && [ -t 1 ] && exec ./casebook --db "$db"
		exit 0
		;;
	esac
fi
rm -f "$db" "$db-wal" "$db-shm"
build/release/gen-events --events 2000 --hosts 8 > "$dir/demo.ndjson"
cb ingest "$dir/demo.ndjson"
cb detect
echo
cb alerts
first=$(cb alerts --json | head -1 | sed -n 's/.*"kibana.alert.uuid":"\([0-9a-f]*\)".*/\1/p' | cut -c1-12)
echo
echo "The story: on mac-lisbon-01 an unsigned installer moved a .dsplug bundle into"
echo "/Library/DirectoryServices/PlugIns/ and restarted the plug-in helper, which started a shell;"
echo "on two other hosts Apple-signed updates wrote plug-ins in the same folder. The seed rule"
echo "alerts on each plug-in; casebook's companion rules add the writes inside the bundles, the"
echo "helper's child and, on mac-lisbon-01, the sequence of both. The attack's sequence alert:"
echo
lisbon=$(cb alerts --json | grep '"name":"mac-lisbon-01"' | grep 'Installed Then Run' | head -1 | sed -n 's/.*"kibana.alert.uuid":"\([0-9a-f]*\)".*/\1/p' | cut -c1-12)
cb show "${lisbon:-$first}"
echo
cb timeline "${lisbon:-$first}" --before 30s --after 10s
echo
echo "The case is in $db. Who started what, around the attack's alert:"
echo "  ./casebook --db $db tree ${lisbon:-$first}"
echo "and its record as a ticket: ./casebook --db $db export ${lisbon:-$first}"
if [ -t 0 ] && [ -t 1 ]; then
	printf '\nPress Enter to open the console on the queue (? for help, q to quit) '
	read -r _
	exec ./casebook --db "$db"
fi
