/* columns: the columns the store keeps for an event (store/events.h's struct event_record),
 * read from its document as ingest reads them. A source that hands out documents without
 * those columns (a cluster's rows carry the document and a few of them) is shown the way the
 * case shows its own events through this: `casebook events` prints the same table over either.
 * ingest/keep.c stores what it reads. */
#ifndef CASEBOOK_INGEST_COLUMNS_H
#define CASEBOOK_INGEST_COLUMNS_H

#include "common/strbuf.h"
#include "ingest/extract.h"
#include "ingest/jsontape.h"
#include "store/events.h"

/* The reader's buffers, reused from one event to the next. */
struct event_columns {
	struct jtape tape;
	struct strbuf arena;
};

void event_columns_init(struct event_columns *c);
void event_columns_release(struct event_columns *c);

/* Fills r (its strings in c's arena, valid until the next read) from the document doc: every
 * column ingest would store, the identity and index left to the caller. 0, or -1 with why in
 * err when the document does not parse or is no event. */
int event_columns_read(struct event_columns *c, const char *doc, size_t len, struct event_record *r,
                       struct strbuf *err);

/* The record of an event extracted into arena (ingest/extract.h), identity and index unset. */
void event_columns_from_extracted(const struct extracted *ex, const char *arena, struct event_record *r);

#endif
