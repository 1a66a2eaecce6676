/* Alerts, what detection has looked at, and the event queries detection and the timeline
 * need. */
#ifndef CASEBOOK_ALERTS_STORE_H
#define CASEBOOK_ALERTS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/strbuf.h"

#include "store/events.h"
#include "store/store.h"

/* The uuids of alerts imported from Kibana's alert documents start with this, so that they
 * live apart from the alerts detect raises (whose uuids are SHA-256 hex): an imported alert
 * can never take, pre-empt or be mistaken for one of casebook's (triage/kibana.h). */
#define ALERT_IMPORTED_PREFIX "kibana:"

struct alert_record {
	const char *uuid;
	int64_t rule_key, event_id;
	int64_t original_time, created_us, execution_us;
	const char *severity;
	int64_t risk_score;
	const char *reason;
	const char *doc; /* the alert document (JSON) */
	/* store_alert_doc_sha256 of doc, when the caller computed it ahead (a thread with time to
	 * spare); NULL: the store does */
	const char *doc_sha256;
	const int64_t *events; /* every event it stands on, in order (NULL: event_id alone) */
	size_t nevents;
	/* for each of those events (event_id alone: one), the SHA-256 in hex of its document as
	 * the case stores it (casebook_sha256(docs.doc)) when the caller read it there; NULL, or a
	 * NULL entry: the anchor reads it */
	const char *const *stored_sha256;
	const char *origin; /* who made it, in its audit anchor: NULL for "detect", "kibana import" */
	/* doc is an imported document: its kibana.alert.workflow_* fields are Kibana's claims, so
	 * they are removed and its workflow_status set to the new alert's (open) */
	int imported;
	/* NULL / has_group_index 0: none. The name the alert carries when it is its own (an imported
	 * alert's, or a rule_name_override's); imported alerts only: how Kibana spelled
	 * acknowledged, and kibana.alert.group.id and .index */
	const char *rule_name, *acknowledged_as, *group_id;
	int64_t group_index;
	int has_group_index;
};

/* Stores an alert unless its uuid is stored already; *created says which. A new alert's
 * content is anchored in the audit chain in the same transaction (store_audit_anchor_alert).
 * An imported document SQLite does not read as JSON is not stored (*created 0). */
int store_alert_add(struct store *s, const struct alert_record *a, int *created);
/* The SHA-256 (hex) a new alert's anchor takes of its document doc: the document without its
 * workflow fields. 0, or -1 when only the SQL can say (the store then computes it). */
int store_alert_doc_sha256(const char *doc, char hex[SHA256_HEX_LEN + 1]);
int store_alert_exists(struct store *s, const char *uuid, int *exists);
/* The id of the alert with exactly this uuid (never a prefix); *id 0 when there is none. */
int store_alert_id(struct store *s, const char *uuid, int64_t *id);

struct alert_row {
	int64_t id;
	const char *reason_closed, *comment; /* workflow_reason and comment when closed */
	const char *uuid;
	const char *rule_id, *rule_name;
	int64_t rule_version;
	int64_t event_id;
	int64_t original_time, created_us;
	const char *severity;
	int64_t risk_score;
	const char *status;
	const char *host_name, *host_id, *file_path, *process_name, *user_name;
	const char *reason;
	const char *doc;
	int building_block;          /* its rule has building_block_type: Kibana's alerts table hides it */
	const char *acknowledged_as; /* how Kibana spelled acknowledged for it (NULL: as casebook) */
	int64_t group_parent;        /* > 0: a building block shown under this sequence alert */
};

struct alert_query {
	const char *status;      /* NULL for every status */
	const char *rule_id;     /* NULL for every rule */
	const char *uuid_prefix; /* NULL for all; else uuids starting with it (what an analyst typed) */
	const char *uuid;        /* NULL for all; else exactly this uuid */
	int64_t id;              /* > 0: exactly this alert */
	int no_doc;              /* leave alert_row.doc NULL (lists that do not need it) */
	int64_t related_to;      /* > 0: alerts of other rules on this alert's host ... */
	int64_t window_us;       /* ... whose event time is within window_us of its */
	int64_t near_event;      /* > 0: alerts on this event's host whose event time is within window_us
	                            of its (every rule) */
	int64_t group_parent;    /* > 0: the building blocks under this sequence alert, in their order */
	int top_level;           /* leave out building blocks shown under their sequence alert */
};

