/* The alert view: a header and a table of tabs (tui/tab_*.c) over one case_record, loaded
 * once when the view opens and again, in part, after an action or a change of window. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sanitize.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "common/vocab.h"
#include "detect/field.h"
#include "detect/jsondoc.h"
#include "store/rules.h"
#include "triage/pull.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/view.h"

const struct tab_ops *const alert_tabs[TAB_COUNT] = {
#define X(name) &tab_##name,
    ALERT_TABS(X)
#undef X
};

static const char *const overview_paths[F_COUNT] = {
#define X(name, path) path,
    OVERVIEW_FIELDS(X)
#undef X
};

/* The first part that could not be read, on the status line: a view that looks whole but is
 * not would mislead. */
static void say_if_partial(struct app *a)
{
	const struct case_record *r = &alert_of(a)->rec;
	if (r->failed)
		say(a, "could not read %s: %.300s", r->failed, r->failed_why ? r->failed_why : "");
}

static void read_fields(struct alertview *v)
{
	for (int i = 0; i < F_COUNT; i++)
		free(v->fields[i]);
	memset(v->fields, 0, sizeof(v->fields));
	if (v->rec.doc)
		json_fields(v->rec.doc, overview_paths, F_COUNT, v->fields);
}

/* The timeline's window (or file) in the record's options. */
static void timeline_options(struct alertview *v)
{
	v->opts.timeline = 1;
	v->opts.no_docs = 1;
	v->opts.evidence = 1;
	v->opts.window_only = 1;
	v->opts.before_us = v->tl_before - v->tl_shift;
	v->opts.after_us = v->tl_after + v->tl_shift;
	v->opts.file_path = v->pivot == PIVOT_FILE ? v->pivot_value : NULL;
	v->opts.related = 1;
	v->opts.related_us = v->tl_before;
	v->opts.kql = v->tl_kql;
}

/* In a case attached to a cluster, the window about to be read is copied from it first: the
 * timeline is the cluster's and stays the case's (pivoted on a file, that path's events on
 * every host within the window). A cluster that fails leaves the case's own events to show,
 * and the status line says why (-1). */
static int pull_window(struct app *a, const struct alertview *v, const char *uuid)
{
	if (!a->o.source)
		return 0;
	int rc = 0;
	struct strbuf err;
	strbuf_init(&err, 128);
	struct pull_counts c;
	if (pull_alert_window(a->s, a->o.source, a->o.source_name, a->o.analyst, uuid, v->opts.file_path,
	                      v->opts.before_us, v->opts.after_us, &c, &err)) {
		char *safe = sanitize_dup(err.buf, 0);
		say(a, "%.240s: the timeline shows the events the case holds", safe);
		free(safe);
		rc = -1;
	} else {
		say_source_notice(a, a->o.source);
	}
	strbuf_release(&err);
	return rc;
}

static int take_event_path(void *ctx, const struct event_row *row)
{
	*(char **)ctx = row->r.file_path ? xstrdup(row->r.file_path) : NULL;
	return 0;
}

/* In a case attached to a cluster, the prevalence of the alert's file.path over the fleet: how
 * many hosts the cluster holds an event of it on (the case holds only what was copied). A
 * cluster that fails is said; the Overview then counts the case's alerts alone. */
static void fleet_prevalence(struct app *a, struct alertview *v)
{
	struct event_source *src = a->o.source;
	char *path = NULL;
	if (!src || !src->ops->path_hosts || store_event_get(a->s, v->rec.event_id, 0, take_event_path, &path) || !path)
		return;
	if (src->ops->path_hosts(src, path, &v->fleet_hosts) == 0) {
		v->fleet_known = 1;
		say_source_notice(a, src);
	} else {
		char *safe = sanitize_dup(source_errmsg(src), 0);
		say(a, "%.240s: the prevalence counts the case's alerts alone", safe);
		free(safe);
	}
	free(path);
}

/* Focuses the alert's own event: the selection counts the rows the filters show, and the
 * event sits in the middle of the view with what came before and after it. */
static void focus_alert_event(struct alertview *v)
{
	size_t *sel = &v->sel[TAB_timeline];
	*sel = 0;
	for (size_t i = 0, k = 0; i < v->rec.ntimeline; i++) {
		if (!timeline_shows(v, &v->rec.timeline[i]))
			continue;
		if (v->rec.timeline[i].id == v->rec.event_id)
			*sel = k;
		k++;
	}
	int rows = layout_body(HEAD_TIMELINE).height; /* the rows under the histogram */
	size_t half = rows > 4 ? (size_t)rows / 2 : 0;
	v->top[TAB_timeline] = *sel > half ? *sel - half : 0;
}

