/* The triage record's SQL: checklist and response items, notes, workflow status, and the
 * SHA-256-chained audit trail with its anchors and its verification (store/triage.h). */
#include "store/triage.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/timeutil.h"
#include "common/vocab.h"
#include "store/alerts.h"
#include "store/docanchor.h"
#include "store/store_internal.h"

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

int store_tx_begin(struct store *s)
{
	int outer = s->tx_depth == 0 && sqlite3_get_autocommit(s->db);
	if (store_exec(s, outer ? "BEGIN IMMEDIATE" : "SAVEPOINT triage"))
		return -1;
	if (s->tx_depth == 0)
		s->tx_outer = outer;
	s->tx_depth++;
	return 0;
}

int store_tx_end(struct store *s, int ok)
{
	s->tx_depth--;
	if (s->tx_depth == 0 && s->tx_outer)
		return ok ? store_exec(s, "COMMIT") : (store_exec(s, "ROLLBACK"), -1);
	if (ok)
		return store_exec(s, "RELEASE triage");
	store_exec(s, "ROLLBACK TO triage");
	store_exec(s, "RELEASE triage");
	return -1;
}

int store_triage_has_items(struct store *s, int64_t alert_id, int *has)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT EXISTS (SELECT 1 FROM triage_items WHERE alert_id = ?1)", &st))
		return -1;
	sqlite3_bind_int64(st, 1, alert_id);
	*has = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int store_triage_add_items(struct store *s, int64_t alert_id, const char *kind, char *const *texts, size_t n,
                           int from_default)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
	                  "INSERT OR IGNORE INTO triage_items(alert_id, kind, position, text, state, from_default) "
	                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	                  &st))
		return -1;
	const char *initial = item_state_name(item_initial_state(item_kind_from(kind)));
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		sqlite3_bind_int64(st, 1, alert_id);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, (int)i + 1);
		sqlite3_bind_text(st, 4, texts[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, initial, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 6, from_default);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "adding triage items");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

