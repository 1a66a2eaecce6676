#include "tui/app.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/sanitize.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "detect/detect.h"
#include "detect/exceptions.h"
#include "detect/field.h"
#include "detect/kql.h"
#include "export/export.h"
#include "store/alerts.h"
#include "store/rules.h"
#include "store/triage.h"
#include "triage/guide.h"
#include "triage/record.h"
#include "tui/draw.h"
#include "tui/keymap.h"
#include "tui/queue.h"

#define MIN_COLS 60
#define MIN_ROWS 16
#define CTRL(c)  ((c)&0x1f)
#define KEY_ESC  27

enum tab { TAB_OVERVIEW, TAB_GUIDE, TAB_TIMELINE, TAB_CHECKLIST, TAB_RESPONSE, TAB_NOTES, TAB_COUNT };
static const char *const tab_names[TAB_COUNT] = {"Overview", "Guide", "Timeline", "Checklist", "Response", "Notes"};

/* Overview fields, read from the alert document. */
static const char *const overview_paths[] = {"host.name",
                                             "host.id",
                                             "host.os.type",
                                             "user.name",
                                             "process.executable",
                                             "process.pid",
                                             "process.command_line",
                                             "process.code_signature.subject_name",
                                             "process.code_signature.trusted",
                                             "process.code_signature.team_id",
                                             "process.code_signature.status",
                                             "file.path",
                                             "file.hash.sha256",
                                             "file.size",
                                             "file.Ext.original.path",
                                             "event.action",
                                             "event.type",
                                             "kibana.alert.rule.description",
                                             "kibana.alert.rule.threat",
                                             "process.entity_id",
                                             "kibana.alert.rule.rule_id",
                                             "kibana.alert.rule.threat.tactic.id",
                                             "kibana.alert.rule.threat.tactic.name",
                                             "kibana.alert.rule.threat.technique.id",
                                             "kibana.alert.rule.threat.technique.name",
                                             "casebook.derived_fields"};
enum {
	OV_HOST,
	OV_HOST_ID,
	OV_OS,
	OV_USER,
	OV_EXE,
	OV_PID,
	OV_CMD,
	OV_SIGNER,
	OV_TRUSTED,
	OV_TEAM,
	OV_SIGSTATUS,
	OV_PATH,
	OV_SHA,
	OV_SIZE,
	OV_ORIG,
	OV_ACTION,
	OV_TYPE,
	OV_DESC,
	OV_THREAT,
	OV_ENTITY,
	OV_RULE_ID,
	OV_TACTIC_ID,
	OV_TACTIC,
	OV_TECHNIQUE_ID,
	OV_TECHNIQUE,
	OV_DERIVED,
	OV_COUNT
};

struct tl_row {
	int64_t id, ts;
	char *category, *action, *process, *target, *entity, *user, *host;
};

struct item {
	char *kind, *text, *state, *note, *by;
	int position;
	int64_t at;
};

struct related {
	char *uuid, *rule, *severity;
	int64_t ts;
};

struct alertview {
	struct qrow alert; /* a copy of the queue's row: its strings in pool */
	struct strpool pool;
	const char *reason; /* kibana.alert.reason */
	char *rule_id;
	int64_t *members; /* the alert's events: one, or a sequence's every event */
	size_t nmembers;
	struct related *related; /* other rules' alerts on this host within the timeline window */
	size_t nrelated;
	struct guide rule_notes; /* casebook's notes on the rule, apart from its author's guide */
	enum tab tab;
	char *fields[OV_COUNT];
	int64_t same_host, hosts_same_path;
	int derived_os;
	struct guide guide;
	struct item *items;
	size_t nitems;
	struct strbuf notes; /* rendered text of the notes */
	struct tl_row *tl;
	size_t ntl;
	int64_t tl_before, tl_after, tl_shift; /* window around the alert, and paging */
	int pivot;                             /* 0 none, 'p' process, 'u' user, 'F' file on every host */
	int category;                          /* 0 all, then file, process, network */
	size_t sel[TAB_COUNT], top[TAB_COUNT];
	int walk; /* walking through pending response steps */
};

enum overlay { OV_NONE, OV_HELP, OV_PROMPT, OV_CHOOSE, OV_CONFIRM, OV_EDITOR, OV_JSON };

enum purpose {
	P_NONE,
	P_SEARCH,
	P_KQL,
	P_CLOSE_REASON,
	P_CLOSE_COMMENT,
	P_CLOSE_CONFIRM,
	P_ITEM_NOTE,
	P_EDITOR_CANCEL,
	P_EXPORT_FORMAT,
	P_EXPORT_PATH,
	P_EXCEPTION_FIELD,
	P_EXCEPTION_CONFIRM,
	P_QUIT_CONFIRM
};

struct app {
	struct store *s;
	struct app_options o;
	struct queue q;
	int in_alert;
	struct alertview av;
	int done, local_time;
	char *search;
	char *kql_text;
	char msg[400];
	int64_t data_version;
	/* overlays */
	enum overlay ov;
	enum purpose purpose;
	char title[512];
	struct strbuf input; /* prompt and editor text (UTF-8) */
	char **choices;
	size_t nchoices, choice;
	char **text_lines; /* the help view */
	size_t ntext, text_top;
	struct json_line *json; /* the event view: a foldable JSON tree */
	size_t njson, json_sel, json_top;
	unsigned char *folded;
	/* a multi-step dialog's state, typed: nothing is parsed back out of a label */
	char *pending_reason, *pending_comment;
	size_t pending_format;
	const char *exception_fields[2]; /* the exception dialog's choices: field and value */
	char *exception_values[2];
	size_t nexception, exception_choice;
};

/* A store read that failed while loading a view is said on the status line (the first one),
 * instead of leaving a half-empty view that looks whole. Returns rc. */
static int said_if_failed(struct app *a, int rc, const char *what)
{
	if (rc < 0 && !strstr(a->msg, "could not read"))
		snprintf(a->msg, sizeof(a->msg), "could not read %s: %.300s", what, store_errmsg(a->s));
	return rc;
}

static int64_t default_clock(void)
{
	return time_now_us();
}

/* ---- loading ---- */

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
	                 .kql_hit = 1};
	queue_add(&app->q, &r);
	return 0;
}

struct kql_apply {
	struct app *app;
};

static int apply_kql_row(void *ctx, const struct alert_row *a, int matches)
{
	struct kql_apply *k = ctx;
	long row = queue_find_id(&k->app->q, a->id);
	if (row >= 0)
		k->app->q.rows[row].kql_hit = matches;
	return 0;
}

static int apply_kql(struct app *a)
{
	if (!a->kql_text || !*a->kql_text)
		return 0;
	struct kql_error err;
	struct kql_node *q = kql_parse(a->kql_text, &err);
	if (!q) {
		snprintf(a->msg, sizeof(a->msg), "KQL error at column %zu: %s", err.column, err.msg);
		free(a->kql_text);
		a->kql_text = NULL;
		return -1;
	}
	struct kql_apply k = {.app = a};
	int rc = detect_alerts_kql(a->s, q, apply_kql_row, &k);
	kql_free(q);
	return rc;
}

static int list_height(void)
{
	return LINES - 3 > 1 ? LINES - 3 : 1;
}

int app_load(struct app *a)
{
	const struct qrow *sel = queue_selected(&a->q);
	char *keep = sel ? xstrdup(sel->uuid) : NULL;
	queue_clear_rows(&a->q);
	int rc = store_queue_each(a->s, add_alert_row, a);
	if (!rc)
		apply_kql(a);
	queue_apply(&a->q);
	if (keep) {
		queue_select_uuid(&a->q, keep, list_height());
		free(keep);
	}
	a->data_version = store_data_version(a->s);
	return rc;
}

struct app *app_new(struct store *s, const struct app_options *o)
{
	struct app *a = xcalloc(1, sizeof(*a));
	a->s = s;
	a->o = *o;
	if (!a->o.clock)
		a->o.clock = default_clock;
	queue_init(&a->q);
	strbuf_init(&a->input, 256);
	return a;
}

static void close_alert(struct app *a);
static void free_choices(struct app *a);

