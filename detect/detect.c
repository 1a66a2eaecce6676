#include "detect/detect.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/diag.h"
#include "common/digest.h"
#include "common/jsonarena.h"
#include "common/jsonexact.h"
#include "common/strbuf.h"
#include "common/strpool.h"
#include "common/timeutil.h"
#include "detect/eql.h"
#include "detect/exceptions.h"
#include "detect/field.h"
#include "detect/filters.h"
#include "detect/needles.h"
#include "detect/plan.h"
#include "detect/rule.h"
#include "detect/run.h"
#include "detect/sample.h"
#include "detect/sequence.h"
#include "detect/wildcard.h"
#include "store/alerts.h"
#include "store/rules.h"

/* ---- index patterns ---- */

/* ".ds-logs-endpoint.events.file-default-2024.05.01-000003" -> "logs-endpoint.events.file-default" */
static char *data_stream_of(const char *index)
{
	if (strncmp(index, ".ds-", 4))
		return NULL;
	char *name = xstrdup(index + 4);
	size_t n = strlen(name);
	size_t d = n;
	while (d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9')
		d--;
	if (d < n && d > 0 && name[d - 1] == '-') {
		name[--d] = '\0'; /* the generation */
		size_t k = d;
		while (k > 0 && ((name[k - 1] >= '0' && name[k - 1] <= '9') || name[k - 1] == '.'))
			k--;
		if (k < d && d - k == 10 && k > 0 && name[k - 1] == '-')
			name[k - 1] = '\0'; /* the date of newer backing indices */
	}
	return name;
}

static int glob(const char *pattern, const char *s)
{
	struct wpat w;
	wpat_init(&w);
	const char *start = pattern;
	for (const char *c = pattern;; c++) {
		if (*c == '*' || *c == '\0') {
			wpat_add_piece(&w, start, (size_t)(c - start));
			start = c + 1;
			if (*c == '\0')
				break;
		}
	}
	int hit = wildcard_match(&w, s, strlen(s), 0);
	wpat_release(&w);
	return hit;
}

int index_matches(const char *const *patterns, size_t n, const char *index)
{
	if (n == 0 || !index)
		return 1;
	char *stream = data_stream_of(index);
	int hit = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = patterns[i];
		int exclude = p[0] == '-';
		if (exclude)
			p++;
		int m = glob(p, index) || (stream && glob(p, stream));
		if (m)
			hit = !exclude;
	}
	free(stream);
	return hit;
}

/* ---- the event as the rules see it ---- */

static int derived_os_type(const struct event_row *row)
{
	return row->r.derived && strstr(row->r.derived, "host.os.type") && row->r.os_type;
}

cJSON *detect_event_json(const struct event_row *row)
{
	cJSON *ev = cJSON_ParseWithLength(row->doc, row->doc_len);
	if (ev && derived_os_type(row)) /* dotted keys resolve like nested ones: seen as host.os.type */
		cJSON_AddStringToObject(ev, "host.os.type", row->r.os_type);
	return ev;
}

/* The same, in the arena: the pass's trees live for one candidate. */
static cJSON *event_json_in(struct json_arena *a, const struct event_row *row)
{
	cJSON *ev = json_arena_parse(a, row->doc, row->doc_len);
	if (ev && derived_os_type(row))
		json_arena_add_string(a, ev, "host.os.type", row->r.os_type);
	return ev;
}

/* ---- alerts ---- */

/* Kibana hashes the source index, the document id, the rule version and space:rule; a
 * sequence's alert hashes each of its events'. */
/* A hit's identity and index: kept with a sequence's events, else read again from the store
 * (a run's matches are many, and only the ones that become alerts need them). */
struct hit_source {
	struct strbuf identity, index;
};

static int hit_source(const struct run *run, const struct hit *h, struct hit_source *buf, const char **identity,
                      const char **index)
{
	if (h->identity) {
		*identity = h->identity;
		*index = h->index ? h->index : "";
		return 0;
	}
	if (store_event_source(run->s, h->event_id, &buf->identity, &buf->index))
		return -1;
	*identity = buf->identity.buf;
	*index = buf->index.buf;
	return 0;
}

int run_alert_uuid(const struct run *run, const struct hit *const *hits, size_t n, const char *salt,
                   char out[SHA256_HEX_LEN + 1])
{
	const struct rule *r = &run->r;
	struct sha256_ctx *ctx = sha256_begin();
	char version[32];
	snprintf(version, sizeof(version), "%lld", (long long)r->version);
	struct hit_source buf;
	strbuf_init(&buf.identity, 64);
	strbuf_init(&buf.index, 64);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		const char *identity, *index;
		rc = hit_source(run, hits[i], &buf, &identity, &index);
		if (!rc) {
			sha256_update(ctx, index, strlen(index));
			sha256_update(ctx, identity, strlen(identity));
		}
	}
	const char *parts[] = {version, "default:", r->uuid, salt ? salt : ""};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		sha256_update(ctx, parts[i], strlen(parts[i]));
	sha256_finish(ctx, out);
	strbuf_release(&buf.identity);
	strbuf_release(&buf.index);
	return rc;
}

/* A field's value as Kibana's reason template shows it (reason_formatters.ts,
 * getFieldTemplateValue over lodash's getOr): a string, or an array's values joined by ", ";
 * nothing for "", "-", [], ["-"], and for a number, which has no length there. */
static char *reason_value(const cJSON *ev, const char *path)
{
	const cJSON *v = overrides_get(ev, path);
	if (cJSON_IsString(v))
		return *v->valuestring && strcmp(v->valuestring, "-") ? xstrdup(v->valuestring) : NULL;
	if (!cJSON_IsArray(v) || !v->child ||
	    (!v->child->next && cJSON_IsString(v->child) && !strcmp(v->child->valuestring, "-")))
		return NULL;
	struct strbuf sb;
	strbuf_init(&sb, 64);
	for (const cJSON *e = v->child; e; e = e->next) {
		if (e != v->child)
			strbuf_addstr(&sb, ", ");
		if (cJSON_IsString(e) || cJSON_IsRaw(e))
			strbuf_addstr(&sb, e->valuestring);
		else if (cJSON_IsNumber(e))
			strbuf_addf(&sb, "%.17g", e->valuedouble);
		else if (cJSON_IsBool(e))
			strbuf_addstr(&sb, cJSON_IsTrue(e) ? "true" : "false");
		else if (cJSON_IsObject(e))
			strbuf_addstr(&sb, "[object Object]"); /* Array.prototype.join; null is "" */
	}
	return strbuf_detach(&sb, NULL);
}

/* Kibana's reason sentence, segment by segment as its template builds it, with the alert's
 * severity and rule name (the overridden ones, as Kibana's buildReasonMessage takes them):
 * "with" comes when a field of interest (all but the category, user and host) has a value. */
static char *reason_as(const char *name, const char *severity, const cJSON *ev)
{
	static const struct {
		const char *field, *before, *after;
		int of_interest;
	} segs[] = {
	    {"process.name", " process ", ",", 1}, {"process.parent.name", " parent process ", ",", 1},
	    {"file.name", " file ", ",", 1},       {"source.ip", " source ", "", 1},
	    {"source.port", ":", ",", 1},          {"destination.ip", " destination ", "", 1},
	    {"destination.port", ":", ",", 1},     {"user.name", " by ", "", 0},
	    {"host.name", " on ", "", 0},
	};
	enum { NSEGS = sizeof(segs) / sizeof(segs[0]) };
	char *values[NSEGS];
	int with = 0;
	for (size_t i = 0; i < NSEGS; i++) {
		values[i] = reason_value(ev, segs[i].field);
		with |= values[i] && segs[i].of_interest;
	}
	struct strbuf sb;
	strbuf_init(&sb, 160);
	char *cat = reason_value(ev, "event.category");
	if (cat)
		strbuf_addf(&sb, "%s ", cat);
	free(cat);
	strbuf_addstr(&sb, with ? "event with" : "event");
	for (size_t i = 0; i < NSEGS; i++) {
		if (values[i])
			strbuf_addf(&sb, "%s%s%s", segs[i].before, values[i], segs[i].after);
		free(values[i]);
	}
	strbuf_addf(&sb, " created %s alert %s.", severity, name);
	return strbuf_detach(&sb, NULL);
}

char *run_reason(const struct rule *r, const cJSON *ev)
{
	return reason_as(r->name, r->severity, ev);
}

void run_add_iso(cJSON *obj, const char *key, int64_t us)
{
	char t[TIME_ISO_LEN];
	time_format_iso8601(us, t);
	cJSON_AddStringToObject(obj, key, t);
}

char *run_alert_text(cJSON *doc, const struct run *run)
{
	cJSON *spaces = cJSON_AddArrayToObject(doc, "kibana.space_ids");
	cJSON_AddItemToArray(spaces, cJSON_CreateString("default"));
	run_add_rule_fields(doc, run);
	char *text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	return text;
}

/* Copies the rule's fields into kibana.alert.rule.* as Kibana's alerts carry them. */
void run_add_rule_fields(cJSON *doc, const struct run *run)
{
	const struct rule *r = &run->r;
	const struct rule_type *type = run->type;
	static const char *const copied[] = {"name",
	                                     "rule_id",
	                                     "version",
	                                     "type",
	                                     "severity",
	                                     "risk_score",
	                                     "interval",
	                                     "from",
	                                     "to",
	                                     "max_signals",
	                                     "threat",
	                                     "note",
	                                     "description",
	                                     "tags",
	                                     "references",
	                                     "author",
	                                     "license",
	                                     "language",
	                                     "query",
	                                     "index",
	                                     "timestamp_override",
	                                     "exceptions_list",
	                                     "false_positives",
	                                     "investigation_fields"};
	char key[80];
	for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->obj, copied[i]);
		if (!v)
			continue;
		snprintf(key, sizeof(key), "kibana.alert.rule.%s", copied[i]);
		if (run->ov && !strcmp(copied[i], "name")) /* Kibana's ALERT_RULE_NAME takes the override */
			cJSON_AddStringToObject(doc, key, run->ov->name);
		else
			cJSON_AddItemToObject(doc, key, cJSON_Duplicate(v, 1));
	}
	cJSON_AddStringToObject(doc, "kibana.alert.rule.uuid", r->uuid);
	cJSON_AddStringToObject(doc, "kibana.alert.rule.category", type->category);
	cJSON_AddStringToObject(doc, "kibana.alert.rule.rule_type_id", type->type_id);
	cJSON_AddStringToObject(doc, "kibana.alert.rule.producer", "siem");
	cJSON_AddStringToObject(doc, "kibana.alert.rule.consumer", "siem");
}

/* The alert document: kibana.alert.* flattened as Kibana writes them, and the source event's
 * own fields as nested objects, with event.kind "signal". A sequence's alert is built from
 * its first event and lists every event as an ancestor. */
