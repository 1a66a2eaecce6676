/* Indicator match (threat_match) rules, as Kibana runs them (Kibana 8.x,
 * server/lib/detection_engine/signals/threat_mapping): an event of the rule's index patterns
 * in an execution's window that matches its query alerts when an indicator document matches
 * it. The indicators are the documents of threat_index that pass threat_query (KQL, with "now"
 * the execution's time: Elastic's rules select the last 30 days) and threat_filters.
 * threat_mapping is a list of entries, any of which may match (OR); an entry lists pairs
 * {field: the event's, value: the indicator's}, all of which must hold (AND): the event's
 * field holds the indicator's value (Elasticsearch's match query; an array holds when any of
 * its values does). An indicator whose field in an entry has no value or several takes no part
 * in that entry (filterThreatMapping: value.length === 1). A negated pair (8.16's "does not
 * match") is a condition checked once an entry's other pairs matched.
 *
 * The alert is the event's, as a query rule writes it, with threat.enrichments (current
 * Kibana's enrich_signal_threat_matches buildEnrichments): for each matching indicator and
 * entry, each of the entry's pairs that is not negated (deduplicated within the entry) gives
 * {indicator: the indicator's object at threat_indicator_path (the first, if an array), feed:
 * {name: threat.feed.name} (empty without one), matched: {atomic: the event's value of the
 * field, field, id: the indicator's _id, index: its index, type: "indicator_match_rule"}},
 * appended to the event's own enrichments. One alert per event, however many indicators match.
 *
 * casebook's indicators are the documents ingested into the case (logs-ti_* as Elastic's
 * threat intel integrations write them, or any document of threat_index's patterns; one
 * without an index counts when it holds threat_indicator_path). They are indexed by their
 * values once per run; an event looks its values up instead of being compared with each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "detect/field.h"
#include "detect/filters.h"
#include "detect/lucene_query.h"
#include "detect/query_kql.h"
#include "detect/run.h"

/* An event lands on at most this many value combinations per entry (arrays multiply). */
#define MAX_COMBINATIONS 1024
/* Executions tried for a matching event before it is given up (the windows that see one event
 * are a few: from / interval). */
#define MAX_EXECUTIONS_TRIED 64
/* Kibana keeps at most this many (indicator, entry) matches of one event
 * (MAX_NUMBER_OF_SIGNAL_MATCHES). */
#define MAX_MATCHES_PER_EVENT 200

struct mapping_entry { /* an AND of pairs */
	char **fields; /* the event's */
	char **values; /* the indicator's */
	int *negate;   /* "does not match" (Kibana 8.16+) */
	size_t n;
	/* the pairs that match, which index the indicators: at least one (Kibana's schema refuses an
	 * entry of negated pairs only) */
	char **match_fields, **match_values;
	size_t nmatch;
};

struct indicator {
	int64_t event_id;
};

/* An indicator's value combination for an entry: "entry \x1f values". */
struct indicator_key {
	char *key;
	size_t indicator, entry;
};

/* An (indicator, entry) an event matched on. */
struct candidate {
	size_t indicator, entry;
};

struct threat_alert {
	int64_t T;
	size_t hit;
	struct candidate *pairs; /* the ones threat_query passed at T */
	size_t npairs;
};

struct threat_match {
	char **index; /* threat_index */
	size_t nindex;
	struct kql_node *query;  /* threat_query */
	struct kql_node *filter; /* threat_filters as one KQL query (detect/filters.c), or NULL */
	char *path;              /* threat_indicator_path */
	struct mapping_entry *entries;
	size_t nentries;
	/* the indicators, and their keys sorted for lookup */
	struct indicator *indicators;
	size_t nindicators;
	struct indicator_key *keys;
	size_t nkeys;
	/* per hit: the pairs it matched on (before threat_query) */
	struct candidate **pairs;
	size_t *npairs;
	struct threat_alert *alerts;
	size_t nalerts;
};

