/* libFuzzer: a case file from anyone, through open and every reading path (the list, the
 * queue, the audit verification with its state checks, rules, rejects, each alert's record
 * and its exports). An input that starts with SQLite's header is a database as it is;
 * anything else is a list of 5-byte patches (a 32-bit offset, a byte) applied to a small
 * sound case made at start-up, so that mutations reach past the header into real pages. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "export/export.h"
#include "store/alerts.h"
#include "store/rules.h"
#include "store/store.h"
#include "store/triage.h"
#include "triage/record.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static unsigned char *base;
static size_t base_len;
static char path[64];

static void remove_files(void)
{
	char side[80];
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

static void must(int ok)
{
	if (!ok)
		abort();
}

/* A sound case with a row in every table a reader touches, in 1 KiB pages (small enough for
 * patches to land anywhere that matters). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	snprintf(path, sizeof(path), "/tmp/fuzz_case_%ld.db", (long)getpid());
	remove_files();
	atexit(remove_files);
	struct store *s;
	char *err = NULL;
	must(store_open(path, STORE_CREATE, &s, &err) == 0);
	store_close(s);
	sqlite3 *db;
	must(sqlite3_open(path, &db) == SQLITE_OK);
	const char *rows =
	    "INSERT INTO ingests(id, name, started_us) VALUES (1, 'in.ndjson', 0);"
	    "INSERT INTO rejects(ingest_id, line, col, byte_offset, error, raw, raw_sha256) "
	    "VALUES (1, 3, 4, 50, 'bad', x'7b1b5b', 'h');"
	    "INSERT INTO hosts(key, host_id, name) VALUES (1, 'h1', 'mac');"
	    "INSERT INTO events(id, identity, ts, host_key, category, file_path, process_name, ingest_id) "
	    "VALUES (1, 'e1', 1000000, 1, 'file', '/x.dsplug', 'cp', 1), (2, 'e2', 2000000, 1, 'process', NULL, 'sh', "
	    "1);"
	    "INSERT INTO docs(id, dict_id, doc) VALUES (1, NULL, x'28b52ffd2000110000007b7d'), (2, NULL, x'00');"
	    "INSERT INTO rules(key, rule_id, version, uuid, name, type, language, enabled, source, json) VALUES "
	    "(1, 'r1', 1, 'u1', 'Rule', 'query', 'kuery', 1, 'pack', "
	    "'{\"rule_id\":\"r1\",\"name\":\"Rule\",\"type\":\"query\",\"query\":\"a:b\",\"note\":\"## Possible "
	    "investigation steps\\n\\n- look\\n\"}');"
	    "INSERT INTO alerts(id, uuid, rule_key, event_id, original_time, created_us, execution_us, severity, "
	    "risk_score, workflow_status, reason, host_key, file_path, target) VALUES "
	    "(1, 'a1', 1, 1, 1000000, 0, 0, 'high', 73, 'open', 'r', 1, '/x.dsplug', '/x.dsplug');"
	    "INSERT INTO alert_docs(id, doc) VALUES "
	    "(1, '{\"kibana.alert.workflow_status\":\"open\",\"kibana.alert.rule.note\":\"- x\"}');"
	    "INSERT INTO alert_events(alert_id, position, event_id) VALUES (1, 0, 1);"
	    "INSERT INTO triage_items(alert_id, kind, position, text, state) VALUES (1, 'check', 1, 'look', 'open');"
	    "INSERT INTO notes(alert_id, text, by, at_us) VALUES (1, 'n', 'amy', 5);"
	    "INSERT INTO audit(id, alert_uuid, analyst, at_us, action, after, prev_hash, hash) "
	    "VALUES (1, 'a1', 'amy', 5, 'note', 'n', 'x', 'y');"
	    "INSERT INTO audit_head(one, last_id, hash) VALUES (1, 1, 'y');"
	    "PRAGMA journal_mode=DELETE; PRAGMA page_size=1024; VACUUM;";
	must(sqlite3_exec(db, rows, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	FILE *f = fopen(path, "rb");
	must(f != NULL);
	struct strbuf sb;
	strbuf_init(&sb, 1 << 16);
	must(strbuf_read_stream(&sb, f) == 0);
	fclose(f);
	base = (unsigned char *)strbuf_detach(&sb, &base_len);
	return 0;
}

static int count_alert(void *ctx, const struct alert_row *a)
{
	(void)a;
	(*(int *)ctx)++;
	return 0;
}

static int count_queue(void *ctx, const struct queue_alert *a)
{
	(void)a;
	(*(int *)ctx)++;
	return 0;
}

static int count_rule(void *ctx, const struct rule_row *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

static int count_reject(void *ctx, const struct reject_row *r)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

static int count_item(void *ctx, const struct triage_item *it)
{
	(void)it;
	(*(int *)ctx)++;
	return 0;
}

/* The first alerts' uuids (at most four): their records and exports are read too. */
struct firsts {
	char *uuid[4];
	int64_t id[4];
	size_t n;
};

static int take_first(void *ctx, const struct alert_row *a)
{
	struct firsts *f = ctx;
	f->uuid[f->n] = xstrdup(a->uuid);
	f->id[f->n] = a->id;
	return ++f->n == 4;
}

static void read_everything(struct store *s)
{
	int n = 0;
	struct alert_query q = {0};
	store_alerts_each(s, &q, count_alert, &n);
	store_queue_each(s, count_queue, &n);
	store_rules_each(s, count_rule, &n);
	store_rejects_each(s, count_reject, &n);
	int64_t entries, bad;
	char why[300];
	store_audit_verify(s, &entries, &bad, why, sizeof(why));
	char hash[65];
	store_audit_head(s, &entries, hash);
	struct firsts f = {.n = 0};
	store_alerts_each(s, &q, take_first, &f);
	struct export_options o = {.before_us = 600000000, .after_us = 600000000, .now_us = 1};
	struct strbuf out;
	strbuf_init(&out, 4096);
	for (size_t i = 0; i < f.n; i++) {
		triage_items_each(s, f.id[i], count_item, &n);
		for (int fmt = EXPORT_MARKDOWN; fmt <= EXPORT_TIMESKETCH_CSV; fmt++) {
			strbuf_reset(&out);
			export_alerts(s, &f.uuid[i], 1, (enum export_format)fmt, &o, &out);
		}
		free(f.uuid[i]);
	}
	strbuf_release(&out);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	unsigned char *image;
	size_t len;
	if (size >= 16 && !memcmp(data, "SQLite format 3", 16)) {
		image = (unsigned char *)data;
		len = size;
	} else {
		image = malloc(base_len);
		must(image != NULL);
		memcpy(image, base, base_len);
		len = base_len;
		for (size_t i = 0; i + 5 <= size; i += 5) {
			uint32_t off = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8 | (uint32_t)data[i + 2] << 16 |
			               (uint32_t)data[i + 3] << 24;
			image[off % len] = data[i + 4];
		}
	}
	remove_files();
	FILE *f = fopen(path, "wb");
	must(f && fwrite(image, 1, len, f) == len && fclose(f) == 0);
	if (image != data)
		free(image);
	struct store *s;
	char *err = NULL;
	if (store_open(path, STORE_READONLY, &s, &err) == 0) {
		read_everything(s);
		store_close(s);
	}
	free(err);
	return 0;
}
