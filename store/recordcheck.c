/* The record's indexes agree with their tables. A case file is untrusted: pointing an index
 * at a stale copy of its b-tree (writable_schema) keeps the schema text casebook's, yet the
 * queue and `alerts --status` read the index while `show` and the audit read the table, so
 * the case would say two things about one alert. On every open, each index of the tables that
 * make the triage record is compared with its table: one scan of the table and one of each
 * index (covering, so the index alone is read), each reduced to an order-independent digest
 * of its rows. The events table is not checked here: its indexes are as large as the case
 * (docs/RELIABILITY.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/digest.h"
#include "store/store_internal.h"

/* ---- casebook_rows(v1, v2, ...): a keyed digest of a set of rows ----
 * Each row is encoded (type, then value) and hashed with SipHash-1-3 under a key drawn at
 * random for this process; the digest is the count and the sum of the hashes, so that the
 * order rows arrive in does not matter. The key is secret, so a file cannot be made whose
 * index and table differ yet sum alike. */

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/* Byte order does not matter: every digest is compared within the process that made it. */
static uint64_t load64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

#define SIPROUND                                                                                                       \
	do {                                                                                                           \
		v0 += v1, v1 = rotl(v1, 13), v1 ^= v0, v0 = rotl(v0, 32);                                              \
		v2 += v3, v3 = rotl(v3, 16), v3 ^= v2;                                                                 \
		v0 += v3, v3 = rotl(v3, 21), v3 ^= v0;                                                                 \
		v2 += v1, v1 = rotl(v1, 17), v1 ^= v2, v2 = rotl(v2, 32);                                              \
	} while (0)

/* SipHash-1-3: keyed, and fast enough to digest every row of the record on each open. */
static uint64_t siphash13(const uint64_t key[2], const unsigned char *in, size_t len)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ key[0], v1 = 0x646f72616e646f6dULL ^ key[1];
	uint64_t v2 = 0x6c7967656e657261ULL ^ key[0], v3 = 0x7465646279746573ULL ^ key[1];
	size_t full = len - len % 8;
	for (size_t i = 0; i < full; i += 8) {
		uint64_t m = load64(in + i);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	uint64_t b = (uint64_t)len << 56;
	for (size_t i = 0; i < len % 8; i++)
		b |= (uint64_t)in[full + i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static const uint64_t *process_key(void)
{
	static uint64_t key[2];
	static int drawn;
	if (!drawn) {
		if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
			/* no entropy source: still unknown to whoever wrote the file beforehand */
			key[0] = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
			key[1] = (uint64_t)(uintptr_t)&key ^ (uint64_t)clock();
		}
		drawn = 1;
	}
	return key;
}

struct rows_digest {
	int64_t count;
	uint64_t sum;
	struct strbuf row;
};

static void add_u64(struct strbuf *b, uint64_t v)
{
	strbuf_add(b, &v, sizeof(v));
}

/* One value, as its type and its bytes (text and blobs with their length first). */
static void encode_value(struct strbuf *b, sqlite3_value *v)
{
	int type = sqlite3_value_type(v);
	strbuf_addch(b, (char)type);
	if (type == SQLITE_INTEGER) {
		add_u64(b, (uint64_t)sqlite3_value_int64(v));
	} else if (type == SQLITE_FLOAT) {
		double d = sqlite3_value_double(v);
		uint64_t bits;
		memcpy(&bits, &d, sizeof(bits));
		add_u64(b, bits);
	} else if (type == SQLITE_TEXT || type == SQLITE_BLOB) {
		const void *p = type == SQLITE_TEXT ? (const void *)sqlite3_value_text(v) : sqlite3_value_blob(v);
		size_t n = (size_t)sqlite3_value_bytes(v);
		add_u64(b, n);
		if (p)
			strbuf_add(b, p, n);
	}
}

static void rows_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct rows_digest *d = sqlite3_aggregate_context(ctx, sizeof(*d));
	if (!d)
		return;
	if (!d->row.buf)
		strbuf_init(&d->row, 256);
	strbuf_reset(&d->row);
	for (int i = 0; i < argc; i++)
		encode_value(&d->row, argv[i]);
	d->sum += siphash13(process_key(), (const unsigned char *)d->row.buf, d->row.len);
	d->count++;
}

