/* casemap: Java's case mappings of UTF-8 text, the one implementation every query language
 * uses. The lowercase normalizer of an Elasticsearch keyword is Lucene's LowerCaseFilter:
 * Character.toLowerCase of each code point (every letter with a case, not ASCII's alone: É is é,
 * U+0130 İ is i, the Kelvin sign U+212A is k); ES|QL's TO_LOWER/TO_UPPER are String's whole-string
 * mappings (Locale.ROOT). Bytes that are no UTF-8 stay as they are. */
#ifndef CASEBOOK_CASEMAP_H
#define CASEBOOK_CASEMAP_H

#include <stddef.h>
#include <stdint.h>

/* A string's length as Java's String.length counts it: UTF-16 code units. */
size_t casemap_utf16_units(const char *s);

/* The code point at s (its bytes in *len); a byte that starts no well-formed UTF-8 sequence is
 * UINT32_MAX, one byte long. s must be NUL-terminated (or hold a whole sequence). */
uint32_t casemap_utf8_next(const unsigned char *s, size_t *len);

/* text with each code point's case mapped (malloc'd). whole: as Java's String.toLowerCase /
 * toUpperCase (Locale.ROOT) map a string (SpecialCasing's unconditional mappings, the final
 * sigma); else one code point at a time, as Lucene's LowerCaseFilter (Character.toLowerCase). */
char *casemap(const char *text, int upper, int whole);

/* s[0, len) through the lowercase normalizer (LowerCaseFilter), malloc'd and NUL-terminated.
 * No NUL may be inside. */
char *casemap_lower(const char *s, size_t len);

/* Whether s[0, len) is all ASCII, so that ASCII's lower-casing is the normalizer's. */
int casemap_is_ascii(const char *s, size_t len);

/* Compares a and b each through the lowercase normalizer, in the order Lucene compares terms
 * (their UTF-8 bytes, unsigned): <0, 0, >0. No allocation. */
int casemap_lower_cmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
