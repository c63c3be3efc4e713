/*
 * soak.c - the guest half of `make soak`: memory that comes back, round
 * after round.
 *
 *   soak [ROUNDS [SECONDS_PER_ROUND]]      (defaults 3 and 1.5: a short run)
 *
 * Each round spends a third of its time in each of three loops: malloc of
 * 1 MiB with one byte written in every page, then free; mmap of 64 KiB of
 * anonymous memory, every page touched, then munmap; pthread_create of a
 * thread that returns at once, then pthread_join.  After the round it reads
 * the free memory (sysinfo's freeram, after a short pause: an ended thread
 * is freed by an idle CPU).  The first round is the baseline, as it leaves
 * behind what stays allocated for good (musl's and the kernel's caches);
 * every later round must end with no less free memory than the baseline
 * less SLACK_KIB, whatever the count of rounds, so a leak of any size
 * fails once enough rounds have run.  One TAP line per round; a failed
 * allocation or thread creation is a failure too.  Status 0 when every
 * line passed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <time.h>

#include "../guest/tap.h"

#define PAGE 4096
#define MIB (1 << 20)
#define SMALL_MAP (64 * 1024)
#define SLACK_KIB 512 /* allocator caches that settle at a different size */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long free_kib(void)
{
	struct sysinfo si;
	struct timespec settle = { 0, 100 * 1000000 };

	nanosleep(&settle, NULL);
	sysinfo(&si);
	return si.freeram * si.mem_unit / 1024;
}

static void touch(volatile char *p, size_t len)
{
	for (size_t i = 0; i < len; i += PAGE)
		p[i] = 1;
}

/* one round of each loop; returns 0, or -1 when an allocation failed */
static int malloc_once(void)
{
	char *p = malloc(MIB);

	if (!p)
		return -1;
	touch(p, MIB);
	free(p);
	return 0;
}

static int mmap_once(void)
{
	char *p = mmap(NULL, SMALL_MAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return -1;
	touch(p, SMALL_MAP);
	return munmap(p, SMALL_MAP);
}

static void *nothing(void *arg)
{
	return arg;
}

static int thread_once(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, nothing, NULL) != 0)
		return -1;
	return pthread_join(t, NULL) != 0 ? -1 : 0;
}

/* run ONCE for SECONDS; the count of rounds, or -1 after a failure */
static long loop_for(int (*once)(void), double seconds)
{
	double end = now_s() + seconds;
	long n = 0;

	do {
		if (once() != 0)
			return -1;
		n++;
	} while (now_s() < end);
	return n;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	double secs = argc > 2 ? atof(argv[2]) : 1.5;
	unsigned long base = 0, kib;
	long m, p, t;

	if (rounds < 2 || secs <= 0) {
		fprintf(stderr, "usage: soak [rounds (2 or more) [seconds_per_round]]\n");
		return 2;
	}
	for (int r = 1; r <= rounds; r++) {
		m = loop_for(malloc_once, secs / 3);
		p = loop_for(mmap_once, secs / 3);
		t = loop_for(thread_once, secs / 3);
		kib = free_kib();
		if (r == 1)
			base = kib;
		CHECK(m > 0 && p > 0 && t > 0 && kib + SLACK_KIB >= base,
		      "round %d: %ld malloc/free of 1 MiB, %ld mmap/munmap of 64 KiB, %ld "
		      "threads; free %lu KiB (baseline %lu, slack %d)",
		      r, m, p, t, kib, base, SLACK_KIB);
		fflush(stdout);
		if (m < 0 || p < 0 || t < 0)
			break;
	}
	return tap_done();
}