void app_free(struct app *a)
{
	if (!a)
		return;
	close_alert(a);
	queue_release(&a->q);
	free(a->search);
	free(a->kql_text);
	strbuf_release(&a->input);
	free_choices(a);
	free_lines(a->text_lines, a->ntext);
	json_outline_free(a->json, a->njson);
	free(a->folded);
	free(a->pending_reason);
	free(a->pending_comment);
	for (size_t i = 0; i < a->nexception; i++)
		free(a->exception_values[i]);
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

/* ---- the alert view ---- */

static int add_tl(void *ctx, const struct event_row *row)
{
	struct alertview *v = ctx;
	const struct event_record *r = &row->r;
	v->tl = xrealloc(v->tl, (v->ntl + 1) * sizeof(*v->tl));
	struct tl_row *t = &v->tl[v->ntl++];
	t->id = row->id;
	t->ts = r->ts;
	t->category = xstrdup(r->category ? r->category : "-");
	t->action = xstrdup(r->action ? r->action : "-");
	t->process = xstrdup(r->process_name ? r->process_name : "-");
	t->target = xstrdup(r->file_path ? r->file_path : r->executable ? r->executable : "-");
	t->entity = r->entity_id ? xstrdup(r->entity_id) : NULL;
	t->user = r->user_name ? xstrdup(r->user_name) : NULL;
	t->host = xstrdup(r->host_name ? r->host_name : r->host_id ? r->host_id : "-");
	return 0;
}

static void clear_timeline(struct alertview *v)
{
	for (size_t i = 0; i < v->ntl; i++) {
		struct tl_row *t = &v->tl[i];
		free(t->category), free(t->action), free(t->process), free(t->target), free(t->entity), free(t->user);
		free(t->host);
	}
	free(v->tl);
	v->tl = NULL;
	v->ntl = 0;
}

static int tl_visible(const struct alertview *v, const struct tl_row *t);

static void load_timeline(struct app *a)
{
	struct alertview *v = &a->av;
	clear_timeline(v);
	int rc;
	if (v->pivot == 'F') {
		struct event_query q = {.file_path = v->fields[OV_PATH]};
		rc = store_events_each(a->s, &q, add_tl, v);
	} else {
		rc = store_timeline_each(a->s, v->alert.event_id, v->tl_before - v->tl_shift, v->tl_after + v->tl_shift,
		                         0, add_tl, v);
	}
	said_if_failed(a, rc, "the timeline");
	/* focus the alert's own event (the selection counts visible rows) */
	v->sel[TAB_TIMELINE] = 0;
	for (size_t i = 0, k = 0; i < v->ntl; i++) {
		if (!tl_visible(v, &v->tl[i]))
			continue;
		if (v->tl[i].id == v->alert.event_id)
			v->sel[TAB_TIMELINE] = k; /* a sequence's first event */
		k++;
	}
	/* the alert's event in the middle of the view, with what came before and after it */
	size_t half = LINES > 12 ? (size_t)(LINES - 6) / 2 : 0, sel = v->sel[TAB_TIMELINE];
	v->top[TAB_TIMELINE] = sel > half ? sel - half : 0;
}

static int add_item(void *ctx, const struct triage_item *it)
{
	struct alertview *v = ctx;
	v->items = xrealloc(v->items, (v->nitems + 1) * sizeof(*v->items));
	struct item *c = &v->items[v->nitems++];
	c->kind = xstrdup(it->kind);
	c->text = xstrdup(it->text);
	c->state = xstrdup(it->state);
	c->note = it->note ? xstrdup(it->note) : NULL;
	c->by = it->by ? xstrdup(it->by) : NULL;
	c->position = it->position;
	c->at = it->at_us;
	return 0;
}

static void clear_items(struct alertview *v)
{
	for (size_t i = 0; i < v->nitems; i++) {
		struct item *c = &v->items[i];
		free(c->kind), free(c->text), free(c->state), free(c->note), free(c->by);
	}
	free(v->items);
	v->items = NULL;
	v->nitems = 0;
}

static int add_note_text(void *ctx, const struct note_row *n)
{
	struct strbuf *sb = ctx;
	char t[TIME_ISO_LEN];
	time_format_iso8601(n->at_us, t);
	strbuf_addf(sb, "%s%s, %s:\n%s\n", sb->len ? "\n" : "", n->by, t, n->text);
	return 0;
}

static void load_record(struct app *a)
{
	struct alertview *v = &a->av;
	clear_items(v);
	strbuf_reset(&v->notes);
	said_if_failed(a, triage_items_each(a->s, v->alert.id, add_item, v), "the checklist");
	said_if_failed(a, store_notes_each(a->s, v->alert.id, add_note_text, &v->notes), "the notes");
}

static int take_doc(void *ctx, const struct alert_row *r)
{
	struct alertview *v = ctx;
	json_fields(r->doc, overview_paths, OV_COUNT, v->fields);
	free(v->rule_id);
	v->rule_id = xstrdup(r->rule_id);
	v->alert.status = strpool_intern(&v->pool, r->status, NULL);
	v->reason = strpool_copy(&v->pool, r->reason);
	return 1;
}

static int add_related(void *ctx, const struct alert_row *r)
{
	struct alertview *v = ctx;
	v->related = xrealloc(v->related, (v->nrelated + 1) * sizeof(*v->related));
	struct related *x = &v->related[v->nrelated++];
	x->uuid = xstrdup(r->uuid);
	x->rule = xstrdup(r->rule_name);
	x->severity = xstrdup(r->severity);
	x->ts = r->original_time;
	return 0;
}

static int is_member(const struct alertview *v, int64_t event_id)
{
	for (size_t i = 0; i < v->nmembers; i++)
		if (v->members[i] == event_id)
			return 1;
	return 0;
}

static void clear_related(struct alertview *v)
{
	for (size_t i = 0; i < v->nrelated; i++)
		free(v->related[i].uuid), free(v->related[i].rule), free(v->related[i].severity);
	free(v->related);
	v->related = NULL;
	v->nrelated = 0;
}

/* Other rules' alerts on the host within the timeline window (it follows + and -). */
static void load_related(struct app *a)
{
	struct alertview *v = &a->av;
	clear_related(v);
	struct alert_query q = {.related_to = v->alert.id, .window_us = v->tl_before, .no_doc = 1};
	said_if_failed(a, store_alerts_each(a->s, &q, add_related, v), "the related alerts");
}

static void open_alert(struct app *a, const struct qrow *r)
{
	close_alert(a);
	struct alertview *v = &a->av;
	memset(v, 0, sizeof(*v));
	v->alert = *r;
	strpool_init(&v->pool);
	v->alert.uuid = strpool_copy(&v->pool, r->uuid), v->alert.status = strpool_copy(&v->pool, r->status);
	v->alert.severity = strpool_copy(&v->pool, r->severity), v->alert.host = strpool_copy(&v->pool, r->host);
	v->alert.rule = strpool_copy(&v->pool, r->rule), v->alert.target = strpool_copy(&v->pool, r->target);
	v->reason = "";
	strbuf_init(&v->notes, 256);
	a->msg[0] = '\0';
	struct alert_query q = {.uuid_prefix = r->uuid};
	said_if_failed(a, store_alerts_each(a->s, &q, take_doc, v), "the alert");
	said_if_failed(a, store_alert_context(a->s, r->id, &v->same_host, &v->hosts_same_path), "the prevalence");
	char *note = NULL;
	said_if_failed(a, store_alert_rule_note(a->s, r->id, &note), "the guide");
	guide_parse(note, &v->guide);
	free(note);
	note = NULL;
	if (v->rule_id)
		said_if_failed(a, store_rule_notes_get(a->s, v->rule_id, &note), "casebook's notes on the rule");
	guide_parse(note, &v->rule_notes);
	free(note);
	said_if_failed(a, store_alert_events(a->s, r->id, &v->members, &v->nmembers), "the alert's events");
	v->tl_before = v->tl_after = 600 * TIME_US_PER_SEC;
	load_related(a);
	load_timeline(a);
	load_record(a);
	a->in_alert = 1;
}

static void close_alert(struct app *a)
{
	if (!a->in_alert)
		return;
	struct alertview *v = &a->av;
	strpool_release(&v->pool);
	for (int i = 0; i < OV_COUNT; i++)
		free(v->fields[i]);
	guide_release(&v->guide);
	guide_release(&v->rule_notes);
	free(v->rule_id);
	free(v->members);
	clear_related(v);
	clear_items(v);
	clear_timeline(v);
	strbuf_release(&v->notes);
	a->in_alert = 0;
}

/* ---- overlays ---- */

static void free_choices(struct app *a)
{
	for (size_t i = 0; i < a->nchoices; i++)
		free(a->choices[i]);
	free(a->choices);
	a->choices = NULL;
	a->nchoices = a->choice = 0;
}

static void prompt(struct app *a, enum purpose p, const char *title, const char *initial)
{
	a->ov = OV_PROMPT;
	a->purpose = p;
	snprintf(a->title, sizeof(a->title), "%s", title);
	strbuf_reset(&a->input);
	if (initial)
		strbuf_addstr(&a->input, initial);
}

static void choose(struct app *a, enum purpose p, const char *title, const char *const *options, size_t n)
{
	free_choices(a);
	a->ov = OV_CHOOSE;
	a->purpose = p;
	snprintf(a->title, sizeof(a->title), "%s", title);
	a->choices = xcalloc(n, sizeof(*a->choices));
	for (size_t i = 0; i < n; i++)
		a->choices[i] = xstrdup(options[i]);
	a->nchoices = n;
}

static void confirm(struct app *a, enum purpose p, const char *question)
{
	a->ov = OV_CONFIRM;
	a->purpose = p;
	snprintf(a->title, sizeof(a->title), "%s", question);
}

static void show_text(struct app *a, const char *title, const char *text, int multiline)
{
	free_lines(a->text_lines, a->ntext);
	a->ntext = wrap_text(text, COLS - 4, multiline, &a->text_lines);
	a->text_top = 0;
	a->ov = OV_HELP;
	snprintf(a->title, sizeof(a->title), "%s", title);
}

static void show_help(struct app *a)
{
	static const struct {
		unsigned ctx;
		const char *title;
	} groups[] = {{CTX_ALL, "Everywhere"},        {CTX_QUEUE, "Alert queue"},       {CTX_ALERT, "Alert view"},
	              {CTX_TIMELINE, "Timeline tab"}, {CTX_CHECKLIST, "Checklist tab"}, {CTX_RESPONSE, "Response tab"},
	              {CTX_NOTES, "Notes tab"}};
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		strbuf_addf(&sb, "%s%s\n", g ? "\n" : "", groups[g].title);
		for (int i = 1; i < ACT_COUNT; i++) {
			unsigned c = tui_actions[i].ctx;
			/* an action shows once: under "Everywhere", or under each place it works */
			if ((c & groups[g].ctx) && (g == 0 || !(c & CTX_ALL)))
				strbuf_addf(&sb, "  %-10s %s\n", tui_actions[i].keys, tui_actions[i].help);
		}
	}
	show_text(a, "Help — q or Esc closes", sb.buf, 1);
	strbuf_release(&sb);
}

/* ---- actions on alerts ---- */

struct target_list {
	int64_t *ids;
	char **uuids;
	size_t n;
};

/* The marked alerts in the queue, or the one in view / under the cursor. */
static struct target_list targets(struct app *a)
{
	struct target_list t = {0};
	if (a->in_alert) {
		t.ids = xmalloc(sizeof(*t.ids));
		t.uuids = xmalloc(sizeof(*t.uuids));
		t.ids[0] = a->av.alert.id;
		t.uuids[0] = xstrdup(a->av.alert.uuid);
		t.n = 1;
		return t;
	}
	size_t marked = queue_marked(&a->q);
	t.ids = xmalloc((a->q.n + 1) * sizeof(*t.ids));
	t.uuids = xmalloc((a->q.n + 1) * sizeof(*t.uuids));
	for (size_t i = 0; i < a->q.n; i++)
		if (marked && a->q.rows[i].marked) {
			t.ids[t.n] = a->q.rows[i].id;
			t.uuids[t.n++] = xstrdup(a->q.rows[i].uuid);
		}
	const struct qrow *sel = queue_selected(&a->q);
	if (!marked && sel) {
		t.ids[0] = sel->id;
		t.uuids[0] = xstrdup(sel->uuid);
		t.n = 1;
	}
	return t;
}

static void targets_free(struct target_list *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->uuids[i]);
	free(t->ids);
	free(t->uuids);
}

static int update_row_status(void *ctx, const struct alert_row *r)
{
	struct app *a = ctx;
	long row = queue_find_id(&a->q, r->id);
	if (row >= 0)
		queue_set_status(&a->q, (size_t)row, r->status);
	return 0;
}

/* Re-reads the status of the given alerts only: a whole reload costs too much per key. */
static void refresh_rows(struct app *a, char *const *uuids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct alert_query q = {.uuid_prefix = uuids[i], .no_doc = 1};
		store_alerts_each(a->s, &q, update_row_status, a);
	}
	queue_apply(&a->q);
}

