/* load: documents into a cluster's events table (cluster/load.h). */
#include "cluster/load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "cluster/quote.h"
#include "common/digest.h"
#include "common/number.h"
#include "common/sanitize.h"
#include "common/timeutil.h"
#include "ingest/extract.h"
#include "ingest/input.h"
#include "ingest/jsontape.h"
#include "ingest/reader.h"

/* The longest field path a column reads, and its most dot-separated parts. */
#define FIELD_PATH_MAX 64
#define FIELD_PARTS    4

struct row {
	size_t off, len; /* in rows */
	int64_t ts;
	char sha[SHA256_HEX_LEN + 1];
	int held; /* the cluster has it, or the batch has it before */
};

struct cluster_loader {
	struct ch_conn *c;
	struct jtape tape;
	struct strbuf arena;   /* one event's extracted strings */
	struct strbuf scratch; /* a value being unescaped */
	struct strbuf rows;    /* the batch's rows, in RowBinary */
	struct strbuf insert;  /* the INSERT statement, naming every column */
	unsigned char *role;   /* enum col_role of each of cluster_columns */
	struct row *row;       /* CLUSTER_LOAD_BATCH_ROWS */
	size_t n;
	const char *name; /* the input, sanitized, for messages */
	const struct diag_sink *say;
	struct store *keep; /* the case that keeps the damaged documents, or NULL */
	int64_t ingest_id;  /* its record of this input */
	struct frame frame;
	struct ingest_counts *counts;
	struct strbuf *err;
	/* the damaged documents since the last batch, kept in the case in one transaction that
	 * the batch's end commits (not a transaction each) */
	int rejects_open;
	size_t rejects_pending;
	/* the progress line (ingest/ingest.h), about four times a second */
	const struct ingest_options *o;
	double started, told;
};

/* What a column of cluster_columns holds, found once by its name (not a string compare per
 * column per row). */
enum col_role {
	COL_FIELD, /* a typed column read from its ECS field */
	COL_TS,
	COL_HOST_ID,
	COL_OS_TYPE,
	COL_EVENT_ID,
	COL_INDEX,
	COL_INEXACT,
	COL_DERIVED,
	COL_IRREGULAR,
	COL_NAMES_EXACT,
	COL_KIND,
	COL_INGESTED,
	COL_DOC,
	COL_SHA,
};

static enum col_role role_of(const struct cluster_column *col)
{
	static const struct {
		const char *name;
		enum col_role role;
	} roles[] = {
	    {"ts_us", COL_TS},          {"host_id", COL_HOST_ID},      {"host_os_type", COL_OS_TYPE},
	    {"event_id", COL_EVENT_ID}, {"index_name", COL_INDEX},     {"inexact", COL_INEXACT},
	    {"derived", COL_DERIVED},   {"irregular", COL_IRREGULAR},  {"names_exact", COL_NAMES_EXACT},
	    {"kind", COL_KIND},         {"ingested_us", COL_INGESTED}, {"doc", COL_DOC},
	    {"doc_sha256", COL_SHA},
	};
	for (size_t i = 0; i < sizeof(roles) / sizeof(*roles); i++)
		if (!strcmp(col->name, roles[i].name))
			return roles[i].role;
	return COL_FIELD;
}

int cluster_loader_open(const char *url, const struct ch_options *o, struct cluster_loader **out, struct strbuf *err)
{
	struct ch_conn *c;
	*out = NULL;
	if (ch_open(url, o, &c, err) != 0)
		return -1;
	struct cluster_loader *l = xcalloc(1, sizeof(*l));
	l->c = c;
	l->row = xcalloc(CLUSTER_LOAD_BATCH_ROWS, sizeof(*l->row));
	jtape_init(&l->tape);
	strbuf_init(&l->arena, 4096);
	strbuf_init(&l->scratch, 256);
	strbuf_init(&l->rows, 1 << 16);
	strbuf_init(&l->insert, 1024);
	l->role = xcalloc(cluster_column_count, 1);
	strbuf_addstr(&l->insert, "INSERT INTO `" CLUSTER_DATABASE "`.`" CLUSTER_TABLE "` (");
	for (size_t i = 0; i < cluster_column_count; i++) {
		l->role[i] = (unsigned char)role_of(&cluster_columns[i]);
		strbuf_addstr(&l->insert, i ? ", " : "");
		strbuf_addstr(&l->insert, cluster_columns[i].name);
	}
	strbuf_addstr(&l->insert, ") FORMAT RowBinary");
	*out = l;
	return 0;
}

