/*
 * System calls that move data through open files, each through the
 * file's own operations: read, write, pread64, pwrite64, readv, writev,
 * preadv, pwritev, sendfile, lseek, getdents64; and the calls that put a
 * file's data where it belongs: fsync, fdatasync, sync_file_range, syncfs,
 * sync, ftruncate, fallocate.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <unishyper/file.h>
#include <unishyper/kmalloc.h>
#include <unishyper/signal.h>
#include <unishyper/syscall.h>
#include <unishyper/uaccess.h>
#include <unishyper/vfs.h>

#define IO_MAX 0x7ffff000l /* Linux's limit for one transfer */

static ssize_t do_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	if ((f->flags & O_ACCMODE) == O_WRONLY || !f->ops->read)
		return -EBADF;
	if (!uaccess_ok(buf, n))
		return -EFAULT;
	ssize_t r;
	/* A read a signal interrupted before any data goes on after handlers
	 * with SA_RESTART, as on Linux. */
	do
		r = f->ops->read(f, buf, n > IO_MAX ? IO_MAX : n, off);
	while (r == -EINTR && signal_restart(true));
	return r;
}

static bool can_write(struct file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY && f->ops->write;
}

/* A write of buf, the program's or (gathered) the kernel's, through f,
 * which can_write(). */
static ssize_t write_through(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	ssize_t r;

	do
		r = f->ops->write(f, buf, n > IO_MAX ? IO_MAX : n, off);
	while (r == -EINTR && signal_restart(true));
	return r;
}

static ssize_t do_write(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	if (!can_write(f))
		return -EBADF;
	return uaccess_ok(buf, n) ? write_through(f, buf, n, off) : -EFAULT;
}

/* Checks an iovec array; returns the total length or -errno. */
static long iov_check(const struct iovec *iov, int cnt)
{
	long total = 0;

	if (cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	for (int i = 0; i < cnt; i++) {
		struct iovec v;
		if (uaccess_get(v, &iov[i]))
			return -EFAULT;
		if ((long)v.iov_len < 0 || total + (long)v.iov_len < total)
			return -EINVAL;
		/* As Linux: a buffer outside the program's range fails the
		 * whole call before any transfer. */
		if (!uaccess_ok(v.iov_base, v.iov_len))
			return -EFAULT;
		total += v.iov_len;
	}
	return total;
}

/* A small writev is gathered and written in one transfer, so that it is as
 * atomic as one write (stdio writes a line as two vectors: a stream must
 * not carry another writer's bytes between them). */
#define GATHER_MAX 4096

static long gathered_write(struct file *f, const struct iovec *iov, int cnt, size_t total,
			   uint64_t *off)
{
	char *k, *p;
	long r = 0;

	if (!can_write(f))
		return -EBADF;
	if (!(p = k = kmalloc(total ? total : 1)))
		return -ENOMEM;
	for (int i = 0; i < cnt && !r; i++) {
		struct iovec v;
		r = uaccess_get(v, &iov[i]) || uaccess_from(p, v.iov_base, v.iov_len) ? -EFAULT : 0;
		p += v.iov_len;
	}
	if (!r)
		r = write_through(f, k, total, off);
	if (r > 0 && off)
		*off += (uint64_t)r;
	kfree(k);
	return r;
}

/* readv/writev and their positioned forms: one transfer per buffer,
 * stopping at the first short one (small writes: one transfer). */
static long vector_io(int fd, const struct iovec *iov, int cnt, uint64_t *off, bool write)
{
	struct file *f = fd_get(fd);
	long total = 0, r;

	if (!f)
		return -EBADF;
	if ((r = iov_check(iov, cnt)) < 0)
		goto out;
	if (write && cnt > 1 && r <= GATHER_MAX) {
		r = gathered_write(f, iov, cnt, (size_t)r, off);
		goto out;
	}
	for (int i = 0; i < cnt; i++) {
		struct iovec v;
		if ((r = uaccess_get(v, &iov[i])))
			break;
		if (!v.iov_len)
			continue;
		r = write ? do_write(f, v.iov_base, v.iov_len, off) :
			    do_read(f, v.iov_base, v.iov_len, off);
		if (r < 0)
			break;
		total += r;
		if (off)
			*off += (uint64_t)r;
		if ((size_t)r < v.iov_len)
			break;
	}
	r = total || r >= 0 ? total : r;
out:
	file_put(f);
	return r;
}

static long single_io(int fd, void *buf, size_t n, uint64_t *off, bool write)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	long r = write ? do_write(f, buf, n, off) : do_read(f, buf, n, off);
	file_put(f);
	return r;
}