int store_triage_items_each(struct store *s, int64_t alert_id, item_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
	                  "SELECT id, kind, position, text, state, note, by, at_us, from_default FROM triage_items "
	                  "WHERE alert_id = ?1 ORDER BY kind = 'response', position",
	                  &st))
		return -1;
	sqlite3_bind_int64(st, 1, alert_id);
	int rc, status = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct triage_item it = {.id = sqlite3_column_int64(st, 0),
		                         .kind = store_col_req(st, 1),
		                         .position = sqlite3_column_int(st, 2),
		                         .text = store_col_req(st, 3),
		                         .state = store_col_req(st, 4),
		                         .note = store_col_text(st, 5),
		                         .by = store_col_text(st, 6),
		                         .at_us = sqlite3_column_int64(st, 7),
		                         .from_default = sqlite3_column_int(st, 8)};
		if ((status = fn(ctx, &it)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return status ? status : rc == SQLITE_DONE ? 0 : store_fail(s, "reading triage items");
}

int store_notes_each(struct store *s, int64_t alert_id, note_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT id, text, by, at_us FROM notes WHERE alert_id = ?1 ORDER BY id", &st))
		return -1;
	sqlite3_bind_int64(st, 1, alert_id);
	int rc, status = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct note_row n = {.id = sqlite3_column_int64(st, 0),
		                     .text = store_col_req(st, 1),
		                     .by = store_col_req(st, 2),
		                     .at_us = sqlite3_column_int64(st, 3)};
		if ((status = fn(ctx, &n)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return status ? status : rc == SQLITE_DONE ? 0 : store_fail(s, "reading notes");
}

/* ---- the audit chain ---- */

static int verify_state(struct store *s, char *why, size_t whylen);

static void hash_field(struct sha256_ctx *h, const char *v)
{
	char len[32];
	int n = v ? snprintf(len, sizeof(len), "%zu:", strlen(v)) : snprintf(len, sizeof(len), "-1:");
	sha256_update(h, len, (size_t)n);
	if (v)
		sha256_update(h, v, strlen(v));
}

/* The hash of an entry: every field, length-prefixed, then the previous hash. */
static void entry_hash(const struct audit_row *a, char out[SHA256_HEX_LEN + 1])
{
	char id[32], at[32];
	snprintf(id, sizeof(id), "%lld", (long long)a->id);
	snprintf(at, sizeof(at), "%lld", (long long)a->at_us);
	struct sha256_ctx *h = sha256_begin();
	const char *fields[] = {id,        a->alert_uuid, a->analyst, at,          a->action,
	                        a->target, a->before,     a->after,   a->prev_hash};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		hash_field(h, fields[i]);
	sha256_finish(h, out);
}

static int read_head(struct store *s, int64_t *last_id, char hash[SHA256_HEX_LEN + 1])
{
	static const char sql[] = "SELECT last_id, hash FROM audit_head WHERE one = 1";
	sqlite3_stmt *st;
	if (store_kept_get(s, sql, 0, sql, &st))
		return -1;
	*last_id = 0;
	snprintf(hash, SHA256_HEX_LEN + 1, "%s", GENESIS);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*last_id = sqlite3_column_int64(st, 0);
		snprintf(hash, SHA256_HEX_LEN + 1, "%s", store_col_req(st, 1));
	}
	store_kept_put(s, st);
	return 0;
}

int store_audit_append(struct store *s, const char *alert_uuid, const struct actor *who, const char *action,
                       const char *target, const char *before, const char *after)
{
	int64_t last;
	char prev[SHA256_HEX_LEN + 1], hash[SHA256_HEX_LEN + 1];
	if (read_head(s, &last, prev))
		return -1;
	struct audit_row a = {.id = last + 1,
	                      .alert_uuid = alert_uuid,
	                      .analyst = who->analyst,
	                      .at_us = who->at_us,
	                      .action = action,
	                      .target = target,
	                      .before = before,
	                      .after = after,
	                      .prev_hash = prev};
	entry_hash(&a, hash);
	/* kept: detect appends an entry for every alert it makes */
	static const char insert_sql[] = "INSERT INTO audit(id, alert_uuid, analyst, at_us, action, target, before, "
	                                 "after, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
	static const char head_sql[] =
	    "INSERT INTO audit_head(one, last_id, hash) VALUES (1, ?1, ?2) "
	    "ON CONFLICT(one) DO UPDATE SET last_id = excluded.last_id, hash = excluded.hash";
	sqlite3_stmt *st;
	if (store_kept_get(s, insert_sql, 0, insert_sql, &st))
		return -1;
	sqlite3_bind_int64(st, 1, a.id);
	sqlite3_bind_text(st, 2, alert_uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, who->analyst, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, who->at_us);
	sqlite3_bind_text(st, 5, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, target, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, before, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, after, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, hash, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "appending to the audit trail");
	store_kept_put(s, st);
	if (rc || store_kept_get(s, head_sql, 0, head_sql, &st))
		return -1;
	sqlite3_bind_int64(st, 1, a.id);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "moving the audit head");
	store_kept_put(s, st);
	return rc;
}

/* ---- anchors: what an alert is, and every exception, entered in the chain ----
 * An alert's anchor is computed by SQL from its row as stored, when it is made and again by
 * verify, so both read it alike: its rule (rule_id and version), severity, risk score, times,
 * reason, the columns copied from its event, every event it stands on (id, identity and the
 * SHA-256 of the stored document), and the SHA-256 of its document without the four workflow
 * fields a status change rewrites (those are the status entries' to vouch for). */
#define ALERT_ANCHOR_CONTENT_HASHED(DOC_SHA256)                                                                        \
	"r.rule_id, r.version, a.severity, a.risk_score, a.original_time, a.created_us, a.execution_us, a.reason, "    \
	"a.event_id, a.host_key, a.file_path, a.target, (SELECT json_group_array(json_array(x.position, x.event_id, "  \
	"e.identity, casebook_sha256(d.doc))) FROM alert_events x LEFT JOIN events e ON e.id = x.event_id LEFT JOIN "  \
	"docs d ON d.id = x.event_id WHERE x.alert_id = a.id), " DOC_SHA256
/* the document without the workflow fields, or as it is when it is not JSON */
#define ALERT_ANCHOR_DOC_REMOVED                                                                                       \
	"json_remove(ad.doc, '$.\"kibana.alert.workflow_status\"', '$.\"kibana.alert.workflow_user\"', "               \
	"'$.\"kibana.alert.workflow_status_updated_at\"', '$.\"kibana.alert.workflow_reason\"')"
#define ALERT_ANCHOR_DOC "CASE WHEN json_valid(ad.doc) THEN " ALERT_ANCHOR_DOC_REMOVED " ELSE ad.doc END"
/* where the document is (schema version 14): its own table, joined to the alert a */
#define ALERT_ANCHOR_DOC_JOIN " LEFT JOIN alert_docs ad ON ad.id = a.id"
/* the columns of version 12 join the content only when one is set, so that every alert anchored
 * before them (and every alert detect raises) keeps its anchor */
#define ALERT_ANCHOR_EXPR_HASHED(DOC_SHA256)                                                                           \
	"'rule ' || coalesce(r.rule_id, '?') || ' v' || coalesce(r.version, '?') || ', ' || "                          \
	"coalesce(a.severity, '?') || ', content sha256:' || casebook_sha256(CASE WHEN a.rule_name IS NULL AND "       \
	"a.acknowledged_as IS NULL AND a.group_id IS NULL AND a.group_index IS NULL THEN "                             \
	"json_array(" ALERT_ANCHOR_CONTENT_HASHED(DOC_SHA256) ") ELSE json_array(" ALERT_ANCHOR_CONTENT_HASHED(        \
	    DOC_SHA256) ", a.rule_name, a.acknowledged_as, a.group_id, a.group_index) END)"
#define ALERT_ANCHOR_EXPR_OF(DOC) ALERT_ANCHOR_EXPR_HASHED("casebook_sha256(" DOC ")")
#define ALERT_ANCHOR_EXPR         ALERT_ANCHOR_EXPR_OF(ALERT_ANCHOR_DOC)

/* An exception's anchor: its key (kind, namespace, id) and the SHA-256 of what detect reads. */
#define EXCEPTION_ANCHORS                                                                                              \
	"SELECT json_array('list', namespace_type, list_id) AS k, casebook_sha256(json) AS v FROM exception_lists "    \
	"UNION ALL SELECT json_array('item', namespace_type, item_id), casebook_sha256(json_array(list_id, json)) "    \
	"FROM exception_items"

/* the fields ALERT_ANCHOR_DOC_REMOVED removes */
static const char *const workflow[] = {"kibana.alert.workflow_status", "kibana.alert.workflow_user",
                                       "kibana.alert.workflow_status_updated_at", "kibana.alert.workflow_reason"};
#define NWORKFLOW (sizeof(workflow) / sizeof(workflow[0]))

/* ---- the anchor of an alert detect has just stored, rendered in C ----
 * ALERT_ANCHOR_EXPR_HASHED over the new row was a fifth of detect's time for a ruleset that
 * makes many alerts (SQLite building the content's JSON in its VM). The values the statement
 * reads are those store_alert_add bound, so the same text is printed here as SQLite's json_array
 * and json_group_array print it: integers in decimal, NULL as null, a text quoted by
 * jsonAppendString (" and \ escaped, \b \t \n \f \r, the other bytes below 0x20 as \u00XX,
 * every other byte as it is). What this does not print (a real or a blob, a column whose
 * affinity would change the value, a missing rule or event) is left to the statement, which
 * stays the definition: audit --verify computes every anchor with it (tests/test_alertanchor.c
 * holds the two to the same bytes). */

/* A text as SQLite's jsonAppendString writes it (len bytes, NULs included). */
static void anchor_json_text(struct strbuf *b, const char *t, size_t len)
{
	static const char special[32] = {['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r'};
	strbuf_addch(b, '"');
	size_t run = 0; /* bytes copied as they are, added in one go */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c != '"' && c != '\\' && c > 0x1f)
			continue;
		strbuf_add(b, t + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\')
			strbuf_addch(b, '\\'), strbuf_addch(b, (char)c);
		else if (special[c])
			strbuf_addch(b, '\\'), strbuf_addch(b, special[c]);
		else
			strbuf_addf(b, "\\u00%c%c", '0' + (c >> 4), "0123456789abcdef"[c & 0xf]);
	}
	strbuf_add(b, t + run, len - run);
	strbuf_addch(b, '"');
}

/* A column's value as json_array writes it, when its type is one of want (bits 1 << type):
 * 0, or 1 when it is another type (the statement decides). */
static int anchor_json_value(struct strbuf *b, sqlite3_stmt *st, int col, unsigned want)
{
	int type = sqlite3_column_type(st, col);
	if (!(want & (1u << type)))
		return 1;
	if (type == SQLITE_NULL)
		strbuf_addstr(b, "null");
	else if (type == SQLITE_INTEGER)
		strbuf_addf(b, "%lld", (long long)sqlite3_column_int64(st, col));
	else
		anchor_json_text(b, store_col_req(st, col), (size_t)sqlite3_column_bytes(st, col));
	return 0;
}

#define WANT_NULL    (1u << SQLITE_NULL)
#define WANT_INTEGER (1u << SQLITE_INTEGER)
#define WANT_TEXT    (1u << SQLITE_TEXT)

/* alert_events' part: [position, event_id, identity, sha256 of the stored document] for each
 * event, in position order. 0, 1 (the statement decides), -1. */
static int anchor_events(struct store *s, const struct alert_record *a, sqlite3_stmt *cols, struct strbuf *b)
{
	static const char sql[] = "SELECT e.identity, casebook_sha256(d.doc) FROM events e LEFT JOIN docs d ON "
	                          "d.id = e.id WHERE e.id = ?1";
	/* the document's hash known: its stored document is not read again (its page, read while
	 * the transaction's pages fill the cache, made SQLite spill them: a tenth of a first detect) */
	static const char identity_sql[] = "SELECT identity FROM events WHERE id = ?1";
	size_t n = a->events ? a->nevents : 1;
	strbuf_addch(b, '[');
	for (size_t i = 0; i < n; i++) {
		int64_t id = a->events ? a->events[i] : a->event_id;
		const char *known = a->stored_sha256 ? a->stored_sha256[i] : NULL;
		if (known && id == a->event_id) { /* its identity is on the row store_alert_add read */
			strbuf_addf(b, "%s[%zu,%lld,", i ? "," : "", i, (long long)id);
			if (anchor_json_value(b, cols, 3, WANT_TEXT))
				return 1;
			strbuf_addch(b, ',');
			anchor_json_text(b, known, strlen(known));
			strbuf_addch(b, ']');
			continue;
		}
		const char *q = known ? identity_sql : sql;
		sqlite3_stmt *st;
		if (store_kept_get(s, q, 0, q, &st))
			return -1;
		sqlite3_bind_int64(st, 1, id);
		int rc = sqlite3_step(st);
		int other = rc != SQLITE_ROW; /* no such event: the statement's LEFT JOIN says null */
		if (!other) {
			strbuf_addf(b, "%s[%zu,%lld,", i ? "," : "", i, (long long)id);
			other = anchor_json_value(b, st, 0, WANT_TEXT) || (strbuf_addch(b, ','), 0);
			if (!other && known)
				anchor_json_text(b, known, strlen(known));
			else if (!other)
				other = anchor_json_value(b, st, 1, WANT_TEXT | WANT_NULL);
			strbuf_addch(b, ']');
		}
		store_kept_put(s, st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return store_fail(s, "reading an alert's event");
		if (other)
			return 1;
	}
	strbuf_addch(b, ']');
	return 0;
}

static int anchor_rendered(struct store *s, const struct alert_record *a, sqlite3_stmt *cols, const char *doc_sha256,
                           struct strbuf *anchor)
{
	static const char rule_sql[] = "SELECT rule_id, version FROM rules WHERE key = ?1";
	sqlite3_stmt *st;
	if (a->imported || a->acknowledged_as || a->group_id || a->has_group_index)
		return 1; /* columns the import sets by SQL */
	if (store_kept_get(s, rule_sql, 0, rule_sql, &st))
		return -1;
	sqlite3_bind_int64(st, 1, a->rule_key);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store_kept_put(s, st);
		return rc == SQLITE_DONE ? 1 : store_fail(s, "reading an alert's rule");
	}
	struct strbuf content;
	strbuf_init(&content, 512);
	strbuf_addch(&content, '[');
	/* r.rule_id, r.version; a NUL in the id would end the anchor's text apart from the JSON */
	int other = sqlite3_column_type(st, 0) != SQLITE_TEXT || sqlite3_column_type(st, 1) != SQLITE_INTEGER ||
	            strlen(store_col_req(st, 0)) != (size_t)sqlite3_column_bytes(st, 0);
	if (!other) {
		anchor_json_value(&content, st, 0, WANT_TEXT);
		strbuf_addf(&content, ",%lld,", (long long)sqlite3_column_int64(st, 1));
		strbuf_addf(anchor, "rule %s v%lld, %s, content sha256:", store_col_req(st, 0),
		            (long long)sqlite3_column_int64(st, 1), a->severity);
		/* a.severity, risk_score, original_time, created_us, execution_us, reason, event_id, as bound */
		anchor_json_text(&content, a->severity, strlen(a->severity));
		strbuf_addf(&content, ",%lld,%lld,%lld,%lld,", (long long)a->risk_score, (long long)a->original_time,
		            (long long)a->created_us, (long long)a->execution_us);
		anchor_json_text(&content, a->reason, strlen(a->reason));
		strbuf_addf(&content, ",%lld,", (long long)a->event_id);
		/* host_key (INTEGER affinity), file_path and target (TEXT): the event's columns as
		 * bound, when the column's affinity keeps them as they are */
		other = anchor_json_value(&content, cols, 0, WANT_NULL | WANT_INTEGER) ||
		        (strbuf_addch(&content, ','), 0) ||
		        anchor_json_value(&content, cols, 1, WANT_NULL | WANT_TEXT) ||
		        (strbuf_addch(&content, ','), 0) ||
		        anchor_json_value(&content, cols, 2, WANT_NULL | WANT_TEXT) || (strbuf_addch(&content, ','), 0);
	}
	store_kept_put(s, st);
	if (!other && !(other = anchor_events(s, a, cols, &content))) {
		strbuf_addch(&content, ',');
		anchor_json_text(&content, doc_sha256, strlen(doc_sha256));
		if (a->rule_name) { /* the CASE's other arm: a.rule_name, acknowledged_as, group_id, group_index */
			strbuf_addch(&content, ',');
			anchor_json_text(&content, a->rule_name, strlen(a->rule_name));
			strbuf_addstr(&content, ",null,null,null");
		}
		strbuf_addch(&content, ']');
		char hex[SHA256_HEX_LEN + 1];
		sha256_hex(content.buf, content.len, hex);
		strbuf_addstr(anchor, hex);
	}
	strbuf_release(&content);
	return other;
}

int store_audit_anchor_alert(struct store *s, int64_t alert_id, const char *uuid, const struct actor *who,
                             const char *origin)
{
	return store_audit_anchor_alert_doc(s, alert_id, uuid, who, origin, NULL);
}

int store_audit_anchor_alert_doc(struct store *s, int64_t alert_id, const char *uuid, const struct actor *who,
                                 const char *origin, const char *doc)
{
#define ANCHOR_ROW        " FROM alerts a LEFT JOIN rules r ON r.key = a.rule_key" ALERT_ANCHOR_DOC_JOIN " WHERE a.id = ?1"
#define ANCHOR_ROW_NO_DOC " FROM alerts a LEFT JOIN rules r ON r.key = a.rule_key WHERE a.id = ?1"
	static const char sql[] = "SELECT " ALERT_ANCHOR_EXPR ANCHOR_ROW;
	/* the same anchor when the document is JSON, which it is when detect wrote it: json_valid
	 * parsed every document a second time. json_remove fails on what is not JSON, and then the
	 * statement above decides. */
	static const char json_sql[] = "SELECT " ALERT_ANCHOR_EXPR_OF(ALERT_ANCHOR_DOC_REMOVED) ANCHOR_ROW;
	/* the same again with that document's hash computed from its text (store/docanchor.h) */
	static const char hashed_sql[] = "SELECT " ALERT_ANCHOR_EXPR_HASHED("?2") ANCHOR_ROW_NO_DOC;
#undef ANCHOR_ROW
#undef ANCHOR_ROW_NO_DOC
	char doc_sha256[SHA256_HEX_LEN + 1];
	int hashed = doc && !doc_anchor_sha256(doc, workflow, NWORKFLOW, doc_sha256);
	sqlite3_stmt *st;
	char *anchor = NULL;
	int rc = SQLITE_ERROR;
	for (int pass = hashed ? 0 : 1; pass < 3 && !anchor; pass++) {
		const char *q = pass == 0 ? hashed_sql : pass == 1 ? json_sql : sql;
		if (store_kept_get(s, q, 0, q, &st))
			return -1;
		sqlite3_bind_int64(st, 1, alert_id);
		if (pass == 0)
			sqlite3_bind_text(st, 2, doc_sha256, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		anchor = rc == SQLITE_ROW ? xstrdup(store_col_req(st, 0)) : NULL;
		store_kept_put(s, st);
		if (rc == SQLITE_DONE)
			break; /* no such alert: the other statements would not find it either */
	}
	if (!anchor)
		return store_fail(s, "anchoring an alert in the audit trail");
	rc = store_audit_append(s, uuid, who, "alert", origin, NULL, anchor);
	free(anchor);
	return rc;
}

int store_alert_doc_sha256(const char *doc, char hex[SHA256_HEX_LEN + 1])
{
	return doc_anchor_sha256(doc, workflow, NWORKFLOW, hex);
}

int store_audit_anchor_new_alert(struct store *s, int64_t alert_id, const struct alert_record *a, sqlite3_stmt *cols,
                                 const struct actor *who, const char *origin)
{
	char computed[SHA256_HEX_LEN + 1];
	const char *doc_sha256 = NULL;
	if (!a->imported && cols)
		doc_sha256 = a->doc_sha256                               ? a->doc_sha256
		             : !store_alert_doc_sha256(a->doc, computed) ? computed
		                                                         : NULL;
	if (doc_sha256) {
		struct strbuf anchor;
		strbuf_init(&anchor, 128);
		int rc = anchor_rendered(s, a, cols, doc_sha256, &anchor);
		if (rc == 0) {
			s->anchors_rendered++;
			rc = store_audit_append(s, a->uuid, who, "alert", origin, NULL, anchor.buf);
		}
		strbuf_release(&anchor);
		if (rc <= 0)
			return rc ? -1 : 0;
	}
	return store_audit_anchor_alert_doc(s, alert_id, a->uuid, who, origin, a->imported ? NULL : a->doc);
}

uint64_t store_audit_anchors_rendered(const struct store *s)
{
	return s->anchors_rendered;
}

/* Appends an entry for the exception list or item `key` (as EXCEPTION_ANCHORS makes it),
 * whose anchor went from before to after (NULL: it did not exist, or is removed). */
static int anchor_exception_row(struct store *s, const struct actor *who, const char *key, const char *before,
                                const char *after)
{
	return store_audit_append(s, NULL, who, "exception", key, before, after);
}

/* The statement that reads one exception's key (column 0) and anchor (column 1). */
static int prepare_exception_anchor(struct store *s, int is_item, const char *id, const char *namespace_type,
                                    sqlite3_stmt **st)
{
	static const char sql[] = "SELECT k, v FROM (" EXCEPTION_ANCHORS ") WHERE k = json_array(?1, ?2, ?3)";
	if (store_prepare(s, sql, st))
		return -1;
	sqlite3_bind_text(*st, 1, is_item ? "item" : "list", -1, SQLITE_STATIC);
	sqlite3_bind_text(*st, 2, namespace_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(*st, 3, id, -1, SQLITE_STATIC);
	return 0;
}

int store_audit_anchor_exception(struct store *s, int is_item, const char *id, const char *namespace_type,
                                 const char *before, const struct actor *who)
{
	sqlite3_stmt *st;
	if (prepare_exception_anchor(s, is_item, id, namespace_type, &st))
		return -1;
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return store_fail(s, "anchoring an exception in the audit trail");
	}
	rc = anchor_exception_row(s, who, store_col_req(st, 0), before, store_col_req(st, 1));
	sqlite3_finalize(st);
	return rc;
}

int store_audit_exception_removed(struct store *s, int is_item, const char *id, const char *namespace_type,
                                  const char *before, const struct actor *who)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT json_array(?1, ?2, ?3)", &st))
		return -1;
	sqlite3_bind_text(st, 1, is_item ? "item" : "list", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, namespace_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_ROW ? anchor_exception_row(s, who, store_col_req(st, 0), before, NULL)
	                                        : store_fail(s, "anchoring an exception's removal");
	sqlite3_finalize(st);
	return rc;
}

int store_audit_exception_anchor(struct store *s, int is_item, const char *id, const char *namespace_type,
                                 char **anchor)
{
	sqlite3_stmt *st;
	*anchor = NULL;
	if (prepare_exception_anchor(s, is_item, id, namespace_type, &st))
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*anchor = xstrdup(store_col_req(st, 1));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(s, "reading an exception");
}

/* Collects (id, uuid) of every alert, or (key, anchor) of every exception, for the migration
 * that anchors a case made before anchors existed (written after the read is done). */
struct pairs {
	int64_t *ids;
	char **a, **b;
	size_t n, cap;
};

static void pairs_add(struct pairs *p, int64_t id, const char *a, const char *b)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->ids = xrealloc(p->ids, p->cap * sizeof(*p->ids));
		p->a = xrealloc(p->a, p->cap * sizeof(*p->a));
		p->b = xrealloc(p->b, p->cap * sizeof(*p->b));
	}
	p->ids[p->n] = id;
	p->a[p->n] = xstrdup(a);
	p->b[p->n] = b ? xstrdup(b) : NULL;
	p->n++;
}

