/* ruletype: the table of rule types detect runs, one row each (detect/run.h's struct
 * rule_type); a new type is its type_*.c file and a row here. */

#include "detect/detect.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/diag.h"
#include "common/digest.h"
#include "common/jsonarena.h"
#include "common/jsonexact.h"
#include "common/strbuf.h"
#include "common/strpool.h"
#include "common/timeutil.h"
#include "detect/eql.h"
#include "detect/eventjson.h"
#include "detect/exceptions.h"
#include "detect/field.h"
#include "detect/filters.h"
#include "detect/needles.h"
#include "detect/plan.h"
#include "detect/rule.h"
#include "detect/run.h"
#include "detect/sample.h"
#include "detect/sequence.h"
#include "detect/wildcard.h"
#include "store/alerts.h"
#include "store/rules.h"

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
