#include "detect/alertpipe.h"

#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "common/uuidset.h"
#include "store/checkpointer.h"

/* A batch goes to the writer once it holds this many operations or bytes; batches wait while
 * they hold less than QUEUE_BYTES, so the queue holds some MiB of alert documents (or of the
 * events their jobs build them from) whatever the input's size: enough that a flush of the
 * pass's alerts is queued while the pass reads on. */
#define BATCH_OPS   256
#define BATCH_BYTES ((size_t)1 << 20)
#define QUEUE_BYTES ((size_t)8 << 20) /* by default */

/* The writer commits the caller's transactions together while the next is queued already and
 * the one SQLite transaction they make is younger than this (seconds): each commit writes every
 * page its transaction changed, and the alerts' uuid index, whose keys are random, has most of
 * its pages changed by every flush's alerts (at 1,000,000 events, 61 flushes wrote it whole 61
 * times). Short enough that a console writing a note meanwhile waits a moment at most. */
#define GROUP_COMMIT_SECONDS 2.0

/* Who makes an op's document (op.job): the writer when it reaches it, unless the caller's
 * thread, waiting for room in the queue or for the writer to finish, took it first. */
enum job_state { JOB_WAITING, JOB_MAKING, JOB_MADE, JOB_NONE };

enum op_kind { OP_BEGIN, OP_ADD, OP_STATE, OP_COMMIT, OP_ROLLBACK, OP_SAVEPOINT, OP_RELEASE, OP_ROLLBACK_TO };

struct op {
	enum op_kind kind;
	int64_t gen; /* the transaction it belongs to (OP_COMMIT, OP_ROLLBACK: the one it ends) */
	int64_t rule_key, max_id;
	/* OP_ADD: its strings and arrays follow the op, in the same block; job_ops, when set, make
	 * its document */
	struct alert_record a;
	const struct alert_job_ops *job_ops;
	void *job;
	_Atomic int job_state; /* enum job_state; made by the caller, a points into its batch's slabs */
	struct op *next;
};

/* Where a batch's ops and their jobs live: the caller carves them from its current batch's
 * slabs (alert_pipe_alloc) and the writer frees the slabs whole with the batch, keeping a few
 * for the next batches. malloc on one thread and free on the other, block by block, and the
 * faults on fresh pages were an eighth of the pass's thread. */
#define SLAB_BYTES  (BATCH_BYTES + BATCH_BYTES / 4) /* a batch's, but for an op larger than the rest */
#define SPARE_SLABS 8

struct slab {
	struct slab *next;
	size_t size, used;
	alignas(max_align_t) char data[];
};

struct batch {
	struct op *head, *tail;
	size_t n, bytes;
	struct slab *slabs; /* the first is the one being filled */
	struct batch *next;
	/* the caller's thread making its documents (under the lock): the batch stays while it does;
	 * helped: it has been through it */
	int helpers, helped;
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
	size_t queued_bytes, queue_bytes;
	struct slab *spare; /* freed with their batches, for the next */
	int nspare;
	int closing;
	pthread_t thread;
	_Atomic int failed;
	_Atomic int64_t done_gen; /* every transaction up to this one has ended on the writer */

	/* the writer's */
	struct store *w;
	struct json_arena *arena; /* where the jobs build their documents */
	/* w's commits ask it for their checkpoints */
	struct store_checkpointer *checkpointer;
	struct strbuf error;
	uint64_t created, tx_created, point_created; /* point: at the savepoint */
	/* group commit: the caller's last transaction ended (owed_gen) and its commit is owed; the
	 * SQLite transaction began at tx_began; merged: the caller's current one runs in the
	 * savepoint STORE_POINT_MERGE of it */
	int commit_owed, merged;
	int64_t owed_gen;
	uint64_t merge_created; /* tx_created when the current one joined */
	double tx_began;

	/* the caller's */
	struct json_arena *help_arena; /* where it makes documents while it waits */
	uint64_t made_waiting;
	struct store *s; /* its connection, which reads in a transaction while the writer's is open */
	struct batch cur;
	int64_t gen;
	int in_tx;
	int64_t snap_done;   /* done_gen when the caller's read transaction began */
	struct uuid_set set; /* the uuids of fifo (and perhaps of some already confirmed) */
	struct pending *fifo;
	size_t lo, n, cap; /* fifo[lo, n) are not confirmed yet as far as the caller knows */
	size_t point_n;    /* n at the savepoint */
};