static void rows_final(sqlite3_context *ctx)
{
	struct rows_digest *d = sqlite3_aggregate_context(ctx, 0);
	char out[48];
	snprintf(out, sizeof(out), "%lld:%016llx", d ? (long long)d->count : 0LL,
	         d ? (unsigned long long)d->sum : 0ULL);
	if (d && d->row.buf)
		strbuf_release(&d->row);
	sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

/* casebook_sha256(x): the SHA-256 of a text's or blob's bytes, in hex; NULL for NULL. */
static void sha256_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	const void *p = sqlite3_value_type(argv[0]) == SQLITE_BLOB ? sqlite3_value_blob(argv[0])
	                                                           : (const void *)sqlite3_value_text(argv[0]);
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex(p ? p : "", (size_t)sqlite3_value_bytes(argv[0]), hex);
	sqlite3_result_text(ctx, hex, SHA256_HEX_LEN, SQLITE_TRANSIENT);
}

int store_register_functions(sqlite3 *db)
{
	/* called from casebook's own statements only: never from a schema object in the file */
	int flags = SQLITE_UTF8 | SQLITE_DIRECTONLY;
	if (sqlite3_create_function_v2(db, "casebook_rows", -1, flags, NULL, NULL, rows_step, rows_final, NULL) !=
	        SQLITE_OK ||
	    sqlite3_create_function_v2(db, "casebook_sha256", 1, flags | SQLITE_DETERMINISTIC, NULL, sha256_fn, NULL,
	                               NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

/* ---- the check ---- */

#define MAX_INDEXES 8

/* A table of the triage record and its indexes: table_sql computes, in one scan of the table
 * (NOT INDEXED), the digest of each index's columns and rowid in index order; index_sql[i]
 * computes the same from index i alone. */
static const struct checked_table {
	const char *table, *table_sql;
	const char *index[MAX_INDEXES], *index_sql[MAX_INDEXES];
} checked[] = {
    {"alerts",
     "SELECT casebook_rows(uuid, rowid), casebook_rows(workflow_status, original_time, rowid), "
     "casebook_rows(rule_key, rowid), casebook_rows(event_id, rowid), casebook_rows(file_path, host_key, rowid), "
     "casebook_rows(original_time, uuid, workflow_status, severity, risk_score, rule_key, host_key, event_id, "
     "target, rule_name, group_parent, rowid), casebook_rows(host_key, original_time, rowid), "
     "casebook_rows(group_id, rowid) FILTER (WHERE group_id IS NOT NULL) FROM alerts NOT INDEXED",
     {"sqlite_autoindex_alerts_1", "alerts_status_time", "alerts_rule", "alerts_event", "alerts_file_path",
      "alerts_queue", "alerts_host_time", "alerts_group"},
     {"SELECT casebook_rows(uuid, rowid) FROM alerts INDEXED BY sqlite_autoindex_alerts_1",
      "SELECT casebook_rows(workflow_status, original_time, rowid) FROM alerts INDEXED BY alerts_status_time",
      "SELECT casebook_rows(rule_key, rowid) FROM alerts INDEXED BY alerts_rule",
      "SELECT casebook_rows(event_id, rowid) FROM alerts INDEXED BY alerts_event",
      "SELECT casebook_rows(file_path, host_key, rowid) FROM alerts INDEXED BY alerts_file_path",
      "SELECT casebook_rows(original_time, uuid, workflow_status, severity, risk_score, rule_key, host_key, "
      "event_id, target, rule_name, group_parent, rowid) FROM alerts INDEXED BY alerts_queue",
      "SELECT casebook_rows(host_key, original_time, rowid) FROM alerts INDEXED BY alerts_host_time",
      "SELECT casebook_rows(group_id, rowid) FROM alerts INDEXED BY alerts_group WHERE group_id IS NOT NULL"}},
    {"audit",
     "SELECT casebook_rows(alert_uuid, rowid) FROM audit NOT INDEXED",
     {"audit_alert"},
     {"SELECT casebook_rows(alert_uuid, rowid) FROM audit INDEXED BY audit_alert"}},
    {"notes",
     "SELECT casebook_rows(alert_id, rowid) FROM notes NOT INDEXED",
     {"notes_alert"},
     {"SELECT casebook_rows(alert_id, rowid) FROM notes INDEXED BY notes_alert"}},
    {"triage_items",
     "SELECT casebook_rows(alert_id, kind, position, rowid) FROM triage_items NOT INDEXED",
     {"sqlite_autoindex_triage_items_1"},
     {"SELECT casebook_rows(alert_id, kind, position, rowid) FROM triage_items INDEXED BY "
      "sqlite_autoindex_triage_items_1"}},
    {"rules",
     "SELECT casebook_rows(rule_id, version, rowid) FROM rules NOT INDEXED",
     {"sqlite_autoindex_rules_1"},
     {"SELECT casebook_rows(rule_id, version, rowid) FROM rules INDEXED BY sqlite_autoindex_rules_1"}},
    {"exception_lists",
     "SELECT casebook_rows(list_id, namespace_type, rowid) FROM exception_lists NOT INDEXED",
     {"sqlite_autoindex_exception_lists_1"},
     {"SELECT casebook_rows(list_id, namespace_type, rowid) FROM exception_lists INDEXED BY "
      "sqlite_autoindex_exception_lists_1"}},
    {"exception_items",
     "SELECT casebook_rows(item_id, namespace_type, rowid) FROM exception_items NOT INDEXED",
     {"sqlite_autoindex_exception_items_1"},
     {"SELECT casebook_rows(item_id, namespace_type, rowid) FROM exception_items INDEXED BY "
      "sqlite_autoindex_exception_items_1"}},
    {"hosts",
     "SELECT casebook_rows(host_id, name, rowid) FROM hosts NOT INDEXED",
     {"sqlite_autoindex_hosts_1"},
     {"SELECT casebook_rows(host_id, name, rowid) FROM hosts INDEXED BY sqlite_autoindex_hosts_1"}},
    {"rule_notes",
     "SELECT casebook_rows(rule_id, rowid) FROM rule_notes NOT INDEXED",
     {"sqlite_autoindex_rule_notes_1"},
     {"SELECT casebook_rows(rule_id, rowid) FROM rule_notes INDEXED BY sqlite_autoindex_rule_notes_1"}},
    {"field_types",
     "SELECT casebook_rows(field, rowid) FROM field_types NOT INDEXED",
     {"sqlite_autoindex_field_types_1"},
     {"SELECT casebook_rows(field, rowid) FROM field_types INDEXED BY sqlite_autoindex_field_types_1"}},
    {"deferred_indexes",
     "SELECT casebook_rows(name, rowid) FROM deferred_indexes NOT INDEXED",
     {"sqlite_autoindex_deferred_indexes_1"},
     {"SELECT casebook_rows(name, rowid) FROM deferred_indexes INDEXED BY sqlite_autoindex_deferred_indexes_1"}},
};
#define NCHECKED (sizeof(checked) / sizeof(checked[0]))

int store_index_is_checked(const char *name)
{
	for (size_t t = 0; t < NCHECKED; t++)
		for (size_t i = 0; i < MAX_INDEXES && checked[t].index[i]; i++)
			if (!strcmp(checked[t].index[i], name))
				return 1;
	return 0;
}

/* Runs a digest query: its columns' digests into got[] (each "COUNT:SUM"). */
static int run_digests(struct store *s, const char *sql, char got[][48], int n)
{
	sqlite3_stmt *st;
	if (store_prepare(s, sql, &st))
		return -1;
	int rc = sqlite3_step(st);
	for (int i = 0; rc == SQLITE_ROW && i < n; i++)
		snprintf(got[i], sizeof(got[i]), "%s", store_col_req(st, i));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : store_fail(s, "comparing the record's indexes with their tables");
}

int store_index_absent(struct store *s, const char *name, int *absent)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT NOT EXISTS (SELECT 1 FROM main.sqlite_schema WHERE type = 'index' AND name = ?1)",
	                  &st))
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*absent = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : store_fail(s, "reading the schema");
}

