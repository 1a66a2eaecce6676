/* uuidset: a set of uuids (hex, dashes or not), each kept as its first 128 bits in an
 * open-addressing table: detect's record of the alerts a run has met, so that overlapping
 * windows count an alert once. */
#ifndef CASEBOOK_UUIDSET_H
#define CASEBOOK_UUIDSET_H

#include <stddef.h>
#include <stdint.h>

struct uuid_set {
	uint64_t (*slot)[2]; /* all zero: free */
	size_t cap, n;
	size_t probes; /* slots examined by uuid_set_add: the work done, for tests */
};

void uuid_set_release(struct uuid_set *u);
int uuid_set_has(const struct uuid_set *u, const char *uuid);
/* Adds uuid; returns 1 when it was not in the set yet. */
int uuid_set_add(struct uuid_set *u, const char *uuid);

#endif
