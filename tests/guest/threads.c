/*
 * POSIX threads on every CPU. The runner boots this with --smp N and
 * passes N as the argument; on one CPU the distinct-CPU check expects one.
 * Sleep accuracy is printed, not asserted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* create/join */
static void *ret_arg(void *arg)
{
	return arg;
}

static int create_join(int n)
{
	for (int i = 0; i < n; i++) {
		pthread_t t;
		void *r;
		if (pthread_create(&t, NULL, ret_arg, (void *)(intptr_t)i) ||
		    pthread_join(t, &r) || r != (void *)(intptr_t)i)
			return 0;
	}
	return 1;
}

/* mutex */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *increment(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100000; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* condition variable: a bounded queue */
#define QSIZE 8
#define ITEMS 20000
static int queue[QSIZE], qhead, qtail, qcount;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;
static long consumed_sum;

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&lock);
		while (qcount == QSIZE)
			pthread_cond_wait(&not_full, &lock);
		queue[qtail] = i;
		qtail = (qtail + 1) % QSIZE;
		qcount++;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (int i = 0; i < ITEMS / 2; i++) {
		pthread_mutex_lock(&lock);
		while (qcount == 0)
			pthread_cond_wait(&not_empty, &lock);
		consumed_sum += queue[qhead];
		qhead = (qhead + 1) % QSIZE;
		qcount--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* semaphores */
static sem_t sem_items;
static atomic_int sem_taken;

static void *sem_taker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++) {
		sem_wait(&sem_items);
		atomic_fetch_add(&sem_taken, 1);
	}
	return NULL;
}

/* barrier */
static pthread_barrier_t barrier;
static atomic_int before, after_bad;

