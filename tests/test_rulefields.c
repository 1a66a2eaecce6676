/* The rule fields that change Kibana's alert: severity_mapping, risk_score_mapping and
 * rule_name_override (table-driven, each answer from Kibana's build_*_from_mapping.ts and its
 * tests), a promotion rule over Elastic Defend alerts end to end (and against the real Kibana
 * 8.3 alert in ../shared when it is there), alert_suppression, max_signals' cap,
 * timestamp_override_fallback_disabled, and the table of rule fields (detect/rulefields.c):
 * what it names per rule, and that docs/DETECTION.md lists the same fields. */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/timeutil.h"
#include "detect/detect.h"
#include "detect/filters.h"
#include "detect/kql.h"
#include "detect/lucene_query.h"
#include "detect/overrides.h"
#include "detect/rule.h"
#include "detect/rulefields.h"
#include "ingest/ingest.h"
#include "store/alerts.h"
#include "store/rules.h"

#define NOW INT64_C(1767225600000000) /* 2026-01-01T00:00:00Z, the alerts' creation time */

static struct store *db;

static int setup(void **state)
{
	(void)state;
	db = tu_new_case("rulefields");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_close(db);
	return 0;
}

static void ingest_text(const char *text)
{
	tu_ingest_text(db, text);
}

/* Imports rule text; what the import said goes to said (when given). */
static void import_rule(const char *json, struct strbuf *said)
{
	static int n;
	char name[32];
	snprintf(name, sizeof(name), "rule-%d.json", ++n);
	tu_write_str(tu_path(name), json);
	struct import_counts c = {0};
	FILE *f = fopen(tu_path("said.txt"), "w");
	assert_int_equal(rules_import_file(db, tu_path(name), name, &c, &(struct diag_sink){diag_to_stream, f}), 0);
	fclose(f);
	assert_int_equal(c.rules_invalid, 0);
	if (said) {
		f = fopen(tu_path("said.txt"), "r");
		strbuf_reset(said);
		assert_int_equal(strbuf_read_stream(said, f), 0);
		fclose(f);
	}
}

static struct detect_totals run_detect(const char *rule_id)
{
	struct detect_options o = {.rule_id = rule_id, .now_us = NOW};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &o, &t), 0);
	return t;
}

struct docs {
	cJSON *a[16];
	size_t n;
};

static int take_doc(void *ctx, const struct alert_row *a)
{
	struct docs *d = ctx;
	if (d->n < 16)
		d->a[d->n++] = cJSON_Parse(a->doc);
	return 0;
}

static int add_row_name(void *ctx, const struct alert_row *a)
{
	strbuf_addf(ctx, "%s\n", a->rule_name);
	return 0;
}

static int add_queue_name(void *ctx, const struct queue_alert *a)
{
	strbuf_addf(ctx, "%s\n", a->rule_name);
	return 0;
}

/* The names `casebook alerts` and the console's queue list the alerts under, one a line. */
static void listed_names(struct strbuf *alerts, struct strbuf *queue)
{
	struct alert_query q = {0};
	assert_int_equal(store_alerts_each(db, &q, add_row_name, alerts), 0);
	assert_int_equal(store_queue_each(db, add_queue_name, queue), 0);
}

/* The alerts' documents, by event time then uuid. */
static struct docs alert_docs(void)
{
	struct docs d = {{0}, 0};
	struct alert_query q = {0};
	assert_int_equal(store_alerts_each(db, &q, take_doc, &d), 0);
	return d;
}

static void docs_free(struct docs *d)
{
	for (size_t i = 0; i < d->n; i++)
		cJSON_Delete(d->a[i]);
}

static const char *str(const cJSON *doc, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, key));
}

static double num(const cJSON *doc, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, key);
	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

/* ---- the mappings, one case a row ---- */

/* Kibana's four severity thresholds on event.severity, as the Endpoint promotion rule and
 * the rule editor's defaults write them. */
#define ECS_SEVERITY_MAPPING                                                                                           \
	"\"severity_mapping\":[{\"field\":\"event.severity\",\"operator\":\"equals\",\"value\":\"21\","                \
	"\"severity\":\"low\"},{\"field\":\"event.severity\",\"operator\":\"equals\",\"value\":\"47\","                \
	"\"severity\":\"medium\"},{\"field\":\"event.severity\",\"operator\":\"equals\",\"value\":\"73\","             \
	"\"severity\":\"high\"},{\"field\":\"event.severity\",\"operator\":\"equals\",\"value\":\"99\","               \
	"\"severity\":\"critical\"}]"

static void test_mappings(void **state)
{
	(void)state;
	static const struct {
		const char *rule, *event;
		const char *severity;
		double risk;
		const char *name;
	} cases[] = {
	    /* build_severity_from_mapping.ts: sorted low to high, the last match wins */
	    {"{" ECS_SEVERITY_MAPPING "}", "{\"event\":{\"severity\":99}}", "critical", 47, "R"},
	    {"{" ECS_SEVERITY_MAPPING "}", "{\"event\":{\"severity\":73}}", "high", 47, "R"},
	    {"{" ECS_SEVERITY_MAPPING "}", "{\"event\":{\"severity\":50}}", "medium", 47, "R"}, /* none: the rule's */
	    /* event.severity is a long: a string in the event is not a valid value */
	    {"{" ECS_SEVERITY_MAPPING "}", "{\"event\":{\"severity\":\"99\"}}", "medium", 47, "R"},
	    /* ... nor a fraction; an array's values each count */
	    {"{" ECS_SEVERITY_MAPPING "}", "{\"event\":{\"severity\":99.5}}", "medium", 47, "R"},
	    {"{" ECS_SEVERITY_MAPPING "}", "{\"event\":{\"severity\":[21,73]}}", "high", 47, "R"},
	    /* the mapping's value is read as Math.floor(Number(value)) for event.severity */
	    {"{\"severity_mapping\":[{\"field\":\"event.severity\",\"value\":\"73.9\",\"severity\":\"high\"}]}",
	     "{\"event\":{\"severity\":73}}", "high", 47, "R"},
	    /* a flattened key is the path itself (lodash's get) */
	    {"{" ECS_SEVERITY_MAPPING "}", "{\"event.severity\":21}", "low", 47, "R"},
	    /* another field: its strings and whole numbers compared as text */
	    {"{\"severity_mapping\":[{\"field\":\"x.level\",\"value\":\"bad\",\"severity\":\"critical\"},"
	     "{\"field\":\"x.code\",\"value\":\"5\",\"severity\":\"low\"}]}",
	     "{\"x\":{\"level\":\"bad\",\"code\":5}}", "critical", 47, "R"},
	    {"{\"severity_mapping\":[{\"field\":\"x.code\",\"value\":\"5\",\"severity\":\"high\"}]}",
	     "{\"x\":{\"code\":5.5}}", "medium", 47, "R"},
	    /* of two equal severities the later listed, and the order of the list does not matter */
	    {"{\"severity_mapping\":[{\"field\":\"a\",\"value\":\"1\",\"severity\":\"high\"},"
	     "{\"field\":\"b\",\"value\":\"1\",\"severity\":\"low\"}]}",
	     "{\"a\":\"1\",\"b\":\"1\"}", "high", 47, "R"},
	    /* build_risk_score_from_mapping.ts: the first entry's field, its largest value in 0-100 */
	    {"{\"risk_score_mapping\":[{\"field\":\"event.risk_score\",\"value\":\"\"}]}",
	     "{\"event\":{\"risk_score\":99}}", "medium", 99, "R"},
	    {"{\"risk_score_mapping\":[{\"field\":\"event.risk_score\",\"value\":\"\"}]}",
	     "{\"event\":{\"risk_score\":\"88.5\"}}", "medium", 88.5, "R"},
	    {"{\"risk_score_mapping\":[{\"field\":\"event.risk_score\",\"value\":\"\"}]}",
	     "{\"event\":{\"risk_score\":[-1,50,80,101]}}", "medium", 80, "R"},
	    {"{\"risk_score_mapping\":[{\"field\":\"event.risk_score\",\"value\":\"\"}]}",
	     "{\"event\":{\"risk_score\":101}}", "medium", 47, "R"},
	    /* Number("") is 0, a valid score */
	    {"{\"risk_score_mapping\":[{\"field\":\"s\",\"value\":\"\"}]}", "{\"s\":\"\"}", "medium", 0, "R"},
	    {"{\"risk_score_mapping\":[{\"field\":\"s\",\"value\":\"\"}]}", "{\"s\":\"high\"}", "medium", 47, "R"},
	    {"{\"risk_score_mapping\":[{\"field\":\"s\",\"value\":\"\"}]}", "{}", "medium", 47, "R"},
	    /* build_rule_name_from_mapping.ts: a string value only (t.string: "" too) */
	    {"{\"rule_name_override\":\"message\"}", "{\"message\":\"Malware Prevention Alert: x\"}", "medium", 47,
	     "Malware Prevention Alert: x"},
	    {"{\"rule_name_override\":\"message\"}", "{\"message\":[\"a\"]}", "medium", 47, "R"},
	    {"{\"rule_name_override\":\"rule.name\"}", "{\"rule\":{\"name\":3}}", "medium", 47, "R"},
	    {"{\"rule_name_override\":\"rule.name\"}", "{\"rule\":{\"name\":\"\"}}", "medium", 47, ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *rule = cJSON_Parse(cases[i].rule), *ev = cJSON_Parse(cases[i].event);
		assert_non_null(rule);
		assert_non_null(ev);
		struct alert_overrides o;
		overrides_compute(rule, "medium", 47, "R", ev, &o);
		if (strcmp(o.severity, cases[i].severity) || o.risk_score != cases[i].risk ||
		    strcmp(o.name, cases[i].name))
			fail_msg("case %zu: %s / %g / %s", i, o.severity, o.risk_score, o.name);
		cJSON_Delete(rule);
		cJSON_Delete(ev);
	}
}

/* The source Kibana reads an ES|QL alert's overrides from (esql/utils/merge_esql_result_in_source.ts
 * and its tests; robust_field_access.ts; rowToDocument drops nulls, esql.ts the hit's _id,
 * _version and _index). */
static void test_esql_override_source(void **state)
{
	(void)state;
	static const struct {
		const char *source, *columns, *merged;
	} cases[] = {
	    /* Kibana's own cases: a column replaces the field in nested, flat or mixed notation */
	    {"{\"agent\":{\"name\":\"test-1\"}}", "{\"agent.name\":\"custom\"}", "{\"agent.name\":\"custom\"}"},
	    {"{\"agent.name\":\"test-1\"}", "{\"agent.name\":\"custom\"}", "{\"agent.name\":\"custom\"}"},
	    {"{\"log.syslog\":{\"hostname\":\"host-1\"}}", "{\"log.syslog.hostname\":\"esql host\"}",
	     "{\"log.syslog.hostname\":\"esql host\"}"},
	    {"{\"agent\":{\"hostname\":\"host-1\"}}", "{\"log.syslog.hostname\":\"esql host\"}",
	     "{\"agent\":{\"hostname\":\"host-1\"},\"log.syslog.hostname\":\"esql host\"}"},
	    {"{\"log.syslog\":{\"hostname\":\"host-1\",\"other\":\"other\"}}",
	     "{\"log.syslog.hostname\":\"esql host\"}",
	     "{\"log.syslog\":{\"other\":\"other\"},\"log.syslog.hostname\":\"esql host\"}"},
	    /* the objects the removal leaves empty go with it, up to one that keeps another member */
	    {"{\"a\":{\"b\":{\"c\":1}},\"x\":1}", "{\"a.b.c\":\"v\"}", "{\"x\":1,\"a.b.c\":\"v\"}"},
	    {"{\"a\":{\"k\":2,\"b\":{\"c\":1}}}", "{\"a.b.c\":\"v\"}", "{\"a\":{\"k\":2},\"a.b.c\":\"v\"}"},
	    /* a falsy value (robustGet's answer tested as a boolean) is not removed */
	    {"{\"a\":{\"b\":0}}", "{\"a.b\":7}", "{\"a\":{\"b\":0},\"a.b\":7}"},
	    /* null columns and the hit's own left out; no source: the row alone */
	    {NULL, "{\"_id\":\"x\",\"_index\":\"i\",\"_version\":1,\"c\":null,\"n\":3,\"host.name\":\"h\"}",
	     "{\"n\":3,\"host.name\":\"h\"}"},
	    {"{\"host\":{\"name\":\"h2\"}}", "{\"host.name\":null}", "{\"host\":{\"name\":\"h2\"}}"},
	    /* columns in turn: host.name leaves host with ip, which host.ip then removes; x's 0
	     * (falsy) is not unset, but the assignment replaces it */
	    {"{\"host\":{\"name\":\"h\",\"ip\":\"1\"},\"x\":0}", "{\"host.name\":\"a\",\"host.ip\":\"b\",\"x\":5}",
	     "{\"host.name\":\"a\",\"host.ip\":\"b\",\"x\":5}"},
	    /* a.b set first hides the nested a.b.c from a.b.c's robustGet: nothing more unset */
	    {"{\"a\":{\"b\":{\"c\":1}}}", "{\"a.b\":\"s\",\"a.b.c\":\"t\"}", "{\"a.b\":\"s\",\"a.b.c\":\"t\"}"},
	    {"{\"a\":{\"k\":1,\"b\":{\"c\":1}}}", "{\"a.b.c\":\"t\",\"a.b\":\"s\"}",
	     "{\"a\":{\"k\":1},\"a.b.c\":\"t\",\"a.b\":\"s\"}"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *source = cases[i].source ? cJSON_Parse(cases[i].source) : NULL,
		      *columns = cJSON_Parse(cases[i].columns);
		assert_non_null(columns);
		cJSON *merged = overrides_esql_source(source, columns);
		char *text = cJSON_PrintUnformatted(merged);
		if (strcmp(text, cases[i].merged))
			fail_msg("case %zu: %s", i, text);
		cJSON_free(text);
		cJSON_Delete(merged);
		cJSON_Delete(columns);
		cJSON_Delete(source);
	}
}

/* ---- a promotion rule over Elastic Defend alerts ---- */

/* casebook's own rule in the shape of Kibana's promotion rule: an alert per Defend alert, rated
 * and named by it. */
static const char promotion_rule[] =
    "{\"rule_id\":\"cb-test-defend-promotion\",\"name\":\"Defend alert (casebook test)\",\"description\":\"One "
    "alert for each Elastic Defend alert, rated and named by it.\",\"type\":\"query\",\"language\":\"kuery\","
    "\"index\":[\"logs-endpoint.alerts-*\"],\"query\":\"event.kind:alert and event.module:endpoint\","
    "\"severity\":\"medium\",\"risk_score\":47,\"from\":\"now-10m\",\"timestamp_override\":\"event.ingested\","
    "\"rule_name_override\":\"message\",\"risk_score_mapping\":[{\"field\":\"event.risk_score\",\"operator\":"
    "\"equals\",\"value\":\"\"}]," ECS_SEVERITY_MAPPING ",\"max_signals\":10000}";

static void defend_alert(struct strbuf *sb, const char *id, const char *ts, int severity, const char *message)
{
	strbuf_addf(sb,
	            "{\"_index\":\".ds-logs-endpoint.alerts-default-2024.05.01-000001\",\"_id\":\"%s\",\"_source\":{"
	            "\"@timestamp\":\"%s\",\"message\":\"%s\",\"rule\":{\"name\":\"%s\"},\"event\":{\"kind\":"
	            "\"alert\",\"module\":\"endpoint\",\"severity\":%d,\"risk_score\":%d,\"ingested\":\"%s\","
	            "\"category\":[\"malware\",\"intrusion_detection\"]},\"process\":{\"name\":\"osascript\"},"
	            "\"user\":{\"name\":\"ana\"},\"host\":{\"name\":\"mac-7\",\"os\":{\"type\":\"macos\"}}}}\n",
	            id, ts, message, strchr(message, ':') + 2, severity, severity, ts);
}

static void test_promotion_rule_on_defend_alerts(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 2048);
	defend_alert(&sb, "d1", "2024-05-01T10:01:00Z", 99, "Malicious Behavior Prevention Alert: AppleScript Payload");
	defend_alert(&sb, "d2", "2024-05-01T10:02:00Z", 73, "Malware Detection Alert: Adload");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	import_rule(promotion_rule, NULL);
	struct detect_totals t = run_detect("cb-test-defend-promotion");
	assert_int_equal(t.created, 2);
	assert_int_equal(t.unapplied, 0);
	struct docs d = alert_docs();
	assert_int_equal(d.n, 2);
	/* critical / 99 and the event's own name (not the rule's medium / 47) */
	assert_string_equal(str(d.a[0], "kibana.alert.severity"), "critical");
	assert_int_equal((int)num(d.a[0], "kibana.alert.risk_score"), 99);
	assert_string_equal(str(d.a[0], "kibana.alert.rule.name"),
	                    "Malicious Behavior Prevention Alert: AppleScript Payload");
	assert_string_equal(
	    str(d.a[0], "kibana.alert.reason"),
	    "malware, intrusion_detection event with process osascript, by ana on mac-7 created critical "
	    "alert Malicious Behavior Prevention Alert: AppleScript Payload.");
	/* the rule's own values stay in its fields, as Kibana keeps them in the parameters */
	assert_string_equal(str(d.a[0], "kibana.alert.rule.severity"), "medium");
	assert_int_equal((int)num(d.a[0], "kibana.alert.rule.risk_score"), 47);
	assert_string_equal(str(d.a[1], "kibana.alert.severity"), "high");
	assert_int_equal((int)num(d.a[1], "kibana.alert.risk_score"), 73);
	assert_string_equal(str(d.a[1], "kibana.alert.rule.name"), "Malware Detection Alert: Adload");
	docs_free(&d);
	/* listed under the same names as their documents say, not the rule's */
	struct strbuf listed, queued;
	strbuf_init(&listed, 256);
	strbuf_init(&queued, 256);
	listed_names(&listed, &queued);
	static const char want[] =
	    "Malicious Behavior Prevention Alert: AppleScript Payload\nMalware Detection Alert: Adload\n";
	assert_string_equal(listed.buf, want);
	assert_string_equal(queued.buf, want);
	strbuf_release(&listed);
	strbuf_release(&queued);
}

/* The real alert Kibana 8.3 made with its promotion rule (ECS RFC 0031), and its source: the
 * same severity, risk, name and reason from casebook's rule of the same shape. */
static void test_promotion_matches_kibana_8_3_when_present(void **state)
{
	(void)state;
	const char *dir = "../shared/corpus/ecs-rfc-examples";
	struct stat st;
	if (stat(dir, &st)) {
		skip();
		return;
	}
	struct strbuf text;
	strbuf_init(&text, 16384);
	FILE *f = fopen("../shared/corpus/ecs-rfc-examples/rfc0031_kibana_alert_8.3.0.ndjson", "r");
	assert_non_null(f);
	assert_int_equal(strbuf_read_stream(&text, f), 0);
	fclose(f);
	cJSON *kibana = cJSON_Parse(text.buf);
	strbuf_release(&text);
	assert_non_null(kibana);
	struct ingest_options o = {.analyst = "t", .errors = diag_stderr_sink()};
	struct ingest_counts c = {0};
	assert_int_equal(
	    ingest_path(db, "../shared/corpus/ecs-rfc-examples/rfc0031_source_alert.derived.ndjson", &o, &c),
	    INGEST_OK);
	import_rule(promotion_rule, NULL);
	run_detect("cb-test-defend-promotion");
	struct docs d = alert_docs();
	assert_int_equal(d.n, 1);
	static const char *const same[] = {"kibana.alert.severity", "kibana.alert.rule.name", "kibana.alert.reason"};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(kibana, "kibana");
		k = cJSON_GetObjectItemCaseSensitive(k, "alert");
		const char *key = same[i] + strlen("kibana.alert.");
		const char *want = NULL;
		if (!strcmp(key, "rule.name"))
			want = str(cJSON_GetObjectItemCaseSensitive(k, "rule"), "name");
		else
			want = str(k, key);
		if (!want)
			want = str(kibana, same[i]); /* flattened */
		assert_non_null(want);
		assert_string_equal(str(d.a[0], same[i]), want);
	}
	assert_int_equal((int)num(d.a[0], "kibana.alert.risk_score"), 73);
	docs_free(&d);
	cJSON_Delete(kibana);
}

