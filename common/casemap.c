#include "common/casemap.h"

#include <ctype.h>
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "common/strbuf.h"

/* A string's length as Java's String.length counts it: UTF-16 code units. */
size_t casemap_utf16_units(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			n += *p >= 0xf0 ? 2 : 1; /* a supplementary character is a surrogate pair */
	return n;
}

static locale_t unicode_ctype;
static pthread_once_t unicode_once = PTHREAD_ONCE_INIT;

static void unicode_init(void)
{
	unicode_ctype = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Java's Character.toLowerCase / toUpperCase of one code point: Unicode's simple case
 * mappings, as glibc's C.UTF-8 holds them (U+0130 is i, U+212A k, U+1E9E ß); ASCII's alone where
 * that locale is missing. */
static uint32_t case_of(uint32_t cp, int upper)
{
	pthread_once(&unicode_once, unicode_init);
	if (cp < 0x80 || !unicode_ctype)
		return cp < 0x80 ? (uint32_t)(upper ? toupper((int)cp) : tolower((int)cp)) : cp;
	return (uint32_t)(upper ? towupper_l((wint_t)cp, unicode_ctype) : towlower_l((wint_t)cp, unicode_ctype));
}

/* The code point at s (its bytes in *len); a byte that starts no well-formed UTF-8 sequence is
 * UINT32_MAX, one byte long, kept as it is. */
uint32_t casemap_utf8_next(const unsigned char *s, size_t *len)
{
	uint32_t cp;
	size_t n;
	if (s[0] < 0x80)
		return *len = 1, s[0];
	if (s[0] >= 0xc2 && s[0] < 0xe0)
		cp = s[0] & 0x1fu, n = 2;
	else if (s[0] >= 0xe0 && s[0] < 0xf0)
		cp = s[0] & 0x0fu, n = 3;
	else if (s[0] >= 0xf0 && s[0] < 0xf5)
		cp = s[0] & 0x07u, n = 4;
	else
		return *len = 1, UINT32_MAX;
	for (size_t k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return *len = 1, UINT32_MAX;
		cp = cp << 6 | (s[k] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp < 0xe000))
		return *len = 1, UINT32_MAX;
	return *len = n, cp;
}

/* cp's UTF-8 bytes in out; their count. */
static size_t utf8_encode(uint32_t cp, unsigned char out[4])
{
	if (cp < 0x80)
		return out[0] = (unsigned char)cp, 1;
	if (cp < 0x800)
		return out[0] = (unsigned char)(0xc0 | cp >> 6), out[1] = (unsigned char)(0x80 | (cp & 0x3f)), 2;
	if (cp < 0x10000)
		return out[0] = (unsigned char)(0xe0 | cp >> 12), out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f)),
		       out[2] = (unsigned char)(0x80 | (cp & 0x3f)), 3;
	return out[0] = (unsigned char)(0xf0 | cp >> 18), out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f)),
	       out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f)), out[3] = (unsigned char)(0x80 | (cp & 0x3f)), 4;
}

static void utf8_put(struct strbuf *sb, uint32_t cp)
{
	unsigned char b[4];
	strbuf_add(sb, b, utf8_encode(cp, b));
}

/* Whether the code point has a case (a letter another case maps to or from). */
static int cased(uint32_t cp)
{
	return cp != UINT32_MAX && (case_of(cp, 0) != cp || case_of(cp, 1) != cp);
}

/* SpecialCasing.txt's unconditional upper-case mappings, the code points that become more than
 * one (ß to SS, ŉ to ʼN, ǰ, ΐ, the Latin and Armenian ligatures, Greek with ypogegrammeni, ...):
 * Java's String.toUpperCase(Locale.ROOT) applies them all (Character.toUpperCaseCharArray). In
 * code point order. */
