/* Threshold rules, as Kibana runs them: the events an execution's window holds that match the
 * query are grouped by threshold.field (none: one group), and a group with at least
 * threshold.value events (and, with threshold.cardinality, at least that many distinct values
 * of its field) makes one alert for the execution. A group's events up to its last alert are
 * not counted again (Kibana's threshold signal history), so a burst alerts once.
 *
 * Streaming (the pass in time order), the executions are walked as they are decided, each
 * group's last alert is remembered, and the events no later window counts are forgotten. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/number.h"
#include "common/timeutil.h"
#include "detect/field.h"
#include "detect/query_kql.h"
#include "detect/run.h"

/* A document lands in at most this many groups (arrays in several group-by fields multiply). */
#define MAX_GROUPS_PER_EVENT 1024

struct threshold {
	char **fields; /* threshold.field */
	size_t nfields;
	int64_t value;
	char *card_field; /* threshold.cardinality[0].field, or NULL */
	int64_t card_value;
	struct strpool last_keys; /* groups alerted before this run ... */
	int64_t *last_time;       /* ... and the time of the last event each alert counted */
	size_t nlast;
};

/* threshold.field is a string or an array of them (empty: one group of every event). */
static int read_fields(const cJSON *f, struct threshold *t)
{
	if (cJSON_IsString(f) && *f->valuestring) {
		t->fields = xmalloc(sizeof(*t->fields));
		t->fields[t->nfields++] = xstrdup(f->valuestring);
		return 0;
	}
	if (f && !cJSON_IsArray(f) && !cJSON_IsString(f))
		return -1;
	const cJSON *e;
	cJSON_ArrayForEach(e, f)
	{
		if (!cJSON_IsString(e))
			return -1;
		t->fields = xrealloc(t->fields, (t->nfields + 1) * sizeof(*t->fields));
		t->fields[t->nfields++] = xstrdup(e->valuestring);
	}
	return 0;
}

static void threshold_free(struct threshold *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nfields; i++)
		free(t->fields[i]);
	free(t->fields);
	free(t->card_field);
	strpool_release(&t->last_keys);
	free(t->last_time);
	free(t);
}

/* Reads threshold: {field, value, cardinality}. NULL with why when it is not one. */
static struct threshold *threshold_read(const cJSON *obj, char *why, size_t whylen)
{
	const cJSON *th = cJSON_GetObjectItemCaseSensitive(obj, "threshold");
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(th, "value");
	int64_t n;
	if (!cJSON_IsObject(th) || !cJSON_IsNumber(value) || number_whole_int64(value->valuedouble, 1, INT32_MAX, &n)) {
		snprintf(why, whylen, "a threshold rule needs threshold.value, a whole number from 1 to %d", INT32_MAX);
		return NULL;
	}
	struct threshold *t = xcalloc(1, sizeof(*t));
	t->value = n;
	strpool_init(&t->last_keys);
	if (read_fields(cJSON_GetObjectItemCaseSensitive(th, "field"), t) || t->nfields > 5) {
		snprintf(why, whylen, "threshold.field must be a field name or a list of up to 5");
		threshold_free(t);
		return NULL;
	}
	const cJSON *card = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(th, "cardinality"), 0);
	if (card) {
		const char *f = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(card, "field"));
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(card, "value");
		if (!f || !cJSON_IsNumber(v) || number_whole_int64(v->valuedouble, 0, INT32_MAX, &n)) {
			snprintf(why, whylen,
			         "threshold.cardinality needs a field and a value, a whole number from 0 to %d",
			         INT32_MAX);
			threshold_free(t);
			return NULL;
		}
		t->card_field = xstrdup(f);
		t->card_value = n;
	}
	return t;
}

static int threshold_check(const struct rule *r, char *why, size_t whylen)
{
	struct threshold *t = threshold_read(r->obj, why, whylen);
	threshold_free(t);
	return t ? 0 : -1;
}

/* The group's last alert counted the events up to at (the latest wins). */
static void remember_last(struct threshold *t, const char *key, int64_t at)
{
	size_t id;
	strpool_intern(&t->last_keys, key, &id);
	if (id >= t->nlast) {
		t->last_time = xrealloc(t->last_time, (id + 1) * sizeof(*t->last_time));
		for (size_t i = t->nlast; i <= id; i++)
			t->last_time[i] = INT64_MIN;
		t->nlast = id + 1;
	}
	if (at > t->last_time[id])
		t->last_time[id] = at;
}

