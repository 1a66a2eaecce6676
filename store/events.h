/* Events: the normalised columns the timeline and detection need, and the original
 * document, compressed (store/doccodec.h). */
#ifndef CASEBOOK_EVENTS_H
#define CASEBOOK_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "store/store.h"

/* One event as ingest hands it over; strings may be NULL when the field is absent. */
struct event_record {
	const char *identity;
	int64_t ts;
	int64_t ingested;
	int has_ingested;
	const char *index;
	const char *host_id, *host_name, *os_type;
	const char *kind, *category, *type, *action;
	const char *file_path, *entity_id, *executable, *process_name, *user_name;
	int64_t pid;
	int has_pid;
	const char *derived;
	int irregular;     /* the columns do not hold every value (see schema.sql) */
	int names_exact;   /* process_name, action, user_name, executable: each the field's only value */
	const void *doc_z; /* the compressed document */
	size_t doc_z_len;
	int64_t dict_id; /* the dictionary it was compressed with, 0 for none */
};

/* One stored event, as queries return it; pointers are valid during the callback only. */
struct event_row {
	int64_t id;
	struct event_record r;
	const char *doc; /* decompressed JSON, when the query asked for it */
	size_t doc_len;
	/* the document as the case stores it (docs.doc, compressed), when doc was read from the
	 * case: what an alert's audit anchor hashes (NULL from other sources) */
	const void *stored;
	size_t stored_len;
};

/* --- writing (one writer per ingest) --- */
struct event_writer;

/* Starts writing the events of ingest ingest_id. When the events table is empty this is a
 * bulk load: secondary indexes are dropped now and rebuilt by event_writer_finish. */
int event_writer_open(struct store *s, int64_t ingest_id, struct event_writer **out);
/* Adds one event, or counts it as a duplicate when its identity is stored already. */
int event_writer_add(struct event_writer *w, const struct event_record *r);
/* Commits, rebuilds indexes after a bulk load, removes duplicates a bulk load let in, and
 * reports the counts. Frees w whatever happens. */
int event_writer_finish(struct event_writer *w, uint64_t *added, uint64_t *duplicates);
/* Commits what was added so far (the writer stays usable). */
int event_writer_checkpoint(struct event_writer *w);
int event_writer_is_bulk(const struct event_writer *w);

/* Stores one event inside the caller's transaction, or finds the one stored with its identity
 * (as a writer counts it a duplicate): detection copying an alert's event out of a cluster, so
 * that the alert stands on an event of the case. *id is the case's event either way; *added
 * says whether it is new. 0 or -1. */
int store_event_keep(struct store *s, int64_t ingest_id, const struct event_record *r, int64_t *id, int *added);

/* Rebuilds the indexes deferred_indexes names: those of a bulk load or a detect that did not
 * finish (kill -9), or of the detect that calls it at its end; *duplicates, the events a
 * killed load stored twice and this removed (only when event indexes were pending). */
int store_finish_deferred_indexes(struct store *s, uint64_t *duplicates);
/* Before a detect writes its alerts (what a killed run left pending built first): when the
 * alerts table is empty (a first detect, which makes every alert at once), drops six of its
 * indexes and the audit's by alert and names them in deferred_indexes, in one transaction; *deferred says whether it
 * did. The detect builds them at its end with store_finish_deferred_indexes. */
int store_defer_alert_indexes(struct store *s, int *deferred);

/* --- document dictionaries --- */
/* The newest dictionary: *id = 0 when there is none. *dict is malloc'd. */
int store_dict_latest(struct store *s, int64_t *id, void **dict, size_t *len);
int store_dict_add(struct store *s, const void *dict, size_t len, int64_t *id);

/* --- reading --- */
struct event_query {
	const char *host;      /* host.name or host.id; NULL for all */
	const char *file_path; /* file.path equals; NULL for any */
	int64_t from, to;      /* inclusive bounds on @timestamp */
	int has_from, has_to;
	long limit; /* <= 0: no limit */
	int want_doc;
};

typedef int (*event_fn)(void *ctx, const struct event_row *row);
/* Calls fn for each matching event in @timestamp order; fn's non-zero status stops it and is
 * returned (store.h). */
int store_events_each(struct store *s, const struct event_query *q, event_fn fn, void *ctx);
int64_t store_event_count(struct store *s);

#endif
