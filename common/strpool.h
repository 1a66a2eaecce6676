/* strpool: strings that live as long as the pool, allocated in large blocks (one free for
 * all of them) and, when interned, stored once: equal interned strings are the same pointer
 * and have the same small id (0, 1, 2, ... in order of first appearance). The console's queue
 * holds hundreds of thousands of rows whose host, rule, severity and status repeat; detection
 * uses one as the set of alert uuids a run has met. */
#ifndef CASEBOOK_STRPOOL_H
#define CASEBOOK_STRPOOL_H

#include <stddef.h>

struct strpool {
	struct strpool_block *blocks;
	const char **strings; /* interned, by id */
	size_t nstrings, cap_strings;
	size_t *slots; /* open-addressing table of id + 1 (0: empty) */
	size_t nslots;
	size_t probes; /* slots examined by lookups and growth: the work done, for tests */
};

void strpool_init(struct strpool *p);
void strpool_release(struct strpool *p); /* frees every string; the pool can be used again */
/* A copy of s (NULL reads as "") that lives as long as the pool. */
const char *strpool_copy(struct strpool *p, const char *s);
/* The pool's one copy of s (NULL reads as ""); *id (when not NULL) gets its id. */
const char *strpool_intern(struct strpool *p, const char *s, size_t *id);
/* The pool's copy of s when s was interned, else NULL: the pool as a set. */
const char *strpool_find(const struct strpool *p, const char *s);
/* How many distinct strings were interned, and one by id. */
size_t strpool_count(const struct strpool *p);
const char *strpool_string(const struct strpool *p, size_t id);

#endif