void run_add_alert_common(cJSON *doc, const struct run *run, const char *uuid, int64_t now, const char *reason)
{
	const struct rule *r = &run->r;
	(void)now, (void)uuid;
	cJSON_AddStringToObject(doc, "kibana.alert.reason", reason);
	cJSON_AddStringToObject(doc, "kibana.alert.severity", run->ov ? run->ov->severity : r->severity);
	cJSON_AddNumberToObject(doc, "kibana.alert.risk_score", run->ov ? run->ov->risk_score : (double)r->risk_score);
	const char *block = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r->obj, "building_block_type"));
	if (block && *block)
		cJSON_AddStringToObject(doc, "kibana.alert.building_block_type", block);
	cJSON_AddStringToObject(doc, "kibana.alert.status", "active");
	cJSON_AddStringToObject(doc, "kibana.alert.workflow_status", "open");
	cJSON_AddArrayToObject(doc, "kibana.alert.workflow_tags");
}

/* The alert document on the events of hits; ev is the first one's tree (its fields move into
 * the alert) and first its identity and index. NULL when another event's cannot be read. */
static char *build_alert(const struct run *run, const struct hit *const *hits, size_t nhits, cJSON *ev,
                         const struct hit_source *first, const char *uuid, int64_t now, char **reason,
                         alert_extra extra, void *extra_ctx)
{
	const struct rule *r = &run->r;
	const struct hit *h = hits[0];
	cJSON *doc = cJSON_CreateObject();
	run_add_iso(doc, "@timestamp", now);
	/* before the event's fields move into the alert */
	*reason = run->ov ? reason_as(run->ov->name, run->ov->severity, ev) : run_reason(r, ev);
	const cJSON *m;
	cJSON *originals = cJSON_CreateObject(); /* the event's event.* as they came, added after */
	char key[256];
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(ev, "event"))
	{
		snprintf(key, sizeof(key), "kibana.alert.original_event.%s", m->string ? m->string : "");
		cJSON_AddItemToObject(originals, key, cJSON_Duplicate(m, 1));
	}
	/* the event's fields move into the alert rather than being copied: ev is the caller's to
	 * delete, and a copy of every tree was a third of building an alert */
	for (cJSON *at = ev->child, *next; at; at = next) {
		next = at->next;
		if (!at->string || !strcmp(at->string, "@timestamp") || !strcmp(at->string, "host.os.type"))
			continue;
		cJSON *item = cJSON_DetachItemViaPointer(ev, at);
		if (!strcmp(item->string, "event") && cJSON_IsObject(item)) {
			cJSON_DeleteItemFromObjectCaseSensitive(item, "kind");
			cJSON_AddStringToObject(item, "kind", "signal");
		}
		cJSON_AddItemToObject(doc, item->string, item);
	}
	for (cJSON *at = originals->child, *next; at; at = next) {
		next = at->next;
		cJSON *item = cJSON_DetachItemViaPointer(originals, at);
		cJSON_AddItemToObject(doc, item->string, item);
	}
	cJSON_Delete(originals);
	run_add_iso(doc, "kibana.alert.original_time", h->ts);
	cJSON_AddStringToObject(doc, "kibana.alert.uuid", uuid);
	cJSON *anc = cJSON_AddArrayToObject(doc, "kibana.alert.ancestors");
	struct hit_source buf;
	strbuf_init(&buf.identity, 64);
	strbuf_init(&buf.index, 64);
	int failed = 0;
	for (size_t i = 0; i < nhits && !failed; i++) {
		const char *identity = first->identity.buf, *index = first->index.buf;
		if (i && (failed = hit_source(run, hits[i], &buf, &identity, &index) != 0))
			break;
		cJSON *a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "id", identity);
		cJSON_AddStringToObject(a, "index", index);
		cJSON_AddNumberToObject(a, "depth", 0);
		cJSON_AddStringToObject(a, "type", "event");
		cJSON_AddItemToArray(anc, a);
	}
	strbuf_release(&buf.identity);
	strbuf_release(&buf.index);
	if (failed) {
		cJSON_Delete(doc);
		return NULL;
	}
	if (nhits > 1 || (run->eql && eql_is_sequence(run->eql))) /* [a] ![b]'s sequences have one event */
		cJSON_AddStringToObject(doc, "kibana.alert.group.id", uuid);
	cJSON_AddNumberToObject(doc, "kibana.alert.depth", 1);
	run_add_alert_common(doc, run, uuid, now, *reason);
	if (extra)
		extra(doc, extra_ctx);
	const cJSON *derived_os = cJSON_GetObjectItemCaseSensitive(ev, "host.os.type");
	if (cJSON_IsString(derived_os)) {
		/* casebook derived host.os.type at ingest (an older agent): the alert carries the value
		 * where ECS has it, and says it was derived */
		cJSON *host = cJSON_GetObjectItemCaseSensitive(doc, "host");
		if (!cJSON_IsObject(host))
			host = NULL;
		cJSON *os = host ? cJSON_GetObjectItemCaseSensitive(host, "os") : NULL;
		if (host && !cJSON_IsObject(os)) {
			cJSON_DeleteItemFromObjectCaseSensitive(host, "os");
			os = cJSON_AddObjectToObject(host, "os");
		}
		if (os && !cJSON_GetObjectItemCaseSensitive(os, "type"))
			cJSON_AddStringToObject(os, "type", derived_os->valuestring);
		cJSON *derived = cJSON_AddArrayToObject(doc, "casebook.derived_fields");
		cJSON_AddItemToArray(derived, cJSON_CreateString("host.os.type"));
	}
	return run_alert_text(doc, run);
}

/* ---- one rule ---- */

struct found_seq {
	struct hit *hits; /* its events, in stage order (copies: keys still the run's, or NULL) */
	size_t n;
	int64_t exec_t; /* the execution that alerts on it */
};

/* A sequence rule matched while the pass reads the case in @timestamp order: an event's data
 * is kept only while a pending sequence holds it (slots, reference-counted through the
 * matcher's hooks), so memory follows the open sequences, not the stage events. */
struct seq_stream {
	struct seq_matcher *m;
	struct stream_slot {
		struct hit h; /* its identity is the slot's own copy */
		size_t refs;
	} * slots;
	size_t nslots, cap;
	size_t *free; /* free slots */
	size_t nfree;
	const char **keys; /* scratch: the event's key per stage */
	size_t *key_at;    /* where each key starts in run->key_text */
	struct strbuf key_text;
};

/* For a sequence: which stages (and until) the event passes, with its join key for each in
 * keys (n slots; NULL: it does not pass, or has no key). Returns how many have a key. A key's
 * text lies in text, which the call resets. */
static size_t sequence_stages(struct run *run, const cJSON *ev, const char **keys, size_t *at, size_t n,
                              struct strbuf *text)
{
	size_t passed = 0;
	strbuf_reset(text);
	eql_event_begin(run->eql); /* the stages share the event's steps */
	for (size_t i = 0; i < n; i++) {
		keys[i] = NULL;
		at[i] = SIZE_MAX;
		if (!eql_stage_match(run->eql, i, ev))
			continue;
		if (eql_stage_key(run->eql, i, ev, &run->key) == 0) {
			passed++;
			at[i] = text->len;
			strbuf_add(text, run->key.buf, run->key.len + 1);
		}
	}
	for (size_t i = 0; i < n; i++) /* text no longer moves */
		keys[i] = at[i] == SIZE_MAX ? NULL : text->buf + at[i];
	return passed;
}

/* The stages, until, then the missing-event stages (see eql_missing_position). */
static size_t sequence_slots(const struct run *run)
{
	return eql_stage_count(run->eql) + 1 + eql_missing_count(run->eql);
}

char *run_value_text(const cJSON *v)
{
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	char *t = cJSON_PrintUnformatted(v);
	char *copy = xstrdup(t ? t : "");
	cJSON_free(t);
	return copy;
}

const char *run_intern(struct run *run, const char *s)
{
	return strpool_intern(run->strings, s, NULL);
}

void run_gave_up(struct run *run, const struct hit *h, const char *why)
{
	run->t->gave_up++;
	if (run->gave_up++ >= RUN_GAVE_UP_NAMED || !run->o->warn)
		return;
	char when[TIME_ISO_LEN];
	time_format_iso8601(h->ts, when);
	diagf(run->o->warn, "warning: rule \"%s\": event %s (%s) was not evaluated: a regular expression reached %s\n",
	      run->r.name, h->identity ? h->identity : "-", when, why);
}

struct hit *run_add_named_hit(struct run *run, const struct candidate_row *c, const char **keys, size_t nkeys)
{
	struct hit *h = run_add_hit(run, c, keys, nkeys);
	h->identity = run_intern(run, c->ev.r.identity);
	h->index = c->ev.r.index ? run_intern(run, c->ev.r.index) : NULL;
	return h;
}

struct hit *run_add_hit(struct run *run, const struct candidate_row *c, const char **keys, size_t nkeys)
{
	if (run->nhits == run->alloc) {
		run->alloc = run->alloc ? run->alloc * 2 : 64;
		run->hits = xrealloc(run->hits, run->alloc * sizeof(*run->hits));
	}
	struct hit *h = &run->hits[run->nhits++];
	memset(h, 0, sizeof(*h));
	h->keys = keys;
	h->nkeys = nkeys;
	h->event_id = c->id;
	h->time = c->time;
	h->ts = c->ev.r.ts; /* identity and index are read again if it becomes an alert */
	return h;
}

int run_matches(struct run *run, const cJSON *ev)
{
	int hit = run->kql ? kql_match(run->kql, ev) : eql_match(run->eql, ev);
	hit = hit && (!run->filter || kql_match(run->filter, ev));
	if (hit && exceptions_match(run->x, ev)) {
		run->t->suppressed++;
		hit = 0;
	}
	return hit;
}

/* Offers one candidate to the rule's type. *ev is the parsed event, shared by the rules of one
 * scan: parsed here on first need (*parsed says it was tried), freed by the caller. */
/* A Kibana alert document (event.kind signal) copies its event's fields: rules run on events,
 * as Kibana's do on logs-* and not on .alerts-*. */
static int is_signal(const struct event_record *r)
{
	return r->kind && !strcmp(r->kind, "signal");
}

/* The columns the prefilter reads: each holds the field's one value when the event's
 * names_exact says so (not for an array, a number, or a case stored before schema 8). */
static const char *const filter_fields[] = {"process.name", "event.action", "user.name", "process.executable"};

static const char *column_value(const struct event_record *r, int column)
{
	switch (column) {
	case 0: return r->process_name;
	case 1: return r->action;
	case 2: return r->user_name;
	default: return r->executable;
	}
}

