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

#endif