static void pairs_release(struct pairs *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->a[i]);
		free(p->b[i]);
	}
	free(p->ids);
	free(p->a);
	free(p->b);
}

static int read_pairs(struct store *s, const char *sql, struct pairs *p)
{
	sqlite3_stmt *st;
	if (store_prepare(s, sql, &st))
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		pairs_add(p, sqlite3_column_int64(st, 0), store_col_req(st, 1), store_col_text(st, 2));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, "reading the record to anchor");
}

int store_anchor_existing_record(struct store *s, int64_t now_us)
{
	struct actor who = {.analyst = "casebook", .at_us = now_us};
	struct pairs alerts = {0}, exceptions = {0};
	int rc = read_pairs(s, "SELECT id, uuid, NULL FROM alerts ORDER BY id", &alerts) ||
	         read_pairs(s, "SELECT 0, k, v FROM (" EXCEPTION_ANCHORS ") ORDER BY k", &exceptions);
	for (size_t i = 0; i < alerts.n && !rc; i++)
		rc = store_audit_anchor_alert(s, alerts.ids[i], alerts.a[i], &who, "migration");
	for (size_t i = 0; i < exceptions.n && !rc; i++)
		rc = anchor_exception_row(s, &who, exceptions.a[i], NULL, exceptions.b[i]);
	pairs_release(&alerts);
	pairs_release(&exceptions);
	return rc ? -1 : 0;
}