/* The column filters of an event query (stage SIZE_MAX) or of one stage of a sequence. */
static void plan_stage_columns(const struct run *run, size_t stage, struct column_filter **out, size_t *nout)
{
	for (int k = 0; k < (int)(sizeof(filter_fields) / sizeof(filter_fields[0])); k++) {
		char **values;
		size_t n;
		int caseless;
		if (!(stage == SIZE_MAX
		          ? eql_required_values(run->eql, filter_fields[k], &values, &n, &caseless)
		          : eql_stage_required_values(run->eql, stage, filter_fields[k], &values, &n, &caseless)))
			continue;
		*out = xrealloc(*out, (*nout + 1) * sizeof(**out));
		(*out)[(*nout)++] = (struct column_filter){k, values, n, caseless};
	}
}

/* A KQL query's: on keyword fields (a text field matches by its words). */
static void plan_kql_columns(struct run *run)
{
	for (int k = 0; k < (int)(sizeof(filter_fields) / sizeof(filter_fields[0])); k++) {
		char **values;
		size_t n;
		if (field_type(filter_fields[k], strlen(filter_fields[k])) != FT_KEYWORD ||
		    !kql_required_values(run->kql, filter_fields[k], &values, &n))
			continue;
		run->columns = xrealloc(run->columns, (run->ncolumns + 1) * sizeof(*run->columns));
		run->columns[run->ncolumns++] = (struct column_filter){k, values, n, 0};
	}
}

/* A type with a language of its own names its required values (rule_type.required_values). */
static void plan_type_columns(struct run *run)
{
	for (int k = 0; k < (int)(sizeof(filter_fields) / sizeof(filter_fields[0])); k++) {
		char **values;
		size_t n;
		if (field_type(filter_fields[k], strlen(filter_fields[k])) != FT_KEYWORD ||
		    !run->type->required_values(run, filter_fields[k], &values, &n))
			continue;
		run->columns = xrealloc(run->columns, (run->ncolumns + 1) * sizeof(*run->columns));
		run->columns[run->ncolumns++] = (struct column_filter){k, values, n, 0};
	}
}

static void plan_columns(struct run *run)
{
	if (run->type->compile && run->type->required_values)
		plan_type_columns(run);
	if (run->kql)
		plan_kql_columns(run);
	if (!run->eql)
		return;
	if (!eql_is_sequence(run->eql)) {
		plan_stage_columns(run, SIZE_MAX, &run->columns, &run->ncolumns);
		return;
	}
	size_t n = sequence_slots(run);
	run->stage_filters = xcalloc(n, sizeof(*run->stage_filters));
	for (size_t i = 0; i < n; i++) {
		if (i == eql_stage_count(run->eql) && !eql_has_until(run->eql))
			continue; /* no until: a slot no event passes */
		struct stage_filter *f = &run->stage_filters[run->nstage_filters++];
		f->category = eql_stage_category(run->eql, i);
		plan_stage_columns(run, i, &f->columns, &f->ncolumns);
		eql_stage_needles(run->eql, i, &f->needles);
	}
}

static void release_columns(struct column_filter *columns, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < columns[i].n; k++)
			free(columns[i].values[k]);
		free(columns[i].values);
	}
	free(columns);
}

static int filters_admit(const struct column_filter *filters, size_t n, const struct event_record *r);

/* Whether the event's columns allow a match: a required field's column holds one of its values
 * (a missing field fails a positive condition); for a sequence, one stage's category and
 * columns, and (given the shared pass's needle index, scanned) that stage's needles. */
static int stages_admit(const struct run *run, const struct event_record *r, const struct needle_index *x)
{
	if (!run->nstage_filters)
		return r->irregular || filters_admit(run->columns, run->ncolumns, r);
	for (size_t i = 0; i < run->nstage_filters; i++) {
		const struct stage_filter *f = &run->stage_filters[i];
		if (x && !needle_index_admits(x, f->needle_set))
			continue;
		if (r->irregular)
			return 1;
		struct candidate_query one = {.categories = {f->category}, .ncategories = f->category != NULL};
		if ((!f->category || strlen(f->category) <= 64) && !store_candidate_admits(&one, r))
			continue;
		if (filters_admit(f->columns, f->ncolumns, r))
			return 1;
	}
	return 0;
}

static int columns_admit(const struct run *run, const struct event_record *r)
{
	return stages_admit(run, r, NULL);
}

static int filters_admit(const struct column_filter *filters, size_t n, const struct event_record *r)
{
	if (n && !r->names_exact)
		return 1; /* an array's other values, or a number, are not in the columns */
	for (size_t i = 0; i < n; i++) {
		const struct column_filter *f = &filters[i];
		const char *v = column_value(r, f->column);
		if (!v)
			return 0;
		size_t k;
		for (k = 0; k < f->n && (f->caseless ? strcasecmp(v, f->values[k]) : strcmp(v, f->values[k])); k++)
			;
		if (k == f->n)
			return 0;
	}
	return 1;
}

static int run_index_matches(const struct run *run, const char *index)
{
	if (run->scope)
		return index_matches((const char *const *)run->scope, run->nscope, index);
	return index_matches((const char *const *)run->r.index, run->r.nindex, index);
}

/* The candidate, its needles, index patterns and columns passed: parsed (once for every
 * rule) and offered to the type. */
static void consider_admitted(struct run *run, const struct candidate_row *c, cJSON **evp, int *parsed)
{
	if (!*parsed) {
		*evp = event_json_in(run->arena, &c->ev);
		*parsed = 1;
	}
	if (*evp)
		run->type->consider(run, c, *evp);
}

/* Whether the event has the rule's time field: without event.ingested, a rule whose
 * timestamp_override_fallback_disabled is set does not search it (Kibana's secondary search on
 * @timestamp is the fallback). */
static int has_time_field(const struct run *run, const struct event_record *r)
{
	return !run->no_fallback || !run->cq.use_ingested || r->has_ingested;
}

static void consider(struct run *run, const struct candidate_row *c, cJSON **evp, int *parsed)
{
	if (!is_signal(&c->ev.r) && has_time_field(run, &c->ev.r) &&
	    (run->o->no_prefilter || needles_admit(&run->needles, c->ev.doc, c->ev.doc_len)) &&
	    run_index_matches(run, c->ev.r.index) && (run->o->no_prefilter || columns_admit(run, &c->ev.r)))
		consider_admitted(run, c, evp, parsed);
}

/* ---- query and EQL rules: an alert per matching event, or per sequence ---- */

/* An EQL rule's event its regular expressions gave up on: said, and counted (run_gave_up). */
static int eql_given_up(struct run *run, const struct candidate_row *c)
{
	const char *why = run->eql ? eql_gave_up(run->eql) : NULL;
	if (why) {
		struct hit h = {.identity = c->ev.r.identity, .ts = c->ev.r.ts};
		run_gave_up(run, &h, why);
	}
	return why != NULL;
}

static void query_consider(struct run *run, const struct candidate_row *c, const cJSON *ev)
{
	size_t nkeys = 0;
	if (!run_matches(run, ev)) {
		eql_given_up(run, c);
	} else if (run->suppress) {
		const char **keys = suppression_keys(run, ev, &nkeys); /* its groups */
		run_add_hit(run, c, keys, nkeys);
	} else {
		run_add_hit(run, c, NULL, 0);
	}
}

static void stream_feed(struct run *run, const struct candidate_row *c, size_t stages);

/* exceptions filter a sequence's events, as Kibana adds them to the EQL search */
static void eql_consider(struct run *run, const struct candidate_row *c, const cJSON *ev)
{
	if (!eql_is_sequence(run->eql)) {
		query_consider(run, c, ev);
		return;
	}
	if ((run->filter && !kql_match(run->filter, ev)) || exceptions_match(run->x, ev))
		return; /* filters and exceptions apply to each event the sequence's search returns */
	struct seq_stream *st = run->stream;
	size_t n = sequence_slots(run);
	if (st) {
		size_t stages = sequence_stages(run, ev, st->keys, st->key_at, n, &st->key_text);
		if (!eql_given_up(run, c) && stages)
			stream_feed(run, c, stages);
		return;
	}
	/* kept until the pass ends: the keys interned, an array per hit */
	const char **keys = xmalloc(n * sizeof(*keys));
	size_t *at = xmalloc(n * sizeof(*at));
	struct strbuf text;
	strbuf_init(&text, 64);
	size_t stages = sequence_stages(run, ev, keys, at, n, &text);
	if (eql_given_up(run, c))
		stages = 0; /* not evaluated: it joins no sequence */
	for (size_t i = 0; i < n; i++)
		keys[i] = keys[i] ? run_intern(run, keys[i]) : NULL;
	strbuf_release(&text);
	free(at);
	if (stages)
		run_add_hit(run, c, keys, n)->stages = stages;
	else
		free(keys);
}

static int on_candidate(void *ctx, const struct candidate_row *c)
{
	struct run *run = ctx;
	cJSON *ev = NULL;
	int parsed = 0;
	consider(run, c, &ev, &parsed);
	json_arena_reset(run->arena);
	return 0;
}

static int seen_has(const struct run *run, const char *uuid)
{
	return !run->once_per_hit && uuid_set_has(&run->seen, uuid);
}

void run_forget_seen(struct run *run)
{
	struct uuid_set *u = &run->seen;
	if (u->n < 65536) /* few: kept, rather than cleared at each window */
		return;
	memset(u->slot, 0, u->cap * sizeof(*u->slot));
	u->n = 0;
}

/* Records uuid as handled in this run (created, or found stored already). */
static void seen_add(struct run *run, const char *uuid)
{
	if (!run->once_per_hit)
		uuid_set_add(&run->seen, uuid);
}

static int64_t align_up(int64_t t, int64_t step)
{
	int64_t q = t / step;
	if (q * step < t)
		q++;
	return q * step;
}

/* The first execution first + k*step (k >= 0) whose window's end reaches t. The end is now
 * less an amount within [to_offset_us, to_offset_max_us] (equal unless "to" uses calendar
 * steps or rounding), so a binary search between those bounds finds it. */
static int64_t first_execution_seeing(const struct rule *r, int64_t first, int64_t step, int64_t t)
{
	int64_t lo = align_up(t + r->to_offset_us - first, step) / step;
	int64_t hi = align_up(t + r->to_offset_max_us - first, step) / step;
	lo = lo < 0 ? 0 : lo;
	hi = hi < lo ? lo : hi;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (rule_window_to(r, first + mid * step) >= t)
			hi = mid;
		else
			lo = mid + 1;
	}
	return first + lo * step;
}

int64_t run_first_execution_seeing(const struct run *run, int64_t t)
{
	return first_execution_seeing(&run->r, run->first_t, run->r.interval_us, t);
}

