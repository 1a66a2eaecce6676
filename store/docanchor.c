/* docanchor: an alert document's anchor hash from its text (store/docanchor.h). One pass that
 * checks the text is strict, minified JSON and finds the top-level member to cut. */
#include "store/docanchor.h"

#include <stdint.h>
#include <string.h>

enum { MAX_DEPTH = 1000 };

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The first of the 8 bytes at p that may end a plain run of a string (a quote, a backslash, a
 * control character, the text's NUL), or 8 when none does: a test of the word at once, as a
 * byte at a time was most of the time this file takes. */
static int first_special(const char *p)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t w;
	memcpy(&w, p, sizeof(w));
	uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
	uint64_t hit = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | ((w - ones * 0x20) & ~w);
	if (!(hit & highs))
		return 8;
	for (int i = 0; i < 8; i++) /* the word test may flag a byte after the first; this is exact */
		if ((unsigned char)p[i] < 0x20 || p[i] == '"' || p[i] == '\\')
			return i;
	return 8;
}

/* *p at a string's opening quote: moved past its closing one. 1 when it holds an escape, 0
 * when not, -1 when it is not a JSON string (a raw control character, a bad escape, no end).
 * end is the text's end: whole words are read only before it. */
static int skip_string(const char **p, const char *end)
{
	const char *at = *p + 1;
	int escaped = 0;
	for (;;) {
		while (end - at >= 8) {
			int plain = first_special(at);
			at += plain;
			if (plain < 8)
				break;
		}
		unsigned char c = (unsigned char)*at;
		if (c < 0x20)
			return -1; /* the text's end included */
		if (c == '"')
			break;
		if (c != '\\') {
			at++;
			continue;
		}
		escaped = 1;
		c = (unsigned char)at[1];
		if (c == 'u') {
			for (int i = 2; i < 6; i++)
				if (!is_hex(at[i]))
					return -1;
			at += 6;
		} else if (c && strchr("\"\\/bfnrt", c)) {
			at += 2;
		} else {
			return -1;
		}
	}
	*p = at + 1;
	return escaped;
}

static const char *skip_digits(const char *p)
{
	while (is_digit(*p))
		p++;
	return p;
}

/* RFC 8259's number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int skip_number(const char **p)
{
	const char *at = *p;
	if (*at == '-')
		at++;
	if (*at == '0')
		at++;
	else if (*at >= '1' && *at <= '9')
		at = skip_digits(at);
	else
		return -1;
	if (*at == '.') {
		if (!is_digit(*++at))
			return -1;
		at = skip_digits(at);
	}
	if (*at == 'e' || *at == 'E') {
		at++;
		if (*at == '+' || *at == '-')
			at++;
		if (!is_digit(*at))
			return -1;
		at = skip_digits(at);
	}
	*p = at;
	return 0;
}

/* A string, number or literal at *p, skipped; -1 when there is none. */
static int skip_scalar(const char **p, const char *end)
{
	static const char *const literals[] = {"true", "false", "null"};
	if (**p == '"')
		return skip_string(p, end) < 0 ? -1 : 0;
	if (**p == '-' || is_digit(**p))
		return skip_number(p);
	for (size_t i = 0; i < sizeof(literals) / sizeof(literals[0]); i++) {
		size_t n = strlen(literals[i]);
		if (!strncmp(*p, literals[i], n)) {
			*p += n;
			return 0;
		}
	}
	return -1;
}

static int is_named(const char *key, size_t len, const char *const *keys, size_t nkeys)
{
	for (size_t i = 0; i < nkeys; i++)
		if (strlen(keys[i]) == len && !memcmp(key, keys[i], len))
			return 1;
	return 0;
}

struct walk {
	const char *p, *end; /* end: the text's NUL */
	int depth;
	unsigned char object[MAX_DEPTH]; /* per level: an object (1) or an array (0) */
	const char *member;              /* the top-level member being read: its key's quote */
	int named;                       /* it is one to cut */
	const char *cut_from, *cut_to;   /* the named member found, with its comma */
	int found;
};

/* The top-level member that ends at w->p: kept as the cut when it is named. */
static void end_member(struct walk *w)
{
	if (!w->named)
		return;
	w->named = 0;
	w->found++;
	const char *from = w->member, *to = w->p;
	if (from[-1] == ',')
		from--; /* the comma before it */
	else if (*to == ',')
		to++; /* the first member: the comma after it */
	w->cut_from = from;
	w->cut_to = to;
}

/* A member's key and colon at w->p; at the top level, whether it is named. */
static int read_key(struct walk *w, const char *const *keys, size_t nkeys)
{
	const char *key = w->p;
	if (*key != '"')
		return -1;
	int escaped = skip_string(&w->p, w->end);
	if (escaped < 0 || *w->p != ':' || (w->depth == 1 && escaped))
		return -1; /* an escaped key might name a member SQLite would find */
	if (w->depth == 1) {
		w->member = key;
		w->named = is_named(key + 1, (size_t)(w->p - key - 2), keys, nkeys);
	}
	w->p++;
	return 0;
}

/* Reads one value at w->p: an empty container closes at once, a container opens (and its
 * first key is read), a scalar is skipped. 1 when a value ended, 0 when a container opened,
 * -1 on anything else. */
static int read_value(struct walk *w, const char *const *keys, size_t nkeys)
{
	char c = *w->p;
	if (c != '{' && c != '[')
		return skip_scalar(&w->p, w->end) ? -1 : 1;
	if (w->p[1] == (c == '{' ? '}' : ']')) {
		w->p += 2;
		return 1;
	}
	if (w->depth == MAX_DEPTH)
		return -1;
	w->object[w->depth++] = c == '{';
	w->p++;
	return c == '{' ? read_key(w, keys, nkeys) : 0;
}

/* After a value at depth: the containers it closes, then a comma (and a key in an object).
 * 1 when the top-level object has closed, 0 when another value follows, -1 otherwise. */
static int after_value(struct walk *w, const char *const *keys, size_t nkeys)
{
	for (;;) {
		if (w->depth == 1)
			end_member(w);
		if (*w->p == ',') {
			w->p++;
			return w->object[w->depth - 1] ? read_key(w, keys, nkeys) : 0;
		}
		if (*w->p != (w->object[w->depth - 1] ? '}' : ']'))
			return -1;
		w->p++;
		if (--w->depth == 0)
			return 1;
	}
}

int doc_anchor_sha256(const char *doc, const char *const *keys, size_t nkeys, char hex[SHA256_HEX_LEN + 1])
{
	if (!doc || *doc != '{')
		return -1;
	struct walk w = {.p = doc, .end = doc + strlen(doc)};
	int rc = read_value(&w, keys, nkeys);
	if (rc == 1) /* "{}" */
		w.depth = 0;
	while (rc >= 0 && w.depth > 0) {
		rc = read_value(&w, keys, nkeys);
		if (rc == 1)
			rc = after_value(&w, keys, nkeys);
	}
	if (rc < 0 || *w.p || w.found > 1)
		return -1;
	struct sha256_ctx *h = sha256_begin();
	if (w.found) {
		sha256_update(h, doc, (size_t)(w.cut_from - doc));
		sha256_update(h, w.cut_to, (size_t)(w.p - w.cut_to));
	} else {
		sha256_update(h, doc, (size_t)(w.p - doc));
	}
	sha256_finish(h, hex);
	return 0;
}
