/* scan: the pass that reads candidate events for the rules of a detect run: one rule alone, or
 * several sharing one read in which each document is decompressed and parsed once; the
 * prefilters (index patterns, columns, needles) that spare parsing; streaming flushes. */

#include "detect/detect.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/casemap.h"
#include "common/diag.h"
#include "common/hash.h"
#include "common/jsonarena.h"
#include "detect/eventjson.h"
#include "detect/exceptions.h"
#include "detect/field.h"
#include "detect/needles.h"
#include "detect/passqueue.h"
#include "detect/plan.h"
#include "detect/rule.h"
#include "detect/run.h"
#include "detect/scan.h"

int run_matches(struct run *run, const cJSON *ev)
{
	int hit = run->test.matches(run->test.query, ev);
	hit = hit && (!run->filter || kql_match(run->filter, ev));
	if (hit && exceptions_match(run->exceptions, ev)) {
		run->totals->suppressed++;
		hit = 0;
	}
	return hit;
}

int run_query_gave_up(struct run *run, const struct candidate_row *c)
{
	const char *why = run->test.gave_up ? run->test.gave_up(run->test.query) : NULL;
	if (why) {
		struct hit h = {.identity = c->ev.r.identity, .ts = c->ev.r.ts};
		run_gave_up(run, &h, why);
	}
	return why != NULL;
}

/* A Kibana alert document (event.kind signal) copies its event's fields: rules run on events,
 * as Kibana's do on logs-* and not on .alerts-*. */
static int is_signal(const struct event_record *r)
{
	return r->kind && !strcmp(r->kind, "signal");
}

/* The columns the prefilter reads: each holds the field's one value when the event's
 * names_exact says so (not for an array, a number, or a case stored before schema 8). */
static const char *const filter_fields[] = {"process.name", "event.action", "user.name", "process.executable"};

static const char *column_value(const struct event_record *r, int column)
{
	switch (column) {
	case 0: return r->process_name;
	case 1: return r->action;
	case 2: return r->user_name;
	default: return r->executable;
	}
}

void run_plan_column_filters(column_values_fn fn, const void *query, int keyword_only, struct column_filter **out,
                             size_t *nout)
{
	for (int k = 0; k < (int)(sizeof(filter_fields) / sizeof(filter_fields[0])); k++) {
		char **values;
		size_t n;
		int caseless = 0;
		if ((keyword_only && field_type(filter_fields[k], strlen(filter_fields[k])) != FT_KEYWORD) ||
		    !fn(query, filter_fields[k], &values, &n, &caseless))
			continue;
		*out = xrealloc(*out, (*nout + 1) * sizeof(**out));
		(*out)[(*nout)++] = (struct column_filter){k, values, n, caseless};
	}
}

void run_release_columns(struct column_filter *columns, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < columns[i].n; k++)
			free(columns[i].values[k]);
		free(columns[i].values);
	}
	free(columns);
}

static int filters_admit(const struct column_filter *filters, size_t n, const struct event_record *r);

/* Whether the event's columns allow a match: a required field's column holds one of its values
 * (a missing field fails a positive condition); for a sequence, one stage's category and
 * columns, and (given the shared pass's needle index, scanned) that stage's needles. */
static int stages_admit(const struct run *run, const struct event_record *r, const struct needle_index *x)
{
	if (!run->nstage_filters)
		return r->irregular || filters_admit(run->columns, run->ncolumns, r);
	for (size_t i = 0; i < run->nstage_filters; i++) {
		const struct stage_filter *f = &run->stage_filters[i];
		if (x && !needle_index_admits(x, f->needle_set))
			continue;
		if (r->irregular)
			return 1;
		struct candidate_query one = {.categories = {f->category}, .ncategories = f->category != NULL};
		if ((!f->category || strlen(f->category) <= 64) && !store_candidate_admits(&one, r))
			continue;
		if (filters_admit(f->columns, f->ncolumns, r))
			return 1;
	}
	return 0;
}

static int columns_admit(const struct run *run, const struct event_record *r)
{
	return stages_admit(run, r, NULL);
}

static int filters_admit(const struct column_filter *filters, size_t n, const struct event_record *r)
{
	if (n && !r->names_exact)
		return 1; /* an array's other values, or a number, are not in the columns */
	for (size_t i = 0; i < n; i++) {
		const struct column_filter *f = &filters[i];
		const char *v = column_value(r, f->column);
		if (!v)
			return 0;
		size_t k;
		for (k = 0;
		     k < f->n && (f->caseless ? casemap_lower_cmp(v, strlen(v), f->values[k], strlen(f->values[k]))
		                              : strcmp(v, f->values[k]));
		     k++)
			;
		if (k == f->n)
			return 0;
	}
	return 1;
}

