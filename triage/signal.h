/* signal: Kibana 7.x's alert documents ("signals", .siem-signals-*) read as 8.x's. A 7.x alert
 * carries signal.rule.name, signal.rule.severity, signal.status, signal.original_time,
 * signal.ancestors (or the older signal.parents / signal.parent) ...; Kibana 8 reads them under
 * kibana.alert.* through the aliases its signals-index migration adds (Kibana's
 * x-pack/plugins/security_solution/server/lib/detection_engine/routes/index/
 * signal_aad_mapping.json): the same field names below signal.rule and kibana.alert.rule,
 * except signal.rule.id -> kibana.alert.rule.uuid, signal.rule.severity and .risk_score ->
 * kibana.alert.severity and .risk_score (the alert's own), signal.rule.building_block_type ->
 * kibana.alert.building_block_type and signal.status -> kibana.alert.workflow_status. */
#ifndef CASEBOOK_SIGNAL_H
#define CASEBOOK_SIGNAL_H

#include <cJSON.h>

/* Whether doc is a 7.x signal: it names its rule under signal.rule (rule_id, id or name), and
 * not under kibana.alert.rule. */
int signal_is_legacy(const cJSON *doc);

/* Adds to into (an object) the kibana.alert.* fields, as dotted keys, that the signal.* fields
 * of doc (a 7.x signal) stand for and doc does not carry already. Returns how many. */
int signal_alert_fields(const cJSON *doc, cJSON *into);

/* The value at a dotted path, through nested objects and dotted keys alike, unflattened (an
 * array is returned as the array): NULL when absent. */
const cJSON *signal_value_at(const cJSON *doc, const char *path);

#endif
