/* text: lines of text laid out for a screen — wrapped at spaces, with a prefix that later
 * lines indent under, and a guide's Markdown blocks with their bold, italic, code and link
 * spans — then drawn by the views that scroll them. */
#ifndef CASEBOOK_TEXT_H
#define CASEBOOK_TEXT_H

#include <curses.h>
#include <stddef.h>

#include "triage/guide.h"

struct text_out {
	char **lines;
	attr_t *attrs;
	/* optional inline styling: the guide block a line came from and where in its text */
	const struct guide_block **block;
	size_t *offset;
	int *prefix_cols;
	size_t n, cap;
};

void out_add(struct text_out *o, const char *line, attr_t at);
/* text wrapped to width columns; the first line starts with prefix, the others under it */
void out_wrapped(struct text_out *o, const char *prefix, const char *text, int width, attr_t at, int multiline);
/* one guide block, remembering where each line starts in it for its spans */
void out_block(struct text_out *o, const char *prefix, const struct guide_block *b, int width, attr_t at);
/* a parsed guide's blocks; margin starts every line (casebook's notes are set apart by it) */
void out_guide(struct text_out *o, const struct guide *g, const char *margin, int w);
void out_free(struct text_out *o);
/* Draws line i of o at (y, x) in width columns, with its spans when it has them. */
void text_draw_line(const struct text_out *o, size_t i, int y, int x, int width);

#endif
