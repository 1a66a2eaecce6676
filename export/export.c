/* export: the table of formats (formats[], one row each: name, file ending, writers) and what
 * runs it (export_alerts), with the single-alert writers of the formats that have no file of
 * their own: Markdown, JSON, TheHive, Timesketch. A format that makes several alerts one case
 * adds its case writers in a file of its own (export/format.h). */
#include "export/export.h"
#include "export/format.h"

#include <cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/jsonexact.h"
#include "common/sanitize.h"
#include "common/strpool.h"
#include "common/timeutil.h"
#include "common/vocab.h"
#include "detect/field.h"
#include "store/alerts.h"
#include "store/rules.h"
#include "store/triage.h"
#include "triage/case.h"
#include "triage/entities.h"
#include "triage/record.h"
#include "triage/signal.h"

#define EXPORT_VERSION 1

/* ---- gathering one alert's record ---- */

/* ---- helpers ---- */

static void iso(int64_t us, char out[TIME_ISO_LEN])
{
	time_format_iso8601(us, out);
}

static const cJSON *get_path(const cJSON *obj, const char *path)
{
	/* a dotted name, through nested objects (the alert's source fields are nested) */
	char key[128];
	const cJSON *cur = obj;
	while (cur && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		cur = cJSON_GetObjectItemCaseSensitive(cur, key);
		path += n + (dot ? 1 : 0);
	}
	return cur;
}

static const char *get_str(const cJSON *obj, const char *path)
{
	const cJSON *v = get_path(obj, path);
	if (cJSON_IsArray(v))
		v = cJSON_GetArrayItem(v, 0);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Appends cJSON's output made terminal-safe (C1, bidi, invalid UTF-8 escaped). */
static void append_json(struct strbuf *out, const cJSON *j)
{
	char *text = cJSON_PrintUnformatted(j);
	sanitize_json_append(out, text, strlen(text));
	cJSON_free(text);
}

/* A stored document as JSON to embed in an export, its numbers as written. */
static cJSON *parse_or_string(const char *doc)
{
	cJSON *j = doc ? json_parse_exact(doc, strlen(doc)) : NULL;
	return j ? j : cJSON_CreateNull();
}

static void add_str(cJSON *obj, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(obj, key, v);
	else
		cJSON_AddNullToObject(obj, key);
}

static void add_time(cJSON *obj, const char *key, int64_t us)
{
	if (!us) {
		cJSON_AddNullToObject(obj, key);
		return;
	}
	char t[TIME_ISO_LEN];
	iso(us, t);
	cJSON_AddStringToObject(obj, key, t);
}

/* ---- json ---- */

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
		add_str(o, "note", it->note);
		add_str(o, "by", it->by);
		add_time(o, "at", it->at_us);
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
		add_time(o, "time", b->ts);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* Kibana's id of an alert: an imported alert's kibana.alert.uuid (the document's _id), else
 * casebook's own uuid. */
const char *kibana_id(const char *uuid)
{
	size_t n = strlen(ALERT_IMPORTED_PREFIX);
	return strncmp(uuid, ALERT_IMPORTED_PREFIX, n) ? uuid : uuid + n;
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
	add_str(rule, "id", cJSON_GetStringValue(signal_value_at(doc, "kibana.alert.rule.uuid")));
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
	add_str(rule, "casebook_notes", r->rule_notes);
	cJSON *status = cJSON_AddObjectToObject(o, "status");
	cJSON_AddStringToObject(status, "workflow_status", r->status);
	add_str(status, "reason", r->closed_reason);
	add_str(status, "comment", r->comment);
	cJSON_AddItemToObject(o, "checklist", items_json(r, "check"));
	cJSON_AddItemToObject(o, "response", items_json(r, "response"));
	cJSON *notes = cJSON_AddArrayToObject(o, "notes");
	for (size_t i = 0; i < r->nnotes; i++) {
		cJSON *n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "text", r->notes[i].text);
		cJSON_AddStringToObject(n, "by", r->notes[i].by);
		add_time(n, "at", r->notes[i].at_us);
		cJSON_AddItemToArray(notes, n);
	}
	cJSON *history = cJSON_AddArrayToObject(o, "status_history");
	cJSON *audit = cJSON_AddArrayToObject(o, "audit");
	for (size_t i = 0; i < r->naudit; i++) {
		const struct case_audit *a = &r->audit[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "id", (double)a->id);
		add_time(e, "at", a->at_us);
		cJSON_AddStringToObject(e, "analyst", a->analyst);
		cJSON_AddStringToObject(e, "action", a->action);
		add_str(e, "target", a->target);
		add_str(e, "before", a->before);
		add_str(e, "after", a->after);
		cJSON_AddStringToObject(e, "hash", a->hash);
		if (!strcmp(a->action, "status"))
			cJSON_AddItemToArray(history, cJSON_Duplicate(e, 1));
		cJSON_AddItemToArray(audit, e);
	}
	cJSON_AddItemToObject(o, "building_blocks", blocks_json(r));
	cJSON_AddItemToObject(o, "case_attachment", attachment_json(r));
	cJSON_AddItemToObject(o, "alert", parse_or_string(r->doc));
	cJSON *tl = cJSON_AddArrayToObject(o, "timeline");
	for (size_t i = 0; i < r->ntimeline; i++)
		cJSON_AddItemToArray(tl, parse_or_string(r->timeline[i].doc));
	return o;
}

/* The JSON export's envelope with an empty "records" array, its last member, left open so
 * that records are appended one by one: {"casebook_export_version":1,…,"records":[ */
static void json_envelope_open(const struct export_options *o, struct strbuf *out)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "casebook_export_version", EXPORT_VERSION);
	add_time(root, "exported_at", o->now_us);
	char window[64];
	snprintf(window, sizeof(window), "-%llds +%llds", (long long)(o->before_us / TIME_US_PER_SEC),
	         (long long)(o->after_us / TIME_US_PER_SEC));
	cJSON_AddStringToObject(root, "timeline_window", window);
	cJSON_AddStringToObject(root, "audit_anchor", o->audit_anchor);
	cJSON_AddArrayToObject(root, "records");
	append_json(out, root);
	cJSON_Delete(root);
	out->len -= strlen("]}"); /* reopen the array */
	out->buf[out->len] = '\0';
}

/* ---- markdown ---- */

