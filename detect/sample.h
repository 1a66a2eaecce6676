/* sample: EQL samples (Elasticsearch 8.6+, `sample by host.id [filter] [filter] ...`) over
 * the events a rule's pass found, as Elasticsearch's SampleIterator answers: the join keys
 * for which every filter has an event (its composite aggregation, keys in ascending order);
 * for each, at most nfilters * max_per_key events per filter in index order (its final
 * searches: no sort, sized by the filters), then the first max_per_key combinations of
 * distinct events, one per filter in the filters' order, found by the same backtracking as
 * its matchSamples. Time plays no part: a sample is unordered, no maxspan.
 *
 * The caller says which events pass which filter under which key (detect/eql.h's
 * eql_stage_key, one key at a time); this module keeps only what a sample can use: per key
 * and filter, the first events in index order. */
#ifndef CASEBOOK_SAMPLE_H
#define CASEBOOK_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "detect/sequence.h"

struct sample_matcher;

/* nfilters from 2 to EQL_MAX_SAMPLE_FILTERS; max_per_key is Elasticsearch's
 * max_samples_per_key (1 unless a search says otherwise: Kibana's rules never do). */
struct sample_matcher *sample_new(size_t nfilters, size_t max_per_key);
/* The event id (the caller's handle) passes filter under key; order is its place in the index
 * (ingest order). An event added twice to a filter's key counts once. */
void sample_add(struct sample_matcher *m, size_t filter, const char *key, int64_t id, int64_t order);
/* Calls fn with each sample's handles, in filter order: keys in ascending byte order, a key's
 * samples in the order the backtracking finds them. Returns fn's first non-zero, else 0. */
int sample_finish(struct sample_matcher *m, seq_fn fn, void *ctx);
/* How many keys it holds (for tests). */
size_t sample_keys(const struct sample_matcher *m);
void sample_free(struct sample_matcher *m);

#endif
