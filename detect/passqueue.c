/* passqueue: the shared pass's rows handed from the reading thread to the rules' thread
 * (detect/passqueue.h). The batches go round a ring: the reader fills one while the rules'
 * thread offers the one before; each is the reader's until marked ready, then the rules'
 * thread's until marked free. */
#include "detect/passqueue.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonarena.h"
#include "common/strbuf.h"
#include "detect/eventjson.h"

#define BATCHES     4
#define BATCH_ROWS  64
#define BATCH_BYTES ((size_t)512 << 10) /* a larger document makes a batch of its own */

struct queued_row {
	struct candidate_row c; /* its strings in the batch's bytes */
	cJSON *ev;              /* in the batch's arena */
	size_t first, nruns;    /* its runs in the batch's runs */
};

struct batch {
	int ready; /* the rules' thread's to offer (else the reader's, or free) */
	/* the reader parses the documents: set when the rules' thread was not behind as the batch
	 * began (else that thread parses them), so the parses go where a core has time */
	int parsed;
	struct queued_row rows[BATCH_ROWS];
	size_t nrows;
	char *bytes; /* never moves while it holds rows */
	size_t used, cap;
	size_t *runs;
	size_t nruns, runs_cap;
	struct json_arena *arena;
};

struct passqueue {
	passqueue_fn fn;
	void *ctx;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed; /* a batch became ready or free, or quit was set */
	struct batch batches[BATCHES];
	size_t filling; /* the reader's batch */
	int quit;
};

static void offer_batch(struct passqueue *q, struct batch *b)
{
	for (size_t i = 0; i < b->nrows; i++) {
		struct queued_row *r = &b->rows[i];
		if (!b->parsed && r->c.ev.doc)
			r->ev = detect_event_json_in(b->arena, &r->c.ev);
		q->fn(q->ctx, &r->c, r->ev, b->runs + r->first, r->nruns);
	}
	json_arena_reset(b->arena);
	b->nrows = 0;
	b->used = 0;
	b->nruns = 0;
}

static void *rules_thread(void *arg)
{
	struct passqueue *q = arg;
	size_t next = 0;
	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct batch *b = &q->batches[next];
		while (!b->ready && !q->quit)
			pthread_cond_wait(&q->changed, &q->lock);
		if (!b->ready)
			break; /* quit, and nothing left: the reader drained first */
		pthread_mutex_unlock(&q->lock);
		offer_batch(q, b);
		pthread_mutex_lock(&q->lock);
		b->ready = 0;
		pthread_cond_broadcast(&q->changed);
		next = (next + 1) % BATCHES;
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct passqueue *passqueue_start(passqueue_fn fn, void *ctx)
{
	struct passqueue *q = xcalloc(1, sizeof(*q));
	q->fn = fn;
	q->ctx = ctx;
	for (size_t i = 0; i < BATCHES; i++) {
		q->batches[i].cap = BATCH_BYTES;
		q->batches[i].bytes = xmalloc(BATCH_BYTES);
		q->batches[i].arena = json_arena_new(); /* and cJSON's hooks, before the thread starts */
		q->batches[i].parsed = 1;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->changed, NULL);
	if (pthread_create(&q->thread, NULL, rules_thread, q)) {
		q->quit = 1;
		passqueue_stop(q);
		return NULL;
	}
	return q;
}

/* The reader's batch handed over; returns once the next is free. The reader parses the next
 * one's documents unless two batches wait for the rules' thread. */
static void hand_over(struct passqueue *q)
{
	pthread_mutex_lock(&q->lock);
	q->batches[q->filling].ready = 1;
	pthread_cond_broadcast(&q->changed);
	q->filling = (q->filling + 1) % BATCHES;
	while (q->batches[q->filling].ready)
		pthread_cond_wait(&q->changed, &q->lock);
	size_t waiting = 0;
	for (size_t i = 0; i < BATCHES; i++)
		waiting += (size_t)q->batches[i].ready;
	q->batches[q->filling].parsed = waiting < 2;
	pthread_mutex_unlock(&q->lock);
}

static size_t text_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* s (n bytes) copied into b's bytes with a NUL after it; NULL stays NULL. */
static const void *copy_in(struct batch *b, const void *s, size_t n)
{
	if (!s)
		return NULL;
	char *to = b->bytes + b->used;
	memcpy(to, s, n);
	to[n] = '\0';
	b->used += n + 1;
	return to;
}

static const char *copy_text(struct batch *b, const char *s)
{
	return copy_in(b, s, s ? strlen(s) : 0);
}

/* The event's strings, in the order copy_row copies them. */
#define ROW_TEXTS(r)                                                                                                   \
	{                                                                                                              \
		&(r)->identity, &(r)->index, &(r)->host_id, &(r)->host_name, &(r)->os_type, &(r)->kind,                \
		    &(r)->category, &(r)->type, &(r)->action, &(r)->file_path, &(r)->entity_id, &(r)->executable,      \
		    &(r)->process_name, &(r)->user_name, &(r)->derived                                                 \
	}

static size_t row_size(const struct candidate_row *c)
{
	struct event_record r = c->ev.r;
	const char **texts[] = ROW_TEXTS(&r);
	size_t n = (c->ev.doc ? c->ev.doc_len + 1 : 0) + (c->ev.stored ? c->ev.stored_len + 1 : 0);
	for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++)
		n += text_size(*texts[i]);
	return n;
}

