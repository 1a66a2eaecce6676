#include "store/triage.h"

#include <stdio.h>
#include <string.h>

#include "common/digest.h"
#include "common/timeutil.h"
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
	if (store_prepare(s, "INSERT OR IGNORE INTO triage_items(alert_id, kind, position, text, state, from_default) "
			     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			  &st))
		return -1;
	const char *initial = !strcmp(kind, "check") ? "open" : "pending";
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
	if (store_prepare(s, "SELECT id, kind, position, text, state, note, by, at_us, from_default FROM triage_items "
			     "WHERE alert_id = ?1 ORDER BY kind = 'response', position",
			  &st))
		return -1;
	sqlite3_bind_int64(st, 1, alert_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct triage_item it = {.id = sqlite3_column_int64(st, 0), .kind = store_col_req(st, 1),
					 .position = sqlite3_column_int(st, 2), .text = store_col_req(st, 3),
					 .state = store_col_req(st, 4), .note = store_col_text(st, 5), .by = store_col_text(st, 6),
					 .at_us = sqlite3_column_int64(st, 7), .from_default = sqlite3_column_int(st, 8)};
		if (fn(ctx, &it)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, "reading triage items");
}

int store_notes_each(struct store *s, int64_t alert_id, note_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT id, text, by, at_us FROM notes WHERE alert_id = ?1 ORDER BY id", &st))
		return -1;
	sqlite3_bind_int64(st, 1, alert_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct note_row n = {.id = sqlite3_column_int64(st, 0), .text = store_col_req(st, 1), .by = store_col_req(st, 2),
				     .at_us = sqlite3_column_int64(st, 3)};
		if (fn(ctx, &n)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, "reading notes");
}

/* ---- the audit chain ---- */

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
	const char *fields[] = {id, a->alert_uuid, a->analyst, at, a->action, a->target, a->before, a->after, a->prev_hash};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		hash_field(h, fields[i]);
	sha256_finish(h, out);
}

static int read_head(struct store *s, int64_t *last_id, char hash[SHA256_HEX_LEN + 1])
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT last_id, hash FROM audit_head WHERE one = 1", &st))
		return -1;
	*last_id = 0;
	snprintf(hash, SHA256_HEX_LEN + 1, "%s", GENESIS);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*last_id = sqlite3_column_int64(st, 0);
		snprintf(hash, SHA256_HEX_LEN + 1, "%s", store_col_req(st, 1));
	}
	sqlite3_finalize(st);
	return 0;
}

int store_audit_append(struct store *s, const char *alert_uuid, const struct actor *who, const char *action,
		       const char *target, const char *before, const char *after)
{
	int64_t last;
	char prev[SHA256_HEX_LEN + 1], hash[SHA256_HEX_LEN + 1];
	if (read_head(s, &last, prev))
		return -1;
	struct audit_row a = {.id = last + 1, .alert_uuid = alert_uuid, .analyst = who->analyst, .at_us = who->at_us,
			      .action = action, .target = target, .before = before, .after = after, .prev_hash = prev};
	entry_hash(&a, hash);
	sqlite3_stmt *st;
	if (store_prepare(s, "INSERT INTO audit(id, alert_uuid, analyst, at_us, action, target, before, after, "
			     "prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			  &st))
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
	sqlite3_finalize(st);
	if (rc || store_prepare(s, "INSERT INTO audit_head(one, last_id, hash) VALUES (1, ?1, ?2) "
				   "ON CONFLICT(one) DO UPDATE SET last_id = excluded.last_id, hash = excluded.hash",
				&st))
		return -1;
	sqlite3_bind_int64(st, 1, a.id);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, "moving the audit head");
	sqlite3_finalize(st);
	return rc;
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

int store_audit_each(struct store *s, const char *alert_uuid, audit_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT id, alert_uuid, analyst, at_us, action, target, before, after, prev_hash, hash "
			     "FROM audit WHERE ?1 IS NULL OR alert_uuid = ?1 ORDER BY id",
			  &st))
		return -1;
	sqlite3_bind_text(st, 1, alert_uuid, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_row a;
		row_from(st, &a);
		if (fn(ctx, &a)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, "reading the audit trail");
}

int store_audit_verify(struct store *s, int64_t *entries, int64_t *bad_id, char *why, size_t whylen)
{
	sqlite3_stmt *st;
	int64_t head_id;
	char head[SHA256_HEX_LEN + 1], prev[SHA256_HEX_LEN + 1] = GENESIS, hash[SHA256_HEX_LEN + 1];
	if (read_head(s, &head_id, head) ||
	    store_prepare(s, "SELECT id, alert_uuid, analyst, at_us, action, target, before, after, prev_hash, hash "
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
			snprintf(why, whylen, "entry %lld follows entry %lld: %s", (long long)a.id, (long long)expect - 1,
				 a.id > expect ? "entries were deleted before it" : "its id was changed");
			broken = 1;
		} else if (!a.prev_hash || strcmp(a.prev_hash, prev)) {
			snprintf(why, whylen, "entry %lld does not follow the entry before it (an entry was inserted, "
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
		snprintf(why, whylen, "the chain ends at entry %lld but its head says %lld: the newest entries were removed "
				      "or the head was changed",
			 (long long)expect - 1, (long long)head_id);
		return 2;
	}
	return 0;
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
	rc = store_prepare(s, "UPDATE triage_items SET state = ?4, note = coalesce(?5, note), by = ?6, at_us = ?7 "
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
		rc = store_audit_append(s, alert_uuid, who, !strcmp(kind, "check") ? "check" : "respond", target, before,
					after.buf);
	strbuf_release(&after);
	return store_tx_end(s, rc == 0) ? -1 : 0;
}

int store_add_note(struct store *s, int64_t alert_id, const char *alert_uuid, const char *text,
		   const struct actor *who)
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

int store_set_status(struct store *s, int64_t alert_id, const char *alert_uuid, const char *status,
		     const char *reason, const char *comment, const char *detail, const struct actor *who)
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
		rc = store_prepare(s,
				   "UPDATE alerts SET workflow_status = ?2, workflow_reason = ?3, workflow_comment = ?4, "
				   "doc = CASE WHEN ?3 IS NULL THEN json_remove(json_set(doc, "
				   "'$.\"kibana.alert.workflow_status\"', ?2, '$.\"kibana.alert.workflow_user\"', ?5, "
				   "'$.\"kibana.alert.workflow_status_updated_at\"', ?6), '$.\"kibana.alert.workflow_reason\"') "
				   "ELSE json_set(doc, '$.\"kibana.alert.workflow_status\"', ?2, "
				   "'$.\"kibana.alert.workflow_user\"', ?5, '$.\"kibana.alert.workflow_status_updated_at\"', ?6, "
				   "'$.\"kibana.alert.workflow_reason\"', ?3) END WHERE id = ?1",
				   &st);
	if (!rc) {
		sqlite3_bind_int64(st, 1, alert_id);
		sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, comment, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, who->analyst, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, when, -1, SQLITE_STATIC);
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
