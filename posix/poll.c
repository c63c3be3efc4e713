/*
 * poll(2) over the files' readiness operations (include/unishyper/poll.h):
 * the first scan hangs the call on every file's wait queues, and the call
 * sleeps until one of them is woken, the timeout or a signal, then scans
 * again. Files without a readiness operation (files of a file system) are
 * always ready. The files are held for the whole call, so a concurrent
 * close cannot free one, or its queues, under the scan.
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

/* Fills every revents; returns how many are not zero. */
static int scan(struct pollfd *fds, struct file **files, unsigned long n, struct poll_table *pt)
{
	int found = 0;

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

SYSCALL_DEFINE3(poll, struct pollfd *, ufds, unsigned long, n, int, timeout)
{
	struct file **files = NULL;
	struct pollfd *fds = NULL;
	struct poll_table pt;
	int r = 0, found;

	if (n > FD_MAX)
		return -EINVAL;
	if (n && (!(fds = kmalloc(n * sizeof(*fds))) || !(files = kzalloc(n * sizeof(*files))))) {
		kfree(fds);
		return -ENOMEM;
	}
	if (uaccess_from(fds, ufds, n * sizeof(*fds))) {
		kfree(files);
		kfree(fds);
		return -EFAULT;
	}
	for (unsigned long i = 0; i < n; i++)
		files[i] = fds[i].fd >= 0 ? fd_get(fds[i].fd) : NULL;
	uint64_t deadline = timeout < 0 ? SCHED_FOREVER : time_ns() + (uint64_t)timeout * 1000000;
	poll_table_init(&pt);
	for (struct poll_table *hang = timeout ? &pt : NULL;; hang = NULL) {
		poll_table_arm(&pt);
		if ((found = scan(fds, files, n, hang)) || !timeout)
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
	if (!r && uaccess_to(ufds, fds, n * sizeof(*fds)))
		r = -EFAULT;
	kfree(fds);
	if (r == -EINTR)
		signal_deliver_pending();
	return r ? r : found;
}
