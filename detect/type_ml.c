/* Machine learning rules, as Kibana runs them: an execution reads Elastic ML's anomaly records
 * (.ml-anomalies-*, result_type "record", is_interim false) of the rule's jobs
 * (machine_learning_job_id) whose "timestamp" lies in its window and whose record_score is at
 * least anomaly_threshold, the best scores first, and alerts on each (Kibana 8.x:
 * server/lib/machine_learning getAnomalies, signals/find_ml_signals and
 * bulk_create_ml_signals). The alert is the record's document made ECS-like as
 * transformAnomalyFieldsToEcs does: each influencer's dotted field ("host.name": [...]) and
 * the by_field_name/by_field_value entity become nested fields; the rest of the record
 * (job_id, record_score, influencers, ...) is kept as it is.
 *
 * casebook has no ML: the records are those ingested into the case (ingest keeps them at their
 * "timestamp", in .ml-anomalies-shared when they came without an index). A rule whose jobs have
 * no record in its windows finds nothing and detect's summary says so once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/query_kql.h"
#include "detect/run.h"

/* Elastic ML's results indices: where Kibana's anomaly search looks. */
#define ML_RESULTS_PATTERN ".ml-anomalies-*"

struct ml_rule {
	char **jobs; /* machine_learning_job_id; none or "*": every job */
	size_t njobs;
	double threshold; /* anomaly_threshold */
	double *scores;   /* record_score of each hit */
	size_t records;   /* anomaly records of its jobs met in its windows, any score */
	struct ml_alert { /* finish: the alerts decided */
		int64_t T;
		double score;
		size_t hit;
	} * alerts;
};

static void ml_free(struct ml_rule *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->njobs; i++)
		free(m->jobs[i]);
	free(m->jobs);
	free(m->scores);
	free(m->alerts);
	free(m);
}

static void add_job(struct ml_rule *m, const char *job)
{
	m->jobs = xrealloc(m->jobs, (m->njobs + 1) * sizeof(*m->jobs));
	m->jobs[m->njobs++] = xstrdup(job);
}

/* machine_learning_job_id is a job id or an array of them (Kibana's schema takes both);
 * anomaly_threshold a number from 0 to 100. NULL with why when the rule has neither. */
static struct ml_rule *ml_read(const cJSON *obj, char *why, size_t whylen)
{
	const cJSON *jobs = cJSON_GetObjectItemCaseSensitive(obj, "machine_learning_job_id");
	const cJSON *th = cJSON_GetObjectItemCaseSensitive(obj, "anomaly_threshold");
	if (!cJSON_IsNumber(th) || th->valuedouble < 0 || th->valuedouble > 100) {
		snprintf(why, whylen, "a machine_learning rule needs anomaly_threshold, a number from 0 to 100");
		return NULL;
	}
	struct ml_rule *m = xcalloc(1, sizeof(*m));
	m->threshold = th->valuedouble;
	if (cJSON_IsString(jobs) && *jobs->valuestring) {
		add_job(m, jobs->valuestring);
		return m;
	}
	const cJSON *e, *list = cJSON_IsArray(jobs) ? jobs : NULL;
	cJSON_ArrayForEach(e, list)
	{
		if (!cJSON_IsString(e) || !*e->valuestring)
			break;
		add_job(m, e->valuestring);
	}
	if (!cJSON_IsArray(jobs) || m->njobs == 0 || m->njobs != (size_t)cJSON_GetArraySize(jobs)) {
		snprintf(why, whylen,
		         "a machine_learning rule needs machine_learning_job_id: a job id or an array of them");
		ml_free(m);
		return NULL;
	}
	return m;
}

static int ml_check(const struct rule *r, char *why, size_t whylen)
{
	struct ml_rule *m = ml_read(r->obj, why, whylen);
	ml_free(m);
	return m ? 0 : -1;
}

/* Kibana filters the jobs with query_string "job_id:ID OR ...": on a keyword, '*' is any run
 * of characters and '?' any one. Iterative, with one backtrack point: no recursion. */
