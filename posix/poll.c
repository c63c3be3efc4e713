/*
 * poll(2) and ppoll(2), and the wait over many descriptors that select and
 * pselect6 (posix/select.c) share (posix/pollwait.h): the first scan of
 * the files' readiness operations (include/unishyper/poll.h) hangs the
 * call on every file's wait queues, and the call sleeps until one of them
 * is woken, the deadline or a signal, then scans again. Files without a
 * readiness operation (files of a file system) are always ready. The
 * files are held for the whole call, so a concurrent close cannot free
 * one, or its queues, under the scan.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>

#include <unishyper/file.h>
#include <unishyper/kmalloc.h>
#include <unishyper/poll.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/uaccess.h>

#include "pollwait.h"

/* Fills every revents; returns how many are not zero. */
static long scan(struct pollfd *fds, struct file **files, unsigned long n, struct poll_table *pt)
{
	long found = 0;

	for (unsigned long i = 0; i < n; i++) {
		struct pollfd *p = &fds[i];
		struct file *f = files[i];
		if (p->fd < 0)
			p->revents = 0;
		else if (!f)
			p->revents = POLLNVAL;
		else if (f->ops->poll)
			p->revents = f->ops->poll(f, p->events, pt) & (p->events | POLLERR | POLLHUP);
		else
			p->revents = p->events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
		found += p->revents != 0;
	}
	return found;
}

long poll_files(struct pollfd *fds, unsigned long n, uint64_t deadline)
{
	struct file **files = NULL;
	struct poll_table pt;
	long r = 0, found;

	if (n && !(files = kzalloc(n * sizeof(*files))))
		return -ENOMEM;
	for (unsigned long i = 0; i < n; i++)
		files[i] = fds[i].fd >= 0 ? fd_get(fds[i].fd) : NULL;
	poll_table_init(&pt);
	for (struct poll_table *hang = deadline != POLL_NOW ? &pt : NULL;; hang = NULL) {
		poll_table_arm(&pt);
		if ((found = scan(fds, files, n, hang)) || deadline == POLL_NOW)
			break;
		if (pt.error) {
			r = pt.error;
			break;
		}
		if ((r = poll_table_sleep(&pt, deadline)) == -ETIMEDOUT) {
			found = scan(fds, files, n, NULL);
			r = 0;
			break;
		}
		if (r)
			break;
	}
	poll_table_free(&pt);
	for (unsigned long i = 0; i < n; i++)
		if (files[i])
			file_put(files[i]);
	kfree(files);
	return r ? r : found;
}

long poll_deadline(const struct timespec *uts, uint64_t *deadline)
{
	uint64_t ns;
	long r;

	if (!uts) {
		*deadline = SCHED_FOREVER;
		return 0;
	}
	if ((r = time_get_timespec(uts, &ns)))
		return r;
	*deadline = ns ? time_after(ns) : POLL_NOW;
	return 0;
}

void poll_time_left(struct timespec *uts, uint64_t deadline)
{
	uint64_t now = time_ns(), left = deadline > now ? deadline - now : 0;
	struct timespec ts = time_ns_timespec(left);

	if (uts && deadline != SCHED_FOREVER)
		(void)uaccess_put(uts, ts);
}

long poll_sigmask_set(const uint64_t *umask, size_t size, uint64_t *old)
{
	uint64_t mask;

	*old = current()->sig_blocked;
	if (!umask)
		return 0;
	if (size != sizeof(mask))
		return -EINVAL;
	if (uaccess_get(mask, umask))
		return -EFAULT;
	signal_restore_mask(mask);
	return 0;
}

long poll_sigmask_done(long r, const uint64_t *umask, uint64_t old)
{
	if (r == -EINTR)
		signal_deliver_pending();
	if (umask)
		signal_restore_mask(old);
	return r;
}

/* poll and ppoll: the program's array in and out around poll_files(). */
static long poll_array(struct pollfd *ufds, unsigned long n, uint64_t deadline)
{
	struct pollfd *fds = NULL;
	long r;

	if (n > FD_MAX)
		return -EINVAL;
	if (n && !(fds = kmalloc(n * sizeof(*fds))))
		return -ENOMEM;
	if (uaccess_from(fds, ufds, n * sizeof(*fds))) {
		kfree(fds);
		return -EFAULT;
	}
	r = poll_files(fds, n, deadline);
	if (r >= 0 && uaccess_to(ufds, fds, n * sizeof(*fds)))
		r = -EFAULT;
	kfree(fds);
	return r;
}

SYSCALL_DEFINE3(poll, struct pollfd *, ufds, unsigned long, n, int, timeout)
{
	uint64_t deadline = timeout < 0 ? SCHED_FOREVER
				      : timeout ? time_ns() + (uint64_t)timeout * 1000000 : POLL_NOW;
	long r = poll_array(ufds, n, deadline);

	if (r == -EINTR)
		signal_deliver_pending();
	return r;
}

SYSCALL_DEFINE5(ppoll, struct pollfd *, ufds, unsigned long, n, struct timespec *, uts,
		const uint64_t *, umask, size_t, size)
{
	uint64_t deadline, old;
	long r;

	if ((r = poll_deadline(uts, &deadline)) || (r = poll_sigmask_set(umask, size, &old)))
		return r;
	r = poll_array(ufds, n, deadline);
	poll_time_left(uts, deadline);
	return poll_sigmask_done(r, umask, old);
}
