#include "store/rules.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "store/triage.h"

/* ?1..?10: rule_id, version, uuid, name, type, language, enabled, source, json, metadata */
static void bind_rule(sqlite3_stmt *st, const struct rule_row *r)
{
	sqlite3_bind_text(st, 1, r->rule_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->version);
	sqlite3_bind_text(st, 3, r->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->language, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, r->enabled);
	sqlite3_bind_text(st, 8, r->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, r->json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, r->metadata, -1, SQLITE_STATIC);
}

static int same_text(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The one writer of rules: adds r, or (unless keep) replaces the stored rule with its rule_id
 * and version, keeping that one's enabled flag. A stand-in (a rule a Kibana alert brought) is
 * replaced whole, enabled flag and all, by a rule from anywhere else, keep or not. */
static int put_rule_row(struct store *s, const struct rule_row *r, int keep, enum upsert_result *result)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT json, source, metadata FROM rules WHERE rule_id = ?1 AND version = ?2", &st))
		return -1;
	sqlite3_bind_text(st, 1, r->rule_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->version);
	int rc = sqlite3_step(st);
	int exists = rc == SQLITE_ROW;
	int same = exists && !strcmp(store_col_req(st, 0), r->json) && same_text(store_col_text(st, 2), r->metadata);
	int stand_in =
	    exists && !strcmp(store_col_req(st, 1), RULE_SOURCE_ALERT) && strcmp(r->source, RULE_SOURCE_ALERT);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "looking up a rule");
	if (exists && !stand_in && (keep || same)) {
		*result = UPSERT_UNCHANGED;
		return 0;
	}
	const char *sql =
	    !exists
	        ? "INSERT INTO rules(rule_id, version, uuid, name, type, language, enabled, source, json, metadata) "
	          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
	    : stand_in ? "UPDATE rules SET uuid = ?3, name = ?4, type = ?5, language = ?6, enabled = ?7, source = ?8, "
	                 "json = ?9, metadata = ?10 WHERE rule_id = ?1 AND version = ?2"
	               : "UPDATE rules SET uuid = ?3, name = ?4, type = ?5, language = ?6, source = ?8, "
	                 "json = ?9, metadata = ?10 WHERE rule_id = ?1 AND version = ?2";
	if (store_prepare(s, sql, &st))
		return -1;
	bind_rule(st, r);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "storing a rule");
	sqlite3_finalize(st);
	*result = exists ? UPSERT_UPDATED : UPSERT_ADDED;
	return rc;
}

int store_rule_put(struct store *s, const struct rule_row *r, enum upsert_result *result)
{
	return put_rule_row(s, r, 0, result);
}

int store_rule_add_missing(struct store *s, const struct rule_row *r, enum upsert_result *result)
{
	return put_rule_row(s, r, 1, result);
}

static void row_from(sqlite3_stmt *st, struct rule_row *r)
{
	r->key = sqlite3_column_int64(st, 0);
	r->rule_id = store_col_req(st, 1);
	r->version = sqlite3_column_int64(st, 2);
	r->uuid = store_col_req(st, 3);
	r->name = store_col_req(st, 4);
	r->type = store_col_req(st, 5);
	r->language = store_col_text(st, 6);
	r->enabled = sqlite3_column_int(st, 7);
	r->source = store_col_req(st, 8);
	r->json = store_col_req(st, 9);
	r->metadata = store_col_text(st, 10);
}

#define RULE_COLUMNS "key, rule_id, version, uuid, name, type, language, enabled, source, json, metadata"

