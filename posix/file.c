/*
 * File system calls on paths and open files: open, stat, directories,
 * links, renames, sizes, syncing, descriptors (dup, fcntl), the working
 * directory, access, times and file-system statistics. Paths are copied in
 * from the program first; the *at forms resolve a relative path against
 * the directory an fd was opened as. The work is kernel/fs/vfs.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <unistd.h>

#include <unishyper/file.h>
#include <unishyper/kmalloc.h>
#include <unishyper/program.h>
#include <unishyper/syscall.h>
#include <unishyper/time.h>
#include <unishyper/vfs.h>
#include <unishyper/uaccess.h>

#define UTIME_NOW_NS ((1l << 30) - 1)
#define UTIME_OMIT_NS ((1l << 30) - 2)

static uint32_t umask_bits = 022;

/* Copies a NUL-terminated path from the program into out (VFS_PATH_MAX). */
static long get_path(const char *u, char *out)
{
	long n = uaccess_string(out, u, VFS_PATH_MAX);

	return n < 0 ? n : n ? 0 : -ENOENT;
}

/* The path an *at call means: relative paths against dirfd's directory. */
static long at_path(int dirfd, const char *u, char *out)
{
	char rel[VFS_PATH_MAX];
	long r = get_path(u, rel);

	if (r)
		return r;
	if (rel[0] == '/' || dirfd == AT_FDCWD) {
		strcpy(out, rel);
		return 0;
	}
	struct file *f = fd_get(dirfd);
	if (!f)
		return -EBADF;
	if (!f->vnode || !f->vnode->is_dir) {
		file_put(f);
		return -ENOTDIR;
	}
	size_t l = strlen(f->path);
	if (l + 1 + strlen(rel) >= VFS_PATH_MAX) {
		file_put(f);
		return -ENAMETOOLONG;
	}
	memcpy(out, f->path, l);
	out[l] = '/';
	strcpy(out + l + 1, rel);
	file_put(f);
	return 0;
}

static long do_open(int dirfd, const char *upath, int flags, uint32_t mode)
{
	char path[VFS_PATH_MAX];
	struct file *f;
	long r = at_path(dirfd, upath, path);

	if (r)
		return r;
	if ((r = vfs_open(path, flags, mode & ~umask_bits & 07777, &f)))
		return r;
	if ((r = fd_install(f, 0, flags & O_CLOEXEC)) < 0)
		file_put(f);
	return r;
}

SYSCALL_DEFINE3(open, const char *, path, int, flags, uint32_t, mode)
{
	return do_open(AT_FDCWD, path, flags, mode);
}

SYSCALL_DEFINE4(openat, int, dirfd, const char *, path, int, flags, uint32_t, mode)
{
	return do_open(dirfd, path, flags, mode);
}

SYSCALL_DEFINE2(creat, const char *, path, uint32_t, mode)
{
	return do_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

/* Whether an *at call means the file of dirfd itself rather than a path:
 * with AT_EMPTY_PATH, a path that is empty or NULL (fstat and fchown pass
 * NULL). 1 or 0, or -EFAULT (NULL without AT_EMPTY_PATH, as stat(NULL)). */
static long means_fd(const char *upath, int flags)
{
	if (!(flags & AT_EMPTY_PATH))
		return upath ? 0 : -EFAULT;
	if (!upath)
		return 1;
	char c;

	return uaccess_get(c, upath) ? -EFAULT : !c;
}

/* The attributes behind a path, or an fd (AT_EMPTY_PATH, fstat). */
static long attr_of(int dirfd, const char *upath, int flags, struct vfs_attr *a)
{
	char path[VFS_PATH_MAX];
	long r;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | 0x6000))
		return -EINVAL;
	if ((r = means_fd(upath, flags)) < 0)
		return r;
	if (r) {
		struct file *f = fd_get(dirfd);
		if (!f)
			return -EBADF;
		if (f->vnode)
			r = vfs_fstat(f, a);
		else /* the console: a terminal */
			*a = (struct vfs_attr){ .ino = 3, .mode = S_IFCHR | 0620, .nlink = 1,
						.blksize = 1024, .rdev = 0x8800 }, r = 0;
		file_put(f);
		return r;
	}
	if ((r = at_path(dirfd, upath, path)))
		return r;
	return flags & AT_SYMLINK_NOFOLLOW ? vfs_lstat(path, a) : vfs_stat(path, a);
}

