/*
 * Sleeping locks and their companions for kernel code that may block:
 * mutexes, counting semaphores and condition variables, all on wait
 * queues. Not for interrupt handlers (use spinlocks there).
 */
#ifndef UNISHYPER_MUTEX_H
#define UNISHYPER_MUTEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <unishyper/wait.h>

struct thread;

struct mutex {
	struct waitq wq;
	bool locked;
	struct thread *owner; /* the thread holding it */
};

struct semaphore {
	struct waitq wq;
	long count;
};

struct condvar {
	struct waitq wq;
	uint64_t seq;
};

#define MUTEX_INIT(name) { WAITQ_INIT((name).wq), false, NULL }

void mutex_init(struct mutex *m);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
/* Whether the calling thread holds m: code that may run under a lock it
 * would need (a page fault inside file I/O) refuses instead of waiting
 * for itself. */
bool mutex_held(const struct mutex *m);

void semaphore_init(struct semaphore *s, long count);
/* Takes one unit, sleeping until there is one; 0, or -ETIMEDOUT at the
 * deadline (time_ns(); SCHED_FOREVER). */
int semaphore_down(struct semaphore *s, uint64_t deadline);
void semaphore_up(struct semaphore *s);

void cond_init(struct condvar *c);
/* Releases m, sleeps until signalled or the deadline, takes m again;
 * 0 or -ETIMEDOUT. Wake-ups may be spurious, as with pthreads. */
int cond_wait(struct condvar *c, struct mutex *m, uint64_t deadline);
void cond_broadcast(struct condvar *c);

#endif
