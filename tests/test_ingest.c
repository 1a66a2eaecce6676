/* Ingest end to end into a real store: every input shape, normalisation, dedup, and exact
 * FILE:LINE:COLUMN rejects with the rest of the input still loaded. */
#include "detect/jsondoc.h"
#include "tests/testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "common/timeutil.h"
#include "ingest/ingest.h"
#include "ingest/sniff.h"
#include "ingest/walk.h"
#include "store/events.h"
#include "store/store.h"

static struct store *db;
static struct strbuf errors, rows;
static int case_no;

static int setup(void **state)
{
	(void)state;
	char name[64];
	snprintf(name, sizeof(name), "ingest-%d.db", ++case_no);
	char *err = NULL;
	assert_int_equal(store_open(tu_path(name), STORE_CREATE, &db, &err), 0);
	strbuf_init(&errors, 256);
	strbuf_init(&rows, 256);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_close(db);
	strbuf_release(&errors);
	strbuf_release(&rows);
	return 0;
}

/* Writes text to a file named name and ingests it; the FILE:LINE:COL messages land in errors. */
static struct ingest_counts ingest_file(const char *name, const void *data, size_t len)
{
	const char *path = tu_path(name);
	tu_write(path, data, len);
	char *buf = NULL;
	size_t blen = 0;
	FILE *mem = open_memstream(&buf, &blen);
	struct ingest_options o = {.analyst = "tester", .progress = 0, .errors = {diag_to_stream, mem}};
	struct ingest_counts c = {0};
	assert_int_equal(ingest_path(db, path, &o, &c), INGEST_OK);
	fclose(mem);
	strbuf_reset(&errors);
	/* strip the temporary folder so messages compare exactly */
	const char *dir = tu_tmpdir();
	for (char *p = buf; p && *p;) {
		char *hit = strstr(p, dir);
		if (!hit) {
			strbuf_addstr(&errors, p);
			break;
		}
		strbuf_add(&errors, p, (size_t)(hit - p));
		p = hit + strlen(dir) + 1;
	}
	free(buf);
	return c;
}

static struct ingest_counts ingest_text(const char *name, const char *text)
{
	return ingest_file(name, text, strlen(text));
}

#define S(x) ((x) ? (x) : "-")

static int row_to_text(void *ctx, const struct event_row *row)
{
	(void)ctx;
	const struct event_record *r = &row->r;
	char ts[TIME_ISO_LEN], ing[TIME_ISO_LEN] = "-";
	time_format_iso8601(r->ts, ts);
	if (r->has_ingested)
		time_format_iso8601(r->ingested, ing);
	strbuf_addf(&rows, "%s|%s|%s|%s/%s|%s|%s|%s|%s|%s|%s|%s|%s|", S(r->identity), ts, ing, S(r->host_id),
	            S(r->host_name), S(r->os_type), S(r->derived), S(r->category), S(r->type), S(r->action),
	            S(r->file_path), S(r->index), S(r->process_name));
	if (r->has_pid)
		strbuf_addf(&rows, "%lld", (long long)r->pid);
	strbuf_addf(&rows, "\n");
	return 0;
}

static const char *list_rows(void)
{
	struct event_query q = {0};
	strbuf_reset(&rows);
	assert_int_equal(store_events_each(db, &q, row_to_text, NULL), 0);
	return rows.buf;
}

static int doc_to_text(void *ctx, const struct event_row *row)
{
	(void)ctx;
	strbuf_add(&rows, row->doc, row->doc_len);
	strbuf_addch(&rows, '\n');
	return 0;
}

static const char *list_docs(void)
{
	struct event_query q = {.want_doc = 1};
	strbuf_reset(&rows);
	assert_int_equal(store_events_each(db, &q, doc_to_text, NULL), 0);
	return rows.buf;
}

static void assert_counts(struct ingest_counts c, uint64_t docs, uint64_t added, uint64_t dup, uint64_t rej)
{
	assert_int_equal(c.documents, docs);
	assert_int_equal(c.added, added);
	assert_int_equal(c.duplicates, dup);
	assert_int_equal(c.rejected, rej);
}

