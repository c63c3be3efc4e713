/*
 * Futex wait queues, hashed by address into buckets. A waiter lives on
 * the waiting thread's stack and records its current bucket, which a
 * requeue may change; a thread that stops waiting by itself (timeout,
 * signal) takes itself off under that bucket's lock, and counts as woken
 * if a waker got there first, so no wake-up is ever lost.
 *
 * Priority-inheritance futexes follow Linux's word protocol: the word
 * holds the owner's tid, FUTEX_WAITERS when threads sleep in the kernel
 * for it and FUTEX_OWNER_DIED after an owner ended holding it. The kernel
 * changes such a word only under its bucket's lock, so a sleeper that set
 * FUTEX_WAITERS is always found by the owner's FUTEX_UNLOCK_PI, which
 * hands the lock to the first sleeper by writing its tid. There is one
 * scheduling class, so no priority is actually lent.
 *
 * A futex is an address of one process: a fork child's wake-ups never
 * reach the threads of its waiting parent.
 */
#include <errno.h>
#include <stdbool.h>

#include <unishyper/futex.h>
#include <unishyper/list.h>
#include <unishyper/process.h>
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
	int pid;     /* the process of addr */
	uint32_t bitset;
	struct thread *thread;
	struct bucket *bucket;
	bool pi;    /* sleeps in futex_lock_pi() */
	bool owned; /* futex_unlock_pi() made it the owner */
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
	struct futex_waiter w = { .addr = addr, .pid = process_pid, .bitset = bitset,
				  .thread = current() };
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
		if (w->addr != addr || w->pid != process_pid || !(w->bitset & bitset))
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
		if (w->addr != addr || w->pid != process_pid || w->pi) /* PI sleepers stay */
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

/* The first PI sleeper on addr other than skip, or NULL; lock held. */
static struct futex_waiter *pi_waiter(struct bucket *b, uint32_t *addr,
				      struct futex_waiter *skip)
{
	struct list_node *l;

	list_for_each(l, &b->waiters) {
		struct futex_waiter *w = list_entry(l, struct futex_waiter, link);
		if (w->addr == addr && w->pid == process_pid && w->pi && w != skip)
			return w;
	}
	return NULL;
}

/* One attempt to take the PI futex at addr for the caller; the bucket
 * is locked. 0 (taken), 1 (the caller must sleep: FUTEX_WAITERS is set),
 * or -EDEADLK, -ESRCH, -EAGAIN (try), -EFAULT. */
static int pi_try_locked(struct bucket *b, uint32_t *addr, struct futex_waiter *self,
			 bool try)
{
	uint32_t tid = (uint32_t)self->thread->tid;

	for (;;) {
		uint32_t v, want;
		int r;

		if ((r = futex_load(addr, &v)))
			return r;
		uint32_t owner = v & FUTEX_TID_MASK;
		if (!owner) { /* free, or its owner died: take it, keeping OWNER_DIED */
			want = tid | (v & FUTEX_OWNER_DIED) |
			       (pi_waiter(b, addr, self) ? FUTEX_WAITERS : 0);
			uint32_t seen = v;
			if ((r = uaccess_cmpxchg32(addr, &seen, want)))
				return r;
			if (seen == v)
				return 0;
			continue;
		}
		if (owner == tid)
			return -EDEADLK;
		if (try)
			return -EAGAIN;
		if (!sched_find((int)owner))
			return -ESRCH;
		if (v & FUTEX_WAITERS)
			return 1;
		uint32_t seen = v;
		if ((r = uaccess_cmpxchg32(addr, &seen, v | FUTEX_WAITERS)))
			return r;
		if (seen == v)
			return 1;
	}
}

int futex_lock_pi(uint32_t *addr, uint64_t deadline, bool try)
{
	struct futex_waiter w = { .addr = addr, .pid = process_pid, .bitset = FUTEX_BITSET_ANY,
				  .thread = current(), .pi = true };
	struct bucket *b = bucket_of(addr);
	uint32_t now;
	int r;

	if ((r = futex_load(addr, &now))) /* faults the page in before locking */
		return r;
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&b->lock);
		r = pi_try_locked(b, addr, &w, try);
		if (r != 1) {
			spin_unlock_irqrestore(&b->lock, flags);
			return r;
		}
		w.bucket = b;
		w.owned = false;
		list_push_back(&b->waiters, &w.link);
		r = sched_block(&b->lock, deadline, true);
		if (r) {
			irq_disable();
			struct bucket *now_b = lock_waiter(&w);
			if (list_empty(&w.link))
				r = 0; /* woken first: by a handover or a plain wake */
			else
				list_remove(&w.link);
			spin_unlock(&now_b->lock);
		}
		irq_restore(flags);
		if (w.owned)
			return 0;
		if (r)
			return r; /* -ETIMEDOUT or -EINTR, not the owner */
		/* A plain wake (an owner that died, musl's robust-list walk):
		 * try again. */
	}
}

int futex_unlock_pi(uint32_t *addr)
{
	struct bucket *b = bucket_of(addr);
	uint32_t tid = (uint32_t)current()->tid, v;
	int r;

	if ((r = futex_load(addr, &v)))
		return r;
	unsigned long flags = spin_lock_irqsave(&b->lock);
	for (;;) {
		if ((r = futex_load(addr, &v)))
			break;
		if ((v & FUTEX_TID_MASK) != tid) {
			r = -EPERM;
			break;
		}
		struct futex_waiter *w = pi_waiter(b, addr, NULL);
		uint32_t want = 0, seen = v;
		if (w)
			want = (uint32_t)w->thread->tid |
			       (pi_waiter(b, addr, w) ? FUTEX_WAITERS : 0);
		if ((r = uaccess_cmpxchg32(addr, &seen, want)))
			break;
		if (seen != v)
			continue;
		if (w) {
			struct thread *t = w->thread;
			w->owned = true;
			list_remove(&w->link); /* w may vanish once t runs */
			sched_wake(t, 0);
		}
		break;
	}
	spin_unlock_irqrestore(&b->lock, flags);
	return r;
}

int futex_owner_died(uint32_t *addr, uint32_t tid)
{
	uint32_t v;
	int r;

	for (;;) {
		if ((r = futex_load(addr, &v)))
			return r;
		if ((v & FUTEX_TID_MASK) != tid)
			return 0;
		uint32_t seen = v;
		if ((r = uaccess_cmpxchg32(addr, &seen, (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED)))
			return r;
		if (seen == v)
			break;
	}
	if (v & FUTEX_WAITERS)
		futex_wake(addr, 1, FUTEX_BITSET_ANY);
	return 0;
}
