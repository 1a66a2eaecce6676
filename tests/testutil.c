#include "tests/testutil.h"

#include "detect/detect.h"
#include "detect/esql.h"
#include "detect/kql.h"
#include "ingest/ingest.h"
#include "store/rules.h"
#include "store/store.h"

#include <cJSON.h>
#include <fcntl.h>
#include <signal.h>
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

char *tu_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fclose(f);
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	slurp(path, &sb);
	return strbuf_detach(&sb, NULL);
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

const char *const tu_companion_rules[] = {
    "c8eba2ab-8a15-5f39-8567-e39add227654", /* Write Below the DirectoryService PlugIns Folder */
    "ae9867af-a891-526a-ba65-74ba4a81a975", /* DirectoryService Plugin Helper Started a Process */
    "1a8374da-5e3d-5443-9b59-b7491219a039", /* File Utility Names the DirectoryService PlugIns Folder */
    "6f0e5b2d-3c1a-5d4e-8f7a-9b0c1d2e3f45", /* DirectoryService Plugin Installed Then Run */
    NULL,
};

void tu_seed_rule_only(struct store *s)
{
	for (size_t i = 0; tu_companion_rules[i]; i++) {
		int64_t changed;
		assert_int_equal(store_rule_set_enabled(s, tu_companion_rules[i], -1, 0, &changed), 0);
		assert_int_equal(changed, 1);
	}
}

void tu_seed_rule_only_cli(const char *db)
{
	struct strbuf out, err;
	strbuf_init(&out, 256);
	strbuf_init(&err, 256);
	for (size_t i = 0; tu_companion_rules[i]; i++)
		if (tu_run(&out, &err, "%s --db '%s' rules disable %s", tu_casebook(), db, tu_companion_rules[i]))
			fail_msg("rules disable %s: %s", tu_companion_rules[i], err.buf);
	strbuf_release(&out);
	strbuf_release(&err);
}

void tu_expect_syntax_errors(const struct tu_syntax_error *e, size_t n,
                             void *(*parse)(const char *text, struct kql_error *err), void (*release)(void *tree))
{
	for (size_t i = 0; i < n; i++) {
		struct kql_error err;
		void *tree = parse(e[i].query, &err);
		if (tree) {
			release(tree);
			fail_msg("%s: parsed, expected an error", e[i].query);
		}
		if (err.column != e[i].column || strcmp(err.msg, e[i].msg))
			fail_msg("%s: got column %zu \"%s\", want column %zu \"%s\"", e[i].query, err.column, err.msg,
			         e[i].column, e[i].msg);
	}
}

struct store *tu_new_case(const char *prefix)
{
	static int cases;
	char name[96];
	snprintf(name, sizeof(name), "%.60s-%d.db", prefix, ++cases);
	struct store *s = NULL;
	char *err = NULL;
	assert_int_equal(store_open(tu_path(name), STORE_CREATE, &s, &err), 0);
	return s;
}

void tu_ingest_text(struct store *s, const char *text)
{
	static int files;
	char name[32];
	snprintf(name, sizeof(name), "in-%d.ndjson", ++files);
	tu_write_str(tu_path(name), text);
	struct ingest_options o = {.analyst = "t", .errors = diag_stderr_sink()};
	struct ingest_counts c = {0};
	assert_int_equal(ingest_path(s, tu_path(name), &o, &c), INGEST_OK);
	assert_int_equal(c.rejected, 0);
}

void tu_detect_expect(struct store *s, int64_t now_us, uint64_t created)
{
	struct detect_options d = {.now_us = now_us};
	struct detect_totals t;
	assert_int_equal(detect_run(s, &d, &t), 0);
	assert_int_equal(t.created, created);
}

static int compare_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void tu_progress_seen(void *ctx, const struct ingest_progress *at)
{
	struct tu_progress *p = ctx;
	p->calls++;
	if (p->ends)
		p->after_end++;
	if (!at) {
		p->ends++;
		return;
	}
	if ((!strstr(at->name, p->want_name) || at->bytes_read > at->size) && !p->bad_name)
		p->bad_name = at->name;
	p->backwards += at->documents < p->documents;
	p->documents = at->documents;
}

char *tu_esql_rows_text(struct esql_row *rows, size_t n)
{
	struct strbuf out;
	strbuf_init(&out, 256);
	for (size_t k = 0; k < n; k++) {
		cJSON *o = cJSON_CreateObject();
		esql_row_to_json(&rows[k], o, 1);
		char *text = cJSON_PrintUnformatted(o);
		strbuf_addf(&out, "%s\n", text);
		cJSON_free(text);
		cJSON_Delete(o);
		esql_row_release(&rows[k]);
	}
	free(rows);
	return strbuf_detach(&out, NULL);
}

