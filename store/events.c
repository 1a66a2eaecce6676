#include "store/events.h"

#include "common/hash.h"
#include "store/doccodec.h"
#include "store/store_internal.h"
#include <stdlib.h>
#include <string.h>

#define WRITER_COMMIT_EVERY 100000 /* rows per transaction: bounds the WAL, keeps progress */
#define HOST_CACHE          1024

struct host_slot {
	char *host_id, *name;
	int64_t key;
};

struct event_writer {
	struct store *s;
	int64_t ingest_id;
	int bulk;
	sqlite3_stmt *insert, *insert_doc, *exists, *host_find, *host_add;
	uint64_t inserted, duplicates, since_commit;
	struct host_slot hosts[HOST_CACHE];
};

static const char *event_insert_sql =
    "INSERT INTO events(identity, ts, ingested, idx, host_key, os_type, kind, category, type, action, "
    "file_path, entity_id, pid, executable, process_name, user_name, derived, ingest_id, irregular, "
    "names_exact) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)";

static int table_is_empty(struct store *s, int *empty)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT NOT EXISTS (SELECT 1 FROM events)", &st))
		return -1;
	int rc = sqlite3_step(st);
	*empty = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : store_fail(s, "looking at the events table");
}

/* The indexes a bulk load drops and builds again at its end: their keys arrive in random
 * order (identities, paths), and one sort at the end builds them faster than inserting row by
 * row. Time-ordered indexes stay: events mostly arrive in time order, so they grow at the end.
 * A detect that starts with no alerts does the same with the alerts' indexes whose keys do not
 * arrive in their order (the rules' order is not the alerts' time, host, path or event): all
 * but the UNIQUE uuid, which detect reads, and the groups', which detect never fills; and with
 * the audit entries' index by alert. While
 * they are pending, readers plan without them: the queue reads its covering index by name only
 * when it is there (store/alerts.c). Their definitions are compiled in; deferred_indexes
 * records only which are pending, and a name in it that is not one of these is refused (a case
 * file is untrusted: text read from it is never executed). */
static const struct deferred_index {
	const char *table, *name, *drop, *create;
} deferred[] = {
    {"events", "events_file_path", "DROP INDEX IF EXISTS events_file_path",
     "DROP INDEX IF EXISTS events_file_path; CREATE INDEX events_file_path ON events(file_path) "
     "WHERE file_path IS NOT NULL"},
    {"events", "events_identity", "DROP INDEX IF EXISTS events_identity",
     "DROP INDEX IF EXISTS events_identity; CREATE INDEX events_identity ON events(identity)"},
    {"alerts", "alerts_event", "DROP INDEX IF EXISTS alerts_event",
     "DROP INDEX IF EXISTS alerts_event; CREATE INDEX alerts_event ON alerts(event_id)"},
    {"alerts", "alerts_file_path", "DROP INDEX IF EXISTS alerts_file_path",
     "DROP INDEX IF EXISTS alerts_file_path; CREATE INDEX alerts_file_path ON alerts(file_path, host_key)"},
    {"alerts", "alerts_host_time", "DROP INDEX IF EXISTS alerts_host_time",
     "DROP INDEX IF EXISTS alerts_host_time; CREATE INDEX alerts_host_time ON alerts(host_key, original_time)"},
    /* the schema's text, its line break included: the schema check compares it */
    {"alerts", "alerts_queue", "DROP INDEX IF EXISTS alerts_queue",
     "DROP INDEX IF EXISTS alerts_queue; CREATE INDEX alerts_queue ON alerts(original_time, uuid, workflow_status, "
     "severity, risk_score, rule_key,\n                                    host_key, event_id, target, rule_name, "
     "group_parent)"},
    {"alerts", "alerts_rule", "DROP INDEX IF EXISTS alerts_rule",
     "DROP INDEX IF EXISTS alerts_rule; CREATE INDEX alerts_rule ON alerts(rule_key)"},
    {"alerts", "alerts_status_time", "DROP INDEX IF EXISTS alerts_status_time",
     "DROP INDEX IF EXISTS alerts_status_time; CREATE INDEX alerts_status_time ON alerts(workflow_status, "
     "original_time)"},
    /* each new alert's audit entry, by its uuid: at 1,000,000 events a page read and written
     * again per alert once the index outgrew the cache */
    {"audit", "audit_alert", "DROP INDEX IF EXISTS audit_alert",
     "DROP INDEX IF EXISTS audit_alert; CREATE INDEX audit_alert ON audit(alert_uuid, id)"},
};
#define NDEFERRED (sizeof(deferred) / sizeof(deferred[0]))

