/* keymap: the console's one action table. Each action has its keys, the place it works and
 * its help text; the key handler, the ? screen and docs/CONSOLE.md all come from it (a test
 * checks the document against the table). */
#ifndef CASEBOOK_KEYMAP_H
#define CASEBOOK_KEYMAP_H

#include <curses.h>
#include <stddef.h>

/* where an action works */
enum tui_ctx {
	CTX_ALL = 1 << 0,
	CTX_QUEUE = 1 << 1,
	CTX_ALERT = 1 << 2, /* any tab of the alert view */
	CTX_TIMELINE = 1 << 3,
	CTX_CHECKLIST = 1 << 4,
	CTX_RESPONSE = 1 << 5,
	CTX_NOTES = 1 << 6,
	CTX_EVENTS = 1 << 7,     /* the event browser */
	CTX_FIELDS = 1 << 8,     /* an event's field table */
	CTX_WALK = 1 << 9,       /* the alert view while walking through the pending response steps */
	CTX_JSON = 1 << 10,      /* an event's JSON */
	CTX_PAGER = 1 << 11,     /* the pager: the help, a process's events */
	CTX_TREE = 1 << 12,      /* the process tree */
	CTX_EXCEPTION = 1 << 13, /* the exception builder */
	CTX_LIST = CTX_QUEUE | CTX_TIMELINE | CTX_CHECKLIST | CTX_RESPONSE,
	/* where a key leaves the status line's message as it is (elsewhere a key clears it): the
	 * builder's messages (no condition yet, not added) stay while the analyst edits */
	CTX_KEEPS_MESSAGE = CTX_EXCEPTION,
};

/* Keys: a character, KEY_CTRL('d'), KEY_ESC or an ncurses KEY_ code. */
#define KEY_ESC     27
#define KEY_CTRL(c) ((c)&0x1f)
/* clang-format off */
#define KEYS(...) {__VA_ARGS__}
/* clang-format on */

/* X(name, its keys, context, help). The first key is the one a hint shows; ? and
 * docs/CONSOLE.md show them all, but the second and third of Enter (\r, KEY_ENTER). */
