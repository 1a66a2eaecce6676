/* store: the case database. One SQLite file (WAL, foreign keys on, busy timeout set) whose
 * schema (store/schema.sql, compiled in) is checked on open and migrated forward by writers. Only store/ sees
 * sqlite3; the rest of casebook speaks through these functions and casebook's own types.
 *
 * Functions return 0 on success and -1 on failure, with the message available from
 * store_errmsg() until the next call. An iterator (store_*_each, and the one-row reads that
 * call a callback) calls fn for each row in order: 0 when it read every row; fn's non-zero
 * status, exactly as fn returned it, when fn stopped it (the rows after not read), as
 * sqlite3_exec passes a callback's abort on; or -1 (tests/test_store.c). */
#ifndef CASEBOOK_STORE_H
#define CASEBOOK_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

enum store_open_flags {
	STORE_CREATE = 1 << 0,   /* create the file when missing */
	STORE_READONLY = 1 << 1, /* open for reading only */
};

/* Opens the case at path as untrusted input: SQLite's defences on (no triggers, views,
 * extensions or ATTACH), then its schema must be exactly the one casebook wrote for its
 * version, else it is refused with a message naming the first difference and left untouched.
 * A writer (no STORE_READONLY) migrates an older case forward; a reader never writes and
 * refuses a case that needs migrating. On failure returns -1 and, when err is not NULL, a
 * malloc'd message in *err. */
int store_open(const char *path, unsigned flags, struct store **out, char **err);
void store_close(struct store *s);
/* A second connection, for writing, to the case s is open on, configured as s is but not
 * checked again (s was, when this process opened it): for another thread of the same command
 * (detect/alertpipe.c). 0, or -1 with a malloc'd message in *err (when not NULL). */
int store_open_again(const struct store *s, struct store **out, char **err);
/* The schema version this open migrated the case from (a writer opening an older case), or 0. */
int store_migrated_from(const struct store *s);
const char *store_errmsg(const struct store *s);
/* Makes msg the message store_errmsg gives (another connection's failure, say). */
void store_set_errmsg(struct store *s, const char *msg);
const char *store_path(const struct store *s);

/* The schema version this binary writes. */
int store_schema_version(void);
/* Whether opening a case compares the index `name` with its table (every index of the tables
 * of the triage record; not the events'). */
int store_index_is_checked(const char *name);

int store_begin(struct store *s);
/* A transaction that only reads (BEGIN DEFERRED: the case as it is at its first read, until
 * store_commit or store_rollback), so another connection may write meanwhile. */
int store_begin_read(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);
/* Points inside the transaction to go back to, one of each kind at a time (a rule's inside a
 * merge's): released, what was written since stays in the transaction; rolled back, it is
 * undone and the point released. */
enum store_point { STORE_POINT_RULE, STORE_POINT_MERGE };
int store_savepoint(struct store *s, enum store_point point);
int store_savepoint_release(struct store *s, enum store_point point);
int store_savepoint_rollback(struct store *s, enum store_point point);

/* --- ingests and rejects (store/ingests.c) --- */
struct ingest_counts {
	uint64_t documents, added, duplicates, rejected;
};

int store_ingest_begin(struct store *s, const char *name, const char *analyst, int64_t *id);

/* --- the ClickHouse cluster the case is attached to (casebook cluster attach) --- */
/* Replaces the attached servers' URLs with urls, in order (n 0: detaches), in one transaction.
 * 0 or -1. */
int store_cluster_set(struct store *s, const char *const *urls, size_t n);
/* Calls fn with each attached server's URL, in order; fn's non-zero stops and is returned. A
 * URL that is not text (a damaged or hostile case) is -1 with the reason (store_errmsg); what
 * the text says is the caller's to check (cluster/http.h refuses credentials in it). */
typedef int (*cluster_url_fn)(void *ctx, const char *url);
int store_cluster_each(struct store *s, cluster_url_fn fn, void *ctx);
int store_ingest_finish(struct store *s, int64_t id, uint64_t size, const char *sha256, const struct ingest_counts *c);

struct reject_row {
	int64_t id, ingest_id;
	const char *input; /* the ingest's name */
	uint64_t line, col, offset;
	const char *error;
	const char *raw;
	size_t raw_len;
	uint64_t raw_dropped;
};

int store_reject_add(struct store *s, const struct reject_row *r);
typedef int (*reject_fn)(void *ctx, const struct reject_row *r);
/* Calls fn for every reject in order; fn's non-zero status stops it and is returned. */
int store_rejects_each(struct store *s, reject_fn fn, void *ctx);

#endif
