/* eqlpage: an EQL sequence search as Elasticsearch pages it, for the answer Kibana's EQL rule
 * asks for (result_position tail, size max_signals, fetch_size at its default). Elasticsearch's
 * TumblingWindow reads the first stage descending (the tail's order, Optimizer.PushDownOrderBy)
 * in pages of fetch_size, then each later stage ascending from the earliest event of that page,
 * in pages of fetch_size filtered on the join keys in flight (BoxedQueryRequest.keys, dropped
 * past MAX_TERMS values of a key field), a stage past the second boxed to the page of the stage
 * that is the window's base; SequenceMatcher matches each page and stops the search after the
 * page that leaves size sequences completed (tailLimitReached); the answer is the last size of
 * the completed sequences by their last event's ordinal, latest first. This module runs those
 * steps over one window's stage events held in memory (no recursion: the listener chain is a
 * loop over the next step), for sequences without until or missing-event stages, with one join
 * key per event and stage. Memory: a few arrays of the window's events. */
#ifndef CASEBOOK_EQLPAGE_H
#define CASEBOOK_EQLPAGE_H

#include <stddef.h>
#include <stdint.h>

/* BoxedQueryRequest.MAX_TERMS: a key field with more values in flight is not filtered on. */
#define EQLPAGE_MAX_TERMS 128

struct eqlpage_event {
	int64_t ts; /* @timestamp, microseconds (the range queries' and maxspan's) */
	/* per stage, its join key (each field's value ended by '\x1f', as eql_stage_key writes one
	 * value per field) when the event passes the stage, else NULL */
	const char *const *keys;
};

struct eqlpage_query {
	size_t nstages;     /* at least 2 */
	size_t size;        /* the answer's size (Kibana: max_signals) */
	size_t fetch_size;  /* a page (EqlSearchRequest's default: 1000) */
	int64_t maxspan_us; /* 0: none */
};

/* Runs the search over one window's stage events, ev[0..n) in ordinal order (@timestamp,
 * tiebreaker, document order: an event's index is its ordinal). Writes the answer's sequences,
 * latest last event first, to out (q->size * q->nstages slots: each sequence's events' indexes
 * in stage order) and returns how many; -1 if the search takes more steps than its bound (never
 * seen: a guard for a loop over an outside algorithm). */
long eqlpage_tail(const struct eqlpage_event *ev, size_t n, const struct eqlpage_query *q, size_t *out);

#endif
