/* Scale and size limits, on the release build (ASan would inflate resident memory and time):
 * memory stays bounded whatever the input size (300,000 generated events, ~580 MB, through a
 * pipe); a line of 1 GiB is rejected with its position and the rest still loads; a document
 * of 1,000,000 fields and a file path of 1 MiB load, alert and export whole. */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENTS 300000

/* Runs cmd under GNU time and returns the peak RSS (KiB) of that command alone: a child
 * forked from this (sanitized, large) test process inherits its high-water mark, so neither
 * RUSAGE_CHILDREN nor wait4 on a direct child measures the command. */
static long peak_rss_kib_of(const char *cmd, int *status, struct strbuf *out, struct strbuf *err)
{
	char rss[512]; /* tu_path's buffer rotates */
	snprintf(rss, sizeof(rss), "%s", tu_path("rss.txt"));
	*status = tu_run(out, err, "/usr/bin/time -f 'rss %%M' -o '%s' sh -c \"%s\"", rss, cmd);
	FILE *f = fopen(rss, "r");
	assert_non_null(f);
	long kib = -1;
	char line[256];
	while (fgets(line, sizeof(line), f))
		sscanf(line, "rss %ld", &kib);
	fclose(f);
	assert_true(kib > 0);
	return kib;
}

static void test_streaming_ingest_stays_under_64_mib(void **state)
{
	(void)state;
	struct strbuf out, err;
	strbuf_init(&out, 256);
	strbuf_init(&err, 256);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "build/release/gen-events --events %d | build/release/casebook --db %s ingest -",
	         EVENTS, tu_path("scale.db"));
	int rc;
	long rss = peak_rss_kib_of(cmd, &rc, &out, &err);
	assert_int_equal(rc, 0);
	/* the generator adds the demo story's 16 events to the background events */
	assert_string_equal(out.buf, "300016 documents: 300016 added, 0 duplicate, 0 rejected\n");
	printf("peak RSS of the ingest: %.1f MiB\n", (double)rss / 1024.0);
	assert_true(rss < 64 * 1024);
	rc = tu_run(&out, &err, "build/release/casebook --db '%s' events --limit 1 --host mac-lisbon-01",
	            tu_path("scale.db"));
	assert_int_equal(rc, 0);
	assert_int_equal(tu_count(out.buf, "\n"), 2); /* the header and the event */
	strbuf_release(&out);
	strbuf_release(&err);
}

/* Until the compression dictionary is trained, events are held in memory: 100 documents of
 * 1 MiB used ~220 MiB and 400,000 damaged lines 172 MiB. Both stay under 128 MiB now. */
static void test_memory_before_the_dictionary_is_bounded(void **state)
{
	(void)state;
	struct strbuf out, err;
	strbuf_init(&out, 256);
	strbuf_init(&err, 256);
	char big[512]; /* tu_path's buffer rotates */
	snprintf(big, sizeof(big), "%s", tu_path("big.ndjson"));
	assert_int_equal(tu_run(&out, &err,
	                        "{ i=0; pad=$(head -c 1048576 /dev/zero | tr '\\0' x); while [ $i -lt 100 ]; do "
	                        "printf '{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"b%%d\"},"
	                        "\"message\":\"%%s\"}\\n' $i \"$pad\"; i=$((i+1)); done > '%s'; }",
	                        big),
	                 0);
	char cmd[1200];
	int status;
	snprintf(cmd, sizeof(cmd), "build/release/casebook --db %s ingest %s", tu_path("big.db"), big);
	long rss = peak_rss_kib_of(cmd, &status, &out, &err);
	printf("peak RSS, 100 documents of 1 MiB: %.1f MiB\n", (double)rss / 1024.0);
	assert_int_equal(status, 0);
	assert_true(rss > 1024); /* it did read the documents */
	assert_true(rss < 128 * 1024);
	snprintf(cmd, sizeof(cmd),
	         "yes '{\"broken\": ' | head -n 400000 | build/release/casebook --db '%s' ingest - >/dev/null 2>&1",
	         tu_path("bad.db"));
	rss = peak_rss_kib_of(cmd, &status, &out, &err);
	printf("peak RSS, 400,000 damaged lines: %.1f MiB\n", (double)rss / 1024.0);
	assert_int_equal(status, 2);
	assert_true(rss < 128 * 1024);
	strbuf_release(&out);
	strbuf_release(&err);
}

/* 1 GiB of one string and no newline until its end, then one good document, through a pipe. */
static void test_line_of_one_gib_is_rejected_and_the_rest_loads(void **state)
{
	(void)state;
	struct strbuf out, err;
	strbuf_init(&out, 256);
	strbuf_init(&err, 256);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
	         "(printf '{\\\"a\\\":\\\"'; head -c 1073741824 /dev/zero | tr '\\\\0' x; "
	         "printf '\\\"}\\\\n{\\\"@timestamp\\\":\\\"2024-01-01T00:00:00Z\\\",\\\"event\\\":{\\\"id\\\":"
	         "\\\"after\\\"}}\\\\n') | build/release/casebook --db %s ingest -",
	         tu_path("gib.db"));
	int rc;
	long rss = peak_rss_kib_of(cmd, &rc, &out, &err);
	assert_int_equal(rc, 2);
	assert_string_equal(out.buf, "2 documents: 1 added, 0 duplicate, 1 rejected\n"
	                             "the damaged parts are kept: 'casebook rejects' lists them\n");
	assert_string_equal(err.buf, "-:1:16777218: document larger than 16 MiB; its first 1 MiB is kept\n");
	assert_true(rss < 64 * 1024);
	rc = tu_run(&out, &err, "build/release/casebook --db '%s' rejects | head -1", tu_path("gib.db"));
	assert_int_equal(rc, 0);
	/* 6 + 1 GiB + 2 bytes of document: the first MiB kept, the rest counted */
	assert_string_equal(out.buf, "-:1:16777218: document larger than 16 MiB; its first 1 MiB is kept "
	                             "(1048576 bytes kept, 1072693256 dropped)\n");
	strbuf_release(&out);
	strbuf_release(&err);
}

