/* Kibana's own alert documents, imported: each keeps its own name, severity and risk; 7.x
 * signal.* documents, esArchiver records and fields-only hits read as 8.x alerts; a sequence's
 * building blocks under its alert; "in-progress" and custom closing reasons kept and written
 * back. The alert documents are built here (none of Elastic's); the real Kibana 8.3 alert in
 * ../shared/corpus is read when it is there. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#include "export/export.h"
#include "ingest/ingest.h"
#include "store/alerts.h"
#include "store/store.h"
#include "store/triage.h"
#include "triage/kibana.h"
#include "triage/record.h"

#define ALERTS_INDEX "\"_index\":\".internal.alerts-security.alerts-default-000001\""

/* An 8.x alert of the same rule (the "Endpoint Security" promotion's shape: the rule says
 * medium / 47, and Kibana's severity_mapping / risk_score_mapping over event.severity and its
 * rule_name_override over message give each alert its own). */
#define PROMOTED(id, at, name, severity, risk)                                                                         \
	"{" ALERTS_INDEX ",\"_id\":\"" id "\",\"_source\":{\"@timestamp\":\"2024-05-01T1" at "Z\","                    \
	"\"kibana.alert.uuid\":\"" id "\",\"kibana.alert.rule.rule_id\":\"promo-1\",\"kibana.alert.rule.version\":3,"  \
	"\"kibana.alert.rule.name\":\"" name "\",\"kibana.alert.rule.type\":\"query\","                                \
	"\"kibana.alert.rule.severity\":\"medium\",\"kibana.alert.rule.risk_score\":47,"                               \
	"\"kibana.alert.rule.rule_name_override\":\"message\",\"kibana.alert.severity\":\"" severity "\","             \
	"\"kibana.alert.risk_score\":" risk ",\"kibana.alert.workflow_status\":\"open\",\"event\":{\"kind\":"          \
	"\"signal\"},\"host\":{\"name\":\"mac1\"}}}\n"

static const char SOURCE_EVENT[] =
    "{\"_index\":\".ds-logs-endpoint.events.process-default\",\"_id\":\"src-7\",\"_source\":{\"@timestamp\":"
    "\"2021-05-01T10:00:00Z\",\"event\":{\"kind\":\"event\",\"category\":[\"process\"]},\"host\":{\"name\":"
    "\"mac7\"},\"process\":{\"name\":\"curl\"}}}\n";

/* A 7.x signal (.siem-signals-*), nested as 7.x wrote it: signal.rule.*, signal.status,
 * signal.original_time, and (7.0-7.9) signal.parents instead of signal.ancestors. */
static const char SIGNAL_7X[] =
    "{\"_index\":\".siem-signals-default-000001\",\"_id\":\"s7\",\"_source\":{\"@timestamp\":"
    "\"2021-05-01T10:06:00Z\",\"signal\":{\"rule\":{\"id\":\"0d7c-rule-object\",\"rule_id\":\"legacy-1\","
    "\"name\":\"Legacy curl\",\"type\":\"query\",\"severity\":\"high\",\"risk_score\":73,\"version\":3,"
    "\"description\":\"d\",\"query\":\"process.name:curl\",\"language\":\"kuery\",\"threat\":[{\"framework\":"
    "\"MITRE ATT&CK\",\"tactic\":{\"id\":\"TA0011\",\"name\":\"Command and Control\",\"reference\":\"r\"}}]},"
    "\"status\":\"in-progress\",\"original_time\":\"2021-05-01T10:00:00Z\",\"reason\":\"curl ran\","
    "\"parents\":[{\"id\":\"src-7\",\"type\":\"event\",\"index\":\".ds-logs-endpoint.events.process-default\","
    "\"depth\":0}],\"depth\":1},\"event\":{\"kind\":\"signal\",\"sequence\":131762381484502110},"
    "\"host\":{\"name\":\"mac7\"}}}\n";

/* The earliest signals: one signal.parent, flattened keys, closed. */
static const char SIGNAL_PARENT[] =
    "{\"_index\":\".siem-signals-default\",\"_id\":\"s6\",\"_source\":{\"@timestamp\":\"2021-05-01T10:07:00Z\","
    "\"signal.rule.rule_id\":\"legacy-2\",\"signal.rule.name\":\"Oldest\",\"signal.rule.type\":\"query\","
    "\"signal.rule.severity\":\"low\",\"signal.rule.risk_score\":21,\"signal.status\":\"closed\","
    "\"signal.parent\":{\"id\":\"src-7\",\"type\":\"event\",\"depth\":1},\"event.kind\":\"signal\"}}\n";

