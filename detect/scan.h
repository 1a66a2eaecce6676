/* scan: reads the candidate events of a detect run's rules and offers them to their types.
 * Internal to detect/. */
#ifndef CASEBOOK_SCAN_H
#define CASEBOOK_SCAN_H

#include <stddef.h>

#include "detect/run.h"

/* Reads the candidates of the prepared runs: one rule alone reads its own (an index may
 * serve it); several share one pass, as does one rule that scans. 0 or -1 (store_errmsg). */
int scan_runs(struct store *s, struct run **runs, size_t n);
/* The column prefilters of the run's compiled query (struct column_filter), and their release. */
void run_plan_columns(struct run *run);
void run_release_columns(struct column_filter *columns, size_t n);

#endif
