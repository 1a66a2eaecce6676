#include "detect/alertpipe.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/strbuf.h"
#include "common/uuidset.h"

/* A batch goes to the writer once it holds this many operations or bytes; at most QUEUE_DEPTH
 * batches wait, so the queue holds a few MiB of alert documents (or of the events their jobs
 * build them from) whatever the input's size. */
#define BATCH_OPS   256
#define BATCH_BYTES ((size_t)1 << 20)
#define QUEUE_DEPTH 4

enum op_kind { OP_BEGIN, OP_ADD, OP_STATE, OP_COMMIT, OP_ROLLBACK };

struct op {
	enum op_kind kind;
	int64_t gen; /* the transaction it belongs to (OP_COMMIT, OP_ROLLBACK: the one it ends) */
	int64_t rule_key, max_id;
	/* OP_ADD: its strings and arrays follow the op, in the same block; job_ops, when set, make
	 * its document */
	struct alert_record a;
	const struct alert_job_ops *job_ops;
	void *job;
	struct op *next;
};

struct batch {
	struct op *head, *tail;
	size_t n, bytes;
	struct batch *next;
};

/* A uuid queued in a transaction not yet known to be committed. */
struct pending {
	char uuid[SHA256_HEX_LEN + 1];
	int64_t gen;
};

struct alert_pipe {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct batch *head, *tail; /* queued for the writer */
	int nqueued, closing;
	pthread_t thread;
	_Atomic int failed;
	_Atomic int64_t done_gen; /* every transaction up to this one has ended on the writer */

	/* the writer's */
	struct store *w;
	struct json_arena *arena; /* where the jobs build their documents */
	struct strbuf error;
	uint64_t created, tx_created;

	/* the caller's */
	struct store *s; /* its connection, which reads in a transaction while the writer's is open */
	struct batch cur;
	int64_t gen;
	int in_tx;
	int64_t snap_done;   /* done_gen when the caller's read transaction began */
	struct uuid_set set; /* the uuids of fifo (and perhaps of some already confirmed) */
	struct pending *fifo;
	size_t lo, n, cap; /* fifo[lo, n) are not confirmed yet as far as the caller knows */
};

static void fail(struct alert_pipe *p)
{
	strbuf_reset(&p->error);
	strbuf_addstr(&p->error, store_errmsg(p->w));
	store_rollback(p->w);
	atomic_store(&p->failed, 1);
}

static void apply(struct alert_pipe *p, const struct op *op)
{
	int created = 0;
	switch (op->kind) {
	case OP_BEGIN:
		if (store_begin(p->w))
			fail(p);
		p->tx_created = 0;
		break;
	case OP_ADD: {
		struct alert_record a = op->a;
		int made = op->job ? op->job_ops->make(op->job, p->arena, &a) : 1;
		if (made && store_alert_add(p->w, &a, &created))
			fail(p);
		if (op->job)
			json_arena_reset(p->arena);
		p->tx_created += created != 0;
		break;
	}
	case OP_STATE:
		if (store_set_detection_state(p->w, op->rule_key, op->max_id))
			fail(p);
		break;
	case OP_COMMIT:
		if (store_commit(p->w)) {
			fail(p);
			break;
		}
		p->created += p->tx_created;
		p->tx_created = 0;
		atomic_store(&p->done_gen, op->gen);
		break;
	case OP_ROLLBACK:
		if (store_rollback(p->w))
			fail(p);
		p->tx_created = 0;
		atomic_store(&p->done_gen, op->gen);
		break;
	}
}

static void *writer_main(void *arg)
{
	struct alert_pipe *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (!p->head && !p->closing)
			pthread_cond_wait(&p->changed, &p->lock);
		struct batch *b = p->head;
		if (b) {
			p->head = b->next;
			if (!p->head)
				p->tail = NULL;
			p->nqueued--;
			pthread_cond_broadcast(&p->changed);
		}
		pthread_mutex_unlock(&p->lock);
		if (!b)
			break;
		for (struct op *op = b->head, *next; op; op = next) {
			next = op->next;
			if (!atomic_load(&p->failed))
				apply(p, op);
			if (op->job)
				op->job_ops->drop(op->job);
			free(op);
		}
		free(b);
	}
	store_rollback(p->w); /* a transaction the caller left open (it failed) */
	return NULL;
}

