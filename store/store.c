#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/timeutil.h"
#include "store/doccodec.h"
#include "store/triage.h"

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

const char *store_col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

const char *store_col_req(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	return t ? t : "";
}

const void *store_col_blob(sqlite3_stmt *st, int i, size_t *len)
{
	const void *b = sqlite3_column_blob(st, i);
	*len = b ? (size_t)sqlite3_column_bytes(st, i) : 0;
	return b ? b : "";
}

void *store_col_blob_dup(sqlite3_stmt *st, int i, size_t *len)
{
	const void *b = store_col_blob(st, i, len);
	void *copy = xmalloc(*len ? *len : 1);
	memcpy(copy, b, *len);
	return copy;
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
	int rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : store_fail(s, "reading the schema version");
}

static int fail_msg(struct store *s, const char *msg)
{
	strbuf_reset(&s->err);
	strbuf_addstr(&s->err, msg);
	return -1;
}

/* ---- the schema check: a case must hold exactly the objects casebook made ---- */

struct schema_obj {
	char *type, *name, *tbl, *sql; /* sql is NULL for SQLite's own automatic indexes */
};

struct schema {
	struct schema_obj *o;
	size_t n, cap;
};

static void schema_release(struct schema *sc)
{
	for (size_t i = 0; i < sc->n; i++) {
		free(sc->o[i].type);
		free(sc->o[i].name);
		free(sc->o[i].tbl);
		free(sc->o[i].sql);
	}
	free(sc->o);
	memset(sc, 0, sizeof(*sc));
}

static char *dup_or_null(const char *t)
{
	return t ? xstrdup(t) : NULL;
}

/* Every object of db's main schema, by name (the rows SQLite itself keeps: names compared
 * byte for byte). */
static int schema_read(sqlite3 *db, struct schema *sc)
{
	sqlite3_stmt *st;
	memset(sc, 0, sizeof(*sc));
	if (sqlite3_prepare_v2(db, "SELECT type, name, tbl_name, sql FROM main.sqlite_schema ORDER BY name", -1, &st,
	                       NULL) != SQLITE_OK)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sc->n == sc->cap) {
			sc->cap = sc->cap ? sc->cap * 2 : 64;
			sc->o = xrealloc(sc->o, sc->cap * sizeof(*sc->o));
		}
		struct schema_obj *o = &sc->o[sc->n++];
		o->type = xstrdup(store_col_req(st, 0));
		o->name = xstrdup(store_col_req(st, 1));
		o->tbl = xstrdup(store_col_req(st, 2));
		o->sql = dup_or_null(store_col_text(st, 3));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The schema casebook writes at `version`: its migrations run in a private in-memory
 * database (our own compiled-in text, never the case's). */
static int schema_expected(int version, struct schema *sc, struct strbuf *err)
{
	sqlite3 *db;
	memset(sc, 0, sizeof(*sc));
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		strbuf_addstr(err, "cannot build the expected schema: out of memory");
		return -1;
	}
	int rc = 0;
	for (int v = 1; v <= version && !rc; v++) {
		char *sql = migration_text(v);
		rc = !sql || sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK;
		free(sql);
	}
	if (rc || schema_read(db, sc)) {
		strbuf_addf(err, "cannot build the expected schema: %s", sqlite3_errmsg(db));
		rc = -1;
	}
	sqlite3_close(db);
	return rc ? -1 : 0;
}

static int same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Whether the missing index `want` is one a bulk load has dropped and recorded in
 * deferred_indexes (the next writer builds it again, so its absence is not a difference).
 * Only the event indexes casebook defers qualify, never a UNIQUE one (a constraint is never
 * optional): the case only says which of them are pending. */
