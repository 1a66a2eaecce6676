/* Hostile queries, values and guides: what an attacker's ES|QL query, event or rule note makes
 * casebook do stays defined in C (the check build's UBSan aborts on overflow) and its answer
 * right at sizes where the quadratic code it replaced ran for minutes or hours (ASan's string
 * interceptors measure what they are given each call). Nothing here reads a clock: speed is
 * for benchmarks; a regression shows as this test taking minutes. */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/esql.h"
#include "triage/guideplugins.h"

/* Runs the query over the events (a JSON array): the rows as JSON lines, its fault and
 * warning in warn. */
static char *answer(const char *query, const char *events, char *warn, size_t warnlen)
{
	struct tu_esql_said said;
	char *rows = tu_esql_run(query, events, &said);
	int len = snprintf(warn, warnlen, "%s%s", said.fault, said.warning);
	assert_true(len >= 0 && (size_t)len < warnlen);
	return rows;
}

/* DATE_PARSE read a field as wide as its pattern's letters into a 64-bit number: twenty
 * S's or d's against twenty digits overflowed it (UBSan: signed integer overflow). Digits no
 * field can hold are a value that does not parse, null with Elasticsearch's warning. */
static void test_date_parse_with_more_digits_than_a_number_holds_is_null(void **state)
{
	(void)state;
	char warn[256];
	char *got =
	    answer("ROW x = DATE_PARSE(\"yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSSSSSSSSSSSSSSSS\", "
	           "\"2024-01-01T00:00:00.111111111111111111111111\"), y = DATE_PARSE(\"dddddddddddddddddddd\", "
	           "\"11111111111111111111\"), z = DATE_PARSE(\"yyyy-MM-dd'T'HH:mm:ss.SSS\", "
	           "\"2024-01-01T00:00:00.123\")",
	           "[0]", warn, sizeof(warn));
	assert_string_equal(got, "{\"x\":null,\"y\":null,\"z\":\"2024-01-01T00:00:00.123Z\"}\n");
	assert_string_equal(warn, "DATE_PARSE: a value that does not parse");
	free(got);
}

/* SPLIT looked for each delimiter with strstr from where the last one ended, and strstr
 * measures what is left each time (ASan's interceptor does): a value split into 30,000 pieces
 * cost about a second under the check build, each event (twenty: 1.29 s for 50,000 pieces before,
 * 0.04 s after). 20,000 pieces keep the answer under the 1 MiB a function may make (each
 * value's slot counts). */
static void test_split_is_linear_in_its_pieces(void **state)
{
	(void)state;
	struct strbuf evs;
	strbuf_init(&evs, 1 << 20);
	strbuf_addch(&evs, '[');
	for (int e = 0; e < 20; e++) {
		strbuf_addf(&evs, "%s{\"s\":\"", e ? "," : "");
		for (int i = 0; i < 20000; i++)
			strbuf_addstr(&evs, "a,");
		strbuf_addstr(&evs, "\"}");
	}
	strbuf_addch(&evs, ']');
	char warn[256];
	char *got =
	    answer("FROM x | EVAL n = MV_COUNT(SPLIT(s, \",\")) | KEEP n | LIMIT 1", evs.buf, warn, sizeof(warn));
	assert_string_equal(got, "{\"n\":20001}\n");
	assert_string_equal(warn, "");
	free(got);
	strbuf_release(&evs);
}

/* The guide's plugins were found with strstr from each "!{" on, which measures the rest of
 * the guide every time under ASan: a note of 80,000 "!{x{" (not a plugin, so not counted
 * against the 1,000 plugins read) cost seconds, a 16 MiB one hours. It is left as text, in
 * a small part of a second. */
static void test_guide_of_many_plugin_openers_is_linear(void **state)
{
	(void)state;
	struct strbuf note;
	strbuf_init(&note, 1 << 19);
	for (int i = 0; i < 80000; i++)
		strbuf_addstr(&note, "!{x{");
	char *got = guide_render_plugins(note.buf);
	assert_string_equal(got, note.buf);
	free(got);
	strbuf_release(&note);
}

/* AND, OR and a function's arguments are one node, grown by one argument at a time: every
 * argument copied them all (ASan's realloc always moves), so a rule's WHERE of 100,000 ANDs
 * took minutes to import. Doubling parses it in well under a second. */
