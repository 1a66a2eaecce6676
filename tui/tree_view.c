/* The process tree (Kibana's Analyzer in a terminal): the ancestors and descendants of a
 * process around an alert, from triage/tree.h's model. A row per process, folded and unfolded
 * with Enter, Space, h and l; the selected process's description, alerts and first events in
 * a pane below; e lists all its events and alerts, p opens the alert's timeline pivoted on it,
 * T rebuilds the tree around it. Deep trees keep their first and last levels' guides and
 * elide the middle ("┄+N┄"), so a line fits 80 columns whatever the depth; LANG=C draws the
 * guides in ASCII. */
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/sanitize.h"
#include "common/status.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "triage/pull.h"
#include "triage/tree.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/view.h"

/* The window of events the tree is built from, each side of the event it starts at. */
#define TREE_WINDOW_US (3600 * TIME_US_PER_SEC)

struct treeview {
	struct process_tree t;
	unsigned char *folded; /* by node */
	size_t *vis;           /* the nodes shown, in order: a folded node hides its descendants */
	size_t nvis, sel, top; /* sel and top index vis */
	char *search;          /* the last / needle */
	int with_alert;        /* opened from an alert view: p reaches its timeline */
};

/* The status line: keys of the table (tui/keymap.h's CTX_TREE rows and the ones everywhere). */
static const struct hint alert_hints[] = {{ACT_TREE_FOLD, 0, "", "fold"},
                                          {ACT_TREE_EVENTS, 0, "", "events"},
                                          {ACT_TREE_TIMELINE, 0, "", "timeline"},
                                          {ACT_TREE_HERE, 0, "", "tree here"},
                                          {ACT_TREE_START, 0, "", "alert's"},
                                          {ACT_HELP, 0, "", "help"},
                                          {ACT_BACK, 0, "", "back"}};
static const struct hint browser_hints[] = {{ACT_TREE_FOLD, 0, "", "fold"},      {ACT_TREE_EVENTS, 0, "", "events"},
                                            {ACT_TREE_HERE, 0, "", "tree here"}, {ACT_TREE_START, 0, "", "start"},
                                            {ACT_HELP, 0, "", "help"},           {ACT_BACK, 0, "", "back"}};

static int guides_ascii(void)
{
	const char *codeset = nl_langinfo(CODESET);
	return !codeset || (strcasecmp(codeset, "UTF-8") && strcasecmp(codeset, "utf8"));
}

/* The view's own marks, in ASCII when the terminal is not UTF-8 (LANG=C). */
static const char *glyph(int ascii, const char *utf8, const char *plain)
{
	return ascii ? plain : utf8;
}

static struct treeview *tv_of(const struct app *a)
{
	return view_private(a, &tree_view);
}

static const struct tree_node *selected(struct treeview *tv)
{
	return tv->nvis ? &tv->t.nodes[tv->vis[tv->sel]] : NULL;
}

static int has_children(const struct process_tree *t, size_t i)
{
	return i + 1 < t->n && t->nodes[i + 1].depth > t->nodes[i].depth;
}

/* The rows: the nodes in order, skipping the descendants of a folded one. */
static void layout(struct treeview *tv)
{
	size_t keep = tv->nvis ? tv->vis[tv->sel] : tv->t.start;
	tv->nvis = 0;
	for (size_t i = 0; i < tv->t.n;) {
		tv->vis[tv->nvis++] = i;
		int d = tv->t.nodes[i].depth;
		i++;
		if (tv->folded[i - 1])
			while (i < tv->t.n && tv->t.nodes[i].depth > d)
				i++;
	}
	/* the selection stays on its node, or on the nearest shown ancestor of it */
	tv->sel = 0;
	for (size_t k = 0; k < tv->nvis && tv->vis[k] <= keep; k++)
		tv->sel = k;
}

/* The tree's rows: what the processes need, leaving the pane below at least a few lines and
 * at most half the screen. The body holds the tree, the pane's title bar and the pane. */
static int tree_rows_of(size_t nvis)
{
	int lines = layout_rows(), room = layout_body(HEAD_TITLE).height - 1;
	int least = lines >= 36 ? 12 : lines >= 20 ? 7 : 3, most = lines / 2 > least ? lines / 2 : least;
	long spare = (long)room - (long)nvis;
	int detail = spare < least ? least : spare > most ? most : (int)spare;
	int rows = room - detail;
	return rows > 1 ? rows : 1;
}

