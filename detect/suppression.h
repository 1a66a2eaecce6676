/* suppression: Kibana's alert suppression for query and EQL event rules (alert_suppression:
 * group_by, duration, missing_fields_strategy), as its detection engine applies it
 * (rule_types/query/alert_suppression: group_and_bulk_create.ts, wrap_suppressed_alerts.ts,
 * utils/bulk_create_with_suppression.ts).
 *
 * Each execution groups its new matching events by the group_by values (a composite terms
 * aggregation: an array gives each of its values; a missing field is a null value of its own
 * with "suppress", the default, while with "doNotSuppress" such an event alerts alone). A
 * group makes one alert, on its earliest event, carrying kibana.alert.suppression.terms,
 * .start and .end (the group's first and last time in the rule's time field) and .docs_count
 * (the events it stands for besides its own). An event is grouped once: the next execution
 * leaves out what a group before it took (Kibana's bucket history). With a duration, a group
 * whose alert an execution within that duration made takes the later events instead of a new
 * alert (docs_count grows, end moves): the alert is written when no later execution can add
 * to it, so it is written once, as Kibana's ends up.
 *
 * A type whose alerts are already one per group per execution (threshold) suppresses within a
 * duration only: suppression_fold_alerts folds a group's later alerts into its first.
 *
 * Internal to detect/. */
#ifndef CASEBOOK_SUPPRESSION_H
#define CASEBOOK_SUPPRESSION_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"

struct run;
struct hit;
struct suppression;

/* The rule's suppression, or NULL when it has none (or a rule type it does not apply to);
 * -1 with why when alert_suppression is malformed. */
int suppression_new(const struct run *run, struct suppression **out, char *why, size_t whylen);
void suppression_free(struct suppression *sp);
/* The event's group keys (one per combination of values; none: it alerts alone), interned in
 * the run's strings, as a malloc'd array for the hit. */
const char **suppression_keys(struct run *run, const cJSON *ev, size_t *nkeys);
/* Execution T over its new hits (in time order): groups them and makes (or, with a duration,
 * keeps open) one alert per group. 0 or -1. */
int suppression_execution(struct run *run, int64_t T, const struct hit *hits, size_t n);
/* Writes the alerts still open (a duration's): after the last execution. 0 or -1. */
int suppression_finish(struct run *run);

/* For a type whose alerts are its own groups' (threshold, as Kibana's
 * bulk_create_suppressed_threshold_alerts.ts and wrap_suppressed_threshold_alerts.ts): the
 * items (n of size bytes, each an alert of execution(item) for the group group(item), sorted
 * by execution). An alert whose group's last surviving alert ends within the duration before
 * its execution (kibana.alert.suppression.end >= startedAt - duration) is folded into that one
 * (docs_count + 1, end moved to its window's end); the others are made in order, as
 * run_alerts_in_order makes them, make calling suppression_annotate. With event_time (types
 * whose alerts are on events, Kibana's in-memory suppression: wrap_suppressed_alerts.ts,
 * suppressAlertsInMemory), start and end are the events' times, an execution's alerts of a
 * group are always one, and a NULL group (suppression_event_key's) alerts alone. 0 or -1. */
typedef int (*alert_namer)(struct run *run, const void *item, char uuid[SHA256_HEX_LEN + 1]);
typedef int (*alert_maker)(struct run *run, void *ctx, const char *uuid, int64_t exec_t);
int suppression_fold_alerts(struct run *run, const void *items, size_t n, size_t size,
                            int64_t (*execution)(const void *), const char *(*group)(const struct run *, const void *),
                            int64_t (*event_time)(const void *), alert_namer name, alert_maker make);
/* The in-memory suppression's key of an event (Kibana's getSuppressionTerms over the event's
 * fields: an array is one value, sorted), interned; NULL when a field is missing and
 * missing_fields_strategy is doNotSuppress. */
const char *suppression_event_key(struct run *run, const cJSON *ev);
/* The same over the values all the events hold (Kibana's shell alert of an EQL sequence, whose
 * fields are its events' intersection: bulkCreateSuppressedSequencesInMemory). */
const char *suppression_events_key(struct run *run, const cJSON *const *evs, size_t nevs);
/* Adds kibana.alert.suppression.* and kibana.alert.instance.id to the alert being made by
 * suppression_fold_alerts (nothing otherwise): the terms are the group's values (its key's),
 * named by fields (NULL: group_by, the key suppression_event_key's); start is the alert's execution, end its last
 * folded window's end. */
void suppression_annotate(const struct run *run, cJSON *doc, char *const *fields, size_t nfields);

#endif
