/* The documents a detect run keeps for its alerts: given back as the source gave them, once per
 * event, within their budget (the oldest dropped first), and never for an event without one. */
#include "tests/testutil.h"

#include <stdio.h>
#include <string.h>

#include "common/digest.h"
#include "common/strbuf.h"
#include "detect/hitdocs.h"

struct seen {
	int calls;
	int64_t id;
	char doc[64], identity[32], index[32], derived[32], os_type[32];
	int has_index, has_derived, has_os_type;
	size_t doc_len;
};

static int take(void *ctx, const struct event_row *row)
{
	struct seen *s = ctx;
	s->calls++;
	s->id = row->id;
	s->doc_len = row->doc_len;
	snprintf(s->doc, sizeof(s->doc), "%.*s", (int)row->doc_len, row->doc);
	snprintf(s->identity, sizeof(s->identity), "%s", row->r.identity);
	s->has_index = row->r.index != NULL;
	s->has_derived = row->r.derived != NULL;
	s->has_os_type = row->r.os_type != NULL;
	snprintf(s->index, sizeof(s->index), "%s", row->r.index ? row->r.index : "");
	snprintf(s->derived, sizeof(s->derived), "%s", row->r.derived ? row->r.derived : "");
	snprintf(s->os_type, sizeof(s->os_type), "%s", row->r.os_type ? row->r.os_type : "");
	return 1;
}

static struct event_row row_of(int64_t id, const char *doc, const char *identity, const char *index)
{
	struct event_row r = {.id = id + 1000, .doc = doc, .doc_len = doc ? strlen(doc) : 0};
	r.r.identity = identity;
	r.r.index = index;
	return r;
}