static void row_from(sqlite3_stmt *st, struct audit_row *a)
{
	a->id = sqlite3_column_int64(st, 0);
	a->alert_uuid = store_col_text(st, 1);
	a->analyst = store_col_req(st, 2);
	a->at_us = sqlite3_column_int64(st, 3);
	a->action = store_col_req(st, 4);
	a->target = store_col_text(st, 5);
	a->before = store_col_text(st, 6);
	a->after = store_col_text(st, 7);
	a->prev_hash = store_col_req(st, 8);
	a->hash = store_col_req(st, 9);
}

/* Steps a prepared audit query, each row to fn, and finalizes it. Returns 0, fn's non-zero
 * status (the rows after it not read), or -1 with the detail on the handle. */
static int audit_rows_each(struct store *s, sqlite3_stmt *st, audit_fn fn, void *ctx)
{
	int rc, status = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_row a;
		row_from(st, &a);
		if ((status = fn(ctx, &a)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return status ? status : rc == SQLITE_DONE ? 0 : store_fail(s, "reading the audit trail");
}

int store_audit_each(struct store *s, const char *alert_uuid, audit_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
	                  "SELECT id, alert_uuid, analyst, at_us, action, target, before, after, prev_hash, hash "
	                  "FROM audit WHERE ?1 IS NULL OR alert_uuid = ?1 ORDER BY id",
	                  &st))
		return -1;
	sqlite3_bind_text(st, 1, alert_uuid, -1, SQLITE_STATIC);
	return audit_rows_each(s, st, fn, ctx);
}

