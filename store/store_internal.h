/* Shared between the files of store/ only. */
#ifndef CASEBOOK_STORE_INTERNAL_H
#define CASEBOOK_STORE_INTERNAL_H

#include <sqlite3.h>

#include "common/strbuf.h"
#include "store/store.h"

struct doc_codec;

struct store {
	sqlite3 *db;
	char *path;
	struct strbuf err;
	struct doc_codec *codec; /* lazily created by store_doc_decode */
};

/* Records the database's current error message, prefixed by what was being done. */
int store_fail(struct store *s, const char *what);
/* Prepares sql or records an error. */
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **st);
/* Executes SQL without parameters (DDL, pragmas). */
int store_exec(struct store *s, const char *sql);

extern const char store_schema_sql[];

#endif