/* ---- alert suppression ---- */

static void process_event(struct strbuf *sb, const char *id, const char *ts, const char *host)
{
	strbuf_addf(sb,
	            "{\"_index\":\"logs-endpoint.events.process-default\",\"_id\":\"%s\",\"_source\":{\"@timestamp\":"
	            "\"%s\",\"event\":{\"category\":[\"process\"],\"type\":[\"start\"]},\"process\":{\"name\":"
	            "\"curl\"}%s%s%s}}\n",
	            id, ts, host ? ",\"host\":{\"name\":\"" : "", host ? host : "", host ? "\"}" : "");
}

static const char *terms_of(const cJSON *doc)
{
	static char buf[256];
	char *t = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.suppression.terms"));
	snprintf(buf, sizeof(buf), "%s", t ? t : "-");
	cJSON_free(t);
	return buf;
}

/* Kibana's group_and_bulk_create.ts / wrap_suppressed_alerts.ts: one alert per group_by value
 * per execution, on the group's earliest event; docs_count is the group's count less one;
 * start and end its first and last time; a missing value is a group of its own (null). */
static void test_suppression_by_host(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 2048);
	/* one execution (interval 5m, from now-10m, the one at 10:10 sees them all) */
	process_event(&sb, "p1", "2024-05-01T10:05:10Z", "h1");
	process_event(&sb, "p2", "2024-05-01T10:05:20Z", "h2");
	process_event(&sb, "p3", "2024-05-01T10:05:30Z", "h1");
	process_event(&sb, "p4", "2024-05-01T10:05:40Z", "h1");
	process_event(&sb, "p5", "2024-05-01T10:05:50Z", NULL);
	ingest_text(sb.buf);
	strbuf_release(&sb);
	import_rule("{\"rule_id\":\"cb-sup\",\"name\":\"curl by host\",\"description\":\"d\",\"type\":\"query\","
	            "\"query\":\"process.name:curl\",\"severity\":\"low\",\"risk_score\":21,\"from\":\"now-10m\","
	            "\"alert_suppression\":{\"group_by\":[\"host.name\"]}}",
	            NULL);
	struct detect_totals t = run_detect("cb-sup");
	assert_int_equal(t.executions, 1);
	assert_int_equal(t.created, 3);
	assert_int_equal(t.grouped, 2);
	struct docs d = alert_docs();
	assert_int_equal(d.n, 3);
	assert_string_equal(terms_of(d.a[0]), "[{\"field\":\"host.name\",\"value\":\"h1\"}]");
	assert_string_equal(str(d.a[0], "kibana.alert.original_time"), "2024-05-01T10:05:10.000000Z");
	assert_string_equal(str(d.a[0], "kibana.alert.suppression.start"), "2024-05-01T10:05:10.000000Z");
	assert_string_equal(str(d.a[0], "kibana.alert.suppression.end"), "2024-05-01T10:05:40.000000Z");
	assert_int_equal((int)num(d.a[0], "kibana.alert.suppression.docs_count"), 2);
	assert_string_equal(terms_of(d.a[1]), "[{\"field\":\"host.name\",\"value\":\"h2\"}]");
	assert_int_equal((int)num(d.a[1], "kibana.alert.suppression.docs_count"), 0);
	assert_string_equal(terms_of(d.a[2]), "[{\"field\":\"host.name\",\"value\":null}]");
	assert_non_null(str(d.a[2], "kibana.alert.instance.id"));
	docs_free(&d);
	/* an EQL event query suppresses the same way (Kibana 8.14 on) */
	import_rule(
	    "{\"rule_id\":\"cb-sup-eql\",\"name\":\"curl by host, EQL\",\"description\":\"d\",\"type\":"
	    "\"eql\",\"language\":\"eql\",\"query\":\"process where process.name == \\\"curl\\\"\",\"severity\":"
	    "\"low\",\"risk_score\":21,\"from\":\"now-10m\",\"alert_suppression\":{\"group_by\":[\"host.name\"]}}",
	    NULL);
	t = run_detect("cb-sup-eql");
	assert_int_equal(t.created, 3);
	assert_int_equal(t.grouped, 2);
	assert_int_equal(t.unapplied, 0);
}

/* doNotSuppress: an event missing a group_by field alerts alone, without suppression fields. */
static void test_suppression_do_not_suppress_missing(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 2048);
	process_event(&sb, "p1", "2024-05-01T10:05:10Z", NULL);
	process_event(&sb, "p2", "2024-05-01T10:05:20Z", NULL);
	process_event(&sb, "p3", "2024-05-01T10:05:30Z", "h1");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	import_rule("{\"rule_id\":\"cb-sup2\",\"name\":\"curl by host\",\"description\":\"d\",\"type\":\"query\","
	            "\"query\":\"process.name:curl\",\"severity\":\"low\",\"risk_score\":21,\"from\":\"now-10m\","
	            "\"alert_suppression\":{\"group_by\":[\"host.name\"],\"missing_fields_strategy\":"
	            "\"doNotSuppress\"}}",
	            NULL);
	struct detect_totals t = run_detect("cb-sup2");
	assert_int_equal(t.created, 3);
	struct docs d = alert_docs();
	assert_int_equal(d.n, 3);
	assert_string_equal(terms_of(d.a[0]), "-");
	assert_string_equal(terms_of(d.a[1]), "-");
	assert_string_equal(terms_of(d.a[2]), "[{\"field\":\"host.name\",\"value\":\"h1\"}]");
	docs_free(&d);
}

/* With a duration, later executions within it add to the group's alert (bulk_create_with_
 * suppression.ts: docs_count grows by the new group's count, end moves); past it, a new alert. */
static void test_suppression_with_duration(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 2048);
	process_event(&sb, "p1", "2024-05-01T10:01:00Z", "h1"); /* execution 10:05 */
	process_event(&sb, "p2", "2024-05-01T10:07:00Z", "h1"); /* 10:10: within 1h, joins */
	process_event(&sb, "p3", "2024-05-01T10:12:00Z", "h1"); /* 10:15: joins */
	process_event(&sb, "p4", "2024-05-01T11:30:00Z", "h1"); /* 11:35: past the hour, a new alert */
	ingest_text(sb.buf);
	strbuf_release(&sb);
	import_rule("{\"rule_id\":\"cb-sup3\",\"name\":\"curl by host\",\"description\":\"d\",\"type\":\"query\","
	            "\"query\":\"process.name:curl\",\"severity\":\"low\",\"risk_score\":21,\"from\":\"now-6m\","
	            "\"alert_suppression\":{\"group_by\":[\"host.name\"],\"duration\":{\"value\":1,\"unit\":\"h\"}}}",
	            NULL);
	struct detect_totals t = run_detect("cb-sup3");
	assert_int_equal(t.created, 2);
	assert_int_equal(t.grouped, 2);
	struct docs d = alert_docs();
	assert_int_equal(d.n, 2);
	assert_string_equal(str(d.a[0], "kibana.alert.suppression.start"), "2024-05-01T10:01:00.000000Z");
	assert_string_equal(str(d.a[0], "kibana.alert.suppression.end"), "2024-05-01T10:12:00.000000Z");
	assert_int_equal((int)num(d.a[0], "kibana.alert.suppression.docs_count"), 2);
	assert_string_equal(str(d.a[1], "kibana.alert.original_time"), "2024-05-01T11:30:00.000000Z");
	assert_int_equal((int)num(d.a[1], "kibana.alert.suppression.docs_count"), 0);
	docs_free(&d);
}

/* Threshold rules suppress their own groups' alerts within alert_suppression.duration
 * (Kibana 8.13 on: threshold/bulk_create_suppressed_threshold_alerts.ts,
 * wrap_suppressed_threshold_alerts.ts): a group's alert carries the threshold fields as
 * suppression terms, start = the execution's start, end = its window's end ("to"),
 * docs_count 0, and a later execution's alert for the group is folded into it when the
 * existing alert's end is at or after that execution's start less the duration (the
 * persistence wrapper's range query, gte), docs_count + 1 and end moved to its "to". */
