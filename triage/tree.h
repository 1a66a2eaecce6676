/* tree: a process's ancestry and descendants (Kibana's Analyzer), from the events on its host
 * around it: process.entity_id and process.parent.entity_id link the nodes, and Elastic
 * Defend's process.Ext.ancestry names the ancestors an event does not describe. Built without
 * recursion, whatever the depth the events claim; a cycle in bad data ends the walk. */
#ifndef CASEBOOK_TREE_H
#define CASEBOOK_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "store/store.h"

/* The text indents a process under its parent up to this many levels below the root; a deeper
 * one is drawn at the last level and says its own ("└─ [level 20000] sh"), so the text grows
 * with the processes, never with the square of their depth. */
#define TREE_DRAWN_LEVELS 12

struct tree_node {
	char *entity_id, *parent_entity_id; /* parent NULL: none known */
	char *name, *executable, *command_line, *user;
	int64_t pid, ts; /* ts: the earliest event that describes it (0 when none does) */
	int has_pid;
	int depth;     /* < 0 ancestors (-1 the parent), 0 the process asked for, > 0 descendants */
	size_t alerts; /* alerts on events of this process */
};

struct process_tree {
	struct tree_node *nodes; /* in display order: the root ancestor first, then down, each
	                            descendant after its parent (children in time order) */
	size_t n;
	const char *host; /* the host (owned by the tree) */
};

/* The tree of the process of event event_id, from its host's events within window_us of it.
 * Returns 0, CB_NOT_FOUND when the event has no process.entity_id, or -1 (store_errmsg). */
int tree_build(struct store *s, int64_t event_id, int64_t window_us, struct process_tree *t);
void tree_release(struct process_tree *t);
/* The tree as text, a process a line, indented under its parent (at most TREE_DRAWN_LEVELS
 * levels), the one asked for marked ▶: name (pid) user first-time [alerts]  command line.
 * Each field is sanitized on one line. tree_format_line appends node i's line alone. */
void tree_format_text(const struct process_tree *t, struct strbuf *out);
void tree_format_line(const struct process_tree *t, size_t i, struct strbuf *out);

#endif
