/* hitdocs: the matched events' documents kept for their alerts (detect/hitdocs.h): a chained
 * hash table by event id over entries listed oldest first. */
#include "detect/hitdocs.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "common/diag.h"
#include "common/digest.h"
#include "common/hash.h"
#include "common/strbuf.h"

struct kept {
	int64_t id;
	struct kept *next;  /* in its bucket */
	struct kept *newer; /* the next kept after it, in its list (in memory, or spilled) */
	size_t size;        /* bytes counted against the budget */
	size_t doc_len;
	int64_t spilled_at; /* where the spill file holds the document; -1: in data */
	int spillable;      /* its run needs it at the pass's end: spilled rather than dropped */
	const char *identity, *index, *derived, *os_type; /* in data, after the document */
	int has_stored;                                   /* stored_sha256 is set */
	char stored_sha256[SHA256_HEX_LEN + 1];           /* of the document as the case stores it */
	char data[];
};

/* A list of kept entries, oldest first. */
struct kept_list {
	struct kept *oldest, *newest;
};

struct hit_docs {
	struct kept **buckets;
	size_t nbuckets, count; /* nbuckets: a power of two, at least count */
	struct kept_list memory, spilled;
	size_t bytes, budget;
	int may_spill; /* a spill file may be made (hit_docs_new) */
	int spill_fd;  /* -1: none yet */
	int64_t spill_end;
	struct strbuf scratch; /* a spilled document read back */
};

static size_t bucket_of(const struct hit_docs *k, int64_t id)
{
	return (size_t)hash_keyed(&id, sizeof(id)) & (k->nbuckets - 1);
}

struct hit_docs *hit_docs_new(size_t budget, int may_spill)
{
	struct hit_docs *k = xcalloc(1, sizeof(*k));
	k->nbuckets = 1024;
	k->buckets = xcalloc(k->nbuckets, sizeof(*k->buckets));
	k->budget = budget;
	k->may_spill = may_spill;
	k->spill_fd = -1;
	strbuf_init(&k->scratch, 0);
	return k;
}

static void free_list(struct kept_list *l)
{
	for (struct kept *e = l->oldest, *next; e; e = next) {
		next = e->newer;
		free(e);
	}
}

