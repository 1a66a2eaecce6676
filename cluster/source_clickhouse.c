/* source_clickhouse: a ClickHouse cluster's events as an event source
 * (cluster/source_clickhouse.h). Query text is literals, numbers, and values through
 * cluster/quote.h; rows come back as RowBinary, read by cluster/quote.h's ch_rowbinary_row
 * (nothing escaped by the server, nothing unescaped here), counts as TabSeparated. */
#include "cluster/source_clickhouse.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "cluster/quote.h"
#include "common/casemap.h"
#include "common/digest.h"
#include "common/sanitize.h"
#include "detect/needles.h"

#define ID_DIGITS 15
#define ID_BIT    (INT64_C(1) << 60)
/* The columns a read asks for, the last a constant that ends every complete row. */
#define ROW_COLUMNS                                                                                                    \
	"ts_us, doc_sha256, event_id, index_name, if(empty(host_id) AND NOT has(inexact, 'host.id'), NULL, host_id), " \
	"host_name, host_os_type, "                                                                                    \
	"arrayStringConcat(derived, ','), irregular, names_exact, kind, "                                              \
	"if(has(inexact, 'event.category'), '', arrayStringConcat(event_category, ',')), file_path, "                  \
	"event_action, process_executable, process_name, user_name, ingested_us, "
/* the document, and whether the row is a candidate (not: only its keys count, to resume after) */
#define ROW_DOC "doc, 1, 'e'"
#define ROW_ALL ROW_COLUMNS ROW_DOC
enum {
	F_TS,
	F_SHA,
	F_IDENTITY,
	F_INDEX,
	F_HOST_ID,
	F_HOST_NAME,
	F_OS_TYPE,
	F_DERIVED,
	F_IRREGULAR,
	F_NAMES_EXACT,
	F_KIND,
	F_CATEGORY,
	F_FILE_PATH,
	F_ACTION,
	F_EXECUTABLE,
	F_PROCESS_NAME,
	F_USER_NAME,
	F_INGESTED,
	F_DOC,
	F_CANDIDATE,
	F_END,
	F_COUNT
};
#define FROM_EVENTS " FROM `" CLUSTER_DATABASE "`.`" CLUSTER_TABLE "`"
/* A rule's time: event.ingested, else @timestamp (the case's TIME_EXPR), or @timestamp. */
#define TIME_COLUMN(ingested) ((ingested) ? "ifNull(ingested_us, ts_us)" : "ts_us")

/* One time range of an ordered read in chunks: ts_us from lo to hi, rows of them (counted
 * before the read). */
struct chunk {
	int64_t lo, hi;
	uint64_t rows;
};

/* A chunk's rows as they came, each line's place in buf and its sort key. */
struct held_row {
	int64_t ts;
	size_t off, len;
	char sha[SHA256_HEX_LEN];
};
struct held {
	struct strbuf buf;
	struct held_row *rows;
	size_t n, cap;
	size_t most;  /* bytes: CH_CHUNK_BYTES, or CASEBOOK_CLUSTER_CHUNK_BYTES */
	int overflow; /* more than that: the read was stopped */
};

struct reader;

/* The next chunk, read on a thread of its own (its own connection, its own rows) while the
 * caller takes the one before: the server reads while casebook works. Only a speed-up: a chunk
 * it did not read whole is read again as any other. */
struct prefetch {
	pthread_t thread;
	int running; /* started and not yet joined */
	int ok;      /* the thread read every row of the chunk */
	uint64_t gen;
	size_t chunk;
	struct ch_conn *c; /* opened the first time, on the server read from then */
	int no_conn;       /* opening it failed: no prefetch */
	struct strbuf sql, line;
	struct held held;
};

struct ch_source {
	struct event_source base;
	struct ch_conn *c;        /* the server read from: one of servers */
	struct ch_conn **servers; /* in the order given; a failed one is left for the next */
	size_t nservers, at;      /* c is servers[at] */
	struct strbuf err;
	struct strbuf notice; /* the servers left since it was last taken, and why */
	int notice_taken;
	/* the row of the last event read by id, as it came (detection reads an alert's event for
	 * its document, its identity and its copy into the case, one after the other) */
	int64_t last_id;
	struct strbuf last_row;
	int has_events; /* a count found events: each rule of a run asks again, and they stay */
	int any_order;  /* reads_any_order's answer, once asked (-1: not yet) */
	/* the chunks of the last ordered read in chunks, and the conditions they were planned for:
	 * a read that resumes (the pass after each flush) goes on from them */
	struct strbuf plan_where;
	struct chunk *chunks;
	size_t nchunks;
	uint64_t chunk_rows; /* CH_CHUNK_ROWS, or CASEBOOK_CLUSTER_CHUNK_ROWS */
	/* the chunk after those handed over whole, and the last row handed over (its key) */
	size_t done_chunk;
	int64_t done_ts, done_id;
	struct held held;  /* a chunk's rows, the buffer kept from one read to the next */
	uint64_t plan_gen; /* one more with each plan */
	struct prefetch pf;
	char **urls; /* as given, to open the prefetch's connection */
	struct ch_options opts;
	int has_opts;
};

/* One read's state: the rows of one RowBinary answer, as its pieces arrive. */
struct reader {
	struct ch_source *src;
	const struct candidate_query *q;
	candidate_fn fn;
	event_fn efn;
	void *ctx;
	struct strbuf line; /* a row cut by a piece's end, or the tail */
	struct strbuf row;  /* the row handed over: its strings, each ended with a NUL */
	size_t rows;
	int stopped;       /* the caller's callback ended the read */
	int keep_row;      /* keep each complete row's bytes in src->last_row (a read by id) */
	int tail;          /* bytes that are no row came: the error text ending a streamed answer */
	int bad;           /* the read failed (its error set) */
	struct held *held; /* the rows are kept here, unsorted, rather than handed over */
	int64_t last_ts;
	char last_sha[SHA256_HEX_LEN + 1];
};

static struct ch_source *ch_of(struct event_source *src)
{
	return (struct ch_source *)src;
}

static void set_error(struct ch_source *s, const char *what, const char *detail, size_t len)
{
	strbuf_reset(&s->err);
	struct strbuf raw;
	strbuf_init(&raw, 256);
	strbuf_addstr(&raw, "ClickHouse at ");
	strbuf_addstr(&raw, ch_server(s->c));
	strbuf_addstr(&raw, ": ");
	strbuf_addstr(&raw, what);
	if (detail) {
		strbuf_addstr(&raw, ": ");
		strbuf_add(&raw, detail, len < CH_ERROR_SHOWN ? len : CH_ERROR_SHOWN);
	}
	sanitize_append(&s->err, raw.buf, raw.len, 0);
	strbuf_release(&raw);
}

int64_t source_clickhouse_id(const char *hex)
{
	int64_t v = 0;
	for (int i = 0; i < ID_DIGITS; i++) {
		char ch = hex[i];
		int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
		if (d < 0)
			return 0;
		v = v * 16 + d;
	}
	return v | ID_BIT;
}

/* The hex digits an id stands for (ID_DIGITS and a NUL), or -1 when it is no cluster id. */
static int id_hex(int64_t id, char hex[ID_DIGITS + 1])
{
	if (id <= 0 || !(id & ID_BIT) || (id & ~(ID_BIT | (ID_BIT - 1))))
		return -1;
	uint64_t v = (uint64_t)(id & (ID_BIT - 1));
	for (int i = ID_DIGITS - 1; i >= 0; i--, v >>= 4)
		hex[i] = "0123456789abcdef"[v & 15];
	hex[ID_DIGITS] = '\0';
	return 0;
}

/* The columns' forms in the answer (RowBinary), in the order ROW_ALL asks for them; a read
 * whose needles test the document asks for the same forms (if(needled, doc, ''), a condition). */
