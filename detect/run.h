/* run: one rule's detection run, the base every rule type (detect/type_*.c, detect/ruletype.h)
 * extends with its own state (run->state), after SQLite's virtual-table modules. The core
 * (detect.c, scan.c, schedule.c, alertdoc.c) reads candidates, applies the event test the type
 * compiled, replays the executions and writes alerts; it never names a type
 * (tests/test_ruletypes_core.c checks).
 *
 * Internal to detect/. */
#ifndef CASEBOOK_RUN_H
#define CASEBOOK_RUN_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/strbuf.h"
#include "common/strpool.h"
#include "common/uuidset.h"
#include "detect/alertpipe.h"
#include "detect/detect.h"
#include "detect/exceptions.h"
#include "detect/hitdocs.h"
#include "detect/kql.h"
#include "detect/needles.h"
#include "detect/overrides.h"
#include "detect/plan.h"
#include "detect/rule.h"
#include "detect/ruletype.h"
#include "detect/source.h"
#include "detect/suppression.h"
#include "store/alerts.h"

/* A matching event: what deciding its alert needs (its document is read again for the alert). */
struct hit {
	int64_t event_id, time, ts;
	const char *identity, *index; /* in the run's strings; NULL: not kept (see run_add_hit) */
	size_t stages;                /* sequences: how many stages (and until) it passes with a key (keys) */
	const char **keys;            /* sequences: its join key per stage; other types: their own key (keys[0]);
	                               * the array is the hit's, the strings the run's */
	size_t nkeys;
};

struct run;

/* The case's time spans the rules of a detect run asked for (see time_span in detect.c). */
struct span_memo {
	struct span_entry {
		int use_ingested;
		const char *field; /* a timestamp_override read from the documents (run.time_field), or NULL */
		int64_t after, lo, hi;
	} v[16];
	size_t n;
};

/* What a type computes once for all the rules of a detect run (the documents of an index
 * pattern, say), each value named by a key and released when the run ends. */
struct run_cache {
	struct run_cache_entry {
		char *key;
		void *value;
		void (*release)(void *value);
	} * v;
	size_t n;
};