static void scroll_to_selection(struct treeview *tv)
{
	size_t rows = (size_t)tree_rows_of(tv->nvis);
	if (tv->sel < tv->top)
		tv->top = tv->sel;
	else if (tv->sel >= tv->top + rows)
		tv->top = tv->sel + 1 - rows;
}

static void select_node(struct treeview *tv, size_t node)
{
	for (size_t k = 0; k < tv->nvis; k++)
		if (tv->vis[k] == node) {
			tv->sel = k;
			break;
		}
}

/* Unfolds the ancestors of node, so that it shows, and selects it. */
static void reveal(struct treeview *tv, size_t node)
{
	for (size_t p = tv->t.nodes[node].parent; p != SIZE_MAX; p = tv->t.nodes[p].parent)
		tv->folded[p] = 0;
	layout(tv);
	select_node(tv, node);
	scroll_to_selection(tv);
}

static void center_on_selection(struct treeview *tv)
{
	size_t half = (size_t)tree_rows_of(tv->nvis) / 2;
	tv->top = tv->sel > half ? tv->sel - half : 0;
}

static void tree_view_close(struct app *a)
{
	struct treeview *tv = tv_of(a);
	tree_release(&tv->t);
	free(tv->folded);
	free(tv->vis);
	free(tv->search);
	free(tv);
}

/* ---- drawing ---- */

static void node_text(const struct process_tree *t, size_t i, int ascii, struct strbuf *l)
{
	const struct tree_node *n = &t->nodes[i];
	/* the guides take at most two fifths of the width; deeper levels are elided */
	int levels = layout_cols() * 2 / 5 / 3;
	tree_format_guides(t, i, levels, ascii, l);
	tree_node_label(n, l);
	if (n->has_pid && (n->name || n->executable))
		strbuf_addf(l, " (pid %lld)", (long long)n->pid);
	if (n->user)
		strbuf_addf(l, " %s", n->user);
	if (n->alerts)
		strbuf_addf(l, " [%zu alert%s]", n->alerts, n->alerts == 1 ? "" : "s");
	if (n->source != TREE_OWN)
		strbuf_addstr(l, n->source == TREE_CHILD ? " (no event: as its child says)" : " (no event)");
	else if (n->command_line)
		strbuf_addf(l, "  %s", n->command_line);
}

static void draw_rows(struct app *a, struct treeview *tv, int ascii)
{
	int rows = tree_rows_of(tv->nvis);
	struct strbuf l;
	strbuf_init(&l, 256);
	for (int r = 0; r < rows; r++) {
		size_t k = tv->top + (size_t)r;
		int y = HEAD_TITLE + r;
		move(y, 0);
		clrtoeol();
		if (k >= tv->nvis)
			continue;
		size_t i = tv->vis[k];
		const struct tree_node *n = &tv->t.nodes[i];
		attr_t at = k == tv->sel ? A_REVERSE : n->depth == 0 ? A_BOLD : A_NORMAL;
		const char *mark = n->depth == 0 ? glyph(ascii, "▶", ">")
		                   : n->marked   ? glyph(ascii, "●", "*")
		                   : n->alerts   ? "!"
		                                 : " ";
		draw_text(y, 0, 1, mark, n->marked || n->depth == 0 ? A_BOLD : A_NORMAL, 1);
		draw_text(y, 1, 1, tv->folded[i] && has_children(&tv->t, i) ? "+" : " ", at, 1);
		strbuf_reset(&l);
		node_text(&tv->t, i, ascii, &l);
		draw_text(y, 2, layout_width_from(2), l.buf, at, 1);
	}
	strbuf_release(&l);
	(void)a;
}

/* "label (pid N)" of a node, into l. */
static void node_name(const struct tree_node *n, struct strbuf *l)
{
	tree_node_label(n, l);
	if (n->has_pid && (n->name || n->executable))
		strbuf_addf(l, " (pid %lld)", (long long)n->pid);
}

static int detail_line(int y, int bottom, const char *label, const char *value)
{
	if (y >= bottom || !value)
		return y;
	draw_text(y, 0, 12, label, A_BOLD, 1);
	draw_text(y, 12, layout_width_from(12), value, A_NORMAL, 1);
	return y + 1;
}

