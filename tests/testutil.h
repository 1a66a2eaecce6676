/* Helpers shared by the tests: temporary folders, files, and running the built binary. */
#ifndef CASEBOOK_TESTUTIL_H
#define CASEBOOK_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

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
/* Counts occurrences of needle in haystack. */
int tu_count(const char *haystack, const char *needle);
/* A diag_fn (common/diag.h) that keeps each message in the struct strbuf ctx: how tests read
 * the warnings library code says, with no FILE * in between. */
void tu_collect(void *sb, const char *msg);

#endif
