/*
 * Spinlocks: ticket locks, so waiters are served in order. A holder has
 * interrupts off (spin_lock_irqsave), so an interrupt handler on the same
 * CPU can never spin on a lock its own CPU holds, and a thread is never
 * preempted while it holds one. Hold them for short stretches only;
 * sleeping locks are in mutex.h.
 */
#ifndef UNISHYPER_SPINLOCK_H
#define UNISHYPER_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/cpu.h>

typedef struct {
	uint16_t next, owner;
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

/* Takes the lock with interrupts already off. */
static inline void spin_lock(spinlock_t *l)
{
	uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		spin_pause();
}

/* Takes the lock if it is free; true on success. Interrupts already off. */
static inline bool spin_trylock(spinlock_t *l)
{
	uint16_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	spinlock_t old = { owner, owner }, new = { (uint16_t)(owner + 1), owner };

	return __atomic_compare_exchange(l, &old, &new, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->owner, (uint16_t)(l->owner + 1), __ATOMIC_RELEASE);
}

static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = irq_save();

	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	spin_unlock(l);
	irq_restore(flags);
}

#endif
