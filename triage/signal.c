#include "triage/signal.h"

#include <string.h>

/* 7.x name -> 8.x name, as Kibana's signal_aad_mapping.json pairs them. The ancestors come from
 * signal.ancestors, else the signal.parents of 7.0-7.9, else the one signal.parent of the
 * earliest signals; the first pair that the document has wins for each 8.x name. */
static const struct {
	const char *legacy, *current;
} fields[] = {
    {"signal.rule.id", "kibana.alert.rule.uuid"},
    {"signal.rule.rule_id", "kibana.alert.rule.rule_id"},
    {"signal.rule.name", "kibana.alert.rule.name"},
    {"signal.rule.description", "kibana.alert.rule.description"},
    {"signal.rule.type", "kibana.alert.rule.type"},
    {"signal.rule.version", "kibana.alert.rule.version"},
    {"signal.rule.severity", "kibana.alert.severity"},
    {"signal.rule.severity", "kibana.alert.rule.severity"},
    {"signal.rule.risk_score", "kibana.alert.risk_score"},
    {"signal.rule.risk_score", "kibana.alert.rule.risk_score"},
    {"signal.rule.building_block_type", "kibana.alert.building_block_type"},
    {"signal.rule.note", "kibana.alert.rule.note"},
    {"signal.rule.threat", "kibana.alert.rule.threat"},
    {"signal.rule.tags", "kibana.alert.rule.tags"},
    {"signal.rule.references", "kibana.alert.rule.references"},
    {"signal.rule.interval", "kibana.alert.rule.interval"},
    {"signal.rule.from", "kibana.alert.rule.from"},
    {"signal.rule.to", "kibana.alert.rule.to"},
    {"signal.rule.max_signals", "kibana.alert.rule.max_signals"},
    {"signal.rule.author", "kibana.alert.rule.author"},
    {"signal.rule.license", "kibana.alert.rule.license"},
    {"signal.rule.false_positives", "kibana.alert.rule.false_positives"},
    {"signal.rule.query", "kibana.alert.rule.query"},
    {"signal.rule.language", "kibana.alert.rule.language"},
    {"signal.rule.index", "kibana.alert.rule.index"},
    {"signal.rule.filters", "kibana.alert.rule.filters"},
    {"signal.rule.threshold", "kibana.alert.rule.threshold"},
    {"signal.rule.timestamp_override", "kibana.alert.rule.timestamp_override"},
    {"signal.rule.rule_name_override", "kibana.alert.rule.rule_name_override"},
    {"signal.rule.severity_mapping", "kibana.alert.rule.severity_mapping"},
    {"signal.rule.risk_score_mapping", "kibana.alert.rule.risk_score_mapping"},
    {"signal.rule.created_at", "kibana.alert.rule.created_at"},
    {"signal.rule.created_by", "kibana.alert.rule.created_by"},
    {"signal.rule.updated_at", "kibana.alert.rule.updated_at"},
    {"signal.rule.updated_by", "kibana.alert.rule.updated_by"},
    {"signal.rule.immutable", "kibana.alert.rule.immutable"},
    {"signal.rule.enabled", "kibana.alert.rule.enabled"},
    {"signal.status", "kibana.alert.workflow_status"},
    {"signal.reason", "kibana.alert.reason"},
    {"signal.original_time", "kibana.alert.original_time"},
    {"signal.original_event", "kibana.alert.original_event"},
    {"signal.depth", "kibana.alert.depth"},
    {"signal.ancestors", "kibana.alert.ancestors"},
    {"signal.parents", "kibana.alert.ancestors"},
    {"signal.parent", "kibana.alert.ancestors"},
    {"signal.group.id", "kibana.alert.group.id"},
    {"signal.group.index", "kibana.alert.group.index"},
    {"signal.threshold_result", "kibana.alert.threshold_result"},
};

const cJSON *signal_value_at(const cJSON *doc, const char *path)
{
	/* each level: the longest key of the object that is the path's next dotted part(s); the
	 * loop runs once a dot of our own constant path, never deeper than the path */
	const cJSON *at = doc;
	const char *rest = path;
	while (cJSON_IsObject(at)) {
		const cJSON *next = NULL;
		size_t used = 0;
		for (const cJSON *m = at->child; m; m = m->next) {
			size_t n = m->string ? strlen(m->string) : 0;
			if (n > used && !strncmp(rest, m->string, n) && (rest[n] == '\0' || rest[n] == '.')) {
				next = m;
				used = n;
			}
		}
		if (!next)
			return NULL;
		if (rest[used] == '\0')
			return next;
		at = next;
		rest += used + 1;
	}
	return NULL;
}

static int any_of(const cJSON *doc, const char *const *paths)
{
	for (; *paths; paths++)
		if (signal_value_at(doc, *paths))
			return 1;
	return 0;
}

int signal_is_legacy(const cJSON *doc)
{
	/* nested or flattened alike: a field of the rule, not the "signal.rule" object itself */
	static const char *const legacy[] = {"signal.rule.rule_id", "signal.rule.id", "signal.rule.name", NULL};
	static const char *const current[] = {"kibana.alert.rule.rule_id", "kibana.alert.rule.uuid",
	                                      "kibana.alert.rule.name", NULL};
	return any_of(doc, legacy) && !any_of(doc, current);
}

int signal_alert_fields(const cJSON *doc, cJSON *into)
{
	int added = 0;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (signal_value_at(doc, fields[i].current) || signal_value_at(into, fields[i].current))
			continue;
		const cJSON *v = signal_value_at(doc, fields[i].legacy);
		if (!v)
			continue;
		cJSON *copy = cJSON_Duplicate(v, 1);
		if (!strcmp(fields[i].legacy, "signal.parent") && cJSON_IsObject(copy)) {
			cJSON *list = cJSON_CreateArray(); /* one parent, as 8.x's list of ancestors */
			cJSON_AddItemToArray(list, copy);
			copy = list;
		}
		cJSON_AddItemToObject(into, fields[i].current, copy);
		added++;
	}
	return added;
}
