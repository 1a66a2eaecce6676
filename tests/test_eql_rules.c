/* EQL as Elasticsearch answers it beyond events and plain sequences: samples (8.6+), a
 * rule's event_category_override, sequences of one positive query and missing events, runs
 * up to 100 and sequences longer than a machine word, and function calls with a space before
 * the parenthesis; at the parser, the sample and sequence matchers, and as rules over a store.
 *
 * Expected answers follow Elasticsearch's EQL syntax reference (docs/reference/
 * query-languages/eql/eql-syntax.md: samples, missing events, `with runs`), its sample
 * execution (x-pack/plugin/eql/.../execution/sample/SampleIterator.java, SampleQueryRequest
 * .java) and Kibana's EQL rule executor (.../rule_types/eql/eql.ts), cited at each test. */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/timeutil.h"
#include "detect/detect.h"
#include "detect/eql.h"
#include "detect/kql.h"
#include "detect/rule.h"
#include "detect/sample.h"
#include "detect/sequence.h"
#include "ingest/ingest.h"
#include "store/alerts.h"

#define NOW INT64_C(1767225600000000) /* 2026-01-01T00:00:00Z */

static int collect(void *ctx, const int64_t *ids, size_t n)
{
	struct strbuf *out = ctx;
	if (out->len)
		strbuf_addch(out, ';');
	for (size_t i = 0; i < n; i++)
		strbuf_addf(out, "%s%lld", i ? "," : "", (long long)ids[i]);
	return 0;
}

/* ---- the sample matcher ---- */

/* Adds are "FILTER KEY ID [ORDER]" (ORDER, the place in the index, defaults to ID); the
 * samples are "ids;ids", each in filter order. */
struct sample_case {
	const char *why;
	size_t nfilters, max_per_key;
	const char *adds[16];
	const char *want;
};

static const struct sample_case sample_cases[] = {
    /* SampleIterator.matchSamples' own examples: distinct documents, one per filter, the
     * first combination a depth-first walk finds: [1,2,3] [4,5] [4,5,3] gives 1,4,5 (document
     * 3 placed after 4 and 5 in the index, so that the lists are the example's) */
    {"matchSamples' first example",
     3,
     1,
     {"0 k 1", "0 k 2", "0 k 3 30", "1 k 4", "1 k 5", "2 k 4", "2 k 5", "2 k 3 30"},
     "1,4,5"},
    /* ... and [1,1] [1,1,1] [1,1,3]: one document cannot stand for two filters */
    {"matchSamples' second example", 3, 1, {"0 k 1", "1 k 1", "2 k 1", "2 k 3"}, ""},
    /* max_samples_per_key 2: the walk goes on from the first combination (1,4,3 next) */
    {"max_samples_per_key 2",
     3,
     2,
     {"0 k 1", "0 k 2", "0 k 3 30", "1 k 4", "1 k 5", "2 k 4", "2 k 5", "2 k 3 30"},
     "1,4,5;1,4,3"},
    /* a key needs an event for every filter (the composite aggregation of each step keeps only
     * the keys the previous steps had) */
    {"a key one filter lacks", 2, 1, {"0 a 1", "0 b 2", "1 b 3"}, "2,3"},
    /* keys in ascending order (the composite aggregation's), whatever order events came in */
    {"keys in ascending order", 2, 1, {"0 b 1", "1 b 2", "0 a 3", "1 a 4"}, "3,4;1,2"},
    /* the final search per filter asks for size = terminate_after = the number of filters, in
     * index order: with 2 filters filter 0 offers 1 and 2 only, so 1,2 is taken by filter 0
     * twice over and 1 alone is left for filter 1 */
    {"at most nfilters events per filter", 2, 1, {"0 k 1", "0 k 2", "0 k 3", "0 k 4", "1 k 1"}, "2,1"},
    /* index order, not the order the pass offered them */
    {"index order", 2, 1, {"0 k 9", "0 k 3", "0 k 7", "1 k 5"}, "3,5"},
    {"an event added twice counts once", 2, 1, {"0 k 1", "0 k 1", "1 k 1"}, ""},
    /* unordered: the second filter's event may come first in time (the index too) */
    {"unordered", 2, 1, {"0 k 8", "1 k 2"}, "8,2"},
    /* five filters, Elasticsearch's most */
    {"five filters", 5, 1, {"0 k 1", "1 k 2", "2 k 3", "3 k 4", "4 k 5", "4 k 1"}, "1,2,3,4,5"},
};

