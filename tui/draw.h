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
 * one ASCII character (● *, ▶ >, … ~, ─ -, │ |, └ `, ▁…█ _.:-=+*#, a control picture ^,
 * others ?), so a view may write the console's own glyphs and keep its columns. */
void draw_set_ascii(int on);
/* 1 when the console draws ASCII only: for a view that picks other shapes then. */
int draw_is_ascii(void);

/* Glyphs of more than one column, or whose ASCII form is wider than one character, for
 * views that lay them out themselves (a tree's lines): the terminal's form of each. */
enum draw_glyph {
	GLYPH_VLINE,     /* │  | */
	GLYPH_HLINE,     /* ─  - */
	GLYPH_TEE,       /* ├─ |- : a child with siblings after it */
	GLYPH_CORNER,    /* └─ `- : the last child */
	GLYPH_PIPE,      /* "│ " "| " : an ancestor's line going on */
	GLYPH_ELLIPSIS,  /* …  ~ */
	GLYPH_DOT,       /* ·  . : a separator in a heading */
	GLYPH_BULLET,    /* ●  * */
	GLYPH_EXPANDED,  /* ▾  v */
	GLYPH_COLLAPSED, /* ▸  > */
	GLYPH_ARROW,     /* →  -> */
	GLYPH_MARK,      /* ▶  > : the selected or the alert's own row */
	GLYPH_DASH,      /* —  -- */
};
/* The glyph in the terminal's form (UTF-8, or ASCII under draw_set_ascii). */
const char *draw_glyph(enum draw_glyph g);

#endif
