/* input: what a case's ingest (ingest/ingest.h) and a cluster load (cluster/load.h) share about
 * one input - opening it and refusing it whole when it is not JSON (ingest/sniff.h), reading
 * its documents through the forgiving framer (ingest/reader.h), and saying how far a read that
 * Ctrl-C stopped got - so that the two say and do the same. */
#ifndef CASEBOOK_INPUT_H
#define CASEBOOK_INPUT_H

#include <signal.h>
#include <stddef.h>

#include "common/diag.h"
#include "ingest/extract.h"
#include "ingest/ingest.h"
#include "ingest/jsontape.h"
#include "ingest/reader.h"

struct input_ops {
	root_fn on_root; /* each event of a document that parsed (ingest/extract.h) */
	/* a damaged document: the frame holds its bytes, line and col say where and why what */
	int (*on_damage)(void *ctx, const struct frame *f, uint64_t line, uint64_t col, const char *why);
};

/* Opens path ("-": standard input) as *out, stopping where *stop is set (may be NULL), with
 * *name the path sanitized for messages (the caller frees it). Returns INGEST_OK, or
 * INGEST_UNREADABLE or INGEST_NOT_JSON having said why through errors (nothing to free). */
enum ingest_status input_open(const char *path, const volatile sig_atomic_t *stop, const struct diag_sink *errors,
                              struct reader **out, char **name);
/* Reads the next document into tape: a well-formed one is parsed straight from the reader's
 * buffer (one pass) and handed to ops->on_root, a damaged one framed by the forgiving framer
 * and handed to ops->on_damage. Returns 1, 0 at the end (or where the stop cut a document
 * short: not damage, the part not read), -1 on a read error (err), -2 when a callback failed. */
int input_next(struct reader *r, struct jtape *tape, struct frame *f, const struct input_ops *ops, void *ctx, char *err,
               size_t errlen);
/* Says that the input name was interrupted: how far it was read and what the documents read
 * came to (c); the rest was not read. */
void input_report_interruption(const struct diag_sink *errors, const char *name, const struct reader *r,
                               const struct ingest_counts *c);

#endif
