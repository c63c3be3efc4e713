/*
 * poll(2) over the files' poll operations (the console is readable when a
 * read would not wait; files of a file system are always ready); sockets
 * and pipes join with their issues.
 * The scan runs under the console input queue's lock, which input wakes.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>

#include <unishyper/console.h>
#include <unishyper/file.h>
#include <unishyper/sched.h>
#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/vm.h>
#include <unishyper/wait.h>

static int scan(struct pollfd *fds, unsigned long n)
{
	int found = 0;

	for (unsigned long i = 0; i < n; i++) {
		struct pollfd *p = &fds[i];
		p->revents = 0;
		if (p->fd < 0)
			continue;
		struct file *f = fd_get(p->fd);
		if (!f) {
			p->revents = POLLNVAL;
		} else {
			/* Files of a file system never block. */
			p->revents = f->ops->poll ? f->ops->poll(f, p->events) :
						    p->events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
			file_put(f);
		}
		found += p->revents != 0;
	}
	return found;
}

struct poll_req {
	struct pollfd *fds;
	unsigned long n;
	int found;
};

static bool any_ready(void *arg)
{
	struct poll_req *r = arg;

	return (r->found = scan(r->fds, r->n)) > 0;
}

SYSCALL_DEFINE3(poll, struct pollfd *, fds, unsigned long, n, int, timeout)
{
	struct poll_req req = { fds, n, 0 };

	if (n > FD_MAX)
		return -EINVAL;
	if (!vm_check(fds, n * sizeof(*fds), VM_READ | VM_WRITE))
		return -EFAULT;
	/* Touch the array now: the scan below runs with interrupts off. */
	for (unsigned long i = 0; i < n; i++)
		fds[i].revents = 0;
	uint64_t deadline = timeout < 0 ? SCHED_FOREVER : time_ns() + (uint64_t)timeout * 1000000;
	if (timeout == 0) {
		struct waitq *q = console_input_queue();
		unsigned long flags = spin_lock_irqsave(&q->lock);
		int found = scan(fds, n);
		spin_unlock_irqrestore(&q->lock, flags);
		return found;
	}
	int r = waitq_wait(console_input_queue(), any_ready, &req, deadline, true);
	return r == -EINTR ? -EINTR : req.found;
}
