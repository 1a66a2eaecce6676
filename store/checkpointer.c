#include "store/checkpointer.h"

#include <pthread.h>
#include <stdlib.h>

#include "common/strbuf.h" /* xcalloc */
#include "store/store_internal.h"

/* SQLite's own threshold (wal_autocheckpoint's default): a commit that leaves this many frames
 * in the log asks for a checkpoint. */
#define CHECKPOINT_FRAMES 1000

struct store_checkpointer {
	struct store *c; /* its own connection */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	int wanted, stopping;
	/* the connections whose commits ask for checkpoints (their hooks removed at stop) */
	struct store *watched[2];
	int nwatched;
	unsigned long done;
};

static void *checkpointer_main(void *arg)
{
	struct store_checkpointer *k = arg;
	pthread_mutex_lock(&k->lock);
	for (;;) {
		while (!k->wanted && !k->stopping)
			pthread_cond_wait(&k->changed, &k->lock);
		if (!k->wanted)
			break;
		k->wanted = 0;
		pthread_mutex_unlock(&k->lock);
		/* PASSIVE: copies what no reader still needs, never waits for a lock; what it leaves
		 * the next one (or the last connection's close) copies. A failure here loses nothing:
		 * the frames stay in the log. */
		int nlog = 0, ncopied = 0;
		if (sqlite3_wal_checkpoint_v2(k->c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog, &ncopied) == SQLITE_OK)
			k->done++;
		pthread_mutex_lock(&k->lock);
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

/* The commit's thread: asks the checkpointing thread instead of checkpointing itself, which is
 * what wal_autocheckpoint's hook would do, in the writer's time. */
static int on_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
	(void)db;
	(void)name;
	struct store_checkpointer *k = arg;
	if (frames >= CHECKPOINT_FRAMES) {
		pthread_mutex_lock(&k->lock);
		k->wanted = 1;
		pthread_cond_signal(&k->changed);
		pthread_mutex_unlock(&k->lock);
	}
	return SQLITE_OK;
}

int store_checkpointer_start(const struct store *s, struct store_checkpointer **out)
{
	*out = NULL;
	struct store *c;
	char *err = NULL;
	if (store_open_again(s, &c, &err)) {
		free(err);
		return -1;
	}
	struct store_checkpointer *k = xcalloc(1, sizeof(*k));
	k->c = c;
	pthread_mutex_init(&k->lock, NULL);
	pthread_cond_init(&k->changed, NULL);
	if (pthread_create(&k->thread, NULL, checkpointer_main, k)) {
		pthread_mutex_destroy(&k->lock);
		pthread_cond_destroy(&k->changed);
		store_close(c);
		free(k);
		return -1;
	}
	*out = k;
	return 0;
}

void store_checkpointer_watch(struct store_checkpointer *k, struct store *s)
{
	if (!k || k->nwatched == (int)(sizeof(k->watched) / sizeof(k->watched[0])))
		return;
	k->watched[k->nwatched++] = s;
	sqlite3_wal_hook(s->db, on_commit, k);
}

void store_checkpointer_unwatch(struct store_checkpointer *k, struct store *s)
{
	if (!k)
		return;
	for (int i = 0; i < k->nwatched; i++)
		if (k->watched[i] == s) {
			sqlite3_wal_autocheckpoint(s->db, CHECKPOINT_FRAMES); /* SQLite's own hook again */
			k->watched[i] = k->watched[--k->nwatched];
			return;
		}
}

unsigned long store_checkpointer_stop(struct store_checkpointer *k)
{
	if (!k)
		return 0;
	while (k->nwatched)
		store_checkpointer_unwatch(k, k->watched[0]);
	pthread_mutex_lock(&k->lock);
	k->stopping = 1;
	pthread_cond_signal(&k->changed);
	pthread_mutex_unlock(&k->lock);
	pthread_join(k->thread, NULL);
	unsigned long done = k->done;
	pthread_mutex_destroy(&k->lock);
	pthread_cond_destroy(&k->changed);
	store_close(k->c);
	free(k);
	return done;
}