static int index_is_deferred(struct store *s, const struct schema_obj *want, const struct schema *have)
{
	const char *name = want->name;
	if (!store_index_is_deferrable(name) || !want->sql || strncmp(want->sql, "CREATE INDEX ", 13))
		return 0;
	int has_table = 0;
	for (size_t i = 0; i < have->n; i++)
		has_table |= !strcmp(have->o[i].name, "deferred_indexes");
	if (!has_table)
		return 0;
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT 1 FROM deferred_indexes WHERE name = ?1", &st))
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* Names the first object where have and want differ, in the store's message. */
static int schema_compare(struct store *s, int version, const struct schema *have, const struct schema *want)
{
	size_t i = 0, j = 0;
	while (i < have->n || j < want->n) {
		int c = i == have->n ? 1 : j == want->n ? -1 : strcmp(have->o[i].name, want->o[j].name);
		if (c < 0) {
			strbuf_addf(&s->err, "it has a %s \"%s\" that casebook's schema (version %d) does not",
			            have->o[i].type, have->o[i].name, version);
			return -1;
		}
		if (c > 0) {
			if (!strcmp(want->o[j].type, "index") && index_is_deferred(s, &want->o[j], have)) {
				j++;
				continue;
			}
			strbuf_addf(&s->err, "its %s \"%s\" is missing (schema version %d)", want->o[j].type,
			            want->o[j].name, version);
			return -1;
		}
		const struct schema_obj *a = &have->o[i], *b = &want->o[j];
		if (strcmp(a->type, b->type) || strcmp(a->tbl, b->tbl) || !same_text(a->sql, b->sql)) {
			strbuf_addf(&s->err, "its %s \"%s\" is not defined as casebook defines it (schema version %d)",
			            a->type, a->name, version);
			return -1;
		}
		i++, j++;
	}
	return 0;
}

/* Checks the case's schema against the one casebook writes at `version`; a difference is
 * refused with a message naming it. The file is only read. */
static int schema_check(struct store *s, int version)
{
	struct schema have, want;
	strbuf_reset(&s->err);
	if (schema_expected(version, &want, &s->err))
		return -1;
	if (schema_read(s->db, &have)) {
		schema_release(&want);
		return store_fail(s, "reading the schema");
	}
	int rc = 0;
	if (version == 0 && have.n) {
		strbuf_addf(&s->err, "it is an SQLite database but not a casebook case (it has a %s \"%s\")",
		            have.o[0].type, have.o[0].name);
		rc = -1;
	} else {
		rc = schema_compare(s, version, &have, &want);
	}
	schema_release(&have);
	schema_release(&want);
	return rc;
}

/* Reads the version and checks the schema in one read transaction, so that both describe
 * the same moment. */
static int check_case(struct store *s, int *version)
{
	int want = store_schema_version();
	if (store_exec(s, "BEGIN"))
		return -1;
	int rc = user_version(s, version);
	if (!rc && *version > want) {
		strbuf_reset(&s->err);
		strbuf_addf(&s->err,
		            "the database has schema version %d, newer than this casebook understands (%d); "
		            "upgrade casebook, the database was not changed",
		            *version, want);
		rc = -1;
	} else if (!rc && *version < 0) {
		rc = fail_msg(s, "the database has a negative schema version: not a casebook case");
	}
	/* the indexes are compared once the case is at this version (a writer migrates first) */
	if (!rc && (schema_check(s, *version) || (*version == want && store_check_record_indexes(s)))) {
		char *why = xstrdup(s->err.buf);
		strbuf_reset(&s->err);
		strbuf_addf(&s->err, "refusing %s: %s; it was not changed", s->path, why);
		free(why);
		rc = -1;
	}
	char *msg = rc ? xstrdup(s->err.buf) : NULL;
	store_exec(s, "COMMIT");
	if (msg) {
		fail_msg(s, msg);
		free(msg);
	}
	return rc;
}

/* Steps of a migration that SQL cannot take. */
static int anchor_existing_record(struct store *s)
{
	return store_anchor_existing_record(s, time_now_us());
}

static const struct migration_step {
	int version;
	int (*run)(struct store *s);
} migration_steps[] = {
    {10, anchor_existing_record},
};

/* The steps of the versions after have, after every version's SQL (they read the schema as
 * this binary does: version 10's anchors are computed by today's SQL, over the columns later
 * versions add), in the same transaction. */
static int run_migration_steps(struct store *s, int have)
{
	for (size_t i = 0; i < sizeof(migration_steps) / sizeof(migration_steps[0]); i++)
		if (migration_steps[i].version > have && migration_steps[i].run(s))
			return -1;
	return 0;
}

/* Brings the case to this binary's version in one IMMEDIATE transaction. The version is read
 * again inside it: another process may have created or migrated the case meanwhile. */
static int migrate(struct store *s, int *from)
{
	int have, want = store_schema_version();
	if (store_exec(s, "BEGIN IMMEDIATE"))
		return -1;
	if (user_version(s, &have)) {
		store_rollback(s);
		return -1;
	}
	*from = have;
	for (int v = have + 1; v <= want; v++) {
		char *sql = migration_text(v);
		char pragma[48];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", v);
		int rc = store_exec(s, sql) || (v == want && run_migration_steps(s, have)) || store_exec(s, pragma);
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

/* SQLite's defences for a database file from anyone: no schema object may call an
 * application function or a virtual table it was not meant to (trusted_schema off), no
 * direct writes to the schema or shadow tables (defensive), no triggers or views fire or
 * expand (casebook's schema has none that it relies on), no extensions, no ATTACH. */
static void harden(sqlite3 *db)
{
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, NULL);
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
}

/* A new case: 16 KiB pages suit large rows of compressed documents (set before the first
 * table is written), and WAL lets the console read while ingest writes (set once the tables
 * exist). Never on an existing case: that would rewrite its header. Two processes creating
 * the same case race here; the journal mode is retried while the other holds the file (SQLite
 * does not call the busy handler for it). */
static int new_case_wal(struct store *s)
{
	for (int tries = 0;; tries++) {
		int rc = sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return 0;
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			return store_fail(s, "setting the journal mode");
		if (tries >= 1000)
			return store_fail(s, "setting the journal mode");
		sqlite3_sleep(10);
	}
}

/* Before SQLite's first use: no allocation statistics, whose global mutex every allocation
 * took (3% of a small-event ingest's writer). Later calls are refused, harmlessly. */
static void configure_sqlite(void)
{
	static int done;
	if (!done) {
		done = 1;
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	}
}

/* A new store on a connection to path, hardened and configured as every connection is; NULL
 * with why in *err (malloc'd, when err is not NULL). */
static struct store *connect_case(const char *path, int oflags, char **err)
{
	configure_sqlite();
	struct store *s = xcalloc(1, sizeof(*s));
	strbuf_init(&s->err, 64);
	s->path = xstrdup(path);
	int rc = sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		strbuf_addf(&s->err, "cannot open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	harden(s->db);
	if (store_register_functions(s->db)) {
		strbuf_addf(&s->err, "cannot open %s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 10000);
	sqlite3_extended_result_codes(s->db, 1);
	if (store_exec(s, "PRAGMA foreign_keys=ON") || store_exec(s, "PRAGMA cache_size=-8192") ||
	    store_exec(s, "PRAGMA synchronous=NORMAL"))
		goto fail;
	return s;
fail:
	if (err)
		*err = xstrdup(s->err.buf);
	store_close(s);
	return NULL;
}

int store_open_again(const struct store *s, struct store **out, char **err)
{
	*out = connect_case(s->path, SQLITE_OPEN_READWRITE, err);
	return *out ? 0 : -1;
}

int store_open(const char *path, unsigned flags, struct store **out, char **err)
{
	int readonly = (flags & STORE_READONLY) != 0;
	int oflags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if ((flags & STORE_CREATE) && !readonly)
		oflags |= SQLITE_OPEN_CREATE;
	struct store *s = connect_case(path, oflags, err);
	*out = NULL;
	if (!s)
		return -1;
	int have, want = store_schema_version();
	if (check_case(s, &have))
		goto fail;
	if (have < want && readonly) {
		strbuf_reset(&s->err);
		if (have == 0)
			strbuf_addf(&s->err, "%s is empty: not a casebook case yet", path);
		else
			strbuf_addf(&s->err,
			            "%s has schema version %d and needs migrating to %d; a writing command "
			            "(e.g. 'casebook detect') migrates it; it was not changed",
			            path, have, want);
		goto fail;
	}
	if (have < want) {
		if (have == 0 && store_exec(s, "PRAGMA page_size=16384"))
			goto fail;
		int from;
		if (migrate(s, &from) || (from == 0 && new_case_wal(s)) || check_case(s, &have))
			goto fail;
		s->migrated_from = from > 0 && from < want ? from : 0;
	}
	*out = s;
	return 0;
fail:
	if (err)
		*err = xstrdup(s->err.buf);
	store_close(s);
	*out = NULL;
	return -1;
}

void store_set_errmsg(struct store *s, const char *msg)
{
	fail_msg(s, msg);
}

int store_migrated_from(const struct store *s)
{
	return s->migrated_from;
}

int store_kept_get(struct store *s, const void *key, int variant, const char *sql, sqlite3_stmt **st)
{
	size_t i = 0;
	while (i < s->nkept && (s->kept[i].key != key || s->kept[i].variant != variant))
		i++;
	if (i < s->nkept && !s->kept[i].busy) {
		s->kept[i].busy = 1;
		*st = s->kept[i].st;
		return 0;
	}
	if (store_prepare(s, sql, st))
		return -1;
	if (i == s->nkept && i < sizeof(s->kept) / sizeof(s->kept[0])) {
		s->kept[i] = (struct kept_stmt){key, variant, *st, 1};
		s->nkept++;
	}
	return 0;
}

void store_kept_put(struct store *s, sqlite3_stmt *st)
{
	for (size_t i = 0; i < s->nkept; i++)
		if (s->kept[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			s->kept[i].busy = 0;
			return;
		}
	sqlite3_finalize(st);
}

void store_close(struct store *s)
{
	if (!s)
		return;
	doc_codec_free(s->codec);
	for (size_t i = 0; i < s->nkept; i++)
		sqlite3_finalize(s->kept[i].st);
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 3; k++)
			sqlite3_finalize(s->timeline[i][k]);
	sqlite3_close_v2(s->db);
	strbuf_release(&s->err);
	free(s->path);
	free(s);
}

int store_begin(struct store *s)
{
	return store_exec(s, "BEGIN IMMEDIATE");
}

int store_begin_read(struct store *s)
{
	return store_exec(s, "BEGIN");
}

int store_commit(struct store *s)
{
	return store_exec(s, "COMMIT");
}

int store_rollback(struct store *s)
{
	return sqlite3_get_autocommit(s->db) ? 0 : store_exec(s, "ROLLBACK");
}

static const char *const savepoint_sql[][3] = {
    [STORE_POINT_RULE] = {"SAVEPOINT casebook_rule", "RELEASE casebook_rule", "ROLLBACK TO casebook_rule"},
    [STORE_POINT_MERGE] = {"SAVEPOINT casebook_merge", "RELEASE casebook_merge", "ROLLBACK TO casebook_merge"},
};

int store_savepoint(struct store *s, enum store_point point)
{
	return store_exec(s, savepoint_sql[point][0]);
}

int store_savepoint_release(struct store *s, enum store_point point)
{
	return store_exec(s, savepoint_sql[point][1]);
}

int store_savepoint_rollback(struct store *s, enum store_point point)
{
	return store_exec(s, savepoint_sql[point][2]) || store_exec(s, savepoint_sql[point][1]) ? -1 : 0;
}