#define TUI_ACTIONS(X)                                                                                                 \
	X(DOWN, KEYS('j', KEY_DOWN), CTX_ALL, "next row (or scroll down)")                                             \
	X(UP, KEYS('k', KEY_UP), CTX_ALL, "previous row (or scroll up)")                                               \
	X(FIRST, KEYS('g', KEY_HOME), CTX_ALL, "first row")                                                            \
	X(LAST, KEYS('G', KEY_END), CTX_ALL, "last row")                                                               \
	X(PAGE_DOWN, KEYS(KEY_NPAGE), CTX_ALL, "next page")                                                            \
	X(PAGE_UP, KEYS(KEY_PPAGE), CTX_ALL, "previous page")                                                          \
	X(HALF_DOWN, KEYS(KEY_CTRL('d')), CTX_ALL, "half a page down")                                                 \
	X(HALF_UP, KEYS(KEY_CTRL('u')), CTX_ALL, "half a page up")                                                     \
	X(OPEN, KEYS('\n', '\r', KEY_ENTER), CTX_QUEUE | CTX_TIMELINE | CTX_EVENTS,                                    \
	  "open the alert (a host's row: show or hide its alerts); in the timeline and the browser, the event's JSON") \
	X(BACK, KEYS('q', KEY_ESC), CTX_ALL, "back; quits from the queue (Esc does not)")                              \
	X(QUIT, KEYS('Q', KEY_CTRL('c')), CTX_ALL, "quit")                                                             \
	X(HELP, KEYS('?'), CTX_ALL, "this help")                                                                       \
	X(REDRAW, KEYS(KEY_CTRL('l')), CTX_ALL, "redraw the screen")                                                   \
	X(RELOAD, KEYS('R'), CTX_ALL, "reload from the database")                                                      \
	X(LOCAL_TIME, KEYS('t'), CTX_ALL, "show times in UTC or in the local zone (TZ), labelled")                     \
	X(SEARCH, KEYS('/'), CTX_QUEUE | CTX_ALERT | CTX_EVENTS | CTX_FIELDS | CTX_JSON | CTX_TREE,                    \
	  "search the rows, or the tab's text")                                                                        \
	X(SEARCH_NEXT, KEYS('n'), CTX_QUEUE | CTX_ALERT | CTX_EVENTS | CTX_FIELDS | CTX_JSON | CTX_TREE, "next match") \
	X(SEARCH_PREV, KEYS('N'), CTX_QUEUE | CTX_ALERT | CTX_EVENTS | CTX_FIELDS | CTX_JSON | CTX_TREE,               \
	  "previous match")                                                                                            \
	X(KQL_FILTER, KEYS('\\'), CTX_QUEUE, "filter the alerts by a KQL query (empty: none)")                         \
	X(SORT, KEYS('s'), CTX_QUEUE, "sort by time (newest first), severity (highest first) or host")                 \
	X(REVERSE, KEYS('S'), CTX_QUEUE, "reverse the order: oldest first, lowest severity first, hosts Z-A")          \
	X(STATUS_FILTER, KEYS('f'), CTX_QUEUE, "show open, acknowledged, closed or all alerts")                        \
	X(GROUP, KEYS('H'), CTX_QUEUE, "group by host: a row per host with its alerts counted by severity")            \
	X(BUILDING_BLOCKS, KEYS('b'), CTX_QUEUE, "show or hide building-block alerts (hidden, as in Kibana)")          \
	X(MARK, KEYS(' ', 'm'), CTX_QUEUE,                                                                             \
	  "mark the alert (a host's row: its alerts) for a bulk action or one export")                                 \
	X(MARK_LIKE, KEYS('M'), CTX_QUEUE,                                                                             \
	  "mark the alerts of its rule, on its host, or all shown; or clear the marks")                                \
	X(EVENTS, KEYS('v'), CTX_QUEUE, "browse the case's events (\\ filters them by KQL or a FROM query)")           \
	X(ACK, KEYS('A'), CTX_QUEUE | CTX_ALERT,                                                                       \
	  "acknowledge (the marked alerts, a host's row's alerts, or this one)")                                       \
	X(CLOSE, KEYS('C'), CTX_QUEUE | CTX_ALERT, "close: asks the reason and a comment")                             \
	X(REOPEN, KEYS('O'), CTX_QUEUE | CTX_ALERT, "reopen")                                                          \
	X(EXPORT, KEYS('x'), CTX_QUEUE | CTX_ALERT,                                                                    \
	  "export the triage record; the marked alerts as one case (asks format, path)")                               \
	X(EXCEPTION, KEYS('E'), CTX_QUEUE | CTX_ALERT | CTX_FIELDS,                                                    \
	  "exception builder: conditions on any field of the event, preview, save")                                    \
	X(TREE, KEYS('T'), CTX_ALERT | CTX_EVENTS,                                                                     \
	  "the process tree: of the alert's event; in the timeline or the browser, of the selected one")               \
	X(RELATED, KEYS('r'), CTX_ALERT, "open a building block or related alert the Overview lists")                  \
	X(NEXT_TAB, KEYS('\t', KEY_RIGHT), CTX_ALERT, "next tab")                                                      \
	X(PREV_TAB, KEYS(KEY_BTAB, KEY_LEFT), CTX_ALERT, "previous tab")                                               \
	X(NEXT_ALERT, KEYS('J'), CTX_ALERT, "the next alert of the queue")                                             \
	X(PREV_ALERT, KEYS('K'), CTX_ALERT, "the previous alert of the queue")                                         \
	X(TAB1, KEYS('1'), CTX_ALERT, "Overview")                                                                      \
	X(TAB2, KEYS('2'), CTX_ALERT, "Guide")                                                                         \
	X(TAB3, KEYS('3'), CTX_ALERT, "Timeline")                                                                      \
	X(TAB4, KEYS('4'), CTX_ALERT, "Checklist")                                                                     \
	X(TAB5, KEYS('5'), CTX_ALERT, "Response")                                                                      \
	X(TAB6, KEYS('6'), CTX_ALERT, "Notes")                                                                         \
	X(WIDEN, KEYS('+'), CTX_TIMELINE, "widen the window (double it)")                                              \
	X(NARROW, KEYS('-'), CTX_TIMELINE, "narrow the window (halve it)")                                             \
	X(EARLIER, KEYS('['), CTX_TIMELINE, "page back in time")                                                       \
	X(WINDOW, KEYS('W'), CTX_TIMELINE, "set the window's start and end (two ISO 8601 times)")                      \
	X(LATER, KEYS(']'), CTX_TIMELINE, "page forward in time")                                                      \
	X(PIVOT_PROCESS, KEYS('p'), CTX_TIMELINE, "only the selected row's process (process.entity_id); again: all")   \
	X(PIVOT_USER, KEYS('u'), CTX_TIMELINE, "only the selected row's user; again: all")                             \
	X(PIVOT_FILE, KEYS('F'), CTX_TIMELINE, "the selected row's file path on every host; again: back")              \
	X(CATEGORY, KEYS('c'), CTX_TIMELINE, "filter by category: file, process, network, all")                        \
	X(TIMELINE_KQL, KEYS('\\'), CTX_TIMELINE, "filter the timeline by a KQL query (empty: none)")                  \
	X(FIELDS, KEYS('i'), CTX_TIMELINE | CTX_EVENTS,                                                                \
	  "the selected event's fields: Enter keeps events with a value, - drops them")                                \
	X(EVENTS_FILTER, KEYS('\\'), CTX_EVENTS,                                                                       \
	  "filter the events by KQL or a FROM query (empty: all); a bad query comes back to be fixed")                 \
	X(SORT_COLUMN, KEYS('s'), CTX_EVENTS | CTX_FIELDS,                                                             \
	  "sort by the next column: time, host, event, process, detail (fields: as read, name, value)")                \
	X(SORT_ORDER, KEYS('S'), CTX_EVENTS | CTX_FIELDS, "reverse the sort: descending, then ascending again")        \
	X(KEEP_VALUE, KEYS('\n', '\r', KEY_ENTER, '+'), CTX_FIELDS,                                                    \
	  "keep only the events with this value (a clause added to the filter)")                                       \
	X(DROP_VALUE, KEYS('-'), CTX_FIELDS, "drop the events with this value")                                        \
	X(TOGGLE, KEYS(' '), CTX_CHECKLIST, "check or uncheck the item")                                               \
	X(ITEM_NOTE, KEYS('e'), CTX_CHECKLIST | CTX_RESPONSE, "attach a note to the item")                             \
	X(DONE, KEYS('d'), CTX_RESPONSE, "mark the step done")                                                         \
	X(SKIP, KEYS('s'), CTX_RESPONSE, "mark the step skipped")                                                      \
	X(NOT_APPLICABLE, KEYS('n'), CTX_RESPONSE, "mark the step not applicable")                                     \
	X(PENDING, KEYS('p'), CTX_RESPONSE, "mark the step pending again")                                             \
	X(WALK, KEYS('w'), CTX_RESPONSE, "walk through the pending steps one at a time")                               \
	X(END_WALK, KEYS('q'), CTX_WALK, "while walking through the steps: stop (on any tab)")                         \
	X(ADD_NOTE, KEYS('a'), CTX_NOTES, "write a note: $EDITOR if set, else here (Ctrl-D or F2 saves, Esc cancels)") \
	X(FOLD, KEYS('\n', '\r', KEY_ENTER, ' '), CTX_JSON, "fold or unfold the object or array")                      \
	X(FOLD_ALL, KEYS('-'), CTX_JSON, "fold every object and array but the outermost")                              \
	X(UNFOLD_ALL, KEYS('+'), CTX_JSON, "unfold them all")                                                          \
	X(PAGER_NEXT, KEYS(' ', KEY_CTRL('f')), CTX_PAGER, "next page, as in less")                                    \
	X(PAGER_PREV, KEYS(KEY_CTRL('b')), CTX_PAGER, "previous page, as in less")                                     \
	X(TREE_FOLD, KEYS('\n', '\r', KEY_ENTER, ' '), CTX_TREE, "fold or unfold the process's descendants")           \
	X(TREE_RIGHT, KEYS('l', KEY_RIGHT), CTX_TREE, "unfold; on an unfolded process, its first child")               \
	X(TREE_LEFT, KEYS('h', KEY_LEFT), CTX_TREE, "fold; on a folded process or a leaf, its parent")                 \
	X(TREE_UNFOLD_ALL, KEYS('+'), CTX_TREE, "unfold every process")                                                \
	X(TREE_FOLD_ALL, KEYS('-'), CTX_TREE, "fold all but the ancestors")                                            \
	X(TREE_START, KEYS('a'), CTX_TREE, "back to the process the tree was opened on")                               \
	X(TREE_EVENTS, KEYS('e'), CTX_TREE, "the selected process's events and alerts, in full")                       \
	X(TREE_TIMELINE, KEYS('p'), CTX_TREE, "the alert's timeline, only this process's events (the timeline's p)")   \
	X(TREE_HERE, KEYS('T'), CTX_TREE, "the tree around the selected process")                                      \
	X(CONDITION, KEYS(' ', 'x'), CTX_EXCEPTION, "make the field a condition, or not")                              \
	X(OPERATOR, KEYS('o'), CTX_EXCEPTION,                                                                          \
	  "the next operator: is, is not, is one of, is not one of, exists, does not exist, matches, does not match")  \
	X(VALUE, KEYS('e'), CTX_EXCEPTION, "edit the value (is one of: values separated by \", \")")                   \
	X(PREVIEW, KEYS('\n', '\r', KEY_ENTER, 'p'), CTX_EXCEPTION,                                                    \
	  "preview what the exception would suppress, then save it (asked twice when broad)")

enum tui_action {
	ACT_NONE = 0,
#define X(name, keys, ctx, help) ACT_##name,
	TUI_ACTIONS(X)
#undef X
	    ACT_COUNT,
	ACT_IDLE, /* a key that does nothing where it is pressed (keymap_idle): not even clear the message */
};

#define KEYMAP_MAX_KEYS 5

struct tui_action_info {
	const char *name, *help;
	unsigned ctx;
	int keys[KEYMAP_MAX_KEYS]; /* its key codes, 0 after the last */
};

extern const struct tui_action_info tui_actions[ACT_COUNT];

/* The action key (an ncurses key code or character) means in context ctx (CTX_ bits);
 * ACT_NONE for none, ACT_IDLE for a key of the table that does nothing there. */
enum tui_action keymap_lookup(int key, unsigned ctx);
/* The action's keys as ? and docs/CONSOLE.md show them ("j ↓", "Shift-Tab ←"). */
const char *keymap_keys(enum tui_action act);
/* Its first key's name ("j", "Shift-Tab"): the one a status-line hint shows. */
const char *keymap_first_key(enum tui_action act);
/* The name of its key n as shown (0 the first), or "" past the last. */
void keymap_key_name(enum tui_action act, int n, char *out, size_t len);

#endif