static void test_kept_rows_come_back_as_given(void **state)
{
	(void)state;
	struct hit_docs *k = hit_docs_new(1 << 20, 0);
	struct event_row r = row_of(7, "{\"a\":1}xyz", "id-7", "logs-endpoint");
	r.doc_len = 7; /* the document is its length, not its NUL */
	r.r.derived = "host.os.type";
	r.r.os_type = "macos";
	hit_docs_keep(k, 7, &r, 0);
	struct event_row other = row_of(7, "{\"b\":2}", "changed", NULL);
	hit_docs_keep(k, 7, &other, 0); /* kept already: the first stays */
	struct seen s = {0};
	assert_int_equal(hit_docs_get(k, 7, take, &s), 1);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.id, 7);
	assert_int_equal(s.doc_len, 7);
	assert_string_equal(s.doc, "{\"a\":1}");
	assert_string_equal(s.identity, "id-7");
	assert_string_equal(s.index, "logs-endpoint");
	assert_string_equal(s.derived, "host.os.type");
	assert_string_equal(s.os_type, "macos");
	const char *index = NULL;
	assert_string_equal(hit_docs_identity(k, 7, &index), "id-7");
	assert_string_equal(index, "logs-endpoint");

	struct event_row bare = row_of(8, "{}", "id-8", NULL);
	hit_docs_keep(k, 8, &bare, 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(hit_docs_get(k, 8, take, &s), 1);
	assert_int_equal(s.has_index + s.has_derived + s.has_os_type, 0); /* NULL stays NULL */
	assert_string_equal(hit_docs_identity(k, 8, &index), "id-8");
	assert_string_equal(index, ""); /* as event_identity gives none */

	struct event_row nodoc = row_of(9, NULL, "id-9", NULL);
	hit_docs_keep(k, 9, &nodoc, 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(hit_docs_get(k, 9, take, &s), 0);
	assert_int_equal(s.calls, 0);
	assert_null(hit_docs_identity(k, 9, &index));
	assert_int_equal(hit_docs_get(NULL, 7, take, &s), 0);
	hit_docs_free(k);
}

static void test_the_budget_drops_the_oldest(void **state)
{
	(void)state;
	static char doc[1000];
	memset(doc, 'x', sizeof(doc) - 1);
	/* room for about ten: after 5,000 events only the newest are kept */
	struct hit_docs *k = hit_docs_new(10 * 1170, 1); /* each 1,165 bytes (with its hash) */
	for (int64_t id = 1; id <= 5000; id++) {
		struct event_row r = row_of(id, doc, "i", NULL);
		hit_docs_keep(k, id, &r, 0); /* not needed at the end: dropped, not spilled */
	}
	struct seen s = {0};
	int kept = 0;
	for (int64_t id = 1; id <= 5000; id++)
		kept += hit_docs_get(k, id, take, &s);
	assert_int_equal(kept, 10);
	for (int64_t id = 4991; id <= 5000; id++)
		assert_int_equal(hit_docs_get(k, id, take, &s), 1);
	/* one larger than the budget is not kept, and drops nothing */
	static char big[20000];
	memset(big, 'y', sizeof(big) - 1);
	struct event_row r = row_of(6000, big, "i", NULL);
	hit_docs_keep(k, 6000, &r, 0);
	assert_int_equal(hit_docs_get(k, 6000, take, &s), 0);
	assert_int_equal(hit_docs_get(k, 4991, take, &s), 1);
	hit_docs_free(k);
}

/* Documents needed at the pass's end, past the budget where spilling is allowed: written to a
 * file rather than dropped, and given back exactly, with their identities, indexes and stored
 * hashes (held in memory); where it is not allowed, or for documents not needed at the end, the
 * oldest are dropped as before. */
static void test_documents_needed_at_the_end_are_spilled(void **state)
{
	(void)state;
	static const struct {
		int may_spill, needed_at_end, kept;
	} cases[] = {{1, 1, 1000}, {0, 1, 300}, {1, 0, 300}};
	char doc[1100], identity[32], index[32];
	for (size_t c = 0; c < sizeof(cases) / sizeof(*cases); c++) {
		/* room in memory for 300 entries of 1,197 bytes; a spilled one keeps 177 */
		struct hit_docs *k = hit_docs_new(300 * 1197 + 500, cases[c].may_spill);
		for (int64_t id = 1; id <= 1000; id++) {
			int n = snprintf(doc, sizeof(doc), "{\"n\":%04lld,\"pad\":\"", (long long)id);
			memset(doc + n, 'a' + (char)(id % 26), 1000);
			snprintf(doc + n + 1000, sizeof(doc) - (size_t)n - 1000, "\"}");
			snprintf(identity, sizeof(identity), "id-%04lld", (long long)id);
			snprintf(index, sizeof(index), "logs-%lld", (long long)(id % 7));
			struct event_row r = row_of(id, doc, identity, index);
			r.stored = doc; /* a case's stored bytes: their hash is kept for the anchor */
			r.stored_len = (size_t)id % 50 + 1;
			hit_docs_keep(k, id, &r, cases[c].needed_at_end);
		}
		int kept = 0;
		for (int64_t id = 1; id <= 1000; id++) {
			struct seen s = {0};
			if (!hit_docs_get(k, id, take, &s))
				continue;
			kept++;
			int n = snprintf(doc, sizeof(doc), "{\"n\":%04lld,\"pad\":\"", (long long)id);
			memset(doc + n, 'a' + (char)(id % 26), 1000);
			snprintf(doc + n + 1000, sizeof(doc) - (size_t)n - 1000, "\"}");
			assert_int_equal(s.doc_len, strlen(doc));
			assert_memory_equal(s.doc, doc, sizeof(s.doc) - 1); /* its first 63 bytes */
			snprintf(identity, sizeof(identity), "id-%04lld", (long long)id);
			snprintf(index, sizeof(index), "logs-%lld", (long long)(id % 7));
			assert_string_equal(s.identity, identity);
			assert_string_equal(s.index, index);
			const char *ix = NULL;
			assert_string_equal(hit_docs_identity(k, id, &ix), identity);
			assert_string_equal(ix, index);
			char want[SHA256_HEX_LEN + 1];
			sha256_hex(doc, (size_t)id % 50 + 1, want);
			assert_string_equal(hit_docs_stored_sha256(k, id), want);
		}
		assert_int_equal(kept, cases[c].kept);
		hit_docs_free(k);
	}
}

/* A spilled document's whole text comes back, not only its start. */
static int take_whole(void *ctx, const struct event_row *row)
{
	struct strbuf *b = ctx;
	strbuf_add(b, row->doc, row->doc_len);
	return 1;
}

static void test_a_spilled_document_comes_back_whole(void **state)
{
	(void)state;
	struct hit_docs *k = hit_docs_new(20 * 1165, 1); /* 50 spilled entries of 165 bytes fit */
	static char doc[1000];
	for (int64_t id = 1; id <= 50; id++) {
		memset(doc, (char)('A' + id % 26), sizeof(doc) - 1);
		struct event_row r = row_of(id, doc, "i", NULL);
		hit_docs_keep(k, id, &r, 1);
	}
	for (int64_t id = 1; id <= 50; id++) {
		struct strbuf b;
		strbuf_init(&b, 1024);
		assert_int_equal(hit_docs_get(k, id, take_whole, &b), 1);
		memset(doc, (char)('A' + id % 26), sizeof(doc) - 1);
		assert_int_equal(b.len, sizeof(doc) - 1);
		assert_memory_equal(b.buf, doc, b.len);
		strbuf_release(&b);
	}
	hit_docs_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kept_rows_come_back_as_given),
	    cmocka_unit_test(test_the_budget_drops_the_oldest),
	    cmocka_unit_test(test_documents_needed_at_the_end_are_spilled),
	    cmocka_unit_test(test_a_spilled_document_comes_back_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
