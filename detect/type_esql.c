/* ES|QL rules, as Kibana runs them: each execution runs the query over its window's events
 * (FROM's index patterns, the rule's exceptions); every row of the result is an alert, up to
 * max_signals. A query whose rows keep METADATA _id (esql_rows_keep_id) and that does not
 * aggregate makes an alert on each row's source event (its document with the answer's columns
 * set over it), named by that event, so the same event alerts once across executions, as Kibana
 * deduplicates by _id. Any other makes an alert of the row's columns, one per row and execution
 * (an aggregate's, or a row without _id). Either
 * alert is the _source of the hit Kibana builds for the row, which its severity_mapping,
 * risk_score_mapping, rule_name_override and reason read too (esql_hit_source).
 * With alert_suppression the alerts are kept and folded at the end (suppression_fold_alerts), as
 * Kibana's in-memory suppression folds them.
 *
 * The per-event half of the pipeline (detect/esql.h) runs while the case is read; the rest runs
 * once for each change of the rows a window holds (replay_windows), not per execution, unless
 * it calls NOW() (each execution's time, as Kibana runs the query): then once an execution that
 * sees a row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/timeutil.h"
#include "detect/esql.h"
#include "detect/eventjson.h"
#include "detect/field.h"
#include "detect/overrides.h"
#include "detect/run.h"
#include "detect/scan.h"

/* The rows every event gave for the windows, together (a rule over a whole case keeps them all
 * to the end: past this, it stops with a fault rather than take the machine's memory). */
#define ESQL_MAX_HELD_BYTES ((size_t)256 << 20)
#define EMPTY_ANSWER        (-1) /* the tag of the rows of an answer over no rows */

struct esql_state {
	struct esql_query *q;
	struct esql_row *rows; /* the per-event half's rows; tag: the hit's index */
	size_t nrows, cap;
	size_t held;                /* their bytes */
	char fault[240];            /* why the rule stopped ("" while it runs) */
	char where[160];            /* the event or execution it stopped at */
	int64_t last_from, last_to; /* the window of the last execution alerted */
	/* A query whose answer over no rows is a row (STATS without BY: COUNT(*) 0), as
	 * Elasticsearch answers: the times of the events FROM read that gave no row, so that the
	 * executions seeing one answer with it (executions that see no event are not run). */
	int empty_answers;
	struct hit *seen; /* event_id, time, ts only */
	size_t nseen, seen_cap;
	struct hit empty_hit; /* the event an answer over no rows is anchored to: its window's first */
	/* alert_suppression: every execution's alerts, kept until the last execution is known, then
	 * folded by group (suppression_fold_alerts); the answers they point into, kept with them;
	 * the source rows' alerts met already (a source row alerts once, whatever sees it) */
	struct esql_pending {
		int64_t T;
		const struct esql_row *row;
		struct hit hit; /* event_id, time, ts: the row's event, or its window's first */
	} * pending;
	size_t npending, pending_cap;
	struct kept_answer {
		struct esql_row *rows;
		size_t n;
	} * kept;
	size_t nkept, kept_cap;
	struct uuid_set collected;
};

static struct esql_query *compile(const struct rule *r, char *why, size_t whylen, int *unsupported)
{
	struct esql_error err;
	struct esql_query *q = esql_parse(r->query, &err);
	if (!q && err.unsupported)
		snprintf(why, whylen, "%s (at offset %zu)", err.msg, err.offset);
	else if (!q)
		snprintf(why, whylen, "the ES|QL query does not parse at offset %zu: %s", err.offset, err.msg);
	*unsupported = !q && err.unsupported;
	return q;
}

/* Valid ES|QL that casebook cannot run marks the rule skipped, saying why; a syntax error is
 * the import's to report (rule.c's query_parses). */
static int esql_check(const struct rule *r, char *why, size_t whylen)
{
	int unsupported;
	struct esql_query *q = compile(r, why, whylen, &unsupported);
	esql_free(q);
	return unsupported ? -1 : 0;
}

