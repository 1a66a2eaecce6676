#include "tui/queue.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"
#include "common/vocab.h"

const char *const queue_sort_names[SORT_COUNT] = {"time", "severity", "host"};
const char *const queue_filter_names[FILTER_COUNT] = {"open", "acknowledged", "closed", "all"};

void queue_init(struct queue *q)
{
	memset(q, 0, sizeof(*q));
	q->rows_in_time_order = 1;
}

static int compare_time(const struct qrow *a, const struct qrow *b)
{
	int c = (a->time > b->time) - (a->time < b->time);
	return c ? c : strcmp(a->uuid, b->uuid);
}

void queue_clear_rows(struct queue *q)
{
	strpool_release(&q->pool);
	strpool_release(&q->hosts);
	q->n = 0;
	q->nview = 0;
	q->nmarked = 0;
	q->nby_id = 0;
	q->norder = 0;
	q->ngroups = 0;
	q->nexpanded = 0; /* host ids are given again */
	q->rows_in_time_order = 1;
	q->last_top = 0;
}

void queue_release(struct queue *q)
{
	queue_clear_rows(q);
	free(q->rows);
	free(q->view);
	free(q->order);
	free(q->groups);
	free(q->expanded);
	free(q->by_id);
	queue_init(q);
}

void queue_add(struct queue *q, const struct qrow *r)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 256;
		q->rows = xrealloc(q->rows, q->cap * sizeof(*q->rows));
	}
	struct qrow *c = &q->rows[q->n++];
	*c = *r;
	c->uuid = strpool_copy(&q->pool, r->uuid);
	c->status = strpool_intern(&q->pool, r->status, NULL);
	c->severity = strpool_intern(&q->pool, r->severity, NULL);
	c->host = strpool_intern(&q->hosts, r->host, &c->host_id);
	c->rule = strpool_intern(&q->pool, r->rule, NULL);
	c->target = strpool_intern(&q->pool, r->target, NULL);
	c->severity_rank = queue_severity_rank(c->severity);
	q->nmarked += c->marked != 0;
	if (c->group_parent > 0) /* nested: placed after its parent, not sorted */
		return;
	if (q->last_top && compare_time(&q->rows[q->last_top - 1], c) > 0)
		q->rows_in_time_order = 0;
	q->last_top = q->n;
}

void queue_set_status(struct queue *q, size_t row, const char *status)
{
	q->rows[row].status = strpool_intern(&q->pool, status, NULL);
}

static const struct queue *sorting; /* qsort has no context argument */

static int compare_ids(const void *pa, const void *pb)
{
	int64_t a = sorting->rows[*(const size_t *)pa].id, b = sorting->rows[*(const size_t *)pb].id;
	return (a > b) - (a < b);
}

