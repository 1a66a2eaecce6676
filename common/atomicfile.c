#include "common/atomicfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/strbuf.h"

struct atomic_file {
	char *path, *tmp;
	int fd, force;
};

static void atomic_file_free(struct atomic_file *f)
{
	free(f->path);
	free(f->tmp);
	free(f);
}

void atomic_file_abort(struct atomic_file *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	unlink(f->tmp);
	atomic_file_free(f);
}

/* Removes PATH.tmp-PID files that an export killed before its end left behind: those whose
 * process is gone. A live export's file is left alone. */
static void remove_stale_temporaries(const char *path)
{
	char *copy = xstrdup(path);
	char *slash = strrchr(copy, '/');
	const char *dir = slash ? (slash == copy ? "/" : copy) : ".";
	const char *base = slash ? slash + 1 : copy;
	if (slash)
		*slash = '\0';
	size_t blen = strlen(base);
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		const char *n = e->d_name;
		if (strncmp(n, base, blen) || strncmp(n + blen, ".tmp-", 5))
			continue;
		char *end;
		long pid = strtol(n + blen + 5, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) /* alive, or not ours to judge */
			continue;
		struct strbuf stale;
		strbuf_init(&stale, 256);
		strbuf_addf(&stale, "%s/%s", dir, n);
		unlink(stale.buf);
		strbuf_release(&stale);
	}
	if (d)
		closedir(d);
	free(copy);
}

struct atomic_file *atomic_file_open(const char *path, int force, char *err, size_t errlen)
{
	struct stat st;
	int replaces = lstat(path, &st) == 0;
	if (!force && replaces) {
		snprintf(err, errlen, "%s exists; add --force to replace it", path);
		return NULL;
	}
	remove_stale_temporaries(path);
	struct atomic_file *f = xmalloc(sizeof(*f));
	f->path = xstrdup(path);
	f->force = force;
	struct strbuf tmp;
	strbuf_init(&tmp, strlen(path) + 32);
	strbuf_addf(&tmp, "%s.tmp-%ld", path, (long)getpid());
	f->tmp = strbuf_detach(&tmp, NULL);
	f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", f->tmp, strerror(errno));
		atomic_file_free(f);
		return NULL;
	}
	/* --force replaces the file's contents, not its permissions */
	if (replaces && S_ISREG(st.st_mode) && fchmod(f->fd, st.st_mode & 07777) != 0) {
		snprintf(err, errlen, "cannot keep the mode of %s: %s", path, strerror(errno));
		atomic_file_abort(f);
		return NULL;
	}
	return f;
}

int atomic_file_write(struct atomic_file *f, const char *data, size_t len, char *err, size_t errlen)
{
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(f->fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "writing %s: %s", f->tmp, strerror(errno));
			return -1;
		}
		done += (size_t)w;
	}
	return 0;
}

int atomic_file_commit(struct atomic_file *f, char *err, size_t errlen)
{
	int rc = -1;
	int synced = fsync(f->fd) == 0;
	int closed = close(f->fd) == 0;
	f->fd = -1;
	if (!synced || !closed) {
		snprintf(err, errlen, "writing %s: %s", f->tmp, strerror(errno));
	} else if (!f->force && link(f->tmp, f->path) == 0) {
		rc = 0; /* link refuses to replace a file that appeared meanwhile */
	} else if (!f->force) {
		snprintf(err, errlen, "%s: %s", f->path,
		         errno == EEXIST ? "exists; add --force to replace it" : strerror(errno));
	} else if (rename(f->tmp, f->path) == 0) {
		atomic_file_free(f);
		return 0;
	} else {
		snprintf(err, errlen, "renaming to %s: %s", f->path, strerror(errno));
	}
	unlink(f->tmp);
	atomic_file_free(f);
	return rc;
}

int write_file_atomically(const char *path, const char *data, size_t len, int force, char *err, size_t errlen)
{
	struct atomic_file *f = atomic_file_open(path, force, err, errlen);
	if (!f)
		return -1;
	if (atomic_file_write(f, data, len, err, errlen)) {
		atomic_file_abort(f);
		return -1;
	}
	return atomic_file_commit(f, err, errlen);
}
