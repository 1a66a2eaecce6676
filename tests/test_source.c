/* Event sources (detect/source.h): a search reads through any source, evaluates every
 * candidate itself (a source may return more than matches), passes on what it was asked to
 * push down, and stops with the source's error when the source fails mid-way. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "detect/kql.h"
#include "detect/needles.h"
#include "detect/rule.h"
#include "detect/source.h"
#include "store/store.h"

/* A source that holds a few documents in memory, gives them in batches of one call, and
 * fails after fail_after of them (0: never), as a remote source whose connection drops. */
struct memory_source {
	struct event_source base;
	const char *const *docs;
	size_t ndocs, fail_after;
	size_t needle_sets; /* what the last read was handed */
	int by_event_time;
	char err[80];
};

static int memory_candidates(struct event_source *src, const struct candidate_query *q,
                             const struct needles *const *needles, size_t nneedles, candidate_fn fn, void *ctx)
{
	struct memory_source *m = (struct memory_source *)src;
	(void)needles;
	m->needle_sets = nneedles;
	m->by_event_time = q->by_event_time;
	for (size_t i = 0; i < m->ndocs; i++) {
		if (m->fail_after && i == m->fail_after) {
			snprintf(m->err, sizeof(m->err), "connection lost after %zu events", i);
			return -1;
		}
		struct candidate_row c = {.id = (int64_t)i + 1, .time = (int64_t)i};
		c.ev.id = c.id;
		c.ev.r.identity = "e";
		c.ev.doc = m->docs[i];
		c.ev.doc_len = strlen(m->docs[i]);
		if (fn(ctx, &c))
			return 0;
	}
	return 0;
}

static const char *memory_errmsg(struct event_source *src)
{
	return ((struct memory_source *)src)->err;
}

static const struct source_ops memory_ops = {
    .name = "memory", .candidates = memory_candidates, .errmsg = memory_errmsg};

struct seen {
	char ids[16];
	size_t n;
};

static int take(void *ctx, const struct event_row *row)
{
	struct seen *s = ctx;
	if (s->n + 1 < sizeof(s->ids))
		s->ids[s->n++] = (char)('0' + row->id);
	return 0;
}

/* Stops at the second event with a failed write's -1. */
static int fail_second(void *ctx, const struct event_row *row)
{
	struct seen *s = ctx;
	take(ctx, row);
	return s->n == 2 ? -1 : 0;
}

static void test_a_callbacks_status_comes_back(void **state)
{
	(void)state;
	static const char *const docs[] = {"{\"a\":\"x\"}", "{\"a\":\"x\"}", "{\"a\":\"x\"}"};
	struct kql_error err;
	struct kql_node *q = kql_parse("a : x", &err);
	assert_non_null(q);
	struct memory_source m = {.base = {&memory_ops}, .docs = docs, .ndocs = 3};
	struct seen s = {{0}, 0};
	assert_int_equal(detect_search_in(&m.base, q, 0, fail_second, &s), -1);
	assert_string_equal(s.ids, "12");
	kql_free(q);
}

static void test_search_through_a_source(void **state)
{
	(void)state;
	static const char *const docs[] = {
	    "{\"process\":{\"name\":\"curl\"}}", "{\"process\":{\"name\":\"bash\"}}",
	    "{\"process\":{\"name\":\"curl\"}}", "not json",
	    "{\"process\":{\"name\":\"curl\"}}",
	};
	static const struct {
		size_t fail_after;
		long limit;
		int rc;
		const char *seen, *err;
	} cases[] = {
	    {0, 0, 0, "135", ""},                               /* every candidate evaluated here */
	    {0, 2, 0, "13", ""},                                /* the limit ends the read */
	    {4, 0, -1, "13", "connection lost after 4 events"}, /* what came before the failure was given */
	    {1, 0, -1, "1", "connection lost after 1 events"},
	};
	struct kql_error err;
	struct kql_node *q = kql_parse("process.name : curl", &err);
	assert_non_null(q);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct memory_source m = {
		    .base = {&memory_ops}, .docs = docs, .ndocs = 5, .fail_after = cases[i].fail_after};
		struct seen s = {{0}, 0};
		int rc = detect_search_in(&m.base, q, cases[i].limit, take, &s);
		assert_int_equal(rc, cases[i].rc);
		assert_string_equal(s.ids, cases[i].seen);
		assert_string_equal(source_errmsg(&m.base), cases[i].err);
		assert_int_equal(m.needle_sets, 1); /* the query's literals were offered */
		assert_int_equal(m.by_event_time, 0);
	}
	kql_free(q);
}

