/* The documents a detect run keeps for its alerts: given back as the source gave them, once per
 * event, within their budget (the oldest dropped first), and never for an event without one. */
#include "tests/testutil.h"

#include <stdio.h>
#include <string.h>

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
	struct hit_docs *k = hit_docs_new(1 << 20);
	struct event_row r = row_of(7, "{\"a\":1}xyz", "id-7", "logs-endpoint");
	r.doc_len = 7; /* the document is its length, not its NUL */
	r.r.derived = "host.os.type";
	r.r.os_type = "macos";
	hit_docs_keep(k, 7, &r);
	struct event_row other = row_of(7, "{\"b\":2}", "changed", NULL);
	hit_docs_keep(k, 7, &other); /* kept already: the first stays */
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
	hit_docs_keep(k, 8, &bare);
	memset(&s, 0, sizeof(s));
	assert_int_equal(hit_docs_get(k, 8, take, &s), 1);
	assert_int_equal(s.has_index + s.has_derived + s.has_os_type, 0); /* NULL stays NULL */
	assert_string_equal(hit_docs_identity(k, 8, &index), "id-8");
	assert_string_equal(index, ""); /* as event_identity gives none */

	struct event_row nodoc = row_of(9, NULL, "id-9", NULL);
	hit_docs_keep(k, 9, &nodoc);
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
	struct hit_docs *k = hit_docs_new(10 * 1160); /* each about 1,150 bytes (with its hash) */
	for (int64_t id = 1; id <= 5000; id++) {
		struct event_row r = row_of(id, doc, "i", NULL);
		hit_docs_keep(k, id, &r);
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
	hit_docs_keep(k, 6000, &r);
	assert_int_equal(hit_docs_get(k, 6000, take, &s), 0);
	assert_int_equal(hit_docs_get(k, 4991, take, &s), 1);
	hit_docs_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kept_rows_come_back_as_given),
	    cmocka_unit_test(test_the_budget_drops_the_oldest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
