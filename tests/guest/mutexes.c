/*
 * Robust and priority-inheritance mutexes, and futex waits with absolute
 * clocks: an owner that ends holding a robust mutex (through pthread_exit
 * and through a bare SYS_exit, where the kernel walks its robust list),
 * PI mutexes under contention from several threads with a checked
 * counter, and the errors of the PI and bitset futex operations.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

/* <linux/futex.h>'s values; the sysroot has no kernel headers. */
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_BITSET 9
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#define FUTEX_OWNER_DIED 0x40000000u

static pthread_mutex_t robust;

/* musl registers its robust list with the kernel only for
 * process-shared mutexes: the bare-exit cases use those. */
static void make_mutex(pthread_mutex_t *m, int robust_, int protocol, int type)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, robust_ > 1);
	pthread_mutexattr_setrobust(&a, robust_ ? PTHREAD_MUTEX_ROBUST : PTHREAD_MUTEX_STALLED);
	pthread_mutexattr_setprotocol(&a, protocol);
	pthread_mutexattr_settype(&a, type);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

static volatile int holding;

/* With arg, the thread ends with a bare SYS_exit: musl's pthread_exit
 * never runs, so the kernel walks the robust list, and the thread cannot
 * be joined (musl's join waits for pthread_exit's mark). */
static void *hold_and_exit(void *arg)
{
	pthread_mutex_lock(&robust);
	holding = 1;
	if (arg) {
		usleep(100000); /* the main thread sleeps as a waiter meanwhile */
		syscall(SYS_exit, 0);
	}
	return NULL;
}

static void robust_case(int protocol, int bare, const char *what)
{
	pthread_t t;

	make_mutex(&robust, bare ? 2 : 1, protocol, PTHREAD_MUTEX_NORMAL);
	holding = 0;
	pthread_create(&t, NULL, hold_and_exit, bare ? (void *)1 : NULL);
	if (bare) {
		while (!holding)
			sched_yield();
		pthread_detach(t);
	} else {
		pthread_join(t, NULL);
	}
	int r = pthread_mutex_lock(&robust);
	CHECK(r == EOWNERDEAD, "%s: the next locker gets EOWNERDEAD (%d)", what, r);
	CHECK(pthread_mutex_consistent(&robust) == 0, "%s: pthread_mutex_consistent", what);
	CHECK(pthread_mutex_unlock(&robust) == 0 && pthread_mutex_lock(&robust) == 0,
	      "%s: usable again after consistent", what);
	pthread_mutex_unlock(&robust);
}

static void *hold_and_die_unmarked(void *arg)
{
	pthread_mutex_lock(&robust);
	return NULL; /* pthread_exit marks it; never made consistent below */
}

#define THREADS 4
#define ROUNDS 20000
static pthread_mutex_t pi;
static volatile long counter;

static void *pi_worker(void *arg)
{
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&pi);
		long c = counter;
		if ((i & 63) == 0)
			sched_yield(); /* let others pile up as waiters */
		counter = c + 1;
		pthread_mutex_unlock(&pi);
	}
	return NULL;
}

static long futex(void *addr, int op, uint32_t val, const struct timespec *ts, uint32_t val3)
{
	return syscall(SYS_futex, addr, op, val, ts, NULL, val3);
}

static struct timespec in_ms(clockid_t clock, long ms)
{
	struct timespec t;

	clock_gettime(clock, &t);
	t.tv_nsec += ms * 1000000;
	t.tv_sec += t.tv_nsec / 1000000000;
	t.tv_nsec %= 1000000000;
	return t;
}

static int after(clockid_t clock, struct timespec t)
{
	struct timespec now;

	clock_gettime(clock, &now);
	return now.tv_sec > t.tv_sec || (now.tv_sec == t.tv_sec && now.tv_nsec >= t.tv_nsec);
}

static pthread_mutex_t timed;