SYSCALL_DEFINE3(read, int, fd, void *, buf, size_t, n)
{
	return single_io(fd, buf, n, NULL, false);
}

SYSCALL_DEFINE3(write, int, fd, const void *, buf, size_t, n)
{
	return single_io(fd, (void *)buf, n, NULL, true);
}

SYSCALL_DEFINE4(pread64, int, fd, void *, buf, size_t, n, long, off)
{
	uint64_t pos = (uint64_t)off;

	return off < 0 ? -EINVAL : single_io(fd, buf, n, &pos, false);
}

SYSCALL_DEFINE4(pwrite64, int, fd, const void *, buf, size_t, n, long, off)
{
	uint64_t pos = (uint64_t)off;

	return off < 0 ? -EINVAL : single_io(fd, (void *)buf, n, &pos, true);
}

SYSCALL_DEFINE3(readv, int, fd, const struct iovec *, iov, int, cnt)
{
	return vector_io(fd, iov, cnt, NULL, false);
}

SYSCALL_DEFINE3(writev, int, fd, const struct iovec *, iov, int, cnt)
{
	return vector_io(fd, iov, cnt, NULL, true);
}

/* preadv and pwritev: Linux splits the offset into two longs for 32-bit
 * callers; on x86_64 the first holds all of it and the second is unused. */
SYSCALL_DEFINE5(preadv, int, fd, const struct iovec *, iov, int, cnt, long, off, long, off_high)
{
	uint64_t pos = (uint64_t)off;

	return off < 0 ? -EINVAL : vector_io(fd, iov, cnt, &pos, false);
}

SYSCALL_DEFINE5(pwritev, int, fd, const struct iovec *, iov, int, cnt, long, off, long, off_high)
{
	uint64_t pos = (uint64_t)off;

	return off < 0 ? -EINVAL : vector_io(fd, iov, cnt, &pos, true);
}

#define SENDFILE_BUF 65536

/* Copies up to count bytes from in at *pos (NULL: a file without
 * positions, read where it stands) to out through a kernel buffer; stops
 * at the end of in or a short write. The bytes written, or an error when
 * none were. *pos advances by what was written. */
static long copy_file(struct file *out, struct file *in, uint64_t *pos, size_t count)
{
	size_t size = count < SENDFILE_BUF ? count : SENDFILE_BUF, done = 0;
	char *buf = kmalloc(size);
	long r = 0;

	if (!buf)
		return -ENOMEM;
	while (done < count) {
		size_t n = count - done < size ? count - done : size;
		do
			r = in->ops->read(in, buf, n, pos);
		while (r == -EINTR && signal_restart(true));
		if (r <= 0)
			break;
		long w = write_through(out, buf, (size_t)r, NULL);
		if (w < 0) {
			r = w;
			break;
		}
		done += (size_t)w;
		if (pos)
			*pos += (uint64_t)w;
		if (w < r || (size_t)r < n)
			break;
	}
	kfree(buf);
	return done ? (long)done : r;
}

SYSCALL_DEFINE4(sendfile, int, out_fd, int, in_fd, long *, uoff, size_t, count)
{
	struct file *in = fd_get(in_fd), *out = fd_get(out_fd);
	long r = 0, off = 0;
	uint64_t pos = 0;

	if (!in || !out || (in->flags & O_ACCMODE) == O_WRONLY || !in->ops->read || !can_write(out))
		r = -EBADF;
	else if (out->flags & O_APPEND)
		r = -EINVAL;
	else if (uoff && uaccess_get(off, uoff))
		r = -EFAULT;
	else if (off < 0)
		r = -EINVAL;
	if (r || !count)
		goto out;
	/* At *uoff, leaving the file offset alone; else at the offset of a
	 * file that has one, which then advances. */
	bool positioned = uoff || in->ops->seek;
	pos = uoff ? (uint64_t)off : in->offset;
	r = copy_file(out, in, positioned ? &pos : NULL, count > IO_MAX ? IO_MAX : count);
	if (r >= 0 && uoff) {
		off = (long)pos;
		if (uaccess_put(uoff, off))
			r = -EFAULT;
	} else if (r >= 0 && positioned) {
		in->offset = pos;
	}
out:
	if (in)
		file_put(in);
	if (out)
		file_put(out);
	return r;
}

