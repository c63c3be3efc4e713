/*
 * What the benchmark programs share: a monotonic clock in seconds and the
 * comparison qsort needs to take a median. Header-only, so each program
 * still builds from one file plus this, the same way for every peer.
 */
#ifndef BENCH_H
#define BENCH_H

#include <time.h>

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#endif