struct run {
	struct store *store;      /* the case: rules, state, alerts */
	struct event_source *src; /* where the events are read (detect/source.h) */
	const struct detect_options *opts;
	struct detect_totals *totals;
	const struct rule_type *type;
	struct rule rule;
	/* the index patterns the rule reads when its type names them elsewhere than the rule's
	 * index (ES|QL's FROM), so the pass decides them once per index name; NULL: the rule's */
	char *const *scope;
	size_t nscope;
	/* the rule's event test, as its type compiled it: the query (KQL, an EQL event query) *
	 * the core evaluates with the filters and exceptions (run_matches) */
	struct event_test {
		void *query;
		int (*matches)(const void *query, const cJSON *ev);
		/* why the last event tested was not evaluated (a limit reached), or NULL; NULL: never */
		const char *(*gave_up)(const void *query);
		void (*release)(void *query);
	} test;
	struct kql_node *filter; /* its Kibana filters, as KQL ANDed with the query (detect/filters.h) */
	struct exception_set *exceptions;
	struct needles needles; /* what a document must contain to be worth parsing */
	struct hit *hits;
	size_t nhits, alloc;
	struct uuid_set seen;     /* alert uuids met in this run, so overlapping windows count once */
	struct strpool *strings;  /* the hits' strings, interned: shared by the rules of a detect run,
	                           * since every rule that matches an event holds its identity */
	struct json_arena *arena; /* where each candidate's tree is parsed: shared, reset per candidate */
	/* where an alert's document is built and printed (alertdoc.c), reset per alert; NULL: malloc */
	struct json_arena *alert_arena;
	struct hit_docs *docs;   /* the hits' documents, kept for their alerts (shared); NULL: none */
	struct span_memo *spans; /* shared by the rules of the run */
	struct run_cache *cache; /* likewise */
	/* where the run's writes go when a second thread stores them (detect/alertpipe.h: the
	 * alerts, the state and the transactions around them); NULL: the store, on this thread */
	struct alert_pipe *pipe;
	/* what the writing thread reads of this run to build its alerts' documents (alertdoc.c):
	 * made by this thread at its first such alert, the writer's alone after; NULL: none */
	struct alert_writing *writing;
	void *state; /* the type's own */
	/* what the event's columns must hold before its document is parsed: the query's top-level
	 * process.name, event.action, ... in (literals) */
	struct column_filter *columns; /* store/alerts.h */
	size_t ncolumns;
	/* an event matters when it may pass one of the query's stages (a sequence's, until and
	 * missing events included): the stage's category listed in the event's, and its columns;
	 * none: the columns above decide */
	struct stage_filter {
		const char *category; /* NULL: any; the query's */
		struct column_filter *columns;
		size_t ncolumns;
		struct needles needles; /* the stage's own (run->needles is every stage's union) */
		size_t needle_set;      /* its set in the shared pass's needle index */
	} * stage_filters;
	size_t nstage_filters;
	/* what prepare_rule decided */
	int64_t first_t, last_t, max_id; /* executions to replay; the newest event seen */
	/* streaming (see rule_type.flush): the hits arrive in time order, and the executions
	 * before replay_t have been replayed */
	int streaming;
	int64_t replay_t;
	size_t gave_up;     /* events the rule could not evaluate (run_gave_up) */
	int once_per_hit;   /* each hit is offered to the alerts once (a replay cursor passes it):
	                     * no need to remember the uuids seen (the type's compile says) */
	int alerts_grouped; /* every alert is a group of events (kibana.alert.group.id), even of
	                     * one: an EQL sequence's (the type's compile says) */
	struct plan plan;
	struct candidate_query cq;
	/* the alert being made on an event: its severity, risk score and rule name as the rule's
	 * mappings take them from the event (detect/overrides.h); NULL: the rule's own */
	const struct alert_overrides *ov;
	struct suppression *suppress; /* alert_suppression (detect/suppression.h), or NULL */
	int no_fallback; /* timestamp_override_fallback_disabled: events without the field are not searched */
	/* a timestamp_override other than event.ingested and @timestamp, read from each document
	 * (the store's columns hold neither its value nor its window): the pass reads every event
	 * and the run decides the window once the document is parsed (run_event_time); NULL: the
	 * time is a column's */
	const char *time_field;
	/* the end every alert document of the run has (detect/alertdoc.c), printed once */
	struct alert_tail {
		char *text; /* the members, without braces; NULL: not made yet */
		size_t len;
		int overridden; /* made for a rule_name_override's name */
		char *name;
	} tail;
};

void alert_tail_release(struct alert_tail *t);
/* Frees run->writing, once the writer is done with it (after alert_pipe_close). */
void run_writing_release(struct run *run);

/* The event's time for a run with a time_field: the field's date (its first), else @timestamp
 * unless the fallback is disabled (Kibana's buildTimeRangeFilter: the override in range, or the
 * override missing and @timestamp in range). 1 with *t, or 0 when the event is not searched. */
int run_event_time(const char *field, int no_fallback, const cJSON *ev, int64_t ts, int64_t *t);

/* The value the detect run's cache holds under key, or NULL; run_cache_put stores one (the cache
 * owns it and the key's copy). */
void *run_cache_get(const struct run *run, const char *key);
void run_cache_put(struct run *run, const char *key, void *value, void (*release)(void *value));

/* Whether an event of the source may be in the index patterns (n of them, as index_matches
 * takes them): 0 when the source lists its index names and none matches, so a read admitting
 * by those patterns would find nothing; 1 otherwise (or when it cannot list them); -1 when the
 * source failed. The names are read once per detect run (run_cache). */
int run_source_may_match_index(struct run *run, const char *const *patterns, size_t n);