/* A source that reads the case's store and loses its connection after `after` candidates. */
struct dropping_source {
	struct event_source base;
	struct event_source *store;
	size_t after, given;
	candidate_fn fn;
	void *ctx;
	int dropped;
};

static int count_candidate(void *ctx, const struct candidate_row *c)
{
	struct dropping_source *d = ctx;
	if (d->given == d->after) {
		d->dropped = 1;
		return 1;
	}
	d->given++;
	return d->fn(d->ctx, c);
}

static int dropping_candidates(struct event_source *src, const struct candidate_query *q,
                               const struct needles *const *needles, size_t nneedles, candidate_fn fn, void *ctx)
{
	struct dropping_source *d = (struct dropping_source *)src;
	d->fn = fn;
	d->ctx = ctx;
	int rc = source_candidates(d->store, q, needles, nneedles, count_candidate, d);
	return rc || d->dropped ? -1 : 0;
}

static int dropping_time_bounds(struct event_source *src, int use_ingested, int64_t *lo, int64_t *hi)
{
	struct event_source *s = ((struct dropping_source *)src)->store;
	return s->ops->time_bounds(s, use_ingested, lo, hi);
}

static int dropping_time_span(struct event_source *src, int use_ingested, int64_t after, int64_t *lo, int64_t *hi)
{
	struct event_source *s = ((struct dropping_source *)src)->store;
	return s->ops->time_span(s, use_ingested, after, lo, hi);
}

static int64_t dropping_newest_id(struct event_source *src)
{
	struct event_source *s = ((struct dropping_source *)src)->store;
	return s->ops->newest_id(s);
}

static const char *dropping_errmsg(struct event_source *src)
{
	return ((struct dropping_source *)src)->dropped ? "connection lost" : "";
}

static const struct source_ops dropping_ops = {.name = "dropping",
                                               .candidates = dropping_candidates,
                                               .time_bounds = dropping_time_bounds,
                                               .time_span = dropping_time_span,
                                               .newest_id = dropping_newest_id,
                                               .errmsg = dropping_errmsg};

static int count_alert(void *ctx, const struct alert_row *a)
{
	(void)a;
	(*(int *)ctx)++;
	return 0;
}

static int alerts_in(struct store *s)
{
	int n = 0;
	struct alert_query all = {0};
	assert_int_equal(store_alerts_each(s, &all, count_alert, &n), 0);
	return n;
}

/* The pass stops at a source's failure: no alert, no state; the next run does the work. */
static void test_detect_stops_when_the_source_fails(void **state)
{
	(void)state;
	struct store *s = tu_new_case("source");
	tu_ingest_text(s, "{\"@timestamp\":\"2026-01-01T00:00:00Z\",\"process\":{\"name\":\"curl\"}}\n"
	                  "{\"@timestamp\":\"2026-01-01T00:00:01Z\",\"process\":{\"name\":\"curl\"}}\n"
	                  "{\"@timestamp\":\"2026-01-01T00:00:02Z\",\"process\":{\"name\":\"curl\"}}\n");
	const char *rule = tu_path("rule.json");
	tu_write_str(rule, "{\"rule_id\":\"curl\",\"name\":\"curl\",\"type\":\"query\",\"query\":"
	                   "\"process.name : curl\",\"severity\":\"low\",\"risk_score\":21,\"description\":\"d\"}");
	struct import_counts c = {0};
	FILE *devnull = fopen("/dev/null", "w");
	assert_int_equal(rules_import_file(s, rule, "rule.json", &c, NULL), 0);
	fclose(devnull);
	struct detect_options o = {.rule_id = "curl", .now_us = INT64_C(1767225600000000)};
	struct detect_totals t;
	static const size_t drops[] = {0, 1, 2};
	for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++) {
		struct dropping_source d = {.base = {&dropping_ops}, .store = source_store_open(s), .after = drops[i]};
		assert_int_equal(detect_run_source(s, &d.base, &o, &t), CB_ERROR);
		assert_string_equal(source_errmsg(&d.base), "connection lost");
		assert_int_equal(d.given, drops[i]);
		assert_int_equal(alerts_in(s), 0);
		source_close(d.store);
	}
	assert_int_equal(detect_run(s, &o, &t), CB_OK);
	assert_int_equal(t.created, 3);
	assert_int_equal(alerts_in(s), 3);
	store_close(s);
	tu_cleanup();
}

/* A source that reads the case's store and counts the events read again by id. */
struct counting_source {
	struct event_source base;
	struct event_source *store;
	int reads;
};