/* esArchiver's data.json: an index record (no event) and a doc record, pretty-printed. */
static const char ARCHIVE[] =
    "{\n  \"type\": \"index\",\n  \"value\": {\"index\": \".alerts-security.alerts-default\"}\n}\n"
    "\n{\n  \"type\": \"doc\",\n  \"value\": {\n    \"id\": \"arch1\",\n"
    "    \"index\": \".internal.alerts-security.alerts-default-000001\",\n"
    "    \"source\": {\"@timestamp\": \"2024-06-01T00:00:00Z\", \"kibana.alert.uuid\": "
    "\"arch1\", \"kibana.alert.rule.rule_id\": \"ar\", \"kibana.alert.rule.name\": "
    "\"Archived\", \"kibana.alert.rule.type\": \"query\", \"kibana.alert.rule.severity\": "
    "\"low\", \"kibana.alert.rule.risk_score\": 21, \"kibana.alert.severity\": \"medium\", "
    "\"kibana.alert.risk_score\": 50, \"event\": {\"kind\": \"signal\"}, \"host\": "
    "{\"name\": \"mac4\"}}\n  }\n}\n";

/* A hit of Discover's Inspect: "fields" alone, every value an array. */
static const char FIELDS_ONLY[] =
    "{" ALERTS_INDEX ",\"_id\":\"f1\",\"fields\":{\"@timestamp\":[\"2024-05-01T11:00:00.000Z\"],"
    "\"kibana.alert.uuid\":[\"f1\"],\"kibana.alert.rule.rule_id\":[\"fr\"],\"kibana.alert.rule.name\":"
    "[\"Fields only\"],\"kibana.alert.rule.type\":[\"query\"],\"kibana.alert.severity\":[\"low\"],"
    "\"kibana.alert.risk_score\":[21],\"kibana.alert.workflow_status\":[\"acknowledged\"],\"event.kind\":"
    "[\"signal\"],\"host.name\":[\"mac2\"]}}\n";

/* An EQL sequence's alerts as Kibana writes them: building blocks (building_block_type default,
 * group.index) first, the sequence alert (the group's id, no index) after. */
#define GROUP_MEMBER(id, at, extra)                                                                                    \
	"{" ALERTS_INDEX ",\"_id\":\"" id "\",\"_source\":{\"@timestamp\":\"2024-05-01T12:00:0" at "Z\","              \
	"\"kibana.alert.uuid\":\"" id "\",\"kibana.alert.rule.rule_id\":\"seq\",\"kibana.alert.rule.name\":\"Seq\","   \
	"\"kibana.alert.rule.type\":\"eql\",\"kibana.alert.rule.severity\":\"high\","                                  \
	"\"kibana.alert.rule.risk_score\":73,\"kibana.alert.severity\":\"high\",\"kibana.alert.risk_score\":73,"       \
	"\"kibana.alert.group.id\":\"g1\"" extra ",\"event\":{\"kind\":\"signal\"},\"host\":{\"name\":\"mac3\"}}}\n"
#define BUILDING_BLOCK(id, at, index)                                                                                  \
	GROUP_MEMBER(id, at, ",\"kibana.alert.building_block_type\":\"default\",\"kibana.alert.group.index\":" index)

/* Closed in Kibana with a reason of its list, and with a custom one. */
#define CLOSED(id, reason)                                                                                             \
	"{" ALERTS_INDEX ",\"_id\":\"" id "\",\"_source\":{\"@timestamp\":\"2024-05-01T13:00:00Z\","                   \
	"\"kibana\":{\"alert\":{\"uuid\":\"" id "\",\"rule\":{\"rule_id\":\"cl\",\"name\":\"Closed\",\"type\":"        \
	"\"query\",\"severity\":\"low\",\"risk_score\":21},\"severity\":\"low\",\"risk_score\":21,"                    \
	"\"workflow_status\":\"closed\",\"workflow_reason\":\"" reason "\",\"workflow_user\":\"jo\"}},"                \
	"\"event\":{\"kind\":\"signal\"},\"host\":{\"name\":\"mac5\"}}}\n"

static FILE *quiet;

