/* The benchmarks' case: the database at db, the events of file loaded into it when it is new
 * (a kept case is measured again as it is). Returns the store, or NULL after saying why. */
#ifndef CASEBOOK_BENCH_CASE_H
#define CASEBOOK_BENCH_CASE_H

#include <stdio.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "store/store.h"

static inline struct store *bench_open_case(const char *name, const char *file, const char *db)
{
	int fresh = access(db, F_OK) != 0;
	struct store *s;
	char *err = NULL;
	if (store_open(db, STORE_CREATE, &s, &err)) {
		fprintf(stderr, "%s: %s\n", name, err);
		return NULL;
	}
	if (fresh) {
		struct ingest_options o = {.analyst = "bench", .errors = diag_stderr_sink()};
		struct ingest_counts c = {0};
		if (ingest_path(s, file, &o, &c) != INGEST_OK) {
			store_close(s);
			return NULL;
		}
	}
	return s;
}

#endif
