#include "tui/textedit.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define CTRL(c) ((c)&0x1f)

void textedit_init(struct textedit *e, const char *initial)
{
	strbuf_init(&e->text, 256);
	if (initial)
		strbuf_addstr(&e->text, initial);
	e->cursor = e->text.len;
}

void textedit_release(struct textedit *e)
{
	strbuf_release(&e->text);
	e->cursor = 0;
}

static int continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

static size_t prev_char(const struct textedit *e, size_t at)
{
	while (at && continuation((unsigned char)e->text.buf[--at]))
		;
	return at;
}

static size_t next_char(const struct textedit *e, size_t at)
{
	if (at < e->text.len)
		at++;
	while (at < e->text.len && continuation((unsigned char)e->text.buf[at]))
		at++;
	return at;
}

static size_t line_start(const struct textedit *e, size_t at)
{
	while (at && e->text.buf[at - 1] != '\n')
		at--;
	return at;
}

static size_t line_end(const struct textedit *e, size_t at)
{
	while (at < e->text.len && e->text.buf[at] != '\n')
		at++;
	return at;
}

/* The character at byte at: its length in bytes and its columns (what cannot be decoded, or
 * is a control, is drawn as one glyph by the sanitizer: one column). */
static size_t char_at(const struct textedit *e, size_t at, int *cols)
{
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	wchar_t wc;
	size_t k = mbrtowc(&wc, e->text.buf + at, e->text.len - at, &st);
	if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
		*cols = 1;
		return 1;
	}
	int w = wcwidth(wc);
	*cols = w < 0 ? 1 : w;
	return k;
}

int textedit_width(const struct textedit *e, size_t from, size_t to)
{
	int cols = 0, w;
	while (from < to) {
		from += char_at(e, from, &w);
		cols += w;
	}
	return cols;
}

void textedit_insert(struct textedit *e, const char *s, size_t n)
{
	struct strbuf *t = &e->text;
	strbuf_grow(t, n);
	memmove(t->buf + e->cursor + n, t->buf + e->cursor, t->len - e->cursor + 1);
	memcpy(t->buf + e->cursor, s, n);
	t->len += n;
	e->cursor += n;
}

static void delete_range(struct textedit *e, size_t from, size_t to)
{
	struct strbuf *t = &e->text;
	memmove(t->buf + from, t->buf + to, t->len - to + 1);
	t->len -= to - from;
	e->cursor = from;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Ctrl-W: the word before the cursor and the blanks after it; at a line's start, the newline. */
static size_t word_start(const struct textedit *e)
{
	size_t p = e->cursor;
	while (p && is_blank(e->text.buf[p - 1]))
		p--;
	while (p && !is_blank(e->text.buf[p - 1]) && e->text.buf[p - 1] != '\n')
		p--;
	return p == e->cursor ? prev_char(e, p) : p;
}

size_t textedit_rows(const struct textedit *e, int width, struct textedit_row **rows, size_t *cursor_row)
{
	size_t n = 0, cap = 8, pos = 0, len = e->text.len;
	struct textedit_row *r = xmalloc(cap * sizeof(*r));
	if (width < 1)
		width = 1;
	for (;;) {
		size_t start = pos;
		int col = 0, w;
		while (pos < len && e->text.buf[pos] != '\n') {
			size_t k = char_at(e, pos, &w);
			if (col + w > width && pos > start)
				break;
			col += w;
			pos += k;
		}
		if (n == cap)
			r = xrealloc(r, (cap *= 2) * sizeof(*r));
		r[n++] = (struct textedit_row){start, pos};
		if (pos < len && e->text.buf[pos] == '\n')
			pos++;
		else if (pos >= len)
			break;
	}
	/* at the end of a row that the next continues (no newline between), the cursor is on the next */
	*cursor_row = n - 1;
	for (size_t i = 0; i < n; i++)
		if (e->cursor >= r[i].start && e->cursor <= r[i].end &&
		    !(e->cursor == r[i].end && i + 1 < n && r[i + 1].start == r[i].end)) {
			*cursor_row = i;
			break;
		}
	*rows = r;
	return n;
}

/* Up and Down: the same column of the row above or below, or the nearest before it. */
static void move_row(struct textedit *e, int dir, int width)
{
	struct textedit_row *rows;
	size_t at, n = textedit_rows(e, width, &rows, &at);
	if ((dir < 0 && at > 0) || (dir > 0 && at + 1 < n)) {
		int col = textedit_width(e, rows[at].start, e->cursor), acc = 0, w;
		const struct textedit_row *to = &rows[dir < 0 ? at - 1 : at + 1];
		size_t pos = to->start;
		while (pos < to->end) {
			size_t k = char_at(e, pos, &w);
			if (acc + w > col)
				break;
			acc += w;
			pos += k;
		}
		e->cursor = pos;
	}
	free(rows);
}

int textedit_key(struct textedit *e, int key, int width)
{
	size_t c = e->cursor;
	switch (key) {
	case KEY_LEFT:
	case CTRL('b'): e->cursor = prev_char(e, c); return 1;
	case KEY_RIGHT:
	case CTRL('f'): e->cursor = next_char(e, c); return 1;
	case KEY_HOME:
	case CTRL('a'): e->cursor = line_start(e, c); return 1;
	case KEY_END:
	case CTRL('e'): e->cursor = line_end(e, c); return 1;
	case KEY_UP:
	case KEY_DOWN:
		if (width > 0)
			move_row(e, key == KEY_UP ? -1 : 1, width);
		return 1;
	case KEY_BACKSPACE:
	case 127:
	case CTRL('h'): delete_range(e, prev_char(e, c), c); return 1;
	case KEY_DC: delete_range(e, c, next_char(e, c)); return 1;
	case CTRL('u'): delete_range(e, line_start(e, c), c); return 1;
	case CTRL('k'): /* to the line's end; at its end, the newline: the lines join */
		delete_range(e, c, line_end(e, c) == c ? next_char(e, c) : line_end(e, c));
		e->cursor = c;
		return 1;
	case CTRL('w'): delete_range(e, word_start(e), c); return 1;
	default:
		if (key >= 0x20 && key < 0x7f) {
			char ch = (char)key;
			textedit_insert(e, &ch, 1);
			return 1;
		}
		return 0;
	}
}