static struct store *case_of(const char *text)
{
	struct store *s;
	char *err = NULL;
	assert_int_equal(store_open(":memory:", STORE_CREATE, &s, &err), 0);
	tu_write_str(tu_path("in.json"), text);
	struct ingest_options o = {.analyst = "test", .errors = {diag_to_stream, quiet}};
	struct ingest_counts c = {0};
	assert_int_equal(ingest_path(s, tu_path("in.json"), &o, &c), INGEST_OK);
	assert_int_equal(c.rejected, 0);
	struct kibana_counts k;
	assert_int_equal(kibana_alerts_import(s, 0, 1714557600000000, NULL, &k), 0);
	if (k.skipped)
		fail_msg("%u skipped", k.skipped);
	return s;
}

struct got {
	int found;
	char name[128], severity[16], status[16], reason[300], ack_as[16];
	int64_t risk, parent, original_time, event_id;
};

static int take_row(void *ctx, const struct alert_row *a)
{
	struct got *g = ctx;
	g->found = 1;
	snprintf(g->name, sizeof(g->name), "%s", a->rule_name);
	snprintf(g->severity, sizeof(g->severity), "%s", a->severity);
	snprintf(g->status, sizeof(g->status), "%s", a->status);
	snprintf(g->reason, sizeof(g->reason), "%s", a->reason_closed ? a->reason_closed : "");
	snprintf(g->ack_as, sizeof(g->ack_as), "%s", a->acknowledged_as ? a->acknowledged_as : "");
	g->risk = a->risk_score;
	g->parent = a->group_parent;
	g->original_time = a->original_time;
	g->event_id = a->event_id;
	return 0; /* one alert: its uuid */
}

static struct got alert(struct store *s, const char *uuid)
{
	struct got g = {0};
	struct alert_query q = {.uuid = uuid, .no_doc = 1};
	assert_int_equal(store_alerts_each(s, &q, take_row, &g), 0);
	if (!g.found)
		fail_msg("no alert %s", uuid);
	return g;
}

static int64_t id_of(struct store *s, const char *uuid)
{
	int64_t id = 0;
	assert_int_equal(store_alert_id(s, uuid, &id), 0);
	assert_true(id > 0);
	return id;
}

static char *export_one(struct store *s, const char *uuid, enum export_format f)
{
	struct export_options o = {.before_us = 1, .after_us = 1, .now_us = 1};
	struct strbuf out;
	strbuf_init(&out, 1024);
	char *u = (char *)uuid;
	assert_int_equal(export_alerts(s, &u, 1, f, &o, &out), 0);
	return strbuf_detach(&out, NULL);
}

/* What each imported alert is, read back: the table's expected values come from the documents
 * (Kibana wrote the alert's own severity, risk and name into kibana.alert.severity,
 * kibana.alert.risk_score and kibana.alert.rule.name: x-pack/plugins/security_solution/server/
 * lib/detection_engine/rule_types/factories/utils/build_alert.ts; 7.x's signal.* through
 * signal_aad_mapping.json; Kibana's API takes "in-progress" for acknowledged), and the
 * kibana-status body is POST /api/detection_engine/signals/status's. */
static const struct expected {
	const char *what, *input, *uuid;
	const char *name, *severity;
	int64_t risk;
	const char *status, *reason, *ack_as;
	const char *kibana_status; /* export --format kibana-status */
} cases[] = {
    {"8.x, the alert's own name, severity and risk, not its rule's",
     PROMOTED("e1", "0:05:00", "Malicious Behavior Prevention Alert: A", "critical", "99"), "kibana:e1",
     "Malicious Behavior Prevention Alert: A", "critical", 99, "open", "", "",
     "{\"signal_ids\":[\"e1\"],\"status\":\"open\"}\n"},
    {"7.x signal: signal.rule.*, signal.status in-progress written back so", SIGNAL_7X, "kibana:s7", "Legacy curl",
     "high", 73, "acknowledged", "", "in-progress", "{\"signal_ids\":[\"s7\"],\"status\":\"in-progress\"}\n"},
    {"the earliest signals: flattened signal.*, one signal.parent", SIGNAL_PARENT, "kibana:s6", "Oldest", "low", 21,
     "closed", "other", "", "{\"signal_ids\":[\"s6\"],\"status\":\"closed\",\"reason\":\"other\"}\n"},
    {"esArchiver doc record", ARCHIVE, "kibana:arch1", "Archived", "medium", 50, "open", "", "",
     "{\"signal_ids\":[\"arch1\"],\"status\":\"open\"}\n"},
    {"fields-only hit, 8.x acknowledged stays so", FIELDS_ONLY, "kibana:f1", "Fields only", "low", 21, "acknowledged",
     "", "", "{\"signal_ids\":[\"f1\"],\"status\":\"acknowledged\"}\n"},
    {"closed with one of Kibana's reasons, nested 8.x", CLOSED("c1", "false_positive"), "kibana:c1", "Closed", "low",
     21, "closed", "false_positive", "",
     "{\"signal_ids\":[\"c1\"],\"status\":\"closed\",\"reason\":\"false_positive\"}\n"},
    {"closed with a custom reason, kept", CLOSED("c2", "Handled by runbook 12"), "kibana:c2", "Closed", "low", 21,
     "closed", "Handled by runbook 12", "",
     "{\"signal_ids\":[\"c2\"],\"status\":\"closed\",\"reason\":\"Handled by runbook 12\"}\n"},
};

