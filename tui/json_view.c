/* The event view: an event's JSON as a tree that folds (Enter), all at once (- and +). Its keys
 * are the key table's in CTX_JSON; its state is its own (struct jsonview). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonoutline.h"
#include "common/strbuf.h"
#include "detect/field.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/view.h"

static const char json_title[] = "Event — Enter folds or unfolds, - folds all, + unfolds all, q closes";

static const struct hint hints[] = {{ACT_DOWN, ACT_UP, "/", "move"},   {ACT_FOLD, 0, "", "fold/unfold"},
                                    {ACT_FOLD_ALL, 0, "", "fold all"}, {ACT_UNFOLD_ALL, 0, "", "unfold all"},
                                    {ACT_SEARCH, 0, "", "search"},     {ACT_BACK, 0, "", "close"}};

/* The view's own state: the document's lines and which are folded. */
struct jsonview {
	struct json_line *lines;
	size_t n, sel, top; /* sel and top count the visible lines */
	unsigned char *folded;
};

static struct jsonview *jv_of(const struct app *a)
{
	return view_private(a, &json_view);
}

void json_open(struct app *a, const char *doc)
{
	struct jsonview *jv = xcalloc(1, sizeof(*jv));
	jv->n = doc ? json_outline(doc, &jv->lines) : 0;
	if (!jv->n) {
		free(jv);
		say(a, "the event's document could not be read");
		return;
	}
	jv->folded = xcalloc(jv->n, 1);
	view_push_private(a, &json_view, jv);
}

static void json_close(struct app *a)
{
	struct jsonview *jv = jv_of(a);
	json_outline_free(jv->lines, jv->n);
	free(jv->folded);
	free(jv);
}

/* The visible lines of the tree (a folded one hides its children and its closing line). */
static struct rows json_visible(const struct jsonview *jv)
{
	struct rows r = {0};
	for (size_t i = 0; i < jv->n; i++) {
		rows_add(&r, i);
		if (jv->folded[i] && jv->lines[i].end > i)
			i = jv->lines[i].end;
	}
	return r;
}

/* The next visible line after (dir 1) or before (-1) the selection holding the search text. */
static int json_find(struct app *a, int dir)
{
	struct jsonview *jv = jv_of(a);
	if (!a->search || !*a->search)
		return 0;
	struct rows shown = json_visible(jv);
	size_t n = shown.n;
	int found = 0;
	for (size_t k = 1; k <= n && !found; k++) {
		size_t i = dir > 0 ? (jv->sel + k) % n : (jv->sel + n - k % n) % n;
		if (strcasestr(jv->lines[shown.at[i]].text, a->search)) {
			jv->sel = i;
			found = 1;
		}
	}
	rows_free(&shown);
	if (!found)
		say(a, "not found");
	return found;
}

static void json_search_typed(struct app *a, const char *text, void *data)
{
	(void)data;
	free(a->search);
	a->search = xstrdup(text);
	json_find(a, 1);
}

static int json_page(void)
{
	return layout_page(layout_body(HEAD_TITLE), 1);
}

/* Moves the selection by delta visible lines, from the first to the last. */
static void json_move_by(struct app *a, long delta)
{
	struct jsonview *jv = jv_of(a);
	struct rows shown = json_visible(jv);
	long sel = (long)jv->sel + delta, last = (long)shown.n - 1;
	jv->sel = sel < 0 ? 0 : sel > last ? (size_t)last : (size_t)sel;
	rows_free(&shown);
}

static unsigned json_context(const struct app *a)
{
	(void)a;
	return CTX_JSON;
}

/* The view takes no other action of the table: Q, ?, t, R and half pages do nothing here. */
static int json_request(struct app *a, enum tui_action act)
{
	struct jsonview *jv = jv_of(a);
	switch (act) {
	case ACT_BACK: view_pop(a); break;
	case ACT_SEARCH: dialog_prompt(a, "Search (n, N: next, previous):", NULL, json_search_typed, NULL, NULL); break;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV: json_find(a, act == ACT_SEARCH_NEXT ? 1 : -1); break;
	case ACT_DOWN: json_move_by(a, 1); break;
	case ACT_UP: json_move_by(a, -1); break;
	case ACT_FIRST: json_move_by(a, -(long)jv->n); break;
	case ACT_LAST: json_move_by(a, (long)jv->n); break;
	case ACT_PAGE_DOWN: json_move_by(a, json_page()); break;
	case ACT_PAGE_UP: json_move_by(a, -json_page()); break;
	case ACT_FOLD: {
		struct rows shown = json_visible(jv);
		size_t line = shown.at[jv->sel];
		if (jv->lines[line].end > line)
			jv->folded[line] = !jv->folded[line];
		rows_free(&shown);
		break;
	}
	case ACT_FOLD_ALL:
	case ACT_UNFOLD_ALL:
		for (size_t i = 1; i < jv->n; i++) /* the root stays open */
			jv->folded[i] = act == ACT_FOLD_ALL && jv->lines[i].end > i;
		jv->sel = 0;
		break;
	default: break;
	}
	return 1;
}

static void json_draw(struct app *a)
{
	struct jsonview *jv = jv_of(a);
	ui_bar(a, LAYOUT_TITLE_ROW, json_title, "");
	struct rows shown = json_visible(jv);
	size_t n = shown.n;
	struct region body = layout_body(HEAD_TITLE);
	int height = body.height;
	if (jv->sel >= n)
		jv->sel = n ? n - 1 : 0;
	if (jv->sel < jv->top)
		jv->top = jv->sel;
	if (jv->sel >= jv->top + (size_t)height)
		jv->top = jv->sel - (size_t)height + 1;
	for (int r = 0; r < height; r++) {
		size_t k = jv->top + (size_t)r;
		move(body.top + r, 0);
		clrtoeol();
		if (k >= n)
			continue;
		size_t at = shown.at[k];
		const struct json_line *l = &jv->lines[at];
		struct strbuf sb;
		strbuf_init(&sb, 128);
		for (int d = 0; d < l->depth; d++)
			strbuf_addstr(&sb, "  ");
		int opening = l->end > at;
		strbuf_addstr(&sb, opening ? (jv->folded[at] ? "▸ " : "▾ ") : "  ");
		strbuf_addstr(&sb, l->text);
		if (opening && jv->folded[at])
			strbuf_addf(&sb, " … %zu %s", l->children, l->children == 1 ? "item" : "items");
		draw_text(body.top + r, 0, body.width, sb.buf, k == jv->sel ? A_REVERSE : A_NORMAL, 1);
		strbuf_release(&sb);
	}
	char line[200];
	ui_hints(hints, sizeof(hints) / sizeof(hints[0]), line, sizeof(line));
	ui_status_line(a, line);
	rows_free(&shown);
}

const struct view_ops json_view = {.name = "event",
                                   .context = json_context,
                                   .draw = json_draw,
                                   .request = json_request,
                                   .move_by = json_move_by,
                                   .page = json_page,
                                   .close = json_close};
