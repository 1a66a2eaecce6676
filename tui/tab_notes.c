/* The Notes tab: the analysts' notes, oldest first; a writes one. */
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/timeutil.h"
#include "store/triage.h"
#include "triage/record.h"
#include "tui/dialog.h"
#include "tui/view.h"

static const struct hint hints[] = {
    {ACT_ADD_NOTE, 0, "", "write a note"}, {ACT_HELP, 0, "", "help"}, {ACT_BACK, 0, "", "back"}};

/* The exceptions added to and removed from the alert's rule (audit entries): they decide what
 * the rule raises, so they are part of this alert's record. */
static void exceptions_text(const struct case_record *r, struct text_out *o)
{
	struct strbuf sb;
	strbuf_init(&sb, 256);
	for (size_t i = 0; i < r->naudit; i++) {
		const struct case_audit *e = &r->audit[i];
		int added = !strcmp(e->action, AUDIT_EXCEPTION_ADDED);
		if (!added && strcmp(e->action, AUDIT_EXCEPTION_REMOVED))
			continue;
		char t[TIME_ISO_LEN];
		time_format_iso8601(e->at_us, t);
		strbuf_addf(&sb, "%s%s by %s, %s:\n  %s\n", sb.len ? "\n" : "", added ? "Added" : "Removed", e->analyst,
		            t, added ? (e->after ? e->after : "") : (e->before ? e->before : ""));
	}
	if (sb.len) {
		out_add(o, "", A_NORMAL);
		out_add(o, "Exceptions of this rule (E adds one)", A_BOLD);
		out_wrapped(o, "", sb.buf, alert_text_width(), A_NORMAL, 1);
	}
	strbuf_release(&sb);
}

static void notes_text(struct app *a, struct text_out *o)
{
	const struct case_record *r = &alert_of(a)->rec;
	struct strbuf sb;
	strbuf_init(&sb, 256);
	for (size_t i = 0; i < r->nnotes; i++) {
		char t[TIME_ISO_LEN];
		time_format_iso8601(r->notes[i].at_us, t);
		strbuf_addf(&sb, "%s%s, %s:\n%s\n", sb.len ? "\n" : "", r->notes[i].by, t, r->notes[i].text);
	}
	if (!sb.len)
		out_add(o, "No notes yet: press a to write one.", A_NORMAL);
	else
		out_wrapped(o, "", sb.buf, alert_text_width(), A_NORMAL, 1);
	strbuf_release(&sb);
	exceptions_text(r, o);
}

/* The note is committed the moment the editor gives it: nothing typed is kept only in memory
 * once the analyst has saved. */
static int note_written(struct app *a, const char *text, void *data)
{
	(void)data;
	if (!*text) {
		say(a, "empty note not saved");
		return 0;
	}
	struct actor who = {.analyst = a->o.analyst, .at_us = a->o.clock()};
	struct alertview *v = alert_of(a);
	int rc = say_not_saved(a, triage_note(a->s, v->rec.id, v->rec.uuid, text, &who));
	if (rc == 0)
		say(a, "note saved");
	alert_reload_triage(a);
	return rc;
}

static int notes_request(struct app *a, enum tui_action act)
{
	if (act != ACT_ADD_NOTE)
		return 0;
	dialog_editor(a, "New note — Ctrl-D or F2 saves, Esc cancels", note_written, NULL, NULL);
	return 1;
}

const struct tab_ops tab_notes = {.name = "Notes",
                                  .ctx = CTX_NOTES,
                                  .draw = draw_text_tab,
                                  .text = notes_text,
                                  .request = notes_request,
                                  .hints = hints,
                                  .nhints = sizeof(hints) / sizeof(hints[0])};