/* The row, its strings and documents in b (which has room for them); the compressed document
 * (doc_z) is not handed on: the rules read doc, and the audit's hash stored. */
static void copy_row(struct batch *b, struct candidate_row *to, const struct candidate_row *c)
{
	*to = *c;
	struct event_record *r = &to->ev.r;
	const char **texts[] = ROW_TEXTS(r);
	for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++)
		*texts[i] = copy_text(b, *texts[i]);
	r->doc_z = NULL;
	r->doc_z_len = 0;
	to->ev.doc = copy_in(b, c->ev.doc, c->ev.doc_len);
	to->ev.stored = copy_in(b, c->ev.stored, c->ev.stored_len);
}

void passqueue_add(struct passqueue *q, const struct candidate_row *c, const size_t *runs, size_t nruns)
{
	struct batch *b = &q->batches[q->filling];
	size_t need = row_size(c);
	if (b->nrows && (b->nrows == BATCH_ROWS || b->cap - b->used < need)) {
		hand_over(q);
		b = &q->batches[q->filling];
	}
	if (b->cap < need) { /* empty: no row points into it */
		free(b->bytes);
		b->bytes = xmalloc(need);
		b->cap = need;
	}
	if (b->nruns + nruns > b->runs_cap) {
		b->runs_cap = 2 * (b->nruns + nruns);
		b->runs = xrealloc(b->runs, b->runs_cap * sizeof(*b->runs));
	}
	struct queued_row *r = &b->rows[b->nrows++];
	copy_row(b, &r->c, c);
	r->ev = b->parsed && r->c.ev.doc ? detect_event_json_in(b->arena, &r->c.ev) : NULL;
	r->first = b->nruns;
	r->nruns = nruns;
	memcpy(b->runs + b->nruns, runs, nruns * sizeof(*runs));
	b->nruns += nruns;
}

void passqueue_drain(struct passqueue *q)
{
	if (q->batches[q->filling].nrows)
		hand_over(q);
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < BATCHES; i++)
		while (q->batches[i].ready)
			pthread_cond_wait(&q->changed, &q->lock);
	pthread_mutex_unlock(&q->lock);
}

void passqueue_stop(struct passqueue *q)
{
	if (!q)
		return;
	if (!q->quit) { /* the thread runs */
		passqueue_drain(q);
		pthread_mutex_lock(&q->lock);
		q->quit = 1;
		pthread_cond_broadcast(&q->changed);
		pthread_mutex_unlock(&q->lock);
		pthread_join(q->thread, NULL);
	}
	for (size_t i = 0; i < BATCHES; i++) {
		free(q->batches[i].bytes);
		free(q->batches[i].runs);
		json_arena_free(q->batches[i].arena);
	}
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->changed);
	free(q);
}