void cluster_loader_close(struct cluster_loader *l)
{
	if (!l)
		return;
	ch_close(l->c);
	jtape_release(&l->tape);
	strbuf_release(&l->arena);
	strbuf_release(&l->scratch);
	strbuf_release(&l->rows);
	strbuf_release(&l->insert);
	free(l->role);
	free(l->row);
	free(l);
}

/* The value token of a dotted field in the object at obj, through nested objects and dotted
 * keys alike ({"process":{"parent":{"name":..}}}, {"process.parent.name":..},
 * {"process":{"parent.name":..}}): each way of grouping its parts is tried, nested first;
 * -1 when none holds it. */
static long find_field(const struct jtape *t, size_t obj, const char *path)
{
	size_t len = strlen(path);
	if (len >= FIELD_PATH_MAX)
		return -1;
	size_t dots[FIELD_PARTS - 1], ndots = 0;
	for (size_t i = 0; i < len; i++)
		if (path[i] == '.') {
			if (ndots == FIELD_PARTS - 1)
				return -1;
			dots[ndots++] = i;
		}
	/* bit i of split set: the path descends into an object at dot i */
	for (unsigned split = (1u << ndots); split-- > 0;) {
		long cur = (long)obj;
		size_t start = 0;
		for (size_t d = 0; d <= ndots && cur >= 0; d++) {
			if (d < ndots && !(split & (1u << d)))
				continue;
			size_t end = d < ndots ? dots[d] : len;
			char key[FIELD_PATH_MAX];
			memcpy(key, path + start, end - start);
			key[end - start] = '\0';
			cur = jtape_member(t, (size_t)cur, key);
			start = end + 1;
		}
		if (cur >= 0)
			return cur;
	}
	return -1;
}

/* A string token's value as the column holds it (unescaped). */
static void add_string_token(struct cluster_loader *l, struct strbuf *r, size_t v)
{
	const struct jt_token *k = &l->tape.tok[v];
	const char *text = l->tape.text.buf + k->start + 1;
	size_t n = k->end - k->start - 2;
	if (!memchr(text, '\\', n)) { /* nothing to unescape: the bytes between the quotes */
		ch_rowbinary_string(r, text, n);
		return;
	}
	strbuf_reset(&l->scratch);
	jtape_unescape(&l->tape, v, &l->scratch);
	ch_rowbinary_string(r, l->scratch.buf, l->scratch.len);
}

/* A NUL-terminated string of the arena, as a String. */
static void add_arena_string(struct cluster_loader *l, struct strbuf *r, size_t s)
{
	ch_rowbinary_string(r, l->arena.buf + s, strlen(l->arena.buf + s));
}

/* Writes one typed column's value from the token v (-1: absent); returns 1 when the value was
 * not held exactly (the field goes in inexact). */
static int add_value(struct cluster_loader *l, struct strbuf *r, const struct cluster_column *col, long v)
{
	const struct jtape *t = &l->tape;
	int array = !strcmp(col->type, "Array(String)"), number = !strcmp(col->type, "Nullable(Int64)");
	int nullable = !strncmp(col->type, "Nullable(", 9);
	if (v >= 0 && t->tok[v].type == JT_ARRAY && !array && t->tok[v].next == (uint32_t)v + 2)
		v++; /* a one-value array holds one value */
	int type = v >= 0 ? (int)t->tok[v].type : JT_NULL;
	if (array) {
		int inexact = 0;
		if (type == JT_STRING) {
			ch_rowbinary_uint(r, 1);
			add_string_token(l, r, (size_t)v);
		} else if (type == JT_ARRAY) {
			uint64_t strings = 0;
			for (size_t i = (size_t)v + 1; i < t->tok[v].next; i = t->tok[i].next) {
				if (t->tok[i].type == JT_STRING)
					strings++;
				else
					inexact = 1;
			}
			ch_rowbinary_uint(r, strings);
			for (size_t i = (size_t)v + 1; i < t->tok[v].next; i = t->tok[i].next)
				if (t->tok[i].type == JT_STRING)
					add_string_token(l, r, i);
		} else {
			ch_rowbinary_uint(r, 0);
			inexact = type != JT_NULL;
		}
		return inexact;
	}
	if (number) {
		const struct jt_token *k = v >= 0 ? &t->tok[v] : NULL;
		size_t n = k ? k->end - k->start : 0;
		const char *text = k ? t->text.buf + k->start : NULL;
		char num[32];
		int64_t value = 0;
		int whole = type == JT_NUMBER && n < sizeof(num);
		if (whole) {
			memcpy(num, text, n);
			num[n] = '\0';
			whole = number_text_int64(num, INT64_MIN, INT64_MAX, &value) == 0;
		}
		strbuf_addch(r, whole ? 0 : 1);
		if (whole)
			ch_rowbinary_int64(r, value);
		return !whole && type != JT_NULL;
	}
	if (type == JT_STRING) {
		if (nullable)
			strbuf_addch(r, 0);
		add_string_token(l, r, (size_t)v);
		return 0;
	}
	if (nullable)
		strbuf_addch(r, 1);
	else
		ch_rowbinary_string(r, "", 0);
	return type != JT_NULL;
}

