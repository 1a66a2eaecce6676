#include "detect/jsondoc.h"
#include "triage/tree.h"

#include <stdlib.h>
#include <string.h>

#include "common/number.h"
#include "common/sanitize.h"
#include "common/status.h"
#include "common/strbuf.h"
#include "common/strpool.h"
#include "common/timeutil.h"
#include "detect/field.h"
#include "store/alerts.h"

#define PROCESS_FIELDS(X)                                                                                              \
	X(ENTITY, "process.entity_id")                                                                                 \
	X(PARENT, "process.parent.entity_id")                                                                          \
	X(PID, "process.pid")                                                                                          \
	X(NAME, "process.name")                                                                                        \
	X(EXE, "process.executable")                                                                                   \
	X(CMD, "process.command_line")                                                                                 \
	X(USER, "user.name")                                                                                           \
	X(TS, "@timestamp")                                                                                            \
	X(ANCESTRY, "process.Ext.ancestry")                                                                            \
	X(PPID, "process.parent.pid")                                                                                  \
	X(PNAME, "process.parent.name")                                                                                \
	X(PEXE, "process.parent.executable")                                                                           \
	X(PCMD, "process.parent.command_line")

enum process_field {
#define X(name, path) PF_##name,
	PROCESS_FIELDS(X)
#undef X
	    PF_COUNT
};

static const char *const process_paths[PF_COUNT] = {
#define X(name, path) path,
    PROCESS_FIELDS(X)
#undef X
};

/* The nodes while they are read: by entity id, in order of first sight. */
struct builder {
	struct strpool ids; /* entity id -> node index (the pool's id) */
	struct tree_node *nodes;
	size_t n, cap;
	struct event_node {
		int64_t event_id;
		size_t node;
	} * events; /* which node each event describes, for the alerts */
	size_t nevents, events_cap;
	int64_t start_event;
	size_t start; /* the node of start_event, or SIZE_MAX */
	char *host;
	int failed_parse;
};

static size_t node_of(struct builder *b, const char *entity)
{
	size_t id;
	strpool_intern(&b->ids, entity, &id);
	while (b->n <= id) {
		if (b->n == b->cap)
			b->nodes = xrealloc(b->nodes, (b->cap = b->cap ? b->cap * 2 : 64) * sizeof(*b->nodes));
		memset(&b->nodes[b->n], 0, sizeof(*b->nodes));
		b->nodes[b->n].entity_id = xstrdup(strpool_string(&b->ids, b->n));
		b->n++;
	}
	return id;
}

/* Keeps the first value met (the events come in time order). */
static void fill(char **slot, const char *v)
{
	if (!*slot && v && *v)
		*slot = xstrdup(v);
}

static void fill_pid(struct tree_node *n, const char *v)
{
	/* a pid that is not a whole number in range is not shown (strtoll read "1e+300" as 1) */
	int64_t pid;
	if (!n->has_pid && v && !number_text_int64(v, 0, INT64_MAX, &pid)) {
		n->pid = pid;
		n->has_pid = 1;
	}
}

static void link_parent(struct builder *b, size_t child, const char *parent)
{
	if (!parent || !*parent || b->nodes[child].parent_entity_id || !strcmp(parent, b->nodes[child].entity_id))
		return;
	b->nodes[child].parent_entity_id = xstrdup(parent);
}

/* process.Ext.ancestry, "a, b, c": the parent, its parent, ... */
static void link_ancestry(struct builder *b, size_t node, const char *list)
{
	size_t child = node;
	for (const char *p = list; p && *p;) {
		const char *end = strstr(p, ", ");
		char *id = end ? xstrndup(p, (size_t)(end - p)) : xstrdup(p);
		p = end ? end + 2 : NULL;
		if (*id) {
			link_parent(b, child, id);
			child = node_of(b, id);
		}
		free(id);
	}
}