/* 0, fn's status when it stopped the reading, or -1. */
static int each_row(struct store *s, sqlite3_stmt *st, rule_fn fn, void *ctx, int *found)
{
	int rc, status = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rule_row r;
		row_from(st, &r);
		if (found)
			(*found)++;
		if ((status = fn(ctx, &r)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return status ? status : rc == SQLITE_DONE ? 0 : store_fail(s, "reading rules");
}

int store_rules_each(struct store *s, rule_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT " RULE_COLUMNS " FROM rules ORDER BY name, rule_id, version", &st))
		return -1;
	return each_row(s, st, fn, ctx, NULL);
}

int store_rule_find(struct store *s, const char *rule_id, int64_t version, rule_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	const char *sql = version >= 0 ? "SELECT " RULE_COLUMNS " FROM rules WHERE rule_id = ?1 AND version = ?2"
	                               : "SELECT " RULE_COLUMNS " FROM rules WHERE rule_id = ?1 "
	                                 "ORDER BY enabled DESC, version DESC LIMIT 1";
	if (store_prepare(s, sql, &st))
		return -1;
	sqlite3_bind_text(st, 1, rule_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, version);
	int found = 0;
	if (each_row(s, st, fn, ctx, &found) < 0)
		return -1;
	return found ? 1 : 0;
}

int store_rule_versions_each(struct store *s, const char *rule_id, rule_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT " RULE_COLUMNS " FROM rules WHERE rule_id = ?1 ORDER BY version", &st))
		return -1;
	sqlite3_bind_text(st, 1, rule_id, -1, SQLITE_STATIC);
	return each_row(s, st, fn, ctx, NULL);
}

int store_rule_count(struct store *s, const char *source, int64_t *n)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT count(*) FROM rules WHERE ?1 IS NULL OR source = ?1", &st))
		return -1;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	*n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return 0;
}

int store_rule_set_enabled(struct store *s, const char *rule_id, int64_t version, int enabled, int64_t *changed)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "UPDATE rules SET enabled = ?3 WHERE rule_id = ?1 AND (?2 < 0 OR version = ?2)", &st))
		return -1;
	sqlite3_bind_text(st, 1, rule_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, version);
	sqlite3_bind_int(st, 3, enabled != 0);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "enabling a rule");
	*changed = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return rc;
}

int store_rules_set_enabled_all(struct store *s, int enabled, int64_t *changed)
{
	/* enabling: the newest version of each rule that is not a stand-in (Kibana runs one version of
	 * a rule); disabling: every version */
	sqlite3_stmt *st;
	if (store_prepare(s,
	                  "UPDATE rules SET enabled = ?1 WHERE enabled != ?1 AND (?1 = 0 OR (source != ?2 AND "
	                  "version = (SELECT max(version) FROM rules AS r WHERE r.rule_id = rules.rule_id "
	                  "AND r.source != ?2)))",
	                  &st))
		return -1;
	sqlite3_bind_int(st, 1, enabled != 0);
	sqlite3_bind_text(st, 2, RULE_SOURCE_ALERT, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "enabling rules");
	*changed = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return rc;
}

int store_rule_notes_put(struct store *s, const char *rule_id, const char *text, const char *source)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
	                  "INSERT INTO rule_notes(rule_id, text, source) VALUES (?1, ?2, ?3) "
	                  "ON CONFLICT(rule_id) DO UPDATE SET text = excluded.text, source = excluded.source "
	                  "WHERE rule_notes.text IS NOT excluded.text OR rule_notes.source IS NOT excluded.source",
	                  &st))
		return -1;
	sqlite3_bind_text(st, 1, rule_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, source, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "storing a rule's notes");
	sqlite3_finalize(st);
	return rc;
}

