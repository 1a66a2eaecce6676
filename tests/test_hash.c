/* Hash tables fed by input resist flooding: keys built to collide under the FNV-1a that
 * casebook once used (which anyone can compute) cost a few probes each, counted, not a probe
 * for every key before them; and SipHash-1-3 gives the reference's answers. */
#include "tests/testutil.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/strpool.h"
#include "common/uuidset.h"
#include "detect/sequence.h"

enum {
	COLLIDING_BITS = 13,                  /* 2^13 keys */
	NKEYS = 1 << COLLIDING_BITS,          /* each costs a few probes in a sound table, */
	BLOCK = 4,                            /* thousands in a flooded one */
	KEY_LEN = COLLIDING_BITS * BLOCK + 1, /* with the NUL */
	MAX_PROBES_PER_KEY = 8,               /* growth's rehashing included */
};

#define LOW24 ((UINT64_C(1) << 24) - 1)

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
	return h;
}

struct candidate {
	uint32_t low;
	char block[BLOCK];
};

static int by_low(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	return (x->low > y->low) - (x->low < y->low);
}

/* Two blocks that take state h to the same low 24 bits (a birthday search over 16,384
 * blocks of bytes); the low bits of FNV-1a depend on nothing above them, so whatever
 * follows keeps them equal. */
static void colliding_blocks(uint64_t h, char a[BLOCK], char b[BLOCK])
{
	enum { N = 16384 };
	struct candidate *c = malloc(N * sizeof(*c));
	for (int i = 0; i < N; i++) {
		uint32_t spread = (uint32_t)i * UINT32_C(0x9E3779B1); /* bytes 1..255: no NUL */
		for (int k = 0; k < BLOCK; k++)
			c[i].block[k] = (char)(1 + (spread >> (8 * k) & 0xFF) % 255);
		c[i].low = (uint32_t)(fnv1a(h, c[i].block, BLOCK) & LOW24);
	}
	qsort(c, N, sizeof(*c), by_low);
	int i = 0;
	while (i + 1 < N && (c[i].low != c[i + 1].low || !memcmp(c[i].block, c[i + 1].block, BLOCK)))
		i++;
	assert_true(i + 1 < N);
	memcpy(a, c[i].block, BLOCK);
	memcpy(b, c[i + 1].block, BLOCK);
	free(c);
}

/* NKEYS distinct strings whose FNV-1a hashes share their low 24 bits (Joux's multicollision:
 * a choice of two blocks at each of COLLIDING_BITS positions). */
static char (*flooding_keys(void))[KEY_LEN]
{
	char pairs[COLLIDING_BITS][2][BLOCK];
	uint64_t h = UINT64_C(1469598103934665603);
	for (int k = 0; k < COLLIDING_BITS; k++) {
		colliding_blocks(h, pairs[k][0], pairs[k][1]);
		h = fnv1a(h, pairs[k][0], BLOCK);
	}
	char(*keys)[KEY_LEN] = malloc(NKEYS * sizeof(*keys));
	for (int n = 0; n < NKEYS; n++) {
		for (int k = 0; k < COLLIDING_BITS; k++)
			memcpy(keys[n] + k * BLOCK, pairs[k][(n >> k) & 1], BLOCK);
		keys[n][KEY_LEN - 1] = '\0';
	}
	uint64_t first = fnv1a(UINT64_C(1469598103934665603), keys[0], KEY_LEN - 1) & LOW24;
	for (int n = 1; n < NKEYS; n++) /* the keys really do collide */
		assert_int_equal(fnv1a(UINT64_C(1469598103934665603), keys[n], KEY_LEN - 1) & LOW24, first);
	return keys;
}

static void test_siphash13_reference_values(void **state)
{
	(void)state;
	/* CPython's hash of bytes is SipHash-1-3; with PYTHONHASHSEED=0 its key is all zero:
	 * PYTHONHASHSEED=0 python3 -c 'print(hash(b"a") & (2**64 - 1))' */
	assert_true(siphash13(0, 0, "a", 1) == UINT64_C(4644417185603328019));
	assert_true(siphash13(0, 0, "abcdefgh", 8) == UINT64_C(4574395652268504554));
	assert_true(siphash13(0, 0, "abcdefghi", 9) == UINT64_C(17913969820989044453));
	unsigned char bytes[64];
	for (int i = 0; i < 64; i++)
		bytes[i] = (unsigned char)i;
	assert_true(siphash13(0, 0, bytes, 15) == UINT64_C(17514137373579004394));
	assert_true(siphash13(0, 0, bytes, 64) == UINT64_C(8493894268803903686));
	/* the process's key is one key: the same bytes, the same hash; and not the zero key */
	assert_true(hash_keyed("abc", 3) == hash_keyed("abc", 3));
	assert_true(hash_keyed("abc", 3) != siphash13(0, 0, "abc", 3));
}

