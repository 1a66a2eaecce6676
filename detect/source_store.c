/* source_store: the case's SQLite store as an event source (detect/source.h). Its SQL stays in
 * store/; the needles are not pushed down (the pass tests them on each document it reads). */

#include "detect/source.h"

#include <stdlib.h>

#include "common/diag.h"

struct store_source {
	struct event_source base;
	struct store *s;
};

static struct store *store_of(struct event_source *src)
{
	return ((struct store_source *)src)->s;
}

static int store_source_candidates(struct event_source *src, const struct candidate_query *q,
                                   const struct needles *const *needles, size_t nneedles, candidate_fn fn, void *ctx)
{
	(void)needles, (void)nneedles; /* SQLite has no index of them: the pass tests each document */
	/* a source's read that fn ended is 0 (source.h), the store's is fn's status */
	return store_candidates_each(store_of(src), q, fn, ctx) < 0 ? -1 : 0;
}

static int store_source_time_bounds(struct event_source *src, int use_ingested, int64_t *lo, int64_t *hi)
{
	return store_time_bounds(store_of(src), use_ingested, lo, hi);
}

static int store_source_time_span(struct event_source *src, int use_ingested, int64_t after_id, int64_t *lo,
                                  int64_t *hi)
{
	return store_time_span(store_of(src), use_ingested, after_id, lo, hi);
}

static int64_t store_source_newest_id(struct event_source *src)
{
	return store_max_event_id(store_of(src));
}

static int store_source_event_get(struct event_source *src, int64_t id, int want_doc, event_fn fn, void *ctx)
{
	return store_event_get(store_of(src), id, want_doc, fn, ctx) < 0 ? -1 : 0; /* 0 or -1 (source.h) */
}

static int store_source_event_identity(struct event_source *src, int64_t id, struct strbuf *identity,
                                       struct strbuf *index)
{
	return store_event_source(store_of(src), id, identity, index);
}

static int store_source_index_names(struct event_source *src, int (*fn)(void *ctx, const char *idx), void *ctx)
{
	return store_event_index_names(store_of(src), fn, ctx);
}

static const char *store_source_errmsg(struct event_source *src)
{
	return store_errmsg(store_of(src));
}

static void store_source_close(struct event_source *src)
{
	free(src);
}

static const struct source_ops store_source_ops = {.name = "store",
                                                   .candidates = store_source_candidates,
                                                   .time_bounds = store_source_time_bounds,
                                                   .time_span = store_source_time_span,
                                                   .newest_id = store_source_newest_id,
                                                   .event_get = store_source_event_get,
                                                   .event_identity = store_source_event_identity,
                                                   .index_names = store_source_index_names,
                                                   .errmsg = store_source_errmsg,
                                                   .close = store_source_close};

struct event_source *source_store_open(struct store *s)
{
	struct store_source *src = xcalloc(1, sizeof(*src));
	src->base.ops = &store_source_ops;
	src->s = s;
	return &src->base;
}
