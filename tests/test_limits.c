/* No input runs away: GROK and the regular expressions under their work bounds, each limit
 * reached said by rule and event (never a silent "no match"), and a mapping import bounded
 * in names and fields. Each test asserts what happens at the limit, not how long it takes. */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/detect.h"
#include "detect/grok.h"
#include "detect/rule.h"
#include "ingest/ingest.h"
#include "store/rules.h"

#define NOW INT64_C(1767225600000000) /* 2026-01-01T00:00:00Z, the alerts' creation time */

static struct store *db;

static int open_case(void **state)
{
	(void)state;
	static int n;
	char name[64], *err = NULL;
	snprintf(name, sizeof(name), "limits-%d.db", ++n);
	assert_int_equal(store_open(tu_path(name), STORE_CREATE, &db, &err), 0);
	return 0;
}

static int close_case(void **state)
{
	(void)state;
	store_close(db);
	return 0;
}

static void ingest_text(const char *text)
{
	tu_write_str(tu_path("in.ndjson"), text);
	struct ingest_options o = {.analyst = "t", .errors = stderr};
	struct ingest_counts c = {0};
	assert_int_equal(ingest_path(db, tu_path("in.ndjson"), &o, &c), INGEST_OK);
	assert_int_equal(c.rejected, 0);
}

/* An ES|QL rule GROKing message: an alert on each event whose message ends in the word evil. */
static void import_grok_rule(void)
{
	tu_write_str(tu_path("grok.json"),
	             "{\"rule_id\":\"grok\",\"name\":\"Grok\",\"description\":\"d\",\"risk_score\":47,"
	             "\"severity\":\"medium\",\"type\":\"esql\",\"interval\":\"5m\",\"from\":\"now-6m\","
	             "\"query\":\"FROM logs-* METADATA _id | GROK message \\\"%{URIHOST:h} %{WORD:w}\\\" "
	             "| WHERE w == \\\"evil\\\"\"}");
	struct import_counts c = {0};
	FILE *devnull = fopen("/dev/null", "w");
	assert_int_equal(rules_import_file(db, tu_path("grok.json"), "grok.json", &c, devnull), 0);
	fclose(devnull);
	assert_int_equal(c.rules_added, 1);
}

static void message_event(struct strbuf *sb, int i, const char *message)
{
	strbuf_addf(sb,
	            "{\"@timestamp\":\"2024-05-01T10:%02d:%02d.000Z\",\"event\":{\"id\":\"m%d\"},\"message\":\"%s\"}\n",
	            i / 60, i % 60, i, message);
}

/* The rule's warnings and totals when detect runs it. */
static struct detect_totals detect_grok(struct strbuf *warnings)
{
	char *text = NULL;
	size_t len = 0;
	FILE *warn = open_memstream(&text, &len);
	struct detect_options o = {.rule_id = "grok", .now_us = NOW, .warn = warn};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &o, &t), 0);
	fclose(warn);
	strbuf_addstr(warnings, text);
	free(text);
	return t;
}

/* s repeated until n bytes, then tail. */
static char *repeated(const char *s, size_t n, const char *tail)
{
	struct strbuf sb;
	strbuf_init(&sb, n + 16);
	for (size_t i = 0; sb.len < n; i++)
		strbuf_addch(&sb, s[i % strlen(s)]);
	strbuf_addstr(&sb, tail);
	return strbuf_detach(&sb, NULL);
}

/* grok_match's answer for pattern on subject: 1 match, 0 none, -1 a limit reached. */
static int grok_answer(const char *pattern, const char *subject, char **first)
{
	char why[200];
	int unsupported;
	struct grok *g = grok_compile(pattern, why, sizeof(why), &unsupported);
	if (!g)
		fail_msg("%s: %s", pattern, why);
	size_t n = grok_field_count(g);
	char **values = calloc(n ? n : 1, sizeof(*values));
	int rc = grok_match(g, subject, values);
	if (first)
		*first = rc > 0 && n ? values[0] : NULL;
	for (size_t i = first && rc > 0 ? 1 : 0; i < n && rc > 0; i++)
		free(values[i]);
	free(values);
	grok_free(g);
	return rc;
}

