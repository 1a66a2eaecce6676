/* The alerts' SQL, and the event reads detection and the timeline need: alerts added and
 * listed (the queue from its covering index), detection_state, time bounds, candidates for
 * an event source, the timeline around an event (store/alerts.h). */
#include "store/alerts.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "store/triage.h"

int store_alert_exists(struct store *s, const char *uuid, int *exists)
{
	static const char sql[] = "SELECT 1 FROM alerts WHERE uuid = ?1";
	sqlite3_stmt *st;
	if (store_kept_get(s, sql, 0, sql, &st))
		return -1;
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*exists = rc == SQLITE_ROW;
	store_kept_put(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(s, "looking up an alert");
}

int store_alert_id(struct store *s, const char *uuid, int64_t *id)
{
	static const char sql[] = "SELECT id FROM alerts WHERE uuid = ?1";
	sqlite3_stmt *st;
	*id = 0;
	if (store_kept_get(s, sql, 0, sql, &st))
		return -1;
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	store_kept_put(s, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(s, "looking up an alert");
}

int store_alert_add(struct store *s, const struct alert_record *a, int *created)
{
	/* one row of VALUES, its event's columns read first (event_sql below): an INSERT ... SELECT
	 * is a statement SQLite may have to undo alone, so it journaled the ten or so pages each
	 * alert changes, to a temporary file past 64 KiB, for every alert detect made */
	static const char add_sql[] =
	    "INSERT OR IGNORE INTO alerts(uuid, rule_key, event_id, original_time, created_us, execution_us, "
	    "severity, risk_score, reason, host_key, file_path, target, rule_name) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8, ?9, ?11, ?12, ?13, ?14)";
	/* and its identity, for the anchor */
	static const char event_cols_sql[] =
	    "SELECT host_key, file_path, coalesce(file_path, process_name), identity FROM events WHERE id = ?1";
	/* the imported document's workflow is Kibana's claim: the alert starts open, and its
	 * status is set (and audited) through triage/record.h, as audit --verify expects */
	static const char imported_sql[] =
	    "INSERT OR IGNORE INTO alerts(uuid, rule_key, event_id, original_time, created_us, execution_us, "
	    "severity, risk_score, reason, host_key, file_path, target, rule_name, acknowledged_as, group_id, "
	    "group_index) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	    "?9, host_key, file_path, coalesce(file_path, process_name), ?11, ?12, ?13, ?14 FROM events WHERE id = ?3 "
	    "AND json_valid(?10)";
	/* the document, in its own table (schema version 14): as detect made it, or as imported. The
	 * alert's id is new, so a row already there is a leftover of an alert deleted outside
	 * casebook (a case file is untrusted), and the new document replaces it */
	static const char doc_sql[] = "INSERT OR REPLACE INTO alert_docs(id, doc) VALUES (?1, ?2)";
	static const char imported_doc_sql[] =
	    "INSERT OR REPLACE INTO alert_docs(id, doc) VALUES (?1, json_set(json_remove(?2, "
	    "'$.\"kibana.alert.workflow_reason\"', '$.\"kibana.alert.workflow_user\"', "
	    "'$.\"kibana.alert.workflow_status_updated_at\"'), '$.\"kibana.alert.workflow_status\"', 'open'))";
	static const char event_sql[] = "INSERT INTO alert_events(alert_id, position, event_id) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *st, *cols = NULL;
	const char *sql = a->imported ? imported_sql : add_sql;
	*created = 0;
	if (!a->imported) {
		if (store_kept_get(s, event_cols_sql, 0, event_cols_sql, &cols))
			return -1;
		sqlite3_bind_int64(cols, 1, a->event_id);
		int found = sqlite3_step(cols);
		if (found != SQLITE_ROW) {
			store_kept_put(s, cols);
			return found == SQLITE_DONE ? 0 : store_fail(s, "reading an alert's event");
		}
	}
	if (store_kept_get(s, sql, 0, sql, &st)) {
		if (cols)
			store_kept_put(s, cols);
		return -1;
	}
	sqlite3_bind_text(st, 1, a->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, a->rule_key);
	sqlite3_bind_int64(st, 3, a->event_id);
	sqlite3_bind_int64(st, 4, a->original_time);
	sqlite3_bind_int64(st, 5, a->created_us);
	sqlite3_bind_int64(st, 6, a->execution_us);
	sqlite3_bind_text(st, 7, a->severity, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, a->risk_score);
	sqlite3_bind_text(st, 9, a->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, a->doc, -1, SQLITE_STATIC);
	if (cols) {
		for (int i = 0; i < 3; i++)
			sqlite3_bind_value(st, 11 + i, sqlite3_column_value(cols, i));
		sqlite3_bind_text(st, 14, a->rule_name, -1, SQLITE_STATIC); /* a rule_name_override's */
	}
	if (a->imported) {
		sqlite3_bind_text(st, 11, a->rule_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 12, a->acknowledged_as, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 13, a->group_id, -1, SQLITE_STATIC);
		if (a->has_group_index)
			sqlite3_bind_int64(st, 14, a->group_index);
		else
			sqlite3_bind_null(st, 14);
	}
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "storing an alert");
	*created = sqlite3_changes(s->db) > 0;
	store_kept_put(s, st);
	int64_t alert_id = sqlite3_last_insert_rowid(s->db);
	if (!rc && *created) {
		const char *dsql = a->imported ? imported_doc_sql : doc_sql;
		if (store_kept_get(s, dsql, 0, dsql, &st))
			rc = -1;
		else {
			sqlite3_bind_int64(st, 1, alert_id);
			sqlite3_bind_text(st, 2, a->doc, -1, SQLITE_STATIC);
			rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "storing an alert's document");
			store_kept_put(s, st);
		}
	}
	/* cols stays on its row: the anchor renders the values it bound */
	if (rc || !*created || store_kept_get(s, event_sql, 0, event_sql, &st)) {
		if (cols)
			store_kept_put(s, cols);
		return rc || !*created ? rc : -1;
	}
	size_t n = a->events ? a->nevents : 1;
	for (size_t i = 0; i < n && !rc; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, alert_id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		sqlite3_bind_int64(st, 3, a->events ? a->events[i] : a->event_id);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "storing an alert's events");
	}
	store_kept_put(s, st);
	struct actor who = {.analyst = "casebook", .at_us = a->created_us};
	/* the row as bound, for the anchor (an imported document is rewritten by SQL) */
	rc = rc || store_audit_anchor_new_alert(s, alert_id, a, cols, &who, a->origin ? a->origin : "detect");
	if (cols)
		store_kept_put(s, cols);
	return rc ? -1 : 0;
}

