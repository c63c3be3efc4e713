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
 * and a last line `# sysbench done` (bench.h, bench_main).
 * The same source runs as a Unishyper image, in the Linux microVM and
 * natively, so the figures compare directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

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

static const struct bench_loop loops[] = {
	{ "funccall", loop_funccall },
	{ "getpid", loop_getpid },
	{ "write0", loop_write0 },
};

int main(int argc, char **argv)
{
	return bench_main(argc, argv, "sysbench", loops, sizeof loops / sizeof *loops);
}
