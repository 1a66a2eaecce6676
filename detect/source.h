/* source: where detection and the KQL searches read events, as a table of operations (after
 * SQLite's virtual tables): the case's SQLite store is the first source (source_store.c);
 * events that live elsewhere (a cluster) are another row, one file.
 *
 * The reader hands the source what it may push down: the time window, host, path bounds and
 * categories of struct candidate_query (store/alerts.h, planned by detect/plan.c), and the
 * literals every candidate must contain (struct needles). The source returns candidates, a
 * superset of the matches: exact evaluation stays in casebook, so what matches never depends on
 * the source. It reads in time order when asked (by_event_time), and in batches: the reader's
 * callback returns non-zero to end one, and the next read asks to resume after the last row it
 * had (resume, resume_ts, resume_id). A source may fail at any point, a remote one mid-way: the
 * read returns -1 and source_errmsg says why; the reader stops and passes -1 on.
 *
 * Internal to detect/ and its callers. */
#ifndef CASEBOOK_SOURCE_H
#define CASEBOOK_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "store/alerts.h"
#include "store/events.h"

struct needles;
struct event_source;

struct source_ops {
	const char *name; /* "store" */
	/* It keeps no event.ingested column: a rule timed by event.ingested reads the time from
	 * each document instead (as for any other timestamp_override field). */
	int no_ingested_column;
	/* An ordered read comes in batches, and candidate_query.batch_end is asked between them:
	 * a caller that reads on then stops only there (a batch left mid-way is read again). */
	int reads_in_batches;
	/* An ordered read costs the source far more than the rows it sends (a cluster's server
	 * reads and sorts every document before it sends the first, and reads them again for each
	 * batch): the shared pass then reads in any order (candidate_query.any_order) and its runs
	 * keep their hits to the end and sort them there, as the reference mode and a run timed
	 * by a field only the documents hold do; no run streams (rule_type.flush). Asked once a
	 * source (the answer stays): a source answers 0 where the hits its runs would hold to the
	 * end could outgrow a batch's memory. NULL: never. */
	int (*reads_any_order)(struct event_source *src);
	/* Calls fn for each candidate q admits, in the order q asks; with needle sets (n > 0), a
	 * candidate holds a needle of one of them, ASCII case aside, or a JSON escape (\u, \/)
	 * that could spell one, as needles_admit reads a document (a source may ignore them, or
	 * a set that rules nothing out: the caller tests each document again). fn returning
	 * non-zero ends the read, a batch's end, not an outcome: 0 is returned (unlike the
	 * store's iterators, which return fn's status). 0, or -1 (source_errmsg). */
	int (*candidates)(struct event_source *src, const struct candidate_query *q,
	                  const struct needles *const *needles, size_t nneedles, candidate_fn fn, void *ctx);
	/* The first and last instant of the time field over every event (0 and 0 when none):
	 * whether a window holds most of the source. 0 or -1. */
	int (*time_bounds)(struct event_source *src, int use_ingested, int64_t *lo, int64_t *hi);
	/* The same over the events newer than after_id (what a rule has not run over). 0 or -1. */
	int (*time_span)(struct event_source *src, int use_ingested, int64_t after_id, int64_t *lo, int64_t *hi);
	/* The newest event's id (0: none; -1: the source failed, source_errmsg): how far a detect
	 * run reads. */
	int64_t (*newest_id)(struct event_source *src);
	/* One event by id, with its document when want_doc: fn called once. 0 or -1. */
	int (*event_get)(struct event_source *src, int64_t id, int want_doc, event_fn fn, void *ctx);
	/* The events of ids (n of them) in one read, fn called once for each there is, in no
	 * order: where one read of each costs a query (a cluster). NULL where it costs no more
	 * than event_get (the store). 0 or -1. */
	int (*events_get)(struct event_source *src, const int64_t *ids, size_t n, event_fn fn, void *ctx);
	/* The hosts with an event whose file.path is path, over all time (the Overview's prevalence
	 * in a case attached to a cluster, where the case holds only what was copied). NULL where
	 * the source has none (the store: the case's alerts are its prevalence). 0 or -1. */
	int (*path_hosts)(struct event_source *src, const char *path, int64_t *hosts);
	/* An event's identity and index ("" when none). 0 or -1. */
	int (*event_identity)(struct event_source *src, int64_t id, struct strbuf *identity, struct strbuf *index);
	/* Calls fn once for each distinct index name the source's events have (NULL for events
	 * without one); fn returning non-zero stops. 0, fn's status, or -1. NULL: the source
	 * cannot list them cheaply, and every index pattern may match. */
	int (*index_names)(struct event_source *src, int (*fn)(void *ctx, const char *idx), void *ctx);
	const char *(*errmsg)(struct event_source *src);
	/* What the caller should say though no read failed (a server that failed, and the one
	 * read from instead), each once: NULL when there is nothing new. The text lasts until the
	 * source's next read. NULL for a source that has none (the store). */
	const char *(*take_notice)(struct event_source *src);
	void (*close)(struct event_source *src);
};

/* The base every source extends with its own state. */
struct event_source {
	const struct source_ops *ops;
};

/* The case's store as a source (source_store.c); the store stays the caller's. */
struct event_source *source_store_open(struct store *s);

/* Whether the shared pass reads src in any order (source_ops.reads_any_order). */
static inline int source_reads_any_order(struct event_source *src)
{
	return src->ops->reads_any_order && src->ops->reads_any_order(src);
}

/* Whether reading an event again by id costs a query (source_ops.events_get is set): the
 * documents a run needs later are then kept, or spilled, rather than read again one by one,
 * and a type reads its alerts' events together. */
static inline int source_reads_by_id_cost_queries(const struct event_source *src)
{
	return src->ops->events_get != NULL;
}

static inline int source_candidates(struct event_source *src, const struct candidate_query *q,
                                    const struct needles *const *needles, size_t nneedles, candidate_fn fn, void *ctx)
{
	return src->ops->candidates(src, q, needles, nneedles, fn, ctx);
}

static inline const char *source_errmsg(struct event_source *src)
{
	return src->ops->errmsg(src);
}

static inline const char *source_take_notice(struct event_source *src)
{
	return src && src->ops->take_notice ? src->ops->take_notice(src) : NULL;
}

static inline void source_close(struct event_source *src)
{
	if (src)
		src->ops->close(src);
}

#endif
