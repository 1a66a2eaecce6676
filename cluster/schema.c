/* schema: the events' tables in a ClickHouse cluster and `casebook cluster init`
 * (cluster/cluster.h). Query text is literals, the names of cluster_columns (compiled in),
 * and values through cluster/quote.h. */
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "cluster/quote.h"
#include "common/sanitize.h"

/* 18.16 has no DateTime64: times are microseconds since the epoch, UTC, as the case file keeps
 * them. Nullable where "absent" and "empty" differ for a rule (exists queries); host_id is in
 * the sorting key, which takes no Nullable: it holds the case's host.id (an array's first
 * value, a number's text), "" when absent, and a host.id that is "" is named in inexact. */
const struct cluster_column cluster_columns[] = {
    {"ts_us", "Int64", "@timestamp"},
    {"host_id", "String", "host.id"},
    {"host_name", "Nullable(String)", "host.name"},
    {"host_os_type", "Nullable(String)", "host.os.type"},
    {"event_id", "String", "_id"},
    {"index_name", "String", "_index"},
    {"event_kind", "Nullable(String)", "event.kind"},
    {"event_category", "Array(String)", "event.category"},
    {"event_type", "Array(String)", "event.type"},
    {"event_action", "Nullable(String)", "event.action"},
    {"process_name", "Nullable(String)", "process.name"},
    {"process_executable", "Nullable(String)", "process.executable"},
    {"process_pid", "Nullable(Int64)", "process.pid"},
    {"process_entity_id", "Nullable(String)", "process.entity_id"},
    {"process_command_line", "Nullable(String)", "process.command_line"},
    {"process_parent_name", "Nullable(String)", "process.parent.name"},
    {"process_parent_executable", "Nullable(String)", "process.parent.executable"},
    {"process_parent_pid", "Nullable(Int64)", "process.parent.pid"},
    {"process_parent_entity_id", "Nullable(String)", "process.parent.entity_id"},
    {"file_path", "Nullable(String)", "file.path"},
    {"user_name", "Nullable(String)", "user.name"},
    {"source_ip", "Nullable(String)", "source.ip"},
    {"destination_ip", "Nullable(String)", "destination.ip"},
    /* the fields above whose values their column does not hold exactly (an object, an
     * array where one value was expected, mixed types): detection reads them from doc */
    {"inexact", "Array(String)", NULL},
    /* the fields casebook derived at ingest, as a case's events.derived says: host.os.type from
     * host.os.platform for older agents, which rules see as if the document held it */
    {"derived", "Array(String)", NULL},
    /* the case's own columns for the event, as ingest/extract.c sets them, which detection's
     * prefilters read (store/events.h): whether the columns hold every value of the fields
     * they prune with (a field twice, nested and dotted, or an array of file.path, host.*),
     * whether process.name, event.action, user.name and process.executable each hold their
     * field's only value, and event.kind's first value (Kibana's alerts, "signal", are not
     * events rules run on) */
    {"irregular", "UInt8", NULL},
    {"names_exact", "UInt8", NULL},
    {"kind", "Nullable(String)", NULL},
    /* event.ingested as the case's ingested column holds it (microseconds; NULL when absent):
     * a rule timed by it reads this column, as it reads the case's */
    {"ingested_us", "Nullable(Int64)", NULL},
    {"doc", "String", NULL},        /* the original document, exactly as it was read */
    {"doc_sha256", "String", NULL}, /* SHA-256 of doc, lowercase hex */
};
const size_t cluster_column_count = sizeof(cluster_columns) / sizeof(*cluster_columns);

#define CLUSTER_INDEX_GRANULARITY "1024"

void cluster_local_table_sql(struct strbuf *q)
{
	strbuf_addstr(q, "CREATE TABLE IF NOT EXISTS `" CLUSTER_DATABASE "`.`" CLUSTER_LOCAL_TABLE "` (");
	for (size_t i = 0; i < cluster_column_count; i++) {
		strbuf_addstr(q, i ? ", " : "");
		strbuf_addstr(q, cluster_columns[i].name);
		strbuf_addch(q, ' ');
		strbuf_addstr(q, cluster_columns[i].type);
	}
	/* granules of 1,024 rows (8,192 by default): an ordered pass reads a chunk of time, a few
	 * thousand rows of each host, and every granule it touches has its documents read whole */
	strbuf_addstr(q, ") ENGINE = ReplacingMergeTree() ORDER BY (host_id, ts_us, doc_sha256)"
	                 " SETTINGS index_granularity = " CLUSTER_INDEX_GRANULARITY);
}

