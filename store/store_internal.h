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
	struct doc_codec *codec; /* lazily created by store_doc_decode */
	int tx_depth, tx_outer;  /* store_tx_begin nesting, and whether the outermost began it */
};

/* Records the database's current error message, prefixed by what was being done. */
int store_fail(struct store *s, const char *what);
/* Prepares sql or records an error. */
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **st);
/* Executes SQL without parameters (DDL, pragmas). */
int store_exec(struct store *s, const char *sql);

extern const char store_schema_sql[];

/* Appends "SELECT <what store_read_event_row reads> FROM events e [JOIN docs d] LEFT JOIN
 * hosts h " to sql; the caller adds WHERE and ORDER BY. */
void store_event_select(struct strbuf *sql, int want_doc);
int store_read_event_row(struct store *s, sqlite3_stmt *st, int want_doc, struct strbuf *doc, struct event_row *row);
/* Steps st to the end, calling fn for each event; finalizes st. */
int store_each_event_row(struct store *s, sqlite3_stmt *st, int want_doc, event_fn fn, void *ctx);

#endif