static void test_threshold_suppression(void **state)
{
	(void)state;
	static const struct {
		const char *duration;
		int created, grouped;
		struct {
			const char *host, *start, *end;
			int docs_count;
		} alerts[4];
	} cases[] = {
	    /* 10:10 is within an hour of 10:05: folded; 11:35 is not (10:10 < 10:35) */
	    {"{\"value\":1,\"unit\":\"h\"}",
	     3,
	     1,
	     {{"h1", "2024-05-01T10:05:00.000000Z", "2024-05-01T10:10:00.000000Z", 1},
	      {"h2", "2024-05-01T10:05:00.000000Z", "2024-05-01T10:05:00.000000Z", 0},
	      {"h1", "2024-05-01T11:35:00.000000Z", "2024-05-01T11:35:00.000000Z", 0}}},
	    /* 5 minutes: 10:05 >= 10:10 - 5m, the bound included */
	    {"{\"value\":5,\"unit\":\"m\"}",
	     3,
	     1,
	     {{"h1", "2024-05-01T10:05:00.000000Z", "2024-05-01T10:10:00.000000Z", 1},
	      {"h2", "2024-05-01T10:05:00.000000Z", "2024-05-01T10:05:00.000000Z", 0},
	      {"h1", "2024-05-01T11:35:00.000000Z", "2024-05-01T11:35:00.000000Z", 0}}},
	    /* 299 seconds: just short, every execution's alert is its own */
	    {"{\"value\":299,\"unit\":\"s\"}",
	     4,
	     0,
	     {{"h1", "2024-05-01T10:05:00.000000Z", "2024-05-01T10:05:00.000000Z", 0},
	      {"h2", "2024-05-01T10:05:00.000000Z", "2024-05-01T10:05:00.000000Z", 0},
	      {"h1", "2024-05-01T10:10:00.000000Z", "2024-05-01T10:10:00.000000Z", 0},
	      {"h1", "2024-05-01T11:35:00.000000Z", "2024-05-01T11:35:00.000000Z", 0}}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		store_close(db);
		db = tu_new_case("rulefields");
		struct strbuf sb;
		strbuf_init(&sb, 2048);
		/* interval 5m, from now-6m: executions at 10:05, 10:10, ..., 11:35 */
		process_event(&sb, "p1", "2024-05-01T10:01:00Z", "h1"); /* 10:05: h1 counts 2 */
		process_event(&sb, "p2", "2024-05-01T10:02:00Z", "h1");
		process_event(&sb, "p3", "2024-05-01T10:03:00Z", "h2"); /* 10:05: h2 counts 2 */
		process_event(&sb, "p4", "2024-05-01T10:04:00Z", "h2");
		process_event(&sb, "p5", "2024-05-01T10:07:00Z", "h1"); /* 10:10: h1's next 2 */
		process_event(&sb, "p6", "2024-05-01T10:08:00Z", "h1");
		process_event(&sb, "p7", "2024-05-01T11:31:00Z", "h1"); /* 11:35 */
		process_event(&sb, "p8", "2024-05-01T11:32:00Z", "h1");
		ingest_text(sb.buf);
		strbuf_reset(&sb);
		strbuf_addf(&sb,
		            "{\"rule_id\":\"cb-th-sup\",\"name\":\"curl twice\",\"description\":\"d\",\"type\":"
		            "\"threshold\",\"query\":\"process.name:curl\",\"severity\":\"low\",\"risk_score\":21,"
		            "\"from\":\"now-6m\",\"threshold\":{\"field\":[\"host.name\"],\"value\":2},"
		            "\"alert_suppression\":{\"duration\":%s}}",
		            cases[i].duration);
		import_rule(sb.buf, NULL);
		strbuf_release(&sb);
		struct detect_totals t = run_detect("cb-th-sup");
		assert_int_equal(t.created, cases[i].created);
		assert_int_equal(t.grouped, cases[i].grouped);
		assert_int_equal(t.unapplied, 0);
		struct docs d = alert_docs();
		assert_int_equal(d.n, cases[i].created);
		for (size_t a = 0; a < d.n; a++) {
			char want[128];
			snprintf(want, sizeof(want), "[{\"field\":\"host.name\",\"value\":\"%s\"}]",
			         cases[i].alerts[a].host);
			assert_string_equal(terms_of(d.a[a]), want);
			assert_string_equal(str(d.a[a], "kibana.alert.suppression.start"), cases[i].alerts[a].start);
			assert_string_equal(str(d.a[a], "kibana.alert.suppression.end"), cases[i].alerts[a].end);
			assert_int_equal((int)num(d.a[a], "kibana.alert.suppression.docs_count"),
			                 cases[i].alerts[a].docs_count);
			assert_non_null(str(d.a[a], "kibana.alert.instance.id"));
		}
		/* the same group, the same instance: Kibana's instance id hashes the values and the rule */
		if (d.n == 3)
			assert_string_equal(str(d.a[0], "kibana.alert.instance.id"),
			                    str(d.a[2], "kibana.alert.instance.id"));
		docs_free(&d);
	}
}

/* A threshold rule's suppression is a duration, which Kibana's schema requires. */
static void test_threshold_suppression_needs_duration(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 256);
	process_event(&sb, "p1", "2024-05-01T10:01:00Z", "h1");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	import_rule("{\"rule_id\":\"cb-th-nodur\",\"name\":\"n\",\"description\":\"d\",\"type\":\"threshold\","
	            "\"query\":\"process.name:curl\",\"severity\":\"low\",\"risk_score\":21,\"threshold\":{\"field\":"
	            "[\"host.name\"],\"value\":1},\"alert_suppression\":{\"group_by\":[\"host.name\"]}}",
	            NULL);
	struct detect_totals t = run_detect("cb-th-nodur");
	assert_int_equal(t.skipped, 1);
	assert_int_equal(t.created, 0);
}

static void named_process(struct strbuf *sb, const char *id, const char *ts, const char *host, const char *name)
{
	strbuf_addf(sb,
	            "{\"_index\":\"logs-endpoint.events.process-default\",\"_id\":\"%s\",\"_source\":{\"@timestamp\":"
	            "\"%s\",\"event\":{\"category\":[\"process\"]},\"process\":{\"name\":\"%s\"},\"host\":{\"name\":"
	            "\"%s\"}}}\n",
	            id, ts, name, host);
}

/* A new case holding four processes on two hosts, executions at 10:05 and 10:10; sb is left
 * empty for the rule. */
static void fresh_case_of_four_processes(struct strbuf *sb)
{
	store_close(db);
	db = tu_new_case("rulefields");
	named_process(sb, "p1", "2024-05-01T10:01:00Z", "h1", "curl"); /* execution 10:05 */
	named_process(sb, "p2", "2024-05-01T10:02:00Z", "h1", "wget");
	named_process(sb, "p3", "2024-05-01T10:03:00Z", "h2", "ssh");
	named_process(sb, "p4", "2024-05-01T10:07:00Z", "h1", "nc"); /* execution 10:10 */
	ingest_text(sb->buf);
	strbuf_reset(sb);
}

/* New terms rules suppress in memory (Kibana 8.14 on: new_terms/create_new_terms_alert_type.ts
 * with bulkCreateWithSuppression; utils/wrap_suppressed_alerts.ts and suppression_utils.ts): each
 * new-term alert carries its event's group_by values, start = end = its event's time; an
 * execution's alerts of one group are one (suppressAlertsInMemory: the earliest, docs_count the
 * others, start the least, end the greatest); with a duration a later execution's join it. */
static void test_new_terms_suppression(void **state)
{
	(void)state;
	static const struct {
		const char *suppression;
		int created, grouped;
		struct {
			const char *host, *term, *start, *end;
			int docs_count;
		} alerts[3];
	} cases[] = {
	    /* per execution: 10:10's nc is an alert of its own */
	    {"{\"group_by\":[\"host.name\"]}",
	     3,
	     1,
	     {{"h1", "curl", "2024-05-01T10:01:00.000000Z", "2024-05-01T10:02:00.000000Z", 1},
	      {"h2", "ssh", "2024-05-01T10:03:00.000000Z", "2024-05-01T10:03:00.000000Z", 0},
	      {"h1", "nc", "2024-05-01T10:07:00.000000Z", "2024-05-01T10:07:00.000000Z", 0}}},
	    /* within an hour: nc joins h1's alert (10:02 >= 10:10 - 1h) */
	    {"{\"group_by\":[\"host.name\"],\"duration\":{\"value\":1,\"unit\":\"h\"}}",
	     2,
	     2,
	     {{"h1", "curl", "2024-05-01T10:01:00.000000Z", "2024-05-01T10:07:00.000000Z", 2},
	      {"h2", "ssh", "2024-05-01T10:03:00.000000Z", "2024-05-01T10:03:00.000000Z", 0}}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf sb;
		strbuf_init(&sb, 2048);
		fresh_case_of_four_processes(&sb);
		strbuf_addf(
		    &sb,
		    "{\"rule_id\":\"cb-nt-sup\",\"name\":\"new process\",\"description\":\"d\",\"type\":"
		    "\"new_terms\",\"query\":\"event.category:process\",\"new_terms_fields\":[\"process.name\"],"
		    "\"history_window_start\":\"now-1h\",\"severity\":\"low\",\"risk_score\":21,\"from\":"
		    "\"now-6m\",\"alert_suppression\":%s}",
		    cases[i].suppression);
		import_rule(sb.buf, NULL);
		strbuf_release(&sb);
		struct detect_totals t = run_detect("cb-nt-sup");
		assert_int_equal(t.created, cases[i].created);
		assert_int_equal(t.grouped, cases[i].grouped);
		assert_int_equal(t.unapplied, 0);
		struct docs d = alert_docs();
		assert_int_equal(d.n, cases[i].created);
		for (size_t a = 0; a < d.n; a++) {
			char want[128];
			snprintf(want, sizeof(want), "[{\"field\":\"host.name\",\"value\":\"%s\"}]",
			         cases[i].alerts[a].host);
			assert_string_equal(terms_of(d.a[a]), want);
			const cJSON *nt = cJSON_GetObjectItemCaseSensitive(d.a[a], "kibana.alert.new_terms");
			assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(nt, 0)), cases[i].alerts[a].term);
			assert_string_equal(str(d.a[a], "kibana.alert.suppression.start"), cases[i].alerts[a].start);
			assert_string_equal(str(d.a[a], "kibana.alert.suppression.end"), cases[i].alerts[a].end);
			assert_int_equal((int)num(d.a[a], "kibana.alert.suppression.docs_count"),
			                 cases[i].alerts[a].docs_count);
		}
		docs_free(&d);
	}
}

/* Each alert's suppression as "terms start end docs_count" (or "-" without), sorted, a line
 * each: the alerts of a rule whose order the store chooses. */
static void suppression_lines(struct strbuf *out)
{
	struct docs d = alert_docs();
	char *lines[16];
	for (size_t a = 0; a < d.n; a++) {
		struct strbuf l;
		strbuf_init(&l, 128);
		strbuf_addstr(&l, terms_of(d.a[a]));
		if (cJSON_GetObjectItemCaseSensitive(d.a[a], "kibana.alert.suppression.terms"))
			strbuf_addf(&l, " %s %s %d", str(d.a[a], "kibana.alert.suppression.start"),
			            str(d.a[a], "kibana.alert.suppression.end"),
			            (int)num(d.a[a], "kibana.alert.suppression.docs_count"));
		lines[a] = strbuf_detach(&l, NULL);
	}
	for (size_t i = 1; i < d.n; i++) /* insertion sort: a few lines */
		for (size_t k = i; k > 0 && strcmp(lines[k - 1], lines[k]) > 0; k--) {
			char *t = lines[k];
			lines[k] = lines[k - 1];
			lines[k - 1] = t;
		}
	strbuf_reset(out);
	for (size_t a = 0; a < d.n; a++) {
		strbuf_addf(out, "%s\n", lines[a]);
		free(lines[a]);
	}
	docs_free(&d);
}

/* Table case i: detect runs rule_id alone, creating and grouping exactly as many alerts as
 * the case says, applying every field, and its alerts' suppression fields read as lines. */
static void check_suppressed_alerts(size_t i, const char *rule_id, int created, int grouped, const char *lines,
                                    struct strbuf *sb)
{
	struct detect_totals t = run_detect(rule_id);
	if (t.created != (uint64_t)created || t.grouped != (uint64_t)grouped || t.unapplied != 0 || t.skipped != 0)
		fail_msg("case %zu: %llu created, %llu grouped, %llu unapplied, %llu skipped", i,
		         (unsigned long long)t.created, (unsigned long long)t.grouped, (unsigned long long)t.unapplied,
		         (unsigned long long)t.skipped);
	suppression_lines(sb);
	if (strcmp(sb->buf, lines))
		fail_msg("case %zu:\n%s", i, sb->buf);
}

/* ES|QL rules suppress in memory (Kibana 8.15 on: esql/esql.ts with
 * bulkCreateSuppressedAlertsInMemory, wrap_suppressed_esql_alerts.ts): group_by reads the
 * combined fields, the row's source event with the row's columns set (mergeEsqlResultInSource),
 * or an aggregate's row alone; start and end are getSuppressionAlertFields' time, the rule's time
 * field there, else the alert's time (its execution's); an execution's alerts of one group are
 * one, on its first row, docs_count the others; with a duration a later execution's join it. */