static int send_batch(struct cluster_loader *l);
static int reject(struct cluster_loader *l, const struct frame *f, uint64_t line, uint64_t col, const char *why);

/* A Nullable(String) from the arena: NULL when s is EX_ABSENT. */
static void add_arena_nullable(struct cluster_loader *l, struct strbuf *r, size_t s)
{
	strbuf_addch(r, s == EX_ABSENT ? 1 : 0);
	if (s != EX_ABSENT)
		add_arena_string(l, r, s);
}

/* One event's row, in RowBinary, in the columns' order (cluster_columns). */
static int on_root(void *ctx, const struct jtape *t, const struct event_root *root)
{
	struct cluster_loader *l = ctx;
	struct extracted ex;
	char why[160];
	strbuf_reset(&l->arena);
	if (extract_event(t, root, &l->arena, &ex, why, sizeof(why)) != 0)
		return reject(l, &l->frame, l->frame.line, l->frame.col, why);
	l->counts->documents++;
	if ((l->n == CLUSTER_LOAD_BATCH_ROWS || l->rows.len >= CLUSTER_LOAD_BATCH_BYTES) && send_batch(l) != 0)
		return -1;
	struct row *w = &l->row[l->n];
	const char *doc = l->arena.buf + ex.doc;
	sha256_hex(doc, ex.doc_len, w->sha);
	w->ts = ex.ts;
	w->off = l->rows.len;
	struct strbuf *r = &l->rows;
	/* the fields whose columns do not hold their values exactly, in the columns' order */
	const char *inexact[64];
	size_t ninexact = 0;
	for (size_t i = 0; i < cluster_column_count; i++) {
		const struct cluster_column *col = &cluster_columns[i];
		switch ((enum col_role)l->role[i]) {
		case COL_TS: ch_rowbinary_int64(r, ex.ts); break;
		case COL_EVENT_ID:
		case COL_INDEX: {
			size_t s = ex.str[l->role[i] == COL_EVENT_ID ? EX_IDENTITY : EX_INDEX];
			if (s != EX_ABSENT)
				add_arena_string(l, r, s);
			else
				ch_rowbinary_string(r, "", 0);
			break;
		}
		case COL_HOST_ID:
			/* the case's host.id (ingest/extract.c: an array's first value, a number's text),
			 * "" when absent: a host.id that is "" is named in inexact, which is how a read
			 * tells it from none, as the case does (cluster/source_clickhouse.c) */
			if (ex.str[EX_HOST_ID] != EX_ABSENT) {
				add_arena_string(l, r, ex.str[EX_HOST_ID]);
				if (!l->arena.buf[ex.str[EX_HOST_ID]] && ninexact < sizeof(inexact) / sizeof(*inexact))
					inexact[ninexact++] = "host.id";
			} else {
				ch_rowbinary_string(r, "", 0);
			}
			break;
		case COL_OS_TYPE: /* derived from host.os.platform by older agents */
			add_arena_nullable(l, r, ex.str[EX_OS_TYPE]);
			break;
		case COL_INEXACT:
			ch_rowbinary_uint(r, ninexact);
			for (size_t k = 0; k < ninexact; k++)
				ch_rowbinary_string(r, inexact[k], strlen(inexact[k]));
			break;
		case COL_DERIVED: /* one name today: host.os.type */
			ch_rowbinary_uint(r, ex.str[EX_DERIVED] != EX_ABSENT);
			if (ex.str[EX_DERIVED] != EX_ABSENT)
				add_arena_string(l, r, ex.str[EX_DERIVED]);
			break;
		case COL_IRREGULAR: strbuf_addch(r, ex.irregular ? 1 : 0); break;
		case COL_NAMES_EXACT: strbuf_addch(r, ex.names_exact ? 1 : 0); break;
		case COL_KIND: /* the case's kind column: event.kind's first value */
			add_arena_nullable(l, r, ex.str[EX_KIND]);
			break;
		case COL_INGESTED:
			strbuf_addch(r, ex.has_ingested ? 0 : 1);
			if (ex.has_ingested)
				ch_rowbinary_int64(r, ex.ingested);
			break;
		case COL_DOC: ch_rowbinary_string(r, doc, ex.doc_len); break;
		case COL_SHA: ch_rowbinary_string(r, w->sha, SHA256_HEX_LEN); break;
		case COL_FIELD:
			if (add_value(l, r, col, find_field(t, root->tok, col->field)) &&
			    ninexact < sizeof(inexact) / sizeof(*inexact))
				inexact[ninexact++] = col->field;
			break;
		}
	}
	w->len = l->rows.len - w->off;
	l->n++;
	return 0;
}