static const enum ch_rb_type row_types[F_COUNT] = {
    [F_TS] = CH_RB_INT64,
    [F_SHA] = CH_RB_STRING,
    [F_IDENTITY] = CH_RB_STRING,
    [F_INDEX] = CH_RB_STRING,
    [F_HOST_ID] = CH_RB_NULLABLE_STRING,
    [F_HOST_NAME] = CH_RB_NULLABLE_STRING,
    [F_OS_TYPE] = CH_RB_NULLABLE_STRING,
    [F_DERIVED] = CH_RB_STRING,
    [F_IRREGULAR] = CH_RB_UINT8,
    [F_NAMES_EXACT] = CH_RB_UINT8,
    [F_KIND] = CH_RB_NULLABLE_STRING,
    [F_CATEGORY] = CH_RB_STRING,
    [F_FILE_PATH] = CH_RB_NULLABLE_STRING,
    [F_ACTION] = CH_RB_NULLABLE_STRING,
    [F_EXECUTABLE] = CH_RB_NULLABLE_STRING,
    [F_PROCESS_NAME] = CH_RB_NULLABLE_STRING,
    [F_USER_NAME] = CH_RB_NULLABLE_STRING,
    [F_INGESTED] = CH_RB_NULLABLE_INT64,
    [F_DOC] = CH_RB_STRING,
    [F_CANDIDATE] = CH_RB_UINT8,
    [F_END] = CH_RB_STRING,
};

/* The columns detection prunes with, as the case holds them (store/events.h): the loader kept
 * the case's irregular, names_exact and kind (cluster/schema.c). Where the case's columns hold
 * every value, the typed columns hold the same strings: file.path is one string or none, the
 * four names likewise when names_exact; event.category's values joined with ',' as the case
 * joins them, unless a value is not a string (inexact: none is given, which every category
 * filter admits). */
static void fill_case_columns(struct event_record *r, const struct ch_rb_value *v, char *const *field, const long *flen)
{
	r->irregular = v[F_IRREGULAR].i != 0;
	r->names_exact = v[F_NAMES_EXACT].i == 1;
	r->kind = flen[F_KIND] >= 0 ? field[F_KIND] : NULL;
	r->category = flen[F_CATEGORY] > 0 ? field[F_CATEGORY] : NULL;
	r->file_path = flen[F_FILE_PATH] >= 0 ? field[F_FILE_PATH] : NULL;
	r->action = flen[F_ACTION] >= 0 ? field[F_ACTION] : NULL;
	r->executable = flen[F_EXECUTABLE] >= 0 ? field[F_EXECUTABLE] : NULL;
	r->process_name = flen[F_PROCESS_NAME] >= 0 ? field[F_PROCESS_NAME] : NULL;
	r->user_name = flen[F_USER_NAME] >= 0 ? field[F_USER_NAME] : NULL;
}

/* Whether a row read whole is one of the rows asked for: a hash of SHA256_HEX_LEN bytes, the
 * constant that ends it, a candidate flag of 0 or 1. ClickHouse's error text ending an answer
 * reads as no such row ("Code: N, " puts a digit, comma or space where the hash's length is). */
static int our_row(const struct ch_rb_value *v)
{
	return v[F_SHA].len == SHA256_HEX_LEN && v[F_END].len == 1 && v[F_END].s[0] == 'e' && v[F_CANDIDATE].i <= 1;
}

/* One row of ours (our_row), handed to the callback: its strings copied into rd->row, each
 * ended with a NUL, as event_record's fields are read. */
static int on_row(struct reader *rd, const struct ch_rb_value *v)
{
	char *field[F_COUNT];
	long flen[F_COUNT];
	size_t off[F_COUNT], total = 0;
	for (size_t i = 0; i < F_COUNT; i++)
		total += v[i].len + 1;
	strbuf_reset(&rd->row);
	strbuf_grow(&rd->row, total); /* one allocation: the pointers below stay put */
	for (size_t i = 0; i < F_COUNT; i++) {
		off[i] = rd->row.len;
		flen[i] = v[i].null ? -1 : (long)v[i].len;
		if (v[i].len)
			strbuf_add(&rd->row, v[i].s, v[i].len);
		strbuf_addch(&rd->row, '\0');
	}
	for (size_t i = 0; i < F_COUNT; i++)
		field[i] = rd->row.buf + off[i];
	int64_t ts = v[F_TS].i;
	int64_t id = source_clickhouse_id(field[F_SHA]);
	if (!id) {
		rd->bad = 1;
		set_error(rd->src, "a row casebook did not write", NULL, 0);
		return 1;
	}
	rd->rows++;
	rd->last_ts = ts;
	memcpy(rd->last_sha, field[F_SHA], SHA256_HEX_LEN + 1);
	if (v[F_CANDIDATE].i != 1)
		return 0; /* no needle in it: read for its place in the batch alone */
	struct candidate_row c = {.id = id, .time = ts};
	struct event_record *r = &c.ev.r;
	r->has_ingested = !v[F_INGESTED].null;
	r->ingested = r->has_ingested ? v[F_INGESTED].i : 0;
	if (rd->q && rd->q->use_ingested && r->has_ingested)
		c.time = r->ingested; /* the rule's time field, falling back to @timestamp as the case's does */
	c.ev.id = id;
	c.ev.doc = field[F_DOC];
	c.ev.doc_len = (size_t)flen[F_DOC];
	r->ts = ts;
	r->identity = flen[F_IDENTITY] > 0 ? field[F_IDENTITY] : NULL;
	r->index = flen[F_INDEX] > 0 ? field[F_INDEX] : NULL;
	r->host_id = flen[F_HOST_ID] >= 0 ? field[F_HOST_ID] : NULL; /* "" when the document's is (cluster/load.c) */
	r->host_name = flen[F_HOST_NAME] >= 0 ? field[F_HOST_NAME] : NULL;
	r->os_type = flen[F_OS_TYPE] >= 0 ? field[F_OS_TYPE] : NULL;
	r->derived = flen[F_DERIVED] > 0 ? field[F_DERIVED] : NULL; /* rules see host.os.type as the case does */
	fill_case_columns(r, v, field, flen);
	if (rd->efn) {
		rd->stopped = rd->efn(rd->ctx, &c.ev) != 0;
		return rd->stopped;
	}
	if (rd->q && rd->q->admit && !rd->q->admit(rd->q->admit_ctx, r))
		return 0;
	rd->stopped = rd->fn(rd->ctx, &c) != 0;
	return rd->stopped;
}

/* A setting from the environment (digits), else dflt: the tests read in every way. */
static long long env_number(const char *name, long long dflt)
{
	const char *e = getenv(name);
	if (!e || !*e || strlen(e) > 12 || strspn(e, "0123456789") != strlen(e))
		return dflt;
	return strtoll(e, NULL, 10);
}

/* Keeps one row of a chunk's answer (its len bytes as they came) with its key (ts_us,
 * doc_sha256), as ORDER BY would sort it. */
static int hold_row(struct reader *rd, const struct ch_rb_value *v, const char *row, size_t len)
{
	struct held *h = rd->held;
	if (h->buf.len + len > h->most) {
		h->overflow = 1;
		rd->stopped = 1;
		return 1;
	}
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 1024;
		h->rows = xrealloc(h->rows, h->cap * sizeof(*h->rows));
	}
	struct held_row *r = &h->rows[h->n++];
	r->off = h->buf.len;
	r->len = len;
	strbuf_add(&h->buf, row, len);
	r->ts = v[F_TS].i;
	memcpy(r->sha, v[F_SHA].s, SHA256_HEX_LEN);
	return 0;
}

static int held_order(const void *a, const void *b)
{
	const struct held_row *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	int c = memcmp(x->sha, y->sha, SHA256_HEX_LEN);
	if (c)
		return c;
	return x->off < y->off ? -1 : x->off > y->off; /* the same row twice (not yet merged): as it came */
}

/* The end of an answer that is no row of ours, kept in rd->line from where the rows stopped:
 * ClickHouse's error text (18.16 has answered 200 by the time a streamed query fails), else an
 * answer cut short inside a row or bytes that are no row. Sets the error (off the prefetch's
 * thread, which reads the chunk again when it fails). */
static void end_with_tail(struct reader *rd)
{
	rd->bad = 1;
	if (!rd->src)
		return;
	const char *t = rd->line.buf;
	size_t n = rd->line.len;
	while (n > 0 && t[n - 1] == '\n')
		n--;
	if (n >= 6 && !memcmp(t, "Code: ", 6))
		set_error(rd->src, "the answer ended with an error", t, n);
	else if (rd->tail)
		set_error(rd->src, "an answer that is not the rows asked for", NULL, 0);
	else
		set_error(rd->src, "the answer was cut short inside a row", NULL, 0);
}