void markdown_escape_append(struct strbuf *out, const char *s)
{
	struct strbuf safe;
	strbuf_init(&safe, 64);
	sanitize_append(&safe, s ? s : "", strlen(s ? s : ""), 0);
	for (size_t i = 0; i < safe.len; i++) {
		char c = safe.buf[i];
		/* inline markup anywhere; block markup where a line could start */
		if (strchr("\\`*_[]<>|~&", c) || (i == 0 && strchr("#+-=!", c)))
			strbuf_addch(out, '\\');
		strbuf_addch(out, c);
	}
	strbuf_release(&safe);
}

static void md(struct strbuf *out, const char *s)
{
	markdown_escape_append(out, s ? s : "—");
}

/* A fenced code block whose fence is longer than any run of backticks in the text. */
static void md_code_block(struct strbuf *out, const char *lang, const char *text)
{
	size_t run = 0, longest = 0;
	for (const char *p = text; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	size_t fence = longest < 3 ? 3 : longest + 1;
	for (size_t i = 0; i < fence; i++)
		strbuf_addch(out, '`');
	strbuf_addf(out, "%s\n%s\n", lang, text);
	for (size_t i = 0; i < fence; i++)
		strbuf_addch(out, '`');
	strbuf_addch(out, '\n');
}

static void md_threat(struct strbuf *out, const cJSON *alert)
{
	const cJSON *threat = cJSON_GetObjectItemCaseSensitive(alert, "kibana.alert.rule.threat"), *t;
	int any = 0;
	cJSON_ArrayForEach(t, threat)
	{
		const cJSON *tactic = cJSON_GetObjectItemCaseSensitive(t, "tactic"), *tech;
		strbuf_addstr(out, any++ ? "; " : "");
		md(out, get_str(tactic, "id"));
		strbuf_addch(out, ' ');
		md(out, get_str(tactic, "name"));
		cJSON_ArrayForEach(tech, cJSON_GetObjectItemCaseSensitive(t, "technique"))
		{
			strbuf_addstr(out, " / ");
			md(out, get_str(tech, "id"));
			strbuf_addch(out, ' ');
			md(out, get_str(tech, "name"));
		}
	}
	if (!any)
		strbuf_addstr(out, "—");
}

static void md_row(struct strbuf *out, const char *label, const char *value)
{
	strbuf_addf(out, "| %s | ", label);
	md(out, value);
	strbuf_addstr(out, " |\n");
}

/* Who, what and where: the one entity list (triage/entities.h), in the console's words. */
static void md_entities(struct strbuf *out, const struct case_record *r)
{
	struct entity_list l;
	entities_read(r->event_doc, r->doc, &l);
	strbuf_addstr(out, "## Entities\n\n");
	for (size_t i = 0; i < l.n; i++) {
		strbuf_addf(out, "- **%s:** ", entity_label(l.v[i].kind));
		md(out, l.v[i].text);
		strbuf_addch(out, '\n');
	}
	if (!l.n)
		strbuf_addstr(out, "None recorded.\n");
	strbuf_addch(out, '\n');
	entities_release(&l);
}

/* A sequence alert's building blocks, each by its uuid, rule and time. */
static void md_blocks(struct strbuf *out, const struct case_record *r)
{
	if (!r->nblocks)
		return;
	strbuf_addstr(out, "## Building blocks\n\n");
	for (size_t i = 0; i < r->nblocks; i++) {
		const struct case_related *b = &r->blocks[i];
		char t[TIME_ISO_LEN];
		iso(b->ts, t);
		strbuf_addf(out, "%zu. `", i + 1);
		md(out, b->uuid);
		strbuf_addstr(out, "` ");
		md(out, b->rule);
		strbuf_addstr(out, ", ");
		md(out, b->severity);
		strbuf_addf(out, ", %s, ", t);
		md(out, b->status);
		strbuf_addch(out, '\n');
	}
	strbuf_addch(out, '\n');
}

static void md_items(struct strbuf *out, const struct case_record *r, const char *kind)
{
	int any = 0;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct case_item *it = &r->items[i];
		if (strcmp(it->kind, kind))
			continue;
		if (!any++ && it->from_default)
			strbuf_addstr(out,
			              "*The rule has no guide section for this; these are casebook's defaults.*\n\n");
		if (item_kind_from(kind) == ITEM_CHECK)
			strbuf_addf(out, "- [%c] %d. ", item_state_from(it->state) == STATE_CHECKED ? 'x' : ' ',
			            it->position);
		else
			strbuf_addf(out, "- **%s** %d. ", it->state, it->position);
		md(out, it->text);
		if (it->by) {
			char t[TIME_ISO_LEN];
			iso(it->at_us, t);
			strbuf_addstr(out, " — ");
			md(out, it->by);
			strbuf_addf(out, ", %s", t);
		}
		if (it->note) {
			strbuf_addstr(out, "; note: ");
			md(out, it->note);
		}
		strbuf_addch(out, '\n');
	}
	strbuf_addch(out, '\n');
}

static void md_notes(struct strbuf *out, const struct case_record *r)
{
	strbuf_addstr(out, "## Notes\n\n");
	if (!r->nnotes)
		strbuf_addstr(out, "None.\n\n");
	for (size_t i = 0; i < r->nnotes; i++) {
		char t[TIME_ISO_LEN];
		iso(r->notes[i].at_us, t);
		strbuf_addstr(out, "**");
		md(out, r->notes[i].by);
		strbuf_addf(out, "**, %s:\n\n", t);
		/* each line of the note as a quoted line, escaped */
		struct strbuf safe;
		strbuf_init(&safe, 128);
		sanitize_append(&safe, r->notes[i].text, strlen(r->notes[i].text), SAN_MULTILINE);
		char *line = safe.buf;
		while (line) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			strbuf_addstr(out, "> ");
			markdown_escape_append(out, line);
			strbuf_addstr(out, "\n");
			line = nl ? nl + 1 : NULL;
		}
		strbuf_addch(out, '\n');
		strbuf_release(&safe);
	}
}

/* casebook's notes on the rule, quoted so that they stand apart from the rule author's text. */
static void md_rule_notes(struct strbuf *out, const struct case_record *r)
{
	if (!r->rule_notes)
		return;
	strbuf_addstr(out,
	              "## casebook's notes on this rule\n\n> *Written by casebook, not by the rule's author.*\n>\n");
	struct strbuf safe;
	strbuf_init(&safe, strlen(r->rule_notes) + 64);
	sanitize_append(&safe, r->rule_notes, strlen(r->rule_notes), SAN_MULTILINE);
	for (const char *p = safe.buf; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		strbuf_addstr(out, len ? "> " : ">");
		strbuf_add(out, p, len);
		strbuf_addch(out, '\n');
		p += len + (nl ? 1 : 0);
	}
	strbuf_addch(out, '\n');
	strbuf_release(&safe);
}