static void test_sample_matcher(void **state)
{
	(void)state;
	int failures = 0;
	size_t n = sizeof(sample_cases) / sizeof(sample_cases[0]);
	for (size_t i = 0; i < n; i++) {
		const struct sample_case *c = &sample_cases[i];
		struct sample_matcher *m = sample_new(c->nfilters, c->max_per_key);
		for (size_t a = 0; a < 16 && c->adds[a]; a++) {
			size_t filter;
			char key[16];
			long long id, order = -1;
			assert_true(sscanf(c->adds[a], "%zu %15s %lld %lld", &filter, key, &id, &order) >= 3);
			sample_add(m, filter, key, id, order < 0 ? id : order);
		}
		struct strbuf out;
		strbuf_init(&out, 64);
		assert_int_equal(sample_finish(m, collect, &out), 0);
		if (strcmp(out.buf, c->want)) {
			printf("sample case %zu (%s): got \"%s\", want \"%s\"\n", i, c->why, out.buf, c->want);
			failures++;
		}
		strbuf_release(&out);
		sample_free(m);
	}
	printf("%zu sample cases\n", n);
	assert_int_equal(failures, 0);
}

/* ---- the parser ---- */

static void *parse_query(const char *text, struct kql_error *err)
{
	return eql_parse(text, err);
}

static void free_query(void *q)
{
	eql_free(q);
}

/* eql-syntax.md: a sample has no maxspan, runs or until; a sequence with missing events needs
 * maxspan and one positive query; runs from 1 to 100. Samples: 2 to 5 filters (what
 * Elasticsearch's sample accepts), join keys (its composite aggregation's sources). */
static const struct tu_syntax_error errors[] = {
    {"sample by host.id [file where true]", 36, "a sample needs at least two queries in [brackets]"},
    {"sample by h [any where true] [any where true] [any where true] [any where true] [any where true] "
     "[any where true]",
     98, "a sample may have at most 5 queries in [brackets]"},
    {"sample [file where true] [process where true]", 1,
     "a sample needs join keys: sample by FIELD, or [...] by FIELD"},
    {"sample by h [file where true] [process where true] with maxspan=1m", 52,
     "a sample takes no maxspan, runs, until or missing events"},
    {"sample by h [file where true] [process where true] until [file where true]", 52,
     "a sample takes no maxspan, runs, until or missing events"},
    {"sample by h [file where true] ![process where true]", 31,
     "a sample takes no maxspan, runs, until or missing events"},
    {"sample by h [file where true] by a [process where true]", 1,
     "every query of a sample needs the same number of 'by' fields"},
    {"sequence [file where true] ![file where true]", 1,
     "a sequence with missing events ![...] needs 'with maxspan=DURATION'"},
    {"sequence with maxspan=1m ![file where true] ![file where true]", 63,
     "a sequence needs at least one query that is not a missing event ![...]"},
    {"sequence with maxspan=1m [file where true]", 43,
     "a sequence needs at least two queries in [brackets] (or one with runs=2 or more)"},
    {"sequence [file where true] with runs=101", 38, "runs must be a whole number from 1 to 100"},
    {"file where startsWith ~(a, \"b\")", 23, "unexpected text after the query"}, /* ~ is the name's */
};

/* Queries Elasticsearch takes, with their shape. */
static void test_queries_elasticsearch_takes(void **state)
{
	(void)state;
	struct kql_error err;
	/* a sample of five filters, keys from `sample by` and each filter's own */
	struct eql_query *q = eql_parse("sample by host.id [file where true] by a [process where true] by b "
	                                "[network where true] by c [any where true] by d [dns where true] by e",
	                                &err);
	assert_non_null(q);
	assert_true(eql_is_sequence(q));
	assert_true(eql_is_sample(q));
	assert_int_equal(eql_stage_count(q), 5);
	assert_int_equal(eql_maxspan_us(q), 0);
	eql_free(q);
	/* one positive query and a trailing missing event: "Missing event clauses can be used at the
	 * beginning, at the end, and/or in the middle ... needs to have at least one positive
	 * clause" (the doc's own example is this shape) */
	q = eql_parse("sequence by host.name, user.name with maxspan=5s\n"
	              "  [ authentication where event.code : \"4624\" ]\n"
	              "  ![ authentication where event.code : \"4647\" ]",
	              &err);
	assert_non_null(q);
	assert_false(eql_is_sample(q));
	assert_int_equal(eql_stage_count(q), 1);
	assert_int_equal(eql_missing_count(q), 1);
	assert_int_equal(eql_missing_position(q, 0), 1);
	eql_free(q);
	/* runs up to 100, and three of them: 300 stages, past any 32- or 64-bit mask */
	q = eql_parse("sequence [any where true] with runs=100 [file where true] with runs=100 "
	              "[process where true] with runs=100",
	              &err);
	assert_non_null(q);
	assert_int_equal(eql_stage_count(q), 300);
	eql_free(q);
	tu_expect_syntax_errors(errors, sizeof(errors) / sizeof(errors[0]), parse_query, free_query);
}

/* A function call with spaces (even a comment) before its parenthesis, as Elasticsearch's
 * lexer skips them between the name and `(`; the `~` stays on the name. */