char *tu_esql_run(const char *query, const char *events, struct tu_esql_said *said)
{
	struct esql_error err;
	struct esql_query *q = esql_parse_query(query, &err);
	if (!q)
		fail_msg("%s: %s at %zu", query, err.msg, err.offset);
	cJSON *evs = cJSON_Parse(events);
	assert_non_null(evs);
	struct esql_row *rows = NULL;
	size_t n = 0, cap = 0;
	int i = 0;
	const cJSON *ev;
	cJSON_ArrayForEach(ev, evs)
	{
		char id[16];
		snprintf(id, sizeof(id), "e%d", i);
		esql_rows_of(q, ev, id, "logs-endpoint.events.process-default", i++, &rows, &n, &cap);
	}
	esql_finish(q, &rows, &n);
	char *out = tu_esql_rows_text(rows, n);
	cJSON_Delete(evs);
	if (said) {
		said->warnings = 0;
		const char *w = esql_warning(q, &said->warnings);
		const char *f = esql_fault(q);
		snprintf(said->warning, sizeof(said->warning), "%s", w ? w : "");
		snprintf(said->fault, sizeof(said->fault), "%s", f ? f : "");
	}
	esql_free(q);
	return out;
}

void tu_sort_lines(struct strbuf *sb)
{
	size_t n = 0;
	for (const char *p = sb->buf; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	char **at = malloc((n ? n : 1) * sizeof(*at));
	assert_non_null(at);
	size_t k = 0;
	for (char *p = sb->buf; k < n; p = strchr(p, '\n') + 1)
		at[k++] = p;
	qsort(at, n, sizeof(*at), compare_lines);
	struct strbuf sorted;
	strbuf_init(&sorted, sb->len + 1);
	for (size_t i = 0; i < n; i++)
		strbuf_add(&sorted, at[i], (size_t)(strchr(at[i], '\n') - at[i]) + 1);
	strbuf_reset(sb);
	strbuf_add(sb, sorted.buf, sorted.len);
	strbuf_release(&sorted);
	free(at);
}

void tu_collect(void *sb, const char *msg)
{
	strbuf_addstr(sb, msg);
}

void tu_sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&t, NULL);
}

pid_t tu_start(int fd_in, const char *errpath, char *const argv[])
{
	pid_t pid = fork();
	if (pid == 0) {
		if (fd_in >= 0 && dup2(fd_in, STDIN_FILENO) < 0)
			_exit(127);
		if (!freopen("/dev/null", "w", stdout) || !freopen(errpath, "w", stderr))
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

int tu_exit_status(pid_t pid)
{
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

void tu_read_text(const char *path, struct strbuf *sb)
{
	strbuf_reset(sb);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(sb, buf, n);
	fclose(f);
}

long tu_stored_in_message(const char *msg)
{
	const char *p = strstr(msg, " documents read are stored (");
	assert_non_null(p);
	p = strstr(p, "(");
	return strtol(p + 1, NULL, 10);
}

long tu_copy_lines(FILE *in, FILE *w, long lines)
{
	char *line = NULL;
	size_t cap = 0;
	long n = 0;
	while (n < lines && getline(&line, &cap, in) > 0) {
		assert_true(fputs(line, w) >= 0);
		n++;
	}
	free(line);
	assert_int_equal(fflush(w), 0);
	return n;
}

long tu_interrupted_ingest(const char *err, const char *name)
{
	long stored = tu_stored_in_message(err);
	char expect[512];
	snprintf(expect, sizeof(expect), "%s: interrupted after ", name);
	assert_non_null(strstr(err, expect));
	assert_non_null(strstr(err, "; the rest was not read\n"));
	snprintf(expect, sizeof(expect),
	         "casebook ingest: interrupted (Ctrl-C): the %ld events stored so far are kept and committed; run the "
	         "same command again to load the rest (the events already stored are skipped as duplicates)\n",
	         stored);
	assert_non_null(strstr(err, expect));
	return stored;
}

void tu_feed_open(const char *fifo, const char *full, FILE **in, FILE **w)
{
	signal(SIGPIPE, SIG_IGN);                      /* a failed write fails the test, not the process */
	int writer = open(fifo, O_WRONLY | O_CLOEXEC); /* waits until the reader opens it */
	assert_true(writer >= 0);
	*in = fopen(full, "r");
	*w = fdopen(writer, "w");
	assert_non_null(*in);
	assert_non_null(*w);
}

void tu_interrupt(pid_t pid, FILE *in, FILE *w, const char *errpath, struct strbuf *err)
{
	kill(pid, SIGINT); /* the FIFO is still open: the rest has not been written */
	assert_int_equal(tu_exit_status(pid), 130);
	fclose(w);
	fclose(in);
	tu_read_text(errpath, err);
}
