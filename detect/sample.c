#include "detect/sample.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/strbuf.h"
#include "detect/eql.h"

struct candidate {
	int64_t id, order;
};

/* One join key: per filter, its first events in index order (at most cap). */
struct key_entry {
	char *key;
	struct candidate *events; /* nfilters * cap: filter f's at f * cap */
	size_t *n;                /* per filter */
};

struct sample_matcher {
	size_t nfilters, max_per_key, cap;
	struct key_entry **slot; /* open addressing, linear probing; never removed */
	size_t nslots, used;
};

struct sample_matcher *sample_new(size_t nfilters, size_t max_per_key)
{
	struct sample_matcher *m = xcalloc(1, sizeof(*m));
	m->nfilters = nfilters;
	m->max_per_key = max_per_key ? max_per_key : 1;
	m->cap = nfilters * m->max_per_key; /* Elasticsearch's final search: size and terminate_after */
	m->nslots = 64;
	m->slot = xcalloc(m->nslots, sizeof(*m->slot));
	return m;
}

static size_t find_slot(struct key_entry **slot, size_t nslots, const char *key)
{
	size_t mask = nslots - 1, i = hash_keyed(key, strlen(key)) & mask; /* keyed: the keys are the input's */
	while (slot[i] && strcmp(slot[i]->key, key))
		i = (i + 1) & mask;
	return i;
}

static void grow(struct sample_matcher *m)
{
	size_t nslots = m->nslots * 2;
	struct key_entry **slot = xcalloc(nslots, sizeof(*slot));
	for (size_t i = 0; i < m->nslots; i++)
		if (m->slot[i])
			slot[find_slot(slot, nslots, m->slot[i]->key)] = m->slot[i];
	free(m->slot);
	m->slot = slot;
	m->nslots = nslots;
}

static struct key_entry *entry_for(struct sample_matcher *m, const char *key)
{
	if ((m->used + 1) * 4 >= m->nslots * 3)
		grow(m);
	size_t at = find_slot(m->slot, m->nslots, key);
	if (!m->slot[at]) {
		struct key_entry *e = xcalloc(1, sizeof(*e));
		e->key = xstrdup(key);
		e->events = xmalloc(m->nfilters * m->cap * sizeof(*e->events));
		e->n = xcalloc(m->nfilters, sizeof(*e->n));
		m->slot[at] = e;
		m->used++;
	}
	return m->slot[at];
}

void sample_add(struct sample_matcher *m, size_t filter, const char *key, int64_t id, int64_t order)
{
	if (filter >= m->nfilters)
		return;
	struct key_entry *e = entry_for(m, key);
	struct candidate *list = e->events + filter * m->cap;
	size_t n = e->n[filter];
	for (size_t i = 0; i < n; i++)
		if (list[i].id == id)
			return;
	/* kept sorted by order, the first cap only: what Elasticsearch's sized search returns */
	size_t at = n;
	while (at > 0 && list[at - 1].order > order)
		at--;
	if (at == m->cap)
		return;
	if (n == m->cap)
		n--; /* the last one falls off */
	memmove(list + at + 1, list + at, (n - at) * sizeof(*list));
	list[at] = (struct candidate){id, order};
	e->n[filter] = n + 1;
}

static int by_key(const void *a, const void *b)
{
	return strcmp((*(struct key_entry *const *)a)->key, (*(struct key_entry *const *)b)->key);
}

/* A key's samples: combinations of distinct events, one per filter, in the order a
 * depth-first walk over the filters' lists finds them (Elasticsearch's matchSamples), the
 * first max_per_key of them. Iterative: the depth is the filters', at most
 * EQL_MAX_SAMPLE_FILTERS. */
static int key_samples(const struct sample_matcher *m, const struct key_entry *e, seq_fn fn, void *ctx)
{
	size_t idx[EQL_MAX_SAMPLE_FILTERS];
	int64_t chosen[EQL_MAX_SAMPLE_FILTERS];
	size_t depth = 0, found = 0, nf = m->nfilters;
	idx[0] = 0;
	for (;;) {
		if (idx[depth] >= e->n[depth]) {
			if (depth == 0)
				return 0;
			idx[--depth]++;
			continue;
		}
		int64_t id = e->events[depth * m->cap + idx[depth]].id;
		int taken = 0;
		for (size_t j = 0; j < depth && !taken; j++)
			taken = chosen[j] == id;
		if (taken) {
			idx[depth]++;
			continue;
		}
		chosen[depth] = id;
		if (depth + 1 < nf) {
			idx[++depth] = 0;
			continue;
		}
		int rc = fn(ctx, chosen, nf);
		if (rc)
			return rc;
		if (++found == m->max_per_key)
			return 0;
		idx[depth]++;
	}
}

int sample_finish(struct sample_matcher *m, seq_fn fn, void *ctx)
{
	if (m->nfilters < 1 || m->nfilters > EQL_MAX_SAMPLE_FILTERS)
		return 0;
	struct key_entry **keys = xmalloc((m->used ? m->used : 1) * sizeof(*keys));
	size_t n = 0;
	for (size_t i = 0; i < m->nslots; i++) {
		struct key_entry *e = m->slot[i];
		size_t f = 0;
		while (e && f < m->nfilters && e->n[f])
			f++;
		if (e && f == m->nfilters) /* every filter has an event under this key */
			keys[n++] = e;
	}
	if (n > 1)
		qsort(keys, n, sizeof(*keys), by_key);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		rc = key_samples(m, keys[i], fn, ctx);
	free(keys);
	return rc;
}

size_t sample_keys(const struct sample_matcher *m)
{
	return m->used;
}

void sample_free(struct sample_matcher *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nslots; i++) {
		struct key_entry *e = m->slot[i];
		if (!e)
			continue;
		free(e->key);
		free(e->events);
		free(e->n);
		free(e);
	}
	free(m->slot);
	free(m);
}
