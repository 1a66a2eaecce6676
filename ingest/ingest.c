#include "ingest/ingest.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/diag.h"
#include "common/sanitize.h"
#include "common/timeutil.h"
#include "ingest/extract.h"
#include "ingest/input.h"
#include "ingest/jsontape.h"
#include "ingest/reader.h"
#include "store/doccodec.h"
#include "store/events.h"

#define BATCH_ITEMS 512
#define BATCH_BYTES (1u << 20)
#define QUEUE_DEPTH 4
/* Events are held until DOC_DICT_SAMPLES are there to train the dictionary on, but never more
 * than this many bytes (documents and damaged input alike): 300 documents of 1 MiB, or 400,000
 * damaged lines, were all held in memory. The training sample is the same bytes, copied. */
#define HELD_BYTES_MAX (24u << 20)
/* Seconds between commits: a Ctrl-C, a kill or a crash loses at most this much of the load. */
#define COMMIT_SECONDS 1.0

enum item_kind { ITEM_EVENT, ITEM_REJECT, ITEM_DICT };

struct item {
	enum item_kind kind;
	struct extracted ex; /* ITEM_EVENT */
	size_t z, z_len;     /* compressed document (ITEM_EVENT) or dictionary (ITEM_DICT), in batch.z */
	int64_t dict_id;
	uint64_t line, col, offset, dropped; /* ITEM_REJECT */
	size_t error, raw, raw_len;          /* ITEM_REJECT, in batch.arena */
};

struct batch {
	struct strbuf arena, z;
	struct item *items;
	size_t n;
	int compressed; /* the documents are compressed (else the writer compresses them) */
	struct batch *next;
};

/* The hand-over between the parsing thread and the writing thread. */
struct pipeline {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct batch *full_head, *full_tail, *free_list;
	int nfull, nfree, producer_done, aborted;
	char read_error[256];
	_Atomic uint64_t bytes_read;

	/* producer state */
	const char *name;
	const volatile sig_atomic_t *stop;
	struct reader *reader;
	struct doc_codec *codec;
	int64_t dict_id, next_dict_id;
	int train; /* no dictionary yet: hold events until there are samples to train one */
	struct batch *held_head, *held_tail;
	unsigned held_events;
	size_t held_bytes; /* the memory of the held batches: bounded by HELD_BYTES_MAX */
	struct batch *cur;
	struct jtape tape;
	struct frame frame;
};

static struct batch *batch_new(void)
{
	struct batch *b = xcalloc(1, sizeof(*b));
	strbuf_init(&b->arena, BATCH_BYTES + 4096);
	strbuf_init(&b->z, BATCH_BYTES / 2);
	b->items = xmalloc(BATCH_ITEMS * sizeof(*b->items));
	return b;
}

static void batch_free(struct batch *b)
{
	strbuf_release(&b->arena);
	strbuf_release(&b->z);
	free(b->items);
	free(b);
}

static struct batch *take_free_batch(struct pipeline *p)
{
	pthread_mutex_lock(&p->lock);
	struct batch *b = p->free_list;
	if (b) {
		p->free_list = b->next;
		p->nfree--;
	}
	pthread_mutex_unlock(&p->lock);
	if (!b)
		b = batch_new();
	strbuf_reset(&b->arena);
	strbuf_reset(&b->z);
	b->n = 0;
	b->compressed = 0;
	b->next = NULL;
	return b;
}

/* Hands a batch to the writer, waiting while the queue is full. Returns -1 when aborted. */
static int send_batch(struct pipeline *p, struct batch *b)
{
	pthread_mutex_lock(&p->lock);
	while (p->nfull >= QUEUE_DEPTH && !p->aborted)
		pthread_cond_wait(&p->changed, &p->lock);
	int aborted = p->aborted;
	if (!aborted) {
		if (p->full_tail)
			p->full_tail->next = b;
		else
			p->full_head = b;
		p->full_tail = b;
		p->nfull++;
		pthread_cond_broadcast(&p->changed);
	}
	pthread_mutex_unlock(&p->lock);
	if (aborted)
		batch_free(b);
	return aborted ? -1 : 0;
}

static void hold_batch(struct pipeline *p, struct batch *b)
{
	if (p->held_tail)
		p->held_tail->next = b;
	else
		p->held_head = b;
	p->held_tail = b;
}

