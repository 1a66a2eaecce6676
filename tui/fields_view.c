/* The field table: every field of an event, a row each (Kibana's flyout table, lnav's
 * pretty-print). Enter or + keeps only the events with that value, - drops them: the choice
 * becomes a KQL clause added to the filter of the view it came from (timeline or browser). */
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/esql_search.h"
#include "detect/field.h"
#include "detect/jsondoc.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/exception_view.h"
#include "tui/view.h"

/* The view's own state: the event's leaves, the rows' order and what a pivot narrows. */
struct fieldview {
	char **names, **values;
	size_t n, sel, top;
	size_t *order;  /* row k shows field order[k]: as read, or sorted */
	int sort, desc; /* 0 as read, 1 by name, 2 by value; descending */
	int (*pivot_to)(struct app *a, const char *kql);
};

static struct fieldview *fv_of(const struct app *a)
{
	return view_private(a, &fields_view);
}

static void fieldview_free(struct fieldview *fv)
{
	for (size_t i = 0; i < fv->n; i++)
		free(fv->names[i]), free(fv->values[i]);
	free(fv->names);
	free(fv->values);
	free(fv->order);
	free(fv);
}

static void fields_close(struct app *a)
{
	fieldview_free(fv_of(a));
}

void fields_open(struct app *a, const char *doc, size_t len, int (*pivot_to)(struct app *a, const char *kql))
{
	struct fieldview *fv = xcalloc(1, sizeof(*fv));
	fv->pivot_to = pivot_to;
	fv->n = json_leaves(doc, len, &fv->names, &fv->values);
	if (!fv->n) {
		fieldview_free(fv);
		say(a, "the event's document could not be read");
		return;
	}
	fv->order = xmalloc(fv->n * sizeof(*fv->order));
	for (size_t i = 0; i < fv->n; i++)
		fv->order[i] = i;
	view_push_private(a, &fields_view, fv);
}

/* The field on row k. */
static size_t field_at(const struct fieldview *fv, size_t k)
{
	return fv->order[k];
}

/* A KQL value as a quoted phrase: only " and \ need escaping there. */
static void kql_quote(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_addch(sb, '\\');
		strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '"');
}

/* The selected field as a clause of the timeline's filter, kept (keep) or dropped. */
static void pivot(struct app *a, int keep)
{
	struct fieldview *fv = fv_of(a);
	size_t f = field_at(fv, fv->sel);
	const char *name = fv->names[f], *value = fv->values[f];
	struct strbuf kql;
	strbuf_init(&kql, 128);
	const char *old = fv->pivot_to == timeline_filter ? alert_of(a)->tl_kql_text : events_filter_text(a);
	if (old && esql_search_is_esql(old)) { /* an ES|QL filter narrows with a WHERE of its own */
		strbuf_addf(&kql, "%s | WHERE %s`", old, keep ? "" : "NOT ");
		for (const char *c = name; *c; c++) /* a backquote in a quoted name is doubled */
			strbuf_addstr(&kql, *c == '`' ? "``" : (char[]){*c, 0});
		strbuf_addstr(&kql, "` : ");
		kql_quote(&kql, value);
	} else {
		if (old)
			strbuf_addf(&kql, "(%s) and ", old);
		strbuf_addf(&kql, "%s%s:", keep ? "" : "not ", name);
		kql_quote(&kql, value);
	}
	int (*narrow)(struct app *, const char *) = fv->pivot_to;
	view_pop(a); /* back to the timeline or the browser, narrowed */
	narrow(a, kql.buf);
	strbuf_release(&kql);
}

static const char *const sort_names[] = {"as read", "name", "value"};
static const struct fieldview *sorting; /* qsort has no context argument in C11 */

static int compare_fields(const void *x, const void *y)
{
	size_t p = *(const size_t *)x, q = *(const size_t *)y;
	int c = 0;
	if (sorting->sort == 1)
		c = strcmp(sorting->names[p], sorting->names[q]);
	else if (sorting->sort == 2)
		c = strcmp(sorting->values[p], sorting->values[q]);
	if (!c) /* then as read: ties keep the document's order */
		c = p < q ? -1 : p > q;
	return sorting->desc ? -c : c;
}

/* Sorts the rows, keeping the selected field selected. */
static void sort_fields(struct app *a)
{
	struct fieldview *fv = fv_of(a);
	size_t keep = field_at(fv, fv->sel);
	sorting = fv;
	qsort(fv->order, fv->n, sizeof(*fv->order), compare_fields);
	for (size_t k = 0; k < fv->n; k++)
		if (fv->order[k] == keep)
			fv->sel = k;
}

/* The next row after (dir 1) or before (-1) the selection whose name or value holds the
 * search text, wrapping; selected. */