static struct event_source *counted_store(struct event_source *src)
{
	return ((struct counting_source *)src)->store;
}

static int counting_candidates(struct event_source *src, const struct candidate_query *q,
                               const struct needles *const *needles, size_t nneedles, candidate_fn fn, void *ctx)
{
	return source_candidates(counted_store(src), q, needles, nneedles, fn, ctx);
}

static int counting_time_bounds(struct event_source *src, int use_ingested, int64_t *lo, int64_t *hi)
{
	struct event_source *s = counted_store(src);
	return s->ops->time_bounds(s, use_ingested, lo, hi);
}

static int counting_time_span(struct event_source *src, int use_ingested, int64_t after, int64_t *lo, int64_t *hi)
{
	struct event_source *s = counted_store(src);
	return s->ops->time_span(s, use_ingested, after, lo, hi);
}

static int64_t counting_newest_id(struct event_source *src)
{
	struct event_source *s = counted_store(src);
	return s->ops->newest_id(s);
}

static int counting_event_get(struct event_source *src, int64_t id, int want_doc, event_fn fn, void *ctx)
{
	struct event_source *s = counted_store(src);
	((struct counting_source *)src)->reads++;
	return s->ops->event_get(s, id, want_doc, fn, ctx);
}

static int counting_event_identity(struct event_source *src, int64_t id, struct strbuf *identity, struct strbuf *index)
{
	struct event_source *s = counted_store(src);
	((struct counting_source *)src)->reads++;
	return s->ops->event_identity(s, id, identity, index);
}

static const char *counting_errmsg(struct event_source *src)
{
	(void)src;
	return "";
}

static const struct source_ops counting_ops = {.name = "counting",
                                               .candidates = counting_candidates,
                                               .time_bounds = counting_time_bounds,
                                               .time_span = counting_time_span,
                                               .newest_id = counting_newest_id,
                                               .event_get = counting_event_get,
                                               .event_identity = counting_event_identity,
                                               .errmsg = counting_errmsg};

/* A new terms rule's alerts take their events' documents from the pass: none is read again
 * from the source (a query per alert over a cluster). */
static void test_new_terms_alerts_read_no_event_again(void **state)
{
	(void)state;
	struct store *s = tu_new_case("source-nt");
	tu_ingest_text(
	    s, "{\"@timestamp\":\"2026-01-01T00:00:00Z\",\"host\":{\"id\":\"a\"},\"process\":{\"name\":\"curl\"}}\n"
	       "{\"@timestamp\":\"2026-01-01T00:00:01Z\",\"host\":{\"id\":\"a\"},\"process\":{\"name\":\"curl\"}}\n"
	       "{\"@timestamp\":\"2026-01-01T00:00:02Z\",\"host\":{\"id\":\"b\"},\"process\":{\"name\":\"curl\"}}\n"
	       "{\"@timestamp\":\"2026-01-01T00:00:03Z\",\"host\":{\"id\":\"c\"},\"process\":{\"name\":\"nc\"}}\n");
	/* streaming; and buffered (a rule that suppresses groups its hits after the pass) */
	static const char *const rules[] = {
	    "{\"rule_id\":\"nt\",\"name\":\"nt\",\"type\":\"new_terms\",\"query\":\"process.name : curl\","
	    "\"new_terms_fields\":[\"host.id\"],\"history_window_start\":\"now-7d\",\"severity\":\"low\","
	    "\"risk_score\":21,\"description\":\"d\"}",
	    "{\"rule_id\":\"nts\",\"name\":\"nts\",\"type\":\"new_terms\",\"query\":\"process.name : curl\","
	    "\"new_terms_fields\":[\"host.id\"],\"history_window_start\":\"now-7d\",\"severity\":\"low\","
	    "\"risk_score\":21,\"description\":\"d\",\"alert_suppression\":{\"group_by\":[\"host.id\"]}}"};
	static const char *const ids[] = {"nt", "nts"};
	for (size_t i = 0; i < 2; i++) {
		const char *rule = tu_path("rule.json");
		tu_write_str(rule, rules[i]);
		struct import_counts c = {0};
		assert_int_equal(rules_import_file(s, rule, "rule.json", &c, NULL), 0);
		struct detect_options o = {.rule_id = ids[i], .now_us = INT64_C(1767225600000000)};
		struct detect_totals t;
		struct counting_source k = {.base = {&counting_ops}, .store = source_store_open(s)};
		assert_int_equal(detect_run_source(s, &k.base, &o, &t), CB_OK);
		assert_int_equal(t.created, 2); /* hosts a and b */
		assert_int_equal(alerts_in(s), 2 * (int)(i + 1));
		assert_int_equal(k.reads, 0);
		source_close(k.store);
	}
	store_close(s);
	tu_cleanup();
}

