#include "triage/tree.h"
#include "detect/jsondoc.h"

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

/* What an event says of its process's parent (process.parent.*): it describes that parent
 * when the window holds no event of the parent's own. */
struct claim {
	char *about; /* the parent entity id it was said of */
	char *name, *executable, *command_line;
	int64_t pid;
	int has_pid;
};

/* The nodes while they are read: by entity id, in order of first sight. */
struct builder {
	struct strpool ids; /* entity id -> node index (the pool's id) */
	struct tree_node *nodes;
	struct claim *claims; /* by node: what its first event with a parent says of it */
	size_t *own;          /* by node: its own events */
	size_t n, cap, max_nodes, dropped;
	struct event_node {
		int64_t event_id, ts;
		size_t node;
		char *what;
	} * events; /* which node each event describes, for the alerts */
	size_t nevents, events_cap;
	struct alert_node {
		size_t node;
		struct tree_alert a;
	} * alerts;
	size_t nalerts, alerts_cap;
	int64_t start_event;
	size_t start; /* the node of start_event, or SIZE_MAX */
	char *host;
	int failed_parse;
};

/* The node of an entity id, made at first sight; SIZE_MAX past max_nodes. */
static size_t node_of(struct builder *b, const char *entity)
{
	if (b->n >= b->max_nodes && !strpool_find(&b->ids, entity)) {
		b->dropped++;
		return SIZE_MAX;
	}
	size_t id;
	strpool_intern(&b->ids, entity, &id);
	while (b->n <= id) {
		if (b->n == b->cap) {
			b->cap = b->cap ? b->cap * 2 : 64;
			b->nodes = xrealloc(b->nodes, b->cap * sizeof(*b->nodes));
			b->claims = xrealloc(b->claims, b->cap * sizeof(*b->claims));
			b->own = xrealloc(b->own, b->cap * sizeof(*b->own));
		}
		memset(&b->nodes[b->n], 0, sizeof(*b->nodes));
		memset(&b->claims[b->n], 0, sizeof(*b->claims));
		b->own[b->n] = 0;
		b->nodes[b->n].entity_id = xstrdup(strpool_string(&b->ids, b->n));
		b->nodes[b->n].source = TREE_ANCESTRY;
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

static void fill_pid(int64_t *slot, int *has, const char *v)
{
	/* a pid that is not a whole number in range is not shown (strtoll read "1e+300" as 1) */
	int64_t pid;
	if (!*has && v && !number_text_int64(v, 0, INT64_MAX, &pid)) {
		*slot = pid;
		*has = 1;
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
	for (const char *p = list; p && *p && child != SIZE_MAX;) {
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

/* The node's own description, from an event of its own. */
static void describe_own(struct tree_node *n, char *const *f, int64_t ts)
{
	if (!n->ts || ts < n->ts)
		n->ts = ts;
	fill(&n->name, f[PF_NAME]);
	fill(&n->executable, f[PF_EXE]);
	fill(&n->command_line, f[PF_CMD]);
	fill(&n->user, f[PF_USER]);
	fill_pid(&n->pid, &n->has_pid, f[PF_PID]);
	n->source = TREE_OWN;
}

/* What the child's event says of its parent, kept for when the parent has no event here. */
static void keep_claim(struct claim *c, char *const *f)
{
	if (c->about || !f[PF_PARENT] || !*f[PF_PARENT])
		return;
	c->about = xstrdup(f[PF_PARENT]);
	fill(&c->name, f[PF_PNAME]);
	fill(&c->executable, f[PF_PEXE]);
	fill(&c->command_line, f[PF_PCMD]);
	fill_pid(&c->pid, &c->has_pid, f[PF_PPID]);
}

/* An event's line under its process: category/action and what it touched. */
static char *event_what(const struct event_record *r)
{
	struct strbuf w;
	strbuf_init(&w, 64);
	strbuf_addf(&w, "%s/%s", r->category ? r->category : "-", r->action ? r->action : "-");
	if (r->file_path)
		strbuf_addf(&w, " %s", r->file_path);
	return strbuf_detach(&w, NULL);
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
	size_t k = f[PF_ENTITY] && *f[PF_ENTITY] ? node_of(b, f[PF_ENTITY]) : SIZE_MAX;
	if (k != SIZE_MAX) {
		describe_own(&b->nodes[k], f, row->r.ts);
		b->own[k]++;
		keep_claim(&b->claims[k], f);
		link_parent(b, k, f[PF_PARENT]);
		if (f[PF_PARENT] && *f[PF_PARENT])
			node_of(b, f[PF_PARENT]); /* the parent is a node even with no event of its own */
		link_ancestry(b, k, f[PF_ANCESTRY]);
		if (b->nevents == b->events_cap)
			b->events = xrealloc(b->events, (b->events_cap = b->events_cap ? b->events_cap * 2 : 256) *
			                                    sizeof(*b->events));
		b->events[b->nevents++] = (struct event_node){row->id, row->r.ts, k, event_what(&row->r)};
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

static const struct event_node *event_of(const struct builder *b, int64_t event_id)
{
	struct event_node key = {.event_id = event_id};
	if (!b->nevents) /* no process event in the window: b->events is NULL, which bsearch may not get */
		return NULL;
	return bsearch(&key, b->events, b->nevents, sizeof(*b->events), by_event_id);
}

static int take_alert(void *ctx, const struct alert_row *a)
{
	struct builder *b = ctx;
	const struct event_node *hit = event_of(b, a->event_id);
	if (!hit)
		return 0;
	if (b->nalerts == b->alerts_cap)
		b->alerts =
		    xrealloc(b->alerts, (b->alerts_cap = b->alerts_cap ? b->alerts_cap * 2 : 16) * sizeof(*b->alerts));
	b->alerts[b->nalerts++] = (struct alert_node){
	    hit->node,
	    {a->id, a->original_time, xstrdup(a->uuid ? a->uuid : ""), xstrdup(a->rule_name ? a->rule_name : ""),
	     xstrdup(a->severity ? a->severity : ""), xstrdup(a->status ? a->status : "")}};
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

/* Moves builder node k to the end of the tree, at depth, under tree node parent. */
static void place(struct builder *b, struct process_tree *t, size_t *where, size_t k, int depth, size_t parent)
{
	where[k] = t->n;
	t->nodes[t->n] = b->nodes[k];
	t->nodes[t->n].depth = depth;
	t->nodes[t->n].parent = parent;
	t->nodes[t->n].nevents = b->own[k];
	t->n++;
	memset(&b->nodes[k], 0, sizeof(*b->nodes)); /* moved */
}

/* Lays the nodes out: the ancestors from the root, the start, then its descendants depth
 * first with an explicit stack (children in time order). Nodes off that line are left out.
 * where[k] gets builder node k's index in the tree (SIZE_MAX: left out). */
static void lay_out(struct builder *b, struct process_tree *t, size_t *where)
{
	size_t n = b->n;
	int *placed = xcalloc(n ? n : 1, sizeof(*placed));
	size_t *chain = xmalloc((n ? n : 1) * sizeof(*chain)), nchain = 0;
	for (size_t k = 0; k < n; k++)
		where[k] = SIZE_MAX;
	for (size_t k = b->start; k != SIZE_MAX && !placed[k]; k = parent_of(b, k)) {
		placed[k] = 1; /* a cycle in the data stops here */
		chain[nchain++] = k;
	}
	t->nodes = xcalloc(n ? n : 1, sizeof(*t->nodes));
	for (size_t i = nchain; i-- > 0;)
		place(b, t, where, chain[i], -(int)i, t->n ? t->n - 1 : SIZE_MAX);
	t->start = t->n - 1;
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
	 * reverse, so the oldest comes out first; the stack holds each node at most once */
	struct frame {
		size_t node, parent;
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
				stack[top++] = (struct frame){kin[i].node, at, (int)depth + 1};
			}
		if (!top)
			break;
		struct frame f = stack[--top];
		place(b, t, where, f.node, f.depth, where[f.parent]);
		at = f.node;
		depth = (size_t)f.depth;
	}
	free(kin);
	free(stack);
	free(chain);
	free(placed);
}

static int level_of(const struct process_tree *t, size_t i)
{
	return t->nodes[i].depth - t->nodes[0].depth;
}

/* Whether each node is its parent's last child, and the guides of the levels above it. */
static void set_guides(struct process_tree *t)
{
	unsigned char *later = xcalloc(t->n ? t->n : 1, 1); /* a later child was met */
	for (size_t i = t->n; i-- > 0;) {
		size_t p = t->nodes[i].parent;
		t->nodes[i].last_child = p == SIZE_MAX || !later[p];
		if (p != SIZE_MAX)
			later[p] = 1;
	}
	free(later);
	for (size_t i = 0; i < t->n; i++) {
		size_t p = t->nodes[i].parent;
		if (p == SIZE_MAX)
			continue;
		int lp = level_of(t, p);
		t->nodes[i].guides = t->nodes[p].guides;
		if (lp >= 1 && lp <= 64 && !t->nodes[p].last_child)
			t->nodes[i].guides |= UINT64_C(1) << (lp - 1);
	}
}

/* A node is described by its own events; what they leave out (a node with none: everything)
 * comes from what its first child in the tree says of it (for an ancestor: the child on the
 * line to the process asked for), never from another child's word. */
static void describe_from_children(struct builder *b, struct process_tree *t, const size_t *bk)
{
	unsigned char *heard = xcalloc(t->n ? t->n : 1, 1);
	for (size_t i = 0; i < t->n; i++) {
		size_t p = t->nodes[i].parent;
		if (p == SIZE_MAX || heard[p])
			continue;
		struct claim *c = &b->claims[bk[i]];
		struct tree_node *pn = &t->nodes[p];
		if (!c->about || strcmp(c->about, pn->entity_id))
			continue;
		heard[p] = 1;
		fill(&pn->name, c->name);
		fill(&pn->executable, c->executable);
		fill(&pn->command_line, c->command_line);
		if (c->has_pid && !pn->has_pid)
			pn->pid = c->pid, pn->has_pid = 1;
		if (pn->source == TREE_ANCESTRY)
			pn->source = TREE_CHILD;
	}
	free(heard);
}

struct grouped {
	size_t node;
	int64_t ts, id;
	size_t from;
};

static int by_node_time(const void *a, const void *b)
{
	const struct grouped *x = a, *y = b;
	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* The tree's events and alerts, grouped by node in time order. */
static void group_events_and_alerts(struct builder *b, struct process_tree *t, const size_t *where)
{
	size_t cap = b->nevents > b->nalerts ? b->nevents : b->nalerts;
	struct grouped *g = xmalloc((cap ? cap : 1) * sizeof(*g));
	size_t ng = 0;
	for (size_t e = 0; e < b->nevents; e++)
		if (where[b->events[e].node] != SIZE_MAX)
			g[ng++] = (struct grouped){where[b->events[e].node], b->events[e].ts, b->events[e].event_id, e};
	qsort(g, ng, sizeof(*g), by_node_time);
	t->events = xcalloc(ng ? ng : 1, sizeof(*t->events));
	for (size_t i = 0; i < ng; i++) {
		struct event_node *e = &b->events[g[i].from];
		struct tree_node *n = &t->nodes[g[i].node];
		if (!n->first_event_id)
			n->first_event = i, n->first_event_id = e->event_id;
		t->events[t->nevents++] = (struct tree_event){e->event_id, e->ts, e->what};
		e->what = NULL; /* moved */
	}
	ng = 0;
	for (size_t k = 0; k < b->nalerts; k++)
		if (where[b->alerts[k].node] != SIZE_MAX)
			g[ng++] = (struct grouped){where[b->alerts[k].node], b->alerts[k].a.ts, b->alerts[k].a.id, k};
	qsort(g, ng, sizeof(*g), by_node_time);
	t->alerts = xcalloc(ng ? ng : 1, sizeof(*t->alerts));
	for (size_t i = 0; i < ng; i++) {
		struct tree_node *n = &t->nodes[g[i].node];
		if (!n->alerts++)
			n->first_alert = i;
		t->alerts[t->nalerts++] = b->alerts[g[i].from].a;
		memset(&b->alerts[g[i].from].a, 0, sizeof(struct tree_alert)); /* moved */
	}
	free(g);
}

static void mark_events(struct builder *b, struct process_tree *t, const size_t *where, const struct tree_options *o)
{
	for (size_t i = 0; i < o->nmarked; i++) {
		const struct event_node *hit = event_of(b, o->marked[i]);
		if (hit && where[hit->node] != SIZE_MAX)
			t->nodes[where[hit->node]].marked = 1;
	}
}

static void node_free(struct tree_node *n)
{
	free(n->entity_id), free(n->parent_entity_id), free(n->name), free(n->executable);
	free(n->command_line), free(n->user);
}

static void alert_free(struct tree_alert *a)
{
	free(a->uuid), free(a->rule), free(a->severity), free(a->status);
}

static void builder_release(struct builder *b)
{
	for (size_t k = 0; k < b->n; k++) {
		node_free(&b->nodes[k]);
		free(b->claims[k].about), free(b->claims[k].name), free(b->claims[k].executable);
		free(b->claims[k].command_line);
	}
	for (size_t e = 0; e < b->nevents; e++)
		free(b->events[e].what);
	for (size_t k = 0; k < b->nalerts; k++)
		alert_free(&b->alerts[k].a);
	free(b->nodes), free(b->claims), free(b->own), free(b->events), free(b->alerts);
	strpool_release(&b->ids);
}

int tree_build_with(struct store *s, int64_t event_id, const struct tree_options *o, struct process_tree *t)
{
	memset(t, 0, sizeof(*t));
	struct builder b = {.start_event = event_id, .start = SIZE_MAX};
	b.max_nodes = o->max_nodes ? o->max_nodes : TREE_MAX_NODES;
	strpool_init(&b.ids);
	/* the alerts on the window's events: those on its host within it, not every alert of the case */
	struct alert_query near = {.no_doc = 1, .near_event = event_id, .window_us = o->window_us};
	int rc = store_timeline_each(s, event_id, o->window_us, o->window_us, 1, take_event, &b);
	if (!rc && b.nevents > 1)
		qsort(b.events, b.nevents, sizeof(*b.events), by_event_id);
	if (!rc)
		rc = store_alerts_each(s, &near, take_alert, &b);
	if (!rc && b.start == SIZE_MAX)
		rc = CB_NOT_FOUND;
	if (!rc) {
		size_t *where = xmalloc((b.n ? b.n : 1) * sizeof(*where));
		lay_out(&b, t, where);
		size_t *bk = xmalloc((t->n ? t->n : 1) * sizeof(*bk)); /* tree index -> builder node */
		for (size_t k = 0; k < b.n; k++)
			if (where[k] != SIZE_MAX)
				bk[where[k]] = k;
		set_guides(t);
		describe_from_children(&b, t, bk);
		group_events_and_alerts(&b, t, where);
		mark_events(&b, t, where, o);
		free(bk);
		free(where);
	}
	t->dropped = b.dropped;
	t->host = b.host;
	builder_release(&b);
	return rc;
}

int tree_build(struct store *s, int64_t event_id, int64_t window_us, struct process_tree *t)
{
	struct tree_options o = {.window_us = window_us};
	return tree_build_with(s, event_id, &o, t);
}

void tree_release(struct process_tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		node_free(&t->nodes[i]);
	for (size_t i = 0; i < t->nevents; i++)
		free(t->events[i].what);
	for (size_t i = 0; i < t->nalerts; i++)
		alert_free(&t->alerts[i]);
	free(t->nodes);
	free(t->events);
	free(t->alerts);
	free((char *)t->host);
	memset(t, 0, sizeof(*t));
}

/* ---- the text ---- */

/* A field, sanitized on one line: a line break in a command line must not start a false row. */
static void add_field(struct strbuf *l, const char *prefix, const char *v)
{
	strbuf_addstr(l, prefix);
	sanitize_append(l, v, strlen(v), 0);
}

void tree_node_label(const struct tree_node *n, struct strbuf *out)
{
	if (n->name) {
		strbuf_addstr(out, n->name);
	} else if (n->executable) {
		const char *slash = strrchr(n->executable, '/');
		strbuf_addstr(out, slash && slash[1] ? slash + 1 : n->executable);
	} else if (n->has_pid) {
		strbuf_addf(out, "pid %lld", (long long)n->pid);
	} else {
		strbuf_addstr(out, "process ");
		strbuf_addstr(out, n->entity_id ? n->entity_id : "");
	}
}

/* Whether the ancestor of node i at level m (1 <= m < level of i) has a later sibling. */
static int continues(const struct process_tree *t, size_t i, int m)
{
	if (m <= 64)
		return (int)((t->nodes[i].guides >> (m - 1)) & 1);
	size_t a = i;
	for (int l = level_of(t, i); l > m && a != SIZE_MAX; l--)
		a = t->nodes[a].parent;
	return a != SIZE_MAX && !t->nodes[a].last_child;
}

void tree_format_guides(const struct process_tree *t, size_t i, int max_levels, int ascii, struct strbuf *out)
{
	int level = level_of(t, i);
	if (level <= 0)
		return;
	if (max_levels < 3)
		max_levels = 3;
	if (max_levels > 64)
		max_levels = 64;
	const char *bar = ascii ? "|  " : "│  ", *tee = ascii ? "|- " : "├─ ", *elbow = ascii ? "`- " : "└─ ";
	int head = level - 1, tail = 0;
	if (level > max_levels) { /* the first and last levels' guides, the middle elided */
		head = (max_levels - 1) / 2;
		tail = max_levels - 1 - head;
	}
	for (int m = 1; m <= head; m++)
		strbuf_addstr(out, continues(t, i, m) ? bar : "   ");
	if (tail) {
		strbuf_addf(out, ascii ? "..+%d.. " : "┄+%d┄ ", level - 1 - head - tail);
		/* the tail's guides, from the nearest ancestor up: at most max_levels steps */
		char flags[64];
		size_t a = t->nodes[i].parent;
		for (int k = 0; k < tail && a != SIZE_MAX; k++, a = t->nodes[a].parent)
			flags[tail - 1 - k] = (char)!t->nodes[a].last_child;
		for (int k = 0; k < tail; k++)
			strbuf_addstr(out, flags[k] ? bar : "   ");
	}
	strbuf_addstr(out, t->nodes[i].last_child ? elbow : tee);
}

void tree_format_line(const struct process_tree *t, size_t i, int ascii, struct strbuf *l)
{
	const struct tree_node *n = &t->nodes[i];
	strbuf_addstr(l, n->depth == 0 ? (ascii ? "> " : "▶ ") : "  ");
	tree_format_guides(t, i, TREE_DRAWN_LEVELS, ascii, l);
	struct strbuf label;
	strbuf_init(&label, 64);
	tree_node_label(n, &label);
	add_field(l, "", label.buf);
	strbuf_release(&label);
	if (n->has_pid && (n->name || n->executable))
		strbuf_addf(l, " (pid %lld)", (long long)n->pid);
	if (n->user)
		add_field(l, " ", n->user);
	if (n->ts) {
		char ts[TIME_ISO_LEN];
		time_format_iso8601(n->ts, ts);
		strbuf_addf(l, " %.19sZ", ts);
	}
	if (n->alerts)
		strbuf_addf(l, " [%zu alert%s]", n->alerts, n->alerts == 1 ? "" : "s");
	add_field(l, "  ", n->command_line ? n->command_line : n->executable ? n->executable : "");
	strbuf_addch(l, '\n');
}

void tree_format_text(const struct process_tree *t, int ascii, struct strbuf *out)
{
	for (size_t i = 0; i < t->n; i++)
		tree_format_line(t, i, ascii, out);
}
