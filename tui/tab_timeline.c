/* The Timeline tab: the events on the alert's host around it (or on its file on every host),
 * the alert's own marked ▶; Enter opens an event's JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/timeutil.h"
#include "detect/kql.h"
#include "store/alerts.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/view.h"

static const struct hint hints[] = {{ACT_OPEN, 0, "", "event"},
                                    {ACT_WIDEN, ACT_NARROW, "/", "window"},
                                    {ACT_EARLIER, ACT_LATER, " ", "page"},
                                    {ACT_PIVOT_PROCESS, 0, "", "process"},
                                    {ACT_PIVOT_USER, 0, "", "user"},
                                    {ACT_PIVOT_FILE, 0, "", "file"},
                                    {ACT_CATEGORY, 0, "", "category"},
                                    {ACT_BACK, 0, "", "back"}};

static const char *const categories[] = {"all", "file", "process", "network"};

static int same(const char *x, const char *y)
{
	return x && y && !strcmp(x, y);
}

int timeline_shows(const struct alertview *v, const struct case_event *e)
{
	if (v->category && !(e->category && strstr(e->category, categories[v->category])))
		return 0;
	if (v->pivot == 'p' || v->pivot == 'u')
		return same(v->pivot == 'p' ? e->entity : e->user, v->pivot_value);
	return 1;
}

/* The selected row's process, user or file, else the alert's own: what p, u and F pivot on. */
static char *pivot_value_of(struct app *a, int pivot)
{
	struct alertview *v = &a->av;
	int64_t id = timeline_selected_event(a);
	const char *value = NULL;
	for (size_t i = 0; id && i < v->rec.ntimeline && !value; i++) {
		const struct case_event *e = &v->rec.timeline[i];
		if (e->id == id)
			value = pivot == 'p' ? e->entity : pivot == 'u' ? e->user : e->file_path;
	}
	if (!value)
		value = v->fields[pivot == 'p' ? F_ENTITY : pivot == 'u' ? F_USER : F_PATH];
	return value ? xstrdup(value) : NULL;
}

static struct rows shown_rows(const struct alertview *v)
{
	struct rows r = {0};
	for (size_t i = 0; i < v->rec.ntimeline; i++)
		if (timeline_shows(v, &v->rec.timeline[i]))
			rows_add(&r, i);
	return r;
}

static size_t timeline_length(struct app *a)
{
	struct rows r = shown_rows(&a->av);
	size_t n = r.n;
	rows_free(&r);
	return n;
}

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

static void draw_heading(struct app *a)
{
	const struct alertview *v = &a->av;
	struct strbuf head;
	strbuf_init(&head, 128);
	if (v->pivot == 'F') {
		strbuf_addf(&head, " the file path on every host · category %s", categories[v->category]);
	} else {
		if (v->tl_before != v->tl_after || v->tl_shift) { /* a window set or paged: its ends */
			char from[32], to[32];
			int64_t t = v->rec.original_time;
			ui_format_time(a, t - v->tl_before + v->tl_shift, from, sizeof(from), 1);
			ui_format_time(a, t + v->tl_after + v->tl_shift, to, sizeof(to), 1);
			strbuf_addf(&head, " %s – %s", from, to);
		} else {
			strbuf_addf(&head, " ±%llds", (long long)(v->tl_before / TIME_US_PER_SEC));
		}
		strbuf_addf(&head, " · %s · category %s",
		            v->pivot == 'p'   ? "this process"
		            : v->pivot == 'u' ? "this user"
		                              : "all processes",
		            categories[v->category]);
	}
	if (v->tl_kql_text)
		strbuf_addf(&head, " · KQL %s", v->tl_kql_text);
	draw_text(4, 0, COLS, head.buf, A_DIM, 1);
	strbuf_release(&head);
}

