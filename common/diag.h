/* diag: the one way casebook writes a diagnostic. Every message is formatted whole, then
 * passed through sanitize_append (line breaks kept), so a file name, rule name, query
 * excerpt or SQLite message from a hostile input cannot put an escape sequence, a C1
 * control or a bidi override on the analyst's terminal. tests/test_sqlsafety.c forbids
 * fprintf to stderr anywhere else. */
#ifndef CASEBOOK_DIAG_H
#define CASEBOOK_DIAG_H

#include <stdio.h>

/* Writes the formatted, sanitized message to stderr. */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same to another stream (a caller's error stream); nothing when to is NULL. */
void diagf(FILE *to, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A progress line on a terminal: carriage return, the sanitized message on one line, then
 * erase to the end of the line; diag_progress_clear() removes it. */
void diag_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void diag_progress_clear(void);

#endif