static void threat_free(struct threat_match *tm)
{
	if (!tm)
		return;
	for (size_t i = 0; i < tm->nindex; i++)
		free(tm->index[i]);
	free(tm->index);
	kql_free(tm->query);
	kql_free(tm->filter);
	free(tm->path);
	for (size_t i = 0; i < tm->nentries; i++) {
		for (size_t k = 0; k < tm->entries[i].n; k++) {
			free(tm->entries[i].fields[k]);
			free(tm->entries[i].values[k]);
		}
		free(tm->entries[i].fields);
		free(tm->entries[i].values);
		free(tm->entries[i].negate);
		free(tm->entries[i].match_fields);
		free(tm->entries[i].match_values);
	}
	free(tm->entries);
	free(tm->indicators);
	for (size_t i = 0; i < tm->nkeys; i++)
		free(tm->keys[i].key);
	free(tm->keys);
	free(tm->alerts); /* the hits' pairs and the alerts' are threat_release's */
	free(tm);
}

static int fail(char *why, size_t whylen, const char *msg)
{
	snprintf(why, whylen, "%s", msg);
	return -1;
}

/* threat_mapping: [{entries: [{field, value, type: "mapping"}, ...]}, ...]. */
static int read_mapping(const cJSON *m, struct threat_match *tm, char *why, size_t whylen)
{
	static const char bad[] = "threat_mapping must be entries of {field, value, type: \"mapping\"}";
	if (!cJSON_IsArray(m) || cJSON_GetArraySize(m) == 0)
		return fail(why, whylen, "an indicator match rule needs threat_mapping");
	const cJSON *e;
	cJSON_ArrayForEach(e, m)
	{
		const cJSON *pairs = cJSON_GetObjectItemCaseSensitive(e, "entries");
		if (!cJSON_IsArray(pairs) || cJSON_GetArraySize(pairs) == 0)
			return fail(why, whylen, bad);
		tm->entries = xrealloc(tm->entries, (tm->nentries + 1) * sizeof(*tm->entries));
		struct mapping_entry *me = &tm->entries[tm->nentries++];
		memset(me, 0, sizeof(*me));
		const cJSON *p;
		cJSON_ArrayForEach(p, pairs)
		{
			const char *field = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "field"));
			const char *value = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "value"));
			const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "type"));
			if (!field || !*field || !value || !*value || (type && strcmp(type, "mapping")))
				return fail(why, whylen, bad);
			int negate = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "negate"));
			me->fields = xrealloc(me->fields, (me->n + 1) * sizeof(*me->fields));
			me->values = xrealloc(me->values, (me->n + 1) * sizeof(*me->values));
			me->negate = xrealloc(me->negate, (me->n + 1) * sizeof(*me->negate));
			me->fields[me->n] = xstrdup(field);
			me->negate[me->n] = negate;
			me->values[me->n++] = xstrdup(value);
			if (!negate) {
				me->match_fields =
				    xrealloc(me->match_fields, (me->nmatch + 1) * sizeof(*me->match_fields));
				me->match_values =
				    xrealloc(me->match_values, (me->nmatch + 1) * sizeof(*me->match_values));
				me->match_fields[me->nmatch] = me->fields[me->n - 1];
				me->match_values[me->nmatch++] = me->values[me->n - 1];
			}
		}
		if (!me->nmatch)
			return fail(why, whylen,
			            "a threat_mapping entry needs a pair that matches, not only negated ones");
	}
	return 0;
}

/* threat_filters: Kibana filters on the indicators, read as a rule's own filters are (the
 * shared converter: match_phrase, match, term(s), wildcard, exists, range, bool, match_all; negate and
 * disabled), into one KQL query that an indicator must pass. Kibana's getThreatList builds the
 * indicator search with buildEsQuery(threat_query, threat_filters), which ANDs them. */
static int read_filters(const cJSON *fs, struct threat_match *tm, char *why, size_t whylen)
{
	char *text = NULL, reason[200];
	if (filters_to_kql(fs, &text, reason, sizeof(reason))) {
		snprintf(why, whylen, "threat_filters: %s", reason);
		return -1;
	}
	if (!text)
		return 0; /* none, or all disabled */
	struct kql_error err = {.not_yet = 0};
	tm->filter = kql_parse_filters(text, &err);
	if (!tm->filter)
		snprintf(why, whylen, "threat_filters read as KQL do not parse at column %zu: %s", err.column, err.msg);
	free(text);
	return tm->filter ? 0 : -1;
}

