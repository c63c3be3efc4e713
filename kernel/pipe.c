/*
 * Pipes: a ring buffer (64 KiB unless F_SETPIPE_SZ changes it) between a
 * read end and a write end, each an open file of the operations below.
 *
 * A mutex guards the buffer and is held while bytes move between it and
 * the program, so a page fault during the copy may sleep, and a write of
 * at most PIPE_BUF bytes goes in whole, never split by another writer.
 * Readers, writers and poll tables sleep on one wait queue, woken after
 * every change of the buffer or of the number of ends. Their conditions
 * read the counts under the queue's lock, which every waker takes after
 * changing them, so no wake-up is lost between a check and a sleep.
 *
 * A fork child never waits for its parent, which cannot run before the
 * child ends (posix/fork.c): its write grows a full pipe instead (to
 * PIPE_GROW_MAX), and its read of an empty pipe whose write ends are all
 * the parent's is an end of file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <unishyper/file.h>
#include <unishyper/kmalloc.h>
#include <unishyper/mutex.h>
#include <unishyper/pipe.h>
#include <unishyper/poll.h>
#include <unishyper/process.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/uaccess.h>
#include <unishyper/vfs.h>
#include <unishyper/wait.h>

struct pipe {
	struct mutex lock;      /* guards the buffer and the counts */
	struct waitq wq;
	char *buf;
	size_t size, head, len; /* the data: len bytes from buf[head], wrapping */
	int readers, writers;
	uint64_t ino;
};

/* What a sleeping writer waits for: room for need bytes, or no reader. */
struct room {
	struct pipe *p;
	size_t need;
};

#define PIPE_GROW_MAX (256ul << 20)

static uint64_t pipe_next_ino = 1;

static size_t load(const size_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

static bool readable(void *arg)
{
	struct pipe *p = arg;

	return load(&p->len) || !__atomic_load_n(&p->writers, __ATOMIC_RELAXED);
}

static bool writable(void *arg)
{
	struct room *w = arg;

	return w->p->size - load(&w->p->len) >= w->need ||
	       !__atomic_load_n(&w->p->readers, __ATOMIC_RELAXED);
}

/* Sleeps on the pipe with its mutex released; 0, or -EINTR when a signal
 * came (the system-call layer runs its handler and restarts the call or
 * not, as SA_RESTART says). */
static int sleep_on(struct pipe *p, bool (*ready)(void *), void *arg)
{
	mutex_unlock(&p->lock);
	if (waitq_wait(&p->wq, ready, arg, SCHED_FOREVER, true))
		return -EINTR;
	mutex_lock(&p->lock);
	return 0;
}

/* Copies n bytes between the program's buffer and the ring at pos, in at
 * most two pieces: 0 or -EFAULT. */
static int ring_copy(struct pipe *p, size_t pos, void *user, size_t n, bool in)
{
	size_t at = pos % p->size, first = p->size - at < n ? p->size - at : n;
	char *u = user;

	if (in)
		return uaccess_copy(p->buf + at, u, first) ?: uaccess_copy(p->buf, u + first, n - first);
	return uaccess_copy(u, p->buf + at, first) ?: uaccess_copy(u + first, p->buf, n - first);
}

static const struct file_ops pipe_ops;

/* Whether f is a write end of the pipe p. */
static bool writes_to(struct file *f, void *p)
{
	return f->ops == &pipe_ops && f->priv == p && (f->flags & O_ACCMODE) != O_RDONLY;
}

static ssize_t pipe_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	struct pipe *p = f->priv;
	int r;

	if (off)
		return -ESPIPE;
	if (!n)
		return 0;
	mutex_lock(&p->lock);
	while (!p->len) {
		if (!p->writers || (process_is_child() && !fd_any(writes_to, p))) {
			mutex_unlock(&p->lock);
			return 0;
		}
		if (f->flags & O_NONBLOCK) {
			mutex_unlock(&p->lock);
			return -EAGAIN;
		}
		if ((r = sleep_on(p, readable, p)))
			return r;
	}
	size_t c = n < p->len ? n : p->len;
	if (ring_copy(p, p->head, buf, c, false)) {
		mutex_unlock(&p->lock);
		return -EFAULT;
	}
	p->head = (p->head + c) % p->size;
	__atomic_store_n(&p->len, p->len - c, __ATOMIC_RELAXED);
	mutex_unlock(&p->lock);
	waitq_wake_all(&p->wq);
	return (ssize_t)c;
}

static int grow(struct pipe *p, size_t want);

static ssize_t pipe_write(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	struct pipe *p = f->priv;
	struct room w = { p, n <= PIPE_BUF ? n : 1 };
	size_t done = 0;
	int r = 0;

	if (off)
		return -ESPIPE;
	mutex_lock(&p->lock);
	while (done < n) {
		if (!p->readers) {
			r = -EPIPE;
			break;
		}
		size_t room = p->size - p->len;
		if (room < w.need && process_is_child() && !grow(p, p->len + w.need))
			continue;
		if (room < w.need) {
			if (f->flags & O_NONBLOCK) {
				r = -EAGAIN;
				break;
			}
			if ((r = sleep_on(p, writable, &w)))
				return done ? (ssize_t)done : r;
			continue;
		}
		size_t c = n - done < room ? n - done : room;
		if ((r = ring_copy(p, p->head + p->len, (char *)buf + done, c, true)))
			break;
		__atomic_store_n(&p->len, p->len + c, __ATOMIC_RELAXED);
		done += c;
		waitq_wake_all(&p->wq);
	}
	mutex_unlock(&p->lock);
	if (r == -EPIPE) /* outside the lock: a handler may use the pipe */
		signal_send(current(), SIGPIPE);
	return done ? (ssize_t)done : r;
}

