/* The event browser: the case's events, in time order, that a KQL filter matches (\ sets it;
 * an ES|QL query, FROM ..., filters and orders them as its rows come), whatever the alerts say;
 * Enter shows one's JSON, i its fields (to narrow the filter), T its process tree.
 *
 * It holds one page of EVENTS_PAGE matches at a time and moves through every one of them by
 * keyset paging: a page starts after the last row of the one before (its @timestamp and id), so
 * the memory is one page and each page is an index seek, however far into the case. The start
 * of each page met is kept (16 bytes a page) to go back. s and S sort the page held; between
 * pages the order is time. / n N search the rows, page after page, as less does.
 *
 * In a case attached to a cluster the events are the cluster's (as `casebook events` lists
 * them): the pages are read through its event source, each row's columns from its document
 * (ingest/columns.h), and Enter and i fetch the document from it. A cluster that fails is said
 * on the status line and the browser goes on over the case's own events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sanitize.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "detect/detect.h"
#include "detect/esql_search.h"
#include "detect/kql.h"
#include "detect/source.h"
#include "ingest/columns.h"
#include "store/alerts.h"
#include "triage/evidence.h"
#include "triage/pull.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/view.h"

#ifndef EVENTS_PAGE
#define EVENTS_PAGE 10000
#endif

/* The columns, in the order s cycles through them. */
enum browse_column { BY_TIME, BY_HOST, BY_EVENT, BY_PROCESS, BY_DETAIL, BY_COUNT };
static const char *const column_names[BY_COUNT] = {"time", "host", "event", "process", "detail"};

struct browsed {
	int64_t id, ts;
	char *host, *what, *process, *evidence;
};

struct event_browser {
	char *filter;                 /* as typed; NULL: every event */
	struct kql_node *kql;         /* the filter parsed, NULL for ES|QL (which does not page) */
	struct browsed *rows;         /* the page held */
	size_t n, sel, top;           /* its rows, the selection, the first row drawn */
	size_t page;                  /* which page: 0 the first */
	struct search_resume *starts; /* starts[k - 1]: where page k begins (after that row) */
	size_t nstarts;
	int more; /* a page follows this one */
	enum browse_column sort;
	int descending;
	struct event_source *src;  /* the attached cluster's events; NULL: the case's */
	struct event_columns cols; /* a cluster row's columns, read from its document */
	int bad_doc;               /* a cluster row's document was no event, or could not be copied (why says so) */
	struct strbuf why;
};

static struct event_browser *browser(struct app *a)
{
	return view_private(a, &events_view);
}

const char *events_filter_text(const struct app *a)
{
	const struct event_browser *b = view_private(a, &events_view);
	return b ? b->filter : NULL;
}

static void clear_rows(struct event_browser *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct browsed *e = &b->rows[i];
		free(e->host), free(e->what), free(e->process), free(e->evidence);
	}
	free(b->rows);
	b->rows = NULL;
	b->n = b->sel = b->top = 0;
	b->more = 0;
}

static char *dup_or_dash(const char *s)
{
	return xstrdup(s ? s : "-");
}

/* One matching event into the page; the one past a full page only says that more follow. */
static int take_event(void *ctx, const struct event_row *row)
{
	struct event_browser *b = ctx;
	if (b->n == EVENTS_PAGE) {
		b->more = 1;
		return 1;
	}
	if (!(b->n & (b->n - 1))) /* grows by doubling: 1, 2, 4, … */
		b->rows = xrealloc(b->rows, (b->n ? 2 * b->n : 1) * sizeof(*b->rows));
	struct event_record full;
	const struct event_record *r = &row->r;
	if (b->src) { /* a cluster's row carries its document, not the case's columns */
		strbuf_reset(&b->why);
		if (!row->doc || event_columns_read(&b->cols, row->doc, row->doc_len, &full, &b->why)) {
			b->bad_doc = 1;
			return -1;
		}
		r = &full;
	}
	struct browsed *e = &b->rows[b->n++];
	struct strbuf sb;
	strbuf_init(&sb, 64);
	strbuf_addf(&sb, "%s/%s", r->category ? r->category : "-", r->action ? r->action : "-");
	e->id = row->id;
	e->ts = r->ts;
	e->host = dup_or_dash(r->host_name ? r->host_name : r->host_id);
	e->what = strbuf_detach(&sb, NULL);
	e->process = dup_or_dash(r->process_name);
	struct evidence ev = {0};
	if (row->doc && !evidence_read(row->doc, row->doc_len, &ev)) {
		strbuf_init(&sb, 128);
		evidence_line(&ev, &sb);
		e->evidence = strbuf_detach(&sb, NULL);
		evidence_release(&ev);
	} else {
		e->evidence = dup_or_dash(r->file_path ? r->file_path : r->executable);
	}
	return 0;
}

