/* json: the whole triage record (docs/EXPORT.md, versioned): one object with the export's
 * envelope and a records array, a record per alert with its checklist, response, notes, audit,
 * building blocks, Kibana case attachment, alert document and timeline. */
#include <stdio.h>
#include <string.h>

#include "common/timeutil.h"
#include "export/format.h"
#include "triage/signal.h"

#define EXPORT_VERSION 1

static cJSON *items_json(const struct case_record *r, const char *kind)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < r->nitems; i++) {
		const struct case_item *it = &r->items[i];
		if (strcmp(it->kind, kind))
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "n", it->position);
		cJSON_AddStringToObject(o, "text", it->text);
		cJSON_AddStringToObject(o, "state", it->state);
		export_add_str(o, "note", it->note);
		export_add_str(o, "by", it->by);
		export_add_time(o, "at", it->at_us);
		cJSON_AddBoolToObject(o, "default", it->from_default);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* The building blocks under a sequence alert Kibana raised, in their group.index order. */
static cJSON *blocks_json(const struct case_record *r)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < r->nblocks; i++) {
		const struct case_related *b = &r->blocks[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "uuid", b->uuid);
		cJSON_AddStringToObject(o, "rule", b->rule);
		cJSON_AddStringToObject(o, "severity", b->severity);
		cJSON_AddStringToObject(o, "status", b->status);
		export_add_time(o, "time", b->ts);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* The alert as a Kibana case's alert attachment (Cases API, POST /api/cases/{id}/comments:
 * type "alert", alertId and index one or arrays of the same length, rule {id, name}, owner).
 * A sequence alert brings its building blocks with it, as the alerts table's expanded group
 * attaches the sequence and its blocks together; every alert of the attachment is in the
 * default space's alerts index alias. rule.id is the rule's Kibana id (kibana.alert.rule.uuid),
 * null when the alert does not carry it. */
static cJSON *attachment_json(const struct case_record *r)
{
	static const char alerts_index[] = ".alerts-security.alerts-default";
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "alert");
	cJSON *ids = cJSON_AddArrayToObject(o, "alertId");
	cJSON *idx = cJSON_AddArrayToObject(o, "index");
	cJSON_AddItemToArray(ids, cJSON_CreateString(kibana_id(r->uuid)));
	cJSON_AddItemToArray(idx, cJSON_CreateString(alerts_index));
	for (size_t i = 0; i < r->nblocks; i++) {
		cJSON_AddItemToArray(ids, cJSON_CreateString(kibana_id(r->blocks[i].uuid)));
		cJSON_AddItemToArray(idx, cJSON_CreateString(alerts_index));
	}
	cJSON *rule = cJSON_AddObjectToObject(o, "rule");
	cJSON *doc = r->doc ? cJSON_Parse(r->doc) : NULL;
	export_add_str(rule, "id", cJSON_GetStringValue(signal_value_at(doc, "kibana.alert.rule.uuid")));
	cJSON_Delete(doc);
	cJSON_AddStringToObject(rule, "name", r->rule_name);
	cJSON_AddStringToObject(o, "owner", "securitySolution");
	return o;
}

static cJSON *record_json(const struct case_record *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "uuid", r->uuid);
	cJSON *rule = cJSON_AddObjectToObject(o, "rule");
	cJSON_AddStringToObject(rule, "rule_id", r->rule_id);
	cJSON_AddStringToObject(rule, "name", r->rule_name);
	cJSON_AddNumberToObject(rule, "version", (double)r->rule_version);
	export_add_str(rule, "casebook_notes", r->rule_notes);
	cJSON *status = cJSON_AddObjectToObject(o, "status");
	cJSON_AddStringToObject(status, "workflow_status", r->status);
	export_add_str(status, "reason", r->closed_reason);
	export_add_str(status, "comment", r->comment);
	cJSON_AddItemToObject(o, "checklist", items_json(r, "check"));
	cJSON_AddItemToObject(o, "response", items_json(r, "response"));
	cJSON *notes = cJSON_AddArrayToObject(o, "notes");
	for (size_t i = 0; i < r->nnotes; i++) {
		cJSON *n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "text", r->notes[i].text);
		cJSON_AddStringToObject(n, "by", r->notes[i].by);
		export_add_time(n, "at", r->notes[i].at_us);
		cJSON_AddItemToArray(notes, n);
	}
	cJSON *history = cJSON_AddArrayToObject(o, "status_history");
	cJSON *audit = cJSON_AddArrayToObject(o, "audit");
	for (size_t i = 0; i < r->naudit; i++) {
		const struct case_audit *a = &r->audit[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "id", (double)a->id);
		export_add_time(e, "at", a->at_us);
		cJSON_AddStringToObject(e, "analyst", a->analyst);
		cJSON_AddStringToObject(e, "action", a->action);
		export_add_str(e, "target", a->target);
		export_add_str(e, "before", a->before);
		export_add_str(e, "after", a->after);
		cJSON_AddStringToObject(e, "hash", a->hash);
		if (!strcmp(a->action, "status"))
			cJSON_AddItemToArray(history, cJSON_Duplicate(e, 1));
		cJSON_AddItemToArray(audit, e);
	}
	cJSON_AddItemToObject(o, "building_blocks", blocks_json(r));
	cJSON_AddItemToObject(o, "case_attachment", attachment_json(r));
	cJSON_AddItemToObject(o, "alert", export_parse_or_string(r->doc));
	cJSON *tl = cJSON_AddArrayToObject(o, "timeline");
	for (size_t i = 0; i < r->ntimeline; i++)
		cJSON_AddItemToArray(tl, export_parse_or_string(r->timeline[i].doc));
	return o;
}

/* The JSON export's envelope with an empty "records" array, its last member, left open so
 * that records are appended one by one: {"casebook_export_version":1,…,"records":[ */
static void json_envelope_open(const struct export_options *o, struct strbuf *out)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "casebook_export_version", EXPORT_VERSION);
	export_add_time(root, "exported_at", o->now_us);
	char window[64];
	snprintf(window, sizeof(window), "-%llds +%llds", (long long)(o->before_us / TIME_US_PER_SEC),
	         (long long)(o->after_us / TIME_US_PER_SEC));
	cJSON_AddStringToObject(root, "timeline_window", window);
	cJSON_AddStringToObject(root, "audit_anchor", o->audit_anchor);
	cJSON_AddArrayToObject(root, "records");
	export_append_json(out, root);
	cJSON_Delete(root);
	out->len -= strlen("]}"); /* reopen the array */
	out->buf[out->len] = '\0';
}

/* JSON is one object with a records array. */
static void json_begin(const struct export_options *o, size_t n, struct strbuf *out)
{
	(void)n;
	json_envelope_open(o, out);
}

static void json_one(const struct case_record *r, size_t i, const struct export_options *o, struct strbuf *out)
{
	(void)o;
	export_append_json_item(record_json(r), i, out);
}

static void json_end(const struct export_options *o, size_t n, struct strbuf *out)
{
	(void)o, (void)n;
	strbuf_addstr(out, "]}\n");
}

const struct export_format_ops json_format = {
    .info = {"json", "json", ""},
    .begin = json_begin,
    .one = json_one,
    .end = json_end,
};
