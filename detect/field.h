/* field: the one place that reads a field from an event, for every query language.
 *
 * A dotted name resolves through nested objects and dotted keys alike: "host.os.type" finds
 * {"host":{"os":{"type":..}}}, {"host.os":{"type":..}} and {"host.os.type":..}. Arrays are
 * flattened: each element is a value (an array of objects is walked into).
 *
 * A multi-field the event does not carry reads its parent's values (Elasticsearch indexes the
 * parent's source value again; the sub-field has no source of its own) as the sub-field indexes
 * them: an imported mapping's sub-field (type text "… multi") through its lowercase normalizer
 * and ignore_above; without one naming it, Elastic Defend's "X.caseless" (keyword, lowercase
 * normalizer, ignore_above 1024) and "X.text" (text: the same text, matched by its words). */
#ifndef CASEBOOK_FIELD_H
#define CASEBOOK_FIELD_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/numeric.h"

/* Called for each value; returning non-zero stops the walk and is returned. */
typedef int (*field_fn)(void *ctx, const cJSON *value);

/* Calls fn for every value of the field named path (len bytes) in object root. Values that
 * are arrays are flattened; objects are passed as they are. */
int field_each(const cJSON *root, const char *path, size_t len, field_fn fn, void *ctx);

/* Calls fn for every leaf (non-object, arrays flattened) with its full dotted name. */
typedef int (*leaf_fn)(void *ctx, const char *name, size_t name_len, const cJSON *value);
int field_each_leaf(const cJSON *root, leaf_fn fn, void *ctx);

/* The values of a field as text joined by sep (strings as they are, other values as JSON);
 * malloc'd, or NULL when the field has no value. */
char *field_join(const cJSON *root, const char *path, const char *sep);

/* Every combination of the values of n fields (arrays give each of their values), as
 * Elasticsearch's terms aggregations bucket a document: fn gets one text per field (strings
 * as they are, other values as JSON). An event missing a field has no combination. At most
 * max combinations are given; returns how many there were in all. */
typedef void (*combination_fn)(void *ctx, char *const *values, size_t n);
size_t field_combinations(const cJSON *root, char *const *paths, size_t n, size_t max, combination_fn fn, void *ctx);

/* A field's type, as Elasticsearch's mapping for Elastic Defend and ECS gives it: the type
 * decides what a comparison means (a date compares as an instant, an ip matches a CIDR block,
 * text matches by its words). Names casebook does not know are keywords. */
enum field_type { FT_KEYWORD, FT_DATE, FT_IP, FT_TEXT };
enum field_type field_type(const char *path, size_t len);
/* The same, and in *num the field's numeric type when an imported mapping gives it one (a
 * float, half_float, scaled_float or double: detect/numeric.h), else NUMERIC_NONE. */
enum field_type field_type_numeric(const char *path, size_t len, struct numeric_type *num);
/* A field's type remembered where a query names it: computed again only when imported types
 * have changed since (field_types_set), so that evaluating a query does not look it up per
 * event. Zero-initialized: not known yet. */
struct field_type_cache {
	unsigned generation;
	enum field_type type;
	struct numeric_type num; /* the imported mapping's numeric type, or NUMERIC_NONE */
	int lowercase;           /* field_normalizes_lowercase */
	int own;                 /* an imported keyword (no multi-field) with a normalizer or ignore_above */
	long ignore_above;       /* own: its ignore_above, or -1 */
};
enum field_type field_type_cached(const char *path, size_t len, struct field_type_cache *c);
/* field_each as a query meets the field: the values Elasticsearch indexed. An imported keyword's
 * own values go through its lowercase normalizer (Lucene's LowerCaseFilter) and those longer than
 * its ignore_above (UTF-16 units, before the normalizer) are none, as KeywordFieldMapper.indexValue
 * indexes them; a multi-field as field_each reads it. c: filled by field_type_cached. The
 * document itself (_source: alerts, ES|QL's text fields) keeps every value as written. */
int field_each_indexed(const cJSON *root, const char *path, size_t len, const struct field_type_cache *c, field_fn fn,
                       void *ctx);
/* Whether the field is a keyword with the lowercase normalizer (an imported mapping's, or
 * Elastic Defend's X.caseless when the mapping does not name it): Elasticsearch normalizes a
 * term, terms, range, prefix, wildcard, regexp or query_string's query text with it too
 * (KeywordFieldType.indexedValueForSearch, wildcardQuery, normalizedWildcardQuery), so such a
 * query meets the values (field_each_indexed: normalized) with its text through the same
 * LowerCaseFilter (common/casemap.h). */
int field_normalizes_lowercase(const char *path, size_t len);
/* A mapping's type name ("date", "ip", "text", "keyword", "long", …) as one of these. */
enum field_type field_type_named(const char *type);
/* Types imported from a mapping, which win over the built-in ones from now on (n = 0: none);
 * nums their numeric types (NULL: none). */
void field_types_set(char *const *names, const enum field_type *types, const struct numeric_type *nums, size_t n);
/* The imported multi-fields (a field's "fields"), each name once, in name order. */
typedef int (*multi_field_fn)(void *ctx, const char *name);
int field_multi_fields_each(multi_field_fn fn, void *ctx);

/* Epoch milliseconds as an instant (UTC microseconds), when in the years 0001-9999 (as
 * ingest's @timestamp: date arithmetic on it cannot overflow). 0 or -1. */
int field_date_ms(double ms, int64_t *us);
/* A JSON value or literal text as an instant (UTC microseconds): an ISO 8601 string, or a
 * number or digit string as epoch milliseconds, as Elasticsearch reads a date. 0 or -1. */
int field_date_text(const char *s, size_t len, int64_t *us);
/* The instant "now" names in date math a date takes (now-30d/d): 0, none (such a date is not
 * one). Set around the evaluation of a query an execution runs at that time. */
void field_set_date_now(int64_t now_us);
int field_date_json(const cJSON *v, int64_t *us);

/* An IP address (v4 or v6, text) as 16 bytes (v4 mapped into v6). 0 or -1. */
int field_ip_parse(const char *s, size_t len, unsigned char out[16]);
/* Whether the address is in the block ("10.0.0.0/8", "fe80::/10", or one address). 1, 0, or
 * -1 when cidr is not a block. */
int field_ip_in_cidr(const unsigned char ip[16], const char *cidr, size_t len);

#endif
