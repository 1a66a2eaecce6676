/* exceptions: Kibana rule exceptions. An event that matches any item of a list attached to
 * the rule (every entry of that item) produces no alert. Entry types: match, match_any,
 * exists, wildcard, nested; operator included or excluded (which negates the entry). Value
 * lists ("list" entries) are not supported: such an item never matches, with a warning. */
#ifndef CASEBOOK_EXCEPTIONS_H
#define CASEBOOK_EXCEPTIONS_H

#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>

#include "detect/rule.h"
#include "store/store.h"

struct exception_set;

/* Loads the items of every list the rule names. NULL with a message on a store error. */
struct exception_set *exceptions_load(struct store *s, const struct rule *r, FILE *warn);
/* Whether some item matches the event. */
int exceptions_match(const struct exception_set *x, const cJSON *event);
/* The number of items loaded. */
size_t exceptions_count(const struct exception_set *x);
void exceptions_free(struct exception_set *x);

/* Whether one item (Kibana's JSON: {"entries": [...]}) matches the event. */
int exception_item_matches(const cJSON *item, const cJSON *event);

/* `casebook exception add`: one item with one entry, in the rule's own list (list_id
 * "casebook-RULE_ID", type rule_default), which is attached to every stored version of the
 * rule. Returns 0 and the new item's id, 1 when there is no such rule, -1 with a message. */
struct exception_spec {
	const char *field;
	const char *type;      /* match, match_any, wildcard, exists */
	const char *operator_; /* included (default) or excluded */
	const char *const *values;
	size_t nvalues;
	const char *comment;
	const char *analyst;
	int64_t now_us;
};

int exception_add(struct store *s, const char *rule_id, const struct exception_spec *spec, char item_id[40], char *err,
                  size_t errlen);

#endif
