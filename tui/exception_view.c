/* The exception builder: Kibana's "Add rule exception" flyout in a terminal. Every field of
 * the selected event is a row; Space makes it a condition (field, operator, value), o changes
 * the operator, e its value; all conditions must hold (AND). Enter previews what the exception
 * would suppress in this case (alerts of the rule, events, hosts), flags a broad one, asks, and
 * saves; then it offers to close the open alerts that match (Kibana's "close alerts"). */
#include <stdlib.h>
#include <string.h>

#include "common/sanitize.h"
#include "common/strbuf.h"
#include "detect/exceptions.h"
#include "detect/field.h"
#include "detect/jsondoc.h"
#include "triage/record.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/exception_view.h"
#include "tui/text.h"
#include "tui/ui.h"
#include "tui/view.h"

struct xrow {
	char *field, *value; /* the event's leaf */
	int on;              /* a condition of the exception */
	size_t op;           /* index in exception_operators */
	char *typed;         /* the condition's value as edited (NULL: the event's) */
};

struct exception_builder {
	char *rule_id, *rule_name, *alert_uuid;
	struct xrow *rows;
	size_t n, sel, top;
	/* what the preview found, kept for closing the matching alerts after saving */
	struct exception_preview p;
	int have_preview;
	char *preview_text; /* the preview in words, for the panel under the rows */
	char item[40];
};

static void builder_free(struct exception_builder *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		free(b->rows[i].field), free(b->rows[i].value), free(b->rows[i].typed);
	free(b->rows);
	free(b->rule_id), free(b->rule_name), free(b->alert_uuid);
	if (b->have_preview)
		exception_preview_release(&b->p);
	free(b->preview_text);
	free(b);
}

/* The builder's state: pushed with its view, NULL when it is not open. */
static struct exception_builder *xb_of(const struct app *a)
{
	return view_private(a, &exception_view);
}

static void builder_close(struct app *a)
{
	builder_free(xb_of(a));
}

static const char *row_value(const struct xrow *r)
{
	return r->typed ? r->typed : r->value;
}

/* The conditions as a spec; values of "is one of" are split at ", " (as the field table joins
 * them). The arrays live in vals, freed by the caller. */
static size_t build_spec(struct exception_builder *b, struct exception_entry_spec *e, char ***vals)
{
	size_t n = 0;
	for (size_t i = 0; i < b->n; i++) {
		struct xrow *r = &b->rows[i];
		if (!r->on)
			continue;
		struct exception_entry_spec *x = &e[n];
		exception_operator_parse(exception_operators[r->op], &x->type, &x->operator_);
		x->field = r->field;
		char **v = NULL;
		size_t nv = 0;
		if (!strcmp(x->type, "match_any")) {
			const char *s = row_value(r);
			for (;;) {
				const char *sep = strstr(s, ", ");
				size_t len = sep ? (size_t)(sep - s) : strlen(s);
				v = xrealloc(v, (nv + 1) * sizeof(*v));
				v[nv] = xmalloc(len + 1);
				memcpy(v[nv], s, len);
				v[nv++][len] = '\0';
				if (!sep)
					break;
				s = sep + 2;
			}
		} else if (strcmp(x->type, "exists")) {
			v = xmalloc(sizeof(*v));
			v[nv++] = xstrdup(row_value(r));
		}
		vals[n] = v;
		x->values = (const char *const *)v;
		x->nvalues = nv;
		n++;
	}
	return n;
}

static void release_spec(struct exception_entry_spec *e, char ***vals, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < e[i].nvalues; k++)
			free(vals[i][k]);
		free(vals[i]);
	}
	free(e);
	free(vals);
}

/* Runs fn with the builder's spec. */
static int with_spec(struct app *a, int (*fn)(struct app *a, const struct exception_spec *spec))
{
	struct exception_builder *b = xb_of(a);
	struct exception_entry_spec *e = xcalloc(b->n + 1, sizeof(*e));
	char ***vals = xcalloc(b->n + 1, sizeof(*vals));
	size_t n = build_spec(b, e, vals);
	struct exception_spec spec = {.entries = e,
	                              .nentries = n,
	                              .comment = "added from the console",
	                              .analyst = a->o.analyst,
	                              .now_us = a->o.clock(),
	                              .alert_uuid = b->alert_uuid};
	int rc = n ? fn(a, &spec) : (say(a, "no condition yet: Space on a field makes it one"), -1);
	release_spec(e, vals, n);
	return rc;
}