static int take_event(void *ctx, const struct event_row *row)
{
	struct builder *b = ctx;
	char *f[PF_COUNT];
	if (!row->doc || json_fields_len(row->doc, row->doc_len, process_paths, PF_COUNT, f)) {
		b->failed_parse++;
		return 0;
	}
	if (!b->host && (row->r.host_name || row->r.host_id))
		b->host = xstrdup(row->r.host_name ? row->r.host_name : row->r.host_id);
	if (f[PF_ENTITY]) {
		size_t k = node_of(b, f[PF_ENTITY]);
		struct tree_node *n = &b->nodes[k];
		int64_t ts = row->r.ts;
		if (!n->ts || ts < n->ts)
			n->ts = ts;
		fill(&n->name, f[PF_NAME]);
		fill(&n->executable, f[PF_EXE]);
		fill(&n->command_line, f[PF_CMD]);
		fill(&n->user, f[PF_USER]);
		fill_pid(n, f[PF_PID]);
		link_parent(b, k, f[PF_PARENT]);
		if (f[PF_PARENT]) { /* what the child says of its parent */
			struct tree_node *p = &b->nodes[node_of(b, f[PF_PARENT])];
			n = &b->nodes[k];
			fill(&p->name, f[PF_PNAME]);
			fill(&p->executable, f[PF_PEXE]);
			fill(&p->command_line, f[PF_PCMD]);
			fill_pid(p, f[PF_PPID]);
		}
		link_ancestry(b, k, f[PF_ANCESTRY]);
		if (b->nevents == b->events_cap)
			b->events = xrealloc(b->events, (b->events_cap = b->events_cap ? b->events_cap * 2 : 256) *
			                                    sizeof(*b->events));
		b->events[b->nevents++] = (struct event_node){row->id, k};
		if (row->id == b->start_event)
			b->start = k;
	}
	for (int i = 0; i < PF_COUNT; i++)
		free(f[i]);
	return 0;
}

static int by_event_id(const void *a, const void *b)
{
	const struct event_node *x = a, *y = b;
	return (x->event_id > y->event_id) - (x->event_id < y->event_id);
}

static int count_alert(void *ctx, const struct alert_row *a)
{
	struct builder *b = ctx;
	struct event_node key = {a->event_id, 0};
	const struct event_node *hit = bsearch(&key, b->events, b->nevents, sizeof(*b->events), by_event_id);
	if (hit)
		b->nodes[hit->node].alerts++;
	return 0;
}

static size_t parent_of(struct builder *b, size_t k)
{
	const char *p = b->nodes[k].parent_entity_id;
	if (!p || !strpool_find(&b->ids, p))
		return SIZE_MAX;
	return node_of(b, p);
}

struct kin {
	size_t parent;
	int64_t ts;
	size_t node;
};

static int by_parent_then_time(const void *a, const void *b)
{
	const struct kin *x = a, *y = b;
	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->node > y->node) - (x->node < y->node);
}

/* Lays the nodes out: the ancestors from the root, the start, then its descendants depth
 * first with an explicit stack (children in time order). Nodes off that line are left out. */
