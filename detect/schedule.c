/* schedule: Kibana's scheduler replayed over the case: a rule's executions, which of them is
 * decided when the pass has read so far, the hits a run keeps, each alert made once per run and
 * execution (max_signals), and the per-run cache the types share. No rule type is named here. */

#include "detect/detect.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/digest.h"
#include "common/strbuf.h"
#include "common/strpool.h"
#include "common/timeutil.h"
#include "detect/indexpattern.h"
#include "detect/rule.h"
#include "detect/run.h"
#include "store/alerts.h"

const char *run_intern(struct run *run, const char *s)
{
	return strpool_intern(run->strings, s, NULL);
}

void run_gave_up(struct run *run, const struct hit *h, const char *why)
{
	run->totals->gave_up++;
	if (run->gave_up++ >= RUN_GAVE_UP_NAMED || !run->opts->warn.say)
		return;
	char when[TIME_ISO_LEN];
	time_format_iso8601(h->ts, when);
	diag_say(&run->opts->warn,
	         "warning: rule \"%s\": event %s (%s) was not evaluated: a regular expression reached %s\n",
	         run->rule.name, h->identity ? h->identity : "-", when, why);
}

struct hit *run_add_named_hit(struct run *run, const struct candidate_row *c, const char **keys, size_t nkeys)
{
	struct hit *h = run_add_hit(run, c, keys, nkeys);
	h->identity = run_intern(run, c->ev.r.identity);
	h->index = c->ev.r.index ? run_intern(run, c->ev.r.index) : NULL;
	return h;
}

static struct hit *append_hit(struct run *run, const struct candidate_row *c, const char **keys, size_t nkeys)
{
	if (run->nhits == run->alloc) {
		run->alloc = run->alloc ? run->alloc * 2 : 64;
		run->hits = xrealloc(run->hits, run->alloc * sizeof(*run->hits));
	}
	struct hit *h = &run->hits[run->nhits++];
	memset(h, 0, sizeof(*h));
	h->keys = keys;
	h->nkeys = nkeys;
	h->event_id = c->id;
	h->time = c->time;
	h->ts = c->ev.r.ts; /* identity and index are read again if it becomes an alert */
	return h;
}

struct hit *run_add_hit(struct run *run, const struct candidate_row *c, const char **keys, size_t nkeys)
{
	struct hit *h = append_hit(run, c, keys, nkeys);
	if (run->type->alerts_on_hit_events)
		run_keep_document(run, c); /* or kept with the document for it */
	return h;
}

struct hit *run_add_seldom_hit(struct run *run, const struct candidate_row *c, const char **keys, size_t nkeys)
{
	if (!source_reads_by_id_cost_queries(run->src))
		return run_add_hit(run, c, keys, nkeys);
	return append_hit(run, c, keys, nkeys);
}

void run_keep_document(struct run *run, const struct candidate_row *c)
{
	if (run->docs)
		hit_docs_keep(run->docs, c->id, &c->ev, !run->streaming);
}

static int seen_has(const struct run *run, const char *uuid)
{
	return !run->once_per_hit && uuid_set_has(&run->seen, uuid);
}

void run_forget_seen(struct run *run)
{
	struct uuid_set *u = &run->seen;
	if (u->n < 65536) /* few: kept, rather than cleared at each window */
		return;
	memset(u->slot, 0, u->cap * sizeof(*u->slot));
	u->n = 0;
}

/* Records uuid as handled in this run (created, or found stored already). */
static void seen_add(struct run *run, const char *uuid)
{
	if (!run->once_per_hit)
		uuid_set_add(&run->seen, uuid);
}

int64_t run_align_up(int64_t t, int64_t step)
{
	int64_t q = t / step;
	if (q * step < t)
		q++;
	return q * step;
}

/* The first execution first + k*step (k >= 0) whose window's end reaches t. The end is now
 * less an amount within [to_offset_us, to_offset_max_us] (equal unless "to" uses calendar
 * steps or rounding), so a binary search between those bounds finds it. */
static int64_t first_execution_seeing(const struct rule *r, int64_t first, int64_t step, int64_t t)
{
	int64_t lo = run_align_up(t + r->to_offset_us - first, step) / step;
	int64_t hi = run_align_up(t + r->to_offset_max_us - first, step) / step;
	lo = lo < 0 ? 0 : lo;
	hi = hi < lo ? lo : hi;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (rule_window_to(r, first + mid * step) >= t)
			hi = mid;
		else
			lo = mid + 1;
	}
	return first + lo * step;
}

