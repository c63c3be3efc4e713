/*
 * Mutexes, semaphores and condition variables (see mutex.h). Each state
 * change happens under its wait queue's lock; waiters re-check their
 * condition there, so a wake-up is never lost.
 */
#include <errno.h>

#include <unishyper/mutex.h>
#include <unishyper/sched.h>

void mutex_init(struct mutex *m)
{
	waitq_init(&m->wq);
	m->locked = false;
	m->owner = NULL;
}

/* Runs under the queue's lock: takes the mutex if it is free. */
static bool grab(void *arg)
{
	struct mutex *m = arg;

	if (m->locked)
		return false;
	m->locked = true;
	m->owner = current();
	return true;
}

void mutex_lock(struct mutex *m)
{
	waitq_wait(&m->wq, grab, m, SCHED_FOREVER, false);
}

bool mutex_trylock(struct mutex *m)
{
	unsigned long flags = spin_lock_irqsave(&m->wq.lock);
	bool got = grab(m);

	spin_unlock_irqrestore(&m->wq.lock, flags);
	return got;
}

void mutex_unlock(struct mutex *m)
{
	unsigned long flags = spin_lock_irqsave(&m->wq.lock);

	m->locked = false;
	m->owner = NULL;
	spin_unlock_irqrestore(&m->wq.lock, flags);
	waitq_wake_all(&m->wq);
}

bool mutex_held(const struct mutex *m)
{
	return __atomic_load_n(&m->owner, __ATOMIC_RELAXED) == current();
}

void semaphore_init(struct semaphore *s, long count)
{
	waitq_init(&s->wq);
	s->count = count;
}

static bool take_unit(void *arg)
{
	struct semaphore *s = arg;

	if (s->count <= 0)
		return false;
	s->count--;
	return true;
}

int semaphore_down(struct semaphore *s, uint64_t deadline)
{
	return waitq_wait(&s->wq, take_unit, s, deadline, false);
}

void semaphore_up(struct semaphore *s)
{
	unsigned long flags = spin_lock_irqsave(&s->wq.lock);

	s->count++;
	spin_unlock_irqrestore(&s->wq.lock, flags);
	waitq_wake_all(&s->wq);
}

void cond_init(struct condvar *c)
{
	waitq_init(&c->wq);
	c->seq = 0;
}

struct cond_wait {
	struct condvar *c;
	uint64_t seq;
};

static bool signalled(void *arg)
{
	struct cond_wait *w = arg;

	return w->c->seq != w->seq;
}

int cond_wait(struct condvar *c, struct mutex *m, uint64_t deadline)
{
	unsigned long flags = spin_lock_irqsave(&c->wq.lock);
	struct cond_wait w = { c, c->seq };

	spin_unlock_irqrestore(&c->wq.lock, flags);
	mutex_unlock(m);
	int r = waitq_wait(&c->wq, signalled, &w, deadline, false);
	mutex_lock(m);
	return r;
}

void cond_broadcast(struct condvar *c)
{
	unsigned long flags = spin_lock_irqsave(&c->wq.lock);

	c->seq++;
	spin_unlock_irqrestore(&c->wq.lock, flags);
	waitq_wake_all(&c->wq);
}
