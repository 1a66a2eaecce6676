/* queue: the alert queue as pure data (after ncdu's dirlist): rows, the status filter, the
 * sort and its direction, host groups that expand, marks, incremental search, the selection
 * and the top row. No curses here, so the model is tested on its own. */
#ifndef CASEBOOK_QUEUE_H
#define CASEBOOK_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "common/strpool.h"

struct qrow {
	int64_t id, event_id, time, risk;
	/* in the queue: the queue's pool holds them, host, rule, severity and status interned */
	const char *uuid, *status, *severity, *host, *rule, *target;
	size_t host_id; /* the host's id in the hosts pool: grouping and sorting by host compare these */
	int marked;
	int kql_hit;        /* matches the KQL filter (1 when there is none) */
	int severity_rank;  /* queue_severity_rank(severity), set by queue_add for sorting */
	int building_block; /* a building-block rule's: hidden unless queue.show_building_blocks */
	/* > 0: a sequence's building block, nested under the alert of this id: added right after it
	 * or a sibling (store_queue_tree_each's order), shown after it in that order whatever the
	 * sort, when building blocks are shown; not counted by status (its sequence alert is) */
	int64_t group_parent;
};

/* Each sort has its natural direction (Kibana's): time newest first, severity highest first,
 * host A to Z; ties go newest first. queue.reverse turns the whole order round. */
enum queue_sort { SORT_TIME, SORT_SEVERITY, SORT_HOST, SORT_COUNT };

/* When grouped by host, a host with more than one visible alert is one row (SLOT_GROUP) and,
 * expanded, its alerts follow it (SLOT_MEMBER); a host with one alert is that alert's row. */
enum queue_slot_kind { SLOT_ALERT, SLOT_GROUP, SLOT_MEMBER };

struct queue_slot {
	size_t row;   /* the alert; for a group, its first alert in the order */
	size_t group; /* for SLOT_GROUP and SLOT_MEMBER: the index in queue.groups */
	enum queue_slot_kind kind;
};

struct queue_group {
	size_t host_id;
	size_t n;              /* its visible alerts */
	size_t by_severity[5]; /* by queue_severity_rank: unknown, low, medium, high, critical */
	size_t open;           /* of them, open */
	int top_rank;          /* the highest severity's rank */
	int64_t top_risk;
};
enum queue_filter { FILTER_OPEN, FILTER_ACKNOWLEDGED, FILTER_CLOSED, FILTER_ALL, FILTER_COUNT };

struct queue {
	struct qrow *rows; /* all loaded alerts */
	size_t n, cap;
	struct strpool pool;  /* the rows' strings */
	struct strpool hosts; /* host names, apart: their ids are dense, for grouping and sorting */
	size_t *by_id;        /* row indexes in id order, for queue_find_id (built when needed) */
	size_t nby_id;
	int rows_in_time_order;                     /* every row added after the one before it in time order */
	size_t last_top;                            /* 1 + the last row added that is not nested (0: none) */
	size_t nmarked;                             /* kept by queue_add/queue_set_mark/queue_clear_marks */
	size_t count_open, count_ack, count_closed; /* as of the last queue_apply */
	size_t *order;                              /* the visible alerts (indexes into rows), in order */
	size_t norder;
	struct queue_slot *view; /* what is shown: order, or its groups when grouped */
	size_t nview;
	struct queue_group *groups;
	size_t ngroups;
	unsigned char *expanded; /* by host id: the group shows its alerts */
	size_t nexpanded;
	enum queue_sort sort;
	int reverse;
	enum queue_filter filter;
	int group_host;
	int show_building_blocks; /* Kibana's alerts table hides building-block alerts by default */
	size_t sel, top;          /* in the view */
};

extern const char *const queue_sort_names[SORT_COUNT];
extern const char *const queue_filter_names[FILTER_COUNT];

void queue_init(struct queue *q);
void queue_clear_rows(struct queue *q);
void queue_release(struct queue *q);
/* Adds a row (the strings are copied into the queue's pool). */
void queue_add(struct queue *q, const struct qrow *r);
/* The row of the alert with this id, or -1. */
long queue_find_id(struct queue *q, int64_t id);
/* The row of the alert with this uuid, or -1. */
long queue_find_uuid(const struct queue *q, const char *uuid);
/* Changes a row's status (call queue_apply after the last change). */
void queue_set_status(struct queue *q, size_t row, const char *status);
/* Recomputes the view after a change of rows, filter, sort or grouping; keeps the selected
 * alert selected when it is still visible. */
void queue_apply(struct queue *q);
/* The order's name for the title bar: "newest first", "by severity, lowest first"... */
const char *queue_order_name(const struct queue *q);
/* The alert of view slot i, or NULL on a group's row. */
const struct qrow *queue_slot_alert(const struct queue *q, size_t i);
/* The selected alert, or NULL when a group's row (or nothing) is selected. */
const struct qrow *queue_selected(const struct queue *q);
/* The selected group, or NULL when the selection is not a group's row. */
const struct queue_group *queue_selected_group(const struct queue *q);
/* The rows of a group's visible alerts, in order, into out (room for queue.n); returns how many. */
size_t queue_group_rows(const struct queue *q, const struct queue_group *g, size_t *out);
/* Shows or hides the selected group's alerts (a no-op elsewhere). */
void queue_toggle_group(struct queue *q);
/* Selects the slot of this row, or the row of its group when the group is folded. */
void queue_select_row(struct queue *q, size_t row, int height);
/* Moves the selection by delta rows (clamped) and keeps it on a page of height rows. */
void queue_move(struct queue *q, long delta, int height);
void queue_select_uuid(struct queue *q, const char *uuid, int height);
/* The next (dir 1) or previous (-1) visible row after the selection whose host, rule, target,
 * status or uuid contains text (case-insensitive), wrapping; returns 1 when found. */
int queue_search(struct queue *q, const char *text, int dir, int height);
int queue_severity_rank(const char *severity);
/* Marks are set through these so that the count of marked rows needs no scan per redraw. */
void queue_set_mark(struct queue *q, size_t row, int on);
void queue_clear_marks(struct queue *q);
size_t queue_marked(const struct queue *q);
/* Which alerts queue_mark_like marks: the shown ones of a rule, of a host, or all shown. */
enum queue_like { LIKE_RULE, LIKE_HOST, LIKE_SHOWN };
/* Marks every shown alert (those the filters let through, a folded host's too) that has the
 * rule or the host of row like (any row for LIKE_SHOWN); returns how many were not marked yet. */
size_t queue_mark_like(struct queue *q, size_t like, enum queue_like by);
/* Counts by status over all rows, as of the last queue_apply (a status change re-applies). */
void queue_counts(const struct queue *q, size_t *open, size_t *ack, size_t *closed);

#endif
