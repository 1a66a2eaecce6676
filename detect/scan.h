/* scan: reads the candidate events of a detect run's rules and offers them to their types.
 * Internal to detect/. */
#ifndef CASEBOOK_SCAN_H
#define CASEBOOK_SCAN_H

#include <stddef.h>

#include "detect/run.h"

/* Reads the candidates of the prepared runs: one rule alone reads its own (an index may
 * serve it); several share one pass, as does one rule that scans. 0 or -1 (store_errmsg). */
int scan_runs(struct run **runs, size_t n);
/* What a compiled query says the event's field must hold: 1 with the values (malloc'd) one of
 * which it holds exactly in every event the query keeps (*caseless: compared ignoring case),
 * else 0. */
typedef int (*column_values_fn)(const void *query, const char *field, char ***values, size_t *n, int *caseless);
/* Adds the column prefilters (struct column_filter) fn names for the columns the pass reads to
 * *out; keyword_only: only on fields mapped keyword (a text field matches by its words). */
void run_plan_column_filters(column_values_fn fn, const void *query, int keyword_only, struct column_filter **out,
                             size_t *nout);
void run_release_columns(struct column_filter *columns, size_t n);

#endif
