/* The event browser: the case's events, in time order, that a KQL filter matches (\ sets it;
 * an ES|QL query, FROM ..., filters and orders them as its rows come),
 * whatever the alerts say; Enter shows one's JSON, i its fields (to narrow the filter), T its
 * process tree. It holds the first EVENTS_PAGE matches: a case of millions is narrowed, not
 * scrolled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/timeutil.h"
#include "detect/detect.h"
#include "detect/esql_search.h"
#include "detect/kql.h"
#include "store/alerts.h"
#include "triage/evidence.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/view.h"

#define KEY_ESC     27
#define EVENTS_PAGE 10000

static void clear_events(struct app *a)
{
	for (size_t i = 0; i < a->nevents; i++) {
		struct browsed *e = &a->events[i];
		free(e->host), free(e->what), free(e->process), free(e->evidence);
	}
	free(a->events);
	a->events = NULL;
	a->nevents = a->events_sel = a->events_top = 0;
}

static char *dup_or_dash(const char *s)
{
	return xstrdup(s ? s : "-");
}

static int take_event(void *ctx, const struct event_row *row)
{
	struct app *a = ctx;
	a->events = xrealloc(a->events, (a->nevents + 1) * sizeof(*a->events));
	struct browsed *e = &a->events[a->nevents++];
	const struct event_record *r = &row->r;
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

/* Reads the first EVENTS_PAGE events the filter matches: KQL, or an ES|QL query (FROM ...). */
static int load_events(struct app *a, const char *text)
{
	if (esql_search_is_esql(text)) {
		char why[300];
		clear_events(a);
		free(a->events_kql);
		a->events_kql = xstrdup(text);
		if (esql_search(a->s, text, EVENTS_PAGE, take_event, a, why, sizeof(why)))
			say(a, "%s", why);
		return 0;
	}
	struct kql_error err;
	struct kql_node *q = kql_parse(text && *text ? text : "*", &err);
	if (!q) {
		say(a, "KQL error at column %zu: %s", err.column, err.msg);
		return -1;
	}
	clear_events(a);
	free(a->events_kql);
	a->events_kql = text && *text ? xstrdup(text) : NULL;
	if (detect_search(a->s, q, EVENTS_PAGE, take_event, a))
		say(a, "could not read the events: %.300s", store_errmsg(a->s));
	kql_free(q);
	return 0;
}

static int events_filter(struct app *a, const char *text)
{
	return load_events(a, text);
}

void events_open(struct app *a)
{
	a->msg[0] = '\0';
	if (load_events(a, NULL))
		return;
	view_push(a, &events_view);
}

static void events_close(struct app *a)
{
	clear_events(a);
	free(a->events_kql);
	a->events_kql = NULL;
}

static void filter_typed(struct app *a, const char *text, void *data)
{
	(void)data;
	events_filter(a, text);
}

static int take_doc(void *ctx, const struct event_row *row)
{
	strbuf_add(ctx, row->doc, row->doc_len);
	return 1;
}

static void show_selected(struct app *a, int fields)
{
	if (a->events_sel >= a->nevents)
		return;
	struct strbuf doc;
	strbuf_init(&doc, 4096);
	if (store_event_get(a->s, a->events[a->events_sel].id, 1, take_doc, &doc))
		say(a, "could not read the event: %.300s", store_errmsg(a->s));
	else if (fields)
		fields_open(a, doc.buf, doc.len, events_filter);
	else
		json_open(a, doc.buf);
	strbuf_release(&doc);
}

static void show_tree(struct app *a)
{
	if (a->events_sel < a->nevents)
		tree_open(a, a->events[a->events_sel].id);
}

static int events_key(struct app *a, int key)
{
	size_t n = a->nevents, page = (size_t)(LINES - 4);
	a->msg[0] = '\0';
	if (key == 'q' || key == KEY_ESC)
		view_pop(a);
	else if ((key == 'j' || key == KEY_DOWN) && a->events_sel + 1 < n)
		a->events_sel++;
	else if ((key == 'k' || key == KEY_UP) && a->events_sel)
		a->events_sel--;
	else if (key == 'g' || key == KEY_HOME)
		a->events_sel = 0;
	else if ((key == 'G' || key == KEY_END) && n)
		a->events_sel = n - 1;
	else if (key == KEY_NPAGE && n)
		a->events_sel = a->events_sel + page < n ? a->events_sel + page : n - 1;
	else if (key == KEY_PPAGE)
		a->events_sel = a->events_sel > page ? a->events_sel - page : 0;
	else if (key == '\n' || key == '\r' || key == KEY_ENTER)
		show_selected(a, 0);
	else if (key == 'i')
		show_selected(a, 1);
	else if (key == 'T')
		show_tree(a);
	else if (key == '\\')
		dialog_prompt(a, "Events matching (KQL, or ES|QL: FROM ...; empty: all):", a->events_kql, filter_typed,
		              NULL, NULL);
	else if (key == '?')
		action_help(a);
	return 1;
}

static void events_draw(struct app *a)
{
	char right[160];
	snprintf(right, sizeof(right), "%zu%s event%s ", a->nevents, a->nevents == EVENTS_PAGE ? "+" : "",
	         a->nevents == 1 ? "" : "s");
	struct strbuf left;
	strbuf_init(&left, 128);
	strbuf_addf(&left, " Events%s%s",
	            !a->events_kql                       ? " · all"
	            : esql_search_is_esql(a->events_kql) ? " · ES|QL "
	                                                 : " · KQL ",
	            a->events_kql ? a->events_kql : "");
	ui_bar(a, 0, left.buf, right);
	strbuf_release(&left);
	int height = LINES - 2;
	if (a->events_sel < a->events_top)
		a->events_top = a->events_sel;
	if (a->events_sel >= a->events_top + (size_t)height)
		a->events_top = a->events_sel - (size_t)height + 1;
	for (int r = 0; r < height; r++) {
		size_t k = a->events_top + (size_t)r;
		int y = 1 + r, x = 0;
		move(y, 0);
		clrtoeol();
		if (k >= a->nevents)
			continue;
		const struct browsed *e = &a->events[k];
		attr_t at = k == a->events_sel ? A_REVERSE : A_NORMAL;
		char t[32];
		ui_format_time(a, e->ts, t, sizeof(t), 1);
		x += ui_cell(y, x, 20, t, at);
		x += ui_cell(y, x, 15, e->host, at);
		x += ui_cell(y, x, 21, e->what, at);
		x += ui_cell(y, x, 15, e->process, at);
		draw_text_middle(y, x, COLS - x, e->evidence, at);
	}
	if (!a->nevents)
		draw_text(2, 2, COLS - 4, "No events match: \\ changes the filter.", A_NORMAL, 1);
	ui_status_line(a, "Enter JSON  i fields  T tree  \\ KQL/ES|QL  q back");
}

const struct view_ops events_view = {.name = "events", .draw = events_draw, .key = events_key, .close = events_close};