static void test_a_long_and_chain_parses_in_linear_time(void **state)
{
	(void)state;
	struct strbuf text;
	strbuf_init(&text, 1 << 20);
	strbuf_addstr(&text, "FROM x | WHERE ");
	for (int i = 0; i < 100000; i++)
		strbuf_addstr(&text, "true AND ");
	strbuf_addstr(&text, "true | LIMIT 1");
	struct esql_error err;
	struct esql_query *q = esql_parse_query(text.buf, &err);
	if (!q)
		fail_msg("%s at %zu", err.msg, err.offset);
	esql_free(q);
	/* the same for a command's names and assignments, and the commands */
	strbuf_reset(&text);
	strbuf_addstr(&text, "FROM x | KEEP a0");
	for (int i = 1; i < 50000; i++)
		strbuf_addf(&text, ",a%d", i);
	strbuf_addstr(&text, " | EVAL b0 = 1");
	for (int i = 1; i < 20000; i++)
		strbuf_addf(&text, ", b%d = 1", i);
	for (int i = 0; i < 10000; i++)
		strbuf_addstr(&text, " | EVAL c = 1");
	q = esql_parse_query(text.buf, &err);
	if (!q)
		fail_msg("%s at %zu", err.msg, err.offset);
	esql_free(q);
	strbuf_release(&text);
}

/* MATCH's fuzziness reckoned every cell of the edit distance's table: a 30,000-letter keyword
 * against a query term as long cost 900 million cells, 11 s an event under the check build.
 * Only the cells within the edits (2 at most) of the diagonal can be on a path that counts;
 * the answers, substitutions, transpositions and all, stay FuzzyQuery's. */
static void test_fuzzy_match_of_long_terms_is_linear(void **state)
{
	(void)state;
	enum { LEN = 30000 };
	struct strbuf q, evs;
	strbuf_init(&q, LEN + 200);
	strbuf_init(&evs, 4 * LEN + 200);
	strbuf_addstr(&q, "FROM x | EVAL k = MATCH(n, \"");
	for (int i = 0; i < LEN - 1; i++)
		strbuf_addch(&q, 'a');
	strbuf_addstr(&q, "b\", {\"fuzziness\": 2}) | KEEP k");
	/* one substitution; a transposition; two substitutions; three edits */
	static const char *const heads[] = {"", "", "", "bbb"}, *const tails[] = {"a", "ba", "bbb", "b"};
	strbuf_addch(&evs, '[');
	for (int e = 0; e < 4; e++) {
		size_t fill = LEN - strlen(heads[e]) - strlen(tails[e]);
		strbuf_addf(&evs, "%s{\"n\":\"%s", e ? "," : "", heads[e]);
		for (size_t i = 0; i < fill; i++)
			strbuf_addch(&evs, 'a');
		strbuf_addf(&evs, "%s\"}", tails[e]);
	}
	strbuf_addch(&evs, ']');
	char warn[256];
	char *got = answer(q.buf, evs.buf, warn, sizeof(warn));
	assert_string_equal(got, "{\"k\":true}\n{\"k\":true}\n{\"k\":true}\n{\"k\":false}\n");
	assert_string_equal(warn, "");
	free(got);
	strbuf_release(&q);
	strbuf_release(&evs);
}

/* TO_UPPER may make a string three times as long as it was (SpecialCasing: ΐ's 2 bytes are
 * 6): 800 KB of them made 2.4 MB, past the 1 MiB any other function may make. Within the
 * bound the answer is whole; past it the query stops, as for CONCAT. */
static void test_to_upper_grows_within_the_bound(void **state)
{
	(void)state;
	char warn[256];
	char *got = answer("ROW a = REPEAT(\"\u0390\", 170000) | EVAL b = TO_UPPER(a) | EVAL n = LENGTH(b), m = "
	                   "BYTE_LENGTH(b) | KEEP n, m",
	                   "[0]", warn, sizeof(warn));
	assert_string_equal(got, "{\"n\":510000,\"m\":1020000}\n");
	assert_string_equal(warn, "");
	free(got);
	got = answer("ROW a = REPEAT(\"\u0390\", 400000) | EVAL b = TO_UPPER(a) | KEEP b", "[0]", warn, sizeof(warn));
	assert_string_equal(got, "");
	assert_string_equal(warn,
	                    "TO_UPPER would make a value over 1 MiB (1,048,576 bytes), the most a function makes");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_date_parse_with_more_digits_than_a_number_holds_is_null),
	    cmocka_unit_test(test_split_is_linear_in_its_pieces),
	    cmocka_unit_test(test_guide_of_many_plugin_openers_is_linear),
	    cmocka_unit_test(test_a_long_and_chain_parses_in_linear_time),
	    cmocka_unit_test(test_fuzzy_match_of_long_terms_is_linear),
	    cmocka_unit_test(test_to_upper_grows_within_the_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
