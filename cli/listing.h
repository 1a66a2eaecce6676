/* listing: the command line's tables (alerts, events, timeline, rules). A header names the
 * columns; on a terminal a row fits its width — low-priority columns are left out first, then
 * the flexible ones share what is left, cut with "…" — and through a pipe nothing is cut. */
#ifndef CASEBOOK_LISTING_H
#define CASEBOOK_LISTING_H

#include <stddef.h>

#include "common/strbuf.h"

struct listing_column {
	const char *title;
	int width;    /* columns; for a flexible one, the most it takes on a terminal */
	int min;      /* a flexible column's least (0: a fixed column) */
	int priority; /* columns of lower priority go first when the terminal is narrow; 0: never */
	int middle;   /* cut in the middle (a path keeps its file name), else at the end */
};

struct listing {
	const struct listing_column *cols;
	size_t n;
	int *width;     /* as laid out; 0: left out */
	int fit;        /* on a terminal: cells are cut to their width */
	int short_time; /* the caller's to set: its times leave out the year (listing_short_time) */
};

/* The columns a listing on stdout must fit: the terminal's width, or 0 through a pipe. */
int listing_terminal_width(void);
/* Whether a listing this wide shows times without their year (below 100 columns). */
int listing_short_time(int width);
/* Lays the columns out for a line of `width` columns (0: no limit). The last column takes the
 * rest of the line; columns are separated by two spaces. short_time starts at 0. */
void listing_init(struct listing *l, const struct listing_column *cols, size_t n, int width);
void listing_release(struct listing *l);
/* Appends the header line. */
void listing_header(const struct listing *l, struct strbuf *out);
/* Appends column i's cell (sanitized text, NULL as "-"), then its separator or, after the last
 * column, the newline. A left-out column appends nothing. */
void listing_cell(const struct listing *l, size_t i, struct strbuf *out, const char *text);

#endif