static void test_function_call_spacing(void **state)
{
	(void)state;
	static const struct {
		const char *query;
		int want;
	} cases[] = {
	    {"process where startsWith (process.name, \"ba\")", 1},
	    {"process where startsWith  (process.name, \"zz\")", 0},
	    {"process where startsWith~ (process.name, \"BA\")", 1},
	    {"process where startsWith\n\t(process.name, \"ba\")", 1},
	    {"process where endsWith /* why not */ (process.name, \"sh\")", 1},
	    {"process where length (process.name) == 4", 1},
	    {"process where not startsWith (process.name, \"ba\")", 0},
	};
	cJSON *ev = cJSON_Parse("{\"event\":{\"category\":[\"process\"]},\"process\":{\"name\":\"bash\"}}");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kql_error err;
		struct eql_query *q = eql_parse(cases[i].query, &err);
		if (!q)
			fail_msg("%s: column %zu: %s", cases[i].query, err.column, err.msg);
		if (eql_match(q, ev) != cases[i].want)
			fail_msg("%s: want %d", cases[i].query, cases[i].want);
		eql_free(q);
	}
	cJSON_Delete(ev);
}

/* Elasticsearch's event_category_field (a rule's event_category_override, which Kibana passes
 * as it): the category is a term query on that field instead of event.category. */
static void test_event_category_override(void **state)
{
	(void)state;
	static const struct {
		const char *field, *query;
		int want;
	} cases[] = {
	    {NULL, "process where true", 0},
	    {NULL, "file where true", 1},
	    {"winlog.channel", "process where true", 0},
	    {"winlog.channel", "file where true", 0},
	    {"winlog.channel", "\"Microsoft-Windows-Sysmon/Operational\" where true", 1},
	    {"winlog.channel", "\"microsoft-windows-sysmon/operational\" where true", 0}, /* a term: exact */
	    {"winlog.channel", "any where true", 1},
	    {"event.category", "file where true", 1},
	    {"event.dataset", "\"a\" where true", 1}, /* any value of an array */
	    {"no.such.field", "file where true", 0},
	};
	cJSON *ev = cJSON_Parse("{\"event\":{\"category\":[\"file\"],\"dataset\":[\"b\",\"a\"]},"
	                        "\"winlog\":{\"channel\":\"Microsoft-Windows-Sysmon/Operational\"}}");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kql_error err;
		struct eql_query *q = eql_parse(cases[i].query, &err);
		assert_non_null(q);
		eql_set_category_field(q, cases[i].field);
		if (eql_match(q, ev) != cases[i].want)
			fail_msg("%s over %s: want %d", cases[i].query, cases[i].field ? cases[i].field : "-",
			         cases[i].want);
		/* the store's category index is event.category's: another field's category must not
		 * prune (eql_stage_category is what the planner reads) */
		const char *c = eql_stage_category(q, 0);
		if (cases[i].field && strcmp(cases[i].field, "event.category"))
			assert_null(c);
		eql_free(q);
	}
	cJSON_Delete(ev);
}

/* ---- the sequence matcher past 64 stages, and of one stage ---- */

/* runs=70 over 71 identical events: every event starts a sequence and advances the pending
 * ones (a state machine per stage, eql-syntax.md "How sequence queries handle matches"), so
 * events 1-70 and 2-71 complete. */
static void test_long_and_single_stage_sequences(void **state)
{
	(void)state;
	struct kql_error err;
	struct eql_query *q = eql_parse("sequence [any where true] with runs=70", &err);
	assert_non_null(q);
	size_t n = eql_stage_count(q);
	assert_int_equal(n, 70);
	struct seq_matcher *m = seq_new(n, eql_maxspan_us(q));
	const char **keys = xcalloc(n + 1, sizeof(*keys));
	struct strbuf out, key;
	strbuf_init(&out, 512);
	strbuf_init(&key, 16);
	cJSON *ev = cJSON_Parse("{\"event\":{\"category\":\"x\"}}");
	for (int64_t e = 1; e <= 71; e++) {
		char **owned = xcalloc(n + 1, sizeof(*owned));
		for (size_t s = 0; s < n; s++)
			if (eql_stage_match(q, s, ev) && eql_stage_key(q, s, ev, &key) == 0)
				keys[s] = owned[s] = xstrdup(key.buf);
		struct seq_input in = {.id = e, .ts = e, .keys = keys};
		assert_int_equal(seq_feed(m, &in, collect, &out), 0);
		for (size_t s = 0; s < n; s++)
			free(owned[s]);
		free(owned);
	}
	struct strbuf want;
	strbuf_init(&want, 512);
	for (int first = 1; first <= 2; first++)
		for (int e = first; e < first + 70; e++)
			strbuf_addf(&want, "%s%d", e == first ? (first == 1 ? "" : ";") : ",", e);
	assert_string_equal(out.buf, want.buf);
	seq_free(m);
	eql_free(q);
	/* one stage ([a] ![b]): each event that passes it is a sequence at once; the missing
	 * event is detect's to judge (test_trailing_missing_event_rule) */
	m = seq_new(1, 60000000);
	strbuf_reset(&out);
	const char *one[2] = {"k", NULL}, *none[2] = {NULL, NULL};
	struct seq_input a = {.id = 1, .ts = 0, .keys = one}, b = {.id = 2, .ts = 1, .keys = none},
	                 c = {.id = 3, .ts = 2, .keys = one};
	assert_int_equal(seq_feed(m, &a, collect, &out), 0);
	assert_int_equal(seq_feed(m, &b, collect, &out), 0);
	assert_int_equal(seq_feed(m, &c, collect, &out), 0);
	assert_string_equal(out.buf, "1;3");
	assert_int_equal(seq_pending(m), 0);
	seq_free(m);
	cJSON_Delete(ev);
	free(keys);
	strbuf_release(&out);
	strbuf_release(&want);
	strbuf_release(&key);
}

