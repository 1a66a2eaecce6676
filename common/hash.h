/* hash: the one hash for every hash table whose keys come from input (interned strings,
 * sequence join keys, alert uuids, host names). Keys chosen by an attacker must not pile into
 * one chain: FNV-1a is known to everyone, so 2^17 keys that collide in their low 24 bits made
 * threshold and new_terms rules, the process tree and the console's queue quadratic. This is
 * SipHash-1-3 (Aumasson and Bernstein's SipHash with one compression and three finalization
 * rounds, as Python and Rust use for their tables) under a 128-bit key drawn once per process
 * from getrandom(2): where a key lands cannot be predicted, so no order casebook shows may
 * depend on it. */
#ifndef CASEBOOK_HASH_H
#define CASEBOOK_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The process's keyed hash of len bytes at p. */
uint64_t hash_keyed(const void *p, size_t len);
/* SipHash-1-3 of len bytes at p under the key (k0, k1), as the reference defines it. */
uint64_t siphash13(uint64_t k0, uint64_t k1, const void *p, size_t len);

#endif
