/* diag: the one way casebook writes a diagnostic. Every message is formatted whole, then
 * passed through sanitize_append (line breaks kept), so a file name, rule name, query
 * excerpt or SQLite message from a hostile input cannot put an escape sequence, a C1
 * control or a bidi override on the analyst's terminal. tests/test_sqlsafety.c forbids
 * fprintf to stderr anywhere else. */
#ifndef CASEBOOK_DIAG_H
#define CASEBOOK_DIAG_H

#include <stdio.h>

/* Writes the formatted, sanitized message to stderr. For the front ends (cli/, tui/, tools/,
 * bench/) and for a fatal error just before abort(); library code says through a
 * struct diag_sink (below), which its caller chose. */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A progress line on a terminal (the CLI's ingest progress callback): carriage return, the
 * sanitized message on one line, then erase to the end of the line; diag_progress_clear()
 * removes it. */
void diag_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void diag_progress_clear(void);

/* Where library code says a warning: a callback the caller picks (the CLI writes to stderr,
 * a test keeps the text in memory), so no library function takes a FILE * for diagnostics.
 * msg is one or more whole, sanitized lines. A sink whose say is NULL drops the message. */
typedef void diag_fn(void *ctx, const char *msg);
struct diag_sink {
	diag_fn *say;
	void *ctx;
};
/* Formats, sanitizes (line breaks kept) and passes the message to to->say; nothing when to
 * or to->say is NULL. */
void diag_say(const struct diag_sink *to, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A diag_fn for front ends: writes msg to the FILE * ctx (stderr for the CLI) and flushes. */
void diag_to_stream(void *file, const char *msg);
/* The sink the CLI hands the library: diag_to_stream on stderr. */
struct diag_sink diag_stderr_sink(void);

#endif