int store_audit_each_for_alert(struct store *s, const char *alert_uuid, const char *rule_id, audit_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
	                  "SELECT id, alert_uuid, analyst, at_us, action, target, before, after, prev_hash, hash "
	                  "FROM audit WHERE alert_uuid = ?1 OR (action IN ('" AUDIT_EXCEPTION_ADDED
	                  "', '" AUDIT_EXCEPTION_REMOVED "') AND target IN (SELECT json_extract(l.value, '$.list_id') "
	                  "FROM rules r, json_each(CASE WHEN json_valid(r.json) THEN r.json ELSE '{}' END, "
	                  "'$.exceptions_list') l WHERE r.rule_id = ?2)) ORDER BY id",
	                  &st))
		return -1;
	sqlite3_bind_text(st, 1, alert_uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rule_id, -1, SQLITE_STATIC);
	return audit_rows_each(s, st, fn, ctx);
}

int store_audit_verify(struct store *s, int64_t *entries, int64_t *bad_id, char *why, size_t whylen)
{
	sqlite3_stmt *st;
	int64_t head_id;
	char head[SHA256_HEX_LEN + 1], prev[SHA256_HEX_LEN + 1] = GENESIS, hash[SHA256_HEX_LEN + 1];
	if (read_head(s, &head_id, head) ||
	    store_prepare(s,
	                  "SELECT id, alert_uuid, analyst, at_us, action, target, before, after, prev_hash, hash "
	                  "FROM audit ORDER BY id",
	                  &st))
		return -1;
	*entries = 0;
	*bad_id = 0;
	int64_t expect = 1;
	int broken = 0, rc;
	while (!broken && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_row a;
		row_from(st, &a);
		(*entries)++;
		*bad_id = a.id;
		if (a.id != expect) {
			snprintf(why, whylen, "entry %lld follows entry %lld: %s", (long long)a.id,
			         (long long)expect - 1,
			         a.id > expect ? "entries were deleted before it" : "its id was changed");
			broken = 1;
		} else if (!a.prev_hash || strcmp(a.prev_hash, prev)) {
			snprintf(why, whylen,
			         "entry %lld does not follow the entry before it (an entry was inserted, "
			         "deleted or changed there)",
			         (long long)a.id);
			broken = 1;
		} else {
			entry_hash(&a, hash);
			if (!a.hash || strcmp(a.hash, hash)) {
				snprintf(why, whylen, "entry %lld was changed after it was written", (long long)a.id);
				broken = 1;
			}
			snprintf(prev, sizeof(prev), "%s", a.hash ? a.hash : "");
		}
		expect = a.id + 1;
	}
	sqlite3_finalize(st);
	if (broken)
		return 2;
	if (head_id != expect - 1 || strcmp(head, prev)) {
		*bad_id = 0;
		snprintf(why, whylen,
		         "the chain ends at entry %lld but its head says %lld: the newest entries were removed "
		         "or the head was changed",
		         (long long)expect - 1, (long long)head_id);
		return 2;
	}
	*bad_id = 0;
	return verify_state(s, why, whylen);
}

/* ---- the triage state is a function of the chain ----
 * Each check below walks a table and the audit entries that made it, both ordered by the
 * same key, side by side (no table is held in memory), and fails on the first row whose
 * current value is not what its entries say: a note, item or status rewritten in its
 * table, a row added without an entry, or an entry whose row is gone. */

struct verdict {
	char *why;
	size_t len;
};

static int broken_at(struct verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int broken_at(struct verdict *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->why, v->len, fmt, ap);
	va_end(ap);
	return 2;
}

static int cmp_text(const char *a, const char *b)
{
	return !a ? (b ? -1 : 0) : !b ? 1 : strcmp(a, b);
}