static void fail(struct alert_pipe *p)
{
	strbuf_reset(&p->error);
	strbuf_addstr(&p->error, store_errmsg(p->w));
	/* the caller's earlier transactions this one joined (group commit) stay, as when each
	 * committed alone: only the failing one is undone */
	if (p->merged && !store_savepoint_rollback(p->w, STORE_POINT_MERGE)) {
		p->tx_created = p->merge_created;
		p->commit_owed = 1;
	}
	p->merged = 0;
	if (p->commit_owed && !store_commit(p->w)) {
		p->created += p->tx_created;
		atomic_store(&p->done_gen, p->owed_gen);
	}
	p->commit_owed = 0;
	p->tx_created = 0;
	store_rollback(p->w);
	atomic_store(&p->failed, 1);
}

/* Commits what the caller's ended transactions left owed. */
static void settle(struct alert_pipe *p)
{
	if (!p->commit_owed)
		return;
	p->commit_owed = 0;
	if (store_commit(p->w)) {
		fail(p);
		return;
	}
	p->created += p->tx_created;
	p->tx_created = 0;
	atomic_store(&p->done_gen, p->owed_gen);
}

static int next_is_begin(struct alert_pipe *p, const struct op *op)
{
	if (op->next)
		return op->next->kind == OP_BEGIN;
	pthread_mutex_lock(&p->lock);
	int begin = p->head && p->head->head && p->head->head->kind == OP_BEGIN;
	pthread_mutex_unlock(&p->lock);
	return begin;
}

static void apply(struct alert_pipe *p, struct op *op)
{
	int created = 0;
	if (p->commit_owed && op->kind != OP_BEGIN)
		settle(p);
	switch (op->kind) {
	case OP_BEGIN:
		if (p->commit_owed) { /* the last one's commit stays owed: this one joins it */
			if (store_savepoint(p->w, STORE_POINT_MERGE)) {
				fail(p);
				break;
			}
			p->commit_owed = 0;
			p->merged = 1;
			p->merge_created = p->tx_created;
			break;
		}
		if (store_begin(p->w))
			fail(p);
		p->tx_began = time_monotonic();
		p->tx_created = 0;
		break;
	case OP_ADD: {
		int made = 1, mine = 0;
		if (op->job) {
			int state = JOB_WAITING;
			mine = atomic_compare_exchange_strong(&op->job_state, &state, JOB_MAKING);
			/* else the caller's: tens of microseconds at most, it began at the queue's end */
			while (!mine && (state = atomic_load(&op->job_state)) == JOB_MAKING)
				sched_yield();
			made = mine || state == JOB_MADE;
		}
		struct alert_record a = op->a; /* what the caller made, if it did */
		if (mine)
			made = op->job_ops->make(op->job, p->arena, 0, &a);
		if (made && store_alert_add(p->w, &a, &created))
			fail(p);
		if (mine)
			json_arena_reset(p->arena);
		p->tx_created += created != 0;
		break;
	}
	case OP_STATE:
		if (store_set_detection_state(p->w, op->rule_key, op->max_id))
			fail(p);
		break;
	case OP_COMMIT:
		if (p->merged && store_savepoint_release(p->w, STORE_POINT_MERGE)) {
			fail(p);
			break;
		}
		p->merged = 0;
		p->commit_owed = 1;
		p->owed_gen = op->gen;
		if (time_monotonic() - p->tx_began >= GROUP_COMMIT_SECONDS || !next_is_begin(p, op))
			settle(p);
		break;
	case OP_ROLLBACK:
		if (p->merged) { /* this one's part undone, the ones it joined committed */
			p->merged = 0;
			if (store_savepoint_rollback(p->w, STORE_POINT_MERGE))
				fail(p); /* nothing committed: this one's part is still there */
			else {
				p->tx_created = p->merge_created;
				p->commit_owed = 1;
				settle(p);
			}
		} else if (store_rollback(p->w))
			fail(p);
		p->tx_created = 0;
		atomic_store(&p->done_gen, op->gen);
		break;
	case OP_SAVEPOINT:
		if (store_savepoint(p->w, STORE_POINT_RULE))
			fail(p);
		p->point_created = p->tx_created;
		break;
	case OP_RELEASE:
		if (store_savepoint_release(p->w, STORE_POINT_RULE))
			fail(p);
		break;
	case OP_ROLLBACK_TO:
		if (store_savepoint_rollback(p->w, STORE_POINT_RULE))
			fail(p);
		p->tx_created = p->point_created;
		break;
	}
}

static void free_slabs(struct slab *s)
{
	for (struct slab *next; s; s = next) {
		next = s->next;
		free(s);
	}
}

