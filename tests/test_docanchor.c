/* The anchor's hash of an alert document without its workflow fields, from the text: for each
 * text it takes, the SHA-256 of what SQLite's json_remove renders (the anchor's definition, which
 * audit --verify computes); every other text is left to SQL. */
#include "tests/testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "common/digest.h"
#include "store/docanchor.h"

static const char *const workflow[] = {"kibana.alert.workflow_status", "kibana.alert.workflow_user",
                                       "kibana.alert.workflow_status_updated_at", "kibana.alert.workflow_reason"};

/* The SHA-256 of json_remove(doc, each workflow field) as SQLite computes it. */
static void sqlite_reference(sqlite3 *db, const char *doc, char hex[SHA256_HEX_LEN + 1])
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT json_remove(?1, '$.\"kibana.alert.workflow_status\"', "
	                                    "'$.\"kibana.alert.workflow_user\"', "
	                                    "'$.\"kibana.alert.workflow_status_updated_at\"', "
	                                    "'$.\"kibana.alert.workflow_reason\"')",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, doc, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	const unsigned char *text = sqlite3_column_text(st, 0);
	assert_non_null(text);
	sha256_hex(text, (size_t)sqlite3_column_bytes(st, 0), hex);
	sqlite3_finalize(st);
}

static void test_taken_texts_hash_as_sqlite_renders_them(void **state)
{
	(void)state;
	static const char *const docs[] = {
	    /* as detect writes it: the status among the alert's members */
	    "{\"@timestamp\":\"2026-01-01T00:00:00.000Z\",\"kibana.alert.workflow_status\":\"open\","
	    "\"kibana.alert.workflow_tags\":[]}",
	    /* first, last, alone, absent */
	    "{\"kibana.alert.workflow_status\":\"open\",\"a\":1}",
	    "{\"a\":1,\"kibana.alert.workflow_status\":\"open\"}",
	    "{\"kibana.alert.workflow_status\":\"open\"}",
	    "{\"a\":{\"b\":[1,2,{\"c\":null}]},\"d\":true}",
	    "{}",
	    /* another of the four, with an object for a value */
	    "{\"x\":[],\"kibana.alert.workflow_reason\":{\"y\":[{}]},\"z\":false}",
	    /* the same name deeper is not the member */
	    "{\"event\":{\"kibana.alert.workflow_status\":\"x\"},\"kibana.alert.workflow_status\":\"open\"}",
	    /* numbers in each form JSON has, escapes, bytes past ASCII, kept as written */
	    "{\"n\":[-0,0.5,1E5,2e-3,-12.25E+7,131762381484502110],\"s\":\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9\","
	    "\"kibana.alert.workflow_status\":\"open\",\"u\":\"\xc3\xa9\xe2\x82\xac\"}",
	    /* a string that spells a member */
	    "{\"s\":\",\\\"kibana.alert.workflow_status\\\":\\\"open\\\"\",\"kibana.alert.workflow_status\":\"open\"}",
	};
	sqlite3 *db;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		char got[SHA256_HEX_LEN + 1], want[SHA256_HEX_LEN + 1];
		assert_int_equal(doc_anchor_sha256(docs[i], workflow, 4, got), 0);
		sqlite_reference(db, docs[i], want);
		assert_string_equal(got, want);
	}
	sqlite3_close(db);
	/* one value spelled out: the member and its comma cut */
	char got[SHA256_HEX_LEN + 1], want[SHA256_HEX_LEN + 1];
	assert_int_equal(doc_anchor_sha256("{\"a\":1,\"kibana.alert.workflow_user\":\"x\",\"b\":2}", workflow, 4, got),
	                 0);
	sha256_hex("{\"a\":1,\"b\":2}", 13, want);
	assert_string_equal(got, want);
}

