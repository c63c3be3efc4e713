/*
 * threadbench.c - cost of thread operations and the parallel speed-up of
 * CPU-bound work.
 *
 *   threadbench [-s SECONDS_PER_PASS] [-p PASSES] [FIGURE...]
 *
 * FIGURE (default: every one the online CPUs allow):
 *   create_join      pthread_create + pthread_join of a thread that returns
 *                    at once: ns per pair
 *   futex_same_cpu   futex ping-pong between two threads both pinned to
 *                    CPU 0 (sched_setaffinity): ns per round trip
 *   futex_two_cpus   the same with the threads on CPUs 0 and 1
 *   mutex            pthread_mutex_lock + unlock, uncontended: ns per pair
 *   work_1_thread    a fixed amount of integer work done by one thread:
 *                    ns per unit (1000 xorshift64 steps)
 *   work_2_threads   the same work split over two threads, unpinned
 * Each figure first doubles its iteration count until one pass takes
 * SECONDS_PER_PASS (0.2), then runs PASSES (5) passes of that length and
 * prints the median as `name value unit`, followed by a comment line
 *   # name min=... max=... iters=...
 * After the last figure it prints `# threadbench done`.  A thread that does
 * not land on the CPU it was pinned to, or a failing call, ends the program
 * with status 1 and a line on standard error.
 * The same source runs as a Unishyper image, in the Linux microVM and
 * natively, so the figures compare directly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAX_PASSES 31
/* <linux/futex.h> is not part of every musl sysroot */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#define WORK_STEPS 1000 /* xorshift64 steps in one unit of work */

static double pass_s = 0.2;
static int passes = 5;
static volatile unsigned long sink;

static void fail(const char *what, int err)
{
	fprintf(stderr, "threadbench: %s: %s\n", what, strerror(err));
	fflush(NULL);
	exit(1);
}

/* measure NAME UNIT LOOP: calibrate LOOP(n) to one pass, print the median */
static void measure(const char *name, const char *unit, void (*loop)(long))
{
	double ns[MAX_PASSES], t;
	long n = 16;

	for (;;) {
		t = now_s();
		loop(n);
		t = now_s() - t;
		if (t >= pass_s || n > (1L << 40))
			break;
		/* jump close to the target once the pass is long enough to trust */
		n = t > 0.02 ? (long)(n * pass_s / t * 1.05) + 1 : n * 2;
	}
	for (int i = 0; i < passes; i++) {
		t = now_s();
		loop(n);
		ns[i] = (now_s() - t) * 1e9 / n;
	}
	qsort(ns, passes, sizeof *ns, cmp_double);
	printf("%s %.2f %s\n# %s min=%.2f max=%.2f iters=%ld\n", name, ns[passes / 2], unit,
	       name, ns[0], ns[passes - 1], n);
	fflush(stdout);
}

/* ------------------------------------------------------------ affinity */
static cpu_set_t all_cpus; /* the main thread's mask at start */

/* pin the calling thread to CPU and check that it runs there */
static void pin(int cpu)
{
	cpu_set_t set;
	int got;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		fail("sched_setaffinity", errno);
	got = sched_getcpu();
	if (got != cpu) {
		fprintf(stderr, "threadbench: pinned to CPU %d, sched_getcpu() says %d\n", cpu,
			got);
		fflush(NULL);
		exit(1);
	}
}

static void unpin(void)
{
	if (sched_setaffinity(0, sizeof(all_cpus), &all_cpus) != 0)
		fail("sched_setaffinity", errno);
}

/* ------------------------------------------------------- create + join */
static void *thread_nop(void *arg)
{
	return arg;
}

static void loop_create_join(long n)
{
	pthread_t t;
	int e;

	for (long i = 0; i < n; i++) {
		if ((e = pthread_create(&t, NULL, thread_nop, NULL)) != 0)
			fail("pthread_create", e);
		if ((e = pthread_join(t, NULL)) != 0)
			fail("pthread_join", e);
	}
}

/* ---------------------------------------------------- futex ping-pong */
/* 0: the partner waits for its turn; 1: the partner's turn; 2: stop */
static _Atomic int pp_word;
static _Atomic int pp_ready;
static int pp_cpu;

static void futex_wait(_Atomic int *w, int val)
{
	if (syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, NULL) != 0 && errno != EAGAIN &&
	    errno != EINTR)
		fail("futex wait", errno);
}

static void futex_wake(_Atomic int *w)
{
	if (syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1) < 0)
		fail("futex wake", errno);
}

