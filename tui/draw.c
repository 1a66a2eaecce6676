#include "tui/draw.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "common/sanitize.h"

/* A terminal whose locale is not UTF-8 (LANG=C over SSH) gets ASCII: each character beyond it
 * becomes one ASCII character, so that the layout, measured in columns, stays the same. */
static int ascii_only;

void draw_set_ascii(int on)
{
	ascii_only = on;
}

int draw_is_ascii(void)
{
	return ascii_only;
}

/* The console's own glyphs, and the one ASCII character each becomes: same columns, same
 * meaning (a tree's corner stays a corner, a histogram's bars still rise). */
static const struct {
	wchar_t from, to;
} ascii_map[] = {
    {L'\u25CF', L'*'}, {L'\u25D0', L'+'}, {L'\u25CB', L'o'}, {L'\u25B6', L'>'}, {L'\u25B8', L'>'}, {L'\u25BE', L'v'},
    {L'\u25C0', L'<'}, {L'\u25B2', L'^'}, {L'\u25BC', L'v'}, {L'\u25C6', L'*'}, {L'\u25A0', L'#'}, {L'\u2022', L'*'},
    {L'\u2026', L'~'}, {L'\u00B7', L'.'}, {L'\u00B1', L'+'}, {L'\u00D7', L'x'}, {L'\u2014', L'-'}, {L'\u2013', L'-'},
    {L'\u2192', L'>'}, {L'\u2190', L'<'}, {L'\u2191', L'^'}, {L'\u2193', L'v'}, {L'\u21B3', L'`'}, {L'\u2713', L'x'},
    {L'\u2717', L'x'}, {L'\u26A0', L'!'}, {L'\u2500', L'-'}, {L'\u2501', L'-'}, {L'\u2550', L'='}, {L'\u2502', L'|'},
    {L'\u2503', L'|'}, {L'\u2551', L'|'}, {L'\u250C', L'+'}, {L'\u2510', L'+'}, {L'\u2514', L'`'}, {L'\u2518', L'+'},
    {L'\u251C', L'|'}, {L'\u2524', L'|'}, {L'\u252C', L'+'}, {L'\u2534', L'+'}, {L'\u253C', L'+'}, {L'\u256D', L'+'},
    {L'\u256E', L'+'}, {L'\u256F', L'+'}, {L'\u2570', L'+'}, {L'\u258F', L'|'}, {L'\u2581', L'_'}, {L'\u2582', L'.'},
    {L'\u2583', L'-'}, {L'\u2584', L':'}, {L'\u2585', L'='}, {L'\u2586', L'+'}, {L'\u2587', L'*'}, {L'\u2588', L'#'},
    {L'\u2591', L':'}, {L'\u2592', L'%'}, {L'\u2593', L'#'},
};

static wchar_t ascii_of(wchar_t c)
{
	if (c < 0x7F)
		return c;
	for (size_t i = 0; i < sizeof(ascii_map) / sizeof(ascii_map[0]); i++)
		if (ascii_map[i].from == c)
			return ascii_map[i].to;
	if (c >= 0x2400 && c <= 0x2426) /* a control picture: a control character shown */
		return L'^';
	return L'?';
}

static const struct {
	const char *utf8, *ascii;
} glyphs[] = {
    [GLYPH_VLINE] = {"\u2502", "|"},         [GLYPH_HLINE] = {"\u2500", "-"},  [GLYPH_TEE] = {"\u251C\u2500", "|-"},
    [GLYPH_CORNER] = {"\u2514\u2500", "`-"}, [GLYPH_PIPE] = {"\u2502 ", "| "}, [GLYPH_ELLIPSIS] = {"\u2026", "~"},
    [GLYPH_DOT] = {"\u00B7", "."},           [GLYPH_BULLET] = {"\u25CF", "*"}, [GLYPH_EXPANDED] = {"\u25BE", "v"},
    [GLYPH_COLLAPSED] = {"\u25B8", ">"},     [GLYPH_ARROW] = {"\u2192", "->"}, [GLYPH_MARK] = {"\u25B6", ">"},
    [GLYPH_DASH] = {"\u2014", "--"},
};

const char *draw_glyph(enum draw_glyph g)
{
	return ascii_only ? glyphs[g].ascii : glyphs[g].utf8;
}

static wchar_t ellipsis(void)
{
	return ascii_only ? L'~' : L'\u2026';
}

