/* The rule types that read documents other than the events they alert on, as Kibana runs them:
 * machine_learning (Elastic ML's anomaly records) and threat_match (indicator documents). The
 * records, indicators and rules are the test's own. The expected answers follow Kibana 8.x's
 * detection engine (x-pack/plugins/security_solution/server/lib/detection_engine):
 * machine_learning/getAnomalies and signals/bulk_create_ml_signals (transformAnomalyFieldsToEcs),
 * signals/threat_mapping (build_threat_mapping_filter, enrich_signal_threat_matches). */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/timeutil.h"
#include "detect/detect.h"
#include "detect/rule.h"
#include "ingest/ingest.h"
#include "store/alerts.h"
#include "store/events.h"
#include "store/rules.h"

#define NOW INT64_C(1767225600000000) /* 2026-01-01T00:00:00Z, the alerts' creation time */

static struct store *db;
static struct strbuf out;

static int setup(void **state)
{
	(void)state;
	db = tu_new_case("ruletypes");
	strbuf_init(&out, 1024);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_close(db);
	strbuf_release(&out);
	return 0;
}

static void ingest_text(const char *text)
{
	tu_ingest_text(db, text);
}

/* Imports one rule; returns the reason detect would skip it ("" when it runs). */
static const char *import_rule(const char *json)
{
	static int n;
	static char why[400];
	char name[32];
	snprintf(name, sizeof(name), "rule-%d.json", ++n);
	tu_write_str(tu_path(name), json);
	struct import_counts c = {0};
	char errs[32];
	snprintf(errs, sizeof(errs), "errs-%d.txt", n);
	FILE *e = fopen(tu_path(errs), "w+");
	assert_int_equal(rules_import_file(db, tu_path(name), name, &c, &(struct diag_sink){diag_to_stream, e}), 0);
	assert_int_equal(c.rules_added, 1);
	rewind(e);
	why[0] = '\0';
	if (c.unsupported && fgets(why, sizeof(why), e)) {
		const char *at = strstr(why, "detect will skip it: ");
		if (at)
			memmove(why, at + strlen("detect will skip it: "),
			        strlen(at + strlen("detect will skip it: ")) + 1);
		why[strcspn(why, "\n")] = '\0';
	}
	fclose(e);
	return why;
}

static struct detect_totals run_rule(const char *rule_id, const char *from, const char *to)
{
	struct detect_options o = {.rule_id = rule_id, .now_us = NOW};
	assert_int_equal(time_parse_iso8601(from, strlen(from), &o.from, NULL), 0);
	assert_int_equal(time_parse_iso8601(to, strlen(to), &o.to, NULL), 0);
	o.has_range = 1;
	struct detect_totals t;
	assert_int_equal(detect_run(db, &o, &t), 0);
	return t;
}

static int ancestor_line(void *ctx, const struct alert_row *a)
{
	(void)ctx;
	cJSON *doc = cJSON_Parse(a->doc);
	const cJSON *anc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.ancestors"), 0);
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(anc, "id"));
	strbuf_addf(&out, "%s%s", out.len ? " " : "", id ? id : "?");
	cJSON_Delete(doc);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rule's alerts as their source documents' ids, sorted, space-separated. */
static const char *alerted(const char *rule_id)
{
	strbuf_reset(&out);
	struct alert_query q = {.rule_id = rule_id};
	assert_int_equal(store_alerts_each(db, &q, ancestor_line, NULL), 0);
	char *copy = xstrdup(out.buf), *ids[64];
	size_t n = 0;
	for (char *p = strtok(copy, " "); p && n < 64; p = strtok(NULL, " "))
		ids[n++] = p;
	qsort(ids, n, sizeof(*ids), cmp_str);
	strbuf_reset(&out);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&out, "%s%s", i ? " " : "", ids[i]);
	free(copy);
	return out.buf;
}

static int take_doc(void *ctx, const struct alert_row *a)
{
	cJSON **doc = ctx;
	if (!*doc)
		*doc = cJSON_Parse(a->doc);
	return 0;
}

/* The rule's one alert on the source document id. */
static cJSON *alert_on(const char *rule_id)
{
	cJSON *doc = NULL;
	struct alert_query q = {.rule_id = rule_id};
	assert_int_equal(store_alerts_each(db, &q, take_doc, &doc), 0);
	assert_non_null(doc);
	return doc;
}

struct finding {
	const char *event;
	cJSON *doc;
};

static int take_doc_of(void *ctx, const struct alert_row *a)
{
	struct finding *f = ctx;
	cJSON *doc = cJSON_Parse(a->doc);
	const cJSON *anc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.ancestors"), 0);
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(anc, "id"));
	if (!f->doc && id && !strcmp(id, f->event))
		f->doc = doc;
	else
		cJSON_Delete(doc);
	return 0;
}

/* The rule's alert on the source document event. */
static cJSON *alert_for(const char *rule_id, const char *event)
{
	struct finding f = {event, NULL};
	struct alert_query q = {.rule_id = rule_id};
	assert_int_equal(store_alerts_each(db, &q, take_doc_of, &f), 0);
	assert_non_null(f.doc);
	return f.doc;
}

static void expect_json(const cJSON *v, const char *want)
{
	char *got = v ? cJSON_PrintUnformatted(v) : NULL;
	assert_string_equal(got ? got : "(absent)", want);
	cJSON_free(got);
}