struct alertview *alert_of(const struct app *a)
{
	return view_private(a, &alert_view);
}

static void alertview_free(struct alertview *v)
{
	strpool_release(&v->pool);
	for (int i = 0; i < F_COUNT; i++)
		free(v->fields[i]);
	guide_release(&v->guide);
	guide_release(&v->rule_notes);
	free(v->rule_meta);
	case_release(&v->rec);
	free(v->tl_kql_text);
	kql_free(v->tl_kql);
	free(v->pivot_value);
	free(v);
}

static void alert_close(struct app *a)
{
	alertview_free(alert_of(a)); /* the top view's, still on the stack */
}

/* The rule's detection-rules [metadata] (rules.metadata): its maturity, creation and update
 * dates and integrations, as one line for the Guide tab, where the rule is described. */
static int take_meta(void *ctx, const struct rule_row *row)
{
	char **line = ctx;
	cJSON *m = row->metadata ? cJSON_Parse(row->metadata) : NULL;
	static const char *const parts[][2] = {{"maturity", "maturity "},
	                                       {"creation_date", "created "},
	                                       {"updated_date", "updated "},
	                                       {"integration", "integration "}};
	struct strbuf sb;
	strbuf_init(&sb, 128);
	for (size_t i = 0; m && i < sizeof(parts) / sizeof(parts[0]); i++) {
		char *v = field_join(m, parts[i][0], ", ");
		if (v)
			strbuf_addf(&sb, "%s%s%s", sb.len ? " · " : "", parts[i][1], v);
		free(v);
	}
	cJSON_Delete(m);
	*line = sb.len ? sanitize_dup(sb.buf, 0) : NULL;
	strbuf_release(&sb);
	return 0;
}

void alert_push(struct app *a, const struct qrow *r)
{
	struct alertview *v = xcalloc(1, sizeof(*v));
	strpool_init(&v->pool);
	v->alert = *r;
	v->alert.uuid = strpool_copy(&v->pool, r->uuid);
	v->alert.status = strpool_copy(&v->pool, r->status);
	v->alert.severity = strpool_copy(&v->pool, r->severity);
	v->alert.host = strpool_copy(&v->pool, r->host);
	v->alert.rule = strpool_copy(&v->pool, r->rule);
	v->alert.target = strpool_copy(&v->pool, r->target);
	v->tl_before = v->tl_after = 600 * TIME_US_PER_SEC;
	a->msg[0] = '\0';
	timeline_options(v);
	v->opts.partial = 1;
	v->opts.overview = 1;
	int down = pull_window(a, v, r->uuid);
	case_load(a->s, r->uuid, &v->opts, &v->rec);
	if (!v->rec.uuid) {
		say(a, "could not read the alert: %.300s", v->rec.failed_why ? v->rec.failed_why : "it is gone");
		alertview_free(v);
		return;
	}
	read_fields(v);
	if (!down) /* a cluster that just failed is not asked again: its message stays */
		fleet_prevalence(a, v);
	guide_parse_for(v->rec.guide, v->rec.doc, &v->guide);
	guide_parse(v->rec.rule_notes, &v->rule_notes);
	if (v->rec.rule_id)
		store_rule_find(a->s, v->rec.rule_id, v->rec.rule_version, take_meta, &v->rule_meta);
	focus_alert_event(v);
	view_push_private(a, &alert_view, v);
	say_if_partial(a);
}

void alert_open(struct app *a, const struct qrow *r)
{
	if (in_alert(a))
		view_pop(a);
	alert_push(a, r);
}

void alert_reload_triage(struct app *a)
{
	struct alertview *v = alert_of(a);
	if (case_reload_triage(a->s, &v->rec))
		say_if_partial(a);
	v->alert.status = strpool_intern(&v->pool, v->rec.status, NULL);
}

void alert_reload_timeline(struct app *a)
{
	struct alertview *v = alert_of(a);
	timeline_options(v);
	pull_window(a, v, v->rec.uuid);
	if (case_reload_timeline(a->s, &v->rec, &v->opts))
		say(a, "could not read the timeline: %.300s", store_errmsg(a->s));
	focus_alert_event(v);
}

