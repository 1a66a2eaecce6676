/* ruletype: the table of the rule types detect runs, one row each (detect/ruletype.h); a new
 * type is its type_*.c file and a row here. */

#include "detect/ruletype.h"

#include <stddef.h>
#include <string.h>

/* Each defined in its detect/type_*.c. */
extern const struct rule_type query_type, eql_type, threshold_type, new_terms_type, esql_type, threat_match_type,
    ml_type;

/* The rule types detect runs: one row each. */
static const struct rule_type *const rule_types[] = {&query_type, &eql_type,          &threshold_type, &new_terms_type,
                                                     &esql_type,  &threat_match_type, &ml_type};

const struct rule_type *rule_type_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof(rule_types) / sizeof(rule_types[0]); i++)
		if (!strcmp(rule_types[i]->name, name))
			return rule_types[i];
	return NULL;
}

const struct rule_type *rule_type_at(size_t i)
{
	return i < sizeof(rule_types) / sizeof(rule_types[0]) ? rule_types[i] : NULL;
}