static void *barrier_worker(void *arg)
{
	(void)arg;
	for (int round = 0; round < 50; round++) {
		atomic_fetch_add(&before, 1);
		pthread_barrier_wait(&barrier);
		if (atomic_load(&before) < (round + 1) * 4)
			atomic_fetch_add(&after_bad, 1);
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

/* rwlock */
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long rw_a, rw_b;
static atomic_int rw_torn;

static void *rw_writer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5000; i++) {
		pthread_rwlock_wrlock(&rw);
		rw_a++;
		rw_b++;
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

static void *rw_reader(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5000; i++) {
		pthread_rwlock_rdlock(&rw);
		if (rw_a != rw_b)
			atomic_fetch_add(&rw_torn, 1);
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

/* pthread_once, thread-specific data, __thread */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int once_runs;
static pthread_key_t key;
static atomic_int destructor_runs;
static __thread int tls_value;
static atomic_int tls_bad;

static void once_init(void)
{
	atomic_fetch_add(&once_runs, 1);
}

static void destructor(void *p)
{
	if (p)
		atomic_fetch_add(&destructor_runs, 1);
}

static void *per_thread(void *arg)
{
	int id = (int)(intptr_t)arg;

	pthread_once(&once, once_init);
	pthread_setspecific(key, (void *)(intptr_t)(id + 1));
	tls_value = id;
	for (int i = 0; i < 1000; i++)
		sched_yield();
	if (tls_value != id || pthread_getspecific(key) != (void *)(intptr_t)(id + 1))
		atomic_fetch_add(&tls_bad, 1);
	return NULL;
}

/* cancellation */
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static atomic_int cleanup_ran;

static void cleanup(void *arg)
{
	(void)arg;
	atomic_fetch_add(&cleanup_ran, 1);
	pthread_mutex_unlock(&lock);
}

static void *wait_forever(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	pthread_cleanup_push(cleanup, NULL);
	for (;;)
		pthread_cond_wait(&never, &lock);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *sleep_forever(void *arg)
{
	(void)arg;
	for (;;)
		sleep(100);
	return NULL;
}

/* CPUs */
static atomic_ullong cpus_seen;
static int want_cpus;

/* Computes until every CPU has been seen running one of these threads, or
 * the time given runs out (a generous bound: the host may be busy). */
static void *spin_and_record(void *arg)
{
	int64_t until = now_ns() + (int64_t)(intptr_t)arg;
	volatile double x = 1;

	while (now_ns() < until && __builtin_popcountll(cpus_seen) < want_cpus) {
		for (int i = 0; i < 10000; i++)
			x = x * 1.0000001 + 0.5;
		int cpu = sched_getcpu();
		if (cpu >= 0 && cpu < 64)
			atomic_fetch_or(&cpus_seen, 1ull << cpu);
	}
	return NULL;
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	got_usr1 = sig;
}

int main(int argc, char **argv)
{
	int ncpus = argc > 1 ? atoi(argv[1]) : 1;
	pthread_t t[8];

	CHECK(sysconf(_SC_NPROCESSORS_ONLN) == ncpus, "sysconf(_SC_NPROCESSORS_ONLN) = %ld, -smp %d",
	      sysconf(_SC_NPROCESSORS_ONLN), ncpus);
	CHECK(create_join(10000), "10 000 threads created and joined, each returning its argument");

	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, increment, NULL);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	CHECK(counter == 800000, "8 threads x 100 000 mutex-protected increments = %ld", counter);

	pthread_create(&t[0], NULL, producer, NULL);
	pthread_create(&t[1], NULL, consumer, NULL);
	pthread_create(&t[2], NULL, consumer, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	CHECK(consumed_sum == (long)ITEMS * (ITEMS + 1) / 2 && qcount == 0,
	      "condition-variable producer/consumer over a bounded queue: sum %ld", consumed_sum);

	sem_init(&sem_items, 0, 0);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, sem_taker, NULL);
	for (int i = 0; i < 4000; i++)
		sem_post(&sem_items);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	int left;
	sem_getvalue(&sem_items, &left);
	CHECK(sem_taken == 4000 && left == 0, "semaphores: 4000 posts taken by 4 threads");
	struct timespec soon;
	clock_gettime(CLOCK_REALTIME, &soon);
	soon.tv_nsec += 20000000;
	if (soon.tv_nsec >= 1000000000) {
		soon.tv_sec++;
		soon.tv_nsec -= 1000000000;
	}
	CHECK(sem_timedwait(&sem_items, &soon) == -1 && errno == ETIMEDOUT,
	      "sem_timedwait on an empty semaphore times out");

	pthread_barrier_init(&barrier, NULL, 4);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, barrier_worker, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CHECK(before == 200 && after_bad == 0, "barriers hold 4 threads together for 50 rounds");

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, rw_writer, NULL);
	for (int i = 2; i < 6; i++)
		pthread_create(&t[i], NULL, rw_reader, NULL);
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	CHECK(rw_a == 10000 && rw_torn == 0, "rwlocks: readers never see a half-done write");

	pthread_key_create(&key, destructor);
	for (int i = 0; i < 6; i++)
		pthread_create(&t[i], NULL, per_thread, (void *)(intptr_t)i);
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	CHECK(once_runs == 1, "pthread_once runs its function once");
	CHECK(tls_bad == 0, "__thread variables and thread-specific data are distinct per thread");
	CHECK(destructor_runs == 6, "thread-specific data destructors run at thread exit");

	pthread_create(&t[0], NULL, wait_forever, NULL);
	pthread_create(&t[1], NULL, sleep_forever, NULL);
	usleep(50000);
	void *r0, *r1;
	CHECK(pthread_cancel(t[0]) == 0 && pthread_join(t[0], &r0) == 0 && r0 == PTHREAD_CANCELED &&
		      cleanup_ran == 1, "pthread_cancel in pthread_cond_wait, with its cleanup handler");
	CHECK(pthread_cancel(t[1]) == 0 && pthread_join(t[1], &r1) == 0 && r1 == PTHREAD_CANCELED,
	      "pthread_cancel in sleep");

	signal(SIGUSR1, on_usr1);
	CHECK(raise(SIGUSR1) == 0 && got_usr1 == SIGUSR1, "tgkill to itself runs the handler");
	CHECK(syscall(SYS_tgkill, 1, 99999, 0) == -1 && errno == ESRCH, "tgkill of no thread: ESRCH");

	for (int ms = 1; ms <= 100; ms *= 10) {
		int64_t t0 = now_ns();
		usleep(ms * 1000);
		printf("# usleep(%d ms) took %.3f ms\n", ms, (now_ns() - t0) / 1e6);
	}
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 30000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) == 0 &&
		      now_ns() >= (int64_t)abs.tv_sec * 1000000000 + abs.tv_nsec,
	      "clock_nanosleep to an absolute monotonic time");

	want_cpus = ncpus;
	for (int i = 0; i < ncpus; i++)
		pthread_create(&t[i], NULL, spin_and_record, (void *)(intptr_t)20000000000);
	for (int i = 0; i < ncpus; i++)
		pthread_join(t[i], NULL);
	CHECK(__builtin_popcountll(cpus_seen) == ncpus,
	      "a CPU-bound job over %d threads ran on %d distinct CPUs", ncpus,
	      __builtin_popcountll(cpus_seen));

	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(ncpus - 1, &set);
	CHECK(sched_setaffinity(0, sizeof(set), &set) == 0 && sched_getcpu() == ncpus - 1,
	      "sched_setaffinity moves the thread to CPU %d", ncpus - 1);
	return tap_done();
}