static void refresh_after_change(struct app *a, char *const *uuids, size_t n)
{
	queue_clear_marks(&a->q);
	refresh_rows(a, uuids, n);
	if (a->in_alert) {
		struct alert_query q = {.uuid_prefix = a->av.alert.uuid};
		for (int i = 0; i < OV_COUNT; i++)
			free(a->av.fields[i]);
		said_if_failed(a, store_alerts_each(a->s, &q, take_doc, &a->av), "the alert");
		load_record(a);
	}
}

/* Sets the status of the targets in one transaction. */
static void set_status(struct app *a, const char *status, const char *reason, const char *comment, int force)
{
	struct target_list t = targets(a);
	struct actor who = {.analyst = a->o.analyst, .at_us = a->o.clock()};
	struct status_outcome done;
	int rc =
	    triage_set_status_many(a->s, t.ids, t.uuids, t.n, status, reason, comment, force, &who, &done, NULL, NULL);
	if (rc == TRIAGE_OPEN_ITEMS)
		snprintf(a->msg, sizeof(a->msg), "nothing closed: %zu checklist items are open", done.open_items);
	else if (rc != TRIAGE_OK)
		snprintf(a->msg, sizeof(a->msg), "not saved: %s", store_errmsg(a->s));
	else if (done.unchanged)
		snprintf(a->msg, sizeof(a->msg), "%zu alert%s %s, %zu already %s", done.changed,
		         done.changed == 1 ? "" : "s", status, done.unchanged, status);
	else
		snprintf(a->msg, sizeof(a->msg), "%zu alert%s %s", done.changed, done.changed == 1 ? "" : "s", status);
	refresh_after_change(a, t.uuids, t.n);
	targets_free(&t);
}

static size_t open_items_of_targets(struct app *a)
{
	struct target_list t = targets(a);
	size_t open = 0;
	for (size_t i = 0; i < t.n; i++) {
		int n = 0;
		if (triage_open_checks(a->s, t.ids[i], &n) == 0)
			open += (size_t)n;
	}
	targets_free(&t);
	return open;
}

static void start_close(struct app *a)
{
	choose(a, P_CLOSE_REASON, "Close: why?", triage_close_reasons, 5);
}

static void start_export(struct app *a)
{
	size_t n = export_format_count();
	const char **names = xmalloc(n * sizeof(*names));
	for (size_t i = 0; i < n; i++)
		names[i] = export_format_info((enum export_format)i)->name;
	choose(a, P_EXPORT_FORMAT, "Export as", names, n);
	free(names);
}

static void finish_export(struct app *a, const char *path)
{
	enum export_format f = (enum export_format)a->pending_format;
	struct target_list t = targets(a);
	struct export_options o = {.before_us = 600 * TIME_US_PER_SEC, .after_us = 600 * TIME_US_PER_SEC};
	char err[300];
	if (!export_path_fits(f, path))
		snprintf(a->msg, sizeof(a->msg), "Timesketch needs a file name ending in %s",
		         export_format_info(f)->suffix);
	else if (export_to_file(a->s, t.uuids, t.n, f, &o, path, 0, err, sizeof(err)))
		snprintf(a->msg, sizeof(a->msg), "export failed: %s", err);
	else
		snprintf(a->msg, sizeof(a->msg), "exported %zu alert%s to %s", t.n, t.n == 1 ? "" : "s", path);
	targets_free(&t);
}

static void start_exception(struct app *a)
{
	if (!a->in_alert) {
		const struct qrow *r = queue_selected(&a->q);
		if (!r)
			return;
		open_alert(a, r);
	}
	struct alertview *v = &a->av;
	for (size_t i = 0; i < a->nexception; i++)
		free(a->exception_values[i]);
	a->nexception = 0;
	static const struct {
		int f; /* an OV_ field */
		const char *field;
	} candidates[] = {{OV_PATH, "file.path"}, {OV_SIGNER, "process.code_signature.subject_name"}};
	for (size_t i = 0; i < 2; i++)
		if (v->fields[candidates[i].f] && *v->fields[candidates[i].f]) {
			a->exception_fields[a->nexception] = candidates[i].field;
			a->exception_values[a->nexception++] = xstrdup(v->fields[candidates[i].f]);
		}
	if (!a->nexception) {
		snprintf(a->msg, sizeof(a->msg), "this alert has no file path or signer to make an exception of");
		return;
	}
	struct strbuf labels[2];
	const char *opts[2];
	for (size_t i = 0; i < a->nexception; i++) {
		strbuf_init(&labels[i], 128);
		strbuf_addf(&labels[i], "%s is %s", a->exception_fields[i], a->exception_values[i]);
		opts[i] = labels[i].buf;
	}
	choose(a, P_EXCEPTION_FIELD, "Exception: no more alerts from this rule when", opts, a->nexception);
	for (size_t i = 0; i < a->nexception; i++)
		strbuf_release(&labels[i]);
}

static void finish_exception(struct app *a)
{
	size_t c = a->exception_choice;
	const char *values[] = {a->exception_values[c]};
	struct exception_spec spec = {.field = a->exception_fields[c],
	                              .type = "match",
	                              .values = values,
	                              .nvalues = 1,
	                              .comment = "added from the console",
	                              .analyst = a->o.analyst,
	                              .now_us = a->o.clock()};
	char item[40], err[300];
	int rc = exception_add(a->s, a->av.fields[OV_RULE_ID], &spec, item, err, sizeof(err));
	if (rc)
		snprintf(a->msg, sizeof(a->msg), "exception not added: %.250s", rc == 1 ? "the rule is gone" : err);
	else
		snprintf(a->msg, sizeof(a->msg), "exception added to the rule; detect will honour it from now on");
}

/* ---- items ---- */

/* The positions of the rows a list shows, in order; it grows with them (a timeline of 9,001
 * events in its window overflowed a fixed array of 8,192, and G showed a blank screen). */
struct rows {
	size_t *at;
	size_t n, cap;
};

static void rows_add(struct rows *r, size_t i)
{
	if (r->n == r->cap)
		r->at = xrealloc(r->at, (r->cap = r->cap ? r->cap * 2 : 64) * sizeof(*r->at));
	r->at[r->n++] = i;
}

static void rows_free(struct rows *r)
{
	free(r->at);
	memset(r, 0, sizeof(*r));
}

/* The checklist items (kind "check") or the response steps of the alert. */
static struct rows items_of(const struct alertview *v, const char *kind)
{
	struct rows r = {0};
	for (size_t i = 0; i < v->nitems; i++)
		if (!strcmp(v->items[i].kind, kind))
			rows_add(&r, i);
	return r;
}

/* The first pending response step's position in the list, or the list's length. */
static size_t first_pending(const struct alertview *v)
{
	struct rows r = items_of(v, "response");
	size_t i;
	for (i = 0; i < r.n && strcmp(v->items[r.at[i]].state, "pending"); i++)
		;
	size_t n = r.n;
	rows_free(&r);
	return i < n ? i : SIZE_MAX;
}

static struct item *current_item(struct app *a, const char *kind)
{
	struct rows r = items_of(&a->av, kind);
	enum tab t = !strcmp(kind, "check") ? TAB_CHECKLIST : TAB_RESPONSE;
	struct item *it = a->av.sel[t] < r.n ? &a->av.items[r.at[a->av.sel[t]]] : NULL;
	rows_free(&r);
	return it;
}

static void record_result(struct app *a, int rc, const char *done)
{
	if (rc == TRIAGE_OK)
		snprintf(a->msg, sizeof(a->msg), "%s", done);
	else if (rc == TRIAGE_ERROR)
		snprintf(a->msg, sizeof(a->msg), "not saved: %s", store_errmsg(a->s));
	load_record(a);
}

static void set_response(struct app *a, const char *state)
{
	struct item *it = current_item(a, "response");
	if (!it)
		return;
	struct actor who = {.analyst = a->o.analyst, .at_us = a->o.clock()};
	char done[80];
	snprintf(done, sizeof(done), "response step %d: %s", it->position, state);
	int pos = it->position;
	record_result(a, triage_respond(a->s, a->av.alert.id, a->av.alert.uuid, pos, state, NULL, &who), done);
	if (a->av.walk) {
		/* walk-through: on to the next pending step */
		size_t i = first_pending(&a->av);
		if (i != SIZE_MAX)
			a->av.sel[TAB_RESPONSE] = i;
		else {
			a->av.walk = 0;
			snprintf(a->msg, sizeof(a->msg), "walk-through done: no pending steps left");
		}
	}
}

/* ---- submitting overlays ---- */

static void submit_prompt(struct app *a)
{
	char *text = xstrdup(a->input.buf);
	enum purpose p = a->purpose;
	a->ov = OV_NONE;
	switch (p) {
	case P_SEARCH:
		free(a->search);
		a->search = text;
		text = NULL;
		if (!queue_search(&a->q, a->search, 1, list_height()))
			snprintf(a->msg, sizeof(a->msg), "not found");
		break;
	case P_KQL:
		free(a->kql_text);
		a->kql_text = text;
		text = NULL;
		app_load(a);
		break;
	case P_CLOSE_COMMENT: {
		size_t open = open_items_of_targets(a);
		free(a->pending_comment);
		a->pending_comment = xstrdup(a->input.buf);
		if (open) {
			char q[160];
			snprintf(q, sizeof(q), "%zu checklist item%s still open. Close anyway? (y/n)", open,
			         open == 1 ? " is" : "s are");
			confirm(a, P_CLOSE_CONFIRM, q);
		} else {
			set_status(a, "closed", a->pending_reason, *a->pending_comment ? a->pending_comment : NULL, 0);
		}
		break;
	}
	case P_ITEM_NOTE: {
		int check = a->av.tab == TAB_CHECKLIST;
		struct item *it = current_item(a, check ? "check" : "response");
		if (it && *text) {
			struct actor who = {.analyst = a->o.analyst, .at_us = a->o.clock()};
			int pos = it->position;
			char *state = xstrdup(it->state);
			int rc = check ? triage_check(a->s, a->av.alert.id, a->av.alert.uuid, pos,
			                              !strcmp(state, "open"), text, &who)
			               : triage_respond(a->s, a->av.alert.id, a->av.alert.uuid, pos, state, text, &who);
			free(state);
			record_result(a, rc, "note attached");
		}
		break;
	}
	case P_EXPORT_PATH: finish_export(a, text); break;
	default: break;
	}
	free(text);
}