/* The same, read in any order and many events at once (events_get), as a cluster is: it
 * counts those reads and the events they asked for. */
struct batch_reading_source {
	struct counting_source counting;
	int batches, asked;
};

static int batch_reading_any_order(struct event_source *src)
{
	(void)src;
	return 1;
}

static int batch_reading_events_get(struct event_source *src, const int64_t *ids, size_t n, event_fn fn, void *ctx)
{
	struct batch_reading_source *b = (struct batch_reading_source *)src;
	struct event_source *s = counted_store(src);
	b->batches++;
	b->asked += (int)n;
	for (size_t i = 0; i < n; i++)
		if (s->ops->event_get(s, ids[i], 1, fn, ctx) < 0)
			return -1;
	return 0;
}

static const struct source_ops batch_reading_ops = {.name = "batch-reading",
                                                    .reads_any_order = batch_reading_any_order,
                                                    .candidates = counting_candidates,
                                                    .time_bounds = counting_time_bounds,
                                                    .time_span = counting_time_span,
                                                    .newest_id = counting_newest_id,
                                                    .event_get = counting_event_get,
                                                    .events_get = batch_reading_events_get,
                                                    .event_identity = counting_event_identity,
                                                    .errmsg = counting_errmsg};

/* Over a source that reads many events at once, a sequence's stage events are not copied as
 * they come (most never complete a sequence): the events of the sequences that alert are read
 * in one read, and no other. */
static void test_sequence_alerts_read_their_events_together(void **state)
{
	(void)state;
	struct store *s = tu_new_case("source-seq");
	tu_ingest_text(s, "{\"@timestamp\":\"2026-01-01T00:00:00Z\",\"event\":{\"category\":\"process\"},"
	                  "\"host\":{\"id\":\"a\"},\"process\":{\"name\":\"curl\"}}\n"
	                  "{\"@timestamp\":\"2026-01-01T00:00:01Z\",\"event\":{\"category\":\"process\"},"
	                  "\"host\":{\"id\":\"b\"},\"process\":{\"name\":\"curl\"}}\n"
	                  "{\"@timestamp\":\"2026-01-01T00:00:02Z\",\"event\":{\"category\":\"process\"},"
	                  "\"host\":{\"id\":\"c\"},\"process\":{\"name\":\"curl\"}}\n"
	                  "{\"@timestamp\":\"2026-01-01T00:00:03Z\",\"event\":{\"category\":\"process\"},"
	                  "\"host\":{\"id\":\"a\"},\"process\":{\"name\":\"nc\"}}\n");
	const char *rule = tu_path("rule.json");
	tu_write_str(rule, "{\"rule_id\":\"seq\",\"name\":\"seq\",\"type\":\"eql\",\"language\":\"eql\","
	                   "\"query\":\"sequence by host.id [process where process.name == \\\"curl\\\"] "
	                   "[process where process.name == \\\"nc\\\"]\",\"severity\":\"low\","
	                   "\"risk_score\":21,\"description\":\"d\"}");
	struct import_counts c = {0};
	assert_int_equal(rules_import_file(s, rule, "rule.json", &c, NULL), 0);
	struct detect_options o = {.rule_id = "seq", .now_us = INT64_C(1767225600000000)};
	struct detect_totals t;
	struct batch_reading_source b = {.counting = {.base = {&batch_reading_ops}, .store = source_store_open(s)}};
	assert_int_equal(detect_run_source(s, &b.counting.base, &o, &t), CB_OK);
	assert_int_equal(t.created, 1); /* host a's sequence: one alert listing both events */
	assert_int_equal(alerts_in(s), 1);
	assert_int_equal(b.batches, 1);
	assert_int_equal(b.asked, 2); /* host a's curl and nc; not b's or c's curl */
	assert_int_equal(b.counting.reads, 0);
	source_close(b.counting.store);
	store_close(s);
	tu_cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_search_through_a_source),
	    cmocka_unit_test(test_a_callbacks_status_comes_back),
	    cmocka_unit_test(test_detect_stops_when_the_source_fails),
	    cmocka_unit_test(test_new_terms_alerts_read_no_event_again),
	    cmocka_unit_test(test_sequence_alerts_read_their_events_together),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