static int run_index_matches(const struct run *run, const char *index)
{
	if (run->scope)
		return index_matches((const char *const *)run->scope, run->nscope, index);
	return index_matches((const char *const *)run->rule.index, run->rule.nindex, index);
}

/* The candidate, its needles, index patterns and columns passed: parsed (once for every
 * rule) and offered to the type. */
static void consider_admitted(struct run *run, const struct candidate_row *c, cJSON **evp, int *parsed)
{
	if (!*parsed) {
		*evp = detect_event_json_in(run->arena, &c->ev);
		*parsed = 1;
	}
	if (*evp)
		run->type->consider(run, c, *evp);
}

/* Whether the event has the rule's time field: without event.ingested, a rule whose
 * timestamp_override_fallback_disabled is set does not search it (Kibana's secondary search on
 * @timestamp is the fallback). A field the documents hold is asked once one is parsed. */
static int has_time_field(const struct run *run, const struct event_record *r)
{
	return !run->no_fallback || !run->cq.use_ingested || r->has_ingested;
}

static int take_date(void *ctx, const cJSON *v)
{
	return !field_date_json(v, ctx);
}

int run_event_time(const char *field, int no_fallback, const cJSON *ev, int64_t ts, int64_t *t)
{
	if (field_each(ev, field, strlen(field), take_date, t))
		return 1;
	if (no_fallback)
		return 0;
	*t = ts;
	return 1;
}

/* A candidate that passed the prefilters: offered to the type, with the time a run whose time
 * field the documents hold reads from the parsed document, when its window holds it. */
static void consider_timed(struct run *run, const struct candidate_row *c, cJSON **evp, int *parsed)
{
	if (!run->time_field) {
		consider_admitted(run, c, evp, parsed);
		return;
	}
	if (!*parsed) {
		*evp = detect_event_json_in(run->arena, &c->ev);
		*parsed = 1;
	}
	struct candidate_row mine = *c;
	if (*evp && run_event_time(run->time_field, run->no_fallback, *evp, c->ev.r.ts, &mine.time) &&
	    mine.time >= run->cq.from && mine.time <= run->cq.to)
		consider_admitted(run, &mine, evp, parsed);
}

static void consider(struct run *run, const struct candidate_row *c, cJSON **evp, int *parsed)
{
	if (!is_signal(&c->ev.r) && has_time_field(run, &c->ev.r) &&
	    (run->opts->no_prefilter || needles_admit(&run->needles, c->ev.doc, c->ev.doc_len)) &&
	    run_index_matches(run, c->ev.r.index) && (run->opts->no_prefilter || columns_admit(run, &c->ev.r)))
		consider_timed(run, c, evp, parsed);
}

static int on_candidate(void *ctx, const struct candidate_row *c)
{
	struct run *run = ctx;
	cJSON *ev = NULL;
	int parsed = 0;
	consider(run, c, &ev, &parsed);
	json_arena_reset(run->arena);
	return 0;
}

/* Reads the case in rowid order when the window holds most of it. */
static void choose_scan(struct event_source *src, struct candidate_query *cq)
{
	int64_t lo, hi;
	if (!cq->by_event_time && !cq->path_lo && !cq->path_hi && !cq->host &&
	    !src->ops->time_bounds(src, cq->use_ingested, &lo, &hi))
		cq->prefer_scan = cq->to - cq->from >= (hi - lo) / 2;
}

/* The runs' column filters by value: a run whose every admitted row (its columns holding
 * their fields' only values) has one of a few values in one column is listed under each of
 * them, so such a row is asked only of the runs one of its values can satisfy and of the runs
 * with no such column. With 2,000 rules, most for other platforms or other programs, asking
 * every run about every row was most of the pass. */
struct value_index {
	struct value_entry {
		int column, caseless;
		char *key; /* caseless: lower-cased as strcasecmp compares */
		size_t *runs, nruns;
	} * slots;
	size_t cap, used;
	unsigned char *keyed; /* per run: listed under its values */
	uint32_t *stamp, row; /* per run: the row it was last listed for */
	size_t *found;        /* the current row's runs listed under its values */
	size_t *merged;       /* with the unkeyed runs: the runs asked (at most every run) */
	unsigned present;     /* bit 2 * column + caseless: some run is listed under that kind */
	struct strbuf lower;
	int on;
};

