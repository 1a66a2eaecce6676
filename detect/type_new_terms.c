/* New terms rules, as Kibana runs them: an event in an execution's window that matches the
 * query alerts when its value of new_terms_fields (with several fields, the combination; an
 * array gives each of its values) does not occur in any matching event of the history window,
 * from history_window_start (now-7d) to the execution's window. One alert per new term and
 * execution, on the term's earliest event in the window, with kibana.alert.new_terms.
 *
 * Each event is decided by binary searches over the executions, not by replaying them: a
 * term's occurrences sorted by time, an occurrence alerts at the first execution that sees it,
 * sees no earlier occurrence in its window and none in its history (the three only grow with
 * the execution), so the cost does not grow with the history window.
 *
 * An occurrence's fate depends only on the term's previous one: streaming (the pass in time
 * order), each term keeps its last time and the alerts wait for their execution to be decided,
 * so memory follows the distinct terms, not the matching events; an occurrence that alerts
 * keeps its event's document for the alert (detect/hitdocs.h, bounded), so that the alert
 * reads it from the pass rather than from the source. Buffered, a term's earliest occurrence
 * so far keeps it. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/timeutil.h"
#include "detect/datemath.h"
#include "detect/field.h"
#include "detect/query_kql.h"
#include "detect/run.h"

#define MAX_TERMS_PER_EVENT 1024

/* An alert decided: its execution, term and event. */
struct term_alert {
	int64_t T;
	const char *term;
	const char *group; /* alert_suppression's (suppression_event_key), or NULL */
	struct hit h;      /* its keys not kept */
};

struct new_terms {
	char **fields;
	size_t nfields;
	struct date_math history; /* history_window_start */
	/* streaming: each term's last occurrence (by its id in terms), and the alerts decided
	 * whose execution is not; buffered: each term's earliest occurrence the pass met so far */
	struct strpool terms;
	int64_t *last;
	size_t nlast;
	struct term_alert *pending;
	size_t npending, cap;
};

static void new_terms_free(struct new_terms *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nfields; i++)
		free(t->fields[i]);
	free(t->fields);
	strpool_release(&t->terms);
	free(t->last);
	free(t->pending);
	free(t);
}

static struct new_terms *new_terms_read(const cJSON *obj, char *why, size_t whylen)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(obj, "new_terms_fields");
	const char *start = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "history_window_start"));
	int n = cJSON_GetArraySize(f);
	if (!cJSON_IsArray(f) || n < 1 || n > 3) {
		snprintf(why, whylen, "a new_terms rule needs new_terms_fields: 1 to 3 field names");
		return NULL;
	}
	struct new_terms *t = xcalloc(1, sizeof(*t));
	strpool_init(&t->terms);
	char mwhy[120];
	if (!start || date_math_parse(start, &t->history, mwhy, sizeof(mwhy))) {
		snprintf(why, whylen, "history_window_start must be date math such as now-7d%s%s", start ? ": " : "",
		         start ? mwhy : "");
		free(t);
		return NULL;
	}
	const cJSON *e;
	cJSON_ArrayForEach(e, f)
	{
		if (!cJSON_IsString(e) || !*e->valuestring) {
			snprintf(why, whylen, "new_terms_fields must be field names");
			new_terms_free(t);
			return NULL;
		}
		t->fields = xrealloc(t->fields, (t->nfields + 1) * sizeof(*t->fields));
		t->fields[t->nfields++] = xstrdup(e->valuestring);
	}
	return t;
}

static int new_terms_check(const struct rule *r, char *why, size_t whylen)
{
	struct new_terms *t = new_terms_read(r->obj, why, whylen);
	new_terms_free(t);
	return t ? 0 : -1;
}

/* The candidates reach back to the first execution's history. */
static int new_terms_prepare(struct run *run)
{
	char why[160];
	struct new_terms *t = new_terms_read(run->rule.obj, why, sizeof(why));
	if (!t)
		return -1;
	run->state = t;
	int64_t start = date_math_apply(&t->history, run->first_t, 0);
	if (start < run->cq.from)
		run->cq.from = start;
	return 0;
}

static int by_term_then_time(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	int c = strcmp(x->keys[0], y->keys[0]);
	return c ? c : by_rule_time(a, b);
}

/* The first execution T >= lo, on the rule's schedule, with f(T) > t; INT64_MAX when none up
 * to the run's last. f grows with T. */
static int64_t first_execution_where(const struct run *run, int64_t lo,
                                     int (*past)(const struct run *, int64_t, int64_t), int64_t t)
{
	int64_t step = run->rule.interval_us, last = run->last_t;
	if (lo > last)
		return INT64_MAX;
	int64_t a = (lo - run->first_t) / step, b = (last - run->first_t) / step + 1;
	while (a < b) {
		int64_t mid = a + (b - a) / 2;
		if (past(run, run->first_t + mid * step, t))
			b = mid;
		else
			a = mid + 1;
	}
	return a > (last - run->first_t) / step ? INT64_MAX : run->first_t + a * step;
}