/* A Lucene threat_query (Kibana's query_string search), as the KQL query that says the same. */
static int parse_lucene(const char *query, struct threat_match *tm, char *why, size_t whylen)
{
	char reason[200];
	char *kql = lucene_query_to_kql(query, reason, sizeof(reason));
	if (!kql) {
		snprintf(why, whylen, "threat_query (lucene): %s", reason);
		return -1;
	}
	struct kql_error err = {.not_yet = 0};
	tm->query = kql_parse(kql, &err);
	if (!tm->query)
		snprintf(why, whylen, "threat_query (lucene) read as KQL does not parse at column %zu: %s", err.column,
		         err.msg);
	free(kql);
	return tm->query ? 0 : -1;
}

static struct threat_match *threat_read(const cJSON *obj, char *why, size_t whylen)
{
	struct threat_match *tm = xcalloc(1, sizeof(*tm));
	const cJSON *idx = cJSON_GetObjectItemCaseSensitive(obj, "threat_index");
	const char *query = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "threat_query"));
	const char *lang = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "threat_language"));
	const char *path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "threat_indicator_path"));
	const cJSON *e, *patterns = cJSON_IsArray(idx) ? idx : NULL;
	cJSON_ArrayForEach(e, patterns) if (cJSON_IsString(e) && *e->valuestring)
	{
		tm->index = xrealloc(tm->index, (tm->nindex + 1) * sizeof(*tm->index));
		tm->index[tm->nindex++] = xstrdup(e->valuestring);
	}
	int rc = 0;
	struct kql_error err = {.not_yet = 0};
	if (tm->nindex == 0 || tm->nindex != (size_t)cJSON_GetArraySize(idx))
		rc = fail(why, whylen, "an indicator match rule needs threat_index: index patterns");
	else if (lang && strcmp(lang, "kuery") && strcmp(lang, "lucene")) {
		snprintf(why, whylen, "threat_language \"%.40s\" is not supported (kuery and lucene are)", lang);
		rc = -1;
	} else if (!query) {
		rc = fail(why, whylen, "an indicator match rule needs threat_query");
	} else if (lang && !strcmp(lang, "lucene")) {
		rc = parse_lucene(query, tm, why, whylen);
	} else if (!(tm->query = kql_parse(query, &err))) {
		snprintf(why, whylen, "threat_query: %s (column %zu)", err.msg, err.column);
		rc = -1;
	}
	if (!rc)
		rc = read_mapping(cJSON_GetObjectItemCaseSensitive(obj, "threat_mapping"), tm, why, whylen);
	if (!rc)
		rc = read_filters(cJSON_GetObjectItemCaseSensitive(obj, "threat_filters"), tm, why, whylen);
	tm->path = xstrdup(path && *path ? path : "threat.indicator");
	if (rc) {
		threat_free(tm);
		return NULL;
	}
	return tm;
}

static int threat_check(const struct rule *r, char *why, size_t whylen)
{
	struct threat_match *tm = threat_read(r->obj, why, whylen);
	threat_free(tm);
	return tm ? 0 : -1;
}

/* ---- the indicators ---- */

static int any_value(void *ctx, const cJSON *v)
{
	(void)ctx;
	return !cJSON_IsNull(v);
}

static int filters_pass(const struct threat_match *tm, const cJSON *doc)
{
	return !tm->filter || kql_match(tm->filter, doc);
}

static const cJSON *get_path(const cJSON *doc, const char *path);

/* An indicator's values for the entry, when each of its fields has exactly one. */
struct one_combination {
	char *key;
	size_t count;
};

static void take_combination(void *ctx, char *const *values, size_t n)
{
	struct one_combination *c = ctx;
	if (c->count++ == 0)
		c->key = run_join_values(values, n);
}

static void add_key(struct threat_match *tm, size_t entry, const char *values, size_t indicator)
{
	struct strbuf k;
	strbuf_init(&k, 64);
	strbuf_addf(&k, "%zu\x1f%s", entry, values);
	tm->keys = xrealloc(tm->keys, (tm->nkeys + 1) * sizeof(*tm->keys));
	tm->keys[tm->nkeys++] = (struct indicator_key){strbuf_detach(&k, NULL), indicator, entry};
}

