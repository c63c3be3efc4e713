/*
 * Wait queues: a thread sleeps until a condition holds, a deadline passes
 * or (if interruptible) a signal arrives; whoever makes the condition true
 * wakes the queue. The condition is checked under the queue's lock, so a
 * wake-up between the check and the sleep is never lost. A poll call
 * (include/unishyper/poll.h) hangs entries with a wake function on the
 * queues of many files at once.
 */
#ifndef UNISHYPER_WAIT_H
#define UNISHYPER_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#include <unishyper/list.h>
#include <unishyper/spinlock.h>

struct waitq {
	spinlock_t lock;
	struct list_node waiters;
};

/* One sleeper on a queue. A plain waiter (wake NULL) is taken off the
 * queue and its thread woken; an entry with a wake function stays on the
 * queue and wake() runs with the queue locked and interrupts off. */
struct wait_entry {
	struct list_node link;
	struct thread *thread;
	void (*wake)(struct wait_entry *e);
};

#define WAITQ_INIT(name) { SPINLOCK_INIT, LIST_INIT((name).waiters) }

void waitq_init(struct waitq *q);

/* Returns 0 once ready(arg) is true, -ETIMEDOUT at the deadline (time_ns(),
 * or SCHED_FOREVER), -EINTR on a signal when interruptible. ready() runs
 * with the queue locked and interrupts off; it may take what it waits for
 * (it returns true at most once per call). */
int waitq_wait(struct waitq *q, bool (*ready)(void *arg), void *arg, uint64_t deadline,
	       bool interruptible);

/* Wakes every thread waiting on q; callable from interrupt handlers. */
void waitq_wake_all(struct waitq *q);

/* Hang e (with its wake function) on q, and take it off again. */
void waitq_add(struct waitq *q, struct wait_entry *e);
void waitq_remove(struct waitq *q, struct wait_entry *e);

#endif