/* The import's check: a syntax error is reported; valid ES|QL casebook cannot run yet is
 * imported, and marked unsupported by esql_check. */
static int esql_parses(const struct rule *r, char *why, size_t whylen)
{
	struct esql_error e;
	struct esql_query *q = esql_parse(r->query, &e);
	esql_free(q);
	if (q || e.unsupported)
		return 1;
	snprintf(why, whylen, "the ES|QL query does not parse at offset %zu: %s", e.offset, e.msg);
	return 0;
}

static int esql_column_values(const void *query, const char *field, char ***values, size_t *n, int *caseless)
{
	const struct esql_state *st = query;
	*caseless = 0;
	return !st->empty_answers && esql_required_values(st->q, field, values, n);
}

static int esql_compile(struct run *run, struct strbuf *why)
{
	struct esql_state *st = xcalloc(1, sizeof(*st));
	int unsupported;
	char reason[512];
	if (!(st->q = compile(&run->rule, reason, sizeof(reason), &unsupported))) {
		strbuf_addf(why, "%.239s", reason); /* as long as detect's reasons have been */
		free(st);
		return -1;
	}
	struct esql_row *none = NULL;
	size_t n = 0;
	esql_finish(st->q, &none, &n);
	st->empty_answers = n > 0 && esql_window_prefix(st->q) == SIZE_MAX;
	for (size_t i = 0; i < n; i++)
		esql_row_release(&none[i]);
	free(none);
	run->state = st;
	if (!run->rule.nindex) /* FROM's patterns decided by the pass, once per index name */
		run->scope = esql_indices(st->q, &run->nscope);
	/* an event without them is not parsed; unless the query answers over no rows (a STATS
	 * without BY), where any event of the window makes its execution answer */
	if (!st->empty_answers)
		esql_needles(st->q, &run->needles);
	run_plan_column_filters(esql_column_values, st, 1, &run->columns, &run->ncolumns);
	return 0;
}

/* The query stopped: why, and where (the first fault is the one said). */
static void stop(struct esql_state *st, const char *why, const char *where)
{
	if (*st->fault)
		return;
	snprintf(st->fault, sizeof(st->fault), "%s", why);
	snprintf(st->where, sizeof(st->where), "%s", where);
}

static void esql_consider(struct run *run, const struct candidate_row *c, const cJSON *ev)
{
	struct esql_state *st = run->state;
	if (*st->fault)
		return; /* stopped: the rest would be work for nothing */
	size_t n;
	char *const *indices = esql_indices(st->q, &n);
	if (!run->scope && !index_matches((const char *const *)indices, n, c->ev.r.index))
		return;                              /* (with a scope, the pass has asked FROM already) */
	if (exceptions_match(run->exceptions, ev)) { /* Kibana filters the query's source by the exceptions */
		run->totals->suppressed++;
		return;
	}
	struct hit *h = run_add_named_hit(run, c, NULL, 0);
	size_t first = st->nrows;
	if (!esql_rows_of(st->q, ev, h->identity, h->index, (int64_t)(run->nhits - 1), &st->rows, &st->nrows,
	                  &st->cap)) {
		if (esql_gave_up(st->q))
			run_gave_up(run, h, esql_gave_up(st->q));
		else if (st->empty_answers) {
			if (st->nseen == st->seen_cap)
				st->seen = xrealloc(st->seen, (st->seen_cap = st->seen_cap ? st->seen_cap * 2 : 64) *
				                                  sizeof(*st->seen));
			st->seen[st->nseen++] = (struct hit){.event_id = h->event_id, .time = h->time, .ts = h->ts};
			st->held += sizeof(*st->seen);
		}
		free(h->keys);
		run->nhits--; /* its strings stay in the run's pool */
	}
	for (size_t i = first; i < st->nrows; i++)
		st->held += esql_row_bytes(&st->rows[i]);
	char where[120];
	snprintf(where, sizeof(where), "at event \"%s\"", c->ev.r.identity);
	if (esql_fault(st->q))
		stop(st, esql_fault(st->q), where);
	else if (st->held > ESQL_MAX_HELD_BYTES)
		stop(st, "the rows its events keep for the windows would take more than 256 MiB", where);
}

