#include "tui/keymap.h"

#include <curses.h>

const struct tui_action_info tui_actions[ACT_COUNT] = {[ACT_NONE] = {"none", "", "", 0},
#define X(name, k, c, h) [ACT_##name] = {#name, k, h, c},
                                                       TUI_ACTIONS(X)
#undef X
};

#define CTRL(c) ((c)&0x1f)

/* The keys of each action; the context comes from the action table. */
static const struct binding {
	int key;
	enum tui_action action;
} bindings[] = {
    {'j', ACT_DOWN},
    {KEY_DOWN, ACT_DOWN},
    {'k', ACT_UP},
    {KEY_UP, ACT_UP},
    {'g', ACT_FIRST},
    {KEY_HOME, ACT_FIRST},
    {'G', ACT_LAST},
    {KEY_END, ACT_LAST},
    {KEY_NPAGE, ACT_PAGE_DOWN},
    {KEY_PPAGE, ACT_PAGE_UP},
    {CTRL('d'), ACT_HALF_DOWN},
    {CTRL('u'), ACT_HALF_UP},
    {'\n', ACT_OPEN},
    {'\r', ACT_OPEN},
    {KEY_ENTER, ACT_OPEN},
    {'q', ACT_BACK},
    {'Q', ACT_QUIT},
    {CTRL('c'), ACT_QUIT},
    {27, ACT_BACK},
    {'?', ACT_HELP},
    {CTRL('l'), ACT_REDRAW},
    {'R', ACT_RELOAD},
    {'t', ACT_LOCAL_TIME},
    {'/', ACT_SEARCH},
    {'n', ACT_SEARCH_NEXT},
    {'N', ACT_SEARCH_PREV},
    {'\\', ACT_KQL_FILTER},
    {'s', ACT_SORT},
    {'S', ACT_REVERSE},
    {'f', ACT_STATUS_FILTER},
    {'H', ACT_GROUP},
    {'b', ACT_BUILDING_BLOCKS},
    {' ', ACT_MARK},
    {'m', ACT_MARK},
    {'M', ACT_MARK_LIKE},
    {'v', ACT_EVENTS},
    {'A', ACT_ACK},
    {'C', ACT_CLOSE},
    {'O', ACT_REOPEN},
    {'x', ACT_EXPORT},
    {'E', ACT_EXCEPTION},
    {'T', ACT_TREE},
    {'r', ACT_RELATED},
    {'\t', ACT_NEXT_TAB},
    {KEY_BTAB, ACT_PREV_TAB},
    {KEY_RIGHT, ACT_NEXT_TAB},
    {KEY_LEFT, ACT_PREV_TAB},
    {'J', ACT_NEXT_ALERT},
    {'K', ACT_PREV_ALERT},
    {'1', ACT_TAB1},
    {'2', ACT_TAB2},
    {'3', ACT_TAB3},
    {'4', ACT_TAB4},
    {'5', ACT_TAB5},
    {'6', ACT_TAB6},
    {'+', ACT_WIDEN},
    {'-', ACT_NARROW},
    {'[', ACT_EARLIER},
    {'W', ACT_WINDOW},
    {']', ACT_LATER},
    {'p', ACT_PIVOT_PROCESS},
    {'u', ACT_PIVOT_USER},
    {'F', ACT_PIVOT_FILE},
    {'c', ACT_CATEGORY},
    {'\\', ACT_TIMELINE_KQL},
    {'i', ACT_FIELDS},
    {'\\', ACT_EVENTS_FILTER},
    {'s', ACT_SORT_COLUMN},
    {'S', ACT_SORT_ORDER},
    {'\n', ACT_KEEP_VALUE},
    {'\r', ACT_KEEP_VALUE},
    {KEY_ENTER, ACT_KEEP_VALUE},
    {'+', ACT_KEEP_VALUE},
    {'-', ACT_DROP_VALUE},
    {' ', ACT_TOGGLE},
    {'e', ACT_ITEM_NOTE},
    {'d', ACT_DONE},
    {'s', ACT_SKIP},
    {'n', ACT_NOT_APPLICABLE},
    {'p', ACT_PENDING},
    {'w', ACT_WALK},
    {'a', ACT_ADD_NOTE},
};

enum tui_action keymap_lookup(int key, unsigned ctx)
{
	/* the most specific context wins: a tab's own keys before the alert view's, before all */
	enum tui_action best = ACT_NONE;
	int best_rank = 0;
	for (size_t i = 0; i < sizeof(bindings) / sizeof(bindings[0]); i++) {
		if (bindings[i].key != key)
			continue;
		unsigned c = tui_actions[bindings[i].action].ctx;
		int rank = (c & ctx & ~(unsigned)(CTX_ALL | CTX_ALERT)) ? 3
		           : (c & ctx & CTX_ALERT)                      ? 2
		           : (c & CTX_ALL)                              ? 1
		                                                        : 0;
		if (rank > best_rank) {
			best = bindings[i].action;
			best_rank = rank;
		}
	}
	return best;
}