static void fill_stat(struct stat *st, const struct vfs_attr *a)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = 1;
	st->st_ino = a->ino;
	st->st_nlink = a->nlink;
	st->st_mode = a->mode;
	st->st_uid = a->uid;
	st->st_gid = a->gid;
	st->st_rdev = a->rdev;
	st->st_size = (off_t)a->size;
	st->st_blksize = a->blksize;
	st->st_blocks = (blkcnt_t)a->blocks;
	st->st_atim = (struct timespec){ (time_t)(a->atime / 1000000000), (long)(a->atime % 1000000000) };
	st->st_mtim = (struct timespec){ (time_t)(a->mtime / 1000000000), (long)(a->mtime % 1000000000) };
	st->st_ctim = (struct timespec){ (time_t)(a->ctime / 1000000000), (long)(a->ctime % 1000000000) };
}

static long do_stat(int dirfd, const char *path, struct stat *st, int flags)
{
	struct vfs_attr a;
	long r;

	struct stat k;

	if ((r = attr_of(dirfd, path, flags, &a)))
		return r;
	fill_stat(&k, &a);
	return uaccess_put(st, k);
}

SYSCALL_DEFINE2(stat, const char *, path, struct stat *, st)
{
	return do_stat(AT_FDCWD, path, st, 0);
}

SYSCALL_DEFINE2(lstat, const char *, path, struct stat *, st)
{
	return do_stat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

SYSCALL_DEFINE2(fstat, int, fd, struct stat *, st)
{
	return do_stat(fd, NULL, st, AT_EMPTY_PATH);
}

SYSCALL_DEFINE4(newfstatat, int, dirfd, const char *, path, struct stat *, st, int, flags)
{
	return do_stat(dirfd, path, st, flags);
}

/* Linux's struct statx (256 bytes). */
struct kstatx_time {
	int64_t sec;
	uint32_t nsec;
	int32_t reserved;
};

struct kstatx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad1;
	uint64_t ino, size, blocks, attributes_mask;
	struct kstatx_time atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};

static struct kstatx_time statx_time(uint64_t ns)
{
	return (struct kstatx_time){ (int64_t)(ns / 1000000000), (uint32_t)(ns % 1000000000), 0 };
}

SYSCALL_DEFINE5(statx, int, dirfd, const char *, path, int, flags, unsigned, mask,
		struct kstatx *, sx)
{
	struct vfs_attr a;
	struct kstatx k, *usx = sx;
	long r;

	(void)mask;
	if ((r = attr_of(dirfd, path, flags, &a)))
		return r;
	sx = &k;
	memset(sx, 0, sizeof(*sx));
	sx->mask = 0x7ff; /* STATX_BASIC_STATS */
	sx->blksize = a.blksize;
	sx->nlink = a.nlink;
	sx->mode = (uint16_t)a.mode;
	sx->ino = a.ino;
	sx->size = a.size;
	sx->blocks = a.blocks;
	sx->atime = statx_time(a.atime);
	sx->mtime = statx_time(a.mtime);
	sx->ctime = statx_time(a.ctime);
	sx->rdev_major = (uint32_t)(a.rdev >> 8);
	sx->rdev_minor = (uint32_t)(a.rdev & 0xff);
	sx->dev_minor = 1;
	return uaccess_put(usx, k);
}

struct linux_dirent64 {
	uint64_t ino;
	int64_t off;
	uint16_t reclen;
	uint8_t type;
	char name[];
};

