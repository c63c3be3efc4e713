/*
 * memspeed.c - cost of taking memory from the system and giving it back.
 *
 *   memspeed [SECONDS_PER_PASS [PASSES]]      (defaults 0.2 and 5)
 *
 * Three loops, timed like sysbench.c's (bench.h, bench_measure):
 *   malloc_1m       malloc(1 MiB), one byte written in each of its pages,
 *                   free: musl serves a block this large with mmap and
 *                   returns it with munmap, so each round maps, faults in
 *                   256 pages and unmaps
 *   mmap_64k        mmap of 64 KiB of anonymous memory, munmap, no touch:
 *                   the bookkeeping of a mapping alone
 *   mmap_64k_touch  the same with one byte written in each of its 16 pages
 * One RESULT line per loop in ns per round, then `# memspeed done`;
 * bench/run.sh turns them into rounds per second.  A failed allocation ends the program with status 1.
 * The same source runs as a Unishyper image, in the Linux microVM and
 * natively, so the figures compare directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#define PAGE 4096
#define MIB (1 << 20)
#define SMALL_MAP (64 * 1024)

static void oom(const char *what)
{
	perror(what);
	fflush(NULL);
	exit(1);
}

static long touch(volatile char *p, size_t len)
{
	for (size_t i = 0; i < len; i += PAGE)
		p[i] = (char)i;
	return p[len - 1];
}

static long loop_malloc(long n)
{
	long acc = 0;

	for (long i = 0; i < n; i++) {
		char *p = malloc(MIB);

		if (!p)
			oom("malloc");
		acc += touch(p, MIB);
		free(p);
	}
	return acc;
}

/* map_rounds N TOUCH: N rounds of mmap and munmap of 64 KiB */
static long map_rounds(long n, int touched)
{
	long acc = 0;

	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, SMALL_MAP, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			oom("mmap");
		if (touched)
			acc += touch(p, SMALL_MAP);
		if (munmap(p, SMALL_MAP) != 0)
			oom("munmap");
	}
	return acc;
}

static long loop_mmap(long n)
{
	return map_rounds(n, 0);
}

static long loop_mmap_touch(long n)
{
	return map_rounds(n, 1);
}

static const struct bench_loop loops[] = {
	{ "malloc_1m", loop_malloc },
	{ "mmap_64k", loop_mmap },
	{ "mmap_64k_touch", loop_mmap_touch },
};

int main(int argc, char **argv)
{
	return bench_main(argc, argv, "memspeed", loops, sizeof loops / sizeof *loops);
}