int store_alert_events(struct store *s, int64_t alert_id, int64_t **ids, size_t *n)
{
	sqlite3_stmt *st;
	*ids = NULL;
	*n = 0;
	/* alerts made before version 4 have no rows here: their one event stands in */
	if (store_prepare(s,
	                  "SELECT event_id, position FROM alert_events WHERE alert_id = ?1 UNION ALL "
	                  "SELECT event_id, 0 FROM alerts WHERE id = ?1 AND NOT EXISTS "
	                  "(SELECT 1 FROM alert_events WHERE alert_id = ?1) ORDER BY 2",
	                  &st))
		return -1;
	sqlite3_bind_int64(st, 1, alert_id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			*ids = xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, "reading an alert's events");
}

int store_alerts_each(struct store *s, const struct alert_query *q, alert_fn fn, void *ctx)
{
	/* the conditions are added only when asked for, so that SQLite can use the uuid index for
	 * a prefix ([prefix, prefix with its last byte raised)) instead of scanning */
	char *upper = NULL;
	if (q->uuid_prefix && *q->uuid_prefix) {
		size_t n = strlen(q->uuid_prefix);
		upper = xstrdup(q->uuid_prefix);
		while (n > 0 && (unsigned char)upper[n - 1] == 0xFF)
			upper[--n] = '\0';
		if (n > 0)
			upper[n - 1] = (char)((unsigned char)upper[n - 1] + 1);
		else
			free(upper), upper = NULL;
	}
	struct strbuf sql;
	strbuf_init(&sql, 1024);
	strbuf_addstr(
	    &sql,
	    "SELECT a.id, a.uuid, r.rule_id, coalesce(a.rule_name, r.name), r.version, a.event_id, a.original_time, "
	    "a.created_us, a.severity, a.risk_score, a.workflow_status, h.name, h.host_id, e.file_path, "
	    "e.process_name, e.user_name, a.reason, CASE WHEN ?4 THEN NULL ELSE (SELECT doc FROM alert_docs WHERE id = "
	    "a.id) END, a.workflow_reason, "
	    "a.workflow_comment, coalesce(json_extract(r.json, '$.building_block_type'), '') != '', "
	    "a.acknowledged_as, a.group_parent FROM alerts a JOIN rules r ON r.key = a.rule_key "
	    "JOIN events e ON e.id = a.event_id LEFT JOIN hosts h ON h.key = e.host_key WHERE 1");
	if (q->status)
		strbuf_addstr(&sql, " AND a.workflow_status = ?1");
	if (q->rule_id)
		strbuf_addstr(&sql, " AND r.rule_id = ?2");
	if (q->uuid_prefix)
		strbuf_addstr(&sql, " AND a.uuid >= ?3");
	if (upper)
		strbuf_addstr(&sql, " AND a.uuid < ?5");
	if (q->uuid)
		strbuf_addstr(&sql, " AND a.uuid = ?9");
	if (q->id > 0)
		strbuf_addstr(&sql, " AND a.id = ?10");
	if (q->related_to > 0)
		strbuf_addstr(
		    &sql, " AND a.host_key = (SELECT host_key FROM alerts WHERE id = ?6) AND a.id != ?6"
		          " AND r.rule_id != (SELECT r2.rule_id FROM alerts a2 JOIN rules r2 ON r2.key = a2.rule_key"
		          " WHERE a2.id = ?6) AND a.original_time BETWEEN"
		          " (SELECT original_time FROM alerts WHERE id = ?6) - ?7 AND"
		          " (SELECT original_time FROM alerts WHERE id = ?6) + ?7");
	if (q->near_event > 0)
		/* the host as the timeline takes it: its host.id, else its host.name */
		strbuf_addstr(&sql,
		              " AND a.host_key IN (SELECT x.key FROM hosts x, events e2 JOIN hosts h2 ON h2.key ="
		              " e2.host_key WHERE e2.id = ?8 AND (x.key = e2.host_key OR x.host_id = h2.host_id OR"
		              " (h2.host_id IS NULL AND x.host_id IS NULL AND x.name = h2.name))) AND a.original_time"
		              " BETWEEN (SELECT ts FROM events WHERE id = ?8) - ?7 AND"
		              " (SELECT ts FROM events WHERE id = ?8) + ?7");
	if (q->group_parent > 0)
		/* through the group's index: the parent's group, then its members under it */
		strbuf_addstr(
		    &sql, " AND a.group_id = (SELECT group_id FROM alerts WHERE id = ?11) AND a.group_parent = ?11");
	if (q->top_level)
		strbuf_addstr(&sql, " AND a.group_parent IS NULL");
	strbuf_addstr(&sql, q->group_parent > 0 ? " ORDER BY a.group_index, a.original_time, a.uuid"
	                                        : " ORDER BY a.original_time, a.uuid");
	sqlite3_stmt *st;
	int prc = store_prepare(s, sql.buf, &st);
	strbuf_release(&sql);
	if (prc) {
		free(upper);
		return -1;
	}
	sqlite3_bind_text(st, 1, q->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->rule_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, q->uuid_prefix, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, q->no_doc);
	sqlite3_bind_text(st, 5, upper, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, q->related_to);
	sqlite3_bind_int64(st, 7, q->window_us);
	sqlite3_bind_int64(st, 8, q->near_event);
	sqlite3_bind_text(st, 9, q->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, q->id);
	sqlite3_bind_int64(st, 11, q->group_parent);
	free(upper);
	int rc, status = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct alert_row a = {
		    .id = sqlite3_column_int64(st, 0),
		    .uuid = store_col_req(st, 1),
		    .rule_id = store_col_req(st, 2),
		    .rule_name = store_col_req(st, 3),
		    .rule_version = sqlite3_column_int64(st, 4),
		    .event_id = sqlite3_column_int64(st, 5),
		    .original_time = sqlite3_column_int64(st, 6),
		    .created_us = sqlite3_column_int64(st, 7),
		    .severity = store_col_req(st, 8),
		    .risk_score = sqlite3_column_int64(st, 9),
		    .status = store_col_req(st, 10),
		    .host_name = store_col_text(st, 11),
		    .host_id = store_col_text(st, 12),
		    .file_path = store_col_text(st, 13),
		    .process_name = store_col_text(st, 14),
		    .user_name = store_col_text(st, 15),
		    .reason = store_col_req(st, 16),
		    .doc = store_col_req(st, 17),
		    .reason_closed = store_col_text(st, 18),
		    .comment = store_col_text(st, 19),
		    .building_block = sqlite3_column_int(st, 20),
		    .acknowledged_as = store_col_text(st, 21),
		    .group_parent = sqlite3_column_int64(st, 22),
		};
		if ((status = fn(ctx, &a)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return status ? status : rc == SQLITE_DONE ? 0 : store_fail(s, "listing alerts");
}

/* key -> name of a small table (rules, hosts), read once so the queue's scan joins nothing */
struct name_map {
	int64_t *keys;
	char **names;
	size_t n;
};

static int load_names(struct store *s, const char *sql, struct name_map *m)
{
	sqlite3_stmt *st;
	memset(m, 0, sizeof(*m));
	if (store_prepare(s, sql, &st))
		return -1;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (m->n == cap) {
			cap = cap ? cap * 2 : 16;
			m->keys = xrealloc(m->keys, cap * sizeof(*m->keys));
			m->names = xrealloc(m->names, cap * sizeof(*m->names));
		}
		m->keys[m->n] = sqlite3_column_int64(st, 0);
		m->names[m->n++] = xstrdup(store_col_text(st, 1) ? store_col_text(st, 1) : "");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, "listing alerts");
}

static const char *name_of(const struct name_map *m, int64_t key)
{
	size_t lo = 0, hi = m->n; /* keys ascend: the queries order by them */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->keys[mid] == key)
			return m->names[mid];
		if (m->keys[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return "";
}

static void free_names(struct name_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->names[i]);
	free(m->names);
	free(m->keys);
}

/* What the queue reads of an alert, from the columns of QUEUE_COLUMNS. */
#define QUEUE_COLUMNS                                                                                                  \
	"id, uuid, workflow_status, severity, risk_score, rule_key, host_key, event_id, original_time, target, "       \
	"rule_name, group_parent"

struct queue_names {
	struct name_map rules, hosts, blocks, parents;
};

static struct queue_alert queue_row(sqlite3_stmt *st, const struct queue_names *m)
{
	int64_t parent = sqlite3_column_int64(st, 11);
	return (struct queue_alert){
	    .id = sqlite3_column_int64(st, 0),
	    .uuid = store_col_req(st, 1),
	    .status = store_col_req(st, 2),
	    .severity = store_col_req(st, 3),
	    .risk_score = sqlite3_column_int64(st, 4),
	    /* the alert's own name when it carries one (an imported alert's), else its rule's */
	    .rule_name =
	        store_col_text(st, 10) ? store_col_text(st, 10) : name_of(&m->rules, sqlite3_column_int64(st, 5)),
	    .host = name_of(&m->hosts, sqlite3_column_int64(st, 6)),
	    .event_id = sqlite3_column_int64(st, 7),
	    .original_time = sqlite3_column_int64(st, 8),
	    .target = store_col_text(st, 9),
	    /* a sequence's part is a building block, as Kibana writes it (building_block_type) */
	    .building_block = parent > 0 || *name_of(&m->blocks, sqlite3_column_int64(st, 5)) != '\0',
	    .group_parent = parent,
	};
}

/* Calls fn for each building block grouped under the sequence alert, in their order. SQLITE_DONE,
 * SQLITE_ROW when fn stopped (its status in *status), or an error. */
static int queue_children(sqlite3_stmt *kids, int64_t parent, const struct queue_names *m, queue_alert_fn fn, void *ctx,
                          int *status)
{
	sqlite3_reset(kids);
	sqlite3_bind_int64(kids, 1, parent);
	int rc;
	while ((rc = sqlite3_step(kids)) == SQLITE_ROW) {
		struct queue_alert a = queue_row(kids, m);
		if ((*status = fn(ctx, &a)) != 0)
			return SQLITE_ROW;
	}
	return rc;
}

static void free_queue_names(struct queue_names *m)
{
	free_names(&m->rules);
	free_names(&m->hosts);
	free_names(&m->blocks);
	free_names(&m->parents);
}

/* The queue's statements: from its covering index, or from the table while the index is pending */
#define QUEUE_WHERE   "WHERE group_parent IS NULL ORDER BY original_time, uuid"
#define PARENTS_WHERE "WHERE group_parent IS NOT NULL ORDER BY group_parent"
static const char queue_from_index[] = "SELECT " QUEUE_COLUMNS " FROM alerts INDEXED BY alerts_queue " QUEUE_WHERE;
static const char queue_from_table[] = "SELECT " QUEUE_COLUMNS " FROM alerts " QUEUE_WHERE;
static const char parents_from_index[] =
    "SELECT DISTINCT group_parent, 'parent' FROM alerts INDEXED BY alerts_queue " PARENTS_WHERE;
static const char parents_from_table[] = "SELECT DISTINCT group_parent, 'parent' FROM alerts " PARENTS_WHERE;

/* The queue, with each sequence's building blocks after it when nested (store_queue_tree_each). */
static int queue_each(struct store *s, int nested, queue_alert_fn fn, void *ctx)
{
	struct queue_names m = {0};
	/* its covering index by name, unless a first detect has it pending (store/events.c): then
	 * the same rows, in the same order, from the table; asked and read in one transaction, so
	 * that a detect starting meanwhile cannot drop it in between */
	int own = sqlite3_get_autocommit(s->db), absent;
	if ((own && store_exec(s, "BEGIN")) || store_index_absent(s, "alerts_queue", &absent)) {
		if (own)
			store_rollback(s);
		return -1;
	}
	/* the rules whose alerts are building blocks (their building_block_type), and the sequence
	 * alerts that have building blocks under them (from the queue's index, not the documents) */
	if (load_names(s, "SELECT key, name FROM rules ORDER BY key", &m.rules) ||
	    load_names(s, "SELECT key, coalesce(name, host_id) FROM hosts ORDER BY key", &m.hosts) ||
	    load_names(s,
	               "SELECT key, json_extract(json, '$.building_block_type') FROM rules WHERE "
	               "coalesce(json_extract(json, '$.building_block_type'), '') != '' ORDER BY key",
	               &m.blocks) ||
	    (nested && load_names(s, absent ? parents_from_table : parents_from_index, &m.parents))) {
		free_queue_names(&m);
		if (own)
			store_rollback(s);
		return -1;
	}
	sqlite3_stmt *st = NULL, *kids = NULL;
	int rc = SQLITE_ERROR, status = 0;
	if (!store_prepare(s, absent ? queue_from_table : queue_from_index, &st) &&
	    (!nested || !store_prepare(s,
	                               "SELECT " QUEUE_COLUMNS " FROM alerts WHERE group_id = (SELECT group_id FROM "
	                               "alerts WHERE id = ?1) AND group_parent = ?1 ORDER BY group_index, "
	                               "original_time, uuid",
	                               &kids))) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct queue_alert a = queue_row(st, &m);
			if ((status = fn(ctx, &a)) != 0) {
				rc = SQLITE_DONE;
				break;
			}
			if (nested && *name_of(&m.parents, a.id)) {
				int k = queue_children(kids, a.id, &m, fn, ctx, &status);
				if (k != SQLITE_DONE) {
					rc = k == SQLITE_ROW ? SQLITE_DONE : k;
					break;
				}
			}
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(kids);
	free_queue_names(&m);
	int failed = rc != SQLITE_DONE && !status ? store_fail(s, "listing alerts") : 0;
	if (own)
		store_exec(s, "COMMIT");
	return status ? status : failed;
}

int store_queue_each(struct store *s, queue_alert_fn fn, void *ctx)
{
	return queue_each(s, 0, fn, ctx);
}

int store_queue_tree_each(struct store *s, queue_alert_fn fn, void *ctx)
{
	return queue_each(s, 1, fn, ctx);
}

int store_alert_rule_note(struct store *s, int64_t alert_id, char **note)
{
	sqlite3_stmt *st;
	*note = NULL;
	if (store_prepare(s, "SELECT json_extract(doc, '$.\"kibana.alert.rule.note\"') FROM alert_docs WHERE id = ?1",
	                  &st))
		return -1;
	sqlite3_bind_int64(st, 1, alert_id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT)
		*note = xstrdup(store_col_req(st, 0));
	sqlite3_finalize(st);
	return 0;
}

/* The three statements below run for every rule of a detect (kept: 2,000 rules prepared them
 * 6,000 times) */
int store_detection_state(struct store *s, int64_t rule_key, int64_t *last_event_id)
{
	static const char sql[] = "SELECT last_event_id FROM detection_state WHERE rule_key = ?1";
	sqlite3_stmt *st;
	if (store_kept_get(s, sql, 0, sql, &st))
		return -1;
	sqlite3_bind_int64(st, 1, rule_key);
	*last_event_id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	store_kept_put(s, st);
	return 0;
}

int store_set_detection_state(struct store *s, int64_t rule_key, int64_t last_event_id)
{
	static const char sql[] = "INSERT INTO detection_state(rule_key, last_event_id) VALUES (?1, ?2) "
	                          "ON CONFLICT(rule_key) DO UPDATE SET last_event_id = excluded.last_event_id";
	sqlite3_stmt *st;
	if (store_kept_get(s, sql, 0, sql, &st))
		return -1;
	sqlite3_bind_int64(st, 1, rule_key);
	sqlite3_bind_int64(st, 2, last_event_id);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "recording detection state");
	store_kept_put(s, st);
	return rc;
}