static int window_starts_after(const struct run *run, int64_t T, int64_t t)
{
	return rule_window_from(&run->rule, T) > t;
}

static int history_starts_after(const struct run *run, int64_t T, int64_t t)
{
	const struct new_terms *nt = run->state;
	return date_math_apply(&nt->history, T, 0) > t;
}

/* By execution, then as the term's hits are sorted (term, then time). */
static int by_execution(const void *a, const void *b)
{
	const struct term_alert *x = a, *y = b;
	if (x->T != y->T)
		return x->T < y->T ? -1 : 1;
	int c = strcmp(x->term, y->term);
	return c ? c : by_rule_time(&x->h, &y->h);
}

/* When an occurrence of a term at time t alerts (INT64_MAX: never): the first execution that
 * sees it, whose window holds no earlier occurrence and whose history none either; the latest
 * earlier one is at prev (has_prev). */
static int64_t alerting_execution(const struct run *run, int64_t t, int has_prev, int64_t prev)
{
	int64_t T = run_first_execution_seeing(run, t);
	if (has_prev) {
		int64_t w = first_execution_where(run, T, window_starts_after, prev);
		int64_t h = w == INT64_MAX ? INT64_MAX : first_execution_where(run, w, history_starts_after, prev);
		T = h;
	}
	if (T == INT64_MAX || T > run->last_t || rule_window_from(&run->rule, T) > t)
		return INT64_MAX;
	return T;
}

static void add_pending(struct new_terms *t, int64_t T, const char *term, const struct hit *h)
{
	if (t->npending == t->cap)
		t->pending = xrealloc(t->pending, (t->cap = t->cap ? t->cap * 2 : 16) * sizeof(*t->pending));
	struct term_alert *a = &t->pending[t->npending++];
	a->T = T;
	a->term = term;
	a->group = h->nkeys > 1 ? h->keys[1] : NULL;
	a->h = *h;
	a->h.keys = NULL;
	a->h.nkeys = 0;
}

/* Streaming: the occurrence of term in the candidate is decided at once, from the term's
 * last occurrence. */
static void decide_occurrence(struct run *run, const struct candidate_row *c, const char *key)
{
	struct new_terms *t = run->state;
	size_t id;
	const char *term = strpool_intern(&t->terms, key, &id);
	int has_prev = id < t->nlast;
	if (!has_prev) {
		t->last = xrealloc(t->last, (id + 1) * sizeof(*t->last));
		t->nlast = id + 1;
	}
	int64_t T = alerting_execution(run, c->time, has_prev, has_prev ? t->last[id] : 0);
	t->last[id] = c->time;
	if (T == INT64_MAX)
		return;
	struct hit h = {.event_id = c->id, .time = c->time, .ts = c->ev.r.ts};
	add_pending(t, T, term, &h);
	run_keep_document(run, c); /* the alert's event, from the pass (else read again) */
}

/* Buffered: whether the occurrence of key at time is its term's earliest the pass has met (a
 * tie included), the one that alerts unless its history holds the term: its document is kept
 * for the alert. A later one alerts only after a gap as long as the history window, and is read
 * again then. */
static int earliest_so_far(struct new_terms *t, const char *key, int64_t time)
{
	size_t id;
	strpool_intern(&t->terms, key, &id);
	if (id >= t->nlast) {
		t->last = xrealloc(t->last, (id + 1) * sizeof(*t->last));
		t->nlast = id + 1;
	} else if (t->last[id] < time) {
		return 0;
	}
	t->last[id] = time;
	return 1;
}

struct adding {
	struct run *run;
	const struct candidate_row *c;
	const char *group; /* the event's alert_suppression key (a rule that suppresses) */
};

static void add_term_hit(void *ctx, char *const *values, size_t n)
{
	struct adding *ad = ctx;
	char *key = run_join_values(values, n);
	if (ad->run->streaming) {
		decide_occurrence(ad->run, ad->c, key);
	} else {
		size_t nkeys = ad->run->suppress ? 2 : 1; /* keys[1]: its suppression group */
		const char **keys = xmalloc(nkeys * sizeof(*keys));
		keys[0] = run_intern(ad->run, key);
		if (nkeys > 1)
			keys[1] = ad->group;
		run_add_hit(ad->run, ad->c, keys, nkeys);
		if (earliest_so_far(ad->run->state, key, ad->c->time))
			run_keep_document(ad->run, ad->c);
	}
	free(key);
}

static void new_terms_consider(struct run *run, const struct candidate_row *c, const cJSON *ev)
{
	if (!run_matches(run, ev))
		return;
	struct new_terms *t = run->state;
	struct adding ad = {run, c, run->suppress ? suppression_event_key(run, ev) : NULL};
	size_t all = field_combinations(ev, t->fields, t->nfields, MAX_TERMS_PER_EVENT, add_term_hit, &ad);
	if (all > MAX_TERMS_PER_EVENT && run->opts->warn.say)
		diag_say(&run->opts->warn,
		         "warning: rule \"%s\": an event has %zu term combinations; the first %d count\n",
		         run->rule.name, all, MAX_TERMS_PER_EVENT);
}

