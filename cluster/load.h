/* load: documents into a cluster's events table - `casebook ingest --to URL FILE...`.
 *
 * The same forgiving reader as a case's ingest, through the same code (ingest/input.h): a file
 * that is not JSON is refused whole, damaged documents are reported as FILE:LINE:COLUMN,
 * counted and, in a case, kept in its rejects; the rest loads. Ctrl-C stops at the next
 * document, and the batch read so far is sent. Each event's columns (cluster_columns) are read from its document; a
 * value a column cannot hold exactly (an object, several values for one, another type) leaves the column NULL or
 * partial and names the field in `inexact`. Rows go in batches of at most CLUSTER_LOAD_BATCH_ROWS as RowBinary
 * (cluster/quote.h: each value's bytes after its length, nothing for the server to unescape) into the Distributed
 * table, which sends each row to the shard its host id picks; a batch first asks which of its documents (by SHA-256,
 * within its time range) the cluster holds already and leaves those out, so a load run again, or a batch retried, adds
 * nothing twice. */
#ifndef CASEBOOK_CLUSTER_LOAD_H
#define CASEBOOK_CLUSTER_LOAD_H

#include <stdint.h>

#include "cluster/http.h"
#include "common/diag.h"
#include "common/strbuf.h"
#include "ingest/ingest.h"

/* Each INSERT makes a part on every shard and waits for them, and the shards then merge those
 * parts: fewer, larger batches load faster. 25,000 rows (about 50 MB of documents) cost the
 * servers about 30% less CPU than 10,000 for a peak RSS of about 80 MiB rather than 40
 * (docs/PERFORMANCE.md). */
#define CLUSTER_LOAD_BATCH_ROWS 25000
/* 1,000 hashes keep a check's query under ClickHouse's 256 KiB max_query_size. */
#define CLUSTER_CHECK_HASHES 1000
/* A batch is sent once its rows reach this many bytes, however few. */
#define CLUSTER_LOAD_BATCH_BYTES (64u << 20)

struct cluster_loader;

/* Opens a loader on the server at url (cluster/http.h). Returns 0, or -1 with err. */
int cluster_loader_open(const char *url, const struct ch_options *o, struct cluster_loader **out, struct strbuf *err);
void cluster_loader_close(struct cluster_loader *l);

/* Loads one input (a file, gzip or not, or "-" for standard input), adding to *c, as
 * ingest_path (ingest/ingest.h) ingests it into a case: o->errors, o->stop, o->analyst and
 * o->progress as there (about four times a second while it reads, NULL once at the end).
 * keep: the case whose rejects keep the damaged documents, under an ingest record named after
 * the input, in one transaction a batch (committed when the batch is sent, or after
 * CLUSTER_LOAD_BATCH_ROWS of them), or NULL: they are only said. Returns what
 * ingest_path returns, INGEST_STORE_FAILED meaning the cluster or the case failed (err says
 * what, naming the server; the batches before are stored). */
enum ingest_status cluster_load_path(struct cluster_loader *l, const char *path, const struct ingest_options *o,
                                     struct store *keep, struct ingest_counts *c, struct strbuf *err);

#endif
