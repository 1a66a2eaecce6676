/* jsontape: a strict, validating JSON parser that records every value as a token with its
 * byte span, instead of building a tree (cf. simdjson's tape).
 *
 * Why not cJSON here: ingest needs the exact byte offset of an error (for FILE:LINE:COLUMN),
 * the original text of each event (stored as it came, numbers unrounded, never
 * re-serialised), and Kibana Dev Tools' triple-quoted strings. The parser writes a minified
 * copy of the input (whitespace outside strings removed, """...""" turned into JSON
 * strings) and the tokens point into that copy. */
#ifndef CASEBOOK_JSONTAPE_H
#define CASEBOOK_JSONTAPE_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

#define JT_MAX_DEPTH 512

enum jt_type { JT_OBJECT, JT_ARRAY, JT_STRING, JT_NUMBER, JT_TRUE, JT_FALSE, JT_NULL };

struct jt_token {
	uint32_t type;  /* enum jt_type */
	uint32_t start; /* span in jtape.text; strings include their quotes */
	uint32_t end;
	uint32_t next; /* index of the token after this value and all it contains */
};

struct jtape {
	struct jt_token *tok;
	size_t ntok, alloc;
	struct strbuf text; /* the minified document */
};

struct jt_error {
	size_t offset;  /* byte offset in the input where the error was found */
	int incomplete; /* the input ended before the value did */
	char msg[120];
};

void jtape_init(struct jtape *t);
void jtape_release(struct jtape *t);

/* Parses exactly one JSON value that fills in[0..len) (whitespace around it allowed).
 * Returns 0, or -1 with *err filled in. */
int jtape_parse(struct jtape *t, const char *in, size_t len, struct jt_error *err);

/* Parses the one JSON value that starts in[0..len) (after whitespace) and stops after it;
 * *used is how many bytes it took. With err->incomplete set, the value may simply continue
 * beyond len. */
int jtape_parse_prefix(struct jtape *t, const char *in, size_t len, size_t *used, struct jt_error *err);

/* Object member lookup: returns the index of the value token for key in the object at
 * token obj, or -1. Keys are compared with their JSON escapes as written. */
long jtape_member(const struct jtape *t, size_t obj, const char *key);

/* Appends the unescaped value of string token i to out (UTF-8; \u0000 becomes U+2400 so
 * the result stays a C string; lone surrogates become U+FFFD). */
void jtape_unescape(const struct jtape *t, size_t i, struct strbuf *out);

/* Unescapes JSON string content (without quotes) into out. */
void json_unescape_append(struct strbuf *out, const char *s, size_t len);

#endif