/* Counts the indicator's values per field: each entry's fields must have one value each. */
static int count_value(void *ctx, const cJSON *v)
{
	(void)v;
	++*(size_t *)ctx;
	return 0;
}

static void index_indicator(struct threat_match *tm, const cJSON *doc, int64_t event_id)
{
	size_t at = tm->nindicators, keys_before = tm->nkeys;
	for (size_t e = 0; e < tm->nentries; e++) {
		const struct mapping_entry *me = &tm->entries[e];
		int single = 1;
		for (size_t k = 0; k < me->nmatch && single; k++) {
			size_t n = 0;
			field_each(doc, me->match_values[k], strlen(me->match_values[k]), count_value, &n);
			single = n == 1;
		}
		if (!single)
			continue;
		struct one_combination c = {NULL, 0};
		field_combinations(doc, me->match_values, me->nmatch, 1, take_combination, &c);
		if (c.key)
			add_key(tm, e, c.key, at);
		free(c.key);
	}
	if (tm->nkeys == keys_before)
		return; /* no entry can match it */
	tm->indicators = xrealloc(tm->indicators, (at + 1) * sizeof(*tm->indicators));
	tm->indicators[tm->nindicators++] = (struct indicator){event_id};
}

/* The events whose index threat_index's patterns select: read from the columns once for all
 * the indicator match rules of a detect run that name the same patterns (Elastic's all do). */
struct indicator_ids {
	int64_t *ids;
	size_t n;
};

static void indicator_ids_free(void *p)
{
	struct indicator_ids *x = p;
	free(x->ids);
	free(x);
}

static int admit_indicator(void *ctx, const struct event_record *r)
{
	const struct threat_match *tm = ctx;
	return index_matches((const char *const *)tm->index, tm->nindex, r->index);
}

static int take_id(void *ctx, const struct candidate_row *c)
{
	struct indicator_ids *x = ctx;
	x->ids = xrealloc(x->ids, (x->n + 1) * sizeof(*x->ids));
	x->ids[x->n++] = c->id;
	return 0;
}

static const struct indicator_ids *indicator_ids(struct run *run, const struct threat_match *tm)
{
	struct strbuf key;
	strbuf_init(&key, 64);
	strbuf_addstr(&key, "threat_index");
	for (size_t i = 0; i < tm->nindex; i++)
		strbuf_addf(&key, "\x1f%s", tm->index[i]);
	struct indicator_ids *x = run_cache_get(run, key.buf);
	if (!x) {
		x = xcalloc(1, sizeof(*x));
		/* no index of the case in threat_index: the read below would admit no event */
		int may = run_source_may_match_index(run, (const char *const *)tm->index, tm->nindex);
		struct candidate_query q = {.any_order = 1, .admit = admit_indicator, .admit_ctx = (void *)tm};
		if (may < 0 || (may && source_candidates(run->src, &q, NULL, 0, take_id, x))) {
			indicator_ids_free(x);
			strbuf_release(&key);
			return NULL;
		}
		run_cache_put(run, key.buf, x, indicator_ids_free);
	}
	strbuf_release(&key);
	return x;
}

struct loading {
	struct threat_match *tm;
	size_t documents; /* of threat_index, before threat_query */
};

static int load_indicator(void *ctx, const struct event_row *row)
{
	struct loading *l = ctx;
	struct threat_match *tm = l->tm;
	cJSON *doc = detect_event_json(row);
	if (doc && (row->r.index || get_path(doc, tm->path)) && filters_pass(tm, doc)) {
		l->documents++;
		index_indicator(tm, doc, row->id);
	}
	cJSON_Delete(doc);
	return 0;
}

static int by_key(const void *a, const void *b)
{
	const struct indicator_key *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return (x->indicator > y->indicator) - (x->indicator < y->indicator);
}