static void lay_out(struct builder *b, struct process_tree *t)
{
	size_t n = b->n;
	int *placed = xcalloc(n ? n : 1, sizeof(*placed));
	size_t *chain = xmalloc((n ? n : 1) * sizeof(*chain)), nchain = 0;
	for (size_t k = b->start; k != SIZE_MAX && !placed[k]; k = parent_of(b, k)) {
		placed[k] = 1; /* a cycle in the data stops here */
		chain[nchain++] = k;
	}
	t->nodes = xcalloc(n ? n : 1, sizeof(*t->nodes));
	for (size_t i = nchain; i-- > 0;) {
		t->nodes[t->n] = b->nodes[chain[i]];
		t->nodes[t->n++].depth = -(int)i;
		memset(&b->nodes[chain[i]], 0, sizeof(*b->nodes)); /* moved */
	}
	/* children: the other nodes sorted by (parent, time) give each node's children in a run */
	struct kin *kin = xmalloc((n ? n : 1) * sizeof(*kin));
	size_t nkin = 0;
	for (size_t k = 0; k < n; k++) {
		size_t p = placed[k] ? SIZE_MAX : parent_of(b, k);
		if (p != SIZE_MAX)
			kin[nkin++] = (struct kin){p, b->nodes[k].ts, k};
	}
	if (nkin > 1)
		qsort(kin, nkin, sizeof(*kin), by_parent_then_time);
	/* depth first with an explicit stack of (node, depth): a node's children are pushed in
	 * reverse, so the oldest comes out first */
	struct frame {
		size_t node;
		int depth;
	} *stack = xmalloc((n ? n : 1) * sizeof(*stack));
	size_t top = 0;
	for (size_t at = b->start, depth = 0;;) {
		struct kin key = {at, INT64_MIN, 0};
		size_t lo = 0, hi = nkin;
		while (lo < hi) { /* the first child of at */
			size_t mid = lo + (hi - lo) / 2;
			if (by_parent_then_time(&kin[mid], &key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		size_t end = lo;
		while (end < nkin && kin[end].parent == at)
			end++;
		for (size_t i = end; i-- > lo;)
			if (!placed[kin[i].node]) {
				placed[kin[i].node] = 1; /* each node once, whatever the data claims */
				stack[top++] = (struct frame){kin[i].node, (int)depth + 1};
			}
		if (!top)
			break;
		struct frame f = stack[--top];
		t->nodes[t->n] = b->nodes[f.node];
		t->nodes[t->n++].depth = f.depth;
		memset(&b->nodes[f.node], 0, sizeof(*b->nodes));
		at = f.node;
		depth = (size_t)f.depth;
	}
	free(kin);
	free(stack);
	free(chain);
	free(placed);
}

static void node_free(struct tree_node *n)
{
	free(n->entity_id), free(n->parent_entity_id), free(n->name), free(n->executable);
	free(n->command_line), free(n->user);
}

int tree_build(struct store *s, int64_t event_id, int64_t window_us, struct process_tree *t)
{
	memset(t, 0, sizeof(*t));
	struct builder b = {.start_event = event_id, .start = SIZE_MAX};
	strpool_init(&b.ids);
	/* the alerts on the window's events: those on its host within it, not every alert of the case */
	struct alert_query near = {.no_doc = 1, .near_event = event_id, .window_us = window_us};
	int rc = store_timeline_each(s, event_id, window_us, window_us, 1, take_event, &b);
	if (!rc && b.nevents > 1)
		qsort(b.events, b.nevents, sizeof(*b.events), by_event_id);
	if (!rc)
		rc = store_alerts_each(s, &near, count_alert, &b);
	if (!rc && b.start == SIZE_MAX)
		rc = CB_NOT_FOUND;
	if (!rc)
		lay_out(&b, t);
	t->host = b.host;
	for (size_t k = 0; k < b.n; k++)
		node_free(&b.nodes[k]);
	free(b.nodes);
	free(b.events);
	strpool_release(&b.ids);
	return rc;
}

void tree_release(struct process_tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		node_free(&t->nodes[i]);
	free(t->nodes);
	free((char *)t->host);
	memset(t, 0, sizeof(*t));
}

/* A field, sanitized on one line: a line break in a command line must not start a false row. */
static void add_field(struct strbuf *l, const char *prefix, const char *v)
{
	strbuf_addstr(l, prefix);
	sanitize_append(l, v, strlen(v), 0);
}

/* The indentation of a node level steps below the root: three columns a level, then the
 * branch; past TREE_DRAWN_LEVELS the branch stays at the last level and names the level. */
static void add_branch(struct strbuf *l, long level)
{
	long drawn = level < TREE_DRAWN_LEVELS ? level : TREE_DRAWN_LEVELS;
	for (long d = 1; d < drawn; d++)
		strbuf_addstr(l, "   ");
	if (level > 0)
		strbuf_addstr(l, "└─ ");
	if (level > TREE_DRAWN_LEVELS)
		strbuf_addf(l, "[level %ld] ", level);
}

static void node_line(struct strbuf *l, const struct tree_node *n, int root_depth)
{
	strbuf_addstr(l, n->depth == 0 ? "▶ " : "  ");
	add_branch(l, (long)n->depth - root_depth);
	add_field(l, "", n->name ? n->name : n->executable ? n->executable : "?");
	if (n->has_pid)
		strbuf_addf(l, " (pid %lld)", (long long)n->pid);
	if (n->user)
		add_field(l, " ", n->user);
	if (n->ts) {
		char t[TIME_ISO_LEN];
		time_format_iso8601(n->ts, t);
		strbuf_addf(l, " %.19sZ", t);
	}
	if (n->alerts)
		strbuf_addf(l, " [%zu alert%s]", n->alerts, n->alerts == 1 ? "" : "s");
	add_field(l, "  ", n->command_line ? n->command_line : n->executable ? n->executable : "");
	strbuf_addch(l, '\n');
}

void tree_format_line(const struct process_tree *t, size_t i, struct strbuf *out)
{
	node_line(out, &t->nodes[i], t->nodes[0].depth); /* the first node is the root */
}

void tree_format_text(const struct process_tree *t, struct strbuf *out)
{
	for (size_t i = 0; i < t->n; i++)
		tree_format_line(t, i, out);
}