static const char *cell(const struct browsed *e, enum browse_column c)
{
	switch (c) {
	case BY_HOST: return e->host;
	case BY_EVENT: return e->what;
	case BY_PROCESS: return e->process;
	case BY_DETAIL: return e->evidence;
	default: return "";
	}
}

static enum browse_column sort_column; /* qsort has no context argument in C11 */
static int sort_descending;

static int compare_rows(const void *x, const void *y)
{
	const struct browsed *p = x, *q = y;
	int c = sort_column == BY_TIME ? 0 : strcmp(cell(p, sort_column), cell(q, sort_column));
	if (!c) /* time, then ingest order: the order the page came in, so ties stay put */
		c = p->ts != q->ts ? (p->ts < q->ts ? -1 : 1) : p->id != q->id ? (p->id < q->id ? -1 : 1) : 0;
	return sort_descending ? -c : c;
}

/* Sorts the page held, keeping the selected event selected. */
static void sort_rows(struct event_browser *b)
{
	if (!b->n || (b->sort == BY_TIME && !b->descending && b->kql))
		return; /* a KQL page comes in time order; an ES|QL one in its own, until sorted */
	int64_t keep = b->rows[b->sel < b->n ? b->sel : 0].id;
	sort_column = b->sort;
	sort_descending = b->descending;
	qsort(b->rows, b->n, sizeof(*b->rows), compare_rows);
	for (size_t i = 0; i < b->n; i++)
		if (b->rows[i].id == keep)
			b->sel = i;
}

/* The cluster failed: the status line says why, and the browser goes on over the case's own
 * events, from their first page, as the alert's timeline does. */
static void leave_cluster(struct app *a, struct event_browser *b)
{
	char *safe = sanitize_dup(b->bad_doc ? b->why.buf : source_errmsg(b->src), 0);
	say(a, "%.240s: the browser shows the events the case holds", safe);
	free(safe);
	b->src = NULL;
	b->bad_doc = 0;
	free(b->starts);
	b->starts = NULL;
	b->nstarts = 0;
	clear_rows(b);
}

/* A page of matches from the cluster or the case, after a row; < 0 when the read failed. */
static int search_page(struct app *a, struct event_browser *b, const struct search_resume *after)
{
	if (b->src)
		return detect_search_after_in(b->src, b->kql, after, EVENTS_PAGE + 1, take_event, b);
	return detect_search_after(a->s, b->kql, after, EVENTS_PAGE + 1, take_event, b);
}

/* Reads page k of the filter's matches (KQL): from the start, or after where page k - 1 ended.
 * The start of page k + 1 is learnt here. */
static int load_page(struct app *a, size_t k)
{
	struct event_browser *b = browser(a);
	clear_rows(b);
	if (k > b->nstarts) /* a page of the cluster's, after falling back to the case: not known */
		k = 0;
	b->page = k;
	const struct search_resume *after = k ? &b->starts[k - 1] : NULL;
	/* the next page starts after this one's last row in time order: learnt before any sort */
	/* take_event's 1 (the page is full) comes back as the search's status: only < 0 fails */
	int rc = search_page(a, b, after);
	if (rc < 0 && b->src) {
		leave_cluster(a, b);
		b->page = k = 0;
		rc = search_page(a, b, NULL);
	}
	if (rc < 0) {
		say(a, "could not read the events: %.300s", store_errmsg(a->s));
		return -1;
	}
	say_source_notice(a, b->src);
	if (b->more && b->nstarts < k + 1) {
		b->starts = xrealloc(b->starts, (k + 1) * sizeof(*b->starts));
		b->starts[k] = (struct search_resume){.ts = b->rows[b->n - 1].ts, .id = b->rows[b->n - 1].id};
		b->nstarts = k + 1;
	}
	sort_rows(b);
	return 0;
}

