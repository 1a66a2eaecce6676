/* case: one alert's triage record, read once from the store, for every view of it: the
 * exports (Markdown, JSON, TheHive, Timesketch) and `casebook show` read this record, so a field
 * is added in one place. Strings are copies (UTF-8 as stored: untrusted, sanitize on output). */
#ifndef CASEBOOK_CASE_H
#define CASEBOOK_CASE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct case_item {
	char *kind, *text, *state, *note, *by;
	int position, from_default;
	int64_t at_us;
};

struct case_note {
	char *text, *by;
	int64_t at_us;
};

struct case_audit {
	int64_t id, at_us;
	char *analyst, *action, *target, *before, *after, *hash;
};

struct case_event {
	int64_t id, ts;
	char *host, *category, *action, *process, *target, *user, *executable, *file_path, *identity;
	int64_t pid;
	int has_pid;
	char *doc;
};

/* One alert's record. */
struct case_record {
	int64_t id, event_id, original_time, created_us, risk;
	char *uuid, *rule_id, *rule_name, *severity, *status, *reason, *closed_reason, *comment, *host, *doc;
	int64_t rule_version;
	struct case_item *items;
	size_t nitems;
	struct case_note *notes;
	size_t nnotes;
	struct case_audit *audit;
	size_t naudit;
	struct case_event *timeline;
	size_t ntimeline;
	char *event_doc;  /* the source event, as stored */
	int64_t *members; /* the alert's events: one, or a sequence's every event */
	size_t nmembers;
	char *rule_notes; /* casebook's notes on the rule (Markdown), or NULL */
};

struct case_options {
	int timeline;                /* read the timeline (and its documents) */
	int64_t before_us, after_us; /* its window around the alert's event */
};

/* Reads the alert (a full uuid or a unique prefix) and its record. Returns 0, or -1 when the
 * store failed (store_errmsg) or there is no such alert (r->uuid NULL); release it either way. */
int case_load(struct store *s, const char *uuid, const struct case_options *o, struct case_record *r);
void case_release(struct case_record *r);
/* Whether the event is one the alert stands on (its own, or a sequence's member). */
int case_is_member(const struct case_record *r, int64_t event_id);

#endif
