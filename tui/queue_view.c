/* The queue view: the alerts, one row each, over the model in tui/queue.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/vocab.h"

#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/view.h"

static const struct hint queue_hints[] = {
    {ACT_OPEN, 0, "", "open"},     {ACT_ACK, 0, "", "ack"},        {ACT_CLOSE, 0, "", "close"},
    {ACT_SEARCH, 0, "", "search"}, {ACT_KQL_FILTER, 0, "", "KQL"}, {ACT_STATUS_FILTER, 0, "", "filter"},
    {ACT_SORT, 0, "", "sort"},     {ACT_HELP, 0, "", "help"},      {ACT_BACK, 0, "", "quit"}};
static const struct hint marked_hints[] = {{ACT_ACK, 0, "", "acknowledge"},
                                           {ACT_CLOSE, 0, "", "close"},
                                           {ACT_REOPEN, 0, "", "reopen"},
                                           {ACT_EXPORT, 0, "", "export"},
                                           {ACT_MARK, 0, "", "unmark"}};
static const struct hint empty_hints[] = {
    {ACT_RELOAD, 0, "", "reload"}, {ACT_HELP, 0, "", "help"}, {ACT_BACK, 0, "", "quit"}};

static unsigned queue_context(const struct app *a)
{
	(void)a;
	return CTX_QUEUE;
}

static const char *status_mark(const char *status)
{
	static const char *const marks[STATUS_COUNT] = {
	    [STATUS_OPEN] = "●", [STATUS_ACKNOWLEDGED] = "◐", [STATUS_CLOSED] = "○"};
	enum alert_status v = alert_status_from(status);
	return v == STATUS_UNKNOWN ? "○" : marks[v];
}

static void draw_empty(struct app *a)
{
	char hints[200], line[160];
	struct region r = region_inset(layout_body(HEAD_QUEUE), 0, 2); /* where the rows would be */
	int y = r.top, x = r.left, w = r.width;
	if (a->case_events > 0) { /* events, and no rule found anything in them (yet) */
		snprintf(line, sizeof(line), "No alerts: %lld events in this case, and no rule has alerted on them.",
		         (long long)a->case_events);
		draw_text(y, x, w, line, A_BOLD, 1);
		draw_text(y + 2, x, w, "Run the rules:   casebook detect", A_NORMAL, 1);
		draw_text(y + 3, x, w, "Add rules:       casebook rules import FILE...", A_NORMAL, 1);
		draw_text(y + 4, x, w, "Browse events:   v here", A_NORMAL, 1);
		draw_text(y + 5, x, w, "Then press R here to reload.", A_NORMAL, 1);
	} else {
		draw_text(y, x, w, "No alerts in this case yet: it has no events.", A_BOLD, 1);
		draw_text(y + 2, x, w, "Load events:    casebook ingest FILE...", A_NORMAL, 1);
		draw_text(y + 3, x, w, "Find alerts:    casebook detect", A_NORMAL, 1);
		draw_text(y + 4, x, w, "Then press R here to reload.", A_NORMAL, 1);
	}
	ui_hints(empty_hints, sizeof(empty_hints) / sizeof(empty_hints[0]), hints, sizeof(hints));
	ui_status_line(a, hints);
}

/* The column widths, each with its space; 0 drops the column. Narrower screens drop the risk
 * score, then the time, before the rule and the file lose width (htop, k9s): what tells one
 * alert from another goes last. */
struct queue_columns {
	int risk, time, host, rule;
};

static struct queue_columns columns(void)
{
	int cols = layout_cols();
	struct queue_columns c = {.risk = cols >= 100 ? 4 : 0,
	                          .time = cols >= 100  ? 20
	                                  : cols >= 72 ? 15
	                                               : 0,
	                          .host = cols >= 120 ? 23 : 15};
	int rest = layout_width_from(2 + 2 + 9 + c.risk + c.time + c.host);
	c.rule = cols >= 120 ? rest * 2 / 5 : rest / 2; /* the target takes the rest */
	return c;
}