/* Reads the rows of a RowBinary answer as its pieces arrive: a row whole in the piece is read
 * where it is, the bytes of one cut by the piece's end are kept in rd->line (at most
 * CH_ANSWER_MAX) until the rest comes. Once a row is not ours (our_row) the rest is the tail
 * (end_with_tail), kept up to CH_ERROR_SHOWN bytes. */
/* One row of ours (used bytes at p), to the batch being held or to the callback. */
static int take_row(struct reader *rd, const struct ch_rb_value *v, const char *p, size_t used)
{
	if (rd->held)
		return hold_row(rd, v, p, used);
	if (rd->keep_row) {
		strbuf_reset(&rd->src->last_row);
		strbuf_add(&rd->src->last_row, p, used);
	}
	return on_row(rd, v);
}

/* The row cut short that rd->line holds, completed from data with no more of it copied than
 * the row takes (a whole piece copied after it was as much again as the rows' own reading):
 * how many bytes of data it took (all of them while it is still not whole), or 0 when the line
 * is no row of ours (rd->line then holds data too, for the caller to find the tail there). */
static size_t complete_cut_row(struct reader *rd, const char *data, size_t len, int *stop)
{
	size_t taken = 0, piece = 4096;
	long used = 0;
	struct ch_rb_value v[F_COUNT];
	while (taken < len && used == 0) {
		size_t k = len - taken < piece ? len - taken : piece;
		strbuf_add(&rd->line, data + taken, k);
		taken += k;
		piece *= 2;
		used = ch_rowbinary_row(rd->line.buf, rd->line.len, row_types, F_COUNT, v);
	}
	if (used == 0)
		return len;
	if (used < 0 || !our_row(v)) {
		strbuf_add(&rd->line, data + taken, len - taken);
		return 0;
	}
	*stop = take_row(rd, v, rd->line.buf, (size_t)used);
	size_t past = rd->line.len - (size_t)used; /* bytes of data after the row */
	strbuf_reset(&rd->line);
	return taken - past;
}

static int on_chunk(void *ctx, const char *data, size_t len)
{
	struct reader *rd = ctx;
	if (rd->tail) {
		size_t room = CH_ERROR_SHOWN > rd->line.len ? CH_ERROR_SHOWN - rd->line.len : 0;
		strbuf_add(&rd->line, data, len < room ? len : room);
		if (len < room)
			return 0;
		end_with_tail(rd); /* enough of it to tell */
		return 1;
	}
	const char *p = data;
	size_t n = len, at = 0;
	int stop = 0;
	if (rd->line.len) { /* the rest of a row cut short */
		size_t taken = complete_cut_row(rd, data, len, &stop);
		if (taken) {
			at = taken;
		} else {
			p = rd->line.buf; /* no row of ours: the tail is found there */
			n = rd->line.len;
		}
	}
	while (at < n && !stop) {
		struct ch_rb_value v[F_COUNT];
		long used = ch_rowbinary_row(p + at, n - at, row_types, F_COUNT, v);
		if (used == 0)
			break;
		if (used < 0 || !our_row(v)) {
			rd->tail = 1;
			break;
		}
		stop = take_row(rd, v, p + at, (size_t)used);
		at += (size_t)used;
	}
	/* what is left: the start of a row, or the tail */
	if (p == data) {
		if (at < n || !rd->line.len) { /* else the row cut short is still being completed */
			strbuf_reset(&rd->line);
			strbuf_add(&rd->line, data + at, n - at);
		}
	} else {
		memmove(rd->line.buf, rd->line.buf + at, n - at);
		rd->line.len = n - at;
		rd->line.buf[rd->line.len] = '\0';
	}
	if (stop)
		return 1;
	if (rd->tail && rd->line.len >= CH_ERROR_SHOWN) {
		end_with_tail(rd);
		return 1;
	}
	if (rd->line.len > CH_ANSWER_MAX) {
		rd->bad = 1;
		if (rd->src) /* not on the prefetch's thread */
			set_error(rd->src, "a row larger than the largest answer taken", NULL, 0);
		return 1;
	}
	return 0;
}
/* One query on each server in turn, from the one read from last, until one answers: run, on
 * s->c, returns 0 or -1 with s->err. A failure that handed the caller a row (partial) is not
 * asked of the next server: the caller has half an answer. The server that answers is kept
 * for the next queries, and the notice names the ones that failed before it; when every one
 * fails, s->err names each. */
static int on_servers(struct ch_source *s, int (*run)(void *ctx), int (*partial)(void *ctx), void *ctx)
{
	struct strbuf failed;
	strbuf_init(&failed, 0);
	int rc = -1;
	for (size_t tried = 0; tried < s->nservers; tried++) {
		rc = run(ctx);
		if (rc == 0 || partial(ctx))
			break;
		if (failed.len)
			strbuf_addstr(&failed, "; ");
		strbuf_addstr(&failed, s->err.buf);
		if (tried + 1 == s->nservers)
			break;
		s->at = (s->at + 1) % s->nservers;
		s->c = s->servers[s->at];
	}
	if (rc == 0 && failed.len) {
		if (s->notice_taken || !s->notice.len) {
			strbuf_reset(&s->notice);
			s->notice_taken = 0;
		} else {
			strbuf_addstr(&s->notice, "; ");
		}
		strbuf_add(&s->notice, failed.buf, failed.len);
		strbuf_addf(&s->notice, ": reading from %s instead", ch_server(s->c));
	} else if (rc != 0 && s->nservers > 1 && failed.len) {
		strbuf_reset(&s->err);
		strbuf_add(&s->err, failed.buf, failed.len);
	}
	strbuf_release(&failed);
	return rc;
}

struct rows_query {
	struct reader *rd;
	const struct strbuf *query;
};

static int rows_partial(void *ctx)
{
	const struct rows_query *r = ctx;
	return r->rd->rows > 0 || r->rd->stopped;
}

static int read_rows_once(void *ctx);

/* Runs one query of rows; 0 (rows read, or the callback stopped), or -1 with the error. */
static int read_rows(struct reader *rd, const struct strbuf *query)
{
	struct rows_query r = {rd, query};
	return on_servers(rd->src, read_rows_once, rows_partial, &r);
}

static int read_rows_once(void *ctx)
{
	struct reader *rd = ((struct rows_query *)ctx)->rd;
	const struct strbuf *query = ((struct rows_query *)ctx)->query;
	rd->bad = rd->tail = 0;
	strbuf_reset(&rd->line);
	rd->rows = 0;
	int rc = ch_query_stream(rd->src->c, query->buf, on_chunk, rd);
	if (!rd->bad && rd->tail)
		end_with_tail(rd);
	if (rd->bad)
		return -1;
	if (rd->stopped)
		return 0;
	if (rc != 0) {
		strbuf_reset(&rd->src->err);
		strbuf_addstr(&rd->src->err, ch_errmsg(rd->src->c));
		return -1;
	}
	if (rd->line.len > 0) { /* an error's text, or an answer cut short inside a row */
		end_with_tail(rd);
		return -1;
	}
	return 0;
}