/* The indicators of the case, read once for the run: threat_query waits for the executions. */
static int threat_prepare(struct run *run)
{
	char why[200];
	struct threat_match *tm = threat_read(run->rule.obj, why, sizeof(why));
	if (!tm)
		return -1;
	run->state = tm;
	const struct indicator_ids *x = indicator_ids(run, tm);
	if (!x)
		return -1;
	struct loading l = {tm, 0};
	for (size_t i = 0; i < x->n; i++)
		if (run->src->ops->event_get(run->src, x->ids[i], 1, load_indicator, &l))
			return -1;
	if (l.documents == 0)
		run->totals->no_indicators++;
	if (tm->nkeys > 1)
		qsort(tm->keys, tm->nkeys, sizeof(*tm->keys), by_key);
	return 0;
}

/* ---- the events ---- */

struct matching {
	struct threat_match *tm;
	size_t entry;
	struct candidate *found;
	size_t n, cap;
};

static void add_candidate(struct matching *m, size_t indicator, size_t entry)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->found[i].indicator == indicator && m->found[i].entry == entry)
			return;
	if (m->n == m->cap)
		m->found = xrealloc(m->found, (m->cap = m->cap ? m->cap * 2 : 8) * sizeof(*m->found));
	m->found[m->n++] = (struct candidate){indicator, entry};
}

static void lookup_combination(void *ctx, char *const *values, size_t n)
{
	struct matching *m = ctx;
	struct threat_match *tm = m->tm;
	char *joined = run_join_values(values, n);
	struct strbuf k;
	strbuf_init(&k, 64);
	strbuf_addf(&k, "%zu\x1f%s", m->entry, joined);
	free(joined);
	size_t lo = 0, hi = tm->nkeys; /* the first key >= k */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(tm->keys[mid].key, k.buf) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < tm->nkeys && !strcmp(tm->keys[lo].key, k.buf); lo++)
		add_candidate(m, tm->keys[lo].indicator, tm->keys[lo].entry);
	strbuf_release(&k);
}

/* Kibana's enrichments follow its threat list (the indicators in order), then the entries. */
static int by_indicator_then_entry(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	if (x->indicator != y->indicator)
		return x->indicator < y->indicator ? -1 : 1;
	return (x->entry > y->entry) - (x->entry < y->entry);
}

static void threat_consider(struct run *run, const struct candidate_row *c, const cJSON *ev)
{
	struct threat_match *tm = run->state;
	if (!tm->nkeys || !run_matches(run, ev))
		return;
	struct matching m = {tm, 0, NULL, 0, 0};
	for (m.entry = 0; m.entry < tm->nentries; m.entry++) {
		const struct mapping_entry *me = &tm->entries[m.entry];
		size_t all =
		    field_combinations(ev, me->match_fields, me->nmatch, MAX_COMBINATIONS, lookup_combination, &m);
		if (all > MAX_COMBINATIONS && run->opts->warn.say)
			diag_say(&run->opts->warn,
			         "warning: rule \"%s\": an event has %zu value combinations; the first %d count\n",
			         run->rule.name, all, MAX_COMBINATIONS);
	}
	if (!m.n)
		return;
	qsort(m.found, m.n, sizeof(*m.found), by_indicator_then_entry);
	if (run->suppress) { /* keys[0]: its alert_suppression group (NULL: alone) */
		const char **keys = xmalloc(sizeof(*keys));
		keys[0] = suppression_event_key(run, ev);
		run_add_hit(run, c, keys, 1);
	} else {
		run_add_hit(run, c, NULL, 0);
	}
	tm->pairs = xrealloc(tm->pairs, run->alloc * sizeof(*tm->pairs));
	tm->npairs = xrealloc(tm->npairs, run->alloc * sizeof(*tm->npairs));
	tm->pairs[run->nhits - 1] = m.found;
	tm->npairs[run->nhits - 1] = m.n;
}

/* ---- the alerts ---- */

/* lodash's get: a key holding the whole path first, then nested objects and dotted keys. */
static const cJSON *get_path(const cJSON *doc, const char *path)
{
	const cJSON *at = doc;
	const char *p = path;
	while (at && *p) {
		if (!cJSON_IsObject(at))
			return NULL;
		const cJSON *whole = cJSON_GetObjectItemCaseSensitive(at, p);
		if (whole)
			return whole;
		const char *dot = strchr(p, '.');
		if (!dot)
			return NULL;
		const cJSON *child = NULL, *m;
		cJSON_ArrayForEach(m, at) if (m->string && strlen(m->string) == (size_t)(dot - p) &&
		                              !strncmp(m->string, p, (size_t)(dot - p))) child = m;
		at = child;
		p = dot + 1;
	}
	return at == doc ? NULL : at;
}

