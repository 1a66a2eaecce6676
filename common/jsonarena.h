/* jsonarena: cJSON trees parsed into an arena and released all at once.
 *
 * detect parses every admitted document into a tree that lives for one candidate; cJSON's
 * malloc per node and free per node were a fifth of detect's time. Here the nodes and strings
 * come from a few reused chunks, and the tree is dropped by resetting the arena.
 *
 * cJSON's allocator is global, so the first arena sets it once for the process to hooks that
 * allocate from the arena in force on the calling thread (json_arena_begin), or with malloc
 * when there is none: a scope is its thread's alone, and two threads may each build trees in
 * an arena of their own (detect's pass and its writer, detect/alertpipe.h). An arena is one
 * thread's at a time. A tree from the arena must not be given to cJSON_Delete outside its
 * scope, nor gain items made outside it. cJSON's other global, the last parse's error
 * (cJSON_GetErrorPtr), is written by every parse on every thread: never read it. */
#ifndef CASEBOOK_JSONARENA_H
#define CASEBOOK_JSONARENA_H

#include <cJSON.h>
#include <stddef.h>

struct json_arena;

/* Sets cJSON's hooks for arenas, once (json_arena_new does): call it before a second thread
 * uses cJSON, the hooks being a global that cJSON reads without a lock. */
void json_arena_hooks(void);
struct json_arena *json_arena_new(void);
/* Parses text into the arena (NULL when it is not JSON); the tree lives until the next reset. */
cJSON *json_arena_parse(struct json_arena *a, const char *text, size_t len);
/* Adds a string member to an object of the arena's. */
void json_arena_add_string(struct json_arena *a, cJSON *obj, const char *key, const char *value);
/* Until json_arena_end, every cJSON allocation on this thread comes from the arena, and cJSON_Delete and
 * cJSON_free release nothing: a tree read, built on, printed and dropped in the scope costs no
 * malloc and free per node (they were a tenth of making detect's alerts). Nothing cJSON makes
 * in the scope may outlive the arena's next reset, join a tree made outside it, or be given
 * to free(). Scopes nest: begin returns the arena in force
 * before (NULL: malloc), which end restores. */
struct json_arena *json_arena_begin(struct json_arena *a);
void json_arena_end(struct json_arena *previous);
/* Drops every tree parsed since the last reset (keeping a little memory for the next). */
void json_arena_reset(struct json_arena *a);
void json_arena_free(struct json_arena *a);

#endif