static void submit_choice(struct app *a)
{
	size_t c = a->choice;
	a->ov = OV_NONE;
	switch (a->purpose) {
	case P_CLOSE_REASON:
		free(a->pending_reason);
		a->pending_reason = xstrdup(triage_close_reasons[c]);
		prompt(a, P_CLOSE_COMMENT, "Comment (Enter for none):", NULL);
		break;
	case P_EXPORT_FORMAT: {
		a->pending_format = c;
		char path[200];
		struct target_list t = targets(a);
		snprintf(path, sizeof(path), "./casebook-%.12s.%s", t.n ? t.uuids[0] : "alerts",
		         export_format_info((enum export_format)c)->ext);
		targets_free(&t);
		prompt(a, P_EXPORT_PATH, "Write to:", path);
		break;
	}
	case P_EXCEPTION_FIELD: {
		a->exception_choice = c;
		char q[300];
		snprintf(q, sizeof(q), "Add the exception %.240s? (y/n)", a->choices[c]);
		confirm(a, P_EXCEPTION_CONFIRM, q);
		break;
	}
	default: break;
	}
}

static void answer(struct app *a, int yes)
{
	enum purpose p = a->purpose;
	a->ov = OV_NONE;
	if (!yes) {
		if (p == P_EDITOR_CANCEL) /* back to the note being written */
			a->ov = OV_EDITOR;
		snprintf(a->msg, sizeof(a->msg), "%s", p == P_EDITOR_CANCEL ? "" : "cancelled");
		return;
	}
	switch (p) {
	case P_CLOSE_CONFIRM:
		set_status(a, "closed", a->pending_reason, *a->pending_comment ? a->pending_comment : NULL, 1);
		break;
	case P_EXCEPTION_CONFIRM: finish_exception(a); break;
	case P_EDITOR_CANCEL: snprintf(a->msg, sizeof(a->msg), "note discarded"); break;
	case P_QUIT_CONFIRM: a->done = 1; break;
	default: break;
	}
}

static void save_note(struct app *a)
{
	a->ov = OV_NONE;
	if (!a->input.len) {
		snprintf(a->msg, sizeof(a->msg), "empty note not saved");
		return;
	}
	struct actor who = {.analyst = a->o.analyst, .at_us = a->o.clock()};
	record_result(a, triage_note(a->s, a->av.alert.id, a->av.alert.uuid, a->input.buf, &who), "note saved");
}

/* Text editing shared by the prompt and the editor. */
static void edit_key(struct app *a, int key)
{
	if (key == KEY_BACKSPACE || key == 127 || key == CTRL('h')) {
		/* remove one whole UTF-8 character */
		while (a->input.len) {
			unsigned char c = (unsigned char)a->input.buf[--a->input.len];
			if ((c & 0xC0) != 0x80)
				break;
		}
		a->input.buf[a->input.len] = '\0';
	} else if (key == CTRL('u')) {
		strbuf_reset(&a->input);
	} else if (key >= 0x20 && key < 0x7f) {
		strbuf_addch(&a->input, (char)key);
	}
}

static void json_key(struct app *a, int key);

static void overlay_key(struct app *a, int key)
{
	switch (a->ov) {
	case OV_JSON: json_key(a, key); break;
	case OV_HELP:
		if (key == 'q' || key == KEY_ESC || key == '?')
			a->ov = OV_NONE;
		else if ((key == 'j' || key == KEY_DOWN) && a->text_top + 1 < a->ntext)
			a->text_top++;
		else if ((key == 'k' || key == KEY_UP) && a->text_top)
			a->text_top--;
		else if (key == KEY_NPAGE || key == ' ')
			a->text_top = a->text_top + (size_t)(LINES - 4) < a->ntext ? a->text_top + (size_t)(LINES - 4)
			                                                           : a->text_top;
		else if (key == KEY_PPAGE)
			a->text_top = a->text_top > (size_t)(LINES - 4) ? a->text_top - (size_t)(LINES - 4) : 0;
		else if (key == 'g' || key == KEY_HOME)
			a->text_top = 0;
		break;
	case OV_PROMPT:
		if (key == KEY_ESC)
			a->ov = OV_NONE;
		else if (key == '\n' || key == '\r' || key == KEY_ENTER)
			submit_prompt(a);
		else
			edit_key(a, key);
		break;
	case OV_EDITOR:
		if (key == CTRL('d') || key == KEY_F(2))
			save_note(a);
		else if (key == KEY_ESC) {
			if (a->input.len)
				confirm(a, P_EDITOR_CANCEL, "Discard this note? (y/n)");
			else
				a->ov = OV_NONE;
		} else if (key == '\n' || key == '\r' || key == KEY_ENTER)
			strbuf_addch(&a->input, '\n');
		else
			edit_key(a, key);
		break;
	case OV_CHOOSE:
		if (key == KEY_ESC || key == 'q')
			a->ov = OV_NONE;
		else if ((key == 'j' || key == KEY_DOWN) && a->choice + 1 < a->nchoices)
			a->choice++;
		else if ((key == 'k' || key == KEY_UP) && a->choice)
			a->choice--;
		else if (key >= '1' && key <= '9' && (size_t)(key - '1') < a->nchoices) {
			a->choice = (size_t)(key - '1');
			submit_choice(a);
		} else if (key == '\n' || key == '\r' || key == KEY_ENTER)
			submit_choice(a);
		break;
	case OV_CONFIRM:
		if (key == 'y' || key == 'Y')
			answer(a, 1);
		else if (key == 'n' || key == 'N' || key == KEY_ESC || key == 'q')
			answer(a, 0);
		break;
	case OV_NONE: break;
	}
}

/* Below the minimum size nothing can be seen, so keys do nothing but quit (from the queue,
 * with no dialog or note open: nothing is lost) and resize. */
static int too_small(void)
{
	return COLS < MIN_COLS || LINES < MIN_ROWS;
}

void app_handle_char(struct app *a, wint_t ch)
{
	if ((a->ov != OV_PROMPT && a->ov != OV_EDITOR) || too_small())
		return;
	char buf[8];
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t n = wcrtomb(buf, (wchar_t)ch, &st);
	if (n != (size_t)-1)
		strbuf_add(&a->input, buf, n);
}

/* ---- keys ---- */

static unsigned context(const struct app *a)
{
	if (!a->in_alert)
		return CTX_QUEUE;
	static const unsigned tabs[TAB_COUNT] = {0, 0, CTX_TIMELINE, CTX_CHECKLIST, CTX_RESPONSE, CTX_NOTES};
	return CTX_ALERT | tabs[a->av.tab];
}

/* Lines the current list or text has, for movement. */
static size_t tab_length(struct app *a)
{
	struct alertview *v = &a->av;
	size_t n = 0;
	switch (v->tab) {
	case TAB_TIMELINE:
		for (size_t i = 0; i < v->ntl; i++)
			n += tl_visible(v, &v->tl[i]) != 0;
		return n;
	case TAB_CHECKLIST:
	case TAB_RESPONSE:
		for (size_t i = 0; i < v->nitems; i++)
			n += !strcmp(v->items[i].kind, v->tab == TAB_CHECKLIST ? "check" : "response");
		return n;
	default: return 1000; /* scrolled text: drawing clamps */
	}
}

static int page_height(void)
{
	return LINES - 7 > 1 ? LINES - 7 : 1;
}

static void move_in_tab(struct app *a, long delta)
{
	struct alertview *v = &a->av;
	size_t n = tab_length(a);
	long s = (long)v->sel[v->tab] + delta;
	if (s >= (long)n)
		s = (long)n - 1;
	if (s < 0)
		s = 0;
	v->sel[v->tab] = (size_t)s;
}

static void move_selection(struct app *a, long delta)
{
	if (a->in_alert)
		move_in_tab(a, delta);
	else
		queue_move(&a->q, delta, list_height());
}

static int tl_visible(const struct alertview *v, const struct tl_row *t)
{
	static const char *const cats[] = {NULL, "file", "process", "network"};
	if (v->category && !strstr(t->category, cats[v->category]))
		return 0;
	if (v->pivot == 'p')
		return t->entity && v->fields[OV_ENTITY] && !strcmp(t->entity, v->fields[OV_ENTITY]);
	if (v->pivot == 'u')
		return t->user && v->fields[OV_USER] && !strcmp(t->user, v->fields[OV_USER]);
	return 1;
}

static void timeline_key(struct app *a, enum tui_action act)
{
	struct alertview *v = &a->av;
	switch (act) {
	case ACT_WIDEN:
		v->tl_before *= 2, v->tl_after *= 2;
		load_related(a);
		break;
	case ACT_NARROW:
		if (v->tl_before > TIME_US_PER_SEC)
			v->tl_before /= 2, v->tl_after /= 2;
		load_related(a);
		break;
	case ACT_EARLIER: v->tl_shift -= v->tl_before; break;
	case ACT_LATER: v->tl_shift += v->tl_after; break;
	case ACT_PIVOT_PROCESS:
	case ACT_PIVOT_USER:
	case ACT_PIVOT_FILE: {
		int p = act == ACT_PIVOT_PROCESS ? 'p' : act == ACT_PIVOT_USER ? 'u' : 'F';
		v->pivot = v->pivot == p ? 0 : p;
		break;
	}
	case ACT_CATEGORY: v->category = (v->category + 1) % 4; break;
	default: return;
	}
	load_timeline(a);
}

static int take_event_json(void *ctx, const struct event_row *row)
{
	*(char **)ctx = xstrndup(row->doc, row->doc_len);
	return 1;
}

static void open_event_json(struct app *a)
{
	struct alertview *v = &a->av;
	size_t k = 0, i;
	for (i = 0; i < v->ntl; i++)
		if (tl_visible(v, &v->tl[i]) && k++ == v->sel[TAB_TIMELINE])
			break;
	if (i == v->ntl)
		return;
	char *doc = NULL;
	store_event_get(a->s, v->tl[i].id, 1, take_event_json, &doc);
	json_outline_free(a->json, a->njson);
	free(a->folded);
	a->njson = doc ? json_outline(doc, &a->json) : 0;
	free(doc);
	if (!a->njson) {
		snprintf(a->msg, sizeof(a->msg), "the event's document could not be read");
		return;
	}
	a->folded = xcalloc(a->njson, 1);
	a->json_sel = a->json_top = 0;
	a->ov = OV_JSON;
	snprintf(a->title, sizeof(a->title), "Event — Enter folds or unfolds, - folds all, + unfolds all, q closes");
}

static void bar(const struct app *a, int y, const char *left, const char *right);

/* The visible lines of the JSON tree (folded ones hide their children), into idx. */
static size_t json_visible(const struct app *a, size_t *idx)
{
	size_t n = 0;
	for (size_t i = 0; i < a->njson; i++) {
		idx[n++] = i;
		if (a->folded[i] && a->json[i].end > i)
			i = a->json[i].end; /* the closing line stays hidden too */
	}
	return n;
}