/* Rows of the Markdown timeline on each side of the alert's events: a ticket holds a report,
 * not the whole window (a 300-row timeline passed Jira's 32,767-character comment limit). */
#define MD_TIMELINE_AROUND 12

/* Whether timeline row i is within MD_TIMELINE_AROUND rows of one of the alert's events. */
static int md_row_shown(const struct case_record *r, size_t i)
{
	size_t lo = i > MD_TIMELINE_AROUND ? i - MD_TIMELINE_AROUND : 0;
	size_t hi = i + MD_TIMELINE_AROUND < r->ntimeline ? i + MD_TIMELINE_AROUND : r->ntimeline - 1;
	for (size_t k = lo; k <= hi; k++)
		if (case_is_member(r, r->timeline[k].id))
			return 1;
	return 0;
}

static void md_timeline(struct strbuf *out, const struct case_record *r, const struct export_options *o)
{
	strbuf_addf(out, "## Timeline\n\nEvents on host ");
	md(out, r->host);
	strbuf_addf(out, ", %lld s before to %lld s after the alert's event (marked ▶%s).\n\n",
	            (long long)(o->before_us / TIME_US_PER_SEC), (long long)(o->after_us / TIME_US_PER_SEC),
	            r->nmembers > 1 ? "; a sequence: each of its events" : "");
	strbuf_addstr(out, "| | Time (UTC) | Event | Process | Target |\n| --- | --- | --- | --- | --- |\n");
	size_t left_out = 0;
	for (size_t i = 0; i < r->ntimeline; i++) {
		const struct case_event *e = &r->timeline[i];
		if (!md_row_shown(r, i)) {
			left_out++;
			continue;
		}
		char t[TIME_ISO_LEN];
		iso(e->ts, t);
		strbuf_addf(out, "| %s | %s | ", case_is_member(r, e->id) ? "▶" : "", t);
		md(out, e->category);
		strbuf_addstr(out, "/");
		md(out, e->action);
		strbuf_addstr(out, " | ");
		md(out, e->process);
		strbuf_addstr(out, " | ");
		md(out, e->evidence ? e->evidence : e->target);
		strbuf_addstr(out, " |\n");
	}
	if (left_out)
		strbuf_addf(out,
		            "\n%zu more event%s in the window, further from the alert's, are not shown: "
		            "`casebook timeline %.12s` lists them all.\n",
		            left_out, left_out == 1 ? "" : "s", r->uuid);
	strbuf_addch(out, '\n');
}

static void md_audit(struct strbuf *out, const struct case_record *r, const struct export_options *o)
{
	strbuf_addstr(
	    out, "## Audit trail\n\n| # | Time (UTC) | Analyst | Action | Change |\n| --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < r->naudit; i++) {
		const struct case_audit *a = &r->audit[i];
		char t[TIME_ISO_LEN];
		iso(a->at_us, t);
		strbuf_addf(out, "| %lld | %s | ", (long long)a->id, t);
		md(out, a->analyst);
		strbuf_addstr(out, " | ");
		md(out, a->action);
		if (a->target) {
			strbuf_addch(out, ' ');
			md(out, a->target);
		}
		strbuf_addstr(out, " | ");
		if (a->before) {
			md(out, a->before);
			strbuf_addstr(out, " → ");
		}
		md(out, a->after);
		strbuf_addstr(out, " |\n");
	}
	if (!r->naudit)
		strbuf_addstr(out, "| | | | no changes yet | |\n");
	strbuf_addf(out, "\nAudit anchor of the case (`casebook audit --verify --expect`): `%s`\n\n", o->audit_anchor);
}

void write_markdown_one(const struct case_record *r, const struct export_options *o, struct strbuf *out)
{
	cJSON *alert = cJSON_Parse(r->doc);
	char t[TIME_ISO_LEN];
	strbuf_addstr(out, "# ");
	md(out, r->rule_name);
	strbuf_addf(out, "\n\n| | |\n| --- | --- |\n");
	md_row(out, "Alert", r->uuid);
	strbuf_addf(out, "| Severity | %s, risk score %lld |\n", r->severity, (long long)r->risk);
	strbuf_addstr(out, "| Status | ");
	md(out, r->status);
	if (r->closed_reason) {
		strbuf_addstr(out, " (");
		md(out, r->closed_reason);
		strbuf_addstr(out, ")");
	}
	if (r->comment) {
		strbuf_addstr(out, ": ");
		md(out, r->comment);
	}
	strbuf_addstr(out, " |\n| ATT&CK | ");
	md_threat(out, alert);
	strbuf_addstr(out, " |\n");
	iso(r->original_time, t);
	md_row(out, "Event time (UTC)", t);
	md_row(out, "Host", r->host);
	char ver[32];
	snprintf(ver, sizeof(ver), "%lld", (long long)r->rule_version);
	strbuf_addstr(out, "| Rule | ");
	md(out, r->rule_id);
	strbuf_addf(out, ", version %s |\n\n", ver);
	strbuf_addstr(out, "> ");
	md(out, r->reason);
	strbuf_addstr(out, "\n\n");
	md_entities(out, r);
	md_blocks(out, r);
	strbuf_addstr(out, "## Checklist\n\n");
	md_items(out, r, "check");
	strbuf_addstr(out, "## Response\n\n");
	md_items(out, r, "response");
	md_rule_notes(out, r);
	md_notes(out, r);
	md_timeline(out, r, o);
	if (o->source_json) {
		strbuf_addstr(out, "## Source event\n\n");
		struct strbuf js;
		strbuf_init(&js, 1024);
		cJSON *exact = r->event_doc ? json_parse_exact(r->event_doc, strlen(r->event_doc)) : NULL;
		if (exact) {
			char *pretty = cJSON_Print(exact);
			sanitize_json_append(&js, pretty, strlen(pretty));
			cJSON_free(pretty);
			cJSON_Delete(exact);
		}
		md_code_block(out, "json", js.buf);
		strbuf_release(&js);
		strbuf_addch(out, '\n');
	}
	md_audit(out, r, o);
	cJSON_Delete(alert);
}

/* ---- TheHive ---- */

