/* detect: the detect run: reads the enabled rules, compiles each one, decides the executions
 * to replay, hands the runs to the scan (detect/scan.c) and finishes each rule in a transaction.
 * The rule types are modules (detect/ruletype.c's table); this file never names one. */

#include "detect/detect.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/jsonarena.h"
#include "common/strbuf.h"
#include "common/strpool.h"
#include "common/timeutil.h"
#include "detect/eventjson.h"
#include "detect/exceptions.h"
#include "detect/field.h"
#include "detect/filters.h"
#include "detect/needles.h"
#include "detect/plan.h"
#include "detect/rule.h"
#include "detect/run.h"
#include "detect/scan.h"
#include "store/events.h"
#include "store/rules.h"

static void run_release(struct run *run)
{
	run_release_columns(run->columns, run->ncolumns);
	for (size_t i = 0; i < run->nstage_filters; i++) {
		run_release_columns(run->stage_filters[i].columns, run->stage_filters[i].ncolumns);
		needles_release(&run->stage_filters[i].needles);
	}
	free(run->stage_filters);
	if (run->type && run->type->release)
		run->type->release(run);
	for (size_t i = 0; i < run->nhits; i++)
		free(run->hits[i].keys); /* its strings are the run's */
	free(run->hits);
	if (run->test.release)
		run->test.release(run->test.query);
	uuid_set_release(&run->seen);
	kql_free(run->filter);
	needles_release(&run->needles);
	exceptions_free(run->exceptions);
	suppression_free(run->suppress);
	alert_tail_release(&run->tail);
	run_writing_release(run); /* the writer has finished (alert_pipe_close) */
	rule_release(&run->rule);
}

/* The rule's Kibana filters as one KQL query (rule.c marked what cannot be read unsupported);
 * -1 with why in the run's warning when its KQL does not parse. */
static int compile_filters(struct run *run)
{
	char *text = NULL, why[200];
	if (filters_to_kql(cJSON_GetObjectItemCaseSensitive(run->rule.obj, "filters"), &text, why, sizeof(why)) ||
	    !text)
		return 0;
	struct kql_error err;
	run->filter = kql_parse_filters(text, &err);
	if (!run->filter && run->opts->warn.say)
		diag_say(&run->opts->warn, "rule \"%s\": its filters read as KQL do not parse at column %zu: %s\n",
		         run->rule.name, err.column, err.msg);
	free(text);
	return run->filter ? 0 : -1;
}

/* The type compiles the rule's query; on an error says why and returns -1. */
static int compile_query(struct run *run)
{
	const struct rule *r = &run->rule;
	struct strbuf why;
	strbuf_init(&why, 128);
	int rc = run->type->compile(run, &why);
	if (rc == 0)
		needles_finish(&run->needles); /* none: every event of the window is read */
	else if (run->opts->warn.say)          /* a syntax error's reason is lines of its own */
		diag_say(&run->opts->warn, "skipping rule \"%s\" (%s v%lld): %s%s", r->name, r->rule_id,
		         (long long)r->version, why.buf, why.len && why.buf[why.len - 1] == '\n' ? "" : "\n");
	strbuf_release(&why);
	return rc ? -1 : 0;
}

/* The hits' documents kept for their alerts: a first detect's flush of 65,536 rows of the whole
 * ruleset's size alerts on about 10,000 events of 2 KB */
#define HIT_DOCS_BUDGET ((size_t)32 << 20)
/* Where no run streams because ordered reads are costly (a cluster), every alert is made at the
 * end: the macOS rules over 100,000 events keep about 50 MB of their hits' documents, and each
 * one dropped is a point read of the cluster (a scan of a column) */
#define HIT_DOCS_BUDGET_UNSTREAMED ((size_t)128 << 20)

struct field_span {
	const char *field;
	struct json_arena *arena;
	int64_t lo, hi;
	int any;
};

