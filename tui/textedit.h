/* textedit: the text and cursor of the console's prompt and note editor, with readline's
 * basic keys (arrows, Home/End, Ctrl-A/E/B/F/K/U/W, Backspace, Delete) and, for a note, rows
 * wrapped to a width that Up and Down move between. No drawing here: the model is tested on
 * its own. */
#ifndef CASEBOOK_TEXTEDIT_H
#define CASEBOOK_TEXTEDIT_H

#include <stddef.h>

#include "common/strbuf.h"

struct textedit {
	struct strbuf text; /* UTF-8 */
	size_t cursor;      /* a byte offset at a character's start */
};

/* A screen row of the text: bytes [start, end), without the newline that may end it. */
struct textedit_row {
	size_t start, end;
};

void textedit_init(struct textedit *e, const char *initial);
void textedit_release(struct textedit *e);
/* Inserts typed text at the cursor and moves the cursor after it. */
void textedit_insert(struct textedit *e, const char *s, size_t n);
/* Applies an editing key (an ncurses key code or a control character); width is the rows'
 * width for Up and Down (0: one line, they do nothing). Returns 1 when the key edits or
 * moves, 0 when it is not an editing key. */
int textedit_key(struct textedit *e, int key, int width);
/* The text cut into rows of at most width columns (at newlines, and within a line where it is
 * wider); *cursor_row is the cursor's row. Returns the number of rows (at least 1); free *rows. */
size_t textedit_rows(const struct textedit *e, int width, struct textedit_row **rows, size_t *cursor_row);
/* The columns that bytes [from, to) of the text take. */
int textedit_width(const struct textedit *e, size_t from, size_t to);

#endif