/* the string pool: detect's hit strings, threshold and new_terms keys, the tree's entities,
 * the console's hosts, rules and statuses */
static void test_string_pool_is_not_flooded(void **state)
{
	(void)state;
	char(*keys)[KEY_LEN] = flooding_keys();
	struct strpool p;
	strpool_init(&p);
	for (int n = 0; n < NKEYS; n++) {
		size_t id;
		strpool_intern(&p, keys[n], &id);
		assert_int_equal(id, n); /* ids in order of first appearance, whatever the hash */
	}
	assert_int_equal(strpool_count(&p), NKEYS);
	for (int n = 0; n < NKEYS; n++)
		assert_ptr_equal(strpool_find(&p, keys[n]), strpool_string(&p, (size_t)n));
	print_message("string pool: %zu probes for %d keys\n", p.probes, NKEYS);
	if (p.probes > (size_t)MAX_PROBES_PER_KEY * NKEYS)
		fail_msg("%zu probes for %d keys", p.probes, NKEYS);
	strpool_release(&p);
	free(keys);
}

static int count_completed(void *ctx, const int64_t *ids, size_t n)
{
	(void)ids, (void)n;
	++*(int *)ctx;
	return 0;
}

/* an EQL sequence's pending sequences, by join key */
static void test_sequence_join_keys_are_not_flooded(void **state)
{
	(void)state;
	char(*keys)[KEY_LEN] = flooding_keys();
	struct seq_matcher *m = seq_new(2, 0);
	int completed = 0;
	for (int n = 0; n < 2 * NKEYS; n++) { /* every key starts a sequence, then ends it */
		const char *key = keys[n % NKEYS];
		const char *const first[] = {key, NULL, NULL}, *const second[] = {NULL, key, NULL};
		struct seq_input in = {.id = n, .ts = n, .keys = n < NKEYS ? first : second};
		assert_int_equal(seq_feed(m, &in, count_completed, &completed), 0);
	}
	assert_int_equal(completed, NKEYS);
	assert_int_equal(seq_pending(m), 0);
	print_message("sequence: %zu probes for %d keys\n", seq_probes(m), 2 * NKEYS);
	if (seq_probes(m) > (size_t)MAX_PROBES_PER_KEY * 2 * NKEYS)
		fail_msg("%zu probes for %d keys", seq_probes(m), 2 * NKEYS);
	seq_free(m);
	free(keys);
}

/* the alert uuids a detect run has met: SHA-256 hex, which anyone can grind for low bits;
 * here the first 64 bits differ only above bit 24 */
static void test_uuid_set_is_not_flooded(void **state)
{
	(void)state;
	struct uuid_set u = {0};
	char uuid[65];
	for (int n = 0; n < NKEYS; n++) {
		snprintf(uuid, sizeof(uuid), "%010x000000%016x%032x", n, n, 0);
		assert_int_equal(uuid_set_add(&u, uuid), 1);
	}
	assert_int_equal(u.n, NKEYS);
	snprintf(uuid, sizeof(uuid), "%010x000000%016x%032x", 5, 5, 0);
	assert_int_equal(uuid_set_add(&u, uuid), 0);
	assert_true(uuid_set_has(&u, uuid));
	snprintf(uuid, sizeof(uuid), "%010x000000%016x%032x", NKEYS, NKEYS, 0);
	assert_false(uuid_set_has(&u, uuid));
	print_message("uuid set: %zu probes for %d uuids\n", u.probes, NKEYS);
	if (u.probes > (size_t)MAX_PROBES_PER_KEY * NKEYS)
		fail_msg("%zu probes for %d uuids", u.probes, NKEYS);
	uuid_set_release(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_siphash13_reference_values),
	    cmocka_unit_test(test_string_pool_is_not_flooded),
	    cmocka_unit_test(test_sequence_join_keys_are_not_flooded),
	    cmocka_unit_test(test_uuid_set_is_not_flooded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