int64_t store_max_event_id(struct store *s)
{
	static const char sql[] = "SELECT max(id) FROM events";
	sqlite3_stmt *st;
	int64_t n = 0;
	if (store_kept_get(s, sql, 0, sql, &st))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	store_kept_put(s, st);
	return n;
}

int store_event_index_names(struct store *s, int (*fn)(void *ctx, const char *idx), void *ctx)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT DISTINCT idx FROM events", &st))
		return -1;
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
		stop = fn(ctx, store_col_text(st, 0));
	sqlite3_finalize(st);
	if (stop)
		return stop;
	return rc == SQLITE_DONE ? 0 : store_fail(s, "listing the case's index names");
}

/* The rule's time: event.ingested when the rule overrides with it and the event has it. */
#define TIME_EXPR(ingested) ((ingested) ? "coalesce(e.ingested, e.ts)" : "e.ts")

static int64_t first_column(sqlite3_stmt *st)
{
	int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return v;
}

int store_time_bounds(struct store *s, int use_ingested, int64_t *min, int64_t *max)
{
	/* one min() or max() a statement, so that SQLite reads each end of the index */
	sqlite3_stmt *st;
	if (use_ingested ? store_prepare(s, "SELECT min(ingested) FROM events WHERE ingested IS NOT NULL", &st)
	                 : store_prepare(s, "SELECT min(ts) FROM events", &st))
		return -1;
	*min = first_column(st);
	if (use_ingested ? store_prepare(s, "SELECT max(ingested) FROM events WHERE ingested IS NOT NULL", &st)
	                 : store_prepare(s, "SELECT max(ts) FROM events", &st))
		return -1;
	*max = first_column(st);
	return 0;
}

