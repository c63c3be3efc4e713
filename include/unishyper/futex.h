/*
 * Futexes: threads wait on a 32-bit word in memory and are woken by
 * address. There is one address space, so the address is the key.
 */
#ifndef UNISHYPER_FUTEX_H
#define UNISHYPER_FUTEX_H

#include <stdint.h>

#define FUTEX_BITSET_ANY 0xffffffffu

/* Sets up the wait queues; before any thread starts. */
void futex_init(void);

/* Sleeps while *addr == val, until woken with a matching bitset, the
 * deadline (time_ns(); SCHED_FOREVER) or a signal. Returns 0, -EAGAIN
 * (the word differs), -ETIMEDOUT or -EINTR. */
int futex_wait(uint32_t *addr, uint32_t val, uint32_t bitset, uint64_t deadline);

/* Wakes up to n waiters on addr whose bitset meets bitset; returns how many. */
int futex_wake(uint32_t *addr, int n, uint32_t bitset);

/* Wakes up to n_wake waiters on addr and moves up to n_move others to
 * addr2; with check, only if *addr == val (else -EAGAIN). Returns the
 * number woken plus, with check, the number moved. */
int futex_requeue(uint32_t *addr, int n_wake, uint32_t *addr2, int n_move, int check,
		  uint32_t val);

#endif
