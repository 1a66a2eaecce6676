/* What A, C, O, x and E do — on the marked alerts in the queue, or on the one in view or under
 * the cursor — and the help. The dialogs carry their values in typed structs; every change
 * goes through triage/record.h in one transaction and every failure is said. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/timeutil.h"
#include "export/export.h"
#include "triage/record.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/exception_view.h"
#include "tui/view.h"

struct target_list {
	int64_t *ids;
	char **uuids;
	size_t n;
};

static void targets_add(struct target_list *t, int64_t id, const char *uuid)
{
	t->ids[t->n] = id;
	t->uuids[t->n++] = xstrdup(uuid);
}

/* The alert in view; else the marked alerts; else the one under the cursor, or the alerts of
 * the host's row under it. */
static struct target_list targets(struct app *a)
{
	struct target_list t = {0};
	const struct queue *q = &a->q;
	size_t marked = queue_marked(q), cap = in_alert(a) ? 1 : (q->n ? q->n : 1);
	t.ids = xmalloc(cap * sizeof(*t.ids));
	t.uuids = xmalloc(cap * sizeof(*t.uuids));
	const struct qrow *sel = queue_selected(q);
	const struct queue_group *group = queue_selected_group(q);
	if (in_alert(a)) {
		targets_add(&t, alert_of(a)->rec.id, alert_of(a)->rec.uuid);
	} else if (marked) {
		for (size_t i = 0; i < q->n; i++)
			if (q->rows[i].marked)
				targets_add(&t, q->rows[i].id, q->rows[i].uuid);
	} else if (sel) {
		targets_add(&t, sel->id, sel->uuid);
	} else if (group) {
		size_t *rows = xmalloc(cap * sizeof(*rows)), n = queue_group_rows(q, group, rows);
		for (size_t i = 0; i < n; i++)
			targets_add(&t, q->rows[rows[i]].id, q->rows[rows[i]].uuid);
		free(rows);
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

static void refresh_after_change(struct app *a, const struct target_list *t)
{
	queue_clear_marks(&a->q);
	app_refresh_status(a, t->uuids, t->n);
	if (in_alert(a))
		alert_reload_triage(a);
}

/* Sets the status of the targets in one transaction (force: close with open checklist items). */
static void set_status(struct app *a, const char *status, const char *reason, const char *comment, int force)
{
	struct target_list t = targets(a);
	struct actor who = {.analyst = a->o.analyst, .at_us = a->o.clock()};
	struct status_outcome done;
	int rc =
	    triage_set_status_many(a->s, t.ids, t.uuids, t.n, status, reason, comment, force, &who, &done, NULL, NULL);
	const char *s = done.changed == 1 ? "" : "s";
	if (rc == TRIAGE_OPEN_ITEMS)
		say(a, "nothing closed: %zu checklist items are open", done.open_items);
	else if (rc != TRIAGE_OK)
		say(a, "not saved: %s", store_errmsg(a->s));
	else if (done.unchanged)
		say(a, "%zu alert%s %s, %zu already %s", done.changed, s, status, done.unchanged, status);
	else
		say(a, "%zu alert%s %s", done.changed, s, status);
	refresh_after_change(a, &t);
	targets_free(&t);
}

void action_set_status(struct app *a, const char *status)
{
	set_status(a, status, NULL, NULL, 0);
}

/* ---- close: a reason, a comment, then a confirmation when checklist items are open ---- */

struct closing {
	const char *reason; /* one of triage_close_reasons */
	char *comment;
};

static void closing_free(void *data)
{
	struct closing *c = data;
	free(c->comment);
	free(c);
}

static void close_confirmed(struct app *a, int yes, void *data)
{
	struct closing *c = data;
	if (yes)
		set_status(a, "closed", c->reason, *c->comment ? c->comment : NULL, 1);
	else
		say(a, "cancelled");
	closing_free(c);
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

static void close_commented(struct app *a, const char *text, void *data)
{
	struct closing *c = data;
	c->comment = xstrdup(text);
	size_t open = open_items_of_targets(a);
	if (!open) {
		set_status(a, "closed", c->reason, *c->comment ? c->comment : NULL, 0);
		closing_free(c);
		return;
	}
	char q[160];
	snprintf(q, sizeof(q), "%zu checklist item%s still open. Close anyway? (y/n)", open,
	         open == 1 ? " is" : "s are");
	dialog_confirm(a, q, close_confirmed, c, closing_free);
}

static void close_reasoned(struct app *a, size_t choice, void *data)
{
	(void)data;
	struct closing *c = xcalloc(1, sizeof(*c));
	c->reason = triage_close_reasons[choice];
	dialog_prompt(a, "Comment (Enter for none):", NULL, close_commented, c, closing_free);
}

void action_close(struct app *a)
{
	size_t n = 0;
	while (triage_close_reasons[n])
		n++;
	dialog_choose(a, "Close: why?", triage_close_reasons, n, close_reasoned, NULL, NULL);
}

/* ---- export: a format from the table, then a path ---- */

struct exporting {
	enum export_format format;
};

static void export_to(struct app *a, const char *path, void *data)
{
	struct exporting *e = data;
	struct target_list t = targets(a);
	char err[300], note[300] = "";
	struct export_options o = {.before_us = 600 * TIME_US_PER_SEC,
	                           .after_us = 600 * TIME_US_PER_SEC,
	                           .note = note,
	                           .note_len = sizeof(note)};
	if (!export_path_fits(e->format, path))
		say(a, "%s needs a file name ending in %s", export_format_info(e->format)->name,
		    export_format_info(e->format)->suffix);
	else if (export_to_file(a->s, t.uuids, t.n, e->format, &o, path, 0, err, sizeof(err)))
		say(a, "export failed: %s", err);
	else if (note[0]) /* what the export left out, said where the analyst looks */
		say(a, "exported %zu alert%s to %s; %s", t.n, t.n == 1 ? "" : "s", path, note);
	else
		say(a, "exported %zu alert%s to %s", t.n, t.n == 1 ? "" : "s", path);
	targets_free(&t);
	free(e);
}

static void export_formatted(struct app *a, size_t choice, void *data)
{
	(void)data;
	struct exporting *e = xmalloc(sizeof(*e));
	e->format = (enum export_format)choice;
	struct target_list t = targets(a);
	struct strbuf path;
	strbuf_init(&path, 128);
	if (t.n > 1) /* one case of several alerts */
		strbuf_addf(&path, "./casebook-case-%zu-alerts.%s", t.n, export_format_info(e->format)->ext);
	else
		strbuf_addf(&path, "./casebook-%.12s.%s", t.n ? t.uuids[0] : "alerts",
		            export_format_info(e->format)->ext);
	targets_free(&t);
	dialog_prompt(a, "Write to:", path.buf, export_to, e, free);
	strbuf_release(&path);
}

void action_export(struct app *a)
{
	/* several alerts: the formats that make them one case say so */
	struct target_list t = targets(a);
	size_t n = export_format_count();
	char(*labels)[64] = xmalloc(n * sizeof(*labels));
	const char **names = xmalloc(n * sizeof(*names));
	for (size_t i = 0; i < n; i++) {
		snprintf(labels[i], sizeof(labels[i]), "%s%s", export_format_info((enum export_format)i)->name,
		         export_format_makes_case((enum export_format)i, t.n) ? " (one case)" : "");
		names[i] = labels[i];
	}
	char title[64];
	if (t.n > 1)
		snprintf(title, sizeof(title), "Export %zu alerts as", t.n);
	else
		snprintf(title, sizeof(title), "Export as");
	targets_free(&t);
	dialog_choose(a, title, names, n, export_formatted, NULL, NULL);
	free(names);
	free(labels);
}

/* ---- exception: the builder over the alert's own event (tui/exception_view.c) ---- */

void action_exception(struct app *a)
{
	if (!in_alert(a)) {
		const struct qrow *r = queue_selected(&a->q);
		if (!r)
			return;
		alert_open(a, r);
		if (!in_alert(a))
			return;
	}
	struct alertview *v = alert_of(a);
	const char *rule_id = v->fields[F_RULE_ID] ? v->fields[F_RULE_ID] : v->rec.rule_id;
	/* the first field an analyst would narrow on: the file, else the program */
	const char *first = v->fields[F_PATH] && *v->fields[F_PATH] ? "file.path" : "process.executable";
	exception_builder_from_doc(a, rule_id, v->rec.rule_name, v->rec.uuid, v->rec.event_doc, first);
}

/* "  keys  help", the help wrapped under itself (in the pager's text width). The keys
 * are padded to keys_w columns, not bytes: "j ↓" is three columns in five bytes. */
static void help_entry(struct strbuf *sb, const char *keys, const char *help, int keys_w)
{
	char **lines;
	int indent = 2 + keys_w + 1;
	int room = pager_text_width() - indent;
	size_t n = wrap_text(help, room > 20 ? room : 20, 0, &lines);
	for (size_t k = 0; k < n || k == 0; k++) {
		const char *key = k ? "" : keys;
		strbuf_addf(sb, "  %s%*s %s\n", key, keys_w - text_width(key), "", k < n ? lines[k] : "");
	}
	free_lines(lines, n);
}

void action_help(struct app *a)
{
	static const struct {
		unsigned ctx;
		const char *title;
	} groups[] = {{CTX_ALL, "Everywhere"},        {CTX_QUEUE, "Alert queue"},       {CTX_ALERT, "Alert view"},
	              {CTX_TIMELINE, "Timeline tab"}, {CTX_CHECKLIST, "Checklist tab"}, {CTX_RESPONSE, "Response tab"},
	              {CTX_NOTES, "Notes tab"},       {CTX_EVENTS, "Event browser"},    {CTX_FIELDS, "Field table"}};
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	unsigned shown = 0; /* the places the help lists */
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		shown |= groups[g].ctx;
	int keys_w = 0; /* one key column for the whole help: as wide as the widest keys it lists */
	for (int i = 1; i < ACT_COUNT; i++)
		if ((tui_actions[i].ctx & shown) && text_width(keymap_keys(i)) > keys_w)
			keys_w = text_width(keymap_keys(i));
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		strbuf_addf(&sb, "%s%s\n", g ? "\n" : "", groups[g].title);
		for (int i = 1; i < ACT_COUNT; i++) {
			unsigned c = tui_actions[i].ctx;
			/* an action shows once: under "Everywhere", or under each place it works */
			if ((c & groups[g].ctx) && (g == 0 || !(c & CTX_ALL)))
				help_entry(&sb, keymap_keys(i), tui_actions[i].help, keys_w);
		}
	}
	pager_open(a, "Help — q or Esc closes", sb.buf, 1);
	strbuf_release(&sb);
}
