/* search: KQL searches the console and the command line run over the case: `events --query`
 * over the events, `alerts --query` and the queue's marks over the alert documents. */

#include "detect/detect.h"

#include <stddef.h>
#include <string.h>

#include "detect/eventjson.h"
#include "detect/needles.h"
#include "detect/plan.h"
#include "detect/run.h"
#include "detect/source.h"
#include "store/alerts.h"

int detect_json_matches_len(const struct kql_node *q, const char *json, size_t len)
{
	cJSON *doc = cJSON_ParseWithLength(json, len);
	int hit = doc && kql_match(q, doc);
	cJSON_Delete(doc);
	return hit;
}

int detect_json_matches(const struct kql_node *q, const char *json)
{
	cJSON *doc = cJSON_Parse(json);
	int hit = doc && kql_match(q, doc);
	cJSON_Delete(doc);
	return hit;
}

struct alert_kql {
	const struct kql_node *q;
	alert_match_fn fn;
	void *ctx;
};

static int on_alert_kql(void *ctx, const struct alert_row *a)
{
	struct alert_kql *k = ctx;
	return k->fn(k->ctx, a, detect_json_matches(k->q, a->doc));
}

int detect_alerts_kql(struct store *s, const struct kql_node *q, alert_match_fn fn, void *ctx)
{
	if (detect_load_field_types(s))
		return -1;
	struct alert_kql k = {.q = q, .fn = fn, .ctx = ctx};
	struct alert_query all = {0};
	return store_alerts_each(s, &all, on_alert_kql, &k);
}

struct search {
	const struct kql_node *q;
	long limit, found;
	event_fn fn;
	void *ctx;
	int status; /* what fn returned when it stopped the search (0: it did not) */
};

static int on_search_candidate(void *ctx, const struct candidate_row *c)
{
	struct search *se = ctx;
	cJSON *ev = detect_event_json(&c->ev);
	int hit = ev && kql_match(se->q, ev);
	cJSON_Delete(ev);
	if (!hit)
		return 0;
	se->found++;
	if ((se->status = se->fn(se->ctx, &c->ev)) != 0)
		return 1;
	return se->limit > 0 && se->found >= se->limit;
}

/* The search, from the start or after a row (resume) in (@timestamp, id) order. */
static int search_from(struct event_source *src, const struct kql_node *q, const struct search_resume *after,
                       long limit, event_fn fn, void *ctx)
{
	struct plan plan;
	plan_query(q, &plan);
	struct candidate_query cq = {0};
	plan_apply(&plan, &cq);
	if (after) { /* the same order as the plain search's, read on from a row: keyset paging */
		cq.by_event_time = 1;
		cq.resume = 1;
		cq.resume_ts = after->ts;
		cq.resume_id = after->id;
	}
	struct needles needles = {0};
	kql_needles(q, &needles);
	needles_finish(&needles);
	const struct needles *set = &needles;
	struct search se = {.q = q, .limit = limit, .fn = fn, .ctx = ctx};
	int rc = source_candidates(src, &cq, &set, 1, on_search_candidate, &se);
	rc = rc ? rc : se.status; /* the callback's status is passed back */
	needles_release(&needles);
	plan_release(&plan);
	return rc;
}

int detect_search_in(struct event_source *src, const struct kql_node *q, long limit, event_fn fn, void *ctx)
{
	return search_from(src, q, NULL, limit, fn, ctx);
}

int detect_search_after_in(struct event_source *src, const struct kql_node *q, const struct search_resume *after,
                           long limit, event_fn fn, void *ctx)
{
	return search_from(src, q, after, limit, fn, ctx);
}

int detect_search_after(struct store *s, const struct kql_node *q, const struct search_resume *after, long limit,
                        event_fn fn, void *ctx)
{
	if (detect_load_field_types(s))
		return -1;
	struct event_source *src = source_store_open(s);
	int rc = search_from(src, q, after, limit, fn, ctx);
	source_close(src);
	return rc;
}

int detect_search(struct store *s, const struct kql_node *q, long limit, event_fn fn, void *ctx)
{
	return detect_search_after(s, q, NULL, limit, fn, ctx);
}