int store_time_span(struct store *s, int use_ingested, int64_t after_id, int64_t *min, int64_t *max)
{
	if (after_id <= 0 && !use_ingested) /* every event: the ends of the ts index, not a scan */
		return store_time_bounds(s, 0, min, max);
	struct strbuf sql;
	strbuf_init(&sql, 128);
	strbuf_addf(&sql, "SELECT min(%s), max(%s) FROM events e WHERE e.id > ?1", TIME_EXPR(use_ingested),
	            TIME_EXPR(use_ingested));
	sqlite3_stmt *st;
	int rc = store_prepare(s, sql.buf, &st);
	strbuf_release(&sql);
	if (rc)
		return -1;
	sqlite3_bind_int64(st, 1, after_id);
	*min = *max = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*min = sqlite3_column_int64(st, 0);
		*max = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return 0;
}

static int category_listed(const char *list, const char *category)
{
	size_t n = strlen(category);
	for (const char *p = list; p; p = strchr(p, ',')) {
		p += *p == ',';
		if (!strncmp(p, category, n) && (p[n] == ',' || !p[n]))
			return 1;
	}
	return 0;
}

int store_candidate_admits(const struct candidate_query *q, const struct event_record *r)
{
	if (r->irregular)
		return 1; /* the columns cannot vouch for it */
	if (q->path_lo && (!r->file_path || strcmp(r->file_path, q->path_lo) < 0))
		return 0;
	if (q->path_hi && (!r->file_path || strcmp(r->file_path, q->path_hi) >= 0))
		return 0;
	if (q->host &&
	    !((r->host_name && !strcmp(r->host_name, q->host)) || (r->host_id && !strcmp(r->host_id, q->host))))
		return 0;
	if (q->path_lower_prefix && r->file_path) {
		/* SQLite's lower() is ASCII-only; substr counts characters, but a byte prefix of
		 * ASCII-lowered UTF-8 is equal exactly when the character prefix is. The prefix is
		 * ASCII; a path with a character that is not cannot be vouched for (the lowercase
		 * normalizer maps U+0130 to i and U+212A to k), as in the SQL below. */
		size_t n = strlen(q->path_lower_prefix), len = strlen(r->file_path);
		int ascii = 1;
		for (size_t i = 0; i < len && ascii; i++)
			ascii = (unsigned char)r->file_path[i] < 0x80;
		if (ascii && len < n)
			return 0;
		for (size_t i = 0; ascii && i < n; i++) {
			unsigned char c = (unsigned char)r->file_path[i];
			if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != (unsigned char)q->path_lower_prefix[i])
				return 0;
		}
	}
	if (q->ncategories && r->category) {
		size_t i = 0;
		while (i < q->ncategories && i < 4 && !category_listed(r->category, q->categories[i]))
			i++;
		if (i == q->ncategories || i == 4)
			return 0;
	}
	return 1;
}

