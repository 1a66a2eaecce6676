/* wildcard: whole-value glob matching shared by the query languages. A pattern is a list of
 * literal pieces with a '*' (any run of bytes, '/' and control characters included) between
 * each two; so "a*b" is {"a", "b"} and "*" is {"", ""}. Literal stars stay inside pieces,
 * so the parsers decide what is a wildcard and what is escaped. */
#ifndef CASEBOOK_WILDCARD_H
#define CASEBOOK_WILDCARD_H

#include <stddef.h>

enum wildcard_flags {
	WILDCARD_CASELESS = 1 << 0, /* ASCII case-insensitive (EQL ':' and '~' forms) */
	WILDCARD_QMARK = 1 << 1,    /* '?' in a piece matches one character (EQL like) */
};

struct wpat {
	size_t n;     /* pieces; n >= 1, and n == 1 means no wildcard at all */
	char **piece; /* NUL-terminated; pieces may not contain NUL */
	size_t *len;
};

void wpat_init(struct wpat *p);
void wpat_add_piece(struct wpat *p, const char *s, size_t len);
void wpat_release(struct wpat *p);
int wpat_has_wildcard(const struct wpat *p);
/* The literal prefix every match starts with (piece 0). */
const char *wpat_prefix(const struct wpat *p, size_t *len);

/* An Elasticsearch wildcard query's value (a filter's wildcard query, an exception's "matches"):
 * '*' any run, '?' one character, '\\' makes the next character literal (a trailing one is
 * itself). Fills pat (initialized) and returns the flags it needs (WILDCARD_QMARK when a '?' is a
 * wildcard), or -1 when it holds both an escaped and an unescaped '?', which a wpat cannot tell
 * apart (pat is filled all the same, every '?' in it a wildcard under WILDCARD_QMARK). */
int wildcard_es_pattern(const char *value, struct wpat *pat);

/* Whether the whole of s[0..len) matches. */
int wildcard_match(const struct wpat *p, const char *s, size_t len, unsigned flags);

#endif
