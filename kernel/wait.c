/*
 * Wait queues (see wait.h), on top of sched_block() and sched_wake().
 */
#include <errno.h>

#include <unishyper/sched.h>
#include <unishyper/wait.h>

struct waiter {
	struct list_node link;
	struct thread *thread;
};

void waitq_init(struct waitq *q)
{
	q->lock = (spinlock_t)SPINLOCK_INIT;
	list_init(&q->waiters);
}

int waitq_wait(struct waitq *q, bool (*ready)(void *arg), void *arg, uint64_t deadline,
	       bool interruptible)
{
	struct waiter w = { .thread = current() };
	int r = 0;

	list_init(&w.link);
	unsigned long flags = spin_lock_irqsave(&q->lock);
	while (!ready(arg)) {
		list_push_back(&q->waiters, &w.link);
		r = sched_block(&q->lock, deadline, interruptible);
		spin_lock_irqsave(&q->lock);
		list_remove(&w.link);
		if (r && !ready(arg))
			break;
		r = 0;
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return r;
}

void waitq_wake_all(struct waitq *q)
{
	unsigned long flags = spin_lock_irqsave(&q->lock);
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &q->waiters) {
		struct waiter *w = list_entry(n, struct waiter, link);
		list_remove(&w->link);
		sched_wake(w->thread, 0);
	}
	spin_unlock_irqrestore(&q->lock, flags);
}
