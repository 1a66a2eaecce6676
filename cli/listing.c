#include "cli/listing.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/sanitize.h"

int listing_terminal_width(void)
{
	if (!isatty(STDOUT_FILENO))
		return 0;
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	const char *env = getenv("COLUMNS");
	int cols = env ? atoi(env) : 0;
	return cols > 0 ? cols : 80;
}

int listing_short_time(int width)
{
	return width > 0 && width < 100;
}

static int line_width(const struct listing *l)
{
	int total = 0, shown = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->width[i]) {
			total += l->width[i];
			shown++;
		}
	return total + 2 * (shown - 1);
}

static size_t last_shown(const struct listing *l)
{
	size_t last = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->width[i])
			last = i;
	return last;
}

void listing_init(struct listing *l, const struct listing_column *cols, size_t n, int width)
{
	l->cols = cols;
	l->n = n;
	l->fit = width > 0;
	l->short_time = 0;
	l->width = xcalloc(n ? n : 1, sizeof(*l->width));
	for (size_t i = 0; i < n; i++)
		l->width[i] = cols[i].min && l->fit ? cols[i].min : cols[i].width > 0 ? cols[i].width : 1;
	if (!l->fit)
		return;
	/* too narrow for every column at its least: leave out the lowest priorities first */
	for (int p = 1; line_width(l) > width; p++) {
		int any = 0;
		for (size_t i = 0; i < n; i++) {
			any |= cols[i].priority >= p;
			if (cols[i].priority == p)
				l->width[i] = 0;
		}
		if (!any)
			break;
	}
	/* the room left is shared by the flexible columns, a column at a time, each up to its most
	 * (the last has none) */
	size_t last = last_shown(l);
	int room = width - line_width(l);
	while (room > 0) {
		int gave = 0;
		for (size_t i = 0; i < n && room > 0; i++)
			if (l->width[i] && cols[i].min && (i == last || l->width[i] < cols[i].width)) {
				l->width[i]++;
				room--;
				gave = 1;
			}
		if (!gave)
			break;
	}
	if (room > 0)
		l->width[last] += room;
}

void listing_release(struct listing *l)
{
	free(l->width);
	l->width = NULL;
}

static void cell(const struct listing *l, size_t i, struct strbuf *out, const char *text, int header);

void listing_header(const struct listing *l, struct strbuf *out)
{
	for (size_t i = 0; i < l->n; i++)
		cell(l, i, out, l->cols[i].title, 1);
}

/* s cut in the middle to width columns (a path keeps its start and its file name). */
static void add_middle(struct strbuf *out, const char *s, int width)
{
	struct strbuf safe;
	strbuf_init(&safe, 128);
	add_text(&safe, s);
	size_t cps = 0;
	for (size_t i = 0; i < safe.len; i++)
		cps += ((unsigned char)safe.buf[i] & 0xC0) != 0x80;
	if (cps <= (size_t)width || width < 3) {
		strbuf_add(out, safe.buf, safe.len);
		strbuf_release(&safe);
		return;
	}
	size_t head = (size_t)(width - 1) / 2, tail = (size_t)(width - 1) - head, seen = 0, i = 0;
	for (; i < safe.len; i++) {
		int starts = ((unsigned char)safe.buf[i] & 0xC0) != 0x80;
		if (starts && seen++ == head)
			break;
		strbuf_addch(out, safe.buf[i]);
	}
	strbuf_addstr(out, "…");
	size_t skip = cps - tail;
	seen = 0;
	for (i = 0; i < safe.len; i++) {
		int starts = ((unsigned char)safe.buf[i] & 0xC0) != 0x80;
		if (starts)
			seen++;
		if (seen > skip)
			strbuf_addch(out, safe.buf[i]);
	}
	strbuf_release(&safe);
}

void listing_cell(const struct listing *l, size_t i, struct strbuf *out, const char *text)
{
	cell(l, i, out, text, 0);
}

static void cell(const struct listing *l, size_t i, struct strbuf *out, const char *text, int header)
{
	if (!l->width[i])
		return;
	int last = i == last_shown(l);
	if (l->fit && l->cols[i].middle && !header) {
		size_t before = out->len;
		add_middle(out, text, l->width[i]);
		size_t cps = 0;
		for (size_t k = before; k < out->len; k++)
			cps += ((unsigned char)out->buf[k] & 0xC0) != 0x80;
		for (; !last && cps < (size_t)l->width[i]; cps++)
			strbuf_addch(out, ' ');
	} else if (l->fit) {
		add_cell(out, text, (size_t)l->width[i]);
		while (last && out->len && out->buf[out->len - 1] == ' ') /* no padding at a line's end */
			out->buf[--out->len] = '\0';
	} else if (last) {
		add_text(out, text);
	} else { /* whole, padded */
		size_t before = out->len;
		add_text(out, text);
		size_t cps = 0;
		for (size_t k = before; k < out->len; k++)
			cps += ((unsigned char)out->buf[k] & 0xC0) != 0x80;
		for (; cps < (size_t)l->cols[i].width; cps++)
			strbuf_addch(out, ' ');
	}
	strbuf_addstr(out, last ? "\n" : "  ");
}
