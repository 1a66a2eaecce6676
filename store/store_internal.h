/* Shared between the files of store/ only. */
#ifndef CASEBOOK_STORE_INTERNAL_H
#define CASEBOOK_STORE_INTERNAL_H

#include <sqlite3.h>

#include "common/strbuf.h"
#include "store/events.h"
#include "store/store.h"

struct doc_codec;

struct store {
	sqlite3 *db;
	char *path;
	struct strbuf err;
	struct doc_codec *codec;   /* lazily created by store_doc_decode */
	int migrated_from;         /* the version this open migrated from, 0 when none */
	int tx_depth, tx_outer;    /* store_tx_begin nesting, and whether the outermost began it */
	uint64_t anchors_rendered; /* store_audit_anchors_rendered */
	/* the timeline's statements, prepared once: [want_doc][one host key, host.id, host.name],
	 * and whether one is being stepped (a nested call prepares its own) */
	sqlite3_stmt *timeline[2][3];
	int timeline_busy[2][3];
	/* statements run once per alert or event (detect makes tens of thousands), prepared once */
	struct kept_stmt {
		const void *key; /* the SQL literal (or a fragment of it) that names it */
		int variant;
		sqlite3_stmt *st;
		int busy;
	} kept[24];
	size_t nkept;
};

/* Records the database's current error message, prefixed by what was being done. */
int store_fail(struct store *s, const char *what);
/* Prepares sql or records an error. */
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **st);
/* The statement kept under (key, variant), prepared from sql on first use; while it is in use
 * a nested call gets a statement of its own. Give it back with store_kept_put. */
int store_kept_get(struct store *s, const void *key, int variant, const char *sql, sqlite3_stmt **st);
/* Resets a statement from store_kept_get for its next use (or finalizes one made apart). */
void store_kept_put(struct store *s, sqlite3_stmt *st);
struct alert_record;
struct actor;
/* Anchors the alert store_alert_add has just stored as alert_id (store/triage.c): rendered in C
 * from the values it bound (cols: its event's host_key, file_path, target and identity, a row of the
 * statement that read them), else by the anchor's SQL. 0 or -1. */
int store_audit_anchor_new_alert(struct store *s, int64_t alert_id, const struct alert_record *a, sqlite3_stmt *cols,
                                 const struct actor *who, const char *origin);
/* Executes SQL without parameters (DDL, pragmas). */
int store_exec(struct store *s, const char *sql);

/* Column readers. A case file is untrusted: a column our schema declares NOT NULL may still
 * hold NULL or another type in a damaged or hostile file, so every read goes through these
 * (tests/test_sqlsafety.c forbids sqlite3_column_text and _blob elsewhere). */
/* A nullable text column: NULL when SQL NULL; other types as SQLite renders them. */
const char *store_col_text(sqlite3_stmt *st, int i);
/* A NOT NULL text column: "" where the file holds NULL, never NULL. */
const char *store_col_req(sqlite3_stmt *st, int i);
/* A blob column: its bytes and length; a NULL or empty value is a valid empty buffer. */
const void *store_col_blob(sqlite3_stmt *st, int i, size_t *len);
/* A copy of a blob column in malloc'd memory (at least one byte allocated). */
void *store_col_blob_dup(sqlite3_stmt *st, int i, size_t *len);

extern const char store_schema_sql[];

/* Whether name is one of the event indexes a bulk load drops and builds again at its end
 * (compiled in, store/events.c): the only indexes a case may lack, while deferred_indexes
 * names them. */
int store_index_is_deferrable(const char *name);
/* Whether the case has no index `name` (a deferred one while it is pending). 0 or -1. */
int store_index_absent(struct store *s, const char *name, int *absent);

/* casebook's SQL functions on a connection (store/recordcheck.c): casebook_rows(...), a keyed
 * digest of a set of rows, and casebook_sha256(x). Usable from casebook's statements only. */
int store_register_functions(sqlite3 *db);
/* Compares every index of the triage record's tables with its table; a difference is refused
 * with a message naming the index (in the store's message). */
int store_check_record_indexes(struct store *s);

/* Appends "SELECT <what store_read_event_row reads> FROM events e [JOIN docs d] LEFT JOIN
 * hosts h " to sql; the caller adds WHERE and ORDER BY. */
void store_event_select(struct strbuf *sql, int want_doc);
int store_read_event_row(struct store *s, sqlite3_stmt *st, int want_doc, struct strbuf *doc, struct event_row *row);
/* Steps st to the end, calling fn for each event; finalizes st. */
int store_each_event_row(struct store *s, sqlite3_stmt *st, int want_doc, event_fn fn, void *ctx);
/* The same with documents, reading a row's document only when admit lets its columns through
 */
struct row_admit {
	int (*fn)(void *ctx, const struct event_record *r);
	void *ctx;
};
int store_each_event_row_admitted(struct store *s, sqlite3_stmt *st, const struct row_admit *admit, event_fn fn,
                                  void *ctx);
/* The same on a statement kept for reuse: reset, not finalized. */
int store_each_event_row_kept(struct store *s, sqlite3_stmt *st, int want_doc, event_fn fn, void *ctx);

#endif