static void *pp_partner(void *arg)
{
	int v;

	(void)arg;
	pin(pp_cpu);
	atomic_store(&pp_ready, 1);
	for (;;) {
		while ((v = atomic_load(&pp_word)) == 0)
			futex_wait(&pp_word, 0);
		if (v == 2)
			break;
		atomic_store(&pp_word, 0);
		futex_wake(&pp_word);
	}
	return NULL;
}

static void loop_pingpong(long n)
{
	for (long i = 0; i < n; i++) {
		atomic_store(&pp_word, 1);
		futex_wake(&pp_word);
		while (atomic_load(&pp_word) == 1)
			futex_wait(&pp_word, 1);
	}
}

static void pingpong(const char *name, int partner_cpu)
{
	pthread_t t;
	int e;

	pin(0);
	pp_cpu = partner_cpu;
	atomic_store(&pp_word, 0);
	atomic_store(&pp_ready, 0);
	if ((e = pthread_create(&t, NULL, pp_partner, NULL)) != 0)
		fail("pthread_create", e);
	while (!atomic_load(&pp_ready))
		sched_yield();
	measure(name, "ns", loop_pingpong);
	atomic_store(&pp_word, 2);
	futex_wake(&pp_word);
	if ((e = pthread_join(t, NULL)) != 0)
		fail("pthread_join", e);
	unpin();
}

/* --------------------------------------------------------------- mutex */
static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;

static void loop_mutex(long n)
{
	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&mtx);
		pthread_mutex_unlock(&mtx);
	}
}

/* ---------------------------------------------------------------- work */
struct worker {
	long units;
	unsigned long result;
	char pad[64]; /* one cache line per worker's result */
};

__attribute__((noinline)) static unsigned long work(long units, unsigned long x)
{
	for (long u = 0; u < units; u++)
		for (int i = 0; i < WORK_STEPS; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
	return x;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->result = work(w->units, 0x9e3779b97f4a7c15ul + w->units);
	return NULL;
}

static int work_threads;

/* N units split over work_threads threads: the main thread is one of them */
static void loop_work(long n)
{
	struct worker w[2];
	pthread_t t;
	int e;

	w[1].units = work_threads > 1 ? n / 2 : 0;
	w[0].units = n - w[1].units;
	if (work_threads > 1 && (e = pthread_create(&t, NULL, worker_main, &w[1])) != 0)
		fail("pthread_create", e);
	worker_main(&w[0]);
	if (work_threads > 1) {
		if ((e = pthread_join(t, NULL)) != 0)
			fail("pthread_join", e);
		w[0].result ^= w[1].result;
	}
	sink = w[0].result;
}

/* ------------------------------------------------------------------ main */
static void run(const char *fig, int ncpus)
{
	if (!strcmp(fig, "create_join")) {
		measure(fig, "ns", loop_create_join);
	} else if (!strcmp(fig, "futex_same_cpu")) {
		pingpong(fig, 0);
	} else if (!strcmp(fig, "futex_two_cpus")) {
		if (ncpus < 2)
			printf("# %s skipped: %d CPU online\n", fig, ncpus);
		else
			pingpong(fig, 1);
	} else if (!strcmp(fig, "mutex")) {
		measure(fig, "ns", loop_mutex);
	} else if (!strcmp(fig, "work_1_thread") || !strcmp(fig, "work_2_threads")) {
		work_threads = strcmp(fig, "work_1_thread") ? 2 : 1;
		measure(fig, "ns/unit", loop_work);
	} else {
		fprintf(stderr, "threadbench: unknown figure %s\n", fig);
		exit(2);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const char *all[] = { "create_join", "futex_same_cpu", "futex_two_cpus",
				     "mutex",       "work_1_thread",  "work_2_threads" };
	int opt, ncpus;

	while ((opt = getopt(argc, argv, "s:p:")) != -1) {
		if (opt == 's')
			pass_s = atof(optarg);
		else if (opt == 'p')
			passes = atoi(optarg);
		else
			pass_s = -1;
	}
	if (pass_s <= 0 || passes < 1 || passes > MAX_PASSES) {
		fprintf(stderr, "usage: threadbench [-s seconds_per_pass] [-p passes (1-%d)] "
				"[figure...]\n",
			MAX_PASSES);
		return 2;
	}
	if (sched_getaffinity(0, sizeof(all_cpus), &all_cpus) != 0)
		fail("sched_getaffinity", errno);
	ncpus = CPU_COUNT(&all_cpus);
	printf("# threadbench: %d CPUs online, %d allowed\n", (int)sysconf(_SC_NPROCESSORS_ONLN),
	       ncpus);
	if (optind < argc) {
		for (int i = optind; i < argc; i++)
			run(argv[i], ncpus);
	} else {
		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			run(all[i], ncpus);
	}
	printf("# threadbench done\n");
	return 0;
}