static void draw_event(struct app *a, int y, const struct case_event *e, int selected)
{
	const struct alertview *v = &a->av;
	int proc_w = 14, what_w = 20, time_w = 8, host_w = v->pivot == 'F' ? 15 : 0;
	int own = case_is_member(&v->rec, e->id);
	attr_t base = (selected ? A_REVERSE : A_NORMAL) | (own ? A_BOLD : 0);
	char tbuf[32];
	ui_format_time(a, e->ts, tbuf, sizeof(tbuf), 0);
	struct strbuf what;
	strbuf_init(&what, 64);
	strbuf_addf(&what, "%s/%s", or_dash(e->category), or_dash(e->action));
	int x = 0;
	x += ui_cell(y, x, 2, own ? "▶" : " ", base);
	x += ui_cell(y, x, time_w + 1, tbuf, base);
	if (host_w)
		x += ui_cell(y, x, host_w + 1, or_dash(e->host), base);
	x += ui_cell(y, x, what_w + 1, what.buf, base);
	x += ui_cell(y, x, proc_w + 1, or_dash(e->process), base);
	/* the evidence: a connection's address, a process's command line, a file's path */
	draw_text_middle(y, x, COLS - x, or_dash(e->evidence ? e->evidence : e->target), base);
	strbuf_release(&what);
}

static void timeline_draw(struct app *a)
{
	struct alertview *v = &a->av;
	draw_heading(a);
	int height = LINES - 6;
	struct rows shown = shown_rows(v);
	size_t n = shown.n, *top = &v->top[TAB_timeline], sel = v->sel[TAB_timeline];
	if (sel < *top)
		*top = sel;
	if (sel >= *top + (size_t)height)
		*top = sel - (size_t)height + 1;
	for (int i = 0; i < height; i++) {
		size_t k = *top + (size_t)i;
		move(5 + i, 0);
		clrtoeol();
		if (k < n)
			draw_event(a, 5 + i, &v->rec.timeline[shown.at[k]], k == sel);
	}
	if (!n)
		draw_text(6, 2, COLS - 4, "No events in this window: + widens it.", A_NORMAL, 1);
	rows_free(&shown);
}

static int take_doc(void *ctx, const struct event_row *row)
{
	*(char **)ctx = xstrndup(row->doc, row->doc_len);
	return 1;
}

int64_t timeline_selected_event(struct app *a)
{
	struct alertview *v = &a->av;
	struct rows shown = shown_rows(v);
	size_t sel = v->sel[TAB_timeline];
	int64_t id = sel < shown.n ? v->rec.timeline[shown.at[sel]].id : 0;
	rows_free(&shown);
	return id;
}

/* The selected event's JSON, read now: the timeline holds no documents. */
static void open_selected(struct app *a)
{
	int64_t id = timeline_selected_event(a);
	if (!id)
		return;
	char *doc = NULL;
	if (store_event_get(a->s, id, 1, take_doc, &doc))
		say(a, "could not read the event: %.300s", store_errmsg(a->s));
	else
		json_open(a, doc);
	free(doc);
}

int timeline_filter(struct app *a, const char *text)
{
	struct alertview *v = &a->av;
	struct kql_node *q = NULL;
	if (text && *text) {
		struct kql_error err;
		if (!(q = kql_parse(text, &err))) {
			say(a, "KQL error at column %zu: %s", err.column, err.msg);
			return -1;
		}
	}
	kql_free(v->tl_kql);
	free(v->tl_kql_text);
	v->tl_kql = q;
	v->tl_kql_text = q ? xstrdup(text) : NULL;
	alert_reload_timeline(a);
	return 0;
}

static void kql_typed(struct app *a, const char *text, void *data)
{
	(void)data;
	timeline_filter(a, text);
}

static int take_doc_len(void *ctx, const struct event_row *row)
{
	struct strbuf *sb = ctx;
	strbuf_add(sb, row->doc, row->doc_len);
	return 1;
}

/* The selected event's fields, to narrow the timeline by one of them. */
static void open_fields(struct app *a)
{
	int64_t id = timeline_selected_event(a);
	if (!id)
		return;
	struct strbuf doc;
	strbuf_init(&doc, 4096);
	if (store_event_get(a->s, id, 1, take_doc_len, &doc))
		say(a, "could not read the event: %.300s", store_errmsg(a->s));
	else
		fields_open(a, doc.buf, doc.len, timeline_filter);
	strbuf_release(&doc);
}

static int row_holds(const struct case_event *e, const char *needle)
{
	const char *cells[] = {e->category, e->action, e->process, e->host, e->evidence, e->target, e->user};
	for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++)
		if (cells[i] && strcasestr(cells[i], needle))
			return 1;
	return 0;
}