struct read_doc {
	cJSON *doc;
	char *identity, *index;
};

static int take_doc(void *ctx, const struct event_row *row)
{
	struct read_doc *d = ctx;
	d->doc = detect_event_json(row);
	d->identity = xstrdup(row->r.identity ? row->r.identity : "");
	d->index = xstrdup(row->r.index ? row->r.index : "");
	return 0;
}

static int read_indicator(struct run *run, size_t i, struct read_doc *d)
{
	const struct threat_match *tm = run->state;
	memset(d, 0, sizeof(*d));
	return run->src->ops->event_get(run->src, tm->indicators[i].event_id, 1, take_doc, d);
}

static void read_doc_release(struct read_doc *d)
{
	cJSON_Delete(d->doc);
	free(d->identity);
	free(d->index);
}

struct one_value {
	size_t n;
	char *text; /* the first */
};

static int take_value(void *ctx, const cJSON *v)
{
	struct one_value *o = ctx;
	if (o->n++ == 0)
		o->text = run_value_text(v);
	return 0;
}

static int value_equals(void *ctx, const cJSON *v)
{
	char *t = run_value_text(v);
	int eq = !strcmp(t, ctx);
	free(t);
	return eq;
}

/* A negated pair (buildNegateClause): an indicator without the value wants the event to have the
 * field; one with a single value, the event's field not to hold it; several, nothing. */
static int negation_holds(const cJSON *ev, const cJSON *ind, const char *field, const char *value)
{
	struct one_value o = {0, NULL};
	field_each(ind, value, strlen(value), take_value, &o);
	int holds = 1;
	if (o.n == 0)
		holds = field_each(ev, field, strlen(field), any_value, NULL) != 0;
	else if (o.n == 1)
		holds = field_each(ev, field, strlen(field), value_equals, o.text) == 0;
	free(o.text);
	return holds;
}

static int negations_hold(const struct mapping_entry *me, const cJSON *ev, const cJSON *ind)
{
	for (size_t k = 0; k < me->n; k++)
		if (me->negate[k] && !negation_holds(ev, ind, me->fields[k], me->values[k]))
			return 0;
	return 1;
}

/* The candidates whose indicator passes threat_query at execution T and whose entry's negated
 * pairs hold for the event ev; at most MAX_MATCHES_PER_EVENT. */
static int pairs_at(struct run *run, int64_t T, const cJSON *ev, const struct candidate *in, size_t n,
                    struct candidate **out, size_t *nout)
{
	const struct threat_match *tm = run->state;
	*out = NULL;
	*nout = 0;
	field_set_date_now(T);
	int rc = 0;
	for (size_t i = 0; i < n && !rc && *nout < MAX_MATCHES_PER_EVENT; i++) {
		struct read_doc d;
		if ((rc = read_indicator(run, in[i].indicator, &d)) != 0)
			break;
		/* Kibana's threat list search carries the rule's exceptions too (getThreatList's
		 * exceptionFilter) */
		if (d.doc && kql_match(tm->query, d.doc) && !exceptions_match(run->exceptions, d.doc) &&
		    negations_hold(&tm->entries[in[i].entry], ev, d.doc)) {
			*out = xrealloc(*out, (*nout + 1) * sizeof(**out));
			(*out)[(*nout)++] = in[i];
		}
		read_doc_release(&d);
	}
	field_set_date_now(0);
	return rc;
}

/* A matching event alerts at the first execution that sees it and for which one of its
 * indicators passes threat_query. */
