/*
 * Wait queues (see wait.h), on top of sched_block() and sched_wake().
 */
#include <errno.h>

#include <unishyper/sched.h>
#include <unishyper/wait.h>

void waitq_init(struct waitq *q)
{
	q->lock = (spinlock_t)SPINLOCK_INIT;
	list_init(&q->waiters);
}

int waitq_wait(struct waitq *q, bool (*ready)(void *arg), void *arg, uint64_t deadline,
	       bool interruptible)
{
	struct wait_entry w = { .thread = current() };
	int r = 0;

	list_init(&w.link);
	unsigned long flags = spin_lock_irqsave(&q->lock);
	/* ready() may take what it finds (a semaphore's unit, a mutex): it
	 * is asked exactly once after each wake-up, so a timeout or signal
	 * that races a wake-up takes what arrived and reports success. */
	while (!ready(arg)) {
		list_push_back(&q->waiters, &w.link);
		r = sched_block(&q->lock, deadline, interruptible);
		spin_lock_irqsave(&q->lock);
		list_remove(&w.link);
		if (r) {
			if (ready(arg))
				r = 0;
			break;
		}
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return r;
}

void waitq_wake_all(struct waitq *q)
{
	unsigned long flags = spin_lock_irqsave(&q->lock);
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &q->waiters) {
		struct wait_entry *w = list_entry(n, struct wait_entry, link);
		if (w->wake) {
			w->wake(w);
			continue;
		}
		list_remove(&w->link);
		sched_wake(w->thread, 0);
	}
	spin_unlock_irqrestore(&q->lock, flags);
}

void waitq_add(struct waitq *q, struct wait_entry *e)
{
	unsigned long flags = spin_lock_irqsave(&q->lock);

	list_push_back(&q->waiters, &e->link);
	spin_unlock_irqrestore(&q->lock, flags);
}

void waitq_remove(struct waitq *q, struct wait_entry *e)
{
	unsigned long flags = spin_lock_irqsave(&q->lock);

	list_remove(&e->link);
	spin_unlock_irqrestore(&q->lock, flags);
}