static void draw_heading(struct app *a, const struct queue_columns *c)
{
	attr_t head = A_BOLD | A_UNDERLINE;
	int x = 0, y = HEAD_QUEUE - 1; /* the row over the body */
	move(y, 0);
	clrtoeol();
	x += ui_cell(y, x, 4, "", head);
	x += ui_cell(y, x, 9, "SEVERITY", head);
	if (c->risk)
		x += ui_cell(y, x, c->risk, "RSK", head);
	if (c->time) { /* the zone now: a queue spanning a DST change keeps one heading */
		char zone[16], title[32];
		ui_zone_label(a, a->o.clock ? a->o.clock() : 0, zone, sizeof(zone));
		snprintf(title, sizeof(title), "TIME (%s)", zone);
		x += ui_cell(y, x, c->time, title, head);
	}
	x += ui_cell(y, x, c->host, "HOST", head);
	x += ui_cell(y, x, c->rule, "RULE", head);
	draw_text(y, x, layout_width_from(x), "FILE / PROCESS", head, 1);
}

/* The cells every row has: severity, risk and time. */
static int draw_common(struct app *a, const struct queue_columns *c, int y, int x, const char *severity, int64_t risk,
                       int64_t time, attr_t base)
{
	char tbuf[32], rbuf[8];
	x += ui_cell(y, x, 9, severity, base | ui_severity_attr(a, severity));
	if (c->risk) {
		snprintf(rbuf, sizeof(rbuf), "%3lld", (long long)risk);
		x += ui_cell(y, x, c->risk, rbuf, base);
	}
	if (c->time) {
		ui_format_time(a, time, tbuf, sizeof(tbuf), 1);
		if (c->time < 20) /* narrow: month, day and time */
			memmove(tbuf, tbuf + 5, strlen(tbuf + 5) + 1);
		x += ui_cell(y, x, c->time, tbuf, base);
	}
	return x;
}

static void draw_alert(struct app *a, const struct queue_columns *c, int y, const struct queue_slot *slot, int selected)
{
	const struct qrow *r = &a->q.rows[slot->row];
	attr_t base = selected ? A_REVERSE : A_NORMAL;
	int x = 0;
	x += ui_cell(y, x, 2, r->marked ? "▸" : " ", base | A_BOLD);
	x += ui_cell(y, x, 2, status_mark(r->status), base);
	x = draw_common(a, c, y, x, r->severity, r->risk, r->time, base);
	if (slot->kind == SLOT_MEMBER) { /* under its host's row */
		struct strbuf h;
		strbuf_init(&h, 64);
		strbuf_addf(&h, "└ %s", r->host);
		x += ui_cell(y, x, c->host, h.buf, base);
		strbuf_release(&h);
	} else {
		x += ui_cell(y, x, c->host, r->host, base);
	}
	struct strbuf rule; /* a sequence's building block is marked as under its sequence alert */
	strbuf_init(&rule, 64);
	strbuf_addf(&rule, "%s%s", r->group_parent > 0 ? "└ " : "", r->rule);
	x += ui_cell_middle(y, x, c->rule, rule.buf, base);
	strbuf_release(&rule);
	draw_text_middle(y, x, layout_width_from(x), r->target, base);
}

static const char *const severity_names[5] = {"other", "low", "medium", "high", "critical"};

/* A host's row: its highest severity and risk, its newest (first) alert's time, and its
 * alerts counted by severity, highest first. */