/* ---- saving: preview, confirm (twice when broad), add, offer to close ---- */

/* Saved: back to where the builder was opened (as Kibana's flyout closes), the record read
 * again so that the Notes tab shows the exception. */
static void leave_builder(struct app *a)
{
	if (view_top(a) == &exception_view)
		view_pop(a);
	if (in_alert(a))
		alert_reload_triage(a);
}

static void closing_chosen(struct app *a, size_t choice, void *data)
{
	(void)data;
	struct exception_builder *b = xb_of(a);
	static const char *const reasons[] = {NULL, "false_positive", "benign_positive"};
	if (!b)
		return;
	if (choice == 0 || choice > 2) {
		say(a, "exception %.40s added; the matching alerts stay as they are", b->item);
		leave_builder(a);
		return;
	}
	struct strbuf comment;
	strbuf_init(&comment, 64);
	strbuf_addf(&comment, "closed by exception %s", b->item);
	struct actor who = {.analyst = a->o.analyst, .at_us = a->o.clock()};
	struct status_outcome out = {0};
	int rc = triage_set_status_many(a->s, b->p.open_ids, b->p.open_uuids, b->p.nopen, "closed", reasons[choice],
	                                comment.buf, 1, &who, &out, NULL, NULL);
	strbuf_release(&comment);
	if (say_not_saved(a, rc) == 0) {
		app_refresh_status(a, b->p.open_uuids, b->p.nopen);
		say(a, "exception %.40s added; %zu matching alert%s closed", b->item, out.changed,
		    out.changed == 1 ? "" : "s");
	}
	leave_builder(a);
}

static int save_spec(struct app *a, const struct exception_spec *spec)
{
	struct exception_builder *b = xb_of(a);
	char err[300];
	int rc = exception_add(a->s, b->rule_id, spec, b->item, err, sizeof(err));
	if (rc) {
		say(a, "exception not added: %.250s", rc == 1 ? "the rule is gone" : err);
		return rc;
	}
	if (!b->p.nopen) {
		say(a, "exception %.40s added to the rule; detect will honour it from now on", b->item);
		leave_builder(a);
		return 0;
	}
	struct strbuf q;
	strbuf_init(&q, 128);
	strbuf_addf(&q, "Exception added. Close the %zu open alert%s of this rule it matches?", b->p.nopen,
	            b->p.nopen == 1 ? "" : "s");
	static const char *const opts[] = {"Leave them open", "Close them as false_positive",
	                                   "Close them as benign_positive"};
	dialog_choose(a, q.buf, opts, 3, closing_chosen, NULL, NULL);
	strbuf_release(&q);
	return 0;
}

static void save_confirmed(struct app *a, int yes, void *data)
{
	(void)data;
	if (!yes) {
		say(a, "not added");
		return;
	}
	with_spec(a, save_spec);
}

static void broad_confirmed(struct app *a, int yes, void *data)
{
	(void)data;
	if (!yes) {
		say(a, "not added: narrow it with another condition (Space on a field)");
		return;
	}
	dialog_confirm(a, "It is broad. Add it all the same? (y/n)", save_confirmed, NULL, NULL);
}

static int preview_spec(struct app *a, const struct exception_spec *spec)
{
	struct exception_builder *b = xb_of(a);
	if (b->have_preview)
		exception_preview_release(&b->p);
	char err[300];
	int rc = exception_preview(a->s, b->rule_id, spec, &b->p, err, sizeof(err));
	b->have_preview = rc == 0;
	if (rc) {
		say(a, "no preview: %.250s", rc == 1 ? "the rule is gone" : err);
		return rc;
	}
	struct strbuf q;
	strbuf_init(&q, 512);
	cJSON *item = exception_spec_item(spec);
	struct strbuf d;
	strbuf_init(&d, 128);
	exception_describe(item, &d);
	cJSON_Delete(item);
	strbuf_addstr(&q, "When ");
	sanitize_append(&q, d.buf, d.len, 0);
	strbuf_addstr(&q, ": ");
	exception_preview_text(&b->p, &q);
	free(b->preview_text);
	b->preview_text = strbuf_detach(&q, NULL);
	strbuf_release(&d);
	dialog_confirm(a,
	               b->p.broad ? "This exception is BROAD (see the preview). Add it? (y/n)"
	                          : "Add this exception to the rule? (y/n)",
	               b->p.broad ? broad_confirmed : save_confirmed, NULL, NULL);
	return 0;
}