struct candidate_ctx {
	candidate_fn fn;
	void *ctx;
	int use_ingested;
};

static int candidate_row(void *ctx, const struct event_row *row)
{
	struct candidate_ctx *c = ctx;
	struct candidate_row cr = {.id = row->id, .ev = *row};
	cr.time = c->use_ingested && row->r.has_ingested ? row->r.ingested : row->r.ts;
	return c->fn(c->ctx, &cr);
}

int store_candidates_each(struct store *s, const struct candidate_query *q, candidate_fn fn, void *ctx)
{
	struct strbuf sql;
	strbuf_init(&sql, 512);
	const char *t = TIME_EXPR(q->use_ingested);
	store_event_select(&sql, 1);
	strbuf_addstr(&sql, "WHERE e.id > ?1");
	if (q->has_window && q->by_event_time && q->use_ingested) {
		/* '+' keeps SQLite on events_ts, which gives the order, instead of sorting every row */
		strbuf_addstr(&sql, " AND (+e.ingested BETWEEN ?2 AND ?3 OR (+e.ingested IS NULL AND +e.ts "
		                    "BETWEEN ?2 AND ?3))");
	} else if (q->has_window && q->prefer_scan && !q->by_event_time) {
		/* '+' keeps SQLite off the time indexes: one pass in rowid order beats a seek per row */
		if (q->use_ingested)
			strbuf_addstr(&sql, " AND (+e.ingested BETWEEN ?2 AND ?3 OR (+e.ingested IS NULL AND +e.ts "
			                    "BETWEEN ?2 AND ?3))");
		else
			strbuf_addstr(&sql, " AND +e.ts BETWEEN ?2 AND ?3");
	} else if (q->has_window) {
		if (q->use_ingested)
			strbuf_addstr(
			    &sql,
			    " AND (e.ingested BETWEEN ?2 AND ?3 OR (e.ingested IS NULL AND e.ts BETWEEN ?2 AND ?3))");
		else
			strbuf_addstr(&sql, " AND e.ts BETWEEN ?2 AND ?3");
	}
	if (q->path_lo || q->path_hi || q->host) {
		/* the indexed candidates, plus the irregular events the columns cannot vouch for;
		 * written as IN (... UNION ...) so that SQLite answers each part from its index */
		strbuf_addstr(&sql, " AND e.id IN (SELECT id FROM events WHERE 1");
		if (q->path_lo)
			strbuf_addstr(&sql, " AND file_path >= ?4");
		if (q->path_hi)
			strbuf_addstr(&sql, " AND file_path < ?5");
		if (q->host)
			strbuf_addstr(&sql, " AND host_key IN (SELECT key FROM hosts WHERE name = ?6 OR host_id = ?6)");
		strbuf_addstr(&sql, " UNION SELECT id FROM events WHERE irregular != 0)");
	}
	if (q->path_lower_prefix) /* ASCII: SQLite's lower() is ASCII-only; a path that is not all
	                           * ASCII (more bytes than characters) stays in */
		strbuf_addstr(&sql, " AND (e.irregular != 0 OR e.file_path IS NULL OR "
		                    "lower(substr(e.file_path, 1, length(?11))) = ?11 OR "
		                    "length(CAST(e.file_path AS BLOB)) != length(e.file_path))");
	if (q->ncategories) {
		/* the category column joins the values with ','; rows it cannot vouch for stay in */
		strbuf_addstr(&sql, " AND (e.category IS NULL OR e.irregular != 0");
		static const char *const one_of[] = {
		    " OR instr(',' || e.category || ',', ?7) > 0", " OR instr(',' || e.category || ',', ?8) > 0",
		    " OR instr(',' || e.category || ',', ?9) > 0", " OR instr(',' || e.category || ',', ?10) > 0"};
		for (size_t i = 0; i < q->ncategories && i < 4; i++)
			strbuf_addstr(&sql, one_of[i]);
		strbuf_addstr(&sql, ")");
	}
	int resume = q->by_event_time && q->resume;
	if (resume) /* the rows after (ts, id) in this order: a range on events_ts, then a filter */
		strbuf_addstr(&sql, " AND e.ts >= ?12 AND (e.ts > ?12 OR e.id > ?13)");
	if (q->by_event_time)
		strbuf_addstr(&sql, " ORDER BY e.ts, e.id");
	else if (!q->any_order)
		strbuf_addf(&sql, " ORDER BY %s, e.ts, e.id", t);
	sqlite3_stmt *st;
	int rc = store_prepare(s, sql.buf, &st);
	strbuf_release(&sql);
	if (rc)
		return -1;
	sqlite3_bind_int64(st, 1, q->after_id);
	/* resuming on @timestamp, the window's start moves up to where the read left off, so
	 * that either lower bound SQLite picks for events_ts starts there */
	int64_t from = resume && !q->use_ingested && q->resume_ts > q->from ? q->resume_ts : q->from;
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 12, q->resume_ts);
	sqlite3_bind_int64(st, 13, q->resume_id);
	sqlite3_bind_int64(st, 3, q->to);
	sqlite3_bind_text(st, 4, q->path_lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, q->path_hi, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, q->host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, q->path_lower_prefix, -1, SQLITE_STATIC);
	char cats[4][72];
	for (size_t i = 0; i < q->ncategories && i < 4; i++) {
		snprintf(cats[i], sizeof(cats[i]), ",%.64s,", q->categories[i]);
		sqlite3_bind_text(st, (int)(7 + i), cats[i], -1, SQLITE_STATIC);
	}
	struct candidate_ctx c = {.fn = fn, .ctx = ctx, .use_ingested = q->use_ingested};
	struct row_admit admit = {q->admit, q->admit_ctx};
	return q->admit ? store_each_event_row_admitted(s, st, &admit, candidate_row, &c)
	                : store_each_event_row(s, st, 1, candidate_row, &c);
}