static uint64_t value_hash(int column, int caseless, const char *key)
{
	return hash_keyed(key, strlen(key)) ^ ((uint64_t)column << 1 | (uint64_t)caseless);
}

static struct value_entry *value_slot(struct value_index *x, int column, int caseless, const char *key)
{
	size_t mask = x->cap - 1;
	for (size_t at = (size_t)value_hash(column, caseless, key) & mask;; at = (at + 1) & mask) {
		struct value_entry *e = &x->slots[at];
		if (!e->key || (e->column == column && e->caseless == caseless && !strcmp(e->key, key)))
			return e;
	}
}

/* A caseless value as the key it is listed under: through the lowercase normalizer (Lucene's
 * LowerCaseFilter: every letter), which for a query on such a keyword is what Elasticsearch
 * compares, and for EQL's own ASCII-caseless forms admits every value they match. */
static void value_lower(struct strbuf *sb, const char *s)
{
	strbuf_reset(sb);
	size_t len = strlen(s);
	if (!casemap_is_ascii(s, len)) {
		char *low = casemap_lower(s, len);
		strbuf_addstr(sb, low);
		free(low);
		return;
	}
	for (; *s; s++)
		strbuf_addch(sb, (char)tolower((unsigned char)*s));
}

static void value_add(struct value_index *x, int column, int caseless, const char *value, size_t run)
{
	if (2 * (x->used + 1) > x->cap) {
		struct value_index grown = *x;
		grown.cap = x->cap ? 2 * x->cap : 64;
		grown.slots = xcalloc(grown.cap, sizeof(*grown.slots));
		for (size_t i = 0; i < x->cap; i++)
			if (x->slots[i].key)
				*value_slot(&grown, x->slots[i].column, x->slots[i].caseless, x->slots[i].key) =
				    x->slots[i];
		free(x->slots);
		x->slots = grown.slots;
		x->cap = grown.cap;
	}
	const char *key = value;
	if (caseless) {
		value_lower(&x->lower, value);
		key = x->lower.buf;
	}
	x->present |= 1u << (2 * column + caseless);
	struct value_entry *e = value_slot(x, column, caseless, key);
	if (!e->key) {
		*e = (struct value_entry){.column = column, .caseless = caseless, .key = xstrdup(key)};
		x->used++;
	}
	if (e->nruns && e->runs[e->nruns - 1] == run)
		return;
	e->runs = xrealloc(e->runs, (e->nruns + 1) * sizeof(*e->runs));
	e->runs[e->nruns++] = run;
}

static const struct column_filter *filter_on(const struct column_filter *f, size_t n, int column)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].column == column)
			return &f[i];
	return NULL;
}

/* The column every row the run's columns admit holds one of a few values in (stages_admit:
 * an event query's filters; for a sequence, one its every stage filters on), or -1. */
static int key_column(const struct run *run)
{
	if (!run->nstage_filters)
		return run->ncolumns ? run->columns[0].column : -1;
	const struct stage_filter *first = &run->stage_filters[0];
	for (size_t c = 0; c < first->ncolumns; c++) {
		int column = first->columns[c].column;
		size_t k = 1;
		while (k < run->nstage_filters &&
		       filter_on(run->stage_filters[k].columns, run->stage_filters[k].ncolumns, column))
			k++;
		if (k == run->nstage_filters)
			return column;
	}
	return -1;
}

static void value_index_build(struct value_index *x, struct run **runs, size_t n)
{
	strbuf_init(&x->lower, 64);
	x->keyed = xcalloc(n ? n : 1, 1);
	x->stamp = xcalloc(n ? n : 1, sizeof(*x->stamp));
	x->found = xmalloc((n ? n : 1) * sizeof(*x->found));
	x->merged = xmalloc((n ? n : 1) * sizeof(*x->merged));
	x->on = n && !runs[0]->opts->no_prefilter; /* the reference mode asks every run */
	for (size_t i = 0; i < n && x->on; i++) {
		const struct run *run = runs[i];
		int column = key_column(run);
		if (column < 0)
			continue;
		x->keyed[i] = 1;
		size_t nf = run->nstage_filters ? run->nstage_filters : 1;
		for (size_t k = 0; k < nf; k++) {
			const struct column_filter *f =
			    run->nstage_filters
			        ? filter_on(run->stage_filters[k].columns, run->stage_filters[k].ncolumns, column)
			        : filter_on(run->columns, run->ncolumns, column);
			for (size_t v = 0; v < f->n; v++)
				value_add(x, column, f->caseless, f->values[v], i);
		}
	}
}

