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
#include "tui/histogram.h"
#include "tui/view.h"

/* the window's heading on the first row under the alert's head, the histogram's two rows, then
 * the events (HEAD_TIMELINE rows in all over them) */
#define TIMELINE_HEADING_ROW   HEAD_ALERT
#define TIMELINE_HISTOGRAM_ROW (HEAD_ALERT + 1)

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
	if (v->pivot == PIVOT_PROCESS || v->pivot == PIVOT_USER)
		return same(v->pivot == PIVOT_PROCESS ? e->entity : e->user, v->pivot_value);
	return 1;
}

/* The selected row's process, user or file, else the alert's own: what p, u and F pivot on. */
static char *pivot_value_of(struct app *a, enum timeline_pivot pivot)
{
	struct alertview *v = alert_of(a);
	int64_t id = timeline_selected_event(a);
	const char *value = NULL;
	for (size_t i = 0; id && i < v->rec.ntimeline && !value; i++) {
		const struct case_event *e = &v->rec.timeline[i];
		if (e->id == id)
			value = pivot == PIVOT_PROCESS ? e->entity : pivot == PIVOT_USER ? e->user : e->file_path;
	}
	if (!value)
		value = v->fields[pivot == PIVOT_PROCESS ? F_ENTITY : pivot == PIVOT_USER ? F_USER : F_PATH];
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
	struct rows r = shown_rows(alert_of(a));
	size_t n = r.n;
	rows_free(&r);
	return n;
}

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

/* The window the timeline shows: around the alert, or from the first to the last row when it
 * follows a file on every host (no window then). */
static void window_ends(const struct alertview *v, int64_t *from, int64_t *to)
{
	int64_t t = v->rec.original_time;
	if (v->pivot != PIVOT_FILE) {
		*from = t - v->tl_before + v->tl_shift;
		*to = t + v->tl_after + v->tl_shift;
		return;
	}
	*from = *to = t;
	for (size_t i = 0; i < v->rec.ntimeline; i++) {
		int64_t ts = v->rec.timeline[i].ts;
		*from = i && *from < ts ? *from : ts;
		*to = i && *to > ts ? *to : ts;
	}
}

/* Whether the window's ends fall on different days (in the times shown): then each row
 * carries its date, or 21:57:35 before 09:29:16 reads as out of order. */
static int spans_days(struct app *a)
{
	int64_t from, to;
	window_ends(alert_of(a), &from, &to);
	char f[32], t[32];
	ui_format_time(a, from, f, sizeof(f), 1);
	ui_format_time(a, to, t, sizeof(t), 1);
	return strncmp(f, t, 10) != 0; /* YYYY-MM-DD */
}

/* What a pivot keeps, in the analyst's words: "process ZoomUpdate (pid 745)", "user root". */
static void describe_pivot(const struct alertview *v, struct strbuf *out)
{
	if (v->pivot == PIVOT_USER) {
		strbuf_addf(out, "user %s", or_dash(v->pivot_value));
		return;
	}
	if (v->pivot != PIVOT_PROCESS) {
		strbuf_addstr(out, "all processes");
		return;
	}
	const struct case_event *named = NULL;
	for (size_t i = 0; i < v->rec.ntimeline && !named; i++) {
		const struct case_event *e = &v->rec.timeline[i];
		if (same(e->entity, v->pivot_value) && e->process)
			named = e;
	}
	if (!named) {
		strbuf_addf(out, "process %s", or_dash(v->pivot_value));
		return;
	}
	strbuf_addf(out, "process %s", named->process);
	if (named->has_pid)
		strbuf_addf(out, " (pid %lld)", (long long)named->pid);
}

static void draw_heading(struct app *a)
{
	const struct alertview *v = alert_of(a);
	struct strbuf head;
	strbuf_init(&head, 128);
	if (v->pivot == PIVOT_FILE) {
		strbuf_addf(&head, " the file path on every host · category %s", categories[v->category]);
	} else {
		if (v->tl_before != v->tl_after || v->tl_shift) { /* a window set or paged: its ends */
			char from[32], to[32];
			int64_t t = v->rec.original_time;
			ui_format_time(a, t - v->tl_before + v->tl_shift, from, sizeof(from), 1);
			ui_format_time(a, t + v->tl_after + v->tl_shift, to, sizeof(to), 1);
			strbuf_addf(&head, " %s – %s", from, to);
		} else {
			char span[TIME_SPAN_LEN];
			time_format_span(v->tl_before, span);
			strbuf_addf(&head, " ±%s", span);
		}
		strbuf_addstr(&head, " · ");
		describe_pivot(v, &head);
		strbuf_addf(&head, " · category %s", categories[v->category]);
	}
	if (v->tl_kql_text)
		strbuf_addf(&head, " · KQL %s", v->tl_kql_text);
	draw_text(TIMELINE_HEADING_ROW, 0, layout_cols(), head.buf, A_DIM, 1);
	strbuf_release(&head);
}

/* The rows' times, shown with their date when the window spans days. */
static void row_time(struct app *a, int64_t ts, int with_date, char *out, size_t len)
{
	char full[32];
	ui_format_time(a, ts, full, sizeof(full), 1);
	/* "2024-05-01 10:00:00": the year is the heading's business, the month and day the row's */
	snprintf(out, len, "%s", with_date ? full + 5 : full + 11);
}

/* Two rows over the events: a bar per column for the events the filters show, then the
 * window's ends and the alert's moment (▲) under its column. */
