/* draw: the only code that writes text into curses windows. Every string passes the
 * sanitizer first; widths come from wcwidth(), so wide and combining characters line up. */
#ifndef CASEBOOK_DRAW_H
#define CASEBOOK_DRAW_H

#include <curses.h>
#include <stddef.h>

#include "common/strbuf.h"

/* Draws untrusted UTF-8 at (y, x) in at most width columns, padded with spaces when pad is
 * set; returns the columns used. */
int draw_text(int y, int x, int width, const char *s, attr_t attr, int pad);
/* The same with the middle cut out ("/Library/…/x.dsplug") when it does not fit. */
int draw_text_middle(int y, int x, int width, const char *s, attr_t attr);
/* Display width of sanitized text. */
int text_width(const char *s);
/* Splits untrusted text into lines of at most width columns at spaces (SAN_MULTILINE
 * keeps its line breaks); each line is sanitized, in lines[]. Returns the count. */
size_t wrap_text(const char *s, int width, int multiline, char ***lines);
void free_lines(char **lines, size_t n);

/* ASCII only (a terminal whose locale is not UTF-8): every character beyond ASCII is drawn as
 * one ASCII character (● *, ▶ >, … ~, a control picture ^, others ?). */
void draw_set_ascii(int on);

#endif