static void test_each_document_form(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct expected *e = &cases[i];
		struct strbuf in;
		strbuf_init(&in, 1024);
		strbuf_addf(&in, "%s%s", SOURCE_EVENT, e->input);
		struct store *s = case_of(in.buf);
		strbuf_release(&in);
		struct got g = alert(s, e->uuid);
		if (strcmp(g.name, e->name) || strcmp(g.severity, e->severity) || g.risk != e->risk ||
		    strcmp(g.status, e->status) || strcmp(g.reason, e->reason) || strcmp(g.ack_as, e->ack_as))
			fail_msg("%s: got %s / %s / %lld / %s / '%s' / '%s'", e->what, g.name, g.severity,
			         (long long)g.risk, g.status, g.reason, g.ack_as);
		char *ks = export_one(s, e->uuid, EXPORT_KIBANA_STATUS);
		if (strcmp(ks, e->kibana_status))
			fail_msg("%s: kibana-status %s", e->what, ks);
		free(ks);
		int64_t entries, bad;
		char why[300];
		assert_int_equal(store_audit_verify(s, &entries, &bad, why, sizeof(why)), 0);
		store_close(s);
	}
}

static int take_doc(void *ctx, const struct alert_row *a)
{
	*(char **)ctx = strdup(a->doc);
	return 1;
}

/* The 7.x signal's other fields: signal.original_time is the alert's time, its parent (the case
 * holds it) its source event, and signal.rule.threat reaches every export as the rule's. */
static void test_signal_fields_map_to_the_alert(void **state)
{
	(void)state;
	struct strbuf in;
	strbuf_init(&in, 1024);
	strbuf_addf(&in, "%s%s%s", SOURCE_EVENT, SIGNAL_7X, SIGNAL_PARENT);
	struct store *s = case_of(in.buf);
	strbuf_release(&in);
	struct strbuf ident, index;
	strbuf_init(&ident, 32);
	strbuf_init(&index, 32);
	struct got g = alert(s, "kibana:s7");
	assert_int_equal(g.original_time, 1619863200000000); /* 2021-05-01T10:00:00Z */
	assert_int_equal(store_event_source(s, g.event_id, &ident, &index), 0);
	assert_string_equal(ident.buf, "src-7");
	g = alert(s, "kibana:s6");
	assert_int_equal(store_event_source(s, g.event_id, &ident, &index), 0);
	assert_string_equal(ident.buf, "src-7");
	strbuf_release(&ident);
	strbuf_release(&index);
	/* stored with the kibana.alert.* fields before its own, which stay as they came (a number
	 * cJSON's doubles would round is not re-serialised) */
	char *doc = NULL;
	struct alert_query q = {.uuid = "kibana:s7"};
	assert_int_equal(store_alerts_each(s, &q, take_doc, &doc), 1); /* take_doc's status */
	assert_non_null(doc);
	assert_memory_equal(doc,
	                    "{\"kibana.alert.rule.uuid\":\"0d7c-rule-object\",\"kibana.alert.rule.rule_id\":"
	                    "\"legacy-1\",\"kibana.alert.rule.name\":\"Legacy curl\",",
	                    123);
	assert_non_null(strstr(doc, "\"sequence\":131762381484502110}"));
	assert_non_null(strstr(doc, ",\"@timestamp\":\"2021-05-01T10:06:00Z\",\"signal\":{"));
	free(doc);
	char *json = export_one(s, "kibana:s7", EXPORT_THEHIVE);
	assert_non_null(strstr(json, "TA0011"));
	free(json);
	store_close(s);
}