/* TheHive 4 refuses a whole alert when one observable's value is longer than 512 characters
 * (its index keeps a value as one term); the corpus holds 577-character command lines. Such a
 * value is cut, at a character, to fit with OBSERVABLE_CUT_MARK, its message saying how long
 * the whole was and the whole's SHA-256. Bytes are counted: never more characters than bytes. */
#define OBSERVABLE_MAX_BYTES 512
#define OBSERVABLE_CUT_MARK  "…[cut]"

size_t observable_cut_at(const char *data)
{
	size_t n = strlen(data);
	if (n <= OBSERVABLE_MAX_BYTES)
		return n;
	size_t cut = OBSERVABLE_MAX_BYTES - strlen(OBSERVABLE_CUT_MARK);
	while (cut > 0 && ((unsigned char)data[cut] & 0xC0) == 0x80) /* not inside a UTF-8 sequence */
		cut--;
	return cut;
}

static void observable_add(struct observables *obs, const char *type, const char *data, const char *tag,
                           const char *message)
{
	size_t n = strlen(data), cut = observable_cut_at(data);
	struct strbuf value, msg;
	strbuf_init(&value, cut + 16);
	strbuf_init(&msg, 128);
	strbuf_add(&value, data, cut);
	strbuf_addstr(&msg, message);
	if (cut < n) {
		char hex[SHA256_HEX_LEN + 1];
		sha256_hex(data, n, hex);
		strbuf_addstr(&value, OBSERVABLE_CUT_MARK);
		strbuf_addf(&msg, " (cut from %zu bytes to fit TheHive's 512; SHA-256 of the whole: %s)", n, hex);
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "dataType", type);
	cJSON_AddStringToObject(o, "data", value.buf);
	cJSON_AddStringToObject(o, "message", msg.buf);
	cJSON *tags = cJSON_AddArrayToObject(o, "tags");
	cJSON_AddItemToArray(tags, cJSON_CreateString(tag));
	if (cut < n)
		cJSON_AddItemToArray(tags, cJSON_CreateString("casebook:cut"));
	cJSON_AddBoolToObject(o, "ioc", 0);
	cJSON_AddBoolToObject(o, "sighted", 1);
	cJSON_AddItemToArray(obs->arr, o);
	strbuf_release(&value);
	strbuf_release(&msg);
}

void observable(struct observables *obs, const char *type, const char *data, const char *tag, const char *message)
{
	if (!data || !*data)
		return;
	struct strbuf key;
	strbuf_init(&key, 64);
	strbuf_addf(&key, "%s\x1f%s", type, data);
	int seen = strpool_find(&obs->seen, key.buf) != NULL;
	strpool_intern(&obs->seen, key.buf, NULL);
	strbuf_release(&key);
	if (!seen)
		observable_add(obs, type, data, tag, message);
}

/* The URLs in a command line (http, https, ftp), each with its host as a domain or address. */
static void url_observables(struct observables *obs, const char *text)
{
	static const char *const schemes[] = {"http://", "https://", "ftp://"};
	for (const char *p = text; p && *p; p++) {
		size_t k;
		for (k = 0; k < 3 && strncmp(p, schemes[k], strlen(schemes[k])); k++)
			;
		if (k == 3)
			continue;
		size_t n = strcspn(p, " \t\"'<>|;`");
		char *url = xstrndup(p, n);
		observable(obs, "url", url, "process.command_line", "a URL in the command line");
		const char *host = url + strlen(schemes[k]);
		size_t hn = strcspn(host, "/:?#@");
		char *h = xstrndup(host, hn);
		unsigned char ip[16];
		if (*h)
			observable(obs, field_ip_parse(h, hn, ip) ? "domain" : "ip", h, "process.command_line",
			           "the host of a URL in the command line");
		free(h);
		free(url);
		p += n ? n - 1 : 0;
	}
}

/* What one event holds that a case system can pivot on: TheHive's data type, the field, and
 * what the observable is. */
static const struct {
	const char *type, *field, *message;
} observed[] = {
    {"hostname", "host.name", "the alert's host"},
    {"other", "file.path", "the file the rule matched"},
    {"filename", "file.name", "the file's name"},
    {"hash", "file.hash.sha256", "the file's SHA-256"},
    {"other", "user.name", "the user"},
    {"other", "process.executable", "the writing process"},
    {"other", "process.command_line", "its command line"},
    {"hash", "process.hash.sha256", "the process's SHA-256"},
    {"ip", "destination.ip", "the address it connected to"},
    {"ip", "source.ip", "the source address"},
    {"domain", "destination.domain", "the domain it reached"},
    {"domain", "dns.question.name", "the name it looked up"},
    {"url", "url.full", "the URL"},
};

void event_observables(struct observables *obs, const cJSON *ev)
{
	for (size_t i = 0; i < sizeof(observed) / sizeof(observed[0]); i++)
		observable(obs, observed[i].type, get_str(ev, observed[i].field), observed[i].field,
		           observed[i].message);
	const char *cmd = get_str(ev, "process.command_line");
	if (cmd)
		url_observables(obs, cmd);
}

/* ATT&CK's tactic as TheHive's procedures name it: the kill chain phase ("Defense Evasion" is
 * "defense-evasion", "Command and Control" "command-and-control"), which MITRE's STIX data
 * spells from the name so. */
static void tactic_phase(const char *name, struct strbuf *out)
{
	for (const char *p = name; *p; p++)
		strbuf_addch(out, *p == ' ' ? '-' : (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p);
}

static void procedure_add(cJSON *arr, const char *pattern, const char *tactic, int64_t occur_ms)
{
	if (!pattern || !*pattern)
		return; /* TheHive needs the pattern's id */
	const cJSON *p;
	cJSON_ArrayForEach(p, arr) /* each (pattern, tactic) once */
	{
		if (!strcmp(get_str(p, "patternId"), pattern) && !strcmp(get_str(p, "tactic"), tactic))
			return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "patternId", pattern);
	cJSON_AddNumberToObject(o, "occurDate", (double)occur_ms);
	cJSON_AddStringToObject(o, "tactic", tactic);
	cJSON_AddItemToArray(arr, o);
}

/* The rule's threat as TheHive procedures: a technique's sub-techniques when it names some (the
 * more exact pattern), else the technique, with the tactic's phase name. */
void procedures_add(cJSON *arr, const cJSON *threat, int64_t occur_ms)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, threat)
	{
		struct strbuf tactic;
		strbuf_init(&tactic, 32);
		const char *name = get_str(get_path(t, "tactic"), "name");
		tactic_phase(name ? name : "", &tactic);
		const cJSON *tech, *sub;
		cJSON_ArrayForEach(tech, cJSON_GetObjectItemCaseSensitive(t, "technique"))
		{
			const cJSON *subs = cJSON_GetObjectItemCaseSensitive(tech, "subtechnique");
			cJSON_ArrayForEach(sub, subs) procedure_add(arr, get_str(sub, "id"), tactic.buf, occur_ms);
			if (!cJSON_GetArraySize(subs))
				procedure_add(arr, get_str(tech, "id"), tactic.buf, occur_ms);
		}
		strbuf_release(&tactic);
	}
}