/* ---- as rules, over a store ---- */

static struct store *db;
static struct strbuf lines;

static int setup(void **state)
{
	(void)state;
	db = tu_new_case("eql-rules");
	strbuf_init(&lines, 1024);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_close(db);
	strbuf_release(&lines);
	return 0;
}

static void ingest_text(const char *text)
{
	tu_ingest_text(db, text);
}

/* Imports an EQL rule of ours (interval 5m, from now-6m) with extra fields; it must run. */
static void import_eql_rule(const char *id, const char *query, const char *extra)
{
	static int n;
	char name[32];
	snprintf(name, sizeof(name), "eql-rule-%d.json", ++n);
	struct strbuf json;
	strbuf_init(&json, 512);
	strbuf_addf(&json,
	            "{\"rule_id\":\"%s\",\"name\":\"%s\",\"description\":\"d\",\"risk_score\":47,"
	            "\"severity\":\"medium\",\"type\":\"eql\",\"language\":\"eql\",\"interval\":\"5m\","
	            "\"from\":\"now-6m\",\"query\":\"%s\"%s%s}",
	            id, id, query, extra ? "," : "", extra ? extra : "");
	tu_write_str(tu_path(name), json.buf);
	strbuf_release(&json);
	struct import_counts c = {0};
	FILE *devnull = fopen("/dev/null", "w");
	assert_int_equal(rules_import_file(db, tu_path(name), name, &c, NULL), 0);
	fclose(devnull);
	assert_int_equal(c.rules_added, 1);
	assert_int_equal(c.unsupported, 0);
}

static void process_event(struct strbuf *sb, const char *id, const char *ts, const char *host, const char *name,
                          const char *extra)
{
	strbuf_addf(sb,
	            "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"%s\",\"category\":[\"process\"],\"type\":[\"start\"]},"
	            "\"host\":{\"id\":\"%s\",\"name\":\"%s\"},\"process\":{\"name\":\"%s\"}%s%s}\n",
	            ts, id, host, host, name, extra ? "," : "", extra ? extra : "");
}

/* "rule_id event-ids [(group)]" per alert (every event of a sequence or sample, in stage
 * order), sorted. */
static int alert_line(void *ctx, const struct alert_row *a)
{
	(void)ctx;
	cJSON *doc = cJSON_Parse(a->doc);
	strbuf_addf(&lines, "%s", a->rule_id);
	const cJSON *anc;
	cJSON_ArrayForEach(anc, cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.ancestors"))
	{
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(anc, "id"));
		strbuf_addf(&lines, " %s", id ? id : "?");
	}
	/* a sequence's (a sample's) alert carries its group id, as Kibana's shell alert does */
	if (cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.group.id"))
		strbuf_addstr(&lines, " (group)");
	strbuf_addch(&lines, '\n');
	cJSON_Delete(doc);
	return 0;
}

static const char *alerts(void)
{
	strbuf_reset(&lines);
	struct alert_query q = {0};
	assert_int_equal(store_alerts_each(db, &q, alert_line, NULL), 0);
	tu_sort_lines(&lines);
	return lines.buf;
}

static void detect_all(void)
{
	struct detect_options o = {.now_us = NOW};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &o, &t), 0);
	assert_int_equal(t.skipped, 0);
}

/* A sample rule alerts as Kibana does on `hits.sequences` (eql.ts hands samples and sequences
 * alike to wrapSequences): one alert per sample, its events in filter order, whatever their
 * order in time. h1: a then b; h2: a only; h3: b, then a; h4: two a's and a b (the first a in
 * index order). */