/* The pane under the tree: what the selected process is, its parent, its alerts and events. */
static void draw_detail(struct app *a, struct treeview *tv, int ascii)
{
	const char *dot = glyph(ascii, " · ", " - ");
	int y = HEAD_TITLE + tree_rows_of(tv->nvis), bottom = layout_status_row();
	for (int r = y; r < bottom; r++) {
		move(r, 0);
		clrtoeol();
	}
	const struct tree_node *n = selected(tv);
	if (!n)
		return;
	struct strbuf l;
	strbuf_init(&l, 256);
	node_name(n, &l);
	strbuf_addstr(&l, dot);
	strbuf_addstr(&l, n->source == TREE_OWN     ? "its own events"
	                  : n->source == TREE_CHILD ? "no event here: as its child's process.parent.* says"
	                                            : "no event here: named by process.Ext.ancestry");
	ui_bar(a, y++, l.buf, "");
	y = detail_line(y, bottom, "executable", n->executable);
	y = detail_line(y, bottom, "command", n->command_line);
	strbuf_reset(&l);
	if (n->user)
		strbuf_addf(&l, "%s%s", n->user, dot);
	if (n->ts) {
		char ts[40];
		ui_format_time(a, n->ts, ts, sizeof(ts), 1);
		strbuf_addf(&l, "first %s%s", ts, dot);
	}
	strbuf_addf(&l, "%zu event%s%s%s", n->nevents, n->nevents == 1 ? "" : "s", dot, n->entity_id);
	y = detail_line(y, bottom, "process", l.buf);
	if (n->parent != SIZE_MAX) {
		strbuf_reset(&l);
		node_name(&tv->t.nodes[n->parent], &l);
		y = detail_line(y, bottom, "parent", l.buf);
	} else if (n->parent_entity_id) {
		y = detail_line(y, bottom, "parent", n->parent_entity_id);
	}
	for (size_t k = 0; k < n->alerts && y < bottom; k++) {
		const struct tree_alert *al = &tv->t.alerts[n->first_alert + k];
		strbuf_reset(&l);
		strbuf_addf(&l, "%s %s%s%s", al->severity, al->status, dot, al->rule);
		y = detail_line(y, bottom, k ? "" : "alerts", l.buf);
	}
	for (size_t k = 0; k < n->nevents && y < bottom; k++) {
		const struct tree_event *e = &tv->t.events[n->first_event + k];
		char ts[40];
		ui_format_time(a, e->ts, ts, sizeof(ts), 0);
		strbuf_reset(&l);
		if (y + 1 == bottom && k + 1 < n->nevents && !k)
			strbuf_addf(&l, "%zu events (e lists them)", n->nevents);
		else if (y + 1 == bottom && k + 1 < n->nevents)
			strbuf_addf(&l, "%s%zu more (e lists them)", glyph(ascii, "… ", "... "), n->nevents - k);
		else
			strbuf_addf(&l, "%s %s", ts, e->what);
		y = detail_line(y, bottom, k ? "" : "events", l.buf);
	}
	strbuf_release(&l);
}

static void tree_view_draw(struct app *a)
{
	struct treeview *tv = tv_of(a);
	int ascii = guides_ascii();
	char title[300], right[80];
	snprintf(title, sizeof(title), " Process tree%s%.200s%s%s", glyph(ascii, " · ", " - "),
	         tv->t.host ? tv->t.host : "(no host)", glyph(ascii, " · ", " - "), glyph(ascii, "±1h", "+/-1h"));
	snprintf(right, sizeof(right), "%zu process%s%s ", tv->t.n, tv->t.n == 1 ? "" : "es",
	         tv->t.dropped ? " (more left out)" : "");
	ui_bar(a, 0, title, right);
	scroll_to_selection(tv);
	draw_rows(a, tv, ascii);
	draw_detail(a, tv, ascii);
	char hints[200];
	if (tv->with_alert)
		ui_hints(alert_hints, sizeof(alert_hints) / sizeof(alert_hints[0]), hints, sizeof(hints));
	else
		ui_hints(browser_hints, sizeof(browser_hints) / sizeof(browser_hints[0]), hints, sizeof(hints));
	ui_status_line(a, hints);
}

/* ---- actions ---- */

