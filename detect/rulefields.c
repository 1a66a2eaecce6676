#include "detect/rulefields.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"
#include "detect/detect.h"
#include "detect/field.h"
#include "detect/overrides.h"
#include "store/events.h"

/* Kibana's detection rule schema (x-pack/.../common/api/detection_engine/model/rule_schema:
 * common_attributes, the type-specific schemas and the response fields), one row a field. To
 * change what casebook does with a field, change its row and its line in docs/DETECTION.md. */
const struct rulefield rulefields[] = {
    /* what every rule has */
    {"id", RF_APPLIED, NULL, "the rule's uuid: in the alert's uuid and kibana.alert.rule.uuid"},
    {"rule_id", RF_APPLIED, NULL, "names the rule; with version, its identity in the case"},
    {"version", RF_APPLIED, NULL, "in the alert's uuid and kibana.alert.rule.version"},
    {"name", RF_APPLIED, NULL, "kibana.alert.rule.name and the reason"},
    {"description", RF_SHOWN, NULL, "copied to the alert"},
    {"type", RF_APPLIED, NULL, "query, eql, threshold, new_terms and esql run"},
    {"language", RF_APPLIED, NULL, "kuery, eql, esql; lucene read as its KQL"},
    {"query", RF_APPLIED, NULL, "the rule's query"},
    {"index", RF_APPLIED, NULL, "the index patterns an event's _index must match"},
    {"enabled", RF_APPLIED, NULL, "detect runs the enabled rules"},
    {"interval", RF_APPLIED, NULL, "the schedule replayed"},
    {"from", RF_APPLIED, NULL, "each execution's window (date math)"},
    {"to", RF_APPLIED, NULL, "each execution's window (date math)"},
    {"max_signals", RF_APPLIED, NULL, "alerts per execution, at most 1000 (Kibana's default rules.run.alerts.max)"},
    {"severity", RF_APPLIED, NULL, "kibana.alert.severity unless severity_mapping matches"},
    {"risk_score", RF_APPLIED, NULL, "kibana.alert.risk_score unless risk_score_mapping gives one"},
    {"severity_mapping", RF_APPLIED, "query eql new_terms threat_match machine_learning esql",
     "alerts on an event or an esql rule's row: the matching entry of highest severity gives the alert's severity"},
    {"risk_score_mapping", RF_APPLIED, "query eql new_terms threat_match machine_learning esql",
     "alerts on an event or an esql rule's row: the field's largest value in 0-100 is the alert's risk score"},
    {"rule_name_override", RF_APPLIED, "query eql new_terms threat_match machine_learning esql",
     "alerts on an event or an esql rule's row: the field's string value names the alert's rule"},
    {"timestamp_override", RF_APPLIED, NULL,
     "the window's field: event.ingested, or another read from each document; @timestamp without it"},
    {"timestamp_override_fallback_disabled", RF_APPLIED, NULL, "events without the override field are not searched"},
    {"building_block_type", RF_APPLIED, NULL,
     "kibana.alert.building_block_type; hidden from the queue unless asked for"},
    {"exceptions_list", RF_APPLIED, NULL, "matching events make no alert"},
    {"alert_suppression", RF_APPLIED, "query eql threshold new_terms threat_match machine_learning esql",
     "query and EQL event rules: one alert per group_by values per execution, or within "
     "duration; threshold: a group's alerts within duration fold into its first; new_terms, threat_match, "
     "machine_learning, esql and EQL sequences (not samples): an "
     "execution's alerts per group_by values, or within duration; kibana.alert.suppression.*"},
    {"investigation_fields", RF_SHOWN, NULL, "shown first in the Overview and casebook show"},
    {"related_integrations", RF_SHOWN, NULL, "listed by casebook rules"},
    {"required_fields", RF_SHOWN, NULL, "listed by casebook rules; one the case lacks is a warning"},
    {"threat", RF_SHOWN, NULL, "copied to the alert; the MITRE mapping shown"},
    {"tags", RF_SHOWN, NULL, "copied to the alert"},
    {"author", RF_SHOWN, NULL, "copied to the alert"},
    {"license", RF_SHOWN, NULL, "copied to the alert"},
    {"note", RF_SHOWN, NULL, "the investigation guide"},
    {"setup", RF_SHOWN, NULL, "the setup guide"},
    {"references", RF_SHOWN, NULL, "copied to the alert"},
    {"false_positives", RF_SHOWN, NULL, "copied to the alert"},
    {"meta", RF_SHOWN, NULL, "kept"},
    {"actions", RF_SHOWN, NULL, "kept: notifications, never sent offline"},
    {"throttle", RF_SHOWN, NULL, "kept: notifications, never sent offline"},
    {"response_actions", RF_SHOWN, NULL, "kept: endpoint responses, never run offline"},
    {"output_index", RF_SHOWN, NULL, "kept: alerts go to the case"},
    {"namespace", RF_SHOWN, NULL, "kept: alerts go to the case"},
    {"timeline_id", RF_SHOWN, NULL, "kept"},
    {"timeline_title", RF_SHOWN, NULL, "kept"},
    {"outcome", RF_SHOWN, NULL, "kept"},
    {"alias_target_id", RF_SHOWN, NULL, "kept"},
    {"alias_purpose", RF_SHOWN, NULL, "kept"},
    {"immutable", RF_SHOWN, NULL, "kept"},
    {"rule_source", RF_SHOWN, NULL, "kept"},
    {"created_at", RF_SHOWN, NULL, "kept"},
    {"created_by", RF_SHOWN, NULL, "kept"},
    {"updated_at", RF_SHOWN, NULL, "kept"},
    {"updated_by", RF_SHOWN, NULL, "kept"},
    {"revision", RF_SHOWN, NULL, "kept"},
    {"execution_summary", RF_SHOWN, NULL, "kept"},
    /* query and EQL rules */
    {"filters", RF_APPLIED, "query eql threshold new_terms threat_match",
     "ANDed with the query (negate: NOT; disabled: left out); one not understood: the rule is skipped"},
    {"data_view_id", RF_NOT_APPLIED, NULL, "the data view's patterns are not known: index applies"},
    {"saved_id", RF_NOT_APPLIED, NULL, "the saved query is not known: the rule's query applies"},
    {"timestamp_field", RF_APPLIED, NULL, "@timestamp (another field: the rule is skipped)"},
    {"event_category_override", RF_APPLIED, "eql", "the field an EQL query's categories are read from"},
    {"tiebreaker_field", RF_APPLIED, "eql",
     "sequences: events of equal @timestamp ordered by it (a value before none), then ingest order; "
     "event queries: equal times in ingest order (what a max_signals cap keeps)"},
    /* threshold */
    {"threshold", RF_APPLIED, NULL, "field, value and cardinality"},
    /* new terms */
    {"new_terms_fields", RF_APPLIED, NULL, "the terms' fields"},
    {"history_window_start", RF_APPLIED, NULL, "the history's start (date math)"},
    /* machine learning */
    {"machine_learning_job_id", RF_APPLIED, "machine_learning",
     "the jobs whose ingested anomaly records the rule reads"},
    {"anomaly_threshold", RF_APPLIED, "machine_learning", "the least record_score that alerts"},
    /* indicator match */
    {"threat_index", RF_APPLIED, "threat_match",
     "the index patterns of the indicator documents ingested into the case"},
    {"threat_query", RF_APPLIED, "threat_match", "which indicator documents count"},
    {"threat_mapping", RF_APPLIED, "threat_match", "AND within an entry, OR between entries"},
    {"threat_indicator_path", RF_APPLIED, "threat_match",
     "where the indicator lies in its document, for the enrichment"},
    {"threat_filters", RF_APPLIED, "threat_match", "filters on the indicator documents, as rule filters are read"},
    {"threat_language", RF_APPLIED, "threat_match", "the threat_query's language: kuery, or lucene read as its KQL"},
    {"concurrent_searches", RF_SHOWN, NULL, "kept: how Kibana pages its searches"},
    {"items_per_search", RF_SHOWN, NULL, "kept: how Kibana pages its searches"},
};
const size_t rulefields_count = sizeof(rulefields) / sizeof(rulefields[0]);

