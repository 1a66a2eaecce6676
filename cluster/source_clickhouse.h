/* source_clickhouse: a ClickHouse cluster's events table as an event source (detect/source.h).
 *
 * Every read goes to the Distributed table `casebook`.`events` through one server's HTTP
 * interface (cluster/http.h), so the server's URL is any shard's. Pushed down: the time window
 * on ts_us, the host (host.name or host.id), the file path bounds and prefix and the
 * categories (hasAny on event_category); a row whose columns are inexact (cluster/cluster.h)
 * is always a candidate. The needles are pushed down too (ch_needles_condition) where every
 * set can rule documents out and they are few: a document holding no needle of any set, and
 * no JSON escape that could spell one, is not a candidate; it never leaves the cluster in a
 * read in any order, and in an ordered read (whose keys come from the key columns alone) comes
 * back without its document, for its place in the batch. So are the rules' column
 * prefilters (candidate_query.alts, ch_alts_condition), where none of them takes any row. Not
 * pushed down: every exact test:
 * candidates carry the original document, and the columns a case would hold for the event
 * (irregular, names_exact, kind, file path, names, category, event.ingested: kept at load from
 * ingest/extract.c), so detection's prefilters (the needles again, each set a rule's) skip rows
 * as over a case and casebook evaluates the rest itself. A read in any order
 * (candidate_query.any_order) is one streamed query with no sort, and detection's pass reads so
 * over a cluster of at most 250,000 events (source_ops.reads_any_order: past that the hits its
 * runs would hold to the end outgrow a batch's memory); otherwise rows come in
 * (ts_us, doc_sha256) order. A read of every row (wants_rows of CH_SOURCE_BATCH_MAX or more, or a
 * caller that asks between batches, candidate_query.batch_end, which reads_in_batches
 * announces) comes in chunks of time sorted here (CH_CHUNK_ROWS, below), the next one read on
 * a second connection while the caller takes one; any other in batches (CH_SOURCE_BATCH rows,
 * or the caller's wants_rows, then twice as many each time, up to CH_SOURCE_BATCH_MAX), each
 * batch a query that resumes after the last row of the one before: the batch's keys chosen
 * from the key columns alone (a GLOBAL IN subquery), then the rows holding them (PREWHERE), so
 * that only the parts holding them have their documents read and sorted. Many events by id
 * (events_get, what the alerts about to be made stand on) are one query.
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
 * one twice as many, up to CH_SOURCE_BATCH_MAX (the server holds a batch's documents to sort
 * them: about 660 MB for 100,000 of gen-events' documents; each batch reads the documents of
 * every granule its rows fall in, so fewer, larger batches read less). */
#define CH_SOURCE_BATCH     1000
#define CH_SOURCE_BATCH_MAX 131072

/* An ordered read of every row (the shared pass) comes in chunks of time of at most
 * CH_CHUNK_ROWS rows, each read in no order (its time range in PREWHERE) and sorted here, held
 * in at most CH_CHUNK_BYTES (a chunk that holds more, or a bucket of time holding more rows, is
 * read in server-sorted batches instead); the chunks come from a count of rows per bucket of
 * time, CH_CHUNK_BUCKETS at most, and are kept for the read's resumptions. Two chunks are held
 * at once, the one handed over and the next, read on a thread. CASEBOOK_CLUSTER_CHUNK_ROWS
 * and CASEBOOK_CLUSTER_CHUNK_BYTES (digits) set the two bounds (the tests read every way). */
#define CH_CHUNK_ROWS    32768
#define CH_CHUNK_BYTES   (128u << 20)
#define CH_CHUNK_BUCKETS 65536

/* Opens a source on the server at url (cluster/http.h; o may be NULL). 0, or -1 with err. */
int source_clickhouse_open(const char *url, const struct ch_options *o, struct event_source **out, struct strbuf *err);
/* The same over n servers of one cluster (any shard's URL reads the whole Distributed table):
 * reads go to the first, and a query one fails without having handed the caller a row (it
 * could not connect, answered an error, timed out) is asked of the next, and so on around;
 * the one that answers is read from from then on, and source_take_notice names the servers
 * that failed and why. When every one fails, the error names each. */
int source_clickhouse_open_servers(const char *const *urls, size_t n, const struct ch_options *o,
                                   struct event_source **out, struct strbuf *err);

/* The most needles pushed down: each is a search of every document a read takes (ClickHouse
 * 18.16 has no multiSearchAny), so a longer list is left to the local scan. */
#define CH_NEEDLES_PUSHED 16

struct needles;
/* Appends a condition a document meets when it holds a needle of one of the sets (ASCII case
 * aside, as detect/needles.c searches) or a JSON escape that can spell one without its bytes
 * (\u, \/: the local scan parses such a document whatever its needles) and returns 1; or
 * appends nothing and returns 0 when some set rules nothing out (unusable, empty, more than
 * NEEDLES_MAX), when there are more than CH_NEEDLES_PUSHED needles (those holding another
 * left out), or when there is no set. */
int ch_needles_condition(struct strbuf *sql, const struct needles *const *sets, size_t nsets);

/* The longest condition on the columns pushed down (the server's max_query_size is 256 KiB). */
#define CH_ALTS_PUSHED_BYTES (64 * 1024)

struct candidate_alt;
/* Appends a condition a row meets when it meets one of the n alternatives
 * (candidate_query.alts) by its typed columns, as the shared pass's prefilters read the case's
 * columns: the window on the time field; the categories each listed in event_category as the
 * case's category column lists them (values joined with ','), or none listed; the name columns
 * (IN their values, lower() IN the ASCII-lowered values when caseless), or names_exact unset.
 * Returns 1; or appends nothing and returns 0 when n is 0 or the condition would be longer
 * than CH_ALTS_PUSHED_BYTES. The caller admits the rows the columns cannot vouch for
 * (irregular, inexact) whatever it says. */
int ch_alts_condition(struct strbuf *sql, const struct candidate_alt *alts, size_t n);

/* An event's id from its doc_sha256 (lowercase hex, at least 15 digits): 0 when it is not one. */
int64_t source_clickhouse_id(const char *sha256_hex);

#endif