int alert_pipe_open(struct store *s, struct alert_pipe **out)
{
	char *err = NULL;
	struct store *w;
	*out = NULL;
	if (store_open_again(s, &w, &err)) {
		store_set_errmsg(s, err ? err : "cannot open the case a second time");
		free(err);
		return -1;
	}
	struct alert_pipe *p = xcalloc(1, sizeof(*p));
	p->w = w;
	p->arena = json_arena_new(); /* and cJSON's hooks set, before the writer may use cJSON */
	p->s = s;
	strbuf_init(&p->error, 64);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->changed, NULL);
	atomic_init(&p->failed, 0);
	atomic_init(&p->done_gen, 0);
	if (pthread_create(&p->thread, NULL, writer_main, p)) {
		store_set_errmsg(s, "cannot start detect's writing thread");
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->changed);
		strbuf_release(&p->error);
		json_arena_free(p->arena);
		store_close(w);
		free(p);
		return -1;
	}
	*out = p;
	return 0;
}

/* Hands the current batch to the writer, waiting while the queue is full. */
static int send(struct alert_pipe *p)
{
	if (!p->cur.head)
		return atomic_load(&p->failed) ? -1 : 0;
	struct batch *b = xmalloc(sizeof(*b));
	*b = p->cur;
	b->next = NULL;
	memset(&p->cur, 0, sizeof(p->cur));
	pthread_mutex_lock(&p->lock);
	while (p->nqueued >= QUEUE_DEPTH && !atomic_load(&p->failed))
		pthread_cond_wait(&p->changed, &p->lock);
	if (p->tail)
		p->tail->next = b;
	else
		p->head = b;
	p->tail = b;
	p->nqueued++;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	return atomic_load(&p->failed) ? -1 : 0;
}

static int push(struct alert_pipe *p, struct op *op, size_t bytes)
{
	op->next = NULL;
	if (p->cur.tail)
		p->cur.tail->next = op;
	else
		p->cur.head = op;
	p->cur.tail = op;
	p->cur.n++;
	p->cur.bytes += bytes;
	if (p->cur.n >= BATCH_OPS || p->cur.bytes >= BATCH_BYTES)
		return send(p);
	return atomic_load(&p->failed) ? -1 : 0;
}

static int push_kind(struct alert_pipe *p, enum op_kind kind, int64_t rule_key, int64_t max_id)
{
	struct op *op = xcalloc(1, sizeof(*op));
	op->kind = kind;
	op->gen = p->gen;
	op->rule_key = rule_key;
	op->max_id = max_id;
	return push(p, op, sizeof(*op));
}

int alert_pipe_begin(struct alert_pipe *p)
{
	/* the caller reads in a transaction of its own, as it did in the one it wrote in: its
	 * snapshot holds at least what the writer had committed before it began */
	p->snap_done = atomic_load(&p->done_gen);
	if (store_begin_read(p->s))
		return -1;
	p->gen++;
	p->in_tx = 1;
	return push_kind(p, OP_BEGIN, 0, 0);
}

int alert_pipe_set_state(struct alert_pipe *p, int64_t rule_key, int64_t max_id)
{
	return push_kind(p, OP_STATE, rule_key, max_id);
}

int alert_pipe_commit(struct alert_pipe *p)
{
	p->in_tx = 0;
	int rc = store_commit(p->s);
	return push_kind(p, OP_COMMIT, 0, 0) || rc ? -1 : 0;
}

static void rebuild_set(struct alert_pipe *p)
{
	uuid_set_release(&p->set);
	for (size_t i = p->lo; i < p->n; i++)
		uuid_set_add(&p->set, p->fifo[i].uuid);
}

void alert_pipe_rollback(struct alert_pipe *p)
{
	if (!p->in_tx)
		return; /* as store_rollback outside a transaction */
	p->in_tx = 0;
	store_rollback(p->s);
	push_kind(p, OP_ROLLBACK, 0, 0);
	/* its alerts will never be stored */
	size_t n = p->n;
	while (p->n > p->lo && p->fifo[p->n - 1].gen == p->gen)
		p->n--;
	if (n != p->n)
		rebuild_set(p);
}

/* Bytes a string takes in an op's block. */
static size_t str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static const char *str_copy(char **at, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	memcpy(*at, s, n);
	const char *copy = *at;
	*at += n;
	return copy;
}

