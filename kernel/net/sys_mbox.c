/*
 * lwIP's mailboxes: bounded rings of message pointers, one semaphore
 * counting the messages and one the free places.
 */
#include <unishyper/kmalloc.h>
#include <unishyper/mutex.h>
#include <unishyper/sched.h>
#include <unishyper/spinlock.h>
#include <unishyper/time.h>

#include "lwip/sys.h"

struct sys_mbox {
	spinlock_t lock;
	struct semaphore items, room;
	unsigned head, size;
	unsigned count;
	void *msg[];
};

err_t sys_mbox_new(sys_mbox_t *mb, int size)
{
	struct sys_mbox *m;

	if (size <= 0)
		size = 64;
	m = kmalloc(sizeof(*m) + (size_t)size * sizeof(void *));
	if (!m)
		return ERR_MEM;
	m->lock = (spinlock_t)SPINLOCK_INIT;
	semaphore_init(&m->items, 0);
	semaphore_init(&m->room, size);
	m->head = m->count = 0;
	m->size = (unsigned)size;
	*mb = m;
	return ERR_OK;
}

void sys_mbox_free(sys_mbox_t *mb)
{
	kfree(*mb);
	*mb = NULL;
}

static void put(struct sys_mbox *m, void *msg)
{
	unsigned long flags = spin_lock_irqsave(&m->lock);

	m->msg[(m->head + m->count) % m->size] = msg;
	m->count++;
	spin_unlock_irqrestore(&m->lock, flags);
	semaphore_up(&m->items);
}

static void *take(struct sys_mbox *m)
{
	unsigned long flags = spin_lock_irqsave(&m->lock);
	void *msg = m->msg[m->head];

	m->head = (m->head + 1) % m->size;
	m->count--;
	spin_unlock_irqrestore(&m->lock, flags);
	semaphore_up(&m->room);
	return msg;
}

void sys_mbox_post(sys_mbox_t *mb, void *msg)
{
	semaphore_down(&(*mb)->room, SCHED_FOREVER);
	put(*mb, msg);
}

err_t sys_mbox_trypost(sys_mbox_t *mb, void *msg)
{
	if (semaphore_down(&(*mb)->room, 0))
		return ERR_MEM;
	put(*mb, msg);
	return ERR_OK;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mb, void *msg)
{
	return sys_mbox_trypost(mb, msg);
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mb, void **msg, u32_t timeout)
{
	uint64_t start = time_ns();
	uint64_t deadline = timeout ? start + timeout * 1000000ull : SCHED_FOREVER;
	void *m;

	if (semaphore_down(&(*mb)->items, deadline))
		return SYS_ARCH_TIMEOUT;
	m = take(*mb);
	if (msg)
		*msg = m;
	return (u32_t)((time_ns() - start) / 1000000);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mb, void **msg)
{
	void *m;

	if (semaphore_down(&(*mb)->items, 0))
		return SYS_MBOX_EMPTY;
	m = take(*mb);
	if (msg)
		*msg = m;
	return 0;
}
