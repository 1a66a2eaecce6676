/* The triage record as stored: checklist and response items, notes, workflow status, and the
 * audit trail. Every change here is committed together with its audit entry, in one
 * transaction, before the function returns (or inside the caller's, for bulk changes). */
#ifndef CASEBOOK_TRIAGE_STORE_H
#define CASEBOOK_TRIAGE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct triage_item {
	int64_t id;
	const char *kind; /* "check" or "response" */
	int position;     /* 1-based */
	const char *text, *state, *note, *by;
	int64_t at_us; /* 0 when never changed */
	int from_default;
};

struct note_row {
	int64_t id;
	const char *text, *by;
	int64_t at_us;
};

struct audit_row {
	int64_t id;
	const char *alert_uuid, *analyst;
	int64_t at_us;
	const char *action, *target, *before, *after, *prev_hash, *hash;
};

/* Who does a change, and when. */
struct actor {
	const char *analyst;
	int64_t at_us;
};

int store_triage_has_items(struct store *s, int64_t alert_id, int *has);
/* Adds the items of one kind in order (positions 1..n), unless the alert has them already. */
int store_triage_add_items(struct store *s, int64_t alert_id, const char *kind, char *const *texts, size_t n,
                           int from_default);

/* The iterators call fn for each row in order. Each returns 0 when it read every row, fn's
 * non-zero status exactly when fn stopped it (the rows after not read), as sqlite3_exec
 * does, or -1 with the detail on the handle. */
typedef int (*item_fn)(void *ctx, const struct triage_item *it);
int store_triage_items_each(struct store *s, int64_t alert_id, item_fn fn, void *ctx);
typedef int (*note_fn)(void *ctx, const struct note_row *n);
int store_notes_each(struct store *s, int64_t alert_id, note_fn fn, void *ctx);
typedef int (*audit_fn)(void *ctx, const struct audit_row *a);
/* The audit entries of one alert (uuid), or all of them (NULL), in order. */
int store_audit_each(struct store *s, const char *alert_uuid, audit_fn fn, void *ctx);
/* The audit actions of an exception added or removed by an analyst (besides its anchor). */
#define AUDIT_EXCEPTION_ADDED   "exception added"
#define AUDIT_EXCEPTION_REMOVED "exception removed"
/* One alert's entries and, in order among them, the "exception added" and "exception removed"
 * entries of every exception list its rule (rule_id, any version) names. */
int store_audit_each_for_alert(struct store *s, const char *alert_uuid, const char *rule_id, audit_fn fn, void *ctx);

/* Sets item `position` of `kind` to state (and its note, when note is not NULL).
 * Returns 0, 1 when there is no such item, -1 on error. */
int store_set_item(struct store *s, int64_t alert_id, const char *alert_uuid, const char *kind, int position,
                   const char *state, const char *note, const struct actor *who);
int store_add_note(struct store *s, int64_t alert_id, const char *alert_uuid, const char *text,
                   const struct actor *who);
/* Sets the workflow status (open, acknowledged, closed) with a closing reason and comment;
 * `detail`, when set, is recorded in the audit entry (e.g. items left open). */
int store_set_status(struct store *s, int64_t alert_id, const char *alert_uuid, const char *status, const char *reason,
                     const char *comment, const char *detail, const struct actor *who);
/* Appends an audit entry for a change made outside this file (in the caller's transaction). */
int store_audit_append(struct store *s, const char *alert_uuid, const struct actor *who, const char *action,
                       const char *target, const char *before, const char *after);

/* Anchors an alert just stored (in the caller's transaction): an "alert" entry whose `after`
 * is computed from the alert's row (rule, severity, risk, times, events and their documents,
 * its document without the workflow fields); origin says who made it ("detect", "kibana
 * import", "migration"). audit --verify computes it again and compares. */
int store_audit_anchor_alert(struct store *s, int64_t alert_id, const char *uuid, const struct actor *who,
                             const char *origin);
/* The same, given the document as stored (NULL: not known): the anchor's hash of it without the
 * workflow fields is then computed from the text when it can be (store/docanchor.h), else by SQL. */
int store_audit_anchor_alert_doc(struct store *s, int64_t alert_id, const char *uuid, const struct actor *who,
                                 const char *origin, const char *doc);
/* How many alert anchors store_alert_add has computed in C rather than by SQL on this
 * connection (store/triage.c): for the tests that hold the two to the same bytes. */
uint64_t store_audit_anchors_rendered(const struct store *s);
/* Anchors an exception list or item as stored now, after a change from `before` (its anchor
 * before the change, NULL when it is new): an "exception" entry. */
int store_audit_anchor_exception(struct store *s, int is_item, const char *id, const char *namespace_type,
                                 const char *before, const struct actor *who);
/* Enters the removal of an exception list or item whose anchor was before (the row is gone). */
int store_audit_exception_removed(struct store *s, int is_item, const char *id, const char *namespace_type,
                                  const char *before, const struct actor *who);
/* The anchor of an exception list or item as stored (*anchor malloc'd; NULL when none). */
int store_audit_exception_anchor(struct store *s, int is_item, const char *id, const char *namespace_type,
                                 char **anchor);
/* For the migration to the version that anchors: an entry for every alert and exception the
 * case holds, marked "migration" (their content before it cannot be vouched for). */
int store_anchor_existing_record(struct store *s, int64_t now_us);

/* Walks the chain, then recomputes the record from it: every alert and exception must be what
 * its anchor says, every note, checklist item, response step and status what its entries say,
 * and none may exist without them (nor an anchor without its alert).
 * Returns 0 when it all holds, 2 when it does not (the first bad entry's id in *bad_id, 0
 * for the head or the state, and what is wrong in why), -1 on error. *entries is the count. */
int store_audit_verify(struct store *s, int64_t *entries, int64_t *bad_id, char *why, size_t whylen);

/* The newest entry: its id (= the number of entries, ids have no gaps) and hash; 0 and the
 * genesis hash for an empty chain. "ENTRIES:SHA256" is the record's anchor outside the file. */
int store_audit_head(struct store *s, int64_t *entries, char hash[65]);
/* The hash of entry id (*found 0 when there is no such entry). */
int store_audit_entry_hash(struct store *s, int64_t id, char hash[65], int *found);

/* Transactions that nest: the outermost begins IMMEDIATE, inner ones are savepoints. */
int store_tx_begin(struct store *s);
int store_tx_end(struct store *s, int ok);

#endif