int64_t run_undecided(const struct run *run, int64_t done)
{
	if (done == INT64_MAX || done - run->r.to_offset_max_us > run->last_t)
		return INT64_MAX;
	return run_first_execution_seeing(run, done);
}

void run_drop_hits(struct run *run, size_t n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		free(run->hits[i].keys); /* its strings are the run's */
	memmove(run->hits, run->hits + n, (run->nhits - n) * sizeof(*run->hits));
	run->nhits -= n;
}

size_t run_take_decided(void *items, size_t n, size_t size, size_t at, int64_t limit)
{
	unsigned char *base = items;
	size_t ready = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t T;
		memcpy(&T, base + i * size + at, sizeof(T));
		if (T >= limit)
			continue;
		for (size_t k = 0; k < size && i != ready; k++) { /* swap item i with item ready */
			unsigned char c = base[i * size + k];
			base[i * size + k] = base[ready * size + k];
			base[ready * size + k] = c;
		}
		ready++;
	}
	return ready;
}

char *run_join_values(char *const *values, size_t n)
{
	struct strbuf sb;
	strbuf_init(&sb, 64);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addch(&sb, '\x1f');
		strbuf_addstr(&sb, values[i]);
	}
	return strbuf_detach(&sb, NULL);
}

void run_drop_hits_after(struct run *run, size_t n)
{
	for (size_t i = n; i < run->nhits; i++)
		free(run->hits[i].keys);
	run->nhits = n;
}

static int64_t align_down(int64_t t, int64_t step)
{
	int64_t q = t / step;
	if (q * step > t)
		q--;
	return q * step;
}

/* An alert's first event, read again: its tree, and its identity and index for the alert's
 * ancestors (its match did not keep them). */
struct alert_event {
	cJSON *ev;
	struct hit_source source;
};

static int parse_event(void *ctx, const struct event_row *row)
{
	struct alert_event *a = ctx;
	a->ev = detect_event_json(row);
	if (a->ev)
		json_keep_number_text(a->ev, row->doc, row->doc_len);
	strbuf_addstr(&a->source.identity, row->r.identity);
	strbuf_addstr(&a->source.index, row->r.index ? row->r.index : "");
	return 1;
}

int run_store_alert(struct run *run, const char *uuid, int64_t event_id, int64_t original_time, int64_t exec_t,
                    const char *reason, const char *doc, const int64_t *events, size_t nevents)
{
	int64_t now = run->o->now_us ? run->o->now_us : time_now_us();
	struct alert_record a = {.uuid = uuid,
	                         .rule_key = run->r.key,
	                         .event_id = event_id,
	                         .original_time = original_time,
	                         .created_us = now,
	                         .execution_us = exec_t,
	                         .severity = run->ov ? run->ov->severity : run->r.severity,
	                         .risk_score = run->ov ? (int64_t)run->ov->risk_score : run->r.risk_score,
	                         .reason = reason,
	                         .doc = doc,
	                         .events = events,
	                         .nevents = nevents,
	                         /* rule_name_override: the queue and listings name it as its document does */
	                         .rule_name = run->ov && run->ov->name_mapped ? run->ov->name : NULL};
	int created = 0;
	int rc = store_alert_add(run->s, &a, &created);
	if (created)
		run->t->created++;
	return rc;
}

int run_create_event_alert(struct run *run, const struct hit *const *hits, size_t nhits, const char *uuid,
                           int64_t exec_t, alert_extra extra, void *ctx)
{
	return run_create_shaped_alert(run, hits, nhits, uuid, exec_t, NULL, extra, ctx);
}

int run_create_shaped_alert(struct run *run, const struct hit *const *hits, size_t nhits, const char *uuid,
                            int64_t exec_t, alert_extra shape, alert_extra extra, void *ctx)
{
	const struct hit *h = hits[0];
	struct alert_event first = {NULL, {{0}, {0}}};
	strbuf_init(&first.source.identity, 64);
	strbuf_init(&first.source.index, 64);
	int read = store_event_get(run->s, h->event_id, 1, parse_event, &first);
	char *reason = NULL, *doc = NULL, *name = NULL;
	struct alert_overrides ov;
	if (!read && first.ev && shape)
		shape(first.ev, ctx); /* before the overrides: Kibana maps the enriched event */
	if (!read && first.ev) {
		int64_t now = run->o->now_us ? run->o->now_us : time_now_us();
		const struct rule *r = &run->r;
		overrides_compute(r->obj, r->severity, (double)r->risk_score, r->name, first.ev, &ov);
		ov.name = name = xstrdup(ov.name); /* the event's tree moves into the alert */
		run->ov = &ov;
		doc = build_alert(run, hits, nhits, first.ev, &first.source, uuid, now, &reason, extra, ctx);
	}
	int unbuilt = first.ev && !doc;
	cJSON_Delete(first.ev);
	strbuf_release(&first.source.identity);
	strbuf_release(&first.source.index);
	if (read || unbuilt || !doc) {
		run->ov = NULL;
		free(reason);
		free(name);
		return read || unbuilt ? -1 : 0; /* a store error, recorded on the store; or the event is
		                                  * gone, or not JSON: no alert */
	}
	int64_t *ids = xmalloc((nhits ? nhits : 1) * sizeof(*ids));
	for (size_t i = 0; i < nhits; i++)
		ids[i] = hits[i]->event_id;
	int rc = run_store_alert(run, uuid, h->event_id, h->ts, exec_t, reason, doc, ids, nhits);
	run->ov = NULL;
	free(ids);
	cJSON_free(doc);
	free(reason);
	free(name);
	return rc;
}

struct event_alert {
	const struct hit *const *hits;
	size_t n;
};

static int make_event_alert(struct run *run, void *ctx, const char *uuid, int64_t exec_t)
{
	const struct event_alert *e = ctx;
	return run_create_event_alert(run, e->hits, e->n, uuid, exec_t, NULL, NULL);
}

int run_alerts_in_order(struct run *run, const void *items, size_t n, size_t size, int64_t (*execution)(const void *),
                        alert_namer name, alert_maker make)
{
	int64_t current = INT64_MIN, created = 0;
	int full = 0, rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		const void *item = (const char *)items + i * size;
		int64_t T = execution(item);
		if (T != current)
			current = T, created = 0, full = 0;
		if (full)
			continue;
		char uuid[SHA256_HEX_LEN + 1];
		if (name(run, item, uuid))
			return -1;
		int r = run_alert_once(run, uuid, T, &created, make, (void *)item);
		rc = r < 0;
		full = r > 0;
	}
	return rc ? -1 : 0;
}

/* Creates the alert on hits (one event, or a sequence's) at execution T, once. */
static int alert_once(struct run *run, const struct hit *const *hits, size_t n, int64_t T, int64_t *created)
{
	char uuid[SHA256_HEX_LEN + 1];
	if (run_alert_uuid(run, hits, n, NULL, uuid))
		return -1;
	struct event_alert e = {hits, n};
	return run_alert_once(run, uuid, T, created, make_event_alert, &e);
}

int run_alert_once(struct run *run, const char *uuid, int64_t T, int64_t *created, alert_maker make, void *ctx)
{
	const struct rule *r = &run->r;
	if (seen_has(run, uuid))
		return 0; /* alerted by an earlier, overlapping execution of this run */
	int exists;
	if (store_alert_exists(run->s, uuid, &exists))
		return -1;
	if (exists) {
		seen_add(run, uuid);
		run->t->duplicates++;
		return 0;
	}
	if (*created == r->max_signals) {
		char when[TIME_ISO_LEN];
		time_format_iso8601(T, when);
		if (run->o->warn)
			diagf(run->o->warn,
			      "warning: rule \"%s\": the execution at %s reached the maximum alert limit "
			      "(max_signals %lld); some alerts were not created\n",
			      r->name, when, (long long)r->max_signals);
		run->t->capped++;
		return 1;
	}
	if (make(run, ctx, uuid, T))
		return -1;
	seen_add(run, uuid);
	(*created)++;
	return 0;
}

/* Replays the executions from run->replay_t up to (not including) limit over the matching
 * events (sorted by time), then forgets the hits they are done with. Each execution starts at
 * the first hit no earlier execution alerted on: those before it would only be found alerted
 * again, and looking at them made the replay cost executions x hits (interval 1s, from
 * now-1000000d: quadratic). Executions that see no new hit are skipped. */
static int replay(struct run *run, int64_t limit)
{
	const struct rule *r = &run->r;
	int64_t step = r->interval_us, first = run->first_t, T = run->replay_t;
	size_t lo = 0, next = 0; /* the window's first hit; the first hit not yet alerted on */
	while (T <= run->last_t && T < limit) {
		int64_t from = rule_window_from(r, T), to = rule_window_to(r, T);
		while (lo < run->nhits && run->hits[lo].time < from)
			lo++;
		if (next < lo)
			next = lo; /* left unalerted by a capped execution, now out of every window */
		if (next == run->nhits) {
			T = limit; /* nothing before limit sees a hit still to come */
			break;
		}
		if (run->hits[next].time > to) {
			/* nothing new in this window: jump to the first execution that sees the next hit */
			int64_t at = first_execution_seeing(r, first, step, run->hits[next].time);
			T = at > T ? at : T + step;
			continue;
		}
		if (run->suppress) { /* the window's new hits, grouped */
			size_t end = next;
			while (end < run->nhits && run->hits[end].time <= to)
				end++;
			if (suppression_execution(run, T, &run->hits[next], end - next))
				return -1;
			next = end;
			T += step;
			continue;
		}
		int64_t created = 0;
		for (size_t j = next; j < run->nhits && run->hits[j].time <= to; j++) {
			const struct hit *h = &run->hits[j];
			int rc = alert_once(run, &h, 1, T, &created);
			if (rc < 0)
				return -1;
			if (rc)
				break; /* the rest stay unseen: a later window may still alert on them, as in Kibana */
			next = j + 1;
		}
		T += step;
	}
	run->replay_t = T;
	run->t->matched += next;
	run_drop_hits(run, next);
	return 0;
}

/* ---- sequences ---- */

/* The order the store would give: the rule's time field, then @timestamp, then ingest order. */
int by_rule_time(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->event_id > y->event_id) - (x->event_id < y->event_id);
}

static int by_event_time(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->event_id > y->event_id) - (x->event_id < y->event_id); /* ties: ingest order */
}

static struct found_seq *add_sequence(struct run *run, size_t n)
{
	if (run->nseqs == run->seqs_alloc) {
		run->seqs_alloc = run->seqs_alloc ? run->seqs_alloc * 2 : 16;
		run->seqs = xrealloc(run->seqs, run->seqs_alloc * sizeof(*run->seqs));
	}
	struct found_seq *f = &run->seqs[run->nseqs++];
	f->hits = xmalloc(n * sizeof(*f->hits));
	f->n = n;
	f->exec_t = INT64_MIN;
	return f;
}

