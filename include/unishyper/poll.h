/*
 * Readiness: how a call that waits on many files at once (poll, select,
 * epoll) sleeps until one of them is ready.
 *
 * A file's poll operation returns the events that hold now and, when it is
 * given a poll table, hangs an entry on each wait queue whose wake-up may
 * change that answer (poll_wait()). The caller arms the table, scans its
 * files, and sleeps with poll_table_sleep() only if none of those queues
 * was woken since it armed the table; so a file that becomes ready on
 * another CPU during the scan is never missed. The owner of a file wakes
 * its queue (waitq_wake_all()) after every change of readiness.
 *
 * An epoll instance (kernel/epoll.c) keeps its entries hung on the files'
 * queues between calls instead: its table's queue function replaces the
 * entries poll_wait() would make.
 */
#ifndef UNISHYPER_POLL_H
#define UNISHYPER_POLL_H

#include <stdbool.h>
#include <stdint.h>

#include <unishyper/spinlock.h>
#include <unishyper/wait.h>

struct poll_chunk;

struct poll_table {
	spinlock_t lock;
	bool triggered, sleeping;
	struct thread *thread;
	struct poll_chunk *chunks; /* the entries hung on queues */
	int error;                 /* -ENOMEM when an entry could not be had */
	/* When set, poll_wait() calls it instead of hanging an entry. */
	void (*queue)(struct poll_table *pt, struct waitq *q);
};

/* Prepares a table for the calling thread. */
void poll_table_init(struct poll_table *pt);

/* For poll operations: wakes of q wake the table's thread from now on.
 * Does nothing when pt is NULL (a scan that only asks). May allocate, so
 * call it before taking the file's spinlocks. */
void poll_wait(struct poll_table *pt, struct waitq *q);

/* Forgets earlier wake-ups; call before each scan. */
void poll_table_arm(struct poll_table *pt);

/* Sleeps until a queue of the table is woken (at once if one was since
 * poll_table_arm()), the deadline (time_ns() or SCHED_FOREVER) or a
 * signal: 0, -ETIMEDOUT or -EINTR. */
int poll_table_sleep(struct poll_table *pt, uint64_t deadline);

/* Takes every entry off its queue and frees them. The queues must still
 * exist: the caller holds the files. */
void poll_table_free(struct poll_table *pt);

#endif