void alert_reload_related(struct app *a)
{
	struct alertview *v = alert_of(a);
	timeline_options(v);
	if (case_reload_related(a->s, &v->rec, &v->opts))
		say(a, "could not read the related alerts: %.300s", store_errmsg(a->s));
}

struct rows items_of(const struct alertview *v, const char *kind)
{
	struct rows r = {0};
	for (size_t i = 0; i < v->rec.nitems; i++)
		if (!strcmp(v->rec.items[i].kind, kind))
			rows_add(&r, i);
	return r;
}

struct case_item *current_item(struct app *a, const char *kind)
{
	struct alertview *v = alert_of(a);
	struct rows r = items_of(v, kind);
	enum tab t = item_kind_from(kind) == ITEM_CHECK ? TAB_checklist : TAB_response;
	struct case_item *it = v->sel[t] < r.n ? &v->rec.items[r.at[v->sel[t]]] : NULL;
	rows_free(&r);
	return it;
}

int alert_text_width(void)
{
	return region_inset(layout_body(HEAD_ALERT), 0, 1).width;
}

void draw_tab_lines(struct app *a, const struct text_out *o)
{
	struct alertview *v = alert_of(a);
	size_t n = o->n, *top = &v->sel[v->tab];
	struct region body = layout_body(HEAD_ALERT), text = region_inset(body, 0, 1);
	int height = body.height;
	if (n > (size_t)height && *top > n - (size_t)height)
		*top = n - (size_t)height;
	if (n <= (size_t)height)
		*top = 0;
	for (int i = 0; i < height; i++) {
		size_t k = *top + (size_t)i;
		move(body.top + i, 0);
		clrtoeol();
		if (k < n)
			text_draw_line(o, k, body.top + i, text.left, text.width);
	}
}

void draw_text_tab(struct app *a)
{
	struct text_out o = {0};
	alert_tabs[alert_of(a)->tab]->text(a, &o);
	draw_tab_lines(a, &o);
	out_free(&o);
}

/* The next line of a text tab, after (dir 1) or before (-1) the top one, holding needle
 * (ASCII case aside), wrapping; it becomes the top line. */
static int find_in_text(struct app *a, const char *needle, int dir)
{
	struct alertview *v = alert_of(a);
	struct text_out o = {0};
	alert_tabs[v->tab]->text(a, &o);
	size_t n = o.n, at = v->sel[v->tab];
	int found = 0;
	for (size_t k = 1; k <= n && !found; k++) {
		size_t i = dir > 0 ? (at + k) % n : (at + n - k % n) % n;
		if (strcasestr(o.lines[i], needle)) {
			v->sel[v->tab] = i;
			found = 1;
		}
	}
	out_free(&o);
	return found;
}

/* / in a tab: its text, or its rows. */
static void search_tab(struct app *a, int dir)
{
	const struct tab_ops *t = alert_tabs[alert_of(a)->tab];
	int found = t->text ? find_in_text(a, a->search, dir) : t->find ? t->find(a, a->search, dir) : -1;
	if (found < 0)
		say(a, "nothing to search on this tab");
	else if (!found)
		say(a, "not found");
}

static void search_typed(struct app *a, const char *text, void *data)
{
	(void)data;
	free(a->search);
	a->search = xstrdup(text);
	if (*text)
		search_tab(a, 1);
}

static void draw_header(struct app *a)
{
	struct alertview *v = alert_of(a);
	char right[80];
	snprintf(right, sizeof(right), " %s ", v->alert.status);
	ui_bar(a, LAYOUT_TITLE_ROW, v->alert.rule, right);
	char tbuf[32];
	ui_format_time(a, v->alert.time, tbuf, sizeof(tbuf), 1);
	char zone[16];
	ui_zone_label(a, v->alert.time, zone, sizeof(zone));
	struct strbuf line;
	strbuf_init(&line, 128);
	strbuf_addf(&line, " %s · risk %lld · %s · %s %s", v->alert.severity, (long long)v->alert.risk, v->alert.host,
	            tbuf, zone);
	int y = LAYOUT_TITLE_ROW + 1, cols = layout_cols();
	move(y, 0);
	clrtoeol();
	draw_text(y++, 0, cols, line.buf, ui_severity_attr(a, v->alert.severity), 1);
	strbuf_release(&line);
	draw_text(y++, 0, cols, v->rec.reason ? v->rec.reason : "", A_NORMAL, 1);
	move(y, 0); /* the tab bar, the last row of the head */
	clrtoeol();
	int x = 0;
	for (int t = 0; t < TAB_COUNT; t++) {
		char label[40];
		snprintf(label, sizeof(label), " %d %s ", t + 1, alert_tabs[t]->name);
		x += draw_text(y, x, text_width(label), label, t == (int)v->tab ? A_REVERSE | A_BOLD : A_UNDERLINE, 0);
	}
}

