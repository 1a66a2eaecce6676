/* layout: the only code in the views' reach that reads LINES and COLS (tui/layout.h). */
#include "tui/layout.h"

#include <curses.h>

int layout_rows(void)
{
	return LINES;
}

int layout_cols(void)
{
	return COLS;
}

int layout_status_row(void)
{
	return LINES - 1;
}

struct region layout_screen(void)
{
	return (struct region){.top = 0, .left = 0, .height = LINES, .width = COLS};
}

struct region layout_body(int head)
{
	int h = LINES - head - 1; /* the status line under it */
	return (struct region){.top = head, .left = 0, .height = h > 1 ? h : 1, .width = COLS};
}

struct region region_inset(struct region r, int dy, int dx)
{
	return (struct region){
	    .top = r.top + dy, .left = r.left + dx, .height = r.height - 2 * dy, .width = r.width - 2 * dx};
}

int layout_page(struct region body, int overlap)
{
	return body.height - overlap > 1 ? body.height - overlap : 1;
}

int layout_width_from(int x)
{
	return COLS - x;
}

int layout_right(int width)
{
	return COLS - width;
}