/* The groups alerted before: the terms and the time of the last counted event of each. */
static int take_last(void *ctx, const struct alert_row *a)
{
	struct threshold *t = ctx;
	cJSON *doc = a->doc ? cJSON_Parse(a->doc) : NULL;
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(doc, "kibana.alert.threshold_result");
	const cJSON *terms = cJSON_GetObjectItemCaseSensitive(res, "terms");
	const char *last = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "casebook.threshold_last"));
	int64_t at;
	if (cJSON_IsArray(terms) && last && !time_parse_iso8601(last, strlen(last), &at, NULL)) {
		size_t n = (size_t)cJSON_GetArraySize(terms);
		char **values = xcalloc(n ? n : 1, sizeof(*values));
		for (size_t i = 0; i < n; i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(terms, (int)i), "value");
			values[i] = v ? run_value_text(v) : xstrdup("");
		}
		char *key = run_join_values(values, n);
		remember_last(t, key, at);
		free(key);
		for (size_t i = 0; i < n; i++)
			free(values[i]);
		free(values);
	}
	cJSON_Delete(doc);
	return 0;
}

static int threshold_prepare(struct run *run)
{
	char why[160];
	struct threshold *t = threshold_read(run->rule.obj, why, sizeof(why));
	if (!t)
		return -1; /* rule.c checked it: cannot happen */
	run->state = t;
	struct alert_query q = {.rule_id = run->rule.rule_id};
	return store_alerts_each(run->store, &q, take_last, t);
}

struct adding {
	struct run *run;
	const struct candidate_row *c;
	const cJSON *ev;
};

/* A hit per group the event falls in: keys[0] is the group, keys[1..] (added after) the
 * cardinality field's values. */
static void add_group_hit(void *ctx, char *const *values, size_t n)
{
	struct adding *ad = ctx;
	const char **keys = xmalloc(sizeof(*keys));
	char *key = run_join_values(values, n);
	keys[0] = run_intern(ad->run, key);
	free(key);
	run_add_hit(ad->run, ad->c, keys, 1);
}

struct card_adding {
	struct run *run;
	struct hit *h;
};

static void add_card_value(void *ctx, char *const *values, size_t n)
{
	struct card_adding *ca = ctx;
	struct hit *h = ca->h;
	if (n != 1)
		return;
	h->keys = xrealloc(h->keys, (h->nkeys + 1) * sizeof(*h->keys));
	h->keys[h->nkeys++] = run_intern(ca->run, values[0]);
}

static void threshold_consider(struct run *run, const struct candidate_row *c, const cJSON *ev)
{
	if (!run_matches(run, ev))
		return;
	struct threshold *t = run->state;
	struct adding ad = {run, c, ev};
	size_t first = run->nhits;
	size_t all = field_combinations(ev, t->fields, t->nfields, MAX_GROUPS_PER_EVENT, add_group_hit, &ad);
	if (all > MAX_GROUPS_PER_EVENT && run->opts->warn.say)
		diag_say(&run->opts->warn,
		         "warning: rule \"%s\": an event falls in %zu groups; it counts in the first %d\n",
		         run->rule.name, all, MAX_GROUPS_PER_EVENT);
	if (t->card_field)
		for (size_t i = first; i < run->nhits; i++) {
			char *path[1] = {t->card_field};
			struct card_adding ca = {run, &run->hits[i]};
			field_combinations(ev, path, 1, MAX_GROUPS_PER_EVENT, add_card_value, &ca);
		}
}

static int by_group_then_time(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	int c = strcmp(x->keys[0], y->keys[0]);
	return c ? c : by_rule_time(a, b);
}

/* An alert an execution makes for a group: its events are hits[lo, hi). */
struct group_alert {
	int64_t T;
	size_t lo, hi;
	int64_t from; /* where its counting started */
	size_t distinct;
};

struct group_alerts {
	struct group_alert *at;
	size_t n, cap;
};

/* Distinct values of the cardinality field among hits[lo, hi). */
static size_t distinct_values(const struct run *run, size_t lo, size_t hi)
{
	struct strpool seen;
	strpool_init(&seen);
	for (size_t i = lo; i < hi; i++)
		for (size_t k = 1; k < run->hits[i].nkeys; k++)
			strpool_intern(&seen, run->hits[i].keys[k], NULL);
	size_t n = strpool_count(&seen);
	strpool_release(&seen);
	return n;
}

static int64_t last_alerted(struct threshold *t, const char *key)
{
	size_t id;
	if (!strpool_find(&t->last_keys, key))
		return INT64_MIN;
	strpool_intern(&t->last_keys, key, &id);
	return id < t->nlast ? t->last_time[id] : INT64_MIN;
}

/* One group's executions in [first, limit): only those where one of its events enters the
 * window change its count, so the walk jumps from one to the next (linear in the group's
 * events). Starting at first with events an earlier walk saw is the same: an execution that
 * no new event enters counts no more than the one before it, which did not alert. */
