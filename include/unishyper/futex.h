/*
 * Futexes: threads wait on a 32-bit word in memory and are woken by
 * address. There is one address space, so the address is the key.
 */
#ifndef UNISHYPER_FUTEX_H
#define UNISHYPER_FUTEX_H

#include <stdbool.h>
#include <stdint.h>

#define FUTEX_BITSET_ANY 0xffffffffu

/* The word of a priority-inheritance or robust futex (Linux's layout). */
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu

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

/* FUTEX_LOCK_PI (FUTEX_TRYLOCK_PI with try): makes the caller the owner
 * of the PI futex at addr, sleeping until the owner hands it over or the
 * deadline (time_ns(); SCHED_FOREVER). A word whose owner died is taken
 * with FUTEX_OWNER_DIED kept, for the program to see. Returns 0,
 * -EDEADLK (the caller owns it), -ESRCH (no thread has the owner's tid),
 * -EAGAIN (try, and owned), -ETIMEDOUT, -EINTR or -EFAULT. */
int futex_lock_pi(uint32_t *addr, uint64_t deadline, bool try);

/* FUTEX_UNLOCK_PI: hands the PI futex the caller owns to its first
 * sleeper, or frees it. 0, -EPERM (not the owner) or -EFAULT. */
int futex_unlock_pi(uint32_t *addr);

/* A thread with tid ended owning the futex at addr (its robust list says
 * so): sets FUTEX_OWNER_DIED, clears the owner, keeps FUTEX_WAITERS and
 * wakes one sleeper. A word another thread owns is left alone. 0 or
 * -EFAULT. */
int futex_owner_died(uint32_t *addr, uint32_t tid);

#endif