/* Each sequence alerts at the first execution whose window holds all its events; one that
 * no single window holds is not alerted on (Kibana's search would never see it whole). */
static void sequence_execution(const struct run *run, struct found_seq *f)
{
	const struct rule *r = &run->r;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (size_t j = 0; j < f->n; j++) {
		int64_t t = f->hits[j].time;
		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
	}
	int64_t T = run_first_execution_seeing(run, hi);
	f->exec_t = T <= run->last_t && lo >= rule_window_from(r, T) ? T : INT64_MIN;
}

/* A sequence of run->hits (ids are their indexes). */
static int on_sequence(void *ctx, const int64_t *ids, size_t n)
{
	struct run *run = ctx;
	struct found_seq *f = add_sequence(run, n);
	for (size_t i = 0; i < n; i++)
		f->hits[i] = run->hits[ids[i]];
	sequence_execution(run, f);
	return 0;
}

/* A sequence of stream slots (ids are the slots): copied out, its strings interned, since the
 * slots go when the matcher releases them. */
static int on_streamed_sequence(void *ctx, const int64_t *ids, size_t n)
{
	struct run *run = ctx;
	struct found_seq *f = add_sequence(run, n);
	for (size_t i = 0; i < n; i++) {
		f->hits[i] = run->stream->slots[ids[i]].h;
		f->hits[i].identity = run_intern(run, f->hits[i].identity);
		f->hits[i].keys = NULL; /* the event's keys were scratch */
		f->hits[i].nkeys = 0;
	}
	sequence_execution(run, f);
	return 0;
}

static void slot_retain(void *ctx, int64_t id)
{
	((struct seq_stream *)ctx)->slots[id].refs++;
}

static void slot_release(void *ctx, int64_t id)
{
	struct seq_stream *st = ctx;
	struct stream_slot *slot = &st->slots[id];
	if (--slot->refs)
		return;
	free((char *)slot->h.identity);
	slot->h.identity = NULL;
	st->free[st->nfree++] = (size_t)id;
}

static size_t slot_take(struct seq_stream *st)
{
	if (st->nfree)
		return st->free[--st->nfree];
	if (st->nslots == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 64;
		st->slots = xrealloc(st->slots, st->cap * sizeof(*st->slots));
		st->free = xrealloc(st->free, st->cap * sizeof(*st->free));
	}
	return st->nslots++;
}

static void stream_start(struct run *run)
{
	struct seq_stream *st = xcalloc(1, sizeof(*st));
	size_t n = sequence_slots(run);
	st->m = seq_new(eql_stage_count(run->eql), eql_maxspan_us(run->eql));
	struct seq_hooks hooks = {slot_retain, slot_release, st};
	seq_set_hooks(st->m, &hooks);
	st->keys = xcalloc(n, sizeof(*st->keys));
	st->key_at = xcalloc(n, sizeof(*st->key_at));
	strbuf_init(&st->key_text, 64);
	run->stream = st;
}

static void stream_free(struct seq_stream *st)
{
	if (!st)
		return;
	seq_free(st->m); /* releases what the pending sequences held */
	free(st->slots);
	free(st->free);
	free(st->keys);
	free(st->key_at);
	strbuf_release(&st->key_text);
	free(st);
}

/* Whether key is one of the EQL_KEY_SEP-separated keys in list. */
static int has_key(const char *list, const char *key, size_t len)
{
	for (const char *k = list; k;) {
		const char *end = strchr(k, EQL_KEY_SEP);
		size_t n = end ? (size_t)(end - k) : strlen(k);
		if (n == len && !memcmp(k, key, len))
			return 1;
		k = end ? end + 1 : NULL;
	}
	return 0;
}

/* An event whose join fields hold arrays has a key per value: it is fed once per distinct key,
 * each time with the stages that have that key (a sequence joins on any of its values). */
static void feed_hit(struct run *run, struct seq_matcher *m, const struct hit *h, int64_t id, seq_fn fn)
{
	int several = 0;
	for (size_t k = 0; k < h->nkeys && !several; k++)
		several = h->keys[k] && strchr(h->keys[k], EQL_KEY_SEP);
	if (!several) {
		struct seq_input in = {.id = id, .ts = h->ts, .keys = h->keys};
		seq_feed(m, &in, fn, run);
		return;
	}
	struct strpool fed;
	strpool_init(&fed);
	const char **keys = xcalloc(h->nkeys, sizeof(*keys));
	for (size_t k = 0; k < h->nkeys; k++)
		for (const char *key = h->keys[k]; key;) {
			const char *end = strchr(key, EQL_KEY_SEP);
			char *one = end ? xstrndup(key, (size_t)(end - key)) : xstrdup(key);
			key = end ? end + 1 : NULL;
			if (strpool_find(&fed, one)) {
				free(one);
				continue;
			}
			strpool_intern(&fed, one, NULL);
			for (size_t j = 0; j < h->nkeys; j++)
				keys[j] = h->keys[j] && has_key(h->keys[j], one, strlen(one)) ? one : NULL;
			struct seq_input in = {.id = id, .ts = h->ts, .keys = keys};
			seq_feed(m, &in, fn, run);
			free(one);
		}
	free(keys);
	strpool_release(&fed);
}

/* An event that passes a stage, fed as it arrives (@timestamp order): it takes a slot for as
 * long as a pending sequence holds it. */
static void stream_feed(struct run *run, const struct candidate_row *c, size_t stages)
{
	struct seq_stream *st = run->stream;
	size_t id = slot_take(st);
	struct stream_slot *slot = &st->slots[id];
	slot->refs = 0;
	slot->h = (struct hit){.event_id = c->id,
	                       .time = c->time,
	                       .ts = c->ev.r.ts,
	                       .identity = xstrdup(c->ev.r.identity),
	                       .index = c->ev.r.index ? run_intern(run, c->ev.r.index) : NULL,
	                       .stages = stages,
	                       .keys = st->keys,
	                       .nkeys = sequence_slots(run)};
	slot->refs++; /* held while it is fed */
	struct hit h = slot->h;
	feed_hit(run, st->m, &h, (int64_t)id, on_streamed_sequence);
	st->slots[id].h.keys = NULL; /* the scratch keys are the next event's */
	st->slots[id].h.nkeys = 0;
	slot_release(st, (int64_t)id);
}

/* The sequence's join key: one its first event has for its stage that every other event has
 * for its own (an array gives several), or NULL. */
static const char *sequence_key(const struct found_seq *f, size_t *len)
{
	const char *list = f->hits[0].keys[0];
	for (const char *k = list; k;) {
		const char *end = strchr(k, EQL_KEY_SEP);
		*len = end ? (size_t)(end - k) : strlen(k);
		int all = 1;
		for (size_t j = 1; j < f->n && all; j++) {
			const struct hit *h = &f->hits[j];
			all = j < h->nkeys && h->keys[j] && has_key(h->keys[j], k, *len);
		}
		if (all)
			return k;
		k = end ? end + 1 : NULL;
	}
	return NULL;
}

/* Whether an event of missing stage k with the sequence's key lies in (lo, hi), hits being in
 * @timestamp order: a binary search to lo, then a walk. */
static int missing_event_in(const struct run *run, size_t k, const char *key, size_t klen, int64_t lo, int64_t hi)
{
	size_t stage = eql_stage_count(run->eql) + 1 + k, a = 0, b = run->nhits;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (run->hits[mid].ts <= lo)
			a = mid + 1;
		else
			b = mid;
	}
	for (size_t i = a; i < run->nhits && run->hits[i].ts < hi; i++) {
		const struct hit *h = &run->hits[i];
		if (stage < h->nkeys && h->keys[stage] && has_key(h->keys[stage], key, klen))
			return 1;
	}
	return 0;
}

/* A sequence with a missing-event stage holds only when no such event, with its join key,
 * lies between the stages around it; one before the first stage or after the last looks as
 * far as maxspan reaches from the sequence's start (Elasticsearch 8.x). */
static void drop_missing_violations(struct run *run)
{
	int64_t maxspan = eql_maxspan_us(run->eql);
	size_t kept = 0;
	for (size_t i = 0; i < run->nseqs; i++) {
		struct found_seq *f = &run->seqs[i];
		size_t klen = 0;
		const char *key = sequence_key(f, &klen);
		int64_t first = f->hits[0].ts, last = f->hits[f->n - 1].ts;
		int broken = !key;
		for (size_t k = 0; k < eql_missing_count(run->eql) && !broken; k++) {
			size_t at = eql_missing_position(run->eql, k);
			int64_t lo = at == 0 ? (maxspan ? last - maxspan - 1 : INT64_MIN) : f->hits[at - 1].ts;
			int64_t hi = at >= f->n ? (maxspan ? first + maxspan + 1 : INT64_MAX) : f->hits[at].ts;
			broken = missing_event_in(run, k, key, klen, lo, hi);
		}
		if (broken)
			free(f->hits);
		else
			run->seqs[kept++] = *f;
	}
	run->nseqs = kept;
}

/* Feeds the kept stage events to the sequence matcher in @timestamp order (a sequence with
 * missing-event stages, which looks at the events around each match). */
static void match_sequences(struct run *run)
{
	if (run->nhits > 1)
		qsort(run->hits, run->nhits, sizeof(*run->hits), by_event_time);
	struct seq_matcher *m = seq_new(eql_stage_count(run->eql), eql_maxspan_us(run->eql));
	for (size_t i = 0; i < run->nhits; i++)
		feed_hit(run, m, &run->hits[i], (int64_t)i, on_sequence);
	seq_free(m);
	if (eql_missing_count(run->eql))
		drop_missing_violations(run);
}

/* A sample's events: each kept stage event offered to the sample matcher under each of its
 * keys (an array joins on each value), in ingest order as Elasticsearch reads its index. */
static void match_samples(struct run *run)
{
	size_t nfilters = eql_stage_count(run->eql);
	struct sample_matcher *m = sample_new(nfilters, 1); /* Kibana never sets max_samples_per_key */
	for (size_t i = 0; i < run->nhits; i++) {
		const struct hit *h = &run->hits[i];
		for (size_t f = 0; f < nfilters && f < h->nkeys; f++)
			for (const char *key = h->keys[f]; key;) {
				const char *end = strchr(key, EQL_KEY_SEP);
				char *one = end ? xstrndup(key, (size_t)(end - key)) : xstrdup(key);
				sample_add(m, f, one, (int64_t)i, h->event_id);
				free(one);
				key = end ? end + 1 : NULL;
			}
	}
	sample_finish(m, on_sequence, run);
	sample_free(m);
}