long queue_find_id(struct queue *q, int64_t id)
{
	const struct qrow *sel = queue_selected(q); /* most often the one asked for */
	if (sel && sel->id == id)
		return (long)q->view[q->sel].row;
	if (q->nby_id != q->n) {
		q->by_id = xrealloc(q->by_id, (q->n ? q->n : 1) * sizeof(*q->by_id));
		for (size_t i = 0; i < q->n; i++)
			q->by_id[i] = i;
		sorting = q;
		qsort(q->by_id, q->n, sizeof(*q->by_id), compare_ids);
		q->nby_id = q->n;
	}
	size_t lo = 0, hi = q->nby_id;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int64_t have = q->rows[q->by_id[mid]].id;
		if (have == id)
			return (long)q->by_id[mid];
		if (have < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

long queue_find_uuid(const struct queue *q, const char *uuid)
{
	for (size_t i = 0; i < q->n; i++)
		if (!strcmp(q->rows[i].uuid, uuid))
			return (long)i;
	return -1;
}

int queue_severity_rank(const char *s)
{
	return (int)severity_from(s);
}

/* host_rank[host_id]: the host's place in name order, for SORT_HOST */
static size_t *host_rank;

static int compare_rows(const void *pa, const void *pb)
{
	const struct qrow *a = &sorting->rows[*(const size_t *)pa], *b = &sorting->rows[*(const size_t *)pb];
	int c = 0;
	if (sorting->sort == SORT_SEVERITY)
		c = b->severity_rank - a->severity_rank;
	else if (sorting->sort == SORT_HOST)
		c = (host_rank[a->host_id] > host_rank[b->host_id]) - (host_rank[a->host_id] < host_rank[b->host_id]);
	if (!c)
		c = compare_time(b, a); /* newest first */
	return sorting->reverse ? -c : c;
}

static size_t sort_key(const struct queue *q, const struct qrow *r)
{
	return q->sort == SORT_SEVERITY ? (size_t)(4 - r->severity_rank)
	       : q->sort == SORT_HOST   ? host_rank[r->host_id]
	                                : 0;
}

static void reverse_rows(size_t *v, size_t n)
{
	for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
		size_t t = v[i];
		v[i] = v[j - 1];
		v[j - 1] = t;
	}
}

/* The order, built in row order, is already in time order when the rows were added in it (the
 * store lists them so): then reversing it (newest first) and a stable counting sort by the key
 * alone is the whole sort, O(n). */
static void sort_order(struct queue *q)
{
	if (!q->rows_in_time_order) {
		qsort(q->order, q->norder, sizeof(*q->order), compare_rows);
		return;
	}
	reverse_rows(q->order, q->norder);
	if (q->sort != SORT_TIME) {
		size_t nkeys = q->sort == SORT_HOST ? strpool_count(&q->hosts) : 5;
		size_t *start = xcalloc(nkeys + 1, sizeof(*start));
		size_t *out = xmalloc((q->norder ? q->norder : 1) * sizeof(*out));
		for (size_t i = 0; i < q->norder; i++)
			start[sort_key(q, &q->rows[q->order[i]]) + 1]++;
		for (size_t k = 1; k <= nkeys; k++)
			start[k] += start[k - 1];
		for (size_t i = 0; i < q->norder; i++)
			out[start[sort_key(q, &q->rows[q->order[i]])]++] = q->order[i];
		memcpy(q->order, out, q->norder * sizeof(*out));
		free(out);
		free(start);
	}
	if (q->reverse)
		reverse_rows(q->order, q->norder);
}

static int visible(const struct queue *q, const struct qrow *r)
{
	if (!r->kql_hit || (r->building_block && !q->show_building_blocks))
		return 0;
	return q->filter == FILTER_ALL || !strcmp(r->status, queue_filter_names[q->filter]);
}

/* The three statuses differ in their first letter. */
static void count_statuses(struct queue *q)
{
	q->count_open = q->count_ack = q->count_closed = 0;
	for (size_t i = 0; i < q->n; i++)
		switch (q->rows[i].group_parent > 0 ? 'n' : q->rows[i].status[0]) {
		case 'n': break; /* a sequence's part: its sequence alert is counted */
		case 'o': q->count_open++; break;
		case 'a': q->count_ack++; break;
		default: q->count_closed++;
		}
}

static int compare_host_names(const void *pa, const void *pb)
{
	return strcmp(strpool_string(&sorting->hosts, *(const size_t *)pa),
	              strpool_string(&sorting->hosts, *(const size_t *)pb));
}

/* Ranks the distinct hosts by name once, so that sorting rows compares integers. */
static size_t *rank_hosts(const struct queue *q)
{
	size_t n = strpool_count(&q->hosts);
	size_t *order = xmalloc((n ? n : 1) * sizeof(*order)), *rank = xmalloc((n ? n : 1) * sizeof(*rank));
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	sorting = q;
	qsort(order, n, sizeof(*order), compare_host_names);
	for (size_t i = 0; i < n; i++)
		rank[order[i]] = i;
	free(order);
	return rank;
}

/* The groups, one per host with visible alerts, in the order of each host's first alert. */
static void build_groups(struct queue *q, size_t *group_of_host)
{
	size_t nhosts = strpool_count(&q->hosts);
	for (size_t h = 0; h < nhosts; h++)
		group_of_host[h] = SIZE_MAX;
	q->groups = xrealloc(q->groups, (nhosts ? nhosts : 1) * sizeof(*q->groups));
	q->ngroups = 0;
	for (size_t i = 0; i < q->norder; i++) {
		const struct qrow *r = &q->rows[q->order[i]];
		if (group_of_host[r->host_id] == SIZE_MAX) {
			group_of_host[r->host_id] = q->ngroups;
			q->groups[q->ngroups++] =
			    (struct queue_group){.host_id = r->host_id, .top_rank = -1, .top_risk = INT64_MIN};
		}
		struct queue_group *g = &q->groups[group_of_host[r->host_id]];
		g->n++;
		g->by_severity[r->severity_rank]++;
		g->open += r->status[0] == 'o';
		if (r->severity_rank > g->top_rank)
			g->top_rank = r->severity_rank;
		if (r->risk > g->top_risk)
			g->top_risk = r->risk;
	}
}

/* The slots: each host's group row where it first appears, its alerts after it when expanded. */
static void group_by_host(struct queue *q)
{
	size_t nhosts = strpool_count(&q->hosts);
	size_t *group_of_host = xmalloc((nhosts ? nhosts : 1) * sizeof(*group_of_host));
	size_t *next = xcalloc(nhosts ? nhosts : 1, sizeof(*next)); /* 1 + the order slot of its next alert */
	size_t *after = xmalloc((q->norder ? q->norder : 1) * sizeof(*after));
	build_groups(q, group_of_host);
	/* each alert's successor on its host, so that a group's members are listed without a scan */
	for (size_t i = q->norder; i-- > 0;) {
		size_t h = q->rows[q->order[i]].host_id;
		after[i] = next[h];
		next[h] = i + 1;
	}
	q->nview = 0;
	for (size_t i = 0; i < q->norder; i++) {
		size_t row = q->order[i], gi = group_of_host[q->rows[row].host_id];
		const struct queue_group *g = &q->groups[gi];
		if (g->n == 1) {
			q->view[q->nview++] = (struct queue_slot){.row = row, .kind = SLOT_ALERT};
			continue;
		}
		if (next[g->host_id] != i + 1)
			continue; /* not the host's first alert: listed with its group */
		q->view[q->nview++] = (struct queue_slot){.row = row, .group = gi, .kind = SLOT_GROUP};
		if (g->host_id < q->nexpanded && q->expanded[g->host_id])
			for (size_t k = i + 1; k; k = after[k - 1])
				q->view[q->nview++] =
				    (struct queue_slot){.row = q->order[k - 1], .group = gi, .kind = SLOT_MEMBER};
	}
	free(after);
	free(next);
	free(group_of_host);
}

/* The slot that shows what keep showed: the same group or alert, else the other (the alert's
 * folded group, the group's alert once ungrouped), else the first. */
static size_t find_slot(const struct queue *q, struct queue_slot keep, size_t keep_host)
{
	size_t by_row = SIZE_MAX, by_group = SIZE_MAX;
	for (size_t i = 0; i < q->nview; i++) {
		const struct queue_slot *v = &q->view[i];
		if (v->kind == SLOT_GROUP && q->rows[v->row].host_id == keep_host && by_group == SIZE_MAX)
			by_group = i;
		else if (v->kind != SLOT_GROUP && v->row == keep.row && by_row == SIZE_MAX)
			by_row = i;
	}
	size_t first = keep.kind == SLOT_GROUP ? by_group : by_row,
	       second = keep.kind == SLOT_GROUP ? by_row : by_group;
	return first != SIZE_MAX ? first : second != SIZE_MAX ? second : 0;
}

/* Puts each sequence alert's shown building blocks right after it in the order, in the order
 * they were added (a sequence's own): they follow their sequence alert whatever the sort. */
static void nest_building_blocks(struct queue *q)
{
	if (!q->show_building_blocks)
		return;
	size_t nested = 0;
	for (size_t i = 0; i < q->norder; i++)
		for (size_t k = q->order[i] + 1; k < q->n && q->rows[k].group_parent == q->rows[q->order[i]].id; k++)
			nested += visible(q, &q->rows[k]) != 0;
	if (!nested)
		return;
	size_t *out = xmalloc((q->norder + nested) * sizeof(*out)), n = 0;
	for (size_t i = 0; i < q->norder; i++) {
		size_t parent = q->order[i];
		out[n++] = parent;
		for (size_t k = parent + 1; k < q->n && q->rows[k].group_parent == q->rows[parent].id; k++)
			if (visible(q, &q->rows[k]))
				out[n++] = k;
	}
	memcpy(q->order, out, n * sizeof(*out));
	q->norder = n;
	free(out);
}

void queue_apply(struct queue *q)
{
	/* the rows stay where they are: the selected one is found again by its index */
	int had = q->sel < q->nview;
	struct queue_slot keep = had ? q->view[q->sel] : (struct queue_slot){0};
	size_t keep_host = had ? q->rows[keep.row].host_id : SIZE_MAX;
	q->order = xrealloc(q->order, (q->n ? q->n : 1) * sizeof(*q->order));
	/* an expanded host shows a row of its own and its alerts */
	q->view = xrealloc(q->view, (q->n + strpool_count(&q->hosts) + 1) * sizeof(*q->view));
	q->norder = 0;
	count_statuses(q);
	for (size_t i = 0; i < q->n; i++)
		if (!q->rows[i].group_parent && visible(q, &q->rows[i]))
			q->order[q->norder++] = i;
	sorting = q;
	host_rank = q->sort == SORT_HOST ? rank_hosts(q) : NULL;
	sort_order(q);
	free(host_rank);
	host_rank = NULL;
	nest_building_blocks(q);
	if (q->group_host) {
		group_by_host(q);
	} else {
		q->ngroups = 0;
		for (size_t i = 0; i < q->norder; i++)
			q->view[i] = (struct queue_slot){.row = q->order[i], .kind = SLOT_ALERT};
		q->nview = q->norder;
	}
	q->sel = had ? find_slot(q, keep, keep_host) : 0;
	if (q->top > q->sel)
		q->top = q->sel;
}

const char *queue_order_name(const struct queue *q)
{
	static const char *const names[SORT_COUNT][2] = {{"newest first", "oldest first"},
	                                                 {"by severity", "by severity, lowest first"},
	                                                 {"by host", "by host, Z-A"}};
	return names[q->sort][q->reverse != 0];
}

const struct qrow *queue_slot_alert(const struct queue *q, size_t i)
{
	return i < q->nview && q->view[i].kind != SLOT_GROUP ? &q->rows[q->view[i].row] : NULL;
}

const struct queue_group *queue_selected_group(const struct queue *q)
{
	return q->sel < q->nview && q->view[q->sel].kind == SLOT_GROUP ? &q->groups[q->view[q->sel].group] : NULL;
}

size_t queue_group_rows(const struct queue *q, const struct queue_group *g, size_t *out)
{
	size_t n = 0;
	for (size_t i = 0; i < q->norder; i++)
		if (q->rows[q->order[i]].host_id == g->host_id)
			out[n++] = q->order[i];
	return n;
}

void queue_toggle_group(struct queue *q)
{
	const struct queue_group *g = queue_selected_group(q);
	if (!g)
		return;
	size_t nhosts = strpool_count(&q->hosts);
	if (q->nexpanded < nhosts) {
		q->expanded = xrealloc(q->expanded, nhosts);
		memset(q->expanded + q->nexpanded, 0, nhosts - q->nexpanded);
		q->nexpanded = nhosts;
	}
	q->expanded[g->host_id] = !q->expanded[g->host_id];
	queue_apply(q);
}

const struct qrow *queue_selected(const struct queue *q)
{
	return queue_slot_alert(q, q->sel);
}

void queue_move(struct queue *q, long delta, int height)
{
	if (!q->nview)
		return;
	long s = (long)q->sel + delta;
	if (s < 0)
		s = 0;
	if (s >= (long)q->nview)
		s = (long)q->nview - 1;
	q->sel = (size_t)s;
	if (height < 1)
		height = 1;
	if (q->sel < q->top)
		q->top = q->sel;
	if (q->sel >= q->top + (size_t)height)
		q->top = q->sel - (size_t)height + 1;
}

void queue_select_row(struct queue *q, size_t row, int height)
{
	size_t i = find_slot(q, (struct queue_slot){.row = row, .kind = SLOT_ALERT}, q->rows[row].host_id);
	if (i < q->nview)
		queue_move(q, (long)i - (long)q->sel, height);
}

void queue_select_uuid(struct queue *q, const char *uuid, int height)
{
	for (size_t i = 0; i < q->norder; i++)
		if (!strcmp(q->rows[q->order[i]].uuid, uuid)) {
			queue_select_row(q, q->order[i], height);
			return;
		}
}

static int row_contains(const struct qrow *r, const char *text)
{
	const char *fields[] = {r->host, r->rule, r->target, r->status, r->uuid, r->severity};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcasestr(fields[i], text))
			return 1;
	return 0;
}

