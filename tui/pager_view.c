/* The pager: read-only text that scrolls (the help). */
#include <stdio.h>
#include <stdlib.h>

#include "common/status.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "tui/draw.h"
#include "tui/view.h"

/* The columns the text is wrapped to: two fewer than it is drawn in, from column 1. */
int pager_text_width(void)
{
	return region_inset(layout_screen(), 0, 2).width;
}

void pager_open(struct app *a, const char *title, const char *text, int multiline)
{
	free_lines(a->text_lines, a->ntext);
	free(a->pager_title);
	a->ntext = wrap_text(text, pager_text_width(), multiline, &a->text_lines);
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

/* Lines of text the pager shows at once. */
static size_t pager_height(void)
{
	return (size_t)layout_body(HEAD_TITLE).height;
}

/* The top line that shows the last page: scrolling stops there. */
static size_t pager_last_top(const struct app *a)
{
	return a->ntext > pager_height() ? a->ntext - pager_height() : 0;
}

/* The keys of every list (STYLE.md): j/k and arrows a line, PgDn/PgUp (Space, Ctrl-F/B) a
 * page, Ctrl-D/Ctrl-U half a page, g/Home and G/End the ends. */
static int pager_key(struct app *a, int key)
{
	/* a page keeps two lines of the one before, for context */
	size_t page = (size_t)layout_page(layout_body(HEAD_TITLE), 2), last = pager_last_top(a), top = a->text_top;
	switch (key) {
	case 'q':
	case KEY_ESC:
	case '?': view_pop(a); return 1;
	case 'j':
	case KEY_DOWN: top++; break;
	case 'k':
	case KEY_UP: top = top ? top - 1 : 0; break;
	case KEY_NPAGE:
	case ' ':
	case 6: /* Ctrl-F */ top += page; break;
	case KEY_PPAGE:
	case 2: /* Ctrl-B */ top = top > page ? top - page : 0; break;
	case 4: /* Ctrl-D */ top += page / 2; break;
	case 21: /* Ctrl-U */ top = top > page / 2 ? top - page / 2 : 0; break;
	case 'g':
	case KEY_HOME: top = 0; break;
	case 'G':
	case KEY_END: top = last; break;
	default: return 1;
	}
	a->text_top = top < last ? top : last;
	return 1;
}

static void pager_draw(struct app *a)
{
	ui_bar(a, LAYOUT_TITLE_ROW, a->pager_title, "");
	struct region body = layout_body(HEAD_TITLE), text = region_inset(body, 0, 1);
	int height = body.height;
	for (int i = 0; i < height; i++) {
		size_t k = a->text_top + (size_t)i;
		move(body.top + i, 0);
		clrtoeol();
		if (k < a->ntext)
			draw_text(body.top + i, text.left, text.width, a->text_lines[k], A_NORMAL, 1);
	}
	char status[160], where[64] = "";
	if (a->ntext > (size_t)height) /* where the page is, as less and lnav say it */
		snprintf(where, sizeof(where), "  lines %zu-%zu of %zu", a->text_top + 1,
		         a->text_top + (size_t)height < a->ntext ? a->text_top + (size_t)height : a->ntext, a->ntext);
	snprintf(status, sizeof(status), "j/k scroll  PgDn/PgUp page  g/G top/end  q or Esc close%s", where);
	draw_text(layout_status_row(), 0, layout_cols(), status, A_NORMAL, 1);
}

const struct view_ops pager_view = {.name = "pager", .draw = pager_draw, .key = pager_key, .close = pager_close};