static void free_batch(struct alert_pipe *p, struct batch *b)
{
	for (struct op *op = b->head; op; op = op->next) {
		if (op->job)
			op->job_ops->drop(op->job);
	}
	pthread_mutex_lock(&p->lock);
	for (struct slab *s = b->slabs, *next; s; s = next) {
		next = s->next;
		if (p->nspare < SPARE_SLABS && s->size == SLAB_BYTES) {
			s->next = p->spare;
			p->spare = s;
			p->nspare++;
		} else
			free(s);
	}
	pthread_mutex_unlock(&p->lock);
	free(b);
}

/* bytes from the slabs of a batch only this thread fills: the caller's current one, or one the
 * caller is helping (the writer reads its ops meanwhile, not its slabs). */
static void *slab_alloc(struct alert_pipe *p, struct batch *b, size_t bytes)
{
	bytes = (bytes + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t);
	struct slab *s = b->slabs;
	if (!s || s->size - s->used < bytes) {
		s = NULL;
		if (bytes <= SLAB_BYTES) {
			pthread_mutex_lock(&p->lock);
			if ((s = p->spare)) {
				p->spare = s->next;
				p->nspare--;
			}
			pthread_mutex_unlock(&p->lock);
		}
		if (!s) {
			size_t size = bytes > SLAB_BYTES ? bytes : SLAB_BYTES;
			s = xmalloc(sizeof(*s) + size);
			s->size = size;
		}
		s->used = 0;
		s->next = b->slabs;
		b->slabs = s;
	}
	void *m = s->data + s->used;
	s->used += bytes;
	return m;
}

void *alert_pipe_alloc(struct alert_pipe *p, size_t bytes)
{
	return slab_alloc(p, &p->cur, bytes);
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
			p->queued_bytes -= b->bytes;
			pthread_cond_broadcast(&p->changed);
		}
		pthread_mutex_unlock(&p->lock);
		if (!b)
			break;
		for (struct op *op = b->head; op; op = op->next)
			if (!atomic_load(&p->failed))
				apply(p, op);
		pthread_mutex_lock(&p->lock);
		while (b->helpers) /* the caller may still be walking it */
			pthread_cond_wait(&p->changed, &p->lock);
		pthread_mutex_unlock(&p->lock);
		free_batch(p, b);
	}
	if (!atomic_load(&p->failed))
		settle(p);
	store_rollback(p->w); /* a transaction the caller left open (it failed) */
	return NULL;
}

int alert_pipe_open(struct store *s, size_t queue_bytes, struct store_checkpointer *checkpointer,
                    struct alert_pipe **out)
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
	p->checkpointer = checkpointer;
	/* before the writer uses w */
	store_checkpointer_watch(checkpointer, w);
	p->arena = json_arena_new(); /* and cJSON's hooks set, before the writer may use cJSON */
	p->help_arena = json_arena_new();
	p->queue_bytes = queue_bytes ? queue_bytes : QUEUE_BYTES;
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
		json_arena_free(p->help_arena);
		store_checkpointer_unwatch(checkpointer, w);
		store_close(w);
		free(p);
		return -1;
	}
	*out = p;
	return 0;
}

/* Makes the document of op's job on the caller's thread unless the writer has begun it: the
 * strings the job's make points into the arena are copied into the slabs of op's batch b, and
 * the document's digest taken (the anchor's, store_alert_doc_sha256), before the writer may
 * read them. */
static void help_make(struct alert_pipe *p, struct batch *b, struct op *op)
{
	int state = JOB_WAITING;
	if (!atomic_compare_exchange_strong(&op->job_state, &state, JOB_MAKING))
		return;
	struct alert_record a = op->a;
	state = JOB_NONE;
	if (op->job_ops->make(op->job, p->help_arena, 1, &a)) {
		size_t ndoc = strlen(a.doc) + 1, nsev = a.severity ? strlen(a.severity) + 1 : 0;
		char *block = slab_alloc(p, b, SHA256_HEX_LEN + 1 + ndoc + nsev);
		if (store_alert_doc_sha256(a.doc, block))
			a.doc_sha256 = NULL;
		else
			a.doc_sha256 = block;
		a.doc = memcpy(block + SHA256_HEX_LEN + 1, a.doc, ndoc);
		if (a.severity)
			a.severity = memcpy(block + SHA256_HEX_LEN + 1 + ndoc, a.severity, nsev);
		op->a = a;
		state = JOB_MADE;
		p->made_waiting++;
	}
	json_arena_reset(p->help_arena);
	atomic_store(&op->job_state, state);
}

/* The queued batch the writer will reach last that the caller has not been through, taken for
 * the caller (under the lock); NULL when there is none. */
