#include "detect/wildcard.h"

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

void wpat_init(struct wpat *p)
{
	p->n = 0;
	p->piece = NULL;
	p->len = NULL;
}

void wpat_add_piece(struct wpat *p, const char *s, size_t len)
{
	p->piece = xrealloc(p->piece, (p->n + 1) * sizeof(*p->piece));
	p->len = xrealloc(p->len, (p->n + 1) * sizeof(*p->len));
	p->piece[p->n] = xstrndup(s, len);
	p->len[p->n] = len;
	p->n++;
}

void wpat_release(struct wpat *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->piece[i]);
	free(p->piece);
	free(p->len);
	wpat_init(p);
}

int wpat_has_wildcard(const struct wpat *p)
{
	return p->n > 1;
}

const char *wpat_prefix(const struct wpat *p, size_t *len)
{
	*len = p->n ? p->len[0] : 0;
	return p->n ? p->piece[0] : "";
}

int wildcard_es_pattern(const char *value, struct wpat *pat)
{
	struct strbuf piece;
	strbuf_init(&piece, 64);
	int qmark = 0, literal_q = 0;
	for (const char *c = value; *c; c++) {
		if (*c == '\\' && c[1]) {
			literal_q |= *++c == '?';
			strbuf_addch(&piece, *c);
		} else if (*c == '*') {
			wpat_add_piece(pat, piece.buf, piece.len);
			strbuf_reset(&piece);
		} else {
			qmark |= *c == '?';
			strbuf_addch(&piece, *c);
		}
	}
	wpat_add_piece(pat, piece.buf, piece.len);
	strbuf_release(&piece);
	return qmark && literal_q ? -1 : qmark ? WILDCARD_QMARK : 0;
}

static int byte_eq(unsigned char a, unsigned char b, unsigned flags)
{
	if (flags & WILDCARD_CASELESS) {
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b + 32);
	}
	return a == b;
}

/* Length in bytes of the UTF-8 character at s (1 for a stray byte). */
static size_t char_len(const unsigned char *s, size_t avail)
{
	size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 1;
	return n <= avail ? n : 1;
}

/* Matches piece against s exactly (len bytes of s for a piece without '?'); returns the number
 * of bytes of s consumed, or -1. */
static long match_piece(const char *piece, size_t plen, const char *s, size_t slen, unsigned flags)
{
	size_t i = 0, j = 0;
	while (i < plen) {
		if ((flags & WILDCARD_QMARK) && piece[i] == '?') {
			if (j >= slen)
				return -1;
			j += char_len((const unsigned char *)s + j, slen - j);
			i++;
			continue;
		}
		if (j >= slen || !byte_eq((unsigned char)piece[i], (unsigned char)s[j], flags))
			return -1;
		i++, j++;
	}
	return (long)j;
}

/* Finds the leftmost place at or after from where piece matches; returns its start or -1. */
static long find_piece(const char *piece, size_t plen, const char *s, size_t slen, size_t from, unsigned flags,
                       size_t *consumed)
{
	for (size_t at = from; at <= slen; at++) {
		long n = match_piece(piece, plen, s + at, slen - at, flags);
		if (n >= 0) {
			*consumed = (size_t)n;
			return (long)at;
		}
	}
	return -1;
}

/* With only '*' wildcards, matching the pieces leftmost-first is exact: the first piece is
 * anchored at the start, the last at the end, and each middle piece taken at its leftmost
 * place leaves the most room for the rest. With '?' a piece's length in bytes varies, so the
 * last piece is tried at every possible end. */
int wildcard_match(const struct wpat *p, const char *s, size_t len, unsigned flags)
{
	if (p->n == 0)
		return len == 0;
	long first = match_piece(p->piece[0], p->len[0], s, len, flags);
	if (first < 0)
		return 0;
	if (p->n == 1)
		return (size_t)first == len;
	size_t pos = (size_t)first;
	for (size_t i = 1; i + 1 < p->n; i++) {
		size_t used;
		long at = find_piece(p->piece[i], p->len[i], s, len, pos, flags, &used);
		if (at < 0)
			return 0;
		pos = (size_t)at + used;
	}
	const char *last = p->piece[p->n - 1];
	size_t llen = p->len[p->n - 1];
	for (size_t at = pos; at <= len; at++) {
		long n = match_piece(last, llen, s + at, len - at, flags);
		if (n >= 0 && at + (size_t)n == len)
			return 1;
		if (!(flags & WILDCARD_QMARK) && len - at > llen)
			at = len - llen - 1; /* without '?' only the suffix position can match */
	}
	return 0;
}