static int by_sha(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->sha, ((const struct row *)b)->sha);
}

static int by_offset(const void *a, const void *b)
{
	size_t x = ((const struct row *)a)->off, y = ((const struct row *)b)->off;
	return x < y ? -1 : x > y;
}

static int sha_cmp(const void *key, const void *elem)
{
	return strncmp(key, elem, SHA256_HEX_LEN);
}

/* Whether the cluster holds any event in [lo, hi]: a held document has the same time as the
 * batch's copy, so where none is held the costly question (ClickHouse parses a list of hashes
 * at about 60 ms a thousand) need not be asked; a first load asks only this. 1, 0, or -1
 * with l->err. */
static int holds_any_in(struct cluster_loader *l, int64_t lo, int64_t hi, struct strbuf *q, struct strbuf *out)
{
	strbuf_addf(q,
	            "SELECT count() FROM `" CLUSTER_DATABASE "`.`" CLUSTER_TABLE
	            "` WHERE ts_us >= %lld AND ts_us <= %lld FORMAT TabSeparated",
	            (long long)lo, (long long)hi);
	if (ch_query(l->c, q->buf, out) != 0) {
		strbuf_addstr(l->err, ch_errmsg(l->c));
		return -1;
	}
	return strtoull(out->buf, NULL, 10) != 0;
}

/* Appends to held which of the batch's documents (sorted by hash) the cluster holds, as sorted
 * lines of 64 hex digits, asking CLUSTER_CHECK_HASHES at a time to stay under ClickHouse's
 * max_query_size. 0, or -1 with l->err. */
static int held_documents(struct cluster_loader *l, struct strbuf *held)
{
	int64_t lo = l->row[0].ts, hi = l->row[0].ts;
	for (size_t i = 1; i < l->n; i++) {
		lo = l->row[i].ts < lo ? l->row[i].ts : lo;
		hi = l->row[i].ts > hi ? l->row[i].ts : hi;
	}
	struct strbuf q;
	strbuf_init(&q, CLUSTER_CHECK_HASHES * (SHA256_HEX_LEN + 4) + 256);
	int rc = holds_any_in(l, lo, hi, &q, held);
	strbuf_reset(held);
	for (size_t from = 0; rc == 1 && from < l->n; from += CLUSTER_CHECK_HASHES) {
		size_t to = from + CLUSTER_CHECK_HASHES < l->n ? from + CLUSTER_CHECK_HASHES : l->n;
		strbuf_reset(&q);
		strbuf_addf(&q,
		            "SELECT DISTINCT doc_sha256 FROM `" CLUSTER_DATABASE "`.`" CLUSTER_TABLE
		            "` WHERE ts_us >= %lld AND ts_us <= %lld AND doc_sha256 IN (",
		            (long long)lo, (long long)hi);
		for (size_t i = from; i < to; i++) {
			strbuf_addstr(&q, i > from ? ", " : "");
			ch_quote_string(&q, l->row[i].sha, SHA256_HEX_LEN);
		}
		strbuf_addstr(&q, ") ORDER BY doc_sha256 FORMAT TabSeparated");
		if (ch_query(l->c, q.buf, held) != 0) {
			strbuf_addstr(l->err, ch_errmsg(l->c));
			rc = -1;
		}
	}
	strbuf_release(&q);
	return rc < 0 ? -1 : 0;
}