/* Compresses the documents of a batch. Either thread may do it, each with its own codec. */
static int compress_batch(struct doc_codec *codec, struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct item *it = &b->items[i];
		if (it->kind != ITEM_EVENT)
			continue;
		it->z = b->z.len;
		if (doc_codec_compress(codec, b->arena.buf + it->ex.doc, it->ex.doc_len, &b->z))
			return -1;
		it->z_len = b->z.len - it->z;
		it->dict_id = doc_codec_dict_id(codec);
	}
	b->compressed = 1;
	return 0;
}

static int queue_depth(struct pipeline *p)
{
	pthread_mutex_lock(&p->lock);
	int n = p->nfull;
	pthread_mutex_unlock(&p->lock);
	return n;
}

/* Compression is the largest piece of work per event. The parser does it while the writer
 * has a backlog, and otherwise leaves it to the writer, so that both cores stay busy. */
static int send_events(struct pipeline *p, struct batch *b)
{
	if (queue_depth(p) >= 2 && compress_batch(p->codec, b))
		return -1;
	return send_batch(p, b);
}

/* Trains the case's dictionary on the held events, then compresses and sends them. */
static int release_held(struct pipeline *p)
{
	if (p->train) {
		struct strbuf samples;
		size_t *sizes = xmalloc((p->held_events + 1) * sizeof(*sizes));
		unsigned n = 0;
		strbuf_init(&samples, 1u << 20);
		for (struct batch *b = p->held_head; b; b = b->next)
			for (size_t i = 0; i < b->n; i++)
				if (b->items[i].kind == ITEM_EVENT) {
					strbuf_add(&samples, b->arena.buf + b->items[i].ex.doc, b->items[i].ex.doc_len);
					sizes[n++] = b->items[i].ex.doc_len;
				}
		size_t dict_len = 0;
		void *dict = n >= DOC_DICT_MIN_SAMPLES ? doc_codec_train(samples.buf, sizes, n, &dict_len) : NULL;
		if (dict && doc_codec_use_dict(p->codec, p->next_dict_id, dict, dict_len) == 0) {
			p->dict_id = p->next_dict_id;
			struct batch *d = take_free_batch(p);
			struct item *it = &d->items[d->n++];
			memset(it, 0, sizeof(*it));
			it->kind = ITEM_DICT;
			it->dict_id = p->dict_id;
			it->z = 0;
			strbuf_add(&d->z, dict, dict_len);
			it->z_len = dict_len;
			if (send_batch(p, d))
				return -1;
		}
		free(dict);
		free(sizes);
		strbuf_release(&samples);
		p->train = 0;
	}
	p->held_bytes = 0;
	while (p->held_head) {
		struct batch *b = p->held_head;
		p->held_head = b->next;
		b->next = NULL;
		if (compress_batch(p->codec, b) || send_batch(p, b))
			return -1;
	}
	p->held_tail = NULL;
	return 0;
}

static int flush_current(struct pipeline *p)
{
	struct batch *b = p->cur;
	p->cur = NULL;
	if (!b)
		return 0;
	if (p->train) {
		hold_batch(p, b);
		p->held_bytes += b->arena.alloc + b->z.alloc + BATCH_ITEMS * sizeof(*b->items); /* what it holds */
		return p->held_events >= DOC_DICT_SAMPLES || p->held_bytes >= HELD_BYTES_MAX ? release_held(p) : 0;
	}
	return send_events(p, b);
}

static struct item *new_item(struct pipeline *p)
{
	if (p->cur && (p->cur->n == BATCH_ITEMS || p->cur->arena.len >= BATCH_BYTES) && flush_current(p))
		return NULL;
	if (!p->cur)
		p->cur = take_free_batch(p);
	struct item *it = &p->cur->items[p->cur->n++];
	memset(it, 0, sizeof(*it));
	return it;
}

static int add_reject(struct pipeline *p, uint64_t line, uint64_t col, const char *error)
{
	struct item *it = new_item(p);
	if (!it)
		return -1;
	struct batch *b = p->cur;
	it->kind = ITEM_REJECT;
	it->line = line;
	it->col = col;
	it->offset = p->frame.offset;
	it->dropped = p->frame.dropped;
	it->error = b->arena.len;
	strbuf_add(&b->arena, error, strlen(error) + 1);
	it->raw = b->arena.len;
	strbuf_add(&b->arena, p->frame.data, p->frame.len);
	it->raw_len = p->frame.len;
	return 0;
}