/* Sets the filter and reads its first page: KQL, or an ES|QL query (FROM ...). Returns -1,
 * with the reason on the status line and the browser as it was, when the query is bad. */
static int set_filter(struct app *a, const char *text)
{
	struct event_browser *b = browser(a);
	const char *kql_text = text && *text ? text : "*";
	if (esql_search_is_esql(kql_text) && b->src) {
		say(a, "ES|QL reads the case's own events, not the cluster's: filter the cluster's with KQL");
		return -1;
	}
	if (esql_search_is_esql(kql_text)) {
		struct event_browser tried = {
		    .sort = b->sort, .descending = b->descending, .cols = b->cols, .why = b->why};
		char why[300];
		if (esql_search(a->s, kql_text, EVENTS_PAGE + 1, take_event, &tried, why, sizeof(why))) {
			clear_rows(&tried);
			say(a, "%s", why);
			return -1;
		}
		clear_rows(b);
		free(b->filter), free(b->starts), kql_free(b->kql);
		*b = tried;
		b->filter = xstrdup(text);
		sort_rows(b);
		return 0;
	}
	struct kql_error err;
	struct kql_node *q = kql_parse(kql_text, &err);
	if (!q) {
		say(a, "KQL error at column %zu: %s", err.column, err.msg);
		return -1;
	}
	kql_free(b->kql);
	free(b->filter);
	free(b->starts);
	b->starts = NULL;
	b->nstarts = 0;
	b->kql = q;
	b->filter = text && *text ? xstrdup(text) : NULL;
	return load_page(a, 0);
}

static int events_filter(struct app *a, const char *text)
{
	return set_filter(a, text);
}

void events_open(struct app *a)
{
	a->msg[0] = '\0';
	struct event_browser *b = xcalloc(1, sizeof(*b));
	b->src = a->o.source;
	event_columns_init(&b->cols);
	strbuf_init(&b->why, 128);
	view_push_private(a, &events_view, b);
	if (set_filter(a, NULL)) /* said why: the view goes */
		view_pop(a);
}

static void events_close(struct app *a)
{
	struct event_browser *b = browser(a);
	clear_rows(b);
	free(b->filter);
	free(b->starts);
	kql_free(b->kql);
	event_columns_release(&b->cols);
	strbuf_release(&b->why);
	free(b);
}

static void filter_prompt(struct app *a, const char *initial);

/* A query that does not parse or run comes back in the prompt, to be fixed rather than retyped;
 * the reason stays on the status line. */
static void filter_typed(struct app *a, const char *text, void *data)
{
	(void)data;
	if (events_filter(a, text))
		filter_prompt(a, text);
}

static void filter_prompt(struct app *a, const char *initial)
{
	dialog_prompt(a, "Events matching (KQL, or ES|QL: FROM ...; empty: all):", initial, filter_typed, NULL, NULL);
}

static int take_doc(void *ctx, const struct event_row *row)
{
	strbuf_add(ctx, row->doc, row->doc_len);
	return 0;
}

static void show_selected(struct app *a, int fields)
{
	struct event_browser *b = browser(a);
	if (b->sel >= b->n)
		return;
	struct strbuf doc;
	strbuf_init(&doc, 4096);
	/* a cluster's ids are its own, not the case's: its document is read from it */
	int64_t id = b->rows[b->sel].id;
	if (b->src ? b->src->ops->event_get(b->src, id, 1, take_doc, &doc)
	           : store_event_get(a->s, id, 1, take_doc, &doc)) {
		char *safe = sanitize_dup(b->src ? source_errmsg(b->src) : store_errmsg(a->s), 0);
		say(a, "could not read the event: %.300s", safe);
		free(safe);
	} else if (!doc.len)
		say(a, "the event is no longer there");
	else if (fields)
		fields_open(a, doc.buf, doc.len, events_filter);
	else
		json_open(a, doc.buf);
	strbuf_release(&doc);
}

/* Moves the selection by delta rows, onto the next or the previous pages past the ends of this
 * one (a KQL filter pages; an ES|QL one holds its first EVENTS_PAGE rows). */