/* Sends the batch: the documents the cluster holds already, and the second of two the same in
 * the batch, are left out. Returns 0, or -1 with l->err. */
static int flush(struct cluster_loader *l)
{
	if (l->n == 0)
		return 0;
	qsort(l->row, l->n, sizeof(*l->row), by_sha);
	struct strbuf held;
	strbuf_init(&held, 256);
	if (held_documents(l, &held) != 0) {
		strbuf_release(&held);
		return -1;
	}
	/* the answer: sorted lines of 64 hex digits */
	size_t nheld = held.len / (SHA256_HEX_LEN + 1);
	uint64_t dup = 0;
	for (size_t i = 0; i < l->n; i++) {
		struct row *w = &l->row[i];
		w->held = (i > 0 && !strcmp(w->sha, l->row[i - 1].sha)) ||
		          bsearch(w->sha, held.buf, nheld, SHA256_HEX_LEN + 1, sha_cmp);
		dup += w->held;
	}
	strbuf_release(&held);
	uint64_t added = l->n - dup;
	int rc = 0;
	if (dup == 0) { /* the usual case: the rows as read */
		rc = ch_insert(l->c, l->insert.buf, l->rows.buf, l->rows.len);
	} else if (added) {
		/* the rows not held, moved down in place in the order they were written (a copy
		 * would double a batch's memory): the batch is dropped after this, sent or not */
		qsort(l->row, l->n, sizeof(*l->row), by_offset);
		size_t at = 0;
		for (size_t i = 0; i < l->n; i++)
			if (!l->row[i].held) {
				memmove(l->rows.buf + at, l->rows.buf + l->row[i].off, l->row[i].len);
				at += l->row[i].len;
			}
		rc = ch_insert(l->c, l->insert.buf, l->rows.buf, at);
	}
	if (rc != 0) {
		strbuf_addstr(l->err, ch_errmsg(l->c));
		return -1;
	}
	l->counts->added += added;
	l->counts->duplicates += dup;
	l->n = 0;
	strbuf_reset(&l->rows);
	return 0;
}

/* Commits the rejects kept since the last batch. 0, or -1 with l->err. */
static int rejects_commit(struct cluster_loader *l)
{
	if (!l->rejects_open)
		return 0;
	l->rejects_open = 0;
	l->rejects_pending = 0;
	if (store_commit(l->keep) != 0) {
		strbuf_addstr(l->err, store_errmsg(l->keep));
		store_rollback(l->keep);
		return -1;
	}
	return 0;
}

/* The batch to the cluster, then the case's record of the damaged documents read with it,
 * whether or not the cluster took the batch (they were said). 0, or -1 with l->err. */
static int send_batch(struct cluster_loader *l)
{
	int rc = flush(l);
	if (rejects_commit(l) != 0)
		rc = -1;
	return rc;
}

/* A damaged document: said as the case's ingest says it and, in a case, kept in its rejects
 * (again when the input is loaded again: the case keeps one copy), inside the batch's
 * transaction of them. 0, or -1 with l->err. */
static int reject(struct cluster_loader *l, const struct frame *f, uint64_t line, uint64_t col, const char *why)
{
	l->counts->documents++;
	l->counts->rejected++;
	struct strbuf msg;
	strbuf_init(&msg, 128);
	sanitize_append(&msg, why, strlen(why), 0);
	diag_say(l->say, "%s:%llu:%llu: %s\n", l->name, (unsigned long long)line, (unsigned long long)col, msg.buf);
	strbuf_release(&msg);
	struct reject_row r = {.ingest_id = l->ingest_id,
	                       .line = line,
	                       .col = col,
	                       .offset = f->offset,
	                       .error = why,
	                       .raw = f->data,
	                       .raw_len = f->len,
	                       .raw_dropped = f->dropped};
	if (!l->keep)
		return 0;
	if (!l->rejects_open) {
		if (store_begin(l->keep) != 0) {
			strbuf_addstr(l->err, store_errmsg(l->keep));
			return -1;
		}
		l->rejects_open = 1;
	}
	if (store_reject_add(l->keep, &r) != 0) {
		strbuf_addstr(l->err, store_errmsg(l->keep));
		store_rollback(l->keep);
		l->rejects_open = 0;
		return -1;
	}
	/* an input of damage alone: a transaction at most a batch's size */
	if (++l->rejects_pending >= CLUSTER_LOAD_BATCH_ROWS)
		return rejects_commit(l);
	return 0;
}

