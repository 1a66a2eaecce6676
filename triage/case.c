#include "triage/case.h"

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/detect.h"
#include "store/alerts.h"
#include "store/events.h"
#include "store/rules.h"
#include "store/triage.h"
#include "triage/evidence.h"
#include "triage/record.h"

int case_is_member(const struct case_record *r, int64_t event_id)
{
	for (size_t i = 0; i < r->nmembers; i++)
		if (r->members[i] == event_id)
			return 1;
	return event_id == r->event_id;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int take_alert(void *ctx, const struct alert_row *a)
{
	struct case_record *r = ctx;
	r->id = a->id;
	r->event_id = a->event_id;
	r->original_time = a->original_time;
	r->created_us = a->created_us;
	r->risk = a->risk_score;
	r->uuid = xstrdup(a->uuid);
	r->rule_id = xstrdup(a->rule_id);
	r->rule_name = xstrdup(a->rule_name);
	r->rule_version = a->rule_version;
	r->severity = xstrdup(a->severity);
	r->status = xstrdup(a->status);
	r->reason = xstrdup(a->reason);
	r->closed_reason = dup_or_null(a->reason_closed);
	r->comment = dup_or_null(a->comment);
	r->acknowledged_as = dup_or_null(a->acknowledged_as);
	r->host = dup_or_null(a->host_name ? a->host_name : a->host_id);
	r->doc = xstrdup(a->doc);
	return 0; /* one row: its uuid, its id */
}

static int take_item(void *ctx, const struct triage_item *it)
{
	struct case_record *r = ctx;
	r->items = xrealloc(r->items, (r->nitems + 1) * sizeof(*r->items));
	r->items[r->nitems++] = (struct case_item){.kind = xstrdup(it->kind),
	                                           .text = xstrdup(it->text),
	                                           .state = xstrdup(it->state),
	                                           .note = dup_or_null(it->note),
	                                           .by = dup_or_null(it->by),
	                                           .position = it->position,
	                                           .from_default = it->from_default,
	                                           .at_us = it->at_us};
	return 0;
}

static int take_note(void *ctx, const struct note_row *n)
{
	struct case_record *r = ctx;
	r->notes = xrealloc(r->notes, (r->nnotes + 1) * sizeof(*r->notes));
	r->notes[r->nnotes++] = (struct case_note){.text = xstrdup(n->text), .by = xstrdup(n->by), .at_us = n->at_us};
	return 0;
}

static int take_audit(void *ctx, const struct audit_row *a)
{
	struct case_record *r = ctx;
	r->audit = xrealloc(r->audit, (r->naudit + 1) * sizeof(*r->audit));
	r->audit[r->naudit++] = (struct case_audit){.id = a->id,
	                                            .at_us = a->at_us,
	                                            .analyst = xstrdup(a->analyst),
	                                            .action = xstrdup(a->action),
	                                            .target = dup_or_null(a->target),
	                                            .before = dup_or_null(a->before),
	                                            .after = dup_or_null(a->after),
	                                            .hash = xstrdup(a->hash)};
	return 0;
}

static void read_evidence(struct case_event *ce, const char *doc, size_t len)
{
	struct evidence e = {0};
	if (evidence_read(doc, len, &e))
		return;
	struct strbuf line;
	strbuf_init(&line, 128);
	evidence_line(&e, &line);
	ce->evidence = strbuf_detach(&line, NULL);
	ce->command_line = e.v[EV_COMMAND_LINE] ? xstrdup(e.v[EV_COMMAND_LINE]) : NULL;
	ce->parent = e.v[EV_PARENT]        ? xstrdup(e.v[EV_PARENT])
	             : e.v[EV_PARENT_NAME] ? xstrdup(e.v[EV_PARENT_NAME])
	                                   : NULL;
	ce->destination = evidence_destination(&e);
	ce->sha256 = e.v[EV_FILE_SHA256]      ? xstrdup(e.v[EV_FILE_SHA256])
	             : e.v[EV_PROCESS_SHA256] ? xstrdup(e.v[EV_PROCESS_SHA256])
	                                      : NULL;
	evidence_release(&e);
}

/* The timeline's loader: the record, whether it keeps documents, and its KQL filter. */
struct event_taker {
	struct case_record *r;
	int docs;
	const struct kql_node *kql;
};

/* Room for one more timeline row. Doubling keeps a window of n events at O(n) copying in all;
 * growing by one row at a time copied the whole array for every event, O(n^2). */
static struct case_event *timeline_next(struct case_record *r)
{
	if (r->ntimeline == r->timeline_alloc) {
		/* no overflow: the array so far fit in memory (under PTRDIFF_MAX bytes), twice it fits size_t */
		size_t alloc = r->timeline_alloc ? r->timeline_alloc * 2 : 64;
		r->timeline = xrealloc(r->timeline, alloc * sizeof(*r->timeline));
		r->timeline_alloc = alloc;
	}
	return &r->timeline[r->ntimeline++];
}

static int take_event(void *ctx, const struct event_row *row)
{
	struct event_taker *t = ctx;
	struct case_record *r = t->r;
	const struct event_record *e = &row->r;
	if (t->kql && row->doc && row->id != r->event_id && !detect_json_matches_len(t->kql, row->doc, row->doc_len))
		return 0; /* filtered out (the alert's own event always stays) */
	struct case_event *ce = timeline_next(r);
	*ce = (struct case_event){.id = row->id,
	                          .ts = e->ts,
	                          .host = dup_or_null(e->host_name ? e->host_name : e->host_id),
	                          .category = dup_or_null(e->category),
	                          .action = dup_or_null(e->action),
	                          .process = dup_or_null(e->process_name),
	                          .user = dup_or_null(e->user_name),
	                          .executable = dup_or_null(e->executable),
	                          .file_path = dup_or_null(e->file_path),
	                          .target = dup_or_null(e->file_path ? e->file_path : e->executable),
	                          .identity = xstrdup(e->identity),
	                          .entity = dup_or_null(e->entity_id),
	                          .pid = e->pid,
	                          .has_pid = e->has_pid,
	                          .doc = t->docs && row->doc ? xstrndup(row->doc, row->doc_len) : NULL};
	if (row->doc)
		read_evidence(ce, row->doc, row->doc_len);
	if (row->id == r->event_id && !r->event_doc && row->doc)
		r->event_doc = xstrndup(row->doc, row->doc_len);
	return 0;
}

static void add_related(struct case_related **list, size_t *n, const struct alert_row *a)
{
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = (struct case_related){.uuid = xstrdup(a->uuid),
	                                        .rule = xstrdup(a->rule_name),
	                                        .severity = xstrdup(a->severity),
	                                        .status = xstrdup(a->status),
	                                        .ts = a->original_time};
}

static int take_related(void *ctx, const struct alert_row *a)
{
	struct case_record *r = ctx;
	add_related(&r->related, &r->nrelated, a);
	return 0;
}

static int take_block(void *ctx, const struct alert_row *a)
{
	struct case_record *r = ctx;
	add_related(&r->blocks, &r->nblocks, a);
	return 0;
}

static int read_blocks(struct store *s, struct case_record *r)
{
	struct alert_query q = {.group_parent = r->id, .no_doc = 1};
	return store_alerts_each(s, &q, take_block, r);
}

static int take_source(void *ctx, const struct event_row *row)
{
	struct case_record *r = ctx;
	if (!r->event_doc)
		r->event_doc = xstrndup(row->doc, row->doc_len);
	return 0; /* one row: its uuid, its id */
}

static void free_triage(struct case_record *r)
{
	for (size_t i = 0; i < r->nitems; i++) {
		struct case_item *it = &r->items[i];
		free(it->kind), free(it->text), free(it->state), free(it->note), free(it->by);
	}
	free(r->items);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i].text), free(r->notes[i].by);
	free(r->notes);
	for (size_t i = 0; i < r->naudit; i++) {
		struct case_audit *a = &r->audit[i];
		free(a->analyst), free(a->action), free(a->target), free(a->before), free(a->after), free(a->hash);
	}
	free(r->audit);
	r->items = NULL, r->notes = NULL, r->audit = NULL;
	r->nitems = r->nnotes = r->naudit = 0;
}