/* Whether the event passes the rule's event test, its filters and no exception. */
int run_matches(struct run *run, const cJSON *ev);
/* The event the run's test just gave up on (a limit reached): said, and counted (run_gave_up). */
int run_query_gave_up(struct run *run, const struct candidate_row *c);
/* Appends a hit for the candidate; the keys array (malloc'd, or NULL) passes to it, its
 * strings interned with run_intern. Its identity and index are not kept (NULL): read again
 * from the store when it becomes an alert. */
struct hit *run_add_hit(struct run *run, const struct candidate_row *c, const char **keys, size_t nkeys);
/* The same for a hit that seldom alerts (a sequence's stage event): over a source that reads
 * many events in one read (events_get), its document is not kept (the copies of every hit's
 * were a tenth of a detect over a cluster); the type reads its alerts' events together
 * (run_prefetch_events) before it makes them. */
struct hit *run_add_seldom_hit(struct run *run, const struct candidate_row *c, const char **keys, size_t nkeys);
/* Keeps the candidate's document, identity and index for an alert about to be made on it
 * (detect/hitdocs.h): a type whose hits are not all alerts (alerts_on_hit_events unset) keeps
 * the few that are, so that the alert need not read the event again. */
void run_keep_document(struct run *run, const struct candidate_row *c);
/* The same, its identity and index kept (interned), for a type that needs them at once. */
struct hit *run_add_named_hit(struct run *run, const struct candidate_row *c, const char **keys, size_t nkeys);
/* The rule could not evaluate the hit's event: a limit (detect/regex.h) was reached, which why
 * names. The event is counted (detect_totals.gave_up) and, the first RUN_GAVE_UP_NAMED of a
 * rule, named in a warning; finish_rule says how many there were in all. */
#define RUN_GAVE_UP_NAMED 10
void run_gave_up(struct run *run, const struct hit *h, const char *why);
/* s interned in the run's strings: it lives as long as the detect run. */
const char *run_intern(struct run *run, const char *s);

/* The first execution first + k*interval (k >= 0) whose window's end reaches t. */
int64_t run_first_execution_seeing(const struct run *run, int64_t t);
/* The first execution from T (on its grid) whose window starts after t: where something at t
 * leaves the windows; past last_t when none. A window starts no earlier than lookback_us
 * before its execution, which bounds the search. */
int64_t run_first_execution_past(const struct run *run, int64_t T, int64_t t);
/* The first execution that is not yet decided when every event earlier than done has been
 * considered (its window reaches done); INT64_MAX when done is. */
int64_t run_undecided(const struct run *run, int64_t done);
/* Moves the items (n of size bytes) whose execution, the int64_t at offset at, is before
 * limit to the front; returns how many. */
size_t run_take_decided(void *items, size_t n, size_t size, size_t at, int64_t limit);
/* The values joined by the unit separator (never in a field name or value that matters, and
 * kept apart from the values by sanitizing on output): a group's or a term's key. malloc'd. */
char *run_join_values(char *const *values, size_t n);
/* Forgets the alert uuids this run met when they are many: for a type whose uuids name their
 * window, called when the window changes (none met before can recur), so memory stays bounded. */
void run_forget_seen(struct run *run);
/* Forgets hits[0, n), or hits from n on: the types that stream drop what their executions
 * are done with. */
void run_drop_hits(struct run *run, size_t n);
void run_drop_hits_after(struct run *run, size_t n);

/* Makes an alert's document and record: called by run_alert_once when the alert is new. */
typedef int (*alert_maker)(struct run *run, void *ctx, const char *uuid, int64_t exec_t);
/* The execution at T reached max_signals: said on the warnings, and counted. */
void run_warn_capped(struct run *run, int64_t T);
/* Creates the alert uuid at execution T unless this run or an earlier one made it: *created
 * counts the execution's alerts against max_signals. Returns 1 when the execution is full
 * (nothing created), 0 when done, -1 on a store error. */
int run_alert_once(struct run *run, const char *uuid, int64_t T, int64_t *created, alert_maker make, void *ctx);

