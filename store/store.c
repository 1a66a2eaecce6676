#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/doccodec.h"

int store_fail(struct store *s, const char *what)
{
	strbuf_reset(&s->err);
	strbuf_addf(&s->err, "%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

int store_prepare(struct store *s, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return store_fail(s, "preparing a statement");
	return 0;
}

int store_exec(struct store *s, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		strbuf_reset(&s->err);
		strbuf_addf(&s->err, "%s", msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

const char *store_errmsg(const struct store *s)
{
	return s->err.buf;
}

const char *store_path(const struct store *s)
{
	return s->path;
}

/* Finds the text of migration `version` in the schema: from its "-- version N" line to the
 * next one. Returns NULL when there is no such version. */
static char *migration_text(int version)
{
	char marker[32];
	snprintf(marker, sizeof(marker), "\n-- version %d\n", version);
	const char *start = strstr(store_schema_sql, marker);
	if (!start)
		return NULL;
	start += strlen(marker);
	const char *end = strstr(start, "\n-- version ");
	return xstrndup(start, end ? (size_t)(end - start) : strlen(start));
}

int store_schema_version(void)
{
	int v = 0;
	char *m;
	while ((m = migration_text(v + 1)) != NULL) {
		free(m);
		v++;
	}
	return v;
}

static int user_version(struct store *s, int *v)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "PRAGMA user_version", &st))
		return -1;
	*v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return 0;
}

static int migrate(struct store *s, unsigned flags)
{
	int have, want = store_schema_version();
	if (user_version(s, &have))
		return -1;
	if (have > want) {
		strbuf_reset(&s->err);
		strbuf_addf(&s->err,
			    "the database has schema version %d, newer than this casebook understands (%d); "
			    "upgrade casebook, the database was not changed",
			    have, want);
		return -1;
	}
	if (have == want)
		return 0;
	if (flags & STORE_READONLY) {
		strbuf_reset(&s->err);
		strbuf_addf(&s->err, "the database has schema version %d and needs migrating to %d; "
				     "open it once read-write", have, want);
		return -1;
	}
	if (store_exec(s, "BEGIN IMMEDIATE"))
		return -1;
	for (int v = have + 1; v <= want; v++) {
		char *sql = migration_text(v);
		char pragma[48];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", v);
		int rc = store_exec(s, sql) || store_exec(s, pragma);
		free(sql);
		if (rc) {
			char *msg = xstrdup(s->err.buf);
			store_exec(s, "ROLLBACK");
			strbuf_reset(&s->err);
			strbuf_addf(&s->err, "migrating the schema to version %d: %s", v, msg);
			free(msg);
			return -1;
		}
	}
	return store_exec(s, "COMMIT");
}

int store_open(const char *path, unsigned flags, struct store **out, char **err)
{
	struct store *s = xcalloc(1, sizeof(*s));
	strbuf_init(&s->err, 64);
	s->path = xstrdup(path);
	int oflags = (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (flags & STORE_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	int rc = sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		strbuf_addf(&s->err, "cannot open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 10000);
	sqlite3_extended_result_codes(s->db, 1);
	/* 16 KiB pages suit large rows of compressed documents; only takes effect on a new file. */
	if (store_exec(s, "PRAGMA page_size=16384") || store_exec(s, "PRAGMA foreign_keys=ON") ||
	    store_exec(s, "PRAGMA cache_size=-8192"))
		goto fail;
	if (!(flags & STORE_READONLY) && store_exec(s, "PRAGMA journal_mode=WAL"))
		goto fail;
	if (store_exec(s, "PRAGMA synchronous=NORMAL"))
		goto fail;
	if (migrate(s, flags))
		goto fail;
	*out = s;
	return 0;
fail:
	if (err)
		*err = xstrdup(s->err.buf);
	store_close(s);
	*out = NULL;
	return -1;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	doc_codec_free(s->codec);
	sqlite3_close_v2(s->db);
	strbuf_release(&s->err);
	free(s->path);
	free(s);
}

int store_begin(struct store *s)
{
	return store_exec(s, "BEGIN IMMEDIATE");
}

int store_commit(struct store *s)
{
	return store_exec(s, "COMMIT");
}

int store_rollback(struct store *s)
{
	return sqlite3_get_autocommit(s->db) ? 0 : store_exec(s, "ROLLBACK");
}
