/*
 * What the benchmark programs share: a monotonic clock in seconds, the
 * comparison qsort needs to take a median, and the timed loops and main of
 * the ns-per-operation programs (sysbench.c, memspeed.c). Header-only, so each
 * program still builds from one file plus this, the same way for every peer.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_MAX_PASSES 31

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

/* the loops' results land here, so that the compiler keeps their work */
static volatile long bench_sink;

/*
 * bench_measure NAME LOOP PASS_S PASSES: LOOP(n) does n operations.  It
 * first doubles n until one pass takes PASS_S seconds, then runs PASSES
 * (at most BENCH_MAX_PASSES) passes of that length and prints
 *   RESULT <name> median=<ns/op> min=<ns/op> max=<ns/op> iters=<per pass>
 */
static inline void bench_measure(const char *name, long (*loop)(long), double pass_s, int passes)
{
	double ns[BENCH_MAX_PASSES], t;
	long n = 16;

	for (;;) {
		t = now_s();
		bench_sink = loop(n);
		t = now_s() - t;
		if (t >= pass_s || n > (1L << 40))
			break;
		/* jump close to the target once the pass is long enough to trust */
		n = t > 0.01 ? (long)(n * pass_s / t * 1.05) + 1 : n * 2;
	}
	for (int i = 0; i < passes; i++) {
		t = now_s();
		bench_sink = loop(n);
		ns[i] = (now_s() - t) * 1e9 / n;
	}
	qsort(ns, passes, sizeof *ns, cmp_double);
	printf("RESULT %s median=%.2f min=%.2f max=%.2f iters=%ld\n", name, ns[passes / 2],
	       ns[0], ns[passes - 1], n);
	fflush(stdout);
}

struct bench_loop {
	const char *name;
	long (*loop)(long);
};

/*
 * bench_main: the main of an ns-per-operation program PROG.  Its arguments
 * are [SECONDS_PER_PASS [PASSES]] (defaults 0.2 and 5); it measures each of
 * the N LOOPS in turn with bench_measure and ends with `# PROG done`.
 * Returns main's status: 0, or 2 after printing the usage on a bad argument.
 */
static inline int bench_main(int argc, char **argv, const char *prog,
			     const struct bench_loop *loops, int n)
{
	double pass_s = argc > 1 ? atof(argv[1]) : 0.2;
	int passes = argc > 2 ? atoi(argv[2]) : 5;

	if (pass_s <= 0 || passes < 1 || passes > BENCH_MAX_PASSES) {
		fprintf(stderr, "usage: %s [seconds_per_pass [passes (1-%d)]]\n", prog,
			BENCH_MAX_PASSES);
		return 2;
	}
	for (int i = 0; i < n; i++)
		bench_measure(loops[i].name, loops[i].loop, pass_s, passes);
	printf("# %s done\n", prog);
	return 0;
}

#endif
