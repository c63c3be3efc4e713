/*
 * sysbench.c - cost of a system call against a plain function call.
 *
 *   sysbench [SECONDS_PER_PASS [PASSES]]      (defaults 0.2 and 5)
 *
 * Three loops, each timed with clock_gettime(CLOCK_MONOTONIC):
 *   funccall  a call of a function the compiler may not inline or analyse
 *   getpid    getpid()         (musl does not cache the pid)
 *   write0    write(1, buf, 0) (the write path without moving a byte)
 * Each loop first doubles its iteration count until one pass takes
 * SECONDS_PER_PASS, then runs PASSES passes of that length.  One line per
 * loop:
 *   RESULT <name> median=<ns/op> min=<ns/op> max=<ns/op> iters=<per pass>
 * The same source runs as a Unishyper image, in the Linux microVM and
 * natively, so the figures compare directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAX_PASSES 31

__attribute__((noinline, noipa)) long bench_call(long x)
{
	return x + 1;
}

static long loop_funccall(long n)
{
	long acc = 0;

	for (long i = 0; i < n; i++)
		acc = bench_call(acc);
	return acc;
}

static long loop_getpid(long n)
{
	long acc = 0;

	for (long i = 0; i < n; i++)
		acc += getpid();
	return acc;
}

static long loop_write0(long n)
{
	static const char buf[1];
	long acc = 0;

	for (long i = 0; i < n; i++)
		acc += write(1, buf, 0);
	return acc;
}

static volatile long sink;

static void measure(const char *name, long (*loop)(long), double pass_s, int passes)
{
	double ns[MAX_PASSES], t;
	long n = 1000;

	for (;;) {
		t = now_s();
		sink = loop(n);
		t = now_s() - t;
		if (t >= pass_s || n > (1L << 40))
			break;
		/* jump close to the target once the pass is long enough to trust */
		n = t > 0.01 ? (long)(n * pass_s / t * 1.05) + 1 : n * 2;
	}
	for (int i = 0; i < passes; i++) {
		t = now_s();
		sink = loop(n);
		ns[i] = (now_s() - t) * 1e9 / n;
	}
	qsort(ns, passes, sizeof *ns, cmp_double);
	printf("RESULT %s median=%.2f min=%.2f max=%.2f iters=%ld\n", name, ns[passes / 2],
	       ns[0], ns[passes - 1], n);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	double pass_s = argc > 1 ? atof(argv[1]) : 0.2;
	int passes = argc > 2 ? atoi(argv[2]) : 5;

	if (pass_s <= 0 || passes < 1 || passes > MAX_PASSES) {
		fprintf(stderr, "usage: sysbench [seconds_per_pass [passes (1-%d)]]\n",
			MAX_PASSES);
		return 2;
	}
	measure("funccall", loop_funccall, pass_s, passes);
	measure("getpid", loop_getpid, pass_s, passes);
	measure("write0", loop_write0, pass_s, passes);
	return 0;
}