/* A pattern that backtracks without end gives up, and says so (-1): `%{URIHOST} %{WORD}` on
 * 28 KB of "aa.b" (quadratic: 132 s at 100 KB), `(?<x>( *)*)+evil` on spaces (exponential), and
 * any pattern on a value over 32 KiB. Before, each was a silent "no match" (0), after
 * seconds to minutes. An ordinary value still matches. */
static void test_grok_gives_up_at_its_limits_and_says_so(void **state)
{
	(void)state;
	char *host = repeated("aa.b", 28000, " ");
	assert_int_equal(grok_answer("%{URIHOST:h} %{WORD:w}", host, NULL), -1);
	free(host);
	char *spaces = repeated(" ", 40, "evi l");
	assert_int_equal(grok_answer("(?<x>( *)*)+evil", spaces, NULL), -1);
	free(spaces);
	char *big = repeated("a", 40000, "");
	assert_int_equal(grok_answer("%{WORD:w}", big, NULL), -1);
	free(big);
	char *got;
	assert_int_equal(grok_answer("%{URIHOST:h} %{WORD:w}", "example.com:8080 evil", &got), 1);
	assert_string_equal(got, "example.com:8080");
	free(got);
	assert_int_equal(grok_answer("%{WORD:w}", "   ", NULL), 0);
}

/* In a rule, an event whose match reaches a limit is not evaluated, and detect says so by
 * rule and event, and counts it; the other events alert as before. */
static void test_a_limit_reached_is_named_by_rule_and_event(void **state)
{
	(void)state;
	import_grok_rule();
	struct strbuf sb, warnings;
	strbuf_init(&sb, 65536);
	strbuf_init(&warnings, 1024);
	message_event(&sb, 1, "example.com:8080 evil");
	char *hostile = repeated("aa.b", 28000, " ");
	message_event(&sb, 2, hostile);
	free(hostile);
	message_event(&sb, 3, "example.com fine");
	ingest_text(sb.buf);
	struct detect_totals t = detect_grok(&warnings);
	assert_string_equal(warnings.buf, "warning: rule \"Grok\": event m2 (2024-05-01T10:00:02.000000Z) was not "
	                                  "evaluated: a regular expression reached its limit of 1000000 steps\n");
	assert_int_equal(t.gave_up, 1);
	assert_int_equal(t.created, 1);
	strbuf_release(&sb);
	strbuf_release(&warnings);
}

/* A rule stops matching once 100 of its events reached a limit: every later event is given
 * up at once (its pathological work is bounded, not only each event's), each counted; the
 * first ten are named, then the count in all. A value over 32 KiB is not matched. */
static void test_a_rule_gives_up_after_a_hundred_events(void **state)
{
	(void)state;
	import_grok_rule();
	struct strbuf sb, warnings;
	strbuf_init(&sb, 1 << 22);
	strbuf_init(&warnings, 4096);
	char *big = repeated("x", 40000, "");
	for (int i = 0; i < 100; i++)
		message_event(&sb, i, big);
	free(big);
	message_event(&sb, 100, "example.com:8080 evil");
	ingest_text(sb.buf);
	struct detect_totals t = detect_grok(&warnings);
	assert_int_equal(t.gave_up, 101);
	assert_int_equal(t.created, 0);
	assert_int_equal(tu_count(warnings.buf, "reached its limit of 32768 bytes of value (this one has 40000)\n"),
	                 10);
	assert_non_null(strstr(warnings.buf, "warning: rule \"Grok\": 101 events in all were not evaluated (the "
	                                     "first 10 named above): a regular expression reached a limit\n"));
	assert_int_equal(tu_count(warnings.buf, "\n"), 11);
	strbuf_release(&sb);
	strbuf_release(&warnings);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_grok_gives_up_at_its_limits_and_says_so),
	    cmocka_unit_test_setup_teardown(test_a_limit_reached_is_named_by_rule_and_event, open_case, close_case),
	    cmocka_unit_test_setup_teardown(test_a_rule_gives_up_after_a_hundred_events, open_case, close_case),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