static void draw_histogram(struct app *a, int y)
{
	const struct alertview *v = alert_of(a);
	int64_t from, to;
	window_ends(v, &from, &to);
	struct histogram h;
	int cols = layout_cols();
	histogram_init(&h, from, to, (size_t)cols);
	for (size_t i = 0; i < v->rec.ntimeline; i++)
		if (timeline_shows(v, &v->rec.timeline[i]))
			histogram_add(&h, v->rec.timeline[i].ts);
	struct strbuf line;
	strbuf_init(&line, (size_t)cols * 3 + 1);
	histogram_bars(&h, &line);
	draw_text(y, 0, cols, line.buf, A_NORMAL, 1);
	move(y + 1, 0);
	clrtoeol();
	int with_date = spans_days(a);
	char start[32], end[32];
	row_time(a, from, with_date, start, sizeof(start));
	row_time(a, to, with_date, end, sizeof(end));
	int end_w = text_width(end), mark = (int)histogram_bucket(&h, v->rec.original_time);
	draw_text(y + 1, 0, cols, start, A_DIM, 0);
	if (layout_right(end_w) > 0)
		draw_text(y + 1, layout_right(end_w), end_w, end, A_DIM, 0);
	/* the mark, with "alert" on the side that has room; over the labels when it must */
	int64_t t = v->rec.original_time;
	if (v->pivot != PIVOT_FILE && t >= from && t <= to && mark < cols) {
		int right = mark + 7 <= layout_right(end_w) - 1;
		draw_text(y + 1, right ? mark : (mark >= 6 ? mark - 6 : 0), 7, right ? "▲ alert" : "alert ▲", A_BOLD,
		          0);
	}
	strbuf_release(&line);
	histogram_release(&h);
}

static void draw_event(struct app *a, int y, const struct case_event *e, int selected, int with_date)
{
	const struct alertview *v = alert_of(a);
	int proc_w = 14, what_w = 20, time_w = with_date ? 14 : 8, host_w = v->pivot == PIVOT_FILE ? 15 : 0;
	int own = case_is_member(&v->rec, e->id);
	attr_t base = (selected ? A_REVERSE : A_NORMAL) | (own ? A_BOLD : 0);
	char tbuf[32];
	row_time(a, e->ts, with_date, tbuf, sizeof(tbuf));
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
	draw_text_middle(y, x, layout_width_from(x), or_dash(e->evidence ? e->evidence : e->target), base);
	strbuf_release(&what);
}

static void timeline_draw(struct app *a)
{
	struct alertview *v = alert_of(a);
	draw_heading(a);
	draw_histogram(a, TIMELINE_HISTOGRAM_ROW);
	struct region body = layout_body(HEAD_TIMELINE);
	int height = body.height, with_date = spans_days(a);
	struct rows shown = shown_rows(v);
	size_t n = shown.n, *top = &v->top[TAB_timeline], sel = v->sel[TAB_timeline];
	if (sel < *top)
		*top = sel;
	if (sel >= *top + (size_t)height)
		*top = sel - (size_t)height + 1;
	for (int i = 0; i < height; i++) {
		size_t k = *top + (size_t)i;
		int y = body.top + i;
		move(y, 0);
		clrtoeol();
		if (k < n)
			draw_event(a, y, &v->rec.timeline[shown.at[k]], k == sel, with_date);
	}
	if (!n)
		draw_text(body.top + 1, 2, region_inset(body, 0, 2).width, "No events in this window: + widens it.",
		          A_NORMAL, 1);
	rows_free(&shown);
}

static int take_doc(void *ctx, const struct event_row *row)
{
	*(char **)ctx = xstrndup(row->doc, row->doc_len);
	return 0;
}

int64_t timeline_selected_event(struct app *a)
{
	struct alertview *v = alert_of(a);
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
	struct alertview *v = alert_of(a);
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

static void kql_prompt(struct app *a, const char *initial);

/* A query that does not parse comes back in the prompt to be fixed, the error on the status line. */
static void kql_typed(struct app *a, const char *text, void *data)
{
	(void)data;
	if (timeline_filter(a, text))
		kql_prompt(a, text);
}

static void kql_prompt(struct app *a, const char *initial)
{
	dialog_prompt(a, "Filter the timeline (KQL over its events):", initial, kql_typed, NULL, NULL);
}

static int take_doc_len(void *ctx, const struct event_row *row)
{
	struct strbuf *sb = ctx;
	strbuf_add(sb, row->doc, row->doc_len);
	return 0;
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
	struct alertview *v = alert_of(a);
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
	struct alertview *v = alert_of(a);
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
	struct alertview *v = alert_of(a);
	switch (act) {
	case ACT_WINDOW: dialog_prompt(a, "Window (START END, ISO 8601):", NULL, window_typed, NULL, NULL); return 1;
	case ACT_OPEN: open_selected(a); return 1;
	case ACT_TIMELINE_KQL: kql_prompt(a, v->tl_kql_text); return 1;
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
		enum timeline_pivot p = act == ACT_PIVOT_PROCESS ? PIVOT_PROCESS
		                        : act == ACT_PIVOT_USER  ? PIVOT_USER
		                                                 : PIVOT_FILE;
		free(v->pivot_value);
		v->pivot_value = v->pivot == p ? NULL : pivot_value_of(a, p);
		v->pivot = v->pivot == p ? PIVOT_NONE : p;
		break;
	}
	case ACT_CATEGORY: v->category = (v->category + 1) % 4; break;
	default: return 0;
	}
	alert_reload_timeline(a);
	return 1;
}

/* The rows start under the histogram, from the tab's top row. */
static void timeline_click(struct app *a, int y, int x)
{
	(void)x;
	int first = layout_body(HEAD_TIMELINE).top;
	size_t k = alert_of(a)->top[TAB_timeline] + (size_t)(y - first);
	if (y >= first && k < timeline_length(a))
		alert_of(a)->sel[TAB_timeline] = k;
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