static void draw_group(struct app *a, const struct queue_columns *c, int y, const struct queue_slot *slot, int selected)
{
	const struct queue *q = &a->q;
	const struct queue_group *g = &q->groups[slot->group];
	const struct qrow *first = &q->rows[slot->row];
	attr_t base = selected ? A_REVERSE : A_NORMAL;
	int expanded = g->host_id < q->nexpanded && q->expanded[g->host_id];
	int x = 0;
	x += ui_cell(y, x, 2, " ", base);
	x += ui_cell(y, x, 2, expanded ? "▾" : "▸", base | A_BOLD);
	x = draw_common(a, c, y, x, severity_names[g->top_rank < 0 ? 0 : g->top_rank], g->top_risk, first->time, base);
	x += ui_cell(y, x, c->host, first->host, base | A_BOLD);
	struct strbuf counts;
	strbuf_init(&counts, 128);
	strbuf_addf(&counts, "%zu alerts:", g->n);
	for (int rank = 4; rank >= 0; rank--)
		if (g->by_severity[rank])
			strbuf_addf(&counts, "%s %zu %s", rank == g->top_rank ? "" : ",", g->by_severity[rank],
			            severity_names[rank]);
	if (g->open && g->open < g->n)
		strbuf_addf(&counts, " (%zu open)", g->open);
	draw_text(y, x, layout_width_from(x), counts.buf, base | A_BOLD, 1);
	strbuf_release(&counts);
}

static void queue_draw(struct app *a)
{
	struct queue *q = &a->q;
	size_t open, ack, closed;
	queue_counts(q, &open, &ack, &closed);
	char left[300], right[200];
	snprintf(left, sizeof(left), " casebook  %s", a->o.db_name ? a->o.db_name : "");
	snprintf(right, sizeof(right), "open %zu · ack %zu · closed %zu │ %s · %s%s%s%s ", open, ack, closed,
	         queue_filter_names[q->filter], queue_order_name(q), q->group_host ? " · hosts" : "",
	         q->show_building_blocks ? " · building blocks" : "", a->kql_text && *a->kql_text ? " · KQL" : "");
	ui_bar(a, LAYOUT_TITLE_ROW, left, right);
	if (!q->n) {
		draw_empty(a);
		return;
	}
	struct queue_columns c = columns();
	draw_heading(a, &c);
	struct region body = layout_body(HEAD_QUEUE);
	if (q->sel >= q->top + (size_t)body.height)
		q->top = q->sel - (size_t)body.height + 1;
	for (int i = 0; i < body.height; i++) {
		size_t vi = q->top + (size_t)i;
		int y = body.top + i;
		move(y, 0);
		clrtoeol();
		if (vi < q->nview && q->view[vi].kind == SLOT_GROUP)
			draw_group(a, &c, y, &q->view[vi], vi == q->sel);
		else if (vi < q->nview)
			draw_alert(a, &c, y, &q->view[vi], vi == q->sel);
	}
	char hints[200];
	size_t marked = queue_marked(q);
	if (marked) {
		int k = snprintf(hints, sizeof(hints), "%zu marked: ", marked);
		ui_hints(marked_hints, sizeof(marked_hints) / sizeof(marked_hints[0]), hints + k,
		         sizeof(hints) - (size_t)k);
	} else {
		ui_hints(queue_hints, sizeof(queue_hints) / sizeof(queue_hints[0]), hints, sizeof(hints));
	}
	ui_status_line(a, hints);
}

static void search_done(struct app *a, const char *text, void *data)
{
	(void)data;
	free(a->search);
	a->search = xstrdup(text);
	if (!queue_search(&a->q, a->search, 1, ui_list_height()))
		say(a, "not found");
}

static void kql_done(struct app *a, const char *text, void *data)
{
	(void)data;
	free(a->kql_text);
	a->kql_text = xstrdup(text);
	app_load(a);
}

/* Space: marks the alert, or a host's alerts (unmarks them when all are marked). */
static void mark_selected(struct queue *q)
{
	const struct qrow *r = queue_selected(q);
	const struct queue_group *g = queue_selected_group(q);
	if (r) {
		queue_set_mark(q, q->view[q->sel].row, !r->marked);
	} else if (g) {
		size_t *rows = xmalloc(q->n * sizeof(*rows)), n = queue_group_rows(q, g, rows), marked = 0;
		for (size_t i = 0; i < n; i++)
			marked += q->rows[rows[i]].marked != 0;
		for (size_t i = 0; i < n; i++)
			queue_set_mark(q, rows[i], marked < n);
		free(rows);
	}
	queue_move(q, 1, ui_list_height());
}

/* M: marks the shown alerts like the selected one — of its rule, on its host — or all shown,
 * or clears the marks; the choice says how many each would take. */
