/*
 * poll(2). Today's files are the console, always writable and readable
 * when a read would not wait; sockets and pipes join with their issues.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>

#include <unishyper/console.h>
#include <unishyper/file.h>
#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/vm.h>

static struct pollfd *poll_fds;
static unsigned long poll_n;
static int poll_found;

static int scan(void)
{
	int found = 0;

	for (unsigned long i = 0; i < poll_n; i++) {
		struct pollfd *p = &poll_fds[i];
		p->revents = 0;
		if (p->fd < 0)
			continue;
		if (!fd_get(p->fd))
			p->revents = POLLNVAL;
		else
			p->revents = (p->events & (POLLOUT | POLLWRNORM)) |
				     (console_input_ready() ? p->events & (POLLIN | POLLRDNORM) : 0);
		found += p->revents != 0;
	}
	return found;
}

static bool any_ready(void)
{
	return (poll_found = scan()) > 0;
}

SYSCALL_DEFINE3(poll, struct pollfd *, fds, unsigned long, n, int, timeout)
{
	if (n > FD_MAX)
		return -EINVAL;
	if (!vm_check(fds, n * sizeof(*fds), VM_READ | VM_WRITE))
		return -EFAULT;
	poll_fds = fds;
	poll_n = n;
	uint64_t deadline = timeout < 0 ? UINT64_MAX : time_ns() + (uint64_t)timeout * 1000000;
	if (!any_ready() && timeout != 0)
		time_wait(any_ready, deadline);
	return poll_found;
}