SYSCALL_DEFINE3(lseek, int, fd, long, off, int, whence)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	long r = f->ops->seek ? f->ops->seek(f, off, whence) : -ESPIPE;
	file_put(f);
	return r;
}

struct linux_dirent64 {
	uint64_t ino;
	int64_t off;
	uint16_t reclen;
	uint8_t type;
	char name[];
};

struct dirents {
	char *buf; /* the program's */
	size_t size, used;
};

/* Puts one entry into the program's buffer: 0, 1 when it is full. */
static int emit(void *ctx, const struct vfs_dirent *d, uint64_t next)
{
	struct dirents *to = ctx;
	size_t len = strlen(d->name), rec = (sizeof(struct linux_dirent64) + len + 1 + 7) & ~7ul;
	size_t head = offsetof(struct linux_dirent64, name);
	struct linux_dirent64 e = { d->ino ? d->ino : 1, (int64_t)next, (uint16_t)rec, d->type };
	char *p = to->buf + to->used;

	if (to->used + rec > to->size)
		return 1;
	if (uaccess_copy(p, &e, head) || uaccess_copy(p + head, d->name, len + 1))
		return -EFAULT;
	to->used += rec;
	return 0;
}

SYSCALL_DEFINE3(getdents64, int, fd, void *, buf, size_t, size)
{
	struct dirents to = { buf, size, 0 };
	struct file *f = fd_get(fd);
	long r;

	if (!f)
		return -EBADF;
	if (!uaccess_ok(buf, size))
		r = -EFAULT;
	else if (!f->ops->readdir)
		r = -ENOTDIR;
	else if ((r = f->ops->readdir(f, emit, &to)) > 0)
		r = to.used ? 0 : -EINVAL; /* not even one entry fits */
	file_put(f);
	return r < 0 ? r : (long)to.used;
}

SYSCALL_DEFINE1(fsync, int, fd)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	long r = f->ops->sync ? f->ops->sync(f) : -EINVAL;
	file_put(f);
	return r;
}

SYSCALL_DEFINE1(fdatasync, int, fd)
{
	return do_sys_fsync(fd);
}

/* sync_file_range(2): the whole file is written out, more than asked,
 * when WRITE or WAIT_AFTER is; WAIT_BEFORE alone has nothing to wait for. */
SYSCALL_DEFINE4(sync_file_range, int, fd, long, off, long, n, unsigned, flags)
{
	struct file *f;
	struct vfs_attr a;
	long r = 0;

	if ((flags & ~7u) || off < 0 || n < 0 || off + n < off)
		return -EINVAL;
	if (!(f = fd_get(fd)))
		return -EBADF;
	if (f->ops->stat(f, &a) || !(S_ISREG(a.mode) || S_ISBLK(a.mode) || S_ISDIR(a.mode) ||
				       S_ISLNK(a.mode)))
		r = -ESPIPE;
	else if ((flags & (SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER)) && f->ops->sync)
		r = f->ops->sync(f);
	file_put(f);
	return r;
}

SYSCALL_DEFINE1(syncfs, int, fd)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	long r = vfs_syncfs(f);
	file_put(f);
	return r;
}

SYSCALL_DEFINE0(sync)
{
	vfs_sync();
	return 0;
}

SYSCALL_DEFINE2(ftruncate, int, fd, long, size)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	long r = size < 0 ? -EINVAL : vfs_truncate(NULL, f, (uint64_t)size);
	file_put(f);
	return r;
}

SYSCALL_DEFINE4(fallocate, int, fd, int, mode, long, off, long, len)
{
	struct file *f;

	if (mode)
		return -EOPNOTSUPP; /* no hole punching or keep-size */
	if (off < 0 || len <= 0)
		return -EINVAL;
	if (!(f = fd_get(fd)))
		return -EBADF;
	long r = vfs_fallocate(f, (uint64_t)off, (uint64_t)len);
	file_put(f);
	return r;
}
