#!/bin/sh
# Runs each cmocka test binary named as an argument (from build/check/) and prints one
# closing line "N passed, N failed, N skipped" over all of them, naming the skipped tests (a
# test skips when its environment lacks something, e.g. root to mount a tmpfs). Exits non-zero
# if any test failed.
cd "$(dirname "$0")/.." || exit 1
passed=0 failed=0 skipped=0 broken="" skipped_names=""
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export CASEBOOK_ANALYST=tester TZ=UTC
for t in "$@"; do
	log="build/check/$t.log"
	"build/check/$t" >"$log" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$log" | tail -1)
	k=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:/\1/p' "$log" | tail -1)
	names=$(sed -n 's/^\[  SKIPPED \] \([a-z_0-9]*\)$/\1/p' "$log" | sort -u | tr '\n' ' ' | sed 's/ $//')
	p=${p:-0} f=${f:-0} k=${k:-0}
	skipped=$((skipped + k))
	[ -n "$names" ] && skipped_names="$skipped_names $t: $names"
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	passed=$((passed + p)) failed=$((failed + f))
	if [ "$rc" != 0 ]; then
		broken="$broken $t"
		echo "---- $t failed (exit $rc):"
		grep -v '^\[ \(RUN\|      OK\) ' "$log" | tail -40
	else
		if [ "$k" != 0 ]; then echo "$t: $p passed, $k skipped ($names)"; else echo "$t: $p passed"; fi
	fi
done
[ -n "$skipped_names" ] && echo "skipped:$skipped_names"
echo "$passed passed, $failed failed, $skipped skipped"
[ -z "$broken" ]
