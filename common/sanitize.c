#include "common/sanitize.h"

#include <string.h>

size_t utf8_decode(const unsigned char *s, size_t len, unsigned *cp)
{
	unsigned c = s[0];
	size_t n;
	unsigned min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		n = 2, min = 0x80, c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, min = 0x800, c &= 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, min = 0x10000, c &= 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

/* Code points a terminal draws as nothing, or that reorder or hide the text around them:
 * C1 controls, bidi marks, embeddings, overrides and isolates, line and paragraph separators,
 * and every format character (Unicode category Cf) and default-ignorable code point of
 * Unicode 15 (TAG characters, variation selectors, Hangul fillers, the combining grapheme
 * joiner, ...): "mac-admin" followed by TAG characters would look like "mac-admin". Sorted,
 * for the binary search. */
static const struct cp_range {
	unsigned lo, hi;
} invisible[] = {
    {0x0080, 0x009F},   /* C1 controls */
    {0x00AD, 0x00AD},   /* soft hyphen */
    {0x034F, 0x034F},   /* combining grapheme joiner */
    {0x0600, 0x0605},   /* Arabic number signs */
    {0x061C, 0x061C},   /* Arabic letter mark */
    {0x06DD, 0x06DD},   /* Arabic end of ayah */
    {0x070F, 0x070F},   /* Syriac abbreviation mark */
    {0x0890, 0x0891},   /* Arabic pound and piastre marks above */
    {0x08E2, 0x08E2},   /* Arabic disputed end of ayah */
    {0x115F, 0x1160},   /* Hangul choseong and jungseong fillers */
    {0x17B4, 0x17B5},   /* Khmer inherent vowels */
    {0x180B, 0x180F},   /* Mongolian free variation selectors, vowel separator */
    {0x200B, 0x200F},   /* zero-width space, joiners, LRM, RLM */
    {0x2028, 0x202E},   /* separators, embeddings, overrides */
    {0x2060, 0x206F},   /* word joiner, invisible operators, isolates, deprecated formats */
    {0x3164, 0x3164},   /* Hangul filler */
    {0xFDD0, 0xFDEF},   /* noncharacters */
    {0xFE00, 0xFE0F},   /* variation selectors */
    {0xFEFF, 0xFEFF},   /* zero-width no-break space / BOM */
    {0xFFA0, 0xFFA0},   /* halfwidth Hangul filler */
    {0xFFF0, 0xFFFB},   /* unassigned specials, interlinear annotations */
    {0x110BD, 0x110BD}, /* Kaithi number sign */
    {0x110CD, 0x110CD}, /* Kaithi number sign above */
    {0x13430, 0x1343F}, /* Egyptian hieroglyph format controls */
    {0x1BCA0, 0x1BCA3}, /* shorthand format controls */
    {0x1D173, 0x1D17A}, /* musical symbol beam and phrase formats */
    {0xE0000, 0xE0FFF}, /* TAG characters, variation selectors 17-256, reserved ignorables */
};

static int is_invisible_or_bidi(unsigned cp)
{
	if (cp < 0x80)
		return 0;
	if ((cp & 0xFFFE) == 0xFFFE) /* U+FFFE, U+FFFF and their twins in every plane */
		return 1;
	size_t lo = 0, hi = sizeof(invisible) / sizeof(invisible[0]);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp > invisible[mid].hi)
			lo = mid + 1;
		else if (cp < invisible[mid].lo)
			hi = mid;
		else
			return 1;
	}
	return 0;
}

/* "\uXXXX", or past U+FFFF "\UXXXXXXXX": visible text that names the code point. */
static void add_escape(struct strbuf *out, unsigned cp)
{
	strbuf_addf(out, cp < 0x10000 ? "\\u%04X" : "\\U%08X", cp);
}