SYSCALL_DEFINE3(getdents64, int, fd, void *, buf, size_t, size)
{
	struct file *f = fd_get(fd);
	struct vfs_dirent *d;
	size_t used = 0;
	long r = 0;

	if (!f)
		return -EBADF;
	if (!uaccess_ok(buf, size)) {
		r = -EFAULT;
		goto out;
	}
	if (!f->vnode) {
		r = -ENOTDIR;
		goto out;
	}
	if (!(d = kmalloc(sizeof(*d)))) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		uint64_t pos = f->dir_pos;
		if ((r = vfs_readdir(f, d)) <= 0)
			break;
		size_t len = strlen(d->name), rec = (sizeof(struct linux_dirent64) + len + 1 + 7) & ~7ul;
		if (used + rec > size) {
			f->dir_pos = pos; /* give it back: next call */
			r = used ? 0 : -EINVAL;
			break;
		}
		struct linux_dirent64 e = { d->ino ? d->ino : 1, (int64_t)f->dir_pos,
					    (uint16_t)rec, d->type };
		char *to = (char *)buf + used;
		size_t head = offsetof(struct linux_dirent64, name);
		if (uaccess_copy(to, &e, head) || uaccess_copy(to + head, d->name, len + 1)) {
			r = -EFAULT;
			break;
		}
		used += rec;
	}
	kfree(d);
	if (r >= 0)
		r = (long)used;
out:
	file_put(f);
	return r;
}

static long path_op(int dirfd, const char *upath, int (*op)(const char *))
{
	char path[VFS_PATH_MAX];
	long r = at_path(dirfd, upath, path);

	return r ? r : op(path);
}

SYSCALL_DEFINE2(mkdir, const char *, upath, uint32_t, mode)
{
	char path[VFS_PATH_MAX];
	long r = get_path(upath, path);

	return r ? r : vfs_mkdir(path, mode & ~umask_bits & 07777);
}

SYSCALL_DEFINE3(mkdirat, int, dirfd, const char *, upath, uint32_t, mode)
{
	char path[VFS_PATH_MAX];
	long r = at_path(dirfd, upath, path);

	return r ? r : vfs_mkdir(path, mode & ~umask_bits & 07777);
}

SYSCALL_DEFINE1(rmdir, const char *, path)
{
	return path_op(AT_FDCWD, path, vfs_rmdir);
}

SYSCALL_DEFINE1(unlink, const char *, path)
{
	return path_op(AT_FDCWD, path, vfs_unlink);
}

SYSCALL_DEFINE3(unlinkat, int, dirfd, const char *, path, int, flags)
{
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return path_op(dirfd, path, flags & AT_REMOVEDIR ? vfs_rmdir : vfs_unlink);
}

static long do_rename(int olddir, const char *uold, int newdir, const char *unew, unsigned flags)
{
	char from[VFS_PATH_MAX], to[VFS_PATH_MAX];
	long r;

	if (flags & ~1u) /* RENAME_NOREPLACE only; no RENAME_EXCHANGE */
		return -EINVAL;
	if ((r = at_path(olddir, uold, from)) || (r = at_path(newdir, unew, to)))
		return r;
	return vfs_rename(from, to, flags & 1u);
}

static long do_link(int olddir, const char *uold, int newdir, const char *unew, int flags)
{
	char from[VFS_PATH_MAX], to[VFS_PATH_MAX];
	long r;

	if (flags & ~AT_SYMLINK_FOLLOW)
		return -EINVAL;
	if ((r = at_path(olddir, uold, from)) || (r = at_path(newdir, unew, to)))
		return r;
	return vfs_link(from, to, flags & AT_SYMLINK_FOLLOW);
}

SYSCALL_DEFINE2(link, const char *, from, const char *, to)
{
	return do_link(AT_FDCWD, from, AT_FDCWD, to, 0);
}

SYSCALL_DEFINE5(linkat, int, olddir, const char *, from, int, newdir, const char *, to, int,
		flags)
{
	return do_link(olddir, from, newdir, to, flags);
}

SYSCALL_DEFINE2(rename, const char *, from, const char *, to)
{
	return do_rename(AT_FDCWD, from, AT_FDCWD, to, 0);
}

SYSCALL_DEFINE4(renameat, int, olddir, const char *, from, int, newdir, const char *, to)
{
	return do_rename(olddir, from, newdir, to, 0);
}

SYSCALL_DEFINE5(renameat2, int, olddir, const char *, from, int, newdir, const char *, to,
		unsigned, flags)
{
	return do_rename(olddir, from, newdir, to, flags);
}

SYSCALL_DEFINE2(truncate, const char *, upath, long, size)
{
	char path[VFS_PATH_MAX];
	long r = get_path(upath, path);

	if (r)
		return r;
	return size < 0 ? -EINVAL : vfs_truncate(path, NULL, (uint64_t)size);
}

