#include "common/uuidset.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/strbuf.h"

/* The uuid's first 128 bits (never all zero: that marks a free slot). */
static void uuid_key(const char *uuid, uint64_t key[2])
{
	key[0] = key[1] = 0;
	for (size_t i = 0; i < 32 && uuid[i]; i++) {
		char c = uuid[i];
		uint64_t v = c >= '0' && c <= '9'   ? (uint64_t)(c - '0')
		             : c >= 'a' && c <= 'f' ? (uint64_t)(c - 'a' + 10)
		                                    : 0;
		key[i / 16] = key[i / 16] << 4 | v;
	}
	if (!key[0] && !key[1])
		key[1] = 1;
}

static int is_free(const uint64_t slot[2])
{
	return !slot[0] && !slot[1];
}

/* The slot holding key, or the free one where it would go; *probes counts the slots seen. */
static size_t uuid_slot(const struct uuid_set *u, const uint64_t key[2], size_t *probes)
{
	size_t mask = u->cap - 1;
	/* placed by the keyed hash, not by the uuid's bits: those are a SHA-256 of the input's
	 * document ids, and grinding ids for uuids that share low bits is cheap */
	for (size_t i = (size_t)hash_keyed(key, 2 * sizeof(*key)) & mask;; i = (i + 1) & mask) {
		++*probes;
		if ((u->slot[i][0] == key[0] && u->slot[i][1] == key[1]) || is_free(u->slot[i]))
			return i;
	}
}

void uuid_set_release(struct uuid_set *u)
{
	free(u->slot);
	memset(u, 0, sizeof(*u));
}

int uuid_set_has(const struct uuid_set *u, const char *uuid)
{
	if (!u->n)
		return 0;
	uint64_t key[2];
	uuid_key(uuid, key);
	size_t probes = 0, i = uuid_slot(u, key, &probes);
	return !is_free(u->slot[i]);
}

static void grow(struct uuid_set *u)
{
	struct uuid_set old = *u;
	u->cap = old.cap ? old.cap * 2 : 1024;
	u->slot = xcalloc(u->cap, sizeof(*u->slot));
	for (size_t i = 0; i < old.cap; i++)
		if (!is_free(old.slot[i])) {
			size_t at = uuid_slot(u, old.slot[i], &u->probes);
			u->slot[at][0] = old.slot[i][0];
			u->slot[at][1] = old.slot[i][1];
		}
	free(old.slot);
}

int uuid_set_add(struct uuid_set *u, const char *uuid)
{
	if ((u->n + 1) * 2 > u->cap) /* at most half full */
		grow(u);
	uint64_t key[2];
	uuid_key(uuid, key);
	size_t at = uuid_slot(u, key, &u->probes);
	if (!is_free(u->slot[at]))
		return 0;
	u->slot[at][0] = key[0];
	u->slot[at][1] = key[1];
	u->n++;
	return 1;
}
