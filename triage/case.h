/* case: one alert's triage record, read once from the store, for every view of it: the
 * console's alert view, the exports (Markdown, JSON, TheHive, Timesketch) and `casebook show`
 * read this record, so a field is added in one place. Strings are copies (UTF-8 as stored:
 * untrusted, sanitize on output). */
#ifndef CASEBOOK_CASE_H
#define CASEBOOK_CASE_H

#include <stddef.h>
#include <stdint.h>

#include "detect/kql.h"
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
	char *host, *category, *action, *process, *target, *user, *executable, *file_path, *identity, *entity;
	/* read from the document (NULL when it was not read): the line an analyst needs
	 * (triage/evidence.h), and what exports carry beside it */
	char *evidence, *command_line, *parent, *destination, *sha256;
	int64_t pid;
	int has_pid;
	char *doc; /* NULL when the options left documents out */
};

/* Another rule's alert on the same host near this one. */
struct case_related {
	char *uuid, *rule, *severity, *status;
	int64_t ts;
};

/* One alert's record. */
struct case_record {
	int64_t id, event_id, original_time, created_us, risk;
	char *uuid, *rule_id, *rule_name, *severity, *status, *reason, *closed_reason, *comment, *host, *doc;
	/* how Kibana spells acknowledged for this alert (an imported 7.x "in-progress"), else NULL */
	char *acknowledged_as;
	int64_t rule_version;
	struct case_item *items;
	size_t nitems;
	struct case_note *notes;
	size_t nnotes;
	struct case_audit *audit;
	size_t naudit;
	struct case_event *timeline;
	size_t ntimeline;
	size_t timeline_alloc; /* rows allocated: the array doubles, so a long window loads in linear time */
	char *event_doc;       /* the source event, as stored */
	int64_t *members;      /* the alert's events: one, or a sequence's every event */
	size_t nmembers;
	char *rule_notes;                   /* casebook's notes on the rule (Markdown), or NULL */
	char *guide;                        /* the rule's investigation guide (Markdown, its `note`), or NULL */
	int64_t same_host, hosts_same_path; /* prevalence: other alerts on the host; hosts alerting on the path */
	struct case_related *related;       /* with case_options.related */
	size_t nrelated;
	struct case_related *blocks; /* with case_options.overview or .blocks: the building blocks under this
	                              * sequence alert Kibana raised, in their order */
	size_t nblocks;
	const char *failed; /* the part that could not be read ("the notes"), or NULL */
	char *failed_why;   /* the store's message for it */
};

struct case_options {
	int timeline;                /* read the timeline */
	int64_t before_us, after_us; /* its window around the alert's event */
	int no_docs;                 /* leave the timeline's documents out (a view reads one when asked) */
	int evidence;                /* with no_docs: read them all the same for each event's evidence */
	int window_only;             /* no sequence members from outside the window */
	const char *file_path;       /* instead of the window: every event on this file.path, any host */
	const struct kql_node *kql;  /* only the timeline's events this KQL query matches (documents read) */
	int overview;                /* read the guide, the prevalence (two counts over the alerts), the blocks */
	int blocks;                  /* read the building blocks under a sequence alert (as overview does) */
	int related;                 /* read other rules' alerts on the host within related_us */
	int64_t related_us;
	int partial; /* on a failed read, go on with the other parts (a view shows what it can) */
};

/* Reads the alert (exactly this uuid, never a prefix) and its record. Returns 0, or -1 when the
 * store failed (store_errmsg; r->failed names the part) or there is no such alert (r->uuid
 * NULL); release it either way. With o->partial the other parts are read all the same. */
int case_load(struct store *s, const char *uuid, const struct case_options *o, struct case_record *r);
/* After a triage action: the status, checklist, responses, notes and audit again. 0 or -1. */
int case_reload_triage(struct store *s, struct case_record *r);
/* The timeline again, for a new window or file (o's timeline fields). 0 or -1. */
int case_reload_timeline(struct store *s, struct case_record *r, const struct case_options *o);
/* The related alerts again, within o->related_us. 0 or -1. */
int case_reload_related(struct store *s, struct case_record *r, const struct case_options *o);
void case_release(struct case_record *r);
/* Whether the event is one the alert stands on (its own, or a sequence's member). */
int case_is_member(const struct case_record *r, int64_t event_id);

#endif
