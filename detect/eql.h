/* eql: Elastic's Event Query Language — event queries ("file where ...") and sequences —
 * parsed as Elasticsearch's grammar does and evaluated on one event at a time with the
 * semantics docs/DETECTION.md lists: `==` and `like` are case-sensitive, `:` and the `~`
 * forms are not; a category matches any element of event.category; a condition on a
 * multi-valued field holds when any value passes. Fields are read by detect/field.c and
 * patterns matched by detect/wildcard.c, as for KQL.
 *
 * A sequence is parsed into its stages; the matching over time (maxspan, until, join keys)
 * is detect/sequence.c's, fed with what eql_stage_match and eql_stage_key say of each event. */
#ifndef CASEBOOK_EQL_H
#define CASEBOOK_EQL_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "detect/kql.h"

/* Elasticsearch bounds runs=N to 1..100 and a sample to 2..5 filters, but not the stages of
 * a sequence; casebook keeps the queries it parses bounded at EQL_MAX_STAGES (runs included). */
#define EQL_MAX_STAGES         1024
#define EQL_MAX_SAMPLE_FILTERS 5

struct eql_query;

/* Parses a query. Returns NULL with *err filled in (column and message, formatted by
 * kql_error_format) on a syntax error or an unsupported construct (joins, pipes). */
struct eql_query *eql_parse(const char *text, struct kql_error *err);
void eql_free(struct eql_query *q);

/* The field that holds the event category (a rule's event_category_override, Elasticsearch's
 * event_category_field); NULL or "event.category" for the default. */
void eql_set_category_field(struct eql_query *q, const char *field);

/* A sequence, or a sample: a query of stages with join keys (eql_stage_match, eql_stage_key). */
int eql_is_sequence(const struct eql_query *q);
/* A sample (Elasticsearch 8.6+): its stages are the filters, matched in any order
 * (detect/sample.h); no maxspan, until or missing events. */
int eql_is_sample(const struct eql_query *q);
/* 1 for an event query; a sequence's stages after `runs` are expanded. */
size_t eql_stage_count(const struct eql_query *q);
int eql_has_until(const struct eql_query *q);
int64_t eql_maxspan_us(const struct eql_query *q); /* 0: none */

/* Missing-event stages (![...], Elasticsearch 8.x): how many, and for the k-th the number of
 * stages before it (0: before the first; eql_stage_count: after the last). As stage numbers
 * for eql_stage_match and eql_stage_key they follow until: eql_stage_count + 1 + k. */
size_t eql_missing_count(const struct eql_query *q);
size_t eql_missing_position(const struct eql_query *q, size_t k);

/* Starts an event: its regular expressions' steps from 0 (detect/regex.h). eql_match does it;
 * call it before an event's eql_stage_match calls, which share the event's steps. */
void eql_event_begin(const struct eql_query *q);
/* Whether the event passes the filter of stage (stage == eql_stage_count: the until query). */
int eql_stage_match(const struct eql_query *q, size_t stage, const cJSON *event);
/* For an event query: whether the event matches. */
int eql_match(const struct eql_query *q, const cJSON *event);
/* Why the event since eql_event_begin was not evaluated (a regular expression reached a limit,
 * detect/regex.h), or NULL. Such an event matches nothing. */
const char *eql_gave_up(const struct eql_query *q);
/* Writes the join keys of the event for stage (the sequence's `by` fields, then the stage's):
 * a field with several values (an array) joins on each of them, so there is a key per
 * combination, separated by EQL_KEY_SEP (at most EQL_MAX_KEYS). Returns -1 when a field that
 * is not optional (`?field`) has no value: such an event joins no sequence, as in
 * Elasticsearch. */
#define EQL_KEY_SEP  '\x1e'
#define EQL_MAX_KEYS 64
int eql_stage_key(const struct eql_query *q, size_t stage, const cJSON *event, struct strbuf *key);

/* For the planner: when a top-level condition of an event query requires field to equal a
 * literal (`==`) or match a case-sensitive `like` pattern, its literal prefix (malloc'd)
 * and whether it is the whole value. Returns 0 when there is no such condition. */
int eql_required_prefix(const struct eql_query *q, const char *field, char **prefix, int *exact);

/* For the prefilter: when a top-level condition of an event query requires field to be one of
 * a list of literals (`==`, `in`, `in~`, `:` or `like` without wildcards), the list
 * (malloc'd, each malloc'd) and whether it is ASCII-caseless. Returns 0 when there is none. */
int eql_required_values(const struct eql_query *q, const char *field, char ***values, size_t *n, int *caseless);
/* The same for one stage of a sequence (numbered as for eql_stage_match). */
int eql_stage_required_values(const struct eql_query *q, size_t stage, const char *field, char ***values, size_t *n,
                              int *caseless);

/* The needles of one stage (numbered as for eql_stage_match): what an event must hold to pass
 * it. */
void eql_stage_needles(const struct eql_query *q, size_t stage, struct needles *out);

/* A stage's event category (NULL for `any`, and for every stage when the category lives in
 * another field than event.category, which the store indexes). */
const char *eql_stage_category(const struct eql_query *q, size_t stage);

/* For the planner: when a top-level condition of an event query requires file.path, ASCII
 * lower-cased, to start with a prefix (file.path : "...", or a match on file.path.caseless),
 * that prefix (lower-cased, malloc'd). */
int eql_required_caseless_prefix(const struct eql_query *q, char **prefix);

struct needles;
/* The needles an event must hold to pass the query (a sequence: to pass any of its stages). */
void eql_needles(const struct eql_query *q, struct needles *out);

#endif
