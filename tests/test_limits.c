/* No input runs away: GROK and the regular expressions under their work bounds, each limit
 * reached said by rule and event (never a silent "no match"), and a mapping import bounded
 * in names and fields. Each test asserts what happens at the limit, not how long it takes. */
#include "tests/testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/detect.h"
#include "detect/field.h"
#include "detect/grok.h"
#include "detect/mapping.h"
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
	struct ingest_options o = {.analyst = "t", .errors = diag_stderr_sink()};
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
	assert_int_equal(rules_import_file(db, tu_path("grok.json"), "grok.json", &c, NULL), 0);
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
	struct detect_options o = {.rule_id = "grok", .now_us = NOW, .warn = {tu_collect, warnings}};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &o, &t), 0);
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

/* A rule of type (eql or esql) and query, as rule "lim" named "Lim". */
static void import_rule(const char *type, const char *query)
{
	struct strbuf sb;
	strbuf_init(&sb, 256);
	strbuf_addf(&sb,
	            "{\"rule_id\":\"lim\",\"name\":\"Lim\",\"description\":\"d\",\"risk_score\":47,\"severity\":"
	            "\"medium\",\"type\":\"%s\",\"language\":\"%s\",\"interval\":\"5m\",\"from\":\"now-6m\","
	            "\"query\":\"%s\"}",
	            type, type, query);
	tu_write_str(tu_path("lim.json"), sb.buf);
	strbuf_release(&sb);
	struct import_counts c = {0};
	FILE *devnull = fopen("/dev/null", "w");
	assert_int_equal(rules_import_file(db, tu_path("lim.json"), "lim.json", &c, NULL), 0);
	fclose(devnull);
	assert_int_equal(c.rules_added, 1);
}

/* The rule's warnings and totals when detect runs it. */
static struct detect_totals detect_lim(struct strbuf *warnings)
{
	struct detect_options o = {.rule_id = "lim", .now_us = NOW, .warn = {tu_collect, warnings}};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &o, &t), 0);
	return t;
}

/* Events m1 ("aaaac"), m2 (20,000 bytes of "a" then "xc": the pattern below backtracks on it
 * past 1,000,000 steps) and m3 ("bbx"). */
static void ingest_regex_events(void)
{
	struct strbuf sb;
	strbuf_init(&sb, 65536);
	message_event(&sb, 1, "aaaac");
	char *hostile = repeated("a", 20000, "xc");
	message_event(&sb, 2, hostile);
	free(hostile);
	message_event(&sb, 3, "bbx");
	ingest_text(sb.buf);
	strbuf_release(&sb);
}

#define HOSTILE_REGEX "(a|aa)*c"
#define M2_WARNING                                                                                                     \
	"warning: rule \"Lim\": event m2 (2024-05-01T10:00:02.000000Z) was not evaluated: a regular expression "       \
	"reached its limit of 1000000 steps\n"

/* EQL's regex and ES|QL's RLIKE (Lucene's syntax) run under regex.c's bounds, as GROK does:
 * an event whose match reaches a limit is not evaluated, named by rule and event, and counted;
 * the others alert as before. Before, glibc's regexec ran unbounded and said nothing. */
static void check_regex_rule(const char *type, const char *query, uint64_t alerts)
{
	import_rule(type, query);
	ingest_regex_events();
	struct strbuf warnings;
	strbuf_init(&warnings, 1024);
	struct detect_totals t = detect_lim(&warnings);
	assert_string_equal(warnings.buf, M2_WARNING);
	assert_int_equal(t.gave_up, 1);
	assert_int_equal(t.created, alerts);
	strbuf_release(&warnings);
}

static void test_eql_regex_is_bounded_and_says_so(void **state)
{
	(void)state;
	check_regex_rule("eql", "any where message regex \\\"" HOSTILE_REGEX "\\\"", 1);
}

static void test_esql_rlike_is_bounded_and_says_so(void **state)
{
	(void)state;
	check_regex_rule("esql", "FROM logs-* METADATA _id | WHERE message RLIKE \\\"" HOSTILE_REGEX "\\\"", 1);
}

/* A sequence's stages share the event's budget; an event given up joins no sequence. */
static void test_eql_sequence_regex_is_bounded_and_says_so(void **state)
{
	(void)state;
	check_regex_rule("eql",
	                 "sequence [any where message regex \\\"" HOSTILE_REGEX "\\\"] [any where "
	                 "message regex \\\"b+x\\\"]",
	                 1); /* m1 then m3 (casebook makes no building-block alerts) */
}

/* EQL's regex gives up on a value over 32 KiB, and a rule stops matching after 100 events
 * given up, as GROK does. */
