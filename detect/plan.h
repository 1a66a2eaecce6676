/* plan: which events a KQL query can possibly match, answered from indexed columns, so
 * that the query itself is evaluated only on those candidates. Only top-level conjuncts
 * that must hold are used (a positive file.path value, exact or with a literal prefix; an
 * exact host.name or host.id), so the candidates always include every match. */
#ifndef CASEBOOK_PLAN_H
#define CASEBOOK_PLAN_H

#include "detect/eql.h"
#include "detect/kql.h"
#include "store/alerts.h"

struct plan {
	char *path_lo, *path_hi;
	char *host;
	char *path_lower_prefix; /* lower(file.path) starts with it */
	char *categories[4];     /* the event must be in one of these categories (none: any) */
	size_t ncategories;
};

/* Fills the bounds of q (a candidate query) that the KQL query allows. */
void plan_query(const struct kql_node *kql, struct plan *p);
/* The same for an EQL event query (sequences scan their window). */
void plan_eql(const struct eql_query *eql, struct plan *p);
void plan_apply(const struct plan *p, struct candidate_query *q);
void plan_release(struct plan *p);

#endif
