/* type_query: the custom query rule type (Kibana's siem.queryRule): an alert per matching
 * event at the first execution that sees it; alert_suppression groups them. */

#include "detect/detect.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/query_kql.h"
#include "detect/rule.h"
#include "detect/run.h"
#include "detect/type_query.h"

void query_consider(struct run *run, const struct candidate_row *c, const cJSON *ev)
{
	size_t nkeys = 0;
	if (!run_matches(run, ev)) {
		run_query_gave_up(run, c);
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
	run->totals->matched += run->nhits; /* left unalerted by capped executions */
	run_drop_hits(run, run->nhits);
	return 0;
}

/* Each matching event alerts once: the replay's cursor passes it. */
static int query_compile(struct run *run, struct strbuf *why)
{
	run->once_per_hit = 1;
	return kql_rule_compile(run, why);
}

const struct rule_type query_type = {.name = "query",
                                     .language = "kuery",
                                     .category = "Custom Query Rule",
                                     .type_id = "siem.queryRule",
                                     .suppression = SUPPRESSES_EVENTS,
                                     .alerts_on_hit_events = 1,
                                     .query_parses = kql_rule_parses,
                                     .compile = query_compile,
                                     .consider = query_consider,
                                     .finish = query_finish,
                                     .flush = query_flush};