/* An alert a row of execution T's answer makes; h: the row's event (row_hit). */
struct esql_alert {
	int64_t T;
	const struct esql_row *row;
	const struct hit *h;
};

static const struct run *ordering; /* qsort has no context */

static int by_row_time(const void *a, const void *b)
{
	const struct esql_row *x = a, *y = b;
	int64_t tx = ordering->hits[x->tag].time, ty = ordering->hits[y->tag].time;
	if (tx != ty)
		return (tx > ty) - (tx < ty);
	return (x->tag > y->tag) - (x->tag < y->tag);
}

static int by_time(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->time != y->time)
		return (x->time > y->time) - (x->time < y->time);
	return (x->event_id > y->event_id) - (x->event_id < y->event_id);
}

static int on_source(const struct run *run)
{
	const struct esql_state *st = run->state;
	return esql_rows_keep_id(st->q) && !esql_aggregates(st->q);
}

/* Kibana names a row of a source event by the event; any other row by the execution and the row. */
/* The hit a row stands for: its event's, or for an answer over no rows its window's first. */
static const struct hit *row_hit(const struct run *run, const struct esql_row *row)
{
	const struct esql_state *st = run->state;
	return row->tag == EMPTY_ANSWER ? &st->empty_hit : &run->hits[row->tag];
}

static int name_alert(struct run *run, const struct esql_alert *a, char uuid[SHA256_HEX_LEN + 1])
{
	const struct hit *h = a->h;
	cJSON *row = cJSON_CreateObject();
	esql_row_to_json(a->row, row, 1);
	char *text = cJSON_PrintUnformatted(row);
	cJSON_Delete(row);
	struct strbuf salt;
	strbuf_init(&salt, 256);
	if (on_source(run))
		strbuf_addf(&salt, "esql:%s", text);
	else
		strbuf_addf(&salt, "esql:%lld:%lld:%s", (long long)rule_window_from(&run->rule, a->T),
		            (long long)rule_window_to(&run->rule, a->T), text);
	int rc = run_alert_uuid(run, on_source(run) ? &h : NULL, on_source(run) ? 1 : 0, salt.buf, uuid);
	strbuf_release(&salt);
	cJSON_free(text);
	return rc;
}

struct computed {
	const struct run *run;
	const struct esql_row *row;
};

/* obj's members become merged's (merged is freed). */
static void take_members(cJSON *obj, cJSON *merged)
{
	while (obj->child)
		cJSON_Delete(cJSON_DetachItemViaPointer(obj, obj->child));
	while (merged && merged->child) {
		cJSON *m = cJSON_DetachItemViaPointer(merged, merged->child);
		cJSON_AddItemToObject(obj, m->string, m);
	}
	cJSON_Delete(merged);
}

/* The _source of Kibana's hit for a row (esql.ts): the answer's non-null columns set over the
 * row's source event (mergeEsqlResultInSource, overrides_esql_source), or over nothing for an
 * aggregate's row. Its overrides, its reason and the alert's fields all read it. */
static cJSON *esql_hit_source(const struct run *run, const struct esql_row *row, const cJSON *ev)
{
	const struct esql_state *st = run->state;
	cJSON *answer = cJSON_CreateObject();
	if (ev)
		esql_row_answer_json(st->q, row, ev, answer);
	else
		esql_row_to_json(row, answer, 1);
	cJSON *source = overrides_esql_source(ev, answer);
	cJSON_Delete(answer);
	return source;
}

/* run_create_shaped_alert's shape: the event becomes its hit's _source (merged in place: the
 * event is the alert's to take). */