static void test_sample_rule(void **state)
{
	(void)state;
	import_eql_rule("samp",
	                "sample by host.id [process where process.name == \\\"a\\\"] "
	                "[process where process.name == \\\"b\\\"]",
	                NULL);
	struct strbuf sb;
	strbuf_init(&sb, 2048);
	process_event(&sb, "1a", "2025-12-31T23:57:00Z", "h1", "a", NULL);
	process_event(&sb, "1b", "2025-12-31T23:57:10Z", "h1", "b", NULL);
	process_event(&sb, "2a", "2025-12-31T23:57:00Z", "h2", "a", NULL);
	process_event(&sb, "3b", "2025-12-31T23:57:00Z", "h3", "b", NULL);
	process_event(&sb, "3a", "2025-12-31T23:57:30Z", "h3", "a", NULL);
	process_event(&sb, "4a", "2025-12-31T23:57:20Z", "h4", "a", NULL);
	process_event(&sb, "4x", "2025-12-31T23:57:05Z", "h4", "a", NULL);
	process_event(&sb, "4b", "2025-12-31T23:57:30Z", "h4", "b", NULL);
	ingest_text(sb.buf);
	strbuf_release(&sb);
	detect_all();
	assert_string_equal(alerts(), "samp 1a 1b (group)\n"
	                              "samp 3a 3b (group)\n"
	                              "samp 4a 4b (group)\n");
}

/* event_category_override: `process where` reads the category from that field (the rule runs,
 * it is not skipped). e1's event.category says process but its override field does not. */
static void test_category_override_rule(void **state)
{
	(void)state;
	import_eql_rule("over", "process where process.name == \\\"a\\\"",
	                "\"event_category_override\":\"custom.kind\"");
	struct strbuf sb;
	strbuf_init(&sb, 1024);
	process_event(&sb, "e1", "2025-12-31T23:57:00Z", "h1", "a", NULL);
	process_event(&sb, "e2", "2025-12-31T23:57:10Z", "h1", "a", "\"custom\":{\"kind\":\"process\"}");
	process_event(&sb, "e3", "2025-12-31T23:57:20Z", "h1", "a", "\"custom\":{\"kind\":\"file\"}");
	/* event.category file, the override's process: the store's category index must not prune it */
	strbuf_addstr(&sb,
	              "{\"@timestamp\":\"2025-12-31T23:57:30Z\",\"event\":{\"id\":\"e4\",\"category\":[\"file\"]},"
	              "\"host\":{\"id\":\"h1\"},\"process\":{\"name\":\"a\"},\"custom\":{\"kind\":\"process\"}}\n");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	detect_all();
	assert_string_equal(alerts(), "over e2\n"
	                              "over e4\n");
}

/* `sequence by host.id with maxspan=1m [a] ![d]` (eql-syntax.md's logon-not-followed-by-logoff
 * shape): h1 a with no d; h2 a then d 30s later (within maxspan: no sequence); h3 a then d
 * two minutes later (beyond maxspan: a sequence); h4 d on another host. */
static void test_trailing_missing_event_rule(void **state)
{
	(void)state;
	import_eql_rule("tail",
	                "sequence by host.id with maxspan=1m [process where process.name == \\\"a\\\"] "
	                "![process where process.name == \\\"d\\\"]",
	                NULL);
	struct strbuf sb;
	strbuf_init(&sb, 2048);
	process_event(&sb, "1a", "2025-12-31T23:55:00Z", "h1", "a", NULL);
	process_event(&sb, "2a", "2025-12-31T23:55:00Z", "h2", "a", NULL);
	process_event(&sb, "2d", "2025-12-31T23:55:30Z", "h2", "d", NULL);
	process_event(&sb, "3a", "2025-12-31T23:55:00Z", "h3", "a", NULL);
	process_event(&sb, "3d", "2025-12-31T23:57:00Z", "h3", "d", NULL);
	process_event(&sb, "4a", "2025-12-31T23:55:00Z", "h4", "a", NULL);
	process_event(&sb, "4d", "2025-12-31T23:55:10Z", "hx", "d", NULL);
	ingest_text(sb.buf);
	strbuf_release(&sb);
	detect_all();
	assert_string_equal(alerts(), "tail 1a (group)\n"
	                              "tail 3a (group)\n"
	                              "tail 4a (group)\n");
}

/* A sequence of 40 stages (runs=40) as a rule: past the 32 stages casebook once allowed. */
static void test_long_sequence_rule(void **state)
{
	(void)state;
	import_eql_rule("long", "sequence by host.id [process where true] with runs=40", NULL);
	struct strbuf sb, want;
	strbuf_init(&sb, 8192);
	strbuf_init(&want, 512);
	strbuf_addstr(&want, "long");
	for (int i = 0; i < 40; i++) {
		char id[16], ts[32];
		snprintf(id, sizeof(id), "p%02d", i);
		snprintf(ts, sizeof(ts), "2025-12-31T23:57:%02dZ", i);
		process_event(&sb, id, ts, "h1", "x", NULL);
		strbuf_addf(&want, " %s", id);
	}
	strbuf_addstr(&want, " (group)\n");
	ingest_text(sb.buf);
	detect_all();
	assert_string_equal(alerts(), want.buf);
	strbuf_release(&sb);
	strbuf_release(&want);
}