struct names {
	char list[512];
};

static int add_queue_name(void *ctx, const struct queue_alert *a)
{
	struct names *n = ctx;
	size_t at = strlen(n->list);
	snprintf(n->list + at, sizeof(n->list) - at, "%s=%s;", a->uuid, a->rule_name);
	return 0;
}

/* Two alerts of one rule row with different names keep theirs in the queue, show (the alert
 * row) and the exports; neither renames the other whichever comes first. */
static void test_one_rule_two_names(void **state)
{
	(void)state;
	struct store *s = case_of(PROMOTED("e1", "0:05:00", "Malicious Behavior Prevention Alert: A", "critical", "99")
	                              PROMOTED("e2", "1:05:00", "Malware Prevention Alert: B", "high", "73"));
	assert_string_equal(alert(s, "kibana:e1").name, "Malicious Behavior Prevention Alert: A");
	assert_string_equal(alert(s, "kibana:e2").name, "Malware Prevention Alert: B");
	struct names n = {{0}};
	assert_int_equal(store_queue_each(s, add_queue_name, &n), 0);
	assert_string_equal(n.list, "kibana:e1=Malicious Behavior Prevention Alert: A;"
	                            "kibana:e2=Malware Prevention Alert: B;");
	static const struct {
		enum export_format f;
		const char *e1, *e2;
	} exports[] = {
	    {EXPORT_JSON, "\"name\":\"Malicious Behavior Prevention Alert: A\"",
	     "\"name\":\"Malware Prevention Alert: B\""},
	    {EXPORT_MARKDOWN, "Malicious Behavior Prevention Alert: A", "Malware Prevention Alert: B"},
	    {EXPORT_THEHIVE, "\"title\":\"Malicious Behavior Prevention Alert: A\"",
	     "\"title\":\"Malware Prevention Alert: B\""},
	    {EXPORT_TIMESKETCH_JSONL, "Malicious Behavior Prevention Alert: A", "Malware Prevention Alert: B"},
	};
	for (size_t i = 0; i < sizeof(exports) / sizeof(exports[0]); i++) {
		char *a = export_one(s, "kibana:e1", exports[i].f), *b = export_one(s, "kibana:e2", exports[i].f);
		if (!strstr(a, exports[i].e1) || strstr(a, "Prevention Alert: B") || !strstr(b, exports[i].e2) ||
		    strstr(b, "Prevention Alert: A"))
			fail_msg("export %zu:\n%s\n%s", i, a, b);
		free(a);
		free(b);
	}
	store_close(s);
}

static int add_row_uuid(void *ctx, const struct alert_row *a)
{
	struct names *n = ctx;
	size_t at = strlen(n->list);
	snprintf(n->list + at, sizeof(n->list) - at, "%s;", a->uuid);
	return 0;
}

/* The building blocks are under their sequence alert (in their group.index order), whichever
 * was imported first, in one file or two; the queue and the top-level list show the sequence
 * alert alone. Kibana: build_alert_group_from_sequence.ts writes each building block with
 * kibana.alert.group.id and .index and building_block_type "default", the sequence alert with
 * the group's id alone. */
