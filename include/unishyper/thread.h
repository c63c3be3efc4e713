/*
 * Threads: the kernel side of musl's thread exit.
 */
#ifndef UNISHYPER_THREAD_H
#define UNISHYPER_THREAD_H

#include <stddef.h>

/* Unmaps [base, base+size) (the calling thread's own stack) and ends the
 * thread; musl's __unmapself jumps here. */
_Noreturn void sched_exit_unmap(void *base, size_t size);

#endif
