/* The event view: an event's JSON as a tree that folds (Enter), all at once (- and +). */
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

void json_open(struct app *a, const char *doc)
{
	json_outline_free(a->json, a->njson);
	free(a->folded);
	a->folded = NULL;
	a->njson = doc ? json_outline(doc, &a->json) : 0;
	if (!a->njson) {
		a->json = NULL;
		say(a, "the event's document could not be read");
		return;
	}
	a->folded = xcalloc(a->njson, 1);
	a->json_sel = a->json_top = 0;
	view_push(a, &json_view);
}

static void json_close(struct app *a)
{
	json_outline_free(a->json, a->njson);
	free(a->folded);
	a->json = NULL;
	a->folded = NULL;
	a->njson = 0;
}

/* The visible lines of the tree (a folded one hides its children and its closing line). */
static struct rows json_visible(const struct app *a)
{
	struct rows r = {0};
	for (size_t i = 0; i < a->njson; i++) {
		rows_add(&r, i);
		if (a->folded[i] && a->json[i].end > i)
			i = a->json[i].end;
	}
	return r;
}

/* The next visible line after (dir 1) or before (-1) the selection holding the search text. */
static int json_find(struct app *a, int dir)
{
	if (!a->search || !*a->search)
		return 0;
	struct rows shown = json_visible(a);
	size_t n = shown.n;
	int found = 0;
	for (size_t k = 1; k <= n && !found; k++) {
		size_t i = dir > 0 ? (a->json_sel + k) % n : (a->json_sel + n - k % n) % n;
		if (strcasestr(a->json[shown.at[i]].text, a->search)) {
			a->json_sel = i;
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

static int json_key(struct app *a, int key)
{
	a->msg[0] = '\0';
	if (key == '/') {
		dialog_prompt(a, "Search (n, N: next, previous):", NULL, json_search_typed, NULL, NULL);
		return 1;
	}
	if (key == 'n' || key == 'N') {
		json_find(a, key == 'n' ? 1 : -1);
		return 1;
	}
	struct rows shown = json_visible(a);
	size_t n = shown.n, page = (size_t)layout_page(layout_body(HEAD_TITLE), 1);
	if (key == 'q' || key == KEY_ESC) {
		view_pop(a);
	} else if ((key == 'j' || key == KEY_DOWN) && a->json_sel + 1 < n) {
		a->json_sel++;
	} else if ((key == 'k' || key == KEY_UP) && a->json_sel) {
		a->json_sel--;
	} else if (key == 'g' || key == KEY_HOME) {
		a->json_sel = 0;
	} else if (key == 'G' || key == KEY_END) {
		a->json_sel = n - 1;
	} else if (key == KEY_NPAGE) {
		a->json_sel = a->json_sel + page < n ? a->json_sel + page : n - 1;
	} else if (key == KEY_PPAGE) {
		a->json_sel = a->json_sel > page ? a->json_sel - page : 0;
	} else if (key == '\n' || key == '\r' || key == KEY_ENTER || key == ' ') {
		size_t line = shown.at[a->json_sel];
		if (a->json[line].end > line)
			a->folded[line] = !a->folded[line];
	} else if (key == '-' || key == '+') {
		for (size_t i = 1; i < a->njson; i++) /* the root stays open */
			a->folded[i] = key == '-' && a->json[i].end > i;
		a->json_sel = 0;
	}
	rows_free(&shown);
	return 1;
}

static void json_draw(struct app *a)
{
	ui_bar(a, LAYOUT_TITLE_ROW, json_title, "");
	struct rows shown = json_visible(a);
	size_t n = shown.n;
	struct region body = layout_body(HEAD_TITLE);
	int height = body.height;
	if (a->json_sel >= n)
		a->json_sel = n ? n - 1 : 0;
	if (a->json_sel < a->json_top)
		a->json_top = a->json_sel;
	if (a->json_sel >= a->json_top + (size_t)height)
		a->json_top = a->json_sel - (size_t)height + 1;
	for (int r = 0; r < height; r++) {
		size_t k = a->json_top + (size_t)r;
		move(body.top + r, 0);
		clrtoeol();
		if (k >= n)
			continue;
		size_t at = shown.at[k];
		const struct json_line *l = &a->json[at];
		struct strbuf sb;
		strbuf_init(&sb, 128);
		for (int d = 0; d < l->depth; d++)
			strbuf_addstr(&sb, "  ");
		int opening = l->end > at;
		strbuf_addstr(&sb, opening ? (a->folded[at] ? "▸ " : "▾ ") : "  ");
		strbuf_addstr(&sb, l->text);
		if (opening && a->folded[at])
			strbuf_addf(&sb, " … %zu %s", l->children, l->children == 1 ? "item" : "items");
		draw_text(body.top + r, 0, body.width, sb.buf, k == a->json_sel ? A_REVERSE : A_NORMAL, 1);
		strbuf_release(&sb);
	}
	ui_status_line(a, "j/k move  Enter fold/unfold  - fold all  + unfold all  / search  q close");
	rows_free(&shown);
}

const struct view_ops json_view = {.name = "event", .draw = json_draw, .key = json_key, .close = json_close};
