/* app: the console's state and its key handler. The event loop (tui/screen.c) feeds keys to
 * app_handle_key and calls app_draw; tests do the same on a screen made with newterm on a
 * pipe. Every change to the record goes through triage/record.h. */
#ifndef CASEBOOK_APP_H
#define CASEBOOK_APP_H

#include <stdint.h>
#include <wchar.h>

#include "store/store.h"

struct app;
struct event_source;

struct app_options {
	const char *analyst;
	const char *db_name;    /* shown in the title bar */
	int64_t (*clock)(void); /* the time of triage actions (tests fix it) */
	int colors;             /* use colours (has_colors() and no NO_COLOR) */
	const char *editor;     /* the note editor's command ($VISUAL, $EDITOR); NULL: the built-in one */
	/* the cluster the case is attached to (NULL: none): an alert's timeline window is read
	 * from it into the case before the case's timeline is shown (triage/pull.h); source_name
	 * (its URL) names the ingest record of what is copied */
	struct event_source *source;
	const char *source_name;
};

struct app *app_new(struct store *s, const struct app_options *o);
void app_free(struct app *a);
/* (Re)loads the queue from the store; returns 0 or -1. */
int app_load(struct app *a);
/* A key: an ncurses KEY_ code, or a character below 128. */
void app_handle_key(struct app *a, int key);
/* A typed character of 128 or more (for text fields). */
void app_handle_char(struct app *a, wint_t ch);
/* A click at screen line y, column x: selects the queue's or the timeline's row under it. */
void app_click(struct app *a, int y, int x);
/* Draws the whole screen on stdscr (LINES x COLS). */
void app_draw(struct app *a);
/* Looks for changes by other processes (new alerts); cheap; returns 1 when it reloaded. */
int app_poll(struct app *a);
int app_done(const struct app *a);
/* The status line's message, for tests. */
const char *app_message(const struct app *a);

#endif