static int timeline_find(struct app *a, const char *needle, int dir)
{
	struct alertview *v = &a->av;
	struct rows shown = shown_rows(v);
	size_t n = shown.n, at = v->sel[TAB_timeline];
	int found = 0;
	for (size_t k = 1; k <= n && !found; k++) {
		size_t i = dir > 0 ? (at + k) % n : (at + n - k % n) % n;
		if (row_holds(&v->rec.timeline[shown.at[i]], needle)) {
			v->sel[TAB_timeline] = i;
			found = 1;
		}
	}
	rows_free(&shown);
	return found;
}

/* "START END": the window as two instants (any ISO 8601 form), around the alert's event. */
static void window_typed(struct app *a, const char *text, void *data)
{
	(void)data;
	struct alertview *v = &a->av;
	const char *space = strchr(text, ' ');
	int64_t from, to;
	if (!space || time_parse_iso8601(text, (size_t)(space - text), &from, NULL) ||
	    time_parse_iso8601(space + 1, strlen(space + 1), &to, NULL) || from > to) {
		say(a, "the window is two ISO 8601 times, the start first: 2024-05-01T10:00:00Z 2024-05-01T11:00:00Z");
		return;
	}
	int64_t t = v->rec.original_time;
	v->tl_shift = 0;
	v->tl_before = t - from;
	v->tl_after = to - t;
	if (v->tl_before < 0 || v->tl_after < 0) { /* a window that leaves the alert out: shifted */
		int64_t half = (to - from) / 2;
		v->tl_before = v->tl_after = half;
		v->tl_shift = from + half - t;
	}
	alert_reload_related(a);
	alert_reload_timeline(a);
}

static int timeline_request(struct app *a, enum tui_action act)
{
	struct alertview *v = &a->av;
	switch (act) {
	case ACT_WINDOW: dialog_prompt(a, "Window (START END, ISO 8601):", NULL, window_typed, NULL, NULL); return 1;
	case ACT_OPEN: open_selected(a); return 1;
	case ACT_TIMELINE_KQL:
		dialog_prompt(a, "Filter the timeline (KQL over its events):", v->tl_kql_text, kql_typed, NULL, NULL);
		return 1;
	case ACT_FIELDS: open_fields(a); return 1;
	case ACT_WIDEN:
		v->tl_before *= 2, v->tl_after *= 2;
		alert_reload_related(a);
		break;
	case ACT_NARROW:
		if (v->tl_before > TIME_US_PER_SEC)
			v->tl_before /= 2, v->tl_after /= 2;
		alert_reload_related(a);
		break;
	case ACT_EARLIER: v->tl_shift -= v->tl_before; break;
	case ACT_LATER: v->tl_shift += v->tl_after; break;
	case ACT_PIVOT_PROCESS:
	case ACT_PIVOT_USER:
	case ACT_PIVOT_FILE: {
		int p = act == ACT_PIVOT_PROCESS ? 'p' : act == ACT_PIVOT_USER ? 'u' : 'F';
		free(v->pivot_value);
		v->pivot_value = v->pivot == p ? NULL : pivot_value_of(a, p);
		v->pivot = v->pivot == p ? 0 : p;
		break;
	}
	case ACT_CATEGORY: v->category = (v->category + 1) % 4; break;
	default: return 0;
	}
	alert_reload_timeline(a);
	return 1;
}

/* The rows start on line 5, from the tab's top row. */
static void timeline_click(struct app *a, int y, int x)
{
	(void)x;
	size_t k = a->av.top[TAB_timeline] + (size_t)(y - 5);
	if (y >= 5 && k < timeline_length(a))
		a->av.sel[TAB_timeline] = k;
}

const struct tab_ops tab_timeline = {.name = "Timeline",
                                     .ctx = CTX_TIMELINE,
                                     .draw = timeline_draw,
                                     .request = timeline_request,
                                     .find = timeline_find,
                                     .length = timeline_length,
                                     .click = timeline_click,
                                     .hints = hints,
                                     .nhints = sizeof(hints) / sizeof(hints[0])};
