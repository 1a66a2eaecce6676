/* libFuzzer: the Kibana-alert importer on arbitrary documents (each input is ingested as a
 * file, then its alert documents imported) in a case that already holds an alert of
 * casebook's own, whose uuid starts as a forged one might. Whatever the input: the store
 * never fails, the case's own alert is never touched (status, audit), every imported alert
 * lives under ALERT_IMPORTED_PREFIX with a risk score of 0-100, and the audit chain, with
 * the statuses it recomputes, verifies. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "detect/rule.h"
#include "ingest/ingest.h"
#include "store/alerts.h"
#include "store/store.h"
#include "store/triage.h"
#include "triage/kibana.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define OWN_UUID "1a2b3c"

static FILE *devnull;

static void must(int ok)
{
	if (!ok)
		abort();
}

static void ingest_bytes(struct store *s, const void *data, size_t size)
{
	int fd = memfd_create("input", 0);
	must(fd >= 0 && write(fd, data, size) == (ssize_t)size);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct ingest_options o = {.analyst = "fuzz", .errors = {diag_to_stream, devnull}};
	struct ingest_counts c = {0};
	must(ingest_path(s, path, &o, &c) != INGEST_STORE_FAILED);
	close(fd);
}

/* The case before the input: one event and an alert of casebook's own on it. */
static struct store *base_case(void)
{
	struct store *s;
	char *err = NULL;
	must(!store_open(":memory:", STORE_CREATE, &s, &err));
	static const char event[] = "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"e1\"},"
	                            "\"host\":{\"name\":\"mac1\"},\"process\":{\"name\":\"cp\"}}\n";
	ingest_bytes(s, event, sizeof(event) - 1);
	cJSON *rule = cJSON_Parse("{\"kibana.alert.rule.rule_id\":\"own\",\"kibana.alert.rule.name\":\"own\","
	                          "\"kibana.alert.rule.severity\":\"high\",\"kibana.alert.rule.risk_score\":70}");
	int64_t key = 0;
	char why[200];
	must(!store_begin(s) && !rules_add_from_alert(s, rule, &key, why, sizeof(why)) && key);
	cJSON_Delete(rule);
	int64_t event_id = store_max_event_id(s);
	struct alert_record a = {.uuid = OWN_UUID,
	                         .rule_key = key,
	                         .event_id = event_id,
	                         .severity = "high",
	                         .risk_score = 70,
	                         .reason = "own",
	                         .doc = "{\"kibana.alert.workflow_status\":\"open\"}"};
	int created = 0;
	must(!store_alert_add(s, &a, &created) && created && !store_commit(s));
	return s;
}

static int check_alert(void *ctx, const struct alert_row *a)
{
	(void)ctx;
	if (!strcmp(a->uuid, OWN_UUID))
		must(!strcmp(a->status, "open") && a->risk_score == 70);
	else
		must(!strncmp(a->uuid, ALERT_IMPORTED_PREFIX, strlen(ALERT_IMPORTED_PREFIX)) && a->risk_score >= 0 &&
		     a->risk_score <= 100);
	return 0;
}

static int anchor_only(void *ctx, const struct audit_row *e)
{
	/* the case's own alert has one entry, the anchor made with it: nothing was done to it */
	int *entries = ctx;
	must(!strcmp(e->action, "alert") && ++*entries == 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	/* a case is made anew every 256 inputs (making one is most of a run's time); the checks
	 * hold for everything imported into it since */
	static struct store *s;
	static unsigned runs;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (runs++ % 256 == 0) {
		store_close(s);
		s = base_case();
	}
	int64_t before = store_max_event_id(s);
	ingest_bytes(s, data, size);
	struct kibana_counts c;
	must(!kibana_alerts_import(s, before, 1, NULL, &c));
	struct alert_query all = {.no_doc = 1};
	must(!store_alerts_each(s, &all, check_alert, NULL));
	int own_entries = 0;
	must(!store_audit_each(s, OWN_UUID, anchor_only, &own_entries) && own_entries == 1);
	int64_t entries, bad;
	char why[300];
	must(store_audit_verify(s, &entries, &bad, why, sizeof(why)) == 0);
	return 0;
}