static void merge_answer(cJSON *ev, void *ctx)
{
	const struct computed *c = ctx;
	const struct esql_state *st = c->run->state;
	cJSON *answer = cJSON_CreateObject();
	esql_row_answer_json(st->q, c->row, ev, answer);
	overrides_esql_merge(ev, answer);
	cJSON_Delete(answer);
}

/* Kibana drops the source's event.kind, dotted or nested, for its own "signal"
 * (transformHitToAlert); then (a rule that suppresses) kibana.alert.suppression.*. */
static void finish_source_alert(cJSON *doc, void *ctx)
{
	const struct computed *c = ctx;
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "event.kind");
	cJSON *event = cJSON_GetObjectItemCaseSensitive(doc, "event");
	if (!cJSON_IsObject(event)) {
		cJSON_DeleteItemFromObjectCaseSensitive(doc, "event");
		event = cJSON_AddObjectToObject(doc, "event");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(event, "kind");
	cJSON_AddStringToObject(event, "kind", "signal");
	suppression_annotate(c->run, doc, NULL, 0);
}

/* An alert of the row's columns alone (an aggregate has no one source event). Kibana builds it
 * with its overrides and its reason too (wrap_esql_alerts.ts: applyOverrides,
 * buildReasonMessageForNewTermsAlert), read from the row alone. */
static int make_row_alert(struct run *run, const struct esql_alert *a, const char *uuid, int64_t exec_t)
{
	const struct hit *h = a->h;
	const struct rule *r = &run->rule;
	struct alert_overrides ov;
	char *name = NULL;
	cJSON *source = esql_hit_source(run, a->row, NULL);
	if (overrides_wanted(r->obj)) {
		overrides_compute(r->obj, r->severity, (double)r->risk_score, r->name, source, &ov);
		ov.name = name = xstrdup(ov.name);
		run->ov = &ov;
	}
	struct rule named = *r; /* the reason names the alert's own name and severity */
	named.name = run->ov ? name : r->name;
	named.severity = run->ov ? (char *)ov.severity : r->severity;
	char *reason = run_reason(&named, source);
	/* getValidDateFromDoc: the row's @timestamp, when it has a date there; else none */
	int64_t original;
	int dated = !field_date_json(overrides_get(source, "@timestamp"), &original);
	int64_t now = run->opts->now_us ? run->opts->now_us : time_now_us();
	cJSON *doc = cJSON_CreateObject();
	take_members(doc, source);
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "@timestamp"); /* the alert's fields win */
	run_add_iso(doc, "@timestamp", now);
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "event.kind");
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "event");
	cJSON *event = cJSON_AddObjectToObject(doc, "event");
	cJSON_AddStringToObject(event, "kind", "signal");
	if (dated)
		run_add_iso(doc, "kibana.alert.original_time", original);
	cJSON_AddStringToObject(doc, "kibana.alert.uuid", uuid);
	cJSON_AddArrayToObject(doc, "kibana.alert.ancestors");
	cJSON_AddNumberToObject(doc, "kibana.alert.depth", 1);
	run_add_alert_common(doc, run, uuid, now, reason);
	suppression_annotate(run, doc, NULL, 0);
	char *text = run_alert_text(doc, run);
	int rc = run_store_alert(run, uuid, h->event_id, h->ts, exec_t, reason, text, &h->event_id, 1);
	run->ov = NULL;
	free(name);
	free(reason);
	cJSON_free(text);
	return rc;
}

/* An alert on a row of a source event: the event made the hit's _source first (merge_answer),
 * which the overrides and the reason then read, as transformHitToAlert does. */
static int make_alert(struct run *run, void *ctx, const char *uuid, int64_t exec_t)
{
	struct esql_alert *a = ctx;
	if (!on_source(run))
		return make_row_alert(run, a, uuid, exec_t);
	const struct hit *h = &run->hits[a->row->tag];
	struct computed c = {run, a->row};
	return run_create_shaped_alert(run, &h, 1, uuid, exec_t, merge_answer, finish_source_alert, &c);
}

