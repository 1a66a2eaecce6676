/* app: the console's state, its view stack and its key dispatch. The views themselves are in
 * tui/queue_view.c, tui/alert_view.c (with a file per tab), tui/pager_view.c and
 * tui/json_view.c; the dialogs in tui/dialog.c; the actions on alerts in tui/actions.c. */
#include "tui/app.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/timeutil.h"
#include "detect/detect.h"
#include "detect/field.h"
#include "detect/kql.h"
#include "detect/source.h"
#include "store/alerts.h"
#include "store/events.h"
#include "triage/record.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/view.h"

void say(struct app *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
	va_end(ap);
}

void say_source_notice(struct app *a, struct event_source *src)
{
	const char *notice = source_take_notice(src);
	if (notice)
		say(a, "%.300s", notice);
}

int say_not_saved(struct app *a, int rc)
{
	if (rc == TRIAGE_ERROR)
		say(a, "not saved: %s", store_errmsg(a->s));
	return rc;
}

/* ---- the view stack ---- */

const struct view_ops *view_top(const struct app *a)
{
	return a->depth ? a->stack[a->depth - 1].ops : &queue_view;
}

void view_push_private(struct app *a, const struct view_ops *v, void *priv)
{
	if (a->depth == a->cap)
		a->stack = xrealloc(a->stack, (a->cap = a->cap ? a->cap * 2 : 4) * sizeof(*a->stack));
	a->stack[a->depth++] = (struct view_entry){.ops = v, .priv = priv};
}

void view_push(struct app *a, const struct view_ops *v)
{
	view_push_private(a, v, NULL);
}

void *view_private(const struct app *a, const struct view_ops *v)
{
	for (size_t i = a->depth; i > 0; i--)
		if (a->stack[i - 1].ops == v)
			return a->stack[i - 1].priv;
	return NULL;
}

void view_pop(struct app *a)
{
	if (a->depth <= 1) /* the queue stays */
		return;
	const struct view_ops *v = a->stack[a->depth - 1].ops;
	if (v->close) /* on the stack still, so that it finds its state */
		v->close(a);
	a->depth--;
}

int in_alert(const struct app *a)
{
	return view_private(a, &alert_view) != NULL;
}

/* ---- the queue's data ---- */

static int64_t default_clock(void)
{
	return time_now_us();
}

static int add_alert_row(void *ctx, const struct queue_alert *a)
{
	struct app *app = ctx;
	struct qrow r = {.id = a->id,
	                 .event_id = a->event_id,
	                 .time = a->original_time,
	                 .risk = a->risk_score,
	                 .uuid = a->uuid,
	                 .status = a->status,
	                 .severity = a->severity,
	                 .host = a->host,
	                 .rule = a->rule_name,
	                 .target = a->target,
	                 .building_block = a->building_block,
	                 .group_parent = a->group_parent,
	                 .kql_hit = 1};
	queue_add(&app->q, &r);
	return 0;
}

static int apply_kql_row(void *ctx, const struct alert_row *a, int matches)
{
	struct app *app = ctx;
	long row = queue_find_id(&app->q, a->id);
	if (row >= 0)
		app->q.rows[row].kql_hit = matches;
	return 0;
}

/* Marks the rows the queue's KQL filter matches; a query that does not parse is dropped. */
static int apply_kql(struct app *a)
{
	if (!a->kql_text || !*a->kql_text)
		return 0;
	struct kql_error err;
	struct kql_node *q = kql_parse(a->kql_text, &err);
	if (!q) {
		say(a, "KQL error at column %zu: %s", err.column, err.msg);
		free(a->kql_text);
		a->kql_text = NULL;
		return -1;
	}
	int rc = detect_alerts_kql(a->s, q, apply_kql_row, a);
	kql_free(q);
	if (rc)
		say(a, "could not filter the alerts: %.300s", store_errmsg(a->s));
	return rc;
}

int app_load(struct app *a)
{
	const struct qrow *sel = queue_selected(&a->q);
	char *keep = sel ? xstrdup(sel->uuid) : NULL;
	queue_clear_rows(&a->q);
	int rc = store_queue_tree_each(a->s, add_alert_row, a); /* a sequence's building blocks after it */
	if (rc)
		say(a, "could not read the alerts: %.300s", store_errmsg(a->s));
	else
		apply_kql(a);
	queue_apply(&a->q);
	a->case_events = a->q.n ? 0 : store_event_count(a->s); /* what the empty queue says */
	if (keep) {
		queue_select_uuid(&a->q, keep, ui_list_height());
		free(keep);
	}
	a->data_version = store_data_version(a->s);
	return rc;
}

static int update_row_status(void *ctx, const struct alert_row *r)
{
	struct app *a = ctx;
	long row = queue_find_id(&a->q, r->id);
	if (row >= 0)
		queue_set_status(&a->q, (size_t)row, r->status);
	return 0;
}