static void test_building_blocks_under_their_sequence(void **state)
{
	(void)state;
	static const char *const orders[][2] = {
	    {BUILDING_BLOCK("bb1", "1", "0") BUILDING_BLOCK("bb2", "2", "1") GROUP_MEMBER("sq", "3", ""), NULL},
	    {GROUP_MEMBER("sq", "3", "") BUILDING_BLOCK("bb2", "2", "1") BUILDING_BLOCK("bb1", "1", "0"), NULL},
	    {BUILDING_BLOCK("bb2", "2", "1") BUILDING_BLOCK("bb1", "1", "0"), GROUP_MEMBER("sq", "3", "")},
	};
	for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		struct store *s = case_of(orders[i][0]);
		if (orders[i][1]) { /* the sequence alert in a later ingest */
			int64_t before = store_max_event_id(s);
			tu_write_str(tu_path("later.json"), orders[i][1]);
			struct ingest_options o = {.analyst = "test", .errors = {diag_to_stream, quiet}};
			struct ingest_counts c = {0};
			assert_int_equal(ingest_path(s, tu_path("later.json"), &o, &c), INGEST_OK);
			struct kibana_counts k;
			assert_int_equal(kibana_alerts_import(s, before, 1, NULL, &k), 0);
			assert_int_equal(k.added, 1);
		}
		int64_t sq = id_of(s, "kibana:sq");
		assert_int_equal(alert(s, "kibana:bb1").parent, sq);
		assert_int_equal(alert(s, "kibana:bb2").parent, sq);
		assert_int_equal(alert(s, "kibana:sq").parent, 0);
		struct names queue = {{0}}, under = {{0}}, top = {{0}};
		assert_int_equal(store_queue_each(s, add_queue_name, &queue), 0);
		assert_string_equal(queue.list, "kibana:sq=Seq;");
		struct alert_query q = {.group_parent = sq, .no_doc = 1};
		assert_int_equal(store_alerts_each(s, &q, add_row_uuid, &under), 0);
		assert_string_equal(under.list, "kibana:bb1;kibana:bb2;");
		struct alert_query tq = {.top_level = 1, .no_doc = 1};
		assert_int_equal(store_alerts_each(s, &tq, add_row_uuid, &top), 0);
		assert_string_equal(top.list, "kibana:sq;");
		int64_t entries, bad;
		char why[300];
		assert_int_equal(store_audit_verify(s, &entries, &bad, why, sizeof(why)), 0);
		store_close(s);
	}
}

#define TREE_MEMBER(id, at, group, extra)                                                                              \
	"{" ALERTS_INDEX ",\"_id\":\"" id "\",\"_source\":{\"@timestamp\":\"2024-05-01T12:00:0" at "Z\","              \
	"\"kibana.alert.uuid\":\"" id "\",\"kibana.alert.rule.rule_id\":\"seq\",\"kibana.alert.rule.name\":\"Seq\","   \
	"\"kibana.alert.rule.type\":\"eql\",\"kibana.alert.rule.severity\":\"high\","                                  \
	"\"kibana.alert.rule.risk_score\":73,\"kibana.alert.severity\":\"high\",\"kibana.alert.risk_score\":73,"       \
	"\"kibana.alert.group.id\":\"" group "\"" extra                                                                \
	",\"event\":{\"kind\":\"signal\"},\"host\":{\"name\":\"mac3\"}}}\n"
#define TREE_BLOCK(id, at, group, index)                                                                               \
	TREE_MEMBER(id, at, group,                                                                                     \
	            ",\"kibana.alert.building_block_type\":\"default\",\"kibana.alert.group.index\":" index)

struct tree {
	char list[512];
	int64_t top; /* the last top-level alert's id */
	char top_uuid[64];
	int stop_after; /* > 0: stop after so many */
	int n;
};

static int add_tree_row(void *ctx, const struct queue_alert *a)
{
	struct tree *t = ctx;
	const char *uuid = a->uuid + strlen(ALERT_IMPORTED_PREFIX);
	size_t at = strlen(t->list);
	if (a->group_parent) /* under the sequence alert listed last, or "?" */
		snprintf(t->list + at, sizeof(t->list) - at, "%s<%s%s;", uuid,
		         a->group_parent == t->top ? t->top_uuid : "?", a->building_block ? "" : "!bb");
	else {
		snprintf(t->list + at, sizeof(t->list) - at, "%s;", uuid);
		t->top = a->id;
		snprintf(t->top_uuid, sizeof(t->top_uuid), "%s", uuid);
	}
	return t->stop_after && ++t->n >= t->stop_after;
}

/* The console's queue in tree order (store_queue_tree_each): the top-level alerts by time, each
 * sequence alert followed by its building blocks (kibana.alert.group.id) in group.index order
 * whatever their times, as Kibana's alerts table groups them; a block whose sequence alert the
 * case lacks stays a top-level alert; the callback stops it, inside a group too. */
