/* rulefields: every field of Kibana's detection rule schema and what casebook does with it,
 * so that a field casebook does not apply is never dropped without a word: `rules import`,
 * `casebook rules` and `detect` name the rules whose alerts would differ from Kibana's.
 * docs/DETECTION.md ("Rule fields") lists the same table; tests/test_rulefields.c holds them
 * to each other. */
#ifndef CASEBOOK_RULEFIELDS_H
#define CASEBOOK_RULEFIELDS_H

#include <cJSON.h>
#include <stddef.h>

enum rulefield_use {
	RF_APPLIED,     /* casebook applies it as Kibana does */
	RF_SHOWN,       /* it does not change what Kibana alerts on: kept, shown, copied to the alert */
	RF_NOT_APPLIED, /* it changes Kibana's alert and casebook does not apply it (yet) */
};

struct rulefield {
	const char *name;
	enum rulefield_use use;
	/* RF_APPLIED only for these rule types (space-separated; NULL: every type): for another
	 * type the field is not applied */
	const char *types;
	const char *note; /* what casebook does, for docs/DETECTION.md */
};

extern const struct rulefield rulefields[];
extern const size_t rulefields_count;

const struct rulefield *rulefield_find(const char *name);
/* The word docs/DETECTION.md uses for a use: "applied", "shown", "not applied". */
const char *rulefield_use_name(enum rulefield_use use);
/* The fields the rule sets (a value other than null, false, "", [] or {}) that casebook does
 * not apply for its type, joined by ", "; NULL when none. malloc'd. */
char *rulefields_unapplied(const cJSON *rule);

/* The alert's investigation fields (its rule's investigation_fields.field_names, which the
 * alert carries as kibana.alert.rule.investigation_fields, or Kibana's in its parameters) and
 * their values in the alert (", "-joined; NULL when absent), at most 64. The arrays and their
 * strings are malloc'd; returns how many. */
size_t rulefields_investigation(const cJSON *alert, char ***names, char ***values);

struct store;
/* Which of the fields some event of the case has (found[i] set to 1): one pass over the events
 * that stops once all are found; an event is parsed only when its text names a missing field's
 * last step. 0 or -1 (store_errmsg). */
int rulefields_case_has(struct store *s, char *const *fields, size_t n, int *found);

#endif