static short pipe_poll(struct file *f, short events, struct poll_table *pt)
{
	struct pipe *p = f->priv;
	struct room w = { p, PIPE_BUF };
	short r = 0;

	poll_wait(pt, &p->wq);
	unsigned long flags = spin_lock_irqsave(&p->wq.lock);
	if ((f->flags & O_ACCMODE) == O_RDONLY) {
		r |= load(&p->len) ? POLLIN | POLLRDNORM : 0;
		r |= !p->writers ? POLLHUP : 0;
	} else {
		r |= writable(&w) ? POLLOUT | POLLWRNORM : 0;
		r |= !p->readers ? POLLERR : 0;
	}
	spin_unlock_irqrestore(&p->wq.lock, flags);
	return r & (events | POLLHUP | POLLERR);
}

static long pipe_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	struct pipe *p = f->priv;

	if (cmd != FIONREAD)
		return -ENOTTY;
	int n = (int)load(&p->len);
	return uaccess_put((int *)arg, n);
}

/* Linux's rounding: a power of two of pages, at least one. */
static size_t round_size(unsigned long want)
{
	size_t size = 4096;

	while (size < want)
		size <<= 1;
	return size;
}

/* Moves the data into buf, of size bytes (at least len); lock held. */
static void move_to(struct pipe *p, char *buf, size_t size)
{
	for (size_t i = 0; i < p->len; i++)
		buf[i] = p->buf[(p->head + i) % p->size];
	kfree(p->buf);
	p->buf = buf;
	p->head = 0;
	__atomic_store_n(&p->size, size, __ATOMIC_RELAXED);
}

static long resize(struct pipe *p, unsigned long want)
{
	size_t size;
	char *buf;

	if (want > PIPE_SIZE_MAX)
		return -EPERM;
	size = round_size(want);
	if (!(buf = kmalloc(size)))
		return -ENOMEM;
	mutex_lock(&p->lock);
	if (p->len > size) {
		mutex_unlock(&p->lock);
		kfree(buf);
		return -EBUSY;
	}
	move_to(p, buf, size);
	mutex_unlock(&p->lock);
	waitq_wake_all(&p->wq);
	return (long)size;
}

/* A fork child's write: makes room for want bytes at least; 0, or
 * -ENOMEM (then the writer waits as any does). Lock held. */
static int grow(struct pipe *p, size_t want)
{
	size_t size = round_size(want > 2 * p->size ? want : 2 * p->size);
	char *buf = size <= PIPE_GROW_MAX ? kmalloc(size) : NULL;

	if (!buf)
		return -ENOMEM;
	move_to(p, buf, size);
	return 0;
}

static long pipe_fcntl(struct file *f, int cmd, unsigned long arg)
{
	struct pipe *p = f->priv;

	switch (cmd) {
	case F_GETPIPE_SZ:
		return (long)load(&p->size);
	case F_SETPIPE_SZ:
		return resize(p, arg);
	default:
		return -EINVAL;
	}
}

static int pipe_stat(struct file *f, struct vfs_attr *a)
{
	struct pipe *p = f->priv;

	*a = (struct vfs_attr){ .ino = p->ino, .mode = S_IFIFO | 0600, .nlink = 1, .blksize = 4096 };
	return 0;
}

static void pipe_close(struct file *f)
{
	struct pipe *p = f->priv;

	mutex_lock(&p->lock);
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		__atomic_store_n(&p->readers, p->readers - 1, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&p->writers, p->writers - 1, __ATOMIC_RELAXED);
	bool last = !p->readers && !p->writers;
	mutex_unlock(&p->lock);
	if (!last) {
		waitq_wake_all(&p->wq);
		return;
	}
	kfree(p->buf);
	kfree(p);
}

static const struct file_ops pipe_ops = {
	.read = pipe_read, .write = pipe_write, .ioctl = pipe_ioctl, .fcntl = pipe_fcntl,
	.poll = pipe_poll, .stat = pipe_stat, .close = pipe_close,
};

int pipe_create(int flags, struct file *ends[2])
{
	struct pipe *p = kzalloc(sizeof(*p));
	int nb = flags & O_NONBLOCK;

	if (p && (p->buf = kmalloc(PIPE_SIZE_DEFAULT))) {
		mutex_init(&p->lock);
		waitq_init(&p->wq);
		p->size = PIPE_SIZE_DEFAULT;
		p->readers = p->writers = 1;
		p->ino = __atomic_fetch_add(&pipe_next_ino, 1, __ATOMIC_RELAXED);
		ends[0] = file_alloc(&pipe_ops, p, O_RDONLY | nb);
		ends[1] = file_alloc(&pipe_ops, p, O_WRONLY | nb);
		if (ends[0] && ends[1])
			return 0;
		kfree(ends[0]);
		kfree(ends[1]);
		kfree(p->buf);
	}
	kfree(p);
	return -ENOMEM;
}