static void fold(struct treeview *tv, int on)
{
	size_t i = tv->vis[tv->sel];
	if (has_children(&tv->t, i)) {
		tv->folded[i] = (unsigned char)on;
		layout(tv);
	}
}

/* h: folds an unfolded process; on a folded one or a leaf, goes to its parent. */
static void go_left(struct treeview *tv)
{
	size_t i = tv->vis[tv->sel];
	if (has_children(&tv->t, i) && !tv->folded[i])
		fold(tv, 1);
	else if (tv->t.nodes[i].parent != SIZE_MAX)
		select_node(tv, tv->t.nodes[i].parent);
}

/* l: unfolds a folded process; on an unfolded one, goes to its first child. */
static void go_right(struct treeview *tv)
{
	size_t i = tv->vis[tv->sel];
	if (!has_children(&tv->t, i))
		return;
	if (tv->folded[i])
		fold(tv, 0);
	else
		select_node(tv, i + 1);
}

/* -: folds every process below the one asked for, so the line from the root to it shows. */
static void fold_all(struct treeview *tv, int on)
{
	for (size_t i = 0; i < tv->t.n; i++)
		tv->folded[i] = (unsigned char)(on && tv->t.nodes[i].depth >= 0 && has_children(&tv->t, i));
	layout(tv);
}

static int node_matches(const struct tree_node *n, const char *needle)
{
	char pid[32] = "";
	if (n->has_pid)
		snprintf(pid, sizeof(pid), "%lld", (long long)n->pid);
	const char *fields[] = {n->name, n->executable, n->command_line, n->user, pid};
	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
		if (fields[f] && *fields[f] && strcasestr(fields[f], needle))
			return 1;
	return 0;
}

/* The next (dir 1) or previous node after the selection that matches, unfolded and selected. */
static void find(struct app *a, int dir)
{
	struct treeview *tv = tv_of(a);
	if (!tv->search || !*tv->search || !tv->t.n)
		return;
	size_t n = tv->t.n, at = tv->vis[tv->sel];
	for (size_t step = 1; step <= n; step++) {
		size_t i = dir > 0 ? (at + step) % n : (at + n - step % n) % n;
		if (node_matches(&tv->t.nodes[i], tv->search)) {
			reveal(tv, i);
			a->msg[0] = '\0';
			return;
		}
	}
	say(a, "no process matches %.200s", tv->search);
}

static void search_typed(struct app *a, const char *text, void *data)
{
	(void)data;
	struct treeview *tv = tv_of(a);
	if (!tv)
		return;
	free(tv->search);
	tv->search = text && *text ? xstrdup(text) : NULL;
	find(a, 1);
}

/* e: every event and alert of the selected process, in the pager. */
static void show_events(struct app *a, struct treeview *tv)
{
	const struct tree_node *n = selected(tv);
	struct strbuf text, name;
	strbuf_init(&text, 4096);
	strbuf_init(&name, 128);
	node_name(n, &name);
	strbuf_addf(&text, "%s - %s\n\n", name.buf, n->entity_id);
	strbuf_addf(&text, "Alerts (%zu)\n", n->alerts);
	for (size_t k = 0; k < n->alerts; k++) {
		const struct tree_alert *al = &tv->t.alerts[n->first_alert + k];
		char ts[40];
		ui_format_time(a, al->ts, ts, sizeof(ts), 1);
		strbuf_addf(&text, "  %s  %-8s %-12s %s  %.12s\n", ts, al->severity, al->status, al->rule, al->uuid);
	}
	strbuf_addf(&text, "\nEvents within ±1h (%zu)\n", n->nevents);
	for (size_t k = 0; k < n->nevents; k++) {
		const struct tree_event *e = &tv->t.events[n->first_event + k];
		char ts[40];
		ui_format_time(a, e->ts, ts, sizeof(ts), 1);
		strbuf_addf(&text, "  %s  %s\n", ts, e->what);
	}
	if (n->source != TREE_OWN)
		strbuf_addstr(&text, "\nThe window holds no event of this process: it is described by what its "
		                     "child's event says of its parent (process.parent.*).\n");
	char title[200];
	snprintf(title, sizeof(title), "Events and alerts of %.150s - q or Esc closes", name.buf);
	pager_open(a, title, text.buf, 1);
	strbuf_release(&name);
	strbuf_release(&text);
}