/* The conditions every candidate of q meets, after " WHERE 1". */
static void add_conditions(struct strbuf *sql, const struct candidate_query *q)
{
	if (q->has_window)
		strbuf_addf(sql, " AND %s >= %lld AND %s <= %lld", TIME_COLUMN(q->use_ingested), (long long)q->from,
		            TIME_COLUMN(q->use_ingested), (long long)q->to);
	/* the narrowing of the columns; a row whose columns are inexact, or that the case would
	 * hold as irregular (a field twice, nested and dotted), is always a candidate */
	strbuf_addstr(sql, " AND (irregular != 0 OR notEmpty(inexact) OR (1");
	if (q->host) {
		strbuf_addstr(sql, " AND (ifNull(host_name = ");
		ch_quote_string(sql, q->host, strlen(q->host));
		strbuf_addstr(sql, ", 0) OR host_id = ");
		ch_quote_string(sql, q->host, strlen(q->host));
		strbuf_addch(sql, ')');
	}
	if (q->path_lo) {
		strbuf_addstr(sql, " AND ifNull(file_path >= ");
		ch_quote_string(sql, q->path_lo, strlen(q->path_lo));
		strbuf_addstr(sql, ", 0)");
	}
	if (q->path_hi) {
		strbuf_addstr(sql, " AND ifNull(file_path < ");
		ch_quote_string(sql, q->path_hi, strlen(q->path_hi));
		strbuf_addstr(sql, ", 0)");
	}
	if (q->path_lower_prefix) {
		size_t n = strlen(q->path_lower_prefix);
		/* ASCII (lower() changes A-Z alone); a path that is not all ASCII stays a candidate, as
		 * store_candidate_admits keeps it (the lowercase normalizer maps more than A-Z) */
		strbuf_addf(sql, " AND ifNull(substring(lower(file_path), 1, %zu) = ", n);
		ch_quote_string(sql, q->path_lower_prefix, n);
		strbuf_addstr(sql, " OR length(file_path) != lengthUTF8(file_path), 0)");
	}
	if (q->ncategories) {
		strbuf_addstr(sql, " AND hasAny(event_category, [");
		for (size_t i = 0; i < q->ncategories && i < 4; i++) {
			strbuf_addstr(sql, i ? ", " : "");
			ch_quote_string(sql, q->categories[i], strlen(q->categories[i]));
		}
		strbuf_addstr(sql, "])");
	}
	strbuf_addstr(sql, " AND ");
	if (!ch_alts_condition(sql, q->alts, q->nalts))
		strbuf_addstr(sql, "1");
	strbuf_addstr(sql, "))");
}

/* The columns of struct column_filter's column numbers. */
static const char *const name_columns[] = {"process_name", "event_action", "user_name", "process_executable"};

/* The alternatives grouped by the categories they require (a stage's own, else its rule's
 * list; none: any), each group with the values its name columns may hold (one column of each
 * alternative, the first: a superset), or none when one of the group's tests no name. One
 * condition per group and one IN per column keep the server's work per row small: an
 * expression per alternative cost 1.6 s per 100,000 rows for Elastic's 97 macOS rules. */
struct alt_group {
	const char *const *categories; /* the requirement: event_category lists one (none: any) */
	size_t ncategories;
	int any_name; /* an alternative tests no name: the group admits every name */
	struct name_values {
		const char **values;
		size_t n;
	} names[8]; /* by column * 2 + caseless */
};

static int same_categories(const struct alt_group *g, const char *const *c, size_t n)
{
	if (g->ncategories != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(g->categories[i], c[i]))
			return 0;
	return 1;
}

#define NAME_COLUMNS (sizeof(name_columns) / sizeof(*name_columns))

static void group_alt(struct alt_group **groups, size_t *ngroups, const struct candidate_alt *a)
{
	const char *const *cats = a->category ? &a->category : a->categories;
	size_t ncats = a->category ? 1 : a->ncategories < 4 ? a->ncategories : 4;
	struct alt_group *g = NULL;
	for (size_t i = 0; i < *ngroups && !g; i++)
		if (same_categories(&(*groups)[i], cats, ncats))
			g = &(*groups)[i];
	if (!g) {
		*groups = xrealloc(*groups, (*ngroups + 1) * sizeof(**groups));
		g = &(*groups)[(*ngroups)++];
		memset(g, 0, sizeof(*g));
		g->categories = cats;
		g->ncategories = ncats;
	}
	const struct column_filter *f = NULL;
	for (size_t i = 0; i < a->ncolumns && !f; i++)
		if (a->columns[i].column >= 0 && (size_t)a->columns[i].column < NAME_COLUMNS && a->columns[i].n)
			f = &a->columns[i];
	if (!f) {
		g->any_name = 1;
		return;
	}
	struct name_values *v = &g->names[f->column * 2 + !!f->caseless];
	v->values = xrealloc(v->values, (v->n + f->n) * sizeof(*v->values));
	for (size_t k = 0; k < f->n; k++)
		v->values[v->n++] = f->values[k];
}

/* value, through the lowercase normalizer when caseless (as detect/scan.c lists it): a column
 * value that is ASCII meets it through lower(), which changes A-Z alone, the normalizer's doing on
 * ASCII; one that is not stays a candidate (add_group) */
static void add_name_value(struct strbuf *sql, const char *value, int caseless)
{
	size_t len = strlen(value);
	if (!caseless) {
		ch_quote_string(sql, value, len);
		return;
	}
	char *low = casemap_lower(value, len);
	ch_quote_string(sql, low, strlen(low));
	free(low);
}

static void add_group(struct strbuf *sql, const struct alt_group *g)
{
	strbuf_addstr(sql, "(1");
	if (g->ncategories) { /* a row that lists none admits every category, as the case's NULL column */
		strbuf_addstr(sql, " AND (empty(event_category) OR hasAny(event_category, [");
		for (size_t i = 0; i < g->ncategories; i++) {
			strbuf_addstr(sql, i ? ", " : "");
			ch_quote_string(sql, g->categories[i], strlen(g->categories[i]));
		}
		strbuf_addstr(sql, "]))");
	}
	if (!g->any_name) { /* the names' columns vouch for their fields only where names_exact says so */
		strbuf_addstr(sql, " AND (names_exact != 1");
		for (size_t c = 0; c < 2 * NAME_COLUMNS; c++) {
			const struct name_values *v = &g->names[c];
			if (!v->n)
				continue;
			strbuf_addf(sql, c % 2 ? " OR ifNull(lower(%s) IN (" : " OR ifNull(%s IN (",
			            name_columns[c / 2]);
			for (size_t k = 0; k < v->n; k++) {
				strbuf_addstr(sql, k ? ", " : "");
				add_name_value(sql, v->values[k], (int)(c % 2));
			}
			strbuf_addstr(sql, "), 0)");
			if (c % 2)
				strbuf_addf(sql, " OR ifNull(length(%s) != lengthUTF8(%s), 0)", name_columns[c / 2],
				            name_columns[c / 2]);
		}
		strbuf_addch(sql, ')');
	}
	strbuf_addch(sql, ')');
}

int ch_alts_condition(struct strbuf *sql, const struct candidate_alt *alts, size_t n)
{
	struct alt_group *groups = NULL;
	size_t ngroups = 0, start = sql->len;
	int pushed = 1;
	for (size_t i = 0; i < n; i++)
		group_alt(&groups, &ngroups, &alts[i]);
	for (size_t i = 0; i < ngroups && pushed; i++)
		pushed = groups[i].ncategories || !groups[i].any_name; /* else: any row */
	if (pushed && ngroups) {
		/* the case lists a category holding ',' as two: such a row is always a candidate */
		strbuf_addstr(sql, "(arrayExists(c -> position(c, ',') > 0, event_category)");
		for (size_t i = 0; i < ngroups; i++) {
			strbuf_addstr(sql, " OR ");
			add_group(sql, &groups[i]);
		}
		strbuf_addch(sql, ')');
	}
	for (size_t i = 0; i < ngroups; i++)
		for (size_t c = 0; c < 2 * NAME_COLUMNS; c++)
			free(groups[i].names[c].values);
	free(groups);
	if (!pushed || !ngroups || sql->len - start > CH_ALTS_PUSHED_BYTES) { /* left to the local prefilters */
		sql->len = start;
		sql->buf[start] = '\0';
		return 0;
	}
	return 1;
}

/* The condition that resumes an ordered read: after the caller's position on the first
 * query, after the last row read on the next ones. */
static void add_resume(struct strbuf *sql, const struct candidate_query *q, int first, const struct reader *rd)
{
	char hex[ID_DIGITS + 1];
	if (first && q->by_event_time && q->resume && id_hex(q->resume_id, hex) == 0) {
		strbuf_addf(sql, " AND (ts_us > %lld OR (ts_us = %lld AND substring(doc_sha256, 1, %d) > ",
		            (long long)q->resume_ts, (long long)q->resume_ts, ID_DIGITS);
		ch_quote_string(sql, hex, ID_DIGITS);
		strbuf_addstr(sql, "))");
	} else if (!first) {
		strbuf_addf(sql, " AND (ts_us > %lld OR (ts_us = %lld AND doc_sha256 > ", (long long)rd->last_ts,
		            (long long)rd->last_ts);
		ch_quote_string(sql, rd->last_sha, SHA256_HEX_LEN);
		strbuf_addstr(sql, "))");
	}
}

