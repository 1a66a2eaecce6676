/* The Checklist and Response tabs: the triage checklist (Space checks an item) and the
 * response steps (d, s, n, p set a step's state; w walks through the pending ones). Each
 * action is committed the moment it is made, through triage/record.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/timeutil.h"
#include "common/vocab.h"
#include "triage/record.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/view.h"

static const struct hint check_hints[] = {{ACT_TOGGLE, 0, "", "check"},
                                          {ACT_ITEM_NOTE, 0, "", "note"},
                                          {ACT_CLOSE, 0, "", "close"},
                                          {ACT_HELP, 0, "", "help"},
                                          {ACT_BACK, 0, "", "back"}};
static const struct hint response_hints[] = {{ACT_DONE, 0, "", "done"},          {ACT_SKIP, 0, "", "skipped"},
                                             {ACT_NOT_APPLICABLE, 0, "", "n/a"}, {ACT_PENDING, 0, "", "pending"},
                                             {ACT_WALK, 0, "", "walk"},          {ACT_ITEM_NOTE, 0, "", "note"},
                                             {ACT_HELP, 0, "", "help"},          {ACT_BACK, 0, "", "back"}};

static const char *kind_of(enum tab t)
{
	return t == TAB_checklist ? "check" : "response";
}

static size_t items_length(struct app *a)
{
	struct rows r = items_of(alert_of(a), kind_of(alert_of(a)->tab));
	size_t n = r.n;
	rows_free(&r);
	return n;
}

/* An item's lines: its text, then who did what and when. */
static void item_lines(struct text_out *o, const struct case_item *it, enum tab tab, int w, attr_t at)
{
	char prefix[40];
	if (tab == TAB_checklist)
		snprintf(prefix, sizeof(prefix), "[%s] %2d. ", item_state_from(it->state) == STATE_CHECKED ? "x" : " ",
		         it->position);
	else
		snprintf(prefix, sizeof(prefix), "%-8s %2d. ", it->state, it->position);
	out_wrapped(o, prefix, it->text, w, at, 0);
	if (it->by) {
		char t[TIME_ISO_LEN];
		struct strbuf who;
		strbuf_init(&who, 128);
		time_format_iso8601(it->at_us, t);
		strbuf_addf(&who, "— %s, %.19s%s%s", it->by, t, it->note ? ": " : "", it->note ? it->note : "");
		out_wrapped(o, "         ", who.buf, w, A_DIM, 0);
		strbuf_release(&who);
	}
}

/* Keeps the selected item on screen: items take several lines. */
static void keep_selected_visible(struct alertview *v, const struct rows *shown, enum tab tab, int w, int height)
{
	size_t *top = &v->top[tab], sel = v->sel[tab];
	if (sel < *top)
		*top = sel;
	for (;;) {
		int lines = 0;
		for (size_t k = *top; k <= sel && k < shown->n; k++) {
			const struct case_item *it = &v->rec.items[shown->at[k]];
			char **l;
			size_t m = wrap_text(it->text, w - 12, 0, &l);
			free_lines(l, m);
			lines += (int)m + (it->by ? 1 : 0);
		}
		if (lines <= height || *top >= sel)
			break;
		(*top)++;
	}
}

static void items_draw(struct app *a)
{
	struct alertview *v = alert_of(a);
	enum tab tab = v->tab;
	struct rows shown = items_of(v, kind_of(tab));
	struct region body = layout_body(HEAD_ALERT);
	int w = alert_text_width(), height = body.height, y = body.top, end = body.top + height;
	keep_selected_visible(v, &shown, tab, w, height);
	for (size_t k = v->top[tab]; k < shown.n && y < end; k++) {
		struct text_out o = {0};
		item_lines(&o, &v->rec.items[shown.at[k]], tab, w, k == v->sel[tab] ? A_REVERSE : A_NORMAL);
		for (size_t i = 0; i < o.n && y < end; i++, y++) {
			move(y, 0);
			clrtoeol();
			draw_text(y, 1, w, o.lines[i], o.attrs[i], 1);
		}
		out_free(&o);
	}
	for (; y < end; y++) {
		move(y, 0);
		clrtoeol();
	}
	rows_free(&shown);
}

/* An action's outcome on the status line, then the record again. */
static void record_result(struct app *a, int rc, const char *done)
{
	if (rc == TRIAGE_OK)
		say(a, "%s", done);
	say_not_saved(a, rc);
	alert_reload_triage(a);
}

/* The first pending response step's position in the list, or SIZE_MAX. */
static size_t first_pending(const struct alertview *v)
{
	struct rows r = items_of(v, "response");
	size_t i;
	for (i = 0; i < r.n && item_state_from(v->rec.items[r.at[i]].state) != STATE_PENDING; i++)
		;
	size_t n = r.n;
	rows_free(&r);
	return i < n ? i : SIZE_MAX;
}

