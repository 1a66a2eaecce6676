/* The Guide tab: the rule's investigation guide, then casebook's own notes on the rule, set
 * apart so that nobody takes them for the rule author's. */
#include "tui/view.h"

static const struct hint hints[] = {{ACT_DOWN, ACT_UP, "/", "scroll"},
                                    {ACT_NEXT_TAB, 0, "", "next tab"},
                                    {ACT_HELP, 0, "", "help"},
                                    {ACT_BACK, 0, "", "back"}};

static void guide_text(struct app *a, struct text_out *o)
{
	struct alertview *v = alert_of(a);
	int w = alert_text_width();
	if (v->rule_meta) { /* the rule's [metadata], as detection-rules keeps it beside the rule */
		out_wrapped(o, "", v->rule_meta, w, A_DIM, 0);
		out_add(o, "", A_NORMAL);
	}
	out_guide(o, &v->guide, "", w);
	if (!v->guide.nblocks)
		out_add(o, "This rule has no investigation guide.", A_BOLD);
	if (v->rule_notes.nblocks) {
		out_add(o, "", A_NORMAL);
		out_add(o, "── casebook's notes on this rule (not the rule author's) ──", A_BOLD | A_REVERSE);
		out_guide(o, &v->rule_notes, "┃ ", w);
	}
}

const struct tab_ops tab_guide = {.name = "Guide",
                                  .draw = draw_text_tab,
                                  .text = guide_text,
                                  .hints = hints,
                                  .nhints = sizeof(hints) / sizeof(hints[0])};