static struct batch *batch_to_help(struct alert_pipe *p)
{
	struct batch *last = NULL;
	for (struct batch *b = p->head; b; b = b->next)
		if (!b->helped)
			last = b;
	if (last) {
		last->helped = 1;
		last->helpers++;
	}
	return last;
}

/* While busy(p) holds (under the lock, which it holds again on return), the caller's thread
 * makes documents of queued jobs, from the queue's end, rather than only waiting for the
 * writer: at the end of a pass, or while a flush's alerts fill the queue, the writer is the
 * one working and this thread would idle. */
static void help_while(struct alert_pipe *p, int (*busy)(const struct alert_pipe *))
{
	while (busy(p) && !atomic_load(&p->failed)) {
		struct batch *b = batch_to_help(p);
		if (!b) {
			pthread_cond_wait(&p->changed, &p->lock);
			continue;
		}
		pthread_mutex_unlock(&p->lock);
		for (struct op *op = b->head; op && !atomic_load(&p->failed); op = op->next)
			if (op->job)
				help_make(p, b, op);
		pthread_mutex_lock(&p->lock);
		b->helpers--;
		pthread_cond_broadcast(&p->changed);
	}
}

static int queue_full(const struct alert_pipe *p)
{
	return p->queued_bytes >= p->queue_bytes;
}

static int writer_busy(const struct alert_pipe *p)
{
	return p->head != NULL;
}

/* Hands the current batch to the writer, helping it while the queue is full. */
static int send(struct alert_pipe *p)
{
	if (!p->cur.head)
		return atomic_load(&p->failed) ? -1 : 0;
	struct batch *b = xmalloc(sizeof(*b));
	*b = p->cur;
	b->next = NULL;
	memset(&p->cur, 0, sizeof(p->cur));
	pthread_mutex_lock(&p->lock);
	help_while(p, queue_full);
	if (p->tail)
		p->tail->next = b;
	else
		p->head = b;
	p->tail = b;
	p->queued_bytes += b->bytes;
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
	struct op *op = alert_pipe_alloc(p, sizeof(*op));
	memset(op, 0, sizeof(*op));
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

int alert_pipe_savepoint(struct alert_pipe *p)
{
	p->point_n = p->n;
	return push_kind(p, OP_SAVEPOINT, 0, 0);
}

int alert_pipe_savepoint_release(struct alert_pipe *p)
{
	return push_kind(p, OP_RELEASE, 0, 0);
}

int alert_pipe_savepoint_rollback(struct alert_pipe *p)
{
	if (p->n > p->point_n) { /* its alerts will never be stored */
		p->n = p->point_n > p->lo ? p->point_n : p->lo;
		rebuild_set(p);
	}
	return push_kind(p, OP_ROLLBACK_TO, 0, 0);
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
	struct op *op = alert_pipe_alloc(p, bytes);
	memset(op, 0, sizeof(*op));
	char *at = (char *)(op + 1);
	op->kind = OP_ADD;
	op->job_ops = job_ops;
	op->job = job;
	atomic_init(&op->job_state, JOB_WAITING);
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
		p->lo = p->n = p->point_n = 0;
		return 0;
	}
	if (p->lo >= 1024 && 2 * p->lo >= p->n) { /* the confirmed ones dropped, once in a while */
		memmove(p->fifo, p->fifo + p->lo, (p->n - p->lo) * sizeof(*p->fifo));
		p->n -= p->lo;
		p->point_n = p->point_n > p->lo ? p->point_n - p->lo : 0;
		p->lo = 0;
		rebuild_set(p);
	}
	return uuid_set_has(&p->set, uuid);
}

int alert_pipe_close(struct alert_pipe *p, struct store *s, uint64_t *created, uint64_t *made_waiting)
{
	send(p);
	pthread_mutex_lock(&p->lock);
	help_while(p, writer_busy);
	p->closing = 1;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	int rc = atomic_load(&p->failed) ? -1 : 0;
	if (rc)
		store_set_errmsg(s, p->error.buf);
	*created += p->created;
	*made_waiting += p->made_waiting;
	store_checkpointer_unwatch(p->checkpointer, p->w); /* the writer has ended */
	store_close(p->w);
	json_arena_free(p->arena);
	json_arena_free(p->help_arena);
	free_slabs(p->spare);
	free_slabs(p->cur.slabs); /* a batch never sent (nothing in it) */
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->changed);
	strbuf_release(&p->error);
	uuid_set_release(&p->set);
	free(p->fifo);
	free(p);
	return rc;
}