int store_timeline_each(struct store *s, int64_t event_id, int64_t before_us, int64_t after_us, int want_doc,
                        event_fn fn, void *ctx)
{
	/* first the event's time and host, then a query SQLite answers from events_host_ts
	 * (a single statement with both in a CTE made it scan the table) */
	sqlite3_stmt *st;
	if (store_prepare(s,
	                  "SELECT e.ts, h.host_id, h.name, e.host_key, (SELECT count(*) FROM hosts x WHERE "
	                  "(h.host_id IS NOT NULL AND x.host_id = h.host_id) OR (h.host_id IS NULL AND x.host_id IS "
	                  "NULL AND x.name = h.name)) FROM events e LEFT JOIN hosts h ON h.key = e.host_key "
	                  "WHERE e.id = ?1",
	                  &st))
		return -1;
	sqlite3_bind_int64(st, 1, event_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return 0;
	}
	int64_t t = sqlite3_column_int64(st, 0);
	char *host_id = sqlite3_column_type(st, 1) == SQLITE_NULL ? NULL : xstrdup(store_col_req(st, 1));
	char *host_name = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : xstrdup(store_col_req(st, 2));
	int64_t host_key = sqlite3_column_int64(st, 3);
	int one_key = sqlite3_column_int64(st, 4) == 1 && sqlite3_column_type(st, 3) != SQLITE_NULL;
	sqlite3_finalize(st);
	/* the same host is the same host.id, or the same host.name when the event has no id; the
	 * statement is prepared once (a console opens timelines all day) unless it is in use */
	/* one host key (the usual case) lets the index give the rows in order: no sort */
	int docs = want_doc != 0, by_name = one_key ? 0 : host_id ? 1 : 2, kept = !s->timeline_busy[docs][by_name];
	int rc = 0;
	if (!kept || !s->timeline[docs][by_name]) {
		struct strbuf sql;
		strbuf_init(&sql, 512);
		store_event_select(&sql, want_doc);
		static const char *const where[] = {
		    "WHERE e.host_key = ?5 AND e.ts BETWEEN ?3 AND ?4 ORDER BY e.ts, e.id",
		    "WHERE e.host_key IN (SELECT key FROM hosts WHERE host_id = ?1) AND e.ts BETWEEN ?3 AND ?4 "
		    "ORDER BY e.ts, e.id",
		    "WHERE e.host_key IN (SELECT key FROM hosts WHERE host_id IS NULL AND name = ?2) "
		    "AND e.ts BETWEEN ?3 AND ?4 ORDER BY e.ts, e.id"};
		strbuf_addstr(&sql, where[by_name]);
		rc = store_prepare(s, sql.buf, &st);
		strbuf_release(&sql);
		if (!rc && kept)
			s->timeline[docs][by_name] = st;
	} else {
		st = s->timeline[docs][by_name];
	}
	if (!rc) {
		sqlite3_bind_text(st, 1, host_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, host_name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, t - before_us);
		sqlite3_bind_int64(st, 4, t + after_us);
		sqlite3_bind_int64(st, 5, host_key);
		if (kept) {
			s->timeline_busy[docs][by_name] = 1;
			rc = store_each_event_row_kept(s, st, want_doc, fn, ctx);
			s->timeline_busy[docs][by_name] = 0;
		} else {
			rc = store_each_event_row(s, st, want_doc, fn, ctx);
		}
	}
	free(host_id);
	free(host_name);
	return rc;
}