/* Whether needle a (lower-cased, alen bytes) holds b: a document holding a holds b, so of the
 * two alternatives b alone need be searched. */
static int holds_needle(const char *a, size_t alen, const char *b, size_t blen)
{
	for (size_t i = 0; blen <= alen && i + blen <= alen; i++)
		if (!memcmp(a + i, b, blen))
			return 1;
	return 0;
}

/* Whether a needle is printable ASCII but quote and backslash, as needle_candidate takes them:
 * then a position in lower(doc) (A-Z lower-cased, other bytes as they are) finds it where the
 * local scan does. */
static int plain_needle(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			return 0;
	return len > 0;
}

int ch_needles_condition(struct strbuf *sql, const struct needles *const *sets, size_t nsets)
{
	/* every needle of every set, but those holding another (a document holding the longer holds
	 * the shorter) and repeats: their OR admits what any set admits */
	size_t total = 0;
	for (size_t i = 0; i < nsets; i++) {
		if (!sets[i] || !sets[i]->usable || !sets[i]->n || sets[i]->n > NEEDLES_MAX)
			return 0; /* a set that rules nothing out: every row is a candidate */
		for (size_t k = 0; k < sets[i]->n; k++)
			if (!plain_needle(sets[i]->text[k], sets[i]->len[k]))
				return 0;
		total += sets[i]->n;
	}
	if (!total)
		return 0;
	const char **text = xmalloc(total * sizeof(*text));
	size_t *len = xmalloc(total * sizeof(*len)), n = 0, kept = 0;
	for (size_t i = 0; i < nsets; i++)
		for (size_t k = 0; k < sets[i]->n; k++)
			text[n] = sets[i]->text[k], len[n++] = sets[i]->len[k];
	unsigned char *dropped = xcalloc(n, 1);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < n && !dropped[i]; k++) /* a shorter one it holds, or itself earlier */
			if (k != i && holds_needle(text[i], len[i], text[k], len[k]) && (len[k] < len[i] || k < i))
				dropped[i] = 1;
		kept += !dropped[i];
	}
	if (kept <= CH_NEEDLES_PUSHED) {
		/* a JSON escape can spell a needle without its bytes (\u00XX, \/): the local scan
		 * parses every document holding one, so each is a candidate */
		strbuf_addstr(sql, "(position(doc, ");
		ch_quote_string(sql, "\\u", 2);
		strbuf_addstr(sql, ") > 0 OR position(doc, ");
		ch_quote_string(sql, "\\/", 2);
		strbuf_addstr(sql, ") > 0");
		/* and so is a document holding U+0130 or U+212A, which the lowercase normalizer
		 * turns into ASCII's i and k (needles_admit) */
		strbuf_addstr(sql, " OR position(doc, ");
		ch_quote_string(sql, "\xc4\xb0", 2);
		strbuf_addstr(sql, ") > 0 OR position(doc, ");
		ch_quote_string(sql, "\xe2\x84\xaa", 3);
		strbuf_addstr(sql, ") > 0");
		/* lower() changes A-Z alone, as the needles are lower-cased: ASCII case aside, as the
		 * local scan; computed once for every needle (positionCaseInsensitive is several times
		 * slower on 18.16) */
		for (size_t i = 0; i < n; i++) {
			if (dropped[i])
				continue;
			strbuf_addstr(sql, " OR position(lower(doc), ");
			ch_quote_string(sql, text[i], len[i]);
			strbuf_addstr(sql, ") > 0");
		}
		strbuf_addch(sql, ')');
	}
	free(dropped);
	free(text);
	free(len);
	return kept <= CH_NEEDLES_PUSHED;
}

/* An ordered read in batches the server sorts, each a query that resumes after the last row
 * of the one before (the first after the caller's position when first), within range when
 * given (a condition on ts_us). */
static int read_batches(struct reader *rd, const struct candidate_query *q, const struct needles *const *needles,
                        size_t nneedles, size_t batch, const char *range, int first)
{
	/* the needles, tested on the documents the batch reads anyway (its keys come from the key
	 * columns alone): a row holding none is sent without its document, for its place */
	struct strbuf needle_doc, sql;
	strbuf_init(&needle_doc, 256);
	strbuf_init(&sql, 1024);
	strbuf_addstr(&needle_doc, "if(needled, doc, ''), ");
	if (ch_needles_condition(&needle_doc, needles, nneedles)) {
		strbuf_addstr(&needle_doc, " AS needled, 'e'");
	} else {
		strbuf_reset(&needle_doc);
		strbuf_addstr(&needle_doc, ROW_DOC);
	}
	int rc = 0;
	for (;;) {
		/* the batch's keys, read from the key columns alone, then the rows holding them (a
		 * GLOBAL IN: the keys chosen once, over the shards): only the parts holding them have
		 * their documents read and sorted, not every remaining row's */
		strbuf_reset(&sql);
		strbuf_addstr(&sql, "SELECT " ROW_COLUMNS);
		strbuf_add(&sql, needle_doc.buf, needle_doc.len);
		strbuf_addstr(&sql, FROM_EVENTS
		              " PREWHERE (ts_us, doc_sha256) GLOBAL IN (SELECT ts_us, doc_sha256" FROM_EVENTS
		              " WHERE 1");
		add_conditions(&sql, q);
		if (range)
			strbuf_addstr(&sql, range);
		add_resume(&sql, q, first, rd);
		strbuf_addf(&sql, " ORDER BY ts_us, doc_sha256 LIMIT %zu) ORDER BY ts_us, doc_sha256 FORMAT RowBinary",
		            batch);
		first = 0;
		rc = read_rows(rd, &sql);
		if (rc || rd->stopped || rd->rows < batch || (q->batch_end && q->batch_end(q->batch_ctx)))
			break;
		/* fewer, larger batches after the first: the caller may want only the first rows */
		batch = batch * 2 <= CH_SOURCE_BATCH_MAX ? batch * 2 : CH_SOURCE_BATCH_MAX;
	}
	strbuf_release(&needle_doc);
	strbuf_release(&sql);
	return rc;
}

static int query_numbers(struct ch_source *s, const char *sql, long long *v, size_t n);
static int query_answer(struct ch_source *s, const char *sql, struct strbuf *answer);

/* Plans an ordered read of the rows where (the conditions after " WHERE 1") in chunks of at
 * most CH_CHUNK_ROWS rows by their time: the count and extent of ts_us, then a count per
 * bucket of time (CH_CHUNK_BUCKETS at most), buckets joined in order while they fit. A bucket
 * of more rows is a chunk of its own (read in server-sorted batches). 0, or -1. */
static int plan_chunks(struct ch_source *s, const char *where)
{
	free(s->chunks);
	s->chunks = NULL;
	s->nchunks = 0;
	s->done_chunk = 0;
	s->done_ts = s->done_id = 0;
	s->plan_gen++;
	strbuf_reset(&s->plan_where);
	struct strbuf sql, answer;
	strbuf_init(&sql, 1024);
	strbuf_init(&answer, 4096);
	long long v[3];
	strbuf_addf(&sql, "SELECT count(), min(ts_us), max(ts_us)" FROM_EVENTS " WHERE 1%s FORMAT TabSeparated", where);
	int rc = query_numbers(s, sql.buf, v, 3);
	if (rc || v[0] <= 0)
		goto out;
	int64_t lo = v[1], hi = v[2];
	uint64_t span = (uint64_t)hi - (uint64_t)lo;
	if (hi < lo || span > (uint64_t)INT64_MAX / 2) { /* one chunk, read in batches */
		s->chunks = xmalloc(sizeof(*s->chunks));
		s->chunks[0] = (struct chunk){lo, hi, UINT64_MAX};
		s->nchunks = 1;
		goto out;
	}
	uint64_t nb = (uint64_t)v[0] / (s->chunk_rows / 8 ? s->chunk_rows / 8 : 1) + 1;
	nb = nb < CH_CHUNK_BUCKETS ? nb : CH_CHUNK_BUCKETS;
	uint64_t width = span / nb + 1;
	strbuf_reset(&sql);
	strbuf_addf(&sql,
	            "SELECT intDiv(ts_us - (%lld), %llu) AS b, count()" FROM_EVENTS
	            " WHERE 1%s GROUP BY b ORDER BY b FORMAT TabSeparated",
	            (long long)lo, (unsigned long long)width, where);
	rc = query_answer(s, sql.buf, &answer);
	size_t cap = 0;
	for (const char *p = answer.buf; !rc && *p;) {
		char *end;
		unsigned long long b = strtoull(p, &end, 10), n;
		if (end == p || *end != '\t' || b >= nb) {
			rc = -1;
			break;
		}
		p = end + 1;
		n = strtoull(p, &end, 10);
		if (end == p || *end != '\n') {
			rc = -1;
			break;
		}
		p = end + 1;
		int64_t blo = lo + (int64_t)(b * width), bhi = (int64_t)((uint64_t)blo + width - 1);
		bhi = bhi < hi ? bhi : hi;
		struct chunk *last = s->nchunks ? &s->chunks[s->nchunks - 1] : NULL;
		if (last && last->rows + n <= s->chunk_rows) {
			last->hi = bhi;
			last->rows += n;
			continue;
		}
		if (s->nchunks == cap) {
			cap = cap ? cap * 2 : 64;
			s->chunks = xrealloc(s->chunks, cap * sizeof(*s->chunks));
		}
		s->chunks[s->nchunks++] = (struct chunk){blo, bhi, n};
	}
	if (rc && !s->err.len)
		set_error(s, "an answer that is not a count of rows by time", answer.buf, answer.len);
out:
	if (rc) {
		free(s->chunks);
		s->chunks = NULL;
		s->nchunks = 0;
	} else {
		strbuf_addstr(&s->plan_where, where);
	}
	strbuf_release(&sql);
	strbuf_release(&answer);
	return rc;
}

