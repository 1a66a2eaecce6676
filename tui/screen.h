/* screen: the only code that starts and ends curses. The console runs on the terminal; tests
 * make a screen on any streams (newterm on a pipe) and drive app_handle_key themselves. */
#ifndef CASEBOOK_SCREEN_H
#define CASEBOOK_SCREEN_H

#include <stdio.h>

#include "store/store.h"

struct event_source;

/* Whether TERM names a terminal the console can drive (not dumb, known, with cursor
 * addressing); else why not, for the message. */
int screen_term_usable(char *why, size_t len);
/* Runs the console on the terminal until the analyst quits; source (NULL: none) is the cluster
 * the case is attached to, named source_name (tui/app.h). Returns 0, or 1 with a message. */
int tui_run(struct store *s, const char *analyst, const char *db_name, struct event_source *source,
            const char *source_name);

/* Starts curses on the given streams at rows x cols (for tests); returns 0 or -1. */
int screen_open(FILE *out, FILE *in, int rows, int cols);
void screen_resize(int rows, int cols);
/* Row y of the screen as UTF-8 text, trailing spaces removed, into buf. */
void screen_row(int y, char *buf, size_t len);
void screen_close(void);

#endif
