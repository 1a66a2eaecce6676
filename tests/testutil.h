/* Helpers shared by the tests: temporary folders, files, and running the built binary. */
#ifndef CASEBOOK_TESTUTIL_H
#define CASEBOOK_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <cmocka.h> /* after the headers it needs */

#include "common/strbuf.h"

/* A fresh temporary folder (removed by tu_cleanup); returns its path. */
const char *tu_tmpdir(void);
void tu_cleanup(void);
/* tu_tmpdir()/name, in a static rotating buffer. */
const char *tu_path(const char *name);
void tu_write(const char *path, const void *data, size_t len);
void tu_write_str(const char *path, const char *s);
/* A file's bytes, NUL-terminated (malloc'd), or NULL when it cannot be opened. */
char *tu_read_file(const char *path);
/* Runs a shell command, capturing stdout and stderr; returns the exit status. */
int tu_run(struct strbuf *out, struct strbuf *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The casebook binary under test (build/check/casebook unless CASEBOOK_BIN is set). */
const char *tu_casebook(void);
/* ../shared/corpus/macos-attack-dataset when it exists, else NULL. */
const char *tu_corpus(void);
/* Runs "tmux -L sock" with the formatted arguments, capturing like tu_run. */
void tu_tmux(const char *sock, struct strbuf *out, struct strbuf *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Polls the session's pane until text shows (at most 20 s); fails with the screen when it does
 * not. The last capture is left in out. */
void tu_tmux_wait_for(const char *sock, const char *session, struct strbuf *out, struct strbuf *err, const char *text);
/* The bundled pack's companion rules (casebook's own, tag "casebook: companion"). Tests of
 * the seed rule alone, and of the triage flow built on its alerts, disable them. */
extern const char *const tu_companion_rules[];
struct store;
void tu_seed_rule_only(struct store *s);
/* The same through the command line, on the database at path. */
void tu_seed_rule_only_cli(const char *db);
/* A query that must not parse, with the column and message of its error. */
struct tu_syntax_error {
	const char *query;
	size_t column;
	const char *msg;
};
struct kql_error;
/* Parses each query with parse (the tree freed with release) and fails unless each gives
 * exactly its error. */
void tu_expect_syntax_errors(const struct tu_syntax_error *e, size_t n,
                             void *(*parse)(const char *text, struct kql_error *err), void (*release)(void *tree));
/* A fresh case file PREFIX-N.db in the test folder (N counts the calls). */
struct store *tu_new_case(const char *prefix);
/* Ingests text as an NDJSON file into s; every document must load. */
void tu_ingest_text(struct store *s, const char *text);
/* Runs detection as at now_us and asserts how many alerts it created. */
void tu_detect_expect(struct store *s, int64_t now_us, uint64_t created);
/* Sorts sb's newline-ended lines in place (byte order). */
void tu_sort_lines(struct strbuf *sb);

/* What an ingest's progress callback was told, tu_progress_seen being the callback and this its
 * context: each report names the input (a name holding want_name) with no more bytes read than
 * its size, the documents never go back, the end (NULL) comes once and nothing after it. */
struct ingest_progress;
struct tu_progress {
	const char *want_name;
	int calls, ends, after_end, backwards;
	uint64_t documents;
	const char *bad_name; /* the first report that named another input or overran it */
};
void tu_progress_seen(void *ctx, const struct ingest_progress *at);

/* What an ES|QL query said beside its rows: its warnings, the first one's text and its fault
 * ("" when none). */
struct tu_esql_said {
	size_t warnings;
	char warning[200];
	char fault[200];
};
/* Runs the ES|QL query over events (a JSON array, each read as a process event e0, e1…): the
 * rows as JSON lines (free them); said, when not NULL, gets what it said. */
char *tu_esql_run(const char *query, const char *events, struct tu_esql_said *said);
/* Rows as JSON lines, every column; the rows released and freed. */
struct esql_row;
char *tu_esql_rows_text(struct esql_row *rows, size_t n);
/* Counts occurrences of needle in haystack. */
int tu_count(const char *haystack, const char *needle);
/* A diag_fn (common/diag.h) that keeps each message in the struct strbuf ctx: how tests read
 * the warnings library code says, with no FILE * in between. */
void tu_collect(void *sb, const char *msg);
void tu_sleep_ms(long ms);
/* Starts argv (argv[0]: the program's path) with stdin from fd_in (-1: this one), stdout to
 * /dev/null and stderr to errpath. */
pid_t tu_start(int fd_in, const char *errpath, char *const argv[]);
/* Waits for pid: its exit status (it must have exited, not been killed). */
int tu_exit_status(pid_t pid);
/* A file's text into sb (it must exist). */
void tu_read_text(const char *path, struct strbuf *sb);
/* The count in an interrupted input's "...: the N documents read are stored (A added, ...": A. */
long tu_stored_in_message(const char *msg);
/* Asserts that err says, as Ctrl-C has ingest say it, that the input named name (a path's end)
 * was interrupted and how to resume; returns how many events it says were stored. */
long tu_interrupted_ingest(const char *err, const char *name);
/* Opens the FIFO fifo to write (waiting for its reader) as *w, and the file full to feed it
 * from as *in. */
void tu_feed_open(const char *fifo, const char *full, FILE **in, FILE **w);
/* Ctrl-C to pid, which must exit 130; closes the feed and reads errpath into err. */
void tu_interrupt(pid_t pid, FILE *in, FILE *w, const char *errpath, struct strbuf *err);
/* Copies up to `lines` more lines from in to w and flushes w; returns how many it copied. */
long tu_copy_lines(FILE *in, FILE *w, long lines);

#endif
