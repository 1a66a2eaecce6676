#include "tui/queue.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"

const char *const queue_sort_names[SORT_COUNT] = {"time", "severity", "host", "newest"};
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
	q->rows_in_time_order = 1;
}

void queue_release(struct queue *q)
{
	queue_clear_rows(q);
	free(q->rows);
	free(q->view);
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
	c->group_size = 1;
	c->severity_rank = queue_severity_rank(c->severity);
	q->nmarked += c->marked != 0;
	if (q->n > 1 && compare_time(&q->rows[q->n - 2], c) > 0)
		q->rows_in_time_order = 0;
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
		return (long)q->view[q->sel];
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

int queue_severity_rank(const char *s)
{
	return !strcmp(s, "critical") ? 4
	       : !strcmp(s, "high")   ? 3
	       : !strcmp(s, "medium") ? 2
	       : !strcmp(s, "low")    ? 1
	                              : 0;
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
	else if (sorting->sort == SORT_NEWEST)
		return compare_time(b, a);
	return c ? c : compare_time(a, b);
}

static size_t sort_key(const struct queue *q, const struct qrow *r)
{
	return q->sort == SORT_SEVERITY ? (size_t)(4 - r->severity_rank)
	       : q->sort == SORT_HOST   ? host_rank[r->host_id]
	                                : 0;
}

/* The view, built in row order, is already in time order when the rows were added in it (the
 * store lists them so): then a stable counting sort by the key alone is the whole sort, O(n). */
static void sort_view(struct queue *q)
{
	if (!q->rows_in_time_order) {
		qsort(q->view, q->nview, sizeof(*q->view), compare_rows);
		return;
	}
	if (q->sort == SORT_TIME)
		return;
	if (q->sort == SORT_NEWEST) { /* time order, reversed */
		for (size_t i = 0, j = q->nview; i + 1 < j; i++, j--) {
			size_t t = q->view[i];
			q->view[i] = q->view[j - 1];
			q->view[j - 1] = t;
		}
		return;
	}
	size_t nkeys = q->sort == SORT_HOST ? strpool_count(&q->hosts) : 5;
	size_t *start = xcalloc(nkeys + 1, sizeof(*start)), *out = xmalloc((q->nview ? q->nview : 1) * sizeof(*out));
	for (size_t i = 0; i < q->nview; i++)
		start[sort_key(q, &q->rows[q->view[i]]) + 1]++;
	for (size_t k = 1; k <= nkeys; k++)
		start[k] += start[k - 1];
	for (size_t i = 0; i < q->nview; i++)
		out[start[sort_key(q, &q->rows[q->view[i]])]++] = q->view[i];
	memcpy(q->view, out, q->nview * sizeof(*out));
	free(out);
	free(start);
}

static int visible(const struct queue *q, const struct qrow *r)
{
	if (!r->kql_hit)
		return 0;
	return q->filter == FILTER_ALL || !strcmp(r->status, queue_filter_names[q->filter]);
}

/* The three statuses differ in their first letter. */
static void count_statuses(struct queue *q)
{
	q->count_open = q->count_ack = q->count_closed = 0;
	for (size_t i = 0; i < q->n; i++)
		switch (q->rows[i].status[0]) {
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

/* One row per host: the first alert in sort order stands for the others. */
static void group_by_host(struct queue *q)
{
	size_t nhosts = strpool_count(&q->hosts), out = 0;
	size_t *first = xmalloc((nhosts ? nhosts : 1) * sizeof(*first)); /* view slot + 1 */
	memset(first, 0, (nhosts ? nhosts : 1) * sizeof(*first));
	for (size_t i = 0; i < q->nview; i++) {
		struct qrow *r = &q->rows[q->view[i]];
		if (first[r->host_id]) {
			q->rows[q->view[first[r->host_id] - 1]].group_size++;
		} else {
			q->view[out++] = q->view[i];
			first[r->host_id] = out;
		}
	}
	q->nview = out;
	free(first);
}

void queue_apply(struct queue *q)
{
	/* the rows stay where they are: the selected one is found again by its index */
	size_t keep = queue_selected(q) ? q->view[q->sel] : SIZE_MAX;
	q->view = xrealloc(q->view, (q->n ? q->n : 1) * sizeof(*q->view));
	q->nview = 0;
	count_statuses(q);
	for (size_t i = 0; i < q->n; i++) {
		q->rows[i].group_size = 1;
		if (visible(q, &q->rows[i]))
			q->view[q->nview++] = i;
	}
	sorting = q;
	host_rank = q->sort == SORT_HOST ? rank_hosts(q) : NULL;
	sort_view(q);
	free(host_rank);
	host_rank = NULL;
	if (q->group_host)
		group_by_host(q);
	q->sel = 0;
	for (size_t i = 0; keep != SIZE_MAX && i < q->nview; i++)
		if (q->view[i] == keep)
			q->sel = i;
	if (q->top > q->sel)
		q->top = q->sel;
}

const struct qrow *queue_selected(const struct queue *q)
{
	return q->nview && q->sel < q->nview ? &q->rows[q->view[q->sel]] : NULL;
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

void queue_select_uuid(struct queue *q, const char *uuid, int height)
{
	for (size_t i = 0; i < q->nview; i++)
		if (!strcmp(q->rows[q->view[i]].uuid, uuid)) {
			queue_move(q, (long)i - (long)q->sel, height);
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
		if (row_contains(&q->rows[q->view[i]], text)) {
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
