/* thehive-case, several alerts: one TheHive case with its alerts, observables and tasks, as one
 * JSON object whose parts are the bodies of TheHive's API (4.1+ and 5, /api/v1):
 *
 *   "case"         POST /api/v1/case: title, description (the case's overview and summary
 *                  table in Markdown), severity (the highest), startDate (the earliest event),
 *                  tags, tlp, pap and tasks — each checklist item or response step once, however
 *                  many of the alerts share it, its status from all of theirs
 *   "alerts"       POST /api/v1/alert, one per alert, as the thehive format writes it (each
 *                  with its report, observables and procedures), to merge into the case with
 *                  POST /api/v1/alert/merge/_bulk {"caseId", "alertIds"}
 *   "observables"  POST /api/v1/case/{caseId}/observable: every alert's, each (type, value) once
 *
 * One record is held at a time: the case is written after a survey of every alert, the alerts
 * as they are read again with their timelines. */
#include <stdlib.h>
#include <string.h>

#include "common/sanitize.h"
#include "common/timeutil.h"
#include "common/vocab.h"
#include "export/format.h"

struct task_tally {
	size_t total, done, cancelled;
	struct strbuf detail; /* a line per alert: its state, who, when, the note */
};

struct hive_case {
	const struct export_options *o;
	size_t n;
	void *overview; /* the Markdown case's state: its overview and summary are the description */
	cJSON *tags;
	struct strpool tag_seen, task_seen; /* tasks by kind and text: their ids index tasks[] */
	struct task_tally *tasks;
	cJSON *task_bodies;
	int severity;
	int64_t start_us;
	struct observables obs; /* the case's, gathered from the alerts' */
};

static void *hive_open(const struct export_options *o, size_t n)
{
	struct hive_case *c = xcalloc(1, sizeof(*c));
	c->o = o;
	c->n = n;
	c->overview = case_markdown_ops.open(o, n);
	c->tags = cJSON_CreateArray();
	strpool_init(&c->tag_seen);
	strpool_init(&c->task_seen);
	c->task_bodies = cJSON_CreateArray();
	c->obs.arr = cJSON_CreateArray();
	strpool_init(&c->obs.seen);
	return c;
}

static void tag(struct hive_case *c, const char *t)
{
	if (strpool_find(&c->tag_seen, t))
		return;
	strpool_intern(&c->tag_seen, t, NULL);
	cJSON_AddItemToArray(c->tags, cJSON_CreateString(t));
}

/* TheHive's task status from the alerts' states of one item. */
static const char *task_status(const struct task_tally *t)
{
	if (t->done == t->total)
		return "Completed";
	if (t->cancelled == t->total)
		return "Cancel";
	return t->done || t->cancelled ? "InProgress" : "Waiting";
}

static void tally_item(struct hive_case *c, const struct case_record *r, const struct case_item *it)
{
	int check = item_kind_from(it->kind) == ITEM_CHECK;
	enum item_state state = item_state_from(it->state);
	struct strbuf key;
	strbuf_init(&key, 128);
	strbuf_addf(&key, "%s\x1f%s", it->kind, it->text);
	size_t id, before = strpool_count(&c->task_seen);
	strpool_intern(&c->task_seen, key.buf, &id);
	strbuf_release(&key);
	if (strpool_count(&c->task_seen) > before) {
		c->tasks = xrealloc(c->tasks, (id + 1) * sizeof(*c->tasks));
		memset(&c->tasks[id], 0, sizeof(c->tasks[id]));
		strbuf_init(&c->tasks[id].detail, 256);
		strbuf_addf(&c->tasks[id].detail, "%s\n", it->text);
		cJSON_AddItemToArray(c->task_bodies, thehive_task(it, id));
	}
	struct task_tally *t = &c->tasks[id];
	t->total++;
	t->done += check ? state == STATE_CHECKED : state == STATE_DONE;
	t->cancelled += !check && (state == STATE_SKIPPED || state == STATE_NA);
	strbuf_addf(&t->detail, "\nalert %.12s: %s", r->uuid, it->state);
	if (it->by) {
		char at[TIME_ISO_LEN];
		time_format_iso8601(it->at_us, at);
		strbuf_addf(&t->detail, " by %s at %s", it->by, at);
	}
	if (it->note)
		strbuf_addf(&t->detail, ": %s", it->note);
}