static void json_key(struct app *a, int key)
{
	size_t *idx = xmalloc((a->njson + 1) * sizeof(*idx));
	size_t n = json_visible(a, idx);
	if (key == 'q' || key == KEY_ESC) {
		a->ov = OV_NONE;
	} else if ((key == 'j' || key == KEY_DOWN) && a->json_sel + 1 < n) {
		a->json_sel++;
	} else if ((key == 'k' || key == KEY_UP) && a->json_sel) {
		a->json_sel--;
	} else if (key == 'g' || key == KEY_HOME) {
		a->json_sel = 0;
	} else if (key == 'G' || key == KEY_END) {
		a->json_sel = n - 1;
	} else if (key == KEY_NPAGE) {
		a->json_sel = a->json_sel + (size_t)(LINES - 3) < n ? a->json_sel + (size_t)(LINES - 3) : n - 1;
	} else if (key == KEY_PPAGE) {
		a->json_sel = a->json_sel > (size_t)(LINES - 3) ? a->json_sel - (size_t)(LINES - 3) : 0;
	} else if (key == '\n' || key == '\r' || key == KEY_ENTER || key == ' ') {
		size_t line = idx[a->json_sel];
		if (a->json[line].end > line)
			a->folded[line] = !a->folded[line];
	} else if (key == '-' || key == '+') {
		for (size_t i = 1; i < a->njson; i++) /* the root stays open */
			a->folded[i] = key == '-' && a->json[i].end > i;
		a->json_sel = 0;
	}
	free(idx);
}

static void draw_json(struct app *a)
{
	bar(a, 0, a->title, "");
	size_t *idx = xmalloc((a->njson + 1) * sizeof(*idx));
	size_t n = json_visible(a, idx);
	int height = LINES - 2;
	if (a->json_sel >= n)
		a->json_sel = n ? n - 1 : 0;
	if (a->json_sel < a->json_top)
		a->json_top = a->json_sel;
	if (a->json_sel >= a->json_top + (size_t)height)
		a->json_top = a->json_sel - (size_t)height + 1;
	for (int r = 0; r < height; r++) {
		size_t k = a->json_top + (size_t)r;
		move(1 + r, 0);
		clrtoeol();
		if (k >= n)
			continue;
		const struct json_line *l = &a->json[idx[k]];
		struct strbuf sb;
		strbuf_init(&sb, 128);
		for (int d = 0; d < l->depth; d++)
			strbuf_addstr(&sb, "  ");
		int opening = l->end > idx[k];
		strbuf_addstr(&sb, opening ? (a->folded[idx[k]] ? "▸ " : "▾ ") : "  ");
		strbuf_addstr(&sb, l->text);
		if (opening && a->folded[idx[k]])
			strbuf_addf(&sb, " … %zu %s", l->children, l->children == 1 ? "item" : "items");
		draw_text(1 + r, 0, COLS, sb.buf, k == a->json_sel ? A_REVERSE : A_NORMAL, 1);
		strbuf_release(&sb);
	}
	draw_text(LINES - 1, 0, COLS, "j/k move  Enter fold/unfold  - fold all  + unfold all  q close", A_NORMAL, 1);
	free(idx);
}

static void alert_key(struct app *a, enum tui_action act)
{
	struct alertview *v = &a->av;
	switch (act) {
	case ACT_BACK: {
		char *uuid = xstrdup(v->alert.uuid);
		close_alert(a);
		refresh_rows(a, &uuid, 1);
		free(uuid);
		return;
	}
	case ACT_NEXT_TAB: v->tab = (v->tab + 1) % TAB_COUNT; return;
	case ACT_PREV_TAB: v->tab = (v->tab + TAB_COUNT - 1) % TAB_COUNT; return;
	case ACT_TAB1:
	case ACT_TAB2:
	case ACT_TAB3:
	case ACT_TAB4:
	case ACT_TAB5:
	case ACT_TAB6: v->tab = (enum tab)(act - ACT_TAB1); return;
	case ACT_OPEN: open_event_json(a); return;
	case ACT_TOGGLE: {
		struct item *it = current_item(a, "check");
		if (it) {
			struct actor who = {.analyst = a->o.analyst, .at_us = a->o.clock()};
			int undo = !strcmp(it->state, "checked"), pos = it->position;
			char done[64];
			snprintf(done, sizeof(done), "checklist item %d %s", pos, undo ? "unchecked" : "checked");
			record_result(a, triage_check(a->s, v->alert.id, v->alert.uuid, pos, undo, NULL, &who), done);
		}
		return;
	}
	case ACT_ITEM_NOTE:
		if (current_item(a, v->tab == TAB_CHECKLIST ? "check" : "response"))
			prompt(a, P_ITEM_NOTE, "Note for this item:", NULL);
		return;
	case ACT_DONE: set_response(a, "done"); return;
	case ACT_SKIP: set_response(a, "skipped"); return;
	case ACT_NOT_APPLICABLE: set_response(a, "na"); return;
	case ACT_PENDING: set_response(a, "pending"); return;
	case ACT_WALK: {
		size_t i = first_pending(v);
		if (i == SIZE_MAX) {
			snprintf(a->msg, sizeof(a->msg), "no pending response steps");
		} else {
			v->walk = 1;
			v->sel[TAB_RESPONSE] = i;
			snprintf(a->msg, sizeof(a->msg), "walk-through: d done, s skipped, n not applicable, q stops");
		}
		return;
	}
	case ACT_ADD_NOTE:
		a->ov = OV_EDITOR;
		strbuf_reset(&a->input);
		snprintf(a->title, sizeof(a->title), "New note — Ctrl-D or F2 saves, Esc cancels");
		return;
	default: timeline_key(a, act);
	}
}

static void queue_key(struct app *a, enum tui_action act)
{
	struct queue *q = &a->q;
	switch (act) {
	case ACT_BACK: a->done = 1; return;
	case ACT_OPEN:
		if (queue_selected(q))
			open_alert(a, queue_selected(q));
		return;
	case ACT_SEARCH: prompt(a, P_SEARCH, "Search:", a->search); return;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV:
		if (!a->search || !queue_search(q, a->search, act == ACT_SEARCH_NEXT ? 1 : -1, list_height()))
			snprintf(a->msg, sizeof(a->msg), "%s", a->search ? "not found" : "no search yet: press /");
		return;
	case ACT_KQL_FILTER: prompt(a, P_KQL, "Filter (KQL over the alerts):", a->kql_text); return;
	case ACT_SORT:
		q->sort = (q->sort + 1) % SORT_COUNT;
		queue_apply(q);
		return;
	case ACT_STATUS_FILTER:
		q->filter = (q->filter + 1) % FILTER_COUNT;
		queue_apply(q);
		return;
	case ACT_GROUP:
		q->group_host = !q->group_host;
		queue_apply(q);
		return;
	case ACT_MARK: {
		const struct qrow *r = queue_selected(q);
		if (r) {
			queue_set_mark(q, q->view[q->sel], !r->marked);
			queue_move(q, 1, list_height());
		}
		return;
	}
	default: return;
	}
}

void app_click(struct app *a, int y, int x)
{
	(void)x;
	if (a->ov != OV_NONE || too_small())
		return;
	if (!a->in_alert) {
		/* the queue's rows start on line 2, from q.top: the row under the pointer, whatever the scroll */
		size_t vi = a->q.top + (size_t)(y - 2);
		if (y >= 2 && y < 2 + list_height() && vi < a->q.nview)
			a->q.sel = vi;
	} else if (a->av.tab == TAB_TIMELINE) {
		size_t k = a->av.top[TAB_TIMELINE] + (size_t)(y - 5);
		if (y >= 5 && k < tab_length(a))
			a->av.sel[TAB_TIMELINE] = k;
	}
}

void app_handle_key(struct app *a, int key)
{
	if (key == KEY_RESIZE)
		return; /* the next draw uses the new LINES and COLS */
	if (too_small()) {
		if (key == 'q' && a->ov == OV_NONE && !a->in_alert)
			a->done = 1;
		return;
	}
	if (a->ov != OV_NONE) {
		overlay_key(a, key);
		return;
	}
	if (a->in_alert && a->av.walk && key == 'q') {
		a->av.walk = 0;
		a->msg[0] = '\0';
		return;
	}
	a->msg[0] = '\0';
	enum tui_action act = keymap_lookup(key, context(a));
	int page = a->in_alert ? page_height() : list_height();
	switch (act) {
	case ACT_NONE: return;
	case ACT_DOWN: move_selection(a, 1); return;
	case ACT_UP: move_selection(a, -1); return;
	case ACT_FIRST: move_selection(a, -1000000); return;
	case ACT_LAST: move_selection(a, 1000000); return;
	case ACT_PAGE_DOWN: move_selection(a, page); return;
	case ACT_PAGE_UP: move_selection(a, -page); return;
	case ACT_HALF_DOWN: move_selection(a, page / 2 ? page / 2 : 1); return;
	case ACT_HALF_UP: move_selection(a, -(page / 2 ? page / 2 : 1)); return;
	case ACT_QUIT: a->done = 1; return;
	case ACT_HELP: show_help(a); return;
	case ACT_REDRAW: clearok(curscr, TRUE); return;
	case ACT_RELOAD:
		app_load(a);
		if (a->in_alert) {
			load_record(a);
			load_timeline(a);
		}
		snprintf(a->msg, sizeof(a->msg), "reloaded");
		return;
	case ACT_LOCAL_TIME: a->local_time = !a->local_time; return;
	case ACT_ACK: set_status(a, "acknowledged", NULL, NULL, 0); return;
	case ACT_REOPEN: set_status(a, "open", NULL, NULL, 0); return;
	case ACT_CLOSE: start_close(a); return;
	case ACT_EXPORT: start_export(a); return;
	case ACT_EXCEPTION: start_exception(a); return;
	default:
		if (a->in_alert)
			alert_key(a, act);
		else
			queue_key(a, act);
	}
}

int app_poll(struct app *a)
{
	int64_t v = store_data_version(a->s);
	if (v == a->data_version)
		return 0;
	size_t before = a->q.n;
	app_load(a);
	if (a->q.n > before)
		snprintf(a->msg, sizeof(a->msg), "%zu new alert%s", a->q.n - before, a->q.n - before == 1 ? "" : "s");
	return 1;
}

/* ---- drawing ---- */

enum { PAIR_BAR = 1, PAIR_LOW, PAIR_MEDIUM, PAIR_HIGH, PAIR_CRITICAL, PAIR_DIM };

static attr_t color(const struct app *a, int pair, attr_t mono)
{
	return a->o.colors ? COLOR_PAIR(pair) : mono;
}

