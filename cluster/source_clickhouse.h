/* source_clickhouse: a ClickHouse cluster's events table as an event source (detect/source.h).
 *
 * Every read goes to the Distributed table `casebook`.`events` through one server's HTTP
 * interface (cluster/http.h), so the server's URL is any shard's. Pushed down: the time window
 * on ts_us, the host (host.name or host.id), the file path bounds and prefix and the
 * categories (hasAny on event_category); a row whose columns are inexact (cluster/cluster.h)
 * is always a candidate. Not pushed down: the needles (the pass tests each document it reads,
 * as with the store), and every exact test: candidates carry the original document, and the
 * columns a case would hold for the event (irregular, names_exact, kind, file path, names,
 * category, event.ingested: kept at load from ingest/extract.c), so detection's prefilters skip
 * rows as over a case and casebook evaluates the rest itself. A read in any order (detection's
 * shared pass, candidate_query.any_order) is one streamed query with no sort; otherwise rows
 * come in (ts_us, doc_sha256) order, in batches (CH_SOURCE_BATCH rows, or the caller's
 * wants_rows, then twice as many each time), each batch a query that resumes after the last row of the one before: the
 * batch's keys chosen from the key columns alone (a GLOBAL IN subquery), then the rows holding them (PREWHERE), so that
 * only the parts holding them have their documents read and sorted. Many events by id (events_get, what the alerts
 * about to be made stand on) are one query.
 *
 * Event ids: the cluster has no load order, so an event's id is its document's: the first 15
 * hex digits of doc_sha256 as a number, with bit 60 set (never 0, always positive). The id of
 * an event never changes, whichever shard holds it or whatever is loaded later, and ordering
 * by (ts_us, doc_sha256) is ordering by (time, id). Because ids do not grow as events are
 * loaded, a read after an id (candidate_query.after_id, time_span's after_id) is refused, and
 * newest_id is 1 while the table holds events: detection over a cluster reads it whole.
 * The time field is @timestamp (ts_us), or event.ingested (ingested_us, else ts_us) as a case's.
 *
 * Errors (no answer, an HTTP error, an error at the end of a streamed answer, an answer cut
 * short) make the read return -1, with source_errmsg naming the server. */
#ifndef CASEBOOK_CLUSTER_SOURCE_CLICKHOUSE_H
#define CASEBOOK_CLUSTER_SOURCE_CLICKHOUSE_H

#include "cluster/http.h"
#include "common/strbuf.h"
#include "detect/source.h"

/* Rows the first batch of an ordered read holds (more when the caller wants more); each next
 * one twice as many, up to
 * CH_SOURCE_BATCH_MAX (the server holds a batch's documents to sort them). */
#define CH_SOURCE_BATCH     1000
#define CH_SOURCE_BATCH_MAX 64000

/* Opens a source on the server at url (cluster/http.h; o may be NULL). 0, or -1 with err. */
int source_clickhouse_open(const char *url, const struct ch_options *o, struct event_source **out, struct strbuf *err);

/* An event's id from its doc_sha256 (lowercase hex, at least 15 digits): 0 when it is not one. */
int64_t source_clickhouse_id(const char *sha256_hex);

#endif
