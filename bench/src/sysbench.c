/*
 * sysbench.c - cost of a system call against a plain function call.
 *
 *   sysbench [SECONDS_PER_PASS [PASSES]]      (defaults 0.2 and 5)
 *
 * Five loops, each timed with clock_gettime(CLOCK_MONOTONIC):
 *   funccall  a call of a function the compiler may not inline or analyse
 *   getpid    getpid()         (musl does not cache the pid)
 *   write0    write(1, buf, 0) (the write path without moving a byte)
 *   fork      fork(), the child's _exit(0), waitpid() in the parent
 *   fork_16m  the same with 16 MiB of the program's memory written first
 *             (what a child might change: Linux shares it copy-on-write,
 *             Unishyper copies it, docs/architecture.md)
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
#include <string.h>
#include <sys/wait.h>
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

static long loop_fork(long n)
{
	long acc = 0;

	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		acc += waitpid(pid, NULL, 0) == pid;
	}
	return acc;
}

static long loop_fork_16m(long n)
{
	static char *data;

	if (!data && !(data = malloc(16 << 20)))
		return -1;
	memset(data, 1, 16 << 20);
	return loop_fork(n);
}

static const struct bench_loop loops[] = {
	{ "funccall", loop_funccall },
	{ "getpid", loop_getpid },
	{ "write0", loop_write0 },
	{ "fork", loop_fork },
	{ "fork_16m", loop_fork_16m },
};

int main(int argc, char **argv)
{
	return bench_main(argc, argv, "sysbench", loops, sizeof loops / sizeof *loops);
}