static void test_queue_tree_nests_building_blocks_under_their_sequence(void **state)
{
	(void)state;
	static const struct {
		const char *docs, *want;
		int stop_after;
	} trees[] = {
	    {TREE_BLOCK("b1", "1", "g1", "0") TREE_BLOCK("b2", "5", "g1", "1") TREE_MEMBER("s1", "3", "g1", "")
	         TREE_BLOCK("c1", "2", "g2", "1") TREE_BLOCK("c0", "6", "g2", "0") TREE_MEMBER("s2", "7", "g2", "")
	             TREE_MEMBER("lone", "4", "g9", ""),
	     "s1;b1<s1;b2<s1;lone;s2;c0<s2;c1<s2;", 0},
	    {TREE_BLOCK("o1", "1", "g5", "0") TREE_MEMBER("s1", "3", "g1", ""), "o1;s1;", 0}, /* no sequence for o1 */
	    {TREE_BLOCK("b1", "1", "g1", "0") TREE_BLOCK("b2", "2", "g1", "1") TREE_MEMBER("s1", "3", "g1", "")
	         TREE_MEMBER("z", "4", "g8", ""),
	     "s1;b1<s1;", 2}, /* stopped under the sequence alert */
	};
	for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
		struct store *s = case_of(trees[i].docs);
		struct tree t = {.stop_after = trees[i].stop_after};
		assert_int_equal(store_queue_tree_each(s, add_tree_row, &t),
		                 trees[i].stop_after ? 1 : 0); /* its stop */
		if (strcmp(t.list, trees[i].want))
			fail_msg("case %zu: want %s, got %s", i, trees[i].want, t.list);
		store_close(s);
	}
}

/* The JSON export's record of a sequence alert lists its building blocks, and its case
 * attachment takes them with it as one alert attachment of Kibana's Cases API (POST
 * /api/cases/{id}/comments: type "alert", alertId and index arrays of one length, rule
 * {id, name}, owner "securitySolution"); the alert ids are Kibana's (kibana.alert.uuid, the
 * _id), in group.index order after the sequence alert. The Markdown report names them. A
 * building block's own record has none under it. */
static void test_export_names_building_blocks(void **state)
{
	(void)state;
	struct store *s =
	    case_of(BUILDING_BLOCK("bb2", "2", "1") GROUP_MEMBER("sq", "3", "") BUILDING_BLOCK("bb1", "1", "0"));
	char *json = export_one(s, "kibana:sq", EXPORT_JSON);
	cJSON *root = cJSON_Parse(json);
	assert_non_null(root);
	const cJSON *rec = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "records"), 0);
	char *blocks = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(rec, "building_blocks"));
	assert_string_equal(blocks,
	                    "[{\"uuid\":\"kibana:bb1\",\"rule\":\"Seq\",\"severity\":\"high\",\"status\":\"open\","
	                    "\"time\":\"2024-05-01T12:00:01.000000Z\"},{\"uuid\":\"kibana:bb2\",\"rule\":\"Seq\","
	                    "\"severity\":\"high\",\"status\":\"open\",\"time\":\"2024-05-01T12:00:02.000000Z\"}]");
	char *att = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(rec, "case_attachment"));
	assert_string_equal(att, "{\"type\":\"alert\",\"alertId\":[\"sq\",\"bb1\",\"bb2\"],\"index\":["
	                         "\".alerts-security.alerts-default\",\".alerts-security.alerts-default\","
	                         "\".alerts-security.alerts-default\"],\"rule\":{\"id\":null,\"name\":\"Seq\"},"
	                         "\"owner\":\"securitySolution\"}");
	cJSON_free(blocks);
	cJSON_free(att);
	cJSON_Delete(root);
	free(json);
	char *md = export_one(s, "kibana:sq", EXPORT_MARKDOWN);
	assert_non_null(strstr(md,
	                       "## Building blocks\n\n1. `kibana:bb1` Seq, high, 2024-05-01T12:00:01.000000Z, open\n"
	                       "2. `kibana:bb2` Seq, high, 2024-05-01T12:00:02.000000Z, open\n\n"));
	free(md);
	json = export_one(s, "kibana:bb1", EXPORT_JSON);
	assert_non_null(strstr(json, "\"building_blocks\":[]"));
	assert_null(strstr(json, "kibana:bb2"));
	free(json);
	store_close(s);
}

/* A custom closing reason is Kibana's to bring: the importer (Kibana's user) keeps it; an
 * analyst's reason is one of the list, so a typo is refused rather than kept. */