/* A sequence rule's executions as Kibana (eql.ts, build_eql_search_request.ts: size
 * max_signals, no result_position) and Elasticsearch answer them: result_position "tail" by
 * default (EqlSearchRequest); the completed sequences kept in a TreeSet ordered by
 * Sequence.compareTo, the ordinal of the last event (@timestamp, tiebreaker_field, then the
 * implicit _shard_doc tiebreaker: ingest order), of which Limit.view with a negative limit takes
 * the last size, reversed into the answer (SequenceMatcher.completed, TumblingWindow.payload).
 * So each execution alerts on the max_signals sequences of its window that end latest, not on
 * those that start earliest. Rule: sequence by host.id [a] [b], every 5m from now-6m (the
 * executions at 23:50, 23:55 and 00:00 see 23:44-23:50, 23:49-23:55 and 23:54-00:00). EVENTS:
 * id, time (2025-12-31T...Z), host, process name, extra fields; the alerts' events. */
static void test_sequence_tail(void **state)
{
	(void)state;
	static const struct {
		const char *events[8][5];
		int max_signals;
		const char *tiebreaker, *want;
		uint64_t capped; /* executions whose answer was full: max_signals sequences */
	} cases[] = {
	    /* h1 starts first and ends last; h2 starts before h3 and ends before it: the two that
	     * end latest, h1 and h3 (the earliest starts would be h1 and h2) */
	    {{{"1a", "23:56:00", "h1", "a"},
	      {"1b", "23:59:00", "h1", "b"},
	      {"2a", "23:57:00", "h2", "a"},
	      {"2b", "23:57:30", "h2", "b"},
	      {"3a", "23:57:10", "h3", "a"},
	      {"3b", "23:58:00", "h3", "b"}},
	     2,
	     NULL,
	     "s 1a 1b (group)\ns 3a 3b (group)\n",
	     1},
	    /* max_signals enough for all */
	    {{{"1a", "23:56:00", "h1", "a"},
	      {"1b", "23:59:00", "h1", "b"},
	      {"2a", "23:57:00", "h2", "a"},
	      {"2b", "23:57:30", "h2", "b"},
	      {"3a", "23:57:10", "h3", "a"},
	      {"3b", "23:58:00", "h3", "b"}},
	     3,
	     NULL,
	     "s 1a 1b (group)\ns 2a 2b (group)\ns 3a 3b (group)\n",
	     1},
	    /* last events at one @timestamp: the implicit tiebreaker, ascending, keeps the two
	     * ingested last */
	    {{{"1a", "23:56:00", "h1", "a"},
	      {"1b", "23:58:00", "h1", "b"},
	      {"2a", "23:57:00", "h2", "a"},
	      {"2b", "23:58:00", "h2", "b"},
	      {"3a", "23:56:30", "h3", "a"},
	      {"3b", "23:58:00", "h3", "b"}},
	     2,
	     NULL,
	     "s 2a 2b (group)\ns 3a 3b (group)\n",
	     1},
	    /* ... and tiebreaker_field before it: the largest, 9 and 5 */
	    {{{"1a", "23:56:00", "h1", "a", "\"tick\":1"},
	      {"1b", "23:58:00", "h1", "b", "\"tick\":9"},
	      {"2a", "23:57:00", "h2", "a", "\"tick\":1"},
	      {"2b", "23:58:00", "h2", "b", "\"tick\":1"},
	      {"3a", "23:56:30", "h3", "a", "\"tick\":1"},
	      {"3b", "23:58:00", "h3", "b", "\"tick\":5"}},
	     2,
	     "tick",
	     "s 1a 1b (group)\ns 3a 3b (group)\n",
	     1},
	    /* each execution answers its own window: 23:50's latest (h2), then 00:00's (h3) */
	    {{{"1a", "23:46:00", "h1", "a"},
	      {"1b", "23:47:00", "h1", "b"},
	      {"2a", "23:46:30", "h2", "a"},
	      {"2b", "23:48:00", "h2", "b"},
	      {"3a", "23:57:00", "h3", "a"},
	      {"3b", "23:58:00", "h3", "b"}},
	     1,
	     NULL,
	     "s 2a 2b (group)\ns 3a 3b (group)\n",
	     2},
	    /* overlapping windows: at 23:55 Y (ends 23:54:50) is the answer and X (23:54:20) left
	     * out; at 00:00 Y's start has left the window and X, still in it, is the answer (z at
	     * 23:58: the case's executions run to the first that sees its newest event) */
	    {{{"Ya", "23:53:00", "h1", "a"},
	      {"Yb", "23:54:50", "h1", "b"},
	      {"Xa", "23:54:10", "h2", "a"},
	      {"Xb", "23:54:20", "h2", "b"},
	      {"z", "23:58:00", "h9", "z"}},
	     1,
	     NULL,
	     "s Xa Xb (group)\ns Ya Yb (group)\n",
	     2},
	    /* a stage event whose tiebreaker_field holds several values fails the sequence search of
	     * every window holding it (CriterionOrdinalExtractionTests.testTiebreakerMultiValued: a
	     * bad request, "Expected tiebreaker field [tick] ..."): 00:00's alerts on nothing, 23:50's
	     * still answers */
	    {{{"1a", "23:46:00", "h1", "a", "\"tick\":1"},
	      {"1b", "23:47:00", "h1", "b", "\"tick\":1"},
	      {"2a", "23:56:00", "h2", "a", "\"tick\":[1,2]"},
	      {"2b", "23:57:00", "h2", "b", "\"tick\":1"}},
	     5,
	     "tick",
	     "s 1a 1b (group)\n",
	     0},
	    /* ... an array of one value is that value (the extractor unwraps a list of one) */
	    {{{"1a", "23:46:00", "h1", "a", "\"tick\":\"k\""},
	      {"1b", "23:47:00", "h1", "b", "\"tick\":\"k\""},
	      {"2a", "23:56:00", "h2", "a", "\"tick\":[\"k\"]"},
	      {"2b", "23:57:00", "h2", "b", "\"tick\":\"k\""}},
	     5,
	     "tick",
	     "s 1a 1b (group)\ns 2a 2b (group)\n",
	     0},
	    /* left out for good: Z is in 23:55's window only, behind Y */
	    {{{"Za", "23:50:00", "h1", "a"},
	      {"Zb", "23:51:00", "h1", "b"},
	      {"Ya", "23:52:00", "h2", "a"},
	      {"Yb", "23:53:00", "h2", "b"}},
	     1,
	     NULL,
	     "s Ya Yb (group)\n",
	     1},
	};
	/* each case read at once, streamed a row a flush, and without the prefilters (no streaming) */
	static const struct detect_options modes[] = {
	    {.now_us = NOW}, {.now_us = NOW, .flush_rows = 1}, {.now_us = NOW, .no_prefilter = 1}};
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			store_close(db);
			db = tu_new_case("eql-rules");
			char extra[64];
			snprintf(extra, sizeof(extra), "\"max_signals\":%d%s%s%s", cases[i].max_signals,
			         cases[i].tiebreaker ? ",\"tiebreaker_field\":\"" : "",
			         cases[i].tiebreaker ? cases[i].tiebreaker : "", cases[i].tiebreaker ? "\"" : "");
			import_eql_rule("s",
			                "sequence by host.id [process where process.name == \\\"a\\\"] "
			                "[process where process.name == \\\"b\\\"]",
			                extra);
			struct strbuf sb;
			strbuf_init(&sb, 2048);
			for (size_t k = 0; k < 8 && cases[i].events[k][0]; k++) {
				char ts[32];
				snprintf(ts, sizeof(ts), "2025-12-31T%sZ", cases[i].events[k][1]);
				process_event(&sb, cases[i].events[k][0], ts, cases[i].events[k][2],
				              cases[i].events[k][3], cases[i].events[k][4]);
			}
			ingest_text(sb.buf);
			strbuf_release(&sb);
			struct detect_totals t;
			assert_int_equal(detect_run(db, &modes[m], &t), 0);
			assert_int_equal(t.skipped, 0);
			if (strcmp(alerts(), cases[i].want) || t.capped != cases[i].capped)
				fail_msg("mode %zu case %zu: alerts\n%s(%llu capped), not\n%s(%llu capped)", m, i,
				         lines.buf, (unsigned long long)t.capped, cases[i].want,
				         (unsigned long long)cases[i].capped);
		}
}