int store_rule_notes_get(struct store *s, const char *rule_id, char **text)
{
	sqlite3_stmt *st;
	*text = NULL;
	if (store_prepare(s, "SELECT text FROM rule_notes WHERE rule_id = ?1", &st))
		return -1;
	sqlite3_bind_text(st, 1, rule_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*text = xstrdup(store_col_req(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(s, "reading a rule's notes");
}

/* Stores an exception list or item unless it is there as it is, with its anchor entered in the
 * audit chain (in the caller's transaction). */
static int put_json(struct store *s, const char *select, const char *update, const char *insert,
                    const struct exception_row *r, int is_item, const struct actor *who, enum upsert_result *result)
{
	sqlite3_stmt *st;
	if (store_prepare(s, select, &st))
		return -1;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->namespace_type, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int exists = rc == SQLITE_ROW, same = exists && !strcmp(store_col_req(st, 0), r->json);
	sqlite3_finalize(st);
	if (same) {
		*result = UPSERT_UNCHANGED;
		return 0;
	}
	char *before = NULL;
	if ((exists && store_audit_exception_anchor(s, is_item, r->id, r->namespace_type, &before)) ||
	    store_prepare(s, exists ? update : insert, &st)) {
		free(before);
		return -1;
	}
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->namespace_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->list_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "storing an exception");
	sqlite3_finalize(st);
	if (!rc)
		rc = store_audit_anchor_exception(s, is_item, r->id, r->namespace_type, before, who);
	free(before);
	*result = exists ? UPSERT_UPDATED : UPSERT_ADDED;
	return rc;
}

int store_exception_list_put(struct store *s, const struct exception_row *l, const struct actor *who,
                             enum upsert_result *result)
{
	return put_json(s, "SELECT json FROM exception_lists WHERE list_id = ?1 AND namespace_type = ?2",
	                "UPDATE exception_lists SET json = ?3 WHERE list_id = ?1 AND namespace_type = ?2",
	                "INSERT INTO exception_lists(list_id, namespace_type, json) VALUES (?1, ?2, ?3)", l, 0, who,
	                result);
}

int store_exception_item_put(struct store *s, const struct exception_row *i, const struct actor *who,
                             enum upsert_result *result)
{
	return put_json(s, "SELECT json FROM exception_items WHERE item_id = ?1 AND namespace_type = ?2",
	                "UPDATE exception_items SET json = ?3, list_id = ?4 WHERE item_id = ?1 AND namespace_type = ?2",
	                "INSERT INTO exception_items(item_id, namespace_type, json, list_id) VALUES (?1, ?2, ?3, ?4)",
	                i, 1, who, result);
}

int store_exception_item_delete(struct store *s, const char *item_id, const char *namespace_type,
                                const struct actor *who)
{
	char *before = NULL;
	if (store_audit_exception_anchor(s, 1, item_id, namespace_type, &before))
		return -1;
	if (!before)
		return 1;
	sqlite3_stmt *st;
	int rc = store_prepare(s, "DELETE FROM exception_items WHERE item_id = ?1 AND namespace_type = ?2", &st);
	if (!rc) {
		sqlite3_bind_text(st, 1, item_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, namespace_type, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "removing an exception");
		sqlite3_finalize(st);
	}
	if (!rc)
		rc = store_audit_exception_removed(s, 1, item_id, namespace_type, before, who);
	free(before);
	return rc;
}

/* Calls fn for each row of st and finalizes it. Returns 0, fn's non-zero status (the rows after
 * it not read), or -1 with the detail on the handle. */
static int each_exception(struct store *s, sqlite3_stmt *st, exception_fn fn, void *ctx)
{
	int rc, status = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct exception_row r = {.id = store_col_req(st, 0),
		                          .list_id = store_col_req(st, 1),
		                          .namespace_type = store_col_req(st, 2),
		                          .json = store_col_req(st, 3)};
		if ((status = fn(ctx, &r)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return status ? status : rc == SQLITE_DONE ? 0 : store_fail(s, "reading exceptions");
}

int store_exception_items_each(struct store *s, const char *list_id, const char *namespace_type, exception_fn fn,
                               void *ctx)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
	                  "SELECT item_id, list_id, namespace_type, json FROM exception_items "
	                  "WHERE list_id = ?1 AND namespace_type = ?2 ORDER BY key",
	                  &st))
		return -1;
	sqlite3_bind_text(st, 1, list_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, namespace_type, -1, SQLITE_STATIC);
	return each_exception(s, st, fn, ctx);
}

int store_exception_item_find(struct store *s, const char *item_id, exception_fn fn, void *ctx)
{
	struct found {
		exception_fn fn;
		void *ctx;
		int n;
	};
	sqlite3_stmt *st;
	if (store_prepare(s,
	                  "SELECT item_id, list_id, namespace_type, json FROM exception_items WHERE item_id = ?1 "
	                  "ORDER BY key LIMIT 1",
	                  &st))
		return -1;
	sqlite3_bind_text(st, 1, item_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), found = rc == SQLITE_ROW;
	if (found) {
		struct exception_row r = {.id = store_col_req(st, 0),
		                          .list_id = store_col_req(st, 1),
		                          .namespace_type = store_col_req(st, 2),
		                          .json = store_col_req(st, 3)};
		fn(ctx, &r);
	}
	sqlite3_finalize(st);
	return found ? 0 : rc == SQLITE_DONE ? 1 : store_fail(s, "reading an exception");
}

int store_exception_lists_each(struct store *s, exception_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT list_id, list_id, namespace_type, json FROM exception_lists ORDER BY key", &st))
		return -1;
	return each_exception(s, st, fn, ctx);
}

int store_exception_all_items_each(struct store *s, exception_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT item_id, list_id, namespace_type, json FROM exception_items ORDER BY list_id, key",
	                  &st))
		return -1;
	return each_exception(s, st, fn, ctx);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void rule_rows_add(struct rule_rows *l, const struct rule_row *r)
{
	l->rows = xrealloc(l->rows, (l->n + 1) * sizeof(*l->rows));
	struct rule_row *c = &l->rows[l->n++];
	*c = *r;
	c->rule_id = xstrdup(r->rule_id);
	c->uuid = xstrdup(r->uuid);
	c->name = xstrdup(r->name);
	c->type = xstrdup(r->type);
	c->language = dup_or_null(r->language);
	c->source = xstrdup(r->source);
	c->json = xstrdup(r->json);
	c->metadata = dup_or_null(r->metadata);
}

