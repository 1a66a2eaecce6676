/* jsondoc: a JSON document's fields as display text, for the code that must not see cJSON
 * (triage, export, the console). Fields resolve as the rules resolve them (detect/field.h). */
#ifndef CASEBOOK_JSONDOC_H
#define CASEBOOK_JSONDOC_H

#include <stddef.h>

/* For code that must not see cJSON: reads the fields named in paths from a JSON document
 * (text) and stores each as a malloc'd display string in out[i] (arrays joined by ", ",
 * NULL when absent). Returns 0, or -1 when json is not valid. */
int json_fields(const char *json, const char *const *paths, size_t n, char **out);
/* The same on len bytes (a document as the store returns it, not NUL-terminated). */
int json_fields_len(const char *json, size_t len, const char *const *paths, size_t n, char **out);

/* Every leaf of a JSON document (len bytes) as a dotted name and its value as text (strings as
 * they are, others as JSON; an array gives a leaf per element): the console's field table.
 * Returns the count; names[i] and values[i] are malloc'd, as are the arrays. */
size_t json_leaves(const char *json, size_t len, char ***names, char ***values);

/* ES|QL's JSON_EXTRACT(json, path), as Elasticsearch's JsonExtract.java and JsonPath.java: path
 * is a JSONPath subset (an optional $, keys in dot notation or quoted brackets ['a.b'] ["a"],
 * indexes [0]; no wildcards, slices or negative indexes). Returns 0 with *out the value as text
 * (malloc'd): a string unquoted, a number, an object or an array as the document writes it,
 * true/false; *out NULL for a JSON null. Returns -1 with why (whysz bytes) set to
 * Elasticsearch's warning when the document is not JSON, the path is malformed or leads
 * nowhere. */
int json_extract(const char *json, size_t len, const char *path, char **out, char *why, size_t whysz);

#endif