/* Runs op on an open file of a file system (-EINVAL for the console). */
static long on_file(int fd, long (*op)(struct file *, long, long), long a, long b)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	long r = f->vnode ? op(f, a, b) : -EINVAL;
	file_put(f);
	return r;
}

static long ftruncate_op(struct file *f, long size, long unused)
{
	(void)unused;
	return size < 0 ? -EINVAL : vfs_truncate(NULL, f, (uint64_t)size);
}

static long fsync_op(struct file *f, long a, long b)
{
	(void)a;
	(void)b;
	return vfs_fsync(f);
}

static long syncfs_op(struct file *f, long a, long b)
{
	(void)a;
	(void)b;
	return vfs_syncfs(f);
}

SYSCALL_DEFINE2(ftruncate, int, fd, long, size)
{
	return on_file(fd, ftruncate_op, size, 0);
}

SYSCALL_DEFINE1(fsync, int, fd)
{
	return on_file(fd, fsync_op, 0, 0);
}

SYSCALL_DEFINE1(fdatasync, int, fd)
{
	return on_file(fd, fsync_op, 0, 0);
}

SYSCALL_DEFINE1(syncfs, int, fd)
{
	return on_file(fd, syncfs_op, 0, 0);
}

SYSCALL_DEFINE0(sync)
{
	vfs_sync();
	return 0;
}

static long fallocate_op(struct file *f, long off, long len)
{
	return vfs_fallocate(f, (uint64_t)off, (uint64_t)len);
}

SYSCALL_DEFINE4(fallocate, int, fd, int, mode, long, off, long, len)
{
	if (mode)
		return -EOPNOTSUPP; /* no hole punching or keep-size */
	if (off < 0 || len <= 0)
		return -EINVAL;
	return on_file(fd, fallocate_op, off, len);
}

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
		/* One process: no other process can hold a lock. */
		{
			struct flock l;
			r = uaccess_get(l, (struct flock *)arg);
			l.l_type = F_UNLCK;
			if (!r && cmd == F_GETLK)
				r = uaccess_put((struct flock *)arg, l);
		}
		break;
	default:
		r = -EINVAL;
	}
	file_put(f);
	return r;
}

SYSCALL_DEFINE2(getcwd, char *, buf, size_t, size)
{
	char cwd[VFS_PATH_MAX];

	int n = vfs_getcwd(cwd, sizeof(cwd));

	if (!uaccess_ok(buf, size))
		return -EFAULT;
	if ((size_t)n > size)
		return -ERANGE;
	return uaccess_to(buf, cwd, (size_t)n) ? -EFAULT : n;
}

SYSCALL_DEFINE1(chdir, const char *, path)
{
	return path_op(AT_FDCWD, path, vfs_chdir);
}

SYSCALL_DEFINE1(fchdir, int, fd)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	long r = f->vnode && f->vnode->is_dir ? vfs_chdir(f->path) : -ENOTDIR;
	file_put(f);
	return r;
}