/* p: the alert's timeline, only this process's events (the timeline's p pivot). */
static void pivot_timeline(struct app *a, struct treeview *tv)
{
	const struct tree_node *n = selected(tv);
	if (!tv->with_alert || !in_alert(a)) {
		say(a, "the tree was opened from the event browser: open an alert for its timeline");
		return;
	}
	if (!n->nevents) {
		say(a, "the window holds no event of this process to show");
		return;
	}
	struct alertview *v = alert_of(a);
	char *entity = xstrdup(n->entity_id);
	while (view_top(a) != &alert_view) /* frees the tree */
		view_pop(a);
	free(v->pivot_value);
	v->pivot_value = entity;
	v->pivot = PIVOT_PROCESS;
	v->tab = TAB_timeline;
	alert_reload_timeline(a);
}

/* T: the tree around the selected process (its first event in the window). */
static void reroot(struct app *a, struct treeview *tv)
{
	const struct tree_node *n = selected(tv);
	if (!n->first_event_id) {
		say(a, "the window holds no event of this process to build its tree from");
		return;
	}
	int with_alert = tv->with_alert;
	struct treeview *built = tree_open_marked(a, n->first_event_id, NULL, 0); /* replaces tv when it builds */
	if (built)
		built->with_alert = with_alert;
}

static void show_help(struct app *a)
{
	struct strbuf text;
	strbuf_init(&text, 2048);
	int ascii = guides_ascii();
	strbuf_addf(&text,
	            "The process tree: who started the alert's process and what it started, from "
	            "process.entity_id and process.parent.entity_id of the host's events within an hour.\n"
	            "%s the process the tree was opened on   %s holds one of the alert's events   "
	            "! has other alerts   + folded\n\n",
	            glyph(ascii, "▶", ">"), glyph(ascii, "●", "*"));
	/* the view's own rows of the key table, then those that work everywhere */
	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			strbuf_addstr(&text, "\nEverywhere\n");
		for (int i = 1; i < ACT_COUNT; i++) {
			const char *keys = keymap_keys((enum tui_action)i);
			if (tui_actions[i].ctx & (pass ? CTX_ALL : CTX_TREE))
				strbuf_addf(&text, "%s%*s %s\n", keys, 24 - text_width(keys), "", tui_actions[i].help);
		}
	}
	pager_open(a, "Process tree keys - q or Esc closes", text.buf, 1);
	strbuf_release(&text);
}

/* The view's actions. Moving is by the tree's rows (a page is the rows the tree shows); the
 * table's other actions everywhere (Q, t, Ctrl-L, R) are app.c's. */
static int tree_view_request(struct app *a, enum tui_action act)
{
	struct treeview *tv = tv_of(a);
	size_t page = (size_t)tree_rows_of(tv->nvis), last = tv->nvis ? tv->nvis - 1 : 0;
	switch (act) {
	case ACT_BACK: view_pop(a); return 1;
	case ACT_DOWN: tv->sel = tv->sel < last ? tv->sel + 1 : last; break;
	case ACT_UP: tv->sel = tv->sel ? tv->sel - 1 : 0; break;
	case ACT_FIRST: tv->sel = 0; break;
	case ACT_LAST: tv->sel = last; break;
	case ACT_PAGE_DOWN: tv->sel = tv->sel + page < last ? tv->sel + page : last; break;
	case ACT_PAGE_UP: tv->sel = tv->sel > page ? tv->sel - page : 0; break;
	case ACT_HALF_DOWN: tv->sel = tv->sel + page / 2 < last ? tv->sel + page / 2 : last; break;
	case ACT_HALF_UP: tv->sel = tv->sel > page / 2 ? tv->sel - page / 2 : 0; break;
	case ACT_TREE_FOLD: fold(tv, !tv->folded[tv->vis[tv->sel]]); break;
	case ACT_TREE_RIGHT: go_right(tv); break;
	case ACT_TREE_LEFT: go_left(tv); break;
	case ACT_TREE_UNFOLD_ALL: fold_all(tv, 0); break;
	case ACT_TREE_FOLD_ALL: fold_all(tv, 1); break;
	case ACT_TREE_START:
		reveal(tv, tv->t.start);
		center_on_selection(tv);
		break;
	case ACT_TREE_EVENTS: show_events(a, tv); return 1;
	case ACT_TREE_TIMELINE: pivot_timeline(a, tv); return 1;
	case ACT_TREE_HERE: reroot(a, tv); return 1;
	case ACT_SEARCH: dialog_prompt(a, "Find a process:", tv->search, search_typed, NULL, NULL); return 1;
	case ACT_SEARCH_NEXT: find(a, 1); break;
	case ACT_SEARCH_PREV: find(a, -1); break;
	case ACT_HELP: show_help(a); return 1;
	default: return 0;
	}
	scroll_to_selection(tv);
	return 1;
}