static int add_to_span(void *ctx, const struct candidate_row *c)
{
	struct field_span *f = ctx;
	cJSON *ev = detect_event_json_in(f->arena, &c->ev);
	int64_t t;
	if (ev && run_event_time(f->field, 0, ev, c->ev.r.ts, &t)) {
		f->lo = f->any && f->lo < t ? f->lo : t;
		f->hi = f->any && f->hi > t ? f->hi : t;
		f->any = 1;
	}
	json_arena_reset(f->arena);
	return 0;
}

/* The span of a time field the documents hold (run.time_field) over the events after an id,
 * falling back to @timestamp: every document read, as Elasticsearch's min and max would. */
static int field_time_span(struct run *run, const char *field, int64_t after, int64_t *lo, int64_t *hi)
{
	struct candidate_query q = {.after_id = after, .any_order = 1};
	struct field_span f = {field, run->arena, 0, 0, 0};
	if (source_candidates(run->src, &q, NULL, 0, add_to_span, &f))
		return -1;
	*lo = f.lo;
	*hi = f.hi;
	return 0;
}

/* The case's time span after an event id, computed once for the rules that share it: a full
 * scan of the events each time (155 rules on 1M events: half of a first detect). */
static int time_span(struct run *run, int use_ingested, int64_t after, int64_t *lo, int64_t *hi)
{
	struct span_memo *m = run->spans;
	const char *field = run->time_field;
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].use_ingested == use_ingested && m->v[i].after == after &&
		    (m->v[i].field == field || (m->v[i].field && field && !strcmp(m->v[i].field, field)))) {
			*lo = m->v[i].lo, *hi = m->v[i].hi;
			return 0;
		}
	if (field ? field_time_span(run, field, after, lo, hi)
	          : run->src->ops->time_span(run->src, use_ingested, after, lo, hi))
		return -1;
	if (m->n < sizeof(m->v) / sizeof(m->v[0]))
		m->v[m->n++] = (struct span_entry){use_ingested, field, after, *lo, *hi};
	return 0;
}

/* Reads the rule and decides what to replay. Returns 1 when run->cq is ready for the
 * candidates, 0 when there is nothing to do (a skipped rule, nothing new), -1 on an error. */
