/* http: ClickHouse's HTTP interface over libcurl, the one place casebook talks to a server.
 *
 * A query is POSTed as the request body (an INSERT's statement goes in the URL and its rows in
 * the body); the answer streams to a callback or into a buffer. Every error names the server
 * (its URL without any credentials) and what went wrong: it could not connect, it did not
 * answer in time, or it answered an HTTP error, whose text (ClickHouse's "Code: N, ...") is
 * sanitized before it is kept.
 *
 * Credentials come from the environment (CLICKHOUSE_USER, CLICKHOUSE_PASSWORD, as
 * clickhouse-client reads them) or else from a config file only its owner can read
 * (CASEBOOK_CLICKHOUSE_CONFIG, default ~/.config/casebook/clickhouse.conf: lines
 * "user = NAME" and "password = SECRET", # comments), and are sent as HTTP basic
 * authentication: never taken from a URL or the command line, never stored in a case. */
#ifndef CASEBOOK_CLUSTER_HTTP_H
#define CASEBOOK_CLUSTER_HTTP_H

#include <stddef.h>

#include "common/strbuf.h"

struct ch_conn;

/* The most ch_query keeps of an answer, and of an error's text. */
#define CH_ANSWER_MAX  (64u << 20)
#define CH_ERROR_SHOWN 1024u
/* The longest line of the credentials file. */
#define CH_CONFIG_LINE 1024

struct ch_options {
	long connect_timeout_s; /* 0: 10 s */
	long timeout_s;         /* a whole request, 0: no limit; a stalled answer (nothing for
	                           stall_s) fails either way */
	long stall_s;           /* 0: 60 s */
};

/* Opens a handle on the server at url: http:// or https://, a host, an optional port and an
 * optional path, no user or password in it. Reads the credentials (above). Returns 0, or -1
 * with the reason in err (an unusable URL, a credentials file others can read or that does not
 * parse). o may be NULL. */
int ch_open(const char *url, const struct ch_options *o, struct ch_conn **out, struct strbuf *err);
void ch_close(struct ch_conn *c);

/* The server as messages name it: the URL given, sanitized. */
const char *ch_server(const struct ch_conn *c);
/* The last error: "ClickHouse at URL: ..." (sanitized). */
const char *ch_errmsg(const struct ch_conn *c);
/* The user the requests authenticate as: the environment's or the file's, NULL when none (the
 * server's default user). */
const char *ch_user(const struct ch_conn *c);

/* Called with each piece of a successful answer as it arrives; returns 0 to go on, non-zero
 * to stop (the query then returns -1, "stopped by the caller"). */
typedef int (*ch_chunk_fn)(void *ctx, const char *data, size_t len);

/* Runs query, streaming its answer to fn. Returns 0, or -1 with ch_errmsg set. ClickHouse
 * 18.16 has sent HTTP 200 by the time a query fails part-way through a streamed answer; its
 * error text then ends the answer ("Code: N, e.displayText() = ..."), which the caller's
 * format must tell apart (ch_query waits for the end, so its errors are always HTTP errors). */
int ch_query_stream(struct ch_conn *c, const char *query, ch_chunk_fn fn, void *ctx);
/* Runs query and appends its whole answer to out (at most CH_ANSWER_MAX bytes); the server
 * finishes the query before it answers, so an error is never half an answer. Returns 0 or -1. */
int ch_query(struct ch_conn *c, const char *query, struct strbuf *out);
/* Runs statement (an INSERT ... FORMAT ...) with the len bytes at data as its rows. Into a
 * Distributed table the insert returns once every shard has its rows (insert_distributed_sync),
 * so a row is there to be found when it returns 0, and a shard that is down fails it. Returns
 * 0 or -1. */
int ch_insert(struct ch_conn *c, const char *statement, const char *data, size_t len);

#endif
