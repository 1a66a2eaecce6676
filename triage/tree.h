/* tree: a process's ancestry and descendants (Kibana's Analyzer), from the events on its host
 * around it: process.entity_id and process.parent.entity_id link the nodes, and Elastic
 * Defend's process.Ext.ancestry names the ancestors an event does not describe. A process is
 * described by its own events; one the window holds no event of is described by what its
 * child's event says of it (process.parent.name, .pid, .executable), never by another
 * process's claims. Built without recursion, whatever the depth the events claim; a cycle in
 * bad data ends the walk, and at most TREE_MAX_NODES processes are kept.
 *
 * The console's tree view (tui/tree_view.c), `casebook tree` and its --json all read this one
 * model; tree_format_line is the text form both the pager-less command and tests print. */
#ifndef CASEBOOK_TREE_H
#define CASEBOOK_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "store/store.h"

/* The text indents a process under its parent up to this many levels below the root; a
 * deeper one keeps the first and last levels' guides and elides the middle with a marker
 * ("│  │  ┄+9988┄ │  └─ sh"), so a line's length is bounded, never its depth. */
#define TREE_DRAWN_LEVELS 12
/* Processes kept in a tree; the rest are counted in process_tree.dropped. */
#define TREE_MAX_NODES 200000

/* Where a node's name, pid and executable come from. */
enum tree_source {
	TREE_OWN,      /* its own events in the window */
	TREE_CHILD,    /* its child's event (process.parent.*): no event of its own here */
	TREE_ANCESTRY, /* only its entity id, from a process.Ext.ancestry list */
};

struct tree_node {
	char *entity_id, *parent_entity_id; /* parent NULL: none known */
	char *name, *executable, *command_line, *user;
	int64_t pid, ts; /* ts: the earliest event of its own (0 when none) */
	int has_pid;
	int depth;       /* < 0 ancestors (-1 the parent), 0 the process asked for, > 0 descendants */
	size_t alerts;   /* alerts on events of this process */
	size_t parent;   /* its parent's index in process_tree.nodes, SIZE_MAX for the root */
	int last_child;  /* no later sibling: its branch is └─, not ├─ */
	int marked;      /* it holds one of the events tree_options.marked names (the alert's) */
	uint64_t guides; /* bit L-1: its ancestor L levels below the root has a later sibling */
	enum tree_source source;
	size_t nevents;         /* its events in the window */
	size_t first_event;     /* its events: process_tree.events[first_event ... + nevents] */
	size_t first_alert;     /* its alerts: process_tree.alerts[first_alert ... + alerts] */
	int64_t first_event_id; /* its first event's id (0 when none) */
};

/* An event of a node, in time order within the node. */
struct tree_event {
	int64_t id, ts;
	char *what; /* category/action and the file path (or ""), raw: sanitize on output */
};

/* An alert on a node's event. */
struct tree_alert {
	int64_t id, ts;
	char *uuid, *rule, *severity, *status;
};

struct process_tree {
	struct tree_node *nodes; /* in display order: the root ancestor first, then down, each
	                            descendant after its parent (children in time order) */
	size_t n;
	struct tree_event *events; /* grouped by node (tree_node.first_event) */
	size_t nevents;
	struct tree_alert *alerts; /* grouped by node (tree_node.first_alert) */
	size_t nalerts;
	size_t start;     /* the index of the process asked for */
	size_t dropped;   /* processes past TREE_MAX_NODES, left out */
	const char *host; /* the host (owned by the tree) */
};

struct tree_options {
	int64_t window_us;     /* events within this of the start event, on its host */
	const int64_t *marked; /* events whose processes are marked (an alert's), or NULL */
	size_t nmarked;
	size_t max_nodes; /* 0: TREE_MAX_NODES (tests set less) */
};

/* The tree of the process of event event_id, from its host's events within window_us of it.
 * Returns 0, CB_NOT_FOUND when the event has no process.entity_id, or -1 (store_errmsg). */
int tree_build(struct store *s, int64_t event_id, int64_t window_us, struct process_tree *t);
int tree_build_with(struct store *s, int64_t event_id, const struct tree_options *o, struct process_tree *t);
void tree_release(struct process_tree *t);

/* What names a node: its name, else its executable's base name, else "pid N", else
 * "process " and its entity id: never a bare "?". Raw: sanitize on output. */
void tree_node_label(const struct tree_node *n, struct strbuf *out);
/* The guides in front of node i's label: a continuing line ("│  ") or space for each level
 * above it, then its branch ("├─ " or "└─ "); past max_levels levels the middle is elided
 * with "┄+N┄ " (N the levels left out). ASCII draws "|  ", "|- ", "`- " and "..+N.. ". */
void tree_format_guides(const struct process_tree *t, size_t i, int max_levels, int ascii, struct strbuf *out);
/* Node i as a line: ▶ (> in ASCII) for the process asked for, the guides, then name (pid)
 * user first-time [alerts]  command line; every field sanitized on one line. */
void tree_format_line(const struct process_tree *t, size_t i, int ascii, struct strbuf *out);
void tree_format_text(const struct process_tree *t, int ascii, struct strbuf *out);

#endif