/* ---- editing ---- */

/* A changed condition makes the preview stale: it goes until asked again. */
static void forget_preview(struct exception_builder *b)
{
	if (b->have_preview)
		exception_preview_release(&b->p);
	b->have_preview = 0;
}

static void value_typed(struct app *a, const char *text, void *data)
{
	(void)data;
	struct exception_builder *b = xb_of(a);
	if (!b)
		return;
	struct xrow *r = &b->rows[b->sel];
	forget_preview(b);
	free(r->typed);
	r->typed = xstrdup(text);
	r->on = 1;
}

/* The builder's actions (tui/keymap.h's CTX_EXCEPTION rows). It takes no other action of the
 * table: Q, ?, R, t and half pages wait until it closes, and a key leaves the message as it is
 * (CTX_KEEPS_MESSAGE). */
static int builder_request(struct app *a, enum tui_action act)
{
	struct exception_builder *b = xb_of(a);
	size_t page = (size_t)layout_page(layout_body(HEAD_EXCEPTION), 2);
	struct xrow *r = &b->rows[b->sel];
	switch (act) {
	case ACT_BACK: view_pop(a); break;
	case ACT_DOWN:
		if (b->sel + 1 < b->n)
			b->sel++;
		break;
	case ACT_UP:
		if (b->sel)
			b->sel--;
		break;
	case ACT_FIRST: b->sel = 0; break;
	case ACT_LAST: b->sel = b->n - 1; break;
	case ACT_PAGE_DOWN: b->sel = b->sel + page < b->n ? b->sel + page : b->n - 1; break;
	case ACT_PAGE_UP: b->sel = b->sel > page ? b->sel - page : 0; break;
	case ACT_CONDITION:
		r->on = !r->on;
		forget_preview(b);
		break;
	case ACT_OPERATOR: {
		forget_preview(b);
		size_t n = 0;
		while (exception_operators[n])
			n++;
		r->op = (r->op + 1) % n;
		r->on = 1;
		break;
	}
	case ACT_VALUE:
		dialog_prompt(a, "Value (is one of: values separated by \", \"; matches: * and ?):", row_value(r),
		              value_typed, NULL, NULL);
		break;
	case ACT_PREVIEW: with_spec(a, preview_spec); break;
	default: break;
	}
	return 1;
}

static unsigned builder_context(const struct app *a)
{
	(void)a;
	return CTX_EXCEPTION;
}

static const struct hint hints[] = {{ACT_CONDITION, 0, "", "condition"},
                                    {ACT_OPERATOR, 0, "", "operator"},
                                    {ACT_VALUE, 0, "", "value"},
                                    {ACT_PREVIEW, 0, "", "preview and save"},
                                    {ACT_BACK, 0, "", "close"}};

/* "process.name is "mv" AND ..." of the rows that are conditions. */
static void conditions_text(const struct exception_builder *b, struct strbuf *out)
{
	int any = 0;
	for (size_t i = 0; i < b->n; i++) {
		const struct xrow *r = &b->rows[i];
		if (!r->on)
			continue;
		strbuf_addf(out, "%s%s %s", any ? " AND " : "", r->field, exception_operators[r->op]);
		if (strstr(exception_operators[r->op], "exist") == NULL)
			strbuf_addf(out, " \"%s\"", row_value(r));
		any = 1;
	}
	if (!any)
		strbuf_addstr(out, "(no condition yet: Space on a field makes it one)");
}

