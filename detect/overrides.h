/* overrides: what a rule takes from the event it alerts on, as Kibana's detection engine does
 * (rule_types/utils/mappings/build_{severity,risk_score,rule_name}_from_mapping.ts):
 * severity_mapping, risk_score_mapping and rule_name_override. */
#ifndef CASEBOOK_OVERRIDES_H
#define CASEBOOK_OVERRIDES_H

#include <cJSON.h>

struct alert_overrides {
	const char *severity; /* the rule's severity, or the mapping entry's (static or the rule's) */
	double risk_score;    /* the rule's, or the mapped field's */
	const char *name;     /* the rule's name, or the event's value (in the event's tree) */
	int severity_mapped, risk_mapped, name_mapped;
};

/* The alert's severity, risk score and rule name for the event ev under the rule r->obj
 * (severity, risk_score, name being the rule's own). The strings live as long as the rule
 * and the event. */
void overrides_compute(const cJSON *rule, const char *severity, double risk_score, const char *name, const cJSON *ev,
                       struct alert_overrides *o);

/* lodash's get(path, source), as Kibana reads a mapped field: the member named path itself,
 * else the path's dot-separated steps through nested objects. NULL when absent. */
const cJSON *overrides_get(const cJSON *source, const char *path);

/* Whether the rule sets severity_mapping, risk_score_mapping or rule_name_override: without,
 * its alerts take the rule's own severity, risk score and name. */
int overrides_wanted(const cJSON *rule);

/* The source Kibana reads an ES|QL row's overrides from (esql.ts, mergeEsqlResultInSource): a
 * copy of the row's source event with each of the row's columns (members of columns, named
 * by their dotted names) set by that name, the field it names removed first in any mix of
 * dotted and nested notation (robustUnset) when its value there is truthy (robustGet); a
 * column that is null, _id, _version or _index left out (rowToDocument, the hit's own).
 * source NULL: the row alone (an aggregating query's). The caller deletes it. */
cJSON *overrides_esql_source(const cJSON *source, const cJSON *columns);
/* The same merge into doc itself, the columns' members moved out of columns (the caller deletes
 * what is left of it). */
void overrides_esql_merge(cJSON *doc, cJSON *columns);

#endif