static void warn_to(void *ctx, const char *msg)
{
	strbuf_addstr(ctx, msg);
}

/* Elasticsearch's paging (fetch_size 1,000, which Kibana's eql.ts leaves at its default) where
 * a window holds more than a page of one stage. Rule: sequence by host.id [a] [b], max_signals
 * 100; every event between 23:55 and 00:00, so that 00:00's execution alone sees them. The
 * first stage: hA's a at 23:55:00, then h0000..h0999's a every 100 ms from 23:55:01; the second:
 * h0000..h0999's b every 100 ms from 23:57:00, then hA's b at 23:59:00.
 *
 * All of the window's 1,001 sequences, latest last event first: hA's, then h0999's down to
 * h0901's. Elasticsearch's (TumblingWindow, tail): the base search runs descending
 * (Optimizer.PushDownOrderBy keeps the tail's DESC for the first query) and its first page is
 * the last 1,000 a's, h0000..h0999, not hA's; the page is full, so the window goes on to the b's
 * (advance(1)) from h0000's a, unfiltered by key (1,000 keys in flight, over
 * BoxedQueryRequest.MAX_TERMS 128); their first page, h0000..h0999's b, completes 1,000
 * sequences, and SequenceMatcher.match returns false (tailLimitReached: 1,000 >= 100), so
 * payload answers the last 100 completed: h0900..h0999, never hA's. casebook pages the window
 * so and answers the same, streamed (a kept buffer of the window's stage events), decided every
 * row (flush_rows 1: the buffer drops what no window to come holds) and matched at the end
 * (no_prefilter: from the run's hits). With 500 hosts no stage fills a page, Elasticsearch reads
 * every event of the window and answers hA's and h0401..h0499's. With an until stage, or a join
 * field an event of the window holds twice (TumblingWindow.wrapValues makes a key of each
 * value), casebook cannot page (eqlpage runs neither): it answers from all sequences and says
 * so once. */
