/* detect: runs the enabled rules over the store as Kibana's scheduler would have, and
 * records alerts (docs/DETECTION.md).
 *
 * For each rule, executions are replayed every `interval` over the data's time range (or
 * the one given), each searching [T - from, T - to] on the rule's time field (the
 * timestamp_override field, falling back to @timestamp; else @timestamp). Hits are taken in time
 * order, exceptions filter them, and each execution creates at most max_signals alerts.
 * An alert's uuid derives from the event, the rule and its version, so overlapping windows
 * and repeated runs create nothing twice; after a new ingest only the windows holding new
 * events are replayed. */
#ifndef CASEBOOK_DETECT_H
#define CASEBOOK_DETECT_H

#include <stdint.h>
#include <stdio.h>

#include "common/diag.h"
#include "common/status.h"
#include "detect/eventjson.h"
#include "detect/indexpattern.h"
#include "detect/kql.h"
#include "store/events.h"
#include "store/store.h"

struct detect_options {
	const char *rule_id; /* NULL: every enabled rule; else that rule's enabled versions ... */
	int64_t version;     /* ... or this version of it, enabled or not (0: not given) */
	int64_t from, to;    /* replay executions in [from, to] instead of the data's range */
	int has_range;
	int64_t now_us;        /* the alerts' @timestamp (0: the clock) */
	struct diag_sink warn; /* where warnings go (max_signals hit, skipped rules); {0}: nowhere */
	int no_prefilter;      /* parse and evaluate every candidate: no needles, no column tests (the tests
	                          compare the alerts with and without them) */
	size_t flush_rows;     /* rules sharing a pass decide their executions every so many rows
	                        * (0: 16,384, a batching source's 65,536; the tests make it small) */
	/* store the alerts and the rules' states, and offer the shared pass's rows to the rules, on
	 * the calling thread, not on second ones (detect/alertpipe.h, detect/passqueue.h; the tests
	 * compare both ways) */
	int synchronous;
	/* the bound of the writer's queue, in bytes (0: 8 MiB); the tests make it tiny, so that the
	 * pass's thread makes documents whenever it would wait */
	size_t queue_bytes;
	/* Set when the source's events are not the case's (a cluster, detect/source.h): each
	 * alert's events are copied into the case through keep, inside the rule's transaction (it
	 * gives the case's id of the event the source calls source_id; 0 or -1; row is the event as
	 * the pass read it, its document, identity and index, or NULL when it was not kept and is
	 * to be read from the source again), so the alert stands
	 * on the case's copies. And every run replays the source's whole time range: its ids have
	 * no load order to go on after, so no per-rule position is read or kept (the case's own
	 * stays the case's), and alert uuids make a replay create nothing twice. NULL: the source
	 * is the case's store. */
	int (*keep)(void *ctx, int64_t source_id, const struct event_row *row, int64_t *case_id);
	void *keep_ctx;
};

struct detect_totals {
	uint64_t rules, skipped, executions, matched, created, duplicates, suppressed, capped;
	uint64_t gave_up;   /* events a rule could not evaluate: a regular expression reached a limit */
	uint64_t grouped;   /* matching events alert_suppression folded into another event's alert */
	uint64_t unapplied; /* rules run that set fields casebook does not apply (detect/rulefields.h) */
	/* rules that ran but whose data the case does not hold: machine learning rules that met no
	 * anomaly record of their jobs, indicator match rules no indicator document */
	uint64_t no_anomalies, no_indicators;
	/* alerts' documents the pass's thread made while it waited for the writer (alertpipe.h) */
	uint64_t made_waiting;
};

/* Makes the field types imported into this case (casebook mapping import) the ones every
 * comparison uses from now on. 0 or -1 (store_errmsg). detect_run and the searches call it. */
int detect_load_field_types(struct store *s);

/* Runs the enabled rules (or o->rule_id) over the case and records their alerts. Returns CB_OK,
 * CB_NOT_FOUND when o->rule_id names no stored rule (or not that version), or CB_ERROR
 * (store_errmsg); a rule that cannot run is skipped, counted and said on o->warn. */
int detect_run(struct store *s, const struct detect_options *o, struct detect_totals *t);
/* The same, reading the events from src (detect/source.h) and writing to s: a source that
 * fails, even mid-way, makes it return CB_ERROR (source_errmsg says why) with no rule's alerts
 * or state written. */
struct event_source;
int detect_run_source(struct store *s, struct event_source *src, const struct detect_options *o,
                      struct detect_totals *t);

/* Whether a stored JSON document (an alert's, say) matches the KQL query. */
/* Whether the KQL query matches a JSON document of len bytes. */
int detect_json_matches_len(const struct kql_node *q, const char *json, size_t len);
int detect_json_matches(const struct kql_node *q, const char *json);
struct alert_row;
/* Calls fn for every alert with whether the KQL query matches its document (the console marks
 * the queue's rows, `status --query` collects the matches); fn returning non-zero stops. */
typedef int (*alert_match_fn)(void *ctx, const struct alert_row *a, int matches);
int detect_alerts_kql(struct store *s, const struct kql_node *q, alert_match_fn fn, void *ctx);

/* `casebook events --query`: calls fn for each event matching the KQL query, in time order,
 * at most limit (<= 0: all). fn returning non-zero stops the search, which returns that. */
int detect_search(struct store *s, const struct kql_node *q, long limit, event_fn fn, void *ctx);
/* The same search read on after the row (ts, id) — the last one a page showed — in the same
 * order (@timestamp, then ingest order): the event browser's next page, found by an index seek
 * rather than by reading and skipping the pages before it. after NULL: from the start. */
struct search_resume {
	int64_t ts, id;
};
int detect_search_after(struct store *s, const struct kql_node *q, const struct search_resume *after, long limit,
                        event_fn fn, void *ctx);
/* The same over any event source (detect/source.h): the source's candidates, each evaluated
 * here. -1 when the source fails, even after some events were given (source_errmsg says why). */
struct event_source;
int detect_search_in(struct event_source *src, const struct kql_node *q, long limit, event_fn fn, void *ctx);
/* detect_search_after over a source: the event browser's pages of a cluster (the field types
 * loaded by the caller, as detect_search_in's). -1 when the source fails (source_errmsg). */
int detect_search_after_in(struct event_source *src, const struct kql_node *q, const struct search_resume *after,
                           long limit, event_fn fn, void *ctx);

#endif
