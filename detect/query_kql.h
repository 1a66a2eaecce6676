/* query_kql: the rule types whose query is KQL (query, threshold, new_terms, threat_match)
 * share this: compiling the rule's KQL into the run's event test, with what the pass may push
 * down, and the import's parse check. Internal to detect/. */
#ifndef CASEBOOK_QUERY_KQL_H
#define CASEBOOK_QUERY_KQL_H

#include <stddef.h>

#include "common/strbuf.h"
#include "detect/rule.h"
#include "detect/run.h"

/* rule_type.compile for a KQL type: run->test, needles, plan and column filters. */
int kql_rule_compile(struct run *run, struct strbuf *why);
/* rule_type.query_parses for a KQL type. */
int kql_rule_parses(const struct rule *r, char *why, size_t whylen);

#endif