/* The first row at or after time t (rows in time order). */
static size_t first_row_at(const struct run *run, const struct esql_state *st, int64_t t)
{
	size_t lo = 0, hi = st->nrows;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (run->hits[st->rows[mid].tag].time < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int64_t row_time(const struct run *run, const struct esql_state *st, size_t i)
{
	return run->hits[st->rows[i].tag].time;
}

/* One execution's alerts, its answer's rows in order: 1 when it reached max_signals, 0 when
 * every row was alerted (or had been), -1 on a store error. *done, when set, is where the
 * rows not yet offered start (a row before it has made its alert or found it made). */
static int alert_execution(struct run *run, int64_t T, const struct esql_row *rows, size_t n, size_t *done)
{
	int64_t created = 0;
	for (size_t i = done ? *done : 0; i < n; i++) {
		struct esql_alert a = {T, &rows[i], row_hit(run, &rows[i])};
		char uuid[SHA256_HEX_LEN + 1];
		if (name_alert(run, &a, uuid))
			return -1;
		if (run->suppress) { /* kept for the fold (a source row's once) */
			struct esql_state *st = run->state;
			if (on_source(run) && !uuid_set_add(&st->collected, uuid)) {
				if (done)
					*done = i + 1;
				continue;
			}
			if (st->npending == st->pending_cap)
				st->pending = xrealloc(st->pending,
				                       (st->pending_cap = st->pending_cap ? st->pending_cap * 2 : 64) *
				                           sizeof(*st->pending));
			st->pending[st->npending++] = (struct esql_pending){T, &rows[i], *a.h};
			st->held += sizeof(*st->pending);
			if (done)
				*done = i + 1;
			if (st->held > ESQL_MAX_HELD_BYTES) {
				char at[TIME_ISO_LEN], where[80];
				time_format_iso8601(T, at);
				snprintf(where, sizeof(where), "in the execution at %s", at);
				stop(st, "the alerts it keeps for alert_suppression would take more than 256 MiB",
				     where);
				return 0;
			}
			continue;
		}
		int rc = run_alert_once(run, uuid, T, &created, make_alert, &a);
		if (rc)
			return rc;
		if (done)
			*done = i + 1;
	}
	return 0;
}

/* A window's answer: its rows as they are when the pipeline has no window commands (no copy),
 * else a copy run through them (*owned). */
static struct esql_row *window_answer(struct esql_state *st, size_t a, size_t end, size_t *n, int *owned)
{
	*n = end - a;
	*owned = esql_window_commands(st->q);
	if (!*owned)
		return st->rows + a;
	struct esql_row *window = xmalloc((*n ? *n : 1) * sizeof(*window));
	for (size_t i = 0; i < *n; i++)
		esql_row_copy(&window[i], &st->rows[a + i]);
	esql_finish(st->q, &window, n);
	return window;
}

static void release_answer_now(struct esql_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		esql_row_release(&rows[i]);
	free(rows);
}

static void release_answer(struct run *run, struct esql_row *rows, size_t n, int owned)
{
	struct esql_state *st = run->state;
	if (!owned)
		return;
	if (run->suppress && n) { /* the fold's alerts may point into it: kept until the end */
		if (st->nkept == st->kept_cap)
			st->kept = xrealloc(st->kept,
			                    (st->kept_cap = st->kept_cap ? st->kept_cap * 2 : 16) * sizeof(*st->kept));
		st->kept[st->nkept++] = (struct kept_answer){rows, n};
		for (size_t i = 0; i < n; i++)
			st->held += esql_row_bytes(&rows[i]);
		return;
	}
	release_answer_now(rows, n);
}

/* The executions from T to next (not included), whose windows hold the same rows, so the same
 * answer: each alerts on it. A row of a source event alerts once, so after an execution that
 * did not reach max_signals the rest of the run would make nothing and are skipped. */
static int alert_run(struct run *run, int64_t T, int64_t next, const struct esql_row *rows, size_t n, size_t *done)
{
	struct esql_state *st = run->state;
	int source = on_source(run);
	for (; T < next && T <= run->last_t && !*st->fault; T += run->rule.interval_us) {
		int64_t from = rule_window_from(&run->rule, T), to = rule_window_to(&run->rule, T);
		if (!source && (from != st->last_from || to != st->last_to))
			run_forget_seen(run); /* a row's uuid names its window: earlier windows' never recur */
		st->last_from = from;
		st->last_to = to;
		int rc = alert_execution(run, T, rows, n, done);
		if (rc < 0)
			return -1;
		if (source && !rc)
			break;
	}
	return 0;
}

/* The first seen event at or after t (st->seen in time order). */
static size_t first_seen_at(const struct esql_state *st, int64_t t)
{
	size_t lo = 0, hi = st->nseen;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->seen[mid].time < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int seen_between(const struct esql_state *st, int64_t from, int64_t to)
{
	size_t k = first_seen_at(st, from);
	return k < st->nseen && st->seen[k].time <= to;
}

/* Kibana's executions, walked by the changes of their windows' rows: an execution whose window
 * holds no row is jumped over, and executions whose windows hold the same rows share one
 * answer (the rows that count: a window's first esql_window_prefix). So the cost follows the
 * rows and the executions that see one, not the schedule: interval 1s over 1,000,000 days
 * walks only the seconds events arrive in, and one answer serves every execution after. */
static int replay_windows(struct run *run)
{
	struct esql_state *st = run->state;
	const struct rule *r = &run->rule;
	size_t prefix = esql_window_prefix(st->q), done = 0;
	int direct = on_source(run) && !esql_window_commands(st->q); /* answers are the rows themselves */
	int64_t T = st->nrows ? run_first_execution_seeing(run, row_time(run, st, 0)) : INT64_MAX;
	if (st->nseen) {
		int64_t sees = run_first_execution_seeing(run, st->seen[0].time);
		T = sees < T ? sees : T;
	}
	while (T <= run->last_t) {
		size_t a = first_row_at(run, st, rule_window_from(r, T));
		size_t b = first_row_at(run, st, rule_window_to(r, T) + 1);
		if (a >= b && st->empty_answers && seen_between(st, rule_window_from(r, T), rule_window_to(r, T))) {
			/* events, but no row: the answer over no rows (COUNT(*) 0), this execution */
			size_t n;
			int owned;
			if (esql_uses_now(st->q))
				esql_set_now(st->q, T);
			struct esql_row *answer = window_answer(st, a, a, &n, &owned);
			st->empty_hit = st->seen[first_seen_at(st, rule_window_from(r, T))];
			for (size_t i = 0; i < n; i++)
				answer[i].tag = EMPTY_ANSWER;
			int rc = esql_fault(st->q) ? 0 : alert_run(run, T, T + r->interval_us, answer, n, NULL);
			release_answer(run, answer, n, owned);
			if (rc)
				return -1;
			if (*st->fault)
				return 1;
			T += r->interval_us;
			continue;
		}
		if (a >= b) { /* an empty window: on to the first that sees the next row or event */
			int64_t at = INT64_MAX;
			if (b < st->nrows)
				at = run_first_execution_seeing(run, row_time(run, st, b));
			int64_t from = rule_window_from(r, T);
			size_t k = st->empty_answers ? first_seen_at(st, from) : st->nseen;
			if (k < st->nseen) {
				int64_t sees = run_first_execution_seeing(run, st->seen[k].time);
				at = sees < at ? sees : at;
			}
			if (at == INT64_MAX)
				break;
			T = at > T ? at : T + r->interval_us;
			continue;
		}
		size_t end = b - a > prefix ? a + prefix : b;
		int64_t next = run_first_execution_past(run, T, row_time(run, st, a)); /* its first row leaves */
		if (end == b && b < st->nrows) {                                       /* or a row enters */
			int64_t enters = run_first_execution_seeing(run, row_time(run, st, b));
			next = enters < next ? enters : next;
		}
		if (esql_uses_now(st->q)) { /* NOW() is this execution's time: the next answers alone */
			esql_set_now(st->q, T);
			next = T + r->interval_us;
		}
		size_t n;
		int owned;
		struct esql_row *answer = window_answer(st, a, end, &n, &owned);
		if (esql_fault(st->q)) {
			char at[TIME_ISO_LEN], where[80];
			time_format_iso8601(T, at);
			snprintf(where, sizeof(where), "in the execution at %s", at);
			stop(st, esql_fault(st->q), where);
			release_answer(run, answer, n, owned);
			return 1;
		}
		if (done < a)
			done = a;          /* rows left by a capped execution, now out of every window */
		size_t offered = done - a; /* of this answer, when it is the rows themselves */
		int rc = alert_run(run, T, next, answer, n, direct ? &offered : NULL);
		done = a + offered;
		release_answer(run, answer, n, owned);
		if (rc)
			return -1;
		if (*st->fault)
			return 1;
		T = next;
	}
	return 0;
}

/* ---- alert_suppression (Kibana 8.15 on: esql/esql.ts with bulkCreateSuppressedAlertsInMemory,
 * wrap_suppressed_esql_alerts.ts) ---- */

static const struct run *folding; /* the fold's callbacks have no context */

/* The document Kibana reads an alert's group_by values and time from: combinedFields, the
 * row's source event with the row's columns set (mergeEsqlResultInSource), or an aggregate's
 * row alone. NULL when the event cannot be read. */
struct read_doc {
	cJSON *doc;
};

static int read_source(void *ctx, const struct event_row *row)
{
	((struct read_doc *)ctx)->doc = detect_event_json(row);
	return 1;
}

static cJSON *combined_fields(const struct run *run, const struct esql_pending *p)
{
	if (!on_source(run))
		return esql_hit_source(run, p->row, NULL);
	struct read_doc r = {NULL};
	if (run->src->ops->event_get(run->src, p->hit.event_id, 1, read_source, &r) || !r.doc)
		return NULL;
	take_members(r.doc, esql_hit_source(run, p->row, r.doc));
	return r.doc;
}

static int64_t pending_execution(const void *item)
{
	return ((const struct esql_pending *)item)->T;
}

static int take_time(void *ctx, const cJSON *v)
{
	const char *s = cJSON_GetStringValue(v);
	return s && !time_parse_iso8601(s, strlen(s), ctx, NULL);
}

/* getSuppressionAlertFields' time: the rule's time field in the combined fields (the override,
 * then @timestamp unless the fallback is disabled), else the alert's @timestamp, which is its
 * execution's time. A source row's is its event's time in the rule's time field. */
static int64_t pending_time(const void *item)
{
	const struct esql_pending *p = item;
	if (on_source(folding))
		return p->hit.time;
	cJSON *doc = cJSON_CreateObject();
	esql_row_to_json(p->row, doc, 1);
	int64_t t = p->T;
	const char *primary = folding->time_field        ? folding->time_field
	                      : folding->cq.use_ingested ? "event.ingested"
	                                                 : "@timestamp";
	int secondary = strcmp(primary, "@timestamp") && !folding->no_fallback;
	if (!field_each(doc, primary, strlen(primary), take_time, &t) && secondary)
		field_each(doc, "@timestamp", strlen("@timestamp"), take_time, &t);
	cJSON_Delete(doc);
	return t;
}

static const char *pending_group(const struct run *run, const void *item)
{
	cJSON *doc = combined_fields(run, item);
	const char *key = doc ? suppression_event_key((struct run *)run, doc) : NULL;
	cJSON_Delete(doc);
	return key;
}

static int pending_name(struct run *run, const void *item, char uuid[SHA256_HEX_LEN + 1])
{
	const struct esql_pending *p = item;
	struct esql_alert a = {p->T, p->row, &p->hit};
	return name_alert(run, &a, uuid);
}

static int pending_make(struct run *run, void *ctx, const char *uuid, int64_t exec_t)
{
	const struct esql_pending *p = ctx;
	struct esql_alert a = {p->T, p->row, &p->hit};
	return make_alert(run, &a, uuid, exec_t);
}

/* Every execution's alerts, folded: an execution's of one group are one, on its first row,
 * and with a duration a later execution's join it (suppression_fold_alerts). */
static int fold_pending(struct run *run)
{
	struct esql_state *st = run->state;
	folding = run;
	return suppression_fold_alerts(run, st->pending, st->npending, sizeof(*st->pending), pending_execution,
	                               pending_group, pending_time, pending_name, pending_make);
}

/* Says why the rule stopped: it makes no alerts this run (detect undoes what it made). */
static int report_stop(struct run *run)
{
	struct esql_state *st = run->state;
	if (run->opts->warn.say)
		diag_say(&run->opts->warn, "error: rule \"%s\" (%s v%lld) stopped: %s, %s; it made no alerts\n",
		         run->rule.name, run->rule.rule_id, (long long)run->rule.version, st->fault, st->where);
	return 1;
}

static int esql_finish_run(struct run *run)
{
	struct esql_state *st = run->state;
	if (*st->fault)
		return report_stop(run);
	ordering = run;
	if (st->nrows > 1)
		qsort(st->rows, st->nrows, sizeof(*st->rows), by_row_time);
	if (st->nseen > 1)
		qsort(st->seen, st->nseen, sizeof(*st->seen), by_time);
	size_t given_up = esql_given_up(st->q);
	int rc = replay_windows(run);
	if (rc == 0 && *st->fault)
		rc = 1;
	if (rc == 0 && run->suppress)
		rc = fold_pending(run);
	if (rc > 0)
		return report_stop(run);
	run->totals->matched += run->nhits; /* the events that gave the windows a row */
	if (esql_given_up(st->q) > given_up && run->opts->warn.say)
		diag_say(&run->opts->warn,
		         "warning: rule \"%s\": in %zu executions a regular expression reached its limit after STATS, "
		         "SORT or LIMIT; its values there are null\n",
		         run->rule.name, esql_given_up(st->q) - given_up);
	size_t warnings;
	const char *warning = esql_warning(st->q, &warnings);
	if (warning && run->opts->warn.say) /* as Kibana shows the query's warning headers */
		diag_say(&run->opts->warn,
		         "warning: rule \"%s\": %zu value%s made null as Elasticsearch warns (the first: %s)\n",
		         run->rule.name, warnings, warnings == 1 ? "" : "s", warning);
	if (esql_truncations(st->q) && run->opts->warn.say)
		diag_say(
		    &run->opts->warn,
		    "warning: rule \"%s\": %zu times an event's MV_EXPAND rows or a row's BY groups were over 1,024; "
		    "the first 1,024 counted\n",
		    run->rule.name, esql_truncations(st->q));
	return rc;
}

static void esql_release(struct run *run)
{
	struct esql_state *st = run->state;
	if (!st)
		return;
	for (size_t i = 0; i < st->nrows; i++)
		esql_row_release(&st->rows[i]);
	free(st->rows);
	free(st->seen);
	for (size_t i = 0; i < st->nkept; i++)
		release_answer_now(st->kept[i].rows, st->kept[i].n);
	free(st->kept);
	free(st->pending);
	uuid_set_release(&st->collected);
	esql_free(st->q);
	free(st);
	run->state = NULL;
}

const struct rule_type esql_type = {.name = "esql",
                                    .language = "esql",
                                    .category = "ES|QL Rule",
                                    .type_id = "siem.esqlRule",
                                    .suppression = SUPPRESSES_IN_MEMORY,
                                    .filters_unapplied = "\"filters\" on an ES|QL rule are not applied yet",
                                    .check = esql_check,
                                    .query_parses = esql_parses,
                                    .compile = esql_compile,
                                    .consider = esql_consider,
                                    .finish = esql_finish_run,
                                    .release = esql_release};