static void find_field(struct app *a, int dir)
{
	struct fieldview *fv = fv_of(a);
	if (!a->search || !*a->search) {
		say(a, "no search yet: press /");
		return;
	}
	size_t n = fv->n;
	for (size_t step = 1; step <= n; step++) {
		size_t k = dir > 0 ? (fv->sel + step) % n : (fv->sel + n - step % n) % n;
		size_t f = field_at(fv, k);
		if (strcasestr(fv->names[f], a->search) || strcasestr(fv->values[f], a->search)) {
			fv->sel = k;
			return;
		}
	}
	say(a, "not found: %.200s", a->search);
}

static void search_typed(struct app *a, const char *text, void *data)
{
	(void)data;
	free(a->search);
	a->search = xstrdup(text);
	find_field(a, 1);
}

static void fields_move_by(struct app *a, long delta)
{
	struct fieldview *fv = fv_of(a);
	long sel = (long)fv->sel + delta, n = (long)fv->n;
	fv->sel = sel < 0 ? 0 : sel >= n ? (size_t)(n - 1) : (size_t)sel;
}

static int fields_page_rows(void)
{
	return layout_page(layout_body(HEAD_TITLE), 1);
}

static int fields_request(struct app *a, enum tui_action act)
{
	struct fieldview *fv = fv_of(a);
	switch (act) {
	case ACT_BACK: view_pop(a); return 1;
	case ACT_KEEP_VALUE: pivot(a, 1); return 1;
	case ACT_DROP_VALUE: pivot(a, 0); return 1;
	case ACT_SEARCH: dialog_prompt(a, "Search (n, N: next, previous):", NULL, search_typed, NULL, NULL); return 1;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV: find_field(a, act == ACT_SEARCH_NEXT ? 1 : -1); return 1;
	case ACT_SORT_COLUMN:
		fv->sort = (fv->sort + 1) % 3;
		fv->desc = 0;
		sort_fields(a);
		return 1;
	case ACT_SORT_ORDER:
		fv->desc = !fv->desc;
		sort_fields(a);
		return 1;
	case ACT_EXCEPTION: /* an exception made from this event's fields */
		if (!in_alert(a))
			return 0;
		exception_builder_open(
		    a, alert_of(a)->fields[F_RULE_ID] ? alert_of(a)->fields[F_RULE_ID] : alert_of(a)->rec.rule_id,
		    alert_of(a)->rec.rule_name, alert_of(a)->rec.uuid, fv->names, fv->values, fv->n,
		    fv->names[field_at(fv, fv->sel)]);
		return 1;
	default: return 0;
	}
}

static unsigned fields_context(const struct app *a)
{
	(void)a;
	return CTX_FIELDS;
}

static const struct hint hints[] = {{ACT_KEEP_VALUE, 0, "", "keep"},
                                    {ACT_DROP_VALUE, 0, "", "drop"},
                                    {ACT_SEARCH, 0, "", "search"},
                                    {ACT_EXCEPTION, 0, "", "exception"},
                                    {ACT_SORT_COLUMN, ACT_SORT_ORDER, "/", "sort"},
                                    {ACT_HELP, 0, "", "help"},
                                    {ACT_BACK, 0, "", "close"}};

static void fields_draw(struct app *a)
{
	struct fieldview *fv = fv_of(a);
	char title[160];
	snprintf(title, sizeof(title), "Event fields — Enter keeps events with this value, - drops them%s%s%s",
	         fv->sort || fv->desc ? " · sorted by " : "", fv->sort || fv->desc ? sort_names[fv->sort] : "",
	         fv->desc ? ", descending" : "");
	ui_bar(a, LAYOUT_TITLE_ROW, title, "");
	struct region body = layout_body(HEAD_TITLE);
	int height = body.height, name_w = body.width / 3 > 40 ? 40 : body.width / 3;
	if (fv->sel < fv->top)
		fv->top = fv->sel;
	if (fv->sel >= fv->top + (size_t)height)
		fv->top = fv->sel - (size_t)height + 1;
	for (int r = 0; r < height; r++) {
		size_t k = fv->top + (size_t)r;
		int y = body.top + r;
		move(y, 0);
		clrtoeol();
		if (k >= fv->n)
			continue;
		size_t f = field_at(fv, k);
		attr_t at = k == fv->sel ? A_REVERSE : A_NORMAL;
		ui_cell(y, 0, name_w + 1, fv->names[f], at | A_BOLD);
		draw_text(y, name_w + 1, layout_width_from(name_w + 1), fv->values[f], at, 1);
	}
	char line[300];
	ui_hints(hints, sizeof(hints) / sizeof(hints[0]), line, sizeof(line));
	ui_status_line(a, line);
}

const struct view_ops fields_view = {.name = "fields",
                                     .context = fields_context,
                                     .draw = fields_draw,
                                     .request = fields_request,
                                     .move_by = fields_move_by,
                                     .page = fields_page_rows,
                                     .close = fields_close};
