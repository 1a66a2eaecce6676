#include "detect/sequence.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/strbuf.h"

struct pending {
	char *key;
	int64_t start;
	int64_t *ids; /* nstages slots */
	size_t n;
};

/* One stage's pending sequences, by join key: open addressing, linear probing, with
 * tombstones so that lookups stay correct after removals. */
struct stage_map {
	struct pending **slot;
	size_t cap, used, live;
	size_t probes; /* slots examined: the work done, for tests */
};

#define TOMBSTONE ((struct pending *)1)

struct seq_matcher {
	size_t nstages;
	int64_t maxspan;
	struct stage_map *maps; /* nstages - 1: a sequence at the last stage is complete */
	struct seq_hooks hooks;
	size_t sweep_at; /* pending sequences that trigger the next sweep of expired ones */
};

static uint64_t hash_key(const char *s)
{
	return hash_keyed(s, strlen(s)); /* keyed: join keys are the input's */
}

static void pending_free(const struct seq_matcher *m, struct pending *p)
{
	if (!p || p == TOMBSTONE)
		return;
	if (m->hooks.release)
		for (size_t i = 0; i < p->n; i++)
			m->hooks.release(m->hooks.ctx, p->ids[i]);
	free(p->key);
	free(p->ids);
	free(p);
}

static size_t find_slot(struct stage_map *m, const char *key, int *found)
{
	size_t mask = m->cap - 1, i = hash_key(key) & mask, first_free = SIZE_MAX;
	for (;; i = (i + 1) & mask) {
		struct pending *p = m->slot[i];
		m->probes++;
		if (!p) {
			*found = 0;
			return first_free != SIZE_MAX ? first_free : i;
		}
		if (p == TOMBSTONE) {
			if (first_free == SIZE_MAX)
				first_free = i;
		} else if (!strcmp(p->key, key)) {
			*found = 1;
			return i;
		}
	}
}

static void map_grow(struct stage_map *m)
{
	struct stage_map old = *m;
	/* sized by what is live, not by the tombstones: expiry keeps the table small */
	for (m->cap = 64; old.live * 4 >= m->cap;)
		m->cap *= 2;
	m->slot = xmalloc(m->cap * sizeof(*m->slot));
	memset(m->slot, 0, m->cap * sizeof(*m->slot));
	m->used = m->live = 0;
	m->probes = old.probes;
	for (size_t i = 0; i < old.cap; i++) {
		struct pending *p = old.slot[i];
		if (!p || p == TOMBSTONE)
			continue;
		int found;
		size_t at = find_slot(m, p->key, &found);
		m->slot[at] = p;
		m->used++, m->live++;
	}
	free(old.slot);
}

/* Removes and returns the key's pending sequence, or NULL. */
static struct pending *map_take(struct stage_map *m, const char *key)
{
	if (!m->live)
		return NULL;
	int found;
	size_t at = find_slot(m, key, &found);
	if (!found)
		return NULL;
	struct pending *p = m->slot[at];
	m->slot[at] = TOMBSTONE;
	m->live--;
	return p;
}

/* Stores p under its key, replacing (and freeing) the key's older one. */
static void map_put(const struct seq_matcher *sm, struct stage_map *m, struct pending *p)
{
	if ((m->used + 1) * 4 >= m->cap * 3)
		map_grow(m);
	int found;
	size_t at = find_slot(m, p->key, &found);
	if (found) {
		pending_free(sm, m->slot[at]);
	} else {
		if (!m->slot[at])
			m->used++;
		m->live++;
	}
	m->slot[at] = p;
}

struct seq_matcher *seq_new(size_t nstages, int64_t maxspan_us)
{
	struct seq_matcher *m = xmalloc(sizeof(*m));
	m->nstages = nstages;
	m->maxspan = maxspan_us;
	m->maps = xmalloc(nstages * sizeof(*m->maps));
	memset(m->maps, 0, nstages * sizeof(*m->maps));
	memset(&m->hooks, 0, sizeof(m->hooks));
	m->sweep_at = 1024;
	return m;
}