static void walk_group(struct run *run, size_t a, size_t b, int64_t first, int64_t limit, struct group_alerts *out)
{
	struct threshold *t = run->state;
	const struct rule *r = &run->rule;
	int64_t last = last_alerted(t, run->hits[a].keys[0]), was = last;
	size_t lo = a, hi = a;
	while (hi < b) {
		int64_t T = run_first_execution_seeing(run, run->hits[hi].time);
		T = T < first ? first : T;
		if (T > run->last_t || T >= limit)
			break;
		int64_t from = rule_window_from(r, T), to = rule_window_to(r, T);
		while (hi < b && run->hits[hi].time <= to)
			hi++;
		while (lo < hi && (run->hits[lo].time < from || run->hits[lo].time <= last))
			lo++;
		if ((int64_t)(hi - lo) < t->value)
			continue;
		size_t distinct = t->card_field ? distinct_values(run, lo, hi) : 0;
		if (t->card_field && (int64_t)distinct < t->card_value)
			continue;
		if (out->n == out->cap)
			out->at = xrealloc(out->at, (out->cap = out->cap ? out->cap * 2 : 16) * sizeof(*out->at));
		out->at[out->n++] = (struct group_alert){T, lo, hi, last > from ? last : from, distinct};
		last = run->hits[hi - 1].time;
		lo = hi;
	}
	if (last != was)
		remember_last(t, run->hits[a].keys[0], last);
}