static int step_ok(int rc)
{
	return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* Prepares a table's rows and the audit entries that made them, both ordered by one key. */
static int prepare_pair(struct store *s, const char *rows_sql, const char *entries_sql, sqlite3_stmt **rows,
                        sqlite3_stmt **entries)
{
	if (store_prepare(s, rows_sql, rows))
		return -1;
	if (store_prepare(s, entries_sql, entries)) {
		sqlite3_finalize(*rows);
		return -1;
	}
	return 0;
}

static int verify_notes(struct store *s, struct verdict *v)
{
	sqlite3_stmt *n, *e;
	if (prepare_pair(s,
	                 "SELECT a.uuid, t.text, t.by, t.at_us, t.id FROM notes t LEFT JOIN alerts a "
	                 "ON a.id = t.alert_id ORDER BY a.uuid, t.id",
	                 "SELECT alert_uuid, after, analyst, at_us, id FROM audit WHERE action = 'note' "
	                 "ORDER BY alert_uuid, id",
	                 &n, &e))
		return -1;
	int rn = sqlite3_step(n), re = sqlite3_step(e), rc = 0;
	while (!rc && (rn == SQLITE_ROW || re == SQLITE_ROW)) {
		int c = rn != SQLITE_ROW   ? 1
		        : re != SQLITE_ROW ? -1
		                           : cmp_text(store_col_text(n, 0), store_col_text(e, 0));
		if (rn == SQLITE_ROW && !store_col_text(n, 0))
			rc = broken_at(v, "note %lld belongs to no alert", (long long)sqlite3_column_int64(n, 4));
		else if (c < 0)
			rc = broken_at(v, "note %lld of alert %.12s has no audit entry: it was added outside casebook",
			               (long long)sqlite3_column_int64(n, 4), store_col_req(n, 0));
		else if (c > 0)
			rc = broken_at(v,
			               "audit entry %lld records a note that is not in the notes table: it was deleted",
			               (long long)sqlite3_column_int64(e, 4));
		else if (cmp_text(store_col_text(n, 1), store_col_text(e, 1)) ||
		         cmp_text(store_col_text(n, 2), store_col_text(e, 2)) ||
		         sqlite3_column_int64(n, 3) != sqlite3_column_int64(e, 3))
			rc = broken_at(v,
			               "note %lld of alert %.12s is not what audit entry %lld recorded: it was changed",
			               (long long)sqlite3_column_int64(n, 4), store_col_req(n, 0),
			               (long long)sqlite3_column_int64(e, 4));
		if (!rc && c <= 0)
			rn = sqlite3_step(n);
		if (!rc && c >= 0)
			re = sqlite3_step(e);
	}
	if (!rc && (!step_ok(rn) || !step_ok(re)))
		rc = store_fail(s, "verifying the notes");
	sqlite3_finalize(n);
	sqlite3_finalize(e);
	return rc;
}

/* What a check or respond entry's `after` says: "STATE" or "STATE (note: NOTE)". */
static int parse_item_after(const char *after, char *state, size_t slen, const char **note, size_t *nlen)
{
	const char *sp = strchr(after, ' ');
	size_t n = sp ? (size_t)(sp - after) : strlen(after);
	if (n == 0 || n >= slen)
		return -1;
	memcpy(state, after, n);
	state[n] = '\0';
	*note = NULL;
	*nlen = 0;
	if (!sp)
		return 0;
	size_t rest = strlen(sp);
	if (strncmp(sp, " (note: ", 8) || rest < 9 || sp[rest - 1] != ')')
		return -1;
	*note = sp + 8;
	*nlen = rest - 9;
	return 0;
}

/* The item a run of entries describes, folded: the last state, note, analyst and time. */
struct item_fold {
	char state[32];
	struct strbuf note;
	int has_note;
	struct strbuf by;
	int64_t at, entries;
};

static int same_item_key(sqlite3_stmt *t, sqlite3_stmt *e)
{
	int c = cmp_text(store_col_text(t, 0), store_col_text(e, 0));
	if (!c)
		c = cmp_text(store_col_text(t, 1), store_col_text(e, 1));
	if (!c) {
		int64_t a = sqlite3_column_int64(t, 2), b = sqlite3_column_int64(e, 2);
		c = a < b ? -1 : a > b;
	}
	return c;
}

static int fold_item_entry(sqlite3_stmt *e, struct item_fold *f, struct verdict *v)
{
	const char *note;
	size_t nlen;
	int64_t id = sqlite3_column_int64(e, 6);
	const char *action = store_col_req(e, 7), *kind = store_col_req(e, 1);
	/* the audit's action "check" records a checklist item, "respond" a response step */
	if (item_kind_from(kind) != (!strcmp(action, "check") ? ITEM_CHECK : ITEM_RESPONSE) ||
	    parse_item_after(store_col_req(e, 3), f->state, sizeof(f->state), &note, &nlen))
		return broken_at(v, "audit entry %lld is not an entry casebook writes (target or state malformed)",
		                 (long long)id);
	if (note) {
		strbuf_reset(&f->note);
		strbuf_add(&f->note, note, nlen);
		f->has_note = 1;
	}
	strbuf_reset(&f->by);
	strbuf_addstr(&f->by, store_col_req(e, 4));
	f->at = sqlite3_column_int64(e, 5);
	f->entries++;
	return 0;
}

static int compare_item(sqlite3_stmt *t, struct item_fold *f, struct verdict *v)
{
	const char *kind = store_col_req(t, 1);
	const char *state = f->entries ? f->state : item_state_name(item_initial_state(item_kind_from(kind)));
	const char *note = f->has_note ? f->note.buf : NULL, *by = f->entries ? f->by.buf : NULL;
	if (strcmp(store_col_req(t, 3), state) || cmp_text(store_col_text(t, 4), note) ||
	    cmp_text(store_col_text(t, 5), by) || sqlite3_column_int64(t, 6) != (f->entries ? f->at : 0))
		return broken_at(v, "%s item %lld of alert %.12s is not what the audit chain recorded: it was changed",
		                 kind, (long long)sqlite3_column_int64(t, 2), store_col_req(t, 0));
	return 0;
}

static int verify_items(struct store *s, struct verdict *v)
{
	sqlite3_stmt *t, *e;
	if (prepare_pair(s,
	                 "SELECT a.uuid, i.kind, i.position, i.state, i.note, i.by, i.at_us FROM triage_items i "
	                 "LEFT JOIN alerts a ON a.id = i.alert_id ORDER BY a.uuid, i.kind, i.position",
	                 "SELECT alert_uuid, substr(target, 1, instr(target, ' ') - 1) AS kind, "
	                 "CAST(substr(target, instr(target, ' ') + 1) AS INTEGER) AS pos, after, analyst, at_us, id, "
	                 "action FROM audit WHERE action IN ('check', 'respond') ORDER BY alert_uuid, kind, pos, id",
	                 &t, &e))
		return -1;
	struct item_fold f = {.entries = 0};
	strbuf_init(&f.note, 64);
	strbuf_init(&f.by, 32);
	int rt = sqlite3_step(t), re = sqlite3_step(e), rc = 0;
	while (!rc && rt == SQLITE_ROW) {
		if (!store_col_text(t, 0)) {
			rc = broken_at(v, "a checklist item belongs to no alert");
			break;
		}
		int c;
		while (!rc && re == SQLITE_ROW && (c = same_item_key(t, e)) > 0) /* entries with no item */
			rc = broken_at(v,
			               "audit entry %lld records an item that is not in the checklist: it was deleted",
			               (long long)sqlite3_column_int64(e, 6));
		f.entries = 0;
		f.has_note = 0;
		while (!rc && re == SQLITE_ROW && same_item_key(t, e) == 0) {
			rc = fold_item_entry(e, &f, v);
			re = sqlite3_step(e);
		}
		if (!rc)
			rc = compare_item(t, &f, v);
		rt = sqlite3_step(t);
	}
	if (!rc && re == SQLITE_ROW)
		rc = broken_at(v, "audit entry %lld records an item that is not in the checklist: it was deleted",
		               (long long)sqlite3_column_int64(e, 6));
	if (!rc && (!step_ok(rt) || !step_ok(re)))
		rc = store_fail(s, "verifying the checklists");
	strbuf_release(&f.note);
	strbuf_release(&f.by);
	sqlite3_finalize(t);
	sqlite3_finalize(e);
	return rc;
}

/* Whether a status entry's `after` is what store_set_status writes for this alert's row:
 * "STATUS[ (REASON)][: COMMENT]", perhaps followed by " [DETAIL]". */
static int status_matches(sqlite3_stmt *a, const char *after)
{
	struct strbuf want;
	strbuf_init(&want, 64);
	strbuf_addstr(&want, store_col_req(a, 1));
	if (store_col_text(a, 2))
		strbuf_addf(&want, " (%s)", store_col_text(a, 2));
	if (store_col_text(a, 3))
		strbuf_addf(&want, ": %s", store_col_text(a, 3));
	size_t n = strlen(after);
	int ok = !strcmp(after, want.buf) || (n > want.len + 3 && !strncmp(after, want.buf, want.len) &&
	                                      !strncmp(after + want.len, " [", 2) && after[n - 1] == ']');
	strbuf_release(&want);
	return ok;
}

static int verify_status(struct store *s, struct verdict *v)
{
	sqlite3_stmt *a, *e;
	if (prepare_pair(s,
	                 "SELECT a.uuid, a.workflow_status, a.workflow_reason, a.workflow_comment, "
	                 "CASE WHEN json_valid(ad.doc) THEN json_extract(ad.doc, '$.\"kibana.alert.workflow_status\"') "
	                 "END FROM alerts a" ALERT_ANCHOR_DOC_JOIN " ORDER BY a.uuid",
	                 "SELECT alert_uuid, after, id FROM audit WHERE action = 'status' ORDER BY alert_uuid, id", &a,
	                 &e))
		return -1;
	struct strbuf last;
	strbuf_init(&last, 64);
	int ra = sqlite3_step(a), re = sqlite3_step(e), rc = 0;
	while (!rc && ra == SQLITE_ROW) {
		while (!rc && re == SQLITE_ROW && cmp_text(store_col_text(e, 0), store_col_text(a, 0)) < 0)
			rc = broken_at(v, "audit entry %lld sets the status of an alert that is not in the case",
			               (long long)sqlite3_column_int64(e, 2));
		int entries = 0;
		while (!rc && re == SQLITE_ROW && !cmp_text(store_col_text(e, 0), store_col_text(a, 0))) {
			strbuf_reset(&last);
			strbuf_addstr(&last, store_col_req(e, 1));
			entries++;
			re = sqlite3_step(e);
		}
		const char *status = store_col_req(a, 1);
		if (rc)
			break;
		if (entries ? !status_matches(a, last.buf)
		            : alert_status_from(status) != STATUS_OPEN || store_col_text(a, 2) || store_col_text(a, 3))
			rc = broken_at(v,
			               "the status of alert %.12s is not what the audit chain recorded: it was changed",
			               store_col_req(a, 0));
		else if (cmp_text(store_col_text(a, 4), status))
			rc = broken_at(v, "the document of alert %.12s does not carry its status: it was changed",
			               store_col_req(a, 0));
		ra = sqlite3_step(a);
	}
	if (!rc && re == SQLITE_ROW)
		rc = broken_at(v, "audit entry %lld sets the status of an alert that is not in the case",
		               (long long)sqlite3_column_int64(e, 2));
	if (!rc && (!step_ok(ra) || !step_ok(re)))
		rc = store_fail(s, "verifying the statuses");
	strbuf_release(&last);
	sqlite3_finalize(a);
	sqlite3_finalize(e);
	return rc;
}

/* Every alert has exactly one anchor, and is what it anchored; every anchor has its alert. */
static int verify_alerts(struct store *s, struct verdict *v)
{
	sqlite3_stmt *a, *e;
	if (prepare_pair(s,
	                 "SELECT a.uuid, " ALERT_ANCHOR_EXPR ", a.id FROM alerts a LEFT JOIN rules r ON "
	                 "r.key = a.rule_key" ALERT_ANCHOR_DOC_JOIN " ORDER BY a.uuid",
	                 "SELECT alert_uuid, after, id FROM audit WHERE action = 'alert' ORDER BY alert_uuid, id", &a,
	                 &e))
		return -1;
	int ra = sqlite3_step(a), re = sqlite3_step(e), rc = 0;
	while (!rc && (ra == SQLITE_ROW || re == SQLITE_ROW)) {
		int c = ra != SQLITE_ROW   ? 1
		        : re != SQLITE_ROW ? -1
		                           : cmp_text(store_col_text(a, 0), store_col_text(e, 0));
		if (c < 0)
			rc = broken_at(v, "alert %.64s has no audit entry anchoring it: it was added outside casebook",
			               store_col_req(a, 0));
		else if (c > 0)
			rc =
			    broken_at(v, "audit entry %lld anchors alert %.12s that is not in the case: it was deleted",
			              (long long)sqlite3_column_int64(e, 2), store_col_req(e, 0));
		else if (cmp_text(store_col_text(a, 1), store_col_text(e, 1)))
			rc = broken_at(
			    v,
			    "alert %.12s (its rule, severity, events or document) is not what audit entry %lld "
			    "anchored: it was changed",
			    store_col_req(a, 0), (long long)sqlite3_column_int64(e, 2));
		if (rc)
			break;
		int64_t first = sqlite3_column_int64(e, 2);
		re = sqlite3_step(e);
		if (re == SQLITE_ROW && !cmp_text(store_col_text(e, 0), store_col_text(a, 0)))
			rc = broken_at(v, "alert %.12s is anchored twice, by audit entries %lld and %lld",
			               store_col_req(a, 0), (long long)first, (long long)sqlite3_column_int64(e, 2));
		ra = sqlite3_step(a);
	}
	if (!rc && (!step_ok(ra) || !step_ok(re)))
		rc = store_fail(s, "verifying the alerts");
	sqlite3_finalize(a);
	sqlite3_finalize(e);
	return rc;
}

/* Every exception list and item is what the last entry for it says (none: it must not exist). */
static int verify_exceptions(struct store *s, struct verdict *v)
{
	sqlite3_stmt *t, *e;
	if (prepare_pair(s, "SELECT k, v FROM (" EXCEPTION_ANCHORS ") ORDER BY k",
	                 "SELECT target, after, id FROM audit WHERE action = 'exception' ORDER BY target, id", &t, &e))
		return -1;
	struct strbuf last;
	strbuf_init(&last, 80);
	int rt = sqlite3_step(t), re = sqlite3_step(e), rc = 0;
	while (!rc && (rt == SQLITE_ROW || re == SQLITE_ROW)) {
		/* the entries of the smaller key, folded to the last */
		const char *key = rt != SQLITE_ROW                                            ? store_col_text(e, 0)
		                  : re != SQLITE_ROW                                          ? store_col_text(t, 0)
		                  : cmp_text(store_col_text(t, 0), store_col_text(e, 0)) <= 0 ? store_col_text(t, 0)
		                                                                              : store_col_text(e, 0);
		char *k = key ? xstrdup(key) : NULL;
		int entries = 0, exists = 0;
		int64_t last_id = 0;
		while (re == SQLITE_ROW && !cmp_text(store_col_text(e, 0), k)) {
			strbuf_reset(&last);
			entries = store_col_text(e, 1) ? 1 : -1; /* -1: the last entry removed it */
			strbuf_addstr(&last, store_col_req(e, 1));
			last_id = sqlite3_column_int64(e, 2);
			re = sqlite3_step(e);
		}
		if (rt == SQLITE_ROW && !cmp_text(store_col_text(t, 0), k)) {
			exists = 1;
			if (entries != 1)
				rc = broken_at(v, "exception %.200s has no audit entry: it was added outside casebook",
				               k ? k : "?");
			else if (strcmp(store_col_req(t, 1), last.buf))
				rc = broken_at(v,
				               "exception %.200s is not what audit entry %lld recorded: it was changed",
				               k ? k : "?", (long long)last_id);
			rt = sqlite3_step(t);
		}
		if (!rc && !exists && entries == 1)
			rc = broken_at(
			    v, "audit entry %lld records exception %.200s that is not in the case: it was removed",
			    (long long)last_id, k ? k : "?");
		free(k);
	}
	if (!rc && (!step_ok(rt) || !step_ok(re)))
		rc = store_fail(s, "verifying the exceptions");
	strbuf_release(&last);
	sqlite3_finalize(t);
	sqlite3_finalize(e);
	return rc;
}

static int verify_state(struct store *s, char *why, size_t whylen)
{
	struct verdict v = {why, whylen};
	int rc = verify_alerts(s, &v);
	if (!rc)
		rc = verify_exceptions(s, &v);
	if (!rc)
		rc = verify_notes(s, &v);
	if (!rc)
		rc = verify_items(s, &v);
	if (!rc)
		rc = verify_status(s, &v);
	return rc;
}

int store_audit_head(struct store *s, int64_t *entries, char hash[SHA256_HEX_LEN + 1])
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1", &st))
		return -1;
	int rc = sqlite3_step(st);
	*entries = 0;
	snprintf(hash, SHA256_HEX_LEN + 1, "%s", GENESIS);
	if (rc == SQLITE_ROW) {
		*entries = sqlite3_column_int64(st, 0);
		snprintf(hash, SHA256_HEX_LEN + 1, "%s", store_col_req(st, 1));
	}
	sqlite3_finalize(st);
	return step_ok(rc) ? 0 : store_fail(s, "reading the audit head");
}