const struct rulefield *rulefield_find(const char *name)
{
	for (size_t i = 0; i < rulefields_count; i++)
		if (!strcmp(rulefields[i].name, name))
			return &rulefields[i];
	return NULL;
}

const char *rulefield_use_name(enum rulefield_use use)
{
	switch (use) {
	case RF_APPLIED: return "applied";
	case RF_SHOWN: return "shown";
	default: return "not applied";
	}
}

/* Whether a rule sets the member: Kibana's defaults (null, false, "", [], {}) set nothing. */
static int is_set(const cJSON *v)
{
	if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
		return 0;
	if (cJSON_IsString(v))
		return v->valuestring[0] != '\0';
	if (cJSON_IsArray(v) || cJSON_IsObject(v))
		return v->child != NULL;
	return 1;
}

/* Whether type is one of the space-separated names in list. */
static int type_listed(const char *list, const char *type)
{
	size_t n = strlen(type);
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, " ");
		if (len == n && !strncmp(p, type, n))
			return 1;
		p += len;
		p += *p == ' ';
	}
	return 0;
}

static int applied_for(const struct rulefield *f, const char *type)
{
	if (f->use != RF_NOT_APPLIED && !f->types)
		return 1;
	return f->use == RF_APPLIED && type && type_listed(f->types, type);
}

