/* The needles a ClickHouse read pushes down (cluster/source_clickhouse.h,
 * ch_needles_condition): the exact condition for a given set of needle sets, each needle
 * through cluster/quote.h, the JSON escapes that can hide a needle (and U+0130, U+212A, which the
 * lowercase normalizer lowers to ASCII) always admitted, and nothing
 * pushed where the local scan would parse every document anyway. The server's side (escaped
 * documents still candidates) is in tests/test_cluster.c. */
#include "tests/testutil.h"

#include <string.h>

#include "cluster/source_clickhouse.h"
#include "detect/needles.h"

#define ESCAPES                                                                                                        \
	"(position(doc, '\\\\u') > 0 OR position(doc, '\\\\/') > 0 OR position(doc, '\\xC4\\xB0') > 0 OR "             \
	"position(doc, '\\xE2\\x84\\xAA') > 0"

/* A usable set of the given needles (as the query languages give them: lower-cased). */
static void set_of(struct needles *nd, const char *const *texts, size_t n)
{
	needles_init(nd);
	for (size_t i = 0; i < n; i++) {
		struct needles one, both;
		needles_one(&one, texts[i], strlen(texts[i]));
		if (i == 0) {
			*nd = one;
			continue;
		}
		needles_union(&both, nd, &one);
		*nd = both;
	}
	needles_finish(nd);
}

/* The condition for the sets, or "" with 0 when nothing is pushed. */
static int condition(struct strbuf *sb, const struct needles *const *sets, size_t n)
{
	strbuf_reset(sb);
	return ch_needles_condition(sb, sets, n);
}

static void test_each_needle_is_one_search_of_the_lower_cased_document(void **state)
{
	(void)state;
	static const char *const a[] = {"osascript", "curl"}, *const b[] = {"nscurl", "OSAScript", "pbpaste"};
	struct needles na, nb;
	set_of(&na, a, 2);
	set_of(&nb, b, 3); /* nscurl holds curl, OSAScript is osascript again: only pbpaste is new */
	const struct needles *sets[] = {&na, &nb};
	struct strbuf sb;
	strbuf_init(&sb, 256);
	assert_int_equal(condition(&sb, sets, 2), 1);
	assert_string_equal(sb.buf, ESCAPES " OR position(lower(doc), 'osascript') > 0"
	                                    " OR position(lower(doc), 'curl') > 0"
	                                    " OR position(lower(doc), 'pbpaste') > 0)");
	/* one set alone */
	assert_int_equal(condition(&sb, sets + 1, 1), 1);
	assert_string_equal(sb.buf, ESCAPES " OR position(lower(doc), 'nscurl') > 0"
	                                    " OR position(lower(doc), 'osascript') > 0"
	                                    " OR position(lower(doc), 'pbpaste') > 0)");
	strbuf_release(&sb);
	needles_release(&na);
	needles_release(&nb);
}

static void test_a_needle_reaches_the_query_only_through_the_quoting(void **state)
{
	(void)state;
	static const char *const a[] = {"it's'; drop table t; --", "/library/launchagents/"};
	struct needles na;
	set_of(&na, a, 2);
	const struct needles *sets[] = {&na};
	struct strbuf sb;
	strbuf_init(&sb, 256);
	assert_int_equal(condition(&sb, sets, 1), 1);
	assert_string_equal(sb.buf, ESCAPES " OR position(lower(doc), 'it\\'s\\'; drop table t; --') > 0"
	                                    " OR position(lower(doc), '/library/launchagents/') > 0)");
	strbuf_release(&sb);
	needles_release(&na);
}

/* Where the local scan parses every document (a set that rules nothing out), or the server
 * would search too many needles, or a needle positionless search could not find as the local
 * scan does (a byte outside printable ASCII, a quote or backslash JSON may escape), nothing is
 * pushed: every row stays a candidate. */
static void test_nothing_is_pushed_where_a_set_rules_nothing_out(void **state)
{
	(void)state;
	static const char *const a[] = {"osascript"};
	struct needles na, unusable, empty, odd, many;
	set_of(&na, a, 1);
	needles_init(&unusable);
	needles_init(&empty);
	empty.usable = 1;
	static const char *const odd_text[] = {"caf\xc3\xa9"};
	set_of(&odd, odd_text, 1);
	struct strbuf sb;
	strbuf_init(&sb, 256);
	const struct needles *with_unusable[] = {&na, &unusable};
	assert_int_equal(condition(&sb, with_unusable, 2), 0);
	assert_string_equal(sb.buf, "");
	const struct needles *with_null[] = {&na, NULL};
	assert_int_equal(condition(&sb, with_null, 2), 0);
	const struct needles *with_empty[] = {&empty, &na};
	assert_int_equal(condition(&sb, with_empty, 2), 0);
	const struct needles *with_odd[] = {&na, &odd};
	assert_int_equal(condition(&sb, with_odd, 2), 0);
	assert_int_equal(condition(&sb, NULL, 0), 0);
	assert_string_equal(sb.buf, "");

	/* CH_NEEDLES_PUSHED needles are pushed, one more is not */
	char texts[CH_NEEDLES_PUSHED + 1][16];
	const char *ptr[CH_NEEDLES_PUSHED + 1];
	for (size_t i = 0; i <= CH_NEEDLES_PUSHED; i++) {
		snprintf(texts[i], sizeof(texts[i]), "tool%c%c", (char)('a' + i % 26), (char)('a' + i / 26));
		ptr[i] = texts[i];
	}
	set_of(&many, ptr, CH_NEEDLES_PUSHED);
	const struct needles *just[] = {&many};
	assert_int_equal(condition(&sb, just, 1), 1);
	needles_release(&many);
	set_of(&many, ptr, CH_NEEDLES_PUSHED + 1);
	assert_int_equal(condition(&sb, just, 1), 0);
	assert_string_equal(sb.buf, "");
	/* a set of more than NEEDLES_MAX the local scan takes as none */
	needles_release(&many);
	char big[NEEDLES_MAX + 1][8];
	const char *bptr[NEEDLES_MAX + 1];
	for (size_t i = 0; i <= NEEDLES_MAX; i++) {
		snprintf(big[i], sizeof(big[i]), "ab%03zu", i);
		bptr[i] = big[i];
	}
	set_of(&many, bptr, NEEDLES_MAX + 1);
	assert_int_equal(condition(&sb, just, 1), 0);
	needles_release(&many);
	strbuf_release(&sb);
	needles_release(&na);
	needles_release(&odd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_each_needle_is_one_search_of_the_lower_cased_document),
	    cmocka_unit_test(test_a_needle_reaches_the_query_only_through_the_quoting),
	    cmocka_unit_test(test_nothing_is_pushed_where_a_set_rules_nothing_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