/* By execution, then by the first event's @timestamp and ingest order. */
static int by_execution(const void *a, const void *b)
{
	const struct found_seq *x = a, *y = b;
	if (x->exec_t != y->exec_t)
		return x->exec_t < y->exec_t ? -1 : 1;
	return by_event_time(&x->hits[0], &y->hits[0]);
}

/* Alerts on the sequences decided before execution limit, in execution order (max_signals
 * counts per execution, and an execution's sequences are decided together), and forgets them. */
static int replay_sequences(struct run *run, int64_t limit)
{
	size_t ready =
	    run_take_decided(run->seqs, run->nseqs, sizeof(*run->seqs), offsetof(struct found_seq, exec_t), limit);
	if (ready > 1)
		qsort(run->seqs, ready, sizeof(*run->seqs), by_execution);
	int64_t current = INT64_MIN, created = 0;
	int capped = 0, rc = 0;
	for (size_t i = 0; i < ready && rc >= 0; i++) {
		const struct found_seq *f = &run->seqs[i];
		if (f->exec_t == INT64_MIN)
			continue;
		if (f->exec_t != current) {
			current = f->exec_t;
			created = 0;
			capped = 0;
		}
		if (capped)
			continue;
		const struct hit **hits = xmalloc(f->n * sizeof(*hits));
		for (size_t j = 0; j < f->n; j++)
			hits[j] = &f->hits[j];
		rc = alert_once(run, hits, f->n, f->exec_t, &created);
		free(hits);
		capped = rc > 0;
	}
	for (size_t i = 0; i < ready; i++)
		free(run->seqs[i].hits);
	if (ready)
		memmove(run->seqs, run->seqs + ready, (run->nseqs - ready) * sizeof(*run->seqs));
	run->nseqs -= ready;
	run->t->matched += ready;
	return rc < 0 ? -1 : 0;
}

static void run_release(struct run *run)
{
	release_columns(run->columns, run->ncolumns);
	for (size_t i = 0; i < run->nstage_filters; i++) {
		release_columns(run->stage_filters[i].columns, run->stage_filters[i].ncolumns);
		needles_release(&run->stage_filters[i].needles);
	}
	free(run->stage_filters);
	if (run->type && run->type->release)
		run->type->release(run);
	for (size_t i = 0; i < run->nhits; i++)
		free(run->hits[i].keys); /* its strings are the run's */
	free(run->hits);
	for (size_t i = 0; i < run->nseqs; i++)
		free(run->seqs[i].hits);
	free(run->seqs);
	stream_free(run->stream);
	strbuf_release(&run->key);
	eql_free(run->eql);
	uuid_set_release(&run->seen);
	kql_free(run->kql);
	kql_free(run->filter);
	needles_release(&run->needles);
	exceptions_free(run->x);
	suppression_free(run->suppress);
	rule_release(&run->r);
}

/* The rule's Kibana filters as one KQL query (rule.c marked what cannot be read unsupported);
 * -1 with why in the run's warning when its KQL does not parse. */
static int compile_filters(struct run *run)
{
	char *text = NULL, why[200];
	if (filters_to_kql(cJSON_GetObjectItemCaseSensitive(run->r.obj, "filters"), &text, why, sizeof(why)) || !text)
		return 0;
	struct kql_error err;
	run->filter = kql_parse(text, &err);
	if (!run->filter && run->o->warn)
		diagf(run->o->warn, "rule \"%s\": its filters read as KQL do not parse at column %zu: %s\n",
		      run->r.name, err.column, err.msg);
	free(text);
	return run->filter ? 0 : -1;
}

/* Parses the rule's query in its language; on a syntax error says why and returns -1. */
static int compile_query(struct run *run)
{
	const struct rule *r = &run->r;
	struct kql_error err;
	if (run->type->compile) {
		char why[240];
		if (run->type->compile(run, why, sizeof(why)) == 0) {
			needles_finish(&run->needles); /* none: every event of the window is read */
			plan_columns(run);
			return 0;
		}
		if (run->o->warn)
			diagf(run->o->warn, "skipping rule \"%s\" (%s v%lld): %s\n", r->name, r->rule_id,
			      (long long)r->version, why);
		return -1;
	}
	int eql = !strcmp(run->type->language, "eql");
	if (eql ? (run->eql = eql_parse(r->query, &err)) != NULL : (run->kql = kql_parse(r->query, &err)) != NULL) {
		if (eql) /* Elasticsearch's event_category_field, as Kibana passes it */
			eql_set_category_field(run->eql, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			                                     r->obj, "event_category_override")));
		if (eql)
			eql_needles(run->eql, &run->needles);
		else
			kql_needles(run->kql, &run->needles);
		needles_finish(&run->needles);
		plan_columns(run);
		return 0;
	}
	struct strbuf msg;
	strbuf_init(&msg, 128);
	kql_error_format(r->query, &err, &msg);
	if (run->o->warn)
		diagf(run->o->warn, "skipping rule \"%s\" (%s v%lld): %s", r->name, r->rule_id, (long long)r->version,
		      msg.buf);
	strbuf_release(&msg);
	return -1;
}

static void plan_rule(const struct run *run, struct plan *plan)
{
	if (run->kql)
		plan_query(run->kql, plan);
	else if (run->eql)
		plan_eql(run->eql, plan);
}

/* The case's time span after an event id, computed once for the rules that share it: a full
 * scan of the events each time (155 rules on 1M events: half of a first detect). */
static int time_span(struct run *run, int use_ingested, int64_t after, int64_t *lo, int64_t *hi)
{
	struct span_memo *m = run->spans;
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].use_ingested == use_ingested && m->v[i].after == after) {
			*lo = m->v[i].lo, *hi = m->v[i].hi;
			return 0;
		}
	if (store_time_span(run->s, use_ingested, after, lo, hi))
		return -1;
	if (m->n < sizeof(m->v) / sizeof(m->v[0]))
		m->v[m->n++] = (struct span_entry){use_ingested, after, *lo, *hi};
	return 0;
}

/* Reads the rule and decides what to replay. Returns 1 when run->cq is ready for the
 * candidates, 0 when there is nothing to do (a skipped rule, nothing new), -1 on an error. */
static int prepare_rule(struct run *run, const struct rule_row *row)
{
	const struct detect_options *o = run->o;
	struct detect_totals *t = run->t;
	struct store *s = run->s;
	strbuf_init(&run->key, 64);
	char why[200];
	if (rule_from_row(row, &run->r, why, sizeof(why))) {
		if (o->warn)
			diagf(o->warn, "skipping rule %s: %s\n", row->rule_id, why);
		t->skipped++;
		return 0;
	}
	struct rule *r = &run->r;
	if (r->unsupported) {
		if (o->warn)
			diagf(o->warn, "skipping rule \"%s\" (%s v%lld): %s\n", r->name, r->rule_id,
			      (long long)r->version, r->unsupported);
		t->skipped++;
		return 0;
	}
	run->type = rule_type_find(r->type);
	if (!run->type || compile_query(run)) { /* rule.c marked an unknown type unsupported */
		t->skipped++;
		return 0;
	}
	if (compile_filters(run) || suppression_new(run, &run->suppress, why, sizeof(why))) {
		if (o->warn)
			diagf(o->warn, "skipping rule \"%s\" (%s v%lld): %s\n", r->name, r->rule_id,
			      (long long)r->version, why);
		t->skipped++;
		return 0;
	}
	if (!(run->x = exceptions_load(s, r, o->warn)))
		return -1;
	t->rules++;
	t->unapplied += r->unapplied != NULL;
	int use_ingested = r->timestamp_override && !strcmp(r->timestamp_override, "event.ingested");
	run->no_fallback =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->obj, "timestamp_override_fallback_disabled"));
	int64_t last = 0;
	run->max_id = store_max_event_id(s);
	if (!o->has_range && store_detection_state(s, r->key, &last))
		return -1;
	if (o->has_range) {
		run->first_t = align_up(o->from, r->interval_us);
		run->last_t = align_down(o->to, r->interval_us);
	} else {
		if (run->max_id <= last)
			return 0; /* nothing new since the last run */
		int64_t lo, hi;
		if (time_span(run, use_ingested, last, &lo, &hi))
			return -1;
		run->first_t = align_up(lo + r->to_offset_us, r->interval_us);
		run->last_t = align_up(hi + r->to_offset_max_us, r->interval_us);
	}
	if (run->first_t > run->last_t)
		return o->has_range ? 0 : store_set_detection_state(s, r->key, run->max_id) ? -1 : 0;
	t->executions += (uint64_t)((run->last_t - run->first_t) / r->interval_us + 1);
	run->replay_t = run->first_t;
	run->once_per_hit = run->type == &query_type || (run->eql && !eql_is_sequence(run->eql));
	plan_rule(run, &run->plan);
	/* unordered: sorting every row by time in SQL costs more than sorting the hits here */
	struct candidate_query cq = {.use_ingested = use_ingested,
	                             .has_window = 1,
	                             .any_order = 1,
	                             .from = run->first_t - r->lookback_us,
	                             .to = run->last_t - r->to_offset_us};
	run->cq = cq;
	plan_apply(&run->plan, &run->cq);
	if (run->eql && eql_is_sequence(run->eql) && !eql_is_sample(run->eql) && !eql_missing_count(run->eql) &&
	    !o->no_prefilter) {
		stream_start(run); /* matched as the events arrive, in @timestamp order */
		run->cq.by_event_time = 1;
	}
	if (run->type->prepare && run->type->prepare(run))
		return -1;
	return 1;
}

/* Reads the case in rowid order when the window holds most of it. */
static void choose_scan(struct store *s, struct candidate_query *cq)
{
	int64_t lo, hi;
	if (!cq->by_event_time && !cq->path_lo && !cq->path_hi && !cq->host &&
	    !store_time_bounds(s, cq->use_ingested, &lo, &hi))
		cq->prefer_scan = cq->to - cq->from >= (hi - lo) / 2;
}

/* The hits arrive in time order: the decided executions are replayed as the pass goes. */
static int query_flush(struct run *run, int64_t done)
{
	return replay(run, run_undecided(run, done));
}

static int query_finish(struct run *run)
{
	if (!run->streaming && run->nhits > 1)
		qsort(run->hits, run->nhits, sizeof(*run->hits), by_rule_time);
	if (replay(run, INT64_MAX) || suppression_finish(run))
		return -1;
	run->t->matched += run->nhits; /* left unalerted by capped executions */
	run_drop_hits(run, run->nhits);
	return 0;
}

static int eql_flush(struct run *run, int64_t done)
{
	if (!eql_is_sequence(run->eql))
		return query_flush(run, done);
	return run->stream ? replay_sequences(run, run_undecided(run, done)) : 0;
}

static int eql_finish(struct run *run)
{
	if (!eql_is_sequence(run->eql))
		return query_finish(run);
	if (eql_is_sample(run->eql))
		match_samples(run);
	else if (!run->stream)
		match_sequences(run);
	return replay_sequences(run, INT64_MAX);
}