int queue_search(struct queue *q, const char *text, int dir, int height)
{
	if (!q->nview || !text || !*text)
		return 0;
	for (size_t step = 1; step <= q->nview; step++) {
		size_t i = dir > 0 ? (q->sel + step) % q->nview : (q->sel + q->nview - step % q->nview) % q->nview;
		if (row_contains(&q->rows[q->view[i].row], text)) {
			queue_move(q, (long)i - (long)q->sel, height);
			return 1;
		}
	}
	return 0;
}

void queue_set_mark(struct queue *q, size_t row, int on)
{
	struct qrow *r = &q->rows[row];
	q->nmarked += (on != 0) - (r->marked != 0);
	r->marked = on != 0;
}

void queue_clear_marks(struct queue *q)
{
	for (size_t i = 0; i < q->n; i++)
		q->rows[i].marked = 0;
	q->nmarked = 0;
}

size_t queue_mark_like(struct queue *q, size_t like, enum queue_like by)
{
	const struct qrow *l = &q->rows[like];
	size_t added = 0;
	for (size_t i = 0; i < q->norder; i++) {
		struct qrow *r = &q->rows[q->order[i]];
		/* host ids are dense ids of one pool; rule names are interned in the queue's pool */
		int same = by == LIKE_SHOWN || (by == LIKE_HOST && r->host_id == l->host_id) ||
		           (by == LIKE_RULE && r->rule == l->rule);
		if (same && !r->marked) {
			queue_set_mark(q, q->order[i], 1);
			added++;
		}
	}
	return added;
}

size_t queue_marked(const struct queue *q)
{
	return q->nmarked;
}

void queue_counts(const struct queue *q, size_t *open, size_t *ack, size_t *closed)
{
	*open = q->count_open;
	*ack = q->count_ack;
	*closed = q->count_closed;
}
