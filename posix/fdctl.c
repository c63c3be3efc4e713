/*
 * System calls that control descriptors rather than move data: dup, dup2,
 * dup3, fcntl, ioctl and close, over the table of posix/fd.c. fcntl's
 * generic commands are answered here, the commands of one kind of file
 * (F_GETPIPE_SZ, F_SETPIPE_SZ) by its fcntl operation.
 */
#include <errno.h>
#include <fcntl.h>

#include <unishyper/file.h>
#include <unishyper/flock.h>
#include <unishyper/syscall.h>
#include <unishyper/uaccess.h>

SYSCALL_DEFINE1(dup, int, fd)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	long r = fd_install(f, 0, false);
	if (r < 0)
		file_put(f);
	return r;
}

SYSCALL_DEFINE2(dup2, int, fd, int, newfd)
{
	struct file *f;

	if (fd == newfd) { /* only checks that fd is open */
		if (!(f = fd_get(fd)))
			return -EBADF;
		file_put(f);
		return newfd;
	}
	return fd_dup_to(fd, newfd, false);
}

SYSCALL_DEFINE3(dup3, int, fd, int, newfd, int, flags)
{
	if (fd == newfd || (flags & ~O_CLOEXEC))
		return -EINVAL;
	return fd_dup_to(fd, newfd, flags & O_CLOEXEC);
}

SYSCALL_DEFINE3(fcntl, int, fd, int, cmd, unsigned long, arg)
{
	struct file *f = fd_get(fd);
	long r;

	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if ((long)arg < 0 || arg >= FD_MAX) {
			r = -EINVAL;
			break;
		}
		if ((r = fd_install(f, (int)arg, cmd == F_DUPFD_CLOEXEC)) >= 0)
			return r; /* the reference moved to the new descriptor */
		break;
	case F_GETFD:
		r = fd_get_cloexec(fd) > 0 ? FD_CLOEXEC : 0;
		break;
	case F_SETFD:
		r = fd_set_cloexec(fd, arg & FD_CLOEXEC);
		break;
	case F_GETFL:
		r = f->flags;
		break;
	case F_SETFL:
		f->flags = (f->flags & ~(O_APPEND | O_NONBLOCK)) | ((int)arg & (O_APPEND | O_NONBLOCK));
		r = 0;
		break;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
		/* Only another process could hold a conflicting lock, and
		 * the only other is a fork child's waiting parent: locks are
		 * not kept, so a child does not see its parent's. */
		{
			struct flock l;
			r = uaccess_get(l, (struct flock *)arg);
			l.l_type = F_UNLCK;
			if (!r && cmd == F_GETLK)
				r = uaccess_put((struct flock *)arg, l);
		}
		break;
	default:
		r = f->ops->fcntl ? f->ops->fcntl(f, cmd, arg) : -EINVAL;
	}
	file_put(f);
	return r;
}

SYSCALL_DEFINE3(ioctl, int, fd, unsigned long, cmd, unsigned long, arg)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	long r = f->ops->ioctl ? f->ops->ioctl(f, cmd, arg) : -ENOTTY;
	file_put(f);
	return r;
}

SYSCALL_DEFINE2(flock, int, fd, int, op)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	long r = flock_lock(f, op);
	file_put(f);
	return r;
}

SYSCALL_DEFINE1(close, int, fd)
{
	return fd_close(fd);
}