/* The type replays the executions; the state records how far detect has read, in the same
 * transaction as the alerts. */
static int finish_rule(struct run *run)
{
	struct store *s = run->s;
	struct detect_totals before = *run->t;
	if (store_begin(s))
		return -1;
	int rc = run->type->finish(run);
	if (rc > 0) { /* the rule stopped at a bound (said on warn): its alerts are undone, its state
		       * kept, so it counts as skipped and the next detect tries it again */
		store_rollback(s);
		*run->t = before;
		run->t->rules--;
		run->t->unapplied -= run->r.unapplied != NULL;
		run->t->skipped++;
		return 0;
	}
	rc = rc || (!run->o->has_range && store_set_detection_state(s, run->r.key, run->max_id)) || store_commit(s);
	if (rc)
		store_rollback(s);
	if (run->gave_up > RUN_GAVE_UP_NAMED && run->o->warn)
		diagf(run->o->warn,
		      "warning: rule \"%s\": %zu events in all were not evaluated (the first %d named above): "
		      "a regular expression reached a limit\n",
		      run->r.name, run->gave_up, RUN_GAVE_UP_NAMED);
	return rc ? -1 : 0;
}

const struct rule_type query_type = {.name = "query",
                                     .language = "kuery",
                                     .category = "Custom Query Rule",
                                     .type_id = "siem.queryRule",
                                     .suppression = SUPPRESSES_EVENTS,
                                     .consider = query_consider,
                                     .finish = query_finish,
                                     .flush = query_flush};

const struct rule_type eql_type = {.name = "eql",
                                   .language = "eql",
                                   .category = "Event Correlation Rule",
                                   .type_id = "siem.eqlRule",
                                   .suppression = SUPPRESSES_EVENTS,
                                   .consider = eql_consider,
                                   .finish = eql_finish,
                                   .flush = eql_flush};

/* The rule types detect runs: one row each. */
static const struct rule_type *const rule_types[] = {&query_type, &eql_type,          &threshold_type, &new_terms_type,
                                                     &esql_type,  &threat_match_type, &ml_type};

const struct rule_type *rule_type_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof(rule_types) / sizeof(rule_types[0]); i++)
		if (!strcmp(rule_types[i]->name, name))
			return rule_types[i];
	return NULL;
}

/* The rules that scan their windows share one pass over the store: each document is read,
 * decompressed and parsed once, and offered to every rule whose window holds it. */
struct shared_scan {
	struct run **runs;
	size_t n;
	struct needle_index *needles; /* every run's needles: each document is searched once */
	/* which runs' index patterns each index name met so far passes: a case holds a few names,
	 * and matching every rule's patterns against every event's was 8% of the pass */
	struct index_verdicts {
		char *index; /* NULL: the events without one */
		/* the runs it passes, in order: a row is offered to those alone, so the runs whose
		 * patterns no index of the case matches (another platform's, a cloud service's)
		 * cost nothing per row */
		size_t *active, nactive;
	} verdicts[64];
	size_t nverdicts;
	const struct index_verdicts *row_verdicts; /* the current row's (NULL: every run asked) */
	const struct index_verdicts *cleared;      /* wanted is 0 outside this one's runs */
	unsigned char *wanted;                     /* the runs the current row's columns admit */
	/* the categories the runs require, each tested once a row: category i is bit i */
	const char *categories[64];
	size_t ncategories;
	uint64_t *category_mask;        /* per run: the categories it admits (0: any) */
	struct candidate_query *narrow; /* per run: its narrowing but the categories */
	unsigned char *narrowed;        /* per run: whether narrow holds anything */
	/* streaming: the read stops every flush_rows rows offered (0: never) so the runs can
	 * decide their executions; where it stopped */
	size_t flush_rows, offered;
	int stopped;
	int64_t last_ts, last_id;
};

/* Run i's categories as bits of the scan's table; 0 (any category) when the table is full. */
static uint64_t category_bits(struct shared_scan *g, const struct candidate_query *q)
{
	uint64_t mask = 0;
	for (size_t k = 0; k < q->ncategories; k++) {
		size_t j = 0;
		while (j < g->ncategories && strcmp(g->categories[j], q->categories[k]))
			j++;
		if (j == g->ncategories) {
			if (j == 64)
				return 0;
			g->categories[g->ncategories++] = q->categories[k];
		}
		mask |= (uint64_t)1 << j;
	}
	return mask;
}

static void plan_shared_narrowing(struct shared_scan *g)
{
	g->category_mask = xcalloc(g->n, sizeof(*g->category_mask));
	g->narrow = xcalloc(g->n, sizeof(*g->narrow));
	g->narrowed = xcalloc(g->n, 1);
	for (size_t i = 0; i < g->n; i++) {
		const struct candidate_query *q = &g->runs[i]->cq;
		g->category_mask[i] = category_bits(g, q);
		g->narrow[i] = *q;
		g->narrow[i].ncategories = 0;
		g->narrowed[i] = q->path_lo || q->path_hi || q->host || q->path_lower_prefix;
	}
}

/* The table's categories the row's column lists (all of them when it cannot vouch). */
static uint64_t row_categories(const struct shared_scan *g, const struct event_record *r)
{
	if (r->irregular || !r->category)
		return UINT64_MAX;
	uint64_t mask = 0;
	for (size_t j = 0; j < g->ncategories; j++) {
		struct candidate_query one = {.categories = {g->categories[j]}, .ncategories = 1};
		if (store_candidate_admits(&one, r))
			mask |= (uint64_t)1 << j;
	}
	return mask;
}

/* The runs' verdicts on the index name, worked out on its first event (NULL when more than
 * 64 names: each event is then matched on its own). */
static const struct index_verdicts *index_verdicts(struct shared_scan *g, const char *index)
{
	for (size_t i = 0; i < g->nverdicts; i++) {
		const char *known = g->verdicts[i].index;
		if (known == index || (known && index && !strcmp(known, index)))
			return &g->verdicts[i];
	}
	if (g->nverdicts == sizeof(g->verdicts) / sizeof(g->verdicts[0]))
		return NULL;
	struct index_verdicts *v = &g->verdicts[g->nverdicts++];
	v->index = index ? xstrdup(index) : NULL;
	v->active = xmalloc((g->n ? g->n : 1) * sizeof(*v->active));
	v->nactive = 0;
	for (size_t i = 0; i < g->n; i++)
		if (run_index_matches(g->runs[i], index))
			v->active[v->nactive++] = i;
	return v;
}

/* The event's time in the rule's time field: event.ingested (else @timestamp), or @timestamp. */
static int64_t rule_time(const struct run *run, const struct event_record *r)
{
	return run->cq.use_ingested && r->has_ingested ? r->ingested : r->ts;
}

/* Which runs want the row, by its columns alone: their windows, narrowing (path, host,
 * category: what SQL tests for a rule alone) and index patterns. A row no run wants is never
 * decompressed. */
static int shared_admit(void *ctx, const struct event_record *r)
{
	struct shared_scan *g = ctx;
	if (is_signal(r))
		return 0;
	const struct index_verdicts *v = index_verdicts(g, r->index);
	if (!v || v != g->cleared) { /* the runs this row is not offered to must read 0 */
		memset(g->wanted, 0, g->n);
		g->cleared = v;
	}
	g->row_verdicts = v;
	uint64_t categories = row_categories(g, r);
	int any = 0;
	size_t n = v ? v->nactive : g->n;
	for (size_t k = 0; k < n; k++) {
		size_t i = v ? v->active[k] : k;
		const struct run *run = g->runs[i];
		int64_t t = rule_time(run, r);
		int reference = run->o->no_prefilter; /* every candidate of the window evaluated */
		g->wanted[i] = t >= run->cq.from && t <= run->cq.to && has_time_field(run, r) &&
		               (v || run_index_matches(run, r->index)) &&
		               (reference || ((!g->category_mask[i] || (g->category_mask[i] & categories)) &&
		                              (!g->narrowed[i] || store_candidate_admits(&g->narrow[i], r))));
		any |= g->wanted[i];
	}
	return any;
}

static int on_shared_candidate(void *ctx, const struct candidate_row *c)
{
	struct shared_scan *g = ctx;
	cJSON *ev = NULL;
	int parsed = 0;
	needle_index_scan(g->needles, c->ev.doc, c->ev.doc_len);
	struct candidate_row mine = *c; /* with each rule's own time field */
	const struct index_verdicts *v = g->row_verdicts;
	size_t n = v ? v->nactive : g->n;
	for (size_t k = 0; k < n; k++) {
		size_t i = v ? v->active[k] : k;
		struct run *run = g->runs[i];
		if (!g->wanted[i] || !(run->o->no_prefilter ||
		                       (needle_index_admits(g->needles, i) && stages_admit(run, &c->ev.r, g->needles))))
			continue;
		mine.time = rule_time(run, &c->ev.r);
		consider_admitted(run, &mine, &ev, &parsed);
	}
	if (parsed)
		json_arena_reset(g->runs[0]->arena);
	g->last_ts = c->ev.r.ts;
	g->last_id = c->id;
	g->stopped = g->flush_rows && ++g->offered >= g->flush_rows;
	return g->stopped;
}

/* The streaming runs decide the executions every event before done has been offered to, in
 * one transaction: the read has stopped, so nothing holds an old snapshot of the case while
 * detect writes (another process may have written since). */
static int flush_streams(struct store *s, struct run **runs, size_t n, int64_t done)
{
	int rc = store_begin(s);
	for (size_t i = 0; i < n && !rc; i++)
		if (runs[i]->streaming)
			rc = runs[i]->type->flush(runs[i], done);
	rc = rc || store_commit(s);
	if (rc)
		store_rollback(s);
	return rc ? -1 : 0;
}

/* Whether the runs decide their executions as the pass goes (rule_type.flush): it then reads
 * in @timestamp order, and a run streams when that is its time field's order. The reference
 * mode (no_prefilter) keeps everything until the end. */
static int plan_streaming(struct run **runs, size_t n)
{
	int any = 0;
	for (size_t i = 0; i < n; i++) {
		struct run *run = runs[i];
		/* a rule that suppresses groups its hits at the end (a group may span the pass) */
		run->streaming = !run->o->no_prefilter && run->type->flush && !run->cq.use_ingested && !run->suppress;
		any |= run->streaming;
	}
	return any;
}

/* The union of the rules' candidate sets: their windows; their categories and their
 * lower-cased path prefix only when every rule has some (the same one for the prefix). */