/* Short distinct names: "0":0,"1":0,...,"lfls":0 keeps the document under the 16 MiB limit. */
static void write_million_field_document(const char *path)
{
	struct strbuf doc;
	strbuf_init(&doc, 10 << 20);
	strbuf_addstr(&doc, "{\"@timestamp\":\"2024-01-01T00:00:00Z\",\"event\":{\"id\":\"many\"},"
	                    "\"host\":{\"name\":\"h1\"}");
	for (long i = 0; i < 1000000; i++) {
		char name[16];
		int n = 0;
		long v = i;
		do
			name[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
		while ((v /= 36) > 0);
		name[n] = '\0';
		strbuf_addf(&doc, ",\"%s\":0", name);
	}
	strbuf_addstr(&doc, "}\n");
	tu_write(path, doc.buf, doc.len);
	strbuf_release(&doc);
}

static void test_document_of_a_million_fields_loads_whole(void **state)
{
	(void)state;
	struct strbuf out, err;
	strbuf_init(&out, 256);
	strbuf_init(&err, 256);
	write_million_field_document(tu_path("many.json"));
	int rc = tu_run(&out, &err, "build/release/casebook --db '%s' ingest '%s'", tu_path("many.db"),
	                tu_path("many.json"));
	assert_int_equal(rc, 0);
	assert_string_equal(out.buf, "1 documents: 1 added, 0 duplicate, 0 rejected\n");
	rc = tu_run(&out, &err, "build/release/casebook --db '%s' events --host h1 --json", tu_path("many.db"));
	assert_int_equal(rc, 0);
	assert_int_equal(tu_count(out.buf, "\":0"), 1000000);
	strbuf_release(&out);
	strbuf_release(&err);
}

/* Plugin paths of 1 MiB match the seed rule (on file.path); the alerts and their JSON export carry
 * the whole path; the Markdown case report, sized for a ticket, is cut and says where the whole
 * record is. The folder-write companion reads file.path.caseless, which Elastic Defend's mapping
 * indexes only up to 1,024 characters (ignore_above), so, as in Kibana, it does not match. */
static void test_path_of_one_mib_alerts_and_exports_whole(void **state)
{
	(void)state;
	struct strbuf doc, out, err;
	strbuf_init(&doc, 2 * ((1 << 20) + 512));
	strbuf_init(&out, 256);
	strbuf_init(&err, 256);
	for (int n = 0; n < 2; n++) {
		strbuf_addf(
		    &doc,
		    "{\"@timestamp\":\"2024-01-01T00:00:0%dZ\",\"agent\":{\"type\":\"endpoint\"},"
		    "\"event\":{\"id\":\"longpath%d\",\"kind\":\"event\",\"category\":[\"file\"],"
		    "\"type\":[\"creation\"]},\"host\":{\"name\":\"h1\",\"id\":\"hid\",\"os\":{\"type\":\"macos\"}},"
		    "\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/",
		    n + 1, n);
		for (int i = 0; i < 1 << 20; i++)
			strbuf_addch(&doc, n ? 'b' : 'a');
		strbuf_addstr(&doc, ".dsplug\"}}\n");
	}
	tu_write(tu_path("path.json"), doc.buf, doc.len);
	const char *db = tu_path("path.db");
	int rc = tu_run(&out, &err, "build/release/casebook --db '%s' ingest '%s'", db, tu_path("path.json"));
	assert_int_equal(rc, 0);
	assert_string_equal(out.buf, "2 documents: 2 added, 0 duplicate, 0 rejected\n");
	rc = tu_run(&out, &err, "build/release/casebook --db '%s' detect", db);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out.buf, " 2 events matched, 2 alerts created")); /* the seed rule's, one an event */
	rc = tu_run(&out, &err, "build/release/casebook --db '%s' export --all --format json", db);
	assert_int_equal(rc, 0);
	/* the path's run of 'a's reaches the export unbroken */
	char *run = malloc((1 << 20) + 1);
	memset(run, 'a', 1 << 20);
	run[1 << 20] = '\0';
	assert_non_null(strstr(out.buf, run));
	free(run);
	rc = tu_run(&out, &err, "build/release/casebook --db '%s' export --all --format markdown", db);
	assert_int_equal(rc, 0);
	assert_true(out.len <= 32000); /* one case report of two alerts, each one's detail cut to fit a ticket */
	assert_memory_equal(out.buf, "# Case: 2 alerts on 1 host\n", 27);
	assert_int_equal(tu_count(out.buf, "'s detail is cut here to fit a ticket: `casebook export "), 2);
	strbuf_release(&doc);
	strbuf_release(&out);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_streaming_ingest_stays_under_64_mib),
	    cmocka_unit_test(test_line_of_one_gib_is_rejected_and_the_rest_loads),
	    cmocka_unit_test(test_memory_before_the_dictionary_is_bounded),
	    cmocka_unit_test(test_document_of_a_million_fields_loads_whole),
	    cmocka_unit_test(test_path_of_one_mib_alerts_and_exports_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