static int prepare_rule(struct run *run, const struct rule_row *row)
{
	const struct detect_options *o = run->opts;
	struct detect_totals *t = run->totals;
	struct store *s = run->store;
	char why[200];
	if (rule_from_row(row, &run->rule, why, sizeof(why))) {
		if (o->warn.say)
			diag_say(&o->warn, "skipping rule %s: %s\n", row->rule_id, why);
		t->skipped++;
		return 0;
	}
	struct rule *r = &run->rule;
	if (r->unsupported) {
		if (o->warn.say)
			diag_say(&o->warn, "skipping rule \"%s\" (%s v%lld): %s\n", r->name, r->rule_id,
			         (long long)r->version, r->unsupported);
		t->skipped++;
		return 0;
	}
	run->type = rule_type_find(r->type);
	if (!run->type || compile_query(run)) { /* rule.c marked an unknown type unsupported */
		t->skipped++;
		return 0;
	}
	if (compile_filters(run) || suppression_new(run, &run->suppress, why, sizeof(why))) {
		if (o->warn.say)
			diag_say(&o->warn, "skipping rule \"%s\" (%s v%lld): %s\n", r->name, r->rule_id,
			         (long long)r->version, why);
		t->skipped++;
		return 0;
	}
	if (!(run->exceptions = exceptions_load(s, r, &o->warn)))
		return -1;
	t->rules++;
	t->unapplied += r->unapplied != NULL;
	int use_ingested = r->timestamp_override && !strcmp(r->timestamp_override, "event.ingested");
	run->no_fallback =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->obj, "timestamp_override_fallback_disabled"));
	if (r->timestamp_override && *r->timestamp_override && !use_ingested &&
	    strcmp(r->timestamp_override, "@timestamp"))
		run->time_field = r->timestamp_override; /* read from each document */
	if (use_ingested && run->src->ops->no_ingested_column) {
		use_ingested = 0; /* the same time, read from each document (falling back as the column does) */
		run->time_field = r->timestamp_override;
	}
	int64_t last = 0;
	run->max_id = run->src->ops->newest_id(run->src);
	if (run->max_id < 0 || (!o->has_range && !o->keep && store_detection_state(s, r->key, &last)))
		return -1;
	if (o->has_range) {
		run->first_t = run_align_up(o->from, r->interval_us);
		run->last_t = run_align_down(o->to, r->interval_us);
	} else {
		if (run->max_id <= last)
			return 0; /* nothing new since the last run */
		int64_t lo, hi;
		if (time_span(run, use_ingested, last, &lo, &hi))
			return -1;
		run->first_t = run_align_up(lo + r->to_offset_us, r->interval_us);
		run->last_t = run_align_up(hi + r->to_offset_max_us, r->interval_us);
	}
	if (run->first_t > run->last_t)
		return o->has_range || o->keep ? 0 : store_set_detection_state(s, r->key, run->max_id) ? -1 : 0;
	t->executions += (uint64_t)((run->last_t - run->first_t) / r->interval_us + 1);
	run->replay_t = run->first_t;
	/* unordered: sorting every row by time in SQL costs more than sorting the hits here */
	struct candidate_query cq = {.use_ingested = use_ingested,
	                             .has_window = !run->time_field, /* else the run decides (scan.c) */
	                             .any_order = 1,
	                             .from = run->first_t - r->lookback_us,
	                             .to = run->last_t - r->to_offset_us};
	run->cq = cq;
	plan_apply(&run->plan, &run->cq);
	if (run->type->prepare && run->type->prepare(run))
		return -1;
	return 1;
}

int run_begin(struct run *run)
{
	return run->pipe ? alert_pipe_begin(run->pipe) : store_begin(run->store);
}

int run_commit(struct run *run)
{
	return run->pipe ? alert_pipe_commit(run->pipe) : store_commit(run->store);
}

void run_rollback(struct run *run)
{
	if (run->pipe)
		alert_pipe_rollback(run->pipe);
	else
		store_rollback(run->store);
}

int run_set_state(struct run *run, int64_t last_event_id)
{
	return run->pipe ? alert_pipe_set_state(run->pipe, run->rule.key, last_event_id)
	                 : store_set_detection_state(run->store, run->rule.key, last_event_id);
}

static int run_savepoint(struct run *run)
{
	return run->pipe ? alert_pipe_savepoint(run->pipe) : store_savepoint(run->store, STORE_POINT_RULE);
}

static int run_savepoint_release(struct run *run)
{
	return run->pipe ? alert_pipe_savepoint_release(run->pipe)
	                 : store_savepoint_release(run->store, STORE_POINT_RULE);
}

static int run_savepoint_rollback(struct run *run)
{
	return run->pipe ? alert_pipe_savepoint_rollback(run->pipe)
	                 : store_savepoint_rollback(run->store, STORE_POINT_RULE);
}

/* The type replays the executions; the state records how far detect has read, in the same
 * transaction as the alerts (the caller's: finish_rules). */
static int finish_rule(struct run *run)
{
	struct detect_totals before = *run->totals;
	if (run_savepoint(run))
		return -1;
	int rc = run->type->finish(run);
	if (rc > 0) { /* the rule stopped at a bound (said on warn): its alerts are undone, its state
		       * kept, so it counts as skipped and the next detect tries it again */
		*run->totals = before;
		run->totals->rules--;
		run->totals->unapplied -= run->rule.unapplied != NULL;
		run->totals->skipped++;
		return run_savepoint_rollback(run);
	}
	rc = rc || (!run->opts->has_range && !run->opts->keep && run_set_state(run, run->max_id)) ||
	     run_savepoint_release(run);
	if (run->gave_up > RUN_GAVE_UP_NAMED && run->opts->warn.say)
		diag_say(&run->opts->warn,
		         "warning: rule \"%s\": %zu events in all were not evaluated (the first %d named above): "
		         "a regular expression reached a limit\n",
		         run->rule.name, run->gave_up, RUN_GAVE_UP_NAMED);
	return rc ? -1 : 0;
}