/* JSON's "\uxxxx", a UTF-16 surrogate pair past U+FFFF (JSON has no longer escape). */
static void add_json_escape(struct strbuf *out, unsigned cp)
{
	if (cp < 0x10000) {
		strbuf_addf(out, "\\u%04x", cp);
		return;
	}
	cp -= 0x10000;
	strbuf_addf(out, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
}

static void add_utf8(struct strbuf *out, unsigned cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6)), b[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12)), b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
	} else {
		b[0] = (char)(0xF0 | (cp >> 18)), b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), b[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
	}
	strbuf_add(out, b, n);
}

static void add_control(struct strbuf *out, unsigned c, unsigned flags)
{
	if (c == '\t')
		strbuf_addch(out, ' ');
	else if (c == '\n' && (flags & SAN_MULTILINE))
		strbuf_addch(out, '\n');
	else if (c == '\n')
		add_utf8(out, 0x2424); /* SYMBOL FOR NEWLINE */
	else if (c == 0x7F)
		add_utf8(out, 0x2421); /* SYMBOL FOR DELETE */
	else
		add_utf8(out, 0x2400 + c); /* Control Pictures block */
}

void sanitize_append(struct strbuf *out, const char *s, size_t len, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned cp;
		size_t n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			strbuf_addf(out, "\\x%02X", p[i]);
			i++;
			continue;
		}
		if (cp < 0x20 || cp == 0x7F)
			add_control(out, cp, flags);
		else if (is_invisible_or_bidi(cp))
			add_escape(out, cp);
		else
			strbuf_add(out, p + i, n);
		i += n;
	}
}

char *sanitize_dup(const char *s, unsigned flags)
{
	struct strbuf sb;
	strbuf_init(&sb, s ? strlen(s) : 0);
	if (s)
		sanitize_append(&sb, s, strlen(s), flags);
	return strbuf_detach(&sb, NULL);
}

static int needs_json_escape(unsigned cp)
{
	return cp < 0x20 || cp == 0x7F || is_invisible_or_bidi(cp);
}

/* Copies the inside of a JSON string, escaping what a terminal could act on. When raw is
 * set, quotes and backslashes are escaped too (s is plain text, not JSON). */
static void json_string_body(struct strbuf *out, const unsigned char *s, size_t len, int raw)
{
	size_t i = 0;
	while (i < len) {
		unsigned cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			strbuf_add(out, "\\ufffd", 6);
			i++;
			continue;
		}
		if (raw && (cp == '"' || cp == '\\')) {
			strbuf_addch(out, '\\');
			strbuf_addch(out, (char)cp);
		} else if (raw && cp == '\n') {
			strbuf_add(out, "\\n", 2);
		} else if (raw && cp == '\t') {
			strbuf_add(out, "\\t", 2);
		} else if (needs_json_escape(cp)) {
			add_json_escape(out, cp);
		} else {
			strbuf_add(out, s + i, n);
		}
		i += n;
	}
}

void json_quote_append(struct strbuf *out, const char *s, size_t len)
{
	strbuf_addch(out, '"');
	json_string_body(out, (const unsigned char *)s, len, 1);
	strbuf_addch(out, '"');
}

void sanitize_json_append(struct strbuf *out, const char *json, size_t len)
{
	const unsigned char *p = (const unsigned char *)json;
	size_t i = 0;
	while (i < len) {
		if (p[i] != '"') {
			/* outside strings valid JSON has only ASCII punctuation, digits, letters and
			 * whitespace; line breaks of pretty-printed JSON stay */
			strbuf_addch(out, p[i] == '\n' ? '\n' : p[i] < 0x20 || p[i] >= 0x7F ? ' ' : (char)p[i]);
			i++;
			continue;
		}
		size_t j = i + 1;
		while (j < len && p[j] != '"')
			j += p[j] == '\\' ? 2 : 1;
		if (j > len)
			j = len;
		strbuf_addch(out, '"');
		json_string_body(out, p + i + 1, j - i - 1, 0);
		if (j < len)
			strbuf_addch(out, '"');
		i = j + 1;
	}
}