static int decide_hit(struct run *run, size_t h, struct threat_alert *a)
{
	struct threat_match *tm = run->state;
	int64_t t = run->hits[h].time;
	int64_t T = run_first_execution_seeing(run, t);
	struct read_doc event; /* the negated pairs compare it with each indicator */
	memset(&event, 0, sizeof(event));
	int rc = run->src->ops->event_get(run->src, run->hits[h].event_id, 1, take_doc, &event) ? -1 : 0;
	for (int tried = 0; !rc && event.doc && tried < MAX_EXECUTIONS_TRIED && T != INT64_MAX && T <= run->last_t &&
	                    rule_window_from(&run->rule, T) <= t;
	     tried++, T += run->rule.interval_us) {
		if (pairs_at(run, T, event.doc, tm->pairs[h], tm->npairs[h], &a->pairs, &a->npairs)) {
			free(a->pairs);
			a->pairs = NULL;
			rc = -1;
		} else if (a->npairs) {
			a->T = T;
			a->hit = h;
			rc = 1;
		}
	}
	read_doc_release(&event);
	return rc;
}

static int by_execution_then_time(const void *x, const void *y)
{
	const struct threat_alert *a = x, *b = y;
	if (a->T != b->T)
		return a->T < b->T ? -1 : 1;
	return (a->hit > b->hit) - (a->hit < b->hit);
}

static const struct run *sorting; /* qsort has no context */

static int by_hit_time(const void *x, const void *y)
{
	const struct threat_alert *a = x, *b = y;
	if (a->T != b->T)
		return a->T < b->T ? -1 : 1;
	int c = by_rule_time(&sorting->hits[a->hit], &sorting->hits[b->hit]);
	return c ? c : by_execution_then_time(x, y);
}

static int64_t alert_execution(const void *item)
{
	return ((const struct threat_alert *)item)->T;
}

static int name_alert(struct run *run, const void *item, char uuid[SHA256_HEX_LEN + 1])
{
	const struct hit *h = &run->hits[((const struct threat_alert *)item)->hit];
	return run_alert_uuid(run, &h, 1, NULL, uuid); /* Kibana's id for a query rule's alert */
}

struct enriching {
	struct run *run;
	const struct threat_alert *a;
	int failed;
};

static cJSON *enrichment(const struct threat_match *tm, const cJSON *doc, const struct read_doc *d, const char *field)
{
	const cJSON *ind = get_path(d->doc, tm->path);
	if (cJSON_IsArray(ind))
		ind = cJSON_GetArrayItem(ind, 0);
	if (ind && !cJSON_IsObject(ind))
		return NULL; /* Kibana throws: "Expected indicator field to be an object" */
	cJSON *e = cJSON_CreateObject();
	cJSON_AddItemToObject(e, "indicator", ind ? cJSON_Duplicate(ind, 1) : cJSON_CreateObject());
	cJSON *feed = cJSON_AddObjectToObject(e, "feed");
	const cJSON *name = get_path(d->doc, "threat.feed.name");
	if (name && !(cJSON_IsString(name) && !*name->valuestring) && !cJSON_IsNull(name))
		cJSON_AddItemToObject(feed, "name", cJSON_Duplicate(name, 1));
	cJSON *matched = cJSON_AddObjectToObject(e, "matched");
	const cJSON *atomic = get_path(doc, field);
	if (atomic)
		cJSON_AddItemToObject(matched, "atomic", cJSON_Duplicate(atomic, 1));
	cJSON_AddStringToObject(matched, "field", field);
	cJSON_AddStringToObject(matched, "id", d->identity);
	cJSON_AddStringToObject(matched, "index", d->index);
	cJSON_AddStringToObject(matched, "type", "indicator_match_rule");
	return e;
}

/* Whether pair k of the entry appeared before in it (Kibana dedupes an entry's pairs). */
static int named_before(const struct mapping_entry *me, size_t k)
{
	for (size_t q = 0; q < k; q++)
		if (!me->negate[q] && !strcmp(me->fields[q], me->fields[k]) && !strcmp(me->values[q], me->values[k]))
			return 1;
	return 0;
}

