/*
 * Futex wait queues, hashed by address into buckets. A waiter lives on
 * the waiting thread's stack and records its current bucket, which a
 * requeue may change; a thread that stops waiting by itself (timeout,
 * signal) takes itself off under that bucket's lock, and counts as woken
 * if a waker got there first, so no wake-up is ever lost.
 */
#include <errno.h>

#include <unishyper/futex.h>
#include <unishyper/list.h>
#include <unishyper/sched.h>
#include <unishyper/spinlock.h>
#include <unishyper/uaccess.h>

#define BUCKETS 64

struct bucket {
	spinlock_t lock;
	struct list_node waiters;
};

struct futex_waiter {
	struct list_node link;
	uint32_t *addr;
	uint32_t bitset;
	struct thread *thread;
	struct bucket *bucket;
};

static struct bucket buckets[BUCKETS];

void futex_init(void)
{
	for (int i = 0; i < BUCKETS; i++)
		list_init(&buckets[i].waiters);
}

static struct bucket *bucket_of(uint32_t *addr)
{
	uintptr_t a = (uintptr_t)addr;

	return &buckets[((a >> 2) ^ (a >> 12)) % BUCKETS];
}

/* Locks the bucket w is on now (a requeue may move it meanwhile). */
static struct bucket *lock_waiter(struct futex_waiter *w)
{
	for (;;) {
		struct bucket *b = __atomic_load_n(&w->bucket, __ATOMIC_ACQUIRE);
		spin_lock(&b->lock);
		if (b == w->bucket)
			return b;
		spin_unlock(&b->lock);
	}
}

/* The futex word, read through the program-memory copy: 0 or -EFAULT.
 * The page is faulted in before a bucket lock is taken; under the lock a
 * page another thread unmapped meanwhile gives -EFAULT (the fault path
 * takes only vm_lock, never a bucket lock). */
static int futex_load(const uint32_t *addr, uint32_t *val)
{
	return uaccess_from(val, addr, sizeof(*val));
}

int futex_wait(uint32_t *addr, uint32_t val, uint32_t bitset, uint64_t deadline)
{
	struct futex_waiter w = { .addr = addr, .bitset = bitset, .thread = current() };
	struct bucket *b = bucket_of(addr);

	uint32_t now;
	int r;

	if ((r = futex_load(addr, &now))) /* faults the page in before locking */
		return r;
	unsigned long flags = spin_lock_irqsave(&b->lock);
	if ((r = futex_load(addr, &now)) || now != val) {
		spin_unlock_irqrestore(&b->lock, flags);
		return r ? r : -EAGAIN;
	}
	w.bucket = b;
	list_push_back(&b->waiters, &w.link);
	r = sched_block(&b->lock, deadline, true);
	if (r) {
		irq_disable();
		b = lock_waiter(&w);
		if (list_empty(&w.link))
			r = 0; /* a waker took it off first */
		else
			list_remove(&w.link);
		spin_unlock(&b->lock);
	}
	irq_restore(flags);
	return r;
}

/* Wakes up to n matching waiters of b; lock held. */
static int wake_locked(struct bucket *b, uint32_t *addr, int n, uint32_t bitset)
{
	struct list_node *l, *tmp;
	int woken = 0;

	list_for_each_safe(l, tmp, &b->waiters) {
		struct futex_waiter *w = list_entry(l, struct futex_waiter, link);
		if (woken >= n)
			break;
		if (w->addr != addr || !(w->bitset & bitset))
			continue;
		struct thread *t = w->thread;
		list_remove(&w->link); /* w may vanish once t runs */
		sched_wake(t, 0);
		woken++;
	}
	return woken;
}

int futex_wake(uint32_t *addr, int n, uint32_t bitset)
{
	struct bucket *b = bucket_of(addr);
	unsigned long flags = spin_lock_irqsave(&b->lock);
	int woken = wake_locked(b, addr, n, bitset);

	spin_unlock_irqrestore(&b->lock, flags);
	return woken;
}

int futex_requeue(uint32_t *addr, int n_wake, uint32_t *addr2, int n_move, int check,
		  uint32_t val)
{
	struct bucket *b1 = bucket_of(addr), *b2 = bucket_of(addr2);
	struct bucket *first = b1 < b2 ? b1 : b2, *second = b1 < b2 ? b2 : b1;
	int moved = 0, woken;

	uint32_t now;

	if (check && (woken = futex_load(addr, &now)))
		return woken;
	unsigned long flags = spin_lock_irqsave(&first->lock);
	if (second != first)
		spin_lock(&second->lock);
	if (check && ((woken = futex_load(addr, &now)) || now != val)) {
		woken = woken ? woken : -EAGAIN;
		goto out;
	}
	woken = wake_locked(b1, addr, n_wake, FUTEX_BITSET_ANY);
	struct list_node *l, *tmp;
	list_for_each_safe(l, tmp, &b1->waiters) {
		struct futex_waiter *w = list_entry(l, struct futex_waiter, link);
		if (moved >= n_move)
			break;
		if (w->addr != addr)
			continue;
		list_remove(&w->link);
		w->addr = addr2;
		__atomic_store_n(&w->bucket, b2, __ATOMIC_RELEASE);
		list_push_back(&b2->waiters, &w->link);
		moved++;
	}
out:
	if (second != first)
		spin_unlock(&second->lock);
	spin_unlock_irqrestore(&first->lock, flags);
	return woken < 0 ? woken : woken + (check ? moved : 0);
}
