/*
 * Read and write system calls over the fd table: read, write, readv,
 * writev, lseek, ioctl, close.
 */
#include <errno.h>
#include <limits.h>
#include <sys/uio.h>

#include <unishyper/file.h>
#include <unishyper/syscall.h>
#include <unishyper/vm.h>

#define IO_MAX 0x7ffff000l /* Linux's limit for one transfer */

static long do_read(struct file *f, void *buf, size_t n)
{
	if (!f->ops->read)
		return -EINVAL;
	if (!vm_check(buf, n, VM_WRITE))
		return -EFAULT;
	return f->ops->read(f, buf, n > IO_MAX ? IO_MAX : n);
}

static long do_write(struct file *f, const void *buf, size_t n)
{
	if (!f->ops->write)
		return -EINVAL;
	if (!vm_check(buf, n, VM_READ))
		return -EFAULT;
	return f->ops->write(f, buf, n > IO_MAX ? IO_MAX : n);
}

SYSCALL_DEFINE3(read, int, fd, void *, buf, size_t, n)
{
	struct file *f = fd_get(fd);

	return f ? do_read(f, buf, n) : -EBADF;
}

SYSCALL_DEFINE3(write, int, fd, const void *, buf, size_t, n)
{
	struct file *f = fd_get(fd);

	return f ? do_write(f, buf, n) : -EBADF;
}

/* Checks an iovec array; returns the total length or -errno. */
static long iov_check(const struct iovec *iov, int cnt)
{
	long total = 0;

	if (cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	if (!vm_check(iov, cnt * sizeof(*iov), VM_READ))
		return -EFAULT;
	for (int i = 0; i < cnt; i++) {
		if ((long)iov[i].iov_len < 0 || total + (long)iov[i].iov_len < total)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	return total;
}

SYSCALL_DEFINE3(readv, int, fd, const struct iovec *, iov, int, cnt)
{
	struct file *f = fd_get(fd);
	long total = 0, r = iov_check(iov, cnt);

	if (!f)
		return -EBADF;
	if (r < 0)
		return r;
	for (int i = 0; i < cnt; i++) {
		if (!iov[i].iov_len)
			continue;
		r = do_read(f, iov[i].iov_base, iov[i].iov_len);
		if (r < 0)
			return total ? total : r;
		total += r;
		if ((size_t)r < iov[i].iov_len)
			break;
	}
	return total;
}

SYSCALL_DEFINE3(writev, int, fd, const struct iovec *, iov, int, cnt)
{
	struct file *f = fd_get(fd);
	long total = 0, r = iov_check(iov, cnt);

	if (!f)
		return -EBADF;
	if (r < 0)
		return r;
	for (int i = 0; i < cnt; i++) {
		if (!iov[i].iov_len)
			continue;
		r = do_write(f, iov[i].iov_base, iov[i].iov_len);
		if (r < 0)
			return total ? total : r;
		total += r;
		if ((size_t)r < iov[i].iov_len)
			break;
	}
	return total;
}

SYSCALL_DEFINE3(lseek, int, fd, long, off, int, whence)
{
	(void)off;
	(void)whence;
	return fd_get(fd) ? -ESPIPE : -EBADF;
}

SYSCALL_DEFINE3(ioctl, int, fd, unsigned long, cmd, unsigned long, arg)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	return f->ops->ioctl ? f->ops->ioctl(f, cmd, arg) : -ENOTTY;
}

SYSCALL_DEFINE1(close, int, fd)
{
	return fd_close(fd);
}