int64_t run_first_execution_seeing(const struct run *run, int64_t t)
{
	return first_execution_seeing(&run->rule, run->first_t, run->rule.interval_us, t);
}

int64_t run_first_execution_past(const struct run *run, int64_t T, int64_t t)
{
	const struct rule *r = &run->rule;
	int64_t bound;
	if (__builtin_add_overflow(t, r->lookback_us, &bound) || bound > run->last_t)
		bound = run->last_t;
	int64_t lo = 0, hi = (bound > T ? (bound - T) / r->interval_us : 0) + 1;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (rule_window_from(r, T + mid * r->interval_us) > t)
			hi = mid;
		else
			lo = mid + 1;
	}
	return T + lo * r->interval_us;
}

int64_t run_undecided(const struct run *run, int64_t done)
{
	if (done == INT64_MAX || done - run->rule.to_offset_max_us > run->last_t)
		return INT64_MAX;
	return run_first_execution_seeing(run, done);
}

void run_drop_hits(struct run *run, size_t n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		free(run->hits[i].keys); /* its strings are the run's */
	memmove(run->hits, run->hits + n, (run->nhits - n) * sizeof(*run->hits));
	run->nhits -= n;
}

size_t run_take_decided(void *items, size_t n, size_t size, size_t at, int64_t limit)
{
	unsigned char *base = items;
	size_t ready = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t T;
		memcpy(&T, base + i * size + at, sizeof(T));
		if (T >= limit)
			continue;
		for (size_t k = 0; k < size && i != ready; k++) { /* swap item i with item ready */
			unsigned char c = base[i * size + k];
			base[i * size + k] = base[ready * size + k];
			base[ready * size + k] = c;
		}
		ready++;
	}
	return ready;
}

char *run_join_values(char *const *values, size_t n)
{
	struct strbuf sb;
	strbuf_init(&sb, 64);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addch(&sb, '\x1f');
		strbuf_addstr(&sb, values[i]);
	}
	return strbuf_detach(&sb, NULL);
}

void run_drop_hits_after(struct run *run, size_t n)
{
	for (size_t i = n; i < run->nhits; i++)
		free(run->hits[i].keys);
	run->nhits = n;
}

int64_t run_align_down(int64_t t, int64_t step)
{
	int64_t q = t / step;
	if (q * step > t)
		q--;
	return q * step;
}

int run_alerts_in_order(struct run *run, const void *items, size_t n, size_t size, int64_t (*execution)(const void *),
                        alert_namer name, alert_maker make)
{
	int64_t current = INT64_MIN, created = 0;
	int full = 0, rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		const void *item = (const char *)items + i * size;
		int64_t T = execution(item);
		if (T != current)
			current = T, created = 0, full = 0;
		if (full)
			continue;
		char uuid[SHA256_HEX_LEN + 1];
		if (name(run, item, uuid))
			return -1;
		int r = run_alert_once(run, uuid, T, &created, make, (void *)item);
		rc = r < 0;
		full = r > 0;
	}
	return rc ? -1 : 0;
}

void run_warn_capped(struct run *run, int64_t T)
{
	char when[TIME_ISO_LEN];
	time_format_iso8601(T, when);
	if (run->opts->warn.say)
		diag_say(
		    &run->opts->warn,
		    "warning: rule \"%s\": the execution at %s reached the maximum alert limit (max_signals %lld); "
		    "some alerts were not created\n",
		    run->rule.name, when, (long long)run->rule.max_signals);
	run->totals->capped++;
}

int run_alert_once(struct run *run, const char *uuid, int64_t T, int64_t *created, alert_maker make, void *ctx)
{
	const struct rule *r = &run->rule;
	if (seen_has(run, uuid))
		return 0; /* alerted by an earlier, overlapping execution of this run */
	/* queued for the writing thread and not committed yet: not in the store for this thread */
	int exists = run->pipe && alert_pipe_pending(run->pipe, uuid);
	if (!exists && store_alert_exists(run->store, uuid, &exists))
		return -1;
	if (exists) {
		seen_add(run, uuid);
		run->totals->duplicates++;
		return 0;
	}
	if (*created == r->max_signals) {
		run_warn_capped(run, T);
		return 1;
	}
	if (make(run, ctx, uuid, T))
		return -1;
	seen_add(run, uuid);
	(*created)++;
	return 0;
}