/* Rules whose finishes commit together: a commit per rule wrote the pages of the alerts' and
 * the states' tables again each time (2,000 rules: a tenth of a first detect). */
#define FINISH_GROUP 64

/* Finishes the runs that are ready, FINISH_GROUP to a transaction: a failure undoes its group's
 * (a later detect does them again). */
static int finish_rules(struct run *runs, const int *ready, size_t n)
{
	int rc = 0;
	size_t in_group = 0;
	struct run *last = NULL;
	for (size_t i = 0; i < n && !rc; i++) {
		if (!ready[i])
			continue;
		last = &runs[i];
		if (!in_group && (rc = run_begin(last)))
			break;
		rc = finish_rule(last);
		if (!rc && ++in_group == FINISH_GROUP) {
			in_group = 0;
			if ((rc = run_commit(last)))
				run_rollback(last);
		}
	}
	if (in_group && !rc && (rc = run_commit(last)))
		run_rollback(last);
	else if (in_group && rc)
		run_rollback(last);
	return rc ? -1 : 0;
}

struct rule_list {
	struct rule_rows l;
	const char *only;
	int64_t version;
	size_t found; /* rows with the asked rule_id (and version) */
};

static int collect_rule(void *ctx, const struct rule_row *r)
{
	struct rule_list *l = ctx;
	int wanted = r->enabled;
	if (l->only) {
		int same = !strcmp(r->rule_id, l->only) && (!l->version || r->version == l->version);
		l->found += same;
		wanted = same && (l->version || r->enabled);
	}
	if (wanted)
		rule_rows_add(&l->l, r);
	return 0;
}

struct type_list {
	char **names;
	enum field_type *types;
	struct numeric_type *nums;
	size_t n;
};

static int take_type(void *ctx, const char *field, const char *type)
{
	struct type_list *l = ctx;
	l->names = xrealloc(l->names, (l->n + 1) * sizeof(*l->names));
	l->types = xrealloc(l->types, (l->n + 1) * sizeof(*l->types));
	l->nums = xrealloc(l->nums, (l->n + 1) * sizeof(*l->nums));
	l->names[l->n] = xstrdup(field);
	l->nums[l->n] = numeric_type_named(type);
	l->types[l->n++] = field_type_named(type);
	return 0;
}

int detect_load_field_types(struct store *s)
{
	struct type_list l = {0};
	int rc = store_field_types_each(s, take_type, &l);
	if (!rc)
		field_types_set(l.names, l.types, l.nums, l.n);
	for (size_t i = 0; i < l.n; i++)
		free(l.names[i]);
	free(l.names);
	free(l.types);
	free(l.nums);
	return rc;
}

int detect_run(struct store *s, const struct detect_options *o, struct detect_totals *t)
{
	struct event_source *src = source_store_open(s);
	int rc = detect_run_source(s, src, o, t);
	source_close(src);
	return rc;
}