static int check_table(struct store *s, const struct checked_table *t)
{
	char want[MAX_INDEXES][48], have[1][48];
	int n = 0;
	while (n < MAX_INDEXES && t->index[n])
		n++;
	if (run_digests(s, t->table_sql, want, n))
		return -1;
	for (int i = 0; i < n; i++) {
		/* the schema check, run before in the same transaction, excused only an index a bulk
		 * load or a detect defers while deferred_indexes names it: nothing to compare until it
		 * is built. An index present is compared, whatever deferred_indexes says. */
		int absent;
		if (store_index_absent(s, t->index[i], &absent))
			return -1;
		if (absent && store_index_is_deferrable(t->index[i]))
			continue;
		if (run_digests(s, t->index_sql[i], have, 1))
			return -1;
		if (strcmp(want[i], have[0])) {
			strbuf_reset(&s->err);
			strbuf_addf(
			    &s->err,
			    "its index \"%s\" does not hold what its table \"%s\" holds (the file was altered or "
			    "damaged)",
			    t->index[i], t->table);
			return -1;
		}
	}
	return 0;
}

int store_check_record_indexes(struct store *s)
{
	for (size_t t = 0; t < NCHECKED; t++)
		if (check_table(s, &checked[t]))
			return -1;
	return 0;
}