int thehive_severity(const char *s)
{
	enum severity v = severity_from(s); /* TheHive's 1 (low) to 4 (critical) */
	return v == SEVERITY_UNKNOWN ? SEVERITY_LOW : (int)v;
}

cJSON *thehive_one(const struct case_record *r, const struct export_options *o)
{
	cJSON *alert = cJSON_Parse(r->doc);
	cJSON *ev = r->event_doc ? cJSON_Parse(r->event_doc) : cJSON_CreateObject();
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "type", "casebook");
	cJSON_AddStringToObject(body, "source", "casebook");
	cJSON_AddStringToObject(body, "sourceRef", r->uuid);
	cJSON_AddStringToObject(body, "title", r->rule_name);
	struct strbuf desc;
	strbuf_init(&desc, 2048);
	write_markdown_one(r, o, &desc);
	cJSON_AddStringToObject(body, "description", desc.buf);
	strbuf_release(&desc);
	cJSON_AddNumberToObject(body, "date", (double)(r->original_time / 1000));
	cJSON_AddNumberToObject(body, "severity", thehive_severity(r->severity));
	cJSON_AddNumberToObject(body, "tlp", 2);
	cJSON_AddNumberToObject(body, "pap", 2);
	cJSON *tags = cJSON_AddArrayToObject(body, "tags");
	cJSON_AddItemToArray(tags, cJSON_CreateString("casebook"));
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(alert, "kibana.alert.rule.tags")) if (cJSON_IsString(t))
	    cJSON_AddItemToArray(tags, cJSON_CreateString(t->valuestring));
	struct observables obs = {.arr = cJSON_AddArrayToObject(body, "observables")};
	strpool_init(&obs.seen);
	event_observables(&obs, ev);
	/* a sequence's other events: what they touched is evidence too */
	for (size_t i = 0; i < r->ntimeline; i++) {
		const struct case_event *e = &r->timeline[i];
		if (e->id == r->event_id || !e->doc || !case_is_member(r, e->id))
			continue;
		cJSON *member = cJSON_Parse(e->doc);
		event_observables(&obs, member);
		cJSON_Delete(member);
	}
	strpool_release(&obs.seen);
	procedures_add(cJSON_AddArrayToObject(body, "procedures"),
	               cJSON_GetObjectItemCaseSensitive(alert, "kibana.alert.rule.threat"), r->original_time / 1000);
	cJSON_Delete(alert);
	cJSON_Delete(ev);
	return body;
}

/* A task's title: the item's text, cut at a word to fit TheHive's list (the whole text is the
 * description). */
static void task_title(const char *text, struct strbuf *title)
{
	size_t n = strlen(text), max = 120;
	if (n <= max) {
		strbuf_addstr(title, text);
		return;
	}
	size_t cut = max;
	while (cut > 60 && text[cut] != ' ')
		cut--;
	while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80) /* not inside a UTF-8 sequence */
		cut--;
	strbuf_add(title, text, cut);
	strbuf_addstr(title, "…");
}

cJSON *thehive_task(const struct case_item *it, size_t order)
{
	int check = item_kind_from(it->kind) == ITEM_CHECK;
	cJSON *task = cJSON_CreateObject();
	struct strbuf title;
	strbuf_init(&title, 128);
	task_title(it->text, &title);
	cJSON_AddStringToObject(task, "title", title.buf);
	strbuf_release(&title);
	cJSON_AddStringToObject(task, "group", check ? "investigation" : "response");
	cJSON_AddBoolToObject(task, "mandatory", check);
	cJSON_AddNumberToObject(task, "order", (double)order);
	return task;
}

/* TheHive 5 case (POST /api/v1/case): the alert's title, description, severity, TLP, PAP and
 * tags, with the checklist and response steps as its tasks, titled from their text. */
static cJSON *thehive_case_one(const struct case_record *r, const struct export_options *o)
{
	cJSON *alert_body = thehive_one(r, o);
	cJSON *c = cJSON_CreateObject();
	static const char *const copied[] = {"title", "description", "severity", "tlp", "pap", "tags"};
	for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++)
		cJSON_AddItemToObject(c, copied[i],
		                      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(alert_body, copied[i]), 1));
	cJSON_AddNumberToObject(c, "startDate", (double)(r->original_time / 1000));
	cJSON_Delete(alert_body);
	cJSON *tasks = cJSON_AddArrayToObject(c, "tasks");
	for (size_t i = 0; i < r->nitems; i++) {
		const struct case_item *it = &r->items[i];
		cJSON *task = thehive_task(it, i);
		enum item_state state = item_state_from(it->state);
		int done = state == STATE_CHECKED || state == STATE_DONE;
		int cancelled = item_state_settled(state) && !done; /* skipped, not applicable */
		cJSON_AddStringToObject(task, "status", done ? "Completed" : cancelled ? "Cancel" : "Waiting");
		struct strbuf desc;
		strbuf_init(&desc, 256);
		strbuf_addstr(&desc, it->text);
		if (it->by) {
			char at[TIME_ISO_LEN];
			iso(it->at_us, at);
			strbuf_addf(&desc, "\n\n%s by %s at %s%s%s", it->state, it->by, at, it->note ? ": " : "",
			            it->note ? it->note : "");
		}
		cJSON_AddStringToObject(task, "description", desc.buf);
		strbuf_release(&desc);
		cJSON_AddItemToArray(tasks, task);
	}
	return c;
}

/* ---- Timesketch ---- */

static void event_message(const struct case_event *e, struct strbuf *m)
{
	strbuf_addf(m, "%s %s", e->category ? e->category : "event", e->action ? e->action : "");
	if (e->process)
		strbuf_addf(m, " by %s", e->process);
	if (e->has_pid)
		strbuf_addf(m, " (pid %lld)", (long long)e->pid);
	if (e->evidence || e->target)
		strbuf_addf(m, ": %s", e->evidence ? e->evidence : e->target);
}