static const cJSON *member(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* ---- machine learning ---- */

/* An anomaly record as Elastic ML writes it to .ml-anomalies-shared: "timestamp" in epoch
 * milliseconds and no @timestamp (ML's results mapping). extra is added to its fields. */
static void anomaly(struct strbuf *sb, const char *id, const char *type, const char *job, int64_t ms, double score,
                    const char *interim, const char *extra)
{
	strbuf_addf(sb,
	            "{\"_index\":\".ml-anomalies-shared\",\"_id\":\"%s\",\"_source\":{\"job_id\":\"%s\","
	            "\"result_type\":\"%s\",\"timestamp\":%lld,\"record_score\":%g,\"bucket_span\":900%s%s%s}}\n",
	            id, job, type, (long long)ms, score, interim ? ",\"is_interim\":" : "", interim ? interim : "",
	            extra ? extra : "");
}

#define T1001 INT64_C(1714557660000) /* 2024-05-01T10:01:00Z */

static void load_anomalies(void)
{
	struct strbuf sb;
	strbuf_init(&sb, 2048);
	anomaly(&sb, "r1", "record", "j1", T1001, 80, "false", NULL);
	anomaly(&sb, "r2", "record", "j1", T1001 + 1000, 40, "false", NULL);
	anomaly(&sb, "r3", "record", "j2", T1001 + 2000, 90, "false", NULL);
	anomaly(&sb, "r4", "record", "j1", T1001 + 3000, 99, "true", NULL);  /* interim: term is_interim false */
	anomaly(&sb, "r5", "bucket", "j1", T1001 + 4000, 99, "false", NULL); /* not result_type:record */
	anomaly(&sb, "r6", "record", "j1", T1001 + 5000, 95, NULL, NULL);    /* no is_interim: the term fails */
	anomaly(&sb, "r7", "record", "other", T1001 + 6000, 99, "false", NULL);
	anomaly(&sb, "r8", "record", "j1", T1001 + 3600000, 99, "false", NULL); /* an hour later */
	ingest_text(sb.buf);
	strbuf_release(&sb);
}

/* Ingest keeps an anomaly record at its "timestamp", in its index (or ML's shared results index
 * when it came bare); documents with neither @timestamp nor an ML result's fields stay rejected. */
static int event_line(void *ctx, const struct event_row *row)
{
	(void)ctx;
	char t[TIME_ISO_LEN];
	time_format_iso8601(row->r.ts, t);
	strbuf_addf(&out, "%s %s %s\n", row->r.identity, t, row->r.index ? row->r.index : "-");
	return 0;
}

static void test_ingest_keeps_anomaly_records(void **state)
{
	(void)state;
	ingest_text("{\"_index\":\".ml-anomalies-custom-x\",\"_id\":\"a1\",\"_source\":{\"job_id\":\"j\","
	            "\"result_type\":\"record\",\"timestamp\":1714557660000,\"record_score\":5}}\n"
	            "{\"job_id\":\"j\",\"result_type\":\"bucket\",\"timestamp\":1714557661000,\"anomaly_score\":0,"
	            "\"event\":{\"id\":\"a2\"}}\n");
	tu_write_str(tu_path("bad.ndjson"), "{\"timestamp\":1714557660000,\"record_score\":5}\n");
	struct ingest_options o = {.analyst = "t"}; /* the reject's message goes nowhere */
	struct ingest_counts c = {0};
	assert_int_equal(ingest_path(db, tu_path("bad.ndjson"), &o, &c), INGEST_OK);
	assert_int_equal(c.rejected, 1); /* no job_id and result_type: not an ML result */
	strbuf_reset(&out);
	struct event_query q = {0};
	assert_int_equal(store_events_each(db, &q, event_line, NULL), 0);
	assert_string_equal(out.buf, "a1 2024-05-01T10:01:00.000000Z .ml-anomalies-custom-x\n"
	                             "a2 2024-05-01T10:01:01.000000Z .ml-anomalies-shared\n");
}

#define ML_RULE(id, jobs, threshold)                                                                                   \
	"{\"rule_id\":\"" id "\",\"name\":\"" id "\",\"description\":\"d\",\"risk_score\":21,\"severity\":\"low\","    \
	"\"type\":\"machine_learning\",\"interval\":\"15m\",\"from\":\"now-45m\",\"machine_learning_job_id\":" jobs    \
	",\"anomaly_threshold\":" threshold "}"

/* Which records a rule alerts on: result_type record, is_interim false, record_score >= the
 * threshold, job_id one of the jobs (query_string job_id:ID, wildcards allowed; "*" any job). */
static void test_ml_rule_selects_records(void **state)
{
	(void)state;
	load_anomalies();
	static const struct {
		const char *id, *rule, *alerts;
		uint64_t no_anomalies;
	} cases[] = {
	    {"one-job", ML_RULE("one-job", "\"j1\"", "75"), "r1 r8", 0},
	    {"two-jobs", ML_RULE("two-jobs", "[\"j1\",\"j2\"]", "75"), "r1 r3 r8", 0},
	    {"wildcard", ML_RULE("wildcard", "[\"j*\"]", "30"), "r1 r2 r3 r8", 0},
	    {"any-job", ML_RULE("any-job", "\"*\"", "85"), "r3 r7 r8", 0},
	    {"threshold-equal", ML_RULE("threshold-equal", "\"j1\"", "80"), "r1 r8", 0}, /* gte */
	    {"no-records", ML_RULE("no-records", "\"missing\"", "0"), "", 1},
	    /* max_signals 1: an execution alerts on its best score (Kibana sorts by record_score desc) */
	    {"best-first", ML_RULE("best-first", "[\"j1\",\"j2\"]", "30,\"max_signals\":1"), "r3 r8", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_string_equal(import_rule(cases[i].rule), "");
		struct detect_totals t = run_rule(cases[i].id, "2024-05-01T10:00:00Z", "2024-05-01T12:00:00Z");
		assert_string_equal(alerted(cases[i].id), cases[i].alerts);
		assert_int_equal(t.no_anomalies, cases[i].no_anomalies);
		assert_int_equal(t.skipped, 0);
	}
}

/* Machine learning rules suppress in memory (Kibana 8.15 on: ml/create_ml_alert_type.ts with
 * bulkCreateWithSuppression; utils/wrap_suppressed_alerts.ts): group_by reads the record made
 * ECS-like; an execution's records of one group make one alert, on the first of Kibana's search
 * order (record_score desc), docs_count the others, start and end their times; with a duration a
 * later execution's join it. */
static void test_ml_suppression(void **state)
{
	(void)state;
	load_anomalies();
	static const struct {
		const char *id, *rule, *alerts, *end;
		int docs_count;
	} cases[] = {
	    {"ml-sup", ML_RULE("ml-sup", "[\"j*\"]", "30,\"alert_suppression\":{\"group_by\":[\"job_id\"]}"),
	     "r1 r3 r8", "2024-05-01T10:01:01.000000Z", 1},
	    {"ml-sup-2h",
	     ML_RULE("ml-sup-2h", "[\"j*\"]",
	             "30,\"alert_suppression\":{\"group_by\":[\"job_id\"],\"duration\":{\"value\":2,\"unit\":\"h\"}}"),
	     "r1 r3", "2024-05-01T11:01:00.000000Z", 2},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_string_equal(import_rule(cases[i].rule), "");
		struct detect_totals t = run_rule(cases[i].id, "2024-05-01T10:00:00Z", "2024-05-01T12:00:00Z");
		assert_int_equal(t.skipped, 0);
		assert_string_equal(alerted(cases[i].id), cases[i].alerts);
		cJSON *doc = alert_for(cases[i].id, "r1");
		char *terms = cJSON_PrintUnformatted(member(doc, "kibana.alert.suppression.terms"));
		assert_string_equal(terms, "[{\"field\":\"job_id\",\"value\":\"j1\"}]");
		cJSON_free(terms);
		assert_string_equal(cJSON_GetStringValue(member(doc, "kibana.alert.suppression.start")),
		                    "2024-05-01T10:01:00.000000Z");
		assert_string_equal(cJSON_GetStringValue(member(doc, "kibana.alert.suppression.end")), cases[i].end);
		assert_true(cJSON_IsNumber(member(doc, "kibana.alert.suppression.docs_count")));
		assert_int_equal((int)member(doc, "kibana.alert.suppression.docs_count")->valuedouble,
		                 cases[i].docs_count);
		cJSON_Delete(doc);
	}
}

/* What a rule without the fields Kibana requires says. */
static void test_ml_and_indicator_rules_that_cannot_run(void **state)
{
	(void)state;
	static const struct {
		const char *rule, *why;
	} cases[] = {
	    {"{\"rule_id\":\"m1\",\"name\":\"m\",\"description\":\"d\",\"risk_score\":1,\"severity\":\"low\","
	     "\"type\":\"machine_learning\",\"anomaly_threshold\":50}",
	     "a machine_learning rule needs machine_learning_job_id: a job id or an array of them"},
	    {"{\"rule_id\":\"m2\",\"name\":\"m\",\"description\":\"d\",\"risk_score\":1,\"severity\":\"low\","
	     "\"type\":\"machine_learning\",\"machine_learning_job_id\":\"j\"}",
	     "a machine_learning rule needs anomaly_threshold, a number from 0 to 100"},
	    {"{\"rule_id\":\"t1\",\"name\":\"t\",\"description\":\"d\",\"risk_score\":1,\"severity\":\"low\","
	     "\"type\":\"threat_match\",\"query\":\"*:*\",\"threat_index\":[\"logs-ti_*\"],\"threat_query\":\"*:*\"}",
	     "an indicator match rule needs threat_mapping"},
	    {"{\"rule_id\":\"t2\",\"name\":\"t\",\"description\":\"d\",\"risk_score\":1,\"severity\":\"low\","
	     "\"type\":\"threat_match\",\"query\":\"*:*\",\"threat_query\":\"*:*\",\"threat_mapping\":[{\"entries\":"
	     "[{\"field\":\"a\",\"value\":\"b\",\"type\":\"mapping\"}]}]}",
	     "an indicator match rule needs threat_index: index patterns"},
	    {"{\"rule_id\":\"t3\",\"name\":\"t\",\"description\":\"d\",\"risk_score\":1,\"severity\":\"low\","
	     "\"type\":\"threat_match\",\"query\":\"*:*\",\"threat_index\":[\"x\"],\"threat_query\":\"*:*\","
	     "\"threat_mapping\":[{\"entries\":[]}]}",
	     "threat_mapping must be entries of {field, value, type: \"mapping\"}"},
	    {"{\"rule_id\":\"t4\",\"name\":\"t\",\"description\":\"d\",\"risk_score\":1,\"severity\":\"low\","
	     "\"type\":\"threat_match\",\"query\":\"*:*\",\"threat_index\":[\"x\"],\"threat_query\":\"*:*\","
	     "\"threat_mapping\":[{\"entries\":[{\"field\":\"a\",\"value\":\"b\",\"type\":\"mapping\"},"
	     "{\"field\":\"c\",\"value\":\"d\",\"type\":\"mapping\",\"negate\":true}]},{\"entries\":[{\"field\":"
	     "\"c\",\"value\":\"d\",\"type\":\"mapping\",\"negate\":true}]}]}",
	     "a threat_mapping entry needs a pair that matches, not only negated ones"},
	    {"{\"rule_id\":\"t5\",\"name\":\"t\",\"description\":\"d\",\"risk_score\":1,\"severity\":\"low\","
	     "\"type\":\"threat_match\",\"query\":\"*:*\",\"threat_index\":[\"x\"],\"threat_query\":\"*:*\","
	     "\"threat_language\":\"x\",\"threat_mapping\":[{\"entries\":[{\"field\":\"a\",\"value\":\"b\"}]}]}",
	     "threat_language \"x\" is not supported (kuery and lucene are)"},
	    {"{\"rule_id\":\"t6\",\"name\":\"t\",\"description\":\"d\",\"risk_score\":1,\"severity\":\"low\","
	     "\"type\":\"threat_match\",\"query\":\"*:*\",\"threat_index\":[\"x\"],\"threat_query\":\"*:*\","
	     "\"threat_filters\":[{\"query\":{\"geo_distance\":{\"a\":{\"lat\":1}}}}],"
	     "\"threat_mapping\":[{\"entries\":[{\"field\":\"a\",\"value\":\"b\"}]}]}",
	     "threat_filters: filter 1: a \"geo_distance\" filter is not supported (match_phrase, match, term, "
	     "terms, wildcard, exists, range, bool, query_string and match_all are)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(import_rule(cases[i].rule), cases[i].why);
}

/* The alert on a record: transformAnomalyFieldsToEcs turns each influencer's dotted field and
 * the by-field entity into nested fields (arrays, as ML keeps them), keeps the rest of the
 * record, and the alert is Kibana's on a source document. */
static void test_ml_alert_document(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 1024);
	anomaly(&sb, "rec", "record", "auth_rare_user", T1001, 91.5, "false",
	        ",\"by_field_name\":\"process.name\",\"by_field_value\":\"curl\",\"host.name\":[\"mac1\"],"
	        "\"user.name\":[\"root\"],\"influencers\":[{\"influencer_field_name\":\"host.name\","
	        "\"influencer_field_values\":[\"mac1\"]},{\"influencer_field_name\":\"user.name\","
	        "\"influencer_field_values\":[\"root\"]}]");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	assert_string_equal(import_rule(ML_RULE("ml-doc", "\"auth_rare_user\"", "70")), "");
	struct detect_totals t = run_rule("ml-doc", "2024-05-01T10:00:00Z", "2024-05-01T10:30:00Z");
	assert_int_equal(t.created, 1);
	cJSON *doc = alert_on("ml-doc");
	expect_json(member(doc, "host"), "{\"name\":[\"mac1\"]}");
	expect_json(member(doc, "user"), "{\"name\":[\"root\"]}");
	expect_json(member(doc, "process"), "{\"name\":[\"curl\"]}");
	expect_json(member(doc, "host.name"), "(absent)"); /* the dotted key is omitted */
	expect_json(member(doc, "job_id"), "\"auth_rare_user\"");
	expect_json(member(doc, "record_score"), "91.5");
	expect_json(member(doc, "event"), "{\"kind\":\"signal\"}");
	expect_json(member(doc, "kibana.alert.original_time"), "\"2024-05-01T10:01:00.000000Z\"");
	expect_json(member(doc, "kibana.alert.ancestors"),
	            "[{\"id\":\"rec\",\"index\":\".ml-anomalies-shared\",\"depth\":0,\"type\":\"event\"}]");
	expect_json(member(doc, "kibana.alert.rule.type"), "\"machine_learning\"");
	expect_json(member(doc, "kibana.alert.rule.rule_type_id"), "\"siem.mlRule\"");
	expect_json(member(doc, "kibana.alert.rule.category"), "\"Machine Learning Rule\"");
	/* buildReasonMessageForMlAlert: the generic reason over the transformed record */
	expect_json(member(doc, "kibana.alert.reason"),
	            "\"event with process curl, by root on mac1 created low alert ml-doc.\"");
	cJSON_Delete(doc);
}

/* ---- indicator match ---- */

/* An indicator as Elastic's threat intel integrations write it (logs-ti_*: event.kind
 * enrichment, the indicator under threat.indicator, its feed under threat.feed). */
static void indicator(struct strbuf *sb, const char *id, const char *ts, const char *feed, const char *fields)
{
	strbuf_addf(sb,
	            "{\"_index\":\"logs-ti_test.indicator-default\",\"_id\":\"%s\",\"_source\":{\"@timestamp\":\"%s\","
	            "\"event\":{\"kind\":\"enrichment\",\"category\":[\"threat\"],\"type\":[\"indicator\"]},"
	            "\"threat\":{\"feed\":{\"name\":\"%s\"},\"indicator\":{%s}}}}\n",
	            id, ts, feed, fields);
}

static void source_event(struct strbuf *sb, const char *id, const char *ts, const char *fields)
{
	strbuf_addf(
	    sb,
	    "{\"_index\":\"logs-endpoint.events.network-default\",\"_id\":\"%s\",\"_source\":{\"@timestamp\":"
	    "\"%s\",\"event\":{\"kind\":\"event\",\"category\":[\"network\"]},\"host\":{\"name\":\"mac1\"},%s}}\n",
	    id, ts, fields);
}

static void load_indicators_and_events(void)
{
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	indicator(&sb, "i1", "2024-04-20T00:00:00Z", "Feed A", "\"type\":\"ipv4-addr\",\"ip\":\"10.0.0.1\"");
	indicator(&sb, "i2", "2024-04-21T00:00:00Z", "Feed B",
	          "\"type\":\"file\",\"file\":{\"hash\":{\"sha256\":\"abc\"},\"name\":\"evil\"}");
	indicator(&sb, "i3", "2024-04-22T00:00:00Z", "Feed B",
	          "\"type\":\"ipv4-addr\",\"ip\":[\"10.0.0.2\",\"10.0.0.3\"]");
	indicator(&sb, "i4", "2023-01-01T00:00:00Z", "Feed A", "\"type\":\"ipv4-addr\",\"ip\":\"10.0.0.4\"");
	indicator(&sb, "i5", "2024-04-23T00:00:00Z", "Feed C", "\"type\":\"ipv4-addr\",\"ip\":\"10.0.0.1\"");
	source_event(&sb, "e1", "2024-05-01T10:01:00Z", "\"destination\":{\"ip\":\"10.0.0.1\"}");
	source_event(&sb, "e2", "2024-05-01T10:02:00Z", "\"file\":{\"hash\":{\"sha256\":\"abc\"},\"name\":\"evil\"}");
	source_event(&sb, "e3", "2024-05-01T10:03:00Z", "\"file\":{\"hash\":{\"sha256\":\"abc\"},\"name\":\"good\"}");
	source_event(&sb, "e4", "2024-05-01T10:04:00Z", "\"destination\":{\"ip\":[\"10.0.0.9\",\"10.0.0.2\"]}");
	source_event(&sb, "e5", "2024-05-01T10:05:00Z", "\"destination\":{\"ip\":\"10.0.0.4\"}");
	source_event(&sb, "e6", "2024-05-01T10:06:00Z", "\"destination\":{\"ip\":[\"10.0.0.7\",\"10.0.0.1\"]}");
	ingest_text(sb.buf);
	strbuf_release(&sb);
}

#define TM_RULE(id, tindex, tquery, mapping, extra)                                                                    \
	"{\"rule_id\":\"" id "\",\"name\":\"" id                                                                       \
	"\",\"description\":\"d\",\"risk_score\":99,\"severity\":\"critical\","                                        \
	"\"type\":\"threat_match\",\"interval\":\"1h\",\"from\":\"now-65m\",\"index\":[\"logs-endpoint.*\"],"          \
	"\"query\":\"event.category:network\",\"threat_index\":" tindex ",\"threat_query\":\"" tquery "\","            \
	"\"threat_mapping\":" mapping extra "}"
#define IP_MAP "[{\"entries\":[{\"field\":\"destination.ip\",\"type\":\"mapping\",\"value\":\"threat.indicator.ip\"}]}]"
#define FILE_MAP                                                                                                       \
	"[{\"entries\":[{\"field\":\"file.hash.sha256\",\"type\":\"mapping\",\"value\":\"threat.indicator.file.hash."  \
	"sha256\"},"                                                                                                   \
	"{\"field\":\"file.name\",\"type\":\"mapping\",\"value\":\"threat.indicator.file.name\"}]}]"
#define HASH_OR_IP_MAP                                                                                                 \
	"[{\"entries\":[{\"field\":\"file.hash.sha256\",\"type\":\"mapping\",\"value\":\"threat.indicator.file.hash."  \
	"sha256\"}]},"                                                                                                 \
	"{\"entries\":[{\"field\":\"destination.ip\",\"type\":\"mapping\",\"value\":\"threat.indicator.ip\"}]}]"
/* Kibana 8.16's "does not match" pairs (buildNegateClause) */
#define NEGATE_NAME_MAP                                                                                                \
	"[{\"entries\":[{\"field\":\"file.hash.sha256\",\"type\":\"mapping\",\"value\":\"threat.indicator.file.hash."  \
	"sha256\"},"                                                                                                   \
	"{\"field\":\"file.name\",\"type\":\"mapping\",\"value\":\"threat.indicator.file.name\",\"negate\":true}]}]"
#define NEGATE_ABSENT_MAP                                                                                              \
	"[{\"entries\":[{\"field\":\"destination.ip\",\"type\":\"mapping\",\"value\":\"threat.indicator.ip\"},"        \
	"{\"field\":\"host.name\",\"type\":\"mapping\",\"value\":\"threat.indicator.file.name\",\"negate\":true}]}]"
#define RECENT "@timestamp >= \\\"now-30d/d\\\""

/* Which events alert: those of the rule's index and query that an indicator of threat_index,
 * threat_query (its "now" the execution's) and threat_filters matches through an entry of
 * threat_mapping (AND within an entry, OR between entries); an indicator field with several
 * values takes no part (filterThreatMapping); an event's array matches by any value. */
static void test_threat_match_selects_events(void **state)
{
	(void)state;
	load_indicators_and_events();
	static const struct {
		const char *id, *rule, *alerts;
		uint64_t no_indicators;
	} cases[] = {
	    /* i4 is older than 30 days at the execution; e4's 10.0.0.2 is in i3, which has two ips */
	    {"ip-recent", TM_RULE("ip-recent", "[\"logs-ti_*\"]", RECENT, IP_MAP, ""), "e1 e6", 0},
	    {"ip-any-time", TM_RULE("ip-any-time", "[\"logs-ti_*\"]", "threat.indicator.ip:*", IP_MAP, ""), "e1 e5 e6",
	     0},
	    {"file-and", TM_RULE("file-and", "[\"logs-ti_*\"]", RECENT, FILE_MAP, ""), "e2", 0},
	    {"hash-or-ip", TM_RULE("hash-or-ip", "[\"logs-ti_*\"]", RECENT, HASH_OR_IP_MAP, ""), "e1 e2 e3 e6", 0},
	    /* Feed A's and C's indicators filtered out (a negated match_phrase; a disabled filter
	     * counts for nothing): i1 and i5 were e1's and e6's */
	    {"filtered",
	     TM_RULE(
	         "filtered", "[\"logs-ti_*\"]", RECENT, HASH_OR_IP_MAP,
	         ",\"threat_filters\":[{\"meta\":{\"negate\":true},\"query\":{\"match_phrase\":{\"threat.feed.name\":"
	         "\"Feed A\"}}},{\"meta\":{\"negate\":true},\"query\":{\"match_phrase\":{\"threat.feed.name\":{"
	         "\"query\":\"Feed C\"}}}},{\"meta\":{\"disabled\":true},\"query\":{\"match_phrase\":{\"x\":\"y\"}}}]"),
	     "e2 e3", 0},
	    /* threat_filters through the rule filters' converter (Kibana's getThreatList: buildEsQuery
	     * of threat_query and threat_filters). A range: i3 and i5 are from 04-22 on, i3's two ips
	     * take no part, i5's 10.0.0.1 is e1's and e6's */
	    {"filter-range",
	     TM_RULE("filter-range", "[\"logs-ti_*\"]", "*:*", HASH_OR_IP_MAP,
	             ",\"threat_filters\":[{\"meta\":{},\"query\":{\"range\":{\"@timestamp\":{\"gte\":"
	             "\"2024-04-22T00:00:00Z\"}}}}]"),
	     "e1 e6", 0},
	    /* a bool whose must_not takes terms: feeds A and C out, B's i2 (abc) and i3 left */
	    {"filter-bool",
	     TM_RULE("filter-bool", "[\"logs-ti_*\"]", "*:*", HASH_OR_IP_MAP,
	             ",\"threat_filters\":[{\"query\":{\"bool\":{\"must_not\":{\"terms\":{\"threat.feed.name\":["
	             "\"Feed A\",\"Feed C\"]}}}}}]"),
	     "e2 e3", 0},
	    /* a negated bool of should: not (A or B), so C's i5 only */
	    {"filter-negated-should",
	     TM_RULE("filter-negated-should", "[\"logs-ti_*\"]", "*:*", HASH_OR_IP_MAP,
	             ",\"threat_filters\":[{\"meta\":{\"negate\":true},\"query\":{\"bool\":{\"should\":[{"
	             "\"match_phrase\":{\"threat.feed.name\":\"Feed A\"}},{\"match\":{\"threat.feed.name\":{"
	             "\"query\":\"Feed B\",\"type\":\"phrase\"}}}]}}}]"),
	     "e1 e6", 0},
	    /* threat_language lucene (Elasticsearch's query_string syntax): _exists_ and NOT leave
	     * i3 (two ips: no part) and i5 (10.0.0.1: e1, e6) */
	    {"lucene",
	     TM_RULE("lucene", "[\"logs-ti_*\"]",
	             "NOT threat.feed.name:\\\"Feed A\\\" AND NOT _exists_:threat.indicator.file", HASH_OR_IP_MAP,
	             ",\"threat_language\":\"lucene\""),
	     "e1 e6", 0},
	    /* the event's file.name must not be the indicator's: e3's "good", not e2's "evil" */
	    {"negate", TM_RULE("negate", "[\"logs-ti_*\"]", RECENT, NEGATE_NAME_MAP, ""), "e3", 0},
	    /* an indicator without the negated pair's value wants the event to have the field */
	    {"negate-absent", TM_RULE("negate-absent", "[\"logs-ti_*\"]", RECENT, NEGATE_ABSENT_MAP, ""), "e1 e6", 0},
	    {"no-indicators", TM_RULE("no-indicators", "[\"nothing-*\"]", "*:*", IP_MAP, ""), "", 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_string_equal(import_rule(cases[i].rule), "");
		struct detect_totals t = run_rule(cases[i].id, "2024-05-01T10:00:00Z", "2024-05-01T12:00:00Z");
		assert_string_equal(alerted(cases[i].id), cases[i].alerts);
		assert_int_equal(t.no_indicators, cases[i].no_indicators);
		assert_int_equal(t.skipped, 0);
	}
	/* a negated pair gives no enrichment */
	cJSON *doc = alert_for("negate", "e3");
	const cJSON *list = member(member(doc, "threat"), "enrichments");
	assert_int_equal(cJSON_GetArraySize(list), 1);
	expect_json(member(member(cJSON_GetArrayItem(list, 0), "matched"), "field"), "\"file.hash.sha256\"");
	cJSON_Delete(doc);
}

/* Indicator match rules suppress in memory (Kibana 8.13 on: indicator_match/threat_enrichment
 * with bulkCreateWithSuppression; utils/wrap_suppressed_alerts.ts, suppression_utils.ts): the
 * execution's alerts of one group_by value are one, on the earliest event, docs_count the others,
 * start and end their events' span; with doNotSuppress an event missing the field alerts alone
 * without suppression fields. */
static void test_threat_match_suppression(void **state)
{
	(void)state;
	load_indicators_and_events();
	static const struct {
		const char *id, *suppression, *alerts; /* suppression: the rule */
		struct {
			const char *event, *terms, *start, *end;
			int docs_count; /* -1: no suppression fields */
		} docs[4];
	} cases[] = {
	    {"sup-host",
	     TM_RULE("sup-host", "[\"logs-ti_*\"]", RECENT, HASH_OR_IP_MAP,
	             ",\"alert_suppression\":{\"group_by\":[\"host.name\"]}"),
	     "e1",
	     {{"e1", "[{\"field\":\"host.name\",\"value\":\"mac1\"}]", "2024-05-01T10:01:00.000000Z",
	       "2024-05-01T10:06:00.000000Z", 3}}},
	    {"sup-file",
	     TM_RULE("sup-file", "[\"logs-ti_*\"]", RECENT, HASH_OR_IP_MAP,
	             ",\"alert_suppression\":{\"group_by\":[\"file.name\"],\"missing_fields_strategy\":"
	             "\"doNotSuppress\"}"),
	     "e1 e2 e3 e6",
	     {{"e1", NULL, NULL, NULL, -1},
	      {"e2", "[{\"field\":\"file.name\",\"value\":\"evil\"}]", "2024-05-01T10:02:00.000000Z",
	       "2024-05-01T10:02:00.000000Z", 0},
	      {"e3", "[{\"field\":\"file.name\",\"value\":\"good\"}]", "2024-05-01T10:03:00.000000Z",
	       "2024-05-01T10:03:00.000000Z", 0},
	      {"e6", NULL, NULL, NULL, -1}}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_string_equal(import_rule(cases[i].suppression), "");
		struct detect_totals t = run_rule(cases[i].id, "2024-05-01T10:00:00Z", "2024-05-01T12:00:00Z");
		assert_int_equal(t.skipped, 0);
		assert_string_equal(alerted(cases[i].id), cases[i].alerts);
		for (size_t k = 0; k < 4 && cases[i].docs[k].event; k++) {
			cJSON *doc = alert_for(cases[i].id, cases[i].docs[k].event);
			const cJSON *terms = member(doc, "kibana.alert.suppression.terms");
			if (cases[i].docs[k].docs_count < 0) {
				assert_null(terms);
			} else {
				char *got = cJSON_PrintUnformatted(terms);
				assert_string_equal(got, cases[i].docs[k].terms);
				cJSON_free(got);
				expect_json(member(doc, "kibana.alert.suppression.docs_count"),
				            cases[i].docs[k].docs_count == 3 ? "3" : "0");
				assert_string_equal(cJSON_GetStringValue(member(doc, "kibana.alert.suppression.start")),
				                    cases[i].docs[k].start);
				assert_string_equal(cJSON_GetStringValue(member(doc, "kibana.alert.suppression.end")),
				                    cases[i].docs[k].end);
				/* the enrichment is still the surviving alert's own */
				assert_non_null(member(member(doc, "threat"), "enrichments"));
			}
			cJSON_Delete(doc);
		}
	}
}

/* One alert per event however many indicators match; threat.enrichments holds one entry per
 * indicator and mapped field (buildEnrichments): the indicator object, its feed, and matched
 * {atomic: the event's value, field, id, index, type: indicator_match_rule}. */
static void test_threat_match_enrichments(void **state)
{
	(void)state;
	load_indicators_and_events();
	assert_string_equal(import_rule(TM_RULE("enrich", "[\"logs-ti_*\"]", RECENT, IP_MAP, "")), "");
	assert_string_equal(import_rule(TM_RULE("enrich-file", "[\"logs-ti_*\"]", RECENT, FILE_MAP, "")), "");
	/* an event that has enrichments of its own keeps them first */
	struct strbuf sb;
	strbuf_init(&sb, 512);
	source_event(&sb, "e7", "2024-05-01T10:07:00Z",
	             "\"destination\":{\"ip\":\"10.0.0.1\"},\"threat\":{\"enrichments\":{\"own\":1}}");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	/* both in one detect run: they share the read of threat_index's documents */
	struct detect_totals t = run_rule(NULL, "2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z");
	assert_int_equal(t.created, 4); /* e1, e6 and e7 once each, e2 */
	assert_string_equal(alerted("enrich"), "e1 e6 e7");
	/* each alert: the event's value as matched.atomic (an array as the event has it) */
	static const struct {
		const char *event, *atomic, *own;
	} want_for[] = {
	    {"e1", "\"10.0.0.1\"", ""},
	    {"e6", "[\"10.0.0.7\",\"10.0.0.1\"]", ""},
	    {"e7", "\"10.0.0.1\"", "{\"own\":1},"},
	};
	cJSON *doc = NULL;
	for (size_t i = 0; i < sizeof(want_for) / sizeof(want_for[0]); i++) {
		doc = alert_for("enrich", want_for[i].event);
		char want[2048];
		snprintf(want, sizeof(want),
		         "{\"enrichments\":[%s"
		         "{\"indicator\":{\"type\":\"ipv4-addr\",\"ip\":\"10.0.0.1\"},\"feed\":{\"name\":\"Feed A\"},"
		         "\"matched\":{\"atomic\":%s,\"field\":\"destination.ip\",\"id\":\"i1\",\"index\":"
		         "\"logs-ti_test.indicator-default\",\"type\":\"indicator_match_rule\"}},"
		         "{\"indicator\":{\"type\":\"ipv4-addr\",\"ip\":\"10.0.0.1\"},\"feed\":{\"name\":\"Feed C\"},"
		         "\"matched\":{\"atomic\":%s,\"field\":\"destination.ip\",\"id\":\"i5\",\"index\":"
		         "\"logs-ti_test.indicator-default\",\"type\":\"indicator_match_rule\"}}]}",
		         want_for[i].own, want_for[i].atomic, want_for[i].atomic);
		expect_json(member(doc, "threat"), want);
		if (i + 1 < sizeof(want_for) / sizeof(want_for[0]))
			cJSON_Delete(doc);
	}
	expect_json(member(doc, "kibana.alert.rule.type"), "\"threat_match\"");
	expect_json(member(doc, "kibana.alert.rule.rule_type_id"), "\"siem.indicatorRule\"");
	expect_json(member(doc, "kibana.alert.rule.category"), "\"Indicator Match Rule\"");
	cJSON_Delete(doc);
	/* an AND entry: one enrichment per field of it */
	doc = alert_on("enrich-file");
	expect_json(member(doc, "threat"),
	            "{\"enrichments\":["
	            "{\"indicator\":{\"type\":\"file\",\"file\":{\"hash\":{\"sha256\":\"abc\"},\"name\":\"evil\"}},"
	            "\"feed\":{\"name\":\"Feed B\"},\"matched\":{\"atomic\":\"abc\",\"field\":\"file.hash.sha256\","
	            "\"id\":\"i2\",\"index\":\"logs-ti_test.indicator-default\",\"type\":\"indicator_match_rule\"}},"
	            "{\"indicator\":{\"type\":\"file\",\"file\":{\"hash\":{\"sha256\":\"abc\"},\"name\":\"evil\"}},"
	            "\"feed\":{\"name\":\"Feed B\"},\"matched\":{\"atomic\":\"evil\",\"field\":\"file.name\","
	            "\"id\":\"i2\",\"index\":\"logs-ti_test.indicator-default\",\"type\":\"indicator_match_rule\"}}]}");
	cJSON_Delete(doc);
	/* again: the same alerts, none new */
	t = run_rule(NULL, "2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z");
	assert_int_equal(t.created, 0);
}

/* detect's summary: the rules that ran without their data are counted, said once each kind,
 * and are not skipped rules. */
static void test_detect_says_once_what_data_is_missing(void **state)
{
	(void)state;
	tu_write_str(tu_path("one.ndjson"), "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"x\"}}\n");
	tu_write_str(tu_path("nodata.ndjson"),
	             ML_RULE("ml-a", "\"a\"", "50") "\n" ML_RULE("ml-b", "[\"b\"]", "50") "\n" TM_RULE(
	                 "tm-a", "[\"logs-ti_*\"]", "*:*", IP_MAP, "") "\n");
	struct strbuf o, e;
	strbuf_init(&o, 256);
	strbuf_init(&e, 256);
	char path[512]; /* tu_path's buffers rotate */
	snprintf(path, sizeof(path), "%s", tu_path("cli.db"));
	assert_int_equal(tu_run(&o, &e, "%s --db '%s' ingest '%s'", tu_casebook(), path, tu_path("one.ndjson")), 0);
	assert_int_equal(
	    tu_run(&o, &e, "%s --db '%s' rules import '%s'", tu_casebook(), path, tu_path("nodata.ndjson")), 0);
	assert_int_equal(tu_run(&o, &e,
	                        "%s --db '%s' rules disable "
	                        "89fa6cb7-6b53-4de2-b604-648488841ab8",
	                        tu_casebook(), path),
	                 0);
	assert_int_equal(tu_run(&o, &e, "%s --db '%s' detect", tu_casebook(), path), 0);
	assert_non_null(strstr(o.buf, "2 machine learning rules found no anomaly records (ingest Elastic ML's "
	                              ".ml-anomalies-* results to run them)\n"));
	assert_non_null(strstr(o.buf, "1 indicator match rule found no indicator documents (ingest the threat "
	                              "intelligence indices they name in threat_index)\n"));
	assert_int_equal(tu_count(o.buf, "found no"), 2);
	assert_null(strstr(o.buf, "skipped (see above)"));
	strbuf_release(&o);
	strbuf_release(&e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_ingest_keeps_anomaly_records),
	    T(test_ml_rule_selects_records),
	    T(test_ml_and_indicator_rules_that_cannot_run),
	    T(test_ml_alert_document),
	    T(test_threat_match_selects_events),
	    T(test_threat_match_enrichments),
	    T(test_threat_match_suppression),
	    T(test_ml_suppression),
	    T(test_detect_says_once_what_data_is_missing),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tu_cleanup();
	return rc;
}