static void shared_query(struct run **runs, size_t n, struct candidate_query *q)
{
	memset(q, 0, sizeof(*q));
	*q = runs[0]->cq;
	q->path_lo = q->path_hi = q->host = NULL; /* an index's narrowing serves one rule, not all */
	q->path_lower_prefix = runs[0]->cq.path_lower_prefix;
	for (size_t i = 1; i < n; i++) {
		const struct candidate_query *r = &runs[i]->cq;
		q->from = r->from < q->from ? r->from : q->from;
		q->to = r->to > q->to ? r->to : q->to;
		if (r->use_ingested != q->use_ingested) /* windows on two time fields: read everything */
			q->has_window = 0;
		q->by_event_time |= r->by_event_time;
		if (!q->path_lower_prefix || !r->path_lower_prefix ||
		    strcmp(q->path_lower_prefix, r->path_lower_prefix))
			q->path_lower_prefix = NULL;
		size_t merged = q->ncategories;
		for (size_t k = 0; k < r->ncategories && merged; k++) {
			size_t j = 0;
			while (j < merged && strcmp(q->categories[j], r->categories[k]))
				j++;
			if (j == merged)
				merged = merged < 4 ? (q->categories[merged] = r->categories[k], merged + 1) : 0;
		}
		q->ncategories = r->ncategories ? merged : 0;
	}
}

/* Whether a rule run alone takes the pass that decides executions as it goes: one that scans
 * the case would otherwise keep every match to the end; one an index serves (a path or host)
 * reads few rows, in no order, and keeps them. */
static int streams_alone(const struct run *run)
{
	const struct candidate_query *q = &run->cq;
	return !q->path_lo && !q->path_hi && !q->host && !run->o->no_prefilter && run->type->flush &&
	       !q->use_ingested && !run->suppress;
}

static int collect_shared(struct store *s, struct run **runs, size_t n)
{
	struct candidate_query q;
	shared_query(runs, n, &q);
	struct shared_scan g = {.runs = runs, .n = n, .needles = needle_index_new(), .wanted = xcalloc(n, 1)};
	if (plan_streaming(runs, n)) {
		q.by_event_time = 1;
		g.flush_rows = runs[0]->o->flush_rows ? runs[0]->o->flush_rows : 65536;
	}
	choose_scan(s, &q); /* an ordered read has chosen already: no query for the time bounds */
	q.admit = shared_admit;
	q.admit_ctx = &g;
	plan_shared_narrowing(&g);
	for (size_t i = 0; i < n; i++)
		needle_index_add(g.needles, &runs[i]->needles); /* set i is run i's */
	for (size_t i = 0; i < n; i++)                          /* then each sequence stage's */
		for (size_t k = 0; k < runs[i]->nstage_filters; k++)
			runs[i]->stage_filters[k].needle_set =
			    needle_index_add(g.needles, &runs[i]->stage_filters[k].needles);
	needle_index_build(g.needles);
	int rc;
	for (;;) {
		g.offered = 0;
		g.stopped = 0;
		rc = store_candidates_each(s, &q, on_shared_candidate, &g);
		if (rc || !g.stopped || (rc = flush_streams(s, runs, n, g.last_ts)))
			break;
		q.resume = 1; /* on after the last row read */
		q.resume_ts = g.last_ts;
		q.resume_id = g.last_id;
	}
	needle_index_free(g.needles);
	for (size_t i = 0; i < g.nverdicts; i++) {
		free(g.verdicts[i].index);
		free(g.verdicts[i].active);
	}
	free(g.wanted);
	free(g.category_mask);
	free(g.narrow);
	free(g.narrowed);
	return rc;
}

struct rule_list {
	struct rule_rows l;
	const char *only;
	int64_t version;
	size_t found; /* rows with the asked rule_id (and version) */
};

static int collect_rule(void *ctx, const struct rule_row *r)
{
	struct rule_list *l = ctx;
	int wanted = r->enabled;
	if (l->only) {
		int same = !strcmp(r->rule_id, l->only) && (!l->version || r->version == l->version);
		l->found += same;
		wanted = same && (l->version || r->enabled);
	}
	if (wanted)
		rule_rows_add(&l->l, r);
	return 0;
}

struct type_list {
	char **names;
	enum field_type *types;
	size_t n;
};

static int take_type(void *ctx, const char *field, const char *type)
{
	struct type_list *l = ctx;
	l->names = xrealloc(l->names, (l->n + 1) * sizeof(*l->names));
	l->types = xrealloc(l->types, (l->n + 1) * sizeof(*l->types));
	l->names[l->n] = xstrdup(field);
	l->types[l->n++] = field_type_named(type);
	return 0;
}

int detect_load_field_types(struct store *s)
{
	struct type_list l = {0};
	int rc = store_field_types_each(s, take_type, &l);
	if (!rc)
		field_types_set(l.names, l.types, l.n);
	for (size_t i = 0; i < l.n; i++)
		free(l.names[i]);
	free(l.names);
	free(l.types);
	return rc;
}

void *run_cache_get(const struct run *run, const char *key)
{
	for (size_t i = 0; run->cache && i < run->cache->n; i++)
		if (!strcmp(run->cache->v[i].key, key))
			return run->cache->v[i].value;
	return NULL;
}

void run_cache_put(struct run *run, const char *key, void *value, void (*release)(void *value))
{
	struct run_cache *c = run->cache;
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n++] = (struct run_cache_entry){xstrdup(key), value, release};
}

static void run_cache_release(struct run_cache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		c->v[i].release(c->v[i].value);
		free(c->v[i].key);
	}
	free(c->v);
}

int detect_run(struct store *s, const struct detect_options *o, struct detect_totals *t)
{
	if (detect_load_field_types(s))
		return CB_ERROR;
	struct rule_list l = {.only = o->rule_id, .version = o->version};
	memset(t, 0, sizeof(*t));
	if (store_rules_each(s, collect_rule, &l))
		return -1;
	struct run *runs = xcalloc(l.l.n ? l.l.n : 1, sizeof(*runs));
	struct run **scanners = xcalloc(l.l.n ? l.l.n : 1, sizeof(*scanners));
	int *ready = xcalloc(l.l.n ? l.l.n : 1, sizeof(*ready));
	size_t nscan = 0;
	int rc = 0;
	struct strpool strings; /* the hits' identities and keys, once for every rule */
	strpool_init(&strings);
	struct json_arena *arena = json_arena_new(); /* the candidate's tree, shared by every rule */
	struct span_memo spans = {0};
	struct run_cache cache = {0};
	for (size_t i = 0; i < l.l.n && !rc; i++) {
		runs[i] = (struct run){
		    .s = s, .o = o, .t = t, .strings = &strings, .arena = arena, .spans = &spans, .cache = &cache};
		int p = prepare_rule(&runs[i], &l.l.rows[i]);
		rc = p < 0;
		ready[i] = p > 0;
	}
	/* one rule alone reads its own candidates (an index may serve it); several share one pass,
	 * as does one rule that scans */
	for (size_t i = 0; i < l.l.n && !rc; i++)
		if (ready[i])
			scanners[nscan++] = &runs[i];
	if (nscan == 1 && !streams_alone(scanners[0])) {
		choose_scan(s, &scanners[0]->cq);
		rc = store_candidates_each(s, &scanners[0]->cq, on_candidate, scanners[0]);
		nscan = 0;
	}
	if (!rc && nscan)
		rc = collect_shared(s, scanners, nscan);
	for (size_t i = 0; i < l.l.n && !rc; i++)
		if (ready[i])
			rc = finish_rule(&runs[i]);
	for (size_t i = 0; i < l.l.n; i++) {
		plan_release(&runs[i].plan);
		run_release(&runs[i]);
	}
	strpool_release(&strings);
	run_cache_release(&cache);
	json_arena_free(arena);
	free(runs);
	free(scanners);
	free(ready);
	rc = rc ? CB_ERROR : CB_OK;
	size_t found = l.found;
	rule_rows_release(&l.l);
	if (!rc && o->rule_id && found == 0)
		return CB_NOT_FOUND;
	return rc;
}

int detect_json_matches_len(const struct kql_node *q, const char *json, size_t len)
{
	cJSON *doc = cJSON_ParseWithLength(json, len);
	int hit = doc && kql_match(q, doc);
	cJSON_Delete(doc);
	return hit;
}

int detect_json_matches(const struct kql_node *q, const char *json)
{
	cJSON *doc = cJSON_Parse(json);
	int hit = doc && kql_match(q, doc);
	cJSON_Delete(doc);
	return hit;
}

struct alert_kql {
	const struct kql_node *q;
	alert_match_fn fn;
	void *ctx;
};

static int on_alert_kql(void *ctx, const struct alert_row *a)
{
	struct alert_kql *k = ctx;
	return k->fn(k->ctx, a, detect_json_matches(k->q, a->doc));
}

int detect_alerts_kql(struct store *s, const struct kql_node *q, alert_match_fn fn, void *ctx)
{
	if (detect_load_field_types(s))
		return -1;
	struct alert_kql k = {.q = q, .fn = fn, .ctx = ctx};
	struct alert_query all = {0};
	return store_alerts_each(s, &all, on_alert_kql, &k);
}

/* ---- events --query ---- */

struct search {
	const struct kql_node *q;
	long limit, found;
	event_fn fn;
	void *ctx;
};

static int on_search_candidate(void *ctx, const struct candidate_row *c)
{
	struct search *se = ctx;
	cJSON *ev = detect_event_json(&c->ev);
	int hit = ev && kql_match(se->q, ev);
	cJSON_Delete(ev);
	if (!hit)
		return 0;
	se->found++;
	if (se->fn(se->ctx, &c->ev))
		return 1;
	return se->limit > 0 && se->found >= se->limit;
}

/* The search, from the start or after a row (resume) in (@timestamp, id) order. */
static int search_from(struct store *s, const struct kql_node *q, const struct search_resume *after, long limit,
                       event_fn fn, void *ctx)
{
	if (detect_load_field_types(s))
		return -1;
	struct plan plan;
	plan_query(q, &plan);
	struct candidate_query cq = {0};
	plan_apply(&plan, &cq);
	if (after) { /* the same order as the plain search's, read on from a row: keyset paging */
		cq.by_event_time = 1;
		cq.resume = 1;
		cq.resume_ts = after->ts;
		cq.resume_id = after->id;
	}
	struct search se = {.q = q, .limit = limit, .fn = fn, .ctx = ctx};
	int rc = store_candidates_each(s, &cq, on_search_candidate, &se);
	plan_release(&plan);
	return rc;
}

int detect_search(struct store *s, const struct kql_node *q, long limit, event_fn fn, void *ctx)
{
	return search_from(s, q, NULL, limit, fn, ctx);
}

int detect_search_after(struct store *s, const struct kql_node *q, const struct search_resume *after, long limit,
                        event_fn fn, void *ctx)
{
	return search_from(s, q, after, limit, fn, ctx);
}
