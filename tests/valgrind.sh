#!/bin/sh
# make valgrind: the unit tests and a whole case through every command, built without
# sanitizers and run under valgrind's memcheck. Any invalid read or write, use of an
# uninitialised value, or definite or indirect leak fails it (a forked child's inherited
# memory, "possibly lost", does not).
cd "$(dirname "$0")/.." || exit 1
# the tests that run casebook itself run this build (not under valgrind: children are not traced)
export CASEBOOK_ANALYST=tester TZ=UTC CASEBOOK_BIN=build/vg/casebook
vg() { valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$@"; }
failed=""
for t in "$@"; do
	log=build/vg/$t.log
	if vg "build/vg/$t" >"$log" 2>&1; then
		echo "valgrind $t: clean"
	else
		failed="$failed $t"
		echo "---- valgrind $t failed:"
		grep '^==[0-9]*==' "$log" | head -40
	fi
done
# a case through the commands: ingest (with damage: exit 2), detect, the lists, triage, every export
dir=build/vg/case
rm -rf "$dir" && mkdir -p "$dir"
build/release/gen-events --events 1500 --hosts 4 >"$dir/events.ndjson"
cat tests/fixtures/hostile.ndjson tests/fixtures/unsupported.ndjson >>"$dir/events.ndjson"
printf '{"broken": \n' >>"$dir/events.ndjson"
# cb EXIT_STATUS ARGS...: runs casebook ARGS under valgrind; any other exit status fails too
cb() {
	want=$1
	shift
	log=$dir/cmd.log
	vg build/vg/casebook --db "$dir/case.db" "$@" >"$log" 2>&1
	rc=$?
	if [ "$rc" != "$want" ]; then
		failed="$failed casebook-$1"
		echo "---- valgrind casebook $* (exit $rc, expected $want):"
		grep '^==[0-9]*==' "$log" | head -40
		tail -5 "$log"
	fi
}
cb 2 ingest "$dir/events.ndjson"
cb 0 rejects
cb 0 events --query 'file.path:*dsplug*'
cb 0 rules
cb 0 detect
cb 0 coverage
cb 0 alerts
uuid=$(build/vg/casebook --db "$dir/case.db" alerts --json | head -1 | sed -n 's/.*"kibana.alert.uuid":"\([0-9a-f]*\)".*/\1/p' | cut -c1-12)
cb 0 show "$uuid"
cb 0 timeline "$uuid"
cb 0 check "$uuid" 1
cb 0 respond "$uuid" 1 done
cb 0 note "$uuid" "checked under valgrind"
cb 0 status "$uuid" closed --reason true_positive --force
cb 0 audit --verify
for f in markdown json thehive timesketch-jsonl timesketch-csv; do cb 0 export --all --format "$f"; done
if [ -n "$failed" ]; then
	echo "valgrind: errors in$failed"
	exit 1
fi
echo "valgrind: clean ($# unit test programs, and a case through 15 commands and 5 export formats)"
