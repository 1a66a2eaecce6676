/* esql_search: the case's events an ES|QL query keeps (FROM ... | WHERE ... | SORT | LIMIT), for
 * the console's event browser, as detect_search does for KQL. */
#ifndef CASEBOOK_ESQL_SEARCH_H
#define CASEBOOK_ESQL_SEARCH_H

#include <stddef.h>

#include "store/events.h"
#include "store/store.h"

/* Calls fn for each event the query's rows come from, in their order, at most limit (<= 0:
 * all); 0, or -1 with why said (a query that does not parse, aggregates, or stops). */
int esql_search(struct store *s, const char *text, long limit, event_fn fn, void *ctx, char *why, size_t whylen);

/* The documents of every index the query's LOOKUP JOINs read, handed to it before it runs: the
 * case's events whose index is that name. 0, or -1 with why said (the case cannot be read, holds
 * no such index, or more of one than casebook joins). */
struct esql_query;
int esql_load_lookups(struct store *s, struct esql_query *q, char *why, size_t whylen);

/* Whether a filter's text is ES|QL (it starts with FROM), not KQL. */
int esql_search_is_esql(const char *text);

#endif
