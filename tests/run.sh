#!/bin/sh
# Runs each cmocka test binary named as an argument (from build/check/) and prints one
# closing line "N passed, N failed" over all of them. Exits non-zero if any test failed.
cd "$(dirname "$0")/.." || exit 1
passed=0 failed=0 broken=""
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export CASEBOOK_ANALYST=tester TZ=UTC
for t in "$@"; do
	log="build/check/$t.log"
	"build/check/$t" >"$log" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$log" | tail -1)
	p=${p:-0} f=${f:-0}
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	passed=$((passed + p)) failed=$((failed + f))
	if [ "$rc" != 0 ]; then
		broken="$broken $t"
		echo "---- $t failed (exit $rc):"
		grep -v '^\[ \(RUN\|      OK\) ' "$log" | tail -40
	else
		echo "$t: $p passed"
	fi
done
echo "$passed passed, $failed failed"
[ -z "$broken" ]
