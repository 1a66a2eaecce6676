/* The pager: read-only text that scrolls (the help, a process's events). Its keys are the key
 * table's in CTX_PAGER; its state is its own (struct pagerview). */
#include <stdio.h>
#include <stdlib.h>

#include "common/status.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "tui/draw.h"
#include "tui/view.h"

static const struct hint hints[] = {{ACT_DOWN, ACT_UP, "/", "scroll"},
                                    {ACT_PAGE_DOWN, ACT_PAGE_UP, "/", "page"},
                                    {ACT_FIRST, ACT_LAST, "/", "top/end"},
                                    {ACT_BACK, ACT_BACK, " or ", "close"}};

struct pagerview {
	char *title;
	char **lines;
	size_t n, top;
};

static struct pagerview *pv_of(const struct app *a)
{
	return view_private(a, &pager_view);
}

/* The columns the text is wrapped to: two fewer than it is drawn in, from column 1. */
int pager_text_width(void)
{
	return region_inset(layout_screen(), 0, 2).width;
}

static void pagerview_clear(struct pagerview *pv)
{
	free_lines(pv->lines, pv->n);
	free(pv->title);
	pv->lines = NULL;
	pv->title = NULL;
	pv->n = pv->top = 0;
}

/* Opens the pager, or puts the text in the one in view. */
void pager_open(struct app *a, const char *title, const char *text, int multiline)
{
	struct pagerview *pv = view_top(a) == &pager_view ? pv_of(a) : xcalloc(1, sizeof(*pv));
	pagerview_clear(pv);
	pv->n = wrap_text(text, pager_text_width(), multiline, &pv->lines);
	pv->title = xstrdup(title);
	if (view_top(a) != &pager_view)
		view_push_private(a, &pager_view, pv);
}

static void pager_close(struct app *a)
{
	struct pagerview *pv = pv_of(a);
	pagerview_clear(pv);
	free(pv);
}

/* Lines of text the pager shows at once. */
static size_t pager_height(void)
{
	return (size_t)layout_body(HEAD_TITLE).height;
}

/* Rows a page moves: it keeps two lines of the one before, for context. */
static int pager_page(void)
{
	return layout_page(layout_body(HEAD_TITLE), 2);
}

/* Scrolls by delta lines, from the first to the top line that shows the last page. */
static void pager_move_by(struct app *a, long delta)
{
	struct pagerview *pv = pv_of(a);
	long last = pv->n > pager_height() ? (long)(pv->n - pager_height()) : 0, top = (long)pv->top + delta;
	pv->top = top < 0 ? 0 : top > last ? (size_t)last : (size_t)top;
}

static unsigned pager_context(const struct app *a)
{
	(void)a;
	return CTX_PAGER;
}

/* The keys of every list (STYLE.md): j/k and arrows a line, PgDn/PgUp (Space, Ctrl-F/B) a page,
 * Ctrl-D/Ctrl-U half a page, g/Home and G/End the ends; q, Esc and ? close. The pager takes no
 * other action of the table (Q, t, R do nothing here). */
static int pager_request(struct app *a, enum tui_action act)
{
	long page = pager_page();
	switch (act) {
	case ACT_BACK:
	case ACT_HELP: view_pop(a); break;
	case ACT_DOWN: pager_move_by(a, 1); break;
	case ACT_UP: pager_move_by(a, -1); break;
	case ACT_PAGE_DOWN:
	case ACT_PAGER_NEXT: pager_move_by(a, page); break;
	case ACT_PAGE_UP:
	case ACT_PAGER_PREV: pager_move_by(a, -page); break;
	case ACT_HALF_DOWN: pager_move_by(a, page / 2); break;
	case ACT_HALF_UP: pager_move_by(a, -(page / 2)); break;
	case ACT_FIRST: pager_move_by(a, -(long)pv_of(a)->n); break;
	case ACT_LAST: pager_move_by(a, (long)pv_of(a)->n); break;
	default: break;
	}
	return 1;
}

static void pager_draw(struct app *a)
{
	struct pagerview *pv = pv_of(a);
	ui_bar(a, LAYOUT_TITLE_ROW, pv->title, "");
	struct region body = layout_body(HEAD_TITLE), text = region_inset(body, 0, 1);
	int height = body.height;
	for (int i = 0; i < height; i++) {
		size_t k = pv->top + (size_t)i;
		move(body.top + i, 0);
		clrtoeol();
		if (k < pv->n)
			draw_text(body.top + i, text.left, text.width, pv->lines[k], A_NORMAL, 1);
	}
	char status[200], keys[120], where[64] = "";
	if (pv->n > (size_t)height) /* where the page is, as less and lnav say it */
		snprintf(where, sizeof(where), "  lines %zu-%zu of %zu", pv->top + 1,
		         pv->top + (size_t)height < pv->n ? pv->top + (size_t)height : pv->n, pv->n);
	ui_hints(hints, sizeof(hints) / sizeof(hints[0]), keys, sizeof(keys));
	snprintf(status, sizeof(status), "%s%s", keys, where);
	draw_text(layout_status_row(), 0, layout_cols(), status, A_NORMAL, 1);
}

const struct view_ops pager_view = {.name = "pager",
                                    .context = pager_context,
                                    .draw = pager_draw,
                                    .request = pager_request,
                                    .move_by = pager_move_by,
                                    .page = pager_page,
                                    .close = pager_close};