typedef int (*alert_fn)(void *ctx, const struct alert_row *a);
/* Alerts by event time, then uuid. */
int store_alerts_each(struct store *s, const struct alert_query *q, alert_fn fn, void *ctx);

/* What the console's queue shows of an alert. */
struct queue_alert {
	int64_t id, event_id, original_time, risk_score;
	const char *uuid, *status, *severity, *rule_name;
	const char *host;     /* host.name, else host.id ("" when neither) */
	const char *target;   /* file.path, else process.name (NULL when neither) */
	int building_block;   /* its rule has building_block_type, or it is a sequence's part */
	int64_t group_parent; /* > 0: a building block grouped under this sequence alert */
};
typedef int (*queue_alert_fn)(void *ctx, const struct queue_alert *a);
/* Every alert by event time, then uuid, as store_alerts_each orders them, read from one
 * covering index; a building block grouped under its sequence alert is not one of them (it is
 * reached through alert_query.group_parent). fn returning non-zero stops it (store.h). */
int store_queue_each(struct store *s, queue_alert_fn fn, void *ctx);
/* The same, with each sequence alert's building blocks (kibana.alert.group.id) right after it,
 * in their order (kibana.alert.group.index), as Kibana groups them: the console's queue nests
 * them under their sequence alert. */
int store_queue_tree_each(struct store *s, queue_alert_fn fn, void *ctx);

/* The events an alert stands on, in order (*ids malloc'd): a sequence's every event. */
int store_alert_events(struct store *s, int64_t alert_id, int64_t **ids, size_t *n);

/* The rule's investigation guide (kibana.alert.rule.note) on an alert; *note is malloc'd, NULL
 * when the rule has none. */
int store_alert_rule_note(struct store *s, int64_t alert_id, char **note);

/* For the console's overview: other alerts on the alert's host, and how many hosts have an
 * alert for the same file path. */
int store_alert_context(struct store *s, int64_t alert_id, int64_t *same_host, int64_t *hosts_same_path);
/* Changes whenever another connection commits (PRAGMA data_version). */
int64_t store_data_version(struct store *s);

/* --- detection state --- */
int store_detection_state(struct store *s, int64_t rule_key, int64_t *last_event_id);
int store_set_detection_state(struct store *s, int64_t rule_key, int64_t last_event_id);
int64_t store_max_event_id(struct store *s);
/* Calls fn once for each distinct index name (events.idx) the case's events have, NULL for
 * events without one, in no set order; fn returning non-zero stops. 0, fn's status, or -1. */
int store_event_index_names(struct store *s, int (*fn)(void *ctx, const char *idx), void *ctx);

/* --- candidate events for a rule --- */
/* A prefilter on one of the columns detection prunes with: the column holds one of values
 * (ASCII case aside when caseless), when the event's names_exact says the columns hold their
 * fields' only values (detect/scan.c). */
struct column_filter {
	int column; /* 0 process.name, 1 event.action, 2 user.name, 3 process.executable */
	char **values;
	size_t n;
	int caseless;
};

/* What one rule's candidates (or one stage's of a sequence) hold in their columns, as the
 * shared pass tests it before it parses a document: candidate_query.alts. */
struct candidate_alt {
	const char *const *categories; /* event.category lists one of these (none: any) */
	size_t ncategories;
	const char *category; /* and this one (NULL: any) */
	const struct column_filter *columns;
	size_t ncolumns;
};

