/* hitdocs: the documents of the events the rules of a detect run matched, kept from the pass
 * that read them, so that making an alert does not read its event again from the source (that
 * was a sixth of a first detect of the whole ruleset). Shared by the rules of the run; bounded
 * by bytes, the oldest dropped (or spilled, see hit_docs_new) first: an event not kept is read
 * again, as before.
 *
 * A candidate's document is the one the source's event_get gives (detect/source.h), so what is
 * kept is what would be read.
 *
 * Internal to detect/. */
#ifndef CASEBOOK_HITDOCS_H
#define CASEBOOK_HITDOCS_H

#include <stddef.h>
#include <stdint.h>

#include "store/events.h"

struct hit_docs;

/* Keeps at most budget bytes in memory. With may_spill (a source whose reads of events by id
 * are costly: each a query of a cluster), the documents that are needed at the pass's end are
 * written to a temporary file when the budget is reached, rather than dropped: a buffered
 * new_terms rule's alerts over 10^7 events are tens of thousands of events the pass read. */
struct hit_docs *hit_docs_new(size_t budget, int may_spill);
void hit_docs_free(struct hit_docs *k);
/* Keeps event id's document, identity, index and what detect_event_json reads of its columns
 * (derived, os_type), unless it is kept already or row has no document. needed_at_end: its
 * run makes its alerts after the pass (spilled rather than dropped, where k may spill). */
void hit_docs_keep(struct hit_docs *k, int64_t id, const struct event_row *row, int needed_at_end);
/* Calls fn once with the kept event as an event_row holding what hit_docs_keep kept (the other
 * columns empty) and returns 1, as the source's event_get would have; 0 when it is not kept
 * (or k is NULL). */
int hit_docs_get(struct hit_docs *k, int64_t id, event_fn fn, void *ctx);
/* The SHA-256 (hex) of the kept event's document as the case stores it (event_row.stored),
 * for its alert's audit anchor; NULL when it is not kept, or came from another source. */
const char *hit_docs_stored_sha256(struct hit_docs *k, int64_t id);
/* The kept event's identity and index ("" when none); NULL when it is not kept (or k is NULL). */
const char *hit_docs_identity(struct hit_docs *k, int64_t id, const char **index);

#endif