/* The deferred index `name`, or NULL. */
static const struct deferred_index *deferred_index(const char *name)
{
	for (size_t i = 0; i < NDEFERRED; i++)
		if (!strcmp(deferred[i].name, name))
			return &deferred[i];
	return NULL;
}

int store_index_is_deferrable(const char *name)
{
	return deferred_index(name) != NULL;
}

/* Records the indexes of `table` as pending and drops them, in the caller's transaction. */
static int defer_indexes(struct store *s, const char *table)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "INSERT OR REPLACE INTO deferred_indexes(name, sql) VALUES (?1, ?2)", &st))
		return -1;
	int rc = 0;
	for (size_t i = 0; i < NDEFERRED && !rc; i++) {
		if (strcmp(deferred[i].table, table))
			continue;
		sqlite3_bind_text(st, 1, deferred[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, deferred[i].create, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "recording a deferred index");
		sqlite3_reset(st);
		rc = rc || store_exec(s, deferred[i].drop);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Whether two events share an identity: counting the distinct ones on the new index takes a
 * third of the time of grouping them, and most loads hold none. */
static int has_duplicates(struct store *s, int *any)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT (SELECT count(*) FROM events) != (SELECT count(DISTINCT identity) FROM events)",
	                  &st))
		return -1;
	int rc = sqlite3_step(st);
	*any = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : store_fail(s, "counting identities");
}

/* Removes events whose identity an earlier row has (needs events_identity), and their
 * documents: triggers are off on every connection, so no trigger does it. */
static int delete_duplicates(struct store *s, uint64_t *removed)
{
	int any;
	*removed = 0;
	if (has_duplicates(s, &any))
		return -1;
	if (!any)
		return 0;
	if (store_exec(s, "CREATE TEMP TABLE IF NOT EXISTS dup_ids(id INTEGER PRIMARY KEY); DELETE FROM dup_ids; "
	                  "INSERT INTO dup_ids SELECT e.id FROM (SELECT identity, min(id) AS first "
	                  "FROM events GROUP BY identity HAVING count(*) > 1) d JOIN events e "
	                  "ON e.identity = d.identity AND e.id > d.first"))
		return -1;
	if (store_exec(s, "DELETE FROM docs WHERE id IN (SELECT id FROM dup_ids)") ||
	    store_exec(s, "DELETE FROM events WHERE id IN (SELECT id FROM dup_ids)"))
		return -1;
	*removed = (uint64_t)sqlite3_changes(s->db);
	return store_exec(s, "DELETE FROM dup_ids");
}

/* The pending indexes' definitions (compiled in), in name order, into *create; *events when
 * one of them is an event index. */
static int pending_indexes(struct store *s, struct strbuf *create, int *events)
{
	sqlite3_stmt *st;
	*events = 0;
	if (store_prepare(s, "SELECT name FROM deferred_indexes ORDER BY name", &st))
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const struct deferred_index *d = deferred_index(store_col_req(st, 0));
		if (!d) {
			sqlite3_finalize(st);
			strbuf_reset(&s->err);
			strbuf_addstr(&s->err, "deferred_indexes names an index casebook does not defer");
			return -1;
		}
		const char *sql = d->create;
		strbuf_addf(create, "%s;", sql);
		*events |= !strcmp(d->table, "events");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, "reading deferred_indexes");
}

