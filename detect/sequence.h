/* sequence: EQL sequence matching over events fed in time order, as Elasticsearch's EQL
 * does it: per join key, each stage holds at most one pending sequence (a newer one
 * replaces it); an event that passes stage i moves the key's pending sequence from stage
 * i-1 on (stages are tried last first, so one event never fills two stages of the same
 * sequence); maxspan drops a sequence whose event would lie further than maxspan from its
 * first (a span of exactly maxspan still matches); an `until` event drops every pending
 * sequence of its key. The caller decides what an event is (stages, keys): this module
 * only keeps the state. */
#ifndef CASEBOOK_SEQUENCE_H
#define CASEBOOK_SEQUENCE_H

#include <stddef.h>
#include <stdint.h>

struct seq_input {
	int64_t id; /* the caller's handle for the event */
	int64_t ts; /* its time, microseconds */
	/* per stage, then until (nstages + 1 slots): its join key when the event passes that
	 * stage and has one, else NULL. Any number of stages: no bit mask caps them. */
	const char *const *keys;
};

/* Called with the handles of a completed sequence's events, in stage order. A sequence of
 * one stage (`[a] ![b]`: its other queries missing events) completes with each event. */
typedef int (*seq_fn)(void *ctx, const int64_t *ids, size_t n);

struct seq_matcher;
struct seq_matcher *seq_new(size_t nstages, int64_t maxspan_us);
/* For a caller that keeps each event's data only while a pending sequence holds it: retain is
 * called when an event's handle joins a pending sequence, release when a sequence holding it
 * ends (completed, replaced, expired or ended by until). */
struct seq_hooks {
	void (*retain)(void *ctx, int64_t id);
	void (*release)(void *ctx, int64_t id);
	void *ctx;
};
void seq_set_hooks(struct seq_matcher *m, const struct seq_hooks *hooks);
/* Feeds the next event (ts never decreasing); calls fn for each sequence it completes. With
 * a maxspan, sequences that can no longer complete are dropped as time passes, so memory
 * follows the sequences open within maxspan, not the events fed. */
int seq_feed(struct seq_matcher *m, const struct seq_input *in, seq_fn fn, void *ctx);
/* How many sequences are pending (for tests). */
size_t seq_pending(const struct seq_matcher *m);
/* How many table slots its lookups have examined: the work done, for tests. */
size_t seq_probes(const struct seq_matcher *m);
void seq_free(struct seq_matcher *m);

#endif