/* The events a WHERE clause (with one parameter, ?1: a number, or text when text is set) picks. */
static int events_where(struct store *s, const char *where, int64_t number, const char *text, int want_doc, event_fn fn,
                        void *ctx)
{
	struct strbuf sql;
	strbuf_init(&sql, 256);
	store_event_select(&sql, want_doc);
	strbuf_addstr(&sql, where);
	sqlite3_stmt *st;
	int rc = store_kept_get(s, where, want_doc, sql.buf, &st); /* where is a literal: it names it */
	strbuf_release(&sql);
	if (rc)
		return -1;
	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 1, number);
	rc = store_each_event_row_kept(s, st, want_doc, fn, ctx);
	store_kept_put(s, st);
	return rc;
}

int store_event_source(struct store *s, int64_t event_id, struct strbuf *identity, struct strbuf *index)
{
	static const char sql[] = "SELECT identity, idx FROM events WHERE id = ?1";
	sqlite3_stmt *st;
	if (store_kept_get(s, sql, 0, sql, &st))
		return -1;
	sqlite3_bind_int64(st, 1, event_id);
	strbuf_reset(identity);
	strbuf_reset(index);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		strbuf_addstr(identity, store_col_req(st, 0));
		const char *idx = store_col_text(st, 1);
		strbuf_addstr(index, idx ? idx : "");
	}
	rc = rc == SQLITE_ROW ? 0 : store_fail(s, "reading an event's identity");
	store_kept_put(s, st);
	return rc;
}

