/* record: the triage actions, the one way the record changes (the command line and the
 * console both call these). Each is committed, with its audit entry, before it returns. */
#ifndef CASEBOOK_RECORD_H
#define CASEBOOK_RECORD_H

#include <stdint.h>

#include "common/status.h"
#include "store/store.h"
#include "store/triage.h"

/* The triage actions' outcomes: codes of common/status.h, whose messages they share. */
enum triage_result {
	TRIAGE_OK = CB_OK,
	TRIAGE_UNCHANGED = CB_UNCHANGED,   /* already in that state: nothing recorded */
	TRIAGE_NO_ITEM = CB_NO_ITEM,       /* no checklist item or response step with that number */
	TRIAGE_OPEN_ITEMS = CB_OPEN_ITEMS, /* closing with checklist items open, without force */
	TRIAGE_INVALID = CB_INVALID,       /* a status, reason or state that does not exist */
	TRIAGE_ERROR = CB_ERROR,           /* the store failed: store_errmsg() */
};

/* The closing reasons, as Kibana 9.2 records them in kibana.alert.workflow_reason. */
extern const char *const triage_close_reasons[]; /* NULL-terminated */
extern const char *const triage_statuses[];
/* The longest custom closing reason kept (bytes). */
#define TRIAGE_REASON_MAX 256
/* Whether reason may close an alert: one of triage_close_reasons, or, set by Kibana's user as
 * an import does (an actor named ALERT_IMPORTED_PREFIX...), a custom reason of 1 to
 * TRIAGE_REASON_MAX bytes without control characters. */
int triage_reason_valid(const char *reason, const struct actor *who);
extern const char *const triage_response_states[];

/* A status or response state as written by the console ("ack", "n/a", "skip"): its name
 * ("acknowledged", "na", "skipped"); any other name unchanged. */
const char *triage_canonical(const char *name);

/* Calls fn for each checklist item, then each response step, of the alert: the stored ones,
 * or, before any triage action created them, the ones its rule's guide gives (in their
 * initial states, nothing written: readers never write). TRIAGE_OK, fn's non-zero status
 * when it stopped the reading, or TRIAGE_ERROR. */
int triage_items_each(struct store *s, int64_t alert_id, item_fn fn, void *ctx);

/* Creates the alert's checklist and response steps from its rule's guide, once. */
int triage_prepare(struct store *s, int64_t alert_id);

/* status: open, acknowledged or closed. Closing needs a reason; with checklist items still
 * open it needs force, and then records which were open (*open_items says how many). */
int triage_set_status(struct store *s, int64_t alert_id, const char *uuid, const char *status, const char *reason,
                      const char *comment, int force, const struct actor *who, int *open_items);
/* How many checklist items of the alert are open (derived ones included). */
int triage_open_checks(struct store *s, int64_t alert_id, int *open);

/* What a bulk status change did. */
struct status_outcome {
	size_t changed, unchanged;
	size_t refused, open_items; /* alerts refused for open checklist items, and those items */
};
/* Told of each alert refused for its open checklist items (closing without force). */
typedef void (*status_refused_fn)(void *ctx, const char *uuid, int open_items);
/* Sets the status of n alerts in one transaction: all of them, or (on a refusal or an error)
 * none. Returns TRIAGE_OK, TRIAGE_OPEN_ITEMS (refused alerts told to refused; nothing
 * changed), TRIAGE_INVALID or TRIAGE_ERROR (store_errmsg). */
int triage_set_status_many(struct store *s, const int64_t *ids, char *const *uuids, size_t n, const char *status,
                           const char *reason, const char *comment, int force, const struct actor *who,
                           struct status_outcome *out, status_refused_fn refused, void *ctx);

/* Checks (or with undo, unchecks) checklist item n, with an optional note. */
int triage_check(struct store *s, int64_t alert_id, const char *uuid, int n, int undo, const char *note,
                 const struct actor *who);
/* Sets response step n to done, skipped, na or pending, with an optional note. */
int triage_respond(struct store *s, int64_t alert_id, const char *uuid, int n, const char *state, const char *note,
                   const struct actor *who);
int triage_note(struct store *s, int64_t alert_id, const char *uuid, const char *text, const struct actor *who);

#endif
