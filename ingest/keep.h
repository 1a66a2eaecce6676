/* keep: events read from elsewhere (a cluster) copied into the case, one at a time, inside the
 * caller's transaction: detection keeps each alert's own events so that the case stays complete
 * and exportable without the cluster. The document is stored as the exact bytes it was read as
 * (the chain of custody: its SHA-256 is the cluster's doc_sha256); its identity and index are
 * the ones it was read with; the columns are extracted from it as ingest extracts them. Every
 * kept event belongs to one ingest record, named after where it came from. */
#ifndef CASEBOOK_INGEST_KEEP_H
#define CASEBOOK_INGEST_KEEP_H

#include <stdint.h>

#include "common/strbuf.h"
#include "store/events.h"
#include "store/store.h"

struct event_keeper;

/* Starts the ingest record `name` (a cluster's URL, say) in s, outside any transaction. 0, or
 * -1 (store_errmsg). */
int event_keeper_open(struct store *s, const char *name, const char *analyst, struct event_keeper **out);
/* Copies the event ev (its doc, identity and index) into the case, or finds it there (the same
 * identity): *id is its id in the case. 0; -1 on a store error (store_errmsg) or a document
 * that is no event (why in err). */
int event_keeper_add(struct event_keeper *k, const struct event_row *ev, int64_t *id, struct strbuf *err);
/* What was kept so far: documents, added (new to the case), duplicates (there already). */
void event_keeper_counts(const struct event_keeper *k, struct ingest_counts *c);
/* Finishes the ingest record with what was kept (documents, added, duplicates) and frees k. 0
 * or -1. */
int event_keeper_close(struct event_keeper *k);

#endif