struct candidate_query {
	int64_t after_id; /* only events with a larger id (0: all) */
	int use_ingested; /* time is event.ingested, falling back to @timestamp */
	int64_t from, to; /* inclusive window on that time */
	int has_window;
	const char *path_lo, *path_hi; /* file_path >= lo AND file_path < hi (NULL: no bound) */
	const char *host;              /* host.name or host.id equals (NULL: any) */
	const char *path_lower_prefix; /* lower(file_path) starts with it (NULL: no bound) */
	const char *categories[4];     /* event.category holds one of these (none: any) */
	size_t ncategories;
	int any_order;     /* the caller sorts what it keeps: skip sorting every row by time */
	int prefer_scan;   /* the window holds most events: read the table in order, not by index */
	int by_event_time; /* ordered by @timestamp then ingest order, whatever the time field (sequences
	                    * are matched as the rows arrive); overrides any_order and prefer_scan */
	/* by_event_time only: go on after the row (resume_ts, resume_id), where a read that stopped
	 * left off (the rows before it in that order are skipped) */
	int resume;
	int64_t resume_ts, resume_id;
	/* by_event_time: how many rows the caller reads before it stops (0: maybe only the first):
	 * a source that reads in batches may take that many at once */
	size_t wants_rows;
	/* when set, asked of each row's columns before its document is read and decompressed:
	 * 0 skips the row */
	int (*admit)(void *ctx, const struct event_record *r);
	void *admit_ctx;
	/* by_event_time: a source that reads in batches asks it after each whole batch when
	 * another would follow; non-zero ends the read there, as the callback's non-zero ends it
	 * mid-batch (where the next read reads the rest of that batch's rows again). NULL: not
	 * asked. */
	int (*batch_end)(void *ctx);
	void *batch_ctx;
	/* What a source may push down beyond the above (NULL: nothing): a candidate meets one of
	 * the alternatives, unless its columns cannot vouch for it (irregular; for the name
	 * columns, names_exact unset; for the categories, none listed). The store does not read
	 * them (its SQL narrows by the above); the caller tests every row again. */
	const struct candidate_alt *alts;
	size_t nalts;
};

struct candidate_row {
	int64_t id;
	int64_t time; /* the rule's time field (event.ingested or @timestamp) */
	struct event_row ev;
};

typedef int (*candidate_fn)(void *ctx, const struct candidate_row *c);
/* Candidate events with their documents, ordered by the time field then @timestamp (unless
 * any_order). Events
 * whose columns do not hold every value (irregular) are always included. */
int store_candidates_each(struct store *s, const struct candidate_query *q, candidate_fn fn, void *ctx);
/* Whether the row's columns pass q's narrowing (path range, host, lower-cased path prefix,
 * categories) as the SQL of store_candidates_each tests it: for a row another query read.
 * The window is not tested. */
int store_candidate_admits(const struct candidate_query *q, const struct event_record *r);
/* The first and last value of the time field's index (event.ingested or @timestamp): the
 * case's span, at once, for deciding how to read it (events without event.ingested are not
 * counted). 0 when none. */
int store_time_bounds(struct store *s, int use_ingested, int64_t *min, int64_t *max);
/* The smallest and largest time field over events (with id > after_id); 0 when none. */
int store_time_span(struct store *s, int use_ingested, int64_t after_id, int64_t *min, int64_t *max);

/* --- the timeline --- */
/* Events on the host of event event_id (host.id, else host.name) whose @timestamp is within
 * [t - before, t + after] of that event's, in @timestamp order. */
int store_timeline_each(struct store *s, int64_t event_id, int64_t before_us, int64_t after_us, int want_doc,
                        event_fn fn, void *ctx);
/* An event's identity and index (index empty when it has none), for a detect run that did
 * not keep them: 0, or -1 (no such event is an error). */
int store_event_source(struct store *s, int64_t event_id, struct strbuf *identity, struct strbuf *index);
/* One event by id. */
int store_event_get(struct store *s, int64_t event_id, int want_doc, event_fn fn, void *ctx);
/* The stored event with this identity (_id, event.id, or sha256:…), without its document:
 * fn is called once, or not at all when there is none. */
int store_event_by_identity(struct store *s, const char *identity, event_fn fn, void *ctx);
/* Puts each imported building block (an alert with kibana.alert.group.index) of the groups of
 * the alerts after after_alert_id under its group's sequence alert, when the case holds it. */
int store_alert_groups_resolve(struct store *s, int64_t after_alert_id);
/* The largest alert id (0: none). */
int64_t store_max_alert_id(struct store *s);

/* Stored events after after_id that are Kibana alerts (event.kind "signal", or an index of
 * .alerts-security.alerts-*, or 7.x's .siem-signals-*), without their documents, in order. */
int store_signal_events_each(struct store *s, int64_t after_id, event_fn fn, void *ctx);

#endif
