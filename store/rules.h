/* Rules and their exception lists, as stored. The store keeps each as JSON text; detect/
 * parses and interprets them. */
#ifndef CASEBOOK_RULES_STORE_H
#define CASEBOOK_RULES_STORE_H

#include <stdint.h>

#include "store/store.h"

struct rule_row {
	int64_t key;
	const char *rule_id;
	int64_t version;
	const char *uuid, *name, *type, *language;
	int enabled;
	const char *source;
	const char *json;
	const char *metadata; /* the [metadata] table of a detection-rules TOML, as JSON, or NULL */
};

enum upsert_result { UPSERT_ADDED, UPSERT_UPDATED, UPSERT_UNCHANGED };

/* The source of a rule that came with a Kibana alert (triage/kibana.h): a stand-in, stored
 * disabled, which never shadows a rule the analyst imports or the pack brings. */
#define RULE_SOURCE_ALERT "kibana-alert"

/* Adds the rule, or replaces the stored one with the same rule_id and version. The enabled
 * flag of a stored rule is kept (the analyst's choice wins over the file's), but a stand-in
 * (source RULE_SOURCE_ALERT) is replaced whole by a rule from elsewhere, enabled as it says. */
int store_rule_put(struct store *s, const struct rule_row *r, enum upsert_result *result);
/* Adds the rule unless one with its rule_id and version is stored; a stored one is left
 * exactly as it is (*result UPSERT_UNCHANGED), but a stand-in, which a rule from elsewhere
 * replaces whole (UPSERT_UPDATED). */
int store_rule_add_missing(struct store *s, const struct rule_row *r, enum upsert_result *result);
typedef int (*rule_fn)(void *ctx, const struct rule_row *r);
/* Every rule, by rule_id then version. */
int store_rules_each(struct store *s, rule_fn fn, void *ctx);
/* The rule with this rule_id: the given version, or (version < 0) the newest enabled one,
 * else the newest. Returns 1 when found (fn called), 0 when not. */
int store_rule_find(struct store *s, const char *rule_id, int64_t version, rule_fn fn, void *ctx);
int store_rule_count(struct store *s, const char *source, int64_t *n);
/* Every stored version of rule_id, oldest first (by the rule_id index). */
int store_rule_versions_each(struct store *s, const char *rule_id, rule_fn fn, void *ctx);
/* Enables or disables the rule's given version (version < 0: every version); *changed is
 * how many versions exist that were set. */
int store_rule_set_enabled(struct store *s, const char *rule_id, int64_t version, int enabled, int64_t *changed);
/* rules enable|disable --all: enables the newest version of every rule (a stand-in never), or
 * disables every version; *changed is how many versions changed. */
int store_rules_set_enabled_all(struct store *s, int enabled, int64_t *changed);

/* casebook's notes on a rule (every version): stored, replacing the rule's earlier notes. */
int store_rule_notes_put(struct store *s, const char *rule_id, const char *text, const char *source);
/* *text malloc'd, NULL when the rule has none. */
int store_rule_notes_get(struct store *s, const char *rule_id, char **text);

/* A list of rule rows that outlives the callbacks (the strings are copies). */
struct rule_rows {
	struct rule_row *rows;
	size_t n;
};
void rule_rows_add(struct rule_rows *l, const struct rule_row *r);
void rule_rows_release(struct rule_rows *l);

struct exception_row {
	const char *id; /* list_id for lists, item_id for items */
	const char *list_id;
	const char *namespace_type;
	const char *json;
};

struct actor;
/* Store a list or an item (unless it is there as it is), each change anchored in the audit
 * chain as who's: verify detects one added, changed or removed outside casebook. */
int store_exception_list_put(struct store *s, const struct exception_row *l, const struct actor *who,
                             enum upsert_result *result);
int store_exception_item_put(struct store *s, const struct exception_row *i, const struct actor *who,
                             enum upsert_result *result);
typedef int (*exception_fn)(void *ctx, const struct exception_row *r);
/* Removes an item, its removal anchored in the audit chain as who's (in the caller's
 * transaction). Returns 0, 1 when there is no such item, -1 on error. */
int store_exception_item_delete(struct store *s, const char *item_id, const char *namespace_type,
                                const struct actor *who);
/* The item with this item_id (any namespace): fn is called once, or not at all (returns 1). */
int store_exception_item_find(struct store *s, const char *item_id, exception_fn fn, void *ctx);
/* The items of one list (list_id and namespace), in the order they were added. Like every
 * store_exception_*_each: 0; fn's status when it returns non-zero, which stops the reading
 * (a callback's CB_* or -1 comes back as it was); or -1 with the detail in store_errmsg. */
int store_exception_items_each(struct store *s, const char *list_id, const char *namespace_type, exception_fn fn,
                               void *ctx);
/* Every list; every item (of every list, by list_id, then as added). */
int store_exception_lists_each(struct store *s, exception_fn fn, void *ctx);
int store_exception_all_items_each(struct store *s, exception_fn fn, void *ctx);

/* Field types imported from an index mapping (casebook mapping import), bounded so that a
 * mapping cannot grow the case and every later search (docs/RELIABILITY.md): */
#define FIELD_NAME_MAX        512   /* bytes of a field's dotted name */
#define FIELD_TYPE_MAX        64    /* bytes of its type */
#define FIELD_TYPE_PARAMS_MAX 64    /* bytes of the parameters kept after it (" coerce=false", ...) */
#define FIELD_TYPES_MAX       20000 /* field types in a case */
/* Stores (or replaces) a field's type; the caller keeps within the bounds. */
int store_field_type_put(struct store *s, const char *field, const char *type);
/* The same for n fields, with one statement. 0 or -1. */
int store_field_types_put(struct store *s, const char *const *fields, const char *const *types, size_t n);
/* How many field types the case holds. 0 or -1. */
int store_field_type_count(struct store *s, size_t *n);
typedef int (*field_type_fn)(void *ctx, const char *field, const char *type);
/* Calls fn for each field type, by name; a case with more, or longer, than the bounds allow
 * (made elsewhere) is an error saying so, before anything is read into memory. */
/* Every imported type, by field name. Returns 0; fn's status when it returns non-zero, which
 * stops the reading; or -1 with the detail in store_errmsg. */
int store_field_types_each(struct store *s, field_type_fn fn, void *ctx);

#endif