/* Converts sanitized UTF-8 (valid, as the sanitizer makes it) to wide characters. */
static wchar_t *widen(const char *s, size_t *n)
{
	size_t len = strlen(s);
	wchar_t *w = xmalloc((len + 1) * sizeof(*w));
	size_t out = 0;
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;
	while (p < end) {
		/* decoded here, not by mbrtowc: a C locale refuses every byte past ASCII, and the
		 * console's own glyphs would become one '?' a byte instead of their ASCII forms */
		unsigned cp;
		size_t k = utf8_decode(p, (size_t)(end - p), &cp);
		wchar_t wc = k ? (wchar_t)cp : L'?';
		p += k ? k : 1;
		w[out++] = ascii_only ? ascii_of(wc) : wc;
	}
	w[out] = L'\0';
	*n = out;
	return w;
}

static int cell_width(wchar_t c)
{
	int w = wcwidth(c);
	return w < 0 ? 1 : w;
}

int text_width(const char *s)
{
	size_t n;
	wchar_t *w = widen(s, &n);
	int cols = 0;
	for (size_t i = 0; i < n; i++)
		cols += cell_width(w[i]);
	free(w);
	return cols;
}

static int put_wide(int y, int x, int width, const wchar_t *w, size_t n, attr_t attr, int pad)
{
	if (width <= 0)
		return 0;
	int cols = 0;
	size_t k = 0;
	while (k < n && cols + cell_width(w[k]) <= width)
		cols += cell_width(w[k++]);
	/* cut text says so: the last column shows … (an identifier is never cut silently) */
	int cut = k < n && width >= 2;
	if (cut)
		while (k > 0 && cols + 1 > width)
			cols -= cell_width(w[--k]);
	attr_t old;
	short pair;
	attr_get(&old, &pair, NULL);
	attrset(attr);
	if (k)
		mvaddnwstr(y, x, w, (int)k);
	else
		move(y, x);
	if (cut) {
		wchar_t e[2] = {ellipsis(), L'\0'};
		addnwstr(e, 1);
		cols++;
	}
	if (pad)
		for (int i = cols; i < width; i++)
			addch(' ');
	attrset(old);
	return pad ? width : cols;
}

int draw_text(int y, int x, int width, const char *s, attr_t attr, int pad)
{
	char *safe = sanitize_dup(s, 0);
	size_t n;
	wchar_t *w = widen(safe, &n);
	int used = put_wide(y, x, width, w, n, attr, pad);
	free(w);
	free(safe);
	return used;
}

int draw_text_middle(int y, int x, int width, const char *s, attr_t attr)
{
	char *safe = sanitize_dup(s, 0);
	size_t n;
	wchar_t *w = widen(safe, &n);
	int total = 0;
	for (size_t i = 0; i < n; i++)
		total += cell_width(w[i]);
	int used;
	if (total <= width || width < 5) {
		used = put_wide(y, x, width, w, n, attr, 1);
	} else {
		/* keep the start and the end, which say the most about a path */
		int left = (width - 1) / 2, right = width - 1 - left;
		size_t a = 0, b = n;
		int cols = 0;
		while (a < n && cols + cell_width(w[a]) <= left)
			cols += cell_width(w[a++]);
		cols = 0;
		while (b > a && cols + cell_width(w[b - 1]) <= right)
			cols += cell_width(w[--b]);
		wchar_t *mid = xmalloc((a + 1 + (n - b) + 1) * sizeof(*mid));
		memcpy(mid, w, a * sizeof(*w));
		mid[a] = ellipsis();
		memcpy(mid + a + 1, w + b, (n - b) * sizeof(*w));
		used = put_wide(y, x, width, mid, a + 1 + (n - b), attr, 1);
		free(mid);
	}
	free(w);
	free(safe);
	return used;
}

size_t wrap_text(const char *s, int width, int multiline, char ***lines)
{
	char *safe = sanitize_dup(s, multiline ? SAN_MULTILINE : 0);
	size_t n = 0, cap = 8;
	char **out = xmalloc(cap * sizeof(*out));
	if (width < 8)
		width = 8;
	char *para = safe;
	while (para) {
		char *nl = strchr(para, '\n');
		if (nl)
			*nl = '\0';
		const char *p = para;
		do {
			/* take as many words as fit */
			const char *line_end = p, *q = p;
			int cols = 0;
			while (*q) {
				const char *word = q;
				while (*q == ' ')
					q++;
				while (*q && *q != ' ')
					q++;
				char saved = *q;
				*(char *)q = '\0';
				int w = text_width(p);
				*(char *)q = saved;
				if (w > width && line_end != p)
					break;
				line_end = q;
				cols = w;
				if (w > width)
					break;
				(void)word;
			}
			(void)cols;
			if (line_end == p)
				line_end = p + strlen(p);
			if (n == cap)
				out = xrealloc(out, (cap *= 2) * sizeof(*out));
			out[n++] = xstrndup(p, (size_t)(line_end - p));
			p = line_end;
			while (*p == ' ')
				p++;
		} while (*p);
		para = nl ? nl + 1 : NULL;
	}
	free(safe);
	*lines = out;
	return n;
}

void free_lines(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}
