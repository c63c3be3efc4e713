/*
 * timerfd: a timer as an open file (timerfd_create, timerfd_settime,
 * timerfd_gettime). A read of 8 bytes takes the number of expirations
 * since the last read or setting, sleeping while it is zero (or -EAGAIN
 * with O_NONBLOCK); the file is readable while it is not zero.
 *
 * The timer is a scheduler callout (struct sched_timer), as the POSIX
 * timers of posix/timer.c are: it fires in the timer interrupt, counts
 * the expirations (periods that went by unseen included), arms itself for
 * the next period and wakes the file's wait queue, whose lock guards the
 * count and the setting. Deadlines are kept on the monotonic clock; an
 * absolute CLOCK_REALTIME time is converted when set, which is exact
 * since the wall clock is never stepped. CLOCK_BOOTTIME is the monotonic
 * clock (the machine never suspends).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/timerfd.h>
#include <time.h>

#include <unishyper/file.h>
#include <unishyper/kmalloc.h>
#include <unishyper/poll.h>
#include <unishyper/sched.h>
#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/uaccess.h>
#include <unishyper/vfs.h>
#include <unishyper/wait.h>

/* The soonest a periodic timer comes back: a shorter period would keep a
 * CPU in its interrupt; the expirations it merges are still counted. */
#define MIN_REARM_NS 50000ull

struct timerfd {
	struct sched_timer st;     /* first: fire() finds the timer from it */
	struct waitq wq;           /* its lock guards the fields below */
	clockid_t clock;
	uint64_t expiry, interval; /* monotonic ns; expiry 0: disarmed */
	uint64_t ticks;            /* expirations not read yet */
	uint64_t ino;
};

static uint64_t timerfd_next_ino = 1;
static const struct file_ops timerfd_ops;

/* Counts the expirations due at now and moves expiry past them. Lock
 * held; returns whether there were any. */
static bool advance(struct timerfd *t, uint64_t now)
{
	if (!t->expiry || t->expiry > now)
		return false;
	if (t->interval) {
		uint64_t n = (now - t->expiry) / t->interval + 1;
		t->ticks += n;
		t->expiry += n * t->interval;
	} else {
		t->ticks++;
		t->expiry = 0;
	}
	return true;
}

static void fire(struct sched_timer *st)
{
	struct timerfd *t = (struct timerfd *)st;
	uint64_t now = time_ns();
	bool woke;

	spin_lock(&t->wq.lock);
	woke = advance(t, now);
	if (t->expiry) /* periodic, or set again meanwhile */
		sched_timer_arm(&t->st, t->expiry > now + MIN_REARM_NS ? t->expiry
									  : now + MIN_REARM_NS);
	spin_unlock(&t->wq.lock);
	if (woke)
		waitq_wake_all(&t->wq);
}

static bool has_ticks(void *arg)
{
	struct timerfd *t = arg;

	return t->ticks || advance(t, time_ns());
}

static ssize_t file_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	struct timerfd *t = f->priv;
	uint64_t v;
	int r;

	if (off)
		return -ESPIPE;
	if (n < sizeof(v))
		return -EINVAL;
	/* Checked first: a count taken is never lost to a bad buffer. */
	if ((r = uaccess_writable(buf, sizeof(v))))
		return r;
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&t->wq.lock);
		if (has_ticks(t)) {
			v = t->ticks;
			t->ticks = 0;
			spin_unlock_irqrestore(&t->wq.lock, flags);
			return uaccess_copy(buf, &v, sizeof(v)) ?: (ssize_t)sizeof(v);
		}
		spin_unlock_irqrestore(&t->wq.lock, flags);
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (waitq_wait(&t->wq, has_ticks, t, SCHED_FOREVER, true))
			return -EINTR; /* the system-call layer runs the handler */
	}
}

static short file_poll(struct file *f, short events, struct poll_table *pt)
{
	struct timerfd *t = f->priv;

	poll_wait(pt, &t->wq);
	unsigned long flags = spin_lock_irqsave(&t->wq.lock);
	bool ready = has_ticks(t);
	spin_unlock_irqrestore(&t->wq.lock, flags);
	return ready ? events & (POLLIN | POLLRDNORM) : 0;
}

static int file_stat(struct file *f, struct vfs_attr *a)
{
	file_anon_attr(a, ((struct timerfd *)f->priv)->ino);
	return 0;
}

