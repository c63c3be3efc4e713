/*
 * poll(2) over the files' poll operations (the console is readable when a
 * read would not wait; files of a file system are always ready); sockets
 * and pipes join with their issues. The files are held for the whole call,
 * so a concurrent close cannot free one under the scan, which runs under
 * the console input queue's lock (input wakes that queue).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>

#include <unishyper/console.h>
#include <unishyper/file.h>
#include <unishyper/kmalloc.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/uaccess.h>
#include <unishyper/wait.h>

struct poll_req {
	struct pollfd *fds;
	struct file **files; /* NULL where fd < 0 or not open */
	unsigned long n;
	int found;
};

static bool any_ready(void *arg)
{
	struct poll_req *r = arg;
	int found = 0;

	for (unsigned long i = 0; i < r->n; i++) {
		struct pollfd *p = &r->fds[i];
		struct file *f = r->files[i];
		if (p->fd < 0)
			p->revents = 0;
		else if (!f)
			p->revents = POLLNVAL;
		else /* files without a poll operation never block */
			p->revents = f->ops->poll ? f->ops->poll(f, p->events) :
						    p->events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
		found += p->revents != 0;
	}
	return (r->found = found) > 0;
}

SYSCALL_DEFINE3(poll, struct pollfd *, ufds, unsigned long, n, int, timeout)
{
	struct poll_req req = { NULL, NULL, n, 0 };
	struct pollfd *fds;
	int r = 0;

	if (n > FD_MAX)
		return -EINVAL;
	/* A copy: the scan runs with interrupts off, away from program memory. */
	if (n && !(req.fds = kmalloc(n * sizeof(*fds))))
		return -ENOMEM;
	if (uaccess_from(req.fds, ufds, n * sizeof(*fds))) {
		kfree(req.fds);
		return -EFAULT;
	}
	fds = req.fds;
	if (n && !(req.files = kzalloc(n * sizeof(*req.files)))) {
		kfree(req.fds);
		return -ENOMEM;
	}
	for (unsigned long i = 0; i < n; i++) {
		fds[i].revents = 0;
		req.files[i] = fds[i].fd >= 0 ? fd_get(fds[i].fd) : NULL;
	}
	struct waitq *q = console_input_queue();
	if (timeout == 0) {
		unsigned long flags = spin_lock_irqsave(&q->lock);
		any_ready(&req);
		spin_unlock_irqrestore(&q->lock, flags);
	} else {
		uint64_t deadline = timeout < 0 ? SCHED_FOREVER :
						  time_ns() + (uint64_t)timeout * 1000000;
		r = waitq_wait(q, any_ready, &req, deadline, true);
	}
	for (unsigned long i = 0; i < n; i++)
		if (req.files[i])
			file_put(req.files[i]);
	kfree(req.files);
	if (r != -EINTR && uaccess_to(ufds, fds, n * sizeof(*fds)))
		r = -EFAULT;
	kfree(req.fds);
	if (r == -EFAULT)
		return r;
	if (r == -EINTR) {
		signal_deliver_pending();
		return -EINTR;
	}
	return req.found;
}
