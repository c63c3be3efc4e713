/*
 * Poll tables (include/unishyper/poll.h): entries hung on the wait queues
 * of files, and the sleep of the thread that owns them. An entry's wake
 * function runs under its queue's lock and then takes the table's lock;
 * the sleeper holds only the table's lock when it blocks, so the two
 * never wait on each other, and the table's lock orders "woken" against
 * "about to sleep".
 */
#include <errno.h>

#include <unishyper/kmalloc.h>
#include <unishyper/poll.h>
#include <unishyper/sched.h>

#define CHUNK_ENTRIES 32

struct poll_entry {
	struct wait_entry w;
	struct waitq *q;
	struct poll_table *pt;
};

struct poll_chunk {
	struct poll_chunk *next;
	int used;
	struct poll_entry e[CHUNK_ENTRIES];
};

void poll_table_init(struct poll_table *pt)
{
	*pt = (struct poll_table){ .lock = SPINLOCK_INIT, .thread = current() };
}

static void entry_wake(struct wait_entry *w)
{
	struct poll_table *pt = list_entry(w, struct poll_entry, w)->pt;

	spin_lock(&pt->lock);
	pt->triggered = true;
	if (pt->sleeping) {
		pt->sleeping = false;
		sched_wake(pt->thread, 0);
	}
	spin_unlock(&pt->lock);
}

void poll_wait(struct poll_table *pt, struct waitq *q)
{
	struct poll_chunk *c;

	if (!pt)
		return;
	if (pt->queue) {
		pt->queue(pt, q);
		return;
	}
	if (!(c = pt->chunks) || c->used == CHUNK_ENTRIES) {
		if (!(c = kzalloc(sizeof(*c)))) {
			pt->error = -ENOMEM;
			return;
		}
		c->next = pt->chunks;
		pt->chunks = c;
	}
	struct poll_entry *e = &c->e[c->used++];
	*e = (struct poll_entry){ .w = { .thread = pt->thread, .wake = entry_wake }, .q = q, .pt = pt };
	list_init(&e->w.link);
	waitq_add(q, &e->w);
}

void poll_table_arm(struct poll_table *pt)
{
	unsigned long flags = spin_lock_irqsave(&pt->lock);

	pt->triggered = false;
	spin_unlock_irqrestore(&pt->lock, flags);
}

int poll_table_sleep(struct poll_table *pt, uint64_t deadline)
{
	unsigned long flags = spin_lock_irqsave(&pt->lock);
	int r = 0;

	if (!pt->triggered) {
		pt->sleeping = true;
		r = sched_block(&pt->lock, deadline, true);
		spin_lock_irqsave(&pt->lock);
		pt->sleeping = false;
	}
	spin_unlock_irqrestore(&pt->lock, flags);
	return r;
}

void poll_table_free(struct poll_table *pt)
{
	struct poll_chunk *c, *next;

	for (c = pt->chunks; c; c = next) {
		for (int i = 0; i < c->used; i++)
			waitq_remove(c->e[i].q, &c->e[i].w);
		next = c->next;
		kfree(c);
	}
	pt->chunks = NULL;
}
