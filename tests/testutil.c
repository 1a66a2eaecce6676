#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[256];

const char *tu_tmpdir(void)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/casebook-test-XXXXXX");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			abort();
		}
		atexit(tu_cleanup);
	}
	return tmpdir;
}

void tu_cleanup(void)
{
	if (tmpdir[0] && !getenv("KEEP_TEST_FILES")) {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	tmpdir[0] = '\0';
}

const char *tu_path(const char *name)
{
	static char bufs[8][512];
	static int i;
	char *b = bufs[i++ % 8];
	snprintf(b, 512, "%s/%s", tu_tmpdir(), name);
	return b;
}

void tu_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

void tu_write_str(const char *path, const char *s)
{
	tu_write(path, s, strlen(s));
}

static void slurp(const char *path, struct strbuf *sb)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(sb, buf, n);
	fclose(f);
}

int tu_run(struct strbuf *out, struct strbuf *err, const char *fmt, ...)
{
	struct strbuf cmd;
	strbuf_init(&cmd, 256);
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	const char *o = tu_path(".out"), *e = tu_path(".err");
	strbuf_addf(&cmd, " >'%s' 2>'%s'", o, e);
	int st = system(cmd.buf);
	strbuf_release(&cmd);
	if (out) {
		strbuf_reset(out);
		slurp(o, out);
	}
	if (err) {
		strbuf_reset(err);
		slurp(e, err);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

const char *tu_casebook(void)
{
	const char *b = getenv("CASEBOOK_BIN");
	return b && *b ? b : "build/check/casebook";
}

const char *tu_corpus(void)
{
	static const char *dir = "../shared/corpus/macos-attack-dataset";
	struct stat st;
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

void tu_tmux(const char *sock, struct strbuf *out, struct strbuf *err, const char *fmt, ...)
{
	struct strbuf cmd;
	strbuf_init(&cmd, 256);
	strbuf_addf(&cmd, "tmux -L %s ", sock);
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	tu_run(out, err, "%s", cmd.buf);
	strbuf_release(&cmd);
}

void tu_tmux_wait_for(const char *sock, const char *session, struct strbuf *out, struct strbuf *err, const char *text)
{
	struct timespec pause = {0, 50 * 1000 * 1000};
	for (int i = 0; i < 400; i++) {
		tu_tmux(sock, out, err, "capture-pane -p -t %s", session);
		if (strstr(out->buf, text))
			return;
		nanosleep(&pause, NULL);
	}
	fail_msg("the console never showed \"%s\"; the screen:\n%s", text, out->buf);
}

int tu_count(const char *haystack, const char *needle)
{
	/* a plain scan: ASan's strstr measures the whole haystack on every call, which is
	 * quadratic on the megabytes some tests count in */
	int n = 0;
	size_t len = strlen(needle);
	for (const char *p = haystack; *p;)
		if (strncmp(p, needle, len) == 0) {
			n++;
			p += len;
		} else {
			p++;
		}
	return n;
}
