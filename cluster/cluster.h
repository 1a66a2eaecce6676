/* cluster: a fleet's events in a ClickHouse cluster - the schema casebook creates there.
 *
 * Database `casebook` holds, on every shard, `events_local` (a ReplacingMergeTree ordered by
 * host id, time and the document's SHA-256, so a host's timeline is one range of one shard and
 * a document loaded twice is one row once merged; granules of 1,024 rows, so that a chunk of
 * time of an ordered read touches few rows it does not need) and, over them, `events` (a
 * Distributed table over the remote_servers cluster, sharded by cityHash64(host id), so a
 * host's events, its process tree and its EQL sequences are all on one shard). The typed columns are listed once,
 * in cluster_columns; the document itself is kept whole beside them with its SHA-256.
 *
 * ClickHouse 18.16 runs CREATE ... ON CLUSTER only through ZooKeeper, which a plain
 * two-server cluster lacks, so casebook creates the tables on each server it is given and
 * then checks, through the first, that every shard of the cluster has them. */
#ifndef CASEBOOK_CLUSTER_CLUSTER_H
#define CASEBOOK_CLUSTER_CLUSTER_H

#include <stddef.h>

#include "cluster/http.h"
#include "common/diag.h"
#include "common/strbuf.h"

#define CLUSTER_DATABASE     "casebook"
#define CLUSTER_LOCAL_TABLE  "events_local"
#define CLUSTER_TABLE        "events"
#define CLUSTER_DEFAULT_NAME "casebook"
/* The most servers one init takes. */
#define CLUSTER_URLS_MAX 64

/* A column of events_local: its name, its ClickHouse type, and the ECS field it holds (NULL
 * for casebook's own: the time in microseconds, the document, its hash, the inexact fields). */
struct cluster_column {
	const char *name, *type, *field;
};
extern const struct cluster_column cluster_columns[];
extern const size_t cluster_column_count;

/* Appends the CREATE TABLE statement for events_local (IF NOT EXISTS). */
void cluster_local_table_sql(struct strbuf *q);
/* Appends the CREATE TABLE statement for the Distributed events table over cluster, or
 * returns -1 when cluster is not a plain name (cluster/quote.h). */
int cluster_distributed_table_sql(struct strbuf *q, const char *cluster);

/* Creates (idempotently: what exists is kept) the database, events_local and events on each
 * of the n servers at urls, then checks through urls[0] that the cluster named `cluster`
 * exists and that each of its shards has events_local with exactly cluster_columns. Says what
 * it did through say. Returns 0, or -1 with the reason, naming the server, in err. */
int cluster_init(const char *const *urls, size_t n, const char *cluster, const struct ch_options *o,
                 const struct diag_sink *say, struct strbuf *err);

#endif