static void test_esql_suppression(void **state)
{
	(void)state;
	static const char *const rows = "FROM logs-endpoint.events.* METADATA _id | WHERE process.name IS NOT NULL";
	static const struct {
		const char *query, *suppression, *lines;
		int created, grouped;
	} cases[] = {
	    /* per execution: 10:10's nc is an alert of its own (as a new terms rule's) */
	    {rows, "{\"group_by\":[\"host.name\"]}",
	     "[{\"field\":\"host.name\",\"value\":\"h1\"}] 2024-05-01T10:01:00.000000Z 2024-05-01T10:02:00.000000Z 1\n"
	     "[{\"field\":\"host.name\",\"value\":\"h1\"}] 2024-05-01T10:07:00.000000Z 2024-05-01T10:07:00.000000Z 0\n"
	     "[{\"field\":\"host.name\",\"value\":\"h2\"}] 2024-05-01T10:03:00.000000Z 2024-05-01T10:03:00.000000Z 0\n",
	     3, 1},
	    /* within an hour: nc joins h1's alert (10:02 >= 10:10 - 1h) */
	    {rows, "{\"group_by\":[\"host.name\"],\"duration\":{\"value\":1,\"unit\":\"h\"}}",
	     "[{\"field\":\"host.name\",\"value\":\"h1\"}] 2024-05-01T10:01:00.000000Z 2024-05-01T10:07:00.000000Z 2\n"
	     "[{\"field\":\"host.name\",\"value\":\"h2\"}] 2024-05-01T10:03:00.000000Z 2024-05-01T10:03:00.000000Z 0\n",
	     2, 2},
	    /* a column the query computed is a field of the combined document */
	    {"FROM logs-endpoint.events.* METADATA _id | EVAL kind = CASE(process.name == \\\"ssh\\\", \\\"remote\\\", "
	     "\\\"local\\\")",
	     "{\"group_by\":[\"kind\"]}",
	     "[{\"field\":\"kind\",\"value\":\"local\"}] 2024-05-01T10:01:00.000000Z 2024-05-01T10:02:00.000000Z 1\n"
	     "[{\"field\":\"kind\",\"value\":\"local\"}] 2024-05-01T10:07:00.000000Z 2024-05-01T10:07:00.000000Z 0\n"
	     "[{\"field\":\"kind\",\"value\":\"remote\"}] 2024-05-01T10:03:00.000000Z 2024-05-01T10:03:00.000000Z 0\n",
	     3, 1},
	    /* doNotSuppress: a row without the field alerts alone, without suppression fields */
	    {rows, "{\"group_by\":[\"user.name\"],\"missing_fields_strategy\":\"doNotSuppress\"}", "-\n-\n-\n-\n", 4,
	     0},
	    /* an aggregate's row has no time field: the alert's, its execution's (10:05, 10:10) */
	    {"FROM logs-* | STATS c = COUNT(*) BY host.name", "{\"group_by\":[\"host.name\"]}",
	     "[{\"field\":\"host.name\",\"value\":\"h1\"}] 2024-05-01T10:05:00.000000Z 2024-05-01T10:05:00.000000Z 0\n"
	     "[{\"field\":\"host.name\",\"value\":\"h1\"}] 2024-05-01T10:10:00.000000Z 2024-05-01T10:10:00.000000Z 0\n"
	     "[{\"field\":\"host.name\",\"value\":\"h2\"}] 2024-05-01T10:05:00.000000Z 2024-05-01T10:05:00.000000Z 0\n",
	     3, 0},
	    {"FROM logs-* | STATS c = COUNT(*) BY host.name",
	     "{\"group_by\":[\"host.name\"],\"duration\":{\"value\":1,\"unit\":\"h\"}}",
	     "[{\"field\":\"host.name\",\"value\":\"h1\"}] 2024-05-01T10:05:00.000000Z 2024-05-01T10:10:00.000000Z 1\n"
	     "[{\"field\":\"host.name\",\"value\":\"h2\"}] 2024-05-01T10:05:00.000000Z 2024-05-01T10:05:00.000000Z 0\n",
	     2, 1},
	    /* an aggregate that keeps a time column: start and end are its */
	    {"FROM logs-* | STATS c = COUNT(*), @timestamp = MAX(@timestamp) BY host.name",
	     "{\"group_by\":[\"host.name\"],\"duration\":{\"value\":1,\"unit\":\"h\"}}",
	     "[{\"field\":\"host.name\",\"value\":\"h1\"}] 2024-05-01T10:02:00.000000Z 2024-05-01T10:07:00.000000Z 1\n"
	     "[{\"field\":\"host.name\",\"value\":\"h2\"}] 2024-05-01T10:03:00.000000Z 2024-05-01T10:03:00.000000Z 0\n",
	     2, 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf sb;
		strbuf_init(&sb, 2048);
		fresh_case_of_four_processes(&sb);
		strbuf_addf(
		    &sb,
		    "{\"rule_id\":\"cb-esql-sup\",\"name\":\"processes\",\"description\":\"d\",\"type\":\"esql\","
		    "\"language\":\"esql\",\"query\":\"%s\",\"severity\":\"low\",\"risk_score\":21,\"interval\":"
		    "\"5m\",\"from\":\"now-6m\",\"alert_suppression\":%s}",
		    cases[i].query, cases[i].suppression);
		import_rule(sb.buf, NULL);
		check_suppressed_alerts(i, "cb-esql-sup", cases[i].created, cases[i].grouped, cases[i].lines, &sb);
		strbuf_release(&sb);
	}
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ES|QL alerts take the overrides (wrap_esql_alerts.ts: transformHitToAlert with applyOverrides)
 * from the hit's _source: a source row's event with the row's columns set over it, an
 * aggregating row alone (esql.ts, mergeEsqlResultInSource). Processes curl and wget on h1, ssh
 * on h2 (rule.name "r-" and the process), one execution (10:05); the rule's own: low, 21, "processes". Each alert as
 * "severity risk name | reason", sorted. */
static void test_esql_overrides(void **state)
{
	(void)state;
	static const char *const source = "FROM logs-endpoint.events.* METADATA _id";
	/* (no column the reason reads, which Kibana's reason would read from the row) */
	static const char *const counted =
	    "FROM logs-* | EVAL h = host.name | STATS c = COUNT(*) BY h | EVAL score = c * 30";
	static const struct {
		const char *query, *overrides, *lines;
	} cases[] = {
	    /* a column the row computed sets the severity */
	    {source,
	     "\"severity_mapping\":[{\"field\":\"level\",\"operator\":\"equals\",\"value\":\"bad\",\"severity\":"
	     "\"critical\"}]",
	     "critical 21 processes | process event with process ssh, on h2 created critical alert processes.\n"
	     "low 21 processes | process event with process curl, on h1 created low alert processes.\n"
	     "low 21 processes | process event with process wget, on h1 created low alert processes.\n"},
	    /* a column named as a field replaces it; a null column leaves the event's (ssh's) */
	    {source,
	     "\"rule_name_override\":\"rule.name\",\"risk_score_mapping\":[{\"field\":\"event.risk_score\","
	     "\"operator\":\"equals\",\"value\":\"\"}]",
	     "low 21 r-ssh | process event with process ssh, on h2 created low alert r-ssh.\n"
	     "low 80 h1! | process event with process curl, on h1 created low alert h1!.\n"
	     "low 80 h1! | process event with process wget, on h1 created low alert h1!.\n"},
	    /* an aggregate's columns give the risk score, the name and the severity */
	    {counted,
	     "\"risk_score_mapping\":[{\"field\":\"score\",\"operator\":\"equals\",\"value\":\"\"}],"
	     "\"rule_name_override\":\"h\",\"severity_mapping\":[{\"field\":\"h\",\"operator\":"
	     "\"equals\",\"value\":\"h2\",\"severity\":\"high\"}]",
	     "high 30 h2 | event created high alert h2.\n"
	     "low 60 h1 | event created low alert h1.\n"},
	    /* suppressed alerts too (wrap_suppressed_esql_alerts.ts): h1's are one, on curl's row */
	    {source,
	     "\"severity_mapping\":[{\"field\":\"level\",\"operator\":\"equals\",\"value\":\"bad\",\"severity\":"
	     "\"critical\"}],\"alert_suppression\":{\"group_by\":[\"host.name\"]}",
	     "critical 21 processes | process event with process ssh, on h2 created critical alert processes.\n"
	     "low 21 processes | process event with process curl, on h1 created low alert processes.\n"},
	    /* mappings that match nothing leave the rule's own */
	    {source,
	     "\"severity_mapping\":[{\"field\":\"level\",\"operator\":\"equals\",\"value\":\"worse\",\"severity\":"
	     "\"high\"}],\"risk_score_mapping\":[{\"field\":\"missing\",\"operator\":\"equals\",\"value\":\"\"}],"
	     "\"rule_name_override\":\"absent\"",
	     "low 21 processes | process event with process curl, on h1 created low alert processes.\n"
	     "low 21 processes | process event with process ssh, on h2 created low alert processes.\n"
	     "low 21 processes | process event with process wget, on h1 created low alert processes.\n"},
	    /* an aggregate's: a count is not a string to name the rule, a host not a score */
	    {counted,
	     "\"rule_name_override\":\"c\",\"risk_score_mapping\":[{\"field\":\"h\",\"operator\":\"equals\","
	     "\"value\":\"\"}]",
	     "low 21 processes | event created low alert processes.\n"
	     "low 21 processes | event created low alert processes.\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		store_close(db);
		db = tu_new_case("rulefields");
		struct strbuf sb;
		strbuf_init(&sb, 2048);
		static const char *const procs[][3] = {
		    {"10:01", "h1", "curl"}, {"10:02", "h1", "wget"}, {"10:03", "h2", "ssh"}};
		for (size_t k = 0; k < 3; k++)
			strbuf_addf(
			    &sb,
			    "{\"_index\":\"logs-endpoint.events.process-default\",\"_id\":\"p%zu\",\"_source\":{"
			    "\"@timestamp\":\"2024-05-01T%s:00Z\",\"event\":{\"category\":[\"process\"]},\"process\":{"
			    "\"name\":\"%s\"},\"host\":{\"name\":\"%s\"},\"rule\":{\"name\":\"r-%s\"}}}\n",
			    k, procs[k][0], procs[k][2], procs[k][1], procs[k][2]);
		ingest_text(sb.buf);
		strbuf_reset(&sb);
		const char *evals = cases[i].query == source
		                        ? " | EVAL level = CASE(process.name == \\\"ssh\\\", \\\"bad\\\", \\\"ok\\\"), "
		                          "event.risk_score = CASE(host.name == \\\"h1\\\", 80, 120), rule.name = "
		                          "CASE(process.name != \\\"ssh\\\", CONCAT(host.name, \\\"!\\\"))"
		                        : "";
		strbuf_addf(
		    &sb,
		    "{\"rule_id\":\"cb-esql-ov\",\"name\":\"processes\",\"description\":\"d\",\"type\":\"esql\","
		    "\"language\":\"esql\",\"query\":\"%s%s\",\"severity\":\"low\",\"risk_score\":21,\"interval\":"
		    "\"5m\",\"from\":\"now-6m\",%s}",
		    cases[i].query, evals, cases[i].overrides);
		import_rule(sb.buf, NULL);
		struct detect_totals t = run_detect("cb-esql-ov");
		if (t.unapplied != 0 || t.skipped != 0)
			fail_msg("case %zu: %llu unapplied, %llu skipped", i, (unsigned long long)t.unapplied,
			         (unsigned long long)t.skipped);
		struct docs d = alert_docs();
		char *lines[16];
		for (size_t k = 0; k < d.n; k++) {
			strbuf_reset(&sb);
			strbuf_addf(&sb, "%s %g %s | %s\n", str(d.a[k], "kibana.alert.severity"),
			            num(d.a[k], "kibana.alert.risk_score"), str(d.a[k], "kibana.alert.rule.name"),
			            str(d.a[k], "kibana.alert.reason"));
			lines[k] = strbuf_detach(&sb, NULL);
			strbuf_init(&sb, 256);
		}
		qsort(lines, d.n, sizeof(*lines), by_text);
		strbuf_reset(&sb);
		for (size_t k = 0; k < d.n; k++) {
			strbuf_addstr(&sb, lines[k]);
			free(lines[k]);
		}
		if (strcmp(sb.buf, cases[i].lines))
			fail_msg("case %zu:\n%s", i, sb.buf);
		docs_free(&d);
		strbuf_release(&sb);
	}
}

/* Three processes for the ES|QL tests below: curl by alice and wget by bob on h1, ssh on h2
 * (no user), at 10:01-10:03, tags ["b", "a", "b"]; then the rule over QUERY (name "processes",
 * severity low, one execution at 10:05) and its alerts' documents. */
static struct docs esql_alerts(const char *query)
{
	store_close(db);
	db = tu_new_case("rulefields");
	struct strbuf sb;
	strbuf_init(&sb, 2048);
	static const char *const procs[][4] = {{"10:01", "h1", "curl", ",\"user\":{\"name\":\"alice\"}"},
	                                       {"10:02", "h1", "wget", ",\"user\":{\"name\":\"bob\"}"},
	                                       {"10:03", "h2", "ssh", ""}};
	for (size_t k = 0; k < 3; k++)
		strbuf_addf(&sb,
		            "{\"_index\":\"logs-endpoint.events.process-default\",\"_id\":\"p%zu\",\"_source\":{"
		            "\"@timestamp\":\"2024-05-01T%s:00Z\",\"event\":{\"category\":[\"process\"],\"kind\":"
		            "\"event\"},\"process\":{\"name\":\"%s\"},\"host\":{\"name\":\"%s\"},\"tags\":[\"b\",\"a\","
		            "\"b\"]%s}}\n",
		            k, procs[k][0], procs[k][2], procs[k][1], procs[k][3]);
	ingest_text(sb.buf);
	strbuf_reset(&sb);
	strbuf_addf(&sb,
	            "{\"rule_id\":\"cb-esql-reason\",\"name\":\"processes\",\"description\":\"d\",\"type\":\"esql\","
	            "\"language\":\"esql\",\"query\":\"%s\",\"severity\":\"low\",\"risk_score\":21,\"interval\":"
	            "\"5m\",\"from\":\"now-6m\"}",
	            query);
	import_rule(sb.buf, NULL);
	strbuf_release(&sb);
	struct detect_totals t = run_detect("cb-esql-reason");
	if (t.skipped != 0)
		fail_msg("%s: skipped", query);
	return alert_docs();
}

/* An ES|QL alert's reason is Kibana's template (buildReasonMessageForNewTermsAlert, which
 * wrap_esql_alerts.ts passes to transformHitToAlert) over the hit's _source: a source row's
 * event with the answer's columns set over it (mergeEsqlResultInSource), an aggregate's row
 * alone. The reasons, sorted, one a line. */
static void test_esql_reason(void **state)
{
	(void)state;
	static const struct {
		const char *query, *reasons;
	} cases[] = {
	    /* the source event's fields */
	    {"FROM logs-* METADATA _id",
	     "process event with process curl, by alice on h1 created low alert processes.\n"
	     "process event with process ssh, on h2 created low alert processes.\n"
	     "process event with process wget, by bob on h1 created low alert processes.\n"},
	    /* a column named as a reason field replaces the event's */
	    {"FROM logs-* METADATA _id | EVAL host.name = CONCAT(host.name, \\\"-x\\\"), file.name = \\\"f\\\"",
	     "process event with process curl, file f, by alice on h1-x created low alert processes.\n"
	     "process event with process ssh, file f, on h2-x created low alert processes.\n"
	     "process event with process wget, file f, by bob on h1-x created low alert processes.\n"},
	    /* DROP and KEEP take columns out of the answer, not fields out of the source */
	    {"FROM logs-* METADATA _id | DROP user.name | KEEP _id, process.name",
	     "process event with process curl, by alice on h1 created low alert processes.\n"
	     "process event with process ssh, on h2 created low alert processes.\n"
	     "process event with process wget, by bob on h1 created low alert processes.\n"},
	    /* rows without _id (KEEP left it out) have no source event: the row alone, as
	     * esql.ts fetches no document for them */
	    {"FROM logs-* METADATA _id | KEEP process.name", "event with process curl, created low alert processes.\n"
	                                                     "event with process ssh, created low alert processes.\n"
	                                                     "event with process wget, created low alert processes.\n"},
	    /* an aggregate's row: only its columns */
	    {"FROM logs-* | STATS c = COUNT(*) BY host.name", "event on h1 created low alert processes.\n"
	                                                      "event on h2 created low alert processes.\n"},
	    {"FROM logs-* | STATS process.name = MIN(process.name) BY host.name, event.category",
	     "process event with process curl, on h1 created low alert processes.\n"
	     "process event with process ssh, on h2 created low alert processes.\n"},
	    /* a number (a port) has no length in Kibana's template: left out */
	    {"FROM logs-* | STATS source.port = COUNT(*) BY host.name | EVAL source.ip = \\\"10.0.0.1\\\"",
	     "event with source 10.0.0.1 on h1 created low alert processes.\n"
	     "event with source 10.0.0.1 on h2 created low alert processes.\n"},
	    /* a multi-valued column's values joined by ", " */
	    {"FROM logs-* | STATS c = COUNT(*) BY host.name | EVAL user.name = MV_APPEND(\\\"x\\\", \\\"y\\\")",
	     "event by x, y on h1 created low alert processes.\n"
	     "event by x, y on h2 created low alert processes.\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct docs d = esql_alerts(cases[i].query);
		char *lines[16];
		struct strbuf sb;
		strbuf_init(&sb, 256);
		for (size_t k = 0; k < d.n; k++) {
			const char *reason = str(d.a[k], "kibana.alert.reason");
			lines[k] = xstrdup(reason ? reason : "(none)");
		}
		qsort(lines, d.n, sizeof(*lines), by_text);
		for (size_t k = 0; k < d.n; k++) {
			strbuf_addf(&sb, "%s\n", lines[k]);
			free(lines[k]);
		}
		if (strcmp(sb.buf, cases[i].reasons))
			fail_msg("case %zu:\n%s", i, sb.buf);
		docs_free(&d);
		strbuf_release(&sb);
	}
}

/* The alert on a source row is that hit's _source (esql.ts: mergeEsqlResultInSource over
 * rowToDocument, then transformHitToAlert): every non-null column of the answer — the event's
 * own fields as ES|QL reads them too — set by its dotted name, the nested field it names
 * removed first; event.kind Kibana's "signal". Each case: the member of curl's alert and its
 * JSON ("-" when absent). */
static void test_esql_alert_source(void **state)
{
	(void)state;
	static const char *const plain = "FROM logs-* METADATA _id";
	static const char *const renamed = "FROM logs-* METADATA _id | EVAL host.name = \\\"h9\\\", risk = 5";
	static const char *const kept = "FROM logs-* METADATA _id | KEEP _id, host.name";
	static const struct {
		const char *query, *member, *json;
	} cases[] = {
	    /* a keyword's values as doc values hold them: sorted, each once */
	    {plain, "tags", "[\"a\",\"b\"]"},
	    /* one value is one value, not an array */
	    {plain, "event.category", "\"process\""},
	    {plain, "host.name", "\"h1\""},
	    {plain, "host", "-"},
	    {plain, "event", "{\"kind\":\"signal\"}"},
	    {plain, "event.kind", "-"},
	    {renamed, "host.name", "\"h9\""},
	    {renamed, "risk", "5"},
	    /* the answer's columns alone are set: the rest stays as the event has it */
	    {kept, "host.name", "\"h1\""},
	    {kept, "host", "-"},
	    {kept, "tags", "[\"b\",\"a\",\"b\"]"},
	    {kept, "process", "{\"name\":\"curl\"}"},
	    {kept, "event", "{\"category\":[\"process\"],\"kind\":\"signal\"}"},
	    /* _id, _index and _version are the hit's, not its fields */
	    {kept, "_id", "-"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct docs d = esql_alerts(cases[i].query);
		const cJSON *curl = NULL;
		for (size_t k = 0; k < d.n && !curl; k++) {
			const cJSON *p = cJSON_GetObjectItemCaseSensitive(d.a[k], "process.name");
			const cJSON *nested = cJSON_GetObjectItemCaseSensitive(d.a[k], "process");
			if (!p)
				p = cJSON_GetObjectItemCaseSensitive(nested, "name");
			if (cJSON_IsString(p) && !strcmp(p->valuestring, "curl"))
				curl = d.a[k];
		}
		assert_non_null(curl);
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(curl, cases[i].member);
		char *text = m ? cJSON_PrintUnformatted(m) : NULL;
		if (strcmp(text ? text : "-", cases[i].json))
			fail_msg("case %zu: %s is %s, not %s", i, cases[i].member, text ? text : "-", cases[i].json);
		cJSON_free(text);
		docs_free(&d);
	}
}

/* An aggregating row's alert is its non-null columns (rowToDocument drops nulls), the alert's
 * own @timestamp, and kibana.alert.original_time from the row's @timestamp when it has one
 * (build_alert.ts: getValidDateFromDoc), else none. Each case: the member of h1's alert. */
static void test_esql_aggregate_alert(void **state)
{
	(void)state;
	static const char *const counted = "FROM logs-* | STATS c = COUNT(*), u = MAX(user.name) BY host.name";
	static const char *const timed = "FROM logs-* | STATS @timestamp = MAX(@timestamp) BY host.name";
	static const struct {
		const char *query, *member, *json;
	} cases[] = {
	    {counted, "c", "2"},
	    {counted, "u", "\"bob\""},
	    {counted, "kibana.alert.original_time", "-"},
	    {counted, "event", "{\"kind\":\"signal\"}"},
	    {timed, "kibana.alert.original_time", "\"2024-05-01T10:02:00.000000Z\""},
	    {timed, "@timestamp", "\"2026-01-01T00:00:00.000000Z\""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct docs d = esql_alerts(cases[i].query);
		const cJSON *h1 = NULL;
		for (size_t k = 0; k < d.n && !h1; k++)
			if (str(d.a[k], "host.name") && !strcmp(str(d.a[k], "host.name"), "h1"))
				h1 = d.a[k];
		assert_non_null(h1);
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(h1, cases[i].member);
		char *text = m ? cJSON_PrintUnformatted(m) : NULL;
		if (strcmp(text ? text : "-", cases[i].json))
			fail_msg("case %zu: %s is %s, not %s", i, cases[i].member, text ? text : "-", cases[i].json);
		cJSON_free(text);
		docs_free(&d);
	}
}

/* EQL sequences suppress in memory (Kibana: bulkCreateSuppressedSequencesInMemory,
 * buildShellAlertSuppressionTermsAndFields): group_by reads the shell alert, whose fields are
 * those all the sequence's events share (objectArrayIntersection), so a field the events differ
 * in is missing; start and end are the shell alert's time (its execution's); an execution's
 * sequences of one group are one alert, docs_count the others; with a duration a later
 * execution's join it. Sequences a-then-b by host: h1 at 10:01-10:02 and 10:02:30-10:03, h2 at
 * 10:03-10:04 (execution 10:05), h1 again at 10:07-10:08 (execution 10:10). */
static void test_eql_sequence_suppression(void **state)
{
	(void)state;
	static const struct {
		const char *suppression, *lines;
		int created, grouped;
	} cases[] = {
	    {"{\"group_by\":[\"host.name\"]}",
	     "[{\"field\":\"host.name\",\"value\":\"h1\"}] 2024-05-01T10:05:00.000000Z 2024-05-01T10:05:00.000000Z 1\n"
	     "[{\"field\":\"host.name\",\"value\":\"h1\"}] 2024-05-01T10:10:00.000000Z 2024-05-01T10:10:00.000000Z 0\n"
	     "[{\"field\":\"host.name\",\"value\":\"h2\"}] 2024-05-01T10:05:00.000000Z 2024-05-01T10:05:00.000000Z 0\n",
	     3, 1},
	    {"{\"group_by\":[\"host.name\"],\"duration\":{\"value\":1,\"unit\":\"h\"}}",
	     "[{\"field\":\"host.name\",\"value\":\"h1\"}] 2024-05-01T10:05:00.000000Z 2024-05-01T10:10:00.000000Z 2\n"
	     "[{\"field\":\"host.name\",\"value\":\"h2\"}] 2024-05-01T10:05:00.000000Z 2024-05-01T10:05:00.000000Z 0\n",
	     2, 2},
	    /* the events' process.name differ: the shell alert has none, a null group of its own */
	    {"{\"group_by\":[\"process.name\"]}",
	     "[{\"field\":\"process.name\",\"value\":null}] 2024-05-01T10:05:00.000000Z 2024-05-01T10:05:00.000000Z 2\n"
	     "[{\"field\":\"process.name\",\"value\":null}] 2024-05-01T10:10:00.000000Z 2024-05-01T10:10:00.000000Z "
	     "0\n",
	     2, 2},
	    {"{\"group_by\":[\"process.name\"],\"missing_fields_strategy\":\"doNotSuppress\"}", "-\n-\n-\n-\n", 4, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		store_close(db);
		db = tu_new_case("rulefields");
		struct strbuf sb;
		strbuf_init(&sb, 2048);
		named_process(&sb, "p1", "2024-05-01T10:01:00Z", "h1", "a");
		named_process(&sb, "p2", "2024-05-01T10:02:00Z", "h1", "b");
		named_process(&sb, "p3", "2024-05-01T10:02:30Z", "h1", "a");
		named_process(&sb, "p4", "2024-05-01T10:03:00Z", "h1", "b");
		named_process(&sb, "p5", "2024-05-01T10:03:10Z", "h2", "a");
		named_process(&sb, "p6", "2024-05-01T10:04:00Z", "h2", "b");
		named_process(&sb, "p7", "2024-05-01T10:07:00Z", "h1", "a");
		named_process(&sb, "p8", "2024-05-01T10:08:00Z", "h1", "b");
		ingest_text(sb.buf);
		strbuf_reset(&sb);
		strbuf_addf(
		    &sb,
		    "{\"rule_id\":\"cb-seq-sup\",\"name\":\"a then b\",\"description\":\"d\",\"type\":\"eql\","
		    "\"language\":\"eql\",\"query\":\"sequence by host.name [process where process.name == "
		    "\\\"a\\\"] [process where process.name == \\\"b\\\"]\",\"severity\":\"low\",\"risk_score\":21,"
		    "\"interval\":\"5m\",\"from\":\"now-6m\",\"alert_suppression\":%s}",
		    cases[i].suppression);
		import_rule(sb.buf, NULL);
		check_suppressed_alerts(i, "cb-seq-sup", cases[i].created, cases[i].grouped, cases[i].lines, &sb);
		strbuf_release(&sb);
	}
}

/* ---- other fields ---- */

static void test_building_block_and_max_signals(void **state)
{
	(void)state;
	cJSON *obj = cJSON_Parse("{\"rule_id\":\"x\",\"name\":\"n\",\"description\":\"d\",\"risk_score\":1,"
	                         "\"severity\":\"low\",\"type\":\"query\",\"query\":\"a:b\",\"max_signals\":5000}");
	struct rule r;
	char why[200];
	assert_int_equal(rule_from_json(obj, &r, why, sizeof(why)), 0);
	assert_int_equal(r.max_signals, 1000); /* xpack.alerting.rules.run.alerts.max */
	rule_release(&r);
	cJSON_Delete(obj);
	struct strbuf sb;
	strbuf_init(&sb, 512);
	process_event(&sb, "p1", "2024-05-01T10:05:10Z", "h1");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	import_rule("{\"rule_id\":\"cb-bb\",\"name\":\"bb\",\"description\":\"d\",\"type\":\"query\",\"query\":"
	            "\"process.name:curl\",\"severity\":\"low\",\"risk_score\":21,\"building_block_type\":\"default\"}",
	            NULL);
	run_detect("cb-bb");
	struct docs d = alert_docs();
	assert_int_equal(d.n, 1);
	assert_string_equal(str(d.a[0], "kibana.alert.building_block_type"), "default");
	docs_free(&d);
}

static void test_fallback_disabled(void **state)
{
	(void)state;
	ingest_text("{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"with\",\"ingested\":"
	            "\"2024-05-01T10:00:30Z\"},\"process\":{\"name\":\"curl\"}}\n"
	            "{\"@timestamp\":\"2024-05-01T10:01:00Z\",\"event\":{\"id\":\"without\"},\"process\":{\"name\":"
	            "\"curl\"}}\n");
	import_rule("[{\"rule_id\":\"fb-on\",\"name\":\"a\",\"description\":\"d\",\"type\":\"query\",\"query\":"
	            "\"process.name:curl\",\"severity\":\"low\",\"risk_score\":21,\"timestamp_override\":"
	            "\"event.ingested\"},{\"rule_id\":\"fb-off\",\"name\":\"b\",\"description\":\"d\",\"type\":"
	            "\"query\",\"query\":\"process.name:curl\",\"severity\":\"low\",\"risk_score\":21,"
	            "\"timestamp_override\":\"event.ingested\",\"timestamp_override_fallback_disabled\":true}]",
	            NULL);
	assert_int_equal(run_detect("fb-on").created, 2);  /* the one without falls back to @timestamp */
	assert_int_equal(run_detect("fb-off").created, 1); /* not searched */
}

static int add_event_id(void *ctx, const struct alert_row *a)
{
	cJSON *doc = cJSON_Parse(a->doc);
	const cJSON *anc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.ancestors"), 0);
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(anc, "id"));
	struct strbuf *sb = ctx;
	strbuf_addf(sb, "%s%s", sb->len ? " " : "", id ? id : "-");
	cJSON_Delete(doc);
	return 0;
}

/* timestamp_override on any field (Kibana's buildTimeRangeFilter and the executors' sort): an
 * execution searches the override field's window, or @timestamp's for an event without the
 * field, unless timestamp_override_fallback_disabled; casebook reads the field from each
 * document. Three executions (10:15, 10:20, 10:25, interval 5m, from now-6m) over: a, created at
 * 10:20 with @timestamp 10:00; b, no event.created, @timestamp 10:20; c, created at 09:00 with
 * @timestamp 10:20. */
static void test_timestamp_override_any_field(void **state)
{
	(void)state;
	ingest_text("{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"a\",\"created\":"
	            "\"2024-05-01T10:20:00Z\"},\"process\":{\"name\":\"curl\"}}\n"
	            "{\"@timestamp\":\"2024-05-01T10:20:00Z\",\"event\":{\"id\":\"b\"},\"process\":{\"name\":"
	            "\"curl\"}}\n"
	            "{\"@timestamp\":\"2024-05-01T10:20:00Z\",\"event\":{\"id\":\"c\",\"created\":"
	            "\"2024-05-01T09:00:00Z\"},\"process\":{\"name\":\"curl\"}}\n");
	static const struct {
		const char *type, *fields, *alerted;
	} cases[] = {
	    {"\"query\",\"query\":\"process.name:curl\"", "", "b c"}, /* @timestamp */
	    {"\"query\",\"query\":\"process.name:curl\"", ",\"timestamp_override\":\"event.created\"", "a b"},
	    {"\"query\",\"query\":\"process.name:curl\"",
	     ",\"timestamp_override\":\"event.created\",\"timestamp_override_fallback_disabled\":true", "a"},
	    {"\"query\",\"query\":\"process.name:curl\"", ",\"timestamp_override\":\"@timestamp\"", "b c"},
	    {"\"eql\",\"language\":\"eql\",\"query\":\"any where process.name == \\\"curl\\\"\"",
	     ",\"timestamp_override\":\"event.created\"", "a b"},
	    {"\"esql\",\"language\":\"esql\",\"query\":\"FROM * METADATA _id | WHERE process.name == \\\"curl\\\"\"",
	     ",\"timestamp_override\":\"event.created\"", "a b"},
	    /* new terms: the history window too is on the override (c's term is its own) */
	    {"\"new_terms\",\"query\":\"process.name:curl\",\"new_terms_fields\":[\"event.id\"],"
	     "\"history_window_start\":\"now-1h\"",
	     ",\"timestamp_override\":\"event.created\"", "a b"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char rule[640], id[16];
		snprintf(id, sizeof(id), "ts-%zu", i);
		snprintf(rule, sizeof(rule),
		         "{\"rule_id\":\"%s\",\"name\":\"%s\",\"description\":\"d\",\"type\":%s,\"severity\":\"low\","
		         "\"risk_score\":21,\"interval\":\"5m\",\"from\":\"now-6m\"%s}",
		         id, id, cases[i].type, cases[i].fields);
		import_rule(rule, NULL);
		struct detect_options o = {.rule_id = id, .now_us = NOW, .has_range = 1};
		assert_int_equal(time_parse_iso8601("2024-05-01T10:15:00Z", 20, &o.from, NULL), 0);
		assert_int_equal(time_parse_iso8601("2024-05-01T10:25:00Z", 20, &o.to, NULL), 0);
		struct detect_totals t;
		assert_int_equal(detect_run(db, &o, &t), 0);
		struct strbuf got;
		strbuf_init(&got, 64);
		struct alert_query q = {.rule_id = id};
		assert_int_equal(store_alerts_each(db, &q, add_event_id, &got), 0);
		char ids[64];
		snprintf(ids, sizeof(ids), "%s", got.buf);
		strbuf_release(&got);
		for (size_t a = 0; ids[a]; a += 2) /* one-letter ids: sorted */
			for (size_t b = a + 2; b < strlen(ids); b += 2)
				if (ids[b] < ids[a]) {
					char c = ids[a];
					ids[a] = ids[b];
					ids[b] = c;
				}
		if (t.skipped || strcmp(ids, cases[i].alerted))
			fail_msg("case %zu: \"%s\" (%llu skipped)", i, ids, (unsigned long long)t.skipped);
	}
	/* without a range, the executions follow the override's span: d, created two hours after the
	 * last @timestamp, is seen; then e, ingested later, by the next detect alone */
	ingest_text("{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"d\",\"created\":"
	            "\"2024-05-01T12:20:00Z\"},\"process\":{\"name\":\"wget\"}}\n");
	import_rule("{\"rule_id\":\"ts-span\",\"name\":\"s\",\"description\":\"d\",\"type\":\"query\",\"query\":"
	            "\"process.name:wget\",\"severity\":\"low\",\"risk_score\":21,\"interval\":\"5m\",\"from\":"
	            "\"now-6m\",\"timestamp_override\":\"event.created\"}",
	            NULL);
	assert_int_equal(run_detect("ts-span").created, 1);
	ingest_text("{\"@timestamp\":\"2024-05-01T09:00:00Z\",\"event\":{\"id\":\"e\",\"created\":"
	            "\"2024-05-01T13:00:00Z\"},\"process\":{\"name\":\"wget\"}}\n");
	struct detect_totals t = run_detect("ts-span");
	assert_int_equal(t.created, 1);
	assert_int_equal(t.executions, 1); /* 13:00 alone: the span of what is new */
}

/* tiebreaker_field on an EQL sequence (Kibana passes it as the EQL search's tiebreaker_field;
 * Elasticsearch's Ordinal.compareTo): events of equal @timestamp are ordered by it, a value
 * before none, numbers as numbers and keywords as strings, then in document order. Two events
 * at the same instant, in ingest order, against [process where name a] [process where name b]. */
static void test_eql_tiebreaker(void **state)
{
	(void)state;
	static const struct {
		const char *first, *first_extra, *second, *second_extra, *tiebreaker;
		int alerts;
	} cases[] = {
	    {"b", ",\"sequence\":2", "a", ",\"sequence\":1", NULL, 0},              /* ingest order: b, a */
	    {"b", ",\"sequence\":2", "a", ",\"sequence\":1", "event.sequence", 1},  /* a (1), b (2) */
	    {"a", "", "b", ",\"sequence\":5", NULL, 1},                             /* a, b */
	    {"a", "", "b", ",\"sequence\":5", "event.sequence", 0},                 /* b (5), a (none) */
	    {"a", ",\"sequence\":10", "b", ",\"sequence\":9", "event.sequence", 0}, /* 9 < 10: b, a */
	    {"a", ",\"tick\":\"x10\"", "b", ",\"tick\":\"x9\"", "event.tick", 1},   /* "x10" < "x9": a, b */
	    {"a", ",\"sequence\":3", "b", ",\"sequence\":3", "event.sequence", 1},  /* equal: ingest order */
	    {"b", ",\"sequence\":3", "a", ",\"sequence\":3", "event.sequence", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		store_close(db);
		db = tu_new_case("rulefields");
		char events[1024], rule[768], tb[64] = "";
		snprintf(events, sizeof(events),
		         "{\"@timestamp\":\"2024-05-01T10:01:00Z\",\"host\":{\"id\":\"h\"},\"event\":{\"id\":\"e1\","
		         "\"category\":[\"process\"]%s},\"process\":{\"name\":\"%s\"}}\n"
		         "{\"@timestamp\":\"2024-05-01T10:01:00Z\",\"host\":{\"id\":\"h\"},\"event\":{\"id\":\"e2\","
		         "\"category\":[\"process\"]%s},\"process\":{\"name\":\"%s\"}}\n",
		         cases[i].first_extra, cases[i].first, cases[i].second_extra, cases[i].second);
		if (cases[i].tiebreaker)
			snprintf(tb, sizeof(tb), ",\"tiebreaker_field\":\"%s\"", cases[i].tiebreaker);
		snprintf(
		    rule, sizeof(rule),
		    "{\"rule_id\":\"tb\",\"name\":\"tb\",\"description\":\"d\",\"type\":\"eql\",\"language\":\"eql\","
		    "\"query\":\"sequence by host.id [process where process.name == \\\"a\\\"] [process where "
		    "process.name == \\\"b\\\"]\",\"severity\":\"low\",\"risk_score\":21%s}",
		    tb);
		ingest_text(events);
		import_rule(rule, NULL);
		struct detect_totals t = run_detect("tb");
		if (t.created != (uint64_t)cases[i].alerts || t.skipped || t.unapplied)
			fail_msg("case %zu: %llu alerts, %llu skipped, %llu unapplied", i,
			         (unsigned long long)t.created, (unsigned long long)t.skipped,
			         (unsigned long long)t.unapplied);
	}
}

static int add_ancestor_id(void *ctx, const struct alert_row *a)
{
	cJSON *doc = cJSON_Parse(a->doc);
	const cJSON *anc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.ancestors"), 0);
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(anc, "id"));
	char ***ids = ctx;
	size_t n = 0;
	while ((*ids)[n])
		n++;
	*ids = xrealloc(*ids, (n + 2) * sizeof(**ids));
	(*ids)[n] = xstrdup(id ? id : "-");
	(*ids)[n + 1] = NULL;
	cJSON_Delete(doc);
	return 0;
}

/* An EQL event query's executions as Kibana's (eql.ts: size max_signals, no result_position)
 * and Elasticsearch's EQL search answer them (EqlSearchRequest: result_position "tail" by
 * default; LogicalPlanBuilder: @timestamp then tiebreaker_field, descending, a missing value
 * last; the point in time's implicit _shard_doc tiebreaker, ascending): each execution alerts
 * on the most recent max_signals matches of its window. Process events e1..e4 (EVENTS: id,
 * time, extra event fields; one execution at 10:05 sees 10:01-10:03, one at 10:25 sees 10:21);
 * the ids alerted on, sorted. */
static void test_eql_event_tail(void **state)
{
	(void)state;
	static const struct {
		const char *events[4][3];
		int max_signals;
		const char *tiebreaker, *alerted;
		uint64_t capped; /* executions whose answer was full: max_signals matches (Kibana's eql.ts
		                  * warns when hits.total, the answer's size, is at least max_signals) */
	} cases[] = {
	    /* the latest two */
	    {{{"e1", "10:01", ""}, {"e2", "10:02", ""}, {"e3", "10:03", ""}}, 2, NULL, "e2 e3", 1},
	    {{{"e1", "10:01", ""}, {"e2", "10:02", ""}, {"e3", "10:03", ""}}, 3, NULL, "e1 e2 e3", 1},
	    {{{"e1", "10:01", ""}, {"e2", "10:02", ""}, {"e3", "10:03", ""}}, 4, NULL, "e1 e2 e3", 0},
	    /* equal times: document (ingest) order, ascending */
	    {{{"e1", "10:01", ""}, {"e2", "10:01", ""}, {"e3", "10:01", ""}}, 2, NULL, "e1 e2", 1},
	    /* the tiebreaker, descending */
	    {{{"e1", "10:01", ",\"sequence\":3"},
	      {"e2", "10:01", ",\"sequence\":1"},
	      {"e3", "10:01", ",\"sequence\":2"}},
	     2,
	     "event.sequence",
	     "e1 e3",
	     1},
	    /* a missing value last */
	    {{{"e1", "10:01", ""}, {"e2", "10:01", ",\"sequence\":1"}, {"e3", "10:01", ",\"sequence\":2"}},
	     2,
	     "event.sequence",
	     "e2 e3",
	     1},
	    /* a keyword by its characters: "x9" > "x2" > "x10" */
	    {{{"e1", "10:01", ",\"tick\":\"x9\""},
	      {"e2", "10:01", ",\"tick\":\"x10\""},
	      {"e3", "10:01", ",\"tick\":\"x2\""}},
	     2,
	     "event.tick",
	     "e1 e3",
	     1},
	    /* the last time's events tie at the cut: the tiebreaker decides among them alone */
	    {{{"e1", "10:01", ",\"sequence\":9"},
	      {"e2", "10:03", ",\"sequence\":1"},
	      {"e3", "10:03", ",\"sequence\":5"},
	      {"e4", "10:03", ",\"sequence\":3"}},
	     2,
	     "event.sequence",
	     "e3 e4",
	     1},
	    /* a multi-valued tiebreaker sorts by its largest value (descending: the sort's max mode):
	     * e1's 9 first, then e2's 5, e3's 4 left out (by the first values, e1 would be last) */
	    {{{"e1", "10:01", ",\"sequence\":[1,9]"},
	      {"e2", "10:01", ",\"sequence\":5"},
	      {"e3", "10:01", ",\"sequence\":[3,4]"}},
	     2,
	     "event.sequence",
	     "e1 e2",
	     1},
	    /* a later execution's window answers on its own */
	    {{{"e1", "10:01", ""}, {"e2", "10:02", ""}, {"e3", "10:03", ""}, {"e4", "10:21", ""}},
	     2,
	     NULL,
	     "e2 e3 e4",
	     1},
	};
	/* each case read at once, streamed a row a flush, and without the prefilters (no streaming) */
	static const struct detect_options modes[] = {{.rule_id = "tail", .now_us = NOW},
	                                              {.rule_id = "tail", .now_us = NOW, .flush_rows = 1},
	                                              {.rule_id = "tail", .now_us = NOW, .no_prefilter = 1}};
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			store_close(db);
			db = tu_new_case("rulefields");
			struct strbuf sb;
			strbuf_init(&sb, 1024);
			for (size_t k = 0; k < 4 && cases[i].events[k][0]; k++)
				strbuf_addf(
				    &sb,
				    "{\"_index\":\"logs-endpoint.events.process-default\",\"_id\":\"%s\",\"_source\":{"
				    "\"@timestamp\":\"2024-05-01T%s:00Z\",\"event\":{\"category\":[\"process\"]%s},"
				    "\"process\":{\"name\":\"x\"}}}\n",
				    cases[i].events[k][0], cases[i].events[k][1], cases[i].events[k][2]);
			ingest_text(sb.buf);
			strbuf_reset(&sb);
			strbuf_addf(&sb,
			            "{\"rule_id\":\"tail\",\"name\":\"tail\",\"description\":\"d\",\"type\":\"eql\","
			            "\"language\":"
			            "\"eql\",\"query\":\"process where true\",\"severity\":\"low\",\"risk_score\":21,"
			            "\"interval\":\"5m\",\"from\":\"now-6m\",\"max_signals\":%d",
			            cases[i].max_signals);
			if (cases[i].tiebreaker)
				strbuf_addf(&sb, ",\"tiebreaker_field\":\"%s\"", cases[i].tiebreaker);
			strbuf_addch(&sb, '}');
			import_rule(sb.buf, NULL);
			struct detect_totals t;
			assert_int_equal(detect_run(db, &modes[m], &t), 0);
			if (t.skipped || t.unapplied || t.matched != (uint64_t)(cases[i].events[3][0] ? 4 : 3))
				fail_msg("mode %zu case %zu: %llu skipped, %llu unapplied, %llu matched", m, i,
				         (unsigned long long)t.skipped, (unsigned long long)t.unapplied,
				         (unsigned long long)t.matched);
			char **ids = xcalloc(1, sizeof(*ids));
			struct alert_query q = {0};
			assert_int_equal(store_alerts_each(db, &q, add_ancestor_id, &ids), 0);
			size_t n = 0;
			while (ids[n])
				n++;
			qsort(ids, n, sizeof(*ids), by_text);
			strbuf_reset(&sb);
			for (size_t k = 0; k < n; k++) {
				strbuf_addf(&sb, "%s%s", k ? " " : "", ids[k]);
				free(ids[k]);
			}
			free(ids);
			if (strcmp(sb.buf, cases[i].alerted) || t.capped != cases[i].capped)
				fail_msg("mode %zu case %zu: alerted %s (%llu capped), not %s (%llu)", m, i, sb.buf,
				         (unsigned long long)t.capped, cases[i].alerted,
				         (unsigned long long)cases[i].capped);
			strbuf_release(&sb);
		}
}

/* ---- filters ---- */

/* Kibana's filters become one KQL query (buildEsQuery: the enabled filters in the bool's
 * filter, the negated ones in its must_not, the disabled ones left out). */
/* Lucene query strings as KQL (Elasticsearch's query_string reference, "Query string syntax"):
 * field:value terms, phrases, * wildcards, [ ] inclusive and { } exclusive ranges with * for an
 * open end, field:>=v comparisons, _exists_:field, field:(a OR b) groups, AND/&&, OR/||, NOT/!
 * ("a NOT b" is a and not b: NOT makes b must_not beside a), and no operator meaning OR
 * (default_operator OR). */
static void test_lucene_query_as_kql(void **state)
{
	(void)state;
	static const struct {
		const char *lucene, *kql, *why;
	} cases[] = {
	    {"*:*", "*:*", NULL},
	    {"", "*:*", NULL},
	    {"threat.indicator.type:ipv4-addr", "threat.indicator.type:ipv4-addr", NULL},
	    {"a:b AND c:\"x y\"", "a:b and c:\"x y\"", NULL},
	    {"a:b && (c:d || e:f*)", "a:b and (c:d or e:f*)", NULL},
	    {"a:b c:d", "a:b or c:d", NULL},
	    {"a:b NOT c:d", "a:b and not c:d", NULL},
	    {"NOT _exists_:user.name", "not user.name:*", NULL},
	    {"!a:1", "not a:1", NULL},
	    {"a:(x OR y)", "a:(x or y)", NULL},
	    {"pid:[10 TO 20}", "(pid >= \"10\" and pid < \"20\")", NULL},
	    {"@timestamp:[now-30d/d TO *]", "(@timestamp >= \"now-30d/d\")", NULL},
	    {"pid:>=5", "(pid >= \"5\")", NULL},
	    {"path:C\\:\\\\x", "path:C\\:\\\\x", NULL},
	    {"a:b AND c:d OR e:f", NULL, "column 13: AND and OR mixed in one group: parenthesize"},
	    /* Lucene's parser makes a NOT clause must_not of its group beside OR (QueryParserBase
	     * addClause): "a OR NOT b" is a and not b, so it is refused rather than misread */
	    {"a:b OR NOT c:d", NULL,
	     "column 8: NOT in a group of OR: Lucene makes it exclude from the whole group; use AND NOT"},
	    {"NOT a:b c:d", NULL,
	     "column 9: NOT in a group of OR: Lucene makes it exclude from the whole group; use AND NOT"},
	    {"(NOT a:b) OR c:d", "(not a:b) or c:d", NULL},
	    {"a:b~", NULL, "column 4: '~' is not supported in a term (KQL cannot say it)"},
	    {"a:b?", NULL, "column 4: '?' is not supported in a term (KQL cannot say it)"},
	    {"+a:b", NULL, "column 1: '+' before a term is not supported"},
	    {"a:b and c", NULL, "column 5: a lowercase and/or/not is a term in Lucene, an operator in KQL: quote it"},
	    {"(a:b", NULL, "column 5: an unclosed '('"},
	    {"a:b AND", NULL, "column 8: the query ends with an operator"},
	    {"a:/x.*/", NULL, "column 3: '/' is not supported in a term (KQL cannot say it)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char why[200] = "";
		char *kql = lucene_query_to_kql(cases[i].lucene, why, sizeof(why));
		if (cases[i].kql) {
			if (!kql || strcmp(kql, cases[i].kql))
				fail_msg("case %zu: %s (%s)", i, kql ? kql : "(none)", why);
		} else {
			if (kql)
				fail_msg("case %zu: %s was not refused", i, kql);
			assert_string_equal(why, cases[i].why);
		}
		free(kql);
	}
	/* deeper groups than the cap are refused, not recursed into */
	char deep[LUCENE_QUERY_MAX_DEPTH + 8];
	memset(deep, '(', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = 0;
	char why[200];
	assert_null(lucene_query_to_kql(deep, why, sizeof(why)));
	assert_string_equal(why, "column 33: groups nested deeper than 32");
}

/* A KQL type's rule in language lucene runs its query as the KQL that says the same; one KQL
 * cannot say is skipped with the column. Kibana runs a lucene query rule through
 * buildEsQuery's query_string. */
static void test_lucene_query_rules(void **state)
{
	(void)state;
	static const struct {
		const char *type, *extra, *query, *kql; /* kql NULL: the rule is skipped */
	} cases[] = {
	    {"query", "", "process.name:(bash OR zsh) AND NOT user.name:root",
	     "process.name:(bash or zsh) and not user.name:root"},
	    {"threshold", ",\"threshold\":{\"field\":[],\"value\":2}", "_exists_:host.name", "host.name:*"},
	    {"query", "", "a:b^2", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		snprintf(text, sizeof(text),
		         "{\"rule_id\":\"l%zu\",\"name\":\"l\",\"description\":\"d\",\"risk_score\":1,"
		         "\"severity\":\"low\",\"type\":\"%s\",\"language\":\"lucene\",\"query\":\"%s\"%s}",
		         i, cases[i].type, cases[i].query, cases[i].extra);
		cJSON *obj = cJSON_Parse(text);
		assert_non_null(obj);
		struct rule r;
		char why[200];
		assert_int_equal(rule_from_json(obj, &r, why, sizeof(why)), 0);
		if (cases[i].kql) {
			if (r.unsupported)
				fail_msg("case %zu: %s", i, r.unsupported);
			assert_string_equal(r.query, cases[i].kql);
			assert_string_equal(r.language, "kuery");
		} else {
			assert_non_null(r.unsupported);
			assert_string_equal(
			    r.unsupported,
			    "the lucene query: column 4: '^' is not supported in a term (KQL cannot say it)");
		}
		rule_release(&r);
		cJSON_Delete(obj);
	}
}

static void test_filters_as_kql(void **state)
{
	(void)state;
	static const struct {
		const char *filters, *kql;
	} cases[] = {
	    {"[{\"meta\":{\"negate\":false,\"disabled\":false,\"type\":\"phrase\",\"key\":\"host.name\"},"
	     "\"query\":{\"match_phrase\":{\"host.name\":\"h1\"}}}]",
	     "(host.name:\"h1\")"},
	    {"[{\"meta\":{\"negate\":true},\"query\":{\"match_phrase\":{\"host.name\":{\"query\":\"a\\\"b\"}}}}]",
	     "not (host.name:\"a\\\"b\")"},
	    {"[{\"meta\":{\"disabled\":true},\"query\":{\"match_phrase\":{\"host.name\":\"h1\"}}}]", NULL},
	    {"[]", NULL},
	    /* the older form: exists and range beside meta */
	    {"[{\"meta\":{},\"exists\":{\"field\":\"user.name\"}},{\"range\":{\"process.pid\":{\"gte\":10,"
	     "\"lt\":20}}}]",
	     "(user.name:*) and (process.pid >= \"10\" and process.pid < \"20\")"},
	    {"[{\"query\":{\"bool\":{\"should\":[{\"match_phrase\":{\"a\":\"1\"}},{\"match_phrase\":{\"a\":\"2\"}}],"
	     "\"minimum_should_match\":1}}}]",
	     "((((a:\"1\")) or ((a:\"2\"))))"},
	    /* should only scores beside a must */
	    {"[{\"query\":{\"bool\":{\"must\":{\"term\":{\"a\":{\"value\":\"x\"}}},\"should\":[{\"match\":{"
	     "\"b\":\"y\"}}],\"must_not\":[{\"terms\":{\"c\":[\"p\",\"q\"]}}]}}}]",
	     "(((a:\"x\")) and not ((c:(\"p\" or \"q\"))))"},
	    {"[{\"query\":{\"match\":{\"message\":{\"query\":\"run (now)\",\"type\":\"phrase\"}}}},{\"query\":{"
	     "\"match\":{\"message\":\"a:b or c\"}}},{\"query\":{\"match\":{\"message\":\"a*b\"}}}]",
	     "(message:\"run (now)\") and (message:\"a:b or c\") and (message:a\\*b)"},
	    {"[{\"query\":{\"match_all\":{}}}]", "(*:*)"},
	    /* a Lucene query_string filter (Kibana's custom DSL), as its KQL */
	    {"[{\"meta\":{\"negate\":true},\"query\":{\"query_string\":{\"query\":\"a:b AND c:d\"}}}]",
	     "not (a:b and c:d)"}, /* Elasticsearch's wildcard query: its value as ~"pattern", ~i"pattern" when
	                            * case_insensitive (the pattern's backslashes and quotes escaped as a KQL phrase's
	                            * are) */
	    {"[{\"meta\":{\"negate\":true},\"query\":{\"wildcard\":{\"file.path\":{\"case_insensitive\":true,"
	     "\"value\":\"?:\\\\\\\\Temp\\\\\\\\SDIAG*\"}}}}]",
	     "not (file.path:~i\"?:\\\\\\\\Temp\\\\\\\\SDIAG*\")"},
	    {"[{\"query\":{\"wildcard\":{\"a\":\"x*\"}}},{\"query\":{\"wildcard\":{\"b\":{\"wildcard\":\"\\\"y\"}}}}]",
	     "(a:~\"x*\") and (b:~\"\\\"y\")"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *f = cJSON_Parse(cases[i].filters);
		assert_non_null(f);
		char *kql, why[200];
		assert_int_equal(filters_to_kql(f, &kql, why, sizeof(why)), 0);
		if (cases[i].kql ? !kql || strcmp(kql, cases[i].kql) : kql != NULL)
			fail_msg("case %zu: %s", i, kql ? kql : "(none)");
		free(kql);
		cJSON_Delete(f);
	}
	static const struct {
		const char *filters, *why;
	} refused[] = {
	    {"[{\"query\":{\"geo_shape\":{\"a\":{}}}}]",
	     "filter 1: a \"geo_shape\" filter is not supported (match_phrase, match, term, terms, wildcard, exists, "
	     "range, bool, query_string and match_all are)"},
	    {"[{\"query\":{\"wildcard\":{\"a\":{\"value\":7}}}}]",
	     "filter 1: wildcard: the value must be a string pattern"},
	    {"[{\"query\":{\"query_string\":{\"query\":\"a:b~2\"}}}]",
	     "filter 1: query_string: column 4: '~' is not supported in a term (KQL cannot say it)"},
	    {"[{\"query\":{\"match_all\":{}}},{\"meta\":{}}]", "filter 2: it has no query"},
	    {"[{\"query\":{\"bool\":{\"should\":[],\"minimum_should_match\":2}}}]",
	     "filter 1: bool: minimum_should_match  is not supported (0 or 1 are)"},
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		cJSON *f = cJSON_Parse(refused[i].filters);
		char *kql, why[200] = "";
		assert_int_equal(filters_to_kql(f, &kql, why, sizeof(why)), -1);
		assert_string_equal(why, refused[i].why);
		cJSON_Delete(f);
	}
	/* nesting past the bound is refused, not followed */
	struct strbuf deep;
	strbuf_init(&deep, 1024);
	strbuf_addstr(&deep, "[{\"query\":");
	for (int i = 0; i < 40; i++)
		strbuf_addstr(&deep, "{\"bool\":{\"must\":");
	strbuf_addstr(&deep, "{\"match_all\":{}}");
	for (int i = 0; i < 40; i++)
		strbuf_addstr(&deep, "}}");
	strbuf_addstr(&deep, "}]");
	cJSON *f = cJSON_Parse(deep.buf);
	char *kql, why[200];
	assert_int_equal(filters_to_kql(f, &kql, why, sizeof(why)), -1);
	assert_string_equal(why, "filter 1: nested deeper than 16 levels");
	cJSON_Delete(f);
	strbuf_release(&deep);
}

/* A wildcard filter's pattern is read as Elasticsearch's WildcardQuery reads it: '*' any run,
 * '?' one character, '\\' makes the next character literal; case_insensitive ignores case. The
 * Windows paths are the form Elastic's rules write (a JSON "\\\\" is one escaped backslash). Only
 * the filters' parser reads the ~"pattern" form: an analyst's KQL does not. */
static void test_wildcard_filter_values(void **state)
{
	(void)state;
	static const struct {
		const char *kql, *value;
		int hit;
	} cases[] = {
	    {"p:~i\"?:\\\\\\\\Temp\\\\\\\\SDIAG*\"", "C:\\Temp\\sdiag_1\\x.ps1", 1},
	    {"p:~i\"?:\\\\\\\\Temp\\\\\\\\SDIAG*\"", "C:\\Windows\\Temp\\SDIAG", 0},
	    {"p:~\"?:\\\\\\\\Temp\\\\\\\\SDIAG*\"", "C:\\Temp\\sdiag_1", 0},
	    {"p:~\"tmp_??.???\"", "tmp_ab.txt", 1},
	    {"p:~\"tmp_??.???\"", "tmp_abc.txt", 0},
	    {"p:~\"a\\\\*b\"", "a*b", 1},
	    {"p:~\"a\\\\*b\"", "axb", 0},
	    {"p:~\"a\\\\?\"", "a?", 1},
	    {"p:~\"a\\\\?\"", "ab", 0},
	    {"p:~\"\\\\\"", "\\", 1}, /* a trailing backslash is itself */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kql_error err;
		struct kql_node *q = kql_parse_filters(cases[i].kql, &err);
		if (!q)
			fail_msg("case %zu: %s", i, err.msg);
		cJSON *ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "p", cases[i].value);
		if (kql_match(q, ev) != cases[i].hit)
			fail_msg("case %zu: %s on %s", i, cases[i].kql, cases[i].value);
		cJSON_Delete(ev);
		kql_free(q);
	}
	struct kql_error err;
	assert_null(kql_parse("p:~i\"x\"", &err));
	struct kql_node *q = kql_parse_filters("p:~\"a?\\\\?\"", &err);
	assert_null(q);
	assert_string_equal(err.msg,
	                    "a wildcard filter's value with both an escaped and an unescaped '?' is not supported");
}

/* A rule's filters narrow its alerts: ANDed with the query, negated, disabled. */
static void test_filters_narrow_the_alerts(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 2048);
	process_event(&sb, "p1", "2024-05-01T10:05:10Z", "h1");
	process_event(&sb, "p2", "2024-05-01T10:05:20Z", "h2");
	process_event(&sb, "p3", "2024-05-01T10:05:30Z", NULL);
	ingest_text(sb.buf);
	strbuf_release(&sb);
	static const struct {
		const char *filters;
		uint64_t alerts;
	} cases[] = {
	    {"[{\"meta\":{},\"query\":{\"match_phrase\":{\"host.name\":\"h1\"}}}]", 1},
	    {"[{\"meta\":{\"negate\":true},\"query\":{\"match_phrase\":{\"host.name\":\"h1\"}}}]", 2},
	    {"[{\"meta\":{\"disabled\":true},\"query\":{\"match_phrase\":{\"host.name\":\"h1\"}}}]", 3},
	    {"[{\"meta\":{},\"exists\":{\"field\":\"host.name\"}}]", 2},
	    {"[{\"meta\":{},\"exists\":{\"field\":\"host.name\"}},{\"meta\":{\"negate\":true},\"query\":{"
	     "\"match_phrase\":{\"host.name\":\"h2\"}}}]",
	     1},
	    /* wildcard: '?' one character, case_insensitive, a negated one keeps the host-less event */
	    {"[{\"query\":{\"wildcard\":{\"host.name\":{\"value\":\"H?\",\"case_insensitive\":true}}}}]", 2},
	    {"[{\"query\":{\"wildcard\":{\"host.name\":{\"value\":\"H?\"}}}}]", 0},
	    {"[{\"meta\":{\"negate\":true},\"query\":{\"wildcard\":{\"host.name\":{\"value\":\"*1\"}}}}]", 2},
	    {"[{\"query\":{\"wildcard\":{\"host.name\":\"h\\\\?\"}}}]", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char rule[1024], id[32];
		snprintf(id, sizeof(id), "cb-flt-%zu", i);
		snprintf(rule, sizeof(rule),
		         "{\"rule_id\":\"%s\",\"name\":\"%s\",\"description\":\"d\",\"type\":\"query\",\"query\":"
		         "\"process.name:curl\",\"severity\":\"low\",\"risk_score\":21,\"from\":\"now-10m\","
		         "\"filters\":%s}",
		         id, id, cases[i].filters);
		import_rule(rule, NULL);
		struct detect_totals t = run_detect(id);
		if (t.created != cases[i].alerts)
			fail_msg("case %zu: %llu alerts", i, (unsigned long long)t.created);
	}
}

/* ---- the table ---- */

static void test_fields_not_applied_are_named(void **state)
{
	(void)state;
	static const struct {
		const char *rule, *named;
	} cases[] = {
	    {"{\"type\":\"query\",\"query\":\"a:b\",\"severity_mapping\":[],\"filters\":[],\"building_block_type\":"
	     "\"default\",\"investigation_fields\":{\"field_names\":[\"a\"]},\"alert_suppression\":{\"group_by\":"
	     "[\"a\"]},\"timestamp_override_fallback_disabled\":false}",
	     NULL},
	    {"{\"type\":\"query\",\"filters\":[{\"query\":{}}],\"data_view_id\":\"dv\",\"saved_id\":\"\"}",
	     "data_view_id"},
	    {"{\"type\":\"esql\",\"filters\":[{\"query\":{}}]}", "filters"},
	    /* the overrides apply to alerts on an event: not to a threshold's group */
	    {"{\"type\":\"threshold\",\"severity_mapping\":[{\"field\":\"a\",\"value\":\"1\",\"severity\":\"high\"}],"
	     "\"rule_name_override\":\"message\"}",
	     "severity_mapping, rule_name_override"},
	    {"{\"type\":\"new_terms\",\"severity_mapping\":[{\"field\":\"a\",\"value\":\"1\",\"severity\":\"high\"}]}",
	     NULL},
	    {"{\"type\":\"threshold\",\"alert_suppression\":{\"duration\":{\"value\":5,\"unit\":\"m\"}}}", NULL},
	    /* an ES|QL rule's alerts take them too (wrap_esql_alerts.ts: applyOverrides) */
	    {"{\"type\":\"esql\",\"severity_mapping\":[{\"field\":\"a\",\"value\":\"1\",\"severity\":\"high\"}],"
	     "\"risk_score_mapping\":[{\"field\":\"r\",\"value\":\"\"}],\"rule_name_override\":\"message\"}",
	     NULL},
	    {"{\"type\":\"eql\",\"query\":\"  Sequence by host.id [a where true] [b where true]\","
	     "\"alert_suppression\":{\"group_by\":[\"host.id\"]},\"tiebreaker_field\":\"event.sequence\"}",
	     NULL}, /* both apply (test_eql_tiebreaker, test_eql_sequence_suppression) */
	    {"{\"type\":\"eql\",\"query\":\"sample by host.id [a where true] [b where true]\","
	     "\"alert_suppression\":{\"group_by\":[\"host.id\"]}}",
	     "alert_suppression"},
	    {"{\"type\":\"eql\",\"query\":\"sequence_x where true\",\"alert_suppression\":{\"group_by\":[\"a\"]},"
	     "\"event_category_override\":\"event.type\"}",
	     NULL},
	    {"{\"type\":\"threat_match\",\"threat_index\":[\"logs-ti_*\"],\"threat_query\":\"*:*\",\"threat_mapping\":"
	     "[{\"entries\":[]}],\"threat_indicator_path\":\"threat.indicator\",\"threat_filters\":[],"
	     "\"threat_language\":\"kuery\"}",
	     NULL},
	    {"{\"type\":\"machine_learning\",\"machine_learning_job_id\":[\"j\"],\"anomaly_threshold\":50}", NULL},
	    /* the fields of another type are not applied */
	    {"{\"type\":\"query\",\"query\":\"a:b\",\"anomaly_threshold\":50,\"threat_query\":\"*:*\"}",
	     "anomaly_threshold, threat_query"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *rule = cJSON_Parse(cases[i].rule);
		assert_non_null(rule);
		char *named = rulefields_unapplied(rule);
		if (cases[i].named ? !named || strcmp(named, cases[i].named) : named != NULL)
			fail_msg("case %zu: %s", i, named ? named : "(none)");
		free(named);
		cJSON_Delete(rule);
	}
	/* import says it per rule, and detect counts the rule apart */
	struct strbuf said;
	strbuf_init(&said, 256);
	import_rule("{\"rule_id\":\"cb-dv\",\"name\":\"on a data view\",\"description\":\"d\",\"type\":\"query\","
	            "\"query\":\"process.name:curl\",\"severity\":\"low\",\"risk_score\":21,\"data_view_id\":\"dv1\"}",
	            &said);
	assert_non_null(strstr(said.buf, ": rule \"on a data view\" (cb-dv): casebook does not apply data_view_id: "
	                                 "its alerts will differ from Kibana's\n"));
	strbuf_release(&said);
	ingest_text("{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"process\":{\"name\":\"curl\"}}\n");
	struct detect_totals t = run_detect("cb-dv");
	assert_int_equal(t.rules, 1);
	assert_int_equal(t.unapplied, 1);
	/* every row of the table is a field once */
	for (size_t i = 0; i < rulefields_count; i++)
		assert_ptr_equal(rulefield_find(rulefields[i].name), &rulefields[i]);
}

/* From the command line: casebook rules names what it does not apply, lists the related
 * integrations and required fields and warns of a required field the case lacks; detect counts
 * the rule apart; building-block alerts are listed only when asked for. */
static void test_command_line(void **state)
{
	(void)state;
	char cli_db[512]; /* tu_path's buffer rotates */
	snprintf(cli_db, sizeof(cli_db), "%s", tu_path("cli.db"));
	tu_write_str(tu_path("cli-events.ndjson"),
	             "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"e1\"},\"process\":{\"name\":"
	             "\"curl\"},\"host\":{\"name\":\"h1\"}}\n");
	tu_write_str(tu_path("cli-rule.json"),
	             "{\"rule_id\":\"cb-cli\",\"name\":\"curl, a building block\",\"description\":\"d\",\"type\":"
	             "\"query\",\"query\":\"process.name:curl\",\"severity\":\"low\",\"risk_score\":21,"
	             "\"building_block_type\":\"default\",\"data_view_id\":\"dv1\",\"related_integrations\":[{"
	             "\"package\":\"endpoint\",\"version\":\"^8.2.0\"}],\"required_fields\":[{\"name\":"
	             "\"process.name\",\"type\":\"keyword\",\"ecs\":true},{\"name\":\"process.Ext.api.name\","
	             "\"type\":\"keyword\",\"ecs\":false}]}");
	struct strbuf out, err;
	strbuf_init(&out, 1024);
	strbuf_init(&err, 1024);
	assert_int_equal(
	    tu_run(&out, &err, "%s --db '%s' ingest '%s'", tu_casebook(), cli_db, tu_path("cli-events.ndjson")), 0);
	assert_int_equal(
	    tu_run(&out, &err, "%s --db '%s' rules import '%s'", tu_casebook(), cli_db, tu_path("cli-rule.json")), 0);
	assert_non_null(strstr(out.buf, "1 of them set fields casebook does not apply, so their alerts will differ "
	                                "from Kibana's: 'casebook rules' names them\n"));
	assert_int_equal(tu_run(&out, &err, "COLUMNS=200 %s --db '%s' rules", tu_casebook(), cli_db), 0);
	assert_non_null(strstr(out.buf, "curl, a building block\n"
	                                "    casebook does not apply: data_view_id (its alerts differ from Kibana's)\n"
	                                "    integrations: endpoint ^8.2.0\n"
	                                "    required fields: process.name (keyword), process.Ext.api.name (keyword)\n"
	                                "    warning: no event in the case has process.Ext.api.name, which the rule "
	                                "requires\n"));
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' detect --rule cb-cli", tu_casebook(), cli_db), 0);
	assert_non_null(strstr(out.buf,
	                       "1 of the rules run set fields casebook does not apply: their alerts may differ "
	                       "from Kibana's ('casebook rules' names the fields)\n"));
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' alerts --json", tu_casebook(), cli_db), 0);
	assert_string_equal(out.buf, "");
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' alerts --building-blocks --json", tu_casebook(), cli_db), 0);
	assert_int_equal(tu_count(out.buf, "\n"), 1);
	assert_non_null(strstr(out.buf, "\"kibana.alert.building_block_type\":\"default\""));
	strbuf_release(&out);
	strbuf_release(&err);
}

/* docs/DETECTION.md's "Rule fields" table: "| `field` | applied |": the same fields, the same
 * answers, as the table casebook runs by. */
static void test_docs_list_every_rule_field(void **state)
{
	(void)state;
	struct strbuf doc;
	strbuf_init(&doc, 65536);
	FILE *f = fopen("docs/DETECTION.md", "r");
	assert_non_null(f);
	assert_int_equal(strbuf_read_stream(&doc, f), 0);
	fclose(f);
	const char *section = strstr(doc.buf, "\n## Rule fields\n");
	assert_non_null(section);
	const char *end = strstr(section + 1, "\n## ");
	size_t seen = 0;
	for (const char *line = section + 1; line && (!end || line < end); line = strchr(line, '\n')) {
		line++;
		if (strncmp(line, "| `", 3))
			continue;
		const char *name = line + 3, *close = strchr(name, '`');
		assert_non_null(close);
		char field[80], use[40];
		snprintf(field, sizeof(field), "%.*s", (int)(close - name), name);
		const char *cell = strstr(close, "| ");
		assert_non_null(cell);
		cell += 2;
		snprintf(use, sizeof(use), "%.*s", (int)(strcspn(cell, "|") - 1), cell);
		const struct rulefield *rf = rulefield_find(field);
		if (!rf)
			fail_msg("docs/DETECTION.md lists %s, which detect/rulefields.c has not", field);
		if (strcmp(use, rulefield_use_name(rf->use)))
			fail_msg("%s: docs say \"%s\", detect/rulefields.c \"%s\"", field, use,
			         rulefield_use_name(rf->use));
		seen++;
	}
	if (seen != rulefields_count)
		fail_msg("docs/DETECTION.md lists %zu rule fields, detect/rulefields.c %zu", seen, rulefields_count);
	strbuf_release(&doc);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mappings),
	    cmocka_unit_test(test_esql_override_source),
	    T(test_promotion_rule_on_defend_alerts),
	    T(test_promotion_matches_kibana_8_3_when_present),
	    T(test_suppression_by_host),
	    T(test_suppression_do_not_suppress_missing),
	    T(test_suppression_with_duration),
	    T(test_threshold_suppression),
	    T(test_threshold_suppression_needs_duration),
	    T(test_new_terms_suppression),
	    T(test_esql_suppression),
	    T(test_esql_overrides),
	    T(test_esql_reason),
	    T(test_esql_alert_source),
	    T(test_esql_aggregate_alert),
	    T(test_eql_sequence_suppression),
	    T(test_building_block_and_max_signals),
	    T(test_fallback_disabled),
	    T(test_timestamp_override_any_field),
	    T(test_eql_tiebreaker),
	    T(test_eql_event_tail),
	    cmocka_unit_test(test_filters_as_kql),
	    cmocka_unit_test(test_wildcard_filter_values),
	    cmocka_unit_test(test_lucene_query_as_kql),
	    cmocka_unit_test(test_lucene_query_rules),
	    T(test_filters_narrow_the_alerts),
	    T(test_fields_not_applied_are_named),
	    cmocka_unit_test(test_command_line),
	    cmocka_unit_test(test_docs_list_every_rule_field),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tu_cleanup();
	return rc;
}