static void csv_field(struct strbuf *out, const char *v)
{
	struct strbuf safe;
	strbuf_init(&safe, 64);
	sanitize_append(&safe, v ? v : "", strlen(v ? v : ""), 0);
	int quote = strpbrk(safe.buf, ",\"\n\r") != NULL || (safe.len && strchr("=+-@", safe.buf[0]));
	if (safe.len && strchr("=+-@", safe.buf[0]))
		strbuf_addch(out, '"'), strbuf_addch(out, '\''); /* keep spreadsheets from running formulas */
	else if (quote)
		strbuf_addch(out, '"');
	for (size_t i = 0; i < safe.len; i++) {
		if (safe.buf[i] == '"')
			strbuf_addch(out, '"');
		strbuf_addch(out, safe.buf[i]);
	}
	if (quote)
		strbuf_addch(out, '"');
	strbuf_release(&safe);
}

static const char *const ts_columns[] = {"message",
                                         "datetime",
                                         "timestamp",
                                         "timestamp_desc",
                                         "tag",
                                         "host.name",
                                         "user.name",
                                         "process.name",
                                         "process.pid",
                                         "process.executable",
                                         "file.path",
                                         "event.category",
                                         "event.action",
                                         "event.id",
                                         "casebook.alert",
                                         "casebook.audit_anchor",
                                         "process.command_line",
                                         "process.parent.executable",
                                         "destination",
                                         "sha256"};

/* The CSV has no process.pid column: pandas reads a column of numbers with some cells empty
 * (events without a pid) as floats, and Timesketch would store 66.0. The pid is in the
 * message of both formats, and a number in the JSONL. */
#define TS_PID_COLUMN 8
/* The CSV stops before the evidence columns: pandas reads a column that is empty in every row
 * as floats (NaN), and an alert's window often has no connection or hash at all. Their text is
 * in the message; the JSONL carries them as fields when they have a value. */
#define TS_CSV_COLUMNS 16

static void write_timesketch_header(struct strbuf *out)
{
	const char *sep = "";
	for (size_t c = 0; c < TS_CSV_COLUMNS; c++) {
		if (c == TS_PID_COLUMN)
			continue;
		strbuf_addf(out, "%s%s", sep, ts_columns[c]);
		sep = ",";
	}
	strbuf_addstr(out, "\n");
}

/* One row per exception added to or removed from the alert's rule: they are part of the
 * record, and Timesketch shows them on the timeline at the moment they were made. */
static void write_timesketch_exceptions(const struct case_record *r, int csv, const struct export_options *o,
                                        struct strbuf *out)
{
	for (size_t i = 0; i < r->naudit; i++) {
		const struct case_audit *a = &r->audit[i];
		int added = !strcmp(a->action, AUDIT_EXCEPTION_ADDED);
		if (!added && strcmp(a->action, AUDIT_EXCEPTION_REMOVED))
			continue;
		struct strbuf msg;
		strbuf_init(&msg, 128);
		strbuf_addf(&msg, "%s by %s: %s", a->action, a->analyst,
		            added ? (a->after ? a->after : "") : (a->before ? a->before : ""));
		char t[TIME_ISO_LEN], us[32];
		iso(a->at_us, t);
		snprintf(us, sizeof(us), "%lld", (long long)a->at_us);
		const char *desc = added ? "Exception Added" : "Exception Removed";
		if (csv) {
			const char *values[TS_CSV_COLUMNS] = {msg.buf, t, us, desc, "[\"casebook-exception\"]"};
			values[14] = r->uuid;
			values[15] = o->audit_anchor;
			for (size_t c = 0; c < TS_CSV_COLUMNS; c++) {
				if (c == TS_PID_COLUMN)
					continue;
				if (c)
					strbuf_addch(out, ',');
				csv_field(out, values[c] ? values[c] : "");
			}
			strbuf_addch(out, '\n');
		} else {
			cJSON *row = cJSON_CreateObject();
			char *shown = sanitize_dup(msg.buf, 0);
			cJSON_AddStringToObject(row, "message", shown);
			free(shown);
			cJSON_AddStringToObject(row, "datetime", t);
			cJSON_AddRawToObject(row, "timestamp", us);
			cJSON_AddStringToObject(row, "timestamp_desc", desc);
			cJSON_AddItemToArray(cJSON_AddArrayToObject(row, "tag"),
			                     cJSON_CreateString("casebook-exception"));
			cJSON_AddStringToObject(row, "casebook.alert", r->uuid);
			cJSON_AddStringToObject(row, "casebook.audit_anchor", o->audit_anchor);
			append_json(out, row);
			strbuf_addch(out, '\n');
			cJSON_Delete(row);
		}
		strbuf_release(&msg);
	}
}

/* One row per timeline event of one alert. */
static void write_timesketch(const struct case_record *r, int csv, const struct export_options *o, struct strbuf *out)
{
	for (size_t j = 0; j < r->ntimeline; j++) {
		const struct case_event *e = &r->timeline[j];
		struct strbuf msg;
		strbuf_init(&msg, 128);
		event_message(e, &msg);
		char t[TIME_ISO_LEN], us[32], pid[32] = "";
		iso(e->ts, t);
		snprintf(us, sizeof(us), "%lld", (long long)e->ts);
		if (e->has_pid)
			snprintf(pid, sizeof(pid), "%lld", (long long)e->pid);
		int own = case_is_member(r, e->id);
		/* Timesketch reads a CSV tag cell as a JSON list when it is one ("[...]"), and an
		 * empty cell, which pandas reads as NaN, as the tag "nan": always a list */
		struct strbuf tag;
		strbuf_init(&tag, 64);
		strbuf_addch(&tag, '[');
		if (own) {
			strbuf_addstr(&tag, "\"casebook-alert\",");
			json_quote_append(&tag, r->rule_name, strlen(r->rule_name));
		}
		strbuf_addch(&tag, ']');
		const char *values[] = {
		    msg.buf,        t,           us,      "Event Time",    tag.buf,         e->host,
		    e->user,        e->process,  pid,     e->executable,   e->file_path,    e->category,
		    e->action,      e->identity, r->uuid, o->audit_anchor, e->command_line, e->parent,
		    e->destination, e->sha256};
		if (csv) {
			for (size_t c = 0; c < TS_CSV_COLUMNS; c++) {
				if (c == TS_PID_COLUMN)
					continue;
				if (c)
					strbuf_addch(out, ',');
				csv_field(out, values[c]);
			}
			strbuf_addch(out, '\n');
		} else {
			cJSON *row = cJSON_CreateObject();
			for (size_t c = 0; c < sizeof(values) / sizeof(values[0]); c++) {
				if (c == 2)
					cJSON_AddRawToObject(row, ts_columns[c], us); /* exact, not 1.7e+15 */
				else if (c == 4) {
					cJSON *tags = cJSON_AddArrayToObject(row, "tag");
					if (own) {
						cJSON_AddItemToArray(tags, cJSON_CreateString("casebook-alert"));
						cJSON_AddItemToArray(tags, cJSON_CreateString(r->rule_name));
					}
				} else if (c == TS_PID_COLUMN) {
					if (e->has_pid)
						cJSON_AddNumberToObject(row, ts_columns[c], (double)e->pid);
				} else if (values[c]) {
					/* for display, like the CSV: controls shown as glyphs */
					char *shown = sanitize_dup(values[c], 0);
					cJSON_AddStringToObject(row, ts_columns[c], shown);
					free(shown);
				}
			}
			append_json(out, row);
			strbuf_addch(out, '\n');
			cJSON_Delete(row);
		}
		strbuf_release(&msg);
		strbuf_release(&tag);
	}
	write_timesketch_exceptions(r, csv, o, out);
}