static int on_event_root(void *ctx, const struct jtape *t, const struct event_root *root)
{
	struct pipeline *p = ctx;
	struct item *it = new_item(p);
	if (!it)
		return -1;
	char why[160];
	struct batch *b = p->cur;
	size_t mark = b->arena.len;
	if (extract_event(t, root, &b->arena, &it->ex, why, sizeof(why))) {
		b->arena.len = mark;
		b->n--; /* the slot becomes the reject */
		return add_reject(p, p->frame.line, p->frame.col, why);
	}
	it->kind = ITEM_EVENT;
	if (p->train)
		p->held_events++;
	return 0;
}

static int on_damaged(void *ctx, const struct frame *f, uint64_t line, uint64_t col, const char *why)
{
	(void)f; /* the pipeline's own frame: add_reject keeps its bytes */
	return add_reject(ctx, line, col, why);
}

static const struct input_ops pipeline_input = {.on_root = on_event_root, .on_damage = on_damaged};

static void *producer_main(void *arg)
{
	struct pipeline *p = arg;
	int rc = 0;
	char err[200] = "";
	while (!(p->stop && *p->stop) &&
	       (rc = input_next(p->reader, &p->tape, &p->frame, &pipeline_input, p, err, sizeof(err))) == 1)
		atomic_store(&p->bytes_read, reader_bytes_read(p->reader));
	if (rc == -1)
		snprintf(p->read_error, sizeof(p->read_error), "%s", err);
	if (rc != -2 && !flush_current(p))
		release_held(p);
	atomic_store(&p->bytes_read, reader_bytes_read(p->reader));
	pthread_mutex_lock(&p->lock);
	p->producer_done = 1;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* ---- the writing side ---- */

static struct batch *next_full_batch(struct pipeline *p)
{
	pthread_mutex_lock(&p->lock);
	while (!p->full_head && !p->producer_done)
		pthread_cond_wait(&p->changed, &p->lock);
	struct batch *b = p->full_head;
	if (b) {
		p->full_head = b->next;
		if (!p->full_head)
			p->full_tail = NULL;
		p->nfull--;
		pthread_cond_broadcast(&p->changed);
	}
	pthread_mutex_unlock(&p->lock);
	return b;
}

/* Keeps a few empty batches for reuse; the ones held while training a dictionary go. */
static void return_batch(struct pipeline *p, struct batch *b)
{
	pthread_mutex_lock(&p->lock);
	int keep = p->nfree < QUEUE_DEPTH + 2;
	if (keep) {
		b->next = p->free_list;
		p->free_list = b;
		p->nfree++;
	}
	pthread_mutex_unlock(&p->lock);
	if (!keep)
		batch_free(b);
}

static const char *opt_str(const struct batch *b, size_t off)
{
	return off == EX_ABSENT ? NULL : b->arena.buf + off;
}

static void to_record(const struct batch *b, const struct item *it, struct event_record *r)
{
	const struct extracted *ex = &it->ex;
	memset(r, 0, sizeof(*r));
	r->identity = opt_str(b, ex->str[EX_IDENTITY]);
	r->ts = ex->ts;
	r->ingested = ex->ingested;
	r->has_ingested = ex->has_ingested;
	r->index = opt_str(b, ex->str[EX_INDEX]);
	r->host_id = opt_str(b, ex->str[EX_HOST_ID]);
	r->host_name = opt_str(b, ex->str[EX_HOST_NAME]);
	r->os_type = opt_str(b, ex->str[EX_OS_TYPE]);
	r->kind = opt_str(b, ex->str[EX_KIND]);
	r->category = opt_str(b, ex->str[EX_CATEGORY]);
	r->type = opt_str(b, ex->str[EX_TYPE]);
	r->action = opt_str(b, ex->str[EX_ACTION]);
	r->file_path = opt_str(b, ex->str[EX_FILE_PATH]);
	r->entity_id = opt_str(b, ex->str[EX_ENTITY_ID]);
	r->executable = opt_str(b, ex->str[EX_EXECUTABLE]);
	r->process_name = opt_str(b, ex->str[EX_PROCESS_NAME]);
	r->user_name = opt_str(b, ex->str[EX_USER_NAME]);
	r->derived = opt_str(b, ex->str[EX_DERIVED]);
	r->pid = ex->pid;
	r->has_pid = ex->has_pid;
	r->irregular = ex->irregular;
	r->names_exact = ex->names_exact;
	r->doc_z = b->z.buf + it->z;
	r->doc_z_len = it->z_len;
	r->dict_id = it->dict_id;
}

struct consumer {
	struct store *s;
	struct doc_codec *codec; /* for batches the parser left uncompressed */
	struct event_writer *w;
	const struct ingest_options *o;
	const char *name; /* sanitized input name */
	int64_t ingest_id;
	struct ingest_counts c;
};

static void report_reject(struct consumer *k, const struct batch *b, const struct item *it)
{
	struct strbuf msg;
	strbuf_init(&msg, 128);
	sanitize_append(&msg, b->arena.buf + it->error, strlen(b->arena.buf + it->error), 0);
	diag_say(&k->o->errors, "%s:%llu:%llu: %s\n", k->name, (unsigned long long)it->line,
	         (unsigned long long)it->col, msg.buf);
	strbuf_release(&msg);
}

static int consume_item(struct consumer *k, const struct batch *b, const struct item *it)
{
	if (it->kind == ITEM_DICT) {
		int64_t id;
		return store_dict_add(k->s, b->z.buf + it->z, it->z_len, &id) ||
		       doc_codec_use_dict(k->codec, it->dict_id, b->z.buf + it->z, it->z_len);
	}
	k->c.documents++;
	if (it->kind == ITEM_REJECT) {
		struct reject_row r = {
		    .ingest_id = k->ingest_id,
		    .line = it->line,
		    .col = it->col,
		    .offset = it->offset,
		    .error = b->arena.buf + it->error,
		    .raw = b->arena.buf + it->raw,
		    .raw_len = it->raw_len,
		    .raw_dropped = it->dropped,
		};
		k->c.rejected++;
		report_reject(k, b, it);
		return store_reject_add(k->s, &r);
	}
	struct event_record r;
	to_record(b, it, &r);
	return event_writer_add(k->w, &r);
}

static void tell_progress(const struct pipeline *p, const struct consumer *k, double started, uint64_t size)
{
	struct ingest_progress at = {
	    .name = k->name,
	    .bytes_read = atomic_load(&p->bytes_read),
	    .size = size,
	    .documents = k->c.documents,
	    .elapsed = time_monotonic() - started,
	};
	k->o->progress(k->o->progress_ctx, &at);
}

static int consume_all(struct pipeline *p, struct consumer *k, uint64_t size)
{
	double started = time_monotonic(), last = started, committed = started;
	struct batch *b;
	int rc = 0;
	while ((b = next_full_batch(p)) != NULL) {
		if (!b->compressed && compress_batch(k->codec, b)) {
			diag_say(&k->o->errors, "casebook: zstd could not compress a document\n");
			rc = -2;
		}
		for (size_t i = 0; i < b->n && !rc; i++)
			rc = consume_item(k, b, &b->items[i]);
		return_batch(p, b);
		if (!rc && time_monotonic() - committed > COMMIT_SECONDS) {
			committed = time_monotonic();
			rc = event_writer_checkpoint(k->w);
		}
		if (rc)
			break;
		if (k->o->progress && time_monotonic() - last > 0.25) {
			last = time_monotonic();
			tell_progress(p, k, started, size);
		}
	}
	if (k->o->progress)
		k->o->progress(k->o->progress_ctx, NULL);
	return rc;
}

static void pipeline_abort(struct pipeline *p)
{
	pthread_mutex_lock(&p->lock);
	p->aborted = 1;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	struct batch *b;
	while ((b = next_full_batch(p)) != NULL)
		return_batch(p, b);
}

/* Frees the batches, the tape and the parser's codec: once the parsing thread is done, so that
 * the index rebuild that ends a load does not hold them too (10 MB of peak memory). */
static void pipeline_drop_buffers(struct pipeline *p)
{
	struct batch *lists[] = {p->free_list, p->full_head, p->held_head, p->cur};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		struct batch *b = lists[i];
		while (b) {
			struct batch *next = i == 3 ? NULL : b->next;
			batch_free(b);
			b = next;
		}
	}
	p->free_list = p->full_head = p->full_tail = p->held_head = p->held_tail = p->cur = NULL;
	p->nfree = p->nfull = 0;
	jtape_release(&p->tape);
	jtape_init(&p->tape);
	doc_codec_free(p->codec);
	p->codec = NULL;
}