static attr_t severity_attr(const struct app *a, const char *sev)
{
	int r = queue_severity_rank(sev);
	if (!a->o.colors)
		return r >= 3 ? A_BOLD : A_NORMAL;
	return COLOR_PAIR(r == 4   ? PAIR_CRITICAL
	                  : r == 3 ? PAIR_HIGH
	                  : r == 2 ? PAIR_MEDIUM
	                           : PAIR_LOW) |
	       (r >= 3 ? A_BOLD : 0);
}

static void format_time(const struct app *a, int64_t us, char *out, size_t len, int with_date)
{
	time_t secs = (time_t)(us / TIME_US_PER_SEC);
	struct tm tm;
	if (a->local_time)
		localtime_r(&secs, &tm);
	else
		gmtime_r(&secs, &tm);
	strftime(out, len, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
}

static void bar(const struct app *a, int y, const char *left, const char *right)
{
	attr_t at = color(a, PAIR_BAR, A_REVERSE);
	draw_text(y, 0, COLS, left, at, 1);
	int w = text_width(right);
	if (w < COLS - text_width(left) - 1)
		draw_text(y, COLS - w, w, right, at, 0);
}

static void status_line(const struct app *a, const char *hints)
{
	draw_text(LINES - 1, 0, COLS, a->msg[0] ? a->msg : hints, a->msg[0] ? A_BOLD : A_NORMAL, 1);
}

/* A table cell: the text in width - 1 columns, then a space before the next cell. */
static int cell(int y, int x, int width, const char *text, attr_t attr)
{
	draw_text(y, x, width - 1, text, attr, 1);
	draw_text(y, x + width - 1, 1, " ", attr, 1);
	return width;
}

static const char *status_mark(const char *status)
{
	return !strcmp(status, "open") ? "●" : !strcmp(status, "acknowledged") ? "◐" : "○";
}

static void draw_queue(struct app *a)
{
	struct queue *q = &a->q;
	size_t open, ack, closed;
	queue_counts(q, &open, &ack, &closed);
	char left[300], right[200];
	snprintf(left, sizeof(left), " casebook  %s", a->o.db_name ? a->o.db_name : "");
	snprintf(right, sizeof(right), "open %zu · ack %zu · closed %zu │ %s · by %s%s%s ", open, ack, closed,
	         queue_filter_names[q->filter], queue_sort_names[q->sort], q->group_host ? " · by host" : "",
	         a->kql_text && *a->kql_text ? " · KQL" : "");
	bar(a, 0, left, right);
	if (!q->n) {
		draw_text(2, 2, COLS - 4, "No alerts in this case yet.", A_BOLD, 1);
		draw_text(4, 2, COLS - 4, "Load events:    casebook ingest FILE...", A_NORMAL, 1);
		draw_text(5, 2, COLS - 4, "Find alerts:    casebook detect", A_NORMAL, 1);
		draw_text(6, 2, COLS - 4, "Then press R here to reload.", A_NORMAL, 1);
		status_line(a, "R reload  ? help  q quit");
		return;
	}
	/* columns: mark, status, severity, risk, time, host, rule, target (the rest) */
	int host_w = COLS >= 120 ? 22 : 14, time_w = COLS >= 100 ? 19 : 14;
	int rest = COLS - (2 + 2 + 9 + 4 + time_w + 1 + host_w + 1);
	int rule_w = rest * 2 / 5; /* the target takes the rest */
	attr_t head = A_BOLD | A_UNDERLINE;
	int x = 0;
	move(1, 0);
	clrtoeol();
	x += cell(1, x, 4, "", head);
	x += cell(1, x, 9, "SEVERITY", head);
	x += cell(1, x, 4, "RSK", head);
	x += cell(1, x, time_w + 1, a->local_time ? "TIME (local)" : "TIME (UTC)", head);
	x += cell(1, x, host_w + 1, "HOST", head);
	x += cell(1, x, rule_w + 1, "RULE", head);
	draw_text(1, x, COLS - x, "FILE / PROCESS", head, 1);
	int height = list_height();
	if (q->sel >= q->top + (size_t)height)
		q->top = q->sel - (size_t)height + 1;
	for (int i = 0; i < height; i++) {
		size_t vi = q->top + (size_t)i;
		int y = 2 + i;
		move(y, 0);
		clrtoeol();
		if (vi >= q->nview)
			continue;
		const struct qrow *r = &q->rows[q->view[vi]];
		attr_t base = vi == q->sel ? A_REVERSE : A_NORMAL;
		char tbuf[32], risk[8], host[200];
		format_time(a, r->time, tbuf, sizeof(tbuf), 1);
		if (time_w < 19) /* narrow: month, day and time */
			memmove(tbuf, tbuf + 5, strlen(tbuf + 5) + 1);
		snprintf(risk, sizeof(risk), "%3lld", (long long)r->risk);
		snprintf(host, sizeof(host), "%s%s", r->host, "");
		x = 0;
		x += cell(y, x, 2, r->marked ? "▸" : " ", base | A_BOLD);
		x += cell(y, x, 2, status_mark(r->status), base);
		x += cell(y, x, 9, r->severity, base | severity_attr(a, r->severity));
		x += cell(y, x, 4, risk, base);
		x += cell(y, x, time_w + 1, tbuf, base);
		if (q->group_host && r->group_size > 1) {
			char g[220];
			snprintf(g, sizeof(g), "%s (+%d)", r->host, r->group_size - 1);
			x += cell(y, x, host_w + 1, g, base | A_BOLD);
		} else {
			x += cell(y, x, host_w + 1, host, base);
		}
		x += cell(y, x, rule_w + 1, r->rule, base);
		draw_text_middle(y, x, COLS - x, r->target, base);
	}
	char hints[200];
	size_t marked = queue_marked(q);
	if (marked)
		snprintf(hints, sizeof(hints), "%zu marked: A acknowledge  C close  O reopen  Space unmark", marked);
	else
		snprintf(hints, sizeof(hints),
		         "Enter open  A ack  C close  / search  \\ KQL  f filter  s sort  ? help  q quit");
	status_line(a, hints);
}

static void draw_header(struct app *a)
{
	struct alertview *v = &a->av;
	char right[80];
	snprintf(right, sizeof(right), " %s ", v->alert.status);
	bar(a, 0, v->alert.rule, right);
	char tbuf[32], line[400];
	format_time(a, v->alert.time, tbuf, sizeof(tbuf), 1);
	snprintf(line, sizeof(line), " %s · risk %lld · %s · %s %s", v->alert.severity, (long long)v->alert.risk,
	         v->alert.host, tbuf, a->local_time ? "local" : "UTC");
	move(1, 0);
	clrtoeol();
	draw_text(1, 0, COLS, line, severity_attr(a, v->alert.severity), 1);
	draw_text(2, 0, COLS, v->reason, A_NORMAL, 1);
	move(3, 0);
	clrtoeol();
	int x = 0;
	for (int t = 0; t < TAB_COUNT; t++) {
		char label[40];
		snprintf(label, sizeof(label), " %d %s ", t + 1, tab_names[t]);
		x += draw_text(3, x, text_width(label), label, t == (int)v->tab ? A_REVERSE | A_BOLD : A_UNDERLINE, 0);
	}
}

struct text_out {
	char **lines;
	attr_t *attrs;
	/* optional inline styling: the guide block a line came from and where in its text */
	const struct guide_block **block;
	size_t *offset;
	int *prefix_cols;
	size_t n, cap;
};

static attr_t span_attr(unsigned style)
{
	attr_t at = A_NORMAL;
	if (style & GS_STRONG)
		at |= A_BOLD;
	if (style & GS_EMPH)
		at |= A_ITALIC;
	if (style & GS_CODE)
		at |= A_REVERSE;
	if (style & GS_LINK)
		at |= A_UNDERLINE;
	return at;
}

/* Draws one line of a guide block with its emphasis, strong, code and link spans. */
static void draw_styled(int y, int x, int width, const char *line, attr_t base, const struct guide_block *b,
                        size_t offset, int prefix_cols)
{
	int px = 0;
	/* the prefix (spaces, a bullet or a number): up to prefix_cols columns of line */
	const char *p = line;
	while (*p && px < prefix_cols) {
		size_t k = 1;
		while (((unsigned char)p[k] & 0xC0) == 0x80)
			k++;
		char *chunk = xstrndup(p, k);
		px += draw_text(y, x + px, width - px, chunk, base, 0);
		free(chunk);
		p += k;
	}
	/* the text, cut where the style changes */
	size_t len = strlen(p), pos = 0;
	while (pos < len && px < width) {
		size_t at = offset + pos, end = len;
		unsigned style = 0;
		for (size_t i = 0; i < b->nspans; i++) {
			const struct guide_span *sp = &b->spans[i];
			if (at >= sp->start && at < sp->start + sp->len) {
				style = sp->style;
				if (sp->start + sp->len - offset < end)
					end = sp->start + sp->len - offset;
			} else if (sp->start > at && sp->start - offset < end) {
				end = sp->start - offset;
			}
		}
		char *chunk = xstrndup(p + pos, end - pos);
		px += draw_text(y, x + px, width - px, chunk, base | span_attr(style), 0);
		free(chunk);
		pos = end;
	}
	for (; px < width; px++)
		mvaddch(y, x + px, ' ');
}

/* Lines of text drawn from row 4 with scrolling (sel is the top line). */
static void draw_lines(struct app *a, const struct text_out *o)
{
	char **lines = o->lines;
	const attr_t *attrs = o->attrs;
	size_t n = o->n;
	struct alertview *v = &a->av;
	int height = LINES - 5;
	if (n > (size_t)height && v->sel[v->tab] > n - (size_t)height)
		v->sel[v->tab] = n - (size_t)height;
	if (n <= (size_t)height)
		v->sel[v->tab] = 0;
	for (int i = 0; i < height; i++) {
		size_t k = v->sel[v->tab] + (size_t)i;
		move(4 + i, 0);
		clrtoeol();
		if (k < n && o->block && o->block[k] && o->block[k]->nspans)
			draw_styled(4 + i, 1, COLS - 2, lines[k], attrs[k], o->block[k], o->offset[k],
			            o->prefix_cols[k]);
		else if (k < n)
			draw_text(4 + i, 1, COLS - 2, lines[k], attrs ? attrs[k] : A_NORMAL, 1);
	}
}

static void out_add(struct text_out *o, const char *line, attr_t at)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 64;
		o->lines = xrealloc(o->lines, o->cap * sizeof(*o->lines));
		o->attrs = xrealloc(o->attrs, o->cap * sizeof(*o->attrs));
		o->block = xrealloc(o->block, o->cap * sizeof(*o->block));
		o->offset = xrealloc(o->offset, o->cap * sizeof(*o->offset));
		o->prefix_cols = xrealloc(o->prefix_cols, o->cap * sizeof(*o->prefix_cols));
	}
	o->lines[o->n] = xstrdup(line);
	o->block[o->n] = NULL;
	o->offset[o->n] = 0;
	o->prefix_cols[o->n] = 0;
	o->attrs[o->n++] = at;
}

