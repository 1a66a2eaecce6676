#include "common/strpool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/strbuf.h"

enum { BLOCK_SIZE = 64 * 1024 };

struct strpool_block {
	struct strpool_block *next;
	size_t used, size;
	char data[];
};

void strpool_init(struct strpool *p)
{
	memset(p, 0, sizeof(*p));
}

void strpool_release(struct strpool *p)
{
	while (p->blocks) {
		struct strpool_block *b = p->blocks;
		p->blocks = b->next;
		free(b);
	}
	free(p->strings);
	free(p->slots);
	strpool_init(p);
}

static char *pool_alloc(struct strpool *p, size_t n)
{
	struct strpool_block *b = p->blocks;
	if (!b || b->size - b->used < n) {
		/* a string larger than a block gets a block of its own, behind the current one */
		size_t size = n > BLOCK_SIZE ? n : BLOCK_SIZE;
		struct strpool_block *nb = xmalloc(sizeof(*nb) + size);
		nb->used = 0, nb->size = size;
		if (b && n > BLOCK_SIZE) {
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			p->blocks = nb;
		}
		b = nb;
	}
	char *out = b->data + b->used;
	b->used += n;
	return out;
}

static const char *copy_len(struct strpool *p, const char *s, size_t len)
{
	char *c = pool_alloc(p, len + 1);
	memcpy(c, s, len);
	c[len] = '\0';
	return c;
}

const char *strpool_copy(struct strpool *p, const char *s)
{
	s = s ? s : "";
	return copy_len(p, s, strlen(s));
}

static void grow_table(struct strpool *p)
{
	free(p->slots);
	p->nslots = p->nslots ? p->nslots * 2 : 256;
	p->slots = xcalloc(p->nslots, sizeof(*p->slots));
	for (size_t id = 0; id < p->nstrings; id++) {
		const char *s = p->strings[id];
		size_t i = hash_keyed(s, strlen(s)) & (p->nslots - 1);
		while (p->probes++, p->slots[i])
			i = (i + 1) & (p->nslots - 1);
		p->slots[i] = id + 1;
	}
}

/* The slot holding s, or the empty slot where it would go; the table must have one. */
static size_t slot_of(const struct strpool *p, const char *s, size_t len, size_t *probes)
{
	size_t i = hash_keyed(s, len) & (p->nslots - 1);
	while (++*probes, p->slots[i] && strcmp(p->strings[p->slots[i] - 1], s))
		i = (i + 1) & (p->nslots - 1);
	return i;
}

const char *strpool_find(const struct strpool *p, const char *s)
{
	s = s ? s : "";
	if (!p->nslots)
		return NULL;
	size_t probes = 0, i = slot_of(p, s, strlen(s), &probes);
	return p->slots[i] ? p->strings[p->slots[i] - 1] : NULL;
}

const char *strpool_intern(struct strpool *p, const char *s, size_t *id)
{
	s = s ? s : "";
	size_t len = strlen(s);
	if ((p->nstrings + 1) * 2 > p->nslots) /* at most half full */
		grow_table(p);
	size_t i = slot_of(p, s, len, &p->probes);
	if (!p->slots[i]) {
		if (p->nstrings == p->cap_strings) {
			p->cap_strings = p->cap_strings ? p->cap_strings * 2 : 64;
			p->strings = xrealloc(p->strings, p->cap_strings * sizeof(*p->strings));
		}
		p->strings[p->nstrings] = copy_len(p, s, len);
		p->slots[i] = ++p->nstrings;
	}
	if (id)
		*id = p->slots[i] - 1;
	return p->strings[p->slots[i] - 1];
}

size_t strpool_count(const struct strpool *p)
{
	return p->nstrings;
}

const char *strpool_string(const struct strpool *p, size_t id)
{
	return id < p->nstrings ? p->strings[id] : NULL;
}
