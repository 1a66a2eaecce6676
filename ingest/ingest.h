/* ingest: reads inputs into the store. Parsing, field extraction and compression run on one
 * thread while SQLite writes on the calling thread, so the two cores share the work. */
#ifndef CASEBOOK_INGEST_H
#define CASEBOOK_INGEST_H

#include <signal.h>
#include <stdint.h>

#include "common/diag.h"
#include "store/store.h"

/* How far an input has been read: what a progress callback is handed. */
struct ingest_progress {
	const char *name;    /* the input's name, sanitized */
	uint64_t bytes_read; /* of the input as stored (before gunzip) */
	uint64_t size;       /* the input's size, 0 when unknown (stdin, a pipe) */
	uint64_t documents;  /* read so far */
	double elapsed;      /* seconds since the documents started to be read */
};

/* Called about four times a second while an input is read (at, then), and once when it is
 * done (at NULL: take the progress line away). */
typedef void ingest_progress_fn(void *ctx, const struct ingest_progress *at);

struct ingest_options {
	const char *analyst;
	/* Where FILE:LINE:COLUMN messages, the reasons an input was not read or stopped, and the
	 * CASEBOOK_PROFILE timings go (the CLI: diag_stderr_sink()); {0}: nowhere. */
	struct diag_sink errors;
	ingest_progress_fn *progress; /* NULL: no progress */
	void *progress_ctx;
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
 * they count what was read and stored). Every outcome but INGEST_OK is said through o->errors
 * with the input's name. */
enum ingest_status ingest_path(struct store *s, const char *path, const struct ingest_options *o,
                               struct ingest_counts *c);

#endif