static void test_ndjson_fields(void **state)
{
	(void)state;
	struct ingest_counts c = ingest_text(
	    "a.ndjson",
	    "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"e1\",\"ingested\":\"2024-05-01T10:01:00.5Z\","
	    "\"category\":[\"file\"],\"type\":[\"change\",\"deletion\"],\"action\":\"deletion\"},"
	    "\"host\":{\"id\":\"h-1\",\"name\":\"mac1\",\"os\":{\"type\":\"macos\"}},"
	    "\"file\":{\"path\":\"/tmp/a\"},\"process\":{\"pid\":42,\"name\":\"rm\"}}\n"
	    "{\"@timestamp\":\"2024-05-01T09:00:00+02:00\",\"event\":{\"id\":\"e2\"},\"host.name\":\"mac2\","
	    "\"event.category\":\"process\",\"data_stream\":{\"type\":\"logs\",\"dataset\":\"endpoint.events.process\","
	    "\"namespace\":\"default\"}}\n");
	assert_counts(c, 2, 2, 0, 0);
	assert_string_equal(errors.buf, "");
	assert_string_equal(
	    list_rows(),
	    "e2|2024-05-01T07:00:00.000000Z|-|-/mac2|-|-|process|-|-|-|logs-endpoint.events.process-default|-|\n"
	    "e1|2024-05-01T10:00:00.000000Z|2024-05-01T10:01:00.500000Z|h-1/mac1|macos|-|file|change,deletion|"
	    "deletion|/tmp/a|-|rm|42\n");
}

static void test_pretty_concatenated_and_array(void **state)
{
	(void)state;
	struct ingest_counts c =
	    ingest_text("pretty.json", "{\n  \"@timestamp\": \"2024-05-01T10:00:00Z\",\n"
	                               "  \"event\": {\"id\": \"p1\"}\n}\n\n{\n"
	                               "  \"@timestamp\": \"2024-05-01T10:00:01Z\",\n"
	                               "  \"event\": {\"id\": \"p2\"}\n},\n"
	                               "{\"@timestamp\": \"2024-05-01T10:00:02Z\", \"event\": {\"id\": \"p3\"}}\n");
	assert_counts(c, 3, 3, 0, 0);
	c = ingest_text("array.json", "[\n {\"@timestamp\": \"2024-05-01T11:00:00Z\", \"event\": {\"id\": \"a1\"}},\n"
	                              " {\"@timestamp\": \"2024-05-01T11:00:01Z\", \"event\": {\"id\": \"a2\"}}\n]\n");
	assert_counts(c, 2, 2, 0, 0);
	assert_int_equal(tu_count(list_rows(), "\n"), 5);
	assert_non_null(strstr(rows.buf, "a2|2024-05-01T11:00:01.000000Z"));
}