int cluster_distributed_table_sql(struct strbuf *q, const char *cluster)
{
	if (!ch_ident_valid(cluster))
		return -1;
	strbuf_addstr(q, "CREATE TABLE IF NOT EXISTS `" CLUSTER_DATABASE "`.`" CLUSTER_TABLE "` AS `" CLUSTER_DATABASE
	                 "`.`" CLUSTER_LOCAL_TABLE "` ENGINE = Distributed(");
	ch_quote_string(q, cluster, strlen(cluster));
	strbuf_addstr(q, ", '" CLUSTER_DATABASE "', '" CLUSTER_LOCAL_TABLE "', cityHash64(host_id))");
	return 0;
}

/* Runs q on c and keeps its answer in out (may be NULL); -1 with c's error in err. */
static int run(struct ch_conn *c, const struct strbuf *q, struct strbuf *out, struct strbuf *err)
{
	struct strbuf scratch;
	strbuf_init(&scratch, 0);
	int rc = ch_query(c, q->buf, out ? out : &scratch);
	strbuf_release(&scratch);
	if (rc != 0)
		strbuf_addstr(err, ch_errmsg(c));
	return rc;
}

/* The number an answer holds: a count, one line. */
static long answer_number(const struct strbuf *a)
{
	char *end;
	long v = strtol(a->buf, &end, 10);
	return end != a->buf && (*end == '\n' || *end == '\0') ? v : -1;
}

static int create_on(struct ch_conn *c, const char *cluster, struct strbuf *err)
{
	struct strbuf q;
	strbuf_init(&q, 1024);
	strbuf_addstr(&q, "CREATE DATABASE IF NOT EXISTS `" CLUSTER_DATABASE "`");
	int rc = run(c, &q, NULL, err);
	if (rc == 0) {
		strbuf_reset(&q);
		cluster_local_table_sql(&q);
		rc = run(c, &q, NULL, err);
	}
	if (rc == 0) {
		strbuf_reset(&q);
		cluster_distributed_table_sql(&q, cluster);
		rc = run(c, &q, NULL, err);
	}
	strbuf_release(&q);
	return rc;
}

/* Through c: how many shards the cluster has (into *shards); -1 when it has none there. */
static int count_shards(struct ch_conn *c, const char *cluster, long *shards, struct strbuf *err)
{
	struct strbuf q, a;
	strbuf_init(&q, 128);
	strbuf_init(&a, 64);
	strbuf_addstr(&q, "SELECT uniqExact(shard_num) FROM system.clusters WHERE cluster = ");
	ch_quote_string(&q, cluster, strlen(cluster));
	int rc = run(c, &q, &a, err);
	*shards = rc == 0 ? answer_number(&a) : -1;
	if (rc == 0 && *shards <= 0) {
		struct strbuf raw;
		strbuf_init(&raw, 128);
		strbuf_addf(&raw, "ClickHouse at %s has no cluster \"%s\" in its remote_servers", ch_server(c),
		            cluster);
		sanitize_append(err, raw.buf, raw.len, 0);
		strbuf_release(&raw);
		rc = -1;
	}
	strbuf_release(&q);
	strbuf_release(&a);
	return rc;
}

/* The list of (name, type) pairs of cluster_columns, as a ClickHouse tuple list. */
static void column_tuples(struct strbuf *q)
{
	for (size_t i = 0; i < cluster_column_count; i++) {
		strbuf_addstr(q, i ? ", (" : "(");
		ch_quote_string(q, cluster_columns[i].name, strlen(cluster_columns[i].name));
		strbuf_addstr(q, ", ");
		ch_quote_string(q, cluster_columns[i].type, strlen(cluster_columns[i].type));
		strbuf_addch(q, ')');
	}
}

/* Through c: that each of the cluster's shards has events_local with exactly cluster_columns.
 * cluster() asks one replica of each shard: one row per shard that has the table, one per
 * column that is as casebook makes it. */