static void alert_draw(struct app *a)
{
	const struct tab_ops *t = alert_tabs[alert_of(a)->tab];
	draw_header(a);
	t->draw(a);
	char hints[200];
	ui_hints(t->hints, t->nhints, hints, sizeof(hints));
	ui_status_line(a, hints);
}

/* The view's keys are the table's in its tab's context; while a walk-through goes on, q ends
 * it before it leaves the view. */
static unsigned alert_context(const struct app *a)
{
	return CTX_ALERT | alert_tabs[alert_of(a)->tab]->ctx | (alert_of(a)->walk ? CTX_WALK : 0);
}

/* The process tree of the alert's event, or of the timeline's selected one. */
static void show_tree(struct app *a)
{
	int64_t event = alert_of(a)->tab == TAB_timeline ? timeline_selected_event(a) : 0;
	tree_open(a, event ? event : alert_of(a)->rec.event_id);
}

/* J and K (mutt): the queue's next or previous alert, on the same tab. */
static void step_alert(struct app *a, int dir)
{
	struct queue *q = &a->q;
	size_t i; /* in the queue's order: a folded host's alerts are stepped through too */
	for (i = 0; i < q->norder && q->rows[q->order[i]].id != alert_of(a)->alert.id; i++)
		;
	if (i == q->norder || (dir < 0 && i == 0) || (dir > 0 && i + 1 >= q->norder)) {
		say(a, "%s", dir > 0 ? "this is the queue's last alert" : "this is the queue's first alert");
		return;
	}
	enum tab tab = alert_of(a)->tab;
	size_t next = q->order[dir > 0 ? i + 1 : i - 1];
	queue_select_row(q, next, ui_list_height());
	alert_open(a, &q->rows[next]);
	if (in_alert(a))
		alert_of(a)->tab = tab;
}

/* r: one of the building blocks or related alerts the Overview lists, chosen, opens in this
 * view. A building block is never in the queue (Kibana's alerts table shows it only in its
 * sequence's expanded group), so it opens from what the Overview read of it. */
struct related_choice {
	char **uuids;
	size_t n;
	struct case_related *blocks; /* the first nblocks choices: copies of the record's */
	size_t nblocks;
	char *host; /* the sequence alert's host, which its building blocks share */
};

static void related_free(void *data)
{
	struct related_choice *c = data;
	for (size_t i = 0; i < c->n; i++)
		free(c->uuids[i]);
	free(c->uuids);
	for (size_t i = 0; i < c->nblocks; i++) {
		struct case_related *b = &c->blocks[i];
		free(b->uuid), free(b->rule), free(b->severity), free(b->status);
	}
	free(c->blocks);
	free(c->host);
	free(c);
}

static void open_block(struct app *a, const struct related_choice *c, size_t i)
{
	const struct case_related *b = &c->blocks[i];
	struct qrow row = {.time = b->ts,
	                   .uuid = b->uuid,
	                   .status = b->status,
	                   .severity = b->severity,
	                   .host = c->host,
	                   .rule = b->rule,
	                   .building_block = 1};
	alert_open(a, &row);
	if (in_alert(a)) { /* what the queue's row would have carried, from the record now read */
		alert_of(a)->alert.id = alert_of(a)->rec.id;
		alert_of(a)->alert.event_id = alert_of(a)->rec.event_id;
		alert_of(a)->alert.risk = alert_of(a)->rec.risk;
	}
}

static void related_chosen(struct app *a, size_t choice, void *data)
{
	struct related_choice *c = data;
	enum tab tab = alert_of(a)->tab;
	if (choice < c->nblocks) {
		open_block(a, c, choice);
	} else {
		long row = queue_find_uuid(&a->q, c->uuids[choice]);
		if (row < 0) {
			say(a, "alert %.12s is not in the queue: R reloads it", c->uuids[choice]);
			related_free(c);
			return;
		}
		alert_open(a, &a->q.rows[row]);
	}
	if (in_alert(a))
		alert_of(a)->tab = tab;
	related_free(c);
}