static void test_hits_and_responses(void **state)
{
	(void)state;
	char search[1024];
	struct ingest_counts c =
	    ingest_text("hit.json", "{\"_index\":\".ds-logs-endpoint.events.file-default-000001\","
	                            "\"_id\":\"H1\",\"_source\":{\"@timestamp\":\"2024-05-01T10:00:01.000Z\","
	                            "\"event\":{\"id\":\"same\"}}}");
	assert_counts(c, 1, 1, 0, 0);
	snprintf(search, sizeof(search),
	         "{\"took\":3,\"hits\":{\"total\":{\"value\":2},\"hits\":[{\"_index\":\"i1\",\"_id\":\"S1\","
	         "\"_source\":{\"@timestamp\":\"2024-05-01T10:00:02Z\"}},{\"_index\":\"i1\",\"_id\":\"S2\","
	         "\"_source\":{\"@timestamp\":\"2024-05-01T10:00:03Z\"}}]}}");
	c = ingest_text("search.json", search);
	assert_counts(c, 2, 2, 0, 0);
	c = ingest_text("eql.json",
	                "{\"is_partial\":false,\"hits\":{\"events\":[{\"_index\":\"i2\",\"_id\":\"Q1\","
	                "\"_source\":{\"@timestamp\":\"2024-05-01T10:00:04Z\"}}],"
	                "\"sequences\":[{\"join_keys\":[\"x\"],\"events\":[{\"_index\":\"i2\",\"_id\":\"Q2\","
	                "\"_source\":{\"@timestamp\":\"2024-05-01T10:00:05Z\"}},{\"_index\":\"i2\",\"_id\":\"Q3\","
	                "\"_source\":{\"@timestamp\":\"2024-05-01T10:00:06Z\"}}]}]}}");
	assert_counts(c, 3, 3, 0, 0);
	c = ingest_text("empty.json", "{\"took\":1,\"hits\":{\"total\":{\"value\":0},\"hits\":[]}}");
	assert_counts(c, 0, 0, 0, 0);
	list_rows();
	/* a hit's identity is its _id, and its index the _index */
	assert_non_null(
	    strstr(rows.buf,
	           "H1|2024-05-01T10:00:01.000000Z|-|-/-|-|-|-|-|-|-|.ds-logs-endpoint.events.file-default-000001|"));
	assert_non_null(strstr(rows.buf, "Q3|2024-05-01T10:00:06.000000Z|-|-/-|-|-|-|-|-|-|i2|"));
	/* the stored document is the event (_source), not the hit */
	assert_non_null(
	    strstr(list_docs(), "{\"@timestamp\":\"2024-05-01T10:00:01.000Z\",\"event\":{\"id\":\"same\"}}\n"));
}

static void test_dev_tools_triple_quotes(void **state)
{
	(void)state;
	struct ingest_counts c = ingest_text(
	    "devtools.json",
	    "{\n \"@timestamp\": \"2024-05-01T10:00:00Z\",\n \"event\": {\"id\": \"t1\"},\n"
	    " \"process\": {\"command_line\": \"\"\"python -c \"import os\" \"\"\", \"name\": \"py\"}\n}\n");
	assert_counts(c, 1, 1, 0, 0);
	assert_string_equal(list_docs(),
	                    "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"t1\"},"
	                    "\"process\":{\"command_line\":\"python -c \\\"import os\\\" \",\"name\":\"py\"}}\n");
}

static void gzip_to(const char *path, const char *text, const char *mode)
{
	gzFile gz = gzopen(path, mode);
	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, text, (unsigned)strlen(text)), (int)strlen(text));
	assert_int_equal(gzclose(gz), Z_OK);
}

static void test_gzip_and_concatenated_members(void **state)
{
	(void)state;
	const char *path = tu_path("events.ndjson.gz");
	gzip_to(path, "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"g1\"}}\n", "wb");
	gzip_to(path, "{\"@timestamp\":\"2024-05-01T10:00:01Z\",\"event\":{\"id\":\"g2\"}}\n", "ab");
	struct ingest_options o = {.analyst = "t", .errors = diag_stderr_sink()};
	struct ingest_counts c = {0};
	assert_int_equal(ingest_path(db, path, &o, &c), INGEST_OK);
	assert_counts(c, 2, 2, 0, 0);
	assert_non_null(strstr(list_rows(), "g2|2024-05-01T10:00:01.000000Z"));
	/* a truncated gzip file: what was inflated loads, and the damage is reported */
	FILE *f = fopen(path, "rb");
	char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	tu_write(tu_path("cut.gz"), buf, n - 10);
	memset(&c, 0, sizeof(c));
	FILE *mem = tmpfile();
	o.errors = (struct diag_sink){diag_to_stream, mem};
	assert_int_equal(ingest_path(db, tu_path("cut.gz"), &o, &c), INGEST_UNREADABLE);
	fclose(mem);
}

