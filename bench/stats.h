/* Small statistics shared by the benchmarks: each figure is a median or a percentile of runs. */
#ifndef CASEBOOK_BENCH_STATS_H
#define CASEBOOK_BENCH_STATS_H

#include <stdlib.h>

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sorts v; the upper median (v[n/2]), the same for the odd run counts the benchmarks use. */
static inline double bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return v[n / 2];
}

/* Sorts v; the value at fraction p (0..1) of the way from the smallest to the largest. */
static inline double bench_percentile(double *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return v[(size_t)(p * (double)(n - 1))];
}

#endif