static void builder_draw(struct app *a)
{
	struct exception_builder *b = xb_of(a);
	struct strbuf t;
	strbuf_init(&t, 128);
	strbuf_addf(&t, "Rule exception — %s", b->rule_name);
	ui_bar(a, LAYOUT_TITLE_ROW, t.buf, "");
	strbuf_reset(&t);
	strbuf_addstr(&t, "When ");
	conditions_text(b, &t);
	struct region body = layout_body(HEAD_EXCEPTION), text = region_inset(body, 0, 1);
	move(HEAD_EXCEPTION - 1, 0);
	clrtoeol();
	draw_text(HEAD_EXCEPTION - 1, 0, body.width, t.buf, A_BOLD, 1);
	strbuf_release(&t);
	/* the preview, once asked, at the body's foot: what saving would suppress, in full */
	char **pv = NULL;
	size_t npv = b->have_preview ? wrap_text(b->preview_text, text.width, 1, &pv) : 0;
	if (npv > 5)
		npv = 5;
	int height = body.height - (npv ? (int)npv + 1 : 0), op_w = 15;
	int preview = layout_status_row() - (int)npv; /* its first line; its heading over it */
	size_t longest = 8;
	for (size_t i = 0; i < b->n; i++)
		if (strlen(b->rows[i].field) > longest)
			longest = strlen(b->rows[i].field);
	int name_w = (int)longest + 2 < body.width / 2 ? (int)longest + 2 : body.width / 2;
	if (height < 1)
		height = 1;
	if (b->sel < b->top)
		b->top = b->sel;
	if (b->sel >= b->top + (size_t)height)
		b->top = b->sel - (size_t)height + 1;
	for (size_t i = 0; i < npv; i++) {
		move(preview + (int)i, 0);
		clrtoeol();
		draw_text(preview + (int)i, text.left, text.width, pv[i], b->p.broad ? A_BOLD : A_NORMAL, 1);
	}
	if (npv) {
		move(preview - 1, 0);
		clrtoeol();
		draw_text(preview - 1, 0, body.width, "Preview", A_BOLD | A_UNDERLINE, 1);
	}
	free_lines(pv, npv ? npv : 0);
	for (int y = 0; y < height; y++) {
		size_t k = b->top + (size_t)y;
		int row = body.top + y;
		move(row, 0);
		clrtoeol();
		if (k >= b->n)
			continue;
		const struct xrow *r = &b->rows[k];
		attr_t at = k == b->sel ? A_REVERSE : A_NORMAL;
		draw_text(row, 0, 4, r->on ? "[x] " : "[ ] ", at, 1);
		ui_cell(row, 4, name_w, r->field, at | (r->on ? A_BOLD : 0));
		ui_cell(row, 4 + name_w, op_w, r->on ? exception_operators[r->op] : "", at);
		draw_text(row, 4 + name_w + op_w, layout_width_from(4 + name_w + op_w), row_value(r), at, 1);
	}
	char line[200];
	ui_hints(hints, sizeof(hints) / sizeof(hints[0]), line, sizeof(line));
	ui_status_line(a, line);
}

const struct view_ops exception_view = {.name = "exception",
                                        .context = builder_context,
                                        .draw = builder_draw,
                                        .request = builder_request,
                                        .close = builder_close};

void exception_builder_open(struct app *a, const char *rule_id, const char *rule_name, const char *alert_uuid,
                            char *const *names, char *const *values, size_t n, const char *preselect)
{
	if (!n) {
		say(a, "the event has no fields to make an exception of");
		return;
	}
	if (view_top(a) == &exception_view) /* one builder at a time: a new one replaces it */
		view_pop(a);
	struct exception_builder *b = xcalloc(1, sizeof(*b));
	b->rule_id = xstrdup(rule_id);
	b->rule_name = xstrdup(rule_name ? rule_name : rule_id);
	b->alert_uuid = alert_uuid ? xstrdup(alert_uuid) : NULL;
	b->rows = xcalloc(n, sizeof(*b->rows));
	int picked = 0;
	for (size_t i = 0; i < n; i++) {
		b->rows[i].field = xstrdup(names[i]);
		b->rows[i].value = xstrdup(values[i] ? values[i] : "");
		if (preselect && !picked && !strcmp(names[i], preselect)) {
			b->rows[i].on = picked = 1;
			b->sel = i;
		}
	}
	b->n = n;
	view_push_private(a, &exception_view, b);
}

void exception_builder_from_doc(struct app *a, const char *rule_id, const char *rule_name, const char *alert_uuid,
                                const char *doc, const char *preselect)
{
	char **names = NULL, **values = NULL;
	size_t n = doc ? json_leaves(doc, strlen(doc), &names, &values) : 0;
	exception_builder_open(a, rule_id, rule_name, alert_uuid, names, values, n, preselect);
	for (size_t i = 0; i < n; i++)
		free(names[i]), free(values[i]);
	free(names);
	free(values);
}