static int job_glob(const char *p, const char *s)
{
	const char *star = NULL, *resume = NULL;
	while (*s) {
		if (*p == '*') {
			star = p++;
			resume = s;
		} else if (*p == '?' || *p == *s) {
			p++, s++;
		} else if (star) {
			p = star + 1;
			s = ++resume;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

static int job_wanted(const struct ml_rule *m, const char *job)
{
	if (m->njobs == 1 && !strcmp(m->jobs[0], "*"))
		return 1;
	for (size_t i = 0; i < m->njobs; i++)
		if (job_glob(m->jobs[i], job))
			return 1;
	return 0;
}

/* The rule reads the ML results indices, not its own index patterns, and a record always holds
 * "record_score": the needle that keeps every other document unparsed for it. */
static int ml_compile(struct run *run, struct strbuf *why)
{
	char reason[240];
	struct ml_rule *m = ml_read(run->rule.obj, reason, sizeof(reason));
	if (!m) {
		strbuf_addstr(why, reason);
		return -1;
	}
	run->state = m;
	for (size_t i = 0; i < run->rule.nindex; i++)
		free(run->rule.index[i]);
	run->rule.index = xrealloc(run->rule.index, sizeof(*run->rule.index));
	run->rule.index[0] = xstrdup(ML_RESULTS_PATTERN);
	run->rule.nindex = 1;
	needles_one(&run->needles, "record_score", strlen("record_score"));
	return 0;
}

static const char *string_member(const cJSON *obj, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static void anomaly_to_ecs(cJSON *doc, void *ctx);

static void ml_consider(struct run *run, const struct candidate_row *c, const cJSON *ev)
{
	struct ml_rule *m = run->state;
	const char *type = string_member(ev, "result_type"), *job = string_member(ev, "job_id");
	if (!type || strcmp(type, "record") || !job || !job_wanted(m, job))
		return;
	m->records++;
	const cJSON *score = cJSON_GetObjectItemCaseSensitive(ev, "record_score");
	/* term is_interim: false: a record without the field is not one */
	if (!cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ev, "is_interim")) || !cJSON_IsNumber(score) ||
	    !(score->valuedouble >= m->threshold))
		return;
	if (exceptions_match(run->exceptions, ev)) { /* Kibana's must_not: the exceptions over the record */
		run->totals->suppressed++;
		return;
	}
	if (run->suppress) { /* keys[0]: its alert_suppression group, over the record made ECS-like */
		cJSON *shaped = cJSON_Duplicate(ev, 1);
		anomaly_to_ecs(shaped, NULL);
		const char **keys = xmalloc(sizeof(*keys));
		keys[0] = suppression_event_key(run, shaped);
		cJSON_Delete(shaped);
		run_add_hit(run, c, keys, 1);
	} else {
		run_add_hit(run, c, NULL, 0);
	}
	m->scores = xrealloc(m->scores, run->alloc * sizeof(*m->scores));
	m->scores[run->nhits - 1] = score->valuedouble;
}

/* Each execution's records, best score first (Kibana sorts the search by record_score desc);
 * equal scores in time order. */
static int by_execution_then_score(const void *a, const void *b)
{
	const struct ml_alert *x = a, *y = b;
	if (x->T != y->T)
		return x->T < y->T ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (x->hit > y->hit) - (x->hit < y->hit);
}

static int64_t alert_execution(const void *item)
{
	return ((const struct ml_alert *)item)->T;
}

/* Kibana's id of an alert on a source document: its index and _id, the rule, its version. */
static int name_record(struct run *run, const void *item, char uuid[SHA256_HEX_LEN + 1])
{
	const struct hit *h = &run->hits[((const struct ml_alert *)item)->hit];
	return run_alert_uuid(run, &h, 1, NULL, uuid);
}

/* set-value's set(obj, "a.b.c", v): objects made (or replaced) along the path. */
static void set_nested(cJSON *doc, const char *path, const cJSON *value)
{
	cJSON *at = doc;
	char part[256];
	for (const char *p = path;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		snprintf(part, sizeof(part), "%.*s", (int)(len < sizeof(part) ? len : sizeof(part) - 1), p);
		if (!dot) {
			cJSON_DeleteItemFromObjectCaseSensitive(at, part);
			cJSON_AddItemToObject(at, part, cJSON_Duplicate(value, 1));
			return;
		}
		cJSON *next = cJSON_GetObjectItemCaseSensitive(at, part);
		if (!cJSON_IsObject(next)) {
			cJSON_DeleteItemFromObjectCaseSensitive(at, part);
			next = cJSON_AddObjectToObject(at, part);
		}
		at = next;
		p = dot + 1;
	}
}

/* Fields nested deeper than this are left as they came: the depth is the record's to choose, and
 * cJSON prints and frees a tree recursively. */
#define MAX_FIELD_DEPTH 32

/* A field name the record gives that is not made nested: one the alert's own fields win over
 * (Kibana writes them after), or deeper than MAX_FIELD_DEPTH. */
static int left_alone(const char *name)
{
	size_t dots = 0;
	for (const char *p = name; *p; p++)
		dots += *p == '.';
	return !*name || dots >= MAX_FIELD_DEPTH || !strncmp(name, "kibana.", 7) || !strcmp(name, "kibana") ||
	       !strcmp(name, "@timestamp");
}

/* JavaScript's truthiness, which Kibana's `entityName && entityValue` tests. */
static int truthy(const cJSON *v)
{
	return v && !cJSON_IsNull(v) && !cJSON_IsFalse(v) && !(cJSON_IsNumber(v) && v->valuedouble == 0) &&
	       !(cJSON_IsString(v) && !*v->valuestring);
}

/* transformAnomalyFieldsToEcs: the named fields' dotted keys removed, then each set nested. */
static void anomaly_to_ecs(cJSON *doc, void *ctx)
{
	(void)ctx;
	struct named {
		const char *name;
		cJSON *value; /* owned */
	} fields[64];
	size_t n = 0;
	const cJSON *inf;
	cJSON_ArrayForEach(inf, cJSON_GetObjectItemCaseSensitive(doc, "influencers"))
	{
		const char *name = string_member(inf, "influencer_field_name");
		const cJSON *values = cJSON_GetObjectItemCaseSensitive(inf, "influencer_field_values");
		if (name && values && n < sizeof(fields) / sizeof(fields[0]) - 1)
			fields[n++] = (struct named){name, cJSON_Duplicate(values, 1)};
	}
	const char *by_name = string_member(doc, "by_field_name");
	const cJSON *by_value = cJSON_GetObjectItemCaseSensitive(doc, "by_field_value");
	if (by_name && *by_name && truthy(by_value)) {
		cJSON *one = cJSON_CreateArray();
		cJSON_AddItemToArray(one, cJSON_Duplicate(by_value, 1));
		fields[n++] = (struct named){by_name, one};
	}
	/* names are read from the record's own strings: copied before any is removed */
	char *names[64];
	for (size_t i = 0; i < n; i++)
		names[i] = xstrdup(fields[i].name);
	for (size_t i = 0; i < n; i++)
		if (!left_alone(names[i]))
			cJSON_DeleteItemFromObjectCaseSensitive(doc, names[i]);
	for (size_t i = 0; i < n; i++) {
		if (!left_alone(names[i]))
			set_nested(doc, names[i], fields[i].value);
		cJSON_Delete(fields[i].value);
		free(names[i]);
	}
	if (!cJSON_GetObjectItemCaseSensitive(doc, "event")) /* build_alert marks it a signal */
		cJSON_AddObjectToObject(doc, "event");
}

static void add_suppression(cJSON *doc, void *ctx)
{
	suppression_annotate(ctx, doc, NULL, 0);
}

static int make_record_alert(struct run *run, void *ctx, const char *uuid, int64_t exec_t)
{
	const struct hit *h = &run->hits[((const struct ml_alert *)ctx)->hit];
	return run_create_shaped_alert(run, &h, 1, uuid, exec_t, anomaly_to_ecs, add_suppression, run);
}

static const char *record_group(const struct run *run, const void *item)
{
	const struct hit *h = &run->hits[((const struct ml_alert *)item)->hit];
	return h->nkeys ? h->keys[0] : NULL;
}

static const struct run *timing; /* the fold's callbacks have no context */

static int64_t record_time(const void *item)
{
	return timing->hits[((const struct ml_alert *)item)->hit].time;
}

/* A record alerts at the first execution whose window holds it; later, overlapping ones find
 * its alert made (the same id). */
static int ml_finish(struct run *run)
{
	struct ml_rule *m = run->state;
	if (m->records == 0)
		run->totals->no_anomalies++;
	m->alerts = xmalloc((run->nhits ? run->nhits : 1) * sizeof(*m->alerts));
	size_t n = 0;
	for (size_t i = 0; i < run->nhits; i++) {
		int64_t T = run_first_execution_seeing(run, run->hits[i].time);
		if (T == INT64_MAX || T > run->last_t || rule_window_from(&run->rule, T) > run->hits[i].time)
			continue;
		m->alerts[n++] = (struct ml_alert){T, m->scores[i], i};
	}
	run->totals->matched += n;
	qsort(m->alerts, n, sizeof(*m->alerts), by_execution_then_score);
	timing = run;
	if (run->suppress) /* an execution's group keeps its best score (the search's order) */
		return suppression_fold_alerts(run, m->alerts, n, sizeof(*m->alerts), alert_execution, record_group,
		                               record_time, name_record, make_record_alert);
	return run_alerts_in_order(run, m->alerts, n, sizeof(*m->alerts), alert_execution, name_record,
	                           make_record_alert);
}

static void ml_release(struct run *run)
{
	ml_free(run->state);
	run->state = NULL;
}

const struct rule_type ml_type = {.name = "machine_learning",
                                  .language = NULL, /* no query: the jobs' records */
                                  .category = "Machine Learning Rule",
                                  .type_id = "siem.mlRule",
                                  .suppression = SUPPRESSES_IN_MEMORY,
                                  .alerts_on_hit_events = 1,
                                  .check = ml_check,
                                  /* a query on a machine learning rule was always checked as KQL */
                                  .query_parses = kql_rule_parses,
                                  .compile = ml_compile,
                                  .consider = ml_consider,
                                  .finish = ml_finish,
                                  .release = ml_release};