static void test_host_os_type_derived_for_old_agents(void **state)
{
	(void)state;
	struct ingest_counts c = ingest_text(
	    "old.ndjson",
	    "{\"@timestamp\":\"2021-01-14T09:07:18Z\",\"event\":{\"id\":\"o1\"},\"host\":{\"name\":\"m\","
	    "\"os\":{\"platform\":\"darwin\",\"family\":\"macos\"}}}\n"
	    "{\"@timestamp\":\"2021-01-14T09:07:19Z\",\"event\":{\"id\":\"o2\"},\"host\":{\"os\":{\"family\":"
	    "\"debian\"}}}\n"
	    "{\"@timestamp\":\"2021-01-14T09:07:20Z\",\"event\":{\"id\":\"o3\"},\"host\":{\"os\":{\"type\":\"windows\","
	    "\"platform\":\"macos\"}}}\n"
	    "{\"@timestamp\":\"2021-01-14T09:07:21Z\",\"event\":{\"id\":\"o4\"},\"host\":{\"os\":{\"platform\":"
	    "\"beos\"}}}\n");
	assert_counts(c, 4, 4, 0, 0);
	assert_string_equal(list_rows(), "o1|2021-01-14T09:07:18.000000Z|-|-/m|macos|host.os.type|-|-|-|-|-|-|\n"
	                                 "o2|2021-01-14T09:07:19.000000Z|-|-/-|linux|host.os.type|-|-|-|-|-|-|\n"
	                                 "o3|2021-01-14T09:07:20.000000Z|-|-/-|windows|-|-|-|-|-|-|-|\n"
	                                 "o4|2021-01-14T09:07:21.000000Z|-|-/-|-|-|-|-|-|-|-|-|\n");
}

static void test_identity_fallback_and_dedup(void **state)
{
	(void)state;
	const char *text = "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"message\":\"no id\"}\n"
	                   "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"message\":\"no id\"}\n"
	                   "{\"@timestamp\":\"2024-05-01T10:00:01Z\",\"event\":{\"id\":\"d1\"}}\n";
	/* a bulk load into an empty store removes duplicates after the fact */
	struct ingest_counts c = ingest_text("dup.ndjson", text);
	assert_counts(c, 3, 2, 1, 0);
	/* the same file again adds nothing */
	c = ingest_text("dup.ndjson", text);
	assert_counts(c, 3, 0, 3, 0);
	/* a non-empty store checks each event before inserting it */
	c = ingest_text("more.ndjson", "{\"@timestamp\":\"2024-05-01T10:00:02Z\",\"event\":{\"id\":\"d2\"}}\n"
	                               "{\"@timestamp\":\"2024-05-01T10:00:02Z\",\"event\":{\"id\":\"d2\"}}\n");
	assert_counts(c, 2, 1, 1, 0);
	assert_int_equal(store_event_count(db), 3);
	/* no _id and no event.id: the SHA-256 of the minified document */
	assert_non_null(strstr(
	    list_rows(),
	    "sha256:81015c4da3df59729b5a48113c6edd76363f20c323c7e2aed6a00d026d5b7546|2024-05-01T10:00:00.000000Z"));
	assert_int_equal(tu_count(rows.buf, "sha256:"), 1);
}