/* ---- the formats, as a table (git's struct archiver): a format is one row ---- */

static void append_json_item(cJSON *j, size_t i, struct strbuf *out)
{
	if (i)
		strbuf_addch(out, ',');
	append_json(out, j);
	cJSON_Delete(j);
}

/* A report fits a ticket's comment: Jira takes 32,767 characters; past MD_MAX_BYTES the
 * report is cut at a line, saying where the whole record is. */
#define MD_MAX_BYTES 32000

static void markdown_one(const struct case_record *r, size_t i, const struct export_options *o, struct strbuf *out)
{
	if (i)
		strbuf_addstr(out, "\n---\n\n");
	struct strbuf one;
	strbuf_init(&one, 8192);
	write_markdown_one(r, o, &one);
	if (one.len > MD_MAX_BYTES) {
		size_t cut = MD_MAX_BYTES - 400;
		while (cut > 0 && one.buf[cut - 1] != '\n')
			cut--;
		one.len = cut;
		one.buf[cut] = '\0';
		strbuf_addf(&one,
		            "\n*The report is cut here to fit a ticket: `casebook export %.12s --format json` has "
		            "the whole record.*\n",
		            r->uuid);
	}
	strbuf_add(out, one.buf, one.len);
	strbuf_release(&one);
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
	append_json_item(record_json(r), i, out);
}

static void json_end(const struct export_options *o, size_t n, struct strbuf *out)
{
	(void)o, (void)n;
	strbuf_addstr(out, "]}\n");
}

/* TheHive: an array, unless there is one alert, which is the object itself, as
 * POST /api/v1/alert takes it. */
static void thehive_begin(const struct export_options *o, size_t n, struct strbuf *out)
{
	(void)o;
	if (n != 1)
		strbuf_addch(out, '[');
}

static void thehive_item(const struct case_record *r, size_t i, const struct export_options *o, struct strbuf *out)
{
	append_json_item(thehive_one(r, o), i, out);
}

static void thehive_end(const struct export_options *o, size_t n, struct strbuf *out)
{
	(void)o;
	strbuf_addstr(out, n != 1 ? "]\n" : "\n");
}

static void thehive_case_item(const struct case_record *r, size_t i, const struct export_options *o, struct strbuf *out)
{
	append_json_item(thehive_case_one(r, o), i, out);
}

static void timesketch_csv_begin(const struct export_options *o, size_t n, struct strbuf *out)
{
	(void)o, (void)n;
	write_timesketch_header(out);
}

static void timesketch_jsonl_one(const struct case_record *r, size_t i, const struct export_options *o,
                                 struct strbuf *out)
{
	(void)i;
	write_timesketch(r, 0, o, out);
}

static void timesketch_csv_one(const struct case_record *r, size_t i, const struct export_options *o,
                               struct strbuf *out)
{
	(void)i;
	write_timesketch(r, 1, o, out);
}

struct export_format_ops {
	struct export_format_info info;
	void (*begin)(const struct export_options *o, size_t n, struct strbuf *out); /* may be NULL */
	void (*one)(const struct case_record *r, size_t i, const struct export_options *o, struct strbuf *out);
	void (*end)(const struct export_options *o, size_t n, struct strbuf *out); /* may be NULL */
	/* From case_from alerts on, they are one case written by these (format.h); NULL: never. */
	const struct export_case_ops *as_case;
	size_t case_from;
};

/* In enum export_format's order. Adding a format: a row here, its enum value, its writers. */
static const struct export_format_ops formats[] = {
    [EXPORT_MARKDOWN] = {{"markdown", "md", ""}, NULL, markdown_one, NULL, &case_markdown_ops, 2},
    [EXPORT_JSON] = {{"json", "json", ""}, json_begin, json_one, json_end},
    [EXPORT_THEHIVE] = {{"thehive", "thehive.json", ""}, thehive_begin, thehive_item, thehive_end},
    [EXPORT_THEHIVE_CASE] = {{"thehive-case", "thehive-case.json", ""},
                             thehive_begin,
                             thehive_case_item,
                             thehive_end,
                             &case_thehive_ops,
                             2},
    [EXPORT_TIMESKETCH_JSONL] = {{"timesketch-jsonl", "jsonl", ".jsonl"}, NULL, timesketch_jsonl_one, NULL},
    [EXPORT_TIMESKETCH_CSV] = {{"timesketch-csv", "csv", ".csv"}, timesketch_csv_begin, timesketch_csv_one, NULL},
    /* one body per status and reason, of the alerts Kibana raised, however many */
    [EXPORT_KIBANA_STATUS] = {{"kibana-status", "kibana-status.json", ""}, NULL, NULL, NULL, &case_kibana_ops, 1},
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

size_t export_format_count(void)
{
	return NFORMATS;
}

const struct export_format_info *export_format_info(enum export_format f)
{
	return (size_t)f < NFORMATS ? &formats[f].info : NULL;
}

int export_format_makes_case(enum export_format f, size_t n)
{
	return (size_t)f < NFORMATS && formats[f].as_case && n > 1 && n >= formats[f].case_from;
}

int export_format_parse(const char *name, enum export_format *f)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (!strcmp(name, formats[i].info.name)) {
			*f = (enum export_format)i;
			return 0;
		}
	return -1;
}

