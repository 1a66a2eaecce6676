#include "ingest/walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/diag.h"
#include "common/sanitize.h"
#include "common/strbuf.h"

struct dir_id {
	dev_t dev;
	ino_t ino;
};

struct pending {
	char *path;
	int depth;
};

struct walk {
	struct pending *stack;
	size_t n, alloc;
	struct dir_id *seen; /* directories entered: a second visit would be a loop or a copy */
	size_t nseen, seen_alloc;
};

static void push(struct walk *w, char *path, int depth)
{
	if (w->n == w->alloc) {
		w->alloc = w->alloc ? 2 * w->alloc : 64;
		w->stack = xrealloc(w->stack, w->alloc * sizeof(*w->stack));
	}
	w->stack[w->n].path = path;
	w->stack[w->n].depth = depth;
	w->n++;
}

static void add_file(struct walk_list *out, char *path)
{
	if (out->n == out->alloc) {
		out->alloc = out->alloc ? 2 * out->alloc : 64;
		out->paths = xrealloc(out->paths, out->alloc * sizeof(*out->paths));
	}
	out->paths[out->n++] = path;
}

/* Returns 1 when the directory was entered before, else remembers it and returns 0. */
static int seen_before(struct walk *w, const struct stat *st)
{
	for (size_t i = 0; i < w->nseen; i++)
		if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino)
			return 1;
	if (w->nseen == w->seen_alloc) {
		w->seen_alloc = w->seen_alloc ? 2 * w->seen_alloc : 32;
		w->seen = xrealloc(w->seen, w->seen_alloc * sizeof(*w->seen));
	}
	w->seen[w->nseen].dev = st->st_dev;
	w->seen[w->nseen].ino = st->st_ino;
	w->nseen++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void note(const struct diag_sink *errors, const char *path, const char *why)
{
	char *safe = sanitize_dup(path, 0);
	diag_say(errors, "%s: skipped: %s\n", safe, why);
	free(safe);
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	struct strbuf b;
	strbuf_init(&b, n + strlen(name) + 2);
	strbuf_addstr(&b, dir);
	if (n == 0 || dir[n - 1] != '/')
		strbuf_addstr(&b, "/");
	strbuf_addstr(&b, name);
	return strbuf_detach(&b, NULL);
}

/* Pushes the visible entries of dir, last name first, so that they pop in byte order. */
static int push_entries(struct walk *w, const char *dir, int depth, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 32;
			names = xrealloc(names, alloc * sizeof(*names));
		}
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = n; i-- > 0;) {
		push(w, join(dir, names[i]), depth + 1);
		free(names[i]);
	}
	free(names);
	return 0;
}

int walk_directory(const char *dir, struct walk_list *out, const struct diag_sink *errors, char *err, size_t errlen)
{
	struct walk w = {0};
	struct stat st;
	int rc = 0;
	if (stat(dir, &st)) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "not a directory");
		return -1;
	}
	seen_before(&w, &st);
	if (push_entries(&w, dir, 0, err, errlen))
		rc = -1;
	while (!rc && w.n > 0) {
		struct pending p = w.stack[--w.n];
		char why[256];
		if (stat(p.path, &st)) {
			note(errors, p.path, strerror(errno));
			free(p.path);
		} else if (S_ISREG(st.st_mode)) {
			add_file(out, p.path);
		} else if (!S_ISDIR(st.st_mode)) {
			note(errors, p.path, "not a regular file");
			free(p.path);
		} else {
			if (seen_before(&w, &st))
				note(errors, p.path, "a directory already read (a link loop or a second link to it)");
			else if (p.depth >= WALK_MAX_DEPTH)
				note(errors, p.path, "deeper than 32 levels");
			else if (push_entries(&w, p.path, p.depth, why, sizeof(why)))
				note(errors, p.path, why);
			free(p.path);
		}
	}
	for (size_t i = 0; i < w.n; i++)
		free(w.stack[i].path);
	free(w.stack);
	free(w.seen);
	return rc;
}

void walk_list_release(struct walk_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
	memset(l, 0, sizeof(*l));
}
