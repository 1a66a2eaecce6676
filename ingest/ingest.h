/* ingest: reads inputs into the store. Parsing, field extraction and compression run on one
 * thread while SQLite writes on the calling thread, so the two cores share the work. */
#ifndef CASEBOOK_INGEST_H
#define CASEBOOK_INGEST_H

#include <stdio.h>

#include "store/store.h"

struct ingest_options {
	const char *analyst;
	int progress; /* draw a progress line on stderr */
	FILE *errors; /* where FILE:LINE:COLUMN messages go (stderr) */
};

enum ingest_status {
	INGEST_OK = 0,         /* read to the end (rejects, if any, are in the counts) */
	INGEST_UNREADABLE = 1, /* the input could not be opened or read */
	INGEST_STORE_FAILED = -1,
};

/* Ingests one input ("-" for stdin) and adds its counts to *c. */
enum ingest_status ingest_path(struct store *s, const char *path, const struct ingest_options *o,
                               struct ingest_counts *c);

#endif