/* Hands over a chunk's held rows in (ts_us, doc_sha256) order. */
static int hand_over(struct reader *rd, struct held *h)
{
	if (!h->n)
		return 0;
	qsort(h->rows, h->n, sizeof(*h->rows), held_order);
	for (size_t i = 0; i < h->n; i++) {
		struct ch_rb_value v[F_COUNT]; /* read whole once already (on_chunk) */
		if (ch_rowbinary_row(h->buf.buf + h->rows[i].off, h->rows[i].len, row_types, F_COUNT, v) !=
		        (long)h->rows[i].len ||
		    on_row(rd, v))
			break;
	}
	return rd->bad ? -1 : 0;
}

static void *prefetch_run(void *arg)
{
	struct prefetch *pf = arg;
	struct reader rd = {.held = &pf->held, .line = pf->line};
	strbuf_reset(&rd.line);
	int rc = ch_query_stream(pf->c, pf->sql.buf, on_chunk, &rd);
	pf->line = rd.line;
	pf->ok = rc == 0 && !rd.bad && !rd.tail && !pf->held.overflow && rd.line.len == 0;
	return NULL;
}

/* Waits for the prefetch's thread, if one runs. */
static void prefetch_join(struct prefetch *pf)
{
	if (pf->running)
		pthread_join(pf->thread, NULL);
	pf->running = 0;
}

/* Starts reading chunk i (sql) on the prefetch's thread. */
static void prefetch_start(struct ch_source *s, size_t i, const struct strbuf *sql)
{
	struct prefetch *pf = &s->pf;
	prefetch_join(pf);
	if (!pf->c && !pf->no_conn) {
		struct strbuf err;
		strbuf_init(&err, 0);
		pf->no_conn = ch_open(s->urls[s->at], s->has_opts ? &s->opts : NULL, &pf->c, &err) != 0;
		strbuf_release(&err);
	}
	if (pf->no_conn)
		return;
	strbuf_reset(&pf->sql);
	strbuf_add(&pf->sql, sql->buf, sql->len);
	strbuf_reset(&pf->held.buf);
	pf->held.n = 0;
	pf->held.overflow = 0;
	pf->held.most = s->held.most;
	pf->ok = 0;
	pf->gen = s->plan_gen;
	pf->chunk = i;
	pf->running = pthread_create(&pf->thread, NULL, prefetch_run, pf) == 0;
}

/* Whether chunk i was read whole by the prefetch: its rows are then s->held's. */
static int prefetch_take(struct ch_source *s, size_t i)
{
	struct prefetch *pf = &s->pf;
	if (!pf->running)
		return 0;
	prefetch_join(pf);
	if (!pf->ok || pf->gen != s->plan_gen || pf->chunk != i)
		return 0;
	struct held t = s->held;
	s->held = pf->held;
	pf->held = t;
	return 1;
}

/* The query of chunk i (i == nchunks: after the last one), after the caller's position when
 * first (a chunk after the first is after every row handed over before it). */
static void chunk_sql(struct strbuf *sql, const struct ch_source *s, size_t i, const char *where, const char *needled,
                      const struct candidate_query *q, int first)
{
	strbuf_reset(sql);
	/* PREWHERE: the documents of a granule none of whose rows is in the chunk are not read
	 * (18.16 moves none of these conditions there itself) */
	strbuf_addstr(sql, "SELECT " ROW_ALL FROM_EVENTS " PREWHERE 1");
	if (i == s->nchunks && s->nchunks)
		strbuf_addf(sql, " AND ts_us > %lld", (long long)s->chunks[i - 1].hi);
	else if (i < s->nchunks)
		strbuf_addf(sql, " AND ts_us >= %lld AND ts_us <= %lld", (long long)s->chunks[i].lo,
		            (long long)s->chunks[i].hi);
	strbuf_addstr(sql, where);
	if (first)
		add_resume(sql, q, 1, NULL);
	strbuf_addstr(sql, " WHERE ");
	strbuf_addstr(sql, needled);
	strbuf_addstr(sql, " FORMAT RowBinary");
}

/* An ordered read of every row q admits, in chunks of time (plan_chunks, kept for a read
 * that resumes): each chunk one query in no order, its rows held (CH_CHUNK_BYTES at most)
 * and sorted here, so the server sorts no document; a chunk of more rows, or more bytes, is
 * read in server-sorted batches instead. Events loaded after the plan, later than its last
 * chunk, are read at the end. */
static int read_chunks(struct reader *rd, const struct candidate_query *q, const struct needles *const *needles,
                       size_t nneedles)
{
	struct ch_source *s = rd->src;
	struct strbuf where, sql, range, needled;
	strbuf_init(&where, 1024);
	strbuf_init(&sql, 1024);
	strbuf_init(&range, 128);
	strbuf_init(&needled, 256);
	add_conditions(&where, q);
	int rc = 0;
	if (!q->resume || strcmp(where.buf, s->plan_where.buf) || !s->plan_where.len)
		rc = plan_chunks(s, where.buf);
	if (!ch_needles_condition(&needled, needles, nneedles))
		strbuf_addstr(&needled, "1");
	size_t i = 0;
	if (q->resume && q->resume_ts == s->done_ts && q->resume_id == s->done_id)
		i = s->done_chunk; /* on after the chunks handed over whole */
	else if (q->resume)
		while (i < s->nchunks && s->chunks[i].hi < q->resume_ts)
			i++;
	for (; !rc && i <= s->nchunks; i++) {
		/* before any row is handed over, the caller's position; then after the last row */
		int first = !rd->last_sha[0];
		int tail = i == s->nchunks; /* after the plan's last chunk */
		strbuf_reset(&range);
		if (tail && s->nchunks)
			strbuf_addf(&range, " AND ts_us > %lld", (long long)s->chunks[i - 1].hi);
		else if (!tail)
			strbuf_addf(&range, " AND ts_us >= %lld AND ts_us <= %lld", (long long)s->chunks[i].lo,
			            (long long)s->chunks[i].hi);
		else if (!q->resume)
			break; /* nothing was there to plan */
		int batched = !tail && s->chunks[i].rows > s->chunk_rows;
		if (!batched) {
			struct held *h = &s->held;
			if (!prefetch_take(s, i)) {
				chunk_sql(&sql, s, i, where.buf, needled.buf, q, first);
				strbuf_reset(&h->buf);
				h->n = 0;
				h->overflow = 0;
				rd->held = h;
				rc = read_rows(rd, &sql);
				rd->held = NULL;
				rd->stopped = 0;
			}
			batched = h->overflow;
			if (!rc && !batched && i + 1 < s->nchunks && s->chunks[i + 1].rows <= s->chunk_rows) {
				chunk_sql(&sql, s, i + 1, where.buf, needled.buf, q, 0);
				prefetch_start(s, i + 1, &sql);
			}
			if (!rc && !batched)
				rc = hand_over(rd, h);
		}
		if (!rc && batched) { /* the server sorts it, a batch at a time */
			strbuf_reset(&s->held.buf);
			s->held.n = 0;
			rc = read_batches(rd, q, needles, nneedles, CH_SOURCE_BATCH_MAX, range.buf, first);
		}
		if (!rc && !rd->stopped && rd->last_sha[0]) { /* a read resuming here goes on with the next */
			s->done_chunk = i + 1;
			s->done_ts = rd->last_ts;
			s->done_id = source_clickhouse_id(rd->last_sha);
		}
		if (rc || rd->stopped || (q->batch_end && q->batch_end(q->batch_ctx)))
			break;
	}
	strbuf_release(&where);
	strbuf_release(&sql);
	strbuf_release(&range);
	strbuf_release(&needled);
	return rc;
}