static void mark_like_chosen(struct app *a, size_t choice, void *data)
{
	(void)data;
	struct queue *q = &a->q;
	if (choice == 3) {
		queue_clear_marks(q);
		say(a, "no alert marked");
		return;
	}
	if (!q->nview)
		return;
	size_t added = queue_mark_like(q, q->view[q->sel].row, (enum queue_like)choice);
	say(a, "%zu more marked, %zu in all", added, queue_marked(q));
}

static void mark_like(struct app *a)
{
	struct queue *q = &a->q;
	if (!q->nview) {
		say(a, "no alert to mark");
		return;
	}
	const struct qrow *like = &q->rows[q->view[q->sel].row];
	size_t rule = 0, host = 0;
	for (size_t i = 0; i < q->norder; i++) {
		const struct qrow *r = &q->rows[q->order[i]];
		rule += r->rule == like->rule;
		host += r->host_id == like->host_id;
	}
	char labels[4][64];
	snprintf(labels[0], sizeof(labels[0]), "of this rule (%zu shown)", rule);
	snprintf(labels[1], sizeof(labels[1]), "on this host (%zu shown)", host);
	snprintf(labels[2], sizeof(labels[2]), "every alert shown (%zu)", q->norder);
	snprintf(labels[3], sizeof(labels[3]), "none: clear the marks (%zu)", queue_marked(q));
	const char *options[] = {labels[0], labels[1], labels[2], labels[3]};
	dialog_choose(a, "Mark the alerts", options, 4, mark_like_chosen, NULL, NULL);
}

static int queue_request(struct app *a, enum tui_action act)
{
	struct queue *q = &a->q;
	switch (act) {
	case ACT_BACK: a->done = 1; return 1;
	case ACT_OPEN:
		if (queue_selected(q))
			alert_open(a, queue_selected(q));
		else
			queue_toggle_group(q);
		return 1;
	case ACT_SEARCH: dialog_prompt(a, "Search (n, N: next, previous):", NULL, search_done, NULL, NULL); return 1;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV:
		if (!a->search || !queue_search(q, a->search, act == ACT_SEARCH_NEXT ? 1 : -1, ui_list_height()))
			say(a, "%s", a->search ? "not found" : "no search yet: press /");
		return 1;
	case ACT_KQL_FILTER:
		dialog_prompt(a, "Filter (KQL over the alerts):", a->kql_text, kql_done, NULL, NULL);
		return 1;
	case ACT_EVENTS: events_open(a); return 1;
	case ACT_SORT:
		q->sort = (q->sort + 1) % SORT_COUNT;
		q->reverse = 0; /* each sort starts in its natural direction */
		break;
	case ACT_REVERSE: q->reverse = !q->reverse; break;
	case ACT_STATUS_FILTER: q->filter = (q->filter + 1) % FILTER_COUNT; break;
	case ACT_GROUP: q->group_host = !q->group_host; break;
	case ACT_BUILDING_BLOCKS: q->show_building_blocks = !q->show_building_blocks; break;
	case ACT_MARK: mark_selected(q); return 1;
	case ACT_MARK_LIKE: mark_like(a); return 1;
	default: return 0;
	}
	queue_apply(q);
	return 1;
}

static void queue_move_by(struct app *a, long delta)
{
	queue_move(&a->q, delta, ui_list_height());
}

/* The rows start at the body's top, from q.top: the row under the pointer, whatever the scroll. */
static void queue_click(struct app *a, int y, int x)
{
	(void)x;
	struct region body = layout_body(HEAD_QUEUE);
	size_t vi = a->q.top + (size_t)(y - body.top);
	if (y >= body.top && y < body.top + body.height && vi < a->q.nview)
		a->q.sel = vi;
}

const struct view_ops queue_view = {.name = "queue",
                                    .context = queue_context,
                                    .draw = queue_draw,
                                    .request = queue_request,
                                    .move_by = queue_move_by,
                                    .page = ui_list_height,
                                    .click = queue_click};
