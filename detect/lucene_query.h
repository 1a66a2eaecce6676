/* lucene_query: Lucene's query string syntax (a rule's threat_language "lucene", a Kibana
 * query_string filter), rewritten as the KQL query that means the same, so one evaluator runs
 * both. Elasticsearch's query_string reference: terms field:value, "phrases", * wildcards,
 * ranges field:[a TO b] / {a TO b} / field:>=a, _exists_:field, groups field:(a OR b),
 * AND/&&, OR/||, NOT/!, parentheses; two terms without an operator are OR'd (default_operator
 * OR). Lucene's precedence of a mix of AND and OR in one group is not the usual one, so such a
 * mix must be parenthesized, and a NOT beside OR (Lucene's must_not of the whole group) written
 * with AND; these, and what KQL cannot say (?, fuzzy ~, boost ^, /regex/, +/-
 * prefixes), are refused, named. Internal to detect/. */
#ifndef CASEBOOK_LUCENE_QUERY_H
#define CASEBOOK_LUCENE_QUERY_H

#include <stddef.h>

/* Groups nested deeper than this are refused. */
#define LUCENE_QUERY_MAX_DEPTH 32

/* The KQL text (malloc'd) of q, or NULL with why (the column, 1-based, and what is refused). */
char *lucene_query_to_kql(const char *q, char *why, size_t whylen);

#endif