int store_finish_deferred_indexes(struct store *s, uint64_t *duplicates)
{
	*duplicates = 0;
	struct strbuf create;
	strbuf_init(&create, 512);
	int events = 0;
	int rc = pending_indexes(s, &create, &events);
	if (!rc && create.len) {
		/* SQLite's sorter may use a second thread to build them: ingest's other thread is done */
		rc = store_exec(s, "PRAGMA threads=2") || store_exec(s, "BEGIN IMMEDIATE") ||
		     store_exec(s, create.buf) || (events && delete_duplicates(s, duplicates)) ||
		     store_exec(s, "DELETE FROM deferred_indexes") || store_exec(s, "COMMIT");
		rc = rc || store_exec(s, "PRAGMA threads=0");
		if (rc) {
			char *msg = xstrdup(s->err.buf);
			store_rollback(s);
			strbuf_reset(&s->err);
			strbuf_addf(&s->err, "rebuilding the %s indexes: %s", events ? "event" : "alert", msg);
			free(msg);
		}
	}
	strbuf_release(&create);
	return rc ? -1 : 0;
}

int store_defer_alert_indexes(struct store *s, int *deferred_now)
{
	*deferred_now = 0;
	if (store_exec(s, "BEGIN IMMEDIATE"))
		return -1;
	sqlite3_stmt *st;
	int rc = store_prepare(s, "SELECT NOT EXISTS (SELECT 1 FROM alerts)", &st);
	if (!rc) {
		rc = sqlite3_step(st) == SQLITE_ROW ? 0 : store_fail(s, "looking at the alerts table");
		*deferred_now = !rc && sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	rc = rc || (*deferred_now && (defer_indexes(s, "alerts") || defer_indexes(s, "audit"))) ||
	     store_exec(s, "COMMIT");
	if (rc) {
		store_rollback(s);
		*deferred_now = 0;
	}
	return rc ? -1 : 0;
}

int event_writer_open(struct store *s, int64_t ingest_id, struct event_writer **out)
{
	uint64_t leftover;
	int empty;
	*out = NULL;
	if (store_finish_deferred_indexes(s, &leftover) || table_is_empty(s, &empty))
		return -1;
	struct event_writer *w = xcalloc(1, sizeof(*w));
	w->s = s;
	w->ingest_id = ingest_id;
	w->bulk = empty;
	if (store_exec(s, "BEGIN IMMEDIATE"))
		goto fail;
	if (w->bulk && (defer_indexes(s, "events") || store_exec(s, "COMMIT") || store_exec(s, "BEGIN IMMEDIATE")))
		goto fail;
	if (store_prepare(s, event_insert_sql, &w->insert) ||
	    store_prepare(s, "INSERT INTO docs(id, dict_id, doc) VALUES (?1, ?2, ?3)", &w->insert_doc) ||
	    store_prepare(s, "SELECT 1 FROM events WHERE identity = ?1", &w->exists) ||
	    store_prepare(s, "SELECT key FROM hosts WHERE host_id IS ?1 AND name IS ?2", &w->host_find) ||
	    store_prepare(s, "INSERT INTO hosts(host_id, name) VALUES (?1, ?2)", &w->host_add))
		goto fail;
	*out = w;
	return 0;
fail:
	store_rollback(s);
	sqlite3_finalize(w->insert);
	sqlite3_finalize(w->insert_doc);
	sqlite3_finalize(w->exists);
	sqlite3_finalize(w->host_find);
	sqlite3_finalize(w->host_add);
	free(w);
	return -1;
}

int event_writer_is_bulk(const struct event_writer *w)
{
	return w->bulk;
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The cache slot's hash: keyed, as every table of input keys is (common/hash.h); a host
 * missing its id or name hashes apart from one whose id or name is "". */
static uint64_t host_hash(const char *host_id, const char *name)
{
	uint64_t id = host_id ? hash_keyed(host_id, strlen(host_id)) : 1;
	uint64_t nm = name ? hash_keyed(name, strlen(name)) : 2;
	return id ^ (nm * UINT64_C(0x9E3779B97F4A7C15));
}

static void bind_opt_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* The hosts row for (host_id, name), created on first sight; cached. */
static int host_key(struct event_writer *w, const char *host_id, const char *name, int64_t *key)
{
	if (!host_id && !name) {
		*key = 0;
		return 0;
	}
	uint64_t h = host_hash(host_id, name);
	struct host_slot *slot = &w->hosts[h % HOST_CACHE];
	if (slot->key && same(slot->host_id, host_id) && same(slot->name, name)) {
		*key = slot->key;
		return 0;
	}
	bind_opt_text(w->host_find, 1, host_id);
	bind_opt_text(w->host_find, 2, name);
	int rc = sqlite3_step(w->host_find);
	if (rc == SQLITE_ROW) {
		*key = sqlite3_column_int64(w->host_find, 0);
	} else {
		bind_opt_text(w->host_add, 1, host_id);
		bind_opt_text(w->host_add, 2, name);
		if (sqlite3_step(w->host_add) != SQLITE_DONE) {
			sqlite3_reset(w->host_add);
			sqlite3_reset(w->host_find);
			return store_fail(w->s, "recording a host");
		}
		sqlite3_reset(w->host_add);
		*key = sqlite3_last_insert_rowid(w->s->db);
	}
	sqlite3_reset(w->host_find);
	free(slot->host_id);
	free(slot->name);
	slot->host_id = host_id ? xstrdup(host_id) : NULL;
	slot->name = name ? xstrdup(name) : NULL;
	slot->key = *key;
	return 0;
}

static int is_stored(struct event_writer *w, const char *identity, int *stored)
{
	sqlite3_bind_text(w->exists, 1, identity, -1, SQLITE_STATIC);
	int rc = sqlite3_step(w->exists);
	sqlite3_reset(w->exists);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(w->s, "looking up an event");
	*stored = rc == SQLITE_ROW;
	return 0;
}

/* Commits the events written so far; a failure (a full disk, above all) says so. */
static int commit_events(struct store *s)
{
	if (store_exec(s, "COMMIT") == 0)
		return 0;
	return store_fail(s, "committing events");
}

int event_writer_checkpoint(struct event_writer *w)
{
	w->since_commit = 0;
	return commit_events(w->s) || store_exec(w->s, "BEGIN IMMEDIATE") ? -1 : 0;
}

/* Binds an event's compressed document for INSERT INTO docs(id, dict_id, doc). */
static void bind_doc(sqlite3_stmt *st, int64_t id, const struct event_record *r)
{
	sqlite3_bind_int64(st, 1, id);
	if (r->dict_id > 0)
		sqlite3_bind_int64(st, 2, r->dict_id);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_blob(st, 3, r->doc_z, (int)r->doc_z_len, SQLITE_STATIC);
}

/* Binds an event row's columns, as event_insert_sql names them. */
static void bind_record(sqlite3_stmt *st, const struct event_record *r, int64_t host_key, int64_t ingest_id)
{
	sqlite3_bind_text(st, 1, r->identity, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->ts);
	if (r->has_ingested)
		sqlite3_bind_int64(st, 3, r->ingested);
	else
		sqlite3_bind_null(st, 3);
	bind_opt_text(st, 4, r->index);
	if (host_key)
		sqlite3_bind_int64(st, 5, host_key);
	else
		sqlite3_bind_null(st, 5);
	const char *text[] = {r->os_type,   r->kind,       r->category,     r->type,      r->action, r->file_path,
	                      r->entity_id, r->executable, r->process_name, r->user_name, r->derived};
	for (int i = 0; i < 7; i++)
		bind_opt_text(st, 6 + i, text[i]);
	if (r->has_pid)
		sqlite3_bind_int64(st, 13, r->pid);
	else
		sqlite3_bind_null(st, 13);
	for (int i = 7; i < 11; i++)
		bind_opt_text(st, 7 + i, text[i]);
	sqlite3_bind_int64(st, 18, ingest_id);
	sqlite3_bind_int(st, 19, r->irregular != 0);
	sqlite3_bind_int(st, 20, r->names_exact != 0);
}

int event_writer_add(struct event_writer *w, const struct event_record *r)
{
	int64_t hk = 0;
	if (!w->bulk) {
		int stored = 0;
		if (is_stored(w, r->identity, &stored))
			return -1;
		if (stored) {
			w->duplicates++;
			return 0;
		}
	}
	if (host_key(w, r->host_id, r->host_name, &hk))
		return -1;
	sqlite3_stmt *st = w->insert;
	bind_record(st, r, hk, w->ingest_id);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(w->s, "storing an event");
	st = w->insert_doc;
	bind_doc(st, sqlite3_last_insert_rowid(w->s->db), r);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(w->s, "storing an event's document");
	w->inserted++;
	if (++w->since_commit >= WRITER_COMMIT_EVERY)
		return event_writer_checkpoint(w);
	return 0;
}

/* The hosts row for (host_id, name), created on first sight: a writer's host_key without its
 * cache, for one event at a time. */
static int keep_host(struct store *s, const char *host_id, const char *name, int64_t *key)
{
	static const char find_sql[] = "SELECT key FROM hosts WHERE host_id IS ?1 AND name IS ?2";
	static const char add_sql[] = "INSERT INTO hosts(host_id, name) VALUES (?1, ?2)";
	*key = 0;
	if (!host_id && !name)
		return 0;
	sqlite3_stmt *st;
	if (store_kept_get(s, find_sql, 0, find_sql, &st))
		return -1;
	bind_opt_text(st, 1, host_id);
	bind_opt_text(st, 2, name);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*key = sqlite3_column_int64(st, 0);
	store_kept_put(s, st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE || store_kept_get(s, add_sql, 0, add_sql, &st))
		return rc != SQLITE_DONE ? store_fail(s, "looking up a host") : -1;
	bind_opt_text(st, 1, host_id);
	bind_opt_text(st, 2, name);
	rc = sqlite3_step(st);
	store_kept_put(s, st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "recording a host");
	*key = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int store_event_keep(struct store *s, int64_t ingest_id, const struct event_record *r, int64_t *id, int *added)
{
	static const char find_sql[] = "SELECT id FROM events WHERE identity = ?1 ORDER BY id LIMIT 1";
	static const char doc_sql[] = "INSERT INTO docs(id, dict_id, doc) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st;
	*id = 0;
	*added = 0;
	if (store_kept_get(s, find_sql, 0, find_sql, &st))
		return -1;
	sqlite3_bind_text(st, 1, r->identity, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	store_kept_put(s, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "looking up an event");
	int64_t hk;
	if (*id || keep_host(s, r->host_id, r->host_name, &hk))
		return *id ? 0 : -1;
	if (store_kept_get(s, event_insert_sql, 0, event_insert_sql, &st))
		return -1;
	bind_record(st, r, hk, ingest_id);
	rc = sqlite3_step(st);
	store_kept_put(s, st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "storing an event");
	*id = sqlite3_last_insert_rowid(s->db);
	if (store_kept_get(s, doc_sql, 0, doc_sql, &st))
		return -1;
	bind_doc(st, *id, r);
	rc = sqlite3_step(st);
	store_kept_put(s, st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "storing an event's document");
	*added = 1;
	return 0;
}

int event_writer_finish(struct event_writer *w, uint64_t *added, uint64_t *duplicates)
{
	struct store *s = w->s;
	uint64_t removed = 0;
	int rc = commit_events(s);
	sqlite3_finalize(w->insert);
	sqlite3_finalize(w->insert_doc);
	sqlite3_finalize(w->exists);
	sqlite3_finalize(w->host_find);
	sqlite3_finalize(w->host_add);
	if (rc)
		store_rollback(s);
	if (!rc && w->bulk)
		rc = store_finish_deferred_indexes(s, &removed);
	*added = w->inserted - removed;
	*duplicates = w->duplicates + removed;
	for (int i = 0; i < HOST_CACHE; i++) {
		free(w->hosts[i].host_id);
		free(w->hosts[i].name);
	}
	free(w);
	return rc;
}

int store_dict_latest(struct store *s, int64_t *id, void **dict, size_t *len)
{
	sqlite3_stmt *st;
	*id = 0;
	*dict = NULL;
	*len = 0;
	if (store_prepare(s, "SELECT id, dict FROM doc_dicts ORDER BY id DESC LIMIT 1", &st))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*dict = store_col_blob_dup(st, 1, len);
	}
	sqlite3_finalize(st);
	return 0;
}

int store_dict_add(struct store *s, const void *dict, size_t len, int64_t *id)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "INSERT INTO doc_dicts(dict) VALUES (?1)", &st))
		return -1;
	sqlite3_bind_blob(st, 1, dict, (int)len, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "storing a document dictionary");
	sqlite3_finalize(st);
	*id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

/* Decompresses a stored document into out, loading its dictionary when needed. */
static int decode_doc(struct store *s, sqlite3_stmt *row, int dict_col, int doc_col, struct strbuf *out)
{
	int64_t dict_id = sqlite3_column_int64(row, dict_col);
	size_t zlen;
	const void *z = store_col_blob(row, doc_col, &zlen);
	void *dict = NULL;
	size_t dict_len = 0;
	if (!s->codec && !(s->codec = doc_codec_new())) {
		strbuf_reset(&s->err);
		strbuf_addstr(&s->err, "zstd could not start");
		return -1;
	}
	if (dict_id > 0 && !doc_codec_has_ddict(s->codec, dict_id)) {
		sqlite3_stmt *st;
		if (store_prepare(s, "SELECT dict FROM doc_dicts WHERE id = ?1", &st))
			return -1;
		sqlite3_bind_int64(st, 1, dict_id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			dict = store_col_blob_dup(st, 0, &dict_len);
		}
		sqlite3_finalize(st);
	}
	strbuf_reset(out);
	int rc = doc_codec_decompress(s->codec, dict_id, dict, dict_len, z, zlen, out);
	free(dict);
	if (rc) {
		strbuf_reset(&s->err);
		strbuf_addf(&s->err, "stored document of event %lld is damaged",
		            (long long)sqlite3_column_int64(row, 0));
	}
	return rc;
}

void store_event_select(struct strbuf *sql, int want_doc)
{
	strbuf_addstr(sql,
	              "SELECT e.id, e.identity, e.ts, e.ingested, e.idx, h.host_id, h.name, e.os_type, e.kind, "
	              "e.category, e.type, e.action, e.file_path, e.entity_id, e.pid, e.executable, e.process_name, "
	              "e.user_name, e.derived, e.irregular, e.names_exact, ");
	/* join docs only when they are wanted: a join that matches nothing still reads the table */
	strbuf_addstr(sql, want_doc ? "d.dict_id, d.doc FROM events e JOIN docs d ON d.id = e.id "
	                            : "NULL, NULL FROM events e ");
	strbuf_addstr(sql, "LEFT JOIN hosts h ON h.key = e.host_key ");
}

static int read_event_doc(struct store *s, sqlite3_stmt *st, struct strbuf *doc, struct event_row *row)
{
	if (decode_doc(s, st, 21, 22, doc))
		return -1;
	row->doc = doc->buf;
	row->doc_len = doc->len;
	int type = sqlite3_column_type(st, 22);
	if (type == SQLITE_BLOB || type == SQLITE_TEXT) /* else casebook_sha256 decides */
		row->stored = store_col_blob(st, 22, &row->stored_len);
	return 0;
}

int store_read_event_row(struct store *s, sqlite3_stmt *st, int want_doc, struct strbuf *doc, struct event_row *row)
{
	memset(row, 0, sizeof(*row));
	struct event_record *r = &row->r;
	row->id = sqlite3_column_int64(st, 0);
	r->identity = store_col_req(st, 1);
	r->ts = sqlite3_column_int64(st, 2);
	r->has_ingested = sqlite3_column_type(st, 3) != SQLITE_NULL;
	r->ingested = sqlite3_column_int64(st, 3);
	r->index = store_col_text(st, 4);
	r->host_id = store_col_text(st, 5);
	r->host_name = store_col_text(st, 6);
	r->os_type = store_col_text(st, 7);
	r->kind = store_col_text(st, 8);
	r->category = store_col_text(st, 9);
	r->type = store_col_text(st, 10);
	r->action = store_col_text(st, 11);
	r->file_path = store_col_text(st, 12);
	r->entity_id = store_col_text(st, 13);
	r->has_pid = sqlite3_column_type(st, 14) != SQLITE_NULL;
	r->pid = sqlite3_column_int64(st, 14);
	r->executable = store_col_text(st, 15);
	r->process_name = store_col_text(st, 16);
	r->user_name = store_col_text(st, 17);
	r->derived = store_col_text(st, 18);
	r->irregular = sqlite3_column_int(st, 19);
	r->names_exact = sqlite3_column_int(st, 20);
	return want_doc ? read_event_doc(s, st, doc, row) : 0;
}

/* Steps st, calling fn for each row (that admit, when set, lets through before the document
 * is read); keep: reset st for the next use instead of finalizing it. */
static int each_event_row(struct store *s, sqlite3_stmt *st, int want_doc, event_fn fn, void *ctx, int keep,
                          const struct row_admit *admit)
{
	struct strbuf doc;
	strbuf_init(&doc, 4096);
	int rc, status = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct event_row row;
		if (store_read_event_row(s, st, want_doc && !admit, &doc, &row)) {
			rc = SQLITE_ERROR;
			break;
		}
		if (admit && !admit->fn(admit->ctx, &row.r))
			continue;
		if (admit && want_doc && read_event_doc(s, st, &doc, &row)) {
			rc = SQLITE_ERROR;
			break;
		}
		if ((status = fn(ctx, &row)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	int failed = rc != SQLITE_DONE && !(rc == SQLITE_ERROR && s->err.len) ? store_fail(s, "reading events") : 0;
	if (keep) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else {
		sqlite3_finalize(st);
	}
	strbuf_release(&doc);
	if (rc == SQLITE_ERROR && s->err.len)
		return -1;
	return failed ? failed : status;
}

int store_each_event_row(struct store *s, sqlite3_stmt *st, int want_doc, event_fn fn, void *ctx)
{
	return each_event_row(s, st, want_doc, fn, ctx, 0, NULL);
}

int store_each_event_row_admitted(struct store *s, sqlite3_stmt *st, const struct row_admit *admit, event_fn fn,
                                  void *ctx)
{
	return each_event_row(s, st, 1, fn, ctx, 0, admit);
}

int store_each_event_row_kept(struct store *s, sqlite3_stmt *st, int want_doc, event_fn fn, void *ctx)
{
	return each_event_row(s, st, want_doc, fn, ctx, 1, NULL);
}

int store_events_each(struct store *s, const struct event_query *q, event_fn fn, void *ctx)
{
	struct strbuf sql;
	strbuf_init(&sql, 512);
	store_event_select(&sql, q->want_doc);
	strbuf_addstr(&sql, "WHERE 1");
	if (q->host)
		strbuf_addstr(&sql, " AND e.host_key IN (SELECT key FROM hosts WHERE name = ?1 OR host_id = ?1)");
	if (q->file_path)
		strbuf_addstr(&sql, " AND e.file_path = ?5");
	if (q->has_from)
		strbuf_addstr(&sql, " AND e.ts >= ?2");
	if (q->has_to)
		strbuf_addstr(&sql, " AND e.ts <= ?3");
	strbuf_addstr(&sql, " ORDER BY e.ts, e.id");
	if (q->limit > 0)
		strbuf_addstr(&sql, " LIMIT ?4");
	sqlite3_stmt *st;
	int rc = store_prepare(s, sql.buf, &st);
	strbuf_release(&sql);
	if (rc)
		return -1;
	if (q->host)
		sqlite3_bind_text(st, 1, q->host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, q->from);
	sqlite3_bind_int64(st, 3, q->to);
	sqlite3_bind_int64(st, 4, q->limit);
	if (q->file_path)
		sqlite3_bind_text(st, 5, q->file_path, -1, SQLITE_STATIC);
	return store_each_event_row(s, st, q->want_doc, fn, ctx);
}

int64_t store_event_count(struct store *s)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	if (store_prepare(s, "SELECT count(*) FROM events", &st))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}