static void test_rejects_have_exact_positions_and_the_rest_loads(void **state)
{
	(void)state;
	struct ingest_counts c =
	    ingest_text("bad.ndjson",
	                "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"r1\"}}\n"  /* 1 ok */
	                "{\"@timestamp\":\"2024-05-01T10:00:01Z\",\"event\":{\"id\":\"r2\"},}\n" /* 2 trailing comma */
	                "{\"@timestamp\":\"2024-05-01T10:00:02Z\",\"event\":{\"id\":\"r3\"}}\n"  /* 3 ok */
	                "{\"@timestamp\":\"2024-05-01T10:00:03Z\",\"message\":\"unterminated\n"  /* 4 broken string */
	                "{\"@timestamp\":\"2024-05-01T10:00:04Z\",\"event\":{\"id\":\"r5\"}}\n"  /* 5 ok */
	                "{\"message\":\"valid JSON, not an event\"}\n"                           /* 6 no @timestamp */
	                "{\"@timestamp\":\"0000-01-01T00:00:00Z\"}\n"                            /* 7 year 0 */
	                "}\n"                                                                    /* 8 stray brace */
	                "{\"@timestamp\":\"2024-05-01T10:00:08Z\",\"event\":{\"id\":\"r9\"}}\n"  /* 9 ok */
	                "[1, 2]\n"                                                               /* 10 not documents */
	                "{\"@timestamp\":\"2024-05-01T10:00:10Z\",\"event\":{\"id\":\"r11\"}}"); /* 11 ok, no newline */
	assert_string_equal(errors.buf, "bad.ndjson:2:58: trailing comma before '}'\n"
	                                "bad.ndjson:4:61: control character 0x0A in string (unterminated string?)\n"
	                                "bad.ndjson:6:1: not an event: no @timestamp\n"
	                                "bad.ndjson:7:1: @timestamp: year out of range (0001-9999)\n"
	                                "bad.ndjson:8:1: unmatched closing bracket outside any document\n"
	                                "bad.ndjson:10:2: expected '{' to start a document\n");
	assert_counts(c, 11, 5, 0, 6);
	list_rows();
	assert_int_equal(tu_count(rows.buf, "\n"), 5);
	assert_non_null(strstr(rows.buf, "r11|"));
}

static void test_unclosed_pretty_document_resynchronises(void **state)
{
	(void)state;
	struct ingest_counts c =
	    ingest_text("cut.json", "{\n  \"@timestamp\": \"2024-05-01T10:00:00Z\",\n"
	                            "  \"event\": {\"id\": \"u1\"\n"
	                            "{\n  \"@timestamp\": \"2024-05-01T10:00:01Z\",\n  \"event\": {\"id\": \"u2\"}\n}\n"
	                            "{\n  \"x\": \"never closed\n}\n");
	assert_string_equal(
	    errors.buf,
	    "cut.json:4:1: the document is not closed before the next one starts here (expected ',' or '}', "
	    "found end of input)\n"
	    "cut.json:9:21: control character 0x0A in string (unterminated string?)\n");
	assert_counts(c, 3, 1, 0, 2);
	assert_non_null(strstr(list_rows(), "u2|"));
}

struct reject_list {
	struct strbuf *out;
};

static int reject_to_text(void *ctx, const struct reject_row *r)
{
	(void)ctx;
	strbuf_addf(&rows, "%llu:%llu:%llu:%zu:%llu:", (unsigned long long)r->line, (unsigned long long)r->col,
	            (unsigned long long)r->offset, r->raw_len, (unsigned long long)r->raw_dropped);
	strbuf_add(&rows, r->raw, r->raw_len);
	strbuf_addch(&rows, '\n');
	return 0;
}

static void test_rejects_keep_the_damaged_bytes(void **state)
{
	(void)state;
	const char *text = "{\"@timestamp\":\"2024-05-01T10:00:00Z\"}\n{\"a\":tru}\nnot json at all\n";
	ingest_text("keep.ndjson", text);
	ingest_text("keep.ndjson", text); /* the same damage is kept once */
	strbuf_reset(&rows);
	assert_int_equal(store_rejects_each(db, reject_to_text, NULL), 0);
	assert_string_equal(rows.buf, "2:6:38:9:0:{\"a\":tru}\n"
	                              "3:1:48:16:0:not json at all\n\n"); /* stray bytes run to the next line */
}

static void test_oversized_document_is_rejected_and_skipped(void **state)
{
	(void)state;
	size_t big = (17u << 20);
	char *text = malloc(big + 200);
	size_t n = (size_t)sprintf(text, "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"pad\":\"");
	memset(text + n, 'x', big);
	n += big;
	n += (size_t)sprintf(text + n, "\"}\n{\"@timestamp\":\"2024-05-01T10:00:01Z\",\"event\":{\"id\":\"after\"}}\n");
	struct ingest_counts c = ingest_file("big.json", text, n);
	free(text);
	assert_string_equal(errors.buf, "big.json:1:16777218: document larger than 16 MiB; its first 1 MiB is kept\n");
	assert_counts(c, 2, 1, 0, 1);
	assert_non_null(strstr(list_rows(), "after|"));
	strbuf_reset(&rows);
	assert_int_equal(store_rejects_each(db, reject_to_text, NULL), 0);
	assert_memory_equal(rows.buf, "1:16777218:0:1048576:16777262:{\"@timestamp\"", 43);
}

