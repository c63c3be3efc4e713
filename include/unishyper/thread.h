/*
 * Threads: the kernel side of musl's thread exit, and of robust mutexes.
 */
#ifndef UNISHYPER_THREAD_H
#define UNISHYPER_THREAD_H

#include <stddef.h>

/* Unmaps [base, base+size) (the calling thread's own stack) and ends the
 * thread; musl's __unmapself jumps here. */
_Noreturn void sched_exit_unmap(void *base, size_t size);

struct thread;

/* Marks every robust mutex t still holds (its robust list) as owned by a
 * thread that died, waking one waiter of each; t is ending. */
void robust_list_release(struct thread *t);

#endif
