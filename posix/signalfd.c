/*
 * signalfd: pending signals read as a file (signalfd, signalfd4). A read
 * takes signals of the file's mask pending for the reading thread (its
 * own first, then the process's), as a handler would, one struct
 * signalfd_siginfo each, sleeping for the first while none is pending
 * (or -EAGAIN with O_NONBLOCK); the file is readable while one is. The
 * program blocks those signals, or they would go to their handlers.
 *
 * The pending sets are posix/signal.c's; it wakes signal_posted whenever
 * a signal becomes pending, and every signalfd and poll table waits
 * there, checking the sets under that queue's lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>

#include <unishyper/file.h>
#include <unishyper/kmalloc.h>
#include <unishyper/poll.h>
#include <unishyper/process.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/syscall.h>
#include <unishyper/uaccess.h>
#include <unishyper/vfs.h>
#include <unishyper/wait.h>

#define BIT(sig) (1ull << ((sig) - 1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))

struct signalfd {
	uint64_t mask; /* read and written whole, atomically */
	uint64_t ino;
};

static uint64_t signalfd_next_ino = 1;
static const struct file_ops signalfd_ops;

static uint64_t mask_of(struct signalfd *s)
{
	return __atomic_load_n(&s->mask, __ATOMIC_RELAXED);
}

static bool pending(void *arg)
{
	return signal_pending_now() & mask_of(arg);
}

/* The record of one signal, with what Linux fills for its kind. */
static struct signalfd_siginfo record(int sig, const struct signal_info *in)
{
	struct signalfd_siginfo r = { .ssi_signo = (uint32_t)sig, .ssi_code = in->code };

	if (sig == SIGCHLD && in->code >= CLD_EXITED && in->code <= CLD_CONTINUED) {
		r.ssi_pid = (uint32_t)in->pid;
		r.ssi_status = (int32_t)in->value;
	} else if (in->code > 0 && in->code != SI_KERNEL) {
		r.ssi_addr = in->value; /* a fault */
	} else if (in->code == SI_TIMER) {
		r.ssi_tid = (uint32_t)in->timerid;
		r.ssi_overrun = (uint32_t)in->overrun;
		r.ssi_int = (int32_t)in->value;
		r.ssi_ptr = in->value;
	} else if (in->code != SI_KERNEL) {
		r.ssi_pid = (uint32_t)(in->pid ? in->pid : process_pid); /* uid 0 */
		r.ssi_int = (int32_t)in->value;
		r.ssi_ptr = in->value;
	}
	return r;
}

static ssize_t file_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	struct signalfd *s = f->priv;
	struct signalfd_siginfo *u = buf;
	size_t max = n / sizeof(*u), got = 0;
	struct signal_info in;
	int r, sig;

	if (off)
		return -ESPIPE;
	if (!max)
		return -EINVAL;
	if ((r = uaccess_writable(buf, max * sizeof(*u))))
		return r;
	while (got < max) {
		if ((sig = signal_dequeue(mask_of(s), &in))) {
			struct signalfd_siginfo rec = record(sig, &in);
			if (uaccess_copy(&u[got++], &rec, sizeof(rec)))
				return -EFAULT;
			continue;
		}
		if (got)
			break;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (waitq_wait(&signal_posted, pending, s, SCHED_FOREVER, true))
			return -EINTR; /* the system-call layer runs the handler */
	}
	return (ssize_t)(got * sizeof(*u));
}

static short file_poll(struct file *f, short events, struct poll_table *pt)
{
	poll_wait(pt, &signal_posted);
	return pending(f->priv) ? events & (POLLIN | POLLRDNORM) : 0;
}

static int file_stat(struct file *f, struct vfs_attr *a)
{
	file_anon_attr(a, ((struct signalfd *)f->priv)->ino);
	return 0;
}

static void file_close(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops signalfd_ops = {
	.read = file_read, .poll = file_poll, .seek = file_anon_seek, .stat = file_stat,
	.close = file_close,
};

SYSCALL_DEFINE4(signalfd4, int, fd, const uint64_t *, umask, size_t, size, int, flags)
{
	struct signalfd *s;
	struct file *f;
	uint64_t mask;

	if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK) || size != sizeof(mask))
		return -EINVAL;
	if (uaccess_get(mask, umask))
		return -EFAULT;
	mask &= ~UNBLOCKABLE;
	if (fd != -1) {
		if (!(f = fd_get(fd)))
			return -EBADF;
		if (f->ops != &signalfd_ops) {
			file_put(f);
			return -EINVAL;
		}
		__atomic_store_n(&((struct signalfd *)f->priv)->mask, mask, __ATOMIC_RELAXED);
		file_put(f);
		/* Readers and poll tables look again under the new mask. */
		waitq_wake_all(&signal_posted);
		return fd;
	}
	if (!(s = kzalloc(sizeof(*s))))
		return -ENOMEM;
	s->mask = mask;
	s->ino = __atomic_fetch_add(&signalfd_next_ino, 1, __ATOMIC_RELAXED);
	if (!(f = file_alloc(&signalfd_ops, s, O_RDWR | (flags & SFD_NONBLOCK)))) {
		kfree(s);
		return -ENOMEM;
	}
	if ((fd = fd_install(f, 0, flags & SFD_CLOEXEC)) < 0)
		file_put(f);
	return fd;
}

SYSCALL_DEFINE3(signalfd, int, fd, const uint64_t *, umask, size_t, size)
{
	return do_sys_signalfd4(fd, umask, size, 0);
}
