/* query_kql: a KQL rule's query compiled for a detect run, and checked at import. */

#include "detect/query_kql.h"

#include <stdio.h>
#include <string.h>

#include "detect/field.h"
#include "detect/kql.h"
#include "detect/needles.h"
#include "detect/plan.h"
#include "detect/scan.h"

static int kql_test(const void *query, const cJSON *ev)
{
	return kql_match(query, ev);
}

static void kql_release(void *query)
{
	kql_free(query);
}

static int kql_column_values(const void *query, const char *field, char ***values, size_t *n, int *caseless)
{
	*caseless = field_normalizes_lowercase(field, strlen(field)); /* the query's text normalized too */
	return kql_required_values(query, field, values, n);
}

int kql_rule_compile(struct run *run, struct strbuf *why)
{
	struct kql_error err;
	struct kql_node *q = kql_parse(run->rule.query, &err);
	if (!q) {
		kql_error_format(run->rule.query, &err, why);
		return -1;
	}
	run->test = (struct event_test){.query = q, .matches = kql_test, .release = kql_release};
	kql_needles(q, &run->needles);
	run_plan_column_filters(kql_column_values, q, 1, &run->columns, &run->ncolumns);
	plan_query(q, &run->plan);
	return 0;
}

int kql_rule_parses(const struct rule *r, char *why, size_t whylen)
{
	struct kql_error err = {.not_yet = 0};
	struct kql_node *q = kql_parse(r->query, &err);
	kql_free(q);
	if (q)
		return 1;
	snprintf(why, whylen, "the KQL query does not parse at column %zu: %s", err.column, err.msg);
	return 0;
}