static void events_move_by(struct app *a, long delta)
{
	struct event_browser *b = browser(a);
	long sel = (long)b->sel + delta;
	while (sel >= (long)b->n && b->more && b->kql) {
		sel -= (long)b->n;
		if (load_page(a, b->page + 1))
			return;
	}
	while (sel < 0 && b->page > 0 && b->kql) {
		if (load_page(a, b->page - 1))
			return;
		sel += (long)b->n;
	}
	if (sel >= (long)b->n)
		sel = b->n ? (long)b->n - 1 : 0;
	b->sel = sel < 0 ? 0 : (size_t)sel;
}

static int events_page_rows(void)
{
	return layout_body(HEAD_TITLE).height;
}

/* The row's text as the search sees it: every cell, and its time as shown. */
static int row_holds(struct app *a, const struct browsed *e, const char *needle)
{
	char t[32];
	ui_format_time(a, e->ts, t, sizeof(t), 1);
	const char *cells[] = {t, e->host, e->what, e->process, e->evidence};
	for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++)
		if (strcasestr(cells[i], needle))
			return 1;
	return 0;
}

/* The next row after (dir 1) or before (-1) the selection holding the search text: on this
 * page, then page after page to the end (or the start); 1 when found and selected. Not found,
 * the browser goes back to the page and row it was on. */
static int events_find(struct app *a, int dir)
{
	struct event_browser *b = browser(a);
	if (!a->search || !*a->search) {
		say(a, "no search yet: press /");
		return 0;
	}
	size_t home_page = b->page, home_sel = b->sel;
	long i = (long)b->sel + dir;
	for (;;) {
		for (; i >= 0 && i < (long)b->n; i += dir)
			if (row_holds(a, &b->rows[i], a->search)) {
				b->sel = (size_t)i;
				return 1;
			}
		int can = b->kql && (dir > 0 ? b->more : b->page > 0);
		if (!can || load_page(a, dir > 0 ? b->page + 1 : b->page - 1))
			break;
		i = dir > 0 ? 0 : (long)b->n - 1;
	}
	if (b->page != home_page)
		load_page(a, home_page);
	b->sel = home_sel < b->n ? home_sel : 0;
	say(a, "not found: %.200s", a->search);
	return 0;
}

static void search_typed(struct app *a, const char *text, void *data)
{
	(void)data;
	free(a->search);
	a->search = xstrdup(text);
	events_find(a, 1);
}

/* G: the last row of the last page (reading on through the pages between). */
static void go_last(struct app *a)
{
	struct event_browser *b = browser(a);
	while (b->more && b->kql)
		if (load_page(a, b->page + 1))
			return;
	b->sel = b->n ? b->n - 1 : 0;
}

/* T: the selected event's process tree, which reads the case: a cluster's row is its event
 * copied into the case first (the tree then copies its window, tui/tree_view.c). A cluster
 * that fails is said, and the browser goes on over the case's own events. */
static void open_tree(struct app *a, struct event_browser *b)
{
	if (b->sel >= b->n)
		return;
	int64_t id = b->rows[b->sel].id;
	if (b->src) {
		strbuf_reset(&b->why);
		if (pull_event(a->s, b->src, a->o.source_name, a->o.analyst, id, &id, &b->why)) {
			b->bad_doc = 1; /* leave_cluster says why */
			leave_cluster(a, b);
			load_page(a, 0);
			return;
		}
	}
	tree_open(a, id);
}

static int events_request(struct app *a, enum tui_action act)
{
	struct event_browser *b = browser(a);
	switch (act) {
	case ACT_BACK: view_pop(a); return 1;
	case ACT_OPEN: show_selected(a, 0); return 1;
	case ACT_FIELDS: show_selected(a, 1); return 1;
	case ACT_TREE: open_tree(a, b); return 1;
	case ACT_EVENTS_FILTER: filter_prompt(a, b->filter); return 1;
	case ACT_SEARCH: dialog_prompt(a, "Search (n, N: next, previous):", NULL, search_typed, NULL, NULL); return 1;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV: events_find(a, act == ACT_SEARCH_NEXT ? 1 : -1); return 1;
	case ACT_SORT_COLUMN:
		b->sort = (b->sort + 1) % BY_COUNT;
		b->descending = 0;
		if (b->sort == BY_TIME && b->kql) /* back to the order the page came in */
			return load_page(a, b->page), 1;
		sort_rows(b);
		return 1;
	case ACT_SORT_ORDER:
		b->descending = !b->descending;
		sort_rows(b);
		return 1;
	case ACT_FIRST:
		if (b->page && b->kql)
			load_page(a, 0);
		b->sel = 0;
		return 1;
	case ACT_LAST: go_last(a); return 1;
	default: return 0;
	}
}