static void free_timeline(struct case_record *r)
{
	for (size_t i = 0; i < r->ntimeline; i++) {
		struct case_event *e = &r->timeline[i];
		free(e->host), free(e->category), free(e->action), free(e->process), free(e->user), free(e->executable);
		free(e->file_path), free(e->target), free(e->identity), free(e->entity), free(e->doc);
		free(e->evidence), free(e->command_line), free(e->parent), free(e->destination), free(e->sha256);
	}
	free(r->timeline);
	r->timeline = NULL;
	r->ntimeline = r->timeline_alloc = 0;
}

static void free_related_list(struct case_related **list, size_t *n)
{
	for (size_t i = 0; i < *n; i++) {
		free((*list)[i].uuid), free((*list)[i].rule), free((*list)[i].severity);
		free((*list)[i].status);
	}
	free(*list);
	*list = NULL;
	*n = 0;
}

static void free_related(struct case_record *r)
{
	free_related_list(&r->related, &r->nrelated);
}

void case_release(struct case_record *r)
{
	free(r->uuid), free(r->rule_id), free(r->rule_name), free(r->severity), free(r->status), free(r->reason);
	free(r->closed_reason), free(r->comment), free(r->host), free(r->doc), free(r->event_doc);
	free(r->acknowledged_as);
	free(r->members), free(r->rule_notes), free(r->guide), free(r->failed_why);
	free_triage(r);
	free_timeline(r);
	free_related(r);
	free_related_list(&r->blocks, &r->nblocks);
	memset(r, 0, sizeof(*r));
}

