#include "detect/needles.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

#define MIN_NEEDLE 3

void needles_init(struct needles *nd)
{
	memset(nd, 0, sizeof(*nd));
}

void needles_release(struct needles *nd)
{
	for (size_t i = 0; i < nd->n; i++)
		free(nd->text[i]);
	free(nd->text);
	free(nd->len);
	needles_init(nd);
}

int needle_candidate(const char *field, const char *s, size_t len)
{
	if (!field || !strcmp(field, "host.os.type") || len < MIN_NEEDLE)
		return 0;
	int letter = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
			return 0; /* JSON may write these escaped */
		letter |= isalpha(c) != 0;
	}
	return letter;
}

static void add(struct needles *nd, const char *s, size_t len)
{
	nd->text = xrealloc(nd->text, (nd->n + 1) * sizeof(*nd->text));
	nd->len = xrealloc(nd->len, (nd->n + 1) * sizeof(*nd->len));
	char *low = xstrndup(s, len);
	for (size_t i = 0; i < len; i++)
		low[i] = (char)tolower((unsigned char)low[i]);
	nd->text[nd->n] = low;
	nd->len[nd->n] = len;
	nd->n++;
}

void needles_one(struct needles *nd, const char *s, size_t len)
{
	needles_init(nd);
	nd->usable = 1;
	add(nd, s, len);
}

void needles_union(struct needles *out, struct needles *a, struct needles *b)
{
	needles_init(out);
	if (a->usable && b->usable) {
		out->usable = 1;
		for (size_t i = 0; i < a->n; i++)
			add(out, a->text[i], a->len[i]);
		for (size_t i = 0; i < b->n; i++)
			add(out, b->text[i], b->len[i]);
	}
	needles_release(a);
	needles_release(b);
}

static size_t shortest(const struct needles *nd)
{
	size_t m = SIZE_MAX;
	for (size_t i = 0; i < nd->n; i++)
		m = nd->len[i] < m ? nd->len[i] : m;
	return m;
}

/* More selective: fewer alternatives, then longer ones. */
static int better(const struct needles *a, const struct needles *b)
{
	if (!b->usable)
		return 1;
	if (!a->usable)
		return 0;
	if (a->n != b->n)
		return a->n < b->n;
	return shortest(a) >= shortest(b);
}

void needles_best(struct needles *out, struct needles *a, struct needles *b)
{
	if (better(a, b)) {
		*out = *a;
		needles_release(b);
	} else {
		*out = *b;
		needles_release(a);
	}
}

void needles_from_pattern(struct needles *nd, const char *field, const char *const *pieces, const size_t *lens,
			  size_t npieces, int qmark)
{
	needles_init(nd);
	const char *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < npieces; i++) {
		const char *p = pieces[i];
		size_t len = lens[i];
		while (len > 0) {
			size_t run = qmark ? strcspn(p, "?") : len;
			if (run > len)
				run = len;
			if (run > best_len && needle_candidate(field, p, run)) {
				best = p;
				best_len = run;
			}
			if (run == len)
				break;
			p += run + 1;
			len -= run + 1;
		}
	}
	if (best)
		needles_one(nd, best, best_len);
}

void needles_finish(struct needles *nd)
{
	memset(nd->first, 0, sizeof(nd->first));
	memset(nd->pair, 0, sizeof(nd->pair));
	for (size_t i = 0; i < nd->n; i++) {
		unsigned char a = (unsigned char)nd->text[i][0], b = (unsigned char)nd->text[i][1];
		/* both cases of the first two bytes (needles are at least 3 bytes long) */
		unsigned char as[2] = {a, (unsigned char)toupper(a)}, bs[2] = {b, (unsigned char)toupper(b)};
		for (int x = 0; x < 2; x++) {
			nd->first[as[x]] = 1;
			for (int y = 0; y < 2; y++) {
				unsigned pair = (unsigned)as[x] << 8 | bs[y];
				nd->pair[pair >> 3] |= (unsigned char)(1u << (pair & 7));
			}
		}
	}
	nd->first['\\'] = 1; /* escapes end the test: see needles_admit */
}

/* Whether the needle (lower-cased) starts at doc[at], ASCII case aside. */
static int starts_here(const char *doc, size_t len, size_t at, const char *needle, size_t nlen)
{
	if (len - at < nlen)
		return 0;
	for (size_t k = 0; k < nlen; k++)
		if (tolower((unsigned char)doc[at + k]) != (unsigned char)needle[k])
			return 0;
	return 1;
}

int needles_admit(const struct needles *nd, const char *doc, size_t len)
{
	if (!nd->usable || !doc)
		return 1;
	/* one pass: tables say which bytes, and pairs of bytes, may start a needle (or an escape) */
	const unsigned char *d = (const unsigned char *)doc;
	for (size_t i = 0; i + 1 < len; i++) {
		if (!nd->first[d[i]])
			continue;
		if (d[i] == '\\') {
			if (d[i + 1] == 'u' || d[i + 1] == '/')
				return 1; /* an escape can spell a needle without its bytes */
			i++; /* \\ or \" : the next byte is escaped, not a start */
			continue;
		}
		unsigned pair = (unsigned)d[i] << 8 | d[i + 1];
		if (!(nd->pair[pair >> 3] & (1u << (pair & 7))))
			continue;
		unsigned char c = (unsigned char)tolower(d[i]);
		for (size_t k = 0; k < nd->n; k++)
			if ((unsigned char)nd->text[k][0] == c && starts_here(doc, len, i, nd->text[k], nd->len[k]))
				return 1;
	}
	return 0;
}