int store_event_get(struct store *s, int64_t event_id, int want_doc, event_fn fn, void *ctx)
{
	return events_where(s, "WHERE e.id = ?1", event_id, NULL, want_doc, fn, ctx);
}

int store_event_by_identity(struct store *s, const char *identity, event_fn fn, void *ctx)
{
	return events_where(s, "WHERE e.identity = ?1 ORDER BY e.id LIMIT 1", 0, identity, 0, fn, ctx);
}

int store_alert_groups_resolve(struct store *s, int64_t after_alert_id)
{
	/* the sequence alert is the group's one alert without an index (Kibana writes the building
	 * blocks with kibana.alert.group.index, the sequence alert without) */
	sqlite3_stmt *st;
	if (store_prepare(
	        s,
	        "UPDATE alerts SET group_parent = (SELECT p.id FROM alerts p WHERE p.group_id = alerts.group_id "
	        "AND p.group_index IS NULL ORDER BY p.id LIMIT 1) WHERE group_id IN (SELECT group_id FROM "
	        "alerts WHERE id > ?1 AND group_id IS NOT NULL) AND group_index IS NOT NULL",
	        &st))
		return -1;
	sqlite3_bind_int64(st, 1, after_alert_id);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "grouping building-block alerts");
	sqlite3_finalize(st);
	return rc;
}

int64_t store_max_alert_id(struct store *s)
{
	sqlite3_stmt *st;
	int64_t n = 0;
	if (store_prepare(s, "SELECT max(id) FROM alerts", &st))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int store_signal_events_each(struct store *s, int64_t after_id, event_fn fn, void *ctx)
{
	return events_where(
	    s,
	    "WHERE e.id > ?1 AND (e.kind = 'signal' OR e.idx LIKE '.alerts-security.alerts-%' "
	    "OR e.idx LIKE '.internal.alerts-security.alerts-%' OR e.idx LIKE '.siem-signals-%') ORDER BY e.id",
	    after_id, NULL, 0, fn, ctx);
}

int store_alert_context(struct store *s, int64_t alert_id, int64_t *same_host, int64_t *hosts_same_path)
{
	sqlite3_stmt *st;
	*same_host = *hosts_same_path = 0;
	if (store_prepare(s,
	                  "SELECT (SELECT count(*) FROM alerts b WHERE b.host_key = a.host_key AND b.id != a.id), "
	                  "       (SELECT count(DISTINCT b.host_key) FROM alerts b WHERE b.file_path = a.file_path) "
	                  "FROM alerts a WHERE a.id = ?1",
	                  &st))
		return -1;
	sqlite3_bind_int64(st, 1, alert_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*same_host = sqlite3_column_int64(st, 0);
		*hosts_same_path = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return 0;
}

int64_t store_data_version(struct store *s)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	if (store_prepare(s, "PRAGMA data_version", &st))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}