/* Replays the executions from run->replay_t up to (not including) limit over the matching
 * events (sorted by time), then forgets the hits they are done with. Each execution starts at
 * the first hit no earlier execution alerted on: those before it would only be found alerted
 * again, and looking at them made the replay cost executions x hits (interval 1s, from
 * now-1000000d: quadratic). Executions that see no new hit are skipped. */
int run_replay(struct run *run, int64_t limit)
{
	const struct rule *r = &run->rule;
	int64_t step = r->interval_us, first = run->first_t, T = run->replay_t;
	size_t lo = 0, next = 0; /* the window's first hit; the first hit not yet alerted on */
	while (T <= run->last_t && T < limit) {
		int64_t from = rule_window_from(r, T), to = rule_window_to(r, T);
		while (lo < run->nhits && run->hits[lo].time < from)
			lo++;
		if (next < lo)
			next = lo; /* left unalerted by a capped execution, now out of every window */
		if (next == run->nhits) {
			T = limit; /* nothing before limit sees a hit still to come */
			break;
		}
		if (run->hits[next].time > to) {
			/* nothing new in this window: jump to the first execution that sees the next hit */
			int64_t at = first_execution_seeing(r, first, step, run->hits[next].time);
			T = at > T ? at : T + step;
			continue;
		}
		if (run->suppress) { /* the window's new hits, grouped */
			size_t end = next;
			while (end < run->nhits && run->hits[end].time <= to)
				end++;
			if (suppression_execution(run, T, &run->hits[next], end - next))
				return -1;
			next = end;
			T += step;
			continue;
		}
		int64_t created = 0;
		for (size_t j = next; j < run->nhits && run->hits[j].time <= to; j++) {
			const struct hit *h = &run->hits[j];
			int rc = run_alert_on_events(run, &h, 1, T, &created);
			if (rc < 0)
				return -1;
			if (rc)
				break; /* the rest stay unseen: a later window may still alert on them, as in Kibana */
			next = j + 1;
		}
		T += step;
	}
	run->replay_t = T;
	run->totals->matched += next;
	run_drop_hits(run, next);
	return 0;
}

/* The order the store would give: the rule's time field, then @timestamp, then ingest order. */
int by_rule_time(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->event_id > y->event_id) - (x->event_id < y->event_id);
}

void *run_cache_get(const struct run *run, const char *key)
{
	for (size_t i = 0; run->cache && i < run->cache->n; i++)
		if (!strcmp(run->cache->v[i].key, key))
			return run->cache->v[i].value;
	return NULL;
}

void run_cache_put(struct run *run, const char *key, void *value, void (*release)(void *value))
{
	struct run_cache *c = run->cache;
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n++] = (struct run_cache_entry){xstrdup(key), value, release};
}

struct index_names {
	char **names;
	size_t n;
	int has_null; /* an event without an index name, which every pattern admits */
};

static void index_names_free(void *p)
{
	struct index_names *x = p;
	for (size_t i = 0; i < x->n; i++)
		free(x->names[i]);
	free(x->names);
	free(x);
}

static int take_index_name(void *ctx, const char *idx)
{
	struct index_names *x = ctx;
	if (!idx) {
		x->has_null = 1;
		return 0;
	}
	x->names = xrealloc(x->names, (x->n + 1) * sizeof(*x->names));
	x->names[x->n++] = xstrdup(idx);
	return 0;
}

int run_source_may_match_index(struct run *run, const char *const *patterns, size_t n)
{
	if (!run->src->ops->index_names || n == 0)
		return 1;
	static const char key[] = "the source's index names";
	struct index_names *x = run_cache_get(run, key);
	if (!x) {
		x = xcalloc(1, sizeof(*x));
		if (run->src->ops->index_names(run->src, take_index_name, x)) {
			index_names_free(x);
			return -1;
		}
		run_cache_put(run, key, x, index_names_free);
	}
	if (x->has_null)
		return 1;
	for (size_t i = 0; i < x->n; i++)
		if (index_matches(patterns, n, x->names[i]))
			return 1;
	return 0;
}

void run_cache_release(struct run_cache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		c->v[i].release(c->v[i].value);
		free(c->v[i].key);
	}
	free(c->v);
}