static void toggle_check(struct app *a)
{
	struct case_item *it = current_item(a, "check");
	if (!it)
		return;
	struct alertview *v = alert_of(a);
	struct actor who = {.analyst = a->o.analyst, .at_us = a->o.clock()};
	int undo = item_state_from(it->state) == STATE_CHECKED, pos = it->position;
	char done[64];
	snprintf(done, sizeof(done), "checklist item %d %s", pos, undo ? "unchecked" : "checked");
	record_result(a, triage_check(a->s, v->rec.id, v->rec.uuid, pos, undo, NULL, &who), done);
}

static void set_response(struct app *a, const char *state)
{
	struct case_item *it = current_item(a, "response");
	if (!it)
		return;
	struct alertview *v = alert_of(a);
	struct actor who = {.analyst = a->o.analyst, .at_us = a->o.clock()};
	char done[80];
	int pos = it->position;
	snprintf(done, sizeof(done), "response step %d: %s", pos, state);
	record_result(a, triage_respond(a->s, v->rec.id, v->rec.uuid, pos, state, NULL, &who), done);
	if (!v->walk)
		return;
	size_t i = first_pending(v); /* walk-through: on to the next pending step */
	if (i != SIZE_MAX) {
		v->sel[TAB_response] = i;
	} else {
		v->walk = 0;
		say(a, "walk-through done: no pending steps left");
	}
}

static void start_walk(struct app *a)
{
	size_t i = first_pending(alert_of(a));
	if (i == SIZE_MAX) {
		say(a, "no pending response steps");
		return;
	}
	alert_of(a)->walk = 1;
	alert_of(a)->sel[TAB_response] = i;
	say(a, "walk-through: d done, s skipped, n not applicable, q stops");
}

/* The item a note is for, by its position: the list may change while the prompt is open. */
struct item_note {
	enum tab tab;
	int position;
};

static void item_note_done(struct app *a, const char *text, void *data)
{
	struct item_note *n = data;
	struct alertview *v = alert_of(a);
	const struct case_item *it = NULL;
	for (size_t i = 0; i < v->rec.nitems && !it; i++)
		if (!strcmp(v->rec.items[i].kind, kind_of(n->tab)) && v->rec.items[i].position == n->position)
			it = &v->rec.items[i];
	if (it && *text) {
		struct actor who = {.analyst = a->o.analyst, .at_us = a->o.clock()};
		char *state = xstrdup(it->state);
		int rc = n->tab == TAB_checklist
		             ? triage_check(a->s, v->rec.id, v->rec.uuid, n->position,
		                            item_state_from(state) == STATE_OPEN, text, &who)
		             : triage_respond(a->s, v->rec.id, v->rec.uuid, n->position, state, text, &who);
		free(state);
		record_result(a, rc, "note attached");
	}
	free(n);
}

static void start_item_note(struct app *a)
{
	const struct case_item *it = current_item(a, kind_of(alert_of(a)->tab));
	if (!it)
		return;
	struct item_note *n = xmalloc(sizeof(*n));
	*n = (struct item_note){alert_of(a)->tab, it->position};
	dialog_prompt(a, "Note for this item:", NULL, item_note_done, n, free);
}

static int checklist_request(struct app *a, enum tui_action act)
{
	switch (act) {
	case ACT_TOGGLE: toggle_check(a); return 1;
	case ACT_ITEM_NOTE: start_item_note(a); return 1;
	default: return 0;
	}
}

static int response_request(struct app *a, enum tui_action act)
{
	switch (act) {
	case ACT_DONE: set_response(a, "done"); return 1;
	case ACT_SKIP: set_response(a, "skipped"); return 1;
	case ACT_NOT_APPLICABLE: set_response(a, "na"); return 1;
	case ACT_PENDING: set_response(a, "pending"); return 1;
	case ACT_WALK: start_walk(a); return 1;
	case ACT_ITEM_NOTE: start_item_note(a); return 1;
	default: return 0;
	}
}

const struct tab_ops tab_checklist = {.name = "Checklist",
                                      .ctx = CTX_CHECKLIST,
                                      .draw = items_draw,
                                      .request = checklist_request,
                                      .length = items_length,
                                      .hints = check_hints,
                                      .nhints = sizeof(check_hints) / sizeof(check_hints[0])};

const struct tab_ops tab_response = {.name = "Response",
                                     .ctx = CTX_RESPONSE,
                                     .draw = items_draw,
                                     .request = response_request,
                                     .length = items_length,
                                     .hints = response_hints,
                                     .nhints = sizeof(response_hints) / sizeof(response_hints[0])};
