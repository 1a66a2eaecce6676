/* The field table: every field of an event, a row each (Kibana's flyout table, lnav's
 * pretty-print). Enter or + keeps only the events with that value, - drops them: the choice
 * becomes a KQL clause added to the filter of the view it came from (timeline or browser). */
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/esql_search.h"
#include "detect/field.h"
#include "tui/draw.h"
#include "tui/exception_view.h"
#include "tui/view.h"

#define KEY_ESC 27

static void fields_close(struct app *a)
{
	for (size_t i = 0; i < a->nfields; i++)
		free(a->field_names[i]), free(a->field_values[i]);
	free(a->field_names);
	free(a->field_values);
	a->field_names = a->field_values = NULL;
	a->nfields = a->field_sel = a->field_top = 0;
}

void fields_open(struct app *a, const char *doc, size_t len, int (*pivot_to)(struct app *a, const char *kql))
{
	fields_close(a);
	a->pivot_to = pivot_to;
	a->nfields = json_leaves(doc, len, &a->field_names, &a->field_values);
	if (!a->nfields) {
		say(a, "the event's document could not be read");
		return;
	}
	view_push(a, &fields_view);
}

/* A KQL value as a quoted phrase: only " and \ need escaping there. */
static void kql_quote(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_addch(sb, '\\');
		strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, '"');
}

/* The selected field as a clause of the timeline's filter, kept (keep) or dropped. */
static void pivot(struct app *a, int keep)
{
	const char *name = a->field_names[a->field_sel], *value = a->field_values[a->field_sel];
	struct strbuf kql;
	strbuf_init(&kql, 128);
	const char *old = a->pivot_to == timeline_filter ? a->av.tl_kql_text : a->events_kql;
	if (old && esql_search_is_esql(old)) { /* an ES|QL filter narrows with a WHERE of its own */
		strbuf_addf(&kql, "%s | WHERE %s`", old, keep ? "" : "NOT ");
		for (const char *c = name; *c; c++) /* a backquote in a quoted name is doubled */
			strbuf_addstr(&kql, *c == '`' ? "``" : (char[]){*c, 0});
		strbuf_addstr(&kql, "` : ");
		kql_quote(&kql, value);
	} else {
		if (old)
			strbuf_addf(&kql, "(%s) and ", old);
		strbuf_addf(&kql, "%s%s:", keep ? "" : "not ", name);
		kql_quote(&kql, value);
	}
	int (*narrow)(struct app *, const char *) = a->pivot_to;
	view_pop(a); /* back to the timeline or the browser, narrowed */
	narrow(a, kql.buf);
	strbuf_release(&kql);
}

static int fields_key(struct app *a, int key)
{
	size_t n = a->nfields, page = (size_t)(LINES - 3);
	if (key == 'q' || key == KEY_ESC)
		view_pop(a);
	else if ((key == 'j' || key == KEY_DOWN) && a->field_sel + 1 < n)
		a->field_sel++;
	else if ((key == 'k' || key == KEY_UP) && a->field_sel)
		a->field_sel--;
	else if (key == 'g' || key == KEY_HOME)
		a->field_sel = 0;
	else if (key == 'G' || key == KEY_END)
		a->field_sel = n - 1;
	else if (key == KEY_NPAGE)
		a->field_sel = a->field_sel + page < n ? a->field_sel + page : n - 1;
	else if (key == KEY_PPAGE)
		a->field_sel = a->field_sel > page ? a->field_sel - page : 0;
	else if (key == '\n' || key == '\r' || key == KEY_ENTER || key == '+')
		pivot(a, 1);
	else if (key == '-')
		pivot(a, 0);
	else if (key == 'E' && in_alert(a)) /* an exception made from this event's fields */
		exception_builder_open(a, a->av.fields[F_RULE_ID] ? a->av.fields[F_RULE_ID] : a->av.rec.rule_id,
		                       a->av.rec.rule_name, a->av.rec.uuid, a->field_names, a->field_values, a->nfields,
		                       a->field_names[a->field_sel]);
	return 1;
}

static void fields_draw(struct app *a)
{
	ui_bar(a, 0, "Event fields — Enter keeps events with this value, - drops them, q closes", "");
	int height = LINES - 2, name_w = COLS / 3 > 40 ? 40 : COLS / 3;
	if (a->field_sel < a->field_top)
		a->field_top = a->field_sel;
	if (a->field_sel >= a->field_top + (size_t)height)
		a->field_top = a->field_sel - (size_t)height + 1;
	for (int r = 0; r < height; r++) {
		size_t k = a->field_top + (size_t)r;
		move(1 + r, 0);
		clrtoeol();
		if (k >= a->nfields)
			continue;
		attr_t at = k == a->field_sel ? A_REVERSE : A_NORMAL;
		ui_cell(1 + r, 0, name_w + 1, a->field_names[k], at | A_BOLD);
		draw_text(1 + r, name_w + 1, COLS - name_w - 1, a->field_values[k], at, 1);
	}
	draw_text(LINES - 1, 0, COLS, "j/k move  Enter or + keep  - drop  E exception  q close", A_NORMAL, 1);
}

const struct view_ops fields_view = {.name = "fields", .draw = fields_draw, .key = fields_key, .close = fields_close};