static void tree_view_click(struct app *a, int y, int x)
{
	(void)x;
	struct treeview *tv = tv_of(a);
	size_t k = tv->top + (size_t)(y - HEAD_TITLE);
	if (y >= HEAD_TITLE && y < HEAD_TITLE + tree_rows_of(tv->nvis) && k < tv->nvis)
		tv->sel = k;
}

static unsigned tree_view_context(const struct app *a)
{
	(void)a;
	return CTX_TREE;
}

const struct view_ops tree_view = {.name = "tree",
                                   .context = tree_view_context,
                                   .draw = tree_view_draw,
                                   .request = tree_view_request,
                                   .click = tree_view_click,
                                   .close = tree_view_close};

/* In a case attached to a cluster, the tree's window (the host's events within an hour of the
 * event) is copied from it first, as the timeline's is: the tree is the cluster's and stays
 * the case's. What the status line is to say goes in said (sanitized): a cluster that fails
 * (the tree is then built from what the case holds: 1), or a server it left for another. */
static int pull_tree_window(struct app *a, int64_t event_id, struct strbuf *said)
{
	int failed = 0;
	if (!a->o.source)
		return 0;
	struct strbuf err;
	strbuf_init(&err, 128);
	struct pull_counts c;
	const char *notice;
	if (pull_timeline(a->s, a->o.source, a->o.source_name, a->o.analyst, event_id, TREE_WINDOW_US, TREE_WINDOW_US,
	                  &c, &err)) {
		sanitize_append(said, err.buf, err.len, 0);
		failed = 1;
	} else if ((notice = source_take_notice(a->o.source)) != NULL) {
		sanitize_append(said, notice, strlen(notice), 0);
	}
	strbuf_release(&err);
	return failed;
}

struct treeview *tree_open_marked(struct app *a, int64_t event_id, const int64_t *marked, size_t nmarked)
{
	struct treeview *tv = xcalloc(1, sizeof(*tv));
	struct tree_options o = {.window_us = TREE_WINDOW_US, .marked = marked, .nmarked = nmarked};
	struct strbuf why;
	strbuf_init(&why, 0);
	int failed = pull_tree_window(a, event_id, &why);
	int rc = tree_build_with(a->s, event_id, &o, &tv->t);
	if (rc == CB_NOT_FOUND || rc) {
		if (rc == CB_NOT_FOUND)
			say(a, "the event has no process.entity_id to build a tree from");
		else
			say(a, "could not read the tree: %.300s", store_errmsg(a->s));
		tree_release(&tv->t);
		free(tv);
		strbuf_release(&why);
		return NULL;
	}
	if (view_top(a) == &tree_view) /* T over a tree: one tree at a time, in its place */
		view_pop(a);
	tv->folded = xcalloc(tv->t.n ? tv->t.n : 1, 1);
	tv->vis = xmalloc((tv->t.n ? tv->t.n : 1) * sizeof(*tv->vis));
	layout(tv);
	select_node(tv, tv->t.start);
	center_on_selection(tv);
	a->msg[0] = '\0';
	view_push_private(a, &tree_view, tv);
	if (failed)
		say(a, "%.240s: the tree shows the events the case holds", why.buf);
	else if (why.len)
		say(a, "%.300s", why.buf);
	strbuf_release(&why);
	return tv;
}

void tree_open(struct app *a, int64_t event_id)
{
	if (in_alert(a) && view_top(a) == &alert_view) {
		struct treeview *tv =
		    tree_open_marked(a, event_id, alert_of(a)->rec.members, alert_of(a)->rec.nmembers);
		if (tv)
			tv->with_alert = 1;
	} else {
		tree_open_marked(a, event_id, NULL, 0);
	}
}
