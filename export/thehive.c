/* thehive and thehive-case: TheHive 5's bodies. thehive is one alert as POST /api/v1/alert takes
 * it (its report, observables and ATT&CK procedures; several alerts: an array); thehive-case one
 * alert as a case (POST /api/v1/case) with the checklist as its tasks.
 *
 * thehive-case, several alerts: one TheHive case with its alerts, observables and tasks, as one
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

#include "common/digest.h"
#include "common/sanitize.h"
#include "common/timeutil.h"
#include "common/vocab.h"
#include "detect/field.h"
#include "export/format.h"

/* The observables of a body, each (type, value) once. */
struct observables {
	cJSON *arr;
	struct strpool seen;
};

/* TheHive 4 refuses a whole alert when one observable's value is longer than 512 characters
 * (its index keeps a value as one term); the corpus holds 577-character command lines. Such a
 * value is cut, at a character, to fit with OBSERVABLE_CUT_MARK, its message saying how long
 * the whole was and the whole's SHA-256. Bytes are counted: never more characters than bytes. */
#define OBSERVABLE_MAX_BYTES 512
#define OBSERVABLE_CUT_MARK  "…[cut]"

static size_t observable_cut_at(const char *data)
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

static void observable(struct observables *obs, const char *type, const char *data, const char *tag,
                       const char *message)
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

static void event_observables(struct observables *obs, const cJSON *ev)
{
	for (size_t i = 0; i < sizeof(observed) / sizeof(observed[0]); i++)
		observable(obs, observed[i].type, export_get_str(ev, observed[i].field), observed[i].field,
		           observed[i].message);
	const char *cmd = export_get_str(ev, "process.command_line");
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
		if (!strcmp(export_get_str(p, "patternId"), pattern) && !strcmp(export_get_str(p, "tactic"), tactic))
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
static void procedures_add(cJSON *arr, const cJSON *threat, int64_t occur_ms)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, threat)
	{
		struct strbuf tactic;
		strbuf_init(&tactic, 32);
		const char *name = export_get_str(export_get_path(t, "tactic"), "name");
		tactic_phase(name ? name : "", &tactic);
		const cJSON *tech, *sub;
		cJSON_ArrayForEach(tech, cJSON_GetObjectItemCaseSensitive(t, "technique"))
		{
			const cJSON *subs = cJSON_GetObjectItemCaseSensitive(tech, "subtechnique");
			cJSON_ArrayForEach(sub, subs)
			    procedure_add(arr, export_get_str(sub, "id"), tactic.buf, occur_ms);
			if (!cJSON_GetArraySize(subs))
				procedure_add(arr, export_get_str(tech, "id"), tactic.buf, occur_ms);
		}
		strbuf_release(&tactic);
	}
}

static int thehive_severity(const char *s)
{
	enum severity v = severity_from(s); /* TheHive's 1 (low) to 4 (critical) */
	return v == SEVERITY_UNKNOWN ? SEVERITY_LOW : (int)v;
}

static cJSON *thehive_one(const struct case_record *r, const struct export_options *o)
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

static cJSON *thehive_task(const struct case_item *it, size_t order)
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
			export_iso(it->at_us, at);
			strbuf_addf(&desc, "\n\n%s by %s at %s%s%s", it->state, it->by, at, it->note ? ": " : "",
			            it->note ? it->note : "");
		}
		cJSON_AddStringToObject(task, "description", desc.buf);
		strbuf_release(&desc);
		cJSON_AddItemToArray(tasks, task);
	}
	return c;
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
	export_append_json_item(thehive_one(r, o), i, out);
}

static void thehive_end(const struct export_options *o, size_t n, struct strbuf *out)
{
	(void)o;
	strbuf_addstr(out, n != 1 ? "]\n" : "\n");
}

static void thehive_case_item(const struct case_record *r, size_t i, const struct export_options *o, struct strbuf *out)
{
	export_append_json_item(thehive_case_one(r, o), i, out);
}

/* ---- thehive-case, several alerts: one case ---- */

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

static const struct export_case_ops case_thehive_ops = {
    hive_open, hive_survey, hive_begin, hive_one, hive_end, hive_close,
};

const struct export_format_ops thehive_format = {
    .info = {"thehive", "thehive.json", ""},
    .begin = thehive_begin,
    .one = thehive_item,
    .end = thehive_end,
};
const struct export_format_ops thehive_case_format = {
    .info = {"thehive-case", "thehive-case.json", ""},
    .begin = thehive_begin,
    .one = thehive_case_item,
    .end = thehive_end,
    .as_case = &case_thehive_ops,
    .case_from = 2,
};
