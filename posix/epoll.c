/*
 * The epoll calls: epoll_create, epoll_create1, epoll_ctl, epoll_wait,
 * epoll_pwait and epoll_pwait2. The instances are kernel/epoll.c's; this
 * installs them as descriptors and checks the arguments in Linux's order,
 * so the same mistake gives the same errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/epoll.h>

#include <unishyper/epoll.h>
#include <unishyper/file.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/uaccess.h>

#include "pollwait.h"

#define MAX_EVENTS (INT_MAX / (int)sizeof(struct epoll_event))

SYSCALL_DEFINE1(epoll_create1, int, flags)
{
	struct file *f;
	int fd;

	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	if (!(f = epoll_open()))
		return -ENOMEM;
	if ((fd = fd_install(f, 0, flags & EPOLL_CLOEXEC)) < 0)
		file_put(f);
	return fd;
}

SYSCALL_DEFINE1(epoll_create, int, size)
{
	return size <= 0 ? -EINVAL : do_sys_epoll_create1(0);
}

SYSCALL_DEFINE4(epoll_ctl, int, epfd, int, op, int, fd, struct epoll_event *, uev)
{
	struct epoll_event ev = { 0 };
	struct file *f, *tf = NULL;
	long r = -EBADF;

	if (op != EPOLL_CTL_DEL && uaccess_get(ev, uev))
		return -EFAULT;
	if (!(f = fd_get(epfd)))
		return -EBADF;
	if (!(tf = fd_get(fd)))
		r = -EBADF;
	else if (!tf->ops->poll)
		r = -EPERM; /* Linux's answer for regular files and folders */
	else if (f == tf || !epoll_is(f))
		r = -EINVAL;
	else
		r = epoll_control(f, op, tf, fd, &ev);
	if (tf)
		file_put(tf);
	file_put(f);
	return r;
}

/* epoll_wait and its variants after the mask is in place. */
static long wait_on(int epfd, struct epoll_event *uev, int max, uint64_t deadline)
{
	struct file *f;
	long r;

	if (max <= 0 || max > MAX_EVENTS)
		return -EINVAL;
	if (!uaccess_ok(uev, (size_t)max * sizeof(*uev)))
		return -EFAULT;
	if (!(f = fd_get(epfd)))
		return -EBADF;
	r = epoll_is(f) ? epoll_wait_events(f, uev, max, deadline) : -EINVAL;
	file_put(f);
	return r;
}

static uint64_t deadline_ms(int timeout)
{
	if (timeout < 0)
		return SCHED_FOREVER;
	return timeout ? time_ns() + (uint64_t)timeout * 1000000 : POLL_NOW;
}

SYSCALL_DEFINE4(epoll_wait, int, epfd, struct epoll_event *, uev, int, max, int, timeout)
{
	long r = wait_on(epfd, uev, max, deadline_ms(timeout));

	if (r == -EINTR)
		signal_deliver_pending();
	return r;
}

SYSCALL_DEFINE6(epoll_pwait, int, epfd, struct epoll_event *, uev, int, max, int, timeout,
		const uint64_t *, umask, size_t, size)
{
	uint64_t old;
	long r;

	if ((r = poll_sigmask_set(umask, size, &old)))
		return r;
	return poll_sigmask_done(wait_on(epfd, uev, max, deadline_ms(timeout)), umask, old);
}

SYSCALL_DEFINE6(epoll_pwait2, int, epfd, struct epoll_event *, uev, int, max,
		const struct timespec *, uts, const uint64_t *, umask, size_t, size)
{
	uint64_t deadline, old;
	long r;

	if ((r = poll_deadline(uts, &deadline)) || (r = poll_sigmask_set(umask, size, &old)))
		return r;
	return poll_sigmask_done(wait_on(epfd, uev, max, deadline), umask, old);
}
