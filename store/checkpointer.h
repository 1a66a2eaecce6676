#ifndef CASEBOOK_STORE_CHECKPOINTER_H
#define CASEBOOK_STORE_CHECKPOINTER_H

/* A thread that copies the case's write-ahead log into the database (SQLite's checkpoint) on a
 * connection of its own, while the connections it watches go on writing: by default SQLite
 * checkpoints in the thread whose commit filled the log, which for detect is its writer, the
 * slower of its two threads, and at the end of a run nothing else could go on meanwhile. */

#include "store/store.h"

struct store_checkpointer;

/* Starts the thread on a new connection to s's case; -1 when it cannot (the caller goes on
 * without: SQLite then checkpoints as usual). */
int store_checkpointer_start(const struct store *s, struct store_checkpointer **out);

/* s's commits ask the thread for a checkpoint instead of making it (from the thread that owns s,
 * before it or any other uses s concurrently); unwatch gives s back SQLite's own. Up to two
 * connections; a NULL checkpointer does nothing. */
void store_checkpointer_watch(struct store_checkpointer *k, struct store *s);
void store_checkpointer_unwatch(struct store_checkpointer *k, struct store *s);

/* Gives every watched connection back SQLite's own checkpoints, waits for the checkpoint under
 * way and ends the thread; how many checkpoints it made. */
unsigned long store_checkpointer_stop(struct store_checkpointer *k);

#endif