static void file_close(struct file *f)
{
	struct timerfd *t = f->priv;
	unsigned long flags = spin_lock_irqsave(&t->wq.lock);

	t->expiry = 0; /* a fire() running now does not arm it again */
	spin_unlock_irqrestore(&t->wq.lock, flags);
	sched_timer_cancel(&t->st, true);
	kfree(t);
}

static const struct file_ops timerfd_ops = {
	.read = file_read, .poll = file_poll, .seek = file_anon_seek, .stat = file_stat,
	.close = file_close,
};

SYSCALL_DEFINE2(timerfd_create, int, clock, int, flags)
{
	struct timerfd *t;
	struct file *f;
	int fd;

	if (clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME && clock != CLOCK_BOOTTIME &&
	    clock != CLOCK_REALTIME_ALARM && clock != CLOCK_BOOTTIME_ALARM)
		return -EINVAL;
	if (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK))
		return -EINVAL;
	if (!(t = kzalloc(sizeof(*t))))
		return -ENOMEM;
	waitq_init(&t->wq);
	t->st.fn = fire;
	t->clock = clock == CLOCK_REALTIME_ALARM ? CLOCK_REALTIME : clock;
	t->ino = __atomic_fetch_add(&timerfd_next_ino, 1, __ATOMIC_RELAXED);
	if (!(f = file_alloc(&timerfd_ops, t, O_RDWR | (flags & TFD_NONBLOCK)))) {
		kfree(t);
		return -ENOMEM;
	}
	if ((fd = fd_install(f, 0, flags & TFD_CLOEXEC)) < 0)
		file_put(f);
	return fd;
}

/* The timerfd behind fd with a reference, or NULL with *err set: -EBADF,
 * or -EINVAL for another kind of file. */
static struct file *timerfd_get(int fd, long *err)
{
	struct file *f = fd_get(fd);

	*err = f ? -EINVAL : -EBADF;
	if (f && f->ops != &timerfd_ops) {
		file_put(f);
		return NULL;
	}
	return f;
}

/* The setting of t as the program sees it. Lock held. */
static struct itimerspec current_setting(struct timerfd *t)
{
	uint64_t now = time_ns();

	advance(t, now);
	return (struct itimerspec){ time_ns_timespec(t->interval), time_ns_timespec(t->expiry ? t->expiry - now : 0) };
}

SYSCALL_DEFINE4(timerfd_settime, int, fd, int, flags, const struct itimerspec *, unew,
		struct itimerspec *, uold)
{
	struct itimerspec k, prev;
	struct timerfd *t;
	struct file *f;
	uint64_t value;
	long r;

	if (uaccess_get(k, unew))
		return -EFAULT;
	if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) || !time_timespec_valid(&k.it_value) ||
	    !time_timespec_valid(&k.it_interval))
		return -EINVAL;
	if (!(f = timerfd_get(fd, &r)))
		return r;
	t = f->priv;
	value = time_timespec_ns(&k.it_value);
	unsigned long irq = spin_lock_irqsave(&t->wq.lock);
	uint64_t now = time_ns();
	prev = current_setting(t);
	if (value && (flags & TFD_TIMER_ABSTIME)) {
		uint64_t clk = t->clock == CLOCK_REALTIME ? time_realtime_ns() : now;
		value = value > clk ? time_after(value - clk) : now;
	} else if (value) {
		value = time_after(value);
	}
	t->expiry = value;
	t->interval = time_timespec_ns(&k.it_interval);
	t->ticks = 0;
	if (value)
		sched_timer_arm(&t->st, value);
	else
		sched_timer_cancel(&t->st, false);
	spin_unlock_irqrestore(&t->wq.lock, irq);
	file_put(f);
	return uold ? uaccess_put(uold, prev) : 0;
}

SYSCALL_DEFINE2(timerfd_gettime, int, fd, struct itimerspec *, ucur)
{
	struct itimerspec k;
	struct timerfd *t;
	struct file *f;
	long r;

	if (!(f = timerfd_get(fd, &r)))
		return r;
	t = f->priv;
	unsigned long irq = spin_lock_irqsave(&t->wq.lock);
	k = current_setting(t);
	spin_unlock_irqrestore(&t->wq.lock, irq);
	file_put(f);
	return uaccess_put(ucur, k);
}
