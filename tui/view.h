/* view: the console's screens, after tig's struct view. The app holds a stack of views — the
 * queue at the bottom, an alert over it, then a pager or an event's JSON — and gives keys to the
 * top one; dialogs (tui/dialog.h) sit above them all. The alert view is a table of tabs, one
 * file each (tui/tab_*.c), over one case_record (triage/case.h) loaded once when it opens.
 *
 * Internal to tui/: app.h is the interface the rest of casebook sees. */
#ifndef CASEBOOK_VIEW_H
#define CASEBOOK_VIEW_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>

#include "common/jsonoutline.h"
#include "common/strbuf.h"
#include "triage/case.h"
#include "triage/guide.h"
#include "tui/app.h"
#include "tui/keymap.h"
#include "tui/queue.h"
#include "tui/text.h"
#include "tui/ui.h"

struct app;
struct dialog;

/* A view's operations. Every one may be NULL but draw. */
struct view_ops {
	const char *name;
	/* the key context (CTX_ bits) for keymap_lookup; NULL: the view takes no key. Views read no
	 * raw key: every key is a row of tui/keymap.h's table */
	unsigned (*context)(const struct app *a);
	void (*draw)(struct app *a);
	/* an action of the key table in this view's context: returns 1 when the view did it */
	int (*request)(struct app *a, enum tui_action act);
	/* moves the selection (or the scroll) by delta rows */
	void (*move_by)(struct app *a, long delta);
	int (*page)(void); /* rows a page moves */
	void (*click)(struct app *a, int y, int x);
	/* frees the view's state when it leaves the stack: its private data (view_private) is the
	 * top entry's still */
	void (*close)(struct app *a);
};

/* A view on the stack: its operations and its own state, which it made when it was pushed. */
struct view_entry {
	const struct view_ops *ops;
	void *priv;
};

extern const struct view_ops queue_view, alert_view, pager_view, json_view, fields_view, events_view;
extern const struct view_ops tree_view; /* tui/tree_view.c */

/* A tab of the alert view. */
struct tab_ops {
	const char *name;
	unsigned ctx; /* its CTX_ bit, 0 for none */
	void (*draw)(struct app *a);
	/* a tab of text: its lines (draw_text_tab draws them; / searches them) */
	void (*text)(struct app *a, struct text_out *o);
	/* a tab of rows: the next row after (dir 1) or before (-1) the selection with needle in
	 * it, selected; 1 when found */
	int (*find)(struct app *a, const char *needle, int dir);
	int (*request)(struct app *a, enum tui_action act); /* 1 when it did the action */
	size_t (*length)(struct app *a);                    /* rows for movement; 0: scrolled text */
	void (*click)(struct app *a, int y, int x);
	const struct hint *hints;
	size_t nhints;
};

extern const struct tab_ops tab_overview, tab_guide, tab_timeline, tab_checklist, tab_response, tab_notes;

/* The alert view's tabs, in order: one row per tab (and its number key in tui/keymap.h). */
#define ALERT_TABS(X) X(overview) X(guide) X(timeline) X(checklist) X(response) X(notes)
enum tab {
#define X(name) TAB_##name,
	ALERT_TABS(X)
#undef X
	    TAB_COUNT
};
extern const struct tab_ops *const alert_tabs[TAB_COUNT];

/* The overview's fields, read from the alert document (X(name, path)). */
#define OVERVIEW_FIELDS(X)                                                                                             \
	X(HOST, "host.name")                                                                                           \
	X(HOST_ID, "host.id")                                                                                          \
	X(OS, "host.os.type")                                                                                          \
	X(USER, "user.name")                                                                                           \
	X(EXE, "process.executable")                                                                                   \
	X(PID, "process.pid")                                                                                          \
	X(CMD, "process.command_line")                                                                                 \
	X(SIGNER, "process.code_signature.subject_name")                                                               \
	X(TRUSTED, "process.code_signature.trusted")                                                                   \
	X(TEAM, "process.code_signature.team_id")                                                                      \
	X(SIGSTATUS, "process.code_signature.status")                                                                  \
	X(PATH, "file.path")                                                                                           \
	X(SHA, "file.hash.sha256")                                                                                     \
	X(SIZE, "file.size")                                                                                           \
	X(ORIG, "file.Ext.original.path")                                                                              \
	X(ACTION, "event.action")                                                                                      \
	X(TYPE, "event.type")                                                                                          \
	X(DESC, "kibana.alert.rule.description")                                                                       \
	X(THREAT, "kibana.alert.rule.threat")                                                                          \
	X(ENTITY, "process.entity_id")                                                                                 \
	X(RULE_ID, "kibana.alert.rule.rule_id")                                                                        \
	X(TACTIC_ID, "kibana.alert.rule.threat.tactic.id")                                                             \
	X(TACTIC, "kibana.alert.rule.threat.tactic.name")                                                              \
	X(TECHNIQUE_ID, "kibana.alert.rule.threat.technique.id")                                                       \
	X(TECHNIQUE, "kibana.alert.rule.threat.technique.name")                                                        \
	X(DERIVED, "casebook.derived_fields")                                                                          \
	X(QUERY, "kibana.alert.rule.query")                                                                            \
	X(LANGUAGE, "kibana.alert.rule.language")                                                                      \
	X(GROUP, "kibana.alert.group.id")
enum overview_field {
#define X(name, path) F_##name,
	OVERVIEW_FIELDS(X)
#undef X
	    F_COUNT
};

/* What the timeline is narrowed to (p, u and F): one process, one user, one file on every host. */
enum timeline_pivot { PIVOT_NONE, PIVOT_PROCESS, PIVOT_USER, PIVOT_FILE };

