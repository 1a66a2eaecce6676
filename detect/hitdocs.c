/* hitdocs: the matched events' documents kept for their alerts (detect/hitdocs.h): a chained
 * hash table by event id over entries listed oldest first. */
#include "detect/hitdocs.h"

#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/digest.h"
#include "common/hash.h"

struct kept {
	int64_t id;
	struct kept *next;  /* in its bucket */
	struct kept *newer; /* the next kept after it */
	size_t size;        /* bytes counted against the budget */
	size_t doc_len;
	const char *identity, *index, *derived, *os_type; /* in data, after the document */
	int has_stored;                                   /* stored_sha256 is set */
	char stored_sha256[SHA256_HEX_LEN + 1];           /* of the document as the case stores it */
	char data[];
};

struct hit_docs {
	struct kept **buckets;
	size_t nbuckets, count; /* nbuckets: a power of two, at least count */
	struct kept *oldest, *newest;
	size_t bytes, budget;
};

static size_t bucket_of(const struct hit_docs *k, int64_t id)
{
	return (size_t)hash_keyed(&id, sizeof(id)) & (k->nbuckets - 1);
}

struct hit_docs *hit_docs_new(size_t budget)
{
	struct hit_docs *k = xcalloc(1, sizeof(*k));
	k->nbuckets = 1024;
	k->buckets = xcalloc(k->nbuckets, sizeof(*k->buckets));
	k->budget = budget;
	return k;
}

void hit_docs_free(struct hit_docs *k)
{
	if (!k)
		return;
	for (struct kept *e = k->oldest, *next; e; e = next) {
		next = e->newer;
		free(e);
	}
	free(k->buckets);
	free(k);
}

static struct kept *find(const struct hit_docs *k, int64_t id)
{
	struct kept *e = k->buckets[bucket_of(k, id)];
	while (e && e->id != id)
		e = e->next;
	return e;
}

static void grow(struct hit_docs *k)
{
	struct hit_docs bigger = *k;
	bigger.nbuckets = 2 * k->nbuckets;
	bigger.buckets = xcalloc(bigger.nbuckets, sizeof(*bigger.buckets));
	for (struct kept *e = k->oldest; e; e = e->newer) {
		size_t b = bucket_of(&bigger, e->id);
		e->next = bigger.buckets[b];
		bigger.buckets[b] = e;
	}
	free(k->buckets);
	k->buckets = bigger.buckets;
	k->nbuckets = bigger.nbuckets;
}

static void drop_oldest(struct hit_docs *k)
{
	struct kept *e = k->oldest, **at = &k->buckets[bucket_of(k, e->id)];
	while (*at != e)
		at = &(*at)->next;
	*at = e->next;
	k->oldest = e->newer;
	if (!k->oldest)
		k->newest = NULL;
	k->bytes -= e->size;
	k->count--;
	free(e);
}

/* s copied to *at, which moves past it. */
static const char *copy_at(char **at, const char *s)
{
	size_t n = strlen(s);
	char *to = *at;
	memcpy(to, s, n);
	to[n] = '\0';
	*at = to + n + 1;
	return to;
}

void hit_docs_keep(struct hit_docs *k, int64_t id, const struct event_row *row)
{
	if (!row->doc || find(k, id))
		return;
	const char *strings[] = {row->r.identity ? row->r.identity : "", row->r.index, row->r.derived, row->r.os_type};
	size_t size = sizeof(struct kept) + row->doc_len + 1;
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		size += (strings[i] ? strlen(strings[i]) : 0) + 1;
	if (size > k->budget)
		return;
	while (k->oldest && k->bytes + size > k->budget)
		drop_oldest(k);
	struct kept *e = xmalloc(size);
	e->id = id;
	e->size = size;
	e->doc_len = row->doc_len;
	memcpy(e->data, row->doc, row->doc_len);
	e->data[row->doc_len] = '\0';
	char *at = e->data + row->doc_len + 1;
	e->identity = copy_at(&at, strings[0]);
	e->index = row->r.index ? copy_at(&at, row->r.index) : NULL;
	e->derived = row->r.derived ? copy_at(&at, row->r.derived) : NULL;
	e->os_type = row->r.os_type ? copy_at(&at, row->r.os_type) : NULL;
	e->has_stored = row->stored != NULL;
	if (e->has_stored)
		sha256_hex(row->stored, row->stored_len, e->stored_sha256);
	if (k->count == k->nbuckets)
		grow(k);
	size_t b = bucket_of(k, e->id);
	e->next = k->buckets[b];
	k->buckets[b] = e;
	e->newer = NULL;
	if (k->newest)
		k->newest->newer = e;
	else
		k->oldest = e;
	k->newest = e;
	k->bytes += size;
	k->count++;
}

int hit_docs_get(struct hit_docs *k, int64_t id, event_fn fn, void *ctx)
{
	const struct kept *e = k ? find(k, id) : NULL;
	if (!e)
		return 0;
	struct event_row row = {.id = id, .doc = e->data, .doc_len = e->doc_len};
	row.r.identity = e->identity;
	row.r.index = e->index;
	row.r.derived = e->derived;
	row.r.os_type = e->os_type;
	fn(ctx, &row);
	return 1;
}

const char *hit_docs_identity(struct hit_docs *k, int64_t id, const char **index)
{
	const struct kept *e = k ? find(k, id) : NULL;
	if (!e)
		return NULL;
	*index = e->index ? e->index : "";
	return e->identity;
}

const char *hit_docs_stored_sha256(struct hit_docs *k, int64_t id)
{
	const struct kept *e = k ? find(k, id) : NULL;
	return e && e->has_stored ? e->stored_sha256 : NULL;
}