static unsigned events_context(const struct app *a)
{
	(void)a;
	return CTX_EVENTS;
}

static const struct hint hints[] = {{ACT_OPEN, 0, "", "JSON"},     {ACT_FIELDS, 0, "", "fields"},
                                    {ACT_TREE, 0, "", "tree"},     {ACT_EVENTS_FILTER, 0, "", "KQL/ES|QL"},
                                    {ACT_SEARCH, 0, "", "search"}, {ACT_SORT_COLUMN, ACT_SORT_ORDER, "/", "sort"},
                                    {ACT_HELP, 0, "", "help"},     {ACT_BACK, 0, "", "back"}};

/* "events 10,001-20,000 of more", "12 events": where the page sits among the matches. */
static void count_text(const struct event_browser *b, char *out, size_t len)
{
	if (!b->page && !b->more) {
		snprintf(out, len, "%zu event%s ", b->n, b->n == 1 ? "" : "s");
		return;
	}
	size_t first = b->page * EVENTS_PAGE + 1;
	if (!b->kql) /* ES|QL: the first EVENTS_PAGE rows only */
		snprintf(out, len, "the first %zu events ", b->n);
	else
		snprintf(out, len, "events %zu-%zu%s ", first, first + b->n - 1, b->more ? " of more" : "");
}

static void events_draw(struct app *a)
{
	struct event_browser *b = browser(a);
	char right[160];
	count_text(b, right, sizeof(right));
	struct strbuf left;
	strbuf_init(&left, 128);
	strbuf_addf(&left, " Events%s%s%s", b->src ? " · cluster" : "",
	            !b->filter                       ? " · all"
	            : esql_search_is_esql(b->filter) ? " · ES|QL "
	                                             : " · KQL ",
	            b->filter ? b->filter : "");
	if (b->sort != BY_TIME || b->descending)
		strbuf_addf(&left, " · sorted by %s, %s%s", column_names[b->sort],
		            b->descending ? "descending" : "ascending", b->page || b->more ? " (this page)" : "");
	ui_bar(a, LAYOUT_TITLE_ROW, left.buf, right);
	strbuf_release(&left);
	struct region body = layout_body(HEAD_TITLE);
	int height = body.height;
	if (b->sel < b->top)
		b->top = b->sel;
	if (b->sel >= b->top + (size_t)height)
		b->top = b->sel - (size_t)height + 1;
	for (int r = 0; r < height; r++) {
		size_t k = b->top + (size_t)r;
		int y = body.top + r, x = 0;
		move(y, 0);
		clrtoeol();
		if (k >= b->n)
			continue;
		const struct browsed *e = &b->rows[k];
		attr_t at = k == b->sel ? A_REVERSE : A_NORMAL;
		char t[32];
		ui_format_time(a, e->ts, t, sizeof(t), 1);
		x += ui_cell(y, x, 20, t, at);
		x += ui_cell(y, x, 15, e->host, at);
		x += ui_cell(y, x, 21, e->what, at);
		x += ui_cell(y, x, 15, e->process, at);
		draw_text_middle(y, x, layout_width_from(x), e->evidence, at);
	}
	if (!b->n)
		draw_text(body.top + 1, 2, region_inset(body, 0, 2).width, "No events match: \\ changes the filter.",
		          A_NORMAL, 1);
	char line[300];
	ui_hints(hints, sizeof(hints) / sizeof(hints[0]), line, sizeof(line));
	ui_status_line(a, line);
}

const struct view_ops events_view = {.name = "events",
                                     .context = events_context,
                                     .draw = events_draw,
                                     .request = events_request,
                                     .move_by = events_move_by,
                                     .page = events_page_rows,
                                     .close = events_close};
