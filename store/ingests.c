/* The chain of custody: one row per input read, and every damaged document kept whole. */
#include "store/store_internal.h"

#include "common/digest.h"
#include "common/timeutil.h"

int store_ingest_begin(struct store *s, const char *name, const char *analyst, int64_t *id)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "INSERT INTO ingests(name, started_us, analyst) VALUES (?1, ?2, ?3)", &st))
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, time_now_us());
	sqlite3_bind_text(st, 3, analyst, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "recording the ingest");
	sqlite3_finalize(st);
	*id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int store_ingest_finish(struct store *s, int64_t id, uint64_t size, const char *sha256, const struct ingest_counts *c)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
	                  "UPDATE ingests SET size=?2, sha256=?3, finished_us=?4, documents=?5, added=?6, "
	                  "duplicates=?7, rejected=?8 WHERE id=?1",
	                  &st))
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
	sqlite3_bind_text(st, 3, sha256, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, time_now_us());
	sqlite3_bind_int64(st, 5, (sqlite3_int64)c->documents);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)c->added);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)c->duplicates);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)c->rejected);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "finishing the ingest record");
	sqlite3_finalize(st);
	return rc;
}

int store_reject_add(struct store *s, const struct reject_row *r)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
	                  "INSERT OR IGNORE INTO rejects(ingest_id, line, col, byte_offset, error, raw, raw_dropped, "
	                  "raw_sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	                  &st))
		return -1;
	sqlite3_bind_int64(st, 1, r->ingest_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->line);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)r->col);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)r->offset);
	sqlite3_bind_text(st, 5, r->error, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob64(st, 6, r->raw_len ? r->raw : "", r->raw_len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)r->raw_dropped);
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex(r->raw, r->raw_len, hex);
	sqlite3_bind_text(st, 8, hex, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "keeping a rejected document");
	sqlite3_finalize(st);
	return rc;
}

int store_rejects_each(struct store *s, reject_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
	                  "SELECT r.id, r.ingest_id, i.name, r.line, r.col, r.byte_offset, r.error, r.raw, "
	                  "r.raw_dropped FROM rejects r JOIN ingests i ON i.id = r.ingest_id ORDER BY r.id",
	                  &st))
		return -1;
	int rc, status = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t raw_len;
		struct reject_row r = {
		    .id = sqlite3_column_int64(st, 0),
		    .ingest_id = sqlite3_column_int64(st, 1),
		    .input = store_col_req(st, 2),
		    .line = (uint64_t)sqlite3_column_int64(st, 3),
		    .col = (uint64_t)sqlite3_column_int64(st, 4),
		    .offset = (uint64_t)sqlite3_column_int64(st, 5),
		    .error = store_col_req(st, 6),
		    .raw = store_col_blob(st, 7, &raw_len),
		    .raw_len = raw_len,
		    .raw_dropped = (uint64_t)sqlite3_column_int64(st, 8),
		};
		if ((status = fn(ctx, &r)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return status ? status : rc == SQLITE_DONE ? 0 : store_fail(s, "listing rejects");
}

int store_cluster_set(struct store *s, const char *const *urls, size_t n)
{
	sqlite3_stmt *st = NULL;
	int rc = store_exec(s, "BEGIN IMMEDIATE") || store_exec(s, "DELETE FROM cluster_servers") ||
	         store_prepare(s, "INSERT INTO cluster_servers(position, url) VALUES (?1, ?2)", &st);
	for (size_t i = 0; i < n && !rc; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i + 1);
		sqlite3_bind_text(st, 2, urls[i], -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "recording the cluster");
	}
	sqlite3_finalize(st);
	if (rc || store_exec(s, "COMMIT")) {
		store_rollback(s);
		return -1;
	}
	return 0;
}

int store_cluster_each(struct store *s, cluster_url_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT url FROM cluster_servers ORDER BY position", &st))
		return -1;
	int rc = 0, step = SQLITE_DONE;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *url = sqlite3_column_type(st, 0) == SQLITE_TEXT ? store_col_text(st, 0) : NULL;
		if (!url) {
			strbuf_reset(&s->err);
			strbuf_addstr(&s->err, "the case's cluster_servers table holds a URL that is not text");
			rc = -1;
		} else {
			rc = fn(ctx, url);
		}
	}
	if (!rc && step != SQLITE_DONE)
		rc = store_fail(s, "reading the cluster's servers");
	sqlite3_finalize(st);
	return rc;
}