static long do_access(int dirfd, const char *upath, int mode, int flags)
{
	char path[VFS_PATH_MAX];
	struct vfs_attr a;
	long r;

	if (mode & ~(R_OK | W_OK | X_OK) || flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	if ((r = at_path(dirfd, upath, path)) || (r = vfs_stat(path, &a)))
		return r;
	if ((mode & W_OK) && vfs_is_readonly(path))
		return -EROFS;
	/* Root may read and write anything; executing needs an x bit. */
	if ((mode & X_OK) && !S_ISDIR(a.mode) && !(a.mode & 0111))
		return -EACCES;
	return 0;
}

SYSCALL_DEFINE2(access, const char *, path, int, mode)
{
	return do_access(AT_FDCWD, path, mode, 0);
}

SYSCALL_DEFINE3(faccessat, int, dirfd, const char *, path, int, mode)
{
	return do_access(dirfd, path, mode, 0);
}

SYSCALL_DEFINE4(faccessat2, int, dirfd, const char *, path, int, mode, int, flags)
{
	return do_access(dirfd, path, mode, flags);
}

SYSCALL_DEFINE1(umask, uint32_t, mask)
{
	uint32_t old = umask_bits;

	umask_bits = mask & 0777;
	return old;
}

static long set_times(int dirfd, const char *upath, const struct timespec *times, int flags);

SYSCALL_DEFINE4(utimensat, int, dirfd, const char *, upath, const struct timespec *, times,
		int, flags)
{
	return set_times(dirfd, upath, times, flags);
}

/* Sets attributes of a path, or of fd dirfd when upath is NULL. */
static long setattr_at(int dirfd, const char *upath, const struct vfs_attr *a, unsigned mask)
{
	char path[VFS_PATH_MAX];
	long r;

	if (!upath) {
		struct file *f = fd_get(dirfd);
		if (!f)
			return -EBADF;
		r = f->vnode ? vfs_setattr(NULL, f, a, mask) : 0;
		file_put(f);
		return r;
	}
	if ((r = at_path(dirfd, upath, path)))
		return r;
	return vfs_setattr(path, NULL, a, mask);
}

/* chown and its kin: the owner of a path, or of fd; (uid_t)-1 keeps one. */
static long set_owner(int dirfd, const char *upath, uint32_t uid, uint32_t gid, int flags)
{
	struct vfs_attr a = { .uid = uid, .gid = gid };
	unsigned mask = VFS_SET_OWNER;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (flags & AT_SYMLINK_NOFOLLOW)
		mask |= VFS_NOFOLLOW;
	long r = means_fd(upath, flags);
	if (r < 0)
		return r;
	return setattr_at(dirfd, r ? NULL : upath, &a, mask);
}

SYSCALL_DEFINE3(chown, const char *, path, uint32_t, uid, uint32_t, gid)
{
	return set_owner(AT_FDCWD, path, uid, gid, 0);
}

SYSCALL_DEFINE3(lchown, const char *, path, uint32_t, uid, uint32_t, gid)
{
	return set_owner(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

SYSCALL_DEFINE3(fchown, int, fd, uint32_t, uid, uint32_t, gid)
{
	return set_owner(fd, NULL, uid, gid, AT_EMPTY_PATH);
}

SYSCALL_DEFINE5(fchownat, int, dirfd, const char *, path, uint32_t, uid, uint32_t, gid, int,
		flags)
{
	return set_owner(dirfd, path, uid, gid, flags);
}

/* chmod and its kin: the permission bits of a path, or of fd. */
static long set_mode(int dirfd, const char *upath, uint32_t mode)
{
	struct vfs_attr a = { .mode = mode & 07777 };

	return setattr_at(dirfd, upath, &a, VFS_SET_MODE);
}

SYSCALL_DEFINE2(chmod, const char *, path, uint32_t, mode)
{
	return set_mode(AT_FDCWD, path, mode);
}

SYSCALL_DEFINE2(fchmod, int, fd, uint32_t, mode)
{
	return set_mode(fd, NULL, mode);
}

SYSCALL_DEFINE3(fchmodat, int, dirfd, const char *, path, uint32_t, mode)
{
	return set_mode(dirfd, path, mode);
}

/* utimes and futimesat take microseconds. */
static long set_times_us(int dirfd, const char *upath, const struct timeval *tv)
{
	struct timespec ts[2];
	struct timeval ktv[2];

	if (!tv)
		return set_times(dirfd, upath, NULL, 0);
	if (uaccess_from(ktv, tv, sizeof(ktv)))
		return -EFAULT;
	tv = ktv;
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		ts[i] = (struct timespec){ tv[i].tv_sec, tv[i].tv_usec * 1000 };
	}
	return set_times(dirfd, upath, ts, 0);
}

SYSCALL_DEFINE2(utimes, const char *, path, const struct timeval *, tv)
{
	return set_times_us(AT_FDCWD, path, tv);
}

SYSCALL_DEFINE3(futimesat, int, dirfd, const char *, path, const struct timeval *, tv)
{
	return set_times_us(dirfd, path, tv);
}

static long set_times(int dirfd, const char *upath, const struct timespec *times, int flags)
{
	struct vfs_attr a = { 0 };
	unsigned mask = VFS_SET_ATIME | VFS_SET_MTIME;
	uint64_t now = time_realtime_ns();

	if (flags & ~AT_SYMLINK_NOFOLLOW)
		return -EINVAL;
	a.atime = a.mtime = now;
	if (flags & AT_SYMLINK_NOFOLLOW)
		mask |= VFS_NOFOLLOW;
	if (times) {
		/* A copy: utimensat's times are the program's (set_times_us's
		 * are on the stack, which is the program's too). */
		struct timespec k[2];
		if (uaccess_from(k, times, sizeof(k)))
			return -EFAULT;
		times = k;
		for (int i = 0; i < 2; i++) {
			long ns = times[i].tv_nsec;
			uint64_t *t = i ? &a.mtime : &a.atime;
			if (ns == UTIME_OMIT_NS)
				mask &= ~(i ? VFS_SET_MTIME : VFS_SET_ATIME);
			else if (ns == UTIME_NOW_NS)
				*t = now;
			else if (ns < 0 || ns >= 1000000000 || times[i].tv_sec < 0)
				return -EINVAL;
			else
				*t = (uint64_t)times[i].tv_sec * 1000000000 + (uint64_t)ns;
		}
	}
	return setattr_at(dirfd, upath, &a, mask); /* upath NULL: futimens */
}

static void fill_statfs(struct statfs *st, const struct vfs_statfs *s)
{
	memset(st, 0, sizeof(*st));
	st->f_type = s->magic;
	st->f_bsize = s->bsize;
	st->f_frsize = s->bsize;
	st->f_blocks = s->blocks;
	st->f_bfree = s->bfree;
	st->f_bavail = s->bfree;
	st->f_files = s->files;
	st->f_ffree = s->ffree;
	st->f_namelen = s->name_max;
}

SYSCALL_DEFINE2(statfs, const char *, upath, struct statfs *, st)
{
	char path[VFS_PATH_MAX];
	struct vfs_statfs s;
	long r;

	struct statfs k;

	if ((r = get_path(upath, path)) || (r = vfs_statfs(path, NULL, &s)))
		return r;
	fill_statfs(&k, &s);
	return uaccess_put(st, k);
}

SYSCALL_DEFINE2(fstatfs, int, fd, struct statfs *, st)
{
	struct vfs_statfs s;
	struct file *f;
	long r;

	struct statfs k;

	if (!(f = fd_get(fd)))
		return -EBADF;
	r = f->vnode ? vfs_statfs(NULL, f, &s) : -ENOSYS;
	file_put(f);
	if (r)
		return r;
	fill_statfs(&k, &s);
	return uaccess_put(st, k);
}

static long do_readlink(int dirfd, const char *upath, char *buf, size_t size)
{
	char path[VFS_PATH_MAX];
	long r;

	char target[VFS_PATH_MAX];

	if (!uaccess_ok(buf, size))
		return -EFAULT;
	if ((r = at_path(dirfd, upath, path)))
		return r;
	if (!strcmp(path, "/proc/self/exe")) {
		/* The program is the image: name it by argv[0]. */
		const char *exe = program_path();
		size_t n = strlen(exe);
		if (n > size)
			n = size;
		return uaccess_to(buf, exe, n) ? -EFAULT : (long)n;
	}
	if (!size)
		return -EINVAL;
	r = vfs_readlink(path, target, size < VFS_PATH_MAX ? size : VFS_PATH_MAX);
	return r < 0 || !uaccess_to(buf, target, (size_t)r) ? r : -EFAULT;
}

static long do_symlink(const char *utarget, int dirfd, const char *upath)
{
	char target[VFS_PATH_MAX], path[VFS_PATH_MAX];
	long r;

	if ((r = get_path(utarget, target)) || (r = at_path(dirfd, upath, path)))
		return r;
	return vfs_symlink(target, path);
}

SYSCALL_DEFINE2(symlink, const char *, target, const char *, path)
{
	return do_symlink(target, AT_FDCWD, path);
}

SYSCALL_DEFINE3(symlinkat, const char *, target, int, dirfd, const char *, path)
{
	return do_symlink(target, dirfd, path);
}

SYSCALL_DEFINE3(readlink, const char *, path, char *, buf, size_t, size)
{
	return do_readlink(AT_FDCWD, path, buf, size);
}

SYSCALL_DEFINE4(readlinkat, int, dirfd, const char *, path, char *, buf, size_t, size)
{
	return do_readlink(dirfd, path, buf, size);
}
