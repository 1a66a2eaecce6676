/* The store: creation, migrations, refusing newer schemas, and event queries. */
#include "tests/testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "store/alerts.h"
#include "store/checkpointer.h"
#include "store/doccodec.h"
#include "store/events.h"
#include "store/rules.h"
#include "store/store.h"
#include "store/triage.h"

static void set_user_version(const char *path, int v)
{
	sqlite3 *raw;
	char sql[64];
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", v);
	assert_int_equal(sqlite3_exec(raw, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
}

static int pragma_int(const char *path, const char *sql)
{
	sqlite3 *raw;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	return v;
}

/* n rejected documents of 10,000 bytes each, in one transaction; salt makes them differ from
 * another call's */
static void add_big_rejects(struct store *s, int n, char salt)
{
	static char raw[10000];
	memset(raw, salt, sizeof(raw));
	int64_t ingest;
	assert_int_equal(store_ingest_begin(s, "big.ndjson", "analyst", &ingest), 0);
	assert_int_equal(store_begin(s), 0);
	for (int i = 0; i < n; i++) {
		struct reject_row r = {.ingest_id = ingest,
		                       .input = "big.ndjson",
		                       .line = (uint64_t)i + 1,
		                       .col = 1,
		                       .error = "damaged",
		                       .raw = raw,
		                       .raw_len = sizeof(raw)};
		raw[0] = (char)('a' + i % 26);
		raw[1] = (char)('a' + i / 26 % 26);
		assert_int_equal(store_reject_add(s, &r), 0);
	}
	assert_int_equal(store_commit(s), 0);
}

static int count_reject(void *ctx, const struct reject_row *r)
{
	(*(int *)ctx) += r->raw_len == 10000;
	return 0;
}

/* The checkpointing thread copies the log into the case once for each commit of a watched
 * connection that leaves SQLite's threshold of frames (1,000) in it, and for no smaller one; a
 * connection no longer watched checkpoints as SQLite does, and nothing is lost either way. */
static void test_the_checkpointing_thread_copies_the_log_a_watched_commit_fills(void **state)
{
	(void)state;
	struct store *s;
	char *err = NULL;
	const char *path = tu_path("checkpointer.db");
	assert_int_equal(store_open(path, STORE_CREATE, &s, &err), 0);
	struct store_checkpointer *k;
	assert_int_equal(store_checkpointer_start(s, &k), 0);
	store_checkpointer_watch(k, s);
	add_big_rejects(s, 10, 'x');   /* 100 kB: a few frames of 16 KiB */
	add_big_rejects(s, 2000, 'y'); /* 20 MB: more than 1,000 */
	assert_int_equal(store_checkpointer_stop(k), 1);
	assert_int_equal(store_checkpointer_start(s, &k), 0); /* watching nothing */
	add_big_rejects(s, 2000, 'z');
	assert_int_equal(store_checkpointer_stop(k), 0);
	int n = 0;
	assert_int_equal(store_rejects_each(s, count_reject, &n), 0);
	assert_int_equal(n, 4010);
	store_close(s);
	assert_int_equal(pragma_int(path, "SELECT count(*) FROM rejects"), 4010);
}

static int take_url(void *ctx, const char *url)
{
	strbuf_addf(ctx, "%s\n", url);
	return 0;
}

/* The attached cluster's URLs: kept in order, replaced whole, gone when detached. */
static void test_the_attached_clusters_urls_round_trip(void **state)
{
	(void)state;
	struct store *s;
	char *err = NULL;
	assert_int_equal(store_open(tu_path("attach.db"), STORE_CREATE, &s, &err), 0);
	struct strbuf got;
	strbuf_init(&got, 64);
	assert_int_equal(store_cluster_each(s, take_url, &got), 0);
	assert_string_equal(got.buf, "");
	const char *two[] = {"http://b:8123/", "http://a:8123/"};
	assert_int_equal(store_cluster_set(s, two, 2), 0);
	assert_int_equal(store_cluster_each(s, take_url, &got), 0);
	assert_string_equal(got.buf, "http://b:8123/\nhttp://a:8123/\n");
	strbuf_reset(&got);
	assert_int_equal(store_cluster_set(s, two + 1, 1), 0);
	assert_int_equal(store_cluster_each(s, take_url, &got), 0);
	assert_string_equal(got.buf, "http://a:8123/\n");
	strbuf_reset(&got);
	assert_int_equal(store_cluster_set(s, NULL, 0), 0);
	assert_int_equal(store_cluster_each(s, take_url, &got), 0);
	assert_string_equal(got.buf, "");
	strbuf_release(&got);
	store_close(s);
}

static void test_create_sets_schema_and_wal(void **state)
{
	(void)state;
	struct store *s;
	char *err = NULL;
	const char *path = tu_path("new.db");
	assert_int_equal(store_open(path, STORE_CREATE, &s, &err), 0);
	assert_int_equal(store_event_count(s), 0);
	store_close(s);
	assert_int_equal(store_schema_version(), 14);
	assert_int_equal(pragma_int(path, "PRAGMA user_version"), 14);
	/* version 14: the alerts' documents in their own table, not in the alerts rows */
	assert_int_equal(pragma_int(path, "SELECT count(*) FROM pragma_table_info('alert_docs')"), 2);
	assert_int_equal(pragma_int(path, "SELECT count(*) FROM pragma_table_info('alerts') WHERE name = 'doc'"), 0);
	/* version 13: the servers of the cluster a case is attached to */
	assert_int_equal(pragma_int(path, "SELECT count(*) FROM pragma_table_info('cluster_servers')"), 2);
	/* version 11: a rule's detection-rules [metadata] */
	assert_int_equal(pragma_int(path, "SELECT count(*) FROM pragma_table_info('rules') WHERE name = 'metadata'"),
	                 1);
	/* version 12: an imported alert's own name, Kibana's acknowledged spelling and its group */
	assert_int_equal(pragma_int(path,
	                            "SELECT count(*) FROM pragma_table_info('alerts') WHERE name IN ('rule_name', "
	                            "'acknowledged_as', 'group_id', 'group_index', 'group_parent')"),
	                 5);
	assert_int_equal(pragma_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'events'"), 1);
	/* version 9: the ingested and path indexes leave out the events without the value */
	assert_int_equal(pragma_int(path, "SELECT count(*) FROM sqlite_master WHERE sql LIKE "
	                                  "'%ON events(ingested) WHERE ingested IS NOT NULL'"),
	                 1);
	assert_int_equal(pragma_int(path, "SELECT count(*) FROM sqlite_master WHERE sql LIKE "
	                                  "'%ON events(file_path) WHERE file_path IS NOT NULL'"),
	                 1);
	sqlite3 *raw;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(raw);
}

/* Opening a case compares every index of the record's tables with its table: an index added
 * to the schema must be added to store/recordcheck.c's list too. The events' and rejects'
 * indexes are as large as the input and are not compared (docs/RELIABILITY.md). */
static void test_every_record_index_is_compared_on_open(void **state)
{
	(void)state;
	struct store *s;
	const char *path = tu_path("indexes.db");
	assert_int_equal(store_open(path, STORE_CREATE, &s, NULL), 0);
	store_close(s);
	sqlite3 *raw;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(raw, "SELECT name, tbl_name FROM sqlite_schema WHERE type = 'index' ORDER BY name", -1,
	                       &st, NULL),
	    SQLITE_OK);
	int checked = 0, events = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *table = (const char *)sqlite3_column_text(st, 1);
		int large = !strcmp(table, "events") || !strcmp(table, "rejects");
		if (store_index_is_checked(name) == large)
			fail_msg("index %s of %s: %s", name, table,
			         large ? "compared on open" : "not compared on open");
		checked += !large;
		events += large;
	}
	sqlite3_finalize(st);
	sqlite3_close(raw);
	assert_int_equal(checked, 18);
	assert_int_equal(events, 7);
}

static void test_missing_file_without_create_fails_clearly(void **state)
{
	(void)state;
	struct store *s;
	char *err = NULL;
	assert_int_equal(store_open(tu_path("absent.db"), 0, &s, &err), -1);
	assert_null(s);
	assert_non_null(strstr(err, "cannot open"));
	free(err);
}

static void test_newer_schema_is_refused_untouched(void **state)
{
	(void)state;
	struct store *s;
	char *err = NULL;
	const char *path = tu_path("future.db");
	assert_int_equal(store_open(path, STORE_CREATE, &s, &err), 0);
	store_close(s);
	set_user_version(path, 99);
	assert_int_equal(store_open(path, 0, &s, &err), -1);
	char want[200];
	snprintf(want, sizeof(want),
	         "the database has schema version 99, newer than this casebook understands (%d); "
	         "upgrade casebook, the database was not changed",
	         store_schema_version());
	assert_string_equal(err, want);
	free(err);
	assert_int_equal(pragma_int(path, "PRAGMA user_version"), 99);
}

/* The text of one migration block of store/schema.sql. */
static char *migration(int version)
{
	FILE *f = fopen("store/schema.sql", "r");
	assert_non_null(f);
	struct strbuf sb;
	strbuf_init(&sb, 8192);
	assert_int_equal(strbuf_read_stream(&sb, f), 0);
	fclose(f);
	char start[32], next[32];
	snprintf(start, sizeof(start), "\n-- version %d\n", version);
	snprintf(next, sizeof(next), "\n-- version %d\n", version + 1);
	char *a = strstr(sb.buf, start), *b = strstr(sb.buf, next);
	assert_non_null(a);
	char *text = xstrndup(a, b ? (size_t)(b - a) : strlen(a));
	strbuf_release(&sb);
	return text;
}

/* A case made by an older casebook: the migrations up to version, then data; opened by this
 * one (which migrates it). */
static struct store *open_old_case_raw(const char *path, int version, const char *data)
{
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	for (int v = 1; v <= version; v++) {
		char *m = migration(v);
		assert_int_equal(sqlite3_exec(raw, m, NULL, NULL, NULL), SQLITE_OK);
		free(m);
	}
	char pragma[48];
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", version);
	assert_int_equal(sqlite3_exec(raw, pragma, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, data, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	return NULL;
}

static struct store *open_old_case(const char *path, int version, const char *data)
{
	open_old_case_raw(path, version, data);
	struct store *s;
	char *err = NULL;
	if (store_open(path, 0, &s, &err))
		fail_msg("%s", err);
	return s;
}

/* A reader never migrates: an older case is refused, unchanged, with the way to migrate it;
 * a writer migrates it and says from which version. */
static void test_older_schema_is_migrated_by_writers_only(void **state)
{
	(void)state;
	const char *path = tu_path("old5.db");
	struct store *s = open_old_case_raw(path, 5, "");
	char *err = NULL;
	assert_int_equal(store_open(path, STORE_READONLY, &s, &err), -1);
	char want[300];
	snprintf(want, sizeof(want),
	         "%s has schema version 5 and needs migrating to %d; a writing command (e.g. 'casebook detect') "
	         "migrates it; it was not changed",
	         path, store_schema_version());
	assert_string_equal(err, want);
	free(err);
	assert_int_equal(pragma_int(path, "PRAGMA user_version"), 5);
	assert_int_equal(store_open(path, 0, &s, &err), 0);
	assert_int_equal(store_migrated_from(s), 5);
	store_close(s);
	assert_int_equal(pragma_int(path, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(store_open(path, 0, &s, &err), 0);
	assert_int_equal(store_migrated_from(s), 0);
	store_close(s);
}

/* An SQLite file that casebook did not make is refused, even by a writer, and left alone. */
static void test_a_foreign_database_is_refused(void **state)
{
	(void)state;
	struct store *s;
	char *err = NULL;
	const char *path = tu_path("foreign.db");
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "CREATE TABLE keep_me(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(store_open(path, 0, &s, &err), -1);
	char want[300];
	snprintf(want, sizeof(want),
	         "refusing %s: it is an SQLite database but not a casebook case (it has a table \"keep_me\"); "
	         "it was not changed",
	         path);
	assert_string_equal(err, want);
	free(err);
	assert_int_equal(pragma_int(path, "SELECT count(*) FROM sqlite_master"), 1);
}

static void test_a_version_1_case_with_data_migrates(void **state)
{
	(void)state;
	const char *path = tu_path("v1.db");
	struct store *s = open_old_case(path, 1,
	                                "INSERT INTO ingests(id, name, started_us) VALUES (1, 'old', 0);"
	                                "INSERT INTO hosts(key, host_id, name) VALUES (1, 'h', 'mac');"
	                                "INSERT INTO events(id, identity, ts, host_key, file_path, ingest_id) "
	                                "VALUES (1, 'e1', 5, 1, '/x', 1);"
	                                "INSERT INTO docs(id, dict_id, doc) VALUES (1, NULL, x'00');");
	assert_int_equal(store_event_count(s), 1);
	store_close(s);
	assert_int_equal(pragma_int(path, "PRAGMA user_version"), store_schema_version());
	/* version 1 did not record irregular columns: its events are always evaluated in full */
	assert_int_equal(pragma_int(path, "SELECT irregular FROM events WHERE id = 1"), 1);
	/* nor, before version 8, whether the name columns hold their fields' only values */
	assert_int_equal(pragma_int(path, "SELECT names_exact FROM events WHERE id = 1"), 0);
	assert_int_equal(pragma_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN ('alerts', 'audit', "
	                                  "'triage_items', 'alerts_host_time')"),
	                 4);
}

static int collect_queue(void *ctx, const struct queue_alert *a)
{
	struct strbuf *sb = ctx;
	strbuf_addf(sb, "%lld %s %s %s %s %lld %s %s %lld %lld|", (long long)a->id, a->uuid, a->status, a->severity,
	            a->rule_name, (long long)a->risk_score, a->host, a->target ? a->target : "(null)",
	            (long long)a->event_id, (long long)a->original_time);
	return 0;
}

/* Version 5 copies each alert's target (file.path, else process.name) for the queue's covering
 * index: an older case's alerts get theirs when it is opened, and the queue lists them. */
#define OPEN_DOC "{\"kibana.alert.workflow_status\":\"open\"}"
static void test_a_version_4_case_with_alerts_migrates(void **state)
{
	(void)state;
	const char *path = tu_path("v4.db");
	struct store *s =
	    open_old_case(path, 4,
	                  "INSERT INTO ingests(id, name, started_us) VALUES (1, 'old', 0);"
	                  "INSERT INTO hosts(key, host_id, name) VALUES (1, 'h', 'mac'), (2, 'h2', NULL);"
	                  "INSERT INTO events(id, identity, ts, host_key, file_path, process_name, ingest_id) "
	                  "VALUES (1, 'e1', 5, 1, '/x', 'cp', 1), (2, 'e2', 7, 2, NULL, 'curl', 1),"
	                  " (3, 'e3', 9, 1, NULL, NULL, 1);"
	                  "INSERT INTO rules(key, rule_id, version, uuid, name, type, enabled, source, json) "
	                  "VALUES (1, 'r', 1, 'u', 'Rule One', 'query', 1, 'pack', '{}');"
	                  "INSERT INTO alerts(id, uuid, rule_key, event_id, original_time, created_us, execution_us, "
	                  "severity, risk_score, reason, doc, host_key, file_path) VALUES "
	                  "(1, 'b', 1, 2, 7, 0, 0, 'low', 21, 'r', '" OPEN_DOC "', 2, NULL),"
	                  "(2, 'a', 1, 1, 5, 0, 0, 'high', 73, 'r', '" OPEN_DOC "', 1, '/x'),"
	                  "(3, 'c', 1, 3, 7, 0, 0, 'low', 21, 'r', '" OPEN_DOC "', 1, NULL);");
	struct strbuf sb;
	strbuf_init(&sb, 256);
	assert_int_equal(store_queue_each(s, collect_queue, &sb), 0);
	/* by time, then uuid; the host by name, else id */
	assert_string_equal(sb.buf, "2 a open high Rule One 73 mac /x 1 5|1 b open low Rule One 21 h2 curl 2 7|"
	                            "3 c open low Rule One 21 mac (null) 3 7|");
	strbuf_release(&sb);
	/* version 10 anchored the alerts it found, each marked as anchored by the migration */
	int64_t entries, bad;
	char why[300];
	if (store_audit_verify(s, &entries, &bad, why, sizeof(why)))
		fail_msg("%s", why);
	assert_int_equal(entries, 3);
	store_close(s);
	assert_int_equal(pragma_int(path, "SELECT count(*) FROM audit WHERE action = 'alert' AND target = 'migration' "
	                                  "AND analyst = 'casebook'"),
	                 3);
	assert_int_equal(pragma_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN ('alerts_queue', "
	                                  "'alerts_host_time', 'alerts_host')"),
	                 2);
	/* while a first detect has the queue's index pending, the queue reads the table: the same
	 * rows in the same order */
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw,
	                              "DROP INDEX alerts_queue; "
	                              "INSERT INTO deferred_indexes(name, sql) VALUES ('alerts_queue', 'x')",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(raw);
	char *msg = NULL;
	assert_int_equal(store_open(path, STORE_READONLY, &s, &msg), 0);
	strbuf_init(&sb, 256);
	assert_int_equal(store_queue_each(s, collect_queue, &sb), 0);
	assert_string_equal(sb.buf, "2 a open high Rule One 73 mac /x 1 5|1 b open low Rule One 21 h2 curl 2 7|"
	                            "3 c open low Rule One 21 mac (null) 3 7|");
	strbuf_release(&sb);
	store_close(s);
}

static int collect_alert_doc(void *ctx, const struct alert_row *a)
{
	strbuf_addf(ctx, "%s %s %s|", a->uuid, a->status, a->doc ? a->doc : "(null)");
	return 0;
}

/* Version 14 moves each alert's document into alert_docs: a version-13 case's documents move
 * with their alerts, byte for byte, and are read from there (alerts --json, show, export). */
static void test_a_version_13_case_keeps_its_alert_documents(void **state)
{
	(void)state;
	const char *path = tu_path("v13.db");
	struct store *s = open_old_case(
	    path, 13,
	    "INSERT INTO ingests(id, name, started_us) VALUES (1, 'old', 0);"
	    "INSERT INTO events(id, identity, ts, file_path, ingest_id) VALUES (1, 'e1', 5, '/x', 1), "
	    "(2, 'e2', 7, NULL, 1);"
	    "INSERT INTO rules(key, rule_id, version, uuid, name, type, enabled, source, json) "
	    "VALUES (1, 'r', 1, 'u', 'Rule One', 'query', 1, 'pack', '{}');"
	    "INSERT INTO alerts(id, uuid, rule_key, event_id, original_time, created_us, execution_us, "
	    "severity, risk_score, reason, doc, target) VALUES "
	    "(1, 'a', 1, 1, 5, 0, 0, 'high', 73, 'r', '{\"kibana.alert.workflow_status\":\"open\", \"x\":1}', '/x'),"
	    "(2, 'b', 1, 2, 7, 0, 0, 'low', 21, 'r', 'not JSON', NULL);");
	assert_int_equal(store_migrated_from(s), 13);
	struct strbuf sb;
	strbuf_init(&sb, 256);
	assert_int_equal(store_alerts_each(s, &(struct alert_query){0}, collect_alert_doc, &sb), 0);
	assert_string_equal(sb.buf, "a open {\"kibana.alert.workflow_status\":\"open\", \"x\":1}|b open not JSON|");
	strbuf_reset(&sb);
	assert_int_equal(store_alerts_each(s, &(struct alert_query){.no_doc = 1}, collect_alert_doc, &sb), 0);
	assert_string_equal(sb.buf, "a open |b open |");
	strbuf_release(&sb);
	store_close(s);
	assert_int_equal(pragma_int(path, "SELECT count(*) FROM pragma_table_info('alerts') WHERE name = 'doc'"), 0);
	assert_int_equal(pragma_int(path, "SELECT count(*) FROM alert_docs WHERE (id = 1 AND doc = "
	                                  "'{\"kibana.alert.workflow_status\":\"open\", \"x\":1}') OR "
	                                  "(id = 2 AND doc = 'not JSON')"),
	                 2);
}

static int collect(void *ctx, const struct event_row *row)
{
	struct strbuf *sb = ctx;
	strbuf_addf(sb, "%s@%lld ", row->r.identity, (long long)row->r.ts);
	return 0;
}

/* A new case named name, its events table empty, and a writer for one ingest into it. */
static void open_writer(const char *name, struct store **s, struct event_writer **w)
{
	char *err = NULL;
	int64_t ingest;
	assert_int_equal(store_open(tu_path(name), STORE_CREATE, s, &err), 0);
	assert_int_equal(store_ingest_begin(*s, "x", "t", &ingest), 0);
	assert_int_equal(event_writer_open(*s, ingest, w), 0);
}

static void add_event(struct event_writer *w, const char *id, int64_t ts, const char *host_id, const char *host)
{
	struct event_record r = {
	    .identity = id, .ts = ts, .host_id = host_id, .host_name = host, .doc_z = "", .doc_z_len = 0};
	assert_int_equal(event_writer_add(w, &r), 0);
}

static void test_event_queries_filter_by_host_and_time(void **state)
{
	(void)state;
	struct store *s;
	struct event_writer *w;
	open_writer("q.db", &s, &w);
	assert_true(event_writer_is_bulk(w));
	add_event(w, "a", 30, "H1", "mac1");
	add_event(w, "b", 10, "H1", "mac1");
	add_event(w, "c", 20, "H2", "mac2");
	add_event(w, "d", 40, NULL, "mac1"); /* same name, no id: another host row */
	uint64_t added, dups;
	assert_int_equal(event_writer_finish(w, &added, &dups), 0);
	assert_int_equal(added, 4);
	assert_int_equal(dups, 0);
	struct strbuf sb;
	strbuf_init(&sb, 64);
	struct event_query q = {0};
	assert_int_equal(store_events_each(s, &q, collect, &sb), 0);
	assert_string_equal(sb.buf, "b@10 c@20 a@30 d@40 ");
	strbuf_reset(&sb);
	q.host = "mac1";
	assert_int_equal(store_events_each(s, &q, collect, &sb), 0);
	assert_string_equal(sb.buf, "b@10 a@30 d@40 ");
	strbuf_reset(&sb);
	q.host = "H2";
	assert_int_equal(store_events_each(s, &q, collect, &sb), 0);
	assert_string_equal(sb.buf, "c@20 ");
	strbuf_reset(&sb);
	struct event_query window = {.from = 20, .to = 30, .has_from = 1, .has_to = 1};
	assert_int_equal(store_events_each(s, &window, collect, &sb), 0);
	assert_string_equal(sb.buf, "c@20 a@30 ");
	strbuf_reset(&sb);
	struct event_query limited = {.limit = 2};
	assert_int_equal(store_events_each(s, &limited, collect, &sb), 0);
	assert_string_equal(sb.buf, "b@10 c@20 ");
	strbuf_release(&sb);
	store_close(s);
}

static int record_id(void *ctx, const struct event_record *r)
{
	strbuf_addf(ctx, "%s ", r->identity);
	return 0; /* nothing more: no document is read */
}

struct narrowed {
	const struct candidate_query *q;
	struct strbuf *out;
};

static int admit_as_narrowed(void *ctx, const struct event_record *r)
{
	const struct narrowed *n = ctx;
	if (store_candidate_admits(n->q, r))
		strbuf_addf(n->out, "%s ", r->identity);
	return 0;
}

static int never_called(void *ctx, const struct candidate_row *c)
{
	(void)ctx, (void)c;
	fail();
	return 1;
}

/* store_candidate_admits, which detect's shared pass applies to the rows it reads for every
 * rule, lets through exactly the rows the SQL of a rule read alone would: path ranges and
 * caseless prefixes (ASCII case, shorter paths; a path not all ASCII always: the lowercase
 * normalizer maps É to é and U+0130 to i, SQLite's lower() does not), hosts by name or id,
 * categories among several values, missing columns and irregular rows. */
static void test_candidate_columns_agree_with_sql(void **state)
{
	(void)state;
	struct store *s;
	struct event_writer *w;
	open_writer("cand.db", &s, &w);
	static const struct {
		const char *id, *host_id, *host, *category, *path;
		int irregular;
	} rows[] = {{"p1", "H1", "mac1", "process", "/bin/ls", 0},
	            {"p2", "H2", "mac2", "process,file", "/Library/A/x", 0},
	            {"f1", "H1", "mac1", "file", "/LIBRARY/Ab", 0},
	            {"f2", NULL, "mac1", "file", "/library/b", 0},
	            {"f3", "H3", "mac3", "file", "/Library/É/x", 0},
	            {"f4", "H3", "mac3", "file", "/Lib", 0},
	            {"f5", "H3", "mac3", "file", "/LIBRARY/é/y", 0},
	            {"f6", "H3", "mac3", "file",
	             "/L\xc4\xb0"
	             "BRARY/z",
	             0}, /* U+0130, which normalizes to i */
	            {"n1", "H2", "mac2", "network", NULL, 0},
	            {"n2", "H2", "mac2", "network,process", "/Library/A", 0},
	            {"x1", NULL, NULL, NULL, NULL, 0},
	            {"i1", "H9", "mac9", "registry", "/elsewhere", 1},
	            {"c1", "H1", "mac1", "processes", "/Library/Aa", 0}};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct event_record r = {.identity = rows[i].id,
		                         .ts = (int64_t)i,
		                         .host_id = rows[i].host_id,
		                         .host_name = rows[i].host,
		                         .category = rows[i].category,
		                         .file_path = rows[i].path,
		                         .irregular = rows[i].irregular,
		                         .doc_z = "",
		                         .doc_z_len = 0};
		assert_int_equal(event_writer_add(w, &r), 0);
	}
	uint64_t added, dups;
	assert_int_equal(event_writer_finish(w, &added, &dups), 0);
	struct candidate_query qs[] = {
	    {.categories = {"process"}, .ncategories = 1},
	    {.categories = {"file", "network"}, .ncategories = 2},
	    {.path_lower_prefix = "/library/"},
	    {.path_lower_prefix = "/library/é/"},
	    {.path_lo = "/Library/A", .path_hi = "/Library/B"},
	    {.host = "mac1"},
	    {.host = "H2", .categories = {"process"}, .ncategories = 1},
	    {.path_lo = "/Library/", .path_lower_prefix = "/library/a"},
	};
	const char *want[] = {"p1 p2 n2 x1 i1 ",
	                      "p2 f1 f2 f3 f4 f5 f6 n1 n2 x1 i1 ",
	                      "p2 f1 f2 f3 f5 f6 n1 n2 x1 i1 c1 ",
	                      "f3 f5 f6 n1 x1 i1 ",
	                      "p2 n2 i1 c1 ",
	                      "p1 f1 f2 i1 c1 ",
	                      "p2 n2 i1 ",
	                      "p2 f3 f6 n2 i1 c1 "};
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		struct strbuf by_sql, by_columns;
		strbuf_init(&by_sql, 64);
		strbuf_init(&by_columns, 64);
		struct candidate_query q = qs[k];
		q.any_order = 1;
		q.admit = record_id;
		q.admit_ctx = &by_sql;
		assert_int_equal(store_candidates_each(s, &q, never_called, NULL), 0);
		struct narrowed n = {&qs[k], &by_columns};
		struct candidate_query all = {.any_order = 1, .admit = admit_as_narrowed, .admit_ctx = &n};
		assert_int_equal(store_candidates_each(s, &all, never_called, NULL), 0);
		if (strcmp(by_sql.buf, want[k]) || strcmp(by_columns.buf, want[k]))
			fail_msg("query %zu: SQL \"%s\", columns \"%s\", want \"%s\"", k, by_sql.buf, by_columns.buf,
			         want[k]);
		strbuf_release(&by_sql);
		strbuf_release(&by_columns);
	}
	store_close(s);
}

struct stopping {
	struct strbuf *seen;
	int every, n;
	int64_t last_ts, last_id;
};

/* Records each row and stops the read after every `every` rows, as detect's pass does. */
static int stop_every(void *ctx, const struct candidate_row *c)
{
	struct stopping *st = ctx;
	strbuf_addf(st->seen, "%s@%lld ", c->ev.r.identity, (long long)c->ev.r.ts);
	st->last_ts = c->ev.r.ts;
	st->last_id = c->id;
	return ++st->n % st->every == 0;
}

/* A read in @timestamp order that stops goes on after the row where it stopped, ties on the
 * timestamp included: every row once, in the same order as one read, however often it stops,
 * on either time field. */
static void test_a_stopped_read_resumes_after_its_last_row(void **state)
{
	(void)state;
	struct store *s;
	struct event_writer *w;
	open_writer("resume.db", &s, &w);
	struct doc_codec *codec = doc_codec_new();
	struct strbuf doc;
	strbuf_init(&doc, 64);
	assert_int_equal(doc_codec_compress(codec, "{}", 2, &doc), 0);
	/* stored out of time order, with ties */
	static const char *const ids[] = {"e5", "e1", "e9", "e2", "e12", "e3", "e6", "e10", "e4", "e7", "e11", "e8"};
	static const int64_t ts[] = {30, 10, 40, 10, 50, 10, 30, 40, 20, 30, 50, 30};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct event_record r = {.identity = ids[i], .ts = ts[i], .doc_z = doc.buf, .doc_z_len = doc.len};
		assert_int_equal(event_writer_add(w, &r), 0);
	}
	uint64_t added, dups;
	assert_int_equal(event_writer_finish(w, &added, &dups), 0);
	assert_int_equal(added, 12);
	const char *want =
	    "e1@10 e2@10 e3@10 e4@20 e5@30 e6@30 e7@30 e8@30 e9@40 e10@40 e12@50 e11@50 "; /* ties: ingest order */
	for (int use_ingested = 0; use_ingested < 2; use_ingested++)
		for (int every = 1; every <= 13; every++) {
			struct strbuf seen;
			strbuf_init(&seen, 256);
			struct stopping st = {&seen, every, 0, 0, 0};
			struct candidate_query q = {
			    .use_ingested = use_ingested, .has_window = 1, .from = 0, .to = 100, .by_event_time = 1};
			int reads = 0;
			for (;;) {
				int before = st.n;
				int rc = store_candidates_each(s, &q, stop_every, &st);
				assert_int_equal(rc, st.n > before && st.n % every == 0); /* stop_every's status */
				reads++;
				if (st.n == before || st.n % every)
					break; /* nothing more, or the read ended by itself */
				if (reads > 20)
					fail_msg("stopping every %d rows (ingested %d): no end after %d reads: \"%s\"",
					         every, use_ingested, reads, seen.buf);
				q.resume = 1;
				q.resume_ts = st.last_ts;
				q.resume_id = st.last_id;
			}
			if (strcmp(seen.buf, want))
				fail_msg("stopping every %d rows (ingested %d): \"%s\"", every, use_ingested, seen.buf);
			assert_true(reads >= 12 / every);
			strbuf_release(&seen);
		}
	strbuf_release(&doc);
	doc_codec_free(codec);
	store_close(s);
}

/* A callback that notes what it is shown and returns status on its stop_at-th call. */
struct stopper {
	int calls, stop_at, status;
	struct strbuf seen;
};

static int stop_on_exception(void *ctx, const struct exception_row *r)
{
	struct stopper *k = ctx;
	strbuf_addf(&k->seen, "%s ", r->id);
	return ++k->calls == k->stop_at ? k->status : 0;
}

static int stop_on_field_type(void *ctx, const char *field, const char *type)
{
	struct stopper *k = ctx;
	strbuf_addf(&k->seen, "%s:%s ", field, type);
	return ++k->calls == k->stop_at ? k->status : 0;
}

static void stopper_reset(struct stopper *k, int stop_at, int status)
{
	k->calls = 0;
	k->stop_at = stop_at;
	k->status = status;
	strbuf_reset(&k->seen);
}

/* Issue 25: an iterator hands its callback's status back, as sqlite3_exec does, rather than
 * swallowing it: the exception iterators and the field types' stop where the callback said so,
 * and return exactly what it returned (a CB_* outcome, -1, any other value). */
static void test_exception_and_field_type_iterators_pass_the_callbacks_status_back(void **state)
{
	(void)state;
	struct store *s;
	char *err = NULL;
	assert_int_equal(store_open(tu_path("iterators.db"), STORE_CREATE, &s, &err), 0);
	struct actor who = {.analyst = "tester", .at_us = 1};
	enum upsert_result res;
	const char *lists[] = {"L1", "L2"}, *items[] = {"i1", "i2", "i3"};
	assert_int_equal(store_begin(s), 0);
	for (size_t i = 0; i < 2; i++) {
		struct exception_row l = {
		    .id = lists[i], .list_id = lists[i], .namespace_type = "single", .json = "{}"};
		assert_int_equal(store_exception_list_put(s, &l, &who, &res), 0);
	}
	for (size_t i = 0; i < 3; i++) {
		struct exception_row it = {.id = items[i], .list_id = "L1", .namespace_type = "single", .json = "{}"};
		assert_int_equal(store_exception_item_put(s, &it, &who, &res), 0);
	}
	assert_int_equal(store_field_type_put(s, "a", "keyword"), 0);
	assert_int_equal(store_field_type_put(s, "b", "ip"), 0);
	assert_int_equal(store_field_type_put(s, "c", "date"), 0);
	assert_int_equal(store_commit(s), 0);

	struct stopper k;
	strbuf_init(&k.seen, 64);
	stopper_reset(&k, 0, 0); /* never stops: every row, and 0 */
	assert_int_equal(store_exception_items_each(s, "L1", "single", stop_on_exception, &k), CB_OK);
	assert_string_equal(k.seen.buf, "i1 i2 i3 ");
	stopper_reset(&k, 2, CB_NOT_FOUND);
	assert_int_equal(store_exception_items_each(s, "L1", "single", stop_on_exception, &k), CB_NOT_FOUND);
	assert_string_equal(k.seen.buf, "i1 i2 ");
	stopper_reset(&k, 1, CB_ERROR);
	assert_int_equal(store_exception_all_items_each(s, stop_on_exception, &k), CB_ERROR);
	assert_string_equal(k.seen.buf, "i1 ");
	stopper_reset(&k, 2, 42);
	assert_int_equal(store_exception_lists_each(s, stop_on_exception, &k), 42);
	assert_string_equal(k.seen.buf, "L1 L2 ");

	stopper_reset(&k, 0, 0);
	assert_int_equal(store_field_types_each(s, stop_on_field_type, &k), CB_OK);
	assert_string_equal(k.seen.buf, "a:keyword b:ip c:date ");
	stopper_reset(&k, 2, CB_INVALID);
	assert_int_equal(store_field_types_each(s, stop_on_field_type, &k), CB_INVALID);
	assert_string_equal(k.seen.buf, "a:keyword b:ip ");
	/* the read ended cleanly: the store is ready for the next one */
	stopper_reset(&k, 0, 0);
	assert_int_equal(store_exception_lists_each(s, stop_on_exception, &k), CB_OK);
	assert_string_equal(k.seen.buf, "L1 L2 ");
	strbuf_release(&k.seen);
	store_close(s);
}

/* ---- every record iterator, one table: the callback's status comes back ---- */

static int stop_on_event(void *ctx, const struct event_row *row)
{
	struct stopper *k = ctx;
	strbuf_addf(&k->seen, "%s ", row->r.identity);
	return ++k->calls == k->stop_at ? k->status : 0;
}

static int stop_on_candidate(void *ctx, const struct candidate_row *c)
{
	return stop_on_event(ctx, &c->ev);
}

static int stop_on_rule(void *ctx, const struct rule_row *r)
{
	struct stopper *k = ctx;
	strbuf_addf(&k->seen, "%s/%lld ", r->rule_id, (long long)r->version);
	return ++k->calls == k->stop_at ? k->status : 0;
}

static int stop_on_alert(void *ctx, const struct alert_row *a)
{
	struct stopper *k = ctx;
	strbuf_addf(&k->seen, "%s ", a->uuid);
	return ++k->calls == k->stop_at ? k->status : 0;
}

static int stop_on_queue_alert(void *ctx, const struct queue_alert *a)
{
	struct stopper *k = ctx;
	strbuf_addf(&k->seen, "%s ", a->uuid);
	return ++k->calls == k->stop_at ? k->status : 0;
}

static int stop_on_reject(void *ctx, const struct reject_row *r)
{
	struct stopper *k = ctx;
	strbuf_addf(&k->seen, "%s ", r->error);
	return ++k->calls == k->stop_at ? k->status : 0;
}

/* The case every iterator reads: three events on one host (two are Kibana's alerts), two
 * versions of one rule and another rule, three alerts, three rejects. */
struct iterated {
	struct store *s;
	int64_t first_event;
};

static int each_events(struct iterated *c, struct stopper *k)
{
	struct event_query q = {0};
	return store_events_each(c->s, &q, stop_on_event, k);
}

static int each_candidates(struct iterated *c, struct stopper *k)
{
	struct candidate_query q = {.by_event_time = 1};
	return store_candidates_each(c->s, &q, stop_on_candidate, k);
}

static int each_timeline(struct iterated *c, struct stopper *k)
{
	return store_timeline_each(c->s, c->first_event, 100, 100, 0, stop_on_event, k);
}

static int each_signal_events(struct iterated *c, struct stopper *k)
{
	return store_signal_events_each(c->s, 0, stop_on_event, k);
}

static int each_rules(struct iterated *c, struct stopper *k)
{
	return store_rules_each(c->s, stop_on_rule, k);
}

static int each_rule_versions(struct iterated *c, struct stopper *k)
{
	return store_rule_versions_each(c->s, "r1", stop_on_rule, k);
}

static int each_alerts(struct iterated *c, struct stopper *k)
{
	struct alert_query q = {.no_doc = 1};
	return store_alerts_each(c->s, &q, stop_on_alert, k);
}

static int each_queue(struct iterated *c, struct stopper *k)
{
	return store_queue_each(c->s, stop_on_queue_alert, k);
}

static int each_queue_tree(struct iterated *c, struct stopper *k)
{
	return store_queue_tree_each(c->s, stop_on_queue_alert, k);
}

static int each_rejects(struct iterated *c, struct stopper *k)
{
	return store_rejects_each(c->s, stop_on_reject, k);
}

static int take_event_id(void *ctx, const struct event_row *row)
{
	*(int64_t *)ctx = row->id;
	return 0;
}

static void iterated_case(struct iterated *c)
{
	struct event_writer *w;
	open_writer("each.db", &c->s, &w);
	struct doc_codec *codec = doc_codec_new();
	struct strbuf doc;
	strbuf_init(&doc, 64);
	assert_int_equal(doc_codec_compress(codec, "{}", 2, &doc), 0);
	static const char *const ids[] = {"e1", "e2", "e3"};
	for (int i = 0; i < 3; i++) {
		struct event_record r = {.identity = ids[i],
		                         .ts = 10 * (i + 1),
		                         .host_id = "H1",
		                         .host_name = "mac1",
		                         .kind = i ? "signal" : "event",
		                         .doc_z = doc.buf,
		                         .doc_z_len = doc.len};
		assert_int_equal(event_writer_add(w, &r), 0);
	}
	uint64_t added, dups;
	assert_int_equal(event_writer_finish(w, &added, &dups), 0);
	assert_int_equal(added, 3);
	strbuf_release(&doc);
	doc_codec_free(codec);
	struct rule_row rules[] = {
	    {.rule_id = "r1", .version = 1, .uuid = "u1", .name = "A", .type = "query", .json = "{}", .source = "t"},
	    {.rule_id = "r1", .version = 2, .uuid = "u2", .name = "A", .type = "query", .json = "{}", .source = "t"},
	    {.rule_id = "r2", .version = 1, .uuid = "u3", .name = "B", .type = "query", .json = "{}", .source = "t"}};
	enum upsert_result res;
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(store_rule_put(c->s, &rules[i], &res), 0);
	struct stopper keys = {0};
	strbuf_init(&keys.seen, 64);
	struct event_query all = {0};
	assert_int_equal(store_events_each(c->s, &all, stop_on_event, &keys), 0);
	assert_string_equal(keys.seen.buf, "e1 e2 e3 ");
	strbuf_release(&keys.seen);
	int64_t event_id = 0;
	assert_int_equal(store_event_by_identity(c->s, "e1", take_event_id, &event_id), 0);
	assert_true(event_id > 0);
	c->first_event = event_id;
	static const char *const uuids[] = {"a1", "a2", "a3"};
	for (int i = 0; i < 3; i++) {
		struct alert_record a = {.uuid = uuids[i],
		                         .rule_key = 1,
		                         .event_id = event_id,
		                         .original_time = i,
		                         .severity = "low",
		                         .reason = "r",
		                         .doc = "{}"};
		int created;
		assert_int_equal(store_alert_add(c->s, &a, &created), 0);
		assert_int_equal(created, 1);
	}
	int64_t ingest;
	assert_int_equal(store_ingest_begin(c->s, "bad", "t", &ingest), 0);
	static const char *const errors[] = {"x1", "x2", "x3"};
	for (int i = 0; i < 3; i++) {
		struct reject_row r = {.ingest_id = ingest, .line = (uint64_t)i + 1, .error = errors[i], .raw = "{"};
		r.raw_len = 1;
		assert_int_equal(store_reject_add(c->s, &r), 0);
	}
}

/* Issue 25: every store iterator hands its callback's status back, as sqlite3_exec does (and
 * the exception, field type and triage iterators above and in test_triage.c): it reads every
 * row and returns 0 when the callback never stops it, and stops where the callback returns
 * non-zero, the rows after unread, returning exactly that status. */
static void test_record_iterators_pass_the_callbacks_status_back(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int (*each)(struct iterated *c, struct stopper *k);
		const char *all; /* every row, in order */
	} iterators[] = {
	    {"store_events_each", each_events, "e1 e2 e3 "},
	    {"store_candidates_each", each_candidates, "e1 e2 e3 "},
	    {"store_timeline_each", each_timeline, "e1 e2 e3 "},
	    {"store_signal_events_each", each_signal_events, "e2 e3 "},
	    {"store_rules_each", each_rules, "r1/1 r1/2 r2/1 "},
	    {"store_rule_versions_each", each_rule_versions, "r1/1 r1/2 "},
	    {"store_alerts_each", each_alerts, "a1 a2 a3 "},
	    {"store_queue_each", each_queue, "a1 a2 a3 "},
	    {"store_queue_tree_each", each_queue_tree, "a1 a2 a3 "},
	    {"store_rejects_each", each_rejects, "x1 x2 x3 "},
	};
	struct iterated c;
	iterated_case(&c);
	struct stopper k;
	strbuf_init(&k.seen, 64);
	for (size_t i = 0; i < sizeof(iterators) / sizeof(iterators[0]); i++) {
		const char *name = iterators[i].name;
		stopper_reset(&k, 0, 0);
		int rc = iterators[i].each(&c, &k);
		if (rc != CB_OK || strcmp(k.seen.buf, iterators[i].all))
			fail_msg("%s, never stopped: %d, \"%s\"", name, rc, k.seen.buf);
		int rows = k.calls;
		/* stopped on the first row, on the last, and with a failure's -1 */
		const int stops[][2] = {{1, 7}, {rows, CB_NOT_FOUND}, {1, CB_ERROR}};
		for (size_t j = 0; j < 3; j++) {
			stopper_reset(&k, stops[j][0], stops[j][1]);
			rc = iterators[i].each(&c, &k);
			if (rc != stops[j][1] || k.calls != stops[j][0])
				fail_msg("%s, stopped at row %d with %d: returned %d after %d rows", name, stops[j][0],
				         stops[j][1], rc, k.calls);
		}
		/* the read ended cleanly: the next one reads every row again */
		stopper_reset(&k, 0, 0);
		assert_int_equal(iterators[i].each(&c, &k), CB_OK);
		assert_string_equal(k.seen.buf, iterators[i].all);
	}
	strbuf_release(&k.seen);
	store_close(c.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_sets_schema_and_wal),
	    cmocka_unit_test(test_the_attached_clusters_urls_round_trip),
	    cmocka_unit_test(test_every_record_index_is_compared_on_open),
	    cmocka_unit_test(test_missing_file_without_create_fails_clearly),
	    cmocka_unit_test(test_newer_schema_is_refused_untouched),
	    cmocka_unit_test(test_older_schema_is_migrated_by_writers_only),
	    cmocka_unit_test(test_a_foreign_database_is_refused),
	    cmocka_unit_test(test_a_version_1_case_with_data_migrates),
	    cmocka_unit_test(test_a_version_4_case_with_alerts_migrates),
	    cmocka_unit_test(test_a_version_13_case_keeps_its_alert_documents),
	    cmocka_unit_test(test_event_queries_filter_by_host_and_time),
	    cmocka_unit_test(test_candidate_columns_agree_with_sql),
	    cmocka_unit_test(test_a_stopped_read_resumes_after_its_last_row),
	    cmocka_unit_test(test_exception_and_field_type_iterators_pass_the_callbacks_status_back),
	    cmocka_unit_test(test_record_iterators_pass_the_callbacks_status_back),
	    cmocka_unit_test(test_the_checkpointing_thread_copies_the_log_a_watched_commit_fills),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