static int by_execution(const void *a, const void *b)
{
	const struct group_alert *x = a, *y = b;
	if (x->T != y->T)
		return x->T < y->T ? -1 : 1;
	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* The alert: the group's terms as fields, kibana.alert.threshold_result, the rule's fields;
 * its events are the ones it counted (the last is its own, for the host and timeline). */
static int make_threshold_alert(struct run *run, void *ctx, const char *uuid, int64_t exec_t)
{
	const struct group_alert *g = ctx;
	const struct threshold *t = run->state;
	const struct hit *last = &run->hits[g->hi - 1];
	int64_t now = run->opts->now_us ? run->opts->now_us : time_now_us(), max_ts = INT64_MIN;
	for (size_t i = g->lo; i < g->hi; i++)
		max_ts = run->hits[i].ts > max_ts ? run->hits[i].ts : max_ts;
	cJSON *doc = cJSON_CreateObject();
	run_add_iso(doc, "@timestamp", now);
	/* the terms: values of the group, split back from its key */
	cJSON *terms = cJSON_CreateArray();
	const char *k = last->keys[0];
	for (size_t i = 0; i < t->nfields; i++) {
		const char *end = strchr(k, '\x1f');
		size_t len = end ? (size_t)(end - k) : strlen(k);
		char *value = xstrndup(k, len);
		cJSON_AddStringToObject(doc, t->fields[i], value);
		cJSON *term = cJSON_CreateObject();
		cJSON_AddStringToObject(term, "field", t->fields[i]);
		cJSON_AddStringToObject(term, "value", value);
		cJSON_AddItemToArray(terms, term);
		free(value);
		k = end ? end + 1 : k + len;
	}
	cJSON *event = cJSON_AddObjectToObject(doc, "event");
	cJSON_AddStringToObject(event, "kind", "signal");
	run_add_iso(doc, "kibana.alert.original_time", max_ts);
	cJSON_AddStringToObject(doc, "kibana.alert.uuid", uuid);
	cJSON *result = cJSON_AddObjectToObject(doc, "kibana.alert.threshold_result");
	cJSON_AddItemToObject(result, "terms", terms);
	cJSON_AddNumberToObject(result, "count", (double)(g->hi - g->lo));
	run_add_iso(result, "from", g->from);
	if (t->card_field) {
		cJSON *cards = cJSON_AddArrayToObject(result, "cardinality");
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "field", t->card_field);
		cJSON_AddNumberToObject(c, "value", (double)g->distinct);
		cJSON_AddItemToArray(cards, c);
	}
	run_add_iso(doc, "casebook.threshold_last", last->time);
	cJSON_AddArrayToObject(doc, "kibana.alert.ancestors");
	cJSON_AddNumberToObject(doc, "kibana.alert.depth", 1);
	suppression_annotate(run, doc, t->fields, t->nfields);
	struct strbuf reason;
	strbuf_init(&reason, 128);
	strbuf_addf(&reason, "%zu events", g->hi - g->lo);
	k = last->keys[0];
	for (size_t i = 0; i < t->nfields; i++) {
		const char *end = strchr(k, '\x1f');
		size_t len = end ? (size_t)(end - k) : strlen(k);
		strbuf_addf(&reason, "%s %s %.*s", i ? "," : " with", t->fields[i], (int)len, k);
		k = end ? end + 1 : k + len;
	}
	strbuf_addf(&reason, " created %s alert %s.", run->rule.severity, run->rule.name);
	run_add_alert_common(doc, run, uuid, now, reason.buf);
	char *text = run_alert_text(doc, run);
	/* its events, the newest first: the alert's own event is the last it counted */
	size_t n = g->hi - g->lo;
	int64_t *ids = xmalloc(n * sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		ids[i] = run->hits[g->hi - 1 - i].event_id;
	int rc = run_store_alert(run, uuid, last->event_id, max_ts, exec_t, reason.buf, text, ids, n);
	free(ids);
	cJSON_free(text);
	strbuf_release(&reason);
	return rc;
}

static int64_t group_execution(const void *item)
{
	return ((const struct group_alert *)item)->T;
}

/* The group an alert is for: alert_suppression's group (Kibana's suppression fields are
 * threshold.field). */
static const char *group_key(const struct run *run, const void *item)
{
	return run->hits[((const struct group_alert *)item)->lo].keys[0];
}

/* Kibana names a threshold alert by the rule, the execution and the group. */
static int name_group(struct run *run, const void *item, char out[SHA256_HEX_LEN + 1])
{
	const struct group_alert *g = item;
	struct sha256_ctx *ctx = sha256_begin();
	char head[96];
	snprintf(head, sizeof(head), "threshold:%lld:%lld:", (long long)run->rule.version, (long long)g->T);
	sha256_update(ctx, head, strlen(head));
	sha256_update(ctx, run->rule.uuid, strlen(run->rule.uuid));
	const char *key = run->hits[g->lo].keys[0];
	sha256_update(ctx, key, strlen(key) + 1);
	sha256_finish(ctx, out);
	return 0;
}

/* Forgets the events no execution from limit on counts: before its window, or counted by
 * their group's last alert. */
static void forget_counted(struct run *run, int64_t limit)
{
	struct threshold *t = run->state;
	int64_t from = limit == INT64_MAX ? INT64_MAX : rule_window_from(&run->rule, limit);
	size_t kept = 0;
	for (size_t i = 0; i < run->nhits; i++) {
		struct hit *h = &run->hits[i];
		if (h->time >= from && h->time > last_alerted(t, h->keys[0])) {
			struct hit keep = *h;
			*h = run->hits[kept];
			run->hits[kept++] = keep;
		}
	}
	run->totals->matched += run->nhits - kept;
	run_drop_hits_after(run, kept);
}

/* Walks every group over the executions from run->replay_t up to limit, alerts in execution
 * order, and forgets what later executions will not count. */
static int threshold_decide(struct run *run, int64_t limit)
{
	if (run->nhits > 1)
		qsort(run->hits, run->nhits, sizeof(*run->hits), by_group_then_time);
	struct group_alerts all = {0};
	for (size_t a = 0; a < run->nhits;) {
		size_t b = a + 1;
		while (b < run->nhits && !strcmp(run->hits[b].keys[0], run->hits[a].keys[0]))
			b++;
		walk_group(run, a, b, run->replay_t, limit, &all);
		a = b;
	}
	if (all.n > 1)
		qsort(all.at, all.n, sizeof(*all.at), by_execution);
	int rc = run->suppress ? suppression_fold_alerts(run, all.at, all.n, sizeof(*all.at), group_execution,
	                                                 group_key, NULL, name_group, make_threshold_alert)
	                       : run_alerts_in_order(run, all.at, all.n, sizeof(*all.at), group_execution, name_group,
	                                             make_threshold_alert);
	free(all.at);
	run->replay_t = limit;
	forget_counted(run, limit);
	return rc ? -1 : 0;
}

static int threshold_flush(struct run *run, int64_t done)
{
	return threshold_decide(run, run_undecided(run, done));
}

static int threshold_finish(struct run *run)
{
	return threshold_decide(run, INT64_MAX);
}

static void threshold_release(struct run *run)
{
	threshold_free(run->state);
	run->state = NULL;
}

const struct rule_type threshold_type = {.name = "threshold",
                                         .language = "kuery",
                                         .category = "Threshold Rule",
                                         .type_id = "siem.thresholdRule",
                                         .suppression = SUPPRESSES_ALERTS,
                                         .check = threshold_check,
                                         .query_parses = kql_rule_parses,
                                         .compile = kql_rule_compile,
                                         .prepare = threshold_prepare,
                                         .consider = threshold_consider,
                                         .finish = threshold_finish,
                                         .flush = threshold_flush,
                                         .release = threshold_release};
