#include "tui/queue.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"

const char *const queue_sort_names[SORT_COUNT] = {"time", "severity", "host"};
const char *const queue_filter_names[FILTER_COUNT] = {"open", "acknowledged", "closed", "all"};

void queue_init(struct queue *q)
{
	memset(q, 0, sizeof(*q));
}

static void row_free(struct qrow *r)
{
	free(r->uuid), free(r->status), free(r->severity), free(r->host), free(r->rule), free(r->target);
	free(r->reason);
}

void queue_clear_rows(struct queue *q)
{
	for (size_t i = 0; i < q->n; i++)
		row_free(&q->rows[i]);
	q->n = 0;
	q->nview = 0;
	q->nmarked = 0;
}

void queue_release(struct queue *q)
{
	queue_clear_rows(q);
	free(q->rows);
	free(q->view);
	queue_init(q);
}

static char *dup(const char *s)
{
	return xstrdup(s ? s : "");
}

void queue_add(struct queue *q, const struct qrow *r)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 256;
		q->rows = xrealloc(q->rows, q->cap * sizeof(*q->rows));
	}
	struct qrow *c = &q->rows[q->n++];
	*c = *r;
	c->uuid = dup(r->uuid);
	c->status = dup(r->status);
	c->severity = dup(r->severity);
	c->host = dup(r->host);
	c->rule = dup(r->rule);
	c->target = dup(r->target);
	c->reason = dup(r->reason);
	c->group_size = 1;
	c->severity_rank = queue_severity_rank(c->severity);
	q->nmarked += c->marked != 0;
}

int queue_severity_rank(const char *s)
{
	return !strcmp(s, "critical") ? 4 : !strcmp(s, "high") ? 3 : !strcmp(s, "medium") ? 2 : !strcmp(s, "low") ? 1 : 0;
}

static const struct queue *sorting; /* qsort has no context argument */

static int compare_rows(const void *pa, const void *pb)
{
	const struct qrow *a = &sorting->rows[*(const size_t *)pa], *b = &sorting->rows[*(const size_t *)pb];
	int c = 0;
	if (sorting->sort == SORT_SEVERITY)
		c = b->severity_rank - a->severity_rank;
	else if (sorting->sort == SORT_HOST)
		c = strcmp(a->host, b->host);
	if (!c)
		c = (a->time > b->time) - (a->time < b->time);
	if (!c)
		c = strcmp(a->uuid, b->uuid);
	return c;
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

void queue_apply(struct queue *q)
{
	const struct qrow *was = queue_selected(q);
	char *keep = was ? xstrdup(was->uuid) : NULL;
	q->view = xrealloc(q->view, (q->n ? q->n : 1) * sizeof(*q->view));
	q->nview = 0;
	count_statuses(q);
	for (size_t i = 0; i < q->n; i++) {
		q->rows[i].group_size = 1;
		if (visible(q, &q->rows[i]))
			q->view[q->nview++] = i;
	}
	sorting = q;
	qsort(q->view, q->nview, sizeof(*q->view), compare_rows);
	if (q->group_host) {
		/* one row per host: the first alert in sort order stands for the others */
		size_t out = 0;
		for (size_t i = 0; i < q->nview; i++) {
			struct qrow *r = &q->rows[q->view[i]];
			size_t j;
			for (j = 0; j < out; j++)
				if (!strcmp(q->rows[q->view[j]].host, r->host))
					break;
			if (j < out)
				q->rows[q->view[j]].group_size++;
			else
				q->view[out++] = q->view[i];
		}
		q->nview = out;
	}
	q->sel = 0;
	if (keep) {
		for (size_t i = 0; i < q->nview; i++)
			if (!strcmp(q->rows[q->view[i]].uuid, keep))
				q->sel = i;
		free(keep);
	}
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
