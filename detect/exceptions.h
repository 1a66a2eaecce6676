/* exceptions: Kibana rule exceptions. An event that matches any item of a list attached to
 * the rule (every entry of that item) produces no alert. Entry types: match, match_any,
 * exists, wildcard, nested; operator included or excluded (which negates the entry). Value
 * lists ("list" entries) are not supported: such an item never matches, with a warning. */
#ifndef CASEBOOK_EXCEPTIONS_H
#define CASEBOOK_EXCEPTIONS_H

#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>

#include "common/diag.h"
#include "common/strbuf.h"

#include "detect/rule.h"
#include "store/store.h"

struct exception_set;

/* Loads the items of every list the rule names. NULL with a message on a store error. */
struct exception_set *exceptions_load(struct store *s, const struct rule *r, const struct diag_sink *warn);
/* Whether some item matches the event. */
int exceptions_match(const struct exception_set *x, const cJSON *event);
/* The number of items loaded. */
size_t exceptions_count(const struct exception_set *x);
void exceptions_free(struct exception_set *x);

/* Whether one item (Kibana's JSON: {"entries": [...]}) matches the event. */
int exception_item_matches(const cJSON *item, const cJSON *event);

/* One condition of an exception item, as Kibana's builder makes it: field, type (match,
 * match_any, wildcard, exists) and operator (included, else excluded: the condition negated). */
struct exception_entry_spec {
	const char *field;
	const char *type;      /* match, match_any, wildcard, exists */
	const char *operator_; /* included (NULL: included) or excluded */
	const char *const *values;
	size_t nvalues;
};

/* An exception item: its entries, all of which must hold (AND). The single-entry fields
 * (field ... nvalues) describe one entry when nentries is 0. */
struct exception_spec {
	const char *field;
	const char *type;
	const char *operator_;
	const char *const *values;
	size_t nvalues;
	const struct exception_entry_spec *entries;
	size_t nentries;
	const char *comment;
	const char *analyst;
	int64_t now_us;
	const char *alert_uuid; /* the alert it is made from (its audit entry names it), or NULL */
};

/* The operators of Kibana's exception builder and the entry each makes: "is" (match), "is not",
 * "is one of" (match_any), "is not one of", "exists", "does not exist", "matches" (wildcard),
 * "does not match". Returns 0 and the type and operator, -1 for another word. */
int exception_operator_parse(const char *word, const char **type, const char **operator_);
/* The builder's word for an entry's type and operator ("is", "does not match"...), or NULL. */
const char *exception_operator_name(const char *type, const char *operator_);
/* The operators in the builder's order, NULL-terminated. */
extern const char *const exception_operators[];

/* Checks the spec (every entry's type, operator and number of values); 0, or -1 with why. */
int exception_spec_check(const struct exception_spec *spec, char *err, size_t errlen);
/* The item the spec makes (Kibana's exception item JSON, without ids), for matching. */
cJSON *exception_spec_item(const struct exception_spec *spec);
/* An item's entries in words: `process.name is "mv" AND file.path matches "/tmp/x*"`
 * (untrusted: sanitize on output). */
void exception_describe(const cJSON *item, struct strbuf *out);

/* What an exception would suppress in this case, before it is saved. */
#define EXCEPTION_PREVIEW_HOSTS  16 /* hosts named; more are counted in more_hosts */
#define EXCEPTION_BROAD_PERCENT  20 /* of the case's events: broad from this share */
#define EXCEPTION_BROAD_PROGRAMS 5  /* distinct process.executable values: broad from this many */
#define EXCEPTION_BROAD_MIN_EVENTS                                                                                     \
	20 /* ... counted from this many matched events (not one program of a small case)                              \
	    */
struct exception_preview {
	int64_t alerts;      /* alerts of the rule it matches (one of the alert's events matches) */
	int64_t open_alerts; /* of those, open or acknowledged: what "close alerts that match" closes */
	int64_t events;      /* events of the case it matches, whatever the rule */
	int64_t case_events; /* events in the case */
	int64_t programs;    /* distinct process.executable among those events (counted to the cap) */
	char *hosts[EXCEPTION_PREVIEW_HOSTS];
	size_t nhosts;
	int more_hosts;
	int64_t *open_ids; /* the open alerts it matches (for closing them) */
	char **open_uuids;
	size_t nopen;
	int broad;           /* the item is broad: it needs confirming */
	char broad_why[256]; /* why, in words */
};
/* Counts what the spec's item matches among the rule's alerts and the case's events. Returns
 * 0, 1 when there is no such rule, -1 with why. Release with exception_preview_release. */
int exception_preview(struct store *s, const char *rule_id, const struct exception_spec *spec,
                      struct exception_preview *p, char *err, size_t errlen);
void exception_preview_release(struct exception_preview *p);
/* The preview in a few lines ("Would suppress 3 alerts (2 open) and 41 of 120 events, on
 * mac1, mac2.\nBROAD: ..."), sanitized. */
void exception_preview_text(const struct exception_preview *p, struct strbuf *out);

/* `casebook exception add`: one item in the rule's own list (list_id "casebook-RULE_ID", type
 * rule_default), which is attached to every stored version of the rule. Besides the
 * exception's anchors the audit chain gets an "exception added" entry (target the list, after
 * "ITEM_ID: the entries in words"), under spec->alert_uuid when set. Returns 0 and the new
 * item's id, 1 when there is no such rule, -1 with a message. */
int exception_add(struct store *s, const char *rule_id, const struct exception_spec *spec, char item_id[40], char *err,
                  size_t errlen);
/* Removes the item (its anchor and an "exception removed" entry in the chain, in one
 * transaction). Returns 0, 1 when there is no such item, -1 with a message. */
int exception_remove(struct store *s, const char *item_id, const char *analyst, int64_t now_us, const char *alert_uuid,
                     char *err, size_t errlen);

#endif