static void test_killed_bulk_load_is_finished_by_the_next_writer(void **state)
{
	(void)state;
	pid_t pid = fork();
	if (pid == 0) {
		/* a bulk load that commits rows and then dies before rebuilding its indexes */
		struct event_writer *w;
		int64_t ingest;
		if (store_ingest_begin(db, "killed", "t", &ingest) || event_writer_open(db, ingest, &w))
			_exit(3);
		struct event_record r = {.identity = "k1", .ts = 1, .doc_z = "x", .doc_z_len = 1};
		event_writer_add(w, &r);
		event_writer_add(w, &r);
		r.identity = "k2";
		event_writer_add(w, &r);
		if (event_writer_checkpoint(w))
			_exit(4);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(store_path(db), &raw), SQLITE_OK);
	sqlite3_stmt *q;
	const char *sql = "SELECT (SELECT count(*) FROM sqlite_master WHERE type='index' AND tbl_name='events'), "
	                  "(SELECT count(*) FROM deferred_indexes), (SELECT count(*) FROM events)";
	assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 4); /* identity and path indexes dropped, */
	assert_int_equal(sqlite3_column_int(q, 1), 2); /* and remembered */
	assert_int_equal(sqlite3_column_int(q, 2), 3);
	sqlite3_reset(q);
	uint64_t dups;
	assert_int_equal(store_finish_deferred_indexes(db, &dups), 0);
	assert_int_equal(dups, 1);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 6);
	assert_int_equal(sqlite3_column_int(q, 1), 0);
	assert_int_equal(sqlite3_column_int(q, 2), 2);
	sqlite3_finalize(q);
	sqlite3_close(raw);
}

/* Files that are not JSON at all are refused whole with the type their first bytes show
 * (the signatures are the formats' own: PNG's 8-byte signature, ELF's 0x7F "ELF", PDF's
 * "%PDF-", zip's local file header "PK\3\4", gzip's 1F 8B, tar's "ustar" at 257); nothing
 * is stored, not even a reject. */
