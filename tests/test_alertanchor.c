/* An alert's audit anchor as store_alert_add computes it in C, from the values it bound, held to
 * the bytes of the anchor's SQL (the definition, which audit --verify runs): for texts with every
 * byte JSON escapes, bytes past ASCII and invalid UTF-8, NULs inside a column, NULL columns, a
 * rule_name_override, several events and an event without a stored document; and the values
 * the C path leaves to SQL (a column whose affinity would change it) still anchored by SQL.
 * The stored documents' hashes a caller passes (alert_record.stored_sha256, which detect's pass
 * takes as it reads them) give the same anchor, and are what the anchor holds. */
#include "tests/testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "store/alerts.h"
#include "store/rules.h"
#include "store/store.h"
#include "store/triage.h"

/* Events written as a hostile case file could hold them: the columns are bound as given. */
static void add_events(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "INSERT INTO ingests(id, name, started_us) VALUES (1, 't', 0);"
	                              "INSERT INTO hosts(key, host_id, name) VALUES (7, 'h', 'mac')",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "INSERT INTO events(id, identity, ts, host_key, file_path, process_name, "
	                                    "ingest_id) VALUES (?1, ?2, 5, ?3, ?4, ?5, 1)",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	static const char nul_path[] = "/tmp/a\0b\"c";
	static const char every[] = "q\" b\\ s/ \b\f\n\r\t \x01\x1f\x7f \xc3\xa9\xe2\x80\xa8 \xff\xfe end";
	for (int id = 1; id <= 6; id++) {
		sqlite3_bind_int64(st, 1, id);
		char identity[32];
		snprintf(identity, sizeof(identity), "id-%d \"\\\x02", id);
		sqlite3_bind_text(st, 2, id == 2 ? every : identity, -1, SQLITE_TRANSIENT);
		if (id == 5)
			sqlite3_bind_double(st, 3, 1.5); /* a real: the C path leaves it to SQL */
		else if (id == 6)
			sqlite3_bind_text(st, 3, "x7", -1, SQLITE_STATIC); /* a text the alert keeps as text */
		else if (id % 2)
			sqlite3_bind_int64(st, 3, 7);
		else
			sqlite3_bind_null(st, 3);
		if (id == 1)
			sqlite3_bind_text(st, 4, nul_path, (int)sizeof(nul_path) - 1, SQLITE_STATIC);
		else if (id == 3)
			sqlite3_bind_text(st, 4, every, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 4);
		sqlite3_bind_text(st, 5, id == 4 ? every : "zsh", -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	/* stored documents for every event but 4 (the anchor's LEFT JOIN then says null) */
	assert_int_equal(sqlite3_exec(db,
	                              "INSERT INTO docs(id, dict_id, doc) SELECT id, NULL, "
	                              "x'28b52ffd' || randomblob(40) FROM events WHERE id != 4",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
}

struct anchors {
	char *after[32];
	size_t n;
};

static int take_anchor(void *ctx, const struct audit_row *a)
{
	struct anchors *x = ctx;
	if (!strcmp(a->action, "alert") && x->n < 32)
		x->after[x->n++] = strdup(a->after);
	return 0;
}

static void test_anchors_rendered_in_c_are_the_sqls(void **state)
{
	(void)state;
	const char *path = tu_path("anchor.db");
	struct store *s;
	char *err = NULL;
	assert_int_equal(store_open(path, STORE_CREATE, &s, &err), 0);
	add_events(path);
	enum upsert_result res;
	struct rule_row rules[] = {
	    {.rule_id = "r-\"1\\",
	     .version = 3,
	     .uuid = "u1",
	     .name = "A",
	     .type = "query",
	     .json = "{}",
	     .source = "t"},
	    {.rule_id = "r2", .version = 1, .uuid = "u2", .name = "B", .type = "eql", .json = "{}", .source = "t"}};
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(store_rule_put(s, &rules[i], &res), 0);
	static const char every[] = "q\" b\\ s/ \b\f\n\r\t \x01\x1f\x7f \xc3\xa9\xe2\x80\xa8 \xff\xfe end";
	static const int64_t seq[] = {3, 4, 2}; /* a sequence's events, one without a document */
	static const char *const doc = "{\"@timestamp\":\"2026-01-01T00:00:00.000Z\","
	                               "\"kibana.alert.workflow_status\":\"open\",\"x\":[1,\"\\u0001\"]}";
	struct alert_record alerts[] = {
	    {.uuid = "a1", .rule_key = 1, .event_id = 1, .severity = "low", .risk_score = 21, .reason = every},
	    {.uuid = "a2", .rule_key = 1, .event_id = 2, .severity = every, .risk_score = -5, .reason = ""},
	    {.uuid = "a3",
	     .rule_key = 2,
	     .event_id = 3,
	     .severity = "high",
	     .reason = "r",
	     .events = seq,
	     .nevents = 3},
	    {.uuid = "a4", .rule_key = 2, .event_id = 4, .severity = "critical", .reason = "r", .rule_name = every},
	    {.uuid = "a5", .rule_key = 1, .event_id = 5, .severity = "low", .reason = "r"},
	    {.uuid = "a6", .rule_key = 1, .event_id = 6, .severity = "low", .reason = "r", .rule_name = ""},
	    /* not of the form the document's hash is taken from (whitespace): SQL decides */
	    {.uuid = "a7",
	     .rule_key = 1,
	     .event_id = 1,
	     .severity = "low",
	     .reason = "r",
	     .doc = "{ \"kibana.alert.workflow_status\": \"open\" }"},
	};
	size_t n = sizeof(alerts) / sizeof(alerts[0]);
	assert_int_equal(store_tx_begin(s), 0);
	for (size_t i = 0; i < n; i++) {
		alerts[i].original_time = (int64_t)i * 1000003;
		alerts[i].created_us = 1796605000123456 + (int64_t)i;
		alerts[i].execution_us = -(int64_t)i;
		if (!alerts[i].doc)
			alerts[i].doc = doc;
		int created = 0;
		assert_int_equal(store_alert_add(s, &alerts[i], &created), 0);
		assert_int_equal(created, 1);
	}
	assert_int_equal(store_tx_end(s, 1), 0);
	/* every alert but a5 (a real host_key), a6 (a text one) and a7 (its document) in C */
	assert_int_equal(store_audit_anchors_rendered(s), n - 3);
	/* audit --verify computes each alert's anchor by SQL and compares it with the entry's */
	int64_t entries, bad;
	char why[256];
	int verified = store_audit_verify(s, &entries, &bad, why, sizeof(why));
	if (verified)
		print_message("%s\n", why);
	assert_int_equal(verified, 0);
	assert_int_equal(bad, 0);
	assert_int_equal(entries, (int64_t)n);
	struct anchors got = {0};
	assert_int_equal(store_audit_each(s, NULL, take_anchor, &got), 0);
	assert_int_equal(got.n, n);
	/* one spelled out: the rule's id and version, the severity, then the content's hash */
	static const char prefix[] = "rule r-\"1\\ v3, low, content sha256:";
	assert_int_equal(strncmp(got.after[0], prefix, strlen(prefix)), 0);
	assert_int_equal(strlen(got.after[0]), strlen(prefix) + 64);
	for (size_t i = 0; i < got.n; i++)
		free(got.after[i]);
	store_close(s);
}

/* The SHA-256 of event id's stored document, read as a caller of the store would have it. */
static void stored_sha(const char *path, int64_t id, char hex[SHA256_HEX_LEN + 1])
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT doc FROM docs WHERE id = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	sha256_hex(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), hex);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Two alerts on the same events, with and without the hashes given (the second with one left
 * to the store): the same content hash, and verify passes. Then a wrong hash given: it is the
 * one anchored, so verify finds that alert changed. */
static void test_stored_hashes_given_anchor_the_same(void **state)
{
	(void)state;
	const char *path = tu_path("anchor-given.db");
	struct store *s;
	char *err = NULL;
	assert_int_equal(store_open(path, STORE_CREATE, &s, &err), 0);
	add_events(path);
	enum upsert_result res;
	struct rule_row rule = {
	    .rule_id = "r", .version = 1, .uuid = "u", .name = "A", .type = "eql", .json = "{}", .source = "t"};
	assert_int_equal(store_rule_put(s, &rule, &res), 0);
	char h2[SHA256_HEX_LEN + 1], h3[SHA256_HEX_LEN + 1], wrong[SHA256_HEX_LEN + 1];
	stored_sha(path, 2, h2);
	stored_sha(path, 3, h3);
	memcpy(wrong, h3, sizeof(wrong));
	wrong[0] = wrong[0] == '0' ? '1' : '0';
	static const int64_t seq[] = {3, 2};
	const char *given[] = {h3, h2}, *partly[] = {NULL, h2}, *bad[] = {wrong, h2};
	const char *const *sets[] = {NULL, given, partly, bad};
	static const char *const doc = "{\"kibana.alert.workflow_status\":\"open\"}";
	assert_int_equal(store_tx_begin(s), 0);
	for (size_t i = 0; i < 4; i++) {
		char uuid[8];
		snprintf(uuid, sizeof(uuid), "g%zu", i);
		struct alert_record a = {.uuid = uuid,
		                         .rule_key = 1,
		                         .event_id = 3,
		                         .severity = "low",
		                         .reason = "r",
		                         .doc = doc,
		                         .events = seq,
		                         .nevents = 2,
		                         .stored_sha256 = sets[i]};
		int created = 0;
		assert_int_equal(store_alert_add(s, &a, &created), 0);
		assert_int_equal(created, 1);
	}
	assert_int_equal(store_tx_end(s, 1), 0);
	assert_int_equal(store_audit_anchors_rendered(s), 4);
	struct anchors got = {0};
	assert_int_equal(store_audit_each(s, NULL, take_anchor, &got), 0);
	assert_int_equal(got.n, 4);
	/* the alerts differ in uuid only, which the content does not hold */
	assert_string_equal(got.after[1], got.after[0]);
	assert_string_equal(got.after[2], got.after[0]);
	assert_string_not_equal(got.after[3], got.after[0]);
	for (size_t i = 0; i < got.n; i++)
		free(got.after[i]);
	int64_t entries, bad_id;
	char why[256];
	assert_int_equal(store_audit_verify(s, &entries, &bad_id, why, sizeof(why)), 2);
	assert_string_equal(why, "alert g3 (its rule, severity, events or document) is not what audit entry 4 "
	                         "anchored: it was changed");
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_anchors_rendered_in_c_are_the_sqls),
	    cmocka_unit_test(test_stored_hashes_given_anchor_the_same),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
