#include "tui/ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/strbuf.h"
#include "common/timeutil.h"
#include "tui/draw.h"
#include "tui/queue.h"
#include "tui/view.h"

int ui_too_small(void)
{
	return layout_cols() < MIN_COLS || layout_rows() < MIN_ROWS;
}

void ui_init_colors(const struct app *a)
{
	static int ready;
	if (!a->o.colors || ready || !has_colors())
		return;
	start_color();
	use_default_colors();
	init_pair(PAIR_BAR, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_LOW, COLOR_GREEN, -1);
	init_pair(PAIR_MEDIUM, COLOR_YELLOW, -1);
	init_pair(PAIR_HIGH, COLOR_RED, -1);
	init_pair(PAIR_CRITICAL, COLOR_MAGENTA, -1);
	init_pair(PAIR_DIM, COLOR_WHITE, -1);
	ready = 1;
}

attr_t ui_severity_attr(const struct app *a, const char *sev)
{
	int r = queue_severity_rank(sev);
	if (!a->o.colors)
		return r >= 3 ? A_BOLD : A_NORMAL;
	return COLOR_PAIR(r == 4   ? PAIR_CRITICAL
	                  : r == 3 ? PAIR_HIGH
	                  : r == 2 ? PAIR_MEDIUM
	                           : PAIR_LOW) |
	       (r >= 3 ? A_BOLD : 0);
}

void ui_format_time(const struct app *a, int64_t us, char *out, size_t len, int with_date)
{
	time_t secs = (time_t)(us / TIME_US_PER_SEC);
	struct tm tm;
	if (a->local_time)
		localtime_r(&secs, &tm);
	else
		gmtime_r(&secs, &tm);
	strftime(out, len, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
}

void ui_zone_label(const struct app *a, int64_t us, char *out, size_t len)
{
	time_t secs = (time_t)(us / TIME_US_PER_SEC);
	struct tm tm;
	if (!a->local_time || !localtime_r(&secs, &tm) || !strftime(out, len, "%Z", &tm))
		snprintf(out, len, "UTC");
}

void ui_bar(const struct app *a, int y, const char *left, const char *right)
{
	attr_t at = a->o.colors ? COLOR_PAIR(PAIR_BAR) : A_REVERSE;
	draw_text(y, 0, layout_cols(), left, at, 1);
	int w = text_width(right);
	if (w < layout_width_from(text_width(left) + 1))
		draw_text(y, layout_right(w), w, right, at, 0);
}

void ui_status_line(const struct app *a, const char *hints)
{
	draw_text(layout_status_row(), 0, layout_cols(), a->msg[0] ? a->msg : hints, a->msg[0] ? A_BOLD : A_NORMAL, 1);
}

int ui_cell(int y, int x, int width, const char *text, attr_t attr)
{
	draw_text(y, x, width - 1, text, attr, 1);
	draw_text(y, x + width - 1, 1, " ", attr, 1);
	return width;
}

int ui_cell_middle(int y, int x, int width, const char *text, attr_t attr)
{
	draw_text_middle(y, x, width - 1, text, attr);
	draw_text(y, x + width - 1, 1, " ", attr, 1);
	return width;
}

void ui_box(int h, int w, int *y, int *x)
{
	struct region most = region_inset(layout_screen(), 1, 1); /* a row and a column free all round */
	if (w > most.width)
		w = most.width;
	if (h > most.height)
		h = most.height;
	*y = (layout_rows() - h) / 2;
	*x = (layout_cols() - w) / 2;
	for (int i = 0; i < h; i++) {
		move(*y + i, *x);
		for (int j = 0; j < w; j++)
			addch(' ' | A_REVERSE);
	}
	if (h < 2 || w < 2)
		return;
	/* a frame, so that the dialog stands apart from the screen under it */
	int ascii = draw_is_ascii();
	struct strbuf line;
	strbuf_init(&line, (size_t)w * 3 + 8);
	for (int edge = 0; edge < 2; edge++) {
		strbuf_reset(&line);
		strbuf_addstr(&line, ascii ? "+" : edge ? "└" : "┌");
		for (int j = 2; j < w; j++)
			strbuf_addstr(&line, ascii ? "-" : "─");
		strbuf_addstr(&line, ascii ? "+" : edge ? "┘" : "┐");
		draw_text(*y + (edge ? h - 1 : 0), *x, w, line.buf, A_REVERSE, 0);
	}
	for (int i = 1; i < h - 1; i++) {
		draw_text(*y + i, *x, 1, ascii ? "|" : "│", A_REVERSE, 0);
		draw_text(*y + i, *x + w - 1, 1, ascii ? "|" : "│", A_REVERSE, 0);
	}
	strbuf_release(&line);
}

int ui_list_height(void)
{
	return layout_body(HEAD_QUEUE).height;
}

int ui_page_height(void)
{
	return layout_page(layout_body(HEAD_ALERT), 2);
}

void ui_hints(const struct hint *h, size_t n, char *out, size_t len)
{
	struct strbuf sb;
	strbuf_init(&sb, 128);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addstr(&sb, "  ");
		strbuf_addstr(&sb, keymap_first_key(h[i].act));
		if (h[i].act2 && h[i].act2 == h[i].act) {
			char second[16];
			keymap_key_name(h[i].act, 1, second, sizeof(second));
			strbuf_addf(&sb, "%s%s", h[i].sep, second);
		} else if (h[i].act2) {
			strbuf_addstr(&sb, h[i].sep);
			strbuf_addstr(&sb, keymap_first_key(h[i].act2));
		}
		strbuf_addf(&sb, " %s", h[i].label);
	}
	snprintf(out, len, "%s", sb.buf);
	strbuf_release(&sb);
}

void rows_add(struct rows *r, size_t i)
{
	if (r->n == r->cap)
		r->at = xrealloc(r->at, (r->cap = r->cap ? r->cap * 2 : 64) * sizeof(*r->at));
	r->at[r->n++] = i;
}

void rows_free(struct rows *r)
{
	free(r->at);
	memset(r, 0, sizeof(*r));
}