void seq_set_hooks(struct seq_matcher *m, const struct seq_hooks *hooks)
{
	m->hooks = *hooks;
}

void seq_free(struct seq_matcher *m)
{
	if (!m)
		return;
	for (size_t s = 0; s < m->nstages; s++) {
		for (size_t i = 0; i < m->maps[s].cap; i++)
			pending_free(m, m->maps[s].slot[i]);
		free(m->maps[s].slot);
	}
	free(m->maps);
	free(m);
}

size_t seq_probes(const struct seq_matcher *m)
{
	size_t n = 0;
	for (size_t s = 0; s < m->nstages; s++)
		n += m->maps[s].probes;
	return n;
}

size_t seq_pending(const struct seq_matcher *m)
{
	size_t n = 0;
	for (size_t s = 0; s + 1 < m->nstages; s++)
		n += m->maps[s].live;
	return n;
}

/* Drops the pending sequences that began more than maxspan before now: no event from now on
 * can complete them. Run when the pending sequences have doubled since the last sweep, so its
 * cost is spread over the events that made them. */
static void sweep_expired(struct seq_matcher *m, int64_t now)
{
	size_t live = seq_pending(m);
	if (!m->maxspan || live < m->sweep_at)
		return;
	for (size_t s = 0; s + 1 < m->nstages; s++) {
		struct stage_map *map = &m->maps[s];
		for (size_t i = 0; i < map->cap; i++) {
			struct pending *p = map->slot[i];
			if (p && p != TOMBSTONE && now - p->start > m->maxspan) {
				pending_free(m, p);
				map->slot[i] = TOMBSTONE;
				map->live--;
			}
		}
	}
	live = seq_pending(m);
	m->sweep_at = live * 2 > 1024 ? live * 2 : 1024;
}

static int passes(const struct seq_input *in, size_t stage)
{
	return in->keys[stage] != NULL;
}

int seq_feed(struct seq_matcher *m, const struct seq_input *in, seq_fn fn, void *ctx)
{
	size_t last = m->nstages - 1;
	sweep_expired(m, in->ts);
	for (size_t i = last; i >= 1; i--) {
		if (!passes(in, i))
			continue;
		struct pending *p = map_take(&m->maps[i - 1], in->keys[i]);
		if (!p)
			continue;
		if (m->maxspan && in->ts - p->start > m->maxspan) {
			pending_free(m, p); /* too late: this sequence can never complete */
			continue;
		}
		p->ids[p->n++] = in->id;
		if (m->hooks.retain)
			m->hooks.retain(m->hooks.ctx, in->id);
		if (i == last) {
			int rc = fn(ctx, p->ids, p->n);
			pending_free(m, p);
			if (rc)
				return rc;
		} else {
			map_put(m, &m->maps[i], p);
		}
	}
	if (passes(in, 0) && last == 0) { /* one stage: complete at once */
		int64_t id = in->id;
		int rc = fn(ctx, &id, 1);
		if (rc)
			return rc;
	} else if (passes(in, 0)) {
		struct pending *p = xmalloc(sizeof(*p));
		p->key = xstrdup(in->keys[0]);
		p->start = in->ts;
		p->ids = xmalloc(m->nstages * sizeof(*p->ids));
		p->ids[0] = in->id;
		p->n = 1;
		if (m->hooks.retain)
			m->hooks.retain(m->hooks.ctx, in->id);
		map_put(m, &m->maps[0], p);
	}
	/* until: the key's pending sequences end here, those this event advanced or started too.
	 * Elasticsearch checks an until marker when a sequence advances, against the markers
	 * strictly before the advancing event and not before the sequence's last event: so an
	 * until event that is also a stage's event completes a sequence at the last stage, and
	 * ends one it advances or starts at any other. */
	if (passes(in, m->nstages))
		for (size_t s = 0; s < last; s++)
			pending_free(m, map_take(&m->maps[s], in->keys[m->nstages]));
	return 0;
}