static const struct special_upper {
	uint32_t cp, to[3];
} special_uppers[] = {
    {0x00df, {0x0053, 0x0053}},         {0x0149, {0x02bc, 0x004e}},         {0x01f0, {0x004a, 0x030c}},
    {0x0390, {0x0399, 0x0308, 0x0301}}, {0x03b0, {0x03a5, 0x0308, 0x0301}}, {0x0587, {0x0535, 0x0552}},
    {0x1e96, {0x0048, 0x0331}},         {0x1e97, {0x0054, 0x0308}},         {0x1e98, {0x0057, 0x030a}},
    {0x1e99, {0x0059, 0x030a}},         {0x1e9a, {0x0041, 0x02be}},         {0x1f50, {0x03a5, 0x0313}},
    {0x1f52, {0x03a5, 0x0313, 0x0300}}, {0x1f54, {0x03a5, 0x0313, 0x0301}}, {0x1f56, {0x03a5, 0x0313, 0x0342}},
    {0x1f80, {0x1f08, 0x0399}},         {0x1f81, {0x1f09, 0x0399}},         {0x1f82, {0x1f0a, 0x0399}},
    {0x1f83, {0x1f0b, 0x0399}},         {0x1f84, {0x1f0c, 0x0399}},         {0x1f85, {0x1f0d, 0x0399}},
    {0x1f86, {0x1f0e, 0x0399}},         {0x1f87, {0x1f0f, 0x0399}},         {0x1f88, {0x1f08, 0x0399}},
    {0x1f89, {0x1f09, 0x0399}},         {0x1f8a, {0x1f0a, 0x0399}},         {0x1f8b, {0x1f0b, 0x0399}},
    {0x1f8c, {0x1f0c, 0x0399}},         {0x1f8d, {0x1f0d, 0x0399}},         {0x1f8e, {0x1f0e, 0x0399}},
    {0x1f8f, {0x1f0f, 0x0399}},         {0x1f90, {0x1f28, 0x0399}},         {0x1f91, {0x1f29, 0x0399}},
    {0x1f92, {0x1f2a, 0x0399}},         {0x1f93, {0x1f2b, 0x0399}},         {0x1f94, {0x1f2c, 0x0399}},
    {0x1f95, {0x1f2d, 0x0399}},         {0x1f96, {0x1f2e, 0x0399}},         {0x1f97, {0x1f2f, 0x0399}},
    {0x1f98, {0x1f28, 0x0399}},         {0x1f99, {0x1f29, 0x0399}},         {0x1f9a, {0x1f2a, 0x0399}},
    {0x1f9b, {0x1f2b, 0x0399}},         {0x1f9c, {0x1f2c, 0x0399}},         {0x1f9d, {0x1f2d, 0x0399}},
    {0x1f9e, {0x1f2e, 0x0399}},         {0x1f9f, {0x1f2f, 0x0399}},         {0x1fa0, {0x1f68, 0x0399}},
    {0x1fa1, {0x1f69, 0x0399}},         {0x1fa2, {0x1f6a, 0x0399}},         {0x1fa3, {0x1f6b, 0x0399}},
    {0x1fa4, {0x1f6c, 0x0399}},         {0x1fa5, {0x1f6d, 0x0399}},         {0x1fa6, {0x1f6e, 0x0399}},
    {0x1fa7, {0x1f6f, 0x0399}},         {0x1fa8, {0x1f68, 0x0399}},         {0x1fa9, {0x1f69, 0x0399}},
    {0x1faa, {0x1f6a, 0x0399}},         {0x1fab, {0x1f6b, 0x0399}},         {0x1fac, {0x1f6c, 0x0399}},
    {0x1fad, {0x1f6d, 0x0399}},         {0x1fae, {0x1f6e, 0x0399}},         {0x1faf, {0x1f6f, 0x0399}},
    {0x1fb2, {0x1fba, 0x0399}},         {0x1fb3, {0x0391, 0x0399}},         {0x1fb4, {0x0386, 0x0399}},
    {0x1fb6, {0x0391, 0x0342}},         {0x1fb7, {0x0391, 0x0342, 0x0399}}, {0x1fbc, {0x0391, 0x0399}},
    {0x1fc2, {0x1fca, 0x0399}},         {0x1fc3, {0x0397, 0x0399}},         {0x1fc4, {0x0389, 0x0399}},
    {0x1fc6, {0x0397, 0x0342}},         {0x1fc7, {0x0397, 0x0342, 0x0399}}, {0x1fcc, {0x0397, 0x0399}},
    {0x1fd2, {0x0399, 0x0308, 0x0300}}, {0x1fd3, {0x0399, 0x0308, 0x0301}}, {0x1fd6, {0x0399, 0x0342}},
    {0x1fd7, {0x0399, 0x0308, 0x0342}}, {0x1fe2, {0x03a5, 0x0308, 0x0300}}, {0x1fe3, {0x03a5, 0x0308, 0x0301}},
    {0x1fe4, {0x03a1, 0x0313}},         {0x1fe6, {0x03a5, 0x0342}},         {0x1fe7, {0x03a5, 0x0308, 0x0342}},
    {0x1ff2, {0x1ffa, 0x0399}},         {0x1ff3, {0x03a9, 0x0399}},         {0x1ff4, {0x038f, 0x0399}},
    {0x1ff6, {0x03a9, 0x0342}},         {0x1ff7, {0x03a9, 0x0342, 0x0399}}, {0x1ffc, {0x03a9, 0x0399}},
    {0xfb00, {0x0046, 0x0046}},         {0xfb01, {0x0046, 0x0049}},         {0xfb02, {0x0046, 0x004c}},
    {0xfb03, {0x0046, 0x0046, 0x0049}}, {0xfb04, {0x0046, 0x0046, 0x004c}}, {0xfb05, {0x0053, 0x0054}},
    {0xfb06, {0x0053, 0x0054}},         {0xfb13, {0x0544, 0x0546}},         {0xfb14, {0x0544, 0x0535}},
    {0xfb15, {0x0544, 0x053b}},         {0xfb16, {0x054e, 0x0546}},         {0xfb17, {0x0544, 0x053d}}};