static int ch_candidates(struct event_source *src, const struct candidate_query *q,
                         const struct needles *const *needles, size_t nneedles, candidate_fn fn, void *ctx)
{
	struct ch_source *s = ch_of(src);
	if (q->after_id) {
		set_error(s, "a cluster's events have no load order to read on after", NULL, 0);
		return -1;
	}
	struct reader rd = {.src = s, .q = q, .fn = fn, .ctx = ctx};
	strbuf_init(&rd.line, 4096);
	strbuf_init(&rd.row, 4096);
	struct strbuf sql;
	strbuf_init(&sql, 1024);
	int rc = 0;
	/* each batch reads the documents of every part its rows fall in: as few as the caller allows */
	size_t batch = q->wants_rows > CH_SOURCE_BATCH ? q->wants_rows : CH_SOURCE_BATCH;
	if (q->batch_end) /* the caller stops only between batches: as few as can be */
		batch = CH_SOURCE_BATCH_MAX;
	batch = batch < CH_SOURCE_BATCH_MAX ? batch : CH_SOURCE_BATCH_MAX;
	if (q->any_order && !q->by_event_time) {
		/* the caller sorts what it keeps: one streamed scan, no sort in the server (a batch
		 * ordered and limited reads every row's document to sort them, each batch again) */
		strbuf_addstr(&sql, "SELECT " ROW_ALL FROM_EVENTS " WHERE 1");
		add_conditions(&sql, q);
		strbuf_addstr(&sql, " AND ");
		if (!ch_needles_condition(&sql, needles, nneedles))
			strbuf_addstr(&sql, "1");
		strbuf_addstr(&sql, " FORMAT RowBinary");
		rc = read_rows(&rd, &sql);
		strbuf_release(&sql);
		strbuf_release(&rd.line);
		strbuf_release(&rd.row);
		return rc;
	}
	if (batch == CH_SOURCE_BATCH_MAX) /* every row (the pass): chunks of time, sorted here */
		rc = read_chunks(&rd, q, needles, nneedles);
	else
		rc = read_batches(&rd, q, needles, nneedles, batch, NULL, 1);
	strbuf_release(&sql);
	strbuf_release(&rd.line);
	strbuf_release(&rd.row);
	return rc;
}

struct numbers_query {
	struct ch_source *s;
	const char *sql;
	struct strbuf *answer;
};

static int numbers_once(void *ctx)
{
	struct numbers_query *q = ctx;
	strbuf_reset(q->answer);
	if (ch_query(q->s->c, q->sql, q->answer) == 0)
		return 0;
	strbuf_reset(&q->s->err);
	strbuf_addstr(&q->s->err, ch_errmsg(q->s->c));
	return -1;
}

static int never_partial(void *ctx)
{
	(void)ctx;
	return 0;
}

/* The whole answer to a query (a few lines). 0, or -1 with the error. */
static int query_answer(struct ch_source *s, const char *sql, struct strbuf *answer)
{
	struct numbers_query q = {s, sql, answer};
	return on_servers(s, numbers_once, never_partial, &q);
}

/* One answer line of numbers into v (n of them, tab-separated). */
static int query_numbers(struct ch_source *s, const char *sql, long long *v, size_t n)
{
	struct strbuf a;
	strbuf_init(&a, 64);
	struct numbers_query q = {s, sql, &a};
	int rc = on_servers(s, numbers_once, never_partial, &q);
	const char *p = a.buf;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *end;
		v[i] = strtoll(p, &end, 10);
		if (end == p || *end != (i + 1 < n ? '\t' : '\n')) {
			set_error(s, "an answer that is not numbers", a.buf, a.len);
			rc = -1;
		}
		p = end + 1;
	}
	strbuf_release(&a);
	return rc;
}

/* The count, smallest and largest of a time expression over the events (0 and 0 when none). */
static int time_extent(struct ch_source *s, const char *sql, int64_t *lo, int64_t *hi)
{
	long long v[3];
	*lo = *hi = 0;
	if (query_numbers(s, sql, v, 3))
		return -1;
	if (v[0] > 0)
		*lo = v[1], *hi = v[2];
	return 0;
}

static int ch_time_span(struct event_source *src, int use_ingested, int64_t after_id, int64_t *lo, int64_t *hi)
{
	struct ch_source *s = ch_of(src);
	*lo = *hi = 0;
	if (after_id) {
		set_error(s, "a cluster's events have no load order to read on after", NULL, 0);
		return -1;
	}
	return time_extent(s,
	                   use_ingested ? "SELECT count(), min(ifNull(ingested_us, ts_us)), max(ifNull(ingested_us, "
	                                  "ts_us))" FROM_EVENTS " FORMAT TabSeparated"
	                                : "SELECT count(), min(ts_us), max(ts_us)" FROM_EVENTS " FORMAT TabSeparated",
	                   lo, hi);
}

/* As the case's: with use_ingested, over the events that have event.ingested alone. */
static int ch_time_bounds(struct event_source *src, int use_ingested, int64_t *lo, int64_t *hi)
{
	return time_extent(ch_of(src),
	                   use_ingested ? "SELECT count(ingested_us), ifNull(min(ingested_us), 0), "
	                                  "ifNull(max(ingested_us), 0)" FROM_EVENTS " FORMAT TabSeparated"
	                                : "SELECT count(), min(ts_us), max(ts_us)" FROM_EVENTS " FORMAT TabSeparated",
	                   lo, hi);
}

static int64_t ch_newest_id(struct event_source *src)
{
	struct ch_source *s = ch_of(src);
	long long n = 0;
	if (s->has_events)
		return 1;
	if (query_numbers(s, "SELECT count()" FROM_EVENTS " FORMAT TabSeparated", &n, 1))
		return -1;
	s->has_events = n > 0;
	return n > 0;
}

/* The shared pass reads in any order (the server sorts no document) only over a cluster of at
 * most CH_ANY_ORDER_MAX_EVENTS events: its runs then hold their hits to the end, about 220 bytes
 * each (a sequence stage of Elastic's macOS rules takes one event in eight), tens of MiB here
 * but over 1 GiB at 10^7 events (docs/PERFORMANCE.md). Past it the pass reads in time order and
 * its runs stream, in memory bounded by the batch. */
#define CH_ANY_ORDER_MAX_EVENTS 250000

/* CASEBOOK_CLUSTER_ANY_ORDER_MAX (digits) sets that bound: the tests read in both ways. */
static long long any_order_max_events(void)
{
	return env_number("CASEBOOK_CLUSTER_ANY_ORDER_MAX", CH_ANY_ORDER_MAX_EVENTS);
}

static int ch_reads_any_order(struct event_source *src)
{
	struct ch_source *s = ch_of(src);
	if (s->any_order < 0) {
		long long n = 0, most = any_order_max_events();
		/* a failed count reads in order: the pass's own query reports the server */
		s->any_order = most > 0 &&
		               !query_numbers(s, "SELECT count()" FROM_EVENTS " FORMAT TabSeparated", &n, 1) &&
		               n <= most;
	}
	return s->any_order;
}