static void test_eql_regex_rule_gives_up_after_a_hundred_events(void **state)
{
	(void)state;
	import_rule("eql", "any where message regex \\\"x+\\\"");
	struct strbuf sb, warnings;
	strbuf_init(&sb, 1 << 22);
	strbuf_init(&warnings, 4096);
	char *big = repeated("x", 40000, "");
	for (int i = 0; i < 100; i++)
		message_event(&sb, i, big);
	free(big);
	message_event(&sb, 100, "xxx");
	ingest_text(sb.buf);
	struct detect_totals t = detect_lim(&warnings);
	assert_int_equal(t.gave_up, 101);
	assert_int_equal(t.created, 0);
	assert_int_equal(tu_count(warnings.buf, "reached its limit of 32768 bytes of value (this one has 40000)\n"),
	                 10);
	assert_int_equal(tu_count(warnings.buf, "\n"), 11);
	strbuf_release(&sb);
	strbuf_release(&warnings);
}

static int count_type(void *ctx, const char *field, const char *type)
{
	(void)field, (void)type;
	(*(size_t *)ctx)++;
	return 0;
}

static size_t stored_types(void)
{
	size_t n = 0;
	assert_int_equal(store_field_types_each(db, count_type, &n), 0);
	return n;
}

/* mapping import's answer for a mapping text: its reason, or "N" field types imported. */
static void import_mapping(const char *text, struct strbuf *answer)
{
	tu_write_str(tu_path("mapping.json"), text);
	char why[300];
	size_t n;
	strbuf_reset(answer);
	if (mapping_import_file(db, tu_path("mapping.json"), &n, why, sizeof(why)))
		strbuf_addstr(answer, why);
	else
		strbuf_addf(answer, "%zu", n);
}

/* A mapping is bounded: a field name at most 512 bytes (the review's 159 KB mapping, a 100 KB
 * name with 2,000 multi-fields, made a 403 MB case and 410 MB in every later detect), a type
 * at most 64, 20,000 field types a case; each refused naming the field, nothing of it kept. */
static void test_mapping_import_bounds_names_and_fields(void **state)
{
	(void)state;
	struct strbuf m, answer;
	strbuf_init(&m, 1 << 21);
	strbuf_init(&answer, 256);
	char *name = repeated("a", 100000, "");
	strbuf_addf(&m, "{\"properties\":{\"%s\":{\"type\":\"keyword\",\"fields\":{", name);
	for (int i = 0; i < 2000; i++)
		strbuf_addf(&m, "%s\"m%d\":{\"type\":\"text\"}", i ? "," : "", i);
	strbuf_addstr(&m, "}}}}");
	import_mapping(m.buf, &answer);
	assert_string_equal(answer.buf,
	                    "field \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…\": its name is 100000 bytes, "
	                    "over 512");
	assert_int_equal(stored_types(), 0);
	free(name);
	/* nested 300 deep: the dotted name grows past the bound */
	strbuf_reset(&m);
	for (int i = 0; i < 300; i++)
		strbuf_addstr(&m, "{\"properties\":{\"a\":");
	strbuf_addstr(&m, "{\"type\":\"ip\"}");
	for (int i = 0; i < 300; i++)
		strbuf_addstr(&m, "}}");
	import_mapping(m.buf, &answer);
	assert_string_equal(answer.buf, "field \"a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.…\": its name is 513 bytes, "
	                                "over 512");
	char *type = repeated("t", 100, "");
	strbuf_reset(&m);
	strbuf_addf(&m, "{\"properties\":{\"x\":{\"type\":\"%s\"}}}", type);
	free(type);
	import_mapping(m.buf, &answer);
	assert_string_equal(answer.buf, "field \"x\": its type is 100 bytes, over 64");
	strbuf_reset(&m);
	strbuf_addstr(&m, "{\"properties\":{");
	for (int i = 0; i <= 20000; i++)
		strbuf_addf(&m, "%s\"f%d\":{\"type\":\"keyword\"}", i ? "," : "", i);
	strbuf_addstr(&m, "}}");
	import_mapping(m.buf, &answer);
	assert_string_equal(answer.buf, "more than 20000 field types: a case keeps at most 20000");
	assert_int_equal(stored_types(), 0);
	/* the same names twice (a response of several indices) count once */
	strbuf_reset(&m);
	strbuf_addstr(&m, "{");
	for (int k = 0; k < 2; k++) {
		strbuf_addf(&m, "%s\"idx%d\":{\"mappings\":{\"properties\":{", k ? "," : "", k);
		for (int i = 0; i < 3000; i++)
			strbuf_addf(&m, "%s\"f%d\":{\"type\":\"keyword\"}", i ? "," : "", i);
		strbuf_addstr(&m, "}}}");
	}
	strbuf_addstr(&m, "}");
	import_mapping(m.buf, &answer);
	assert_string_equal(answer.buf, "6000");
	assert_int_equal(stored_types(), 3000);
	strbuf_release(&m);
	strbuf_release(&answer);
}