static int by_code_point(const void *key, const void *elem)
{
	uint32_t a = *(const uint32_t *)key, b = ((const struct special_upper *)elem)->cp;
	return (a > b) - (a < b);
}

/* s with each code point's case mapped. whole: as Java's String.toLowerCase / toUpperCase
 * (Locale.ROOT) map a string, with SpecialCasing's unconditional mappings (U+0130 to "i" and
 * U+0307; special_uppers) and the final sigma (Σ after a cased letter and before none is ς);
 * else one code point at a time, as Lucene's LowerCaseFilter (Character.toLowerCase), which the
 * lowercase normalizer is. Bytes that are no UTF-8 stay as they are. */
char *casemap(const char *text, int upper, int whole)
{
	const unsigned char *s = (const unsigned char *)text;
	struct strbuf sb;
	strbuf_init(&sb, strlen(text) + 1);
	uint32_t before = UINT32_MAX; /* the code point before, for the final sigma */
	for (size_t i = 0, n; s[i]; i += n) {
		uint32_t cp = casemap_utf8_next(s + i, &n);
		const struct special_upper *sp = NULL;
		if (cp == UINT32_MAX) {
			strbuf_addch(&sb, (char)s[i]);
		} else if (whole && !upper && cp == 0x130) {
			strbuf_addstr(&sb, "i\xcc\x87");
		} else if (whole && !upper && cp == 0x3a3 && cased(before)) {
			size_t m;
			uint32_t next = s[i + n] ? casemap_utf8_next(s + i + n, &m) : UINT32_MAX;
			utf8_put(&sb, cased(next) ? 0x3c3 : 0x3c2);
		} else if (whole && upper && cp >= 0xdf &&
		           (sp = bsearch(&cp, special_uppers, sizeof(special_uppers) / sizeof(special_uppers[0]),
		                         sizeof(special_uppers[0]), by_code_point))) {
			for (size_t k = 0; k < 3 && sp->to[k]; k++)
				utf8_put(&sb, sp->to[k]);
		} else {
			utf8_put(&sb, case_of(cp, upper));
		}
		before = cp;
	}
	return strbuf_detach(&sb, NULL);
}

int casemap_is_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

char *casemap_lower(const char *s, size_t len)
{
	char *out = xstrndup(s, len);
	if (casemap_is_ascii(s, len)) {
		for (char *p = out; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
		return out;
	}
	char *low = casemap(out, 0, 0);
	free(out);
	return low;
}

/* One side of casemap_lower_cmp: the normalized bytes of its next code point, one at a time. */
struct lower_cursor {
	const unsigned char *s;
	size_t len, at;
	unsigned char buf[4];
	size_t nbuf, next;
};

/* The next byte of the normalized text, or -1 at its end. */
static int lower_byte(struct lower_cursor *c)
{
	if (c->next == c->nbuf) {
		if (c->at >= c->len)
			return -1;
		unsigned char tmp[5] = {0};
		size_t avail = c->len - c->at, n;
		memcpy(tmp, c->s + c->at, avail < 4 ? avail : 4);
		uint32_t cp = casemap_utf8_next(tmp, &n);
		if (n > avail)
			cp = UINT32_MAX, n = 1;
		c->next = 0;
		if (cp == UINT32_MAX) {
			c->buf[0] = c->s[c->at], c->nbuf = 1;
		} else {
			c->nbuf = utf8_encode(case_of(cp, 0), c->buf);
		}
		c->at += n;
	}
	return c->buf[c->next++];
}

int casemap_lower_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, n = alen < blen ? alen : blen;
	for (; i < n; i++) { /* ASCII: its own letters alone change */
		int p = (unsigned char)a[i], q = (unsigned char)b[i];
		if (p >= 0x80 || q >= 0x80)
			break;
		p += p >= 'A' && p <= 'Z' ? 32 : 0, q += q >= 'A' && q <= 'Z' ? 32 : 0;
		if (p != q)
			return p < q ? -1 : 1;
	}
	if (i == n && i == alen && i == blen)
		return 0;
	struct lower_cursor x = {.s = (const unsigned char *)a + i, .len = alen - i},
	                    y = {.s = (const unsigned char *)b + i, .len = blen - i};
	for (;;) {
		int p = lower_byte(&x), q = lower_byte(&y);
		if (p != q)
			return p < q ? -1 : 1;
		if (p < 0)
			return 0;
	}
}