void rule_rows_release(struct rule_rows *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct rule_row *r = &l->rows[i];
		free((char *)r->rule_id), free((char *)r->uuid), free((char *)r->name), free((char *)r->type);
		free((char *)r->language), free((char *)r->source), free((char *)r->json), free((char *)r->metadata);
	}
	free(l->rows);
	l->rows = NULL;
	l->n = 0;
}

/* ---- imported field types ---- */

int store_field_type_put(struct store *s, const char *field, const char *type)
{
	return store_field_types_put(s, &field, &type, 1);
}

int store_field_types_put(struct store *s, const char *const *fields, const char *const *types, size_t n)
{
	sqlite3_stmt *st;
	if (store_prepare(s,
	                  "INSERT INTO field_types(field, type) VALUES (?1, ?2) "
	                  "ON CONFLICT(field) DO UPDATE SET type = excluded.type",
	                  &st))
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		sqlite3_bind_text(st, 1, fields[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, types[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "storing a field type");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

int store_field_type_count(struct store *s, size_t *n)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT count(*) FROM field_types", &st))
		return -1;
	int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : store_fail(s, "counting the field types");
	*n = rc ? 0 : (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc;
}

/* Whether a row is within the bounds mapping import keeps; if not, the store's error says why. */
static int field_type_bounded(struct store *s, sqlite3_stmt *st, size_t nth)
{
	int name_bytes = sqlite3_column_bytes(st, 0), type_bytes = sqlite3_column_bytes(st, 1);
	strbuf_reset(&s->err);
	if (nth > FIELD_TYPES_MAX)
		strbuf_addf(&s->err, "reading the field types: more than %d", FIELD_TYPES_MAX);
	else if (name_bytes > FIELD_NAME_MAX)
		strbuf_addf(&s->err, "reading the field types: a field name of %d bytes, over %d", name_bytes,
		            FIELD_NAME_MAX);
	else if (type_bytes > FIELD_TYPE_MAX + FIELD_TYPE_PARAMS_MAX)
		strbuf_addf(&s->err, "reading the field types: a type of %d bytes, over %d", type_bytes,
		            FIELD_TYPE_MAX + FIELD_TYPE_PARAMS_MAX);
	else
		return 1;
	strbuf_addstr(&s->err, " (this case was not made by casebook mapping import)");
	return 0;
}

int store_field_types_each(struct store *s, field_type_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT field, type FROM field_types ORDER BY field", &st))
		return -1;
	int rc, status = 0;
	size_t nth = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!field_type_bounded(s, st, ++nth)) {
			sqlite3_finalize(st);
			return -1;
		}
		const char *field = store_col_text(st, 0), *type = store_col_text(st, 1);
		if (field && type && (status = fn(ctx, field, type)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return status ? status : rc == SQLITE_DONE ? 0 : store_fail(s, "reading the field types");
}