/* Reads the one event with id (fn called once); -1 when there is none or the server fails. */
static int read_one(struct ch_source *s, int64_t id, event_fn fn, void *ctx)
{
	char hex[ID_DIGITS + 1];
	if (id_hex(id, hex)) {
		set_error(s, "no event has that id", NULL, 0);
		return -1;
	}
	struct reader rd = {.src = s, .efn = fn, .ctx = ctx, .keep_row = 1};
	strbuf_init(&rd.line, 4096);
	strbuf_init(&rd.row, 4096);
	if (id == s->last_id) { /* the same row again, its bytes read afresh */
		struct ch_rb_value v[F_COUNT];
		if (ch_rowbinary_row(s->last_row.buf, s->last_row.len, row_types, F_COUNT, v) > 0)
			on_row(&rd, v);
		strbuf_release(&rd.line);
		strbuf_release(&rd.row);
		return rd.bad ? -1 : 0;
	}
	s->last_id = 0;
	struct strbuf sql;
	strbuf_init(&sql, 256);
	strbuf_addf(&sql, "SELECT " ROW_ALL FROM_EVENTS " WHERE substring(doc_sha256, 1, %d) = ", ID_DIGITS);
	ch_quote_string(&sql, hex, ID_DIGITS);
	strbuf_addstr(&sql, " ORDER BY doc_sha256 LIMIT 1 FORMAT RowBinary");
	int rc = read_rows(&rd, &sql);
	if (rc == 0 && rd.rows == 0) {
		set_error(s, "no event has that id", NULL, 0);
		rc = -1;
	}
	if (rc == 0 && rd.rows == 1 && !rd.bad)
		s->last_id = id;
	strbuf_release(&sql);
	strbuf_release(&rd.line);
	strbuf_release(&rd.row);
	return rc;
}

static int ch_events_get(struct event_source *src, const int64_t *ids, size_t n, event_fn fn, void *ctx)
{
	struct ch_source *s = ch_of(src);
	struct strbuf sql;
	strbuf_init(&sql, 256 + n * (ID_DIGITS + 4));
	strbuf_addf(&sql, "SELECT " ROW_ALL FROM_EVENTS " WHERE substring(doc_sha256, 1, %d) IN (", ID_DIGITS);
	size_t asked = 0;
	for (size_t i = 0; i < n; i++) {
		char hex[ID_DIGITS + 1];
		if (id_hex(ids[i], hex))
			continue; /* no cluster id: no event has it */
		strbuf_addstr(&sql, asked++ ? ", " : "");
		ch_quote_string(&sql, hex, ID_DIGITS);
	}
	/* by hash: of two documents whose hashes share an id's digits, the first is the one
	 * read_one gives, and the caller keeps the first it sees */
	strbuf_addstr(&sql, ") ORDER BY doc_sha256 FORMAT RowBinary");
	struct reader rd = {.src = s, .efn = fn, .ctx = ctx};
	strbuf_init(&rd.line, 4096);
	strbuf_init(&rd.row, 4096);
	int rc = asked ? read_rows(&rd, &sql) : 0;
	strbuf_release(&sql);
	strbuf_release(&rd.line);
	strbuf_release(&rd.row);
	return rc;
}

static int ch_event_get(struct event_source *src, int64_t id, int want_doc, event_fn fn, void *ctx)
{
	(void)want_doc; /* the document is the event: it is always read */
	return read_one(ch_of(src), id, fn, ctx);
}

struct identity_out {
	struct strbuf *identity, *index;
};

static int take_identity(void *ctx, const struct event_row *row)
{
	struct identity_out *o = ctx;
	strbuf_addstr(o->identity, row->r.identity ? row->r.identity : "");
	strbuf_addstr(o->index, row->r.index ? row->r.index : "");
	return 0;
}

static int ch_event_identity(struct event_source *src, int64_t id, struct strbuf *identity, struct strbuf *index)
{
	struct identity_out o = {identity, index};
	return read_one(ch_of(src), id, take_identity, &o);
}

static const char *ch_errmsg_of(struct event_source *src)
{
	return ch_of(src)->err.buf;
}

/* The hosts as the case tells them apart, (host.id, host.name), among the path's events. */
static int ch_path_hosts(struct event_source *src, const char *path, int64_t *hosts)
{
	struct ch_source *s = ch_of(src);
	struct strbuf sql;
	strbuf_init(&sql, 256);
	strbuf_addstr(&sql, "SELECT uniqExact(host_id, ifNull(host_name, ''))" FROM_EVENTS " WHERE file_path = ");
	ch_quote_string(&sql, path, strlen(path));
	strbuf_addstr(&sql, " FORMAT TabSeparated");
	long long n = 0;
	int rc = query_numbers(s, sql.buf, &n, 1);
	strbuf_release(&sql);
	*hosts = rc ? 0 : (int64_t)n;
	return rc;
}

static const char *ch_take_notice(struct event_source *src)
{
	struct ch_source *s = ch_of(src);
	if (s->notice_taken || !s->notice.len)
		return NULL;
	s->notice_taken = 1;
	return s->notice.buf;
}

static void ch_source_close(struct event_source *src)
{
	struct ch_source *s = ch_of(src);
	for (size_t i = 0; i < s->nservers; i++)
		ch_close(s->servers[i]);
	free(s->servers);
	strbuf_release(&s->notice);
	strbuf_release(&s->err);
	strbuf_release(&s->last_row);
	strbuf_release(&s->plan_where);
	free(s->chunks);
	strbuf_release(&s->held.buf);
	free(s->held.rows);
	prefetch_join(&s->pf);
	if (s->pf.c)
		ch_close(s->pf.c);
	strbuf_release(&s->pf.sql);
	strbuf_release(&s->pf.line);
	strbuf_release(&s->pf.held.buf);
	free(s->pf.held.rows);
	for (size_t i = 0; i < s->nservers; i++)
		free(s->urls[i]);
	free(s->urls);
	free(s);
}

static const struct source_ops ch_source_ops = {.name = "clickhouse",
                                                .reads_in_batches = 1,
                                                .reads_any_order = ch_reads_any_order,
                                                .candidates = ch_candidates,
                                                .time_bounds = ch_time_bounds,
                                                .time_span = ch_time_span,
                                                .newest_id = ch_newest_id,
                                                .event_get = ch_event_get,
                                                .events_get = ch_events_get,
                                                .event_identity = ch_event_identity,
                                                .path_hosts = ch_path_hosts,
                                                .errmsg = ch_errmsg_of,
                                                .take_notice = ch_take_notice,
                                                .close = ch_source_close};

int source_clickhouse_open_servers(const char *const *urls, size_t n, const struct ch_options *o,
                                   struct event_source **out, struct strbuf *err)
{
	*out = NULL;
	if (n == 0) {
		strbuf_addstr(err, "no ClickHouse server was given");
		return -1;
	}
	struct ch_conn **servers = xcalloc(n, sizeof(*servers));
	for (size_t i = 0; i < n; i++)
		if (ch_open(urls[i], o, &servers[i], err) != 0) {
			while (i-- > 0)
				ch_close(servers[i]);
			free(servers);
			return -1;
		}
	struct ch_source *s = xcalloc(1, sizeof(*s));
	s->base.ops = &ch_source_ops;
	s->servers = servers;
	s->nservers = n;
	s->c = servers[0];
	s->any_order = -1;
	strbuf_init(&s->err, 128);
	strbuf_init(&s->notice, 0);
	strbuf_init(&s->last_row, 0);
	strbuf_init(&s->plan_where, 0);
	s->chunk_rows = (uint64_t)env_number("CASEBOOK_CLUSTER_CHUNK_ROWS", CH_CHUNK_ROWS);
	s->held.most = (size_t)env_number("CASEBOOK_CLUSTER_CHUNK_BYTES", CH_CHUNK_BYTES);
	strbuf_init(&s->held.buf, 0);
	strbuf_init(&s->pf.sql, 0);
	strbuf_init(&s->pf.line, 4096);
	strbuf_init(&s->pf.held.buf, 0);
	s->urls = xcalloc(n, sizeof(*s->urls));
	for (size_t i = 0; i < n; i++)
		s->urls[i] = xstrdup(urls[i]);
	if (o)
		s->opts = *o;
	s->has_opts = o != NULL;
	*out = &s->base;
	return 0;
}

int source_clickhouse_open(const char *url, const struct ch_options *o, struct event_source **out, struct strbuf *err)
{
	return source_clickhouse_open_servers(&url, 1, o, out, err);
}