static void test_custom_reasons_come_from_kibana_alone(void **state)
{
	(void)state;
	static const struct {
		const char *reason, *who;
		int valid;
	} t[] = {
	    {"false_positive", "jo", 1},
	    {"duplicate", "kibana:jo", 1},
	    {"Handled by runbook 12", "kibana:jo", 1},
	    {"Handled by runbook 12", "kibana:", 1},
	    {"flase_positive", "jo", 0},
	    {"Handled by runbook 12", "jo", 0},
	    {"line\nbreak", "kibana:jo", 0},
	    {"", "kibana:jo", 0},
	    {NULL, "kibana:jo", 0},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct actor a = {.analyst = t[i].who, .at_us = 1};
		if (triage_reason_valid(t[i].reason, &a) != t[i].valid)
			fail_msg("%s by %s", t[i].reason ? t[i].reason : "(none)", t[i].who);
	}
	char longest[TRIAGE_REASON_MAX + 2];
	memset(longest, 'x', sizeof(longest) - 1);
	longest[TRIAGE_REASON_MAX + 1] = '\0';
	struct actor kibana = {.analyst = "kibana:jo"};
	assert_false(triage_reason_valid(longest, &kibana));
	longest[TRIAGE_REASON_MAX] = '\0';
	assert_true(triage_reason_valid(longest, &kibana));
	/* an analyst cannot close with it either */
	struct store *s = case_of(CLOSED("c1", "false_positive"));
	struct actor jo = {.analyst = "jo", .at_us = 2};
	int open_items;
	assert_int_equal(triage_set_status(s, id_of(s, "kibana:c1"), "kibana:c1", "closed", "Handled by runbook 12",
	                                   NULL, 1, &jo, &open_items),
	                 TRIAGE_INVALID);
	/* acknowledged by the analyst: an 8.x alert goes back as acknowledged */
	assert_int_equal(
	    triage_set_status(s, id_of(s, "kibana:c1"), "kibana:c1", "acknowledged", NULL, NULL, 1, &jo, &open_items),
	    TRIAGE_OK);
	char *ks = export_one(s, "kibana:c1", EXPORT_KIBANA_STATUS);
	assert_string_equal(ks, "{\"signal_ids\":[\"c1\"],\"status\":\"acknowledged\"}\n");
	free(ks);
	store_close(s);
}

/* The real alert Kibana 8.3 raised with the "Endpoint Security" promotion rule (its rule says
 * medium / 47; severity_mapping and risk_score_mapping over the Endpoint alert's event.severity
 * and event.risk_score gave high / 73, rule_name_override the Endpoint alert's message). */
static void test_real_kibana_8_3_alert(void **state)
{
	(void)state;
	static const char *path = "../shared/corpus/ecs-rfc-examples/rfc0031_kibana_alert_8.3.0.ndjson";
	struct stat st;
	if (stat(path, &st)) {
		skip();
		return;
	}
	struct store *s;
	char *err = NULL;
	assert_int_equal(store_open(":memory:", STORE_CREATE, &s, &err), 0);
	struct ingest_options o = {.analyst = "test", .errors = {diag_to_stream, quiet}};
	struct ingest_counts c = {0};
	assert_int_equal(ingest_path(s, path, &o, &c), INGEST_OK);
	struct kibana_counts k;
	assert_int_equal(kibana_alerts_import(s, 0, 1, NULL, &k), 0);
	assert_int_equal(k.added, 1);
	struct got g = alert(s, "kibana:bbef4313d1ced5ff3c8558ebdd11a4dd7ea5df5df5bb391335f60845d361eba5");
	assert_string_equal(g.name, "Malicious Behavior Prevention Alert: Regsvr32 Scriptlet Execution");
	assert_string_equal(g.severity, "high");
	assert_int_equal(g.risk, 73);
	assert_string_equal(g.status, "open");
	store_close(s);
}

int main(void)
{
	quiet = fopen("/dev/null", "w");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_each_document_form),
	    cmocka_unit_test(test_signal_fields_map_to_the_alert),
	    cmocka_unit_test(test_one_rule_two_names),
	    cmocka_unit_test(test_building_blocks_under_their_sequence),
	    cmocka_unit_test(test_queue_tree_nests_building_blocks_under_their_sequence),
	    cmocka_unit_test(test_export_names_building_blocks),
	    cmocka_unit_test(test_custom_reasons_come_from_kibana_alone),
	    cmocka_unit_test(test_real_kibana_8_3_alert),
	};
	tu_tmpdir();
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	tu_cleanup();
	fclose(quiet);
	return failed;
}
