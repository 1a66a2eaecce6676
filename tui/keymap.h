/* keymap: the console's one action table. Each action has its keys, the place it works and
 * its help text; the key handler, the ? screen and docs/CONSOLE.md all come from it (a test
 * checks the document against the table). */
#ifndef CASEBOOK_KEYMAP_H
#define CASEBOOK_KEYMAP_H

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
	CTX_EVENTS = 1 << 7, /* the event browser */
	CTX_FIELDS = 1 << 8, /* an event's field table */
	CTX_LIST = CTX_QUEUE | CTX_TIMELINE | CTX_CHECKLIST | CTX_RESPONSE,
};

/* X(name, keys as shown, context, help) */
#define TUI_ACTIONS(X)                                                                                                 \
	X(DOWN, "j ↓", CTX_ALL, "next row (or scroll down)")                                                           \
	X(UP, "k ↑", CTX_ALL, "previous row (or scroll up)")                                                           \
	X(FIRST, "g Home", CTX_ALL, "first row")                                                                       \
	X(LAST, "G End", CTX_ALL, "last row")                                                                          \
	X(PAGE_DOWN, "PgDn", CTX_ALL, "next page")                                                                     \
	X(PAGE_UP, "PgUp", CTX_ALL, "previous page")                                                                   \
	X(HALF_DOWN, "Ctrl-D", CTX_ALL, "half a page down")                                                            \
	X(HALF_UP, "Ctrl-U", CTX_ALL, "half a page up")                                                                \
	X(OPEN, "Enter", CTX_QUEUE | CTX_TIMELINE | CTX_EVENTS,                                                        \
	  "open the alert (a host's row: show or hide its alerts); in the timeline and the browser, the event's JSON") \
	X(BACK, "q Esc", CTX_ALL, "back; quits from the queue (Esc does not)")                                         \
	X(QUIT, "Q Ctrl-C", CTX_ALL, "quit")                                                                           \
	X(HELP, "?", CTX_ALL, "this help")                                                                             \
	X(REDRAW, "Ctrl-L", CTX_ALL, "redraw the screen")                                                              \
	X(RELOAD, "R", CTX_ALL, "reload from the database")                                                            \
	X(LOCAL_TIME, "t", CTX_ALL, "show times in UTC or in the local zone (TZ), labelled")                           \
	X(SEARCH, "/", CTX_QUEUE | CTX_ALERT | CTX_EVENTS | CTX_FIELDS, "search the rows, or the tab's text")          \
	X(SEARCH_NEXT, "n", CTX_QUEUE | CTX_ALERT | CTX_EVENTS | CTX_FIELDS, "next match")                             \
	X(SEARCH_PREV, "N", CTX_QUEUE | CTX_ALERT | CTX_EVENTS | CTX_FIELDS, "previous match")                         \
	X(KQL_FILTER, "\\", CTX_QUEUE, "filter the alerts by a KQL query (empty: none)")                               \
	X(SORT, "s", CTX_QUEUE, "sort by time (newest first), severity (highest first) or host")                       \
	X(REVERSE, "S", CTX_QUEUE, "reverse the order: oldest first, lowest severity first, hosts Z-A")                \
	X(STATUS_FILTER, "f", CTX_QUEUE, "show open, acknowledged, closed or all alerts")                              \
	X(GROUP, "H", CTX_QUEUE, "group by host: a row per host with its alerts counted by severity")                  \
	X(BUILDING_BLOCKS, "b", CTX_QUEUE, "show or hide building-block alerts (hidden, as in Kibana)")                \
	X(MARK, "Space m", CTX_QUEUE, "mark the alert (a host's row: its alerts) for a bulk action or one export")     \
	X(MARK_LIKE, "M", CTX_QUEUE, "mark the alerts of its rule, on its host, or all shown; or clear the marks")     \
	X(EVENTS, "v", CTX_QUEUE, "browse the case's events (\\ filters them by KQL or a FROM query)")                 \
	X(ACK, "A", CTX_QUEUE | CTX_ALERT, "acknowledge (the marked alerts, a host's row's alerts, or this one)")      \
	X(CLOSE, "C", CTX_QUEUE | CTX_ALERT, "close: asks the reason and a comment")                                   \
	X(REOPEN, "O", CTX_QUEUE | CTX_ALERT, "reopen")                                                                \
	X(EXPORT, "x", CTX_QUEUE | CTX_ALERT,                                                                          \
	  "export the triage record; the marked alerts as one case (asks format, path)")                               \
	X(EXCEPTION, "E", CTX_QUEUE | CTX_ALERT | CTX_FIELDS,                                                          \
	  "exception builder: conditions on any field of the event, preview, save")                                    \
	X(TREE, "T", CTX_ALERT | CTX_EVENTS,                                                                           \
	  "the process tree: of the alert's event; in the timeline or the browser, of the selected one")               \
	X(RELATED, "r", CTX_ALERT, "open a building block or related alert the Overview lists")                        \
	X(NEXT_TAB, "Tab →", CTX_ALERT, "next tab")                                                                    \
	X(PREV_TAB, "Shift-Tab ←", CTX_ALERT, "previous tab")                                                          \
	X(NEXT_ALERT, "J", CTX_ALERT, "the next alert of the queue")                                                   \
	X(PREV_ALERT, "K", CTX_ALERT, "the previous alert of the queue")                                               \
	X(TAB1, "1", CTX_ALERT, "Overview")                                                                            \
	X(TAB2, "2", CTX_ALERT, "Guide")                                                                               \
	X(TAB3, "3", CTX_ALERT, "Timeline")                                                                            \
	X(TAB4, "4", CTX_ALERT, "Checklist")                                                                           \
	X(TAB5, "5", CTX_ALERT, "Response")                                                                            \
	X(TAB6, "6", CTX_ALERT, "Notes")                                                                               \
	X(WIDEN, "+", CTX_TIMELINE, "widen the window (double it)")                                                    \
	X(NARROW, "-", CTX_TIMELINE, "narrow the window (halve it)")                                                   \
	X(EARLIER, "[", CTX_TIMELINE, "page back in time")                                                             \
	X(WINDOW, "W", CTX_TIMELINE, "set the window's start and end (two ISO 8601 times)")                            \
	X(LATER, "]", CTX_TIMELINE, "page forward in time")                                                            \
	X(PIVOT_PROCESS, "p", CTX_TIMELINE, "only the selected row's process (process.entity_id); again: all")         \
	X(PIVOT_USER, "u", CTX_TIMELINE, "only the selected row's user; again: all")                                   \
	X(PIVOT_FILE, "F", CTX_TIMELINE, "the selected row's file path on every host; again: back")                    \
	X(CATEGORY, "c", CTX_TIMELINE, "filter by category: file, process, network, all")                              \
	X(TIMELINE_KQL, "\\", CTX_TIMELINE, "filter the timeline by a KQL query (empty: none)")                        \
	X(FIELDS, "i", CTX_TIMELINE | CTX_EVENTS,                                                                      \
	  "the selected event's fields: Enter keeps events with a value, - drops them")                                \
	X(EVENTS_FILTER, "\\", CTX_EVENTS,                                                                             \
	  "filter the events by KQL or a FROM query (empty: all); a bad query comes back to be fixed")                 \
	X(SORT_COLUMN, "s", CTX_EVENTS | CTX_FIELDS,                                                                   \
	  "sort by the next column: time, host, event, process, detail (fields: as read, name, value)")                \
	X(SORT_ORDER, "S", CTX_EVENTS | CTX_FIELDS, "reverse the sort: descending, then ascending again")              \
	X(KEEP_VALUE, "Enter +", CTX_FIELDS, "keep only the events with this value (a clause added to the filter)")    \
	X(DROP_VALUE, "-", CTX_FIELDS, "drop the events with this value")                                              \
	X(TOGGLE, "Space", CTX_CHECKLIST, "check or uncheck the item")                                                 \
	X(ITEM_NOTE, "e", CTX_CHECKLIST | CTX_RESPONSE, "attach a note to the item")                                   \
	X(DONE, "d", CTX_RESPONSE, "mark the step done")                                                               \
	X(SKIP, "s", CTX_RESPONSE, "mark the step skipped")                                                            \
	X(NOT_APPLICABLE, "n", CTX_RESPONSE, "mark the step not applicable")                                           \
	X(PENDING, "p", CTX_RESPONSE, "mark the step pending again")                                                   \
	X(WALK, "w", CTX_RESPONSE, "walk through the pending steps one at a time")                                     \
	X(ADD_NOTE, "a", CTX_NOTES, "write a note: $EDITOR if set, else here (Ctrl-D or F2 saves, Esc cancels)")

enum tui_action {
	ACT_NONE = 0,
#define X(name, keys, ctx, help) ACT_##name,
	TUI_ACTIONS(X)
#undef X
	    ACT_COUNT
};

struct tui_action_info {
	const char *name, *keys, *help;
	unsigned ctx;
};

extern const struct tui_action_info tui_actions[ACT_COUNT];

/* The action key (an ncurses key code or character) means in context ctx (one CTX_ bit). */
enum tui_action keymap_lookup(int key, unsigned ctx);

#endif