void hit_docs_free(struct hit_docs *k)
{
	if (!k)
		return;
	free_list(&k->memory);
	free_list(&k->spilled);
	if (k->spill_fd >= 0)
		close(k->spill_fd);
	strbuf_release(&k->scratch);
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

static void rehash_list(struct hit_docs *bigger, const struct kept_list *l)
{
	for (struct kept *e = l->oldest; e; e = e->newer) {
		size_t b = bucket_of(bigger, e->id);
		e->next = bigger->buckets[b];
		bigger->buckets[b] = e;
	}
}

static void grow(struct hit_docs *k)
{
	struct hit_docs bigger = *k;
	bigger.nbuckets = 2 * k->nbuckets;
	bigger.buckets = xcalloc(bigger.nbuckets, sizeof(*bigger.buckets));
	rehash_list(&bigger, &k->memory);
	rehash_list(&bigger, &k->spilled);
	free(k->buckets);
	k->buckets = bigger.buckets;
	k->nbuckets = bigger.nbuckets;
}

static void append(struct kept_list *l, struct kept *e)
{
	e->newer = NULL;
	if (l->newest)
		l->newest->newer = e;
	else
		l->oldest = e;
	l->newest = e;
}

/* The list's oldest, taken off it and out of its bucket. */
static struct kept *take_oldest(struct hit_docs *k, struct kept_list *l)
{
	struct kept *e = l->oldest, **at = &k->buckets[bucket_of(k, e->id)];
	while (*at != e)
		at = &(*at)->next;
	*at = e->next;
	l->oldest = e->newer;
	if (!l->oldest)
		l->newest = NULL;
	k->bytes -= e->size;
	k->count--;
	return e;
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

/* An entry for id: its document (doc_len bytes, or none when doc is NULL) and strings copied
 * into it, counted as its size. */
static struct kept *new_entry(int64_t id, const char *doc, size_t doc_len, const char *const strings[4])
{
	size_t size = sizeof(struct kept) + (doc ? doc_len + 1 : 0);
	for (size_t i = 0; i < 4; i++)
		size += (strings[i] ? strlen(strings[i]) : 0) + 1;
	struct kept *e = xmalloc(size);
	e->id = id;
	e->size = size;
	e->doc_len = doc_len;
	e->spilled_at = -1;
	e->spillable = 0;
	char *at = e->data;
	if (doc) {
		memcpy(at, doc, doc_len);
		at[doc_len] = '\0';
		at += doc_len + 1;
	}
	e->identity = copy_at(&at, strings[0] ? strings[0] : "");
	e->index = strings[1] ? copy_at(&at, strings[1]) : NULL;
	e->derived = strings[2] ? copy_at(&at, strings[2]) : NULL;
	e->os_type = strings[3] ? copy_at(&at, strings[3]) : NULL;
	return e;
}

static void insert(struct hit_docs *k, struct kept_list *l, struct kept *e)
{
	if (k->count == k->nbuckets)
		grow(k);
	size_t b = bucket_of(k, e->id);
	e->next = k->buckets[b];
	k->buckets[b] = e;
	append(l, e);
	k->bytes += e->size;
	k->count++;
}

/* A file of the spilled documents, unlinked at once: it goes with the process. */
static int spill_file(struct hit_docs *k)
{
	if (k->spill_fd >= 0)
		return k->spill_fd;
	const char *dir = getenv("TMPDIR");
	struct strbuf path;
	strbuf_init(&path, 64);
	strbuf_addf(&path, "%s/casebook-hitdocs-XXXXXX", dir && *dir ? dir : "/tmp");
	k->spill_fd = mkstemp(path.buf);
	if (k->spill_fd >= 0)
		unlink(path.buf);
	else
		k->may_spill = 0; /* dropped, as without a file */
	strbuf_release(&path);
	return k->spill_fd;
}

/* The oldest document in memory written to the spill file, its entry kept without it; 0, or
 * -1 when it cannot be (then it is dropped, and read again from the source if it alerts). */
static int spill_oldest(struct hit_docs *k)
{
	struct kept *e = take_oldest(k, &k->memory);
	int fd = spill_file(k);
	const char *strings[4] = {e->identity, e->index, e->derived, e->os_type};
	ssize_t wrote = fd < 0 ? -1 : pwrite(fd, e->data, e->doc_len, (off_t)k->spill_end);
	if (wrote < 0 || (size_t)wrote != e->doc_len) {
		free(e);
		return -1;
	}
	struct kept *s = new_entry(e->id, NULL, e->doc_len, strings);
	s->spilled_at = k->spill_end;
	s->has_stored = e->has_stored;
	memcpy(s->stored_sha256, e->stored_sha256, sizeof(s->stored_sha256));
	k->spill_end += (int64_t)e->doc_len;
	free(e);
	insert(k, &k->spilled, s);
	return 0;
}

/* Room for size more bytes: the oldest documents in memory spilled (when their runs need them
 * at the end and a file can hold them) or dropped, then the oldest spilled entries dropped. */
static void make_room(struct hit_docs *k, size_t size)
{
	while (k->bytes + size > k->budget && (k->memory.oldest || k->spilled.oldest)) {
		const struct kept *m = k->memory.oldest;
		if (!m)
			free(take_oldest(k, &k->spilled));
		else if (m->spillable && k->may_spill)
			spill_oldest(k); /* smaller now; or dropped, when it could not be written */
		else
			free(take_oldest(k, &k->memory));
	}
}

void hit_docs_keep(struct hit_docs *k, int64_t id, const struct event_row *row, int needed_at_end)
{
	if (!row->doc || find(k, id))
		return;
	const char *strings[4] = {row->r.identity, row->r.index, row->r.derived, row->r.os_type};
	size_t size = sizeof(struct kept) + row->doc_len + 1;
	for (size_t i = 0; i < 4; i++)
		size += (strings[i] ? strlen(strings[i]) : 0) + 1;
	if (size > k->budget)
		return;
	make_room(k, size);
	struct kept *e = new_entry(id, row->doc, row->doc_len, strings);
	e->spillable = needed_at_end;
	e->has_stored = row->stored != NULL;
	if (e->has_stored)
		sha256_hex(row->stored, row->stored_len, e->stored_sha256);
	insert(k, &k->memory, e);
}

/* A spilled document read back into k's scratch; NULL when the read fails. */
static const char *read_spilled(struct hit_docs *k, const struct kept *e)
{
	strbuf_reset(&k->scratch);
	strbuf_grow(&k->scratch, e->doc_len + 1);
	ssize_t got = pread(k->spill_fd, k->scratch.buf, e->doc_len, (off_t)e->spilled_at);
	if (got < 0 || (size_t)got != e->doc_len)
		return NULL;
	k->scratch.len = e->doc_len;
	k->scratch.buf[e->doc_len] = '\0';
	return k->scratch.buf;
}

int hit_docs_get(struct hit_docs *k, int64_t id, event_fn fn, void *ctx)
{
	const struct kept *e = k ? find(k, id) : NULL;
	if (!e)
		return 0;
	const char *doc = e->spilled_at < 0 ? e->data : read_spilled(k, e);
	if (!doc)
		return 0; /* read again from the source */
	struct event_row row = {.id = id, .doc = doc, .doc_len = e->doc_len};
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