int store_audit_entry_hash(struct store *s, int64_t id, char hash[SHA256_HEX_LEN + 1], int *found)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT hash FROM audit WHERE id = ?1", &st))
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	hash[0] = '\0';
	if (*found)
		snprintf(hash, SHA256_HEX_LEN + 1, "%s", store_col_req(st, 0));
	sqlite3_finalize(st);
	return step_ok(rc) ? 0 : store_fail(s, "reading the audit trail");
}

/* ---- changes ---- */

static int item_state(struct store *s, int64_t alert_id, const char *kind, int position, char *state, size_t len)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT state FROM triage_items WHERE alert_id = ?1 AND kind = ?2 AND position = ?3", &st))
		return -1;
	sqlite3_bind_int64(st, 1, alert_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, position);
	int found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		snprintf(state, len, "%s", store_col_req(st, 0));
	sqlite3_finalize(st);
	return found ? 0 : 1;
}

int store_set_item(struct store *s, int64_t alert_id, const char *alert_uuid, const char *kind, int position,
                   const char *state, const char *note, const struct actor *who)
{
	char before[32];
	if (store_tx_begin(s))
		return -1;
	int rc = item_state(s, alert_id, kind, position, before, sizeof(before));
	if (rc) {
		store_tx_end(s, 0);
		return rc;
	}
	sqlite3_stmt *st;
	rc = store_prepare(s,
	                   "UPDATE triage_items SET state = ?4, note = coalesce(?5, note), by = ?6, at_us = ?7 "
	                   "WHERE alert_id = ?1 AND kind = ?2 AND position = ?3",
	                   &st);
	if (!rc) {
		sqlite3_bind_int64(st, 1, alert_id);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, position);
		sqlite3_bind_text(st, 4, state, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, note, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, who->analyst, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, who->at_us);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "updating a triage item");
		sqlite3_finalize(st);
	}
	char target[48];
	snprintf(target, sizeof(target), "%s %d", kind, position);
	struct strbuf after;
	strbuf_init(&after, 64);
	strbuf_addstr(&after, state);
	if (note)
		strbuf_addf(&after, " (note: %s)", note);
	if (!rc)
		rc = store_audit_append(s, alert_uuid, who, item_kind_from(kind) == ITEM_CHECK ? "check" : "respond",
		                        target, before, after.buf);
	strbuf_release(&after);
	return store_tx_end(s, rc == 0) ? -1 : 0;
}

