#include "common/jsonarena.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

#define CHUNK     (64 * 1024)
#define KEEP      4 /* chunks kept over a reset: a document larger than this is rare */
#define ALIGNMENT 16

struct chunk {
	struct chunk *next;
	size_t size, used;
	_Alignas(ALIGNMENT) unsigned char data[];
};

struct json_arena {
	struct chunk *head;  /* the chunk being filled first, the older ones after it */
	struct chunk *spare; /* emptied chunks, for the next trees */
	size_t nspare;
};

/* the arena cJSON's hooks allocate from on this thread; NULL: malloc and free */
static _Thread_local struct json_arena *current;
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static struct chunk *chunk_new(size_t size)
{
	struct chunk *c = xmalloc(sizeof(*c) + size);
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

static void *arena_alloc(size_t n)
{
	struct json_arena *a = current;
	if (!a)
		return malloc(n);
	n = (n + ALIGNMENT - 1) & ~(size_t)(ALIGNMENT - 1);
	struct chunk *c = a->head;
	if (!c || c->size - c->used < n) {
		if (n <= CHUNK && a->spare) {
			c = a->spare;
			a->spare = c->next;
			a->nspare--;
		} else {
			c = chunk_new(n > CHUNK ? n : CHUNK);
		}
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += n;
	return p;
}

static void arena_free(void *p)
{
	if (!current)
		free(p);
	/* else released by json_arena_reset */
}

/* cJSON's hooks are set once, before a second thread may use cJSON, and never again: each
 * thread's allocations then go where its own current says (the hooks were switched at every
 * scope, which a second thread building trees would have raced with). */
static void install_hooks(void)
{
	cJSON_Hooks hooks = {arena_alloc, arena_free};
	cJSON_InitHooks(&hooks);
}

void json_arena_hooks(void)
{
	pthread_once(&hooks_once, install_hooks);
}

struct json_arena *json_arena_new(void)
{
	json_arena_hooks();
	return xcalloc(1, sizeof(struct json_arena));
}

struct json_arena *json_arena_begin(struct json_arena *a)
{
	json_arena_hooks();
	struct json_arena *previous = current;
	current = a;
	return previous;
}

void json_arena_end(struct json_arena *previous)
{
	current = previous;
}

cJSON *json_arena_parse(struct json_arena *a, const char *text, size_t len)
{
	struct json_arena *previous = json_arena_begin(a);
	cJSON *root = cJSON_ParseWithLength(text, len);
	json_arena_end(previous);
	return root;
}

void json_arena_add_string(struct json_arena *a, cJSON *obj, const char *key, const char *value)
{
	struct json_arena *previous = json_arena_begin(a);
	cJSON_AddStringToObject(obj, key, value);
	json_arena_end(previous);
}

void json_arena_reset(struct json_arena *a)
{
	for (struct chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		if (a->nspare < KEEP && c->size == CHUNK) {
			c->used = 0;
			c->next = a->spare;
			a->spare = c;
			a->nspare++;
		} else {
			free(c);
		}
	}
	a->head = NULL;
}

static void free_chunks(struct chunk *c)
{
	for (struct chunk *next; c; c = next) {
		next = c->next;
		free(c);
	}
}

void json_arena_free(struct json_arena *a)
{
	if (!a)
		return;
	free_chunks(a->head);
	free_chunks(a->spare);
	free(a);
}
