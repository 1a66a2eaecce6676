/* passqueue: the shared pass on two threads. The thread that reads the source (its rows, the
 * prefilters, the needle scan and the parse of each admitted document) hands the rows to a
 * second thread that offers them to the rules, in the order read, in batches of copies: over a
 * cluster the reading half was as much as the rules' half, and ran one after the other.
 *
 * A batch holds a few dozen rows (their strings and documents copied, their trees parsed in the
 * batch's own arena); four batches go round, so the memory is bounded by them, not the input.
 * The rules' thread alone touches the runs while rows are in flight: the reading thread waits
 * for it (passqueue_drain) before anything else reads or writes them (a flush, the end).
 *
 * Internal to detect/. */
#ifndef CASEBOOK_PASSQUEUE_H
#define CASEBOOK_PASSQUEUE_H

#include <cJSON.h>
#include <stddef.h>

#include "detect/source.h"

/* Offers one row to the runs (indexes into the pass's) that admitted it; ev is its tree (NULL
 * when the document is not JSON). Called on the rules' thread, rows in the order added. */
typedef void (*passqueue_fn)(void *ctx, const struct candidate_row *c, cJSON *ev, const size_t *runs, size_t nruns);

struct passqueue;

/* Starts the rules' thread; NULL when it cannot start (the caller offers rows itself). */
struct passqueue *passqueue_start(passqueue_fn fn, void *ctx);
/* Copies the row, parses its document and queues it for runs (nruns of them); waits while
 * every batch is in use. */
void passqueue_add(struct passqueue *q, const struct candidate_row *c, const size_t *runs, size_t nruns);
/* Returns once every row added has been offered: the runs are the caller's again. */
void passqueue_drain(struct passqueue *q);
/* Drains, stops the thread and frees q (NULL: nothing). */
void passqueue_stop(struct passqueue *q);

#endif
