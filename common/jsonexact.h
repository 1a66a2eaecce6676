/* jsonexact: JSON read with cJSON for copying, its numbers kept as they were written. cJSON
 * holds numbers as doubles and prints them back rounded (131762381484502110 became
 * 1.3176238148450211e+17); a copy of evidence must not change it. The numbers of a tree made
 * here are cJSON raw nodes of their source text: print it, do not compute with it. */
#ifndef CASEBOOK_JSONEXACT_H
#define CASEBOOK_JSONEXACT_H

#include <cJSON.h>
#include <stddef.h>

/* Turns each number node of root, parsed from doc[0..len), into a raw node of its text. */
void json_keep_number_text(cJSON *root, const char *doc, size_t len);
/* cJSON_ParseWithLength, then json_keep_number_text; NULL when doc is not JSON. */
cJSON *json_parse_exact(const char *doc, size_t len);

#endif