void app_refresh_status(struct app *a, char *const *uuids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct alert_query q = {.uuid = uuids[i], .no_doc = 1};
		if (store_alerts_each(a->s, &q, update_row_status, a))
			say(a, "could not read the alert's status: %.300s", store_errmsg(a->s));
	}
	queue_apply(&a->q);
}

struct app *app_new(struct store *s, const struct app_options *o)
{
	struct app *a = xcalloc(1, sizeof(*a));
	a->s = s;
	a->o = *o;
	if (!a->o.clock)
		a->o.clock = default_clock;
	queue_init(&a->q);
	view_push(a, &queue_view);
	return a;
}

void app_free(struct app *a)
{
	if (!a)
		return;
	dialog_close_all(a);
	while (a->depth > 1)
		view_pop(a);
	free(a->stack);
	queue_release(&a->q);
	free(a->search);
	free(a->kql_text);
	free(a);
}

int app_done(const struct app *a)
{
	return a->done;
}

const char *app_message(const struct app *a)
{
	return a->msg;
}

int app_poll(struct app *a)
{
	int64_t v = store_data_version(a->s);
	if (v == a->data_version)
		return 0;
	size_t before = a->q.n;
	app_load(a);
	if (a->q.n > before)
		say(a, "%zu new alert%s", a->q.n - before, a->q.n - before == 1 ? "" : "s");
	return 1;
}

/* ---- keys ---- */

static void reload(struct app *a)
{
	app_load(a);
	if (in_alert(a)) {
		alert_reload_triage(a);
		alert_reload_timeline(a);
	}
	say(a, "reloaded");
}

/* The actions that work the same in every view with a key context. */
static int common_request(struct app *a, const struct view_ops *v, enum tui_action act)
{
	int page = v->page ? v->page() : 1;
	long half = page / 2 ? page / 2 : 1;
	switch (act) {
	case ACT_DOWN: v->move_by(a, 1); return 1;
	case ACT_UP: v->move_by(a, -1); return 1;
	case ACT_FIRST: v->move_by(a, -1000000); return 1;
	case ACT_LAST: v->move_by(a, 1000000); return 1;
	case ACT_PAGE_DOWN: v->move_by(a, page); return 1;
	case ACT_PAGE_UP: v->move_by(a, -page); return 1;
	case ACT_HALF_DOWN: v->move_by(a, half); return 1;
	case ACT_HALF_UP: v->move_by(a, -half); return 1;
	case ACT_QUIT: a->done = 1; return 1;
	case ACT_HELP: action_help(a); return 1;
	case ACT_REDRAW: clearok(curscr, TRUE); return 1;
	case ACT_RELOAD: reload(a); return 1;
	case ACT_LOCAL_TIME: a->local_time = !a->local_time; return 1;
	case ACT_ACK: action_set_status(a, "acknowledged"); return 1;
	case ACT_REOPEN: action_set_status(a, "open"); return 1;
	case ACT_CLOSE: action_close(a); return 1;
	case ACT_EXPORT: action_export(a); return 1;
	case ACT_EXCEPTION: action_exception(a); return 1;
	default: return 0;
	}
}

void app_handle_key(struct app *a, int key)
{
	if (key == KEY_RESIZE)
		return; /* the next draw uses the new LINES and COLS */
	const struct view_ops *v = view_top(a);
	if (ui_too_small()) { /* nothing can be seen: only quit (from the queue, nothing open) */
		if (v == &queue_view && !dialog_open(a) && keymap_lookup(key, CTX_QUEUE) == ACT_BACK)
			a->done = 1;
		return;
	}
	if (dialog_open(a)) {
		dialog_key(a, key);
		return;
	}
	if (!v->context)
		return;
	unsigned ctx = v->context(a);
	enum tui_action act = keymap_lookup(key, ctx);
	if (act == ACT_IDLE)
		return;
	if (!(ctx & CTX_KEEPS_MESSAGE))
		a->msg[0] = '\0';
	if (act == ACT_NONE)
		return;
	if (v->request && v->request(a, act))
		return;
	common_request(a, v, act);
}

void app_handle_char(struct app *a, wint_t ch)
{
	if (!ui_too_small())
		dialog_char(a, ch);
}

void app_click(struct app *a, int y, int x)
{
	const struct view_ops *v = view_top(a);
	if (dialog_open(a) || ui_too_small() || !v->click)
		return;
	v->click(a, y, x);
}

void app_draw(struct app *a)
{
	ui_init_colors(a);
	erase();
	if (ui_too_small()) {
		char msg[120];
		snprintf(msg, sizeof(msg), "terminal too small: casebook needs %dx%d, this is %dx%d", MIN_COLS,
		         MIN_ROWS, layout_cols(), layout_rows());
		draw_text(layout_rows() / 2, 0, layout_cols(), msg, A_BOLD, 1);
		return;
	}
	view_top(a)->draw(a);
	dialog_draw(a);
}
