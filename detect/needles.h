/* needles: a cheap test that rules most documents out before they are parsed. A query
 * yields a set of literals (needles) such that any event it matches has at least one of
 * them, ASCII case aside, in its JSON text; a document with none of them cannot match and
 * is skipped. Exactness: a needle holds a letter (so it can never equal a number written
 * another way), is at least 3 bytes, and never comes from a field casebook may derive
 * (host.os.type). JSON escapes can hide text, so a document with a \u or \/ escape is always
 * parsed, and so is one holding U+0130 or U+212A, which a keyword's lowercase normalizer maps to
 * ASCII's i and k. The query languages fill the set (kql_needles, eql_needles). */
#ifndef CASEBOOK_NEEDLES_H
#define CASEBOOK_NEEDLES_H

#include <stddef.h>

#define NEEDLES_MAX 32 /* more alternatives than this: every document is parsed */

struct needles {
	int usable; /* 0: no set could be found; every document is parsed */
	size_t n;
	char **text; /* lower-cased */
	size_t *len;
	size_t anchor[NEEDLES_MAX]; /* each needle's rarest byte: set by needles_finish */
};

void needles_init(struct needles *nd);
void needles_release(struct needles *nd);
/* Whether a literal may serve as a needle (see above); field is the one it is compared with. */
int needle_candidate(const char *field, const char *s, size_t len);
/* The set {s}. */
void needles_one(struct needles *nd, const char *s, size_t len);
/* Either of two sets must hold: out = a ∪ b (unusable when either is); a and b are consumed. */
void needles_union(struct needles *out, struct needles *a, struct needles *b);
/* Both sets hold: keeps the more selective one in out; a and b are consumed. */
void needles_best(struct needles *out, struct needles *a, struct needles *b);
/* The longest literal run of a wildcard pattern (cut at '*' and, when qmark, at '?'). */
void needles_from_pattern(struct needles *nd, const char *field, const char *const *pieces, const size_t *lens,
                          size_t npieces, int qmark);

/* Prepares a finished set for needles_admit. */
void needles_finish(struct needles *nd);
/* Whether the document (JSON text) may match: 1 unless the set is usable and no needle is in it. */
int needles_admit(const struct needles *nd, const char *doc, size_t len);

/* Every rule's needles in one automaton, so a document is read once for all the rules of a
 * scan instead of once per rule and needle: Hyperscan's (SIMD, several times faster) where
 * casebook was built with it, else an Aho–Corasick automaton over the lower-cased needles.
 * Both answer the same; the tests compare them. */
enum needle_engine { NEEDLE_HYPERSCAN, NEEDLE_AHO_CORASICK };
struct needle_index;
/* The best engine built in. */
struct needle_index *needle_index_new(void);
/* This engine (the automaton when Hyperscan is not built in). */
struct needle_index *needle_index_new_engine(enum needle_engine engine);
/* The engine serving (after build: the automaton if Hyperscan refused the needles). */
enum needle_engine needle_index_engine(const struct needle_index *x);
/* Adds a finished set; returns its number. */
size_t needle_index_add(struct needle_index *x, const struct needles *nd);
/* After the last add. */
void needle_index_build(struct needle_index *x);
/* Reads a document once; needle_index_admits then answers for each set, as needles_admit. */
void needle_index_scan(struct needle_index *x, const char *doc, size_t len);
int needle_index_admits(const struct needle_index *x, size_t set);
void needle_index_free(struct needle_index *x);

#endif