/* The alerts a type decided, items sorted by execution: each made once (named by name, made
 * by make), an execution stopping at max_signals. 0 or -1. */
typedef int (*alert_namer)(struct run *run, const void *item, char uuid[SHA256_HEX_LEN + 1]);
int run_alerts_in_order(struct run *run, const void *items, size_t n, size_t size, int64_t (*execution)(const void *),
                        alert_namer name, alert_maker make);

/* Reads the events of ids (n of them, the first few thousand) the pass did not keep into the
 * run's kept documents, in reads of many at once where the source has them (detect/source.h,
 * events_get), so that the alerts about to be made on them read none one by one. 0 or -1
 * (source_errmsg). */
int run_prefetch_events(struct run *run, const int64_t *ids, size_t n);

/* An alert on source events (the first is the alert's own): the document as Kibana writes it
 * for query, EQL and new terms rules. extra, when set, adds type fields to the document. */
typedef void (*alert_extra)(cJSON *doc, void *ctx);
int run_create_event_alert(struct run *run, const struct hit *const *hits, size_t nhits, const char *uuid,
                           int64_t exec_t, alert_extra extra, void *ctx);
/* The same on a source document that shape first rewrites (a machine learning rule's anomaly
 * record made ECS-like), so that the reason and the alert see it as Kibana's do. */
int run_create_shaped_alert(struct run *run, const struct hit *const *hits, size_t nhits, const char *uuid,
                            int64_t exec_t, alert_extra shape, alert_extra extra, void *ctx);
/* Kibana's alert uuid over source events: each one's index and id, the rule version, space. */
int run_alert_uuid(const struct run *run, const struct hit *const *hits, size_t n, const char *salt,
                   char out[SHA256_HEX_LEN + 1]);
/* The parts of an alert document every type has: reason, severity, risk, status; and the
 * rule's fields (kibana.alert.rule.*), which go last. */
void run_add_alert_common(cJSON *doc, const struct run *run, const char *uuid, int64_t now, const char *reason);
void run_add_rule_fields(cJSON *doc, const struct run *run);
/* What every alert document ends with (its space, the rule's fields), printed: the document
 * is freed, the text is the caller's (cJSON_free). */
char *run_alert_text(cJSON *doc, struct run *run);
/* obj[key] = the instant as ISO 8601 (UTC). */
void run_add_iso(cJSON *obj, const char *key, int64_t us);
char *run_reason(const struct rule *r, const cJSON *ev);
/* Stores an alert document (the run's totals count it). */
int run_store_alert(struct run *run, const char *uuid, int64_t event_id, int64_t original_time, int64_t exec_t,
                    const char *reason, const char *doc, const int64_t *events, size_t nevents);
/* Text of a JSON value for keys and terms (strings as they are, others as JSON); malloc'd. */
char *run_value_text(const cJSON *v);

int by_rule_time(const void *a, const void *b);

/* Replays the executions from run->replay_t up to (not including) limit over the hits (sorted
 * by time): an alert per hit, or per group when the rule suppresses (detect/schedule.c). */
int run_replay(struct run *run, int64_t limit);
/* Creates the alert on hits (one event, or a sequence's) at execution T, once (detect/alertdoc.c). */
int run_alert_on_events(struct run *run, const struct hit *const *hits, size_t n, int64_t T, int64_t *created);
/* t rounded up (down) to a multiple of step. */
int64_t run_align_up(int64_t t, int64_t step);
int64_t run_align_down(int64_t t, int64_t step);
/* The run's transaction, its alerts' and its state's: on the store, or queued for the writing
 * thread (run.pipe). 0 or -1 (store_errmsg: at the end of the run when it is the writer's). */
int run_begin(struct run *run);
int run_commit(struct run *run);
void run_rollback(struct run *run);
int run_set_state(struct run *run, int64_t last_event_id);
/* Releases the detect run's cache. */
void run_cache_release(struct run_cache *c);

#endif
