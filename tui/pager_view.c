/* The pager: read-only text that scrolls (the help). */
#include <stdio.h>
#include <stdlib.h>

#include "common/status.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "tui/draw.h"
#include "tui/view.h"

#define KEY_ESC 27

void pager_open(struct app *a, const char *title, const char *text, int multiline)
{
	free_lines(a->text_lines, a->ntext);
	free(a->pager_title);
	a->ntext = wrap_text(text, COLS - 4, multiline, &a->text_lines);
	a->text_top = 0;
	a->pager_title = xstrdup(title);
	if (view_top(a) != &pager_view)
		view_push(a, &pager_view);
}

static void pager_close(struct app *a)
{
	free_lines(a->text_lines, a->ntext);
	free(a->pager_title);
	a->text_lines = NULL;
	a->pager_title = NULL;
	a->ntext = a->text_top = 0;
}

static int pager_key(struct app *a, int key)
{
	size_t page = (size_t)(LINES - 4);
	if (key == 'q' || key == KEY_ESC || key == '?')
		view_pop(a);
	else if ((key == 'j' || key == KEY_DOWN) && a->text_top + 1 < a->ntext)
		a->text_top++;
	else if ((key == 'k' || key == KEY_UP) && a->text_top)
		a->text_top--;
	else if (key == KEY_NPAGE || key == ' ')
		a->text_top = a->text_top + page < a->ntext ? a->text_top + page : a->text_top;
	else if (key == KEY_PPAGE)
		a->text_top = a->text_top > page ? a->text_top - page : 0;
	else if (key == 'g' || key == KEY_HOME)
		a->text_top = 0;
	return 1;
}

static void pager_draw(struct app *a)
{
	ui_bar(a, 0, a->pager_title, "");
	int height = LINES - 2;
	for (int i = 0; i < height; i++) {
		size_t k = a->text_top + (size_t)i;
		move(1 + i, 0);
		clrtoeol();
		if (k < a->ntext)
			draw_text(1 + i, 1, COLS - 2, a->text_lines[k], A_NORMAL, 1);
	}
	draw_text(LINES - 1, 0, COLS, "j/k scroll  PgDn/PgUp page  q or Esc close", A_NORMAL, 1);
}

const struct view_ops pager_view = {.name = "pager", .draw = pager_draw, .key = pager_key, .close = pager_close};