int detect_run_source(struct store *s, struct event_source *src, const struct detect_options *o,
                      struct detect_totals *t)
{
	uint64_t removed;
	/* what a killed detect or load left pending, before any rule reads the alerts */
	if (store_finish_deferred_indexes(s, &removed) || detect_load_field_types(s))
		return CB_ERROR;
	struct rule_list l = {.only = o->rule_id, .version = o->version};
	memset(t, 0, sizeof(*t));
	if (store_rules_each(s, collect_rule, &l))
		return -1;
	struct run *runs = xcalloc(l.l.n ? l.l.n : 1, sizeof(*runs));
	struct run **scanners = xcalloc(l.l.n ? l.l.n : 1, sizeof(*scanners));
	int *ready = xcalloc(l.l.n ? l.l.n : 1, sizeof(*ready));
	size_t nscan = 0;
	int rc = 0;
	struct strpool strings; /* the hits' identities and keys, once for every rule */
	strpool_init(&strings);
	struct json_arena *arena = json_arena_new(); /* the candidate's tree, shared by every rule */
	struct json_arena *alert_arena = json_arena_new();
	struct hit_docs *docs = hit_docs_new(source_reads_any_order(src) ? HIT_DOCS_BUDGET_UNSTREAMED : HIT_DOCS_BUDGET,
	                                     source_reads_by_id_cost_queries(src));
	struct span_memo spans = {0};
	struct run_cache cache = {0};
	for (size_t i = 0; i < l.l.n && !rc; i++) {
		runs[i] = (struct run){.store = s,
		                       .src = src,
		                       .opts = o,
		                       .totals = t,
		                       .strings = &strings,
		                       .arena = arena,
		                       .alert_arena = alert_arena,
		                       .docs = docs,
		                       .spans = &spans,
		                       .cache = &cache};
		int p = prepare_rule(&runs[i], &l.l.rows[i]);
		rc = p < 0;
		ready[i] = p > 0;
	}
	/* one rule alone reads its own candidates (an index may serve it); several share one pass,
	 * as does one rule that scans */
	for (size_t i = 0; i < l.l.n && !rc; i++)
		if (ready[i])
			scanners[nscan++] = &runs[i];
	/* a first detect makes every alert at once: six of the alerts' indexes and the audit's by
	 * alert are built once at the end, sorted, rather than row by row (store/events.c); after
	 * the rules' prepare, which reads the alerts a threshold rule made before */
	int deferred = 0;
	if (!rc && nscan)
		rc = store_defer_alert_indexes(s, &deferred);
	/* the alerts and the rules' states stored on a second thread while this one goes on with
	 * the pass and the alerts' documents; not for a source whose alerts copy its events into
	 * the case as they are made (keep), which writes on this connection */
	struct alert_pipe *pipe = NULL;
	struct store_checkpointer *checkpointer = NULL;
	if (!rc && nscan && !o->keep && !o->synchronous) {
		/* the log copied into the case on a third thread, beside the writer and, at the end,
		 * the deferred indexes' build; without it (it could not start), as SQLite does */
		if (!store_checkpointer_start(s, &checkpointer))
			store_checkpointer_watch(checkpointer, s);
		if (!(rc = alert_pipe_open(s, o->queue_bytes, checkpointer, &pipe)))
			for (size_t i = 0; i < l.l.n; i++)
				runs[i].pipe = pipe;
	}
	if (!rc && nscan)
		rc = scan_runs(scanners, nscan);
	if (!rc)
		rc = finish_rules(runs, ready, l.l.n);
	if (pipe) {
		if (rc) /* this thread's failure: what the writer began is undone */
			alert_pipe_rollback(pipe);
		uint64_t created = 0;
		int failed = alert_pipe_close(pipe, s, &created, &t->made_waiting);
		t->created += created;
		rc = rc || failed;
	}
	if (deferred && store_finish_deferred_indexes(s, &removed)) /* a failed run's too */
		rc = -1;
	store_checkpointer_stop(checkpointer);
	for (size_t i = 0; i < l.l.n; i++) {
		plan_release(&runs[i].plan);
		run_release(&runs[i]);
	}
	strpool_release(&strings);
	run_cache_release(&cache);
	json_arena_free(arena);
	json_arena_free(alert_arena);
	hit_docs_free(docs);
	free(runs);
	free(scanners);
	free(ready);
	rc = rc ? CB_ERROR : CB_OK;
	size_t found = l.found;
	rule_rows_release(&l.l);
	if (!rc && o->rule_id && found == 0)
		return CB_NOT_FOUND;
	return rc;
}
