/* type_query: the custom query type's operations, which EQL event queries share.
 * Internal to detect/. */
#ifndef CASEBOOK_TYPE_QUERY_H
#define CASEBOOK_TYPE_QUERY_H

#include <cJSON.h>

#include "detect/run.h"

void query_consider(struct run *run, const struct candidate_row *c, const cJSON *ev);
int query_flush(struct run *run, int64_t done);
int query_finish(struct run *run);

#endif
