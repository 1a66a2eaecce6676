/* atomicfile: a file written whole or not at all, as exports need (a ticket's attachment, a
 * Timesketch upload): a temporary PATH.tmp-PID beside it, fsync'd, then linked (refusing a file
 * that appeared meanwhile) or renamed over the old one with its mode kept. A killed writer's
 * temporary file is removed by the next writer to the same path. */
#ifndef CASEBOOK_ATOMICFILE_H
#define CASEBOOK_ATOMICFILE_H

#include <stddef.h>

/* A file written atomically: a temporary file beside path, fsync'd and then renamed (linked,
 * when it must not replace an existing file). Refuses an existing path unless force. Each
 * call returns 0, or -1 with a message in err; on an error the temporary file is gone. */
struct atomic_file;
struct atomic_file *atomic_file_open(const char *path, int force, char *err, size_t errlen);
int atomic_file_write(struct atomic_file *f, const char *data, size_t len, char *err, size_t errlen);
/* Puts the file in place and frees f. */
int atomic_file_commit(struct atomic_file *f, char *err, size_t errlen);
/* Removes the temporary file and frees f. */
void atomic_file_abort(struct atomic_file *f);

/* The three in one, for data already in memory. */
int write_file_atomically(const char *path, const char *data, size_t len, int force, char *err, size_t errlen);

#endif
