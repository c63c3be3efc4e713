/*
 * System calls that make files for threads to talk through: pipe, pipe2,
 * eventfd and eventfd2. The files are kernel/pipe.c's and
 * kernel/eventfd.c's; this installs them as descriptors.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>

#include <unishyper/file.h>
#include <unishyper/pipe.h>
#include <unishyper/syscall.h>
#include <unishyper/uaccess.h>

SYSCALL_DEFINE2(pipe2, int *, ufds, int, flags)
{
	bool cloexec = flags & O_CLOEXEC;
	struct file *ends[2];
	int fds[2], r;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK)) /* no O_DIRECT packet mode */
		return -EINVAL;
	if (uaccess_writable(ufds, sizeof(fds)))
		return -EFAULT;
	if ((r = pipe_create(flags, ends)))
		return r;
	if ((fds[0] = fd_install(ends[0], 0, cloexec)) < 0) {
		file_put(ends[0]);
		file_put(ends[1]);
		return fds[0];
	}
	if ((fds[1] = fd_install(ends[1], 0, cloexec)) < 0) {
		fd_close(fds[0]);
		file_put(ends[1]);
		return fds[1];
	}
	if (uaccess_to(ufds, fds, sizeof(fds))) { /* unmapped by another thread since */
		fd_close(fds[0]);
		fd_close(fds[1]);
		return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE1(pipe, int *, ufds)
{
	return do_sys_pipe2(ufds, 0);
}

SYSCALL_DEFINE2(eventfd2, unsigned, initval, int, flags)
{
	struct file *f;
	int fd;

	if (flags & ~(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK))
		return -EINVAL;
	if (!(f = eventfd_create(initval, flags)))
		return -ENOMEM;
	if ((fd = fd_install(f, 0, flags & EFD_CLOEXEC)) < 0)
		file_put(f);
	return fd;
}

SYSCALL_DEFINE1(eventfd, unsigned, initval)
{
	return do_sys_eventfd2(initval, 0);
}