/* The progress line, at most four times a second (at the end: taken away). */
static void tell_progress(struct cluster_loader *l, struct reader *r, int end)
{
	if (!l->o->progress)
		return;
	if (end) {
		l->o->progress(l->o->progress_ctx, NULL);
		return;
	}
	double now = time_monotonic();
	if (now - l->told < 0.25)
		return;
	l->told = now;
	struct ingest_progress at = {.name = l->name,
	                             .bytes_read = reader_bytes_read(r),
	                             .size = reader_size(r),
	                             .documents = l->counts->documents,
	                             .elapsed = now - l->started};
	l->o->progress(l->o->progress_ctx, &at);
}

static int on_damaged(void *ctx, const struct frame *f, uint64_t line, uint64_t col, const char *why)
{
	return reject(ctx, f, line, col, why);
}

static const struct input_ops load_input = {.on_root = on_root, .on_damage = on_damaged};

/* Begins the case's record of this input, which its rejects belong to. 0, or -1 with l->err. */
static int keep_begin(struct cluster_loader *l, const char *path, const char *analyst)
{
	l->ingest_id = 0;
	if (l->keep && store_ingest_begin(l->keep, strcmp(path, "-") ? path : "-", analyst, &l->ingest_id) != 0) {
		strbuf_addstr(l->err, store_errmsg(l->keep));
		return -1;
	}
	return 0;
}

static int keep_finish(struct cluster_loader *l, struct reader *r, const struct ingest_counts *c)
{
	char sha[SHA256_HEX_LEN + 1];
	reader_sha256(r, sha);
	if (l->keep && store_ingest_finish(l->keep, l->ingest_id, reader_bytes_read(r), sha, c) != 0) {
		strbuf_addstr(l->err, store_errmsg(l->keep));
		return -1;
	}
	return 0;
}

/* Reads the input to its end or to the stop, sending each full batch and then the last.
 * INGEST_OK, INGEST_UNREADABLE (said) or INGEST_STORE_FAILED (l->err). */
static enum ingest_status load_documents(struct cluster_loader *l, struct reader *r, const volatile sig_atomic_t *stop)
{
	char msg[256];
	int rc = 0;
	l->started = l->told = time_monotonic();
	while (!(stop && *stop) && (rc = input_next(r, &l->tape, &l->frame, &load_input, l, msg, sizeof(msg))) == 1)
		tell_progress(l, r, 0);
	tell_progress(l, r, 1);
	if (rc == -1)
		diag_say(l->say, "%s: %s (what came before it was loaded)\n", l->name, msg);
	if (rc != -2 && send_batch(l) != 0)
		rc = -2;
	if (rejects_commit(l) != 0) /* after a failure: what was said is kept */
		rc = -2;
	l->n = 0;
	strbuf_reset(&l->rows);
	return rc == -2 ? INGEST_STORE_FAILED : rc == -1 ? INGEST_UNREADABLE : INGEST_OK;
}

enum ingest_status cluster_load_path(struct cluster_loader *l, const char *path, const struct ingest_options *o,
                                     struct store *keep, struct ingest_counts *total, struct strbuf *err)
{
	char *name;
	struct reader *r;
	enum ingest_status st = input_open(path, o->stop, &o->errors, &r, &name);
	if (st != INGEST_OK)
		return st;
	struct ingest_counts c = {0};
	l->name = name;
	l->say = &o->errors;
	l->o = o;
	l->keep = keep;
	l->counts = &c;
	l->err = err;
	st = keep_begin(l, path, o->analyst) ? INGEST_STORE_FAILED : load_documents(l, r, o->stop);
	if (l->ingest_id && keep_finish(l, r, &c) != 0 && st != INGEST_STORE_FAILED)
		st = INGEST_STORE_FAILED;
	if (st == INGEST_OK && o->stop && *o->stop) {
		input_report_interruption(&o->errors, name, r, &c);
		st = INGEST_INTERRUPTED;
	}
	total->documents += c.documents;
	total->added += c.added;
	total->duplicates += c.duplicates;
	total->rejected += c.rejected;
	reader_close(r);
	free(name);
	l->name = NULL;
	return st;
}