/* threat.enrichments: the event's own, then one per indicator and pair it matched on. */
static void add_enrichments(cJSON *doc, void *ctx)
{
	struct enriching *en = ctx;
	const struct threat_match *tm = en->run->state;
	cJSON *threat = cJSON_GetObjectItemCaseSensitive(doc, "threat");
	if (!cJSON_IsObject(threat)) {
		cJSON_DeleteItemFromObjectCaseSensitive(doc, "threat");
		threat = cJSON_AddObjectToObject(doc, "threat");
	}
	cJSON *list = cJSON_CreateArray();
	cJSON *own = cJSON_DetachItemFromObjectCaseSensitive(threat, "enrichments");
	if (cJSON_IsArray(own)) {
		while (own->child)
			cJSON_AddItemToArray(list, cJSON_DetachItemViaPointer(own, own->child));
		cJSON_Delete(own);
	} else if (own) {
		cJSON_AddItemToArray(list, own);
	}
	const struct threat_alert *a = en->a;
	for (size_t i = 0; i < a->npairs; i++) {
		struct read_doc d;
		if (read_indicator(en->run, a->pairs[i].indicator, &d) || !d.doc) {
			en->failed = 1;
			read_doc_release(&d);
			continue;
		}
		const struct mapping_entry *me = &tm->entries[a->pairs[i].entry];
		for (size_t k = 0; k < me->n; k++) {
			if (me->negate[k] || named_before(me, k))
				continue;
			cJSON *e = enrichment(tm, doc, &d, me->fields[k]);
			if (e)
				cJSON_AddItemToArray(list, e);
		}
		read_doc_release(&d);
	}
	cJSON_AddItemToObject(threat, "enrichments", list);
	suppression_annotate(en->run, doc, NULL, 0);
}

static const char *alert_group(const struct run *run, const void *item)
{
	const struct hit *h = &run->hits[((const struct threat_alert *)item)->hit];
	return h->nkeys ? h->keys[0] : NULL;
}

static const struct run *timing; /* the fold's callbacks have no context */

static int64_t alert_time(const void *item)
{
	return timing->hits[((const struct threat_alert *)item)->hit].time;
}

static int make_alert(struct run *run, void *ctx, const char *uuid, int64_t exec_t)
{
	const struct threat_alert *a = ctx;
	const struct hit *h = &run->hits[a->hit];
	struct enriching en = {run, a, 0};
	int rc = run_create_event_alert(run, &h, 1, uuid, exec_t, add_enrichments, &en);
	return rc ? rc : en.failed ? -1 : 0;
}

static int threat_finish(struct run *run)
{
	struct threat_match *tm = run->state;
	tm->alerts = xcalloc(run->nhits ? run->nhits : 1, sizeof(*tm->alerts));
	for (size_t h = 0; h < run->nhits; h++) {
		struct threat_alert *a = &tm->alerts[tm->nalerts];
		int rc = decide_hit(run, h, a);
		if (rc < 0)
			return -1;
		if (rc > 0)
			tm->nalerts++;
	}
	run->totals->matched += tm->nalerts;
	sorting = run;
	qsort(tm->alerts, tm->nalerts, sizeof(*tm->alerts), by_hit_time);
	timing = run;
	if (run->suppress)
		return suppression_fold_alerts(run, tm->alerts, tm->nalerts, sizeof(*tm->alerts), alert_execution,
		                               alert_group, alert_time, name_alert, make_alert);
	return run_alerts_in_order(run, tm->alerts, tm->nalerts, sizeof(*tm->alerts), alert_execution, name_alert,
	                           make_alert);
}

static void threat_release(struct run *run)
{
	struct threat_match *tm = run->state;
	if (!tm)
		return;
	for (size_t i = 0; i < run->nhits && tm->pairs; i++)
		free(tm->pairs[i]);
	free(tm->pairs);
	tm->pairs = NULL;
	free(tm->npairs);
	for (size_t i = 0; i < tm->nalerts; i++)
		free(tm->alerts[i].pairs);
	tm->nalerts = 0;
	threat_free(tm);
	run->state = NULL;
}

const struct rule_type threat_match_type = {.name = "threat_match",
                                            .language = "kuery",
                                            .category = "Indicator Match Rule",
                                            .type_id = "siem.indicatorRule",
                                            .suppression = SUPPRESSES_IN_MEMORY,
                                            .alerts_on_hit_events = 1,
                                            .check = threat_check,
                                            .query_parses = kql_rule_parses,
                                            .compile = kql_rule_compile,
                                            .prepare = threat_prepare,
                                            .consider = threat_consider,
                                            .finish = threat_finish,
                                            .release = threat_release};
