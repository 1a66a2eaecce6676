/* histogram: how many events fall in each column of a time window, drawn as a row of bars
 * (▁ to █; "_.-:=+*#" on an ASCII terminal, through draw's mapping) over a row that marks a
 * moment (the alert's) and labels the window's ends — where an analyst looks before reading
 * rows. The counting and the bar text are pure, so tests check them without curses. */
#ifndef CASEBOOK_HISTOGRAM_H
#define CASEBOOK_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

struct histogram {
	int64_t from, to; /* the window, inclusive */
	size_t width;     /* columns, one bucket each */
	uint64_t *counts; /* width of them */
	uint64_t max;     /* the largest count, 0 when nothing fell in the window */
};

/* Starts an empty histogram of width buckets over [from, to] (to < from is taken as from). */
void histogram_init(struct histogram *h, int64_t from, int64_t to, size_t width);
void histogram_release(struct histogram *h);
/* The bucket an instant falls in (instants outside the window fall in the end ones). */
size_t histogram_bucket(const struct histogram *h, int64_t t);
/* Counts one event at instant t; one outside the window is not counted. */
void histogram_add(struct histogram *h, int64_t t);
/* The bar of a count: 0 for none, else 1-8 in proportion to the largest (any event shows). */
unsigned histogram_level(const struct histogram *h, uint64_t count);
/* The row of bars as UTF-8: a space for an empty bucket, else U+2581-U+2588. */
void histogram_bars(const struct histogram *h, struct strbuf *out);

#endif
