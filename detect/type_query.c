/* type_query: the custom query rule type (Kibana's siem.queryRule): an alert per matching
 * event at the first execution that sees it; alert_suppression groups them. */

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
#include "detect/scan.h"
#include "detect/sequence.h"
#include "detect/type_eql.h"
#include "detect/type_query.h"
#include "detect/wildcard.h"
#include "store/alerts.h"
#include "store/rules.h"

/* An EQL rule's event its regular expressions gave up on: said, and counted (run_gave_up). */
int eql_given_up(struct run *run, const struct candidate_row *c)
{
	const char *why = run->eql ? eql_gave_up(run->eql) : NULL;
	if (why) {
		struct hit h = {.identity = c->ev.r.identity, .ts = c->ev.r.ts};
		run_gave_up(run, &h, why);
	}
	return why != NULL;
}

void query_consider(struct run *run, const struct candidate_row *c, const cJSON *ev)
{
	size_t nkeys = 0;
	if (!run_matches(run, ev)) {
		eql_given_up(run, c);
	} else if (run->suppress) {
		const char **keys = suppression_keys(run, ev, &nkeys); /* its groups */
		run_add_hit(run, c, keys, nkeys);
	} else {
		run_add_hit(run, c, NULL, 0);
	}
}

/* The hits arrive in time order: the decided executions are replayed as the pass goes. */
int query_flush(struct run *run, int64_t done)
{
	return run_replay(run, run_undecided(run, done));
}

int query_finish(struct run *run)
{
	if (!run->streaming && run->nhits > 1)
		qsort(run->hits, run->nhits, sizeof(*run->hits), by_rule_time);
	if (run_replay(run, INT64_MAX) || suppression_finish(run))
		return -1;
	run->t->matched += run->nhits; /* left unalerted by capped executions */
	run_drop_hits(run, run->nhits);
	return 0;
}

const struct rule_type query_type = {.name = "query",
                                     .language = "kuery",
                                     .category = "Custom Query Rule",
                                     .type_id = "siem.queryRule",
                                     .suppression = SUPPRESSES_EVENTS,
                                     .consider = query_consider,
                                     .finish = query_finish,
                                     .flush = query_flush};