static int by_event_time(const void *a, const void *b)
{
	const struct case_event *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* A sequence's events that the window does not reach (--window 0s, or a long maxspan) are
 * part of the evidence: the timeline gets them too, in time order. */
static int add_missing_members(struct store *s, struct case_record *r, const struct case_options *o)
{
	size_t before = r->ntimeline;
	for (size_t m = 0; m < r->nmembers; m++) {
		int present = 0;
		for (size_t i = 0; i < r->ntimeline && !present; i++)
			present = r->timeline[i].id == r->members[m];
		struct event_taker t = {r, !o->no_docs, NULL};
		if (!present && store_event_get(s, r->members[m], !o->no_docs || o->evidence, take_event, &t))
			return -1;
	}
	if (r->ntimeline != before)
		qsort(r->timeline, r->ntimeline, sizeof(*r->timeline), by_event_time);
	return 0;
}

/* A part's read: on failure the part is named, and unless o->partial the load stops. */
static int part(struct store *s, struct case_record *r, int rc, const char *what, int *failed)
{
	if (rc && !r->failed) {
		r->failed = what;
		free(r->failed_why);
		r->failed_why = xstrdup(store_errmsg(s));
	}
	if (rc)
		*failed = 1;
	return rc;
}

static int read_timeline(struct store *s, struct case_record *r, const struct case_options *o)
{
	struct event_taker t = {r, !o->no_docs, o->kql};
	int read_docs = !o->no_docs || o->evidence || o->kql, rc;
	if (o->file_path) {
		struct event_query q = {.file_path = o->file_path, .want_doc = read_docs};
		rc = store_events_each(s, &q, take_event, &t);
	} else {
		rc = store_timeline_each(s, r->event_id, o->before_us, o->after_us, read_docs, take_event, &t);
	}
	if (rc || o->window_only || o->file_path)
		return rc;
	return add_missing_members(s, r, o);
}

int case_reload_timeline(struct store *s, struct case_record *r, const struct case_options *o)
{
	free_timeline(r);
	return read_timeline(s, r, o);
}

int case_reload_related(struct store *s, struct case_record *r, const struct case_options *o)
{
	free_related(r);
	struct alert_query q = {.related_to = r->id, .window_us = o->related_us, .no_doc = 1};
	return store_alerts_each(s, &q, take_related, r);
}

static int take_status(void *ctx, const struct alert_row *a)
{
	struct case_record *r = ctx;
	free(r->status), free(r->closed_reason), free(r->comment);
	r->status = xstrdup(a->status);
	r->closed_reason = dup_or_null(a->reason_closed);
	r->comment = dup_or_null(a->comment);
	return 0; /* one row: its uuid, its id */
}

static int read_triage(struct store *s, struct case_record *r, int partial)
{
	int failed = 0;
	if (part(s, r, triage_items_each(s, r->id, take_item, r), "the checklist", &failed) && !partial)
		return -1;
	if (part(s, r, store_notes_each(s, r->id, take_note, r), "the notes", &failed) && !partial)
		return -1;
	if (part(s, r, store_audit_each_for_alert(s, r->uuid, r->rule_id, take_audit, r), "the audit trail", &failed) &&
	    !partial)
		return -1;
	return failed ? -1 : 0;
}

int case_reload_triage(struct store *s, struct case_record *r)
{
	free_triage(r);
	r->failed = NULL;
	free(r->failed_why);
	r->failed_why = NULL;
	struct alert_query q = {.uuid = r->uuid, .no_doc = 1};
	int failed = 0;
	part(s, r, store_alerts_each(s, &q, take_status, r), "the alert", &failed);
	return read_triage(s, r, 1) || failed ? -1 : 0;
}

int case_load(struct store *s, const char *uuid, const struct case_options *o, struct case_record *r)
{
	memset(r, 0, sizeof(*r));
	struct alert_query q = {.uuid = uuid};
	int failed = 0, partial = o->partial;
	if (part(s, r, store_alerts_each(s, &q, take_alert, r), "the alert", &failed) || !r->uuid)
		return -1;
	if (read_triage(s, r, partial) && !partial)
		return -1;
	if (part(s, r, store_alert_events(s, r->id, &r->members, &r->nmembers), "the alert's events", &failed) &&
	    !partial)
		return -1;
	if (o->timeline && part(s, r, read_timeline(s, r, o), "the timeline", &failed) && !partial)
		return -1;
	if (!r->event_doc &&
	    part(s, r, store_event_get(s, r->event_id, 1, take_source, r), "the alert's event", &failed) && !partial)
		return -1;
	if (part(s, r, store_rule_notes_get(s, r->rule_id, &r->rule_notes), "casebook's notes on the rule", &failed) &&
	    !partial)
		return -1;
	if (o->overview && part(s, r, store_alert_rule_note(s, r->id, &r->guide), "the guide", &failed) && !partial)
		return -1;
	if (o->overview &&
	    part(s, r, store_alert_context(s, r->id, &r->same_host, &r->hosts_same_path), "the prevalence", &failed) &&
	    !partial)
		return -1;
	if ((o->overview || o->blocks) && part(s, r, read_blocks(s, r), "the building blocks", &failed) && !partial)
		return -1;
	if (o->related && part(s, r, case_reload_related(s, r, o), "the related alerts", &failed) && !partial)
		return -1;
	return failed || r->failed ? -1 : 0;
}
