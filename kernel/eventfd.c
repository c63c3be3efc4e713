/*
 * eventfd: a 64-bit counter as an open file. A write of 8 bytes adds to
 * it, sleeping (or -EAGAIN with O_NONBLOCK) while the sum would pass
 * 0xfffffffffffffffe; a read of 8 bytes takes the whole count, or 1 in
 * semaphore mode, sleeping while it is zero. The lock of the wait queue
 * that readers, writers and poll tables sleep on guards the counter, so a
 * condition checked under it cannot miss the change that wakes it.
 * Program memory is touched outside that lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>

#include <unishyper/file.h>
#include <unishyper/kmalloc.h>
#include <unishyper/pipe.h>
#include <unishyper/poll.h>
#include <unishyper/sched.h>
#include <unishyper/uaccess.h>
#include <unishyper/vfs.h>
#include <unishyper/wait.h>

#define COUNT_MAX 0xfffffffffffffffeull

struct eventfd {
	struct waitq wq; /* its lock guards count */
	uint64_t count;
	bool semaphore;
	uint64_t ino;
};

/* What a sleeper waits for: a count to take, or room to add add. */
struct want {
	struct eventfd *e;
	uint64_t add;
	bool reading;
};

static uint64_t eventfd_next_ino = 1;

static bool ready(void *arg)
{
	struct want *w = arg;

	return w->reading ? w->e->count != 0 : COUNT_MAX - w->e->count >= w->add;
}

/* Takes (reading) or adds to the count once ready, sleeping as the file's
 * flags allow: 0, -EAGAIN or -EINTR; *v is what a read took. */
static int change(struct file *f, struct want *w, uint64_t *v)
{
	struct eventfd *e = f->priv;

	for (;;) {
		unsigned long flags = spin_lock_irqsave(&e->wq.lock);
		if (ready(w)) {
			if (w->reading) {
				*v = e->semaphore ? 1 : e->count;
				e->count -= *v;
			} else {
				e->count += w->add;
			}
			spin_unlock_irqrestore(&e->wq.lock, flags);
			waitq_wake_all(&e->wq);
			return 0;
		}
		spin_unlock_irqrestore(&e->wq.lock, flags);
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (waitq_wait(&e->wq, ready, w, SCHED_FOREVER, true))
			return -EINTR; /* the system-call layer runs the handler */
	}
}

static ssize_t file_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	struct want w = { f->priv, 0, true };
	uint64_t v;
	int r;

	if (off)
		return -ESPIPE;
	if (n < sizeof(v))
		return -EINVAL;
	/* Checked first: a count taken is never lost to a bad buffer. */
	if ((r = uaccess_writable(buf, sizeof(v))) || (r = change(f, &w, &v)))
		return r;
	return uaccess_copy(buf, &v, sizeof(v)) ?: (ssize_t)sizeof(v);
}

static ssize_t file_write(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	struct want w = { f->priv, 0, false };
	int r;

	if (off)
		return -ESPIPE;
	if (n < sizeof(w.add))
		return -EINVAL;
	if (uaccess_copy(&w.add, buf, sizeof(w.add)))
		return -EFAULT;
	if (w.add == ~0ull)
		return -EINVAL;
	return (r = change(f, &w, NULL)) ? r : (ssize_t)sizeof(w.add);
}

static short file_poll(struct file *f, short events, struct poll_table *pt)
{
	struct eventfd *e = f->priv;
	short r;

	poll_wait(pt, &e->wq);
	unsigned long flags = spin_lock_irqsave(&e->wq.lock);
	r = (e->count ? POLLIN | POLLRDNORM : 0) | (e->count < COUNT_MAX ? POLLOUT | POLLWRNORM : 0);
	spin_unlock_irqrestore(&e->wq.lock, flags);
	return r & events;
}

static int file_stat(struct file *f, struct vfs_attr *a)
{
	file_anon_attr(a, ((struct eventfd *)f->priv)->ino);
	return 0;
}

static void file_close(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops eventfd_ops = {
	.read = file_read, .write = file_write, .poll = file_poll,
	.seek = file_anon_seek, .stat = file_stat, .close = file_close,
};

struct file *eventfd_create(uint64_t initval, int flags)
{
	struct eventfd *e = kzalloc(sizeof(*e));
	struct file *f;

	if (!e)
		return NULL;
	waitq_init(&e->wq);
	e->count = initval;
	e->semaphore = flags & EFD_SEMAPHORE;
	e->ino = __atomic_fetch_add(&eventfd_next_ino, 1, __ATOMIC_RELAXED);
	if (!(f = file_alloc(&eventfd_ops, e, O_RDWR | (flags & O_NONBLOCK))))
		kfree(e);
	return f;
}
