/* filters: the Kibana filters a rule carries (the query bar's pills: match_phrase, match,
 * term(s), wildcard, exists, range, bool, query_string, match_all; meta.negate and
 * meta.disabled), as one KQL query (a wildcard in the form only kql_parse_filters reads) that
 * detect ANDs with the rule's, as Kibana's buildEsQuery puts the query and the enabled
 * filters in one bool (filter: the others, must_not: the negated ones). */
#ifndef CASEBOOK_FILTERS_H
#define CASEBOOK_FILTERS_H

#include <cJSON.h>
#include <stddef.h>

/* Nesting deeper than this (bool in bool ...) is refused, named. */
#define FILTERS_MAX_DEPTH 16

/* The filters as KQL text in *kql (malloc'd), NULL when none applies (none, all disabled).
 * 0, or -1 with why (the first filter, by number, and what is not understood). */
int filters_to_kql(const cJSON *filters, char **kql, char *why, size_t whylen);

#endif
