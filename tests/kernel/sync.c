/*
 * The kernel's synchronisation primitives under SMP, called directly from
 * threads of a guest program: spinlocks, mutexes, semaphores, condition
 * variables and wait queues; and the thread table that ps will show. This image links the kernel object whose
 * symbols are not made local (build/unishyper-full.o), so a test can reach
 * kernel functions; shipped images never can.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unishyper/mutex.h>
#include <unishyper/sched.h>
#include <unishyper/spinlock.h>
#include <unishyper/time.h>
#include <unishyper/wait.h>

#include "../guest/tap.h"

#define THREADS 4
#define ROUNDS 20000

static spinlock_t spin = SPINLOCK_INIT;
static struct mutex mutex;
static long spin_count, mutex_count;

static void *count(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		unsigned long flags = spin_lock_irqsave(&spin);
		spin_count++;
		spin_unlock_irqrestore(&spin, flags);
		mutex_lock(&mutex);
		long v = mutex_count;
		if (i % 1000 == 0)
			sched_reschedule(); /* sleep-capable: yield while holding it */
		mutex_count = v + 1;
		mutex_unlock(&mutex);
	}
	return NULL;
}

static struct semaphore items;
static long taken;

static void *take(void *arg)
{
	(void)arg;
	for (int i = 0; i < 500; i++) {
		semaphore_down(&items, SCHED_FOREVER);
		__atomic_fetch_add(&taken, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Timed waits that keep expiring while units arrive: a unit handed over
 * just as a wait times out is taken once, never twice or not at all. */
enum { RACE_UNITS = 20000 };
static long race_taken;
static volatile int race_stop;

static void *take_briefly(void *arg)
{
	(void)arg;
	while (!race_stop)
		if (semaphore_down(&items, time_ns() + 20000) == 0)
			__atomic_fetch_add(&race_taken, 1, __ATOMIC_RELAXED);
	return NULL;
}

static struct mutex cv_mutex;
static struct condvar cv;
static int ready_flag;

static void *wait_ready(void *arg)
{
	(void)arg;
	mutex_lock(&cv_mutex);
	while (!ready_flag)
		cond_wait(&cv, &cv_mutex, SCHED_FOREVER);
	mutex_unlock(&cv_mutex);
	return NULL;
}

static struct waitq wq;
static int wq_flag;

static bool flag_set(void *arg)
{
	(void)arg;
	return wq_flag;
}

static void *wait_queue(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)waitq_wait(&wq, flag_set, NULL, SCHED_FOREVER, false);
}

int main(void)
{
	pthread_t t[THREADS];

	mutex_init(&mutex);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, count, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK(spin_count == THREADS * ROUNDS, "spinlock: %ld increments", spin_count);
	CHECK(mutex_count == THREADS * ROUNDS, "mutex held across a yield: %ld increments",
	      mutex_count);
	CHECK(mutex_trylock(&mutex) && !mutex_trylock(&mutex), "mutex_trylock");
	mutex_unlock(&mutex);

	semaphore_init(&items, 0);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, take, NULL);
	for (int i = 0; i < THREADS * 500; i++)
		semaphore_up(&items);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK(taken == THREADS * 500 && items.count == 0, "semaphore: %ld units taken", taken);
	CHECK(semaphore_down(&items, time_ns() + 10000000) == -ETIMEDOUT,
	      "semaphore_down on zero times out");

	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, take_briefly, NULL);
	for (int i = 0; i < RACE_UNITS; i++) {
		semaphore_up(&items);
		if (i % 64 == 0)
			sched_reschedule();
	}
	uint64_t until = time_ns() + 5000000000ull;
	while (__atomic_load_n(&race_taken, __ATOMIC_RELAXED) + items.count < RACE_UNITS &&
	       time_ns() < until)
		sched_reschedule();
	while (items.count && time_ns() < until)
		sched_reschedule();
	race_stop = 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK(race_taken + items.count == RACE_UNITS,
	      "semaphore: timed waits racing %d ups take each unit once (%ld taken, %ld left)",
	      RACE_UNITS, race_taken, items.count);

	mutex_init(&cv_mutex);
	cond_init(&cv);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, wait_ready, NULL);
	mutex_lock(&cv_mutex);
	CHECK(cond_wait(&cv, &cv_mutex, time_ns() + 10000000) == -ETIMEDOUT,
	      "cond_wait times out when nobody signals");
	ready_flag = 1;
	cond_broadcast(&cv);
	mutex_unlock(&cv_mutex);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK(1, "cond_broadcast wakes every waiter");

	waitq_init(&wq);
	void *r;
	pthread_create(&t[0], NULL, wait_queue, NULL);
	unsigned long flags = spin_lock_irqsave(&wq.lock);
	wq_flag = 1;
	spin_unlock_irqrestore(&wq.lock, flags);
	waitq_wake_all(&wq);
	pthread_join(t[0], &r);
	CHECK(r == NULL, "wait queue: woken once its condition holds");
	CHECK(waitq_wait(&wq, flag_set, NULL, 0, false) == 0, "wait queue: no sleep when ready");

	struct sched_info info[16];
	pthread_create(&t[0], NULL, wait_ready, NULL); /* ready_flag is set: exits at once */
	pthread_join(t[0], NULL);
	int n = sched_snapshot(info, 16), me = -1;
	for (int i = 0; i < n; i++)
		if (info[i].tid == current()->tid)
			me = i;
	CHECK(n == 1 && me == 0 && info[0].state == THREAD_RUNNING && !strcmp(info[0].name, "main") &&
		      info[0].runtime_ns > 0,
	      "thread table: the one thread left, running, named, with its CPU time");
	return tap_done();
}