static void pipeline_release(struct pipeline *p)
{
	pipeline_drop_buffers(p);
	jtape_release(&p->tape);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->changed);
}

/* One codec per thread, both with the case's newest dictionary. */
static int setup_codecs(struct store *s, struct pipeline *p, struct consumer *k)
{
	int64_t id;
	void *dict;
	size_t len;
	if (!(p->codec = doc_codec_new()) || !(k->codec = doc_codec_new()))
		return -1;
	if (store_dict_latest(s, &id, &dict, &len))
		return -1;
	int rc = 0;
	if (id > 0) {
		rc = doc_codec_use_dict(p->codec, id, dict, len) || doc_codec_use_dict(k->codec, id, dict, len);
		p->dict_id = id;
	} else {
		p->train = 1;
		p->next_dict_id = 1;
	}
	free(dict);
	return rc;
}

/* A store failure (a full disk, above all) stops this input; what was committed stays, and
 * the same command run again skips what is stored and loads the rest. */
static void report_store_failure(const struct ingest_options *o, const char *name, struct store *s)
{
	diag_say(&o->errors,
	         "%s: stopped: %s\n"
	         "casebook: what was loaded before is kept; once the cause is fixed, the same ingest run again "
	         "loads the rest without duplicates\n",
	         name, store_errmsg(s));
}