static void *hold_briefly(void *arg)
{
	pthread_mutex_lock(&timed);
	usleep(300000);
	pthread_mutex_unlock(&timed);
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];

	robust_case(PTHREAD_PRIO_NONE, 0, "robust, pthread_exit");
	robust_case(PTHREAD_PRIO_NONE, 1, "robust, bare SYS_exit");
	robust_case(PTHREAD_PRIO_INHERIT, 0, "robust PI, pthread_exit");
	robust_case(PTHREAD_PRIO_INHERIT, 1, "robust PI, bare SYS_exit");

	make_mutex(&robust, 1, PTHREAD_PRIO_NONE, PTHREAD_MUTEX_NORMAL);
	pthread_create(&t[0], NULL, hold_and_die_unmarked, NULL);
	pthread_join(t[0], NULL);
	CHECK(pthread_mutex_lock(&robust) == EOWNERDEAD, "robust: EOWNERDEAD again");
	pthread_mutex_unlock(&robust); /* without consistent: unrecoverable */
	CHECK(pthread_mutex_lock(&robust) == ENOTRECOVERABLE, "robust: ENOTRECOVERABLE");

	void *head;
	size_t len;
	CHECK(syscall(SYS_get_robust_list, 0, &head, &len) == 0 && len == 24,
	      "get_robust_list of the caller");
	CHECK(syscall(SYS_get_robust_list, 999999, &head, &len) == -1 && errno == ESRCH,
	      "get_robust_list of no thread: ESRCH");
	CHECK(syscall(SYS_get_robust_list, 0, (void *)8, &len) == -1 && errno == EFAULT,
	      "get_robust_list to a bad pointer: EFAULT");
	CHECK(syscall(SYS_set_robust_list, head, 23) == -1 && errno == EINVAL,
	      "set_robust_list with a bad size: EINVAL");

	make_mutex(&pi, 0, PTHREAD_PRIO_INHERIT, PTHREAD_MUTEX_NORMAL);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, pi_worker, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK(counter == THREADS * ROUNDS, "PI mutex: %d threads count to %ld (want %d)",
	      THREADS, counter, THREADS * ROUNDS);

	make_mutex(&pi, 0, PTHREAD_PRIO_INHERIT, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_lock(&pi);
	CHECK(pthread_mutex_lock(&pi) == EDEADLK, "PI error-checking relock: EDEADLK");
	CHECK(pthread_mutex_trylock(&pi) == EBUSY, "PI trylock of a held mutex: EBUSY");
	pthread_mutex_unlock(&pi);

	make_mutex(&timed, 0, PTHREAD_PRIO_INHERIT, PTHREAD_MUTEX_NORMAL);
	pthread_create(&t[0], NULL, hold_briefly, NULL);
	usleep(50000);
	struct timespec soon = in_ms(CLOCK_REALTIME, 50);
	CHECK(pthread_mutex_timedlock(&timed, &soon) == ETIMEDOUT &&
		      after(CLOCK_REALTIME, soon),
	      "PI timedlock times out at its CLOCK_REALTIME deadline");
	struct timespec later = in_ms(CLOCK_REALTIME, 5000);
	CHECK(pthread_mutex_timedlock(&timed, &later) == 0, "PI timedlock gets it once released");
	pthread_mutex_unlock(&timed);
	pthread_join(t[0], NULL);

	/* The raw word protocol. */
	uint32_t w = 0, tid = (uint32_t)syscall(SYS_gettid);
	CHECK(futex(&w, FUTEX_LOCK_PI, 0, NULL, 0) == 0 && w == tid, "LOCK_PI of 0 writes the tid");
	CHECK(futex(&w, FUTEX_LOCK_PI, 0, NULL, 0) == -1 && errno == EDEADLK,
	      "LOCK_PI by the owner: EDEADLK");
	CHECK(futex(&w, FUTEX_UNLOCK_PI, 0, NULL, 0) == 0 && w == 0, "UNLOCK_PI clears the word");
	CHECK(futex(&w, FUTEX_UNLOCK_PI, 0, NULL, 0) == -1 && errno == EPERM,
	      "UNLOCK_PI by a non-owner: EPERM");
	w = 999999;
	CHECK(futex(&w, FUTEX_LOCK_PI, 0, NULL, 0) == -1 && errno == ESRCH,
	      "LOCK_PI of a word owned by no thread: ESRCH");
	CHECK(futex(&w, FUTEX_TRYLOCK_PI, 0, NULL, 0) == -1 && errno == EAGAIN,
	      "TRYLOCK_PI of an owned word: EAGAIN");
	w = FUTEX_OWNER_DIED;
	CHECK(futex(&w, FUTEX_TRYLOCK_PI, 0, NULL, 0) == 0 && w == (tid | FUTEX_OWNER_DIED),
	      "TRYLOCK_PI takes a dead owner's word, keeping OWNER_DIED");
	CHECK(futex((void *)8, FUTEX_LOCK_PI, 0, NULL, 0) == -1 && errno == EFAULT,
	      "LOCK_PI on a bad address: EFAULT");
	CHECK(futex(&w, FUTEX_UNLOCK_PI | FUTEX_CLOCK_REALTIME, 0, NULL, 0) == -1 &&
		      errno == ENOSYS, "UNLOCK_PI with a clock: ENOSYS");

	/* FUTEX_WAIT_BITSET: absolute deadlines on either clock. */
	uint32_t word = 1;
	struct timespec mono = in_ms(CLOCK_MONOTONIC, 50);
	CHECK(futex(&word, FUTEX_WAIT_BITSET, 1, &mono, FUTEX_BITSET_MATCH_ANY) == -1 &&
		      errno == ETIMEDOUT && after(CLOCK_MONOTONIC, mono),
	      "WAIT_BITSET times out at an absolute CLOCK_MONOTONIC deadline");
	struct timespec real = in_ms(CLOCK_REALTIME, 50);
	CHECK(futex(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 1, &real,
		    FUTEX_BITSET_MATCH_ANY) == -1 &&
		      errno == ETIMEDOUT && after(CLOCK_REALTIME, real),
	      "WAIT_BITSET times out at an absolute CLOCK_REALTIME deadline");
	struct timespec past = { 1, 0 };
	CHECK(futex(&word, FUTEX_WAIT_BITSET, 1, &past, 1) == -1 && errno == ETIMEDOUT,
	      "WAIT_BITSET with a deadline in the past: ETIMEDOUT at once");
	CHECK(futex(&word, FUTEX_WAIT_BITSET, 1, &mono, 0) == -1 && errno == EINVAL,
	      "WAIT_BITSET with an empty bitset: EINVAL");
	CHECK(futex(&word, FUTEX_WAIT_BITSET, 2, &mono, 1) == -1 && errno == EAGAIN,
	      "WAIT_BITSET on a changed word: EAGAIN");
	struct timespec bad = { 0, 1000000000 };
	CHECK(futex(&word, FUTEX_WAIT_BITSET, 1, &bad, 1) == -1 && errno == EINVAL,
	      "WAIT_BITSET with tv_nsec out of range: EINVAL");
	CHECK(futex(&word, FUTEX_WAIT_BITSET, 1, (void *)8, 1) == -1 && errno == EFAULT,
	      "WAIT_BITSET with a bad timeout pointer: EFAULT");
	return tap_done();
}