static void hive_survey(void *st, const struct case_record *r, size_t i)
{
	struct hive_case *c = st;
	case_markdown_ops.survey(c->overview, r, i);
	int sev = thehive_severity(r->severity);
	if (sev > c->severity)
		c->severity = sev;
	if (!c->start_us || r->original_time < c->start_us)
		c->start_us = r->original_time;
	if (!i)
		tag(c, "casebook");
	cJSON *alert = r->doc ? cJSON_Parse(r->doc) : NULL;
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(alert, "kibana.alert.rule.tags"))
	{
		if (cJSON_IsString(t))
			tag(c, t->valuestring);
	}
	cJSON_Delete(alert);
	for (size_t k = 0; k < r->nitems; k++)
		tally_item(c, r, &r->items[k]);
}

static void hive_begin(void *st, struct strbuf *out)
{
	struct hive_case *c = st;
	struct strbuf desc, title;
	strbuf_init(&desc, 8192);
	strbuf_init(&title, 128);
	case_markdown_ops.begin(c->overview, &desc);
	/* the overview's heading is the title: "# Case: 3 alerts on 2 hosts" */
	const char *nl = strchr(desc.buf, '\n');
	strbuf_add(&title, desc.buf + 2, (size_t)(nl - desc.buf) - 2);
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "title", title.buf);
	cJSON_AddStringToObject(body, "description", desc.buf);
	cJSON_AddNumberToObject(body, "severity", c->severity ? c->severity : 1);
	cJSON_AddNumberToObject(body, "startDate", (double)(c->start_us / 1000));
	cJSON_AddItemToObject(body, "tags", c->tags);
	c->tags = NULL;
	cJSON_AddNumberToObject(body, "tlp", 2);
	cJSON_AddNumberToObject(body, "pap", 2);
	size_t k = 0;
	cJSON *task;
	cJSON_ArrayForEach(task, c->task_bodies)
	{
		cJSON_AddStringToObject(task, "status", task_status(&c->tasks[k]));
		cJSON_AddStringToObject(task, "description", c->tasks[k].detail.buf);
		k++;
	}
	cJSON_AddItemToObject(body, "tasks", c->task_bodies);
	c->task_bodies = NULL;
	strbuf_addstr(out, "{\"case\":");
	char *text = cJSON_PrintUnformatted(body);
	sanitize_json_append(out, text, strlen(text));
	cJSON_free(text);
	strbuf_addstr(out, ",\"alerts\":[");
	cJSON_Delete(body);
	strbuf_release(&desc);
	strbuf_release(&title);
}

static void hive_one(void *st, const struct case_record *r, size_t i, struct strbuf *out)
{
	struct hive_case *c = st;
	cJSON *alert = thehive_one(r, c->o);
	const cJSON *ob;
	cJSON_ArrayForEach(ob, cJSON_GetObjectItemCaseSensitive(alert, "observables"))
	{
		/* already within TheHive's limits: the case's observable is the alert's */
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ob, "dataType"));
		const char *data = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ob, "data"));
		struct strbuf key;
		strbuf_init(&key, 64);
		strbuf_addf(&key, "%s\x1f%s", type, data);
		if (!strpool_find(&c->obs.seen, key.buf)) {
			strpool_intern(&c->obs.seen, key.buf, NULL);
			cJSON_AddItemToArray(c->obs.arr, cJSON_Duplicate(ob, 1));
		}
		strbuf_release(&key);
	}
	if (i)
		strbuf_addch(out, ',');
	char *text = cJSON_PrintUnformatted(alert);
	sanitize_json_append(out, text, strlen(text));
	cJSON_free(text);
	cJSON_Delete(alert);
}

static void hive_end(void *st, struct strbuf *out)
{
	struct hive_case *c = st;
	strbuf_addstr(out, "],\"observables\":");
	char *text = cJSON_PrintUnformatted(c->obs.arr);
	sanitize_json_append(out, text, strlen(text));
	cJSON_free(text);
	strbuf_addstr(out, "}\n");
}

static void hive_close(void *st)
{
	struct hive_case *c = st;
	case_markdown_ops.close(c->overview);
	cJSON_Delete(c->tags);
	cJSON_Delete(c->task_bodies);
	for (size_t k = 0; k < strpool_count(&c->task_seen); k++)
		strbuf_release(&c->tasks[k].detail);
	free(c->tasks);
	strpool_release(&c->tag_seen);
	strpool_release(&c->task_seen);
	cJSON_Delete(c->obs.arr);
	strpool_release(&c->obs.seen);
	free(c);
}

const struct export_case_ops case_thehive_ops = {
    hive_open, hive_survey, hive_begin, hive_one, hive_end, hive_close,
};