static void test_other_texts_are_left_to_sql(void **state)
{
	(void)state;
	static const char *const docs[] = {
	    "",
	    "[1]",
	    "\"s\"",
	    " {}",
	    "{\"a\": 1}", /* whitespace: SQLite would drop it */
	    "{\"a\":1} ", /* after the value */
	    "{\"a\":01}", /* not JSON numbers */
	    "{\"a\":1.}",
	    "{\"a\":.5}",
	    "{\"a\":+1}",
	    "{\"a\":1e}",
	    "{\"a\":\"\x01\"}", /* a raw control character */
	    "{\"a\":\"\\x\"}",  /* a bad escape */
	    "{\"a\":\"\\u00g0\"}",
	    "{\"a\":\"open}", /* no end */
	    "{\"a\":1,}",     /* trailing comma */
	    "{\"a\":[1,]}",
	    "{\"a\":tru}",
	    "{\"a\":1}{}", /* a second document */
	    "{\"a\":[1}",  /* mismatched */
	    "{'a':1}",
	    "{\"kibana.alert.workflow_status\":\"a\",\"kibana.alert.workflow_status\":\"b\"}", /* twice */
	    "{\"kibana.alert.workflow_status\":\"a\",\"kibana.alert.workflow_user\":\"b\"}",   /* two of them */
	    "{\"kibana.alert.workflow\\u005fstatus\":\"a\"}", /* an escaped top-level key */
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		char got[SHA256_HEX_LEN + 1];
		if (doc_anchor_sha256(docs[i], workflow, 4, got) != -1)
			fail_msg("taken: %s", docs[i]);
	}
	assert_int_equal(doc_anchor_sha256(NULL, workflow, 4, (char[SHA256_HEX_LEN + 1]){0}), -1);
}

/* Strings read a word at a time: an escape, a quote or a control character at every offset of
 * a word, and strings of every length around one. */
static void test_every_offset_of_a_string(void **state)
{
	(void)state;
	sqlite3 *db;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	char doc[128], got[SHA256_HEX_LEN + 1], want[SHA256_HEX_LEN + 1];
	for (int len = 0; len < 24; len++) {
		for (int at = 0; at <= len; at++) {
			char plain[32];
			memset(plain, 'x', (size_t)len);
			plain[len] = '\0';
			/* an escaped quote at `at` */
			snprintf(doc, sizeof(doc), "{\"kibana.alert.workflow_status\":\"open\",\"s\":\"%.*s\\\"%s\"}",
			         at, plain, plain + at);
			assert_int_equal(doc_anchor_sha256(doc, workflow, 4, got), 0);
			sqlite_reference(db, doc, want);
			assert_string_equal(got, want);
			/* a raw tab at `at`: not JSON */
			snprintf(doc, sizeof(doc), "{\"s\":\"%.*s\t%s\"}", at, plain, plain + at);
			assert_int_equal(doc_anchor_sha256(doc, workflow, 4, got), -1);
			/* the string ends at `at`, the text soon after */
			snprintf(doc, sizeof(doc), "{\"s\":\"%.*s\"}", at, plain);
			assert_int_equal(doc_anchor_sha256(doc, workflow, 4, got), 0);
			sha256_hex(doc, strlen(doc), want);
			assert_string_equal(got, want);
			/* unterminated */
			snprintf(doc, sizeof(doc), "{\"s\":\"%.*s", at, plain);
			assert_int_equal(doc_anchor_sha256(doc, workflow, 4, got), -1);
		}
	}
	sqlite3_close(db);
}

static void test_nesting_is_bounded(void **state)
{
	(void)state;
	enum { DEEP = 1200 };
	static char doc[2 * DEEP + 16];
	size_t n = 0;
	doc[n++] = '{';
	memcpy(doc + n, "\"a\":", 4);
	n += 4;
	for (int i = 0; i < DEEP; i++)
		doc[n++] = '[';
	doc[n++] = '1';
	for (int i = 0; i < DEEP; i++)
		doc[n++] = ']';
	doc[n++] = '}';
	doc[n] = '\0';
	char got[SHA256_HEX_LEN + 1];
	assert_int_equal(doc_anchor_sha256(doc, workflow, 4, got), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_taken_texts_hash_as_sqlite_renders_them),
	    cmocka_unit_test(test_other_texts_are_left_to_sql),
	    cmocka_unit_test(test_every_offset_of_a_string),
	    cmocka_unit_test(test_nesting_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