static int add(struct alert_pipe *p, const struct alert_record *a, const struct alert_job_ops *job_ops, void *job,
               size_t job_bytes)
{
	size_t nstored = a->stored_sha256 ? (a->events ? a->nevents : 1) : 0;
	size_t nevents = a->events ? a->nevents : 0;
	size_t bytes = sizeof(struct op) + nevents * sizeof(int64_t) + nstored * sizeof(char *);
	bytes += str_size(a->uuid) + str_size(a->severity) + str_size(a->reason) + str_size(a->doc) +
	         str_size(a->origin) + str_size(a->rule_name) + str_size(a->acknowledged_as) + str_size(a->group_id);
	for (size_t i = 0; i < nstored; i++)
		bytes += str_size(a->stored_sha256[i]);
	/* the op, then the events, the hashes' pointers, then the strings (alignment kept in order) */
	struct op *op = xcalloc(1, bytes);
	char *at = (char *)(op + 1);
	op->kind = OP_ADD;
	op->job_ops = job_ops;
	op->job = job;
	op->gen = p->in_tx ? p->gen : p->gen + 1; /* outside a transaction: stored before the next ends */
	op->a = *a;
	if (nevents) {
		memcpy(at, a->events, nevents * sizeof(int64_t));
		op->a.events = (const int64_t *)(void *)at;
		at += nevents * sizeof(int64_t);
	}
	const char **stored = NULL;
	if (nstored) {
		stored = (const char **)(void *)at;
		at += nstored * sizeof(char *);
	}
	op->a.uuid = str_copy(&at, a->uuid);
	op->a.severity = str_copy(&at, a->severity);
	op->a.reason = str_copy(&at, a->reason);
	op->a.doc = str_copy(&at, a->doc);
	op->a.origin = str_copy(&at, a->origin);
	op->a.rule_name = str_copy(&at, a->rule_name);
	op->a.acknowledged_as = str_copy(&at, a->acknowledged_as);
	op->a.group_id = str_copy(&at, a->group_id);
	for (size_t i = 0; i < nstored; i++)
		stored[i] = str_copy(&at, a->stored_sha256[i]);
	op->a.stored_sha256 = stored;
	if (a->uuid && strlen(a->uuid) <= SHA256_HEX_LEN) {
		if (p->n == p->cap) {
			p->cap = p->cap ? 2 * p->cap : 1024;
			p->fifo = xrealloc(p->fifo, p->cap * sizeof(*p->fifo));
		}
		struct pending *e = &p->fifo[p->n++];
		strcpy(e->uuid, a->uuid);
		e->gen = op->gen;
		uuid_set_add(&p->set, a->uuid);
	}
	return push(p, op, bytes + job_bytes);
}

int alert_pipe_add(struct alert_pipe *p, const struct alert_record *a)
{
	return add(p, a, NULL, NULL, 0);
}

int alert_pipe_add_job(struct alert_pipe *p, const struct alert_record *a, const struct alert_job_ops *ops, void *job,
                       size_t job_bytes)
{
	return add(p, a, ops, job, job_bytes);
}

int alert_pipe_pending(struct alert_pipe *p, const char *uuid)
{
	/* in a read transaction, what was committed after it began may not be in its snapshot */
	int64_t done = p->in_tx ? p->snap_done : atomic_load(&p->done_gen);
	while (p->lo < p->n && p->fifo[p->lo].gen <= done)
		p->lo++;
	if (p->lo == p->n) { /* every one stored: the case's connection finds them */
		if (p->set.n)
			uuid_set_release(&p->set);
		p->lo = p->n = 0;
		return 0;
	}
	if (p->lo >= 1024 && 2 * p->lo >= p->n) { /* the confirmed ones dropped, once in a while */
		memmove(p->fifo, p->fifo + p->lo, (p->n - p->lo) * sizeof(*p->fifo));
		p->n -= p->lo;
		p->lo = 0;
		rebuild_set(p);
	}
	return uuid_set_has(&p->set, uuid);
}

int alert_pipe_close(struct alert_pipe *p, struct store *s, uint64_t *created)
{
	send(p);
	pthread_mutex_lock(&p->lock);
	p->closing = 1;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	int rc = atomic_load(&p->failed) ? -1 : 0;
	if (rc)
		store_set_errmsg(s, p->error.buf);
	*created += p->created;
	store_close(p->w);
	json_arena_free(p->arena);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->changed);
	strbuf_release(&p->error);
	uuid_set_release(&p->set);
	free(p->fifo);
	free(p);
	return rc;
}
