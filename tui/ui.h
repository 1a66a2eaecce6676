/* ui: the pieces every view draws with — the title bar, table cells, the status line and its
 * key hints, times, severity colours, boxes — and a growable list of row positions. Every
 * string still passes tui/draw.h's sanitizer on its way to the screen. */
#ifndef CASEBOOK_UI_H
#define CASEBOOK_UI_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/keymap.h"
#include "tui/layout.h"

#define MIN_COLS 60
#define MIN_ROWS 16

struct app;

enum { PAIR_BAR = 1, PAIR_LOW, PAIR_MEDIUM, PAIR_HIGH, PAIR_CRITICAL, PAIR_DIM };

/* Below the minimum size nothing can be drawn usefully. */
int ui_too_small(void);
void ui_init_colors(const struct app *a);
attr_t ui_severity_attr(const struct app *a, const char *severity);
/* A time as "YYYY-MM-DD HH:MM:SS" (with_date) or "HH:MM:SS", in UTC or local time (t). */
void ui_format_time(const struct app *a, int64_t us, char *out, size_t len, int with_date);
/* What the times are in, said beside them: "UTC", or with `t` the analyst's zone (TZ) by its
 * abbreviation at that moment ("EST", "CEST"), so a local time is never read as UTC. */
void ui_zone_label(const struct app *a, int64_t us, char *out, size_t len);
/* The title bar at line y: left-aligned text, and right-aligned when it fits. */
void ui_bar(const struct app *a, int y, const char *left, const char *right);
/* The last line: the app's message when there is one, else the hints. */
void ui_status_line(const struct app *a, const char *hints);
/* A table cell: the text in width - 1 columns, then a space; returns width. */
int ui_cell(int y, int x, int width, const char *text, attr_t attr);
/* The same with the middle of a long text elided ("Write Be…mpanion)"): names that share
 * their start (rule names) stay told apart by their ends. */
int ui_cell_middle(int y, int x, int width, const char *text, attr_t attr);
/* A framed box of h x w in the middle of the screen (its frame on the outer rows and
 * columns: text goes inside, from *y + 1 and *x + 2); *y, *x get its top-left. */
void ui_box(int h, int w, int *y, int *x);
int ui_list_height(void); /* the queue's rows */
int ui_page_height(void); /* the rows a page of an alert tab moves */

/* A status-line hint: the first key of one action (or two, joined by sep; act2 == act: its first
 * two keys, "q or Esc") and a word. The keys come from the key table, so a hint never names a
 * key that does something else. */
struct hint {
	enum tui_action act, act2;
	const char *sep, *label;
};
/* "Enter open  A ack …" into out. */
void ui_hints(const struct hint *h, size_t n, char *out, size_t len);

/* The positions of the rows a list shows, in order; it grows with them. */
struct rows {
	size_t *at;
	size_t n, cap;
};
void rows_add(struct rows *r, size_t i);
void rows_free(struct rows *r);

#endif
