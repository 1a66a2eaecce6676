#include "detect/needles.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/field.h"

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
	/* a date, an address or text matches values written otherwise (+02:00, ::1, other case) */
	if (field_type(field, strlen(field)) != FT_KEYWORD)
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

/* How common a byte is in events' JSON (lower: rarer); the anchor of a needle is its rarest
 * byte, found with memchr. */
static int commonness(unsigned char c)
{
	static const char rare_first[] = "qjzxkvwybfghpmudclsnt_oirae";
	const char *at = strchr(rare_first, tolower(c));
	if (at && c)
		return (int)(at - rare_first);
	if (c >= '0' && c <= '9')
		return 20;
	return 40; /* '/', '.', '-', ':' and the like fill paths */
}

void needles_finish(struct needles *nd)
{
	for (size_t i = 0; i < nd->n && i < NEEDLES_MAX; i++) {
		size_t best = 0;
		for (size_t k = 1; k < nd->len[i]; k++)
			if (commonness((unsigned char)nd->text[i][k]) < commonness((unsigned char)nd->text[i][best]))
				best = k;
		nd->anchor[i] = best;
	}
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

/* The next place at or after from where byte a or b (may be equal) is, or NULL. */
static const char *next_of(const char *from, const char *end, unsigned char a, unsigned char b)
{
	const char *x = memchr(from, a, (size_t)(end - from));
	if (a == b)
		return x;
	const char *y = memchr(from, b, (size_t)((x ? x : end) - from));
	return y ? y : x;
}

static int holds(const char *doc, size_t len, const char *needle, size_t nlen, size_t anchor)
{
	unsigned char lo = (unsigned char)needle[anchor], up = (unsigned char)toupper(lo);
	const char *end = doc + len;
	for (const char *p = doc + anchor; p < end;) {
		const char *hit = next_of(p, end, lo, up);
		if (!hit)
			return 0;
		size_t at = (size_t)(hit - doc) - anchor;
		if (starts_here(doc, len, at, needle, nlen))
			return 1;
		p = hit + 1;
	}
	return 0;
}

int needles_admit(const struct needles *nd, const char *doc, size_t len)
{
	if (!nd->usable || !doc || nd->n > NEEDLES_MAX)
		return 1;
	/* an escape can spell a needle without its bytes: such documents are always parsed */
	for (const char *p = doc, *end = doc + len; (p = memchr(p, '\\', (size_t)(end - p))) != NULL; p += 2)
		if (p + 1 < end && (p[1] == 'u' || p[1] == '/'))
			return 1;
	for (size_t i = 0; i < nd->n; i++)
		if (holds(doc, len, nd->text[i], nd->len[i], nd->anchor[i]))
			return 1;
	return 0;
}