static void value_index_free(struct value_index *x)
{
	for (size_t i = 0; i < x->cap; i++) {
		free(x->slots[i].key);
		free(x->slots[i].runs);
	}
	free(x->slots);
	free(x->keyed);
	free(x->stamp);
	free(x->found);
	free(x->merged);
	strbuf_release(&x->lower);
}

static int compare_run(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* The rules that scan their windows share one pass over the store: each document is read,
 * decompressed and parsed once, and offered to every rule whose window holds it. */
struct shared_scan {
	struct run **runs;
	size_t n;
	struct needle_index *needles; /* every run's needles: each document is searched once */
	/* which runs' index patterns each index name met so far passes: a case holds a few names,
	 * and matching every rule's patterns against every event's was 8% of the pass */
	struct index_verdicts {
		char *index; /* NULL: the events without one */
		/* the runs it passes, in order: a row is offered to those alone, so the runs whose
		 * patterns no index of the case matches (another platform's, a cloud service's)
		 * cost nothing per row */
		size_t *active, nactive;
		/* with the value index: which runs it passes, and those of them it cannot narrow */
		unsigned char *has;
		size_t *unkeyed, nunkeyed;
	} verdicts[64];
	size_t nverdicts;
	/* the runs asked about the current row, in order: its index name's, or (with the value
	 * index) only those its column values can satisfy */
	const size_t *row_runs;
	size_t nrow_runs;
	size_t *every;         /* 0 .. n-1: every run asked (more than 64 index names) */
	unsigned char *wanted; /* the runs the current row's columns admit (0 outside row_runs) */
	struct value_index values;
	/* the categories the runs require, each tested once a row: category i is bit i */
	const char *categories[64];
	size_t ncategories;
	uint64_t *category_mask;        /* per run: the categories it admits (0: any) */
	struct candidate_query *narrow; /* per run: its narrowing but the categories */
	unsigned char *narrowed;        /* per run: whether narrow holds anything */
	/* streaming: the read stops every flush_rows rows offered (0: never) so the runs can
	 * decide their executions; where it stopped */
	size_t flush_rows, offered;
	int stopped;
	int batched; /* the source reads in batches and asks between them (shared_batch_end) */
	int64_t last_ts, last_id;
	/* the rules' thread the rows go to (NULL: this one offers them) and the runs that admit
	 * the current row */
	struct passqueue *queue;
	size_t *admitted;
};

/* Run i's categories as bits of the scan's table; 0 (any category) when the table is full. */
static uint64_t category_bits(struct shared_scan *g, const struct candidate_query *q)
{
	uint64_t mask = 0;
	for (size_t k = 0; k < q->ncategories; k++) {
		size_t j = 0;
		while (j < g->ncategories && strcmp(g->categories[j], q->categories[k]))
			j++;
		if (j == g->ncategories) {
			if (j == 64)
				return 0;
			g->categories[g->ncategories++] = q->categories[k];
		}
		mask |= (uint64_t)1 << j;
	}
	return mask;
}

static void plan_shared_narrowing(struct shared_scan *g)
{
	g->category_mask = xcalloc(g->n, sizeof(*g->category_mask));
	g->narrow = xcalloc(g->n, sizeof(*g->narrow));
	g->narrowed = xcalloc(g->n, 1);
	for (size_t i = 0; i < g->n; i++) {
		const struct candidate_query *q = &g->runs[i]->cq;
		g->category_mask[i] = category_bits(g, q);
		g->narrow[i] = *q;
		g->narrow[i].ncategories = 0;
		g->narrowed[i] = q->path_lo || q->path_hi || q->host || q->path_lower_prefix;
	}
}

/* The table's categories the row's column lists (all of them when it cannot vouch). */
static uint64_t row_categories(const struct shared_scan *g, const struct event_record *r)
{
	if (r->irregular || !r->category)
		return UINT64_MAX;
	uint64_t mask = 0;
	for (size_t j = 0; j < g->ncategories; j++) {
		struct candidate_query one = {.categories = {g->categories[j]}, .ncategories = 1};
		if (store_candidate_admits(&one, r))
			mask |= (uint64_t)1 << j;
	}
	return mask;
}

/* The runs' verdicts on the index name, worked out on its first event (NULL when more than
 * 64 names: each event is then matched on its own). */
static const struct index_verdicts *index_verdicts(struct shared_scan *g, const char *index)
{
	for (size_t i = 0; i < g->nverdicts; i++) {
		const char *known = g->verdicts[i].index;
		if (known == index || (known && index && !strcmp(known, index)))
			return &g->verdicts[i];
	}
	if (g->nverdicts == sizeof(g->verdicts) / sizeof(g->verdicts[0]))
		return NULL;
	struct index_verdicts *v = &g->verdicts[g->nverdicts++];
	v->index = index ? xstrdup(index) : NULL;
	v->active = xmalloc((g->n ? g->n : 1) * sizeof(*v->active));
	v->nactive = 0;
	for (size_t i = 0; i < g->n; i++)
		if (run_index_matches(g->runs[i], index))
			v->active[v->nactive++] = i;
	v->has = NULL;
	v->unkeyed = NULL;
	v->nunkeyed = 0;
	if (g->values.on) {
		v->has = xcalloc(g->n, 1);
		v->unkeyed = xmalloc((v->nactive ? v->nactive : 1) * sizeof(*v->unkeyed));
		for (size_t k = 0; k < v->nactive; k++) {
			v->has[v->active[k]] = 1;
			if (!g->values.keyed[v->active[k]])
				v->unkeyed[v->nunkeyed++] = v->active[k];
		}
	}
	return v;
}

/* The runs to ask about the row: the index name's, or, when its columns hold their fields'
 * only values, those of them with no key column and those its values are listed under (in
 * order: each is offered the row as before). */
static void row_runs(struct shared_scan *g, const struct index_verdicts *v, const struct event_record *r)
{
	struct value_index *x = &g->values;
	if (!v || !x->on || r->irregular || !r->names_exact) {
		g->row_runs = v ? v->active : g->every;
		g->nrow_runs = v ? v->nactive : g->n;
		return;
	}
	if (++x->row == 0) { /* wrapped: no run may look listed already */
		memset(x->stamp, 0, g->n * sizeof(*x->stamp));
		x->row = 1;
	}
	size_t n = 0;
	for (int column = 0; column < (int)(sizeof(filter_fields) / sizeof(filter_fields[0])); column++) {
		const char *value = (x->present >> (2 * column)) & 3 ? column_value(r, column) : NULL;
		for (int caseless = 0; value && caseless < 2; caseless++) {
			if (!((x->present >> (2 * column + caseless)) & 1))
				continue;
			const char *key = value;
			if (caseless) {
				value_lower(&x->lower, value);
				key = x->lower.buf;
			}
			const struct value_entry *e = value_slot(x, column, caseless, key);
			for (size_t k = 0; e->key && k < e->nruns; k++) {
				size_t i = e->runs[k];
				if (v->has[i] && x->stamp[i] != x->row) {
					x->stamp[i] = x->row;
					x->found[n++] = i;
				}
			}
		}
	}
	if (!n) {
		g->row_runs = v->unkeyed;
		g->nrow_runs = v->nunkeyed;
		return;
	}
	if (n > 32) {
		qsort(x->found, n, sizeof(*x->found), compare_run);
	} else {
		for (size_t k = 1; k < n; k++) {
			size_t i = x->found[k], j = k;
			for (; j && x->found[j - 1] > i; j--)
				x->found[j] = x->found[j - 1];
			x->found[j] = i;
		}
	}
	/* merged with the unkeyed runs, both in order */
	size_t a = 0, b = 0, m = 0;
	while (a < v->nunkeyed || b < n)
		x->merged[m++] =
		    b == n || (a < v->nunkeyed && v->unkeyed[a] < x->found[b]) ? v->unkeyed[a++] : x->found[b++];
	g->row_runs = x->merged;
	g->nrow_runs = m;
}

/* The event's time in the rule's time field: event.ingested (else @timestamp), or @timestamp. */
static int64_t rule_time(const struct run *run, const struct event_record *r)
{
	return run->cq.use_ingested && r->has_ingested ? r->ingested : r->ts;
}

/* Which runs want the row, by its columns alone: their windows, narrowing (path, host,
 * category: what SQL tests for a rule alone) and index patterns. A row no run wants is never
 * decompressed. */
static int shared_admit(void *ctx, const struct event_record *r)
{
	struct shared_scan *g = ctx;
	for (size_t k = 0; k < g->nrow_runs; k++) /* the runs a row is not offered to must read 0 */
		g->wanted[g->row_runs[k]] = 0;
	g->nrow_runs = 0;
	if (is_signal(r))
		return 0;
	const struct index_verdicts *v = index_verdicts(g, r->index);
	row_runs(g, v, r);
	uint64_t categories = row_categories(g, r);
	int any = 0;
	for (size_t k = 0; k < g->nrow_runs; k++) {
		size_t i = g->row_runs[k];
		const struct run *run = g->runs[i];
		int64_t t = rule_time(run, r);
		int reference = run->opts->no_prefilter; /* every candidate of the window evaluated */
		int in_window = run->time_field || (t >= run->cq.from && t <= run->cq.to && has_time_field(run, r));
		g->wanted[i] = in_window && (v || run_index_matches(run, r->index)) &&
		               (reference || ((!g->category_mask[i] || (g->category_mask[i] & categories)) &&
		                              (!g->narrowed[i] || store_candidate_admits(&g->narrow[i], r))));
		any |= g->wanted[i];
	}
	return any;
}

/* Offers the row to the runs (indexes) its prefilters admitted: on the rules' thread with the
 * tree the reader parsed (*parsed set), or here, parsed by the first that reads it. */
static void offer_admitted(struct shared_scan *g, const struct candidate_row *c, cJSON **ev, int *parsed,
                           const size_t *runs, size_t n)
{
	struct candidate_row mine = *c; /* with each rule's own time field */
	for (size_t k = 0; k < n; k++) {
		struct run *run = g->runs[runs[k]];
		mine.time = rule_time(run, &c->ev.r);
		consider_timed(run, &mine, ev, parsed);
	}
}

static void offer_queued(void *ctx, const struct candidate_row *c, cJSON *ev, const size_t *runs, size_t n)
{
	int parsed = 1;
	offer_admitted(ctx, c, &ev, &parsed, runs, n);
}

static int on_shared_candidate(void *ctx, const struct candidate_row *c)
{
	struct shared_scan *g = ctx;
	needle_index_scan(g->needles, c->ev.doc, c->ev.doc_len);
	size_t n = 0;
	for (size_t k = 0; k < g->nrow_runs; k++) {
		size_t i = g->row_runs[k];
		const struct run *run = g->runs[i];
		if (g->wanted[i] && (run->opts->no_prefilter ||
		                     (needle_index_admits(g->needles, i) && stages_admit(run, &c->ev.r, g->needles))))
			g->admitted[n++] = i;
	}
	if (n && g->queue) {
		passqueue_add(g->queue, c, g->admitted, n);
	} else if (n) {
		cJSON *ev = NULL;
		int parsed = 0;
		offer_admitted(g, c, &ev, &parsed, g->admitted, n);
		json_arena_reset(g->runs[0]->arena);
	}
	g->last_ts = c->ev.r.ts;
	g->last_id = c->id;
	g->offered++;
	g->stopped = g->flush_rows && !g->batched && g->offered >= g->flush_rows;
	return g->stopped;
}

/* A batching source's batch is read whole: the runs decide their executions there once half
 * the rows they would between flushes have been offered. The read then stops only there: a
 * batch left mid-way is read again (by a cluster, its documents read and sorted again). */
static int shared_batch_end(void *ctx)
{
	struct shared_scan *g = ctx;
	g->stopped = g->flush_rows && g->offered * 2 >= g->flush_rows;
	return g->stopped;
}

/* The streaming runs decide the executions every event before done has been offered to, in
 * one transaction: the read has stopped, so nothing holds an old snapshot of the case while
 * detect writes (another process may have written since). */
static int flush_streams(struct run **runs, size_t n, int64_t done)
{
	int rc = run_begin(runs[0]);
	for (size_t i = 0; i < n && !rc; i++)
		if (runs[i]->streaming)
			rc = runs[i]->type->flush(runs[i], done);
	rc = rc || run_commit(runs[0]);
	if (rc)
		run_rollback(runs[0]);
	return rc ? -1 : 0;
}

/* Whether the runs decide their executions as the pass goes (rule_type.flush): it then reads
 * in @timestamp order, and a run streams when that is its time field's order. The reference
 * mode (no_prefilter) keeps everything until the end. */
static int plan_streaming(struct run **runs, size_t n)
{
	int any = 0;
	for (size_t i = 0; i < n; i++) {
		struct run *run = runs[i];
		/* a rule that suppresses groups its hits at the end (a group may span the pass) */
		run->streaming = !run->opts->no_prefilter && run->type->flush && !run->cq.use_ingested &&
		                 !run->suppress && !run->time_field && !source_reads_any_order(run->src);
		any |= run->streaming;
	}
	return any;
}

/* The union of the rules' candidate sets: their windows; their categories and their
 * lower-cased path prefix only when every rule has some (the same one for the prefix). */
static void shared_query(struct run **runs, size_t n, struct candidate_query *q)
{
	memset(q, 0, sizeof(*q));
	*q = runs[0]->cq;
	q->path_lo = q->path_hi = q->host = NULL; /* an index's narrowing serves one rule, not all */
	q->path_lower_prefix = runs[0]->cq.path_lower_prefix;
	for (size_t i = 1; i < n; i++) {
		const struct candidate_query *r = &runs[i]->cq;
		q->from = r->from < q->from ? r->from : q->from;
		q->to = r->to > q->to ? r->to : q->to;
		if (r->use_ingested != q->use_ingested || !r->has_window) /* windows on two time fields, or one */
			q->has_window = 0;                                /* the documents hold: read everything */
		q->by_event_time |= r->by_event_time;
		if (!q->path_lower_prefix || !r->path_lower_prefix ||
		    strcmp(q->path_lower_prefix, r->path_lower_prefix))
			q->path_lower_prefix = NULL;
		size_t merged = q->ncategories;
		for (size_t k = 0; k < r->ncategories && merged; k++) {
			size_t j = 0;
			while (j < merged && strcmp(q->categories[j], r->categories[k]))
				j++;
			if (j == merged)
				merged = merged < 4 ? (q->categories[merged] = r->categories[k], merged + 1) : 0;
		}
		q->ncategories = r->ncategories ? merged : 0;
	}
}

/* Whether a rule run alone takes the pass that decides executions as it goes: one that scans
 * the case would otherwise keep every match to the end; one an index serves (a path or host)
 * reads few rows, in no order, and keeps them. */
static int streams_alone(const struct run *run)
{
	const struct candidate_query *q = &run->cq;
	return !q->path_lo && !q->path_hi && !q->host && !run->opts->no_prefilter && run->type->flush &&
	       !q->use_ingested && !run->suppress && !run->time_field && !source_reads_any_order(run->src);
}

/* What a source may push down of the runs' prefilters (candidate_query.alts): each run's
 * categories, and its name columns or each of its stages' category and columns, as
 * shared_admit and stages_admit test them (the windows' union is the query's). NULL when
 * some run may take a row whatever its columns say, or in the reference mode (which evaluates
 * every candidate). */
static struct candidate_alt *plan_alts(struct run **runs, size_t n, size_t *nalts)
{
	size_t cap = 0;
	*nalts = 0;
	for (size_t i = 0; i < n; i++)
		cap += runs[i]->nstage_filters ? runs[i]->nstage_filters : 1;
	struct candidate_alt *alts = xcalloc(cap ? cap : 1, sizeof(*alts));
	for (size_t i = 0; i < n; i++) {
		const struct run *run = runs[i];
		if (run->opts->no_prefilter)
			break;
		struct candidate_alt base = {.categories = run->cq.categories, .ncategories = run->cq.ncategories};
		size_t nf = run->nstage_filters ? run->nstage_filters : 1, k;
		for (k = 0; k < nf; k++) {
			struct candidate_alt a = base;
			if (run->nstage_filters) {
				const struct stage_filter *f = &run->stage_filters[k];
				a.category = f->category && strlen(f->category) <= 64 ? f->category : NULL;
				a.columns = f->columns;
				a.ncolumns = f->ncolumns;
			} else {
				a.columns = run->columns;
				a.ncolumns = run->ncolumns;
			}
			if (!a.ncategories && !a.category && !a.ncolumns)
				break; /* it may take any row its window holds */
			alts[(*nalts)++] = a;
		}
		if (k < nf)
			break;
	}
	if (cap && *nalts == cap)
		return alts;
	free(alts);
	*nalts = 0;
	return NULL;
}

/* Rows between flushes by default: often enough that the writing thread stores a flush's
 * alerts while the pass reads on (at 65,536 rows it waited for the first flush and then the
 * pass waited for it), not so often that each flush's walk over the runs counts; a source that
 * reads in batches (a cluster's queries) keeps its large ones. */
static size_t default_flush_rows(const struct event_source *src)
{
	return src->ops->reads_in_batches ? 65536 : 16384;
}

/* The fewest rows between flushes for which the pass hands its rows to a second thread. */
#define PASS_QUEUE_MIN_FLUSH 1024

static int collect_shared(struct run **runs, size_t n)
{
	struct candidate_query q;
	shared_query(runs, n, &q);
	struct shared_scan g = {.runs = runs, .n = n, .needles = needle_index_new(), .wanted = xcalloc(n, 1)};
	q.wants_rows = SIZE_MAX; /* every row, unless it stops to flush */
	if (plan_streaming(runs, n)) {
		q.by_event_time = 1;
		g.flush_rows = runs[0]->opts->flush_rows ? runs[0]->opts->flush_rows : default_flush_rows(runs[0]->src);
		q.wants_rows = g.flush_rows;
		if (runs[0]->src->ops->reads_in_batches) {
			q.batch_end = shared_batch_end;
			q.batch_ctx = &g;
			g.batched = 1;
		}
	}
	struct event_source *src = runs[0]->src;
	if (source_reads_any_order(src)) { /* no run streams: each sorts what it keeps */
		q.any_order = 1;
		q.by_event_time = 0;
	}
	choose_scan(src, &q); /* an ordered read has chosen already: no query for the time bounds */
	q.admit = shared_admit;
	q.admit_ctx = &g;
	struct candidate_alt *alts = plan_alts(runs, n, &q.nalts);
	q.alts = alts;
	plan_shared_narrowing(&g);
	value_index_build(&g.values, runs, n);
	g.every = xmalloc((n ? n : 1) * sizeof(*g.every));
	for (size_t i = 0; i < n; i++)
		g.every[i] = i;
	for (size_t i = 0; i < n; i++)
		needle_index_add(g.needles, &runs[i]->needles); /* set i is run i's */
	for (size_t i = 0; i < n; i++)                          /* then each sequence stage's */
		for (size_t k = 0; k < runs[i]->nstage_filters; k++)
			runs[i]->stage_filters[k].needle_set =
			    needle_index_add(g.needles, &runs[i]->stage_filters[k].needles);
	needle_index_build(g.needles);
	/* what the source may push down: a candidate holds one rule's needles (none in the
	 * reference mode, which evaluates every candidate) */
	const struct needles **sets = xcalloc(n, sizeof(*sets));
	for (size_t i = 0; i < n; i++)
		sets[i] = &runs[i]->needles;
	size_t nsets = runs[0]->opts->no_prefilter ? 0 : n;
	g.admitted = xmalloc((n ? n : 1) * sizeof(*g.admitted));
	/* the rules on a second thread, beside the read (its rows, prefilters and parses), unless
	 * the pass stops so often to flush (the tests' small flushes) that the hand-overs would
	 * cost more than they overlap */
	if (!runs[0]->opts->synchronous && (!g.flush_rows || g.flush_rows >= PASS_QUEUE_MIN_FLUSH))
		g.queue = passqueue_start(offer_queued, &g);
	int rc;
	for (;;) {
		g.offered = 0;
		g.stopped = 0;
		rc = source_candidates(src, &q, sets, nsets, on_shared_candidate, &g);
		if (g.queue)
			passqueue_drain(g.queue); /* the runs are this thread's again */
		if (rc || !g.stopped || (rc = flush_streams(runs, n, g.last_ts)))
			break;
		q.resume = 1; /* on after the last row read */
		q.resume_ts = g.last_ts;
		q.resume_id = g.last_id;
	}
	passqueue_stop(g.queue);
	free(g.admitted);
	free(sets);
	free(alts);
	needle_index_free(g.needles);
	for (size_t i = 0; i < g.nverdicts; i++) {
		free(g.verdicts[i].index);
		free(g.verdicts[i].active);
		free(g.verdicts[i].has);
		free(g.verdicts[i].unkeyed);
	}
	value_index_free(&g.values);
	free(g.every);
	free(g.wanted);
	free(g.category_mask);
	free(g.narrow);
	free(g.narrowed);
	return rc;
}

int scan_runs(struct run **runs, size_t n)
{
	if (n == 1 && !streams_alone(runs[0])) {
		struct run *run = runs[0];
		const struct needles *set = &run->needles;
		choose_scan(run->src, &run->cq);
		struct candidate_query q = run->cq;
		q.wants_rows = SIZE_MAX; /* every row: a source that reads in batches takes its largest */
		if (source_reads_any_order(run->src) && !run->streaming && !q.by_event_time)
			q.any_order = 1; /* the run sorts what it keeps */
		struct candidate_alt *alts = plan_alts(runs, 1, &q.nalts);
		q.alts = alts;
		int rc = source_candidates(run->src, &q, &set, !run->opts->no_prefilter, on_candidate, run);
		free(alts);
		return rc;
	}
	return collect_shared(runs, n);
}
