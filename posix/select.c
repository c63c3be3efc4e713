/*
 * select(2) and pselect6(2) as a poll over the descriptors whose bits are
 * set (posix/pollwait.h), with Linux's mapping of readiness to the three
 * sets: readable on POLLIN, POLLHUP or POLLERR, writable on POLLOUT or
 * POLLERR, exceptional on POLLPRI. As on Linux, nfds above the size of
 * the descriptor table is cut down to it, a set bit of a descriptor that
 * is not open fails the call with EBADF, and the time left is written
 * back to the timeout.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>

#include <unishyper/file.h>
#include <unishyper/kmalloc.h>
#include <unishyper/sched.h>
#include <unishyper/signal.h>
#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/uaccess.h>

#include "pollwait.h"

#define WORDS (FD_MAX / 64)
#define IN_SET (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define OUT_SET (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define EX_SET POLLPRI

/* The three sets in the kernel: in, out, exceptional. */
struct sets {
	uint64_t w[3][WORDS];
};

static bool isset(const uint64_t *w, int fd)
{
	return w[fd / 64] >> (fd % 64) & 1;
}

/* The sets the program passed, in and out, and the wait in between. */
static long select_sets(int n, uint64_t *usets[3], uint64_t deadline)
{
	size_t bytes = (size_t)(n + 63) / 64 * 8;
	struct sets in = { 0 }, out = { 0 };
	struct pollfd *fds;
	long r, count = 0;
	int m = 0;

	if (n < 0)
		return -EINVAL;
	for (int s = 0; s < 3; s++)
		if (usets[s] && uaccess_from(in.w[s], usets[s], bytes))
			return -EFAULT;
	if (n % 64) /* bits past nfds in the last word are not the call's */
		for (int s = 0; s < 3; s++)
			in.w[s][n / 64] &= (1ull << (n % 64)) - 1;
	if (!(fds = kmalloc((size_t)(n ? n : 1) * sizeof(*fds))))
		return -ENOMEM;
	for (int fd = 0; fd < n; fd++) {
		short ev = (isset(in.w[0], fd) ? POLLIN | POLLRDNORM | POLLRDBAND : 0) |
			   (isset(in.w[1], fd) ? POLLOUT | POLLWRNORM | POLLWRBAND : 0) |
			   (isset(in.w[2], fd) ? POLLPRI : 0);
		if (ev)
			fds[m++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	r = poll_files(fds, (unsigned long)m, deadline);
	for (int i = 0; r >= 0 && i < m; i++) {
		int fd = fds[i].fd;
		short re = fds[i].revents;
		if (re & POLLNVAL) {
			r = -EBADF;
			break;
		}
		static const short maps[3] = { IN_SET, OUT_SET, EX_SET };
		for (int s = 0; s < 3; s++)
			if (isset(in.w[s], fd) && (re & maps[s])) {
				out.w[s][fd / 64] |= 1ull << (fd % 64);
				count++;
			}
	}
	kfree(fds);
	if (r < 0)
		return r;
	for (int s = 0; s < 3; s++)
		if (usets[s] && uaccess_to(usets[s], out.w[s], bytes))
			return -EFAULT;
	return count;
}

static int clamp(int n)
{
	return n > FD_MAX ? FD_MAX : n;
}

SYSCALL_DEFINE5(select, int, n, uint64_t *, rfds, uint64_t *, wfds, uint64_t *, efds,
		struct timeval *, utv)
{
	uint64_t *sets[3] = { rfds, wfds, efds }, deadline = SCHED_FOREVER, ns;
	struct timeval tv;
	long r;

	if (utv) {
		if (uaccess_get(tv, utv))
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		/* Linux folds whole seconds out of tv_usec rather than refuse it. */
		if (__builtin_mul_overflow((uint64_t)tv.tv_sec + (uint64_t)tv.tv_usec / 1000000,
					   NSEC_PER_SEC, &ns))
			ns = SCHED_FOREVER / 2;
		ns += (uint64_t)(tv.tv_usec % 1000000) * 1000;
		deadline = ns ? time_ns() + ns : POLL_NOW;
	}
	r = select_sets(clamp(n), sets, deadline);
	if (utv) {
		uint64_t now = time_ns(), left = deadline > now ? deadline - now : 0;
		tv = (struct timeval){ (time_t)(left / NSEC_PER_SEC),
				       (long)(left % NSEC_PER_SEC / 1000) };
		(void)uaccess_put(utv, tv);
	}
	if (r == -EINTR)
		signal_deliver_pending();
	return r;
}

/* pselect6's sixth argument: the mask and its size. */
struct sigmask_arg {
	const uint64_t *mask;
	size_t size;
};

SYSCALL_DEFINE6(pselect6, int, n, uint64_t *, rfds, uint64_t *, wfds, uint64_t *, efds,
		struct timespec *, uts, const struct sigmask_arg *, usig)
{
	uint64_t *sets[3] = { rfds, wfds, efds }, deadline, old;
	struct sigmask_arg sig = { NULL, 0 };
	long r;

	if ((r = poll_deadline(uts, &deadline)))
		return r;
	if (usig && uaccess_get(sig, usig))
		return -EFAULT;
	if ((r = poll_sigmask_set(sig.mask, sig.size, &old)))
		return r;
	r = select_sets(clamp(n), sets, deadline);
	poll_time_left(uts, deadline);
	return poll_sigmask_done(r, sig.mask, old);
}