/* A mapping file over 16 MiB is refused before it is parsed. */
static void test_mapping_file_over_16_mib_is_refused(void **state)
{
	(void)state;
	size_t len = (16u << 20) + 1;
	char *big = malloc(len);
	memset(big, ' ', len);
	big[0] = '{';
	tu_write(tu_path("big-mapping.json"), big, len);
	free(big);
	char why[300];
	size_t n;
	assert_int_equal(mapping_import_file(db, tu_path("big-mapping.json"), &n, why, sizeof(why)), -1);
	assert_string_equal(why, "it is larger than 16 MiB (a mapping is read whole; import one index's)");
}

/* A case made elsewhere with field types casebook would not import is refused by every
 * command that reads them, with the reason, rather than read into memory. */
static void test_case_with_oversized_field_types_is_refused(void **state)
{
	(void)state;
	char *err = NULL;
	struct store *s;
	assert_int_equal(store_open(tu_path("limits-over.db"), STORE_CREATE, &s, &err), 0);
	store_close(s);
	char *name = repeated("b", 1000, "");
	sqlite3 *raw;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(tu_path("limits-over.db"), &raw), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, "INSERT INTO field_types VALUES (?1, 'ip')", -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	free(name);
	assert_int_equal(store_open(tu_path("limits-over.db"), STORE_READONLY, &s, &err), 0);
	assert_int_equal(detect_load_field_types(s), -1);
	assert_string_equal(store_errmsg(s), "reading the field types: a field name of 1000 bytes, over 512 (this case "
	                                     "was not made by casebook mapping import)");
	store_close(s);
}

/* A date read from an event, as text or epoch milliseconds, is an instant of the years
 * 0001-9999 (as ingest's @timestamp), so no date arithmetic on it (EQL, ES|QL spans and
 * truncation) can overflow: 9223372036854775 ms was taken, and 1e300 converted out of range. */
static void test_event_dates_stay_in_years_1_to_9999(void **state)
{
	(void)state;
	int64_t us;
	assert_int_equal(field_date_text("253402300799999", 15, &us), 0);
	assert_int_equal(us, INT64_C(253402300799999000));
	assert_int_equal(field_date_text("253402300800000", 15, &us), -1);
	assert_int_equal(field_date_text("-62135596800000", 15, &us), 0);
	assert_int_equal(field_date_text("-62135596800001", 15, &us), -1);
	assert_int_equal(field_date_text("9223372036854775", 16, &us), -1);
	cJSON *n = cJSON_CreateNumber(1e300);
	assert_int_equal(field_date_json(n, &us), -1);
	cJSON_SetNumberValue(n, 9.1e15);
	assert_int_equal(field_date_json(n, &us), -1);
	cJSON_SetNumberValue(n, 1714557600000.0);
	assert_int_equal(field_date_json(n, &us), 0);
	assert_int_equal(us, INT64_C(1714557600000000));
	cJSON_Delete(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_grok_gives_up_at_its_limits_and_says_so),
	    cmocka_unit_test_setup_teardown(test_a_limit_reached_is_named_by_rule_and_event, open_case, close_case),
	    cmocka_unit_test_setup_teardown(test_a_rule_gives_up_after_a_hundred_events, open_case, close_case),
	    cmocka_unit_test_setup_teardown(test_eql_regex_is_bounded_and_says_so, open_case, close_case),
	    cmocka_unit_test_setup_teardown(test_esql_rlike_is_bounded_and_says_so, open_case, close_case),
	    cmocka_unit_test_setup_teardown(test_eql_sequence_regex_is_bounded_and_says_so, open_case, close_case),
	    cmocka_unit_test_setup_teardown(test_eql_regex_rule_gives_up_after_a_hundred_events, open_case, close_case),
	    cmocka_unit_test_setup_teardown(test_mapping_import_bounds_names_and_fields, open_case, close_case),
	    cmocka_unit_test_setup_teardown(test_mapping_file_over_16_mib_is_refused, open_case, close_case),
	    cmocka_unit_test(test_case_with_oversized_field_types_is_refused),
	    cmocka_unit_test(test_event_dates_stay_in_years_1_to_9999),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