static void test_files_that_are_not_json_are_refused_with_their_type(void **state)
{
	(void)state;
	static char tar[600];
	memset(tar, 0, sizeof(tar));
	memcpy(tar, "events.ndjson", 13);
	memcpy(tar + 257, "ustar", 5);
	static const struct {
		const char *name, *bytes;
		size_t len;
		const char *what;
	} cases[] = {
#define B(lit) lit, sizeof(lit) - 1
	    {"shot.png", B("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "a PNG image"},
	    {"agent",
	     B("\x7f"
	       "ELF\x02\x01\x01\0\0\0"),
	     "an ELF executable"},
	    {"osquery", B("\xcf\xfa\xed\xfe\x07\0\0\x01"), "a Mach-O executable"},
	    {"report.pdf", B("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "a PDF document"},
	    {"logs.zip", B("PK\x03\x04\x14\0\0\0\x08\0"), "a zip archive"},
	    {"alerts.csv", B("@timestamp,host.name,process.name\n2024-05-01,mac1,zsh\n"), "CSV text"},
	    {"rule.yaml", B("name: plugin installed\nseverity: high\n"), "YAML"},
	    {"doc.yml", B("---\n- one\n- two\n"), "YAML"},
	    {"page.html", B("<!DOCTYPE html>\n<html><body>{x}</body></html>\n"), "HTML"},
	    {"notes.txt", B("ingest these later\n"), "text with no JSON document (no line starts with '{' or '[')"},
	    {"case.db", B("SQLite format 3\0\x10\0"), "an SQLite database"},
	    {"utf16.json", B("\xff\xfe{\0\"\0a\0\"\0"),
	     "UTF-16 text (casebook reads UTF-8: convert it with iconv -f UTF-16 -t UTF-8)"},
	    {"random.bin", B("\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f{"), "binary data"},
	    {"events.tar", tar, sizeof(tar), "a tar archive"},
#undef B
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *path = tu_path(cases[i].name);
		tu_write(path, cases[i].bytes, cases[i].len);
		char *buf = NULL;
		size_t blen = 0;
		FILE *mem = open_memstream(&buf, &blen);
		struct ingest_options o = {.analyst = "tester", .errors = {diag_to_stream, mem}};
		struct ingest_counts c = {0};
		assert_int_equal(ingest_path(db, path, &o, &c), INGEST_NOT_JSON);
		fclose(mem);
		char expect[600];
		snprintf(expect, sizeof(expect),
		         "%s: not read: it is %s, not JSON (casebook reads JSON and NDJSON documents, plain or gzip)\n",
		         path, cases[i].what);
		assert_string_equal(buf, expect);
		free(buf);
		assert_counts(c, 0, 0, 0, 0);
	}
	assert_int_equal(store_event_count(db), 0);
	strbuf_reset(&rows);
	assert_int_equal(store_rejects_each(db, reject_to_text, NULL), 0);
	assert_string_equal(rows.buf, "");
}

/* What the sniffer lets through: JSON in every shape the reader takes, damaged JSON (a line
 * of it starts a document), and empty input; gzip is looked at after decompression. */
static void test_json_and_damaged_json_are_not_refused(void **state)
{
	(void)state;
	static const char *const json[] = {
	    "",
	    "\n\n  \n",
	    "{\"a\":1}\n",
	    "[\n  {\"a\": 1}\n]\n",
	    "\xef\xbb\xbf{\"a\":1}",
	    "  {\n    \"a\": 1\n  }\n",
	    "this line is damaged\n{\"@timestamp\":\"2024-05-01T10:00:00Z\"}\n",
	    "a,b\n{\"x\":1}\n",
	    "GET logs-endpoint.events.*/_search\n{\"hits\":{}}\n",
	};
	for (size_t i = 0; i < sizeof(json) / sizeof(json[0]); i++)
		assert_null(sniff_not_json((const unsigned char *)json[i], strlen(json[i])));
	/* a gzip file holding a PNG is refused as the PNG */
	const char *path = tu_path("shot.png.gz");
	gzFile gz = gzopen(path, "wb");
	gzwrite(gz, "\x89PNG\r\n\x1a\n\0\0", 10);
	gzclose(gz);
	struct ingest_options o = {.analyst = "tester", .errors = {0}};
	struct ingest_counts c = {0};
	assert_int_equal(ingest_path(db, path, &o, &c), INGEST_NOT_JSON);
	/* damaged JSON keeps today's behaviour: each damage with its place, the rest loads */
	c = ingest_text("damaged.ndjson",
	                "garbage first\n{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"d1\"}}\n");
	assert_string_equal(errors.buf, "damaged.ndjson:1:1: expected '{' to start a document\n");
	assert_counts(c, 2, 1, 0, 1);
}

/* A directory is read recursively: files in byte order of their names, depth first; hidden
 * names and what is not a file left out; a symbolic link back up the tree read once. */
static void test_directory_walk_is_stable_and_ends_on_link_loops(void **state)
{
	(void)state;
	char cmd[2048];
	const char *root = tu_path("evidence");
	snprintf(cmd, sizeof(cmd),
	         "mkdir -p '%s' && cd '%s' && mkdir -p b/inner a .git && touch z.json B.json a/2.ndjson a/10.ndjson "
	         "b/inner/x.json.gz .git/HEAD .DS_Store && ln -s .. b/inner/up && ln -s a c && mkfifo fifo",
	         root, root);
	assert_int_equal(system(cmd), 0);
	struct walk_list files = {0};
	char err[256];
	char *buf = NULL;
	size_t blen = 0;
	FILE *mem = open_memstream(&buf, &blen);
	assert_int_equal(walk_directory(root, &files, &(struct diag_sink){diag_to_stream, mem}, err, sizeof(err)), 0);
	fclose(mem);
	strbuf_reset(&rows);
	for (size_t i = 0; i < files.n; i++)
		strbuf_addf(&rows, "%s\n", files.paths[i] + strlen(root) + 1);
	assert_string_equal(rows.buf, "B.json\n"
	                              "a/10.ndjson\n"
	                              "a/2.ndjson\n"
	                              "b/inner/x.json.gz\n"
	                              "z.json\n");
	strbuf_reset(&rows);
	for (char *p = buf; *p;) { /* the notes, without the temporary folder */
		char *hit = strstr(p, root);
		if (!hit) {
			strbuf_addstr(&rows, p);
			break;
		}
		strbuf_add(&rows, p, (size_t)(hit - p));
		p = hit + strlen(root) + 1;
	}
	assert_string_equal(rows.buf,
	                    "b/inner/up: skipped: a directory already read (a link loop or a second link to it)\n"
	                    "c: skipped: a directory already read (a link loop or a second link to it)\n"
	                    "fifo: skipped: not a regular file\n");
	free(buf);
	walk_list_release(&files);
	assert_int_equal(walk_directory(tu_path("no-such-dir"), &files, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "No such file or directory");
}

/* Ingest says what it has to say through the caller's callbacks, never a stream of its own: the
 * FILE:LINE:COLUMN of a damaged document reaches the diag_sink whole, and the progress callback
 * hears the end of an input once, last. */
static void test_diagnostics_and_progress_go_to_the_callers_callbacks(void **state)
{
	(void)state;
	const char *path = tu_path("said.ndjson");
	tu_write_str(path, "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"s1\"}}\n"
	                   "{\"a\":1,}\n");
	struct strbuf said;
	strbuf_init(&said, 64);
	struct tu_progress seen = {.want_name = "said.ndjson"};
	struct ingest_options o = {
	    .analyst = "tester", .errors = {tu_collect, &said}, .progress = tu_progress_seen, .progress_ctx = &seen};
	struct ingest_counts c = {0};
	assert_int_equal(ingest_path(db, path, &o, &c), INGEST_OK);
	assert_counts(c, 2, 1, 0, 1);
	strbuf_reset(&rows);
	strbuf_addf(&rows, "%s:2:8: trailing comma before '}'\n", path);
	assert_string_equal(said.buf, rows.buf);
	assert_int_equal(seen.ends, 1);
	assert_int_equal(seen.after_end, 0);
	assert_int_equal(seen.backwards, 0);
	assert_null(seen.bad_name);
	/* an input that cannot be read is said there too, and no progress is drawn for it */
	strbuf_reset(&said);
	seen = (struct tu_progress){.want_name = "said.ndjson"};
	assert_int_equal(ingest_path(db, tu_path("no-such.ndjson"), &o, &c), INGEST_UNREADABLE);
	strbuf_reset(&rows);
	strbuf_addf(&rows, "%s: cannot read: No such file or directory\n", tu_path("no-such.ndjson"));
	assert_string_equal(said.buf, rows.buf);
	assert_int_equal(seen.calls, 0);
	strbuf_release(&said);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_ndjson_fields),
	    T(test_pretty_concatenated_and_array),
	    T(test_hits_and_responses),
	    T(test_dev_tools_triple_quotes),
	    T(test_gzip_and_concatenated_members),
	    T(test_host_os_type_derived_for_old_agents),
	    T(test_identity_fallback_and_dedup),
	    T(test_rejects_have_exact_positions_and_the_rest_loads),
	    T(test_unclosed_pretty_document_resynchronises),
	    T(test_rejects_keep_the_damaged_bytes),
	    T(test_oversized_document_is_rejected_and_skipped),
	    T(test_killed_bulk_load_is_finished_by_the_next_writer),
	    T(test_files_that_are_not_json_are_refused_with_their_type),
	    T(test_json_and_damaged_json_are_not_refused),
	    T(test_directory_walk_is_stable_and_ends_on_link_loops),
	    T(test_diagnostics_and_progress_go_to_the_callers_callbacks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
