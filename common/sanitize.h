/* sanitize: the one path from untrusted bytes to anything a person sees.
 *
 * Every string that came from input (event fields, file names, rule text, notes) passes
 * through sanitize_append() before it reaches a terminal, the console or an export. The
 * output is valid UTF-8 in which nothing can move a cursor, change colours, set a title
 * or reorder text:
 *   - C0 controls and DEL become Control Pictures (ESC -> U+241B, CR -> U+240D, ...);
 *   - TAB becomes one space; LF becomes U+2424 unless SAN_MULTILINE keeps it;
 *   - C1 controls, bidi overrides/isolates/marks, line/paragraph separators and every
 *     character drawn as nothing (format characters, Unicode category Cf, and the
 *     default-ignorable ones: zero-width, TAG characters, variation selectors, Hangul
 *     fillers, ...) and noncharacters become the visible text "\uXXXX" ("\UXXXXXXXX"
 *     past U+FFFF);
 *   - each byte of invalid UTF-8 (bad lead, truncated, overlong, surrogate, > U+10FFFF)
 *     becomes the visible text "\xNN".
 * It never fails and never drops a byte without showing it. */
#ifndef CASEBOOK_SANITIZE_H
#define CASEBOOK_SANITIZE_H

#include <stddef.h>

#include "common/strbuf.h"

enum sanitize_flags {
	SAN_MULTILINE = 1 << 0, /* keep LF as a line break (notes, guides) */
};

void sanitize_append(struct strbuf *out, const char *s, size_t len, unsigned flags);
/* Returns a newly allocated sanitized copy of s (NULL is treated as ""). */
char *sanitize_dup(const char *s, unsigned flags);

/* Decodes one UTF-8 sequence at s (len > 0). Returns its length and stores the code point
 * in *cp, or returns 0 when the bytes are not valid, shortest-form UTF-8. */
size_t utf8_decode(const unsigned char *s, size_t len, unsigned *cp);

/* Copies JSON text (valid JSON, as the store keeps it) so that it is safe on a terminal and
 * still means the same: inside strings, control, C1, bidi and invisible characters become
 * \uXXXX escapes (a surrogate pair past U+FFFF); invalid UTF-8 bytes become \uFFFD (JSON
 * has no way to carry them). */
void sanitize_json_append(struct strbuf *out, const char *json, size_t len);
/* Appends s as a quoted JSON string, escaped the same way. */
void json_quote_append(struct strbuf *out, const char *s, size_t len);
#endif
