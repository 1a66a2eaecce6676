/* Memory stays bounded whatever the input size: 300,000 generated events (~580 MB) streamed
 * through a pipe into the release build (ASan would inflate resident memory). */
#include "tests/testutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#define EVENTS 300000

static void test_streaming_ingest_stays_under_64_mib(void **state)
{
	(void)state;
	struct strbuf out, err;
	strbuf_init(&out, 256);
	strbuf_init(&err, 256);
	int rc = tu_run(&out, &err, "build/release/gen-events --events %d | build/release/casebook --db '%s' ingest -",
			EVENTS, tu_path("scale.db"));
	assert_int_equal(rc, 0);
	/* the generator adds the demo story's 16 events to the background events */
	assert_string_equal(out.buf, "300016 documents: 300016 added, 0 duplicate, 0 rejected\n");
	struct rusage ru;
	assert_int_equal(getrusage(RUSAGE_CHILDREN, &ru), 0);
	printf("peak RSS of the ingest: %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
	assert_true(ru.ru_maxrss < 64 * 1024);
	rc = tu_run(&out, &err, "build/release/casebook --db '%s' events --limit 1 --host mac-lisbon-01", tu_path("scale.db"));
	assert_int_equal(rc, 0);
	assert_int_equal(tu_count(out.buf, "\n"), 1);
	strbuf_release(&out);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_streaming_ingest_stays_under_64_mib),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
