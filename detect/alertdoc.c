/* alertdoc: the alert documents detection writes, as Kibana's rule executors write them: the
 * uuid, the reason sentence, the event's fields moved in, the ancestors and kibana.alert.rule.*;
 * and storing them. Every rule type makes its alerts through these. */

#include "detect/detect.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/digest.h"
#include "common/jsonarena.h"
#include "common/jsonexact.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "detect/alertpipe.h"
#include "detect/eventjson.h"
#include "detect/exceptions.h"
#include "detect/field.h"
#include "detect/rule.h"
#include "detect/run.h"
#include "store/alerts.h"

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
	if ((*identity = hit_docs_identity(run->docs, h->event_id, index)) != NULL)
		return 0;
	if (run->src->ops->event_identity(run->src, h->event_id, &buf->identity, &buf->index))
		return -1;
	*identity = buf->identity.buf;
	*index = buf->index.buf;
	return 0;
}

int run_alert_uuid(const struct run *run, const struct hit *const *hits, size_t n, const char *salt,
                   char out[SHA256_HEX_LEN + 1])
{
	const struct rule *r = &run->rule;
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

/* What every alert of the run ends with, its space and the rule's fields, printed once (they
 * were a fifth of building an alert): the members' text, without the braces. The rule's name
 * is the override's when the alert has one, so the text is kept for the name it was made for. */
static const char *rule_tail(struct run *run)
{
	const char *name = run->ov ? run->ov->name : NULL;
	struct alert_tail *t = &run->tail;
	if (t->text && t->overridden == (name != NULL) && (!name || !strcmp(t->name, name)))
		return t->text;
	alert_tail_release(t);
	cJSON *obj = cJSON_CreateObject();
	cJSON *spaces = cJSON_AddArrayToObject(obj, "kibana.space_ids");
	cJSON_AddItemToArray(spaces, cJSON_CreateString("default"));
	run_add_rule_fields(obj, run);
	char *text = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	size_t len = text ? strlen(text) : 0;
	if (len < 2) {
		cJSON_free(text);
		return NULL;
	}
	t->len = len - 2;
	t->text = xmalloc(t->len + 1);
	memcpy(t->text, text + 1, t->len);
	t->text[t->len] = '\0';
	cJSON_free(text);
	t->overridden = name != NULL;
	t->name = name ? xstrdup(name) : NULL;
	return t->text;
}

void alert_tail_release(struct alert_tail *t)
{
	free(t->text);
	free(t->name);
	*t = (struct alert_tail){0};
}

/* An unformatted object's text is its members' texts joined by commas in braces, so the
 * document printed and the tail appended are the bytes of the whole printed at once. */
char *run_alert_text(cJSON *doc, struct run *run)
{
	const char *tail = rule_tail(run);
	char *head = tail ? cJSON_PrintUnformatted(doc) : NULL;
	size_t hlen = head ? strlen(head) : 0;
	if (hlen < 2 || head[hlen - 1] != '}') {
		cJSON_free(head);
		cJSON *spaces = cJSON_AddArrayToObject(doc, "kibana.space_ids");
		cJSON_AddItemToArray(spaces, cJSON_CreateString("default"));
		run_add_rule_fields(doc, run);
		char *text = cJSON_PrintUnformatted(doc);
		cJSON_Delete(doc);
		return text;
	}
	cJSON_Delete(doc);
	size_t tlen = run->tail.len, keep = hlen - 1; /* without the closing brace */
	int comma = hlen > 2;                         /* "{}": no member before the tail's */
	char *text = cJSON_malloc(keep + (size_t)comma + tlen + 2);
	if (!text) {
		cJSON_free(head);
		return NULL;
	}
	memcpy(text, head, keep);
	if (comma)
		text[keep] = ',';
	memcpy(text + keep + (size_t)comma, tail, tlen);
	text[keep + (size_t)comma + tlen] = '}';
	text[keep + (size_t)comma + tlen + 1] = '\0';
	cJSON_free(head);
	return text;
}

/* Copies the rule's fields into kibana.alert.rule.* as Kibana's alerts carry them. */
void run_add_rule_fields(cJSON *doc, const struct run *run)
{
	const struct rule *r = &run->rule;
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
	const struct rule *r = &run->rule;
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

/* The alert document on nhits events, the first at ts; ev is the first one's tree (its fields
 * move into the alert), identity and index each event's, for the ancestors. */
static char *build_alert(struct run *run, size_t nhits, cJSON *ev, const char *const *identity,
                         const char *const *index, int64_t ts, const char *uuid, int64_t now, char **reason,
                         alert_extra extra, void *extra_ctx)
{
	const struct rule *r = &run->rule;
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
	run_add_iso(doc, "kibana.alert.original_time", ts);
	cJSON_AddStringToObject(doc, "kibana.alert.uuid", uuid);
	cJSON *anc = cJSON_AddArrayToObject(doc, "kibana.alert.ancestors");
	for (size_t i = 0; i < nhits; i++) {
		cJSON *a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "id", identity[i]);
		cJSON_AddStringToObject(a, "index", index[i]);
		cJSON_AddNumberToObject(a, "depth", 0);
		cJSON_AddStringToObject(a, "type", "event");
		cJSON_AddItemToArray(anc, a);
	}
	if (nhits > 1 || run->alerts_grouped)
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

char *run_value_text(const cJSON *v)
{
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	char *t = cJSON_PrintUnformatted(v);
	char *copy = xstrdup(t ? t : "");
	cJSON_free(t);
	return copy;
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

/* Events read ahead in one read: a query's text stays short. At most PREFETCH_MAX of a call's
 * are read ahead, so that their documents fit the kept documents' budget (the others are read
 * one by one, as before). */
#define PREFETCH_BATCH 256
#define PREFETCH_MAX   4096

static int keep_prefetched(void *ctx, const struct event_row *row)
{
	hit_docs_keep(ctx, row->id, row, 1); /* about to be made */
	return 0;
}

int run_prefetch_events(struct run *run, const int64_t *ids, size_t n)
{
	int (*events_get)(struct event_source *, const int64_t *, size_t, event_fn, void *) = run->src->ops->events_get;
	if (!events_get || !run->docs)
		return 0;
	int64_t batch[PREFETCH_BATCH];
	size_t nbatch = 0;
	const char *index;
	if (n > PREFETCH_MAX)
		n = PREFETCH_MAX;
	for (size_t i = 0; i < n; i++) {
		if (!hit_docs_identity(run->docs, ids[i], &index))
			batch[nbatch++] = ids[i];
		if (nbatch == PREFETCH_BATCH || (i + 1 == n && nbatch)) {
			if (events_get(run->src, batch, nbatch, keep_prefetched, run->docs))
				return -1;
			nbatch = 0;
		}
	}
	return 0;
}

struct keeping_call {
	struct run *run;
	int64_t case_id;
	int rc;
};

static int keep_kept_row(void *ctx, const struct event_row *row)
{
	struct keeping_call *k = ctx;
	k->rc = k->run->opts->keep(k->run->opts->keep_ctx, row->id, row, &k->case_id);
	return 1;
}

/* Copies the source's event id into the case: from the document the pass kept when it is
 * there (a point read of a remote source costs a query), else read again by the keeper. */
static int keep_event(struct run *run, int64_t id, int64_t *case_id)
{
	struct keeping_call k = {run, 0, 0};
	if (!hit_docs_get(run->docs, id, keep_kept_row, &k))
		return run->opts->keep(run->opts->keep_ctx, id, NULL, case_id);
	*case_id = k.case_id;
	return k.rc;
}

/* The alert's record, stored or queued: its document doc, or the one job makes on the writing
 * thread (then its severity, risk score and rule name are the job's to set too). */
static int store_alert(struct run *run, const char *uuid, int64_t event_id, int64_t original_time, int64_t exec_t,
                       const char *reason, const char *doc, const int64_t *events, size_t nevents, int64_t now,
                       const struct alert_job_ops *job_ops, void *job, size_t job_bytes)
{
	int64_t *kept = NULL;
	if (run->opts->keep) { /* the source's events are not the case's: the alert stands on copies */
		kept = xmalloc((nevents ? nevents : 1) * sizeof(*kept));
		for (size_t i = 0; i < nevents; i++)
			if (keep_event(run, events[i], &kept[i])) {
				free(kept);
				return -1;
			}
		if (nevents && events[0] == event_id)
			event_id = kept[0];
		else if (keep_event(run, event_id, &event_id)) {
			free(kept);
			return -1;
		}
		events = nevents ? kept : NULL;
	}
	/* the stored documents' hashes the pass took, for the anchor (a case's own events only) */
	const char **stored = NULL;
	if (!run->opts->keep && run->docs) {
		size_t n = events ? nevents : 1; /* as the store counts them */
		stored = xmalloc((n ? n : 1) * sizeof(*stored));
		for (size_t i = 0; i < n; i++)
			stored[i] = hit_docs_stored_sha256(run->docs, events ? events[i] : event_id);
	}
	struct alert_record a = {.uuid = uuid,
	                         .rule_key = run->rule.key,
	                         .event_id = event_id,
	                         .original_time = original_time,
	                         .created_us = now,
	                         .execution_us = exec_t,
	                         .severity = run->ov ? run->ov->severity : run->rule.severity,
	                         .risk_score = run->ov ? (int64_t)run->ov->risk_score : run->rule.risk_score,
	                         .reason = reason,
	                         .doc = doc,
	                         .events = events,
	                         .nevents = nevents,
	                         .stored_sha256 = stored,
	                         /* rule_name_override: the queue and listings name it as its document does */
	                         .rule_name = run->ov && run->ov->name_mapped ? run->ov->name : NULL};
	int created = 0, rc;
	if (job) /* the writer counts what it creates */
		rc = alert_pipe_add_job(run->pipe, &a, job_ops, job, job_bytes);
	else
		rc = run->pipe ? alert_pipe_add(run->pipe, &a) : store_alert_add(run->store, &a, &created);
	free(kept);
	free(stored);
	if (created)
		run->totals->created++;
	return rc;
}

int run_store_alert(struct run *run, const char *uuid, int64_t event_id, int64_t original_time, int64_t exec_t,
                    const char *reason, const char *doc, const int64_t *events, size_t nevents)
{
	int64_t now = run->opts->now_us ? run->opts->now_us : time_now_us();
	return store_alert(run, uuid, event_id, original_time, exec_t, reason, doc, events, nevents, now, NULL, NULL,
	                   0);
}

/* What the threads that make alerts' documents read of a run: the rule (whose fields, tree and
 * type do not change once the run is prepared, and live until the writer is closed) as a run of
 * its own for each maker (the writer, and the pass's thread while it waits for the writer:
 * alert_job_ops.make), so that the tail printed once and the overrides set per alert are
 * that maker's. */
struct alert_writing {
	struct run run[ALERT_MAKERS];
};

void run_writing_release(struct run *run)
{
	if (!run->writing)
		return;
	for (int m = 0; m < ALERT_MAKERS; m++)
		alert_tail_release(&run->writing->run[m].tail);
	free(run->writing);
	run->writing = NULL;
}

/* An alert on events whose document the writer builds: the first event's document and the
 * events' identities and indexes copied from the pass (its kept documents change as it goes). */
struct alert_job {
	struct alert_writing *writing;
	int64_t ts, now;
	const char *uuid;
	size_t nhits;
	const char **identity, **index; /* each event's, in data */
	const char *doc, *derived, *os_type;
	size_t doc_len;
	char *reason, *name; /* made on the writer */
	size_t bytes;
	_Alignas(sizeof(char *)) char data[];
};

/* run_create_shaped_alert's making of the document, on the writing thread or by the pass's
 * thread while it waits for it (maker). */
static int make_job(void *arg, struct json_arena *arena, int maker, struct alert_record *a)
{
	struct alert_job *j = arg;
	struct run *run = &j->writing->run[maker];
	struct event_row row = {.doc = j->doc, .doc_len = j->doc_len};
	row.r.derived = j->derived;
	row.r.os_type = j->os_type;
	struct json_arena *previous = json_arena_begin(arena);
	cJSON *ev = detect_event_json(&row);
	char *doc = NULL;
	struct alert_overrides ov;
	if (ev) {
		json_keep_number_text(ev, j->doc, j->doc_len);
		const struct rule *r = &run->rule;
		overrides_compute(r->obj, r->severity, (double)r->risk_score, r->name, ev, &ov);
		ov.name = j->name = xstrdup(ov.name); /* the event's tree moves into the alert */
		run->ov = &ov;
		doc = build_alert(run, j->nhits, ev, j->identity, j->index, j->ts, j->uuid, j->now, &j->reason, NULL,
		                  NULL);
		run->ov = NULL;
	}
	json_arena_end(previous);
	if (!doc)
		return 0; /* the event is not JSON: no alert */
	a->doc = doc;
	a->reason = j->reason;
	a->severity = ov.severity;
	a->risk_score = (int64_t)ov.risk_score;
	a->rule_name = ov.name_mapped ? ov.name : NULL;
	return 1;
}

/* What the job made; the job itself is the pipe's memory (alert_pipe_alloc). */
static void drop_job(void *arg)
{
	struct alert_job *j = arg;
	free(j->reason);
	free(j->name);
}

static const struct alert_job_ops job_ops = {make_job, drop_job};

/* The job being filled while its first event's row is at hand. */
struct job_fill {
	struct run *run;
	const struct hit *const *hits;
	size_t nhits;
	const char *uuid;
	int64_t now;
	struct alert_job *job;
};

static const char *job_copy(char **at, const char *s)
{
	size_t n = strlen(s) + 1;
	memcpy(*at, s, n);
	const char *copy = *at;
	*at += n;
	return copy;
}

/* hit_source without reading the source: 1 when the hit's identity and index are at hand. */
static int kept_source(const struct run *run, const struct hit *h, const char **identity, const char **index)
{
	if (h->identity) {
		*identity = h->identity;
		*index = h->index ? h->index : "";
		return 1;
	}
	return (*identity = hit_docs_identity(run->docs, h->event_id, index)) != NULL;
}

static int fill_job(void *ctx, const struct event_row *row)
{
	struct job_fill *f = ctx;
	size_t n = f->nhits;
	const char *first_index = row->r.index ? row->r.index : "";
	size_t bytes = sizeof(struct alert_job) + 2 * n * sizeof(char *) + row->doc_len + 1 + strlen(f->uuid) + 1;
	bytes += strlen(row->r.identity) + strlen(first_index) + 2;
	bytes += (row->r.derived ? strlen(row->r.derived) + 1 : 0) + (row->r.os_type ? strlen(row->r.os_type) + 1 : 0);
	const char *identity, *index;
	for (size_t i = 1; i < n; i++) { /* kept: queue_event_alert checked */
		kept_source(f->run, f->hits[i], &identity, &index);
		bytes += strlen(identity) + strlen(index) + 2;
	}
	struct alert_job *j = alert_pipe_alloc(f->run->pipe, bytes);
	*j = (struct alert_job){.writing = f->run->writing,
	                        .ts = f->hits[0]->ts,
	                        .now = f->now,
	                        .nhits = n,
	                        .doc_len = row->doc_len,
	                        .bytes = bytes};
	char *at = j->data; /* the pointers first: data is aligned for them */
	j->identity = (const char **)(void *)at;
	at += n * sizeof(char *);
	j->index = (const char **)(void *)at;
	at += n * sizeof(char *);
	memcpy(at, row->doc, row->doc_len);
	at[row->doc_len] = '\0';
	j->doc = at;
	at += row->doc_len + 1;
	j->uuid = job_copy(&at, f->uuid);
	j->derived = row->r.derived ? job_copy(&at, row->r.derived) : NULL;
	j->os_type = row->r.os_type ? job_copy(&at, row->r.os_type) : NULL;
	j->identity[0] = job_copy(&at, row->r.identity);
	j->index[0] = job_copy(&at, first_index);
	for (size_t i = 1; i < n; i++) {
		kept_source(f->run, f->hits[i], &identity, &index);
		j->identity[i] = job_copy(&at, identity);
		j->index[i] = job_copy(&at, index);
	}
	f->job = j;
	return 1;
}

/* The alert on hits queued for the writer, its document to be built there: 1 when it cannot be
 * (another event than the first would be read from the source: that read's failure is this
 * thread's to report), else 0, or -1 on a read error (store_errmsg). */
static int queue_event_alert(struct run *run, const struct hit *const *hits, size_t nhits, const char *uuid,
                             int64_t exec_t)
{
	const char *identity, *index;
	for (size_t i = 1; i < nhits; i++)
		if (!kept_source(run, hits[i], &identity, &index))
			return 1;
	const struct hit *h = hits[0];
	struct job_fill f = {run, hits, nhits, uuid, 0, NULL};
	f.now = run->opts->now_us ? run->opts->now_us : time_now_us();
	if (!run->writing) {
		run->writing = xcalloc(1, sizeof(*run->writing));
		for (int m = 0; m < ALERT_MAKERS; m++)
			run->writing->run[m] =
			    (struct run){.rule = run->rule, .type = run->type, .alerts_grouped = run->alerts_grouped};
	}
	/* from the documents the pass kept, else from the source */
	if (!hit_docs_get(run->docs, h->event_id, fill_job, &f) &&
	    run->src->ops->event_get(run->src, h->event_id, 1, fill_job, &f)) {
		if (f.job)
			drop_job(f.job);
		return -1;
	}
	if (!f.job)
		return 0; /* the event is gone: no alert */
	int64_t *ids = xmalloc((nhits ? nhits : 1) * sizeof(*ids));
	for (size_t i = 0; i < nhits; i++)
		ids[i] = hits[i]->event_id;
	int64_t now = run->opts->now_us ? run->opts->now_us : time_now_us();
	int rc = store_alert(run, uuid, h->event_id, h->ts, exec_t, NULL, NULL, ids, nhits, now, &job_ops, f.job,
	                     f.job->bytes);
	free(ids);
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
	/* a writing thread builds the document when nothing of the type's (shape, extra) is asked */
	int queued = run->pipe && !shape && !extra && nhits ? queue_event_alert(run, hits, nhits, uuid, exec_t) : 1;
	if (queued <= 0)
		return queued;
	const struct hit *h = hits[0];
	struct alert_event first = {NULL, {{0}, {0}}};
	strbuf_init(&first.source.identity, 64);
	strbuf_init(&first.source.index, 64);
	/* the event's tree, the document and its text are the arena's until the alert is stored */
	struct json_arena *previous = run->alert_arena ? json_arena_begin(run->alert_arena) : NULL;
	int read = 0; /* from the documents the pass kept, else from the source */
	if (!hit_docs_get(run->docs, h->event_id, parse_event, &first))
		read = run->src->ops->event_get(run->src, h->event_id, 1, parse_event, &first);
	char *reason = NULL, *doc = NULL, *name = NULL;
	struct alert_overrides ov;
	if (!read && first.ev && shape)
		shape(first.ev, ctx); /* before the overrides: Kibana maps the enriched event */
	if (!read && first.ev) {
		int64_t now = run->opts->now_us ? run->opts->now_us : time_now_us();
		const struct rule *r = &run->rule;
		overrides_compute(r->obj, r->severity, (double)r->risk_score, r->name, first.ev, &ov);
		ov.name = name = xstrdup(ov.name); /* the event's tree moves into the alert */
		run->ov = &ov;
		/* the other events' identities and indexes, for the ancestors */
		const char **identity = xmalloc(2 * (nhits ? nhits : 1) * sizeof(*identity)),
		           **index = identity + nhits;
		struct hit_source *bufs = xcalloc(nhits ? nhits : 1, sizeof(*bufs));
		int failed = 0;
		identity[0] = first.source.identity.buf;
		index[0] = first.source.index.buf;
		for (size_t i = 1; i < nhits && !failed; i++) {
			strbuf_init(&bufs[i].identity, 0);
			strbuf_init(&bufs[i].index, 0);
			failed = hit_source(run, hits[i], &bufs[i], &identity[i], &index[i]) != 0;
		}
		if (!failed)
			doc = build_alert(run, nhits, first.ev, identity, index, h->ts, uuid, now, &reason, extra, ctx);
		for (size_t i = 1; i < nhits; i++) {
			strbuf_release(&bufs[i].identity);
			strbuf_release(&bufs[i].index);
		}
		free(bufs);
		free(identity);
	}
	int unbuilt = first.ev && !doc;
	cJSON_Delete(first.ev);
	if (run->alert_arena)
		json_arena_end(previous);
	strbuf_release(&first.source.identity);
	strbuf_release(&first.source.index);
	int rc = read || unbuilt ? -1 : 0; /* a store error, recorded on the store; or the event is
	                                    * gone, or not JSON: no alert */
	if (doc && !rc) {
		int64_t *ids = xmalloc((nhits ? nhits : 1) * sizeof(*ids));
		for (size_t i = 0; i < nhits; i++)
			ids[i] = hits[i]->event_id;
		rc = run_store_alert(run, uuid, h->event_id, h->ts, exec_t, reason, doc, ids, nhits);
		free(ids);
	}
	run->ov = NULL;
	if (run->alert_arena)
		json_arena_reset(run->alert_arena);
	else
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

/* Creates the alert on hits (one event, or a sequence's) at execution T, once. */
int run_alert_on_events(struct run *run, const struct hit *const *hits, size_t n, int64_t T, int64_t *created)
{
	char uuid[SHA256_HEX_LEN + 1];
	if (run_alert_uuid(run, hits, n, NULL, uuid))
		return -1;
	struct event_alert e = {hits, n};
	return run_alert_once(run, uuid, T, created, make_event_alert, &e);
}
