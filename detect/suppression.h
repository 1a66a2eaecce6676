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
 * Internal to detect/. */
#ifndef CASEBOOK_SUPPRESSION_H
#define CASEBOOK_SUPPRESSION_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

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

#endif