/* Whether an EQL query is a sample: its first word (suppression applies to event queries and
 * sequences). */
static int is_sample(const char *query)
{
	while (query && (*query == ' ' || *query == '\t' || *query == '\n' || *query == '\r'))
		query++;
	return query && !strncasecmp(query, "sample", 6) && !isalnum((unsigned char)query[6]) && query[6] != '_';
}

char *rulefields_unapplied(const cJSON *rule)
{
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rule, "type"));
	struct strbuf sb;
	strbuf_init(&sb, 64);
	for (size_t i = 0; i < rulefields_count; i++) {
		const struct rulefield *f = &rulefields[i];
		if (!is_set(cJSON_GetObjectItemCaseSensitive(rule, f->name)))
			continue;
		int sample_suppressed =
		    !strcmp(f->name, "alert_suppression") && type && !strcmp(type, "eql") &&
		    is_sample(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rule, "query")));
		if (applied_for(f, type) && !sample_suppressed)
			continue;
		strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", f->name);
	}
	if (!sb.len) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

struct case_fields {
	char *const *fields;
	size_t n, left;
	int *found;
};

static int any_value(void *ctx, const cJSON *v)
{
	(void)v;
	*(int *)ctx = 1;
	return 1;
}

/* Whether the text holds "step" (quoted), step being the path's last step. */
static int names_step(const char *doc, size_t len, const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *step = dot ? dot + 1 : path;
	size_t n = strlen(step);
	for (const char *p = doc; (p = memchr(p, '"', len - (size_t)(p - doc))) && (size_t)(p - doc) + n + 2 <= len;
	     p++)
		if (!memcmp(p + 1, step, n) && p[n + 1] == '"')
			return 1;
	return 0;
}

static int check_event(void *ctx, const struct event_row *row)
{
	struct case_fields *c = ctx;
	cJSON *ev = NULL;
	for (size_t i = 0; i < c->n; i++) {
		if (c->found[i] || !row->doc || !names_step(row->doc, row->doc_len, c->fields[i]))
			continue;
		if (!ev && !(ev = detect_event_json(row)))
			break;
		int has = 0;
		field_each(ev, c->fields[i], strlen(c->fields[i]), any_value, &has);
		if (has) {
			c->found[i] = 1;
			c->left--;
		}
	}
	cJSON_Delete(ev);
	return c->left == 0;
}

int rulefields_case_has(struct store *s, char *const *fields, size_t n, int *found)
{
	struct case_fields c = {fields, n, n, found};
	memset(found, 0, n * sizeof(*found));
	if (!n)
		return 0;
	struct event_query q = {.want_doc = 1};
	return store_events_each(s, &q, check_event, &c) < 0 ? -1 : 0; /* 1: every field found */
}

size_t rulefields_investigation(const cJSON *alert, char ***names, char ***values)
{
	static const char *const where[] = {"kibana.alert.rule.investigation_fields",
	                                    "kibana.alert.rule.parameters.investigation_fields"};
	const cJSON *f = NULL;
	for (size_t i = 0; i < 2 && !f; i++)
		f = overrides_get(alert, where[i]);
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(f, "field_names"), *e;
	size_t n = 0;
	*names = *values = NULL;
	cJSON_ArrayForEach(e, list)
	{
		if (!cJSON_IsString(e) || n == 64)
			continue;
		*names = xrealloc(*names, (n + 1) * sizeof(**names));
		*values = xrealloc(*values, (n + 1) * sizeof(**values));
		(*names)[n] = xstrdup(e->valuestring);
		(*values)[n++] = field_join(alert, e->valuestring, ", ");
	}
	return n;
}
