/* walk: the files a directory given to `casebook ingest` holds, found recursively.
 *
 * The order is stable (byte order of names, directory by directory, depth first), so that two
 * runs over the same folder load it the same way. Symbolic links are followed, but a
 * directory already visited (a link back up the tree, two links to one place) is not entered
 * again, and nothing deeper than WALK_MAX_DEPTH levels is read, so a loop ends. Hidden names
 * (starting with '.': .git, .DS_Store) and what is not a regular file are left out. The walk
 * keeps an explicit stack, never recursion. */
#ifndef CASEBOOK_WALK_H
#define CASEBOOK_WALK_H

#include <stddef.h>

#include "common/diag.h"

#define WALK_MAX_DEPTH 32

struct walk_list {
	char **paths;
	size_t n, alloc;
};

/* Appends the files under dir to out. Returns 0, or -1 when dir itself cannot be read (the
 * reason in err); a subdirectory that cannot be read, or lies too deep, is said through errors
 * (NULL: nowhere) and left out. */
int walk_directory(const char *dir, struct walk_list *out, const struct diag_sink *errors, char *err, size_t errlen);
void walk_list_release(struct walk_list *l);

#endif
