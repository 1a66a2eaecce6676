/* The rules' column prefilters a ClickHouse read pushes down (cluster/source_clickhouse.h,
 * ch_alts_condition): the exact condition for given alternatives, grouped by the categories
 * they require, one IN per name column, every value through cluster/quote.h, and nothing
 * pushed where one alternative takes any row. The server's side (the same candidates and the
 * same alerts as the case) is in tests/test_cluster.c. */
#include "tests/testutil.h"

#include <stdlib.h>
#include <string.h>

#include "cluster/source_clickhouse.h"
#include "store/alerts.h"

#define COMMA "(arrayExists(c -> position(c, ',') > 0, event_category)"

static char *curl_values[] = {"curl", "nscurl"};
static char *osa_values[] = {"OSAScript"};
static char *action_values[] = {"exec"};
static char *quote_values[] = {"it's\\"};
static char *kelvin_values[] = {"\xe2\x84\xaa"
                                "IT",
                                "\xc3\x89T\xc3\x89"};

static int condition(struct strbuf *sb, const struct candidate_alt *alts, size_t n)
{
	strbuf_reset(sb);
	return ch_alts_condition(sb, alts, n);
}

static void test_alternatives_are_grouped_by_category_with_one_in_per_column(void **state)
{
	(void)state;
	static const char *const process[] = {"process"}, *const both[] = {"process", "network"};
	const struct column_filter curl[] = {{0, curl_values, 2, 0}, {1, action_values, 1, 0}};
	const struct column_filter osa[] = {{0, osa_values, 1, 1}};
	const struct column_filter action[] = {{1, action_values, 1, 0}};
	const struct candidate_alt alts[] = {
	    {.categories = process, .ncategories = 1, .columns = curl, .ncolumns = 2},
	    {.categories = process, .ncategories = 1, .columns = osa, .ncolumns = 1},
	    {.categories = both, .ncategories = 2, .category = "network", .columns = action, .ncolumns = 1},
	    {.categories = both, .ncategories = 2, .columns = NULL, .ncolumns = 0},
	};
	struct strbuf sb;
	strbuf_init(&sb, 256);
	/* the first filter of each alternative; a stage's category stands for its rule's; a group
	 * one of whose alternatives tests no name admits every name */
	assert_int_equal(condition(&sb, alts, 4), 1);
	assert_string_equal(sb.buf, COMMA " OR (1 AND (empty(event_category) OR hasAny(event_category, ['process']))"
	                                  " AND (names_exact != 1 OR ifNull(process_name IN ('curl', 'nscurl'), 0)"
	                                  " OR ifNull(lower(process_name) IN ('osascript'), 0)"
	                                  " OR ifNull(length(process_name) != lengthUTF8(process_name), 0)))"
	                                  " OR (1 AND (empty(event_category) OR hasAny(event_category, ['network']))"
	                                  " AND (names_exact != 1 OR ifNull(event_action IN ('exec'), 0)))"
	                                  " OR (1 AND (empty(event_category) OR hasAny(event_category, "
	                                  "['process', 'network']))))");
	/* no category, names alone */
	assert_int_equal(condition(&sb, alts + 1, 1), 1);
	assert_string_equal(sb.buf, COMMA " OR (1 AND (empty(event_category) OR hasAny(event_category, ['process']))"
	                                  " AND (names_exact != 1 OR ifNull(lower(process_name) IN ('osascript'), 0)"
	                                  " OR ifNull(length(process_name) != lengthUTF8(process_name), 0))))");
	const struct candidate_alt names_only[] = {{.columns = osa, .ncolumns = 1}};
	assert_int_equal(condition(&sb, names_only, 1), 1);
	assert_string_equal(sb.buf, COMMA " OR (1 AND (names_exact != 1 OR ifNull(lower(process_name) IN "
	                                  "('osascript'), 0) OR ifNull(length(process_name) != "
	                                  "lengthUTF8(process_name), 0))))");
	/* a caseless value goes through the lowercase normalizer (LowerCaseFilter: the Kelvin sign
	 * is k, É é); lower() changes A-Z alone, so a column value that is not all ASCII stays in */
	const struct column_filter kelvin[] = {{0, kelvin_values, 2, 1}};
	const struct candidate_alt kelvin_only[] = {{.columns = kelvin, .ncolumns = 1}};
	assert_int_equal(condition(&sb, kelvin_only, 1), 1);
	assert_string_equal(sb.buf, COMMA " OR (1 AND (names_exact != 1 OR ifNull(lower(process_name) IN "
	                                  "('kit', '\\xC3\\xA9t\\xC3\\xA9'), 0) OR ifNull(length(process_name) != "
	                                  "lengthUTF8(process_name), 0))))");
	strbuf_release(&sb);
}

static void test_a_value_reaches_the_query_only_through_the_quoting(void **state)
{
	(void)state;
	static const char *const odd[] = {"pro'cess"};
	const struct column_filter quoted[] = {{2, quote_values, 1, 0}};
	const struct candidate_alt alts[] = {{.categories = odd, .ncategories = 1, .columns = quoted, .ncolumns = 1}};
	struct strbuf sb;
	strbuf_init(&sb, 256);
	assert_int_equal(condition(&sb, alts, 1), 1);
	assert_string_equal(sb.buf, COMMA " OR (1 AND (empty(event_category) OR hasAny(event_category, "
	                                  "['pro\\'cess'])) AND (names_exact != 1 OR ifNull(user_name IN "
	                                  "('it\\'s\\\\'), 0))))");
	strbuf_release(&sb);
}

static void test_nothing_is_pushed_where_an_alternative_takes_any_row(void **state)
{
	(void)state;
	static const char *const process[] = {"process"};
	const struct column_filter osa[] = {{0, osa_values, 1, 1}};
	const struct column_filter none[] = {{0, osa_values, 0, 0}, {7, osa_values, 1, 0}};
	const struct candidate_alt alts[] = {
	    {.categories = process, .ncategories = 1, .columns = osa, .ncolumns = 1},
	    {.columns = none, .ncolumns = 2}, /* no value, no such column: no name tested */
	};
	struct strbuf sb;
	strbuf_init(&sb, 256);
	strbuf_addstr(&sb, "kept");
	assert_int_equal(ch_alts_condition(&sb, alts, 2), 0);
	assert_string_equal(sb.buf, "kept");
	assert_int_equal(ch_alts_condition(&sb, alts, 0), 0);
	assert_string_equal(sb.buf, "kept");
	/* too long a condition is left to the local prefilters */
	size_t n = CH_ALTS_PUSHED_BYTES / 8;
	char **many = xcalloc(n, sizeof(*many));
	for (size_t i = 0; i < n; i++)
		many[i] = "abcdefgh";
	const struct column_filter long_filter[] = {{0, many, n, 0}};
	const struct candidate_alt long_alt[] = {{.columns = long_filter, .ncolumns = 1}};
	assert_int_equal(ch_alts_condition(&sb, long_alt, 1), 0);
	assert_string_equal(sb.buf, "kept");
	free(many);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alternatives_are_grouped_by_category_with_one_in_per_column),
	    cmocka_unit_test(test_a_value_reaches_the_query_only_through_the_quoting),
	    cmocka_unit_test(test_nothing_is_pushed_where_an_alternative_takes_any_row),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