static void choose_related(struct app *a)
{
	const struct case_record *r = &alert_of(a)->rec;
	size_t n = r->nblocks + r->nrelated;
	if (!n) {
		say(a, "no related alerts: no other rule alerted on this host within ±%llds",
		    (long long)(alert_of(a)->tl_before / TIME_US_PER_SEC));
		return;
	}
	struct related_choice *c = xcalloc(1, sizeof(*c));
	c->uuids = xcalloc(n, sizeof(*c->uuids));
	c->blocks = r->nblocks ? xcalloc(r->nblocks, sizeof(*c->blocks)) : NULL;
	c->host = xstrdup(alert_of(a)->alert.host ? alert_of(a)->alert.host : "");
	char **labels = xcalloc(n, sizeof(*labels));
	for (size_t i = 0; i < n; i++) {
		int block = i < r->nblocks;
		const struct case_related *x = block ? &r->blocks[i] : &r->related[i - r->nblocks];
		struct strbuf sb;
		strbuf_init(&sb, 128);
		if (r->nblocks) /* which list of the Overview each is from */
			strbuf_addstr(&sb, block ? "building block  " : "related         ");
		related_line(a, x, 0, &sb);
		labels[i] = strbuf_detach(&sb, NULL);
		c->uuids[c->n++] = xstrdup(x->uuid);
		if (block) {
			c->blocks[i] = (struct case_related){.uuid = xstrdup(x->uuid),
			                                     .rule = xstrdup(x->rule),
			                                     .severity = xstrdup(x->severity),
			                                     .status = xstrdup(x->status),
			                                     .ts = x->ts};
			c->nblocks++;
		}
	}
	dialog_choose(a,
	              r->nblocks ? "Open a building block or related alert (Enter, or its number):"
	                         : "Open a related alert (Enter, or its number):",
	              (const char *const *)labels, n, related_chosen, c, related_free);
	for (size_t i = 0; i < n; i++)
		free(labels[i]);
	free(labels);
}

static int alert_request(struct app *a, enum tui_action act)
{
	struct alertview *v = alert_of(a);
	const struct tab_ops *t = alert_tabs[v->tab];
	if (t->request && t->request(a, act))
		return 1;
	switch (act) {
	case ACT_BACK: {
		char *uuid = xstrdup(v->alert.uuid);
		view_pop(a);
		app_refresh_status(a, &uuid, 1);
		free(uuid);
		return 1;
	}
	case ACT_END_WALK: v->walk = 0; return 1;
	case ACT_TREE: show_tree(a); return 1;
	case ACT_RELATED: choose_related(a); return 1;
	case ACT_SEARCH: dialog_prompt(a, "Search (n, N: next, previous):", NULL, search_typed, NULL, NULL); return 1;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV:
		if (!a->search || !*a->search)
			say(a, "no search yet: press /");
		else
			search_tab(a, act == ACT_SEARCH_NEXT ? 1 : -1);
		return 1;
	case ACT_NEXT_ALERT:
	case ACT_PREV_ALERT: step_alert(a, act == ACT_NEXT_ALERT ? 1 : -1); return 1;
	case ACT_NEXT_TAB: v->tab = (v->tab + 1) % TAB_COUNT; return 1;
	case ACT_PREV_TAB: v->tab = (v->tab + TAB_COUNT - 1) % TAB_COUNT; return 1;
	default:
		if (act >= ACT_TAB1 && act < ACT_TAB1 + TAB_COUNT) {
			v->tab = (enum tab)(act - ACT_TAB1);
			return 1;
		}
		return 0;
	}
}

/* Rows the tab has, for movement; scrolled text clamps when it is drawn. */
static size_t tab_length(struct app *a)
{
	const struct tab_ops *t = alert_tabs[alert_of(a)->tab];
	return t->length ? t->length(a) : 1000;
}

static void alert_move(struct app *a, long delta)
{
	struct alertview *v = alert_of(a);
	long n = (long)tab_length(a), s = (long)v->sel[v->tab] + delta;
	if (s >= n)
		s = n - 1;
	if (s < 0)
		s = 0;
	v->sel[v->tab] = (size_t)s;
}

static void alert_click(struct app *a, int y, int x)
{
	const struct tab_ops *t = alert_tabs[alert_of(a)->tab];
	if (t->click)
		t->click(a, y, x);
}

const struct view_ops alert_view = {.name = "alert",
                                    .context = alert_context,
                                    .draw = alert_draw,
                                    .request = alert_request,
                                    .move_by = alert_move,
                                    .page = ui_page_height,
                                    .click = alert_click,
                                    .close = alert_close};
