/* ingest: reads inputs into the store. Parsing, field extraction and compression run on one
 * thread while SQLite writes on the calling thread, so the two cores share the work. */
#ifndef CASEBOOK_INGEST_H
#define CASEBOOK_INGEST_H

#include <signal.h>
#include <stdio.h>

#include "store/store.h"

struct ingest_options {
	const char *analyst;
	int progress; /* draw a progress line on stderr */
	FILE *errors; /* where FILE:LINE:COLUMN messages go (stderr) */
	/* Set (by a SIGINT handler) to stop: reading stops at the next document, everything read
	 * so far is stored and committed, and ingest_path returns INGEST_INTERRUPTED. May be NULL. */
	const volatile sig_atomic_t *stop;
};

enum ingest_status {
	INGEST_OK = 0,         /* read to the end (rejects, if any, are in the counts) */
	INGEST_UNREADABLE = 1, /* the input could not be opened or read */
	INGEST_STORE_FAILED = -1,
	INGEST_NOT_JSON = 2,    /* refused whole: its first bytes show another format (ingest/sniff.h) */
	INGEST_INTERRUPTED = 3, /* *stop was set: what was read is stored, the rest was not read */
};

/* Ingests one input ("-" for stdin) and adds its counts to *c (also when interrupted: then
 * they count what was read and stored). Every outcome but INGEST_OK is reported on o->errors
 * with the input's name. */
enum ingest_status ingest_path(struct store *s, const char *path, const struct ingest_options *o,
                               struct ingest_counts *c);

#endif
