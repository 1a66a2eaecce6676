/* Crash safety and concurrency: ingest killed (-9) at random moments, ingest on a disk that
 * fills up, the console killed right after triage actions, and the console open while another
 * process ingests and detects. */
#include "tests/testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct strbuf out, err;

static long count_events(const char *db)
{
	sqlite3 *raw;
	sqlite3_stmt *st;
	long n = -1;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	/* killed before casebook made its schema: nothing was ingested yet */
	const char *sql = "SELECT count(*) FROM events";
	sqlite3_stmt *probe;
	assert_int_equal(sqlite3_prepare_v2(raw, "SELECT 1 FROM sqlite_master WHERE name = 'events'", -1, &probe, NULL),
	                 SQLITE_OK);
	int has = sqlite3_step(probe) == SQLITE_ROW;
	sqlite3_finalize(probe);
	if (!has)
		sql = "SELECT 0";
	assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	return n;
}

static pid_t start(const char *db, const char *file)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		execl("build/release/casebook", "casebook", "--db", db, "ingest", file, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void test_ingest_killed_at_random_moments(void **state)
{
	(void)state;
	char file[512], db[512];
	snprintf(file, sizeof(file), "%s", tu_path("events.ndjson"));
	assert_int_equal(tu_run(&out, &err, "{ build/release/gen-events --events 20000 > '%s'; }", file), 0);
	srand(20261127);
	for (int trial = 0; trial < 20; trial++) {
		snprintf(db, sizeof(db), "%s/kill-%d.db", tu_tmpdir(), trial);
		pid_t pid = start(db, file);
		tu_sleep_ms(20 + rand() % 350);
		kill(pid, SIGKILL);
		int st;
		waitpid(pid, &st, 0);
		long partial = count_events(db); /* opens, and the integrity check is ok */
		assert_true(partial >= 0 && partial <= 20016);
		assert_int_equal(tu_run(&out, &err, "build/release/casebook --db '%s' ingest '%s'", db, file), 0);
		/* no loss and no duplicates: the same count as one uninterrupted run */
		assert_int_equal(count_events(db), 20016);
	}
}

/* The events committed so far while a writer may hold the case (0 while it cannot be read). */
static long events_so_far(const char *db)
{
	sqlite3 *raw;
	sqlite3_stmt *st;
	long n = 0;
	if (sqlite3_open_v2(db, &raw, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(raw, "SELECT count(*) FROM events", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(raw);
	return n;
}

/* Starts casebook ingest on file with stdin from fd_in (-1: this one) and stderr in errpath. */
static pid_t start_ingest(const char *db, const char *file, int fd_in, const char *errpath)
{
	return tu_start(fd_in, errpath,
	                (char *const[]){"build/release/casebook", "--db", (char *)db, "ingest", (char *)file, NULL});
}

/* Ctrl-C (SIGINT) while a large file loads: the committed batches and the documents read
 * are kept, the message says how many and how to resume, the exit status is 130, and the
 * same command run again loads exactly the rest. The file is first a FIFO that the
 * test feeds and keeps open, so the signal always lands mid-file however fast or loaded
 * the machine is; then the whole file takes its place. */
static void test_ctrl_c_during_ingest_keeps_what_was_read_and_it_resumes(void **state)
{
	(void)state;
	char file[512], full[512], db[512], errpath[512];
	snprintf(file, sizeof(file), "%s", tu_path("sigint-events.ndjson"));
	snprintf(full, sizeof(full), "%s", tu_path("sigint-full.ndjson"));
	snprintf(db, sizeof(db), "%s", tu_path("sigint.db"));
	snprintf(errpath, sizeof(errpath), "%s", tu_path("sigint.err"));
	assert_int_equal(tu_run(&out, &err, "{ build/release/gen-events --events 60000 > '%s'; }", full), 0);
	assert_int_equal(mkfifo(file, 0600), 0);
	pid_t pid = start_ingest(db, file, -1, errpath);
	FILE *in, *w;
	tu_feed_open(file, full, &in, &w);
	/* a third at once, then a trickle until a batch is committed (ingest commits every
	 * second), stopping well short of the end */
	long written = tu_copy_lines(in, w, 20000), seen = 0;
	while (seen <= 0 && written < 50000) {
		written += tu_copy_lines(in, w, 50); /* at most 12 s more */
		tu_sleep_ms(20);
		if (access(db, F_OK) == 0)
			seen = events_so_far(db);
	}
	assert_true(seen > 0);
	tu_interrupt(pid, in, w, errpath, &err);
	long stored = tu_interrupted_ingest(err.buf, "sigint-events.ndjson");
	assert_int_equal(count_events(db), stored);
	assert_true(stored >= seen && stored <= written && written < 60000);
	char expect[512];
	assert_int_equal(unlink(file), 0);
	assert_int_equal(rename(full, file), 0);
	assert_int_equal(tu_run(&out, &err, "build/release/casebook --db '%s' ingest '%s'", db, file), 0);
	snprintf(expect, sizeof(expect), "60016 documents: %ld added, %ld duplicate, 0 rejected\n", 60016 - stored,
	         stored);
	assert_string_equal(out.buf, expect);
	assert_int_equal(count_events(db), 60016);
}

/* Ctrl-C while standard input (a pipe) has nothing more to give: ingest does not wait for
 * it, keeps the documents it read, and a document cut short is not counted as damage. */
static void test_ctrl_c_while_a_pipe_waits_keeps_what_was_read(void **state)
{
	(void)state;
	char db[512], errpath[512];
	snprintf(db, sizeof(db), "%s", tu_path("sigint-pipe.db"));
	snprintf(errpath, sizeof(errpath), "%s", tu_path("sigint-pipe.err"));
	int fds[2];
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0); /* the child keeps only its stdin */
	pid_t pid = start_ingest(db, "-", fds[0], errpath);
	close(fds[0]);
	FILE *w = fdopen(fds[1], "w");
	for (int i = 0; i < 1000; i++)
		fprintf(w, "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"p%d\"}}\n", i);
	fprintf(w, "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"cut");
	fflush(w);
	tu_sleep_ms(1000);
	kill(pid, SIGINT); /* the pipe stays open: the writer has not finished */
	assert_int_equal(tu_exit_status(pid), 130);
	fclose(w);
	tu_read_text(errpath, &err);
	long stored = tu_stored_in_message(err.buf);
	assert_true(stored > 0 && stored <= 1000);
	assert_int_equal(count_events(db), stored);
	assert_null(strstr(err.buf, "not closed")); /* the cut document is not a reject */
	assert_non_null(strstr(err.buf, " 0 rejected); the rest was not read\n"));
}

static char sock[64];

#define tmux(...)      tu_tmux(sock, &out, &err, __VA_ARGS__)
#define wait_for(text) tu_tmux_wait_for(sock, "r", &out, &err, text)

/* A demo case in db, and the console on it in tmux. */
static void console_on_demo(const char *name, char *db, size_t len)
{
	snprintf(db, len, "%s", tu_path(name));
	char events[512];
	snprintf(events, sizeof(events), "%s", tu_path("demo.ndjson"));
	assert_int_equal(tu_run(&out, &err, "{ build/release/gen-events --events 500 > '%s'; }", events), 0);
	assert_int_equal(tu_run(&out, &err, "build/release/casebook --db '%s' ingest '%s'", db, events), 0);
	tu_seed_rule_only_cli(db); /* the seed rule's three alerts */
	assert_int_equal(tu_run(&out, &err, "build/release/casebook --db '%s' detect", db), 0);
	snprintf(sock, sizeof(sock), "casebook-rel-%ld", (long)getpid());
	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	tmux("new-session -d -s r -x 132 -y 40 \"cd '%s' && TZ=UTC CASEBOOK_ANALYST=rel exec build/release/casebook "
	     "--db '%s'\"",
	     cwd, db);
	wait_for("open 3 · ack 0 · closed 0");
}

static char small_disk[512];

static int unmount_small_disk(void **state)
{
	(void)state;
	if (small_disk[0])
		umount(small_disk);
	small_disk[0] = '\0';
	return 0;
}

/* A 4 MiB tmpfs fills up during the ingest of 20,000 events (needs root, as CI runs). */
static void test_full_disk_stops_ingest_cleanly_and_it_resumes(void **state)
{
	(void)state;
	char file[512], db[sizeof(small_disk) + 16];
	snprintf(file, sizeof(file), "%s", tu_path("disk-events.ndjson"));
	snprintf(small_disk, sizeof(small_disk), "%s", tu_path("small-disk"));
	snprintf(db, sizeof(db), "%s/case.db", small_disk);
	assert_int_equal(
	    tu_run(&out, &err, "{ build/release/gen-events --events 20000 > '%s' && mkdir '%s'; }", file, small_disk),
	    0);
	if (mount("tmpfs", small_disk, "tmpfs", 0, "size=4m") != 0) {
		small_disk[0] = '\0';
		skip(); /* not root, or no mount permission in this container */
	}
	int rc = tu_run(&out, &err, "build/release/casebook --db '%s' ingest '%s'", db, file);
	assert_int_equal(rc, 1);
	/* which write meets the full disk, the event's row, its document or the commit that
	 * writes the cache out, depends on the database's layout (the schema's indexes move
	 * it): one of them, word for word */
	char expect[1200], expect_doc[1200], expect_commit[1200];
	const char *tail = ": database or disk is full\ncasebook: what was loaded before is kept; once the cause is "
	                   "fixed, the same ingest run again loads the rest without duplicates\n";
	snprintf(expect, sizeof(expect), "%s: stopped: storing an event%s", file, tail);
	snprintf(expect_doc, sizeof(expect_doc), "%s: stopped: storing an event's document%s", file, tail);
	snprintf(expect_commit, sizeof(expect_commit), "%s: stopped: committing events%s", file, tail);
	if (strcmp(err.buf, expect_doc) && strcmp(err.buf, expect_commit))
		assert_string_equal(err.buf, expect);
	long partial = count_events(db); /* opens, and the integrity check is ok */
	assert_true(partial >= 0 && partial < 20016);
	/* space is freed: the same command loads exactly what was missing */
	assert_int_equal(mount("tmpfs", small_disk, "tmpfs", MS_REMOUNT, "size=64m"), 0);
	assert_int_equal(tu_run(&out, &err, "build/release/casebook --db '%s' ingest '%s'", db, file), 0);
	snprintf(expect, sizeof(expect), "20016 documents: %ld added, %ld duplicate, 0 rejected\n", 20016 - partial,
	         partial);
	assert_string_equal(out.buf, expect);
	assert_int_equal(count_events(db), 20016);
}

static void test_console_killed_after_actions_loses_nothing(void **state)
{
	(void)state;
	if (tu_run(&out, &err, "command -v tmux") != 0)
		skip();
	char db[512];
	console_on_demo("killed.db", db, sizeof(db));
	tmux("send-keys -t r Enter 4 Space");
	wait_for("checklist item 1 checked");
	tmux("send-keys -t r 6 a 'kept after kill' C-d");
	wait_for("note saved");
	tmux("send-keys -t r C 2 Enter y");
	wait_for("1 alert closed");
	tmux("display -p -t r '#{pane_pid}'");
	int pid = atoi(out.buf);
	assert_true(pid > 0);
	kill(pid, SIGKILL);
	tmux("kill-server");
	assert_int_equal(
	    tu_run(&out, &err, "build/release/casebook --db '%s' export --status closed --format json", db), 0);
	assert_non_null(strstr(out.buf, "\"workflow_status\":\"closed\",\"reason\":\"true_positive\""));
	assert_non_null(strstr(out.buf, "\"state\":\"checked\",\"note\":null,\"by\":\"rel\""));
	assert_non_null(strstr(out.buf, "\"text\":\"kept after kill\",\"by\":\"rel\""));
	/* every alert's anchor, then the 3 triage entries */
	assert_int_equal(tu_run(&out, &err, "build/release/casebook --db '%s' alerts --json", db), 0);
	int entries = tu_count(out.buf, "\n") + 3;
	assert_int_equal(tu_run(&out, &err, "build/release/casebook --db '%s' audit --verify", db), 0);
	char want[300];
	snprintf(want, sizeof(want),
	         "audit chain verified: %d entries, none changed, removed or inserted; alerts and exceptions are "
	         "what they anchored; notes, checklists and statuses are what they record\n",
	         entries);
	assert_string_equal(out.buf, want);
}

static void test_console_stays_open_while_others_write(void **state)
{
	(void)state;
	if (tu_run(&out, &err, "command -v tmux") != 0)
		skip();
	char db[512];
	console_on_demo("shared.db", db, sizeof(db));
	/* another process ingests a new plug-in write and detects, with the console open */
	tu_write_str(
	    tu_path("more.ndjson"),
	    "{\"@timestamp\":\"2026-11-20T09:00:00Z\",\"event\":{\"id\":\"late-1\",\"ingested\":\"2026-11-20T09:00:"
	    "30Z\","
	    "\"category\":[\"file\"],\"type\":[\"change\"],\"action\":\"modification\"},\"host\":{\"id\":\"h9\","
	    "\"name\":\"mac-late\",\"os\":{\"type\":\"macos\"}},\"file\":{\"path\":"
	    "\"/Library/DirectoryServices/PlugIns/late.dsplug\",\"name\":\"late.dsplug\"}}\n");
	assert_int_equal(tu_run(&out, &err, "build/release/casebook --db '%s' ingest '%s'", db, tu_path("more.ndjson")),
	                 0);
	assert_null(strstr(err.buf, "locked"));
	assert_int_equal(tu_run(&out, &err, "build/release/casebook --db '%s' detect", db), 0);
	assert_non_null(strstr(out.buf, "1 alerts created"));
	/* the queue notices on its own */
	wait_for("1 new alert");
	wait_for("open 4 · ack 0 · closed 0");
	tmux("send-keys -t r j");
	wait_for("mac-late");
	tmux("kill-server");
}

int main(void)
{
	strbuf_init(&out, 8192);
	strbuf_init(&err, 1024);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ingest_killed_at_random_moments),
	    cmocka_unit_test(test_ctrl_c_during_ingest_keeps_what_was_read_and_it_resumes),
	    cmocka_unit_test(test_ctrl_c_while_a_pipe_waits_keeps_what_was_read),
	    cmocka_unit_test_teardown(test_full_disk_stops_ingest_cleanly_and_it_resumes, unmount_small_disk),
	    cmocka_unit_test(test_console_killed_after_actions_loses_nothing),
	    cmocka_unit_test(test_console_stays_open_while_others_write),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	strbuf_release(&out);
	strbuf_release(&err);
	return rc;
}