/* An alert view's own state: the record and where each tab stands. Each alert view on the stack
 * has one (its view_entry's priv), made when it opens and freed when it closes: two alert views
 * open at once keep their tabs, rows and filters apart. */
struct alertview {
	struct qrow alert; /* a copy of the queue's row: its strings in pool */
	struct strpool pool;
	struct case_record rec; /* the one record every tab shows */
	struct case_options opts;
	char *fields[F_COUNT];
	struct guide guide;      /* rec.guide, parsed */
	char *rule_meta;         /* the rule's detection-rules [metadata] as one line, or NULL */
	struct guide rule_notes; /* rec.rule_notes, parsed: casebook's, apart from the author's guide */
	enum tab tab;
	size_t sel[TAB_COUNT], top[TAB_COUNT];
	/* the timeline tab */
	int64_t tl_before, tl_after; /* the window around the alert's event */
	int64_t tl_shift;            /* paging: moves the window */
	enum timeline_pivot pivot;   /* what the timeline keeps: all, a process, a user, a file on every host */
	char *pivot_value;           /* the entity id, user or path pivoted on: the selected row's */
	int category;                /* 0 all, then file, process, network */
	char *tl_kql_text;           /* the timeline's KQL filter, as typed or built from the field table */
	struct kql_node *tl_kql;
	/* the response tab */
	int walk; /* walking through pending response steps */
	/* in a case attached to a cluster: the hosts with an event on the alert's file.path there
	 * (fleet_known 0: no path, or the cluster did not answer) */
	int64_t fleet_hosts;
	int fleet_known;
};

struct app {
	struct store *s;
	struct app_options o;
	struct queue q;
	struct view_entry *stack;
	size_t depth, cap;
	struct dialog *dialog; /* the top dialog, or NULL */
	int done, local_time;
	char *search;
	char *kql_text;
	char msg[400];
	int64_t data_version;
	int64_t case_events; /* events in the case, counted when the queue is empty (its message) */
};

/* A related alert as the Overview lists it: time, (uuid prefix,) severity, status, rule. */
void related_line(struct app *a, const struct case_related *x, int with_uuid, struct strbuf *out);

/* The view stack. */
const struct view_ops *view_top(const struct app *a);
void view_push(struct app *a, const struct view_ops *v);
/* Pushes a view with its own state (freed by its close). */
void view_push_private(struct app *a, const struct view_ops *v, void *priv);
/* The state of the topmost view of these operations on the stack, or NULL. */
void *view_private(const struct app *a, const struct view_ops *v);
void view_pop(struct app *a);
int in_alert(const struct app *a); /* an alert view is on the stack */

/* A triage action's TRIAGE_ERROR on the status line ("not saved: …"); returns rc. */
int say_not_saved(struct app *a, int rc);
void say(struct app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct event_source;
/* What the attached cluster has to say though it did not fail (a server left for the next:
 * source_take_notice), on the status line; nothing when it has nothing new. */
void say_source_notice(struct app *a, struct event_source *src);

/* Re-reads the status of these alerts into the queue (a whole reload costs too much per key). */
void app_refresh_status(struct app *a, char *const *uuids, size_t n);

/* alert_view.c. Each alert view owns its alertview; alert_of is the topmost one's (the one in
 * view, or under the pager, JSON, field table or tree opened from it), NULL with none open. */
struct alertview *alert_of(const struct app *a);
/* Opens an alert in place of the alert view in view (from the queue, J, K, r). */
void alert_open(struct app *a, const struct qrow *r);
/* Opens an alert over the views open: q comes back to the one under it, as it was. */
void alert_push(struct app *a, const struct qrow *r);
void alert_reload_triage(struct app *a);   /* after an action: status, items, notes */
void alert_reload_timeline(struct app *a); /* after a window, pivot or category change */
void alert_reload_related(struct app *a);
/* Timeline rows the filters show (tab_timeline.c), and whether an event is the alert's own. */
int timeline_shows(const struct alertview *v, const struct case_event *e);
/* The event the timeline's selection is on, or 0. */
int64_t timeline_selected_event(struct app *a);
/* The checklist's ("check") or response's items, in order, and the selected one. */
struct rows items_of(const struct alertview *v, const char *kind);
struct case_item *current_item(struct app *a, const char *kind);
/* The width of a tab's text: the body less a column each side. */
int alert_text_width(void);
/* Text lines in the tab's body with scrolling (the tab's sel is the top line). */
void draw_tab_lines(struct app *a, const struct text_out *o);
/* A text tab: its text's lines, drawn. */
void draw_text_tab(struct app *a);

/* pager_view.c, json_view.c, fields_view.c */
void pager_open(struct app *a, const char *title, const char *text, int multiline);
int pager_text_width(void); /* the columns the pager wraps its text to */
/* tree_view.c: the process tree of an event (1h each side on its host); from an alert view,
 * the alert's events marked. tree_open_marked marks the processes of the events named and
 * returns the view's state (NULL when no tree could be built: said on the status line). */
void tree_open(struct app *a, int64_t event_id);
struct treeview *tree_open_marked(struct app *a, int64_t event_id, const int64_t *marked, size_t nmarked);
void json_open(struct app *a, const char *doc);
void fields_open(struct app *a, const char *doc, size_t len, int (*pivot_to)(struct app *a, const char *kql));
void events_open(struct app *a);
/* The event browser's filter as typed, NULL for none (the field table narrows it). */
const char *events_filter_text(const struct app *a);
/* Sets the timeline's KQL filter (NULL or "": none); says a syntax error and keeps the old. */
int timeline_filter(struct app *a, const char *kql);

/* actions.c: what A, C, O, x and E do, on the marked alerts or the one in view */
void action_set_status(struct app *a, const char *status);
void action_close(struct app *a);
void action_export(struct app *a);
void action_exception(struct app *a);
void action_help(struct app *a);

#endif