void export_format_names(struct strbuf *out, const char *last_sep)
{
	for (size_t i = 0; i < NFORMATS; i++)
		strbuf_addf(out, "%s%s", i == 0 ? "" : i + 1 == NFORMATS ? last_sep : ", ", formats[i].info.name);
}

static int ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), k = strlen(end);
	return n > k && !strcmp(s + n - k, end) && s[n - k - 1] == '.';
}

int export_format_of_path(const char *path, enum export_format *f)
{
	size_t best = 0;
	for (size_t i = 0; i < NFORMATS; i++) {
		size_t k = strlen(formats[i].info.ext);
		if (k > best && ends_with(path, formats[i].info.ext)) {
			best = k;
			*f = (enum export_format)i;
		}
	}
	return best ? 0 : -1;
}

int export_path_contradicts(enum export_format f, const char *path)
{
	/* the name's last extension against the format's: out.json suits thehive, x.md does not */
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	if (!dot || (slash && slash > dot))
		return 0;
	enum export_format named;
	if (export_format_of_path(path, &named))
		return 0; /* an extension no format claims: the analyst's choice */
	const char *ext = strrchr(formats[f].info.ext, '.');
	ext = ext ? ext + 1 : formats[f].info.ext;
	return strcmp(dot + 1, ext) != 0;
}

int export_path_fits(enum export_format f, const char *path)
{
	const char *suffix = formats[f].info.suffix;
	size_t n = strlen(path), k = strlen(suffix);
	return n >= k && !strcmp(path + n - k, suffix);
}

/* Hands what out holds to the options' flush, if any, and empties it. */
static int flush_out(const struct export_options *o, struct strbuf *out)
{
	if (!o->flush || !out->len)
		return 0;
	int rc = o->flush(o->flush_ctx, out->buf, out->len);
	strbuf_reset(out);
	return rc ? -1 : 0;
}

void export_note(const struct export_options *o, const char *fmt, ...)
{
	if (!o->note || !o->note_len)
		return;
	size_t used = strlen(o->note);
	if (used && used + 2 < o->note_len) {
		snprintf(o->note + used, o->note_len - used, "; ");
		used += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->note + used, o->note_len - used, fmt, ap);
	va_end(ap);
}

/* Several alerts as one case: a survey of every record without its timeline, then, when the
 * format writes a part per alert, each record again with it; one record in memory at a time. */
static int export_case(struct store *s, char *const *uuids, size_t n, const struct export_case_ops *ops,
                       const struct export_options *o, struct strbuf *out)
{
	void *st = ops->open(o, n);
	int rc = 0;
	for (int pass = 0; pass < 2 && !rc; pass++) {
		if (pass == 1) {
			ops->begin(st, out);
			rc = flush_out(o, out);
			if (!ops->one)
				break;
		}
		for (size_t i = 0; i < n && !rc; i++) {
			struct case_record r;
			memset(&r, 0, sizeof(r));
			struct case_options co = {
			    .timeline = pass, .blocks = 1, .before_us = o->before_us, .after_us = o->after_us};
			rc = case_load(s, uuids[i], &co, &r);
			if (!rc && pass == 0)
				ops->survey(st, &r, i);
			else if (!rc)
				ops->one(st, &r, i, out);
			case_release(&r);
			if (!rc)
				rc = flush_out(o, out);
		}
	}
	if (!rc) {
		ops->end(st, out);
		rc = flush_out(o, out);
	}
	ops->close(st);
	return rc ? -1 : 0;
}

/* One alert at a time: gathered, written, released, so that memory holds one alert's record
 * (its timeline documents can be a megabyte) and not all of them. */
int export_alerts(struct store *s, char *const *uuids, size_t n, enum export_format f, const struct export_options *o,
                  struct strbuf *out)
{
	struct export_options opt = *o;
	if (!opt.now_us)
		opt.now_us = time_now_us();
	int64_t entries;
	char head[SHA256_HEX_LEN + 1];
	if (store_audit_head(s, &entries, head))
		return -1;
	snprintf(opt.audit_anchor, sizeof(opt.audit_anchor), "%lld:%s", (long long)entries, head);
	const struct export_format_ops *fmt = &formats[f];
	if (opt.note && opt.note_len)
		opt.note[0] = '\0';
	if (fmt->as_case && n >= fmt->case_from)
		return export_case(s, uuids, n, fmt->as_case, &opt, out);
	if (fmt->begin)
		fmt->begin(&opt, n, out);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		struct case_record r;
		memset(&r, 0, sizeof(r));
		struct case_options co = {
		    .timeline = 1, .blocks = 1, .before_us = opt.before_us, .after_us = opt.after_us};
		rc = case_load(s, uuids[i], &co, &r);
		if (!rc)
			fmt->one(&r, i, &opt, out);
		case_release(&r);
		if (!rc)
			rc = flush_out(&opt, out);
	}
	if (rc)
		return -1;
	if (fmt->end)
		fmt->end(&opt, n, out);
	return flush_out(&opt, out);
}

struct sink {
	struct atomic_file *file; /* NULL: stdout */
	char *err;
	size_t errlen;
};

static int to_sink(void *ctx, const char *data, size_t len)
{
	struct sink *k = ctx;
	if (k->file)
		return atomic_file_write(k->file, data, len, k->err, k->errlen);
	if (fwrite(data, 1, len, stdout) != len) {
		snprintf(k->err, k->errlen, "writing to standard output: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int export_to_file(struct store *s, char *const *uuids, size_t n, enum export_format f, const struct export_options *o,
                   const char *path, int force, char *err, size_t errlen)
{
	struct sink k = {.err = err, .errlen = errlen};
	err[0] = '\0';
	if (path && !(k.file = atomic_file_open(path, force, err, errlen)))
		return -1;
	struct export_options opt = *o;
	opt.flush = to_sink;
	opt.flush_ctx = &k;
	struct strbuf out;
	strbuf_init(&out, 65536);
	int rc = export_alerts(s, uuids, n, f, &opt, &out);
	strbuf_release(&out);
	if (rc && !err[0])
		snprintf(err, errlen, "%s", store_errmsg(s));
	if (rc) {
		atomic_file_abort(k.file);
		return -1;
	}
	return k.file ? atomic_file_commit(k.file, err, errlen) : 0;
}