struct term_made {
	const struct run *run;
	const char *term;
};

static void add_new_terms(cJSON *doc, void *ctx)
{
	const struct term_made *m = ctx;
	cJSON *terms = cJSON_AddArrayToObject(doc, "kibana.alert.new_terms");
	for (const char *k = m->term;;) {
		const char *end = strchr(k, '\x1f');
		size_t len = end ? (size_t)(end - k) : strlen(k);
		char *v = xstrndup(k, len);
		cJSON_AddItemToArray(terms, cJSON_CreateString(v));
		free(v);
		if (!end)
			break;
		k = end + 1;
	}
	suppression_annotate(m->run, doc, NULL, 0);
}

static int64_t term_execution(const void *item)
{
	return ((const struct term_alert *)item)->T;
}

static const char *term_group(const struct run *run, const void *item)
{
	(void)run;
	return ((const struct term_alert *)item)->group;
}

static int64_t term_time(const void *item)
{
	return ((const struct term_alert *)item)->h.time;
}

/* Kibana's new terms alert hashes the event and its new terms. */
static int name_term(struct run *run, const void *item, char uuid[SHA256_HEX_LEN + 1])
{
	const struct term_alert *a = item;
	const struct hit *h = &a->h;
	return run_alert_uuid(run, &h, 1, a->term, uuid);
}

static int make_term_alert(struct run *run, void *ctx, const char *uuid, int64_t exec_t)
{
	const struct term_alert *a = ctx;
	const struct hit *h = &a->h;
	struct term_made m = {run, a->term};
	return run_create_event_alert(run, &h, 1, uuid, exec_t, add_new_terms, &m);
}

/* The pending alerts' events the pass did not keep read at once: those the kept documents'
 * budget dropped, and a buffered run's alerts on a term's later occurrence. */
static int prefetch_pending(struct run *run, const struct term_alert *pending, size_t n)
{
	int64_t *ids = xmalloc((n ? n : 1) * sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		ids[i] = pending[i].h.event_id;
	int rc = run_prefetch_events(run, ids, n);
	free(ids);
	return rc;
}

/* Alerts on the pending alerts decided before execution limit, in execution order, and
 * forgets them. */
static int alert_decided(struct run *run, int64_t limit)
{
	struct new_terms *t = run->state;
	size_t ready =
	    run_take_decided(t->pending, t->npending, sizeof(*t->pending), offsetof(struct term_alert, T), limit);
	run->totals->matched += ready;
	if (ready > 1)
		qsort(t->pending, ready, sizeof(*t->pending), by_execution);
	if (prefetch_pending(run, t->pending, ready))
		return -1;
	int rc = run->suppress ? suppression_fold_alerts(run, t->pending, ready, sizeof(*t->pending), term_execution,
	                                                 term_group, term_time, name_term, make_term_alert)
	                       : run_alerts_in_order(run, t->pending, ready, sizeof(*t->pending), term_execution,
	                                             name_term, make_term_alert);
	if (ready)
		memmove(t->pending, t->pending + ready, (t->npending - ready) * sizeof(*t->pending));
	t->npending -= ready;
	return rc ? -1 : 0;
}

static int new_terms_flush(struct run *run, int64_t done)
{
	return alert_decided(run, run_undecided(run, done));
}

/* Buffered, the hits sorted by term then time give each occurrence its previous one. */
static int new_terms_finish(struct run *run)
{
	struct new_terms *t = run->state;
	if (run->nhits > 1)
		qsort(run->hits, run->nhits, sizeof(*run->hits), by_term_then_time);
	for (size_t i = 0; i < run->nhits; i++) {
		const struct hit *h = &run->hits[i];
		int has_prev = i > 0 && run->hits[i - 1].keys[0] == h->keys[0]; /* interned */
		int64_t T = alerting_execution(run, h->time, has_prev, has_prev ? run->hits[i - 1].time : 0);
		if (T != INT64_MAX)
			add_pending(t, T, h->keys[0], h);
	}
	return alert_decided(run, INT64_MAX);
}

static void new_terms_release(struct run *run)
{
	new_terms_free(run->state);
	run->state = NULL;
}

const struct rule_type new_terms_type = {.name = "new_terms",
                                         .language = "kuery",
                                         .category = "New Terms Rule",
                                         .type_id = "siem.newTermsRule",
                                         .suppression = SUPPRESSES_IN_MEMORY,
                                         .check = new_terms_check,
                                         .query_parses = kql_rule_parses,
                                         .compile = kql_rule_compile,
                                         .prepare = new_terms_prepare,
                                         .consider = new_terms_consider,
                                         .finish = new_terms_finish,
                                         .flush = new_terms_flush,
                                         .release = new_terms_release};