int store_add_note(struct store *s, int64_t alert_id, const char *alert_uuid, const char *text, const struct actor *who)
{
	if (store_tx_begin(s))
		return -1;
	sqlite3_stmt *st;
	int rc = store_prepare(s, "INSERT INTO notes(alert_id, text, by, at_us) VALUES (?1, ?2, ?3, ?4)", &st);
	if (!rc) {
		sqlite3_bind_int64(st, 1, alert_id);
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, who->analyst, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, who->at_us);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "adding a note");
		sqlite3_finalize(st);
	}
	if (!rc)
		rc = store_audit_append(s, alert_uuid, who, "note", NULL, NULL, text);
	return store_tx_end(s, rc == 0) ? -1 : 0;
}

int store_set_status(struct store *s, int64_t alert_id, const char *alert_uuid, const char *status, const char *reason,
                     const char *comment, const char *detail, const struct actor *who)
{
	if (store_tx_begin(s))
		return -1;
	sqlite3_stmt *st;
	char before[64] = "";
	int rc = store_prepare(s, "SELECT workflow_status FROM alerts WHERE id = ?1", &st);
	if (!rc) {
		sqlite3_bind_int64(st, 1, alert_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(before, sizeof(before), "%s", store_col_req(st, 0));
		sqlite3_finalize(st);
	}
	char when[TIME_ISO_LEN]; /* Kibana's fields on the alert document follow the row */
	time_format_iso8601(who->at_us, when);
	if (!rc)
		rc = store_prepare(
		    s,
		    "UPDATE alerts SET workflow_status = ?2, workflow_reason = ?3, workflow_comment = ?4 WHERE id = ?1",
		    &st);
	if (!rc) {
		sqlite3_bind_int64(st, 1, alert_id);
		sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, comment, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "changing the workflow status");
		sqlite3_finalize(st);
	}
	/* its document, which schema version 14 keeps in alert_docs */
	if (!rc)
		rc = store_prepare(
		    s,
		    "UPDATE alert_docs SET doc = CASE WHEN ?3 IS NULL THEN json_remove(json_set(doc, "
		    "'$.\"kibana.alert.workflow_status\"', ?2, '$.\"kibana.alert.workflow_user\"', ?4, "
		    "'$.\"kibana.alert.workflow_status_updated_at\"', ?5), '$.\"kibana.alert.workflow_reason\"') "
		    "ELSE json_set(doc, '$.\"kibana.alert.workflow_status\"', ?2, "
		    "'$.\"kibana.alert.workflow_user\"', ?4, '$.\"kibana.alert.workflow_status_updated_at\"', ?5, "
		    "'$.\"kibana.alert.workflow_reason\"', ?3) END WHERE id = ?1",
		    &st);
	if (!rc) {
		sqlite3_bind_int64(st, 1, alert_id);
		sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, who->analyst, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, when, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "changing the workflow status");
		sqlite3_finalize(st);
	}
	struct strbuf after;
	strbuf_init(&after, 64);
	strbuf_addstr(&after, status);
	if (reason)
		strbuf_addf(&after, " (%s)", reason);
	if (comment)
		strbuf_addf(&after, ": %s", comment);
	if (detail)
		strbuf_addf(&after, " [%s]", detail);
	if (!rc)
		rc = store_audit_append(s, alert_uuid, who, "status", NULL, before, after.buf);
	strbuf_release(&after);
	return store_tx_end(s, rc == 0) ? -1 : 0;
}