enum ingest_status ingest_path(struct store *s, const char *path, const struct ingest_options *o,
                               struct ingest_counts *total)
{
	char *name;
	struct reader *r;
	enum ingest_status opened = input_open(path, o->stop, &o->errors, &r, &name);
	if (opened != INGEST_OK)
		return opened;
	struct consumer k = {.s = s, .o = o, .name = name};
	struct pipeline p;
	memset(&p, 0, sizeof(p));
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.changed, NULL);
	p.reader = r;
	p.name = name;
	p.stop = o->stop;
	jtape_init(&p.tape);
	enum ingest_status status = INGEST_STORE_FAILED;
	if (store_ingest_begin(s, strcmp(path, "-") ? path : "-", o->analyst, &k.ingest_id) ||
	    setup_codecs(s, &p, &k) || event_writer_open(s, k.ingest_id, &k.w)) {
		report_store_failure(o, name, s);
		goto out;
	}
	pthread_t producer;
	double t_start = time_monotonic();
	if (pthread_create(&producer, NULL, producer_main, &p)) {
		diag_say(&o->errors, "casebook: cannot start the parsing thread\n");
		event_writer_finish(k.w, &k.c.added, &k.c.duplicates);
		goto out;
	}
	int rc = consume_all(&p, &k, reader_size(r));
	if (rc) {
		if (rc == -1)
			report_store_failure(o, name, s);
		pipeline_abort(&p);
	}
	pthread_join(producer, NULL);
	pipeline_drop_buffers(&p);
	doc_codec_free(k.codec);
	k.codec = NULL;
	double t_finish = time_monotonic();
	if (getenv("CASEBOOK_PROFILE"))
		diag_say(&o->errors, "profile: loaded in %.2fs\n", t_finish - t_start);
	if (event_writer_finish(k.w, &k.c.added, &k.c.duplicates) && !rc) {
		report_store_failure(o, name, s);
		rc = -1;
	}
	if (getenv("CASEBOOK_PROFILE"))
		diag_say(&o->errors, "profile: finished (indexes) in %.2fs\n", time_monotonic() - t_finish);
	if (rc)
		goto out;
	char sha[SHA256_HEX_LEN + 1];
	reader_sha256(r, sha);
	if (store_ingest_finish(s, k.ingest_id, reader_bytes_read(r), sha, &k.c)) {
		report_store_failure(o, name, s);
		goto out;
	}
	if (p.read_error[0]) {
		diag_say(&o->errors, "%s: %s (what came before it was loaded)\n", name, p.read_error);
		status = INGEST_UNREADABLE;
	} else if (o->stop && *o->stop) {
		input_report_interruption(&o->errors, name, r, &k.c);
		status = INGEST_INTERRUPTED;
	} else {
		status = INGEST_OK;
	}
	total->documents += k.c.documents;
	total->added += k.c.added;
	total->duplicates += k.c.duplicates;
	total->rejected += k.c.rejected;
out:
	doc_codec_free(k.codec);
	pipeline_release(&p);
	reader_close(r);
	free(name);
	return status;
}