static void out_wrapped(struct text_out *o, const char *prefix, const char *text, int width, attr_t at, int multiline)
{
	char **lines;
	int pw = text_width(prefix);
	size_t n = wrap_text(text ? text : "", width - pw, multiline, &lines);
	for (size_t i = 0; i < n; i++) {
		struct strbuf sb;
		strbuf_init(&sb, 128);
		if (i == 0)
			strbuf_addstr(&sb, prefix);
		else
			for (int k = 0; k < pw; k++)
				strbuf_addch(&sb, ' ');
		strbuf_addstr(&sb, lines[i]);
		out_add(o, sb.buf, at);
		strbuf_release(&sb);
	}
	if (!n)
		out_add(o, prefix, at);
	free_lines(lines, n);
}

static void out_free(struct text_out *o)
{
	free_lines(o->lines, o->n);
	free(o->attrs);
	free(o->block);
	free(o->offset);
	free(o->prefix_cols);
}

/* A guide block, wrapped, remembering where each line starts in the block's text so that its
 * spans can be styled (guide text is already plain: the sanitizer leaves it as it is, and a
 * block whose text it would change is drawn without styling). */
static void out_block(struct text_out *o, const char *prefix, const struct guide_block *b, int width, attr_t at)
{
	size_t first = o->n;
	out_wrapped(o, prefix, b->text, width, at, b->kind == GB_CODE);
	char *safe = sanitize_dup(b->text, b->kind == GB_CODE ? SAN_MULTILINE : 0);
	int styled = !strcmp(safe, b->text);
	free(safe);
	if (!styled || b->kind == GB_CODE)
		return;
	int pw = text_width(prefix);
	size_t search = 0;
	for (size_t i = first; i < o->n; i++) {
		const char *text = o->lines[i];
		for (int c = 0; c < pw && *text; c++) /* skip the prefix columns (ASCII or one glyph) */
			text +=
			    *text == ' '
			        ? 1
			        : (size_t)(((unsigned char)*text >= 0xE0) ? 3 : ((unsigned char)*text >= 0xC0 ? 2 : 1));
		const char *found = *text ? strstr(b->text + search, text) : NULL;
		if (!found)
			continue;
		o->block[i] = b;
		o->offset[i] = (size_t)(found - b->text);
		o->prefix_cols[i] = pw;
		search = o->offset[i] + strlen(text);
	}
}

static void field(struct text_out *o, const char *label, const char *value, int width)
{
	char prefix[40];
	snprintf(prefix, sizeof(prefix), "%-16s", label);
	out_wrapped(o, prefix, value ? value : "—", width, A_NORMAL, 0);
}

static void draw_overview(struct app *a)
{
	struct alertview *v = &a->av;
	struct text_out o = {0};
	int w = COLS - 2;
	char os[160], proc[600], sig[600], ctx[200];
	out_add(&o, "Host", A_BOLD);
	field(&o, "  name", v->fields[OV_HOST], w);
	field(&o, "  id", v->fields[OV_HOST_ID], w);
	snprintf(os, sizeof(os), "%s%s", v->fields[OV_OS] ? v->fields[OV_OS] : "—",
	         v->fields[OV_DERIVED] && strstr(v->fields[OV_DERIVED], "host.os.type")
	             ? " (derived from host.os.platform)"
	             : "");
	field(&o, "  OS", os, w);
	field(&o, "User", v->fields[OV_USER], w);
	out_add(&o, "Process", A_BOLD);
	snprintf(proc, sizeof(proc), "%s (pid %s)", v->fields[OV_EXE] ? v->fields[OV_EXE] : "—",
	         v->fields[OV_PID] ? v->fields[OV_PID] : "—");
	field(&o, "  executable", proc, w);
	field(&o, "  command line", v->fields[OV_CMD], w);
	if (!v->fields[OV_SIGNER] && !v->fields[OV_TRUSTED] && !v->fields[OV_TEAM] && !v->fields[OV_SIGSTATUS])
		snprintf(sig, sizeof(sig), "none recorded (the event has no process.code_signature)");
	else
		snprintf(sig, sizeof(sig), "%s; %s%s%s; status %s",
		         v->fields[OV_SIGNER] && *v->fields[OV_SIGNER] ? v->fields[OV_SIGNER] : "unsigned",
		         v->fields[OV_TRUSTED] && !strcmp(v->fields[OV_TRUSTED], "true") ? "trusted" : "not trusted",
		         v->fields[OV_TEAM] && *v->fields[OV_TEAM] ? "; team " : "",
		         v->fields[OV_TEAM] ? v->fields[OV_TEAM] : "",
		         v->fields[OV_SIGSTATUS] ? v->fields[OV_SIGSTATUS] : "—");
	field(&o, "  signature", sig, w);
	out_add(&o, "File", A_BOLD);
	field(&o, "  path", v->fields[OV_PATH], w);
	field(&o, "  SHA-256", v->fields[OV_SHA], w);
	field(&o, "  size", v->fields[OV_SIZE], w);
	if (v->fields[OV_ORIG])
		field(&o, "  renamed from", v->fields[OV_ORIG], w);
	field(&o, "Event", v->fields[OV_ACTION], w);
	field(&o, "  type", v->fields[OV_TYPE], w);
	out_add(&o, "Rule", A_BOLD);
	out_wrapped(&o, "  ", v->fields[OV_DESC], w, A_NORMAL, 0);
	char attack[600];
	snprintf(attack, sizeof(attack), "%s %s / %s %s", v->fields[OV_TACTIC_ID] ? v->fields[OV_TACTIC_ID] : "—",
	         v->fields[OV_TACTIC] ? v->fields[OV_TACTIC] : "",
	         v->fields[OV_TECHNIQUE_ID] ? v->fields[OV_TECHNIQUE_ID] : "—",
	         v->fields[OV_TECHNIQUE] ? v->fields[OV_TECHNIQUE] : "");
	field(&o, "  ATT&CK", attack, w);
	snprintf(ctx, sizeof(ctx), "%lld other alert%s on this host; %lld host%s with an alert for this path",
	         (long long)v->same_host, v->same_host == 1 ? "" : "s", (long long)v->hosts_same_path,
	         v->hosts_same_path == 1 ? "" : "s");
	out_add(&o, "Prevalence", A_BOLD);
	out_wrapped(&o, "  ", ctx, w, A_NORMAL, 0);
	if (v->nmembers > 1) {
		char seq[80];
		snprintf(seq, sizeof(seq), "  a sequence of %zu events, marked ▶ on the Timeline tab", v->nmembers);
		out_add(&o, "Sequence", A_BOLD);
		out_add(&o, seq, A_NORMAL);
	}
	char head[120];
	snprintf(head, sizeof(head), "Related alerts (other rules, this host, ±%llds)",
	         (long long)(v->tl_before / TIME_US_PER_SEC));
	out_add(&o, head, A_BOLD);
	for (size_t i = 0; i < v->nrelated; i++) {
		const struct related *x = &v->related[i];
		char t[32], line[600];
		format_time(a, x->ts, t, sizeof(t), 0);
		snprintf(line, sizeof(line), "  %s  %.12s  %-8s  %s", t, x->uuid, x->severity, x->rule);
		out_wrapped(&o, "", line, w, A_NORMAL, 0);
	}
	if (!v->nrelated)
		out_add(&o, "  none", A_DIM);
	draw_lines(a, &o);
	out_free(&o);
}

/* Wrapped lines continue under their prefix with spaces; put the margin back at their start
 * so that a set-apart block stays visibly set apart. */
static void keep_margin(struct text_out *o, size_t first, const char *margin)
{
	size_t cols = (size_t)text_width(margin);
	if (!cols)
		return;
	for (size_t i = first; i < o->n; i++) {
		char *line = o->lines[i];
		if (!strncmp(line, margin, strlen(margin)) || strspn(line, " ") < cols)
			continue;
		struct strbuf sb;
		strbuf_init(&sb, strlen(line) + 8);
		strbuf_addstr(&sb, margin);
		strbuf_addstr(&sb, line + cols);
		free(line);
		o->lines[i] = strbuf_detach(&sb, NULL);
	}
}

/* A parsed guide's blocks; margin starts every line (casebook's notes are set apart by it). */
static void out_guide(struct text_out *o, const struct guide *g, const char *margin, int w)
{
	for (size_t i = 0; i < g->nblocks; i++) {
		const struct guide_block *b = &g->blocks[i];
		char prefix[48];
		snprintf(prefix, sizeof(prefix), "%s", margin);
		size_t m = strlen(prefix);
		attr_t at = A_NORMAL;
		switch (b->kind) {
		case GB_HEADING:
			if (o->n)
				out_add(o, margin, A_NORMAL);
			at = A_BOLD | (b->level <= 2 ? A_UNDERLINE : 0);
			break;
		case GB_ITEM:
			if (b->number)
				snprintf(prefix + m, sizeof(prefix) - m, "%*s%d. ", 2 * b->level - 2, "", b->number);
			else
				snprintf(prefix + m, sizeof(prefix) - m, "%*s• ", 2 * b->level - 2, "");
			break;
		case GB_QUOTE:
			snprintf(prefix + m, sizeof(prefix) - m, "│ ");
			at = A_DIM;
			break;
		case GB_CODE:
			snprintf(prefix + m, sizeof(prefix) - m, "    ");
			at = A_BOLD;
			break;
		case GB_RULE: out_add(o, "────", A_DIM); continue;
		case GB_PARAGRAPH:
			if (o->n)
				out_add(o, margin, A_NORMAL);
			break;
		}
		size_t first = o->n;
		out_block(o, prefix, b, w, at);
		keep_margin(o, first, margin);
	}
}

static void draw_guide(struct app *a)
{
	struct alertview *v = &a->av;
	struct text_out o = {0};
	int w = COLS - 2;
	out_guide(&o, &v->guide, "", w);
	if (!v->guide.nblocks)
		out_add(&o, "This rule has no investigation guide.", A_BOLD);
	if (v->rule_notes.nblocks) {
		out_add(&o, "", A_NORMAL);
		out_add(&o, "── casebook's notes on this rule (not the rule author's) ──", A_BOLD | A_REVERSE);
		out_guide(&o, &v->rule_notes, "┃ ", w);
	}
	draw_lines(a, &o);
	out_free(&o);
}