static int check_shards(struct ch_conn *c, const char *cluster, long shards, struct strbuf *err)
{
	struct strbuf q, a;
	strbuf_init(&q, 2048);
	strbuf_init(&a, 64);
	strbuf_addstr(&q, "SELECT count() FROM cluster(");
	ch_quote_string(&q, cluster, strlen(cluster));
	strbuf_addstr(&q,
	              ", system, tables) WHERE database = '" CLUSTER_DATABASE "' AND name = '" CLUSTER_LOCAL_TABLE "'");
	int rc = run(c, &q, &a, err);
	long tables = rc == 0 ? answer_number(&a) : -1, columns = -1;
	if (rc == 0) {
		strbuf_reset(&q);
		strbuf_reset(&a);
		/* a column that is not casebook's counts a million */
		strbuf_addstr(&q, "SELECT countIf((name, type) IN (");
		column_tuples(&q);
		strbuf_addstr(&q, ")) + 1000000 * countIf((name, type) NOT IN (");
		column_tuples(&q);
		strbuf_addstr(&q, ")) FROM cluster(");
		ch_quote_string(&q, cluster, strlen(cluster));
		strbuf_addstr(&q, ", system, columns) WHERE database = '" CLUSTER_DATABASE
		                  "' AND table = '" CLUSTER_LOCAL_TABLE "'");
		rc = run(c, &q, &a, err);
		columns = rc == 0 ? answer_number(&a) : -1;
	}
	struct strbuf raw;
	strbuf_init(&raw, 128);
	if (rc == 0 && tables != shards) {
		strbuf_addf(&raw,
		            "%ld of the %ld shards of cluster \"%s\" have " CLUSTER_DATABASE "." CLUSTER_LOCAL_TABLE
		            ": name each shard's HTTP URL (casebook cluster init URL URL...)",
		            tables, shards, cluster);
		rc = -1;
	} else if (rc == 0 && columns != shards * (long)cluster_column_count) {
		strbuf_addf(&raw,
		            "a shard of cluster \"%s\" has a " CLUSTER_DATABASE "." CLUSTER_LOCAL_TABLE
		            " with other columns than casebook makes (drop it, or use the casebook that made it)",
		            cluster);
		rc = -1;
	}
	sanitize_append(err, raw.buf, raw.len, 0);
	strbuf_release(&raw);
	strbuf_release(&q);
	strbuf_release(&a);
	return rc;
}

int cluster_init(const char *const *urls, size_t n, const char *cluster, const struct ch_options *o,
                 const struct diag_sink *say, struct strbuf *err)
{
	if (!ch_ident_valid(cluster)) {
		struct strbuf raw;
		strbuf_init(&raw, 128);
		strbuf_addf(&raw, "cluster \"%s\": a name is letters, digits and underscores, at most %d", cluster,
		            CH_IDENT_MAX);
		sanitize_append(err, raw.buf, raw.len, 0);
		strbuf_release(&raw);
		return -1;
	}
	if (n == 0 || n > CLUSTER_URLS_MAX) {
		strbuf_addf(err, "from 1 to %d server URLs", CLUSTER_URLS_MAX);
		return -1;
	}
	struct ch_conn *first = NULL;
	long shards = 0;
	int rc = ch_open(urls[0], o, &first, err);
	if (rc == 0)
		rc = count_shards(first, cluster, &shards, err);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct ch_conn *c = first;
		if (i > 0)
			rc = ch_open(urls[i], o, &c, err);
		if (rc == 0)
			rc = create_on(c, cluster, err);
		if (rc == 0)
			diag_say(say,
			         "%s: " CLUSTER_DATABASE "." CLUSTER_LOCAL_TABLE " and " CLUSTER_DATABASE
			         "." CLUSTER_TABLE " are there\n",
			         ch_server(c));
		if (i > 0)
			ch_close(c);
	}
	if (rc == 0)
		rc = check_shards(first, cluster, shards, err);
	if (rc == 0)
		diag_say(say, "cluster %s: %ld shards, each with " CLUSTER_DATABASE "." CLUSTER_LOCAL_TABLE "\n",
		         cluster, shards);
	ch_close(first);
	return rc;
}