static void test_sequence_paging(void **state)
{
	(void)state;
	static const struct {
		unsigned hosts;
		int variant;            /* the query: plain, with until, joining on a field hA's a holds twice */
		const char *first_kept; /* the oldest host of the answer */
		int ha_kept, warned;
	} cases[] = {
	    {1000, 0, "h0900", 0, 0}, {500, 0, "h0401", 1, 0}, {1000, 1, "h0901", 1, 1}, {1000, 2, "h0901", 1, 1}};
	static const struct detect_options base[] = {
	    {.now_us = NOW}, {.now_us = NOW, .flush_rows = 1}, {.now_us = NOW, .no_prefilter = 1}};
	for (size_t m = 0; m < sizeof(base) / sizeof(base[0]); m++)
		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			store_close(db);
			db = tu_new_case("eql-paging");
			static const char *const queries[] = {
			    "sequence by host.id [process where process.name == \\\"a\\\"] "
			    "[process where process.name == \\\"b\\\"]",
			    "sequence by host.id [process where process.name == \\\"a\\\"] "
			    "[process where process.name == \\\"b\\\"] until [process where process.name == \\\"z\\\"]",
			    "sequence by host.id, user.id [process where process.name == \\\"a\\\"] "
			    "[process where process.name == \\\"b\\\"]"};
			import_eql_rule("s", queries[cases[c].variant], "\"max_signals\":100");
			/* the third joins on user.id too, which hA's a holds twice */
			const char *user = cases[c].variant == 2 ? "\"user\":{\"id\":\"u\"}" : NULL;
			const char *users = cases[c].variant == 2 ? "\"user\":{\"id\":[\"u\",\"v\"]}" : NULL;
			struct strbuf sb, want, warned;
			strbuf_init(&sb, 1 << 20);
			strbuf_init(&want, 4096);
			strbuf_init(&warned, 512);
			char id[32], host[16], ts[40];
			process_event(&sb, "hA-a", "2025-12-31T23:55:00.000Z", "hA", "a", users);
			for (unsigned i = 0; i < cases[c].hosts; i++) {
				snprintf(host, sizeof(host), "h%04u", i);
				snprintf(id, sizeof(id), "%s-a", host);
				snprintf(ts, sizeof(ts), "2025-12-31T23:%02u:%02u.%03uZ", 55 + (1 + i / 10) / 60,
				         (1 + i / 10) % 60, i % 10 * 100);
				process_event(&sb, id, ts, host, "a", user);
				snprintf(id, sizeof(id), "%s-b", host);
				snprintf(ts, sizeof(ts), "2025-12-31T23:%02u:%02u.%03uZ", 57 + (i / 10) / 60,
				         (i / 10) % 60, i % 10 * 100);
				process_event(&sb, id, ts, host, "b", user);
				if (strcmp(host, cases[c].first_kept) >= 0)
					strbuf_addf(&want, "s %s-a %s-b (group)\n", host, host);
			}
			process_event(&sb, "hA-b", "2025-12-31T23:59:00.000Z", "hA", "b", user);
			if (cases[c].ha_kept)
				strbuf_addstr(&want, "s hA-a hA-b (group)\n");
			ingest_text(sb.buf);
			struct detect_options o = base[m];
			o.warn = (struct diag_sink){warn_to, &warned};
			struct detect_totals t;
			assert_int_equal(detect_run(db, &o, &t), 0);
			if (strcmp(alerts(), want.buf))
				fail_msg("mode %zu case %zu: alerts\n%s", m, c, lines.buf);
			assert_int_equal(tu_count(warned.buf, "pages of fetch_size 1000"), cases[c].warned);
			if (cases[c].warned)
				assert_non_null(strstr(warned.buf,
				                       "warning: rule \"s\": a window holds more than 1000 events of "
				                       "one stage of its sequence and max_signals (100) sequences"));
			assert_int_equal(t.capped, 1);
			strbuf_release(&sb);
			strbuf_release(&want);
			strbuf_release(&warned);
		}
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sample_matcher),
	    cmocka_unit_test(test_queries_elasticsearch_takes),
	    cmocka_unit_test(test_function_call_spacing),
	    cmocka_unit_test(test_event_category_override),
	    cmocka_unit_test(test_long_and_single_stage_sequences),
	    T(test_sample_rule),
	    T(test_category_override_rule),
	    T(test_trailing_missing_event_rule),
	    T(test_long_sequence_rule),
	    T(test_sequence_tail),
	    T(test_sequence_paging),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