static void draw_timeline(struct app *a)
{
	struct alertview *v = &a->av;
	char head[200];
	static const char *const cats[] = {"all", "file", "process", "network"};
	if (v->pivot == 'F')
		snprintf(head, sizeof(head), " the file path on every host · category %s", cats[v->category]);
	else
		snprintf(head, sizeof(head), " ±%llds%s · %s%s · category %s",
		         (long long)(v->tl_before / TIME_US_PER_SEC), v->tl_shift ? " (paged)" : "",
		         v->pivot == 'p'   ? "this process"
		         : v->pivot == 'u' ? "this user"
		                           : "all processes",
		         "", cats[v->category]);
	draw_text(4, 0, COLS, head, A_DIM, 1);
	int height = LINES - 6, proc_w = 14, what_w = 20, time_w = 8, host_w = v->pivot == 'F' ? 15 : 0;
	struct rows shown = {0};
	for (size_t i = 0; i < v->ntl; i++)
		if (tl_visible(v, &v->tl[i]))
			rows_add(&shown, i);
	size_t n = shown.n;
	size_t *top = &v->top[TAB_TIMELINE], sel = v->sel[TAB_TIMELINE];
	if (sel < *top)
		*top = sel;
	if (sel >= *top + (size_t)height)
		*top = sel - (size_t)height + 1;
	for (int i = 0; i < height; i++) {
		size_t k = *top + (size_t)i;
		int y = 5 + i;
		move(y, 0);
		clrtoeol();
		if (k >= n)
			continue;
		const struct tl_row *t = &v->tl[shown.at[k]];
		int own = is_member(v, t->id);
		attr_t base = (k == sel ? A_REVERSE : A_NORMAL) | (own ? A_BOLD : 0);
		char tbuf[32], what[200];
		format_time(a, t->ts, tbuf, sizeof(tbuf), 0);
		snprintf(what, sizeof(what), "%s/%s", t->category, t->action);
		int x = 0;
		x += cell(y, x, 2, own ? "▶" : " ", base);
		x += cell(y, x, time_w + 1, tbuf, base);
		if (host_w)
			x += cell(y, x, host_w + 1, t->host, base);
		x += cell(y, x, what_w + 1, what, base);
		x += cell(y, x, proc_w + 1, t->process, base);
		draw_text_middle(y, x, COLS - x, t->target, base);
	}
	if (!n)
		draw_text(6, 2, COLS - 4, "No events in this window: + widens it.", A_NORMAL, 1);
	rows_free(&shown);
}

static void draw_items(struct app *a, const char *kind)
{
	struct alertview *v = &a->av;
	enum tab tab = !strcmp(kind, "check") ? TAB_CHECKLIST : TAB_RESPONSE;
	struct rows shown = items_of(v, kind);
	size_t n = shown.n, *idx = shown.at;
	int w = COLS - 2, height = LINES - 5, y = 4;
	size_t *top = &v->top[tab], sel = v->sel[tab];
	if (sel < *top)
		*top = sel;
	/* keep the selected item on screen: items take several lines */
	for (;;) {
		int lines = 0;
		for (size_t k = *top; k <= sel && k < n; k++) {
			char **l;
			size_t m = wrap_text(v->items[idx[k]].text, w - 12, 0, &l);
			free_lines(l, m);
			lines += (int)m + (v->items[idx[k]].by ? 1 : 0);
		}
		if (lines <= height || *top >= sel)
			break;
		(*top)++;
	}
	for (size_t k = *top; k < n && y < 4 + height; k++) {
		const struct item *it = &v->items[idx[k]];
		char prefix[40];
		if (tab == TAB_CHECKLIST)
			snprintf(prefix, sizeof(prefix), "[%s] %2d. ", strcmp(it->state, "checked") ? " " : "x",
			         it->position);
		else
			snprintf(prefix, sizeof(prefix), "%-8s %2d. ", it->state, it->position);
		struct text_out o = {0};
		attr_t at = k == sel ? A_REVERSE : A_NORMAL;
		out_wrapped(&o, prefix, it->text, w, at, 0);
		if (it->by) {
			char t[TIME_ISO_LEN], who[600];
			time_format_iso8601(it->at, t);
			snprintf(who, sizeof(who), "— %s, %.19s%s%s", it->by, t, it->note ? ": " : "",
			         it->note ? it->note : "");
			out_wrapped(&o, "         ", who, w, A_DIM, 0);
		}
		for (size_t i = 0; i < o.n && y < 4 + height; i++, y++) {
			move(y, 0);
			clrtoeol();
			draw_text(y, 1, w, o.lines[i], o.attrs[i], 1);
		}
		out_free(&o);
	}
	for (; y < 4 + height; y++) {
		move(y, 0);
		clrtoeol();
	}
	rows_free(&shown);
}

static void draw_notes(struct app *a)
{
	struct text_out o = {0};
	if (!a->av.notes.len)
		out_add(&o, "No notes yet: press a to write one.", A_NORMAL);
	else
		out_wrapped(&o, "", a->av.notes.buf, COLS - 2, A_NORMAL, 1);
	draw_lines(a, &o);
	out_free(&o);
}

static void draw_alert(struct app *a)
{
	draw_header(a);
	switch (a->av.tab) {
	case TAB_OVERVIEW: draw_overview(a); break;
	case TAB_GUIDE: draw_guide(a); break;
	case TAB_TIMELINE: draw_timeline(a); break;
	case TAB_CHECKLIST: draw_items(a, "check"); break;
	case TAB_RESPONSE: draw_items(a, "response"); break;
	case TAB_NOTES: draw_notes(a); break;
	case TAB_COUNT: break;
	}
	static const char *const hints[TAB_COUNT] = {
	    "Tab next tab  A ack  C close  O reopen  x export  E exception  ? help  q back",
	    "j/k scroll  Tab next tab  ? help  q back",
	    "Enter event  +/- window  [ ] page  p process  u user  F file  c category  q back",
	    "Space check  e note  C close  ? help  q back",
	    "d done  s skipped  n n/a  p pending  w walk  e note  ? help  q back",
	    "a write a note  ? help  q back"};
	status_line(a, hints[a->av.tab]);
}

/* A box in the middle of the screen; returns its inner top-left. */
static void box_at(int h, int w, int *y, int *x)
{
	if (w > COLS - 2)
		w = COLS - 2;
	if (h > LINES - 2)
		h = LINES - 2;
	*y = (LINES - h) / 2;
	*x = (COLS - w) / 2;
	for (int i = 0; i < h; i++) {
		move(*y + i, *x);
		for (int j = 0; j < w; j++)
			addch(' ' | A_REVERSE);
	}
}

static void draw_overlay(struct app *a)
{
	int y, x, w = COLS - 8 > 72 ? 72 : COLS - 8;
	switch (a->ov) {
	case OV_HELP: {
		bar(a, 0, a->title, "");
		int height = LINES - 2;
		for (int i = 0; i < height; i++) {
			size_t k = a->text_top + (size_t)i;
			move(1 + i, 0);
			clrtoeol();
			if (k < a->ntext)
				draw_text(1 + i, 1, COLS - 2, a->text_lines[k], A_NORMAL, 1);
		}
		draw_text(LINES - 1, 0, COLS, "j/k scroll  PgDn/PgUp page  q or Esc close", A_NORMAL, 1);
		break;
	}
	case OV_PROMPT: {
		box_at(4, w, &y, &x);
		draw_text(y + 1, x + 2, w - 4, a->title, A_REVERSE | A_BOLD, 1);
		/* show the end of long input */
		const char *shown = a->input.buf;
		while (text_width(shown) > w - 6)
			shown++;
		draw_text(y + 2, x + 2, w - 4, shown, A_NORMAL, 1);
		draw_text(y + 2, x + 2 + text_width(shown), 1, "▏", A_NORMAL, 0);
		break;
	}
	case OV_EDITOR: {
		int h = LINES - 4;
		box_at(h, w, &y, &x);
		draw_text(y, x + 2, w - 4, a->title, A_REVERSE | A_BOLD, 1);
		char **lines;
		size_t n = wrap_text(a->input.len ? a->input.buf : "", w - 4, 1, &lines);
		size_t first = n > (size_t)(h - 3) ? n - (size_t)(h - 3) : 0;
		for (size_t i = first; i < n; i++)
			draw_text(y + 1 + (int)(i - first), x + 2, w - 4, lines[i], A_NORMAL, 1);
		free_lines(lines, n);
		break;
	}
	case OV_CHOOSE: {
		box_at((int)a->nchoices + 3, w, &y, &x);
		draw_text(y + 1, x + 2, w - 4, a->title, A_REVERSE | A_BOLD, 1);
		for (size_t i = 0; i < a->nchoices; i++) {
			char label[400];
			snprintf(label, sizeof(label), "%zu %s", i + 1, a->choices[i]);
			draw_text(y + 2 + (int)i, x + 2, w - 4, label, i == a->choice ? A_NORMAL | A_BOLD : A_REVERSE,
			          1);
		}
		break;
	}
	case OV_CONFIRM:
		box_at(3, w, &y, &x);
		draw_text(y + 1, x + 2, w - 4, a->title, A_REVERSE | A_BOLD, 1);
		break;
	case OV_JSON:
	case OV_NONE: break;
	}
}

void app_draw(struct app *a)
{
	static int colors_ready;
	if (a->o.colors && !colors_ready && has_colors()) {
		start_color();
		use_default_colors();
		init_pair(PAIR_BAR, COLOR_BLACK, COLOR_CYAN);
		init_pair(PAIR_LOW, COLOR_GREEN, -1);
		init_pair(PAIR_MEDIUM, COLOR_YELLOW, -1);
		init_pair(PAIR_HIGH, COLOR_RED, -1);
		init_pair(PAIR_CRITICAL, COLOR_MAGENTA, -1);
		init_pair(PAIR_DIM, COLOR_WHITE, -1);
		colors_ready = 1;
	}
	erase();
	if (COLS < MIN_COLS || LINES < MIN_ROWS) {
		char msg[120];
		snprintf(msg, sizeof(msg), "terminal too small: casebook needs %dx%d, this is %dx%d", MIN_COLS,
		         MIN_ROWS, COLS, LINES);
		draw_text(LINES / 2, 0, COLS, msg, A_BOLD, 1);
		return;
	}
	if (a->ov == OV_HELP) {
		draw_overlay(a);
		return;
	}
	if (a->ov == OV_JSON) {
		draw_json(a);
		return;
	}
	if (a->in_alert)
		draw_alert(a);
	else
		draw_queue(a);
	draw_overlay(a);
}
